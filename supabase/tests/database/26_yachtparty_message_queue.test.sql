-- yachtparty's outbound message queue (20261203002400): the time rules' helpers, enqueue with
-- quiet hours, sequences and superseding, the claim (quiet hours in the user's zone, the day's
-- and the hour's budget, sequences whole, replies, unrendered rows, priority, the limit), the
-- sender's reports and the lease, with who may call each; §7 check 2 as far as one session can
-- run it (the concurrent claims are in core/tests/integration/yachtparty_messages.rs).
--
-- A claim takes every due row in the database, so the test keeps to instants of its own (June
-- and July 2026) and, first, sets aside anyone else's row due then; each scenario has a day of
-- its own, in the order the script runs, and sets aside what it leaves queued. Everything is
-- rolled back.
begin;
select plan(214);

-- ---------------------------------------------------------------------------------------------
-- helpers for this file only (pg_temp vanishes with the session)
-- ---------------------------------------------------------------------------------------------

-- The test's users, by label; each has a phone number of its own.
create temp table people (n serial primary key, label text unique not null, id uuid);
grant select, insert, update on people to service_role;
grant usage on sequence people_n_seq to service_role;

create function pg_temp.phone(label text) returns text
language sql stable as $$
  select format('+1888%s%s', lpad((txid_current() % 10000000)::text, 7, '0'), lpad(p.n::text, 3, '0'))
    from people p where p.label = phone.label
$$;

create function pg_temp.add_user(label text, zone text default null, quiet_start time default null,
                                 quiet_end time default null) returns uuid
language plpgsql as $$
declare
  v_id uuid;
begin
  insert into people (label) values (add_user.label);
  insert into yachtparty.users (phone_number, first_name, timezone, quiet_hours_start, quiet_hours_end)
  values (pg_temp.phone(add_user.label), add_user.label, zone, quiet_start, quiet_end)
  returning id into v_id;
  update people set id = v_id where people.label = add_user.label;
  return v_id;
end
$$;

create function pg_temp.uid(label text) returns uuid
language sql stable as $$ select p.id from people p where p.label = uid.label $$;

-- Queue rows by label (message_data ->> 'label').
create function pg_temp.q(label text) returns uuid
language sql stable as $$ select id from yachtparty.message_queue where message_data ->> 'label' = label $$;

create function pg_temp.qrow(label text) returns yachtparty.message_queue
language sql stable as $$ select * from yachtparty.message_queue where message_data ->> 'label' = label $$;

-- A row of a sequence, by its label and position.
create function pg_temp.qpos(label text, pos integer) returns yachtparty.message_queue
language sql stable as $$
  select * from yachtparty.message_queue where message_data ->> 'label' = label and sequence_position = pos
$$;

-- A message enqueued for a user's concierge, labelled; returns its id.
create function pg_temp.enqueue(who text, label text, due timestamptz, priority text default 'medium')
returns uuid
language sql as $$
  select (yachtparty.enqueue_message(pg_temp.uid(who), 'concierge', jsonb_build_object('label', label),
           'Message ' || label, priority, due) ->> 'id')::uuid
$$;

-- A row put straight into the queue (enqueue_message would move it out of quiet hours).
create function pg_temp.queue_row(who text, label text, due timestamptz, context uuid default null) returns uuid
language sql as $$
  insert into yachtparty.message_queue (user_id, agent_id, message_data, final_message, scheduled_for,
    conversation_context_id)
  values (pg_temp.uid(who), 'concierge', jsonb_build_object('label', label), 'Message ' || label, due, context)
  returning id
$$;

-- What each claim returned, by round, in the order returned.
create temp table claimed (ord serial, round text not null, id uuid, user_id uuid, final_message text,
  status text, sequence_position integer, delivered_message_id uuid, phone_number text, message_id uuid);
grant select, insert on claimed to service_role;
grant usage on sequence claimed_ord_seq to service_role;

-- Runs a claim as a round; returns how many rows it claimed (anyone's).
create function pg_temp.claim(round text, lim integer, at timestamptz) returns integer
language plpgsql as $$
declare
  n integer;
begin
  insert into claimed (round, id, user_id, final_message, status, sequence_position, delivered_message_id,
    phone_number, message_id)
  select claim.round, c.id, c.user_id, c.final_message, c.status, c.sequence_position, c.delivered_message_id,
         c.phone_number, c.message_id
    from yachtparty.claim_due_messages(lim, at) c;
  get diagnostics n = row_count;
  return n;
end
$$;

-- How many rows a round claimed for a user.
create function pg_temp.claimed_for(round text, who text) returns bigint
language sql stable as $$
  select count(*) from claimed c where c.round = claimed_for.round and c.user_id = pg_temp.uid(who)
$$;

-- Sets aside every row still queued (they were checked): later scenarios' claims do not see them.
create function pg_temp.set_aside() returns integer
language plpgsql as $$
declare
  n integer;
begin
  update yachtparty.message_queue set status = 'failed' where status = 'queued';
  get diagnostics n = row_count;
  return n;
end
$$;

create function pg_temp.sid(label text) returns text
language sql immutable as $$ select 'SM' || md5(label) $$;

-- Who may run a function: the service role only.
create function pg_temp.only_service_role_runs(fn name, args text[]) returns setof text
language plpgsql as $$
begin
  return next function_privs_are('yachtparty', fn, args, 'anon', array[]::text[],
    format('anon cannot run yachtparty.%s', fn));
  return next function_privs_are('yachtparty', fn, args, 'authenticated', array[]::text[],
    format('authenticated cannot run yachtparty.%s', fn));
  return next function_privs_are('yachtparty', fn, args, 'service_role', array['EXECUTE'],
    format('the service role can run yachtparty.%s', fn));
  return next isnt_definer('yachtparty', fn, args, format('yachtparty.%s is security invoker', fn));
end
$$;

-- ---------------------------------------------------------------------------------------------
-- the functions: what they return, and who may run them
-- ---------------------------------------------------------------------------------------------

select function_returns('yachtparty', 'in_quiet_hours',
  array['time without time zone', 'time without time zone', 'time without time zone'], 'boolean');
select function_returns('yachtparty', 'quiet_hours_end_at',
  array['timestamp with time zone', 'text', 'time without time zone', 'time without time zone'], 'timestamp with time zone');
select function_returns('yachtparty', 'next_local_midnight', array['timestamp with time zone', 'text'], 'timestamp with time zone');
select function_returns('yachtparty', 'user_send_window', array['uuid'], 'record');
select function_returns('yachtparty', 'user_is_active', array['uuid', 'timestamp with time zone'], 'boolean');
select function_returns('yachtparty', 'sms_status_rank', array['text'], 'integer');
select function_returns('yachtparty', 'enqueue_message',
  array['uuid', 'text', 'jsonb', 'text', 'text', 'timestamp with time zone', 'boolean', 'uuid', 'boolean', 'text', 'jsonb'], 'jsonb');
select function_returns('yachtparty', 'claim_due_messages', array['integer', 'timestamp with time zone'], 'setof record');
select function_returns('yachtparty', 'record_message_sent',
  array['uuid', 'uuid', 'text', 'text', 'timestamp with time zone'], 'jsonb');
select function_returns('yachtparty', 'record_message_failed', array['uuid', 'text'], 'jsonb');
select function_returns('yachtparty', 'fail_stuck_messages', array['interval', 'timestamp with time zone'], 'integer');

select * from pg_temp.only_service_role_runs('in_quiet_hours',
  array['time without time zone', 'time without time zone', 'time without time zone']);
select * from pg_temp.only_service_role_runs('quiet_hours_end_at',
  array['timestamp with time zone', 'text', 'time without time zone', 'time without time zone']);
select * from pg_temp.only_service_role_runs('next_local_midnight', array['timestamp with time zone', 'text']);
select * from pg_temp.only_service_role_runs('user_send_window', array['uuid']);
select * from pg_temp.only_service_role_runs('user_is_active', array['uuid', 'timestamp with time zone']);
select * from pg_temp.only_service_role_runs('sms_status_rank', array['text']);
select * from pg_temp.only_service_role_runs('enqueue_message',
  array['uuid', 'text', 'jsonb', 'text', 'text', 'timestamp with time zone', 'boolean', 'uuid', 'boolean', 'text', 'jsonb']);
select * from pg_temp.only_service_role_runs('claim_due_messages', array['integer', 'timestamp with time zone']);
select * from pg_temp.only_service_role_runs('record_message_sent',
  array['uuid', 'uuid', 'text', 'text', 'timestamp with time zone']);
select * from pg_temp.only_service_role_runs('record_message_failed', array['uuid', 'text']);
select * from pg_temp.only_service_role_runs('fail_stuck_messages', array['interval', 'timestamp with time zone']);

select tests.create_supabase_user('alice');
select tests.authenticate_as('alice');
select throws_ok($$ select * from yachtparty.claim_due_messages(1) $$, '42501',
  'permission denied for function claim_due_messages', 'a signed-in user cannot claim messages');
select tests.authenticate_as_anon();
select throws_ok($$ select yachtparty.fail_stuck_messages() $$, '42501',
  'permission denied for function fail_stuck_messages', 'anon cannot fail messages');
select tests.clear_authentication();

-- ---------------------------------------------------------------------------------------------
-- the time rules (rowgate-core's yachtparty::sending mirrors them; the Rust test compares many
-- more cases)
-- ---------------------------------------------------------------------------------------------

select tests.authenticate_as_service_role();

select is(yachtparty.in_quiet_hours('22:00', '22:00', '08:00'), true, 'a window across midnight holds its start');
select is(yachtparty.in_quiet_hours('03:00', '22:00', '08:00'), true, 'and the small hours');
select is(yachtparty.in_quiet_hours('08:00', '22:00', '08:00'), false, 'but not its end');
select is(yachtparty.in_quiet_hours('12:00', '22:00', '08:00'), false, 'nor midday');
select is(yachtparty.in_quiet_hours('13:00', '13:00', '14:00'), true, 'a window within a day holds its start');
select is(yachtparty.in_quiet_hours('23:00', '13:00', '14:00'), false, 'and nothing past its end');
select is(yachtparty.in_quiet_hours(null, '22:00', '08:00'), null, 'no time is in no window');
select throws_ok($$ select yachtparty.in_quiet_hours('03:00', '08:00', '08:00') $$, '22023',
  'a quiet-hours window cannot start and end at 08:00:00', 'a window from a time to itself is refused');

select is(yachtparty.quiet_hours_end_at('2026-06-15 07:00+00', 'America/New_York', '22:00', '08:00'),
  timestamptz '2026-06-15 12:00+00', '03:00 in New York (EDT) is quiet until 08:00 local, 12:00 UTC');
select is(yachtparty.quiet_hours_end_at('2026-06-15 03:30+00', 'America/New_York', '22:00', '08:00'),
  timestamptz '2026-06-15 12:00+00', '23:30 the evening before is quiet until 08:00 the next morning');
select is(yachtparty.quiet_hours_end_at('2026-06-15 16:00+00', 'America/New_York', '22:00', '08:00'),
  timestamptz '2026-06-15 16:00+00', 'noon is not quiet: the time itself');
select is(yachtparty.quiet_hours_end_at('2026-03-08 04:00+00', 'America/New_York', '22:00', '08:00'),
  timestamptz '2026-03-08 12:00+00', 'a night across the spring change ends at 08:00 EDT');
select is(yachtparty.quiet_hours_end_at('2026-03-08 06:15+00', 'America/New_York', '01:00', '02:30'),
  timestamptz '2026-03-08 07:30+00', 'a window ending at 02:30, which the spring change skips, ends at 03:30 EDT');
select is(yachtparty.quiet_hours_end_at('2026-11-01 04:00+00', 'America/New_York', '23:00', '01:30'),
  timestamptz '2026-11-01 06:30+00', 'a window ending at 01:30, which the autumn change repeats, ends at the later 01:30');
select is(yachtparty.quiet_hours_end_at('2026-06-15 17:30+00', 'Asia/Kolkata', '22:00', '08:00'),
  timestamptz '2026-06-16 02:30+00', 'Kolkata''s half-hour offset: 23:00 IST waits for 08:00 IST');

select is(yachtparty.next_local_midnight('2026-06-15 06:30+00', 'Asia/Kolkata'), timestamptz '2026-06-15 18:30+00',
  'noon in Kolkata: the next local midnight is 18:30 UTC');
select is(yachtparty.next_local_midnight('2026-03-08 12:00+00', 'America/New_York'), timestamptz '2026-03-09 04:00+00',
  'after the spring change New York''s midnight is 04:00 UTC');
select is(yachtparty.next_local_midnight('2026-11-01 03:30+00', 'America/New_York'), timestamptz '2026-11-01 04:00+00',
  '23:30 EDT: midnight is half an hour away, still EDT');

select lives_ok($$ select pg_temp.add_user('plain') $$, 'a user with no zone and no quiet hours');
select results_eq($$ select zone, quiet_start, quiet_end from yachtparty.user_send_window(pg_temp.uid('plain')) $$,
  $$ values ('America/New_York', time '22:00', time '08:00') $$,
  'a user with no zone is in New York, with quiet hours from 22:00 to 08:00');
select is((select zone from yachtparty.user_send_window(gen_random_uuid())), null, 'no user, no window');
select ok(yachtparty.sms_status_rank('queued') < yachtparty.sms_status_rank('sending')
      and yachtparty.sms_status_rank('sending') < yachtparty.sms_status_rank('sent')
      and yachtparty.sms_status_rank('sent') < yachtparty.sms_status_rank('delivered')
      and yachtparty.sms_status_rank('delivered') = yachtparty.sms_status_rank('failed'),
  'statuses rank queued < sending < sent < delivered = failed');

-- Everyone else's queued row is set aside for the test's duration (rolled back with it): the
-- database may hold rows of the end-to-end and concurrency tests of earlier runs, rescheduled
-- to any date, and the claims and counts below must see only the test's own.
select lives_ok(
  $$ update yachtparty.message_queue set status = 'failed' where status = 'queued' $$,
  'no one else''s queued row is in the way');

-- ---------------------------------------------------------------------------------------------
-- the lease (2026-06-01, UTC): at most once
-- ---------------------------------------------------------------------------------------------

select lives_ok($$ select pg_temp.add_user('lease', 'UTC') $$, 'a user in UTC');
select lives_ok(
  $$ insert into yachtparty.user_message_budget (user_id, date, hourly_limit) values (pg_temp.uid('lease'), '2026-06-01', 10) $$,
  'who may have 10 messages an hour');
select lives_ok(
  $$ select pg_temp.enqueue('lease', 'a', '2026-06-01 09:00+00'), pg_temp.enqueue('lease', 'b', '2026-06-01 09:00+00'),
            pg_temp.enqueue('lease', 'c', '2026-06-01 09:00+00') $$,
  'three messages due at 09:00');
select is(pg_temp.claim('lease-1', 50, '2026-06-01 10:00+00'), 3, 'claimed at 10:00');
select is((yachtparty.record_sms_status((pg_temp.qrow('b')).delivered_message_id, pg_temp.sid('b'), 'sent', null,
            '2026-06-01 10:01+00') ->> 'changed')::boolean, true,
  'b''s status callback (sent) comes, but the sender never reports b');
select lives_ok($$ select pg_temp.enqueue('lease', 'd', '2026-06-01 10:00+00') $$, 'another message due at 10:00');
select is(pg_temp.claim('lease-2', 50, '2026-06-01 10:15+00'), 1, 'claimed at 10:15');

select is(yachtparty.fail_stuck_messages('10 minutes', '2026-06-01 10:20+00'), 3,
  'at 10:20 the three claimed at 10:00 are past a lease of 10 minutes');
select results_eq(
  $$ select message_data ->> 'label', status, sent_at from yachtparty.message_queue
      where user_id = pg_temp.uid('lease') order by message_data ->> 'label' $$,
  $$ values ('a', 'failed', null::timestamptz), ('b', 'sent', timestamptz '2026-06-01 10:01+00'),
            ('c', 'failed', null), ('d', 'processing', null) $$,
  'a and c failed; b, which Twilio reported sent, is sent; d, claimed at 10:15, is still in its lease');
select results_eq(
  $$ select aggregate_id, aggregate_type::text, payload ->> 'error' like '%outcome is unknown%'
       from yachtparty.events where event_type = 'message.send_failed' and payload ->> 'user_id' = pg_temp.uid('lease')::text
      order by payload ->> 'queue_id' = pg_temp.q('c')::text $$,
  $$ values (pg_temp.q('a'), 'message_queue', true), (pg_temp.q('c'), 'message_queue', true) $$,
  'a message.send_failed event for each failed row, saying the outcome is unknown');
select is((select status from yachtparty.messages where id = (pg_temp.qrow('a')).delivered_message_id), 'queued',
  'the outbound message of a keeps its status: whether it went is unknown');
select is(yachtparty.fail_stuck_messages('10 minutes', '2026-06-01 10:20+00'), 0, 'running it again changes nothing');
select is(pg_temp.claim('lease-3', 50, '2026-06-01 11:00+00'), 0, 'and a failed row is never claimed again');
select is(yachtparty.fail_stuck_messages(p_now => '2026-06-01 10:30+00'), 1, 'd''s lease ends at 10:25');
select throws_ok($$ select yachtparty.fail_stuck_messages('-1 minute', '2026-06-01 10:30+00') $$, '22023',
  'the lease cannot be negative: -00:01:00', 'a negative lease is refused');

-- ---------------------------------------------------------------------------------------------
-- §7 check 2: the day's limit (2026-06-15, Kolkata); a new day's row copies the limits
-- ---------------------------------------------------------------------------------------------

select lives_ok($$ select pg_temp.add_user('daily', 'Asia/Kolkata') $$, 'a user in Kolkata');
select lives_ok(
  $$ insert into yachtparty.user_message_budget (user_id, date, daily_limit, hourly_limit)
     values (pg_temp.uid('daily'), '2026-06-14', 2, 10) $$,
  'whose latest budget row (yesterday''s) says 2 a day, 10 an hour');
select lives_ok(
  $$ select pg_temp.enqueue('daily', 'd' || i, '2026-06-15 06:00+00') from generate_series(1, 5) i $$,
  'five messages due at 11:30 IST');
select is(pg_temp.claim('daily', 10, '2026-06-15 06:30+00'), 2, 'a claim at noon IST claims 2');
select results_eq(
  $$ select status, scheduled_for from yachtparty.message_queue
      where user_id = pg_temp.uid('daily') and status <> 'processing' $$,
  $$ values ('queued', timestamptz '2026-06-15 18:30+00'), ('queued', timestamptz '2026-06-15 18:30+00'),
            ('queued', timestamptz '2026-06-15 18:30+00') $$,
  'the other 3 wait for the next local midnight (18:30 UTC)');
select results_eq(
  $$ select messages_sent, last_message_at, daily_limit, hourly_limit, quiet_hours_enabled
       from yachtparty.user_message_budget where user_id = pg_temp.uid('daily') and date = '2026-06-15' $$,
  $$ values (2, timestamptz '2026-06-15 06:30+00', 2, 10, true) $$,
  'today''s budget row: 2 sent, and the limits copied from yesterday''s');
select results_eq(
  $$ select c.status, c.phone_number, c.message_id = c.delivered_message_id from claimed c
      where c.round = 'daily' $$,
  $$ values ('processing', pg_temp.phone('daily'), true), ('processing', pg_temp.phone('daily'), true) $$,
  'a claimed row is processing, returned with the phone number and its outbound message''s id');
select results_eq(
  $$ select m.role, m.direction, m.status, m.content::text = c.final_message, m.created_at, m.conversation_id = v.id
       from claimed c join yachtparty.messages m on m.id = c.message_id
       join yachtparty.conversations v on v.user_id = c.user_id and v.status = 'active'
      where c.round = 'daily' $$,
  $$ values ('assistant', 'outbound', 'queued', true, timestamptz '2026-06-15 06:30+00', true),
            ('assistant', 'outbound', 'queued', true, timestamptz '2026-06-15 06:30+00', true) $$,
  'each has an outbound message of its text, queued, in the user''s active conversation');
select is((select count(*) from yachtparty.conversations where user_id = pg_temp.uid('daily')), 1::bigint,
  'the conversation was created once for both');
select is(pg_temp.claim('daily-again', 10, '2026-06-15 06:30+00'), 0, 'claiming again at the same instant claims nothing');
select is(pg_temp.set_aside(), 3, 'the three waiting rows are set aside');

-- ---------------------------------------------------------------------------------------------
-- §7 check 2: quiet hours in the user's zone (2026-06-16, 03:00 in New York)
-- ---------------------------------------------------------------------------------------------

select lives_ok($$ select pg_temp.add_user('asleep'), pg_temp.add_user('awake', 'America/New_York'),
                          pg_temp.add_user('quiet-off', 'America/New_York') $$,
  'three users in New York (asleep has no zone: New York is the fallback)');
select lives_ok(
  $$ insert into yachtparty.user_message_budget (user_id, date, quiet_hours_enabled)
     values (pg_temp.uid('quiet-off'), '2026-06-10', false) $$,
  'quiet-off turned quiet hours off (a row of last week)');
select lives_ok(
  $$ select pg_temp.queue_row(who, who, '2026-06-16 06:50+00') from unnest(array['asleep', 'awake', 'quiet-off']) who $$,
  'a message each, due at 02:50 EDT');
select is((yachtparty.receive_sms(pg_temp.sid('awake-in'), 'AC1', pg_temp.phone('awake'), '+15005550006', 'still up?',
            0, null, '2026-06-16 06:55+00') ->> 'duplicate')::boolean, false,
  'awake texted in at 02:55 EDT');
select is(yachtparty.user_is_active(pg_temp.uid('awake'), '2026-06-16 07:00+00'), true, 'so is active at 03:00');
select is(yachtparty.user_is_active(pg_temp.uid('awake'), '2026-06-16 07:06+00'), false, 'and no longer at 03:06');
select lives_ok($$ select pg_temp.claim('quiet', 10, '2026-06-16 07:00+00') $$, 'a claim at 03:00 EDT');
select is(pg_temp.claimed_for('quiet', 'asleep'), 0::bigint, 'asleep''s message is not claimed');
select is((pg_temp.qrow('asleep')).scheduled_for, timestamptz '2026-06-16 12:00+00',
  'it waits for 08:00 local, 12:00 UTC');
select is(pg_temp.claimed_for('quiet', 'awake'), 1::bigint, 'awake texted in 5 minutes ago: claimed');
select is(pg_temp.claimed_for('quiet', 'quiet-off'), 1::bigint, 'quiet-off''s is claimed: today''s row copied the setting');
select is(pg_temp.set_aside(), 1, 'asleep''s row is set aside');

-- ---------------------------------------------------------------------------------------------
-- §7 check 2: a sequence goes whole and counts once (2026-06-17, UTC)
-- ---------------------------------------------------------------------------------------------

select lives_ok($$ select pg_temp.add_user('seq', 'UTC'), pg_temp.add_user('seq-full', 'UTC') $$, 'two users in UTC');
select lives_ok(
  $$ insert into yachtparty.user_message_budget (user_id, date, messages_sent) values (pg_temp.uid('seq-full'), '2026-06-17', 5) $$,
  'seq-full has used the day''s 5');
select lives_ok(
  $$ select yachtparty.enqueue_message(pg_temp.uid(who), 'concierge', jsonb_build_object('label', who),
       p_scheduled_for => '2026-06-17 11:00+00',
       p_sequence => jsonb_build_array(who || ' one', who || ' two', who || ' three'))
       from unnest(array['seq', 'seq-full']) who $$,
  'a sequence of three for each');
select lives_ok($$ select pg_temp.claim('seq', 10, '2026-06-17 12:00+00') $$, 'a claim at 12:00');
select results_eq(
  $$ select sequence_position, final_message from claimed where round = 'seq' and user_id = pg_temp.uid('seq') order by ord $$,
  $$ values (1, 'seq one'), (2, 'seq two'), (3, 'seq three') $$,
  'all three of the sequence are claimed in one call, in position order');
select is((select messages_sent from yachtparty.user_message_budget where user_id = pg_temp.uid('seq') and date = '2026-06-17'),
  1, 'and count once against the budget');
select is(pg_temp.claimed_for('seq', 'seq-full'), 0::bigint, 'with the budget used up, none of the sequence is claimed');
select results_eq(
  $$ select status, scheduled_for from yachtparty.message_queue where user_id = pg_temp.uid('seq-full') $$,
  $$ values ('queued', timestamptz '2026-06-18 00:00+00'), ('queued', timestamptz '2026-06-18 00:00+00'),
            ('queued', timestamptz '2026-06-18 00:00+00') $$,
  'all of it waits for the next midnight');
select is(pg_temp.set_aside(), 3, 'seq-full''s rows are set aside');

-- ---------------------------------------------------------------------------------------------
-- the hour's limit (2026-06-18, UTC: 2 an hour)
-- ---------------------------------------------------------------------------------------------

select lives_ok($$ select pg_temp.add_user('hourly', 'UTC') $$, 'a user in UTC, with the default 2 an hour');
select lives_ok($$ select pg_temp.enqueue('hourly', 'h1', '2026-06-18 11:00+00') $$, 'h1 due at 11:00');
select is(pg_temp.claim('h1', 10, '2026-06-18 11:20+00'), 1, 'claimed at 11:20');
select lives_ok($$ select pg_temp.enqueue('hourly', 'h2', '2026-06-18 11:30+00') $$, 'h2 due at 11:30');
select is(pg_temp.claim('h2', 10, '2026-06-18 11:40+00'), 1, 'claimed at 11:40');
select lives_ok($$ select pg_temp.enqueue('hourly', 'h3', '2026-06-18 11:50+00') $$, 'h3 due at 11:50');
select is(pg_temp.claim('h3', 10, '2026-06-18 12:00+00'), 0, 'at 12:00 two were sent in the hour: h3 is not claimed');
select is((pg_temp.qrow('h3')).scheduled_for, timestamptz '2026-06-18 12:20+00', 'it waits until h1 is an hour old');
select is(pg_temp.claim('h3-later', 10, '2026-06-18 12:20+00'), 1, 'and is claimed then');
select is((select messages_sent from yachtparty.user_message_budget where user_id = pg_temp.uid('hourly') and date = '2026-06-18'),
  3, 'three sent today');

-- ---------------------------------------------------------------------------------------------
-- replies (2026-06-19, 03:00 in New York): pass quiet hours and the budget, counting nothing
-- ---------------------------------------------------------------------------------------------

select lives_ok($$ select pg_temp.add_user('chatty', 'America/New_York'), pg_temp.add_user('dozing', 'America/New_York') $$,
  'two users in New York');
select lives_ok(
  $$ insert into yachtparty.user_message_budget (user_id, date, daily_limit, messages_sent)
     values (pg_temp.uid('chatty'), '2026-06-19', 1, 1), (pg_temp.uid('dozing'), '2026-06-19', 1, 0) $$,
  'chatty has used the day''s only message');
select lives_ok(
  $$ select yachtparty.receive_sms(pg_temp.sid('chatty-in'), 'AC1', pg_temp.phone('chatty'), '+15005550006', 'and another thing',
       0, null, '2026-06-19 06:58+00'),
            yachtparty.receive_sms(pg_temp.sid('dozing-in'), 'AC1', pg_temp.phone('dozing'), '+15005550006', 'night',
       0, null, '2026-06-19 05:00+00') $$,
  'chatty texted in at 02:58 EDT, dozing at 01:00');
select is(
  (yachtparty.enqueue_message(pg_temp.uid('chatty'), 'concierge', '{"label": "reply"}', 'Here you go',
     p_scheduled_for => '2026-06-19 06:59+00',
     p_conversation_context_id => (select id from yachtparty.conversations where user_id = pg_temp.uid('chatty'))
   ) ->> 'scheduled_for')::timestamptz,
  timestamptz '2026-06-19 06:59+00',
  'a reply is enqueued as it is: not moved out of quiet hours');
select lives_ok(
  $$ select pg_temp.queue_row('dozing', 'dozing-reply', '2026-06-19 06:59+00',
       (select id from yachtparty.conversations where user_id = pg_temp.uid('dozing'))) $$,
  'a row with a conversation for dozing too');
select lives_ok($$ select pg_temp.claim('reply', 10, '2026-06-19 07:00+00') $$, 'a claim at 03:00 EDT');
select results_eq(
  $$ select m.conversation_id, m.content::text from claimed c join yachtparty.messages m on m.id = c.message_id
      where c.round = 'reply' and c.user_id = pg_temp.uid('chatty') $$,
  $$ select id, 'Here you go' from yachtparty.conversations where user_id = pg_temp.uid('chatty') $$,
  'the reply to the active user is claimed, in the conversation it answers');
select results_eq(
  $$ select messages_sent from yachtparty.user_message_budget where user_id = pg_temp.uid('chatty') and date = '2026-06-19' $$,
  $$ values (1) $$,
  'and counts nothing against the budget');
select is((select last_message_at from yachtparty.conversations where user_id = pg_temp.uid('chatty')),
  timestamptz '2026-06-19 07:00+00', 'the conversation''s last message is the reply');
select is(pg_temp.claimed_for('reply', 'dozing'), 0::bigint, 'a row with a conversation for a user who is not active waits');
select is((pg_temp.qrow('dozing-reply')).scheduled_for, timestamptz '2026-06-19 12:00+00', 'for the end of quiet hours');
select is(pg_temp.set_aside(), 1, 'dozing''s row is set aside');

-- ---------------------------------------------------------------------------------------------
-- unrendered rows, priority and the limit (2026-06-20 and 21, UTC)
-- ---------------------------------------------------------------------------------------------

select lives_ok($$ select pg_temp.add_user('render', 'UTC') $$, 'a user in UTC');
select lives_ok(
  $$ select yachtparty.enqueue_message(pg_temp.uid('render'), 'concierge', '{"label": "unrendered"}',
       p_requires_fresh_context => true, p_scheduled_for => '2026-06-20 09:00+00'),
            pg_temp.enqueue('render', 'low', '2026-06-20 10:00+00', 'low'),
            pg_temp.enqueue('render', 'high', '2026-06-20 11:30+00', 'high') $$,
  'an unrendered row needing fresh context (09:00), a low one (10:00), a high one (11:30)');
select is(pg_temp.claim('prio', 1, '2026-06-20 12:00+00'), 1, 'a claim of one');
select is((select final_message from claimed where round = 'prio'), 'Message high',
  'takes the high one first, though it is the latest');
select is(pg_temp.claim('prio-2', 10, '2026-06-20 12:00+00'), 1, 'the next claim takes the low one only');
select results_eq(
  $$ select status, final_message, delivered_message_id from yachtparty.message_queue where id = pg_temp.q('unrendered') $$,
  $$ values ('queued', null::text, null::uuid) $$,
  'the unrendered row is left queued and untouched, for a renderer to fill in');
select lives_ok(
  $$ update yachtparty.message_queue set final_message = 'Rendered now' where id = pg_temp.q('unrendered') $$,
  'a renderer sets its text');
select lives_ok(
  $$ update yachtparty.user_message_budget set hourly_limit = 10 where user_id = pg_temp.uid('render') and date = '2026-06-20' $$,
  'and the hour is given room');
select is(pg_temp.claim('rendered', 10, '2026-06-20 12:00+00'), 1, 'then it is claimed');

select lives_ok($$ select pg_temp.add_user('limits', 'UTC') $$, 'a user in UTC');
select lives_ok(
  $$ insert into yachtparty.user_message_budget (user_id, date, hourly_limit) values (pg_temp.uid('limits'), '2026-06-21', 10) $$,
  'with 10 messages an hour');
select lives_ok(
  $$ select pg_temp.enqueue('limits', 'single', '2026-06-21 10:00+00', 'high'),
            yachtparty.enqueue_message(pg_temp.uid('limits'), 'concierge', '{"label": "limits-seq"}', p_priority => 'high',
              p_scheduled_for => '2026-06-21 11:00+00', p_sequence => '["s1", "s2", "s3"]') $$,
  'a single message (10:00) and a sequence of three (11:00)');
select is(pg_temp.claim('limit-2', 2, '2026-06-21 12:00+00'), 1,
  'a claim of two takes the single one: the sequence does not fit in what is left');
select is(pg_temp.claim('limit-2-again', 2, '2026-06-21 12:00+00'), 3,
  'the next claim of two takes the whole sequence: a call''s first unit is never split');
select is(pg_temp.set_aside(), 0, 'nothing is left queued');


-- ---------------------------------------------------------------------------------------------
-- the sender's reports (the sequence claimed on 2026-06-17)
-- ---------------------------------------------------------------------------------------------

select results_eq(
  $$ select r ->> 'status', (r ->> 'duplicate')::boolean, r ->> 'twilio_message_sid'
       from yachtparty.record_message_sent((pg_temp.qpos('seq', 1)).id, (pg_temp.qpos('seq', 1)).delivered_message_id,
              pg_temp.sid('seq one'), 'queued', '2026-06-17 12:00:05+00') r $$,
  $$ values ('queued', false, pg_temp.sid('seq one')) $$,
  'record_message_sent: Twilio took the first message of the sequence');
select results_eq(
  $$ select q.status, q.sent_at, m.twilio_message_sid::text, m.status, m.sent_at
       from yachtparty.message_queue q join yachtparty.messages m on m.id = q.delivered_message_id
      where q.id = (pg_temp.qpos('seq', 1)).id $$,
  $$ values ('sent', timestamptz '2026-06-17 12:00:05+00', pg_temp.sid('seq one'), 'queued',
             timestamptz '2026-06-17 12:00:05+00') $$,
  'the row is sent, and its message has the SID, Twilio''s status and sent_at');
select is(
  (yachtparty.record_message_sent((pg_temp.qpos('seq', 1)).id, (pg_temp.qpos('seq', 1)).delivered_message_id,
     pg_temp.sid('seq one'), 'queued', '2026-06-17 12:09+00') ->> 'duplicate')::boolean,
  true, 'reporting it again is a duplicate');
select results_eq(
  $$ select q.sent_at, m.sent_at from yachtparty.message_queue q join yachtparty.messages m on m.id = q.delivered_message_id
      where q.id = (pg_temp.qpos('seq', 1)).id $$,
  $$ values (timestamptz '2026-06-17 12:00:05+00', timestamptz '2026-06-17 12:00:05+00') $$,
  'and changes nothing');
select throws_ok(
  $$ select yachtparty.record_message_sent((pg_temp.qpos('seq', 1)).id, (pg_temp.qpos('seq', 1)).delivered_message_id,
       pg_temp.sid('another'), 'queued') $$,
  '22023', null, 'a second SID for a sent message is refused');
select throws_ok(
  $$ select yachtparty.record_message_sent((pg_temp.qpos('seq', 2)).id, (pg_temp.qpos('seq', 3)).delivered_message_id,
       pg_temp.sid('seq two'), 'queued') $$,
  '22023', null, 'another row''s message is refused');
select throws_ok(
  $$ select yachtparty.record_message_sent(gen_random_uuid(), (pg_temp.qpos('seq', 2)).delivered_message_id,
       pg_temp.sid('seq two'), 'queued') $$,
  'P0002', null, 'an unknown queue row is refused');
select throws_ok(
  $$ select yachtparty.record_message_sent(pg_temp.q('low'), (pg_temp.qpos('seq', 2)).delivered_message_id,
       pg_temp.sid('seq two'), 'queued') $$,
  '22023', null, 'as is a message of another user');

-- The status callback of the second message comes before the sender's report.
select is(
  yachtparty.record_sms_status((pg_temp.qpos('seq', 2)).delivered_message_id, pg_temp.sid('seq two'), 'delivered', null,
    '2026-06-17 12:00:03+00') ->> 'status',
  'delivered', 'a callback before record_message_sent lands');
select results_eq(
  $$ select r ->> 'status', (r ->> 'duplicate')::boolean
       from yachtparty.record_message_sent((pg_temp.qpos('seq', 2)).id, (pg_temp.qpos('seq', 2)).delivered_message_id,
              pg_temp.sid('seq two'), 'queued', '2026-06-17 12:00:05+00') r $$,
  $$ values ('delivered', false) $$,
  'and the later report does not move the message back to queued');
select is((pg_temp.qpos('seq', 2)).status, 'sent', 'the row is sent');

select results_eq(
  $$ select (r ->> 'duplicate')::boolean, (r ->> 'message_id')::uuid
       from yachtparty.record_message_failed((pg_temp.qpos('seq', 3)).id, 'Twilio 21610: unsubscribed') r $$,
  $$ values (false, (pg_temp.qpos('seq', 3)).delivered_message_id) $$,
  'record_message_failed: Twilio refused the third');
select results_eq(
  $$ select q.status, m.status from yachtparty.message_queue q join yachtparty.messages m on m.id = q.delivered_message_id
      where q.id = (pg_temp.qpos('seq', 3)).id $$,
  $$ values ('failed', 'failed') $$,
  'the row and its message are failed');
select results_eq(
  $$ select aggregate_type::text, payload ->> 'error', payload ->> 'message_id' from yachtparty.events
      where event_type = 'message.send_failed' and aggregate_id = (pg_temp.qpos('seq', 3)).id $$,
  $$ values ('message_queue', 'Twilio 21610: unsubscribed', (pg_temp.qpos('seq', 3)).delivered_message_id::text) $$,
  'with a message.send_failed event carrying the error');
select is((yachtparty.record_message_failed((pg_temp.qpos('seq', 3)).id, 'again') ->> 'duplicate')::boolean, true,
  'failing it again is a duplicate');
select is((select count(*) from yachtparty.events where event_type = 'message.send_failed'
            and aggregate_id = (pg_temp.qpos('seq', 3)).id), 1::bigint, 'with no second event');
select throws_ok($$ select yachtparty.record_message_failed((pg_temp.qpos('seq', 1)).id, 'late') $$, '55000', null,
  'a sent row cannot fail');
select throws_ok($$ select yachtparty.record_message_failed(gen_random_uuid(), 'x') $$, 'P0002', null,
  'an unknown row is refused');

-- ---------------------------------------------------------------------------------------------
-- enqueue_message (July 2026, after every claim above)
-- ---------------------------------------------------------------------------------------------

select lives_ok($$ select pg_temp.add_user('enq', 'America/New_York'), pg_temp.add_user('enq-other', 'America/New_York'),
                          pg_temp.add_user('enq-off', 'America/New_York') $$,
  'three users in New York');
select lives_ok(
  $$ insert into yachtparty.user_message_budget (user_id, date, quiet_hours_enabled) values (pg_temp.uid('enq-off'), '2026-06-01', false) $$,
  'enq-off turned quiet hours off');
select results_eq(
  $$ select (r ->> 'scheduled_for')::timestamptz, r ->> 'sequence_id', r -> 'superseded_ids', jsonb_array_length(r -> 'ids'),
            r -> 'ids' ->> 0 = r ->> 'id'
       from yachtparty.enqueue_message(pg_temp.uid('enq'), 'concierge', '{"label": "noon"}', 'Lunch?', 'high',
              '2026-07-01 16:00+00') r $$,
  $$ values (timestamptz '2026-07-01 16:00+00', null::text, '[]'::jsonb, 1, true) $$,
  'a message due at noon EDT is enqueued for noon: its id, no sequence, nothing superseded');
select results_eq(
  $$ select user_id, agent_id::text, final_message, priority, status, requires_fresh_context, sequence_id,
            conversation_context_id
       from yachtparty.message_queue where id = pg_temp.q('noon') $$,
  $$ values (pg_temp.uid('enq'), 'concierge', 'Lunch?', 'high', 'queued', false, null::uuid, null::uuid) $$,
  'the row as given, queued');
select is(
  (yachtparty.enqueue_message(pg_temp.uid('enq'), 'concierge', '{"label": "small-hours"}', 'Up?',
     p_scheduled_for => '2026-07-01 07:00+00') ->> 'scheduled_for')::timestamptz,
  timestamptz '2026-07-01 12:00+00', 'one due at 03:00 EDT is moved to 08:00 local');
select is((pg_temp.qrow('small-hours')).scheduled_for, timestamptz '2026-07-01 12:00+00', 'so is the row');
select is(
  (yachtparty.enqueue_message(pg_temp.uid('enq'), 'concierge', '{"label": "evening"}', 'Late',
     p_scheduled_for => '2026-07-02 03:30+00') ->> 'scheduled_for')::timestamptz,
  timestamptz '2026-07-02 12:00+00', 'one due at 23:30 EDT is moved to 08:00 the next morning');
select is(
  (yachtparty.enqueue_message(pg_temp.uid('enq-off'), 'concierge', '{"label": "off"}', 'Up?',
     p_scheduled_for => '2026-07-01 07:00+00') ->> 'scheduled_for')::timestamptz,
  timestamptz '2026-07-01 07:00+00', 'for a user who turned quiet hours off, it stays');
select lives_ok(
  $$ select pg_temp.enqueue('enq-other', 'other-user', '2026-07-03 16:00+00'),
            yachtparty.enqueue_message(pg_temp.uid('enq'), 'bouncer', '{"label": "other-agent"}', 'Hi',
              p_scheduled_for => '2026-07-03 16:00+00') $$,
  'a row for another user, and one of another agent');

select results_eq(
  $$ select r ->> 'sequence_id' is not null, jsonb_array_length(r -> 'ids'), (r ->> 'id')::uuid = (r -> 'ids' ->> 0)::uuid
       from yachtparty.enqueue_message(pg_temp.uid('enq'), 'concierge', '{"label": "series"}',
              p_scheduled_for => '2026-07-03 16:00+00',
              p_sequence => '["a", {"final_message": "b", "message_data": {"label": "series-b"}}, {"message_data": {"label": "series-c"}}]') r $$,
  $$ values (true, 3, true) $$,
  'a sequence of three is enqueued: its id is the first row''s');
select results_eq(
  $$ select sequence_position, sequence_total, final_message, message_data ->> 'label'
       from yachtparty.message_queue
      where sequence_id = (pg_temp.qpos('series', 1)).sequence_id order by sequence_position $$,
  $$ values (1, 3, 'a', 'series'), (2, 3, 'b', 'series-b'), (3, 3, null, 'series-c') $$,
  'positions 1 to 3 of 3 sharing a sequence id; an item''s text and data, or the call''s data and no text yet');

select results_eq(
  $$ select r ->> 'id' is not null, jsonb_array_length(r -> 'superseded_ids')
       from yachtparty.enqueue_message(pg_temp.uid('enq'), 'concierge', '{"label": "newest"}', 'Forget all that',
              p_scheduled_for => '2026-07-04 16:00+00', p_supersede => true) r $$,
  $$ values (true, 6) $$,
  'p_supersede: the newest message supersedes the 6 rows still queued for the user''s concierge');
select results_eq(
  $$ select message_data ->> 'label', status, superseded_by_message_id = pg_temp.q('newest'), superseded_reason::text
       from yachtparty.message_queue
      where user_id in (pg_temp.uid('enq'), pg_temp.uid('enq-other')) and id <> pg_temp.q('newest')
      order by message_data ->> 'label' $$,
  $$ values ('evening', 'superseded', true, 'newer_message'), ('noon', 'superseded', true, 'newer_message'),
            ('other-agent', 'queued', null, null), ('other-user', 'queued', null, null),
            ('series', 'superseded', true, 'newer_message'), ('series-b', 'superseded', true, 'newer_message'),
            ('series-c', 'superseded', true, 'newer_message'), ('small-hours', 'superseded', true, 'newer_message') $$,
  'each superseded by the new row (reason newer_message); another agent''s and another user''s are left');
select is(
  jsonb_array_length(yachtparty.enqueue_message(pg_temp.uid('enq'), 'concierge', '{"label": "replacement"}',
    p_scheduled_for => '2026-07-05 16:00+00', p_supersede => true, p_superseded_reason => 'user_replied',
    p_sequence => '["x", "y"]') -> 'superseded_ids'),
  1, 'a new sequence supersedes the one older row');
select results_eq(
  $$ select status, superseded_by_message_id = (pg_temp.qpos('replacement', 1)).id, superseded_reason::text
       from yachtparty.message_queue where id = pg_temp.q('newest') $$,
  $$ values ('superseded', true, 'user_replied') $$,
  'superseded by the sequence''s first row, with the reason given');
select results_eq(
  $$ select sequence_position, status from yachtparty.message_queue
      where sequence_id = (pg_temp.qpos('replacement', 1)).sequence_id order by 1 $$,
  $$ values (1, 'queued'), (2, 'queued') $$,
  'and not its own rows');
select throws_ok($$ select yachtparty.record_message_failed(pg_temp.q('noon'), 'x') $$, '55000',
  'queued message ' || pg_temp.q('noon') || ' is not being sent (status superseded)',
  'a row that is not being sent cannot fail');

select throws_ok(
  $$ select yachtparty.enqueue_message(pg_temp.uid('enq'), 'concierge', '{}', p_sequence => '{"a": 1}') $$,
  '22023', 'p_sequence must be a non-empty JSON array', 'a sequence must be an array');
select throws_ok(
  $$ select yachtparty.enqueue_message(pg_temp.uid('enq'), 'concierge', '{}', p_sequence => '[]') $$,
  '22023', 'p_sequence must be a non-empty JSON array', 'and not empty');
select throws_ok(
  $$ select yachtparty.enqueue_message(pg_temp.uid('enq'), 'concierge', '{}', p_sequence => '[1, 2]') $$,
  '22023', 'each item of p_sequence must be a text or an object with a text final_message', 'of texts or objects');
select throws_ok(
  $$ select yachtparty.enqueue_message(pg_temp.uid('enq'), 'concierge', '{}', 'text', p_sequence => '["a"]') $$,
  '22023', 'give the texts of a sequence in p_sequence, not p_final_message', 'a sequence takes no p_final_message');
select tests.rejects(
  $$ select yachtparty.enqueue_message(gen_random_uuid(), 'concierge', '{}', 'Hi') $$,
  'message_queue_user_id_fkey', 'an unknown user is refused as the foreign key would');
select tests.rejects(
  $$ select yachtparty.enqueue_message(pg_temp.uid('enq-other'), 'concierge', '{}', 'Hi',
       p_conversation_context_id => (select id from yachtparty.conversations where user_id = pg_temp.uid('chatty'))) $$,
  'message_queue_conversation_context_id_fkey', 'a conversation of another user is refused');
select tests.rejects(
  $$ select yachtparty.enqueue_message(pg_temp.uid('enq'), 'concierge', '{}', 'Hi', 'urgent') $$,
  'message_queue_priority_check', 'an unknown priority is refused');
select tests.rejects(
  $$ select yachtparty.enqueue_message(pg_temp.uid('enq'), 'concierge', '{}', repeat('x', 1601)) $$,
  'message_queue_final_message_length', 'a text longer than Twilio takes is refused');
select throws_ok($$ select * from yachtparty.claim_due_messages(0) $$, '22023',
  'p_limit must be at least 1, not 0', 'claim_due_messages refuses a limit below 1');

select tests.clear_authentication();
select * from finish();
rollback;
