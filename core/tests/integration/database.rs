//! Against the migrated local database: every record that shapes is accepted by the database
//! (inserted inside a transaction that is rolled back), and the core's rules compute what the
//! database's functions, triggers and generated columns compute.

use std::cell::RefCell;

use proptest::test_runner::{Config, TestCaseError, TestRunner};
use rowgate_core::dyniq::{tier_for_score, Tier};
use rowgate_core::registry::{self, InsertRecord};
use rowgate_core::table::TableDef;
use serde_json::Value;

use crate::support::{self, quoted};

/// The rows a record refers to, made inside the transaction: its lead (quiz responses), its post
/// (content metrics), its owner (Walker-OS; `user_id` or the caller that `auth.uid()` reads).
fn prerequisites(
    tx: &mut postgres::Transaction<'_>,
    t: &TableDef,
    record: &Value,
) -> Result<(), postgres::Error> {
    match (t.schema, t.name) {
        ("dyniq", "quiz_responses") => {
            tx.execute(
                "insert into dyniq.leads (email) values ($1) on conflict do nothing",
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

#[test]
fn a_record_that_shapes_is_accepted_by_the_database() {
    let Some(client) = support::database() else {
        return;
    };
    let client = RefCell::new(client);
    for t in registry::all() {
        let accepted = RefCell::new(0u32);
        let mut runner = TestRunner::new(Config {
            cases: 48,
            failure_persistence: None,
            ..Config::default()
        });
        let result = runner.run(&support::record(t), |body| {
            let Ok(shaped) = t.shape_insert_value(&body) else {
                return Ok(());
            };
            let record = serde_json::to_value(&shaped).unwrap();
            let mut client = client.borrow_mut();
            let mut tx = client.transaction().unwrap();
            let outcome =
                prerequisites(&mut tx, t, &record).and_then(|()| insert(&mut tx, t, &record));
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
        let accepted = *accepted.borrow();
        assert!(
            accepted >= 4,
            "{}: only {accepted} records reached the database",
            t.qualified_name()
        );
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
