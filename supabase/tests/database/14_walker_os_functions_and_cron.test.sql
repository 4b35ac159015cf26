-- walker_os's scheduled work: each morning every owner (a user who has kept a scorecard before)
-- finds the day's empty scorecard waiting. The function writes for every owner in the database,
-- so assertions are on this test's own users and on a date no one else uses.
begin;
select plan(32);

-- ---------------------------------------------------------------------------------------------
-- helpers for this file only, in pg_temp so that they vanish with the session (the shared ones
-- are tests.*, installed by 000_setup_test_helpers)
-- ---------------------------------------------------------------------------------------------

-- A far-future date of this run's own, so no one else's scorecards are on it.
create function pg_temp.day() returns date
language sql stable as $$ select date '2200-01-01' + (txid_current() % 36500)::integer $$;

create function pg_temp.scorecards_of(label text, on_date date) returns bigint
language sql stable as $$
  select count(*) from walker_os.daily_scorecard where user_id = tests.get_supabase_uid(label) and scorecard_date = on_date
$$;

-- Runs the job for a date; returns what it reported and how many scorecards the date gained.
create function pg_temp.run_job(on_date date, out reported bigint, out added bigint)
language plpgsql as $$
declare
  before bigint;
begin
  select count(*) into before from walker_os.daily_scorecard where scorecard_date = on_date;
  reported := walker_os.create_daily_scorecards(on_date);
  select count(*) - before into added from walker_os.daily_scorecard where scorecard_date = on_date;
end
$$;

-- ---------------------------------------------------------------------------------------------
-- walker_os.create_daily_scorecards
-- ---------------------------------------------------------------------------------------------

select function_returns('walker_os', 'create_daily_scorecards', array['date'], 'bigint');
select function_privs_are('walker_os', 'create_daily_scorecards', array['date'], 'anon', array[]::text[]);
select function_privs_are('walker_os', 'create_daily_scorecards', array['date'], 'authenticated', array[]::text[]);
select function_privs_are('walker_os', 'create_daily_scorecards', array['date'], 'service_role', array['EXECUTE']);

select tests.create_supabase_user('alice');
select tests.create_supabase_user('bob');
select tests.create_supabase_user('carol');

select tests.authenticate_as_anon();
select throws_ok($$ select walker_os.create_daily_scorecards(pg_temp.day()) $$, '42501',
  'permission denied for function create_daily_scorecards', 'anon cannot run the job');
select tests.authenticate_as('alice');
select throws_ok($$ select walker_os.create_daily_scorecards(pg_temp.day()) $$, '42501',
  'permission denied for function create_daily_scorecards', 'a signed-in user cannot run the job');
select tests.clear_authentication();

select lives_ok(
  $$ insert into walker_os.daily_scorecard (user_id, scorecard_date, fajr, energy_level)
     values (tests.get_supabase_uid('alice'), pg_temp.day() - 1, true, 'high'),
            (tests.get_supabase_uid('alice'), pg_temp.day() - 2, true, 'low'),
            (tests.get_supabase_uid('bob'), pg_temp.day() - 1, false, null) $$,
  'Alice has kept two scorecards and Bob one; Carol has none');

select tests.authenticate_as_service_role();
select results_eq(
  $$ select reported >= 2, reported = added from pg_temp.run_job(pg_temp.day()) $$,
  $$ values (true, true) $$,
  'the job creates at least Alice''s and Bob''s scorecards and reports exactly how many it created');
select tests.clear_authentication();

select is(pg_temp.scorecards_of('alice', pg_temp.day()), 1::bigint, 'Alice has one scorecard for the day');
select is(pg_temp.scorecards_of('bob', pg_temp.day()), 1::bigint, 'Bob has one scorecard for the day');
select is(pg_temp.scorecards_of('carol', pg_temp.day()), 0::bigint, 'Carol, who never kept one, gets none');
select results_eq(
  $$ select fajr, mind, body, shutdown_ritual, first_90, b_quadrant_hours, energy_level, day_verdict
       from walker_os.daily_scorecard where user_id = tests.get_supabase_uid('alice') and scorecard_date = pg_temp.day() $$,
  $$ values (false, false, false, false, false, 0::double precision, null::text, null::text) $$,
  'the new scorecard is empty, whatever the earlier ones held');

select tests.authenticate_as_service_role();
select results_eq(
  $$ select reported = added from pg_temp.run_job(pg_temp.day()) $$,
  $$ values (true) $$,
  'running the job again for the same day reports only what it created');
select tests.clear_authentication();
select results_eq(
  $$ select pg_temp.scorecards_of('alice', pg_temp.day()), pg_temp.scorecards_of('bob', pg_temp.day()) $$,
  $$ values (1::bigint, 1::bigint) $$,
  'and creates nothing for owners who already have the day''s scorecard');

select lives_ok(
  $$ update walker_os.daily_scorecard set fajr = true where user_id = tests.get_supabase_uid('bob') and scorecard_date = pg_temp.day() $$,
  'Bob ticks a box on the day''s scorecard');
select lives_ok($$ select walker_os.create_daily_scorecards(pg_temp.day()) $$, 'the job runs again');
select is(
  (select fajr from walker_os.daily_scorecard where user_id = tests.get_supabase_uid('bob') and scorecard_date = pg_temp.day()),
  true,
  'and leaves Bob''s ticked box alone');

select lives_ok($$ select walker_os.create_daily_scorecards() $$, 'without a date the job creates today''s scorecards');
select is(pg_temp.scorecards_of('alice', current_date), 1::bigint, 'so Alice has one for today');

-- ---------------------------------------------------------------------------------------------
-- the cron job
-- ---------------------------------------------------------------------------------------------

select results_eq(
  $$ select schedule, command, database, active from cron.job where jobname = 'walker-os-create-daily-scorecards' $$,
  $$ values ('5 0 * * *', 'select walker_os.create_daily_scorecards()', 'postgres', true) $$,
  'walker-os-create-daily-scorecards runs daily at 00:05 and creates the day''s scorecards');
select is(
  cron.schedule('walker-os-create-daily-scorecards', '5 0 * * *', 'select walker_os.create_daily_scorecards()'),
  (select jobid from cron.job where jobname = 'walker-os-create-daily-scorecards'),
  'scheduling the job again (re-running the migration) returns the existing job');
select is(
  (select count(*) from cron.job where jobname = 'walker-os-create-daily-scorecards'),
  1::bigint,
  'and leaves one job of that name');

select * from finish();
rollback;
