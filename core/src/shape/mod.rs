//! The shaping primitives: one spec per kind of column (trimmed text, emails, E.164 phone
//! numbers, URLs, `bm-` thread ids, Twilio message SIDs, dotted event types, UUIDs, integers,
//! floats, fixed-point numerics, booleans, enums, dates, times of day, RFC 3339 timestamps, text
//! and UUID arrays, JSON values, objects and arrays, embeddings). A spec reads one JSON
//! value straight from the deserializer, normalises it while reading, and answers with the value,
//! `null`, or a [`Problem`]: never a deserializer error for bad data, so a record can report every
//! failing field at once.
//!
//! Specs are built with the `const fn`s of this module (`varchar(200)`, `int_range(0, 100)`, ...)
//! and describe themselves as data ([`KindInfo`]) for the registry and the drift test.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Serialize, Serializer};

use crate::error::{code, FieldError};

mod choice;
mod collection;
mod number;
mod text;
mod time;

pub(crate) use choice::check_enum;
pub use choice::{BoolSpec, CheckEnum, ChoiceSpec};
pub use collection::{
    Embedding, JsonArray, JsonArraySpec, JsonObject, JsonSpec, JsonValue, ObjectSpec,
    TextArraySpec, UuidArraySpec, VectorSpec,
};
pub use number::{Decimal, FloatSpec, IntSpec, NumericSpec};
pub use text::{
    Email, EmailSpec, EventType, EventTypeSpec, HttpUrl, Phone, PhoneSpec, TextSpec, ThreadId,
    ThreadIdSpec, TwilioMessageSid, TwilioMessageSidSpec, UrlSpec, UuidSpec, VerbatimSpec,
    VERBATIM_ACCEPTS,
};
pub use time::{Date, DateSpec, Time, TimeSpec, Timestamp, TimestampSpec};

/// What a spec makes of one JSON value: `Ok(Some(value))`, `Ok(None)` for `null` (and for a
/// string that is empty once trimmed), or the problem with it.
pub type Shaped<T> = Result<Option<T>, Problem>;

/// Why a value was refused, before it is attached to a field name. Boxed: it is rare, and a
/// small `Err` keeps every shaped value small on the way through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem(Box<ProblemDetail>);

/// What a [`Problem`] says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProblemDetail {
    /// One of [`crate::error::code`].
    pub code: &'static str,
    /// A predicate to follow the field's name: "must be a string, not a number".
    pub message: Cow<'static, str>,
    /// For enums, the allowed values.
    pub allowed: &'static [&'static str],
}

impl std::ops::Deref for Problem {
    type Target = ProblemDetail;
    fn deref(&self) -> &ProblemDetail {
        &self.0
    }
}

impl Problem {
    #[cold]
    pub fn new(code: &'static str, message: impl Into<Cow<'static, str>>) -> Self {
        Problem::with_allowed(code, message, &[])
    }

    #[cold]
    pub fn with_allowed(
        code: &'static str,
        message: impl Into<Cow<'static, str>>,
        allowed: &'static [&'static str],
    ) -> Self {
        Problem(Box::new(ProblemDetail {
            code,
            message: message.into(),
            allowed,
        }))
    }

    /// The same problem under another code.
    pub(crate) fn recoded(mut self, code: &'static str) -> Self {
        self.0.code = code;
        self
    }

    #[cold]
    pub(crate) fn wrong_type(expected: &'static str, got: &'static str) -> Self {
        Problem::new(code::TYPE, format!("must be {expected}, not {got}"))
    }

    #[cold]
    pub(crate) fn format(message: &'static str) -> Self {
        Problem::new(code::FORMAT, message)
    }

    /// The field error for the field `field`.
    #[cold]
    pub fn at(self, field: impl Into<Cow<'static, str>>) -> FieldError {
        let field = field.into();
        let mut e = FieldError::new(
            field.clone(),
            self.code,
            format!("{field} {}", self.message),
        );
        e.allowed = self.allowed.to_vec();
        e
    }
}

/// A column spec: how one JSON value becomes a value of `Out`.
pub trait Kind {
    type Out;
    /// Reads one value from `d`, whatever its JSON type. Bad data is a [`Problem`] inside `Ok`;
    /// `Err` only carries the deserializer's own errors (malformed JSON).
    fn shape<'de, D: Deserializer<'de>>(&self, d: D) -> Result<Shaped<Self::Out>, D::Error>;
}

/// Shapes one [`serde_json::Value`] with `kind`; handy in tests and for single values.
///
/// ```
/// use rowgate_core::shape::{self, shape_json};
///
/// let email = shape_json(&shape::email(320), &serde_json::json!("  Ada@Example.COM ")).unwrap();
/// assert_eq!(email.unwrap().as_str(), "ada@example.com");
/// assert_eq!(shape_json(&shape::varchar(10), &serde_json::json!("   ")), Ok(None));
/// ```
pub fn shape_json<K: Kind>(kind: &K, value: &serde_json::Value) -> Shaped<K::Out> {
    kind.shape(value)
        .unwrap_or_else(|e| Err(Problem::new(code::JSON, e.to_string())))
}

/// A `DeserializeSeed` that runs a spec.
pub(crate) struct KindSeed<'k, K>(pub &'k K);

impl<'de, K: Kind> DeserializeSeed<'de> for KindSeed<'_, K> {
    type Value = Shaped<K::Out>;
    #[inline]
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        self.0.shape(d)
    }
}

// ------------------------------------------------------------------------------------------------
// Scalars: one token visitor reads every JSON scalar for every spec
// ------------------------------------------------------------------------------------------------

/// One JSON value as read, before a spec interprets it. Every scalar spec reads through the same
/// (non-generic) [`TokenVisitor`], so the deserializer's `deserialize_any` is instantiated once
/// rather than once per spec: the shaper's code then fits in the instruction cache.
#[derive(Debug)]
pub(crate) enum Token<'de> {
    Null,
    Bool(bool),
    I64(i64),
    U64(u64),
    F64(f64),
    /// A string without escapes, borrowed from the input.
    Borrowed(&'de str),
    /// A string that had escapes.
    Owned(String),
    /// An array, already consumed.
    Array,
    /// An object, already consumed.
    Object,
}

pub(crate) struct TokenVisitor;

impl<'de> Visitor<'de> for TokenVisitor {
    type Value = Token<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Token<'de>, E> {
        Ok(Token::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Token<'de>, E> {
        Ok(Token::I64(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Token<'de>, E> {
        Ok(Token::U64(v))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Token<'de>, E> {
        Ok(Token::F64(v))
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Token<'de>, E> {
        Ok(Token::Borrowed(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Token<'de>, E> {
        Ok(Token::Owned(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Token<'de>, E> {
        Ok(Token::Owned(v))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Token<'de>, E> {
        Ok(Token::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Token<'de>, E> {
        Ok(Token::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Token<'de>, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Token<'de>, A::Error> {
        skip_seq(seq)?;
        Ok(Token::Array)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Token<'de>, A::Error> {
        skip_map(map)?;
        Ok(Token::Object)
    }
}

/// Reads one [`Token`].
pub(crate) struct TokenSeed;

impl<'de> DeserializeSeed<'de> for TokenSeed {
    type Value = Token<'de>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Token<'de>, D::Error> {
        d.deserialize_any(TokenVisitor)
    }
}

/// A spec that reads one scalar. Each method defaults to a type error naming what was expected.
pub(crate) trait Scalar {
    type Out;
    /// "a string", "a whole number", ...: what the error says was expected.
    fn expected(&self) -> &'static str;
    fn on_str(&self, _s: &str) -> Shaped<Self::Out> {
        Err(Problem::wrong_type(self.expected(), "a string"))
    }
    fn on_i64(&self, _v: i64) -> Shaped<Self::Out> {
        Err(Problem::wrong_type(self.expected(), "a number"))
    }
    fn on_u64(&self, v: u64) -> Shaped<Self::Out> {
        match i64::try_from(v) {
            Ok(v) => self.on_i64(v),
            Err(_) => self.on_f64(v as f64),
        }
    }
    fn on_f64(&self, _v: f64) -> Shaped<Self::Out> {
        Err(Problem::wrong_type(self.expected(), "a number"))
    }
    fn on_bool(&self, _v: bool) -> Shaped<Self::Out> {
        Err(Problem::wrong_type(self.expected(), "a boolean"))
    }

    /// Interprets a token; `null` is `None` for every spec.
    #[inline]
    fn on_token(&self, token: Token<'_>) -> Shaped<Self::Out> {
        match token {
            Token::Null => Ok(None),
            Token::Bool(v) => self.on_bool(v),
            Token::I64(v) => self.on_i64(v),
            Token::U64(v) => self.on_u64(v),
            Token::F64(v) => self.on_f64(v),
            Token::Borrowed(s) => self.on_str(s),
            Token::Owned(s) => self.on_str(&s),
            Token::Array => Err(Problem::wrong_type(self.expected(), "an array")),
            Token::Object => Err(Problem::wrong_type(self.expected(), "an object")),
        }
    }
}

/// Consumes the rest of an array the shaper has no use for.
pub(crate) fn skip_seq<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<(), A::Error> {
    while seq.next_element::<IgnoredAny>()?.is_some() {}
    Ok(())
}

/// Consumes the rest of an object the shaper has no use for.
pub(crate) fn skip_map<'de, A: MapAccess<'de>>(mut map: A) -> Result<(), A::Error> {
    while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
    Ok(())
}

/// Implements [`Kind`] for scalar specs.
macro_rules! scalar_kind {
    ($($spec:ty => $out:ty),* $(,)?) => {$(
        impl $crate::shape::Kind for $spec {
            type Out = $out;
            fn shape<'de, D: serde::Deserializer<'de>>(
                &self,
                d: D,
            ) -> Result<$crate::shape::Shaped<Self::Out>, D::Error> {
                let token = d.deserialize_any($crate::shape::TokenVisitor)?;
                Ok(<Self as $crate::shape::Scalar>::on_token(self, token))
            }
        }
    )*};
}
pub(crate) use scalar_kind;

/// Trims a string (Unicode whitespace, as `str::trim`); `None` when nothing is left. Most strings
/// have no whitespace at either end, so that case is checked on the two end bytes first.
#[inline]
pub(crate) fn trim_blank(s: &str) -> Option<&str> {
    let solid = |b: u8| b > b' ' && b < 0x80;
    let t = match s.as_bytes() {
        [first, .., last] if solid(*first) && solid(*last) => s,
        [only] if solid(*only) => s,
        _ => s.trim(),
    };
    (!t.is_empty()).then_some(t)
}

/// Whether `b` holds a zero byte, eight bytes at a time.
#[inline]
pub(crate) fn has_nul(b: &[u8]) -> bool {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    let mut chunks = b.chunks_exact(8);
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        let x = u64::from_le_bytes(w);
        if x.wrapping_sub(LO) & !x & HI != 0 {
            return true;
        }
    }
    // A loop over the last few bytes is cheaper than the call into memchr that `contains` makes.
    #[allow(clippy::manual_contains)]
    let tail = chunks.remainder().iter().any(|&b| b == 0);
    tail
}

/// Trims a string; empty becomes `None`; a NUL character (which Postgres text cannot hold) is a
/// format problem.
#[inline]
pub(crate) fn clean(s: &str) -> Result<Option<&str>, Problem> {
    match trim_blank(s) {
        Some(t) if has_nul(t.as_bytes()) => Err(nul_problem()),
        t => Ok(t),
    }
}

#[cold]
fn nul_problem() -> Problem {
    Problem::format("must not contain a NUL character")
}

// ------------------------------------------------------------------------------------------------
// Nullable: the tri-state of a nullable field
// ------------------------------------------------------------------------------------------------

/// A nullable field: absent (not sent: on insert the database default applies, in a patch the
/// column is left alone), explicitly `null`, or set. Serialises `Null` as `null`; records skip
/// `Absent` fields entirely.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Nullable<T> {
    #[default]
    Absent,
    Null,
    Set(T),
}

impl<T> Nullable<T> {
    pub fn is_absent(&self) -> bool {
        matches!(self, Nullable::Absent)
    }
    pub fn is_null(&self) -> bool {
        matches!(self, Nullable::Null)
    }
    /// The value, when set.
    pub fn get(&self) -> Option<&T> {
        match self {
            Nullable::Set(v) => Some(v),
            Nullable::Absent | Nullable::Null => None,
        }
    }
}

impl<T: Serialize> Serialize for Nullable<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Nullable::Set(v) => v.serialize(s),
            Nullable::Absent | Nullable::Null => s.serialize_none(),
        }
    }
}

// ------------------------------------------------------------------------------------------------
// Descriptions
// ------------------------------------------------------------------------------------------------

/// A field's JSON type, as JSON Schema names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum JsonType {
    String,
    Integer,
    Number,
    Boolean,
    Array,
    Object,
    /// Any JSON value (an unconstrained `jsonb` column): JSON Schema gets no `type` for it.
    Any,
}

impl JsonType {
    pub fn as_str(self) -> &'static str {
        match self {
            JsonType::String => "string",
            JsonType::Integer => "integer",
            JsonType::Number => "number",
            JsonType::Boolean => "boolean",
            JsonType::Array => "array",
            JsonType::Object => "object",
            // Not a JSON Schema type: a schema leaves `type` out for it.
            JsonType::Any => "any",
        }
    }
}

/// A string field's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Format {
    /// Trimmed and lower-cased ASCII, `local@domain.tld` (see [`Format::db_pattern`]).
    #[serde(rename = "email")]
    Email,
    /// E.164: `+` and 7 to 15 digits, the first not 0.
    #[serde(rename = "e164")]
    Phone,
    /// An `http://` or `https://` URL with a host, in printable ASCII.
    #[serde(rename = "uri")]
    Url,
    /// A board meeting thread id, `bm-` and letters, digits, `_` or `-`.
    #[serde(rename = "thread-id")]
    ThreadId,
    #[serde(rename = "uuid")]
    Uuid,
    /// `YYYY-MM-DD`.
    #[serde(rename = "date")]
    Date,
    /// RFC 3339 with a zone; sent on as UTC (`...Z`).
    #[serde(rename = "date-time")]
    DateTime,
    /// A time of day without a zone, `HH:MM:SS[.ffffff]`.
    #[serde(rename = "time")]
    Time,
    /// A Twilio Message SID: `SM` or `MM` and 32 hexadecimal digits.
    #[serde(rename = "twilio-message-sid")]
    TwilioMessageSid,
    /// Dotted lower-case words: `user.message.received`.
    #[serde(rename = "event-type")]
    EventType,
}

impl Format {
    /// The name used in descriptions (and as OpenAPI's `format`).
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Email => "email",
            Format::Phone => "e164",
            Format::Url => "uri",
            Format::ThreadId => "thread-id",
            Format::Uuid => "uuid",
            Format::Date => "date",
            Format::DateTime => "date-time",
            Format::Time => "time",
            Format::TwilioMessageSid => "twilio-message-sid",
            Format::EventType => "event-type",
        }
    }

    /// The regular expression of the database's CHECK constraint for this format, where there is
    /// one; the drift test finds it in the constraint's definition.
    pub fn db_pattern(self) -> Option<&'static str> {
        match self {
            Format::Email => Some(r"^[a-z0-9!#$%&'*+/=?^_`{|}~.-]+@[a-z0-9-]+(\.[a-z0-9-]+)+$"),
            Format::Phone => Some(r"^\+[1-9][0-9]{6,14}$"),
            Format::Url => Some(r"^(?=[!-~]+$)https?://[^/?#]"),
            Format::ThreadId => Some(r"^bm-[A-Za-z0-9][A-Za-z0-9_-]*$"),
            Format::TwilioMessageSid => Some(r"^(SM|MM)[0-9a-fA-F]{32}$"),
            Format::EventType => Some(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$"),
            Format::Uuid | Format::Date | Format::DateTime | Format::Time => None,
        }
    }
}

/// The column's Postgres type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SqlType {
    Text,
    Varchar(u32),
    Integer,
    DoublePrecision,
    Numeric {
        precision: u8,
        scale: u8,
    },
    Boolean,
    Date,
    /// `time without time zone`.
    Time,
    Timestamptz,
    Uuid,
    TextArray,
    UuidArray,
    Jsonb,
    Vector(u32),
}

impl SqlType {
    /// The type as Postgres's `format_type` prints it (`character varying(320)`, `numeric(14,2)`).
    pub fn to_sql(self) -> String {
        match self {
            SqlType::Text => "text".into(),
            SqlType::Varchar(n) => format!("character varying({n})"),
            SqlType::Integer => "integer".into(),
            SqlType::DoublePrecision => "double precision".into(),
            SqlType::Numeric { precision, scale } => format!("numeric({precision},{scale})"),
            SqlType::Boolean => "boolean".into(),
            SqlType::Date => "date".into(),
            SqlType::Time => "time without time zone".into(),
            SqlType::Timestamptz => "timestamp with time zone".into(),
            SqlType::Uuid => "uuid".into(),
            SqlType::TextArray => "text[]".into(),
            SqlType::UuidArray => "uuid[]".into(),
            SqlType::Jsonb => "jsonb".into(),
            SqlType::Vector(n) => format!("vector({n})"),
        }
    }
}

/// What a spec accepts, as data.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KindInfo {
    pub json_type: JsonType,
    pub format: Option<Format>,
    pub sql: SqlType,
    /// Allowed values (canonical case) for enums.
    pub enum_values: &'static [&'static str],
    /// Inclusive bounds that a CHECK constraint sets (not the type's own limits).
    pub minimum: Option<f64>,
    pub maximum: Option<f64>,
    /// In characters, after trimming.
    pub min_length: Option<u32>,
    pub max_length: Option<u32>,
    /// For fixed-point numerics, the step (`0.01` for two decimals).
    pub multiple_of: Option<f64>,
    /// For arrays, the items' JSON type.
    pub items: Option<JsonType>,
    /// For arrays of a fixed length (embeddings), that length.
    pub exact_items: Option<u32>,
    /// What else is accepted and normalised, in a phrase ("or a comma-separated string").
    pub accepts: &'static str,
}

impl KindInfo {
    pub(crate) const fn new(json_type: JsonType, sql: SqlType) -> Self {
        KindInfo {
            json_type,
            format: None,
            sql,
            enum_values: &[],
            minimum: None,
            maximum: None,
            min_length: None,
            max_length: None,
            multiple_of: None,
            items: None,
            exact_items: None,
            accepts: "",
        }
    }
}

// ------------------------------------------------------------------------------------------------
// Constructors: the vocabulary table definitions are written in.
// ------------------------------------------------------------------------------------------------

/// Unbounded `text`.
pub const fn text() -> TextSpec {
    TextSpec {
        sql: SqlType::Text,
        min_chars: 0,
        max_chars: None,
    }
}
/// Text kept exactly as sent (the domain `rowgate.verbatim_text`).
pub const fn verbatim_text() -> VerbatimSpec {
    VerbatimSpec
}
/// `varchar(n)`: at most `n` characters.
pub const fn varchar(n: u32) -> TextSpec {
    TextSpec {
        sql: SqlType::Varchar(n),
        min_chars: 0,
        max_chars: Some(n),
    }
}
/// `text` with a `char_length(..) between min and max` CHECK.
pub const fn text_chars(min: u32, max: u32) -> TextSpec {
    TextSpec {
        sql: SqlType::Text,
        min_chars: min,
        max_chars: Some(max),
    }
}
/// An email address in a `varchar(max)`.
pub const fn email(max: u32) -> EmailSpec {
    EmailSpec { max }
}
/// An E.164 phone number in a `varchar(max)`.
pub const fn phone(max: u32) -> PhoneSpec {
    PhoneSpec { max }
}
/// An http(s) URL in `text`.
pub const fn http_url() -> UrlSpec {
    UrlSpec
}
/// A `bm-` thread id in a `varchar(max)`.
pub const fn thread_id(max: u32) -> ThreadIdSpec {
    ThreadIdSpec { max }
}
/// A Twilio Message SID (`SM` or `MM` and 32 hex digits) in a `varchar(34)`.
pub const fn twilio_message_sid() -> TwilioMessageSidSpec {
    TwilioMessageSidSpec
}
/// A dotted lower-case event type (`user.message.received`) in a `varchar(max)`.
pub const fn event_type(max: u32) -> EventTypeSpec {
    EventTypeSpec { max }
}
pub const fn uuid() -> UuidSpec {
    UuidSpec
}
/// `integer`, any value.
pub const fn int() -> IntSpec {
    IntSpec {
        min: i32::MIN as i64,
        max: i32::MAX as i64,
    }
}
/// `integer` with `between min and max`.
pub const fn int_range(min: i32, max: i32) -> IntSpec {
    IntSpec {
        min: min as i64,
        max: max as i64,
    }
}
/// `integer` with `>= min`.
pub const fn int_min(min: i32) -> IntSpec {
    IntSpec {
        min: min as i64,
        max: i32::MAX as i64,
    }
}
/// `double precision`, any finite value.
pub const fn float() -> FloatSpec {
    FloatSpec {
        min: None,
        max: None,
    }
}
/// `double precision` with `between min and max`.
pub const fn float_range(min: f64, max: f64) -> FloatSpec {
    FloatSpec {
        min: Some(min),
        max: Some(max),
    }
}
/// `double precision` with `>= min`.
pub const fn float_min(min: f64) -> FloatSpec {
    FloatSpec {
        min: Some(min),
        max: None,
    }
}
/// `numeric(precision, scale)`; bound it with [`NumericSpec::at_least`] / [`NumericSpec::between`].
pub const fn numeric(precision: u8, scale: u8) -> NumericSpec {
    NumericSpec::new(precision, scale)
}
pub const fn boolean() -> BoolSpec {
    BoolSpec
}
/// A text column with a CHECK enum, matched case-insensitively.
pub const fn choice<E: CheckEnum>() -> ChoiceSpec<E> {
    ChoiceSpec(PhantomData)
}
pub const fn date() -> DateSpec {
    DateSpec
}
/// `time without time zone`: `HH:MM`, `HH:MM:SS` or `HH:MM:SS.ffffff`.
pub const fn time() -> TimeSpec {
    TimeSpec
}
pub const fn timestamptz() -> TimestampSpec {
    TimestampSpec
}
/// `text[]`, from a JSON array or a comma-separated string.
pub const fn text_array() -> TextArraySpec {
    TextArraySpec
}
/// `uuid[]`, from a JSON array of UUIDs.
pub const fn uuid_array() -> UuidArraySpec {
    UuidArraySpec
}
/// Unconstrained `jsonb`: any JSON value (`null` is SQL null).
pub const fn json() -> JsonSpec {
    JsonSpec
}
/// `jsonb` with a `jsonb_typeof(..) = 'object'` CHECK.
pub const fn json_object() -> ObjectSpec {
    ObjectSpec
}
/// `jsonb` with a `jsonb_typeof(..) = 'array'` CHECK.
pub const fn json_array() -> JsonArraySpec {
    JsonArraySpec
}
/// pgvector's `vector(dims)`: exactly `dims` finite numbers.
pub const fn vector(dims: u32) -> VectorSpec {
    VectorSpec { dims }
}

#[cfg(test)]
pub(crate) mod testing {
    //! Shapes a JSON text with a spec, as the record visitor would.
    use super::{Kind, Shaped};

    pub fn shape_str<K: Kind>(kind: &K, json: &str) -> Shaped<K::Out> {
        let mut de = serde_json::Deserializer::from_str(json);
        let out = kind.shape(&mut de).expect("valid JSON");
        de.end().expect("nothing after the value");
        out
    }

    /// The problem's code, for assertions.
    pub fn code_of<T: std::fmt::Debug>(r: Shaped<T>) -> &'static str {
        r.expect_err("a problem").code
    }
}

#[cfg(test)]
mod tests {
    use super::testing::*;
    use super::*;

    #[test]
    fn a_problem_becomes_a_field_error_that_names_the_field() {
        let e = Problem::wrong_type("a string", "a number").at("name");
        assert_eq!(e.field, "name");
        assert_eq!(e.code, code::TYPE);
        assert_eq!(e.message, "name must be a string, not a number");
    }

    #[test]
    fn a_scalar_spec_reports_an_array_or_object_as_a_type_error_after_consuming_it() {
        assert_eq!(
            code_of(shape_str(&varchar(5), r#"[1, [2, {"a": 3}]]"#)),
            code::TYPE
        );
        assert_eq!(code_of(shape_str(&int(), r#"{"a": [1, 2]}"#)), code::TYPE);
    }

    #[test]
    fn null_is_none_for_every_scalar_spec() {
        assert_eq!(shape_str(&varchar(5), "null"), Ok(None));
        assert_eq!(shape_str(&int(), "null"), Ok(None));
        assert_eq!(shape_str(&boolean(), "null"), Ok(None));
    }

    #[test]
    fn nullable_serialises_null_and_values() {
        assert_eq!(
            serde_json::to_string(&Nullable::<i32>::Null).unwrap(),
            "null"
        );
        assert_eq!(serde_json::to_string(&Nullable::Set(3)).unwrap(), "3");
    }

    #[test]
    fn sql_types_print_as_format_type_does() {
        assert_eq!(SqlType::Varchar(320).to_sql(), "character varying(320)");
        assert_eq!(
            SqlType::Numeric {
                precision: 14,
                scale: 2
            }
            .to_sql(),
            "numeric(14,2)"
        );
        assert_eq!(SqlType::Vector(1536).to_sql(), "vector(1536)");
        assert_eq!(SqlType::Time.to_sql(), "time without time zone");
        assert_eq!(SqlType::UuidArray.to_sql(), "uuid[]");
    }

    #[test]
    fn formats_serialise_as_their_names() {
        for f in [
            Format::Email,
            Format::Phone,
            Format::Url,
            Format::ThreadId,
            Format::Uuid,
            Format::Date,
            Format::DateTime,
            Format::Time,
            Format::TwilioMessageSid,
            Format::EventType,
        ] {
            assert_eq!(
                serde_json::to_value(f).unwrap(),
                serde_json::json!(f.as_str())
            );
        }
        assert_eq!(Format::Time.db_pattern(), None);
        assert_eq!(
            Format::TwilioMessageSid.db_pattern(),
            Some("^(SM|MM)[0-9a-fA-F]{32}$")
        );
        assert_eq!(
            Format::EventType.db_pattern(),
            Some(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")
        );
    }

    #[test]
    fn json_types_serialise_as_their_names() {
        for t in [
            JsonType::String,
            JsonType::Integer,
            JsonType::Number,
            JsonType::Boolean,
            JsonType::Array,
            JsonType::Object,
            JsonType::Any,
        ] {
            assert_eq!(
                serde_json::to_value(t).unwrap(),
                serde_json::json!(t.as_str())
            );
        }
    }

    #[test]
    fn the_new_kinds_describe_themselves() {
        let t = time().info();
        assert_eq!(
            (t.json_type, t.format, t.sql),
            (JsonType::String, Some(Format::Time), SqlType::Time)
        );
        let j = json().info();
        assert_eq!((j.json_type, j.sql), (JsonType::Any, SqlType::Jsonb));
        let a = json_array().info();
        assert_eq!(
            (a.json_type, a.sql, a.items),
            (JsonType::Array, SqlType::Jsonb, None)
        );
        let u = uuid_array().info();
        assert_eq!(
            (u.json_type, u.sql, u.items, u.format),
            (
                JsonType::Array,
                SqlType::UuidArray,
                Some(JsonType::String),
                None
            )
        );
        let s = twilio_message_sid().info();
        assert_eq!(
            (s.json_type, s.format, s.sql, s.max_length),
            (
                JsonType::String,
                Some(Format::TwilioMessageSid),
                SqlType::Varchar(34),
                Some(34)
            )
        );
        let e = event_type(100).info();
        assert_eq!(
            (e.json_type, e.format, e.sql, e.max_length),
            (
                JsonType::String,
                Some(Format::EventType),
                SqlType::Varchar(100),
                Some(100)
            )
        );
    }

    #[test]
    fn the_json_schema_of_any_json_value_has_no_type_restriction_but_null() {
        use crate::table::Column;
        let nullable = Column::nullable("payload", json().info(), "", &[]).json_schema();
        assert_eq!(nullable, serde_json::json!({}));
        let required = Column::required("payload", json().info(), "", &[]).json_schema();
        assert_eq!(
            required,
            serde_json::json!({"type": ["object", "array", "string", "number", "boolean"]})
        );
        // The other kinds keep their `type`.
        assert_eq!(
            Column::nullable("tasks", json_array().info(), "", &[]).json_schema(),
            serde_json::json!({"type": ["array", "null"]})
        );
        assert_eq!(
            Column::required("at", time().info(), "", &[]).json_schema()["type"],
            "string"
        );
        assert_eq!(
            Column::nullable("ids", uuid_array().info(), "", &[]).json_schema(),
            serde_json::json!({"type": ["array", "null"], "items": {"type": "string"}})
        );
    }
}
