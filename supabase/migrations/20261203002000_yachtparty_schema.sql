-- Yachtparty (schema `yachtparty`): an SMS-first network where LLM agents work for each user.
-- Specification: ../shared/apps/yachtparty.md (tables §1, functions §2, jobs §3, RLS §5).
--
-- This file: the schema, the formats the platform did not have yet (Twilio message SIDs, dotted
-- event types, text kept verbatim), and the trigger functions every table uses.

create schema if not exists yachtparty;
grant usage on schema yachtparty to anon, authenticated, service_role;

-- A Twilio Message SID: SM (SMS) or MM (MMS) and 32 hex digits.
create domain rowgate.twilio_message_sid as varchar(34)
  constraint twilio_message_sid_format check (value ~ '^(SM|MM)[0-9a-fA-F]{32}$');
comment on domain rowgate.twilio_message_sid is
  'A Twilio Message SID: SM or MM and 32 hexadecimal digits.';

-- An event's type: dotted lower-case words (`user.message.received`).
create domain rowgate.event_type as varchar(100)
  constraint event_type_format check (value ~ '^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$');
comment on domain rowgate.event_type is
  'An event type: dotted lower-case words, such as user.message.received.';

-- Text stored exactly as it came (an SMS body): not trimmed, and it may be empty (an MMS with
-- no text has Body=""). The core's usual shaping (trim, blank to null) must not touch it.
create domain rowgate.verbatim_text as text;
comment on domain rowgate.verbatim_text is
  'Text stored exactly as received: not trimmed, and possibly empty.';

grant usage on domain rowgate.twilio_message_sid, rowgate.event_type, rowgate.verbatim_text
  to authenticated, service_role;

-- ---------------------------------------------------------------------------------------------
-- trigger functions
-- ---------------------------------------------------------------------------------------------

create or replace function yachtparty.set_updated_at()
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
-- which the API maps back to the field.
create or replace function yachtparty.check_timezone()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.timezone is not null
     and not exists (select 1 from pg_catalog.pg_timezone_names where name = new.timezone) then
    raise exception 'new row for relation "users" violates check constraint "users_timezone_check"'
      using errcode = 'check_violation', constraint = 'users_timezone_check',
            table = 'users', schema = 'yachtparty', column = 'timezone';
  end if;
  return new;
end;
$$;
