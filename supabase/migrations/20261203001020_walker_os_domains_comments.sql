-- walker_os: the enum two tables share is a domain, and every column's meaning is its comment.
-- The generator (`cargo run -p rowgate-xtask -- gen`) reads both, with the column grants that
-- already say which columns a signed-in user may set once and which never.

-- ---------------------------------------------------------------------------------------------
-- domains
-- ---------------------------------------------------------------------------------------------

create domain walker_os.path_status as text
  constraint path_status_check check (value in ('planned', 'in_progress', 'done', 'dropped'));
comment on domain walker_os.path_status is 'Where a career path''s item stands.';
grant usage on domain walker_os.path_status to authenticated, service_role;

alter table walker_os.path_a drop constraint path_a_status_check;
alter table walker_os.path_a alter column status type walker_os.path_status;
alter table walker_os.path_b drop constraint path_b_status_check;
alter table walker_os.path_b alter column status type walker_os.path_status;

-- ---------------------------------------------------------------------------------------------
-- comments: the documentation of every table and column (the OpenAPI document's descriptions)
-- ---------------------------------------------------------------------------------------------

comment on table walker_os.daily_scorecard is 'A day''s scorecard.';
comment on column walker_os.daily_scorecard.user_id is 'The owner: the caller when left out.';
comment on column walker_os.daily_scorecard.scorecard_date is 'The day; today (the database''s) when left out.';
comment on column walker_os.daily_scorecard.energy_level is 'How the day felt.';
comment on column walker_os.daily_scorecard.day_verdict is 'The day''s verdict.';
comment on column walker_os.daily_scorecard.b_quadrant_hours is 'Hours spent in the B (business owner) quadrant, 0 to 24.';

comment on table walker_os.timeblock_sessions is 'A timeblock session.';
comment on column walker_os.timeblock_sessions.block_type is 'The kind of block.';
comment on column walker_os.timeblock_sessions.ended_at is 'After `started_at`, at most 24 hours later; null while the session runs.';
comment on column walker_os.timeblock_sessions.hours is 'From `started_at` and `ended_at` when both are given (a sent value must agree); as sent otherwise.';
comment on column walker_os.timeblock_sessions.quadrant is 'Cashflow quadrant: Employee, Self-employed, Business owner, Investor.';

comment on table walker_os.weekly_reviews is 'A weekly review.';
comment on column walker_os.weekly_reviews.path_a_hours is 'Hours in the week, 0 to 168.';

comment on table walker_os.decision_filter_history is 'A decision and the filter''s outcome.';
comment on column walker_os.decision_filter_history.decision is '1 to 2000 characters.';
comment on column walker_os.decision_filter_history.outcome is 'What the filter said to do.';
comment on column walker_os.decision_filter_history.path is 'The career path a decision serves.';
comment on column walker_os.decision_filter_history.hourly_value_test is 'What an hour of this is worth, in money.';

comment on table walker_os.weekly_cashflow is 'A week''s cashflow.';

comment on table walker_os.net_worth is 'A net worth snapshot.';
comment on column walker_os.net_worth.snapshot_date is 'The day of the snapshot; today (the database''s) when left out.';
comment on column walker_os.net_worth.net_worth is '`total_assets − total_liabilities`, computed; a sent value must be equal.';
comment on column walker_os.net_worth.asset_breakdown is 'What the assets are, as the client groups them.';

comment on table walker_os.profit_first_buckets is 'A period''s revenue split.';
comment on column walker_os.profit_first_buckets.fixed_costs_amount is '`round(revenue * fixed_costs_pct / 100, 2)`.';

comment on table walker_os.path_a is 'A path A milestone.';
comment on column walker_os.path_a.equity_percentage is '0 to 100.';

comment on table walker_os.path_b is 'A path B product.';
comment on column walker_os.path_b.mrr_target is 'Monthly recurring revenue aimed at.';
