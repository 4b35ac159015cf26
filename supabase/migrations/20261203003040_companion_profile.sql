-- The client-callable functions of companion (specification §2, §7.2 and §7.5): the profile made
-- on first use instead of a trigger on auth.users (C5), onboarding completed in one transaction,
-- and the Telegram link token made and the link undone for the caller. Each acts on the caller,
-- `auth.uid()`, only, and refuses a caller without one (42501). Executable by authenticated (and
-- the service role, for which auth.uid() is null unless it acts for a user), never by anon.

-- ---------------------------------------------------------------------------------------------
-- ensure_profile(): the caller's profile, made if missing
-- ---------------------------------------------------------------------------------------------

-- Security invoker: it inserts under the caller's own grants and insert policy (the id is the
-- caller, the email the token's). Idempotent: a second call, or two at once, leave one row.
create or replace function companion.ensure_profile()
returns companion.users
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_uid uuid := auth.uid();
  v_row companion.users;
begin
  if v_uid is null then
    raise exception 'ensure_profile needs a signed-in user' using errcode = '42501';
  end if;
  insert into companion.users (id, email)
  values (v_uid, companion.jwt_email())
  on conflict (id) do nothing;
  select u.* into v_row from companion.users u where u.id = v_uid;
  return v_row;
end;
$$;

-- ---------------------------------------------------------------------------------------------
-- complete_onboarding(): onboarding and the profile say complete, together
-- ---------------------------------------------------------------------------------------------

-- Security definer: users.onboarding_completed_at is not the user's to write. Sets
-- onboarding.completed_at and current_step 'complete', and users.onboarding_completed_at, in
-- one transaction; completing again keeps the first time. Without an onboarding row it raises
-- P0002 and neither is set. Returns the onboarding row.
create or replace function companion.complete_onboarding()
returns companion.onboarding
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid := auth.uid();
  v_row companion.onboarding;
begin
  if v_uid is null then
    raise exception 'complete_onboarding needs a signed-in user' using errcode = '42501';
  end if;
  update companion.onboarding o
     set completed_at = coalesce(o.completed_at, now()),
         current_step = 'complete'
   where o.user_id = v_uid
  returning o.* into v_row;
  if v_row.id is null then
    raise exception 'no onboarding to complete: start it first' using errcode = 'P0002';
  end if;
  update companion.users u
     set onboarding_completed_at = coalesce(u.onboarding_completed_at, v_row.completed_at)
   where u.id = v_uid;
  return v_row;
end;
$$;

-- ---------------------------------------------------------------------------------------------
-- create_telegram_link_token(): a one-time token for the deep link t.me/<bot>?start=<token>
-- ---------------------------------------------------------------------------------------------

-- Security definer: the token table is granted to no user (the tokens are bearer secrets). The
-- caller needs a profile. Under the profile's row lock, the caller's earlier unused tokens are
-- expired (expires_at = now(), so link_telegram's `expires_at > now()` refuses them; the hourly
-- job deletes them a day later), then one is made: at most one token of a user is ever active.
-- The token is the column's default: 32 bytes of extensions.gen_random_bytes, base64url, no
-- padding (43 characters); it expires 15 minutes later.
create or replace function companion.create_telegram_link_token()
returns table (token text, expires_at timestamptz)
language plpgsql
security definer
set search_path = ''
as $$
#variable_conflict use_column
declare
  v_uid uuid := auth.uid();
begin
  if v_uid is null then
    raise exception 'create_telegram_link_token needs a signed-in user' using errcode = '42501';
  end if;
  perform 1 from companion.users u where u.id = v_uid for update;
  if not found then
    raise exception 'no companion profile: call ensure_profile first' using errcode = 'P0002';
  end if;
  update companion.telegram_link_tokens t
     set expires_at = now()
   where t.user_id = v_uid and t.used_at is null and t.expires_at > now();
  return query
    insert into companion.telegram_link_tokens as t (user_id)
    values (v_uid)
    returning t.token, t.expires_at;
end;
$$;

-- ---------------------------------------------------------------------------------------------
-- unlink_telegram(): the caller's Telegram account let go
-- ---------------------------------------------------------------------------------------------

-- Security definer: the telegram_* columns are written only by the link flow and this. Returns
-- whether a link was undone (false when none was linked, or there is no profile).
create or replace function companion.unlink_telegram()
returns boolean
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid := auth.uid();
begin
  if v_uid is null then
    raise exception 'unlink_telegram needs a signed-in user' using errcode = '42501';
  end if;
  update companion.users u
     set telegram_user_id = null, telegram_username = null, telegram_linked_at = null
   where u.id = v_uid and u.telegram_user_id is not null;
  return found;
end;
$$;

revoke all on function companion.ensure_profile(), companion.complete_onboarding(),
  companion.create_telegram_link_token(), companion.unlink_telegram() from public, anon;
grant execute on function companion.ensure_profile(), companion.complete_onboarding(),
  companion.create_telegram_link_token(), companion.unlink_telegram() to authenticated, service_role;
