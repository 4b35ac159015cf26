//! A bounded, deterministic fuzz of every route of the Worker's OpenAPI document, end to end
//! against the running Worker (`ROWGATE_WORKER_URL`, default http://127.0.0.1:8787).
//!
//! What it covers:
//! - The routes come from `GET /openapi.json` at start: every (path, method) of the document,
//!   path templates (`{schema}`) expanded from their enums and the document's concrete paths.
//!   Today that is `/health`, `/openapi.json`, `GET/POST/PATCH/DELETE /v1/{schema}/{table}` and
//!   `POST /v1/{schema}/{table}/validate` for every table, `/webhooks/dyniq/scoreapp`,
//!   `/webhooks/{schema}/ingest` for every schema, yachtparty's Twilio webhooks
//!   `POST /webhooks/yachtparty/twilio/sms` and `POST /webhooks/yachtparty/twilio/status`,
//!   Companion's Telegram bot webhook `POST /webhooks/companion/telegram` and Companion's
//!   operations for a signed-in user `POST /v1/companion/profile`,
//!   `POST /v1/companion/onboarding/complete` and `POST`/`DELETE /v1/companion/telegram/link`.
//!   Every concrete path also gets the methods it does not declare (PROPFIND, MKCOL, QUERY, PUT
//!   and the undeclared ones of GET, POST, PATCH, DELETE), sent with a tiny raw HTTP/1.1 client
//!   (every request goes through it), and a set of unknown paths.
//! - Generators are built from the document's schemas: records that are valid most of the time,
//!   with mutated fields (wrong types, huge and multi-byte strings, U+202E, control characters
//!   and NUL, empty strings, arrays where scalars belong, numbers out of range or beyond f64,
//!   unknown and read-only fields), bulk arrays with duplicate keys, empty arrays, malformed and
//!   odd JSON; query strings of real columns with random operators and values (`eq`, `cs`, `cd`,
//!   `fts(config)`, `like`, `in.(…)`, `is.`, `not.`) and random `select`, `order`, `limit`,
//!   `offset`, `count`, `on_conflict`; bogus `Content-Type`s; missing, garbage, expired,
//!   badly signed, oversized (8–64 KB) and lower/upper-case-scheme `Authorization`s around a
//!   majority of valid tokens (service role for `dyniq`, a fresh user for `walker_os`);
//!   signed, badly signed, stale and tampered ingest deliveries (a schema the local stack
//!   configures no ingest secret for, `companion`, gets only deliveries it must refuse);
//!   ScoreApp bodies of random shapes with the right, wrong or missing secret; replayed
//!   deliveries. Twilio deliveries are forms signed like Twilio signs them
//!   (`X-Twilio-Signature` over the URL and the parameters the body decodes to, so odd
//!   encodings stay correctly signed): inbound SMS with fresh or malformed `MessageSid`s, E.164
//!   and other `From`s, unicode, control characters and NUL, empty, missing and overlong (1601
//!   characters, 1.1 MB) values, `NumMedia`, `MediaUrl{N}` and `MediaContentType{N}` right and
//!   wrong, Twilio's other parameters and odd names, repeated names, encodings (`+` or `%20`,
//!   lower-case hex, every byte encoded, raw bytes, a bare `+`) and junk pairs (`&&`, `=x`,
//!   `%ZZ`); status callbacks with every `MessageStatus` and unknown ones, `ErrorCode`s,
//!   and a `message_id` of the run's outbound message (in any UUID form), of its inbound one,
//!   of no message, not a UUID, repeated or missing; each also badly signed (a parameter
//!   changed after signing, the wrong token, another URL or query, no, blank or garbage
//!   header, another `AccountSid`, Webhook Rules' settings header) or sent as another type.
//!   Telegram deliveries are Bot API updates with the right secret header (also padded with
//!   spaces) or a wrong, missing, blank, huge, repeated or misplaced one: private texts from a
//!   stranger or from the run's linked Telegram account (unicode, control characters and NUL,
//!   4096/4097 characters, over the 1 MiB limit), commands (`/start` with 0–100 character,
//!   unicode or token-shaped payloads, `@Bot` suffixes, upper case, extra spaces, `/help`,
//!   `/settings`, `/pause`, `/resume`, unknown ones and things that only look like commands),
//!   edited messages, callbacks, channel posts, unknown kinds, group chats, bots, senders who
//!   are not the chat, photos, `my_chat_member` kicked or back; update_ids fresh, negative, zero,
//!   at the i64 limits, beyond them, as strings, floats, null or missing; message_ids beyond 32
//!   bits; `message` not an object, missing or mistyped fields, unknown fields and nested junk
//!   at every level, malformed and odd JSON, other content types; and repeated update_ids (the
//!   same delivery again, or another update with the same id). Companion's operations get user
//!   tokens (with or without a profile, or of a user that does not exist), service-role and
//!   anon tokens, none, bad and oversized ones.
//! - Properties checked on every answer: never 5xx (a 503 while `/health` is down aborts the
//!   run at once: the stack is down); every 4xx is `application/problem+json` with `type`,
//!   `title`, `status` (= the HTTP status) and `detail`; no database text in any body
//!   ("violates", `constraint "`, `relation "`, "PGRST", "syntax error", …); an answer within
//!   10 s. Per route: a declared path never answers 404 and a declared method never 405; an
//!   undeclared method is 405 with `Allow`; valid credentials are never 401 (whatever the case of
//!   `Bearer`); bad credentials never 2xx; malformed JSON with valid credentials is 400 and an
//!   empty array is 422; no email with invisible characters is accepted; a ScoreApp email that
//!   is not a string is refused; a replayed ScoreApp or ingest delivery is a duplicate; a 409
//!   names columns of the table; a user never sees another user's `walker_os` rows. Twilio:
//!   each delivery's status is predicted from what the Worker receives (401 badly signed, 415
//!   not a form, 413 over the limit, 422 naming exactly the bad parameters, 404 no such message,
//!   a 4xx (a 422 naming `MessageSid`) for a callback contradicting its message, else 200 with
//!   TwiML or 204); an accepted SMS writes one `user.message.received` event
//!   with its `Body` verbatim, and a refused one (badly signed, invalid, not a form) writes no
//!   message and no event with its `MessageSid`. Telegram: each delivery's status is predicted
//!   (401 without the secret, 415 not JSON, 413 over the limit, 400 not an update with an
//!   integer `update_id`, else exactly 200: never another 4xx or a 5xx); a 200 carries a
//!   `sendMessage` reply (JSON, `method` sendMessage, the chat's `chat_id`, a text) for a command
//!   and a stranger's text, and is empty for every other kind and for a repeat; an answered
//!   update_id has exactly one `rowgate.webhook_deliveries` row and a refused one none; a linked
//!   account's text is stored once in `companion.messages`, trimmed; a repeated update_id is an
//!   empty 200 that writes no second row and no second message. Companion's operations: 401
//!   without a valid token, 403 or 404 for a service-role or anon token, for a user 200 (the
//!   profile, their own), 201 (a `https://t.me/<bot>?start=<token>` link), 200 (a completed
//!   onboarding), 204, or 404 when there is no profile or onboarding; a 4xx for a user who does
//!   not exist.
//!
//! Deterministic: one proptest runner per route, seeded with `SEED` (0x726f_7767_6174_6508)
//! mixed with the route's name (`RngSeed::Fixed`), no failure persistence, so every run sends
//! the same cases; only the unique values (emails, ids, users, tokens) are fresh each run.
//! Service-role PATCH and DELETE always carry `created_at=gte.<start of the run>`, so the fuzz
//! never touches older rows; the two users it creates (and their rows, by cascade), the leads
//! whose email holds `fuzz`, the `bm-fuzz-…` board meetings and the yachtparty users of the
//! fuzz's phone numbers (`+99955…`, with their conversations and messages; events are
//! append-only and stay) are deleted at the end, and so is the user whose Telegram account the
//! run links (with its Companion rows; delivery keys stay, as every webhook's do).
//!
//! A failure is shrunk (at most 48 steps) to a minimal request per route and class (at most 6
//! classes shrunk per route, the rest counted); all classes of all routes are collected and
//! printed together (class, count, routes, minimal request and answer, and the smallest
//! minimal example of each other kind of route), then the test fails.
//!
//! Size and time: `base_cases` below gives the cases per route (300 per read and insert, 200
//! per update and validate, 150 per delete, 400 per ScoreApp and ingest webhook, 200 Twilio
//! SMS and 150 status callbacks, 300 Telegram updates, 60 per Companion operation, 24
//! undeclared methods per path, 100 unknown paths): with 40 tables, about 51,300 cases and
//! 52,100 requests (replays and shrinking included) for 308 routes, in about 180 s with 4
//! threads against wrangler dev (the two Twilio routes take about 8 s of it, the Telegram
//! webhook about 15 s and the Companion operations 6 s, run alongside the others); a Worker
//! failing many classes takes longer, since every new class is shrunk.
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
        Kind::TwilioSms => 200,
        Kind::TwilioStatus => 150,
        Kind::Telegram => 300,
        Kind::UserOp => 60,
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
    TwilioSms,
    TwilioStatus,
    /// `POST /webhooks/companion/telegram`.
    Telegram,
    /// Companion's operations for a signed-in user (no body).
    UserOp,
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
        // A table is a `/v1/{schema}/{table}` with a Row schema (`/v1/companion/profile` is an
        // operation).
        if segs.len() == 3
            && segs[0] == "v1"
            && schemas[format!("{}.{}.Row", segs[1], segs[2])].is_object()
        {
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
                    (["webhooks", "yachtparty", "twilio", "sms"], "POST") => Kind::TwilioSms,
                    (["webhooks", "yachtparty", "twilio", "status"], "POST") => Kind::TwilioStatus,
                    (["webhooks", "companion", "telegram"], "POST") => Kind::Telegram,
                    (["v1", "companion", "profile"], "POST")
                    | (["v1", "companion", "onboarding", "complete"], "POST")
                    | (["v1", "companion", "telegram", "link"], "POST" | "DELETE") => Kind::UserOp,
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
    /// A user token of no user: the id is in no `auth.users` row.
    Ghost,
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

/// A Twilio delivery after signing: what is changed after, or signed otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tamper {
    /// A parameter added to the body.
    Added,
    /// The first parameter's value changed.
    Changed,
    /// The last parameter removed.
    Dropped,
}

/// Signed over a URL other than the one called.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OtherUrl {
    Https,
    /// `localhost` for `127.0.0.1` (or the reverse).
    Host,
    /// The other Twilio webhook's path.
    Path,
    /// Without the query, or with a query when there is none.
    Query,
    TrailingSlash,
    UpperCasePath,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TwSign {
    Valid,
    /// Signed over the URL without its port, as Twilio sometimes signs: valid too.
    NoPort,
    Tampered(Tamper),
    WrongToken,
    OtherUrl(OtherUrl),
    /// No `X-Twilio-Signature`.
    Missing,
    /// This `X-Twilio-Signature`.
    Garbage(&'static str),
    /// The right signature with its first character changed.
    Flipped,
    /// Correctly signed, with this `AccountSid` (none when `None`) instead of the local one.
    OtherAccount(Option<&'static str>),
    /// A valid signature alongside `X-Twilio-Webhooks-Signature-Settings` (Webhook Rules'
    /// HMAC-SHA256, which rowgate refuses).
    Settings,
}

/// The `X-Telegram-Bot-Api-Secret-Token` of a Telegram delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TgSecret {
    Valid,
    /// The secret with these spaces before and after (HTTP trims them; so does the Worker).
    Padded(&'static str, &'static str),
    Missing,
    /// This header value, blank.
    Blank(&'static str),
    /// This header value instead of the secret (`@` stands for the secret).
    Wrong(&'static str),
    /// `n` bytes.
    Huge(usize),
    /// The header twice, both right: the runtime joins them (`s, s`).
    Twice,
    /// The secret in another header: `x-webhook-secret` or `Authorization: Bearer`.
    Elsewhere(&'static str),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Auth {
    None,
    Token(Role, Scheme),
    Bad(BadToken),
    Oversized { signed: bool, n: usize },
    Secret(Secret),
    Sign(Sign),
    Twilio(TwSign),
    Telegram(TgSecret),
}

impl Auth {
    /// Credentials that must get past authentication.
    fn valid(self) -> bool {
        matches!(
            self,
            Auth::Token(..)
                | Auth::Secret(Secret::Header | Secret::Bearer(_) | Secret::Query)
                | Auth::Sign(Sign::Valid)
                | Auth::Twilio(TwSign::Valid | TwSign::NoPort)
                | Auth::Telegram(TgSecret::Valid | TgSecret::Padded(..))
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
            || matches!(self, Auth::Twilio(s) if !matches!(s, TwSign::Valid | TwSign::NoPort))
            || matches!(self, Auth::Telegram(s) if !Auth::Telegram(s).valid())
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
    /// A Twilio form (`Case::form`).
    Form,
}

/// How a Twilio form's names and values are percent-encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Enc {
    /// As Twilio sends them: a space as `+`, upper-case hex.
    Plus,
    /// A space as `%20`.
    Pct20,
    /// Lower-case hex.
    Lower,
    /// Every byte percent-encoded, letters and digits too.
    All,
    /// Only `&`, `=`, `+` and `%` encoded: spaces, controls and UTF-8 raw.
    Raw,
    /// Like `Raw`, but a `+` left bare too (it decodes to a space).
    BarePlus,
}

/// A Twilio delivery's form, signed when the request is built.
#[derive(Clone, Debug)]
struct Form {
    /// Names and values, `@@…@@` expanded when built.
    params: Vec<(String, String)>,
    enc: Enc,
    /// Raw segments appended to the body (`&&`, `=x`, `%ZZ=%`), signed as they decode.
    junk: Vec<&'static str>,
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
    /// With `replay`: the second request has this body instead (its unique values the first's).
    again: Option<String>,
    /// A Twilio delivery: the body is this form, and `query` goes out as `Form::enc` says.
    form: Option<Form>,
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
        again: None,
        form: None,
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
            again: None,
            form: None,
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
            again: None,
            form: None,
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
            again: None,
            form: None,
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

/// A secret no schema is configured with.
const WRONG_INGEST_SECRET: &str = "whsec_d3JvbmctZnV6ei1zZWNyZXQtd3JvbmctZnV6ei1zZWNyZXQ=";

/// The local stack's ingest secret of `schema`; `None` for a schema it configures none for
/// (`companion`), which takes no signed delivery.
fn local_ingest_secret(schema: &str) -> Option<&'static str> {
    matches!(schema, "dyniq" | "walker_os" | "yachtparty").then(|| ingest_secret(schema))
}

fn s_ingest(route: &Route) -> S<Case> {
    let path = route.path.clone();
    // A schema without a local secret gets only deliveries it must refuse.
    let signed = route
        .tables
        .first()
        .is_none_or(|t| local_ingest_secret(&t.schema).is_some());
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
    let mut signs = Vec::new();
    if signed {
        signs.push((16, just(Sign::Valid)));
    }
    signs.extend([
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
    let sign = weighted(signs);
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
            again: None,
            form: None,
        })
        .boxed()
}

// ---------------------------------------------------------------------------------------------
// Twilio's webhooks (yachtparty)
// ---------------------------------------------------------------------------------------------

const SMS_PATH: &str = "/webhooks/yachtparty/twilio/sms";
const STATUS_PATH: &str = "/webhooks/yachtparty/twilio/status";
/// The yachtparty users of the fuzz: phone numbers with this prefix, deleted at the end.
const FUZZ_PHONE_PREFIX: &str = "+99955";
const FORM: &str = "application/x-www-form-urlencoded";

/// Media URLs the Worker takes (http or https, a host, printable ASCII) and ones it refuses.
const GOOD_MEDIA: &[&str] = &[
    "https://api.twilio.com/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Messages/MM0123456789abcdef0123456789abcdef/Media/ME0123456789abcdef0123456789abcdef",
    "http://media.example.com/a.jpg",
    "HTTPS://media.example.com/b.png?size=1&x=%20+y",
];
const BAD_MEDIA: &[&str] = &[
    "ftp://media.example.com/0",
    "media.example.com/a.jpg",
    "javascript:alert(1)",
    "https://",
    "http:/x",
    "//media.example.com/x",
    "https://media.example.com/a b",
    "https://例え.jp/a.jpg",
    "https://media.example.com/\u{202e}gpj.exe",
    "https://media.example.com/a\u{0}b",
];
const CONTENT_TYPES: &[&str] = &["image/jpeg", "image/png", "video/mp4", "text/vcard"];

/// Message SIDs that are not Twilio's (`^(SM|MM)[0-9a-fA-F]{32}$`).
const BAD_SIDS: &[&str] = &[
    "",
    "SM",
    "null",
    "sm0123456789abcdef0123456789abcdef",
    "SM0123456789abcdef0123456789abcde",
    "SM0123456789abcdef0123456789abcdef0",
    "SM0123456789abcdef0123456789abcdeg",
    "CA0123456789abcdef0123456789abcdef",
    " SM0123456789abcdef0123456789abcdef",
    "SM0123456789abcdef0123456789abcdef\n",
    "ＳＭ0123456789abcdef0123456789abcdef",
    "SM0123456789abcdef0123456789abc\u{0}ef",
];

/// Senders that are not E.164.
const BAD_FROM: &[&str] = &[
    "",
    "+",
    "12345",
    "+0123456789",
    "+141555",
    "+1234567890123456",
    "14155552671",
    " +14155552671",
    "++14155552671",
    "+1 415 555 2671",
    "whatsapp:+14155552671",
    "Yachtparty",
    "+1415555267１",
    "+14155552671\u{0}",
    "+1415555\u{202e}2671",
];

const BAD_NUM_MEDIA: &[&str] = &[
    "11",
    "99999999999",
    "-1",
    "1.0",
    "one",
    "+1",
    " 1",
    "１",
    "0x1",
];

const UNKNOWN_STATUSES: &[&str] = &[
    "teleported",
    "Delivered",
    "DELIVERED",
    " delivered",
    "delivered ",
    "partially-delivered",
    "delivered\u{0}",
    "😀",
];
const ERROR_CODES: &[&str] = &["", "0", "30003", "30005", "30008", "21610", "9999999999"];
const BAD_ERROR_CODES: &[&str] = &[
    "30003x",
    "-1",
    "12345678901",
    "３０００３",
    " 30003",
    "3e4",
    "0x1",
    "30003\u{0}",
];
const BAD_MESSAGE_IDS: &[&str] = &[
    "",
    "42",
    "not-a-uuid",
    "0b3f6a9e-2a8c-4c7e-9a51-1f0e2d3c4b5",
    "0b3f6a9e-2a8c-4c7e-9a51-1f0e2d3c4b5a ",
    "@@YPMSG@@x",
    " @@YPMSG@@",
    "'; drop table yachtparty.messages; --",
    "\u{0}",
    "é",
];

/// Parameters Twilio sends that rowgate does not read, and names no client should send.
const TWILIO_EXTRA_NAMES: &[&str] = &[
    "ToCountry",
    "ToState",
    "FromCity",
    "FromZip",
    "SmsSid",
    "SmsMessageSid",
    "SmsStatus",
    "NumSegments",
    "ApiVersion",
    "MessagingServiceSid",
    "OptOutType",
    "ReferralNumMedia",
    "",
    " ",
    "body",
    "BODY",
    "Body ",
    " From",
    "messagesid",
    "AccountSid ",
    "From[]",
    "a b",
    "a+b",
    "a&b=c",
    "%",
    "%41",
    "é",
    "😀",
    "\u{202e}x",
    "x\u{0}",
    "__proto__",
    "MediaUrl",
    "MediaUrl-1",
    "MediaUrl99",
    "NumMedia ",
];
const TWILIO_EXTRA_VALUES: &[&str] = &[
    "SAN FRANCISCO",
    "SÃO PAULO",
    "2010-04-01",
    "received",
    "1",
    "MG0123456789abcdef0123456789abcdef",
    "+",
    "%",
    "&",
    "=",
    "a+b c",
    "%20",
    "100%",
    "@@HUGE:10000:x@@",
];

/// Raw segments of a form body: empty pairs, pairs without `=` or name, bad percent-encodings.
const FORM_JUNK: &[&str] = &[
    "", "&", "=", "=x", "x", "x=", "%ZZ=%", "k=%E2%82", "k=%FF%FE", "a=b=c", "k=%2", "%00=%00",
];

fn opt_select(items: &'static [&'static str]) -> S<Option<String>> {
    select(items).prop_map(|v| Some(v.to_string())).boxed()
}

fn s_tw_sign() -> S<TwSign> {
    weighted(vec![
        (16, just(TwSign::Valid)),
        (1, just(TwSign::NoPort)),
        (
            1,
            select(&[Tamper::Added, Tamper::Changed, Tamper::Dropped])
                .prop_map(TwSign::Tampered)
                .boxed(),
        ),
        (1, just(TwSign::WrongToken)),
        (
            1,
            select(&[
                OtherUrl::Https,
                OtherUrl::Host,
                OtherUrl::Path,
                OtherUrl::Query,
                OtherUrl::TrailingSlash,
                OtherUrl::UpperCasePath,
            ])
            .prop_map(TwSign::OtherUrl)
            .boxed(),
        ),
        (
            1,
            select(&[TwSign::Missing, TwSign::Flipped, TwSign::Settings]).boxed(),
        ),
        (
            1,
            select(&[
                "",
                " ",
                "abc",
                "!!!!",
                "AAAAAAAAAAAAAAAAAAAAAAAAAAA=",
                "null",
            ])
            .prop_map(TwSign::Garbage)
            .boxed(),
        ),
        (
            1,
            select(&[
                Some("AC00000000000000000000000000000000"),
                Some("AC0123456789ABCDEF0123456789ABCDEF"),
                Some("ac0123456789abcdef0123456789abcdef"),
                Some(" AC0123456789abcdef0123456789abcdef"),
                Some(""),
                None,
            ])
            .prop_map(TwSign::OtherAccount)
            .boxed(),
        ),
    ])
}

fn s_tw_content_type() -> S<Option<String>> {
    weighted(vec![
        (20, just(Some(FORM.to_string()))),
        (
            3,
            opt_select(&[
                "application/x-www-form-urlencoded; charset=utf-8",
                "APPLICATION/X-WWW-FORM-URLENCODED",
                "application/x-www-form-urlencoded;charset=UTF-8",
                "Application/X-Www-Form-Urlencoded ; charset=iso-8859-1",
            ]),
        ),
        (1, just(None)),
        (
            2,
            opt_select(&[
                "application/json",
                "text/plain",
                "multipart/form-data; boundary=x",
                "application/x-www-form-urlencodedx",
                "",
                "form",
                "text/xml",
                "application/x-www-form-urlencoded\u{0}",
            ]),
        ),
    ])
}

/// Text for a free-form value (`Body`, `To`, unknown parameters).
fn s_tw_text() -> S<String> {
    weighted(vec![
        (8, "[a-zA-Z0-9 ,.'!?+&=%-]{0,40}".boxed()),
        (2, select(NASTY).prop_map(String::from).boxed()),
        (1, "\\PC{0,24}".boxed()),
        (
            1,
            "[\\x00-\\x1f\\x7f\\u{202a}-\\u{202e}\\u{2066}-\\u{2069}a-z ]{1,12}".boxed(),
        ),
    ])
}

/// `Body`: mostly ordinary, sometimes at and over the limit (1600 characters, 1 MiB a body).
fn s_tw_body() -> S<Option<String>> {
    let max = rowgate_core::twilio::MAX_BODY_CHARS;
    weighted(vec![
        (12, s_tw_text().prop_map(Some).boxed()),
        (
            2,
            (
                select(&[max, max, max + 1, max + 1, 5_000, 1_100_000]),
                select(&['x', 'é', '😀', ' ', '+', '%', '\u{202e}']),
            )
                .prop_map(|(n, c)| Some(format!("@@HUGE:{n}:{c}@@")))
                .boxed(),
        ),
        (1, just(None)),
    ])
}

/// `NumMedia` and the `MediaUrl{N}`/`MediaContentType{N}` it announces.
fn s_tw_media() -> S<Pairs> {
    let max = rowgate_core::twilio::MAX_MEDIA;
    let num = weighted(vec![
        (8, just(None)),
        (2, opt_select(&["0", ""])),
        (6, (1..=3u32).prop_map(|n| Some(n.to_string())).boxed()),
        (1, just(Some(max.to_string()))),
        (2, opt_select(BAD_NUM_MEDIA)),
    ]);
    let url = weighted(vec![
        (12, opt_select(GOOD_MEDIA)),
        (1, opt_select(BAD_MEDIA)),
        (1, just(Some(String::new()))),
        (1, just(None)),
    ]);
    let content_type = weighted(vec![
        (8, opt_select(CONTENT_TYPES)),
        (1, select(NASTY).prop_map(|v| Some(v.to_string())).boxed()),
        (1, just(None)),
    ]);
    (
        num,
        prop::collection::vec((url, content_type), max as usize),
    )
        .prop_map(|(num, items)| {
            let mut out = Vec::new();
            // As many items as announced; one for a NumMedia that is not a number.
            let n = num
                .as_deref()
                .map_or(0, |n| n.parse::<usize>().map_or(1, |n| n.min(items.len())));
            if let Some(num) = num {
                out.push(("NumMedia".to_string(), num));
            }
            for (i, (url, ct)) in items.into_iter().take(n).enumerate() {
                if let Some(u) = url {
                    out.push((format!("MediaUrl{i}"), u));
                }
                if let Some(c) = ct {
                    out.push((format!("MediaContentType{i}"), c));
                }
            }
            out
        })
        .boxed()
}

/// Parameters the Worker does not read.
fn s_tw_extras() -> S<Pairs> {
    let value = weighted(vec![
        (
            3,
            select(TWILIO_EXTRA_VALUES).prop_map(String::from).boxed(),
        ),
        (1, s_tw_text()),
    ]);
    weighted(vec![
        (4, just(vec![])),
        (
            3,
            prop::collection::vec(
                (select(TWILIO_EXTRA_NAMES).prop_map(String::from), value),
                1..=4,
            )
            .boxed(),
        ),
    ])
}

fn pair(name: &str, value: Option<String>) -> Pairs {
    value
        .map(|v| vec![(name.to_string(), v)])
        .unwrap_or_default()
}

/// The parameters of an inbound SMS, but `AccountSid` (which the signing variant sets).
fn s_sms_fields() -> S<Pairs> {
    let sid = weighted(vec![
        (24, just(Some("@@SID:SM@@".to_string()))),
        (1, just(Some("@@SID:MM@@".to_string()))),
        (1, just(Some("@@SID:SMU@@".to_string()))),
        (2, opt_select(BAD_SIDS)),
        (1, just(None)),
    ]);
    let from = weighted(vec![
        (10, just(Some("@@PHONE:from@@".to_string()))),
        (
            10,
            (1u32..=12)
                .prop_map(|n| Some(format!("{FUZZ_PHONE_PREFIX}{n:07}")))
                .boxed(),
        ),
        (2, opt_select(BAD_FROM)),
        (1, just(None)),
    ]);
    let max_to = rowgate_core::twilio::MAX_TO_CHARS;
    let to = weighted(vec![
        (24, just(Some(TWILIO_FROM_NUMBER.to_string()))),
        (1, just(Some("12345".to_string()))),
        (1, s_tw_text().prop_map(Some).boxed()),
        (
            1,
            select(&[max_to, max_to + 1])
                .prop_map(|n| Some("1".repeat(n)))
                .boxed(),
        ),
        (1, opt_select(&["", "a\u{0}b"])),
        (1, just(None)),
    ]);
    (sid, from, to, s_tw_body(), s_tw_media())
        .prop_map(|(sid, from, to, body, media)| {
            let mut p = pair("MessageSid", sid);
            p.extend(pair("From", from));
            p.extend(pair("To", to));
            p.extend(pair("Body", body));
            p.extend(media);
            p
        })
        .boxed()
}

/// The parameters of a status callback, but `AccountSid`.
fn s_status_fields() -> S<Pairs> {
    let sid = weighted(vec![
        (10, just(Some("@@YPSID@@".to_string()))),
        (3, just(Some("@@SID:SM@@".to_string()))),
        (1, just(Some("@@YPINSID@@".to_string()))),
        (1, opt_select(BAD_SIDS)),
        (1, just(None)),
    ]);
    let status = weighted(vec![
        (
            12,
            select(rowgate_core::twilio::MessageStatus::ALL)
                .prop_map(|s| Some(s.to_string()))
                .boxed(),
        ),
        (2, opt_select(UNKNOWN_STATUSES)),
        (1, just(Some(String::new()))),
        (1, just(None)),
    ]);
    let error_code = weighted(vec![
        (8, just(None)),
        (2, opt_select(ERROR_CODES)),
        (1, opt_select(BAD_ERROR_CODES)),
    ]);
    let sms_status = prop::bool::weighted(0.5);
    (sid, status, error_code, sms_status)
        .prop_map(|(sid, status, error_code, sms_status)| {
            let mut p = pair("MessageSid", sid.clone());
            p.extend(pair("MessageStatus", status.clone()));
            p.extend(pair("ErrorCode", error_code));
            if sms_status {
                // Twilio's duplicates of the two, which rowgate does not read.
                p.extend(pair("SmsSid", sid));
                p.extend(pair("SmsStatus", status));
                p.push(("To".into(), "+14155550100".into()));
                p.push(("From".into(), TWILIO_FROM_NUMBER.into()));
            }
            p
        })
        .boxed()
}

/// The status callback's query: `message_id` of the run's outbound message (in several UUID
/// spellings), of its inbound message, of no message, not a UUID, repeated, or none.
fn s_status_query() -> S<Pairs> {
    fn id(v: &str) -> Pairs {
        vec![("message_id".to_string(), v.to_string())]
    }
    let ids = weighted(vec![
        (10, just(id("@@YPMSG@@"))),
        (
            2,
            select(&["@@YPMSGU@@", "@@YPMSGS@@", "@@YPMSGB@@", "@@YPMSGN@@"])
                .prop_map(id)
                .boxed(),
        ),
        (3, just(id("@@UUID:nomessage@@"))),
        (1, just(id("00000000-0000-0000-0000-000000000000"))),
        (1, just(id("@@YPIN@@"))),
        (2, select(BAD_MESSAGE_IDS).prop_map(id).boxed()),
        (3, just(vec![])),
        (
            1,
            select(&["@@YPMSG@@", "@@UUID:nomessage@@", "@@YPMSGU@@"])
                .prop_map(|other| {
                    let mut v = id("@@YPMSG@@");
                    v.extend(id(other));
                    v
                })
                .boxed(),
        ),
    ]);
    let extra: Vec<(String, String)> = [
        ("foo", "bar"),
        ("", ""),
        ("Message_Id", "x"),
        ("message_id[]", "1"),
        ("bodySHA256", "00"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    (
        ids,
        weighted(vec![
            (8, just(vec![])),
            (1, prop::collection::vec(select(&extra), 1..=2).boxed()),
        ]),
        any::<bool>(),
    )
        .prop_map(|(ids, extra, extra_first)| {
            if extra_first {
                extra.into_iter().chain(ids).collect()
            } else {
                ids.into_iter().chain(extra).collect()
            }
        })
        .boxed()
}

/// A Twilio delivery to `route`: `fields` and what Twilio adds, signed (or not) as `TwSign`.
fn s_twilio(route: &Route, fields: S<Pairs>, query: S<Pairs>) -> S<Case> {
    let path = route.path.clone();
    let shape = (
        weighted(vec![
            (8, just(Enc::Plus)),
            (
                3,
                select(&[Enc::Pct20, Enc::Lower, Enc::All, Enc::Raw, Enc::BarePlus]),
            ),
        ]),
        prop::bool::weighted(0.3),
        prop::option::weighted(
            0.12,
            (
                any::<prop::sample::Index>(),
                prop::option::weighted(0.5, select(NASTY)),
            ),
        ),
        weighted(vec![
            (10, just(vec![])),
            (1, prop::collection::vec(select(FORM_JUNK), 1..=3).boxed()),
        ]),
    );
    (
        s_tw_sign(),
        fields,
        s_tw_extras(),
        shape,
        query,
        s_tw_content_type(),
        s_extra_headers(),
        prop::bool::weighted(0.1),
    )
        .prop_map(
            move |(
                sign,
                fields,
                extras,
                (enc, reverse, repeat, junk),
                query,
                ct,
                headers,
                replay,
            )| {
                let mut params = fields;
                let account = match sign {
                    TwSign::OtherAccount(a) => a,
                    _ => Some(TWILIO_ACCOUNT_SID),
                };
                if let Some(a) = account {
                    // Where Twilio puts it: among the others.
                    params.insert(params.len().min(1), ("AccountSid".into(), a.into()));
                }
                params.extend(extras);
                if reverse {
                    params.reverse();
                }
                // A name repeated later: the same pair again, or another value (the first wins).
                if let Some((i, value)) = repeat {
                    if !params.is_empty() {
                        let (name, first) = params[i.index(params.len())].clone();
                        params.push((name, value.map(String::from).unwrap_or(first)));
                    }
                }
                Case {
                    method: "POST".into(),
                    path: path.clone(),
                    query,
                    auth: Auth::Twilio(sign),
                    content_type: ct,
                    headers,
                    body_kind: BodyKind::Form,
                    body: None,
                    replay,
                    again: None,
                    form: Some(Form { params, enc, junk }),
                }
            },
        )
        .boxed()
}

// ---------------------------------------------------------------------------------------------
// Companion: the Telegram bot's webhook and the signed-in user's operations
// ---------------------------------------------------------------------------------------------

const TELEGRAM_PATH: &str = "/webhooks/companion/telegram";
/// Fresh update_ids are this plus less than `FRESH_SPAN` (fresh negative ones the opposite): no
/// other test uses them, so their delivery rows and messages are the case's own.
const FRESH_UPDATE: i64 = 7_000_000_000_000;
/// Fresh Telegram user ids (strangers, and the run's linked account).
const FRESH_TELEGRAM_USER: i64 = 8_000_000_000_000;
const FRESH_SPAN: i64 = 1_000_000_000_000;
/// The user of `Role::Ghost`'s token: no `auth.users` row has this id.
const GHOST_USER: &str = "00000000-0000-4000-8000-00000000f022";

fn fresh_in(base: i64) -> i64 {
    base + (uuid::Uuid::new_v4().as_u128() % FRESH_SPAN as u128) as i64
}

fn is_fresh_update(id: i64) -> bool {
    id.checked_abs()
        .is_some_and(|a| (FRESH_UPDATE..FRESH_UPDATE + FRESH_SPAN).contains(&a))
}

/// `depth` arrays in one another, around a 1.
fn nested_value(depth: usize) -> Value {
    (0..depth).fold(json!(1), |v, _| json!([v]))
}

/// A message's text: ordinary text, commands with odd payloads, nasty and huge text.
fn s_tg_text() -> S<Value> {
    let payload = weighted(vec![
        (4, "[A-Za-z0-9_-]{0,100}".boxed()),
        (1, "\\PC{1,20}".boxed()),
        (
            1,
            select(&[
                "@@HUGE:43:A@@",
                "@@HUGE:64:a@@",
                "@@HUGE:65:a@@",
                "not a token",
                "tök_én",
                "a\u{0}b",
                "a\u{202e}b",
                "😀",
                "@@HUGE:5000:x@@",
            ])
            .prop_map(String::from)
            .boxed(),
        ),
    ]);
    let command = (
        select(&["", "", "", " ", "\n "]),
        weighted(vec![
            (
                8,
                select(&[
                    "start", "start", "start", "help", "settings", "pause", "resume", "x",
                ]),
            ),
            (
                2,
                select(&[
                    "START",
                    "Start",
                    "PAUSE",
                    "Resume",
                    "unknown_command",
                    "@@HUGE:32:a@@",
                    "@@HUGE:33:a@@",
                    "st-art",
                    "stárt",
                ]),
            ),
        ]),
        weighted(vec![
            (6, just("")),
            (
                2,
                select(&[
                    "@RowgateCompanionBot",
                    "@rowgatecompanionbot",
                    "@OtherBot",
                    "@",
                    "@bad-bot",
                ]),
            ),
        ]),
        select(&[" ", " ", "  ", "\t", "\n", " \u{a0} "]),
        prop::option::weighted(0.6, payload),
        select(&["", "", " ", "  \n"]),
    )
        .prop_map(|(lead, name, bot, sep, payload, tail)| {
            let payload = payload.unwrap_or_default();
            let sep = if payload.is_empty() { "" } else { sep };
            s(&format!("{lead}/{name}{bot}{sep}{payload}{tail}"))
        })
        .boxed();
    weighted(vec![
        (
            8,
            "[a-zA-Z0-9 ,.'!?-]{1,60}".prop_map(Value::String).boxed(),
        ),
        (8, command),
        (
            1,
            select(&[
                "/",
                "/ hi",
                "/etc/hosts is gone",
                "hello /start",
                "//start",
                "/start@",
                "/start-now",
            ])
            .prop_map(s)
            .boxed(),
        ),
        (2, select(NASTY).prop_map(s).boxed()),
        (
            1,
            select(&["\u{0}", "a\u{0}b", "hello\u{0}", "\u{0}/start"])
                .prop_map(s)
                .boxed(),
        ),
        (1, "\\PC{1,40}".prop_map(Value::String).boxed()),
        (
            1,
            "[\\x00-\\x1f\\u{202a}-\\u{202e}\\u{2066}-\\u{2069}a-z]{1,8}"
                .prop_map(Value::String)
                .boxed(),
        ),
        (
            2,
            select(&[
                "@@HUGE:4096:x@@",
                "@@HUGE:4097:x@@",
                "@@HUGE:4096:😀@@",
                "@@HUGE:4097:é@@",
                "  @@HUGE:4096:x@@ \n",
                "@@HUGE:1100000:x@@",
            ])
            .prop_map(s)
            .boxed(),
        ),
        (
            1,
            select(&[Value::Null, json!(42), json!(["hi"]), json!({"text": "hi"})]),
        ),
    ])
}

/// Fields Telegram may add (or a future Bot API), and junk.
fn s_tg_extra() -> S<Vec<(String, Value)>> {
    let pool: Vec<(String, Value)> = vec![
        ("some_field_a_future_bot_api_adds".into(), json!({"x": 1})),
        (
            "entities".into(),
            json!([{"type": "bot_command", "offset": 0, "length": 6}]),
        ),
        (
            "reply_to_message".into(),
            json!({"message_id": 1, "date": 1, "chat": {"id": 1, "type": "private"}, "text": "earlier"}),
        ),
        ("link_preview_options".into(), json!({"is_disabled": true})),
        ("junk".into(), nested_value(40)),
        (
            "junk".into(),
            json!({"a": {"b": {"c": [null, true, 1e300, "\u{0}"]}}}),
        ),
        ("update_id".into(), json!("shadow")),
        ("".into(), json!(null)),
        ("😀".into(), json!("😀")),
    ];
    weighted(vec![
        (6, just(vec![])),
        (1, prop::collection::vec(select(&pool), 1..=2).boxed()),
    ])
}

/// A `message` (or `edited_message`, `channel_post`): a private text from a fresh stranger
/// (`TGS`) or the run's linked account (`TGME`) most of the time.
fn s_tg_message(text: S<Value>) -> S<Value> {
    let who = weighted(vec![
        (10, just(s("@@NUM:TGS@@"))),
        (7, just(s("@@NUM:TGME@@"))),
        (
            1,
            select(&[json!(0), json!(-5551), json!(i64::MAX), json!(1111111)]),
        ),
    ]);
    let message_id = weighted(vec![
        (14, (1i64..100_000).prop_map(|n| json!(n)).boxed()),
        (
            2,
            select(&[
                json!(0),
                json!(-1),
                json!(2_147_483_647),
                json!(2_147_483_648i64),
                json!(i64::MAX),
                json!("5"),
                json!(1.5),
                Value::Null,
            ]),
        ),
    ]);
    let date = weighted(vec![
        (14, just(json!(1_764_770_000))),
        (
            1,
            select(&[
                json!(0),
                json!(-1),
                json!(i64::MAX),
                json!("yesterday"),
                Value::Null,
            ]),
        ),
    ]);
    let chat_type = weighted(vec![
        (14, just(Some(s("private")))),
        (1, just(None)),
        (
            2,
            select(&["group", "supergroup", "channel", "Private", ""])
                .prop_map(|t| Some(s(t)))
                .boxed(),
        ),
    ]);
    let is_bot = weighted(vec![
        (10, just(Some(json!(false)))),
        (2, just(None)),
        (1, select(&[Some(json!(true)), Some(json!("yes"))])),
    ]);
    let username = prop::option::weighted(
        0.6,
        weighted(vec![
            (6, just(s("ada"))),
            (1, select(NASTY).prop_map(s).boxed()),
        ]),
    );
    (
        who,
        prop::bool::weighted(0.05),
        message_id,
        date,
        chat_type,
        is_bot,
        username,
        text,
        prop::option::weighted(
            0.06,
            select(&[
                "chat",
                "from",
                "message_id",
                "date",
                "text",
                "chat.id",
                "from.id",
            ]),
        ),
        s_tg_extra(),
    )
        .prop_map(
            |(
                who,
                other_chat,
                message_id,
                date,
                chat_type,
                is_bot,
                username,
                text,
                drop,
                extras,
            )| {
                let mut from = Map::new();
                from.insert("id".into(), who.clone());
                if let Some(b) = is_bot {
                    from.insert("is_bot".into(), b);
                }
                from.insert("first_name".into(), s("Ada"));
                if let Some(u) = username {
                    from.insert("username".into(), u);
                }
                from.insert("language_code".into(), s("en"));
                let mut chat = Map::new();
                let chat_id = if other_chat { s("@@NUM:TGO@@") } else { who };
                chat.insert("id".into(), chat_id);
                if let Some(t) = chat_type {
                    chat.insert("type".into(), t);
                }
                chat.insert("first_name".into(), s("Ada"));
                let mut m = Map::new();
                m.insert("message_id".into(), message_id);
                m.insert("from".into(), Value::Object(from));
                m.insert("chat".into(), Value::Object(chat));
                m.insert("date".into(), date);
                m.insert("text".into(), text);
                for (k, v) in extras {
                    m.insert(k, v);
                }
                match drop {
                    Some("chat.id") => {
                        m["chat"].as_object_mut().map(|c| c.remove("id"));
                    }
                    Some("from.id") => {
                        m["from"].as_object_mut().map(|f| f.remove("id"));
                    }
                    Some(k) => {
                        m.remove(k);
                    }
                    None => {}
                }
                Value::Object(m)
            },
        )
        .boxed()
}

/// What an update is about: its key and value.
fn s_tg_payload() -> S<(String, Value)> {
    let member = (
        weighted(vec![
            (3, just(s("@@NUM:TGME@@"))),
            (2, just(s("@@NUM:TGS@@"))),
        ]),
        select(&["member", "kicked", "left"]),
        select(&["kicked", "kicked", "member", "left", "restricted"]),
        select(&[Some("private"), Some("group"), None]),
    )
        .prop_map(|(who, old, new, chat_type)| {
            let mut chat = json!({"id": who, "first_name": "Ada"});
            if let Some(t) = chat_type {
                chat["type"] = s(t);
            }
            let bot = json!({"id": 123456789, "is_bot": true, "first_name": "Bot"});
            let change = json!({"chat": chat, "from": {"id": who, "is_bot": false, "first_name": "Ada"},
                "date": 1_764_770_000,
                "old_chat_member": {"user": bot, "status": old},
                "new_chat_member": {"user": bot, "status": new, "until_date": 0}});
            ("my_chat_member".to_string(), change)
        })
        .boxed();
    let photo = s_tg_message(just(Value::Null))
        .prop_map(|mut m| {
            if let Some(o) = m.as_object_mut() {
                o.remove("text");
                o.insert(
                    "photo".into(),
                    json!([{"file_id": "x", "file_unique_id": "y", "width": 1, "height": 1}]),
                );
                o.insert("caption".into(), s("/start look"));
            }
            ("message".to_string(), m)
        })
        .boxed();
    weighted(vec![
        (
            20,
            s_tg_message(s_tg_text())
                .prop_map(|m| ("message".to_string(), m))
                .boxed(),
        ),
        (
            2,
            (
                select(&["edited_message", "channel_post", "edited_channel_post"]),
                s_tg_message(s_tg_text()),
            )
                .prop_map(|(k, m)| (k.to_string(), m))
                .boxed(),
        ),
        (
            1,
            just((
                "callback_query".to_string(),
                json!({"id": "1", "from": {"id": "@@NUM:TGME@@", "is_bot": false, "first_name": "Ada"},
                       "chat_instance": "1", "data": "x"}),
            )),
        ),
        (
            1,
            select(&[
                (
                    "message_reaction_count_v99".to_string(),
                    json!({"anything": true}),
                ),
                ("business_message".to_string(), json!({"text": "/start"})),
                ("poll".to_string(), json!([])),
            ]),
        ),
        (
            1,
            select(&[
                s("hi"),
                json!([]),
                Value::Null,
                json!(42),
                json!(true),
                json!({}),
            ])
            .prop_map(|m| ("message".to_string(), m))
            .boxed(),
        ),
        (1, photo),
        (3, member),
    ])
}

/// A Bot API update: its `update_id` fresh (`TGU`, `TGN` negative) most of the time.
fn s_tg_update() -> S<Value> {
    let update_id = weighted(vec![
        (16, just(Some(s("@@NUM:TGU@@")))),
        (1, just(Some(s("@@NUM:TGN@@")))),
        (
            1,
            select(&[json!(0), json!(1), json!(i64::MAX), json!(i64::MIN)])
                .prop_map(Some)
                .boxed(),
        ),
        (
            2,
            select(&[
                Some(s("@@TGU@@")),
                Some(s("@@NUM:TGU.F@@")),
                Some(s("@@NUM:TGU.E@@")),
                Some(Value::Null),
                Some(s("@@RAW:18446744073709551616@@")),
                Some(s("@@RAW:1e400@@")),
                Some(json!([1])),
                Some(json!({"id": 1})),
                None,
            ]),
        ),
    ]);
    (update_id, s_tg_payload(), s_tg_extra())
        .prop_map(|(id, (key, value), extras)| {
            let mut u = Map::new();
            if let Some(id) = id {
                u.insert("update_id".into(), id);
            }
            u.insert(key, value);
            for (k, v) in extras {
                // Junk beside the update, never instead of its id.
                if k != "update_id" {
                    u.insert(k, v);
                }
            }
            Value::Object(u)
        })
        .boxed()
}

fn s_telegram() -> S<Case> {
    let body = weighted(vec![
        (
            24,
            (
                s_tg_update(),
                prop::bool::weighted(0.15),
                prop::option::weighted(0.5, s_tg_update()),
            )
                .prop_map(|(update, replay, again)| {
                    // Again: another update with the same update_id.
                    let again = again.filter(|_| replay).map(|mut a| {
                        match update.get("update_id") {
                            Some(id) => a["update_id"] = id.clone(),
                            None => {
                                a.as_object_mut().map(|o| o.remove("update_id"));
                            }
                        }
                        a.to_string()
                    });
                    (BodyKind::Record, update.to_string(), replay, again)
                })
                .boxed(),
        ),
        (
            1,
            select(MALFORMED)
                .prop_map(|m| (BodyKind::Malformed, m.to_string(), false, None))
                .boxed(),
        ),
        (
            1,
            select(ODD)
                .prop_map(|m| (BodyKind::Odd, m.to_string(), false, None))
                .boxed(),
        ),
        (
            2,
            select(&[
                format!(
                    "{{\"update_id\": @@TGU@@, \"message\": {}}}",
                    nested(200, false)
                ),
                format!(
                    "{{\"update_id\": @@TGU@@, \"junk\": {}}}",
                    nested(100, true)
                ),
                "{\"update_id\": @@TGU@@, \"update_id\": \"x\"}".to_string(),
                "{\"update_id\": @@TGU@@}".to_string(),
                "{\"update_id\": @@TGU@@} trailing".to_string(),
                "[{\"update_id\": @@TGU@@}]".to_string(),
                // Over the body limit.
                json!({"update_id": "@@NUM:TGU@@", "message": {"message_id": 1, "date": 1,
                    "chat": {"id": "@@NUM:TGS@@", "type": "private"}, "from": {"id": "@@NUM:TGS@@"},
                    "text": "@@HUGE:1100000:x@@"}})
                .to_string(),
            ])
            .prop_map(|b| (BodyKind::Odd, b, false, None))
            .boxed(),
        ),
    ]);
    let secret = weighted(vec![
        (24, just(TgSecret::Valid)),
        (
            1,
            select(&[
                TgSecret::Padded(" ", ""),
                TgSecret::Padded("", "  "),
                TgSecret::Padded("   ", "   "),
            ]),
        ),
        (1, just(TgSecret::Missing)),
        (1, select(&[TgSecret::Blank(""), TgSecret::Blank("   ")])),
        (
            2,
            select(&[
                TgSecret::Wrong("wrong"),
                TgSecret::Wrong("{}x"),
                TgSecret::Wrong("x{}"),
                TgSecret::Wrong("{} {}"),
                TgSecret::Wrong("{}\u{0}"),
                TgSecret::Wrong("Bearer {}"),
                TgSecret::Wrong("ROWGATE-LOCAL-TELEGRAM-WEBHOOK-SECRET"),
                TgSecret::Wrong("rowgate-local-telegram-webhook-secreT"),
                TgSecret::Wrong("rowgate-local-telegram-webhook-secre"),
                TgSecret::Wrong("local-scoreapp-secret"),
            ]),
        ),
        (
            1,
            select(&[
                TgSecret::Huge(8_000),
                TgSecret::Huge(64_000),
                TgSecret::Twice,
                TgSecret::Elsewhere("x-webhook-secret"),
                TgSecret::Elsewhere("authorization"),
            ]),
        ),
    ]);
    let ct = weighted(vec![
        (12, just(Some("application/json".to_string()))),
        (2, s_content_type()),
    ]);
    (secret, ct, s_extra_headers(), body, s_junk_params())
        .prop_map(
            |(secret, ct, headers, (kind, body, replay, again), query)| Case {
                method: "POST".into(),
                path: TELEGRAM_PATH.into(),
                query,
                auth: Auth::Telegram(secret),
                content_type: ct,
                headers,
                body_kind: kind,
                body: Some(body),
                replay,
                again,
                form: None,
            },
        )
        .boxed()
}

/// Companion's operations: no body, mostly a user's token (`Me` has a profile and an
/// onboarding under way, `Other` starts without either), then every other kind.
fn s_user_op(route: &Route) -> S<Case> {
    let (method, path) = (route.method.clone(), route.path.clone());
    let auth = weighted(vec![
        (
            10,
            s_scheme().prop_map(|sc| Auth::Token(Role::Me, sc)).boxed(),
        ),
        (3, just(Auth::Token(Role::Other, Scheme::Bearer))),
        (
            2,
            select(&[
                Auth::Token(Role::Service, Scheme::Bearer),
                Auth::Token(Role::Anon, Scheme::Bearer),
            ]),
        ),
        (1, just(Auth::Token(Role::Ghost, Scheme::Bearer))),
        (1, just(Auth::None)),
        (2, select(BAD_TOKENS).prop_map(Auth::Bad).boxed()),
        (
            1,
            (any::<bool>(), select(&[8_000usize, 40_000]))
                .prop_map(|(signed, n)| Auth::Oversized { signed, n })
                .boxed(),
        ),
    ]);
    let body = weighted(vec![
        (8, just(None)),
        (
            1,
            select(&[
                (BodyKind::Odd, "{}".to_string()),
                (BodyKind::Malformed, "{".to_string()),
                (BodyKind::Odd, "{\"id\": \"@@OTHER@@\"}".to_string()),
            ])
            .prop_map(Some)
            .boxed(),
        ),
    ]);
    (auth, body, s_junk_params(), s_extra_headers())
        .prop_map(move |(auth, body, query, headers)| {
            let (kind, body) = body.map_or((BodyKind::None, None), |(k, b)| (k, Some(b)));
            let mut case = json_case(method.clone(), path.clone(), query, auth, body, kind);
            case.headers = headers;
            case
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
        Kind::TwilioSms => s_twilio(route, s_sms_fields(), just(vec![])),
        Kind::TwilioStatus => s_twilio(route, s_status_fields(), s_status_query()),
        Kind::Telegram => s_telegram(),
        Kind::UserOp => s_user_op(route),
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

/// What the run shares: two users and their tokens, the run's start, the Worker's address, the
/// yachtparty messages the status callbacks name and a database connection for the oracles.
struct Env {
    addr: String,
    me: String,
    other: String,
    me_token: String,
    other_token: String,
    start: String,
    /// The URL Twilio signs deliveries over, but the path (`TWILIO_WEBHOOK_BASE_URL`, which the
    /// local stack sets to the Worker's own address).
    base: String,
    yp: YpMessages,
    tg: TgAccount,
    db: Mutex<postgres::Client>,
}

/// The run's Telegram account, linked through the bot to a user of its own (whose texts the
/// webhook stores). The user's Companion row is backdated an hour, out of reach of the record
/// API's service-role writes (`created_at=gte.<start>`), and no token of it is fuzzed.
struct TgAccount {
    user: String,
    telegram_id: i64,
}

impl TgAccount {
    /// Also gives `me` a profile and an onboarding under way, so that the operations' happy
    /// paths run.
    fn create(me_token: &str) -> TgAccount {
        let base = worker_url();
        let post = |path: &str, auth: &str, body: Option<&str>| {
            let mut headers = vec![("authorization", auth)];
            if body.is_some() {
                headers.push(("content-type", "application/json"));
            }
            let a = call("POST", &format!("{base}{path}"), &headers, body);
            assert!((200..300).contains(&a.status), "POST {path}: {a:?}");
            a
        };
        let me = bearer(me_token);
        post("/v1/companion/profile", &me, None);
        post(
            "/v1/companion/onboarding",
            &me,
            Some(r#"{"current_step": "goals", "data": {"goal": "sleep better"}}"#),
        );
        let user = new_user();
        let auth = bearer(&hs256(&user_claims(&user)));
        post("/v1/companion/profile", &auth, None);
        let link = post("/v1/companion/telegram/link", &auth, None).json();
        let prefix = format!("https://t.me/{TELEGRAM_BOT_USERNAME}?start=");
        let token = link["url"]
            .as_str()
            .and_then(|u| u.strip_prefix(&prefix))
            .unwrap_or_else(|| panic!("a deep link: {link}"));
        let telegram_id = fresh_in(FRESH_TELEGRAM_USER);
        let start = json!({"update_id": fresh_in(FRESH_UPDATE), "message": {
            "message_id": 1, "date": now(), "text": format!("/start {token}"),
            "from": {"id": telegram_id, "is_bot": false, "first_name": "Fuzz"},
            "chat": {"id": telegram_id, "type": "private", "first_name": "Fuzz"}}});
        let a = call(
            "POST",
            &format!("{base}{TELEGRAM_PATH}"),
            &[
                ("content-type", "application/json"),
                ("x-telegram-bot-api-secret-token", TELEGRAM_WEBHOOK_SECRET),
            ],
            Some(&start.to_string()),
        );
        assert!(
            a.status == 200 && a.body.contains("connected"),
            "linking the fuzz's Telegram account: {a:?}"
        );
        db().execute(
            "update companion.users set created_at = now() - interval '1 hour' where id = $1::text::uuid",
            &[&user],
        )
        .expect("the linked user backdated");
        TgAccount { user, telegram_id }
    }
}

/// An outbound message of the run (status callbacks land on it) and an inbound one, of a fuzz
/// user; ids and SIDs. Created an hour back, before the run's start, so the record API's own
/// service-role PATCH and DELETE (`created_at=gte.<start>`) leave them alone.
struct YpMessages {
    out_id: String,
    out_sid: String,
    in_id: String,
    in_sid: String,
}

impl YpMessages {
    fn create(db: &mut postgres::Client) -> YpMessages {
        let n = uuid::Uuid::new_v4().as_u128() % 1_000_000_000;
        let phone = format!("{FUZZ_PHONE_PREFIX}{n:09}");
        let user: uuid::Uuid = db
            .query_one(
                "insert into yachtparty.users (phone_number, created_at)
                 values ($1::text, now() - interval '1 hour') returning id",
                &[&phone],
            )
            .expect("a yachtparty user")
            .get(0);
        let conversation: uuid::Uuid = db
            .query_one(
                "insert into yachtparty.conversations (user_id, phone_number, created_at)
                 values ($1, $2::text, now() - interval '1 hour') returning id",
                &[&user, &phone],
            )
            .expect("a yachtparty conversation")
            .get(0);
        let mut message = |role: &str, direction: &str, status: &str| {
            let sid = new_message_sid();
            let id: uuid::Uuid = db
                .query_one(
                    "insert into yachtparty.messages (conversation_id, user_id, role, content,
                       direction, status, twilio_message_sid, created_at)
                     values ($1, $2, $3::text, 'fuzz', $4::text, $5::text, $6::text,
                       now() - interval '1 hour') returning id",
                    &[&conversation, &user, &role, &direction, &status, &sid],
                )
                .expect("a yachtparty message")
                .get(0);
            (id.to_string(), sid)
        };
        let (out_id, out_sid) = message("assistant", "outbound", "queued");
        let (in_id, in_sid) = message("user", "inbound", "received");
        YpMessages {
            out_id,
            out_sid,
            in_id,
            in_sid,
        }
    }
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
            } else if let Some(kind) = t.strip_prefix("SID:") {
                let hex = uuid::Uuid::new_v4().simple().to_string();
                Some(match kind {
                    "MM" => format!("MM{hex}"),
                    "SMU" => format!("SM{}", hex.to_ascii_uppercase()),
                    _ => format!("SM{hex}"),
                })
            } else if t == "TGU" {
                Some(fresh_in(FRESH_UPDATE).to_string())
            } else if t == "TGN" {
                Some((-fresh_in(FRESH_UPDATE)).to_string())
            } else if t == "TGS" || t == "TGO" {
                Some(fresh_in(FRESH_TELEGRAM_USER).to_string())
            } else if t.starts_with("PHONE:") {
                let n = uuid::Uuid::new_v4().as_u128() % 1_000_000_000;
                Some(format!("{FUZZ_PHONE_PREFIX}{n:09}"))
            } else {
                None
            }
        };
        match token {
            "ME" => Some(env.me.clone().into_bytes()),
            "OTHER" => Some(env.other.clone().into_bytes()),
            "START" => Some(env.start.clone().into_bytes()),
            "YPMSG" => Some(env.yp.out_id.clone().into_bytes()),
            "YPMSGU" => Some(env.yp.out_id.to_ascii_uppercase().into_bytes()),
            "YPMSGS" => Some(env.yp.out_id.replace('-', "").into_bytes()),
            "YPMSGB" => Some(format!("{{{}}}", env.yp.out_id).into_bytes()),
            "YPMSGN" => Some(format!("urn:uuid:{}", env.yp.out_id).into_bytes()),
            "YPSID" => Some(env.yp.out_sid.clone().into_bytes()),
            "YPIN" => Some(env.yp.in_id.clone().into_bytes()),
            "YPINSID" => Some(env.yp.in_sid.clone().into_bytes()),
            "TGME" => Some(env.tg.telegram_id.to_string().into_bytes()),
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

    /// Replaces every `@@…@@`; `"@@RAW:x@@"` becomes the bare literal x, and `"@@NUM:t@@"` the
    /// bare value of token t (`t.F` with `.0` after it, `t.E` with `e0`).
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
            } else if let Some(num) = token.strip_prefix("NUM:") {
                if out.last() == Some(&b'"') && tail.starts_with('"') {
                    out.pop();
                    tail = &tail[1..];
                }
                let (name, suffix) = num.split_once('.').unwrap_or((num, ""));
                out.extend(self.token(name).unwrap_or_default());
                out.extend_from_slice(match suffix {
                    "F" => b".0",
                    "E" => b"e0",
                    _ => b"",
                });
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

/// A name or value of a form (or a query) encoded as `enc` says.
fn form_encode(bytes: &[u8], enc: Enc) -> String {
    let mut out = String::with_capacity(bytes.len());
    for &b in bytes {
        let plain = b.is_ascii_alphanumeric() || b"-_.*".contains(&b);
        match enc {
            Enc::All => out.push_str(&format!("%{b:02X}")),
            Enc::Raw | Enc::BarePlus => {
                if b"&=%".contains(&b) || (b == b'+' && enc == Enc::Raw) {
                    out.push_str(&format!("%{b:02X}"));
                } else {
                    // Raw bytes: the body is not UTF-8 text only when a value is not.
                    out.push(char::from(b));
                }
            }
            _ if plain => out.push(char::from(b)),
            Enc::Plus | Enc::Lower if b == b' ' => out.push('+'),
            Enc::Lower => out.push_str(&format!("%{b:02x}")),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Raw segments keep their bytes: `form_encode` of `Raw` pushes bytes as chars, so the body is
/// built from bytes rather than from a `String`.
fn raw_bytes(encoded: &str, enc: Enc) -> Vec<u8> {
    if matches!(enc, Enc::Raw | Enc::BarePlus) {
        encoded.chars().map(|c| c as u32 as u8).collect()
    } else {
        encoded.as_bytes().to_vec()
    }
}

/// The pairs of an `application/x-www-form-urlencoded` byte string, as the WHATWG URL standard
/// parses them (what Twilio signs and the Worker reads): `&`-separated, empty sequences
/// skipped, split at the first `=`, `+` a space, `%XX` decoded and any other `%` kept, then
/// UTF-8 with U+FFFD for bad bytes.
fn form_decode(bytes: &[u8]) -> Vec<(String, String)> {
    fn decode(s: &[u8]) -> String {
        let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
        let mut out = Vec::with_capacity(s.len());
        let mut i = 0;
        while i < s.len() {
            match s[i] {
                b'+' => out.push(b' '),
                b'%' => match (
                    s.get(i + 1).and_then(|&b| hex(b)),
                    s.get(i + 2).and_then(|&b| hex(b)),
                ) {
                    (Some(h), Some(l)) => {
                        out.push(h * 16 + l);
                        i += 3;
                        continue;
                    }
                    _ => out.push(b'%'),
                },
                b => out.push(b),
            }
            i += 1;
        }
        String::from_utf8_lossy(&out).into_owned()
    }
    bytes
        .split(|&b| b == b'&')
        .filter(|s| !s.is_empty())
        .map(|s| match s.iter().position(|&b| b == b'=') {
            Some(i) => (decode(&s[..i]), decode(&s[i + 1..])),
            None => (decode(s), String::new()),
        })
        .collect()
}

/// The set of distinct pairs a signature covers.
fn signed_set(params: &[(String, String)]) -> BTreeSet<(String, String)> {
    params.iter().cloned().collect()
}

/// `url` without its `:port`.
fn without_port(url: &str) -> String {
    let Some(start) = url.find("://").map(|i| i + 3) else {
        return url.to_string();
    };
    let end = url[start..]
        .find(['/', '?'])
        .map_or(url.len(), |i| start + i);
    match url[start..end].rfind(':') {
        Some(colon) => format!("{}{}", &url[..start + colon], &url[end..]),
        None => url.to_string(),
    }
}

/// Another URL than `base + target`, as `how` says.
fn other_url(how: OtherUrl, base: &str, target: &str) -> String {
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p.to_string(), Some(q.to_string())),
        None => (target.to_string(), None),
    };
    let join = |base: &str, path: &str, query: &Option<String>| match query {
        Some(q) => format!("{base}{path}?{q}"),
        None => format!("{base}{path}"),
    };
    match how {
        OtherUrl::Https => join(&base.replacen("http://", "https://", 1), &path, &query),
        OtherUrl::Host => {
            let host = if base.contains("127.0.0.1") {
                base.replacen("127.0.0.1", "localhost", 1)
            } else {
                base.replacen("localhost", "127.0.0.1", 1)
            };
            join(&host, &path, &query)
        }
        OtherUrl::Path => {
            let other = if path == SMS_PATH {
                STATUS_PATH
            } else {
                SMS_PATH
            };
            join(base, other, &query)
        }
        OtherUrl::Query => match query {
            Some(_) => format!("{base}{path}"),
            None => format!("{base}{path}?message_id={}", uuid::Uuid::new_v4()),
        },
        OtherUrl::TrailingSlash => join(base, &format!("{path}/"), &query),
        OtherUrl::UpperCasePath => join(base, &path.to_ascii_uppercase(), &query),
    }
}

/// The body changed after signing so that it decodes to another set of pairs.
fn tamper(body: Vec<u8>, how: Tamper) -> Vec<u8> {
    let before = signed_set(&form_decode(&body));
    let mut segments: Vec<Vec<u8>> = body.split(|&b| b == b'&').map(<[u8]>::to_vec).collect();
    match how {
        Tamper::Changed => {
            if let Some(s) = segments.iter_mut().find(|s| !s.is_empty()) {
                if !s.contains(&b'=') {
                    s.push(b'=');
                }
                s.extend_from_slice(b"1");
            }
        }
        Tamper::Dropped => {
            while segments.last().is_some_and(|s| s.is_empty()) {
                segments.pop();
            }
            segments.pop();
        }
        Tamper::Added => {}
    }
    let mut out = segments.join(&b'&');
    if how == Tamper::Added || signed_set(&form_decode(&out)) == before {
        out = body;
        out.extend_from_slice(b"&FuzzTampered=1");
    }
    out
}

/// A Twilio delivery: the form encoded, the query encoded alike (but never raw: a URL's bytes
/// are normalised on the way), signed over the base and the target as sent (or not, as `sign`
/// says).
fn build_twilio(case: &Case, form: &Form, sign: TwSign, env: &Env) -> Wire {
    let mut x = Expander::new(env);
    let mut segments: Vec<Vec<u8>> = form
        .params
        .iter()
        .map(|(k, v)| {
            let mut s = raw_bytes(&form_encode(&x.expand(k), form.enc), form.enc);
            s.push(b'=');
            s.extend(raw_bytes(&form_encode(&x.expand(v), form.enc), form.enc));
            s
        })
        .collect();
    segments.extend(form.junk.iter().map(|j| j.as_bytes().to_vec()));
    let mut body = segments.join(&b'&');
    x.cap = 8_000;
    let query_enc = match form.enc {
        Enc::Raw | Enc::BarePlus => Enc::Plus,
        e => e,
    };
    let q: Vec<String> = case
        .query
        .iter()
        .map(|(k, v)| {
            format!(
                "{}={}",
                form_encode(&x.expand(k), query_enc),
                form_encode(&x.expand(v), query_enc)
            )
        })
        .collect();
    let target = if q.is_empty() {
        case.path.clone()
    } else {
        format!("{}?{}", case.path, q.join("&"))
    };
    let url = format!("{}{target}", env.base);
    let signed_url = match sign {
        TwSign::NoPort => without_port(&url),
        TwSign::OtherUrl(how) => other_url(how, &env.base, &target),
        _ => url,
    };
    let token = match sign {
        TwSign::WrongToken => "wrong-twilio-auth-token",
        _ => TWILIO_AUTH_TOKEN,
    };
    let mut signature = rowgate_core::twilio::signature(token, &signed_url, &form_decode(&body));
    match sign {
        TwSign::Tampered(how) => body = tamper(body, how),
        TwSign::Garbage(g) => signature = g.to_string(),
        TwSign::Flipped => {
            let first = if signature.starts_with('A') { "B" } else { "A" };
            signature.replace_range(..1, first);
        }
        _ => {}
    }
    let mut headers: Vec<(String, String)> = Vec::new();
    if let Some(ct) = &case.content_type {
        headers.push(("content-type".into(), ct.clone()));
    }
    if sign != TwSign::Missing {
        headers.push(("x-twilio-signature".into(), signature));
    }
    if sign == TwSign::Settings {
        headers.push((
            "x-twilio-webhooks-signature-settings".into(),
            "hmac-sha256;key=fuzz".into(),
        ));
    }
    headers.extend(case.headers.iter().cloned());
    let headers = headers
        .into_iter()
        .map(|(k, v)| {
            let v = x.expand(&v);
            (k, header_value(&v))
        })
        .collect();
    Wire {
        method: case.method.clone(),
        target,
        headers,
        body,
    }
}

fn build(case: &Case, env: &Env) -> Wire {
    if let (Some(form), Auth::Twilio(sign)) = (&case.form, case.auth) {
        return build_twilio(case, form, sign, env);
    }
    build_with(case, case.body.as_deref(), &mut Expander::new(env))
}

/// The case's request and, when it is replayed with `again`, the second one, their unique
/// values the same.
fn build_pair(case: &Case, env: &Env) -> (Wire, Option<Wire>) {
    let mut x = Expander::new(env);
    let first = build_with(case, case.body.as_deref(), &mut x);
    let again = case
        .again
        .as_deref()
        .filter(|_| case.replay)
        .map(|b| build_with(case, Some(b), &mut x));
    (first, again)
}

fn build_with(case: &Case, body: Option<&str>, x: &mut Expander) -> Wire {
    let env = x.env;
    x.cap = usize::MAX;
    let body = body.map(|b| x.expand(b)).unwrap_or_default();
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
        // A Twilio delivery without a form: no credentials.
        Auth::None | Auth::Twilio(_) => {}
        Auth::Token(role, scheme) => {
            let t = match role {
                Role::Service => SERVICE_ROLE_KEY.to_string(),
                Role::Me => env.me_token.clone(),
                Role::Other => env.other_token.clone(),
                Role::Anon => ANON_KEY.to_string(),
                Role::Ghost => hs256(&user_claims(GHOST_USER)),
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
        Auth::Telegram(sec) => {
            const HEADER: &str = "x-telegram-bot-api-secret-token";
            let secret = TELEGRAM_WEBHOOK_SECRET;
            let mut push = |k: &str, v: String| headers.push((k.to_string(), v));
            match sec {
                TgSecret::Valid => push(HEADER, secret.into()),
                TgSecret::Padded(a, b) => push(HEADER, format!("{a}{secret}{b}")),
                TgSecret::Missing => {}
                TgSecret::Blank(v) => push(HEADER, v.into()),
                TgSecret::Wrong(t) => push(HEADER, t.replace("{}", secret)),
                TgSecret::Huge(n) => push(HEADER, "s".repeat(n)),
                TgSecret::Twice => {
                    push(HEADER, secret.into());
                    push(HEADER, secret.into());
                }
                TgSecret::Elsewhere("authorization") => push("authorization", bearer(secret)),
                TgSecret::Elsewhere(h) => push(h, secret.into()),
            }
        }
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
            let mut secret = local_ingest_secret(schema).unwrap_or(WRONG_INGEST_SECRET);
            match sign {
                Sign::Stale => ts -= 3600,
                Sign::Future => ts += 3600,
                Sign::LongId => id = "i".repeat(300),
                Sign::OtherSchema => secret = ingest_secret(other),
                Sign::WrongSecret => secret = WRONG_INGEST_SECRET,
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
            // 204 and 304 have no body (RFC 9110 §6.4.1): wrangler dev keeps such a connection
            // open for seconds despite `connection: close`, so do not wait for its end.
            let bodyless = status == 204 || status == 304 || w.method == "HEAD";
            let body = if bodyless {
                Some(Vec::new())
            } else {
                complete_body(&headers, &buf[end + 4..], eof)
            };
            if let Some(body) = body {
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

/// The Worker's body limit (`MAX_BODY_BYTES`, 1 MiB unless configured).
const MAX_BODY_BYTES: usize = 1 << 20;

/// What a Twilio delivery must be answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Want {
    Status(u16),
    OneOf(&'static [u16]),
    /// A 4xx other than 401: the delivery names a message it cannot be about.
    Refused,
    /// Anything but a 5xx.
    Any,
}

impl Want {
    fn admits(self, status: u16) -> bool {
        match self {
            Want::Status(s) => status == s,
            Want::OneOf(a) => a.contains(&status),
            Want::Refused => (400..500).contains(&status) && status != 401,
            Want::Any => status < 500,
        }
    }
    fn text(self) -> String {
        match self {
            Want::Status(s) => s.to_string(),
            Want::OneOf(a) => format!("{a:?}"),
            Want::Refused => "a 4xx other than 401".into(),
            Want::Any => "anything but a 5xx".into(),
        }
    }
}

/// The expected answer to a Twilio delivery, predicted from what the Worker receives.
struct TwExpect {
    want: Want,
    /// What the delivery is, for the class names.
    what: String,
    /// The parameters a 422 names, exactly.
    fields: BTreeSet<String>,
    /// The parameters as the Worker decodes them.
    params: Vec<(String, String)>,
}

fn first<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

/// `^(SM|MM)[0-9a-fA-F]{32}$`
fn is_message_sid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 34
        && (b.starts_with(b"SM") || b.starts_with(b"MM"))
        && b[2..].iter().all(u8::is_ascii_hexdigit)
}

/// `^\+[1-9][0-9]{6,14}$`
fn is_e164(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 8
        && b.len() <= 16
        && b[0] == b'+'
        && (b'1'..=b'9').contains(&b[1])
        && b[2..].iter().all(u8::is_ascii_digit)
}

/// A field name for a class: `MediaUrl#` for every `MediaUrl{N}`.
fn field_class(f: &str) -> String {
    f.chars()
        .map(|c| if c.is_ascii_digit() { '#' } else { c })
        .collect()
}

fn tw_sign_label(sign: TwSign) -> &'static str {
    match sign {
        TwSign::Valid => "signed",
        TwSign::NoPort => "signed over the URL without its port",
        TwSign::Tampered(_) => "changed after signing",
        TwSign::WrongToken => "signed with another token",
        TwSign::OtherUrl(_) => "signed over another URL",
        TwSign::Missing => "without a signature",
        TwSign::Garbage(_) => "with a garbage signature",
        TwSign::Flipped => "with a signature one character off",
        TwSign::OtherAccount(_) => "signed for another AccountSid",
        TwSign::Settings => "with Webhook Rules' signature settings",
    }
}

fn twilio_expect(route: &Route, case: &Case, wire: &Wire, env: &Env) -> TwExpect {
    let params = form_decode(&wire.body);
    let expect = |want: Want, what: String, fields: &[&str]| TwExpect {
        want,
        what,
        fields: fields.iter().map(|f| f.to_string()).collect(),
        params: params.clone(),
    };
    let sign = match case.auth {
        Auth::Twilio(s) => s,
        _ => TwSign::Missing,
    };
    let content_type = wire
        .headers
        .iter()
        .find(|(k, _)| k == "content-type")
        .map_or("", |(_, v)| v.as_str());
    let media = content_type.split(';').next().unwrap_or("").trim();
    if sign == TwSign::Settings {
        return expect(Want::Status(401), tw_sign_label(sign).into(), &[]);
    }
    if !media.eq_ignore_ascii_case(FORM) {
        return expect(Want::Status(415), "a body that is not a form".into(), &[]);
    }
    if wire.body.len() > MAX_BODY_BYTES {
        return expect(Want::Status(413), "a body over the limit".into(), &[]);
    }
    if !case.auth.valid() {
        return expect(
            Want::Status(401),
            format!("a delivery {}", tw_sign_label(sign)),
            &[],
        );
    }
    let mut bad: Vec<&str> = Vec::new();
    let sid = first(&params, "MessageSid").filter(|s| is_message_sid(s));
    if sid.is_none() {
        bad.push("MessageSid");
    }
    if route.kind == Kind::TwilioSms {
        if !first(&params, "From").is_some_and(is_e164) {
            bad.push("From");
        }
        let to = first(&params, "To").unwrap_or("");
        if to.is_empty()
            || to.chars().count() > rowgate_core::twilio::MAX_TO_CHARS
            || to.contains('\0')
        {
            bad.push("To");
        }
        let body = first(&params, "Body").unwrap_or("");
        if body.chars().count() > rowgate_core::twilio::MAX_BODY_CHARS || body.contains('\0') {
            bad.push("Body");
        }
        let n = match first(&params, "NumMedia").filter(|n| !n.is_empty()) {
            None => 0,
            // Digits only (a sign is not a number of media), at most 10.
            Some(n) => match n
                .bytes()
                .all(|b| b.is_ascii_digit())
                .then(|| n.parse::<u32>())
            {
                Some(Ok(n)) if n <= rowgate_core::twilio::MAX_MEDIA => n,
                _ => {
                    bad.push("NumMedia");
                    0
                }
            },
        };
        // A media item's URL first, then its content type: printable ASCII, at most 255
        // characters, or empty.
        let media: Vec<(String, String)> = (0..n)
            .map(|i| (format!("MediaUrl{i}"), format!("MediaContentType{i}")))
            .collect();
        for (u, t) in &media {
            if !first(&params, u).is_some_and(|v| GOOD_MEDIA.contains(&v)) {
                bad.push(u);
            } else if first(&params, t)
                .is_some_and(|v| v.len() > 255 || !v.bytes().all(|b| (0x20..0x7f).contains(&b)))
            {
                bad.push(t);
            }
        }
        return if bad.is_empty() {
            expect(Want::Status(200), "a valid SMS".into(), &[])
        } else {
            // One class for every mix of bad parameters: `fields` has them.
            expect(Want::Status(422), "an invalid SMS".into(), &bad)
        };
    }

    // A status callback: the query first, then the body, then the message it names.
    let query = form_decode(
        wire.target
            .split_once('?')
            .map_or("", |(_, q)| q)
            .as_bytes(),
    );
    let ids: Vec<&str> = query
        .iter()
        .filter(|(n, _)| n == "message_id")
        .map(|(_, v)| v.as_str())
        .collect();
    let id = match ids.first() {
        None => None,
        Some(first) if ids.iter().any(|v| v != first) => {
            return expect(
                Want::Status(422),
                "a repeated message_id".into(),
                &["message_id"],
            );
        }
        Some(first) => match uuid::Uuid::try_parse(first) {
            Ok(u) => Some(u),
            Err(_) => {
                return expect(
                    Want::Status(422),
                    "a message_id that is not a UUID".into(),
                    &["message_id"],
                )
            }
        },
    };
    let status = first(&params, "MessageStatus").unwrap_or("");
    let known = rowgate_core::twilio::MessageStatus::ALL.contains(&status);
    if !first(&params, "ErrorCode")
        .filter(|c| !c.is_empty())
        .is_none_or(|c| c.len() <= 10 && c.bytes().all(|b| b.is_ascii_digit()))
    {
        bad.push("ErrorCode");
    }
    if bad.is_empty() && !known {
        // Acknowledged rather than retried forever; a missing status may go either way.
        return if status.is_empty() {
            expect(
                Want::OneOf(&[204, 422]),
                "a callback without MessageStatus".into(),
                &["MessageStatus"],
            )
        } else {
            expect(Want::Status(204), "an unknown MessageStatus".into(), &[])
        };
    }
    if !known {
        bad.push("MessageStatus");
    }
    if !bad.is_empty() {
        return expect(Want::Status(422), "an invalid callback".into(), &bad);
    }
    let sid = sid.unwrap_or("");
    let out = uuid::Uuid::try_parse(&env.yp.out_id).ok();
    let inbound = uuid::Uuid::try_parse(&env.yp.in_id).ok();
    let (want, what) = match id {
        Some(u) if Some(u) == out && sid == env.yp.out_sid => {
            (Want::Status(204), "a callback for the outbound message")
        }
        Some(u) if Some(u) == out => (
            Want::Refused,
            "a callback for the outbound message with another MessageSid",
        ),
        Some(u) if Some(u) == inbound => (
            Want::Refused,
            "a callback whose message_id is an inbound message",
        ),
        Some(_) => (Want::Status(404), "a message_id of no message"),
        None if sid == env.yp.out_sid => (
            Want::Status(204),
            "a callback for the outbound message by MessageSid",
        ),
        None if sid == env.yp.in_sid => (
            Want::Refused,
            "a callback (no message_id) whose MessageSid is an inbound message",
        ),
        None => (
            Want::Status(404),
            "a MessageSid of no message (no message_id)",
        ),
    };
    // A callback contradicting the message it names: a 422 says MessageSid is the mismatch.
    let fields: &[&str] = if want == Want::Refused {
        &["MessageSid"]
    } else {
        &[]
    };
    expect(want, what.into(), fields)
}

/// The Twilio oracles: the predicted status, a 422 naming exactly the bad parameters, TwiML,
/// and for the SMS route what was (not) written.
fn check_twilio(
    route: &Route,
    case: &Case,
    e: &TwExpect,
    r: &Reply,
    problem: &Option<Value>,
    env: &Env,
) -> Vec<String> {
    let mut v = Vec::new();
    let status = r.status;
    let kind = format!("{:?}", route.kind);
    // A 5xx, a valid delivery's 401 and a bad one's 2xx have their classes already.
    let generic = status >= 500
        || (case.auth.valid() && status == 401)
        || (case.auth.invalid() && (200..300).contains(&status));
    if !e.want.admits(status) && !generic {
        v.push(format!(
            "{kind}: {} answered {status} (expected {})",
            e.what,
            e.want.text()
        ));
    }
    if status == 422 {
        let named: BTreeSet<String> = problem
            .as_ref()
            .and_then(|p| p["errors"].as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|x| x["field"].as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default();
        for f in e.fields.difference(&named) {
            v.push(format!("{kind}: a 422 does not name {}", field_class(f)));
        }
        if e.want.admits(422) {
            for f in named.difference(&e.fields) {
                v.push(format!(
                    "{kind}: a 422 names {}, which is valid",
                    field_class(f)
                ));
            }
        }
    }
    if status == 200 {
        let ct = r.header("content-type").unwrap_or("");
        if !ct.starts_with("text/xml") || !r.body.contains("<Response") {
            v.push(format!("{kind}: a 200 that is not TwiML ({ct:?})"));
        }
    }
    // What an SMS with a fresh MessageSid wrote: its `user.message.received` event once, with
    // the Body verbatim, if accepted; no message and no event if not. The event is read rather
    // than the message: events are append-only, while the record API's own fuzz may update or
    // delete this run's messages meanwhile.
    let fresh = case
        .form
        .as_ref()
        .is_some_and(|f| first(&f.params, "MessageSid").is_some_and(|s| s.starts_with("@@SID:")));
    let sid = first(&e.params, "MessageSid").filter(|s| is_message_sid(s));
    if let (Kind::TwilioSms, true, Some(sid)) = (route.kind, fresh, sid) {
        let written = {
            let mut db = env.db.lock().unwrap();
            db.query(
                "select payload->>'body' from yachtparty.events
                  where event_type = 'user.message.received'
                    and metadata->>'twilio_message_sid' = $1::text",
                &[&sid],
            )
            .and_then(|events| {
                let messages: i64 = db
                    .query_one(
                        "select count(*) from yachtparty.messages where twilio_message_sid = $1::text",
                        &[&sid],
                    )?
                    .get(0);
                Ok((events, messages))
            })
        };
        match written {
            Err(err) => v.push(format!("{kind}: what was written could not be read: {err}")),
            Ok((events, _)) if status == 200 => {
                let body = first(&e.params, "Body").unwrap_or("");
                match events.as_slice() {
                    [event] if event.get::<_, Option<String>>(0).as_deref() == Some(body) => {}
                    [_] => v.push(format!(
                        "{kind}: an accepted SMS's Body was not stored verbatim"
                    )),
                    _ => v.push(format!(
                        "{kind}: an accepted SMS wrote {} events",
                        events.len()
                    )),
                }
            }
            Ok((events, messages)) if messages > 0 || !events.is_empty() => v.push(format!(
                "{kind}: a delivery answered {status} ({}) wrote a message",
                e.what
            )),
            Ok(_) => {}
        }
    }
    v
}

/// What a readable Telegram update is, by the Bot API and the webhook's documented rules.
#[derive(Debug, Clone, PartialEq, Eq)]
enum TgKind {
    /// A command in a private chat with a person: always answered with a reply.
    Command(&'static str),
    /// Text in a private chat with a person, not a command, not blank.
    Text(String),
    /// `my_chat_member` in a private chat whose new status is `kicked`.
    Blocked,
    Ignored(&'static str),
}

/// The command `text` starts with: a first word `/name` or `/name@bot` (1 to 32, and 1 to 64,
/// characters of `A-Z a-z 0-9 _`), then whitespace or the end; names in any case.
fn tg_command(text: &str) -> Option<&'static str> {
    let rest = text.trim_start().strip_prefix('/')?;
    let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
    let (word, argument) = rest.split_at(end);
    let (name, bot) = match word.split_once('@') {
        Some((n, b)) => (n, Some(b)),
        None => (word, None),
    };
    let ok = |w: &str, max: usize| {
        (1..=max).contains(&w.len()) && w.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
    };
    if !ok(name, 32) || bot.is_some_and(|b| !ok(b, 64)) {
        return None;
    }
    let argument = argument.trim();
    let token_shaped = (1..=64).contains(&argument.len())
        && argument
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    Some(match name.to_ascii_lowercase().as_str() {
        "start" if argument.is_empty() => "/start",
        "start" if token_shaped => "/start with a token-shaped payload",
        "start" => "/start with another payload",
        "help" | "settings" => "/help or /settings",
        "pause" | "resume" => "/pause or /resume",
        _ => "an unknown command",
    })
}

/// The private chat and its person of a message or a member change: (chat id, sender id), or
/// why the update is ignored.
fn tg_private(o: &Map<String, Value>) -> Result<(i64, i64), &'static str> {
    let chat = o
        .get("chat")
        .and_then(Value::as_object)
        .ok_or("malformed")?;
    let chat_id = chat.get("id").and_then(Value::as_i64).ok_or("malformed")?;
    let private = match chat.get("type").and_then(Value::as_str) {
        Some(t) => t == "private",
        None => chat_id > 0,
    };
    if !private {
        return Err("not a private chat");
    }
    let from = o
        .get("from")
        .and_then(Value::as_object)
        .ok_or("no sender")?;
    let from_id = from.get("id").and_then(Value::as_i64).ok_or("malformed")?;
    if from_id <= 0 {
        return Err("not a user");
    }
    if from.get("is_bot").and_then(Value::as_bool) == Some(true) {
        return Err("a bot");
    }
    if from_id != chat_id {
        return Err("sender is not the chat");
    }
    Ok((chat_id, from_id))
}

/// The update's kind, with its (chat, sender) when it is from a private chat with a person,
/// and its message_id.
fn tg_classify(u: &Map<String, Value>) -> (TgKind, Option<(i64, i64)>, Option<i64>) {
    if let Some(m) = u.get("message") {
        let Some(m) = m.as_object() else {
            return (TgKind::Ignored("malformed"), None, None);
        };
        let who = match tg_private(m) {
            Ok(who) => who,
            Err(why) => return (TgKind::Ignored(why), None, None),
        };
        let message_id = m.get("message_id").and_then(Value::as_i64);
        if message_id.is_none() || m.get("date").and_then(Value::as_i64).is_none() {
            return (TgKind::Ignored("malformed"), None, None);
        }
        if message_id.is_some_and(|id| i32::try_from(id).is_err()) {
            return (TgKind::Ignored("a message_id beyond 32 bits"), None, None);
        }
        let Some(text) = m.get("text").and_then(Value::as_str) else {
            return (TgKind::Ignored("not a text"), None, None);
        };
        let kind = match tg_command(text) {
            Some(c) => TgKind::Command(c),
            None if text.trim().is_empty() => TgKind::Ignored("blank text"),
            None => TgKind::Text(text.to_string()),
        };
        return (kind, Some(who), message_id);
    }
    if let Some(c) = u.get("my_chat_member") {
        let Some(c) = c.as_object() else {
            return (TgKind::Ignored("malformed"), None, None);
        };
        return match tg_private(c) {
            Ok(who) if c["new_chat_member"]["status"] == "kicked" => {
                (TgKind::Blocked, Some(who), None)
            }
            Ok(who) => (TgKind::Ignored("a member change"), Some(who), None),
            Err(why) => (TgKind::Ignored(why), None, None),
        };
    }
    (TgKind::Ignored("another kind"), None, None)
}

/// The expected answer to a Telegram delivery, predicted from what the Worker receives.
#[derive(Debug, Clone)]
struct TgExpect {
    want: Want,
    /// What the delivery is, for the class names.
    what: String,
    /// A 200's body: a `sendMessage` reply (true), empty (false), or either (`None`: an
    /// update_id that is not fresh may be a repeat).
    reply: Option<bool>,
    chat_id: Option<i64>,
    /// The update_id, when the body is an object with an integer one (whatever the secret).
    update_id: Option<i64>,
    /// A linked account's text, as it must be stored (trimmed).
    stored: Option<String>,
    /// The database may refuse the update (a text over 4096 characters): acknowledged, and
    /// maybe not recorded.
    refusable: bool,
}

fn tg_expect(wire: &Wire, env: &Env) -> TgExpect {
    let values = |name: &str| -> Vec<&str> {
        wire.headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    };
    // The runtime joins repeated headers with ", "; HTTP strips the spaces around a value.
    let presented = values("x-telegram-bot-api-secret-token").join(", ");
    let secret_ok = presented.trim_matches([' ', '\t']) == TELEGRAM_WEBHOOK_SECRET;
    let media = values("content-type")
        .first()
        .map(|c| {
            c.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .unwrap_or_default();
    let json_ct = media == "application/json"
        || (media.starts_with("application/") && media.ends_with("+json"));
    let update = std::str::from_utf8(&wire.body)
        .ok()
        .and_then(|b| serde_json::from_str::<Value>(b).ok())
        .and_then(|v| match v {
            Value::Object(o) => Some(o),
            _ => None,
        });
    let update_id = update
        .as_ref()
        .and_then(|u| u.get("update_id"))
        .and_then(Value::as_i64);
    let mut e = TgExpect {
        want: Want::Status(200),
        what: String::new(),
        reply: Some(false),
        chat_id: None,
        update_id,
        stored: None,
        refusable: false,
    };
    let refused = |mut e: TgExpect, status: u16, what: &str| {
        e.want = Want::Status(status);
        e.what = what.into();
        e
    };
    if !secret_ok {
        return refused(e, 401, "a delivery without the right secret");
    }
    if !json_ct {
        return refused(e, 415, "a body that is not application/json");
    }
    if wire.body.len() > MAX_BODY_BYTES {
        return refused(e, 413, "a body over the limit");
    }
    // Telegram's update_ids are positive: another is no update.
    let (Some(u), Some(id)) = (&update, update_id.filter(|id| *id > 0)) else {
        return refused(e, 400, "a body that is not an update");
    };
    let (kind, who, _) = tg_classify(u);
    let linked = who.is_some_and(|(_, from)| from == env.tg.telegram_id);
    let sender = if linked {
        "the linked account"
    } else {
        "a stranger"
    };
    e.chat_id = who.map(|(chat, _)| chat);
    match &kind {
        TgKind::Command(c) => {
            e.reply = Some(true);
            e.what = format!("{c} from {sender}");
        }
        TgKind::Text(text) => {
            e.what = format!("a private text from {sender}");
            // A NUL, which no PostgreSQL text holds, is stored as U+FFFD.
            let text = text.replace('\0', "\u{FFFD}");
            let trimmed = text.trim();
            if linked && trimmed.chars().count() > 4096 {
                e.refusable = true;
                e.what = format!("{} over 4096 characters", e.what);
            } else if linked {
                e.stored = Some(trimmed.to_string());
            } else {
                e.reply = Some(true);
            }
        }
        TgKind::Blocked => e.what = format!("the bot blocked by {sender}"),
        TgKind::Ignored(why) => e.what = format!("an ignored update ({why})"),
    }
    if !is_fresh_update(id) {
        // Another case (or run) may have sent this update_id before: a repeat.
        e.reply = None;
        e.stored = None;
    }
    e
}

/// The status and the body of a Telegram answer.
fn check_telegram(case: &Case, e: &TgExpect, r: &Reply) -> Vec<String> {
    let mut v = Vec::new();
    let status = r.status;
    // A 5xx, a correct secret's 401 and a bad one's 2xx have their classes already.
    let generic = status >= 500
        || (case.auth.valid() && status == 401)
        || (case.auth.invalid() && (200..300).contains(&status));
    if !e.want.admits(status) && !generic {
        v.push(format!(
            "Telegram: {} answered {status} (expected {})",
            e.what,
            e.want.text()
        ));
    }
    if status != 200 {
        return v;
    }
    if r.body.is_empty() {
        if e.reply == Some(true) {
            v.push(format!(
                "Telegram: {} answered an empty 200 (expected a sendMessage reply)",
                e.what
            ));
        }
        return v;
    }
    if e.reply == Some(false) {
        v.push(format!(
            "Telegram: {} answered with a body (expected an empty 200)",
            e.what
        ));
        return v;
    }
    let media = r.header("content-type").unwrap_or("");
    if !media.starts_with("application/json") {
        v.push(format!("Telegram: a reply served as {media:?}"));
    }
    match serde_json::from_str::<Value>(&r.body) {
        Ok(b) if b["method"] == "sendMessage" => {
            if !b["text"]
                .as_str()
                .is_some_and(|t| !t.trim().is_empty() && t.chars().count() <= 4096)
            {
                v.push("Telegram: a reply without a text Telegram sends".into());
            }
            if e.chat_id.is_some_and(|c| b["chat_id"] != json!(c)) {
                v.push("Telegram: a reply to another chat".into());
            }
        }
        _ => v.push("Telegram: a 200 body that is not a sendMessage reply".into()),
    }
    v
}

/// What a fresh update_id wrote: its delivery rows and the texts stored under it.
fn tg_written(update_id: i64, env: &Env) -> Result<(i64, Vec<String>), String> {
    let key = format!("telegram:{}:{update_id}", telegram_bot_id());
    let mut db = env.db.lock().unwrap();
    let rows: i64 = db
        .query_one(
            "select count(*) from rowgate.webhook_deliveries where schema_name = 'companion' and id = $1::text",
            &[&key],
        )
        .map_err(|e| e.to_string())?
        .get(0);
    let texts = db
        .query(
            "select content from companion.messages where metadata->>'update_id' = $1::text",
            &[&update_id.to_string()],
        )
        .map_err(|e| e.to_string())?
        .iter()
        .map(|r| r.get(0))
        .collect();
    Ok((rows, texts))
}

fn telegram_bot_id() -> &'static str {
    TELEGRAM_BOT_TOKEN.split(':').next().unwrap_or("")
}

/// The database oracles of one Telegram delivery of a fresh update_id.
fn check_tg_written(e: &TgExpect, status: u16, written: &(i64, Vec<String>)) -> Vec<String> {
    let mut v = Vec::new();
    let (rows, texts) = written;
    if status == 200 {
        if *rows != 1 && !(e.refusable && *rows == 0) {
            v.push(format!(
                "Telegram: an answered update ({}) left {rows} delivery rows",
                e.what
            ));
        }
        match &e.stored {
            Some(text) if texts.as_slice() != [text.clone()] => v.push(format!(
                "Telegram: a linked account's text was stored {} times{}",
                texts.len(),
                if texts.len() == 1 {
                    ", not trimmed"
                } else {
                    ""
                }
            )),
            None if !texts.is_empty() => v.push(format!("Telegram: {} stored a message", e.what)),
            _ => {}
        }
    } else {
        if *rows != 0 {
            v.push(format!(
                "Telegram: a delivery answered {status} ({}) recorded its update_id",
                e.what
            ));
        }
        if !texts.is_empty() {
            v.push(format!(
                "Telegram: a delivery answered {status} ({}) stored a message",
                e.what
            ));
        }
    }
    v
}

/// Sends a Telegram delivery (and its repeat) and checks the answers and what was written.
fn run_telegram(route: &Route, case: &Case, env: &Env, stats: &mut RouteStats) -> Vec<Violation> {
    let (wire, again) = build_pair(case, env);
    let Some(first) = send_counted(&wire, env, stats) else {
        return vec![];
    };
    let e = tg_expect(&wire, env);
    let mut v = check_with(route, case, &wire, &first, env, Some(&e));
    let fresh = e.update_id.filter(|id| is_fresh_update(*id));
    let violation = |class: String, text: String| Violation { class, text };
    let mut before = None;
    if let (Ok(r), Some(id)) = (&first, fresh) {
        match tg_written(id, env) {
            Ok(w) => {
                for class in check_tg_written(&e, r.status, &w) {
                    v.push(violation(class, render(&wire, &first)));
                }
                before = Some(w);
            }
            Err(err) => v.push(violation(
                format!("Telegram: what was written could not be read: {err}"),
                render(&wire, &first),
            )),
        }
    }
    if !case.replay {
        return v;
    }
    let wire2 = again.unwrap_or_else(|| wire.clone());
    let Some(second) = send_counted(&wire2, env, stats) else {
        return v;
    };
    let mut e2 = tg_expect(&wire2, env);
    let recorded = before.as_ref().is_some_and(|(rows, _)| *rows == 1);
    let repeat = recorded && e2.update_id == e.update_id && e2.want == Want::Status(200);
    if repeat {
        e2.what = "a repeated update_id".into();
        e2.reply = Some(false);
    }
    let text = || {
        format!(
            "{}  then:\n{}",
            render(&wire, &first),
            render(&wire2, &second)
        )
    };
    for mut x in check_with(route, case, &wire2, &second, env, Some(&e2)) {
        x.text = text();
        v.push(x);
    }
    if let (true, Some(id), Some((rows, texts))) = (repeat, fresh, &before) {
        match tg_written(id, env) {
            Ok((rows2, texts2)) => {
                if rows2 != *rows {
                    v.push(violation(
                        format!("Telegram: a repeated update_id left {rows2} delivery rows"),
                        text(),
                    ));
                }
                if texts2.len() != texts.len() {
                    v.push(violation(
                        "Telegram: a repeated update_id stored a message again".into(),
                        text(),
                    ));
                }
            }
            Err(err) => v.push(violation(
                format!("Telegram: what was written could not be read: {err}"),
                text(),
            )),
        }
    }
    v
}

/// The expected status of a Companion operation, from the credentials.
fn user_op_expect(route: &Route, case: &Case) -> (Want, &'static str) {
    let (ok, or_missing): (u16, &'static [u16]) = match (route.method.as_str(), route.path.as_str())
    {
        ("DELETE", _) => (204, &[204, 404]),
        (_, p) if p.ends_with("/link") => (201, &[201, 404]),
        _ => (200, &[200, 404]),
    };
    let profile = route.path.ends_with("/profile");
    match case.auth {
        Auth::Token(Role::Me | Role::Other, _) if profile => (Want::Status(ok), "a user"),
        Auth::Token(Role::Me | Role::Other, _) => (Want::OneOf(or_missing), "a user"),
        Auth::Token(Role::Service | Role::Anon, _) => {
            (Want::OneOf(&[403, 404]), "a service-role or anon token")
        }
        Auth::Token(Role::Ghost, _) if route.method == "DELETE" => {
            (Want::OneOf(&[204, 404]), "a user who does not exist")
        }
        Auth::Token(Role::Ghost, _) => (Want::Refused, "a user who does not exist"),
        Auth::Oversized { signed: true, .. } => (Want::Any, "an oversized user token"),
        _ => (Want::Status(401), "no valid token"),
    }
}

/// A Companion operation's status, and what a success answers.
fn check_user_op(route: &Route, case: &Case, r: &Reply, env: &Env) -> Vec<String> {
    let mut v = Vec::new();
    let (want, what) = user_op_expect(route, case);
    let status = r.status;
    let generic = status >= 500
        || (case.auth.valid() && status == 401)
        || (case.auth.invalid() && (200..300).contains(&status));
    if !want.admits(status) && !generic {
        v.push(format!(
            "UserOp: {what} answered {status} (expected {})",
            want.text()
        ));
    }
    let user = match case.auth {
        Auth::Token(Role::Me, _) => env.me.as_str(),
        Auth::Token(Role::Other, _) => env.other.as_str(),
        _ => return v,
    };
    let body: Value = serde_json::from_str(&r.body).unwrap_or(Value::Null);
    match (status, route.path.rsplit('/').next().unwrap_or("")) {
        (200, "profile") if body["id"] != json!(user) => {
            v.push("UserOp: a profile that is not the caller's".into())
        }
        (200, "complete") if body["current_step"] != "complete" => {
            v.push("UserOp: a completed onboarding that is not complete".into())
        }
        (201, "link") => {
            let prefix = format!("https://t.me/{TELEGRAM_BOT_USERNAME}?start=");
            let token = body["url"].as_str().and_then(|u| u.strip_prefix(&prefix));
            if !token.is_some_and(|t| {
                t.len() == 43
                    && t.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
            }) || !body["expires_at"].is_string()
            {
                v.push("UserOp: a link that is not the bot's deep link with a token".into());
            }
        }
        (204, _) if !r.body.is_empty() => v.push("UserOp: a 204 with a body".into()),
        _ => {}
    }
    v
}

fn check(
    route: &Route,
    case: &Case,
    wire: &Wire,
    reply: &Result<Reply, String>,
    env: &Env,
) -> Vec<Violation> {
    check_with(route, case, wire, reply, env, None)
}

/// `check`, with a Telegram delivery's expected answer.
fn check_with(
    route: &Route,
    case: &Case,
    wire: &Wire,
    reply: &Result<Reply, String>,
    env: &Env,
    tg: Option<&TgExpect>,
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

    let twilio = matches!(route.kind, Kind::TwilioSms | Kind::TwilioStatus);
    let tw = twilio.then(|| twilio_expect(route, case, wire, env));

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
        if let Some(e) = &tw {
            features.push(e.what.clone());
        }
        if let Some(e) = tg {
            features.push(e.what.clone());
        }
        if route.kind == Kind::UserOp {
            features.push(user_op_expect(route, case).1.to_string());
        }
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
        // A Twilio status callback may name no message, a Companion user may have no profile:
        // the expected status says.
        _ if twilio || tg.is_some() || route.kind == Kind::UserOp => {
            if status == 405 {
                v.push("405 on a declared method".into());
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
                Auth::Twilio(s) => format!("a delivery {}", tw_sign_label(s)),
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
    if let Some(e) = &tw {
        v.extend(check_twilio(route, case, e, r, &problem, env));
    }
    if let Some(e) = tg {
        v.extend(check_telegram(case, e, r));
    }
    if route.kind == Kind::UserOp {
        v.extend(check_user_op(route, case, r, env));
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
    if route.kind == Kind::Telegram {
        return run_telegram(route, case, env, stats);
    }
    let wire = build(case, env);
    let Some(reply) = send_counted(&wire, env, stats) else {
        return vec![];
    };
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

/// Sends and counts one request; `None` when the stack is down (the run aborts).
fn send_counted(wire: &Wire, env: &Env, stats: &mut RouteStats) -> Option<Result<Reply, String>> {
    let reply = send(&env.addr, wire);
    stats.requests += 1;
    if let Ok(r) = &reply {
        *stats.statuses.entry(r.status).or_default() += 1;
        if r.status == 503 && !stack_up(env) {
            stats.abort = Some(format!(
                "the stack is down (503 and /health is not 200):\n{}",
                render(wire, &reply)
            ));
            return None;
        }
    }
    Some(reply)
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
        (
            // Their conversations and messages go by cascade; events are append-only.
            "delete from yachtparty.users where phone_number::text like '+99955%'",
            "fuzz yachtparty users",
        ),
    ] {
        if let Err(e) = db.execute(sql, &[]) {
            eprintln!("fuzz cleanup of {what}: {e}");
        }
    }
    for id in [&env.me, &env.other, &env.tg.user] {
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
        "POST /webhooks/yachtparty/twilio/sms",
        "POST /webhooks/yachtparty/twilio/status",
        "POST /webhooks/companion/telegram",
        "POST /v1/companion/profile",
        "POST /v1/companion/onboarding/complete",
        "POST /v1/companion/telegram/link",
        "DELETE /v1/companion/telegram/link",
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
    let me_token = hs256(&user_claims(&me));
    let env = Env {
        addr,
        me_token: me_token.clone(),
        other_token: hs256(&user_claims(&other)),
        me,
        other,
        start: db_now_minus(5),
        base: url.trim_end_matches('/').to_string(),
        yp: YpMessages::create(&mut db()),
        tg: TgAccount::create(&me_token),
        db: Mutex::new(db()),
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
