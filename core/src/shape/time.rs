//! Dates (`YYYY-MM-DD`), times of day (`HH:MM:SS[.ffffff]`, no zone) and timestamps (RFC 3339
//! with a zone, sent on in UTC), all with microsecond precision, as Postgres keeps them.

use std::fmt;

use serde::{Serialize, Serializer};

use super::{
    scalar_kind, trim_blank, Format, JsonType, KindInfo, Problem, Scalar, Shaped, SqlType,
};
use crate::error::code;

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if is_leap(y) => 29,
        _ => 28,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day number (Hinnant's `civil_from_days`).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + if m <= 2 { 1 } else { 0 };
    (y, m, d)
}

fn digits(b: &[u8]) -> Option<u32> {
    if b.is_empty() || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(b.iter().fold(0u32, |n, d| n * 10 + (d - b'0') as u32))
}

/// `YYYY-MM-DD` at the start of `b`, as a valid calendar date in years 1 to 9999.
fn parse_ymd(b: &[u8]) -> Option<(i64, u32, u32)> {
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let (y, m, d) = (
        digits(&b[0..4])? as i64,
        digits(&b[5..7])?,
        digits(&b[8..10])?,
    );
    if y == 0 || !(1..=12).contains(&m) || d == 0 || d > days_in_month(y, m) {
        return None;
    }
    Some((y, m, d))
}

// ------------------------------------------------------------------------------------------------
// date
// ------------------------------------------------------------------------------------------------

/// A calendar date, years 1 to 9999.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Date {
    year: u16,
    month: u8,
    day: u8,
}

impl Date {
    /// ```
    /// use rowgate_core::shape::Date;
    /// assert_eq!(Date::parse("2026-02-28").unwrap().to_string(), "2026-02-28");
    /// assert!(Date::parse("2026-02-29").is_err());
    /// ```
    pub fn parse(s: &str) -> Result<Date, Problem> {
        let b = s.trim().as_bytes();
        match parse_ymd(b) {
            Some((y, m, d)) if b.len() == 10 => Ok(Date {
                year: y as u16,
                month: m as u8,
                day: d as u8,
            }),
            _ => Err(Problem::format("must be a date written YYYY-MM-DD")),
        }
    }
    pub fn year(self) -> u16 {
        self.year
    }
    pub fn month(self) -> u8 {
        self.month
    }
    pub fn day(self) -> u8 {
        self.day
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut buf = [0u8; 10];
        write_digits(&mut buf[0..4], self.year as u64);
        buf[4] = b'-';
        write_digits(&mut buf[5..7], self.month as u64);
        buf[7] = b'-';
        write_digits(&mut buf[8..10], self.day as u64);
        s.serialize_str(ascii(&buf))
    }
}

/// Writes `n` as exactly `out.len()` decimal digits.
fn write_digits(out: &mut [u8], mut n: u64) {
    for slot in out.iter_mut().rev() {
        *slot = b'0' + (n % 10) as u8;
        n /= 10;
    }
}

/// The buffers above hold ASCII only.
fn ascii(b: &[u8]) -> &str {
    std::str::from_utf8(b).unwrap_or_default()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateSpec;

impl DateSpec {
    pub const fn info(&self) -> KindInfo {
        let mut i = KindInfo::new(JsonType::String, SqlType::Date);
        i.format = Some(Format::Date);
        i
    }
}

impl Scalar for DateSpec {
    type Out = Date;
    fn expected(&self) -> &'static str {
        "a date in a string"
    }
    fn on_str(&self, s: &str) -> Shaped<Date> {
        let Some(t) = trim_blank(s) else {
            return Ok(None);
        };
        Date::parse(t).map(Some)
    }
}

// ------------------------------------------------------------------------------------------------
// time of day
// ------------------------------------------------------------------------------------------------

/// A time of day without a zone (Postgres's `time without time zone`), in microseconds since
/// midnight, from 00:00:00 to 23:59:59.999999.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Time {
    micros: i64,
}

impl Time {
    /// Parses `HH:MM`, `HH:MM:SS` or `HH:MM:SS.f` with 1 to 6 fraction digits, two digits for
    /// each field, from 00:00 to 23:59:59.999999 (no leap second, no `24:00`, no zone).
    ///
    /// ```
    /// use rowgate_core::shape::Time;
    /// assert_eq!(Time::parse(" 07:30 ").unwrap().to_string(), "07:30:00");
    /// assert_eq!(Time::parse("23:59:59.50").unwrap().to_string(), "23:59:59.5");
    /// assert!(Time::parse("24:00").is_err());
    /// ```
    pub fn parse(s: &str) -> Result<Time, Problem> {
        Self::parse_bytes(s.trim().as_bytes()).ok_or_else(|| {
            Problem::format(
                "must be a time of day written HH:MM, HH:MM:SS or HH:MM:SS.ffffff, from 00:00 to 23:59:59.999999",
            )
        })
    }

    fn parse_bytes(b: &[u8]) -> Option<Time> {
        if b.len() < 5 || b[2] != b':' {
            return None;
        }
        let (h, m) = (digits(&b[0..2])?, digits(&b[3..5])?);
        let (mut sec, mut frac) = (0, 0);
        if b.len() > 5 {
            if b.len() < 8 || b[5] != b':' {
                return None;
            }
            sec = digits(&b[6..8])?;
            match &b[8..] {
                [] => {}
                [b'.', f @ ..] if (1..=6).contains(&f.len()) => {
                    frac = digits(f)? * 10u32.pow(6 - f.len() as u32);
                }
                _ => return None,
            }
        }
        if h > 23 || m > 59 || sec > 59 {
            return None;
        }
        Some(Time {
            micros: (h * 3600 + m * 60 + sec) as i64 * MICROS_PER_SECOND + frac as i64,
        })
    }

    /// The time `micros` microseconds after midnight; `None` outside `0..86_400_000_000`.
    pub const fn from_micros(micros: i64) -> Option<Time> {
        if micros >= 0 && micros < MICROS_PER_DAY {
            Some(Time { micros })
        } else {
            None
        }
    }
    /// Microseconds since midnight.
    pub const fn micros(self) -> i64 {
        self.micros
    }
    pub const fn hour(self) -> u8 {
        (self.micros / (3600 * MICROS_PER_SECOND)) as u8
    }
    pub const fn minute(self) -> u8 {
        (self.micros / (60 * MICROS_PER_SECOND) % 60) as u8
    }
    pub const fn second(self) -> u8 {
        (self.micros / MICROS_PER_SECOND % 60) as u8
    }

    /// `HH:MM:SS[.ffffff]`, the fraction without trailing zeros; at most 15 bytes.
    fn write(self, buf: &mut [u8; 15]) -> usize {
        write_digits(&mut buf[0..2], self.hour() as u64);
        buf[2] = b':';
        write_digits(&mut buf[3..5], self.minute() as u64);
        buf[5] = b':';
        write_digits(&mut buf[6..8], self.second() as u64);
        let frac = self.micros % MICROS_PER_SECOND;
        let mut n = 8;
        if frac != 0 {
            buf[8] = b'.';
            write_digits(&mut buf[9..15], frac as u64);
            n = 15;
            while buf[n - 1] == b'0' {
                n -= 1;
            }
        }
        n
    }
}

impl fmt::Display for Time {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut buf = [0u8; 15];
        let n = self.write(&mut buf);
        f.write_str(ascii(&buf[..n]))
    }
}

impl Serialize for Time {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut buf = [0u8; 15];
        let n = self.write(&mut buf);
        s.serialize_str(ascii(&buf[..n]))
    }
}

/// `time without time zone`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeSpec;

impl TimeSpec {
    pub const fn info(&self) -> KindInfo {
        let mut i = KindInfo::new(JsonType::String, SqlType::Time);
        i.format = Some(Format::Time);
        i.accepts = "HH:MM, HH:MM:SS or HH:MM:SS.ffffff; sent on as HH:MM:SS[.ffffff]";
        i
    }
}

impl Scalar for TimeSpec {
    type Out = Time;
    fn expected(&self) -> &'static str {
        "a time of day in a string"
    }
    fn on_str(&self, s: &str) -> Shaped<Time> {
        let Some(t) = trim_blank(s) else {
            return Ok(None);
        };
        Time::parse(t).map(Some)
    }
}

// ------------------------------------------------------------------------------------------------
// timestamp
// ------------------------------------------------------------------------------------------------

/// An instant, in microseconds since 1970-01-01T00:00:00Z (Postgres's precision), between the
/// years 1 and 9999 in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Timestamp {
    micros: i64,
}

const MICROS_PER_SECOND: i64 = 1_000_000;
const MICROS_PER_DAY: i64 = 86_400 * MICROS_PER_SECOND;

impl Timestamp {
    /// Parses RFC 3339: `YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)`. `t`/`z` may be lower
    /// case, a space may stand for `T` (RFC 3339 allows both), and `+HH` without minutes is
    /// accepted as Postgres prints it. A fraction finer than a microsecond is rounded to one.
    /// A timestamp without a zone is refused: its instant would depend on the server's zone.
    ///
    /// ```
    /// use rowgate_core::shape::Timestamp;
    /// let t = Timestamp::parse("2026-11-22 10:30:00.25+01:00").unwrap();
    /// assert_eq!(t.to_string(), "2026-11-22T09:30:00.25Z");
    /// assert!(Timestamp::parse("2026-11-22T10:30:00").is_err());
    /// ```
    pub fn parse(s: &str) -> Result<Timestamp, Problem> {
        Self::parse_bytes(s.trim().as_bytes()).ok_or_else(|| {
            Problem::format(
                "must be an RFC 3339 timestamp with a time zone, like 2026-11-22T09:30:00Z",
            )
        })
    }

    fn parse_bytes(b: &[u8]) -> Option<Timestamp> {
        let (y, mo, d) = parse_ymd(b)?;
        if b.len() < 20 || !matches!(b[10], b'T' | b't' | b' ') || b[13] != b':' || b[16] != b':' {
            return None;
        }
        let (h, mi, sec) = (
            digits(&b[11..13])?,
            digits(&b[14..16])?,
            digits(&b[17..19])?,
        );
        if h > 23 || mi > 59 || sec > 60 {
            return None;
        }
        let mut i = 19;
        let mut micros: i64 = 0;
        if b[i] == b'.' {
            let start = i + 1;
            let mut end = start;
            while end < b.len() && b[end].is_ascii_digit() {
                end += 1;
            }
            if end == start {
                return None;
            }
            for k in 0..6 {
                micros = micros * 10
                    + b.get(start + k)
                        .filter(|c| start + k < end && c.is_ascii_digit())
                        .map_or(0, |c| (c - b'0') as i64);
            }
            if end > start + 6 && b[start + 6] >= b'5' {
                micros += 1;
            }
            i = end;
        }
        let offset_seconds: i64 = match b.get(i)? {
            b'Z' | b'z' if i + 1 == b.len() => 0,
            sign @ (b'+' | b'-') => {
                let rest = &b[i + 1..];
                let (oh, om) = match rest.len() {
                    2 => (digits(rest)?, 0),
                    5 if rest[2] == b':' => (digits(&rest[0..2])?, digits(&rest[3..5])?),
                    _ => return None,
                };
                if oh > 23 || om > 59 {
                    return None;
                }
                let o = (oh * 3600 + om * 60) as i64;
                if *sign == b'-' {
                    -o
                } else {
                    o
                }
            }
            _ => return None,
        };
        let seconds =
            days_from_civil(y, mo, d) * 86_400 + (h * 3600 + mi * 60 + sec) as i64 - offset_seconds;
        let t = Timestamp {
            micros: seconds * MICROS_PER_SECOND + micros,
        };
        let (year, _, _) = civil_from_days(t.micros.div_euclid(MICROS_PER_DAY));
        (1..=9999).contains(&year).then_some(t)
    }

    pub const fn from_micros(micros: i64) -> Timestamp {
        Timestamp { micros }
    }
    /// Microseconds since 1970-01-01T00:00:00Z.
    pub const fn micros(self) -> i64 {
        self.micros
    }
    /// Hours from `self` to `later` (negative when `later` is earlier).
    pub fn hours_until(self, later: Timestamp) -> f64 {
        (later.micros - self.micros) as f64 / (3600 * MICROS_PER_SECOND) as f64
    }

    /// `YYYY-MM-DDTHH:MM:SS[.ffffff]Z`, the fraction without trailing zeros; at most 27 bytes.
    fn write(self, buf: &mut [u8; 27]) -> usize {
        let days = self.micros.div_euclid(MICROS_PER_DAY);
        let in_day = self.micros.rem_euclid(MICROS_PER_DAY);
        let (y, m, d) = civil_from_days(days);
        let secs = in_day / MICROS_PER_SECOND;
        let frac = in_day % MICROS_PER_SECOND;
        write_digits(&mut buf[0..4], y as u64);
        buf[4] = b'-';
        write_digits(&mut buf[5..7], m as u64);
        buf[7] = b'-';
        write_digits(&mut buf[8..10], d as u64);
        buf[10] = b'T';
        write_digits(&mut buf[11..13], (secs / 3600) as u64);
        buf[13] = b':';
        write_digits(&mut buf[14..16], (secs / 60 % 60) as u64);
        buf[16] = b':';
        write_digits(&mut buf[17..19], (secs % 60) as u64);
        let mut n = 19;
        if frac != 0 {
            buf[19] = b'.';
            write_digits(&mut buf[20..26], frac as u64);
            n = 26;
            while buf[n - 1] == b'0' {
                n -= 1;
            }
        }
        buf[n] = b'Z';
        n + 1
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut buf = [0u8; 27];
        let n = self.write(&mut buf);
        f.write_str(ascii(&buf[..n]))
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut buf = [0u8; 27];
        let n = self.write(&mut buf);
        s.serialize_str(ascii(&buf[..n]))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimestampSpec;

impl TimestampSpec {
    pub const fn info(&self) -> KindInfo {
        let mut i = KindInfo::new(JsonType::String, SqlType::Timestamptz);
        i.format = Some(Format::DateTime);
        i.accepts = "any zone offset; sent on in UTC";
        i
    }
}

impl Scalar for TimestampSpec {
    type Out = Timestamp;
    fn expected(&self) -> &'static str {
        "a timestamp in a string"
    }
    fn on_str(&self, s: &str) -> Shaped<Timestamp> {
        let Some(t) = trim_blank(s) else {
            return Ok(None);
        };
        Timestamp::parse(t)
            .map(Some)
            .map_err(|p| p.recoded(code::FORMAT))
    }
}

scalar_kind!(DateSpec => Date, TimeSpec => Time, TimestampSpec => Timestamp);

#[cfg(test)]
mod tests {
    use super::super::testing::{code_of, shape_str};
    use super::super::*;
    use super::*;

    fn ts(s: &str) -> String {
        Timestamp::parse(s).unwrap().to_string()
    }

    #[test]
    fn a_date_is_a_real_calendar_day() {
        assert_eq!(
            shape_str(&date(), r#"" 2024-02-29 ""#)
                .unwrap()
                .unwrap()
                .to_string(),
            "2024-02-29"
        );
        for bad in [
            "2023-02-29",
            "2026-13-01",
            "2026-00-10",
            "0000-01-01",
            "2026-1-01",
            "26-01-01",
            "2026-01-01T00:00:00Z",
        ] {
            assert_eq!(
                code_of(shape_str(&date(), &format!("{bad:?}"))),
                code::FORMAT,
                "{bad}"
            );
        }
    }

    #[test]
    fn a_date_serialises_as_yyyy_mm_dd() {
        let d = Date::parse("0987-03-04").unwrap();
        assert_eq!(serde_json::to_string(&d).unwrap(), r#""0987-03-04""#);
    }

    #[test]
    fn a_timestamp_with_an_offset_is_sent_in_utc() {
        assert_eq!(ts("2026-11-22T10:30:00+01:00"), "2026-11-22T09:30:00Z");
        assert_eq!(ts("2026-11-22T00:30:00-02:30"), "2026-11-22T03:00:00Z");
        assert_eq!(ts("2026-01-01T00:30:00+01"), "2025-12-31T23:30:00Z");
        assert_eq!(ts("2026-11-22t10:30:00z"), "2026-11-22T10:30:00Z");
    }

    #[test]
    fn a_timestamp_keeps_microseconds_and_rounds_finer_fractions() {
        assert_eq!(
            ts("2026-11-22T10:30:00.123456Z"),
            "2026-11-22T10:30:00.123456Z"
        );
        assert_eq!(
            ts("2026-11-22T10:30:00.1234567Z"),
            "2026-11-22T10:30:00.123457Z"
        );
        assert_eq!(ts("2026-11-22T10:30:00.9999995Z"), "2026-11-22T10:30:01Z");
        assert_eq!(ts("2026-11-22T10:30:00.500Z"), "2026-11-22T10:30:00.5Z");
    }

    #[test]
    fn a_leap_second_rolls_into_the_next_minute() {
        assert_eq!(ts("2016-12-31T23:59:60Z"), "2017-01-01T00:00:00Z");
    }

    #[test]
    fn a_timestamp_without_a_zone_or_malformed_is_rejected() {
        for bad in [
            "2026-11-22T10:30:00",
            "2026-11-22",
            "2026-11-22T24:00:00Z",
            "2026-11-22T10:30Z",
            "2026-11-22T10:30:00.Z",
            "2026-11-22T10:30:00+0100",
            "2026-11-22T10:30:00Zjunk",
            "9999-12-31T23:00:00-02:00",
        ] {
            assert_eq!(
                code_of(shape_str(&timestamptz(), &format!("{bad:?}"))),
                code::FORMAT,
                "{bad}"
            );
        }
    }

    #[test]
    fn timestamps_far_from_1970_survive_the_trip() {
        for s in [
            "0001-01-01T00:00:00Z",
            "9999-12-31T23:59:59.999999Z",
            "1969-12-31T23:59:59.5Z",
            "2000-02-29T12:00:00Z",
        ] {
            assert_eq!(ts(s), s);
        }
    }

    fn tod(json: &str) -> Shaped<Time> {
        shape_str(&time(), json)
    }

    #[test]
    fn a_time_of_day_is_read_with_or_without_seconds_and_fraction() {
        for (given, want, micros) in [
            ("00:00", "00:00:00", 0),
            (" 07:30 ", "07:30:00", 27_000_000_000),
            ("\t07:30:15\n", "07:30:15", 27_015_000_000),
            ("12:00:00.5", "12:00:00.5", 43_200_500_000),
            ("12:00:00.000001", "12:00:00.000001", 43_200_000_001),
            ("12:00:00.120", "12:00:00.12", 43_200_120_000),
            ("12:00:00.000", "12:00:00", 43_200_000_000),
            ("23:59:59.999999", "23:59:59.999999", 86_399_999_999),
        ] {
            let t = tod(&serde_json::to_string(given).unwrap())
                .unwrap()
                .unwrap();
            assert_eq!(t.micros(), micros, "{given:?}");
            assert_eq!(t.to_string(), want, "{given:?}");
            assert_eq!(
                serde_json::to_string(&t).unwrap(),
                format!("{want:?}"),
                "{given:?}"
            );
        }
    }

    #[test]
    fn a_time_of_day_knows_its_hour_and_minute() {
        let t = Time::parse("09:05:07.25").unwrap();
        assert_eq!((t.hour(), t.minute(), t.second()), (9, 5, 7));
        assert_eq!(Time::from_micros(t.micros()), Some(t));
        assert_eq!(
            Time::from_micros(0).map(|t| t.to_string()).as_deref(),
            Some("00:00:00")
        );
        assert_eq!(Time::from_micros(-1), None);
        assert_eq!(Time::from_micros(MICROS_PER_DAY), None);
        assert_eq!(
            Time::from_micros(MICROS_PER_DAY - 1).map(|t| t.to_string()),
            Some("23:59:59.999999".to_string())
        );
    }

    #[test]
    fn a_blank_or_null_time_is_null() {
        assert_eq!(tod("null"), Ok(None));
        assert_eq!(tod(r#""""#), Ok(None));
        assert_eq!(tod(r#"" \t ""#), Ok(None));
    }

    #[test]
    fn a_time_that_is_not_a_string_is_a_type_error() {
        for bad in ["730", "7.5", "true", "[]", r#"{"h": 7}"#] {
            assert_eq!(code_of(tod(bad)), code::TYPE, "{bad}");
        }
    }

    #[test]
    fn a_malformed_or_out_of_range_time_is_a_format_error() {
        for bad in [
            "24:00",
            "24:00:00",
            "23:60",
            "23:59:60",
            "7:30",
            "07:3",
            "0730",
            "07:30:",
            "07:30:5",
            "07:30:00.",
            "07:30:00.1234567",
            "07:30:00,5",
            "07:30:00Z",
            "07:30:00+01:00",
            "07:30 am",
            "07-30",
            "-1:00",
            "+7:30",
            "noon",
            "2026-11-22T07:30:00",
            "07:30:00.5\u{0}",
            "０７:30",
        ] {
            let json = serde_json::to_string(bad).unwrap();
            assert_eq!(code_of(tod(&json)), code::FORMAT, "{bad:?}");
        }
    }

    #[test]
    fn a_shaped_time_shapes_again_to_itself() {
        for given in [
            "00:00",
            "07:30:15",
            "12:00:00.120",
            "23:59:59.999999",
            "01:02:03.4",
        ] {
            let once = tod(&format!("{given:?}")).unwrap().unwrap();
            let json = serde_json::to_string(&once).unwrap();
            let twice = tod(&json).unwrap().unwrap();
            assert_eq!(once, twice, "{given}");
            assert_eq!(serde_json::to_string(&twice).unwrap(), json, "{given}");
        }
    }

    #[test]
    fn hours_between_two_timestamps() {
        let a = Timestamp::parse("2026-11-22T09:00:00Z").unwrap();
        let b = Timestamp::parse("2026-11-22T10:30:00+00:00").unwrap();
        assert_eq!(a.hours_until(b), 1.5);
    }
}
