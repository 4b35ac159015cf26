//! Strings: free text, emails, E.164 phone numbers, http(s) URLs, `bm-` thread ids, Twilio
//! message SIDs, dotted event types and UUIDs. Every string is trimmed; one that is empty once
//! trimmed is `null`.

use std::fmt;

use serde::{Serialize, Serializer};

use super::{
    clean, scalar_kind, trim_blank, Format, JsonType, KindInfo, Problem, Scalar, Shaped, SqlType,
};
use crate::error::code;

/// Checks a length limit in characters (Postgres counts characters, not bytes).
#[inline]
fn check_chars(s: &str, min: u32, max: Option<u32>) -> Result<(), Problem> {
    if let Some(max) = max {
        // A string of at most `max` bytes has at most `max` characters: skip the count.
        if s.len() > max as usize && s.chars().count() > max as usize {
            return Err(too_long(max));
        }
    }
    if min > 1 && s.chars().count() < min as usize {
        return Err(Problem::new(
            code::LENGTH,
            format!("must be at least {min} characters long"),
        ));
    }
    Ok(())
}

#[cold]
fn too_long(max: u32) -> Problem {
    Problem::new(
        code::LENGTH,
        format!("must be at most {max} characters long"),
    )
}

macro_rules! string_newtype {
    ($(#[$m:meta])* $name:ident) => {
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }
    };
}

// ------------------------------------------------------------------------------------------------
// text
// ------------------------------------------------------------------------------------------------

/// Free text: trimmed, empty is `null`, length in characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextSpec {
    pub(crate) sql: SqlType,
    pub(crate) min_chars: u32,
    pub(crate) max_chars: Option<u32>,
}

impl TextSpec {
    pub const fn info(&self) -> KindInfo {
        let mut i = KindInfo::new(JsonType::String, self.sql);
        i.max_length = self.max_chars;
        i.min_length = if self.min_chars > 0 {
            Some(self.min_chars)
        } else {
            None
        };
        i
    }
}

/// Text kept exactly as sent (the domain `rowgate.verbatim_text`: an SMS body): not trimmed, and
/// `""` stays `""`. Only a NUL, which PostgreSQL's text cannot hold, is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VerbatimSpec;

/// What [`VerbatimSpec`] accepts, in descriptions.
pub const VERBATIM_ACCEPTS: &str = "kept exactly as sent: not trimmed, and possibly empty";

impl VerbatimSpec {
    pub const fn info(&self) -> KindInfo {
        let mut i = KindInfo::new(JsonType::String, SqlType::Text);
        i.accepts = VERBATIM_ACCEPTS;
        i
    }
}

impl Scalar for VerbatimSpec {
    type Out = String;
    fn expected(&self) -> &'static str {
        "a string"
    }
    fn on_str(&self, s: &str) -> Shaped<String> {
        if super::has_nul(s.as_bytes()) {
            return Err(Problem::format("must not contain a NUL character"));
        }
        Ok(Some(s.to_owned()))
    }
}

impl Scalar for TextSpec {
    type Out = String;
    fn expected(&self) -> &'static str {
        "a string"
    }
    fn on_str(&self, s: &str) -> Shaped<String> {
        let Some(t) = clean(s)? else { return Ok(None) };
        check_chars(t, self.min_chars, self.max_chars)?;
        Ok(Some(t.to_owned()))
    }
}

// ------------------------------------------------------------------------------------------------
// email
// ------------------------------------------------------------------------------------------------

string_newtype! {
    /// An email address, trimmed and lower-cased, that matches exactly
    /// `^[a-z0-9!#$%&'*+/=?^_`{|}~.-]+@[a-z0-9-]+(\.[a-z0-9-]+)+$` (the database's CHECK).
    Email
}

impl Email {
    /// Trims, lower-cases and checks an address. Only ASCII is accepted: a right-to-left
    /// override, a zero-width character or any control character makes it a format error, so an
    /// address cannot look like another one.
    ///
    /// ```
    /// use rowgate_core::shape::Email;
    /// assert_eq!(Email::parse(" Ada@Example.com ").unwrap().as_str(), "ada@example.com");
    /// assert!(Email::parse("ada@localhost").is_err());
    /// assert!(Email::parse("ada\u{202E}@example.com").is_err());
    /// ```
    pub fn parse(s: &str) -> Result<Email, Problem> {
        match trim_blank(s) {
            Some(t) => Self::normalise(t),
            None => Err(Problem::new(code::NOT_NULL, "must not be empty")),
        }
    }

    #[inline]
    fn normalise(t: &str) -> Result<Email, Problem> {
        if !is_email(t.as_bytes()) {
            return Err(Problem::format("is not an email address (name@domain.tld)"));
        }
        Ok(Email(t.to_ascii_lowercase()))
    }
}

/// What the local part may hold, lower-cased: `a-z0-9!#$%&'*+/=?^_`{|}~.-`.
const LOCAL: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        t[c] = b.is_ascii_lowercase()
            || b.is_ascii_uppercase()
            || b.is_ascii_digit()
            || matches!(
                b,
                b'!' | b'#'
                    | b'$'
                    | b'%'
                    | b'&'
                    | b'\''
                    | b'*'
                    | b'+'
                    | b'/'
                    | b'='
                    | b'?'
                    | b'^'
                    | b'_'
                    | b'`'
                    | b'{'
                    | b'|'
                    | b'}'
                    | b'~'
                    | b'.'
                    | b'-'
            );
        c += 1;
    }
    t
};

/// `^[a-z0-9!#$%&'*+/=?^_`{|}~.-]+@[a-z0-9-]+(\.[a-z0-9-]+)+$` on the address as sent (either
/// case: it is lower-cased after), one pass over the bytes. Every byte outside those sets (a
/// non-ASCII one, a space, a control character) fails it.
#[inline]
fn is_email(b: &[u8]) -> bool {
    let Some(at) = b.iter().position(|&c| c == b'@') else {
        return false;
    };
    if at == 0 || !b[..at].iter().all(|&c| LOCAL[c as usize]) {
        return false;
    }
    // Labels of `[a-z0-9-]+`, at least two, separated by single dots.
    let domain = &b[at + 1..];
    let mut labels = 0;
    for label in domain.split(|&c| c == b'.') {
        if label.is_empty()
            || !label
                .iter()
                .all(|c| c.is_ascii_alphanumeric() || *c == b'-')
        {
            return false;
        }
        labels += 1;
    }
    labels >= 2
}

/// An email address in a `varchar(max)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EmailSpec {
    pub(crate) max: u32,
}

impl EmailSpec {
    pub const fn info(&self) -> KindInfo {
        let mut i = KindInfo::new(JsonType::String, SqlType::Varchar(self.max));
        i.format = Some(Format::Email);
        i.max_length = Some(self.max);
        i.accepts = "trimmed and lower-cased";
        i
    }
}

impl Scalar for EmailSpec {
    type Out = Email;
    fn expected(&self) -> &'static str {
        "an email address"
    }
    fn on_str(&self, s: &str) -> Shaped<Email> {
        let Some(t) = trim_blank(s) else {
            return Ok(None);
        };
        let email = Email::normalise(t)?;
        check_chars(email.as_str(), 0, Some(self.max))?;
        Ok(Some(email))
    }
}

// ------------------------------------------------------------------------------------------------
// phone
// ------------------------------------------------------------------------------------------------

string_newtype! {
    /// An E.164 phone number: `+`, the country code and the number, 7 to 15 digits in all.
    Phone
}

impl Phone {
    /// Accepts the usual ways of writing an international number and returns its E.164 form:
    /// spaces, dashes, dots, slashes and parentheses are dropped, a `00` prefix becomes `+`, and
    /// the trunk `(0)` of `+44 (0)20 ...` is removed. A number without a country code is refused,
    /// since it cannot be placed.
    ///
    /// ```
    /// use rowgate_core::shape::Phone;
    /// assert_eq!(Phone::parse("+1 (415) 555-2671").unwrap().as_str(), "+14155552671");
    /// assert_eq!(Phone::parse("0044 (0)20 7946 0958").unwrap().as_str(), "+442079460958");
    /// assert!(Phone::parse("415 555 2671").is_err());
    /// ```
    pub fn parse(s: &str) -> Result<Phone, Problem> {
        match trim_blank(s) {
            Some(t) => Self::normalise(t),
            None => Err(Problem::new(code::NOT_NULL, "must not be empty")),
        }
    }

    #[inline]
    fn normalise(t: &str) -> Result<Phone, Problem> {
        let rest = match t.as_bytes() {
            [b'+', rest @ ..] | [b'0', b'0', rest @ ..] => rest,
            _ => return Err(bad_phone()),
        };
        // "+" and at most 15 digits; one more digit is already too many.
        let mut out = [b'+'; 17];
        let mut n = 1;
        let mut trunk = false;
        let mut i = 0;
        while i < rest.len() {
            match rest[i] {
                d @ b'0'..=b'9' => {
                    out[n] = d;
                    n += 1;
                    if n == out.len() {
                        return Err(bad_phone());
                    }
                }
                // The trunk zero of "+44 (0)20 ...", once.
                b'(' if !trunk && rest[i..].starts_with(b"(0)") => {
                    trunk = true;
                    i += 2;
                }
                b' ' | b'-' | b'.' | b'/' | b'(' | b')' => {}
                // A no-break space.
                0xC2 if rest.get(i + 1) == Some(&0xA0) => i += 1,
                _ => return Err(bad_phone()),
            }
            i += 1;
        }
        let digits = n - 1;
        if !(7..=15).contains(&digits) || out[1] == b'0' {
            return Err(bad_phone());
        }
        // ASCII digits after a plus sign.
        let text = std::str::from_utf8(&out[..n]).map_err(|_| bad_phone())?;
        Ok(Phone(text.to_owned()))
    }
}

#[cold]
fn bad_phone() -> Problem {
    Problem::format(
        "must be an international phone number with its country code, like +14155552671",
    )
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PhoneSpec {
    pub(crate) max: u32,
}

impl PhoneSpec {
    pub const fn info(&self) -> KindInfo {
        let mut i = KindInfo::new(JsonType::String, SqlType::Varchar(self.max));
        i.format = Some(Format::Phone);
        i.max_length = Some(self.max);
        i.accepts = "spaces, dashes, dots, parentheses and a 00 prefix are normalised to E.164";
        i
    }
}

impl Scalar for PhoneSpec {
    type Out = Phone;
    fn expected(&self) -> &'static str {
        "a phone number in a string"
    }
    fn on_str(&self, s: &str) -> Shaped<Phone> {
        let Some(t) = trim_blank(s) else {
            return Ok(None);
        };
        let phone = Phone::normalise(t)?;
        check_chars(phone.as_str(), 0, Some(self.max))?;
        Ok(Some(phone))
    }
}

// ------------------------------------------------------------------------------------------------
// URL
// ------------------------------------------------------------------------------------------------

string_newtype! {
    /// An `http://` or `https://` URL with a host, all printable ASCII (no space, no control,
    /// invisible or other non-ASCII character: those are sent percent-encoded); the scheme is
    /// lower-cased. The database's CHECK is `^(?=[!-~]+$)https?://[^/?#]`.
    HttpUrl
}

impl HttpUrl {
    /// ```
    /// use rowgate_core::shape::HttpUrl;
    /// assert_eq!(HttpUrl::parse(" HTTPS://dyniq.ai/b/1 ").unwrap().as_str(), "https://dyniq.ai/b/1");
    /// assert!(HttpUrl::parse("ftp://dyniq.ai").is_err());
    /// ```
    pub fn parse(s: &str) -> Result<HttpUrl, Problem> {
        match trim_blank(s) {
            Some(t) => Self::normalise(t),
            None => Err(Problem::new(code::NOT_NULL, "must not be empty")),
        }
    }

    fn normalise(t: &str) -> Result<HttpUrl, Problem> {
        const BAD: &str = "must be an http:// or https:// URL with a host, in printable ASCII (percent-encode other characters)";
        // Printable ASCII only: a right-to-left override or a zero-width space in a URL makes it
        // display as another one.
        if !t.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(Problem::format(BAD));
        }
        let b = t.as_bytes();
        let scheme = if b.len() > 8 && b[..8].eq_ignore_ascii_case(b"https://") {
            "https://"
        } else if b.len() > 7 && b[..7].eq_ignore_ascii_case(b"http://") {
            "http://"
        } else {
            return Err(Problem::format(BAD));
        };
        let rest = &t[scheme.len()..];
        let host = rest.split(['/', '?', '#']).next().unwrap_or("");
        if host.is_empty() {
            return Err(Problem::format(BAD));
        }
        let mut out = String::with_capacity(t.len());
        out.push_str(scheme);
        out.push_str(rest);
        Ok(HttpUrl(out))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UrlSpec;

impl UrlSpec {
    pub const fn info(&self) -> KindInfo {
        let mut i = KindInfo::new(JsonType::String, SqlType::Text);
        i.format = Some(Format::Url);
        i
    }
}

impl Scalar for UrlSpec {
    type Out = HttpUrl;
    fn expected(&self) -> &'static str {
        "a URL in a string"
    }
    fn on_str(&self, s: &str) -> Shaped<HttpUrl> {
        let Some(t) = trim_blank(s) else {
            return Ok(None);
        };
        HttpUrl::normalise(t).map(Some)
    }
}

// ------------------------------------------------------------------------------------------------
// thread id
// ------------------------------------------------------------------------------------------------

string_newtype! {
    /// A board meeting's thread id: `bm-`, then a letter or digit, then letters, digits, `_` or
    /// `-`.
    ThreadId
}

impl ThreadId {
    /// The prefix is matched case-insensitively and written `bm-`.
    ///
    /// ```
    /// use rowgate_core::shape::ThreadId;
    /// assert_eq!(ThreadId::parse("BM-q3_pricing").unwrap().as_str(), "bm-q3_pricing");
    /// assert!(ThreadId::parse("meeting-1").is_err());
    /// ```
    pub fn parse(s: &str) -> Result<ThreadId, Problem> {
        match trim_blank(s) {
            Some(t) => Self::normalise(t),
            None => Err(Problem::new(code::NOT_NULL, "must not be empty")),
        }
    }

    /// UUID v5 of this id in the DNS namespace (see [`crate::ids::thread_uuid`]).
    pub fn uuid(&self) -> uuid::Uuid {
        crate::ids::thread_uuid(&self.0)
    }

    fn normalise(t: &str) -> Result<ThreadId, Problem> {
        const BAD: &str = "must look like bm-<letters, digits, _ or ->";
        let b = t.as_bytes();
        if b.len() < 4 || !b[..3].eq_ignore_ascii_case(b"bm-") {
            return Err(Problem::format(BAD));
        }
        let rest = &b[3..];
        let ok = rest[0].is_ascii_alphanumeric()
            && rest
                .iter()
                .all(|c| c.is_ascii_alphanumeric() || *c == b'_' || *c == b'-');
        if !ok {
            return Err(Problem::format(BAD));
        }
        let mut out = String::with_capacity(t.len());
        out.push_str("bm-");
        out.push_str(&t[3..]);
        Ok(ThreadId(out))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThreadIdSpec {
    pub(crate) max: u32,
}

impl ThreadIdSpec {
    pub const fn info(&self) -> KindInfo {
        let mut i = KindInfo::new(JsonType::String, SqlType::Varchar(self.max));
        i.format = Some(Format::ThreadId);
        i.max_length = Some(self.max);
        i
    }
}

impl Scalar for ThreadIdSpec {
    type Out = ThreadId;
    fn expected(&self) -> &'static str {
        "a thread id in a string"
    }
    fn on_str(&self, s: &str) -> Shaped<ThreadId> {
        let Some(t) = trim_blank(s) else {
            return Ok(None);
        };
        let id = ThreadId::normalise(t)?;
        // All ASCII: bytes are characters.
        check_chars(id.as_str(), 0, Some(self.max))?;
        Ok(Some(id))
    }
}

// ------------------------------------------------------------------------------------------------
// Twilio message SID
// ------------------------------------------------------------------------------------------------

string_newtype! {
    /// A Twilio Message SID: `SM` (SMS) or `MM` (MMS) and 32 hexadecimal digits, exactly
    /// `^(SM|MM)[0-9a-fA-F]{32}$` (the database's CHECK); kept as sent once trimmed.
    TwilioMessageSid
}

impl TwilioMessageSid {
    /// ```
    /// use rowgate_core::shape::TwilioMessageSid;
    /// let sid = TwilioMessageSid::parse(" SM0123456789abcdef0123456789ABCDEF ").unwrap();
    /// assert_eq!(sid.as_str(), "SM0123456789abcdef0123456789ABCDEF");
    /// assert!(TwilioMessageSid::parse("sm0123456789abcdef0123456789abcdef").is_err());
    /// ```
    pub fn parse(s: &str) -> Result<TwilioMessageSid, Problem> {
        match trim_blank(s) {
            Some(t) => Self::normalise(t),
            None => Err(Problem::new(code::NOT_NULL, "must not be empty")),
        }
    }

    fn normalise(t: &str) -> Result<TwilioMessageSid, Problem> {
        let b = t.as_bytes();
        let ok = b.len() == 34
            && matches!(&b[..2], b"SM" | b"MM")
            && b[2..].iter().all(u8::is_ascii_hexdigit);
        if !ok {
            return Err(Problem::format(
                "must be a Twilio message SID: SM or MM and 32 hexadecimal digits",
            ));
        }
        Ok(TwilioMessageSid(t.to_owned()))
    }
}

/// A Twilio Message SID in a `varchar(34)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TwilioMessageSidSpec;

impl TwilioMessageSidSpec {
    pub const fn info(&self) -> KindInfo {
        let mut i = KindInfo::new(JsonType::String, SqlType::Varchar(34));
        i.format = Some(Format::TwilioMessageSid);
        i.max_length = Some(34);
        i
    }
}

impl Scalar for TwilioMessageSidSpec {
    type Out = TwilioMessageSid;
    fn expected(&self) -> &'static str {
        "a Twilio message SID in a string"
    }
    fn on_str(&self, s: &str) -> Shaped<TwilioMessageSid> {
        let Some(t) = trim_blank(s) else {
            return Ok(None);
        };
        TwilioMessageSid::normalise(t).map(Some)
    }
}

// ------------------------------------------------------------------------------------------------
// event type
// ------------------------------------------------------------------------------------------------

string_newtype! {
    /// An event's type: dotted lower-case words such as `user.message.received`, exactly
    /// `^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$` (the database's CHECK).
    EventType
}

impl EventType {
    /// Trimmed, never lower-cased: an upper-case letter is a format error, so a type has one
    /// spelling.
    ///
    /// ```
    /// use rowgate_core::shape::EventType;
    /// assert_eq!(EventType::parse(" user.message.received ").unwrap().as_str(), "user.message.received");
    /// assert!(EventType::parse("User.Message").is_err());
    /// assert!(EventType::parse("user").is_err());
    /// ```
    pub fn parse(s: &str) -> Result<EventType, Problem> {
        match trim_blank(s) {
            Some(t) => Self::normalise(t),
            None => Err(Problem::new(code::NOT_NULL, "must not be empty")),
        }
    }

    fn normalise(t: &str) -> Result<EventType, Problem> {
        let word = |w: &[u8]| {
            !w.is_empty()
                && w.iter()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'_')
        };
        let b = t.as_bytes();
        let mut words = b.split(|&c| c == b'.');
        // At least two words, each of `[a-z0-9_]+`, the first starting with a letter.
        let ok = b[0].is_ascii_lowercase()
            && words.next().is_some_and(word)
            && words.next().is_some_and(word)
            && words.all(word);
        if !ok {
            return Err(Problem::format(
                "must be dotted lower-case words (a-z, 0-9, _), like user.message.received",
            ));
        }
        Ok(EventType(t.to_owned()))
    }
}

/// An event type in a `varchar(max)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventTypeSpec {
    pub(crate) max: u32,
}

impl EventTypeSpec {
    pub const fn info(&self) -> KindInfo {
        let mut i = KindInfo::new(JsonType::String, SqlType::Varchar(self.max));
        i.format = Some(Format::EventType);
        i.max_length = Some(self.max);
        i
    }
}

impl Scalar for EventTypeSpec {
    type Out = EventType;
    fn expected(&self) -> &'static str {
        "an event type in a string"
    }
    fn on_str(&self, s: &str) -> Shaped<EventType> {
        let Some(t) = trim_blank(s) else {
            return Ok(None);
        };
        let ty = EventType::normalise(t)?;
        // All ASCII: bytes are characters.
        check_chars(ty.as_str(), 0, Some(self.max))?;
        Ok(Some(ty))
    }
}

// ------------------------------------------------------------------------------------------------
// UUID
// ------------------------------------------------------------------------------------------------

/// A UUID in any of the usual spellings (hyphenated, simple, braced, `urn:uuid:`); sent on in
/// lower-case hyphenated form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UuidSpec;

impl UuidSpec {
    pub const fn info(&self) -> KindInfo {
        let mut i = KindInfo::new(JsonType::String, SqlType::Uuid);
        i.format = Some(Format::Uuid);
        i
    }
}

impl Scalar for UuidSpec {
    type Out = uuid::Uuid;
    fn expected(&self) -> &'static str {
        "a UUID in a string"
    }
    fn on_str(&self, s: &str) -> Shaped<uuid::Uuid> {
        let Some(t) = trim_blank(s) else {
            return Ok(None);
        };
        match parse_hyphenated(t.as_bytes()) {
            Some(id) => Ok(Some(id)),
            None => uuid::Uuid::try_parse(t).map(Some).map_err(|_| {
                Problem::format("is not a UUID (like 8c6f1f2e-3b9a-4c1d-9f5e-2a7b6c0d1e3f)")
            }),
        }
    }
}

/// The common spelling, `8-4-4-4-12` hex digits in either case, read directly: the `uuid` crate's
/// parser is several times slower when the crate is built for size. Other spellings go to it.
#[inline]
fn parse_hyphenated(b: &[u8]) -> Option<uuid::Uuid> {
    /// Where the 32 digits are.
    const DIGITS: [u8; 32] = [
        0, 1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 14, 15, 16, 17, 19, 20, 21, 22, 24, 25, 26, 27, 28,
        29, 30, 31, 32, 33, 34, 35,
    ];
    /// A hex digit's value; 0x80 for anything else.
    const HEX: [u8; 256] = {
        let mut t = [0x80u8; 256];
        let mut c = 0;
        while c < 256 {
            t[c] = match c as u8 {
                d @ b'0'..=b'9' => d - b'0',
                d @ b'a'..=b'f' => d - b'a' + 10,
                d @ b'A'..=b'F' => d - b'A' + 10,
                _ => 0x80,
            };
            c += 1;
        }
        t
    };
    if b.len() != 36 || b[8] != b'-' || b[13] != b'-' || b[18] != b'-' || b[23] != b'-' {
        return None;
    }
    let (mut hi, mut lo, mut bad) = (0u64, 0u64, 0u8);
    for k in 0..16 {
        let (h, l) = (
            HEX[b[DIGITS[k] as usize] as usize],
            HEX[b[DIGITS[k + 16] as usize] as usize],
        );
        bad |= h | l;
        hi = hi << 4 | h as u64;
        lo = lo << 4 | l as u64;
    }
    (bad & 0x80 == 0).then(|| uuid::Uuid::from_u64_pair(hi, lo))
}

scalar_kind!(
    TextSpec => String,
    VerbatimSpec => String,
    EmailSpec => Email,
    PhoneSpec => Phone,
    UrlSpec => HttpUrl,
    ThreadIdSpec => ThreadId,
    TwilioMessageSidSpec => TwilioMessageSid,
    EventTypeSpec => EventType,
    UuidSpec => uuid::Uuid,
);

#[cfg(test)]
mod tests {
    use super::super::testing::{code_of, shape_str};
    use super::super::*;
    use super::{Email, EventType, TwilioMessageSid};

    #[test]
    fn verbatim_text_is_kept_exactly_even_empty() {
        assert_eq!(
            shape_str(&verbatim_text(), r#"" hi ""#),
            Ok(Some(" hi ".to_string()))
        );
        assert_eq!(
            shape_str(&verbatim_text(), r#""""#),
            Ok(Some(String::new()))
        );
        assert_eq!(shape_str(&verbatim_text(), "null"), Ok(None));
        assert_eq!(
            code_of(shape_str(&verbatim_text(), r#""a\u0000b""#)),
            "format"
        );
        assert_eq!(code_of(shape_str(&verbatim_text(), "3")), "type");
    }

    #[test]
    fn text_is_trimmed() {
        assert_eq!(
            shape_str(&text(), r#""  Ada Lovelace \n""#),
            Ok(Some("Ada Lovelace".to_string()))
        );
    }

    #[test]
    fn an_empty_or_blank_string_becomes_null() {
        assert_eq!(shape_str(&text(), r#""""#), Ok(None));
        assert_eq!(shape_str(&varchar(3), r#"" \t ""#), Ok(None));
    }

    #[test]
    fn a_string_longer_than_its_varchar_is_rejected_counting_characters_not_bytes() {
        assert_eq!(
            shape_str(&varchar(3), r#""été""#),
            Ok(Some("été".to_string()))
        );
        assert_eq!(code_of(shape_str(&varchar(3), r#""étés""#)), code::LENGTH);
    }

    #[test]
    fn a_string_shorter_than_its_minimum_is_rejected() {
        assert_eq!(
            code_of(shape_str(&text_chars(3, 10), r#""ab""#)),
            code::LENGTH
        );
    }

    #[test]
    fn a_nul_character_is_rejected_because_postgres_text_cannot_hold_it() {
        assert_eq!(code_of(shape_str(&text(), r#""a\u0000b""#)), code::FORMAT);
    }

    #[test]
    fn a_number_is_not_text() {
        assert_eq!(code_of(shape_str(&text(), "42")), code::TYPE);
    }

    #[test]
    fn an_email_is_trimmed_and_lower_cased() {
        let e = shape_str(&email(320), r#"" Ada.Lovelace@Example.COM ""#)
            .unwrap()
            .unwrap();
        assert_eq!(e.as_str(), "ada.lovelace@example.com");
    }

    #[test]
    fn an_email_without_a_dotted_domain_is_rejected() {
        for bad in [
            "ada",
            "ada@",
            "@example.com",
            "ada@example",
            "ada@.com",
            "ada@com.",
            "a@b@c.com",
            "a b@c.com",
        ] {
            assert_eq!(
                code_of(shape_str(&email(320), &format!("{bad:?}"))),
                code::FORMAT,
                "{bad}"
            );
        }
    }

    #[test]
    fn an_email_with_a_non_ascii_letter_is_a_format_error() {
        for bad in [
            "ÉLODIE@Exemple.fr",
            "ada@exämple.com",
            "\u{212A}@example.com",
        ] {
            assert_eq!(
                code_of(shape_str(&email(320), &format!("{bad:?}"))),
                code::FORMAT,
                "{bad}"
            );
        }
    }

    #[test]
    fn an_email_holding_an_invisible_or_control_character_is_a_format_error() {
        for bad in [
            "ada\u{202E}moc.elpmaxe@evil.com",
            "ada@exam\u{200B}ple.com",
            "a\u{200D}da@example.com",
            "ada@example.com\u{FEFF}x",
            "ada\u{7}@example.com",
            "ada@example.com\u{0}x",
            "ada\u{85}@example.com",
            "ada\u{2066}@example.com",
        ] {
            assert_eq!(
                code_of(shape_str(&email(320), &serde_json::to_string(bad).unwrap())),
                code::FORMAT,
                "{bad:?}"
            );
        }
    }

    #[test]
    fn an_email_matches_the_database_pattern_exactly() {
        for good in [
            "a@b.co",
            "o'neil+tag@mail.example.org",
            "x!#$%&'*+/=?^_`{|}~.-@a-b.c-d",
            "1@2.3",
        ] {
            assert!(Email::parse(good).is_ok(), "{good}");
        }
        for bad in [
            "a@b",
            "a@.b.co",
            "a@b..co",
            "a@b.co.",
            "a@b_c.co",
            "a(b)@c.co",
            "a\"b@c.co",
            "a,b@c.co",
            "a@b@c.co",
            "[a]@b.co",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn an_email_longer_than_its_column_is_rejected() {
        let long = format!("\"{}@example.com\"", "a".repeat(320));
        assert_eq!(code_of(shape_str(&email(320), &long)), code::LENGTH);
    }

    #[test]
    fn a_phone_number_is_normalised_to_e164() {
        for (given, want) in [
            ("+1 (415) 555-2671", "+14155552671"),
            ("+32 470.12.34.56", "+32470123456"),
            ("0032 470 12 34 56", "+32470123456"),
            ("+44 (0)20 7946 0958", "+442079460958"),
        ] {
            let p = shape_str(&phone(16), &format!("{given:?}"))
                .unwrap()
                .unwrap();
            assert_eq!(p.as_str(), want);
        }
    }

    #[test]
    fn a_phone_number_without_country_code_or_with_letters_is_rejected() {
        for bad in [
            "415 555 2671",
            "+0 415 555 2671",
            "+1 415 CALL ME",
            "+12345",
            "+1234567890123456",
        ] {
            assert_eq!(
                code_of(shape_str(&phone(16), &format!("{bad:?}"))),
                code::FORMAT,
                "{bad}"
            );
        }
    }

    #[test]
    fn a_phone_number_sent_as_a_json_number_is_a_type_error() {
        assert_eq!(code_of(shape_str(&phone(16), "14155552671")), code::TYPE);
    }

    #[test]
    fn a_url_keeps_its_path_and_gets_a_lower_case_scheme() {
        let u = shape_str(&http_url(), r#""HTTP://Example.com/Brief?id=1""#)
            .unwrap()
            .unwrap();
        assert_eq!(u.as_str(), "http://Example.com/Brief?id=1");
    }

    #[test]
    fn a_url_or_thread_id_or_phone_holding_an_invisible_character_is_a_format_error() {
        for bad in [
            "https://example.com/\u{202E}fdp.exe",
            "https://exa\u{200B}mple.com",
            "https://example.com/a\u{FEFF}",
            "https://example.com/\u{85}x",
            "https://example.com/\u{2028}x",
            "https://example.com/\u{E0041}",
        ] {
            let json = serde_json::to_string(bad).unwrap();
            assert_eq!(
                code_of(shape_str(&http_url(), &json)),
                code::FORMAT,
                "{bad:?}"
            );
        }
        for bad in ["bm-a\u{202E}b", "bm-\u{200B}ab", "bm-ab\u{7}"] {
            let json = serde_json::to_string(bad).unwrap();
            assert_eq!(
                code_of(shape_str(&thread_id(100), &json)),
                code::FORMAT,
                "{bad:?}"
            );
        }
        for bad in [
            "+1 415\u{202E}555 2671",
            "+1415\u{200B}5552671",
            "+1415555\u{7}2671",
        ] {
            let json = serde_json::to_string(bad).unwrap();
            assert_eq!(
                code_of(shape_str(&phone(16), &json)),
                code::FORMAT,
                "{bad:?}"
            );
        }
    }

    #[test]
    fn a_url_with_other_non_ascii_text_must_be_percent_encoded() {
        assert_eq!(
            code_of(shape_str(&http_url(), r#""https://example.com/café""#)),
            code::FORMAT
        );
        let u = shape_str(&http_url(), r#""https://example.com/caf%C3%A9""#)
            .unwrap()
            .unwrap();
        assert_eq!(u.as_str(), "https://example.com/caf%C3%A9");
    }

    #[test]
    fn a_url_without_host_or_with_spaces_or_another_scheme_is_rejected() {
        for bad in [
            "https://",
            "https:///path",
            "https://a b.com",
            "mailto:ada@example.com",
            "example.com",
        ] {
            assert_eq!(
                code_of(shape_str(&http_url(), &format!("{bad:?}"))),
                code::FORMAT,
                "{bad}"
            );
        }
    }

    #[test]
    fn a_thread_id_gets_a_lower_case_prefix() {
        let t = shape_str(&thread_id(100), r#"" BM-Q3-pricing_v2 ""#)
            .unwrap()
            .unwrap();
        assert_eq!(t.as_str(), "bm-Q3-pricing_v2");
    }

    #[test]
    fn a_thread_id_without_the_prefix_or_with_other_characters_is_rejected() {
        for bad in ["bm-", "bm--x", "bm-a b", "tm-abc", "bm-é"] {
            assert_eq!(
                code_of(shape_str(&thread_id(100), &format!("{bad:?}"))),
                code::FORMAT,
                "{bad}"
            );
        }
    }

    #[test]
    fn the_fast_uuid_reader_agrees_with_the_uuid_crate() {
        for text in [
            "8c6f1f2e-3b9a-4c1d-9f5e-2a7b6c0d1e3f",
            "FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF",
            "00000000-0000-0000-0000-000000000000",
        ] {
            assert_eq!(
                super::parse_hyphenated(text.as_bytes()),
                uuid::Uuid::try_parse(text).ok(),
                "{text}"
            );
        }
        for bad in [
            "8c6f1f2e-3b9a-4c1d-9f5e-2a7b6c0d1e3g",
            "8c6f1f2e-3b9a-4c1d-9f5e+2a7b6c0d1e3f",
            "8c6f1f2e3b9a4c1d9f5e2a7b6c0d1e3f",
        ] {
            assert_eq!(super::parse_hyphenated(bad.as_bytes()), None, "{bad}");
        }
    }

    #[test]
    fn a_uuid_in_any_spelling_is_accepted() {
        let want = uuid::Uuid::parse_str("8c6f1f2e-3b9a-4c1d-9f5e-2a7b6c0d1e3f").unwrap();
        for given in [
            "8C6F1F2E-3B9A-4C1D-9F5E-2A7B6C0D1E3F",
            "8c6f1f2e3b9a4c1d9f5e2a7b6c0d1e3f",
            "{8c6f1f2e-3b9a-4c1d-9f5e-2a7b6c0d1e3f}",
        ] {
            assert_eq!(shape_str(&uuid(), &format!("{given:?}")), Ok(Some(want)));
        }
        assert_eq!(code_of(shape_str(&uuid(), r#""not-a-uuid""#)), code::FORMAT);
    }

    const SID: &str = "SM0123456789abcdef0123456789ABCDEF";

    #[test]
    fn a_twilio_message_sid_is_trimmed_and_kept_as_sent() {
        for (given, want) in [
            (format!(" {SID} "), SID.to_string()),
            (
                "MM00000000000000000000000000000000".to_string(),
                "MM00000000000000000000000000000000".to_string(),
            ),
            (
                "\tSMffffffffffffffffffffffffffffffff\n".to_string(),
                "SMffffffffffffffffffffffffffffffff".to_string(),
            ),
        ] {
            let json = serde_json::to_string(&given).unwrap();
            let sid = shape_str(&twilio_message_sid(), &json).unwrap().unwrap();
            assert_eq!(sid.as_str(), want);
            assert_eq!(serde_json::to_string(&sid).unwrap(), format!("{want:?}"));
            assert_eq!(TwilioMessageSid::parse(&given), Ok(sid));
        }
    }

    #[test]
    fn a_blank_or_null_twilio_message_sid_is_null() {
        assert_eq!(shape_str(&twilio_message_sid(), "null"), Ok(None));
        assert_eq!(shape_str(&twilio_message_sid(), r#"" ""#), Ok(None));
        assert_eq!(
            TwilioMessageSid::parse(" ").unwrap_err().code,
            code::NOT_NULL
        );
    }

    #[test]
    fn a_twilio_message_sid_that_is_not_a_string_is_a_type_error() {
        for bad in ["12", "true", "[]", "{}"] {
            assert_eq!(
                code_of(shape_str(&twilio_message_sid(), bad)),
                code::TYPE,
                "{bad}"
            );
        }
    }

    #[test]
    fn a_twilio_message_sid_must_match_the_database_pattern_exactly() {
        let hex = &SID[2..];
        for bad in [
            format!("sm{hex}"),
            format!("Sm{hex}"),
            format!("MG{hex}"),
            format!("AC{hex}"),
            format!("SM{}", &hex[1..]),
            format!("SM{hex}0"),
            format!("SM{}g", &hex[1..]),
            format!("SM {hex}"),
            format!("SM{}\u{200B}", &hex[1..]),
            format!("SM-{}", &hex[1..]),
            format!("{SID}\u{0}"),
            hex.to_string(),
            "SM".to_string(),
        ] {
            let json = serde_json::to_string(&bad).unwrap();
            assert_eq!(
                code_of(shape_str(&twilio_message_sid(), &json)),
                code::FORMAT,
                "{bad:?}"
            );
        }
    }

    #[test]
    fn a_shaped_twilio_message_sid_shapes_again_to_itself() {
        let once = shape_str(&twilio_message_sid(), &format!("\" {SID}\""))
            .unwrap()
            .unwrap();
        let json = serde_json::to_string(&once).unwrap();
        assert_eq!(shape_str(&twilio_message_sid(), &json), Ok(Some(once)));
    }

    #[test]
    fn an_event_type_is_trimmed_and_kept_as_sent() {
        for (given, want) in [
            (" user.message.received ", "user.message.received"),
            ("a.b", "a.b"),
            ("agent_task.v2.done_", "agent_task.v2.done_"),
            ("x9._", "x9._"),
            ("user.2fa.enabled", "user.2fa.enabled"),
        ] {
            let t = shape_str(&event_type(100), &format!("{given:?}"))
                .unwrap()
                .unwrap();
            assert_eq!(t.as_str(), want);
            assert_eq!(serde_json::to_string(&t).unwrap(), format!("{want:?}"));
            assert_eq!(EventType::parse(given), Ok(t.clone()));
            let again = serde_json::to_string(&t).unwrap();
            assert_eq!(shape_str(&event_type(100), &again), Ok(Some(t)));
        }
    }

    #[test]
    fn a_blank_or_null_event_type_is_null() {
        assert_eq!(shape_str(&event_type(100), "null"), Ok(None));
        assert_eq!(shape_str(&event_type(100), r#""\n""#), Ok(None));
        assert_eq!(EventType::parse("").unwrap_err().code, code::NOT_NULL);
    }

    #[test]
    fn an_event_type_that_is_not_a_string_is_a_type_error() {
        for bad in ["1.5", "false", r#"["a.b"]"#, r#"{"a": "b"}"#] {
            assert_eq!(
                code_of(shape_str(&event_type(100), bad)),
                code::TYPE,
                "{bad}"
            );
        }
    }

    #[test]
    fn an_event_type_must_match_the_database_pattern_exactly() {
        for bad in [
            "user",
            "User.message",
            "user.Message",
            "USER.MESSAGE",
            "1user.message",
            "_user.message",
            ".user.message",
            "user.message.",
            "user..message",
            "user.message-received",
            "user message.received",
            "user.messagé",
            "user.message\u{200B}",
            "user.message\u{0}",
            "user/message",
        ] {
            let json = serde_json::to_string(bad).unwrap();
            assert_eq!(
                code_of(shape_str(&event_type(100), &json)),
                code::FORMAT,
                "{bad:?}"
            );
        }
    }

    #[test]
    fn an_event_type_longer_than_its_column_is_a_length_error() {
        let ok = format!("a.{}", "b".repeat(8));
        assert!(shape_str(&event_type(10), &format!("{ok:?}")).is_ok());
        let long = format!("a.{}", "b".repeat(9));
        assert_eq!(
            code_of(shape_str(&event_type(10), &format!("{long:?}"))),
            code::LENGTH
        );
        // The format is checked first.
        let bad = format!("A.{}", "b".repeat(9));
        assert_eq!(
            code_of(shape_str(&event_type(10), &format!("{bad:?}"))),
            code::FORMAT
        );
    }
}
