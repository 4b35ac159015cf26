-- dyniq's SQL functions: the quiz tier thresholds, the thread id's UUID v5 (equal to Python's),
-- and the quiz submission (lead upsert and quiz response in one call, idempotent by submission
-- id), with who may call each. The stalled-meeting job's function is in 05_dyniq_cron.
begin;
select plan(58);

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

select tests.create_supabase_user('alice');
select tests.authenticate_as_anon();
select throws_ok($$ select dyniq.submit_quiz(tests.email('anon'), 50) $$, '42501',
  'permission denied for function submit_quiz', 'anon cannot submit a quiz');
select tests.authenticate_as('alice');
select throws_ok($$ select dyniq.submit_quiz(tests.email('alice'), 50) $$, '42501',
  'permission denied for function submit_quiz', 'a signed-in user cannot submit a quiz');

-- ---------------------------------------------------------------------------------------------
-- dyniq.submit_quiz: behaviour, called as the service role
-- ---------------------------------------------------------------------------------------------

select tests.authenticate_as_service_role();

-- A first submission creates the lead and the response in one call.
select is(
  dyniq.submit_quiz(
    p_email => '  ' || upper(tests.email('ada')) || ' ',
    p_total_score => 75,
    p_submission_id => tests.unique_name('1'),
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
  $$ select email::text, name::text, phone::text, company_name::text, industry::text, source, tier::text, lead_score,
            pain_points, needs, urgency
       from dyniq.leads where email = tests.email('ada') $$,
  $$ values (tests.email('ada'), 'Ada', '+14155550123', 'Acme', 'Manufacturing', 'quiz', 'HOT', 75,
             array['cash flow'], array['automation'], 'immediate') $$,
  'it creates the lead with its email trimmed and lower-cased, source quiz, the tier and the score');
select results_eq(
  $$ select submission_id::text, total_score, tier::text, sales_briefing_url::text, answers
       from dyniq.quiz_responses where email = tests.email('ada') $$,
  $$ values (tests.unique_name('1'), 75, 'HOT', 'https://example.com/briefings/1', '{"q1": 4}'::jsonb) $$,
  'and the quiz response, under the same email');

-- The same submission again (a webhook retried) returns the first result and writes nothing.
select results_eq(
  $$ select r ->> 'tier', (r ->> 'duplicate')::boolean, (r ->> 'lead_id')::uuid, (r ->> 'quiz_response_id')::uuid
       from dyniq.submit_quiz(tests.email('ada'), 10, tests.unique_name('1'), p_name => 'Someone Else') as r $$,
  $$ select 'HOT', true, l.id, q.id
       from dyniq.leads l join dyniq.quiz_responses q on q.email = l.email
      where l.email = tests.email('ada') $$,
  'a repeated submission id returns the first lead and response, marked duplicate');
select results_eq(
  $$ select (select count(*) from dyniq.leads where email = tests.email('ada')),
            (select count(*) from dyniq.quiz_responses where email = tests.email('ada')),
            (select lead_score from dyniq.leads where email = tests.email('ada')),
            (select name::text from dyniq.leads where email = tests.email('ada')) $$,
  $$ values (1::bigint, 1::bigint, 75, 'Ada') $$,
  'and writes nothing: still one lead, one response, the first score and name');

-- A later submission refreshes the score and tier but does not erase contact details.
select is(
  dyniq.submit_quiz(tests.email('ada'), 30, tests.unique_name('2')) - 'lead_id' - 'quiz_response_id',
  '{"tier": "COLD", "duplicate": false}'::jsonb,
  'a later submission without contact details is accepted');
select results_eq(
  $$ select name::text, phone::text, company_name::text, industry::text, pain_points, needs, urgency, tier::text, lead_score
       from dyniq.leads where email = tests.email('ada') $$,
  $$ values ('Ada', '+14155550123', 'Acme', 'Manufacturing', array['cash flow'], array['automation'], 'immediate', 'COLD', 30) $$,
  'it updates the lead''s score and tier and keeps its contact details');
select is(
  (select count(*) from dyniq.quiz_responses where email = tests.email('ada')),
  2::bigint,
  'and adds a second response');

-- A tier the sender gives is kept (in canonical case), whatever the score says.
select is(
  dyniq.submit_quiz(tests.email('ada'), 10, tests.unique_name('3'), p_tier => ' hot ', p_name => 'Ada Lovelace')
    - 'lead_id' - 'quiz_response_id',
  '{"tier": "HOT", "duplicate": false}'::jsonb,
  'a given tier is used rather than the score''s');
select results_eq(
  $$ select l.tier::text, q.tier::text, l.name::text
       from dyniq.leads l join dyniq.quiz_responses q on q.email = l.email
      where l.email = tests.email('ada') and q.submission_id = tests.unique_name('3') $$,
  $$ values ('HOT', 'HOT', 'Ada Lovelace') $$,
  'on both the lead and the response; contact details that are given replace the old ones');

-- A lead that came from elsewhere keeps its source.
select lives_ok(
  $$ insert into dyniq.leads (email, source, status) values (tests.email('pilot'), 'pilot', 'active') $$,
  'a pilot lead exists');
select lives_ok($$ select dyniq.submit_quiz(tests.email('pilot'), 55) $$, 'the pilot lead takes the quiz');
select results_eq(
  $$ select source, status, tier::text, lead_score from dyniq.leads where email = tests.email('pilot') $$,
  $$ values ('pilot', 'active', 'WARM', 55) $$,
  'it keeps its source and status and gets the score and tier');

-- Without a submission id there is nothing to deduplicate on: each call is a response.
select lives_ok(
  $$ select dyniq.submit_quiz(tests.email('anonymous'), 20), dyniq.submit_quiz(tests.email('anonymous'), 20) $$,
  'two submissions without an id are accepted');
select is(
  (select count(*) from dyniq.quiz_responses where email = tests.email('anonymous')),
  2::bigint,
  'and both are recorded');

-- A bad value fails the call as a whole: no lead is left behind without its response.
select throws_ok($$ select dyniq.submit_quiz(tests.email('score101'), 101) $$, '23514',
  'new row for relation "leads" violates check constraint "leads_lead_score_range"',
  'a score of 101 is refused');
select is((select count(*) from dyniq.leads where email = tests.email('score101')), 0::bigint,
  'and no lead is created');
select throws_ok($$ select dyniq.submit_quiz(tests.email('answers'), 50, p_answers => '[1, 2]') $$, '23514',
  'new row for relation "quiz_responses" violates check constraint "quiz_responses_answers_object"',
  'answers that are not an object are refused, after the lead was written');
select is((select count(*) from dyniq.leads where email = tests.email('answers')), 0::bigint,
  'and the lead written before the failure is gone too');
select throws_ok($$ select dyniq.submit_quiz(tests.email('noscore'), null) $$, '23502', null,
  'a submission without a score is refused');
select is((select count(*) from dyniq.leads where email = tests.email('noscore')), 0::bigint,
  'and no lead is created');
select throws_ok($$ select dyniq.submit_quiz('not-an-email', 50) $$, '23514',
  'value for domain rowgate.email violates check constraint "email_format"',
  'an address that is not an email is refused');
select throws_ok($$ select dyniq.submit_quiz(tests.email('ada'), 50, tests.unique_name('4'), p_tier => 'LUKEWARM') $$, '23514',
  'value for domain dyniq.tier violates check constraint "tier_check"',
  'an unknown tier is refused');
select results_eq(
  $$ select (select count(*) from dyniq.quiz_responses where email = tests.email('ada')),
            (select lead_score from dyniq.leads where email = tests.email('ada')) $$,
  $$ values (3::bigint, 10) $$,
  'and the existing lead and its responses are untouched');
select is(
  dyniq.submit_quiz(tests.email('blanktier'), 75, p_tier => '  ') ->> 'tier', 'HOT',
  'a blank tier counts as absent: the tier comes from the score');
select lives_ok(
  $$ update dyniq.quiz_responses set total_score = 20 where email = tests.email('blanktier') $$,
  'a response''s score can be corrected');
select is((select tier from dyniq.quiz_responses where email = tests.email('blanktier')), 'COLD',
  'and a corrected score without a tier of its own brings the matching tier');

select tests.clear_authentication();

select * from finish();
rollback;
