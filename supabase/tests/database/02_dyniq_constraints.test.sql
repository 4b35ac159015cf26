-- dyniq: every constraint refuses a bad value (by its name, which the API maps to a field) and
-- accepts the good ones; empty strings are refused wherever a CHECK names the allowed values.
-- Runs as the owner: who may write is 04_dyniq_rls's concern.
begin;
select plan(106);

-- ---------------------------------------------------------------------------------------------
-- helpers for this file only, in pg_temp so that they vanish with the session (the shared ones
-- are tests.*, installed by 000_setup_test_helpers)
-- ---------------------------------------------------------------------------------------------

-- A content post's topic, unique to this run.
create function pg_temp.topic(label text) returns text
language sql stable as $$ select tests.unique_name(label, 'pgtap %s %s') $$;
-- A post's id, known before it is inserted (and after it is deleted).
create function pg_temp.post_id(label text) returns uuid
language sql stable as $$ select dyniq.thread_uuid(pg_temp.topic(label)) $$;
create function pg_temp.embedding(dimensions integer default 1536) returns extensions.vector
language sql immutable as $$ select array_fill(0.5::real, array[dimensions])::extensions.vector $$;

-- ---------------------------------------------------------------------------------------------
-- dyniq.leads
-- ---------------------------------------------------------------------------------------------

select lives_ok($$ insert into dyniq.leads (email) values (tests.email('base')) $$,
  'a lead needs only an email');
select tests.rejects_null($$ insert into dyniq.leads (name) values ('No Email') $$, 'leads', 'email',
  'a lead without an email is refused');
select tests.rejects($$ insert into dyniq.leads (email) values (tests.email('base')) $$, 'leads_email_key',
  'a second lead with the same email is refused');

-- Emails are stored trimmed and lower-cased, so one person is one lead.
select tests.rejects($$ insert into dyniq.leads (email) values (upper(tests.email('upper'))) $$, 'email_format',
  'an upper-case email is refused');
select tests.rejects($$ insert into dyniq.leads (email) values (' ' || tests.email('padded') || ' ') $$, 'email_format',
  'an email with surrounding spaces is refused');
select tests.rejects($$ insert into dyniq.leads (email) values ('no-at-sign.rowgate.test') $$, 'email_format',
  'an email without @ is refused');
select tests.rejects($$ insert into dyniq.leads (email) values ('pgtap@localhost') $$, 'email_format',
  'an email without a dot in its domain is refused');
select tests.rejects($$ insert into dyniq.leads (email) values ('') $$, 'email_format',
  'an empty email is refused');

-- Phone numbers are E.164: a plus sign and 7 to 15 digits, the first not zero.
select lives_ok($$ update dyniq.leads set phone = '+14155550123' where email = tests.email('base') $$,
  'an E.164 phone number is accepted');
select lives_ok($$ update dyniq.leads set phone = '+491234567890123' where email = tests.email('base') $$,
  'a 15-digit E.164 phone number is accepted');
select tests.rejects($$ update dyniq.leads set phone = '4155550123' where email = tests.email('base') $$, 'e164_phone_format',
  'a phone number without + is refused');
select tests.rejects($$ update dyniq.leads set phone = '+04155550123' where email = tests.email('base') $$, 'e164_phone_format',
  'a phone number whose country code starts with 0 is refused');
select tests.rejects($$ update dyniq.leads set phone = '+1 415 555 0123' where email = tests.email('base') $$, 'e164_phone_format',
  'a phone number with spaces is refused');
select tests.rejects($$ update dyniq.leads set phone = '+123456' where email = tests.email('base') $$, 'e164_phone_format',
  'a phone number of 6 digits is refused');
select tests.rejects($$ update dyniq.leads set phone = '' where email = tests.email('base') $$, 'e164_phone_format',
  'an empty phone number is refused');

select lives_ok(
  $$ insert into dyniq.leads (email, source, status, tier, urgency)
     values (tests.email('v1'), 'pilot', 'onboarding', 'HOT', 'immediate'),
            (tests.email('v2'), 'quiz', 'active', 'WARM', 'this_quarter'),
            (tests.email('v3'), 'referral', 'churned', 'COLD', 'this_year'),
            (tests.email('v4'), null, null, null, 'exploring') $$,
  'every allowed source, status, tier and urgency is accepted, and each may be null');
select tests.rejects($$ update dyniq.leads set source = '' where email = tests.email('base') $$, 'leads_source_check',
  'an empty source is refused');
select tests.rejects($$ update dyniq.leads set source = 'Quiz' where email = tests.email('base') $$, 'leads_source_check',
  'a source in the wrong case is refused');
select tests.rejects($$ update dyniq.leads set status = '' where email = tests.email('base') $$, 'leads_status_check',
  'an empty status is refused');
select tests.rejects($$ update dyniq.leads set status = 'lost' where email = tests.email('base') $$, 'leads_status_check',
  'an unknown status is refused');
select tests.rejects($$ update dyniq.leads set tier = '' where email = tests.email('base') $$, 'tier_check',
  'an empty tier is refused');
select tests.rejects($$ update dyniq.leads set tier = 'hot' where email = tests.email('base') $$, 'tier_check',
  'a tier in lower case is refused');
select tests.rejects($$ update dyniq.leads set urgency = '' where email = tests.email('base') $$, 'leads_urgency_check',
  'an empty urgency is refused');
select tests.rejects($$ update dyniq.leads set urgency = 'urgent' where email = tests.email('base') $$, 'leads_urgency_check',
  'an unknown urgency is refused');

select lives_ok($$ update dyniq.leads set lead_score = 0 where email = tests.email('base') $$, 'a lead score of 0 is accepted');
select lives_ok($$ update dyniq.leads set lead_score = 100 where email = tests.email('base') $$, 'a lead score of 100 is accepted');
select tests.rejects($$ update dyniq.leads set lead_score = -1 where email = tests.email('base') $$, 'leads_lead_score_range',
  'a lead score below 0 is refused');
select tests.rejects($$ update dyniq.leads set lead_score = 101 where email = tests.email('base') $$, 'leads_lead_score_range',
  'a lead score above 100 is refused');

select lives_ok($$ update dyniq.leads set pain_points = array['cash flow', 'hiring'], needs = array['automation'] where email = tests.email('base') $$,
  'pain points and needs are text arrays');
select tests.rejects_null($$ update dyniq.leads set pain_points = null where email = tests.email('base') $$, 'leads', 'pain_points',
  'pain points cannot be null (empty is {})');
select tests.rejects_null($$ update dyniq.leads set needs = null where email = tests.email('base') $$, 'leads', 'needs',
  'needs cannot be null (empty is {})');
select throws_ok($$ update dyniq.leads set name = repeat('x', 201) where email = tests.email('base') $$, '22001', null,
  'a name longer than 200 characters is refused');

-- ---------------------------------------------------------------------------------------------
-- dyniq.quiz_responses
-- ---------------------------------------------------------------------------------------------

select lives_ok(
  $$ insert into dyniq.quiz_responses (submission_id, email, total_score)
     values (tests.email('base-submission'), tests.email('base'), 50) $$,
  'a quiz response for an existing lead is accepted');
select tests.rejects(
  $$ insert into dyniq.quiz_responses (email, total_score) values (tests.email('nobody'), 50) $$,
  'quiz_responses_email_fkey',
  'a quiz response for an email that is not a lead is refused');
select tests.rejects(
  $$ insert into dyniq.quiz_responses (email, total_score) values (upper(tests.email('base')), 50) $$,
  'email_format',
  'a quiz response''s email in upper case is refused by its format (rowgate.email), not looked up as a lead');
select tests.rejects(
  $$ insert into dyniq.quiz_responses (submission_id, email, total_score) values (tests.email('base-submission'), tests.email('base'), 60) $$,
  'quiz_responses_submission_id_key',
  'a second response with the same submission id is refused');
select lives_ok(
  $$ insert into dyniq.quiz_responses (submission_id, email, total_score)
     values (null, tests.email('base'), 10), (null, tests.email('base'), 20) $$,
  'responses without a submission id do not collide');
select tests.rejects_null($$ insert into dyniq.quiz_responses (total_score) values (50) $$, 'quiz_responses', 'email',
  'a quiz response without an email is refused');
select tests.rejects_null($$ insert into dyniq.quiz_responses (email) values (tests.email('base')) $$, 'quiz_responses', 'total_score',
  'a quiz response without a score is refused');

select lives_ok(
  $$ insert into dyniq.quiz_responses (email, total_score) values (tests.email('base'), 0), (tests.email('base'), 100) $$,
  'scores of 0 and 100 are accepted');
select tests.rejects($$ insert into dyniq.quiz_responses (email, total_score) values (tests.email('base'), -1) $$,
  'quiz_responses_total_score_range', 'a score below 0 is refused');
select tests.rejects($$ insert into dyniq.quiz_responses (email, total_score) values (tests.email('base'), 101) $$,
  'quiz_responses_total_score_range', 'a score above 100 is refused');

-- The tier is filled from the score when absent (HOT from 70, WARM from 40, COLD below).
select results_eq(
  $$ insert into dyniq.quiz_responses (email, total_score) values (tests.email('base'), 39), (tests.email('base'), 40), (tests.email('base'), 70)
     returning tier::text $$,
  array['COLD', 'WARM', 'HOT'],
  'a response without a tier gets the tier of its score');
select results_eq(
  $$ insert into dyniq.quiz_responses (email, total_score, tier) values (tests.email('base'), 90, 'COLD') returning tier::text $$,
  array['COLD'],
  'a tier the sender gives is kept');
select tests.rejects($$ insert into dyniq.quiz_responses (email, total_score, tier) values (tests.email('base'), 50, '') $$,
  'tier_check', 'an empty tier is refused');
select tests.rejects($$ insert into dyniq.quiz_responses (email, total_score, tier) values (tests.email('base'), 50, 'warm') $$,
  'tier_check', 'a tier in lower case is refused');

select lives_ok(
  $$ update dyniq.quiz_responses set sales_briefing_url = 'https://example.com/briefing?id=1' where submission_id = tests.email('base-submission') $$,
  'an https briefing url is accepted');
select tests.rejects(
  $$ update dyniq.quiz_responses set sales_briefing_url = 'ftp://example.com/briefing' where submission_id = tests.email('base-submission') $$,
  'http_url_format', 'a briefing url that is not http(s) is refused');
select tests.rejects(
  $$ update dyniq.quiz_responses set sales_briefing_url = '' where submission_id = tests.email('base-submission') $$,
  'http_url_format', 'an empty briefing url is refused');
select lives_ok(
  $$ update dyniq.quiz_responses set answers = '{"q1": 3, "q2": "yes"}' where submission_id = tests.email('base-submission') $$,
  'answers as a JSON object are accepted');
select tests.rejects(
  $$ update dyniq.quiz_responses set answers = '[1, 2]' where submission_id = tests.email('base-submission') $$,
  'quiz_responses_answers_object', 'answers that are not a JSON object are refused');

-- The email foreign key cascades: a corrected email follows, a deleted lead takes its responses.
select lives_ok(
  $$ update dyniq.leads set email = tests.email('renamed') where email = tests.email('base') $$,
  'a lead''s email can be corrected although responses refer to it');
select is(
  (select count(*) from dyniq.quiz_responses where email = tests.email('renamed')),
  9::bigint,
  'its quiz responses follow the new email (on update cascade)');
select lives_ok($$ delete from dyniq.leads where email = tests.email('renamed') $$, 'the lead is deleted');
select is(
  (select count(*) from dyniq.quiz_responses where email in (tests.email('renamed'), tests.email('base'))),
  0::bigint,
  'its quiz responses go with it (on delete cascade)');

-- ---------------------------------------------------------------------------------------------
-- dyniq.content_posts and dyniq.content_metrics
-- ---------------------------------------------------------------------------------------------

select lives_ok(
  $$ insert into dyniq.content_posts (id, platform, topic)
     values (pg_temp.post_id('base'), 'linkedin', pg_temp.topic('base')), (pg_temp.post_id('other'), 'twitter', pg_temp.topic('other')) $$,
  'posts on linkedin and twitter are accepted');
select tests.rejects_null($$ insert into dyniq.content_posts (topic) values ('no platform') $$, 'content_posts', 'platform',
  'a post without a platform is refused');
select tests.rejects($$ insert into dyniq.content_posts (platform) values ('') $$, 'content_posts_platform_check',
  'an empty platform is refused');
select tests.rejects($$ insert into dyniq.content_posts (platform) values ('LinkedIn') $$, 'content_posts_platform_check',
  'a platform in the wrong case is refused');
select tests.rejects($$ insert into dyniq.content_posts (platform) values ('facebook') $$, 'content_posts_platform_check',
  'an unknown platform is refused');
select throws_ok($$ insert into dyniq.content_posts (platform, topic) values ('linkedin', repeat('x', 201)) $$, '22001', null,
  'a topic longer than 200 characters is refused');

select lives_ok(
  $$ insert into dyniq.content_metrics (post_id, likes, comments, engagement_rate) values (pg_temp.post_id('base'), 0, 0, 0) $$,
  'metrics for a post are accepted');
select results_eq(
  $$ select metric_date from dyniq.content_metrics where post_id = pg_temp.post_id('base') $$,
  $$ values (current_date) $$,
  'metric_date defaults to today');
select lives_ok(
  $$ insert into dyniq.content_metrics (post_id, metric_date, likes, comments, engagement_rate) values (pg_temp.post_id('base'), current_date - 1, 10, 2, 1) $$,
  'the same post on another day is accepted, and an engagement rate of 1 too');
select tests.rejects(
  $$ insert into dyniq.content_metrics (post_id) values (pg_temp.post_id('base')) $$,
  'content_metrics_post_id_metric_date_key', 'a second metrics row for the same post and day is refused');
select tests.rejects(
  $$ insert into dyniq.content_metrics (post_id) values (gen_random_uuid()) $$,
  'content_metrics_post_id_fkey', 'metrics for an unknown post are refused');
select tests.rejects_null($$ insert into dyniq.content_metrics (likes) values (1) $$, 'content_metrics', 'post_id',
  'metrics without a post are refused');
select tests.rejects(
  $$ insert into dyniq.content_metrics (post_id, likes) values (pg_temp.post_id('other'), -1) $$,
  'content_metrics_likes_range', 'negative likes are refused');
select tests.rejects(
  $$ insert into dyniq.content_metrics (post_id, comments) values (pg_temp.post_id('other'), -1) $$,
  'content_metrics_comments_range', 'negative comments are refused');
select tests.rejects(
  $$ insert into dyniq.content_metrics (post_id, engagement_rate) values (pg_temp.post_id('other'), -0.01) $$,
  'content_metrics_engagement_rate_range', 'a negative engagement rate is refused');
select tests.rejects(
  $$ insert into dyniq.content_metrics (post_id, engagement_rate) values (pg_temp.post_id('other'), 4.2) $$,
  'content_metrics_engagement_rate_range', 'an engagement rate above 1 (a percentage, not a fraction) is refused');
select lives_ok($$ delete from dyniq.content_posts where topic = pg_temp.topic('base') $$, 'a post with metrics can be deleted');
select is(
  (select count(*) from dyniq.content_metrics where post_id = pg_temp.post_id('base')),
  0::bigint,
  'its metrics go with it (on delete cascade)');

-- ---------------------------------------------------------------------------------------------
-- dyniq.board_meetings
-- ---------------------------------------------------------------------------------------------

select lives_ok(
  $$ insert into dyniq.board_meetings (thread_id, topic) values (tests.thread_id('base'), 'Should we hire?') $$,
  'a board meeting needs a bm- thread id and a topic');
select results_eq(
  $$ select level, status, agent_analyses, agent_count from dyniq.board_meetings where thread_id = tests.thread_id('base') $$,
  $$ values (0, 'processing', '{}'::jsonb, 0) $$,
  'a new meeting is at level 0, processing, with no analyses and no agents');
select lives_ok(
  $$ insert into dyniq.board_meetings (thread_id, topic) values (format('bm-test-123-%s', txid_current()), 'x'), (format('bm-A_b-%s', txid_current()), 'x') $$,
  'thread ids such as bm-test-123 and bm-A_b are accepted');
select tests.rejects(
  $$ insert into dyniq.board_meetings (thread_id, topic) values (tests.thread_id('base'), 'again') $$,
  'board_meetings_thread_id_key', 'a second meeting with the same thread id is refused');
select tests.rejects($$ insert into dyniq.board_meetings (thread_id, topic) values ('test-123', 'x') $$,
  'thread_id_format', 'a thread id without the bm- prefix is refused');
select tests.rejects($$ insert into dyniq.board_meetings (thread_id, topic) values ('BM-test-123', 'x') $$,
  'thread_id_format', 'a thread id with an upper-case prefix is refused');
select tests.rejects($$ insert into dyniq.board_meetings (thread_id, topic) values ('bm-', 'x') $$,
  'thread_id_format', 'a bare bm- prefix is refused');
select tests.rejects($$ insert into dyniq.board_meetings (thread_id, topic) values ('bm-_x', 'x') $$,
  'thread_id_format', 'a thread id whose first character after bm- is not a letter or digit is refused');
select tests.rejects($$ insert into dyniq.board_meetings (thread_id, topic) values ('bm-a b', 'x') $$,
  'thread_id_format', 'a thread id with a space is refused');
select tests.rejects($$ insert into dyniq.board_meetings (thread_id, topic) values ('', 'x') $$,
  'thread_id_format', 'an empty thread id is refused');
select tests.rejects_null($$ insert into dyniq.board_meetings (topic) values ('x') $$, 'board_meetings', 'thread_id',
  'a meeting without a thread id is refused');
select tests.rejects_null($$ insert into dyniq.board_meetings (thread_id) values (tests.thread_id('no-topic')) $$, 'board_meetings', 'topic',
  'a meeting without a topic is refused');

select lives_ok($$ update dyniq.board_meetings set level = 5 where thread_id = tests.thread_id('base') $$, 'level 5 is accepted');
select tests.rejects($$ update dyniq.board_meetings set level = -1 where thread_id = tests.thread_id('base') $$,
  'board_meetings_level_range', 'a level below 0 is refused');
select tests.rejects($$ update dyniq.board_meetings set level = 6 where thread_id = tests.thread_id('base') $$,
  'board_meetings_level_range', 'a level above 5 is refused');
select lives_ok(
  $$ update dyniq.board_meetings set status = 'completed', recommendation = 'ADOPT' where thread_id = tests.thread_id('base') $$,
  'status completed with recommendation ADOPT is accepted');
select lives_ok(
  $$ update dyniq.board_meetings set status = 'stalled', recommendation = 'DEFER' where thread_id = tests.thread_id('base') $$,
  'status stalled with recommendation DEFER is accepted');
select lives_ok(
  $$ update dyniq.board_meetings set status = 'processing', recommendation = 'REJECT' where thread_id = tests.thread_id('base') $$,
  'status processing with recommendation REJECT is accepted');
select tests.rejects($$ update dyniq.board_meetings set status = '' where thread_id = tests.thread_id('base') $$,
  'board_meetings_status_check', 'an empty status is refused');
select tests.rejects($$ update dyniq.board_meetings set status = 'done' where thread_id = tests.thread_id('base') $$,
  'board_meetings_status_check', 'an unknown status is refused');
select tests.rejects($$ update dyniq.board_meetings set recommendation = '' where thread_id = tests.thread_id('base') $$,
  'board_meetings_recommendation_check', 'an empty recommendation is refused');
select tests.rejects($$ update dyniq.board_meetings set recommendation = 'adopt' where thread_id = tests.thread_id('base') $$,
  'board_meetings_recommendation_check', 'a recommendation in lower case is refused');
select tests.rejects($$ update dyniq.board_meetings set agent_analyses = '"text"' where thread_id = tests.thread_id('base') $$,
  'board_meetings_agent_analyses_object', 'agent analyses that are not a JSON object are refused');
select lives_ok($$ update dyniq.board_meetings set total_cost_usd = 0, agent_count = 0 where thread_id = tests.thread_id('base') $$,
  'a cost and agent count of 0 are accepted');
select tests.rejects($$ update dyniq.board_meetings set total_cost_usd = -0.01 where thread_id = tests.thread_id('base') $$,
  'board_meetings_total_cost_usd_range', 'a negative cost is refused');
select tests.rejects($$ update dyniq.board_meetings set agent_count = -1 where thread_id = tests.thread_id('base') $$,
  'board_meetings_agent_count_range', 'a negative agent count is refused');

-- ---------------------------------------------------------------------------------------------
-- dyniq.universal_embeddings
-- ---------------------------------------------------------------------------------------------

select lives_ok(
  $$ insert into dyniq.universal_embeddings (source_id, source_type, content, embedding)
     values (dyniq.thread_uuid(tests.thread_id('base')), 'board_meeting', pg_temp.topic('embedding'), pg_temp.embedding()) $$,
  'an embedding of 1536 dimensions is accepted');
select results_eq(
  $$ select source_id, metadata from dyniq.universal_embeddings where content = pg_temp.topic('embedding') $$,
  $$ values (dyniq.thread_uuid(tests.thread_id('base')), '{}'::jsonb) $$,
  'it keeps its source id, and metadata defaults to {}');
select throws_ok(
  $$ insert into dyniq.universal_embeddings (source_id, source_type, content, embedding)
     values (gen_random_uuid(), 'board_meeting', 'x', pg_temp.embedding(3)) $$,
  '22000', 'expected 1536 dimensions, not 3',
  'an embedding of another dimension is refused');
select tests.rejects_null(
  $$ insert into dyniq.universal_embeddings (source_id, source_type, content) values (gen_random_uuid(), 'board_meeting', 'x') $$,
  'universal_embeddings', 'embedding', 'an embedding row without a vector is refused');
select tests.rejects_null(
  $$ insert into dyniq.universal_embeddings (source_type, content, embedding) values ('board_meeting', 'x', pg_temp.embedding()) $$,
  'universal_embeddings', 'source_id', 'an embedding without a source id is refused');
select tests.rejects(
  $$ insert into dyniq.universal_embeddings (source_id, source_type, content, embedding, metadata)
     values (gen_random_uuid(), 'board_meeting', 'x', pg_temp.embedding(), '[]') $$,
  'universal_embeddings_metadata_object', 'metadata that is not a JSON object is refused');
select results_eq(
  $$ select content from dyniq.universal_embeddings where content = pg_temp.topic('embedding')
      order by embedding operator(extensions.<=>) pg_temp.embedding() limit 1 $$,
  array[pg_temp.topic('embedding')],
  'embeddings can be ordered by cosine distance');

select * from finish();
rollback;
