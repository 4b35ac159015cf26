-- walker_os's scheduled work: each morning every owner (a user who has kept a scorecard before)
-- finds the day's empty scorecard waiting. The function writes for every owner in the database,
-- so assertions are on this test's own users and on a date no one else uses.
begin;
select plan(32);

-- ---------------------------------------------------------------------------------------------
-- helpers: basejump's tests.* helpers, redone in pg_temp so that they vanish with this session
-- and leave nothing behind in the shared database. Each public helper returns a TAP line, so
-- every statement below is an assertion. Role switches are transaction-local (`set local`).
-- ---------------------------------------------------------------------------------------------

-- Switches to `role` with the JWT claims PostgREST would set for it (sub may be null).
create function pg_temp.act(role text, sub uuid) returns void
language plpgsql as $$
begin
  perform set_config('role', role, true);
  perform set_config('request.jwt.claims',
    case when role = 'none' then '' else json_build_object('sub', sub, 'role', role)::text end, true);
end
$$;

-- A fresh Supabase Auth user (random id, so runs never collide), known below by its label.
create function pg_temp.create_supabase_user(label text) returns text
language plpgsql as $$
declare
  v_id uuid := gen_random_uuid();
begin
  insert into auth.users (id, email, aud, role)
  values (v_id, format('%s.%s@rowgate.test', label, v_id), 'authenticated', 'authenticated');
  perform set_config('tests.user_' || label, v_id::text, true);
  return ok(exists (select from auth.users where id = v_id), format('user %s exists', label));
end
$$;

create function pg_temp.get_supabase_uid(label text) returns uuid
language sql stable as $$ select current_setting('tests.user_' || label)::uuid $$;

create function pg_temp.authenticate_as(label text) returns text
language plpgsql as $$
begin
  perform pg_temp.act('authenticated', pg_temp.get_supabase_uid(label));
  return ok(current_user = 'authenticated' and auth.uid() = pg_temp.get_supabase_uid(label),
    format('acting as %s (authenticated)', label));
end
$$;

create function pg_temp.authenticate_as_anon() returns text
language plpgsql as $$
begin
  perform pg_temp.act('anon', null);
  return ok(current_user = 'anon' and auth.uid() is null, 'acting as anon');
end
$$;

create function pg_temp.authenticate_as_service_role() returns text
language plpgsql as $$
begin
  perform pg_temp.act('service_role', null);
  return ok(current_user = 'service_role' and auth.role() = 'service_role', 'acting as service_role');
end
$$;

-- Back to the migration owner (postgres), with no JWT.
create function pg_temp.clear_authentication() returns text
language plpgsql as $$
begin
  perform pg_temp.act('none', null);
  return ok(current_user = session_user and auth.uid() is null, 'acting as the owner again');
end
$$;

-- How many rows a statement touched, as the current role (RLS hides rows rather than failing).
create function pg_temp.rows_affected(statement text) returns bigint
language plpgsql as $$
declare
  n bigint;
begin
  execute statement;
  get diagnostics n = row_count;
  return n;
end
$$;

-- A far-future date of this run's own, so no one else's scorecards are on it.
create function pg_temp.day() returns date
language sql stable as $$ select date '2200-01-01' + (txid_current() % 36500)::integer $$;

create function pg_temp.scorecards_of(label text, on_date date) returns bigint
language sql stable as $$
  select count(*) from walker_os.daily_scorecard where user_id = pg_temp.get_supabase_uid(label) and scorecard_date = on_date
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

select pg_temp.create_supabase_user('alice');
select pg_temp.create_supabase_user('bob');
select pg_temp.create_supabase_user('carol');

select pg_temp.authenticate_as_anon();
select throws_ok($$ select walker_os.create_daily_scorecards(pg_temp.day()) $$, '42501',
  'permission denied for function create_daily_scorecards', 'anon cannot run the job');
select pg_temp.authenticate_as('alice');
select throws_ok($$ select walker_os.create_daily_scorecards(pg_temp.day()) $$, '42501',
  'permission denied for function create_daily_scorecards', 'a signed-in user cannot run the job');
select pg_temp.clear_authentication();

select lives_ok(
  $$ insert into walker_os.daily_scorecard (user_id, scorecard_date, fajr, energy_level)
     values (pg_temp.get_supabase_uid('alice'), pg_temp.day() - 1, true, 'high'),
            (pg_temp.get_supabase_uid('alice'), pg_temp.day() - 2, true, 'low'),
            (pg_temp.get_supabase_uid('bob'), pg_temp.day() - 1, false, null) $$,
  'Alice has kept two scorecards and Bob one; Carol has none');

select pg_temp.authenticate_as_service_role();
select results_eq(
  $$ select reported >= 2, reported = added from pg_temp.run_job(pg_temp.day()) $$,
  $$ values (true, true) $$,
  'the job creates at least Alice''s and Bob''s scorecards and reports exactly how many it created');
select pg_temp.clear_authentication();

select is(pg_temp.scorecards_of('alice', pg_temp.day()), 1::bigint, 'Alice has one scorecard for the day');
select is(pg_temp.scorecards_of('bob', pg_temp.day()), 1::bigint, 'Bob has one scorecard for the day');
select is(pg_temp.scorecards_of('carol', pg_temp.day()), 0::bigint, 'Carol, who never kept one, gets none');
select results_eq(
  $$ select fajr, mind, body, shutdown_ritual, first_90, b_quadrant_hours, energy_level, day_verdict
       from walker_os.daily_scorecard where user_id = pg_temp.get_supabase_uid('alice') and scorecard_date = pg_temp.day() $$,
  $$ values (false, false, false, false, false, 0::double precision, null::text, null::text) $$,
  'the new scorecard is empty, whatever the earlier ones held');

select pg_temp.authenticate_as_service_role();
select results_eq(
  $$ select reported = added from pg_temp.run_job(pg_temp.day()) $$,
  $$ values (true) $$,
  'running the job again for the same day reports only what it created');
select pg_temp.clear_authentication();
select results_eq(
  $$ select pg_temp.scorecards_of('alice', pg_temp.day()), pg_temp.scorecards_of('bob', pg_temp.day()) $$,
  $$ values (1::bigint, 1::bigint) $$,
  'and creates nothing for owners who already have the day''s scorecard');

select lives_ok(
  $$ update walker_os.daily_scorecard set fajr = true where user_id = pg_temp.get_supabase_uid('bob') and scorecard_date = pg_temp.day() $$,
  'Bob ticks a box on the day''s scorecard');
select lives_ok($$ select walker_os.create_daily_scorecards(pg_temp.day()) $$, 'the job runs again');
select is(
  (select fajr from walker_os.daily_scorecard where user_id = pg_temp.get_supabase_uid('bob') and scorecard_date = pg_temp.day()),
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
