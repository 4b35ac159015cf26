-- yachtparty's SMS sender, its temporary failures (20261203002420): message_queue.send_attempts,
-- the delay rule (send_retry_delay, max_send_attempts) and defer_message: a claimed row back in
-- the queue with backoff, its claim's message gone and its budget unit given back (a single
-- row, a sequence only when all of its claim is back, a reply never), the last attempt failing
-- it, a row Twilio had after all marked sent, and who may call each. The Rust mirror of the
-- delay rule is compared with the SQL in core/tests/integration/yachtparty_messages.rs.
--
-- A claim takes every due row in the database, so the test keeps to instants of its own
-- (August 2026, after 26's), first sets aside anyone else's row due then, gives each scenario a
-- day of its own and sets aside what it leaves queued. Everything is rolled back.
begin;
select plan(124);

-- ---------------------------------------------------------------------------------------------
-- helpers for this file only (pg_temp vanishes with the session)
-- ---------------------------------------------------------------------------------------------

-- The test's users, by label; each has a phone number of its own.
create temp table people (n serial primary key, label text unique not null, id uuid);
grant select, insert, update on people to service_role;
grant usage on sequence people_n_seq to service_role;

create function pg_temp.phone(label text) returns text
language sql stable as $$
  select format('+1666%s%s', lpad((txid_current() % 10000000)::text, 7, '0'), lpad(p.n::text, 3, '0'))
    from people p where p.label = phone.label
$$;

-- A user in UTC.
create function pg_temp.add_user(label text) returns uuid
language plpgsql as $$
declare
  v_id uuid;
begin
  insert into people (label) values (add_user.label);
  insert into yachtparty.users (phone_number, first_name, timezone)
  values (pg_temp.phone(add_user.label), add_user.label, 'UTC')
  returning id into v_id;
  update people set id = v_id where people.label = add_user.label;
  return v_id;
end
$$;

create function pg_temp.uid(label text) returns uuid
language sql stable as $$ select p.id from people p where p.label = uid.label $$;

-- Queue rows by label (message_data ->> 'label'); a sequence's by label and position.
create function pg_temp.q(label text) returns uuid
language sql stable as $$ select id from yachtparty.message_queue where message_data ->> 'label' = label $$;

create function pg_temp.qrow(label text) returns yachtparty.message_queue
language sql stable as $$ select * from yachtparty.message_queue where message_data ->> 'label' = label $$;

create function pg_temp.qpos(label text, pos integer) returns yachtparty.message_queue
language sql stable as $$
  select * from yachtparty.message_queue where message_data ->> 'label' = label and sequence_position = pos
$$;

-- A message enqueued for a user's concierge, labelled; returns its id.
create function pg_temp.enqueue(who text, label text, due timestamptz) returns uuid
language sql as $$
  select (yachtparty.enqueue_message(pg_temp.uid(who), 'concierge', jsonb_build_object('label', label),
           'Message ' || label, 'medium', due) ->> 'id')::uuid
$$;

-- A sequence of three, labelled; returns its sequence id.
create function pg_temp.enqueue_sequence(who text, label text, due timestamptz) returns uuid
language sql as $$
  select (yachtparty.enqueue_message(pg_temp.uid(who), 'concierge', jsonb_build_object('label', label),
           p_scheduled_for => due, p_sequence => jsonb_build_array(label || ' one', label || ' two', label || ' three'))
          ->> 'sequence_id')::uuid
$$;

-- What each claim returned, by round.
create temp table claimed (ord serial, round text not null, id uuid, message_id uuid);
grant select, insert on claimed to service_role;
grant usage on sequence claimed_ord_seq to service_role;

-- Runs a claim as a round; returns how many rows it claimed (anyone's).
create function pg_temp.claim(round text, at timestamptz) returns integer
language plpgsql as $$
declare
  n integer;
begin
  insert into claimed (round, id, message_id)
  select claim.round, c.id, c.message_id from yachtparty.claim_due_messages(50, at) c;
  get diagnostics n = row_count;
  return n;
end
$$;

-- The outbound message a round's claim created for a queue row.
create function pg_temp.claimed_message(round text, queue_id uuid) returns uuid
language sql stable as $$ select c.message_id from claimed c where c.round = claimed_message.round and c.id = queue_id $$;

-- The day's messages_sent of a user.
create function pg_temp.sent_on(who text, day date) returns integer
language sql stable as $$
  select b.messages_sent from yachtparty.user_message_budget b where b.user_id = pg_temp.uid(who) and b.date = day
$$;

-- A deferral's result, as a row to compare.
create function pg_temp.defer(queue_id uuid, at timestamptz, retry_after integer default null)
returns table (deferred boolean, failed boolean, sent boolean, duplicate boolean, attempts integer,
               scheduled_for timestamptz, refunded boolean)
language sql as $$
  select (r ->> 'deferred')::boolean, (r ->> 'failed')::boolean, (r ->> 'sent')::boolean,
         (r ->> 'duplicate')::boolean, (r ->> 'attempts')::integer, (r ->> 'scheduled_for')::timestamptz,
         (r ->> 'refunded')::boolean
    from yachtparty.defer_message(queue_id, 'twilio 20429: Too Many Requests', retry_after, at) r
$$;

-- A claim at `at` as a round, then the deferral of a row 5 s later: how many rows the claim
-- took, and whether the row was deferred.
create function pg_temp.claim_and_defer(label text, round text, at timestamptz, out claimed integer, out deferred boolean)
language plpgsql as $$
begin
  claimed := pg_temp.claim(round, at);
  select d.deferred into deferred from pg_temp.defer(pg_temp.q(label), at + interval '5 seconds') d;
end
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
-- the column and the functions: what they are, and who may use them
-- ---------------------------------------------------------------------------------------------

select * from tests.column_is('yachtparty', 'message_queue', 'send_attempts', 'integer', true, '0');
select is((select pg_get_constraintdef(oid) from pg_constraint where conname = 'message_queue_send_attempts_range'),
  'CHECK ((send_attempts >= 0))', 'message_queue_send_attempts_range keeps it at least 0');
select is(col_description('yachtparty.message_queue'::regclass,
            (select attnum from pg_attribute where attrelid = 'yachtparty.message_queue'::regclass and attname = 'send_attempts')),
  'Temporary send failures so far; the sender''s backoff grows with it.', 'send_attempts says what it counts');
select results_eq(
  $$ select r, p, has_column_privilege(r, 'yachtparty.message_queue', 'send_attempts', p)
       from unnest(array['anon', 'authenticated', 'service_role']) r, unnest(array['SELECT', 'INSERT', 'UPDATE']) p
      order by r, p $$,
  $$ values ('anon', 'INSERT', false), ('anon', 'SELECT', false), ('anon', 'UPDATE', false),
            ('authenticated', 'INSERT', false), ('authenticated', 'SELECT', false), ('authenticated', 'UPDATE', false),
            ('service_role', 'INSERT', true), ('service_role', 'SELECT', true), ('service_role', 'UPDATE', true) $$,
  'the service role reads and writes send_attempts as every other column; anon and authenticated nothing');

select function_returns('yachtparty', 'max_send_attempts', array[]::text[], 'integer');
select function_returns('yachtparty', 'send_retry_delay', array['integer', 'integer'], 'interval');
select function_returns('yachtparty', 'defer_message', array['uuid', 'text', 'integer', 'timestamp with time zone'], 'jsonb');
select volatility_is('yachtparty', 'send_retry_delay', array['integer', 'integer'], 'immutable',
  'send_retry_delay is immutable');
select * from pg_temp.only_service_role_runs('max_send_attempts', array[]::text[]);
select * from pg_temp.only_service_role_runs('send_retry_delay', array['integer', 'integer']);
select * from pg_temp.only_service_role_runs('defer_message', array['uuid', 'text', 'integer', 'timestamp with time zone']);

select tests.create_supabase_user('alice');
select tests.authenticate_as('alice');
select throws_ok($$ select yachtparty.defer_message(gen_random_uuid(), 'x') $$, '42501',
  'permission denied for function defer_message', 'a signed-in user cannot defer a message');
select tests.authenticate_as_anon();
select throws_ok($$ select yachtparty.send_retry_delay(1) $$, '42501',
  'permission denied for function send_retry_delay', 'anon cannot run the delay rule');
select tests.clear_authentication();

-- ---------------------------------------------------------------------------------------------
-- the delay rule (rowgate-core's yachtparty::sending mirrors it; the Rust test compares more)
-- ---------------------------------------------------------------------------------------------

select tests.authenticate_as_service_role();

select is(yachtparty.max_send_attempts(), 6, 'a row fails at its 6th temporary failure');
select results_eq(
  $$ select n, yachtparty.send_retry_delay(n) from generate_series(1, 8) n order by n $$,
  $$ values (1, interval '30 seconds'), (2, interval '1 minute'), (3, interval '2 minutes'), (4, interval '4 minutes'),
            (5, interval '8 minutes'), (6, interval '16 minutes'), (7, interval '32 minutes'), (8, interval '1 hour') $$,
  'without Retry-After: 30 s doubling from the first failure, 1 hour at most (the 8th would be 64 minutes)');
select results_eq(
  $$ select n, yachtparty.send_retry_delay(n, 45) from generate_series(1, 8) n order by n $$,
  $$ values (1, interval '45 seconds'), (2, interval '1 minute'), (3, interval '2 minutes'), (4, interval '4 minutes'),
            (5, interval '8 minutes'), (6, interval '16 minutes'), (7, interval '32 minutes'), (8, interval '1 hour') $$,
  'a Retry-After of 45 s is a floor: it lengthens only the first, shorter wait');
select results_eq(
  $$ select n, yachtparty.send_retry_delay(n, 600) from generate_series(1, 8) n order by n $$,
  $$ values (1, interval '10 minutes'), (2, interval '10 minutes'), (3, interval '10 minutes'), (4, interval '10 minutes'),
            (5, interval '10 minutes'), (6, interval '16 minutes'), (7, interval '32 minutes'), (8, interval '1 hour') $$,
  'a Retry-After of 10 minutes holds until the backoff outgrows it');
select results_eq(
  $$ select n, yachtparty.send_retry_delay(n, 7200) from generate_series(1, 8) n order by n $$,
  $$ select n, interval '1 hour' from generate_series(1, 8) n $$,
  'a Retry-After of 2 hours is taken as 1 hour: the cap holds for it too');
select results_eq(
  $$ select yachtparty.send_retry_delay(0), yachtparty.send_retry_delay(0, 45), yachtparty.send_retry_delay(3, 0),
            yachtparty.send_retry_delay(1000), yachtparty.send_retry_delay(2147483647, 2147483647) $$,
  $$ values (interval '0', interval '45 seconds', interval '2 minutes', interval '1 hour', interval '1 hour') $$,
  'no failure yet: no backoff, only Retry-After; a Retry-After of 0 changes nothing; any count is capped without overflow');
select is(yachtparty.send_retry_delay(null, 45), null, 'no count, no delay');
select throws_ok($$ select yachtparty.send_retry_delay(-1) $$, '22023', 'p_attempts cannot be negative: -1',
  'a negative count is refused');
select throws_ok($$ select yachtparty.send_retry_delay(1, -5) $$, '22023', 'p_retry_after_seconds cannot be negative: -5',
  'as is a negative Retry-After');

-- Everyone else's queued row is set aside for the test's duration (rolled back with it): the
-- database may hold rows of the end-to-end and concurrency tests of earlier runs, rescheduled
-- to any date, and the claims and counts below must see only the test's own.
select lives_ok(
  $$ update yachtparty.message_queue set status = 'failed' where status = 'queued' $$,
  'no one else''s queued row is in the way');

-- ---------------------------------------------------------------------------------------------
-- a single row (2026-08-03, UTC, the default 5 a day and 2 an hour)
-- ---------------------------------------------------------------------------------------------

select lives_ok($$ select pg_temp.add_user('single') $$, 'a user in UTC');
select lives_ok($$ select pg_temp.enqueue('single', 'one', '2026-08-03 09:00+00') $$, 'with a message due at 09:00');
select is(pg_temp.claim('single-1', '2026-08-03 10:00+00'), 1, 'claimed at 10:00');
select is(pg_temp.sent_on('single', '2026-08-03'), 1, 'counting one against the day');
select lives_ok(
  $$ update yachtparty.conversations set last_summary_message_id = pg_temp.claimed_message('single-1', pg_temp.q('one'))
      where user_id = pg_temp.uid('single') $$,
  'the conversation''s summary happens to point at the claim''s message');
select results_eq(
  $$ select * from pg_temp.defer(pg_temp.q('one'), '2026-08-03 10:00:05+00') $$,
  $$ values (true, false, false, false, 1, timestamptz '2026-08-03 10:00:35+00', true) $$,
  'Twilio answers 429: deferred, attempt 1, due again 30 s later, the budget given back');
select results_eq(
  $$ select status, scheduled_for, send_attempts, delivered_message_id, sent_at from yachtparty.message_queue
      where id = pg_temp.q('one') $$,
  $$ values ('queued', timestamptz '2026-08-03 10:00:35+00', 1, null::uuid, null::timestamptz) $$,
  'the row is queued again, with its attempt, linked to no message');
select is((select count(*) from yachtparty.messages where id = pg_temp.claimed_message('single-1', pg_temp.q('one'))),
  0::bigint, 'the claim''s outbound message, never sent, is gone');
select is((select last_summary_message_id from yachtparty.conversations where user_id = pg_temp.uid('single')), null,
  'and the conversation''s reference to it let go (on delete set null)');
select is(pg_temp.sent_on('single', '2026-08-03'), 0, 'the day''s count is given back');
select is(pg_temp.claim('single-early', '2026-08-03 10:00:30+00'), 0, 'a claim at 10:00:30 does not take it yet');
select is(pg_temp.claim('single-2', '2026-08-03 10:00:35+00'), 1, 'one at 10:00:35 does');
select results_eq(
  $$ select q.status, q.send_attempts, q.delivered_message_id = c.message_id, m.status, m.created_at
       from yachtparty.message_queue q join claimed c on c.id = q.id and c.round = 'single-2'
       join yachtparty.messages m on m.id = c.message_id
      where q.id = pg_temp.q('one') $$,
  $$ values ('processing', 1, true, 'queued', timestamptz '2026-08-03 10:00:35+00') $$,
  'processing again, keeping its attempt, with a new outbound message');
select is(pg_temp.sent_on('single', '2026-08-03'), 1, 'counting one again');
select results_eq(
  $$ select * from pg_temp.defer(pg_temp.q('one'), '2026-08-03 10:01+00', 300) $$,
  $$ values (true, false, false, false, 2, timestamptz '2026-08-03 10:06+00', true) $$,
  'a second 429 with Retry-After 300: attempt 2, due after 5 minutes rather than 1');
select throws_ok($$ select yachtparty.defer_message(pg_temp.q('one'), 'again', null, '2026-08-03 10:02+00') $$, '55000',
  'queued message ' || pg_temp.q('one') || ' is not being sent (status queued)',
  'deferring a row that is back in the queue is refused');
select throws_ok($$ select yachtparty.record_message_failed(pg_temp.q('one'), 'late') $$, '55000', null,
  'and it is no longer the sender''s to fail');
select is(pg_temp.set_aside(), 1, 'the row is set aside');

-- ---------------------------------------------------------------------------------------------
-- the last attempt fails the row (2026-08-04, UTC, the default 2 an hour)
-- ---------------------------------------------------------------------------------------------

select lives_ok($$ select pg_temp.add_user('stubborn') $$, 'a user in UTC');
select lives_ok($$ select pg_temp.enqueue('stubborn', 'busy', '2026-08-04 09:00+00') $$, 'with a message due at 09:00');
select results_eq(
  $$ select k, c.claimed, c.deferred from generate_series(1, 5) k,
            lateral pg_temp.claim_and_defer('busy', 'busy-' || k,
              '2026-08-04 10:00+00'::timestamptz + (k - 1) * interval '10 minutes') c order by k $$,
  $$ values (1, 1, true), (2, 1, true), (3, 1, true), (4, 1, true), (5, 1, true) $$,
  'claimed and deferred five times, ten minutes apart (the hour''s limit of 2 never holds it: each unit is given back)');
select results_eq(
  $$ select send_attempts, scheduled_for from yachtparty.message_queue where id = pg_temp.q('busy') $$,
  $$ values (5, timestamptz '2026-08-04 10:48:05+00') $$,
  'five attempts; the fifth waits 8 minutes');
select is(pg_temp.sent_on('stubborn', '2026-08-04'), 0, 'and the day''s count is back to nothing');
select is(pg_temp.claim('busy-6', '2026-08-04 10:50+00'), 1, 'a sixth claim');
select results_eq(
  $$ select (r ->> 'deferred')::boolean, (r ->> 'failed')::boolean, (r ->> 'duplicate')::boolean, (r ->> 'attempts')::integer,
            r ->> 'scheduled_for', (r ->> 'refunded')::boolean, r ->> 'event_id' is not null
       from yachtparty.defer_message(pg_temp.q('busy'), 'twilio 20500: Internal Server Error', null, '2026-08-04 10:50:05+00') r $$,
  $$ values (false, true, false, 6, null::text, false, true) $$,
  'the sixth temporary failure fails it, with an event, giving nothing back');
select results_eq(
  $$ select q.status, q.send_attempts, m.status from yachtparty.message_queue q
       join yachtparty.messages m on m.id = q.delivered_message_id
      where q.id = pg_temp.q('busy') and q.delivered_message_id = pg_temp.claimed_message('busy-6', q.id) $$,
  $$ values ('failed', 6, 'failed') $$,
  'the row and its (sixth) outbound message are failed, as record_message_failed leaves them');
select results_eq(
  $$ select aggregate_type::text, created_by::text, payload ->> 'error', (payload ->> 'attempts')::integer,
            (payload ->> 'message_id')::uuid = pg_temp.claimed_message('busy-6', pg_temp.q('busy')),
            (payload ->> 'user_id')::uuid = pg_temp.uid('stubborn')
       from yachtparty.events where event_type = 'message.send_failed' and aggregate_id = pg_temp.q('busy') $$,
  $$ values ('message_queue', 'defer_message', 'twilio 20500: Internal Server Error', 6, true, true) $$,
  'a message.send_failed event with the error and the attempts');
select is(pg_temp.sent_on('stubborn', '2026-08-04'), 1, 'the failed unit keeps its count, as record_message_failed''s do');
select results_eq(
  $$ select * from pg_temp.defer(pg_temp.q('busy'), '2026-08-04 10:51+00') $$,
  $$ values (false, true, false, true, 6, null::timestamptz, false) $$,
  'deferring the failed row again is a duplicate');
select is((yachtparty.record_message_failed(pg_temp.q('busy'), 'again') ->> 'duplicate')::boolean, true,
  'as failing it is');
select is((select count(*) from yachtparty.events where event_type = 'message.send_failed' and aggregate_id = pg_temp.q('busy')),
  1::bigint, 'with no second event');
select is(pg_temp.claim('busy-7', '2026-08-04 12:00+00'), 0, 'and a failed row is never claimed again');

-- ---------------------------------------------------------------------------------------------
-- sequences (2026-08-05, UTC, 10 an hour): a unit is given back only when all of it is back
-- ---------------------------------------------------------------------------------------------

select lives_ok($$ select pg_temp.add_user('seq'), pg_temp.add_user('seq-all') $$, 'two users in UTC');
select lives_ok(
  $$ insert into yachtparty.user_message_budget (user_id, date, hourly_limit)
     values (pg_temp.uid('seq'), '2026-08-05', 10), (pg_temp.uid('seq-all'), '2026-08-05', 10) $$,
  'with 10 messages an hour');
select lives_ok(
  $$ select pg_temp.enqueue_sequence('seq', 'seq', '2026-08-05 09:00+00'),
            pg_temp.enqueue_sequence('seq-all', 'all', '2026-08-05 09:00+00') $$,
  'a sequence of three for each, due at 09:00');
select is(pg_temp.claim('seq-1', '2026-08-05 10:00+00'), 6, 'both claimed whole at 10:00');
select results_eq(
  $$ select pg_temp.sent_on('seq', '2026-08-05'), pg_temp.sent_on('seq-all', '2026-08-05') $$,
  $$ values (1, 1) $$, 'each counting once');

-- seq: the first goes out, the second gets a 503, the sender holds back the third.
select is(
  (yachtparty.record_message_sent((pg_temp.qpos('seq', 1)).id, (pg_temp.qpos('seq', 1)).delivered_message_id,
     pg_temp.sid('seq one'), 'queued', '2026-08-05 10:00:02+00') ->> 'duplicate')::boolean,
  false, 'the first position is sent');
select results_eq(
  $$ select * from pg_temp.defer((pg_temp.qpos('seq', 2)).id, '2026-08-05 10:00:04+00') $$,
  $$ values (true, false, false, false, 1, timestamptz '2026-08-05 10:00:34+00', false) $$,
  'the second is deferred: the first went out, so the unit is not given back');
select results_eq(
  $$ select * from pg_temp.defer((pg_temp.qpos('seq', 3)).id, '2026-08-05 10:00:04+00') $$,
  $$ values (true, false, false, false, 1, timestamptz '2026-08-05 10:00:34+00', false) $$,
  'nor when the third follows it');
select results_eq(
  $$ select sequence_position, status, send_attempts, delivered_message_id is not null
       from yachtparty.message_queue where message_data ->> 'label' = 'seq' order by 1 $$,
  $$ values (1, 'sent', 0, true), (2, 'queued', 1, false), (3, 'queued', 1, false) $$,
  'the first stays sent; the second and third wait, each with its attempt');
select is((select count(*) from yachtparty.messages m join claimed c on c.message_id = m.id
            where c.round = 'seq-1' and m.user_id = pg_temp.uid('seq')),
  1::bigint, 'of the claim''s three messages only the sent one is left');
select is(pg_temp.sent_on('seq', '2026-08-05'), 1, 'the day still counts the unit');

-- seq-all: all three are deferred (a 429 on the first, the rest held back).
select results_eq(
  $$ select k, d.refunded from generate_series(1, 3) k,
            lateral pg_temp.defer((pg_temp.qpos('all', k)).id, '2026-08-05 10:00:06+00', 60) d order by k $$,
  $$ values (1, false), (2, false), (3, true) $$,
  'all three deferred in turn: the last one back gives the unit back, once');
select is(pg_temp.sent_on('seq-all', '2026-08-05'), 0, 'the day''s count is back to nothing');
select results_eq(
  $$ select sequence_position, status, scheduled_for, send_attempts from yachtparty.message_queue
      where message_data ->> 'label' = 'all' order by 1 $$,
  $$ values (1, 'queued', timestamptz '2026-08-05 10:01:06+00', 1), (2, 'queued', timestamptz '2026-08-05 10:01:06+00', 1),
            (3, 'queued', timestamptz '2026-08-05 10:01:06+00', 1) $$,
  'all three wait, due together (Retry-After 60)');

-- Both come back at 10:02: seq's remainder is a unit of its own, then it is deferred whole.
select is(pg_temp.claim('seq-2', '2026-08-05 10:02+00'), 5, 'at 10:02 seq''s two left and seq-all''s three are claimed');
select results_eq(
  $$ select pg_temp.sent_on('seq', '2026-08-05'), pg_temp.sent_on('seq-all', '2026-08-05') $$,
  $$ values (2, 1) $$, 'seq''s remainder counts as a new unit, seq-all''s sequence again as one');
select results_eq(
  $$ select k, d.attempts, d.refunded from generate_series(2, 3) k,
            lateral pg_temp.defer((pg_temp.qpos('seq', k)).id, '2026-08-05 10:02:05+00') d order by k $$,
  $$ values (2, 2, false), (3, 2, true) $$,
  'deferring both of that claim gives its unit back, though the first position (an earlier claim''s) stays sent');
select is(pg_temp.sent_on('seq', '2026-08-05'), 1, 'leaving the first claim''s unit');
select is(pg_temp.set_aside(), 2, 'seq''s two rows are set aside');

-- ---------------------------------------------------------------------------------------------
-- a reply (2026-08-06, UTC): counted nothing, gives nothing back
-- ---------------------------------------------------------------------------------------------

select lives_ok($$ select pg_temp.add_user('chatty') $$, 'a user in UTC');
select lives_ok(
  $$ insert into yachtparty.user_message_budget (user_id, date, daily_limit, messages_sent)
     values (pg_temp.uid('chatty'), '2026-08-06', 1, 1) $$,
  'who has used the day''s only message');
select lives_ok(
  $$ select yachtparty.receive_sms(pg_temp.sid('chatty-in'), 'AC1', pg_temp.phone('chatty'), '+15005550006', 'well?',
       0, null, '2026-08-06 09:58+00') $$,
  'and texted in at 09:58');
select lives_ok(
  $$ select yachtparty.enqueue_message(pg_temp.uid('chatty'), 'concierge', '{"label": "reply"}', 'Here you go',
       p_scheduled_for => '2026-08-06 09:59+00',
       p_conversation_context_id => (select id from yachtparty.conversations where user_id = pg_temp.uid('chatty'))) $$,
  'a reply is enqueued');
select is(pg_temp.claim('reply-1', '2026-08-06 10:00+00'), 1, 'and claimed at 10:00 as a reply');
select results_eq(
  $$ select * from pg_temp.defer(pg_temp.q('reply'), '2026-08-06 10:00:05+00') $$,
  $$ values (true, false, false, false, 1, timestamptz '2026-08-06 10:00:35+00', false) $$,
  'deferred: a reply gives nothing back');
select is(pg_temp.sent_on('chatty', '2026-08-06'), 1, 'the day''s count is untouched');
select is(pg_temp.claim('reply-2', '2026-08-06 10:00:35+00'), 1,
  'due again while the user is still active, it is claimed as a reply again, past the used-up day');
select is(pg_temp.sent_on('chatty', '2026-08-06'), 1, 'still counting nothing');
select is((select status from yachtparty.message_queue where id = pg_temp.q('reply')), 'processing', 'it is being sent');

-- ---------------------------------------------------------------------------------------------
-- Twilio had it after all (2026-08-07, UTC): a status callback brought the SID
-- ---------------------------------------------------------------------------------------------

select lives_ok($$ select pg_temp.add_user('raced') $$, 'a user in UTC');
select lives_ok($$ select pg_temp.enqueue('raced', 'raced', '2026-08-07 09:00+00'),
                          pg_temp.enqueue('raced', 'raced-later', '2026-08-07 09:00+00') $$,
  'with two messages due at 09:00');
select lives_ok(
  $$ insert into yachtparty.user_message_budget (user_id, date, hourly_limit) values (pg_temp.uid('raced'), '2026-08-07', 10) $$,
  'with 10 an hour');
select is(pg_temp.claim('raced', '2026-08-07 10:00+00'), 2, 'claimed at 10:00');
select is(
  yachtparty.record_sms_status((pg_temp.qrow('raced')).delivered_message_id, pg_temp.sid('raced'), 'sent', null,
    '2026-08-07 10:00:02+00') ->> 'status',
  'sent', 'a status callback says the first was sent, though the sender''s request answered 503');
select results_eq(
  $$ select * from pg_temp.defer(pg_temp.q('raced'), '2026-08-07 10:00:05+00') $$,
  $$ values (false, false, true, false, 0, null::timestamptz, false) $$,
  'defer_message does not requeue it: it says sent, no attempt counted, nothing given back');
select results_eq(
  $$ select q.status, q.sent_at, q.send_attempts, m.twilio_message_sid::text, m.status, m.sent_at
       from yachtparty.message_queue q join yachtparty.messages m on m.id = q.delivered_message_id
      where q.id = pg_temp.q('raced') and m.id = pg_temp.claimed_message('raced', q.id) $$,
  $$ values ('sent', timestamptz '2026-08-07 10:00:02+00', 0, pg_temp.sid('raced'), 'sent', timestamptz '2026-08-07 10:00:02+00') $$,
  'the row is sent when the callback says, and keeps its message');
select is(pg_temp.sent_on('raced', '2026-08-07'), 2, 'the day counts both');
select throws_ok($$ select yachtparty.defer_message(pg_temp.q('raced'), 'again', null, '2026-08-07 10:01+00') $$, '55000',
  'queued message ' || pg_temp.q('raced') || ' is not being sent (status sent)', 'a sent row cannot be deferred');
select is(
  (yachtparty.record_message_sent(pg_temp.q('raced'), (pg_temp.qrow('raced')).delivered_message_id, pg_temp.sid('raced'),
     'sent', '2026-08-07 10:01+00') ->> 'duplicate')::boolean,
  true, 'and a late record_message_sent is a duplicate');
select lives_ok(
  $$ select yachtparty.record_sms_status((pg_temp.qrow('raced-later')).delivered_message_id, null, 'failed', '30003',
       '2026-08-07 10:00:03+00') $$,
  'a callback without a SID moves the second''s message on (failed)');
select is((select d.sent from pg_temp.defer(pg_temp.q('raced-later'), '2026-08-07 10:00:05+00') d), true,
  'a message a callback moved past queued is not requeued either');
select is((select status from yachtparty.message_queue where id = pg_temp.q('raced-later')), 'sent',
  'it is sent: Twilio had it');

-- ---------------------------------------------------------------------------------------------
-- rows the sender does not hold
-- ---------------------------------------------------------------------------------------------

select lives_ok($$ select pg_temp.add_user('idle') $$, 'a user in UTC');
select lives_ok($$ select pg_temp.enqueue('idle', 'waiting', '2026-08-08 09:00+00') $$, 'with a row still queued');
select throws_ok($$ select yachtparty.defer_message(pg_temp.q('waiting'), 'x', null, '2026-08-08 10:00+00') $$, '55000',
  'queued message ' || pg_temp.q('waiting') || ' is not being sent (status queued)', 'a row never claimed cannot be deferred');
select is((pg_temp.qrow('waiting')).send_attempts, 0, 'and counts no attempt');
select lives_ok(
  $$ select yachtparty.enqueue_message(pg_temp.uid('idle'), 'concierge', '{"label": "newer"}', 'Newer',
       p_scheduled_for => '2026-08-08 09:00+00', p_supersede => true) $$,
  'a newer message supersedes it');
select throws_ok($$ select yachtparty.defer_message(pg_temp.q('waiting'), 'x') $$, '55000',
  'queued message ' || pg_temp.q('waiting') || ' is not being sent (status superseded)', 'nor a superseded row');
select throws_ok($$ select yachtparty.defer_message(gen_random_uuid(), 'x') $$, 'P0002', null, 'an unknown row is refused');
select throws_ok($$ select yachtparty.defer_message(pg_temp.q('newer'), 'x', -1) $$, '22023',
  'p_retry_after_seconds cannot be negative: -1', 'as is a negative Retry-After');
select tests.rejects($$ update yachtparty.message_queue set send_attempts = -1 where id = pg_temp.q('newer') $$,
  'message_queue_send_attempts_range', 'a negative attempt count is refused');
select is(pg_temp.set_aside(), 1, 'the newer row is set aside');

select tests.clear_authentication();
select * from finish();
rollback;
