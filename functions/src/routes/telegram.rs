//! Companion's Telegram bot: `POST /webhooks/companion/telegram`, the updates Telegram posts
//! after `setWebhook(url, secret_token, allowed_updates)`.
//!
//! Authenticity is Telegram's only mechanism: `X-Telegram-Bot-Api-Secret-Token` must equal
//! `TELEGRAM_WEBHOOK_SECRET`, compared in constant time; a missing header, a wrong one or no
//! configured secret is a 401 and writes nothing. Updates are parsed leniently (Telegram adds
//! fields with every Bot API version: design decision 12), and every update, of whatever kind,
//! is answered 2xx, since Telegram retries anything else and then drops it; only an unreachable
//! database answers 503, so that Telegram retries. Each update is one SQL function, one
//! transaction, keyed by `telegram:<bot id>:<update_id>`: a repeated update writes nothing and
//! is answered with an empty 200. A reply that needs no outbound call is the webhook's answer
//! (`{"method": "sendMessage", ...}`), which Telegram executes.

use crate::http::{Request, Response};
use rowgate_core::table::TableDef;
use rowgate_core::telegram::{self, texts, Command, LinkOutcome, TelegramError, UpdateKind};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::config::Telegram;
use crate::db::{self, As, DbError};
use crate::error::ApiError;
use crate::http::{self as edge, Ctx};

const SCHEMA: &str = "companion";

fn tables() -> Result<Vec<&'static TableDef>, ApiError> {
    ["users", "conversations", "messages", "scheduled_messages"]
        .iter()
        .map(|name| {
            rowgate_core::registry::table(SCHEMA, name)
                .ok_or_else(|| ApiError::internal(format!("{SCHEMA}.{name} is not registered")))
        })
        .collect()
}

fn rejected(e: TelegramError) -> ApiError {
    ApiError::Unauthorized {
        detail: e.to_string(),
    }
}

/// What every companion webhook function answers.
#[derive(Debug, Deserialize)]
struct Outcome {
    #[serde(default)]
    duplicate: bool,
    #[serde(default)]
    outcome: String,
}

/// Calls a companion function as the service role and reads its outcome.
async fn call(ctx: &Ctx, function: &str, params: Value) -> Result<Outcome, ApiError> {
    let client = db::client(&ctx.cfg, SCHEMA, As::ServiceRole)?;
    let request = client.rpc(function, params.to_string());
    let tables = tables()?;
    let answer = match db::send(&ctx.cfg, request, &tables).await {
        Ok(answer) => answer,
        // A value Telegram sent that the database refuses (a text over 4096 characters): the
        // update can never be stored, and Telegram would retry it for a day; it is logged and
        // acknowledged.
        Err(DbError::Invalid(errors)) => {
            worker::console_warn!(
                "{}",
                json!({"level": "warn", "msg": "a Telegram update the database refused: acknowledged, not stored",
                       "function": function, "errors": errors})
            );
            return Ok(Outcome {
                duplicate: false,
                outcome: "refused".into(),
            });
        }
        Err(e) => return Err(e.into()),
    };
    serde_json::from_str(&answer.body).map_err(|e| ApiError::internal(format!("{function}: {e}")))
}

/// The answer: Telegram executes a `sendMessage` reply; otherwise an empty 200.
fn answer(reply: Option<Value>) -> Result<Response, ApiError> {
    match reply {
        Some(body) => edge::json_response(200, &body),
        None => Ok(Response::empty(200)),
    }
}

/// `POST /webhooks/companion/telegram`.
pub async fn webhook(mut req: Request, ctx: &Ctx) -> Result<Response, ApiError> {
    let bot: &Telegram = &ctx.cfg.telegram;
    let presented = req.header(telegram::SECRET_HEADER);
    telegram::verify_secret(bot.webhook_secret.as_ref(), presented.as_deref()).map_err(rejected)?;
    let bot_id = bot
        .bot_token
        .as_ref()
        .and_then(telegram::bot_id)
        .ok_or_else(|| ApiError::internal("TELEGRAM_BOT_TOKEN is not set or not a bot token"))?;
    let body = edge::json_body(&mut req, ctx).await?;
    let update = telegram::parse_update(&body).map_err(|e| ApiError::bad_request(e.to_string()))?;
    let key = telegram::delivery_key(bot_id, update.update_id);
    let web = bot.web_app();

    let record = |ctx| {
        call(
            ctx,
            "record_telegram_update",
            json!({"p_delivery_key": key}),
        )
    };
    let (outcome, reply): (Outcome, Option<(i64, String)>) = match update.kind {
        UpdateKind::Command {
            chat_id,
            from,
            command,
            ..
        } => match command {
            Command::Start {
                payload: Some(token),
            } => {
                let outcome = call(
                    ctx,
                    "link_telegram",
                    json!({"p_delivery_key": key, "p_token": token,
                           "p_telegram_user_id": from.id, "p_username": from.username}),
                )
                .await?;
                let text = LinkOutcome::parse(&outcome.outcome)
                    .map(|o| o.reply(web))
                    .unwrap_or_else(|| texts::token_invalid(web));
                (outcome, Some((chat_id, text)))
            }
            Command::Start { payload: None } => {
                (record(ctx).await?, Some((chat_id, texts::start(web))))
            }
            Command::StartInvalidPayload => (
                record(ctx).await?,
                Some((chat_id, texts::token_invalid(web))),
            ),
            Command::Help => (record(ctx).await?, Some((chat_id, texts::help().into()))),
            Command::Settings => (
                record(ctx).await?,
                Some((chat_id, texts::settings(web, None))),
            ),
            Command::Pause | Command::Resume => {
                let paused = matches!(command, Command::Pause);
                let outcome = call(
                    ctx,
                    "set_daily_messages_paused",
                    json!({"p_delivery_key": key, "p_telegram_user_id": from.id, "p_paused": paused}),
                )
                .await?;
                let text = match (outcome.outcome.as_str(), paused) {
                    ("unlinked", _) => texts::not_linked(web),
                    (_, true) => texts::paused().into(),
                    (_, false) => texts::resumed().into(),
                };
                (outcome, Some((chat_id, text)))
            }
            Command::Unknown(_) => (
                record(ctx).await?,
                Some((chat_id, texts::unknown_command().into())),
            ),
        },
        UpdateKind::Text {
            chat_id,
            from,
            message_id,
            date,
            text,
        } => {
            let sent_at = rfc3339(date);
            let outcome = call(
                ctx,
                "receive_telegram_message",
                json!({"p_delivery_key": key, "p_telegram_user_id": from.id, "p_chat_id": chat_id,
                       "p_message_id": message_id, "p_text": text, "p_sent_at": sent_at}),
            )
            .await?;
            // A linked user's text is stored for the app's backend, which answers it.
            let reply = (outcome.outcome == "unlinked").then(|| (chat_id, texts::not_linked(web)));
            (outcome, reply)
        }
        UpdateKind::BlockedBot { user_id } => (
            call(
                ctx,
                "set_daily_messages_paused",
                json!({"p_delivery_key": key, "p_telegram_user_id": user_id, "p_paused": true}),
            )
            .await?,
            None,
        ),
        // Unblocking does not resume check-ins on its own: the user says /resume.
        UpdateKind::UnblockedBot { .. } | UpdateKind::Ignored { .. } => (record(ctx).await?, None),
    };
    if outcome.duplicate {
        // Telegram retries only what it did not get an answer for; the first answer's reply
        // may still have reached the user, so a repeat says nothing.
        return answer(None);
    }
    answer(reply.map(|(chat_id, text)| telegram::reply(chat_id, &text)))
}

/// Telegram's `date` (Unix seconds) as RFC 3339, for the `timestamptz` parameter; `None` when
/// it is out of range.
fn rfc3339(seconds: i64) -> Option<String> {
    chrono::DateTime::from_timestamp(seconds, 0)
        .filter(|_| seconds > 0)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
}
