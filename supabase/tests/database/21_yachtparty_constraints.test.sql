-- yachtparty: every check constraint of every table, and every check of a domain its columns
-- use, refuses a bad value by its name (which the API maps to a field) and the good values pass;
-- the users.timezone trigger refuses a zone PostgreSQL does not know as if it were a CHECK; the
-- NOT NULL tightenings of D13 refuse null; free text is trimmed and never blank, text[] items
-- likewise, dates and times finite, but verbatim text is kept exactly as received. The list of
-- refused cases is checked to be complete, as in 07_dyniq_direct_writes. Runs as the owner:
-- who may write what is 22_yachtparty_access. Everything is rolled back.
begin;
select plan(309);

-- ---------------------------------------------------------------------------------------------
-- helpers for this file only, in pg_temp so that they vanish with the session (the shared ones
-- are tests.*, installed by 000_setup_test_helpers)
-- ---------------------------------------------------------------------------------------------

-- A row id of this run's own, known before the row is written. The base row of each table is
-- pg_temp.id('<table>').
create function pg_temp.id(label text) returns uuid
language sql stable as $$ select md5(format('pgtap-21-%s-%s', label, txid_current()))::uuid $$;

-- A phone number of this run's own: +1, the transaction id, and n.
create function pg_temp.phone(n integer) returns text
language sql stable as $$
  select format('+1%s%s', lpad((txid_current() % 10000000000)::text, 10, '0'), lpad(n::text, 2, '0'))
$$;

-- A Twilio message SID of this run's own.
create function pg_temp.sid(label text) returns text
language sql stable as $$ select 'SM' || md5(format('pgtap-21-sid-%s-%s', label, txid_current())) $$;

-- What an error says about itself: SQLSTATE, constraint, table, column and schema, as PostgREST
-- passes them on and the API maps them to a field.
create function pg_temp.error_fields(statement text) returns text
language plpgsql as $$
declare
  v_state text; v_constraint text; v_table text; v_column text; v_schema text;
begin
  execute statement;
  return 'no error';
exception when others then
  get stacked diagnostics v_state = returned_sqlstate, v_constraint = constraint_name, v_table = table_name,
                          v_column = column_name, v_schema = schema_name;
  return concat_ws(' ', v_state, v_constraint, v_table, v_column, v_schema);
end
$$;

-- One bad value per check constraint (several for the formats and the rules of free text): the
-- statement, the constraint that must refuse it, and what is proved. Rows are the base rows
-- made below; events and credit_events are append-only, so they are refused on insert.
create function pg_temp.bad_values() returns table (statement text, constraint_name name, description text)
language sql as $$
  values
    -- users
    ($s$ update yachtparty.users set phone_number = '4155550123' where id = pg_temp.id('users') $s$,
     'e164_phone_format', 'a phone number without + is refused'),
    ($s$ update yachtparty.users set phone_number = '+04155550123' where id = pg_temp.id('users') $s$,
     'e164_phone_format', 'a phone number whose country code starts with 0 is refused'),
    ($s$ update yachtparty.users set phone_number = '+1 415 555 0123' where id = pg_temp.id('users') $s$,
     'e164_phone_format', 'a phone number with spaces is refused'),
    ($s$ update yachtparty.users set email = 'Ada@Rowgate.test' where id = pg_temp.id('users') $s$,
     'email_format', 'an email not in lower case is refused'),
    ($s$ update yachtparty.users set email = 'ada.rowgate.test' where id = pg_temp.id('users') $s$,
     'email_format', 'an email without @ is refused'),
    ($s$ update yachtparty.users set linkedin_url = 'www.linkedin.com/in/ada' where id = pg_temp.id('users') $s$,
     'http_url_format', 'a LinkedIn URL without a scheme is refused'),
    ($s$ update yachtparty.users set poc_agent_type = 'Bouncer' where id = pg_temp.id('users') $s$,
     'users_poc_agent_type_check', 'a point-of-contact agent type in the wrong case is refused'),
    ($s$ update yachtparty.users set poc_agent_type = '' where id = pg_temp.id('users') $s$,
     'users_poc_agent_type_check', 'an empty point-of-contact agent type is refused'),
    ($s$ update yachtparty.users set quiet_hours_start = '22:00', quiet_hours_end = null where id = pg_temp.id('users') $s$,
     'users_quiet_hours_both_or_neither', 'quiet hours with a start and no end are refused'),
    ($s$ update yachtparty.users set quiet_hours_start = null, quiet_hours_end = '08:00' where id = pg_temp.id('users') $s$,
     'users_quiet_hours_both_or_neither', 'quiet hours with an end and no start are refused'),
    ($s$ update yachtparty.users set quiet_hours_start = '08:00', quiet_hours_end = '08:00' where id = pg_temp.id('users') $s$,
     'users_quiet_hours_not_empty', 'quiet hours that start when they end are refused'),
    ($s$ update yachtparty.users set quiet_hours_start = '24:00', quiet_hours_end = '08:00' where id = pg_temp.id('users') $s$,
     'users_quiet_hours_start_check', 'quiet hours starting at 24:00 are refused (the core takes times below 24:00)'),
    ($s$ update yachtparty.users set quiet_hours_start = '22:00', quiet_hours_end = '24:00' where id = pg_temp.id('users') $s$,
     'users_quiet_hours_end_check', 'quiet hours ending at 24:00 are refused'),
    ($s$ update yachtparty.users set referred_by = id where id = pg_temp.id('users') $s$,
     'users_referred_by_not_self', 'a user referred by themselves is refused'),
    ($s$ update yachtparty.users set response_pattern = '[]' where id = pg_temp.id('users') $s$,
     'users_response_pattern_object', 'a response pattern that is not a JSON object is refused'),
    ($s$ update yachtparty.users set credit_balance = -1 where id = pg_temp.id('users') $s$,
     'users_credit_balance_range', 'a negative credit balance is refused'),
    ($s$ update yachtparty.users set timezone = 'Mars/Base' where id = pg_temp.id('users') $s$,
     'users_timezone_check', 'a time zone PostgreSQL does not know is refused (by the trigger, under the CHECK''s name)'),
    ($s$ update yachtparty.users set timezone = ' Europe/Brussels' where id = pg_temp.id('users') $s$,
     'users_timezone_check', 'a time zone with a leading space is refused'),
    ($s$ update yachtparty.users set first_name = ' Ada' where id = pg_temp.id('users') $s$,
     'users_first_name_check', 'a first name with a leading space is refused'),
    ($s$ update yachtparty.users set company = E'Rowgate\n' where id = pg_temp.id('users') $s$,
     'users_company_check', 'a company with a trailing newline is refused'),
    ($s$ update yachtparty.users set title = '   ' where id = pg_temp.id('users') $s$,
     'users_title_check', 'a blank title is refused (the core makes it null)'),
    ($s$ update yachtparty.users set status_level = '' where id = pg_temp.id('users') $s$,
     'users_status_level_check', 'an empty status level is refused'),
    ($s$ update yachtparty.users set name_dropped = chr(160) || 'Grace' where id = pg_temp.id('users') $s$,
     'users_name_dropped_check', 'a referrer''s name with a leading no-break space (U+00A0) is refused'),
    ($s$ update yachtparty.users set expertise = array['sales', null] where id = pg_temp.id('users') $s$,
     'users_expertise_check', 'an expertise that is null is refused'),
    ($s$ update yachtparty.users set expertise = array['sales', ''] where id = pg_temp.id('users') $s$,
     'users_expertise_check', 'an empty expertise is refused'),
    ($s$ update yachtparty.users set expertise = '{{sales},{crm}}' where id = pg_temp.id('users') $s$,
     'users_expertise_check', 'expertise in two dimensions is refused'),
    ($s$ update yachtparty.users set last_active_at = 'infinity' where id = pg_temp.id('users') $s$,
     'users_last_active_at_check', 'a user last active at infinity is refused'),
    ($s$ insert into yachtparty.users (phone_number, updated_at) values (pg_temp.phone(50), '-infinity') $s$,
     'users_updated_at_check', 'a user updated at -infinity is refused'),
    -- conversations
    ($s$ update yachtparty.conversations set phone_number = '+1' where id = pg_temp.id('conversations') $s$,
     'e164_phone_format', 'a conversation''s phone number of one digit is refused'),
    ($s$ update yachtparty.conversations set status = 'paused' where id = pg_temp.id('conversations') $s$,
     'conversations_status_check', 'a conversation status outside the seed''s (the original code''s paused) is refused'),
    ($s$ update yachtparty.conversations set status = '' where id = pg_temp.id('conversations') $s$,
     'conversations_status_check', 'an empty conversation status is refused'),
    ($s$ update yachtparty.conversations set messages_since_summary = -1 where id = pg_temp.id('conversations') $s$,
     'conversations_messages_since_summary_range', 'a negative count of messages since the summary is refused'),
    ($s$ update yachtparty.conversations set conversation_summary = '' where id = pg_temp.id('conversations') $s$,
     'conversations_conversation_summary_check', 'an empty summary is refused (the core makes it null)'),
    ($s$ insert into yachtparty.conversations (user_id, phone_number, status, updated_at)
         values (pg_temp.id('users'), pg_temp.phone(1), 'archived', 'infinity') $s$,
     'conversations_updated_at_check', 'a conversation updated at infinity is refused'),
    -- messages
    ($s$ update yachtparty.messages set role = 'system' where id = pg_temp.id('messages') $s$,
     'messages_role_check', 'a message role other than user and assistant is refused'),
    ($s$ update yachtparty.messages set direction = 'in' where id = pg_temp.id('messages') $s$,
     'messages_direction_check', 'an unknown direction is refused'),
    ($s$ update yachtparty.messages set direction = 'outbound', content = '' where id = pg_temp.id('messages') $s$,
     'messages_content_not_empty_outbound', 'an outbound message without text is refused'),
    ($s$ update yachtparty.messages set status = 'Delivered' where id = pg_temp.id('messages') $s$,
     'messages_status_check', 'a Twilio status in the wrong case is refused'),
    ($s$ update yachtparty.messages set status = 'approved' where id = pg_temp.id('messages') $s$,
     'messages_status_check', 'a status Twilio does not have is refused'),
    ($s$ update yachtparty.messages set twilio_message_sid = 'SM123' where id = pg_temp.id('messages') $s$,
     'twilio_message_sid_format', 'a SID that is too short is refused'),
    ($s$ update yachtparty.messages set twilio_message_sid = 'XX' || md5('x') where id = pg_temp.id('messages') $s$,
     'twilio_message_sid_format', 'a SID that is neither SM nor MM is refused'),
    ($s$ update yachtparty.messages set twilio_message_sid = 'sm' || md5('x') where id = pg_temp.id('messages') $s$,
     'twilio_message_sid_format', 'a SID with a lower-case prefix is refused'),
    ($s$ update yachtparty.messages set twilio_message_sid = 'SM' || repeat('g', 32) where id = pg_temp.id('messages') $s$,
     'twilio_message_sid_format', 'a SID whose 32 characters are not hexadecimal is refused'),
    ($s$ update yachtparty.messages set sent_at = 'infinity' where id = pg_temp.id('messages') $s$,
     'messages_sent_at_check', 'a message sent at infinity is refused'),
    -- events (append-only: refused on insert)
    ($s$ insert into yachtparty.events (event_type, payload) values ('User.Message.Received', '{}') $s$,
     'event_type_format', 'an event type with capitals is refused'),
    ($s$ insert into yachtparty.events (event_type, payload) values ('user', '{}') $s$,
     'event_type_format', 'an event type of one word is refused'),
    ($s$ insert into yachtparty.events (event_type, payload) values ('user.', '{}') $s$,
     'event_type_format', 'an event type ending in a dot is refused'),
    ($s$ insert into yachtparty.events (event_type, payload) values ('user..received', '{}') $s$,
     'event_type_format', 'an event type with an empty word is refused'),
    ($s$ insert into yachtparty.events (event_type, payload) values ('1user.received', '{}') $s$,
     'event_type_format', 'an event type starting with a digit is refused'),
    ($s$ insert into yachtparty.events (event_type, payload) values ('user.message received', '{}') $s$,
     'event_type_format', 'an event type with a space is refused'),
    ($s$ insert into yachtparty.events (event_type, payload) values ('user.message.received', '[]') $s$,
     'events_payload_object', 'a payload that is not a JSON object is refused'),
    ($s$ insert into yachtparty.events (event_type, payload, version) values ('user.message.received', '{}', 0) $s$,
     'events_version_range', 'an event version below 1 is refused'),
    ($s$ insert into yachtparty.events (event_type, payload, aggregate_type) values ('user.message.received', '{}', ' user') $s$,
     'events_aggregate_type_check', 'an aggregate type with a leading space is refused'),
    ($s$ insert into yachtparty.events (event_type, payload, created_by) values ('user.message.received', '{}', '') $s$,
     'events_created_by_check', 'an empty emitter is refused'),
    ($s$ insert into yachtparty.events (event_type, payload, created_at) values ('user.message.received', '{}', 'infinity') $s$,
     'events_created_at_check', 'an event created at infinity is refused'),
    -- agent_tasks
    ($s$ update yachtparty.agent_tasks set priority = 'urgent' where id = pg_temp.id('agent_tasks') $s$,
     'agent_tasks_priority_check', 'an unknown task priority is refused'),
    ($s$ update yachtparty.agent_tasks set priority = 'High' where id = pg_temp.id('agent_tasks') $s$,
     'agent_tasks_priority_check', 'a task priority in the wrong case is refused'),
    ($s$ update yachtparty.agent_tasks set status = 'done' where id = pg_temp.id('agent_tasks') $s$,
     'agent_tasks_status_check', 'an unknown task status is refused'),
    ($s$ update yachtparty.agent_tasks set retry_count = -1 where id = pg_temp.id('agent_tasks') $s$,
     'agent_tasks_retry_count_range', 'a negative retry count is refused'),
    ($s$ update yachtparty.agent_tasks set max_retries = -1 where id = pg_temp.id('agent_tasks') $s$,
     'agent_tasks_max_retries_range', 'a negative maximum of retries is refused'),
    ($s$ update yachtparty.agent_tasks set context_id = gen_random_uuid(), context_type = null where id = pg_temp.id('agent_tasks') $s$,
     'agent_tasks_context_both_or_neither', 'a task context id without its type is refused'),
    ($s$ update yachtparty.agent_tasks set context_id = null, context_type = 'user' where id = pg_temp.id('agent_tasks') $s$,
     'agent_tasks_context_both_or_neither', 'a task context type without its id is refused'),
    ($s$ update yachtparty.agent_tasks set context_id = gen_random_uuid(), context_type = ' user' where id = pg_temp.id('agent_tasks') $s$,
     'agent_tasks_context_type_check', 'a task context type with a leading space is refused'),
    ($s$ update yachtparty.agent_tasks set context_json = '"label"' where id = pg_temp.id('agent_tasks') $s$,
     'agent_tasks_context_json_object', 'a task context that is not a JSON object is refused'),
    ($s$ update yachtparty.agent_tasks set status = 'completed', completed_at = null where id = pg_temp.id('agent_tasks') $s$,
     'agent_tasks_completed_has_completed_at', 'a completed task without its completion time is refused'),
    ($s$ update yachtparty.agent_tasks set error_log = E'\tTraceback' where id = pg_temp.id('agent_tasks') $s$,
     'agent_tasks_error_log_check', 'an error log with a leading tab is refused'),
    ($s$ update yachtparty.agent_tasks set scheduled_for = '-infinity' where id = pg_temp.id('agent_tasks') $s$,
     'agent_tasks_scheduled_for_check', 'a task scheduled for -infinity is refused'),
    -- message_queue
    ($s$ update yachtparty.message_queue set final_message = repeat('x', 1601) where id = pg_temp.id('message_queue') $s$,
     'message_queue_final_message_length', 'a message longer than Twilio''s 1600 characters is refused'),
    ($s$ update yachtparty.message_queue set final_message = ' Hello' where id = pg_temp.id('message_queue') $s$,
     'message_queue_final_message_check', 'a rendered message with a leading space is refused'),
    ($s$ update yachtparty.message_queue set send_attempts = -1 where id = pg_temp.id('message_queue') $s$,
     'message_queue_send_attempts_range', 'a negative count of send attempts is refused'),
    ($s$ update yachtparty.message_queue set priority = 'urgent' where id = pg_temp.id('message_queue') $s$,
     'message_queue_priority_check', 'an unknown message priority is refused'),
    ($s$ update yachtparty.message_queue set status = 'approved' where id = pg_temp.id('message_queue') $s$,
     'message_queue_status_check', 'a queue status outside the seed''s (the original code''s approved) is refused'),
    ($s$ update yachtparty.message_queue set superseded_by_message_id = id where id = pg_temp.id('message_queue') $s$,
     'message_queue_not_superseded_by_itself', 'a message superseded by itself is refused'),
    ($s$ update yachtparty.message_queue set status = 'superseded', superseded_reason = null where id = pg_temp.id('message_queue') $s$,
     'message_queue_superseded_has_reason', 'a superseded message without a reason is refused'),
    ($s$ update yachtparty.message_queue set status = 'sent', sent_at = null where id = pg_temp.id('message_queue') $s$,
     'message_queue_sent_has_sent_at', 'a sent message without its sending time is refused'),
    ($s$ update yachtparty.message_queue set sequence_id = gen_random_uuid() where id = pg_temp.id('message_queue') $s$,
     'message_queue_sequence_all_or_none', 'a sequence id without position and total is refused'),
    ($s$ update yachtparty.message_queue set sequence_id = gen_random_uuid(), sequence_position = 0, sequence_total = 2
         where id = pg_temp.id('message_queue') $s$,
     'message_queue_sequence_all_or_none', 'a sequence position of 0 is refused (positions start at 1)'),
    ($s$ update yachtparty.message_queue set sequence_id = gen_random_uuid(), sequence_position = 3, sequence_total = 2
         where id = pg_temp.id('message_queue') $s$,
     'message_queue_sequence_all_or_none', 'a sequence position beyond the total is refused'),
    ($s$ update yachtparty.message_queue set scheduled_for = 'infinity' where id = pg_temp.id('message_queue') $s$,
     'message_queue_scheduled_for_check', 'a message scheduled for infinity is refused'),
    -- user_message_budget
    ($s$ update yachtparty.user_message_budget set messages_sent = -1 where id = pg_temp.id('user_message_budget') $s$,
     'user_message_budget_messages_sent_range', 'a negative count of messages sent is refused'),
    ($s$ update yachtparty.user_message_budget set daily_limit = 0 where id = pg_temp.id('user_message_budget') $s$,
     'user_message_budget_daily_limit_range', 'a daily limit of 0 is refused'),
    ($s$ update yachtparty.user_message_budget set hourly_limit = 0 where id = pg_temp.id('user_message_budget') $s$,
     'user_message_budget_hourly_limit_range', 'an hourly limit of 0 is refused'),
    ($s$ update yachtparty.user_message_budget set date = 'infinity' where id = pg_temp.id('user_message_budget') $s$,
     'user_message_budget_date_check', 'a budget dated infinity is refused'),
    -- user_priorities
    ($s$ update yachtparty.user_priorities set priority_rank = 0 where id = pg_temp.id('user_priorities') $s$,
     'user_priorities_priority_rank_range', 'a rank of 0 is refused (1 is the highest)'),
    ($s$ update yachtparty.user_priorities set item_type = 'intro' where id = pg_temp.id('user_priorities') $s$,
     'user_priorities_item_type_check', 'an unknown item type is refused'),
    ($s$ update yachtparty.user_priorities set value_score = -0.01 where id = pg_temp.id('user_priorities') $s$,
     'user_priorities_value_score_range', 'a value score below 0 is refused'),
    ($s$ update yachtparty.user_priorities set value_score = 100.01 where id = pg_temp.id('user_priorities') $s$,
     'user_priorities_value_score_range', 'a value score above 100 is refused'),
    ($s$ update yachtparty.user_priorities set value_score = 'NaN' where id = pg_temp.id('user_priorities') $s$,
     'user_priorities_value_score_range', 'a value score of NaN is refused'),
    ($s$ update yachtparty.user_priorities set status = 'dismissed' where id = pg_temp.id('user_priorities') $s$,
     'user_priorities_status_check', 'an unknown priority status is refused'),
    ($s$ update yachtparty.user_priorities set status = 'presented', presented_at = null where id = pg_temp.id('user_priorities') $s$,
     'user_priorities_presented_has_presented_at', 'a presented priority without its presentation time is refused'),
    ($s$ update yachtparty.user_priorities set status = 'actioned', presented_at = null where id = pg_temp.id('user_priorities') $s$,
     'user_priorities_presented_has_presented_at', 'an actioned priority without its presentation time is refused'),
    ($s$ update yachtparty.user_priorities set expires_at = '-infinity' where id = pg_temp.id('user_priorities') $s$,
     'user_priorities_expires_at_check', 'a priority expiring at -infinity is refused'),
    -- solution_workflows
    ($s$ update yachtparty.solution_workflows set status = 'done' where id = pg_temp.id('solution_workflows') $s$,
     'solution_workflows_status_check', 'an unknown workflow status is refused'),
    ($s$ update yachtparty.solution_workflows set pending_tasks = '{}' where id = pg_temp.id('solution_workflows') $s$,
     'solution_workflows_pending_tasks_array', 'pending tasks that are not a JSON array are refused'),
    ($s$ update yachtparty.solution_workflows set completed_tasks = '"none"' where id = pg_temp.id('solution_workflows') $s$,
     'solution_workflows_completed_tasks_array', 'completed tasks that are not a JSON array are refused'),
    ($s$ update yachtparty.solution_workflows set conversation_log = 'null' where id = pg_temp.id('solution_workflows') $s$,
     'solution_workflows_conversation_log_array', 'a conversation log that is JSON null is refused'),
    ($s$ update yachtparty.solution_workflows set request_description = chr(8232) || 'Find a CRM' where id = pg_temp.id('solution_workflows') $s$,
     'solution_workflows_request_description_check', 'a request with a leading line separator (U+2028) is refused'),
    ($s$ insert into yachtparty.solution_workflows (user_id, request_description, current_step, updated_at)
         values (pg_temp.id('users'), 'Find a CRM', 'initial_research', 'infinity') $s$,
     'solution_workflows_updated_at_check', 'a workflow updated at infinity is refused'),
    -- innovators
    ($s$ update yachtparty.innovators set credits_balance = -1 where id = pg_temp.id('innovators') $s$,
     'innovators_credits_balance_range', 'a negative bounty balance is refused'),
    ($s$ update yachtparty.innovators set video_url = 'javascript:alert(1)' where id = pg_temp.id('innovators') $s$,
     'http_url_format', 'a video URL that is not http(s) is refused'),
    ($s$ update yachtparty.innovators set categories = array['crm', ' ai'] where id = pg_temp.id('innovators') $s$,
     'innovators_categories_check', 'a category with a leading space is refused'),
    ($s$ update yachtparty.innovators set company_name = chr(12288) where id = pg_temp.id('innovators') $s$,
     'innovators_company_name_check', 'a company name that is only an ideographic space (U+3000) is refused'),
    -- prospects
    ($s$ update yachtparty.prospects set status = 'lost' where id = pg_temp.id('prospects') $s$,
     'prospects_status_check', 'an unknown prospect status is refused'),
    ($s$ update yachtparty.prospects set upload_source = 'email' where id = pg_temp.id('prospects') $s$,
     'prospects_upload_source_check', 'an unknown upload source is refused'),
    ($s$ update yachtparty.prospects set status = 'converted', converted_to_user_id = null where id = pg_temp.id('prospects') $s$,
     'prospects_converted_has_user', 'a converted prospect without the user it became is refused'),
    ($s$ update yachtparty.prospects set email = null, phone_number = null, linkedin_url = null where id = pg_temp.id('prospects') $s$,
     'prospects_at_least_one_contact_method', 'a prospect without an email, a phone number or a LinkedIn URL is refused'),
    ($s$ update yachtparty.prospects set email = 'prospect@@rowgate.test' where id = pg_temp.id('prospects') $s$,
     'email_format', 'a prospect''s email with two @ is refused'),
    ($s$ update yachtparty.prospects set phone_number = '+1415555O123' where id = pg_temp.id('prospects') $s$,
     'e164_phone_format', 'a prospect''s phone number holding a letter is refused'),
    ($s$ update yachtparty.prospects set target_solution_categories = '{{crm},{ai}}' where id = pg_temp.id('prospects') $s$,
     'prospects_target_solution_categories_check', 'target categories in two dimensions are refused'),
    ($s$ update yachtparty.prospects set uploaded_at = 'infinity' where id = pg_temp.id('prospects') $s$,
     'prospects_uploaded_at_check', 'a prospect uploaded at infinity is refused'),
    ($s$ insert into yachtparty.prospects (innovator_id, email, updated_at) values (pg_temp.id('innovators'), 'p@rowgate.test', 'infinity') $s$,
     'prospects_updated_at_check', 'a prospect updated at infinity is refused'),
    -- intro_opportunities
    ($s$ update yachtparty.intro_opportunities set bounty_credits = -1 where id = pg_temp.id('intro_opportunities') $s$,
     'intro_opportunities_bounty_credits_range', 'a negative bounty is refused'),
    ($s$ update yachtparty.intro_opportunities set status = 'pending' where id = pg_temp.id('intro_opportunities') $s$,
     'intro_opportunities_status_check', 'an unknown intro status is refused'),
    ($s$ update yachtparty.intro_opportunities set status = 'completed', intro_completed_at = null where id = pg_temp.id('intro_opportunities') $s$,
     'intro_opportunities_completed_has_completed_at', 'a completed intro without its completion time is refused'),
    ($s$ update yachtparty.intro_opportunities set intro_email = 'not an email' where id = pg_temp.id('intro_opportunities') $s$,
     'email_format', 'an intro email that is not an email is refused'),
    ($s$ update yachtparty.intro_opportunities set prospect_linkedin_url = 'ftp://linkedin.com/in/grace' where id = pg_temp.id('intro_opportunities') $s$,
     'http_url_format', 'a prospect''s LinkedIn URL that is not http(s) is refused'),
    ($s$ insert into yachtparty.intro_opportunities (connector_user_id, prospect_name, updated_at)
         values (pg_temp.id('users'), 'Grace', '-infinity') $s$,
     'intro_opportunities_updated_at_check', 'an intro updated at -infinity is refused'),
    -- community_requests
    ($s$ update yachtparty.community_requests set context_id = gen_random_uuid(), context_type = null where id = pg_temp.id('community_requests') $s$,
     'community_requests_context_both_or_neither', 'a request context id without its type is refused'),
    ($s$ update yachtparty.community_requests set context_id = gen_random_uuid(), context_type = 'solution_workflow ' where id = pg_temp.id('community_requests') $s$,
     'community_requests_context_type_check', 'a request context type with a trailing space is refused'),
    ($s$ update yachtparty.community_requests set desired_outcome = 'advice' where id = pg_temp.id('community_requests') $s$,
     'community_requests_desired_outcome_check', 'an unknown desired outcome is refused'),
    ($s$ update yachtparty.community_requests set urgency = 'urgent' where id = pg_temp.id('community_requests') $s$,
     'community_requests_urgency_check', 'an unknown urgency is refused'),
    ($s$ update yachtparty.community_requests set status = 'expired' where id = pg_temp.id('community_requests') $s$,
     'community_requests_status_check', 'an unknown request status is refused'),
    ($s$ update yachtparty.community_requests set responses_count = -1 where id = pg_temp.id('community_requests') $s$,
     'community_requests_responses_count_range', 'a negative count of responses is refused'),
    ($s$ update yachtparty.community_requests set target_user_ids = array[pg_temp.id('other'), null] where id = pg_temp.id('community_requests') $s$,
     'community_requests_target_user_ids_check', 'a target list holding a null is refused'),
    ($s$ update yachtparty.community_requests set expertise_needed = array[null::text] where id = pg_temp.id('community_requests') $s$,
     'community_requests_expertise_needed_check', 'an expertise needed that is null is refused'),
    ($s$ update yachtparty.community_requests set question = ' ' where id = pg_temp.id('community_requests') $s$,
     'community_requests_question_check', 'a blank question is refused'),
    ($s$ update yachtparty.community_requests set expires_at = 'infinity' where id = pg_temp.id('community_requests') $s$,
     'community_requests_expires_at_check', 'a request that never expires (infinity) is refused'),
    -- community_responses
    ($s$ update yachtparty.community_responses set usefulness_score = -1 where id = pg_temp.id('community_responses') $s$,
     'community_responses_usefulness_score_range', 'a usefulness score below 0 is refused'),
    ($s$ update yachtparty.community_responses set usefulness_score = 11 where id = pg_temp.id('community_responses') $s$,
     'community_responses_usefulness_score_range', 'a usefulness score above 10 is refused'),
    ($s$ update yachtparty.community_responses set credits_awarded = -1 where id = pg_temp.id('community_responses') $s$,
     'community_responses_credits_awarded_range', 'negative credits awarded are refused'),
    ($s$ update yachtparty.community_responses set status = 'pending' where id = pg_temp.id('community_responses') $s$,
     'community_responses_status_check', 'an unknown response status is refused'),
    ($s$ update yachtparty.community_responses set response_text = '' where id = pg_temp.id('community_responses') $s$,
     'community_responses_response_text_check', 'an empty response summary is refused'),
    -- credit_events (append-only: refused on insert)
    ($s$ insert into yachtparty.credit_events (user_id, event_type, amount, reference_type, reference_id, idempotency_key)
         values (pg_temp.id('users'), 'referral_joined', 0, 'user', pg_temp.id('users'), pg_temp.sid('key-zero')) $s$,
     'credit_events_amount_not_zero', 'an award of 0 credits is refused'),
    ($s$ insert into yachtparty.credit_events (user_id, event_type, amount, reference_type, reference_id, idempotency_key)
         values (pg_temp.id('users'), 'referral_joined', 10, 'prospect', pg_temp.id('users'), pg_temp.sid('key-type')) $s$,
     'credit_events_reference_type_check', 'an unknown reference type is refused'),
    ($s$ insert into yachtparty.credit_events (user_id, event_type, amount, reference_type, reference_id, idempotency_key)
         values (pg_temp.id('users'), ' referral_joined', 10, 'user', pg_temp.id('users'), pg_temp.sid('key-event')) $s$,
     'credit_events_event_type_check', 'a credit event type with a leading space is refused'),
    ($s$ insert into yachtparty.credit_events (user_id, event_type, amount, reference_type, reference_id, idempotency_key)
         values (pg_temp.id('users'), 'referral_joined', 10, 'user', pg_temp.id('users'), pg_temp.sid('key-space') || ' ') $s$,
     'credit_events_idempotency_key_check', 'an idempotency key with a trailing space is refused'),
    ($s$ insert into yachtparty.credit_events (user_id, event_type, amount, reference_type, reference_id, idempotency_key, description)
         values (pg_temp.id('users'), 'referral_joined', 10, 'user', pg_temp.id('users'), pg_temp.sid('key-desc'), E'\n') $s$,
     'credit_events_description_check', 'a description that is only a newline is refused'),
    ($s$ insert into yachtparty.credit_events (user_id, event_type, amount, reference_type, reference_id, idempotency_key, created_at)
         values (pg_temp.id('users'), 'referral_joined', 10, 'user', pg_temp.id('users'), pg_temp.sid('key-time'), 'infinity') $s$,
     'credit_events_created_at_check', 'a credit event created at infinity is refused'),
    -- linkedin_research_prospects
    ($s$ update yachtparty.linkedin_research_prospects set users_researching = array[null::uuid] where id = pg_temp.id('linkedin_research_prospects') $s$,
     'linkedin_research_prospects_users_researching_check', 'a list of researchers holding a null is refused'),
    ($s$ update yachtparty.linkedin_research_prospects set email = 'ADA@ROWGATE.TEST' where id = pg_temp.id('linkedin_research_prospects') $s$,
     'email_format', 'a researched email in upper case is refused'),
    ($s$ update yachtparty.linkedin_research_prospects set linkedin_url = 'https://' where id = pg_temp.id('linkedin_research_prospects') $s$,
     'http_url_format', 'a profile URL without a host is refused'),
    -- agent_instances
    ($s$ update yachtparty.agent_instances set status = 'paused' where id = pg_temp.id('agent_instances') $s$,
     'agent_instances_status_check', 'an unknown agent status is refused'),
    ($s$ update yachtparty.agent_instances set status = 'terminated', terminated_at = null where id = pg_temp.id('agent_instances') $s$,
     'agent_instances_terminated_iff_terminated_at', 'a terminated agent without its termination time is refused'),
    ($s$ update yachtparty.agent_instances set terminated_at = now() where id = pg_temp.id('agent_instances') $s$,
     'agent_instances_terminated_iff_terminated_at', 'an active agent with a termination time is refused'),
    ($s$ update yachtparty.agent_instances set status = 'terminated', terminated_at = 'infinity' where id = pg_temp.id('agent_instances') $s$,
     'agent_instances_terminated_at_check', 'an agent terminated at infinity is refused'),
    -- agent_actions_log
    ($s$ update yachtparty.agent_actions_log set input_tokens = -1 where id = pg_temp.id('agent_actions_log') $s$,
     'agent_actions_log_input_tokens_range', 'negative input tokens are refused'),
    ($s$ update yachtparty.agent_actions_log set output_tokens = -1 where id = pg_temp.id('agent_actions_log') $s$,
     'agent_actions_log_output_tokens_range', 'negative output tokens are refused'),
    ($s$ update yachtparty.agent_actions_log set cost_usd = -0.000001 where id = pg_temp.id('agent_actions_log') $s$,
     'agent_actions_log_cost_usd_range', 'a negative cost is refused'),
    ($s$ update yachtparty.agent_actions_log set cost_usd = 'NaN' where id = pg_temp.id('agent_actions_log') $s$,
     'agent_actions_log_cost_usd_range', 'a cost of NaN is refused'),
    ($s$ update yachtparty.agent_actions_log set latency_ms = -1 where id = pg_temp.id('agent_actions_log') $s$,
     'agent_actions_log_latency_ms_range', 'a negative latency is refused'),
    ($s$ update yachtparty.agent_actions_log set model_used = 'claude ' where id = pg_temp.id('agent_actions_log') $s$,
     'agent_actions_log_model_used_check', 'a model name with a trailing space is refused')
$$;

-- The rules every free-text, text[] and date or time column has (`<table>_<column>_check`,
-- 20261203002010), for the columns the list above does not name: one bad value each, written
-- to the table's base row. Only a constraint of exactly the generated form is taken, so a
-- hand-written check is never covered here but must be in the list above.
create function pg_temp.generated_bad_values() returns table (statement text, constraint_name name, description text)
language sql as $$
  select format('update yachtparty.%I set %I = %s where id = pg_temp.id(%L)', c.relname, a.attname,
                case when k.def like 'CHECK (isfinite(%' then '''infinity'''
                     when k.def like 'CHECK (rowgate.is_trimmed_text_array(%' then 'array[''ok'', '' padded'']'
                     else ''' padded''' end,
                c.relname),
         k.conname,
         format('yachtparty.%s.%s: %s is refused', c.relname, a.attname,
                case when k.def like 'CHECK (isfinite(%' then 'infinity'
                     when k.def like 'CHECK (rowgate.is_trimmed_text_array(%' then 'an item with a leading space'
                     else 'a value with a leading space' end)
    from (select con.oid, con.conname, con.conrelid, con.conkey, pg_get_constraintdef(con.oid) as def
            from pg_constraint con
           where con.connamespace = 'yachtparty'::regnamespace and con.contype = 'c') k
    join pg_class c on c.oid = k.conrelid
    join pg_attribute a on a.attrelid = k.conrelid and a.attnum = k.conkey[1] and cardinality(k.conkey) = 1
   where k.conname = c.relname || '_' || a.attname || '_check'
     and k.def in (format('CHECK (isfinite(%s))', a.attname),
                   format('CHECK (rowgate.is_trimmed_text(%s))', a.attname),
                   format('CHECK (rowgate.is_trimmed_text((%s)::text))', a.attname),
                   format('CHECK (rowgate.is_trimmed_text_array(%s))', a.attname))
     -- append-only tables and updated_at (which the trigger overwrites on update) are above
     and c.relname not in ('events', 'credit_events') and a.attname <> 'updated_at'
     and k.conname not in (select b.constraint_name from pg_temp.bad_values() b)
   order by k.conname
$$;

-- Columns the specification's D13 makes NOT NULL (the seed left them nullable, and a null there
-- drops a row out of the queues' predicates), and a few others: the statement, table, column.
create function pg_temp.null_values() returns table (statement text, table_name name, column_name name)
language sql as $$
  values
    ($s$ update yachtparty.users set verified = null where id = pg_temp.id('users') $s$, 'users', 'verified'),
    ($s$ update yachtparty.users set credit_balance = null where id = pg_temp.id('users') $s$, 'users', 'credit_balance'),
    ($s$ update yachtparty.users set status_level = null where id = pg_temp.id('users') $s$, 'users', 'status_level'),
    ($s$ update yachtparty.users set phone_number = null where id = pg_temp.id('users') $s$, 'users', 'phone_number'),
    ($s$ update yachtparty.conversations set status = null where id = pg_temp.id('conversations') $s$, 'conversations', 'status'),
    ($s$ update yachtparty.conversations set messages_since_summary = null where id = pg_temp.id('conversations') $s$,
     'conversations', 'messages_since_summary'),
    ($s$ update yachtparty.messages set content = null where id = pg_temp.id('messages') $s$, 'messages', 'content'),
    ($s$ insert into yachtparty.events (event_type, payload, processed) values ('user.message.received', '{}', null) $s$,
     'events', 'processed'),
    ($s$ insert into yachtparty.events (event_type, payload, version) values ('user.message.received', '{}', null) $s$,
     'events', 'version'),
    ($s$ update yachtparty.agent_tasks set status = null where id = pg_temp.id('agent_tasks') $s$, 'agent_tasks', 'status'),
    ($s$ update yachtparty.agent_tasks set retry_count = null where id = pg_temp.id('agent_tasks') $s$, 'agent_tasks', 'retry_count'),
    ($s$ update yachtparty.agent_tasks set max_retries = null where id = pg_temp.id('agent_tasks') $s$, 'agent_tasks', 'max_retries'),
    ($s$ update yachtparty.agent_tasks set priority = null where id = pg_temp.id('agent_tasks') $s$, 'agent_tasks', 'priority'),
    ($s$ update yachtparty.message_queue set status = null where id = pg_temp.id('message_queue') $s$, 'message_queue', 'status'),
    ($s$ update yachtparty.message_queue set priority = null where id = pg_temp.id('message_queue') $s$, 'message_queue', 'priority'),
    ($s$ update yachtparty.message_queue set requires_fresh_context = null where id = pg_temp.id('message_queue') $s$,
     'message_queue', 'requires_fresh_context'),
    ($s$ update yachtparty.user_message_budget set messages_sent = null where id = pg_temp.id('user_message_budget') $s$,
     'user_message_budget', 'messages_sent'),
    ($s$ update yachtparty.user_message_budget set daily_limit = null where id = pg_temp.id('user_message_budget') $s$,
     'user_message_budget', 'daily_limit'),
    ($s$ update yachtparty.user_message_budget set quiet_hours_enabled = null where id = pg_temp.id('user_message_budget') $s$,
     'user_message_budget', 'quiet_hours_enabled'),
    ($s$ update yachtparty.user_priorities set status = null where id = pg_temp.id('user_priorities') $s$, 'user_priorities', 'status'),
    ($s$ update yachtparty.solution_workflows set status = null where id = pg_temp.id('solution_workflows') $s$,
     'solution_workflows', 'status'),
    ($s$ update yachtparty.solution_workflows set pending_tasks = null where id = pg_temp.id('solution_workflows') $s$,
     'solution_workflows', 'pending_tasks'),
    ($s$ update yachtparty.solution_workflows set quality_threshold_met = null where id = pg_temp.id('solution_workflows') $s$,
     'solution_workflows', 'quality_threshold_met'),
    ($s$ update yachtparty.innovators set credits_balance = null where id = pg_temp.id('innovators') $s$, 'innovators', 'credits_balance'),
    ($s$ update yachtparty.innovators set active = null where id = pg_temp.id('innovators') $s$, 'innovators', 'active'),
    ($s$ update yachtparty.prospects set status = null where id = pg_temp.id('prospects') $s$, 'prospects', 'status'),
    ($s$ update yachtparty.intro_opportunities set status = null where id = pg_temp.id('intro_opportunities') $s$,
     'intro_opportunities', 'status'),
    ($s$ update yachtparty.intro_opportunities set bounty_credits = null where id = pg_temp.id('intro_opportunities') $s$,
     'intro_opportunities', 'bounty_credits'),
    ($s$ update yachtparty.community_requests set status = null where id = pg_temp.id('community_requests') $s$,
     'community_requests', 'status'),
    ($s$ update yachtparty.community_requests set urgency = null where id = pg_temp.id('community_requests') $s$,
     'community_requests', 'urgency'),
    ($s$ update yachtparty.community_requests set responses_count = null where id = pg_temp.id('community_requests') $s$,
     'community_requests', 'responses_count'),
    ($s$ update yachtparty.community_requests set expires_at = null where id = pg_temp.id('community_requests') $s$,
     'community_requests', 'expires_at'),
    ($s$ update yachtparty.community_responses set status = null where id = pg_temp.id('community_responses') $s$,
     'community_responses', 'status'),
    ($s$ update yachtparty.community_responses set verbatim_answer = null where id = pg_temp.id('community_responses') $s$,
     'community_responses', 'verbatim_answer'),
    ($s$ insert into yachtparty.credit_events (user_id, event_type, amount, reference_type, reference_id, idempotency_key, processed)
         values (pg_temp.id('users'), 'referral_joined', 10, 'user', pg_temp.id('users'), pg_temp.sid('key-null'), null) $s$,
     'credit_events', 'processed'),
    ($s$ update yachtparty.agent_instances set status = null where id = pg_temp.id('agent_instances') $s$, 'agent_instances', 'status'),
    ($s$ update yachtparty.agent_instances set last_active_at = null where id = pg_temp.id('agent_instances') $s$,
     'agent_instances', 'last_active_at')
$$;

-- ---------------------------------------------------------------------------------------------
-- a base row in every table but the two append-only ones, each pg_temp.id('<table>')
-- ---------------------------------------------------------------------------------------------

select lives_ok(
  $$ insert into yachtparty.users (id, phone_number) values (pg_temp.id('users'), pg_temp.phone(1)), (pg_temp.id('other'), pg_temp.phone(2)) $$,
  'a user needs only a phone number');
select lives_ok(
  $$ insert into yachtparty.conversations (id, user_id, phone_number) values (pg_temp.id('conversations'), pg_temp.id('users'), pg_temp.phone(1)) $$,
  'a conversation needs its user and phone number');
select lives_ok(
  $$ insert into yachtparty.messages (id, conversation_id, user_id, role, content, direction, twilio_message_sid)
     values (pg_temp.id('messages'), pg_temp.id('conversations'), pg_temp.id('users'), 'user', 'Hi', 'inbound', pg_temp.sid('base')) $$,
  'a message needs its conversation, user, role, content and direction');
select lives_ok(
  $$ insert into yachtparty.agent_tasks (id, task_type, agent_type, user_id, scheduled_for, context_json)
     values (pg_temp.id('agent_tasks'), 're_engagement_check', 'concierge', pg_temp.id('users'), now(), '{}') $$,
  'an agent task needs a type, an agent, a time and a context');
select lives_ok(
  $$ insert into yachtparty.message_queue (id, user_id, agent_id, message_data, scheduled_for)
     values (pg_temp.id('message_queue'), pg_temp.id('users'), 'concierge', '{"text": "Hi"}', now()) $$,
  'a queued message needs its user, agent, data and time');
select lives_ok(
  $$ insert into yachtparty.user_message_budget (id, user_id, date) values (pg_temp.id('user_message_budget'), pg_temp.id('users'), '2030-01-01') $$,
  'a budget row needs its user and date');
select lives_ok(
  $$ insert into yachtparty.user_priorities (id, user_id, priority_rank, item_type, item_id)
     values (pg_temp.id('user_priorities'), pg_temp.id('users'), 1, 'solution_update', pg_temp.id('solution_workflows')) $$,
  'a priority needs its user, rank and item');
select lives_ok(
  $$ insert into yachtparty.solution_workflows (id, user_id, request_description, current_step)
     values (pg_temp.id('solution_workflows'), pg_temp.id('users'), 'Find a CRM', 'initial_research') $$,
  'a solution workflow needs its user, request and step');
select lives_ok(
  $$ insert into yachtparty.innovators (id, user_id, company_name) values (pg_temp.id('innovators'), pg_temp.id('users'), 'Rowgate') $$,
  'an innovator needs its user and company name');
select lives_ok(
  $$ insert into yachtparty.prospects (id, innovator_id, email) values (pg_temp.id('prospects'), pg_temp.id('innovators'), 'grace@rowgate.test') $$,
  'a prospect needs its innovator and a way to reach them');
select lives_ok(
  $$ insert into yachtparty.intro_opportunities (id, connector_user_id, innovator_id, prospect_id, prospect_name)
     values (pg_temp.id('intro_opportunities'), pg_temp.id('users'), pg_temp.id('innovators'), pg_temp.id('prospects'), 'Grace') $$,
  'an intro opportunity needs its connector and the prospect''s name');
select lives_ok(
  $$ insert into yachtparty.community_requests (id, requesting_agent_type, requesting_user_id, question)
     values (pg_temp.id('community_requests'), 'solution_saga', pg_temp.id('users'), 'Which CRM?') $$,
  'a community request needs the asking agent and a question');
select lives_ok(
  $$ insert into yachtparty.community_responses (id, request_id, user_id, response_text, verbatim_answer)
     values (pg_temp.id('community_responses'), pg_temp.id('community_requests'), pg_temp.id('other'), 'Use X', 'use x!!') $$,
  'a community response needs its request, expert, summary and verbatim answer');
select lives_ok(
  $$ insert into yachtparty.linkedin_research_prospects (id, name) values (pg_temp.id('linkedin_research_prospects'), 'Grace') $$,
  'a research record needs a name');
select lives_ok(
  $$ insert into yachtparty.agent_instances (id, agent_type, user_id) values (pg_temp.id('agent_instances'), 'concierge', pg_temp.id('users')) $$,
  'an agent instance needs its type');
select lives_ok(
  $$ insert into yachtparty.agent_actions_log (id, agent_type, agent_instance_id, action_type, user_id)
     values (pg_temp.id('agent_actions_log'), 'concierge', pg_temp.id('agent_instances'), 'llm_call', pg_temp.id('users')) $$,
  'an agent action needs its agent type and action type');

-- ---------------------------------------------------------------------------------------------
-- every check constraint refuses a bad value, by its name
-- ---------------------------------------------------------------------------------------------

select tests.rejects(statement, constraint_name, description) from pg_temp.bad_values();
select tests.rejects(statement, constraint_name, description) from pg_temp.generated_bad_values();

-- Every check of the schema's tables, and of every domain a yachtparty column is of (a domain
-- over a domain brings its base's checks too), is among the cases above.
select is_empty(
  $$ with recursive column_domains(oid) as (
       select a.atttypid
         from pg_attribute a join pg_class c on c.oid = a.attrelid
        where c.relnamespace = 'yachtparty'::regnamespace and c.relkind = 'r' and a.attnum > 0 and not a.attisdropped
       union
       select t.typbasetype from pg_type t join column_domains d on d.oid = t.oid where t.typtype = 'd'
     )
     select conname from pg_constraint where connamespace = 'yachtparty'::regnamespace and contype = 'c'
     union
     select conname from pg_constraint where contype = 'c' and contypid in (select oid from column_domains)
     except (select constraint_name from pg_temp.bad_values()
             union select constraint_name from pg_temp.generated_bad_values()) $$,
  'every yachtparty check constraint, and every check of a domain its columns use, is exercised above');
select is(
  (select count(distinct con.conname) from pg_constraint con
    where con.contype = 'c' and con.contypid in ('rowgate.e164_phone'::regtype, 'rowgate.email'::regtype, 'rowgate.http_url'::regtype,
                                                 'rowgate.twilio_message_sid'::regtype, 'rowgate.event_type'::regtype)),
  5::bigint,
  'the five formats yachtparty''s columns use have a check each (rowgate.verbatim_text has none: it holds any text)');

-- ---------------------------------------------------------------------------------------------
-- users.timezone: a zone PostgreSQL knows, refused by a trigger as a CHECK would refuse it
-- ---------------------------------------------------------------------------------------------

select is(
  pg_temp.error_fields($$ update yachtparty.users set timezone = 'Mars/Base' where id = pg_temp.id('users') $$),
  '23514 users_timezone_check users timezone yachtparty',
  'Mars/Base is refused with check_violation naming users_timezone_check, the table, the column and the schema');
select is(
  pg_temp.error_fields($$ insert into yachtparty.users (phone_number, timezone) values (pg_temp.phone(3), 'Europe/Brussel') $$),
  '23514 users_timezone_check users timezone yachtparty',
  'a misspelt zone is refused on insert too');
select lives_ok($$ update yachtparty.users set timezone = 'Europe/Brussels' where id = pg_temp.id('users') $$,
  'Europe/Brussels is accepted');
select lives_ok(
  $$ insert into yachtparty.users (phone_number, timezone) values (pg_temp.phone(4), 'America/New_York'), (pg_temp.phone(5), 'UTC'),
                                                                 (pg_temp.phone(6), null) $$,
  'America/New_York, UTC and no zone at all are accepted');
select is((select timezone::text from yachtparty.users where id = pg_temp.id('users')), 'Europe/Brussels',
  'the zone is stored as given');

-- ---------------------------------------------------------------------------------------------
-- NOT NULL tightenings (D13) refuse null
-- ---------------------------------------------------------------------------------------------

select tests.rejects_null(statement, table_name, column_name,
         format('yachtparty.%s.%s cannot be null', table_name, column_name))
  from pg_temp.null_values();

-- ---------------------------------------------------------------------------------------------
-- the good values pass: every allowed value of every list, and each range at its bounds
-- ---------------------------------------------------------------------------------------------

select lives_ok(
  $$ update yachtparty.users
        set email = 'ada.o''brien+yp@mail.rowgate.test', linkedin_url = 'https://www.linkedin.com/in/ada-lovelace',
            first_name = 'Ada', company = E'Row  gate\nLtd', title = chr(8203) || 'CTO', status_level = 'member',
            expertise = array['sales, marketing', E'two\nlines'], quiet_hours_start = '22:00', quiet_hours_end = '08:00',
            response_pattern = '{"replies": "fast"}', credit_balance = 0, referred_by = pg_temp.id('other'),
            last_active_at = '9999-12-31 23:59:59+00'
      where id = pg_temp.id('users') $$,
  'a full profile is accepted: quiet hours wrapping midnight, text with inner tabs and newlines, a leading zero-width space (not whitespace to the core), a balance of 0');
select lives_ok(
  $$ insert into yachtparty.users (phone_number, poc_agent_type, expertise, quiet_hours_start, quiet_hours_end)
     values (pg_temp.phone(7), 'bouncer', '{}', null, null), (pg_temp.phone(8), 'concierge', null, '00:00', '23:59'),
            (pg_temp.phone(9), 'innovator', null, '08:00', '22:00'), (pg_temp.phone(10), null, null, null, null) $$,
  'every point-of-contact agent type, none, and quiet hours within a day or none are accepted');
select lives_ok(
  $$ update yachtparty.conversations set status = 'archived', messages_since_summary = 0, conversation_summary = 'Asked about CRMs'
      where id = pg_temp.id('conversations') $$,
  'an archived conversation with no messages since its summary is accepted');

-- messages: every Twilio status; text kept exactly as received
select lives_ok(
  $$ insert into yachtparty.messages (conversation_id, user_id, role, content, direction, status)
     select pg_temp.id('conversations'), pg_temp.id('users'), 'assistant', 'Hello', 'outbound', s
       from unnest(array['accepted', 'scheduled', 'queued', 'sending', 'sent', 'delivered', 'undelivered', 'failed',
                         'receiving', 'received', 'read', 'partially_delivered', 'canceled', null]) as s $$,
  'every Twilio message status, and none, is accepted');
select lives_ok(
  $$ insert into yachtparty.messages (id, conversation_id, user_id, role, content, direction, twilio_message_sid)
     values (pg_temp.id('mms'), pg_temp.id('conversations'), pg_temp.id('users'), 'user', '', 'inbound', 'MM' || upper(md5(pg_temp.sid('mms')))),
            (pg_temp.id('spaced'), pg_temp.id('conversations'), pg_temp.id('users'), 'user', E'  hi there \n', 'inbound', null) $$,
  'an inbound MMS without text (an MM SID in upper-case hex) and an SMS with spaces around it are accepted');
select results_eq(
  $$ select content::text from yachtparty.messages where id in (pg_temp.id('mms'), pg_temp.id('spaced')) order by length(content) $$,
  array['', E'  hi there \n'],
  'and kept exactly as received: verbatim text is neither trimmed nor made null');

-- events
select lives_ok(
  $$ insert into yachtparty.events (event_type, payload, version, aggregate_id, created_by, created_at)
     values ('user.message.received', '{}', 1, pg_temp.id('users'), 'twilio-webhook', '1990-01-01'),
            ('community.request_needed', '{"n": 1}', 2, null, null, '1990-01-01'),
            ('a.b_2.c3', '{}', 1, null, null, '1990-01-01') $$,
  'dotted lower-case event types, version 1 and an aggregate id without a type are accepted');

-- agent_tasks
select lives_ok(
  $$ insert into yachtparty.agent_tasks (task_type, agent_type, scheduled_for, context_json, priority, status, retry_count, max_retries,
                                         context_id, context_type, completed_at)
     values ('t', 'system', now(), '{}', 'low', 'pending', 0, 0, null, null, null),
            ('t', 'system', now(), '{}', 'medium', 'processing', 3, 3, pg_temp.id('users'), 'user', null),
            ('t', 'system', now(), '{}', 'high', 'completed', 1, 3, null, null, now()),
            ('t', 'system', now(), '{}', 'high', 'failed', 3, 3, null, null, null) $$,
  'every task priority and status is accepted, with no retries allowed or a context both named');

-- message_queue
select lives_ok(
  $$ update yachtparty.message_queue set final_message = repeat('x', 1600) where id = pg_temp.id('message_queue') $$,
  'a rendered message of exactly 1600 characters is accepted');
select lives_ok(
  $$ insert into yachtparty.message_queue (user_id, agent_id, message_data, scheduled_for, final_message, priority, status,
                                           superseded_reason, sent_at, sequence_id, sequence_position, sequence_total)
     values (pg_temp.id('users'), 'a', '{}', now(), 'x', 'low', 'queued', null, null, pg_temp.id('sequence'), 1, 2),
            (pg_temp.id('users'), 'a', '{}', now(), null, 'medium', 'processing', null, null, pg_temp.id('sequence'), 2, 2),
            (pg_temp.id('users'), 'a', '{}', now(), null, 'high', 'sent', null, now(), null, null, null),
            (pg_temp.id('users'), 'a', '{}', now(), null, 'high', 'superseded', 'newer message', null, null, null, null),
            (pg_temp.id('users'), 'a', '{}', now(), null, 'high', 'failed', null, null, pg_temp.id('single'), 1, 1) $$,
  'every queue priority and status is accepted, and sequences whose positions run from 1 to their total');

-- user_message_budget, user_priorities
select lives_ok(
  $$ update yachtparty.user_message_budget set messages_sent = 0, daily_limit = 1, hourly_limit = 1, date = '9999-12-31'
      where id = pg_temp.id('user_message_budget') $$,
  'limits of 1, none sent and a date in year 9999 are accepted');
select lives_ok(
  $$ insert into yachtparty.user_priorities (user_id, priority_rank, item_type, item_id, value_score, status, presented_at)
     values (pg_temp.id('users'), 1, 'intro_opportunity', gen_random_uuid(), 0, 'active', null),
            (pg_temp.id('users'), 2, 'community_request', gen_random_uuid(), 100, 'presented', now()),
            (pg_temp.id('users'), 3, 'community_response', gen_random_uuid(), 55.55, 'actioned', now()),
            (pg_temp.id('users'), 4, 'expert_impact_notification', gen_random_uuid(), null, 'expired', null),
            (pg_temp.id('users'), 5, 'solution_update', gen_random_uuid(), null, 'expired', now()) $$,
  'every item type and priority status is accepted, value scores from 0 to 100');

-- solution_workflows, innovators, prospects, intro_opportunities
select lives_ok(
  $$ insert into yachtparty.solution_workflows (user_id, request_description, current_step, status, pending_tasks, completed_tasks, conversation_log)
     values (pg_temp.id('users'), 'A', 'initial_research', 'in_progress', '[]', '[]', '[]'),
            (pg_temp.id('users'), 'B', 'final_evaluation', 'completed', '[{"task": 1}]', '[1, 2]', '["hi"]'),
            (pg_temp.id('users'), 'C', 'awaiting_experts', 'cancelled', default, default, default) $$,
  'every workflow status is accepted, with task lists and logs as JSON arrays (empty by default)');
select lives_ok(
  $$ update yachtparty.innovators set credits_balance = 0, categories = array['crm', 'ai'], video_url = 'http://rowgate.test/v.mp4'
      where id = pg_temp.id('innovators') $$,
  'an innovator with a bounty balance of 0, categories and a video URL is accepted');
select lives_ok(
  $$ insert into yachtparty.prospects (innovator_id, email, phone_number, linkedin_url, status, upload_source, converted_to_user_id)
     values (pg_temp.id('innovators'), null, pg_temp.phone(11), null, 'pending', 'csv', null),
            (pg_temp.id('innovators'), null, null, 'https://linkedin.com/in/grace', 'inactive', 'manual', null),
            (pg_temp.id('innovators'), 'x@rowgate.test', null, null, 'converted', 'api', pg_temp.id('other')),
            (pg_temp.id('innovators'), 'y@rowgate.test', null, null, 'pending', null, null) $$,
  'every prospect status and upload source is accepted, and a prospect reachable by phone only or LinkedIn only');
select lives_ok(
  $$ insert into yachtparty.intro_opportunities (connector_user_id, prospect_name, status, bounty_credits, intro_completed_at, intro_email)
     values (pg_temp.id('users'), 'A', 'open', 0, null, null), (pg_temp.id('users'), 'B', 'accepted', 50, null, 'b@rowgate.test'),
            (pg_temp.id('users'), 'C', 'declined', 50, null, null), (pg_temp.id('users'), 'D', 'completed', 50, now(), null) $$,
  'every intro status is accepted, a bounty of 0 too');

-- community_requests and community_responses
select lives_ok(
  $$ insert into yachtparty.community_requests (requesting_agent_type, question, desired_outcome, urgency, status, responses_count,
                                                context_id, context_type, target_user_ids, expertise_needed)
     values ('concierge', 'Q1', 'backchannel', 'low', 'open', 0, null, null, array[pg_temp.id('other')], array['crm']),
            ('concierge', 'Q2', 'introduction', 'medium', 'responses_received', 1, pg_temp.id('solution_workflows'), 'solution_workflow', '{}', '{}'),
            ('concierge', 'Q3', 'quick_thoughts', 'high', 'closed', 2, null, null, null, null),
            ('concierge', 'Q4', 'ongoing_advice', 'high', 'open', 0, null, null, null, null),
            ('concierge', 'Q5', null, 'high', 'open', 0, null, null, null, null) $$,
  'every desired outcome (or none), urgency and request status is accepted');
select lives_ok(
  $$ update yachtparty.community_responses set usefulness_score = 0, credits_awarded = 0, status = 'rewarded' where id = pg_temp.id('community_responses') $$,
  'a usefulness score and credits of 0, status rewarded, are accepted');
select lives_ok(
  $$ update yachtparty.community_responses set usefulness_score = 10, status = 'closed_loop', verbatim_answer = '' where id = pg_temp.id('community_responses') $$,
  'a usefulness score of 10, status closed_loop and an empty verbatim answer are accepted');
select lives_ok(
  $$ update yachtparty.community_responses set status = 'provided', verbatim_answer = E' use X \t' where id = pg_temp.id('community_responses') $$,
  'status provided and a verbatim answer with spaces around it are accepted');
select is((select verbatim_answer::text from yachtparty.community_responses where id = pg_temp.id('community_responses')), E' use X \t',
  'and the answer is kept exactly as the expert gave it');

-- credit_events, linkedin_research_prospects, agents
select lives_ok(
  $$ insert into yachtparty.credit_events (user_id, event_type, amount, reference_type, reference_id, idempotency_key)
     select pg_temp.id('users'), 'pgtap', a, r, pg_temp.id('users'), pg_temp.sid('good-' || r)
       from (values (1, 'intro_opportunity'), (-1, 'community_response'), (50, 'user'), (-50, 'innovator')) as v(a, r) $$,
  'earning and spending amounts and every reference type are accepted');
select lives_ok(
  $$ update yachtparty.linkedin_research_prospects set users_researching = array[pg_temp.id('users'), pg_temp.id('other')],
            email = 'grace@rowgate.test', linkedin_url = 'https://www.linkedin.com/in/pgtap-' || pg_temp.id('grace')
      where id = pg_temp.id('linkedin_research_prospects') $$,
  'a research record with its researchers, email and profile URL is accepted');
select lives_ok(
  $$ update yachtparty.agent_instances set status = 'terminated', terminated_at = now() where id = pg_temp.id('agent_instances') $$,
  'a terminated agent with its termination time is accepted');
select lives_ok(
  $$ update yachtparty.agent_actions_log set input_tokens = 0, output_tokens = 0, cost_usd = 0, latency_ms = 0
      where id = pg_temp.id('agent_actions_log') $$,
  'zero tokens, cost and latency are accepted');
select lives_ok(
  $$ update yachtparty.agent_actions_log set cost_usd = 9999.999999 where id = pg_temp.id('agent_actions_log') $$,
  'the largest cost numeric(10, 6) holds is accepted');

select * from finish();
rollback;
