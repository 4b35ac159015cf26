-- Weekly cashflow, net worth snapshots, profit-first buckets and the two career paths.
-- Money is numeric(14, 2), never floating point.

-- ---------------------------------------------------------------------------------------------
-- tables
-- ---------------------------------------------------------------------------------------------

create table walker_os.weekly_cashflow (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null default auth.uid(),
  week_start date not null,
  income numeric(14, 2) not null default 0,
  fixed_costs numeric(14, 2) not null default 0,
  freedom_fund numeric(14, 2) not null default 0,
  play_money numeric(14, 2) not null default 0,
  long_term_savings numeric(14, 2) not null default 0,
  education numeric(14, 2) not null default 0,
  charity_zakat numeric(14, 2) not null default 0,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint weekly_cashflow_user_id_fkey foreign key (user_id) references auth.users (id) on delete cascade,
  constraint weekly_cashflow_user_id_week_start_key unique (user_id, week_start),
  constraint weekly_cashflow_income_range check (income >= 0),
  constraint weekly_cashflow_fixed_costs_range check (fixed_costs >= 0),
  constraint weekly_cashflow_freedom_fund_range check (freedom_fund >= 0),
  constraint weekly_cashflow_play_money_range check (play_money >= 0),
  constraint weekly_cashflow_long_term_savings_range check (long_term_savings >= 0),
  constraint weekly_cashflow_education_range check (education >= 0),
  constraint weekly_cashflow_charity_zakat_range check (charity_zakat >= 0)
);

create table walker_os.net_worth (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null default auth.uid(),
  snapshot_date date not null default current_date,
  total_assets numeric(14, 2) not null default 0,
  total_liabilities numeric(14, 2) not null default 0,
  -- Always assets minus liabilities: the trigger below computes it, whatever the client sends.
  net_worth numeric(14, 2) not null default 0,
  asset_breakdown jsonb not null default '{}',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint net_worth_user_id_fkey foreign key (user_id) references auth.users (id) on delete cascade,
  constraint net_worth_user_id_snapshot_date_key unique (user_id, snapshot_date),
  constraint net_worth_total_assets_range check (total_assets >= 0),
  constraint net_worth_total_liabilities_range check (total_liabilities >= 0),
  constraint net_worth_is_assets_minus_liabilities check (net_worth = total_assets - total_liabilities),
  constraint net_worth_asset_breakdown_object check (jsonb_typeof(asset_breakdown) = 'object')
);

create or replace function walker_os.net_worth_derive()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  new.net_worth := new.total_assets - new.total_liabilities;
  return new;
end;
$$;

create trigger net_worth_derive before insert or update on walker_os.net_worth
  for each row execute function walker_os.net_worth_derive();

create table walker_os.profit_first_buckets (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null default auth.uid(),
  period_start date not null,
  revenue numeric(14, 2) not null default 0,
  fixed_costs_pct numeric(5, 2) not null default 50,
  freedom_pct numeric(5, 2) not null default 15,
  play_pct numeric(5, 2) not null default 12.5,
  savings_pct numeric(5, 2) not null default 10,
  education_pct numeric(5, 2) not null default 10,
  zakat_pct numeric(5, 2) not null default 2.5,
  -- What each bucket receives of the revenue (rounded to cents), kept in step by the database.
  fixed_costs_amount numeric(14, 2) generated always as (round(revenue * fixed_costs_pct / 100, 2)) stored,
  freedom_amount numeric(14, 2) generated always as (round(revenue * freedom_pct / 100, 2)) stored,
  play_amount numeric(14, 2) generated always as (round(revenue * play_pct / 100, 2)) stored,
  savings_amount numeric(14, 2) generated always as (round(revenue * savings_pct / 100, 2)) stored,
  education_amount numeric(14, 2) generated always as (round(revenue * education_pct / 100, 2)) stored,
  zakat_amount numeric(14, 2) generated always as (round(revenue * zakat_pct / 100, 2)) stored,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint profit_first_buckets_user_id_fkey foreign key (user_id) references auth.users (id) on delete cascade,
  constraint profit_first_buckets_user_id_period_start_key unique (user_id, period_start),
  constraint profit_first_buckets_revenue_range check (revenue >= 0),
  constraint profit_first_buckets_fixed_costs_pct_range check (fixed_costs_pct between 0 and 100),
  constraint profit_first_buckets_freedom_pct_range check (freedom_pct between 0 and 100),
  constraint profit_first_buckets_play_pct_range check (play_pct between 0 and 100),
  constraint profit_first_buckets_savings_pct_range check (savings_pct between 0 and 100),
  constraint profit_first_buckets_education_pct_range check (education_pct between 0 and 100),
  constraint profit_first_buckets_zakat_pct_range check (zakat_pct between 0 and 100),
  constraint profit_first_buckets_pcts_sum_to_100 check (
    fixed_costs_pct + freedom_pct + play_pct + savings_pct + education_pct + zakat_pct = 100)
);

create table walker_os.path_a (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null default auth.uid(),
  milestone varchar(200) not null,
  target_date date,
  status text not null default 'planned',
  equity_percentage numeric(5, 2) not null default 45,
  notes text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint path_a_user_id_fkey foreign key (user_id) references auth.users (id) on delete cascade,
  constraint path_a_status_check check (status in ('planned', 'in_progress', 'done', 'dropped')),
  constraint path_a_equity_percentage_range check (equity_percentage between 0 and 100)
);

create index path_a_user_id_idx on walker_os.path_a (user_id);

create table walker_os.path_b (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null default auth.uid(),
  product varchar(200) not null,
  mrr_target numeric(14, 2) not null default 10000,
  mrr_current numeric(14, 2) not null default 0,
  status text not null default 'planned',
  notes text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint path_b_user_id_fkey foreign key (user_id) references auth.users (id) on delete cascade,
  constraint path_b_status_check check (status in ('planned', 'in_progress', 'done', 'dropped')),
  constraint path_b_mrr_target_range check (mrr_target >= 0),
  constraint path_b_mrr_current_range check (mrr_current >= 0)
);

create index path_b_user_id_idx on walker_os.path_b (user_id);

create trigger weekly_cashflow_set_updated_at before update on walker_os.weekly_cashflow
  for each row execute function walker_os.set_updated_at();
create trigger net_worth_set_updated_at before update on walker_os.net_worth
  for each row execute function walker_os.set_updated_at();
create trigger profit_first_buckets_set_updated_at before update on walker_os.profit_first_buckets
  for each row execute function walker_os.set_updated_at();
create trigger path_a_set_updated_at before update on walker_os.path_a
  for each row execute function walker_os.set_updated_at();
create trigger path_b_set_updated_at before update on walker_os.path_b
  for each row execute function walker_os.set_updated_at();

-- ---------------------------------------------------------------------------------------------
-- row-level security
-- ---------------------------------------------------------------------------------------------

alter table walker_os.weekly_cashflow enable row level security;
alter table walker_os.net_worth enable row level security;
alter table walker_os.profit_first_buckets enable row level security;
alter table walker_os.path_a enable row level security;
alter table walker_os.path_b enable row level security;

create policy "Owners can read their cashflow" on walker_os.weekly_cashflow
  for select to authenticated using ((select auth.uid()) = user_id);
create policy "Owners can add their cashflow" on walker_os.weekly_cashflow
  for insert to authenticated with check ((select auth.uid()) = user_id);
create policy "Owners can change their cashflow" on walker_os.weekly_cashflow
  for update to authenticated using ((select auth.uid()) = user_id) with check ((select auth.uid()) = user_id);
create policy "Owners can delete their cashflow" on walker_os.weekly_cashflow
  for delete to authenticated using ((select auth.uid()) = user_id);

create policy "Owners can read their net worth" on walker_os.net_worth
  for select to authenticated using ((select auth.uid()) = user_id);
create policy "Owners can add their net worth" on walker_os.net_worth
  for insert to authenticated with check ((select auth.uid()) = user_id);
create policy "Owners can change their net worth" on walker_os.net_worth
  for update to authenticated using ((select auth.uid()) = user_id) with check ((select auth.uid()) = user_id);
create policy "Owners can delete their net worth" on walker_os.net_worth
  for delete to authenticated using ((select auth.uid()) = user_id);

create policy "Owners can read their buckets" on walker_os.profit_first_buckets
  for select to authenticated using ((select auth.uid()) = user_id);
create policy "Owners can add their buckets" on walker_os.profit_first_buckets
  for insert to authenticated with check ((select auth.uid()) = user_id);
create policy "Owners can change their buckets" on walker_os.profit_first_buckets
  for update to authenticated using ((select auth.uid()) = user_id) with check ((select auth.uid()) = user_id);
create policy "Owners can delete their buckets" on walker_os.profit_first_buckets
  for delete to authenticated using ((select auth.uid()) = user_id);

create policy "Owners can read their path A" on walker_os.path_a
  for select to authenticated using ((select auth.uid()) = user_id);
create policy "Owners can add to their path A" on walker_os.path_a
  for insert to authenticated with check ((select auth.uid()) = user_id);
create policy "Owners can change their path A" on walker_os.path_a
  for update to authenticated using ((select auth.uid()) = user_id) with check ((select auth.uid()) = user_id);
create policy "Owners can delete from their path A" on walker_os.path_a
  for delete to authenticated using ((select auth.uid()) = user_id);

create policy "Owners can read their path B" on walker_os.path_b
  for select to authenticated using ((select auth.uid()) = user_id);
create policy "Owners can add to their path B" on walker_os.path_b
  for insert to authenticated with check ((select auth.uid()) = user_id);
create policy "Owners can change their path B" on walker_os.path_b
  for update to authenticated using ((select auth.uid()) = user_id) with check ((select auth.uid()) = user_id);
create policy "Owners can delete from their path B" on walker_os.path_b
  for delete to authenticated using ((select auth.uid()) = user_id);

-- ---------------------------------------------------------------------------------------------
-- grants: owners through `authenticated`; `anon` gets nothing
-- ---------------------------------------------------------------------------------------------

revoke all on walker_os.weekly_cashflow, walker_os.net_worth, walker_os.profit_first_buckets,
  walker_os.path_a, walker_os.path_b from anon;
grant select, insert, update, delete on walker_os.weekly_cashflow, walker_os.net_worth,
  walker_os.profit_first_buckets, walker_os.path_a, walker_os.path_b to authenticated, service_role;
