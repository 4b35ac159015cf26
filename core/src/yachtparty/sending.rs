//! When yachtparty may text a user: quiet hours in the user's own zone, the per-user budget
//! (a day's and a trailing hour's sends), the agent-task retry backoff, and the wait after a
//! temporary send failure.
//!
//! The database is authoritative: `claim_due_messages` and its helpers
//! (`yachtparty.in_quiet_hours`, `quiet_hours_end_at`, `next_local_midnight`, in
//! `supabase/migrations/20261203002400_yachtparty_message_queue.sql`), `fail_agent_task`, and
//! `defer_message` with `send_retry_delay` and `max_send_attempts`
//! (`supabase/migrations/20261203002420_yachtparty_sms_sender.sql`) decide. This module states the same rules in Rust, unit-tested here and compared with the SQL
//! on a table of cases (zones with and without DST, windows across midnight, the DST days of
//! 2026) by `core/tests/integration/yachtparty_messages.rs`.
//!
//! Time zones: the rules take any [`chrono::TimeZone`] for the user's zone, so the core carries
//! no zone database (its wasm build stays as small as it was) and the caller supplies the zone's
//! rules: `chrono_tz::Tz` (which the tests use), a [`chrono::FixedOffset`], or [`chrono::Utc`].
//! A local wall-clock time is turned into an instant as PostgreSQL's `timestamp at time zone`
//! does ([`local_instant`]): one that falls in a spring-forward gap takes the offset in force
//! before the gap, one that occurs twice (a fall-back fold) the offset after it (the later
//! instant). A user with no zone is in [`FALLBACK_TIME_ZONE`]; one with no quiet hours has
//! [`QuietHours::DEFAULT`].
//!
//! ```
//! use chrono::{FixedOffset, NaiveTime, TimeZone, Utc};
//! use rowgate_core::yachtparty::sending::QuietHours;
//!
//! let window = QuietHours::new(NaiveTime::from_hms_opt(22, 0, 0).unwrap(), NaiveTime::from_hms_opt(8, 0, 0).unwrap()).unwrap();
//! let new_york_winter = FixedOffset::west_opt(5 * 3600).unwrap();
//! // 03:00 local (08:00 UTC) is quiet: the next allowed time is 08:00 local, 13:00 UTC.
//! let now = Utc.with_ymd_and_hms(2026, 1, 15, 8, 0, 0).unwrap();
//! assert_eq!(window.next_allowed(now, &new_york_winter), Utc.with_ymd_and_hms(2026, 1, 15, 13, 0, 0).unwrap());
//! ```

use chrono::{
    DateTime, FixedOffset, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeDelta,
    TimeZone, Utc,
};

/// The zone of a user whose `users.timezone` is not set (as the original app did).
pub const FALLBACK_TIME_ZONE: &str = "America/New_York";

/// A user is active while their latest inbound message is at most this old: proactive messages
/// then ignore quiet hours, and replies ignore the budget as well.
pub const ACTIVE_FOR: TimeDelta = TimeDelta::minutes(10);

/// The trailing window of the hourly limit.
pub const BUDGET_HOUR: TimeDelta = TimeDelta::hours(1);

/// `fail_agent_task` waits 2^n minutes before the next attempt, n being at most this.
pub const BACKOFF_MAX_EXPONENT: u32 = 20;

/// A queued message fails at its `MAX_SEND_ATTEMPTS`-th temporary send failure (Twilio's 429 or
/// 5xx, no SID): `yachtparty.defer_message` puts it back in the queue after each of the first
/// `MAX_SEND_ATTEMPTS - 1` and fails it at this one, as `yachtparty.max_send_attempts()` says.
pub const MAX_SEND_ATTEMPTS: u32 = 6;

/// The wait after a message's first temporary send failure; each further one doubles it.
pub const SEND_RETRY_BASE: TimeDelta = TimeDelta::seconds(30);

/// The longest wait after a temporary send failure, Twilio's Retry-After included.
pub const SEND_RETRY_MAX: TimeDelta = TimeDelta::hours(1);

/// How long a message waits after its `attempts`-th temporary send failure before it is due
/// again, as `yachtparty.send_retry_delay`: 30 s × 2^(attempts − 1) (30 s, 1 min, 2 min, ...),
/// at most [`SEND_RETRY_MAX`], and never less than Twilio's `Retry-After` (in seconds) when one
/// came, itself taken as at most [`SEND_RETRY_MAX`]. With no failure yet (`attempts` 0) there is
/// no backoff, only `Retry-After`.
///
/// ```
/// use chrono::TimeDelta;
/// use rowgate_core::yachtparty::sending::send_retry_delay;
///
/// assert_eq!(send_retry_delay(1, None), TimeDelta::seconds(30));
/// assert_eq!(send_retry_delay(3, None), TimeDelta::minutes(2));
/// assert_eq!(send_retry_delay(1, Some(45)), TimeDelta::seconds(45));
/// assert_eq!(send_retry_delay(9, Some(7200)), TimeDelta::hours(1));
/// ```
pub fn send_retry_delay(attempts: u32, retry_after_seconds: Option<u32>) -> TimeDelta {
    // 30 s × 2^7 is past the cap already: the exponent stops there.
    let backoff = match attempts {
        0 => TimeDelta::zero(),
        n => (SEND_RETRY_BASE * (1 << (n - 1).min(7))).min(SEND_RETRY_MAX),
    };
    let floor = TimeDelta::seconds(retry_after_seconds.unwrap_or(0).into()).min(SEND_RETRY_MAX);
    backoff.max(floor)
}

/// What went wrong building a rule's input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SendingError {
    /// A window from a time to itself: `users_quiet_hours_not_empty` refuses it.
    #[error("quiet hours cannot start and end at the same time ({0})")]
    EmptyQuietHours(NaiveTime),
    /// A daily or hourly limit of 0: the budget's CHECKs want at least 1.
    #[error("a message limit must be at least 1")]
    ZeroLimit,
}

/// A user's quiet hours: the local wall-clock window [start, end) in which no proactive
/// message is sent. A window whose start is after its end wraps midnight (22:00 to 08:00).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuietHours {
    start: NaiveTime,
    end: NaiveTime,
}

impl QuietHours {
    /// 22:00 to 08:00: the window of a user who has not set one.
    pub const DEFAULT: QuietHours = QuietHours {
        start: NaiveTime::from_hms_opt(22, 0, 0).expect("22:00 is a time"),
        end: NaiveTime::from_hms_opt(8, 0, 0).expect("08:00 is a time"),
    };

    /// The window from `start` to `end`; refused when they are equal.
    pub fn new(start: NaiveTime, end: NaiveTime) -> Result<Self, SendingError> {
        if start == end {
            return Err(SendingError::EmptyQuietHours(start));
        }
        Ok(QuietHours { start, end })
    }

    /// The user's window: [`QuietHours::DEFAULT`] when they have none (the database keeps both
    /// ends set or neither).
    pub fn of_user(window: Option<(NaiveTime, NaiveTime)>) -> Result<Self, SendingError> {
        window.map_or(Ok(Self::DEFAULT), |(start, end)| Self::new(start, end))
    }

    pub fn start(&self) -> NaiveTime {
        self.start
    }

    pub fn end(&self) -> NaiveTime {
        self.end
    }

    /// Whether the window runs over midnight.
    pub fn wraps_midnight(&self) -> bool {
        self.start > self.end
    }

    /// Whether a local wall-clock time is inside the window (its start included, its end not),
    /// as `yachtparty.in_quiet_hours`.
    pub fn contains(&self, local: NaiveTime) -> bool {
        if self.wraps_midnight() {
            local >= self.start || local < self.end
        } else {
            local >= self.start && local < self.end
        }
    }

    /// The first local wall-clock time at or after `local` outside the window: `local` itself
    /// when it is not quiet, else the window's end, that day or (for the evening part of a
    /// window that wraps midnight) the next.
    pub fn end_after(&self, local: NaiveDateTime) -> NaiveDateTime {
        if !self.contains(local.time()) {
            return local;
        }
        let day = if local.time() >= self.end {
            local
                .date()
                .succ_opt()
                .expect("a date before the end of time")
        } else {
            local.date()
        };
        day.and_time(self.end)
    }

    /// The first instant at or after `now` outside the window in `zone`, as
    /// `yachtparty.quiet_hours_end_at`: `now` when it is not quiet, else the window's local end.
    pub fn next_allowed<Tz: TimeZone>(&self, now: DateTime<Utc>, zone: &Tz) -> DateTime<Utc> {
        let local = now.with_timezone(zone).naive_local();
        if !self.contains(local.time()) {
            return now;
        }
        local_instant(zone, self.end_after(local))
    }
}

/// The instant a local wall-clock time of `zone` stands for, resolved as PostgreSQL's
/// `timestamp at time zone` resolves it: in a spring-forward gap with the offset in force before
/// the gap (02:30 on a day New York skips to 03:00 is 03:30 EDT), in a fall-back fold with the
/// offset after it (the later of the two instants).
pub fn local_instant<Tz: TimeZone>(zone: &Tz, local: NaiveDateTime) -> DateTime<Utc> {
    let at = |offset: FixedOffset| {
        DateTime::from_naive_utc_and_offset(
            local - TimeDelta::seconds(offset.local_minus_utc().into()),
            Utc,
        )
    };
    match zone.offset_from_local_datetime(&local) {
        LocalResult::Single(offset) => at(offset.fix()),
        LocalResult::Ambiguous(a, b) => at(a.fix()).max(at(b.fix())),
        // A day earlier is before the transition: zones change offset months apart, and no
        // offset is more than 14 hours from UTC.
        LocalResult::None => at(zone
            .offset_from_utc_datetime(&(local - TimeDelta::days(1)))
            .fix()),
    }
}

/// The user's local date at `now`: the day of their budget row.
pub fn local_date<Tz: TimeZone>(now: DateTime<Utc>, zone: &Tz) -> NaiveDate {
    now.with_timezone(zone).date_naive()
}

/// The start of the user's next local day after `now`, as `yachtparty.next_local_midnight`:
/// when a day's budget begins again.
pub fn next_local_midnight<Tz: TimeZone>(now: DateTime<Utc>, zone: &Tz) -> DateTime<Utc> {
    let tomorrow = local_date(now, zone)
        .succ_opt()
        .expect("a date before the end of time");
    local_instant(zone, tomorrow.and_time(NaiveTime::MIN))
}

/// Whether a user with these inbound messages is active at `now`: one of them is from the
/// [`ACTIVE_FOR`] before it (`now` included).
pub fn is_active(inbound_at: impl IntoIterator<Item = DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    inbound_at
        .into_iter()
        .any(|at| at > now - ACTIVE_FOR && at <= now)
}

/// How long a failed agent task waits before its next attempt: 2^n minutes, n being its
/// `retry_count` (the attempts made) and at most [`BACKOFF_MAX_EXPONENT`], as
/// `yachtparty.fail_agent_task`.
pub fn agent_task_backoff(retry_count: u32) -> TimeDelta {
    TimeDelta::minutes(1 << retry_count.min(BACKOFF_MAX_EXPONENT))
}

/// A user's limits for a day: `user_message_budget.daily_limit` and `hourly_limit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    daily: u32,
    hourly: u32,
}

impl Limits {
    /// The limits of a user who has never had a budget row: 5 a day, 2 an hour.
    pub const DEFAULT: Limits = Limits {
        daily: 5,
        hourly: 2,
    };

    /// Limits of at least 1 each.
    pub fn new(daily: u32, hourly: u32) -> Result<Self, SendingError> {
        if daily == 0 || hourly == 0 {
            return Err(SendingError::ZeroLimit);
        }
        Ok(Limits { daily, hourly })
    }

    pub fn daily(&self) -> u32 {
        self.daily
    }

    pub fn hourly(&self) -> u32 {
        self.hourly
    }
}

/// A send already claimed for the user: the unit it belongs to (its sequence's id, or its own
/// when it is not in a sequence) and when it was claimed. Replies are left out: they do not
/// count against the budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Claimed<K> {
    pub unit: K,
    pub at: DateTime<Utc>,
}

/// Why a message waits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hold {
    QuietHours,
    DailyLimit,
    HourlyLimit,
}

/// What the claim does with a due unit (one message, or a whole sequence).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Send it now; `counts` says whether it uses one of the budget's sends (a reply does not).
    Send { counts: bool },
    /// Leave it queued, due again at `until`.
    Reschedule { until: DateTime<Utc>, hold: Hold },
}

/// The budget's answer for one more unit at `now`, given the units sent today (the day row's
/// `messages_sent`) and those claimed recently: over the day's limit it waits for the next
/// local midnight; over the hour's (units claimed in the hour up to `now`, a sequence once) it
/// waits until enough of them are an hour old for the hour to have room.
pub fn budget_decision<K: PartialEq + Copy, Tz: TimeZone>(
    limits: Limits,
    sent_today: u32,
    claimed: &[Claimed<K>],
    now: DateTime<Utc>,
    zone: &Tz,
) -> Decision {
    if sent_today >= limits.daily {
        return Decision::Reschedule {
            until: next_local_midnight(now, zone),
            hold: Hold::DailyLimit,
        };
    }
    // Each unit once, at the time of its first send.
    let mut units: Vec<Claimed<K>> = Vec::new();
    for c in claimed
        .iter()
        .filter(|c| c.at > now - BUDGET_HOUR && c.at <= now)
    {
        match units.iter_mut().find(|u| u.unit == c.unit) {
            Some(u) => u.at = u.at.min(c.at),
            None => units.push(*c),
        }
    }
    let mut times: Vec<DateTime<Utc>> = units.iter().map(|u| u.at).collect();
    times.sort();
    let hourly = limits.hourly as usize;
    if times.len() >= hourly {
        return Decision::Reschedule {
            until: times[times.len() - hourly] + BUDGET_HOUR,
            hold: Hold::HourlyLimit,
        };
    }
    Decision::Send { counts: true }
}

/// The user a unit is for, as the claim sees them at `now`.
#[derive(Debug, Clone, Copy)]
pub struct Recipient<'a, Tz: TimeZone> {
    pub zone: &'a Tz,
    pub quiet_hours: QuietHours,
    /// The day row's `quiet_hours_enabled`.
    pub quiet_hours_enabled: bool,
    /// See [`is_active`].
    pub active: bool,
}

/// The claim's whole decision for a due unit, in its order: a reply (every message of the unit
/// has a conversation context, and the user is active) is sent without counting; else quiet
/// hours hold it (when enabled and the user is not active) until the window's end; else the
/// budget decides ([`budget_decision`]).
pub fn decide<K: PartialEq + Copy, Tz: TimeZone>(
    now: DateTime<Utc>,
    recipient: &Recipient<'_, Tz>,
    has_conversation_context: bool,
    limits: Limits,
    sent_today: u32,
    claimed: &[Claimed<K>],
) -> Decision {
    if has_conversation_context && recipient.active {
        return Decision::Send { counts: false };
    }
    let local = now.with_timezone(recipient.zone).naive_local();
    if recipient.quiet_hours_enabled
        && !recipient.active
        && recipient.quiet_hours.contains(local.time())
    {
        return Decision::Reschedule {
            until: recipient.quiet_hours.next_allowed(now, recipient.zone),
            hold: Hold::QuietHours,
        };
    }
    budget_decision(limits, sent_today, claimed, now, recipient.zone)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::America::New_York;
    use chrono_tz::Asia::Kolkata;
    use chrono_tz::Pacific::Auckland;

    fn t(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
    }

    fn local(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, mo, d)
            .unwrap()
            .and_hms_opt(h, mi, 0)
            .unwrap()
    }

    fn window(start: NaiveTime, end: NaiveTime) -> QuietHours {
        QuietHours::new(start, end).unwrap()
    }

    #[test]
    fn a_window_from_a_time_to_itself_is_refused() {
        assert_eq!(
            QuietHours::new(t(8, 0), t(8, 0)),
            Err(SendingError::EmptyQuietHours(t(8, 0)))
        );
    }

    #[test]
    fn a_user_without_quiet_hours_has_ten_at_night_to_eight_in_the_morning() {
        assert_eq!(QuietHours::of_user(None), Ok(window(t(22, 0), t(8, 0))));
        assert_eq!(
            QuietHours::of_user(Some((t(23, 0), t(7, 0)))),
            Ok(window(t(23, 0), t(7, 0)))
        );
    }

    #[test]
    fn a_window_across_midnight_holds_both_its_evening_and_its_morning() {
        let w = window(t(22, 0), t(8, 0));
        assert!(w.wraps_midnight());
        assert!(w.contains(t(22, 0)));
        assert!(w.contains(t(23, 59)));
        assert!(w.contains(t(0, 0)));
        assert!(w.contains(t(7, 59)));
        assert!(!w.contains(t(8, 0)));
        assert!(!w.contains(t(12, 0)));
        assert!(!w.contains(t(21, 59)));
    }

    #[test]
    fn a_window_within_a_day_holds_its_start_but_not_its_end() {
        let w = window(t(13, 0), t(14, 30));
        assert!(!w.wraps_midnight());
        assert!(!w.contains(t(12, 59)));
        assert!(w.contains(t(13, 0)));
        assert!(w.contains(t(14, 29)));
        assert!(!w.contains(t(14, 30)));
        assert!(!w.contains(t(0, 0)));
    }

    #[test]
    fn a_window_from_midnight_starts_at_midnight() {
        let w = window(t(0, 0), t(6, 0));
        assert!(w.contains(t(0, 0)));
        assert!(!w.contains(t(23, 59)));
    }

    #[test]
    fn the_evening_of_a_window_across_midnight_ends_the_next_morning() {
        let w = window(t(22, 0), t(8, 0));
        assert_eq!(
            w.end_after(local(2026, 6, 15, 23, 0)),
            local(2026, 6, 16, 8, 0)
        );
        assert_eq!(
            w.end_after(local(2026, 6, 15, 3, 0)),
            local(2026, 6, 15, 8, 0)
        );
        assert_eq!(
            w.end_after(local(2026, 6, 15, 12, 0)),
            local(2026, 6, 15, 12, 0)
        );
        assert_eq!(
            w.end_after(local(2026, 12, 31, 22, 0)),
            local(2027, 1, 1, 8, 0)
        );
    }

    #[test]
    fn three_in_the_morning_in_new_york_waits_for_eight_local() {
        let w = QuietHours::DEFAULT;
        // EDT (UTC-4): 03:00 local is 07:00 UTC; 08:00 local is 12:00 UTC.
        assert_eq!(
            w.next_allowed(utc(2026, 6, 15, 7, 0), &New_York),
            utc(2026, 6, 15, 12, 0)
        );
        // EST (UTC-5) in winter.
        assert_eq!(
            w.next_allowed(utc(2026, 1, 15, 8, 0), &New_York),
            utc(2026, 1, 15, 13, 0)
        );
        // Noon local is not quiet.
        assert_eq!(
            w.next_allowed(utc(2026, 6, 15, 16, 0), &New_York),
            utc(2026, 6, 15, 16, 0)
        );
    }

    #[test]
    fn a_night_across_the_spring_change_ends_at_the_local_time_in_summer_time() {
        // 2026-03-08: New York goes from 02:00 EST to 03:00 EDT. 23:00 EST on the 7th is 04:00
        // UTC; 08:00 EDT on the 8th is 12:00 UTC.
        assert_eq!(
            QuietHours::DEFAULT.next_allowed(utc(2026, 3, 8, 4, 0), &New_York),
            utc(2026, 3, 8, 12, 0)
        );
    }

    #[test]
    fn a_night_across_the_autumn_change_ends_at_the_local_time_in_winter_time() {
        // 2026-11-01: New York goes from 02:00 EDT back to 01:00 EST. 23:00 EDT on Oct 31 is
        // 03:00 UTC; 08:00 EST on Nov 1 is 13:00 UTC.
        assert_eq!(
            QuietHours::DEFAULT.next_allowed(utc(2026, 11, 1, 3, 0), &New_York),
            utc(2026, 11, 1, 13, 0)
        );
    }

    #[test]
    fn a_window_ending_in_the_spring_gap_ends_as_postgresql_reads_the_missing_time() {
        // 02:30 does not exist on 2026-03-08 in New York: PostgreSQL reads it with the offset
        // before the gap (EST, UTC-5), so 07:30 UTC, 03:30 EDT.
        let w = window(t(1, 0), t(2, 30));
        // 06:15 UTC is 01:15 EST: quiet.
        assert_eq!(
            w.next_allowed(utc(2026, 3, 8, 6, 15), &New_York),
            utc(2026, 3, 8, 7, 30)
        );
        assert_eq!(
            local_instant(&New_York, local(2026, 3, 8, 2, 30)),
            utc(2026, 3, 8, 7, 30)
        );
        // Auckland skips 02:00 to 03:00 NZDT on 2026-09-27: 02:30 is read as NZST (UTC+12).
        assert_eq!(
            local_instant(&Auckland, local(2026, 9, 27, 2, 30)),
            utc(2026, 9, 26, 14, 30)
        );
    }

    #[test]
    fn a_window_ending_in_the_autumn_fold_ends_at_the_later_of_the_two_times() {
        // 01:30 happens twice on 2026-11-01 in New York (EDT, then EST): PostgreSQL takes the
        // offset after the change, EST, so 06:30 UTC.
        assert_eq!(
            local_instant(&New_York, local(2026, 11, 1, 1, 30)),
            utc(2026, 11, 1, 6, 30)
        );
        // Auckland repeats 02:00-03:00 on 2026-04-05 (NZDT, then NZST).
        assert_eq!(
            local_instant(&Auckland, local(2026, 4, 5, 2, 30)),
            utc(2026, 4, 4, 14, 30)
        );
        let w = window(t(23, 0), t(1, 30));
        // 04:00 UTC on Nov 1 is 00:00 EDT: quiet until the second 01:30.
        assert_eq!(
            w.next_allowed(utc(2026, 11, 1, 4, 0), &New_York),
            utc(2026, 11, 1, 6, 30)
        );
    }

    #[test]
    fn a_zone_with_a_half_hour_offset_keeps_its_local_window() {
        // Kolkata is UTC+05:30: 23:00 IST on June 15 is 17:30 UTC; 08:00 IST on June 16 is
        // 02:30 UTC.
        assert_eq!(
            QuietHours::DEFAULT.next_allowed(utc(2026, 6, 15, 17, 30), &Kolkata),
            utc(2026, 6, 16, 2, 30)
        );
    }

    #[test]
    fn the_next_local_midnight_follows_the_users_zone() {
        // 12:00 IST -> midnight IST, 18:30 UTC.
        assert_eq!(
            next_local_midnight(utc(2026, 6, 15, 6, 30), &Kolkata),
            utc(2026, 6, 15, 18, 30)
        );
        // 23:30 EDT on June 15 (03:30 UTC on the 16th) -> 00:00 EDT on the 16th.
        assert_eq!(
            next_local_midnight(utc(2026, 6, 16, 3, 30), &New_York),
            utc(2026, 6, 16, 4, 0)
        );
        // Across the spring change: midnight of March 9 is EDT.
        assert_eq!(
            next_local_midnight(utc(2026, 3, 8, 12, 0), &New_York),
            utc(2026, 3, 9, 4, 0)
        );
        assert_eq!(
            local_date(utc(2026, 6, 16, 3, 30), &New_York),
            NaiveDate::from_ymd_opt(2026, 6, 15).unwrap()
        );
    }

    #[test]
    fn a_user_is_active_for_ten_minutes_after_texting_in() {
        let now = utc(2026, 6, 15, 12, 0);
        assert!(is_active([utc(2026, 6, 15, 11, 55)], now));
        assert!(is_active([now], now));
        assert!(!is_active([utc(2026, 6, 15, 11, 50)], now));
        assert!(!is_active([utc(2026, 6, 15, 12, 1)], now));
        assert!(!is_active([], now));
    }

    #[test]
    fn the_backoff_doubles_from_one_minute_and_stops_doubling_at_two_to_the_twentieth() {
        assert_eq!(agent_task_backoff(0), TimeDelta::minutes(1));
        assert_eq!(agent_task_backoff(1), TimeDelta::minutes(2));
        assert_eq!(agent_task_backoff(3), TimeDelta::minutes(8));
        assert_eq!(agent_task_backoff(20), TimeDelta::minutes(1 << 20));
        assert_eq!(agent_task_backoff(u32::MAX), TimeDelta::minutes(1 << 20));
    }

    #[test]
    fn a_send_retry_waits_thirty_seconds_doubling_up_to_an_hour() {
        let waits: Vec<TimeDelta> = (1..=9).map(|n| send_retry_delay(n, None)).collect();
        assert_eq!(
            waits,
            [30, 60, 120, 240, 480, 960, 1920, 3600, 3600].map(TimeDelta::seconds)
        );
        assert_eq!(send_retry_delay(u32::MAX, None), SEND_RETRY_MAX);
    }

    #[test]
    fn no_failure_yet_means_no_backoff() {
        assert_eq!(send_retry_delay(0, None), TimeDelta::zero());
        assert_eq!(send_retry_delay(0, Some(0)), TimeDelta::zero());
        assert_eq!(send_retry_delay(0, Some(45)), TimeDelta::seconds(45));
    }

    #[test]
    fn retry_after_is_a_floor_under_the_backoff_and_capped_at_an_hour() {
        assert_eq!(send_retry_delay(1, Some(45)), TimeDelta::seconds(45));
        assert_eq!(send_retry_delay(2, Some(45)), TimeDelta::minutes(1));
        assert_eq!(send_retry_delay(3, Some(0)), TimeDelta::minutes(2));
        assert_eq!(send_retry_delay(1, Some(600)), TimeDelta::minutes(10));
        assert_eq!(send_retry_delay(6, Some(600)), TimeDelta::minutes(16));
        assert_eq!(send_retry_delay(1, Some(7200)), SEND_RETRY_MAX);
        assert_eq!(send_retry_delay(u32::MAX, Some(u32::MAX)), SEND_RETRY_MAX);
    }

    #[test]
    fn a_message_gives_up_after_about_a_quarter_of_an_hour_of_waits() {
        // The deferrals before the failing attempt: 30 s + 1 + 2 + 4 + 8 min.
        let waited: TimeDelta = (1..MAX_SEND_ATTEMPTS)
            .map(|n| send_retry_delay(n, None))
            .sum();
        assert_eq!(MAX_SEND_ATTEMPTS, 6);
        assert_eq!(waited, TimeDelta::seconds(930));
    }

    #[test]
    fn a_limit_of_zero_is_refused() {
        assert_eq!(Limits::new(0, 2), Err(SendingError::ZeroLimit));
        assert_eq!(Limits::new(5, 0), Err(SendingError::ZeroLimit));
        assert_eq!(Limits::new(5, 2), Ok(Limits::DEFAULT));
    }

    #[test]
    fn the_days_limit_waits_for_the_next_local_midnight() {
        let now = utc(2026, 6, 15, 6, 30);
        assert_eq!(
            budget_decision::<u8, _>(Limits::new(2, 10).unwrap(), 2, &[], now, &Kolkata),
            Decision::Reschedule {
                until: utc(2026, 6, 15, 18, 30),
                hold: Hold::DailyLimit
            }
        );
        assert_eq!(
            budget_decision::<u8, _>(Limits::new(2, 10).unwrap(), 1, &[], now, &Kolkata),
            Decision::Send { counts: true }
        );
    }

    #[test]
    fn the_hours_limit_waits_until_the_oldest_send_is_an_hour_old() {
        let now = utc(2026, 6, 15, 12, 0);
        let claimed = [
            Claimed {
                unit: 1,
                at: utc(2026, 6, 15, 11, 10),
            },
            Claimed {
                unit: 2,
                at: utc(2026, 6, 15, 11, 40),
            },
            // An hour old: no longer in the trailing hour.
            Claimed {
                unit: 3,
                at: utc(2026, 6, 15, 11, 0),
            },
        ];
        assert_eq!(
            budget_decision(Limits::DEFAULT, 2, &claimed, now, &Utc),
            Decision::Reschedule {
                until: utc(2026, 6, 15, 12, 10),
                hold: Hold::HourlyLimit
            }
        );
        assert_eq!(
            budget_decision(Limits::new(5, 3).unwrap(), 2, &claimed, now, &Utc),
            Decision::Send { counts: true }
        );
    }

    #[test]
    fn a_sequence_counts_once_against_the_hour() {
        let now = utc(2026, 6, 15, 12, 0);
        let sequence = [10; 3].map(|unit| Claimed {
            unit,
            at: utc(2026, 6, 15, 11, 30),
        });
        assert_eq!(
            budget_decision(Limits::DEFAULT, 1, &sequence, now, &Utc),
            Decision::Send { counts: true }
        );
    }

    #[test]
    fn over_the_hours_limit_it_waits_until_the_hour_has_room() {
        // Limit lowered to 1 with three sends in the hour: room once the newest is an hour old.
        let now = utc(2026, 6, 15, 12, 0);
        let claimed = [(1, 11, 5), (2, 11, 20), (3, 11, 45)].map(|(unit, h, m)| Claimed {
            unit,
            at: utc(2026, 6, 15, h, m),
        });
        assert_eq!(
            budget_decision(Limits::new(5, 1).unwrap(), 3, &claimed, now, &Utc),
            Decision::Reschedule {
                until: utc(2026, 6, 15, 12, 45),
                hold: Hold::HourlyLimit
            }
        );
    }

    #[test]
    fn quiet_hours_hold_a_proactive_message_but_not_for_an_active_user() {
        let now = utc(2026, 6, 15, 7, 0); // 03:00 EDT
        let mut recipient = Recipient {
            zone: &New_York,
            quiet_hours: QuietHours::DEFAULT,
            quiet_hours_enabled: true,
            active: false,
        };
        assert_eq!(
            decide::<u8, _>(now, &recipient, false, Limits::DEFAULT, 0, &[]),
            Decision::Reschedule {
                until: utc(2026, 6, 15, 12, 0),
                hold: Hold::QuietHours
            }
        );
        recipient.active = true;
        assert_eq!(
            decide::<u8, _>(now, &recipient, false, Limits::DEFAULT, 0, &[]),
            Decision::Send { counts: true }
        );
        recipient.active = false;
        recipient.quiet_hours_enabled = false;
        assert_eq!(
            decide::<u8, _>(now, &recipient, false, Limits::DEFAULT, 0, &[]),
            Decision::Send { counts: true }
        );
    }

    #[test]
    fn a_reply_to_an_active_user_passes_quiet_hours_and_the_budget_without_counting() {
        let now = utc(2026, 6, 15, 7, 0);
        let recipient = Recipient {
            zone: &New_York,
            quiet_hours: QuietHours::DEFAULT,
            quiet_hours_enabled: true,
            active: true,
        };
        assert_eq!(
            decide::<u8, _>(now, &recipient, true, Limits::DEFAULT, 5, &[]),
            Decision::Send { counts: false }
        );
        // The same row for a user who is not active is a proactive message.
        let asleep = Recipient {
            active: false,
            ..recipient
        };
        assert_eq!(
            decide::<u8, _>(now, &asleep, true, Limits::DEFAULT, 5, &[]),
            Decision::Reschedule {
                until: utc(2026, 6, 15, 12, 0),
                hold: Hold::QuietHours
            }
        );
    }

    #[test]
    fn quiet_hours_come_before_the_budget() {
        // Over the day's limit during quiet hours: held for quiet hours.
        let now = utc(2026, 6, 15, 7, 0);
        let recipient = Recipient {
            zone: &New_York,
            quiet_hours: QuietHours::DEFAULT,
            quiet_hours_enabled: true,
            active: false,
        };
        assert!(matches!(
            decide::<u8, _>(now, &recipient, false, Limits::DEFAULT, 5, &[]),
            Decision::Reschedule {
                hold: Hold::QuietHours,
                ..
            }
        ));
    }
}
