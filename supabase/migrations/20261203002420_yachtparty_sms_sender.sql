-- Yachtparty's SMS sender, its temporary failures: Twilio refused a message for now (429 Too
-- Many Requests, a 5xx) and gave no SID, so it certainly did not take it. defer_message puts
-- such a row back in the queue with backoff, at most MAX times, nothing lost and nothing sent
-- twice; it completes the sender's reports of 20261203002400 (record_message_sent,
-- record_message_failed, fail_stuck_messages), which this migration leaves as they are. The
-- Worker's scheduled handler (functions/src/scheduled/yachtparty_sms.rs) calls it.
--
-- Time: every function that reads the clock takes `p_now timestamptz default null` (null: now()),
-- so tests fix it. rowgate-core mirrors the delay rule (core/src/yachtparty/sending.rs:
-- send_retry_delay, MAX_SEND_ATTEMPTS); core/tests/integration/yachtparty_messages.rs compares
-- the two on the same cases.
--
-- Decisions [dec]:
-- - The delay before the next try after the n-th temporary failure is 30 s x 2^(n-1) (30 s,
--   1 min, 2 min, 4 min, 8 min, ...), at most 1 hour. Twilio's Retry-After, when given, is a
--   floor: the delay is never shorter than it, but it is also capped at 1 hour (a larger one is
--   taken as 1 hour: the claim re-checks everything when the row is due again anyway). With no
--   failure yet (n = 0) there is no backoff, only Retry-After. A negative count or Retry-After
--   is refused (22023).
-- - A row fails at its 6th temporary failure (yachtparty.max_send_attempts()): 5 deferrals
--   wait 30 s + 1 + 2 + 4 + 8 min, about 15 minutes in all, before it gives up. It fails as
--   record_message_failed fails a row (status 'failed', its outbound message 'failed', a
--   `message.send_failed` event, here with the attempts), and like it gives no budget back.
-- - Every deferral counts as an attempt, whether the sender tried Twilio or held the row back
--   (after a 429 it defers the rest of its run; after a deferred position of a sequence, the
--   later positions; a row whose lease is running out): so no row waits forever.
-- - The message is not requeued when Twilio had it after all: its outbound message has a SID,
--   or a status past 'queued' (only a status callback moves it). Then the row becomes 'sent'
--   as record_message_sent would make it (sent_at the message's, else p_now), with no attempt
--   counted, no budget given back, and the result says "sent": true. At most once.
-- - Otherwise the row goes back to 'queued', due at p_now + send_retry_delay, and the outbound
--   message the claim created for it is deleted: it was never sent (no SID, status 'queued'),
--   and the next claim creates a new one. Only message_queue.delivered_message_id (cleared
--   first) and conversations.last_summary_message_id (on delete set null) refer to messages.
--   The conversation the claim found or created stays, with its last_message_at.
-- - The budget unit the claim counted is given back (the day's user_message_budget
--   .messages_sent - 1, on the row of the user's local date at the claim) only when the whole
--   unit goes back: a single row always; a row of a sequence when no row of that sequence
--   claimed at the same instant (its message's created_at, the claim time) is left 'processing'
--   or 'sent'. So a sequence whose first position went out and whose rest was deferred keeps
--   its unit, and the rest counts as a new unit when it is claimed again. A reply (a row with a
--   conversation context, claimed while the user was active: the test the trailing-hour count
--   uses) counted nothing and gives nothing back. The trailing hour needs no refund: it counts
--   rows 'processing' or 'sent', which a deferred row no longer is.
-- - Deferrals of one sequence take turns (its rows are locked in position order first), so two
--   cannot both see the other still 'processing' and both keep the unit. Claims never wait for
--   a deferral (they skip locked rows).
-- - Only a claimed row ('processing') can be deferred: a row already 'failed' answers
--   {"duplicate": true} as record_message_failed does; any other status is refused (55000).
-- - send_attempts is written by these functions; the service role may insert and update it as
--   every other column (20261203002020's rule), so the generator shows it as a defaulted column.

-- ---------------------------------------------------------------------------------------------
-- message_queue.send_attempts
-- ---------------------------------------------------------------------------------------------

alter table yachtparty.message_queue
  add column send_attempts integer not null default 0,
  add constraint message_queue_send_attempts_range check (send_attempts >= 0);
comment on column yachtparty.message_queue.send_attempts is
  'Temporary send failures so far; the sender''s backoff grows with it.';
-- As 20261203002020 grants every column of a yachtparty table to the service role.
grant insert (send_attempts), update (send_attempts) on yachtparty.message_queue to service_role;

-- ---------------------------------------------------------------------------------------------
-- the delay rule (mirrored in rowgate-core's yachtparty::sending)
-- ---------------------------------------------------------------------------------------------

-- How many temporary failures a row may have: the one that reaches it fails the row.
create or replace function yachtparty.max_send_attempts()
returns integer
language sql
immutable
security invoker
set search_path = ''
return 6;

-- The wait before the next try of a row with p_attempts temporary failures: 30 s x 2^(n-1) for
-- n >= 1 (none for n = 0), at most 1 hour, and never less than Twilio's Retry-After (seconds),
-- itself taken as at most 1 hour. Null attempts give null.
create or replace function yachtparty.send_retry_delay(p_attempts integer, p_retry_after_seconds integer default null)
returns interval
language plpgsql
immutable
security invoker
set search_path = ''
as $$
declare
  v_cap integer := 3600;
  v_backoff integer;
begin
  if p_attempts is null then
    return null;
  end if;
  if p_attempts < 0 then
    raise exception 'p_attempts cannot be negative: %', p_attempts using errcode = '22023';
  end if;
  if p_retry_after_seconds < 0 then
    raise exception 'p_retry_after_seconds cannot be negative: %', p_retry_after_seconds using errcode = '22023';
  end if;
  -- 30 s x 2^7 is past the cap already: the exponent stops there, so nothing overflows.
  v_backoff := case when p_attempts = 0 then 0
                    else least(v_cap, 30 * (1 << least(p_attempts - 1, 7))) end;
  return pg_catalog.make_interval(
    secs => greatest(v_backoff, least(coalesce(p_retry_after_seconds, 0), v_cap)));
end;
$$;

-- ---------------------------------------------------------------------------------------------
-- defer_message
-- ---------------------------------------------------------------------------------------------

-- The send failed for now (Twilio gave no SID): the claimed row goes back to the queue with
-- backoff, its outbound message is deleted and its budget unit given back (see [dec]); at the
-- max_send_attempts()-th failure it fails instead; if a status callback shows Twilio had the
-- message, it is sent. Returns {"queue_id", "deferred", "failed", "sent", "duplicate",
-- "attempts", "scheduled_for" (when deferred), "refunded", "event_id" (when failed)}.
create or replace function yachtparty.defer_message(
  p_queue_id uuid,
  p_error text,
  p_retry_after_seconds integer default null,
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
  v_attempts integer;
  v_scheduled_for timestamptz;
  v_claimed_at timestamptz;
  v_event_id uuid;
  v_refunded boolean := false;
  v_zone text;
  v_sequence_id uuid;
begin
  if p_retry_after_seconds < 0 then
    raise exception 'p_retry_after_seconds cannot be negative: %', p_retry_after_seconds using errcode = '22023';
  end if;

  -- Lock the row; a row of a sequence with all of its sequence, in position order, so that
  -- deferrals of one sequence take turns.
  select q.sequence_id into v_sequence_id from yachtparty.message_queue q where q.id = p_queue_id;
  if v_sequence_id is not null then
    perform 1 from yachtparty.message_queue q
      where q.sequence_id = v_sequence_id
      order by q.sequence_position
        for update;
  end if;
  select q.* into v_queue from yachtparty.message_queue q where q.id = p_queue_id for update;
  if not found then
    raise exception 'no queued message %', p_queue_id using errcode = 'P0002';
  end if;
  if v_queue.status = 'failed' then
    return pg_catalog.jsonb_build_object('queue_id', v_queue.id, 'deferred', false, 'failed', true, 'sent', false,
      'duplicate', true, 'attempts', v_queue.send_attempts, 'scheduled_for', null, 'refunded', false,
      'event_id', null);
  end if;
  if v_queue.status <> 'processing' then
    raise exception 'queued message % is not being sent (status %)', p_queue_id, v_queue.status
      using errcode = '55000';
  end if;

  if v_queue.delivered_message_id is not null then
    select m.* into v_message from yachtparty.messages m where m.id = v_queue.delivered_message_id for update;
  end if;

  -- Twilio had it after all (a status callback came): sent, never requeued.
  if v_message.twilio_message_sid is not null
     or yachtparty.sms_status_rank(v_message.status) > yachtparty.sms_status_rank('queued') then
    update yachtparty.message_queue q
       set status = 'sent',
           sent_at = coalesce(q.sent_at, v_message.sent_at, v_now)
     where q.id = v_queue.id;
    update yachtparty.messages m set sent_at = v_now where m.id = v_message.id and m.sent_at is null;
    return pg_catalog.jsonb_build_object('queue_id', v_queue.id, 'deferred', false, 'failed', false, 'sent', true,
      'duplicate', false, 'attempts', v_queue.send_attempts, 'scheduled_for', null, 'refunded', false,
      'event_id', null);
  end if;

  v_attempts := v_queue.send_attempts + 1;

  -- The last attempt: failed, as record_message_failed fails a row.
  if v_attempts >= yachtparty.max_send_attempts() then
    update yachtparty.message_queue q set status = 'failed', send_attempts = v_attempts where q.id = v_queue.id;
    update yachtparty.messages m
       set status = 'failed'
     where m.id = v_queue.delivered_message_id
       and yachtparty.sms_status_rank(m.status) < yachtparty.sms_status_rank('failed');
    insert into yachtparty.events (event_type, aggregate_id, aggregate_type, payload, created_by)
    values ('message.send_failed', v_queue.id, 'message_queue',
      pg_catalog.jsonb_build_object('queue_id', v_queue.id, 'message_id', v_queue.delivered_message_id,
        'user_id', v_queue.user_id, 'agent_id', v_queue.agent_id, 'error', p_error, 'attempts', v_attempts),
      'defer_message')
    returning id into v_event_id;
    return pg_catalog.jsonb_build_object('queue_id', v_queue.id, 'deferred', false, 'failed', true, 'sent', false,
      'duplicate', false, 'attempts', v_attempts, 'scheduled_for', null, 'refunded', false,
      'event_id', v_event_id);
  end if;

  -- Back to the queue; the claim's message, never sent, goes.
  v_scheduled_for := v_now + yachtparty.send_retry_delay(v_attempts, p_retry_after_seconds);
  v_claimed_at := v_message.created_at;
  update yachtparty.message_queue q
     set status = 'queued',
         scheduled_for = v_scheduled_for,
         delivered_message_id = null,
         send_attempts = v_attempts
   where q.id = v_queue.id;
  if v_message.id is not null then
    delete from yachtparty.messages m where m.id = v_message.id;
  end if;

  -- The claim's budget unit, when the whole unit is back and it counted one (not a reply).
  if v_claimed_at is not null
     and not (v_queue.conversation_context_id is not null
              and yachtparty.user_is_active(v_queue.user_id, v_claimed_at))
     and not exists (
       select 1
         from yachtparty.message_queue q
         join yachtparty.messages m on m.id = q.delivered_message_id
        where v_queue.sequence_id is not null
          and q.sequence_id = v_queue.sequence_id
          and q.status in ('processing', 'sent')
          and m.created_at = v_claimed_at) then
    select w.zone into v_zone from yachtparty.user_send_window(v_queue.user_id) w;
    update yachtparty.user_message_budget b
       set messages_sent = b.messages_sent - 1
     where b.user_id = v_queue.user_id
       and b.date = (v_claimed_at at time zone v_zone)::date
       and b.messages_sent > 0;
    v_refunded := found;
  end if;

  return pg_catalog.jsonb_build_object('queue_id', v_queue.id, 'deferred', true, 'failed', false, 'sent', false,
    'duplicate', false, 'attempts', v_attempts, 'scheduled_for', v_scheduled_for, 'refunded', v_refunded,
    'event_id', null);
end;
$$;

-- ---------------------------------------------------------------------------------------------
-- grants: the backend (service role) only
-- ---------------------------------------------------------------------------------------------

revoke all on function yachtparty.max_send_attempts() from public, anon, authenticated;
revoke all on function yachtparty.send_retry_delay(integer, integer) from public, anon, authenticated;
revoke all on function yachtparty.defer_message(uuid, text, integer, timestamptz) from public, anon, authenticated;

grant execute on function yachtparty.max_send_attempts() to service_role;
grant execute on function yachtparty.send_retry_delay(integer, integer) to service_role;
grant execute on function yachtparty.defer_message(uuid, text, integer, timestamptz) to service_role;
