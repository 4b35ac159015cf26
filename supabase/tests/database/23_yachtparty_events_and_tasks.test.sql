-- yachtparty's event store and agent task queue (20261203002100): the NOTIFY trigger, the
-- append-only guard, claim_events, and the pull queue's claim / complete / fail / requeue and
-- its announcer, with who may call each; and §7 check 3 as far as one session can run it (the
-- concurrent claims are in core/tests/integration/yachtparty_queue.rs).
--
-- These functions act on every row in the database, so the test keeps to an instant of its
-- own: its events are written in 1990 and claimed oldest first, and its tasks are due in 1990
-- and claimed with p_now in 1990, when no one else's are due. Everything is rolled back.
begin;
select plan(142);

-- ---------------------------------------------------------------------------------------------
-- helpers for this file only, in pg_temp so that they vanish with the session (the shared ones
-- are tests.*, installed by 000_setup_test_helpers)
-- ---------------------------------------------------------------------------------------------

-- The test's "now".
create function pg_temp.t0() returns timestamptz
language sql immutable as $$ select timestamptz '1990-06-01 12:00:00+00' $$;

-- Who may run a function: the service role only, or no API role at all (trigger functions).
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

create function pg_temp.no_api_role_runs(fn name) returns setof text
language plpgsql as $$
begin
  return next function_privs_are('yachtparty', fn, array[]::text[], 'anon', array[]::text[],
    format('anon cannot run yachtparty.%s', fn));
  return next function_privs_are('yachtparty', fn, array[]::text[], 'authenticated', array[]::text[],
    format('authenticated cannot run yachtparty.%s', fn));
  return next function_privs_are('yachtparty', fn, array[]::text[], 'service_role', array[]::text[],
    format('the service role cannot run yachtparty.%s (the trigger fires anyway)', fn));
end
$$;

-- The test's events, by label (payload ->> 'label').
create function pg_temp.event(label text) returns uuid
language sql stable as $$ select id from yachtparty.events where payload ->> 'label' = label $$;

-- The test's tasks, by label (context_json ->> 'label').
create function pg_temp.task(label text) returns uuid
language sql stable as $$ select id from yachtparty.agent_tasks where context_json ->> 'label' = label $$;

create function pg_temp.task_row(label text) returns yachtparty.agent_tasks
language sql stable as $$ select * from yachtparty.agent_tasks where context_json ->> 'label' = label $$;

-- A pending task due at `due`, of agent type `agent`, labelled.
create function pg_temp.add_task(label text, agent text, due timestamptz, prio text default 'medium',
                                 max_retries integer default 3) returns void
language sql as $$
  insert into yachtparty.agent_tasks (task_type, agent_type, scheduled_for, priority, max_retries, context_json, created_by)
  values ('pgtap_check', agent, due, prio, max_retries, jsonb_build_object('label', label), 'pgtap')
$$;

-- Ids claimed by the rounds of §7 check 3.
create temp table claimed (round integer not null, id uuid not null);
grant select, insert on claimed to service_role;

-- ---------------------------------------------------------------------------------------------
-- the functions: what they return, and who may run them
-- ---------------------------------------------------------------------------------------------

select function_returns('yachtparty', 'claim_events', array['integer', 'text[]'], 'setof yachtparty.events');
select function_returns('yachtparty', 'claim_agent_tasks', array['text', 'integer', 'timestamp with time zone'], 'setof yachtparty.agent_tasks');
select function_returns('yachtparty', 'complete_agent_task', array['uuid', 'jsonb', 'timestamp with time zone'], 'yachtparty.agent_tasks');
select function_returns('yachtparty', 'fail_agent_task', array['uuid', 'text', 'timestamp with time zone'], 'yachtparty.agent_tasks');
select function_returns('yachtparty', 'requeue_stuck_agent_tasks', array['interval', 'timestamp with time zone'], 'integer');
select function_returns('yachtparty', 'dispatch_due_agent_tasks', array['integer', 'timestamp with time zone'], 'integer');
select * from pg_temp.only_service_role_runs('claim_events', array['integer', 'text[]']);
select * from pg_temp.only_service_role_runs('claim_agent_tasks', array['text', 'integer', 'timestamp with time zone']);
select * from pg_temp.only_service_role_runs('complete_agent_task', array['uuid', 'jsonb', 'timestamp with time zone']);
select * from pg_temp.only_service_role_runs('fail_agent_task', array['uuid', 'text', 'timestamp with time zone']);
select * from pg_temp.only_service_role_runs('requeue_stuck_agent_tasks', array['interval', 'timestamp with time zone']);
select * from pg_temp.only_service_role_runs('dispatch_due_agent_tasks', array['integer', 'timestamp with time zone']);
select * from pg_temp.only_service_role_runs('agent_task_log_line', array['timestamp with time zone', 'integer', 'text']);
select * from pg_temp.no_api_role_runs('notify_event');
select * from pg_temp.no_api_role_runs('append_only');

select tests.create_supabase_user('alice');
select tests.authenticate_as('alice');
select throws_ok($$ select * from yachtparty.claim_agent_tasks(null, 1, pg_temp.t0()) $$, '42501',
  'permission denied for function claim_agent_tasks', 'a signed-in user cannot claim tasks');
select throws_ok($$ select * from yachtparty.claim_events(1) $$, '42501',
  'permission denied for function claim_events', 'a signed-in user cannot claim events');
select tests.authenticate_as_anon();
select throws_ok($$ select yachtparty.requeue_stuck_agent_tasks() $$, '42501',
  'permission denied for function requeue_stuck_agent_tasks', 'anon cannot requeue tasks');
select tests.clear_authentication();

-- The backend's tables: no API role but the service role has any privilege on them.
select table_privs_are('yachtparty', 'events', 'authenticated', array[]::text[], 'authenticated has no privilege on events');
select table_privs_are('yachtparty', 'events', 'anon', array[]::text[], 'anon has no privilege on events');
select table_privs_are('yachtparty', 'agent_tasks', 'authenticated', array[]::text[], 'authenticated has no privilege on agent_tasks');
select table_privs_are('yachtparty', 'agent_tasks', 'anon', array[]::text[], 'anon has no privilege on agent_tasks');
select is(
  has_any_column_privilege('authenticated', 'yachtparty.events', 'select, insert, update, references')
    or has_any_column_privilege('authenticated', 'yachtparty.agent_tasks', 'select, insert, update, references'),
  false,
  'nor on any of their columns');

-- ---------------------------------------------------------------------------------------------
-- events: the NOTIFY trigger
-- ---------------------------------------------------------------------------------------------

select trigger_is('yachtparty', 'events', 'events_notify', 'yachtparty', 'notify_event',
  'an inserted event is announced by notify_event');
select lives_ok(
  $$ insert into yachtparty.events (event_type, payload, created_at)
     values ('pgtap.big_payload', jsonb_build_object('label', 'big', 'body', repeat('x', 10000)), timestamptz '1989-01-01') $$,
  'an event with a 10 000-byte payload is stored: the NOTIFY carries only its id and type (8000 bytes would fail the insert)');
-- What a listener receives is read in core/tests/integration/yachtparty_queue.rs (a NOTIFY is
-- delivered on commit, which a rolled-back test never reaches).

-- ---------------------------------------------------------------------------------------------
-- events: claim_events (at-most-once, oldest first)
-- ---------------------------------------------------------------------------------------------

select lives_ok(
  $$ insert into yachtparty.events (event_type, payload, processed, created_at)
     values ('pgtap.done', '{"label": "done"}', true, timestamptz '1990-01-01 00:00:00+00'),
            ('pgtap.alpha', '{"label": "a1"}', false, timestamptz '1990-01-01 00:00:01+00'),
            ('pgtap.beta', '{"label": "b1"}', false, timestamptz '1990-01-01 00:00:02+00'),
            ('pgtap.alpha', '{"label": "a2"}', false, timestamptz '1990-01-01 00:00:03+00'),
            ('pgtap.beta', '{"label": "b2"}', false, timestamptz '1990-01-01 00:00:04+00'),
            ('pgtap.gamma', '{"label": "c1"}', false, timestamptz '1990-01-01 00:00:05+00') $$,
  'six events of 1990: one already processed, then a1, b1, a2, b2, c1');

select tests.authenticate_as_service_role();
select results_eq(
  $$ select payload ->> 'label', processed from yachtparty.claim_events(2)
      where payload ->> 'label' in ('big', 'a1', 'b1', 'a2', 'b2', 'c1', 'done') $$,
  $$ values ('big', true), ('a1', true) $$,
  'claim_events(2) hands out the two oldest unprocessed events, marked processed, oldest first');
select results_eq(
  $$ select payload ->> 'label' from yachtparty.claim_events(10, array['pgtap.beta', 'pgtap.gamma']) $$,
  $$ values ('b1'), ('b2'), ('c1') $$,
  'claim_events with types hands out only events of those types');
select is_empty(
  $$ select * from yachtparty.claim_events(10, array['pgtap.beta', 'pgtap.gamma']) $$,
  'an event is handed out once only: claiming those types again finds nothing');
select results_eq(
  $$ select payload ->> 'label' from yachtparty.claim_events(10, array['pgtap.alpha', 'pgtap.done']) $$,
  $$ values ('a2') $$,
  'a processed event is never handed out, and a claimed one not again');
select tests.clear_authentication();
select results_eq(
  $$ select payload ->> 'label' from yachtparty.events
      where payload ->> 'label' in ('a1', 'a2', 'b1', 'b2', 'c1', 'done', 'big') and processed order by created_at $$,
  $$ values ('big'), ('done'), ('a1'), ('b1'), ('a2'), ('b2'), ('c1') $$,
  'every event handed out is stored as processed');

select throws_ok($$ select * from yachtparty.claim_events(0) $$, '22023',
  'p_limit must be at least 1, not 0', 'claim_events refuses a limit below 1');
select throws_ok($$ select * from yachtparty.claim_events(null) $$, '22023',
  'p_limit must be at least 1, not null', 'claim_events refuses a null limit');

-- ---------------------------------------------------------------------------------------------
-- events: append-only but for processed (SQLSTATE 42501)
-- ---------------------------------------------------------------------------------------------

select trigger_is('yachtparty', 'events', 'events_append_only', 'yachtparty', 'append_only',
  'events are guarded by append_only');
select lives_ok(
  $$ insert into yachtparty.events (event_type, payload, created_at)
     values ('pgtap.guard', '{"label": "g1"}', timestamptz '1989-06-01'),
            ('pgtap.guard', '{"label": "g2"}', timestamptz '1989-06-01') $$,
  'two unprocessed events to guard');
select throws_ok(
  $$ update yachtparty.events set payload = '{"label": "g1", "changed": true}' where id = pg_temp.event('g1') $$,
  '42501', 'events is append-only: only processed may change, from false to true',
  'an event''s payload cannot be changed');
select throws_ok(
  $$ update yachtparty.events set processed = true, version = 2 where id = pg_temp.event('g1') $$,
  '42501', 'events is append-only: only processed may change, from false to true',
  'nor any other column along with processed');
select throws_ok(
  $$ update yachtparty.events set processed = false where id = pg_temp.event('g1') $$,
  '42501', 'events is append-only: only processed may change, from false to true',
  'an update that leaves processed false is refused');
select lives_ok(
  $$ update yachtparty.events set processed = true where id = pg_temp.event('g1') $$,
  'processed may change from false to true');
select throws_ok(
  $$ update yachtparty.events set processed = false where id = pg_temp.event('g1') $$,
  '42501', 'events is append-only: only processed may change, from false to true',
  'but never back');
select throws_ok(
  $$ delete from yachtparty.events where id = pg_temp.event('g2') $$,
  '42501', 'events is append-only: its rows cannot be deleted',
  'an event cannot be deleted, even by the owner');
select tests.authenticate_as_service_role();
select throws_ok(
  $$ delete from yachtparty.events where id = pg_temp.event('g2') $$,
  '42501', 'events is append-only: its rows cannot be deleted',
  'nor by the service role, whose DELETE grant the guard overrides');
select throws_ok(
  $$ update yachtparty.events set created_by = 'someone' where id = pg_temp.event('g2') $$,
  '42501', 'events is append-only: only processed may change, from false to true',
  'nor changed by it');
select tests.clear_authentication();

-- ---------------------------------------------------------------------------------------------
-- agent tasks: claim_agent_tasks (§7 check 3: 100 pending, four claims of 10 → 40 distinct)
-- ---------------------------------------------------------------------------------------------

select lives_ok(
  $$ select pg_temp.add_task('q' || i, 'pgtap_queue', timestamptz '1990-01-01' + i * interval '1 minute',
                             (array['low', 'medium', 'high'])[i % 3 + 1])
       from generate_series(1, 100) i $$,
  '100 pending tasks due in 1990, a third of each priority');

select tests.authenticate_as_service_role();
select lives_ok(
  $$ insert into claimed select 1, id from yachtparty.claim_agent_tasks(null, 10, pg_temp.t0()) $$, 'a first claim of 10');
select lives_ok(
  $$ insert into claimed select 2, id from yachtparty.claim_agent_tasks(null, 10, pg_temp.t0()) $$, 'a second');
select lives_ok(
  $$ insert into claimed select 3, id from yachtparty.claim_agent_tasks(null, 10, pg_temp.t0()) $$, 'a third');
select lives_ok(
  $$ insert into claimed select 4, id from yachtparty.claim_agent_tasks(null, 10, pg_temp.t0()) $$, 'a fourth');
select tests.clear_authentication();

select results_eq(
  $$ select count(*), count(distinct id) from claimed $$,
  $$ values (40::bigint, 40::bigint) $$,
  'the four claims hand out 40 distinct tasks, none twice');
select results_eq(
  $$ select count(*) from claimed c join yachtparty.agent_tasks t on t.id = c.id
      where t.context_json ->> 'label' like 'q%' and t.status = 'processing' $$,
  $$ values (40::bigint) $$,
  'all 40 are this test''s tasks, now processing');
select results_eq(
  $$ select t.priority, count(*) from claimed c join yachtparty.agent_tasks t on t.id = c.id group by t.priority order by 1 $$,
  $$ values ('high', 33::bigint), ('medium', 7::bigint) $$,
  'high tasks are claimed before medium ones (33 high, then the first 7 medium), low ones not yet');
select results_eq(
  $$ select count(*) from yachtparty.agent_tasks
      where context_json ->> 'label' like 'q%' and status = 'pending' $$,
  $$ values (60::bigint) $$,
  'the other 60 are still pending');
select results_eq(
  $$ select distinct retry_count, last_attempted_at from claimed c join yachtparty.agent_tasks t using (id) $$,
  $$ values (1, pg_temp.t0()) $$,
  'a claim counts the attempt (retry_count 1) and starts the lease at p_now (last_attempted_at)');

-- Order, filters, and what is not due.
select lives_ok(
  $$ select pg_temp.add_task('low-early', 'pgtap_order', timestamptz '1990-01-01 00:00'::timestamptz, 'low'),
            pg_temp.add_task('medium-later', 'pgtap_order', timestamptz '1990-01-02 00:00', 'medium'),
            pg_temp.add_task('high-latest', 'pgtap_order', timestamptz '1990-01-03 00:00', 'high'),
            pg_temp.add_task('high-earlier', 'pgtap_order', timestamptz '1990-01-02 12:00', 'high'),
            pg_temp.add_task('not-due', 'pgtap_order', pg_temp.t0() + interval '1 second', 'high'),
            pg_temp.add_task('other-agent', 'pgtap_other', timestamptz '1989-01-01', 'high') $$,
  'tasks of agent pgtap_order: low (earliest), medium, two high; one high not yet due; one of another agent');
select tests.authenticate_as_service_role();
select results_eq(
  $$ select context_json ->> 'label' from yachtparty.claim_agent_tasks('pgtap_order', 3, pg_temp.t0()) $$,
  $$ values ('high-earlier'), ('high-latest'), ('medium-later') $$,
  'claim_agent_tasks orders high, medium, low (not as text), then by scheduled_for, and stops at the limit');
select results_eq(
  $$ select context_json ->> 'label' from yachtparty.claim_agent_tasks('pgtap_order', 10, pg_temp.t0()) $$,
  $$ values ('low-early') $$,
  'a claimed task is not claimed again; a task not yet due, or of another agent type, is not claimed');
select results_eq(
  $$ select context_json ->> 'label' from yachtparty.claim_agent_tasks('pgtap_order', 10, pg_temp.t0() + interval '1 second') $$,
  $$ values ('not-due') $$,
  'a task is due once scheduled_for <= p_now');
select results_eq(
  $$ select context_json ->> 'label' from yachtparty.claim_agent_tasks('pgtap_other', 10, pg_temp.t0()) $$,
  $$ values ('other-agent') $$,
  'the other agent''s task is its own to claim');
select tests.clear_authentication();
select throws_ok($$ select * from yachtparty.claim_agent_tasks(null, 0, pg_temp.t0()) $$, '22023',
  'p_limit must be at least 1, not 0', 'claim_agent_tasks refuses a limit below 1');

-- ---------------------------------------------------------------------------------------------
-- agent tasks: complete_agent_task
-- ---------------------------------------------------------------------------------------------

select tests.authenticate_as_service_role();
select results_eq(
  $$ select status, completed_at, result_json
       from yachtparty.complete_agent_task(pg_temp.task('high-latest'), '{"sent": 2}', pg_temp.t0() + interval '1 minute') $$,
  $$ values ('completed', pg_temp.t0() + interval '1 minute', '{"sent": 2}'::jsonb) $$,
  'complete_agent_task: a processing task becomes completed, with completed_at = p_now and its result');
select results_eq(
  $$ select status, completed_at, result_json
       from yachtparty.complete_agent_task(pg_temp.task('high-latest'), '{"sent": 3}', pg_temp.t0() + interval '2 minutes') $$,
  $$ values ('completed', pg_temp.t0() + interval '1 minute', '{"sent": 2}'::jsonb) $$,
  'completing it again returns it unchanged (a retried call): the first result and time stay');
select throws_ok(
  $$ select yachtparty.complete_agent_task(pg_temp.task('q3'), '{}') $$, 'P0002',
  format('no processing agent task %s', pg_temp.task('q3')),
  'a pending task cannot be completed');
select throws_ok(
  $$ select yachtparty.complete_agent_task('00000000-0000-4000-8000-000000000000', '{}') $$, 'P0002',
  'no processing agent task 00000000-0000-4000-8000-000000000000',
  'nor an unknown one');
select tests.clear_authentication();
select is(
  (select count(*) from yachtparty.agent_tasks where status = 'completed' and context_json ->> 'label' = 'high-latest'),
  1::bigint,
  'the completed task is stored so');

-- ---------------------------------------------------------------------------------------------
-- agent tasks: fail_agent_task (§7 check 3: three failures with max_retries 3 → failed)
-- ---------------------------------------------------------------------------------------------

select lives_ok($$ select pg_temp.add_task('flaky', 'pgtap_fail', timestamptz '1990-01-01', 'high', 3) $$,
  'a task of agent pgtap_fail with max_retries 3');
select tests.authenticate_as_service_role();
select results_eq(
  $$ select retry_count from yachtparty.claim_agent_tasks('pgtap_fail', 1, pg_temp.t0()) $$,
  $$ values (1) $$, 'claimed: attempt 1');
select results_eq(
  $$ select status, retry_count, scheduled_for, error_log
       from yachtparty.fail_agent_task(pg_temp.task('flaky'), '  timeout calling the model  ', pg_temp.t0()) $$,
  $$ values ('pending', 1, pg_temp.t0() + interval '2 minutes',
             '[1990-06-01T12:00:00Z] attempt 1: timeout calling the model') $$,
  'first failure: pending again, due after 2^1 minutes, the error logged (trimmed) with its time and attempt');
select is_empty(
  $$ select * from yachtparty.claim_agent_tasks('pgtap_fail', 1, pg_temp.t0() + interval '1 minute') $$,
  'it is not claimed before its backoff has passed');
select results_eq(
  $$ select retry_count from yachtparty.claim_agent_tasks('pgtap_fail', 1, pg_temp.t0() + interval '2 minutes') $$,
  $$ values (2) $$, 'claimed again once due: attempt 2');
select results_eq(
  $$ select status, retry_count, scheduled_for
       from yachtparty.fail_agent_task(pg_temp.task('flaky'), 'rate limited', pg_temp.t0() + interval '2 minutes') $$,
  $$ values ('pending', 2, pg_temp.t0() + interval '6 minutes') $$,
  'second failure: pending, due after 2^2 minutes');
select results_eq(
  $$ select retry_count from yachtparty.claim_agent_tasks('pgtap_fail', 1, pg_temp.t0() + interval '6 minutes') $$,
  $$ values (3) $$, 'claimed a third time: attempt 3');
select results_eq(
  $$ select status, retry_count, scheduled_for, error_log
       from yachtparty.fail_agent_task(pg_temp.task('flaky'), '', pg_temp.t0() + interval '7 minutes') $$,
  $$ values ('failed', 3, pg_temp.t0() + interval '6 minutes',
             '[1990-06-01T12:00:00Z] attempt 1: timeout calling the model' || E'\n'
             || '[1990-06-01T12:02:00Z] attempt 2: rate limited' || E'\n'
             || '[1990-06-01T12:07:00Z] attempt 3: no error given') $$,
  'third failure with max_retries 3: failed for good, scheduled_for kept, one log line per attempt');
select results_eq(
  $$ select status, retry_count from yachtparty.fail_agent_task(pg_temp.task('flaky'), 'again', pg_temp.t0() + interval '8 minutes') $$,
  $$ values ('failed', 3) $$,
  'failing a failed task again returns it unchanged');
select is_empty(
  $$ select * from yachtparty.claim_agent_tasks('pgtap_fail', 1, pg_temp.t0() + interval '1 day') $$,
  'a failed task is never claimed');
select throws_ok(
  $$ select yachtparty.fail_agent_task(pg_temp.task('q6'), 'nope', pg_temp.t0()) $$, 'P0002',
  format('no processing agent task %s', pg_temp.task('q6')),
  'a pending task cannot be failed');
select throws_ok(
  $$ select yachtparty.fail_agent_task(pg_temp.task('high-latest'), 'nope', pg_temp.t0()) $$, 'P0002',
  format('no processing agent task %s', pg_temp.task('high-latest')),
  'nor a completed one');
select tests.clear_authentication();
select is(
  (select error_log from yachtparty.agent_tasks where id = pg_temp.task('flaky')),
  '[1990-06-01T12:00:00Z] attempt 1: timeout calling the model' || E'\n'
    || '[1990-06-01T12:02:00Z] attempt 2: rate limited' || E'\n'
    || '[1990-06-01T12:07:00Z] attempt 3: no error given',
  'the error log is stored as returned');

select lives_ok($$ select pg_temp.add_task('one-shot', 'pgtap_fail', timestamptz '1990-01-01', 'high', 0) $$,
  'a task with max_retries 0');
select tests.authenticate_as_service_role();
select results_eq(
  $$ select t.status from yachtparty.claim_agent_tasks('pgtap_fail', 1, pg_temp.t0()) c,
       lateral yachtparty.fail_agent_task(c.id, 'boom', pg_temp.t0()) t $$,
  $$ values ('failed') $$,
  'with max_retries 0 its first failure is final');
select tests.clear_authentication();

-- ---------------------------------------------------------------------------------------------
-- agent tasks: requeue_stuck_agent_tasks (§7 check 3: processing 20 minutes ago → pending)
-- ---------------------------------------------------------------------------------------------

select lives_ok(
  $$ insert into yachtparty.agent_tasks
       (task_type, agent_type, scheduled_for, status, retry_count, max_retries, last_attempted_at, context_json)
     values ('pgtap_check', 'pgtap_stuck', timestamptz '1990-01-01', 'processing', 1, 3, pg_temp.t0() - interval '20 minutes', '{"label": "stuck"}'),
            ('pgtap_check', 'pgtap_stuck', timestamptz '1990-01-01', 'processing', 3, 3, pg_temp.t0() - interval '20 minutes', '{"label": "stuck-last"}'),
            ('pgtap_check', 'pgtap_stuck', timestamptz '1990-01-01', 'processing', 1, 3, pg_temp.t0() - interval '5 minutes', '{"label": "working"}') $$,
  'three processing tasks: two started 20 minutes ago (one on its last attempt), one 5 minutes ago');
select tests.authenticate_as_service_role();
select is(yachtparty.requeue_stuck_agent_tasks(p_now => pg_temp.t0()), 2,
  'requeue_stuck_agent_tasks (lease 10 minutes) moves the two whose lease ran out');
select tests.clear_authentication();
select results_eq(
  $$ select status, retry_count, error_log from yachtparty.agent_tasks where id = pg_temp.task('stuck') $$,
  $$ values ('pending', 1, '[1990-06-01T12:00:00Z] attempt 1: lease of 00:10:00 expired') $$,
  'a task with attempts left is pending again, the expired lease logged');
select results_eq(
  $$ select status from yachtparty.agent_tasks where id = pg_temp.task('stuck-last') $$,
  $$ values ('failed') $$,
  'a task on its last attempt is failed');
select results_eq(
  $$ select status from yachtparty.agent_tasks where id = pg_temp.task('working') $$,
  $$ values ('processing') $$,
  'a task within its lease is left alone');
select tests.authenticate_as_service_role();
select is(yachtparty.requeue_stuck_agent_tasks(p_now => pg_temp.t0()), 0, 'a second run moves nothing');
select results_eq(
  $$ select context_json ->> 'label' from yachtparty.claim_agent_tasks('pgtap_stuck', 10, pg_temp.t0()) $$,
  $$ values ('stuck') $$,
  'the requeued task can be claimed at once');
select is(yachtparty.requeue_stuck_agent_tasks(interval '1 minute', pg_temp.t0()), 1,
  'with a lease of 1 minute the task started 5 minutes ago is moved too');
select tests.clear_authentication();
select throws_ok($$ select yachtparty.requeue_stuck_agent_tasks(null) $$, '22023',
  'p_lease must be an interval of zero or more, not null', 'requeue_stuck_agent_tasks refuses a null lease');

-- ---------------------------------------------------------------------------------------------
-- agent tasks: dispatch_due_agent_tasks only announces (pull model)
-- ---------------------------------------------------------------------------------------------

select tests.authenticate_as_service_role();
select is(yachtparty.dispatch_due_agent_tasks(1000, pg_temp.t0()),
  (select count(*)::integer from yachtparty.agent_tasks where status = 'pending' and scheduled_for <= pg_temp.t0()),
  'dispatch_due_agent_tasks announces every due task up to its limit');
select is(yachtparty.dispatch_due_agent_tasks(5, pg_temp.t0()), 5, 'and no more than its limit');
select is(yachtparty.dispatch_due_agent_tasks(p_now => timestamptz '1900-01-01'), 0, 'nothing due, nothing announced');
select tests.clear_authentication();
select results_eq(
  $$ select status, count(*) from yachtparty.agent_tasks where context_json ->> 'label' like 'q%' group by status order by 1 $$,
  $$ values ('pending', 60::bigint), ('processing', 40::bigint) $$,
  'announcing claims nothing: the 60 pending tasks are still pending');
select throws_ok($$ select yachtparty.dispatch_due_agent_tasks(0) $$, '22023',
  'p_limit must be at least 1, not 0', 'dispatch_due_agent_tasks refuses a limit below 1');

select * from finish();
rollback;
