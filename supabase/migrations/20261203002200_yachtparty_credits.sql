-- Yachtparty's credits ledger (specification §2.4; defects D1, D2, D14).
--
-- credit_events is the ledger: append-only but for `processed` (the guard yachtparty.append_only
-- of 20261203002100, SQLSTATE 42501). users.credit_balance is its cache, changed only by the
-- trigger below, which adds a row's amount when the row becomes processed: an increment under
-- the users row's lock, so concurrent awards add up (a recomputed SUM, as the original did,
-- loses one of two concurrent awards under READ COMMITTED). A debit below zero fails the whole
-- award on users_credit_balance_range (23514). user_credit_balances is reporting data only,
-- refreshed by pg_cron (D1).
--
-- Functions are security invoker (the service role may do everything they do) except
-- refresh_user_credit_balances, which must own the materialized view to refresh it. None sets
-- id, created_at or updated_at, which the service role may not update (its column grants):
-- the tables' triggers do.

-- ---------------------------------------------------------------------------------------------
-- the ledger's guard and the balance cache
-- ---------------------------------------------------------------------------------------------

create trigger credit_events_append_only before update or delete on yachtparty.credit_events
  for each row execute function yachtparty.append_only();

create or replace function yachtparty.update_user_credit_cache()
returns trigger
language plpgsql
security invoker
set search_path = ''
as $$
begin
  if new.processed and (tg_op = 'INSERT' or not old.processed) then
    update yachtparty.users u
       set credit_balance = u.credit_balance + new.amount
     where u.id = new.user_id;
  end if;
  return null;
end;
$$;
revoke all on function yachtparty.update_user_credit_cache() from public, anon, authenticated, service_role;

create trigger credit_events_update_user_credit_cache
  after insert or update of processed on yachtparty.credit_events
  for each row execute function yachtparty.update_user_credit_cache();

-- ---------------------------------------------------------------------------------------------
-- award_credits: the one way credits are written
-- ---------------------------------------------------------------------------------------------

-- Records a processed credit event (amount > 0 earns, < 0 spends) under an idempotency key and
-- returns {duplicate, credit_event_id, balance} (balance: users.credit_balance after it).
-- - A new key: the row is inserted, the balance moves in the same transaction (trigger), and a
--   `credit.awarded` event is emitted; duplicate false.
-- - A key already used for the same award (user, event type, amount, reference): nothing is
--   written; duplicate true, with the first award's id. Two concurrent calls with one key: the
--   second waits for the first's commit, then finds its row.
-- - A key already used for a different award: unique_violation on
--   credit_events_idempotency_key_key, worded as PostgreSQL words it, so the API answers 409
--   naming idempotency_key.
-- The reference must exist (its table by reference_type; D14): a missing one is P0002, as
-- respond_to_intro reports a missing row. Other refusals are the table's own constraints: a zero
-- amount (credit_events_amount_not_zero), an unknown reference_type
-- (credit_events_reference_type_check), an unknown user (credit_events_user_id_fkey), a debit
-- below zero (users_credit_balance_range).
create or replace function yachtparty.award_credits(
  p_user_id uuid,
  p_event_type text,
  p_amount integer,
  p_reference_type text,
  p_reference_id uuid,
  p_idempotency_key text,
  p_description text default null
)
returns jsonb
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_id uuid;
  v_existing yachtparty.credit_events;
  v_balance integer;
  v_reference_found boolean;
begin
  -- An unknown type or a null id is left to the insert's constraints to name.
  v_reference_found := p_reference_id is null or case p_reference_type
    when 'intro_opportunity' then exists (select from yachtparty.intro_opportunities r where r.id = p_reference_id)
    when 'community_response' then exists (select from yachtparty.community_responses r where r.id = p_reference_id)
    when 'user' then exists (select from yachtparty.users r where r.id = p_reference_id)
    when 'innovator' then exists (select from yachtparty.innovators r where r.id = p_reference_id)
    else true
  end;
  if not v_reference_found then
    raise exception 'no % %', replace(p_reference_type, '_', ' '), p_reference_id using errcode = 'P0002';
  end if;

  insert into yachtparty.credit_events
    (user_id, event_type, amount, reference_type, reference_id, idempotency_key, description, processed)
  values
    (p_user_id, p_event_type, p_amount, p_reference_type, p_reference_id, p_idempotency_key,
     nullif(pg_catalog.btrim(p_description, rowgate.whitespace()), ''), true)
  on conflict (idempotency_key) do nothing
  returning id into v_id;

  if v_id is not null then
    select u.credit_balance into v_balance from yachtparty.users u where u.id = p_user_id;
    insert into yachtparty.events (event_type, aggregate_type, aggregate_id, payload, created_by)
    values ('credit.awarded', 'user', p_user_id,
            pg_catalog.jsonb_build_object('credit_event_id', v_id, 'event_type', p_event_type,
              'amount', p_amount, 'reference_type', p_reference_type, 'reference_id', p_reference_id,
              'balance', v_balance),
            'yachtparty.award_credits');
    return pg_catalog.jsonb_build_object('duplicate', false, 'credit_event_id', v_id, 'balance', v_balance);
  end if;

  select c.* into v_existing from yachtparty.credit_events c where c.idempotency_key = p_idempotency_key;
  if (v_existing.user_id, v_existing.event_type::text, v_existing.amount, v_existing.reference_type, v_existing.reference_id)
     is distinct from (p_user_id, p_event_type, p_amount, p_reference_type, p_reference_id) then
    raise exception 'duplicate key value violates unique constraint "credit_events_idempotency_key_key"'
      using errcode = 'unique_violation',
            detail = pg_catalog.format('Key (idempotency_key)=(%s) already exists.', p_idempotency_key),
            constraint = 'credit_events_idempotency_key_key',
            schema = 'yachtparty', table = 'credit_events', column = 'idempotency_key';
  end if;
  select u.credit_balance into v_balance from yachtparty.users u where u.id = v_existing.user_id;
  return pg_catalog.jsonb_build_object('duplicate', true, 'credit_event_id', v_existing.id, 'balance', v_balance);
end;
$$;
revoke all on function yachtparty.award_credits(uuid, text, integer, text, uuid, text, text) from public, anon, authenticated;
grant execute on function yachtparty.award_credits(uuid, text, integer, text, uuid, text, text) to service_role;

-- ---------------------------------------------------------------------------------------------
-- the reward flows: one transaction each, idempotent by their keys
-- ---------------------------------------------------------------------------------------------

-- Rewards an expert's community response with p_amount (> 0) credits: the response gets
-- credits_awarded, credited_at and status 'rewarded' (one already 'closed_loop' keeps that
-- status: its request closed first), and the expert is awarded under the key
-- `community_response:<id>:reward`. Again with the same amount: nothing changes, duplicate
-- true; with another amount: 23505 on the key (the first reward stands). An unknown response is
-- P0002; an amount that is not positive, 22023. Returns award_credits' answer and the response
-- under `community_response`.
create or replace function yachtparty.reward_community_response(
  p_response_id uuid,
  p_amount integer,
  p_now timestamptz default null
)
returns jsonb
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_response yachtparty.community_responses;
  v_award jsonb;
begin
  if p_amount is null or p_amount < 1 then
    raise exception 'a reward must be a positive number of credits, not %', coalesce(p_amount::text, 'null')
      using errcode = '22023';
  end if;
  select r.* into v_response from yachtparty.community_responses r where r.id = p_response_id for update;
  if v_response.id is null then
    raise exception 'no community response %', p_response_id using errcode = 'P0002';
  end if;

  v_award := yachtparty.award_credits(v_response.user_id, 'community_response', p_amount, 'community_response',
    v_response.id, pg_catalog.format('community_response:%s:reward', v_response.id),
    'Reward for a useful community response');

  update yachtparty.community_responses r
     set credits_awarded = p_amount,
         credited_at = coalesce(p_now, pg_catalog.now()),
         status = case when r.status = 'provided' then 'rewarded' else r.status end
   where r.id = v_response.id
     and r.credited_at is null
  returning r.* into v_response;
  if v_response.id is null then
    select r.* into v_response from yachtparty.community_responses r where r.id = p_response_id;
  end if;
  return v_award || pg_catalog.jsonb_build_object('community_response', pg_catalog.to_jsonb(v_response));
end;
$$;
revoke all on function yachtparty.reward_community_response(uuid, integer, timestamptz) from public, anon, authenticated;
grant execute on function yachtparty.reward_community_response(uuid, integer, timestamptz) to service_role;

-- Completes an introduction: an open or accepted opportunity becomes 'completed' with
-- intro_completed_at, and its bounty_credits are awarded to the connector under the key
-- `intro_opportunity:<id>:completed` (a bounty of 0 awards nothing: the ledger holds no zero
-- amounts). Completing it again changes nothing: duplicate true. A declined or unknown
-- opportunity is P0002. Returns award_credits' answer (credit_event_id null when there was no
-- bounty) and the opportunity under `intro_opportunity`.
create or replace function yachtparty.complete_intro(p_id uuid, p_now timestamptz default null)
returns jsonb
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_intro yachtparty.intro_opportunities;
  v_completed_now boolean;
  v_award jsonb;
begin
  select o.* into v_intro from yachtparty.intro_opportunities o where o.id = p_id for update;
  if v_intro.id is null or v_intro.status not in ('open', 'accepted', 'completed') then
    raise exception 'no open, accepted or completed intro opportunity %', p_id using errcode = 'P0002';
  end if;

  v_completed_now := v_intro.status <> 'completed';
  if v_completed_now then
    update yachtparty.intro_opportunities o
       set status = 'completed',
           intro_completed_at = coalesce(p_now, pg_catalog.now())
     where o.id = v_intro.id
    returning o.* into v_intro;
  end if;

  if v_intro.bounty_credits > 0 then
    v_award := yachtparty.award_credits(v_intro.connector_user_id, 'intro_completed', v_intro.bounty_credits,
      'intro_opportunity', v_intro.id, pg_catalog.format('intro_opportunity:%s:completed', v_intro.id),
      'Bounty for a completed introduction');
  else
    v_award := pg_catalog.jsonb_build_object('duplicate', not v_completed_now, 'credit_event_id', null,
      'balance', (select u.credit_balance from yachtparty.users u where u.id = v_intro.connector_user_id));
  end if;
  return v_award || pg_catalog.jsonb_build_object('intro_opportunity', pg_catalog.to_jsonb(v_intro));
end;
$$;
revoke all on function yachtparty.complete_intro(uuid, timestamptz) from public, anon, authenticated;
grant execute on function yachtparty.complete_intro(uuid, timestamptz) to service_role;

-- ---------------------------------------------------------------------------------------------
-- the reporting view's refresh
-- ---------------------------------------------------------------------------------------------

-- Security definer because only the owner of a materialized view may refresh it (PostgreSQL
-- 15 has no REFRESH privilege to grant), and the service role, which may call this, is not the
-- owner. It runs exactly one fixed statement. CONCURRENTLY (the view's unique index on user_id
-- allows it): readers keep the old rows while it runs. The job
-- yachtparty-refresh-credit-balances runs it every 10 minutes.
create or replace function yachtparty.refresh_user_credit_balances()
returns void
language plpgsql
security definer
set search_path = ''
as $$
begin
  refresh materialized view concurrently yachtparty.user_credit_balances;
end;
$$;
revoke all on function yachtparty.refresh_user_credit_balances() from public, anon, authenticated;
grant execute on function yachtparty.refresh_user_credit_balances() to service_role;
