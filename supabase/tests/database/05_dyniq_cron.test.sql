-- dyniq's scheduled work: the job that marks board meetings stuck in `processing` for over an
-- hour as `stalled`, and its registration with pg_cron. The function touches every such row in
-- the database, so only this test's own meetings are asserted on.
begin;
select plan(25);

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

-- Unique per run (the transaction id), so rows never collide with anyone else's.
create function pg_temp.thread_id(label text) returns text
language sql stable as $$ select format('bm-pgtap-%s-%s', label, txid_current()) $$;
create function pg_temp.status_of(label text) returns text
language sql stable as $$ select status from dyniq.board_meetings where thread_id = pg_temp.thread_id(label) $$;

-- ---------------------------------------------------------------------------------------------
-- dyniq.flag_stalled_board_meetings
-- ---------------------------------------------------------------------------------------------

select function_returns('dyniq', 'flag_stalled_board_meetings', array['interval'], 'bigint');
select function_privs_are('dyniq', 'flag_stalled_board_meetings', array['interval'], 'anon', array[]::text[]);
select function_privs_are('dyniq', 'flag_stalled_board_meetings', array['interval'], 'authenticated', array[]::text[]);
select function_privs_are('dyniq', 'flag_stalled_board_meetings', array['interval'], 'service_role', array['EXECUTE']);

select pg_temp.create_supabase_user('alice');
select pg_temp.authenticate_as_anon();
select throws_ok($$ select dyniq.flag_stalled_board_meetings() $$, '42501',
  'permission denied for function flag_stalled_board_meetings', 'anon cannot run the job');
select pg_temp.authenticate_as('alice');
select throws_ok($$ select dyniq.flag_stalled_board_meetings() $$, '42501',
  'permission denied for function flag_stalled_board_meetings', 'a signed-in user cannot run the job');
select pg_temp.clear_authentication();

select lives_ok(
  $$ insert into dyniq.board_meetings (thread_id, topic, status, updated_at)
     values (pg_temp.thread_id('old'), 'processing for two hours', 'processing', now() - interval '2 hours'),
            (pg_temp.thread_id('just-over'), 'processing for 61 minutes', 'processing', now() - interval '61 minutes'),
            (pg_temp.thread_id('recent'), 'processing for 30 minutes', 'processing', now() - interval '30 minutes'),
            (pg_temp.thread_id('completed'), 'completed two hours ago', 'completed', now() - interval '2 hours') $$,
  'four meetings: processing for 2 h, 61 min and 30 min, and one completed 2 h ago');

select pg_temp.authenticate_as_service_role();
select cmp_ok(dyniq.flag_stalled_board_meetings(), '>=', 2::bigint,
  'the job reports at least the two meetings it flagged');
select pg_temp.clear_authentication();

select is(pg_temp.status_of('old'), 'stalled', 'a meeting processing for 2 hours is flagged stalled');
select is(pg_temp.status_of('just-over'), 'stalled', 'a meeting processing for 61 minutes is flagged stalled');
select is(pg_temp.status_of('recent'), 'processing', 'a meeting processing for 30 minutes is left alone');
select is(pg_temp.status_of('completed'), 'completed', 'a completed meeting is left alone, however old');
select is(
  (select updated_at from dyniq.board_meetings where thread_id = pg_temp.thread_id('old')),
  now(),
  'flagging a meeting records when (updated_at)');
select is(
  (select updated_at from dyniq.board_meetings where thread_id = pg_temp.thread_id('recent')),
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
