-- Set-once and server-owned columns (design decision 10, house style 15). An owner writes
-- walker_os directly through PostgREST with the anon key and their token, so the core's groups
-- are stated as column grants for `authenticated`:
-- - set once (id, user_id, created_at): may be given on insert (a retried insert, an import),
--   never changed: insert granted, update not;
-- - server-owned (updated_at, set by a trigger; the profit-first *_amount columns, generated):
--   neither insert nor update granted. Refused (42501) rather than silently overwritten, because
--   the core refuses them too (422 `readonly`): a client that sends one has a bug to hear about.
-- Derived columns the core lets a client send when they agree (net_worth, hours) stay
-- writable: their triggers recompute them and a check holds them.
-- SELECT and DELETE stay table-wide; anon is granted nothing; the service role keeps every
-- table privilege, and a trigger keeps the set-once columns for it (and for the owner, should
-- a grant ever widen).

-- ---------------------------------------------------------------------------------------------
-- functions
-- ---------------------------------------------------------------------------------------------

create or replace function walker_os.keep_set_once()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  new.id := old.id;
  new.user_id := old.user_id;
  new.created_at := old.created_at;
  return new;
end;
$$;

-- ---------------------------------------------------------------------------------------------
-- triggers: the service role bypasses grants, and an upsert by the backend or a signed ingest
-- must not move a row to another owner or rewrite its id or history (see dyniq's, 20261203000110)
-- ---------------------------------------------------------------------------------------------

create trigger daily_scorecard_keep_set_once before update on walker_os.daily_scorecard
  for each row execute function walker_os.keep_set_once();
create trigger timeblock_sessions_keep_set_once before update on walker_os.timeblock_sessions
  for each row execute function walker_os.keep_set_once();
create trigger weekly_reviews_keep_set_once before update on walker_os.weekly_reviews
  for each row execute function walker_os.keep_set_once();
create trigger decision_filter_history_keep_set_once before update on walker_os.decision_filter_history
  for each row execute function walker_os.keep_set_once();
create trigger weekly_cashflow_keep_set_once before update on walker_os.weekly_cashflow
  for each row execute function walker_os.keep_set_once();
create trigger net_worth_keep_set_once before update on walker_os.net_worth
  for each row execute function walker_os.keep_set_once();
create trigger profit_first_buckets_keep_set_once before update on walker_os.profit_first_buckets
  for each row execute function walker_os.keep_set_once();
create trigger path_a_keep_set_once before update on walker_os.path_a
  for each row execute function walker_os.keep_set_once();
create trigger path_b_keep_set_once before update on walker_os.path_b
  for each row execute function walker_os.keep_set_once();

-- ---------------------------------------------------------------------------------------------
-- grants: column by column for `authenticated`
-- ---------------------------------------------------------------------------------------------

revoke insert, update on walker_os.daily_scorecard, walker_os.timeblock_sessions, walker_os.weekly_reviews,
  walker_os.decision_filter_history, walker_os.weekly_cashflow, walker_os.net_worth,
  walker_os.profit_first_buckets, walker_os.path_a, walker_os.path_b from authenticated;

grant insert (id, user_id, created_at, scorecard_date, fajr, mind, body, shutdown_ritual, first_90,
              b_quadrant_hours, energy_level, day_verdict),
      update (scorecard_date, fajr, mind, body, shutdown_ritual, first_90, b_quadrant_hours,
              energy_level, day_verdict)
  on walker_os.daily_scorecard to authenticated;

grant insert (id, user_id, created_at, block_type, started_at, ended_at, summary, hours, quadrant),
      update (block_type, started_at, ended_at, summary, hours, quadrant)
  on walker_os.timeblock_sessions to authenticated;

grant insert (id, user_id, created_at, review_date, path_a_hours, path_b_hours, e_quadrant_hours,
              top_wins, blockers, next_week_priorities),
      update (review_date, path_a_hours, path_b_hours, e_quadrant_hours, top_wins, blockers,
              next_week_priorities)
  on walker_os.weekly_reviews to authenticated;

grant insert (id, user_id, created_at, decision, outcome, hourly_value_test, path_aligned, path),
      update (decision, outcome, hourly_value_test, path_aligned, path)
  on walker_os.decision_filter_history to authenticated;

grant insert (id, user_id, created_at, week_start, income, fixed_costs, freedom_fund, play_money,
              long_term_savings, education, charity_zakat),
      update (week_start, income, fixed_costs, freedom_fund, play_money, long_term_savings, education,
              charity_zakat)
  on walker_os.weekly_cashflow to authenticated;

grant insert (id, user_id, created_at, snapshot_date, total_assets, total_liabilities, net_worth,
              asset_breakdown),
      update (snapshot_date, total_assets, total_liabilities, net_worth, asset_breakdown)
  on walker_os.net_worth to authenticated;

grant insert (id, user_id, created_at, period_start, revenue, fixed_costs_pct, freedom_pct, play_pct,
              savings_pct, education_pct, zakat_pct),
      update (period_start, revenue, fixed_costs_pct, freedom_pct, play_pct, savings_pct, education_pct,
              zakat_pct)
  on walker_os.profit_first_buckets to authenticated;

grant insert (id, user_id, created_at, milestone, target_date, status, equity_percentage, notes),
      update (milestone, target_date, status, equity_percentage, notes)
  on walker_os.path_a to authenticated;

grant insert (id, user_id, created_at, product, mrr_target, mrr_current, status, notes),
      update (product, mrr_target, mrr_current, status, notes)
  on walker_os.path_b to authenticated;
