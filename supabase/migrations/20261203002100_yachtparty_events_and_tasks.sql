-- Yachtparty's event store and agent task queue (specification §2.1, §2.2; defects D5, D6).
--
-- Consumption model [dec]: PULL. Agents claim their own work with claim_agent_tasks() (the
-- seed's "task-processor polls every 2 minutes") and finish it with complete_agent_task() or
-- fail_agent_task(). Nothing else claims tasks: a push dispatcher that claimed them too would
-- hand a task to nobody when no agent is listening (NOTIFY cannot reach PostgREST or a Worker,
-- D5), and two claimers of one task is the race the queue exists to prevent.
-- dispatch_due_agent_tasks() therefore only announces: it sends a small NOTIFY per agent type
-- that has due tasks, changing and locking nothing. Its job (yachtparty-dispatch-agent-tasks,
-- every 2 minutes, 20261203002900) is kept because a task scheduled for later has no INSERT to
-- wake a listening agent when it falls due; an agent that only polls loses nothing without it.
--
-- Time: every function that reads the clock takes `p_now timestamptz default null`
-- (coalesce(p_now, now())), so tests and replays choose the instant.
--
-- The append-only guard (events here, credit_events in 20261203002200) refuses with SQLSTATE
-- 42501 (insufficient_privilege): no role may rewrite history, the owner included, and the API
-- already maps 42501 to 403 Forbidden.
--
-- All functions are security invoker with an empty search_path; the callable ones are executable
-- by service_role only (and by postgres, which pg_cron runs as). Trigger functions fire whatever
-- the EXECUTE grants say, so no role is granted them.

-- ---------------------------------------------------------------------------------------------
-- append-only guard (shared by events and credit_events)
-- ---------------------------------------------------------------------------------------------

-- The one change a row of an append-only table may undergo: `processed` from false to true,
-- every other column as it was. A DELETE is refused outright. (TRUNCATE is not a row event; no
-- API role is granted it.)
create or replace function yachtparty.append_only()
returns trigger
language plpgsql
security invoker
set search_path = ''
as $$
begin
  if tg_op = 'DELETE' then
    raise exception '% is append-only: its rows cannot be deleted', tg_table_name
      using errcode = '42501', schema = tg_table_schema, table = tg_table_name;
  end if;
  if old.processed or not new.processed
     or (pg_catalog.to_jsonb(new) - 'processed') is distinct from (pg_catalog.to_jsonb(old) - 'processed') then
    raise exception '% is append-only: only processed may change, from false to true', tg_table_name
      using errcode = '42501', schema = tg_table_schema, table = tg_table_name;
  end if;
  return new;
end;
$$;
revoke all on function yachtparty.append_only() from public, anon, authenticated, service_role;

create trigger events_append_only before update or delete on yachtparty.events
  for each row execute function yachtparty.append_only();

-- ---------------------------------------------------------------------------------------------
-- events: NOTIFY on insert, and the polling claim
-- ---------------------------------------------------------------------------------------------

-- Wakes listeners with the event's id and type only. Never the payload: a NOTIFY payload of
-- 8000 bytes or more fails the INSERT itself (D5); this one is under 300.
create or replace function yachtparty.notify_event()
returns trigger
language plpgsql
security invoker
set search_path = ''
as $$
begin
  perform pg_catalog.pg_notify('yachtparty_events', pg_catalog.json_build_object(
    'id', new.id,
    'event_type', new.event_type,
    'aggregate_type', new.aggregate_type,
    'aggregate_id', new.aggregate_id)::text);
  return null;
end;
$$;
revoke all on function yachtparty.notify_event() from public, anon, authenticated, service_role;

create trigger events_notify after insert on yachtparty.events
  for each row execute function yachtparty.notify_event();

-- Claims up to p_limit unprocessed events, oldest first (of the types given, or of any type),
-- and marks them processed in the same statement: at-most-once. An event is handed to exactly
-- one caller; if that caller dies before acting on it, the event is not handed out again
-- (at-least-once would need a lease column the seed lacks). Consumers are idempotent on
-- events.id. Rows another claimer holds are skipped, not waited for. Returns the claimed
-- events, oldest first.
create or replace function yachtparty.claim_events(p_limit integer, p_types text[] default null)
returns setof yachtparty.events
language plpgsql
security invoker
set search_path = ''
as $$
begin
  if p_limit is null or p_limit < 1 then
    raise exception 'p_limit must be at least 1, not %', coalesce(p_limit::text, 'null')
      using errcode = '22023';
  end if;
  return query
  with claimed as (
    update yachtparty.events e
       set processed = true
      from (select u.id
              from yachtparty.events u
             where not u.processed
               and (p_types is null or u.event_type = any (p_types))
             order by u.created_at, u.id
             limit p_limit
               for update skip locked) due
     where e.id = due.id
    returning e.*
  )
  select * from claimed c order by c.created_at, c.id;
end;
$$;
revoke all on function yachtparty.claim_events(integer, text[]) from public, anon, authenticated;
grant execute on function yachtparty.claim_events(integer, text[]) to service_role;

-- ---------------------------------------------------------------------------------------------
-- agent_tasks: claim, complete, fail, requeue, announce
-- ---------------------------------------------------------------------------------------------

-- Claims up to p_limit due pending tasks (of one agent type, or of any): high before medium
-- before low (by CASE: as text, 'high' < 'low' < 'medium'), then the earliest scheduled. One
-- statement locks (skipping rows another claimer holds) and marks them processing, so the claim
-- holds after the call returns (D6): status 'processing', last_attempted_at = now (the lease's
-- start), retry_count + 1 (attempts made). Returns the claimed tasks in that order.
create or replace function yachtparty.claim_agent_tasks(
  p_agent_type text default null,
  p_limit integer default 20,
  p_now timestamptz default null
)
returns setof yachtparty.agent_tasks
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_now timestamptz := coalesce(p_now, pg_catalog.now());
begin
  if p_limit is null or p_limit < 1 then
    raise exception 'p_limit must be at least 1, not %', coalesce(p_limit::text, 'null')
      using errcode = '22023';
  end if;
  return query
  with due as (
    select d.id
      from yachtparty.agent_tasks d
     where d.status = 'pending'
       and d.scheduled_for <= v_now
       and (p_agent_type is null or d.agent_type = p_agent_type)
     order by case d.priority when 'high' then 1 when 'medium' then 2 else 3 end, d.scheduled_for, d.id
     limit p_limit
       for update skip locked
  ), claimed as (
    update yachtparty.agent_tasks t
       set status = 'processing',
           last_attempted_at = v_now,
           retry_count = t.retry_count + 1
      from due
     where t.id = due.id
    returning t.*
  )
  select * from claimed c
   order by case c.priority when 'high' then 1 when 'medium' then 2 else 3 end, c.scheduled_for, c.id;
end;
$$;
revoke all on function yachtparty.claim_agent_tasks(text, integer, timestamptz) from public, anon, authenticated;
grant execute on function yachtparty.claim_agent_tasks(text, integer, timestamptz) to service_role;

-- A processing task is done: status 'completed', completed_at, result_json. Completing a task
-- that is already completed returns it unchanged (a retried call; the first result stays); any
-- other task (pending, failed, unknown) is refused with P0002. Returns the task.
create or replace function yachtparty.complete_agent_task(
  p_id uuid,
  p_result jsonb,
  p_now timestamptz default null
)
returns yachtparty.agent_tasks
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_row yachtparty.agent_tasks;
begin
  update yachtparty.agent_tasks t
     set status = 'completed',
         completed_at = coalesce(p_now, pg_catalog.now()),
         result_json = p_result
   where t.id = p_id
     and t.status = 'processing'
  returning t.* into v_row;
  if v_row.id is null then
    select t.* into v_row from yachtparty.agent_tasks t where t.id = p_id;
    if v_row.id is null or v_row.status <> 'completed' then
      raise exception 'no processing agent task %', p_id using errcode = 'P0002';
    end if;
  end if;
  return v_row;
end;
$$;
revoke all on function yachtparty.complete_agent_task(uuid, jsonb, timestamptz) from public, anon, authenticated;
grant execute on function yachtparty.complete_agent_task(uuid, jsonb, timestamptz) to service_role;

-- The line a failed attempt adds to error_log: when (UTC), which attempt, what went wrong. Kept
-- trimmed, as the column's text rule wants. The service role may run it because the security
-- invoker functions below call it as the service role.
create or replace function yachtparty.agent_task_log_line(p_at timestamptz, p_attempt integer, p_error text)
returns text
language sql
stable
security invoker
set search_path = ''
as $$
  select pg_catalog.format('[%s] attempt %s: %s',
    pg_catalog.to_char(p_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
    p_attempt,
    coalesce(nullif(pg_catalog.btrim(p_error, rowgate.whitespace()), ''), 'no error given'))
$$;
revoke all on function yachtparty.agent_task_log_line(timestamptz, integer, text) from public, anon, authenticated;
grant execute on function yachtparty.agent_task_log_line(timestamptz, integer, text) to service_role;

-- A processing task's attempt failed: the error is appended to error_log (one line per
-- attempt); while retry_count (attempts made) < max_retries the task is pending again, due
-- after a backoff of 2^retry_count minutes (2, 4, 8, ...; the exponent stops at 20, about two
-- years, so no max_retries overflows it); otherwise it is failed for good. Failing a task that
-- is already failed returns it unchanged; any other task (pending, completed, unknown) is refused
-- with P0002. Returns the task.
create or replace function yachtparty.fail_agent_task(
  p_id uuid,
  p_error text,
  p_now timestamptz default null
)
returns yachtparty.agent_tasks
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_now timestamptz := coalesce(p_now, pg_catalog.now());
  v_row yachtparty.agent_tasks;
begin
  update yachtparty.agent_tasks t
     set status = case when t.retry_count < t.max_retries then 'pending' else 'failed' end,
         scheduled_for = case when t.retry_count < t.max_retries
                              then v_now + interval '1 minute' * pg_catalog.power(2, least(t.retry_count, 20))
                              else t.scheduled_for end,
         error_log = pg_catalog.concat_ws(E'\n', t.error_log,
                       yachtparty.agent_task_log_line(v_now, t.retry_count, p_error))
   where t.id = p_id
     and t.status = 'processing'
  returning t.* into v_row;
  if v_row.id is null then
    select t.* into v_row from yachtparty.agent_tasks t where t.id = p_id;
    if v_row.id is null or v_row.status <> 'failed' then
      raise exception 'no processing agent task %', p_id using errcode = 'P0002';
    end if;
  end if;
  return v_row;
end;
$$;
revoke all on function yachtparty.fail_agent_task(uuid, text, timestamptz) from public, anon, authenticated;
grant execute on function yachtparty.fail_agent_task(uuid, text, timestamptz) to service_role;

-- Tasks whose agent died: processing for longer than the lease (since last_attempted_at, or
-- created_at if a task was written as processing without one) go back to pending, due at once,
-- while attempts remain, else to failed; error_log says the lease expired. Rows another session
-- holds (an agent completing the task right now) are skipped. Returns how many were moved. The
-- job yachtparty-requeue-stuck-tasks runs it every 5 minutes.
create or replace function yachtparty.requeue_stuck_agent_tasks(
  p_lease interval default interval '10 minutes',
  p_now timestamptz default null
)
returns integer
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_now timestamptz := coalesce(p_now, pg_catalog.now());
  v_count integer;
begin
  if p_lease is null or p_lease < interval '0' then
    raise exception 'p_lease must be an interval of zero or more, not %', coalesce(p_lease::text, 'null')
      using errcode = '22023';
  end if;
  with stuck as (
    select s.id
      from yachtparty.agent_tasks s
     where s.status = 'processing'
       and coalesce(s.last_attempted_at, s.created_at) < v_now - p_lease
       for update skip locked
  )
  update yachtparty.agent_tasks t
     set status = case when t.retry_count < t.max_retries then 'pending' else 'failed' end,
         error_log = pg_catalog.concat_ws(E'\n', t.error_log,
                       yachtparty.agent_task_log_line(v_now, t.retry_count,
                         pg_catalog.format('lease of %s expired', p_lease)))
    from stuck
   where t.id = stuck.id;
  get diagnostics v_count = row_count;
  return v_count;
end;
$$;
revoke all on function yachtparty.requeue_stuck_agent_tasks(interval, timestamptz) from public, anon, authenticated;
grant execute on function yachtparty.requeue_stuck_agent_tasks(interval, timestamptz) to service_role;

-- Announces due work without claiming it (pull model, above): looks at up to p_limit due
-- pending tasks in claim order, without locking them, and sends one NOTIFY per agent type on
-- channel 'yachtparty_agent_tasks' with {agent_type, due} (how many of those were of that
-- type). Changes no row. Returns how many tasks it announced.
create or replace function yachtparty.dispatch_due_agent_tasks(
  p_limit integer default 20,
  p_now timestamptz default null
)
returns integer
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_now timestamptz := coalesce(p_now, pg_catalog.now());
  v_total integer := 0;
  r record;
begin
  if p_limit is null or p_limit < 1 then
    raise exception 'p_limit must be at least 1, not %', coalesce(p_limit::text, 'null')
      using errcode = '22023';
  end if;
  for r in
    select d.agent_type, count(*)::integer as due
      from (select t.agent_type
              from yachtparty.agent_tasks t
             where t.status = 'pending'
               and t.scheduled_for <= v_now
             order by case t.priority when 'high' then 1 when 'medium' then 2 else 3 end, t.scheduled_for, t.id
             limit p_limit) d
     group by d.agent_type
     order by d.agent_type
  loop
    perform pg_catalog.pg_notify('yachtparty_agent_tasks',
      pg_catalog.json_build_object('agent_type', r.agent_type, 'due', r.due)::text);
    v_total := v_total + r.due;
  end loop;
  return v_total;
end;
$$;
revoke all on function yachtparty.dispatch_due_agent_tasks(integer, timestamptz) from public, anon, authenticated;
grant execute on function yachtparty.dispatch_due_agent_tasks(integer, timestamptz) to service_role;
