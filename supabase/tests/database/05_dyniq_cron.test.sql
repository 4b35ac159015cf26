-- dyniq's scheduled work: the job that marks board meetings stuck in `processing` for over an
-- hour as `stalled`, and its registration with pg_cron. The function touches every such row in
-- the database, so only this test's own meetings are asserted on.
begin;
select plan(25);

-- ---------------------------------------------------------------------------------------------
-- helpers for this file only, in pg_temp so that they vanish with the session (the shared ones
-- are tests.*, installed by 000_setup_test_helpers)
-- ---------------------------------------------------------------------------------------------

create function pg_temp.status_of(label text) returns text
language sql stable as $$ select status from dyniq.board_meetings where thread_id = tests.thread_id(label) $$;

-- ---------------------------------------------------------------------------------------------
-- dyniq.flag_stalled_board_meetings
-- ---------------------------------------------------------------------------------------------

select function_returns('dyniq', 'flag_stalled_board_meetings', array['interval'], 'bigint');
select function_privs_are('dyniq', 'flag_stalled_board_meetings', array['interval'], 'anon', array[]::text[]);
select function_privs_are('dyniq', 'flag_stalled_board_meetings', array['interval'], 'authenticated', array[]::text[]);
select function_privs_are('dyniq', 'flag_stalled_board_meetings', array['interval'], 'service_role', array['EXECUTE']);

select tests.create_supabase_user('alice');
select tests.authenticate_as_anon();
select throws_ok($$ select dyniq.flag_stalled_board_meetings() $$, '42501',
  'permission denied for function flag_stalled_board_meetings', 'anon cannot run the job');
select tests.authenticate_as('alice');
select throws_ok($$ select dyniq.flag_stalled_board_meetings() $$, '42501',
  'permission denied for function flag_stalled_board_meetings', 'a signed-in user cannot run the job');
select tests.clear_authentication();

select lives_ok(
  $$ insert into dyniq.board_meetings (thread_id, topic, status, updated_at)
     values (tests.thread_id('old'), 'processing for two hours', 'processing', now() - interval '2 hours'),
            (tests.thread_id('just-over'), 'processing for 61 minutes', 'processing', now() - interval '61 minutes'),
            (tests.thread_id('recent'), 'processing for 30 minutes', 'processing', now() - interval '30 minutes'),
            (tests.thread_id('completed'), 'completed two hours ago', 'completed', now() - interval '2 hours') $$,
  'four meetings: processing for 2 h, 61 min and 30 min, and one completed 2 h ago');

select tests.authenticate_as_service_role();
select cmp_ok(dyniq.flag_stalled_board_meetings(), '>=', 2::bigint,
  'the job reports at least the two meetings it flagged');
select tests.clear_authentication();

select is(pg_temp.status_of('old'), 'stalled', 'a meeting processing for 2 hours is flagged stalled');
select is(pg_temp.status_of('just-over'), 'stalled', 'a meeting processing for 61 minutes is flagged stalled');
select is(pg_temp.status_of('recent'), 'processing', 'a meeting processing for 30 minutes is left alone');
select is(pg_temp.status_of('completed'), 'completed', 'a completed meeting is left alone, however old');
select is(
  (select updated_at from dyniq.board_meetings where thread_id = tests.thread_id('old')),
  now(),
  'flagging a meeting records when (updated_at)');
select is(
  (select updated_at from dyniq.board_meetings where thread_id = tests.thread_id('recent')),
  now() - interval '30 minutes',
  'a meeting left alone keeps its updated_at');

select cmp_ok(dyniq.flag_stalled_board_meetings(interval '10 minutes'), '>=', 1::bigint,
  'a shorter threshold can be given');
select is(pg_temp.status_of('recent'), 'stalled', 'with a 10-minute threshold the 30-minute meeting is flagged too');

-- ---------------------------------------------------------------------------------------------
-- the cron job
-- ---------------------------------------------------------------------------------------------

select results_eq(
  $$ select schedule, command, database, active from cron.job where jobname = 'dyniq-flag-stalled-board-meetings' $$,
  $$ values ('*/10 * * * *', 'select dyniq.flag_stalled_board_meetings()', 'postgres', true) $$,
  'dyniq-flag-stalled-board-meetings runs every 10 minutes and flags stalled meetings');
select is(
  cron.schedule('dyniq-flag-stalled-board-meetings', '*/10 * * * *', 'select dyniq.flag_stalled_board_meetings()'),
  (select jobid from cron.job where jobname = 'dyniq-flag-stalled-board-meetings'),
  'scheduling the job again (re-running the migration) returns the existing job');
select is(
  (select count(*) from cron.job where jobname = 'dyniq-flag-stalled-board-meetings'),
  1::bigint,
  'and leaves one job of that name');

select * from finish();
rollback;
