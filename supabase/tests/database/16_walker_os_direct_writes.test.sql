-- walker_os holds every rule rowgate-core applies to a write (issue 8, section 2). An owner
-- writes directly through PostgREST with the anon key and her token, so every statement here
-- runs as `authenticated` with her JWT, as PostgREST would: set-once columns (id, user_id,
-- created_at) cannot be changed and server-owned ones (updated_at, generated amounts) cannot be
-- written (42501); hours are derived from the session's times and a wrong value is recomputed;
-- every check constraint, and every check of a domain a column is of, refuses a bad value (the
-- list is checked to be complete), NaN money among them.
begin;
select plan(159);

-- ---------------------------------------------------------------------------------------------
-- helpers for this file only, in pg_temp so that they vanish with the session
-- ---------------------------------------------------------------------------------------------

-- Run as the owner: she may give id, user_id and created_at on insert, and may change none of
-- them, nor write updated_at. `columns` and `vals` make a valid row.
create function pg_temp.set_once(tbl text, columns text, vals text) returns setof text
language plpgsql as $$
declare
  denied text := format('permission denied for table %s', split_part(tbl, '.', 2));
begin
  return next lives_ok(format('insert into %s (id, user_id, created_at, %s) values (gen_random_uuid(), auth.uid(), %L, %s)',
                              tbl, columns, '2020-01-01T00:00:00Z', vals),
    format('%s: an owner may give id, user_id and created_at on insert', tbl));
  return next throws_ok(format('update %s set id = gen_random_uuid()', tbl), '42501', denied,
    format('%s: an owner cannot change a row''s id', tbl));
  return next throws_ok(format('update %s set user_id = auth.uid()', tbl), '42501', denied,
    format('%s: an owner cannot change a row''s user_id, not even to herself', tbl));
  return next throws_ok(format('update %s set created_at = now()', tbl), '42501', denied,
    format('%s: an owner cannot change a row''s created_at', tbl));
  return next throws_ok(format('update %s set updated_at = now()', tbl), '42501', denied,
    format('%s: an owner cannot write updated_at on update', tbl));
  return next throws_ok(format('insert into %s (updated_at, %s) values (now(), %s)', tbl, columns, vals), '42501', denied,
    format('%s: an owner cannot write updated_at on insert', tbl));
end
$$;

-- A valid row of each table: `columns` and `vals`.
create function pg_temp.minimal_rows() returns table (tbl text, columns text, vals text)
language sql as $$
  values
    ('daily_scorecard', 'scorecard_date', $v$ '2031-01-01' $v$),
    ('timeblock_sessions', 'block_type, started_at', $v$ 'deep_work', '2031-01-01 09:00Z' $v$),
    ('weekly_reviews', 'review_date', $v$ '2031-01-05' $v$),
    ('decision_filter_history', 'decision, outcome', $v$ 'Hire?', 'SCHEDULE' $v$),
    ('weekly_cashflow', 'week_start', $v$ '2031-01-05' $v$),
    ('net_worth', 'snapshot_date', $v$ '2031-01-01' $v$),
    ('profit_first_buckets', 'period_start', $v$ '2031-01-01' $v$),
    ('path_a', 'milestone', $v$ 'Partner' $v$),
    ('path_b', 'product', $v$ 'SaaS' $v$)
$$;

-- One bad value per check constraint, written by the owner: the statement, the constraint that
-- must refuse it, and what is proved. user_id is the caller's by default.
create function pg_temp.bad_values() returns table (statement text, constraint_name name, description text)
language sql as $$
  values
    ($s$ insert into walker_os.daily_scorecard (scorecard_date, b_quadrant_hours) values ('2031-02-01', 24.5) $s$,
     'daily_scorecard_b_quadrant_hours_range', 'more than 24 B-quadrant hours are refused'),
    ($s$ insert into walker_os.daily_scorecard (scorecard_date, energy_level) values ('2031-02-01', 'High') $s$,
     'daily_scorecard_energy_level_check', 'an energy level in the wrong case is refused'),
    ($s$ insert into walker_os.daily_scorecard (scorecard_date, day_verdict) values ('2031-02-01', 'blue') $s$,
     'daily_scorecard_day_verdict_check', 'an unknown day verdict is refused'),
    ($s$ insert into walker_os.timeblock_sessions (block_type, started_at) values ('nap', '2031-02-01 09:00Z') $s$,
     'timeblock_sessions_block_type_check', 'an unknown block type is refused'),
    ($s$ insert into walker_os.timeblock_sessions (block_type, started_at, ended_at) values ('deep_work', '2031-02-01 10:00Z', '2031-02-01 09:00Z') $s$,
     'timeblock_sessions_ended_after_started', 'a session that ends before it starts is refused'),
    ($s$ insert into walker_os.timeblock_sessions (block_type, started_at, ended_at) values ('deep_work', '2031-02-01 09:00Z', '2031-02-02 09:00:01Z') $s$,
     'timeblock_sessions_hours_range', 'a session of more than 24 hours is refused (through its derived hours)'),
    ($s$ insert into walker_os.timeblock_sessions (block_type, started_at, hours) values ('deep_work', '2031-02-01 09:00Z', 'NaN') $s$,
     'timeblock_sessions_hours_range', 'a running session''s hours of NaN are refused'),
    ($s$ insert into walker_os.timeblock_sessions (block_type, started_at, quadrant) values ('deep_work', '2031-02-01 09:00Z', 'X') $s$,
     'timeblock_sessions_quadrant_check', 'an unknown quadrant is refused'),
    ($s$ insert into walker_os.weekly_reviews (review_date, path_a_hours) values ('2031-02-02', 169) $s$,
     'weekly_reviews_path_a_hours_range', 'more path A hours than a week has are refused'),
    ($s$ insert into walker_os.weekly_reviews (review_date, path_b_hours) values ('2031-02-02', 'NaN') $s$,
     'weekly_reviews_path_b_hours_range', 'path B hours of NaN are refused'),
    ($s$ insert into walker_os.weekly_reviews (review_date, e_quadrant_hours) values ('2031-02-02', -1) $s$,
     'weekly_reviews_e_quadrant_hours_range', 'negative E-quadrant hours are refused'),
    ($s$ insert into walker_os.decision_filter_history (decision, outcome) values ('', 'CUT') $s$,
     'decision_filter_history_decision_check', 'an empty decision is refused (by the trimmed-text check, checked before the length)'),
    ($s$ insert into walker_os.decision_filter_history (decision, outcome) values (repeat('x', 2001), 'CUT') $s$,
     'decision_filter_history_decision_length', 'a decision longer than 2000 characters is refused'),
    ($s$ insert into walker_os.decision_filter_history (decision, outcome) values ('Hire?', 'MAYBE') $s$,
     'decision_filter_history_outcome_check', 'an unknown outcome is refused'),
    ($s$ insert into walker_os.decision_filter_history (decision, outcome, hourly_value_test) values ('Hire?', 'CUT', 'NaN') $s$,
     'decision_filter_history_hourly_value_test_range', 'an hourly value of NaN is refused'),
    ($s$ insert into walker_os.decision_filter_history (decision, outcome, path) values ('Hire?', 'CUT', 'C') $s$,
     'decision_filter_history_path_check', 'an unknown path is refused'),
    ($s$ insert into walker_os.weekly_cashflow (week_start, income) values ('2031-02-02', 'NaN') $s$,
     'weekly_cashflow_income_range', 'an income of NaN is refused'),
    ($s$ insert into walker_os.weekly_cashflow (week_start, fixed_costs) values ('2031-02-02', 'NaN') $s$,
     'weekly_cashflow_fixed_costs_range', 'fixed costs of NaN are refused'),
    ($s$ insert into walker_os.weekly_cashflow (week_start, freedom_fund) values ('2031-02-02', 'NaN') $s$,
     'weekly_cashflow_freedom_fund_range', 'a freedom fund of NaN is refused'),
    ($s$ insert into walker_os.weekly_cashflow (week_start, play_money) values ('2031-02-02', 'NaN') $s$,
     'weekly_cashflow_play_money_range', 'play money of NaN is refused'),
    ($s$ insert into walker_os.weekly_cashflow (week_start, long_term_savings) values ('2031-02-02', 'NaN') $s$,
     'weekly_cashflow_long_term_savings_range', 'long-term savings of NaN are refused'),
    ($s$ insert into walker_os.weekly_cashflow (week_start, education) values ('2031-02-02', 'NaN') $s$,
     'weekly_cashflow_education_range', 'education of NaN is refused'),
    ($s$ insert into walker_os.weekly_cashflow (week_start, charity_zakat) values ('2031-02-02', -0.01) $s$,
     'weekly_cashflow_charity_zakat_range', 'negative charity is refused'),
    ($s$ insert into walker_os.net_worth (snapshot_date, total_assets) values ('2031-02-01', 'NaN') $s$,
     'net_worth_total_assets_range', 'total assets of NaN are refused'),
    ($s$ insert into walker_os.net_worth (snapshot_date, total_liabilities) values ('2031-02-01', 'NaN') $s$,
     'net_worth_total_liabilities_range', 'total liabilities of NaN are refused'),
    ($s$ insert into walker_os.net_worth (snapshot_date, asset_breakdown) values ('2031-02-01', '[]') $s$,
     'net_worth_asset_breakdown_object', 'an asset breakdown that is not an object is refused'),
    ($s$ insert into walker_os.profit_first_buckets (period_start, revenue) values ('2031-02-01', 'NaN') $s$,
     'profit_first_buckets_revenue_range', 'a revenue of NaN is refused'),
    -- Each percentage out of range while the six still add up to 100, so its own check speaks.
    ($s$ insert into walker_os.profit_first_buckets (period_start, fixed_costs_pct, freedom_pct) values ('2031-02-01', -1, 66) $s$,
     'profit_first_buckets_fixed_costs_pct_range', 'a negative fixed-costs percentage is refused'),
    ($s$ insert into walker_os.profit_first_buckets (period_start, freedom_pct, fixed_costs_pct) values ('2031-02-01', -1, 66) $s$,
     'profit_first_buckets_freedom_pct_range', 'a negative freedom percentage is refused'),
    ($s$ insert into walker_os.profit_first_buckets (period_start, play_pct, fixed_costs_pct) values ('2031-02-01', -1, 63.5) $s$,
     'profit_first_buckets_play_pct_range', 'a negative play percentage is refused'),
    ($s$ insert into walker_os.profit_first_buckets (period_start, savings_pct, fixed_costs_pct) values ('2031-02-01', -1, 61) $s$,
     'profit_first_buckets_savings_pct_range', 'a negative savings percentage is refused'),
    ($s$ insert into walker_os.profit_first_buckets (period_start, education_pct, fixed_costs_pct) values ('2031-02-01', -1, 61) $s$,
     'profit_first_buckets_education_pct_range', 'a negative education percentage is refused'),
    ($s$ insert into walker_os.profit_first_buckets (period_start, zakat_pct, fixed_costs_pct) values ('2031-02-01', -1, 53.5) $s$,
     'profit_first_buckets_zakat_pct_range', 'a negative zakat percentage is refused'),
    ($s$ insert into walker_os.profit_first_buckets (period_start, play_pct) values ('2031-02-01', 20) $s$,
     'profit_first_buckets_pcts_sum_to_100', 'percentages that add up to more than 100 are refused'),
    ($s$ insert into walker_os.path_a (milestone, status) values ('Partner', 'paused') $s$,
     'path_status_check', 'an unknown path A status is refused'),
    ($s$ insert into walker_os.path_a (milestone, equity_percentage) values ('Partner', 100.01) $s$,
     'path_a_equity_percentage_range', 'more than 100 % equity is refused'),
    ($s$ insert into walker_os.path_b (product, status) values ('SaaS', 'paused') $s$,
     'path_status_check', 'an unknown path B status is refused'),
    ($s$ insert into walker_os.path_b (product, mrr_target) values ('SaaS', 'NaN') $s$,
     'path_b_mrr_target_range', 'an MRR target of NaN is refused'),
    ($s$ insert into walker_os.path_b (product, mrr_current) values ('SaaS', 'NaN') $s$,
     'path_b_mrr_current_range', 'a current MRR of NaN is refused'),
    -- Free text is trimmed and never blank (the core trims it and makes blank text null).
    ($s$ insert into walker_os.timeblock_sessions (block_type, started_at, summary) values ('deep_work', '2031-02-01 09:00Z', E'Wrote\n') $s$,
     'timeblock_sessions_summary_check', 'a summary with a trailing newline is refused'),
    ($s$ insert into walker_os.weekly_reviews (review_date, top_wins) values ('2031-02-02', ' Shipped') $s$,
     'weekly_reviews_top_wins_check', 'wins with a leading space are refused'),
    ($s$ insert into walker_os.weekly_reviews (review_date, blockers) values ('2031-02-02', chr(160)) $s$,
     'weekly_reviews_blockers_check', 'blockers that are only a no-break space (U+00A0) are refused'),
    ($s$ insert into walker_os.weekly_reviews (review_date, next_week_priorities) values ('2031-02-02', E'Hire\r\n') $s$,
     'weekly_reviews_next_week_priorities_check', 'priorities with a trailing line break are refused'),
    ($s$ insert into walker_os.decision_filter_history (decision, outcome) values (' ', 'CUT') $s$,
     'decision_filter_history_decision_check', 'a blank decision is refused (the core refuses it as null: not_null)'),
    ($s$ insert into walker_os.decision_filter_history (decision, outcome) values (' Hire? ', 'CUT') $s$,
     'decision_filter_history_decision_check', 'a decision with surrounding spaces is refused'),
    ($s$ insert into walker_os.path_a (milestone) values (' ') $s$,
     'path_a_milestone_check', 'a blank milestone is refused (the core refuses it as null: not_null)'),
    ($s$ insert into walker_os.path_a (milestone, notes) values ('Partner', chr(8195) || 'note') $s$,
     'path_a_notes_check', 'notes with a leading em space (U+2003) are refused'),
    ($s$ insert into walker_os.path_b (product) values ('SaaS ') $s$,
     'path_b_product_check', 'a product with a trailing space is refused'),
    ($s$ insert into walker_os.path_b (product, notes) values ('SaaS', E'\t') $s$,
     'path_b_notes_check', 'notes that are only a tab are refused'),
    -- Dates and times are finite.
    ($s$ insert into walker_os.daily_scorecard (scorecard_date) values ('infinity') $s$,
     'daily_scorecard_scorecard_date_check', 'a scorecard dated infinity is refused'),
    ($s$ insert into walker_os.timeblock_sessions (block_type, started_at) values ('deep_work', '-infinity') $s$,
     'timeblock_sessions_started_at_check', 'a session started at -infinity is refused'),
    ($s$ insert into walker_os.weekly_reviews (review_date) values ('-infinity') $s$,
     'weekly_reviews_review_date_check', 'a review dated -infinity is refused'),
    ($s$ insert into walker_os.weekly_cashflow (week_start) values ('infinity') $s$,
     'weekly_cashflow_week_start_check', 'a week starting at infinity is refused'),
    ($s$ insert into walker_os.net_worth (snapshot_date) values ('-infinity') $s$,
     'net_worth_snapshot_date_check', 'a snapshot dated -infinity is refused'),
    ($s$ insert into walker_os.profit_first_buckets (period_start) values ('infinity') $s$,
     'profit_first_buckets_period_start_check', 'a period starting at infinity is refused'),
    ($s$ insert into walker_os.path_a (milestone, target_date) values ('Partner', 'infinity') $s$,
     'path_a_target_date_check', 'a milestone targeted at infinity is refused')
  union all
  -- Set-once created_at may be given on insert, so it must be finite there.
  select format('insert into walker_os.%I (%s, created_at) values (%s, %L)', tbl, columns, vals, 'infinity'),
         (tbl || '_created_at_check')::name, format('%s: a row created at infinity is refused', tbl)
    from pg_temp.minimal_rows()
$$;

-- updated_at is the server's: the owner may not write it, the service role may, so it is tried
-- as the service role, on insert (an update's is set by a trigger).
create function pg_temp.bad_values_as_service_role() returns table (statement text, constraint_name name, description text)
language sql as $$
  select format('insert into walker_os.%I (user_id, %s, updated_at) values (%L, %s, %L)',
                tbl, columns, tests.get_supabase_uid('alice'), vals, '-infinity'),
         (tbl || '_updated_at_check')::name, format('%s: a row updated at -infinity is refused', tbl)
    from pg_temp.minimal_rows()
$$;

-- ---------------------------------------------------------------------------------------------
-- grants, column by column
-- ---------------------------------------------------------------------------------------------

create function pg_temp.walker_os_columns() returns table (tbl text, col text, server_owned boolean, set_once boolean)
language sql as $$
  select c.relname::text, a.attname::text,
         a.attname = 'updated_at' or a.attgenerated <> '',
         a.attname in ('id', 'user_id', 'created_at')
    from pg_class c join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
   where c.relnamespace = 'walker_os'::regnamespace and c.relkind = 'r'
$$;

select is_empty(
  $$ select tbl || '.' || col from pg_temp.walker_os_columns()
      where (server_owned or set_once) and has_column_privilege('authenticated', format('walker_os.%I', tbl), col, 'UPDATE') $$,
  'authenticated may update no set-once column (id, user_id, created_at) and no server-owned one (updated_at, generated)');
select is_empty(
  $$ select tbl || '.' || col from pg_temp.walker_os_columns()
      where server_owned and has_column_privilege('authenticated', format('walker_os.%I', tbl), col, 'INSERT') $$,
  'authenticated may insert no server-owned column');
select is_empty(
  $$ select tbl || '.' || col from pg_temp.walker_os_columns()
      where not server_owned and not has_column_privilege('authenticated', format('walker_os.%I', tbl), col, 'INSERT') $$,
  'authenticated may insert every other column, set-once ones included');
select is_empty(
  $$ select tbl || '.' || col from pg_temp.walker_os_columns()
      where not server_owned and not set_once and not has_column_privilege('authenticated', format('walker_os.%I', tbl), col, 'UPDATE') $$,
  'authenticated may update every column that is neither set-once nor server-owned');
select is_empty(
  $$ select tbl || '.' || col from pg_temp.walker_os_columns()
      where has_column_privilege('anon', format('walker_os.%I', tbl), col, 'SELECT, INSERT, UPDATE, REFERENCES') $$,
  'anon is granted no walker_os column');
select is_empty(
  $$ select tbl || '.' || col from pg_temp.walker_os_columns()
      where not has_column_privilege('service_role', format('walker_os.%I', tbl), col, 'SELECT, INSERT, UPDATE')
         or not has_table_privilege('service_role', format('walker_os.%I', tbl), 'SELECT, INSERT, UPDATE, DELETE') $$,
  'the service role keeps every table privilege');
select is_empty(
  $$ select c.relname from pg_class c
      where c.relnamespace = 'walker_os'::regnamespace and c.relkind = 'r'
        and not exists (select from pg_trigger t where t.tgrelid = c.oid and t.tgname = c.relname || '_keep_set_once'
                          and t.tgfoid = 'walker_os.keep_set_once'::regproc) $$,
  'every walker_os table keeps its set-once columns with a trigger (for the service role, which bypasses grants)');

-- ---------------------------------------------------------------------------------------------
-- set-once and server-owned columns, written directly by an owner
-- ---------------------------------------------------------------------------------------------

select tests.create_supabase_user('alice');
select tests.authenticate_as('alice');

select pg_temp.set_once('walker_os.' || tbl, columns, vals) from pg_temp.minimal_rows();

select throws_ok($$ insert into walker_os.profit_first_buckets (period_start, play_amount) values ('2031-01-02', 125) $$,
  '428C9', 'cannot insert a non-DEFAULT value into column "play_amount"', 'an owner cannot write a generated amount on insert');
select throws_ok($$ update walker_os.profit_first_buckets set play_amount = 125 $$,
  '428C9', 'column "play_amount" can only be updated to DEFAULT', 'nor on update');
select is(
  tests.rows_affected($$ update walker_os.path_b set product = 'SaaS v2' where product = 'SaaS' $$),
  1::bigint, 'an owner changes what she may change');
select results_eq(
  $$ select created_at, updated_at > '2020-01-01' from walker_os.path_b where product = 'SaaS v2' $$,
  $$ values ('2020-01-01T00:00:00Z'::timestamptz, true) $$,
  'and updated_at is the server''s, created_at the one she gave');

-- ---------------------------------------------------------------------------------------------
-- derived columns: hours and net worth are the database's, whatever the owner sends
-- ---------------------------------------------------------------------------------------------

select results_eq(
  $$ insert into walker_os.timeblock_sessions (block_type, started_at, ended_at)
     values ('first_90', '2031-01-02 09:00+01', '2031-01-02 09:30Z') returning hours $$,
  $$ values (1.5::double precision) $$,
  'a session''s hours are derived from its times');
select results_eq(
  $$ insert into walker_os.timeblock_sessions (block_type, started_at, ended_at, hours)
     values ('first_90', '2031-01-03 09:00Z', '2031-01-03 10:00Z', 7) returning hours $$,
  $$ values (1::double precision) $$,
  'hours that disagree with the times are recomputed');
select results_eq(
  $$ insert into walker_os.timeblock_sessions (block_type, started_at, ended_at)
     values ('midday_b', '2031-01-04 09:00Z', '2031-01-04 10:07:33.123457Z'), ('midday_b', '2031-01-04 12:00Z', '2031-01-04 12:00:01Z')
     returning hours $$,
  $$ values (4053123457::double precision / 3600000000), (1::double precision / 3600) $$,
  'to the microsecond, and to the last bit of the double rowgate-core computes (microseconds / 3.6e9)');
select results_eq(
  $$ update walker_os.timeblock_sessions set hours = 5 where started_at = '2031-01-03 09:00Z' returning hours $$,
  $$ values (1::double precision) $$,
  'an update of the hours alone is recomputed from the times');
select results_eq(
  $$ update walker_os.timeblock_sessions set ended_at = '2031-01-03 11:30Z' where started_at = '2031-01-03 09:00Z' returning hours $$,
  $$ values (2.5::double precision) $$,
  'an update of the end recomputes the hours');
select results_eq(
  $$ update walker_os.timeblock_sessions set ended_at = null where started_at = '2031-01-03 09:00Z' returning hours $$,
  $$ values (null::double precision) $$,
  'reopening a session clears its hours');
select results_eq(
  $$ insert into walker_os.timeblock_sessions (block_type, started_at, hours) values ('deep_work', '2031-01-05 09:00Z', 2) returning hours $$,
  $$ values (2::double precision) $$,
  'a running session keeps the hours its owner gives');
select results_eq(
  $$ insert into walker_os.net_worth (snapshot_date, total_assets, total_liabilities, net_worth)
     values ('2031-01-02', 10, 4, 999) returning net_worth $$,
  $$ values (6.00::numeric(14, 2)) $$,
  'a net worth that disagrees with the totals is recomputed');

-- ---------------------------------------------------------------------------------------------
-- every check constraint refuses a bad value written directly by the owner
-- ---------------------------------------------------------------------------------------------

select tests.rejects(statement, constraint_name, description) from pg_temp.bad_values();
select lives_ok(
  $$ insert into walker_os.path_a (milestone, notes, target_date)
     values (E'Series\tA', E'first line\n\n  indented line', '0001-01-01') $$,
  'tabs, blank lines and indentation inside the text, and a date in year 1, are accepted');
-- An infinite end cannot even reach its check: the hours trigger cannot subtract it.
select throws_ok(
  $$ insert into walker_os.timeblock_sessions (block_type, started_at, ended_at) values ('deep_work', '2031-02-01 09:00Z', 'infinity') $$,
  '22008', 'cannot subtract infinite timestamps', 'a session ended at infinity is refused by the hours trigger');
select tests.authenticate_as_service_role();
select tests.rejects(statement, constraint_name, description) from pg_temp.bad_values_as_service_role();
select tests.clear_authentication();

-- The two checks behind triggers: only reachable with the triggers off, as the owner (postgres)
-- for this transaction.
select lives_ok($$ set local session_replication_role = replica $$, 'triggers are off for the next two statements');
select tests.rejects(
  format($$ insert into walker_os.timeblock_sessions (user_id, block_type, started_at, ended_at, hours)
            values (%L, 'deep_work', '2031-01-06 09:00Z', '2031-01-06 10:00Z', 2) $$, tests.get_supabase_uid('alice')),
  'timeblock_sessions_hours_is_ended_minus_started', 'hours that disagree with the times are refused by a check too');
select tests.rejects(
  format($$ insert into walker_os.net_worth (user_id, snapshot_date, total_assets, total_liabilities, net_worth)
            values (%L, '2031-01-06', 10, 4, 7) $$, tests.get_supabase_uid('alice')),
  'net_worth_is_assets_minus_liabilities', 'a net worth that disagrees with the totals is refused by a check too');
select tests.rejects(
  format($$ insert into walker_os.timeblock_sessions (user_id, block_type, started_at, ended_at)
            values (%L, 'deep_work', '2031-01-06 09:00Z', 'infinity') $$, tests.get_supabase_uid('alice')),
  'timeblock_sessions_ended_at_check', 'a session ended at infinity is refused by its check too');
select lives_ok($$ set local session_replication_role = origin $$, 'triggers are on again');

-- Every check of the schema's tables, and of every domain a walker_os column is of
-- (walker_os.path_status, and any platform domain; a domain over a domain brings its base's
-- checks too).
select is_empty(
  $$ with recursive column_domains(oid) as (
       select a.atttypid
         from pg_attribute a join pg_class c on c.oid = a.attrelid
        where c.relnamespace = 'walker_os'::regnamespace and c.relkind = 'r' and a.attnum > 0 and not a.attisdropped
       union
       select t.typbasetype from pg_type t join column_domains d on d.oid = t.oid where t.typtype = 'd'
     )
     (select conname from pg_constraint where connamespace = 'walker_os'::regnamespace and contype = 'c'
      union
      select conname from pg_constraint where contype = 'c' and contypid in (select oid from column_domains))
     except select constraint_name from pg_temp.bad_values()
     except select constraint_name from pg_temp.bad_values_as_service_role()
     except values ('timeblock_sessions_hours_is_ended_minus_started'::name), ('net_worth_is_assets_minus_liabilities'),
                   ('timeblock_sessions_ended_at_check') $$,
  'every walker_os check constraint, and every check of a domain its columns use, is exercised above');

select * from finish();
rollback;
