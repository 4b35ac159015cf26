-- Content posts and their daily metrics.

-- ---------------------------------------------------------------------------------------------
-- tables
-- ---------------------------------------------------------------------------------------------

create table dyniq.content_posts (
  id uuid primary key default gen_random_uuid(),
  platform text not null,
  hook text,
  topic varchar(200),
  body text,
  post_date date,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint content_posts_platform_check check (platform in ('linkedin', 'twitter'))
);

create index content_posts_post_date_idx on dyniq.content_posts (post_date);

create trigger content_posts_set_updated_at
  before update on dyniq.content_posts
  for each row execute function dyniq.set_updated_at();

create table dyniq.content_metrics (
  id uuid primary key default gen_random_uuid(),
  post_id uuid not null,
  likes integer not null default 0,
  comments integer not null default 0,
  -- A fraction (0.042 is 4.2 %), not a percentage.
  engagement_rate double precision,
  metric_date date not null default current_date,
  created_at timestamptz not null default now(),
  constraint content_metrics_post_id_fkey foreign key (post_id)
    references dyniq.content_posts (id) on delete cascade,
  -- One row per post per day, so a daily collector can upsert on (post_id, metric_date).
  constraint content_metrics_post_id_metric_date_key unique (post_id, metric_date),
  constraint content_metrics_likes_range check (likes >= 0),
  constraint content_metrics_comments_range check (comments >= 0),
  constraint content_metrics_engagement_rate_range check (engagement_rate between 0 and 1)
);

-- The unique constraint's index leads with post_id, so it also serves the foreign key.

-- ---------------------------------------------------------------------------------------------
-- row-level security and grants
-- ---------------------------------------------------------------------------------------------

alter table dyniq.content_posts enable row level security;
alter table dyniq.content_metrics enable row level security;

revoke all on dyniq.content_posts, dyniq.content_metrics from anon, authenticated;
grant select, insert, update, delete on dyniq.content_posts, dyniq.content_metrics to service_role;
