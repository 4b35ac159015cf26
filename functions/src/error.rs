//! The one error contract: every failure becomes `application/problem+json` (RFC 9457) here,
//! exhaustively, so a new variant forces a decision about its status. 5xx bodies are generic;
//! their cause is logged with the request id.

use rowgate_core::error::ValidationErrors;
use rowgate_core::query::QueryError;
use serde_json::{json, Value};

use crate::db::DbError;

#[derive(Debug)]
pub enum ApiError {
    /// 400: the request is malformed in a way that is not about a record's fields.
    BadRequest { detail: String },
    /// 400: query parameters the record API refuses, every one of them.
    InvalidQuery(Vec<QueryError>),
    /// 401: no usable credentials; `detail` says what was wrong with them.
    Unauthorized { detail: String },
    /// 403: authenticated, but the role may not do this.
    Forbidden { detail: String },
    /// 404.
    NotFound { detail: String },
    /// 405, with the methods the route accepts.
    MethodNotAllowed { allowed: &'static str },
    /// 409: a unique constraint; `field` is the column it names.
    Conflict { field: String, detail: String },
    /// 413.
    PayloadTooLarge { limit: usize },
    /// 415.
    UnsupportedMediaType { expected: &'static str },
    /// 422: every field error at once.
    Validation(ValidationErrors),
    /// 503 with Retry-After: PostgREST or the database did not answer.
    Unavailable { cause: String },
    /// 500: a bug or a misconfiguration; the cause is logged, never sent.
    Internal { cause: String },
}

impl ApiError {
    pub fn bad_request(detail: impl Into<String>) -> Self {
        ApiError::BadRequest {
            detail: detail.into(),
        }
    }
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        ApiError::Internal {
            cause: cause.to_string(),
        }
    }

    pub fn status(&self) -> u16 {
        match self {
            ApiError::BadRequest { .. } | ApiError::InvalidQuery(_) => 400,
            ApiError::Unauthorized { .. } => 401,
            ApiError::Forbidden { .. } => 403,
            ApiError::NotFound { .. } => 404,
            ApiError::MethodNotAllowed { .. } => 405,
            ApiError::Conflict { .. } => 409,
            ApiError::PayloadTooLarge { .. } => 413,
            ApiError::UnsupportedMediaType { .. } => 415,
            ApiError::Validation(_) => 422,
            ApiError::Unavailable { .. } => 503,
            ApiError::Internal { .. } => 500,
        }
    }

    /// What to log beside the request id; `None` when the response body already says it all.
    pub fn log_cause(&self) -> Option<&str> {
        match self {
            ApiError::Unavailable { cause } | ApiError::Internal { cause } => Some(cause),
            ApiError::BadRequest { .. }
            | ApiError::InvalidQuery(_)
            | ApiError::Unauthorized { .. }
            | ApiError::Forbidden { .. }
            | ApiError::NotFound { .. }
            | ApiError::MethodNotAllowed { .. }
            | ApiError::Conflict { .. }
            | ApiError::PayloadTooLarge { .. }
            | ApiError::UnsupportedMediaType { .. }
            | ApiError::Validation(_) => None,
        }
    }

    /// Extra response headers the status calls for.
    pub fn headers(&self) -> Vec<(&'static str, String)> {
        match self {
            ApiError::Unauthorized { .. } => vec![("WWW-Authenticate", "Bearer".into())],
            ApiError::MethodNotAllowed { allowed } => vec![("Allow", (*allowed).into())],
            ApiError::Unavailable { .. } => vec![("Retry-After", "5".into())],
            ApiError::BadRequest { .. }
            | ApiError::InvalidQuery(_)
            | ApiError::Forbidden { .. }
            | ApiError::NotFound { .. }
            | ApiError::Conflict { .. }
            | ApiError::PayloadTooLarge { .. }
            | ApiError::UnsupportedMediaType { .. }
            | ApiError::Validation(_)
            | ApiError::Internal { .. } => Vec::new(),
        }
    }

    /// The problem+json body. `instance` is the request path, `request_id` ties it to the logs.
    pub fn problem(&self, instance: &str, request_id: &str) -> Value {
        let (slug, title, detail, errors): (&str, &str, String, Option<Value>) = match self {
            ApiError::BadRequest { detail } => ("bad-request", "Bad request", detail.clone(), None),
            ApiError::InvalidQuery(errors) => (
                "invalid-query",
                "Invalid query parameters",
                format!("{} query parameter(s) refused.", errors.len()),
                Some(Value::Array(
                    errors
                        .iter()
                        .map(|e| json!({ "field": e.param(), "code": "query", "message": e.to_string() }))
                        .collect(),
                )),
            ),
            ApiError::Unauthorized { detail } => {
                ("unauthorized", "Unauthorized", detail.clone(), None)
            }
            ApiError::Forbidden { detail } => ("forbidden", "Forbidden", detail.clone(), None),
            ApiError::NotFound { detail } => ("not-found", "Not found", detail.clone(), None),
            ApiError::MethodNotAllowed { allowed } => (
                "method-not-allowed",
                "Method not allowed",
                format!("This route accepts {allowed}."),
                None,
            ),
            ApiError::Conflict { field, detail } => (
                "conflict",
                "Conflict",
                detail.clone(),
                Some(json!([{ "field": field, "code": "unique", "message": detail }])),
            ),
            ApiError::PayloadTooLarge { limit } => (
                "payload-too-large",
                "Payload too large",
                format!("The body is larger than {limit} bytes."),
                None,
            ),
            ApiError::UnsupportedMediaType { expected } => (
                "unsupported-media-type",
                "Unsupported media type",
                format!("Send the body as {expected}."),
                None,
            ),
            ApiError::Validation(errors) => (
                "validation",
                "Validation failed",
                format!("{} field(s) failed validation.", errors.len()),
                Some(serde_json::to_value(errors.as_slice()).unwrap_or(Value::Null)),
            ),
            ApiError::Unavailable { .. } => (
                "unavailable",
                "Service unavailable",
                "The database is not answering; retry shortly.".into(),
                None,
            ),
            ApiError::Internal { .. } => (
                "internal",
                "Internal error",
                "Something went wrong on our side; quote the request id when reporting it.".into(),
                None,
            ),
        };
        let mut body = json!({
            "type": format!("/problems/{slug}"),
            "title": title,
            "status": self.status(),
            "detail": detail,
            "instance": instance,
            "request_id": request_id,
        });
        if let Some(errors) = errors {
            body["errors"] = errors;
        }
        body
    }
}

impl From<DbError> for ApiError {
    fn from(e: DbError) -> Self {
        match e {
            DbError::Unavailable { cause } => ApiError::Unavailable { cause },
            DbError::NotFound { detail } => ApiError::NotFound { detail },
            DbError::Forbidden { detail } => ApiError::Forbidden { detail },
            DbError::Unauthorized { detail } => ApiError::Unauthorized { detail },
            DbError::Conflict { field, detail } => ApiError::Conflict { field, detail },
            DbError::Invalid(errors) => ApiError::Validation(errors),
            DbError::BadQuery { detail } => ApiError::BadRequest { detail },
            DbError::Other { cause } => ApiError::Internal { cause },
        }
    }
}
