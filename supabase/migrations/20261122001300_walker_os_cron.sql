-- Scheduled work for Walker-OS.

-- Each morning every owner finds today's scorecard waiting, all boxes unticked. Owners are the
-- users who have kept a scorecard before (other apps' users share auth.users).
create or replace function walker_os.create_daily_scorecards(for_date date default current_date)
returns bigint
language plpgsql
set search_path = ''
as $$
declare
  created bigint;
begin
  insert into walker_os.daily_scorecard (user_id, scorecard_date)
  select distinct s.user_id, for_date
    from walker_os.daily_scorecard s
  on conflict (user_id, scorecard_date) do nothing;
  get diagnostics created = row_count;
  return created;
end;
$$;

revoke all on function walker_os.create_daily_scorecards(date) from public, anon, authenticated;
grant execute on function walker_os.create_daily_scorecards(date) to service_role;

select cron.schedule(
  'walker-os-create-daily-scorecards',
  '5 0 * * *',
  'select walker_os.create_daily_scorecards()'
);
