-- Yachtparty's scheduled work (specification §3). Each job calls one function that tests call
-- directly; cron.schedule(name, ...) updates a job of that name rather than adding a second, so
-- re-running this file changes nothing. pg_cron runs the jobs as postgres, the owner of the
-- migrations, in database postgres.
--
-- yachtparty-dispatch-agent-tasks only announces due tasks (NOTIFY), since agents pull their
-- tasks themselves: see 20261203002100 for the consumption model. yachtparty-fail-stuck-messages
-- calls yachtparty.fail_stuck_messages() of the outbound queue's migration (20261203002400 to
-- 2499); pg_cron resolves a command only when it runs it.

select cron.schedule('yachtparty-dispatch-agent-tasks', '*/2 * * * *',
  'select yachtparty.dispatch_due_agent_tasks()');

-- Tasks whose agent died (their lease of 10 minutes ran out) go back to pending, or to failed
-- when their attempts are used up.
select cron.schedule('yachtparty-requeue-stuck-tasks', '*/5 * * * *',
  'select yachtparty.requeue_stuck_agent_tasks()');

-- Replaces the original's hourly Cloud Scheduler call to the event processor (D8).
select cron.schedule('yachtparty-close-community-requests', '0 * * * *',
  'select yachtparty.close_community_requests()');

select cron.schedule('yachtparty-expire-priorities', '15 * * * *',
  'select yachtparty.expire_user_priorities()');

-- The reporting view; the live balance is users.credit_balance (D1).
select cron.schedule('yachtparty-refresh-credit-balances', '*/10 * * * *',
  'select yachtparty.refresh_user_credit_balances()');

-- Sends whose outcome is unknown (processing past their lease) are failed, never re-sent:
-- at-most-once.
select cron.schedule('yachtparty-fail-stuck-messages', '*/5 * * * *',
  'select yachtparty.fail_stuck_messages()');
