//! Outbound HTTP through the runtime's own `fetch`, always with a deadline: a peer that hangs
//! (PostgREST waiting on a locked database, a key server that accepts and never answers) costs a
//! request at most the configured time, never the whole request budget.

use worker::wasm_bindgen::{JsCast, JsValue};
use worker::wasm_bindgen_futures::JsFuture;
use worker::web_sys;

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

/// An answer: status, the headers callers read, and the body as text.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    /// PostgREST's page and count.
    pub content_range: Option<String>,
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

/// Sends the request and reads the whole body before the deadline.
pub async fn send(out: Outbound<'_>) -> Result<Answer, FetchError> {
    let request = |e: JsValue| FetchError::Request {
        message: js_message(&e),
    };
    let headers = web_sys::Headers::new().map_err(request)?;
    for (name, value) in &out.headers {
        headers.append(name, value).map_err(request)?;
    }
    let init = web_sys::RequestInit::new();
    init.set_method(out.method);
    init.set_headers(&headers);
    if let Some(bytes) = out.body.filter(|b| !b.is_empty()) {
        let body = match std::str::from_utf8(bytes) {
            Ok(text) => JsValue::from_str(text),
            Err(_) => worker::js_sys::Uint8Array::from(bytes).into(),
        };
        init.set_body(&body);
    }
    // One signal for the whole exchange: it aborts the body read as well as the wait for headers.
    let signal = web_sys::AbortSignal::timeout_with_u32(out.timeout_ms);
    init.set_signal(Some(&signal));
    let failed = |e: JsValue| {
        if signal.aborted() {
            FetchError::Timeout { ms: out.timeout_ms }
        } else {
            FetchError::Network {
                message: js_message(&e),
            }
        }
    };
    let global: web_sys::WorkerGlobalScope = worker::js_sys::global().unchecked_into();
    let resp: web_sys::Response = JsFuture::from(global.fetch_with_str_and_init(out.url, &init))
        .await
        .map_err(failed)?
        .unchecked_into();
    let status = resp.status();
    let content_range = resp.headers().get("content-range").ok().flatten();
    let retry_after = resp.headers().get("retry-after").ok().flatten();
    let body = JsFuture::from(resp.text().map_err(failed)?)
        .await
        .map_err(failed)?
        .as_string()
        .unwrap_or_default();
    Ok(Answer {
        status,
        content_range,
        retry_after,
        body,
    })
}

/// A JS exception's message, for logs.
fn js_message(e: &JsValue) -> String {
    e.dyn_ref::<worker::js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| e.as_string())
        .unwrap_or_else(|| format!("{e:?}"))
}
