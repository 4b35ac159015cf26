-- Board meetings (multi-agent deliberations, one thread each) and the embeddings that make their
-- content searchable.

-- ---------------------------------------------------------------------------------------------
-- tables
-- ---------------------------------------------------------------------------------------------

create table dyniq.board_meetings (
  id uuid primary key default gen_random_uuid(),
  thread_id varchar(100) not null,
  topic text not null,
  decision_type varchar(100),
  level integer not null default 0,
  -- processing -> completed; `stalled` is set by the cron job when processing takes over an hour.
  status text not null default 'processing',
  agent_analyses jsonb not null default '{}',
  recommendation text,
  total_cost_usd double precision,
  agent_count integer not null default 0,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint board_meetings_thread_id_key unique (thread_id),
  constraint board_meetings_thread_id_format check (thread_id ~ '^bm-[A-Za-z0-9][A-Za-z0-9_-]*$'),
  constraint board_meetings_level_range check (level between 0 and 5),
  constraint board_meetings_status_check check (status in ('processing', 'completed', 'stalled')),
  constraint board_meetings_agent_analyses_object check (jsonb_typeof(agent_analyses) = 'object'),
  constraint board_meetings_recommendation_check check (recommendation in ('ADOPT', 'DEFER', 'REJECT')),
  constraint board_meetings_total_cost_usd_range check (total_cost_usd >= 0),
  constraint board_meetings_agent_count_range check (agent_count >= 0)
);

-- The stalled-meeting job looks for old rows still processing.
create index board_meetings_processing_idx on dyniq.board_meetings (updated_at)
  where status = 'processing';

create trigger board_meetings_set_updated_at
  before update on dyniq.board_meetings
  for each row execute function dyniq.set_updated_at();

create table dyniq.universal_embeddings (
  id uuid primary key default gen_random_uuid(),
  -- UUID v5 of the source's string id (dyniq.thread_uuid); not a foreign key, because sources
  -- of several types share the table.
  source_id uuid not null,
  source_type varchar(50) not null,
  content text not null,
  embedding extensions.vector(1536) not null,
  metadata jsonb not null default '{}',
  created_at timestamptz not null default now(),
  constraint universal_embeddings_metadata_object check (jsonb_typeof(metadata) = 'object')
);

create index universal_embeddings_source_idx on dyniq.universal_embeddings (source_id, source_type);
-- Cosine distance, as OpenAI embeddings are normalised. HNSW needs no training data.
create index universal_embeddings_embedding_idx on dyniq.universal_embeddings
  using hnsw (embedding extensions.vector_cosine_ops);

-- ---------------------------------------------------------------------------------------------
-- row-level security and grants
-- ---------------------------------------------------------------------------------------------

alter table dyniq.board_meetings enable row level security;
alter table dyniq.universal_embeddings enable row level security;

revoke all on dyniq.board_meetings, dyniq.universal_embeddings from anon, authenticated;
grant select, insert, update, delete on dyniq.board_meetings, dyniq.universal_embeddings to service_role;
