-- Yachtparty's community requests: counting responses, closing requests, expiring priorities
-- (specification §2.5; defect D8: the hourly closure is a pg_cron job, 20261203002900).
--
-- Security invoker: the service role, which inserts responses and runs these, may do all they
-- do (pg_cron runs them as postgres). Each reads the clock through `p_now timestamptz default
-- null`, and each is idempotent: a second run finds nothing left to change.

-- ---------------------------------------------------------------------------------------------
-- a new response counts towards its request
-- ---------------------------------------------------------------------------------------------

-- responses_count + 1 under the request row's lock (concurrent responses all count), and an
-- open request now has responses. A closed request still counts a late response and stays
-- closed. A response is counted once: (request_id, user_id) is unique.
create or replace function yachtparty.count_community_response()
returns trigger
language plpgsql
security invoker
set search_path = ''
as $$
begin
  update yachtparty.community_requests r
     set responses_count = r.responses_count + 1,
         status = case when r.status = 'open' then 'responses_received' else r.status end
   where r.id = new.request_id;
  return null;
end;
$$;
revoke all on function yachtparty.count_community_response() from public, anon, authenticated, service_role;

create trigger community_responses_count_response after insert on yachtparty.community_responses
  for each row execute function yachtparty.count_community_response();

-- ---------------------------------------------------------------------------------------------
-- closing requests (hourly)
-- ---------------------------------------------------------------------------------------------

-- Closes every open request (open or responses_received) that has expired (expires_at <= now)
-- or that every targeted expert has answered (responses_count >= cardinality(target_user_ids)
-- > 0), in one statement:
-- - the request: status 'closed', closed_loop_at = now, closed_loop_message kept if set, else a
--   default saying why;
-- - its responses still 'provided' or 'rewarded': 'closed_loop', closed_loop_at = now;
-- - active user_priorities pointing at it (item_type 'community_request'): 'expired';
-- - one `community.request_closed` event per request (aggregate community_request; payload:
--   request_id, requesting_user_id, responses_count, reason 'expired' or 'answered', closed_at).
-- Requests another session holds are skipped until the next run. Returns how many it closed;
-- a second run closes none.
create or replace function yachtparty.close_community_requests(p_now timestamptz default null)
returns integer
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_now timestamptz := coalesce(p_now, pg_catalog.now());
  v_count integer;
begin
  with due as (
    select d.id,
           case when d.expires_at <= v_now then 'expired' else 'answered' end as reason
      from yachtparty.community_requests d
     where d.status in ('open', 'responses_received')
       and (d.expires_at <= v_now
            or (pg_catalog.cardinality(d.target_user_ids) > 0
                and d.responses_count >= pg_catalog.cardinality(d.target_user_ids)))
       for update skip locked
  ), closed as (
    update yachtparty.community_requests r
       set status = 'closed',
           closed_loop_at = v_now,
           closed_loop_message = coalesce(r.closed_loop_message,
             case due.reason when 'expired' then 'The request expired.'
                             else 'Every expert asked has answered.' end)
      from due
     where r.id = due.id
    returning r.id, r.requesting_user_id, r.responses_count, due.reason
  ), responses as (
    update yachtparty.community_responses s
       set status = 'closed_loop',
           closed_loop_at = v_now
     where s.request_id in (select c.id from closed c)
       and s.status in ('provided', 'rewarded')
  ), priorities as (
    update yachtparty.user_priorities p
       set status = 'expired'
     where p.item_type = 'community_request'
       and p.item_id in (select c.id from closed c)
       and p.status = 'active'
  ), announced as (
    insert into yachtparty.events (event_type, aggregate_type, aggregate_id, payload, created_by)
    select 'community.request_closed', 'community_request', c.id,
           pg_catalog.jsonb_build_object('request_id', c.id, 'requesting_user_id', c.requesting_user_id,
             'responses_count', c.responses_count, 'reason', c.reason, 'closed_at', v_now),
           'yachtparty.close_community_requests'
      from closed c
  )
  select count(*) into v_count from closed;
  return v_count;
end;
$$;
revoke all on function yachtparty.close_community_requests(timestamptz) from public, anon, authenticated;
grant execute on function yachtparty.close_community_requests(timestamptz) to service_role;

-- ---------------------------------------------------------------------------------------------
-- expiring priorities
-- ---------------------------------------------------------------------------------------------

-- Active or presented priorities whose expires_at has passed become 'expired' (actioned ones are
-- done and stay so). Returns how many; a second run expires none.
create or replace function yachtparty.expire_user_priorities(p_now timestamptz default null)
returns integer
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_count integer;
begin
  update yachtparty.user_priorities p
     set status = 'expired'
   where p.status in ('active', 'presented')
     and p.expires_at <= coalesce(p_now, pg_catalog.now());
  get diagnostics v_count = row_count;
  return v_count;
end;
$$;
revoke all on function yachtparty.expire_user_priorities(timestamptz) from public, anon, authenticated;
grant execute on function yachtparty.expire_user_priorities(timestamptz) to service_role;
