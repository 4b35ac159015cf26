-- Extensions every app schema relies on, and the platform's housekeeping. Hosted Supabase has
-- pgcrypto, uuid-ossp and vector available in the `extensions` schema; pg_cron must be enabled.
-- `if not exists` keeps this safe on a project where they are already enabled.

create extension if not exists pgcrypto with schema extensions;
create extension if not exists "uuid-ossp" with schema extensions;
create extension if not exists vector with schema extensions;
-- pg_cron always lives in pg_catalog with its objects in schema `cron` (Supabase's own advice).
create extension if not exists pg_cron with schema pg_catalog;

-- Housekeeping that belongs to no app. Not exposed through the API (not in [api] schemas).
create schema if not exists rowgate;
revoke all on schema rowgate from public;

-- pg_cron keeps a row per run forever; a job every few minutes fills the table quickly.
create or replace function rowgate.prune_cron_job_run_details(keep interval default interval '7 days')
returns bigint
language plpgsql
set search_path = ''
as $$
declare
  removed bigint;
begin
  -- Runs that never finished have no end_time; their start_time ages them out instead.
  delete from cron.job_run_details where coalesce(end_time, start_time) < now() - keep;
  get diagnostics removed = row_count;
  return removed;
end;
$$;

revoke all on function rowgate.prune_cron_job_run_details(interval) from public;

-- cron.schedule with a job name updates the job of that name, so re-running is idempotent.
select cron.schedule(
  'rowgate-prune-cron-history',
  '17 3 * * *',
  'select rowgate.prune_cron_job_run_details()'
);
