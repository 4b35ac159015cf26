//! PostgREST stopped mid-test: the Worker answers 503 with Retry-After, nothing is
//! half-written, and requests succeed again once PostgREST is back. Its own test binary, so no
//! other test runs while PostgREST is down.

use std::process::Command;
use std::time::Duration;

use rowgate_tests::*;
use serde_json::json;

fn root() -> String {
    concat!(env!("CARGO_MANIFEST_DIR"), "/..").to_string()
}

fn postgrest_pid() -> i32 {
    std::fs::read_to_string(format!("{}/.local/pids/postgrest.pid", root()))
        .expect("PostgREST was started by scripts/local.sh")
        .trim()
        .parse()
        .expect("pid")
}

/// Brings PostgREST back however the test ends, so a failure here cannot break later tests.
struct Restart;

impl Drop for Restart {
    fn drop(&mut self) {
        let _ = Command::new("bash")
            .arg(format!("{}/scripts/local.sh", root()))
            .arg("db")
            .status();
    }
}

#[test]
fn postgrest_down_is_a_503_with_retry_after_and_nothing_half_written() {
    ready();
    let _restart = Restart;
    let pid = postgrest_pid();
    // PostgREST is one process: signal exactly it, never a negative pid through /usr/bin/kill
    // (procps reads `kill -TERM -<n>` as options, with every process in reach).
    let status = Command::new("kill")
        .args(["-s", "TERM", &pid.to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
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
    let a = call(
        "POST",
        &format!("{}/v1/dyniq/leads", worker_url()),
        &[
            ("authorization", &bearer(SERVICE_ROLE_KEY)),
            ("content-type", "application/json"),
        ],
        Some(&json!([{"email": email}, {"email": unique("outage") + "@example.com"}]).to_string()),
    );
    let p = a.problem(503);
    assert!(a.header("retry-after").is_some());
    assert!(
        !p["detail"].as_str().unwrap().contains("127.0.0.1"),
        "internal detail leaked: {p}"
    );
    let health = call("GET", &format!("{}/health", worker_url()), &[], None);
    assert_eq!(health.status, 503);
    assert_eq!(health.json()["postgrest"], "unreachable");

    let count: i64 = db()
        .query_one(
            "select count(*) from dyniq.leads where email = $1",
            &[&email],
        )
        .unwrap()
        .get(0);
    assert_eq!(count, 0);

    let restart = Command::new("bash")
        .arg(format!("{}/scripts/local.sh", root()))
        .arg("db")
        .status()
        .expect("restart");
    assert!(
        restart.success(),
        "scripts/local.sh db failed to restart PostgREST"
    );
    ready();
    let again = call(
        "POST",
        &format!("{}/v1/dyniq/leads", worker_url()),
        &[
            ("authorization", &bearer(SERVICE_ROLE_KEY)),
            ("content-type", "application/json"),
        ],
        Some(&json!({"email": email}).to_string()),
    );
    assert_eq!(again.status, 201, "{}", again.body);
}
