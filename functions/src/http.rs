//! The HTTP edge: request ids, CORS, body limits, one structured log line per request, and
//! turning `ApiError` into problem+json.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use serde::Serialize;
use serde_json::Value;
use worker::{js_sys, Date, Env, Headers, Request, Response, Result};

use crate::config::Config;
use crate::error::ApiError;
use crate::routes;

/// What a handler sees of the request.
pub struct Ctx {
    pub cfg: Rc<Config>,
}

thread_local! {
    /// The configuration, read once per isolate: variables and secrets do not change while an
    /// isolate lives, and reading a dozen bindings through JS on every request is not free.
    static CONFIG: RefCell<Option<Rc<Config>>> = const { RefCell::new(None) };
}

pub fn config(env: &Env) -> Rc<Config> {
    CONFIG.with(|c| {
        c.borrow_mut()
            .get_or_insert_with(|| Rc::new(Config::from_env(env)))
            .clone()
    })
}

thread_local! {
    /// A random tag for this isolate and a count of its requests: with the time, they make
    /// request ids unique across isolates without asking the runtime for randomness each time.
    static ISOLATE_TAG: u32 = (js_sys::Math::random() * 4_294_967_296.0) as u32;
    static REQUESTS: Cell<u32> = const { Cell::new(0) };
}

/// A request id: the caller's `X-Request-Id` when it is sane, otherwise a new one made of the
/// time (ms, hex), this isolate's random tag and its request count.
fn request_id(req: &Request, now_ms: u64) -> String {
    if let Ok(Some(id)) = req.headers().get("x-request-id") {
        if !id.is_empty()
            && id.len() <= 128
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return id;
        }
    }
    let tag = ISOLATE_TAG.with(|t| *t);
    let n = REQUESTS.with(|c| {
        let n = c.get().wrapping_add(1);
        c.set(n);
        n
    });
    format!("{now_ms:x}-{tag:08x}{n:08x}")
}

/// The query string's pairs, decoded, read straight from the request URL (no full URL parse).
pub fn query_pairs(req: &Request) -> Vec<(String, String)> {
    let url = req.inner().url();
    match url.split_once('?') {
        Some((_, query)) => worker::url::form_urlencoded::parse(query.as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect(),
        None => Vec::new(),
    }
}

/// Now, in Unix seconds, for token and signature time checks.
pub fn now_unix() -> i64 {
    (Date::now().as_millis() / 1000) as i64
}

pub fn json_response(status: u16, body: &Value) -> std::result::Result<Response, ApiError> {
    Response::from_json(body)
        .map(|r| r.with_status(status))
        .map_err(ApiError::internal)
}

/// A response whose body is already JSON text (PostgREST's), passed through without re-parsing.
pub fn raw_json_response(status: u16, body: String) -> std::result::Result<Response, ApiError> {
    let headers = Headers::new();
    headers
        .set("Content-Type", "application/json")
        .map_err(ApiError::internal)?;
    Ok(Response::ok(body)
        .map_err(ApiError::internal)?
        .with_status(status)
        .with_headers(headers))
}

/// The request body as bytes, refused with 413 above the configured limit. Reads the declared
/// length first so an oversized body is refused without being buffered.
pub async fn raw_body(req: &mut Request, ctx: &Ctx) -> std::result::Result<Vec<u8>, ApiError> {
    let limit = ctx.cfg.max_body_bytes;
    let declared = req
        .headers()
        .get("content-length")
        .ok()
        .flatten()
        .and_then(|l| l.parse::<usize>().ok());
    if declared.is_some_and(|l| l > limit) {
        return Err(ApiError::PayloadTooLarge { limit });
    }
    let bytes = req
        .bytes()
        .await
        .map_err(|e| ApiError::bad_request(format!("Could not read the body: {e}")))?;
    if bytes.len() > limit {
        return Err(ApiError::PayloadTooLarge { limit });
    }
    Ok(bytes)
}

/// A JSON request body: 415 unless the content type is JSON, 413 above the limit.
pub async fn json_body(req: &mut Request, ctx: &Ctx) -> std::result::Result<Vec<u8>, ApiError> {
    let content_type = req
        .headers()
        .get("content-type")
        .ok()
        .flatten()
        .unwrap_or_default();
    let media = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    if media != "application/json"
        && !(media.starts_with("application/") && media.ends_with("+json"))
    {
        return Err(ApiError::UnsupportedMediaType {
            expected: "application/json",
        });
    }
    let body = raw_body(req, ctx).await?;
    // JSON is UTF-8 (RFC 8259): checked whole here, because a parser skipping a value it does
    // not keep (an unknown field's) never looks inside it.
    if std::str::from_utf8(&body).is_err() {
        return Err(ApiError::bad_request(
            "The body is not valid JSON: it is not UTF-8.",
        ));
    }
    Ok(body)
}

/// The problem+json answer for `err`. If even that cannot be built (a header the runtime
/// refuses), a fixed 500 body that needs nothing that can fail.
fn problem_response(
    err: &ApiError,
    path: &str,
    request_id: &str,
    origin: Option<&str>,
) -> Response {
    let built = (|| -> Result<Response> {
        let body = serde_json::to_string(&err.problem(path, request_id))?;
        let headers = Headers::new();
        headers.set("Content-Type", "application/problem+json")?;
        for (name, value) in err.headers() {
            headers.set(name, &value)?;
        }
        let response = Response::ok(body)?
            .with_status(err.status())
            .with_headers(headers);
        finish(response, request_id, origin).map_err(|e| worker::Error::RustError(format!("{e:?}")))
    })();
    built.unwrap_or_else(|e| {
        worker::console_error!(
            "{}",
            serde_json::json!({"level": "error", "request_id": request_id, "msg": "problem response failed", "cause": e.to_string()})
        );
        let headers = Headers::new();
        let _ = headers.set("Content-Type", "application/problem+json");
        Response::from_bytes(FALLBACK_500.as_bytes().to_vec())
            .map(|r| r.with_status(500).with_headers(headers))
            .unwrap_or_else(|_| Response::builder().with_status(500).empty())
    })
}

const FALLBACK_500: &str = r#"{"type":"/problems/internal","title":"Internal error","status":500,"detail":"Something went wrong on our side."}"#;

fn cors_origin(cfg: &Config, req: &Request) -> Option<String> {
    let origin = req.headers().get("origin").ok().flatten()?;
    cfg.cors_origins
        .iter()
        .any(|o| o == "*" || o.eq_ignore_ascii_case(&origin))
        .then_some(origin)
}

const CORS_ALLOW_HEADERS: &str =
    "authorization, apikey, content-type, prefer, x-request-id, webhook-id, webhook-timestamp, webhook-signature";
const CORS_ALLOW_METHODS: &str = "GET, POST, PATCH, DELETE, OPTIONS";

/// One structured log line: what was asked, what was answered, how long it took, and for a
/// failure its cause (never a secret: causes are written by this crate, not copied from input).
#[derive(Serialize)]
struct LogLine<'a> {
    level: &'a str,
    request_id: &'a str,
    method: &'a str,
    path: &'a str,
    status: u16,
    ms: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    cause: Option<&'a str>,
}

impl LogLine<'_> {
    fn write(&self) {
        let Ok(line) = serde_json::to_string(self) else {
            return;
        };
        match self.level {
            "error" => worker::console_error!("{}", line),
            "warn" => worker::console_warn!("{}", line),
            _ => worker::console_log!("{}", line),
        }
    }
}

/// Answers one request. Never an `Err`: the runtime would turn it into a bare 500 with no body
/// and no log line, so whatever fails here still becomes problem+json and a logged cause.
pub async fn serve(req: Request, env: Env) -> Response {
    let started = Date::now().as_millis();
    let cfg = config(&env);
    let request_id = request_id(&req, started);
    let method = req.inner().method();
    let path = req.path();
    let origin = cors_origin(&cfg, &req);

    let outcome = if method.eq_ignore_ascii_case("OPTIONS") && origin.is_some() {
        preflight()
    } else {
        let ctx = Ctx { cfg };
        routes::dispatch(req, &ctx).await
    };

    // One log line per request; a failure adds its level and, for 5xx, its cause.
    let mut level = "info";
    let mut cause = None;
    let response = match outcome.and_then(|r| finish(r, &request_id, origin.as_deref())) {
        Ok(r) => r,
        Err(err) => {
            level = if err.status() >= 500 { "error" } else { "warn" };
            cause = err.log_cause().map(String::from);
            problem_response(&err, &path, &request_id, origin.as_deref())
        }
    };
    LogLine {
        level,
        request_id: &request_id,
        method: &method,
        path: &path,
        status: response.status_code(),
        ms: Date::now().as_millis().saturating_sub(started),
        cause: cause.as_deref(),
    }
    .write();
    response
}

/// A CORS preflight from an allowed origin.
fn preflight() -> std::result::Result<Response, ApiError> {
    let headers = Headers::new();
    for (name, value) in [
        ("Access-Control-Allow-Methods", CORS_ALLOW_METHODS),
        ("Access-Control-Allow-Headers", CORS_ALLOW_HEADERS),
        ("Access-Control-Max-Age", "86400"),
    ] {
        headers.set(name, value).map_err(ApiError::internal)?;
    }
    Ok(Response::empty()
        .map_err(ApiError::internal)?
        .with_status(204)
        .with_headers(headers))
}

/// The headers every answer carries: the request id and, for an allowed origin, CORS.
fn finish(
    mut response: Response,
    request_id: &str,
    origin: Option<&str>,
) -> std::result::Result<Response, ApiError> {
    let headers = response.headers_mut();
    headers
        .set("X-Request-Id", request_id)
        .map_err(ApiError::internal)?;
    if let Some(origin) = origin {
        headers
            .set("Access-Control-Allow-Origin", origin)
            .and_then(|_| {
                headers.set(
                    "Access-Control-Expose-Headers",
                    "x-request-id, content-range, retry-after",
                )
            })
            .and_then(|_| headers.append("Vary", "Origin"))
            .map_err(ApiError::internal)?;
    }
    Ok(response)
}
