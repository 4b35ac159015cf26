//! Helpers for the end-to-end tests: where the stack is, waiting for it by polling, HTTP calls
//! that return every status as a value, tokens signed like Supabase's, Standard Webhooks
//! signatures, and users created straight in the database. Each test makes its own data.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use rowgate_core::jwt::es256_test_support::Es256TestKey;
use serde_json::{json, Value};

/// The Supabase CLI's local JWT secret (scripts/env.sh).
pub const JWT_SECRET: &str = "super-secret-jwt-token-with-at-least-32-characters-long";
pub const SERVICE_ROLE_KEY: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZS1kZW1vIiwicm9sZSI6InNlcnZpY2Vfcm9sZSIsImV4cCI6MTk4MzgxMjk5Nn0.EGIM96RAZx35lJzdJsyH-qQwv8Hdp7fsn3W0YpN81IU";
pub const ANON_KEY: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZS1kZW1vIiwicm9sZSI6ImFub24iLCJleHAiOjE5ODM4MTI5OTZ9.CRXP1A7WOeoJeXxjNni43kdQwgnWNReilDMblYTn_I0";
pub const SCOREAPP_SECRET: &str = "local-scoreapp-secret";
pub const INGEST_SECRET: &str = "whsec_cm93Z2F0ZS1sb2NhbC1pbmdlc3Qtc2lnbmluZy1rZXk=";
pub const ES256_KID: &str = "rowgate-local-es256";

pub fn worker_url() -> String {
    std::env::var("ROWGATE_WORKER_URL").unwrap_or_else(|_| "http://127.0.0.1:8787".into())
}

pub fn postgrest_url() -> String {
    std::env::var("ROWGATE_POSTGREST_URL").unwrap_or_else(|_| "http://127.0.0.1:54321".into())
}

pub fn database_url() -> String {
    std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres:postgres@127.0.0.1:54322/postgres".into())
}

pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64
}

/// An answer, whatever its status.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("body is not JSON ({e}): {}", self.body))
    }
    /// Asserts a problem+json answer with this status and returns its body.
    pub fn problem(&self, status: u16) -> Value {
        assert_eq!(
            self.status, status,
            "unexpected status; body: {}",
            self.body
        );
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json"),
            "body: {}",
            self.body
        );
        let body = self.json();
        assert_eq!(body["status"], status);
        body
    }
}

/// A request to the Worker (or any URL) that returns every status as an `Answer`.
pub fn call(method: &str, url: &str, headers: &[(&str, &str)], body: Option<&str>) -> Answer {
    let agent = ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(30))
        .build();
    let mut req = agent.request(method, url);
    for (k, v) in headers {
        req = req.set(k, v);
    }
    let result = match body {
        Some(b) => req.send_string(b),
        None => req.call(),
    };
    let resp = match result {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("{method} {url}: {e}"),
    };
    let status = resp.status();
    let headers = resp
        .headers_names()
        .into_iter()
        .map(|n| {
            let v = resp.header(&n).unwrap_or_default().to_string();
            (n, v)
        })
        .collect();
    let body = resp.into_string().unwrap_or_default();
    Answer {
        status,
        headers,
        body,
    }
}

/// Polls `/health` until the Worker reports healthy (never sleeps blindly for a fixed time).
pub fn wait_healthy(timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    let agent = ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(5))
        .build();
    while Instant::now() < deadline {
        if let Ok(r) = agent.get(&format!("{}/health", worker_url())).call() {
            if r.status() == 200 {
                return true;
            }
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    false
}

pub fn ready() {
    assert!(
        wait_healthy(Duration::from_secs(60)),
        "the Worker at {} is not healthy: start it with scripts/local.sh start",
        worker_url()
    );
}

/// An HS256 token signed with the local JWT secret, as Supabase Auth issues them.
pub fn hs256(claims: &Value) -> String {
    rowgate_core::jwt::sign_hs256(claims, JWT_SECRET.as_bytes())
}

/// An ES256 token signed with the local test key (the private half of `SUPABASE_JWKS`), as
/// Supabase's asymmetric keys sign them, naming the key `kid`.
pub fn es256(claims: &Value, kid: &str) -> String {
    Es256TestKey::rfc6979(kid).sign(claims)
}

/// Claims of a signed-in user, valid for an hour.
pub fn user_claims(user_id: &str) -> Value {
    json!({
        "sub": user_id, "role": "authenticated", "aud": "authenticated",
        "exp": now() + 3600, "iat": now(), "email": format!("{user_id}@example.com"),
    })
}

pub fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

pub fn db() -> postgres::Client {
    postgres::Client::connect(&database_url(), postgres::NoTls)
        .expect("connect to the local database")
}

/// A new Supabase Auth user, straight in auth.users (what sign-up would do); returns its id.
pub fn new_user() -> String {
    let id = uuid::Uuid::new_v4();
    db().execute(
        "insert into auth.users (id, email, aud, role) values ($1, $2, 'authenticated', 'authenticated')",
        &[&id, &format!("{id}@example.com")],
    )
    .expect("insert auth user");
    id.to_string()
}

/// A fresh, unique string for test data.
pub fn unique(prefix: &str) -> String {
    format!("{prefix}{}", uuid::Uuid::new_v4().simple())
}

/// Standard Webhooks headers for `body`, signed with the local ingest secret at `timestamp`.
pub fn standard_webhook_headers(id: &str, timestamp: i64, body: &str) -> Vec<(String, String)> {
    let hook = rowgate_core::webhook::StandardWebhook::new(INGEST_SECRET).expect("secret");
    let ts = timestamp.to_string();
    let sig = hook.sign(id, &ts, body.as_bytes());
    vec![
        ("webhook-id".into(), id.into()),
        ("webhook-timestamp".into(), ts),
        ("webhook-signature".into(), sig),
        ("content-type".into(), "application/json".into()),
    ]
}
