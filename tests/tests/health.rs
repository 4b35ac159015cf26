//! `GET /health` through wrangler dev.

use rowgate_tests::{call, ready, worker_url};

#[test]
fn health_reports_the_version_and_a_reachable_database() {
    ready();
    let a = call("GET", &format!("{}/health", worker_url()), &[], None);
    assert_eq!(a.status, 200, "{}", a.body);
    let body = a.json();
    assert_eq!(body["status"], "ok");
    assert_eq!(body["postgrest"], "ok");
    assert_eq!(body["database"], "ok");
    assert_eq!(body["version"], env!("CARGO_PKG_VERSION"));
    assert!(
        body["build"].as_str().is_some_and(|b| !b.is_empty()),
        "health names no build: {body}"
    );
    assert_eq!(
        a.header("content-type")
            .map(|c| c.starts_with("application/json")),
        Some(true)
    );
    assert!(a.header("x-request-id").is_some());
}

#[test]
fn health_refuses_other_methods_with_a_problem() {
    ready();
    let a = call("POST", &format!("{}/health", worker_url()), &[], Some("{}"));
    let p = a.problem(405);
    assert_eq!(a.header("allow"), Some("GET"));
    assert_eq!(p["type"], "/problems/method-not-allowed");
}

#[test]
fn an_unknown_route_is_a_404_problem() {
    ready();
    let a = call("GET", &format!("{}/no/such/route", worker_url()), &[], None);
    a.problem(404);
}
