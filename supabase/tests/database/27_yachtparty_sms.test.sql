-- yachtparty's Twilio webhooks' writes (20261203002410): receive_sms (user, conversation,
-- message and event in one call, idempotent by MessageSid) and record_sms_status (a status only
-- moves forward), with who may call each; §7 check 1 as far as one session can run it (the
-- concurrent deliveries are in core/tests/integration/yachtparty_messages.rs) and check 6.
-- Everything is rolled back.
begin;
select plan(61);

-- ---------------------------------------------------------------------------------------------
-- helpers for this file only
-- ---------------------------------------------------------------------------------------------

-- A phone number of this run's, by number.
create function pg_temp.phone(n integer) returns text
language sql stable as $$ select format('+1777%s%s', lpad((txid_current() % 10000000)::text, 7, '0'), lpad(n::text, 3, '0')) $$;

create function pg_temp.sid(label text) returns text
language sql immutable as $$ select 'SM' || md5(label) $$;

create function pg_temp.user_of(n integer) returns yachtparty.users
language sql stable as $$ select * from yachtparty.users where phone_number = pg_temp.phone(n) $$;

create function pg_temp.message(label text) returns yachtparty.messages
language sql stable as $$ select * from yachtparty.messages where twilio_message_sid = pg_temp.sid(label) $$;

-- An inbound SMS from phone n, received at `at`.
create function pg_temp.receive(label text, n integer, body text, at timestamptz, num_media integer default 0,
                                media jsonb default null) returns jsonb
language sql as $$
  select yachtparty.receive_sms(pg_temp.sid(label), 'AC' || md5('account'), pg_temp.phone(n), '+15005550006', body,
    num_media, media, at)
$$;

-- An outbound message to the user of phone n, as the claim makes it (queued, no SID yet).
create function pg_temp.outbound(n integer, content text) returns uuid
language sql as $$
  insert into yachtparty.messages (conversation_id, user_id, role, content, direction, status)
  select c.id, c.user_id, 'assistant', content, 'outbound', 'queued'
    from yachtparty.conversations c where c.user_id = (pg_temp.user_of(n)).id and c.status = 'active'
  returning id
$$;

create temp table outbound (label text primary key, id uuid not null);
grant select, insert on outbound to service_role;

create function pg_temp.out(label text) returns uuid
language sql stable as $$ select o.id from outbound o where o.label = out.label $$;

create function pg_temp.status(label text) returns jsonb
language sql stable as $$
  select jsonb_build_object('status', m.status, 'sid', m.twilio_message_sid, 'sent_at', m.sent_at,
    'delivered_at', m.delivered_at)
    from yachtparty.messages m where m.id = pg_temp.out(label)
$$;

-- ---------------------------------------------------------------------------------------------
-- who may call them
-- ---------------------------------------------------------------------------------------------

select function_returns('yachtparty', 'receive_sms',
  array['text', 'text', 'text', 'text', 'text', 'integer', 'jsonb', 'timestamp with time zone'], 'jsonb');
select function_returns('yachtparty', 'record_sms_status',
  array['uuid', 'text', 'text', 'text', 'timestamp with time zone'], 'jsonb');
select function_privs_are('yachtparty', 'receive_sms',
  array['text', 'text', 'text', 'text', 'text', 'integer', 'jsonb', 'timestamp with time zone'], 'anon', array[]::text[],
  'anon cannot run receive_sms');
select function_privs_are('yachtparty', 'receive_sms',
  array['text', 'text', 'text', 'text', 'text', 'integer', 'jsonb', 'timestamp with time zone'], 'authenticated', array[]::text[],
  'authenticated cannot run receive_sms');
select function_privs_are('yachtparty', 'receive_sms',
  array['text', 'text', 'text', 'text', 'text', 'integer', 'jsonb', 'timestamp with time zone'], 'service_role', array['EXECUTE'],
  'the service role can run receive_sms');
select isnt_definer('yachtparty', 'receive_sms',
  array['text', 'text', 'text', 'text', 'text', 'integer', 'jsonb', 'timestamp with time zone'], 'receive_sms is security invoker');
select function_privs_are('yachtparty', 'record_sms_status', array['uuid', 'text', 'text', 'text', 'timestamp with time zone'],
  'anon', array[]::text[], 'anon cannot run record_sms_status');
select function_privs_are('yachtparty', 'record_sms_status', array['uuid', 'text', 'text', 'text', 'timestamp with time zone'],
  'authenticated', array[]::text[], 'authenticated cannot run record_sms_status');
select function_privs_are('yachtparty', 'record_sms_status', array['uuid', 'text', 'text', 'text', 'timestamp with time zone'],
  'service_role', array['EXECUTE'], 'the service role can run record_sms_status');
select isnt_definer('yachtparty', 'record_sms_status', array['uuid', 'text', 'text', 'text', 'timestamp with time zone'],
  'record_sms_status is security invoker');

select tests.create_supabase_user('alice');
select tests.authenticate_as('alice');
select throws_ok($$ select pg_temp.receive('alice', 1, 'hi', now()) $$, '42501',
  'permission denied for function receive_sms', 'a signed-in user cannot write an inbound SMS');
select tests.authenticate_as_anon();
select throws_ok($$ select yachtparty.record_sms_status(gen_random_uuid(), null, 'sent', null) $$, '42501',
  'permission denied for function record_sms_status', 'anon cannot write a status');
select tests.clear_authentication();

-- ---------------------------------------------------------------------------------------------
-- receive_sms: a first message from a new number
-- ---------------------------------------------------------------------------------------------

select tests.authenticate_as_service_role();

select results_eq(
  $$ select (r ->> 'duplicate')::boolean, r ? 'user_id' and r ? 'conversation_id' and r ? 'message_id' and r ? 'event_id'
       from pg_temp.receive('first', 1, E'  Hi there,\n who is this? ', '2026-06-15 12:00+00') r $$,
  $$ values (false, true) $$,
  'a first message is written, not a duplicate, and its ids returned');
select results_eq(
  $$ select poc_agent_type, verified, last_active_at from yachtparty.users where phone_number = pg_temp.phone(1) $$,
  $$ values ('bouncer', false, timestamptz '2026-06-15 12:00+00') $$,
  'the new user starts with the Bouncer, unverified, active at the message''s time');
select results_eq(
  $$ select c.status, c.phone_number::text, c.last_message_at from yachtparty.conversations c
      where c.user_id = (pg_temp.user_of(1)).id $$,
  $$ values ('active', pg_temp.phone(1), timestamptz '2026-06-15 12:00+00') $$,
  'with an active conversation');
select results_eq(
  $$ select m.role, m.direction, m.status, m.content::text, m.created_at, m.user_id = (pg_temp.user_of(1)).id,
            m.conversation_id = (select c.id from yachtparty.conversations c where c.user_id = m.user_id)
       from yachtparty.messages m where m.twilio_message_sid = pg_temp.sid('first') $$,
  $$ values ('user', 'inbound', 'received', E'  Hi there,\n who is this? ', timestamptz '2026-06-15 12:00+00', true, true) $$,
  'and the message in it, its body exactly as sent (not trimmed)');
select results_eq(
  $$ select e.aggregate_type::text, e.payload - 'message_id' - 'conversation_id',
            (e.payload ->> 'message_id')::uuid = (pg_temp.message('first')).id,
            (e.payload ->> 'conversation_id')::uuid = (pg_temp.message('first')).conversation_id,
            e.metadata ->> 'twilio_message_sid', e.processed
       from yachtparty.events e
      where e.event_type = 'user.message.received' and e.aggregate_id = (pg_temp.user_of(1)).id $$,
  $$ values ('user',
             jsonb_build_object('from', pg_temp.phone(1), 'to', '+15005550006', 'body', E'  Hi there,\n who is this? ',
               'num_media', 0, 'media', '[]'::jsonb),
             true, true, pg_temp.sid('first'), false) $$,
  'one user.message.received event about the user, with the message''s ids, numbers, body and media');

-- §7 check 1: the same delivery twice.
select results_eq(
  $$ select (r ->> 'duplicate')::boolean, (r ->> 'message_id')::uuid = (pg_temp.message('first')).id,
            (r ->> 'user_id')::uuid = (pg_temp.user_of(1)).id, r ->> 'event_id'
       from pg_temp.receive('first', 1, E'  Hi there,\n who is this? ', '2026-06-15 12:30+00') r $$,
  $$ values (true, true, true, null::text) $$,
  'the same MessageSid again is a duplicate, with the first delivery''s ids');
select results_eq(
  $$ select (select count(*) from yachtparty.messages where twilio_message_sid = pg_temp.sid('first')),
            (select count(*) from yachtparty.events where event_type = 'user.message.received'
                and payload ->> 'message_id' = (pg_temp.message('first')).id::text),
            (pg_temp.user_of(1)).last_active_at $$,
  $$ values (1::bigint, 1::bigint, timestamptz '2026-06-15 12:00+00') $$,
  'and writes nothing: one message, one event, the user''s last activity unchanged');

select is((pg_temp.receive('second', 1, 'Hello?', '2026-06-15 12:05+00') ->> 'conversation_id')::uuid,
  (pg_temp.message('first')).conversation_id, 'a second message from the number joins the same conversation');
select results_eq(
  $$ select (select count(*) from yachtparty.users where phone_number = pg_temp.phone(1)),
            (select count(*) from yachtparty.messages where user_id = (pg_temp.user_of(1)).id),
            (pg_temp.user_of(1)).last_active_at,
            (select last_message_at from yachtparty.conversations where user_id = (pg_temp.user_of(1)).id) $$,
  $$ values (1::bigint, 2::bigint, timestamptz '2026-06-15 12:05+00', timestamptz '2026-06-15 12:05+00') $$,
  'of the same user, who was last active then');
select is((pg_temp.receive('late', 1, 'sent earlier', '2026-06-15 11:00+00') ->> 'duplicate')::boolean, false,
  'a message received earlier but delivered late is written');
select results_eq(
  $$ select (pg_temp.user_of(1)).last_active_at,
            (select last_message_at from yachtparty.conversations where user_id = (pg_temp.user_of(1)).id) $$,
  $$ values (timestamptz '2026-06-15 12:05+00', timestamptz '2026-06-15 12:05+00') $$,
  'and does not move the last activity back');

select results_eq(
  $$ select (r ->> 'duplicate')::boolean from pg_temp.receive('mms', 2, '', '2026-06-15 13:00+00', 1,
       '[{"url": "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1", "content_type": "image/jpeg"}]') r $$,
  $$ values (false) $$,
  'an MMS without text is written');
select results_eq(
  $$ select m.content::text, e.payload -> 'num_media', e.payload -> 'media' -> 0 ->> 'content_type'
       from yachtparty.messages m join yachtparty.events e on e.payload ->> 'message_id' = m.id::text
      where m.twilio_message_sid = pg_temp.sid('mms') $$,
  $$ values ('', '1'::jsonb, 'image/jpeg') $$,
  'with an empty body, and its media in the event');

select lives_ok(
  $$ insert into yachtparty.users (phone_number, poc_agent_type, verified) values (pg_temp.phone(3), 'concierge', true) $$,
  'a member whose point of contact is the concierge');
select lives_ok(
  $$ insert into yachtparty.conversations (user_id, phone_number, status)
     values ((pg_temp.user_of(3)).id, pg_temp.phone(3), 'archived') $$,
  'with an archived conversation only');
select isnt((pg_temp.receive('member', 3, 'Back again', '2026-06-15 14:00+00') ->> 'conversation_id')::uuid,
  (select id from yachtparty.conversations where user_id = (pg_temp.user_of(3)).id and status = 'archived'),
  'texting in starts a new active conversation');
select results_eq(
  $$ select poc_agent_type, verified, (select count(*) from yachtparty.conversations c where c.user_id = u.id)
       from yachtparty.users u where u.id = (pg_temp.user_of(3)).id $$,
  $$ values ('concierge', true, 2::bigint) $$,
  'and keeps the member as they were');

select tests.rejects($$ select yachtparty.receive_sms('SM123', 'AC1', pg_temp.phone(4), '+15005550006', 'x') $$,
  'twilio_message_sid_format', 'a malformed MessageSid is refused');
select tests.rejects($$ select yachtparty.receive_sms(pg_temp.sid('bad-from'), 'AC1', '4155550100', '+15005550006', 'x') $$,
  'e164_phone_format', 'a sender that is not E.164 is refused');
select throws_ok($$ select yachtparty.receive_sms(null, 'AC1', pg_temp.phone(4), '+15005550006', 'x') $$, '22004',
  'p_message_sid is required', 'a delivery without a MessageSid is refused');
select throws_ok($$ select pg_temp.receive('bad-media', 4, 'x', now(), 1, '{"url": "x"}') $$, '22023',
  'p_media must be a JSON array', 'media that is not an array is refused');
select is((select count(*) from yachtparty.users where phone_number = pg_temp.phone(4)), 0::bigint,
  'and nothing of a refused delivery is written');

-- ---------------------------------------------------------------------------------------------
-- record_sms_status (§7 check 6)
-- ---------------------------------------------------------------------------------------------

select lives_ok(
  $$ insert into outbound values ('a', pg_temp.outbound(1, 'Welcome!')), ('b', pg_temp.outbound(1, 'Still there?')),
                                 ('c', pg_temp.outbound(1, 'Bye')), ('d', pg_temp.outbound(1, 'One more')) $$,
  'four outbound messages to the first user, queued and without a SID');

select results_eq(
  $$ select r ->> 'status', (r ->> 'changed')::boolean
       from yachtparty.record_sms_status(pg_temp.out('a'), pg_temp.sid('out-a'), 'delivered', null, '2026-06-15 15:00:10+00') r $$,
  $$ values ('delivered', true) $$,
  'a delivered callback moves a queued message to delivered');
select is(pg_temp.status('a'),
  jsonb_build_object('status', 'delivered', 'sid', pg_temp.sid('out-a'), 'sent_at', null,
    'delivered_at', timestamptz '2026-06-15 15:00:10+00'),
  'sets its SID (it had none) and delivered_at');
select results_eq(
  $$ select r ->> 'status', (r ->> 'changed')::boolean
       from yachtparty.record_sms_status(pg_temp.out('a'), pg_temp.sid('out-a'), 'sent', null, '2026-06-15 15:00:12+00') r $$,
  $$ values ('delivered', true) $$,
  'the sent callback arriving after it does not move it back');
select is(pg_temp.status('a'),
  jsonb_build_object('status', 'delivered', 'sid', pg_temp.sid('out-a'), 'sent_at', timestamptz '2026-06-15 15:00:12+00',
    'delivered_at', timestamptz '2026-06-15 15:00:10+00'),
  'it stays delivered, delivered_at kept; sent_at, which it lacked, is set');
select results_eq(
  $$ select r ->> 'status', (r ->> 'changed')::boolean
       from yachtparty.record_sms_status(pg_temp.out('a'), pg_temp.sid('out-a'), 'sent', null, '2026-06-15 15:09+00') r $$,
  $$ values ('delivered', false) $$,
  'the same callback twice changes nothing');
select results_eq(
  $$ select r ->> 'status', (r ->> 'changed')::boolean
       from yachtparty.record_sms_status(pg_temp.out('a'), pg_temp.sid('out-a'), 'read', null, '2026-06-15 15:10+00') r $$,
  $$ values ('delivered', false) $$,
  'a status of the same rank (read) does not replace delivered');

select results_eq(
  $$ select s, yachtparty.record_sms_status(pg_temp.out('b'), pg_temp.sid('out-b'), s, null, t) ->> 'status'
       from (values (1, 'queued', timestamptz '2026-06-15 15:00+00'), (2, 'sending', '2026-06-15 15:00:01+00'),
                    (3, 'sent', '2026-06-15 15:00:02+00'), (4, 'delivered', '2026-06-15 15:00:05+00')) v(i, s, t)
      order by i $$,
  $$ values ('queued', 'queued'), ('sending', 'sending'), ('sent', 'sent'), ('delivered', 'delivered') $$,
  'in order, queued, sending, sent, delivered each move it forward');
select is(pg_temp.status('b'),
  jsonb_build_object('status', 'delivered', 'sid', pg_temp.sid('out-b'), 'sent_at', timestamptz '2026-06-15 15:00:02+00',
    'delivered_at', timestamptz '2026-06-15 15:00:05+00'),
  'with sent_at and delivered_at from their callbacks');
select throws_ok(
  $$ select yachtparty.record_sms_status(pg_temp.out('b'), pg_temp.sid('another'), 'delivered', null) $$,
  '22023', null, 'a callback with another SID for the message is refused');

select results_eq(
  $$ select r ->> 'status', (r ->> 'changed')::boolean
       from yachtparty.record_sms_status(pg_temp.out('c'), pg_temp.sid('out-c'), 'failed', '30003', '2026-06-15 15:01+00') r $$,
  $$ values ('failed', true) $$,
  'a failed callback moves it to failed');
select results_eq(
  $$ select aggregate_id, aggregate_type::text, payload ->> 'error_code', payload ->> 'status', payload ->> 'twilio_message_sid'
       from yachtparty.events where event_type = 'message.delivery_failed' and aggregate_id = pg_temp.out('c') $$,
  $$ values (pg_temp.out('c'), 'message', '30003', 'failed', pg_temp.sid('out-c')) $$,
  'with a message.delivery_failed event carrying the ErrorCode');
select is((yachtparty.record_sms_status(pg_temp.out('c'), pg_temp.sid('out-c'), 'failed', '30003') ->> 'changed')::boolean,
  false, 'the same failure again changes nothing');
select is((yachtparty.record_sms_status(pg_temp.out('c'), pg_temp.sid('out-c'), 'undelivered', '30005') ->> 'status'),
  'failed', 'nor does undelivered, of the same rank');
select is((select count(*) from yachtparty.events where event_type = 'message.delivery_failed' and aggregate_id = pg_temp.out('c')),
  1::bigint, 'and no second event is written');

select lives_ok(
  $$ update yachtparty.messages set twilio_message_sid = pg_temp.sid('out-d') where id = pg_temp.out('d') $$,
  'a message whose SID the sender already recorded');
select is(
  yachtparty.record_sms_status(null, pg_temp.sid('out-d'), 'undelivered', '30006', '2026-06-15 15:02+00') ->> 'status',
  'undelivered', 'is found by its SID when the callback carries no id');
select is((select count(*) from yachtparty.events where event_type = 'message.delivery_failed' and aggregate_id = pg_temp.out('d')),
  1::bigint, 'undelivered writes a message.delivery_failed event too');

select throws_ok($$ select yachtparty.record_sms_status(gen_random_uuid(), null, 'sent', null) $$, 'P0002', null,
  'a callback for an unknown message is refused');
select throws_ok($$ select yachtparty.record_sms_status((pg_temp.message('first')).id, null, 'sent', null) $$, '22023',
  'message ' || (pg_temp.message('first')).id || ' is not outbound', 'as is one for an inbound message');
select throws_ok($$ select yachtparty.record_sms_status(pg_temp.out('d'), null, 'lost', null) $$, '22023',
  'unknown message status lost', 'and one with a status Twilio does not send');

select tests.clear_authentication();
select * from finish();
rollback;
