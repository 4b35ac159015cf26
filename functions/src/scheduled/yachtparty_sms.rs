//! Yachtparty's outbound SMS: drains `yachtparty.message_queue` through Twilio's Messages API.
//!
//! One run:
//! 1. `fail_stuck_messages(lease)`: rows a run claimed and never reported (the Worker died
//!    between Twilio and its report) are failed, or marked sent when a status callback brought
//!    their SID. Never sent again: their outcome is unknown. (pg_cron runs it too.)
//! 2. `claim_due_messages(n)`: the database picks what may go now (quiet hours in the user's
//!    zone, daily and hourly budgets, sequences whole) and hands each row over with the id of
//!    the outbound message it created. `n` is sized to the job's share of the run's subrequest
//!    limit: each message costs two subrequests (Twilio, then the report), the job two more.
//! 3. Each row, in the claim's order: `POST /2010-04-01/Accounts/{sid}/Messages.json` with HTTP
//!    Basic, `StatusCallback` carrying the message id; then one report:
//!    - a SID came back: `record_message_sent`;
//!    - a permanent refusal (21610 unsubscribed, 21211 invalid number, any other 4xx):
//!      `record_message_failed`;
//!    - a temporary one (429, 5xx, our credentials refused), Twilio gave no SID:
//!      `defer_message`, which puts it back in the queue with backoff and gives the budget back;
//!    - no answer in time, or a lost connection: the outcome is unknown (Twilio may have taken
//!      it), so the message is failed, never resent blindly.
//!
//!    After a 429 the run sends nothing more and defers the rest; after a deferred position of a
//!    sequence, its later positions are deferred too (they must not overtake it); a row whose
//!    lease is about to run out is deferred rather than sent.
//!
//! At most once: a row is sent only while this run holds its claim, and every report is one
//! SQL function. If a report cannot be written (PostgREST down after Twilio answered), the run
//! stops sending; the lease then settles what it held (sent if a status callback brought the
//! SID, else failed with a `message.send_failed` event), and nothing is sent twice.

use rowgate_core::twilio::{self, SendOutcome};
use serde::{Deserialize, Serialize};
use serde_json::json;
use worker::Date;

use super::{claim_limit, rpc};
use crate::config::{Config, Twilio};
use crate::fetch::{self, FetchError, Outbound};

/// The tables this job's functions write, for naming a violation.
const TABLES: &[&str] = &["message_queue", "messages", "events"];
const SCHEMA: &str = "yachtparty";
/// A row is not sent when less than this is left of its lease: Twilio's answer and the report
/// must land before `fail_stuck_messages` may settle it.
const LEASE_MARGIN_MS: u64 = 60_000;

/// A claimed row: what `claim_due_messages` returns, the columns the sender reads.
#[derive(Debug, Deserialize)]
struct Claimed {
    id: String,
    final_message: Option<String>,
    phone_number: String,
    message_id: String,
    sequence_id: Option<String>,
}

/// What a run did, for its log line.
#[derive(Debug, Default, Serialize)]
pub struct Report {
    /// Rows `fail_stuck_messages` settled.
    pub settled_by_lease: i64,
    pub claimed: usize,
    pub sent: usize,
    pub deferred: usize,
    pub failed: usize,
    /// Sends whose outcome is unknown (failed, never resent).
    pub unknown: usize,
    /// Reports that could not be written: the lease settles those rows.
    pub unreported: usize,
    /// Why the run stopped sending early, if it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub halted: Option<String>,
    /// Why nothing was claimed, if the run did not try.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skipped: Option<&'static str>,
}

impl Report {
    /// Whether the run went as it should (its log line is `info`, else `warn`).
    pub fn is_quiet(&self) -> bool {
        self.failed == 0
            && self.unknown == 0
            && self.unreported == 0
            && self.halted.is_none()
            && self.skipped.is_none()
    }
}

/// One run of the sender with `subrequests` to spend. `Err` only when the run could not start
/// (sweep or claim failed); what went wrong with single messages is in the report.
pub async fn run(cfg: &Config, subrequests: u32) -> Result<Report, String> {
    let mut report = Report::default();
    let Some(twilio) = cfg.twilio.as_ref() else {
        report.skipped =
            Some("TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN are not set: messages stay queued");
        return Ok(report);
    };
    if twilio.sender.is_none() {
        report.skipped = Some(
            "neither TWILIO_MESSAGING_SERVICE_SID nor TWILIO_FROM_NUMBER is set: messages stay queued",
        );
        return Ok(report);
    }
    let limit = claim_limit(subrequests);
    if limit == 0 {
        report.skipped = Some("SCHEDULED_SUBREQUESTS leaves no room for a message");
        return Ok(report);
    }
    let lease_ms = u64::from(cfg.sms_lease_seconds) * 1000;

    let settled = rpc(
        cfg,
        SCHEMA,
        TABLES,
        "fail_stuck_messages",
        json!({"p_lease": format!("{} seconds", cfg.sms_lease_seconds)}),
    )
    .await?;
    report.settled_by_lease = settled.trim().parse().unwrap_or_default();

    let claimed_at = Date::now().as_millis();
    let rows = rpc(
        cfg,
        SCHEMA,
        TABLES,
        "claim_due_messages",
        json!({"p_limit": limit}),
    )
    .await?;
    let rows: Vec<Claimed> =
        serde_json::from_str(&rows).map_err(|e| format!("claim_due_messages' rows: {e}"))?;
    report.claimed = rows.len();

    // Sequences with a deferred position: their later positions wait as well.
    let mut held_sequences: Vec<String> = Vec::new();
    for row in &rows {
        let elapsed = Date::now().as_millis().saturating_sub(claimed_at);
        let hold = if let Some(reason) = &report.halted {
            Some(reason.clone())
        } else if row
            .sequence_id
            .as_ref()
            .is_some_and(|s| held_sequences.contains(s))
        {
            Some("an earlier position of its sequence was deferred".into())
        } else if elapsed + LEASE_MARGIN_MS > lease_ms {
            Some("its lease was running out before it could be sent".into())
        } else {
            None
        };
        let (outcome, rate_limited) = match hold {
            Some(reason) => (
                SendOutcome::Temporary {
                    code: None,
                    message: format!("not sent: {reason}"),
                    retry_after_seconds: None,
                },
                false,
            ),
            None => send(twilio, row).await,
        };

        let (function, params) = match &outcome {
            SendOutcome::Accepted { sid, status } => {
                report.sent += 1;
                (
                    "record_message_sent",
                    json!({"p_queue_id": row.id, "p_message_id": row.message_id,
                           "p_twilio_sid": sid, "p_status": status}),
                )
            }
            SendOutcome::Permanent { code, message } => {
                report.failed += 1;
                (
                    "record_message_failed",
                    json!({"p_queue_id": row.id, "p_error": error_text(*code, message)}),
                )
            }
            SendOutcome::Unknown { message } => {
                report.unknown += 1;
                (
                    "record_message_failed",
                    json!({"p_queue_id": row.id,
                           "p_error": format!("outcome unknown, not resent: {message}")}),
                )
            }
            SendOutcome::Temporary {
                code,
                message,
                retry_after_seconds,
            } => {
                report.deferred += 1;
                if let Some(sequence) = &row.sequence_id {
                    held_sequences.push(sequence.clone());
                }
                if rate_limited {
                    report
                        .halted
                        .get_or_insert_with(|| "Twilio answered 429 Too Many Requests".into());
                }
                (
                    "defer_message",
                    json!({"p_queue_id": row.id, "p_error": error_text(*code, message),
                           "p_retry_after_seconds": retry_after_seconds}),
                )
            }
        };
        if let Err(cause) = rpc(cfg, SCHEMA, TABLES, function, params).await {
            report.unreported += 1;
            worker::console_error!(
                "{}",
                json!({"level": "error", "job": "yachtparty-sms", "queue_id": row.id,
                       "msg": "the outcome could not be recorded: the lease will settle this row",
                       "outcome": outcome_name(&outcome), "cause": cause})
            );
            report.halted.get_or_insert_with(|| {
                "a report could not be written: nothing more is sent this run".into()
            });
        } else if !matches!(outcome, SendOutcome::Accepted { .. }) {
            worker::console_warn!(
                "{}",
                json!({"level": "warn", "job": "yachtparty-sms", "queue_id": row.id,
                       "outcome": outcome_name(&outcome), "detail": outcome_detail(&outcome)})
            );
        }
    }
    Ok(report)
}

/// One message through Twilio's Messages API, classified; and whether Twilio answered 429.
async fn send(twilio: &Twilio, row: &Claimed) -> (SendOutcome, bool) {
    let Some(body) = row.final_message.as_deref() else {
        let outcome = SendOutcome::Permanent {
            code: None,
            message: "the claimed row has no final_message".into(),
        };
        return (outcome, false);
    };
    let Some(sender) = twilio.sender.as_ref() else {
        let outcome = SendOutcome::Temporary {
            code: None,
            message: "no sender is configured".into(),
            retry_after_seconds: None,
        };
        return (outcome, false);
    };
    let callback = twilio
        .webhook_base_url
        .as_deref()
        .map(|base| twilio::status_callback_url(base, &row.message_id));
    let form = twilio::send_form(&row.phone_number, sender, body, callback.as_deref());
    let authorization = match &twilio.api_key {
        Some((sid, secret)) => twilio::basic_auth(sid, secret),
        None => twilio::basic_auth(&twilio.account_sid, &twilio.auth_token),
    };
    let url = twilio::messages_url(&twilio.api_base_url, &twilio.account_sid);
    let answer = fetch::send(Outbound {
        method: "POST",
        url: &url,
        headers: vec![
            ("Authorization", authorization.as_str()),
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Accept", "application/json"),
        ],
        body: Some(form.as_bytes()),
        timeout_ms: twilio.timeout_ms,
    })
    .await;
    match answer {
        Ok(answer) => (
            twilio::classify_send(answer.status, &answer.body, answer.retry_after.as_deref()),
            answer.status == 429,
        ),
        // Nothing left the Worker: safe to try again later.
        Err(FetchError::Request { message }) => {
            let outcome = SendOutcome::Temporary {
                code: None,
                message: format!("the request could not be made: {message}"),
                retry_after_seconds: None,
            };
            (outcome, false)
        }
        // The request may have reached Twilio: never resent.
        Err(e @ (FetchError::Timeout { .. } | FetchError::Network { .. })) => {
            let outcome = SendOutcome::Unknown {
                message: format!("Twilio: {e}"),
            };
            (outcome, false)
        }
    }
}

fn error_text(code: Option<u32>, message: &str) -> String {
    match code {
        Some(code) => format!("twilio {code}: {message}"),
        None => message.to_string(),
    }
}

fn outcome_name(outcome: &SendOutcome) -> &'static str {
    match outcome {
        SendOutcome::Accepted { .. } => "sent",
        SendOutcome::Permanent { .. } => "failed",
        SendOutcome::Temporary { .. } => "deferred",
        SendOutcome::Unknown { .. } => "unknown",
    }
}

fn outcome_detail(outcome: &SendOutcome) -> String {
    match outcome {
        SendOutcome::Accepted { sid, .. } => sid.clone(),
        SendOutcome::Permanent { code, message } | SendOutcome::Temporary { code, message, .. } => {
            error_text(*code, message)
        }
        SendOutcome::Unknown { message } => message.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_claimed_row_reads_from_claim_due_messages_columns() {
        let rows: Vec<Claimed> = serde_json::from_str(
            r#"[{"id": "q1", "user_id": "u", "agent_id": "a", "message_data": {}, "final_message": "Hi",
                 "scheduled_for": "2026-12-03T10:00:00+00:00", "priority": "high", "status": "processing",
                 "superseded_by_message_id": null, "superseded_reason": null, "conversation_context_id": null,
                 "requires_fresh_context": false, "sequence_id": null, "sequence_position": null,
                 "sequence_total": null, "sent_at": null, "delivered_message_id": "m1",
                 "created_at": "2026-12-03T09:00:00+00:00", "phone_number": "+14155550100", "message_id": "m1"}]"#,
        )
        .unwrap();
        assert_eq!(rows[0].phone_number, "+14155550100");
        assert_eq!(rows[0].message_id, "m1");
        assert_eq!(rows[0].final_message.as_deref(), Some("Hi"));
    }
}
