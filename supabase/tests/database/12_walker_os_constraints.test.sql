-- walker_os: every constraint refuses a bad value (by its name, which the API maps to a field)
-- and accepts the good ones; uniqueness is per owner; profit-first percentages sum to 100 and
-- bucket amounts are generated; net worth is derived. Runs as the owner with explicit user_ids:
-- who may write which row is 13_walker_os_rls's concern.
begin;
select plan(110);

-- ---------------------------------------------------------------------------------------------
-- helpers for this file only, in pg_temp so that they vanish with the session (the shared ones
-- are tests.*, installed by 000_setup_test_helpers)
-- ---------------------------------------------------------------------------------------------

create function pg_temp.alice() returns uuid language sql stable as $$ select tests.get_supabase_uid('alice') $$;
create function pg_temp.bob() returns uuid language sql stable as $$ select tests.get_supabase_uid('bob') $$;

select tests.create_supabase_user('alice');
select tests.create_supabase_user('bob');

-- ---------------------------------------------------------------------------------------------
-- every table: an owner is required, and must be an Auth user
-- ---------------------------------------------------------------------------------------------

-- Without a JWT auth.uid() is null, so user_id's default gives nothing and the row is refused.
select tests.rejects_null($$ insert into walker_os.daily_scorecard default values $$, 'daily_scorecard', 'user_id',
  'a scorecard without an owner (no signed-in user) is refused');
select tests.rejects_null($$ insert into walker_os.path_b (product) values ('SaaS') $$, 'path_b', 'user_id',
  'a path B item without an owner is refused');
select tests.rejects($$ insert into walker_os.daily_scorecard (user_id) values (gen_random_uuid()) $$,
  'daily_scorecard_user_id_fkey', 'a scorecard for someone who is not an Auth user is refused');
select tests.rejects($$ insert into walker_os.net_worth (user_id) values (gen_random_uuid()) $$,
  'net_worth_user_id_fkey', 'a net worth snapshot for someone who is not an Auth user is refused');

-- ---------------------------------------------------------------------------------------------
-- walker_os.daily_scorecard
-- ---------------------------------------------------------------------------------------------

select lives_ok($$ insert into walker_os.daily_scorecard (user_id) values (pg_temp.alice()) $$,
  'a scorecard needs only its owner');
select results_eq(
  $$ select scorecard_date, fajr, mind, body, shutdown_ritual, first_90, b_quadrant_hours, energy_level, day_verdict
       from walker_os.daily_scorecard where user_id = pg_temp.alice() $$,
  $$ values (current_date, false, false, false, false, false, 0::double precision, null::text, null::text) $$,
  'it is for today, with every box unticked, no hours and no verdict');
select tests.rejects($$ insert into walker_os.daily_scorecard (user_id, scorecard_date) values (pg_temp.alice(), current_date) $$,
  'daily_scorecard_user_id_scorecard_date_key', 'a second scorecard for the same owner and date is refused');
select lives_ok($$ insert into walker_os.daily_scorecard (user_id, scorecard_date) values (pg_temp.bob(), current_date) $$,
  'another owner may have a scorecard for the same date');
select lives_ok($$ insert into walker_os.daily_scorecard (user_id, scorecard_date) values (pg_temp.alice(), current_date - 1) $$,
  'the same owner may have a scorecard for another date');
select lives_ok($$ update walker_os.daily_scorecard set b_quadrant_hours = 24 where user_id = pg_temp.alice() $$,
  '24 B-quadrant hours are accepted');
select tests.rejects($$ update walker_os.daily_scorecard set b_quadrant_hours = -0.5 where user_id = pg_temp.alice() $$,
  'daily_scorecard_b_quadrant_hours_range', 'negative B-quadrant hours are refused');
select tests.rejects($$ update walker_os.daily_scorecard set b_quadrant_hours = 24.5 where user_id = pg_temp.alice() $$,
  'daily_scorecard_b_quadrant_hours_range', 'more than 24 B-quadrant hours in a day are refused');
select lives_ok(
  $$ insert into walker_os.daily_scorecard (user_id, scorecard_date, energy_level, day_verdict)
     values (pg_temp.alice(), current_date - 2, 'high', 'green'), (pg_temp.alice(), current_date - 3, 'medium', 'yellow'),
            (pg_temp.alice(), current_date - 4, 'low', 'red') $$,
  'every energy level and day verdict is accepted');
select tests.rejects($$ update walker_os.daily_scorecard set energy_level = '' where user_id = pg_temp.alice() $$,
  'daily_scorecard_energy_level_check', 'an empty energy level is refused');
select tests.rejects($$ update walker_os.daily_scorecard set energy_level = 'High' where user_id = pg_temp.alice() $$,
  'daily_scorecard_energy_level_check', 'an energy level in the wrong case is refused');
select tests.rejects($$ update walker_os.daily_scorecard set day_verdict = '' where user_id = pg_temp.alice() $$,
  'daily_scorecard_day_verdict_check', 'an empty day verdict is refused');
select tests.rejects($$ update walker_os.daily_scorecard set day_verdict = 'blue' where user_id = pg_temp.alice() $$,
  'daily_scorecard_day_verdict_check', 'an unknown day verdict is refused');

-- ---------------------------------------------------------------------------------------------
-- walker_os.timeblock_sessions
-- ---------------------------------------------------------------------------------------------

select lives_ok(
  $$ insert into walker_os.timeblock_sessions (user_id, block_type, started_at, ended_at, hours, quadrant)
     values (pg_temp.alice(), 'first_90', '2030-01-01 06:00Z', '2030-01-01 07:30Z', 1.5, 'E'),
            (pg_temp.alice(), 'deep_work', '2030-01-01 09:00Z', null, null, 'S'),
            (pg_temp.alice(), 'midday_b', '2030-01-01 12:00Z', '2030-01-01 12:00:01Z', 0, 'B'),
            (pg_temp.alice(), 'deep_work', '2030-01-01 14:00Z', '2030-01-02 14:00Z', 24, 'I') $$,
  'every block type and quadrant is accepted; a block may still be running (no end)');
select tests.rejects_null($$ insert into walker_os.timeblock_sessions (user_id, started_at) values (pg_temp.alice(), now()) $$,
  'timeblock_sessions', 'block_type', 'a block without a type is refused');
select tests.rejects_null($$ insert into walker_os.timeblock_sessions (user_id, block_type) values (pg_temp.alice(), 'deep_work') $$,
  'timeblock_sessions', 'started_at', 'a block without a start is refused');
select tests.rejects(
  $$ insert into walker_os.timeblock_sessions (user_id, block_type, started_at, ended_at) values (pg_temp.alice(), 'deep_work', '2030-01-01 10:00Z', '2030-01-01 09:00Z') $$,
  'timeblock_sessions_ended_after_started', 'a block that ends before it starts is refused');
select tests.rejects(
  $$ insert into walker_os.timeblock_sessions (user_id, block_type, started_at, ended_at) values (pg_temp.alice(), 'deep_work', '2030-01-01 10:00Z', '2030-01-01 10:00Z') $$,
  'timeblock_sessions_ended_after_started', 'a block that ends when it starts is refused');
select tests.rejects($$ update walker_os.timeblock_sessions set block_type = '' where user_id = pg_temp.alice() $$,
  'timeblock_sessions_block_type_check', 'an empty block type is refused');
select tests.rejects($$ update walker_os.timeblock_sessions set block_type = 'Deep_Work' where user_id = pg_temp.alice() $$,
  'timeblock_sessions_block_type_check', 'a block type in the wrong case is refused');
select tests.rejects($$ update walker_os.timeblock_sessions set hours = -1 where user_id = pg_temp.alice() $$,
  'timeblock_sessions_hours_range', 'negative hours are refused');
select tests.rejects($$ update walker_os.timeblock_sessions set hours = 24.01 where user_id = pg_temp.alice() $$,
  'timeblock_sessions_hours_range', 'more than 24 hours are refused');
select tests.rejects($$ update walker_os.timeblock_sessions set quadrant = '' where user_id = pg_temp.alice() $$,
  'timeblock_sessions_quadrant_check', 'an empty quadrant is refused');
select tests.rejects($$ update walker_os.timeblock_sessions set quadrant = 'e' where user_id = pg_temp.alice() $$,
  'timeblock_sessions_quadrant_check', 'a quadrant in lower case is refused');
select tests.rejects($$ update walker_os.timeblock_sessions set quadrant = 'X' where user_id = pg_temp.alice() $$,
  'timeblock_sessions_quadrant_check', 'an unknown quadrant is refused');

-- ---------------------------------------------------------------------------------------------
-- walker_os.weekly_reviews
-- ---------------------------------------------------------------------------------------------

select lives_ok(
  $$ insert into walker_os.weekly_reviews (user_id, review_date, path_a_hours, path_b_hours, e_quadrant_hours)
     values (pg_temp.alice(), '2030-01-06', 0, 168, 40) $$,
  'a weekly review with 0 to 168 hours per path is accepted');
select tests.rejects($$ insert into walker_os.weekly_reviews (user_id, review_date) values (pg_temp.alice(), '2030-01-06') $$,
  'weekly_reviews_user_id_review_date_key', 'a second review for the same owner and date is refused');
select lives_ok($$ insert into walker_os.weekly_reviews (user_id, review_date) values (pg_temp.bob(), '2030-01-06') $$,
  'another owner may review the same date');
select tests.rejects_null($$ insert into walker_os.weekly_reviews (user_id) values (pg_temp.alice()) $$,
  'weekly_reviews', 'review_date', 'a review without a date is refused');
select tests.rejects($$ update walker_os.weekly_reviews set path_a_hours = -1 where user_id = pg_temp.alice() $$,
  'weekly_reviews_path_a_hours_range', 'negative path A hours are refused');
select tests.rejects($$ update walker_os.weekly_reviews set path_a_hours = 169 where user_id = pg_temp.alice() $$,
  'weekly_reviews_path_a_hours_range', 'more path A hours than a week has are refused');
select tests.rejects($$ update walker_os.weekly_reviews set path_b_hours = -1 where user_id = pg_temp.alice() $$,
  'weekly_reviews_path_b_hours_range', 'negative path B hours are refused');
select tests.rejects($$ update walker_os.weekly_reviews set path_b_hours = 169 where user_id = pg_temp.alice() $$,
  'weekly_reviews_path_b_hours_range', 'more path B hours than a week has are refused');
select tests.rejects($$ update walker_os.weekly_reviews set e_quadrant_hours = -1 where user_id = pg_temp.alice() $$,
  'weekly_reviews_e_quadrant_hours_range', 'negative E-quadrant hours are refused');
select tests.rejects($$ update walker_os.weekly_reviews set e_quadrant_hours = 169 where user_id = pg_temp.alice() $$,
  'weekly_reviews_e_quadrant_hours_range', 'more E-quadrant hours than a week has are refused');

-- ---------------------------------------------------------------------------------------------
-- walker_os.decision_filter_history
-- ---------------------------------------------------------------------------------------------

select lives_ok(
  $$ insert into walker_os.decision_filter_history (user_id, decision, outcome, hourly_value_test, path)
     values (pg_temp.alice(), 'Hire an assistant?', 'DELEGATE', 0, 'A'),
            (pg_temp.alice(), repeat('x', 2000), 'DO_NOW', 150.25, 'B'),
            (pg_temp.alice(), 'Rewrite the site?', 'SCHEDULE', null, null),
            (pg_temp.alice(), 'Answer every email?', 'CUT', null, null) $$,
  'every outcome and path is accepted, and a decision of 2000 characters');
select is((select bool_or(path_aligned) from walker_os.decision_filter_history where user_id = pg_temp.alice()), false,
  'path_aligned defaults to false');
select tests.rejects($$ update walker_os.decision_filter_history set decision = '' where user_id = pg_temp.alice() $$,
  'decision_filter_history_decision_check', 'an empty decision is refused (by the trimmed-text check, checked before the length)');
select tests.rejects($$ update walker_os.decision_filter_history set decision = repeat('x', 2001) where user_id = pg_temp.alice() $$,
  'decision_filter_history_decision_length', 'a decision over 2000 characters is refused');
select tests.rejects_null($$ insert into walker_os.decision_filter_history (user_id, outcome) values (pg_temp.alice(), 'CUT') $$,
  'decision_filter_history', 'decision', 'a record without a decision is refused');
select tests.rejects_null($$ insert into walker_os.decision_filter_history (user_id, decision) values (pg_temp.alice(), 'x') $$,
  'decision_filter_history', 'outcome', 'a decision without an outcome is refused');
select tests.rejects($$ update walker_os.decision_filter_history set outcome = '' where user_id = pg_temp.alice() $$,
  'decision_filter_history_outcome_check', 'an empty outcome is refused');
select tests.rejects($$ update walker_os.decision_filter_history set outcome = 'do_now' where user_id = pg_temp.alice() $$,
  'decision_filter_history_outcome_check', 'an outcome in lower case is refused');
select tests.rejects($$ update walker_os.decision_filter_history set hourly_value_test = -0.01 where user_id = pg_temp.alice() $$,
  'decision_filter_history_hourly_value_test_range', 'a negative hourly value is refused');
select tests.rejects($$ update walker_os.decision_filter_history set path = '' where user_id = pg_temp.alice() $$,
  'decision_filter_history_path_check', 'an empty path is refused');
select tests.rejects($$ update walker_os.decision_filter_history set path = 'a' where user_id = pg_temp.alice() $$,
  'decision_filter_history_path_check', 'a path in lower case is refused');
select tests.rejects($$ update walker_os.decision_filter_history set path = 'C' where user_id = pg_temp.alice() $$,
  'decision_filter_history_path_check', 'an unknown path is refused');

-- ---------------------------------------------------------------------------------------------
-- walker_os.weekly_cashflow
-- ---------------------------------------------------------------------------------------------

select lives_ok($$ insert into walker_os.weekly_cashflow (user_id, week_start) values (pg_temp.alice(), '2030-01-06') $$,
  'a week''s cashflow needs its owner and week');
select results_eq(
  $$ select income, fixed_costs, freedom_fund, play_money, long_term_savings, education, charity_zakat
       from walker_os.weekly_cashflow where user_id = pg_temp.alice() $$,
  $$ values (0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00) $$,
  'every amount defaults to 0');
select tests.rejects($$ insert into walker_os.weekly_cashflow (user_id, week_start) values (pg_temp.alice(), '2030-01-06') $$,
  'weekly_cashflow_user_id_week_start_key', 'a second row for the same owner and week is refused');
select lives_ok($$ insert into walker_os.weekly_cashflow (user_id, week_start) values (pg_temp.bob(), '2030-01-06') $$,
  'another owner may record the same week');
select tests.rejects_null($$ insert into walker_os.weekly_cashflow (user_id) values (pg_temp.alice()) $$,
  'weekly_cashflow', 'week_start', 'a cashflow row without a week is refused');
select tests.rejects(
    format($$ update walker_os.weekly_cashflow set %I = -0.01 where user_id = pg_temp.alice() $$, c),
    format('weekly_cashflow_%s_range', c),
    format('a negative %s is refused', c))
  from unnest(array['income', 'fixed_costs', 'freedom_fund', 'play_money', 'long_term_savings', 'education', 'charity_zakat']) as c;
select results_eq(
  $$ update walker_os.weekly_cashflow set income = 1234.565 where user_id = pg_temp.alice() returning income $$,
  $$ values (1234.57) $$,
  'money is kept to the cent');

-- ---------------------------------------------------------------------------------------------
-- walker_os.net_worth: net_worth is always assets minus liabilities, whatever the client sends
-- ---------------------------------------------------------------------------------------------

select results_eq(
  $$ insert into walker_os.net_worth (user_id, total_assets, total_liabilities, net_worth)
     values (pg_temp.alice(), 1000, 250, 999999) returning net_worth, snapshot_date, asset_breakdown $$,
  $$ values (750.00, current_date, '{}'::jsonb) $$,
  'net worth is derived on insert (1000 - 250 = 750, not the 999999 sent); the snapshot is for today');
select results_eq(
  $$ update walker_os.net_worth set total_liabilities = 1500 where user_id = pg_temp.alice() returning net_worth $$,
  $$ values (-500.00) $$,
  'and on update, and may be negative');
select results_eq(
  $$ update walker_os.net_worth set net_worth = 1 where user_id = pg_temp.alice() returning net_worth $$,
  $$ values (-500.00) $$,
  'setting net_worth directly is ignored');
select tests.rejects($$ insert into walker_os.net_worth (user_id) values (pg_temp.alice()) $$,
  'net_worth_user_id_snapshot_date_key', 'a second snapshot for the same owner and date is refused');
select lives_ok($$ insert into walker_os.net_worth (user_id) values (pg_temp.bob()) $$,
  'another owner may take a snapshot on the same date');
select tests.rejects($$ update walker_os.net_worth set total_assets = -1 where user_id = pg_temp.alice() $$,
  'net_worth_total_assets_range', 'negative assets are refused');
select tests.rejects($$ update walker_os.net_worth set total_liabilities = -1 where user_id = pg_temp.alice() $$,
  'net_worth_total_liabilities_range', 'negative liabilities are refused');
select lives_ok($$ update walker_os.net_worth set asset_breakdown = '{"cash": 1000}' where user_id = pg_temp.alice() $$,
  'an asset breakdown as a JSON object is accepted');
select tests.rejects($$ update walker_os.net_worth set asset_breakdown = '[]' where user_id = pg_temp.alice() $$,
  'net_worth_asset_breakdown_object', 'an asset breakdown that is not a JSON object is refused');

-- ---------------------------------------------------------------------------------------------
-- walker_os.profit_first_buckets
-- ---------------------------------------------------------------------------------------------

select results_eq(
  $$ insert into walker_os.profit_first_buckets (user_id, period_start) values (pg_temp.alice(), '2030-01-01')
     returning fixed_costs_pct, freedom_pct, play_pct, savings_pct, education_pct, zakat_pct, revenue, fixed_costs_amount $$,
  $$ values (50.00, 15.00, 12.50, 10.00, 10.00, 2.50, 0.00, 0.00) $$,
  'the percentages default to 50 / 15 / 12.5 / 10 / 10 / 2.5');
select results_eq(
  $$ update walker_os.profit_first_buckets set revenue = 1000 where user_id = pg_temp.alice()
     returning fixed_costs_amount, freedom_amount, play_amount, savings_amount, education_amount, zakat_amount $$,
  $$ values (500.00, 150.00, 125.00, 100.00, 100.00, 25.00) $$,
  'each bucket''s amount is generated from the revenue');
select results_eq(
  $$ update walker_os.profit_first_buckets set revenue = 333.33 where user_id = pg_temp.alice()
     returning fixed_costs_amount, freedom_amount, play_amount, savings_amount, education_amount, zakat_amount $$,
  $$ values (166.67, 50.00, 41.67, 33.33, 33.33, 8.33) $$,
  'and rounded to cents');
select results_eq(
  $$ update walker_os.profit_first_buckets set fixed_costs_pct = 40, freedom_pct = 25 where user_id = pg_temp.alice()
     returning fixed_costs_amount, freedom_amount $$,
  $$ values (133.33, 83.33) $$,
  'other percentages that sum to 100 are accepted, and the amounts follow');
select lives_ok(
  $$ insert into walker_os.profit_first_buckets (user_id, period_start, fixed_costs_pct, freedom_pct, play_pct, savings_pct, education_pct, zakat_pct)
     values (pg_temp.alice(), '2030-02-01', 100, 0, 0, 0, 0, 0) $$,
  'one bucket may take 100 % and the others 0');
select tests.rejects($$ update walker_os.profit_first_buckets set fixed_costs_pct = 60 where user_id = pg_temp.alice() $$,
  'profit_first_buckets_pcts_sum_to_100', 'percentages that sum to more than 100 are refused');
select tests.rejects($$ update walker_os.profit_first_buckets set zakat_pct = 0 where user_id = pg_temp.alice() and period_start = '2030-01-01' $$,
  'profit_first_buckets_pcts_sum_to_100', 'percentages that sum to less than 100 are refused');
-- A negative percentage offset elsewhere keeps the sum at 100, so only its range check fails.
select tests.rejects(
    format($$ update walker_os.profit_first_buckets set %2$I = %2$I + %1$I + 10, %1$I = -10
               where user_id = pg_temp.alice() and period_start = '2030-01-01' $$,
           c, case when c = 'fixed_costs_pct' then 'freedom_pct' else 'fixed_costs_pct' end),
    format('profit_first_buckets_%s_range', c),
    format('a negative %s is refused even when the percentages sum to 100', c))
  from unnest(array['fixed_costs_pct', 'freedom_pct', 'play_pct', 'savings_pct', 'education_pct', 'zakat_pct']) as c;
select throws_ok($$ update walker_os.profit_first_buckets set fixed_costs_pct = 100.5, freedom_pct = 0, play_pct = 0, savings_pct = 0, education_pct = 0, zakat_pct = -0.5
                    where user_id = pg_temp.alice() and period_start = '2030-01-01' $$,
  '23514', null, 'a percentage above 100 is refused');
select tests.rejects($$ update walker_os.profit_first_buckets set revenue = -1 where user_id = pg_temp.alice() $$,
  'profit_first_buckets_revenue_range', 'negative revenue is refused');
select tests.rejects($$ insert into walker_os.profit_first_buckets (user_id, period_start) values (pg_temp.alice(), '2030-01-01') $$,
  'profit_first_buckets_user_id_period_start_key', 'a second allocation for the same owner and period is refused');
select lives_ok($$ insert into walker_os.profit_first_buckets (user_id, period_start) values (pg_temp.bob(), '2030-01-01') $$,
  'another owner may allocate the same period');
select throws_ok($$ update walker_os.profit_first_buckets set play_amount = 1 where user_id = pg_temp.alice() $$,
  '428C9', 'column "play_amount" can only be updated to DEFAULT', 'a bucket amount cannot be written');
select throws_ok($$ insert into walker_os.profit_first_buckets (user_id, period_start, zakat_amount) values (pg_temp.alice(), '2030-03-01', 1) $$,
  '428C9', 'cannot insert a non-DEFAULT value into column "zakat_amount"', 'nor given on insert');

-- ---------------------------------------------------------------------------------------------
-- walker_os.path_a and walker_os.path_b
-- ---------------------------------------------------------------------------------------------

select results_eq(
  $$ insert into walker_os.path_a (user_id, milestone) values (pg_temp.alice(), 'Become a partner') returning status::text, equity_percentage $$,
  $$ values ('planned', 45.00) $$,
  'a path A milestone starts planned, at 45 % equity');
select tests.rejects_null($$ insert into walker_os.path_a (user_id) values (pg_temp.alice()) $$,
  'path_a', 'milestone', 'a path A item without a milestone is refused');
select lives_ok(
  $$ insert into walker_os.path_a (user_id, milestone, status, equity_percentage)
     values (pg_temp.alice(), 'a', 'in_progress', 0), (pg_temp.alice(), 'b', 'done', 100), (pg_temp.alice(), 'c', 'dropped', 45) $$,
  'every status and an equity of 0 or 100 % are accepted');
select tests.rejects($$ update walker_os.path_a set status = '' where user_id = pg_temp.alice() $$,
  'path_status_check', 'an empty path A status is refused');
select tests.rejects($$ update walker_os.path_a set status = 'started' where user_id = pg_temp.alice() $$,
  'path_status_check', 'an unknown path A status is refused');
select tests.rejects($$ update walker_os.path_a set equity_percentage = -1 where user_id = pg_temp.alice() $$,
  'path_a_equity_percentage_range', 'a negative equity percentage is refused');
select tests.rejects($$ update walker_os.path_a set equity_percentage = 100.01 where user_id = pg_temp.alice() $$,
  'path_a_equity_percentage_range', 'an equity percentage above 100 is refused');
select throws_ok($$ update walker_os.path_a set milestone = repeat('x', 201) where user_id = pg_temp.alice() $$, '22001', null,
  'a milestone longer than 200 characters is refused');

select results_eq(
  $$ insert into walker_os.path_b (user_id, product) values (pg_temp.alice(), 'SaaS') returning status::text, mrr_target, mrr_current $$,
  $$ values ('planned', 10000.00, 0.00) $$,
  'a path B product starts planned, aiming at 10000 MRR from 0');
select tests.rejects_null($$ insert into walker_os.path_b (user_id) values (pg_temp.alice()) $$,
  'path_b', 'product', 'a path B item without a product is refused');
select tests.rejects($$ update walker_os.path_b set status = '' where user_id = pg_temp.alice() $$,
  'path_status_check', 'an empty path B status is refused');
select tests.rejects($$ update walker_os.path_b set mrr_target = -1 where user_id = pg_temp.alice() $$,
  'path_b_mrr_target_range', 'a negative MRR target is refused');
select tests.rejects($$ update walker_os.path_b set mrr_current = -1 where user_id = pg_temp.alice() $$,
  'path_b_mrr_current_range', 'a negative current MRR is refused');

-- ---------------------------------------------------------------------------------------------
-- an Auth user who is deleted takes their rows along (on delete cascade)
-- ---------------------------------------------------------------------------------------------

select lives_ok($$ delete from auth.users where id = pg_temp.alice() $$, 'alice''s Auth user is deleted');
select is(
  (select count(*) from walker_os.daily_scorecard where user_id = pg_temp.alice())
  + (select count(*) from walker_os.timeblock_sessions where user_id = pg_temp.alice())
  + (select count(*) from walker_os.weekly_reviews where user_id = pg_temp.alice())
  + (select count(*) from walker_os.decision_filter_history where user_id = pg_temp.alice())
  + (select count(*) from walker_os.weekly_cashflow where user_id = pg_temp.alice())
  + (select count(*) from walker_os.net_worth where user_id = pg_temp.alice())
  + (select count(*) from walker_os.profit_first_buckets where user_id = pg_temp.alice())
  + (select count(*) from walker_os.path_a where user_id = pg_temp.alice())
  + (select count(*) from walker_os.path_b where user_id = pg_temp.alice()),
  0::bigint,
  'and every walker_os row of hers is gone');
select is((select count(*) from walker_os.daily_scorecard where user_id = pg_temp.bob()), 1::bigint,
  'bob''s rows stay');

select * from finish();
rollback;
