-- Formats the database states once, as domains: every column of that format uses the domain, so
-- a client writing through PostgREST directly meets the same rule as one calling the Worker, and
-- the generator (`cargo run -p rowgate-xtask -- gen`) maps each domain to the core's shaping kind
-- (rowgate.email → shape::email, …). A violation names the domain's constraint
-- (`value for domain rowgate.email violates check constraint "email_format"`); the core finds
-- the fields from the columns of that domain.
--
-- The patterns are the core's `Format::db_pattern`; the generator's output and the tests keep the
-- two equal.

create domain rowgate.email as varchar(320)
  constraint email_format check (
    value = lower(btrim(value))
    and value ~ '^[a-z0-9!#$%&''*+/=?^_`{|}~.-]+@[a-z0-9-]+(\.[a-z0-9-]+)+$'
  );
comment on domain rowgate.email is
  'An email address: trimmed and lower-cased ASCII, local@domain.tld.';

create domain rowgate.e164_phone as varchar(16)
  constraint e164_phone_format check (value ~ '^\+[1-9][0-9]{6,14}$');
comment on domain rowgate.e164_phone is
  'A phone number in E.164: + and 7 to 15 digits, the first not 0.';

create domain rowgate.http_url as text
  constraint http_url_format check (value ~ '^(?=[!-~]+$)https?://[^/?#]');
comment on domain rowgate.http_url is
  'An http:// or https:// URL with a host, in printable ASCII.';

create domain rowgate.thread_id as varchar(100)
  constraint thread_id_format check (value ~ '^bm-[A-Za-z0-9][A-Za-z0-9_-]*$');
comment on domain rowgate.thread_id is
  'A board meeting thread id: bm- and letters, digits, _ or -.';

-- The roles that write through PostgREST (already granted usage on the schema rowgate).
grant usage on domain rowgate.email, rowgate.e164_phone, rowgate.http_url, rowgate.thread_id
  to authenticated, service_role;
