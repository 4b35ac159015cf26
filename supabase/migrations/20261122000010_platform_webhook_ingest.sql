-- Signed server-to-server ingest (POST /webhooks/{schema}/ingest). The records and the
-- delivery's id are written in one transaction, and the id's primary key makes a repeated
-- delivery a no-op: nothing is lost when the sender retries and nothing is written twice.
-- Each app schema exposes it through a one-line `<schema>.ingest` wrapper (PostgREST only
-- reaches exposed schemas); the machinery lives here once.

create table rowgate.webhook_deliveries (
  -- The sender's `webhook-id` (Standard Webhooks), prefixed with its source.
  id varchar(300) primary key,
  schema_name text not null,
  table_name text not null,
  record_count integer not null,
  received_at timestamptz not null default now()
);

create index webhook_deliveries_received_at_idx on rowgate.webhook_deliveries (received_at);

alter table rowgate.webhook_deliveries enable row level security;
-- Backend only: the service role (which bypasses RLS) and nobody else.
grant usage on schema rowgate to service_role;
revoke all on rowgate.webhook_deliveries from anon, authenticated;
grant select, insert, delete on rowgate.webhook_deliveries to service_role;

-- Inserts (or, with p_on_conflict, upserts) already-shaped records into one table of an app
-- schema. Each record inserts only the columns it carries, so the others take their defaults.
-- Returns {"duplicate": false, "rows": [...]} or, for a delivery seen before, {"duplicate": true}.
create or replace function rowgate.ingest(
  p_schema text,
  p_delivery_id text,
  p_table text,
  p_records jsonb,
  p_on_conflict text[] default null
)
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_record jsonb;
  v_columns text;
  v_updates text;
  v_conflict text := '';
  v_row jsonb;
  v_rows jsonb := '[]';
begin
  if jsonb_typeof(p_records) is distinct from 'array' then
    raise exception 'p_records must be a JSON array' using errcode = '22023';
  end if;
  if not exists (select 1 from pg_catalog.pg_tables where schemaname = p_schema and tablename = p_table) then
    raise exception 'unknown table %.%', p_schema, p_table using errcode = '42P01';
  end if;

  insert into rowgate.webhook_deliveries (id, schema_name, table_name, record_count)
  values (p_delivery_id, p_schema, p_table, jsonb_array_length(p_records))
  on conflict (id) do nothing;
  if not found then
    return jsonb_build_object('duplicate', true);
  end if;

  for v_record in select value from jsonb_array_elements(p_records) loop
    select string_agg(pg_catalog.format('%I', key), ', '),
           string_agg(pg_catalog.format('%I = excluded.%I', key, key), ', ')
      into v_columns, v_updates
      from jsonb_object_keys(v_record) as key;
    if v_columns is null then
      raise exception 'each record must carry at least one field' using errcode = '22023';
    end if;
    if p_on_conflict is not null then
      v_conflict := pg_catalog.format(' on conflict (%s) do update set %s',
        (select string_agg(pg_catalog.format('%I', c), ', ') from unnest(p_on_conflict) as c), v_updates);
    end if;
    execute pg_catalog.format(
      'insert into %I.%I as t (%s) select %s from pg_catalog.jsonb_populate_record(null::%I.%I, $1)%s returning pg_catalog.to_jsonb(t.*)',
      p_schema, p_table, v_columns, v_columns, p_schema, p_table, v_conflict)
      using v_record into v_row;
    v_rows := v_rows || jsonb_build_array(v_row);
  end loop;

  return jsonb_build_object('duplicate', false, 'rows', v_rows);
end;
$$;

revoke all on function rowgate.ingest(text, text, text, jsonb, text[]) from public, anon, authenticated;
grant execute on function rowgate.ingest(text, text, text, jsonb, text[]) to service_role;

-- Old delivery ids only matter while a sender may still retry (Standard Webhooks senders give
-- up within days); keep 30 days.
create or replace function rowgate.prune_webhook_deliveries(keep interval default interval '30 days')
returns bigint
language plpgsql
set search_path = ''
as $$
declare
  removed bigint;
begin
  delete from rowgate.webhook_deliveries where received_at < now() - keep;
  get diagnostics removed = row_count;
  return removed;
end;
$$;

revoke all on function rowgate.prune_webhook_deliveries(interval) from public;

select cron.schedule(
  'rowgate-prune-webhook-deliveries',
  '23 3 * * *',
  'select rowgate.prune_webhook_deliveries()'
);
