-- dyniq: every constraint refuses a bad value (by its name, which the API maps to a field) and
-- accepts the good ones; empty strings are refused wherever a CHECK names the allowed values.
-- Runs as the owner: who may write is 04_dyniq_rls's concern.
begin;
select plan(105);

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

-- Asserts that a statement is refused by the named constraint, with the SQLSTATE and the
-- message PostgREST passes on (the API maps the constraint's name to a field).
create function pg_temp.rejects(statement text, constraint_name name, description text) returns text
language plpgsql as $$
declare
  c record;
begin
  select con.contype, con.conname, rel.relname into c
    from pg_constraint con join pg_class rel on rel.oid = con.conrelid
   where con.conname = constraint_name and con.connamespace in ('dyniq'::regnamespace, 'walker_os'::regnamespace);
  if not found then
    return fail(format('%s (there is no constraint %s)', description, constraint_name));
  end if;
  return case c.contype
    when 'c' then throws_ok(statement, '23514',
      format('new row for relation "%s" violates check constraint "%s"', c.relname, c.conname), description)
    when 'f' then throws_ok(statement, '23503',
      format('insert or update on table "%s" violates foreign key constraint "%s"', c.relname, c.conname), description)
    else throws_ok(statement, '23505',
      format('duplicate key value violates unique constraint "%s"', c.conname), description)
  end;
end
$$;

create function pg_temp.rejects_null(statement text, table_name name, column_name name, description text) returns text
language sql as $$
  select throws_ok(statement, '23502',
    format('null value in column "%s" of relation "%s" violates not-null constraint', column_name, table_name), description)
$$;

-- Unique per run (the transaction id), so rows never collide with anyone else's.
create function pg_temp.email(label text) returns text
language sql stable as $$ select format('pgtap.%s.%s@rowgate.test', label, txid_current()) $$;
create function pg_temp.thread_id(label text) returns text
language sql stable as $$ select format('bm-pgtap-%s-%s', label, txid_current()) $$;
create function pg_temp.topic(label text) returns text
language sql stable as $$ select format('pgtap %s %s', label, txid_current()) $$;
-- A post's id, known before it is inserted (and after it is deleted).
create function pg_temp.post_id(label text) returns uuid
language sql stable as $$ select dyniq.thread_uuid(pg_temp.topic(label)) $$;
create function pg_temp.embedding(dimensions integer default 1536) returns extensions.vector
language sql immutable as $$ select array_fill(0.5::real, array[dimensions])::extensions.vector $$;

-- ---------------------------------------------------------------------------------------------
-- dyniq.leads
-- ---------------------------------------------------------------------------------------------

select lives_ok($$ insert into dyniq.leads (email) values (pg_temp.email('base')) $$,
  'a lead needs only an email');
select pg_temp.rejects_null($$ insert into dyniq.leads (name) values ('No Email') $$, 'leads', 'email',
  'a lead without an email is refused');
select pg_temp.rejects($$ insert into dyniq.leads (email) values (pg_temp.email('base')) $$, 'leads_email_key',
  'a second lead with the same email is refused');

-- Emails are stored trimmed and lower-cased, so one person is one lead.
select pg_temp.rejects($$ insert into dyniq.leads (email) values (upper(pg_temp.email('upper'))) $$, 'leads_email_format',
  'an upper-case email is refused');
select pg_temp.rejects($$ insert into dyniq.leads (email) values (' ' || pg_temp.email('padded') || ' ') $$, 'leads_email_format',
  'an email with surrounding spaces is refused');
select pg_temp.rejects($$ insert into dyniq.leads (email) values ('no-at-sign.rowgate.test') $$, 'leads_email_format',
  'an email without @ is refused');
select pg_temp.rejects($$ insert into dyniq.leads (email) values ('pgtap@localhost') $$, 'leads_email_format',
  'an email without a dot in its domain is refused');
select pg_temp.rejects($$ insert into dyniq.leads (email) values ('') $$, 'leads_email_format',
  'an empty email is refused');

-- Phone numbers are E.164: a plus sign and 7 to 15 digits, the first not zero.
select lives_ok($$ update dyniq.leads set phone = '+14155550123' where email = pg_temp.email('base') $$,
  'an E.164 phone number is accepted');
select lives_ok($$ update dyniq.leads set phone = '+491234567890123' where email = pg_temp.email('base') $$,
  'a 15-digit E.164 phone number is accepted');
select pg_temp.rejects($$ update dyniq.leads set phone = '4155550123' where email = pg_temp.email('base') $$, 'leads_phone_format',
  'a phone number without + is refused');
select pg_temp.rejects($$ update dyniq.leads set phone = '+04155550123' where email = pg_temp.email('base') $$, 'leads_phone_format',
  'a phone number whose country code starts with 0 is refused');
select pg_temp.rejects($$ update dyniq.leads set phone = '+1 415 555 0123' where email = pg_temp.email('base') $$, 'leads_phone_format',
  'a phone number with spaces is refused');
select pg_temp.rejects($$ update dyniq.leads set phone = '+123456' where email = pg_temp.email('base') $$, 'leads_phone_format',
  'a phone number of 6 digits is refused');
select pg_temp.rejects($$ update dyniq.leads set phone = '' where email = pg_temp.email('base') $$, 'leads_phone_format',
  'an empty phone number is refused');

select lives_ok(
  $$ insert into dyniq.leads (email, source, status, tier, urgency)
     values (pg_temp.email('v1'), 'pilot', 'onboarding', 'HOT', 'immediate'),
            (pg_temp.email('v2'), 'quiz', 'active', 'WARM', 'this_quarter'),
            (pg_temp.email('v3'), 'referral', 'churned', 'COLD', 'this_year'),
            (pg_temp.email('v4'), null, null, null, 'exploring') $$,
  'every allowed source, status, tier and urgency is accepted, and each may be null');
select pg_temp.rejects($$ update dyniq.leads set source = '' where email = pg_temp.email('base') $$, 'leads_source_check',
  'an empty source is refused');
select pg_temp.rejects($$ update dyniq.leads set source = 'Quiz' where email = pg_temp.email('base') $$, 'leads_source_check',
  'a source in the wrong case is refused');
select pg_temp.rejects($$ update dyniq.leads set status = '' where email = pg_temp.email('base') $$, 'leads_status_check',
  'an empty status is refused');
select pg_temp.rejects($$ update dyniq.leads set status = 'lost' where email = pg_temp.email('base') $$, 'leads_status_check',
  'an unknown status is refused');
select pg_temp.rejects($$ update dyniq.leads set tier = '' where email = pg_temp.email('base') $$, 'leads_tier_check',
  'an empty tier is refused');
select pg_temp.rejects($$ update dyniq.leads set tier = 'hot' where email = pg_temp.email('base') $$, 'leads_tier_check',
  'a tier in lower case is refused');
select pg_temp.rejects($$ update dyniq.leads set urgency = '' where email = pg_temp.email('base') $$, 'leads_urgency_check',
  'an empty urgency is refused');
select pg_temp.rejects($$ update dyniq.leads set urgency = 'urgent' where email = pg_temp.email('base') $$, 'leads_urgency_check',
  'an unknown urgency is refused');

select lives_ok($$ update dyniq.leads set lead_score = 0 where email = pg_temp.email('base') $$, 'a lead score of 0 is accepted');
select lives_ok($$ update dyniq.leads set lead_score = 100 where email = pg_temp.email('base') $$, 'a lead score of 100 is accepted');
select pg_temp.rejects($$ update dyniq.leads set lead_score = -1 where email = pg_temp.email('base') $$, 'leads_lead_score_range',
  'a lead score below 0 is refused');
select pg_temp.rejects($$ update dyniq.leads set lead_score = 101 where email = pg_temp.email('base') $$, 'leads_lead_score_range',
  'a lead score above 100 is refused');

select lives_ok($$ update dyniq.leads set pain_points = array['cash flow', 'hiring'], needs = array['automation'] where email = pg_temp.email('base') $$,
  'pain points and needs are text arrays');
select pg_temp.rejects_null($$ update dyniq.leads set pain_points = null where email = pg_temp.email('base') $$, 'leads', 'pain_points',
  'pain points cannot be null (empty is {})');
select pg_temp.rejects_null($$ update dyniq.leads set needs = null where email = pg_temp.email('base') $$, 'leads', 'needs',
  'needs cannot be null (empty is {})');
select throws_ok($$ update dyniq.leads set name = repeat('x', 201) where email = pg_temp.email('base') $$, '22001', null,
  'a name longer than 200 characters is refused');

-- ---------------------------------------------------------------------------------------------
-- dyniq.quiz_responses
-- ---------------------------------------------------------------------------------------------

select lives_ok(
  $$ insert into dyniq.quiz_responses (submission_id, email, total_score)
     values (pg_temp.email('base-submission'), pg_temp.email('base'), 50) $$,
  'a quiz response for an existing lead is accepted');
select pg_temp.rejects(
  $$ insert into dyniq.quiz_responses (email, total_score) values (pg_temp.email('nobody'), 50) $$,
  'quiz_responses_email_fkey',
  'a quiz response for an email that is not a lead is refused');
select pg_temp.rejects(
  $$ insert into dyniq.quiz_responses (submission_id, email, total_score) values (pg_temp.email('base-submission'), pg_temp.email('base'), 60) $$,
  'quiz_responses_submission_id_key',
  'a second response with the same submission id is refused');
select lives_ok(
  $$ insert into dyniq.quiz_responses (submission_id, email, total_score)
     values (null, pg_temp.email('base'), 10), (null, pg_temp.email('base'), 20) $$,
  'responses without a submission id do not collide');
select pg_temp.rejects_null($$ insert into dyniq.quiz_responses (total_score) values (50) $$, 'quiz_responses', 'email',
  'a quiz response without an email is refused');
select pg_temp.rejects_null($$ insert into dyniq.quiz_responses (email) values (pg_temp.email('base')) $$, 'quiz_responses', 'total_score',
  'a quiz response without a score is refused');

select lives_ok(
  $$ insert into dyniq.quiz_responses (email, total_score) values (pg_temp.email('base'), 0), (pg_temp.email('base'), 100) $$,
  'scores of 0 and 100 are accepted');
select pg_temp.rejects($$ insert into dyniq.quiz_responses (email, total_score) values (pg_temp.email('base'), -1) $$,
  'quiz_responses_total_score_range', 'a score below 0 is refused');
select pg_temp.rejects($$ insert into dyniq.quiz_responses (email, total_score) values (pg_temp.email('base'), 101) $$,
  'quiz_responses_total_score_range', 'a score above 100 is refused');

-- The tier is filled from the score when absent (HOT from 70, WARM from 40, COLD below).
select results_eq(
  $$ insert into dyniq.quiz_responses (email, total_score) values (pg_temp.email('base'), 39), (pg_temp.email('base'), 40), (pg_temp.email('base'), 70)
     returning tier $$,
  array['COLD', 'WARM', 'HOT'],
  'a response without a tier gets the tier of its score');
select results_eq(
  $$ insert into dyniq.quiz_responses (email, total_score, tier) values (pg_temp.email('base'), 90, 'COLD') returning tier $$,
  array['COLD'],
  'a tier the sender gives is kept');
select pg_temp.rejects($$ insert into dyniq.quiz_responses (email, total_score, tier) values (pg_temp.email('base'), 50, '') $$,
  'quiz_responses_tier_check', 'an empty tier is refused');
select pg_temp.rejects($$ insert into dyniq.quiz_responses (email, total_score, tier) values (pg_temp.email('base'), 50, 'warm') $$,
  'quiz_responses_tier_check', 'a tier in lower case is refused');

select lives_ok(
  $$ update dyniq.quiz_responses set sales_briefing_url = 'https://example.com/briefing?id=1' where submission_id = pg_temp.email('base-submission') $$,
  'an https briefing url is accepted');
select pg_temp.rejects(
  $$ update dyniq.quiz_responses set sales_briefing_url = 'ftp://example.com/briefing' where submission_id = pg_temp.email('base-submission') $$,
  'quiz_responses_sales_briefing_url_format', 'a briefing url that is not http(s) is refused');
select pg_temp.rejects(
  $$ update dyniq.quiz_responses set sales_briefing_url = '' where submission_id = pg_temp.email('base-submission') $$,
  'quiz_responses_sales_briefing_url_format', 'an empty briefing url is refused');
select lives_ok(
  $$ update dyniq.quiz_responses set answers = '{"q1": 3, "q2": "yes"}' where submission_id = pg_temp.email('base-submission') $$,
  'answers as a JSON object are accepted');
select pg_temp.rejects(
  $$ update dyniq.quiz_responses set answers = '[1, 2]' where submission_id = pg_temp.email('base-submission') $$,
  'quiz_responses_answers_object', 'answers that are not a JSON object are refused');

-- The email foreign key cascades: a corrected email follows, a deleted lead takes its responses.
select lives_ok(
  $$ update dyniq.leads set email = pg_temp.email('renamed') where email = pg_temp.email('base') $$,
  'a lead''s email can be corrected although responses refer to it');
select is(
  (select count(*) from dyniq.quiz_responses where email = pg_temp.email('renamed')),
  9::bigint,
  'its quiz responses follow the new email (on update cascade)');
select lives_ok($$ delete from dyniq.leads where email = pg_temp.email('renamed') $$, 'the lead is deleted');
select is(
  (select count(*) from dyniq.quiz_responses where email in (pg_temp.email('renamed'), pg_temp.email('base'))),
  0::bigint,
  'its quiz responses go with it (on delete cascade)');

-- ---------------------------------------------------------------------------------------------
-- dyniq.content_posts and dyniq.content_metrics
-- ---------------------------------------------------------------------------------------------

select lives_ok(
  $$ insert into dyniq.content_posts (id, platform, topic)
     values (pg_temp.post_id('base'), 'linkedin', pg_temp.topic('base')), (pg_temp.post_id('other'), 'twitter', pg_temp.topic('other')) $$,
  'posts on linkedin and twitter are accepted');
select pg_temp.rejects_null($$ insert into dyniq.content_posts (topic) values ('no platform') $$, 'content_posts', 'platform',
  'a post without a platform is refused');
select pg_temp.rejects($$ insert into dyniq.content_posts (platform) values ('') $$, 'content_posts_platform_check',
  'an empty platform is refused');
select pg_temp.rejects($$ insert into dyniq.content_posts (platform) values ('LinkedIn') $$, 'content_posts_platform_check',
  'a platform in the wrong case is refused');
select pg_temp.rejects($$ insert into dyniq.content_posts (platform) values ('facebook') $$, 'content_posts_platform_check',
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
select pg_temp.rejects(
  $$ insert into dyniq.content_metrics (post_id) values (pg_temp.post_id('base')) $$,
  'content_metrics_post_id_metric_date_key', 'a second metrics row for the same post and day is refused');
select pg_temp.rejects(
  $$ insert into dyniq.content_metrics (post_id) values (gen_random_uuid()) $$,
  'content_metrics_post_id_fkey', 'metrics for an unknown post are refused');
select pg_temp.rejects_null($$ insert into dyniq.content_metrics (likes) values (1) $$, 'content_metrics', 'post_id',
  'metrics without a post are refused');
select pg_temp.rejects(
  $$ insert into dyniq.content_metrics (post_id, likes) values (pg_temp.post_id('other'), -1) $$,
  'content_metrics_likes_range', 'negative likes are refused');
select pg_temp.rejects(
  $$ insert into dyniq.content_metrics (post_id, comments) values (pg_temp.post_id('other'), -1) $$,
  'content_metrics_comments_range', 'negative comments are refused');
select pg_temp.rejects(
  $$ insert into dyniq.content_metrics (post_id, engagement_rate) values (pg_temp.post_id('other'), -0.01) $$,
  'content_metrics_engagement_rate_range', 'a negative engagement rate is refused');
select pg_temp.rejects(
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
  $$ insert into dyniq.board_meetings (thread_id, topic) values (pg_temp.thread_id('base'), 'Should we hire?') $$,
  'a board meeting needs a bm- thread id and a topic');
select results_eq(
  $$ select level, status, agent_analyses, agent_count from dyniq.board_meetings where thread_id = pg_temp.thread_id('base') $$,
  $$ values (0, 'processing', '{}'::jsonb, 0) $$,
  'a new meeting is at level 0, processing, with no analyses and no agents');
select lives_ok(
  $$ insert into dyniq.board_meetings (thread_id, topic) values (format('bm-test-123-%s', txid_current()), 'x'), (format('bm-A_b-%s', txid_current()), 'x') $$,
  'thread ids such as bm-test-123 and bm-A_b are accepted');
select pg_temp.rejects(
  $$ insert into dyniq.board_meetings (thread_id, topic) values (pg_temp.thread_id('base'), 'again') $$,
  'board_meetings_thread_id_key', 'a second meeting with the same thread id is refused');
select pg_temp.rejects($$ insert into dyniq.board_meetings (thread_id, topic) values ('test-123', 'x') $$,
  'board_meetings_thread_id_format', 'a thread id without the bm- prefix is refused');
select pg_temp.rejects($$ insert into dyniq.board_meetings (thread_id, topic) values ('BM-test-123', 'x') $$,
  'board_meetings_thread_id_format', 'a thread id with an upper-case prefix is refused');
select pg_temp.rejects($$ insert into dyniq.board_meetings (thread_id, topic) values ('bm-', 'x') $$,
  'board_meetings_thread_id_format', 'a bare bm- prefix is refused');
select pg_temp.rejects($$ insert into dyniq.board_meetings (thread_id, topic) values ('bm-_x', 'x') $$,
  'board_meetings_thread_id_format', 'a thread id whose first character after bm- is not a letter or digit is refused');
select pg_temp.rejects($$ insert into dyniq.board_meetings (thread_id, topic) values ('bm-a b', 'x') $$,
  'board_meetings_thread_id_format', 'a thread id with a space is refused');
select pg_temp.rejects($$ insert into dyniq.board_meetings (thread_id, topic) values ('', 'x') $$,
  'board_meetings_thread_id_format', 'an empty thread id is refused');
select pg_temp.rejects_null($$ insert into dyniq.board_meetings (topic) values ('x') $$, 'board_meetings', 'thread_id',
  'a meeting without a thread id is refused');
select pg_temp.rejects_null($$ insert into dyniq.board_meetings (thread_id) values (pg_temp.thread_id('no-topic')) $$, 'board_meetings', 'topic',
  'a meeting without a topic is refused');

select lives_ok($$ update dyniq.board_meetings set level = 5 where thread_id = pg_temp.thread_id('base') $$, 'level 5 is accepted');
select pg_temp.rejects($$ update dyniq.board_meetings set level = -1 where thread_id = pg_temp.thread_id('base') $$,
  'board_meetings_level_range', 'a level below 0 is refused');
select pg_temp.rejects($$ update dyniq.board_meetings set level = 6 where thread_id = pg_temp.thread_id('base') $$,
  'board_meetings_level_range', 'a level above 5 is refused');
select lives_ok(
  $$ update dyniq.board_meetings set status = 'completed', recommendation = 'ADOPT' where thread_id = pg_temp.thread_id('base') $$,
  'status completed with recommendation ADOPT is accepted');
select lives_ok(
  $$ update dyniq.board_meetings set status = 'stalled', recommendation = 'DEFER' where thread_id = pg_temp.thread_id('base') $$,
  'status stalled with recommendation DEFER is accepted');
select lives_ok(
  $$ update dyniq.board_meetings set status = 'processing', recommendation = 'REJECT' where thread_id = pg_temp.thread_id('base') $$,
  'status processing with recommendation REJECT is accepted');
select pg_temp.rejects($$ update dyniq.board_meetings set status = '' where thread_id = pg_temp.thread_id('base') $$,
  'board_meetings_status_check', 'an empty status is refused');
select pg_temp.rejects($$ update dyniq.board_meetings set status = 'done' where thread_id = pg_temp.thread_id('base') $$,
  'board_meetings_status_check', 'an unknown status is refused');
select pg_temp.rejects($$ update dyniq.board_meetings set recommendation = '' where thread_id = pg_temp.thread_id('base') $$,
  'board_meetings_recommendation_check', 'an empty recommendation is refused');
select pg_temp.rejects($$ update dyniq.board_meetings set recommendation = 'adopt' where thread_id = pg_temp.thread_id('base') $$,
  'board_meetings_recommendation_check', 'a recommendation in lower case is refused');
select pg_temp.rejects($$ update dyniq.board_meetings set agent_analyses = '"text"' where thread_id = pg_temp.thread_id('base') $$,
  'board_meetings_agent_analyses_object', 'agent analyses that are not a JSON object are refused');
select lives_ok($$ update dyniq.board_meetings set total_cost_usd = 0, agent_count = 0 where thread_id = pg_temp.thread_id('base') $$,
  'a cost and agent count of 0 are accepted');
select pg_temp.rejects($$ update dyniq.board_meetings set total_cost_usd = -0.01 where thread_id = pg_temp.thread_id('base') $$,
  'board_meetings_total_cost_usd_range', 'a negative cost is refused');
select pg_temp.rejects($$ update dyniq.board_meetings set agent_count = -1 where thread_id = pg_temp.thread_id('base') $$,
  'board_meetings_agent_count_range', 'a negative agent count is refused');

-- ---------------------------------------------------------------------------------------------
-- dyniq.universal_embeddings
-- ---------------------------------------------------------------------------------------------

select lives_ok(
  $$ insert into dyniq.universal_embeddings (source_id, source_type, content, embedding)
     values (dyniq.thread_uuid(pg_temp.thread_id('base')), 'board_meeting', pg_temp.topic('embedding'), pg_temp.embedding()) $$,
  'an embedding of 1536 dimensions is accepted');
select results_eq(
  $$ select source_id, metadata from dyniq.universal_embeddings where content = pg_temp.topic('embedding') $$,
  $$ values (dyniq.thread_uuid(pg_temp.thread_id('base')), '{}'::jsonb) $$,
  'it keeps its source id, and metadata defaults to {}');
select throws_ok(
  $$ insert into dyniq.universal_embeddings (source_id, source_type, content, embedding)
     values (gen_random_uuid(), 'board_meeting', 'x', pg_temp.embedding(3)) $$,
  '22000', 'expected 1536 dimensions, not 3',
  'an embedding of another dimension is refused');
select pg_temp.rejects_null(
  $$ insert into dyniq.universal_embeddings (source_id, source_type, content) values (gen_random_uuid(), 'board_meeting', 'x') $$,
  'universal_embeddings', 'embedding', 'an embedding row without a vector is refused');
select pg_temp.rejects_null(
  $$ insert into dyniq.universal_embeddings (source_type, content, embedding) values ('board_meeting', 'x', pg_temp.embedding()) $$,
  'universal_embeddings', 'source_id', 'an embedding without a source id is refused');
select pg_temp.rejects(
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
