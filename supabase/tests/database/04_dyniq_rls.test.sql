-- dyniq is business data written by the pipeline with the service role: row-level security is
-- on with no policies, anon and authenticated are granted nothing (every statement is refused
-- with 42501), and the service role (which bypasses RLS) reads and writes every table: it reads
-- and deletes at table level, inserts every column but updated_at (the trigger's) and updates
-- every column but id, created_at and updated_at.
begin;
select plan(110);

-- ---------------------------------------------------------------------------------------------
-- helpers for this file only, in pg_temp so that they vanish with the session (the shared ones
-- are tests.*, installed by 000_setup_test_helpers)
-- ---------------------------------------------------------------------------------------------

-- The current role may neither read nor write the table: each statement fails with 42501.
create function pg_temp.denied_everything(tbl text, who text) returns setof text
language plpgsql as $$
declare
  msg text := format('permission denied for table %s', split_part(tbl, '.', 2));
begin
  return next throws_ok(format('select * from %s', tbl), '42501', msg, format('%s cannot read %s', who, tbl));
  return next throws_ok(format('insert into %s default values', tbl), '42501', msg, format('%s cannot insert into %s', who, tbl));
  return next throws_ok(format('update %s set created_at = created_at', tbl), '42501', msg, format('%s cannot update %s', who, tbl));
  return next throws_ok(format('delete from %s', tbl), '42501', msg, format('%s cannot delete from %s', who, tbl));
end
$$;

-- The current role can insert a row, read it back, change it and delete it.
create function pg_temp.can_do_everything(tbl text, who text, insert_statement text, row_filter text, change text)
returns setof text
language plpgsql as $$
begin
  return next lives_ok(insert_statement, format('%s can insert into %s', who, tbl));
  return next is(tests.rows_affected(format('select from %s where %s', tbl, row_filter)), 1::bigint,
    format('%s can read %s', who, tbl));
  return next is(tests.rows_affected(format('update %s set %s where %s', tbl, change, row_filter)), 1::bigint,
    format('%s can update %s', who, tbl));
  return next is(tests.rows_affected(format('delete from %s where %s', tbl, row_filter)), 1::bigint,
    format('%s can delete from %s', who, tbl));
end
$$;

-- ---------------------------------------------------------------------------------------------
-- row-level security is on everywhere, with no policy at all
-- ---------------------------------------------------------------------------------------------

select is_empty(
  $$ select relname from pg_class where relnamespace = 'dyniq'::regnamespace and relkind in ('r', 'p') and not relrowsecurity $$,
  'every dyniq table has row-level security enabled');
select ok((select relrowsecurity from pg_class where oid = format('dyniq.%s', t)::regclass), format('dyniq.%s has row-level security enabled', t))
  from unnest(array['leads', 'quiz_responses', 'content_posts', 'content_metrics', 'board_meetings', 'universal_embeddings']) as t;
select is_empty($$ select policyname from pg_policies where schemaname = 'dyniq' $$,
  'dyniq has no policies: no end user may see any row');

-- ---------------------------------------------------------------------------------------------
-- grants
-- ---------------------------------------------------------------------------------------------

-- The service role inserts and updates column by column (below), so at table level it reads and
-- deletes.
select table_privs_are('dyniq', t, r, case when r = 'service_role' then array['SELECT', 'DELETE'] else array[]::text[] end)
  from unnest(array['leads', 'quiz_responses', 'content_posts', 'content_metrics', 'board_meetings', 'universal_embeddings']) as t,
       unnest(array['anon', 'authenticated', 'service_role']) as r;

-- Column by column: updated_at is the trigger's (never written by the service role), id and
-- created_at are set once (given on insert, never updated); every other column is the service
-- role's to insert and update. anon and authenticated hold no column either.
create function pg_temp.dyniq_columns() returns table (tbl text, col text, server_owned boolean, set_once boolean)
language sql as $$
  select c.relname::text, a.attname::text, a.attname = 'updated_at' or a.attgenerated <> '', a.attname in ('id', 'created_at')
    from pg_class c join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
   where c.relnamespace = 'dyniq'::regnamespace and c.relkind = 'r'
$$;
select isnt_empty(
  $$ select from pg_temp.dyniq_columns() where col = 'updated_at' $$,
  'dyniq has updated_at columns (the assertions below are not vacuous)');
select is_empty(
  $$ select tbl || '.' || col from pg_temp.dyniq_columns()
      where server_owned and has_column_privilege('service_role', format('dyniq.%I', tbl), col, 'INSERT') $$,
  'the service role may insert no updated_at');
select is_empty(
  $$ select tbl || '.' || col from pg_temp.dyniq_columns()
      where (server_owned or set_once) and has_column_privilege('service_role', format('dyniq.%I', tbl), col, 'UPDATE') $$,
  'the service role may update none of id, created_at and updated_at');
select is_empty(
  $$ select tbl || '.' || col from pg_temp.dyniq_columns()
      where not server_owned and not has_column_privilege('service_role', format('dyniq.%I', tbl), col, 'INSERT') $$,
  'the service role may insert every other column, id and created_at included');
select is_empty(
  $$ select tbl || '.' || col from pg_temp.dyniq_columns()
      where not server_owned and not set_once and not has_column_privilege('service_role', format('dyniq.%I', tbl), col, 'UPDATE') $$,
  'the service role may update every column that is neither set-once nor updated_at');
select is_empty(
  $$ select tbl || '.' || col from pg_temp.dyniq_columns()
      where not has_column_privilege('service_role', format('dyniq.%I', tbl), col, 'SELECT') $$,
  'the service role may read every column');
select is_empty(
  $$ select r || ' ' || tbl || '.' || col from pg_temp.dyniq_columns(), unnest(array['anon', 'authenticated']) as r
      where has_column_privilege(r, format('dyniq.%I', tbl), col, 'SELECT, INSERT, UPDATE, REFERENCES') $$,
  'anon and authenticated are granted no dyniq column');

-- ---------------------------------------------------------------------------------------------
-- anon and authenticated are refused everything
-- ---------------------------------------------------------------------------------------------

select tests.create_supabase_user('alice');

select tests.authenticate_as_anon();
select pg_temp.denied_everything(format('dyniq.%s', t), 'anon')
  from unnest(array['leads', 'quiz_responses', 'content_posts', 'content_metrics', 'board_meetings', 'universal_embeddings']) as t;

select tests.authenticate_as('alice');
select pg_temp.denied_everything(format('dyniq.%s', t), 'a signed-in user')
  from unnest(array['leads', 'quiz_responses', 'content_posts', 'content_metrics', 'board_meetings', 'universal_embeddings']) as t;

-- ---------------------------------------------------------------------------------------------
-- the service role reads and writes everything
-- ---------------------------------------------------------------------------------------------

select tests.authenticate_as_service_role();
select pg_temp.can_do_everything('dyniq.leads', 'service_role',
  $$ insert into dyniq.leads (email) values (tests.email('lead')) $$,
  $$ email = tests.email('lead') $$, $$ tier = 'HOT' $$);
select pg_temp.can_do_everything('dyniq.quiz_responses', 'service_role',
  $$ with lead as (insert into dyniq.leads (email) values (tests.email('quiz')) returning email)
     insert into dyniq.quiz_responses (email, total_score) select email, 50 from lead $$,
  $$ email = tests.email('quiz') $$, $$ total_score = 80 $$);
select pg_temp.can_do_everything('dyniq.content_posts', 'service_role',
  $$ insert into dyniq.content_posts (platform, topic) values ('linkedin', tests.unique_name('post')) $$,
  $$ topic = tests.unique_name('post') $$, $$ hook = 'Changed' $$);
select pg_temp.can_do_everything('dyniq.content_metrics', 'service_role',
  $$ with post as (insert into dyniq.content_posts (platform, topic) values ('twitter', tests.unique_name('metrics')) returning id)
     insert into dyniq.content_metrics (post_id) select id from post $$,
  $$ post_id = (select id from dyniq.content_posts where topic = tests.unique_name('metrics')) $$, $$ likes = 3 $$);
select pg_temp.can_do_everything('dyniq.board_meetings', 'service_role',
  $$ insert into dyniq.board_meetings (thread_id, topic) values ('bm-' || tests.unique_name('meeting'), 'x') $$,
  $$ thread_id = 'bm-' || tests.unique_name('meeting') $$, $$ status = 'completed' $$);
select pg_temp.can_do_everything('dyniq.universal_embeddings', 'service_role',
  $$ insert into dyniq.universal_embeddings (source_id, source_type, content, embedding)
     values (dyniq.thread_uuid(tests.unique_name('embedding')), 'board_meeting', 'x', array_fill(0.5::real, array[1536])::extensions.vector) $$,
  $$ source_id = dyniq.thread_uuid(tests.unique_name('embedding')) $$, $$ content = 'Changed' $$);

select tests.clear_authentication();

select * from finish();
rollback;
