-- Set-once columns (rowgate-core's `set_once` group: id, created_at) keep the value they were
-- inserted with. anon and authenticated are granted nothing on dyniq, so this is for the service
-- role, which bypasses grants and row-level security: an upsert by the backend or a signed
-- ingest that carries `id` or `created_at` (a retried insert, an import of history) must not
-- move an existing row's id or rewrite its history.
--
-- A trigger that keeps the stored value rather than one that refuses: rowgate.write_records
-- sets every column the caller may update, and for the service role that includes these, so
-- refusing would fail every such upsert. The core refuses them in a patch (422 `readonly`)
-- before any request reaches the database.

-- ---------------------------------------------------------------------------------------------
-- functions
-- ---------------------------------------------------------------------------------------------

create or replace function dyniq.keep_set_once()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  new.id := old.id;
  new.created_at := old.created_at;
  return new;
end;
$$;

-- ---------------------------------------------------------------------------------------------
-- triggers
-- ---------------------------------------------------------------------------------------------

create trigger leads_keep_set_once before update on dyniq.leads
  for each row execute function dyniq.keep_set_once();
create trigger quiz_responses_keep_set_once before update on dyniq.quiz_responses
  for each row execute function dyniq.keep_set_once();
create trigger content_posts_keep_set_once before update on dyniq.content_posts
  for each row execute function dyniq.keep_set_once();
create trigger content_metrics_keep_set_once before update on dyniq.content_metrics
  for each row execute function dyniq.keep_set_once();
create trigger board_meetings_keep_set_once before update on dyniq.board_meetings
  for each row execute function dyniq.keep_set_once();
create trigger universal_embeddings_keep_set_once before update on dyniq.universal_embeddings
  for each row execute function dyniq.keep_set_once();
