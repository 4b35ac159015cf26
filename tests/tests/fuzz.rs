//! A bounded, deterministic fuzz of every route of the Worker's OpenAPI document, end to end
//! against the running Worker (`ROWGATE_WORKER_URL`, default http://127.0.0.1:8787).
//!
//! What it covers:
//! - The routes come from `GET /openapi.json` at start: every (path, method) of the document,
//!   path templates (`{schema}`) expanded from their enums and the document's concrete paths.
//!   Today that is `/health`, `/openapi.json`, `GET/POST/PATCH/DELETE /v1/{schema}/{table}` and
//!   `POST /v1/{schema}/{table}/validate` for the 15 tables, `/webhooks/dyniq/scoreapp` and
//!   `/webhooks/{schema}/ingest` for both schemas. Every concrete path also gets the methods it
//!   does not declare (PROPFIND, MKCOL, QUERY, PUT and the undeclared ones of GET, POST, PATCH,
//!   DELETE), sent with a tiny raw HTTP/1.1 client (every request goes through it), and a set
//!   of unknown paths.
//! - Generators are built from the document's schemas: records that are valid most of the time,
//!   with mutated fields (wrong types, huge and multi-byte strings, U+202E, control characters
//!   and NUL, empty strings, arrays where scalars belong, numbers out of range or beyond f64,
//!   unknown and read-only fields), bulk arrays with duplicate keys, empty arrays, malformed and
//!   odd JSON; query strings of real columns with random operators and values (`eq`, `cs`, `cd`,
//!   `fts(config)`, `like`, `in.(…)`, `is.`, `not.`) and random `select`, `order`, `limit`,
//!   `offset`, `count`, `on_conflict`; bogus `Content-Type`s; missing, garbage, expired,
//!   badly signed, oversized (8–64 KB) and lower/upper-case-scheme `Authorization`s around a
//!   majority of valid tokens (service role for `dyniq`, a fresh user for `walker_os`);
//!   signed, badly signed, stale and tampered ingest deliveries; ScoreApp bodies of random
//!   shapes with the right, wrong or missing secret; replayed deliveries.
//! - Properties checked on every answer: never 5xx (a 503 while `/health` is down aborts the
//!   run at once: the stack is down); every 4xx is `application/problem+json` with `type`,
//!   `title`, `status` (= the HTTP status) and `detail`; no database text in any body
//!   ("violates", `constraint "`, `relation "`, "PGRST", "syntax error", …); an answer within
//!   10 s. Per route: a declared path never answers 404 and a declared method never 405; an
//!   undeclared method is 405 with `Allow`; valid credentials are never 401 (whatever the case of
//!   `Bearer`); bad credentials never 2xx; malformed JSON with valid credentials is 400 and an
//!   empty array is 422; no email with invisible characters is accepted; a ScoreApp email that
//!   is not a string is refused; a replayed ScoreApp or ingest delivery is a duplicate; a 409
//!   names columns of the table; a user never sees another user's `walker_os` rows.
//!
//! Deterministic: one proptest runner per route, seeded with `SEED` (0x726f_7767_6174_6508)
//! mixed with the route's name (`RngSeed::Fixed`), no failure persistence, so every run sends
//! the same cases; only the unique values (emails, ids, users, tokens) are fresh each run.
//! Service-role PATCH and DELETE always carry `created_at=gte.<start of the run>`, so the fuzz
//! never touches older rows; the two users it creates (and their rows, by cascade), the leads
//! whose email holds `fuzz` and the `bm-fuzz-…` board meetings are deleted at the end.
//!
//! A failure is shrunk (at most 48 steps) to a minimal request per route and class (at most 6
//! classes shrunk per route, the rest counted); all classes of all routes are collected and
//! printed together (class, count, routes, minimal request and answer, and the smallest
//! minimal example of each other kind of route), then the test fails.
//!
//! Size and time: `base_cases` below gives the cases per route (300 per read and insert, 200
//! per update and validate, 150 per delete, 400 per webhook, 24 undeclared methods per path,
//! 100 unknown paths): about 19,500 cases and 20,000 requests (replays included) for 116
//! routes, in about 50 s with 4 threads on 2 cores against wrangler dev (build 48c775666f4a0eb3,
//! 2 classes failing); about 85 s and 29,000 requests against a Worker failing ~30 classes,
//! since every new class is shrunk.
//! `ROWGATE_FUZZ_SCALE` multiplies the cases (0.05 for a 10 s smoke run, 10 for a soak) and
//! `ROWGATE_FUZZ_THREADS` sets the parallelism (default 4), `ROWGATE_FUZZ_ROUTES=ingest,leads`
//! keeps the routes whose name holds one of the substrings; the seed stays fixed.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Debug;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine;
use proptest::prelude::*;
use proptest::strategy::{BoxedStrategy, Union};
use proptest::test_runner::{Config, RngSeed, TestCaseError, TestError, TestRunner};
use rowgate_tests::*;
use serde_json::{json, Map, Value};

/// The fixed seed; each route's runner uses `SEED ^ fnv1a(route name)`.
const SEED: u64 = 0x726f_7767_6174_6508;

/// Cases per route kind.
fn base_cases(kind: Kind) -> u32 {
    match kind {
        Kind::Health => 30,
        Kind::OpenApi => 15,
        Kind::Read => 300,
        Kind::Insert => 300,
        Kind::Update => 200,
        Kind::Delete => 150,
        Kind::Validate => 200,
        Kind::ScoreApp => 400,
        Kind::Ingest => 400,
        Kind::Undeclared => 24,
        Kind::Unknown => 100,
        Kind::Generic => 100,
    }
}

/// A request that takes longer is a hang.
const HANG: Duration = Duration::from_secs(10);
/// Shrinking is bounded: steps per failure, and distinct classes shrunk per route.
const MAX_SHRINK_ITERS: u32 = 48;
const MAX_SHRINK_MS: u32 = 20_000;
const MAX_SHRUNK_CLASSES: usize = 6;

/// Text of PostgreSQL or PostgREST that must never reach a client (compared lower-cased).
const DB_TEXT: [&str; 11] = [
    "violates",
    "constraint \"",
    "relation \"",
    "pgrst",
    "syntax error",
    "permission denied for",
    "duplicate key",
    "column \"",
    "invalid input syntax",
    "sqlstate",
    "out of range for type",
];

// ---------------------------------------------------------------------------------------------
// Routes, from the OpenAPI document
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Health,
    OpenApi,
    Read,
    Insert,
    Update,
    Delete,
    Validate,
    ScoreApp,
    Ingest,
    Undeclared,
    Unknown,
    Generic,
}

#[derive(Debug)]
struct TableInfo {
    schema: String,
    name: String,
    insert: Value,
    patch: Value,
    /// Row columns and their schemas.
    columns: Vec<(String, Value)>,
    /// Filter parameters the document declares for GET.
    filters: Vec<String>,
}

impl TableInfo {
    fn has_column(&self, c: &str) -> bool {
        self.columns.iter().any(|(n, _)| n == c)
    }
    fn column(&self, c: &str) -> Value {
        self.columns
            .iter()
            .find(|(n, _)| n == c)
            .map(|(_, s)| s.clone())
            .unwrap_or(json!({"type": "string"}))
    }
}

#[derive(Debug, Clone)]
struct Route {
    kind: Kind,
    /// The method, or `*` for the undeclared methods and unknown paths.
    method: String,
    path: String,
    /// The document's path (a template for ingest).
    template: String,
    table: Option<Arc<TableInfo>>,
    /// For ingest: the schema's tables.
    tables: Vec<Arc<TableInfo>>,
    /// For undeclared: the methods to try; the declared ones for `Allow`.
    methods: Vec<String>,
    declared: Vec<String>,
    cases: u32,
}

impl Route {
    fn name(&self) -> String {
        format!("{} {}", self.method, self.path)
    }
}

const MODIFIERS: [&str; 6] = ["select", "order", "limit", "offset", "count", "on_conflict"];
const STANDARD_METHODS: [&str; 4] = ["GET", "POST", "PATCH", "DELETE"];
const UNDECLARED_METHODS: [&str; 4] = ["PROPFIND", "MKCOL", "QUERY", "PUT"];

fn scale() -> f64 {
    std::env::var("ROWGATE_FUZZ_SCALE")
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
        .filter(|s| *s > 0.0)
        .unwrap_or(1.0)
}

fn cases(kind: Kind) -> u32 {
    ((base_cases(kind) as f64 * scale()).round() as u32).max(1)
}

/// Expands a templated path from the enums of its path parameters, or from the document's
/// concrete paths of the same shape.
fn expand_path(template: &str, op: &Value, concrete: &[String]) -> Vec<String> {
    if !template.contains('{') {
        return vec![template.to_string()];
    }
    let mut out = vec![template.to_string()];
    let params: Vec<&Value> = op["parameters"]
        .as_array()
        .map(|a| a.iter().filter(|p| p["in"] == "path").collect())
        .unwrap_or_default();
    for p in params {
        let name = p["name"].as_str().unwrap_or_default();
        if let Some(values) = p["schema"]["enum"].as_array() {
            let placeholder = format!("{{{name}}}");
            out = out
                .iter()
                .flat_map(|o| {
                    values
                        .iter()
                        .filter_map(Value::as_str)
                        .map(|v| o.replace(&placeholder, v))
                        .collect::<Vec<_>>()
                })
                .collect();
        }
    }
    // What enums did not fill: segments taken from concrete paths of the same shape.
    let mut done = Vec::new();
    for o in out {
        if !o.contains('{') {
            done.push(o);
            continue;
        }
        let shape: Vec<&str> = o.split('/').collect();
        let mut seen = BTreeSet::new();
        for c in concrete {
            let segs: Vec<&str> = c.split('/').collect();
            if segs.len() == shape.len()
                && shape
                    .iter()
                    .zip(&segs)
                    .all(|(s, c)| s.starts_with('{') || s == c)
            {
                seen.insert(c.clone());
            }
        }
        assert!(
            !seen.is_empty(),
            "the document's path {template} has a parameter the fuzz cannot fill"
        );
        done.extend(seen);
    }
    done
}

fn routes(doc: &Value) -> Vec<Route> {
    let paths = doc["paths"].as_object().expect("the document has paths");
    let schemas = &doc["components"]["schemas"];
    let concrete: Vec<String> = paths.keys().filter(|p| !p.contains('{')).cloned().collect();

    let mut tables: BTreeMap<(String, String), Arc<TableInfo>> = BTreeMap::new();
    for p in &concrete {
        let segs: Vec<&str> = p.trim_matches('/').split('/').collect();
        if segs.len() == 3 && segs[0] == "v1" {
            let (s, t) = (segs[1].to_string(), segs[2].to_string());
            let (row, insert, patch) = (
                &schemas[format!("{s}.{t}.Row")],
                schemas[format!("{s}.{t}.Insert")].clone(),
                schemas[format!("{s}.{t}.Patch")].clone(),
            );
            let columns = row["properties"]
                .as_object()
                .map(|o| o.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                .unwrap_or_default();
            let filters = paths[p]["get"]["parameters"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter(|x| x["in"] == "query")
                        .filter_map(|x| x["name"].as_str())
                        .filter(|n| !MODIFIERS.contains(n))
                        .map(String::from)
                        .collect()
                })
                .unwrap_or_default();
            tables.insert(
                (s.clone(), t.clone()),
                Arc::new(TableInfo {
                    schema: s,
                    name: t,
                    insert,
                    patch,
                    columns,
                    filters,
                }),
            );
        }
    }

    let mut out = Vec::new();
    let mut declared_by_path: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut table_by_path: BTreeMap<String, Arc<TableInfo>> = BTreeMap::new();
    for (template, item) in paths {
        for (method, op) in item.as_object().expect("a path item") {
            let method = method.to_ascii_uppercase();
            if ![
                "GET", "POST", "PATCH", "DELETE", "PUT", "HEAD", "OPTIONS", "QUERY",
            ]
            .contains(&method.as_str())
            {
                continue;
            }
            for path in expand_path(template, op, &concrete) {
                let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
                let table = match segs.as_slice() {
                    ["v1", s, t] | ["v1", s, t, "validate"] => {
                        tables.get(&(s.to_string(), t.to_string())).cloned()
                    }
                    _ => None,
                };
                let mut schema_tables = Vec::new();
                let kind = match (segs.as_slice(), method.as_str()) {
                    (["health"], "GET") => Kind::Health,
                    (["openapi.json"], "GET") => Kind::OpenApi,
                    (["v1", _, _], "GET") if table.is_some() => Kind::Read,
                    (["v1", _, _], "POST") if table.is_some() => Kind::Insert,
                    (["v1", _, _], "PATCH") if table.is_some() => Kind::Update,
                    (["v1", _, _], "DELETE") if table.is_some() => Kind::Delete,
                    (["v1", _, _, "validate"], "POST") if table.is_some() => Kind::Validate,
                    (["webhooks", "dyniq", "scoreapp"], "POST") => Kind::ScoreApp,
                    (["webhooks", s, "ingest"], "POST") => {
                        schema_tables = tables
                            .values()
                            .filter(|t| t.schema == *s)
                            .cloned()
                            .collect();
                        Kind::Ingest
                    }
                    _ => Kind::Generic,
                };
                declared_by_path
                    .entry(path.clone())
                    .or_default()
                    .push(method.clone());
                if let Some(t) = &table {
                    table_by_path.insert(path.clone(), t.clone());
                }
                out.push(Route {
                    kind,
                    method: method.clone(),
                    path,
                    template: template.clone(),
                    table,
                    tables: schema_tables,
                    methods: vec![],
                    declared: vec![],
                    cases: cases(kind),
                });
            }
        }
    }
    for (path, declared) in &declared_by_path {
        let mut methods: Vec<String> = UNDECLARED_METHODS.iter().map(|m| m.to_string()).collect();
        methods.extend(
            STANDARD_METHODS
                .iter()
                .filter(|m| !declared.iter().any(|d| d == *m))
                .map(|m| m.to_string()),
        );
        out.push(Route {
            kind: Kind::Undeclared,
            method: "*".into(),
            path: path.clone(),
            template: path.clone(),
            table: table_by_path.get(path).cloned(),
            tables: vec![],
            methods,
            declared: declared.clone(),
            cases: cases(Kind::Undeclared),
        });
    }
    out.push(Route {
        kind: Kind::Unknown,
        method: "*".into(),
        path: "/<unknown>".into(),
        template: "/<unknown>".into(),
        table: None,
        tables: tables.values().cloned().collect(),
        methods: STANDARD_METHODS.iter().map(|m| m.to_string()).collect(),
        declared: vec![],
        cases: cases(Kind::Unknown),
    });
    out.sort_by(|a, b| (&a.path, &a.method).cmp(&(&b.path, &b.method)));
    out
}

// ---------------------------------------------------------------------------------------------
// Cases
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Service,
    Me,
    Other,
    Anon,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scheme {
    Bearer,
    Lower,
    Upper,
}

impl Scheme {
    fn prefix(self) -> &'static str {
        match self {
            Scheme::Bearer => "Bearer ",
            Scheme::Lower => "bearer ",
            Scheme::Upper => "BEARER ",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BadToken {
    Expired,
    BadSignature,
    AlgNone,
    WrongAudience,
    NoRole,
    Raw(&'static str),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Secret {
    Header,
    Bearer(Scheme),
    Query,
    Wrong,
    Missing,
    Empty,
    Huge(usize),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sign {
    Valid,
    WrongSecret,
    Stale,
    Future,
    Missing(&'static str),
    Garbage,
    Tampered,
    LongId,
    /// Signed with another schema's ingest secret.
    OtherSchema,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Auth {
    None,
    Token(Role, Scheme),
    Bad(BadToken),
    Oversized { signed: bool, n: usize },
    Secret(Secret),
    Sign(Sign),
}

impl Auth {
    /// Credentials that must get past authentication.
    fn valid(self) -> bool {
        matches!(
            self,
            Auth::Token(..)
                | Auth::Secret(Secret::Header | Secret::Bearer(_) | Secret::Query)
                | Auth::Sign(Sign::Valid)
        )
    }
    /// Credentials that must not get anything written or read.
    fn invalid(self) -> bool {
        matches!(
            self,
            Auth::None
                | Auth::Bad(_)
                | Auth::Secret(Secret::Wrong | Secret::Missing | Secret::Empty | Secret::Huge(_))
                | Auth::Sign(
                    Sign::WrongSecret
                        | Sign::Stale
                        | Sign::Future
                        | Sign::Missing(_)
                        | Sign::Garbage
                        | Sign::Tampered
                        | Sign::OtherSchema
                )
        ) || matches!(self, Auth::Oversized { signed: false, .. })
    }
    fn label(self) -> &'static str {
        match self {
            Auth::Oversized { .. } => "oversized token",
            a if a.valid() => "valid credentials",
            a if a.invalid() => "bad credentials",
            _ => "other credentials",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BodyKind {
    None,
    Record,
    Many,
    /// An array whose records share their unique values (email, id).
    Duplicates,
    EmptyArray,
    Malformed,
    Odd,
}

#[derive(Clone, Debug)]
struct Case {
    method: String,
    path: String,
    query: Vec<(String, String)>,
    auth: Auth,
    content_type: Option<String>,
    headers: Vec<(String, String)>,
    body_kind: BodyKind,
    body: Option<String>,
    /// Send the same request a second time (a replayed delivery).
    replay: bool,
}

/// A case with a JSON body of `kind` when there is a body, sent once, no extra headers.
fn json_case(
    method: String,
    path: String,
    query: Vec<(String, String)>,
    auth: Auth,
    body: Option<String>,
    kind: BodyKind,
) -> Case {
    Case {
        method,
        path,
        query,
        auth,
        content_type: body.as_ref().map(|_| "application/json".to_string()),
        headers: vec![],
        body_kind: if body.is_some() { kind } else { BodyKind::None },
        body,
        replay: false,
    }
}

// ---------------------------------------------------------------------------------------------
// Strategies
// ---------------------------------------------------------------------------------------------

type S<T> = BoxedStrategy<T>;

fn weighted<T: Debug + Clone + 'static>(arms: Vec<(u32, S<T>)>) -> S<T> {
    Union::new_weighted(arms).boxed()
}

fn select<T: Debug + Clone + 'static>(items: &[T]) -> S<T> {
    prop::sample::select(items.to_vec()).boxed()
}

fn just<T: Debug + Clone + 'static>(v: T) -> S<T> {
    Just(v).boxed()
}

fn s(v: &str) -> Value {
    Value::String(v.to_string())
}

const NASTY: &[&str] = &[
    "",
    " ",
    "   ",
    "\u{202e}gnp.exe",
    "a\u{202e}b",
    "a\u{0001}b",
    "\u{0000}",
    "x\u{0000}y",
    "\u{001f}",
    "\u{007f}",
    "\u{200b}",
    "\u{feff}x",
    "\u{2028}",
    "\u{0085}",
    "é",
    "😀",
    "𝕏𝕐",
    "\\",
    "\"",
    "'",
    "' OR '1'='1",
    "'; drop table dyniq.leads; --",
    "<script>alert(1)</script>",
    "%00",
    "%",
    "_",
    "*",
    "null",
    "NULL",
    "NaN",
    "Infinity",
    "-0",
    "1e309",
    "true",
    "{}",
    "[]",
    "{1,2}",
    "(1,2)",
    "$1",
    "\\x00",
    "\r\n",
    "\t",
    "ｅｍａｉｌ",
    "İ",
    "ß",
    "e\u{0301}",
];

/// `@@HUGE:n:c@@` becomes n copies of c when the request is built.
fn s_huge(max: Option<u64>) -> S<Value> {
    // Mostly around the field's limit; a body over the 1 MiB limit now and then.
    let mut lens = vec![10_000u64, 10_000, 70_000, 1_100_000];
    if let Some(m) = max {
        lens.extend([m, m, m + 1, m + 1, m * 4]);
    }
    (select(&lens), select(&['x', 'é', '😀', '\u{202e}']))
        .prop_map(|(n, c)| Value::String(format!("@@HUGE:{n}:{c}@@")))
        .boxed()
}

fn s_text(max: Option<u64>) -> S<Value> {
    weighted(vec![
        (1, s_huge(max)),
        (14, "[a-zA-Z0-9 ,.'-]{1,24}".prop_map(Value::String).boxed()),
        (2, select(NASTY).prop_map(s).boxed()),
        (1, "\\PC{0,12}".prop_map(Value::String).boxed()),
        (
            1,
            "[\\x00-\\x1f\\u{202a}-\\u{202e}\\u{2066}-\\u{2069}a-z]{1,8}"
                .prop_map(Value::String)
                .boxed(),
        ),
    ])
}

/// Values that are wrong for most fields.
fn s_wrong() -> S<Value> {
    let fixed = vec![
        Value::Null,
        json!(true),
        json!(false),
        json!(0),
        json!(-1),
        json!(101),
        json!(1.5),
        json!(0.001),
        json!(1e308),
        json!(i64::MAX),
        json!(u64::MAX),
        json!(-2147483649i64),
        s(""),
        s(" "),
        json!([]),
        json!([1]),
        json!(["a", "b"]),
        json!([null]),
        json!({}),
        json!({"a": 1}),
        s("not-a-date"),
        s("2026-02-30"),
        s("2026-13-01T00:00:00Z"),
        s("0000-01-01"),
        s("infinity"),
        s("00000000-0000-0000-0000-000000000000"),
        s("not-a-uuid"),
        s("ABC"),
        s("@@RAW:1e400@@"),
        s("@@RAW:-1e400@@"),
        s("@@RAW:-9223372036854775809@@"),
        s("@@RAW:18446744073709551616@@"),
        s("@@RAW:123456789012345678901234567890.5@@"),
        s("@@RAW:1e-400@@"),
        s("@@RAW:-0@@"),
    ];
    weighted(vec![
        (6, select(&fixed)),
        (2, select(NASTY).prop_map(s).boxed()),
        (1, s_huge(None)),
    ])
}

fn date() -> S<String> {
    (2000i32..2100, 1u32..=12, 1u32..=28)
        .prop_map(|(y, m, d)| format!("{y:04}-{m:02}-{d:02}"))
        .boxed()
}

fn s_date() -> S<Value> {
    weighted(vec![
        (6, date().prop_map(Value::String).boxed()),
        (1, just(s("2026-01-01"))),
        (
            1,
            select(&[
                "2026-02-29",
                "2024-02-29",
                "2026-1-1",
                "today",
                "9999-12-31",
                "1900-01-01",
            ])
            .prop_map(s)
            .boxed(),
        ),
    ])
}

fn s_datetime() -> S<Value> {
    (
        date(),
        0u32..24,
        0u32..60,
        select(&["Z", "+00:00", "+05:30", "-08:00", ".123456Z", "+14:00"]),
    )
        .prop_map(|(d, h, m, z)| Value::String(format!("{d}T{h:02}:{m:02}:00{z}")))
        .boxed()
}

fn email(rec: usize) -> S<Value> {
    let plain = format!("@@EMAIL:{rec}@@");
    let junk = [
        "\u{202e}", "\u{200b}", "\u{0007}", "\u{0000}", "\u{00a0}", "\u{2066}", " ", "\t", "A",
    ];
    weighted(vec![
        (10, just(Value::String(plain.clone()))),
        (
            1,
            (select(&junk), any::<bool>())
                .prop_map(move |(j, before)| {
                    let e = format!("@@EMAIL:{rec}@@");
                    Value::String(if before {
                        format!("{j}{e}")
                    } else {
                        format!("{e}{j}")
                    })
                })
                .boxed(),
        ),
        (
            1,
            select(&junk)
                .prop_map(move |j| Value::String(format!("fuzz-{j}{rec}@@EMAIL:{rec}@@")))
                .boxed(),
        ),
        (
            1,
            select(&[
                "a@b",
                "@example.com",
                "fuzz@",
                "fuzz@@example.com",
                "fuzz@example..com",
                "fuzz @example.com",
                "FUZZ@EXAMPLE.COM",
            ])
            .prop_map(s)
            .boxed(),
        ),
    ])
}

fn type_of(schema: &Value) -> (String, bool) {
    match &schema["type"] {
        Value::String(t) => (t.clone(), false),
        Value::Array(a) => {
            let nullable = a.iter().any(|t| t == "null");
            let t = a
                .iter()
                .filter_map(Value::as_str)
                .find(|t| *t != "null")
                .unwrap_or("string");
            (t.to_string(), nullable)
        }
        _ => ("string".into(), false),
    }
}

/// A value the column's schema accepts, most of the time.
fn s_good(field: &str, schema: &Value, rec: usize) -> S<Value> {
    let (ty, nullable) = type_of(schema);
    let format = schema["format"].as_str().unwrap_or_default();
    let min = schema["minimum"].as_f64();
    let max = schema["maximum"].as_f64();
    let max_len = schema["maxLength"].as_u64();
    let good: S<Value> = if let Some(values) = schema["enum"].as_array() {
        let values: Vec<String> = values
            .iter()
            .filter_map(|v| v.as_str().map(String::from))
            .collect();
        let variants: Vec<String> = values
            .iter()
            .flat_map(|v| {
                [
                    v.to_lowercase(),
                    v.to_uppercase(),
                    format!(" {} ", v.replace('_', " ")),
                    v.replace('_', "-"),
                ]
            })
            .collect();
        weighted(vec![
            (8, select(&values).prop_map(Value::String).boxed()),
            (2, select(&variants).prop_map(Value::String).boxed()),
        ])
    } else {
        match (ty.as_str(), format) {
            ("string", "email") => email(rec),
            ("string", "uuid") => {
                let key = format!("@@UUID:{field}{rec}@@");
                if field == "user_id" {
                    weighted(vec![
                        (6, just(s("@@ME@@"))),
                        (1, just(s("@@OTHER@@"))),
                        (1, just(Value::String(key))),
                    ])
                } else {
                    weighted(vec![
                        (8, just(Value::String(key))),
                        (
                            1,
                            select(&[
                                "00000000-0000-0000-0000-000000000000",
                                "@@ME@@",
                                "6BA7B810-9DAD-11D1-80B4-00C04FD430C8",
                                "{6ba7b810-9dad-11d1-80b4-00c04fd430c8}",
                            ])
                            .prop_map(s)
                            .boxed(),
                        ),
                    ])
                }
            }
            ("string", "date") => s_date(),
            ("string", "date-time") => s_datetime(),
            ("string", "e164") => select(&[
                "+32470123456",
                "+1 555 010 9999",
                "0032 470 12 34 56",
                "+44 (20) 7946-0958",
                "+123456789012345",
                "+1234567890123456",
            ])
            .prop_map(s)
            .boxed(),
            ("string", "uri") => select(&[
                "https://example.com/briefing/1",
                "http://localhost/x?y=1",
                "https://例え.jp/",
                "mailto:a@b.c",
            ])
            .prop_map(s)
            .boxed(),
            ("string", "thread-id") => weighted(vec![
                (
                    6,
                    "bm-fuzz-[a-z0-9_-]{1,16}".prop_map(Value::String).boxed(),
                ),
                (1, just(s("bm-fuzz-fixed"))),
            ]),
            ("string", _) => match max_len {
                Some(m) if m < 24 => proptest::string::string_regex(&format!("[a-z]{{1,{m}}}"))
                    .expect("a regex")
                    .prop_map(Value::String)
                    .boxed(),
                _ => weighted(vec![
                    (8, "[a-zA-Z0-9 ,.'-]{1,24}".prop_map(Value::String).boxed()),
                    (1, s_text(max_len)),
                ]),
            },
            ("integer", _) => {
                let lo = min.unwrap_or(-1000.0) as i64;
                let hi = max.unwrap_or(1000.0) as i64;
                weighted(vec![
                    (6, (lo..=hi).prop_map(|n| json!(n)).boxed()),
                    (1, select(&[lo, hi]).prop_map(|n| json!(n)).boxed()),
                    (
                        1,
                        (lo..=hi).prop_map(|n| Value::String(n.to_string())).boxed(),
                    ),
                ])
            }
            ("number", _) => {
                let lo = (min.unwrap_or(-100_000.0) * 100.0) as i64;
                let hi = (max.unwrap_or(100_000.0) * 100.0) as i64;
                weighted(vec![
                    (6, (lo..=hi).prop_map(|c| json!(c as f64 / 100.0)).boxed()),
                    (
                        1,
                        (lo..=hi)
                            .prop_map(|c| Value::String(format!("{}", c as f64 / 100.0)))
                            .boxed(),
                    ),
                    (
                        1,
                        select(&[lo, hi])
                            .prop_map(|c| json!(c as f64 / 100.0))
                            .boxed(),
                    ),
                ])
            }
            ("boolean", _) => any::<bool>().prop_map(Value::Bool).boxed(),
            ("array", _) if schema["minItems"].as_u64().is_some_and(|n| n > 100) => {
                let n = schema["minItems"].as_u64().unwrap() as usize;
                let lens = [n, n, n, n, n, n, 0, 1, n - 1, n + 1];
                (
                    select(&lens),
                    -1.0f64..1.0,
                    prop::option::weighted(0.1, s_wrong()),
                )
                    .prop_map(|(len, x, bad)| {
                        let mut a: Vec<Value> = (0..len)
                            .map(|i| json!(((x * (i % 13 + 1) as f64) * 1e6).round() / 1e6))
                            .collect();
                        if let (Some(b), Some(first)) = (bad, a.first_mut()) {
                            *first = b;
                        }
                        Value::Array(a)
                    })
                    .boxed()
            }
            ("array", _) => weighted(vec![
                (
                    4,
                    prop::collection::vec("[a-z ,]{0,12}", 0..4)
                        .prop_map(|v| json!(v))
                        .boxed(),
                ),
                (
                    1,
                    "[a-z]{1,6}(, [a-z]{1,6}){0,3}"
                        .prop_map(Value::String)
                        .boxed(),
                ),
            ]),
            ("object", _) => select(&[
                json!({}),
                json!({"k": "v"}),
                json!({"nested": {"a": [1, 2, null]}, "n": 1.5}),
                json!({"q1": ["a", "b"]}),
            ]),
            _ => s_text(max_len),
        }
    };
    if nullable {
        weighted(vec![(8, good), (1, just(Value::Null))])
    } else {
        good
    }
}

const EXTRA_KEYS: &[&str] = &[
    "favourite_colour",
    "updated_at",
    "",
    "__proto__",
    "EMAIL",
    "email ",
    "id\u{0000}",
    "user_id",
    "select",
    "ÿ",
];

/// One record for the table: `part` is `Insert` or `Patch`; `rec` keys the unique values, so
/// two records with the same `rec` collide on them.
fn s_record(t: &TableInfo, part: &str, rec: usize) -> S<Value> {
    let schema = if part == "Insert" {
        &t.insert
    } else {
        &t.patch
    };
    let required: Vec<String> = schema["required"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    let props: Vec<(String, Value)> = schema["properties"]
        .as_object()
        .map(|o| o.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default();
    let all_names: Vec<String> = props.iter().map(|(k, _)| k.clone()).collect();
    let fields: Vec<S<Option<(String, Value)>>> = props
        .iter()
        .filter(|(_, v)| v["readOnly"] != json!(true))
        .map(|(name, v)| {
            let p = if required.contains(name) { 0.96 } else { 0.45 };
            let name = name.clone();
            (prop::bool::weighted(p), s_good(&name, v, rec))
                .prop_map(move |(keep, v)| keep.then(|| (name.clone(), v)))
                .boxed()
        })
        .collect();
    let mutations = weighted(vec![
        (6, just(vec![])),
        (
            3,
            prop::collection::vec((select(&all_names), s_wrong()), 1..=3).boxed(),
        ),
    ]);
    let extra_keys: Vec<String> = EXTRA_KEYS.iter().map(|k| k.to_string()).collect();
    let extras = weighted(vec![
        (9, just(vec![])),
        (
            1,
            prop::collection::vec((select(&extra_keys), s_wrong()), 1..=2).boxed(),
        ),
    ]);
    (fields, mutations, extras)
        .prop_map(|(fields, mutations, extras)| {
            let mut o = Map::new();
            for (k, v) in fields.into_iter().flatten() {
                o.insert(k, v);
            }
            for (k, v) in mutations.into_iter().chain(extras) {
                o.insert(k, v);
            }
            Value::Object(o)
        })
        .boxed()
}

const MALFORMED: &[&str] = &[
    "{",
    "",
    " ",
    "}",
    "[",
    "{\"email\":",
    "{\"email\": \"a\"",
    "{'email': 'a'}",
    "{\"a\":1,}",
    "[{},]",
    "[{}",
    "{\"email\": NaN}",
    "{\"email\": undefined}",
    "{email: 1}",
    "not json",
    "{\"a\":\"\\x41\"}",
    "{\"a\": 01}",
    "{\"a\": +1}",
    "{\"a\": .5}",
    "{\"a\":\"@@XFF@@\"}",
    "@@XFF@@@@XFE@@",
    "{\"a\": \"b\"} {\"c\": 1}",
    "\"unterminated",
    "{\"a\":\"line\nbreak\"}",
];

const ODD: &[&str] = &[
    "null",
    "42",
    "\"x\"",
    "true",
    "[1,2]",
    "[[]]",
    "[null]",
    "[\"a\"]",
    "{}",
    "[{}]",
    "\u{feff}{}",
    "{\"a\": 1e400}",
    "{\"__proto__\": {\"admin\": true}}",
    // A lone surrogate is JSON's grammar, though not Unicode: no expectation.
    "{\"a\":\"\\ud800\"}",
];

fn nested(depth: usize, object: bool) -> String {
    if object {
        format!("{}1{}", "{\"a\":".repeat(depth), "}".repeat(depth))
    } else {
        format!("{}{}", "[".repeat(depth), "]".repeat(depth))
    }
}

fn dup_field(record: &Value) -> String {
    let text = record.to_string();
    match record.as_object().and_then(|o| o.iter().next()) {
        Some((k, _)) if text.len() > 2 => {
            format!("{},{}:\"dup\"}}", &text[..text.len() - 1], json!(k))
        }
        _ => "{\"a\":1,\"a\":2}".into(),
    }
}

/// Two records with the same `id` (and the same `email` when the first has one).
fn duplicates(mut a: Value, mut b: Value) -> Value {
    if let (Some(a), Some(b)) = (a.as_object_mut(), b.as_object_mut()) {
        let id = a.entry("id").or_insert_with(|| s("@@UUID:id0@@")).clone();
        b.insert("id".into(), id);
        if let Some(email) = a.get("email") {
            b.insert("email".into(), email.clone());
        }
    }
    json!([a, b])
}

/// An insert body (POST, validate): one record, an array, or something else.
fn s_insert_body(t: &TableInfo) -> S<(BodyKind, String)> {
    let many = (
        1usize..=4,
        [
            s_record(t, "Insert", 0),
            s_record(t, "Insert", 1),
            s_record(t, "Insert", 2),
            s_record(t, "Insert", 3),
        ],
    )
        .prop_map(|(n, recs)| (BodyKind::Many, Value::Array(recs[..n].to_vec()).to_string()))
        .boxed();
    let dups = (s_record(t, "Insert", 0), s_record(t, "Insert", 0))
        .prop_map(|(a, b)| (BodyKind::Duplicates, duplicates(a, b).to_string()))
        .boxed();
    weighted(vec![
        (
            10,
            s_record(t, "Insert", 0)
                .prop_map(|r| (BodyKind::Record, r.to_string()))
                .boxed(),
        ),
        (4, many),
        (2, dups),
        (1, just((BodyKind::EmptyArray, "[]".to_string()))),
        (1, just((BodyKind::EmptyArray, " [ ] ".to_string()))),
        (
            2,
            select(MALFORMED)
                .prop_map(|m| (BodyKind::Malformed, m.to_string()))
                .boxed(),
        ),
        (
            1,
            select(ODD)
                .prop_map(|m| (BodyKind::Odd, m.to_string()))
                .boxed(),
        ),
        (
            1,
            s_record(t, "Insert", 0)
                .prop_map(|r| (BodyKind::Odd, dup_field(&r)))
                .boxed(),
        ),
        (
            1,
            (select(&[200usize, 5000]), any::<bool>())
                .prop_map(|(d, o)| (BodyKind::Odd, nested(d, o)))
                .boxed(),
        ),
    ])
}

fn s_patch_body(t: &TableInfo) -> S<(BodyKind, String)> {
    weighted(vec![
        (
            10,
            s_record(t, "Patch", 0)
                .prop_map(|r| (BodyKind::Record, r.to_string()))
                .boxed(),
        ),
        (
            1,
            s_record(t, "Patch", 0)
                .prop_map(|r| (BodyKind::Odd, json!([r]).to_string()))
                .boxed(),
        ),
        (1, just((BodyKind::EmptyArray, "[]".to_string()))),
        (
            2,
            select(MALFORMED)
                .prop_map(|m| (BodyKind::Malformed, m.to_string()))
                .boxed(),
        ),
        (
            1,
            select(ODD)
                .prop_map(|m| (BodyKind::Odd, m.to_string()))
                .boxed(),
        ),
    ])
}

fn s_scheme() -> S<Scheme> {
    weighted(vec![
        (12, just(Scheme::Bearer)),
        (1, just(Scheme::Lower)),
        (1, just(Scheme::Upper)),
    ])
}

const BAD_TOKENS: &[BadToken] = &[
    BadToken::Expired,
    BadToken::BadSignature,
    BadToken::AlgNone,
    BadToken::WrongAudience,
    BadToken::NoRole,
    BadToken::Raw("Bearer"),
    BadToken::Raw("Bearer "),
    BadToken::Raw("Bearer abc"),
    BadToken::Raw("Bearer a.b.c"),
    BadToken::Raw("Bearer ...."),
    BadToken::Raw("Bearer eyJhbGciOiJIUzI1NiJ9.e30."),
    BadToken::Raw("Basic dXNlcjpwYXNz"),
    BadToken::Raw("Token abc"),
    BadToken::Raw("bearer"),
    BadToken::Raw(""),
    BadToken::Raw("Bearer null"),
    BadToken::Raw("Bearer \"quoted\""),
];

/// Credentials for the record API: mostly valid, for the role that may use the table.
fn s_api_auth(primary: Role) -> S<Auth> {
    let secondary = if primary == Role::Service {
        Role::Me
    } else {
        Role::Service
    };
    weighted(vec![
        (
            20,
            s_scheme()
                .prop_map(move |sc| Auth::Token(primary, sc))
                .boxed(),
        ),
        (
            2,
            s_scheme()
                .prop_map(move |sc| Auth::Token(secondary, sc))
                .boxed(),
        ),
        (1, just(Auth::Token(Role::Other, Scheme::Bearer))),
        (1, just(Auth::Token(Role::Anon, Scheme::Bearer))),
        (1, just(Auth::None)),
        (2, select(BAD_TOKENS).prop_map(Auth::Bad).boxed()),
        (
            1,
            (any::<bool>(), select(&[8_000usize, 16_000, 40_000, 64_000]))
                .prop_map(|(signed, n)| Auth::Oversized { signed, n })
                .boxed(),
        ),
    ])
}

fn primary_role(t: &TableInfo) -> Role {
    if t.schema == "walker_os" {
        Role::Me
    } else {
        Role::Service
    }
}

fn s_content_type() -> S<Option<String>> {
    weighted(vec![
        (20, just(Some("application/json".to_string()))),
        (
            3,
            select(&[
                "application/json; charset=utf-8",
                "APPLICATION/JSON",
                "application/vnd.api+json",
                "application/merge-patch+json",
                " application/json ",
            ])
            .prop_map(|c| Some(c.to_string()))
            .boxed(),
        ),
        (1, just(None)),
        (
            2,
            select(&[
                "text/plain",
                "application/x-www-form-urlencoded",
                "multipart/form-data; boundary=x",
                "application/jsonx",
                "json",
                "",
                "text/json",
                "application/xml",
                "application/json\u{0}",
            ])
            .prop_map(|c| Some(c.to_string()))
            .boxed(),
        ),
    ])
}

fn s_extra_headers() -> S<Vec<(String, String)>> {
    let pool: Vec<(String, String)> = [
        ("prefer", "return=minimal"),
        ("prefer", "tx=rollback"),
        ("prefer", "resolution=ignore-duplicates"),
        ("prefer", "count=exact"),
        ("accept", "text/csv"),
        ("accept", "application/vnd.pgrst.object+json"),
        ("accept", "application/geo+json"),
        ("range", "0-5"),
        ("range-unit", "items"),
        ("x-request-id", "fuzz-\"'<>"),
        ("apikey", "garbage"),
        ("content-profile", "public"),
        ("accept-profile", "auth"),
        ("x-forwarded-for", "1.2.3.4"),
        ("origin", "https://evil.example"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    weighted(vec![
        (10, just(vec![])),
        (1, prop::collection::vec(select(&pool), 1..=2).boxed()),
    ])
}

const OPERATORS: &[&str] = &[
    "eq", "neq", "gt", "gte", "lt", "lte", "like", "ilike", "match", "imatch", "in", "is", "cs",
    "cd", "ov", "fts", "plfts", "phfts",
];

const OPERANDS: &[&str] = &[
    "{1}",
    "{a,b}",
    "{}",
    "[1,2]",
    "(1,2)",
    "*x*",
    "x*",
    "%x%",
    "null",
    "true",
    "1",
    "-1",
    "0",
    "1.5",
    "1e400",
    "99999999999999999999",
    "2026-01-01",
    "2026-01-01T00:00:00Z",
    "00000000-0000-0000-0000-000000000000",
    "HOT",
    "a b",
    "a,b",
    "\"a\"",
    "'a'",
    "\\",
    "",
    "🦀",
    "\u{202e}",
    "a\u{0001}",
    "@@ME@@",
    "@@EMAIL:0@@",
    ".",
    "..",
    "not",
    "eq.1",
    "(",
    ")",
    "{",
    "[1,2)",
    "[2026-01-01,2026-02-01)",
    "a:b",
    "a&b",
    "a|b",
    "!a",
];

const MALFORMED_FILTERS: &[&str] = &[
    "eq",
    "",
    ".",
    "eq.",
    "not.",
    "not.eq",
    "not.not.eq.1",
    "eq..x",
    "cs.{",
    "in.(",
    "in.)",
    "in.",
    "in.()",
    "like.%",
    "is.",
    "fts().x",
    "fts(.x",
    "eq(english).x",
    "any.eq.1",
    "eq(any).{1}",
    "isdistinct.1",
    "wfts.x",
    "NOT.eq.1",
    "EQ.1",
];

fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Array(a) => format!(
            "{{{}}}",
            a.iter().map(value_text).collect::<Vec<_>>().join(",")
        ),
        other => other.to_string(),
    }
}

fn s_operand(col: &str, schema: &Value) -> S<String> {
    let mut schema = schema.clone();
    if let Some(o) = schema.as_object_mut() {
        // An embedding is too long for a query string.
        o.remove("minItems");
    }
    weighted(vec![
        (
            4,
            s_good(col, &schema, 0).prop_map(|v| value_text(&v)).boxed(),
        ),
        (3, select(OPERANDS).prop_map(String::from).boxed()),
        (1, "\\PC{0,8}".boxed()),
    ])
}

fn s_filter_value(col: &str, schema: &Value) -> S<String> {
    weighted(vec![
        (
            8,
            (
                prop::bool::weighted(0.15),
                select(OPERATORS),
                s_operand(col, schema),
            )
                .prop_map(|(neg, op, v)| format!("{}{op}.{v}", if neg { "not." } else { "" }))
                .boxed(),
        ),
        (
            2,
            (
                prop::bool::weighted(0.2),
                prop::collection::vec(s_operand(col, schema), 0..3),
            )
                .prop_map(|(neg, vs)| {
                    format!("{}in.({})", if neg { "not." } else { "" }, vs.join(","))
                })
                .boxed(),
        ),
        (
            1,
            select(&[
                "null", "true", "false", "unknown", "nul", "1", "NULL", "not_null",
            ])
            .prop_map(|v| format!("is.{v}"))
            .boxed(),
        ),
        (
            1,
            (
                select(&[
                    "fts(english)",
                    "fts(nope)",
                    "plfts(simple)",
                    "phfts(german)",
                    "fts(english) ",
                    "fts()",
                    "wfts(english)",
                    "fts(pg_catalog.english)",
                ]),
                s_operand(col, schema),
            )
                .prop_map(|(op, v)| format!("{op}.{v}"))
                .boxed(),
        ),
        (1, select(MALFORMED_FILTERS).prop_map(String::from).boxed()),
    ])
}

const BOGUS_PARAMS: &[&str] = &[
    "nope",
    "Email",
    "email;",
    "id.eq",
    "user_id)",
    "or",
    "and",
    "not",
    "",
    "select ",
    "columns",
    "apikey",
    "secret",
    "limit[]",
    "__proto__",
    "%00",
    "email\u{0}",
];

fn s_filter(t: &TableInfo) -> S<(String, String)> {
    let mut arms: Vec<(u32, S<(String, String)>)> = t
        .filters
        .iter()
        .map(|c| {
            let name = c.clone();
            (
                3,
                s_filter_value(c, &t.column(c))
                    .prop_map(move |v| (name.clone(), v))
                    .boxed(),
            )
        })
        .collect();
    arms.push((
        2,
        (
            select(BOGUS_PARAMS),
            s_filter_value("x", &json!({"type": "string"})),
        )
            .prop_map(|(k, v)| (k.to_string(), v))
            .boxed(),
    ));
    weighted(arms)
}

fn s_columns_list(t: &TableInfo) -> S<String> {
    let cols: Vec<String> = t.columns.iter().map(|(c, _)| c.clone()).collect();
    weighted(vec![
        (
            4,
            prop::collection::vec(select(&cols), 1..4)
                .prop_map(|v| v.join(","))
                .boxed(),
        ),
        (
            2,
            select(&[
                "*",
                "nope",
                "",
                ",",
                "id,,email",
                "count()",
                "email:name",
                "id::text",
                "leads(*)",
                "users(*)",
                "*,id",
                "id->>x",
                "id.desc",
                "sum(id)",
                "id, email",
                "ID",
            ])
            .prop_map(String::from)
            .boxed(),
        ),
    ])
}

fn s_order(t: &TableInfo) -> S<String> {
    let cols: Vec<String> = t.columns.iter().map(|(c, _)| c.clone()).collect();
    let suffix = select(&[
        "",
        ".asc",
        ".desc",
        ".nullsfirst",
        ".asc.nullslast",
        ".desc.nullsfirst",
        ".bogus",
        ".desc.desc",
        ".asc.nullslast.x",
        ".",
    ]);
    weighted(vec![
        (
            4,
            prop::collection::vec((select(&cols), suffix), 1..3)
                .prop_map(|v| {
                    v.into_iter()
                        .map(|(c, s)| format!("{c}{s}"))
                        .collect::<Vec<_>>()
                        .join(",")
                })
                .boxed(),
        ),
        (
            1,
            select(&["nope", "", ",", "random()", "1", "id.desc,", "email->x"])
                .prop_map(String::from)
                .boxed(),
        ),
    ])
}

fn s_number_param() -> S<String> {
    select(&[
        "0",
        "1",
        "10",
        "100",
        "1000",
        "1001",
        "-1",
        "abc",
        "",
        "99999999999999999999999",
        "1.5",
        "0x10",
        " 5",
        "1e3",
        "18446744073709551615",
    ])
    .prop_map(String::from)
    .boxed()
}

fn s_on_conflict(t: &TableInfo) -> S<String> {
    let cols: Vec<String> = t.columns.iter().map(|(c, _)| c.clone()).collect();
    weighted(vec![
        (3, just("id".to_string())),
        (3, select(&cols)),
        (
            1,
            (select(&cols), select(&cols))
                .prop_map(|(a, b)| format!("{a},{b}"))
                .boxed(),
        ),
        (
            1,
            select(&[
                "email",
                "*",
                "nope",
                "",
                "id,id",
                "email,email",
                " id ",
                "user_id,scorecard_date",
                "id,",
            ])
            .prop_map(String::from)
            .boxed(),
        ),
    ])
}

type Pairs = Vec<(String, String)>;

fn opt_pair(p: f64, key: &'static str, v: S<String>) -> S<Pairs> {
    if p <= 0.0 {
        return just(vec![]);
    }
    prop::option::weighted(p, v)
        .prop_map(move |v| v.map(|v| vec![(key.to_string(), v)]).unwrap_or_default())
        .boxed()
}

fn s_junk_params() -> S<Pairs> {
    let pool: Vec<(String, String)> = [
        ("foo", "bar"),
        ("apikey", "x"),
        ("columns", "email"),
        ("and", "(id.eq.1)"),
        ("or", "(id.eq.1,id.eq.2)"),
        ("select", "*"),
        ("limit", "1"),
        ("limit", "2"),
        ("", ""),
        ("=", "="),
        ("a", "b=c"),
        ("%ZZ", "%"),
        ("q", "@@XFF@@"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    weighted(vec![
        (8, just(vec![])),
        (1, prop::collection::vec(select(&pool), 1..=2).boxed()),
    ])
}

fn s_read_query(t: &TableInfo) -> S<Pairs> {
    (
        prop::collection::vec(s_filter(t), 0..=3),
        opt_pair(0.3, "select", s_columns_list(t)),
        opt_pair(0.3, "order", s_order(t)),
        opt_pair(0.3, "limit", s_number_param()),
        opt_pair(0.2, "offset", s_number_param()),
        opt_pair(
            0.15,
            "count",
            select(&["exact", "planned", "estimated", "", "EXACT"])
                .prop_map(String::from)
                .boxed(),
        ),
        s_junk_params(),
    )
        .prop_map(|(f, a, b, c, d, e, j)| {
            f.into_iter()
                .chain(a)
                .chain(b)
                .chain(c)
                .chain(d)
                .chain(e)
                .chain(j)
                .collect()
        })
        .boxed()
}

fn s_write_query(t: &TableInfo, select_too: bool) -> S<Pairs> {
    (
        prop::collection::vec(s_filter(t), 0..=3),
        opt_pair(
            if select_too { 0.25 } else { 0.0 },
            "select",
            s_columns_list(t),
        ),
        s_junk_params(),
    )
        .prop_map(|(f, a, j)| f.into_iter().chain(a).chain(j).collect())
        .boxed()
}

fn s_insert_query(t: &TableInfo) -> S<Pairs> {
    (
        opt_pair(0.3, "on_conflict", s_on_conflict(t)),
        s_junk_params(),
    )
        .prop_map(|(a, j)| a.into_iter().chain(j).collect())
        .boxed()
}

fn table_case(
    method: &str,
    path: &str,
    query: S<Pairs>,
    auth: S<Auth>,
    body: Option<S<(BodyKind, String)>>,
) -> S<Case> {
    let (method, path) = (method.to_string(), path.to_string());
    let body = body.unwrap_or_else(|| just((BodyKind::None, String::new())));
    (query, auth, s_content_type(), s_extra_headers(), body)
        .prop_map(move |(query, auth, ct, headers, (kind, body))| Case {
            method: method.clone(),
            path: path.clone(),
            query,
            auth,
            content_type: if kind == BodyKind::None { None } else { ct },
            headers,
            body_kind: kind,
            body: (kind != BodyKind::None).then_some(body),
            replay: false,
        })
        .boxed()
}

fn s_plain_get(path: &str) -> S<Case> {
    let path = path.to_string();
    (
        s_junk_params(),
        s_api_auth(Role::Service),
        s_extra_headers(),
    )
        .prop_map(move |(query, auth, headers)| Case {
            method: "GET".into(),
            path: path.clone(),
            query,
            auth,
            content_type: None,
            headers,
            body_kind: BodyKind::None,
            body: None,
            replay: false,
        })
        .boxed()
}

fn s_scoreapp() -> S<Case> {
    let event = weighted(vec![
        (
            10,
            select(&[
                "QUIZ_FINISHED",
                "LEAD_SIGNED_UP",
                "LEAD_DETAILS_UPDATED",
                "QUIZ_STARTED",
            ])
            .prop_map(s)
            .boxed(),
        ),
        (
            2,
            select(&["quiz_finished", " Quiz_Finished ", "lead_signed_up"])
                .prop_map(s)
                .boxed(),
        ),
        (1, s_wrong()),
    ]);
    let id = weighted(vec![
        (6, just(s("@@UUID:submission0@@"))),
        (2, (1i64..1_000_000_000).prop_map(|n| json!(n)).boxed()),
        (1, just(json!(12.5))),
        (1, just(Value::Null)),
        (1, s_wrong()),
    ]);
    let email_v = weighted(vec![
        (8, email(0)),
        (
            2,
            select(&[
                json!(["a@example.com"]),
                json!(42),
                json!({"email": "a@example.com"}),
                json!(true),
                json!(["@@EMAIL:0@@", "@@EMAIL:1@@"]),
            ]),
        ),
        (1, select(&[Value::Null, s(""), s("   ")])),
        (1, s_wrong()),
    ]);
    let score = weighted(vec![
        (6, (0i64..=100).prop_map(|n| json!(n)).boxed()),
        (
            1,
            (0i64..=100)
                .prop_map(|n| Value::String(n.to_string()))
                .boxed(),
        ),
        (1, just(json!(72.6))),
        (2, s_wrong()),
    ]);
    let questions = weighted(vec![
        (
            4,
            just(json!([{"question": "Biggest problem?", "answers": [{"answer": "Follow-up"}]}])),
        ),
        (1, s_wrong()),
    ]);
    let field = |p: f64, v: S<Value>| prop::option::weighted(p, v).boxed();
    let data = (
        field(0.9, id),
        field(0.85, email_v),
        field(0.7, s_text(Some(200))),
        field(0.5, s_text(Some(200))),
        field(
            0.3,
            s_good("phone", &json!({"type": "string", "format": "e164"}), 0),
        ),
        (select(&["score", "total_score"]), field(0.75, score)),
        field(0.6, questions),
        field(0.1, s_wrong()),
    )
        .prop_map(
            |(id, email, first, last, phone, (score_key, score), qs, extra)| {
                let mut d = Map::new();
                for (k, v) in [
                    ("id", id),
                    ("email", email),
                    ("first_name", first),
                    ("last_name", last),
                    ("phone", phone),
                    (score_key, score),
                    ("quiz_questions", qs),
                    ("favourite_colour", extra),
                ] {
                    if let Some(v) = v {
                        d.insert(k.to_string(), v);
                    }
                }
                d.insert("status".into(), s("Finished"));
                Value::Object(d)
            },
        )
        .boxed();
    let body = weighted(vec![
        (
            12,
            (
                prop::option::weighted(0.95, event),
                weighted(vec![(12, data), (1, s_wrong())]),
            )
                .prop_map(|(event, data)| {
                    let mut o = Map::new();
                    if let Some(e) = event {
                        o.insert("event_name".into(), e);
                    }
                    o.insert("data".into(), data);
                    (BodyKind::Record, Value::Object(o).to_string())
                })
                .boxed(),
        ),
        (
            1,
            select(MALFORMED)
                .prop_map(|m| (BodyKind::Malformed, m.to_string()))
                .boxed(),
        ),
        (
            1,
            select(ODD)
                .prop_map(|m| (BodyKind::Odd, m.to_string()))
                .boxed(),
        ),
    ]);
    let secret = weighted(vec![
        (14, just(Auth::Secret(Secret::Header))),
        (
            2,
            s_scheme()
                .prop_map(|sc| Auth::Secret(Secret::Bearer(sc)))
                .boxed(),
        ),
        (1, just(Auth::Secret(Secret::Query))),
        (1, just(Auth::Secret(Secret::Wrong))),
        (1, just(Auth::Secret(Secret::Missing))),
        (1, just(Auth::Secret(Secret::Empty))),
        (
            1,
            select(&[8_000usize, 64_000])
                .prop_map(|n| Auth::Secret(Secret::Huge(n)))
                .boxed(),
        ),
    ]);
    (
        secret,
        s_content_type(),
        s_extra_headers(),
        body,
        prop::bool::weighted(0.3),
        s_junk_params(),
    )
        .prop_map(|(auth, ct, headers, (kind, body), replay, query)| Case {
            method: "POST".into(),
            path: "/webhooks/dyniq/scoreapp".into(),
            query,
            auth,
            content_type: ct,
            headers,
            body_kind: kind,
            body: Some(body),
            replay,
        })
        .boxed()
}

fn s_ingest_payload(t: &TableInfo, all_columns: Vec<String>) -> S<Value> {
    let many = (
        1usize..=3,
        [
            s_record(t, "Insert", 0),
            s_record(t, "Insert", 1),
            s_record(t, "Insert", 2),
        ],
    )
        .prop_map(|(n, r)| json!({"records": r[..n].to_vec()}))
        .boxed();
    let dups = (s_record(t, "Insert", 0), s_record(t, "Insert", 0))
        .prop_map(|(a, b)| json!({"records": duplicates(a, b)}))
        .boxed();
    let records = weighted(vec![
        (6, many),
        (
            3,
            s_record(t, "Insert", 0)
                .prop_map(|r| json!({"record": r}))
                .boxed(),
        ),
        (1, dups),
        (
            1,
            s_record(t, "Insert", 0)
                .prop_map(|r| json!({"record": r.clone(), "records": [r]}))
                .boxed(),
        ),
        (1, just(json!({}))),
        (
            1,
            select(&[
                json!({"records": []}),
                json!({"records": "x"}),
                json!({"records": {}}),
                json!({"records": null}),
                json!({"record": []}),
                json!({"records": [1, "a"]}),
            ]),
        ),
    ]);
    let on_conflict = weighted(vec![
        (5, just(None)),
        (2, just(Some(s("id")))),
        (
            1,
            select(&all_columns)
                .prop_map(|c| Some(Value::String(c)))
                .boxed(),
        ),
        (
            1,
            select(&all_columns).prop_map(|c| Some(json!([c]))).boxed(),
        ),
        (
            1,
            select(&[
                s("email"),
                json!(["id", "id"]),
                s("*"),
                json!(5),
                s(""),
                s("nope"),
                json!([]),
                s("email,email"),
                json!([null]),
            ])
            .prop_map(Some)
            .boxed(),
        ),
    ]);
    let name = t.name.clone();
    let table = weighted(vec![
        (12, just(Value::String(name))),
        (
            1,
            select(&[
                s("nope"),
                s("leads"),
                s("daily_scorecard"),
                json!(5),
                Value::Null,
                s("LEADS"),
                s("dyniq.leads"),
                s("ingest_deliveries"),
            ]),
        ),
    ]);
    (
        table,
        records,
        on_conflict,
        prop::option::weighted(0.05, s_wrong()),
    )
        .prop_map(|(table, records, on_conflict, extra)| {
            let mut o = Map::new();
            o.insert("table".into(), table);
            if let Value::Object(r) = records {
                o.extend(r);
            }
            if let Some(c) = on_conflict {
                o.insert("on_conflict".into(), c);
            }
            if let Some(x) = extra {
                o.insert("extra".into(), x);
            }
            Value::Object(o)
        })
        .boxed()
}

fn s_ingest(route: &Route) -> S<Case> {
    let path = route.path.clone();
    let arms: Vec<(u32, S<(BodyKind, String)>)> = route
        .tables
        .iter()
        .map(|t| {
            let cols = t.columns.iter().map(|(c, _)| c.clone()).collect();
            (
                3,
                s_ingest_payload(t, cols)
                    .prop_map(|v| (BodyKind::Record, v.to_string()))
                    .boxed(),
            )
        })
        .chain([
            (
                1,
                select(MALFORMED)
                    .prop_map(|m| (BodyKind::Malformed, m.to_string()))
                    .boxed(),
            ),
            (
                1,
                select(ODD)
                    .prop_map(|m| (BodyKind::Odd, m.to_string()))
                    .boxed(),
            ),
        ])
        .collect();
    let sign = weighted(vec![
        (16, just(Sign::Valid)),
        (
            1,
            select(&[
                Sign::WrongSecret,
                Sign::Stale,
                Sign::Future,
                Sign::Garbage,
                Sign::Tampered,
                Sign::LongId,
                Sign::OtherSchema,
            ])
            .boxed(),
        ),
        (
            1,
            select(&["webhook-id", "webhook-timestamp", "webhook-signature"])
                .prop_map(Sign::Missing)
                .boxed(),
        ),
    ]);
    let ct = weighted(vec![
        (10, just(Some("application/json".to_string()))),
        (1, s_content_type()),
    ]);
    (
        sign,
        ct,
        s_extra_headers(),
        weighted(arms),
        prop::bool::weighted(0.2),
    )
        .prop_map(move |(sign, ct, headers, (kind, body), replay)| Case {
            method: "POST".into(),
            path: path.clone(),
            query: vec![],
            auth: Auth::Sign(sign),
            content_type: ct,
            headers,
            body_kind: kind,
            body: Some(body),
            replay,
        })
        .boxed()
}

fn s_undeclared(route: &Route) -> S<Case> {
    let path = route.path.clone();
    let role = route.table.as_deref().map_or(Role::Service, primary_role);
    let body = match route.table.as_deref() {
        Some(t) => weighted(vec![
            (
                2,
                s_record(t, "Insert", 0)
                    .prop_map(|r| Some(r.to_string()))
                    .boxed(),
            ),
            (1, just(None)),
        ]),
        None => select(&[None, Some("{}".to_string())]),
    };
    (
        select(&route.methods),
        s_api_auth(role),
        body,
        s_junk_params(),
    )
        .prop_map(move |(method, auth, body, query)| {
            json_case(method, path.clone(), query, auth, body, BodyKind::Record)
        })
        .boxed()
}

fn s_unknown(route: &Route) -> S<Case> {
    let mut paths: Vec<String> = [
        "/",
        "/v1",
        "/v1/",
        "/v1/dyniq",
        "/v1/dyniq/nope",
        "/v1/nope/leads",
        "/v1/public/users",
        "/v1/auth/users",
        "/v1/pg_catalog/pg_user",
        "/v1/dyniq/leads/validate/extra",
        "/v1/dyniq/leads/x",
        "/v1/dyniq/ingest_deliveries",
        "/webhooks/yachtparty/ingest",
        "/webhooks/nope/ingest",
        "/webhooks/dyniq/scoreapp/x",
        "/webhooks/walker_os/scoreapp",
        "/webhooks",
        "/v1/DYNIQ/LEADS",
        "/v1/dyniq/leads%2Fvalidate",
        "/v1/dyniq/%2e%2e/leads",
        "/openapi.json/x",
        "/v1/dyniq/leads;x",
        "/v1/dyniq/leads%00",
        "/rpc/submit_quiz",
        "/rest/v1/leads",
        "/v1/dyniq/submit_quiz",
        "/v1/dyniq/tier_for_score",
        "/v2/dyniq/leads",
        "/.env",
        "/v1/dyniq/leads/validate/validate",
    ]
    .iter()
    .map(|p| p.to_string())
    .collect();
    paths.push(format!("/v1/dyniq/{}", "a".repeat(5000)));
    (
        select(&route.methods),
        select(&paths),
        s_api_auth(Role::Service),
        s_junk_params(),
    )
        .prop_map(|(method, path, auth, query)| {
            let body = (method == "POST" || method == "PATCH").then(|| "{}".to_string());
            json_case(method, path, query, auth, body, BodyKind::Odd)
        })
        .boxed()
}

fn strategy(route: &Route) -> S<Case> {
    let t = route.table.as_deref();
    let role = t.map_or(Role::Service, primary_role);
    match route.kind {
        Kind::Health | Kind::OpenApi => s_plain_get(&route.path),
        Kind::Read => table_case(
            "GET",
            &route.path,
            s_read_query(t.unwrap()),
            s_api_auth(role),
            None,
        ),
        Kind::Insert => table_case(
            "POST",
            &route.path,
            s_insert_query(t.unwrap()),
            s_api_auth(role),
            Some(s_insert_body(t.unwrap())),
        ),
        Kind::Validate => table_case(
            "POST",
            &route.path,
            s_junk_params(),
            s_api_auth(role),
            Some(s_insert_body(t.unwrap())),
        ),
        Kind::Update => table_case(
            "PATCH",
            &route.path,
            s_write_query(t.unwrap(), true),
            s_api_auth(role),
            Some(s_patch_body(t.unwrap())),
        ),
        Kind::Delete => table_case(
            "DELETE",
            &route.path,
            s_write_query(t.unwrap(), false),
            s_api_auth(role),
            None,
        ),
        Kind::ScoreApp => s_scoreapp(),
        Kind::Ingest => s_ingest(route),
        Kind::Undeclared => s_undeclared(route),
        Kind::Unknown => s_unknown(route),
        Kind::Generic => table_case(
            &route.method,
            &route.path,
            s_junk_params(),
            s_api_auth(Role::Service),
            Some(select(&[
                (BodyKind::Odd, "{}".to_string()),
                (BodyKind::Malformed, "{".to_string()),
            ])),
        ),
    }
}

// ---------------------------------------------------------------------------------------------
// Building and sending requests
// ---------------------------------------------------------------------------------------------

/// What the run shares: two users and their tokens, the run's start, the Worker's address.
struct Env {
    addr: String,
    me: String,
    other: String,
    me_token: String,
    other_token: String,
    start: String,
}

#[derive(Clone, Debug)]
struct Wire {
    method: String,
    target: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

#[derive(Clone, Debug)]
struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
    elapsed: Duration,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Fresh unique values, the same within one request.
struct Expander<'a> {
    env: &'a Env,
    values: BTreeMap<String, String>,
    /// The longest `@@HUGE@@` expansion: bodies take any size; a URL or a header longer than
    /// the runtime's limit never reaches the Worker.
    cap: usize,
}

impl<'a> Expander<'a> {
    fn new(env: &'a Env) -> Self {
        Expander {
            env,
            values: BTreeMap::new(),
            cap: usize::MAX,
        }
    }

    fn token(&mut self, token: &str) -> Option<Vec<u8>> {
        let env = self.env;
        let fresh = |t: &str| -> Option<String> {
            if t.starts_with("EMAIL:") {
                Some(format!("{}@example.com", unique("fuzz-")))
            } else if t.starts_with("UUID:") {
                Some(uuid::Uuid::new_v4().to_string())
            } else {
                None
            }
        };
        match token {
            "ME" => Some(env.me.clone().into_bytes()),
            "OTHER" => Some(env.other.clone().into_bytes()),
            "START" => Some(env.start.clone().into_bytes()),
            "XFF" => Some(vec![0xff]),
            "XFE" => Some(vec![0xfe]),
            t if t.starts_with("HUGE:") => {
                let mut parts = t[5..].splitn(2, ':');
                let n: usize = parts.next()?.parse::<usize>().ok()?.min(self.cap);
                let c = parts.next()?.chars().next()?;
                Some(c.to_string().repeat(n).into_bytes())
            }
            t => {
                if let Some(v) = self.values.get(t) {
                    return Some(v.clone().into_bytes());
                }
                let v = fresh(t)?;
                self.values.insert(t.to_string(), v.clone());
                Some(v.into_bytes())
            }
        }
    }

    /// Replaces every `@@…@@`; `"@@RAW:x@@"` becomes the bare literal x.
    fn expand(&mut self, text: &str) -> Vec<u8> {
        let mut out = Vec::with_capacity(text.len());
        let mut rest = text;
        while let Some(i) = rest.find("@@") {
            out.extend_from_slice(&rest.as_bytes()[..i]);
            let after = &rest[i + 2..];
            let Some(j) = after.find("@@") else {
                out.extend_from_slice(&rest.as_bytes()[i..]);
                rest = "";
                break;
            };
            let token = &after[..j];
            let mut tail = &after[j + 2..];
            if let Some(raw) = token.strip_prefix("RAW:") {
                if out.last() == Some(&b'"') && tail.starts_with('"') {
                    out.pop();
                    tail = &tail[1..];
                }
                out.extend_from_slice(raw.as_bytes());
            } else if let Some(v) = self.token(token) {
                out.extend(v);
            } else {
                out.extend_from_slice(format!("@@{token}@@").as_bytes());
            }
            rest = tail;
        }
        out.extend_from_slice(rest.as_bytes());
        out
    }
}

fn percent(bytes: &[u8]) -> String {
    let mut out = String::new();
    for &b in bytes {
        if b.is_ascii_alphanumeric() || b"-_.~,()*:!$'".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Header values go out as printable ASCII (the runtime, not the Worker, refuses the rest).
fn header_value(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|&b| {
            if (0x20..0x7f).contains(&b) {
                b as char
            } else {
                '?'
            }
        })
        .collect()
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn bad_token(b: BadToken, env: &Env) -> String {
    let mut claims = user_claims(&env.me);
    match b {
        BadToken::Expired => {
            claims["exp"] = json!(now() - 3600);
            bearer(&hs256(&claims))
        }
        BadToken::BadSignature => {
            let mut t = hs256(&claims);
            let last = t.pop().unwrap_or('A');
            t.push(if last == 'A' { 'B' } else { 'A' });
            bearer(&t)
        }
        BadToken::AlgNone => bearer(&format!(
            "{}.{}.",
            b64(br#"{"alg":"none","typ":"JWT"}"#),
            b64(claims.to_string().as_bytes())
        )),
        BadToken::WrongAudience => {
            claims["aud"] = json!("someone-else");
            bearer(&hs256(&claims))
        }
        BadToken::NoRole => {
            claims.as_object_mut().unwrap().remove("role");
            claims["role"] = json!("postgres");
            bearer(&hs256(&claims))
        }
        BadToken::Raw(r) => r.to_string(),
    }
}

fn build(case: &Case, env: &Env) -> Wire {
    let mut x = Expander::new(env);
    let body = case
        .body
        .as_deref()
        .map(|b| x.expand(b))
        .unwrap_or_default();
    let mut query = case.query.clone();
    // Service-role PATCH and DELETE bypass RLS: keep them to this run's rows.
    if matches!(case.auth, Auth::Token(Role::Service, _))
        && (case.method == "PATCH" || case.method == "DELETE")
    {
        query.push(("created_at".into(), "gte.@@START@@".into()));
    }
    let mut headers: Vec<(String, String)> = Vec::new();
    let secret_header =
        |h: &mut Vec<(String, String)>, v: String| h.push(("x-webhook-secret".into(), v));
    match case.auth {
        Auth::None => {}
        Auth::Token(role, scheme) => {
            let t = match role {
                Role::Service => SERVICE_ROLE_KEY.to_string(),
                Role::Me => env.me_token.clone(),
                Role::Other => env.other_token.clone(),
                Role::Anon => ANON_KEY.to_string(),
            };
            headers.push(("authorization".into(), format!("{}{t}", scheme.prefix())));
        }
        Auth::Bad(b) => headers.push(("authorization".into(), bad_token(b, env))),
        Auth::Oversized { signed, n } => {
            let t = if signed {
                let mut claims = user_claims(&env.me);
                claims["pad"] = json!("x".repeat(n));
                hs256(&claims)
            } else {
                "A".repeat(n)
            };
            headers.push(("authorization".into(), bearer(&t)));
        }
        Auth::Secret(sec) => match sec {
            Secret::Header => secret_header(&mut headers, SCOREAPP_SECRET.into()),
            Secret::Bearer(sc) => headers.push((
                "authorization".into(),
                format!("{}{SCOREAPP_SECRET}", sc.prefix()),
            )),
            Secret::Query => query.push(("secret".into(), SCOREAPP_SECRET.into())),
            Secret::Wrong => secret_header(&mut headers, "wrong-secret".into()),
            Secret::Missing => {}
            Secret::Empty => secret_header(&mut headers, String::new()),
            Secret::Huge(n) => secret_header(&mut headers, "s".repeat(n)),
        },
        Auth::Sign(sign) => {
            let schema = case
                .path
                .trim_matches('/')
                .split('/')
                .nth(1)
                .unwrap_or("dyniq");
            let other = if schema == "dyniq" {
                "walker_os"
            } else {
                "dyniq"
            };
            let mut id = format!("msg_{}", uuid::Uuid::new_v4().simple());
            let mut ts = now();
            let mut secret = ingest_secret(schema);
            match sign {
                Sign::Stale => ts -= 3600,
                Sign::Future => ts += 3600,
                Sign::LongId => id = "i".repeat(300),
                Sign::OtherSchema => secret = ingest_secret(other),
                Sign::WrongSecret => {
                    secret = "whsec_d3JvbmctZnV6ei1zZWNyZXQtd3JvbmctZnV6ei1zZWNyZXQ="
                }
                _ => {}
            }
            // Signed over the raw bytes: a body need not be UTF-8.
            let hook = rowgate_core::webhook::StandardWebhook::new(secret).expect("secret");
            let signed: Vec<(String, String)> = vec![
                ("webhook-id".into(), id.clone()),
                ("webhook-timestamp".into(), ts.to_string()),
                (
                    "webhook-signature".into(),
                    hook.sign(&id, &ts.to_string(), &body),
                ),
            ];
            for (k, v) in signed {
                if k == "content-type" || matches!(sign, Sign::Missing(m) if m == k) {
                    continue;
                }
                let v = if k == "webhook-signature" && sign == Sign::Garbage {
                    "v1,AAAA v2,garbage".to_string()
                } else {
                    v
                };
                headers.push((k, v));
            }
        }
    }
    x.cap = 8_000;
    let mut body = body;
    if case.auth == Auth::Sign(Sign::Tampered) {
        body.extend_from_slice(b" ");
    }
    if let Some(ct) = &case.content_type {
        headers.push(("content-type".into(), ct.clone()));
    }
    for (k, v) in &case.headers {
        headers.push((k.clone(), v.clone()));
    }
    let headers = headers
        .into_iter()
        .map(|(k, v)| {
            let v = x.expand(&v);
            (k, header_value(&v))
        })
        .collect();
    let q: Vec<String> = query
        .iter()
        .map(|(k, v)| format!("{}={}", percent(&x.expand(k)), percent(&x.expand(v))))
        .collect();
    let target = if q.is_empty() {
        case.path.clone()
    } else {
        format!("{}?{}", case.path, q.join("&"))
    };
    Wire {
        method: case.method.clone(),
        target,
        headers,
        body,
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The body once complete: by Content-Length, chunked, or (None) not yet.
fn complete_body(head: &[(String, String)], rest: &[u8], eof: bool) -> Option<Vec<u8>> {
    let get = |n: &str| {
        head.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(n))
            .map(|(_, v)| v.trim())
    };
    if get("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
        let mut out = Vec::new();
        let mut pos = 0;
        loop {
            let line_end = find(&rest[pos..], b"\r\n")? + pos;
            let size_text = String::from_utf8_lossy(&rest[pos..line_end]);
            let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
            pos = line_end + 2;
            if size == 0 {
                return Some(out);
            }
            if rest.len() < pos + size + 2 {
                return if eof { Some(out) } else { None };
            }
            out.extend_from_slice(&rest[pos..pos + size]);
            pos += size + 2;
        }
    }
    if let Some(n) = get("content-length").and_then(|v| v.parse::<usize>().ok()) {
        return (rest.len() >= n)
            .then(|| rest[..n].to_vec())
            .or(eof.then(|| rest.to_vec()));
    }
    eof.then(|| rest.to_vec())
}

/// One request over a fresh connection (`Connection: close`), any method, any bytes.
fn send(addr: &str, w: &Wire) -> Result<Reply, String> {
    let started = Instant::now();
    let mut stream = TcpStream::connect(addr).map_err(|e| format!("connect: {e}"))?;
    stream.set_read_timeout(Some(HANG)).ok();
    stream.set_write_timeout(Some(HANG)).ok();
    stream.set_nodelay(true).ok();
    let mut head = format!(
        "{} {} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\n",
        w.method, w.target
    );
    for (k, v) in &w.headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    if !w.body.is_empty() || matches!(w.method.as_str(), "POST" | "PATCH" | "PUT" | "QUERY") {
        head.push_str(&format!("content-length: {}\r\n", w.body.len()));
    }
    head.push_str("\r\n");
    let mut bytes = head.into_bytes();
    bytes.extend_from_slice(&w.body);
    // The server may answer (413) and close before the whole body is written: read anyway.
    let write_error = stream.write_all(&bytes).err();
    let mut buf = Vec::new();
    let mut chunk = [0u8; 65536];
    loop {
        if started.elapsed() > HANG {
            return Err(format!("no complete answer within {HANG:?}"));
        }
        let (n, eof) = match stream.read(&mut chunk) {
            Ok(0) => (0, true),
            Ok(n) => (n, false),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                return Err(format!("no complete answer within {HANG:?}"));
            }
            Err(e) if !buf.is_empty() => {
                let _ = e;
                (0, true)
            }
            Err(e) => {
                return Err(format!(
                    "read: {e}{}",
                    write_error
                        .as_ref()
                        .map(|w| format!(" (write: {w})"))
                        .unwrap_or_default()
                ));
            }
        };
        buf.extend_from_slice(&chunk[..n]);
        if let Some(end) = find(&buf, b"\r\n\r\n") {
            let head_text = String::from_utf8_lossy(&buf[..end]).to_string();
            let mut lines = head_text.split("\r\n");
            let status_line = lines.next().unwrap_or_default();
            let status: u16 = status_line
                .split(' ')
                .nth(1)
                .and_then(|s| s.parse().ok())
                .ok_or_else(|| format!("bad status line: {status_line:?}"))?;
            let headers: Vec<(String, String)> = lines
                .filter_map(|l| l.split_once(':'))
                .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
                .collect();
            if (100..200).contains(&status) {
                buf.drain(..end + 4);
                continue;
            }
            if let Some(body) = complete_body(&headers, &buf[end + 4..], eof) {
                return Ok(Reply {
                    status,
                    headers,
                    body: String::from_utf8_lossy(&body).to_string(),
                    elapsed: started.elapsed(),
                });
            }
        }
        if eof {
            return Err(format!(
                "connection closed without a complete answer ({} bytes){}",
                buf.len(),
                write_error
                    .map(|w| format!(" (write: {w})"))
                    .unwrap_or_default()
            ));
        }
    }
}

fn clip(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    let mut cut = max;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}…({} bytes)", &text[..cut], text.len())
}

fn render(w: &Wire, r: &Result<Reply, String>) -> String {
    let mut out = format!("  {} {}\n", w.method, clip(&w.target, 400));
    for (k, v) in &w.headers {
        out.push_str(&format!("  {k}: {}\n", clip(v, 80)));
    }
    if !w.body.is_empty() {
        out.push_str(&format!(
            "  body: {}\n",
            clip(&String::from_utf8_lossy(&w.body), 1200).replace('\n', "\\n")
        ));
    }
    match r {
        Ok(r) => {
            out.push_str(&format!(
                "  → {} in {} ms\n",
                r.status,
                r.elapsed.as_millis()
            ));
            for (k, v) in &r.headers {
                if ["content-type", "allow", "retry-after", "www-authenticate"]
                    .contains(&k.as_str())
                {
                    out.push_str(&format!("  {k}: {v}\n"));
                }
            }
            out.push_str(&format!("  {}\n", clip(&r.body, 1200)));
        }
        Err(e) => out.push_str(&format!("  → no answer: {e}\n")),
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
struct Violation {
    class: String,
    text: String,
}

fn invisible(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{00ad}' | '\u{061c}' | '\u{180e}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{206f}' | '\u{feff}' | '\u{fff9}'..='\u{fffb}')
}

/// Every string under a key named `email` in the JSON.
fn emails(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(o) => {
            for (k, v) in o {
                if k == "email" || k == "p_email" {
                    if let Value::String(s) = v {
                        out.push(s.clone());
                    }
                }
                emails(v, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|v| emails(v, out)),
        _ => {}
    }
}

fn rows(v: &Value) -> Vec<&Map<String, Value>> {
    match v {
        Value::Array(a) => a.iter().filter_map(Value::as_object).collect(),
        Value::Object(o) => vec![o],
        _ => vec![],
    }
}

fn short(detail: &str) -> String {
    let words: Vec<&str> = detail.split_whitespace().take(5).collect();
    words
        .join(" ")
        .chars()
        .map(|c| if c.is_ascii_digit() { '#' } else { c })
        .take(48)
        .collect()
}

fn check(
    route: &Route,
    case: &Case,
    wire: &Wire,
    reply: &Result<Reply, String>,
    env: &Env,
) -> Vec<Violation> {
    let mut v: Vec<String> = Vec::new();
    let r = match reply {
        Err(e) if e.starts_with("no complete answer") => {
            return vec![Violation {
                class: "hang: no answer within 10 s".into(),
                text: render(wire, reply),
            }]
        }
        Err(e) => {
            let kind = e.split(':').next().unwrap_or(e).to_string();
            return vec![Violation {
                class: format!("no answer ({kind}) with {}", case.auth.label()),
                text: render(wire, reply),
            }];
        }
        Ok(r) => r,
    };
    let status = r.status;
    let problem: Option<Value> = serde_json::from_str(&r.body).ok();
    let title = problem
        .as_ref()
        .and_then(|p| p["title"].as_str())
        .unwrap_or("")
        .to_string();
    let detail = problem
        .as_ref()
        .and_then(|p| p["detail"].as_str())
        .unwrap_or("")
        .to_string();

    if r.elapsed > HANG {
        v.push("hang: answer after more than 10 s".into());
    }
    if status >= 500 {
        let mut features = vec![
            case.auth.label().to_string(),
            format!("{:?} body", case.body_kind),
        ];
        let body_conflict = case
            .body
            .as_deref()
            .and_then(|b| serde_json::from_str::<Value>(b).ok())
            .and_then(|b| b.get("on_conflict").map(value_text));
        let query_conflict = case
            .query
            .iter()
            .find(|(k, _)| k == "on_conflict")
            .map(|(_, c)| c.clone());
        if let Some(c) = query_conflict.or(body_conflict) {
            // A key column and a column without a unique key fail for different reasons.
            features.push(if c == "id" || c == "email" {
                format!("on_conflict={c}")
            } else {
                "on_conflict".into()
            });
        }
        v.push(format!("{status} {title} ({})", features.join(", ")));
    }
    if (400..600).contains(&status) {
        let media = r
            .header("content-type")
            .unwrap_or("")
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        if media != "application/problem+json" {
            v.push(format!(
                "{status} is not problem+json (content-type {media:?})"
            ));
        } else {
            match &problem {
                Some(p) => {
                    for f in ["type", "title", "detail"] {
                        if !p[f].is_string() {
                            v.push(format!("{status} problem+json without a string `{f}`"));
                        }
                    }
                    if p["status"] != json!(status) {
                        v.push(format!(
                            "{status} problem+json whose `status` is {}",
                            p["status"]
                        ));
                    }
                }
                None => v.push(format!("{status} problem+json body is not JSON")),
            }
        }
    }
    let lower = r.body.to_lowercase();
    for needle in DB_TEXT {
        if lower.contains(needle) {
            v.push(format!("database text in a {status} answer: {needle:?}"));
        }
    }
    // Routes.
    match route.kind {
        Kind::Undeclared => {
            if status != 405 {
                v.push("an undeclared method was not refused with 405".into());
            } else {
                match r.header("allow") {
                    None => v.push("405 without Allow".into()),
                    Some(allow) => {
                        let listed: Vec<String> = allow
                            .split(',')
                            .map(|m| m.trim().to_ascii_uppercase())
                            .collect();
                        if route.declared.iter().any(|d| !listed.contains(d)) {
                            v.push(format!("405 whose Allow ({allow}) lacks a declared method"));
                        }
                    }
                }
            }
        }
        Kind::Unknown => {
            if (200..300).contains(&status)
                && !["/", "/v1/", "/health/"].contains(&case.path.as_str())
            {
                v.push(format!("unknown path answered {status}"));
            }
        }
        _ => {
            if status == 404 {
                v.push(format!(
                    "404 on a declared route: {title}: {}",
                    short(&detail)
                ));
            }
            if status == 405 {
                v.push("405 on a declared method".into());
            }
        }
    }
    if route.kind != Kind::Undeclared && route.kind != Kind::Unknown {
        if case.auth.valid() && status == 401 {
            let what = match case.auth {
                Auth::Token(_, sc) | Auth::Secret(Secret::Bearer(sc)) => {
                    format!("`{}…`", sc.prefix().trim())
                }
                Auth::Sign(_) => "a delivery signed with the schema's secret".into(),
                other => format!("{other:?}"),
            };
            v.push(format!(
                "valid credentials refused with 401 ({what}): {}",
                short(&detail)
            ));
        }
        let guarded = !matches!(route.kind, Kind::Health | Kind::OpenApi | Kind::Generic);
        if guarded && case.auth.invalid() && (200..300).contains(&status) {
            v.push(format!("{} accepted with {status}", case.auth.label()));
        }
        let json_ct = case.content_type.as_deref().is_some_and(|c| {
            let m = c
                .split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase();
            m == "application/json" || (m.starts_with("application/") && m.ends_with("+json"))
        });
        let body_checked = match route.kind {
            Kind::Insert | Kind::Update | Kind::Validate => json_ct,
            Kind::ScoreApp | Kind::Ingest => true,
            _ => false,
        };
        // A refused query parameter is reported before the body is read.
        let query_refused = status == 400
            && problem.as_ref().is_some_and(|p| {
                p["errors"]
                    .as_array()
                    .is_some_and(|e| !e.is_empty() && e.iter().all(|e| e["code"] == "query"))
            });
        if body_checked && case.auth.valid() && !query_refused && status != 413 && status != 401 {
            if case.body_kind == BodyKind::Malformed && status != 400 {
                v.push(format!("malformed JSON answered {status} (expected 400)"));
            }
            if case.body_kind == BodyKind::EmptyArray
                && matches!(route.kind, Kind::Insert | Kind::Validate)
                && status != 422
            {
                v.push(format!("an empty array answered {status} (expected 422)"));
            }
        }
    }
    if (200..300).contains(&status) {
        if let Ok(answer) = serde_json::from_str::<Value>(&r.body) {
            // What this request wrote (reads may show rows that other tests wrote).
            let mut found = Vec::new();
            if matches!(
                route.kind,
                Kind::Insert | Kind::Update | Kind::Validate | Kind::ScoreApp | Kind::Ingest
            ) {
                emails(&answer, &mut found);
            }
            if found.iter().any(|e| e.chars().any(invisible)) {
                v.push("an email with invisible characters was accepted".into());
            }
            // Isolation: a user sees only its own walker_os rows.
            if matches!(case.auth, Auth::Token(Role::Me, _))
                && route
                    .table
                    .as_ref()
                    .is_some_and(|t| t.schema == "walker_os")
                && rows(&answer)
                    .iter()
                    .any(|row| row.get("user_id").is_some_and(|u| u != &json!(env.me)))
            {
                v.push("isolation: a user got another user's row".into());
            }
        }
        if route.kind == Kind::ScoreApp && case.auth.valid() {
            if let Some(body) = case
                .body
                .as_deref()
                .and_then(|b| serde_json::from_str::<Value>(b).ok())
            {
                let event = body["event_name"]
                    .as_str()
                    .unwrap_or("")
                    .trim()
                    .to_ascii_uppercase();
                let email = &body["data"]["email"];
                let bad_type = !email.is_null() && !email.is_string();
                if bad_type
                    && ["QUIZ_FINISHED", "LEAD_SIGNED_UP", "LEAD_DETAILS_UPDATED"]
                        .contains(&event.as_str())
                    && body["data"].is_object()
                {
                    v.push(format!(
                        "ScoreApp {event}: an email that is not a string answered {status}"
                    ));
                }
            }
        }
    }
    if status == 409 {
        let table = route.table.clone().or_else(|| {
            let name = case
                .body
                .as_deref()
                .and_then(|b| serde_json::from_str::<Value>(b).ok())
                .and_then(|b| b["table"].as_str().map(String::from));
            route
                .tables
                .iter()
                .find(|t| Some(&t.name) == name.as_ref())
                .cloned()
        });
        if let (Some(t), Some(p)) = (table, &problem) {
            let fields: Vec<String> = p["errors"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|e| e["field"].as_str().map(String::from))
                        .collect()
                })
                .unwrap_or_default();
            if fields.is_empty() {
                v.push("409 without errors[].field".into());
            }
            for f in fields {
                if !t.has_column(&f) {
                    v.push("409 names a field that is not a column".into());
                }
            }
        }
    }
    v.sort();
    v.dedup();
    v.into_iter()
        .map(|class| Violation {
            class,
            text: render(wire, reply),
        })
        .collect()
}

/// Sends the case (twice for a replay) and checks every answer.
fn run_case(route: &Route, case: &Case, env: &Env, stats: &mut RouteStats) -> Vec<Violation> {
    let wire = build(case, env);
    let reply = send(&env.addr, &wire);
    stats.requests += 1;
    if let Ok(r) = &reply {
        *stats.statuses.entry(r.status).or_default() += 1;
        if r.status == 503 && !stack_up(env) {
            stats.abort = Some(format!(
                "the stack is down (503 and /health is not 200):\n{}",
                render(&wire, &reply)
            ));
            return vec![];
        }
    }
    let mut v = check(route, case, &wire, &reply, env);
    if case.replay {
        if let Ok(first) = &reply {
            let again = send(&env.addr, &wire);
            stats.requests += 1;
            v.extend(check(route, case, &wire, &again, env));
            let fresh = serde_json::from_str::<Value>(&first.body)
                .ok()
                .filter(|b| b["duplicate"] == json!(false));
            if first.status == 200 && fresh.is_some() {
                if let Ok(second) = &again {
                    let dup = serde_json::from_str::<Value>(&second.body)
                        .ok()
                        .map(|b| b["duplicate"].clone());
                    if second.status == 200 && dup != Some(json!(true)) {
                        let id_kind = case
                            .body
                            .as_deref()
                            .and_then(|b| serde_json::from_str::<Value>(b).ok())
                            .map(|b| match b["data"].get("id") {
                                Some(Value::Number(_)) => "a numeric data.id",
                                Some(Value::String(_)) => "a string data.id",
                                Some(Value::Null) => "a null data.id",
                                Some(_) => "a data.id of another type",
                                None => "no data.id",
                            });
                        v.push(Violation {
                            class: format!(
                                "a replayed delivery was written again ({})",
                                id_kind.unwrap_or("")
                            ),
                            text: format!(
                                "{}  replayed:\n{}",
                                render(&wire, &reply),
                                render(&wire, &again)
                            ),
                        });
                    }
                }
            }
        }
    }
    v
}

fn stack_up(env: &Env) -> bool {
    let w = Wire {
        method: "GET".into(),
        target: "/health".into(),
        headers: vec![],
        body: vec![],
    };
    (0..3).any(|i| {
        if i > 0 {
            std::thread::sleep(Duration::from_millis(500));
        }
        send(&env.addr, &w).is_ok_and(|r| r.status == 200)
    })
}

// ---------------------------------------------------------------------------------------------
// Runner
// ---------------------------------------------------------------------------------------------

#[derive(Default)]
struct RouteStats {
    requests: u64,
    cases: u64,
    statuses: BTreeMap<u16, u64>,
    abort: Option<String>,
}

#[derive(Debug, Clone)]
struct ClassHit {
    count: u64,
    /// The shrunk request and answer, or the first one seen.
    example: String,
    minimal: bool,
}

struct RouteResult {
    route: Route,
    stats: RouteStats,
    classes: BTreeMap<String, ClassHit>,
    elapsed: Duration,
}

fn fnv1a(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ b as u64).wrapping_mul(0x100_0000_01b3)
    })
}

fn run_route(route: &Route, env: &Env, abort: &Mutex<Option<String>>) -> RouteResult {
    let started = Instant::now();
    let config = Config {
        cases: route.cases,
        failure_persistence: None,
        rng_seed: RngSeed::Fixed(SEED ^ fnv1a(&route.name())),
        max_shrink_iters: MAX_SHRINK_ITERS,
        max_shrink_time: MAX_SHRINK_MS,
        max_local_rejects: 10_000,
        max_global_rejects: 10_000,
        verbose: 0,
        ..Config::default()
    };
    let mut runner = TestRunner::new(config);
    let strategy = strategy(route);
    struct State {
        stats: RouteStats,
        classes: BTreeMap<String, ClassHit>,
        target: Option<String>,
        shrunk: usize,
    }
    let state = RefCell::new(State {
        stats: RouteStats::default(),
        classes: BTreeMap::new(),
        target: None,
        shrunk: 0,
    });
    loop {
        let result = runner.run(&strategy, |case| {
            let mut st = state.borrow_mut();
            if st.stats.abort.is_some() || abort.lock().unwrap().is_some() {
                return Ok(());
            }
            let violations = run_case(route, &case, env, &mut st.stats);
            if let Some(target) = st.target.clone() {
                // Shrinking: only the class being shrunk counts as a failure.
                return match violations.into_iter().find(|v| v.class == target) {
                    Some(v) => Err(TestCaseError::fail(v.text)),
                    None => Ok(()),
                };
            }
            st.stats.cases += 1;
            let mut new = None;
            for v in violations {
                let shrinkable = st.shrunk < MAX_SHRUNK_CLASSES;
                let hit = st
                    .classes
                    .entry(v.class.clone())
                    .or_insert_with(|| ClassHit {
                        count: 0,
                        example: v.text.clone(),
                        minimal: false,
                    });
                hit.count += 1;
                if hit.count == 1 && shrinkable && new.is_none() {
                    new = Some(v);
                }
            }
            match new {
                Some(v) => {
                    st.target = Some(v.class.clone());
                    st.shrunk += 1;
                    Err(TestCaseError::fail(v.text))
                }
                None => Ok(()),
            }
        });
        let mut st = state.borrow_mut();
        match result {
            Ok(()) => break,
            Err(TestError::Fail(text, _)) => {
                let target = st.target.take().expect("a failure has a target class");
                if let Some(hit) = st.classes.get_mut(&target) {
                    hit.example = text.to_string();
                    hit.minimal = true;
                }
            }
            Err(TestError::Abort(why)) => panic!("{}: proptest aborted: {why}", route.name()),
        }
        if st.stats.abort.is_some() {
            break;
        }
    }
    let st = state.into_inner();
    if let Some(why) = &st.stats.abort {
        abort.lock().unwrap().get_or_insert_with(|| why.clone());
    }
    RouteResult {
        route: route.clone(),
        stats: st.stats,
        classes: st.classes,
        elapsed: started.elapsed(),
    }
}

fn threads() -> usize {
    std::env::var("ROWGATE_FUZZ_THREADS")
        .ok()
        .and_then(|s| s.parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(4)
}

fn db_now_minus(seconds: i64) -> String {
    db().query_one(
        "select to_char((now() - make_interval(secs => $1::float8)) at time zone 'utc', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')",
        &[&(seconds as f64)],
    )
    .expect("the database's clock")
    .get(0)
}

/// Best effort: a failure here is printed, never fails the run.
fn cleanup(env: &Env) {
    let mut db = match postgres::Client::connect(&database_url(), postgres::NoTls) {
        Ok(db) => db,
        Err(e) => {
            eprintln!("fuzz cleanup: cannot connect to the database: {e}");
            return;
        }
    };
    for (sql, what) in [
        (
            "delete from dyniq.leads where email ilike '%fuzz%'",
            "fuzz leads",
        ),
        (
            "delete from dyniq.board_meetings where thread_id like 'bm-fuzz-%'",
            "fuzz board meetings",
        ),
    ] {
        if let Err(e) = db.execute(sql, &[]) {
            eprintln!("fuzz cleanup of {what}: {e}");
        }
    }
    for id in [&env.me, &env.other] {
        let id = uuid::Uuid::parse_str(id).expect("a user id");
        if let Err(e) = db.execute("delete from auth.users where id = $1", &[&id]) {
            eprintln!("fuzz cleanup of user {id}: {e}");
        }
    }
}

#[test]
fn every_route_of_the_openapi_document_survives_bounded_fuzzing() {
    ready();
    let started = Instant::now();
    let url = worker_url();
    let addr = url
        .strip_prefix("http://")
        .expect("the fuzz speaks plain http to the Worker")
        .trim_end_matches('/')
        .to_string();
    let doc = call("GET", &format!("{url}/openapi.json"), &[], None);
    assert_eq!(doc.status, 200, "GET /openapi.json: {}", doc.body);
    let mut routes = routes(&doc.json());
    // ROWGATE_FUZZ_ROUTES=ingest (comma-separated substrings) fuzzes only the matching routes.
    let only = std::env::var("ROWGATE_FUZZ_ROUTES").unwrap_or_default();
    let only: Vec<&str> = only.split(',').filter(|s| !s.is_empty()).collect();

    // The document holds every route the Worker serves; the fuzz knows how to drive each kind.
    let names: BTreeSet<String> = routes
        .iter()
        .map(|r| format!("{} {}", r.method, r.template))
        .collect();
    for expected in [
        "GET /health",
        "GET /openapi.json",
        "POST /webhooks/dyniq/scoreapp",
        "POST /webhooks/{schema}/ingest",
    ] {
        assert!(
            names.contains(expected),
            "the document lacks {expected}: {names:?}"
        );
    }
    for kind in [
        Kind::Read,
        Kind::Insert,
        Kind::Update,
        Kind::Delete,
        Kind::Validate,
    ] {
        assert!(
            routes.iter().filter(|r| r.kind == kind).count() >= 2,
            "no {kind:?} routes in the document"
        );
    }
    if !only.is_empty() {
        routes.retain(|r| only.iter().any(|o| r.name().contains(o)));
        eprintln!("fuzz: only the {} routes matching {only:?}", routes.len());
    }
    let generic: Vec<String> = routes
        .iter()
        .filter(|r| r.kind == Kind::Generic)
        .map(Route::name)
        .collect();
    if !generic.is_empty() {
        eprintln!("fuzz: routes without a dedicated generator (fuzzed generically): {generic:?}");
    }

    let me = new_user();
    let other = new_user();
    let env = Env {
        addr,
        me_token: hs256(&user_claims(&me)),
        other_token: hs256(&user_claims(&other)),
        me,
        other,
        start: db_now_minus(5),
    };

    let next = AtomicUsize::new(0);
    let abort: Mutex<Option<String>> = Mutex::new(None);
    let results: Mutex<Vec<RouteResult>> = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..threads() {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(route) = routes.get(i) else { break };
                if abort.lock().unwrap().is_some() {
                    break;
                }
                let result = run_route(route, &env, &abort);
                results.lock().unwrap().push(result);
            });
        }
    });
    cleanup(&env);
    if let Some(why) = abort.into_inner().unwrap() {
        panic!("fuzz aborted: {why}");
    }
    let mut results = results.into_inner().unwrap();
    results.sort_by_key(|a| a.route.name());

    // Summary: requests, time, statuses per route kind.
    let requests: u64 = results.iter().map(|r| r.stats.requests).sum();
    let cases: u64 = results.iter().map(|r| r.stats.cases).sum();
    let mut by_kind: BTreeMap<Kind, (usize, u64, BTreeMap<u16, u64>, Duration)> = BTreeMap::new();
    for r in &results {
        let e = by_kind.entry(r.route.kind).or_default();
        e.0 += 1;
        e.1 += r.stats.cases;
        for (s, n) in &r.stats.statuses {
            *e.2.entry(*s).or_default() += n;
        }
        e.3 += r.elapsed;
    }
    eprintln!(
        "fuzz: {} routes, {cases} cases, {requests} requests in {:.1} s ({} threads, seed {SEED:#x})",
        results.len(),
        started.elapsed().as_secs_f64(),
        threads()
    );
    for (kind, (n, c, statuses, busy)) in &by_kind {
        eprintln!(
            "  {kind:?}: {n} routes, {c} cases, {:.1} s; statuses {statuses:?}",
            busy.as_secs_f64()
        );
    }

    // Failures: one entry per class (routes grouped), with the smallest minimal example.
    let mut classes: BTreeMap<String, (u64, Vec<String>, String, bool)> = BTreeMap::new();
    let mut others: BTreeMap<String, BTreeMap<Kind, String>> = BTreeMap::new();
    for r in &results {
        for (class, hit) in &r.classes {
            let e = classes
                .entry(class.clone())
                .or_insert((0, vec![], String::new(), false));
            e.0 += hit.count;
            e.1.push(r.route.name());
            if hit.minimal {
                let o = others
                    .entry(class.clone())
                    .or_default()
                    .entry(r.route.kind)
                    .or_default();
                if o.is_empty() || hit.example.len() < o.len() {
                    *o = hit.example.clone();
                }
            }
            let better = e.2.is_empty()
                || (hit.minimal && !e.3)
                || (hit.minimal == e.3 && hit.example.len() < e.2.len());
            if better {
                e.2 = hit.example.clone();
                e.3 = hit.minimal;
            }
        }
    }
    if classes.is_empty() {
        return;
    }
    let mut report = format!("fuzz found {} classes of failure:\n", classes.len());
    for (class, (count, routes, example, minimal)) in &classes {
        let shown: Vec<&String> = routes.iter().take(6).collect();
        report.push_str(&format!(
            "\n● {class}\n  {count} answers on {} route(s): {}{}\n  {} example:\n{example}",
            routes.len(),
            shown
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            if routes.len() > shown.len() {
                ", …"
            } else {
                ""
            },
            if *minimal { "minimal" } else { "first" },
        ));
        // The smallest minimal example of each other route kind: its request and status lines.
        for other in others
            .get(class)
            .into_iter()
            .flat_map(|o| o.values())
            .filter(|o| *o != example)
        {
            let lines: Vec<&str> = other.lines().map(str::trim).collect();
            let status = lines
                .iter()
                .find(|l| l.starts_with('→'))
                .copied()
                .unwrap_or("");
            let body = lines
                .iter()
                .find_map(|l| l.strip_prefix("body: "))
                .map(|b| format!(" {}", clip(b, 160)))
                .unwrap_or_default();
            report.push_str(&format!(
                "  also: {}{body} {status}\n",
                lines.first().unwrap_or(&"")
            ));
        }
    }
    panic!("{report}");
}
