//! `companion.scheduled_messages`: A daily check-in (§1.6), one per user and local day; written
//! by the backend's planning, claim and outcome functions. The columns are generated
//! (`scheduled_messages.gen.rs`); the rules over several columns are the database's checks, named
//! here so that a violation names its fields.

use crate::table::prelude::*;

include!("scheduled_messages.gen.rs");

table! {
    insert: ScheduledMessage,
    patch: ScheduledMessagePatch,
    rules: [
        Rule {
            constraint: "scheduled_messages_sent_has_sent_at",
            columns: &["status", "sent_at"],
            code: code::REQUIRED,
            description: "sent_at is set when status is sent",
        },
        Rule {
            constraint: "scheduled_messages_failed_has_reason",
            columns: &["status", "failure_reason"],
            code: code::REQUIRED,
            description: "failure_reason is set when status is failed or skipped",
        },
    ],
    shape_rules: check_scheduled_messages,
    derived: {},
    inputs {}
}

/// A sent check-in has its time; a failed or skipped one its reason.
fn check_scheduled_messages(d: &mut Draft, mode: Mode, errs: &mut ValidationErrors) {
    required_when(
        mode,
        errs,
        ("sent_at", &d.sent_at),
        ("status", &d.status),
        &Status::Pending,
        &[Status::Sent],
        "sent",
    );
    required_when(
        mode,
        errs,
        ("failure_reason", &d.failure_reason),
        ("status", &d.status),
        &Status::Pending,
        &[Status::Failed, Status::Skipped],
        "failed or skipped",
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = r#""user_id": "7f1b0d52-3c1e-4e8a-9a51-0c2b8f3e4d10", "scheduled_for": "2026-03-10T03:30:00Z", "local_date": "2026-03-10""#;

    #[test]
    fn a_sent_check_in_has_its_time_and_a_failed_one_its_reason() {
        let errors = ScheduledMessage::shape(format!(r#"{{{BASE}, "status": "sent"}}"#).as_bytes())
            .unwrap_err();
        assert_eq!(errors.on("sent_at").unwrap().code, code::REQUIRED);
        for status in ["failed", "skipped"] {
            let body = format!(r#"{{{BASE}, "status": "{status}"}}"#);
            let errors = ScheduledMessage::shape(body.as_bytes()).unwrap_err();
            assert_eq!(
                errors.on("failure_reason").unwrap().code,
                code::REQUIRED,
                "{status}"
            );
        }
        let ok = format!(r#"{{{BASE}, "status": "skipped", "failure_reason": "missed window"}}"#);
        assert!(ScheduledMessage::shape(ok.as_bytes()).is_ok());
        assert!(ScheduledMessage::shape(format!("{{{BASE}}}").as_bytes()).is_ok());
    }

    #[test]
    fn in_a_patch_the_stored_row_decides() {
        assert!(ScheduledMessagePatch::shape(br#"{"status": "sent"}"#).is_ok());
        let errors =
            ScheduledMessagePatch::shape(br#"{"status": "failed", "failure_reason": null}"#)
                .unwrap_err();
        assert_eq!(errors.on("failure_reason").unwrap().code, code::REQUIRED);
    }
}
