-- Companion (schema `companion`): an AI companion that checks in daily over Telegram (and the
-- web), remembers what the user tells it, and keeps one thread per channel.
-- Specification: ../shared/apps/companion.md (tables §1, functions §2, jobs §3, RLS §5, defects §6).
--
-- This file: the schema, and the functions the tables' defaults and triggers use. The formats
-- it needs are the platform's (rowgate.email, rowgate.e164_phone); pgcrypto, whose
-- gen_random_bytes makes the Telegram link tokens, is already in `extensions`
-- (20261122000000_platform_extensions), and is named here again so that this schema's
-- migrations stand on their own.

create extension if not exists pgcrypto with schema extensions;

create schema if not exists companion;
grant usage on schema companion to anon, authenticated, service_role;

-- ---------------------------------------------------------------------------------------------
-- the caller's email, for users.email (C14: a display copy, never identity)
-- ---------------------------------------------------------------------------------------------

-- The signed-in caller's email as Supabase Auth put it in the token, trimmed and lower-cased,
-- or null when there is none or it is not an address rowgate.email takes (an address GoTrue
-- accepted but the platform's ASCII format does not must not keep the profile from being made).
-- users.email defaults to it, and the insert policy holds a client to it, so a client can
-- neither forge nor change the copy.
create or replace function companion.jwt_email()
returns rowgate.email
language plpgsql
stable
set search_path = ''
as $$
declare
  v_email text := lower(pg_catalog.btrim(auth.jwt() ->> 'email'));
begin
  if v_email is null or v_email = '' then
    return null;
  end if;
  return v_email::rowgate.email;
exception when check_violation then
  return null;
end;
$$;
-- A column default runs with the rights of the role that inserts.
revoke all on function companion.jwt_email() from public, anon;
grant execute on function companion.jwt_email() to authenticated, service_role;

-- ---------------------------------------------------------------------------------------------
-- who adds a memory, for user_context.source
-- ---------------------------------------------------------------------------------------------

-- 'manual' when a signed-in user inserts (the role PostgREST sets from their token, also through
-- the record API's security-invoker write_records), 'extracted' for the service role and the
-- backend's functions. user_context.source defaults to it; users may not write the column.
create or replace function companion.default_context_source()
returns text
language sql
stable
set search_path = ''
as $$
  select case when current_user = 'authenticated' then 'manual' else 'extracted' end
$$;
revoke all on function companion.default_context_source() from public, anon;
grant execute on function companion.default_context_source() to authenticated, service_role;

-- ---------------------------------------------------------------------------------------------
-- trigger functions
-- ---------------------------------------------------------------------------------------------

create or replace function companion.set_updated_at()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  new.updated_at := now();
  return new;
end;
$$;

-- users.timezone must be an IANA zone name PostgreSQL knows: a CHECK cannot query
-- pg_timezone_names, so a trigger raises check_violation under the name a CHECK would have,
-- which the API maps back to the field (as yachtparty's).
create or replace function companion.check_timezone()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.timezone is not null
     and not exists (select 1 from pg_catalog.pg_timezone_names where name = new.timezone) then
    raise exception 'new row for relation "users" violates check constraint "users_timezone_check"'
      using errcode = 'check_violation', constraint = 'users_timezone_check',
            table = 'users', schema = 'companion', column = 'timezone';
  end if;
  return new;
end;
$$;

-- A message counts in its conversation: message_count + 1 and updated_at, under the
-- conversation's row lock (concurrent messages all count). Security definer: a signed-in user
-- inserts their own messages but may not update message_count; the insert policy has already
-- proved the conversation is theirs.
create or replace function companion.bump_conversation()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  update companion.conversations c
     set message_count = c.message_count + 1,
         updated_at = now()
   where c.id = new.conversation_id;
  return null;
end;
$$;

revoke all on function companion.set_updated_at(), companion.check_timezone(), companion.bump_conversation()
  from public, anon, authenticated, service_role;
