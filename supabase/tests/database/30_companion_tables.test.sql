-- companion's tables (20261203003000..3030): the 7 tables with exactly their columns, keys,
-- constraint names and indexes (C13: none of the redundant ones); the platform's domains for the
-- email and the WhatsApp number; every foreign key with its delete rule and an index; row-level
-- security on every table (C4); the triggers that keep updated_at, check the time zone and count
-- messages; the owner columns defaulting to the caller; and the documentation of every table and
-- column, which the generator carries into the core and docs/tables.md. Runs as the owner; what
-- each table refuses is 31_companion_constraints, who may touch what 32_companion_access.
begin;
select plan(134);

-- ---------------------------------------------------------------------------------------------
-- helpers for this file only, in pg_temp so that they vanish with the session (the shared ones
-- are tests.*, installed by 000_setup_test_helpers)
-- ---------------------------------------------------------------------------------------------

-- A row id of this run's own, known before the row is written: the same label gives the same
-- id within the transaction, and another transaction gets others.
create function pg_temp.id(label text) returns uuid
language sql stable as $$ select md5(format('pgtap-30-%s-%s', label, txid_current()))::uuid $$;

-- A table as a whole: it exists, has exactly these columns, is keyed by id, has exactly these
-- named constraints (the API maps their names to fields: renaming one is a breaking change) and
-- exactly these indexes, and row-level security is on.
create function pg_temp.table_is(tbl text, cols text[], cons text[], idx text[]) returns setof text
language plpgsql as $$
begin
  return next has_table('companion', tbl, format('companion.%s exists', tbl));
  return next columns_are('companion', tbl, cols::name[], format('companion.%s has exactly its %s columns', tbl, cardinality(cols)));
  return next col_is_pk('companion', tbl, 'id', format('companion.%s is keyed by id', tbl));
  return next results_eq(format('select c collate "default" from tests.constraints_of(%L) c', 'companion.' || tbl), cons,
    format('companion.%s has exactly its named constraints', tbl));
  return next indexes_are('companion', tbl, idx::name[], format('companion.%s has exactly its indexes', tbl));
  return next ok((select relrowsecurity from pg_class where oid = format('companion.%I', tbl)::regclass),
    format('companion.%s has row-level security enabled', tbl));
end
$$;

-- A backdated row must move to now() (the transaction's start) on any change, even one that
-- tries to set updated_at itself, and keep its created_at.
create function pg_temp.maintains_updated_at(tbl text, insert_statement text, change text) returns setof text
language plpgsql as $$
begin
  return next lives_ok(insert_statement, format('a backdated row is inserted into companion.%s', tbl));
  return next lives_ok(format('update companion.%I set %s, updated_at = ''2000-01-01'' where id = %L', tbl, change, pg_temp.id(tbl)),
    format('the companion.%s row is changed', tbl));
  return next results_eq(format('select updated_at, created_at from companion.%I where id = %L', tbl, pg_temp.id(tbl)),
    $q$ values (now(), '2020-01-01'::timestamptz) $q$,
    format('changing a companion.%s row sets updated_at to now and leaves created_at', tbl));
end
$$;

-- ---------------------------------------------------------------------------------------------
-- the schema
-- ---------------------------------------------------------------------------------------------

select has_schema('companion');
select schema_privs_are('companion', 'anon', array['USAGE'], 'anon may use the schema (each table still refuses it)');
select schema_privs_are('companion', 'authenticated', array['USAGE'], 'authenticated may use the schema');
select schema_privs_are('companion', 'service_role', array['USAGE'], 'service_role may use the schema');
select tables_are('companion', array['users', 'onboarding', 'conversations', 'messages', 'user_context',
  'scheduled_messages', 'telegram_link_tokens'],
  'companion has exactly its 7 tables');
select views_are('companion', array[]::name[], 'companion has no view');
select materialized_views_are('companion', array[]::name[], 'companion has no materialized view');
select has_function('companion', f, array[]::name[], format('companion.%s() exists', f))
  from unnest(array['set_updated_at', 'check_timezone', 'bump_conversation', 'jwt_email', 'default_context_source']) f;
-- The specification's counts: 78 = the 77 of [schema] and scheduled_messages.local_date; the
-- functions' migration (20261203003200) adds scheduled_messages.claimed_at.
select is(
  (select count(*) from pg_attribute a join pg_class c on c.oid = a.attrelid
    where c.relnamespace = 'companion'::regnamespace and c.relkind = 'r' and a.attnum > 0 and not a.attisdropped),
  79::bigint,
  'companion''s 7 tables have 79 columns: the specification''s 78 and scheduled_messages.claimed_at');
select ok(exists (select from pg_extension where extname = 'pgcrypto' and extnamespace = 'extensions'::regnamespace),
  'pgcrypto, whose gen_random_bytes makes the link tokens, lives in extensions');

-- ---------------------------------------------------------------------------------------------
-- formats and types: the email and the WhatsApp number are of the platform's domains; the
-- Telegram ids fit their sizes (a user id has at most 52 bits, a message_id 32)
-- ---------------------------------------------------------------------------------------------

select results_eq(
  $$ select format('%s.%s %s', c.relname, a.attname, format_type(a.atttypid, null)) collate "default"
       from pg_attribute a join pg_class c on c.oid = a.attrelid join pg_type t on t.oid = a.atttypid
      where c.relnamespace = 'companion'::regnamespace and c.relkind = 'r' and a.attnum > 0
        and not a.attisdropped and t.typtype = 'd'
      order by 1 $$,
  array['users.email rowgate.email', 'users.whatsapp_number rowgate.e164_phone'],
  'exactly these columns are of a domain: the email and the WhatsApp number');
select results_eq(
  $$ select format('%s.%s %s', c.relname, a.attname, format_type(a.atttypid, a.atttypmod)) collate "default"
       from pg_attribute a join pg_class c on c.oid = a.attrelid
      where c.relnamespace = 'companion'::regnamespace and c.relkind = 'r' and a.attnum > 0 and not a.attisdropped
        and a.attname in ('telegram_user_id', 'telegram_message_id', 'preferred_message_time', 'local_date',
                          'importance_score', 'emotional_valence')
      order by 1 $$,
  array['messages.telegram_message_id integer', 'scheduled_messages.local_date date',
        'user_context.emotional_valence integer', 'user_context.importance_score double precision',
        'users.preferred_message_time time without time zone', 'users.telegram_user_id numeric(16,0)'],
  'Telegram user ids are exact whole numbers of up to 16 digits, message ids 32-bit integers; the check-in has a local time and day');
select is_empty(
  $$ select format('%s.%s %s', c.relname, a.attname, format_type(a.atttypid, a.atttypmod))
       from pg_attribute a join pg_class c on c.oid = a.attrelid
      where c.relnamespace = 'companion'::regnamespace and c.relkind = 'r' and a.attnum > 0 and not a.attisdropped
        and format_type(a.atttypid, a.atttypmod) not in ('uuid', 'text', 'jsonb', 'integer', 'double precision',
          'timestamp with time zone', 'date', 'time without time zone', 'numeric(16,0)', 'rowgate.email', 'rowgate.e164_phone') $$,
  'every column is of a type the core shapes');

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
       from pg_constraint c where c.contype = 'f' and c.connamespace = 'companion'::regnamespace order by 1 $$,
  array['conversations_user_id_fkey (user_id) -> companion.users (id) on delete cascade',
        'messages_conversation_id_fkey (conversation_id) -> companion.conversations (id) on delete cascade',
        'onboarding_user_id_fkey (user_id) -> companion.users (id) on delete cascade',
        'scheduled_messages_conversation_id_fkey (conversation_id) -> companion.conversations (id) on delete set null',
        'scheduled_messages_user_id_fkey (user_id) -> companion.users (id) on delete cascade',
        'telegram_link_tokens_user_id_fkey (user_id) -> companion.users (id) on delete cascade',
        'user_context_user_id_fkey (user_id) -> companion.users (id) on delete cascade',
        'users_id_fkey (id) -> auth.users (id) on delete cascade'],
  'companion has exactly these foreign keys, with these delete rules');
-- Lint unindexed_foreign_key: no foreign key of the schema without an index leading with its
-- columns (in their order), so a delete of the parent and a join from it never scan the child.
select is_empty(
  $$ select c.conrelid::regclass || ' ' || c.conname
       from pg_constraint c
      where c.contype = 'f' and c.connamespace = 'companion'::regnamespace
        and not exists (
          select from pg_index i
           where i.indrelid = c.conrelid
             and (string_to_array(i.indkey::text, ' ')::int2[])[1:cardinality(c.conkey)] = c.conkey) $$,
  'every companion foreign key has an index leading with its columns');
-- C3: no owner or parent column may be null.
select is_empty(
  $$ select c.conrelid::regclass || '.' || a.attname
       from pg_constraint c join pg_attribute a on a.attrelid = c.conrelid and a.attnum = any (c.conkey)
      where c.contype = 'f' and c.connamespace = 'companion'::regnamespace and not a.attnotnull
        and c.conname <> 'scheduled_messages_conversation_id_fkey' $$,
  'every owner and parent column is NOT NULL (C3); only a check-in''s conversation is optional');

-- ---------------------------------------------------------------------------------------------
-- row-level security: on for all 7 tables (C4)
-- ---------------------------------------------------------------------------------------------

select is_empty(
  $$ select relname from pg_class where relnamespace = 'companion'::regnamespace and relkind in ('r', 'p') and not relrowsecurity $$,
  'every companion table has row-level security enabled');

-- ---------------------------------------------------------------------------------------------
-- each table: columns, key, constraint names, indexes, row-level security
-- ---------------------------------------------------------------------------------------------

select pg_temp.table_is('users',
  array['id', 'email', 'display_name', 'companion_name', 'timezone', 'preferred_message_time', 'support_style',
        'location', 'telegram_user_id', 'telegram_username', 'telegram_linked_at', 'whatsapp_number',
        'whatsapp_linked_at', 'onboarding_completed_at', 'subscription_status', 'subscription_expires_at',
        'lemonsqueezy_customer_id', 'lemonsqueezy_subscription_id', 'flux_generations_used',
        'flux_generations_reset_at', 'messages_sent_count', 'messages_reset_at', 'preferences', 'created_at',
        'updated_at'],
  array['users_companion_name_check c', 'users_companion_name_length c', 'users_created_at_check c',
        'users_display_name_check c', 'users_display_name_length c', 'users_flux_generations_reset_at_check c',
        'users_flux_generations_used_range c', 'users_id_fkey f', 'users_lemonsqueezy_customer_id_check c',
        'users_lemonsqueezy_subscription_id_check c', 'users_location_check c', 'users_location_length c',
        'users_messages_reset_at_check c', 'users_messages_sent_count_range c', 'users_onboarding_completed_at_check c',
        'users_pkey p', 'users_preferences_daily_messages_paused_boolean c', 'users_preferences_object c',
        'users_preferred_message_time_check c', 'users_subscription_expires_at_check c',
        'users_subscription_status_check c', 'users_support_style_check c', 'users_telegram_both_or_neither c',
        'users_telegram_linked_at_check c', 'users_telegram_user_id_key u', 'users_telegram_user_id_range c',
        'users_telegram_username_check c', 'users_timezone_check c', 'users_updated_at_check c',
        'users_whatsapp_linked_at_check c'],
  array['users_pkey', 'users_telegram_user_id_key']);

select pg_temp.table_is('onboarding',
  array['id', 'user_id', 'current_step', 'completed_at', 'data', 'created_at', 'updated_at'],
  array['onboarding_completed_at_check c', 'onboarding_completed_is_complete c', 'onboarding_created_at_check c',
        'onboarding_current_step_check c', 'onboarding_current_step_length c', 'onboarding_data_object c',
        'onboarding_pkey p', 'onboarding_updated_at_check c', 'onboarding_user_id_fkey f', 'onboarding_user_id_key u'],
  array['onboarding_pkey', 'onboarding_user_id_key']);

select pg_temp.table_is('conversations',
  array['id', 'user_id', 'channel', 'initiated_by', 'started_at', 'ended_at', 'message_count', 'mood_summary',
        'topics', 'created_at', 'updated_at'],
  array['conversations_channel_check c', 'conversations_created_at_check c', 'conversations_ended_after_started c',
        'conversations_ended_at_check c', 'conversations_initiated_by_check c', 'conversations_message_count_range c',
        'conversations_mood_summary_check c', 'conversations_mood_summary_length c', 'conversations_pkey p',
        'conversations_started_at_check c', 'conversations_topics_array c', 'conversations_updated_at_check c',
        'conversations_user_id_fkey f'],
  array['conversations_pkey', 'conversations_user_id_idx', 'conversations_started_at_idx',
        'conversations_one_open_per_channel']);

select pg_temp.table_is('messages',
  array['id', 'conversation_id', 'role', 'content', 'telegram_message_id', 'metadata', 'created_at'],
  array['messages_content_check c', 'messages_content_length c', 'messages_conversation_id_fkey f',
        'messages_created_at_check c', 'messages_metadata_object c', 'messages_pkey p', 'messages_role_check c'],
  array['messages_pkey', 'messages_conversation_id_idx', 'messages_created_at_idx']);

select pg_temp.table_is('user_context',
  array['id', 'user_id', 'category', 'key', 'value', 'importance_score', 'emotional_valence', 'source', 'expires_at',
        'last_referenced_at', 'created_at', 'updated_at'],
  array['user_context_category_check c', 'user_context_created_at_check c', 'user_context_emotional_valence_range c',
        'user_context_expires_at_check c', 'user_context_importance_score_range c', 'user_context_key_check c',
        'user_context_key_length c', 'user_context_last_referenced_at_check c', 'user_context_pkey p',
        'user_context_source_check c', 'user_context_updated_at_check c', 'user_context_user_id_category_key_key u',
        'user_context_user_id_fkey f', 'user_context_value_check c', 'user_context_value_length c'],
  array['user_context_pkey', 'user_context_user_id_category_key_key', 'user_context_category_idx']);

select pg_temp.table_is('scheduled_messages',
  array['id', 'user_id', 'conversation_id', 'scheduled_for', 'content', 'status', 'sent_at', 'failure_reason',
        'created_at', 'local_date', 'claimed_at'],
  array['scheduled_messages_claimed_at_check c', 'scheduled_messages_content_check c',
        'scheduled_messages_content_length c', 'scheduled_messages_conversation_id_fkey f',
        'scheduled_messages_created_at_check c', 'scheduled_messages_failed_has_reason c',
        'scheduled_messages_failure_reason_check c', 'scheduled_messages_local_date_check c', 'scheduled_messages_pkey p',
        'scheduled_messages_scheduled_for_check c', 'scheduled_messages_sent_at_check c',
        'scheduled_messages_sent_has_sent_at c', 'scheduled_messages_status_check c', 'scheduled_messages_user_id_fkey f',
        'scheduled_messages_user_id_local_date_key u'],
  array['scheduled_messages_pkey', 'scheduled_messages_user_id_local_date_key',
        'scheduled_messages_status_scheduled_for_idx', 'scheduled_messages_conversation_id_idx']);

select pg_temp.table_is('telegram_link_tokens',
  array['id', 'user_id', 'token', 'expires_at', 'used_at', 'created_at'],
  array['telegram_link_tokens_created_at_check c', 'telegram_link_tokens_expires_at_check c',
        'telegram_link_tokens_pkey p', 'telegram_link_tokens_token_check c', 'telegram_link_tokens_token_key u',
        'telegram_link_tokens_token_length c', 'telegram_link_tokens_token_url_safe c',
        'telegram_link_tokens_used_at_check c', 'telegram_link_tokens_user_id_fkey f'],
  array['telegram_link_tokens_pkey', 'telegram_link_tokens_token_key', 'telegram_link_tokens_user_id_idx']);

-- ---------------------------------------------------------------------------------------------
-- unique keys and indexes (C13: the redundant ones are not made)
-- ---------------------------------------------------------------------------------------------

select col_is_unique('companion', 'users', array['telegram_user_id']::name[], 'a Telegram account links one profile');
select col_is_unique('companion', 'onboarding', array['user_id']::name[], 'one onboarding per user');
select col_is_unique('companion', 'user_context', array['user_id', 'category', 'key']::name[],
  'one memory per user, category and key: the upsert key');
select col_is_unique('companion', 'scheduled_messages', array['user_id', 'local_date']::name[],
  'one check-in per user and local day (C6)');
select col_is_unique('companion', 'telegram_link_tokens', array['token']::name[], 'a token is unique');
select is_empty(
  $$ select i.indexrelid::regclass::text
       from pg_index i
       join (values ('companion.telegram_link_tokens'::regclass, 'token'), ('companion.user_context'::regclass, 'user_id'),
                    ('companion.scheduled_messages'::regclass, 'user_id')) r(tbl, col) on i.indrelid = r.tbl
      where not i.indisunique
        and i.indkey::text = (select attnum::text from pg_attribute where attrelid = r.tbl and attname = r.col) $$,
  'no plain index duplicates a unique key: none on token alone, none on user_id alone where a key leads with it (C13)');
select has_index('companion', 'conversations', 'conversations_started_at_idx', array['started_at'],
  'conversations are indexed by started_at (the seed''s listing)');
select is((select (indoption[0] & 1)::integer from pg_index where indexrelid = 'companion.conversations_started_at_idx'::regclass),
  1, 'in descending order');
select has_index('companion', 'scheduled_messages', 'scheduled_messages_status_scheduled_for_idx',
  array['status', 'scheduled_for'], 'the claim finds due pending check-ins by status and time');

-- The partial unique index: one open conversation per user and channel.
select has_index('companion', 'conversations', 'conversations_one_open_per_channel', array['user_id', 'channel'],
  'conversations_one_open_per_channel is on (user_id, channel)');
select index_is_unique('companion', 'conversations', 'conversations_one_open_per_channel',
  'conversations_one_open_per_channel is unique');
select is((select pg_get_expr(indpred, indrelid) from pg_index where indexrelid = 'companion.conversations_one_open_per_channel'::regclass),
  '(ended_at IS NULL)',
  'over the open conversations only (find-or-create: on conflict (user_id, channel) where ended_at is null)');

-- What it refuses and allows, on rows of this run's own.
select tests.create_supabase_user('ann');
select tests.create_supabase_user('bob');
select lives_ok(
  format($$ insert into companion.users (id) values (%L), (%L) $$, tests.get_supabase_uid('ann'), tests.get_supabase_uid('bob')),
  'two profiles for two Auth users');
select lives_ok(
  format($$ insert into companion.conversations (id, user_id, channel) values (%L, %L, 'web'), (%L, %L, 'telegram') $$,
         pg_temp.id('ann-web'), tests.get_supabase_uid('ann'), pg_temp.id('ann-telegram'), tests.get_supabase_uid('ann')),
  'a user has an open web and an open telegram conversation');
select throws_ok(
  format($$ insert into companion.conversations (user_id, channel) values (%L, 'web') $$, tests.get_supabase_uid('ann')),
  '23505', 'duplicate key value violates unique constraint "conversations_one_open_per_channel"',
  'a second open conversation on the same channel is refused');
select lives_ok(
  format($$ insert into companion.conversations (user_id, channel, started_at, ended_at)
            values (%1$L, 'web', '2026-01-01', '2026-01-02'), (%1$L, 'web', '2026-01-03', '2026-01-04') $$, tests.get_supabase_uid('ann')),
  'ended conversations on that channel are accepted beside the open one');
select lives_ok(
  format($$ insert into companion.conversations (user_id, channel) values (%L, 'web') $$, tests.get_supabase_uid('bob')),
  'another user has an open web conversation of their own');
select is(
  (select c.id from companion.conversations c
    where c.user_id = tests.get_supabase_uid('ann') and c.channel = 'telegram' and c.ended_at is null),
  pg_temp.id('ann-telegram'),
  'the open telegram conversation is found by (user_id, channel)');
select lives_ok(
  format($$ insert into companion.conversations as c (user_id, channel) values (%L, 'telegram')
            on conflict (user_id, channel) where ended_at is null do update set updated_at = now() $$,
         tests.get_supabase_uid('ann')),
  'find-or-create on the partial key takes the open conversation instead of failing');
select results_eq(
  format($$ select id from companion.conversations where user_id = %L and channel = 'telegram' $$, tests.get_supabase_uid('ann')),
  format($$ values (%L::uuid) $$, pg_temp.id('ann-telegram')),
  'and makes no second one');

-- ---------------------------------------------------------------------------------------------
-- defaults: the owner is the caller; the specification's defaults; the token is the database's
-- ---------------------------------------------------------------------------------------------

select col_default_is('companion', t, c, 'auth.uid()', format('companion.%s.%s defaults to the caller, auth.uid()', t, c))
  from (values ('users', 'id'), ('onboarding', 'user_id'), ('conversations', 'user_id'), ('user_context', 'user_id')) as x(t, c);
select col_hasnt_default('companion', t, 'user_id', format('companion.%s.user_id has no default: only the backend writes it', t))
  from unnest(array['scheduled_messages', 'telegram_link_tokens']) t;
select col_default_is('companion', 'users', 'email', 'companion.jwt_email()', 'users.email defaults to the token''s email');
select results_eq(
  $$ select a.attname::text collate "default", pg_get_expr(d.adbin, d.adrelid) collate "default"
       from pg_attrdef d join pg_attribute a on a.attrelid = d.adrelid and a.attnum = d.adnum
      where d.adrelid = 'companion.users'::regclass
        and a.attname in ('companion_name', 'timezone', 'preferred_message_time', 'support_style', 'subscription_status',
                          'flux_generations_used', 'messages_sent_count', 'preferences')
      order by a.attnum $$,
  $$ values ('companion_name', '''Aria''::text'), ('timezone', '''America/New_York''::text'),
            ('preferred_message_time', '''09:00:00''::time without time zone'),
            ('support_style', '''friendly_checkin''::text'), ('subscription_status', '''free''::text'),
            ('flux_generations_used', '0'), ('messages_sent_count', '0'), ('preferences', '''{}''::jsonb') $$,
  'a profile starts as the specification says: Aria, New York, 09:00, friendly check-ins, free, nothing used, no preferences');
select col_default_is('companion', 'onboarding', 'current_step', 'welcome', 'onboarding starts at the welcome step');
select col_default_is('companion', 'conversations', 'channel', 'web', 'a conversation is on the web unless said otherwise');
select col_default_is('companion', 'conversations', 'initiated_by', 'user', 'and started by the user');
select col_default_is('companion', 'user_context', 'importance_score', '0.5', 'a memory is of middling importance');
select col_default_is('companion', 'user_context', 'source', 'companion.default_context_source()',
  'a memory''s source follows the role that adds it');
select col_default_is('companion', 'scheduled_messages', 'status', 'pending', 'a check-in starts pending');
select col_default_is('companion', 'telegram_link_tokens', 'expires_at', $$(now() + '00:15:00'::interval)$$,
  'a link token expires 15 minutes after it is made');
-- The default names the function in `extensions` (pg_get_expr leaves the schema out when it is on
-- the search path, so the default's dependency is asked instead).
select ok(
  exists (select from pg_attrdef d join pg_depend dep on dep.classid = 'pg_attrdef'::regclass and dep.objid = d.oid
           where d.adrelid = 'companion.telegram_link_tokens'::regclass
             and d.adnum = (select attnum from pg_attribute where attrelid = 'companion.telegram_link_tokens'::regclass and attname = 'token')
             and dep.refclassid = 'pg_proc'::regclass and dep.refobjid = 'extensions.gen_random_bytes(integer)'::regprocedure)
  and (select pg_get_expr(d.adbin, d.adrelid) from pg_attrdef d
        where d.adrelid = 'companion.telegram_link_tokens'::regclass
          and d.adnum = (select attnum from pg_attribute where attrelid = 'companion.telegram_link_tokens'::regclass and attname = 'token'))
      like $$rtrim(translate(encode(%gen_random_bytes(32), 'base64'::text), '+/'::text, '-_'::text), '='::text)$$,
  'a link token defaults to 32 random bytes of extensions.gen_random_bytes (pgcrypto), base64url without padding');
select lives_ok(
  format($$ insert into companion.telegram_link_tokens (id, user_id) values (%L, %L), (%L, %L) $$,
         pg_temp.id('token-1'), tests.get_supabase_uid('ann'), pg_temp.id('token-2'), tests.get_supabase_uid('ann')),
  'two tokens are made by their defaults');
select is(
  (select count(*) from companion.telegram_link_tokens
    where id in (pg_temp.id('token-1'), pg_temp.id('token-2')) and token ~ '^[A-Za-z0-9_-]{43}$'),
  2::bigint, 'each is 43 characters of base64url');
select isnt(
  (select token from companion.telegram_link_tokens where id = pg_temp.id('token-1')),
  (select token from companion.telegram_link_tokens where id = pg_temp.id('token-2')),
  'and they differ');

-- ---------------------------------------------------------------------------------------------
-- triggers: updated_at on exactly the tables that have it; the time zone; the message count
-- ---------------------------------------------------------------------------------------------

select results_eq(
  $$ select c.relname::text collate "default" from pg_class c
      where c.relnamespace = 'companion'::regnamespace and c.relkind = 'r'
        and exists (select from pg_attribute a where a.attrelid = c.oid and a.attname = 'updated_at' and not a.attisdropped)
      order by 1 $$,
  $$ select c.relname::text collate "default" from pg_trigger t join pg_class c on c.oid = t.tgrelid
      where t.tgfoid = 'companion.set_updated_at'::regproc and not t.tgisinternal order by 1 $$,
  'the tables that have updated_at are exactly those whose trigger keeps it');
select trigger_is('companion', t, t || '_set_updated_at', 'companion', 'set_updated_at',
         format('companion.%s keeps its updated_at with set_updated_at', t))
  from unnest(array['users', 'onboarding', 'conversations', 'user_context']) as t;
select trigger_is('companion', 'users', 'users_check_timezone', 'companion', 'check_timezone',
  'users.timezone is checked against the zones PostgreSQL knows by check_timezone (31_companion_constraints)');
select is(
  (select array_agg(a.attname::text) from pg_trigger t join pg_attribute a on a.attrelid = t.tgrelid and a.attnum = any (t.tgattr)
    where t.tgrelid = 'companion.users'::regclass and t.tgname = 'users_check_timezone'
      and t.tgtype & (4 | 16 | 2) = (4 | 16 | 2)),
  array['timezone'],
  'it fires before insert, and before an update that names timezone');
select trigger_is('companion', 'messages', 'messages_bump_conversation', 'companion', 'bump_conversation',
  'a message is counted in its conversation by bump_conversation');
select is(
  (select (tgtype & (1 | 2 | 4))::integer from pg_trigger where tgrelid = 'companion.messages'::regclass and tgname = 'messages_bump_conversation'),
  1 | 4,
  'after insert, for each row');
select is_definer('companion', 'bump_conversation', array[]::name[],
  'bump_conversation is security definer: a user inserts messages but may not write message_count');

select lives_ok(format($$ insert into auth.users (id) values (%L) $$, pg_temp.id('users')),
  'an Auth user whose profile is backdated');
select pg_temp.maintains_updated_at('users',
  format($$ insert into companion.users (id, created_at, updated_at) values (%L, '2020-01-01', '2020-01-01') $$,
         pg_temp.id('users')),
  'display_name = ''Ada''');
select pg_temp.maintains_updated_at('onboarding',
  format($$ insert into companion.onboarding (id, user_id, created_at, updated_at) values (%L, %L, '2020-01-01', '2020-01-01') $$,
         pg_temp.id('onboarding'), pg_temp.id('users')),
  'current_step = ''goals''');
select pg_temp.maintains_updated_at('conversations',
  format($$ insert into companion.conversations (id, user_id, created_at, updated_at) values (%L, %L, '2020-01-01', '2020-01-01') $$,
         pg_temp.id('conversations'), pg_temp.id('users')),
  'mood_summary = ''calm''');
select pg_temp.maintains_updated_at('user_context',
  format($$ insert into companion.user_context (id, user_id, category, key, value, created_at, updated_at)
            values (%L, %L, 'fact', 'job', 'engineer', '2020-01-01', '2020-01-01') $$,
         pg_temp.id('user_context'), pg_temp.id('users')),
  'value = ''teacher''');

-- bump_conversation: each message counts once and moves updated_at; a message of another
-- conversation does not count here.
select lives_ok(
  format($$ update companion.conversations set updated_at = '2000-01-01', message_count = 0 where id = %L $$, pg_temp.id('conversations')),
  'the conversation is reset to no messages');
select lives_ok(
  format($$ insert into companion.messages (conversation_id, role, content)
            values (%1$L, 'user', 'Hi'), (%1$L, 'assistant', 'Hello!'), (%1$L, 'user', 'How are you?'),
                   (%2$L, 'user', 'Elsewhere') $$,
         pg_temp.id('conversations'), pg_temp.id('ann-web')),
  'three messages in it and one in another conversation');
select results_eq(
  format($$ select message_count, updated_at from companion.conversations where id = %L $$, pg_temp.id('conversations')),
  $$ values (3, now()) $$,
  'the conversation counts its three messages, and its updated_at moves');
select is((select message_count from companion.conversations where id = pg_temp.id('ann-web')), 1,
  'the other conversation counts its one');

-- ---------------------------------------------------------------------------------------------
-- documentation: every table and every column is described (the generator makes them the
-- core's and the reference's documentation)
-- ---------------------------------------------------------------------------------------------

select is_empty(
  $$ select relname from pg_class
      where relnamespace = 'companion'::regnamespace and relkind = 'r'
        and coalesce(obj_description(oid, 'pg_class'), '') = '' $$,
  'every companion table has a comment');
select is_empty(
  $$ select c.relname || '.' || a.attname
       from pg_attribute a join pg_class c on c.oid = a.attrelid
      where c.relnamespace = 'companion'::regnamespace and c.relkind = 'r' and a.attnum > 0 and not a.attisdropped
        and coalesce(col_description(c.oid, a.attnum), '') = '' $$,
  'every companion column has a comment');
select is(col_description('companion.users'::regclass,
            (select attnum from pg_attribute where attrelid = 'companion.users'::regclass and attname = 'email')),
  'A display copy of the Auth email, trimmed and lower-cased; never identity. Taken from the token.',
  'users.email says it is a display copy, never identity (C14)');

select * from finish();
rollback;
