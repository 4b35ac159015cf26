-- Companion's scheduled work (specification §3; design decision 6). Each job calls one function
-- that tests call directly; cron.schedule(name, ...) updates a job of that name rather than
-- adding a second, so re-running this file changes nothing. pg_cron runs the jobs as postgres,
-- the owner of the migrations, in database postgres. Sending the check-ins calls Telegram, so it
-- is the Worker's own scheduled handler (every minute: claim_scheduled_messages ->
-- sendMessage -> record_scheduled_message_sent / _failed), not a job here (design decision 13).

-- Today's check-in row for every eligible user (20261203003200).
select cron.schedule('companion-plan-daily-messages', '*/15 * * * *',
  'select companion.plan_daily_messages()');

-- Sends whose outcome is unknown (processing past their 10-minute lease) are failed, never
-- re-sent: at most once.
select cron.schedule('companion-fail-stuck-messages', '*/5 * * * *',
  'select companion.fail_stuck_scheduled_messages()');

-- Used link tokens, and tokens expired more than a day ago (20261203003300).
select cron.schedule('companion-expire-link-tokens', '0 * * * *',
  'select companion.expire_link_tokens()');

-- Memories past their expires_at.
select cron.schedule('companion-prune-user-context', '30 3 * * *',
  'select companion.prune_expired_user_context()');

-- Open conversations started more than 24 hours ago.
select cron.schedule('companion-end-stale-conversations', '10 * * * *',
  'select companion.end_stale_conversations()');
