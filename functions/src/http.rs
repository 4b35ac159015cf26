//! The HTTP edge: the request and response types every handler uses, request ids, CORS, body
//! limits, one structured log line per request, and turning `ApiError` into problem+json.
//!
//! [`Request`] and [`Response`] sit directly on the runtime's objects: the request's method, URL
//! and headers are read once each, and a response becomes the runtime's `Response` in one call
//! to `respond` (functions/src/edge.js), its headers carried as one string. worker-rs's own
//! types cost more on every request (its request conversion parses `request.cf`, its response
//! conversion copies the body into a new `Uint8Array` and builds the init object property by
//! property); the README's measurement section has the figures.

use std::cell::{Cell, RefCell};
use std::ops::Range;
use std::rc::Rc;

use serde::Serialize;
use serde_json::Value;
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::JsValue;
use worker::wasm_bindgen_futures::JsFuture;
use worker::{js_sys, web_sys, Date, Env};

use crate::config::Config;
use crate::error::ApiError;
use crate::routes;

#[wasm_bindgen(module = "/src/edge.js")]
extern "C" {
    /// `new Response(body, {status, headers})`, the headers as "name\nvalue\n" lines. Throws
    /// (a status out of range, a body on a 204) only on a bug here.
    #[wasm_bindgen(catch)]
    fn respond(status: u16, headers: &str, body: &JsValue) -> Result<web_sys::Response, JsValue>;
}

/// The request as handlers see it: the runtime's request, its method, URL and path read once.
pub struct Request {
    inner: web_sys::Request,
    headers: web_sys::Headers,
    method: String,
    url: String,
    path: Range<usize>,
    body_used: bool,
}

impl Request {
    pub fn new(inner: web_sys::Request) -> Self {
        let url = inner.url();
        let path = path_range(&url);
        Request {
            headers: inner.headers(),
            method: inner.method(),
            url,
            path,
            inner,
            body_used: false,
        }
    }

    /// A request header's value (several of one name joined with ", ", as fetch does).
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers.get(name).ok().flatten()
    }

    /// The method as the client sent it (upper case for the standard ones, as fetch normalises).
    pub fn method(&self) -> &str {
        &self.method
    }

    /// The whole URL, as the runtime serialised it.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The path, still percent-encoded, without query or fragment.
    pub fn path(&self) -> &str {
        &self.url[self.path.clone()]
    }

    /// The query string without its `?` (empty when there is none).
    pub fn query(&self) -> &str {
        query_after(&self.url, self.path.end)
    }

    /// The body, read once.
    pub async fn bytes(&mut self) -> Result<Vec<u8>, String> {
        if std::mem::replace(&mut self.body_used, true) {
            return Err("the body was already read".into());
        }
        let buffer = self.inner.array_buffer().map_err(|e| js_message(&e))?;
        let buffer = JsFuture::from(buffer).await.map_err(|e| js_message(&e))?;
        Ok(js_sys::Uint8Array::new(&buffer).to_vec())
    }
}

/// Where the path of a serialised WHATWG URL lies: from the first `/` after the host to the first
/// `?` or `#` (special schemes always serialise a path, in which `?` and `#` are encoded).
fn path_range(url: &str) -> Range<usize> {
    let start = match url.find("://") {
        Some(i) => url[i + 3..].find('/').map_or(url.len(), |j| i + 3 + j),
        None => 0,
    };
    let end = url[start..]
        .find(['?', '#'])
        .map_or(url.len(), |j| start + j);
    start..end
}

/// The query of a serialised URL whose path ends at `path_end`: after the `?`, before any `#`.
fn query_after(url: &str, path_end: usize) -> &str {
    let rest = &url[path_end..];
    let rest = rest.strip_prefix('?').unwrap_or("");
    rest.split('#').next().unwrap_or("")
}

/// A JS exception's message, for logs.
pub fn js_message(e: &JsValue) -> String {
    use wasm_bindgen::JsCast;
    e.dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| e.as_string())
        .unwrap_or_else(|| format!("{e:?}"))
}

/// An answer under construction: status, header lines, body.
#[derive(Debug)]
pub struct Response {
    status: u16,
    /// "name\nvalue\n" lines, as `respond` takes them.
    headers: String,
    body: Body,
}

#[derive(Debug)]
enum Body {
    None,
    Text(String),
    /// A JavaScript string handed on as it came (PostgREST's rows).
    Js(JsValue),
}

impl Response {
    /// An answer with no body.
    pub fn empty(status: u16) -> Self {
        Response {
            status,
            headers: String::new(),
            body: Body::None,
        }
    }

    /// An answer whose body is `body`, of `content_type`.
    pub fn text(status: u16, content_type: &str, body: String) -> Self {
        let mut r = Response::empty(status);
        r.push_header("Content-Type", content_type);
        r.body = Body::Text(body);
        r
    }

    /// A JSON answer whose body is a JavaScript string (PostgREST's, passed on unread).
    pub fn json_js(status: u16, body: JsValue) -> Self {
        let mut r = Response::empty(status);
        r.push_header("Content-Type", "application/json");
        r.body = Body::Js(body);
        r
    }

    /// An answer whose body is already JSON text (PostgREST's), passed on as it is.
    pub fn json(status: u16, body: String) -> Self {
        Response::text(status, "application/json", body)
    }

    pub fn status(&self) -> u16 {
        self.status
    }

    /// Adds a header. A name or value with CR or LF is refused (HTTP forbids them, and they
    /// would break the lines the headers cross as).
    pub fn header(mut self, name: &str, value: &str) -> Result<Self, ApiError> {
        if [name, value].iter().any(|s| s.contains(['\n', '\r'])) {
            return Err(ApiError::internal(format!(
                "response header {name} holds a line break"
            )));
        }
        self.push_header(name, value);
        Ok(self)
    }

    fn push_header(&mut self, name: &str, value: &str) {
        self.headers.push_str(name);
        self.headers.push('\n');
        self.headers.push_str(value);
        self.headers.push('\n');
    }

    /// The runtime's `Response`, in one call. If the runtime refuses it (a bug: a status out of
    /// range, a body on a 204), the cause is logged and the client gets the fixed problem+json 500.
    fn into_js(self, request_id: &str) -> web_sys::Response {
        let status = self.status;
        let body = match self.body {
            Body::Text(text) => JsValue::from_str(&text),
            Body::Js(value) => value,
            Body::None => JsValue::NULL,
        };
        respond(status, &self.headers, &body).unwrap_or_else(|e| {
            worker::console_error!(
                "{}",
                serde_json::json!({"level": "error", "request_id": request_id, "msg": "the runtime refused the response", "status": status, "cause": js_message(&e)})
            );
            let headers = format!("Content-Type\napplication/problem+json\nX-Request-Id\n{request_id}\n");
            respond(500, &headers, &JsValue::from_str(FALLBACK_500))
                .expect("a fixed 500 with a request id the edge made is a valid response")
        })
    }
}

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
    if let Some(id) = req.header("x-request-id") {
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
    worker::url::form_urlencoded::parse(req.query().as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// Now, in Unix seconds, for token and signature time checks.
pub fn now_unix() -> i64 {
    (Date::now().as_millis() / 1000) as i64
}

pub fn json_response(status: u16, body: &Value) -> Result<Response, ApiError> {
    Ok(Response::json(status, body.to_string()))
}

/// The request body as bytes, refused with 413 above the configured limit. Reads the declared
/// length first so an oversized body is refused without being buffered.
pub async fn raw_body(req: &mut Request, ctx: &Ctx) -> Result<Vec<u8>, ApiError> {
    let limit = ctx.cfg.max_body_bytes;
    let declared = req
        .header("content-length")
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
pub async fn json_body(req: &mut Request, ctx: &Ctx) -> Result<Vec<u8>, ApiError> {
    let content_type = req.header("content-type").unwrap_or_default();
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

/// The problem+json answer for `err`. If even that cannot be built, a fixed 500 body that needs
/// nothing that can fail.
fn problem_response(
    err: &ApiError,
    path: &str,
    request_id: &str,
    origin: Option<&str>,
) -> Response {
    let built = (|| -> Result<Response, ApiError> {
        let body =
            serde_json::to_string(&err.problem(path, request_id)).map_err(ApiError::internal)?;
        let mut response = Response::text(err.status(), "application/problem+json", body);
        for (name, value) in err.headers() {
            response = response.header(name, &value)?;
        }
        finish(response, request_id, origin)
    })();
    built.unwrap_or_else(|e| {
        worker::console_error!(
            "{}",
            serde_json::json!({"level": "error", "request_id": request_id, "msg": "problem response failed", "cause": format!("{e:?}")})
        );
        Response::text(500, "application/problem+json", FALLBACK_500.into())
    })
}

const FALLBACK_500: &str = r#"{"type":"/problems/internal","title":"Internal error","status":500,"detail":"Something went wrong on our side."}"#;

fn cors_origin(cfg: &Config, req: &Request) -> Option<String> {
    let origin = req.header("origin")?;
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
pub async fn serve(req: web_sys::Request, env: Env) -> web_sys::Response {
    let started = Date::now().as_millis();
    let cfg = config(&env);
    let req = Request::new(req);
    let request_id = request_id(&req, started);
    let method = req.method().to_string();
    let path = req.path().to_string();
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
        status: response.status(),
        ms: Date::now().as_millis().saturating_sub(started),
        cause: cause.as_deref(),
    }
    .write();
    response.into_js(&request_id)
}

/// A CORS preflight from an allowed origin.
fn preflight() -> Result<Response, ApiError> {
    Response::empty(204)
        .header("Access-Control-Allow-Methods", CORS_ALLOW_METHODS)?
        .header("Access-Control-Allow-Headers", CORS_ALLOW_HEADERS)?
        .header("Access-Control-Max-Age", "86400")
}

/// The headers every answer carries: the request id and, for an allowed origin, CORS.
fn finish(
    response: Response,
    request_id: &str,
    origin: Option<&str>,
) -> Result<Response, ApiError> {
    let response = response.header("X-Request-Id", request_id)?;
    match origin {
        Some(origin) => response
            .header("Access-Control-Allow-Origin", origin)?
            .header(
                "Access-Control-Expose-Headers",
                "x-request-id, content-range, retry-after",
            )?
            .header("Vary", "Origin"),
        None => Ok(response),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(url: &str) -> (&str, &str) {
        let path = path_range(url);
        (&url[path.clone()], query_after(url, path.end))
    }

    #[test]
    fn the_path_and_query_are_sliced_from_the_serialised_url() {
        assert_eq!(
            parts("http://127.0.0.1:8787/v1/dyniq/leads?tier=eq.HOT&select=id#top"),
            ("/v1/dyniq/leads", "tier=eq.HOT&select=id")
        );
        assert_eq!(parts("https://api.example.com/health"), ("/health", ""));
        assert_eq!(parts("https://api.example.com/"), ("/", ""));
        assert_eq!(parts("https://api.example.com/a#frag"), ("/a", ""));
        assert_eq!(parts("https://api.example.com/a?#frag"), ("/a", ""));
        // `?` and `#` inside the path are percent-encoded by the serialiser; an `@` in the
        // userinfo or a `:` of the port is not a path.
        assert_eq!(
            parts("https://u:p@api.example.com:8443/v1/a%3Fb%23c?x=1"),
            ("/v1/a%3Fb%23c", "x=1")
        );
    }

    #[test]
    fn a_header_with_a_line_break_is_refused_not_sent() {
        for (name, value) in [("X-A", "a\nb"), ("X-A", "a\rb"), ("X-A\n", "a")] {
            let e = Response::empty(200).header(name, value).unwrap_err();
            assert_eq!(e.status(), 500, "{name:?} {value:?}");
        }
        let r = Response::json(201, "{}".into())
            .header("X-Request-Id", "abc")
            .unwrap();
        assert_eq!(r.status(), 201);
        assert_eq!(
            r.headers,
            "Content-Type\napplication/json\nX-Request-Id\nabc\n"
        );
    }
}
