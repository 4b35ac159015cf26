//! `GET /health`: the version, and whether PostgREST and the database answer, found with one
//! real query through PostgREST. 200 when both do, 503 otherwise.

use serde_json::json;
use worker::Response;

use crate::db::{self, As, DbError};
use crate::error::ApiError;
use crate::http::{json_response, Ctx};

pub async fn get(ctx: &Ctx) -> Result<Response, ApiError> {
    // A zero-row read of a real table: PostgREST must be up and must reach the database.
    let probe = match db::client(&ctx.cfg, "dyniq", As::ServiceRole) {
        Ok(client) => db::send(client.from("leads").select("id").limit(0).build(), "leads")
            .await
            .map(|_| ()),
        Err(e) => Err(e),
    };
    let (postgrest, database, cause) = match &probe {
        Ok(()) => (true, true, None),
        // PostgREST answered, but could not reach the database.
        Err(DbError::Unavailable { cause }) if !cause.starts_with("PostgREST unreachable") => {
            (true, false, Some(cause.clone()))
        }
        Err(DbError::Unavailable { cause }) => (false, false, Some(cause.clone())),
        Err(other) => (true, false, Some(format!("{other:?}"))),
    };
    let healthy = postgrest && database;
    if let Some(cause) = cause {
        worker::console_warn!(
            "{}",
            json!({"level": "warn", "request_id": ctx.request_id, "msg": "health check failed", "cause": cause})
        );
    }
    json_response(
        if healthy { 200 } else { 503 },
        &json!({
            "status": if healthy { "ok" } else { "unavailable" },
            "version": env!("CARGO_PKG_VERSION"),
            "postgrest": if postgrest { "ok" } else { "unreachable" },
            "database": if database { "ok" } else { "unreachable" },
        }),
    )
}
