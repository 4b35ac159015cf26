-- The signed ingest endpoint for dyniq (POST /webhooks/dyniq/ingest), called through PostgREST RPC
-- with the service role; rowgate.ingest does the work in one transaction.

create or replace function dyniq.ingest(
  p_delivery_id text,
  p_table text,
  p_records jsonb,
  p_on_conflict text[] default null
)
returns jsonb
language sql
set search_path = ''
as $$
  select rowgate.ingest('dyniq', p_delivery_id, p_table, p_records, p_on_conflict)
$$;

revoke all on function dyniq.ingest(text, text, jsonb, text[]) from public, anon, authenticated;
grant execute on function dyniq.ingest(text, text, jsonb, text[]) to service_role;
