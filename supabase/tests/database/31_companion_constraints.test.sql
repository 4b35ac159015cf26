-- companion: every check constraint of every table, and every check of a domain its columns
-- use, refuses a bad value by its name (which the API maps to a field) and the good values pass;
-- the users.timezone trigger refuses a zone PostgreSQL does not know as if it were a CHECK; the
-- unique keys refuse a second row; the NOT NULL tightenings ("YES→NN", C3) refuse null; free text
-- is trimmed and never blank, dates and times finite. The list of refused cases is checked to be
-- complete, as in 21_yachtparty_constraints. Runs as the owner: who may write what is
-- 32_companion_access. Everything is rolled back.
begin;
select plan(188);

-- ---------------------------------------------------------------------------------------------
-- helpers for this file only, in pg_temp so that they vanish with the session (the shared ones
-- are tests.*, installed by 000_setup_test_helpers)
-- ---------------------------------------------------------------------------------------------

-- A row id of this run's own, known before the row is written. The base row of each table is
-- pg_temp.id('<table>'); the base profile's id is also an Auth user's.
create function pg_temp.id(label text) returns uuid
language sql stable as $$ select md5(format('pgtap-31-%s-%s', label, txid_current()))::uuid $$;

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

-- One bad value per check constraint written by hand (several for the formats and enums): the
-- statement, the constraint that must refuse it, and what is proved. Rows are the base rows made
-- below.
create function pg_temp.bad_values() returns table (statement text, constraint_name name, description text)
language sql as $$
  values
    -- users
    ($s$ update companion.users set email = 'Ada@Rowgate.test' where id = pg_temp.id('users') $s$,
     'email_format', 'an email not in lower case is refused'),
    ($s$ update companion.users set email = 'ada.rowgate.test' where id = pg_temp.id('users') $s$,
     'email_format', 'an email without @ is refused'),
    ($s$ update companion.users set whatsapp_number = '4155550123' where id = pg_temp.id('users') $s$,
     'e164_phone_format', 'a WhatsApp number without + is refused'),
    ($s$ update companion.users set whatsapp_number = '+1 415 555 0123' where id = pg_temp.id('users') $s$,
     'e164_phone_format', 'a WhatsApp number with spaces is refused'),
    ($s$ update companion.users set display_name = repeat('x', 101) where id = pg_temp.id('users') $s$,
     'users_display_name_length', 'a display name over 100 characters is refused'),
    ($s$ update companion.users set companion_name = repeat('x', 51) where id = pg_temp.id('users') $s$,
     'users_companion_name_length', 'a companion name over 50 characters is refused'),
    ($s$ update companion.users set location = repeat('x', 201) where id = pg_temp.id('users') $s$,
     'users_location_length', 'a location over 200 characters is refused'),
    ($s$ update companion.users set preferred_message_time = '24:00' where id = pg_temp.id('users') $s$,
     'users_preferred_message_time_check', 'a check-in at 24:00 is refused (the core takes times below 24:00)'),
    ($s$ update companion.users set support_style = 'coach' where id = pg_temp.id('users') $s$,
     'users_support_style_check', 'an unknown support style is refused'),
    ($s$ update companion.users set support_style = 'Listener' where id = pg_temp.id('users') $s$,
     'users_support_style_check', 'a support style in the wrong case is refused'),
    ($s$ update companion.users set subscription_status = 'trial' where id = pg_temp.id('users') $s$,
     'users_subscription_status_check', 'an unknown subscription status is refused'),
    ($s$ update companion.users set telegram_user_id = 0, telegram_linked_at = now() where id = pg_temp.id('users') $s$,
     'users_telegram_user_id_range', 'a Telegram user id of 0 is refused'),
    ($s$ update companion.users set telegram_user_id = 111, telegram_linked_at = null where id = pg_temp.id('users') $s$,
     'users_telegram_both_or_neither', 'a Telegram user id without its link time is refused'),
    ($s$ update companion.users set telegram_user_id = null, telegram_linked_at = now() where id = pg_temp.id('users') $s$,
     'users_telegram_both_or_neither', 'a link time without a Telegram user id is refused'),
    ($s$ update companion.users set flux_generations_used = -1 where id = pg_temp.id('users') $s$,
     'users_flux_generations_used_range', 'a negative count of image generations is refused'),
    ($s$ update companion.users set messages_sent_count = -1 where id = pg_temp.id('users') $s$,
     'users_messages_sent_count_range', 'a negative count of messages sent is refused'),
    ($s$ update companion.users set preferences = '[]' where id = pg_temp.id('users') $s$,
     'users_preferences_object', 'preferences that are not a JSON object are refused (C11)'),
    ($s$ update companion.users set preferences = '{"daily_messages_paused": "yes"}' where id = pg_temp.id('users') $s$,
     'users_preferences_daily_messages_paused_boolean', 'daily_messages_paused as a string is refused (C11)'),
    ($s$ update companion.users set preferences = '{"daily_messages_paused": null}' where id = pg_temp.id('users') $s$,
     'users_preferences_daily_messages_paused_boolean', 'daily_messages_paused as JSON null is refused'),
    ($s$ update companion.users set preferences = '{"daily_messages_paused": 1}' where id = pg_temp.id('users') $s$,
     'users_preferences_daily_messages_paused_boolean', 'daily_messages_paused as a number is refused'),
    ($s$ update companion.users set timezone = 'Mars/Base' where id = pg_temp.id('users') $s$,
     'users_timezone_check', 'a time zone PostgreSQL does not know is refused (by the trigger, under the CHECK''s name)'),
    ($s$ update companion.users set timezone = ' Europe/Brussels' where id = pg_temp.id('users') $s$,
     'users_timezone_check', 'a time zone with a leading space is refused'),
    -- onboarding
    ($s$ update companion.onboarding set current_step = repeat('x', 51) where id = pg_temp.id('onboarding') $s$,
     'onboarding_current_step_length', 'a step name over 50 characters is refused'),
    ($s$ update companion.onboarding set completed_at = now() where id = pg_temp.id('onboarding') $s$,
     'onboarding_completed_is_complete', 'a completion time while the step is not complete is refused'),
    ($s$ update companion.onboarding set data = '"name"' where id = pg_temp.id('onboarding') $s$,
     'onboarding_data_object', 'onboarding data that is not a JSON object is refused'),
    -- conversations
    ($s$ update companion.conversations set channel = 'sms' where id = pg_temp.id('conversations') $s$,
     'conversations_channel_check', 'an unknown channel is refused'),
    ($s$ update companion.conversations set channel = 'Web' where id = pg_temp.id('conversations') $s$,
     'conversations_channel_check', 'a channel in the wrong case is refused'),
    ($s$ update companion.conversations set initiated_by = 'system' where id = pg_temp.id('conversations') $s$,
     'conversations_initiated_by_check', 'an unknown initiator is refused'),
    ($s$ update companion.conversations set ended_at = started_at - interval '1 second' where id = pg_temp.id('conversations') $s$,
     'conversations_ended_after_started', 'a conversation ending before it started is refused'),
    ($s$ update companion.conversations set message_count = -1 where id = pg_temp.id('conversations') $s$,
     'conversations_message_count_range', 'a negative message count is refused'),
    ($s$ update companion.conversations set mood_summary = repeat('x', 2001) where id = pg_temp.id('conversations') $s$,
     'conversations_mood_summary_length', 'a mood summary over 2000 characters is refused'),
    ($s$ update companion.conversations set topics = '{}' where id = pg_temp.id('conversations') $s$,
     'conversations_topics_array', 'topics that are not a JSON array are refused'),
    -- messages
    ($s$ update companion.messages set role = 'system' where id = pg_temp.id('messages') $s$,
     'messages_role_check', 'a message role other than user and assistant is refused'),
    ($s$ update companion.messages set content = repeat('x', 4097) where id = pg_temp.id('messages') $s$,
     'messages_content_length', 'a message over Telegram''s 4096 characters is refused'),
    ($s$ update companion.messages set metadata = '[]' where id = pg_temp.id('messages') $s$,
     'messages_metadata_object', 'metadata that is not a JSON object is refused'),
    -- user_context
    ($s$ update companion.user_context set category = 'hobby' where id = pg_temp.id('user_context') $s$,
     'user_context_category_check', 'an unknown category is refused'),
    ($s$ update companion.user_context set category = 'Fact' where id = pg_temp.id('user_context') $s$,
     'user_context_category_check', 'a category in the wrong case is refused (the core folds it)'),
    ($s$ update companion.user_context set key = repeat('k', 101) where id = pg_temp.id('user_context') $s$,
     'user_context_key_length', 'a key over 100 characters is refused'),
    ($s$ update companion.user_context set value = repeat('v', 2001) where id = pg_temp.id('user_context') $s$,
     'user_context_value_length', 'a value over 2000 characters is refused'),
    ($s$ update companion.user_context set importance_score = 1.01 where id = pg_temp.id('user_context') $s$,
     'user_context_importance_score_range', 'an importance above 1 is refused'),
    ($s$ update companion.user_context set importance_score = -0.01 where id = pg_temp.id('user_context') $s$,
     'user_context_importance_score_range', 'an importance below 0 is refused'),
    ($s$ update companion.user_context set importance_score = 'NaN' where id = pg_temp.id('user_context') $s$,
     'user_context_importance_score_range', 'an importance of NaN is refused'),
    ($s$ update companion.user_context set emotional_valence = 3 where id = pg_temp.id('user_context') $s$,
     'user_context_emotional_valence_range', 'a valence of 3 is refused'),
    ($s$ update companion.user_context set emotional_valence = -3 where id = pg_temp.id('user_context') $s$,
     'user_context_emotional_valence_range', 'a valence of -3 is refused'),
    ($s$ update companion.user_context set source = 'user' where id = pg_temp.id('user_context') $s$,
     'user_context_source_check', 'an unknown source is refused'),
    -- scheduled_messages
    ($s$ update companion.scheduled_messages set status = 'queued' where id = pg_temp.id('scheduled_messages') $s$,
     'scheduled_messages_status_check', 'an unknown check-in status is refused'),
    ($s$ update companion.scheduled_messages set content = repeat('x', 4097) where id = pg_temp.id('scheduled_messages') $s$,
     'scheduled_messages_content_length', 'a check-in over 4096 characters is refused'),
    ($s$ update companion.scheduled_messages set status = 'sent', sent_at = null where id = pg_temp.id('scheduled_messages') $s$,
     'scheduled_messages_sent_has_sent_at', 'a sent check-in without its sending time is refused'),
    ($s$ update companion.scheduled_messages set status = 'failed', failure_reason = null where id = pg_temp.id('scheduled_messages') $s$,
     'scheduled_messages_failed_has_reason', 'a failed check-in without a reason is refused'),
    ($s$ update companion.scheduled_messages set status = 'skipped', failure_reason = null where id = pg_temp.id('scheduled_messages') $s$,
     'scheduled_messages_failed_has_reason', 'a skipped check-in without a reason is refused'),
    -- telegram_link_tokens
    ($s$ update companion.telegram_link_tokens set token = repeat('a', 31) where id = pg_temp.id('telegram_link_tokens') $s$,
     'telegram_link_tokens_token_length', 'a token of 31 characters is refused'),
    ($s$ update companion.telegram_link_tokens set token = repeat('a', 65) where id = pg_temp.id('telegram_link_tokens') $s$,
     'telegram_link_tokens_token_length', 'a token over Telegram''s 64 characters is refused'),
    ($s$ update companion.telegram_link_tokens set token = repeat('a', 42) || '+' where id = pg_temp.id('telegram_link_tokens') $s$,
     'telegram_link_tokens_token_url_safe', 'a token with + (base64, not base64url) is refused'),
    ($s$ update companion.telegram_link_tokens set token = repeat('a', 43) || '=' where id = pg_temp.id('telegram_link_tokens') $s$,
     'telegram_link_tokens_token_url_safe', 'a token with base64 padding is refused'),
    ($s$ update companion.telegram_link_tokens set token = repeat('a', 20) || 'é' || repeat('a', 20) where id = pg_temp.id('telegram_link_tokens') $s$,
     'telegram_link_tokens_token_url_safe', 'a token with a letter outside ASCII is refused')
$$;

-- The rules every free-text column and every date or time column has (`<table>_<column>_check`,
-- 20261203003010), for the columns the list above does not name: one bad value each, written to
-- the table's base row. Only a constraint of exactly the generated form is taken, so a
-- hand-written check is never covered here but must be in the list above.
create function pg_temp.generated_bad_values() returns table (statement text, constraint_name name, description text)
language sql as $$
  select format('update companion.%I set %I = %s where id = pg_temp.id(%L)', c.relname, a.attname,
                case when k.def like 'CHECK (isfinite(%' then '''infinity''' else ''' padded''' end,
                c.relname),
         k.conname,
         format('companion.%s.%s: %s is refused', c.relname, a.attname,
                case when k.def like 'CHECK (isfinite(%' then 'infinity' else 'a value with a leading space' end)
    from (select con.oid, con.conname, con.conrelid, con.conkey, pg_get_constraintdef(con.oid) as def
            from pg_constraint con
           where con.connamespace = 'companion'::regnamespace and con.contype = 'c') k
    join pg_class c on c.oid = k.conrelid
    join pg_attribute a on a.attrelid = k.conrelid and a.attnum = k.conkey[1] and cardinality(k.conkey) = 1
   where k.conname = c.relname || '_' || a.attname || '_check'
     and k.def in (format('CHECK (isfinite(%s))', a.attname),
                   format('CHECK (rowgate.is_trimmed_text(%s))', a.attname))
     -- updated_at is the trigger's, which overwrites it on update (refused on insert below)
     and a.attname <> 'updated_at'
     and k.conname not in (select b.constraint_name from pg_temp.bad_values() b)
   order by k.conname
$$;

-- The NOT NULL columns: the owner and parent columns (C3), those [schema] left nullable that
-- drive logic ("YES→NN"), and the rest: the statement, table, column.
create function pg_temp.null_values() returns table (statement text, table_name name, column_name name)
language sql as $$
  select format('update companion.%I set %I = null where id = pg_temp.id(%L)', c.relname, a.attname, c.relname),
         c.relname, a.attname
    from pg_attribute a join pg_class c on c.oid = a.attrelid
   where c.relnamespace = 'companion'::regnamespace and c.relkind = 'r' and a.attnum > 0 and not a.attisdropped
     and a.attnotnull and a.attname not in ('id', 'updated_at')
   order by c.relname, a.attnum
$$;

-- ---------------------------------------------------------------------------------------------
-- a base row in every table, each pg_temp.id('<table>')
-- ---------------------------------------------------------------------------------------------

select lives_ok(
  $$ insert into auth.users (id) values (pg_temp.id('users')), (pg_temp.id('other')) $$,
  'two Auth users');
select lives_ok(
  $$ insert into companion.users (id) values (pg_temp.id('users')), (pg_temp.id('other')) $$,
  'a profile needs only its Auth user');
select lives_ok(
  $$ update companion.users set telegram_user_id = 111, telegram_linked_at = now() where id = pg_temp.id('users') $$,
  'the base profile is linked to Telegram (so that its link time''s own rule can be seen)');
select lives_ok(
  $$ insert into companion.onboarding (id, user_id) values (pg_temp.id('onboarding'), pg_temp.id('users')) $$,
  'onboarding needs only its user');
select lives_ok(
  $$ insert into companion.conversations (id, user_id) values (pg_temp.id('conversations'), pg_temp.id('users')) $$,
  'a conversation needs only its user');
select lives_ok(
  $$ insert into companion.messages (id, conversation_id, role, content)
     values (pg_temp.id('messages'), pg_temp.id('conversations'), 'user', 'Hi') $$,
  'a message needs its conversation, role and content');
select lives_ok(
  $$ insert into companion.user_context (id, user_id, category, key, value)
     values (pg_temp.id('user_context'), pg_temp.id('users'), 'fact', 'job', 'software engineer') $$,
  'a memory needs its user, category, key and value');
select lives_ok(
  $$ insert into companion.scheduled_messages (id, user_id, scheduled_for, local_date)
     values (pg_temp.id('scheduled_messages'), pg_temp.id('users'), '2026-03-10 03:30:00+00', '2026-03-10') $$,
  'a check-in needs its user, slot and local day');
select lives_ok(
  $$ insert into companion.telegram_link_tokens (id, user_id) values (pg_temp.id('telegram_link_tokens'), pg_temp.id('users')) $$,
  'a link token needs only its user');

-- ---------------------------------------------------------------------------------------------
-- every check constraint refuses a bad value, by its name
-- ---------------------------------------------------------------------------------------------

select tests.rejects(statement, constraint_name, description) from pg_temp.bad_values();
select tests.rejects(statement, constraint_name, description) from pg_temp.generated_bad_values();
-- updated_at is overwritten by its trigger on update; on insert its rule refuses.
select tests.rejects(format($$ insert into companion.%I (%s, updated_at) values (%s, 'infinity') $$, t, cols, vals),
         t || '_updated_at_check', format('companion.%s: a row updated at infinity is refused', t))
  from (values ('users', 'id', 'pg_temp.id(''third'')'),
               ('onboarding', 'user_id', 'pg_temp.id(''other'')'),
               ('conversations', 'user_id', 'pg_temp.id(''other'')'),
               ('user_context', 'user_id, category, key, value', 'pg_temp.id(''other''), ''goal'', ''run'', ''a marathon''')) as x(t, cols, vals);

-- Every check of the schema's tables, and of every domain a companion column is of, is among
-- the cases above.
select is_empty(
  $$ with recursive column_domains(oid) as (
       select a.atttypid
         from pg_attribute a join pg_class c on c.oid = a.attrelid
        where c.relnamespace = 'companion'::regnamespace and c.relkind = 'r' and a.attnum > 0 and not a.attisdropped
       union
       select t.typbasetype from pg_type t join column_domains d on d.oid = t.oid where t.typtype = 'd'
     )
     select conname from pg_constraint where connamespace = 'companion'::regnamespace and contype = 'c'
     union
     select conname from pg_constraint where contype = 'c' and contypid in (select oid from column_domains)
     except (select constraint_name from pg_temp.bad_values()
             union select constraint_name from pg_temp.generated_bad_values()
             union select unnest(array['users_updated_at_check', 'onboarding_updated_at_check',
                                       'conversations_updated_at_check', 'user_context_updated_at_check'])) $$,
  'every companion check constraint, and every check of a domain its columns use, is exercised above');

-- ---------------------------------------------------------------------------------------------
-- users.timezone: a zone PostgreSQL knows, refused by a trigger as a CHECK would refuse it
-- ---------------------------------------------------------------------------------------------

select is(
  pg_temp.error_fields($$ update companion.users set timezone = 'Mars/Base' where id = pg_temp.id('users') $$),
  '23514 users_timezone_check users timezone companion',
  'Mars/Base is refused with check_violation naming users_timezone_check, the table, the column and the schema');
select is(
  pg_temp.error_fields($$ insert into companion.users (id, timezone) values (pg_temp.id('other2'), 'Europe/Brussel') $$),
  '23514 users_timezone_check users timezone companion',
  'a misspelt zone is refused on insert too (before the foreign key is even looked at)');
select lives_ok($$ update companion.users set timezone = 'Asia/Kolkata' where id = pg_temp.id('users') $$,
  'Asia/Kolkata is accepted');
select is((select timezone from companion.users where id = pg_temp.id('users')), 'Asia/Kolkata', 'the zone is stored as given');

-- ---------------------------------------------------------------------------------------------
-- unique keys refuse a second row
-- ---------------------------------------------------------------------------------------------

select lives_ok(
  $$ update companion.users set telegram_user_id = 4503599627370495, telegram_linked_at = now() where id = pg_temp.id('users') $$,
  'a Telegram user id of 52 bits is linked');
select tests.rejects(
  $$ update companion.users set telegram_user_id = 4503599627370495, telegram_linked_at = now() where id = pg_temp.id('other') $$,
  'users_telegram_user_id_key', 'the same Telegram account cannot link a second profile');
select tests.rejects(
  $$ insert into companion.onboarding (user_id) values (pg_temp.id('users')) $$,
  'onboarding_user_id_key', 'a second onboarding for the same user is refused');
select tests.rejects(
  $$ insert into companion.user_context (user_id, category, key, value) values (pg_temp.id('users'), 'fact', 'job', 'teacher') $$,
  'user_context_user_id_category_key_key', 'a second memory with the same category and key is refused (upsert it)');
select lives_ok(
  $$ insert into companion.user_context (user_id, category, key, value)
     values (pg_temp.id('users'), 'goal', 'job', 'become a teacher'), (pg_temp.id('other'), 'fact', 'job', 'teacher') $$,
  'the same key in another category, or for another user, is accepted');
select tests.rejects(
  $$ insert into companion.scheduled_messages (user_id, scheduled_for, local_date) values (pg_temp.id('users'), '2026-03-10 09:00:00+00', '2026-03-10') $$,
  'scheduled_messages_user_id_local_date_key', 'a second check-in for the same local day is refused (C6)');
select tests.rejects(
  $$ insert into companion.telegram_link_tokens (user_id, token)
     select pg_temp.id('other'), token from companion.telegram_link_tokens where id = pg_temp.id('telegram_link_tokens') $$,
  'telegram_link_tokens_token_key', 'a token is stored once');
select throws_ok(
  $$ update companion.users set telegram_user_id = 10000000000000000 where id = pg_temp.id('users') $$,
  '22003', null, 'a Telegram user id of 17 digits does not fit');

-- ---------------------------------------------------------------------------------------------
-- NOT NULL refuses null
-- ---------------------------------------------------------------------------------------------

select tests.rejects_null(statement, table_name, column_name,
         format('companion.%s.%s cannot be null', table_name, column_name))
  from pg_temp.null_values();
select results_eq(
  $$ select (table_name || '.' || column_name) collate "default" from pg_temp.null_values()
      where (table_name, column_name) in (values ('users', 'timezone'), ('users', 'preferred_message_time'),
        ('users', 'support_style'), ('users', 'subscription_status'), ('users', 'flux_generations_used'),
        ('users', 'messages_sent_count'), ('users', 'preferences'), ('users', 'companion_name'),
        ('onboarding', 'user_id'), ('onboarding', 'current_step'), ('onboarding', 'data'),
        ('conversations', 'user_id'), ('conversations', 'initiated_by'), ('conversations', 'started_at'),
        ('conversations', 'message_count'), ('conversations', 'topics'),
        ('messages', 'conversation_id'), ('messages', 'metadata'),
        ('user_context', 'user_id'), ('user_context', 'importance_score'), ('user_context', 'emotional_valence'),
        ('user_context', 'source'), ('scheduled_messages', 'user_id'), ('scheduled_messages', 'status'),
        ('telegram_link_tokens', 'user_id'))
      order by 1 $$,
  $$ values ('conversations.initiated_by'), ('conversations.message_count'), ('conversations.started_at'),
            ('conversations.topics'), ('conversations.user_id'), ('messages.conversation_id'), ('messages.metadata'),
            ('onboarding.current_step'), ('onboarding.data'), ('onboarding.user_id'),
            ('scheduled_messages.status'), ('scheduled_messages.user_id'), ('telegram_link_tokens.user_id'),
            ('user_context.emotional_valence'), ('user_context.importance_score'), ('user_context.source'),
            ('user_context.user_id'), ('users.companion_name'), ('users.flux_generations_used'),
            ('users.messages_sent_count'), ('users.preferences'), ('users.preferred_message_time'),
            ('users.subscription_status'), ('users.support_style'), ('users.timezone') $$,
  'among them every column the specification tightens (YES→NN, C3) and companion_name [dec]');

-- ---------------------------------------------------------------------------------------------
-- the good values pass: every allowed value of every list, and each range at its bounds
-- ---------------------------------------------------------------------------------------------

select lives_ok(
  $$ update companion.users
        set email = 'ada.o''brien+c@mail.rowgate.test', whatsapp_number = '+14155550123', whatsapp_linked_at = now(),
            display_name = repeat('d', 100), companion_name = repeat('c', 50), location = repeat('l', 200),
            preferred_message_time = '23:59:59.999999', telegram_user_id = 1, telegram_linked_at = now(),
            telegram_username = 'ada_l', flux_generations_used = 0, messages_sent_count = 0,
            preferences = '{"daily_messages_paused": true, "theme": "dark"}', lemonsqueezy_customer_id = 'cus_1',
            subscription_expires_at = '9999-12-31 23:59:59+00'
      where id = pg_temp.id('users') $$,
  'a full profile at its bounds is accepted: names of 100 and 50 characters, a location of 200, 23:59:59.999999, Telegram id 1, other preference keys');
select lives_ok(
  $$ update companion.users set preferences = '{"daily_messages_paused": false}', telegram_user_id = 9999999999999999
      where id = pg_temp.id('users') $$,
  'daily_messages_paused false, and a Telegram id of 16 digits, are accepted');
select lives_ok(
  $$ update companion.users set telegram_user_id = null, telegram_linked_at = null, preferences = '{}' where id = pg_temp.id('users') $$,
  'no Telegram link and no preferences are accepted');
select lives_ok(
  format($$ update companion.users set support_style = %L, subscription_status = %L where id = pg_temp.id('users') $$, s, st),
  format('support style %s with subscription %s is accepted', s, st))
  from (values ('motivational', 'free'), ('friendly_checkin', 'premium'), ('accountability', 'cancelled'),
               ('listener', 'free')) as x(s, st);
select lives_ok(
  $$ update companion.onboarding set current_step = repeat('s', 50), data = '{"name": "Ada", "goals": ["sleep"]}' where id = pg_temp.id('onboarding') $$,
  'a step name of 50 characters and inputs as an object are accepted');
select lives_ok(
  $$ update companion.onboarding set current_step = 'complete', completed_at = now() where id = pg_temp.id('onboarding') $$,
  'a completed onboarding at the step complete is accepted');
select lives_ok(
  $$ insert into companion.conversations (user_id, channel, initiated_by, started_at, ended_at, message_count, mood_summary, topics)
     values (pg_temp.id('other'), 'web', 'user', '2026-01-01', '2026-01-01', 0, repeat('m', 2000), '[]'),
            (pg_temp.id('other'), 'telegram', 'companion', '2026-01-01', null, 0, null, '["sleep", "work"]'),
            (pg_temp.id('other'), 'whatsapp', 'user', '2026-01-01', '2026-01-02', 5, 'calm', '[]') $$,
  'every channel and initiator is accepted, a conversation ending when it starts, a mood summary of 2000 characters');
select lives_ok(
  $$ insert into companion.messages (conversation_id, role, content, telegram_message_id, metadata)
     values (pg_temp.id('conversations'), 'user', repeat('x', 4096), 1, '{"update_id": 10000, "chat_id": 1111111}'),
            (pg_temp.id('conversations'), 'assistant', 'x', null, '{}') $$,
  'both roles are accepted, content of 4096 characters and of 1');
select lives_ok(
  format($$ insert into companion.user_context (user_id, category, key, value, importance_score, emotional_valence, source)
            values (pg_temp.id('other'), %L, %L, repeat('v', 2000), %s, %s, %L) $$, c, 'k-' || c, i, v, s),
  format('category %s is accepted, with importance %s, valence %s, source %s', c, i, v, s))
  from (values ('preference', 0, -2, 'manual'), ('event', 1, -1, 'extracted'), ('goal', 0.5, 0, 'manual'),
               ('relationship', 0.25, 1, 'extracted'), ('emotion', 0.75, 2, 'manual'), ('situation', 0.5, 0, 'manual'),
               ('routine', 0.5, 0, 'manual'), ('struggle', 0.5, 0, 'manual')) as x(c, i, v, s);
select lives_ok(
  $$ update companion.user_context set key = repeat('k', 100) where id = pg_temp.id('user_context') $$,
  'a key of 100 characters is accepted');
select lives_ok(
  $$ insert into companion.scheduled_messages (user_id, scheduled_for, local_date, status, sent_at, failure_reason, content, conversation_id)
     values (pg_temp.id('other'), now(), '2026-03-01', 'pending', null, null, null, null),
            (pg_temp.id('other'), now(), '2026-03-02', 'processing', null, null, 'Good morning', null),
            (pg_temp.id('other'), now(), '2026-03-03', 'sent', now(), null, repeat('x', 4096), pg_temp.id('conversations')),
            (pg_temp.id('other'), now(), '2026-03-04', 'failed', null, 'Forbidden: bot was blocked by the user', null, null),
            (pg_temp.id('other'), now(), '2026-03-05', 'skipped', null, 'missed window', null, null) $$,
  'every check-in status is accepted with what it needs');
select lives_ok(
  $$ insert into companion.telegram_link_tokens (user_id, token)
     values (pg_temp.id('other'), repeat('a', 32)), (pg_temp.id('other'), 'AZaz09_-' || repeat('b', 56)) $$,
  'tokens of 32 and 64 characters of the whole base64url alphabet are accepted');

-- A sent check-in whose conversation goes keeps its status (the foreign key sets it null), and
-- deleting a user takes every row of theirs with it.
select lives_ok(
  $$ update companion.scheduled_messages set status = 'sent', sent_at = now(), conversation_id = pg_temp.id('conversations')
      where id = pg_temp.id('scheduled_messages') $$,
  'the base check-in is sent in the base conversation');
select lives_ok($$ delete from auth.users where id = pg_temp.id('users') $$,
  'the Auth user of the base profile is deleted, with a sent check-in pointing at a conversation');
select is(
  (select count(*) from companion.users where id = pg_temp.id('users'))
  + (select count(*) from companion.onboarding where user_id = pg_temp.id('users'))
  + (select count(*) from companion.conversations where user_id = pg_temp.id('users'))
  + (select count(*) from companion.messages where conversation_id = pg_temp.id('conversations'))
  + (select count(*) from companion.user_context where user_id = pg_temp.id('users'))
  + (select count(*) from companion.scheduled_messages where user_id = pg_temp.id('users'))
  + (select count(*) from companion.telegram_link_tokens where user_id = pg_temp.id('users')),
  0::bigint,
  'the profile and all its rows went with it (on delete cascade)');
select is(
  (select conversation_id from companion.scheduled_messages where local_date = '2026-03-03' and user_id = pg_temp.id('other')),
  null::uuid,
  'another user''s sent check-in that pointed at that conversation keeps its row, its conversation set null');

select * from finish();
rollback;
