-- dyniq's columns of a stated format use the platform's domains; the enum two tables share is a
-- domain of its own; the columns the service role (dyniq's only writer) may not set are left
-- out of its grants; every column's meaning is its comment. The generator reads all of this
-- (`cargo run -p rowgate-xtask -- gen`) to write the core's column declarations.

-- ---------------------------------------------------------------------------------------------
-- domains
-- ---------------------------------------------------------------------------------------------

create domain dyniq.tier as text
  constraint tier_check check (value in ('HOT', 'WARM', 'COLD'));
comment on domain dyniq.tier is
  'How warm a lead is, from its quiz score: HOT from 70, WARM from 40, COLD below (dyniq.tier_for_score).';
grant usage on domain dyniq.tier to service_role;

alter table dyniq.leads drop constraint leads_email_format;
alter table dyniq.leads alter column email type rowgate.email;
alter table dyniq.leads drop constraint leads_phone_format;
alter table dyniq.leads alter column phone type rowgate.e164_phone;
alter table dyniq.leads drop constraint leads_tier_check;
alter table dyniq.leads alter column tier type dyniq.tier;

alter table dyniq.quiz_responses alter column email type rowgate.email;
alter table dyniq.quiz_responses drop constraint quiz_responses_tier_check;
alter table dyniq.quiz_responses alter column tier type dyniq.tier;
alter table dyniq.quiz_responses drop constraint quiz_responses_sales_briefing_url_format;
alter table dyniq.quiz_responses alter column sales_briefing_url type rowgate.http_url;

alter table dyniq.board_meetings drop constraint board_meetings_thread_id_format;
alter table dyniq.board_meetings alter column thread_id type rowgate.thread_id;

-- ---------------------------------------------------------------------------------------------
-- grants: the service role inserts every column but updated_at (the trigger's) and updates none
-- of id, created_at and updated_at, so an upsert through dyniq.write_records leaves them be
-- ---------------------------------------------------------------------------------------------

do $$
declare
  t regclass;
  writable text;
  updatable text;
begin
  for t in
    select c.oid::regclass from pg_class c
     where c.relnamespace = 'dyniq'::regnamespace and c.relkind = 'r'
  loop
    select string_agg(quote_ident(a.attname), ', ' order by a.attnum)
            filter (where a.attname <> 'updated_at' and a.attgenerated = ''),
           string_agg(quote_ident(a.attname), ', ' order by a.attnum)
            filter (where a.attname not in ('id', 'created_at', 'updated_at') and a.attgenerated = '')
      into writable, updatable
      from pg_attribute a
     where a.attrelid = t and a.attnum > 0 and not a.attisdropped;
    execute format('revoke insert, update on %s from service_role', t);
    execute format('grant insert (%s) on %s to service_role', writable, t);
    execute format('grant update (%s) on %s to service_role', updatable, t);
  end loop;
end;
$$;

-- ---------------------------------------------------------------------------------------------
-- comments: the documentation of every table and column (the OpenAPI document's descriptions)
-- ---------------------------------------------------------------------------------------------

comment on table dyniq.leads is 'A lead of DYNIQ''s pipeline.';
comment on column dyniq.leads.id is 'May be given, so that a retried insert is an idempotent upsert.';
comment on column dyniq.leads.created_at is 'May be given to import history; the database''s clock otherwise.';
comment on column dyniq.leads.email is 'Trimmed and lower-cased.';
comment on column dyniq.leads.phone is 'E.164.';
comment on column dyniq.leads.source is 'Where the lead came from.';
comment on column dyniq.leads.status is 'Where the lead is in its life.';
comment on column dyniq.leads.lead_score is '0 to 100.';
comment on column dyniq.leads.urgency is 'How soon the lead needs help.';
comment on column dyniq.leads.updated_at is 'Set by a trigger on every update.';

comment on table dyniq.quiz_responses is 'A quiz submission.';
comment on column dyniq.quiz_responses.email is 'The lead''s email (a foreign key to `leads.email`), trimmed and lower-cased.';
comment on column dyniq.quiz_responses.total_score is '0 to 100.';
comment on column dyniq.quiz_responses.tier is 'HOT from 70, WARM from 40, COLD below: derived from `total_score` when not given. A tier the sender gives is kept.';
comment on column dyniq.quiz_responses.answers is 'The answers as the quiz sent them.';
comment on column dyniq.quiz_responses.submission_id is 'The sender''s id for the submission: a repeated delivery cannot insert twice.';

comment on table dyniq.content_posts is 'A published (or planned) post.';
comment on column dyniq.content_posts.platform is 'Where the post is published.';
comment on column dyniq.content_posts.hook is 'The opening line.';

comment on table dyniq.content_metrics is 'A post''s numbers on one day.';
comment on column dyniq.content_metrics.post_id is 'The post (a foreign key to `content_posts.id`).';
comment on column dyniq.content_metrics.metric_date is 'The day measured; today (the database''s) when left out.';
comment on column dyniq.content_metrics.engagement_rate is 'A fraction (0.042 is 4.2 %), not a percentage.';

comment on table dyniq.board_meetings is 'A board meeting.';
comment on column dyniq.board_meetings.thread_id is '`bm-` and letters, digits, `_` or `-`.';
comment on column dyniq.board_meetings.level is '0 to 5.';
comment on column dyniq.board_meetings.status is 'processing → completed; `stalled` is set by the cron job when processing takes over an hour.';
comment on column dyniq.board_meetings.recommendation is 'The board''s verdict.';
comment on column dyniq.board_meetings.agent_analyses is 'Each agent''s analysis, as the agents wrote it.';

comment on table dyniq.universal_embeddings is 'An embedding of some source''s content.';
comment on column dyniq.universal_embeddings.source_id is 'The source''s UUID; derived from `thread_id` when that is given instead.';
comment on column dyniq.universal_embeddings.embedding is 'Exactly 1536 finite numbers.';
