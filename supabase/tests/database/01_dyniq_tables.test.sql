-- dyniq: every table and column with its type, nullability and default; keys, constraint
-- names, indexes (every foreign key, the partial index the stalled-meeting job uses, the HNSW
-- index on embeddings) and the triggers that keep updated_at and the quiz tier current.
begin;
select plan(242);

-- ---------------------------------------------------------------------------------------------
-- the schema
-- ---------------------------------------------------------------------------------------------

select has_schema('dyniq');
select schema_privs_are('dyniq', 'anon', array['USAGE'], 'anon may use the schema (each table still refuses it)');
select schema_privs_are('dyniq', 'authenticated', array['USAGE'], 'authenticated may use the schema (each table still refuses it)');
select schema_privs_are('dyniq', 'service_role', array['USAGE'], 'service_role may use the schema');
select tables_are('dyniq', array['leads', 'quiz_responses', 'content_posts', 'content_metrics', 'board_meetings', 'universal_embeddings']);
select functions_are('dyniq', array['set_updated_at', 'tier_for_score', 'thread_uuid', 'quiz_responses_fill_tier',
  'submit_quiz', 'flag_stalled_board_meetings', 'ingest', 'write_records', 'keep_set_once']);

-- The tier two tables share is a domain of its own (its values are tested in 02_dyniq_constraints).
select domains_are('dyniq', array['tier']);
select domain_type_is('dyniq', 'tier', 'text', 'dyniq.tier is a domain over text');
select results_eq(
  $$ select format('%s %s', conname, contype) collate "default" from pg_constraint where contypid = 'dyniq.tier'::regtype $$,
  array['tier_check c'],
  'dyniq.tier has exactly its named check constraint');

-- Every foreign key is served by an index that leads with its columns.
select is_empty(
  $$ select c.conrelid::regclass || ' ' || c.conname
       from pg_constraint c
      where c.contype = 'f' and c.connamespace = 'dyniq'::regnamespace
        and not exists (
          select from pg_index i
           where i.indrelid = c.conrelid
             and (string_to_array(i.indkey::text, ' ')::int2[])[1:cardinality(c.conkey)] = c.conkey) $$,
  'every dyniq foreign key has an index leading with its columns');

-- ---------------------------------------------------------------------------------------------
-- dyniq.leads
-- ---------------------------------------------------------------------------------------------

select has_table('dyniq', 'leads', 'dyniq.leads exists');
select columns_are('dyniq', 'leads', array['id', 'email', 'name', 'phone', 'company_name', 'industry', 'source',
  'status', 'tier', 'lead_score', 'pain_points', 'needs', 'urgency', 'created_at', 'updated_at']);
select tests.column_is('dyniq', 'leads', c.name, c.type, c.not_null, c.default_value)
  from (values
    ('id', 'uuid', true, 'gen_random_uuid()'),
    ('email', 'rowgate.email', true, null),
    ('name', 'character varying(200)', false, null),
    ('phone', 'rowgate.e164_phone', false, null),
    ('company_name', 'character varying(200)', false, null),
    ('industry', 'character varying(100)', false, null),
    ('source', 'text', false, null),
    ('status', 'text', false, null),
    ('tier', 'dyniq.tier', false, null),
    ('lead_score', 'integer', false, null),
    ('pain_points', 'text[]', true, '{}'),
    ('needs', 'text[]', true, '{}'),
    ('urgency', 'text', false, null),
    ('created_at', 'timestamp with time zone', true, 'now()'),
    ('updated_at', 'timestamp with time zone', true, 'now()')
  ) as c(name, type, not_null, default_value);
select col_is_pk('dyniq', 'leads', 'id', 'dyniq.leads is keyed by id');
select col_is_unique('dyniq', 'leads', array['email']::name[], 'dyniq.leads.email is unique');
select results_eq($$ select tests.constraints_of('dyniq.leads') $$,
  array['leads_company_name_check c', 'leads_created_at_check c',
        'leads_email_key u', 'leads_industry_check c', 'leads_lead_score_range c',
        'leads_name_check c', 'leads_needs_check c', 'leads_pain_points_check c',
        'leads_pkey p', 'leads_source_check c', 'leads_status_check c',
        'leads_updated_at_check c', 'leads_urgency_check c'],
  'dyniq.leads has exactly its named constraints');
select indexes_are('dyniq', 'leads', array['leads_pkey', 'leads_email_key', 'leads_tier_idx', 'leads_created_at_idx']);
select has_index('dyniq', 'leads', 'leads_tier_idx', array['tier'], 'leads are indexed by tier');
select has_index('dyniq', 'leads', 'leads_created_at_idx', array['created_at'], 'leads are indexed by creation time');
select trigger_is('dyniq', 'leads', 'leads_set_updated_at', 'dyniq', 'set_updated_at');

-- ---------------------------------------------------------------------------------------------
-- dyniq.quiz_responses
-- ---------------------------------------------------------------------------------------------

select has_table('dyniq', 'quiz_responses', 'dyniq.quiz_responses exists');
select columns_are('dyniq', 'quiz_responses', array['id', 'submission_id', 'email', 'total_score', 'tier',
  'sales_briefing_url', 'answers', 'created_at']);
select tests.column_is('dyniq', 'quiz_responses', c.name, c.type, c.not_null, c.default_value)
  from (values
    ('id', 'uuid', true, 'gen_random_uuid()'),
    ('submission_id', 'character varying(200)', false, null),
    ('email', 'rowgate.email', true, null),
    ('total_score', 'integer', true, null),
    ('tier', 'dyniq.tier', true, null),
    ('sales_briefing_url', 'rowgate.http_url', false, null),
    ('answers', 'jsonb', true, '{}'),
    ('created_at', 'timestamp with time zone', true, 'now()')
  ) as c(name, type, not_null, default_value);
select col_is_pk('dyniq', 'quiz_responses', 'id', 'dyniq.quiz_responses is keyed by id');
select col_is_unique('dyniq', 'quiz_responses', array['submission_id']::name[], 'dyniq.quiz_responses.submission_id is unique');
select fk_ok('dyniq', 'quiz_responses', 'email', 'dyniq', 'leads', 'email');
select results_eq(
  $$ select confupdtype::text, confdeltype::text from pg_constraint where conname = 'quiz_responses_email_fkey' and conrelid = 'dyniq.quiz_responses'::regclass $$,
  $$ values ('c', 'c') $$,
  'a quiz response follows its lead''s email on update and goes with it on delete (cascade)');
select results_eq($$ select tests.constraints_of('dyniq.quiz_responses') $$,
  array['quiz_responses_answers_object c', 'quiz_responses_created_at_check c',
        'quiz_responses_email_fkey f', 'quiz_responses_pkey p',
        'quiz_responses_submission_id_check c',
        'quiz_responses_submission_id_key u',
        'quiz_responses_total_score_range c'],
  'dyniq.quiz_responses has exactly its named constraints');
select indexes_are('dyniq', 'quiz_responses', array['quiz_responses_pkey', 'quiz_responses_submission_id_key', 'quiz_responses_email_idx']);
select has_index('dyniq', 'quiz_responses', 'quiz_responses_email_idx', array['email'], 'the email foreign key is indexed');
select trigger_is('dyniq', 'quiz_responses', 'quiz_responses_fill_tier', 'dyniq', 'quiz_responses_fill_tier');

-- ---------------------------------------------------------------------------------------------
-- dyniq.content_posts
-- ---------------------------------------------------------------------------------------------

select has_table('dyniq', 'content_posts', 'dyniq.content_posts exists');
select columns_are('dyniq', 'content_posts', array['id', 'platform', 'hook', 'topic', 'body', 'post_date', 'created_at', 'updated_at']);
select tests.column_is('dyniq', 'content_posts', c.name, c.type, c.not_null, c.default_value)
  from (values
    ('id', 'uuid', true, 'gen_random_uuid()'),
    ('platform', 'text', true, null),
    ('hook', 'text', false, null),
    ('topic', 'character varying(200)', false, null),
    ('body', 'text', false, null),
    ('post_date', 'date', false, null),
    ('created_at', 'timestamp with time zone', true, 'now()'),
    ('updated_at', 'timestamp with time zone', true, 'now()')
  ) as c(name, type, not_null, default_value);
select col_is_pk('dyniq', 'content_posts', 'id', 'dyniq.content_posts is keyed by id');
select results_eq($$ select tests.constraints_of('dyniq.content_posts') $$,
  array['content_posts_body_check c', 'content_posts_created_at_check c',
        'content_posts_hook_check c', 'content_posts_pkey p', 'content_posts_platform_check c',
        'content_posts_post_date_check c', 'content_posts_topic_check c',
        'content_posts_updated_at_check c'],
  'dyniq.content_posts has exactly its named constraints');
select indexes_are('dyniq', 'content_posts', array['content_posts_pkey', 'content_posts_post_date_idx']);
select has_index('dyniq', 'content_posts', 'content_posts_post_date_idx', array['post_date'], 'posts are indexed by date');
select trigger_is('dyniq', 'content_posts', 'content_posts_set_updated_at', 'dyniq', 'set_updated_at');

-- ---------------------------------------------------------------------------------------------
-- dyniq.content_metrics
-- ---------------------------------------------------------------------------------------------

select has_table('dyniq', 'content_metrics', 'dyniq.content_metrics exists');
select columns_are('dyniq', 'content_metrics', array['id', 'post_id', 'likes', 'comments', 'engagement_rate', 'metric_date', 'created_at']);
select tests.column_is('dyniq', 'content_metrics', c.name, c.type, c.not_null, c.default_value)
  from (values
    ('id', 'uuid', true, 'gen_random_uuid()'),
    ('post_id', 'uuid', true, null),
    ('likes', 'integer', true, '0'),
    ('comments', 'integer', true, '0'),
    ('engagement_rate', 'double precision', false, null),
    ('metric_date', 'date', true, 'CURRENT_DATE'),
    ('created_at', 'timestamp with time zone', true, 'now()')
  ) as c(name, type, not_null, default_value);
select col_is_pk('dyniq', 'content_metrics', 'id', 'dyniq.content_metrics is keyed by id');
select fk_ok('dyniq', 'content_metrics', 'post_id', 'dyniq', 'content_posts', 'id');
select col_is_unique('dyniq', 'content_metrics', array['post_id', 'metric_date']::name[], 'one metrics row per post per day');
select results_eq($$ select tests.constraints_of('dyniq.content_metrics') $$,
  array['content_metrics_comments_range c', 'content_metrics_created_at_check c',
        'content_metrics_engagement_rate_range c', 'content_metrics_likes_range c',
        'content_metrics_metric_date_check c', 'content_metrics_pkey p',
        'content_metrics_post_id_fkey f', 'content_metrics_post_id_metric_date_key u'],
  'dyniq.content_metrics has exactly its named constraints');
select indexes_are('dyniq', 'content_metrics', array['content_metrics_pkey', 'content_metrics_post_id_metric_date_key']);
select has_index('dyniq', 'content_metrics', 'content_metrics_post_id_metric_date_key', array['post_id', 'metric_date'],
  'the post_id foreign key is served by the unique index that leads with it');

-- ---------------------------------------------------------------------------------------------
-- dyniq.board_meetings
-- ---------------------------------------------------------------------------------------------

select has_table('dyniq', 'board_meetings', 'dyniq.board_meetings exists');
select columns_are('dyniq', 'board_meetings', array['id', 'thread_id', 'topic', 'decision_type', 'level', 'status',
  'agent_analyses', 'recommendation', 'total_cost_usd', 'agent_count', 'created_at', 'updated_at']);
select tests.column_is('dyniq', 'board_meetings', c.name, c.type, c.not_null, c.default_value)
  from (values
    ('id', 'uuid', true, 'gen_random_uuid()'),
    ('thread_id', 'rowgate.thread_id', true, null),
    ('topic', 'text', true, null),
    ('decision_type', 'character varying(100)', false, null),
    ('level', 'integer', true, '0'),
    ('status', 'text', true, 'processing'),
    ('agent_analyses', 'jsonb', true, '{}'),
    ('recommendation', 'text', false, null),
    ('total_cost_usd', 'double precision', false, null),
    ('agent_count', 'integer', true, '0'),
    ('created_at', 'timestamp with time zone', true, 'now()'),
    ('updated_at', 'timestamp with time zone', true, 'now()')
  ) as c(name, type, not_null, default_value);
select col_is_pk('dyniq', 'board_meetings', 'id', 'dyniq.board_meetings is keyed by id');
select col_is_unique('dyniq', 'board_meetings', array['thread_id']::name[], 'dyniq.board_meetings.thread_id is unique');
select results_eq($$ select tests.constraints_of('dyniq.board_meetings') $$,
  array['board_meetings_agent_analyses_object c', 'board_meetings_agent_count_range c',
        'board_meetings_created_at_check c', 'board_meetings_decision_type_check c',
        'board_meetings_level_range c', 'board_meetings_pkey p',
        'board_meetings_recommendation_check c', 'board_meetings_status_check c',
        'board_meetings_thread_id_key u',
        'board_meetings_topic_check c', 'board_meetings_total_cost_usd_range c',
        'board_meetings_updated_at_check c'],
  'dyniq.board_meetings has exactly its named constraints');
select indexes_are('dyniq', 'board_meetings', array['board_meetings_pkey', 'board_meetings_thread_id_key', 'board_meetings_processing_idx']);
select has_index('dyniq', 'board_meetings', 'board_meetings_processing_idx', array['updated_at'],
  'meetings are indexed by updated_at');
select is(
  (select pg_get_expr(indpred, indrelid) from pg_index where indexrelid = 'dyniq.board_meetings_processing_idx'::regclass),
  '(status = ''processing''::text)',
  'that index holds only meetings still processing (what the stalled-meeting job scans)');
select trigger_is('dyniq', 'board_meetings', 'board_meetings_set_updated_at', 'dyniq', 'set_updated_at');

-- ---------------------------------------------------------------------------------------------
-- dyniq.universal_embeddings
-- ---------------------------------------------------------------------------------------------

select has_table('dyniq', 'universal_embeddings', 'dyniq.universal_embeddings exists');
select columns_are('dyniq', 'universal_embeddings', array['id', 'source_id', 'source_type', 'content', 'embedding', 'metadata', 'created_at']);
select tests.column_is('dyniq', 'universal_embeddings', c.name, c.type, c.not_null, c.default_value)
  from (values
    ('id', 'uuid', true, 'gen_random_uuid()'),
    ('source_id', 'uuid', true, null),
    ('source_type', 'character varying(50)', true, null),
    ('content', 'text', true, null),
    ('metadata', 'jsonb', true, '{}'),
    ('created_at', 'timestamp with time zone', true, 'now()')
  ) as c(name, type, not_null, default_value);
-- The vector type lives in `extensions`; name it with its schema so the search path does not matter.
select col_type_is('dyniq', 'universal_embeddings', 'embedding', 'extensions', 'vector(1536)',
  'dyniq.universal_embeddings.embedding is extensions.vector(1536)');
select col_not_null('dyniq', 'universal_embeddings', 'embedding', 'dyniq.universal_embeddings.embedding is not null');
select col_hasnt_default('dyniq', 'universal_embeddings', 'embedding', 'dyniq.universal_embeddings.embedding has no default');
select col_is_pk('dyniq', 'universal_embeddings', 'id', 'dyniq.universal_embeddings is keyed by id');
select results_eq($$ select tests.constraints_of('dyniq.universal_embeddings') $$,
  array['universal_embeddings_content_check c', 'universal_embeddings_created_at_check c',
        'universal_embeddings_metadata_object c', 'universal_embeddings_pkey p',
        'universal_embeddings_source_type_check c'],
  'dyniq.universal_embeddings has exactly its named constraints');
select indexes_are('dyniq', 'universal_embeddings', array['universal_embeddings_pkey', 'universal_embeddings_source_idx', 'universal_embeddings_embedding_idx']);
select has_index('dyniq', 'universal_embeddings', 'universal_embeddings_source_idx', array['source_id', 'source_type'],
  'embeddings are indexed by source');
select has_index('dyniq', 'universal_embeddings', 'universal_embeddings_embedding_idx', array['embedding'],
  'embeddings have a vector index');
select index_is_type('dyniq', 'universal_embeddings', 'universal_embeddings_embedding_idx', 'hnsw');
select is(
  (select opc.opcname::text
     from pg_index i join pg_opclass opc on opc.oid = i.indclass[0]
    where i.indexrelid = 'dyniq.universal_embeddings_embedding_idx'::regclass),
  'vector_cosine_ops',
  'the vector index uses cosine distance');

-- ---------------------------------------------------------------------------------------------
-- updated_at is maintained by the database. now() is the transaction's start time, so a row is
-- first backdated and must then move forward to now() on any change, even one that tries to
-- set updated_at itself.
-- ---------------------------------------------------------------------------------------------

select lives_ok(
  $$ insert into dyniq.leads (email, created_at, updated_at) values (tests.email('trigger'), '2020-01-01', '2020-01-01') $$,
  'a backdated lead is inserted');
select lives_ok(
  $$ update dyniq.leads set name = 'Changed', updated_at = '2000-01-01' where email = tests.email('trigger') $$,
  'the lead is changed');
select results_eq(
  $$ select updated_at, created_at from dyniq.leads where email = tests.email('trigger') $$,
  $$ values (now(), '2020-01-01'::timestamptz) $$,
  'changing a lead sets its updated_at to now and leaves created_at');

select lives_ok(
  $$ insert into dyniq.content_posts (platform, topic, updated_at) values ('linkedin', tests.email('trigger'), '2020-01-01') $$,
  'a backdated post is inserted');
select lives_ok(
  $$ update dyniq.content_posts set hook = 'Changed' where topic = tests.email('trigger') $$,
  'the post is changed');
select is(
  (select updated_at from dyniq.content_posts where topic = tests.email('trigger')),
  now(),
  'changing a post sets its updated_at to now');

select lives_ok(
  $$ insert into dyniq.board_meetings (thread_id, topic, updated_at)
     values (format('bm-pgtap-trigger-%s', txid_current()), 'Trigger', '2020-01-01') $$,
  'a backdated board meeting is inserted');
select lives_ok(
  $$ update dyniq.board_meetings set level = 1 where thread_id = format('bm-pgtap-trigger-%s', txid_current()) $$,
  'the board meeting is changed');
select is(
  (select updated_at from dyniq.board_meetings where thread_id = format('bm-pgtap-trigger-%s', txid_current())),
  now(),
  'changing a board meeting sets its updated_at to now');

select * from finish();
rollback;
