-- Text as rowgate-core shapes it, stated once for every app schema's CHECKs (design decision 10).
-- The core trims every free-text value and turns one that is blank once trimmed into null; a
-- `text[]` keeps its items trimmed, drops blank and null ones, and holds strings only (no nested
-- arrays). A direct PostgREST write skips the core, so the database refuses what the core would
-- have changed: a value with whitespace at either end, an empty or blank value, and in an array
-- a null, blank or untrimmed item or a second dimension. Whitespace inside the text (newlines,
-- tabs, double spaces) is kept by the core and allowed here.
--
-- "Whitespace" is the core's: Rust's `str::trim`, the Unicode White_Space property (25 code
-- points), not btrim's default of a single space nor `\s`, whose meaning depends on the locale.
-- Zero-width characters (U+200B, U+FEFF) are not White_Space: the core keeps them, so they are
-- allowed here too.
--
-- SQL-standard bodies (`return`/`begin atomic`): parsed once at creation, so the writer's search
-- path plays no part. Each sets an empty search_path as design decision 3 asks, except
-- rowgate.is_trimmed_text: the planner inlines a SQL function into each CHECK only when it has no
-- SET clause and is not strict, and inlined it costs about a tenth as much (measured: 200,000
-- rows with four such checks, 0.17 s inlined against 1.4 s called). rowgate.whitespace() keeps
-- its SET: it is immutable without arguments, so the planner folds it into a constant.
-- Execute stays granted to public: they are pure predicates, and every role that writes a table
-- must be able to run its CHECKs.

-- ---------------------------------------------------------------------------------------------
-- functions
-- ---------------------------------------------------------------------------------------------

-- The 25 White_Space code points: U+0009-U+000D, U+0020, U+0085, U+00A0, U+1680,
-- U+2000-U+200A, U+2028, U+2029, U+202F, U+205F, U+3000.
create or replace function rowgate.whitespace()
returns text
language sql
immutable
parallel safe
set search_path = ''
return E'\u0009\u000A\u000B\u000C\u000D\u0020\u0085\u00A0\u1680'
    || E'\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200A'
    || E'\u2028\u2029\u202F\u205F\u3000';

comment on function rowgate.whitespace() is
  'The characters rowgate-core trims (Unicode White_Space, as Rust''s str::trim).';

-- True when p is as the core would send it: not empty, nothing to trim at either end. Null for
-- null, which a CHECK accepts: nullability is the column's business. Not declared strict (it is,
-- in effect) and no SET clause, so that it is inlined (above).
create or replace function rowgate.is_trimmed_text(p text)
returns boolean
language sql
immutable
parallel safe
return p <> '' and p = pg_catalog.btrim(p, rowgate.whitespace());

comment on function rowgate.is_trimmed_text(text) is
  'Not empty and without whitespace (rowgate.whitespace()) at either end: text as rowgate-core shapes it.';

-- The text as the core would shape it: trimmed, null when blank. For migrations that bring
-- existing rows in line before adding a CHECK.
create or replace function rowgate.trim_text(p text)
returns text
language sql
immutable
strict
parallel safe
set search_path = ''
return nullif(pg_catalog.btrim(p, rowgate.whitespace()), '');

comment on function rowgate.trim_text(text) is
  'Trimmed of rowgate.whitespace(), null when blank: text as rowgate-core shapes it.';

-- True when every item of a one-dimensional (or empty) array is trimmed text: no null item,
-- no blank or untrimmed one. Null for a null array.
create or replace function rowgate.is_trimmed_text_array(p text[])
returns boolean
language sql
immutable
strict
parallel safe
set search_path = ''
begin atomic
  select coalesce(pg_catalog.array_ndims(p), 1) = 1
     and not exists (select from pg_catalog.unnest(p) as item
                      where item is null or not rowgate.is_trimmed_text(item));
end;

comment on function rowgate.is_trimmed_text_array(text[]) is
  'One dimension, and every item trimmed, non-blank text (rowgate.is_trimmed_text): a text[] as rowgate-core shapes it.';

-- The array as the core would shape it: items trimmed, null and blank ones dropped, in order;
-- a second dimension is flattened. For migrations that bring existing rows in line.
create or replace function rowgate.trim_text_array(p text[])
returns text[]
language sql
immutable
strict
parallel safe
set search_path = ''
begin atomic
  select coalesce(pg_catalog.array_agg(rowgate.trim_text(item) order by n)
                    filter (where rowgate.trim_text(item) is not null), '{}')
    from pg_catalog.unnest(p) with ordinality as u(item, n);
end;

comment on function rowgate.trim_text_array(text[]) is
  'Items trimmed, null and blank items dropped: a text[] as rowgate-core shapes it.';
