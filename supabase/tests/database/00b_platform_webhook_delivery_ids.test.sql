-- rowgate.ingest after issue 8: delivery ids are scoped by schema (section 5), and the records
-- are written by rowgate.write_records, the same write as the record API's (section 1).
begin;
select plan(19);

select tests.create_supabase_user('alice');

-- ---------------------------------------------------------------------------------------------
-- delivery ids are scoped by schema
-- ---------------------------------------------------------------------------------------------

select col_is_pk('rowgate', 'webhook_deliveries', array['schema_name', 'id'],
  'a delivery is known by its schema and its id');

select tests.authenticate_as_service_role();
select is(
  dyniq.ingest(tests.unique_name('shared'), 'leads', jsonb_build_array(jsonb_build_object('email', tests.email('scoped')))) -> 'duplicate',
  'false'::jsonb, 'a delivery id reaches dyniq');
select is(
  walker_os.ingest(tests.unique_name('shared'), 'path_b',
    jsonb_build_array(jsonb_build_object('user_id', tests.get_supabase_uid('alice'), 'product', tests.unique_name('scoped')))) -> 'duplicate',
  'false'::jsonb, 'the same delivery id reaching walker_os is not a duplicate');
select is((select count(*) from dyniq.leads where email = tests.email('scoped')), 1::bigint, 'dyniq''s record is written');
select is((select count(*) from walker_os.path_b where product = tests.unique_name('scoped')), 1::bigint,
  'and so is walker_os''s');
select results_eq(
  $$ select schema_name, table_name from rowgate.webhook_deliveries where id = tests.unique_name('shared') order by 1 $$,
  $$ values ('dyniq', 'leads'), ('walker_os', 'path_b') $$,
  'the id is recorded once for each schema');
select is(
  walker_os.ingest(tests.unique_name('shared'), 'path_b',
    jsonb_build_array(jsonb_build_object('user_id', tests.get_supabase_uid('alice'), 'product', tests.unique_name('scoped')))),
  '{"duplicate": true}'::jsonb, 'the same id to walker_os again is a duplicate');
select is((select count(*) from walker_os.path_b where product = tests.unique_name('scoped')), 1::bigint,
  'and writes nothing');

-- ---------------------------------------------------------------------------------------------
-- ingest writes through write_records
-- ---------------------------------------------------------------------------------------------

select lives_ok(
  $$ insert into dyniq.leads (email, tier, name) values (tests.email('kept'), 'WARM', 'Bea') $$,
  'lead b is stored with tier WARM');
select results_eq(
  $$ select r -> 'duplicate', r -> 'rows' -> 0 ->> 'email', r -> 'rows' -> 1 ->> 'email', r -> 'rows' -> 1 ->> 'tier'
       from dyniq.ingest(tests.unique_name('upsert'), 'leads',
              jsonb_build_array(jsonb_build_object('email', tests.email('new'), 'tier', 'HOT'),
                                jsonb_build_object('email', tests.email('kept'))),
              array['email']) as r $$,
  $$ values ('false'::jsonb, tests.email('new'), tests.email('kept'), 'WARM') $$,
  'an ingested upsert answers its rows in order');
select results_eq(
  $$ select tier::text, name::text from dyniq.leads where email = tests.email('kept') $$,
  $$ values ('WARM', 'Bea') $$,
  'and, like the record API''s, leaves what a record does not carry');
select throws_ok(
  $$ select dyniq.ingest(tests.unique_name('twice'), 'leads',
       jsonb_build_array(jsonb_build_object('email', tests.email('twice'), 'tier', 'HOT'),
                         jsonb_build_object('email', tests.email('twice'), 'tier', 'COLD')), array['email']) $$,
  '21000', 'records 0, 1 of the batch have the same email', 'an ingested batch with one key twice is refused');
select is_empty($$ select from rowgate.webhook_deliveries where id = tests.unique_name('twice') $$,
  'and its delivery is not recorded, so a corrected retry is accepted');
select throws_ok(
  $$ select dyniq.ingest(tests.unique_name('empty'), 'leads', '[]') $$,
  '22023', 'p_records must hold at least one record', 'an empty delivery is refused');
select is_empty($$ select from rowgate.webhook_deliveries where id = tests.unique_name('empty') $$,
  'and is not recorded');
select ok(
  (select pg_get_functiondef('rowgate.ingest(text, text, text, jsonb, text[])'::regprocedure)
     ~ 'rowgate\.write_records\(p_schema, p_table, p_records, p_on_conflict\)'),
  'rowgate.ingest writes through rowgate.write_records');
select tests.clear_authentication();

select * from finish();
rollback;
