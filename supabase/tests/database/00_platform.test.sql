-- Platform: the extensions every app schema relies on, and the `rowgate` housekeeping schema
-- (pruning pg_cron's run history, the signed webhook ingest machinery and their cron jobs).
-- Every function the app schemas define is checked here for the rules of design decision 3.
begin;
select plan(66);

-- ---------------------------------------------------------------------------------------------
-- extensions (hosted Supabase keeps them in `extensions`; pg_cron lives in pg_catalog)
-- ---------------------------------------------------------------------------------------------

select has_extension('extensions', 'pgcrypto', 'pgcrypto is installed in extensions');
select has_extension('extensions', 'uuid-ossp', 'uuid-ossp is installed in extensions');
select has_extension('extensions', 'vector', 'pgvector is installed in extensions');
select has_extension('pg_catalog', 'pg_cron', 'pg_cron is installed in pg_catalog');

-- ---------------------------------------------------------------------------------------------
-- the rowgate schema: not exposed through the API, reachable only by the service role
-- ---------------------------------------------------------------------------------------------

select has_schema('rowgate');
select schema_privs_are('rowgate', 'anon', array[]::text[], 'anon cannot use the rowgate schema');
-- authenticated calls rowgate.write_records through its schema's wrapper (security invoker), so it
-- may use the schema; no rowgate table is granted to it (below).
select schema_privs_are('rowgate', 'authenticated', array['USAGE'], 'authenticated may use the rowgate schema, to reach write_records');
select schema_privs_are('rowgate', 'service_role', array['USAGE'], 'service_role can use the rowgate schema');
select tables_are('rowgate', array['webhook_deliveries']);
select functions_are('rowgate', array['prune_cron_job_run_details', 'ingest', 'prune_webhook_deliveries', 'write_records',
  'whitespace', 'is_trimmed_text', 'trim_text', 'is_trimmed_text_array', 'trim_text_array']);

-- The formats the app schemas share, as domains (20261203001000): a column of that format is of
-- the domain, and a value that breaks it is refused by the domain's named constraint (the API
-- maps the name to the fields of that domain). Their patterns are tested through the columns
-- that use them (02_dyniq_constraints, 07_dyniq_direct_writes, 21_yachtparty_constraints).
-- Yachtparty's migration (20261203002000) added three: Twilio message SIDs, dotted event types
-- and text kept verbatim (which has no check: it may be anything, even empty).
select domains_are('rowgate', array['email', 'e164_phone', 'http_url', 'thread_id',
  'twilio_message_sid', 'event_type', 'verbatim_text']);
select is(
  (select format_type(typbasetype, typtypmod) from pg_type where oid = format('rowgate.%s', d)::regtype), t,
  format('rowgate.%s is a domain over %s', d, t))
  from (values ('email', 'character varying(320)'), ('e164_phone', 'character varying(16)'),
               ('http_url', 'text'), ('thread_id', 'character varying(100)'),
               ('twilio_message_sid', 'character varying(34)'), ('event_type', 'character varying(100)'),
               ('verbatim_text', 'text')) as v(d, t);
select results_eq(
  $$ select format('%s %s %s', format_type(con.contypid, null), con.conname, con.contype) collate "default"
       from pg_constraint con join pg_type t on t.oid = con.contypid
      where t.typnamespace = 'rowgate'::regnamespace
      order by 1 $$,
  array['rowgate.e164_phone e164_phone_format c', 'rowgate.email email_format c',
        'rowgate.event_type event_type_format c', 'rowgate.http_url http_url_format c',
        'rowgate.thread_id thread_id_format c', 'rowgate.twilio_message_sid twilio_message_sid_format c'],
  'each rowgate domain has exactly its named check constraint (rowgate.verbatim_text has none)');

-- Design decision 3: functions set search_path, and none is SECURITY DEFINER (none needs it).
-- One exception: rowgate.is_trimmed_text, which a SET clause would keep the planner from inlining
-- into every text column's CHECK (20261203000300). Its body is SQL-standard, resolved when it was
-- created, so the caller's search_path cannot change what it calls.
select is_empty(
  $$ select n.nspname || '.' || p.proname
       from pg_proc p join pg_namespace n on n.oid = p.pronamespace
      where n.nspname in ('rowgate', 'dyniq', 'walker_os')
        and not coalesce(p.proconfig @> array['search_path=""'], false)
        and not (p.oid = 'rowgate.is_trimmed_text(text)'::regprocedure and p.prosqlbody is not null) $$,
  'every rowgate, dyniq and walker_os function sets an empty search_path');
select is_empty(
  $$ select n.nspname || '.' || p.proname
       from pg_proc p join pg_namespace n on n.oid = p.pronamespace
      where n.nspname in ('rowgate', 'dyniq', 'walker_os') and p.prosecdef $$,
  'no rowgate, dyniq or walker_os function is security definer');

-- ---------------------------------------------------------------------------------------------
-- rowgate.prune_cron_job_run_details
-- ---------------------------------------------------------------------------------------------

select function_returns('rowgate', 'prune_cron_job_run_details', array['interval'], 'bigint');
select function_privs_are('rowgate', 'prune_cron_job_run_details', array['interval'], 'anon', array[]::text[]);
select function_privs_are('rowgate', 'prune_cron_job_run_details', array['interval'], 'authenticated', array[]::text[]);
select function_privs_are('rowgate', 'prune_cron_job_run_details', array['interval'], 'service_role', array[]::text[]);

-- Runs of this test are marked by the transaction id in `command`, so only they are counted.
select lives_ok(
  $$ insert into cron.job_run_details (command, status, return_message, start_time, end_time)
     values (format('-- pgTAP %s', txid_current()), 'succeeded', 'eight days old', now() - interval '8 days 1 minute', now() - interval '8 days'),
            (format('-- pgTAP %s', txid_current()), 'failed', 'a month old', now() - interval '30 days', now() - interval '30 days'),
            (format('-- pgTAP %s', txid_current()), 'succeeded', 'a day old', now() - interval '1 day', now() - interval '1 day'),
            (format('-- pgTAP %s', txid_current()), 'running', 'still running', now() - interval '1 hour', null),
            (format('-- pgTAP %s', txid_current()), 'running', 'crashed long ago', now() - interval '10 days', null) $$,
  'five runs of a job are recorded: two older than a week, one recent, one running, one that never finished');
select cmp_ok(rowgate.prune_cron_job_run_details(), '>=', 3::bigint,
  'pruning reports at least the two old runs and the one that never finished');
select results_eq(
  $$ select return_message from cron.job_run_details where command = format('-- pgTAP %s', txid_current()) order by 1 $$,
  array['a day old', 'still running'],
  'runs that ended, or started and never ended, more than 7 days ago are pruned');
select cmp_ok(rowgate.prune_cron_job_run_details(interval '12 hours'), '>=', 1::bigint,
  'a shorter retention can be given');
select results_eq(
  $$ select return_message from cron.job_run_details where command = format('-- pgTAP %s', txid_current()) $$,
  array['still running'],
  'with 12 hours retention the day-old run goes too');

-- ---------------------------------------------------------------------------------------------
-- rowgate.webhook_deliveries: one row per delivery seen; backend only
-- ---------------------------------------------------------------------------------------------

select columns_are('rowgate', 'webhook_deliveries', array['id', 'schema_name', 'table_name', 'record_count', 'received_at']);
select col_type_is('rowgate', 'webhook_deliveries', 'id', 'character varying(300)', 'id is varchar(300)');
select col_type_is('rowgate', 'webhook_deliveries', 'record_count', 'integer', 'record_count is integer');
select col_type_is('rowgate', 'webhook_deliveries', 'received_at', 'timestamp with time zone', 'received_at is timestamptz');
select col_is_pk('rowgate', 'webhook_deliveries', array['schema_name', 'id'], 'the primary key is (schema_name, id): delivery ids are scoped by schema');
select col_not_null('rowgate', 'webhook_deliveries', 'schema_name', 'schema_name is not null');
select col_not_null('rowgate', 'webhook_deliveries', 'table_name', 'table_name is not null');
select col_not_null('rowgate', 'webhook_deliveries', 'record_count', 'record_count is not null');
select col_default_is('rowgate', 'webhook_deliveries', 'received_at', 'now()', 'received_at defaults to now()');
select has_index('rowgate', 'webhook_deliveries', 'webhook_deliveries_received_at_idx', array['received_at']);
select ok((select relrowsecurity from pg_class where oid = 'rowgate.webhook_deliveries'::regclass),
  'rowgate.webhook_deliveries has row-level security enabled');
select table_privs_are('rowgate', 'webhook_deliveries', 'anon', array[]::text[]);
select table_privs_are('rowgate', 'webhook_deliveries', 'authenticated', array[]::text[]);
select table_privs_are('rowgate', 'webhook_deliveries', 'service_role', array['SELECT', 'INSERT', 'DELETE']);

-- ---------------------------------------------------------------------------------------------
-- rowgate.ingest: a delivery's records and its id in one transaction; a repeat writes nothing
-- ---------------------------------------------------------------------------------------------

select function_privs_are('rowgate', 'ingest', array['text', 'text', 'text', 'jsonb', 'text[]'], 'anon', array[]::text[]);
select function_privs_are('rowgate', 'ingest', array['text', 'text', 'text', 'jsonb', 'text[]'], 'authenticated', array[]::text[]);
select function_privs_are('rowgate', 'ingest', array['text', 'text', 'text', 'jsonb', 'text[]'], 'service_role', array['EXECUTE']);

select tests.authenticate_as_service_role();
select is(
  rowgate.ingest('dyniq', format('pgtap-%s', txid_current()), 'content_posts',
    jsonb_build_array(jsonb_build_object('platform', 'linkedin', 'topic', format('pgTAP ingest %s', txid_current()))))
    - 'rows',
  '{"duplicate": false}'::jsonb,
  'a new delivery is not a duplicate');
select is(
  (select count(*) from dyniq.content_posts where topic = format('pgTAP ingest %s', txid_current())),
  1::bigint,
  'its record is inserted');
select is(
  (select record_count from rowgate.webhook_deliveries where id = format('pgtap-%s', txid_current())),
  1,
  'the delivery is recorded with its record count');
select is(
  rowgate.ingest('dyniq', format('pgtap-%s', txid_current()), 'content_posts',
    jsonb_build_array(jsonb_build_object('platform', 'linkedin', 'topic', format('pgTAP ingest %s', txid_current())))),
  '{"duplicate": true}'::jsonb,
  'the same delivery again is a duplicate');
select is(
  (select count(*) from dyniq.content_posts where topic = format('pgTAP ingest %s', txid_current())),
  1::bigint,
  'and writes nothing');
select throws_ok(
  $$ select rowgate.ingest('dyniq', 'pgtap-unknown-table', 'no_such_table', '[]') $$,
  '42P01', 'unknown table dyniq.no_such_table',
  'an unknown table is refused');
select throws_ok(
  $$ select rowgate.ingest('dyniq', 'pgtap-not-an-array', 'content_posts', '{"platform": "linkedin"}') $$,
  '22023', 'p_records must be a JSON array',
  'records that are not a JSON array are refused');
select throws_ok(
  format($$ select rowgate.ingest('dyniq', 'pgtap-bad-%s', 'content_posts', '[{"platform": "linkedin"}, {"platform": "myspace"}]') $$, txid_current()),
  '23514', null,
  'a batch with one bad record fails as a whole');
select is_empty(
  format($$ select from rowgate.webhook_deliveries where id = 'pgtap-bad-%s' $$, txid_current()),
  'so its delivery id is not recorded and the sender can retry');
select tests.clear_authentication();

-- ---------------------------------------------------------------------------------------------
-- rowgate.prune_webhook_deliveries
-- ---------------------------------------------------------------------------------------------

select function_privs_are('rowgate', 'prune_webhook_deliveries', array['interval'], 'service_role', array[]::text[]);
select lives_ok(
  format($$ insert into rowgate.webhook_deliveries (id, schema_name, table_name, record_count, received_at)
     values ('pgtap-old-%1$s', 'dyniq', 'leads', 1, now() - interval '31 days'),
            ('pgtap-new-%1$s', 'dyniq', 'leads', 1, now() - interval '29 days') $$, txid_current()),
  'two deliveries are recorded, 31 and 29 days ago');
select cmp_ok(rowgate.prune_webhook_deliveries(), '>=', 1::bigint, 'pruning reports at least the old delivery');
select results_eq(
  format($$ select id::text from rowgate.webhook_deliveries where id like 'pgtap-%%-%s' $$, txid_current()),
  array[format('pgtap-new-%s', txid_current())],
  'only deliveries older than 30 days are pruned');

-- ---------------------------------------------------------------------------------------------
-- cron jobs, each a call to a function tested above
-- ---------------------------------------------------------------------------------------------

select results_eq(
  $$ select schedule, command, database, active from cron.job where jobname = 'rowgate-prune-cron-history' $$,
  $$ values ('17 3 * * *', 'select rowgate.prune_cron_job_run_details()', 'postgres', true) $$,
  'rowgate-prune-cron-history runs daily at 03:17 and prunes the run history');
select results_eq(
  $$ select schedule, command, database, active from cron.job where jobname = 'rowgate-prune-webhook-deliveries' $$,
  $$ values ('23 3 * * *', 'select rowgate.prune_webhook_deliveries()', 'postgres', true) $$,
  'rowgate-prune-webhook-deliveries runs daily at 03:23 and prunes old delivery ids');
-- Re-running the migration's cron.schedule (as `supabase db push` on a fresh branch would) must
-- update the job of that name rather than add a second one.
select is(
  cron.schedule('rowgate-prune-cron-history', '17 3 * * *', 'select rowgate.prune_cron_job_run_details()'),
  (select jobid from cron.job where jobname = 'rowgate-prune-cron-history'),
  'scheduling the job again returns the existing job');
select is(
  (select count(*) from cron.job where jobname = 'rowgate-prune-cron-history'),
  1::bigint,
  'and leaves one job of that name');

select * from finish();
rollback;
