//! Outbound HTTP through the runtime's own `fetch`, always with a deadline: a peer that hangs
//! (PostgREST waiting on a locked database, a key server that accepts and never answers) costs a
//! request at most the configured time, never the whole request budget.

use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};
use worker::js_sys;
use worker::wasm_bindgen_futures::JsFuture;

/// Why an outbound call got no answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchError {
    /// No answer (status and body) within the deadline.
    Timeout { ms: u32 },
    /// The connection failed: refused, reset, DNS.
    Network { message: String },
    /// The request could not even be built (a header the runtime refuses): a bug.
    Request { message: String },
}

impl std::fmt::Display for FetchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FetchError::Timeout { ms } => write!(f, "no answer within {ms} ms"),
            FetchError::Network { message } => write!(f, "unreachable: {message}"),
            FetchError::Request { message } => {
                write!(f, "request refused by the runtime: {message}")
            }
        }
    }
}

/// An answer whose body stays a JavaScript string: handed on to the client as it is (a page of
/// rows, a bulk insert's rows) without being copied into wasm memory and back.
pub struct KeptAnswer {
    pub status: u16,
    /// PostgREST's page and count.
    pub content_range: Option<String>,
    pub retry_after: Option<String>,
    pub body: JsValue,
}

/// An answer: status, the headers callers read, and the body as text.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    /// How long a rate-limited service (Twilio's 429) asks to be left alone.
    pub retry_after: Option<String>,
    pub body: String,
}

/// What to send.
pub struct Outbound<'a> {
    pub method: &'a str,
    pub url: &'a str,
    pub headers: Vec<(&'a str, &'a str)>,
    pub body: Option<&'a [u8]>,
    pub timeout_ms: u32,
}

#[wasm_bindgen(module = "/src/edge.js")]
extern "C" {
    /// `fetch` with a deadline over headers and body; resolves to a [`JsAnswer`], never rejects.
    #[wasm_bindgen(js_name = send)]
    fn js_send(
        method: &str,
        url: &str,
        headers: &str,
        body: &JsValue,
        timeout_ms: u32,
    ) -> js_sys::Promise;

    /// What `send` resolves to: the answer, or `failure` ("request", "timeout", "network").
    type JsAnswer;
    #[wasm_bindgen(method, getter)]
    fn status(this: &JsAnswer) -> u16;
    #[wasm_bindgen(method, getter, js_name = contentRange)]
    fn content_range(this: &JsAnswer) -> Option<String>;
    #[wasm_bindgen(method, getter, js_name = retryAfter)]
    fn retry_after(this: &JsAnswer) -> Option<String>;
    #[wasm_bindgen(method, getter)]
    fn body(this: &JsAnswer) -> JsValue;
    #[wasm_bindgen(method, getter)]
    fn failure(this: &JsAnswer) -> Option<String>;
    #[wasm_bindgen(method, getter)]
    fn message(this: &JsAnswer) -> Option<String>;
}

/// Sends the request and reads the whole body before the deadline, into a Rust string.
pub async fn send(out: Outbound<'_>) -> Result<Answer, FetchError> {
    let answer = send_keeping_body(out).await?;
    Ok(Answer {
        status: answer.status,
        retry_after: answer.retry_after,
        body: answer.body.as_string().unwrap_or_default(),
    })
}

/// Sends the request and reads the whole body before the deadline, leaving it in JavaScript:
/// one call into JavaScript (functions/src/edge.js), the headers as one string of lines.
pub async fn send_keeping_body(out: Outbound<'_>) -> Result<KeptAnswer, FetchError> {
    let mut lines = String::new();
    for (name, value) in &out.headers {
        if [name, value].iter().any(|s| s.contains(['\n', '\r'])) {
            return Err(FetchError::Request {
                message: format!("header {name} holds a line break"),
            });
        }
        lines.push_str(name);
        lines.push('\n');
        lines.push_str(value);
        lines.push('\n');
    }
    let body = match out.body.filter(|b| !b.is_empty()) {
        None => JsValue::NULL,
        Some(bytes) => match std::str::from_utf8(bytes) {
            Ok(text) => JsValue::from_str(text),
            Err(_) => js_sys::Uint8Array::from(bytes).into(),
        },
    };
    let promise = js_send(out.method, out.url, &lines, &body, out.timeout_ms);
    let answer: JsAnswer = JsFuture::from(promise)
        .await
        .map_err(|e| FetchError::Network {
            message: crate::http::js_message(&e),
        })?
        .unchecked_into();
    let message = || answer.message().unwrap_or_default();
    match answer.failure().as_deref() {
        None => Ok(KeptAnswer {
            status: answer.status(),
            content_range: answer.content_range(),
            retry_after: answer.retry_after(),
            body: answer.body(),
        }),
        Some("timeout") => Err(FetchError::Timeout { ms: out.timeout_ms }),
        Some("request") => Err(FetchError::Request { message: message() }),
        Some(_) => Err(FetchError::Network { message: message() }),
    }
}
