-- Ranges that rowgate-core checks and the database did not hold (design decision 10). 'NaN' is
-- a numeric value and passes `>= 0` (NaN sorts above every number), so a direct PostgREST write
-- could store NaN money; the core takes finite numbers only. `< 'Infinity'` refuses NaN (and
-- infinity, which numeric(p, s) cannot hold anyway). Each constraint is dropped and added again
-- under the same name, because the API maps constraint names to fields. Checks bounded above
-- (`between 0 and 100`) already refuse NaN.

-- ---------------------------------------------------------------------------------------------
-- walker_os.weekly_cashflow
-- ---------------------------------------------------------------------------------------------

alter table walker_os.weekly_cashflow
  drop constraint weekly_cashflow_income_range,
  drop constraint weekly_cashflow_fixed_costs_range,
  drop constraint weekly_cashflow_freedom_fund_range,
  drop constraint weekly_cashflow_play_money_range,
  drop constraint weekly_cashflow_long_term_savings_range,
  drop constraint weekly_cashflow_education_range,
  drop constraint weekly_cashflow_charity_zakat_range,
  add constraint weekly_cashflow_income_range check (income >= 0 and income < 'Infinity'),
  add constraint weekly_cashflow_fixed_costs_range check (fixed_costs >= 0 and fixed_costs < 'Infinity'),
  add constraint weekly_cashflow_freedom_fund_range check (freedom_fund >= 0 and freedom_fund < 'Infinity'),
  add constraint weekly_cashflow_play_money_range check (play_money >= 0 and play_money < 'Infinity'),
  add constraint weekly_cashflow_long_term_savings_range check (long_term_savings >= 0 and long_term_savings < 'Infinity'),
  add constraint weekly_cashflow_education_range check (education >= 0 and education < 'Infinity'),
  add constraint weekly_cashflow_charity_zakat_range check (charity_zakat >= 0 and charity_zakat < 'Infinity');

-- ---------------------------------------------------------------------------------------------
-- walker_os.net_worth (net_worth itself is assets minus liabilities, finite when they are)
-- ---------------------------------------------------------------------------------------------

alter table walker_os.net_worth
  drop constraint net_worth_total_assets_range,
  drop constraint net_worth_total_liabilities_range,
  add constraint net_worth_total_assets_range check (total_assets >= 0 and total_assets < 'Infinity'),
  add constraint net_worth_total_liabilities_range check (total_liabilities >= 0 and total_liabilities < 'Infinity');

-- ---------------------------------------------------------------------------------------------
-- walker_os.profit_first_buckets
-- ---------------------------------------------------------------------------------------------

alter table walker_os.profit_first_buckets
  drop constraint profit_first_buckets_revenue_range,
  add constraint profit_first_buckets_revenue_range check (revenue >= 0 and revenue < 'Infinity');

-- ---------------------------------------------------------------------------------------------
-- walker_os.path_b
-- ---------------------------------------------------------------------------------------------

alter table walker_os.path_b
  drop constraint path_b_mrr_target_range,
  drop constraint path_b_mrr_current_range,
  add constraint path_b_mrr_target_range check (mrr_target >= 0 and mrr_target < 'Infinity'),
  add constraint path_b_mrr_current_range check (mrr_current >= 0 and mrr_current < 'Infinity');

-- ---------------------------------------------------------------------------------------------
-- walker_os.decision_filter_history
-- ---------------------------------------------------------------------------------------------

alter table walker_os.decision_filter_history
  drop constraint decision_filter_history_hourly_value_test_range,
  add constraint decision_filter_history_hourly_value_test_range check (
    hourly_value_test >= 0 and hourly_value_test < 'Infinity');
