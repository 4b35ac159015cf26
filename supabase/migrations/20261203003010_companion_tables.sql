-- Companion's 7 tables (specification §1): 78 columns, the 77 of [schema] and
-- scheduled_messages.local_date. Every owner and foreign key column is NOT NULL (C3), and so is
-- every column that drives logic or has a default a client cannot clear ("YES→NN"). Enums are
-- text with CHECK lists (C7), formats the platform's domains (rowgate.email, rowgate.e164_phone),
-- JSON columns hold their shape (C11). Every foreign key and every column a policy filters on is
-- indexed; the indexes C13 calls redundant are not made. Free text is trimmed and not blank, and
-- dates and times finite (added for every such column at the end, as in yachtparty).
--
-- Where clients insert (users, onboarding, conversations, messages, user_context), the owner
-- column defaults to the caller, `auth.uid()`, so clients never send it (as walker_os).
--
-- Telegram ids: a user id "has at most 52 significant bits" (Bot API), so telegram_user_id is
-- numeric(16, 0), exact, which the core shapes as a whole number (the generator has no kind for
-- bigint); a message_id is a 32-bit Integer in the Bot API, so telegram_message_id is integer.

-- ---------------------------------------------------------------------------------------------
-- users: a companion profile, one per Supabase Auth user, made lazily by ensure_profile() (C5:
-- no trigger on auth.users)
-- ---------------------------------------------------------------------------------------------

create table companion.users (
  id uuid primary key default auth.uid(),
  email rowgate.email default companion.jwt_email(),
  display_name text,
  -- NOT NULL [dec]: a companion always has a name; 'Aria' until the user picks one.
  companion_name text not null default 'Aria',
  timezone text not null default 'America/New_York',
  preferred_message_time time not null default '09:00:00',
  support_style text not null default 'friendly_checkin',
  location text,
  telegram_user_id numeric(16, 0),
  telegram_username text,
  telegram_linked_at timestamptz,
  whatsapp_number rowgate.e164_phone,
  whatsapp_linked_at timestamptz,
  onboarding_completed_at timestamptz,
  subscription_status text not null default 'free',
  subscription_expires_at timestamptz,
  lemonsqueezy_customer_id text,
  lemonsqueezy_subscription_id text,
  flux_generations_used integer not null default 0,
  flux_generations_reset_at timestamptz default now(),
  messages_sent_count integer not null default 0,
  messages_reset_at timestamptz default now(),
  preferences jsonb not null default '{}',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint users_telegram_user_id_key unique (telegram_user_id),
  constraint users_id_fkey foreign key (id) references auth.users (id) on delete cascade,
  constraint users_display_name_length check (char_length(display_name) between 1 and 100),
  constraint users_companion_name_length check (char_length(companion_name) between 1 and 50),
  constraint users_location_length check (char_length(location) between 1 and 200),
  constraint users_preferred_message_time_check check (preferred_message_time < '24:00'),
  constraint users_support_style_check check (support_style in ('motivational', 'friendly_checkin', 'accountability', 'listener')),
  constraint users_subscription_status_check check (subscription_status in ('free', 'premium', 'cancelled')),
  constraint users_telegram_user_id_range check (telegram_user_id >= 1),
  constraint users_telegram_both_or_neither check ((telegram_user_id is null) = (telegram_linked_at is null)),
  constraint users_flux_generations_used_range check (flux_generations_used >= 0),
  constraint users_messages_sent_count_range check (messages_sent_count >= 0),
  constraint users_preferences_object check (jsonb_typeof(preferences) = 'object'),
  -- The one key with behaviour (C11): /pause and a blocked bot set it; the planner reads it.
  constraint users_preferences_daily_messages_paused_boolean
    check (coalesce(jsonb_typeof(preferences -> 'daily_messages_paused'), 'boolean') = 'boolean')
);
create trigger users_set_updated_at before update on companion.users
  for each row execute function companion.set_updated_at();
create trigger users_check_timezone before insert or update of timezone on companion.users
  for each row execute function companion.check_timezone();

-- ---------------------------------------------------------------------------------------------
-- onboarding: one row per user, the steps' partial inputs
-- ---------------------------------------------------------------------------------------------

create table companion.onboarding (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null default auth.uid(),
  current_step text not null default 'welcome',
  completed_at timestamptz,
  data jsonb not null default '{}',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint onboarding_user_id_key unique (user_id),
  constraint onboarding_user_id_fkey foreign key (user_id) references companion.users (id) on delete cascade,
  constraint onboarding_current_step_length check (char_length(current_step) between 1 and 50),
  -- [dec] completed means the step 'complete' (complete_onboarding sets both).
  constraint onboarding_completed_is_complete check (completed_at is null or current_step = 'complete'),
  constraint onboarding_data_object check (jsonb_typeof(data) = 'object')
);
create trigger onboarding_set_updated_at before update on companion.onboarding
  for each row execute function companion.set_updated_at();

-- ---------------------------------------------------------------------------------------------
-- conversations and messages
-- ---------------------------------------------------------------------------------------------

create table companion.conversations (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null default auth.uid(),
  channel text not null default 'web',
  initiated_by text not null default 'user',
  started_at timestamptz not null default now(),
  ended_at timestamptz,
  message_count integer not null default 0,
  mood_summary text,
  topics jsonb not null default '[]',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint conversations_user_id_fkey foreign key (user_id) references companion.users (id) on delete cascade,
  constraint conversations_channel_check check (channel in ('web', 'telegram', 'whatsapp')),
  constraint conversations_initiated_by_check check (initiated_by in ('user', 'companion')),
  constraint conversations_ended_after_started check (ended_at >= started_at),
  constraint conversations_message_count_range check (message_count >= 0),
  constraint conversations_mood_summary_length check (char_length(mood_summary) between 1 and 2000),
  constraint conversations_topics_array check (jsonb_typeof(topics) = 'array')
);
create index conversations_user_id_idx on companion.conversations (user_id);
create index conversations_started_at_idx on companion.conversations (started_at desc);
-- One open thread per user and channel: find-or-create is race-free with
-- `on conflict (user_id, channel) where ended_at is null`.
create unique index conversations_one_open_per_channel on companion.conversations (user_id, channel)
  where ended_at is null;
create trigger conversations_set_updated_at before update on companion.conversations
  for each row execute function companion.set_updated_at();

create table companion.messages (
  id uuid primary key default gen_random_uuid(),
  conversation_id uuid not null,
  role text not null,
  content text not null,
  telegram_message_id integer,
  metadata jsonb not null default '{}',
  created_at timestamptz not null default now(),
  constraint messages_conversation_id_fkey foreign key (conversation_id) references companion.conversations (id) on delete cascade,
  constraint messages_role_check check (role in ('user', 'assistant')),
  -- Telegram's sendMessage takes 1 to 4096 characters [dec].
  constraint messages_content_length check (char_length(content) between 1 and 4096),
  constraint messages_metadata_object check (jsonb_typeof(metadata) = 'object')
);
create index messages_conversation_id_idx on companion.messages (conversation_id);
create index messages_created_at_idx on companion.messages (created_at desc);
create trigger messages_bump_conversation after insert on companion.messages
  for each row execute function companion.bump_conversation();

-- ---------------------------------------------------------------------------------------------
-- user_context: what the companion remembers about the user
-- ---------------------------------------------------------------------------------------------

create table companion.user_context (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null default auth.uid(),
  category text not null,
  key text not null,
  value text not null,
  importance_score double precision not null default 0.5,
  emotional_valence integer not null default 0,
  -- [dec] A row a signed-in user adds is 'manual', one the backend extracts 'extracted': the
  -- default follows the role that inserts, and users may not write the column (the insert
  -- policy holds it to 'manual' too).
  source text not null default companion.default_context_source(),
  expires_at timestamptz,
  last_referenced_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  -- The upsert key (`on_conflict=user_id,category,key`); leading with user_id, it also serves
  -- the foreign key and the policies, so [schema]'s separate user_id index is not made (C13).
  constraint user_context_user_id_category_key_key unique (user_id, category, key),
  constraint user_context_user_id_fkey foreign key (user_id) references companion.users (id) on delete cascade,
  constraint user_context_category_check check (category in ('fact', 'preference', 'event', 'goal', 'relationship',
    'emotion', 'situation', 'routine', 'struggle')),
  constraint user_context_key_length check (char_length(key) between 1 and 100),
  constraint user_context_value_length check (char_length(value) between 1 and 2000),
  constraint user_context_importance_score_range check (importance_score >= 0 and importance_score <= 1),
  -- -2 to +2, written with abs(): the generator reads no negative bound, so the core holds this
  -- one as a rule of its hand-written half.
  constraint user_context_emotional_valence_range check (abs(emotional_valence) < 3),
  constraint user_context_source_check check (source in ('extracted', 'manual'))
);
create index user_context_category_idx on companion.user_context (category);
create trigger user_context_set_updated_at before update on companion.user_context
  for each row execute function companion.set_updated_at();

-- ---------------------------------------------------------------------------------------------
-- scheduled_messages: the daily check-ins (backend only, readable by their user)
-- ---------------------------------------------------------------------------------------------

create table companion.scheduled_messages (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null,
  conversation_id uuid,
  scheduled_for timestamptz not null,
  content text,
  status text not null default 'pending',
  sent_at timestamptz,
  failure_reason text,
  created_at timestamptz not null default now(),
  local_date date not null,
  -- One check-in per user and local day: "prevent duplicate sends" without check-then-act (C6).
  constraint scheduled_messages_user_id_local_date_key unique (user_id, local_date),
  constraint scheduled_messages_user_id_fkey foreign key (user_id) references companion.users (id) on delete cascade,
  constraint scheduled_messages_conversation_id_fkey foreign key (conversation_id)
    references companion.conversations (id) on delete set null,
  constraint scheduled_messages_content_length check (char_length(content) between 1 and 4096),
  constraint scheduled_messages_status_check check (status in ('pending', 'processing', 'sent', 'failed', 'skipped')),
  -- [dec] A sent check-in has its sending time. Its conversation_id is set when it is sent but
  -- not held here: the foreign key sets it null when that conversation goes, which such a check
  -- would refuse (deleting a user or a thread would fail on it).
  constraint scheduled_messages_sent_has_sent_at check (status <> 'sent' or sent_at is not null),
  constraint scheduled_messages_failed_has_reason check (status not in ('failed', 'skipped') or failure_reason is not null)
);
-- The unique key leads with user_id (foreign key, policy); the claim reads due pending rows.
create index scheduled_messages_status_scheduled_for_idx on companion.scheduled_messages (status, scheduled_for);
create index scheduled_messages_conversation_id_idx on companion.scheduled_messages (conversation_id);

-- ---------------------------------------------------------------------------------------------
-- telegram_link_tokens: one-time deep-link tokens (backend only: bearer secrets)
-- ---------------------------------------------------------------------------------------------

create table companion.telegram_link_tokens (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null,
  -- [dec] 32 random bytes (256 bits) from pgcrypto's CSPRNG, base64url without padding: 43
  -- characters, within the 64 of Telegram's `start` payload. Made by the database, so no writer
  -- can forget the randomness. Stored as is: it lives 15 minutes, is used once, and only the
  -- service role may read the table.
  token text not null default rtrim(translate(encode(extensions.gen_random_bytes(32), 'base64'), '+/', '-_'), '='),
  expires_at timestamptz not null default (now() + interval '15 minutes'),
  used_at timestamptz,
  created_at timestamptz not null default now(),
  -- Unique; [schema]'s plain index on token would duplicate it and is not made (C13).
  constraint telegram_link_tokens_token_key unique (token),
  constraint telegram_link_tokens_user_id_fkey foreign key (user_id) references companion.users (id) on delete cascade,
  constraint telegram_link_tokens_token_length check (char_length(token) between 32 and 64),
  -- Telegram's `start` payload alphabet (base64url): no character but A-Z, a-z, 0-9, _ and -.
  -- Not a domain: the core has no kind for this format, so its hand-written half holds the rule
  -- (the length is the column's kind).
  constraint telegram_link_tokens_token_url_safe check (token !~ '[^A-Za-z0-9_-]')
);
create index telegram_link_tokens_user_id_idx on companion.telegram_link_tokens (user_id);

-- ---------------------------------------------------------------------------------------------
-- the text and time rules of every table (as in yachtparty): free text trimmed and not blank,
-- dates and times finite; `<table>_<column>_check`
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
     where cl.relnamespace = 'companion'::regnamespace and cl.relkind = 'r'
       and a.attnum > 0 and not a.attisdropped and t.typtype <> 'd'
       -- columns with a CHECK list of their own (statuses, types) are already exact
       and not exists (select 1 from pg_constraint k where k.conrelid = cl.oid
                         and k.conname = cl.relname || '_' || a.attname || '_check')
     order by cl.relname, a.attnum
  loop
    if c.typ = 'text' or c.typ like 'character varying%' then
      execute format('alter table companion.%I add constraint %I check (rowgate.is_trimmed_text(%I))',
                     c.tab, c.tab || '_' || c.col || '_check', c.col);
    elsif c.typ in ('timestamp with time zone', 'date') then
      execute format('alter table companion.%I add constraint %I check (isfinite(%I))',
                     c.tab, c.tab || '_' || c.col || '_check', c.col);
    end if;
  end loop;
end;
$$;
