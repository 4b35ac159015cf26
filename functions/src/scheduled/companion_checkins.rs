//! Companion's daily check-ins: sends the rows `companion.plan_daily_messages` planned (one per
//! eligible user per local day, pg_cron) through the Bot API's `sendMessage`.
//!
//! One run:
//! 1. `fail_stuck_scheduled_messages(lease)`: a check-in a run claimed and never reported is
//!    failed ('unknown outcome'), never sent again.
//! 2. `claim_scheduled_messages(n)`: the due rows, eligibility checked again in the same
//!    statement (paused or unlinked users' rows skipped), each claimed `processing`; `n` is sized
//!    to the run's share of the subrequest limit (Telegram, then the report: two per row).
//! 3. Each row: its content, or the core's fallback text for the user's support style, sent with
//!    `sendMessage`; then one report:
//!    - sent (a `message_id` came back): `record_scheduled_message_sent`, which starts the day's
//!      telegram conversation with the check-in as its first (assistant) message;
//!    - 403 (the user blocked the bot, or is deactivated): failed, and the user paused;
//!    - 429: back to pending after Telegram's `retry_after`; the run sends nothing more and puts
//!      back the rest the same way;
//!    - 5xx or our token refused: back to pending in a minute (the planner's two-hour window
//!      still bounds it);
//!    - other 4xx (chat not found): failed;
//!    - no answer in time, a lost connection, a 2xx without a message id: the outcome is unknown,
//!      so it is failed, never resent.
//!
//! The bot token is part of every Bot API URL: no URL, request or token reaches a log line.

use rowgate_core::telegram::{self, SendOutcome};
use serde::{Deserialize, Serialize};
use serde_json::json;
use worker::Date;

use super::{claim_limit, rpc};
use crate::config::Config;
use crate::fetch::{self, FetchError, Outbound};

/// The tables this job's functions write, for naming a violation.
const TABLES: &[&str] = &["scheduled_messages", "conversations", "messages", "users"];
const SCHEMA: &str = "companion";
/// A temporary failure (5xx, our token refused) is tried again after this long.
const TEMPORARY_RETRY_SECONDS: u32 = 60;
/// A row is not sent when less than this is left of its lease.
const LEASE_MARGIN_MS: u64 = 60_000;

/// A claimed check-in: the columns of `claim_scheduled_messages` the sender reads.
#[derive(Debug, Deserialize)]
struct Claimed {
    id: String,
    chat_id: i64,
    content: Option<String>,
    display_name: Option<String>,
    companion_name: Option<String>,
    support_style: Option<String>,
}

/// What a run did, for its log line.
#[derive(Debug, Default, Serialize)]
pub struct Report {
    pub settled_by_lease: i64,
    pub claimed: usize,
    pub sent: usize,
    /// Put back to pending (429, 5xx).
    pub retried: usize,
    /// Failed: blocked (the user paused), chat not found and the like.
    pub failed: usize,
    pub blocked: usize,
    /// Sends whose outcome is unknown (failed, never resent).
    pub unknown: usize,
    /// Reports that could not be written: the lease settles those rows.
    pub unreported: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub halted: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skipped: Option<&'static str>,
}

impl Report {
    pub fn is_quiet(&self) -> bool {
        self.failed == 0
            && self.unknown == 0
            && self.unreported == 0
            && self.halted.is_none()
            && self.skipped.is_none()
    }
}

/// One run with `subrequests` to spend.
pub async fn run(cfg: &Config, subrequests: u32) -> Result<Report, String> {
    let mut report = Report::default();
    let Some(token) = cfg.telegram.bot_token.as_ref() else {
        report.skipped = Some("TELEGRAM_BOT_TOKEN is not set: check-ins stay pending");
        return Ok(report);
    };
    let limit = claim_limit(subrequests);
    if limit == 0 {
        report.skipped = Some("SCHEDULED_SUBREQUESTS leaves no room for a check-in");
        return Ok(report);
    }
    let lease_ms = u64::from(cfg.sms_lease_seconds) * 1000;
    let settled = rpc(
        cfg,
        SCHEMA,
        TABLES,
        "fail_stuck_scheduled_messages",
        json!({"p_lease": format!("{} seconds", cfg.sms_lease_seconds)}),
    )
    .await?;
    report.settled_by_lease = settled.trim().parse().unwrap_or_default();

    let claimed_at = Date::now().as_millis();
    let rows = rpc(
        cfg,
        SCHEMA,
        TABLES,
        "claim_scheduled_messages",
        json!({"p_limit": limit}),
    )
    .await?;
    let rows: Vec<Claimed> =
        serde_json::from_str(&rows).map_err(|e| format!("claim_scheduled_messages' rows: {e}"))?;
    report.claimed = rows.len();
    let url = telegram::method_url(&cfg.telegram.api_base_url, token, "sendMessage");

    for row in &rows {
        let text = match row.content.as_deref().map(str::trim) {
            Some(content) if !content.is_empty() => content.to_string(),
            _ => telegram::checkin_text(
                row.display_name.as_deref(),
                row.companion_name
                    .as_deref()
                    .unwrap_or(telegram::DEFAULT_COMPANION_NAME),
                row.support_style.as_deref().unwrap_or("friendly_checkin"),
            ),
        };
        let elapsed = Date::now().as_millis().saturating_sub(claimed_at);
        let outcome = if let Some(reason) = &report.halted {
            // After a 429 nothing more is sent; Telegram's wait applies to the rest.
            SendOutcome::RetryAfter {
                seconds: TEMPORARY_RETRY_SECONDS,
                description: format!("not sent: {reason}"),
            }
        } else if elapsed + LEASE_MARGIN_MS > lease_ms {
            SendOutcome::Temporary {
                description: "not sent: its lease was running out".into(),
            }
        } else {
            send(&url, cfg.telegram.timeout_ms, row.chat_id, &text).await
        };
        let (function, params) = match &outcome {
            SendOutcome::Sent { message_id } => {
                report.sent += 1;
                (
                    "record_scheduled_message_sent",
                    json!({"p_id": row.id, "p_content": text, "p_telegram_message_id": message_id}),
                )
            }
            SendOutcome::Blocked { description } => {
                report.blocked += 1;
                report.failed += 1;
                (
                    "record_scheduled_message_failed",
                    json!({"p_id": row.id, "p_reason": format!("blocked: {description}"), "p_blocked": true}),
                )
            }
            SendOutcome::RetryAfter {
                seconds,
                description,
            } => {
                report.retried += 1;
                report
                    .halted
                    .get_or_insert_with(|| "Telegram answered 429 Too Many Requests".into());
                (
                    "record_scheduled_message_failed",
                    json!({"p_id": row.id, "p_reason": description, "p_retry_after_s": seconds}),
                )
            }
            SendOutcome::Temporary { description } => {
                report.retried += 1;
                (
                    "record_scheduled_message_failed",
                    json!({"p_id": row.id, "p_reason": description,
                           "p_retry_after_s": TEMPORARY_RETRY_SECONDS}),
                )
            }
            SendOutcome::Permanent { code, description } => {
                report.failed += 1;
                (
                    "record_scheduled_message_failed",
                    json!({"p_id": row.id, "p_reason": format!("telegram {code}: {description}")}),
                )
            }
            SendOutcome::Unknown { description } => {
                report.unknown += 1;
                (
                    "record_scheduled_message_failed",
                    json!({"p_id": row.id,
                           "p_reason": format!("unknown outcome, not resent: {description}")}),
                )
            }
        };
        if let Err(cause) = rpc(cfg, SCHEMA, TABLES, function, params).await {
            report.unreported += 1;
            worker::console_error!(
                "{}",
                json!({"level": "error", "job": "companion-checkins", "id": row.id,
                       "msg": "the outcome could not be recorded: the lease will settle this row",
                       "cause": cause})
            );
            report.halted.get_or_insert_with(|| {
                "a report could not be written: nothing more is sent this run".into()
            });
        }
    }
    Ok(report)
}

/// One `sendMessage`, classified. The URL carries the bot token: it is never logged, and
/// neither is any error that could quote it (the core's descriptions mask token-like text).
async fn send(url: &str, timeout_ms: u32, chat_id: i64, text: &str) -> SendOutcome {
    let body = telegram::send_message_body(chat_id, text);
    match fetch::send(Outbound {
        method: "POST",
        url,
        headers: vec![("Content-Type", "application/json")],
        body: Some(body.as_bytes()),
        timeout_ms,
    })
    .await
    {
        Ok(answer) => telegram::classify_send(answer.status, &answer.body),
        Err(FetchError::Request { .. }) => SendOutcome::Temporary {
            description: "the request could not be made".into(),
        },
        // The request may have reached Telegram: never resent. (The error's text is not kept:
        // a runtime's message could name the URL, and the URL holds the token.)
        Err(FetchError::Timeout { ms }) => SendOutcome::Unknown {
            description: format!("no answer from Telegram within {ms} ms"),
        },
        Err(FetchError::Network { .. }) => SendOutcome::Unknown {
            description: "the connection to Telegram failed".into(),
        },
    }
}
