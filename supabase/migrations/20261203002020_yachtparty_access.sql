-- Who may touch what in yachtparty (specification §5, defects D3 and D15). People first arrive
-- by SMS, so `users.id` is not an auth user: a signed-in user owns the profile whose
-- `auth_user_id` is theirs, tied by `claim_sms_profile()`. "Me" below is
-- `(select u.id from yachtparty.users u where u.auth_user_id = (select auth.uid()))`.
-- Row-level security is on for every table. anon is granted nothing. Backend tables (events,
-- agent_tasks, message_queue, user_message_budget, agent_instances, agent_actions_log,
-- linkedin_research_prospects) and the materialized view are granted to the service role only.

-- ---------------------------------------------------------------------------------------------
-- row-level security on every table
-- ---------------------------------------------------------------------------------------------

do $$
declare
  t regclass;
begin
  for t in select c.oid::regclass from pg_class c
            where c.relnamespace = 'yachtparty'::regnamespace and c.relkind = 'r'
  loop
    execute format('alter table %s enable row level security', t);
    execute format('revoke all on %s from anon, authenticated', t);
  end loop;
end;
$$;
revoke all on yachtparty.user_credit_balances from anon, authenticated;
grant select on yachtparty.user_credit_balances to service_role;

-- ---------------------------------------------------------------------------------------------
-- grants: the service role inserts every column but updated_at (the trigger's) and updates none
-- of id, created_at and updated_at (as in dyniq: an upsert keeps them)
-- ---------------------------------------------------------------------------------------------

do $$
declare
  t regclass;
  writable text;
  updatable text;
begin
  for t in select c.oid::regclass from pg_class c
            where c.relnamespace = 'yachtparty'::regnamespace and c.relkind = 'r'
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
-- signed-in users: what section 5 gives them
-- ---------------------------------------------------------------------------------------------

grant select on yachtparty.users to authenticated;
grant update (email, first_name, last_name, company, title, linkedin_url, expertise,
              quiet_hours_start, quiet_hours_end, timezone) on yachtparty.users to authenticated;
create policy "Users can read their own profile" on yachtparty.users
  for select to authenticated using (auth_user_id = (select auth.uid()));
create policy "Users can change their own profile" on yachtparty.users
  for update to authenticated using (auth_user_id = (select auth.uid()))
  with check (auth_user_id = (select auth.uid()));

grant select on yachtparty.conversations, yachtparty.messages, yachtparty.user_priorities,
  yachtparty.solution_workflows, yachtparty.intro_opportunities, yachtparty.community_requests,
  yachtparty.community_responses, yachtparty.credit_events, yachtparty.innovators,
  yachtparty.prospects to authenticated;

create policy "Users can read their conversations" on yachtparty.conversations
  for select to authenticated
  using (user_id = (select u.id from yachtparty.users u where u.auth_user_id = (select auth.uid())));
create policy "Users can read their messages" on yachtparty.messages
  for select to authenticated
  using (user_id = (select u.id from yachtparty.users u where u.auth_user_id = (select auth.uid())));
create policy "Users can read their priorities" on yachtparty.user_priorities
  for select to authenticated
  using (user_id = (select u.id from yachtparty.users u where u.auth_user_id = (select auth.uid())));
create policy "Users can read their solution workflows" on yachtparty.solution_workflows
  for select to authenticated
  using (user_id = (select u.id from yachtparty.users u where u.auth_user_id = (select auth.uid())));
create policy "Connectors can read their intro opportunities" on yachtparty.intro_opportunities
  for select to authenticated
  using (connector_user_id = (select u.id from yachtparty.users u where u.auth_user_id = (select auth.uid())));
create policy "Users can read their requests and those asked of them" on yachtparty.community_requests
  for select to authenticated
  using (requesting_user_id = (select u.id from yachtparty.users u where u.auth_user_id = (select auth.uid()))
         -- @> rather than = any(): the GIN index on target_user_ids serves only the former.
         or target_user_ids @> array[(select u.id from yachtparty.users u where u.auth_user_id = (select auth.uid()))]);
create policy "Users can read their responses and those to their requests" on yachtparty.community_responses
  for select to authenticated
  using (user_id = (select u.id from yachtparty.users u where u.auth_user_id = (select auth.uid()))
         or exists (select 1 from yachtparty.community_requests r
                     where r.id = request_id
                       and r.requesting_user_id = (select u.id from yachtparty.users u
                                                    where u.auth_user_id = (select auth.uid()))));
create policy "Users can read their credit events" on yachtparty.credit_events
  for select to authenticated
  using (user_id = (select u.id from yachtparty.users u where u.auth_user_id = (select auth.uid())));

grant update (company_name, solution_description, categories, target_customer_profile, video_url)
  on yachtparty.innovators to authenticated;
create policy "Innovators can read their own record" on yachtparty.innovators
  for select to authenticated
  using (user_id = (select u.id from yachtparty.users u where u.auth_user_id = (select auth.uid())));
create policy "Innovators can change their own record" on yachtparty.innovators
  for update to authenticated
  using (user_id = (select u.id from yachtparty.users u where u.auth_user_id = (select auth.uid())))
  with check (user_id = (select u.id from yachtparty.users u where u.auth_user_id = (select auth.uid())));

-- Prospects: an innovator uploads (a CSV is a bulk insert through the record API) and edits its
-- own; whether one converted is the backend's to say.
grant insert (id, email, phone_number, linkedin_url, first_name, last_name, company, title, innovator_id,
              uploaded_at, upload_source, upload_batch_id, prospect_notes, target_solution_categories,
              metadata, created_at)
  on yachtparty.prospects to authenticated;
grant update (email, phone_number, linkedin_url, first_name, last_name, company, title, innovator_id,
              upload_source, upload_batch_id, prospect_notes, target_solution_categories, metadata)
  on yachtparty.prospects to authenticated;
create policy "Innovators can read their prospects" on yachtparty.prospects
  for select to authenticated
  using (innovator_id in (select i.id from yachtparty.innovators i
                           where i.user_id = (select u.id from yachtparty.users u
                                               where u.auth_user_id = (select auth.uid()))));
create policy "Innovators can add their prospects" on yachtparty.prospects
  for insert to authenticated
  with check (innovator_id in (select i.id from yachtparty.innovators i
                                where i.user_id = (select u.id from yachtparty.users u
                                                    where u.auth_user_id = (select auth.uid()))));
create policy "Innovators can change their prospects" on yachtparty.prospects
  for update to authenticated
  using (innovator_id in (select i.id from yachtparty.innovators i
                           where i.user_id = (select u.id from yachtparty.users u
                                               where u.auth_user_id = (select auth.uid()))))
  with check (innovator_id in (select i.id from yachtparty.innovators i
                                where i.user_id = (select u.id from yachtparty.users u
                                                    where u.auth_user_id = (select auth.uid()))));

-- ---------------------------------------------------------------------------------------------
-- claim_sms_profile(): ties the caller to the SMS profile of their verified phone (D3)
-- ---------------------------------------------------------------------------------------------

-- Security definer, because the caller cannot see the profile before it is theirs. It trusts
-- only what the token proves: auth.uid(), and the phone number Supabase Auth verified (the JWT's
-- `phone` claim, which GoTrue gives without the '+'). It changes only the profile with that
-- number that is unclaimed or already the caller's; a number with no profile changes nothing.
create or replace function yachtparty.claim_sms_profile()
returns uuid
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid := auth.uid();
  v_phone text := nullif(btrim(coalesce(auth.jwt() ->> 'phone', '')), '');
  v_id uuid;
begin
  if v_uid is null then
    raise exception 'claim_sms_profile needs a signed-in user' using errcode = '42501';
  end if;
  if v_phone is null then
    return null;
  end if;
  if left(v_phone, 1) <> '+' then
    v_phone := '+' || v_phone;
  end if;
  -- The caller's phone changed in Auth: the profile of the new number becomes theirs, and the
  -- one of the old number is let go (auth_user_id is unique).
  if exists (select 1 from yachtparty.users
              where phone_number = v_phone and (auth_user_id is null or auth_user_id = v_uid)) then
    update yachtparty.users set auth_user_id = null
     where auth_user_id = v_uid and phone_number <> v_phone;
  end if;
  update yachtparty.users
     set auth_user_id = v_uid
   where phone_number = v_phone
     and (auth_user_id is null or auth_user_id = v_uid)
  returning id into v_id;
  return v_id;
end;
$$;
revoke all on function yachtparty.claim_sms_profile() from public, anon, service_role;
grant execute on function yachtparty.claim_sms_profile() to authenticated;

-- ---------------------------------------------------------------------------------------------
-- respond_to_intro(): a connector accepts or declines an open intro opportunity
-- ---------------------------------------------------------------------------------------------

create or replace function yachtparty.respond_to_intro(p_id uuid, p_accept boolean, p_response text default null)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_row yachtparty.intro_opportunities;
begin
  if p_accept is null then
    raise exception 'p_accept is required' using errcode = '22004';
  end if;
  update yachtparty.intro_opportunities o
     set status = case when p_accept then 'accepted' else 'declined' end,
         connector_response = rowgate.trim_text(p_response)
   where o.id = p_id
     and o.status = 'open'
     and (o.expires_at is null or o.expires_at > now())
     and o.connector_user_id = (select u.id from yachtparty.users u where u.auth_user_id = (select auth.uid()))
  returning o.* into v_row;
  if v_row.id is null then
    raise exception 'no open, unexpired intro opportunity % of yours', p_id using errcode = 'P0002';
  end if;
  return to_jsonb(v_row);
end;
$$;
revoke all on function yachtparty.respond_to_intro(uuid, boolean, text) from public, anon, service_role;
grant execute on function yachtparty.respond_to_intro(uuid, boolean, text) to authenticated;

-- ---------------------------------------------------------------------------------------------
-- the record API's and the signed ingest's doors (as for dyniq and walker_os)
-- ---------------------------------------------------------------------------------------------

create or replace function yachtparty.write_records(
  p_table text,
  p_records jsonb,
  p_on_conflict text[] default null
)
returns jsonb
language sql
security invoker
set search_path = ''
as $$
  select rowgate.write_records('yachtparty', p_table, p_records, p_on_conflict)
$$;
revoke all on function yachtparty.write_records(text, jsonb, text[]) from public, anon;
grant execute on function yachtparty.write_records(text, jsonb, text[]) to authenticated, service_role;

create or replace function yachtparty.ingest(
  p_delivery_id text,
  p_table text,
  p_records jsonb,
  p_on_conflict text[] default null
)
returns jsonb
language sql
set search_path = ''
as $$
  select rowgate.ingest('yachtparty', p_delivery_id, p_table, p_records, p_on_conflict)
$$;
revoke all on function yachtparty.ingest(text, text, jsonb, text[]) from public, anon, authenticated;
grant execute on function yachtparty.ingest(text, text, jsonb, text[]) to service_role;
