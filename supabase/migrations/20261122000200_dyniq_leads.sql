-- Leads and their quiz responses. The email is the lead's natural key: quiz responses refer to it,
-- and it is stored trimmed and lower-cased so that one person is one lead.

-- ---------------------------------------------------------------------------------------------
-- tables
-- ---------------------------------------------------------------------------------------------

create table dyniq.leads (
  id uuid primary key default gen_random_uuid(),
  email varchar(320) not null,
  name varchar(200),
  phone varchar(16),
  company_name varchar(200),
  industry varchar(100),
  source text,
  status text,
  tier text,
  lead_score integer,
  pain_points text[] not null default '{}',
  needs text[] not null default '{}',
  urgency text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint leads_email_key unique (email),
  constraint leads_email_format check (email = lower(btrim(email)) and email ~ '^[^@[:space:]]+@[^@[:space:]]+\.[^@[:space:]]+$'),
  -- E.164: a plus sign and up to 15 digits, no leading zero.
  constraint leads_phone_format check (phone ~ '^\+[1-9][0-9]{6,14}$'),
  constraint leads_source_check check (source in ('pilot', 'quiz', 'referral')),
  constraint leads_status_check check (status in ('onboarding', 'active', 'churned')),
  constraint leads_tier_check check (tier in ('HOT', 'WARM', 'COLD')),
  constraint leads_lead_score_range check (lead_score between 0 and 100),
  -- How soon the lead needs help, from the quiz: now, within the quarter, within the year, or
  -- only exploring.
  constraint leads_urgency_check check (urgency in ('immediate', 'this_quarter', 'this_year', 'exploring'))
);

comment on column dyniq.leads.urgency is
  'immediate | this_quarter | this_year | exploring: how soon the lead needs help';

create index leads_tier_idx on dyniq.leads (tier);
create index leads_created_at_idx on dyniq.leads (created_at);

create trigger leads_set_updated_at
  before update on dyniq.leads
  for each row execute function dyniq.set_updated_at();

create table dyniq.quiz_responses (
  id uuid primary key default gen_random_uuid(),
  -- The sender's id for this submission (ScoreApp's): a repeated delivery cannot insert twice.
  submission_id varchar(200),
  email varchar(320) not null,
  total_score integer not null,
  -- Filled from total_score by a trigger when the sender does not give it.
  tier text not null,
  sales_briefing_url text,
  answers jsonb not null default '{}',
  created_at timestamptz not null default now(),
  constraint quiz_responses_submission_id_key unique (submission_id),
  constraint quiz_responses_email_fkey foreign key (email)
    references dyniq.leads (email) on update cascade on delete cascade,
  constraint quiz_responses_total_score_range check (total_score between 0 and 100),
  constraint quiz_responses_tier_check check (tier in ('HOT', 'WARM', 'COLD')),
  constraint quiz_responses_sales_briefing_url_format check (sales_briefing_url ~ '^https?://[^[:space:]]+$'),
  constraint quiz_responses_answers_object check (jsonb_typeof(answers) = 'object')
);

create index quiz_responses_email_idx on dyniq.quiz_responses (email);

create or replace function dyniq.quiz_responses_fill_tier()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  -- A corrected score without a tier of its own gets the tier that goes with it.
  if tg_op = 'UPDATE' and new.total_score is distinct from old.total_score
     and new.tier is not distinct from old.tier then
    new.tier := null;
  end if;
  new.tier := coalesce(new.tier, dyniq.tier_for_score(new.total_score));
  return new;
end;
$$;

create trigger quiz_responses_fill_tier
  before insert or update on dyniq.quiz_responses
  for each row execute function dyniq.quiz_responses_fill_tier();

-- ---------------------------------------------------------------------------------------------
-- row-level security and grants
-- ---------------------------------------------------------------------------------------------
-- RLS is on with no policy for anon/authenticated: only the service role (which bypasses RLS)
-- reads and writes. The grants below make that explicit rather than relying on defaults.

alter table dyniq.leads enable row level security;
alter table dyniq.quiz_responses enable row level security;

revoke all on dyniq.leads, dyniq.quiz_responses from anon, authenticated;
grant select, insert, update, delete on dyniq.leads, dyniq.quiz_responses to service_role;
