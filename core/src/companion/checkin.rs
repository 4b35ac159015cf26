//! When companion sends a user's daily check-in: the local day it belongs to, its slot (the
//! user's `preferred_message_time` on that day in the user's zone), whether it is planned, due,
//! missed or stuck, and where a rate-limited send goes next.
//!
//! The database is authoritative: `companion.checkin_local_date`, `companion.checkin_slot`,
//! `plan_daily_messages`, `claim_scheduled_messages`, `record_scheduled_message_failed` and
//! `fail_stuck_scheduled_messages` (in
//! `supabase/migrations/20261203003200_companion_checkins.sql`) decide. This module states the
//! same rules in Rust, unit-tested here on the specification's cases (§7.3) and compared with the
//! SQL on thousands of cases (zones with and without DST, half-hour offsets, the DST days of
//! 2026, slots in gaps and folds) by `core/tests/integration/companion.rs`.
//!
//! Time zones: the rules take any [`chrono::TimeZone`] (the caller supplies the zone's rules:
//! `chrono_tz::Tz` in the tests), so the core carries no zone database. A slot that falls in a
//! spring-forward gap or a fall-back fold is resolved as PostgreSQL's `timestamp at time zone`
//! resolves it ([`local_instant`], shared with yachtparty's sending rules): a gap takes the
//! offset in force before it, a fold the offset after it (the later instant).
//!
//! ```
//! use chrono::{NaiveDate, NaiveTime, TimeZone, Utc};
//! use rowgate_core::companion::checkin::{local_date, slot};
//!
//! // Asia/Kolkata (UTC+05:30, no DST), 09:00: at 00:10 UTC it is already 05:40 on the 10th.
//! let kolkata = chrono::FixedOffset::east_opt(5 * 3600 + 1800).unwrap();
//! let now = Utc.with_ymd_and_hms(2026, 3, 10, 0, 10, 0).unwrap();
//! let day = local_date(now, &kolkata);
//! assert_eq!(day, NaiveDate::from_ymd_opt(2026, 3, 10).unwrap());
//! assert_eq!(
//!     slot(day, NaiveTime::from_hms_opt(9, 0, 0).unwrap(), &kolkata),
//!     Utc.with_ymd_and_hms(2026, 3, 10, 3, 30, 0).unwrap()
//! );
//! ```

use chrono::{DateTime, NaiveDate, NaiveTime, TimeDelta, TimeZone, Utc};

pub use crate::yachtparty::sending::local_instant;

/// `users.timezone`'s default: the zone of a user who never chose one.
pub const DEFAULT_TIME_ZONE: &str = "America/New_York";

/// `users.preferred_message_time`'s default.
pub const DEFAULT_PREFERRED_TIME: NaiveTime = match NaiveTime::from_hms_opt(9, 0, 0) {
    Some(t) => t,
    None => panic!("09:00 is a time"),
};

/// How late a check-in may still go out, after its `scheduled_for` (`companion.checkin_grace()`):
/// the planner does not plan a slot older than this, and the claim skips a pending row older
/// than this as a missed window.
pub const GRACE: TimeDelta = TimeDelta::hours(2);

/// How long a claimed check-in may stay `processing` before `fail_stuck_scheduled_messages`
/// fails it (its default lease).
pub const LEASE: TimeDelta = TimeDelta::minutes(10);

/// The key of `users.preferences` that pauses the daily check-ins.
pub const PAUSED_KEY: &str = "daily_messages_paused";

/// The user's local date at `now`: the day a check-in planned then belongs to
/// (`scheduled_messages.local_date`, one per user and day), as `companion.checkin_local_date`:
/// `(now at time zone zone)::date`.
pub fn local_date<Tz: TimeZone>(now: DateTime<Utc>, zone: &Tz) -> NaiveDate {
    now.with_timezone(zone).date_naive()
}

/// The instant of a day's check-in, as `companion.checkin_slot`: `(local_date +
/// preferred_time) at time zone zone`, so 09:00 stays 09:00 local across DST changes (New York:
/// 14:00 UTC on 2026-03-07, 13:00 UTC on 2026-03-08). Gaps and folds: see [`local_instant`].
pub fn slot<Tz: TimeZone>(
    local_date: NaiveDate,
    preferred_time: NaiveTime,
    zone: &Tz,
) -> DateTime<Utc> {
    local_instant(zone, local_date.and_time(preferred_time))
}

/// A check-in the planner writes: the user's day and its slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Planned {
    pub local_date: NaiveDate,
    pub scheduled_for: DateTime<Utc>,
}

/// What `plan_daily_messages(now)` plans for an eligible user who has no row for the day yet:
/// today's (local) check-in, unless its slot is more than [`GRACE`] before `now` (the claim would
/// only skip it). Tomorrow's is planned by a run after the user's next local midnight, so a change
/// of zone or time applies from the next day not yet planned.
pub fn planned<Tz: TimeZone>(
    now: DateTime<Utc>,
    preferred_time: NaiveTime,
    zone: &Tz,
) -> Option<Planned> {
    let day = local_date(now, zone);
    let at = slot(day, preferred_time, zone);
    (at >= now - GRACE).then_some(Planned {
        local_date: day,
        scheduled_for: at,
    })
}

/// Whether `users.preferences` pauses the check-ins: `preferences ->> 'daily_messages_paused'`
/// is `'true'` (a JSON `true`, or the string `"true"`).
pub fn is_paused(preferences: &serde_json::Value) -> bool {
    match preferences.get(PAUSED_KEY) {
        Some(serde_json::Value::Bool(b)) => *b,
        Some(serde_json::Value::String(s)) => s == "true",
        _ => false,
    }
}

/// Whether a user gets check-ins planned: onboarded, linked to Telegram, not paused.
pub fn is_eligible(onboarded: bool, telegram_linked: bool, paused: bool) -> bool {
    onboarded && telegram_linked && !paused
}

/// Whether a pending row is due at `now`.
pub fn is_due(scheduled_for: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    scheduled_for <= now
}

/// Whether a pending row's window has passed: it is more than [`GRACE`] past its
/// `scheduled_for` (after a rate-limited retry, `scheduled_for` is the retry's instant, so the
/// window is measured from there).
pub fn is_missed(scheduled_for: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    scheduled_for < now - GRACE
}

/// Why the claim skips a due row (its `failure_reason`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkipReason {
    /// The user unlinked Telegram since the row was planned.
    NotLinked,
    /// The user paused the check-ins since the row was planned.
    Paused,
    /// More than [`GRACE`] past its `scheduled_for`.
    MissedWindow,
}

impl SkipReason {
    /// The `failure_reason` the database writes.
    pub fn as_str(self) -> &'static str {
        match self {
            SkipReason::NotLinked => "telegram not linked",
            SkipReason::Paused => "paused",
            SkipReason::MissedWindow => "missed window",
        }
    }
}

/// What `claim_scheduled_messages(now)` does with a pending row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// Not due yet: left pending.
    NotDue,
    /// Due but not to be sent: 'skipped' with this reason (checked in this order).
    Skip(SkipReason),
    /// Claimed: 'processing', handed to the sender.
    Send,
}

/// The claim's decision for a pending row: not due; else skipped when the user is unlinked,
/// paused, or the window has passed (in that order); else sent.
pub fn claim(
    scheduled_for: DateTime<Utc>,
    now: DateTime<Utc>,
    telegram_linked: bool,
    paused: bool,
) -> Claim {
    if !is_due(scheduled_for, now) {
        Claim::NotDue
    } else if !telegram_linked {
        Claim::Skip(SkipReason::NotLinked)
    } else if paused {
        Claim::Skip(SkipReason::Paused)
    } else if is_missed(scheduled_for, now) {
        Claim::Skip(SkipReason::MissedWindow)
    } else {
        Claim::Send
    }
}

/// Where a check-in that Telegram rate-limited (429 with `retry_after` seconds) goes, as
/// `record_scheduled_message_failed`: back to pending at `now + retry_after`, unless that is not
/// before the end of the check-in's local day (the next local midnight in `zone`), when it fails
/// (`None`): a check-in never goes out on a day it does not belong to.
pub fn retry_at<Tz: TimeZone>(
    now: DateTime<Utc>,
    retry_after_seconds: u32,
    local_date: NaiveDate,
    zone: &Tz,
) -> Option<DateTime<Utc>> {
    let at = now + TimeDelta::seconds(retry_after_seconds.into());
    let day_end = local_instant(
        zone,
        local_date
            .succ_opt()
            .expect("a date before the end of time")
            .and_time(NaiveTime::MIN),
    );
    (at < day_end).then_some(at)
}

/// Whether a row claimed at `claimed_at` is past its lease at `now`: the sender's outcome is
/// unknown, and `fail_stuck_scheduled_messages` fails it (never sends it again).
pub fn is_stuck(claimed_at: DateTime<Utc>, now: DateTime<Utc>, lease: TimeDelta) -> bool {
    claimed_at < now - lease
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::{America, Asia, Europe, Pacific};

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn time(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    #[test]
    fn kolkata_at_nine_is_three_thirty_utc_on_the_local_day() {
        let now = utc(2026, 3, 10, 0, 10);
        assert_eq!(local_date(now, &Asia::Kolkata), date(2026, 3, 10));
        assert_eq!(
            planned(now, time(9, 0), &Asia::Kolkata),
            Some(Planned {
                local_date: date(2026, 3, 10),
                scheduled_for: utc(2026, 3, 10, 3, 30)
            })
        );
    }

    #[test]
    fn new_york_at_nine_follows_the_dst_change() {
        assert_eq!(
            slot(date(2026, 3, 7), time(9, 0), &America::New_York),
            utc(2026, 3, 7, 14, 0)
        );
        assert_eq!(
            slot(date(2026, 3, 8), time(9, 0), &America::New_York),
            utc(2026, 3, 8, 13, 0)
        );
        assert_eq!(
            slot(date(2026, 11, 1), time(9, 0), &America::New_York),
            utc(2026, 11, 1, 14, 0)
        );
    }

    #[test]
    fn the_local_day_is_the_users_not_utcs() {
        // 03:00 UTC on the 8th is still the evening of the 7th in New York.
        assert_eq!(
            local_date(utc(2026, 3, 8, 3, 0), &America::New_York),
            date(2026, 3, 7)
        );
        // Auckland is a day ahead.
        assert_eq!(
            local_date(utc(2026, 3, 8, 12, 0), &Pacific::Auckland),
            date(2026, 3, 9)
        );
    }

    #[test]
    fn slots_in_gaps_and_folds_resolve_as_postgresql_does() {
        // 02:30 does not exist in New York on 2026-03-08: the offset before the gap (EST).
        assert_eq!(
            slot(date(2026, 3, 8), time(2, 30), &America::New_York),
            utc(2026, 3, 8, 7, 30)
        );
        // 01:30 occurs twice on 2026-11-01: the later one (EST).
        assert_eq!(
            slot(date(2026, 11, 1), time(1, 30), &America::New_York),
            utc(2026, 11, 1, 6, 30)
        );
        // London's gap on 2026-03-29 (01:00 -> 02:00): 01:30 is GMT.
        assert_eq!(
            slot(date(2026, 3, 29), time(1, 30), &Europe::London),
            utc(2026, 3, 29, 1, 30)
        );
    }

    #[test]
    fn a_slot_is_planned_until_the_grace_window_has_passed() {
        let zone = America::New_York;
        // 09:00 EST = 14:00 UTC on 2026-03-07.
        for (now, expected) in [
            (utc(2026, 3, 7, 6, 0), true),
            (utc(2026, 3, 7, 14, 0), true),
            (utc(2026, 3, 7, 16, 0), true),
            (utc(2026, 3, 7, 16, 1), false),
            (utc(2026, 3, 7, 23, 0), false),
        ] {
            assert_eq!(planned(now, time(9, 0), &zone).is_some(), expected, "{now}");
        }
        // 04:59 UTC on the 8th is 23:59 on the 7th in New York: still the 7th's (missed) slot.
        assert_eq!(planned(utc(2026, 3, 8, 4, 59), time(9, 0), &zone), None);
        // 05:00 UTC is midnight of the 8th: the 8th's slot (13:00 UTC, after the change).
        assert_eq!(
            planned(utc(2026, 3, 8, 5, 0), time(9, 0), &zone),
            Some(Planned {
                local_date: date(2026, 3, 8),
                scheduled_for: utc(2026, 3, 8, 13, 0)
            })
        );
    }

    #[test]
    fn the_claim_skips_in_order_and_sends_inside_the_window() {
        let at = utc(2026, 3, 10, 3, 30);
        assert_eq!(
            claim(at, at - TimeDelta::seconds(1), true, false),
            Claim::NotDue
        );
        assert_eq!(claim(at, at, true, false), Claim::Send);
        assert_eq!(claim(at, at + GRACE, true, false), Claim::Send);
        assert_eq!(
            claim(at, at + GRACE + TimeDelta::seconds(1), true, false),
            Claim::Skip(SkipReason::MissedWindow)
        );
        assert_eq!(
            claim(at, at + GRACE * 2, false, true),
            Claim::Skip(SkipReason::NotLinked)
        );
        assert_eq!(claim(at, at, true, true), Claim::Skip(SkipReason::Paused));
        assert_eq!(SkipReason::MissedWindow.as_str(), "missed window");
    }

    #[test]
    fn paused_is_the_preferences_flag() {
        use serde_json::json;
        assert!(is_paused(&json!({"daily_messages_paused": true})));
        assert!(is_paused(&json!({"daily_messages_paused": "true"})));
        assert!(!is_paused(&json!({"daily_messages_paused": false})));
        assert!(!is_paused(&json!({})));
        assert!(!is_paused(&json!({"daily_messages_paused": 1})));
        assert!(is_eligible(true, true, false));
        assert!(!is_eligible(true, true, true));
        assert!(!is_eligible(false, true, false));
        assert!(!is_eligible(true, false, false));
    }

    #[test]
    fn a_rate_limited_check_in_retries_within_its_day() {
        let zone = America::New_York;
        let now = utc(2026, 3, 7, 14, 0);
        assert_eq!(
            retry_at(now, 5, date(2026, 3, 7), &zone),
            Some(utc(2026, 3, 7, 14, 0) + TimeDelta::seconds(5))
        );
        // The 7th ends at 05:00 UTC on the 8th.
        let late = utc(2026, 3, 8, 4, 59);
        assert_eq!(
            retry_at(late, 59, date(2026, 3, 7), &zone),
            Some(utc(2026, 3, 8, 5, 0) - TimeDelta::seconds(1))
        );
        assert_eq!(retry_at(late, 60, date(2026, 3, 7), &zone), None);
    }

    #[test]
    fn a_claim_is_stuck_after_its_lease() {
        let claimed = utc(2026, 3, 10, 3, 30);
        assert!(!is_stuck(claimed, claimed + LEASE, LEASE));
        assert!(is_stuck(
            claimed,
            claimed + LEASE + TimeDelta::seconds(1),
            LEASE
        ));
    }

    #[test]
    fn the_defaults_are_the_columns_defaults() {
        assert_eq!(DEFAULT_PREFERRED_TIME, time(9, 0));
        assert_eq!(DEFAULT_TIME_ZONE, "America/New_York");
    }
}
