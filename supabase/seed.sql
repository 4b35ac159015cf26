-- Local development data, applied by scripts/local.sh on a new or reset database (and by
-- `supabase db reset`). Tests create their own data and do not depend on this.

insert into dyniq.content_posts (id, platform, hook, topic, body, post_date)
values ('00000000-0000-4000-8000-000000000001', 'linkedin', 'Most SMBs never follow up.',
  'lead follow-up', 'Three ways to stop losing warm leads.', current_date)
on conflict (id) do nothing;
