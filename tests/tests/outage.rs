//! The stack failing under the Worker: PostgREST stopped, PostgREST hung, and PostgreSQL stopped
//! while PostgREST is up. Each is a 503 with Retry-After (never a 500, never a hung request),
//! `/health` says which part is down, nothing is half-written, and requests succeed again once the
//! part is back. Its own test binary, and its tests hold one lock, so no other test runs while a
//! part of the stack is down; every test restores what it broke however it ends.

use std::process::Command;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use rowgate_tests::*;
use serde_json::{json, Value};

/// One outage at a time.
static STACK: Mutex<()> = Mutex::new(());

fn one_at_a_time() -> MutexGuard<'static, ()> {
    // A test that failed while holding the lock restored the stack in its guard's drop.
    STACK
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn postgrest_pid() -> i32 {
    let file = state_dir().join("pids/postgrest.pid");
    std::fs::read_to_string(&file)
        .unwrap_or_else(|e| {
            panic!(
                "{}: {e} (PostgREST is started by scripts/local.sh)",
                file.display()
            )
        })
        .trim()
        .parse()
        .expect("pid")
}

/// Sends `signal` to exactly `pid`, never a negative pid through /usr/bin/kill (procps reads
/// `kill -TERM -<n>` as options, with every process in reach).
fn signal(pid: i32, signal: &str) {
    let status = Command::new("kill")
        .args(["-s", signal, &pid.to_string()])
        .status()
        .expect("kill");
    assert!(status.success(), "kill -s {signal} {pid}");
}

/// `scripts/local.sh db`: starts whatever of PostgreSQL and PostgREST is not running.
fn start_db_and_postgrest() -> bool {
    Command::new("bash")
        .arg(repo_root().join("scripts/local.sh"))
        .arg("db")
        .stdout(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Brings PostgreSQL and PostgREST back however the test ends, so a failure here cannot break
/// later tests.
struct Restart;

impl Drop for Restart {
    fn drop(&mut self) {
        start_db_and_postgrest();
    }
}

/// Resumes a stopped (SIGSTOP) process however the test ends.
struct Resume(i32);

impl Drop for Resume {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-s", "CONT", &self.0.to_string()])
            .status();
    }
}

fn insert(body: &Value) -> Answer {
    call(
        "POST",
        &format!("{}/v1/dyniq/leads", worker_url()),
        &[
            ("authorization", &bearer(SERVICE_ROLE_KEY)),
            ("content-type", "application/json"),
        ],
        Some(&body.to_string()),
    )
}

/// Asserts a 503 problem with Retry-After and no internal address in it.
fn unavailable(a: &Answer) -> Value {
    let p = a.problem(503);
    assert!(a.header("retry-after").is_some(), "no Retry-After: {a:?}");
    assert!(
        !p["detail"].as_str().unwrap().contains("127.0.0.1"),
        "internal detail leaked: {p}"
    );
    p
}

/// Asserts `/health`'s 503: a problem with Retry-After naming the state of each part.
fn unhealthy(postgrest: &str, database: &str) {
    let a = call("GET", &format!("{}/health", worker_url()), &[], None);
    let p = a.problem(503);
    assert!(a.header("retry-after").is_some(), "no Retry-After: {a:?}");
    assert_eq!(p["postgrest"], postgrest, "{p}");
    assert_eq!(p["database"], database, "{p}");
}

fn insert_succeeds_again() {
    ready();
    let a = insert(&json!({"email": unique("back") + "@example.com"}));
    assert_eq!(a.status, 201, "{}", a.body);
}

#[test]
fn postgrest_down_is_a_503_with_retry_after_and_nothing_half_written() {
    let _one = one_at_a_time();
    ready();
    let _restart = Restart;
    let pid = postgrest_pid();
    signal(pid, "TERM");
    // Wait until it is really gone (polling, not sleeping a fixed time).
    let mut gone = false;
    for _ in 0..100 {
        if !std::path::Path::new(&format!("/proc/{pid}")).exists() {
            gone = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(gone, "PostgREST did not stop");

    let email = unique("outage") + "@example.com";
    let a = insert(&json!([{"email": email}, {"email": unique("outage") + "@example.com"}]));
    unavailable(&a);
    unhealthy("unreachable", "unreachable");
    assert_eq!(count_leads(&email), 0);

    // An inbound SMS: 503 with Retry-After, which Twilio retries; nothing is written.
    let sid = new_message_sid();
    let a = twilio_webhook(
        "/webhooks/yachtparty/twilio/sms",
        &[
            ("AccountSid", TWILIO_ACCOUNT_SID),
            ("Body", "Are you there?"),
            ("From", "+14155550123"),
            ("MessageSid", &sid),
            ("NumMedia", "0"),
            ("To", TWILIO_FROM_NUMBER),
        ],
    );
    unavailable(&a);

    // A Telegram update: 503 with Retry-After, which Telegram retries.
    let a = call(
        "POST",
        &format!("{}/webhooks/companion/telegram", worker_url()),
        &[
            ("content-type", "application/json"),
            ("x-telegram-bot-api-secret-token", TELEGRAM_WEBHOOK_SECRET),
        ],
        Some(
            &json!({"update_id": 7, "message": {"message_id": 1, "date": 1,
                "from": {"id": 5, "is_bot": false, "first_name": "A"},
                "chat": {"id": 5, "type": "private"}, "text": "/help"}})
            .to_string(),
        ),
    );
    unavailable(&a);

    assert!(
        start_db_and_postgrest(),
        "scripts/local.sh db failed to restart PostgREST"
    );
    insert_succeeds_again();
    let sid_rows: i64 = db()
        .query_one(
            "select count(*) from yachtparty.messages where twilio_message_sid = $1::text",
            &[&sid],
        )
        .unwrap()
        .get(0);
    assert_eq!(sid_rows, 0, "nothing written while PostgREST was down");
}

#[test]
fn postgresql_down_while_postgrest_is_up_is_a_503_and_health_says_database_unreachable() {
    let _one = one_at_a_time();
    ready();
    let _restart = Restart;
    let pg_ctl = [
        "/usr/lib/postgresql/15/bin/pg_ctl",
        "-D",
        &state_dir().join("pgdata").to_string_lossy(),
        "-m",
        "fast",
        "-w",
        "stop",
    ]
    .map(String::from);
    // The server refuses to run as root, so as root it is stopped as the postgres user.
    let is_root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.trim_ascii() == b"0");
    let status = if is_root {
        Command::new("runuser")
            .args(["-u", "postgres", "--"])
            .args(&pg_ctl)
            .stdout(std::process::Stdio::null())
            .status()
    } else {
        Command::new(&pg_ctl[0])
            .args(&pg_ctl[1..])
            .stdout(std::process::Stdio::null())
            .status()
    }
    .expect("pg_ctl");
    assert!(status.success(), "pg_ctl stop failed");

    let a = insert(&json!({"email": unique("pgdown") + "@example.com"}));
    assert_ne!(a.status, 500, "{}", a.body);
    unavailable(&a);
    unhealthy("ok", "unreachable");

    assert!(
        start_db_and_postgrest(),
        "scripts/local.sh db failed to restart PostgreSQL"
    );
    // PostgREST reconnects by itself; readiness is polled, not slept for.
    insert_succeeds_again();
}

#[test]
fn a_hung_postgrest_is_a_503_with_retry_after_within_the_timeout() {
    let _one = one_at_a_time();
    ready();
    let pid = postgrest_pid();
    let _resume = Resume(pid);
    signal(pid, "STOP");

    // The local stack sets POSTGREST_TIMEOUT_MS=3000; the request must never hang.
    let limit = Duration::from_secs(15);
    let started = Instant::now();
    let a = try_call(
        "POST",
        &format!("{}/v1/dyniq/leads", worker_url()),
        &[
            ("authorization", &bearer(SERVICE_ROLE_KEY)),
            ("content-type", "application/json"),
        ],
        Some(&json!({"email": unique("hung") + "@example.com"}).to_string()),
        limit,
    )
    .unwrap_or_else(|e| panic!("no answer within {limit:?} while PostgREST hung: {e}"));
    let took = started.elapsed();
    unavailable(&a);
    assert!(took < limit, "took {took:?}");

    signal(pid, "CONT");
    insert_succeeds_again();
}
