-- dyniq.ingest: the signed ingest endpoint's database side (POST /webhooks/dyniq/ingest), a
-- wrapper over rowgate.ingest (tested in 00_platform) that only the service role may call.
begin;
select plan(19);

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
create function pg_temp.email(label text) returns text
language sql stable as $$ select format('pgtap.%s.%s@rowgate.test', label, txid_current()) $$;
create function pg_temp.delivery(label text) returns text
language sql stable as $$ select format('pgtap-%s-%s', label, txid_current()) $$;

select function_returns('dyniq', 'ingest', array['text', 'text', 'jsonb', 'text[]'], 'jsonb');
select function_privs_are('dyniq', 'ingest', array['text', 'text', 'jsonb', 'text[]'], 'anon', array[]::text[]);
select function_privs_are('dyniq', 'ingest', array['text', 'text', 'jsonb', 'text[]'], 'authenticated', array[]::text[]);
select function_privs_are('dyniq', 'ingest', array['text', 'text', 'jsonb', 'text[]'], 'service_role', array['EXECUTE']);

select pg_temp.create_supabase_user('alice');
select pg_temp.authenticate_as_anon();
select throws_ok($$ select dyniq.ingest('x', 'leads', '[]') $$, '42501', 'permission denied for function ingest',
  'anon cannot ingest');
select pg_temp.authenticate_as('alice');
select throws_ok($$ select dyniq.ingest('x', 'leads', '[]') $$, '42501', 'permission denied for function ingest',
  'a signed-in user cannot ingest');

select pg_temp.authenticate_as_service_role();
select results_eq(
  $$ select r -> 'duplicate', r -> 'rows' -> 0 ->> 'email', r -> 'rows' -> 0 ->> 'name', r -> 'rows' -> 0 -> 'pain_points'
       from dyniq.ingest(pg_temp.delivery('1'), 'leads',
              jsonb_build_array(jsonb_build_object('email', pg_temp.email('ingest'), 'name', 'Ada'))) as r $$,
  $$ values ('false'::jsonb, pg_temp.email('ingest'), 'Ada', '[]'::jsonb) $$,
  'a delivery inserts its records, which take defaults for the columns they do not carry, and returns them');
select results_eq(
  $$ select r -> 'duplicate', r -> 'rows' -> 0 ->> 'name'
       from dyniq.ingest(pg_temp.delivery('2'), 'leads',
              jsonb_build_array(jsonb_build_object('email', pg_temp.email('ingest'), 'name', 'Ada Lovelace')),
              array['email']) as r $$,
  $$ values ('false'::jsonb, 'Ada Lovelace') $$,
  'with p_on_conflict a later delivery updates the existing row');
select is(
  dyniq.ingest(pg_temp.delivery('1'), 'leads', jsonb_build_array(jsonb_build_object('email', pg_temp.email('ingest'), 'name', 'Someone'))),
  '{"duplicate": true}'::jsonb,
  'a delivery seen before is reported as a duplicate');
select results_eq(
  $$ select count(*), min(name)::text from dyniq.leads where email = pg_temp.email('ingest') $$,
  $$ values (1::bigint, 'Ada Lovelace') $$,
  'and writes nothing');
select throws_ok(
  $$ select dyniq.ingest(pg_temp.delivery('3'), 'leads', jsonb_build_array(jsonb_build_object('email', 'NOT-LOWER@EXAMPLE.COM'))) $$,
  '23514', 'new row for relation "leads" violates check constraint "leads_email_format"',
  'a record that breaks a constraint is refused with the constraint''s name');
select is_empty($$ select from rowgate.webhook_deliveries where id = pg_temp.delivery('3') $$,
  'and its delivery is not recorded, so a corrected retry is accepted');
select throws_ok(
  $$ select dyniq.ingest(pg_temp.delivery('4'), 'content_posts', '[{}]') $$,
  '22023', 'each record must carry at least one field',
  'a record with no fields is refused with a clear error, not a syntax error');
select is_empty($$ select from rowgate.webhook_deliveries where id = pg_temp.delivery('4') $$,
  'and its delivery is not recorded');
select pg_temp.clear_authentication();

select * from finish();
rollback;
