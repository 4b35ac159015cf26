-- walker_os.ingest: the signed ingest endpoint's database side (POST /webhooks/walker_os/ingest),
-- a wrapper over rowgate.ingest (tested in 00_platform) that only the service role may call.
-- The service role has no auth.uid(), so every record must name its owner.
begin;
select plan(18);

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

create function pg_temp.delivery(label text) returns text
language sql stable as $$ select format('pgtap-%s-%s', label, txid_current()) $$;

select function_returns('walker_os', 'ingest', array['text', 'text', 'jsonb', 'text[]'], 'jsonb');
select function_privs_are('walker_os', 'ingest', array['text', 'text', 'jsonb', 'text[]'], 'anon', array[]::text[]);
select function_privs_are('walker_os', 'ingest', array['text', 'text', 'jsonb', 'text[]'], 'authenticated', array[]::text[]);
select function_privs_are('walker_os', 'ingest', array['text', 'text', 'jsonb', 'text[]'], 'service_role', array['EXECUTE']);

select pg_temp.create_supabase_user('alice');
select pg_temp.authenticate_as_anon();
select throws_ok($$ select walker_os.ingest('x', 'path_b', '[]') $$, '42501', 'permission denied for function ingest',
  'anon cannot ingest');
select pg_temp.authenticate_as('alice');
select throws_ok($$ select walker_os.ingest('x', 'path_b', '[]') $$, '42501', 'permission denied for function ingest',
  'a signed-in user cannot ingest, not even for herself');

select pg_temp.authenticate_as_service_role();
select results_eq(
  $$ select r -> 'duplicate', r -> 'rows' -> 0 ->> 'product', r -> 'rows' -> 0 ->> 'mrr_target'
       from walker_os.ingest(pg_temp.delivery('1'), 'path_b',
              jsonb_build_array(jsonb_build_object('user_id', pg_temp.get_supabase_uid('alice'), 'product', 'SaaS'))) as r $$,
  $$ values ('false'::jsonb, 'SaaS', '10000.00') $$,
  'a delivery inserts records for the owner they name, with the table''s defaults');
select results_eq(
  $$ select r -> 'rows' -> 0 -> 'zakat_amount'
       from walker_os.ingest(pg_temp.delivery('2'), 'profit_first_buckets',
              jsonb_build_array(jsonb_build_object('user_id', pg_temp.get_supabase_uid('alice'), 'period_start', '2030-01-01', 'revenue', 1000))) as r $$,
  $$ values ('25.00'::jsonb) $$,
  'generated columns are computed for ingested records');
select is(
  walker_os.ingest(pg_temp.delivery('1'), 'path_b',
    jsonb_build_array(jsonb_build_object('user_id', pg_temp.get_supabase_uid('alice'), 'product', 'SaaS'))),
  '{"duplicate": true}'::jsonb,
  'a delivery seen before is reported as a duplicate');
select is(
  (select count(*) from walker_os.path_b where user_id = pg_temp.get_supabase_uid('alice')),
  1::bigint,
  'and writes nothing');
select throws_ok(
  $$ select walker_os.ingest(pg_temp.delivery('3'), 'path_b', '[{"product": "Nobody''s"}]') $$,
  '23502', 'null value in column "user_id" of relation "path_b" violates not-null constraint',
  'a record that names no owner is refused');
select throws_ok(
  format($$ select walker_os.ingest(pg_temp.delivery('4'), 'path_b', '[{"user_id": "%s", "product": "x"}]') $$, gen_random_uuid()),
  '23503', 'insert or update on table "path_b" violates foreign key constraint "path_b_user_id_fkey"',
  'a record for someone who is not an Auth user is refused');
select throws_ok(
  $$ select walker_os.ingest(pg_temp.delivery('5'), 'leads', '[]') $$,
  '42P01', 'unknown table walker_os.leads',
  'only walker_os tables can be reached through walker_os.ingest');
select pg_temp.clear_authentication();

select * from finish();
rollback;
