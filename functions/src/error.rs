//! The one error contract: every failure becomes `application/problem+json` (RFC 9457) here,
//! exhaustively, so a new variant forces a decision about its status. 5xx bodies are generic;
//! their cause is logged with the request id.

use rowgate_core::error::ValidationErrors;
use rowgate_core::postgrest::query::QueryError;
use serde_json::{json, Value};

use crate::db::DbError;

#[derive(Debug)]
pub enum ApiError {
    /// 400: the request is malformed in a way that is not about a record's fields.
    BadRequest { detail: String },
    /// 400: query parameters the record API refuses, every one of them.
    InvalidQuery(Vec<QueryError>),
    /// 400: the body is not JSON, or not the JSON value the route takes (an object, an array).
    MalformedBody(ValidationErrors),
    /// 401: no usable credentials; `detail` says what was wrong with them.
    Unauthorized { detail: String },
    /// 403: authenticated, but the role may not do this.
    Forbidden { detail: String },
    /// 404.
    NotFound { detail: String },
    /// 405, with the methods the route accepts.
    MethodNotAllowed { allowed: &'static str },
    /// 409: a unique key is taken; `fields` are its columns, from the registry.
    Conflict { fields: Vec<String>, detail: String },
    /// 413.
    PayloadTooLarge { limit: usize },
    /// 416: `offset` is past the last row (with `count=exact`).
    RangeNotSatisfiable,
    /// 415.
    UnsupportedMediaType { expected: &'static str },
    /// 422: every field error at once.
    Validation(ValidationErrors),
    /// 503 with Retry-After: PostgREST or the database did not answer.
    Unavailable { cause: String },
    /// 503 with Retry-After from `/health`: which part is down.
    Unhealthy {
        postgrest: &'static str,
        database: &'static str,
        cause: String,
    },
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

    /// What shaping refused: a body that is not JSON is the request's form at fault, 400;
    /// anything else (a wrong type, an empty array, the fields) is about its content, 422.
    pub fn shaping(errors: ValidationErrors) -> Self {
        if errors.is_malformed() {
            ApiError::MalformedBody(errors)
        } else {
            ApiError::Validation(errors)
        }
    }

    pub fn status(&self) -> u16 {
        match self {
            ApiError::BadRequest { .. }
            | ApiError::InvalidQuery(_)
            | ApiError::MalformedBody(_) => 400,
            ApiError::Unauthorized { .. } => 401,
            ApiError::Forbidden { .. } => 403,
            ApiError::NotFound { .. } => 404,
            ApiError::MethodNotAllowed { .. } => 405,
            ApiError::Conflict { .. } => 409,
            ApiError::PayloadTooLarge { .. } => 413,
            ApiError::RangeNotSatisfiable => 416,
            ApiError::UnsupportedMediaType { .. } => 415,
            ApiError::Validation(_) => 422,
            ApiError::Unavailable { .. } | ApiError::Unhealthy { .. } => 503,
            ApiError::Internal { .. } => 500,
        }
    }

    /// What to log beside the request id; `None` when the response body already says it all.
    pub fn log_cause(&self) -> Option<&str> {
        match self {
            ApiError::Unavailable { cause }
            | ApiError::Unhealthy { cause, .. }
            | ApiError::Internal { cause } => Some(cause),
            ApiError::BadRequest { .. }
            | ApiError::InvalidQuery(_)
            | ApiError::MalformedBody(_)
            | ApiError::Unauthorized { .. }
            | ApiError::Forbidden { .. }
            | ApiError::NotFound { .. }
            | ApiError::MethodNotAllowed { .. }
            | ApiError::Conflict { .. }
            | ApiError::PayloadTooLarge { .. }
            | ApiError::RangeNotSatisfiable
            | ApiError::UnsupportedMediaType { .. }
            | ApiError::Validation(_) => None,
        }
    }

    /// Extra response headers the status calls for.
    pub fn headers(&self) -> Vec<(&'static str, String)> {
        match self {
            ApiError::Unauthorized { .. } => vec![("WWW-Authenticate", "Bearer".into())],
            ApiError::MethodNotAllowed { allowed } => vec![("Allow", (*allowed).into())],
            ApiError::Unavailable { .. } | ApiError::Unhealthy { .. } => {
                vec![("Retry-After", "5".into())]
            }
            ApiError::BadRequest { .. }
            | ApiError::InvalidQuery(_)
            | ApiError::MalformedBody(_)
            | ApiError::Forbidden { .. }
            | ApiError::NotFound { .. }
            | ApiError::Conflict { .. }
            | ApiError::PayloadTooLarge { .. }
            | ApiError::RangeNotSatisfiable
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
            ApiError::MalformedBody(errors) => (
                "malformed-body",
                "Malformed body",
                errors
                    .iter()
                    .next()
                    .map_or_else(|| "The body is not valid JSON.".into(), |e| e.message.to_string()),
                Some(serde_json::to_value(errors.as_slice()).unwrap_or(Value::Null)),
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
            ApiError::Conflict { fields, detail } => (
                "conflict",
                "Conflict",
                detail.clone(),
                Some(Value::Array(
                    fields
                        .iter()
                        .map(|f| json!({ "field": f, "code": "unique", "message": detail }))
                        .collect(),
                )),
            ),
            ApiError::PayloadTooLarge { limit } => (
                "payload-too-large",
                "Payload too large",
                format!("The body is larger than {limit} bytes."),
                None,
            ),
            ApiError::RangeNotSatisfiable => (
                "range-not-satisfiable",
                "Range not satisfiable",
                "The page starts after the last row: lower `offset`.".into(),
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
            ApiError::Unhealthy { .. } => (
                "unavailable",
                "Service unavailable",
                "A part of the stack is not answering; retry shortly.".into(),
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
        if let ApiError::Unhealthy {
            postgrest,
            database,
            ..
        } = self
        {
            body["postgrest"] = json!(postgrest);
            body["database"] = json!(database);
        }
        body
    }
}

impl From<DbError> for ApiError {
    fn from(e: DbError) -> Self {
        match e {
            DbError::NoAnswer { cause } | DbError::Unavailable { cause } => {
                ApiError::Unavailable { cause }
            }
            DbError::RangeNotSatisfiable => ApiError::RangeNotSatisfiable,
            DbError::Forbidden { detail } => ApiError::Forbidden { detail },
            DbError::NotFound { detail } => ApiError::NotFound { detail },
            DbError::Unauthorized { detail } => ApiError::Unauthorized { detail },
            DbError::Conflict { fields, detail } => ApiError::Conflict { fields, detail },
            DbError::Invalid(errors) => ApiError::Validation(errors),
            DbError::Other { cause } | DbError::Raised { cause, .. } => {
                ApiError::Internal { cause }
            }
        }
    }
}
