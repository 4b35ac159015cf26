//! Companion's operations for signed-in users beyond the record API, each one SQL function called
//! with the caller's own token (the functions trust only `auth.uid()`):
//!
//! - `POST /v1/companion/profile`: `ensure_profile()`, the caller's profile, created on first
//!   call (there is no trigger on `auth.users`: six apps share it);
//! - `POST /v1/companion/onboarding/complete`: `complete_onboarding()`, one transaction;
//! - `POST /v1/companion/telegram/link`: `create_telegram_link_token()`, a single-use token from
//!   a CSPRNG, returned as the bot's `https://t.me/<bot>?start=<token>` deep link;
//! - `DELETE /v1/companion/telegram/link`: `unlink_telegram()`.

use crate::http::{Request, Response};
use rowgate_core::table::TableDef;
use rowgate_core::telegram;
use serde::Deserialize;
use serde_json::json;

use crate::auth;
use crate::db::{self, As};
use crate::error::ApiError;
use crate::http::{self as edge, Ctx};

const SCHEMA: &str = "companion";

fn table(name: &str) -> Result<&'static TableDef, ApiError> {
    rowgate_core::registry::table(SCHEMA, name)
        .ok_or_else(|| ApiError::internal(format!("{SCHEMA}.{name} is not registered")))
}

/// Calls `function` (no parameters) as the caller; the answer's body as PostgREST wrote it.
async fn as_caller(
    req: &Request,
    ctx: &Ctx,
    function: &str,
    tables: &[&'static TableDef],
) -> Result<String, ApiError> {
    let caller = auth::authenticate(req, ctx).await?;
    let client = db::client(&ctx.cfg, SCHEMA, As::Caller(caller.token()))?;
    let request = client.rpc(function, "{}");
    match db::send(&ctx.cfg, request, tables).await {
        Ok(answer) => Ok(answer.body),
        Err(db::DbError::NotFound { .. }) => Err(ApiError::NotFound {
            detail: match function {
                "complete_onboarding" => "You have no onboarding to complete: start it first.",
                _ => "You have no Companion profile yet: POST /v1/companion/profile first.",
            }
            .into(),
        }),
        Err(e) => Err(e.into()),
    }
}

/// `POST /v1/companion/profile`: 200 with the caller's profile.
pub async fn profile(req: Request, ctx: &Ctx) -> Result<Response, ApiError> {
    let body = as_caller(&req, ctx, "ensure_profile", &[table("users")?]).await?;
    Ok(Response::json(200, body))
}

/// `POST /v1/companion/onboarding/complete`: 200 with the completed onboarding row.
pub async fn complete_onboarding(req: Request, ctx: &Ctx) -> Result<Response, ApiError> {
    let tables = [table("onboarding")?, table("users")?];
    let body = as_caller(&req, ctx, "complete_onboarding", &tables).await?;
    Ok(Response::json(200, body))
}

#[derive(Deserialize)]
struct LinkToken {
    token: String,
    expires_at: String,
}

/// `POST /v1/companion/telegram/link`: 201 `{"url", "expires_at"}`, the deep link that connects
/// the Telegram account which opens it (once, before it expires).
pub async fn create_link(req: Request, ctx: &Ctx) -> Result<Response, ApiError> {
    let bot = ctx
        .cfg
        .telegram
        .bot_username
        .as_deref()
        .ok_or_else(|| ApiError::internal("TELEGRAM_BOT_USERNAME is not set"))?;
    let body = as_caller(&req, ctx, "create_telegram_link_token", &[table("users")?]).await?;
    let mut rows: Vec<LinkToken> = serde_json::from_str(&body).map_err(ApiError::internal)?;
    let link = rows
        .pop()
        .ok_or_else(|| ApiError::internal("create_telegram_link_token returned no token"))?;
    edge::json_response(
        201,
        &json!({"url": telegram::deep_link(bot, &link.token), "expires_at": link.expires_at}),
    )
}

/// `DELETE /v1/companion/telegram/link`: 204; the caller's Telegram account is disconnected.
pub async fn delete_link(req: Request, ctx: &Ctx) -> Result<Response, ApiError> {
    as_caller(&req, ctx, "unlink_telegram", &[table("users")?]).await?;
    Ok(Response::empty(204))
}
