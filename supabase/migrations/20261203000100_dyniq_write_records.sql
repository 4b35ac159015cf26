-- dyniq's door to rowgate.write_records (20261203000010): PostgREST reaches only exposed schemas,
-- so the record API calls POST /rpc/write_records with Content-Profile: dyniq. It runs as the
-- caller: dyniq grants anon and authenticated nothing, so for them it fails as a direct write
-- would (42501); the service role writes every table.

create or replace function dyniq.write_records(
  p_table text,
  p_records jsonb,
  p_on_conflict text[] default null
)
returns jsonb
language sql
security invoker
set search_path = ''
as $$
  select rowgate.write_records('dyniq', p_table, p_records, p_on_conflict)
$$;

revoke all on function dyniq.write_records(text, jsonb, text[]) from public, anon;
grant execute on function dyniq.write_records(text, jsonb, text[]) to authenticated, service_role;
