-- companion's daily check-ins (20261203003200), housekeeping (20261203003300) and pg_cron jobs
-- (20261203003900): the slot rule (§7.3: Kolkata, New York across DST, gaps and folds), the
-- planner (eligibility, the grace window, idempotence), the claim (due rows only, oldest first,
-- the limit, paused / unlinked / missed window skipped in the same statement), the sender's
-- reports (sent: the day's thread and its assistant message, once; failed: 429 back to pending
-- and claimable past the slot's window, but not past the day; 403 pausing the user; others),
-- the lease (an unknown outcome failed, never resent; a late report still recorded), the three
-- housekeeping functions, and every companion job with its schedule; with who may call each.
-- The concurrent claims and the Rust mirror are in core/tests/integration/companion.rs.
--
-- A claim takes every due row in the database, and the lease every processing row, so the test
-- first sets aside anyone else's pending and processing rows. Everything is rolled back.
begin;
select plan(186);

-- ---------------------------------------------------------------------------------------------
-- helpers for this file only
-- ---------------------------------------------------------------------------------------------

create function pg_temp.tg(n integer) returns bigint
language sql stable as $$ select 5000000000000 + (txid_current() % 1000000) * 1000 + n $$;

-- A test user with a companion profile: zone, check-in time, Telegram account n (null: not
-- linked), onboarded or not, paused or not.
create function pg_temp.person(label text, zone text, at time, account integer, onboarded boolean default true,
                               paused boolean default false) returns setof text
language plpgsql as $$
begin
  return next tests.create_supabase_user(label);
  insert into companion.users (id, display_name, timezone, preferred_message_time, telegram_user_id, telegram_linked_at,
                               onboarding_completed_at, preferences)
  values (tests.get_supabase_uid(label), initcap(label), zone, at, pg_temp.tg(account),
          case when account is not null then now() end, case when onboarded then now() end,
          case when paused then '{"daily_messages_paused": true}'::jsonb else '{}'::jsonb end);
  return next ok(true, format('%s has a companion profile (%s, %s)', label, zone, at));
end
$$;

create function pg_temp.uid(label text) returns uuid
language sql stable as $$ select tests.get_supabase_uid(label) $$;

-- A check-in put straight into the table, labelled by its user and local date.
create function pg_temp.check_in(who text, day date, due timestamptz, status text default 'pending',
                                 claimed timestamptz default null) returns uuid
language sql as $$
  insert into companion.scheduled_messages (user_id, local_date, scheduled_for, status, claimed_at)
  values (pg_temp.uid(who), day, due, status, claimed)
  returning id
$$;

create function pg_temp.row_of(who text, day date) returns companion.scheduled_messages
language sql stable as $$
  select * from companion.scheduled_messages where user_id = pg_temp.uid(who) and local_date = day
$$;

create function pg_temp.id_of(who text, day date) returns uuid
language sql stable as $$ select (pg_temp.row_of(who, day)).id $$;

-- Sets aside every pending and processing row (anyone else's): the claims and the lease below
-- see only this test's.
create function pg_temp.set_aside() returns text
language plpgsql as $$
begin
  update companion.scheduled_messages set status = 'skipped', failure_reason = 'set aside by a test'
   where status in ('pending', 'processing');
  return ok(not exists (select from companion.scheduled_messages where status in ('pending', 'processing')),
    'nothing else is pending or processing');
end
$$;

-- What each claim returned, by round, in order.
create temp table claimed (ord serial, round text not null, id uuid, user_id uuid, chat_id bigint, content text,
  display_name text, companion_name text, support_style text, local_date date);
grant select, insert on claimed to service_role;
grant usage on sequence claimed_ord_seq to service_role;

create function pg_temp.claim(round text, lim integer, at timestamptz) returns integer
language plpgsql as $$
declare
  n integer;
begin
  insert into claimed (round, id, user_id, chat_id, content, display_name, companion_name, support_style, local_date)
  select claim.round, c.id, c.user_id, c.chat_id, c.content, c.display_name, c.companion_name, c.support_style,
         c.local_date
    from companion.claim_scheduled_messages(lim, at) c;
  get diagnostics n = row_count;
  return n;
end
$$;

-- A round's claims, as (user label, local date), in the order returned.
create function pg_temp.round(round text) returns table (who text, local_date date)
language sql stable as $$
  select (select p.label from (values ('kolkata'), ('late'), ('c1'), ('c2'), ('c3'), ('c4'), ('paused'), ('unlinked')) p(label)
           where tests.get_supabase_uid(p.label) = c.user_id), c.local_date
    from claimed c where c.round = round.round order by c.ord
$$;

create function pg_temp.only_service_role_runs(fn name, args text[]) returns setof text
language plpgsql as $$
begin
  return next function_privs_are('companion', fn, args, 'anon', array[]::text[],
    format('anon cannot run companion.%s', fn));
  return next function_privs_are('companion', fn, args, 'authenticated', array[]::text[],
    format('authenticated cannot run companion.%s', fn));
  return next function_privs_are('companion', fn, args, 'service_role', array['EXECUTE'],
    format('the service role can run companion.%s', fn));
  return next isnt_definer('companion', fn, args, format('companion.%s is security invoker', fn));
end
$$;

-- ---------------------------------------------------------------------------------------------
-- the functions, and who may run them
-- ---------------------------------------------------------------------------------------------

select function_returns('companion', 'checkin_grace', array[]::text[], 'interval');
select function_returns('companion', 'checkin_local_date', array['timestamp with time zone', 'text'], 'date');
select function_returns('companion', 'checkin_slot', array['date', 'time without time zone', 'text'], 'timestamp with time zone');
select function_returns('companion', 'plan_daily_messages', array['timestamp with time zone'], 'integer');
select function_returns('companion', 'claim_scheduled_messages', array['integer', 'timestamp with time zone'], 'setof record');
select function_returns('companion', 'record_scheduled_message_sent',
  array['uuid', 'text', 'integer', 'timestamp with time zone'], 'jsonb');
select function_returns('companion', 'record_scheduled_message_failed',
  array['uuid', 'text', 'integer', 'boolean', 'timestamp with time zone'], 'jsonb');
select function_returns('companion', 'fail_stuck_scheduled_messages', array['interval', 'timestamp with time zone'], 'integer');
select function_returns('companion', 'expire_link_tokens', array['timestamp with time zone'], 'integer');
select function_returns('companion', 'prune_expired_user_context', array['timestamp with time zone'], 'integer');
select function_returns('companion', 'end_stale_conversations', array['timestamp with time zone'], 'integer');

select * from pg_temp.only_service_role_runs('checkin_grace', array[]::text[]);
select * from pg_temp.only_service_role_runs('checkin_local_date', array['timestamp with time zone', 'text']);
select * from pg_temp.only_service_role_runs('checkin_slot', array['date', 'time without time zone', 'text']);
select * from pg_temp.only_service_role_runs('plan_daily_messages', array['timestamp with time zone']);
select * from pg_temp.only_service_role_runs('claim_scheduled_messages', array['integer', 'timestamp with time zone']);
select * from pg_temp.only_service_role_runs('record_scheduled_message_sent',
  array['uuid', 'text', 'integer', 'timestamp with time zone']);
select * from pg_temp.only_service_role_runs('record_scheduled_message_failed',
  array['uuid', 'text', 'integer', 'boolean', 'timestamp with time zone']);
select * from pg_temp.only_service_role_runs('fail_stuck_scheduled_messages', array['interval', 'timestamp with time zone']);
select * from pg_temp.only_service_role_runs('expire_link_tokens', array['timestamp with time zone']);
select * from pg_temp.only_service_role_runs('prune_expired_user_context', array['timestamp with time zone']);
select * from pg_temp.only_service_role_runs('end_stale_conversations', array['timestamp with time zone']);

-- Kolkata: 09:00 in UTC+05:30, linked and onboarded (§7.3).
select * from pg_temp.person('kolkata', 'Asia/Kolkata', '09:00', 1);
-- New York: 09:00, across the DST change of 2026-03-08 (§7.3).
select * from pg_temp.person('ny', 'America/New_York', '09:00', 2);
-- 06:00 UTC: after 00:10 UTC, still to come.
select * from pg_temp.person('late', 'UTC', '06:00', 3);
-- Not planned: paused, not linked, not onboarded.
select * from pg_temp.person('paused', 'UTC', '06:00', 4, true, true);
select * from pg_temp.person('unlinked', 'UTC', '06:00', null);
select * from pg_temp.person('fresh', 'UTC', '06:00', 6, false);
-- For the grace window's edges: 10:00 and 09:59 UTC.
select * from pg_temp.person('edge', 'UTC', '10:00', 7);
select * from pg_temp.person('past_edge', 'UTC', '09:59', 8);
-- The claims' and reports' users, in UTC; not onboarded, so the planner leaves them to the test
-- (the claim does not look at onboarding).
select * from pg_temp.person('c1', 'UTC', '00:30', 9, false);
select * from pg_temp.person('c2', 'UTC', '01:31', 10, false);
select * from pg_temp.person('c3', 'UTC', '03:00', 11, false);
select * from pg_temp.person('c4', 'UTC', '03:20', 12, false);

select tests.authenticate_as('kolkata');
select throws_ok($$ select * from companion.claim_scheduled_messages(1) $$, '42501',
  'permission denied for function claim_scheduled_messages', 'a signed-in user cannot claim check-ins');
select tests.authenticate_as_anon();
select throws_ok($$ select companion.plan_daily_messages() $$, '42501',
  'permission denied for function plan_daily_messages', 'anon cannot plan check-ins');
select tests.clear_authentication();
select pg_temp.set_aside();

-- ---------------------------------------------------------------------------------------------
-- the slot rule (§7.3; rowgate-core's companion::checkin mirrors it, and the Rust test compares
-- thousands more cases)
-- ---------------------------------------------------------------------------------------------

select tests.authenticate_as_service_role();

select is(companion.checkin_grace(), interval '2 hours', 'a check-in may go out up to 2 hours after its time');
select is(companion.checkin_local_date('2026-03-10 00:10+00', 'Asia/Kolkata'), date '2026-03-10',
  'at 00:10 UTC it is already the 10th in Kolkata');
select is(companion.checkin_local_date('2026-03-10 00:10+00', 'America/New_York'), date '2026-03-09',
  'and still the 9th in New York');
select is(companion.checkin_slot('2026-03-10', '09:00', 'Asia/Kolkata'), timestamptz '2026-03-10 03:30+00',
  'Kolkata 09:00 on 2026-03-10 is 03:30 UTC');
select is(companion.checkin_slot('2026-03-07', '09:00', 'America/New_York'), timestamptz '2026-03-07 14:00+00',
  'New York 09:00 on 2026-03-07 (EST) is 14:00 UTC');
select is(companion.checkin_slot('2026-03-08', '09:00', 'America/New_York'), timestamptz '2026-03-08 13:00+00',
  'New York 09:00 on 2026-03-08 (DST begins) is 13:00 UTC');
select is(companion.checkin_slot('2026-03-08', '02:30', 'America/New_York'), timestamptz '2026-03-08 07:30+00',
  '02:30 in New York''s spring gap takes the offset before it (EST)');
select is(companion.checkin_slot('2026-11-01', '01:30', 'America/New_York'), timestamptz '2026-11-01 06:30+00',
  '01:30 in New York''s autumn fold is the later instant (EST)');

-- ---------------------------------------------------------------------------------------------
-- plan_daily_messages
-- ---------------------------------------------------------------------------------------------

create temp table planned_counts (at timestamptz primary key, returned integer, added bigint);
grant select, insert on planned_counts to service_role;

-- Runs the planner at `at`; says whether what it returned is what it added to the table.
create function pg_temp.plan(at timestamptz) returns text
language plpgsql as $$
declare
  v_before bigint := (select count(*) from companion.scheduled_messages);
  v_returned integer := companion.plan_daily_messages(at);
begin
  insert into planned_counts values (at, v_returned, (select count(*) from companion.scheduled_messages) - v_before);
  return ok(v_returned = (select count(*) from companion.scheduled_messages) - v_before,
    format('planning at %s returns how many rows it wrote (%s)', at, v_returned));
end
$$;

create function pg_temp.plans_of(who text) returns table (local_date date, scheduled_for timestamptz, status text)
language sql stable as $$
  select m.local_date, m.scheduled_for, m.status from companion.scheduled_messages m
   where m.user_id = pg_temp.uid(who) order by m.local_date
$$;

select pg_temp.plan('2026-03-10 00:10+00');
select results_eq(
  $$ select * from pg_temp.plans_of('kolkata') $$,
  $$ values ('2026-03-10'::date, '2026-03-10 03:30+00'::timestamptz, 'pending') $$,
  'Kolkata 09:00 planned at 00:10 UTC: scheduled_for 2026-03-10 03:30 UTC (§7.3)');
select results_eq(
  $$ select * from pg_temp.plans_of('late') $$,
  $$ values ('2026-03-10'::date, '2026-03-10 06:00+00'::timestamptz, 'pending') $$,
  'a slot still to come today is planned');
select is_empty($$ select * from pg_temp.plans_of('ny') $$,
  'New York''s day (the 9th) had its slot 11 hours ago: past the grace window, not planned');
select is_empty($$ select from companion.scheduled_messages
                    where user_id in (pg_temp.uid('paused'), pg_temp.uid('unlinked'), pg_temp.uid('fresh')) $$,
  'paused, unlinked and not onboarded users get no row (§7.3)');
select is(companion.plan_daily_messages('2026-03-10 00:10+00'), 0, 'planning again writes nothing (§7.3)');
select is((select count(*) from companion.scheduled_messages where user_id = pg_temp.uid('kolkata')), 1::bigint,
  'one row per eligible user');
select is(companion.plan_daily_messages('2026-03-10 00:40+00'), 0, 'nor does a later run the same day');

select pg_temp.plan('2026-03-07 12:00+00');
select pg_temp.plan('2026-03-08 12:00+00');
select results_eq(
  $$ select * from pg_temp.plans_of('ny') $$,
  $$ values ('2026-03-07'::date, '2026-03-07 14:00+00'::timestamptz, 'pending'),
            ('2026-03-08', '2026-03-08 13:00+00', 'pending') $$,
  'New York 09:00: 14:00 UTC on the 7th, 13:00 UTC on the 8th (DST starts) (§7.3)');

select pg_temp.plan('2026-03-11 12:00+00');
select results_eq(
  $$ select * from pg_temp.plans_of('edge') where local_date = '2026-03-11' $$,
  $$ values ('2026-03-11'::date, '2026-03-11 10:00+00'::timestamptz, 'pending') $$,
  'a slot exactly 2 hours past is still planned');
select is_empty($$ select * from pg_temp.plans_of('past_edge') where local_date = '2026-03-11' $$,
  'a slot 2 hours and a minute past is not');

-- ---------------------------------------------------------------------------------------------
-- claim_scheduled_messages
-- ---------------------------------------------------------------------------------------------

-- The rows of 2026-03-11 and New York's belong to the planner's test: out of the way.
select is(tests.rows_affected($$ update companion.scheduled_messages set status = 'skipped', failure_reason = 'done'
                                  where local_date <> '2026-03-10' and status = 'pending' $$),
  6::bigint, 'the planner''s other rows are set aside');

-- Check-ins of 2026-03-10 claimed at 03:31 UTC: c1's at 00:30 (2 h 1 min ago: missed), c2's at
-- 01:31 (exactly 2 h ago: in the window), c3's at 03:00, c4's at 03:20 (due); and one due each
-- for a paused and an unlinked user.
select isnt(pg_temp.check_in('c1', '2026-03-10', '2026-03-10 00:30+00'), null, 'a check-in past its window');
select isnt(pg_temp.check_in('c2', '2026-03-10', '2026-03-10 01:31+00'), null, 'one at the window''s edge');
select isnt(pg_temp.check_in('c3', '2026-03-10', '2026-03-10 03:00+00'), null, 'one due at 03:00');
select isnt(pg_temp.check_in('c4', '2026-03-10', '2026-03-10 03:20+00'), null, 'one due at 03:20');
select isnt(pg_temp.check_in('paused', '2026-03-10', '2026-03-10 03:00+00'), null, 'a due one of a paused user');
select isnt(pg_temp.check_in('unlinked', '2026-03-10', '2026-03-10 03:00+00'), null, 'a due one of an unlinked user');

select throws_ok($$ select * from companion.claim_scheduled_messages(0, '2026-03-10 03:31+00') $$, '22023',
  'p_limit must be at least 1, not 0', 'a limit below 1 is refused');
select throws_ok($$ select * from companion.claim_scheduled_messages(null, '2026-03-10 03:31+00') $$, '22023',
  'p_limit must be at least 1, not null', 'and no limit');

select is(pg_temp.claim('first', 2, '2026-03-10 03:31+00'), 2, 'a claim of 2 claims 2');
select results_eq($$ select * from pg_temp.round('first') $$,
  $$ values ('c2', '2026-03-10'::date), ('c3', '2026-03-10'::date) $$,
  'the oldest due ones, the one at the window''s edge first');
select results_eq(
  $$ select status, claimed_at from companion.scheduled_messages where id in (select id from claimed where round = 'first') $$,
  $$ values ('processing', '2026-03-10 03:31+00'::timestamptz), ('processing', '2026-03-10 03:31+00'::timestamptz) $$,
  'they are processing, claimed now');
select results_eq(
  $$ select (pg_temp.row_of('c1', '2026-03-10')).status, (pg_temp.row_of('c1', '2026-03-10')).failure_reason
     union all select (pg_temp.row_of('paused', '2026-03-10')).status, (pg_temp.row_of('paused', '2026-03-10')).failure_reason
     union all select (pg_temp.row_of('unlinked', '2026-03-10')).status, (pg_temp.row_of('unlinked', '2026-03-10')).failure_reason $$,
  $$ values ('skipped', 'missed window'), ('skipped', 'paused'), ('skipped', 'telegram not linked') $$,
  'in the same statement, the due ones that must not go out are skipped, whatever the limit');
select is((pg_temp.row_of('late', '2026-03-10')).status, 'pending', 'one not yet due stays pending');

select is(pg_temp.claim('second', 10, '2026-03-10 03:31+00'), 2, 'the next claim takes the rest that are due');
select results_eq($$ select * from pg_temp.round('second') $$,
  $$ values ('c4', '2026-03-10'::date), ('kolkata', '2026-03-10'::date) $$,
  'in order');
select results_eq(
  $$ select chat_id, content, display_name, companion_name, support_style, local_date from claimed
      where round = 'second' and user_id = pg_temp.uid('kolkata') $$,
  $$ values (pg_temp.tg(1), null::text, 'Kolkata', 'Aria', 'friendly_checkin', '2026-03-10'::date) $$,
  'each with the chat (the Telegram account), its content (none: the fallback) and what the fallback needs');
select is(pg_temp.claim('third', 10, '2026-03-10 03:31+00'), 0, 'then nothing is due');

-- ---------------------------------------------------------------------------------------------
-- record_scheduled_message_sent
-- ---------------------------------------------------------------------------------------------

-- Kolkata has an open telegram thread of her own from earlier.
insert into companion.conversations (user_id, channel, initiated_by, started_at)
values (pg_temp.uid('kolkata'), 'telegram', 'user', '2026-03-10 02:00+00');

create temp table sent (label text primary key, answer jsonb);
grant select, insert on sent to service_role;
create function pg_temp.sent(label text) returns jsonb
language sql stable as $$ select s.answer from sent s where s.label = sent.label $$;

insert into sent select 'kolkata', companion.record_scheduled_message_sent(pg_temp.id_of('kolkata', '2026-03-10'),
  E' Good morning, Kolkata! \n', 9001, '2026-03-10 03:31:05+00');
select results_eq($$ select pg_temp.sent('kolkata') ->> 'outcome', pg_temp.sent('kolkata') -> 'duplicate' $$,
  $$ values ('sent', 'false'::jsonb) $$, 'Telegram took it: recorded as sent');
select results_eq(
  $$ select channel, initiated_by, ended_at from companion.conversations
      where user_id = pg_temp.uid('kolkata') and started_at = '2026-03-10 02:00+00' $$,
  $$ values ('telegram', 'user', '2026-03-10 03:31:05+00'::timestamptz) $$,
  'her open telegram thread ends');
select results_eq(
  $$ select channel, initiated_by, started_at, ended_at, message_count from companion.conversations
      where id = (pg_temp.sent('kolkata') ->> 'conversation_id')::uuid $$,
  $$ values ('telegram', 'companion', '2026-03-10 03:31:05+00'::timestamptz, null::timestamptz, 1) $$,
  'the check-in starts the day''s thread: telegram, initiated by the companion (§7.3)');
select results_eq(
  $$ select role, content, telegram_message_id, conversation_id from companion.messages
      where id = (pg_temp.sent('kolkata') ->> 'message_id')::uuid $$,
  $$ values ('assistant', 'Good morning, Kolkata!', 9001, (pg_temp.sent('kolkata') ->> 'conversation_id')::uuid) $$,
  'with the text as an assistant message carrying Telegram''s message_id');
select results_eq(
  $$ select status, sent_at, conversation_id, content from companion.scheduled_messages
      where id = pg_temp.id_of('kolkata', '2026-03-10') $$,
  $$ values ('sent', '2026-03-10 03:31:05+00'::timestamptz, (pg_temp.sent('kolkata') ->> 'conversation_id')::uuid,
             'Good morning, Kolkata!') $$,
  'the check-in is sent, with its time, thread and text');
select results_eq(
  $$ select r -> 'duplicate', r ->> 'conversation_id'
       from companion.record_scheduled_message_sent(pg_temp.id_of('kolkata', '2026-03-10'), 'Again', 9002,
              '2026-03-10 03:32+00') r $$,
  $$ values ('true'::jsonb, pg_temp.sent('kolkata') ->> 'conversation_id') $$,
  'reporting it again is a duplicate');
select is((select count(*) from companion.messages m join companion.conversations c on c.id = m.conversation_id
            where c.user_id = pg_temp.uid('kolkata')), 1::bigint, 'and writes nothing');
select throws_ok(format($$ select companion.record_scheduled_message_sent(%L, 'Hi', 1) $$, pg_temp.id_of('late', '2026-03-10')),
  '55000', format('scheduled message %s is not being sent (status pending)', pg_temp.id_of('late', '2026-03-10')),
  'a row never claimed cannot be reported sent');
select throws_ok($$ select companion.record_scheduled_message_sent('00000000-0000-0000-0000-000000000000', 'Hi', 1) $$,
  'P0002', 'no scheduled message 00000000-0000-0000-0000-000000000000', 'nor an unknown one');
select throws_ok(format($$ select companion.record_scheduled_message_sent(%L, '  ', 1) $$, pg_temp.id_of('c3', '2026-03-10')),
  '22023', 'p_content cannot be blank', 'a blank text is refused');

-- ---------------------------------------------------------------------------------------------
-- record_scheduled_message_failed
-- ---------------------------------------------------------------------------------------------

-- 429 on c2's (01:31) at 03:40 (past its slot's window): back to pending 5 seconds on.
select results_eq(
  $$ select r ->> 'outcome', r ->> 'status', (r ->> 'scheduled_for')::timestamptz
       from companion.record_scheduled_message_failed(pg_temp.id_of('c2', '2026-03-10'), 'Too Many Requests: retry after 5',
              5, false, '2026-03-10 03:40+00') r $$,
  $$ values ('rescheduled', 'pending', '2026-03-10 03:40:05+00'::timestamptz) $$,
  '429 with retry_after 5: back to pending, due 5 seconds later (§7.3)');
select results_eq(
  $$ select status, scheduled_for, claimed_at, failure_reason from companion.scheduled_messages
      where id = pg_temp.id_of('c2', '2026-03-10') $$,
  $$ values ('pending', '2026-03-10 03:40:05+00'::timestamptz, null::timestamptz, null::text) $$,
  'its claim is cleared');
select is(pg_temp.claim('retry', 10, '2026-03-10 03:40:04+00'), 0, 'it is not due before then');
select is(pg_temp.claim('retry', 10, '2026-03-10 03:40:05+00'), 1,
  'and is claimed again then: the window runs from scheduled_for, so the retry is no missed window');
select results_eq($$ select * from pg_temp.round('retry') $$, $$ values ('c2', '2026-03-10'::date) $$, 'that one');

select results_eq(
  $$ select r ->> 'outcome', r ->> 'status'
       from companion.record_scheduled_message_failed(pg_temp.id_of('c4', '2026-03-10'), ' Too Many Requests ',
              80000, false, '2026-03-10 03:41+00') r $$,
  $$ values ('failed', 'failed') $$,
  'a 429 whose retry falls after the end of the check-in''s day fails');
select is((pg_temp.row_of('c4', '2026-03-10')).failure_reason,
  'Too Many Requests (rate limited past the end of the day)', 'saying so');

select isnt(pg_temp.check_in('c3', '2026-03-12', '2026-03-12 03:00+00'), null, 'a later check-in of c3''s');
select results_eq(
  $$ select r ->> 'outcome', r ->> 'status'
       from companion.record_scheduled_message_failed(pg_temp.id_of('c3', '2026-03-10'),
              'Forbidden: bot was blocked by the user', null, true, '2026-03-10 03:42+00') r $$,
  $$ values ('blocked', 'failed') $$,
  '403 blocked: failed (§7.3)');
select is((pg_temp.row_of('c3', '2026-03-10')).failure_reason, 'Forbidden: bot was blocked by the user',
  'with Telegram''s description');
select is((select preferences ->> 'daily_messages_paused' from companion.users where id = pg_temp.uid('c3')), 'true',
  'and the user is paused (§7.3)');
select results_eq(
  $$ select status, failure_reason from companion.scheduled_messages where id = pg_temp.id_of('c3', '2026-03-12') $$,
  $$ values ('skipped', 'paused') $$,
  'with their other pending check-ins skipped');

select results_eq(
  $$ select r ->> 'outcome', r ->> 'status'
       from companion.record_scheduled_message_failed(pg_temp.id_of('c2', '2026-03-10'), 'Bad Request: chat not found',
              null, false, '2026-03-10 03:43+00') r $$,
  $$ values ('failed', 'failed') $$,
  'any other error fails it');
select is((pg_temp.row_of('c2', '2026-03-10')).failure_reason, 'Bad Request: chat not found', 'with the reason');
select throws_ok(format($$ select companion.record_scheduled_message_failed(%L, 'again') $$, pg_temp.id_of('c2', '2026-03-10')),
  '55000', format('scheduled message %s is not being sent (status failed)', pg_temp.id_of('c2', '2026-03-10')),
  'only a processing row can be reported');
select throws_ok($$ select companion.record_scheduled_message_failed('00000000-0000-0000-0000-000000000000', 'x') $$,
  'P0002', 'no scheduled message 00000000-0000-0000-0000-000000000000', 'an unknown one cannot');
select throws_ok(format($$ select companion.record_scheduled_message_failed(%L, 'x', -1) $$, pg_temp.id_of('c2', '2026-03-10')),
  '22023', 'p_retry_after_s cannot be negative: -1', 'a negative retry_after is refused');

-- ---------------------------------------------------------------------------------------------
-- fail_stuck_scheduled_messages: the lease
-- ---------------------------------------------------------------------------------------------

select isnt(pg_temp.check_in('late', '2026-03-20', '2026-03-20 06:00+00', 'processing', '2026-03-20 06:00+00'), null,
  'a check-in claimed at 06:00');
select isnt(pg_temp.check_in('late', '2026-03-21', '2026-03-20 06:00+00', 'processing', '2026-03-20 06:06+00'), null,
  'one claimed at 06:06');
select throws_ok($$ select companion.fail_stuck_scheduled_messages('-1 minute', '2026-03-20 06:11+00') $$, '22023',
  'the lease cannot be negative: -00:01:00', 'a negative lease is refused');
select is(companion.fail_stuck_scheduled_messages(p_now => '2026-03-20 06:10+00'), 0,
  'at 06:10 neither is past its lease of 10 minutes');
select is(companion.fail_stuck_scheduled_messages(p_now => '2026-03-20 06:11+00'), 1,
  'at 06:11 the one claimed at 06:00 is');
select results_eq(
  $$ select local_date, status, failure_reason from companion.scheduled_messages
      where user_id = pg_temp.uid('late') and local_date >= '2026-03-20' order by local_date $$,
  $$ values ('2026-03-20'::date, 'failed', 'unknown outcome'), ('2026-03-21', 'processing', null) $$,
  'it fails with an unknown outcome, never to be sent again (§7.3); the other is still being sent');
select is(pg_temp.claim('after-lease', 10, '2026-03-20 06:12+00'), 0, 'no claim takes it again');
select is(companion.fail_stuck_scheduled_messages(p_now => '2026-03-20 06:11+00'), 0, 'failing again finds nothing');
select is(companion.record_scheduled_message_sent(pg_temp.id_of('late', '2026-03-20'), 'Morning!', 7001,
    '2026-03-20 06:12+00') ->> 'outcome', 'sent',
  'a late report that Telegram took it is still recorded (the message_id proves it went out)');
select results_eq(
  $$ select status, failure_reason, sent_at from companion.scheduled_messages where id = pg_temp.id_of('late', '2026-03-20') $$,
  $$ values ('sent', null::text, '2026-03-20 06:12+00'::timestamptz) $$,
  'the row is sent');
select is(companion.fail_stuck_scheduled_messages('1 minute', '2026-03-20 06:11+00'), 1, 'a shorter lease fails the other');

-- ---------------------------------------------------------------------------------------------
-- housekeeping
-- ---------------------------------------------------------------------------------------------

-- expire_link_tokens at 2026-06-01 12:00: used, expired two days ago, expired an hour ago, valid.
insert into companion.telegram_link_tokens (user_id, token, expires_at, used_at) values
  (pg_temp.uid('fresh'), 'pgtapUsedToken0000000000000000000000000000', '2026-06-01 12:10+00', '2026-06-01 11:58+00'),
  (pg_temp.uid('fresh'), 'pgtapOldToken00000000000000000000000000000', '2026-05-30 12:00+00', null),
  (pg_temp.uid('fresh'), 'pgtapRecentToken00000000000000000000000000', '2026-06-01 11:00+00', null),
  (pg_temp.uid('fresh'), 'pgtapLiveToken000000000000000000000000000', '2026-06-01 12:10+00', null);
select is(companion.expire_link_tokens('2026-06-01 12:00+00'),
  (select count(*)::integer from companion.telegram_link_tokens
    where used_at is not null or expires_at < timestamptz '2026-06-01 12:00+00' - interval '1 day'),
  'expire_link_tokens reports the tokens it deleted');
select results_eq(
  $$ select token from companion.telegram_link_tokens where user_id = pg_temp.uid('fresh') order by token $$,
  $$ values ('pgtapLiveToken000000000000000000000000000'), ('pgtapRecentToken00000000000000000000000000') $$,
  'used tokens and those expired more than a day ago are deleted; the rest stay');
select is(companion.expire_link_tokens('2026-06-01 12:00+00'), 0, 'a second run deletes nothing');

insert into companion.user_context (user_id, category, key, value, expires_at) values
  (pg_temp.uid('fresh'), 'event', 'interview', 'Tuesday', '2026-06-01 11:59+00'),
  (pg_temp.uid('fresh'), 'event', 'holiday', 'in July', '2026-07-01 00:00+00'),
  (pg_temp.uid('fresh'), 'fact', 'job', 'engineer', null);
select is(companion.prune_expired_user_context('2026-06-01 12:00+00'),
  (select count(*)::integer from companion.user_context where expires_at < '2026-06-01 12:00+00'),
  'prune_expired_user_context reports the memories it deleted');
select results_eq(
  $$ select key from companion.user_context where user_id = pg_temp.uid('fresh') order by key $$,
  $$ values ('holiday'), ('job') $$,
  'the expired memory is gone; one expiring later and a permanent one stay');
select is(companion.prune_expired_user_context('2026-06-01 12:00+00'), 0, 'a second run deletes nothing');

insert into companion.conversations (user_id, channel, initiated_by, started_at, ended_at) values
  (pg_temp.uid('fresh'), 'telegram', 'user', '2026-05-31 11:00+00', null),
  (pg_temp.uid('fresh'), 'web', 'user', '2026-05-31 13:00+00', null),
  (pg_temp.uid('fresh'), 'telegram', 'companion', '2026-05-30 09:00+00', '2026-05-30 10:00+00');
select is(companion.end_stale_conversations('2026-06-01 12:00+00'),
  (select count(*)::integer from companion.conversations
    where ended_at is null and started_at < timestamptz '2026-06-01 12:00+00' - interval '24 hours'),
  'end_stale_conversations reports the threads it ended');
select results_eq(
  $$ select channel, started_at, ended_at from companion.conversations where user_id = pg_temp.uid('fresh') order by started_at $$,
  $$ values ('telegram', '2026-05-30 09:00+00'::timestamptz, '2026-05-30 10:00+00'::timestamptz),
            ('telegram', '2026-05-31 11:00+00', '2026-06-01 12:00+00'),
            ('web', '2026-05-31 13:00+00', null) $$,
  'the open thread started 25 hours ago ends now; one started 23 hours ago and an ended one are left');
select is(companion.end_stale_conversations('2026-06-01 12:00+00'), 0, 'a second run ends nothing');

-- ---------------------------------------------------------------------------------------------
-- the cron jobs (§3)
-- ---------------------------------------------------------------------------------------------

select tests.clear_authentication();
select results_eq(
  $$ select jobname::text collate "default", schedule, command, database, username::text collate "default", active
       from cron.job where jobname like 'companion-%' order by jobname $$,
  $$ values
       ('companion-end-stale-conversations', '10 * * * *', 'select companion.end_stale_conversations()', 'postgres', 'postgres', true),
       ('companion-expire-link-tokens', '0 * * * *', 'select companion.expire_link_tokens()', 'postgres', 'postgres', true),
       ('companion-fail-stuck-messages', '*/5 * * * *', 'select companion.fail_stuck_scheduled_messages()', 'postgres', 'postgres', true),
       ('companion-plan-daily-messages', '*/15 * * * *', 'select companion.plan_daily_messages()', 'postgres', 'postgres', true),
       ('companion-prune-user-context', '30 3 * * *', 'select companion.prune_expired_user_context()', 'postgres', 'postgres', true) $$,
  'the five companion jobs, with their schedules and commands, run as postgres in database postgres');

select lives_ok((select command from cron.job where jobname = 'companion-plan-daily-messages'),
  'companion-plan-daily-messages''s command runs');
select lives_ok((select command from cron.job where jobname = 'companion-fail-stuck-messages'),
  'companion-fail-stuck-messages''s command runs');
select lives_ok((select command from cron.job where jobname = 'companion-expire-link-tokens'),
  'companion-expire-link-tokens''s command runs');
select lives_ok((select command from cron.job where jobname = 'companion-prune-user-context'),
  'companion-prune-user-context''s command runs');
select lives_ok((select command from cron.job where jobname = 'companion-end-stale-conversations'),
  'companion-end-stale-conversations''s command runs');

select is(cron.schedule('companion-plan-daily-messages', '*/15 * * * *', 'select companion.plan_daily_messages()'),
  (select jobid from cron.job where jobname = 'companion-plan-daily-messages'),
  'scheduling companion-plan-daily-messages again (re-running the migration) returns the existing job');
select is(cron.schedule('companion-fail-stuck-messages', '*/5 * * * *', 'select companion.fail_stuck_scheduled_messages()'),
  (select jobid from cron.job where jobname = 'companion-fail-stuck-messages'),
  'so does companion-fail-stuck-messages');
select is(cron.schedule('companion-expire-link-tokens', '0 * * * *', 'select companion.expire_link_tokens()'),
  (select jobid from cron.job where jobname = 'companion-expire-link-tokens'),
  'so does companion-expire-link-tokens');
select is(cron.schedule('companion-prune-user-context', '30 3 * * *', 'select companion.prune_expired_user_context()'),
  (select jobid from cron.job where jobname = 'companion-prune-user-context'),
  'so does companion-prune-user-context');
select is(cron.schedule('companion-end-stale-conversations', '10 * * * *', 'select companion.end_stale_conversations()'),
  (select jobid from cron.job where jobname = 'companion-end-stale-conversations'),
  'so does companion-end-stale-conversations');
select is((select count(*) from cron.job where jobname like 'companion-%'), 5::bigint,
  'and there are still five companion jobs, one of each name');

select * from finish();
rollback;
