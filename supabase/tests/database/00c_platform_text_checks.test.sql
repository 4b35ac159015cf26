-- The text predicates every app schema's CHECKs use (20261203000300): text and text[] as
-- rowgate-core shapes them. The whitespace they trim is exactly the core's (Rust's str::trim,
-- Unicode White_Space); whitespace inside the text is allowed; they are immutable, so that a
-- CHECK may use them, and every role that writes may run them.
begin;
select plan(39);

-- ---------------------------------------------------------------------------------------------
-- rowgate.whitespace: Unicode White_Space, nothing more
-- ---------------------------------------------------------------------------------------------

select results_eq(
  $$ select array_agg(ascii(c) order by ascii(c))
       from regexp_split_to_table(rowgate.whitespace(), '') as c $$,
  $$ values (array[9, 10, 11, 12, 13, 32, 133, 160, 5760, 8192, 8193, 8194, 8195, 8196, 8197, 8198,
                   8199, 8200, 8201, 8202, 8232, 8233, 8239, 8287, 12288]) $$,
  'the whitespace set is the 25 White_Space code points that Rust''s str::trim removes');

-- ---------------------------------------------------------------------------------------------
-- rowgate.is_trimmed_text
-- ---------------------------------------------------------------------------------------------

select is(rowgate.is_trimmed_text(t), true, d)
  from (values
    ('Ada', 'a word is trimmed text'),
    ('x', 'so is one character'),
    (E'Ada\nLovelace', 'a newline inside the text is allowed'),
    (E'a\tb  c', 'a tab and two spaces inside the text are allowed'),
    (E'first line\r\n\r\nlast line', 'blank lines inside the text are allowed'),
    (chr(8203) || 'x', 'a leading zero-width space (U+200B) is not whitespace to the core'),
    ('x' || chr(65279), 'nor a trailing byte order mark (U+FEFF)'),
    (chr(6158) || 'x', 'nor the Mongolian vowel separator (U+180E), White_Space no longer'),
    ('é ü', 'non-ASCII letters are text like any other')
  ) as v(t, d);

select is(rowgate.is_trimmed_text(t), false, d)
  from (values
    ('', 'empty text is not trimmed text (the core makes it null)'),
    (' ', 'nor is a space'),
    (E' \t\n ', 'nor blank text'),
    (' Ada', 'a leading space is refused'),
    ('Ada ', 'a trailing space is refused'),
    (E'Ada\n', 'a trailing newline is refused'),
    (E'\tAda', 'a leading tab is refused'),
    (E'Ada\r', 'a trailing carriage return is refused'),
    (chr(11) || 'Ada', 'a leading vertical tab is refused'),
    (chr(133) || 'Ada', 'a leading next line (U+0085) is refused'),
    ('Ada' || chr(160), 'a trailing no-break space (U+00A0) is refused'),
    (chr(8232) || 'Ada', 'a leading line separator (U+2028) is refused'),
    ('Ada' || chr(8239), 'a trailing narrow no-break space (U+202F) is refused'),
    (chr(12288) || 'Ada', 'a leading ideographic space (U+3000) is refused')
  ) as v(t, d);

select is(rowgate.is_trimmed_text(null), null, 'null is left to the column''s nullability');

-- ---------------------------------------------------------------------------------------------
-- rowgate.is_trimmed_text_array
-- ---------------------------------------------------------------------------------------------

select is(rowgate.is_trimmed_text_array(a), true, d)
  from (values
    ('{}'::text[], 'an empty array is allowed'),
    (array['pricing', 'hiring plan', E'two\nlines'], 'trimmed items, with whitespace inside, are allowed'),
    (array['same', 'same'], 'a repeated item is allowed (the core keeps it)')
  ) as v(a, d);

select is(rowgate.is_trimmed_text_array(a), false, d)
  from (values
    (array['pricing', null], 'a null item is refused (the core drops it)'),
    (array['pricing', ''], 'an empty item is refused'),
    (array[' '], 'a blank item is refused'),
    (array['pricing', ' hiring'], 'an untrimmed item is refused'),
    (array['pricing' || chr(160)], 'an item with a trailing no-break space is refused'),
    ('{{a,b},{c,d}}'::text[], 'a second dimension is refused (the core takes strings, not arrays)')
  ) as v(a, d);

select is(rowgate.is_trimmed_text_array(null), null, 'a null array is left to the column''s nullability');

-- ---------------------------------------------------------------------------------------------
-- what migrations use to bring rows in line
-- ---------------------------------------------------------------------------------------------

select results_eq(
  $$ select rowgate.trim_text(t) from unnest(array[E' Ada\n', chr(12288), '', E'a\nb']) with ordinality as u(t, n) order by n $$,
  $$ values ('Ada'), (null), (null), (E'a\nb') $$,
  'rowgate.trim_text trims as the core does and makes blank text null');
select is(rowgate.trim_text_array(array[' x ', null, '', chr(160), 'y']), array['x', 'y'],
  'rowgate.trim_text_array trims the items and drops null and blank ones, in order');

-- ---------------------------------------------------------------------------------------------
-- usable in a CHECK, by every role that writes
-- ---------------------------------------------------------------------------------------------

select is_empty(
  $$ select p.proname from pg_proc p
      where p.pronamespace = 'rowgate'::regnamespace
        and p.proname in ('whitespace', 'is_trimmed_text', 'trim_text', 'is_trimmed_text_array', 'trim_text_array')
        and p.provolatile <> 'i' $$,
  'the text functions are immutable');
select ok(
  has_function_privilege('authenticated', 'rowgate.is_trimmed_text(text)', 'execute')
    and has_function_privilege('authenticated', 'rowgate.is_trimmed_text_array(text[])', 'execute')
    and has_function_privilege('service_role', 'rowgate.is_trimmed_text(text)', 'execute')
    and has_function_privilege('service_role', 'rowgate.is_trimmed_text_array(text[])', 'execute'),
  'authenticated and the service role may run the predicates their writes'' CHECKs call');

select * from finish();
rollback;
