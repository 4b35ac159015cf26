//! The constraint lookup against the migrated database: every primary key, unique key, foreign
//! key and check of every registered table resolves through `violation` to exactly the columns
//! `pg_constraint` gives it (a check over one column to that column, a rule to the columns its
//! definition reads), and a real unique violation under row-level security, whose detail
//! PostgreSQL hides, still names both columns of its key.

use std::collections::BTreeSet;

use rowgate_core::postgrest::violation::{self, ConstraintKind};
use rowgate_core::registry;

use crate::support::{self, quoted};

/// The message PostgreSQL (through PostgREST) gives for a violation of a constraint of `kind`.
fn message(kind: ConstraintKind, table: &str, name: &str) -> (&'static str, String) {
    match kind {
        ConstraintKind::PrimaryKey | ConstraintKind::Unique => (
            "23505",
            format!(r#"duplicate key value violates unique constraint "{name}""#),
        ),
        ConstraintKind::ForeignKey => (
            "23503",
            format!(
                r#"insert or update on table "{table}" violates foreign key constraint "{name}""#
            ),
        ),
        ConstraintKind::Check => (
            "23514",
            format!(r#"new row for relation "{table}" violates check constraint "{name}""#),
        ),
    }
}

#[test]
fn every_constraint_of_every_registered_table_resolves_to_its_columns() {
    let Some(mut client) = support::database() else {
        return;
    };
    let mut problems = Vec::new();
    let mut checked = 0;
    for t in registry::all() {
        let rows = client
            .query(
                "select c.conname::text, c.contype::text,
                        array(select a.attname::text from unnest(c.conkey) with ordinality as k(attnum, i)
                              join pg_attribute a on a.attrelid = c.conrelid and a.attnum = k.attnum order by k.i)
                   from pg_constraint c
                  where c.conrelid = to_regclass($1) and c.contype in ('p', 'u', 'c', 'f')",
                &[&quoted(t)],
            )
            .unwrap();
        for row in rows {
            let (name, contype, columns): (String, String, Vec<String>) =
                (row.get(0), row.get(1), row.get(2));
            let at = format!(
                "{}: {name} ({contype} over {columns:?})",
                t.qualified_name()
            );
            let Some(known) = violation::constraint(t, &name) else {
                problems.push(format!("{at}: not in the lookup"));
                continue;
            };
            if known.kind.contype().to_string() != contype {
                problems.push(format!("{at}: the lookup has it as {:?}", known.kind));
            }
            let same = if contype == "c" {
                known
                    .columns
                    .iter()
                    .map(|c| c.to_string())
                    .collect::<BTreeSet<_>>()
                    == columns.iter().cloned().collect::<BTreeSet<_>>()
            } else {
                known.columns == columns
            };
            if !same {
                problems.push(format!("{at}: the lookup names {:?}", known.columns));
            }
            // And through the parser, from the message PostgREST passes on.
            let (code, text) = message(known.kind, t.name, &name);
            match violation::parse(t, code, &text) {
                Some(v) if v.fields == known.columns => {}
                other => problems.push(format!("{at}: parse gives {other:?}")),
            }
            checked += 1;
        }
    }
    assert!(
        problems.is_empty(),
        "the constraint lookup disagrees with the database:\n  {}",
        problems.join("\n  ")
    );
    assert!(checked > 50, "only {checked} constraints were read");
}

#[test]
fn a_unique_violation_under_row_level_security_names_both_columns_of_its_key() {
    let Some(mut client) = support::database() else {
        return;
    };
    let cards = registry::table("walker_os", "daily_scorecard").unwrap();
    let user =
        uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_URL, b"rowgate-constraint-test").to_string();
    let mut tx = client.transaction().unwrap();
    tx.execute(
        "insert into auth.users (id) values ($1::text::uuid) on conflict do nothing",
        &[&user],
    )
    .unwrap();
    let claims = serde_json::json!({"sub": user, "role": "authenticated"}).to_string();
    tx.execute(
        "select set_config('request.jwt.claims', $1, true)",
        &[&claims],
    )
    .unwrap();
    tx.batch_execute("set local role authenticated").unwrap();
    let insert = "insert into walker_os.daily_scorecard (scorecard_date) values ('2026-03-01')";
    tx.execute(insert, &[]).unwrap();
    let err = tx.execute(insert, &[]).unwrap_err();
    let db = err.as_db_error().expect("a database error");
    assert_eq!(db.code().code(), "23505");
    let v = violation::parse(cards, db.code().code(), db.message()).expect("a known constraint");
    assert_eq!(v.fields, ["user_id", "scorecard_date"]);
    assert!(!v.message().contains(&user));
    tx.rollback().unwrap();
}

#[test]
fn a_domain_violation_names_the_columns_of_that_domain() {
    let Some(mut client) = support::database() else {
        return;
    };
    // Every column whose type is a domain: each of the domain's checks, violated for real,
    // resolves to that column.
    let mut checked = 0;
    for t in registry::all() {
        for c in t.columns().iter().filter(|c| c.domain.is_some()) {
            let domain = c.domain.unwrap();
            let rows = client
                .query(
                    "select conname::text from pg_constraint where contypid = $1::text::regtype and contype = 'c'",
                    &[&domain],
                )
                .unwrap();
            // A domain without a check (rowgate.verbatim_text) refuses nothing.
            if rows.is_empty() {
                continue;
            }
            // A value no check of these domains accepts.
            let err = client
                .query_one(&format!("select ' Not Valid '::{domain}"), &[])
                .unwrap_err();
            let db = err.as_db_error().expect("a database error");
            let v = violation::parse(t, db.code().code(), db.message())
                .unwrap_or_else(|| panic!("{}.{}: {}", t.qualified_name(), c.name, db.message()));
            assert!(
                v.fields.contains(&c.name),
                "{}.{}: {v:?}",
                t.qualified_name(),
                c.name
            );
            let names: Vec<String> = rows.iter().map(|r| r.get(0)).collect();
            assert!(names.contains(&v.constraint.clone().unwrap()), "{names:?}");
            checked += 1;
        }
    }
    assert!(checked >= 8, "only {checked} domain columns were read");
}
