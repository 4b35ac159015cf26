//! The one PostgREST adapter: sends a request built with the `postgrest` crate and turns every
//! answer into `Ok(DbResponse)` or a typed `DbError`. The crate returns non-2xx answers as `Ok`,
//! so the status is always checked here, and the database's own text never leaves this module.

use postgrest::Postgrest;
use rowgate_core::error::{FieldError, ValidationErrors};
use rowgate_core::violation::{self, ViolationKind};
use serde::Deserialize;

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
        let mut rows: Vec<serde_json::Value> =
            serde_json::from_str(&self.body).map_err(ApiError::internal)?;
        Ok(if rows.is_empty() {
            "null".into()
        } else {
            rows.swap_remove(0).to_string()
        })
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

/// Sends the request and checks the answer. `table` names the relation for field mapping.
pub async fn send(req: reqwest::RequestBuilder, table: &str) -> Result<DbResponse, DbError> {
    let resp = req.send().await.map_err(|e| DbError::Unavailable {
        cause: format!("PostgREST unreachable: {e}"),
    })?;
    let status = resp.status().as_u16();
    let content_range = resp
        .headers()
        .get("content-range")
        .and_then(|v| v.to_str().ok())
        .map(String::from);
    let body = resp.text().await.map_err(|e| DbError::Unavailable {
        cause: format!("PostgREST body: {e}"),
    })?;
    if (200..300).contains(&status) {
        return Ok(DbResponse {
            body,
            content_range,
        });
    }
    Err(classify(status, &body, table))
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
