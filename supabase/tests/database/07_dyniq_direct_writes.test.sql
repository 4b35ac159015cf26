-- dyniq holds every rule rowgate-core applies to a write (issue 8, section 2): a direct PostgREST
-- write meets the same formats, ranges and enums as one through the API. dyniq grants anon and
-- authenticated nothing, so the only direct writer is the service role: every statement here
-- runs as it, but for the few that write what it may not (updated_at, set-once columns), which
-- run as the owner. Every check constraint of the schema, and every check of a domain its
-- columns use, refuses a bad value (the list is checked to be complete); emails and URLs are printable ASCII (no U+202E, zero-width or control
-- characters); money and costs are finite; free text and text[] items are trimmed and never
-- blank; dates and times are finite; set-once columns keep their first value.
begin;
select plan(92);

-- ---------------------------------------------------------------------------------------------
-- helpers for this file only, in pg_temp so that they vanish with the session
-- ---------------------------------------------------------------------------------------------

-- One bad value per check constraint (several for the formats): the statement, the constraint
-- that must refuse it, and what is proved. Rows refer to the base rows made below.
create function pg_temp.bad_values() returns table (statement text, constraint_name name, description text)
language sql as $$
  values
    (format('insert into dyniq.leads (email) values (%L)', 'ada' || chr(8238) || 'moc.elpmaxe@rowgate.test'),
     'email_format', 'an email holding a right-to-left override (U+202E) is refused'),
    (format('insert into dyniq.leads (email) values (%L)', 'ada' || chr(8203) || '@rowgate.test'),
     'email_format', 'an email holding a zero-width space (U+200B) is refused'),
    (format('insert into dyniq.leads (email) values (%L)', 'ada' || chr(1) || '@rowgate.test'),
     'email_format', 'an email holding a control character is refused'),
    ($s$ insert into dyniq.leads (email) values ('élodie@rowgate.test') $s$,
     'email_format', 'an email with a non-ASCII letter is refused'),
    ($s$ insert into dyniq.leads (email) values ('ada@row_gate.test') $s$,
     'email_format', 'an email whose domain holds an underscore is refused'),
    ($s$ insert into dyniq.leads (email) values ('ada@rowgate') $s$,
     'email_format', 'an email whose domain has a single label is refused'),
    ($s$ update dyniq.leads set phone = '+١٤١٥٥٥٥٠١٢٣' where email = tests.email('base') $s$,
     'e164_phone_format', 'a phone number in non-ASCII digits is refused'),
    ($s$ update dyniq.leads set phone = E'+14155550123\n' where email = tests.email('base') $s$,
     'e164_phone_format', 'a phone number with a trailing newline is refused'),
    ($s$ update dyniq.leads set source = 'web' where email = tests.email('base') $s$,
     'leads_source_check', 'an unknown source is refused'),
    ($s$ update dyniq.leads set status = 'lost' where email = tests.email('base') $s$,
     'leads_status_check', 'an unknown status is refused'),
    ($s$ update dyniq.leads set tier = 'hot' where email = tests.email('base') $s$,
     'tier_check', 'a tier not in its canonical case is refused'),
    ($s$ update dyniq.leads set lead_score = 101 where email = tests.email('base') $s$,
     'leads_lead_score_range', 'a lead score above 100 is refused'),
    ($s$ update dyniq.leads set urgency = 'someday' where email = tests.email('base') $s$,
     'leads_urgency_check', 'an unknown urgency is refused'),
    ($s$ update dyniq.quiz_responses set total_score = -1 where submission_id = tests.unique_name('base') $s$,
     'quiz_responses_total_score_range', 'a negative quiz score is refused'),
    ($s$ update dyniq.quiz_responses set email = upper(email) where submission_id = tests.unique_name('base') $s$,
     'email_format', 'a quiz response''s email not in lower case is refused (its own column, of the same domain)'),
    ($s$ update dyniq.quiz_responses set tier = 'TEPID' where submission_id = tests.unique_name('base') $s$,
     'tier_check', 'an unknown quiz tier is refused'),
    (format('update dyniq.quiz_responses set sales_briefing_url = %L where submission_id = tests.unique_name(''base'')',
            'https://dyniq.ai/' || chr(8238) || 'fdp.exe'),
     'http_url_format', 'a URL holding a right-to-left override (U+202E) is refused'),
    (format('update dyniq.quiz_responses set sales_briefing_url = %L where submission_id = tests.unique_name(''base'')',
            'https://dyniq.ai/b' || chr(7) || '1'),
     'http_url_format', 'a URL holding a control character is refused'),
    ($s$ update dyniq.quiz_responses set sales_briefing_url = 'https://dyniq.ai/café' where submission_id = tests.unique_name('base') $s$,
     'http_url_format', 'a URL with a non-ASCII character is refused (send it percent-encoded)'),
    ($s$ update dyniq.quiz_responses set sales_briefing_url = 'https:///briefing' where submission_id = tests.unique_name('base') $s$,
     'http_url_format', 'a URL without a host is refused'),
    ($s$ update dyniq.quiz_responses set sales_briefing_url = 'ftp://dyniq.ai/b' where submission_id = tests.unique_name('base') $s$,
     'http_url_format', 'a URL that is not http or https is refused'),
    ($s$ update dyniq.quiz_responses set answers = '[1, 2]' where submission_id = tests.unique_name('base') $s$,
     'quiz_responses_answers_object', 'answers that are not an object are refused'),
    ($s$ update dyniq.content_posts set platform = 'mastodon' where topic = tests.unique_name('base') $s$,
     'content_posts_platform_check', 'an unknown platform is refused'),
    ($s$ update dyniq.content_metrics set likes = -1 where post_id = (select id from dyniq.content_posts where topic = tests.unique_name('base')) $s$,
     'content_metrics_likes_range', 'negative likes are refused'),
    ($s$ update dyniq.content_metrics set comments = -1 where post_id = (select id from dyniq.content_posts where topic = tests.unique_name('base')) $s$,
     'content_metrics_comments_range', 'negative comments are refused'),
    ($s$ update dyniq.content_metrics set engagement_rate = 'NaN' where post_id = (select id from dyniq.content_posts where topic = tests.unique_name('base')) $s$,
     'content_metrics_engagement_rate_range', 'an engagement rate of NaN is refused'),
    ($s$ update dyniq.board_meetings set thread_id = 'bm-' || chr(8238) || 'x' where thread_id = tests.thread_id('base') $s$,
     'thread_id_format', 'a thread id holding a right-to-left override is refused'),
    ($s$ update dyniq.board_meetings set level = 6 where thread_id = tests.thread_id('base') $s$,
     'board_meetings_level_range', 'a level above 5 is refused'),
    ($s$ update dyniq.board_meetings set status = 'done' where thread_id = tests.thread_id('base') $s$,
     'board_meetings_status_check', 'an unknown meeting status is refused'),
    ($s$ update dyniq.board_meetings set agent_analyses = '[]' where thread_id = tests.thread_id('base') $s$,
     'board_meetings_agent_analyses_object', 'agent analyses that are not an object are refused'),
    ($s$ update dyniq.board_meetings set recommendation = 'MAYBE' where thread_id = tests.thread_id('base') $s$,
     'board_meetings_recommendation_check', 'an unknown recommendation is refused'),
    ($s$ update dyniq.board_meetings set total_cost_usd = 'NaN' where thread_id = tests.thread_id('base') $s$,
     'board_meetings_total_cost_usd_range', 'a cost of NaN is refused'),
    ($s$ update dyniq.board_meetings set total_cost_usd = 'Infinity' where thread_id = tests.thread_id('base') $s$,
     'board_meetings_total_cost_usd_range', 'an infinite cost is refused'),
    ($s$ update dyniq.board_meetings set total_cost_usd = -0.01 where thread_id = tests.thread_id('base') $s$,
     'board_meetings_total_cost_usd_range', 'a negative cost is refused'),
    ($s$ update dyniq.board_meetings set agent_count = -1 where thread_id = tests.thread_id('base') $s$,
     'board_meetings_agent_count_range', 'a negative agent count is refused'),
    ($s$ update dyniq.universal_embeddings set metadata = '"x"' where content = tests.unique_name('base') $s$,
     'universal_embeddings_metadata_object', 'metadata that is not an object is refused'),
    -- Free text is trimmed and never blank (the core trims it and makes blank text null).
    ($s$ update dyniq.leads set name = ' Ada' where email = tests.email('base') $s$,
     'leads_name_check', 'a name with a leading space is refused'),
    ($s$ update dyniq.leads set company_name = E'Rowgate\n' where email = tests.email('base') $s$,
     'leads_company_name_check', 'a company name with a trailing newline is refused'),
    ($s$ update dyniq.leads set industry = ' ' where email = tests.email('base') $s$,
     'leads_industry_check', 'a blank industry is refused (the core makes it null)'),
    ($s$ update dyniq.quiz_responses set submission_id = chr(160) || 'sub-1' where submission_id = tests.unique_name('base') $s$,
     'quiz_responses_submission_id_check', 'a submission id with a leading no-break space (U+00A0) is refused'),
    ($s$ update dyniq.content_posts set hook = E'\t' where topic = tests.unique_name('base') $s$,
     'content_posts_hook_check', 'a hook that is only a tab is refused'),
    ($s$ update dyniq.content_posts set topic = '' where topic = tests.unique_name('base') $s$,
     'content_posts_topic_check', 'an empty topic is refused (the core makes it null)'),
    ($s$ update dyniq.content_posts set body = chr(8232) || 'Body' where topic = tests.unique_name('base') $s$,
     'content_posts_body_check', 'a body with a leading line separator (U+2028) is refused'),
    ($s$ update dyniq.board_meetings set topic = ' ' where thread_id = tests.thread_id('base') $s$,
     'board_meetings_topic_check', 'a blank topic is refused (the core refuses it as null: not_null)'),
    ($s$ update dyniq.board_meetings set decision_type = 'pricing ' where thread_id = tests.thread_id('base') $s$,
     'board_meetings_decision_type_check', 'a decision type with a trailing space is refused'),
    ($s$ update dyniq.universal_embeddings set source_type = ' board_meeting' where content = tests.unique_name('base') $s$,
     'universal_embeddings_source_type_check', 'a source type with a leading space is refused'),
    ($s$ update dyniq.universal_embeddings set content = chr(12288) where content = tests.unique_name('base') $s$,
     'universal_embeddings_content_check', 'content that is only an ideographic space (U+3000) is refused'),
    -- A text[] holds trimmed strings: no null, blank or untrimmed item (the core drops or trims
    -- them), one dimension.
    ($s$ update dyniq.leads set pain_points = array['pricing', null] where email = tests.email('base') $s$,
     'leads_pain_points_check', 'a pain point that is null is refused'),
    ($s$ update dyniq.leads set pain_points = array['pricing', ''] where email = tests.email('base') $s$,
     'leads_pain_points_check', 'an empty pain point is refused'),
    ($s$ update dyniq.leads set needs = array[' crm'] where email = tests.email('base') $s$,
     'leads_needs_check', 'a need with a leading space is refused'),
    ($s$ update dyniq.leads set needs = '{{crm},{seo}}' where email = tests.email('base') $s$,
     'leads_needs_check', 'needs in two dimensions are refused'),
    -- Dates and times are finite. Set-once created_at is kept by a trigger on update, so it is
    -- written on insert (updated_at, which the service role may not write, is below).
    ($s$ insert into dyniq.leads (email, created_at) values (tests.email('infinite'), 'infinity') $s$,
     'leads_created_at_check', 'a lead created at infinity is refused'),
    ($s$ insert into dyniq.quiz_responses (email, total_score, created_at) values (tests.email('base'), 1, 'infinity') $s$,
     'quiz_responses_created_at_check', 'a quiz response created at infinity is refused'),
    ($s$ update dyniq.content_posts set post_date = 'infinity' where topic = tests.unique_name('base') $s$,
     'content_posts_post_date_check', 'a post dated infinity is refused'),
    ($s$ insert into dyniq.content_posts (platform, created_at) values ('linkedin', '-infinity') $s$,
     'content_posts_created_at_check', 'a post created at -infinity is refused'),
    ($s$ update dyniq.content_metrics set metric_date = '-infinity' where post_id = (select id from dyniq.content_posts where topic = tests.unique_name('base')) $s$,
     'content_metrics_metric_date_check', 'metrics dated -infinity are refused'),
    ($s$ insert into dyniq.content_metrics (post_id, created_at) select id, 'infinity' from dyniq.content_posts where topic = tests.unique_name('base') $s$,
     'content_metrics_created_at_check', 'metrics created at infinity are refused'),
    ($s$ insert into dyniq.board_meetings (thread_id, topic, created_at) values (tests.thread_id('infinite'), 'Pricing', 'infinity') $s$,
     'board_meetings_created_at_check', 'a meeting created at infinity is refused'),
    ($s$ insert into dyniq.universal_embeddings (source_id, source_type, content, embedding, created_at)
         values (gen_random_uuid(), 'board_meeting', 'Pricing', array_fill(0.1::real, array[1536])::extensions.vector, 'infinity') $s$,
     'universal_embeddings_created_at_check', 'an embedding created at infinity is refused')
$$;

-- updated_at is set by a trigger on update and the service role may not write it (its grants
-- leave it out): only the owner can write a bad one, on insert, and the CHECK still refuses it.
create function pg_temp.bad_updated_at() returns table (statement text, constraint_name name, description text)
language sql as $$
  values
    ($s$ insert into dyniq.leads (email, updated_at) values (tests.email('infinite'), '-infinity') $s$,
     'leads_updated_at_check', 'a lead updated at -infinity is refused'),
    ($s$ insert into dyniq.content_posts (platform, updated_at) values ('linkedin', 'infinity') $s$,
     'content_posts_updated_at_check', 'a post updated at infinity is refused'),
    ($s$ insert into dyniq.board_meetings (thread_id, topic, updated_at) values (tests.thread_id('infinite'), 'Pricing', '-infinity') $s$,
     'board_meetings_updated_at_check', 'a meeting updated at -infinity is refused')
$$;

-- ---------------------------------------------------------------------------------------------
-- the only direct writer is the service role
-- ---------------------------------------------------------------------------------------------

select tests.create_supabase_user('alice');
select tests.authenticate_as('alice');
select throws_ok(format('insert into dyniq.leads (email) values (%L)', tests.email('direct')), '42501',
  'permission denied for table leads', 'a signed-in user cannot write a lead directly');
select tests.authenticate_as_anon();
select throws_ok(format('insert into dyniq.leads (email) values (%L)', tests.email('direct')), '42501',
  'permission denied for table leads', 'nor can anon');

-- ---------------------------------------------------------------------------------------------
-- every check constraint refuses a bad value written directly
-- ---------------------------------------------------------------------------------------------

select tests.authenticate_as_service_role();
select lives_ok(
  $$ with lead as (insert into dyniq.leads (email) values (tests.email('base')) returning email),
          quiz as (insert into dyniq.quiz_responses (submission_id, email, total_score)
                   select tests.unique_name('base'), email, 50 from lead returning 1),
          post as (insert into dyniq.content_posts (platform, topic) values ('linkedin', tests.unique_name('base')) returning id),
          metric as (insert into dyniq.content_metrics (post_id) select id from post returning 1),
          meeting as (insert into dyniq.board_meetings (thread_id, topic) values (tests.thread_id('base'), 'Pricing') returning 1)
     insert into dyniq.universal_embeddings (source_id, source_type, content, embedding)
     select dyniq.thread_uuid(tests.thread_id('base')), 'board_meeting', tests.unique_name('base'),
            array_fill(0.1::real, array[1536])::extensions.vector
       from quiz, metric, meeting $$,
  'a lead, a quiz response, a post with its metrics, a meeting and an embedding are written directly');
select tests.rejects(statement, constraint_name, description) from pg_temp.bad_values();
select throws_ok(statement, '42501', format('permission denied for table %s', tbl),
         format('the service role may not insert dyniq.%s.updated_at', tbl))
  from pg_temp.bad_updated_at(), split_part(constraint_name, '_updated_at_check', 1) as tbl;
select tests.clear_authentication();
select tests.rejects(statement, constraint_name, description || ' (written by the owner)') from pg_temp.bad_updated_at();
select tests.authenticate_as_service_role();
-- Every check of the schema's tables, and of every domain a dyniq column is of (dyniq.tier, the
-- platform's rowgate.email, ...; a domain over a domain brings its base's checks too).
select is_empty(
  $$ with recursive column_domains(oid) as (
       select a.atttypid
         from pg_attribute a join pg_class c on c.oid = a.attrelid
        where c.relnamespace = 'dyniq'::regnamespace and c.relkind = 'r' and a.attnum > 0 and not a.attisdropped
       union
       select t.typbasetype from pg_type t join column_domains d on d.oid = t.oid where t.typtype = 'd'
     )
     select conname from pg_constraint where connamespace = 'dyniq'::regnamespace and contype = 'c'
     union
     select conname from pg_constraint where contype = 'c' and contypid in (select oid from column_domains)
     except (select constraint_name from pg_temp.bad_values()
             union select constraint_name from pg_temp.bad_updated_at()) $$,
  'every dyniq check constraint, and every check of a domain its columns use, is exercised above');
select isnt_empty(
  $$ select from pg_attribute a join pg_class c on c.oid = a.attrelid join pg_type t on t.oid = a.atttypid
      where c.relnamespace = 'dyniq'::regnamespace and c.relkind = 'r' and t.typtype = 'd' $$,
  'dyniq''s columns use domains (the check above covers them)');

-- what the formats accept
select lives_ok(
  format('insert into dyniq.leads (email) values (%L)', 'o''brien+tag!#$%&*/=?^_`{|}~-.x@mail-1.example.co.uk'),
  'an email using every character allowed before the @, and a domain of several labels, is accepted');
select lives_ok(
  $$ update dyniq.quiz_responses set sales_briefing_url = 'https://dyniq.ai:8443/b/caf%C3%A9?id=1&x=[2]#top'
      where submission_id = tests.unique_name('base') $$,
  'a URL with a port, a percent-encoded path, a query and a fragment is accepted');
select lives_ok(
  $$ update dyniq.quiz_responses set sales_briefing_url = 'http://localhost' where submission_id = tests.unique_name('base') $$,
  'a URL that is only a scheme and a host is accepted');
select lives_ok(
  $$ update dyniq.board_meetings set total_cost_usd = 1e300 where thread_id = tests.thread_id('base') $$,
  'a large but finite cost is accepted');
select lives_ok(
  $$ update dyniq.leads set name = E'Ada\tKing', company_name = E'Row  gate\nLtd', industry = chr(8203) || 'AI',
            pain_points = array['pricing, hiring', E'two\nlines'], needs = '{}'
      where email = tests.email('base') $$,
  'text with tabs, newlines and double spaces inside, a leading zero-width space (not whitespace to the core), and arrays of such items or none, are accepted');
select lives_ok(
  $$ update dyniq.content_posts set post_date = '9999-12-31', hook = null where topic = tests.unique_name('base') $$,
  'a date in year 9999 and null text are accepted');

-- ---------------------------------------------------------------------------------------------
-- set-once columns keep their first value: the service role may not update them, and a trigger
-- keeps them for whoever may (the owner)
-- ---------------------------------------------------------------------------------------------

select isnt(set_config('tests.base_lead', (select id || ' ' || created_at from dyniq.leads where email = tests.email('base')), true),
  null, 'the base lead''s id and created_at are noted');
select throws_ok(
  $$ update dyniq.leads set id = gen_random_uuid(), name = 'Base' where email = tests.email('base') $$,
  '42501', 'permission denied for table leads', 'the service role may not update a lead''s id');
select throws_ok(
  $$ update dyniq.leads set created_at = '2000-01-01', name = 'Base' where email = tests.email('base') $$,
  '42501', 'permission denied for table leads', 'nor its created_at');
select throws_ok(
  $$ update dyniq.leads set updated_at = '2000-01-01', name = 'Base' where email = tests.email('base') $$,
  '42501', 'permission denied for table leads', 'nor its updated_at');
select throws_ok(
  format('insert into dyniq.leads (email, updated_at) values (%L, now())', tests.email('updated-at')), '42501',
  'permission denied for table leads', 'nor insert a lead naming its updated_at, even a valid one');
select is(tests.rows_affected($$ update dyniq.leads set name = 'Base' where email = tests.email('base') $$),
  1::bigint, 'an update of the other columns goes through');
select tests.clear_authentication();
select is(
  tests.rows_affected($$ update dyniq.leads set id = gen_random_uuid(), created_at = '2000-01-01', name = 'Base 2'
                          where email = tests.email('base') $$),
  1::bigint, 'an update by the owner naming id and created_at goes through');
select results_eq(
  $$ select id || ' ' || created_at, name::text from dyniq.leads where email = tests.email('base') $$,
  $$ values (current_setting('tests.base_lead'), 'Base 2') $$,
  'and changes the name but neither id nor created_at');
select is_empty(
  $$ select c.relname from pg_class c
      where c.relnamespace = 'dyniq'::regnamespace and c.relkind = 'r'
        and not exists (select from pg_trigger t where t.tgrelid = c.oid and t.tgname = c.relname || '_keep_set_once'
                          and t.tgfoid = 'dyniq.keep_set_once'::regproc) $$,
  'every dyniq table keeps its set-once columns with a trigger');

select * from finish();
rollback;
