-- companion's Telegram webhook writes (20261203003100): the delivery key recorded first and a
-- repeated update writing nothing, link_telegram (§7.2: linked, already linked, a replay, token
-- invalid, expired, telegram taken without consuming the token, relinking), receive_telegram_message
-- (unlinked, the open thread found or created, message_id stored as such (C10), the key not the
-- message id deduplicating, a stale thread ended) and set_daily_messages_paused (pause skips the
-- pending check-ins, resume puts back the ones still in their window), with who may call each.
-- The concurrent `/start` and the same update from eight sessions are in
-- core/tests/integration/companion.rs. Everything is rolled back.
begin;
select plan(98);

-- ---------------------------------------------------------------------------------------------
-- helpers for this file only
-- ---------------------------------------------------------------------------------------------

-- Delivery key n of this run's bot.
create function pg_temp.key(n integer) returns text
language sql stable as $$ select format('telegram:%s:%s', 800000000 + txid_current() % 100000000, n) $$;

-- Telegram account n of this run's.
create function pg_temp.tg(n integer) returns bigint
language sql stable as $$ select 6000000000000 + (txid_current() % 1000000) * 1000 + n $$;

-- A companion profile for a test user.
create function pg_temp.profile(label text) returns text
language plpgsql as $$
begin
  insert into companion.users (id) values (tests.get_supabase_uid(label));
  return ok(true, format('%s has a companion profile', label));
end
$$;

create function pg_temp.person(label text) returns companion.users
language sql stable as $$ select * from companion.users where id = tests.get_supabase_uid(label) $$;

-- Link tokens, by label.
create temp table tokens (label text primary key, token text not null);
grant select, insert on tokens to authenticated, service_role;

create function pg_temp.token(label text) returns text
language sql stable as $$ select t.token from tokens t where t.label = token.label $$;

create function pg_temp.token_row(label text) returns companion.telegram_link_tokens
language sql stable as $$ select * from companion.telegram_link_tokens where token = pg_temp.token(label) $$;

-- A token made by the service role for a user (expiring at `expires`, default 15 minutes on).
create function pg_temp.new_token(label text, who text, expires timestamptz default null) returns text
language plpgsql as $$
declare
  v_token text;
begin
  insert into companion.telegram_link_tokens (user_id, expires_at)
  values (tests.get_supabase_uid(who), coalesce(expires, now() + interval '15 minutes'))
  returning token into v_token;
  insert into tokens (label, token) values (label, v_token);
  return ok(v_token ~ '^[A-Za-z0-9_-]{43}$', format('token %s of %s is made', label, who));
end
$$;

-- link_telegram's outcome and user (as the label of the user, or null).
create function pg_temp.link(n integer, token text, account bigint, username text default null,
                             at timestamptz default null) returns text
language plpgsql as $$
declare
  r jsonb := companion.link_telegram(pg_temp.key(n), token, account, username, at);
begin
  if r ? 'user_id' and r ->> 'user_id' is not null then
    return format('%s %s', r ->> 'outcome',
      (select case (r ->> 'user_id')::uuid when tests.get_supabase_uid('alice') then 'alice'
                                            when tests.get_supabase_uid('bob') then 'bob'
                                            else 'someone' end));
  end if;
  return r ->> 'outcome';
end
$$;

create function pg_temp.only_service_role_runs(fn name, args text[]) returns setof text
language plpgsql as $$
begin
  return next function_privs_are('companion', fn, args, 'anon', array[]::text[],
    format('anon cannot run companion.%s', fn));
  return next function_privs_are('companion', fn, args, 'authenticated', array[]::text[],
    format('authenticated cannot run companion.%s', fn));
  return next function_privs_are('companion', fn, args, 'service_role', array['EXECUTE'],
    format('the service role can run companion.%s', fn));
  return next isnt_definer('companion', fn, args, format('companion.%s is security invoker', fn));
end
$$;

-- ---------------------------------------------------------------------------------------------
-- the functions, and who may run them
-- ---------------------------------------------------------------------------------------------

select function_returns('companion', 'record_telegram_delivery', array['text', 'text', 'integer'], 'boolean');
select function_returns('companion', 'record_telegram_update', array['text'], 'jsonb');
select function_returns('companion', 'link_telegram', array['text', 'text', 'bigint', 'text', 'timestamp with time zone'], 'jsonb');
select function_returns('companion', 'receive_telegram_message',
  array['text', 'bigint', 'bigint', 'integer', 'text', 'timestamp with time zone', 'timestamp with time zone'], 'jsonb');
select function_returns('companion', 'set_daily_messages_paused',
  array['text', 'bigint', 'boolean', 'timestamp with time zone'], 'jsonb');

select * from pg_temp.only_service_role_runs('record_telegram_delivery', array['text', 'text', 'integer']);
select * from pg_temp.only_service_role_runs('record_telegram_update', array['text']);
select * from pg_temp.only_service_role_runs('link_telegram', array['text', 'text', 'bigint', 'text', 'timestamp with time zone']);
select * from pg_temp.only_service_role_runs('receive_telegram_message',
  array['text', 'bigint', 'bigint', 'integer', 'text', 'timestamp with time zone', 'timestamp with time zone']);
select * from pg_temp.only_service_role_runs('set_daily_messages_paused',
  array['text', 'bigint', 'boolean', 'timestamp with time zone']);

select tests.create_supabase_user('alice');
select tests.create_supabase_user('bob');
select pg_temp.profile('alice');
select pg_temp.profile('bob');
select tests.authenticate_as('alice');
select throws_ok($$ select companion.link_telegram(pg_temp.key(1), 'x', 1) $$, '42501',
  'permission denied for function link_telegram', 'a signed-in user cannot link a Telegram account');
select tests.authenticate_as_anon();
select throws_ok($$ select companion.record_telegram_update(pg_temp.key(1)) $$, '42501',
  'permission denied for function record_telegram_update', 'anon cannot record a Telegram update');

-- ---------------------------------------------------------------------------------------------
-- the delivery key
-- ---------------------------------------------------------------------------------------------

select tests.authenticate_as_service_role();
select is(companion.record_telegram_update(pg_temp.key(1)), '{"duplicate": false, "outcome": "recorded"}'::jsonb,
  'an update that writes nothing else records its key');
select is(companion.record_telegram_update(pg_temp.key(1)), '{"duplicate": true, "outcome": "duplicate"}'::jsonb,
  'the same update again is a duplicate');
select results_eq(
  $$ select schema_name, table_name, record_count from rowgate.webhook_deliveries where id = pg_temp.key(1) $$,
  $$ values ('companion', 'none', 0) $$,
  'the key is recorded once, in schema companion');
insert into rowgate.webhook_deliveries (schema_name, id, table_name, record_count) values ('dyniq', pg_temp.key(2), 'leads', 1);
select is(companion.record_telegram_update(pg_temp.key(2)) -> 'duplicate', 'false'::jsonb,
  'a key another schema has seen is new to companion (delivery ids are scoped by schema)');
select throws_ok($$ select companion.record_telegram_update('telegram:bot:1') $$, '22023',
  'a Telegram delivery key reads telegram:<bot_id>:<update_id>, not telegram:bot:1', 'a key of another shape is refused');
select throws_ok($$ select companion.record_telegram_update(null) $$, '22004', 'p_delivery_key is required',
  'a missing key is refused');

-- ---------------------------------------------------------------------------------------------
-- link_telegram (§7.2)
-- ---------------------------------------------------------------------------------------------

-- alice's token, made as the web app makes it.
select tests.authenticate_as('alice');
insert into tokens (label, token) select 'alice', t.token from companion.create_telegram_link_token() t;
select tests.authenticate_as_service_role();

select is(pg_temp.link(10, pg_temp.token('alice'), pg_temp.tg(111), ' alice_tg '), 'linked alice',
  '/start <token> from Telegram user 111 links alice');
select results_eq(
  $$ select telegram_user_id::bigint, telegram_username, telegram_linked_at from companion.users where id = tests.get_supabase_uid('alice') $$,
  $$ values (pg_temp.tg(111), 'alice_tg', now()) $$,
  'alice has Telegram account 111, its username (trimmed) and when it was linked');
select is((pg_temp.token_row('alice')).used_at, now(), 'the token is used');
select is(companion.link_telegram(pg_temp.key(10), pg_temp.token('alice'), pg_temp.tg(111)),
  '{"duplicate": true, "outcome": "duplicate"}'::jsonb, 'the same update again is a duplicate');
select is(pg_temp.link(11, pg_temp.token('alice'), pg_temp.tg(111), 'renamed', now() + interval '1 minute'), 'already_linked alice',
  'a replay of the used token by the account that used it (a new update) is already linked');
select results_eq(
  $$ select telegram_user_id::bigint, telegram_username, telegram_linked_at from companion.users where id = tests.get_supabase_uid('alice') $$,
  $$ values (pg_temp.tg(111), 'alice_tg', now()) $$,
  'and changes nothing');
select is(pg_temp.link(12, pg_temp.token('alice'), pg_temp.tg(222)), 'token_invalid',
  'the used token from another account is invalid (the loser of two concurrent /start)');
select is(pg_temp.link(13, 'NoSuchTokenNoSuchTokenNoSuchToken1234567', pg_temp.tg(222)), 'token_invalid',
  'an unknown token is invalid');
select is(pg_temp.link(14, null, pg_temp.tg(222)), 'token_invalid', 'no token is invalid');

select pg_temp.new_token('bob-expired', 'bob', now() - interval '1 second');
select is(pg_temp.link(15, pg_temp.token('bob-expired'), pg_temp.tg(222)), 'token_invalid', 'an expired token is invalid');
select pg_temp.new_token('bob', 'bob');
select is(pg_temp.link(16, pg_temp.token('bob'), pg_temp.tg(222), null, now() + interval '15 minutes'), 'token_invalid',
  'a token at its expiry instant is invalid');
select is((pg_temp.person('bob')).telegram_user_id, null, 'bob is not linked');

select is(pg_temp.link(17, pg_temp.token('bob'), pg_temp.tg(111)), 'telegram_taken',
  'bob''s token from Telegram 111, already alice''s, is telegram_taken');
select is((pg_temp.person('bob')).telegram_user_id, null, 'bob is unchanged');
select is((pg_temp.token_row('bob')).used_at, null, 'bob''s token is not consumed');
select is((pg_temp.person('alice')).telegram_user_id, pg_temp.tg(111)::numeric, 'alice keeps her account');
select is(pg_temp.link(18, pg_temp.token('bob'), pg_temp.tg(222)), 'linked bob', 'bob''s token still links, from 222');
select is((pg_temp.person('bob')).telegram_user_id, pg_temp.tg(222)::numeric, 'bob has account 222');

select pg_temp.new_token('alice-again', 'alice');
select is(pg_temp.link(19, pg_temp.token('alice-again'), pg_temp.tg(111)), 'already_linked alice',
  'a new token of alice''s from her own account is already linked');
select isnt((pg_temp.token_row('alice-again')).used_at, null, 'and is used up');
select pg_temp.new_token('alice-move', 'alice');
select is(pg_temp.link(20, pg_temp.token('alice-move'), pg_temp.tg(333)), 'linked alice',
  'a token of alice''s from another, free account relinks her');
select is((pg_temp.person('alice')).telegram_user_id, pg_temp.tg(333)::numeric, 'alice now has account 333');

select throws_ok($$ select companion.link_telegram(pg_temp.key(21), pg_temp.token('alice'), 0) $$, '22023',
  'p_telegram_user_id must be a positive Telegram user id, not 0', 'a Telegram id of 0 is refused');
select is_empty($$ select from rowgate.webhook_deliveries where id = pg_temp.key(21) $$,
  'and its key is not recorded (Telegram retries it)');
select is((select count(*) from rowgate.webhook_deliveries where schema_name = 'companion' and table_name = 'users'
             and id in (select pg_temp.key(n) from generate_series(10, 21) n)),
  11::bigint, 'each link update''s key is recorded once, about users');

-- ---------------------------------------------------------------------------------------------
-- receive_telegram_message
-- ---------------------------------------------------------------------------------------------

create function pg_temp.receive(n integer, account bigint, message_id integer, body text, at timestamptz,
                                sent_at timestamptz default null) returns jsonb
language sql as $$
  select companion.receive_telegram_message(pg_temp.key(n), account, account, message_id, body, sent_at, at)
$$;

create function pg_temp.alice_messages() returns bigint
language sql stable as $$
  select count(*) from companion.messages m join companion.conversations c on c.id = m.conversation_id
   where c.user_id = tests.get_supabase_uid('alice')
$$;

create temp table seen (label text primary key, answer jsonb);
grant select, insert on seen to service_role;
create function pg_temp.seen(label text) returns jsonb
language sql stable as $$ select s.answer from seen s where s.label = seen.label $$;

select results_eq(
  $$ select r ->> 'outcome', r -> 'duplicate', r ->> 'message_id'
       from pg_temp.receive(30, pg_temp.tg(999), 7, 'hello?', '2026-05-01 10:00+00') r $$,
  $$ values ('unlinked', 'false'::jsonb, null::text) $$,
  'a text from a Telegram user linked to no one is unlinked');
select is((select count(*) from companion.messages m where m.telegram_message_id = 7
             and m.conversation_id in (select id from companion.conversations c
                                        where c.user_id in (tests.get_supabase_uid('alice'), tests.get_supabase_uid('bob')))),
  0::bigint, 'and writes no message');
select results_eq(
  $$ select table_name, record_count from rowgate.webhook_deliveries where schema_name = 'companion' and id = pg_temp.key(30) $$,
  $$ values ('messages', 1) $$,
  'only its key');

insert into seen select 'first', pg_temp.receive(31, pg_temp.tg(333), 501, E' Hello there\n', '2026-05-01 10:00+00',
  '2026-05-01 09:59:58+00');
select is(pg_temp.seen('first') ->> 'outcome', 'received', 'a text from alice''s account is received');
select results_eq(
  $$ select c.channel, c.initiated_by, c.started_at, c.ended_at, c.user_id from companion.conversations c
      where c.id = (pg_temp.seen('first') ->> 'conversation_id')::uuid $$,
  $$ values ('telegram', 'user', '2026-05-01 10:00+00'::timestamptz, null::timestamptz, tests.get_supabase_uid('alice')) $$,
  'into a new open telegram thread of alice''s, started by her');
select results_eq(
  $$ select m.role, m.content, m.telegram_message_id, m.metadata, m.created_at from companion.messages m
      where m.id = (pg_temp.seen('first') ->> 'message_id')::uuid $$,
  $$ values ('user', 'Hello there', 501,
             jsonb_build_object('update_id', split_part(pg_temp.key(31), ':', 3)::bigint, 'chat_id', pg_temp.tg(333),
                                'date', '2026-05-01 09:59:58+00'::timestamptz),
             '2026-05-01 10:00+00'::timestamptz) $$,
  'as a user message: the text trimmed, message_id as telegram_message_id (not the sender''s id, C10), update and chat in metadata');

insert into seen select 'second', pg_temp.receive(32, pg_temp.tg(333), 502, 'Second', '2026-05-01 11:00+00');
select is(pg_temp.seen('second') ->> 'conversation_id', pg_temp.seen('first') ->> 'conversation_id',
  'the next text goes to the same open thread');
select is((select message_count from companion.conversations where id = (pg_temp.seen('first') ->> 'conversation_id')::uuid),
  2, 'which counts two messages');
select is(pg_temp.receive(32, pg_temp.tg(333), 502, 'Second', '2026-05-01 11:00+00'),
  '{"duplicate": true, "outcome": "duplicate"}'::jsonb, 'the same update again is a duplicate (§7.1)');
select is(pg_temp.alice_messages(), 2::bigint, 'and writes no message');
select is(pg_temp.receive(33, pg_temp.tg(333), 502, 'Second', '2026-05-01 11:00+00') ->> 'outcome', 'received',
  'another update with the same message_id is another message: the update_id is the key, not message_id');
select is(pg_temp.alice_messages(), 3::bigint, 'so alice has three');
select throws_ok($$ select companion.receive_telegram_message(pg_temp.key(34), pg_temp.tg(333), -100123, 1, 'group') $$,
  '22023', format('only private chats are received: chat -100123 is not user %s''s', pg_temp.tg(333)),
  'a chat that is not the sender''s private chat is refused');
select is_empty($$ select from rowgate.webhook_deliveries where id = pg_temp.key(34) $$, 'and its key is not recorded');
select throws_ok($$ select pg_temp.receive(35, pg_temp.tg(333), 9, E' \n ', '2026-05-01 11:00+00') $$,
  '22023', 'a blank text is not a message (record it with record_telegram_update)', 'a blank text is refused');

insert into seen select 'next-day', pg_temp.receive(36, pg_temp.tg(333), 503, 'A day later', '2026-05-02 11:00+00');
select isnt(pg_temp.seen('next-day') ->> 'conversation_id', pg_temp.seen('first') ->> 'conversation_id',
  'a text more than 24 hours after the thread started starts a new thread');
select is((select ended_at from companion.conversations where id = (pg_temp.seen('first') ->> 'conversation_id')::uuid),
  '2026-05-02 11:00+00'::timestamptz, 'and ends the old one');

-- ---------------------------------------------------------------------------------------------
-- set_daily_messages_paused
-- ---------------------------------------------------------------------------------------------

create function pg_temp.pause(n integer, account bigint, paused boolean, at timestamptz default '2026-05-03 12:00+00')
returns jsonb
language sql as $$ select companion.set_daily_messages_paused(pg_temp.key(n), account, paused, at) $$;

-- alice's check-ins around 2026-05-03 12:00: one due later today, one two days ago long past its
-- window, one sent.
insert into companion.scheduled_messages (user_id, local_date, scheduled_for, status)
values (tests.get_supabase_uid('alice'), '2026-05-03', '2026-05-03 13:00+00', 'pending'),
       (tests.get_supabase_uid('alice'), '2026-05-01', '2026-05-01 13:00+00', 'pending');
insert into companion.scheduled_messages (user_id, local_date, scheduled_for, status, sent_at)
values (tests.get_supabase_uid('alice'), '2026-05-02', '2026-05-02 13:00+00', 'sent', '2026-05-02 13:00:05+00');

create function pg_temp.alice_check_ins() returns table (local_date date, status text, failure_reason text)
language sql stable as $$
  select m.local_date, m.status, m.failure_reason from companion.scheduled_messages m
   where m.user_id = tests.get_supabase_uid('alice') order by m.local_date
$$;

select results_eq(
  $$ select r ->> 'outcome', r -> 'check_ins', r -> 'user_id' from pg_temp.pause(40, pg_temp.tg(999), true) r $$,
  $$ values ('unlinked', '0'::jsonb, 'null'::jsonb) $$,
  '/pause from a Telegram user linked to no one is unlinked');
select results_eq(
  $$ select r ->> 'outcome', r -> 'check_ins' from pg_temp.pause(41, pg_temp.tg(333), true) r $$,
  $$ values ('paused', '2'::jsonb) $$,
  '/pause from alice pauses her, skipping her two pending check-ins');
select is((pg_temp.person('alice')).preferences, '{"daily_messages_paused": true}'::jsonb,
  'preferences.daily_messages_paused is true');
select results_eq(
  $$ select * from pg_temp.alice_check_ins() $$,
  $$ values ('2026-05-01'::date, 'skipped', 'paused'), ('2026-05-02', 'sent', null), ('2026-05-03', 'skipped', 'paused') $$,
  'the pending ones are skipped as paused; the sent one is left');
select is(pg_temp.pause(41, pg_temp.tg(333), true), '{"duplicate": true, "outcome": "duplicate"}'::jsonb,
  'the same update again is a duplicate');
select results_eq(
  $$ select r ->> 'outcome', r -> 'check_ins' from pg_temp.pause(42, pg_temp.tg(333), true) r $$,
  $$ values ('paused', '0'::jsonb) $$,
  'pausing again (my_chat_member kicked) keeps her paused');
select results_eq(
  $$ select r ->> 'outcome', r -> 'check_ins' from pg_temp.pause(43, pg_temp.tg(333), false) r $$,
  $$ values ('resumed', '1'::jsonb) $$,
  '/resume resumes her, putting back one check-in');
select is((pg_temp.person('alice')).preferences, '{"daily_messages_paused": false}'::jsonb,
  'preferences.daily_messages_paused is false');
select results_eq(
  $$ select * from pg_temp.alice_check_ins() $$,
  $$ values ('2026-05-01'::date, 'skipped', 'paused'), ('2026-05-02', 'sent', null), ('2026-05-03', 'pending', null) $$,
  'today''s, still in its window, is pending again; the one long past stays skipped');
select throws_ok($$ select pg_temp.pause(44, pg_temp.tg(333), null) $$, '22004',
  'p_telegram_user_id and p_paused are required', 'pausing needs a yes or a no');

select * from finish();
rollback;
