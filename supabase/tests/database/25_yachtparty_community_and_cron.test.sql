-- yachtparty's community requests (20261203002300): the response counter, the closure and the
-- expiry of priorities, with who may call each and §7 check 7; and every yachtparty pg_cron job
-- (20261203002900): its name, schedule and command, that the command runs, and that scheduling
-- it again changes nothing.
--
-- The closure and the expiry act on every row in the database: each is run once first (inside
-- this test's transaction, so rolled back with it) to settle whatever else is due at the test's
-- instant, p_now = 1990-06-01 12:00 UTC; what the later runs report is then this test's own.
begin;
select plan(72);

-- ---------------------------------------------------------------------------------------------
-- helpers for this file only, in pg_temp so that they vanish with the session (the shared ones
-- are tests.*, installed by 000_setup_test_helpers)
-- ---------------------------------------------------------------------------------------------

create function pg_temp.t0() returns timestamptz
language sql immutable as $$ select timestamptz '1990-06-01 12:00:00+00' $$;

create function pg_temp.phone(n integer) returns text
language sql stable as $$
  select format('+1%s%s', lpad((txid_current() % 10000000000)::text, 10, '0'), lpad(n::text, 2, '0'))
$$;

-- The test's users and requests, by label.
create temp table people (label text primary key, id uuid not null);
create function pg_temp.uid(p_label text) returns uuid
language sql stable as $$ select id from people where label = p_label $$;

create function pg_temp.request(label text) returns uuid
language sql stable as $$
  select id from yachtparty.community_requests where request_summary = label and requesting_user_id = pg_temp.uid('requester')
$$;

create function pg_temp.request_row(label text) returns yachtparty.community_requests
language sql stable as $$ select * from yachtparty.community_requests where id = pg_temp.request(label) $$;

create function pg_temp.respond(label text, expert text, status text default 'provided') returns void
language sql as $$
  insert into yachtparty.community_responses (request_id, user_id, response_text, verbatim_answer, status)
  values (pg_temp.request(label), pg_temp.uid(expert), 'An answer.', 'an answer', status)
$$;

-- ---------------------------------------------------------------------------------------------
-- the functions: what they return, and who may run them
-- ---------------------------------------------------------------------------------------------

select function_returns('yachtparty', 'close_community_requests', array['timestamp with time zone'], 'integer');
select function_returns('yachtparty', 'expire_user_priorities', array['timestamp with time zone'], 'integer');
select function_privs_are('yachtparty', 'close_community_requests', array['timestamp with time zone'], 'anon', array[]::text[]);
select function_privs_are('yachtparty', 'close_community_requests', array['timestamp with time zone'], 'authenticated', array[]::text[]);
select function_privs_are('yachtparty', 'close_community_requests', array['timestamp with time zone'], 'service_role', array['EXECUTE']);
select function_privs_are('yachtparty', 'expire_user_priorities', array['timestamp with time zone'], 'anon', array[]::text[]);
select function_privs_are('yachtparty', 'expire_user_priorities', array['timestamp with time zone'], 'authenticated', array[]::text[]);
select function_privs_are('yachtparty', 'expire_user_priorities', array['timestamp with time zone'], 'service_role', array['EXECUTE']);
select function_privs_are('yachtparty', 'count_community_response', array[]::text[], 'service_role', array[]::text[],
  'no API role may run the response counter''s function (it fires anyway)');
select isnt_definer('yachtparty', 'close_community_requests', array['timestamp with time zone'],
  'close_community_requests is security invoker');
select isnt_definer('yachtparty', 'expire_user_priorities', array['timestamp with time zone'],
  'expire_user_priorities is security invoker');
select trigger_is('yachtparty', 'community_responses', 'community_responses_count_response', 'yachtparty',
  'count_community_response', 'a new response is counted by count_community_response');

select tests.create_supabase_user('alice');
select tests.authenticate_as('alice');
select throws_ok($$ select yachtparty.close_community_requests() $$, '42501',
  'permission denied for function close_community_requests', 'a signed-in user cannot close requests');
select tests.authenticate_as_anon();
select throws_ok($$ select yachtparty.expire_user_priorities() $$, '42501',
  'permission denied for function expire_user_priorities', 'anon cannot expire priorities');
select tests.clear_authentication();

-- Whatever else in the database is due at the test's instant is settled first (rolled back
-- with the test), so that the runs below report this test's rows only.
select tests.authenticate_as_service_role();
select lives_ok($$ select yachtparty.close_community_requests(pg_temp.t0()) $$,
  'a first closure settles whatever else in the database is due');
select lives_ok($$ select yachtparty.expire_user_priorities(pg_temp.t0()) $$,
  'and a first expiry too');
select tests.clear_authentication();

-- ---------------------------------------------------------------------------------------------
-- the people and their requests
-- ---------------------------------------------------------------------------------------------

select lives_ok(
  $$ with u as (
       insert into yachtparty.users (phone_number, first_name)
       select pg_temp.phone(n::integer), label
         from unnest(array['requester', 'e1', 'e2', 'e3']) with ordinality as l(label, n)
       returning id, first_name)
     insert into people select first_name, id from u $$,
  'a requester and three experts');
select lives_ok(
  $$ insert into yachtparty.community_requests
       (requesting_agent_type, requesting_user_id, question, request_summary, target_user_ids, expires_at)
     values ('concierge', pg_temp.uid('requester'), 'Expired?', 'expired', array[pg_temp.uid('e1')], pg_temp.t0() - interval '1 hour'),
            ('concierge', pg_temp.uid('requester'), 'Answered?', 'answered', array[pg_temp.uid('e1'), pg_temp.uid('e2')], pg_temp.t0() + interval '1 day'),
            ('concierge', pg_temp.uid('requester'), 'Waiting?', 'waiting', array[pg_temp.uid('e1'), pg_temp.uid('e2')], pg_temp.t0() + interval '1 day'),
            ('concierge', pg_temp.uid('requester'), 'Open?', 'untargeted', null, pg_temp.t0() + interval '1 day') $$,
  'four requests: one expired an hour ago, two asking two experts each, one asking no one');

-- ---------------------------------------------------------------------------------------------
-- the response counter
-- ---------------------------------------------------------------------------------------------

select lives_ok($$ select pg_temp.respond('waiting', 'e1') $$, 'e1 answers the waiting request');
select results_eq(
  $$ select responses_count, status from yachtparty.community_requests where id = pg_temp.request('waiting') $$,
  $$ values (1, 'responses_received') $$,
  'a first response counts and turns an open request into responses_received');
select lives_ok($$ select pg_temp.respond('answered', 'e1', 'rewarded'), pg_temp.respond('answered', 'e2') $$,
  'e1 (already rewarded) and e2 answer the answered request');
select results_eq(
  $$ select responses_count, status from yachtparty.community_requests where id = pg_temp.request('answered') $$,
  $$ values (2, 'responses_received') $$,
  'each response counts');
select tests.rejects($$ select pg_temp.respond('answered', 'e2') $$, 'community_responses_request_id_user_id_key',
  'an expert cannot answer one request twice');
select is((select responses_count from yachtparty.community_requests where id = pg_temp.request('answered')), 2,
  'so a retried delivery is not counted twice');
select results_eq(
  $$ select responses_count, status from yachtparty.community_requests where id = pg_temp.request('untargeted') $$,
  $$ values (0, 'open') $$,
  'a request no one answered stays open with no responses');

-- ---------------------------------------------------------------------------------------------
-- close_community_requests (§7 check 7)
-- ---------------------------------------------------------------------------------------------

select lives_ok(
  $$ insert into yachtparty.user_priorities (user_id, priority_rank, item_type, item_id, status, presented_at)
     values (pg_temp.uid('e1'), 1, 'community_request', pg_temp.request('expired'), 'active', null),
            (pg_temp.uid('e2'), 1, 'community_request', pg_temp.request('answered'), 'active', null),
            (pg_temp.uid('e1'), 2, 'community_request', pg_temp.request('answered'), 'presented', pg_temp.t0()),
            (pg_temp.uid('e2'), 2, 'community_request', pg_temp.request('waiting'), 'active', null),
            (pg_temp.uid('e3'), 1, 'intro_opportunity', pg_temp.request('expired'), 'active', null) $$,
  'priorities pointing at the requests (and one intro priority that happens to share an id)');

select tests.authenticate_as_service_role();
select is(yachtparty.close_community_requests(pg_temp.t0()), 2,
  'close_community_requests closes two: the expired request and the one every expert answered');
select tests.clear_authentication();

select results_eq(
  $$ select request_summary::text, status, closed_loop_at, closed_loop_message
       from yachtparty.community_requests where requesting_user_id = pg_temp.uid('requester') order by request_summary $$,
  $$ values ('answered', 'closed', pg_temp.t0(), 'Every expert asked has answered.'),
            ('expired', 'closed', pg_temp.t0(), 'The request expired.'),
            ('untargeted', 'open', null::timestamptz, null::text),
            ('waiting', 'responses_received', null::timestamptz, null::text) $$,
  'the two are closed at p_now with a message saying why; the waiting and the untargeted ones stay as they were');
select results_eq(
  $$ select r.request_summary::text, s.status, s.closed_loop_at
       from yachtparty.community_responses s join yachtparty.community_requests r on r.id = s.request_id
      where r.requesting_user_id = pg_temp.uid('requester') order by 1, s.user_id = pg_temp.uid('e1') desc $$,
  $$ values ('answered', 'closed_loop', pg_temp.t0()), ('answered', 'closed_loop', pg_temp.t0()),
            ('waiting', 'provided', null::timestamptz) $$,
  'the closed request''s responses, provided or rewarded, are closed_loop; the waiting request''s are not');
select results_eq(
  $$ select user_id = pg_temp.uid('e1'), item_id = pg_temp.request('expired'), item_type, status
       from yachtparty.user_priorities where user_id in (pg_temp.uid('e1'), pg_temp.uid('e2'), pg_temp.uid('e3'))
      order by user_id = pg_temp.uid('e3'), item_id = pg_temp.request('waiting'), priority_rank, user_id = pg_temp.uid('e1') desc $$,
  $$ values (true, true, 'community_request', 'expired'),
            (false, false, 'community_request', 'expired'),
            (true, false, 'community_request', 'presented'),
            (false, false, 'community_request', 'active'),
            (false, true, 'intro_opportunity', 'active') $$,
  'active priorities of the closed requests expire; a presented one, the waiting request''s and another item type''s do not');
select results_eq(
  $$ select aggregate_id, aggregate_type::text, payload ->> 'reason', (payload ->> 'responses_count')::integer,
            (payload ->> 'requesting_user_id')::uuid = pg_temp.uid('requester'), created_by::text
       from yachtparty.events
      where event_type = 'community.request_closed'
        and aggregate_id in (pg_temp.request('expired'), pg_temp.request('answered'))
      order by payload ->> 'reason' $$,
  $$ values (pg_temp.request('answered'), 'community_request', 'answered', 2, true, 'yachtparty.close_community_requests'),
            (pg_temp.request('expired'), 'community_request', 'expired', 0, true, 'yachtparty.close_community_requests') $$,
  'one community.request_closed event per closed request, saying why');

select tests.authenticate_as_service_role();
select is(yachtparty.close_community_requests(pg_temp.t0()), 0, 'a second run closes nothing');
select tests.clear_authentication();
select is(
  (select count(*) from yachtparty.events where event_type = 'community.request_closed'
      and aggregate_id in (pg_temp.request('expired'), pg_temp.request('answered'))),
  2::bigint,
  'and announces nothing again');

select lives_ok($$ select pg_temp.respond('answered', 'e3') $$, 'a late answer to the closed request');
select results_eq(
  $$ select responses_count, status from yachtparty.community_requests where id = pg_temp.request('answered') $$,
  $$ values (3, 'closed') $$,
  'is counted, and the request stays closed');

select lives_ok($$ select pg_temp.respond('waiting', 'e2') $$, 'the second expert answers the waiting request');
select lives_ok(
  $$ update yachtparty.community_requests set closed_loop_message = 'Thanks, all sorted.' where id = pg_temp.request('waiting') $$,
  'and the requester''s agent has already written the closing message');
select tests.authenticate_as_service_role();
select is(yachtparty.close_community_requests(pg_temp.t0()), 1, 'the next run closes it');
select tests.clear_authentication();
select results_eq(
  $$ select status, closed_loop_message from yachtparty.community_requests where id = pg_temp.request('waiting') $$,
  $$ values ('closed', 'Thanks, all sorted.') $$,
  'keeping the message it already had');

-- ---------------------------------------------------------------------------------------------
-- expire_user_priorities
-- ---------------------------------------------------------------------------------------------

select lives_ok(
  $$ insert into yachtparty.user_priorities (user_id, priority_rank, item_type, item_id, status, expires_at, presented_at)
     values (pg_temp.uid('e3'), 11, 'solution_update', gen_random_uuid(), 'active', pg_temp.t0() - interval '1 minute', null),
            (pg_temp.uid('e3'), 12, 'solution_update', gen_random_uuid(), 'active', pg_temp.t0(), null),
            (pg_temp.uid('e3'), 13, 'solution_update', gen_random_uuid(), 'presented', pg_temp.t0() - interval '1 day', pg_temp.t0()),
            (pg_temp.uid('e3'), 14, 'solution_update', gen_random_uuid(), 'actioned', pg_temp.t0() - interval '1 day', pg_temp.t0()),
            (pg_temp.uid('e3'), 15, 'solution_update', gen_random_uuid(), 'active', pg_temp.t0() + interval '1 minute', null),
            (pg_temp.uid('e3'), 16, 'solution_update', gen_random_uuid(), 'active', null, null) $$,
  'six priorities: active past, active due now, presented past, actioned past, active future, active without expiry');
select tests.authenticate_as_service_role();
select is(yachtparty.expire_user_priorities(pg_temp.t0()), 3,
  'expire_user_priorities expires the active and presented ones whose expires_at <= p_now');
select is(yachtparty.expire_user_priorities(pg_temp.t0()), 0, 'a second run expires nothing');
select tests.clear_authentication();
select results_eq(
  $$ select priority_rank, status from yachtparty.user_priorities
      where user_id = pg_temp.uid('e3') and item_type = 'solution_update' order by priority_rank $$,
  $$ values (11, 'expired'), (12, 'expired'), (13, 'expired'), (14, 'actioned'), (15, 'active'), (16, 'active') $$,
  'an actioned priority, one not yet due and one that never expires are left alone');

-- ---------------------------------------------------------------------------------------------
-- the cron jobs
-- ---------------------------------------------------------------------------------------------

select results_eq(
  $$ select jobname::text collate "default", schedule, command, database, username::text collate "default", active
       from cron.job where jobname like 'yachtparty-%' order by jobname $$,
  $$ values
       ('yachtparty-close-community-requests', '0 * * * *', 'select yachtparty.close_community_requests()', 'postgres', 'postgres', true),
       ('yachtparty-dispatch-agent-tasks', '*/2 * * * *', 'select yachtparty.dispatch_due_agent_tasks()', 'postgres', 'postgres', true),
       ('yachtparty-expire-priorities', '15 * * * *', 'select yachtparty.expire_user_priorities()', 'postgres', 'postgres', true),
       ('yachtparty-fail-stuck-messages', '*/5 * * * *', 'select yachtparty.fail_stuck_messages()', 'postgres', 'postgres', true),
       ('yachtparty-refresh-credit-balances', '*/10 * * * *', 'select yachtparty.refresh_user_credit_balances()', 'postgres', 'postgres', true),
       ('yachtparty-requeue-stuck-tasks', '*/5 * * * *', 'select yachtparty.requeue_stuck_agent_tasks()', 'postgres', 'postgres', true) $$,
  'the six yachtparty jobs, with their schedules and commands, run as postgres in database postgres');
select is((select schedule from cron.job where jobname = 'yachtparty-close-community-requests'), '0 * * * *',
  'yachtparty-close-community-requests runs hourly (§7 check 7)');

select lives_ok((select command from cron.job where jobname = 'yachtparty-dispatch-agent-tasks'),
  'yachtparty-dispatch-agent-tasks''s command runs');
select lives_ok((select command from cron.job where jobname = 'yachtparty-requeue-stuck-tasks'),
  'yachtparty-requeue-stuck-tasks''s command runs');
select lives_ok((select command from cron.job where jobname = 'yachtparty-close-community-requests'),
  'yachtparty-close-community-requests''s command runs');
select lives_ok((select command from cron.job where jobname = 'yachtparty-expire-priorities'),
  'yachtparty-expire-priorities''s command runs');
select lives_ok((select command from cron.job where jobname = 'yachtparty-refresh-credit-balances'),
  'yachtparty-refresh-credit-balances''s command runs');
-- fail_stuck_messages() belongs to the outbound queue's migration (20261203002400 to 2499).
select case
  when not exists (select from pg_proc where proname = 'fail_stuck_messages' and pronamespace = 'yachtparty'::regnamespace)
    then skip('yachtparty.fail_stuck_messages() is not in this database yet (the outbound queue''s migration)', 1)
  else lives_ok((select command from cron.job where jobname = 'yachtparty-fail-stuck-messages'),
    'yachtparty-fail-stuck-messages''s command runs')
end;

select is(cron.schedule('yachtparty-dispatch-agent-tasks', '*/2 * * * *', 'select yachtparty.dispatch_due_agent_tasks()'),
  (select jobid from cron.job where jobname = 'yachtparty-dispatch-agent-tasks'),
  'scheduling yachtparty-dispatch-agent-tasks again (re-running the migration) returns the existing job');
select is(cron.schedule('yachtparty-requeue-stuck-tasks', '*/5 * * * *', 'select yachtparty.requeue_stuck_agent_tasks()'),
  (select jobid from cron.job where jobname = 'yachtparty-requeue-stuck-tasks'),
  'so does yachtparty-requeue-stuck-tasks');
select is(cron.schedule('yachtparty-close-community-requests', '0 * * * *', 'select yachtparty.close_community_requests()'),
  (select jobid from cron.job where jobname = 'yachtparty-close-community-requests'),
  'so does yachtparty-close-community-requests');
select is(cron.schedule('yachtparty-expire-priorities', '15 * * * *', 'select yachtparty.expire_user_priorities()'),
  (select jobid from cron.job where jobname = 'yachtparty-expire-priorities'),
  'so does yachtparty-expire-priorities');
select is(cron.schedule('yachtparty-refresh-credit-balances', '*/10 * * * *', 'select yachtparty.refresh_user_credit_balances()'),
  (select jobid from cron.job where jobname = 'yachtparty-refresh-credit-balances'),
  'so does yachtparty-refresh-credit-balances');
select is(cron.schedule('yachtparty-fail-stuck-messages', '*/5 * * * *', 'select yachtparty.fail_stuck_messages()'),
  (select jobid from cron.job where jobname = 'yachtparty-fail-stuck-messages'),
  'so does yachtparty-fail-stuck-messages');
select is((select count(*) from cron.job where jobname like 'yachtparty-%'), 6::bigint,
  'and there are still six yachtparty jobs, one of each name');

select * from finish();
rollback;
