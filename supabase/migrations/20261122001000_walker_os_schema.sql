-- Walker-OS: personal productivity and finance data. Every row belongs to one Supabase Auth user
-- (`user_id`, defaulting to the caller), and only that user may read or change it.

create schema if not exists walker_os;
grant usage on schema walker_os to anon, authenticated, service_role;

create or replace function walker_os.set_updated_at()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  new.updated_at := now();
  return new;
end;
$$;
