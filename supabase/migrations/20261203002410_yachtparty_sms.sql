-- Yachtparty's Twilio webhooks' writes (specification §4.1, §4.2), one function each, called by
-- the Worker after it has verified the signature: an inbound SMS (user, conversation, message
-- and event in one transaction, idempotent by MessageSid), and a status callback (the message
-- moves forward only).
--
-- Decisions [dec]:
-- - Deliveries of one MessageSid take turns (a transaction-level advisory lock on the SID), so
--   a repeated delivery, even one racing the first, finds the first's message and writes
--   nothing. The insert is still `on conflict (twilio_message_sid) do nothing`, returning the
--   winner's ids, for a row written some other way.
-- - p_received_at (null: now()) is when Twilio's request came: the message's created_at and the
--   user's last_active_at (which only moves forward, as deliveries may come out of order).
-- - p_media is the Worker's JSON array of the message's media ({"url", "content_type"} each, from
--   MediaUrl{N} and MediaContentType{N}), carried in the event's payload.
-- - A status callback finds its message by the id in the callback URL (the sender set it, so a
--   callback that beats record_message_sent still lands), or by the SID when no id is given.
--   Statuses are ranked (yachtparty.sms_status_rank): a status moves only forward; sent_at is
--   set by a `sent` callback and delivered_at by a `delivered` one even when they come late,
--   but never changed once set.

-- ---------------------------------------------------------------------------------------------
-- receive_sms
-- ---------------------------------------------------------------------------------------------

-- The five steps of §4.1. Returns {"duplicate", "user_id", "conversation_id", "message_id",
-- "event_id"} (event_id null on a duplicate).
create or replace function yachtparty.receive_sms(
  p_message_sid text,
  p_account_sid text,
  p_from text,
  p_to text,
  p_body text,
  p_num_media integer default 0,
  p_media jsonb default null,
  p_received_at timestamptz default null
)
returns jsonb
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_now timestamptz := coalesce(p_received_at, pg_catalog.now());
  v_existing record;
  v_user_id uuid;
  v_conversation_id uuid;
  v_message_id uuid;
  v_event_id uuid;
begin
  if p_message_sid is null then
    raise exception 'p_message_sid is required' using errcode = '22004';
  end if;
  if p_media is not null and pg_catalog.jsonb_typeof(p_media) <> 'array' then
    raise exception 'p_media must be a JSON array' using errcode = '22023';
  end if;
  if p_num_media < 0 then
    raise exception 'p_num_media cannot be negative: %', p_num_media using errcode = '22023';
  end if;

  -- 1. A SID already stored: a repeated delivery. Deliveries of one SID take turns here, so the
  -- later one sees the earlier one's message once that has committed.
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('yachtparty.receive_sms'),
                                           pg_catalog.hashtext(p_message_sid));
  select m.id, m.conversation_id, m.user_id into v_existing
    from yachtparty.messages m where m.twilio_message_sid = p_message_sid;
  if found then
    return pg_catalog.jsonb_build_object('duplicate', true, 'user_id', v_existing.user_id,
      'conversation_id', v_existing.conversation_id, 'message_id', v_existing.id, 'event_id', null);
  end if;

  -- 2. The sender: a new number is a new user, who starts with the Bouncer (unverified).
  insert into yachtparty.users as u (phone_number, poc_agent_type, last_active_at)
  values (p_from, 'bouncer', v_now)
  on conflict (phone_number)
    do update set last_active_at = greatest(u.last_active_at, excluded.last_active_at)
  returning u.id into v_user_id;

  -- 3. Their active conversation, found or created (one per user: the partial unique index).
  insert into yachtparty.conversations as c (user_id, phone_number, last_message_at)
  values (v_user_id, p_from, v_now)
  on conflict (user_id) where status = 'active'
    do update set last_message_at = greatest(c.last_message_at, excluded.last_message_at)
  returning c.id into v_conversation_id;

  -- 4. The message, its body exactly as sent ('' for an MMS without text).
  insert into yachtparty.messages (conversation_id, user_id, role, content, direction, twilio_message_sid,
    status, created_at)
  values (v_conversation_id, v_user_id, 'user', coalesce(p_body, ''), 'inbound', p_message_sid, 'received', v_now)
  on conflict (twilio_message_sid) do nothing
  returning id into v_message_id;
  if v_message_id is null then
    select m.id, m.conversation_id, m.user_id into v_existing
      from yachtparty.messages m where m.twilio_message_sid = p_message_sid;
    return pg_catalog.jsonb_build_object('duplicate', true, 'user_id', v_existing.user_id,
      'conversation_id', v_existing.conversation_id, 'message_id', v_existing.id, 'event_id', null);
  end if;

  -- 5. The event the agents act on (its NOTIFY carries ids only).
  insert into yachtparty.events (event_type, aggregate_id, aggregate_type, payload, metadata, created_by)
  values ('user.message.received', v_user_id, 'user',
    pg_catalog.jsonb_build_object('message_id', v_message_id, 'conversation_id', v_conversation_id,
      'from', p_from, 'to', p_to, 'body', coalesce(p_body, ''), 'num_media', coalesce(p_num_media, 0),
      'media', coalesce(p_media, '[]'::jsonb)),
    pg_catalog.jsonb_build_object('twilio_message_sid', p_message_sid, 'twilio_account_sid', p_account_sid),
    'receive_sms')
  returning id into v_event_id;

  return pg_catalog.jsonb_build_object('duplicate', false, 'user_id', v_user_id,
    'conversation_id', v_conversation_id, 'message_id', v_message_id, 'event_id', v_event_id);
end;
$$;

-- ---------------------------------------------------------------------------------------------
-- record_sms_status
-- ---------------------------------------------------------------------------------------------

-- A Twilio status callback for an outbound message: sets the SID if the message has none, the
-- status if it ranks higher than the stored one, sent_at on `sent`, delivered_at on `delivered`;
-- a move to failed/undelivered adds a `message.delivery_failed` event with Twilio's ErrorCode.
-- The same callback again changes nothing. Returns {"message_id", "status", "changed"}.
create or replace function yachtparty.record_sms_status(
  p_message_id uuid,
  p_message_sid text,
  p_status text,
  p_error_code text default null,
  p_now timestamptz default null
)
returns jsonb
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_now timestamptz := coalesce(p_now, pg_catalog.now());
  v_message yachtparty.messages;
  v_status text;
  v_sent_at timestamptz;
  v_delivered_at timestamptz;
  v_sid text;
  v_changed boolean;
begin
  if p_status is null or yachtparty.sms_status_rank(p_status) is null then
    raise exception 'unknown message status %', coalesce(p_status, 'null') using errcode = '22023';
  end if;
  if p_message_id is not null then
    select m.* into v_message from yachtparty.messages m where m.id = p_message_id for update;
  elsif p_message_sid is not null then
    select m.* into v_message from yachtparty.messages m where m.twilio_message_sid = p_message_sid for update;
  end if;
  if v_message.id is null then
    raise exception 'no message % (%)', p_message_id, p_message_sid using errcode = 'P0002';
  end if;
  if v_message.direction <> 'outbound' then
    raise exception 'message % is not outbound', v_message.id using errcode = '22023';
  end if;
  if p_message_sid is not null and v_message.twilio_message_sid is not null
     and v_message.twilio_message_sid <> p_message_sid then
    raise exception 'message % was sent as %, not %', v_message.id, v_message.twilio_message_sid, p_message_sid
      using errcode = '22023';
  end if;

  v_sid := coalesce(v_message.twilio_message_sid, p_message_sid);
  v_status := case when yachtparty.sms_status_rank(p_status) > yachtparty.sms_status_rank(v_message.status)
                   then p_status else v_message.status end;
  v_sent_at := case when p_status = 'sent' then coalesce(v_message.sent_at, v_now) else v_message.sent_at end;
  v_delivered_at := case when p_status = 'delivered' then coalesce(v_message.delivered_at, v_now)
                         else v_message.delivered_at end;
  v_changed := v_sid is distinct from v_message.twilio_message_sid
            or v_status is distinct from v_message.status
            or v_sent_at is distinct from v_message.sent_at
            or v_delivered_at is distinct from v_message.delivered_at;

  if v_changed then
    update yachtparty.messages m
       set twilio_message_sid = v_sid, status = v_status, sent_at = v_sent_at, delivered_at = v_delivered_at
     where m.id = v_message.id;
  end if;
  if v_status is distinct from v_message.status and v_status in ('failed', 'undelivered') then
    insert into yachtparty.events (event_type, aggregate_id, aggregate_type, payload, created_by)
    values ('message.delivery_failed', v_message.id, 'message',
      pg_catalog.jsonb_build_object('message_id', v_message.id, 'conversation_id', v_message.conversation_id,
        'user_id', v_message.user_id, 'twilio_message_sid', v_sid, 'status', v_status,
        'error_code', p_error_code),
      'record_sms_status');
  end if;

  return pg_catalog.jsonb_build_object('message_id', v_message.id, 'status', v_status, 'changed', v_changed);
end;
$$;

-- ---------------------------------------------------------------------------------------------
-- grants: the backend (service role: the Worker's webhooks) only
-- ---------------------------------------------------------------------------------------------

revoke all on function yachtparty.receive_sms(text, text, text, text, text, integer, jsonb, timestamptz)
  from public, anon, authenticated;
revoke all on function yachtparty.record_sms_status(uuid, text, text, text, timestamptz)
  from public, anon, authenticated;
grant execute on function yachtparty.receive_sms(text, text, text, text, text, integer, jsonb, timestamptz)
  to service_role;
grant execute on function yachtparty.record_sms_status(uuid, text, text, text, timestamptz)
  to service_role;
