-- Companion's Telegram webhook writes (specification §2 "Service-role only", §4.1), one function
-- per kind of update, each one transaction, called by the Worker after it has checked the
-- secret header and parsed the update: link_telegram (`/start <token>`), receive_telegram_message
-- (text from a linked user), set_daily_messages_paused (`/pause`, `/resume`, `my_chat_member`
-- kicked) and record_telegram_update (every other update: commands answered inline, ignored
-- kinds). Each answers jsonb with an `outcome` the Worker maps to its reply.
--
-- Idempotency (design decisions 4, 12, 15; defect C10): every function first records the
-- update's delivery key `telegram:<bot_id>:<update_id>` in rowgate.webhook_deliveries, scoped to
-- schema 'companion' (`on conflict (schema_name, id) do nothing`). A key seen before answers
-- {"duplicate": true, "outcome": "duplicate"} and writes nothing else; a key racing its first
-- delivery waits for it (the primary key's insert lock) and then is the duplicate, or, if the
-- first rolled back, the first. update_id, not message_id, is the key (C10): message_id is
-- unique only within a chat, and it is stored as messages.telegram_message_id.
--
-- Time: every function that reads the clock takes `p_now timestamptz default null` (null: now()),
-- so tests fix it (design decision 14).
--
-- Decisions [dec]:
-- - The delivery row's table_name is the companion table the update is about ('users' for a
--   link or a pause, 'messages' for a text, 'none' for record_telegram_update) and record_count
--   is 1 (one update), 0 for record_telegram_update; both are written with the key, before the
--   outcome is known (the service role may insert and delete delivery rows, not update them).
-- - The key must read `telegram:<digits>:<digits>` (22023 otherwise; null: 22004): a key of
--   another shape is the Worker's bug, and refusing it (500, Telegram retries) beats recording it.
-- - link_telegram (C8): the token is consumed by one statement (`update ... set used_at = now
--   where token = p_token and used_at is null and expires_at > now returning user_id`), so of two
--   concurrent `/start <token>` exactly one consumes it; the other waits for its row lock, finds it
--   used, and answers token_invalid. Outcomes:
--   linked        the token's user now has this Telegram account (a user linked to another
--                 Telegram account before is relinked to this one: the token proves the user);
--   already_linked the token's user already has this Telegram account (the token is used up
--                 all the same), or the token was used before by this same Telegram account (a
--                 replay, e.g. `/start` tapped twice), whatever its expiry;
--   token_invalid no such token, or used (by another account), or expired;
--   telegram_taken this Telegram account is linked to another user: nothing changes and the
--                 token is not consumed (its use is rolled back with the subtransaction the
--                 unique violation ends), so the token's user can still use it from another
--                 account. The outcome names no user.
-- - receive_telegram_message takes only private chats (p_chat_id = p_telegram_user_id, as the
--   Worker dispatches: 22023 otherwise). A Telegram user linked to no one: outcome 'unlinked',
--   nothing but the key written. Else the user's open telegram conversation is found or created
--   (`on conflict (user_id, channel) where ended_at is null`, initiated_by 'user'), after ending
--   it if it started more than 24 hours ago (end_stale_conversations' rule, applied at once so a
--   thread never outlives the day because the hourly job has not run yet), and the text becomes a
--   role 'user' message with telegram_message_id = message_id and metadata {update_id, chat_id,
--   date} (date: p_sent_at, Telegram's `message.date`; absent when null).
-- - set_daily_messages_paused writes preferences.daily_messages_paused = p_paused (a JSON
--   boolean). Pausing skips the user's pending check-ins (failure_reason 'paused'); resuming puts
--   back to pending those skipped as 'paused' whose slot is not older than the check-in grace
--   window (companion.checkin_grace(), 2 hours, of 20261203003200, resolved when the function
--   runs), so `/pause` then `/resume` before the slot keeps the day's check-in. Outcomes
--   paused / resumed (also when it already was) / unlinked, with `check_ins`: the rows changed.
-- - Text is stored as the core shapes it (rowgate.trim_text: trimmed; the tables' text CHECKs
--   want it so): a message's text, a username (blank: null). A text blank once trimmed is not a
--   message: 22023 (the Worker records such an update with record_telegram_update).
-- - Telegram ids arrive as bigint (users.telegram_user_id is numeric(16, 0): the cast is exact),
--   message ids as integer (the column's type: the Bot API's message_id is 32-bit).
-- - No function checks onboarding: a linked user's texts are stored whether or not onboarding is
--   complete (the planner is what requires it).

-- ---------------------------------------------------------------------------------------------
-- the delivery key
-- ---------------------------------------------------------------------------------------------

-- Records a Telegram update's delivery key for schema companion; true when it is new, false when
-- it was recorded before (a repeated delivery: write nothing else).
create or replace function companion.record_telegram_delivery(
  p_delivery_key text,
  p_table_name text,
  p_record_count integer default 1
)
returns boolean
language plpgsql
security invoker
set search_path = ''
as $$
begin
  if p_delivery_key is null then
    raise exception 'p_delivery_key is required' using errcode = '22004';
  end if;
  if p_delivery_key !~ '^telegram:[0-9]{1,20}:[0-9]{1,20}$' then
    raise exception 'a Telegram delivery key reads telegram:<bot_id>:<update_id>, not %', p_delivery_key
      using errcode = '22023';
  end if;
  insert into rowgate.webhook_deliveries (schema_name, id, table_name, record_count)
  values ('companion', p_delivery_key, p_table_name, p_record_count)
  on conflict (schema_name, id) do nothing;
  return found;
end;
$$;

-- An update that writes nothing but its key: `/start` without a payload, `/help`, `/settings`,
-- edited messages, non-text messages, callback queries and every other kind (answered 200, with
-- a reply in the response body where there is one). Returns {"duplicate", "outcome"}:
-- outcome 'recorded', or 'duplicate'.
create or replace function companion.record_telegram_update(p_delivery_key text)
returns jsonb
language plpgsql
security invoker
set search_path = ''
as $$
begin
  if not companion.record_telegram_delivery(p_delivery_key, 'none', 0) then
    return '{"duplicate": true, "outcome": "duplicate"}'::jsonb;
  end if;
  return '{"duplicate": false, "outcome": "recorded"}'::jsonb;
end;
$$;

-- ---------------------------------------------------------------------------------------------
-- link_telegram
-- ---------------------------------------------------------------------------------------------

-- `/start <token>` from Telegram user p_telegram_user_id (username p_username, may be null).
-- Returns {"duplicate", "outcome", "user_id"}: outcome linked / already_linked (user_id: the
-- token's user) / token_invalid / telegram_taken (user_id null) / duplicate.
create or replace function companion.link_telegram(
  p_delivery_key text,
  p_token text,
  p_telegram_user_id bigint,
  p_username text default null,
  p_now timestamptz default null
)
returns jsonb
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_now timestamptz := coalesce(p_now, pg_catalog.now());
  v_user_id uuid;
  v_linked_to numeric;
  v_constraint text;
begin
  if p_telegram_user_id is null or p_telegram_user_id <= 0 then
    raise exception 'p_telegram_user_id must be a positive Telegram user id, not %',
      coalesce(p_telegram_user_id::text, 'null') using errcode = '22023';
  end if;
  if not companion.record_telegram_delivery(p_delivery_key, 'users') then
    return '{"duplicate": true, "outcome": "duplicate"}'::jsonb;
  end if;

  -- A subtransaction: a unique violation on users.telegram_user_id rolls back the token's use.
  begin
    update companion.telegram_link_tokens t
       set used_at = v_now
     where t.token = p_token
       and t.used_at is null
       and t.expires_at > v_now
    returning t.user_id into v_user_id;

    if v_user_id is not null then
      select u.telegram_user_id into v_linked_to from companion.users u where u.id = v_user_id for update;
      if v_linked_to is not distinct from p_telegram_user_id then
        return pg_catalog.jsonb_build_object('duplicate', false, 'outcome', 'already_linked', 'user_id', v_user_id);
      end if;
      update companion.users u
         set telegram_user_id = p_telegram_user_id,
             telegram_username = rowgate.trim_text(p_username),
             telegram_linked_at = v_now
       where u.id = v_user_id;
      return pg_catalog.jsonb_build_object('duplicate', false, 'outcome', 'linked', 'user_id', v_user_id);
    end if;
  exception when unique_violation then
    get stacked diagnostics v_constraint = constraint_name;
    if v_constraint is distinct from 'users_telegram_user_id_key' then
      raise;
    end if;
    return pg_catalog.jsonb_build_object('duplicate', false, 'outcome', 'telegram_taken', 'user_id', null);
  end;

  -- Not consumable: a replay by the account that used it is already linked; anything else is
  -- invalid.
  select t.user_id into v_user_id
    from companion.telegram_link_tokens t
    join companion.users u on u.id = t.user_id
   where t.token = p_token
     and t.used_at is not null
     and u.telegram_user_id = p_telegram_user_id;
  if found then
    return pg_catalog.jsonb_build_object('duplicate', false, 'outcome', 'already_linked', 'user_id', v_user_id);
  end if;
  return pg_catalog.jsonb_build_object('duplicate', false, 'outcome', 'token_invalid', 'user_id', null);
end;
$$;

-- ---------------------------------------------------------------------------------------------
-- receive_telegram_message
-- ---------------------------------------------------------------------------------------------

-- A text message in a private chat. Returns {"duplicate", "outcome", "user_id", "conversation_id",
-- "message_id"}: outcome received / unlinked (ids null) / duplicate.
create or replace function companion.receive_telegram_message(
  p_delivery_key text,
  p_telegram_user_id bigint,
  p_chat_id bigint,
  p_message_id integer,
  p_text text,
  p_sent_at timestamptz default null,
  p_now timestamptz default null
)
returns jsonb
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_now timestamptz := coalesce(p_now, pg_catalog.now());
  v_user_id uuid;
  v_conversation_id uuid;
  v_message_id uuid;
  v_text text := rowgate.trim_text(p_text);
begin
  if p_telegram_user_id is null or p_chat_id is null or p_message_id is null or p_text is null then
    raise exception 'p_telegram_user_id, p_chat_id, p_message_id and p_text are required' using errcode = '22004';
  end if;
  if v_text is null then
    raise exception 'a blank text is not a message (record it with record_telegram_update)' using errcode = '22023';
  end if;
  if p_chat_id <> p_telegram_user_id then
    raise exception 'only private chats are received: chat % is not user %''s', p_chat_id, p_telegram_user_id
      using errcode = '22023';
  end if;
  if not companion.record_telegram_delivery(p_delivery_key, 'messages') then
    return '{"duplicate": true, "outcome": "duplicate"}'::jsonb;
  end if;

  select u.id into v_user_id from companion.users u where u.telegram_user_id = p_telegram_user_id;
  if v_user_id is null then
    return pg_catalog.jsonb_build_object('duplicate', false, 'outcome', 'unlinked', 'user_id', null,
      'conversation_id', null, 'message_id', null);
  end if;

  -- A thread that started more than 24 hours ago is over (end_stale_conversations' rule).
  update companion.conversations c
     set ended_at = greatest(c.started_at, v_now)
   where c.user_id = v_user_id
     and c.channel = 'telegram'
     and c.ended_at is null
     and c.started_at < v_now - interval '24 hours';

  -- The open thread, or a new one. The conflict's update writes nothing new (the service role
  -- may not write updated_at; the message's trigger bumps it): it is there to return the id.
  insert into companion.conversations as c (user_id, channel, initiated_by, started_at)
  values (v_user_id, 'telegram', 'user', v_now)
  on conflict (user_id, channel) where ended_at is null
    do update set channel = excluded.channel
  returning c.id into v_conversation_id;

  insert into companion.messages (conversation_id, role, content, telegram_message_id, metadata, created_at)
  values (v_conversation_id, 'user', v_text, p_message_id,
    pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
      'update_id', pg_catalog.split_part(p_delivery_key, ':', 3)::bigint,
      'chat_id', p_chat_id,
      'date', p_sent_at)),
    v_now)
  returning id into v_message_id;

  return pg_catalog.jsonb_build_object('duplicate', false, 'outcome', 'received', 'user_id', v_user_id,
    'conversation_id', v_conversation_id, 'message_id', v_message_id);
end;
$$;

-- ---------------------------------------------------------------------------------------------
-- set_daily_messages_paused
-- ---------------------------------------------------------------------------------------------

-- `/pause` (p_paused true), `/resume` (false), `my_chat_member` kicked (true). Returns
-- {"duplicate", "outcome", "user_id", "check_ins"}: outcome paused / resumed / unlinked /
-- duplicate; check_ins: pending check-ins skipped (pause) or put back (resume).
create or replace function companion.set_daily_messages_paused(
  p_delivery_key text,
  p_telegram_user_id bigint,
  p_paused boolean,
  p_now timestamptz default null
)
returns jsonb
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_now timestamptz := coalesce(p_now, pg_catalog.now());
  v_user_id uuid;
  v_count integer;
begin
  if p_telegram_user_id is null or p_paused is null then
    raise exception 'p_telegram_user_id and p_paused are required' using errcode = '22004';
  end if;
  if not companion.record_telegram_delivery(p_delivery_key, 'users') then
    return '{"duplicate": true, "outcome": "duplicate"}'::jsonb;
  end if;

  update companion.users u
     set preferences = pg_catalog.jsonb_set(u.preferences, '{daily_messages_paused}', pg_catalog.to_jsonb(p_paused))
   where u.telegram_user_id = p_telegram_user_id
  returning u.id into v_user_id;
  if v_user_id is null then
    return pg_catalog.jsonb_build_object('duplicate', false, 'outcome', 'unlinked', 'user_id', null, 'check_ins', 0);
  end if;

  if p_paused then
    update companion.scheduled_messages m
       set status = 'skipped', failure_reason = 'paused'
     where m.user_id = v_user_id and m.status = 'pending';
  else
    update companion.scheduled_messages m
       set status = 'pending', failure_reason = null
     where m.user_id = v_user_id
       and m.status = 'skipped'
       and m.failure_reason = 'paused'
       and m.scheduled_for >= v_now - companion.checkin_grace();
  end if;
  get diagnostics v_count = row_count;

  return pg_catalog.jsonb_build_object('duplicate', false,
    'outcome', case when p_paused then 'paused' else 'resumed' end,
    'user_id', v_user_id, 'check_ins', v_count);
end;
$$;

-- ---------------------------------------------------------------------------------------------
-- grants: the backend (service role: the Worker's Telegram webhook) only
-- ---------------------------------------------------------------------------------------------

revoke all on function companion.record_telegram_delivery(text, text, integer) from public, anon, authenticated;
revoke all on function companion.record_telegram_update(text) from public, anon, authenticated;
revoke all on function companion.link_telegram(text, text, bigint, text, timestamptz) from public, anon, authenticated;
revoke all on function companion.receive_telegram_message(text, bigint, bigint, integer, text, timestamptz, timestamptz)
  from public, anon, authenticated;
revoke all on function companion.set_daily_messages_paused(text, bigint, boolean, timestamptz)
  from public, anon, authenticated;

grant execute on function companion.record_telegram_delivery(text, text, integer) to service_role;
grant execute on function companion.record_telegram_update(text) to service_role;
grant execute on function companion.link_telegram(text, text, bigint, text, timestamptz) to service_role;
grant execute on function companion.receive_telegram_message(text, bigint, bigint, integer, text, timestamptz, timestamptz)
  to service_role;
grant execute on function companion.set_daily_messages_paused(text, bigint, boolean, timestamptz) to service_role;
