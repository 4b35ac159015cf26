-- timeblock_sessions.hours is derived from started_at and ended_at in the database, as
-- net_worth is from the totals (20261122001200): a trigger computes it and a check holds it.
-- Before, only rowgate-core derived it, so a direct PostgREST write could store any hours.
-- The computation is the core's (walker_os::timeblock_sessions, Timestamp::hours_until):
-- whole microseconds between the two times as a double, divided by 3.6e9, so both give the same
-- double to the last bit. Through the hours range check it also keeps a session to 24 hours.

-- ---------------------------------------------------------------------------------------------
-- functions
-- ---------------------------------------------------------------------------------------------

create or replace function walker_os.timeblock_sessions_derive_hours()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.ended_at is not null then
    new.hours := (extract(epoch from new.ended_at - new.started_at) * 1000000)::double precision / 3600000000;
  elsif tg_op = 'UPDATE' and old.ended_at is not null and new.hours is not distinct from old.hours then
    -- Reopening a session (ended_at back to null) clears the hours it had, unless new ones come
    -- with it; while it runs, hours are as the owner gives them.
    new.hours := null;
  end if;
  return new;
end;
$$;

-- ---------------------------------------------------------------------------------------------
-- triggers and constraints
-- ---------------------------------------------------------------------------------------------

create trigger timeblock_sessions_derive_hours before insert or update on walker_os.timeblock_sessions
  for each row execute function walker_os.timeblock_sessions_derive_hours();

-- Rows written before the trigger that disagree get their hours from their times (only those:
-- an update bumps updated_at), so the check holds for every row.
update walker_os.timeblock_sessions
   set hours = hours
 where ended_at is not null
   and hours is distinct from (extract(epoch from ended_at - started_at) * 1000000)::double precision / 3600000000;

alter table walker_os.timeblock_sessions add constraint timeblock_sessions_hours_is_ended_minus_started check (
  ended_at is null
  or hours = (extract(epoch from ended_at - started_at) * 1000000)::double precision / 3600000000
);
