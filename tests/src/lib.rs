//! Helpers for the end-to-end tests: where the stack is, waiting for it by polling (and refusing
//! a Worker built from other sources), HTTP calls that return every status as a value, tokens
//! signed like Supabase's, Standard Webhooks signatures, users created straight in the database,
//! and a second Worker on plain workerd with its own configuration. Each test makes its own data.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use rowgate_core::jwt::es256_test_support::Es256TestKey;
use serde_json::{json, Value};

mod http_standin;
pub mod telegram;
pub mod twilio;

/// The Supabase CLI's local JWT secret (scripts/env.sh).
pub const JWT_SECRET: &str = "super-secret-jwt-token-with-at-least-32-characters-long";
pub const SERVICE_ROLE_KEY: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZS1kZW1vIiwicm9sZSI6InNlcnZpY2Vfcm9sZSIsImV4cCI6MTk4MzgxMjk5Nn0.EGIM96RAZx35lJzdJsyH-qQwv8Hdp7fsn3W0YpN81IU";
pub const ANON_KEY: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZS1kZW1vIiwicm9sZSI6ImFub24iLCJleHAiOjE5ODM4MTI5OTZ9.CRXP1A7WOeoJeXxjNni43kdQwgnWNReilDMblYTn_I0";
pub const SCOREAPP_SECRET: &str = "local-scoreapp-secret";
/// Each schema's ingest has its own secret, so a sender for one app cannot write another's
/// tables (`INGEST_WEBHOOK_SECRETS_<SCHEMA>` in scripts/env.sh).
pub const INGEST_SECRET_DYNIQ: &str = "whsec_cm93Z2F0ZS1sb2NhbC1keW5pcS1pbmdlc3Qta2V5";
pub const INGEST_SECRET_WALKER_OS: &str = "whsec_cm93Z2F0ZS1sb2NhbC13YWxrZXItb3MtaW5nZXN0LWtleQ==";
pub const INGEST_SECRET_YACHTPARTY: &str = "whsec_cm93Z2F0ZS1sb2NhbC15YWNodHBhcnR5LWluZ2VzdC1rZXk=";
pub const ES256_KID: &str = "rowgate-local-es256";
/// The local Twilio account (scripts/env.sh): what the Worker's .dev.vars hold and what the
/// Twilio stand-in accepts.
pub const TWILIO_ACCOUNT_SID: &str = "AC0123456789abcdef0123456789abcdef";
pub const TWILIO_AUTH_TOKEN: &str = "rowgate-local-twilio-auth-token";
pub const TWILIO_FROM_NUMBER: &str = "+15005550006";

/// The local Telegram bot (scripts/env.sh), as the Worker's .dev.vars hold it.
pub const TELEGRAM_BOT_TOKEN: &str = "123456789:rowgate-local-telegram-bot-token";
pub const TELEGRAM_WEBHOOK_SECRET: &str = "rowgate-local-telegram-webhook-secret";
pub const TELEGRAM_BOT_USERNAME: &str = "RowgateCompanionBot";

/// The port the Worker's `TELEGRAM_API_BASE_URL` points at, where the tests run the stand-in.
pub fn telegram_port() -> u16 {
    std::env::var("ROWGATE_TELEGRAM_PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(8791)
}

/// The port the Worker's `TWILIO_API_BASE_URL` points at, where the tests run the stand-in.
pub fn twilio_port() -> u16 {
    std::env::var("ROWGATE_TWILIO_PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(8790)
}

pub fn worker_url() -> String {
    std::env::var("ROWGATE_WORKER_URL").unwrap_or_else(|_| "http://127.0.0.1:8787".into())
}

pub fn postgrest_url() -> String {
    std::env::var("ROWGATE_POSTGREST_URL").unwrap_or_else(|_| "http://127.0.0.1:54321".into())
}

/// The local ingest secret of `schema`.
pub fn ingest_secret(schema: &str) -> &'static str {
    match schema {
        "dyniq" => INGEST_SECRET_DYNIQ,
        "walker_os" => INGEST_SECRET_WALKER_OS,
        "yachtparty" => INGEST_SECRET_YACHTPARTY,
        other => panic!("no local ingest secret for schema {other}"),
    }
}

/// The repository this test crate belongs to.
pub fn repo_root() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

/// The local stack's state folder (pids, pgdata, logs): `ROWGATE_STATE`, as scripts/local.sh
/// reads it, or `<repo>/.local`.
pub fn state_dir() -> PathBuf {
    std::env::var_os("ROWGATE_STATE")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join(".local"))
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
    /// Asserts a problem+json answer with this status, its RFC 9457 members and no database
    /// text in it, and returns its body.
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
        for member in ["type", "title", "detail"] {
            assert!(
                body[member].is_string(),
                "the problem has no `{member}`: {body}"
            );
        }
        assert_no_database_text(&self.body);
        body
    }
}

/// What PostgreSQL and PostgREST say that a client must never see.
pub const DATABASE_TEXT: [&str; 7] = [
    "violates",
    "constraint",
    "relation",
    "PGRST",
    "syntax error",
    "permission denied for",
    "duplicate key",
];

pub fn assert_no_database_text(body: &str) {
    for text in DATABASE_TEXT {
        assert!(
            !body.contains(text),
            "database text `{text}` leaked: {body}"
        );
    }
}

/// A request to the Worker (or any URL) that returns every status as an `Answer`.
pub fn call(method: &str, url: &str, headers: &[(&str, &str)], body: Option<&str>) -> Answer {
    try_call(method, url, headers, body, Duration::from_secs(30))
        .unwrap_or_else(|e| panic!("{method} {url}: {e}"))
}

/// `call` that gives up after `timeout`, returning the transport error (a timeout included).
pub fn try_call(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
    timeout: Duration,
) -> Result<Answer, String> {
    let agent = ureq::AgentBuilder::new().timeout(timeout).build();
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
        Err(e) => return Err(e.to_string()),
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
    Ok(Answer {
        status,
        headers,
        body,
    })
}

/// Polls `/health` until the Worker reports healthy (never sleeps blindly for a fixed time).
pub fn wait_healthy(timeout: Duration) -> bool {
    health_within(&worker_url(), timeout).is_some()
}

/// Polls `<base>/health` until it answers 200; returns its body, or `None` at the deadline.
pub fn health_within(base: &str, timeout: Duration) -> Option<Value> {
    let deadline = Instant::now() + timeout;
    let agent = ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(5))
        .build();
    while Instant::now() < deadline {
        if let Ok(r) = agent.get(&format!("{base}/health")).call() {
            if r.status() == 200 {
                return Some(r.into_json().unwrap_or(Value::Null));
            }
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    None
}

/// Waits for a healthy Worker and, when `ROWGATE_BUILD_ID` is set, refuses one built from other
/// sources: a stale build, or another checkout's stack on the same ports.
pub fn ready() {
    let url = worker_url();
    let health = health_within(&url, Duration::from_secs(60)).unwrap_or_else(|| {
        panic!("the Worker at {url} is not healthy: start it with scripts/local.sh start")
    });
    check_build(&url, &health);
}

fn check_build(url: &str, health: &Value) {
    let Ok(expected) = std::env::var("ROWGATE_BUILD_ID") else {
        return;
    };
    let found = health["build"].as_str().unwrap_or("(none)");
    assert_eq!(
        found, expected,
        "the Worker at {url} was built from other sources (a stale build, or another checkout's \
         stack on the same ports): /health reports build {found}, this tree is {expected}"
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

/// Standard Webhooks headers for `body`, signed with `secret` (e.g. `ingest_secret("dyniq")`) at
/// `timestamp`.
pub fn standard_webhook_headers(
    secret: &str,
    id: &str,
    timestamp: i64,
    body: &str,
) -> Vec<(String, String)> {
    let hook = rowgate_core::webhook::StandardWebhook::new(secret).expect("secret");
    let ts = timestamp.to_string();
    let sig = hook.sign(id, &ts, body.as_bytes());
    vec![
        ("webhook-id".into(), id.into()),
        ("webhook-timestamp".into(), ts),
        ("webhook-signature".into(), sig),
        ("content-type".into(), "application/json".into()),
    ]
}

/// A free loopback port (bound, read and released; the caller binds it next).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind a loopback port")
        .local_addr()
        .expect("local address")
        .port()
}

/// A second Worker from the same build, on plain workerd at a free loopback port, with some
/// bindings overridden (`null` removes one). Killed by pid when dropped.
pub struct Workerd {
    pub url: String,
    child: Child,
    config: PathBuf,
    log: PathBuf,
}

impl Workerd {
    pub fn start(overrides: &Value) -> Workerd {
        let root = repo_root();
        // The config embeds the build by paths relative to itself: two levels below the root.
        let dir = root.join(".local/workerd-test");
        std::fs::create_dir_all(&dir).expect("create .local/workerd-test");
        let port = free_port();
        let address = format!("127.0.0.1:{port}");
        let out = Command::new("node")
            .arg(root.join("scripts/workerd-config.mjs"))
            .arg(&address)
            .env("ROWGATE_WORKERD_OVERRIDES", overrides.to_string())
            .current_dir(&root)
            .output()
            .expect("node runs scripts/workerd-config.mjs");
        assert!(
            out.status.success(),
            "workerd-config.mjs failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let config = dir.join(format!("config-{port}.capnp"));
        std::fs::write(&config, &out.stdout).expect("write the workerd config");
        let log_path = dir.join(format!("workerd-{port}.log"));
        let log = std::fs::File::create(&log_path).expect("log file");
        let child = Command::new(root.join("node_modules/.bin/workerd"))
            .arg("serve")
            .arg(&config)
            .current_dir(&root)
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log file"))
            .stderr(log)
            .spawn()
            .expect("start workerd");
        let mut w = Workerd {
            url: format!("http://{address}"),
            child,
            config,
            log: log_path,
        };
        // Polls until it answers, or until it exits (a config error, a port taken meanwhile).
        let deadline = Instant::now() + Duration::from_secs(60);
        let health = loop {
            if let Ok(Some(exit)) = w.child.try_wait() {
                panic!("workerd exited ({exit}); see {}", w.log.display());
            }
            if let Some(h) = health_within(&w.url, Duration::from_millis(500)) {
                break h;
            }
            assert!(
                Instant::now() < deadline,
                "workerd at {} did not become healthy; see {}",
                w.url,
                w.log.display()
            );
        };
        check_build(&w.url, &health);
        w
    }
}

impl Drop for Workerd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.config);
        // The log is kept when the test failed, to read why.
        if !std::thread::panicking() {
            let _ = std::fs::remove_file(&self.log);
        }
    }
}

/// The local JWKS (the public half of the ES256 test key), read from scripts/env.sh.
pub fn local_jwks() -> String {
    let env = std::fs::read_to_string(repo_root().join("scripts/env.sh")).expect("scripts/env.sh");
    env.lines()
        .find_map(|l| l.strip_prefix("LOCAL_JWKS='"))
        .and_then(|l| l.strip_suffix('\''))
        .expect("LOCAL_JWKS='...' in scripts/env.sh")
        .to_string()
}

/// How many leads have this email (0 or 1: it is unique).
pub fn count_leads(email: &str) -> i64 {
    db().query_one(
        "select count(*) from dyniq.leads where email = $1",
        &[&email],
    )
    .unwrap()
    .get(0)
}

/// A form body as Twilio sends one (application/x-www-form-urlencoded, spaces as `+`).
pub fn form_body(params: &[(&str, &str)]) -> String {
    fn encode(s: &str) -> String {
        let mut out = String::with_capacity(s.len());
        for b in s.bytes() {
            match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'*' => {
                    out.push(b as char)
                }
                b' ' => out.push('+'),
                _ => out.push_str(&format!("%{b:02X}")),
            }
        }
        out
    }
    params
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// `X-Twilio-Signature` for a POST of `params` to `url`, keyed by `token` (Twilio's algorithm,
/// as rowgate-core implements it and checks against Twilio's published example).
pub fn twilio_signature(token: &str, url: &str, params: &[(&str, &str)]) -> String {
    let owned: Vec<(String, String)> = params
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    rowgate_core::twilio::signature(token, url, &owned)
}

/// A webhook delivery as Twilio makes it: `params` posted to the Worker's `path_and_query`,
/// signed with the local account's auth token over the URL called.
pub fn twilio_webhook(path_and_query: &str, params: &[(&str, &str)]) -> Answer {
    let url = format!("{}{path_and_query}", worker_url());
    let signature = twilio_signature(TWILIO_AUTH_TOKEN, &url, params);
    call(
        "POST",
        &url,
        &[
            ("content-type", "application/x-www-form-urlencoded"),
            ("x-twilio-signature", &signature),
        ],
        Some(&form_body(params)),
    )
}

/// A Twilio message SID no other test uses.
pub fn new_message_sid() -> String {
    format!("SM{}", uuid::Uuid::new_v4().simple())
}
