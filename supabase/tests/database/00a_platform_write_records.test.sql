-- rowgate.write_records and its per-schema wrappers: the one write behind the record API's bulk
-- upserts and the signed ingest (issue 8, section 1). An upsert changes only the columns each
-- record carries, never a set-once column; two records with one key fail the whole call; the
-- rows come back in the records' order; the caller's grants and row-level security decide.
begin;
select plan(79);

-- ---------------------------------------------------------------------------------------------
-- the functions and who may call them
-- ---------------------------------------------------------------------------------------------

select function_returns('rowgate', 'write_records', array['text', 'text', 'jsonb', 'text[]'], 'jsonb');
select function_returns('dyniq', 'write_records', array['text', 'jsonb', 'text[]'], 'jsonb');
select function_returns('walker_os', 'write_records', array['text', 'jsonb', 'text[]'], 'jsonb');
select is_empty(
  $$ select p.oid::regprocedure::text from pg_proc p
      where p.proname = 'write_records' and (p.prosecdef or not p.proconfig @> array['search_path=""']) $$,
  'every write_records is security invoker with an empty search_path');
select function_privs_are('rowgate', 'write_records', array['text', 'text', 'jsonb', 'text[]'], 'anon', array[]::text[]);
select function_privs_are('rowgate', 'write_records', array['text', 'text', 'jsonb', 'text[]'], 'authenticated', array['EXECUTE']);
select function_privs_are('rowgate', 'write_records', array['text', 'text', 'jsonb', 'text[]'], 'service_role', array['EXECUTE']);
select function_privs_are(s, 'write_records', array['text', 'jsonb', 'text[]'], r,
         case when r = 'anon' then array[]::text[] else array['EXECUTE'] end)
  from unnest(array['dyniq', 'walker_os']) as s, unnest(array['anon', 'authenticated', 'service_role']) as r;
select is_empty(
  $$ select c.relname from pg_class c
      where c.relnamespace = 'rowgate'::regnamespace
        and (has_table_privilege('authenticated', c.oid, 'SELECT, INSERT, UPDATE, DELETE')
          or has_any_column_privilege('authenticated', c.oid, 'SELECT, INSERT, UPDATE')) $$,
  'authenticated may call write_records but is granted no rowgate table');

select tests.create_supabase_user('alice');
select tests.create_supabase_user('bob');

select tests.authenticate_as_anon();
select throws_ok($$ select dyniq.write_records('leads', '[{"email": "a@b.co"}]') $$, '42501',
  'permission denied for function write_records', 'anon cannot call dyniq.write_records');
select throws_ok($$ select walker_os.write_records('path_b', '[{"product": "x"}]') $$, '42501',
  'permission denied for function write_records', 'anon cannot call walker_os.write_records');
select tests.authenticate_as('alice');
select throws_ok($$ select dyniq.write_records('leads', '[{"email": "a@b.co"}]') $$, '42501',
  'permission denied for table leads', 'a signed-in user writes dyniq through the wrapper no more than directly');

-- ---------------------------------------------------------------------------------------------
-- what is refused before anything is written
-- ---------------------------------------------------------------------------------------------

select tests.authenticate_as_service_role();
select throws_ok($$ select dyniq.write_records('leads', '{"email": "a@b.co"}') $$, '22023',
  'p_records must be a JSON array', 'records that are not a JSON array are refused');
select throws_ok($$ select dyniq.write_records('no_such_table', '[{"x": 1}]') $$, '42P01',
  'unknown table dyniq.no_such_table', 'an unknown table is refused');
select throws_ok($$ select walker_os.write_records('leads', '[{"email": "a@b.co"}]') $$, '42P01',
  'unknown table walker_os.leads', 'a wrapper reaches only its own schema''s tables');
select throws_ok($$ select dyniq.write_records('leads', '[]') $$, '22023',
  'p_records must hold at least one record', 'an empty batch is refused');
select throws_ok($$ select dyniq.write_records('leads', '[{"email": "a@b.co"}, ["x"]]') $$, '22023',
  'each record must be a JSON object', 'a record that is not an object is refused');
select throws_ok($$ select dyniq.write_records('leads', '[{"email": "a@b.co"}, {}]') $$, '22023',
  'each record must carry at least one field', 'an empty record is refused');
select throws_ok($$ select dyniq.write_records('leads', '[{"email": "a@b.co", "colour": "red"}]') $$, '42703',
  'column "colour" of relation "leads" does not exist', 'a field the table lacks is refused');
select throws_ok($$ select dyniq.write_records('leads', '[{"email": "a@b.co"}]', array['colour']) $$, '42703',
  'column "colour" of relation "leads" does not exist', 'a conflict column the table lacks is refused');
select throws_ok($$ select dyniq.write_records('leads', '[{"email": "a@b.co"}]', array['name']) $$, '42P10',
  'there is no unique or exclusion constraint matching the ON CONFLICT specification',
  'a conflict column with no unique key is refused, even when no record would update');
select throws_ok($$ select dyniq.write_records('leads', '[{"email": "a@b.co"}]', array[]::text[]) $$, '22023',
  'p_on_conflict must name at least one column, and no null', 'an empty conflict list is refused');
select is_empty($$ select from dyniq.leads where email = 'a@b.co' $$, 'none of them wrote anything');

-- ---------------------------------------------------------------------------------------------
-- issue 8's case: an upsert changes only the columns each record carries
-- ---------------------------------------------------------------------------------------------

-- updated_at is the trigger's, which the service role may not write: the owner backdates the two
-- leads, so that an untouched row shows by its updated_at.
select tests.clear_authentication();
select lives_ok(
  $$ insert into dyniq.leads (email, tier, name, updated_at)
     values (tests.email('b'), 'WARM', 'Bea', '2020-01-01'), (tests.email('a'), 'COLD', 'Ada', '2020-01-01') $$,
  'leads a (COLD, Ada) and b (WARM, Bea) are stored, updated at 2020-01-01 (by the owner)');
select tests.authenticate_as_service_role();
select results_eq(
  $$ select r ->> 'email', r ->> 'tier', r ->> 'name'
       from jsonb_array_elements(dyniq.write_records('leads',
              jsonb_build_array(jsonb_build_object('email', tests.email('a'), 'tier', 'HOT'),
                                jsonb_build_object('email', tests.email('b'))),
              array['email'])) with ordinality as w(r, n) order by n $$,
  $$ values (tests.email('a'), 'HOT', 'Ada'), (tests.email('b'), 'WARM', 'Bea') $$,
  'upserting [{a, tier HOT}, {b}] on email answers both rows, in the records'' order');
select results_eq(
  $$ select email::text, tier::text, name::text from dyniq.leads where email in (tests.email('a'), tests.email('b')) order by email $$,
  $$ values (tests.email('a'), 'HOT', 'Ada'), (tests.email('b'), 'WARM', 'Bea') $$,
  'a''s tier is HOT, b keeps its tier WARM, and neither name is erased');
select is((select updated_at from dyniq.leads where email = tests.email('b')), '2020-01-01'::timestamptz,
  'b, which its record left nothing to set, is not even touched (updated_at unchanged)');
select isnt((select updated_at from dyniq.leads where email = tests.email('a')), '2020-01-01'::timestamptz,
  'a, which was changed, has a new updated_at');

-- set-once columns: never changed by an upsert, by anyone
select is(
  dyniq.write_records('leads',
    jsonb_build_array(jsonb_build_object('email', tests.email('a'), 'id', gen_random_uuid(),
      'created_at', '2000-01-01T00:00:00Z', 'name', 'Ada Lovelace')),
    array['email']) -> 0 ->> 'id',
  (select id::text from dyniq.leads where email = tests.email('a')),
  'an upsert carrying id for an existing email answers the row with its own id');
select results_eq(
  $$ select count(*), min(name::text), bool_and(created_at > '2000-01-01') from dyniq.leads where email = tests.email('a') $$,
  $$ values (1::bigint, 'Ada Lovelace', true) $$,
  'and changes the fields it carries but neither id nor created_at');
select throws_ok(
  $$ select dyniq.write_records('leads',
       jsonb_build_array(jsonb_build_object('email', tests.email('h'), 'updated_at', '2030-01-01T00:00:00Z')), array['email']) $$,
  '42501', 'permission denied for table leads', 'the service role cannot insert updated_at through write_records');

-- the same key twice in one batch
select throws_ok(
  $$ select dyniq.write_records('leads',
       jsonb_build_array(jsonb_build_object('email', tests.email('c'), 'tier', 'HOT'),
                         jsonb_build_object('email', tests.email('c'), 'tier', 'COLD')), array['email']) $$,
  '21000', null, 'two records with the same key fail the whole call (21000)');
select throws_ok(
  $$ select dyniq.write_records('leads',
       jsonb_build_array(jsonb_build_object('email', tests.email('d')),
                         jsonb_build_object('email', tests.email('a'), 'name', 'Ada'),
                         jsonb_build_object('email', tests.email('a'), 'tier', 'COLD')), array['email']) $$,
  '21000', 'records 1, 2 of the batch have the same email',
  'so do two records with the same key and different fields, named by their positions from 0');
select throws_ok(
  $$ select dyniq.write_records('content_metrics',
       jsonb_build_array(jsonb_build_object('post_id', '8c6f1f2e-3b9a-4c1d-9f5e-2a7b6c0d1e3f', 'metric_date', '2031-01-01'),
                         jsonb_build_object('post_id', '8C6F1F2E3B9A4C1D9F5E2A7B6C0D1E3F', 'metric_date', '2031-01-01', 'likes', 1)),
       array['post_id', 'metric_date']) $$,
  '21000', 'records 0, 1 of the batch have the same post_id, metric_date',
  'keys are compared as the unique index compares them: one uuid spelled two ways is one key');
select is_empty($$ select from dyniq.leads where email in (tests.email('c'), tests.email('d')) $$,
  'and neither batch wrote anything');
select is((select tier from dyniq.leads where email = tests.email('a')), 'HOT', 'not even to a row that existed');

-- order, defaults and failure as a whole
select results_eq(
  $$ select r ->> 'email', r ->> 'tier', r ->> 'name', r -> 'pain_points'
       from jsonb_array_elements(dyniq.write_records('leads',
              jsonb_build_array(jsonb_build_object('email', tests.email('e'), 'name', 'Eve'),
                                jsonb_build_object('email', tests.email('a'), 'tier', 'WARM'),
                                jsonb_build_object('email', tests.email('f'), 'tier', 'COLD'),
                                jsonb_build_object('email', tests.email('b')),
                                jsonb_build_object('email', tests.email('g'), 'name', 'Gus')),
              array['email'])) with ordinality as w(r, n) order by n $$,
  $$ values (tests.email('e'), null, 'Eve', '[]'::jsonb), (tests.email('a'), 'WARM', 'Ada Lovelace', '[]'),
            (tests.email('f'), 'COLD', null, '[]'), (tests.email('b'), 'WARM', 'Bea', '[]'),
            (tests.email('g'), null, 'Gus', '[]') $$,
  'records of different shapes, new and existing, come back in the order they were sent, with defaults');
select results_eq(
  $$ select count(*) from jsonb_array_elements(dyniq.write_records('content_posts',
       format('[{"platform": "linkedin", "topic": "%1$s"}, {"platform": "twitter", "topic": "%1$s"}, {"platform": "linkedin", "topic": "%1$s"}]',
              tests.unique_name('posts'))::jsonb)) $$,
  $$ values (3::bigint) $$,
  'without p_on_conflict every record is inserted');
select throws_ok(
  format($$ select dyniq.write_records('content_posts',
     '[{"platform": "linkedin", "topic": "%1$s-bad"}, {"platform": "myspace", "topic": "%1$s-bad"}]') $$, tests.unique_name('posts')),
  '23514', 'new row for relation "content_posts" violates check constraint "content_posts_platform_check"',
  'a batch with one bad record is refused with the constraint''s name');
select is_empty(format($$ select from dyniq.content_posts where topic = '%s-bad' $$, tests.unique_name('posts')),
  'and writes none of its records');
select tests.clear_authentication();

-- ---------------------------------------------------------------------------------------------
-- walker_os as its owner: the same rules, under the owner's grants and row-level security
-- ---------------------------------------------------------------------------------------------

select tests.authenticate_as('alice');
select lives_ok(
  $$ insert into walker_os.daily_scorecard (scorecard_date, energy_level, fajr) values ('2031-01-02', 'low', true) $$,
  'Alice''s scorecard of 2031-01-02 is stored with energy low and fajr ticked');
select results_eq(
  $$ select r ->> 'scorecard_date', r ->> 'energy_level', (r ->> 'fajr')::boolean, (r ->> 'user_id')::uuid
       from jsonb_array_elements(walker_os.write_records('daily_scorecard',
              '[{"scorecard_date": "2031-01-01", "energy_level": "high"}, {"scorecard_date": "2031-01-02"}, {"scorecard_date": "2031-01-03", "mind": true}]',
              array['user_id', 'scorecard_date'])) with ordinality as w(r, n) order by n $$,
  $$ values ('2031-01-01', 'high', false, tests.get_supabase_uid('alice')),
            ('2031-01-02', 'low', true, tests.get_supabase_uid('alice')),
            ('2031-01-03', null, false, tests.get_supabase_uid('alice')) $$,
  'an owner''s upsert keyed on (user_id, scorecard_date) finds her row by the user_id default and keeps what it leaves out');
select lives_ok(
  $$ insert into walker_os.path_b (product, created_at) values ('Alice''s SaaS', '2020-01-01') $$,
  'Alice has a path B product');
select results_eq(
  $$ select r ->> 'product', (r ->> 'created_at')::timestamptz
       from jsonb_array_elements(walker_os.write_records('path_b',
              jsonb_build_array(jsonb_build_object('id', (select id from walker_os.path_b where product = 'Alice''s SaaS'),
                                                   'product', 'Alice''s SaaS v2', 'created_at', '2030-01-01T00:00:00Z')),
              array['id'])) as r $$,
  $$ values ('Alice''s SaaS v2', '2020-01-01'::timestamptz) $$,
  'an owner''s upsert by id changes what she may change and leaves created_at, which she may not update');
select throws_ok(
  $$ select walker_os.write_records('path_b', '[{"product": "x", "updated_at": "2030-01-01T00:00:00Z"}]') $$,
  '42501', 'permission denied for table path_b', 'an owner cannot write updated_at through write_records either');

-- row-level security holds through the wrapper
select tests.authenticate_as('bob');
select lives_ok($$ insert into walker_os.path_b (product) values ('Bob''s app') $$, 'Bob has a path B product');
select lives_ok($$ insert into walker_os.daily_scorecard (scorecard_date, energy_level) values ('2031-01-02', 'medium') $$,
  'Bob has a scorecard of 2031-01-02');
-- Their ids, for Alice to name (she cannot read them).
select isnt(set_config('tests.bob_path_b', (select id::text from walker_os.path_b), true), null,
  'Bob''s product id is noted');
select isnt(set_config('tests.bob_scorecard', (select id::text from walker_os.daily_scorecard), true), null,
  'Bob''s scorecard id is noted');
select tests.clear_authentication();
select tests.authenticate_as('alice');
select throws_ok(
  format($$ select walker_os.write_records('path_b', '[{"id": "%s", "product": "Mine now"}]', array['id']) $$,
         current_setting('tests.bob_path_b')),
  '42501', null, 'Alice cannot upsert over Bob''s row by its id');
select throws_ok(
  format($$ select walker_os.write_records('daily_scorecard', '[{"user_id": "%s", "scorecard_date": "2031-01-02", "energy_level": "low"}]',
                                           array['user_id', 'scorecard_date']) $$, tests.get_supabase_uid('bob')),
  '42501', 'new row violates row-level security policy for table "daily_scorecard"',
  'nor over Bob''s scorecard by naming him as its owner');
select throws_ok(
  format($$ select walker_os.write_records('daily_scorecard', '[{"id": "%s"}]', array['id']) $$,
         current_setting('tests.bob_scorecard')),
  '23505', 'duplicate key value violates unique constraint "daily_scorecard_pkey"',
  'a record naming only the key of a row she cannot see is refused as a direct insert would be, not answered with Bob''s row');
select tests.clear_authentication();
select results_eq(
  $$ select (select product::text from walker_os.path_b where user_id = tests.get_supabase_uid('bob')),
            (select energy_level from walker_os.daily_scorecard where user_id = tests.get_supabase_uid('bob')) $$,
  $$ values ('Bob''s app', 'medium') $$,
  'Bob''s rows are unchanged');

-- the service role writes walker_os for any owner it names, and cannot move a row to another
select tests.authenticate_as_service_role();
select results_eq(
  $$ select (r -> 0 ->> 'user_id')::uuid, r -> 0 ->> 'product'
       from walker_os.write_records('path_b',
              jsonb_build_array(jsonb_build_object('id', (select id from walker_os.path_b where user_id = tests.get_supabase_uid('bob')),
                                                   'user_id', tests.get_supabase_uid('alice'), 'product', 'Bob''s app v2')),
              array['id']) as r $$,
  $$ values (tests.get_supabase_uid('bob'), 'Bob''s app v2') $$,
  'a service-role upsert carrying another user_id changes the product but keeps the owner');
select tests.clear_authentication();

-- ---------------------------------------------------------------------------------------------
-- one set-based statement per shape of record, not one per record
-- ---------------------------------------------------------------------------------------------

select tests.authenticate_as_service_role();
select lives_ok(
  $$ select dyniq.write_records('leads',
       (select jsonb_agg(case when i % 2 = 0 then jsonb_build_object('email', tests.email('bulk-' || i))
                              else jsonb_build_object('email', tests.email('bulk-' || i), 'tier', 'HOT') end)
          from generate_series(1, 200) as i), array['email']) $$,
  '200 records of two shapes are upserted');
select tests.clear_authentication();
select is(
  (select count(*) from dyniq.leads where email like tests.email('bulk-%')),
  200::bigint, 'all 200 are written');
select ok(
  (select pg_get_functiondef('rowgate.write_records(text, text, jsonb, text[])'::regprocedure)
     ~ 'jsonb_populate_recordset\(null::%1\$I\.%2\$I, \$1\) with ordinality'),
  'each group is written by one insert ... select from jsonb_populate_recordset, numbered with ordinality');

select * from finish();
rollback;
