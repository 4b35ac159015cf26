-- yachtparty's credits ledger (20261203002200): award_credits and its idempotency key, the
-- balance cache trigger, the ledger's append-only guard, the two reward flows, the reporting
-- view's refresh, with who may call each; and §7 check 4 as far as one session can run it (the
-- 50 concurrent awards and the same key from 8 sessions are in
-- core/tests/integration/yachtparty_queue.rs). Everything is rolled back.
begin;
select plan(105);

-- ---------------------------------------------------------------------------------------------
-- helpers for this file only, in pg_temp so that they vanish with the session (the shared ones
-- are tests.*, installed by 000_setup_test_helpers)
-- ---------------------------------------------------------------------------------------------

create function pg_temp.t0() returns timestamptz
language sql immutable as $$ select timestamptz '1990-06-01 12:00:00+00' $$;

-- A phone number of this run's own: +1, the transaction id, and n.
create function pg_temp.phone(n integer) returns text
language sql stable as $$
  select format('+1%s%s', lpad((txid_current() % 10000000000)::text, 10, '0'), lpad(n::text, 2, '0'))
$$;

-- The test's yachtparty users, by label.
create temp table people (label text primary key, id uuid not null);
grant select on people to service_role;
create function pg_temp.uid(p_label text) returns uuid
language sql stable as $$ select id from people where label = p_label $$;

create function pg_temp.balance(p_label text) returns integer
language sql stable as $$ select credit_balance from yachtparty.users where id = pg_temp.uid(p_label) $$;

create function pg_temp.ledger_sum(p_label text) returns bigint
language sql stable as $$
  select coalesce(sum(amount), 0) from yachtparty.credit_events where user_id = pg_temp.uid(p_label) and processed
$$;

-- An award to `label` for a referral of themselves (reference 'user'), under a key of this run's.
create function pg_temp.award(p_label text, amount integer, key text) returns jsonb
language sql as $$
  select yachtparty.award_credits(pg_temp.uid(p_label), 'referral_joined', amount, 'user', pg_temp.uid(p_label),
    tests.unique_name(key))
$$;

create function pg_temp.only_service_role_runs(fn name, args text[]) returns setof text
language plpgsql as $$
begin
  return next function_privs_are('yachtparty', fn, args, 'anon', array[]::text[],
    format('anon cannot run yachtparty.%s', fn));
  return next function_privs_are('yachtparty', fn, args, 'authenticated', array[]::text[],
    format('authenticated cannot run yachtparty.%s', fn));
  return next function_privs_are('yachtparty', fn, args, 'service_role', array['EXECUTE'],
    format('the service role can run yachtparty.%s', fn));
end
$$;

-- ---------------------------------------------------------------------------------------------
-- the functions: what they return, and who may run them
-- ---------------------------------------------------------------------------------------------

select function_returns('yachtparty', 'award_credits',
  array['uuid', 'text', 'integer', 'text', 'uuid', 'text', 'text'], 'jsonb');
select function_returns('yachtparty', 'reward_community_response', array['uuid', 'integer', 'timestamp with time zone'], 'jsonb');
select function_returns('yachtparty', 'complete_intro', array['uuid', 'timestamp with time zone'], 'jsonb');
select function_returns('yachtparty', 'refresh_user_credit_balances', array[]::text[], 'void');
select * from pg_temp.only_service_role_runs('award_credits', array['uuid', 'text', 'integer', 'text', 'uuid', 'text', 'text']);
select * from pg_temp.only_service_role_runs('reward_community_response', array['uuid', 'integer', 'timestamp with time zone']);
select * from pg_temp.only_service_role_runs('complete_intro', array['uuid', 'timestamp with time zone']);
select * from pg_temp.only_service_role_runs('refresh_user_credit_balances', array[]::text[]);
select isnt_definer('yachtparty', 'award_credits', array['uuid', 'text', 'integer', 'text', 'uuid', 'text', 'text'],
  'award_credits is security invoker');
select isnt_definer('yachtparty', 'reward_community_response', array['uuid', 'integer', 'timestamp with time zone'],
  'reward_community_response is security invoker');
select isnt_definer('yachtparty', 'complete_intro', array['uuid', 'timestamp with time zone'],
  'complete_intro is security invoker');
select is_definer('yachtparty', 'refresh_user_credit_balances', array[]::text[],
  'refresh_user_credit_balances is security definer: only the view''s owner may refresh it');
select function_privs_are('yachtparty', 'update_user_credit_cache', array[]::text[], 'service_role', array[]::text[],
  'no API role may run the balance trigger''s function (it fires anyway)');
select function_privs_are('yachtparty', 'update_user_credit_cache', array[]::text[], 'authenticated', array[]::text[],
  'authenticated may not run it either');

select trigger_is('yachtparty', 'credit_events', 'credit_events_update_user_credit_cache', 'yachtparty',
  'update_user_credit_cache', 'the ledger keeps the balance cache through update_user_credit_cache');
select trigger_is('yachtparty', 'credit_events', 'credit_events_append_only', 'yachtparty', 'append_only',
  'the ledger is guarded by append_only');

-- The reporting view is the service role's alone (a materialized view has no row-level security).
select is(has_table_privilege('authenticated', 'yachtparty.user_credit_balances', 'select'), false,
  'authenticated cannot select user_credit_balances');
select is(has_table_privilege('anon', 'yachtparty.user_credit_balances', 'select'), false,
  'anon cannot select user_credit_balances');
select is(has_table_privilege('service_role', 'yachtparty.user_credit_balances', 'select'), true,
  'the service role can');

select tests.create_supabase_user('alice');
select tests.authenticate_as('alice');
select throws_ok($$ select * from yachtparty.user_credit_balances $$, '42501',
  'permission denied for materialized view user_credit_balances', 'a signed-in user cannot read the view');
select throws_ok(
  $$ select yachtparty.award_credits(gen_random_uuid(), 'referral_joined', 10, 'user', gen_random_uuid(), 'k') $$,
  '42501', 'permission denied for function award_credits', 'a signed-in user cannot award credits');
select tests.clear_authentication();

-- ---------------------------------------------------------------------------------------------
-- the people
-- ---------------------------------------------------------------------------------------------

select lives_ok(
  $$ with u as (
       insert into yachtparty.users (phone_number, first_name)
       select pg_temp.phone(n::integer), label
         from unnest(array['earner', 'connector', 'expert', 'requester', 'spender']) with ordinality as l(label, n)
       returning id, first_name)
     insert into people select first_name, id from u $$,
  'five users: an earner, a connector, an expert, a requester, a spender');

-- ---------------------------------------------------------------------------------------------
-- award_credits: a new key, the same key again, the same key for something else (§7 check 4)
-- ---------------------------------------------------------------------------------------------

select tests.authenticate_as_service_role();
select results_eq(
  $$ select (r ->> 'duplicate')::boolean, (r ->> 'balance')::integer, (r ->> 'credit_event_id') is not null
       from yachtparty.award_credits(pg_temp.uid('earner'), 'referral_joined', 10, 'user', pg_temp.uid('requester'),
              tests.unique_name('referral'), '  joined through a referral  ') r $$,
  $$ values (false, 10, true) $$,
  'award_credits with a new key: not a duplicate, the new balance, the new row''s id');
select results_eq(
  $$ select event_type::text, amount, reference_type, reference_id, processed, description
       from yachtparty.credit_events where idempotency_key = tests.unique_name('referral') $$,
  $$ values ('referral_joined', 10, 'user', pg_temp.uid('requester'), true, 'joined through a referral') $$,
  'the ledger row is stored processed, its description trimmed');
select is(pg_temp.balance('earner'), 10, 'and users.credit_balance moved in the same transaction');
select results_eq(
  $$ select event_type::text, aggregate_type::text, payload ->> 'amount', payload ->> 'balance', processed
       from yachtparty.events where aggregate_id = pg_temp.uid('earner') $$,
  $$ values ('credit.awarded', 'user', '10', '10', false) $$,
  'a credit.awarded event is emitted for the user');

select results_eq(
  $$ select (r ->> 'duplicate')::boolean, (r ->> 'balance')::integer,
            (r ->> 'credit_event_id')::uuid = (select id from yachtparty.credit_events where idempotency_key = tests.unique_name('referral'))
       from yachtparty.award_credits(pg_temp.uid('earner'), 'referral_joined', 10, 'user', pg_temp.uid('requester'),
              tests.unique_name('referral'), 'another description') r $$,
  $$ values (true, 10, true) $$,
  'the same key for the same award: duplicate, the first row''s id, the balance unchanged');
select is((select count(*) from yachtparty.credit_events where idempotency_key = tests.unique_name('referral')), 1::bigint,
  'one ledger row for the key');
select is(pg_temp.balance('earner'), 10, 'the balance counted it once');
select is((select count(*) from yachtparty.events where aggregate_id = pg_temp.uid('earner')), 1::bigint,
  'and one event');

select tests.rejects(
  $$ select yachtparty.award_credits(pg_temp.uid('earner'), 'referral_joined', 11, 'user', pg_temp.uid('requester'),
       tests.unique_name('referral')) $$,
  'credit_events_idempotency_key_key',
  'the same key with another amount is a unique violation on credit_events_idempotency_key_key (409 idempotency_key)');
select tests.rejects(
  $$ select yachtparty.award_credits(pg_temp.uid('expert'), 'referral_joined', 10, 'user', pg_temp.uid('requester'),
       tests.unique_name('referral')) $$,
  'credit_events_idempotency_key_key', 'so is the same key for another user');
select tests.rejects(
  $$ select yachtparty.award_credits(pg_temp.uid('earner'), 'referral_joined', 10, 'user', pg_temp.uid('expert'),
       tests.unique_name('referral')) $$,
  'credit_events_idempotency_key_key', 'or another reference');
select tests.rejects(
  $$ select yachtparty.award_credits(pg_temp.uid('earner'), 'intro_completed', 10, 'user', pg_temp.uid('requester'),
       tests.unique_name('referral')) $$,
  'credit_events_idempotency_key_key', 'or another event type');
select is(pg_temp.balance('earner'), 10, 'none of them changed the balance');

-- ---------------------------------------------------------------------------------------------
-- award_credits: debits, refusals
-- ---------------------------------------------------------------------------------------------

select results_eq(
  $$ select (pg_temp.award('earner', -4, 'spend-4') ->> 'balance')::integer $$,
  $$ values (6) $$,
  'a debit (negative amount) lowers the balance');
select tests.rejects($$ select pg_temp.award('earner', -7, 'spend-7') $$, 'users_credit_balance_range',
  'a debit below zero fails on users_credit_balance_range');
select is(pg_temp.balance('earner'), 6, 'and leaves the balance as it was');
select tests.rejects($$ select pg_temp.award('earner', 0, 'zero') $$, 'credit_events_amount_not_zero',
  'an amount of zero is refused');
select tests.rejects(
  $$ select yachtparty.award_credits(pg_temp.uid('earner'), 'referral_joined', 5, 'meeting', pg_temp.uid('earner'),
       tests.unique_name('meeting')) $$,
  'credit_events_reference_type_check', 'an unknown reference type is refused');
select tests.rejects(
  $$ select yachtparty.award_credits(gen_random_uuid(), 'referral_joined', 5, 'user', pg_temp.uid('earner'),
       tests.unique_name('nobody')) $$,
  'credit_events_user_id_fkey', 'an unknown user is refused');
select throws_ok(
  $$ select yachtparty.award_credits(pg_temp.uid('earner'), 'community_response', 5, 'community_response',
       '00000000-0000-4000-8000-000000000000', tests.unique_name('ghost')) $$,
  'P0002', 'no community response 00000000-0000-4000-8000-000000000000',
  'a reference that does not exist is refused (P0002)');
select tests.rejects_null(
  $$ select yachtparty.award_credits(pg_temp.uid('earner'), 'referral_joined', 5, 'user', pg_temp.uid('earner'), null) $$,
  'credit_events', 'idempotency_key', 'an award without an idempotency key is refused');
select tests.clear_authentication();

-- ---------------------------------------------------------------------------------------------
-- the balance cache: 50 awards add up (§7 check 4, in one session), and a row processed later
-- ---------------------------------------------------------------------------------------------

select tests.authenticate_as_service_role();
select lives_ok(
  $$ select pg_temp.award('earner', i, 'fifty-' || i) from generate_series(1, 50) i $$,
  '50 awards of 1 to 50 credits, each under its own key');
select tests.clear_authentication();
select is(pg_temp.balance('earner'), 6 + 1275, 'the balance is 6 + 1 + 2 + ... + 50');
select is(pg_temp.balance('earner')::bigint, pg_temp.ledger_sum('earner'),
  'users.credit_balance equals the sum of the user''s processed ledger rows');

select lives_ok(
  $$ insert into yachtparty.credit_events (user_id, event_type, amount, reference_type, reference_id, idempotency_key)
     values (pg_temp.uid('spender'), 'referral_joined', 30, 'user', pg_temp.uid('spender'), tests.unique_name('pending')) $$,
  'a ledger row written unprocessed');
select is(pg_temp.balance('spender'), 0, 'does not count yet');
select lives_ok(
  $$ update yachtparty.credit_events set processed = true where idempotency_key = tests.unique_name('pending') $$,
  'marking it processed');
select is(pg_temp.balance('spender'), 30, 'counts it, once');
select is(pg_temp.balance('spender')::bigint, pg_temp.ledger_sum('spender'), 'the cache still equals the ledger');

-- ---------------------------------------------------------------------------------------------
-- the ledger is append-only but for processed (SQLSTATE 42501)
-- ---------------------------------------------------------------------------------------------

select throws_ok(
  $$ update yachtparty.credit_events set amount = 1 where user_id = pg_temp.uid('earner') $$,
  '42501', 'credit_events is append-only: only processed may change, from false to true',
  'a ledger row''s amount cannot be changed');
select throws_ok(
  $$ update yachtparty.credit_events set processed = false where idempotency_key = tests.unique_name('pending') $$,
  '42501', 'credit_events is append-only: only processed may change, from false to true',
  'a processed row cannot be unprocessed');
select throws_ok(
  $$ delete from yachtparty.credit_events where user_id = pg_temp.uid('earner') $$,
  '42501', 'credit_events is append-only: its rows cannot be deleted',
  'a ledger row cannot be deleted');
select tests.authenticate_as_service_role();
select throws_ok(
  $$ update yachtparty.credit_events set amount = 1 where user_id = pg_temp.uid('earner') $$,
  '42501', 'credit_events is append-only: only processed may change, from false to true',
  'not by the service role either');
select throws_ok(
  $$ delete from yachtparty.credit_events where user_id = pg_temp.uid('earner') $$,
  '42501', 'credit_events is append-only: its rows cannot be deleted',
  'whose DELETE grant the guard overrides');
select tests.clear_authentication();
select is(pg_temp.balance('earner')::bigint, pg_temp.ledger_sum('earner'), 'the cache still equals the ledger');

-- ---------------------------------------------------------------------------------------------
-- refresh_user_credit_balances (§7 check 4: after a refresh the view's row equals the ledger)
-- ---------------------------------------------------------------------------------------------

select tests.authenticate_as_service_role();
select throws_ok($$ refresh materialized view concurrently yachtparty.user_credit_balances $$, '42501',
  'must be owner of materialized view user_credit_balances',
  'the service role cannot refresh the view itself (so the function is security definer)');
select lives_ok($$ select yachtparty.refresh_user_credit_balances() $$, 'but it can through refresh_user_credit_balances');
select results_eq(
  $$ select balance, transaction_count, last_transaction_at from yachtparty.user_credit_balances
      where user_id = pg_temp.uid('earner') $$,
  $$ select sum(amount), count(*), max(created_at) from yachtparty.credit_events
      where user_id = pg_temp.uid('earner') and processed $$,
  'the view''s row for the earner equals the ledger: balance, transaction count, last transaction');
select results_eq(
  $$ select balance from yachtparty.user_credit_balances where user_id = pg_temp.uid('earner') $$,
  $$ select credit_balance::bigint from yachtparty.users where id = pg_temp.uid('earner') $$,
  'and users.credit_balance');
select tests.clear_authentication();

-- ---------------------------------------------------------------------------------------------
-- reward_community_response
-- ---------------------------------------------------------------------------------------------

select lives_ok(
  $$ with r as (
       insert into yachtparty.community_requests (requesting_agent_type, requesting_user_id, question, target_user_ids)
       values ('concierge', pg_temp.uid('requester'), 'Who runs SOC 2 well?', array[pg_temp.uid('expert')])
       returning id)
     insert into yachtparty.community_responses (request_id, user_id, response_text, verbatim_answer)
     select id, pg_temp.uid('expert'), 'Use a compliance platform.', 'use vanta' from r $$,
  'the requester asks, the expert answers');

select tests.authenticate_as_service_role();
select results_eq(
  $$ select (r ->> 'duplicate')::boolean, (r ->> 'balance')::integer, r -> 'community_response' ->> 'status',
            (r -> 'community_response' ->> 'credits_awarded')::integer, (r -> 'community_response' ->> 'credited_at')::timestamptz
       from yachtparty.reward_community_response(
              (select id from yachtparty.community_responses where user_id = pg_temp.uid('expert')), 25, pg_temp.t0()) r $$,
  $$ values (false, 25, 'rewarded', 25, pg_temp.t0()) $$,
  'reward_community_response: the expert gets 25 credits; the response is rewarded, credited at p_now');
select results_eq(
  $$ select event_type::text, amount, reference_type, reference_id
       from yachtparty.credit_events where idempotency_key = format('community_response:%s:reward',
         (select id from yachtparty.community_responses where user_id = pg_temp.uid('expert'))) $$,
  $$ select 'community_response', 25, 'community_response', id from yachtparty.community_responses where user_id = pg_temp.uid('expert') $$,
  'under the key community_response:<id>:reward');
select results_eq(
  $$ select (r ->> 'duplicate')::boolean, (r ->> 'balance')::integer, (r -> 'community_response' ->> 'credited_at')::timestamptz
       from yachtparty.reward_community_response(
              (select id from yachtparty.community_responses where user_id = pg_temp.uid('expert')), 25, pg_temp.t0() + interval '1 day') r $$,
  $$ values (true, 25, pg_temp.t0()) $$,
  'rewarding it again: a duplicate, nothing changes (credited_at stays)');
select tests.rejects(
  $$ select yachtparty.reward_community_response(
       (select id from yachtparty.community_responses where user_id = pg_temp.uid('expert')), 40) $$,
  'credit_events_idempotency_key_key', 'rewarding it with another amount is a conflict on the key');
select throws_ok(
  $$ select yachtparty.reward_community_response(
       (select id from yachtparty.community_responses where user_id = pg_temp.uid('expert')), 0) $$,
  '22023', 'a reward must be a positive number of credits, not 0', 'a reward of 0 is refused');
select throws_ok(
  $$ select yachtparty.reward_community_response('00000000-0000-4000-8000-000000000000', 5) $$,
  'P0002', 'no community response 00000000-0000-4000-8000-000000000000', 'an unknown response is refused');
select tests.clear_authentication();
select is(pg_temp.balance('expert'), 25, 'the expert was credited once');

select lives_ok(
  $$ insert into yachtparty.community_responses (request_id, user_id, response_text, verbatim_answer, status)
     select request_id, pg_temp.uid('spender'), 'Late, but useful.', 'late but useful', 'closed_loop'
       from yachtparty.community_responses where user_id = pg_temp.uid('expert') $$,
  'a second response, whose request has already closed (closed_loop)');
select tests.authenticate_as_service_role();
select results_eq(
  $$ select r -> 'community_response' ->> 'status', (r ->> 'balance')::integer
       from yachtparty.reward_community_response(
              (select id from yachtparty.community_responses where user_id = pg_temp.uid('spender')), 5) r $$,
  $$ values ('closed_loop', 35) $$,
  'rewarding a closed-loop response credits it and keeps its status');
select tests.clear_authentication();

-- ---------------------------------------------------------------------------------------------
-- complete_intro
-- ---------------------------------------------------------------------------------------------

select lives_ok(
  $$ insert into yachtparty.intro_opportunities (connector_user_id, prospect_name, status, bounty_credits, connector_response)
     values (pg_temp.uid('connector'), 'Accepted Prospect', 'accepted', 50, 'accepted'),
            (pg_temp.uid('connector'), 'Open Prospect', 'open', 20, 'open'),
            (pg_temp.uid('connector'), 'Declined Prospect', 'declined', 50, 'declined'),
            (pg_temp.uid('connector'), 'Free Prospect', 'accepted', 0, 'free') $$,
  'four intro opportunities for the connector: accepted (50), open (20), declined, accepted without bounty');

select tests.authenticate_as_service_role();
select results_eq(
  $$ select (r ->> 'duplicate')::boolean, (r ->> 'balance')::integer, r -> 'intro_opportunity' ->> 'status',
            (r -> 'intro_opportunity' ->> 'intro_completed_at')::timestamptz
       from yachtparty.complete_intro(
              (select id from yachtparty.intro_opportunities where connector_response = 'accepted'
                  and connector_user_id = pg_temp.uid('connector')), pg_temp.t0()) r $$,
  $$ values (false, 50, 'completed', pg_temp.t0()) $$,
  'complete_intro: the accepted intro is completed at p_now and its bounty of 50 goes to the connector');
select results_eq(
  $$ select e.user_id, e.event_type::text, e.amount, e.reference_type
       from yachtparty.credit_events e join yachtparty.intro_opportunities o
         on e.idempotency_key = format('intro_opportunity:%s:completed', o.id) and e.reference_id = o.id
      where o.connector_response = 'accepted' and o.connector_user_id = pg_temp.uid('connector') $$,
  $$ values (pg_temp.uid('connector'), 'intro_completed', 50, 'intro_opportunity') $$,
  'under the key intro_opportunity:<id>:completed');
select results_eq(
  $$ select (r ->> 'duplicate')::boolean, (r ->> 'balance')::integer,
            (r -> 'intro_opportunity' ->> 'intro_completed_at')::timestamptz
       from yachtparty.complete_intro(
              (select id from yachtparty.intro_opportunities where connector_response = 'accepted'
                  and connector_user_id = pg_temp.uid('connector')), pg_temp.t0() + interval '1 day') r $$,
  $$ values (true, 50, pg_temp.t0()) $$,
  'completing it again: a duplicate, nothing changes');
select results_eq(
  $$ select (r ->> 'balance')::integer, r -> 'intro_opportunity' ->> 'status'
       from yachtparty.complete_intro(
              (select id from yachtparty.intro_opportunities where connector_response = 'open'
                  and connector_user_id = pg_temp.uid('connector'))) r $$,
  $$ values (70, 'completed') $$,
  'an open intro can be completed too');
select results_eq(
  $$ select (r ->> 'duplicate')::boolean, r ->> 'credit_event_id', (r ->> 'balance')::integer, r -> 'intro_opportunity' ->> 'status'
       from yachtparty.complete_intro(
              (select id from yachtparty.intro_opportunities where connector_response = 'free'
                  and connector_user_id = pg_temp.uid('connector'))) r $$,
  $$ values (false, null::text, 70, 'completed') $$,
  'an intro without bounty is completed and awards nothing');
select throws_ok(
  $$ select yachtparty.complete_intro('00000000-0000-4000-8000-000000000000') $$,
  'P0002', 'no open, accepted or completed intro opportunity 00000000-0000-4000-8000-000000000000',
  'an unknown intro is refused');
select tests.clear_authentication();
select throws_ok(
  $$ select yachtparty.complete_intro((select id from yachtparty.intro_opportunities
       where connector_response = 'declined' and connector_user_id = pg_temp.uid('connector'))) $$,
  'P0002', null, 'a declined intro cannot be completed');
select is(pg_temp.balance('connector')::bigint, pg_temp.ledger_sum('connector'), 'the connector''s cache equals the ledger');

select * from finish();
rollback;
