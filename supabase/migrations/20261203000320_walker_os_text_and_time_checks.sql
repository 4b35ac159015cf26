-- Text and times as rowgate-core shapes them (design decision 10), for a direct PostgREST write
-- by an owner too:
-- - free text (the core's text/varchar kinds) is trimmed and never blank:
--   `<table>_<column>_check` is `rowgate.is_trimmed_text(column)` (20261203000300). Enums
--   already allow no whitespace. decision_filter_history.decision keeps its `_length` check
--   (1 to 2000 characters) beside the new `_check`.
-- - a date or timestamptz is finite: the core reads only calendar dates and instants, never
--   'infinity' or '-infinity'. `isfinite(column)`, on every one, set-once and server-owned ones
--   included (the service role can write those).
-- walker_os has no text[] column.
--
-- Existing rows are brought in line first, as the core would have shaped them: text trimmed and
-- blank made null. The updates fire the tables' triggers, so updated_at moves on the rows that
-- change. Two cases cannot be fixed here and make this migration fail, naming the column, for a
-- person to decide: a blank value in a not-null column (not-null violation) and an infinite date
-- or time (check violation).

-- ---------------------------------------------------------------------------------------------
-- walker_os.daily_scorecard
-- ---------------------------------------------------------------------------------------------

alter table walker_os.daily_scorecard
  add constraint daily_scorecard_scorecard_date_check check (isfinite(scorecard_date)),
  add constraint daily_scorecard_created_at_check check (isfinite(created_at)),
  add constraint daily_scorecard_updated_at_check check (isfinite(updated_at));

-- ---------------------------------------------------------------------------------------------
-- walker_os.timeblock_sessions
-- ---------------------------------------------------------------------------------------------

update walker_os.timeblock_sessions set summary = rowgate.trim_text(summary)
 where not rowgate.is_trimmed_text(summary);

alter table walker_os.timeblock_sessions
  add constraint timeblock_sessions_summary_check check (rowgate.is_trimmed_text(summary)),
  add constraint timeblock_sessions_started_at_check check (isfinite(started_at)),
  add constraint timeblock_sessions_ended_at_check check (isfinite(ended_at)),
  add constraint timeblock_sessions_created_at_check check (isfinite(created_at)),
  add constraint timeblock_sessions_updated_at_check check (isfinite(updated_at));

-- ---------------------------------------------------------------------------------------------
-- walker_os.weekly_reviews
-- ---------------------------------------------------------------------------------------------

update walker_os.weekly_reviews set top_wins = rowgate.trim_text(top_wins)
 where not rowgate.is_trimmed_text(top_wins);
update walker_os.weekly_reviews set blockers = rowgate.trim_text(blockers)
 where not rowgate.is_trimmed_text(blockers);
update walker_os.weekly_reviews set next_week_priorities = rowgate.trim_text(next_week_priorities)
 where not rowgate.is_trimmed_text(next_week_priorities);

alter table walker_os.weekly_reviews
  add constraint weekly_reviews_top_wins_check check (rowgate.is_trimmed_text(top_wins)),
  add constraint weekly_reviews_blockers_check check (rowgate.is_trimmed_text(blockers)),
  add constraint weekly_reviews_next_week_priorities_check check (rowgate.is_trimmed_text(next_week_priorities)),
  add constraint weekly_reviews_review_date_check check (isfinite(review_date)),
  add constraint weekly_reviews_created_at_check check (isfinite(created_at)),
  add constraint weekly_reviews_updated_at_check check (isfinite(updated_at));

-- ---------------------------------------------------------------------------------------------
-- walker_os.decision_filter_history
-- ---------------------------------------------------------------------------------------------

update walker_os.decision_filter_history set decision = rowgate.trim_text(decision)
 where not rowgate.is_trimmed_text(decision);

alter table walker_os.decision_filter_history
  add constraint decision_filter_history_decision_check check (rowgate.is_trimmed_text(decision)),
  add constraint decision_filter_history_created_at_check check (isfinite(created_at)),
  add constraint decision_filter_history_updated_at_check check (isfinite(updated_at));

-- ---------------------------------------------------------------------------------------------
-- walker_os.weekly_cashflow
-- ---------------------------------------------------------------------------------------------

alter table walker_os.weekly_cashflow
  add constraint weekly_cashflow_week_start_check check (isfinite(week_start)),
  add constraint weekly_cashflow_created_at_check check (isfinite(created_at)),
  add constraint weekly_cashflow_updated_at_check check (isfinite(updated_at));

-- ---------------------------------------------------------------------------------------------
-- walker_os.net_worth
-- ---------------------------------------------------------------------------------------------

alter table walker_os.net_worth
  add constraint net_worth_snapshot_date_check check (isfinite(snapshot_date)),
  add constraint net_worth_created_at_check check (isfinite(created_at)),
  add constraint net_worth_updated_at_check check (isfinite(updated_at));

-- ---------------------------------------------------------------------------------------------
-- walker_os.profit_first_buckets
-- ---------------------------------------------------------------------------------------------

alter table walker_os.profit_first_buckets
  add constraint profit_first_buckets_period_start_check check (isfinite(period_start)),
  add constraint profit_first_buckets_created_at_check check (isfinite(created_at)),
  add constraint profit_first_buckets_updated_at_check check (isfinite(updated_at));

-- ---------------------------------------------------------------------------------------------
-- walker_os.path_a
-- ---------------------------------------------------------------------------------------------

update walker_os.path_a set milestone = rowgate.trim_text(milestone)
 where not rowgate.is_trimmed_text(milestone);
update walker_os.path_a set notes = rowgate.trim_text(notes)
 where not rowgate.is_trimmed_text(notes);

alter table walker_os.path_a
  add constraint path_a_milestone_check check (rowgate.is_trimmed_text(milestone)),
  add constraint path_a_notes_check check (rowgate.is_trimmed_text(notes)),
  add constraint path_a_target_date_check check (isfinite(target_date)),
  add constraint path_a_created_at_check check (isfinite(created_at)),
  add constraint path_a_updated_at_check check (isfinite(updated_at));

-- ---------------------------------------------------------------------------------------------
-- walker_os.path_b
-- ---------------------------------------------------------------------------------------------

update walker_os.path_b set product = rowgate.trim_text(product)
 where not rowgate.is_trimmed_text(product);
update walker_os.path_b set notes = rowgate.trim_text(notes)
 where not rowgate.is_trimmed_text(notes);

alter table walker_os.path_b
  add constraint path_b_product_check check (rowgate.is_trimmed_text(product)),
  add constraint path_b_notes_check check (rowgate.is_trimmed_text(notes)),
  add constraint path_b_created_at_check check (isfinite(created_at)),
  add constraint path_b_updated_at_check check (isfinite(updated_at));
