-- Who may touch what in companion (specification §5, C1, C2, C4, C5, C14; §7 checks 2, 4 and 5).
-- A signed-in user reads only their own rows in the six user tables, messages through their own
-- conversations; writes only the columns §5 lists (never subscription, usage, onboarding
-- completion or the telegram_* link), web conversations started by themselves, user messages
-- only, and memories that are 'manual'; the link tokens are nobody's but the service role's.
-- The profile is made on first use by ensure_profile() (no trigger on auth.users), onboarding
-- completed by complete_onboarding(), the Telegram link made and undone through
-- create_telegram_link_token() and unlink_telegram(). anon is refused everything; the service
-- role may neither write updated_at nor change id and created_at. Everything is rolled back.
begin;
select plan(225);

-- ---------------------------------------------------------------------------------------------
-- helpers for this file only, in pg_temp so that they vanish with the session (the shared ones
-- are tests.*, installed by 000_setup_test_helpers)
-- ---------------------------------------------------------------------------------------------

-- A row id of this run's own, known before the row is written.
create function pg_temp.id(label text) returns uuid
language sql stable as $$ select md5(format('pgtap-32-%s-%s', label, txid_current()))::uuid $$;

-- Acting as a signed-in user whose token carries an email claim, as PostgREST would set it. A
-- null email leaves the claim out; a null label acts as authenticated with no user id at all.
create function pg_temp.act_with_email(label text, email text) returns text
language plpgsql as $$
declare
  v_uid uuid := case when label is null then null else tests.get_supabase_uid(label) end;
begin
  perform set_config('role', 'authenticated', true);
  perform set_config('request.jwt.claims',
    jsonb_strip_nulls(jsonb_build_object('sub', v_uid, 'role', 'authenticated', 'email', email))::text, true);
  return ok(current_user = 'authenticated' and auth.uid() is not distinct from v_uid
              and auth.jwt() ->> 'email' is not distinct from email,
    format('acting as %s (authenticated) with %s', coalesce(label, 'no user id'), coalesce('email ' || email, 'no email')));
end
$$;

-- The ids a statement returns, sorted, against the expected ones.
create function pg_temp.sees(statement text, expected uuid[], description text) returns text
language sql as $$
  select results_eq(format('select id from (%s) s order by id', statement),
                    format('select unnest(%L::uuid[]) as id order by id', expected), description)
$$;

-- The 7 tables, and the six a signed-in user reads.
create function pg_temp.all_tables() returns setof name
language sql immutable as $$
  select unnest(array['users', 'onboarding', 'conversations', 'messages', 'user_context', 'scheduled_messages',
    'telegram_link_tokens']::name[])
$$;
create function pg_temp.user_tables() returns setof name
language sql immutable as $$
  select unnest(array['users', 'onboarding', 'conversations', 'messages', 'user_context', 'scheduled_messages']::name[])
$$;

-- ---------------------------------------------------------------------------------------------
-- grants: anon nothing; authenticated reads its six tables and writes only the listed columns;
-- the link tokens are the service role's alone
-- ---------------------------------------------------------------------------------------------

select table_privs_are('companion', t, 'anon', array[]::text[], format('anon has no privilege on companion.%s', t))
  from pg_temp.all_tables() t;
select is_empty(
  $$ select t from pg_temp.all_tables() t
      where has_any_column_privilege('anon', 'companion.' || t, 'SELECT, INSERT, UPDATE, REFERENCES') $$,
  'anon has no privilege on any column of any table');
select table_privs_are('companion', t, 'authenticated', p,
         format('authenticated has %s on companion.%s at table level', coalesce(nullif(array_to_string(p, ' and '), ''), 'nothing'), t))
  from (values ('users', array['SELECT']), ('onboarding', array['SELECT']), ('conversations', array['SELECT']),
               ('messages', array['SELECT']), ('user_context', array['SELECT', 'DELETE']),
               ('scheduled_messages', array['SELECT']), ('telegram_link_tokens', array[]::text[])) as x(t, p);
select ok(not has_any_column_privilege('authenticated', 'companion.telegram_link_tokens', 'SELECT, INSERT, UPDATE, REFERENCES'),
  'authenticated has no privilege on any column of telegram_link_tokens: the tokens are bearer secrets (§7.2)');
-- What authenticated may write, column by column (C2).
select results_eq(
  $$ select format('%s %s: %s', c.relname, p.priv,
                   string_agg(a.attname::text, ', ' order by a.attnum)) collate "default"
       from pg_class c join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
            cross join unnest(array['INSERT', 'UPDATE']) p(priv)
      where c.relnamespace = 'companion'::regnamespace and c.relkind = 'r'
        and has_column_privilege('authenticated', c.oid, a.attnum, p.priv)
      group by c.relname, p.priv order by 1 $$,
  array['conversations INSERT: id, user_id, channel, initiated_by, started_at, ended_at, mood_summary, topics',
        'conversations UPDATE: ended_at, mood_summary, topics',
        'messages INSERT: id, conversation_id, role, content',
        'messages UPDATE: conversation_id, role, content',
        'onboarding INSERT: id, user_id, current_step, data',
        'onboarding UPDATE: current_step, data',
        'user_context INSERT: id, user_id, category, key, value, importance_score, emotional_valence, expires_at',
        'user_context UPDATE: category, key, value, importance_score, emotional_valence, expires_at',
        'users INSERT: id, email, display_name, companion_name, timezone, preferred_message_time, support_style, location, preferences',
        'users UPDATE: display_name, companion_name, timezone, preferred_message_time, support_style, location, preferences'],
  'authenticated writes exactly these columns (messages'' update grant meets no policy: 0 rows, below)');

-- The service role: every row, but not the columns the database keeps.
select table_privs_are('companion', t, 'service_role', array['SELECT', 'DELETE'],
         format('the service role reads and deletes companion.%s at table level (it writes column by column)', t))
  from pg_temp.all_tables() t;
select is_empty(
  $$ select c.relname || '.' || a.attname from pg_class c join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
      where c.relnamespace = 'companion'::regnamespace and c.relkind = 'r'
        and has_column_privilege('service_role', c.oid, a.attnum, 'INSERT') <> (a.attname <> 'updated_at') $$,
  'the service role may insert every column but updated_at');
select is_empty(
  $$ select c.relname || '.' || a.attname from pg_class c join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
      where c.relnamespace = 'companion'::regnamespace and c.relkind = 'r'
        and has_column_privilege('service_role', c.oid, a.attnum, 'UPDATE') <> (a.attname not in ('id', 'created_at', 'updated_at')) $$,
  'the service role may update every column but id, created_at and updated_at');

-- ---------------------------------------------------------------------------------------------
-- policies: per command (C2), named as sentences, for authenticated only, reading through
-- (select auth.uid()) (C1)
-- ---------------------------------------------------------------------------------------------

select policies_are('companion', 'users', array['Users can read their own profile', 'Users can create their own profile',
  'Users can change their own profile']);
select policies_are('companion', 'onboarding', array['Users can read their onboarding', 'Users can start their onboarding',
  'Users can change their onboarding']);
select policies_are('companion', 'conversations', array['Users can read their conversations',
  'Users can start their web conversations', 'Users can end their conversations']);
select policies_are('companion', 'messages', array['Users can read the messages of their conversations',
  'Users can write their own messages in their conversations']);
select policies_are('companion', 'user_context', array['Users can read what the companion remembers about them',
  'Users can add to what the companion remembers about them', 'Users can change what the companion remembers about them',
  'Users can delete what the companion remembers about them']);
select policies_are('companion', 'scheduled_messages', array['Users can read their check-ins']);
select policies_are('companion', 'telegram_link_tokens', array[]::name[],
  'telegram_link_tokens has no policy: no API role but the service role reaches it');
select is_empty(
  $$ select tablename || ': ' || policyname from pg_policies
      where schemaname = 'companion' and (roles <> array['authenticated']::name[] or permissive <> 'PERMISSIVE' or cmd = 'ALL') $$,
  'every companion policy is a permissive policy for authenticated only, for one command (no FOR ALL, C2)');
select is_empty(
  $$ select tablename || ': ' || policyname from pg_policies
      where schemaname = 'companion'
        and (coalesce(qual, with_check) not like '%( SELECT auth.uid() AS uid)%'
          or (cmd = 'UPDATE' and (qual is null or with_check is null))
          or coalesce(qual, '') ~ 'auth\.uid\(\)(?! AS uid\))'
          or coalesce(with_check, '') ~ 'auth\.uid\(\)(?! AS uid\))') $$,
  'every policy reads auth.uid() once per statement, through (select auth.uid()) (C1), and every update policy checks both the old and the new row');
select results_eq(
  $$ select tablename::text collate "default", cmd collate "default" from pg_policies where schemaname = 'companion' and cmd <> 'SELECT' order by 1, 2 $$,
  $$ values ('conversations', 'INSERT'), ('conversations', 'UPDATE'), ('messages', 'INSERT'), ('onboarding', 'INSERT'),
            ('onboarding', 'UPDATE'), ('user_context', 'DELETE'), ('user_context', 'INSERT'), ('user_context', 'UPDATE'),
            ('users', 'INSERT'), ('users', 'UPDATE') $$,
  'users write only these: no update or delete of messages, no delete of profiles, conversations or onboarding');

-- ---------------------------------------------------------------------------------------------
-- the functions: who may run them, as whom, with which search path
-- ---------------------------------------------------------------------------------------------

select function_privs_are('companion', f, args, r, case when r = any (allowed) then array['EXECUTE'] else array[]::text[] end,
         format('%s %s run companion.%s', r, case when r = any (allowed) then 'may' else 'may not' end, f))
  from (values ('ensure_profile', array[]::text[], array['authenticated', 'service_role']),
               ('complete_onboarding', array[]::text[], array['authenticated', 'service_role']),
               ('create_telegram_link_token', array[]::text[], array['authenticated', 'service_role']),
               ('unlink_telegram', array[]::text[], array['authenticated', 'service_role']),
               ('write_records', array['text', 'jsonb', 'text[]'], array['authenticated', 'service_role']),
               ('ingest', array['text', 'text', 'jsonb', 'text[]'], array['service_role'])) as f(f, args, allowed),
       unnest(array['anon', 'authenticated', 'service_role']) as r;
select is_empty(
  $$ select p.oid::regprocedure::text from pg_proc p, aclexplode(p.proacl) x
      where p.oid in ('companion.ensure_profile()'::regprocedure, 'companion.complete_onboarding()'::regprocedure,
                      'companion.create_telegram_link_token()'::regprocedure, 'companion.unlink_telegram()'::regprocedure,
                      'companion.write_records(text, jsonb, text[])'::regprocedure,
                      'companion.ingest(text, text, jsonb, text[])'::regprocedure,
                      'companion.jwt_email()'::regprocedure, 'companion.default_context_source()'::regprocedure)
        and x.grantee = 0 $$,
  'none of them, nor the defaults'' functions, is executable by public');
select isnt_definer('companion', 'ensure_profile', array[]::text[],
  'ensure_profile is security invoker: it inserts under the caller''s grants and policy (C5)');
select is_definer('companion', f, array[]::text[], format('%s is security definer: it writes what the caller may not', f))
  from unnest(array['complete_onboarding', 'create_telegram_link_token', 'unlink_telegram']) f;
select is_empty(
  $$ select p.proname::text from pg_proc p
      where p.oid in ('companion.ensure_profile()'::regprocedure, 'companion.complete_onboarding()'::regprocedure,
                      'companion.create_telegram_link_token()'::regprocedure, 'companion.unlink_telegram()'::regprocedure,
                      'companion.write_records(text, jsonb, text[])'::regprocedure,
                      'companion.ingest(text, text, jsonb, text[])'::regprocedure,
                      'companion.jwt_email()'::regprocedure, 'companion.default_context_source()'::regprocedure,
                      'companion.set_updated_at()'::regprocedure, 'companion.check_timezone()'::regprocedure,
                      'companion.bump_conversation()'::regprocedure)
        and not coalesce(p.proconfig @> array['search_path=""'], false) $$,
  'each of them, and the trigger functions, sets an empty search_path');

-- §7 check 5, C5: no trigger on auth.users calls a companion function.
select is(
  (select count(*) from pg_trigger t join pg_proc p on p.oid = t.tgfoid join pg_namespace n on n.oid = p.pronamespace
    where t.tgrelid = 'auth.users'::regclass and n.nspname = 'companion'),
  0::bigint,
  'no trigger on auth.users calls a companion function: a sign-up of any app makes no companion profile (C5)');

-- ---------------------------------------------------------------------------------------------
-- ensure_profile (§7 check 5): the profile on first use, once, with the token's email
-- ---------------------------------------------------------------------------------------------

select tests.create_supabase_user('a');
select tests.create_supabase_user('b');
select tests.create_supabase_user('stranger');
select tests.create_supabase_user('newcomer');
select is_empty(
  format('select id from companion.users where id in (%L, %L)', tests.get_supabase_uid('a'), tests.get_supabase_uid('b')),
  'signing up made no companion profile');

select pg_temp.act_with_email('a', ' Ann.Lee@Rowgate.TEST ');
select is((companion.ensure_profile()).id, tests.get_supabase_uid('a'), 'A''s first call makes A''s profile and returns it');
select results_eq(
  $$ select p.id, p.email::text, p.companion_name, p.timezone, p.subscription_status from companion.ensure_profile() p $$,
  format($$ values (%L::uuid, 'ann.lee@rowgate.test', 'Aria', 'America/New_York', 'free') $$, tests.get_supabase_uid('a')),
  'a second call returns the same profile: the token''s email, trimmed and lower-cased, and the defaults');
select is((select count(*) from companion.users), 1::bigint, 'A has exactly one profile, and sees only it');
select pg_temp.act_with_email('b', 'not an email');
select is((select p.email::text from companion.ensure_profile() p), null,
  'B''s token carries no valid email: the profile is made without one');
select pg_temp.act_with_email(null, 'x@rowgate.test');
select throws_ok($$ select companion.ensure_profile() $$, '42501', 'ensure_profile needs a signed-in user',
  'without auth.uid() ensure_profile is refused (42501)');
select tests.authenticate_as_anon();
select throws_ok($$ select companion.ensure_profile() $$, '42501', 'permission denied for function ensure_profile',
  'anon cannot run it');
select tests.clear_authentication();
select is((select count(*) from companion.users where id in (tests.get_supabase_uid('a'), tests.get_supabase_uid('b'))),
  2::bigint, 'A and B have one profile each');

-- A profile is the caller's, with the token's email, or nothing.
select pg_temp.act_with_email('stranger', 'stranger@rowgate.test');
select throws_ok(format('insert into companion.users (id) values (%L)', tests.get_supabase_uid('a')), '42501',
  'new row violates row-level security policy for table "users"', 'a user cannot make a profile for someone else');
select throws_ok(format('insert into companion.users (id, email) values (%L, %L)', tests.get_supabase_uid('stranger'), 'ceo@rowgate.test'),
  '42501', 'new row violates row-level security policy for table "users"',
  'nor give their profile an email that is not the token''s (C14)');
select throws_ok(format('insert into companion.users (id, subscription_status) values (%L, %L)', tests.get_supabase_uid('stranger'), 'premium'),
  '42501', 'permission denied for table users', 'nor start as premium');

-- ---------------------------------------------------------------------------------------------
-- A's rows through the client's own doors; B's and the backend's by the owner
-- ---------------------------------------------------------------------------------------------

select pg_temp.act_with_email('a', 'ann.lee@rowgate.test');
select lives_ok(
  format($$ insert into companion.onboarding (id, current_step, data) values (%L, 'goals', '{"name": "Ann"}') $$, pg_temp.id('oA')),
  'A starts A''s onboarding (user_id is the caller by default)');
select lives_ok(
  format($$ insert into companion.conversations (id) values (%L) $$, pg_temp.id('cA')),
  'A starts a web conversation');
select lives_ok(
  format($$ insert into companion.messages (id, conversation_id, role, content) values (%L, %L, 'user', 'Hi Aria') $$,
         pg_temp.id('mA'), pg_temp.id('cA')),
  'A writes a user message in it');
select lives_ok(
  format($$ insert into companion.user_context (id, category, key, value) values (%L, 'fact', 'job', 'teacher') $$, pg_temp.id('xA')),
  'A adds a memory');
select results_eq(
  format($$ select user_id, source from companion.user_context where id = %L $$, pg_temp.id('xA')),
  format($$ values (%L::uuid, 'manual') $$, tests.get_supabase_uid('a')),
  'it is A''s, and manual');
select tests.clear_authentication();

select lives_ok(
  format($$ insert into companion.onboarding (id, user_id) values (%L, %L) $$, pg_temp.id('oB'), tests.get_supabase_uid('b')),
  'B has an onboarding');
select lives_ok(
  format($$ insert into companion.conversations (id, user_id, channel, initiated_by) values (%L, %L, 'web', 'user'),
            (%L, %L, 'telegram', 'companion'), (%L, %L, 'telegram', 'companion') $$,
         pg_temp.id('cB'), tests.get_supabase_uid('b'), pg_temp.id('cB2'), tests.get_supabase_uid('b'),
         pg_temp.id('cAt'), tests.get_supabase_uid('a')),
  'B has a web and a telegram conversation; the backend starts a telegram check-in thread for A');
select lives_ok(
  format($$ insert into companion.messages (id, conversation_id, role, content) values (%L, %L, 'user', 'Hi'), (%L, %L, 'assistant', 'Good morning, Ann'),
            (%L, %L, 'assistant', 'Good morning, Bob') $$,
         pg_temp.id('mB'), pg_temp.id('cB'), pg_temp.id('mAt'), pg_temp.id('cAt'), pg_temp.id('mB2'), pg_temp.id('cB2')),
  'with their messages');
select lives_ok(
  format($$ insert into companion.user_context (id, user_id, category, key, value) values (%L, %L, 'fact', 'job', 'nurse'),
            (%L, %L, 'goal', 'sleep', 'eight hours') $$,
         pg_temp.id('xB'), tests.get_supabase_uid('b'), pg_temp.id('xAe'), tests.get_supabase_uid('a')),
  'the backend remembers something of each');
select is((select source from companion.user_context where id = pg_temp.id('xAe')), 'extracted',
  'what the backend adds is extracted');
select lives_ok(
  format($$ insert into companion.scheduled_messages (id, user_id, scheduled_for, local_date, status, sent_at, conversation_id)
            values (%L, %L, '2026-03-10 14:00+00', '2026-03-10', 'sent', '2026-03-10 14:00+00', %L),
                   (%L, %L, '2026-03-10 14:00+00', '2026-03-10', 'pending', null, null) $$,
         pg_temp.id('sA'), tests.get_supabase_uid('a'), pg_temp.id('cAt'), pg_temp.id('sB'), tests.get_supabase_uid('b')),
  'each has a check-in');

-- ---------------------------------------------------------------------------------------------
-- A sees exactly A's rows (§7 check 4)
-- ---------------------------------------------------------------------------------------------

select tests.authenticate_as('a');
select pg_temp.sees('select id from companion.users', array[tests.get_supabase_uid('a')], 'A sees only A''s profile');
select pg_temp.sees('select id from companion.onboarding', array[pg_temp.id('oA')], 'A sees only A''s onboarding');
select pg_temp.sees('select id from companion.conversations', array[pg_temp.id('cA'), pg_temp.id('cAt')],
  'A sees only A''s conversations, the backend''s telegram one too');
select pg_temp.sees('select id from companion.messages', array[pg_temp.id('mA'), pg_temp.id('mAt')],
  'A sees only the messages of A''s conversations, the assistant''s too');
select pg_temp.sees('select id from companion.user_context', array[pg_temp.id('xA'), pg_temp.id('xAe')],
  'A sees only what the companion remembers of A');
select pg_temp.sees('select id from companion.scheduled_messages', array[pg_temp.id('sA')], 'A sees only A''s check-ins');
select throws_ok('select * from companion.telegram_link_tokens', '42501', 'permission denied for table telegram_link_tokens',
  'A cannot read the link tokens (§7 check 2)');

select tests.authenticate_as('b');
select pg_temp.sees('select id from companion.messages', array[pg_temp.id('mB'), pg_temp.id('mB2')], 'B sees only B''s messages');
select pg_temp.sees('select id from companion.user_context', array[pg_temp.id('xB')], 'B sees only B''s memories');

select tests.authenticate_as('stranger');
select is(
  (select count(*) from companion.users) + (select count(*) from companion.onboarding) + (select count(*) from companion.conversations)
    + (select count(*) from companion.messages) + (select count(*) from companion.user_context)
    + (select count(*) from companion.scheduled_messages),
  0::bigint,
  'a signed-in user without a profile sees nothing');

-- ---------------------------------------------------------------------------------------------
-- users: A changes only the listed columns of A's own profile (C2)
-- ---------------------------------------------------------------------------------------------

select tests.authenticate_as('a');
select is(
  tests.rows_affected($$ update companion.users
                            set display_name = 'Ann', companion_name = 'Sol', timezone = 'Europe/Brussels',
                                preferred_message_time = '08:30', support_style = 'listener', location = 'Brussels',
                                preferences = '{"daily_messages_paused": true}' $$),
  1::bigint,
  'A changes every column §5 lists, on A''s profile only');
select throws_ok(format('update companion.users set %I = %s', c, v), '42501', 'permission denied for table users',
         format('A cannot change users.%s', c))
  from (values ('subscription_status', '''premium'''), ('subscription_expires_at', 'now()'),
               ('onboarding_completed_at', 'now()'), ('telegram_user_id', '999'), ('telegram_username', '''eve'''),
               ('telegram_linked_at', 'now()'), ('whatsapp_number', '''+14155550123'''), ('whatsapp_linked_at', 'now()'),
               ('flux_generations_used', '0'), ('flux_generations_reset_at', 'now()'), ('messages_sent_count', '0'),
               ('messages_reset_at', 'now()'), ('lemonsqueezy_customer_id', '''x'''),
               ('lemonsqueezy_subscription_id', '''x'''), ('email', '''ann@rowgate.test'''), ('id', 'id'),
               ('created_at', 'now()'), ('updated_at', 'now()')) as x(c, v);
select is(tests.rows_affected(format('update companion.users set display_name = %L where id = %L', 'Hacked', tests.get_supabase_uid('b'))),
  0::bigint, 'A cannot change B''s profile');
select throws_ok('delete from companion.users', '42501', 'permission denied for table users',
  'A cannot delete a profile (deleting the Auth user does)');

-- ---------------------------------------------------------------------------------------------
-- onboarding, conversations, messages
-- ---------------------------------------------------------------------------------------------

select is(tests.rows_affected($$ update companion.onboarding set current_step = 'style', data = '{"name": "Ann", "style": "listener"}' $$),
  1::bigint, 'A moves A''s onboarding on');
select throws_ok('update companion.onboarding set completed_at = now(), current_step = ''complete''', '42501',
  'permission denied for table onboarding', 'A cannot complete onboarding but through complete_onboarding');
select is(tests.rows_affected(format('update companion.onboarding set current_step = %L where id = %L', 'x', pg_temp.id('oB'))),
  0::bigint, 'A cannot change B''s onboarding');
select throws_ok(format('insert into companion.onboarding (user_id) values (%L)', tests.get_supabase_uid('b')), '42501',
  'new row violates row-level security policy for table "onboarding"', 'A cannot start onboarding for B');

select throws_ok($$ insert into companion.conversations (channel) values ('telegram') $$, '42501',
  'new row violates row-level security policy for table "conversations"', 'A cannot start a telegram conversation');
select throws_ok($$ insert into companion.conversations (initiated_by) values ('companion') $$, '42501',
  'new row violates row-level security policy for table "conversations"', 'A cannot start a conversation as the companion');
select throws_ok(format($$ insert into companion.conversations (user_id) values (%L) $$, tests.get_supabase_uid('b')), '42501',
  'new row violates row-level security policy for table "conversations"', 'A cannot start a conversation for B');
select is(tests.rows_affected(format($$ update companion.conversations set ended_at = now(), mood_summary = 'calm', topics = '["work"]' where id = %L $$, pg_temp.id('cA'))),
  1::bigint, 'A ends A''s conversation with a mood summary and its topics');
select is(tests.rows_affected(format($$ update companion.conversations set ended_at = now() where id = %L $$, pg_temp.id('cB'))),
  0::bigint, 'A cannot end B''s');
select throws_ok($$ update companion.conversations set message_count = 0 $$, '42501', 'permission denied for table conversations',
  'A cannot change a message count');
select throws_ok($$ update companion.conversations set started_at = now() $$, '42501', 'permission denied for table conversations',
  'nor when it started');

select throws_ok(
  format($$ insert into companion.messages (conversation_id, role, content) values (%L, 'user', 'Hello from A') $$, pg_temp.id('cB')),
  '42501', 'new row violates row-level security policy for table "messages"',
  'A cannot write a message into B''s conversation (§7 check 4)');
select throws_ok(
  format($$ insert into companion.messages (conversation_id, role, content) values (%L, 'assistant', 'I am the AI') $$, pg_temp.id('cAt')),
  '42501', 'new row violates row-level security policy for table "messages"',
  'A cannot write an assistant message, even in A''s own conversation (§7 check 4)');
select throws_ok(
  format($$ insert into companion.messages (conversation_id, role, content, telegram_message_id) values (%L, 'user', 'x', 1) $$, pg_temp.id('cAt')),
  '42501', 'permission denied for table messages', 'A cannot give a Telegram message id');
select is(tests.rows_affected($$ update companion.messages set content = 'edited' $$), 0::bigint,
  'A cannot edit a message, not even A''s own: no update policy lets a row through');
select throws_ok('delete from companion.messages', '42501', 'permission denied for table messages', 'A cannot delete a message');
select is((select message_count from companion.conversations where id = pg_temp.id('cA')), 1,
  'A''s message was counted in A''s conversation, though A may not write message_count');

-- ---------------------------------------------------------------------------------------------
-- user_context: the "what I remember about you" page (§7 check 6)
-- ---------------------------------------------------------------------------------------------

select lives_ok(
  $$ insert into companion.user_context (category, key, value, importance_score) values ('fact', 'job', 'headteacher', 0.9)
     on conflict (user_id, category, key) do update set value = excluded.value, importance_score = excluded.importance_score $$,
  'A upserts a memory on (user_id, category, key)');
select results_eq(
  $$ select id, value, importance_score from companion.user_context where key = 'job' $$,
  format($$ values (%L::uuid, 'headteacher', 0.9::double precision) $$, pg_temp.id('xA')),
  'one row, its value and importance updated');
select is(tests.rows_affected($$ update companion.user_context set value = 'nine hours', emotional_valence = 1 where key = 'sleep' $$),
  1::bigint, 'A corrects a memory the backend extracted');
select is((select source from companion.user_context where id = pg_temp.id('xAe')), 'extracted', 'which stays extracted');
select throws_ok($$ insert into companion.user_context (category, key, value, source) values ('goal', 'run', 'a marathon', 'extracted') $$,
  '42501', 'permission denied for table user_context', 'A cannot say where a memory came from');
select throws_ok($$ update companion.user_context set last_referenced_at = now() $$, '42501', 'permission denied for table user_context',
  'nor when the companion last brought it up');
select is(tests.rows_affected(format('update companion.user_context set value = %L where id = %L', 'x', pg_temp.id('xB'))),
  0::bigint, 'A cannot change B''s memory');
select is(tests.rows_affected(format('delete from companion.user_context where id = %L', pg_temp.id('xB'))),
  0::bigint, 'A cannot delete B''s memory');
select is(tests.rows_affected(format('delete from companion.user_context where id = %L', pg_temp.id('xAe'))),
  1::bigint, 'A deletes a memory of A''s');
select throws_ok(format($$ insert into companion.user_context (user_id, category, key, value) values (%L, 'fact', 'pet', 'cat') $$,
                        tests.get_supabase_uid('b')),
  '42501', 'new row violates row-level security policy for table "user_context"', 'A cannot add a memory to B');

-- ---------------------------------------------------------------------------------------------
-- scheduled_messages: read only
-- ---------------------------------------------------------------------------------------------

select throws_ok($$ insert into companion.scheduled_messages (user_id, scheduled_for, local_date) values (auth.uid(), now(), '2030-01-01') $$,
  '42501', 'permission denied for table scheduled_messages', 'A cannot plan a check-in');
select throws_ok($$ update companion.scheduled_messages set status = 'skipped', failure_reason = 'no' $$,
  '42501', 'permission denied for table scheduled_messages', 'nor skip one');

-- ---------------------------------------------------------------------------------------------
-- complete_onboarding (§7 check 5): both set, in one transaction, or neither
-- ---------------------------------------------------------------------------------------------

select results_eq(
  $$ select o.id, o.current_step, o.completed_at from companion.complete_onboarding() o $$,
  format($$ values (%L::uuid, 'complete', now()) $$, pg_temp.id('oA')),
  'A completes A''s onboarding: the row at the step complete, completed now');
select results_eq(
  $$ select o.completed_at, u.onboarding_completed_at from companion.onboarding o join companion.users u on u.id = o.user_id $$,
  $$ values (now(), now()) $$,
  'onboarding.completed_at and users.onboarding_completed_at are both set');
select lives_ok($$ select companion.complete_onboarding() $$, 'completing again is harmless');
select tests.clear_authentication();
select lives_ok(
  format($$ update companion.onboarding set completed_at = '2026-01-01' where id = %L;
            update companion.users set onboarding_completed_at = '2026-01-01' where id = %L $$,
         pg_temp.id('oA'), tests.get_supabase_uid('a')),
  'back-date A''s completion');
select tests.authenticate_as('a');
select lives_ok($$ select companion.complete_onboarding() $$, 'A completes once more');
select results_eq(
  $$ select o.completed_at, u.onboarding_completed_at from companion.onboarding o join companion.users u on u.id = o.user_id $$,
  $$ values ('2026-01-01'::timestamptz, '2026-01-01'::timestamptz) $$,
  'and the first completion time stays');
select pg_temp.act_with_email('stranger', null);
select lives_ok($$ select companion.ensure_profile() $$, 'the stranger makes a profile but starts no onboarding');
select throws_ok($$ select companion.complete_onboarding() $$, 'P0002', 'no onboarding to complete: start it first',
  'without an onboarding row, complete_onboarding raises P0002');
select tests.clear_authentication();
select is((select onboarding_completed_at from companion.users where id = tests.get_supabase_uid('stranger')), null,
  'and the profile is not marked complete');
select is((select count(*) from companion.onboarding where user_id = tests.get_supabase_uid('stranger')), 0::bigint,
  'nor is an onboarding row made');
select pg_temp.act_with_email(null, null);
select throws_ok($$ select companion.complete_onboarding() $$, '42501', 'complete_onboarding needs a signed-in user',
  'without auth.uid() it is refused');
select tests.authenticate_as_anon();
select throws_ok($$ select companion.complete_onboarding() $$, '42501', 'permission denied for function complete_onboarding',
  'anon cannot run it');

-- ---------------------------------------------------------------------------------------------
-- create_telegram_link_token (§7 check 2)
-- ---------------------------------------------------------------------------------------------

select tests.clear_authentication();
select lives_ok(
  format($$ insert into companion.telegram_link_tokens (id, user_id, used_at, expires_at) values (%L, %L, now() - interval '1 minute', now() + interval '5 minutes') $$,
         pg_temp.id('used'), tests.get_supabase_uid('a')),
  'A has a token already used (the backend''s link flow)');
select lives_ok(
  format($$ insert into companion.telegram_link_tokens (id, user_id) values (%L, %L) $$, pg_temp.id('tB'), tests.get_supabase_uid('b')),
  'and B an active one');
select tests.authenticate_as('a');
select lives_ok($$ create temporary table first_token on commit drop as select * from companion.create_telegram_link_token() $$,
  'A asks for a link token');
select ok((select token ~ '^[A-Za-z0-9_-]{43}$' from first_token), 'the token is 43 characters of base64url');
select is((select expires_at from first_token), now() + interval '15 minutes', 'it expires 15 minutes from now');
select lives_ok($$ create temporary table second_token on commit drop as select * from companion.create_telegram_link_token() $$,
  'A asks again');
select isnt((select token from second_token), (select token from first_token), 'a new token is made');
select tests.clear_authentication();
select results_eq(
  $$ select t.token = (select token from second_token), t.expires_at > now() from companion.telegram_link_tokens t
      where t.user_id = tests.get_supabase_uid('a') and t.used_at is null order by t.created_at, t.expires_at $$,
  $$ values (false, false), (true, true) $$,
  'the first token is expired (expires_at = now), only the second is active: at most one active token per user');
select results_eq(
  format($$ select used_at is not null, expires_at = now() + interval '5 minutes' from companion.telegram_link_tokens where id = %L $$, pg_temp.id('used')),
  $$ values (true, true) $$,
  'a used token is left as it was');
select is((select expires_at from companion.telegram_link_tokens where id = pg_temp.id('tB')), now() + interval '15 minutes',
  'B''s token is untouched');
select pg_temp.act_with_email(null, null);
select throws_ok($$ select * from companion.create_telegram_link_token() $$, '42501',
  'create_telegram_link_token needs a signed-in user', 'without auth.uid() no token is made');
select tests.authenticate_as('newcomer');
select throws_ok($$ select * from companion.create_telegram_link_token() $$, 'P0002', 'no companion profile: call ensure_profile first',
  'a signed-in user without a profile gets no token');
select tests.authenticate_as_anon();
select throws_ok($$ select * from companion.create_telegram_link_token() $$, '42501',
  'permission denied for function create_telegram_link_token', 'anon cannot run it');

-- ---------------------------------------------------------------------------------------------
-- unlink_telegram
-- ---------------------------------------------------------------------------------------------

select tests.clear_authentication();
select lives_ok(
  format($$ update companion.users set telegram_user_id = 111, telegram_username = 'ann', telegram_linked_at = now() where id = %L;
            update companion.users set telegram_user_id = 222, telegram_username = 'bob', telegram_linked_at = now() where id = %L $$,
         tests.get_supabase_uid('a'), tests.get_supabase_uid('b')),
  'A is linked to Telegram 111 and B to 222 (the link flow)');
select tests.authenticate_as('a');
select is(companion.unlink_telegram(), true, 'A unlinks');
select results_eq(
  $$ select telegram_user_id, telegram_username, telegram_linked_at from companion.users $$,
  $$ values (null::numeric, null::text, null::timestamptz) $$,
  'A''s telegram_user_id, username and link time are cleared');
select is(companion.unlink_telegram(), false, 'unlinking again undoes nothing');
select tests.clear_authentication();
select is((select telegram_user_id from companion.users where id = tests.get_supabase_uid('b')), 222::numeric, 'B is still linked');
select pg_temp.act_with_email(null, null);
select throws_ok($$ select companion.unlink_telegram() $$, '42501', 'unlink_telegram needs a signed-in user',
  'without auth.uid() it is refused');
select tests.authenticate_as_anon();
select throws_ok($$ select companion.unlink_telegram() $$, '42501', 'permission denied for function unlink_telegram',
  'anon cannot run it');

-- ---------------------------------------------------------------------------------------------
-- anon: refused everywhere (it reads no row of any table)
-- ---------------------------------------------------------------------------------------------

select throws_ok(format('select * from companion.%I', t), '42501', format('permission denied for table %s', t),
         format('anon cannot read companion.%s', t))
  from pg_temp.all_tables() t;
select throws_ok($$ insert into companion.messages (conversation_id, role, content) values (gen_random_uuid(), 'user', 'x') $$,
  '42501', 'permission denied for table messages', 'anon cannot write a message');

-- ---------------------------------------------------------------------------------------------
-- the service role: every row, but not the columns the database keeps
-- ---------------------------------------------------------------------------------------------

select tests.authenticate_as_service_role();
select is(
  (select count(*) from companion.users where id in (tests.get_supabase_uid('a'), tests.get_supabase_uid('b'))),
  2::bigint, 'the service role sees every profile');
select is((select count(*) from companion.telegram_link_tokens where user_id = tests.get_supabase_uid('a')), 3::bigint,
  'and the link tokens');
select throws_ok(format('update companion.users set %I = %s where id = %L', c, v, tests.get_supabase_uid('b')), '42501',
         'permission denied for table users', format('the service role may not update users.%s', c))
  from (values ('id', 'gen_random_uuid()'), ('created_at', 'now()'), ('updated_at', 'now()')) as x(c, v);
select is(
  tests.rows_affected(format($$ update companion.users set subscription_status = 'premium', messages_sent_count = 3 where id = %L $$,
                             tests.get_supabase_uid('b'))),
  1::bigint, 'the service role updates the other columns');
select throws_ok(format($$ insert into companion.conversations (user_id, updated_at) values (%L, now()) $$, tests.get_supabase_uid('b')),
  '42501', 'permission denied for table conversations', 'nor give updated_at on insert');
select tests.clear_authentication();

select * from finish();
rollback;
