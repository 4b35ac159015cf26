-- walker_os.ingest: the signed ingest endpoint's database side (POST /webhooks/walker_os/ingest),
-- a wrapper over rowgate.ingest (tested in 00_platform) that only the service role may call.
-- The service role has no auth.uid(), so every record must name its owner.
begin;
select plan(18);

select function_returns('walker_os', 'ingest', array['text', 'text', 'jsonb', 'text[]'], 'jsonb');
select function_privs_are('walker_os', 'ingest', array['text', 'text', 'jsonb', 'text[]'], 'anon', array[]::text[]);
select function_privs_are('walker_os', 'ingest', array['text', 'text', 'jsonb', 'text[]'], 'authenticated', array[]::text[]);
select function_privs_are('walker_os', 'ingest', array['text', 'text', 'jsonb', 'text[]'], 'service_role', array['EXECUTE']);

select tests.create_supabase_user('alice');
select tests.authenticate_as_anon();
select throws_ok($$ select walker_os.ingest('x', 'path_b', '[]') $$, '42501', 'permission denied for function ingest',
  'anon cannot ingest');
select tests.authenticate_as('alice');
select throws_ok($$ select walker_os.ingest('x', 'path_b', '[]') $$, '42501', 'permission denied for function ingest',
  'a signed-in user cannot ingest, not even for herself');

select tests.authenticate_as_service_role();
select results_eq(
  $$ select r -> 'duplicate', r -> 'rows' -> 0 ->> 'product', r -> 'rows' -> 0 ->> 'mrr_target'
       from walker_os.ingest(tests.unique_name('1'), 'path_b',
              jsonb_build_array(jsonb_build_object('user_id', tests.get_supabase_uid('alice'), 'product', 'SaaS'))) as r $$,
  $$ values ('false'::jsonb, 'SaaS', '10000.00') $$,
  'a delivery inserts records for the owner they name, with the table''s defaults');
select results_eq(
  $$ select r -> 'rows' -> 0 -> 'zakat_amount'
       from walker_os.ingest(tests.unique_name('2'), 'profit_first_buckets',
              jsonb_build_array(jsonb_build_object('user_id', tests.get_supabase_uid('alice'), 'period_start', '2030-01-01', 'revenue', 1000))) as r $$,
  $$ values ('25.00'::jsonb) $$,
  'generated columns are computed for ingested records');
select is(
  walker_os.ingest(tests.unique_name('1'), 'path_b',
    jsonb_build_array(jsonb_build_object('user_id', tests.get_supabase_uid('alice'), 'product', 'SaaS'))),
  '{"duplicate": true}'::jsonb,
  'a delivery seen before is reported as a duplicate');
select is(
  (select count(*) from walker_os.path_b where user_id = tests.get_supabase_uid('alice')),
  1::bigint,
  'and writes nothing');
select throws_ok(
  $$ select walker_os.ingest(tests.unique_name('3'), 'path_b', '[{"product": "Nobody''s"}]') $$,
  '23502', 'null value in column "user_id" of relation "path_b" violates not-null constraint',
  'a record that names no owner is refused');
select throws_ok(
  format($$ select walker_os.ingest(tests.unique_name('4'), 'path_b', '[{"user_id": "%s", "product": "x"}]') $$, gen_random_uuid()),
  '23503', 'insert or update on table "path_b" violates foreign key constraint "path_b_user_id_fkey"',
  'a record for someone who is not an Auth user is refused');
select throws_ok(
  $$ select walker_os.ingest(tests.unique_name('5'), 'leads', '[]') $$,
  '42P01', 'unknown table walker_os.leads',
  'only walker_os tables can be reached through walker_os.ingest');
select tests.clear_authentication();

select * from finish();
rollback;
