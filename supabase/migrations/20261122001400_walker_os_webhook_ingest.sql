-- The signed ingest endpoint for walker_os (POST /webhooks/walker_os/ingest), called through PostgREST RPC
-- with the service role; rowgate.ingest does the work in one transaction.

create or replace function walker_os.ingest(
  p_delivery_id text,
  p_table text,
  p_records jsonb,
  p_on_conflict text[] default null
)
returns jsonb
language sql
set search_path = ''
as $$
  select rowgate.ingest('walker_os', p_delivery_id, p_table, p_records, p_on_conflict)
$$;

revoke all on function walker_os.ingest(text, text, jsonb, text[]) from public, anon, authenticated;
grant execute on function walker_os.ingest(text, text, jsonb, text[]) to service_role;
