-- Companion's housekeeping (specification §3; design decision 6): one function per pg_cron job
-- of 20261203003900, each callable directly (tests fix the clock with p_now), each returning
-- how many rows it changed.
--
-- Decisions [dec]:
-- - expire_link_tokens deletes used tokens (a used token is never valid again; link_telegram
--   only reads one to answer a replay "already linked", so a replay after the next hourly run
--   is answered token_invalid, which links nothing either) and tokens whose expiry is more than
--   a day past (kept a day so a late `/start` is still told "expired" rather than "unknown":
--   both are token_invalid, the day is only for inspection).
-- - prune_expired_user_context deletes memories whose expires_at is before p_now; permanent
--   ones (expires_at null) stay.
-- - end_stale_conversations ends every open conversation (any channel) that started more than
--   24 hours before p_now: ended_at = p_now ([orig]'s 24-hour reuse window; the seed's "per day
--   or session"). receive_telegram_message applies the same rule to the thread it is about to
--   use, so the hourly schedule is not what bounds a thread.

-- Deletes used link tokens and tokens expired more than a day ago. Cron
-- (companion-expire-link-tokens, hourly).
create or replace function companion.expire_link_tokens(p_now timestamptz default null)
returns integer
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_now timestamptz := coalesce(p_now, pg_catalog.now());
  v_count integer;
begin
  delete from companion.telegram_link_tokens t
   where t.used_at is not null
      or t.expires_at < v_now - interval '1 day';
  get diagnostics v_count = row_count;
  return v_count;
end;
$$;

-- Deletes the user_context rows whose expiry has passed. Cron (companion-prune-user-context,
-- daily at 03:30 UTC).
create or replace function companion.prune_expired_user_context(p_now timestamptz default null)
returns integer
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_now timestamptz := coalesce(p_now, pg_catalog.now());
  v_count integer;
begin
  delete from companion.user_context c where c.expires_at < v_now;
  get diagnostics v_count = row_count;
  return v_count;
end;
$$;

-- Ends the open conversations that started more than 24 hours ago. Cron
-- (companion-end-stale-conversations, hourly at :10).
create or replace function companion.end_stale_conversations(p_now timestamptz default null)
returns integer
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_now timestamptz := coalesce(p_now, pg_catalog.now());
  v_count integer;
begin
  update companion.conversations c
     set ended_at = v_now
   where c.ended_at is null
     and c.started_at < v_now - interval '24 hours';
  get diagnostics v_count = row_count;
  return v_count;
end;
$$;

-- ---------------------------------------------------------------------------------------------
-- grants: the backend only (pg_cron runs them as postgres)
-- ---------------------------------------------------------------------------------------------

revoke all on function companion.expire_link_tokens(timestamptz) from public, anon, authenticated;
revoke all on function companion.prune_expired_user_context(timestamptz) from public, anon, authenticated;
revoke all on function companion.end_stale_conversations(timestamptz) from public, anon, authenticated;
grant execute on function companion.expire_link_tokens(timestamptz) to service_role;
grant execute on function companion.prune_expired_user_context(timestamptz) to service_role;
grant execute on function companion.end_stale_conversations(timestamptz) to service_role;
