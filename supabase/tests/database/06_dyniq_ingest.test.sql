-- dyniq.ingest: the signed ingest endpoint's database side (POST /webhooks/dyniq/ingest), a
-- wrapper over rowgate.ingest (tested in 00_platform) that only the service role may call.
begin;
select plan(19);

select function_returns('dyniq', 'ingest', array['text', 'text', 'jsonb', 'text[]'], 'jsonb');
select function_privs_are('dyniq', 'ingest', array['text', 'text', 'jsonb', 'text[]'], 'anon', array[]::text[]);
select function_privs_are('dyniq', 'ingest', array['text', 'text', 'jsonb', 'text[]'], 'authenticated', array[]::text[]);
select function_privs_are('dyniq', 'ingest', array['text', 'text', 'jsonb', 'text[]'], 'service_role', array['EXECUTE']);

select tests.create_supabase_user('alice');
select tests.authenticate_as_anon();
select throws_ok($$ select dyniq.ingest('x', 'leads', '[]') $$, '42501', 'permission denied for function ingest',
  'anon cannot ingest');
select tests.authenticate_as('alice');
select throws_ok($$ select dyniq.ingest('x', 'leads', '[]') $$, '42501', 'permission denied for function ingest',
  'a signed-in user cannot ingest');

select tests.authenticate_as_service_role();
select results_eq(
  $$ select r -> 'duplicate', r -> 'rows' -> 0 ->> 'email', r -> 'rows' -> 0 ->> 'name', r -> 'rows' -> 0 -> 'pain_points'
       from dyniq.ingest(tests.unique_name('1'), 'leads',
              jsonb_build_array(jsonb_build_object('email', tests.email('ingest'), 'name', 'Ada'))) as r $$,
  $$ values ('false'::jsonb, tests.email('ingest'), 'Ada', '[]'::jsonb) $$,
  'a delivery inserts its records, which take defaults for the columns they do not carry, and returns them');
select results_eq(
  $$ select r -> 'duplicate', r -> 'rows' -> 0 ->> 'name'
       from dyniq.ingest(tests.unique_name('2'), 'leads',
              jsonb_build_array(jsonb_build_object('email', tests.email('ingest'), 'name', 'Ada Lovelace')),
              array['email']) as r $$,
  $$ values ('false'::jsonb, 'Ada Lovelace') $$,
  'with p_on_conflict a later delivery updates the existing row');
select is(
  dyniq.ingest(tests.unique_name('1'), 'leads', jsonb_build_array(jsonb_build_object('email', tests.email('ingest'), 'name', 'Someone'))),
  '{"duplicate": true}'::jsonb,
  'a delivery seen before is reported as a duplicate');
select results_eq(
  $$ select count(*), min(name)::text from dyniq.leads where email = tests.email('ingest') $$,
  $$ values (1::bigint, 'Ada Lovelace') $$,
  'and writes nothing');
select throws_ok(
  $$ select dyniq.ingest(tests.unique_name('3'), 'leads', jsonb_build_array(jsonb_build_object('email', 'NOT-LOWER@EXAMPLE.COM'))) $$,
  '23514', 'value for domain rowgate.email violates check constraint "email_format"',
  'a record that breaks a format is refused with the name of its domain''s constraint');
select is_empty($$ select from rowgate.webhook_deliveries where id = tests.unique_name('3') $$,
  'and its delivery is not recorded, so a corrected retry is accepted');
select throws_ok(
  $$ select dyniq.ingest(tests.unique_name('4'), 'content_posts', '[{}]') $$,
  '22023', 'each record must carry at least one field',
  'a record with no fields is refused with a clear error, not a syntax error');
select is_empty($$ select from rowgate.webhook_deliveries where id = tests.unique_name('4') $$,
  'and its delivery is not recorded');
select tests.clear_authentication();

select * from finish();
rollback;
