-- Yachtparty's outbound SMS queue (specification §2.3): enqueue with superseding and sequences,
-- the claim that applies quiet hours and the per-user budget under concurrency, and the sender's
-- reports (sent, failed, lease expired). The Worker's scheduled handler drains it:
-- claim_due_messages(n) -> Twilio per row -> record_message_sent / record_message_failed.
--
-- Time: every function that reads the clock takes `p_now timestamptz default null` (null: now()),
-- so tests fix it. Quiet hours and the daily budget follow the user's own zone (users.timezone),
-- computed with `at time zone`, so DST days are right. rowgate-core mirrors the pure rules
-- (core/src/yachtparty/sending.rs); core/tests/integration/yachtparty_messages.rs compares the
-- two on the same cases, through the helpers below that claim_due_messages itself uses.
--
-- Decisions [dec]:
-- - A user without a time zone is in America/New_York (as [orig]); without quiet hours, in
--   22:00-08:00 local (as [orig]).
-- - A wall-clock time that does not exist (a spring-forward gap) or exists twice (a fall-back
--   fold) is resolved as PostgreSQL's `timestamp at time zone` does: a gap takes the offset in
--   force before it, a fold the offset after it.
-- - A user is active while they have an inbound message from the last 10 minutes (as [orig]).
--   A reply is a row with conversation_context_id set, sent while the user is active: it
--   bypasses quiet hours and the budget and does not count against either, as [orig] sent
--   replies outside the queue. Active users also bypass quiet hours for proactive messages (§2.3).
-- - A row is claimed only once it has a final_message: rows whose final_message is null (those
--   with requires_fresh_context, which a renderer fills in) are left queued and untouched, and
--   claimed by a later call once a renderer has set final_message. The claim returns only what
--   the sender can send.
-- - The claim links each claimed row to its outbound message at once (delivered_message_id), so
--   record_message_failed and fail_stuck_messages find it; that message's created_at is the
--   claim time, which starts the lease and is what the trailing-hour budget counts.
-- - The budget's trailing hour counts units claimed in the hour before now (rows 'processing'
--   or 'sent', a sequence once, replies not), so a row claimed but not yet reported sent counts.
-- - Claimers never wait for each other: a user whose messages another claimer is handling is
--   skipped (transaction-level advisory try-lock per user, taken before the budget row is
--   upserted and locked `for update`), a row locked by another claimer is skipped (`skip
--   locked`), a sequence with any row locked is skipped whole (`nowait`). So claims cannot
--   deadlock, and a user's limits hold under concurrency.
-- - p_limit bounds the rows a claim returns; a sequence is never split, and one that does not
--   fit in what is left waits for the next call, unless it is the call's first, so a sequence
--   longer than p_limit still goes out.
-- - Superseding (p_supersede) takes every still-queued row of the same (user_id, agent_id)
--   outside the new rows, as the seed's "cancel older messages"; the default reason is
--   'newer_message'.
-- - enqueue_message pushes scheduled_for out of the user's quiet hours unless the row has a
--   conversation context (a possible reply: whether it is one depends on the user being active
--   when it is due, which the claim decides) or the user's latest budget row turned them off.
-- - At most once: fail_stuck_messages never puts a row back in the queue. A row past its lease
--   whose message a status callback already gave a Twilio SID was sent: it becomes 'sent';
--   any other becomes 'failed' with a `message.send_failed` event. A late record_message_sent
--   still turns a 'failed' row 'sent' (the SID proves Twilio took it).

-- ---------------------------------------------------------------------------------------------
-- the pure time rules (mirrored in rowgate-core's yachtparty::sending)
-- ---------------------------------------------------------------------------------------------

-- Whether a local wall-clock time is inside the quiet window [p_start, p_end): a window whose
-- start is after its end wraps midnight (22:00-08:00). A window with start = end is refused, as
-- users_quiet_hours_not_empty refuses it.
create or replace function yachtparty.in_quiet_hours(p_local_time time, p_start time, p_end time)
returns boolean
language plpgsql
immutable
security invoker
set search_path = ''
as $$
begin
  if p_local_time is null or p_start is null or p_end is null then
    return null;
  end if;
  if p_start = p_end then
    raise exception 'a quiet-hours window cannot start and end at %', p_start
      using errcode = '22023';
  end if;
  if p_start < p_end then
    return p_local_time >= p_start and p_local_time < p_end;
  end if;
  return p_local_time >= p_start or p_local_time < p_end;
end;
$$;

-- The first instant at or after p_now outside the quiet window of zone p_zone: p_now itself when
-- it is not in quiet hours, else the window's end in the user's local time (the same day's, or
-- the next day's when the window wraps midnight and p_now is before it), converted back to an
-- instant in that zone (so on a DST day the window still ends at its local wall-clock time).
create or replace function yachtparty.quiet_hours_end_at(p_now timestamptz, p_zone text, p_start time, p_end time)
returns timestamptz
language plpgsql
stable
security invoker
set search_path = ''
as $$
declare
  v_local timestamp := p_now at time zone p_zone;
begin
  if not yachtparty.in_quiet_hours(v_local::time, p_start, p_end) then
    return p_now;
  end if;
  return ((v_local::date + case when v_local::time >= p_end then 1 else 0 end) + p_end) at time zone p_zone;
end;
$$;

-- The next local midnight in zone p_zone after p_now: when a user's day (and day budget) begins.
create or replace function yachtparty.next_local_midnight(p_now timestamptz, p_zone text)
returns timestamptz
language sql
stable
security invoker
set search_path = ''
return (((p_now at time zone p_zone)::date + 1)::timestamp) at time zone p_zone;

-- A user's zone and quiet window, with the fallbacks: America/New_York and 22:00-08:00 [dec].
create or replace function yachtparty.user_send_window(
  p_user_id uuid,
  out zone text,
  out quiet_start time,
  out quiet_end time
)
language sql
stable
security invoker
set search_path = ''
begin atomic
  select coalesce(u.timezone::text, 'America/New_York'),
         coalesce(u.quiet_hours_start, time '22:00'),
         coalesce(u.quiet_hours_end, time '08:00')
    from yachtparty.users u
   where u.id = p_user_id;
end;

-- Whether the user texted in during the 10 minutes up to p_now.
create or replace function yachtparty.user_is_active(p_user_id uuid, p_now timestamptz)
returns boolean
language sql
stable
security invoker
set search_path = ''
return exists (
  select 1 from yachtparty.messages m
   where m.user_id = p_user_id
     and m.direction = 'inbound'
     and m.created_at > p_now - interval '10 minutes'
     and m.created_at <= p_now
);

-- The order of Twilio's message statuses: a status callback (or the sender's report) moves a
-- message forward only (§4.2): accepted/scheduled/queued < sending < sent < the final ones.
-- receiving/received are inbound statuses, ranked for completeness.
create or replace function yachtparty.sms_status_rank(p_status text)
returns integer
language sql
immutable
security invoker
set search_path = ''
return case
  when p_status is null then 0
  when p_status in ('accepted', 'scheduled', 'queued', 'receiving') then 1
  when p_status = 'sending' then 2
  when p_status = 'sent' then 3
  when p_status in ('delivered', 'undelivered', 'failed', 'read', 'canceled', 'partially_delivered', 'received') then 4
end;

-- ---------------------------------------------------------------------------------------------
-- enqueue_message
-- ---------------------------------------------------------------------------------------------

-- One message, or a sequence (p_sequence: a JSON array of N >= 1 items, each the final_message
-- text of its position or an object {"final_message": text, "message_data": object}; an item's
-- message_data defaults to p_message_data, its final_message to null, to be rendered). A
-- sequence is N rows sharing a new sequence_id, positions 1..N, total N. With p_supersede, the
-- still-queued rows of the same (user, agent) outside the new rows are superseded by the new
-- (first) row. Returns {"id", "ids", "sequence_id", "scheduled_for", "superseded_ids"}.
create or replace function yachtparty.enqueue_message(
  p_user_id uuid,
  p_agent_id text,
  p_message_data jsonb,
  p_final_message text default null,
  p_priority text default 'medium',
  p_scheduled_for timestamptz default now(),
  p_requires_fresh_context boolean default false,
  p_conversation_context_id uuid default null,
  p_supersede boolean default false,
  p_superseded_reason text default null,
  p_sequence jsonb default null
)
returns jsonb
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_scheduled_for timestamptz := coalesce(p_scheduled_for, pg_catalog.now());
  v_window record;
  v_quiet_enabled boolean;
  v_sequence_id uuid;
  v_ids uuid[];
  v_superseded uuid[];
begin
  if p_sequence is not null then
    if pg_catalog.jsonb_typeof(p_sequence) <> 'array' or pg_catalog.jsonb_array_length(p_sequence) = 0 then
      raise exception 'p_sequence must be a non-empty JSON array' using errcode = '22023';
    end if;
    if p_final_message is not null then
      raise exception 'give the texts of a sequence in p_sequence, not p_final_message' using errcode = '22023';
    end if;
    if exists (select 1 from pg_catalog.jsonb_array_elements(p_sequence) e(item)
                where pg_catalog.jsonb_typeof(e.item) not in ('string', 'object')
                   or (pg_catalog.jsonb_typeof(e.item) = 'object'
                       and pg_catalog.jsonb_typeof(e.item -> 'final_message') not in ('string', 'null'))) then
      raise exception 'each item of p_sequence must be a text or an object with a text final_message'
        using errcode = '22023';
    end if;
  end if;

  select w.zone, w.quiet_start, w.quiet_end into v_window from yachtparty.user_send_window(p_user_id) w;
  if v_window.zone is null then
    raise exception 'insert or update on table "message_queue" violates foreign key constraint "message_queue_user_id_fkey"'
      using errcode = '23503', constraint = 'message_queue_user_id_fkey', table = 'message_queue',
            schema = 'yachtparty', detail = format('Key (user_id)=(%s) is not present in table "users".', p_user_id);
  end if;
  -- The conversation of a reply must be the user's own (the plain foreign key cannot say so).
  if p_conversation_context_id is not null
     and not exists (select 1 from yachtparty.conversations c
                      where c.id = p_conversation_context_id and c.user_id = p_user_id) then
    raise exception 'insert or update on table "message_queue" violates foreign key constraint "message_queue_conversation_context_id_fkey"'
      using errcode = '23503', constraint = 'message_queue_conversation_context_id_fkey', table = 'message_queue',
            schema = 'yachtparty',
            detail = format('Key (conversation_context_id)=(%s) is not a conversation of user %s.', p_conversation_context_id, p_user_id);
  end if;

  if p_conversation_context_id is null then
    select b.quiet_hours_enabled into v_quiet_enabled
      from yachtparty.user_message_budget b
     where b.user_id = p_user_id and b.date <= (v_scheduled_for at time zone v_window.zone)::date
     order by b.date desc
     limit 1;
    if coalesce(v_quiet_enabled, true) then
      v_scheduled_for := yachtparty.quiet_hours_end_at(v_scheduled_for, v_window.zone, v_window.quiet_start, v_window.quiet_end);
    end if;
  end if;

  if p_sequence is null then
    insert into yachtparty.message_queue (user_id, agent_id, message_data, final_message, scheduled_for, priority,
      conversation_context_id, requires_fresh_context)
    values (p_user_id, p_agent_id, p_message_data, p_final_message, v_scheduled_for, p_priority,
      p_conversation_context_id, p_requires_fresh_context)
    returning array[id] into v_ids;
  else
    v_sequence_id := pg_catalog.gen_random_uuid();
    with inserted as (
      insert into yachtparty.message_queue (user_id, agent_id, message_data, final_message, scheduled_for, priority,
        conversation_context_id, requires_fresh_context, sequence_id, sequence_position, sequence_total)
      select p_user_id, p_agent_id,
             case when pg_catalog.jsonb_typeof(e.item) = 'object' and e.item ? 'message_data'
                  then e.item -> 'message_data' else p_message_data end,
             case pg_catalog.jsonb_typeof(e.item) when 'string' then e.item #>> '{}' else e.item ->> 'final_message' end,
             v_scheduled_for, p_priority, p_conversation_context_id, p_requires_fresh_context,
             v_sequence_id, e.position::integer, pg_catalog.jsonb_array_length(p_sequence)
        from pg_catalog.jsonb_array_elements(p_sequence) with ordinality as e(item, position)
      returning id, sequence_position
    )
    select pg_catalog.array_agg(i.id order by i.sequence_position) into v_ids from inserted i;
  end if;

  if coalesce(p_supersede, false) then
    -- A row a claimer holds is waited for, then skipped if the claim took it.
    with superseded as (
      update yachtparty.message_queue q
         set status = 'superseded',
             superseded_by_message_id = v_ids[1],
             superseded_reason = coalesce(p_superseded_reason, 'newer_message')
       where q.user_id = p_user_id
         and q.agent_id = p_agent_id
         and q.status = 'queued'
         and q.id <> all (v_ids)
      returning q.id
    )
    select coalesce(pg_catalog.array_agg(s.id order by s.id), '{}') into v_superseded from superseded s;
  end if;

  return pg_catalog.jsonb_build_object(
    'id', v_ids[1],
    'ids', pg_catalog.to_jsonb(v_ids),
    'sequence_id', v_sequence_id,
    'scheduled_for', v_scheduled_for,
    'superseded_ids', pg_catalog.to_jsonb(coalesce(v_superseded, '{}')));
end;
$$;

-- ---------------------------------------------------------------------------------------------
-- claim_due_messages
-- ---------------------------------------------------------------------------------------------

-- Claims the due, sendable rows (status 'queued', scheduled_for <= now, final_message set) in
-- order of priority (high, medium, low: by CASE, not text order) and scheduled_for, unit by
-- unit (a single row, or a whole sequence in position order), applying per user: replies pass;
-- else quiet hours (when the day's budget row enables them and the user is not active) ->
-- rescheduled to the window's end; else the day's limit -> rescheduled to the next local
-- midnight; else the trailing hour's limit -> rescheduled to when the hour has room. A claimed
-- row becomes 'processing' with an outbound message (status 'queued') in its conversation
-- context or the user's active conversation (found or created), and is returned with the
-- user's phone number and that message's id (the status callback URL carries it, §4.2).
-- p_limit (at least 1, else 22023, as claim_events) bounds the rows returned.
create or replace function yachtparty.claim_due_messages(p_limit integer default 20, p_now timestamptz default null)
returns table (
  id uuid,
  user_id uuid,
  agent_id character varying,
  message_data jsonb,
  final_message text,
  scheduled_for timestamptz,
  priority text,
  status text,
  superseded_by_message_id uuid,
  superseded_reason character varying,
  conversation_context_id uuid,
  requires_fresh_context boolean,
  sequence_id uuid,
  sequence_position integer,
  sequence_total integer,
  sent_at timestamptz,
  delivered_message_id uuid,
  created_at timestamptz,
  phone_number text,
  message_id uuid
)
language plpgsql
security invoker
set search_path = ''
as $$
#variable_conflict use_column
declare
  v_now timestamptz := coalesce(p_now, pg_catalog.now());
  v_limit integer := p_limit;
  -- the advisory lock space of this function (the second key is the user's)
  v_lock_space integer := pg_catalog.hashtext('yachtparty.claim_due_messages');
  v_claimed integer := 0;
  v_skipped_users uuid[] := '{}';
  v_unit record;
  v_rows yachtparty.message_queue[];
  v_row yachtparty.message_queue;
  v_user yachtparty.users;
  v_window record;
  v_local timestamp;
  v_active boolean;
  v_reply boolean;
  v_budget yachtparty.user_message_budget;
  v_hour timestamptz[];
  v_units_in_hour integer;
  v_until timestamptz;
  v_active_conversation_id uuid;
  v_conversation_id uuid;
  v_message_id uuid;
begin
  if v_limit is null or v_limit < 1 then
    raise exception 'p_limit must be at least 1, not %', coalesce(v_limit::text, 'null') using errcode = '22023';
  end if;

  -- The candidates, read without locks: each is locked and checked again below.
  for v_unit in
    select coalesce(q.sequence_id, q.id) as unit_id,
           q.sequence_id is not null as is_sequence,
           q.user_id as unit_user_id,
           pg_catalog.count(*)::integer as size,
           min(case q.priority when 'high' then 1 when 'medium' then 2 else 3 end) as rank,
           min(q.scheduled_for) as due_at
      from yachtparty.message_queue q
     where q.status = 'queued'
       and q.scheduled_for <= v_now
       and q.final_message is not null
     group by 1, 2, 3
     order by rank, due_at, unit_id
  loop
    exit when v_claimed >= v_limit;
    continue when v_unit.unit_user_id = any (v_skipped_users);
    continue when v_claimed > 0 and v_claimed + v_unit.size > v_limit;

    -- Another claimer is handling this user: leave the user to it.
    if not pg_catalog.pg_try_advisory_xact_lock(v_lock_space, pg_catalog.hashtext(v_unit.unit_user_id::text)) then
      v_skipped_users := v_skipped_users || v_unit.unit_user_id;
      continue;
    end if;

    -- Lock the unit; a row another claimer holds makes it skip (a sequence goes whole or not).
    if v_unit.is_sequence then
      begin
        perform 1 from yachtparty.message_queue q
          where q.sequence_id = v_unit.unit_id and q.status = 'queued'
          for update nowait;
      exception when lock_not_available then
        continue;
      end;
      select pg_catalog.array_agg(q order by q.sequence_position) into v_rows
        from yachtparty.message_queue q
       where q.sequence_id = v_unit.unit_id and q.status = 'queued';
      continue when v_rows is null
        or exists (select 1 from pg_catalog.unnest(v_rows) r
                    where r.scheduled_for > v_now or r.final_message is null);
      continue when v_claimed > 0 and v_claimed + pg_catalog.cardinality(v_rows) > v_limit;
    else
      select q.* into v_row
        from yachtparty.message_queue q
       where q.id = v_unit.unit_id and q.status = 'queued' and q.scheduled_for <= v_now
         and q.final_message is not null
         for update skip locked;
      continue when not found;
      v_rows := array[v_row];
    end if;

    select u.* into v_user from yachtparty.users u where u.id = v_unit.unit_user_id;
    select w.zone, w.quiet_start, w.quiet_end into v_window from yachtparty.user_send_window(v_user.id) w;
    v_local := v_now at time zone v_window.zone;
    v_active := yachtparty.user_is_active(v_user.id, v_now);
    v_reply := v_active and not exists (select 1 from pg_catalog.unnest(v_rows) r where r.conversation_context_id is null);

    if not v_reply then
      -- Today's (local) budget row: a new day's copies the user's settings from their latest
      -- row (D11), else the defaults 5 / 2 / true.
      insert into yachtparty.user_message_budget (user_id, date, daily_limit, hourly_limit, quiet_hours_enabled)
      select v_user.id, v_local::date, coalesce(l.daily_limit, 5), coalesce(l.hourly_limit, 2),
             coalesce(l.quiet_hours_enabled, true)
        from (select 1) one
        left join lateral (
          select b.daily_limit, b.hourly_limit, b.quiet_hours_enabled
            from yachtparty.user_message_budget b
           where b.user_id = v_user.id and b.date < v_local::date
           order by b.date desc
           limit 1
        ) l on true
      on conflict (user_id, date) do nothing;
      select b.* into v_budget
        from yachtparty.user_message_budget b
       where b.user_id = v_user.id and b.date = v_local::date
         for update;

      v_until := null;
      if v_budget.quiet_hours_enabled and not v_active
         and yachtparty.in_quiet_hours(v_local::time, v_window.quiet_start, v_window.quiet_end) then
        v_until := yachtparty.quiet_hours_end_at(v_now, v_window.zone, v_window.quiet_start, v_window.quiet_end);
      elsif v_budget.messages_sent >= v_budget.daily_limit then
        v_until := yachtparty.next_local_midnight(v_now, v_window.zone);
      else
        -- The units claimed in the trailing hour (a sequence once, replies not), oldest first:
        -- the hour has room again an hour after the one that leaves hourly_limit - 1 in it.
        with counted as (
          select coalesce(q.sequence_id, q.id) as unit, min(coalesce(m.created_at, q.sent_at)) as claimed_at
            from yachtparty.message_queue q
            left join yachtparty.messages m on m.id = q.delivered_message_id
           where q.user_id = v_user.id
             and q.status in ('processing', 'sent')
             and coalesce(m.created_at, q.sent_at) > v_now - interval '1 hour'
             and coalesce(m.created_at, q.sent_at) <= v_now
             and not (q.conversation_context_id is not null
                      and yachtparty.user_is_active(q.user_id, coalesce(m.created_at, q.sent_at)))
           group by 1
        )
        select pg_catalog.array_agg(c.claimed_at order by c.claimed_at) into v_hour from counted c;
        v_units_in_hour := coalesce(pg_catalog.cardinality(v_hour), 0);
        if v_units_in_hour >= v_budget.hourly_limit then
          v_until := v_hour[v_units_in_hour - v_budget.hourly_limit + 1] + interval '1 hour';
        end if;
      end if;

      if v_until is not null then
        update yachtparty.message_queue q
           set scheduled_for = v_until
         where q.id in (select r.id from pg_catalog.unnest(v_rows) r);
        continue;
      end if;

      update yachtparty.user_message_budget b
         set messages_sent = b.messages_sent + 1,
             last_message_at = v_now
       where b.id = v_budget.id;
    end if;

    v_active_conversation_id := null;
    foreach v_row in array v_rows loop
      v_conversation_id := v_row.conversation_context_id;
      if v_conversation_id is null then
        if v_active_conversation_id is null then
          insert into yachtparty.conversations as c (user_id, phone_number, last_message_at)
          values (v_user.id, v_user.phone_number, v_now)
          on conflict (user_id) where status = 'active'
            do update set last_message_at = greatest(c.last_message_at, excluded.last_message_at)
          returning c.id into v_active_conversation_id;
        end if;
        v_conversation_id := v_active_conversation_id;
      else
        update yachtparty.conversations c
           set last_message_at = greatest(c.last_message_at, v_now)
         where c.id = v_conversation_id
           and c.last_message_at is distinct from greatest(c.last_message_at, v_now);
      end if;

      insert into yachtparty.messages (conversation_id, user_id, role, content, direction, status, created_at)
      values (v_conversation_id, v_user.id, 'assistant', v_row.final_message, 'outbound', 'queued', v_now)
      returning id into v_message_id;

      return query
        update yachtparty.message_queue q
           set status = 'processing',
               delivered_message_id = v_message_id
         where q.id = v_row.id
        returning q.id, q.user_id, q.agent_id, q.message_data, q.final_message, q.scheduled_for, q.priority,
                  q.status, q.superseded_by_message_id, q.superseded_reason, q.conversation_context_id,
                  q.requires_fresh_context, q.sequence_id, q.sequence_position, q.sequence_total, q.sent_at,
                  q.delivered_message_id, q.created_at, v_user.phone_number::text, v_message_id;
      v_claimed := v_claimed + 1;
    end loop;
  end loop;
end;
$$;

-- ---------------------------------------------------------------------------------------------
-- the sender's reports
-- ---------------------------------------------------------------------------------------------

-- Twilio took the message (a SID came back): the queue row -> 'sent' with sent_at; its outbound
-- message gets the SID, Twilio's status (never moving it back: a status callback may have come
-- first) and sent_at. Repeating it changes nothing and says {"duplicate": true}. Returns
-- {"queue_id", "message_id", "twilio_message_sid", "status" (the message's), "duplicate"}.
create or replace function yachtparty.record_message_sent(
  p_queue_id uuid,
  p_message_id uuid,
  p_twilio_sid text,
  p_status text,
  p_now timestamptz default null
)
returns jsonb
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_now timestamptz := coalesce(p_now, pg_catalog.now());
  v_queue yachtparty.message_queue;
  v_message yachtparty.messages;
begin
  if p_twilio_sid is null then
    raise exception 'p_twilio_sid is required' using errcode = '22004';
  end if;
  if p_status is not null and yachtparty.sms_status_rank(p_status) is null then
    raise exception 'unknown message status %', p_status using errcode = '22023';
  end if;

  select q.* into v_queue from yachtparty.message_queue q where q.id = p_queue_id for update;
  if not found then
    raise exception 'no queued message %', p_queue_id using errcode = 'P0002';
  end if;
  if v_queue.delivered_message_id is distinct from p_message_id and v_queue.delivered_message_id is not null then
    raise exception 'queued message % was claimed as message %, not %', p_queue_id, v_queue.delivered_message_id, p_message_id
      using errcode = '22023';
  end if;
  select m.* into v_message from yachtparty.messages m where m.id = p_message_id for update;
  if not found or v_message.user_id <> v_queue.user_id or v_message.direction <> 'outbound' then
    raise exception 'message % is not an outbound message to the user of queued message %', p_message_id, p_queue_id
      using errcode = '22023';
  end if;
  if v_message.twilio_message_sid is not null and v_message.twilio_message_sid <> p_twilio_sid then
    raise exception 'message % was sent as %, not %', p_message_id, v_message.twilio_message_sid, p_twilio_sid
      using errcode = '22023';
  end if;

  if v_queue.status = 'sent' and v_message.twilio_message_sid is not null then
    return pg_catalog.jsonb_build_object('queue_id', v_queue.id, 'message_id', v_message.id,
      'twilio_message_sid', v_message.twilio_message_sid, 'status', v_message.status, 'duplicate', true);
  end if;
  if v_queue.status not in ('processing', 'failed', 'sent') then
    raise exception 'queued message % was never claimed (status %)', p_queue_id, v_queue.status
      using errcode = '55000';
  end if;

  update yachtparty.message_queue q
     set status = 'sent',
         sent_at = coalesce(q.sent_at, v_now),
         delivered_message_id = p_message_id
   where q.id = p_queue_id;
  update yachtparty.messages m
     set twilio_message_sid = p_twilio_sid,
         status = case when yachtparty.sms_status_rank(p_status) > yachtparty.sms_status_rank(m.status)
                       then p_status else m.status end,
         sent_at = coalesce(m.sent_at, v_now)
   where m.id = p_message_id
  returning m.* into v_message;

  return pg_catalog.jsonb_build_object('queue_id', p_queue_id, 'message_id', v_message.id,
    'twilio_message_sid', v_message.twilio_message_sid, 'status', v_message.status, 'duplicate', false);
end;
$$;

-- The send failed (Twilio refused it, or gave no SID): the queue row -> 'failed', its outbound
-- message -> 'failed' (unless a status callback already moved it further), and an event
-- `message.send_failed` with the error (the queue has no error column). Only a claimed row can
-- fail; failing it again changes nothing and says {"duplicate": true}. Returns {"queue_id",
-- "message_id", "event_id", "duplicate"}.
create or replace function yachtparty.record_message_failed(p_queue_id uuid, p_error text)
returns jsonb
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_queue yachtparty.message_queue;
  v_event_id uuid;
begin
  select q.* into v_queue from yachtparty.message_queue q where q.id = p_queue_id for update;
  if not found then
    raise exception 'no queued message %', p_queue_id using errcode = 'P0002';
  end if;
  if v_queue.status = 'failed' then
    return pg_catalog.jsonb_build_object('queue_id', v_queue.id, 'message_id', v_queue.delivered_message_id,
      'event_id', null, 'duplicate', true);
  end if;
  if v_queue.status <> 'processing' then
    raise exception 'queued message % is not being sent (status %)', p_queue_id, v_queue.status
      using errcode = '55000';
  end if;

  update yachtparty.message_queue q set status = 'failed' where q.id = p_queue_id;
  update yachtparty.messages m
     set status = 'failed'
   where m.id = v_queue.delivered_message_id
     and yachtparty.sms_status_rank(m.status) < yachtparty.sms_status_rank('failed');
  insert into yachtparty.events (event_type, aggregate_id, aggregate_type, payload, created_by)
  values ('message.send_failed', v_queue.id, 'message_queue',
    pg_catalog.jsonb_build_object('queue_id', v_queue.id, 'message_id', v_queue.delivered_message_id,
      'user_id', v_queue.user_id, 'agent_id', v_queue.agent_id, 'error', p_error),
    'record_message_failed')
  returning id into v_event_id;

  return pg_catalog.jsonb_build_object('queue_id', v_queue.id, 'message_id', v_queue.delivered_message_id,
    'event_id', v_event_id, 'duplicate', false);
end;
$$;

-- The lease: rows 'processing' for longer than p_lease since their claim have an unknown outcome
-- (the Worker died between Twilio and its report). They are never sent again (at most once):
-- one whose message already has a Twilio SID (a status callback came) -> 'sent'; any other ->
-- 'failed' with a `message.send_failed` event. Rows a reporter holds are skipped. Returns how
-- many rows left 'processing'. Cron (yachtparty-fail-stuck-messages).
create or replace function yachtparty.fail_stuck_messages(
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
  v_row record;
  v_count integer := 0;
begin
  if v_lease < interval '0' then
    raise exception 'the lease cannot be negative: %', p_lease using errcode = '22023';
  end if;
  for v_row in
    select q.id, q.user_id, q.agent_id, q.delivered_message_id, m.twilio_message_sid,
           coalesce(m.sent_at, m.created_at) as sent_at
      from yachtparty.message_queue q
      left join yachtparty.messages m on m.id = q.delivered_message_id
     where q.status = 'processing'
       and coalesce(m.created_at, q.created_at) < v_now - v_lease
     order by q.id
       for update of q skip locked
  loop
    if v_row.twilio_message_sid is not null then
      update yachtparty.message_queue q set status = 'sent', sent_at = v_row.sent_at where q.id = v_row.id;
    else
      update yachtparty.message_queue q set status = 'failed' where q.id = v_row.id;
      insert into yachtparty.events (event_type, aggregate_id, aggregate_type, payload, created_by)
      values ('message.send_failed', v_row.id, 'message_queue',
        pg_catalog.jsonb_build_object('queue_id', v_row.id, 'message_id', v_row.delivered_message_id,
          'user_id', v_row.user_id, 'agent_id', v_row.agent_id,
          'error', format('no report within the lease (%s): the send''s outcome is unknown', v_lease)),
        'fail_stuck_messages');
    end if;
    v_count := v_count + 1;
  end loop;
  return v_count;
end;
$$;

-- ---------------------------------------------------------------------------------------------
-- grants: the backend (service role) only
-- ---------------------------------------------------------------------------------------------

revoke all on function yachtparty.in_quiet_hours(time, time, time) from public, anon, authenticated;
revoke all on function yachtparty.quiet_hours_end_at(timestamptz, text, time, time) from public, anon, authenticated;
revoke all on function yachtparty.next_local_midnight(timestamptz, text) from public, anon, authenticated;
revoke all on function yachtparty.user_send_window(uuid) from public, anon, authenticated;
revoke all on function yachtparty.user_is_active(uuid, timestamptz) from public, anon, authenticated;
revoke all on function yachtparty.sms_status_rank(text) from public, anon, authenticated;
revoke all on function yachtparty.enqueue_message(uuid, text, jsonb, text, text, timestamptz, boolean, uuid, boolean, text, jsonb)
  from public, anon, authenticated;
revoke all on function yachtparty.claim_due_messages(integer, timestamptz) from public, anon, authenticated;
revoke all on function yachtparty.record_message_sent(uuid, uuid, text, text, timestamptz) from public, anon, authenticated;
revoke all on function yachtparty.record_message_failed(uuid, text) from public, anon, authenticated;
revoke all on function yachtparty.fail_stuck_messages(interval, timestamptz) from public, anon, authenticated;

grant execute on function yachtparty.in_quiet_hours(time, time, time) to service_role;
grant execute on function yachtparty.quiet_hours_end_at(timestamptz, text, time, time) to service_role;
grant execute on function yachtparty.next_local_midnight(timestamptz, text) to service_role;
grant execute on function yachtparty.user_send_window(uuid) to service_role;
grant execute on function yachtparty.user_is_active(uuid, timestamptz) to service_role;
grant execute on function yachtparty.sms_status_rank(text) to service_role;
grant execute on function yachtparty.enqueue_message(uuid, text, jsonb, text, text, timestamptz, boolean, uuid, boolean, text, jsonb)
  to service_role;
grant execute on function yachtparty.claim_due_messages(integer, timestamptz) to service_role;
grant execute on function yachtparty.record_message_sent(uuid, uuid, text, text, timestamptz) to service_role;
grant execute on function yachtparty.record_message_failed(uuid, text) to service_role;
grant execute on function yachtparty.fail_stuck_messages(interval, timestamptz) to service_role;
