-- Daily scorecards, timeblock sessions, weekly reviews and the decision filter's history.
-- Policies compare with (select auth.uid()) so it is evaluated once per statement, and every
-- table's user_id is indexed (alone or leading a unique index).

-- ---------------------------------------------------------------------------------------------
-- tables
-- ---------------------------------------------------------------------------------------------

create table walker_os.daily_scorecard (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null default auth.uid(),
  scorecard_date date not null default current_date,
  fajr boolean not null default false,
  mind boolean not null default false,
  body boolean not null default false,
  shutdown_ritual boolean not null default false,
  first_90 boolean not null default false,
  b_quadrant_hours double precision not null default 0,
  energy_level text,
  day_verdict text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint daily_scorecard_user_id_fkey foreign key (user_id) references auth.users (id) on delete cascade,
  constraint daily_scorecard_user_id_scorecard_date_key unique (user_id, scorecard_date),
  constraint daily_scorecard_b_quadrant_hours_range check (b_quadrant_hours between 0 and 24),
  constraint daily_scorecard_energy_level_check check (energy_level in ('high', 'medium', 'low')),
  constraint daily_scorecard_day_verdict_check check (day_verdict in ('green', 'yellow', 'red'))
);

create table walker_os.timeblock_sessions (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null default auth.uid(),
  block_type text not null,
  started_at timestamptz not null,
  ended_at timestamptz,
  summary text,
  -- Derived from started_at and ended_at by rowgate-core when both are given.
  hours double precision,
  quadrant text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint timeblock_sessions_user_id_fkey foreign key (user_id) references auth.users (id) on delete cascade,
  constraint timeblock_sessions_block_type_check check (block_type in ('first_90', 'deep_work', 'midday_b')),
  constraint timeblock_sessions_ended_after_started check (ended_at > started_at),
  constraint timeblock_sessions_hours_range check (hours between 0 and 24),
  -- Cashflow quadrant: Employee, Self-employed, Business owner, Investor.
  constraint timeblock_sessions_quadrant_check check (quadrant in ('E', 'S', 'B', 'I'))
);

create index timeblock_sessions_user_id_started_at_idx on walker_os.timeblock_sessions (user_id, started_at);

create table walker_os.weekly_reviews (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null default auth.uid(),
  review_date date not null,
  path_a_hours double precision,
  path_b_hours double precision,
  e_quadrant_hours double precision,
  top_wins text,
  blockers text,
  next_week_priorities text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint weekly_reviews_user_id_fkey foreign key (user_id) references auth.users (id) on delete cascade,
  constraint weekly_reviews_user_id_review_date_key unique (user_id, review_date),
  constraint weekly_reviews_path_a_hours_range check (path_a_hours between 0 and 168),
  constraint weekly_reviews_path_b_hours_range check (path_b_hours between 0 and 168),
  constraint weekly_reviews_e_quadrant_hours_range check (e_quadrant_hours between 0 and 168)
);

create table walker_os.decision_filter_history (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null default auth.uid(),
  decision text not null,
  outcome text not null,
  hourly_value_test numeric(12, 2),
  path_aligned boolean not null default false,
  path text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint decision_filter_history_user_id_fkey foreign key (user_id) references auth.users (id) on delete cascade,
  constraint decision_filter_history_decision_length check (char_length(decision) between 1 and 2000),
  constraint decision_filter_history_outcome_check check (outcome in ('DO_NOW', 'DELEGATE', 'SCHEDULE', 'CUT')),
  constraint decision_filter_history_hourly_value_test_range check (hourly_value_test >= 0),
  constraint decision_filter_history_path_check check (path in ('A', 'B'))
);

create index decision_filter_history_user_id_created_at_idx on walker_os.decision_filter_history (user_id, created_at);

create trigger daily_scorecard_set_updated_at before update on walker_os.daily_scorecard
  for each row execute function walker_os.set_updated_at();
create trigger timeblock_sessions_set_updated_at before update on walker_os.timeblock_sessions
  for each row execute function walker_os.set_updated_at();
create trigger weekly_reviews_set_updated_at before update on walker_os.weekly_reviews
  for each row execute function walker_os.set_updated_at();
create trigger decision_filter_history_set_updated_at before update on walker_os.decision_filter_history
  for each row execute function walker_os.set_updated_at();

-- ---------------------------------------------------------------------------------------------
-- row-level security
-- ---------------------------------------------------------------------------------------------

alter table walker_os.daily_scorecard enable row level security;
alter table walker_os.timeblock_sessions enable row level security;
alter table walker_os.weekly_reviews enable row level security;
alter table walker_os.decision_filter_history enable row level security;

create policy "Owners can read their scorecards" on walker_os.daily_scorecard
  for select to authenticated using ((select auth.uid()) = user_id);
create policy "Owners can add their scorecards" on walker_os.daily_scorecard
  for insert to authenticated with check ((select auth.uid()) = user_id);
create policy "Owners can change their scorecards" on walker_os.daily_scorecard
  for update to authenticated using ((select auth.uid()) = user_id) with check ((select auth.uid()) = user_id);
create policy "Owners can delete their scorecards" on walker_os.daily_scorecard
  for delete to authenticated using ((select auth.uid()) = user_id);

create policy "Owners can read their timeblocks" on walker_os.timeblock_sessions
  for select to authenticated using ((select auth.uid()) = user_id);
create policy "Owners can add their timeblocks" on walker_os.timeblock_sessions
  for insert to authenticated with check ((select auth.uid()) = user_id);
create policy "Owners can change their timeblocks" on walker_os.timeblock_sessions
  for update to authenticated using ((select auth.uid()) = user_id) with check ((select auth.uid()) = user_id);
create policy "Owners can delete their timeblocks" on walker_os.timeblock_sessions
  for delete to authenticated using ((select auth.uid()) = user_id);

create policy "Owners can read their weekly reviews" on walker_os.weekly_reviews
  for select to authenticated using ((select auth.uid()) = user_id);
create policy "Owners can add their weekly reviews" on walker_os.weekly_reviews
  for insert to authenticated with check ((select auth.uid()) = user_id);
create policy "Owners can change their weekly reviews" on walker_os.weekly_reviews
  for update to authenticated using ((select auth.uid()) = user_id) with check ((select auth.uid()) = user_id);
create policy "Owners can delete their weekly reviews" on walker_os.weekly_reviews
  for delete to authenticated using ((select auth.uid()) = user_id);

create policy "Owners can read their decisions" on walker_os.decision_filter_history
  for select to authenticated using ((select auth.uid()) = user_id);
create policy "Owners can add their decisions" on walker_os.decision_filter_history
  for insert to authenticated with check ((select auth.uid()) = user_id);
create policy "Owners can change their decisions" on walker_os.decision_filter_history
  for update to authenticated using ((select auth.uid()) = user_id) with check ((select auth.uid()) = user_id);
create policy "Owners can delete their decisions" on walker_os.decision_filter_history
  for delete to authenticated using ((select auth.uid()) = user_id);

-- ---------------------------------------------------------------------------------------------
-- grants: owners through `authenticated`; `anon` gets nothing
-- ---------------------------------------------------------------------------------------------

revoke all on walker_os.daily_scorecard, walker_os.timeblock_sessions, walker_os.weekly_reviews,
  walker_os.decision_filter_history from anon;
grant select, insert, update, delete on walker_os.daily_scorecard, walker_os.timeblock_sessions,
  walker_os.weekly_reviews, walker_os.decision_filter_history to authenticated, service_role;
