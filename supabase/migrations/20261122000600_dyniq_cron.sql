-- Scheduled work for DYNIQ. Each job calls a function that tests can call directly.

-- A board meeting whose agents crashed stays `processing` forever; mark it `stalled` after an
-- hour without progress so the dashboard shows it and the pipeline can retry it.
create or replace function dyniq.flag_stalled_board_meetings(older_than interval default interval '1 hour')
returns bigint
language plpgsql
set search_path = ''
as $$
declare
  flagged bigint;
begin
  update dyniq.board_meetings
     set status = 'stalled'
   where status = 'processing'
     and updated_at < now() - older_than;
  get diagnostics flagged = row_count;
  return flagged;
end;
$$;

revoke all on function dyniq.flag_stalled_board_meetings(interval) from public, anon, authenticated;
grant execute on function dyniq.flag_stalled_board_meetings(interval) to service_role;

select cron.schedule(
  'dyniq-flag-stalled-board-meetings',
  '*/10 * * * *',
  'select dyniq.flag_stalled_board_meetings()'
);
