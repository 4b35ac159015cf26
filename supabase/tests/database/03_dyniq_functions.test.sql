-- dyniq's SQL functions: the quiz tier thresholds, the thread id's UUID v5 (equal to Python's),
-- and the quiz submission (lead upsert and quiz response in one call, idempotent by submission
-- id), with who may call each. The stalled-meeting job's function is in 05_dyniq_cron.
begin;
select plan(58);

-- ---------------------------------------------------------------------------------------------
-- helpers: basejump's tests.* helpers, redone in pg_temp so that they vanish with this session
-- and leave nothing behind in the shared database. Each public helper returns a TAP line, so
-- every statement below is an assertion. Role switches are transaction-local (`set local`).
-- ---------------------------------------------------------------------------------------------

-- Switches to `role` with the JWT claims PostgREST would set for it (sub may be null).
create function pg_temp.act(role text, sub uuid) returns void
language plpgsql as $$
begin
  perform set_config('role', role, true);
  perform set_config('request.jwt.claims',
    case when role = 'none' then '' else json_build_object('sub', sub, 'role', role)::text end, true);
end
$$;

-- A fresh Supabase Auth user (random id, so runs never collide), known below by its label.
create function pg_temp.create_supabase_user(label text) returns text
language plpgsql as $$
declare
  v_id uuid := gen_random_uuid();
begin
  insert into auth.users (id, email, aud, role)
  values (v_id, format('%s.%s@rowgate.test', label, v_id), 'authenticated', 'authenticated');
  perform set_config('tests.user_' || label, v_id::text, true);
  return ok(exists (select from auth.users where id = v_id), format('user %s exists', label));
end
$$;

create function pg_temp.get_supabase_uid(label text) returns uuid
language sql stable as $$ select current_setting('tests.user_' || label)::uuid $$;

create function pg_temp.authenticate_as(label text) returns text
language plpgsql as $$
begin
  perform pg_temp.act('authenticated', pg_temp.get_supabase_uid(label));
  return ok(current_user = 'authenticated' and auth.uid() = pg_temp.get_supabase_uid(label),
    format('acting as %s (authenticated)', label));
end
$$;

create function pg_temp.authenticate_as_anon() returns text
language plpgsql as $$
begin
  perform pg_temp.act('anon', null);
  return ok(current_user = 'anon' and auth.uid() is null, 'acting as anon');
end
$$;

create function pg_temp.authenticate_as_service_role() returns text
language plpgsql as $$
begin
  perform pg_temp.act('service_role', null);
  return ok(current_user = 'service_role' and auth.role() = 'service_role', 'acting as service_role');
end
$$;

-- Back to the migration owner (postgres), with no JWT.
create function pg_temp.clear_authentication() returns text
language plpgsql as $$
begin
  perform pg_temp.act('none', null);
  return ok(current_user = session_user and auth.uid() is null, 'acting as the owner again');
end
$$;

-- How many rows a statement touched, as the current role (RLS hides rows rather than failing).
create function pg_temp.rows_affected(statement text) returns bigint
language plpgsql as $$
declare
  n bigint;
begin
  execute statement;
  get diagnostics n = row_count;
  return n;
end
$$;

-- Unique per run (the transaction id), so rows never collide with anyone else's.
create function pg_temp.email(label text) returns text
language sql stable as $$ select format('pgtap.%s.%s@rowgate.test', label, txid_current()) $$;
create function pg_temp.submission(label text) returns text
language sql stable as $$ select format('pgtap-%s-%s', label, txid_current()) $$;

-- ---------------------------------------------------------------------------------------------
-- dyniq.tier_for_score: HOT from 70, WARM from 40, COLD below (rowgate-core uses the same)
-- ---------------------------------------------------------------------------------------------

select function_returns('dyniq', 'tier_for_score', array['integer'], 'text');
select volatility_is('dyniq', 'tier_for_score', array['integer'], 'immutable');
select is(dyniq.tier_for_score(null), null, 'no score has no tier');
select is(dyniq.tier_for_score(0), 'COLD', 'a score of 0 is COLD');
select is(dyniq.tier_for_score(39), 'COLD', 'a score of 39 is COLD');
select is(dyniq.tier_for_score(40), 'WARM', 'a score of 40 is WARM');
select is(dyniq.tier_for_score(69), 'WARM', 'a score of 69 is WARM');
select is(dyniq.tier_for_score(70), 'HOT', 'a score of 70 is HOT');
select is(dyniq.tier_for_score(100), 'HOT', 'a score of 100 is HOT');
select function_privs_are('dyniq', 'tier_for_score', array['integer'], 'authenticated', array['EXECUTE']);
select function_privs_are('dyniq', 'tier_for_score', array['integer'], 'service_role', array['EXECUTE']);
select function_privs_are('dyniq', 'tier_for_score', array['integer'], 'anon', array[]::text[]);

-- ---------------------------------------------------------------------------------------------
-- dyniq.thread_uuid: uuid5(NAMESPACE_DNS, thread_id), as Python computes it
-- ---------------------------------------------------------------------------------------------

select function_returns('dyniq', 'thread_uuid', array['text'], 'uuid');
select volatility_is('dyniq', 'thread_uuid', array['text'], 'immutable');
select is(dyniq.thread_uuid('bm-test-123'), '652a8fcd-e7fc-52d8-92bd-e809fa09c971'::uuid,
  'thread_uuid(''bm-test-123'') equals Python''s uuid5(NAMESPACE_DNS, ''bm-test-123'')');
select is(dyniq.thread_uuid('python.org'), '886313e1-3b8a-5372-9b90-0c9aee199e5d'::uuid,
  'thread_uuid(''python.org'') equals the example in Python''s uuid documentation');
select is(dyniq.thread_uuid(null), null, 'no thread id has no uuid');
select function_privs_are('dyniq', 'thread_uuid', array['text'], 'authenticated', array['EXECUTE']);
select function_privs_are('dyniq', 'thread_uuid', array['text'], 'service_role', array['EXECUTE']);
select function_privs_are('dyniq', 'thread_uuid', array['text'], 'anon', array[]::text[]);

-- ---------------------------------------------------------------------------------------------
-- dyniq.submit_quiz: only the service role (the pipeline, through the webhook) may call it
-- ---------------------------------------------------------------------------------------------

select function_returns('dyniq', 'submit_quiz',
  array['text', 'integer', 'text', 'text', 'jsonb', 'text', 'text', 'text', 'text', 'text', 'text[]', 'text[]', 'text'], 'jsonb');
select function_privs_are('dyniq', 'submit_quiz',
  array['text', 'integer', 'text', 'text', 'jsonb', 'text', 'text', 'text', 'text', 'text', 'text[]', 'text[]', 'text'],
  'anon', array[]::text[]);
select function_privs_are('dyniq', 'submit_quiz',
  array['text', 'integer', 'text', 'text', 'jsonb', 'text', 'text', 'text', 'text', 'text', 'text[]', 'text[]', 'text'],
  'authenticated', array[]::text[]);
select function_privs_are('dyniq', 'submit_quiz',
  array['text', 'integer', 'text', 'text', 'jsonb', 'text', 'text', 'text', 'text', 'text', 'text[]', 'text[]', 'text'],
  'service_role', array['EXECUTE']);

select pg_temp.create_supabase_user('alice');
select pg_temp.authenticate_as_anon();
select throws_ok($$ select dyniq.submit_quiz(pg_temp.email('anon'), 50) $$, '42501',
  'permission denied for function submit_quiz', 'anon cannot submit a quiz');
select pg_temp.authenticate_as('alice');
select throws_ok($$ select dyniq.submit_quiz(pg_temp.email('alice'), 50) $$, '42501',
  'permission denied for function submit_quiz', 'a signed-in user cannot submit a quiz');

-- ---------------------------------------------------------------------------------------------
-- dyniq.submit_quiz: behaviour, called as the service role
-- ---------------------------------------------------------------------------------------------

select pg_temp.authenticate_as_service_role();

-- A first submission creates the lead and the response in one call.
select is(
  dyniq.submit_quiz(
    p_email => '  ' || upper(pg_temp.email('ada')) || ' ',
    p_total_score => 75,
    p_submission_id => pg_temp.submission('1'),
    p_answers => '{"q1": 4}',
    p_sales_briefing_url => 'https://example.com/briefings/1',
    p_name => 'Ada',
    p_phone => '+14155550123',
    p_company_name => 'Acme',
    p_industry => 'Manufacturing',
    p_pain_points => array['cash flow'],
    p_needs => array['automation'],
    p_urgency => 'immediate'
  ) - 'lead_id' - 'quiz_response_id',
  '{"tier": "HOT", "duplicate": false}'::jsonb,
  'a first submission reports its tier, computed from the score, and is not a duplicate');
select results_eq(
  $$ select email::text, name::text, phone::text, company_name::text, industry::text, source, tier, lead_score,
            pain_points, needs, urgency
       from dyniq.leads where email = pg_temp.email('ada') $$,
  $$ values (pg_temp.email('ada'), 'Ada', '+14155550123', 'Acme', 'Manufacturing', 'quiz', 'HOT', 75,
             array['cash flow'], array['automation'], 'immediate') $$,
  'it creates the lead with its email trimmed and lower-cased, source quiz, the tier and the score');
select results_eq(
  $$ select submission_id::text, total_score, tier, sales_briefing_url, answers
       from dyniq.quiz_responses where email = pg_temp.email('ada') $$,
  $$ values (pg_temp.submission('1'), 75, 'HOT', 'https://example.com/briefings/1', '{"q1": 4}'::jsonb) $$,
  'and the quiz response, under the same email');

-- The same submission again (a webhook retried) returns the first result and writes nothing.
select results_eq(
  $$ select r ->> 'tier', (r ->> 'duplicate')::boolean, (r ->> 'lead_id')::uuid, (r ->> 'quiz_response_id')::uuid
       from dyniq.submit_quiz(pg_temp.email('ada'), 10, pg_temp.submission('1'), p_name => 'Someone Else') as r $$,
  $$ select 'HOT', true, l.id, q.id
       from dyniq.leads l join dyniq.quiz_responses q on q.email = l.email
      where l.email = pg_temp.email('ada') $$,
  'a repeated submission id returns the first lead and response, marked duplicate');
select results_eq(
  $$ select (select count(*) from dyniq.leads where email = pg_temp.email('ada')),
            (select count(*) from dyniq.quiz_responses where email = pg_temp.email('ada')),
            (select lead_score from dyniq.leads where email = pg_temp.email('ada')),
            (select name::text from dyniq.leads where email = pg_temp.email('ada')) $$,
  $$ values (1::bigint, 1::bigint, 75, 'Ada') $$,
  'and writes nothing: still one lead, one response, the first score and name');

-- A later submission refreshes the score and tier but does not erase contact details.
select is(
  dyniq.submit_quiz(pg_temp.email('ada'), 30, pg_temp.submission('2')) - 'lead_id' - 'quiz_response_id',
  '{"tier": "COLD", "duplicate": false}'::jsonb,
  'a later submission without contact details is accepted');
select results_eq(
  $$ select name::text, phone::text, company_name::text, industry::text, pain_points, needs, urgency, tier, lead_score
       from dyniq.leads where email = pg_temp.email('ada') $$,
  $$ values ('Ada', '+14155550123', 'Acme', 'Manufacturing', array['cash flow'], array['automation'], 'immediate', 'COLD', 30) $$,
  'it updates the lead''s score and tier and keeps its contact details');
select is(
  (select count(*) from dyniq.quiz_responses where email = pg_temp.email('ada')),
  2::bigint,
  'and adds a second response');

-- A tier the sender gives is kept (in canonical case), whatever the score says.
select is(
  dyniq.submit_quiz(pg_temp.email('ada'), 10, pg_temp.submission('3'), p_tier => ' hot ', p_name => 'Ada Lovelace')
    - 'lead_id' - 'quiz_response_id',
  '{"tier": "HOT", "duplicate": false}'::jsonb,
  'a given tier is used rather than the score''s');
select results_eq(
  $$ select l.tier, q.tier, l.name::text
       from dyniq.leads l join dyniq.quiz_responses q on q.email = l.email
      where l.email = pg_temp.email('ada') and q.submission_id = pg_temp.submission('3') $$,
  $$ values ('HOT', 'HOT', 'Ada Lovelace') $$,
  'on both the lead and the response; contact details that are given replace the old ones');

-- A lead that came from elsewhere keeps its source.
select lives_ok(
  $$ insert into dyniq.leads (email, source, status) values (pg_temp.email('pilot'), 'pilot', 'active') $$,
  'a pilot lead exists');
select lives_ok($$ select dyniq.submit_quiz(pg_temp.email('pilot'), 55) $$, 'the pilot lead takes the quiz');
select results_eq(
  $$ select source, status, tier, lead_score from dyniq.leads where email = pg_temp.email('pilot') $$,
  $$ values ('pilot', 'active', 'WARM', 55) $$,
  'it keeps its source and status and gets the score and tier');

-- Without a submission id there is nothing to deduplicate on: each call is a response.
select lives_ok(
  $$ select dyniq.submit_quiz(pg_temp.email('anonymous'), 20), dyniq.submit_quiz(pg_temp.email('anonymous'), 20) $$,
  'two submissions without an id are accepted');
select is(
  (select count(*) from dyniq.quiz_responses where email = pg_temp.email('anonymous')),
  2::bigint,
  'and both are recorded');

-- A bad value fails the call as a whole: no lead is left behind without its response.
select throws_ok($$ select dyniq.submit_quiz(pg_temp.email('score101'), 101) $$, '23514',
  'new row for relation "leads" violates check constraint "leads_lead_score_range"',
  'a score of 101 is refused');
select is((select count(*) from dyniq.leads where email = pg_temp.email('score101')), 0::bigint,
  'and no lead is created');
select throws_ok($$ select dyniq.submit_quiz(pg_temp.email('answers'), 50, p_answers => '[1, 2]') $$, '23514',
  'new row for relation "quiz_responses" violates check constraint "quiz_responses_answers_object"',
  'answers that are not an object are refused, after the lead was written');
select is((select count(*) from dyniq.leads where email = pg_temp.email('answers')), 0::bigint,
  'and the lead written before the failure is gone too');
select throws_ok($$ select dyniq.submit_quiz(pg_temp.email('noscore'), null) $$, '23502', null,
  'a submission without a score is refused');
select is((select count(*) from dyniq.leads where email = pg_temp.email('noscore')), 0::bigint,
  'and no lead is created');
select throws_ok($$ select dyniq.submit_quiz('not-an-email', 50) $$, '23514',
  'new row for relation "leads" violates check constraint "leads_email_format"',
  'an address that is not an email is refused');
select throws_ok($$ select dyniq.submit_quiz(pg_temp.email('ada'), 50, pg_temp.submission('4'), p_tier => 'LUKEWARM') $$, '23514',
  'new row for relation "leads" violates check constraint "leads_tier_check"',
  'an unknown tier is refused');
select results_eq(
  $$ select (select count(*) from dyniq.quiz_responses where email = pg_temp.email('ada')),
            (select lead_score from dyniq.leads where email = pg_temp.email('ada')) $$,
  $$ values (3::bigint, 10) $$,
  'and the existing lead and its responses are untouched');
select is(
  dyniq.submit_quiz(pg_temp.email('blanktier'), 75, p_tier => '  ') ->> 'tier', 'HOT',
  'a blank tier counts as absent: the tier comes from the score');
select lives_ok(
  $$ update dyniq.quiz_responses set total_score = 20 where email = pg_temp.email('blanktier') $$,
  'a response''s score can be corrected');
select is((select tier from dyniq.quiz_responses where email = pg_temp.email('blanktier')), 'COLD',
  'and a corrected score without a tier of its own brings the matching tier');

select pg_temp.clear_authentication();

select * from finish();
rollback;
