-- Companion's daily check-ins (specification §2, §3, §7.3): the planner that writes one pending
-- row per eligible user and local day, the claim the Worker's scheduled handler drains
-- (claim_scheduled_messages(n) -> Telegram sendMessage per row -> record_scheduled_message_sent
-- or record_scheduled_message_failed), and the lease that fails what was claimed and never
-- reported (fail_stuck_scheduled_messages).
--
-- Against defect C6 ("check if sent today" is a check-then-act race): a day's check-in is a row,
-- unique per (user_id, local_date), planned with `on conflict do nothing`, and sent only by
-- whoever claims it (pending -> processing in the claim's one statement, `for update skip
-- locked`), so two planners or two claimers never make or send two. Against C12 (no in-flight
-- state): 'processing' while the Worker sends; a claim past its lease becomes 'failed' ('unknown
-- outcome'), never pending again: at most once (design decision 13).
--
-- Time: every function that reads the clock takes `p_now timestamptz default null` (null: now()).
-- The slot is computed with `at time zone` in the user's zone, so 09:00 stays 09:00 local across
-- DST. rowgate-core mirrors the rules (core/src/companion/checkin.rs);
-- core/tests/integration/companion.rs compares the two through the helpers below, which the
-- planner itself uses.
--
-- Design addition: scheduled_messages.claimed_at (timestamptz, null until claimed), the instant
-- of the latest claim, which starts the lease. scheduled_for cannot: a row is claimed up to the
-- grace window after it, and a rate-limited row's scheduled_for is its retry's. Only these
-- functions write it (the service role's grants cover it; no client may); like every timestamptz
-- column of companion it is finite (scheduled_messages_claimed_at_check).
--
-- Decisions [dec]:
-- - Grace window: 2 hours (companion.checkin_grace()). The planner does not plan a slot more
--   than 2 hours in the past, and the claim skips ('missed window') a pending row more than 2
--   hours past its scheduled_for: one boundary for both (a slot exactly 2 hours old is still
--   planned and sent).
-- - The planner plans today only: for each eligible user (onboarding completed, Telegram linked,
--   not paused) the user's local date at p_now and that day's slot, unless the slot is past the
--   grace window. Tomorrow's row is planned by the first run after the user's local midnight (the
--   job runs every 15 minutes, well inside the window), so a change of zone or time applies from
--   the next day not yet planned. A user whose slot had passed when they became eligible gets
--   their first check-in the next day.
-- - Paused: `preferences ->> 'daily_messages_paused'` is 'true' (a JSON true, or "true"); any
--   other value or none is not paused.
-- - A wall-clock slot that does not exist (spring-forward gap) or exists twice (fall-back fold)
--   is resolved as PostgreSQL's `timestamp at time zone` does: a gap with the offset before it,
--   a fold with the offset after it (the later instant).
-- - The claim re-checks, per due row, in this order: Telegram unlinked -> 'skipped' ('telegram
--   not linked'); paused -> 'skipped' ('paused'); more than the grace window past scheduled_for
--   -> 'skipped' ('missed window'). Skipped rows do not count against p_limit (all due ones are
--   skipped at once); the sendable ones are claimed oldest first, at most p_limit (>= 1, else
--   22023). Rows another claimer holds are skipped, never waited for.
-- - Rate limit (429): back to 'pending' with scheduled_for = p_now + retry_after, claimed_at
--   cleared; the grace window is measured from scheduled_for, so the retry is not a missed
--   window. A retry that would fall on or after the end of the row's local day (the next local
--   midnight in the user's zone) fails instead ('rate limited past the end of the day'): a
--   check-in never goes out on a day it does not belong to.
-- - Blocked (403, p_blocked): 'failed' and the user is paused (preferences.daily_messages_paused
--   = true) with their other pending rows skipped ('paused'), as set_daily_messages_paused does;
--   p_blocked wins over p_retry_after_s. Any other failure: 'failed'. failure_reason is p_reason
--   trimmed (default 'blocked' / 'send failed'). Only a 'processing' row can be reported
--   (55000); an unknown id is P0002, a negative retry_after 22023.
-- - record_scheduled_message_sent: idempotent on p_id (a 'sent' row answers duplicate and
--   writes nothing). A row the lease already failed ('unknown outcome') is still recorded sent
--   when its report comes late: Telegram's message_id proves it went out. Any other status:
--   55000. The user's open telegram conversation ends (ended_at = p_now, or its start if later)
--   and the check-in starts a new one (telegram, initiated_by 'companion').
-- - The lease (default 10 minutes) runs from claimed_at (from scheduled_for for a row claimed
--   before claimed_at existed). fail_stuck_scheduled_messages skips rows a reporter holds.

-- ---------------------------------------------------------------------------------------------
-- design addition: when a row was claimed
-- ---------------------------------------------------------------------------------------------

alter table companion.scheduled_messages add column if not exists claimed_at timestamptz;
-- Finite, as every timestamptz column of companion (20261203003010's `<table>_<column>_check`).
alter table companion.scheduled_messages
  add constraint scheduled_messages_claimed_at_check check (isfinite(claimed_at));
comment on column companion.scheduled_messages.claimed_at is
  'When it was last claimed by a sender: the start of its lease. Null until claimed, and again after a rate-limited retry.';
-- The service role's column grants of 20261203003020 (insert every column but updated_at,
-- update every one but id, created_at, updated_at), extended to it; signed-in users read it
-- with the rest of their check-ins (a table-wide select).
grant insert (claimed_at), update (claimed_at) on companion.scheduled_messages to service_role;

-- ---------------------------------------------------------------------------------------------
-- the pure time rules (mirrored in rowgate-core's companion::checkin)
-- ---------------------------------------------------------------------------------------------

-- How long after its scheduled_for a check-in may still go out.
create or replace function companion.checkin_grace()
returns interval
language sql
immutable
security invoker
set search_path = ''
return interval '2 hours';

-- The user's local date at p_now in zone p_zone: the day a check-in planned then belongs to.
create or replace function companion.checkin_local_date(p_now timestamptz, p_zone text)
returns date
language sql
stable
security invoker
set search_path = ''
return (p_now at time zone p_zone)::date;

-- The instant of the check-in of local day p_local_date at local time p_time in zone p_zone.
create or replace function companion.checkin_slot(p_local_date date, p_time time, p_zone text)
returns timestamptz
language sql
stable
security invoker
set search_path = ''
return (p_local_date + p_time) at time zone p_zone;

-- ---------------------------------------------------------------------------------------------
-- plan_daily_messages
-- ---------------------------------------------------------------------------------------------

-- Today's check-in for every eligible user without one (cron companion-plan-daily-messages).
-- Returns how many rows it wrote; a second run at the same instant writes none.
create or replace function companion.plan_daily_messages(p_now timestamptz default null)
returns integer
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_now timestamptz := coalesce(p_now, pg_catalog.now());
  v_count integer;
begin
  insert into companion.scheduled_messages (user_id, local_date, scheduled_for, status)
  select p.user_id, p.local_date, p.slot, 'pending'
    from (
      select u.id as user_id, d.local_date,
             companion.checkin_slot(d.local_date, u.preferred_message_time, u.timezone) as slot
        from companion.users u
        cross join lateral (select companion.checkin_local_date(v_now, u.timezone) as local_date) d
       where u.onboarding_completed_at is not null
         and u.telegram_user_id is not null
         and (u.preferences ->> 'daily_messages_paused') is distinct from 'true'
    ) p
   where p.slot >= v_now - companion.checkin_grace()
   order by p.user_id
  on conflict (user_id, local_date) do nothing;
  get diagnostics v_count = row_count;
  return v_count;
end;
$$;

-- ---------------------------------------------------------------------------------------------
-- claim_scheduled_messages
-- ---------------------------------------------------------------------------------------------

-- The due check-ins to send now: each claimed row -> 'processing' (claimed_at = p_now) and
-- returned with what the sender needs (chat_id = the user's telegram_user_id; content null:
-- the core's fallback text from display_name, companion_name and support_style). Due rows that
-- must not go out are skipped in the same statement (see the header). One statement, so the
-- row locks and the state change end together when the RPC returns.
create or replace function companion.claim_scheduled_messages(
  p_limit integer default 20,
  p_now timestamptz default null
)
returns table (
  id uuid,
  user_id uuid,
  chat_id bigint,
  content text,
  display_name text,
  companion_name text,
  support_style text,
  local_date date
)
language plpgsql
security invoker
set search_path = ''
as $$
#variable_conflict use_column
declare
  v_now timestamptz := coalesce(p_now, pg_catalog.now());
  v_oldest timestamptz := coalesce(p_now, pg_catalog.now()) - companion.checkin_grace();
begin
  if p_limit is null or p_limit < 1 then
    raise exception 'p_limit must be at least 1, not %', coalesce(p_limit::text, 'null') using errcode = '22023';
  end if;

  return query
  with skippable as (
    select m.id,
           case when u.telegram_user_id is null then 'telegram not linked'
                when (u.preferences ->> 'daily_messages_paused') = 'true' then 'paused'
                else 'missed window' end as reason
      from companion.scheduled_messages m
      join companion.users u on u.id = m.user_id
     where m.status = 'pending'
       and m.scheduled_for <= v_now
       and (u.telegram_user_id is null
            or (u.preferences ->> 'daily_messages_paused') = 'true'
            or m.scheduled_for < v_oldest)
       for update of m skip locked
  ),
  sendable as (
    select m.id
      from companion.scheduled_messages m
      join companion.users u on u.id = m.user_id
     where m.status = 'pending'
       and m.scheduled_for <= v_now
       and m.scheduled_for >= v_oldest
       and u.telegram_user_id is not null
       and (u.preferences ->> 'daily_messages_paused') is distinct from 'true'
     order by m.scheduled_for, m.id
     limit p_limit
       for update of m skip locked
  ),
  skipped as (
    update companion.scheduled_messages m
       set status = 'skipped', failure_reason = s.reason
      from skippable s
     where m.id = s.id
    returning m.id
  ),
  claimed as (
    update companion.scheduled_messages m
       set status = 'processing', claimed_at = v_now
      from sendable s
     where m.id = s.id
    returning m.id, m.user_id, m.content, m.local_date, m.scheduled_for
  )
  select c.id, c.user_id, u.telegram_user_id::bigint, c.content::text, u.display_name::text, u.companion_name::text,
         u.support_style::text, c.local_date
    from claimed c
    join companion.users u on u.id = c.user_id
   order by c.scheduled_for, c.id;
end;
$$;

-- ---------------------------------------------------------------------------------------------
-- the sender's reports
-- ---------------------------------------------------------------------------------------------

-- Telegram took the check-in (sendMessage answered message_id p_telegram_message_id, with the
-- text p_content actually sent). One transaction: the user's open telegram conversation ends, a
-- new one starts (initiated_by 'companion'), the text becomes its first message (role
-- 'assistant'), and the row -> 'sent' with sent_at, conversation_id and content. Returns
-- {"duplicate", "outcome": "sent", "id", "conversation_id", "message_id"}.
create or replace function companion.record_scheduled_message_sent(
  p_id uuid,
  p_content text,
  p_telegram_message_id integer,
  p_now timestamptz default null
)
returns jsonb
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_now timestamptz := coalesce(p_now, pg_catalog.now());
  v_row companion.scheduled_messages;
  v_conversation_id uuid;
  v_message_id uuid;
  v_content text := rowgate.trim_text(p_content);
begin
  if p_content is null or p_telegram_message_id is null then
    raise exception 'p_content and p_telegram_message_id are required' using errcode = '22004';
  end if;
  if v_content is null then
    raise exception 'p_content cannot be blank' using errcode = '22023';
  end if;
  select m.* into v_row from companion.scheduled_messages m where m.id = p_id for update;
  if not found then
    raise exception 'no scheduled message %', p_id using errcode = 'P0002';
  end if;
  if v_row.status = 'sent' then
    return pg_catalog.jsonb_build_object('duplicate', true, 'outcome', 'sent', 'id', v_row.id,
      'conversation_id', v_row.conversation_id, 'message_id', null);
  end if;
  if not (v_row.status = 'processing' or (v_row.status = 'failed' and v_row.failure_reason = 'unknown outcome')) then
    raise exception 'scheduled message % is not being sent (status %)', p_id, v_row.status using errcode = '55000';
  end if;

  update companion.conversations c
     set ended_at = greatest(c.started_at, v_now)
   where c.user_id = v_row.user_id
     and c.channel = 'telegram'
     and c.ended_at is null;

  insert into companion.conversations (user_id, channel, initiated_by, started_at)
  values (v_row.user_id, 'telegram', 'companion', v_now)
  returning id into v_conversation_id;

  insert into companion.messages (conversation_id, role, content, telegram_message_id, metadata, created_at)
  values (v_conversation_id, 'assistant', v_content, p_telegram_message_id,
    pg_catalog.jsonb_build_object('scheduled_message_id', v_row.id, 'local_date', v_row.local_date), v_now)
  returning id into v_message_id;

  update companion.scheduled_messages m
     set status = 'sent',
         sent_at = v_now,
         conversation_id = v_conversation_id,
         content = v_content,
         failure_reason = null
   where m.id = p_id;

  return pg_catalog.jsonb_build_object('duplicate', false, 'outcome', 'sent', 'id', p_id,
    'conversation_id', v_conversation_id, 'message_id', v_message_id);
end;
$$;

-- The send failed. p_retry_after_s (Telegram's 429 parameters.retry_after): back to pending at
-- p_now + that many seconds, within the row's local day; p_blocked (403, the user blocked the
-- bot): failed and the user paused; otherwise failed. Returns {"outcome", "id", "status",
-- "scheduled_for"}: outcome rescheduled / failed / blocked.
create or replace function companion.record_scheduled_message_failed(
  p_id uuid,
  p_reason text,
  p_retry_after_s integer default null,
  p_blocked boolean default false,
  p_now timestamptz default null
)
returns jsonb
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_now timestamptz := coalesce(p_now, pg_catalog.now());
  v_row companion.scheduled_messages;
  v_zone text;
  v_retry_at timestamptz;
  v_outcome text;
  v_reason text := rowgate.trim_text(p_reason);
begin
  if p_retry_after_s < 0 then
    raise exception 'p_retry_after_s cannot be negative: %', p_retry_after_s using errcode = '22023';
  end if;
  select m.* into v_row from companion.scheduled_messages m where m.id = p_id for update;
  if not found then
    raise exception 'no scheduled message %', p_id using errcode = 'P0002';
  end if;
  if v_row.status <> 'processing' then
    raise exception 'scheduled message % is not being sent (status %)', p_id, v_row.status using errcode = '55000';
  end if;

  if coalesce(p_blocked, false) then
    update companion.scheduled_messages m
       set status = 'failed', failure_reason = coalesce(v_reason, 'blocked')
     where m.id = p_id
    returning m.* into v_row;
    update companion.users u
       set preferences = pg_catalog.jsonb_set(u.preferences, '{daily_messages_paused}', 'true'::jsonb)
     where u.id = v_row.user_id;
    update companion.scheduled_messages m
       set status = 'skipped', failure_reason = 'paused'
     where m.user_id = v_row.user_id and m.status = 'pending';
    v_outcome := 'blocked';
  elsif p_retry_after_s is not null then
    select u.timezone into v_zone from companion.users u where u.id = v_row.user_id;
    v_retry_at := v_now + pg_catalog.make_interval(secs => p_retry_after_s);
    if v_retry_at < companion.checkin_slot(v_row.local_date + 1, time '00:00', v_zone) then
      update companion.scheduled_messages m
         set status = 'pending', scheduled_for = v_retry_at, claimed_at = null, failure_reason = null
       where m.id = p_id
      returning m.* into v_row;
      v_outcome := 'rescheduled';
    else
      update companion.scheduled_messages m
         set status = 'failed',
             failure_reason = coalesce(v_reason, 'rate limited') || ' (rate limited past the end of the day)'
       where m.id = p_id
      returning m.* into v_row;
      v_outcome := 'failed';
    end if;
  else
    update companion.scheduled_messages m
       set status = 'failed', failure_reason = coalesce(v_reason, 'send failed')
     where m.id = p_id
    returning m.* into v_row;
    v_outcome := 'failed';
  end if;

  return pg_catalog.jsonb_build_object('outcome', v_outcome, 'id', v_row.id, 'status', v_row.status,
    'scheduled_for', v_row.scheduled_for);
end;
$$;

-- The lease: rows 'processing' for longer than p_lease since their claim have an unknown outcome
-- (the Worker died between Telegram and its report): 'failed' ('unknown outcome'), never sent
-- again. Rows a reporter holds are skipped. Returns how many it failed. Cron
-- (companion-fail-stuck-messages).
create or replace function companion.fail_stuck_scheduled_messages(
  p_lease interval default '10 minutes',
  p_now timestamptz default null
)
returns integer
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_now timestamptz := coalesce(p_now, pg_catalog.now());
  v_lease interval := coalesce(p_lease, interval '10 minutes');
  v_count integer;
begin
  if v_lease < interval '0' then
    raise exception 'the lease cannot be negative: %', p_lease using errcode = '22023';
  end if;
  with stuck as (
    select m.id
      from companion.scheduled_messages m
     where m.status = 'processing'
       and coalesce(m.claimed_at, m.scheduled_for) < v_now - v_lease
       for update skip locked
  )
  update companion.scheduled_messages m
     set status = 'failed', failure_reason = 'unknown outcome'
    from stuck s
   where m.id = s.id;
  get diagnostics v_count = row_count;
  return v_count;
end;
$$;

-- ---------------------------------------------------------------------------------------------
-- grants: the backend (service role: the Worker's scheduled handler; pg_cron runs as postgres)
-- ---------------------------------------------------------------------------------------------

revoke all on function companion.checkin_grace() from public, anon, authenticated;
revoke all on function companion.checkin_local_date(timestamptz, text) from public, anon, authenticated;
revoke all on function companion.checkin_slot(date, time, text) from public, anon, authenticated;
revoke all on function companion.plan_daily_messages(timestamptz) from public, anon, authenticated;
revoke all on function companion.claim_scheduled_messages(integer, timestamptz) from public, anon, authenticated;
revoke all on function companion.record_scheduled_message_sent(uuid, text, integer, timestamptz)
  from public, anon, authenticated;
revoke all on function companion.record_scheduled_message_failed(uuid, text, integer, boolean, timestamptz)
  from public, anon, authenticated;
revoke all on function companion.fail_stuck_scheduled_messages(interval, timestamptz) from public, anon, authenticated;

grant execute on function companion.checkin_grace() to service_role;
grant execute on function companion.checkin_local_date(timestamptz, text) to service_role;
grant execute on function companion.checkin_slot(date, time, text) to service_role;
grant execute on function companion.plan_daily_messages(timestamptz) to service_role;
grant execute on function companion.claim_scheduled_messages(integer, timestamptz) to service_role;
grant execute on function companion.record_scheduled_message_sent(uuid, text, integer, timestamptz) to service_role;
grant execute on function companion.record_scheduled_message_failed(uuid, text, integer, boolean, timestamptz)
  to service_role;
grant execute on function companion.fail_stuck_scheduled_messages(interval, timestamptz) to service_role;
