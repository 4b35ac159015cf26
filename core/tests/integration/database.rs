//! Against the migrated local database: every record that shapes is accepted by the database
//! (inserted inside a transaction that is rolled back), every filter the query whitelist accepts
//! is one PostgreSQL evaluates without error, and the core's rules compute what the database's
//! functions, triggers and generated columns compute. Runners use the fixed seed of
//! [`support::config`].

use std::cell::RefCell;

use proptest::strategy::BoxedStrategy;
use proptest::test_runner::{TestCaseError, TestRunner};
use rowgate_core::dyniq::{tier_for_score, Tier};
use rowgate_core::postgrest::query::{self, ColumnClass};
use rowgate_core::registry::{self, InsertRecord};
use rowgate_core::shape::SqlType;
use rowgate_core::table::{Column, TableDef};
use serde_json::Value;

use crate::support::{self, quoted};

/// The rows a record refers to, made inside the transaction: its lead (quiz responses), its post
/// (content metrics), its owner (Walker-OS; `user_id` or the caller that `auth.uid()` reads).
/// For yachtparty, whose tables refer to one another at every turn, the transaction runs with
/// `session_replication_role = replica`: foreign keys and triggers are off, every CHECK, type and
/// domain still applies, and that is what this test is about (the functions' tests cover the
/// references).
fn prerequisites(
    tx: &mut postgres::Transaction<'_>,
    t: &TableDef,
    record: &Value,
) -> Result<(), postgres::Error> {
    match (t.schema, t.name) {
        ("dyniq", "quiz_responses") => {
            tx.execute(
                "insert into dyniq.leads (email) values ($1::text) on conflict do nothing",
                &[&record["email"].as_str()],
            )?;
        }
        ("dyniq", "content_metrics") => {
            tx.execute(
                "insert into dyniq.content_posts (id, platform) values ($1::text::uuid, 'linkedin')",
                &[&record["post_id"].as_str()],
            )?;
        }
        ("walker_os", _) => {
            let owner = record["user_id"]
                .as_str()
                .map(String::from)
                .unwrap_or_else(|| {
                    uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_URL, b"rowgate-test-caller")
                        .to_string()
                });
            tx.execute(
                "insert into auth.users (id) values ($1::text::uuid) on conflict do nothing",
                &[&owner],
            )?;
            let claims = serde_json::json!({ "sub": owner, "role": "authenticated" }).to_string();
            tx.execute(
                "select set_config('request.jwt.claims', $1, true)",
                &[&claims],
            )?;
        }
        ("yachtparty", _) => tx.batch_execute("set local session_replication_role = replica")?,
        // Owned through auth.uid() (as walker_os): the caller is the record's owner, or the
        // profile it is. Parents are not made: as for yachtparty, foreign keys and triggers
        // (the time zone's, whose list of zones the core does not hold) are left out, so that
        // what is tested is the checks, domains and NOT NULLs the core mirrors.
        ("companion", _) => {
            let owner = record["user_id"]
                .as_str()
                .or_else(|| (t.name == "users").then(|| record["id"].as_str()).flatten())
                .map(String::from)
                .unwrap_or_else(|| {
                    uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_URL, b"rowgate-test-caller")
                        .to_string()
                });
            let claims = serde_json::json!({ "sub": owner, "role": "authenticated" }).to_string();
            tx.execute(
                "select set_config('request.jwt.claims', $1, true)",
                &[&claims],
            )?;
            tx.batch_execute("set local session_replication_role = replica")?;
        }
        _ => {}
    }
    Ok(())
}

/// Inserts the record the way PostgREST (and `rowgate.ingest`) does: only the columns it
/// carries, read with `jsonb_populate_record`, so the others take their defaults. Returns the row.
fn insert(
    tx: &mut postgres::Transaction<'_>,
    t: &TableDef,
    record: &Value,
) -> Result<Value, postgres::Error> {
    let columns: Vec<String> = record
        .as_object()
        .unwrap()
        .keys()
        .map(|k| format!("\"{k}\""))
        .collect();
    let sql = if columns.is_empty() {
        format!(
            "insert into {} as t default values returning to_jsonb(t.*)::text",
            quoted(t)
        )
    } else {
        let list = columns.join(", ");
        format!(
            "insert into {table} as t ({list}) select {list} from jsonb_populate_record(null::{table}, $1::text::jsonb) returning to_jsonb(t.*)::text",
            table = quoted(t)
        )
    };
    let json = record.to_string();
    let row = if columns.is_empty() {
        tx.query_one(&sql, &[])?
    } else {
        tx.query_one(&sql, &[&json])?
    };
    Ok(serde_json::from_str(row.get::<_, &str>(0)).unwrap())
}

fn number(v: &Value) -> f64 {
    match v {
        Value::Number(n) => n.as_f64().unwrap(),
        Value::String(s) => s.parse().unwrap(),
        other => panic!("not a number: {other}"),
    }
}

/// What the database derived must be what the core derived.
fn same_derivations(record: &InsertRecord, row: &Value) -> Result<(), TestCaseError> {
    match record {
        InsertRecord::DyniqQuizResponses(q) => {
            proptest::prop_assert_eq!(row["tier"].as_str(), Some(q.tier.as_str()));
        }
        InsertRecord::WalkerOsNetWorth(n) => {
            let net = n.net_worth.expect("net_worth is always derived");
            proptest::prop_assert_eq!(number(&row["net_worth"]), net.to_f64());
        }
        InsertRecord::WalkerOsTimeblockSessions(s) => {
            if let Some(hours) = s.hours.get() {
                proptest::prop_assert_eq!(number(&row["hours"]), *hours);
            }
        }
        InsertRecord::WalkerOsProfitFirstBuckets(b) => {
            let a = b.amounts();
            for (column, amount) in [
                ("fixed_costs_amount", a.fixed_costs),
                ("freedom_amount", a.freedom),
                ("play_amount", a.play),
                ("savings_amount", a.savings),
                ("education_amount", a.education),
                ("zakat_amount", a.zakat),
            ] {
                proptest::prop_assert_eq!(number(&row[column]), amount.to_f64(), "{}", column);
            }
        }
        InsertRecord::DyniqLeads(l) => {
            proptest::prop_assert_eq!(row["email"].as_str(), Some(l.email.as_str()));
        }
        _ => {}
    }
    Ok(())
}

/// Runs `cases` records of `strategy` through shaping and, when they shape, into the database
/// (rolled back); returns how many the database accepted. With `must_shape`, a record that does
/// not shape fails the test.
fn insert_shaped(
    client: &RefCell<postgres::Client>,
    t: &'static TableDef,
    strategy: BoxedStrategy<Value>,
    cases: u32,
    must_shape: bool,
) -> u32 {
    let accepted = RefCell::new(0u32);
    let mut runner = TestRunner::new(support::config(cases));
    let result = runner.run(&strategy, |body| {
        let shaped = match t.shape_insert_value(&body) {
            Ok(shaped) => shaped,
            Err(e) if must_shape => {
                return Err(TestCaseError::fail(format!(
                    "a valid record did not shape: {e}\nrecord: {body}"
                )))
            }
            Err(_) => return Ok(()),
        };
        let record = serde_json::to_value(&shaped).unwrap();
        let mut client = client.borrow_mut();
        let mut tx = client.transaction().unwrap();
        let outcome = prerequisites(&mut tx, t, &record).and_then(|()| insert(&mut tx, t, &record));
        tx.rollback().unwrap();
        match outcome {
            Ok(row) => {
                *accepted.borrow_mut() += 1;
                same_derivations(&shaped, &row)
            }
            Err(e) => Err(TestCaseError::fail(format!(
                "the database refused a shaped record: {}\nrecord: {record}",
                e.as_db_error().map_or(e.to_string(), |d| format!(
                    "{} ({})",
                    d.message(),
                    d.code().code()
                ))
            ))),
        }
    });
    if let Err(e) = result {
        panic!("{}: {e}", t.qualified_name());
    }
    accepted.into_inner()
}

#[test]
fn a_record_that_shapes_is_accepted_by_the_database() {
    let Some(client) = support::database() else {
        return;
    };
    let client = RefCell::new(client);
    const CASES: u32 = 32;
    for t in registry::all() {
        // Every valid record shapes (`a_valid_record_always_shapes`), so every one reaches the
        // database: the bound follows from the generator, not from luck.
        let accepted = insert_shaped(&client, t, support::valid_record(t), CASES, true);
        assert_eq!(accepted, CASES, "{}", t.qualified_name());
        // Messy records explore: those that shape must be accepted too.
        insert_shaped(&client, t, support::messy_record(t), CASES, false);
    }
}

/// What PostgreSQL makes of `filter` (canonical, as the whitelist gives it) on `column`, built as
/// PostgREST 12 builds it (`pgFmtFilter`): values as untyped literals, `*` as `%` in LIKE
/// patterns, `in` as `= any('{"a","b"}')`, full-text search through `to_tsquery` and its kin.
fn postgrest_condition(column: &str, filter: &str) -> String {
    let (negated, rest) = match filter.strip_prefix("not.") {
        Some(rest) => (true, rest),
        None => (false, filter),
    };
    let (op_text, value) = rest.split_once('.').expect("operator.value");
    let (op, config) = match op_text.split_once('(') {
        Some((op, config)) => (op, config.strip_suffix(')')),
        None => (op_text, None),
    };
    let col = format!("\"{column}\"");
    let lit = |s: &str| format!("'{}'", s.replace('\'', "''"));
    let binary = |sql_op: &str, v: &str| format!("{col} {sql_op} {}", lit(v));
    let condition = match op {
        "eq" => binary("=", value),
        "neq" => binary("<>", value),
        "gt" => binary(">", value),
        "gte" => binary(">=", value),
        "lt" => binary("<", value),
        "lte" => binary("<=", value),
        "like" => binary("like", &value.replace('*', "%")),
        "ilike" => binary("ilike", &value.replace('*', "%")),
        "match" => binary("~", value),
        "imatch" => binary("~*", value),
        "cs" => binary("@>", value),
        "cd" => binary("<@", value),
        "ov" => binary("&&", value),
        "is" => format!("{col} is {}", value.to_uppercase()),
        "in" => {
            let items = postgrest_list(value);
            if items == [""] {
                format!("{col} = any('{{}}')")
            } else {
                let quoted: Vec<String> = items
                    .iter()
                    .map(|i| format!("\"{}\"", i.replace('\\', "\\\\").replace('"', "\\\"")))
                    .collect();
                format!("{col} = any({})", lit(&format!("{{{}}}", quoted.join(","))))
            }
        }
        "fts" | "plfts" | "phfts" | "wfts" => {
            let function = match op {
                "fts" => "to_tsquery",
                "plfts" => "plainto_tsquery",
                "phfts" => "phraseto_tsquery",
                _ => "websearch_to_tsquery",
            };
            let config = config.map(|c| format!("{}, ", lit(c))).unwrap_or_default();
            format!("{col} @@ {function}({config}{})", lit(value))
        }
        other => panic!("an operator the whitelist does not pass: {other}"),
    };
    if negated {
        format!("not {condition}")
    } else {
        condition
    }
}

/// An `in` list as PostgREST's `pListVal` reads it.
fn postgrest_list(value: &str) -> Vec<String> {
    let inner = value
        .strip_prefix('(')
        .and_then(|v| v.strip_suffix(')'))
        .expect("a list in parentheses")
        .trim_start();
    let mut items = Vec::new();
    let mut chars = inner.chars().peekable();
    loop {
        let mut item = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => item.push(chars.next().expect("an escaped character")),
                    '"' => break,
                    c => item.push(c),
                }
            }
        } else {
            while let Some(c) = chars.peek().filter(|c| **c != ',') {
                item.push(*c);
                chars.next();
            }
        }
        items.push(item);
        match chars.next() {
            Some(',') => continue,
            None => return items,
            Some(c) => panic!("unexpected {c:?} in {value}"),
        }
    }
}

/// A non-null value of the column's type, so that the condition is evaluated on a row.
fn sample(c: &Column) -> String {
    let ty = match c.kind.sql {
        SqlType::Vector(n) => format!("extensions.vector({n})"),
        other => other.to_sql(),
    };
    let value = match ColumnClass::of(&c.kind) {
        ColumnClass::Text => "'Sample text: ada@example.com'".to_string(),
        ColumnClass::Enum => format!("'{}'", c.kind.enum_values[0]),
        ColumnClass::Integer => "1".into(),
        ColumnClass::Float | ColumnClass::Numeric => "0.5".into(),
        ColumnClass::Boolean => "true".into(),
        ColumnClass::Date => "'2026-01-01'".into(),
        ColumnClass::Time => "'22:30:00'".into(),
        ColumnClass::Timestamp => "'2026-01-01T00:00:00Z'".into(),
        ColumnClass::Uuid => "'8c6f1f2e-3b9a-4c1d-9f5e-2a7b6c0d1e3f'".into(),
        ColumnClass::TextArray => "'{a,\"b c\"}'".into(),
        ColumnClass::UuidArray => "'{8c6f1f2e-3b9a-4c1d-9f5e-2a7b6c0d1e3f}'".into(),
        ColumnClass::Json => "'{\"a\": [1, \"x\"]}'".into(),
        ColumnClass::Vector => "null".into(),
    };
    format!("{value}::{ty}")
}

/// The rows a filter on `c` is evaluated on: one of [`sample`], and for LIKE / ILIKE a text
/// that matches the pattern's literal characters with more after them, so that matching walks
/// the whole pattern (PostgreSQL meets a trailing escape character only there).
fn rows(c: &Column, filter: &str) -> String {
    let mut rows = vec![sample(c)];
    let rest = filter.strip_prefix("not.").unwrap_or(filter);
    let pattern = rest
        .strip_prefix("like.")
        .or_else(|| rest.strip_prefix("ilike."))
        .filter(|_| ColumnClass::of(&c.kind) == ColumnClass::Text);
    if let Some(pattern) = pattern {
        let mut text = String::new();
        let mut chars = pattern.chars();
        while let Some(ch) = chars.next() {
            match ch {
                '\\' => text.extend(chars.next()),
                '%' | '*' => {}
                '_' => text.push('a'),
                other => text.push(other),
            }
        }
        text.push_str("xyz");
        rows.push(format!("'{}'::text", text.replace('\'', "''")));
    }
    rows.iter()
        .map(|r| format!("select {r} as \"{}\"", c.name))
        .collect::<Vec<_>>()
        .join(" union all ")
}

#[test]
fn no_filter_the_whitelist_accepts_makes_the_database_fail() {
    let Some(client) = support::database() else {
        return;
    };
    let client = RefCell::new(client);
    let accepted = RefCell::new(0u32);
    for t in registry::all() {
        for c in t.columns() {
            let strategies = [support::valid_filter(c), support::any_filter(c)];
            for strategy in strategies {
                let mut runner = TestRunner::new(support::config(24));
                let result = runner.run(&strategy, |value| {
                    let pairs = [(c.name.to_string(), value.clone())];
                    let Ok(q) = query::parse(&pairs, t, 100) else {
                        return Ok(());
                    };
                    *accepted.borrow_mut() += 1;
                    let filter = &q.filters[0].1;
                    let sql = format!(
                        "select count(*) from ({}) as t where {}",
                        rows(c, filter),
                        postgrest_condition(c.name, filter)
                    );
                    let mut client = client.borrow_mut();
                    let mut tx = client.transaction().unwrap();
                    tx.batch_execute("set local statement_timeout = '10s'").unwrap();
                    let outcome = tx.query_one(&sql, &[]);
                    tx.rollback().unwrap();
                    match outcome {
                        Ok(_) => Ok(()),
                        Err(e) => Err(TestCaseError::fail(format!(
                            "PostgreSQL refused an accepted filter {}={value} (sent as {filter}): {}\nsql: {sql}",
                            c.name,
                            e.as_db_error().map_or(e.to_string(), |d| format!(
                                "{} ({})",
                                d.message(),
                                d.code().code()
                            ))
                        ))),
                    }
                });
                if let Err(e) = result {
                    panic!("{}.{}: {e}", t.qualified_name(), c.name);
                }
            }
        }
    }
    assert!(
        *accepted.borrow() > 1000,
        "only {} filters were accepted",
        accepted.borrow()
    );
}

/// The emulation evaluates the condition on a row, so the errors the whitelist keeps out are
/// errors here: were a check missing from the whitelist, the property above would fail.
#[test]
fn the_filter_emulation_meets_the_errors_the_whitelist_refuses() {
    let Some(mut client) = support::database() else {
        return;
    };
    let leads = registry::table("dyniq", "leads").unwrap();
    let column = |name: &str| leads.column(name).unwrap();
    for (name, filter, sqlstate) in [
        ("name", "match.(", "2201B"),
        ("name", "like.abc\\", "22025"),
        ("name", "fts.a b", "42601"),
        ("name", "fts(klingon).a", "42704"),
        ("lead_score", "eq.abc", "22P02"),
        ("lead_score", "in.(1,x)", "22P02"),
        ("lead_score", "eq.2147483648", "22003"),
        ("id", "eq.nope", "22P02"),
        ("created_at", "like.x", "42883"),
        ("lead_score", "cs.{1}", "42883"),
        ("email", "is.true", "42804"),
        ("pain_points", "cs.{a", "22P02"),
    ] {
        assert!(
            query::parse(&[(name.to_string(), filter.to_string())], leads, 10).is_err(),
            "the whitelist accepts {name}={filter}"
        );
        let sql = format!(
            "select count(*) from ({}) as t where {}",
            rows(column(name), filter),
            postgrest_condition(name, filter)
        );
        let mut tx = client.transaction().unwrap();
        let err = tx.query_one(&sql, &[]).expect_err(&sql);
        tx.rollback().unwrap();
        assert_eq!(
            err.as_db_error().map(|d| d.code().code()),
            Some(sqlstate),
            "{sql}: {err}"
        );
    }
}

#[test]
fn every_text_search_configuration_the_whitelist_names_exists() {
    let Some(mut client) = support::database() else {
        return;
    };
    let names: Vec<String> = client
        .query("select cfgname::text from pg_ts_config", &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    for config in query::TEXT_SEARCH_CONFIGS {
        assert!(names.iter().any(|n| n == config), "{config}");
    }
}

#[test]
fn tiers_match_the_sql_function_for_every_score() {
    let Some(mut client) = support::database() else {
        return;
    };
    for row in client
        .query(
            "select s, dyniq.tier_for_score(s) from generate_series(0, 100) as s",
            &[],
        )
        .unwrap()
    {
        let (score, tier): (i32, String) = (row.get(0), row.get(1));
        assert_eq!(tier_for_score(score).as_str(), tier, "score {score}");
    }
    let null: Option<String> = client
        .query_one("select dyniq.tier_for_score(null)", &[])
        .unwrap()
        .get(0);
    assert_eq!(null, None);
    assert_eq!(Tier::Hot.as_str(), "HOT");
}

#[test]
fn thread_uuids_match_the_sql_function() {
    let Some(mut client) = support::database() else {
        return;
    };
    for id in [
        "bm-test-123",
        "bm-abc",
        "bm-Q3_pricing-v2",
        "anything else",
        "",
    ] {
        let sql: String = client
            .query_one("select dyniq.thread_uuid($1)::text", &[&id])
            .unwrap()
            .get(0);
        assert_eq!(
            rowgate_core::ids::thread_uuid(id).to_string(),
            sql,
            "{id:?}"
        );
    }
}
