-- One set-based write for every path that inserts or upserts records: the record API's bulk
-- upserts (through each schema's `<schema>.write_records`, called by PostgREST RPC with the
-- caller's own token) and the signed ingest (rowgate.ingest, below). Before this, a bulk upsert
-- through PostgREST set every column of the batch on every row, so a record that left a column
-- out erased it (issue 8: lead b's tier became null); ingest did it right, one row at a time.
--
-- The rules, for every table of every app schema:
-- - a record inserts only the columns it carries; the others take their defaults;
-- - an upsert changes only the columns that record carries, minus the conflict columns, minus
--   the columns the caller may not update (column grants: set-once and server-owned columns),
--   minus generated columns; a record left with nothing to set leaves its row unchanged and
--   still returns it;
-- - two records of one batch with the same conflict key fail the whole call (21000), as
--   PostgreSQL fails one statement that would change a row twice;
-- - the rows come back as a JSON array in the order of the records.
--
-- It is security invoker: it runs with the caller's grants and row-level security, so a user
-- can write through it exactly what a direct PostgREST write would let them write.

-- ---------------------------------------------------------------------------------------------
-- functions
-- ---------------------------------------------------------------------------------------------

create or replace function rowgate.write_records(
  p_schema text,
  p_table text,
  p_records jsonb,
  p_on_conflict text[] default null
)
returns jsonb
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_table oid;
  v_count integer;
  v_bad bigint;
  v_unknown text;
  -- Per conflict column k<i>: the value the row will have, as the table's type: the record's,
  -- or the column's default when the record leaves it out (user_id defaults to auth.uid()).
  v_key_exprs text;
  v_key_names text;
  v_key_match text;
  v_conflict text;
  v_duplicates bigint[];
  v_group record;
  v_columns text;
  v_select text;
  v_updates text;
  v_found jsonb;
  v_missing_recs jsonb;
  v_missing_ords bigint[];
  v_written jsonb;
  -- [[position in p_records, row], ...] of every group, put in order at the end.
  v_pairs jsonb := '[]';
  v_rows jsonb;
begin
  -- -------------------------------------------------------------------------------------------
  -- what is asked: checked whole before anything is written, each with its own SQLSTATE
  -- -------------------------------------------------------------------------------------------
  if jsonb_typeof(p_records) is distinct from 'array' then
    raise exception 'p_records must be a JSON array' using errcode = '22023';
  end if;
  select c.oid into v_table
    from pg_catalog.pg_class c
    join pg_catalog.pg_namespace n on n.oid = c.relnamespace
   where n.nspname = p_schema and c.relname = p_table and c.relkind in ('r', 'p');
  if v_table is null then
    raise exception 'unknown table %.%', p_schema, p_table using errcode = '42P01';
  end if;
  v_count := jsonb_array_length(p_records);
  if v_count = 0 then
    raise exception 'p_records must hold at least one record' using errcode = '22023';
  end if;
  select e.ord - 1 into v_bad
    from jsonb_array_elements(p_records) with ordinality as e(rec, ord)
   where jsonb_typeof(e.rec) <> 'object'
   order by e.ord limit 1;
  if v_bad is not null then
    raise exception 'each record must be a JSON object'
      using errcode = '22023', detail = pg_catalog.format('record %s is not', v_bad);
  end if;
  select e.ord - 1 into v_bad
    from jsonb_array_elements(p_records) with ordinality as e(rec, ord)
   where e.rec = '{}'
   order by e.ord limit 1;
  if v_bad is not null then
    raise exception 'each record must carry at least one field'
      using errcode = '22023', detail = pg_catalog.format('record %s is empty', v_bad);
  end if;
  -- Named like PostgreSQL's own error for an insert that names a column the table lacks.
  select k into v_unknown
    from (select jsonb_object_keys(e) as k from jsonb_array_elements(p_records) as e
          union
          select unnest(p_on_conflict)) as keys
   where not exists (
     select from pg_catalog.pg_attribute a
      where a.attrelid = v_table and a.attname::text = keys.k and a.attnum > 0 and not a.attisdropped)
   limit 1;
  if found then
    raise exception 'column "%" of relation "%" does not exist', v_unknown, p_table using errcode = '42703';
  end if;

  if p_on_conflict is not null then
    if cardinality(p_on_conflict) = 0 or array_position(p_on_conflict, null) is not null then
      raise exception 'p_on_conflict must name at least one column, and no null' using errcode = '22023';
    end if;
    -- ON CONFLICT would say this itself, but a batch whose records all leave the row as it is
    -- never runs an ON CONFLICT (see below): check it once, the way PostgreSQL infers it.
    if not exists (
      select from pg_catalog.pg_index i
       where i.indrelid = v_table and i.indisunique and i.indimmediate
         and i.indpred is null and i.indexprs is null
         and (select array_agg(a.attname::text order by a.attname::text)
                from pg_catalog.pg_attribute a
               where a.attrelid = v_table and a.attnum = any (i.indkey))
             = (select array_agg(distinct c order by c) from unnest(p_on_conflict) as c)) then
      raise exception 'there is no unique or exclusion constraint matching the ON CONFLICT specification'
        using errcode = '42P10';
    end if;

    select string_agg(pg_catalog.format('case when e.rec ? %L then r.%I else %s end as k%s',
             a.attname, a.attname,
             case when d.adbin is null then 'null'
               else pg_catalog.format('(%s)::%s', pg_catalog.pg_get_expr(d.adbin, d.adrelid),
                                      pg_catalog.format_type(a.atttypid, a.atttypmod)) end,
             k.i), ', ' order by k.i),
           string_agg('k' || k.i, ', ' order by k.i),
           string_agg(pg_catalog.format('t.%I = k.k%s', a.attname, k.i), ' and ' order by k.i),
           string_agg(pg_catalog.format('%I', a.attname), ', ' order by k.i)
      into v_key_exprs, v_key_names, v_key_match, v_conflict
      from unnest(p_on_conflict) with ordinality as k(name, i)
      join pg_catalog.pg_attribute a on a.attrelid = v_table and a.attname::text = k.name
      -- A generated column's expression is not a default: such a key is never matched here.
      left join pg_catalog.pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum and a.attgenerated = '';

    -- Two records that would write the same row: typed comparison, as the unique index compares;
    -- a null key never conflicts.
    execute pg_catalog.format(
      'select array_agg(ord - 1 order by ord) from (
         select k.ord, pg_catalog.count(*) over (partition by %1$s) as n
           from (select e.ord, %2$s
                   from pg_catalog.jsonb_array_elements($1) with ordinality as e(rec, ord)
                   cross join lateral pg_catalog.jsonb_populate_record(null::%3$I.%4$I, e.rec) as r) as k
          where (%1$s) is not null) as counted
        where n > 1',
      v_key_names, v_key_exprs, p_schema, p_table)
      using p_records into v_duplicates;
    if v_duplicates is not null then
      raise exception 'records % of the batch have the same %', array_to_string(v_duplicates, ', '),
          array_to_string(p_on_conflict, ', ')
        using errcode = '21000',
              hint = 'A batch may write each row once: merge the records that share a key.';
    end if;
  end if;

  -- -------------------------------------------------------------------------------------------
  -- the writes: one statement per set of fields carried, never one per record
  -- -------------------------------------------------------------------------------------------
  for v_group in
    select g.keys, array_agg(g.ord order by g.ord) as ords, jsonb_agg(g.rec order by g.ord) as recs
      from (select e.ord, e.rec, array(select k from jsonb_object_keys(e.rec) as k order by k) as keys
              from jsonb_array_elements(p_records) with ordinality as e(rec, ord)) as g
     group by g.keys
     order by min(g.ord)
  loop
    select string_agg(pg_catalog.format('%I', k), ', '), string_agg(pg_catalog.format('r.%I', k), ', ')
      into v_columns, v_select
      from unnest(v_group.keys) as k;

    v_updates := null;
    if p_on_conflict is not null then
      select string_agg(pg_catalog.format('%I = excluded.%I', a.attname, a.attname), ', ' order by a.attnum)
        into v_updates
        from pg_catalog.pg_attribute a
       where a.attrelid = v_table and a.attnum > 0 and not a.attisdropped
         and a.attname::text = any (v_group.keys)
         and not (a.attname::text = any (p_on_conflict))
         and a.attgenerated = ''
         and pg_catalog.has_column_privilege(v_table, a.attnum, 'UPDATE');
    end if;

    if p_on_conflict is not null and v_updates is null then
      -- Nothing this record may change: its row, if it exists, is returned as it is. No
      -- DO UPDATE (it would fire the update triggers, bump updated_at and need update rights)
      -- and no DO NOTHING (it returns nothing): the rows the caller can see are looked up by
      -- key, and only the records with none are inserted. A row the caller cannot see makes
      -- that insert fail on the unique key, as a direct insert would.
      execute pg_catalog.format(
        'select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_array(k.ord, pg_catalog.to_jsonb(t.*)) order by k.ord)
           from (select e.ord, %1$s
                   from pg_catalog.jsonb_array_elements($1) with ordinality as e(rec, ord)
                   cross join lateral pg_catalog.jsonb_populate_record(null::%2$I.%3$I, e.rec) as r) as k
           left join %2$I.%3$I as t on %4$s',
        v_key_exprs, p_schema, p_table, v_key_match)
        using v_group.recs into v_found;
      select coalesce(jsonb_agg(jsonb_build_array(v_group.ords[(f ->> 0)::int], f -> 1))
                        filter (where f -> 1 <> 'null'), '[]'),
             jsonb_agg(v_group.recs -> ((f ->> 0)::int - 1) order by (f ->> 0)::int)
               filter (where f -> 1 = 'null'),
             array_agg(v_group.ords[(f ->> 0)::int] order by (f ->> 0)::int) filter (where f -> 1 = 'null')
        into v_written, v_missing_recs, v_missing_ords
        from jsonb_array_elements(v_found) as f;
      v_pairs := v_pairs || v_written;
      if v_missing_recs is null then
        continue;
      end if;
      v_group.recs := v_missing_recs;
      v_group.ords := v_missing_ords;
    end if;

    -- The rows come back from RETURNING in the order they were inserted, which is the order of
    -- the select: numbered, they pair with the records' positions.
    execute pg_catalog.format(
      'with written as (
         insert into %1$I.%2$I as t (%3$s)
         select %4$s from pg_catalog.jsonb_populate_recordset(null::%1$I.%2$I, $1) with ordinality as r
          order by r.ordinality
         %5$s
         returning pg_catalog.to_jsonb(t.*) as written_row)
       select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_array($2[n], written_row) order by n)
         from (select written_row, pg_catalog.row_number() over () as n from written) as w',
      p_schema, p_table, v_columns, v_select,
      case when v_updates is not null
        then pg_catalog.format('on conflict (%s) do update set %s', v_conflict, v_updates) end)
      using v_group.recs, v_group.ords into v_written;
    if coalesce(jsonb_array_length(v_written), 0) <> cardinality(v_group.ords) then
      raise exception 'only % of % records were written', coalesce(jsonb_array_length(v_written), 0),
        cardinality(v_group.ords) using errcode = 'XX000';
    end if;
    v_pairs := v_pairs || v_written;
  end loop;

  select jsonb_agg(p -> 1 order by (p ->> 0)::bigint) into v_rows from jsonb_array_elements(v_pairs) as p;
  if coalesce(jsonb_array_length(v_rows), 0) <> v_count then
    raise exception 'only % of % records were written', coalesce(jsonb_array_length(v_rows), 0), v_count
      using errcode = 'XX000';
  end if;
  return v_rows;
end;
$$;

-- Signed ingest, now through write_records: one implementation for both paths. Same signature
-- and answer; the delivery id is recorded per schema (20261203000000).
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
begin
  -- Checked before the delivery is recorded (write_records checks them again, and the rest).
  if jsonb_typeof(p_records) is distinct from 'array' then
    raise exception 'p_records must be a JSON array' using errcode = '22023';
  end if;
  if not exists (select 1 from pg_catalog.pg_tables where schemaname = p_schema and tablename = p_table) then
    raise exception 'unknown table %.%', p_schema, p_table using errcode = '42P01';
  end if;

  insert into rowgate.webhook_deliveries (schema_name, id, table_name, record_count)
  values (p_schema, p_delivery_id, p_table, jsonb_array_length(p_records))
  on conflict (schema_name, id) do nothing;
  if not found then
    return jsonb_build_object('duplicate', true);
  end if;

  -- A failing record fails the call, and with it the delivery's row: the sender's retry is
  -- not mistaken for a duplicate.
  return jsonb_build_object('duplicate', false,
    'rows', rowgate.write_records(p_schema, p_table, p_records, p_on_conflict));
end;
$$;

-- ---------------------------------------------------------------------------------------------
-- grants
-- ---------------------------------------------------------------------------------------------

-- Signed-in users reach write_records through their schema's wrapper, which runs as them, so
-- they need the schema and the function; no rowgate table is granted to them (webhook_deliveries
-- stays the service role's), and every other rowgate function revokes execute from public.
grant usage on schema rowgate to authenticated;
revoke all on function rowgate.write_records(text, text, jsonb, text[]) from public, anon;
grant execute on function rowgate.write_records(text, text, jsonb, text[]) to authenticated, service_role;

revoke all on function rowgate.ingest(text, text, text, jsonb, text[]) from public, anon, authenticated;
grant execute on function rowgate.ingest(text, text, text, jsonb, text[]) to service_role;
