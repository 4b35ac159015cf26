//! The drift test (design decision 9): the migrations are authoritative, the core mirrors them,
//! and this compares the two on the migrated database. Every difference is listed, naming the
//! schema, table and column and both sides.

use std::collections::{BTreeMap, BTreeSet};

use postgres::Client;
use rowgate_core::registry::{self, APP_SCHEMAS};
use rowgate_core::shape::{self, JsonType, SqlType};
use rowgate_core::table::{Column, ColumnDefault, TableDef};
use serde_json::Value;

use crate::support;

/// A column as the database has it.
#[derive(Debug)]
struct DbColumn {
    name: String,
    sql_type: String,
    nullable: bool,
    default: Option<String>,
    generated: bool,
}

/// A constraint as the database has it.
#[derive(Debug)]
struct DbConstraint {
    name: String,
    kind: char,
    definition: String,
    columns: Vec<String>,
}

fn db_tables(client: &mut Client) -> BTreeSet<(String, String)> {
    let schemas: Vec<String> = APP_SCHEMAS.iter().map(|s| s.to_string()).collect();
    client
        .query(
            "select n.nspname::text, c.relname::text from pg_class c join pg_namespace n on n.oid = c.relnamespace
              where n.nspname = any($1) and c.relkind in ('r', 'p') and not c.relispartition",
            &[&schemas],
        )
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect()
}

fn db_columns(client: &mut Client, t: &TableDef) -> Vec<DbColumn> {
    client
        .query(
            "select a.attname::text, format_type(a.atttypid, a.atttypmod), not a.attnotnull,
                    pg_get_expr(d.adbin, d.adrelid), a.attgenerated = 's'
               from pg_attribute a left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
              where a.attrelid = $1::text::regclass and a.attnum > 0 and not a.attisdropped
              order by a.attnum",
            &[&support::quoted(t)],
        )
        .unwrap()
        .iter()
        .map(|r| DbColumn {
            name: r.get(0),
            sql_type: r.get::<_, String>(1).trim_start_matches("extensions.").to_string(),
            nullable: r.get(2),
            default: r.get(3),
            generated: r.get(4),
        })
        .collect()
}

fn db_constraints(client: &mut Client, t: &TableDef) -> Vec<DbConstraint> {
    client
        .query(
            "select c.conname::text, c.contype::text, pg_get_constraintdef(c.oid),
                    array(select a.attname::text from unnest(c.conkey) with ordinality as k(attnum, i)
                          join pg_attribute a on a.attrelid = c.conrelid and a.attnum = k.attnum order by k.i)
               from pg_constraint c
              where c.conrelid = $1::text::regclass and c.contype in ('c', 'u', 'p', 'f')",
            &[&support::quoted(t)],
        )
        .unwrap()
        .iter()
        .map(|r| DbConstraint {
            name: r.get(0),
            kind: r.get::<_, String>(1).chars().next().unwrap(),
            definition: r.get(2),
            columns: r.get(3),
        })
        .collect()
}

/// The values quoted in `... = ANY (ARRAY['a'::text, 'b'::text])` or `IN ('a', 'b')`.
fn quoted_values(definition: &str) -> BTreeSet<String> {
    definition
        .split('\'')
        .skip(1)
        .step_by(2)
        .map(|s| s.replace("''", "'"))
        .collect()
}

/// The number after `op` in a deparsed check (`(lead_score >= 0)`, `(hours <= (24)::double precision)`).
fn bound(definition: &str, op: &str) -> Option<f64> {
    let rest = &definition[definition.find(op)? + op.len()..];
    let number: String = rest
        .trim_start()
        .trim_start_matches('(')
        .chars()
        .take_while(|c| c.is_ascii_digit() || matches!(c, '.' | '-'))
        .collect();
    number.parse().ok()
}

/// A constant default as the database prints it (`0`, `false`, `'planned'::text`, `'{}'::jsonb`,
/// `'{}'::text[]`) as JSON; `None` for an expression.
fn constant(default: &str) -> Option<Value> {
    if let Some(rest) = default.strip_prefix('\'') {
        let (text, cast) = rest.rsplit_once("'::")?;
        return match cast {
            "jsonb" | "json" => serde_json::from_str(text).ok(),
            "text[]" => Some(Value::Array(
                text.trim_matches(|c| c == '{' || c == '}')
                    .split(',')
                    .filter(|s| !s.is_empty())
                    .map(|s| Value::String(s.to_string()))
                    .collect(),
            )),
            _ => Some(Value::String(text.replace("''", "'"))),
        };
    }
    match default {
        "true" | "false" => Some(Value::Bool(default == "true")),
        _ => default.parse::<f64>().ok().map(|n| serde_json::json!(n)),
    }
}

/// `(schema, table, column)` of `FOREIGN KEY (email) REFERENCES dyniq.leads(email) ...`.
fn references(definition: &str) -> Option<(String, String, String)> {
    let rest = &definition[definition.find("REFERENCES ")? + "REFERENCES ".len()..];
    let (table, rest) = rest.split_once('(')?;
    let (schema, table) = table.trim().split_once('.')?;
    let column = rest.split_once(')')?.0;
    (!column.contains(',')).then(|| {
        (
            schema.to_string(),
            table.to_string(),
            column.trim().to_string(),
        )
    })
}

fn same_json(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

/// What the core says a column's default is, in the database's terms.
fn compare_default(c: &Column, db: &DbColumn, out: &mut Vec<String>, at: &str) {
    let mismatch = |core: String| format!("{at}: default: core {core}, database {:?}", db.default);
    match (c.default, &db.default) {
        (ColumnDefault::Generated, _) if db.generated => {}
        (ColumnDefault::Generated, _) => out.push(mismatch("generated".into())),
        (_, _) if db.generated => out.push(format!(
            "{at}: the database generates it; core says {:?}",
            c.default
        )),
        (ColumnDefault::None, None) => {}
        (ColumnDefault::Server(expr), Some(d)) if expr == d => {}
        (ColumnDefault::Constant(json), Some(d)) => {
            let core: Value = serde_json::from_str(json).expect("a JSON default");
            match constant(d) {
                Some(db_value) if same_json(&core, &db_value) => {}
                _ => out.push(mismatch(json.to_string())),
            }
        }
        (other, _) => out.push(mismatch(format!("{other:?}"))),
    }
}

/// Whether the core shapes the column as free text (its text/varchar kinds): trimmed of Unicode
/// whitespace, blank made null, no format or enum that already keeps whitespace out. The
/// database holds it with `rowgate.is_trimmed_text(column)`.
fn is_free_text(c: &Column) -> bool {
    let k = &c.kind;
    k.json_type == JsonType::String
        && k.format.is_none()
        && k.enum_values.is_empty()
        && matches!(k.sql, SqlType::Text | SqlType::Varchar(_))
}

/// Whether the core reads the column as a calendar date or an instant, never infinite: the
/// database holds it with `isfinite(column)`.
fn is_date_or_time(c: &Column) -> bool {
    matches!(c.kind.sql, SqlType::Date | SqlType::Timestamptz)
}

/// The exact definitions, as `pg_get_constraintdef` prints them, of the checks that hold the
/// core's text and time shaping: anything weaker (an `OR`, another argument) is drift.
fn trimmed_text_check(c: &Column) -> String {
    match c.kind.sql {
        SqlType::Varchar(_) => format!("CHECK (rowgate.is_trimmed_text(({})::text))", c.name),
        _ => format!("CHECK (rowgate.is_trimmed_text({}))", c.name),
    }
}
fn trimmed_items_check(c: &Column) -> String {
    format!("CHECK (rowgate.is_trimmed_text_array({}))", c.name)
}
fn finite_check(c: &Column) -> String {
    format!("CHECK (isfinite({}))", c.name)
}

/// Checks one CHECK constraint on one column against the column's description; returns what it
/// accounted for.
fn compare_check(
    c: &Column,
    check: &DbConstraint,
    out: &mut Vec<String>,
    at: &str,
) -> &'static str {
    let def = &check.definition;
    let k = &c.kind;
    if def.contains("rowgate.is_trimmed_text_array(") {
        if c.kind.sql != SqlType::TextArray || *def != trimmed_items_check(c) {
            out.push(format!(
                "{at}: items check: core {}, database {def} ({}), expected {}",
                k.sql.to_sql(),
                check.name,
                trimmed_items_check(c)
            ));
        }
        "trimmed items"
    } else if def.contains("rowgate.is_trimmed_text(") {
        if !is_free_text(c) || *def != trimmed_text_check(c) {
            out.push(format!(
                "{at}: trimmed-text check: core {} {:?} (free text: {}), database {def} ({}), expected {}",
                k.sql.to_sql(),
                k.format,
                is_free_text(c),
                check.name,
                trimmed_text_check(c)
            ));
        }
        "trimmed"
    } else if def.contains("isfinite(") {
        if !is_date_or_time(c) || *def != finite_check(c) {
            out.push(format!(
                "{at}: finite check: core {}, database {def} ({}), expected {}",
                k.sql.to_sql(),
                check.name,
                finite_check(c)
            ));
        }
        "finite"
    } else if def.contains("= ANY (ARRAY[") || def.contains(" IN (") {
        let db: BTreeSet<String> = quoted_values(def);
        let core: BTreeSet<String> = k.enum_values.iter().map(|s| s.to_string()).collect();
        if db != core {
            out.push(format!(
                "{at}: enum values: core {core:?}, database {db:?} ({})",
                check.name
            ));
        }
        "enum"
    } else if def.contains("char_length(") {
        let (min, max) = (bound(def, ">="), bound(def, "<="));
        let core = (k.min_length.map(f64::from), k.max_length.map(f64::from));
        if (min, max) != core {
            out.push(format!(
                "{at}: length: core {core:?}, database {:?} ({})",
                (min, max),
                check.name
            ));
        }
        "length"
    } else if def.contains(" ~ '") {
        // The definition prints the pattern as an SQL literal: a quote in it is doubled.
        match k.format.and_then(|f| f.db_pattern()) {
            Some(p) if def.contains(&p.replace('\'', "''")) => {}
            other => out.push(format!(
                "{at}: format: core pattern {other:?}, database {def}"
            )),
        }
        "format"
    } else if def.contains("jsonb_typeof(") {
        if !def.contains("'object'") || k.json_type != JsonType::Object {
            out.push(format!(
                "{at}: json type: core {:?}, database {def}",
                k.json_type
            ));
        }
        "object"
    } else if def.contains(">=") || def.contains("<=") {
        let db = (bound(def, ">="), bound(def, "<="));
        if db != (k.minimum, k.maximum) {
            out.push(format!(
                "{at}: range: core {:?}, database {db:?} ({})",
                (k.minimum, k.maximum),
                check.name
            ));
        }
        "range"
    } else {
        out.push(format!(
            "{at}: a check the core does not understand: {} {def}",
            check.name
        ));
        "?"
    }
}

/// One table as the database has it.
struct DbTable {
    columns: Vec<DbColumn>,
    constraints: Vec<DbConstraint>,
}

fn fetch(client: &mut Client, t: &TableDef) -> DbTable {
    DbTable {
        columns: db_columns(client, t),
        constraints: db_constraints(client, t),
    }
}

/// Every difference between the registry and the database's tables (`in_db`, read with `fetch`).
fn drift(
    in_db: &BTreeSet<(String, String)>,
    mut fetch: impl FnMut(&TableDef) -> DbTable,
) -> Vec<String> {
    let mut out = Vec::new();
    for (schema, table) in in_db {
        if registry::table(schema, table).is_none() {
            out.push(format!(
                "{schema}.{table}: in the database, not in the registry"
            ));
        }
    }
    for t in registry::all() {
        if !in_db.contains(&(t.schema.to_string(), t.name.to_string())) {
            out.push(format!(
                "{}: in the registry, not in the database",
                t.qualified_name()
            ));
            continue;
        }
        compare_table(t, &fetch(t), &mut out);
    }
    out
}

fn compare_table(t: &TableDef, db_table: &DbTable, out: &mut Vec<String>) {
    let name = t.qualified_name();
    let columns = &db_table.columns;
    let by_name: BTreeMap<&str, &DbColumn> = columns.iter().map(|c| (c.name.as_str(), c)).collect();
    for c in t.columns() {
        let at = format!("{name}.{}", c.name);
        let Some(db) = by_name.get(c.name) else {
            out.push(format!("{at}: in the core, not in the database"));
            continue;
        };
        let core_type = c.kind.sql.to_sql();
        if core_type != db.sql_type {
            out.push(format!(
                "{at}: type: core {core_type}, database {}",
                db.sql_type
            ));
        }
        if c.nullable != db.nullable {
            out.push(format!(
                "{at}: nullable: core {}, database {}",
                c.nullable, db.nullable
            ));
        }
        compare_default(c, db, out, &at);
        let db_required = !db.nullable && db.default.is_none() && !db.generated;
        if c.required != (db_required && c.derived_from.is_empty()) {
            out.push(format!(
                "{at}: required on insert: core {}, database {db_required} (derived from {:?})",
                c.required, c.derived_from
            ));
        }
        if db.generated && c.insertable {
            out.push(format!(
                "{at}: generated by the database, but the core lets clients write it"
            ));
        }
    }
    for db in columns {
        if !t.has_column(&db.name) {
            out.push(format!(
                "{name}.{}: in the database ({}), not in the core",
                db.name, db.sql_type
            ));
        }
    }

    let constraints = &db_table.constraints;
    let mut covered: BTreeSet<(String, &'static str)> = BTreeSet::new();
    for check in constraints.iter().filter(|c| c.kind == 'c') {
        match check.columns.as_slice() {
            [column] => match t.column(column) {
                Some(c) => {
                    let what = compare_check(c, check, out, &format!("{name}.{column}"));
                    covered.insert((column.clone(), what));
                }
                None => out.push(format!(
                    "{name}.{column}: check {} on a column the core does not have",
                    check.name
                )),
            },
            _ => {
                if !t.rules.iter().any(|r| r.constraint == check.name) {
                    out.push(format!(
                        "{name}: check {} over {:?} is not among the core's rules {:?}",
                        check.name,
                        check.columns,
                        t.rules.iter().map(|r| r.constraint).collect::<Vec<_>>()
                    ));
                }
            }
        }
    }
    // A column that refers to another (`quiz_responses.email` to `leads.email`) gets its format from
    // the referenced column's check, provided the core gives both the same format.
    for fk in constraints.iter().filter(|c| c.kind == 'f') {
        let [column] = fk.columns.as_slice() else {
            continue;
        };
        let Some(target) = references(&fk.definition) else {
            continue;
        };
        let target_format = registry::table(&target.0, &target.1)
            .and_then(|t| t.column(&target.2))
            .and_then(|c| c.kind.format);
        // Only formats that a CHECK enforces matter here; a UUID is the column's type.
        let mine = t
            .column(column)
            .and_then(|c| c.kind.format)
            .filter(|f| f.db_pattern().is_some());
        match (mine, target_format) {
            (Some(a), Some(b)) if a == b => {
                covered.insert((column.clone(), "format"));
            }
            (None, _) => {}
            (mine, theirs) => out.push(format!(
                "{name}.{column}: format {mine:?}, but it refers to {}.{}.{} whose format is {theirs:?}",
                target.0, target.1, target.2
            )),
        }
    }
    for rule in t.rules {
        if !constraints
            .iter()
            .any(|c| c.kind == 'c' && c.name == rule.constraint)
        {
            out.push(format!(
                "{name}: the core's rule {} has no check constraint in the database",
                rule.constraint
            ));
        }
    }
    // What the core enforces must have a constraint behind it.
    for c in t.columns() {
        let k = &c.kind;
        let has = |what| covered.contains(&(c.name.to_string(), what));
        let at = format!("{name}.{}", c.name);
        if !k.enum_values.is_empty() && !has("enum") {
            out.push(format!(
                "{at}: the core allows {:?}, the database has no enum check",
                k.enum_values
            ));
        }
        if (k.minimum.is_some() || k.maximum.is_some()) && !has("range") {
            out.push(format!(
                "{at}: the core bounds it {:?}, the database has no range check",
                (k.minimum, k.maximum)
            ));
        }
        if k.min_length.is_some() && !has("length") {
            out.push(format!(
                "{at}: the core needs at least {:?} characters, the database has no length check",
                k.min_length
            ));
        }
        if k.format.and_then(|f| f.db_pattern()).is_some() && !has("format") {
            out.push(format!(
                "{at}: the core checks {:?}, the database has no format check",
                k.format
            ));
        }
        if k.json_type == JsonType::Object && !has("object") {
            out.push(format!(
                "{at}: the core wants an object, the database has no jsonb_typeof check"
            ));
        }
        if is_free_text(c) && !has("trimmed") {
            out.push(format!(
                "{at}: the core trims it and makes blank null, the database has no {}",
                trimmed_text_check(c)
            ));
        }
        if k.sql == SqlType::TextArray && !has("trimmed items") {
            out.push(format!(
                "{at}: the core trims the items and drops null and blank ones, the database has no {}",
                trimmed_items_check(c)
            ));
        }
        if is_date_or_time(c) && !has("finite") {
            out.push(format!(
                "{at}: the core takes finite dates and times only, the database has no {}",
                finite_check(c)
            ));
        }
    }

    let keys = |kind: char| -> BTreeSet<Vec<String>> {
        constraints
            .iter()
            .filter(|c| c.kind == kind)
            .map(|c| c.columns.clone())
            .collect()
    };
    let core_unique: BTreeSet<Vec<String>> = t
        .unique
        .iter()
        .map(|k| k.iter().map(|s| s.to_string()).collect())
        .collect();
    if keys('u') != core_unique {
        out.push(format!(
            "{name}: unique keys: core {core_unique:?}, database {:?}",
            keys('u')
        ));
    }
    let core_pk: BTreeSet<Vec<String>> =
        [t.primary_key.iter().map(|s| s.to_string()).collect()].into();
    if keys('p') != core_pk {
        out.push(format!(
            "{name}: primary key: core {core_pk:?}, database {:?}",
            keys('p')
        ));
    }
}

#[test]
fn the_registry_mirrors_the_migrated_database() {
    let Some(mut client) = support::database() else {
        return;
    };
    let in_db = db_tables(&mut client);
    let out = drift(&in_db, |t| fetch(&mut client, t));
    assert!(
        out.is_empty(),
        "drift between rowgate-core and the database:
  {}",
        out.join(
            "
  "
        )
    );
}

/// The drift found once `tables` changes the list of the database's tables and `leads` what it
/// reports of dyniq.leads; `None` when the database tests are skipped.
fn drift_with(
    tables: impl Fn(&mut BTreeSet<(String, String)>),
    leads: impl Fn(&mut DbTable),
) -> Option<Vec<String>> {
    let mut client = support::database()?;
    let mut in_db = db_tables(&mut client);
    tables(&mut in_db);
    Some(drift(&in_db, |t| {
        let mut table = fetch(&mut client, t);
        if (t.schema, t.name) == ("dyniq", "leads") {
            leads(&mut table);
        }
        table
    }))
}

fn assert_reported(out: Option<Vec<String>>, expected: &str) {
    let Some(out) = out else { return };
    assert!(
        out.iter().any(|line| line.contains(expected)),
        "expected {expected:?} among {out:#?}"
    );
}

#[test]
fn a_changed_enum_is_reported_with_both_sides() {
    let out = drift_with(
        |_| {},
        |t| {
            let check = t
                .constraints
                .iter_mut()
                .find(|c| c.name == "leads_tier_check")
                .unwrap();
            check.definition = check
                .definition
                .replace("'COLD'::text", "'COLD'::text, 'TEPID'::text");
        },
    );
    assert_reported(
        out,
        r#"dyniq.leads.tier: enum values: core {"COLD", "HOT", "WARM"}, database {"COLD", "HOT", "TEPID", "WARM"}"#,
    );
}

#[test]
fn a_column_only_in_the_database_is_reported() {
    let out = drift_with(
        |_| {},
        |t| {
            t.columns.push(DbColumn {
                name: "nickname".into(),
                sql_type: "text".into(),
                nullable: true,
                default: None,
                generated: false,
            });
        },
    );
    assert_reported(
        out,
        "dyniq.leads.nickname: in the database (text), not in the core",
    );
}

#[test]
fn a_changed_length_nullability_or_default_is_reported() {
    let out = drift_with(
        |_| {},
        |t| {
            for c in &mut t.columns {
                match c.name.as_str() {
                    "email" => c.sql_type = "character varying(100)".into(),
                    "name" => c.nullable = false,
                    "pain_points" => c.default = Some("'{x}'::text[]".into()),
                    _ => {}
                }
            }
        },
    );
    assert_reported(
        out.clone(),
        "dyniq.leads.email: type: core character varying(320), database character varying(100)",
    );
    assert_reported(
        out.clone(),
        "dyniq.leads.name: nullable: core true, database false",
    );
    assert_reported(out, "dyniq.leads.pain_points: default: core []");
}

#[test]
fn a_dropped_check_is_reported() {
    let out = drift_with(
        |_| {},
        |t| t.constraints.retain(|c| c.name != "leads_lead_score_range"),
    );
    assert_reported(out, "dyniq.leads.lead_score: the core bounds it (Some(0.0), Some(100.0)), the database has no range check");
}

#[test]
fn a_dropped_trimmed_text_items_or_finite_check_is_reported() {
    let dropped = [
        "leads_name_check",
        "leads_company_name_check",
        "leads_needs_check",
        "leads_created_at_check",
        "leads_updated_at_check",
    ];
    let out = drift_with(
        |_| {},
        |t| {
            t.constraints
                .retain(|c| !dropped.contains(&c.name.as_str()))
        },
    );
    assert_reported(
        out.clone(),
        "dyniq.leads.name: the core trims it and makes blank null, the database has no CHECK (rowgate.is_trimmed_text((name)::text))",
    );
    assert_reported(
        out.clone(),
        "dyniq.leads.company_name: the core trims it and makes blank null",
    );
    assert_reported(
        out.clone(),
        "dyniq.leads.needs: the core trims the items and drops null and blank ones, the database has no CHECK (rowgate.is_trimmed_text_array(needs))",
    );
    assert_reported(
        out.clone(),
        "dyniq.leads.created_at: the core takes finite dates and times only, the database has no CHECK (isfinite(created_at))",
    );
    assert_reported(
        out,
        "dyniq.leads.updated_at: the core takes finite dates and times only",
    );
}

#[test]
fn a_weakened_or_misplaced_text_or_time_check_is_reported() {
    let out =
        drift_with(
            |_| {},
            |t| {
                for c in &mut t.constraints {
                    match c.name.as_str() {
                        "leads_name_check" => c.definition =
                            "CHECK ((rowgate.is_trimmed_text((name)::text) OR (name IS NOT NULL)))"
                                .into(),
                        "leads_created_at_check" => {
                            c.definition = "CHECK ((isfinite(created_at) OR true))".into()
                        }
                        "leads_pain_points_check" => {
                            c.definition = "CHECK (rowgate.is_trimmed_text_array(needs))".into()
                        }
                        _ => {}
                    }
                }
                // A trimmed-text check on an enum, and an isfinite one on a number.
                for (name, column, definition) in [
                    (
                        "leads_tier_trim",
                        "tier",
                        "CHECK (rowgate.is_trimmed_text(tier))",
                    ),
                    (
                        "leads_lead_score_check",
                        "lead_score",
                        "CHECK (isfinite(lead_score))",
                    ),
                ] {
                    t.constraints.push(DbConstraint {
                        name: name.into(),
                        kind: 'c',
                        definition: definition.into(),
                        columns: vec![column.into()],
                    });
                }
            },
        );
    assert_reported(out.clone(), "dyniq.leads.name: trimmed-text check: core character varying(200) None (free text: true), database CHECK ((rowgate.is_trimmed_text((name)::text) OR (name IS NOT NULL)))");
    assert_reported(out.clone(), "dyniq.leads.created_at: finite check: core timestamp with time zone, database CHECK ((isfinite(created_at) OR true))");
    assert_reported(out.clone(), "dyniq.leads.pain_points: items check: core text[], database CHECK (rowgate.is_trimmed_text_array(needs))");
    assert_reported(
        out.clone(),
        "dyniq.leads.tier: trimmed-text check: core text None (free text: false)",
    );
    assert_reported(
        out,
        "dyniq.leads.lead_score: finite check: core integer, database CHECK (isfinite(lead_score))",
    );
}

/// Every character Rust's `str::trim` removes (Unicode White_Space).
fn core_whitespace() -> Vec<char> {
    (0..=0x10FFFF)
        .filter_map(char::from_u32)
        .filter(|c| c.is_whitespace())
        .collect()
}

#[test]
fn the_database_trims_exactly_the_whitespace_the_core_trims() {
    let Some(mut client) = support::database() else {
        return;
    };
    let db: String = client
        .query_one("select rowgate.whitespace()", &[])
        .unwrap()
        .get(0);
    let mut db: Vec<char> = db.chars().collect();
    db.sort_unstable();
    assert_eq!(
        db,
        core_whitespace(),
        "rowgate.whitespace() against char::is_whitespace"
    );

    // And the predicate the CHECKs call agrees with the core's shaping, string by string: text is
    // trimmed text for the database exactly when the core would send it unchanged.
    let mut samples: Vec<String> = vec![
        String::new(),
        "Ada".into(),
        "Ada Lovelace".into(),
        "a\nb".into(),
        "a\t\tb  c".into(),
        "\u{200B}x".into(),
        "x\u{FEFF}".into(),
        "\u{180E}x".into(),
        "é".into(),
    ];
    for w in core_whitespace() {
        samples.extend([
            w.to_string(),
            format!("{w}x"),
            format!("x{w}"),
            format!("x{w}y"),
            format!("{w}{w}"),
        ]);
    }
    let rows = client
        .query(
            "select s, rowgate.is_trimmed_text(s) from unnest($1::text[]) as s",
            &[&samples],
        )
        .unwrap();
    let mut disagree = Vec::new();
    for row in rows {
        let (s, trimmed): (String, bool) = (row.get(0), row.get(1));
        let core = shape::shape_json(&shape::text(), &Value::String(s.clone()));
        let unchanged = matches!(&core, Ok(Some(t)) if *t == s);
        if unchanged != trimmed {
            disagree.push(format!(
                "{s:?}: core {core:?}, database is_trimmed_text {trimmed}"
            ));
        }
    }
    assert!(disagree.is_empty(), "{disagree:#?}");

    // Arrays: the database takes an array exactly when the core would send it unchanged.
    let arrays: Vec<Vec<Option<&str>>> = vec![
        vec![],
        vec![Some("pricing"), Some("hiring plan")],
        vec![Some("pricing"), None],
        vec![Some("pricing"), Some("")],
        vec![Some(" pricing")],
        vec![Some("pricing\u{A0}")],
        vec![Some("a"), Some("a")],
    ];
    for items in arrays {
        let trimmed: bool = client
            .query_one(
                "select rowgate.is_trimmed_text_array($1::text[])",
                &[&items],
            )
            .unwrap()
            .get(0);
        let json = Value::Array(
            items
                .iter()
                .map(|i| i.map_or(Value::Null, |s| Value::String(s.into())))
                .collect(),
        );
        let core = shape::shape_json(&shape::text_array(), &json);
        let unchanged = matches!(&core, Ok(Some(v)) if v.len() == items.len()
            && v.iter().zip(&items).all(|(a, b)| Some(a.as_str()) == *b));
        assert_eq!(
            unchanged, trimmed,
            "{items:?}: core {core:?}, database {trimmed}"
        );
    }
}

#[test]
fn a_table_missing_from_the_registry_is_reported() {
    let out = drift_with(
        |tables| {
            tables.insert(("dyniq".into(), "invoices".into()));
        },
        |_| {},
    );
    assert_reported(out, "dyniq.invoices: in the database, not in the registry");
}

#[test]
fn the_drift_test_reads_constraints_as_postgres_prints_them() {
    assert_eq!(
        quoted_values("CHECK ((tier = ANY (ARRAY['HOT'::text, 'WARM'::text, 'COLD'::text])))"),
        ["COLD", "HOT", "WARM"].map(String::from).into()
    );
    let def = "CHECK (((hours >= (0)::double precision) AND (hours <= (24)::double precision)))";
    assert_eq!(
        (bound(def, ">="), bound(def, "<=")),
        (Some(0.0), Some(24.0))
    );
    assert_eq!(bound("CHECK ((likes >= 0))", "<="), None);
    assert_eq!(
        constant("'planned'::text"),
        Some(Value::String("planned".into()))
    );
    assert_eq!(constant("'{}'::jsonb"), Some(serde_json::json!({})));
    assert_eq!(constant("'{}'::text[]"), Some(serde_json::json!([])));
    assert_eq!(constant("12.5"), Some(serde_json::json!(12.5)));
    assert_eq!(constant("now()"), None);
    assert_eq!(
        references(
            "FOREIGN KEY (email) REFERENCES dyniq.leads(email) ON UPDATE CASCADE ON DELETE CASCADE"
        ),
        Some(("dyniq".into(), "leads".into(), "email".into()))
    );
}
