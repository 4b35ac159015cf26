-- Who may touch what in yachtparty (specification §5, D3, D15; §7 check 5). People arrive by SMS,
-- so a signed-in user owns the profile they claimed with claim_sms_profile() (the JWT's verified
-- phone, which GoTrue gives without its '+'); through it they read only their own rows, change
-- only the columns §5 lists, manage the prospects of their own innovator, and answer their own
-- intro opportunities through respond_to_intro. anon is refused everything; the backend tables
-- and the credit-balance view are the service role's alone, and the service role may neither
-- write updated_at nor change id and created_at. Everything is rolled back.
begin;
select plan(270);

-- ---------------------------------------------------------------------------------------------
-- helpers for this file only, in pg_temp so that they vanish with the session (the shared ones
-- are tests.*, installed by 000_setup_test_helpers)
-- ---------------------------------------------------------------------------------------------

-- A row id of this run's own, known before the row is written.
create function pg_temp.id(label text) returns uuid
language sql stable as $$ select md5(format('pgtap-22-%s-%s', label, txid_current()))::uuid $$;

-- A phone number of this run's own, in E.164: +1, the transaction id, and n.
create function pg_temp.phone(n integer) returns text
language sql stable as $$
  select format('+1%s%s', lpad((txid_current() % 10000000000)::text, 10, '0'), lpad(n::text, 2, '0'))
$$;

-- Acting as a signed-in user whose token carries a phone claim, as PostgREST would set it
-- (GoTrue's `phone` claim has no '+'). A null phone leaves the claim out. A null label acts as
-- authenticated with no user id at all.
create function pg_temp.act_with_phone(label text, phone text) returns text
language plpgsql as $$
declare
  v_uid uuid := case when label is null then null else tests.get_supabase_uid(label) end;
begin
  perform set_config('role', 'authenticated', true);
  perform set_config('request.jwt.claims',
    jsonb_strip_nulls(jsonb_build_object('sub', v_uid, 'role', 'authenticated', 'phone', phone))::text, true);
  return ok(current_user = 'authenticated' and auth.uid() is not distinct from v_uid
              and auth.jwt() ->> 'phone' is not distinct from phone,
    format('acting as %s (authenticated) with %s', coalesce(label, 'no user id'),
           coalesce('phone claim ' || phone, 'no phone claim')));
end
$$;

-- The ids a statement returns, sorted, against the expected ones.
create function pg_temp.sees(statement text, expected uuid[], description text) returns text
language sql as $$
  select results_eq(format('select id from (%s) s order by id', statement),
                    format('select unnest(%L::uuid[]) as id order by id', expected), description)
$$;

-- The 18 tables, the ones a signed-in user may read, and the backend's.
create function pg_temp.all_tables() returns setof name
language sql immutable as $$
  select unnest(array['users', 'conversations', 'messages', 'events', 'agent_tasks', 'message_queue', 'user_message_budget',
    'user_priorities', 'solution_workflows', 'intro_opportunities', 'community_requests', 'community_responses',
    'credit_events', 'innovators', 'prospects', 'linkedin_research_prospects', 'agent_instances', 'agent_actions_log']::name[])
$$;
create function pg_temp.readable_tables() returns setof name
language sql immutable as $$
  select unnest(array['users', 'conversations', 'messages', 'user_priorities', 'solution_workflows', 'intro_opportunities',
    'community_requests', 'community_responses', 'credit_events', 'innovators', 'prospects']::name[])
$$;
create function pg_temp.backend_tables() returns setof name
language sql immutable as $$
  select unnest(array['events', 'agent_tasks', 'message_queue', 'user_message_budget', 'agent_instances', 'agent_actions_log',
    'linkedin_research_prospects']::name[])
$$;

-- ---------------------------------------------------------------------------------------------
-- grants: anon nothing; authenticated reads §5's tables and writes only the listed columns;
-- the backend tables and the view are the service role's alone
-- ---------------------------------------------------------------------------------------------

select table_privs_are('yachtparty', t, 'anon', array[]::text[], format('anon has no privilege on yachtparty.%s', t))
  from pg_temp.all_tables() t;
select table_privs_are('yachtparty', 'user_credit_balances', 'anon', array[]::text[],
  'anon has no privilege on yachtparty.user_credit_balances');
select table_privs_are('yachtparty', t, 'authenticated', array['SELECT'],
         format('authenticated may read yachtparty.%s (its policies say which rows), and at table level nothing else', t))
  from pg_temp.readable_tables() t;
select table_privs_are('yachtparty', t, 'authenticated', array[]::text[], format('authenticated has no privilege on yachtparty.%s', t))
  from pg_temp.backend_tables() t;
select table_privs_are('yachtparty', 'user_credit_balances', 'authenticated', array[]::text[],
  'authenticated has no privilege on yachtparty.user_credit_balances (a materialized view has no row-level security)');
select is_empty(
  $$ select r || ' ' || t from unnest(array['anon', 'authenticated']) r,
       unnest(array['events', 'agent_tasks', 'message_queue', 'user_message_budget', 'agent_instances', 'agent_actions_log',
                    'linkedin_research_prospects', 'user_credit_balances']) t
      where has_any_column_privilege(r, 'yachtparty.' || t, 'SELECT, INSERT, UPDATE, REFERENCES') $$,
  'nor on any column of the backend tables and the view');
select is_empty(
  $$ select t from pg_temp.all_tables() t
      where has_any_column_privilege('anon', 'yachtparty.' || t, 'SELECT, INSERT, UPDATE, REFERENCES') $$,
  'anon has no privilege on any column of any table');
-- What authenticated may write, column by column.
select results_eq(
  $$ select format('%s %s: %s', c.relname, p.priv,
                   string_agg(a.attname::text, ', ' order by a.attnum)) collate "default"
       from pg_class c join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
            cross join unnest(array['INSERT', 'UPDATE']) p(priv)
      where c.relnamespace = 'yachtparty'::regnamespace and c.relkind = 'r'
        and has_column_privilege('authenticated', c.oid, a.attnum, p.priv)
      group by c.relname, p.priv order by 1 $$,
  array['innovators UPDATE: company_name, solution_description, categories, target_customer_profile, video_url',
        'prospects INSERT: id, email, phone_number, linkedin_url, first_name, last_name, company, title, innovator_id, uploaded_at, upload_source, upload_batch_id, prospect_notes, target_solution_categories, metadata, created_at',
        'prospects UPDATE: email, phone_number, linkedin_url, first_name, last_name, company, title, innovator_id, upload_source, upload_batch_id, prospect_notes, target_solution_categories, metadata',
        'users UPDATE: email, first_name, last_name, company, title, linkedin_url, expertise, quiet_hours_start, quiet_hours_end, timezone'],
  'authenticated writes exactly these columns: its profile''s listed columns, its innovator''s, and its prospects but for status and conversion');

-- The service role: every row, but not the columns the database keeps.
select table_privs_are('yachtparty', t, 'service_role', array['SELECT', 'DELETE'],
         format('the service role reads and deletes yachtparty.%s at table level (it writes column by column)', t))
  from pg_temp.all_tables() t;
select table_privs_are('yachtparty', 'user_credit_balances', 'service_role', array['SELECT'],
  'the service role may read yachtparty.user_credit_balances');
select is_empty(
  $$ select c.relname || '.' || a.attname from pg_class c join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
      where c.relnamespace = 'yachtparty'::regnamespace and c.relkind = 'r'
        and has_column_privilege('service_role', c.oid, a.attnum, 'INSERT') <> (a.attname <> 'updated_at') $$,
  'the service role may insert every column but updated_at');
select is_empty(
  $$ select c.relname || '.' || a.attname from pg_class c join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
      where c.relnamespace = 'yachtparty'::regnamespace and c.relkind = 'r'
        and has_column_privilege('service_role', c.oid, a.attnum, 'UPDATE') <> (a.attname not in ('id', 'created_at', 'updated_at')) $$,
  'the service role may update every column but id, created_at and updated_at');
select ok((select rolbypassrls from pg_roles where rolname = 'service_role'), 'the service role bypasses row-level security');

-- ---------------------------------------------------------------------------------------------
-- policies: named as sentences, for authenticated only, reading through (select auth.uid())
-- ---------------------------------------------------------------------------------------------

select policies_are('yachtparty', 'users', array['Users can read their own profile', 'Users can change their own profile']);
select policies_are('yachtparty', 'conversations', array['Users can read their conversations']);
select policies_are('yachtparty', 'messages', array['Users can read their messages']);
select policies_are('yachtparty', 'user_priorities', array['Users can read their priorities']);
select policies_are('yachtparty', 'solution_workflows', array['Users can read their solution workflows']);
select policies_are('yachtparty', 'intro_opportunities', array['Connectors can read their intro opportunities']);
select policies_are('yachtparty', 'community_requests', array['Users can read their requests and those asked of them']);
select policies_are('yachtparty', 'community_responses', array['Users can read their responses and those to their requests']);
select policies_are('yachtparty', 'credit_events', array['Users can read their credit events']);
select policies_are('yachtparty', 'innovators', array['Innovators can read their own record', 'Innovators can change their own record']);
select policies_are('yachtparty', 'prospects', array['Innovators can read their prospects', 'Innovators can add their prospects',
  'Innovators can change their prospects']);
select is_empty(
  $$ select tablename::text from pg_policies where schemaname = 'yachtparty'
      and tablename in (select pg_temp.backend_tables()) $$,
  'the backend tables have no policy: no API role but the service role reaches them');
select is_empty(
  $$ select tablename || ': ' || policyname from pg_policies
      where schemaname = 'yachtparty' and (roles <> array['authenticated']::name[] or permissive <> 'PERMISSIVE') $$,
  'every yachtparty policy is a permissive policy for authenticated only');
select is_empty(
  $$ select tablename || ': ' || policyname from pg_policies
      where schemaname = 'yachtparty'
        and (coalesce(qual, with_check) not like '%( SELECT auth.uid() AS uid)%'
          or (cmd = 'UPDATE' and (qual is null or with_check is null))
          or coalesce(qual, '') ~ 'auth\.uid\(\)(?! AS uid\))' ) $$,
  'every policy reads auth.uid() once per statement, through (select auth.uid()), and every update policy checks both the old and the new row');
select results_eq(
  $$ select tablename::text collate "default", cmd collate "default" from pg_policies where schemaname = 'yachtparty' and cmd <> 'SELECT' order by 1, 2 $$,
  $$ values ('innovators', 'UPDATE'), ('prospects', 'INSERT'), ('prospects', 'UPDATE'), ('users', 'UPDATE') $$,
  'authenticated writes only its profile, its innovator and its prospects (no delete anywhere)');

-- ---------------------------------------------------------------------------------------------
-- the functions: who may run them
-- ---------------------------------------------------------------------------------------------

select function_privs_are('yachtparty', f, args, r, case when r = any (allowed) then array['EXECUTE'] else array[]::text[] end,
         format('%s %s run yachtparty.%s', r, case when r = any (allowed) then 'may' else 'may not' end, f))
  from (values ('claim_sms_profile', array[]::text[], array['authenticated']),
               ('respond_to_intro', array['uuid', 'boolean', 'text'], array['authenticated']),
               ('write_records', array['text', 'jsonb', 'text[]'], array['authenticated', 'service_role']),
               ('ingest', array['text', 'text', 'jsonb', 'text[]'], array['service_role'])) as f(f, args, allowed),
       unnest(array['anon', 'authenticated', 'service_role']) as r;
select is_empty(
  $$ select p.oid::regprocedure::text from pg_proc p, aclexplode(p.proacl) x
      where p.oid in ('yachtparty.claim_sms_profile()'::regprocedure, 'yachtparty.respond_to_intro(uuid, boolean, text)'::regprocedure,
                      'yachtparty.write_records(text, jsonb, text[])'::regprocedure,
                      'yachtparty.ingest(text, text, jsonb, text[])'::regprocedure)
        and x.grantee = 0 $$,
  'none of them is executable by public');
select is_definer('yachtparty', 'claim_sms_profile', array[]::text[],
  'claim_sms_profile is security definer: the caller cannot see the profile before it is theirs');
select is_definer('yachtparty', 'respond_to_intro', array['uuid', 'boolean', 'text'],
  'respond_to_intro is security definer: the caller may not update intro_opportunities');
select isnt_definer('yachtparty', 'write_records', array['text', 'jsonb', 'text[]'],
  'write_records is security invoker: it writes with the caller''s grants and policies');
select is_empty(
  $$ select p.proname::text from pg_proc p
      where p.oid in ('yachtparty.claim_sms_profile()'::regprocedure, 'yachtparty.respond_to_intro(uuid, boolean, text)'::regprocedure,
                      'yachtparty.write_records(text, jsonb, text[])'::regprocedure,
                      'yachtparty.ingest(text, text, jsonb, text[])'::regprocedure,
                      'yachtparty.set_updated_at()'::regprocedure, 'yachtparty.check_timezone()'::regprocedure)
        and not coalesce(p.proconfig @> array['search_path=""'], false) $$,
  'each of them, and the trigger functions, sets an empty search_path');

-- ---------------------------------------------------------------------------------------------
-- the people: auth users A and B with SMS profiles, C an expert who never signed in, D who
-- claims with a '+', and two more auth users, one whose phone has no profile
-- ---------------------------------------------------------------------------------------------

select tests.create_supabase_user('a');
select tests.create_supabase_user('b');
select tests.create_supabase_user('d');
select tests.create_supabase_user('mallory');
select tests.create_supabase_user('stranger');
select lives_ok(
  $$ insert into yachtparty.users (id, phone_number, first_name)
     values (pg_temp.id('A'), pg_temp.phone(1), 'Ann'), (pg_temp.id('B'), pg_temp.phone(2), 'Bob'),
            (pg_temp.id('C'), pg_temp.phone(3), 'Cy'), (pg_temp.id('D'), pg_temp.phone(4), 'Dee') $$,
  'four SMS profiles arrive by text message, tied to no one');

-- ---------------------------------------------------------------------------------------------
-- claim_sms_profile (D3)
-- ---------------------------------------------------------------------------------------------

select pg_temp.act_with_phone('a', ltrim(pg_temp.phone(1), '+'));
select is(yachtparty.claim_sms_profile(), pg_temp.id('A'),
  'A, whose token carries the phone without its +, claims the profile of that number');
select is(yachtparty.claim_sms_profile(), pg_temp.id('A'), 'claiming again returns the same profile');
select pg_temp.act_with_phone('b', ltrim(pg_temp.phone(2), '+'));
select is(yachtparty.claim_sms_profile(), pg_temp.id('B'), 'B claims theirs');
select pg_temp.act_with_phone('d', pg_temp.phone(4));
select is(yachtparty.claim_sms_profile(), pg_temp.id('D'), 'a phone claim that keeps its + works too');
select pg_temp.act_with_phone('mallory', ltrim(pg_temp.phone(1), '+'));
select is(yachtparty.claim_sms_profile(), null, 'a claim of a profile another user already claimed returns null');
select pg_temp.act_with_phone('stranger', ltrim(pg_temp.phone(99), '+'));
select is(yachtparty.claim_sms_profile(), null, 'a claim whose phone matches no profile returns null');
select pg_temp.act_with_phone('stranger', null);
select is(yachtparty.claim_sms_profile(), null, 'a token without a phone claims nothing');
select pg_temp.act_with_phone(null, ltrim(pg_temp.phone(1), '+'));
select throws_ok($$ select yachtparty.claim_sms_profile() $$, '42501', 'claim_sms_profile needs a signed-in user',
  'without auth.uid() the claim is refused (42501)');
select tests.authenticate_as_anon();
select throws_ok($$ select yachtparty.claim_sms_profile() $$, '42501', 'permission denied for function claim_sms_profile',
  'anon cannot run it');
select tests.clear_authentication();
select results_eq(
  $$ select id, auth_user_id from yachtparty.users where id in (pg_temp.id('A'), pg_temp.id('B'), pg_temp.id('C'), pg_temp.id('D'))
      order by first_name $$,
  $$ values (pg_temp.id('A'), tests.get_supabase_uid('a')), (pg_temp.id('B'), tests.get_supabase_uid('b')),
            (pg_temp.id('C'), null::uuid), (pg_temp.id('D'), tests.get_supabase_uid('d')) $$,
  'A, B and D own their profiles; C''s is still unclaimed; the refused claims changed nothing');
select is_empty(
  $$ select id from yachtparty.users where auth_user_id in (tests.get_supabase_uid('mallory'), tests.get_supabase_uid('stranger')) $$,
  'neither the late claimant nor the stranger owns any profile');

-- ---------------------------------------------------------------------------------------------
-- their rows, written by the backend (the owner here)
-- ---------------------------------------------------------------------------------------------

select lives_ok(
  $$ insert into yachtparty.conversations (id, user_id, phone_number)
     values (pg_temp.id('cA'), pg_temp.id('A'), pg_temp.phone(1)), (pg_temp.id('cB'), pg_temp.id('B'), pg_temp.phone(2)) $$,
  'A and B each have a conversation');
select lives_ok(
  $$ insert into yachtparty.messages (id, conversation_id, user_id, role, content, direction)
     values (pg_temp.id('mA'), pg_temp.id('cA'), pg_temp.id('A'), 'user', 'Hi', 'inbound'),
            (pg_temp.id('mB'), pg_temp.id('cB'), pg_temp.id('B'), 'user', 'Hi', 'inbound') $$,
  'with a message each');
select lives_ok(
  $$ insert into yachtparty.user_priorities (id, user_id, priority_rank, item_type, item_id)
     values (pg_temp.id('upA'), pg_temp.id('A'), 1, 'solution_update', gen_random_uuid()),
            (pg_temp.id('upB'), pg_temp.id('B'), 1, 'solution_update', gen_random_uuid()) $$,
  'each has a priority');
select lives_ok(
  $$ insert into yachtparty.solution_workflows (id, user_id, request_description, current_step)
     values (pg_temp.id('swA'), pg_temp.id('A'), 'Find a CRM', 'initial_research'),
            (pg_temp.id('swB'), pg_temp.id('B'), 'Find an ERP', 'initial_research') $$,
  'each has a solution workflow');
select lives_ok(
  $$ insert into yachtparty.innovators (id, user_id, company_name)
     values (pg_temp.id('iA'), pg_temp.id('A'), 'Ann Inc'), (pg_temp.id('iB'), pg_temp.id('B'), 'Bob Ltd') $$,
  'each is an innovator');
select lives_ok(
  $$ insert into yachtparty.prospects (id, innovator_id, email)
     values (pg_temp.id('prA'), pg_temp.id('iA'), 'grace@rowgate.test'), (pg_temp.id('prB'), pg_temp.id('iB'), 'linus@rowgate.test') $$,
  'each innovator has a prospect');
select lives_ok(
  $$ insert into yachtparty.intro_opportunities (id, connector_user_id, innovator_id, prospect_name)
     values (pg_temp.id('ioA'), pg_temp.id('A'), pg_temp.id('iB'), 'Linus'), (pg_temp.id('ioA2'), pg_temp.id('A'), null, 'Ken'),
            (pg_temp.id('ioB'), pg_temp.id('B'), pg_temp.id('iA'), 'Grace') $$,
  'A may make two introductions, B one');
select lives_ok(
  $$ insert into yachtparty.credit_events (id, user_id, event_type, amount, reference_type, reference_id, idempotency_key)
     values (pg_temp.id('ceA'), pg_temp.id('A'), 'referral_joined', 10, 'user', pg_temp.id('A'), pg_temp.id('ceA')::text),
            (pg_temp.id('ceB'), pg_temp.id('B'), 'referral_joined', 10, 'user', pg_temp.id('B'), pg_temp.id('ceB')::text) $$,
  'each has a credit event');
select lives_ok(
  $$ insert into yachtparty.community_requests (id, requesting_agent_type, requesting_user_id, question, target_user_ids)
     values (pg_temp.id('rA'), 'solution_saga', pg_temp.id('A'), 'Which CRM?', array[pg_temp.id('B'), pg_temp.id('C')]),
            (pg_temp.id('rBA'), 'solution_saga', pg_temp.id('B'), 'Which ERP?', array[pg_temp.id('C'), pg_temp.id('A')]),
            (pg_temp.id('rBC'), 'solution_saga', pg_temp.id('B'), 'Which bank?', array[pg_temp.id('C')]),
            (pg_temp.id('rX'), 'concierge', null, 'Anyone?', array[pg_temp.id('A')]) $$,
  'A asks a question; B asks one of A and C, and one of C only; an agent asks one of A for no one');
select lives_ok(
  $$ insert into yachtparty.community_responses (id, request_id, user_id, response_text, verbatim_answer)
     values (pg_temp.id('A_on_rBA'), pg_temp.id('rBA'), pg_temp.id('A'), 'SAP', 'sap'),
            (pg_temp.id('B_on_rA'), pg_temp.id('rA'), pg_temp.id('B'), 'HubSpot', 'hubspot'),
            (pg_temp.id('C_on_rA'), pg_temp.id('rA'), pg_temp.id('C'), 'Salesforce', 'sfdc'),
            (pg_temp.id('C_on_rBC'), pg_temp.id('rBC'), pg_temp.id('C'), 'Any', 'any'),
            (pg_temp.id('C_on_rBA'), pg_temp.id('rBA'), pg_temp.id('C'), 'Odoo', 'odoo') $$,
  'A answers B; B and C answer A; C answers B twice');

-- ---------------------------------------------------------------------------------------------
-- A sees exactly A's rows (§7 check 5)
-- ---------------------------------------------------------------------------------------------

select tests.authenticate_as('a');
select pg_temp.sees('select id from yachtparty.users', array[pg_temp.id('A')], 'A sees only A''s profile');
select pg_temp.sees('select id from yachtparty.conversations', array[pg_temp.id('cA')], 'A sees only A''s conversation');
select pg_temp.sees('select id from yachtparty.messages', array[pg_temp.id('mA')], 'A sees only A''s messages');
select pg_temp.sees('select id from yachtparty.user_priorities', array[pg_temp.id('upA')], 'A sees only A''s priorities');
select pg_temp.sees('select id from yachtparty.solution_workflows', array[pg_temp.id('swA')], 'A sees only A''s workflows');
select pg_temp.sees('select id from yachtparty.intro_opportunities', array[pg_temp.id('ioA'), pg_temp.id('ioA2')],
  'A sees only the intro opportunities where A is the connector');
select pg_temp.sees('select id from yachtparty.credit_events', array[pg_temp.id('ceA')], 'A sees only A''s credit events');
select pg_temp.sees('select id from yachtparty.innovators', array[pg_temp.id('iA')], 'A sees only A''s innovator');
select pg_temp.sees('select id from yachtparty.prospects', array[pg_temp.id('prA')], 'A sees only the prospects of A''s innovator');
select pg_temp.sees('select id from yachtparty.community_requests', array[pg_temp.id('rA'), pg_temp.id('rBA'), pg_temp.id('rX')],
  'A sees the requests A asked and those that target A, not B''s question to C alone');
select pg_temp.sees('select id from yachtparty.community_responses',
  array[pg_temp.id('A_on_rBA'), pg_temp.id('B_on_rA'), pg_temp.id('C_on_rA')],
  'A sees the responses A gave and those to A''s requests, not C''s answers to B');
select is((select credit_balance from yachtparty.users), 0, 'A reads A''s own profile, balance included');

select tests.authenticate_as('b');
select pg_temp.sees('select id from yachtparty.users', array[pg_temp.id('B')], 'B sees only B''s profile');
select pg_temp.sees('select id from yachtparty.messages', array[pg_temp.id('mB')], 'B sees only B''s messages');
select pg_temp.sees('select id from yachtparty.community_requests', array[pg_temp.id('rA'), pg_temp.id('rBA'), pg_temp.id('rBC')],
  'B sees B''s requests and A''s, which targets B');
select pg_temp.sees('select id from yachtparty.community_responses',
  array[pg_temp.id('A_on_rBA'), pg_temp.id('B_on_rA'), pg_temp.id('C_on_rBC'), pg_temp.id('C_on_rBA')],
  'B sees B''s response and every response to B''s requests, not C''s answer to A');

select tests.authenticate_as('stranger');
select is(
  (select count(*) from yachtparty.users) + (select count(*) from yachtparty.messages)
    + (select count(*) from yachtparty.community_requests) + (select count(*) from yachtparty.community_responses)
    + (select count(*) from yachtparty.intro_opportunities) + (select count(*) from yachtparty.prospects),
  0::bigint,
  'a signed-in user without a profile sees nothing');

-- ---------------------------------------------------------------------------------------------
-- A changes only the listed columns of A's own profile
-- ---------------------------------------------------------------------------------------------

select tests.authenticate_as('a');
select is(
  tests.rows_affected($$ update yachtparty.users
                            set email = 'ann@rowgate.test', first_name = 'Ann', last_name = 'Lee', company = 'Ann Inc',
                                title = 'CEO', linkedin_url = 'https://www.linkedin.com/in/ann', expertise = array['crm'],
                                quiet_hours_start = '22:00', quiet_hours_end = '07:00', timezone = 'Europe/Brussels' $$),
  1::bigint,
  'A changes every column §5 lists, on A''s profile only');
select throws_ok(format('update yachtparty.users set %I = %s', c, v), '42501', 'permission denied for table users',
         format('A cannot change users.%s', c))
  from (values ('credit_balance', '999'), ('verified', 'true'), ('auth_user_id', 'auth.uid()'), ('innovator', 'true'),
               ('expert_connector', 'true'), ('email_verified', 'true'), ('status_level', '''vip'''),
               ('poc_agent_type', '''concierge'''), ('poc_agent_id', '''x'''), ('referred_by', 'null'),
               ('phone_number', 'phone_number'), ('response_pattern', '''{}'''), ('name_dropped', '''x'''),
               ('last_active_at', 'now()'), ('id', 'id'), ('created_at', 'now()'), ('updated_at', 'now()')) as x(c, v);
select is(tests.rows_affected(format('update yachtparty.users set first_name = %L where id = %L', 'Hacked', pg_temp.id('B'))),
  0::bigint, 'A cannot change B''s profile');
select throws_ok(format('insert into yachtparty.users (phone_number) values (%L)', pg_temp.phone(5)), '42501',
  'permission denied for table users', 'A cannot add a profile');
select throws_ok('delete from yachtparty.users', '42501', 'permission denied for table users', 'A cannot delete a profile');

-- and nothing of the tables A only reads
select throws_ok(format('insert into yachtparty.conversations (user_id, phone_number) values (%L, %L)', pg_temp.id('A'), pg_temp.phone(1)),
  '42501', 'permission denied for table conversations', 'A cannot start a conversation directly');
select throws_ok('update yachtparty.messages set content = ''edited''', '42501', 'permission denied for table messages',
  'A cannot edit a message');
select throws_ok('update yachtparty.intro_opportunities set status = ''accepted''', '42501',
  'permission denied for table intro_opportunities', 'A cannot answer an intro but through respond_to_intro');
select throws_ok('delete from yachtparty.credit_events', '42501', 'permission denied for table credit_events',
  'A cannot delete credit events');
select throws_ok(format('insert into yachtparty.community_responses (request_id, user_id, response_text, verbatim_answer) values (%L, %L, %L, %L)',
                        pg_temp.id('rX'), pg_temp.id('A'), 'x', 'x'),
  '42501', 'permission denied for table community_responses', 'A cannot write a response directly');

-- ---------------------------------------------------------------------------------------------
-- innovators: A changes the listed columns of A's own record
-- ---------------------------------------------------------------------------------------------

select is(
  tests.rows_affected($$ update yachtparty.innovators
                            set company_name = 'Ann Inc.', solution_description = 'A CRM', categories = array['crm'],
                                target_customer_profile = 'SMBs', video_url = 'https://rowgate.test/ann.mp4' $$),
  1::bigint,
  'A changes every listed column of A''s innovator, and only A''s');
select is(tests.rows_affected(format('update yachtparty.innovators set company_name = %L where id = %L', 'Hacked', pg_temp.id('iB'))),
  0::bigint, 'A cannot change B''s innovator');
select throws_ok(format('update yachtparty.innovators set %I = %s', c, v), '42501', 'permission denied for table innovators',
         format('A cannot change innovators.%s', c))
  from (values ('credits_balance', '1000'), ('active', 'false'), ('user_id', 'user_id'), ('id', 'id'), ('created_at', 'now()')) as x(c, v);

-- ---------------------------------------------------------------------------------------------
-- prospects: A adds and changes the prospects of A's innovator, and no other's
-- ---------------------------------------------------------------------------------------------

select lives_ok(
  format('insert into yachtparty.prospects (innovator_id, email, upload_source, upload_batch_id) values (%L, %L, %L, %L)',
         pg_temp.id('iA'), 'ada@rowgate.test', 'csv', pg_temp.id('batch')),
  'A adds a prospect for A''s innovator');
select throws_ok(
  format('insert into yachtparty.prospects (innovator_id, email) values (%L, %L)', pg_temp.id('iB'), 'eve@rowgate.test'),
  '42501', 'new row violates row-level security policy for table "prospects"',
  'A cannot add a prospect for B''s innovator');
select is(tests.rows_affected(format('update yachtparty.prospects set first_name = %L where id = %L', 'Grace', pg_temp.id('prA'))),
  1::bigint, 'A changes A''s prospect');
select is(tests.rows_affected(format('update yachtparty.prospects set first_name = %L where id = %L', 'Hacked', pg_temp.id('prB'))),
  0::bigint, 'A cannot change B''s prospect');
select throws_ok(
  format('update yachtparty.prospects set innovator_id = %L where id = %L', pg_temp.id('iB'), pg_temp.id('prA')),
  '42501', 'new row violates row-level security policy for table "prospects"',
  'A cannot hand A''s prospect to B''s innovator');
select throws_ok(format('update yachtparty.prospects set status = ''converted'', converted_to_user_id = %L', pg_temp.id('A')),
  '42501', 'permission denied for table prospects', 'whether a prospect converted is the backend''s to say');
select throws_ok(format('insert into yachtparty.prospects (innovator_id, email, status) values (%L, %L, %L)',
                        pg_temp.id('iA'), 'x@rowgate.test', 'converted'),
  '42501', 'permission denied for table prospects', 'even on insert');
select throws_ok('delete from yachtparty.prospects', '42501', 'permission denied for table prospects', 'A cannot delete prospects');
-- A CSV upload is a bulk insert through the record API, under the same grants and policies.
select lives_ok(
  format($$ select yachtparty.write_records('prospects', %L::jsonb) $$,
         jsonb_build_array(jsonb_build_object('innovator_id', pg_temp.id('iA'), 'email', 'csv1@rowgate.test', 'upload_source', 'csv'),
                           jsonb_build_object('innovator_id', pg_temp.id('iA'), 'phone_number', pg_temp.phone(6), 'upload_source', 'csv'))),
  'A uploads two prospects through write_records');
select throws_ok(
  format($$ select yachtparty.write_records('prospects', %L::jsonb) $$,
         jsonb_build_array(jsonb_build_object('innovator_id', pg_temp.id('iB'), 'email', 'csv3@rowgate.test'))),
  '42501', null,
  'but not for B''s innovator');
select throws_ok(
  $$ select yachtparty.write_records('events', '[{"event_type": "user.message.received", "payload": {}}]') $$,
  '42501', null,
  'nor into a backend table');
select is((select count(*) from yachtparty.prospects), 4::bigint, 'A now sees A''s four prospects');

-- ---------------------------------------------------------------------------------------------
-- respond_to_intro: the connector answers an open intro, once
-- ---------------------------------------------------------------------------------------------

select tests.authenticate_as('b');
select throws_ok(format('select yachtparty.respond_to_intro(%L, true)', pg_temp.id('ioA')), 'P0002',
  format('no open, unexpired intro opportunity %s of yours', pg_temp.id('ioA')), 'B cannot respond to A''s intro');
select tests.authenticate_as('a');
select is(
  (select r ->> 'status' || ' ' || (r ->> 'connector_response')
     from yachtparty.respond_to_intro(pg_temp.id('ioA'), true, ' Happy to help ') r),
  'accepted Happy to help',
  'A accepts A''s open intro, with a response (trimmed)');
select results_eq(
  format('select status, connector_response from yachtparty.intro_opportunities where id = %L', pg_temp.id('ioA')),
  $$ values ('accepted', 'Happy to help') $$,
  'the intro is accepted, and A reads it so');
select throws_ok(format('select yachtparty.respond_to_intro(%L, false)', pg_temp.id('ioA')), 'P0002',
  format('no open, unexpired intro opportunity %s of yours', pg_temp.id('ioA')), 'a second response is refused');
select is(
  (select r ->> 'status' from yachtparty.respond_to_intro(pg_temp.id('ioA2'), false, '  ') r),
  'declined',
  'A declines the other one');
select is(
  (select connector_response from yachtparty.intro_opportunities where id = pg_temp.id('ioA2')), null,
  'a blank response is kept as none');
select throws_ok(format('select yachtparty.respond_to_intro(%L, true)', pg_temp.id('ioB')), 'P0002', null,
  'A cannot respond to B''s intro');
select throws_ok(format('select yachtparty.respond_to_intro(%L, null)', pg_temp.id('ioA2')), '22004', 'p_accept is required',
  'an answer is required');
select throws_ok('select yachtparty.respond_to_intro(gen_random_uuid(), true)', 'P0002', null, 'an unknown intro is refused');
select tests.authenticate_as('stranger');
select throws_ok(format('select yachtparty.respond_to_intro(%L, true)', pg_temp.id('ioB')), 'P0002', null,
  'a signed-in user without a profile cannot respond');
select tests.authenticate_as_anon();
select throws_ok(format('select yachtparty.respond_to_intro(%L, true)', pg_temp.id('ioB')), '42501',
  'permission denied for function respond_to_intro', 'anon cannot run respond_to_intro');
select tests.authenticate_as_service_role();
select throws_ok(format('select yachtparty.respond_to_intro(%L, true)', pg_temp.id('ioB')), '42501',
  'permission denied for function respond_to_intro', 'nor can the service role (it is for the connector)');
select is((select status from yachtparty.intro_opportunities where id = pg_temp.id('ioB')), 'open', 'B''s intro is still open');

-- ---------------------------------------------------------------------------------------------
-- anon: refused everywhere
-- ---------------------------------------------------------------------------------------------

select tests.authenticate_as_anon();
select throws_ok(format('select * from yachtparty.%I', t), '42501', format('permission denied for table %s', t),
         format('anon cannot read yachtparty.%s', t))
  from pg_temp.all_tables() t;
select throws_ok('select * from yachtparty.user_credit_balances', '42501',
  'permission denied for materialized view user_credit_balances', 'anon cannot read yachtparty.user_credit_balances');
select throws_ok(format('update yachtparty.users set first_name = %L', 'x'), '42501', 'permission denied for table users',
  'anon cannot change a profile');
select throws_ok(format('insert into yachtparty.prospects (innovator_id, email) values (%L, %L)', pg_temp.id('iA'), 'x@rowgate.test'),
  '42501', 'permission denied for table prospects', 'anon cannot add a prospect');

-- ---------------------------------------------------------------------------------------------
-- authenticated: refused on the backend tables and the view
-- ---------------------------------------------------------------------------------------------

select tests.authenticate_as('a');
select throws_ok(format('select * from yachtparty.%I', t), '42501', format('permission denied for table %s', t),
         format('A cannot read yachtparty.%s', t))
  from pg_temp.backend_tables() t;
select throws_ok('select * from yachtparty.user_credit_balances', '42501',
  'permission denied for materialized view user_credit_balances', 'A cannot read yachtparty.user_credit_balances');

-- ---------------------------------------------------------------------------------------------
-- the service role: every row, but not the columns the database keeps
-- ---------------------------------------------------------------------------------------------

select tests.authenticate_as_service_role();
select is(
  (select count(*) from yachtparty.users where id in (pg_temp.id('A'), pg_temp.id('B'), pg_temp.id('C'), pg_temp.id('D'))),
  4::bigint, 'the service role sees every profile');
select lives_ok(
  format('insert into yachtparty.users (id, phone_number, created_at) values (%L, %L, %L)', pg_temp.id('E'), pg_temp.phone(7), '2020-01-01'),
  'the service role may give a profile''s id and created_at on insert');
select throws_ok(format('insert into yachtparty.users (phone_number, updated_at) values (%L, now())', pg_temp.phone(8)), '42501',
  'permission denied for table users', 'but not its updated_at');
select throws_ok(format('update yachtparty.users set %I = %s where id = %L', c, v, pg_temp.id('E')), '42501',
         'permission denied for table users', format('the service role may not update users.%s', c))
  from (values ('id', 'gen_random_uuid()'), ('created_at', 'now()'), ('updated_at', 'now()')) as x(c, v);
select is(
  tests.rows_affected(format('update yachtparty.users set verified = true, credit_balance = 0, status_level = %L where id = %L',
                             'member', pg_temp.id('E'))),
  1::bigint, 'the service role updates the other columns');
select throws_ok(format('update yachtparty.prospects set created_at = now() where id = %L', pg_temp.id('prA')), '42501',
  'permission denied for table prospects', 'nor a prospect''s created_at');
select throws_ok('update yachtparty.agent_tasks set id = id where false', '42501',
  'permission denied for table agent_tasks', 'nor a task''s id');
select tests.clear_authentication();

-- ---------------------------------------------------------------------------------------------
-- a phone number changed in Auth: the new number's profile is claimed, the old one let go
-- ---------------------------------------------------------------------------------------------

select tests.create_supabase_user('mover');
select lives_ok(
  format('insert into yachtparty.users (id, phone_number) values (%L, %L), (%L, %L)',
         pg_temp.id('M1'), pg_temp.phone(41), pg_temp.id('M2'), pg_temp.phone(42)),
  'two profiles, the old and the new number of one person');
select pg_temp.act_with_phone('mover', ltrim(pg_temp.phone(41), '+'));
select is(yachtparty.claim_sms_profile(), pg_temp.id('M1'), 'the mover claims the old number''s profile');
select pg_temp.act_with_phone('mover', ltrim(pg_temp.phone(42), '+'));
select is(yachtparty.claim_sms_profile(), pg_temp.id('M2'),
  'after the number changed in Auth, the claim takes the new number''s profile (no unique violation)');
select tests.clear_authentication();
select results_eq(
  format('select id, auth_user_id is not null from yachtparty.users where id in (%L, %L) order by phone_number',
         pg_temp.id('M1'), pg_temp.id('M2')),
  format('values (%L::uuid, false), (%L::uuid, true)', pg_temp.id('M1'), pg_temp.id('M2')),
  'and the old profile is let go');

-- ---------------------------------------------------------------------------------------------
-- respond_to_intro: an expired intro cannot be answered; a response is trimmed as the core trims
-- ---------------------------------------------------------------------------------------------

select lives_ok(
  format('insert into yachtparty.intro_opportunities (id, connector_user_id, prospect_name, expires_at) values (%L, %L, %L, now() - interval %L), (%L, %L, %L, null)',
         pg_temp.id('ioX'), pg_temp.id('A'), 'Old', '1 day', pg_temp.id('ioN'), pg_temp.id('A'), 'New'),
  'A has an expired intro and an open one');
select tests.authenticate_as('a');
select throws_ok(format('select yachtparty.respond_to_intro(%L, true)', pg_temp.id('ioX')), 'P0002',
  format('no open, unexpired intro opportunity %s of yours', pg_temp.id('ioX')), 'an expired intro cannot be accepted');
select is(
  (select r ->> 'connector_response' from yachtparty.respond_to_intro(pg_temp.id('ioN'), true, E'\n Glad to \u00a0') r),
  'Glad to',
  'a response is trimmed of every whitespace the core trims (newline, no-break space), not refused');
select tests.clear_authentication();

select * from finish();
rollback;
