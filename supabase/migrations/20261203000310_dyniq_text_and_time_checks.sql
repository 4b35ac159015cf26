-- Text, text arrays and times as rowgate-core shapes them (design decision 10), for a direct
-- PostgREST write too:
-- - free text (the core's text/varchar kinds) is trimmed and never blank:
--   `<table>_<column>_check` is `rowgate.is_trimmed_text(column)` (20261203000300). Emails, URLs
--   and thread ids already have format checks that allow no whitespace; enums, their lists.
-- - a text[] holds trimmed, non-blank strings, no null, one dimension:
--   `rowgate.is_trimmed_text_array(column)`.
-- - a date or timestamptz is finite: the core reads only calendar dates and instants, never
--   'infinity' or '-infinity'. `isfinite(column)`, on every one, set-once and server-owned ones
--   included (the service role can write those).
--
-- Existing rows are brought in line first, as the core would have shaped them: text trimmed and
-- blank made null, array items trimmed with null and blank ones dropped. The updates fire the
-- tables' triggers, so updated_at moves on the rows that change. Two cases cannot be fixed here
-- and make this migration fail, naming the column, for a person to decide: a blank value in a
-- not-null column (not-null violation) and an infinite date or time (check violation).

-- ---------------------------------------------------------------------------------------------
-- dyniq.leads
-- ---------------------------------------------------------------------------------------------

update dyniq.leads set name = rowgate.trim_text(name) where not rowgate.is_trimmed_text(name);
update dyniq.leads set company_name = rowgate.trim_text(company_name)
 where not rowgate.is_trimmed_text(company_name);
update dyniq.leads set industry = rowgate.trim_text(industry)
 where not rowgate.is_trimmed_text(industry);
update dyniq.leads set pain_points = rowgate.trim_text_array(pain_points)
 where not rowgate.is_trimmed_text_array(pain_points);
update dyniq.leads set needs = rowgate.trim_text_array(needs)
 where not rowgate.is_trimmed_text_array(needs);

alter table dyniq.leads
  add constraint leads_name_check check (rowgate.is_trimmed_text(name)),
  add constraint leads_company_name_check check (rowgate.is_trimmed_text(company_name)),
  add constraint leads_industry_check check (rowgate.is_trimmed_text(industry)),
  add constraint leads_pain_points_check check (rowgate.is_trimmed_text_array(pain_points)),
  add constraint leads_needs_check check (rowgate.is_trimmed_text_array(needs)),
  add constraint leads_created_at_check check (isfinite(created_at)),
  add constraint leads_updated_at_check check (isfinite(updated_at));

-- ---------------------------------------------------------------------------------------------
-- dyniq.quiz_responses
-- ---------------------------------------------------------------------------------------------

-- submission_id is unique: two ids that differ only by surrounding whitespace would collide
-- here, as they would through the core.
update dyniq.quiz_responses set submission_id = rowgate.trim_text(submission_id)
 where not rowgate.is_trimmed_text(submission_id);

alter table dyniq.quiz_responses
  add constraint quiz_responses_submission_id_check check (rowgate.is_trimmed_text(submission_id)),
  add constraint quiz_responses_created_at_check check (isfinite(created_at));

-- ---------------------------------------------------------------------------------------------
-- dyniq.content_posts
-- ---------------------------------------------------------------------------------------------

update dyniq.content_posts set hook = rowgate.trim_text(hook)
 where not rowgate.is_trimmed_text(hook);
update dyniq.content_posts set topic = rowgate.trim_text(topic)
 where not rowgate.is_trimmed_text(topic);
update dyniq.content_posts set body = rowgate.trim_text(body)
 where not rowgate.is_trimmed_text(body);

alter table dyniq.content_posts
  add constraint content_posts_hook_check check (rowgate.is_trimmed_text(hook)),
  add constraint content_posts_topic_check check (rowgate.is_trimmed_text(topic)),
  add constraint content_posts_body_check check (rowgate.is_trimmed_text(body)),
  add constraint content_posts_post_date_check check (isfinite(post_date)),
  add constraint content_posts_created_at_check check (isfinite(created_at)),
  add constraint content_posts_updated_at_check check (isfinite(updated_at));

-- ---------------------------------------------------------------------------------------------
-- dyniq.content_metrics
-- ---------------------------------------------------------------------------------------------

alter table dyniq.content_metrics
  add constraint content_metrics_metric_date_check check (isfinite(metric_date)),
  add constraint content_metrics_created_at_check check (isfinite(created_at));

-- ---------------------------------------------------------------------------------------------
-- dyniq.board_meetings
-- ---------------------------------------------------------------------------------------------

update dyniq.board_meetings set topic = rowgate.trim_text(topic)
 where not rowgate.is_trimmed_text(topic);
update dyniq.board_meetings set decision_type = rowgate.trim_text(decision_type)
 where not rowgate.is_trimmed_text(decision_type);

alter table dyniq.board_meetings
  add constraint board_meetings_topic_check check (rowgate.is_trimmed_text(topic)),
  add constraint board_meetings_decision_type_check check (rowgate.is_trimmed_text(decision_type)),
  add constraint board_meetings_created_at_check check (isfinite(created_at)),
  add constraint board_meetings_updated_at_check check (isfinite(updated_at));

-- ---------------------------------------------------------------------------------------------
-- dyniq.universal_embeddings
-- ---------------------------------------------------------------------------------------------

update dyniq.universal_embeddings set source_type = rowgate.trim_text(source_type)
 where not rowgate.is_trimmed_text(source_type);
update dyniq.universal_embeddings set content = rowgate.trim_text(content)
 where not rowgate.is_trimmed_text(content);

alter table dyniq.universal_embeddings
  add constraint universal_embeddings_source_type_check check (rowgate.is_trimmed_text(source_type)),
  add constraint universal_embeddings_content_check check (rowgate.is_trimmed_text(content)),
  add constraint universal_embeddings_created_at_check check (isfinite(created_at));
