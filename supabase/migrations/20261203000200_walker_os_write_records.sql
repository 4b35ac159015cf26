-- walker_os's door to rowgate.write_records (20261203000010), for the record API's bulk upserts
-- (POST /rpc/write_records with Content-Profile: walker_os). It runs as the caller, so an
-- owner's token writes under the owner's grants and row-level security, exactly as a direct
-- PostgREST write: only their own rows, and only the columns they may set.

create or replace function walker_os.write_records(
  p_table text,
  p_records jsonb,
  p_on_conflict text[] default null
)
returns jsonb
language sql
security invoker
set search_path = ''
as $$
  select rowgate.write_records('walker_os', p_table, p_records, p_on_conflict)
$$;

revoke all on function walker_os.write_records(text, jsonb, text[]) from public, anon;
grant execute on function walker_os.write_records(text, jsonb, text[]) to authenticated, service_role;
