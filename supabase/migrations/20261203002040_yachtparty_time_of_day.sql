-- A time of day is below 24:00. PostgreSQL's `time` also takes '24:00:00', which the core refuses
-- (its Time kind is 00:00 to 23:59:59.999999): held here too, so that a direct write through
-- PostgREST meets the same rule (`<table>_<column>_check`, as the other per-column rules).

alter table yachtparty.users
  add constraint users_quiet_hours_start_check check (quiet_hours_start < '24:00'),
  add constraint users_quiet_hours_end_check check (quiet_hours_end < '24:00');
