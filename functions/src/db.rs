//! The one PostgREST adapter: sends a request built with the `postgrest` crate and turns every
//! answer into `Ok(DbResponse)` or a typed `DbError`. The crate returns non-2xx answers as `Ok`,
//! so the status is always checked here, and the database's own text never leaves this module.

use postgrest::Postgrest;
use rowgate_core::error::{FieldError, ValidationErrors};
use rowgate_core::violation::{self, ViolationKind};
use serde::Deserialize;
use worker::wasm_bindgen::{JsCast, JsValue};
use worker::wasm_bindgen_futures::JsFuture;
use worker::web_sys;

use crate::config::Config;
use crate::error::ApiError;

#[derive(Debug)]
pub enum DbError {
    /// PostgREST or the database did not answer.
    Unavailable {
        cause: String,
    },
    NotFound {
        detail: String,
    },
    Forbidden {
        detail: String,
    },
    /// PostgREST rejected the token it was given.
    Unauthorized {
        detail: String,
    },
    /// A unique constraint, with the field it names.
    Conflict {
        field: String,
        detail: String,
    },
    /// Foreign key, check or not-null violations, as field errors.
    Invalid(ValidationErrors),
    /// A filter, order or select the database could not apply.
    BadQuery {
        detail: String,
    },
    /// Anything else: logged, answered with a generic 500.
    Other {
        cause: String,
    },
}

#[derive(Debug)]
pub struct DbResponse {
    pub body: String,
    /// PostgREST's `Content-Range` (`0-24/3573` with an exact count).
    pub content_range: Option<String>,
}

impl DbResponse {
    /// PostgREST answers writes with an array; a single record sent gets its row back (`null`
    /// when the write touched none).
    pub fn first_row(&self) -> Result<String, ApiError> {
        // Sliced out as PostgREST wrote it, not parsed into values and written again.
        let rows: Vec<&serde_json::value::RawValue> =
            serde_json::from_str(&self.body).map_err(ApiError::internal)?;
        Ok(rows
            .first()
            .map_or_else(|| "null".into(), |row| row.get().to_string()))
    }
}

/// PostgREST's error body.
#[derive(Debug, Deserialize)]
struct PgrstError {
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    details: Option<String>,
}

/// Who the request runs as: the caller's own token (RLS decides), or the service role for
/// webhooks and trusted server-to-server calls.
pub enum As<'a> {
    Caller(&'a str),
    ServiceRole,
}

/// A client for one app schema, authenticated as `who`.
pub fn client(cfg: &Config, schema: &str, who: As<'_>) -> Result<Postgrest, DbError> {
    let service = || {
        cfg.service_role_key
            .as_ref()
            .map(|k| k.expose().to_string())
            .ok_or_else(|| DbError::Other {
                cause: "SUPABASE_SERVICE_ROLE_KEY is not set".into(),
            })
    };
    let token = match who {
        As::Caller(token) => token.to_string(),
        As::ServiceRole => service()?,
    };
    // Hosted Supabase's gateway wants an `apikey`; the anon key identifies the project.
    let apikey = match &cfg.anon_key {
        Some(k) => k.expose().to_string(),
        None => token.clone(),
    };
    if cfg.postgrest_url.is_empty() {
        return Err(DbError::Other {
            cause: "neither POSTGREST_URL nor SUPABASE_URL is set".into(),
        });
    }
    Ok(Postgrest::new(cfg.postgrest_url.clone())
        .schema(schema)
        .insert_header("apikey", apikey)
        .insert_header("Authorization", format!("Bearer {token}")))
}

/// Sends the request the `postgrest` crate built and checks the answer.
///
/// The request goes out through the runtime's own `fetch`, called directly: reqwest's wasm client
/// adds an `AbortController` per request (aborted on drop, which builds an exception with a stack
/// trace) and round-trips every response header through `JSON.stringify`, and worker-rs reads a
/// response body chunk by chunk through a stream reader. `Response.text()` reads it in one call.
pub async fn send(req: reqwest::RequestBuilder, table: &str) -> Result<DbResponse, DbError> {
    let built = req.build().map_err(|e| DbError::Other {
        cause: format!("PostgREST request: {e}"),
    })?;
    let unreachable = |e: JsValue| DbError::Unavailable {
        cause: format!("PostgREST unreachable: {}", js_message(&e)),
    };
    let init = fetch_init(&built)?;
    let global: web_sys::WorkerGlobalScope = worker::js_sys::global().unchecked_into();
    let resp: web_sys::Response =
        JsFuture::from(global.fetch_with_str_and_init(built.url().as_str(), &init))
            .await
            .map_err(unreachable)?
            .unchecked_into();
    let status = resp.status();
    let content_range = resp.headers().get("content-range").ok().flatten();
    let body = JsFuture::from(resp.text().map_err(unreachable)?)
        .await
        .map_err(unreachable)?
        .as_string()
        .unwrap_or_default();
    if (200..300).contains(&status) {
        return Ok(DbResponse {
            body,
            content_range,
        });
    }
    Err(classify(status, &body, table))
}

/// The `fetch` options for a request the `postgrest` crate built: method, headers and body,
/// unchanged (the URL, with its query, is passed beside them).
fn fetch_init(built: &reqwest::Request) -> Result<web_sys::RequestInit, DbError> {
    let other = |e: JsValue| DbError::Other {
        cause: format!("PostgREST request: {}", js_message(&e)),
    };
    let headers = web_sys::Headers::new().map_err(other)?;
    for (name, value) in built.headers() {
        let value = value.to_str().map_err(|e| DbError::Other {
            cause: format!("PostgREST request header {name}: {e}"),
        })?;
        headers.append(name.as_str(), value).map_err(other)?;
    }
    let init = web_sys::RequestInit::new();
    init.set_method(built.method().as_str());
    init.set_headers(&headers);
    if let Some(bytes) = built
        .body()
        .and_then(|b| b.as_bytes())
        .filter(|b| !b.is_empty())
    {
        let body = match std::str::from_utf8(bytes) {
            Ok(text) => JsValue::from_str(text),
            Err(_) => worker::js_sys::Uint8Array::from(bytes).into(),
        };
        init.set_body(&body);
    }
    Ok(init)
}

/// A JS exception's message, for logs.
fn js_message(e: &JsValue) -> String {
    e.dyn_ref::<worker::js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| e.as_string())
        .unwrap_or_else(|| format!("{e:?}"))
}

fn classify(status: u16, body: &str, table: &str) -> DbError {
    let err: PgrstError = serde_json::from_str(body).unwrap_or(PgrstError {
        code: None,
        message: None,
        details: None,
    });
    let code = err.code.as_deref().unwrap_or("");
    let message = err.message.as_deref().unwrap_or("");
    let cause = format!("PostgREST {status} {code}: {message}");
    if let Some(v) = violation::parse(table, code, message, err.details.as_deref()) {
        return match v.kind {
            ViolationKind::Unique => DbError::Conflict {
                detail: v.message(),
                field: v.field,
            },
            ViolationKind::ForeignKey | ViolationKind::Check | ViolationKind::NotNull => {
                DbError::Invalid(ValidationErrors::from(vec![FieldError::new(
                    v.field.clone(),
                    v.kind.code(),
                    v.message(),
                )]))
            }
        };
    }
    match (status, code) {
        (503, _) | (502, _) | (504, _) => DbError::Unavailable { cause },
        (_, c)
            if c.starts_with("PGRST00") || c.starts_with("08") || c == "57P01" || c == "57P03" =>
        {
            DbError::Unavailable { cause }
        }
        (_, "42501") => DbError::Forbidden {
            detail: "Your role may not do this with this table.".into(),
        },
        (_, c) if c.starts_with("PGRST30") => DbError::Unauthorized {
            detail: "The database did not accept the token.".into(),
        },
        (_, "PGRST116") => DbError::NotFound {
            detail: "No matching record.".into(),
        },
        (404, _) => DbError::NotFound {
            detail: "No such table or function.".into(),
        },
        // Bad filter values (22P02 invalid text, 22007 bad date, 22023, 42703 unknown column, PGRST1xx parse errors).
        (_, c)
            if c.starts_with("22")
                || c == "42703"
                || c.starts_with("PGRST1")
                || c == "PGRST204" =>
        {
            DbError::BadQuery {
                detail: "A filter, order or value could not be applied to this table's columns."
                    .into(),
            }
        }
        _ => DbError::Other { cause },
    }
}
