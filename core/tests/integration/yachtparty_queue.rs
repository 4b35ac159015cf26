//! yachtparty's queues and ledger under real concurrency (migrations 20261203002100 and
//! 20261203002200): several sessions, one `postgres::Client` per thread, call the claim and award
//! functions at the same moment (a `Barrier` lines them up), and no session may get what another
//! got. These are §7 checks 3 and 4 of the specification, which one pgTAP session cannot run.
//!
//! Each test makes its own data. Tasks are deleted when the test ends; ledger rows and events
//! cannot be (both tables are append-only), so those tests use a new user or event type of
//! their own and leave processed rows behind.

use std::collections::HashSet;
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::Duration;

use postgres::fallible_iterator::FallibleIterator;
use serde_json::Value;

use crate::support;

/// A session of its own for each thread (the test was not skipped, so the database is there).
fn session() -> postgres::Client {
    support::database().expect("the database answered the test's first session")
}

/// A value no other run uses: a random uuid from the database, without dashes.
fn unique(client: &mut postgres::Client) -> String {
    client
        .query_one("select replace(gen_random_uuid()::text, '-', '')", &[])
        .unwrap()
        .get(0)
}

/// A new yachtparty user with a phone number of its own; returns its id.
fn new_user(client: &mut postgres::Client) -> String {
    client
        .query_one(
            "insert into yachtparty.users (phone_number, first_name) \
             values ('+44' || lpad((floor(random() * 1e12))::bigint::text, 12, '0'), 'rowgate-core test') \
             returning id::text",
            &[],
        )
        .unwrap()
        .get(0)
}

/// Runs `work` in `n` threads at once, each with its own session and its index, and returns
/// what each returned, in index order. `work` waits on the barrier it is given before its
/// first call, so that the calls overlap. A session gives up waiting for a lock after 20
/// seconds: a claim that waited for another's rows (instead of skipping them) fails the test
/// rather than hanging it at the barrier. The correct functions never wait that long.
fn at_once<T, F>(n: usize, work: F) -> Vec<T>
where
    T: Send + 'static,
    F: Fn(usize, &mut postgres::Client, &Barrier) -> T + Send + Sync + 'static,
{
    let barrier = Arc::new(Barrier::new(n));
    let work = Arc::new(work);
    let handles: Vec<_> = (0..n)
        .map(|i| {
            let barrier = Arc::clone(&barrier);
            let work = Arc::clone(&work);
            let mut client = session();
            client.batch_execute("set lock_timeout = '20s'").unwrap();
            thread::spawn(move || work(i, &mut client, &barrier))
        })
        .collect();
    handles
        .into_iter()
        .map(|h| h.join().expect("a session's thread panicked"))
        .collect()
}

/// Deletes the tasks a test inserted (marked by `created_by`) when the test ends, passed or not.
struct DeleteTasks {
    client: postgres::Client,
    created_by: String,
}

impl Drop for DeleteTasks {
    fn drop(&mut self) {
        let _ = self.client.execute(
            "delete from yachtparty.agent_tasks where created_by = $1",
            &[&self.created_by],
        );
    }
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).expect("the function returned JSON")
}

#[test]
fn four_sessions_claiming_ten_tasks_each_at_once_get_forty_distinct_tasks() {
    let Some(mut client) = support::database() else {
        return;
    };
    let created_by = format!("rowgate-core yachtparty_queue {}", unique(&mut client));
    // Tasks of this test's earlier runs that died before cleaning up would be claimed first.
    client
        .execute(
            "delete from yachtparty.agent_tasks \
              where created_by like 'rowgate-core yachtparty_queue %' and scheduled_for < '2000-01-02'",
            &[],
        )
        .unwrap();
    // Due since 2000 and high priority: claimed before any task of anyone else's.
    let mine: HashSet<String> = client
        .query(
            "insert into yachtparty.agent_tasks (task_type, agent_type, scheduled_for, priority, context_json, created_by) \
             select 'concurrency_check', 'rowgate_test', timestamptz '2000-01-01' + i * interval '1 millisecond', \
                    'high', jsonb_build_object('i', i), $1 \
               from generate_series(1, 100) i \
             returning id::text",
            &[&created_by],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(mine.len(), 100);
    let cleanup = DeleteTasks { client, created_by };

    // Each session claims inside a transaction that stays open until all four have claimed, so
    // every claim runs while the others' rows are locked: a claimer that waited for them, or
    // took them, would hang or hand a task out twice.
    let claims: Vec<Vec<String>> = at_once(4, |_, client, barrier| {
        let mut tx = client.transaction().unwrap();
        barrier.wait();
        let claimed = tx.query(
            "select id::text from yachtparty.claim_agent_tasks(null, 10)",
            &[],
        );
        barrier.wait();
        let ids = claimed
            .expect("claim_agent_tasks")
            .iter()
            .map(|r| r.get(0))
            .collect();
        tx.commit().unwrap();
        ids
    });

    let all: Vec<&String> = claims.iter().flatten().collect();
    let distinct: HashSet<&String> = all.iter().copied().collect();
    for (i, c) in claims.iter().enumerate() {
        assert_eq!(c.len(), 10, "session {i} claimed {} tasks", c.len());
    }
    assert_eq!(all.len(), 40);
    assert_eq!(distinct.len(), 40, "a task was handed to two sessions");
    assert!(
        distinct.iter().all(|id| mine.contains(*id)),
        "a session claimed a task that this test did not insert"
    );

    let processing: i64 = session()
        .query_one(
            "select count(*) from yachtparty.agent_tasks \
              where created_by = $1 and status = 'processing' and retry_count = 1",
            &[&cleanup.created_by],
        )
        .unwrap()
        .get(0);
    assert_eq!(
        processing, 40,
        "the 40 claimed tasks are processing, attempt 1"
    );
}

#[test]
fn fifty_concurrent_awards_to_one_user_add_up_to_the_ledger() {
    let Some(mut client) = support::database() else {
        return;
    };
    let user = new_user(&mut client);

    let user_for_threads = user.clone();
    let results: Vec<Value> = at_once(50, move |i, client, barrier| {
        let key = format!("rowgate-core:yachtparty_queue:{user_for_threads}:{i}");
        let amount = i as i32 + 1;
        barrier.wait();
        let row = client
            .query_one(
                "select yachtparty.award_credits($1::text::uuid, 'referral_joined', $2, 'user', $1::text::uuid, $3)::text",
                &[&user_for_threads, &amount, &key],
            )
            .expect("award_credits");
        json(row.get(0))
    });

    assert!(
        results.iter().all(|r| r["duplicate"] == Value::Bool(false)),
        "every key was new: {results:?}"
    );
    // Each award read the balance under the users row's lock it had just taken: 50 different
    // running totals, the last of them everything.
    let balances: HashSet<i64> = results
        .iter()
        .map(|r| r["balance"].as_i64().unwrap())
        .collect();
    assert_eq!(balances.len(), 50, "two awards saw the same balance");
    assert_eq!(balances.iter().max(), Some(&1275));

    let row = client
        .query_one(
            "select u.credit_balance::bigint, \
                    (select coalesce(sum(amount), 0) from yachtparty.credit_events where user_id = u.id and processed), \
                    (select count(*) from yachtparty.credit_events where user_id = u.id) \
               from yachtparty.users u where u.id = $1::text::uuid",
            &[&user],
        )
        .unwrap();
    let (cached, ledger, rows): (i64, i64, i64) = (row.get(0), row.get(1), row.get(2));
    assert_eq!(rows, 50);
    assert_eq!(ledger, 1275, "1 + 2 + ... + 50");
    assert_eq!(
        cached, ledger,
        "users.credit_balance equals the sum of the processed ledger"
    );
}

#[test]
fn one_key_from_eight_sessions_at_once_is_awarded_once() {
    let Some(mut client) = support::database() else {
        return;
    };
    let user = new_user(&mut client);
    let key = format!("rowgate-core:yachtparty_queue:{user}:same-key");

    let (user_for_threads, key_for_threads) = (user.clone(), key.clone());
    let results: Vec<Value> = at_once(8, move |_, client, barrier| {
        barrier.wait();
        let row = client
            .query_one(
                "select yachtparty.award_credits($1::text::uuid, 'referral_joined', 7, 'user', $1::text::uuid, $2)::text",
                &[&user_for_threads, &key_for_threads],
            )
            .expect("award_credits");
        json(row.get(0))
    });

    let firsts = results
        .iter()
        .filter(|r| r["duplicate"] == Value::Bool(false))
        .count();
    assert_eq!(
        firsts, 1,
        "exactly one session wrote the award: {results:?}"
    );
    let ids: HashSet<&str> = results
        .iter()
        .map(|r| r["credit_event_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids.len(),
        1,
        "every session names the one award: {results:?}"
    );
    assert!(results.iter().all(|r| r["balance"] == 7));

    let row = client
        .query_one(
            "select (select count(*) from yachtparty.credit_events where idempotency_key = $2), \
                    credit_balance::bigint \
               from yachtparty.users where id = $1::text::uuid",
            &[&user, &key],
        )
        .unwrap();
    let (rows, balance): (i64, i64) = (row.get(0), row.get(1));
    assert_eq!(rows, 1, "one ledger row for the key");
    assert_eq!(balance, 7, "counted once");
}

#[test]
fn four_sessions_claiming_events_at_once_get_distinct_events() {
    let Some(mut client) = support::database() else {
        return;
    };
    let event_type = format!("rowgate_test.claim_{}", unique(&mut client));
    let mine: HashSet<String> = client
        .query(
            "insert into yachtparty.events (event_type, payload, created_by) \
             select $1::text, jsonb_build_object('i', i), 'rowgate-core yachtparty_queue' from generate_series(1, 40) i \
             returning id::text",
            &[&event_type],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();

    let event_type_for_threads = event_type.clone();
    let claims: Vec<Vec<String>> = at_once(4, move |_, client, barrier| {
        let mut tx = client.transaction().unwrap();
        barrier.wait();
        let claimed = tx.query(
            "select id::text from yachtparty.claim_events(10, array[$1::text])",
            &[&event_type_for_threads],
        );
        barrier.wait();
        let ids = claimed
            .expect("claim_events")
            .iter()
            .map(|r| r.get(0))
            .collect();
        tx.commit().unwrap();
        ids
    });

    let all: Vec<&String> = claims.iter().flatten().collect();
    let distinct: HashSet<&String> = all.iter().copied().collect();
    assert_eq!(all.len(), 40);
    assert_eq!(distinct.len(), 40, "an event was handed to two sessions");
    assert!(distinct.iter().all(|id| mine.contains(*id)));
    let unprocessed: i64 = client
        .query_one(
            "select count(*) from yachtparty.events where event_type = $1::text and not processed",
            &[&event_type],
        )
        .unwrap()
        .get(0);
    assert_eq!(unprocessed, 0, "every claimed event is stored processed");
}

#[test]
fn an_inserted_event_is_announced_with_its_id_and_type_but_not_its_payload() {
    let Some(mut listener) = support::database() else {
        return;
    };
    listener.batch_execute("listen yachtparty_events").unwrap();
    let mut writer = session();
    let aggregate = writer
        .query_one("select gen_random_uuid()::text", &[])
        .unwrap()
        .get::<_, String>(0);
    // Written processed: no consumer should act on it. Its payload is larger than a NOTIFY may
    // carry, so the insert itself would fail if the payload were sent.
    let id: String = writer
        .query_one(
            "insert into yachtparty.events (event_type, aggregate_type, aggregate_id, payload, processed, created_by) \
             values ('rowgate_test.notified', 'test', $1::text::uuid, \
                     jsonb_build_object('secret', repeat('x', 9000)), true, 'rowgate-core yachtparty_queue') \
             returning id::text",
            &[&aggregate],
        )
        .unwrap()
        .get(0);

    // Other events may be announced meanwhile (pg_cron's jobs, other tests): this one is found
    // by its id. The timeout only bounds a failure.
    let mut notifications = listener.notifications();
    let announced = notifications
        .timeout_iter(Duration::from_secs(30))
        .iterator()
        .map(|n| n.expect("a notification"))
        .find(|n| n.payload().contains(&id))
        .expect("the event was announced on channel yachtparty_events");
    assert_eq!(announced.channel(), "yachtparty_events");
    let body = json(announced.payload());
    let expected = serde_json::json!({
        "id": id,
        "event_type": "rowgate_test.notified",
        "aggregate_type": "test",
        "aggregate_id": aggregate,
    });
    assert_eq!(
        body, expected,
        "the announcement carries the id, type and aggregate only"
    );
}
