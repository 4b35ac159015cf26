-- Yachtparty's 18 tables and the credit-balance materialized view (specification §1). Statuses,
-- types and priorities are text with CHECK lists (D4); flags, counters and statuses that drive
-- queue predicates are NOT NULL (D13: a NULL `status` or `retry_count` silently drops a row out
-- of `where status = 'pending'` or `retry_count < max_retries`). Formats are the platform's
-- domains: phone numbers rowgate.e164_phone, emails rowgate.email (lower-case), URLs
-- rowgate.http_url. Every foreign key column is indexed. Free text is trimmed and not blank, text
-- arrays' items likewise, and dates and times finite (added for every such column at the end).

-- ---------------------------------------------------------------------------------------------
-- users: one per phone number; tied to a Supabase Auth user once it claims the profile
-- ---------------------------------------------------------------------------------------------

create table yachtparty.users (
  id uuid primary key default gen_random_uuid(),
  phone_number rowgate.e164_phone not null,
  email rowgate.email,
  first_name varchar(100),
  last_name varchar(100),
  company varchar(255),
  title varchar(255),
  linkedin_url rowgate.http_url,
  verified boolean not null default false,
  email_verified boolean not null default false,
  innovator boolean not null default false,
  expert_connector boolean not null default false,
  expertise text[],
  poc_agent_id varchar(50),
  poc_agent_type text,
  quiet_hours_start time,
  quiet_hours_end time,
  timezone varchar(50),
  response_pattern jsonb,
  credit_balance integer not null default 0,
  -- Only 'member' is documented; left a free label [dec].
  status_level varchar(50) not null default 'member',
  referred_by uuid,
  name_dropped varchar(255),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  last_active_at timestamptz,
  auth_user_id uuid,
  constraint users_phone_number_key unique (phone_number),
  constraint users_auth_user_id_key unique (auth_user_id),
  constraint users_auth_user_id_fkey foreign key (auth_user_id) references auth.users (id) on delete set null,
  constraint users_referred_by_fkey foreign key (referred_by) references yachtparty.users (id) on delete set null,
  constraint users_referred_by_not_self check (referred_by <> id),
  constraint users_poc_agent_type_check check (poc_agent_type in ('bouncer', 'concierge', 'innovator')),
  constraint users_quiet_hours_both_or_neither check ((quiet_hours_start is null) = (quiet_hours_end is null)),
  constraint users_quiet_hours_not_empty check (quiet_hours_start <> quiet_hours_end),
  constraint users_response_pattern_object check (jsonb_typeof(response_pattern) = 'object'),
  constraint users_credit_balance_range check (credit_balance >= 0)
);
create index users_email_idx on yachtparty.users (email);
create index users_verified_idx on yachtparty.users (verified);
create index users_referred_by_idx on yachtparty.users (referred_by);
create trigger users_set_updated_at before update on yachtparty.users
  for each row execute function yachtparty.set_updated_at();
create trigger users_check_timezone before insert or update of timezone on yachtparty.users
  for each row execute function yachtparty.check_timezone();

-- ---------------------------------------------------------------------------------------------
-- conversations and messages
-- ---------------------------------------------------------------------------------------------

create table yachtparty.conversations (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null,
  phone_number rowgate.e164_phone not null,
  status text not null default 'active',
  conversation_summary text,
  last_summary_message_id uuid,
  messages_since_summary integer not null default 0,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  last_message_at timestamptz,
  constraint conversations_id_user_id_key unique (id, user_id),
  constraint conversations_user_id_fkey foreign key (user_id) references yachtparty.users (id) on delete cascade,
  constraint conversations_status_check check (status in ('active', 'archived')),
  constraint conversations_messages_since_summary_range check (messages_since_summary >= 0)
);
create index conversations_user_id_idx on yachtparty.conversations (user_id);
create index conversations_phone_number_idx on yachtparty.conversations (phone_number);
-- One active thread per user: find-or-create is `on conflict (user_id) where status = 'active'`.
create unique index conversations_one_active_per_user on yachtparty.conversations (user_id)
  where status = 'active';
create trigger conversations_set_updated_at before update on yachtparty.conversations
  for each row execute function yachtparty.set_updated_at();

create table yachtparty.messages (
  id uuid primary key default gen_random_uuid(),
  conversation_id uuid not null,
  user_id uuid not null,
  role text not null,
  content rowgate.verbatim_text not null,
  direction text not null,
  twilio_message_sid rowgate.twilio_message_sid,
  status text,
  created_at timestamptz not null default now(),
  sent_at timestamptz,
  delivered_at timestamptz,
  constraint messages_twilio_message_sid_key unique (twilio_message_sid),
  constraint messages_conversation_id_fkey foreign key (conversation_id) references yachtparty.conversations (id) on delete cascade,
  constraint messages_user_id_fkey foreign key (user_id) references yachtparty.users (id) on delete cascade,
  -- A message sits in a thread of its own user.
  constraint messages_conversation_id_user_id_fkey foreign key (conversation_id, user_id)
    references yachtparty.conversations (id, user_id) on delete cascade,
  constraint messages_role_check check (role in ('user', 'assistant')),
  constraint messages_direction_check check (direction in ('inbound', 'outbound')),
  -- An inbound MMS may have no text; an outbound message always has some.
  constraint messages_content_not_empty_outbound check (direction = 'inbound' or content <> ''),
  constraint messages_status_check check (status in ('accepted', 'scheduled', 'queued', 'sending', 'sent',
    'delivered', 'undelivered', 'failed', 'receiving', 'received', 'read', 'partially_delivered', 'canceled'))
);
create index messages_conversation_id_idx on yachtparty.messages (conversation_id);
create index messages_user_id_idx on yachtparty.messages (user_id);
create index messages_created_at_idx on yachtparty.messages (created_at);
create index messages_conversation_id_user_id_idx on yachtparty.messages (conversation_id, user_id);

alter table yachtparty.conversations
  add constraint conversations_last_summary_message_id_fkey foreign key (last_summary_message_id)
    references yachtparty.messages (id) on delete set null;
create index conversations_last_summary_message_id_idx on yachtparty.conversations (last_summary_message_id);

-- ---------------------------------------------------------------------------------------------
-- events: the event store (backend only); append-only but for `processed`
-- ---------------------------------------------------------------------------------------------

create table yachtparty.events (
  id uuid primary key default gen_random_uuid(),
  event_type rowgate.event_type not null,
  aggregate_id uuid,
  aggregate_type varchar(50),
  payload jsonb not null,
  metadata jsonb,
  processed boolean not null default false,
  version integer not null default 1,
  created_at timestamptz not null default now(),
  created_by varchar(100),
  constraint events_payload_object check (jsonb_typeof(payload) = 'object'),
  constraint events_version_range check (version >= 1)
);
create index events_event_type_idx on yachtparty.events (event_type);
create index events_aggregate_idx on yachtparty.events (aggregate_id, aggregate_type);
create index events_unprocessed_idx on yachtparty.events (created_at) where not processed;

-- ---------------------------------------------------------------------------------------------
-- agent_tasks: the agents' task queue (backend only)
-- ---------------------------------------------------------------------------------------------

create table yachtparty.agent_tasks (
  id uuid primary key default gen_random_uuid(),
  task_type varchar(100) not null,
  agent_type varchar(50) not null,
  user_id uuid,
  context_id uuid,
  context_type varchar(50),
  scheduled_for timestamptz not null,
  priority text not null default 'medium',
  status text not null default 'pending',
  retry_count integer not null default 0,
  max_retries integer not null default 3,
  last_attempted_at timestamptz,
  context_json jsonb not null,
  result_json jsonb,
  error_log text,
  created_at timestamptz not null default now(),
  created_by varchar(100),
  completed_at timestamptz,
  constraint agent_tasks_user_id_fkey foreign key (user_id) references yachtparty.users (id) on delete cascade,
  constraint agent_tasks_context_both_or_neither check ((context_id is null) = (context_type is null)),
  constraint agent_tasks_priority_check check (priority in ('low', 'medium', 'high')),
  constraint agent_tasks_status_check check (status in ('pending', 'processing', 'completed', 'failed')),
  constraint agent_tasks_retry_count_range check (retry_count >= 0),
  constraint agent_tasks_max_retries_range check (max_retries >= 0),
  constraint agent_tasks_context_json_object check (jsonb_typeof(context_json) = 'object'),
  constraint agent_tasks_completed_has_completed_at check (status <> 'completed' or completed_at is not null)
);
create index agent_tasks_status_scheduled_for_idx on yachtparty.agent_tasks (status, scheduled_for);
create index agent_tasks_agent_type_status_idx on yachtparty.agent_tasks (agent_type, status);
create index agent_tasks_user_id_idx on yachtparty.agent_tasks (user_id);

-- ---------------------------------------------------------------------------------------------
-- message_queue: outbound SMS (backend only)
-- ---------------------------------------------------------------------------------------------

create table yachtparty.message_queue (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null,
  agent_id varchar(100) not null,
  message_data jsonb not null,
  final_message text,
  scheduled_for timestamptz not null,
  priority text not null default 'medium',
  status text not null default 'queued',
  superseded_by_message_id uuid,
  superseded_reason varchar(100),
  conversation_context_id uuid,
  requires_fresh_context boolean not null default false,
  sequence_id uuid,
  sequence_position integer,
  sequence_total integer,
  sent_at timestamptz,
  delivered_message_id uuid,
  created_at timestamptz not null default now(),
  constraint message_queue_sequence_id_sequence_position_key unique (sequence_id, sequence_position),
  constraint message_queue_user_id_fkey foreign key (user_id) references yachtparty.users (id) on delete cascade,
  constraint message_queue_superseded_by_message_id_fkey foreign key (superseded_by_message_id)
    references yachtparty.message_queue (id) on delete set null,
  constraint message_queue_conversation_context_id_fkey foreign key (conversation_context_id)
    references yachtparty.conversations (id) on delete set null,
  constraint message_queue_delivered_message_id_fkey foreign key (delivered_message_id)
    references yachtparty.messages (id) on delete set null,
  -- Twilio's Body holds at most 1600 characters.
  constraint message_queue_final_message_length check (char_length(final_message) between 1 and 1600),
  constraint message_queue_priority_check check (priority in ('low', 'medium', 'high')),
  constraint message_queue_status_check check (status in ('queued', 'processing', 'sent', 'superseded', 'failed')),
  constraint message_queue_not_superseded_by_itself check (superseded_by_message_id <> id),
  constraint message_queue_superseded_has_reason check (status <> 'superseded' or superseded_reason is not null),
  constraint message_queue_sequence_all_or_none check (
    (sequence_id is null and sequence_position is null and sequence_total is null)
    or (sequence_id is not null and sequence_position is not null and sequence_total is not null
        and sequence_position between 1 and sequence_total)),
  constraint message_queue_sent_has_sent_at check (status <> 'sent' or sent_at is not null)
);
create index message_queue_user_id_status_scheduled_for_idx on yachtparty.message_queue (user_id, status, scheduled_for);
create index message_queue_status_scheduled_for_idx on yachtparty.message_queue (status, scheduled_for);
create index message_queue_sequence_id_idx on yachtparty.message_queue (sequence_id);
create index message_queue_superseded_by_message_id_idx on yachtparty.message_queue (superseded_by_message_id);
create index message_queue_conversation_context_id_idx on yachtparty.message_queue (conversation_context_id);
create index message_queue_delivered_message_id_idx on yachtparty.message_queue (delivered_message_id);

-- ---------------------------------------------------------------------------------------------
-- user_message_budget: sends per user per local day (backend only)
-- ---------------------------------------------------------------------------------------------

create table yachtparty.user_message_budget (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null,
  date date not null,
  messages_sent integer not null default 0,
  last_message_at timestamptz,
  daily_limit integer not null default 5,
  hourly_limit integer not null default 2,
  quiet_hours_enabled boolean not null default true,
  created_at timestamptz not null default now(),
  constraint user_message_budget_user_id_date_key unique (user_id, date),
  constraint user_message_budget_user_id_fkey foreign key (user_id) references yachtparty.users (id) on delete cascade,
  constraint user_message_budget_messages_sent_range check (messages_sent >= 0),
  constraint user_message_budget_daily_limit_range check (daily_limit >= 1),
  constraint user_message_budget_hourly_limit_range check (hourly_limit >= 1)
);

-- ---------------------------------------------------------------------------------------------
-- user_priorities: what to bring up with each user next
-- ---------------------------------------------------------------------------------------------

create table yachtparty.user_priorities (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null,
  priority_rank integer not null,
  item_type text not null,
  item_id uuid not null,
  value_score numeric(5, 2),
  status text not null default 'active',
  created_at timestamptz not null default now(),
  expires_at timestamptz,
  presented_at timestamptz,
  constraint user_priorities_user_id_item_type_item_id_key unique (user_id, item_type, item_id),
  constraint user_priorities_user_id_fkey foreign key (user_id) references yachtparty.users (id) on delete cascade,
  constraint user_priorities_priority_rank_range check (priority_rank >= 1),
  constraint user_priorities_item_type_check check (item_type in ('intro_opportunity', 'community_request',
    'community_response', 'expert_impact_notification', 'solution_update')),
  constraint user_priorities_value_score_range check (value_score between 0 and 100),
  constraint user_priorities_status_check check (status in ('active', 'presented', 'actioned', 'expired')),
  constraint user_priorities_presented_has_presented_at check (status not in ('presented', 'actioned') or presented_at is not null)
);
create index user_priorities_user_id_status_rank_idx on yachtparty.user_priorities (user_id, status, priority_rank);

-- ---------------------------------------------------------------------------------------------
-- solution_workflows: the Solution Saga's state
-- ---------------------------------------------------------------------------------------------

create table yachtparty.solution_workflows (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null,
  request_description text not null,
  category varchar(100),
  current_step varchar(100) not null,
  status text not null default 'in_progress',
  perplexity_results jsonb,
  matched_innovators jsonb,
  community_insights jsonb,
  expert_recommendations jsonb,
  quality_threshold_met boolean not null default false,
  last_decision_at timestamptz,
  next_action varchar(100),
  pending_tasks jsonb not null default '[]',
  completed_tasks jsonb not null default '[]',
  conversation_log jsonb not null default '[]',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  completed_at timestamptz,
  constraint solution_workflows_user_id_fkey foreign key (user_id) references yachtparty.users (id) on delete cascade,
  constraint solution_workflows_status_check check (status in ('in_progress', 'completed', 'cancelled')),
  constraint solution_workflows_pending_tasks_array check (jsonb_typeof(pending_tasks) = 'array'),
  constraint solution_workflows_completed_tasks_array check (jsonb_typeof(completed_tasks) = 'array'),
  constraint solution_workflows_conversation_log_array check (jsonb_typeof(conversation_log) = 'array')
);
create index solution_workflows_user_id_status_idx on yachtparty.solution_workflows (user_id, status);
create trigger solution_workflows_set_updated_at before update on yachtparty.solution_workflows
  for each row execute function yachtparty.set_updated_at();

-- ---------------------------------------------------------------------------------------------
-- innovators and their prospects
-- ---------------------------------------------------------------------------------------------

create table yachtparty.innovators (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null,
  company_name varchar(255) not null,
  solution_description text,
  categories text[],
  target_customer_profile text,
  video_url rowgate.http_url,
  credits_balance integer not null default 0,
  active boolean not null default true,
  created_at timestamptz not null default now(),
  constraint innovators_user_id_key unique (user_id),
  constraint innovators_user_id_fkey foreign key (user_id) references yachtparty.users (id) on delete cascade,
  constraint innovators_credits_balance_range check (credits_balance >= 0)
);
create index innovators_active_idx on yachtparty.innovators (active);

create table yachtparty.prospects (
  id uuid primary key default extensions.uuid_generate_v4(),
  email rowgate.email,
  phone_number rowgate.e164_phone,
  linkedin_url rowgate.http_url,
  first_name text,
  last_name text,
  company text,
  title text,
  innovator_id uuid not null,
  uploaded_at timestamptz not null default now(),
  upload_source text,
  upload_batch_id uuid,
  status text not null default 'pending',
  converted_to_user_id uuid,
  converted_at timestamptz,
  prospect_notes text,
  target_solution_categories text[],
  metadata jsonb,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint prospects_innovator_id_fkey foreign key (innovator_id) references yachtparty.innovators (id) on delete cascade,
  constraint prospects_converted_to_user_id_fkey foreign key (converted_to_user_id) references yachtparty.users (id) on delete set null,
  constraint prospects_upload_source_check check (upload_source in ('csv', 'manual', 'api')),
  constraint prospects_status_check check (status in ('pending', 'converted', 'inactive')),
  constraint prospects_converted_has_user check (status <> 'converted' or converted_to_user_id is not null),
  constraint prospects_at_least_one_contact_method check (email is not null or phone_number is not null or linkedin_url is not null)
);
create index prospects_email_idx on yachtparty.prospects (email);
create index prospects_innovator_id_idx on yachtparty.prospects (innovator_id);
create index prospects_status_idx on yachtparty.prospects (status);
create index prospects_converted_to_user_id_idx on yachtparty.prospects (converted_to_user_id);
create trigger prospects_set_updated_at before update on yachtparty.prospects
  for each row execute function yachtparty.set_updated_at();

-- ---------------------------------------------------------------------------------------------
-- intro_opportunities: an introduction a connector may make
-- ---------------------------------------------------------------------------------------------

create table yachtparty.intro_opportunities (
  id uuid primary key default gen_random_uuid(),
  connector_user_id uuid not null,
  innovator_id uuid,
  prospect_id uuid,
  prospect_name varchar(255) not null,
  prospect_company varchar(255),
  prospect_title varchar(255),
  prospect_linkedin_url rowgate.http_url,
  innovator_name varchar(255),
  bounty_credits integer not null default 50,
  status text not null default 'open',
  connector_response text,
  feed_item_id uuid,
  intro_email rowgate.email,
  intro_scheduled_at timestamptz,
  intro_completed_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  expires_at timestamptz,
  constraint intro_opportunities_connector_user_id_fkey foreign key (connector_user_id) references yachtparty.users (id),
  constraint intro_opportunities_innovator_id_fkey foreign key (innovator_id) references yachtparty.innovators (id),
  constraint intro_opportunities_prospect_id_fkey foreign key (prospect_id) references yachtparty.prospects (id) on delete restrict,
  constraint intro_opportunities_bounty_credits_range check (bounty_credits >= 0),
  constraint intro_opportunities_status_check check (status in ('open', 'accepted', 'declined', 'completed')),
  constraint intro_opportunities_completed_has_completed_at check (status <> 'completed' or intro_completed_at is not null)
);
create index intro_opportunities_connector_user_id_status_idx on yachtparty.intro_opportunities (connector_user_id, status);
create index intro_opportunities_innovator_id_idx on yachtparty.intro_opportunities (innovator_id);
create index intro_opportunities_prospect_id_idx on yachtparty.intro_opportunities (prospect_id);
create trigger intro_opportunities_set_updated_at before update on yachtparty.intro_opportunities
  for each row execute function yachtparty.set_updated_at();

-- ---------------------------------------------------------------------------------------------
-- community requests and responses
-- ---------------------------------------------------------------------------------------------

create table yachtparty.community_requests (
  id uuid primary key default gen_random_uuid(),
  requesting_agent_type varchar(50) not null,
  requesting_user_id uuid,
  context_id uuid,
  context_type varchar(50),
  question text not null,
  category varchar(100),
  expertise_needed text[],
  target_user_ids uuid[],
  requester_context text,
  desired_outcome text,
  urgency text not null default 'medium',
  request_summary varchar(100),
  status text not null default 'open',
  responses_count integer not null default 0,
  closed_loop_at timestamptz,
  closed_loop_message text,
  created_at timestamptz not null default now(),
  -- NOT NULL: closure reads it, and a default that may be cleared is no default [dec].
  expires_at timestamptz not null default (now() + interval '7 days'),
  constraint community_requests_requesting_user_id_fkey foreign key (requesting_user_id) references yachtparty.users (id),
  constraint community_requests_context_both_or_neither check ((context_id is null) = (context_type is null)),
  constraint community_requests_desired_outcome_check check (desired_outcome in ('backchannel', 'introduction', 'quick_thoughts', 'ongoing_advice')),
  constraint community_requests_urgency_check check (urgency in ('low', 'medium', 'high')),
  constraint community_requests_status_check check (status in ('open', 'responses_received', 'closed')),
  constraint community_requests_responses_count_range check (responses_count >= 0),
  constraint community_requests_target_user_ids_check check (array_position(target_user_ids, null) is null)
);
create index community_requests_status_expires_at_idx on yachtparty.community_requests (status, expires_at);
create index community_requests_requesting_user_id_idx on yachtparty.community_requests (requesting_user_id);
create index community_requests_target_user_ids_idx on yachtparty.community_requests using gin (target_user_ids);

create table yachtparty.community_responses (
  id uuid primary key default gen_random_uuid(),
  request_id uuid not null,
  user_id uuid not null,
  response_text text not null,
  verbatim_answer rowgate.verbatim_text not null,
  usefulness_score integer,
  impact_description text,
  credits_awarded integer,
  credited_at timestamptz,
  status text not null default 'provided',
  closed_loop_message text,
  closed_loop_at timestamptz,
  created_at timestamptz not null default now(),
  -- One response per expert per request [dec]: a retried delivery cannot count twice.
  constraint community_responses_request_id_user_id_key unique (request_id, user_id),
  constraint community_responses_request_id_fkey foreign key (request_id) references yachtparty.community_requests (id) on delete cascade,
  constraint community_responses_user_id_fkey foreign key (user_id) references yachtparty.users (id),
  constraint community_responses_usefulness_score_range check (usefulness_score between 0 and 10),
  constraint community_responses_credits_awarded_range check (credits_awarded >= 0),
  constraint community_responses_status_check check (status in ('provided', 'rewarded', 'closed_loop'))
);
create index community_responses_request_id_idx on yachtparty.community_responses (request_id);
create index community_responses_user_id_idx on yachtparty.community_responses (user_id);
create index community_responses_status_idx on yachtparty.community_responses (status);

-- ---------------------------------------------------------------------------------------------
-- credit_events: the append-only credits ledger, and its reporting view
-- ---------------------------------------------------------------------------------------------

create table yachtparty.credit_events (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null,
  event_type varchar(100) not null,
  amount integer not null,
  reference_type text not null,
  reference_id uuid not null,
  idempotency_key varchar(255) not null,
  description text,
  created_at timestamptz not null default now(),
  processed boolean not null default false,
  constraint credit_events_idempotency_key_key unique (idempotency_key),
  constraint credit_events_user_id_fkey foreign key (user_id) references yachtparty.users (id) on delete restrict,
  constraint credit_events_amount_not_zero check (amount <> 0),
  constraint credit_events_reference_type_check check (reference_type in ('intro_opportunity', 'community_response', 'user', 'innovator'))
);
create index credit_events_user_id_created_at_idx on yachtparty.credit_events (user_id, created_at);
create index credit_events_processed_idx on yachtparty.credit_events (processed);

-- Reporting only (D1): refreshed concurrently by pg_cron, never granted to an API role (a
-- materialized view cannot have row-level security). The live balance is users.credit_balance.
create materialized view yachtparty.user_credit_balances as
  select user_id, sum(amount) as balance, count(*) as transaction_count,
         max(created_at) as last_transaction_at
    from yachtparty.credit_events
   where processed
   group by user_id
  with data;
create unique index user_credit_balances_user_id_key on yachtparty.user_credit_balances (user_id);

-- ---------------------------------------------------------------------------------------------
-- research and agent bookkeeping (backend only)
-- ---------------------------------------------------------------------------------------------

create table yachtparty.linkedin_research_prospects (
  id uuid primary key default gen_random_uuid(),
  name varchar(255) not null,
  company varchar(255),
  title varchar(255),
  linkedin_url rowgate.http_url,
  email rowgate.email,
  mutual_connections jsonb,
  last_researched_at timestamptz,
  users_researching uuid[],
  created_at timestamptz not null default now(),
  constraint linkedin_research_prospects_users_researching_check check (array_position(users_researching, null) is null)
);
-- One research record per profile [dec]: the table exists to dedupe research.
create unique index linkedin_research_prospects_linkedin_url_key on yachtparty.linkedin_research_prospects (linkedin_url)
  where linkedin_url is not null;
create index linkedin_research_prospects_name_company_idx on yachtparty.linkedin_research_prospects (name, company);

create table yachtparty.agent_instances (
  id uuid primary key default gen_random_uuid(),
  agent_type varchar(50) not null,
  user_id uuid,
  config_json jsonb,
  prompt_version varchar(50),
  status text not null default 'active',
  last_active_at timestamptz not null default now(),
  created_at timestamptz not null default now(),
  terminated_at timestamptz,
  constraint agent_instances_user_id_fkey foreign key (user_id) references yachtparty.users (id) on delete cascade,
  constraint agent_instances_status_check check (status in ('active', 'terminated')),
  constraint agent_instances_terminated_iff_terminated_at check ((status = 'terminated') = (terminated_at is not null))
);
create index agent_instances_user_id_idx on yachtparty.agent_instances (user_id);
create index agent_instances_agent_type_status_idx on yachtparty.agent_instances (agent_type, status);

create table yachtparty.agent_actions_log (
  id uuid primary key default gen_random_uuid(),
  agent_type varchar(50) not null,
  agent_instance_id uuid,
  action_type varchar(100) not null,
  user_id uuid,
  context_id uuid,
  context_type varchar(50),
  model_used varchar(100),
  input_tokens integer,
  output_tokens integer,
  cost_usd numeric(10, 6),
  latency_ms integer,
  input_data jsonb,
  output_data jsonb,
  error text,
  created_at timestamptz not null default now(),
  constraint agent_actions_log_agent_instance_id_fkey foreign key (agent_instance_id) references yachtparty.agent_instances (id),
  constraint agent_actions_log_user_id_fkey foreign key (user_id) references yachtparty.users (id) on delete set null,
  constraint agent_actions_log_input_tokens_range check (input_tokens >= 0),
  constraint agent_actions_log_output_tokens_range check (output_tokens >= 0),
  -- numeric takes 'NaN', which compares above every number: held below Infinity, it is refused.
  constraint agent_actions_log_cost_usd_range check (cost_usd >= 0 and cost_usd < 'Infinity'),
  constraint agent_actions_log_latency_ms_range check (latency_ms >= 0)
);
create index agent_actions_log_agent_instance_id_idx on yachtparty.agent_actions_log (agent_instance_id);
create index agent_actions_log_agent_type_created_at_idx on yachtparty.agent_actions_log (agent_type, created_at);
create index agent_actions_log_user_id_idx on yachtparty.agent_actions_log (user_id);
create index agent_actions_log_action_type_idx on yachtparty.agent_actions_log (action_type);

-- ---------------------------------------------------------------------------------------------
-- the text and time rules of every table (as in dyniq and walker_os): free text trimmed and not
-- blank, text[] items likewise, dates and times finite; `<table>_<column>_check`
-- ---------------------------------------------------------------------------------------------

do $$
declare
  c record;
begin
  for c in
    select cl.relname as tab, a.attname as col, format_type(a.atttypid, a.atttypmod) as typ
      from pg_attribute a
      join pg_class cl on cl.oid = a.attrelid
      join pg_type t on t.oid = a.atttypid
     where cl.relnamespace = 'yachtparty'::regnamespace and cl.relkind = 'r'
       and a.attnum > 0 and not a.attisdropped and t.typtype <> 'd'
       -- columns with a CHECK list of their own (statuses, types) are already exact
       and not exists (select 1 from pg_constraint k where k.conrelid = cl.oid
                         and k.conname = cl.relname || '_' || a.attname || '_check')
     order by cl.relname, a.attnum
  loop
    if c.typ = 'text' or c.typ like 'character varying%' then
      execute format('alter table yachtparty.%I add constraint %I check (rowgate.is_trimmed_text(%I))',
                     c.tab, c.tab || '_' || c.col || '_check', c.col);
    elsif c.typ = 'text[]' then
      execute format('alter table yachtparty.%I add constraint %I check (rowgate.is_trimmed_text_array(%I))',
                     c.tab, c.tab || '_' || c.col || '_check', c.col);
    elsif c.typ in ('timestamp with time zone', 'date') then
      execute format('alter table yachtparty.%I add constraint %I check (isfinite(%I))',
                     c.tab, c.tab || '_' || c.col || '_check', c.col);
    end if;
  end loop;
end;
$$;
