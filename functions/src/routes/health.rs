//! `GET /health`: the version and build, and whether PostgREST and the database answer, found with
//! one real query through PostgREST. 200 when both do; otherwise 503 problem+json with
//! `Retry-After`, saying which part is down.

use crate::http::Response;
use serde_json::json;

use crate::db::{self, As, DbError};
use crate::error::ApiError;
use crate::http::{json_response, Ctx};

/// Which sources the Worker was built from: `scripts/build-worker.sh` sets it to a digest of the
/// crates' sources, and the test command refuses a Worker whose build differs from the tree it
/// tests. `dev` for a build made any other way.
pub const BUILD_ID: &str = match option_env!("ROWGATE_BUILD_ID") {
    Some(id) => id,
    None => "dev",
};

pub async fn get(ctx: &Ctx) -> Result<Response, ApiError> {
    let leads = rowgate_core::registry::table("dyniq", "leads")
        .ok_or_else(|| ApiError::internal("dyniq.leads is not registered"))?;
    // A zero-row read of a real table: PostgREST must be up and must reach the database.
    let probe = match db::client(&ctx.cfg, leads.schema, As::ServiceRole) {
        Ok(client) => db::send(
            &ctx.cfg,
            client
                .from(leads.name)
                .query(&[("select", "id"), ("limit", "0")]),
            &[leads],
        )
        .await
        .map(|_| ()),
        Err(e) => Err(e),
    };
    let (postgrest, database, cause) = match probe {
        Ok(()) => {
            return json_response(
                200,
                &json!({
                    "status": "ok",
                    "version": env!("CARGO_PKG_VERSION"),
                    "build": BUILD_ID,
                    "postgrest": "ok",
                    "database": "ok",
                }),
            )
        }
        // No answer from PostgREST at all (refused, or nothing before the deadline).
        Err(DbError::NoAnswer { cause }) => ("unreachable", "unreachable", cause),
        // PostgREST answered that it cannot reach the database now.
        Err(DbError::Unavailable { cause }) => ("ok", "unreachable", cause),
        // Anything else (no service key configured, the probe refused): our fault, not an
        // outage, so a logged 500 rather than "database unreachable".
        Err(e) => return Err(e.into()),
    };
    Err(ApiError::Unhealthy {
        postgrest,
        database,
        cause,
    })
}
