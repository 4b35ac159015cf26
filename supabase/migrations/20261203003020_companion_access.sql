-- Who may touch what in companion (specification §5, defects C1, C2, C4). A signed-in user owns
-- the rows whose owner column is `(select auth.uid())` (C1: once per statement, not per row);
-- a message is theirs through its conversation. Row-level security is on for all 7 tables (C4);
-- policies are per command (C2: no FOR ALL), and what a user may write is stated column by
-- column, so subscription, usage counters, onboarding_completed_at and the telegram_* columns
-- are never theirs to write (the link flow and complete_onboarding() write them). anon is granted
-- nothing. telegram_link_tokens holds bearer secrets and is the service role's alone.
--
-- A column a user may update is also granted on insert: the generator reads the core's groups
-- from the grants, and a column that may not be inserted is read-only to the core (a patch of it
-- would be refused).

-- ---------------------------------------------------------------------------------------------
-- row-level security on every table
-- ---------------------------------------------------------------------------------------------

do $$
declare
  t regclass;
begin
  for t in select c.oid::regclass from pg_class c
            where c.relnamespace = 'companion'::regnamespace and c.relkind = 'r'
  loop
    execute format('alter table %s enable row level security', t);
    execute format('revoke all on %s from anon, authenticated', t);
  end loop;
end;
$$;

-- ---------------------------------------------------------------------------------------------
-- grants: the service role inserts every column but updated_at (the trigger's) and updates none
-- of id, created_at and updated_at (as in yachtparty)
-- ---------------------------------------------------------------------------------------------

do $$
declare
  t regclass;
  writable text;
  updatable text;
begin
  for t in select c.oid::regclass from pg_class c
            where c.relnamespace = 'companion'::regnamespace and c.relkind = 'r'
  loop
    select string_agg(quote_ident(a.attname), ', ' order by a.attnum)
            filter (where a.attname <> 'updated_at'),
           string_agg(quote_ident(a.attname), ', ' order by a.attnum)
            filter (where a.attname not in ('id', 'created_at', 'updated_at'))
      into writable, updatable
      from pg_attribute a
     where a.attrelid = t and a.attnum > 0 and not a.attisdropped and a.attgenerated = '';
    execute format('revoke all on %s from service_role', t);
    execute format('grant select, delete on %s to service_role', t);
    execute format('grant insert (%s) on %s to service_role', writable, t);
    execute format('grant update (%s) on %s to service_role', updatable, t);
  end loop;
end;
$$;

-- ---------------------------------------------------------------------------------------------
-- users: read, create (ensure_profile) and change the own profile's settings; no delete (deleting
-- the Auth user cascades)
-- ---------------------------------------------------------------------------------------------

grant select on companion.users to authenticated;
grant insert (id, email, display_name, companion_name, timezone, preferred_message_time, support_style, location,
              preferences)
  on companion.users to authenticated;
grant update (display_name, companion_name, timezone, preferred_message_time, support_style, location, preferences)
  on companion.users to authenticated;
create policy "Users can read their own profile" on companion.users
  for select to authenticated using (id = (select auth.uid()));
-- The email is the token's (C14: a display copy), or none.
create policy "Users can create their own profile" on companion.users
  for insert to authenticated
  with check (id = (select auth.uid()) and email is not distinct from (select companion.jwt_email()));
create policy "Users can change their own profile" on companion.users
  for update to authenticated using (id = (select auth.uid())) with check (id = (select auth.uid()));

-- ---------------------------------------------------------------------------------------------
-- onboarding: the own row's step and inputs; completion only through complete_onboarding()
-- ---------------------------------------------------------------------------------------------

grant select on companion.onboarding to authenticated;
grant insert (id, user_id, current_step, data) on companion.onboarding to authenticated;
grant update (current_step, data) on companion.onboarding to authenticated;
create policy "Users can read their onboarding" on companion.onboarding
  for select to authenticated using (user_id = (select auth.uid()));
create policy "Users can start their onboarding" on companion.onboarding
  for insert to authenticated with check (user_id = (select auth.uid()));
create policy "Users can change their onboarding" on companion.onboarding
  for update to authenticated using (user_id = (select auth.uid())) with check (user_id = (select auth.uid()));

-- ---------------------------------------------------------------------------------------------
-- conversations: read the own; start a web conversation of their own; end one, summarise its
-- mood and topics ([dec]: the web app may summarise its own threads as the backend does)
-- ---------------------------------------------------------------------------------------------

grant select on companion.conversations to authenticated;
grant insert (id, user_id, channel, initiated_by, started_at, ended_at, mood_summary, topics)
  on companion.conversations to authenticated;
grant update (ended_at, mood_summary, topics) on companion.conversations to authenticated;
create policy "Users can read their conversations" on companion.conversations
  for select to authenticated using (user_id = (select auth.uid()));
-- Telegram threads and check-ins (initiated by the companion) are the backend's to start.
create policy "Users can start their web conversations" on companion.conversations
  for insert to authenticated
  with check (user_id = (select auth.uid()) and channel = 'web' and initiated_by = 'user');
create policy "Users can end their conversations" on companion.conversations
  for update to authenticated using (user_id = (select auth.uid())) with check (user_id = (select auth.uid()));

-- ---------------------------------------------------------------------------------------------
-- messages: read and write in the own conversations, as the user only; append-only
-- ---------------------------------------------------------------------------------------------

grant select on companion.messages to authenticated;
grant insert (id, conversation_id, role, content) on companion.messages to authenticated;
-- No update policy: row-level security lets no update through, so messages stay append-only for
-- users. The grant is there for the generator alone, whose set-once group (insert without
-- update) needs a default these columns cannot have; without it the core could not declare them.
grant update (conversation_id, role, content) on companion.messages to authenticated;
create policy "Users can read the messages of their conversations" on companion.messages
  for select to authenticated
  using (conversation_id in (select c.id from companion.conversations c where c.user_id = (select auth.uid())));
-- Assistant messages are the backend's (the LLM reply, the check-in).
create policy "Users can write their own messages in their conversations" on companion.messages
  for insert to authenticated
  with check (role = 'user'
              and conversation_id in (select c.id from companion.conversations c where c.user_id = (select auth.uid())));

-- ---------------------------------------------------------------------------------------------
-- user_context: the "what I remember about you" page
-- ---------------------------------------------------------------------------------------------

grant select, delete on companion.user_context to authenticated;
grant insert (id, user_id, category, key, value, importance_score, emotional_valence, expires_at)
  on companion.user_context to authenticated;
-- category and key too: PostgREST's upsert sets every column the body carries.
grant update (category, key, value, importance_score, emotional_valence, expires_at)
  on companion.user_context to authenticated;
create policy "Users can read what the companion remembers about them" on companion.user_context
  for select to authenticated using (user_id = (select auth.uid()));
-- source is not granted: its default makes a user's row 'manual', and this holds it so.
create policy "Users can add to what the companion remembers about them" on companion.user_context
  for insert to authenticated with check (user_id = (select auth.uid()) and source = 'manual');
create policy "Users can change what the companion remembers about them" on companion.user_context
  for update to authenticated using (user_id = (select auth.uid())) with check (user_id = (select auth.uid()));
create policy "Users can delete what the companion remembers about them" on companion.user_context
  for delete to authenticated using (user_id = (select auth.uid()));

-- ---------------------------------------------------------------------------------------------
-- scheduled_messages: read the own check-ins; telegram_link_tokens: nothing (no grant, no policy)
-- ---------------------------------------------------------------------------------------------

grant select on companion.scheduled_messages to authenticated;
create policy "Users can read their check-ins" on companion.scheduled_messages
  for select to authenticated using (user_id = (select auth.uid()));

-- ---------------------------------------------------------------------------------------------
-- the record API's and the signed ingest's doors (as for the other schemas)
-- ---------------------------------------------------------------------------------------------

create or replace function companion.write_records(
  p_table text,
  p_records jsonb,
  p_on_conflict text[] default null
)
returns jsonb
language sql
security invoker
set search_path = ''
as $$
  select rowgate.write_records('companion', p_table, p_records, p_on_conflict)
$$;
revoke all on function companion.write_records(text, jsonb, text[]) from public, anon;
grant execute on function companion.write_records(text, jsonb, text[]) to authenticated, service_role;

create or replace function companion.ingest(
  p_delivery_id text,
  p_table text,
  p_records jsonb,
  p_on_conflict text[] default null
)
returns jsonb
language sql
set search_path = ''
as $$
  select rowgate.ingest('companion', p_delivery_id, p_table, p_records, p_on_conflict)
$$;
revoke all on function companion.ingest(text, text, jsonb, text[]) from public, anon, authenticated;
grant execute on function companion.ingest(text, text, jsonb, text[]) to service_role;
