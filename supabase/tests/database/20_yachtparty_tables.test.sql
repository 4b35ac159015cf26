-- yachtparty's tables (20261203002000..2030): the 18 tables and the credit-balance materialized
-- view with exactly their columns, keys, constraint names and indexes; the platform's domains
-- for phone numbers, emails, URLs and the three formats yachtparty added; every foreign key
-- with its delete rule and an index; row-level security on every table; the triggers that keep
-- updated_at; and the documentation the generator carries into the core and docs/tables.md.
-- Column types, nullability and defaults are read by the generator and left to it, but for the
-- domains and a few defaults the specification insists on. Runs as the owner; what each table
-- refuses is 21_yachtparty_constraints, who may touch what 22_yachtparty_access.
begin;
select plan(198);

-- ---------------------------------------------------------------------------------------------
-- helpers for this file only, in pg_temp so that they vanish with the session (the shared ones
-- are tests.*, installed by 000_setup_test_helpers)
-- ---------------------------------------------------------------------------------------------

-- A row id of this run's own, known before the row is written: the same label gives the same
-- id within the transaction, and another transaction gets others.
create function pg_temp.id(label text) returns uuid
language sql stable as $$ select md5(format('pgtap-20-%s-%s', label, txid_current()))::uuid $$;

-- A phone number of this run's own: +1, the transaction id, and n.
create function pg_temp.phone(n integer) returns text
language sql stable as $$
  select format('+1%s%s', lpad((txid_current() % 10000000000)::text, 10, '0'), lpad(n::text, 2, '0'))
$$;

-- A table as a whole: it exists, has exactly these columns, is keyed by id, has exactly these
-- named constraints (the API maps their names to fields: renaming one is a breaking change) and
-- exactly these indexes, and row-level security is on.
create function pg_temp.table_is(tbl text, cols text[], cons text[], idx text[]) returns setof text
language plpgsql as $$
begin
  return next has_table('yachtparty', tbl, format('yachtparty.%s exists', tbl));
  return next columns_are('yachtparty', tbl, cols::name[], format('yachtparty.%s has exactly its %s columns', tbl, cardinality(cols)));
  return next col_is_pk('yachtparty', tbl, 'id', format('yachtparty.%s is keyed by id', tbl));
  return next results_eq(format('select c collate "default" from tests.constraints_of(%L) c', 'yachtparty.' || tbl), cons,
    format('yachtparty.%s has exactly its named constraints', tbl));
  return next indexes_are('yachtparty', tbl, idx::name[], format('yachtparty.%s has exactly its indexes', tbl));
  return next ok((select relrowsecurity from pg_class where oid = format('yachtparty.%I', tbl)::regclass),
    format('yachtparty.%s has row-level security enabled', tbl));
end
$$;

-- A backdated row must move to now() (the transaction's start) on any change, even one that
-- tries to set updated_at itself, and keep its created_at.
create function pg_temp.maintains_updated_at(tbl text, insert_statement text, change text) returns setof text
language plpgsql as $$
begin
  return next lives_ok(insert_statement, format('a backdated row is inserted into yachtparty.%s', tbl));
  return next lives_ok(format('update yachtparty.%I set %s, updated_at = ''2000-01-01'' where id = %L', tbl, change, pg_temp.id(tbl)),
    format('the yachtparty.%s row is changed', tbl));
  return next results_eq(format('select updated_at, created_at from yachtparty.%I where id = %L', tbl, pg_temp.id(tbl)),
    $q$ values (now(), '2020-01-01'::timestamptz) $q$,
    format('changing a yachtparty.%s row sets updated_at to now and leaves created_at', tbl));
end
$$;

-- ---------------------------------------------------------------------------------------------
-- the schema
-- ---------------------------------------------------------------------------------------------

select has_schema('yachtparty');
select schema_privs_are('yachtparty', 'anon', array['USAGE'], 'anon may use the schema (each table still refuses it)');
select schema_privs_are('yachtparty', 'authenticated', array['USAGE'], 'authenticated may use the schema');
select schema_privs_are('yachtparty', 'service_role', array['USAGE'], 'service_role may use the schema');
select tables_are('yachtparty', array['users', 'conversations', 'messages', 'events', 'agent_tasks', 'message_queue',
  'user_message_budget', 'user_priorities', 'solution_workflows', 'intro_opportunities', 'community_requests',
  'community_responses', 'credit_events', 'innovators', 'prospects', 'linkedin_research_prospects',
  'agent_instances', 'agent_actions_log'],
  'yachtparty has exactly its 18 tables');
select materialized_views_are('yachtparty', array['user_credit_balances'],
  'yachtparty has exactly one materialized view, user_credit_balances');
select views_are('yachtparty', array[]::name[], 'yachtparty has no plain view');
select has_function('yachtparty', 'set_updated_at', array[]::name[], 'yachtparty.set_updated_at() exists');
select has_function('yachtparty', 'check_timezone', array[]::name[], 'yachtparty.check_timezone() exists');
-- The specification's counts: 261 columns = 257 of the seed's tables + users.auth_user_id + 4 of the view.
select is(
  (select count(*) from pg_attribute a join pg_class c on c.oid = a.attrelid
    where c.relnamespace = 'yachtparty'::regnamespace and c.relkind in ('r', 'm') and a.attnum > 0 and not a.attisdropped),
  263::bigint,
  'yachtparty''s 19 relations have 263 columns: the seed''s 261, users.auth_user_id and message_queue.send_attempts');

-- ---------------------------------------------------------------------------------------------
-- formats: every phone number, email and URL is of the platform's domain, and the three
-- formats yachtparty added are used where the specification puts them (their checks are
-- tested in 21_yachtparty_constraints; messages.content and community_responses.
-- verbatim_answer are text kept exactly as received, never shaped)
-- ---------------------------------------------------------------------------------------------

select results_eq(
  $$ select format('%s.%s %s', c.relname, a.attname, format_type(a.atttypid, null)) collate "default"
       from pg_attribute a join pg_class c on c.oid = a.attrelid join pg_type t on t.oid = a.atttypid
      where c.relnamespace = 'yachtparty'::regnamespace and c.relkind = 'r' and a.attnum > 0
        and not a.attisdropped and t.typtype = 'd'
      order by 1 $$,
  array['community_responses.verbatim_answer rowgate.verbatim_text',
        'conversations.phone_number rowgate.e164_phone',
        'events.event_type rowgate.event_type',
        'innovators.video_url rowgate.http_url',
        'intro_opportunities.intro_email rowgate.email',
        'intro_opportunities.prospect_linkedin_url rowgate.http_url',
        'linkedin_research_prospects.email rowgate.email',
        'linkedin_research_prospects.linkedin_url rowgate.http_url',
        'messages.content rowgate.verbatim_text',
        'messages.twilio_message_sid rowgate.twilio_message_sid',
        'prospects.email rowgate.email',
        'prospects.linkedin_url rowgate.http_url',
        'prospects.phone_number rowgate.e164_phone',
        'users.email rowgate.email',
        'users.linkedin_url rowgate.http_url',
        'users.phone_number rowgate.e164_phone'],
  'exactly these columns are of a domain: phone numbers, emails, URLs, the Twilio SID, the event type and verbatim text');
select is_empty(
  $$ select c.relname || '.' || a.attname
       from pg_attribute a join pg_class c on c.oid = a.attrelid join pg_type t on t.oid = a.atttypid
      where c.relnamespace = 'yachtparty'::regnamespace and c.relkind = 'r' and a.attnum > 0 and not a.attisdropped
        and (a.attname ~ '(phone_number|email|_url)$') and t.typtype <> 'd' $$,
  'no phone number, email or URL column is left without its domain');
select col_type_is('yachtparty', 'credit_events', 'event_type', 'character varying(100)',
  'credit_events.event_type is a free label (intro_completed, referral_joined), not a dotted event type');
select is(
  (select count(*) from pg_type where oid in ('rowgate.twilio_message_sid'::regtype, 'rowgate.event_type'::regtype,
                                              'rowgate.verbatim_text'::regtype)
                                  and coalesce(obj_description(oid, 'pg_type'), '') <> ''),
  3::bigint,
  'the three domains yachtparty added are documented');
select is(
  (select count(*) from unnest(array['authenticated', 'service_role']) r,
                        unnest(array['rowgate.twilio_message_sid', 'rowgate.event_type', 'rowgate.verbatim_text']) d
    where has_type_privilege(r, d, 'USAGE')),
  6::bigint,
  'authenticated and the service role may use the three domains');

-- ---------------------------------------------------------------------------------------------
-- foreign keys: each with its delete rule, each served by an index leading with its columns
-- ---------------------------------------------------------------------------------------------

select results_eq(
  $$ select format('%s (%s) -> %s (%s) on delete %s', c.conname,
           (select string_agg(attname, ', ' order by k.n) from unnest(c.conkey) with ordinality k(a, n)
              join pg_attribute on attrelid = c.conrelid and attnum = k.a),
           c.confrelid::regclass,
           (select string_agg(attname, ', ' order by k.n) from unnest(c.confkey) with ordinality k(a, n)
              join pg_attribute on attrelid = c.confrelid and attnum = k.a),
           case c.confdeltype when 'a' then 'no action' when 'r' then 'restrict' when 'c' then 'cascade'
                              when 'n' then 'set null' when 'd' then 'set default' end) collate "default"
       from pg_constraint c where c.contype = 'f' and c.connamespace = 'yachtparty'::regnamespace order by 1 $$,
  array['agent_actions_log_agent_instance_id_fkey (agent_instance_id) -> yachtparty.agent_instances (id) on delete no action',
        'agent_actions_log_user_id_fkey (user_id) -> yachtparty.users (id) on delete set null',
        'agent_instances_user_id_fkey (user_id) -> yachtparty.users (id) on delete cascade',
        'agent_tasks_user_id_fkey (user_id) -> yachtparty.users (id) on delete cascade',
        'community_requests_requesting_user_id_fkey (requesting_user_id) -> yachtparty.users (id) on delete no action',
        'community_responses_request_id_fkey (request_id) -> yachtparty.community_requests (id) on delete cascade',
        'community_responses_user_id_fkey (user_id) -> yachtparty.users (id) on delete no action',
        'conversations_last_summary_message_id_fkey (last_summary_message_id) -> yachtparty.messages (id) on delete set null',
        'conversations_user_id_fkey (user_id) -> yachtparty.users (id) on delete cascade',
        'credit_events_user_id_fkey (user_id) -> yachtparty.users (id) on delete restrict',
        'innovators_user_id_fkey (user_id) -> yachtparty.users (id) on delete cascade',
        'intro_opportunities_connector_user_id_fkey (connector_user_id) -> yachtparty.users (id) on delete no action',
        'intro_opportunities_innovator_id_fkey (innovator_id) -> yachtparty.innovators (id) on delete no action',
        'intro_opportunities_prospect_id_fkey (prospect_id) -> yachtparty.prospects (id) on delete restrict',
        'message_queue_conversation_context_id_fkey (conversation_context_id) -> yachtparty.conversations (id) on delete set null',
        'message_queue_delivered_message_id_fkey (delivered_message_id) -> yachtparty.messages (id) on delete set null',
        'message_queue_superseded_by_message_id_fkey (superseded_by_message_id) -> yachtparty.message_queue (id) on delete set null',
        'message_queue_user_id_fkey (user_id) -> yachtparty.users (id) on delete cascade',
        'messages_conversation_id_fkey (conversation_id) -> yachtparty.conversations (id) on delete cascade',
        'messages_conversation_id_user_id_fkey (conversation_id, user_id) -> yachtparty.conversations (id, user_id) on delete cascade',
        'messages_user_id_fkey (user_id) -> yachtparty.users (id) on delete cascade',
        'prospects_converted_to_user_id_fkey (converted_to_user_id) -> yachtparty.users (id) on delete set null',
        'prospects_innovator_id_fkey (innovator_id) -> yachtparty.innovators (id) on delete cascade',
        'solution_workflows_user_id_fkey (user_id) -> yachtparty.users (id) on delete cascade',
        'user_message_budget_user_id_fkey (user_id) -> yachtparty.users (id) on delete cascade',
        'user_priorities_user_id_fkey (user_id) -> yachtparty.users (id) on delete cascade',
        'users_auth_user_id_fkey (auth_user_id) -> auth.users (id) on delete set null',
        'users_referred_by_fkey (referred_by) -> yachtparty.users (id) on delete set null'],
  'yachtparty has exactly these foreign keys, with these delete rules');
-- Lint unindexed_foreign_key: no foreign key of the schema without an index leading with its
-- columns (in their order), so a delete of the parent and a join from it never scan the child.
select is_empty(
  $$ select c.conrelid::regclass || ' ' || c.conname
       from pg_constraint c
      where c.contype = 'f' and c.connamespace = 'yachtparty'::regnamespace
        and not exists (
          select from pg_index i
           where i.indrelid = c.conrelid
             and (string_to_array(i.indkey::text, ' ')::int2[])[1:cardinality(c.conkey)] = c.conkey) $$,
  'every yachtparty foreign key has an index leading with its columns');

-- ---------------------------------------------------------------------------------------------
-- row-level security: on for all 18 tables (D15); a materialized view cannot have it, so it is
-- granted to no API role but the service role (22_yachtparty_access)
-- ---------------------------------------------------------------------------------------------

select is_empty(
  $$ select relname from pg_class where relnamespace = 'yachtparty'::regnamespace and relkind in ('r', 'p') and not relrowsecurity $$,
  'every yachtparty table has row-level security enabled');
select is(
  (select count(*) from pg_class where relnamespace = 'yachtparty'::regnamespace and relkind = 'r' and relrowsecurity),
  18::bigint,
  'all 18 of them');

-- ---------------------------------------------------------------------------------------------
-- each table: columns, key, constraint names, indexes, row-level security
-- ---------------------------------------------------------------------------------------------

select pg_temp.table_is('users',
  array['id', 'phone_number', 'email', 'first_name', 'last_name', 'company', 'title', 'linkedin_url', 'verified',
        'email_verified', 'innovator', 'expert_connector', 'expertise', 'poc_agent_id', 'poc_agent_type',
        'quiet_hours_start', 'quiet_hours_end', 'timezone', 'response_pattern', 'credit_balance', 'status_level',
        'referred_by', 'name_dropped', 'created_at', 'updated_at', 'last_active_at', 'auth_user_id'],
  array['users_auth_user_id_fkey f', 'users_auth_user_id_key u', 'users_company_check c', 'users_created_at_check c',
        'users_credit_balance_range c', 'users_expertise_check c', 'users_first_name_check c',
        'users_last_active_at_check c', 'users_last_name_check c', 'users_name_dropped_check c',
        'users_phone_number_key u', 'users_pkey p', 'users_poc_agent_id_check c', 'users_poc_agent_type_check c',
        'users_quiet_hours_both_or_neither c', 'users_quiet_hours_end_check c', 'users_quiet_hours_not_empty c', 'users_quiet_hours_start_check c', 'users_referred_by_fkey f',
        'users_referred_by_not_self c', 'users_response_pattern_object c', 'users_status_level_check c',
        'users_timezone_check c', 'users_title_check c', 'users_updated_at_check c'],
  array['users_pkey', 'users_phone_number_key', 'users_auth_user_id_key', 'users_email_idx', 'users_verified_idx',
        'users_referred_by_idx']);

select pg_temp.table_is('conversations',
  array['id', 'user_id', 'phone_number', 'status', 'conversation_summary', 'last_summary_message_id',
        'messages_since_summary', 'created_at', 'updated_at', 'last_message_at'],
  array['conversations_conversation_summary_check c', 'conversations_created_at_check c',
        'conversations_id_user_id_key u', 'conversations_last_message_at_check c',
        'conversations_last_summary_message_id_fkey f', 'conversations_messages_since_summary_range c',
        'conversations_pkey p', 'conversations_status_check c', 'conversations_updated_at_check c',
        'conversations_user_id_fkey f'],
  array['conversations_pkey', 'conversations_id_user_id_key', 'conversations_user_id_idx', 'conversations_phone_number_idx',
        'conversations_one_active_per_user', 'conversations_last_summary_message_id_idx']);

select pg_temp.table_is('messages',
  array['id', 'conversation_id', 'user_id', 'role', 'content', 'direction', 'twilio_message_sid', 'status', 'created_at',
        'sent_at', 'delivered_at'],
  array['messages_content_not_empty_outbound c', 'messages_conversation_id_fkey f',
        'messages_conversation_id_user_id_fkey f', 'messages_created_at_check c', 'messages_delivered_at_check c',
        'messages_direction_check c', 'messages_pkey p', 'messages_role_check c', 'messages_sent_at_check c',
        'messages_status_check c', 'messages_twilio_message_sid_key u', 'messages_user_id_fkey f'],
  array['messages_pkey', 'messages_twilio_message_sid_key', 'messages_conversation_id_idx', 'messages_user_id_idx',
        'messages_created_at_idx', 'messages_conversation_id_user_id_idx']);

select pg_temp.table_is('events',
  array['id', 'event_type', 'aggregate_id', 'aggregate_type', 'payload', 'metadata', 'processed', 'version', 'created_at',
        'created_by'],
  array['events_aggregate_type_check c', 'events_created_at_check c', 'events_created_by_check c',
        'events_payload_object c', 'events_pkey p', 'events_version_range c'],
  array['events_pkey', 'events_event_type_idx', 'events_aggregate_idx', 'events_unprocessed_idx']);

select pg_temp.table_is('agent_tasks',
  array['id', 'task_type', 'agent_type', 'user_id', 'context_id', 'context_type', 'scheduled_for', 'priority', 'status',
        'retry_count', 'max_retries', 'last_attempted_at', 'context_json', 'result_json', 'error_log', 'created_at',
        'created_by', 'completed_at'],
  array['agent_tasks_agent_type_check c', 'agent_tasks_completed_at_check c',
        'agent_tasks_completed_has_completed_at c', 'agent_tasks_context_both_or_neither c',
        'agent_tasks_context_json_object c', 'agent_tasks_context_type_check c', 'agent_tasks_created_at_check c',
        'agent_tasks_created_by_check c', 'agent_tasks_error_log_check c', 'agent_tasks_last_attempted_at_check c',
        'agent_tasks_max_retries_range c', 'agent_tasks_pkey p', 'agent_tasks_priority_check c',
        'agent_tasks_retry_count_range c', 'agent_tasks_scheduled_for_check c', 'agent_tasks_status_check c',
        'agent_tasks_task_type_check c', 'agent_tasks_user_id_fkey f'],
  array['agent_tasks_pkey', 'agent_tasks_status_scheduled_for_idx', 'agent_tasks_agent_type_status_idx',
        'agent_tasks_user_id_idx']);

select pg_temp.table_is('message_queue',
  array['id', 'user_id', 'agent_id', 'message_data', 'final_message', 'scheduled_for', 'priority', 'status',
        'superseded_by_message_id', 'superseded_reason', 'conversation_context_id', 'requires_fresh_context',
        'sequence_id', 'sequence_position', 'sequence_total', 'sent_at', 'delivered_message_id', 'created_at',
        'send_attempts'],
  array['message_queue_agent_id_check c', 'message_queue_conversation_context_id_fkey f',
        'message_queue_created_at_check c', 'message_queue_delivered_message_id_fkey f',
        'message_queue_final_message_check c', 'message_queue_final_message_length c',
        'message_queue_not_superseded_by_itself c', 'message_queue_pkey p', 'message_queue_priority_check c',
        'message_queue_scheduled_for_check c', 'message_queue_send_attempts_range c', 'message_queue_sent_at_check c',
        'message_queue_sent_has_sent_at c',
        'message_queue_sequence_all_or_none c', 'message_queue_sequence_id_sequence_position_key u',
        'message_queue_status_check c', 'message_queue_superseded_by_message_id_fkey f',
        'message_queue_superseded_has_reason c', 'message_queue_superseded_reason_check c',
        'message_queue_user_id_fkey f'],
  array['message_queue_pkey', 'message_queue_sequence_id_sequence_position_key',
        'message_queue_user_id_status_scheduled_for_idx', 'message_queue_status_scheduled_for_idx',
        'message_queue_sequence_id_idx', 'message_queue_superseded_by_message_id_idx',
        'message_queue_conversation_context_id_idx', 'message_queue_delivered_message_id_idx']);

select pg_temp.table_is('user_message_budget',
  array['id', 'user_id', 'date', 'messages_sent', 'last_message_at', 'daily_limit', 'hourly_limit', 'quiet_hours_enabled',
        'created_at'],
  array['user_message_budget_created_at_check c', 'user_message_budget_daily_limit_range c',
        'user_message_budget_date_check c', 'user_message_budget_hourly_limit_range c',
        'user_message_budget_last_message_at_check c', 'user_message_budget_messages_sent_range c',
        'user_message_budget_pkey p', 'user_message_budget_user_id_date_key u', 'user_message_budget_user_id_fkey f'],
  array['user_message_budget_pkey', 'user_message_budget_user_id_date_key']);

select pg_temp.table_is('user_priorities',
  array['id', 'user_id', 'priority_rank', 'item_type', 'item_id', 'value_score', 'status', 'created_at', 'expires_at',
        'presented_at'],
  array['user_priorities_created_at_check c', 'user_priorities_expires_at_check c', 'user_priorities_item_type_check c',
        'user_priorities_pkey p', 'user_priorities_presented_at_check c',
        'user_priorities_presented_has_presented_at c', 'user_priorities_priority_rank_range c',
        'user_priorities_status_check c', 'user_priorities_user_id_fkey f',
        'user_priorities_user_id_item_type_item_id_key u', 'user_priorities_value_score_range c'],
  array['user_priorities_pkey', 'user_priorities_user_id_item_type_item_id_key', 'user_priorities_user_id_status_rank_idx']);

select pg_temp.table_is('solution_workflows',
  array['id', 'user_id', 'request_description', 'category', 'current_step', 'status', 'perplexity_results',
        'matched_innovators', 'community_insights', 'expert_recommendations', 'quality_threshold_met',
        'last_decision_at', 'next_action', 'pending_tasks', 'completed_tasks', 'conversation_log', 'created_at',
        'updated_at', 'completed_at'],
  array['solution_workflows_category_check c', 'solution_workflows_completed_at_check c',
        'solution_workflows_completed_tasks_array c', 'solution_workflows_conversation_log_array c',
        'solution_workflows_created_at_check c', 'solution_workflows_current_step_check c',
        'solution_workflows_last_decision_at_check c', 'solution_workflows_next_action_check c',
        'solution_workflows_pending_tasks_array c', 'solution_workflows_pkey p',
        'solution_workflows_request_description_check c', 'solution_workflows_status_check c',
        'solution_workflows_updated_at_check c', 'solution_workflows_user_id_fkey f'],
  array['solution_workflows_pkey', 'solution_workflows_user_id_status_idx']);

select pg_temp.table_is('intro_opportunities',
  array['id', 'connector_user_id', 'innovator_id', 'prospect_id', 'prospect_name', 'prospect_company', 'prospect_title',
        'prospect_linkedin_url', 'innovator_name', 'bounty_credits', 'status', 'connector_response', 'feed_item_id',
        'intro_email', 'intro_scheduled_at', 'intro_completed_at', 'created_at', 'updated_at', 'expires_at'],
  array['intro_opportunities_bounty_credits_range c', 'intro_opportunities_completed_has_completed_at c',
        'intro_opportunities_connector_response_check c', 'intro_opportunities_connector_user_id_fkey f',
        'intro_opportunities_created_at_check c', 'intro_opportunities_expires_at_check c',
        'intro_opportunities_innovator_id_fkey f', 'intro_opportunities_innovator_name_check c',
        'intro_opportunities_intro_completed_at_check c', 'intro_opportunities_intro_scheduled_at_check c',
        'intro_opportunities_pkey p', 'intro_opportunities_prospect_company_check c',
        'intro_opportunities_prospect_id_fkey f', 'intro_opportunities_prospect_name_check c',
        'intro_opportunities_prospect_title_check c', 'intro_opportunities_status_check c',
        'intro_opportunities_updated_at_check c'],
  array['intro_opportunities_pkey', 'intro_opportunities_connector_user_id_status_idx',
        'intro_opportunities_innovator_id_idx', 'intro_opportunities_prospect_id_idx']);

select pg_temp.table_is('community_requests',
  array['id', 'requesting_agent_type', 'requesting_user_id', 'context_id', 'context_type', 'question', 'category',
        'expertise_needed', 'target_user_ids', 'requester_context', 'desired_outcome', 'urgency', 'request_summary',
        'status', 'responses_count', 'closed_loop_at', 'closed_loop_message', 'created_at', 'expires_at'],
  array['community_requests_category_check c', 'community_requests_closed_loop_at_check c',
        'community_requests_closed_loop_message_check c', 'community_requests_context_both_or_neither c',
        'community_requests_context_type_check c', 'community_requests_created_at_check c',
        'community_requests_desired_outcome_check c', 'community_requests_expertise_needed_check c',
        'community_requests_expires_at_check c', 'community_requests_pkey p', 'community_requests_question_check c',
        'community_requests_request_summary_check c', 'community_requests_requester_context_check c',
        'community_requests_requesting_agent_type_check c', 'community_requests_requesting_user_id_fkey f',
        'community_requests_responses_count_range c', 'community_requests_status_check c',
        'community_requests_target_user_ids_check c', 'community_requests_urgency_check c'],
  array['community_requests_pkey', 'community_requests_status_expires_at_idx', 'community_requests_requesting_user_id_idx',
        'community_requests_target_user_ids_idx']);

select pg_temp.table_is('community_responses',
  array['id', 'request_id', 'user_id', 'response_text', 'verbatim_answer', 'usefulness_score', 'impact_description',
        'credits_awarded', 'credited_at', 'status', 'closed_loop_message', 'closed_loop_at', 'created_at'],
  array['community_responses_closed_loop_at_check c', 'community_responses_closed_loop_message_check c',
        'community_responses_created_at_check c', 'community_responses_credited_at_check c',
        'community_responses_credits_awarded_range c', 'community_responses_impact_description_check c',
        'community_responses_pkey p', 'community_responses_request_id_fkey f',
        'community_responses_request_id_user_id_key u', 'community_responses_response_text_check c',
        'community_responses_status_check c', 'community_responses_usefulness_score_range c',
        'community_responses_user_id_fkey f'],
  array['community_responses_pkey', 'community_responses_request_id_user_id_key', 'community_responses_request_id_idx',
        'community_responses_user_id_idx', 'community_responses_status_idx']);

select pg_temp.table_is('credit_events',
  array['id', 'user_id', 'event_type', 'amount', 'reference_type', 'reference_id', 'idempotency_key', 'description',
        'created_at', 'processed'],
  array['credit_events_amount_not_zero c', 'credit_events_created_at_check c', 'credit_events_description_check c',
        'credit_events_event_type_check c', 'credit_events_idempotency_key_check c',
        'credit_events_idempotency_key_key u', 'credit_events_pkey p', 'credit_events_reference_type_check c',
        'credit_events_user_id_fkey f'],
  array['credit_events_pkey', 'credit_events_idempotency_key_key', 'credit_events_user_id_created_at_idx',
        'credit_events_processed_idx']);

select pg_temp.table_is('innovators',
  array['id', 'user_id', 'company_name', 'solution_description', 'categories', 'target_customer_profile', 'video_url',
        'credits_balance', 'active', 'created_at'],
  array['innovators_categories_check c', 'innovators_company_name_check c', 'innovators_created_at_check c',
        'innovators_credits_balance_range c', 'innovators_pkey p', 'innovators_solution_description_check c',
        'innovators_target_customer_profile_check c', 'innovators_user_id_fkey f', 'innovators_user_id_key u'],
  array['innovators_pkey', 'innovators_user_id_key', 'innovators_active_idx']);

select pg_temp.table_is('prospects',
  array['id', 'email', 'phone_number', 'linkedin_url', 'first_name', 'last_name', 'company', 'title', 'innovator_id',
        'uploaded_at', 'upload_source', 'upload_batch_id', 'status', 'converted_to_user_id', 'converted_at',
        'prospect_notes', 'target_solution_categories', 'metadata', 'created_at', 'updated_at'],
  array['prospects_at_least_one_contact_method c', 'prospects_company_check c', 'prospects_converted_at_check c',
        'prospects_converted_has_user c', 'prospects_converted_to_user_id_fkey f', 'prospects_created_at_check c',
        'prospects_first_name_check c', 'prospects_innovator_id_fkey f', 'prospects_last_name_check c',
        'prospects_pkey p', 'prospects_prospect_notes_check c', 'prospects_status_check c',
        'prospects_target_solution_categories_check c', 'prospects_title_check c', 'prospects_updated_at_check c',
        'prospects_upload_source_check c', 'prospects_uploaded_at_check c'],
  array['prospects_pkey', 'prospects_email_idx', 'prospects_innovator_id_idx', 'prospects_status_idx',
        'prospects_converted_to_user_id_idx']);

select pg_temp.table_is('linkedin_research_prospects',
  array['id', 'name', 'company', 'title', 'linkedin_url', 'email', 'mutual_connections', 'last_researched_at',
        'users_researching', 'created_at'],
  array['linkedin_research_prospects_company_check c', 'linkedin_research_prospects_created_at_check c',
        'linkedin_research_prospects_last_researched_at_check c', 'linkedin_research_prospects_name_check c',
        'linkedin_research_prospects_pkey p', 'linkedin_research_prospects_title_check c',
        'linkedin_research_prospects_users_researching_check c'],
  array['linkedin_research_prospects_pkey', 'linkedin_research_prospects_linkedin_url_key',
        'linkedin_research_prospects_name_company_idx']);

select pg_temp.table_is('agent_instances',
  array['id', 'agent_type', 'user_id', 'config_json', 'prompt_version', 'status', 'last_active_at', 'created_at',
        'terminated_at'],
  array['agent_instances_agent_type_check c', 'agent_instances_created_at_check c',
        'agent_instances_last_active_at_check c', 'agent_instances_pkey p', 'agent_instances_prompt_version_check c',
        'agent_instances_status_check c', 'agent_instances_terminated_at_check c',
        'agent_instances_terminated_iff_terminated_at c', 'agent_instances_user_id_fkey f'],
  array['agent_instances_pkey', 'agent_instances_user_id_idx', 'agent_instances_agent_type_status_idx']);

select pg_temp.table_is('agent_actions_log',
  array['id', 'agent_type', 'agent_instance_id', 'action_type', 'user_id', 'context_id', 'context_type', 'model_used',
        'input_tokens', 'output_tokens', 'cost_usd', 'latency_ms', 'input_data', 'output_data', 'error', 'created_at'],
  array['agent_actions_log_action_type_check c', 'agent_actions_log_agent_instance_id_fkey f',
        'agent_actions_log_agent_type_check c', 'agent_actions_log_context_type_check c',
        'agent_actions_log_cost_usd_range c', 'agent_actions_log_created_at_check c', 'agent_actions_log_error_check c',
        'agent_actions_log_input_tokens_range c', 'agent_actions_log_latency_ms_range c',
        'agent_actions_log_model_used_check c', 'agent_actions_log_output_tokens_range c', 'agent_actions_log_pkey p',
        'agent_actions_log_user_id_fkey f'],
  array['agent_actions_log_pkey', 'agent_actions_log_agent_instance_id_idx', 'agent_actions_log_agent_type_created_at_idx',
        'agent_actions_log_user_id_idx', 'agent_actions_log_action_type_idx']);

-- ---------------------------------------------------------------------------------------------
-- the materialized view: reporting only (D1), refreshable concurrently thanks to its unique index
-- ---------------------------------------------------------------------------------------------

select has_materialized_view('yachtparty', 'user_credit_balances', 'yachtparty.user_credit_balances exists');
select columns_are('yachtparty', 'user_credit_balances', array['user_id', 'balance', 'transaction_count', 'last_transaction_at'],
  'yachtparty.user_credit_balances has exactly its 4 columns');
select results_eq(
  $$ select a.attname::text collate "default", format_type(a.atttypid, a.atttypmod)
       from pg_attribute a where a.attrelid = 'yachtparty.user_credit_balances'::regclass and a.attnum > 0 order by a.attnum $$,
  $$ values ('user_id', 'uuid'), ('balance', 'bigint'), ('transaction_count', 'bigint'),
            ('last_transaction_at', 'timestamp with time zone') $$,
  'its columns have the seed''s types (sum(integer) and count(*) are bigint)');
select ok((select relispopulated from pg_class where oid = 'yachtparty.user_credit_balances'::regclass),
  'it was created with data');
select indexes_are('yachtparty', 'user_credit_balances', array['user_credit_balances_user_id_key'],
  'it has exactly one index');
select has_index('yachtparty', 'user_credit_balances', 'user_credit_balances_user_id_key', array['user_id'],
  'it is indexed by user_id');
select index_is_unique('yachtparty', 'user_credit_balances', 'user_credit_balances_user_id_key',
  'that index is unique, without which refresh materialized view concurrently is refused');
select is((select pg_get_expr(indpred, indrelid) from pg_index where indexrelid = 'yachtparty.user_credit_balances_user_id_key'::regclass),
  null, 'and not partial (concurrent refresh needs a unique index on every row)');

-- ---------------------------------------------------------------------------------------------
-- unique keys (the constraints are listed above; here, what each holds unique)
-- ---------------------------------------------------------------------------------------------

select col_is_unique('yachtparty', 'users', array['phone_number']::name[], 'one user per phone number');
select col_is_unique('yachtparty', 'users', array['auth_user_id']::name[], 'one profile per Auth user');
select col_is_unique('yachtparty', 'conversations', array['id', 'user_id']::name[],
  'conversations are unique by (id, user_id), the target of the messages'' composite foreign key');
select col_is_unique('yachtparty', 'messages', array['twilio_message_sid']::name[], 'a Twilio message SID is stored once');
select col_is_unique('yachtparty', 'message_queue', array['sequence_id', 'sequence_position']::name[],
  'one message per position in a sequence');
select col_is_unique('yachtparty', 'user_message_budget', array['user_id', 'date']::name[], 'one budget row per user per local day');
select col_is_unique('yachtparty', 'user_priorities', array['user_id', 'item_type', 'item_id']::name[],
  'an item is ranked once per user');
select col_is_unique('yachtparty', 'innovators', array['user_id']::name[], 'one innovator per user');
select col_is_unique('yachtparty', 'credit_events', array['idempotency_key']::name[], 'one award per idempotency key');
select col_is_unique('yachtparty', 'community_responses', array['request_id', 'user_id']::name[],
  'one response per expert per request');

-- The two partial unique indexes.
select has_index('yachtparty', 'conversations', 'conversations_one_active_per_user', array['user_id'],
  'conversations_one_active_per_user is on user_id');
select index_is_unique('yachtparty', 'conversations', 'conversations_one_active_per_user',
  'conversations_one_active_per_user is unique');
select is((select pg_get_expr(indpred, indrelid) from pg_index where indexrelid = 'yachtparty.conversations_one_active_per_user'::regclass),
  '(status = ''active''::text)',
  'over the active conversations only (find-or-create: on conflict (user_id) where status = ''active'')');
select has_index('yachtparty', 'linkedin_research_prospects', 'linkedin_research_prospects_linkedin_url_key', array['linkedin_url'],
  'linkedin_research_prospects_linkedin_url_key is on linkedin_url');
select index_is_unique('yachtparty', 'linkedin_research_prospects', 'linkedin_research_prospects_linkedin_url_key',
  'linkedin_research_prospects_linkedin_url_key is unique');
select is((select pg_get_expr(indpred, indrelid) from pg_index where indexrelid = 'yachtparty.linkedin_research_prospects_linkedin_url_key'::regclass),
  '(linkedin_url IS NOT NULL)',
  'over the profiles that have a URL');
select index_is_type('yachtparty', 'community_requests', 'community_requests_target_user_ids_idx', 'gin');
select is((select pg_get_expr(indpred, indrelid) from pg_index where indexrelid = 'yachtparty.events_unprocessed_idx'::regclass),
  '(NOT processed)',
  'events_unprocessed_idx holds only the events not yet processed');

-- What they refuse and allow, on rows of this run's own.
select lives_ok(
  format($$ insert into yachtparty.users (id, phone_number) values (%L, %L), (%L, %L) $$,
         pg_temp.id('ann'), pg_temp.phone(1), pg_temp.id('bob'), pg_temp.phone(2)),
  'two users with their own phone numbers are accepted');
select tests.rejects(format($$ insert into yachtparty.users (phone_number) values (%L) $$, pg_temp.phone(1)),
  'users_phone_number_key', 'a second user with the same phone number is refused');
select tests.create_supabase_user('owner');
select lives_ok(
  $$ update yachtparty.users set auth_user_id = tests.get_supabase_uid('owner') where id = pg_temp.id('ann') $$,
  'a profile is tied to an Auth user');
select tests.rejects($$ update yachtparty.users set auth_user_id = tests.get_supabase_uid('owner') where id = pg_temp.id('bob') $$,
  'users_auth_user_id_key', 'a second profile cannot be tied to the same Auth user');
select lives_ok(
  format($$ insert into yachtparty.conversations (id, user_id, phone_number) values (%L, %L, %L) $$,
         pg_temp.id('ann-active'), pg_temp.id('ann'), pg_temp.phone(1)),
  'a user''s active conversation is accepted');
select throws_ok(
  format($$ insert into yachtparty.conversations (user_id, phone_number) values (%L, %L) $$, pg_temp.id('ann'), pg_temp.phone(1)),
  '23505', 'duplicate key value violates unique constraint "conversations_one_active_per_user"',
  'a second active conversation for the same user is refused');
select lives_ok(
  format($$ insert into yachtparty.conversations (user_id, phone_number, status) values (%L, %L, 'archived'), (%L, %L, 'archived') $$,
         pg_temp.id('ann'), pg_temp.phone(1), pg_temp.id('ann'), pg_temp.phone(1)),
  'archived conversations of the same user are accepted beside the active one');
select lives_ok(
  format($$ insert into yachtparty.conversations (id, user_id, phone_number) values (%L, %L, %L) $$,
         pg_temp.id('bob-active'), pg_temp.id('bob'), pg_temp.phone(2)),
  'another user has an active conversation of their own');
select tests.rejects(
  format($$ insert into yachtparty.messages (conversation_id, user_id, role, content, direction) values (%L, %L, 'user', 'Hi', 'inbound') $$,
         pg_temp.id('bob-active'), pg_temp.id('ann')),
  'messages_conversation_id_user_id_fkey', 'a message cannot sit in another user''s conversation');
select lives_ok(
  format($$ insert into yachtparty.messages (conversation_id, user_id, role, content, direction, twilio_message_sid)
            values (%1$L, %2$L, 'user', 'Hi', 'inbound', %3$L), (%1$L, %2$L, 'user', 'Hi', 'inbound', null),
                   (%1$L, %2$L, 'assistant', 'Hello', 'outbound', null) $$,
         pg_temp.id('ann-active'), pg_temp.id('ann'), 'SM' || md5(pg_temp.id('sid')::text)),
  'messages with a SID and without one are accepted');
select tests.rejects(
  format($$ insert into yachtparty.messages (conversation_id, user_id, role, content, direction, twilio_message_sid)
            values (%L, %L, 'user', 'Hi again', 'inbound', %L) $$,
         pg_temp.id('ann-active'), pg_temp.id('ann'), 'SM' || md5(pg_temp.id('sid')::text)),
  'messages_twilio_message_sid_key', 'a second message with the same Twilio SID is refused (a repeated webhook writes once)');
select lives_ok(
  format($$ insert into yachtparty.linkedin_research_prospects (name, linkedin_url) values ('Ada', %1$L), ('Ada', null), ('Ada', null) $$,
         'https://www.linkedin.com/in/pgtap-' || pg_temp.id('ada')),
  'research records with a profile URL and without one are accepted');
select throws_ok(
  format($$ insert into yachtparty.linkedin_research_prospects (name, linkedin_url) values ('Ada Again', %L) $$,
         'https://www.linkedin.com/in/pgtap-' || pg_temp.id('ada')),
  '23505', 'duplicate key value violates unique constraint "linkedin_research_prospects_linkedin_url_key"',
  'a second research record for the same profile URL is refused');

-- ---------------------------------------------------------------------------------------------
-- a few defaults the specification insists on
-- ---------------------------------------------------------------------------------------------

-- D9: the default names the function in `extensions` (pg_get_expr leaves the schema out when it
-- is on the search path, so the default's dependency is asked instead).
select ok(
  exists (select from pg_attrdef d join pg_depend dep on dep.classid = 'pg_attrdef'::regclass and dep.objid = d.oid
           where d.adrelid = 'yachtparty.prospects'::regclass
             and d.adnum = (select attnum from pg_attribute where attrelid = 'yachtparty.prospects'::regclass and attname = 'id')
             and dep.refclassid = 'pg_proc'::regclass and dep.refobjid = 'extensions.uuid_generate_v4()'::regprocedure),
  'prospects.id defaults to extensions.uuid_generate_v4() (D9)');
select col_default_is('yachtparty', 'user_message_budget', 'daily_limit', '5',
  'the daily message limit defaults to the seed''s 5 (not the original code''s 10)');
select col_default_is('yachtparty', 'community_requests', 'expires_at', $$(now() + '7 days'::interval)$$,
  'a community request expires a week after it is made');

-- ---------------------------------------------------------------------------------------------
-- updated_at is kept by a trigger on exactly the tables that have it
-- ---------------------------------------------------------------------------------------------

select results_eq(
  $$ select c.relname::text collate "default" from pg_class c
      where c.relnamespace = 'yachtparty'::regnamespace and c.relkind = 'r'
        and exists (select from pg_attribute a where a.attrelid = c.oid and a.attname = 'updated_at' and not a.attisdropped)
      order by 1 $$,
  $$ select c.relname::text collate "default" from pg_trigger t join pg_class c on c.oid = t.tgrelid
      where t.tgfoid = 'yachtparty.set_updated_at'::regproc and not t.tgisinternal order by 1 $$,
  'the tables that have updated_at are exactly those whose trigger keeps it');
select trigger_is('yachtparty', t, t || '_set_updated_at', 'yachtparty', 'set_updated_at',
         format('yachtparty.%s keeps its updated_at with set_updated_at', t))
  from unnest(array['users', 'conversations', 'solution_workflows', 'intro_opportunities', 'prospects']) as t;
select trigger_is('yachtparty', 'users', 'users_check_timezone', 'yachtparty', 'check_timezone',
  'users.timezone is checked against the zones PostgreSQL knows by check_timezone (21_yachtparty_constraints)');
select is(
  (select array_agg(tgname::text order by tgname) from pg_trigger
    where tgrelid = 'yachtparty.users'::regclass and tgfoid = 'yachtparty.check_timezone'::regproc
      and tgtype & (4 | 16 | 2) = (4 | 16 | 2)),
  array['users_check_timezone'],
  'it fires before insert and before update');
select is(
  (select array_agg(a.attname::text) from pg_trigger t join pg_attribute a on a.attrelid = t.tgrelid and a.attnum = any (t.tgattr)
    where t.tgrelid = 'yachtparty.users'::regclass and t.tgname = 'users_check_timezone'),
  array['timezone'],
  'an update fires it only when it names timezone');

select pg_temp.maintains_updated_at('users',
  format($$ insert into yachtparty.users (id, phone_number, created_at, updated_at) values (%L, %L, '2020-01-01', '2020-01-01') $$,
         pg_temp.id('users'), pg_temp.phone(3)),
  'first_name = ''Changed''');
select pg_temp.maintains_updated_at('conversations',
  format($$ insert into yachtparty.conversations (id, user_id, phone_number, status, created_at, updated_at)
            values (%L, %L, %L, 'archived', '2020-01-01', '2020-01-01') $$,
         pg_temp.id('conversations'), pg_temp.id('users'), pg_temp.phone(3)),
  'messages_since_summary = 1');
select pg_temp.maintains_updated_at('solution_workflows',
  format($$ insert into yachtparty.solution_workflows (id, user_id, request_description, current_step, created_at, updated_at)
            values (%L, %L, 'Find a CRM', 'initial_research', '2020-01-01', '2020-01-01') $$,
         pg_temp.id('solution_workflows'), pg_temp.id('users')),
  'current_step = ''awaiting_experts''');
select lives_ok(
  format($$ insert into yachtparty.innovators (id, user_id, company_name) values (%L, %L, 'Rowgate') $$,
         pg_temp.id('innovators'), pg_temp.id('bob')),
  'an innovator is added');
select pg_temp.maintains_updated_at('prospects',
  format($$ insert into yachtparty.prospects (id, innovator_id, email, created_at, updated_at)
            values (%L, %L, 'prospect@rowgate.test', '2020-01-01', '2020-01-01') $$,
         pg_temp.id('prospects'), pg_temp.id('innovators')),
  'first_name = ''Grace''');
select pg_temp.maintains_updated_at('intro_opportunities',
  format($$ insert into yachtparty.intro_opportunities (id, connector_user_id, innovator_id, prospect_id, prospect_name, created_at, updated_at)
            values (%L, %L, %L, %L, 'Grace', '2020-01-01', '2020-01-01') $$,
         pg_temp.id('intro_opportunities'), pg_temp.id('users'), pg_temp.id('innovators'), pg_temp.id('prospects')),
  'status = ''declined''');

-- ---------------------------------------------------------------------------------------------
-- documentation: every table is described, and exactly the columns that need a word are
-- ---------------------------------------------------------------------------------------------

select is_empty(
  $$ select relname from pg_class
      where relnamespace = 'yachtparty'::regnamespace and relkind = 'r'
        and coalesce(obj_description(oid, 'pg_class'), '') = '' $$,
  'every yachtparty table has a comment');
select results_eq(
  $$ select (c.relname || '.' || a.attname) collate "default"
       from pg_attribute a join pg_class c on c.oid = a.attrelid
      where c.relnamespace = 'yachtparty'::regnamespace and c.relkind = 'r' and a.attnum > 0 and not a.attisdropped
        and coalesce(col_description(c.oid, a.attnum), '') <> ''
      order by 1 $$,
  array['agent_tasks.last_attempted_at', 'agent_tasks.retry_count',
        'community_requests.responses_count', 'community_requests.target_user_ids',
        'community_responses.usefulness_score', 'community_responses.verbatim_answer',
        'conversations.messages_since_summary', 'conversations.phone_number',
        'credit_events.amount', 'credit_events.idempotency_key', 'credit_events.processed',
        'events.event_type', 'events.payload', 'events.processed',
        'innovators.credits_balance',
        'message_queue.final_message', 'message_queue.message_data', 'message_queue.requires_fresh_context',
        'message_queue.send_attempts', 'message_queue.sequence_id',
        'messages.content', 'messages.status', 'messages.twilio_message_sid',
        'prospects.upload_batch_id',
        'user_message_budget.date',
        'user_priorities.priority_rank',
        'users.auth_user_id', 'users.credit_balance', 'users.email', 'users.expert_connector', 'users.innovator',
        'users.last_active_at', 'users.name_dropped', 'users.phone_number', 'users.poc_agent_type',
        'users.quiet_hours_end', 'users.quiet_hours_start', 'users.referred_by', 'users.timezone', 'users.verified'],
  'exactly the documented columns have a comment');
select is(col_description('yachtparty.users'::regclass,
            (select attnum from pg_attribute where attrelid = 'yachtparty.users'::regclass and attname = 'timezone')),
  'An IANA time zone name (America/New_York) that PostgreSQL knows; quiet hours and the daily budget follow it.',
  'users.timezone says what it holds and what follows it');

select * from finish();
rollback;
