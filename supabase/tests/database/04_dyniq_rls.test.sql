-- dyniq is business data written by the pipeline with the service role: row-level security is
-- on with no policies, anon and authenticated are granted nothing (every statement is refused
-- with 42501), and the service role (which bypasses RLS) reads and writes every table.
begin;
select plan(103);

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
create function pg_temp.label(label text) returns text
language sql stable as $$ select format('pgtap-%s-%s', label, txid_current()) $$;
create function pg_temp.email(label text) returns text
language sql stable as $$ select format('pgtap.%s.%s@rowgate.test', label, txid_current()) $$;

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
  return next is(pg_temp.rows_affected(format('select from %s where %s', tbl, row_filter)), 1::bigint,
    format('%s can read %s', who, tbl));
  return next is(pg_temp.rows_affected(format('update %s set %s where %s', tbl, change, row_filter)), 1::bigint,
    format('%s can update %s', who, tbl));
  return next is(pg_temp.rows_affected(format('delete from %s where %s', tbl, row_filter)), 1::bigint,
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

select table_privs_are('dyniq', t, r, case when r = 'service_role' then array['SELECT', 'INSERT', 'UPDATE', 'DELETE'] else array[]::text[] end)
  from unnest(array['leads', 'quiz_responses', 'content_posts', 'content_metrics', 'board_meetings', 'universal_embeddings']) as t,
       unnest(array['anon', 'authenticated', 'service_role']) as r;

-- ---------------------------------------------------------------------------------------------
-- anon and authenticated are refused everything
-- ---------------------------------------------------------------------------------------------

select pg_temp.create_supabase_user('alice');

select pg_temp.authenticate_as_anon();
select pg_temp.denied_everything(format('dyniq.%s', t), 'anon')
  from unnest(array['leads', 'quiz_responses', 'content_posts', 'content_metrics', 'board_meetings', 'universal_embeddings']) as t;

select pg_temp.authenticate_as('alice');
select pg_temp.denied_everything(format('dyniq.%s', t), 'a signed-in user')
  from unnest(array['leads', 'quiz_responses', 'content_posts', 'content_metrics', 'board_meetings', 'universal_embeddings']) as t;

-- ---------------------------------------------------------------------------------------------
-- the service role reads and writes everything
-- ---------------------------------------------------------------------------------------------

select pg_temp.authenticate_as_service_role();
select pg_temp.can_do_everything('dyniq.leads', 'service_role',
  $$ insert into dyniq.leads (email) values (pg_temp.email('lead')) $$,
  $$ email = pg_temp.email('lead') $$, $$ tier = 'HOT' $$);
select pg_temp.can_do_everything('dyniq.quiz_responses', 'service_role',
  $$ with lead as (insert into dyniq.leads (email) values (pg_temp.email('quiz')) returning email)
     insert into dyniq.quiz_responses (email, total_score) select email, 50 from lead $$,
  $$ email = pg_temp.email('quiz') $$, $$ total_score = 80 $$);
select pg_temp.can_do_everything('dyniq.content_posts', 'service_role',
  $$ insert into dyniq.content_posts (platform, topic) values ('linkedin', pg_temp.label('post')) $$,
  $$ topic = pg_temp.label('post') $$, $$ hook = 'Changed' $$);
select pg_temp.can_do_everything('dyniq.content_metrics', 'service_role',
  $$ with post as (insert into dyniq.content_posts (platform, topic) values ('twitter', pg_temp.label('metrics')) returning id)
     insert into dyniq.content_metrics (post_id) select id from post $$,
  $$ post_id = (select id from dyniq.content_posts where topic = pg_temp.label('metrics')) $$, $$ likes = 3 $$);
select pg_temp.can_do_everything('dyniq.board_meetings', 'service_role',
  $$ insert into dyniq.board_meetings (thread_id, topic) values ('bm-' || pg_temp.label('meeting'), 'x') $$,
  $$ thread_id = 'bm-' || pg_temp.label('meeting') $$, $$ status = 'completed' $$);
select pg_temp.can_do_everything('dyniq.universal_embeddings', 'service_role',
  $$ insert into dyniq.universal_embeddings (source_id, source_type, content, embedding)
     values (dyniq.thread_uuid(pg_temp.label('embedding')), 'board_meeting', 'x', array_fill(0.5::real, array[1536])::extensions.vector) $$,
  $$ source_id = dyniq.thread_uuid(pg_temp.label('embedding')) $$, $$ content = 'Changed' $$);

select pg_temp.clear_authentication();

select * from finish();
rollback;
