//! What rowgate knows of PostgREST's query language: which query parameters a client may pass
//! through the record API. Filters are a real column and an operator that fits the column's
//! type, with a value that parses as that type; `select` and `order` name real columns; `limit`,
//! `offset`, `count` and `on_conflict` (exactly the primary key or a unique key) complete it.
//! Everything else is refused, every refusal at once, each naming its parameter. The aim: no
//! query the whitelist accepts can make PostgREST or PostgreSQL answer a type or syntax error
//! (PGRST1xx, 22xxx, 42883, 42601), so such an answer is the server's fault, never the client's.
//!
//! # Operators by column type
//!
//! Every filter is `[not.]operator.value`. The column's type decides the operators:
//!
//! | column | operators |
//! |---|---|
//! | text, varchar (emails, phones, URLs, thread ids included) | `eq neq gt gte lt lte in is like ilike match imatch fts plfts phfts wfts` |
//! | text with a CHECK enum | `eq neq in is` |
//! | integer, double precision, numeric | `eq neq gt gte lt lte in is` |
//! | date, timestamptz | `eq neq gt gte lt lte in is` |
//! | uuid | `eq neq in is` |
//! | boolean | `eq neq is` |
//! | text[] | `cs cd ov is` |
//! | jsonb | `cs cd is` |
//! | vector | `is` |
//!
//! # Values
//!
//! | operator / column | value |
//! |---|---|
//! | text | any text without a NUL character |
//! | enum | one of the CHECK's values, matched case-insensitively and sent in its canonical case |
//! | integer | `-?[0-9]+` within −2147483648 ..= 2147483647 |
//! | double precision | `-?digits[.digits][e±digits]`, finite and not rounding a non-zero number to 0 |
//! | numeric | `-?digits[.digits]`, at most 100 characters |
//! | boolean | `true` or `false` (any case), sent lower-case |
//! | date | `YYYY-MM-DD`, a real day in the years 1 to 9999 |
//! | timestamptz | RFC 3339 with a zone, as shaping reads it ([`Timestamp::parse`]); sent in UTC |
//! | uuid | 32 hex digits, hyphenated 8-4-4-4-12 or not; sent hyphenated, lower-case |
//! | `in` | `(a,b,"c,d")` as PostgREST reads it (a quoted value may hold `,` `)` and `\`-escapes; no space after `(` or after `)`), each value as above |
//! | `is` | `null`; on a boolean also `true`, `false`, `unknown` (any case) |
//! | `like`, `ilike` | text not ending in a lone `\` (`*` is PostgREST's `%`) |
//! | `match`, `imatch` | a regular expression in a strict subset (see `pattern::is_regex`) |
//! | `fts` | a `to_tsquery` text in a strict subset (see `pattern::is_tsquery`) |
//! | `plfts`, `phfts`, `wfts` | any text without a NUL character, at most 1000 bytes |
//! | `fts(config)` … | `config` one of [`TEXT_SEARCH_CONFIGS`] |
//! | `cs`, `cd`, `ov` on text[] | an array literal `{a,"b c"}` (no nesting, no `\` outside quotes) |
//! | `cs`, `cd` on jsonb | JSON without a `\u0000` escape |
//!
//! Values are passed on as given, except where a canonical form is written (enums, booleans,
//! dates, timestamps, UUIDs, `is`, and `in` lists, which are re-quoted).

mod pattern;

use std::borrow::Cow;

use thiserror::Error;

use crate::shape::{Date, KindInfo, SqlType, Timestamp};
use crate::table::{Column, TableDef};

/// A parameter the record API refuses, with the parameter's name.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum QueryError {
    #[error("`{param}` is not a column of this table")]
    UnknownColumn { param: String },
    #[error("`{param}`: `{operator}` is not a supported filter operator")]
    UnknownOperator { param: String, operator: String },
    #[error("`{param}` must look like `operator.value`, e.g. `eq.42`")]
    MalformedFilter { param: String },
    /// The operator exists but does not apply to the column's type (`like` on a timestamp).
    #[error("`{param}`: `{operator}` does not apply to {column_type} columns; use {allowed}")]
    OperatorNotForType {
        param: String,
        operator: String,
        column_type: String,
        /// The operators the column takes, comma-separated.
        allowed: String,
    },
    /// The value does not parse as the column's type, or as the operator's syntax.
    #[error("`{param}`: expected {expected}")]
    BadValue { param: String, expected: String },
    #[error("`{param}`: `{config}` is not a text search configuration; use one of PostgreSQL's built-in ones (simple, english, french, …)")]
    UnknownTextSearchConfig { param: String, config: String },
    #[error("`{param}` must be a whole number between 0 and {max}")]
    OutOfRange { param: String, max: usize },
    #[error("`order` must be column[.asc|.desc][.nullsfirst|.nullslast], comma-separated")]
    MalformedOrder,
    #[error("`{param}` is given more than once")]
    Repeated { param: String },
    /// `on_conflict` is not exactly the columns of the primary key or of a unique key.
    #[error("`on_conflict` must name exactly the columns of the primary key or of a unique key: {}", accepted.join(" or "))]
    NoUniqueKey {
        /// Each accepted key, its columns comma-joined.
        accepted: Vec<String>,
    },
}

impl QueryError {
    /// The query parameter at fault, for the problem's `errors[].field`.
    pub fn param(&self) -> &str {
        match self {
            QueryError::UnknownColumn { param }
            | QueryError::UnknownOperator { param, .. }
            | QueryError::MalformedFilter { param }
            | QueryError::OperatorNotForType { param, .. }
            | QueryError::BadValue { param, .. }
            | QueryError::UnknownTextSearchConfig { param, .. }
            | QueryError::OutOfRange { param, .. }
            | QueryError::Repeated { param } => param,
            QueryError::MalformedOrder => "order",
            QueryError::NoUniqueKey { .. } => "on_conflict",
        }
    }
}

/// PostgreSQL's built-in text search configurations, the only ones `fts(config)` may name.
pub const TEXT_SEARCH_CONFIGS: [&str; 29] = [
    "simple",
    "arabic",
    "armenian",
    "basque",
    "catalan",
    "danish",
    "dutch",
    "english",
    "finnish",
    "french",
    "german",
    "greek",
    "hindi",
    "hungarian",
    "indonesian",
    "irish",
    "italian",
    "lithuanian",
    "nepali",
    "norwegian",
    "portuguese",
    "romanian",
    "russian",
    "serbian",
    "spanish",
    "swedish",
    "tamil",
    "turkish",
    "yiddish",
];

/// The longest `plfts` / `phfts` / `wfts` text, in bytes.
const MAX_SEARCH_TEXT: usize = 1000;
/// The longest numeric value, in characters.
const MAX_NUMERIC: usize = 100;

/// A PostgREST filter operator that rowgate passes on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    Eq,
    Neq,
    Gt,
    Gte,
    Lt,
    Lte,
    In,
    Is,
    Like,
    Ilike,
    Match,
    Imatch,
    Fts,
    Plfts,
    Phfts,
    Wfts,
    Cs,
    Cd,
    Ov,
}

impl Operator {
    pub const ALL: [Operator; 19] = [
        Operator::Eq,
        Operator::Neq,
        Operator::Gt,
        Operator::Gte,
        Operator::Lt,
        Operator::Lte,
        Operator::In,
        Operator::Is,
        Operator::Like,
        Operator::Ilike,
        Operator::Match,
        Operator::Imatch,
        Operator::Fts,
        Operator::Plfts,
        Operator::Phfts,
        Operator::Wfts,
        Operator::Cs,
        Operator::Cd,
        Operator::Ov,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Operator::Eq => "eq",
            Operator::Neq => "neq",
            Operator::Gt => "gt",
            Operator::Gte => "gte",
            Operator::Lt => "lt",
            Operator::Lte => "lte",
            Operator::In => "in",
            Operator::Is => "is",
            Operator::Like => "like",
            Operator::Ilike => "ilike",
            Operator::Match => "match",
            Operator::Imatch => "imatch",
            Operator::Fts => "fts",
            Operator::Plfts => "plfts",
            Operator::Phfts => "phfts",
            Operator::Wfts => "wfts",
            Operator::Cs => "cs",
            Operator::Cd => "cd",
            Operator::Ov => "ov",
        }
    }

    pub fn parse(name: &str) -> Option<Operator> {
        Operator::ALL.into_iter().find(|o| o.as_str() == name)
    }

    /// The full-text operators, the only ones that take a `(config)`.
    pub fn is_text_search(self) -> bool {
        matches!(
            self,
            Operator::Fts | Operator::Plfts | Operator::Phfts | Operator::Wfts
        )
    }
}

/// How filters see a column: its type, and whether a CHECK enum restricts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnClass {
    Text,
    Enum,
    Integer,
    Float,
    Numeric,
    Boolean,
    Date,
    Time,
    Timestamp,
    Uuid,
    TextArray,
    UuidArray,
    Json,
    Vector,
}

impl ColumnClass {
    pub fn of(kind: &KindInfo) -> ColumnClass {
        if !kind.enum_values.is_empty() {
            return ColumnClass::Enum;
        }
        match kind.sql {
            SqlType::Text | SqlType::Varchar(_) => ColumnClass::Text,
            SqlType::Integer => ColumnClass::Integer,
            SqlType::DoublePrecision => ColumnClass::Float,
            SqlType::Numeric { .. } => ColumnClass::Numeric,
            SqlType::Boolean => ColumnClass::Boolean,
            SqlType::Date => ColumnClass::Date,
            SqlType::Time => ColumnClass::Time,
            SqlType::Timestamptz => ColumnClass::Timestamp,
            SqlType::Uuid => ColumnClass::Uuid,
            SqlType::TextArray => ColumnClass::TextArray,
            SqlType::UuidArray => ColumnClass::UuidArray,
            SqlType::Jsonb => ColumnClass::Json,
            SqlType::Vector(_) => ColumnClass::Vector,
        }
    }

    /// The operators a column of this class takes (the table in the module's documentation).
    pub fn operators(self) -> &'static [Operator] {
        use Operator::*;
        match self {
            ColumnClass::Text => &[
                Eq, Neq, Gt, Gte, Lt, Lte, In, Is, Like, Ilike, Match, Imatch, Fts, Plfts, Phfts,
                Wfts,
            ],
            ColumnClass::Enum | ColumnClass::Uuid => &[Eq, Neq, In, Is],
            ColumnClass::Integer
            | ColumnClass::Float
            | ColumnClass::Numeric
            | ColumnClass::Date
            | ColumnClass::Time
            | ColumnClass::Timestamp => &[Eq, Neq, Gt, Gte, Lt, Lte, In, Is],
            ColumnClass::Boolean => &[Eq, Neq, Is],
            ColumnClass::TextArray | ColumnClass::UuidArray => &[Cs, Cd, Ov, Is],
            ColumnClass::Json => &[Cs, Cd, Is],
            ColumnClass::Vector => &[Is],
        }
    }

    /// The type's name in errors.
    pub fn type_name(self) -> &'static str {
        match self {
            ColumnClass::Text => "text",
            ColumnClass::Enum => "text enum",
            ColumnClass::Integer => "integer",
            ColumnClass::Float => "double precision",
            ColumnClass::Numeric => "numeric",
            ColumnClass::Boolean => "boolean",
            ColumnClass::Date => "date",
            ColumnClass::Time => "time",
            ColumnClass::Timestamp => "timestamptz",
            ColumnClass::Uuid => "uuid",
            ColumnClass::TextArray => "text[]",
            ColumnClass::UuidArray => "uuid[]",
            ColumnClass::Json => "jsonb",
            ColumnClass::Vector => "vector",
        }
    }
}

/// The operators `column` takes, comma-separated, for documentation and errors.
pub fn operators_for(column: &Column) -> String {
    ColumnClass::of(&column.kind)
        .operators()
        .iter()
        .map(|o| o.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// A validated read, update or delete: filters and modifiers ready to append to the URL.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query {
    /// `(column, "operator.value")`, in the order given, values in canonical form.
    pub filters: Vec<(String, String)>,
    pub select: Option<String>,
    pub order: Option<String>,
    pub limit: usize,
    pub offset: usize,
    /// Whether the client asked for `count=exact`.
    pub count: bool,
    /// The upsert's conflict key: exactly the primary key or a unique key, its columns
    /// comma-joined in the key's order.
    pub on_conflict: Option<String>,
}

impl Query {
    /// The pairs to send to PostgREST (filters, select, order, limit, offset).
    pub fn postgrest_params(&self) -> Vec<(String, String)> {
        let mut out = self.filters.clone();
        if let Some(s) = &self.select {
            out.push(("select".into(), s.clone()));
        }
        if let Some(o) = &self.order {
            out.push(("order".into(), o.clone()));
        }
        out
    }
}

fn bad(param: &str, expected: impl Into<String>) -> QueryError {
    QueryError::BadValue {
        param: param.into(),
        expected: expected.into(),
    }
}

/// Checks one filter on `column` and returns it in canonical form.
fn filter(param: &str, column: &Column, value: &str) -> Result<String, QueryError> {
    let (negated, rest) = match value.strip_prefix("not.") {
        Some(rest) => (true, rest),
        None => (false, value),
    };
    let (op_text, val) = rest
        .split_once('.')
        .ok_or_else(|| QueryError::MalformedFilter {
            param: param.into(),
        })?;
    let unknown = || QueryError::UnknownOperator {
        param: param.into(),
        operator: op_text.into(),
    };
    let (name, config) = match op_text.split_once('(') {
        Some((name, rest)) => (name, Some(rest.strip_suffix(')').ok_or_else(unknown)?)),
        None => (op_text, None),
    };
    let op = Operator::parse(name).ok_or_else(unknown)?;
    if config.is_some() && !op.is_text_search() {
        return Err(unknown());
    }
    let class = ColumnClass::of(&column.kind);
    if !class.operators().contains(&op) {
        return Err(QueryError::OperatorNotForType {
            param: param.into(),
            operator: name.into(),
            column_type: class.type_name().into(),
            allowed: operators_for(column),
        });
    }
    if let Some(config) = config {
        if !TEXT_SEARCH_CONFIGS.contains(&config) {
            return Err(QueryError::UnknownTextSearchConfig {
                param: param.into(),
                config: config.chars().take(64).collect(),
            });
        }
    }
    let canonical = operand(param, column, class, op, val)?;
    let mut out = String::with_capacity(value.len() + 8);
    if negated {
        out.push_str("not.");
    }
    out.push_str(op_text);
    out.push('.');
    out.push_str(&canonical);
    Ok(out)
}

/// The value of `op` on a column of `class`, checked, in canonical form.
fn operand<'v>(
    param: &str,
    column: &Column,
    class: ColumnClass,
    op: Operator,
    val: &'v str,
) -> Result<Cow<'v, str>, QueryError> {
    if val.contains('\0') {
        return Err(bad(param, "a value without NUL characters"));
    }
    match op {
        Operator::Is => {
            let lower = val.to_ascii_lowercase();
            let ok = match class {
                ColumnClass::Boolean => {
                    matches!(lower.as_str(), "null" | "true" | "false" | "unknown")
                }
                _ => lower == "null",
            };
            if ok {
                Ok(Cow::Owned(lower))
            } else if class == ColumnClass::Boolean {
                Err(bad(
                    param,
                    "`null`, `true`, `false` or `unknown` after `is.`",
                ))
            } else {
                Err(bad(
                    param,
                    format!(
                        "`null` after `is.` (a {} column is never true or false)",
                        class.type_name()
                    ),
                ))
            }
        }
        Operator::In => {
            let items =
                list(val).ok_or_else(|| bad(param, "a list like (a,b,\"c,d\") after `in.`"))?;
            let mut out = String::with_capacity(val.len() + 2);
            out.push('(');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                let v = scalar(column, class, item).map_err(|expected| {
                    bad(param, format!("each value of the list to be {expected}"))
                })?;
                push_list_item(&mut out, &v);
            }
            out.push(')');
            Ok(Cow::Owned(out))
        }
        Operator::Like | Operator::Ilike => {
            if pattern::is_like_pattern(val) {
                Ok(Cow::Borrowed(val))
            } else {
                Err(bad(param, "a pattern that does not end in a lone `\\`"))
            }
        }
        Operator::Match | Operator::Imatch => {
            if pattern::is_regex(val) {
                Ok(Cow::Borrowed(val))
            } else {
                Err(bad(param, format!(
                    "a regular expression of at most {} bytes: characters, ., ^, $, [a-z] classes, (groups), a|b, quantifiers *, +, ? (no {{m,n}}), \\ before punctuation or d, s, w",
                    pattern::MAX_PATTERN
                )))
            }
        }
        Operator::Fts => {
            if pattern::is_tsquery(val) {
                Ok(Cow::Borrowed(val))
            } else {
                Err(bad(param, "a text search query of words joined by &, |, <->, with ! and (parentheses), e.g. `cat & (dog | bird)`; use plfts for plain text"))
            }
        }
        Operator::Plfts | Operator::Phfts | Operator::Wfts => {
            if val.len() <= MAX_SEARCH_TEXT {
                Ok(Cow::Borrowed(val))
            } else {
                Err(bad(
                    param,
                    format!("a search text of at most {MAX_SEARCH_TEXT} bytes"),
                ))
            }
        }
        Operator::Cs | Operator::Cd | Operator::Ov => match class {
            ColumnClass::Json => {
                if is_json(val) {
                    Ok(Cow::Borrowed(val))
                } else {
                    Err(bad(param, "a JSON value, e.g. {\"key\":\"value\"}"))
                }
            }
            ColumnClass::UuidArray => {
                let items = val
                    .strip_prefix('{')
                    .and_then(|v| v.strip_suffix('}'))
                    .map(|v| {
                        v.split(',')
                            .map(str::trim)
                            .filter(|i| !i.is_empty() || !v.trim().is_empty())
                            .collect::<Vec<_>>()
                    });
                match items {
                    Some(items)
                        if items
                            .iter()
                            .all(|i| scalar(column, ColumnClass::Uuid, i).is_ok()) =>
                    {
                        Ok(Cow::Borrowed(val))
                    }
                    _ => Err(bad(
                        param,
                        "an array of UUIDs like {8c6f1f2e-3b9a-4c1d-9f5e-2a7b6c0d1e3f}",
                    )),
                }
            }
            _ => {
                if is_text_array(val) {
                    Ok(Cow::Borrowed(val))
                } else {
                    Err(bad(param, "an array like {a,b,\"c d\"}"))
                }
            }
        },
        Operator::Eq
        | Operator::Neq
        | Operator::Gt
        | Operator::Gte
        | Operator::Lt
        | Operator::Lte => scalar(column, class, val).map_err(|expected| bad(param, expected)),
    }
}

/// One value of a scalar column, in canonical form, or what was expected.
fn scalar<'v>(column: &Column, class: ColumnClass, v: &'v str) -> Result<Cow<'v, str>, String> {
    match class {
        ColumnClass::Text => Ok(Cow::Borrowed(v)),
        ColumnClass::Enum => column
            .kind
            .enum_values
            .iter()
            .find(|e| e.eq_ignore_ascii_case(v))
            .map(|e| Cow::Borrowed(*e))
            .ok_or_else(|| format!("one of {}", column.kind.enum_values.join(", "))),
        ColumnClass::Integer => {
            let digits = v.strip_prefix('-').unwrap_or(v);
            let ok = !digits.is_empty()
                && digits.bytes().all(|b| b.is_ascii_digit())
                && v.parse::<i32>().is_ok();
            ok.then_some(Cow::Borrowed(v))
                .ok_or_else(|| "a whole number between -2147483648 and 2147483647".to_string())
        }
        ColumnClass::Float => is_float(v)
            .then_some(Cow::Borrowed(v))
            .ok_or_else(|| "a number like -12.5 or 1e-3".to_string()),
        ColumnClass::Numeric => is_numeric(v)
            .then_some(Cow::Borrowed(v))
            .ok_or_else(|| "a decimal number like -1234.56".to_string()),
        ColumnClass::Boolean => match v.to_ascii_lowercase().as_str() {
            "true" => Ok(Cow::Borrowed("true")),
            "false" => Ok(Cow::Borrowed("false")),
            _ => Err("true or false".to_string()),
        },
        ColumnClass::Date => Date::parse(v)
            .map(|d| Cow::Owned(d.to_string()))
            .map_err(|_| "a date written YYYY-MM-DD".to_string()),
        ColumnClass::Time => crate::shape::Time::parse(v)
            .map(|t| Cow::Owned(t.to_string()))
            .map_err(|_| "a time of day written HH:MM or HH:MM:SS".to_string()),
        ColumnClass::Timestamp => Timestamp::parse(v)
            .map(|t| Cow::Owned(t.to_string()))
            .map_err(|_| {
                "an RFC 3339 timestamp with a time zone, like 2026-11-22T09:30:00Z".to_string()
            }),
        ColumnClass::Uuid => {
            let shape = match v.len() {
                32 => v.bytes().all(|b| b.is_ascii_hexdigit()),
                36 => v.bytes().enumerate().all(|(i, b)| match i {
                    8 | 13 | 18 | 23 => b == b'-',
                    _ => b.is_ascii_hexdigit(),
                }),
                _ => false,
            };
            match uuid::Uuid::try_parse(v) {
                Ok(u) if shape => Ok(Cow::Owned(u.hyphenated().to_string())),
                _ => Err("a UUID like 8c6f1f2e-3b9a-4c1d-9f5e-2a7b6c0d1e3f".to_string()),
            }
        }
        ColumnClass::TextArray
        | ColumnClass::UuidArray
        | ColumnClass::Json
        | ColumnClass::Vector => Err(format!("no single value: a {} column", class.type_name())),
    }
}

/// `-?(d+(.d*)?|.d+)([eE][+-]?d+)?`, finite, and not a non-zero number that rounds to 0
/// (PostgreSQL refuses both as out of range for double precision).
fn is_float(v: &str) -> bool {
    let b = v.as_bytes();
    let mut i = usize::from(b.first() == Some(&b'-'));
    let int_start = i;
    while b.get(i).is_some_and(u8::is_ascii_digit) {
        i += 1;
    }
    let mut mantissa_digits = i - int_start;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let frac = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        mantissa_digits += i - frac;
    }
    if mantissa_digits == 0 {
        return false;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let exp = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == exp || i - exp > 4 {
            return false;
        }
    }
    if i != b.len() {
        return false;
    }
    let nonzero = v
        .bytes()
        .take_while(|c| !matches!(c, b'e' | b'E'))
        .any(|c| matches!(c, b'1'..=b'9'));
    match v.parse::<f64>() {
        Ok(f) => f.is_finite() && (f != 0.0 || !nonzero),
        Err(_) => false,
    }
}

/// `-?(d+(.d*)?|.d+)`, at most [`MAX_NUMERIC`] characters.
fn is_numeric(v: &str) -> bool {
    let digits = v.strip_prefix('-').unwrap_or(v);
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    v.len() <= MAX_NUMERIC
        && !(int.is_empty() && frac.is_empty())
        && int.bytes().all(|b| b.is_ascii_digit())
        && frac.bytes().all(|b| b.is_ascii_digit())
}

/// JSON without a `\u0000` escape (which PostgreSQL's jsonb refuses).
fn is_json(v: &str) -> bool {
    fn no_nul(v: &serde_json::Value) -> bool {
        match v {
            serde_json::Value::String(s) => !s.contains('\0'),
            serde_json::Value::Array(a) => a.iter().all(no_nul),
            serde_json::Value::Object(m) => m.iter().all(|(k, v)| !k.contains('\0') && no_nul(v)),
            _ => true,
        }
    }
    serde_json::from_str::<serde_json::Value>(v).is_ok_and(|j| no_nul(&j))
}

/// A one-dimensional array literal: `{}` or `{item,item}`, each item a double-quoted string
/// (`\` escapes the next character) or unquoted text without `{ } " , \` that is not blank.
/// Spaces around items are allowed; nothing may follow the closing brace.
fn is_text_array(v: &str) -> bool {
    let Some(inner) = v.strip_prefix('{').and_then(|r| r.strip_suffix('}')) else {
        return false;
    };
    if inner.is_empty() {
        return true;
    }
    let b = inner.as_bytes();
    let mut i = 0;
    loop {
        while b.get(i) == Some(&b' ') {
            i += 1;
        }
        if b.get(i) == Some(&b'"') {
            i += 1;
            loop {
                match b.get(i) {
                    None => return false,
                    Some(b'\\') => i += 2,
                    Some(b'"') => break,
                    Some(_) => i += 1,
                }
            }
            i += 1;
            while b.get(i) == Some(&b' ') {
                i += 1;
            }
        } else {
            let start = i;
            while let Some(&c) = b.get(i) {
                if c == b',' {
                    break;
                }
                if matches!(c, b'{' | b'}' | b'"' | b'\\') || c < b' ' {
                    return false;
                }
                i += 1;
            }
            if inner[start..i].trim_matches(' ').is_empty() {
                return false;
            }
        }
        match b.get(i) {
            None => return true,
            Some(b',') => i += 1,
            Some(_) => return false,
        }
    }
}

/// An `in` list as PostgREST reads it: `(` items `)`, items separated by `,`, each either a
/// double-quoted value (`\` escapes the next character) directly followed by `,` or `)`, or raw
/// text up to the next `,` or `)`. Stricter than PostgREST where it would be ambiguous: no space
/// after `(` (PostgREST drops it) and nothing after `)`.
fn list(v: &str) -> Option<Vec<Cow<'_, str>>> {
    let inner = v.strip_prefix('(')?;
    if inner.starts_with(char::is_whitespace) {
        return None;
    }
    let mut items = Vec::new();
    let mut rest = inner;
    loop {
        let (item, after) = if let Some(quoted) = rest.strip_prefix('"') {
            let mut out = String::new();
            let mut chars = quoted.char_indices();
            let end = loop {
                match chars.next()? {
                    (_, '\\') => out.push(chars.next()?.1),
                    (i, '"') => break i + 1,
                    (_, c) => out.push(c),
                }
            };
            let after = &quoted[end..];
            if !after.starts_with([',', ')']) {
                return None;
            }
            (Cow::Owned(out), after)
        } else {
            let end = rest.find([',', ')'])?;
            (Cow::Borrowed(&rest[..end]), &rest[end..])
        };
        items.push(item);
        match after.as_bytes().first() {
            Some(b',') => rest = &after[1..],
            Some(b')') if after.len() == 1 => return Some(items),
            _ => return None,
        }
    }
}

/// Appends one `in` item, quoted unless it is plainly safe.
fn push_list_item(out: &mut String, item: &str) {
    let plain = !item.is_empty()
        && item.bytes().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b':' | b'+' | b'@' | b'-')
        });
    if plain {
        out.push_str(item);
        return;
    }
    out.push('"');
    for c in item.chars() {
        if matches!(c, '"' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
}

fn columns<'a>(param: &str, list: &'a str, def: &TableDef) -> Result<Vec<&'a str>, QueryError> {
    list.split(',')
        .map(str::trim)
        .map(|c| {
            if c == "*" || def.has_column(c) {
                Ok(c)
            } else {
                Err(QueryError::UnknownColumn {
                    param: format!("{param}: {c}"),
                })
            }
        })
        .collect()
}

fn check_order(order: &str, def: &TableDef) -> Result<(), QueryError> {
    for term in order.split(',') {
        let mut parts = term.trim().split('.');
        let column = parts.next().unwrap_or_default();
        if !def.has_column(column) {
            return Err(QueryError::UnknownColumn {
                param: format!("order: {column}"),
            });
        }
        for (i, modifier) in parts.enumerate() {
            let ok = match i {
                0 => matches!(modifier, "asc" | "desc" | "nullsfirst" | "nullslast"),
                1 => matches!(modifier, "nullsfirst" | "nullslast"),
                _ => false,
            };
            if !ok {
                return Err(QueryError::MalformedOrder);
            }
        }
    }
    Ok(())
}

fn number(param: &str, value: &str, max: usize) -> Result<usize, QueryError> {
    value
        .parse::<usize>()
        .ok()
        .filter(|n| *n <= max)
        .ok_or_else(|| QueryError::OutOfRange {
            param: param.into(),
            max,
        })
}

/// `on_conflict`: exactly the columns of the primary key or of a unique key, in any order;
/// given back in the key's order.
fn on_conflict(value: &str, def: &TableDef) -> Result<String, QueryError> {
    let names: Vec<&str> = value.split(',').map(str::trim).collect();
    def.conflict_key(&names)
        .map(|key| key.join(","))
        .ok_or_else(|| QueryError::NoUniqueKey {
            accepted: def.conflict_keys(),
        })
}

/// Validates the query string's pairs against the table `def`. Every error is returned, not
/// only the first. `max_page` bounds `limit` and is the default page size.
///
/// ```
/// use rowgate_core::postgrest::query::{parse, QueryError};
///
/// let leads = rowgate_core::registry::table("dyniq", "leads").unwrap();
/// let pairs = |p: &[(&str, &str)]| p.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<Vec<_>>();
/// let q = parse(&pairs(&[("tier", "in.(hot,warm)"), ("created_at", "gt.2026-01-01T10:00:00+01:00")]), leads, 100).unwrap();
/// assert_eq!(q.filters[0].1, "in.(HOT,WARM)");
/// assert_eq!(q.filters[1].1, "gt.2026-01-01T09:00:00Z");
///
/// let errors = parse(&pairs(&[("created_at", "like.*x*"), ("lead_score", "cs.{1}"), ("on_conflict", "tier")]), leads, 100).unwrap_err();
/// assert_eq!(errors.iter().map(QueryError::param).collect::<Vec<_>>(), ["created_at", "lead_score", "on_conflict"]);
/// ```
pub fn parse(
    pairs: &[(String, String)],
    def: &TableDef,
    max_page: usize,
) -> Result<Query, Vec<QueryError>> {
    let mut q = Query {
        limit: max_page,
        ..Query::default()
    };
    let mut errors = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    for (key, value) in pairs {
        let modifier = matches!(
            key.as_str(),
            "select" | "order" | "limit" | "offset" | "count" | "on_conflict"
        );
        if modifier {
            if seen.contains(&key.as_str()) {
                errors.push(QueryError::Repeated { param: key.clone() });
                continue;
            }
            seen.push(key);
        }
        let result = match key.as_str() {
            "select" => columns(key, value, def).map(|_| q.select = Some(value.replace(' ', ""))),
            "order" => check_order(value, def).map(|_| q.order = Some(value.replace(' ', ""))),
            "limit" => number(key, value, max_page).map(|n| q.limit = n),
            "offset" => number(key, value, usize::MAX).map(|n| q.offset = n),
            "count" if value == "exact" => {
                q.count = true;
                Ok(())
            }
            "count" => Err(QueryError::MalformedFilter {
                param: "count".into(),
            }),
            "on_conflict" => on_conflict(value, def).map(|key| q.on_conflict = Some(key)),
            name => match def.column(name) {
                Some(column) => {
                    filter(key, column, value).map(|f| q.filters.push((key.clone(), f)))
                }
                None => Err(QueryError::UnknownColumn { param: key.clone() }),
            },
        };
        if let Err(e) = result {
            errors.push(e);
        }
    }
    if errors.is_empty() {
        Ok(q)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry;

    fn leads() -> &'static TableDef {
        registry::table("dyniq", "leads").unwrap()
    }

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    /// The one filter `column=value` on `schema.table`: its canonical form, or its error.
    fn one(schema: &str, table: &str, column: &str, value: &str) -> Result<String, QueryError> {
        let def = registry::table(schema, table).unwrap();
        parse(&pairs(&[(column, value)]), def, 10)
            .map(|q| q.filters[0].1.clone())
            .map_err(|mut e| {
                assert_eq!(e.len(), 1);
                assert_eq!(e[0].param(), column);
                e.remove(0)
            })
    }

    fn lead(column: &str, value: &str) -> Result<String, QueryError> {
        one("dyniq", "leads", column, value)
    }

    fn not_for_type(r: Result<String, QueryError>) -> bool {
        matches!(r, Err(QueryError::OperatorNotForType { .. }))
    }

    fn bad_value(r: Result<String, QueryError>) -> bool {
        matches!(r, Err(QueryError::BadValue { .. }))
    }

    #[test]
    fn filters_on_real_columns_with_fitting_operators_pass_through() {
        let q = parse(
            &pairs(&[
                ("tier", "eq.HOT"),
                ("email", "not.is.null"),
                ("id", "in.(8c6f1f2e-3b9a-4c1d-9f5e-2a7b6c0d1e3f)"),
            ]),
            leads(),
            100,
        )
        .unwrap();
        assert_eq!(q.filters.len(), 3);
        assert_eq!(q.limit, 100);
    }

    #[test]
    fn a_filter_on_an_unknown_column_is_refused() {
        let e = parse(&pairs(&[("password", "eq.x")]), leads(), 100).unwrap_err();
        assert_eq!(
            e,
            vec![QueryError::UnknownColumn {
                param: "password".into()
            }]
        );
    }

    #[test]
    fn an_unknown_operator_is_refused() {
        assert!(
            matches!(lead("tier", "sql.drop"), Err(QueryError::UnknownOperator { operator, .. }) if operator == "sql")
        );
        // Quantifiers and configurations belong to no operator rowgate passes on.
        assert!(matches!(
            lead("name", "eq(any).{a}"),
            Err(QueryError::UnknownOperator { .. })
        ));
        assert!(matches!(
            lead("name", "like(all).{a}"),
            Err(QueryError::UnknownOperator { .. })
        ));
        assert!(matches!(
            lead("name", "fts(english.x"),
            Err(QueryError::UnknownOperator { .. })
        ));
        assert!(matches!(
            lead("name", "not.not.eq.x"),
            Err(QueryError::UnknownOperator { .. })
        ));
    }

    #[test]
    fn a_filter_without_an_operator_is_malformed() {
        assert!(matches!(
            lead("tier", "HOT"),
            Err(QueryError::MalformedFilter { .. })
        ));
    }

    #[test]
    fn an_operator_that_does_not_fit_the_column_type_is_refused_naming_the_filter() {
        // The fuzz's examples: a containment on a number, a pattern on a timestamp, fts on a uuid.
        for (column, value) in [
            ("lead_score", "cs.{1}"),
            ("created_at", "like.*x*"),
            ("id", "fts.x"),
            ("id", "gt.8c6f1f2e-3b9a-4c1d-9f5e-2a7b6c0d1e3f"),
            ("tier", "like.H*"),
            ("tier", "gt.HOT"),
            ("pain_points", "eq.{a}"),
            ("pain_points", "like.a"),
            ("email", "cs.{a}"),
            ("lead_score", "ilike.1"),
            ("lead_score", "match.1"),
        ] {
            let r = lead(column, value);
            assert!(not_for_type(r.clone()), "{column}={value}: {r:?}");
        }
        let e = lead("created_at", "like.*x*").unwrap_err();
        assert_eq!(
            e.to_string(),
            "`created_at`: `like` does not apply to timestamptz columns; use eq, neq, gt, gte, lt, lte, in, is"
        );
        assert!(not_for_type(one(
            "walker_os",
            "daily_scorecard",
            "fajr",
            "gt.true"
        )));
        assert!(not_for_type(one(
            "walker_os",
            "daily_scorecard",
            "fajr",
            "in.(true)"
        )));
        assert!(not_for_type(one(
            "dyniq",
            "board_meetings",
            "agent_analyses",
            "ov.{a}"
        )));
        assert!(not_for_type(one(
            "dyniq",
            "board_meetings",
            "agent_analyses",
            "eq.{}"
        )));
        assert!(not_for_type(one(
            "dyniq",
            "universal_embeddings",
            "embedding",
            "eq.[1]"
        )));
    }

    #[test]
    fn each_column_type_takes_its_operators() {
        assert_eq!(lead("name", "ilike.*ada*"), Ok("ilike.*ada*".into()));
        assert_eq!(
            lead("email", "match.^a.*@b\\.co$"),
            Ok("match.^a.*@b\\.co$".into())
        );
        assert_eq!(
            lead("name", "wfts(english).\"ada lovelace\" -babbage"),
            Ok("wfts(english).\"ada lovelace\" -babbage".into())
        );
        assert_eq!(lead("lead_score", "gte.70"), Ok("gte.70".into()));
        assert_eq!(
            lead("pain_points", "ov.{cash flow,\"hiring, firing\"}"),
            Ok("ov.{cash flow,\"hiring, firing\"}".into())
        );
        assert_eq!(
            one(
                "dyniq",
                "board_meetings",
                "agent_analyses",
                "cs.{\"cfo\": {\"vote\": \"adopt\"}}"
            ),
            Ok("cs.{\"cfo\": {\"vote\": \"adopt\"}}".into())
        );
        assert_eq!(
            one("walker_os", "daily_scorecard", "fajr", "is.TRUE"),
            Ok("is.true".into())
        );
        assert_eq!(
            one("walker_os", "daily_scorecard", "fajr", "neq.False"),
            Ok("neq.false".into())
        );
        assert_eq!(
            one("dyniq", "content_metrics", "engagement_rate", "lt.1e-3"),
            Ok("lt.1e-3".into())
        );
        assert_eq!(
            one("walker_os", "net_worth", "total_assets", "gt.-1234.56"),
            Ok("gt.-1234.56".into())
        );
        assert_eq!(
            one(
                "dyniq",
                "content_metrics",
                "metric_date",
                "in.(2026-01-01,2026-02-28)"
            ),
            Ok("in.(2026-01-01,2026-02-28)".into())
        );
        assert_eq!(
            one("dyniq", "universal_embeddings", "embedding", "not.is.null"),
            Ok("not.is.null".into())
        );
    }

    #[test]
    fn values_must_parse_as_the_column_type() {
        for (column, value) in [
            ("lead_score", "eq.abc"),
            ("lead_score", "eq.1.5"),
            ("lead_score", "eq.2147483648"),
            ("lead_score", "eq.+1"),
            ("lead_score", "eq. 1"),
            ("lead_score", "eq."),
            ("id", "eq.not-a-uuid"),
            ("id", "eq.urn:uuid:8c6f1f2e-3b9a-4c1d-9f5e-2a7b6c0d1e3f"),
            ("id", "eq.{8c6f1f2e-3b9a-4c1d-9f5e-2a7b6c0d1e3f}"),
            ("created_at", "gt.yesterday"),
            ("created_at", "gt.2026-01-01"),
            ("created_at", "gt.2026-01-01T10:00:00"),
            ("tier", "eq.LUKEWARM"),
            ("tier", "in.(HOT,nope)"),
            ("email", "is.true"),
            ("email", "is.notnull"),
            ("name", "eq.a\u{0}b"),
        ] {
            let r = lead(column, value);
            assert!(bad_value(r.clone()), "{column}={value}: {r:?}");
        }
        let date = |v: &str| one("dyniq", "content_metrics", "metric_date", v);
        assert!(bad_value(date("eq.2026-02-30")));
        assert!(bad_value(date("eq.today")));
        assert!(bad_value(date("eq.0000-01-01")));
        let float = |v: &str| one("dyniq", "content_metrics", "engagement_rate", v);
        for v in [
            "eq.1e400",
            "eq.1e-400",
            "eq.NaN",
            "eq.Infinity",
            "eq.1e",
            "eq..",
            "eq.0x10",
            "eq.1e99999",
        ] {
            assert!(bad_value(float(v)), "{v}");
        }
        assert_eq!(float("eq.0e-400"), Ok("eq.0e-400".into()));
        let numeric = |v: &str| one("walker_os", "net_worth", "total_assets", v);
        for v in ["eq.1e5", "eq.NaN", "eq.1,5", "eq.-", "eq.."] {
            assert!(bad_value(numeric(v)), "{v}");
        }
        assert!(bad_value(numeric(&format!("eq.{}", "9".repeat(101)))));
        assert!(bad_value(one(
            "walker_os",
            "daily_scorecard",
            "fajr",
            "eq.yes"
        )));
        assert!(bad_value(one(
            "walker_os",
            "daily_scorecard",
            "fajr",
            "is.maybe"
        )));
    }

    #[test]
    fn canonical_forms_are_sent_on() {
        assert_eq!(lead("tier", "eq.hot"), Ok("eq.HOT".into()));
        assert_eq!(
            lead("tier", "not.in.(Hot,\"cold\")"),
            Ok("not.in.(HOT,COLD)".into())
        );
        assert_eq!(
            lead("id", "eq.8C6F1F2E3B9A4C1D9F5E2A7B6C0D1E3F"),
            Ok("eq.8c6f1f2e-3b9a-4c1d-9f5e-2a7b6c0d1e3f".into())
        );
        assert_eq!(
            lead("created_at", "lt.2026-11-22 10:30:00.25+01:00"),
            Ok("lt.2026-11-22T09:30:00.25Z".into())
        );
        assert_eq!(lead("email", "is.NULL"), Ok("is.null".into()));
    }

    #[test]
    fn in_lists_are_read_as_postgrest_reads_them_and_checked_element_wise() {
        assert_eq!(
            lead("name", "in.(a,\"b,c\",\"d\\\"e\",f g)"),
            Ok("in.(a,\"b,c\",\"d\\\"e\",\"f g\")".into())
        );
        assert_eq!(lead("name", "in.()"), Ok("in.(\"\")".into()));
        for v in [
            "in.a,b",
            "in.(a,b",
            "in.(a)b",
            "in.( a)",
            "in.(\"a\"b)",
            "in.(\"a)",
        ] {
            assert!(bad_value(lead("name", v)), "{v}");
        }
        let e = lead("lead_score", "in.(1,x,3)").unwrap_err();
        assert_eq!(
            e.to_string(),
            "`lead_score`: expected each value of the list to be a whole number between -2147483648 and 2147483647"
        );
        assert!(bad_value(lead("lead_score", "in.()")));
    }

    #[test]
    fn patterns_must_be_ones_postgres_accepts() {
        assert!(bad_value(lead("name", "like.abc\\")));
        assert_eq!(lead("name", "like.abc\\\\"), Ok("like.abc\\\\".into()));
        for v in ["match.(", "imatch.[z-a]", "match.a{2}", "match.*", "match."] {
            assert!(bad_value(lead("name", v)), "{v}");
        }
        for v in ["fts.a b", "fts.a &", "fts(english).(a", "fts."] {
            assert!(bad_value(lead("name", v)), "{v}");
        }
        assert_eq!(
            lead("name", "fts(english).fat & (rat | cat:*)"),
            Ok("fts(english).fat & (rat | cat:*)".into())
        );
        assert!(bad_value(lead(
            "name",
            &format!("plfts.{}", "a".repeat(1001))
        )));
    }

    #[test]
    fn a_text_search_configuration_must_be_a_built_in_one() {
        assert_eq!(
            lead("name", "plfts(french).chat"),
            Ok("plfts(french).chat".into())
        );
        for config in TEXT_SEARCH_CONFIGS {
            assert!(
                lead("name", &format!("phfts({config}).x")).is_ok(),
                "{config}"
            );
        }
        for v in [
            "fts(klingon).x",
            "fts(English).x",
            "fts().x",
            "fts(pg_catalog.english).x",
        ] {
            let r = lead("name", v);
            assert!(
                matches!(
                    r,
                    Err(QueryError::UnknownTextSearchConfig { .. })
                        | Err(QueryError::UnknownOperator { .. })
                ),
                "{v}: {r:?}"
            );
        }
        assert!(
            matches!(lead("name", "fts(klingon).x"), Err(QueryError::UnknownTextSearchConfig { config, .. }) if config == "klingon")
        );
    }

    #[test]
    fn array_and_json_values_must_be_literals_postgres_reads() {
        for v in [
            "cs.{}",
            "cs.{a}",
            "cd.{a, b ,\"c}\"}",
            "ov.{\"\",\"a\\\\b\"}",
            "cs.{NULL}",
        ] {
            assert!(lead("pain_points", v).is_ok(), "{v}");
        }
        for v in [
            "cs.a",
            "cs.{a",
            "cs.{a}}",
            "cs.{{a}}",
            "cs.{a,,b}",
            "cs.{,}",
            "cs.{ }",
            "cs.{a\\b}",
            "cs.{\"a}",
            "cs.[1,2]",
            "cs.{a} ",
        ] {
            assert!(bad_value(lead("pain_points", v)), "{v}");
        }
        let json = |v: &str| one("dyniq", "board_meetings", "agent_analyses", v);
        assert!(json("cs.[1, {\"a\": null}]").is_ok());
        for v in ["cs.{a}", "cs.{\"a\": \"\\u0000\"}", "cs.", "cs.{\"a\":1} x"] {
            assert!(bad_value(json(v)), "{v}");
        }
    }

    #[test]
    fn every_bad_parameter_is_reported_at_once() {
        let e = parse(
            &pairs(&[
                ("nope", "eq.1"),
                ("limit", "5000"),
                ("order", "secret.desc"),
                ("lead_score", "cs.{1}"),
                ("id", "eq.x"),
            ]),
            leads(),
            1000,
        )
        .unwrap_err();
        assert_eq!(e.len(), 5);
    }

    #[test]
    fn limit_above_the_page_size_is_refused_and_defaults_to_it() {
        assert!(parse(&pairs(&[("limit", "101")]), leads(), 100).is_err());
        assert_eq!(
            parse(&pairs(&[("limit", "7")]), leads(), 100)
                .unwrap()
                .limit,
            7
        );
    }

    #[test]
    fn select_and_order_must_name_real_columns() {
        let q = parse(
            &pairs(&[
                ("select", "id, email"),
                ("order", "created_at.desc.nullslast"),
            ]),
            leads(),
            10,
        )
        .unwrap();
        assert_eq!(q.select.as_deref(), Some("id,email"));
        assert!(parse(&pairs(&[("select", "id,secret")]), leads(), 10).is_err());
        assert!(parse(&pairs(&[("order", "id.sideways")]), leads(), 10).is_err());
    }

    #[test]
    fn embedding_other_tables_through_select_is_refused() {
        assert!(parse(&pairs(&[("select", "*,leads(*)")]), leads(), 10).is_err());
    }

    #[test]
    fn on_conflict_must_be_exactly_the_primary_key_or_a_unique_key() {
        let conflict = |def: &TableDef, v: &str| {
            parse(&pairs(&[("on_conflict", v)]), def, 10).map(|q| q.on_conflict.unwrap())
        };
        assert_eq!(conflict(leads(), "email"), Ok("email".to_string()));
        assert_eq!(conflict(leads(), " id "), Ok("id".to_string()));
        let cards = registry::table("walker_os", "daily_scorecard").unwrap();
        assert_eq!(
            conflict(cards, "scorecard_date,user_id"),
            Ok("user_id,scorecard_date".to_string())
        );
        for bad in ["nope", "tier", "email,tier", "id,email", "", "*", "user_id"] {
            let e = conflict(leads(), bad).unwrap_err();
            assert_eq!(
                e,
                vec![QueryError::NoUniqueKey {
                    accepted: vec!["id".into(), "email".into()]
                }],
                "{bad}"
            );
            assert_eq!(e[0].param(), "on_conflict");
        }
        let e = conflict(cards, "scorecard_date").unwrap_err();
        assert_eq!(
            e[0].to_string(),
            "`on_conflict` must name exactly the columns of the primary key or of a unique key: id or user_id,scorecard_date"
        );
    }

    #[test]
    fn a_repeated_modifier_is_refused() {
        assert!(parse(&pairs(&[("limit", "1"), ("limit", "2")]), leads(), 10).is_err());
    }

    #[test]
    fn every_column_of_every_table_has_a_class_and_operators() {
        for t in registry::all() {
            for c in t.columns() {
                let class = ColumnClass::of(&c.kind);
                assert!(
                    class.operators().contains(&Operator::Is),
                    "{}.{}",
                    t.name,
                    c.name
                );
                assert!(!operators_for(c).is_empty());
            }
        }
    }
}
