//! `walker_os.timeblock_sessions`: focused blocks of work; `hours` comes from `started_at` and
//! `ended_at`.

use crate::table::prelude::*;

/// The longest session the database accepts, in hours.
pub const MAX_HOURS: f64 = 24.0;
/// How far a sent `hours` may be from the one derived before it is refused (about 4 ms).
pub const HOURS_TOLERANCE: f64 = 1e-6;

include!("timeblock_sessions.gen.rs");

table! {
    insert: TimeblockSession,
    patch: TimeblockSessionPatch,
    rules: [
        Rule {
            constraint: "timeblock_sessions_ended_after_started",
            columns: &["started_at", "ended_at"],
            code: code::ORDER,
            description: "ended_at is after started_at",
        },
        Rule {
            constraint: "timeblock_sessions_hours_is_ended_minus_started",
            columns: &["hours", "started_at", "ended_at"],
            code: code::DERIVED_MISMATCH,
            description: "hours is the time from started_at to ended_at, once the session has ended",
        },
    ],
    shape_rules: derive_hours,
    derived: { hours: [started_at, ended_at] },
    inputs {}
}

/// `hours` from the two times; in a patch the two come together, so `hours` never goes stale.
fn derive_hours(d: &mut Draft, mode: Mode, errs: &mut ValidationErrors) {
    if mode == Mode::Patch && d.started_at.is_given() != d.ended_at.is_given() {
        let (missing, given) = if d.started_at.is_given() {
            ("ended_at", "started_at")
        } else {
            ("started_at", "ended_at")
        };
        errs.push(FieldError::new(
            missing,
            code::REQUIRED,
            format!(
                "{missing} is required with {given} in a patch, so that hours can be recomputed"
            ),
        ));
        return;
    }
    match (d.started_at.value().copied(), &d.ended_at) {
        (Some(start), Slot::Value(end)) => {
            let end = *end;
            if end <= start {
                errs.push(FieldError::new(
                    "ended_at",
                    code::ORDER,
                    "ended_at must be after started_at",
                ));
                return;
            }
            let derived = start.hours_until(end);
            if derived > MAX_HOURS {
                errs.push(FieldError::new(
                    "ended_at",
                    code::RANGE,
                    "ended_at must be at most 24 hours after started_at",
                ));
                return;
            }
            match d.hours {
                Slot::Value(sent) if (sent - derived).abs() > HOURS_TOLERANCE => errs.push(FieldError::new(
                    "hours",
                    code::DERIVED_MISMATCH,
                    format!("hours is computed from started_at and ended_at ({derived:.4}); leave it out"),
                )),
                Slot::Failed => {}
                _ => d.hours = Slot::Value(derived),
            }
        }
        // Reopening a session (ended_at: null) clears its hours.
        (Some(_), Slot::Null) if d.hours.is_absent() => d.hours = Slot::Null,
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shape::Nullable;

    #[test]
    fn hours_are_derived_from_start_and_end() {
        let s = TimeblockSession::shape(
            br#"{"block_type": "Deep Work", "started_at": "2026-11-22T09:00:00+01:00", "ended_at": "2026-11-22T09:45:00Z"}"#,
        )
        .unwrap();
        assert_eq!(s.hours, Nullable::Set(1.75));
    }

    #[test]
    fn an_end_before_the_start_is_refused() {
        let errors = TimeblockSession::shape(
            br#"{"block_type": "first_90", "started_at": "2026-11-22T09:00:00Z", "ended_at": "2026-11-22T09:00:00Z"}"#,
        )
        .unwrap_err();
        assert_eq!(errors.on("ended_at").unwrap().code, code::ORDER);
    }

    #[test]
    fn a_session_over_24_hours_is_refused() {
        let errors = TimeblockSession::shape(
            br#"{"block_type": "first_90", "started_at": "2026-11-22T09:00:00Z", "ended_at": "2026-11-23T09:00:01Z"}"#,
        )
        .unwrap_err();
        assert_eq!(errors.on("ended_at").unwrap().code, code::RANGE);
    }

    #[test]
    fn sent_hours_that_disagree_with_the_times_are_refused() {
        let errors = TimeblockSession::shape(
            br#"{"block_type": "first_90", "started_at": "2026-11-22T09:00:00Z", "ended_at": "2026-11-22T10:00:00Z", "hours": 2}"#,
        )
        .unwrap_err();
        assert_eq!(errors.on("hours").unwrap().code, code::DERIVED_MISMATCH);
        let ok = TimeblockSession::shape(
            br#"{"block_type": "first_90", "started_at": "2026-11-22T09:00:00Z", "ended_at": "2026-11-22T10:00:00Z", "hours": 1}"#,
        );
        assert!(ok.is_ok());
    }

    #[test]
    fn a_running_session_has_no_hours_unless_sent() {
        let s = TimeblockSession::shape(
            br#"{"block_type": "midday_b", "started_at": "2026-11-22T09:00:00Z"}"#,
        )
        .unwrap();
        assert_eq!(s.hours, Nullable::Absent);
    }

    #[test]
    fn a_patch_sends_start_and_end_together() {
        let errors =
            TimeblockSessionPatch::shape(br#"{"ended_at": "2026-11-22T10:00:00Z"}"#).unwrap_err();
        assert_eq!(errors.on("started_at").unwrap().code, code::REQUIRED);
        let p = TimeblockSessionPatch::shape(
            br#"{"started_at": "2026-11-22T09:00:00Z", "ended_at": "2026-11-22T09:30:00Z"}"#,
        )
        .unwrap();
        assert_eq!(p.hours, Nullable::Set(0.5));
        let p = TimeblockSessionPatch::shape(
            br#"{"started_at": "2026-11-22T09:00:00Z", "ended_at": null}"#,
        )
        .unwrap();
        assert_eq!(p.hours, Nullable::Null);
    }
}
