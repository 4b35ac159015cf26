-- walker_os: every table and column with its type, nullability and default; every row owned
-- through user_id (default auth.uid(), referencing auth.users, indexed as the policies filter on
-- it); keys, constraint names, indexes, generated bucket amounts and the triggers that keep
-- updated_at and net_worth current.
begin;
select plan(407);

-- ---------------------------------------------------------------------------------------------
-- helpers for this file only, in pg_temp so that they vanish with the session (the shared ones
-- are tests.*, installed by 000_setup_test_helpers)
-- ---------------------------------------------------------------------------------------------

-- A backdated row must move to now() (the transaction's start) on any change, even one that
-- tries to set updated_at itself.
create function pg_temp.maintains_updated_at(tbl text, insert_statement text, change text) returns setof text
language plpgsql as $$
declare
  owner uuid := tests.get_supabase_uid('alice');
begin
  return next lives_ok(format(insert_statement, owner), format('a backdated row is inserted into %s', tbl));
  return next lives_ok(format('update %s set %s, updated_at = ''2000-01-01'' where user_id = %L', tbl, change, owner),
    format('the %s row is changed', tbl));
  return next results_eq(format('select updated_at, created_at from %s where user_id = %L', tbl, owner),
    $q$ values (now(), '2020-01-01'::timestamptz) $q$,
    format('changing a %s row sets updated_at to now and leaves created_at', tbl));
end
$$;

-- ---------------------------------------------------------------------------------------------
-- the schema
-- ---------------------------------------------------------------------------------------------

select has_schema('walker_os');
select schema_privs_are('walker_os', 'anon', array['USAGE'], 'anon may use the schema (each table still refuses it)');
select schema_privs_are('walker_os', 'authenticated', array['USAGE'], 'authenticated may use the schema');
select schema_privs_are('walker_os', 'service_role', array['USAGE'], 'service_role may use the schema');
select tables_are('walker_os', array['daily_scorecard', 'timeblock_sessions', 'weekly_reviews', 'decision_filter_history',
  'weekly_cashflow', 'net_worth', 'profit_first_buckets', 'path_a', 'path_b']);
select functions_are('walker_os', array['set_updated_at', 'net_worth_derive', 'create_daily_scorecards', 'ingest',
  'write_records', 'keep_set_once', 'timeblock_sessions_derive_hours']);

-- The status path A and path B share is a domain (its values are tested in 12_walker_os_constraints).
select domains_are('walker_os', array['path_status']);
select domain_type_is('walker_os', 'path_status', 'text', 'walker_os.path_status is a domain over text');
select results_eq(
  $$ select format('%s %s', conname, contype) collate "default" from pg_constraint where contypid = 'walker_os.path_status'::regtype $$,
  array['path_status_check c'],
  'walker_os.path_status has exactly its named check constraint');

-- Every table is personal data: an owner that defaults to the caller, goes with the Auth user,
-- and is indexed because every policy filters on it.
select is_empty(
  $$ select c.relname from pg_class c
      where c.relnamespace = 'walker_os'::regnamespace and c.relkind = 'r'
        and not exists (
          select from pg_constraint f
           where f.conrelid = c.oid and f.contype = 'f' and f.confrelid = 'auth.users'::regclass
             and f.conkey = array[(select attnum from pg_attribute where attrelid = c.oid and attname = 'user_id')]
             and f.confdeltype = 'c') $$,
  'every walker_os table has user_id referencing auth.users on delete cascade');
select is_empty(
  $$ select c.conrelid::regclass || ' ' || c.conname
       from pg_constraint c
      where c.contype = 'f' and c.connamespace = 'walker_os'::regnamespace
        and not exists (
          select from pg_index i
           where i.indrelid = c.conrelid
             and (string_to_array(i.indkey::text, ' ')::int2[])[1:cardinality(c.conkey)] = c.conkey) $$,
  'every walker_os foreign key (user_id, which every policy filters on) has an index leading with it');

select tests.create_supabase_user('alice');

-- ---------------------------------------------------------------------------------------------
-- walker_os.daily_scorecard
-- ---------------------------------------------------------------------------------------------

select has_table('walker_os', 'daily_scorecard', 'walker_os.daily_scorecard exists');
select columns_are('walker_os', 'daily_scorecard', array['id', 'user_id', 'scorecard_date', 'fajr', 'mind', 'body',
  'shutdown_ritual', 'first_90', 'b_quadrant_hours', 'energy_level', 'day_verdict', 'created_at', 'updated_at']);
select tests.column_is('walker_os', 'daily_scorecard', c.name, c.type, c.not_null, c.default_value)
  from (values
    ('id', 'uuid', true, 'gen_random_uuid()'),
    ('user_id', 'uuid', true, 'auth.uid()'),
    ('scorecard_date', 'date', true, 'CURRENT_DATE'),
    ('fajr', 'boolean', true, 'false'),
    ('mind', 'boolean', true, 'false'),
    ('body', 'boolean', true, 'false'),
    ('shutdown_ritual', 'boolean', true, 'false'),
    ('first_90', 'boolean', true, 'false'),
    ('b_quadrant_hours', 'double precision', true, '0'),
    ('energy_level', 'text', false, null),
    ('day_verdict', 'text', false, null),
    ('created_at', 'timestamp with time zone', true, 'now()'),
    ('updated_at', 'timestamp with time zone', true, 'now()')
  ) as c(name, type, not_null, default_value);
select col_is_pk('walker_os', 'daily_scorecard', 'id', 'walker_os.daily_scorecard is keyed by id');
select fk_ok('walker_os', 'daily_scorecard', 'user_id', 'auth', 'users', 'id');
select col_is_unique('walker_os', 'daily_scorecard', array['user_id', 'scorecard_date']::name[], 'one scorecard per owner per date');
select results_eq($$ select tests.constraints_of('walker_os.daily_scorecard') $$,
  array['daily_scorecard_b_quadrant_hours_range c', 'daily_scorecard_created_at_check c',
        'daily_scorecard_day_verdict_check c', 'daily_scorecard_energy_level_check c',
        'daily_scorecard_pkey p', 'daily_scorecard_scorecard_date_check c',
        'daily_scorecard_updated_at_check c', 'daily_scorecard_user_id_fkey f',
        'daily_scorecard_user_id_scorecard_date_key u'],
  'walker_os.daily_scorecard has exactly its named constraints');
select indexes_are('walker_os', 'daily_scorecard', array['daily_scorecard_pkey', 'daily_scorecard_user_id_scorecard_date_key']);
select is_indexed('walker_os', 'daily_scorecard', array['user_id', 'scorecard_date']::name[], 'scorecards are indexed by owner and date');
select trigger_is('walker_os', 'daily_scorecard', 'daily_scorecard_set_updated_at', 'walker_os', 'set_updated_at');
select pg_temp.maintains_updated_at('walker_os.daily_scorecard',
  $$ insert into walker_os.daily_scorecard (user_id, created_at, updated_at) values (%L, '2020-01-01', '2020-01-01') $$,
  'fajr = true');

-- ---------------------------------------------------------------------------------------------
-- walker_os.timeblock_sessions
-- ---------------------------------------------------------------------------------------------

select has_table('walker_os', 'timeblock_sessions', 'walker_os.timeblock_sessions exists');
select columns_are('walker_os', 'timeblock_sessions', array['id', 'user_id', 'block_type', 'started_at', 'ended_at',
  'summary', 'hours', 'quadrant', 'created_at', 'updated_at']);
select tests.column_is('walker_os', 'timeblock_sessions', c.name, c.type, c.not_null, c.default_value)
  from (values
    ('id', 'uuid', true, 'gen_random_uuid()'),
    ('user_id', 'uuid', true, 'auth.uid()'),
    ('block_type', 'text', true, null),
    ('started_at', 'timestamp with time zone', true, null),
    ('ended_at', 'timestamp with time zone', false, null),
    ('summary', 'text', false, null),
    ('hours', 'double precision', false, null),
    ('quadrant', 'text', false, null),
    ('created_at', 'timestamp with time zone', true, 'now()'),
    ('updated_at', 'timestamp with time zone', true, 'now()')
  ) as c(name, type, not_null, default_value);
select col_is_pk('walker_os', 'timeblock_sessions', 'id', 'walker_os.timeblock_sessions is keyed by id');
select fk_ok('walker_os', 'timeblock_sessions', 'user_id', 'auth', 'users', 'id');
select results_eq($$ select tests.constraints_of('walker_os.timeblock_sessions') $$,
  array['timeblock_sessions_block_type_check c', 'timeblock_sessions_created_at_check c',
        'timeblock_sessions_ended_after_started c', 'timeblock_sessions_ended_at_check c',
        'timeblock_sessions_hours_is_ended_minus_started c', 'timeblock_sessions_hours_range c',
        'timeblock_sessions_pkey p', 'timeblock_sessions_quadrant_check c',
        'timeblock_sessions_started_at_check c', 'timeblock_sessions_summary_check c',
        'timeblock_sessions_updated_at_check c', 'timeblock_sessions_user_id_fkey f'],
  'walker_os.timeblock_sessions has exactly its named constraints');
select indexes_are('walker_os', 'timeblock_sessions', array['timeblock_sessions_pkey', 'timeblock_sessions_user_id_started_at_idx']);
select is_indexed('walker_os', 'timeblock_sessions', array['user_id', 'started_at']::name[], 'timeblocks are indexed by owner and start');
select trigger_is('walker_os', 'timeblock_sessions', 'timeblock_sessions_set_updated_at', 'walker_os', 'set_updated_at');
select pg_temp.maintains_updated_at('walker_os.timeblock_sessions',
  $$ insert into walker_os.timeblock_sessions (user_id, block_type, started_at, created_at, updated_at) values (%L, 'deep_work', now(), '2020-01-01', '2020-01-01') $$,
  'summary = ''Changed''');

-- ---------------------------------------------------------------------------------------------
-- walker_os.weekly_reviews
-- ---------------------------------------------------------------------------------------------

select has_table('walker_os', 'weekly_reviews', 'walker_os.weekly_reviews exists');
select columns_are('walker_os', 'weekly_reviews', array['id', 'user_id', 'review_date', 'path_a_hours', 'path_b_hours',
  'e_quadrant_hours', 'top_wins', 'blockers', 'next_week_priorities', 'created_at', 'updated_at']);
select tests.column_is('walker_os', 'weekly_reviews', c.name, c.type, c.not_null, c.default_value)
  from (values
    ('id', 'uuid', true, 'gen_random_uuid()'),
    ('user_id', 'uuid', true, 'auth.uid()'),
    ('review_date', 'date', true, null),
    ('path_a_hours', 'double precision', false, null),
    ('path_b_hours', 'double precision', false, null),
    ('e_quadrant_hours', 'double precision', false, null),
    ('top_wins', 'text', false, null),
    ('blockers', 'text', false, null),
    ('next_week_priorities', 'text', false, null),
    ('created_at', 'timestamp with time zone', true, 'now()'),
    ('updated_at', 'timestamp with time zone', true, 'now()')
  ) as c(name, type, not_null, default_value);
select col_is_pk('walker_os', 'weekly_reviews', 'id', 'walker_os.weekly_reviews is keyed by id');
select fk_ok('walker_os', 'weekly_reviews', 'user_id', 'auth', 'users', 'id');
select col_is_unique('walker_os', 'weekly_reviews', array['user_id', 'review_date']::name[], 'one review per owner per date');
select results_eq($$ select tests.constraints_of('walker_os.weekly_reviews') $$,
  array['weekly_reviews_blockers_check c', 'weekly_reviews_created_at_check c',
        'weekly_reviews_e_quadrant_hours_range c', 'weekly_reviews_next_week_priorities_check c',
        'weekly_reviews_path_a_hours_range c', 'weekly_reviews_path_b_hours_range c',
        'weekly_reviews_pkey p', 'weekly_reviews_review_date_check c',
        'weekly_reviews_top_wins_check c', 'weekly_reviews_updated_at_check c',
        'weekly_reviews_user_id_fkey f', 'weekly_reviews_user_id_review_date_key u'],
  'walker_os.weekly_reviews has exactly its named constraints');
select indexes_are('walker_os', 'weekly_reviews', array['weekly_reviews_pkey', 'weekly_reviews_user_id_review_date_key']);
select is_indexed('walker_os', 'weekly_reviews', array['user_id', 'review_date']::name[], 'reviews are indexed by owner and date');
select trigger_is('walker_os', 'weekly_reviews', 'weekly_reviews_set_updated_at', 'walker_os', 'set_updated_at');
select pg_temp.maintains_updated_at('walker_os.weekly_reviews',
  $$ insert into walker_os.weekly_reviews (user_id, review_date, created_at, updated_at) values (%L, current_date, '2020-01-01', '2020-01-01') $$,
  'top_wins = ''Shipped''');

-- ---------------------------------------------------------------------------------------------
-- walker_os.decision_filter_history
-- ---------------------------------------------------------------------------------------------

select has_table('walker_os', 'decision_filter_history', 'walker_os.decision_filter_history exists');
select columns_are('walker_os', 'decision_filter_history', array['id', 'user_id', 'decision', 'outcome', 'hourly_value_test',
  'path_aligned', 'path', 'created_at', 'updated_at']);
select tests.column_is('walker_os', 'decision_filter_history', c.name, c.type, c.not_null, c.default_value)
  from (values
    ('id', 'uuid', true, 'gen_random_uuid()'),
    ('user_id', 'uuid', true, 'auth.uid()'),
    ('decision', 'text', true, null),
    ('outcome', 'text', true, null),
    ('hourly_value_test', 'numeric(12,2)', false, null),
    ('path_aligned', 'boolean', true, 'false'),
    ('path', 'text', false, null),
    ('created_at', 'timestamp with time zone', true, 'now()'),
    ('updated_at', 'timestamp with time zone', true, 'now()')
  ) as c(name, type, not_null, default_value);
select col_is_pk('walker_os', 'decision_filter_history', 'id', 'walker_os.decision_filter_history is keyed by id');
select fk_ok('walker_os', 'decision_filter_history', 'user_id', 'auth', 'users', 'id');
select results_eq($$ select tests.constraints_of('walker_os.decision_filter_history') $$,
  array['decision_filter_history_created_at_check c', 'decision_filter_history_decision_check c',
        'decision_filter_history_decision_length c',
        'decision_filter_history_hourly_value_test_range c',
        'decision_filter_history_outcome_check c', 'decision_filter_history_path_check c',
        'decision_filter_history_pkey p', 'decision_filter_history_updated_at_check c',
        'decision_filter_history_user_id_fkey f'],
  'walker_os.decision_filter_history has exactly its named constraints');
select indexes_are('walker_os', 'decision_filter_history', array['decision_filter_history_pkey', 'decision_filter_history_user_id_created_at_idx']);
select is_indexed('walker_os', 'decision_filter_history', array['user_id', 'created_at']::name[], 'decisions are indexed by owner and time');
select trigger_is('walker_os', 'decision_filter_history', 'decision_filter_history_set_updated_at', 'walker_os', 'set_updated_at');
select pg_temp.maintains_updated_at('walker_os.decision_filter_history',
  $$ insert into walker_os.decision_filter_history (user_id, decision, outcome, created_at, updated_at) values (%L, 'Hire?', 'SCHEDULE', '2020-01-01', '2020-01-01') $$,
  'outcome = ''DO_NOW''');

-- ---------------------------------------------------------------------------------------------
-- walker_os.weekly_cashflow
-- ---------------------------------------------------------------------------------------------

select has_table('walker_os', 'weekly_cashflow', 'walker_os.weekly_cashflow exists');
select columns_are('walker_os', 'weekly_cashflow', array['id', 'user_id', 'week_start', 'income', 'fixed_costs', 'freedom_fund',
  'play_money', 'long_term_savings', 'education', 'charity_zakat', 'created_at', 'updated_at']);
select tests.column_is('walker_os', 'weekly_cashflow', c.name, c.type, c.not_null, c.default_value)
  from (values
    ('id', 'uuid', true, 'gen_random_uuid()'),
    ('user_id', 'uuid', true, 'auth.uid()'),
    ('week_start', 'date', true, null),
    ('income', 'numeric(14,2)', true, '0'),
    ('fixed_costs', 'numeric(14,2)', true, '0'),
    ('freedom_fund', 'numeric(14,2)', true, '0'),
    ('play_money', 'numeric(14,2)', true, '0'),
    ('long_term_savings', 'numeric(14,2)', true, '0'),
    ('education', 'numeric(14,2)', true, '0'),
    ('charity_zakat', 'numeric(14,2)', true, '0'),
    ('created_at', 'timestamp with time zone', true, 'now()'),
    ('updated_at', 'timestamp with time zone', true, 'now()')
  ) as c(name, type, not_null, default_value);
select col_is_pk('walker_os', 'weekly_cashflow', 'id', 'walker_os.weekly_cashflow is keyed by id');
select fk_ok('walker_os', 'weekly_cashflow', 'user_id', 'auth', 'users', 'id');
select col_is_unique('walker_os', 'weekly_cashflow', array['user_id', 'week_start']::name[], 'one cashflow row per owner per week');
select results_eq($$ select tests.constraints_of('walker_os.weekly_cashflow') $$,
  array['weekly_cashflow_charity_zakat_range c', 'weekly_cashflow_created_at_check c',
        'weekly_cashflow_education_range c', 'weekly_cashflow_fixed_costs_range c',
        'weekly_cashflow_freedom_fund_range c', 'weekly_cashflow_income_range c',
        'weekly_cashflow_long_term_savings_range c', 'weekly_cashflow_pkey p',
        'weekly_cashflow_play_money_range c', 'weekly_cashflow_updated_at_check c',
        'weekly_cashflow_user_id_fkey f', 'weekly_cashflow_user_id_week_start_key u',
        'weekly_cashflow_week_start_check c'],
  'walker_os.weekly_cashflow has exactly its named constraints');
select indexes_are('walker_os', 'weekly_cashflow', array['weekly_cashflow_pkey', 'weekly_cashflow_user_id_week_start_key']);
select is_indexed('walker_os', 'weekly_cashflow', array['user_id', 'week_start']::name[], 'cashflow is indexed by owner and week');
select trigger_is('walker_os', 'weekly_cashflow', 'weekly_cashflow_set_updated_at', 'walker_os', 'set_updated_at');
select pg_temp.maintains_updated_at('walker_os.weekly_cashflow',
  $$ insert into walker_os.weekly_cashflow (user_id, week_start, created_at, updated_at) values (%L, current_date, '2020-01-01', '2020-01-01') $$,
  'income = 100');

-- ---------------------------------------------------------------------------------------------
-- walker_os.net_worth
-- ---------------------------------------------------------------------------------------------

select has_table('walker_os', 'net_worth', 'walker_os.net_worth exists');
select columns_are('walker_os', 'net_worth', array['id', 'user_id', 'snapshot_date', 'total_assets', 'total_liabilities',
  'net_worth', 'asset_breakdown', 'created_at', 'updated_at']);
select tests.column_is('walker_os', 'net_worth', c.name, c.type, c.not_null, c.default_value)
  from (values
    ('id', 'uuid', true, 'gen_random_uuid()'),
    ('user_id', 'uuid', true, 'auth.uid()'),
    ('snapshot_date', 'date', true, 'CURRENT_DATE'),
    ('total_assets', 'numeric(14,2)', true, '0'),
    ('total_liabilities', 'numeric(14,2)', true, '0'),
    ('net_worth', 'numeric(14,2)', true, '0'),
    ('asset_breakdown', 'jsonb', true, '{}'),
    ('created_at', 'timestamp with time zone', true, 'now()'),
    ('updated_at', 'timestamp with time zone', true, 'now()')
  ) as c(name, type, not_null, default_value);
select col_is_pk('walker_os', 'net_worth', 'id', 'walker_os.net_worth is keyed by id');
select fk_ok('walker_os', 'net_worth', 'user_id', 'auth', 'users', 'id');
select col_is_unique('walker_os', 'net_worth', array['user_id', 'snapshot_date']::name[], 'one snapshot per owner per date');
select results_eq($$ select tests.constraints_of('walker_os.net_worth') $$,
  array['net_worth_asset_breakdown_object c', 'net_worth_created_at_check c',
        'net_worth_is_assets_minus_liabilities c', 'net_worth_pkey p',
        'net_worth_snapshot_date_check c', 'net_worth_total_assets_range c',
        'net_worth_total_liabilities_range c', 'net_worth_updated_at_check c',
        'net_worth_user_id_fkey f', 'net_worth_user_id_snapshot_date_key u'],
  'walker_os.net_worth has exactly its named constraints');
select indexes_are('walker_os', 'net_worth', array['net_worth_pkey', 'net_worth_user_id_snapshot_date_key']);
select is_indexed('walker_os', 'net_worth', array['user_id', 'snapshot_date']::name[], 'snapshots are indexed by owner and date');
select triggers_are('walker_os', 'net_worth', array['net_worth_derive', 'net_worth_keep_set_once', 'net_worth_set_updated_at']);
select trigger_is('walker_os', 'net_worth', 'net_worth_derive', 'walker_os', 'net_worth_derive');
select trigger_is('walker_os', 'net_worth', 'net_worth_set_updated_at', 'walker_os', 'set_updated_at');
select pg_temp.maintains_updated_at('walker_os.net_worth',
  $$ insert into walker_os.net_worth (user_id, created_at, updated_at) values (%L, '2020-01-01', '2020-01-01') $$,
  'total_assets = 100');

-- ---------------------------------------------------------------------------------------------
-- walker_os.profit_first_buckets
-- ---------------------------------------------------------------------------------------------

select has_table('walker_os', 'profit_first_buckets', 'walker_os.profit_first_buckets exists');
select columns_are('walker_os', 'profit_first_buckets', array['id', 'user_id', 'period_start', 'revenue',
  'fixed_costs_pct', 'freedom_pct', 'play_pct', 'savings_pct', 'education_pct', 'zakat_pct',
  'fixed_costs_amount', 'freedom_amount', 'play_amount', 'savings_amount', 'education_amount', 'zakat_amount',
  'created_at', 'updated_at']);
select tests.column_is('walker_os', 'profit_first_buckets', c.name, c.type, c.not_null, c.default_value)
  from (values
    ('id', 'uuid', true, 'gen_random_uuid()'),
    ('user_id', 'uuid', true, 'auth.uid()'),
    ('period_start', 'date', true, null),
    ('revenue', 'numeric(14,2)', true, '0'),
    ('fixed_costs_pct', 'numeric(5,2)', true, '50'),
    ('freedom_pct', 'numeric(5,2)', true, '15'),
    ('play_pct', 'numeric(5,2)', true, '12.5'),
    ('savings_pct', 'numeric(5,2)', true, '10'),
    ('education_pct', 'numeric(5,2)', true, '10'),
    ('zakat_pct', 'numeric(5,2)', true, '2.5'),
    ('created_at', 'timestamp with time zone', true, 'now()'),
    ('updated_at', 'timestamp with time zone', true, 'now()')
  ) as c(name, type, not_null, default_value);
-- Each bucket's amount is generated (stored) from the revenue and its percentage.
select col_type_is('walker_os', 'profit_first_buckets', c.name, 'numeric(14,2)', format('walker_os.profit_first_buckets.%s is numeric(14,2)', c.name))
  from unnest(array['fixed_costs_amount', 'freedom_amount', 'play_amount', 'savings_amount', 'education_amount', 'zakat_amount']::name[]) as c(name);
select results_eq(
  $$ select attname::text collate "default", attgenerated::text collate "default", pg_get_expr(adbin, adrelid) collate "default"
       from pg_attribute join pg_attrdef on adrelid = attrelid and adnum = attnum
      where attrelid = 'walker_os.profit_first_buckets'::regclass and attname like '%\_amount' order by attnum $$,
  $$ values ('fixed_costs_amount', 's', 'round(((revenue * fixed_costs_pct) / (100)::numeric), 2)'),
            ('freedom_amount', 's', 'round(((revenue * freedom_pct) / (100)::numeric), 2)'),
            ('play_amount', 's', 'round(((revenue * play_pct) / (100)::numeric), 2)'),
            ('savings_amount', 's', 'round(((revenue * savings_pct) / (100)::numeric), 2)'),
            ('education_amount', 's', 'round(((revenue * education_pct) / (100)::numeric), 2)'),
            ('zakat_amount', 's', 'round(((revenue * zakat_pct) / (100)::numeric), 2)') $$,
  'each bucket amount is a stored generated column: revenue times its percentage, rounded to cents');
select col_is_pk('walker_os', 'profit_first_buckets', 'id', 'walker_os.profit_first_buckets is keyed by id');
select fk_ok('walker_os', 'profit_first_buckets', 'user_id', 'auth', 'users', 'id');
select col_is_unique('walker_os', 'profit_first_buckets', array['user_id', 'period_start']::name[], 'one allocation per owner per period');
select results_eq($$ select tests.constraints_of('walker_os.profit_first_buckets') $$,
  array['profit_first_buckets_created_at_check c', 'profit_first_buckets_education_pct_range c',
        'profit_first_buckets_fixed_costs_pct_range c', 'profit_first_buckets_freedom_pct_range c',
        'profit_first_buckets_pcts_sum_to_100 c', 'profit_first_buckets_period_start_check c',
        'profit_first_buckets_pkey p', 'profit_first_buckets_play_pct_range c',
        'profit_first_buckets_revenue_range c', 'profit_first_buckets_savings_pct_range c',
        'profit_first_buckets_updated_at_check c', 'profit_first_buckets_user_id_fkey f',
        'profit_first_buckets_user_id_period_start_key u',
        'profit_first_buckets_zakat_pct_range c'],
  'walker_os.profit_first_buckets has exactly its named constraints');
select indexes_are('walker_os', 'profit_first_buckets', array['profit_first_buckets_pkey', 'profit_first_buckets_user_id_period_start_key']);
select is_indexed('walker_os', 'profit_first_buckets', array['user_id', 'period_start']::name[], 'buckets are indexed by owner and period');
select trigger_is('walker_os', 'profit_first_buckets', 'profit_first_buckets_set_updated_at', 'walker_os', 'set_updated_at');
select pg_temp.maintains_updated_at('walker_os.profit_first_buckets',
  $$ insert into walker_os.profit_first_buckets (user_id, period_start, created_at, updated_at) values (%L, current_date, '2020-01-01', '2020-01-01') $$,
  'revenue = 1000');

-- ---------------------------------------------------------------------------------------------
-- walker_os.path_a
-- ---------------------------------------------------------------------------------------------

select has_table('walker_os', 'path_a', 'walker_os.path_a exists');
select columns_are('walker_os', 'path_a', array['id', 'user_id', 'milestone', 'target_date', 'status', 'equity_percentage',
  'notes', 'created_at', 'updated_at']);
select tests.column_is('walker_os', 'path_a', c.name, c.type, c.not_null, c.default_value)
  from (values
    ('id', 'uuid', true, 'gen_random_uuid()'),
    ('user_id', 'uuid', true, 'auth.uid()'),
    ('milestone', 'character varying(200)', true, null),
    ('target_date', 'date', false, null),
    ('status', 'walker_os.path_status', true, 'planned'),
    ('equity_percentage', 'numeric(5,2)', true, '45'),
    ('notes', 'text', false, null),
    ('created_at', 'timestamp with time zone', true, 'now()'),
    ('updated_at', 'timestamp with time zone', true, 'now()')
  ) as c(name, type, not_null, default_value);
select col_is_pk('walker_os', 'path_a', 'id', 'walker_os.path_a is keyed by id');
select fk_ok('walker_os', 'path_a', 'user_id', 'auth', 'users', 'id');
select results_eq($$ select tests.constraints_of('walker_os.path_a') $$,
  array['path_a_created_at_check c', 'path_a_equity_percentage_range c', 'path_a_milestone_check c',
        'path_a_notes_check c', 'path_a_pkey p',
        'path_a_target_date_check c', 'path_a_updated_at_check c', 'path_a_user_id_fkey f'],
  'walker_os.path_a has exactly its named constraints');
select indexes_are('walker_os', 'path_a', array['path_a_pkey', 'path_a_user_id_idx']);
select is_indexed('walker_os', 'path_a', array['user_id']::name[], 'path A is indexed by owner');
select trigger_is('walker_os', 'path_a', 'path_a_set_updated_at', 'walker_os', 'set_updated_at');
select pg_temp.maintains_updated_at('walker_os.path_a',
  $$ insert into walker_os.path_a (user_id, milestone, created_at, updated_at) values (%L, 'Partner', '2020-01-01', '2020-01-01') $$,
  'status = ''in_progress''');

-- ---------------------------------------------------------------------------------------------
-- walker_os.path_b
-- ---------------------------------------------------------------------------------------------

select has_table('walker_os', 'path_b', 'walker_os.path_b exists');
select columns_are('walker_os', 'path_b', array['id', 'user_id', 'product', 'mrr_target', 'mrr_current', 'status',
  'notes', 'created_at', 'updated_at']);
select tests.column_is('walker_os', 'path_b', c.name, c.type, c.not_null, c.default_value)
  from (values
    ('id', 'uuid', true, 'gen_random_uuid()'),
    ('user_id', 'uuid', true, 'auth.uid()'),
    ('product', 'character varying(200)', true, null),
    ('mrr_target', 'numeric(14,2)', true, '10000'),
    ('mrr_current', 'numeric(14,2)', true, '0'),
    ('status', 'walker_os.path_status', true, 'planned'),
    ('notes', 'text', false, null),
    ('created_at', 'timestamp with time zone', true, 'now()'),
    ('updated_at', 'timestamp with time zone', true, 'now()')
  ) as c(name, type, not_null, default_value);
select col_is_pk('walker_os', 'path_b', 'id', 'walker_os.path_b is keyed by id');
select fk_ok('walker_os', 'path_b', 'user_id', 'auth', 'users', 'id');
select results_eq($$ select tests.constraints_of('walker_os.path_b') $$,
  array['path_b_created_at_check c', 'path_b_mrr_current_range c', 'path_b_mrr_target_range c',
        'path_b_notes_check c', 'path_b_pkey p', 'path_b_product_check c',
        'path_b_updated_at_check c', 'path_b_user_id_fkey f'],
  'walker_os.path_b has exactly its named constraints');
select indexes_are('walker_os', 'path_b', array['path_b_pkey', 'path_b_user_id_idx']);
select is_indexed('walker_os', 'path_b', array['user_id']::name[], 'path B is indexed by owner');
select trigger_is('walker_os', 'path_b', 'path_b_set_updated_at', 'walker_os', 'set_updated_at');
select pg_temp.maintains_updated_at('walker_os.path_b',
  $$ insert into walker_os.path_b (user_id, product, created_at, updated_at) values (%L, 'SaaS', '2020-01-01', '2020-01-01') $$,
  'mrr_current = 500');

select * from finish();
rollback;
