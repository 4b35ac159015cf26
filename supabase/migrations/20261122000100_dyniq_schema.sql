-- DYNIQ: business data (leads, quiz responses, content, board meetings, embeddings), written by
-- the automation pipeline and the webhooks with the service role. No end user owns these rows,
-- so `anon` and `authenticated` are granted nothing on its tables (see each table's file).

create schema if not exists dyniq;
-- Usage alone reveals nothing: every table still needs its own grant. It lets PostgREST answer
-- a client's request with "permission denied" (403) rather than "schema not found".
grant usage on schema dyniq to anon, authenticated, service_role;

-- ---------------------------------------------------------------------------------------------
-- functions shared by the schema's tables
-- ---------------------------------------------------------------------------------------------

create or replace function dyniq.set_updated_at()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  new.updated_at := now();
  return new;
end;
$$;

-- Quiz tier from a 0-100 score: HOT from 70, WARM from 40, COLD below. rowgate-core uses the
-- same thresholds (dyniq::tier_for_score) and a test keeps the two equal.
create or replace function dyniq.tier_for_score(score integer)
returns text
language sql
immutable
parallel safe
set search_path = ''
as $$
  select case
    when score is null then null
    when score >= 70 then 'HOT'
    when score >= 40 then 'WARM'
    else 'COLD'
  end
$$;

-- universal_embeddings.source_id is UUID v5 of the source's string id in the DNS namespace,
-- equal to Python's uuid.uuid5(uuid.NAMESPACE_DNS, thread_id).
create or replace function dyniq.thread_uuid(thread_id text)
returns uuid
language sql
immutable
parallel safe
set search_path = ''
as $$
  select extensions.uuid_generate_v5(extensions.uuid_ns_dns(), thread_id)
$$;

revoke execute on function dyniq.tier_for_score(integer), dyniq.thread_uuid(text) from public;
grant execute on function dyniq.tier_for_score(integer), dyniq.thread_uuid(text)
  to authenticated, service_role;
