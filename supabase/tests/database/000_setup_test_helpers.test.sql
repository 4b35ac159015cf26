-- Shared pgTAP helpers: installs the schema `tests` that every other file here calls
-- (tests.create_supabase_user, tests.authenticate_as, tests.rejects, ...), as basejump's and
-- Supabase's own suites do.
--
-- This file must run first. pg_prove runs files in the order it is given them, and
-- `supabase/tests/database/*.test.sql` (like `supabase test db`, and pg_prove given the folder)
-- lists them in alphabetical order, so `000_` sorts before `00_platform` and every other file.
--
-- Unlike every other file, the helpers are committed rather than rolled back, so that the later
-- files (each its own session) can see them. The database is shared, so installing is
-- idempotent (`if not exists`, `create or replace`) and done in one transaction under an
-- advisory lock: two suites starting together take turns, and a suite already running never
-- sees the helpers half-installed. `create or replace` cannot change a helper's arguments or
-- return type, and a helper removed here stays in the database: for either, `drop function`
-- it here first.
--
-- Each helper that acts or checks returns a TAP line, so that every statement in a test is an
-- assertion. Role switches are transaction-local (`set_config(..., true)`), so they end with the
-- test's rollback. Helpers are security invoker: they run with the rights of the role a test is
-- acting as, and grant nothing beyond what that role already has. `tests` is not in the API's
-- schemas, so PostgREST does not expose it.

begin;
set local client_min_messages = warning; -- no "already exists, skipping" notice on every run

-- Same key as every other run of this file: they wait for each other here.
do $$ begin perform pg_advisory_xact_lock(hashtext('rowgate: tests schema')); end $$;

create schema if not exists tests;

-- ---------------------------------------------------------------------------------------------
-- users and roles
-- ---------------------------------------------------------------------------------------------

-- Switches to `role` with the JWT claims PostgREST would set for it (sub may be null); 'none'
-- goes back to the session's own role with no claims.
create or replace function tests.act(role text, sub uuid) returns void
language plpgsql as $$
begin
  perform set_config('role', role, true);
  perform set_config('request.jwt.claims',
    case when role = 'none' then '' else json_build_object('sub', sub, 'role', role)::text end, true);
end
$$;

-- A fresh Supabase Auth user (random id, so runs never collide), known below by its label.
-- Call it as the owner (postgres), before acting as anyone.
create or replace function tests.create_supabase_user(label text) returns text
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

-- The id of the user created under `label` in this transaction.
create or replace function tests.get_supabase_uid(label text) returns uuid
language sql stable as $$ select current_setting('tests.user_' || label)::uuid $$;

create or replace function tests.authenticate_as(label text) returns text
language plpgsql as $$
begin
  perform tests.act('authenticated', tests.get_supabase_uid(label));
  return ok(current_user = 'authenticated' and auth.uid() = tests.get_supabase_uid(label),
    format('acting as %s (authenticated)', label));
end
$$;

create or replace function tests.authenticate_as_anon() returns text
language plpgsql as $$
begin
  perform tests.act('anon', null);
  return ok(current_user = 'anon' and auth.uid() is null, 'acting as anon');
end
$$;

create or replace function tests.authenticate_as_service_role() returns text
language plpgsql as $$
begin
  perform tests.act('service_role', null);
  return ok(current_user = 'service_role' and auth.role() = 'service_role', 'acting as service_role');
end
$$;

-- Back to the migration owner (postgres), with no JWT.
create or replace function tests.clear_authentication() returns text
language plpgsql as $$
begin
  perform tests.act('none', null);
  return ok(current_user = session_user and auth.uid() is null, 'acting as the owner again');
end
$$;

-- ---------------------------------------------------------------------------------------------
-- data unique to a run
-- ---------------------------------------------------------------------------------------------

-- `template` filled with the label and the transaction id, so rows never collide with anyone
-- else's and a test can name the same row again.
create or replace function tests.unique_name(label text, template text default 'pgtap-%s-%s') returns text
language sql stable as $$ select format(template, label, txid_current()) $$;

create or replace function tests.email(label text) returns text
language sql stable as $$ select tests.unique_name(label, 'pgtap.%s.%s@rowgate.test') $$;

-- A dyniq board meeting's thread id (the domain rowgate.thread_id's thread_id_format wants the
-- `bm-` prefix).
create or replace function tests.thread_id(label text) returns text
language sql stable as $$ select tests.unique_name(label, 'bm-pgtap-%s-%s') $$;

-- How many rows a statement touched, as the current role (RLS hides rows rather than failing).
create or replace function tests.rows_affected(statement text) returns bigint
language plpgsql as $$
declare
  n bigint;
begin
  execute statement;
  get diagnostics n = row_count;
  return n;
end
$$;

-- ---------------------------------------------------------------------------------------------
-- tables and constraints
-- ---------------------------------------------------------------------------------------------

-- One column's type, nullability and default (null: it has none), as three assertions.
create or replace function tests.column_is(
  schema_name name, table_name name, column_name name, type text, not_null boolean, default_value text
) returns setof text
language plpgsql as $$
declare
  col text := format('%s.%s.%s', schema_name, table_name, column_name);
begin
  return next col_type_is(schema_name, table_name, column_name, type, format('%s is %s', col, type));
  if not_null then
    return next col_not_null(schema_name, table_name, column_name, format('%s is not null', col));
  else
    return next col_is_null(schema_name, table_name, column_name, format('%s is nullable', col));
  end if;
  if default_value is null then
    return next col_hasnt_default(schema_name, table_name, column_name, format('%s has no default', col));
  else
    return next col_default_is(schema_name, table_name, column_name, default_value,
      format('%s defaults to %s', col, default_value));
  end if;
end
$$;

-- The names of a table's constraints (PostgREST reports them, and the API maps them to fields,
-- so renaming one is a breaking change), with their kind: c check, f foreign key, p primary
-- key, u unique.
create or replace function tests.constraints_of(tbl regclass) returns setof text
language sql stable as $$
  select conname || ' ' || contype::text from pg_constraint where conrelid = tbl order by conname
$$;

-- Asserts that a statement is refused by the named constraint, with the SQLSTATE and the
-- message PostgREST passes on (the API maps the constraint's name to a field). The message of a
-- table's constraint names the table but not its schema, so the constraint is looked up in
-- every schema; a name that stands on two differently named tables (or on a table and a
-- domain) is reported rather than guessed at. A domain's check constraint (a column of type
-- rowgate.email, dyniq.tier, ...) is refused as `value for domain <domain> violates check
-- constraint "<name>"`, naming the domain as the server does (schema-qualified unless it is on
-- the search_path) and no table or column.
create or replace function tests.rejects(statement text, constraint_name name, description text) returns text
language plpgsql as $$
declare
  c record;
  kinds integer;
begin
  select count(*) into kinds
    from (select distinct con.contype, rel.relname, con.contypid
            from pg_constraint con left join pg_class rel on rel.oid = con.conrelid
           where con.conname = constraint_name
             and con.connamespace not in ('pg_catalog'::regnamespace, 'information_schema'::regnamespace)) k;
  if kinds = 0 then
    return fail(format('%s (there is no constraint %s)', description, constraint_name));
  elsif kinds > 1 then
    return fail(format('%s (constraint %s stands on more than one table or domain)', description, constraint_name));
  end if;
  select con.contype, con.conname, rel.relname, con.contypid into c
    from pg_constraint con left join pg_class rel on rel.oid = con.conrelid
   where con.conname = constraint_name
     and con.connamespace not in ('pg_catalog'::regnamespace, 'information_schema'::regnamespace)
   limit 1;
  if c.contypid <> 0 then
    return case c.contype
      when 'c' then throws_ok(statement, '23514',
        format('value for domain %s violates check constraint "%s"', format_type(c.contypid, null), c.conname), description)
      else fail(format('%s (domain constraint %s is of a kind rejects does not know: %s)', description, constraint_name, c.contype))
    end;
  end if;
  return case c.contype
    when 'c' then throws_ok(statement, '23514',
      format('new row for relation "%s" violates check constraint "%s"', c.relname, c.conname), description)
    when 'f' then throws_ok(statement, '23503',
      format('insert or update on table "%s" violates foreign key constraint "%s"', c.relname, c.conname), description)
    when 'p' then throws_ok(statement, '23505',
      format('duplicate key value violates unique constraint "%s"', c.conname), description)
    when 'u' then throws_ok(statement, '23505',
      format('duplicate key value violates unique constraint "%s"', c.conname), description)
    else fail(format('%s (constraint %s is of a kind rejects does not know: %s)', description, constraint_name, c.contype))
  end;
end
$$;

-- Asserts that a statement is refused for leaving a not-null column empty.
create or replace function tests.rejects_null(statement text, table_name name, column_name name, description text)
returns text
language sql as $$
  select throws_ok(statement, '23502',
    format('null value in column "%s" of relation "%s" violates not-null constraint', column_name, table_name), description)
$$;

-- ---------------------------------------------------------------------------------------------
-- grants: tests act as these roles and call the helpers inside the statements they assert on
-- ---------------------------------------------------------------------------------------------

grant usage on schema tests to anon, authenticated, service_role;
grant execute on all functions in schema tests to anon, authenticated, service_role;

commit;

begin;
select plan(1);
select has_schema('tests');
select * from finish();
rollback;
