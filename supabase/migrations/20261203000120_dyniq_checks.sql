-- Formats and ranges that rowgate-core checks and the database did not hold as strictly
-- (design decision 10): a direct PostgREST write must meet them too. Each constraint is dropped
-- and added again under the same name, because the API maps constraint names to fields.

-- ---------------------------------------------------------------------------------------------
-- dyniq.leads
-- ---------------------------------------------------------------------------------------------

-- ASCII only: the old pattern took any character but whitespace and @, so a right-to-left
-- override (U+202E), zero-width or other invisible characters made an address that displays as
-- another one. Local part: the characters RFC 5322 allows unquoted; domain: labels of letters,
-- digits and hyphens, at least two. rowgate-core checks the same pattern.
alter table dyniq.leads drop constraint leads_email_format;
alter table dyniq.leads add constraint leads_email_format check (
  email = lower(btrim(email))
  and email ~ '^[a-z0-9!#$%&''*+/=?^_`{|}~.-]+@[a-z0-9-]+(\.[a-z0-9-]+)+$'
);

-- ---------------------------------------------------------------------------------------------
-- dyniq.quiz_responses
-- ---------------------------------------------------------------------------------------------

-- The old pattern let control characters, invisible characters and an empty host through
-- (`https:///x`). Now: printable ASCII throughout, an http or https scheme, and a host (the
-- first character after // is not /, ? or #). An address with other characters is sent
-- percent-encoded.
alter table dyniq.quiz_responses drop constraint quiz_responses_sales_briefing_url_format;
alter table dyniq.quiz_responses add constraint quiz_responses_sales_briefing_url_format check (
  sales_briefing_url ~ '^(?=[!-~]+$)https?://[^/?#]'
);

-- ---------------------------------------------------------------------------------------------
-- dyniq.board_meetings
-- ---------------------------------------------------------------------------------------------

-- 'NaN' and 'Infinity' are double precision values, and both pass `>= 0` (NaN sorts above every
-- number); the core takes finite numbers only. `< 'Infinity'` refuses both.
alter table dyniq.board_meetings drop constraint board_meetings_total_cost_usd_range;
alter table dyniq.board_meetings add constraint board_meetings_total_cost_usd_range check (
  total_cost_usd >= 0 and total_cost_usd < 'Infinity'
);
