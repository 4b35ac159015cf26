-- walker_os is personal data: in every table an owner can read, add, change and delete their own
-- rows and can neither read nor change nor delete anyone else's, nor add rows in someone else's
-- name; anon is refused everything. Policies are named as sentences, are for `authenticated`
-- only, and compare with (select auth.uid()).
begin;
select plan(190);

-- ---------------------------------------------------------------------------------------------
-- helpers for this file only, in pg_temp so that they vanish with the session (the shared ones
-- are tests.*, installed by 000_setup_test_helpers)
-- ---------------------------------------------------------------------------------------------

-- The full isolation check for one table, run as Alice and Bob (two fresh users) and anon.
-- `columns` and `vals` make a valid row without user_id (which must default to the caller);
-- `change` is a single `column = value`, used both as an update's SET and as a filter.
create function pg_temp.owner_isolation(tbl text, columns text, vals text, change text) returns setof text
language plpgsql as $$
declare
  alice uuid := tests.get_supabase_uid('alice');
  bob uuid := tests.get_supabase_uid('bob');
  denied text := format('permission denied for table %s', split_part(tbl, '.', 2));
  rls text := format('new row violates row-level security policy for table "%s"', split_part(tbl, '.', 2));
begin
  perform tests.act('authenticated', bob);
  return next lives_ok(format('insert into %s (%s) values (%s)', tbl, columns, vals),
    format('%s: Bob can add a row', tbl));

  perform tests.act('authenticated', alice);
  return next lives_ok(format('insert into %s (%s) values (%s)', tbl, columns, vals),
    format('%s: Alice can add a row', tbl));
  return next results_eq(format('select user_id from %s', tbl), array[alice],
    format('%s: Alice reads exactly her own row, which is hers by default (user_id = auth.uid())', tbl));
  return next is(tests.rows_affected(format('select from %s where user_id = %L', tbl, bob)), 0::bigint,
    format('%s: Alice cannot read Bob''s row', tbl));
  return next is(tests.rows_affected(format('update %s set %s where user_id = %L', tbl, change, bob)), 0::bigint,
    format('%s: Alice cannot change Bob''s row', tbl));
  return next is(tests.rows_affected(format('delete from %s where user_id = %L', tbl, bob)), 0::bigint,
    format('%s: Alice cannot delete Bob''s row', tbl));
  return next throws_ok(format('insert into %s (user_id, %s) values (%L, %s)', tbl, columns, bob, vals), '42501', rls,
    format('%s: Alice cannot add a row in Bob''s name', tbl));
  -- user_id is set once: authenticated has no update grant on it (16_walker_os_direct_writes).
  return next throws_ok(format('update %s set user_id = %L', tbl, bob), '42501', denied,
    format('%s: Alice cannot give her row to Bob', tbl));
  return next is(tests.rows_affected(format('update %s set %s', tbl, change)), 1::bigint,
    format('%s: Alice can change her row', tbl));
  return next is(tests.rows_affected(format('delete from %s', tbl)), 1::bigint,
    format('%s: Alice can delete her row', tbl));

  perform tests.act('authenticated', bob);
  return next results_eq(format('select user_id from %s where (%s) is not true', tbl, change), array[bob],
    format('%s: Bob''s row is still there, unchanged', tbl));

  perform tests.act('anon', null);
  return next throws_ok(format('select * from %s', tbl), '42501', denied, format('%s: anon cannot read', tbl));
  return next throws_ok(format('insert into %s (%s) values (%s)', tbl, columns, vals), '42501', denied,
    format('%s: anon cannot add', tbl));
  return next throws_ok(format('update %s set %s', tbl, change), '42501', denied, format('%s: anon cannot change', tbl));
  return next throws_ok(format('delete from %s', tbl), '42501', denied, format('%s: anon cannot delete', tbl));

  perform tests.act('none', null);
end
$$;

-- ---------------------------------------------------------------------------------------------
-- row-level security, policies and grants
-- ---------------------------------------------------------------------------------------------

select is_empty(
  $$ select relname from pg_class where relnamespace = 'walker_os'::regnamespace and relkind in ('r', 'p') and not relrowsecurity $$,
  'every walker_os table has row-level security enabled');
select ok((select relrowsecurity from pg_class where oid = format('walker_os.%s', t)::regclass), format('walker_os.%s has row-level security enabled', t))
  from unnest(array['daily_scorecard', 'timeblock_sessions', 'weekly_reviews', 'decision_filter_history',
                    'weekly_cashflow', 'net_worth', 'profit_first_buckets', 'path_a', 'path_b']) as t;

select policies_are('walker_os', 'daily_scorecard', array['Owners can read their scorecards', 'Owners can add their scorecards',
  'Owners can change their scorecards', 'Owners can delete their scorecards']);
select policies_are('walker_os', 'timeblock_sessions', array['Owners can read their timeblocks', 'Owners can add their timeblocks',
  'Owners can change their timeblocks', 'Owners can delete their timeblocks']);
select policies_are('walker_os', 'weekly_reviews', array['Owners can read their weekly reviews', 'Owners can add their weekly reviews',
  'Owners can change their weekly reviews', 'Owners can delete their weekly reviews']);
select policies_are('walker_os', 'decision_filter_history', array['Owners can read their decisions', 'Owners can add their decisions',
  'Owners can change their decisions', 'Owners can delete their decisions']);
select policies_are('walker_os', 'weekly_cashflow', array['Owners can read their cashflow', 'Owners can add their cashflow',
  'Owners can change their cashflow', 'Owners can delete their cashflow']);
select policies_are('walker_os', 'net_worth', array['Owners can read their net worth', 'Owners can add their net worth',
  'Owners can change their net worth', 'Owners can delete their net worth']);
select policies_are('walker_os', 'profit_first_buckets', array['Owners can read their buckets', 'Owners can add their buckets',
  'Owners can change their buckets', 'Owners can delete their buckets']);
select policies_are('walker_os', 'path_a', array['Owners can read their path A', 'Owners can add to their path A',
  'Owners can change their path A', 'Owners can delete from their path A']);
select policies_are('walker_os', 'path_b', array['Owners can read their path B', 'Owners can add to their path B',
  'Owners can change their path B', 'Owners can delete from their path B']);

-- One policy per command per table, for authenticated only, each comparing user_id with
-- (select auth.uid()) so auth.uid() runs once per statement rather than once per row.
select results_eq(
  $$ select tablename::text collate "default", string_agg(cmd, ',' order by cmd) from pg_policies
      where schemaname = 'walker_os' group by tablename order by tablename $$,
  $$ select t, 'DELETE,INSERT,SELECT,UPDATE'
       from unnest(array['daily_scorecard', 'decision_filter_history', 'net_worth', 'path_a', 'path_b', 'profit_first_buckets',
                         'timeblock_sessions', 'weekly_cashflow', 'weekly_reviews']) as t $$,
  'every walker_os table has one policy for each of select, insert, update and delete');
select is_empty(
  $$ select tablename || ': ' || policyname from pg_policies
      where schemaname = 'walker_os' and (roles <> array['authenticated']::name[] or permissive <> 'PERMISSIVE') $$,
  'every walker_os policy is a permissive policy for authenticated only');
select is_empty(
  $$ select tablename || ': ' || policyname from pg_policies
      where schemaname = 'walker_os'
        and (coalesce(qual, '(( SELECT auth.uid() AS uid) = user_id)') <> '(( SELECT auth.uid() AS uid) = user_id)'
          or coalesce(with_check, '(( SELECT auth.uid() AS uid) = user_id)') <> '(( SELECT auth.uid() AS uid) = user_id)'
          or (cmd in ('SELECT', 'UPDATE', 'DELETE') and qual is null)
          or (cmd in ('INSERT', 'UPDATE') and with_check is null)) $$,
  'every walker_os policy checks (select auth.uid()) = user_id, both for the rows it sees and the rows it writes');

-- authenticated inserts and updates column by column (set-once and server-owned columns are
-- left out: 16_walker_os_direct_writes), so at table level it reads and deletes.
select table_privs_are('walker_os', t, r, case r when 'anon' then array[]::text[]
                                                 when 'authenticated' then array['SELECT', 'DELETE']
                                                 else array['SELECT', 'INSERT', 'UPDATE', 'DELETE'] end)
  from unnest(array['daily_scorecard', 'timeblock_sessions', 'weekly_reviews', 'decision_filter_history',
                    'weekly_cashflow', 'net_worth', 'profit_first_buckets', 'path_a', 'path_b']) as t,
       unnest(array['anon', 'authenticated', 'service_role']) as r;

-- ---------------------------------------------------------------------------------------------
-- owner isolation, table by table
-- ---------------------------------------------------------------------------------------------

select tests.create_supabase_user('alice');
select tests.create_supabase_user('bob');

select pg_temp.owner_isolation('walker_os.daily_scorecard', 'scorecard_date', $$ '2030-01-01' $$, 'fajr = true');
select pg_temp.owner_isolation('walker_os.timeblock_sessions', 'block_type, started_at', $$ 'deep_work', '2030-01-01 09:00Z' $$, 'quadrant = ''B''');
select pg_temp.owner_isolation('walker_os.weekly_reviews', 'review_date', $$ '2030-01-06' $$, 'top_wins = ''Shipped''');
select pg_temp.owner_isolation('walker_os.decision_filter_history', 'decision, outcome', $$ 'Hire?', 'SCHEDULE' $$, 'outcome = ''DO_NOW''');
select pg_temp.owner_isolation('walker_os.weekly_cashflow', 'week_start, income', $$ '2030-01-06', 100 $$, 'income = 200');
select pg_temp.owner_isolation('walker_os.net_worth', 'total_assets', '1000', 'total_liabilities = 10');
select pg_temp.owner_isolation('walker_os.profit_first_buckets', 'period_start, revenue', $$ '2030-01-01', 1000 $$, 'revenue = 2000');
select pg_temp.owner_isolation('walker_os.path_a', 'milestone', $$ 'Become a partner' $$, 'status = ''done''');
select pg_temp.owner_isolation('walker_os.path_b', 'product', $$ 'SaaS' $$, 'mrr_current = 500');

-- ---------------------------------------------------------------------------------------------
-- the service role (the backend, jobs and webhooks) bypasses row-level security
-- ---------------------------------------------------------------------------------------------

select tests.authenticate_as_service_role();
select is(
  (select count(*) from walker_os.daily_scorecard
    where user_id in (tests.get_supabase_uid('alice'), tests.get_supabase_uid('bob'))),
  1::bigint,
  'the service role sees every owner''s rows (Bob''s remaining scorecard)');
select lives_ok(
  $$ insert into walker_os.path_b (user_id, product) values (tests.get_supabase_uid('alice'), 'From the backend') $$,
  'the service role can write a row for any owner, naming the owner');
select tests.clear_authentication();

select * from finish();
rollback;
