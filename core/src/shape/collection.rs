//! Collections: `text[]` (from a JSON array or a comma-separated string), `uuid[]`, `jsonb`
//! values, objects and arrays, and pgvector embeddings of a fixed dimension.

use std::fmt;

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::Value;

use super::{
    clean, skip_map, JsonType, Kind, KindInfo, Problem, Scalar, Shaped, SqlType, Token, TokenSeed,
    UuidSpec,
};
use crate::error::code;

// ------------------------------------------------------------------------------------------------
// text[]
// ------------------------------------------------------------------------------------------------

/// `text[]`: a JSON array of strings, or one comma-separated string (as forms send it). Items are
/// trimmed; blank items and `null` items are dropped. Sent on as a JSON array.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextArraySpec;

impl TextArraySpec {
    pub const fn info(&self) -> KindInfo {
        let mut i = KindInfo::new(JsonType::Array, SqlType::TextArray);
        i.items = Some(JsonType::String);
        i.accepts = "or a comma-separated string; items trimmed, blank items dropped";
        i
    }
}

const ARRAY_EXPECTED: &str = "an array of strings or a comma-separated string";

/// One item of a text array.
struct Item;

impl Scalar for Item {
    type Out = String;
    fn expected(&self) -> &'static str {
        "a string"
    }
    fn on_str(&self, s: &str) -> Shaped<String> {
        Ok(clean(s)?.map(str::to_owned))
    }
}

struct TextArrayVisitor;

impl<'de> Visitor<'de> for TextArrayVisitor {
    type Value = Shaped<Vec<String>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(ARRAY_EXPECTED)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::new();
        let mut problem = None;
        let mut position = 0usize;
        while let Some(token) = seq.next_element_seed(TokenSeed)? {
            let item = Item.on_token(token);
            position += 1;
            match item {
                Ok(Some(s)) => out.push(s),
                Ok(None) => {}
                Err(p) if problem.is_none() => problem = Some(p.prefixed(position)),
                Err(_) => {}
            }
        }
        Ok(match problem {
            Some(p) => Err(p),
            None => Ok(Some(out)),
        })
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<Self::Value, E> {
        let mut out = Vec::new();
        for part in s.split(',') {
            match clean(part) {
                Ok(Some(t)) => out.push(t.to_owned()),
                Ok(None) => {}
                Err(p) => return Ok(Err(p)),
            }
        }
        Ok(Ok(Some(out)))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Ok(None))
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Ok(None))
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(Err(Problem::wrong_type(ARRAY_EXPECTED, "a boolean")))
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(Err(Problem::wrong_type(ARRAY_EXPECTED, "a number")))
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(Err(Problem::wrong_type(ARRAY_EXPECTED, "a number")))
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(Err(Problem::wrong_type(ARRAY_EXPECTED, "a number")))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        skip_map(map)?;
        Ok(Err(Problem::wrong_type(ARRAY_EXPECTED, "an object")))
    }
}

impl Kind for TextArraySpec {
    type Out = Vec<String>;
    fn shape<'de, D: Deserializer<'de>>(&self, d: D) -> Result<Shaped<Vec<String>>, D::Error> {
        d.deserialize_any(TextArrayVisitor)
    }
}

// ------------------------------------------------------------------------------------------------
// jsonb object
// ------------------------------------------------------------------------------------------------

/// A JSON object, as stored in a `jsonb` column.
pub type JsonObject = serde_json::Map<String, Value>;

/// `jsonb` that must be an object. Its content is kept as sent, except that a string (or key)
/// holding a NUL character is refused: `jsonb` cannot store one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ObjectSpec;

impl ObjectSpec {
    pub const fn info(&self) -> KindInfo {
        KindInfo::new(JsonType::Object, SqlType::Jsonb)
    }
}

fn holds_nul(v: &Value) -> bool {
    match v {
        Value::String(s) => s.contains('\0'),
        Value::Array(items) => items.iter().any(holds_nul),
        Value::Object(m) => m.iter().any(|(k, v)| k.contains('\0') || holds_nul(v)),
        Value::Null | Value::Bool(_) | Value::Number(_) => false,
    }
}

impl Kind for ObjectSpec {
    type Out = JsonObject;
    fn shape<'de, D: Deserializer<'de>>(&self, d: D) -> Result<Shaped<JsonObject>, D::Error> {
        const EXPECTED: &str = "a JSON object";
        Ok(match Value::deserialize(d)? {
            Value::Object(m) if m.iter().any(|(k, v)| k.contains('\0') || holds_nul(v)) => {
                Err(Problem::format("must not contain a NUL character"))
            }
            Value::Object(m) => Ok(Some(m)),
            Value::Null => Ok(None),
            Value::String(s) if s.trim().is_empty() => Ok(None),
            Value::String(_) => Err(Problem::wrong_type(EXPECTED, "a string")),
            Value::Array(_) => Err(Problem::wrong_type(EXPECTED, "an array")),
            Value::Bool(_) => Err(Problem::wrong_type(EXPECTED, "a boolean")),
            Value::Number(_) => Err(Problem::wrong_type(EXPECTED, "a number")),
        })
    }
}

// ------------------------------------------------------------------------------------------------
// uuid[]
// ------------------------------------------------------------------------------------------------

/// `uuid[]`: a JSON array of UUIDs, each in any spelling [`super::uuid`] takes, sent on in
/// lower-case hyphenated form. Unlike `text[]`, a string is not split: only an array is taken.
/// A `null` or blank item is refused (Postgres would store a null element); duplicates are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UuidArraySpec;

impl UuidArraySpec {
    pub const fn info(&self) -> KindInfo {
        let mut i = KindInfo::new(JsonType::Array, SqlType::UuidArray);
        i.items = Some(JsonType::String);
        i
    }
}

const UUID_ARRAY_EXPECTED: &str = "an array of UUIDs";

struct UuidArrayVisitor;

impl<'de> Visitor<'de> for UuidArrayVisitor {
    type Value = Shaped<Vec<uuid::Uuid>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(UUID_ARRAY_EXPECTED)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
        let mut problem = None;
        let mut position = 0usize;
        while let Some(token) = seq.next_element_seed(TokenSeed)? {
            position += 1;
            let null = matches!(token, Token::Null);
            let item = UuidSpec.on_token(token);
            if problem.is_some() {
                continue;
            }
            match item {
                Ok(Some(id)) => out.push(id),
                Ok(None) if null => {
                    problem =
                        Some(Problem::wrong_type(UuidSpec.expected(), "null").prefixed(position))
                }
                Ok(None) => {
                    problem = Some(
                        Problem::format("must be a UUID, not a blank string").prefixed(position),
                    )
                }
                Err(p) => problem = Some(p.prefixed(position)),
            }
        }
        Ok(match problem {
            Some(p) => Err(p),
            None => Ok(Some(out)),
        })
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Ok(None))
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Ok(None))
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<Self::Value, E> {
        Ok(if s.trim().is_empty() {
            Ok(None)
        } else {
            Err(Problem::wrong_type(UUID_ARRAY_EXPECTED, "a string"))
        })
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(Err(Problem::wrong_type(UUID_ARRAY_EXPECTED, "a boolean")))
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(Err(Problem::wrong_type(UUID_ARRAY_EXPECTED, "a number")))
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(Err(Problem::wrong_type(UUID_ARRAY_EXPECTED, "a number")))
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(Err(Problem::wrong_type(UUID_ARRAY_EXPECTED, "a number")))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        skip_map(map)?;
        Ok(Err(Problem::wrong_type(UUID_ARRAY_EXPECTED, "an object")))
    }
}

impl Kind for UuidArraySpec {
    type Out = Vec<uuid::Uuid>;
    fn shape<'de, D: Deserializer<'de>>(&self, d: D) -> Result<Shaped<Vec<uuid::Uuid>>, D::Error> {
        d.deserialize_any(UuidArrayVisitor)
    }
}

// ------------------------------------------------------------------------------------------------
// jsonb: any value
// ------------------------------------------------------------------------------------------------

/// A JSON value for an unconstrained `jsonb` column: an object, array, string, number or boolean,
/// never `null` itself (a `null` field is SQL null) and holding no NUL character.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonValue(Value);

impl JsonValue {
    /// Checks a value as [`super::json`] does: `null` is refused with [`code::NOT_NULL`], a NUL
    /// character anywhere with [`code::FORMAT`].
    ///
    /// ```
    /// use rowgate_core::shape::JsonValue;
    /// assert_eq!(JsonValue::new(serde_json::json!([1, "a"])).unwrap().as_value()[1], "a");
    /// assert!(JsonValue::new(serde_json::Value::Null).is_err());
    /// ```
    pub fn new(value: Value) -> Result<JsonValue, Problem> {
        match value {
            Value::Null => Err(Problem::new(code::NOT_NULL, "must not be null")),
            v if holds_nul(&v) => Err(nul_in_json()),
            v => Ok(JsonValue(v)),
        }
    }
    pub fn as_value(&self) -> &Value {
        &self.0
    }
    pub fn into_value(self) -> Value {
        self.0
    }
}

impl AsRef<Value> for JsonValue {
    fn as_ref(&self) -> &Value {
        &self.0
    }
}

impl From<JsonValue> for Value {
    fn from(v: JsonValue) -> Value {
        v.0
    }
}

impl Serialize for JsonValue {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

/// Unconstrained `jsonb`: any JSON value, kept as sent (a string too, even an empty one: it is a
/// value of the column, not a blank field). Only `null` is `null`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JsonSpec;

impl JsonSpec {
    pub const fn info(&self) -> KindInfo {
        KindInfo::new(JsonType::Any, SqlType::Jsonb)
    }
}

impl Kind for JsonSpec {
    type Out = JsonValue;
    fn shape<'de, D: Deserializer<'de>>(&self, d: D) -> Result<Shaped<JsonValue>, D::Error> {
        Ok(match Value::deserialize(d)? {
            Value::Null => Ok(None),
            v if holds_nul(&v) => Err(nul_in_json()),
            v => Ok(Some(JsonValue(v))),
        })
    }
}

// ------------------------------------------------------------------------------------------------
// jsonb array
// ------------------------------------------------------------------------------------------------

/// A JSON array, as stored in a `jsonb` column.
pub type JsonArray = Vec<Value>;

/// `jsonb` that must be an array (of anything, `null` items included). Its content is kept as
/// sent, except that a string holding a NUL character is refused: `jsonb` cannot store one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JsonArraySpec;

impl JsonArraySpec {
    pub const fn info(&self) -> KindInfo {
        KindInfo::new(JsonType::Array, SqlType::Jsonb)
    }
}

impl Kind for JsonArraySpec {
    type Out = JsonArray;
    fn shape<'de, D: Deserializer<'de>>(&self, d: D) -> Result<Shaped<JsonArray>, D::Error> {
        const EXPECTED: &str = "a JSON array";
        Ok(match Value::deserialize(d)? {
            Value::Array(items) if items.iter().any(holds_nul) => Err(nul_in_json()),
            Value::Array(items) => Ok(Some(items)),
            Value::Null => Ok(None),
            Value::String(s) if s.trim().is_empty() => Ok(None),
            Value::String(_) => Err(Problem::wrong_type(EXPECTED, "a string")),
            Value::Object(_) => Err(Problem::wrong_type(EXPECTED, "an object")),
            Value::Bool(_) => Err(Problem::wrong_type(EXPECTED, "a boolean")),
            Value::Number(_) => Err(Problem::wrong_type(EXPECTED, "a number")),
        })
    }
}

#[cold]
fn nul_in_json() -> Problem {
    Problem::format("must not contain a NUL character")
}

// ------------------------------------------------------------------------------------------------
// vector(n)
// ------------------------------------------------------------------------------------------------

/// An embedding: finite single-precision numbers, as pgvector stores them.
#[derive(Debug, Clone, PartialEq)]
pub struct Embedding(Vec<f32>);

impl Embedding {
    pub fn as_slice(&self) -> &[f32] {
        &self.0
    }
    pub fn len(&self) -> usize {
        self.0.len()
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Serialize for Embedding {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

/// `vector(dims)`: a JSON array of exactly `dims` finite numbers (each must fit in an `f32`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VectorSpec {
    pub(crate) dims: u32,
}

impl VectorSpec {
    pub const fn info(&self) -> KindInfo {
        let mut i = KindInfo::new(JsonType::Array, SqlType::Vector(self.dims));
        i.items = Some(JsonType::Number);
        i.exact_items = Some(self.dims);
        i
    }
}

/// One component of an embedding.
struct Component;

impl Scalar for Component {
    type Out = f32;
    fn expected(&self) -> &'static str {
        "a number"
    }
    fn on_i64(&self, v: i64) -> Shaped<f32> {
        self.on_f64(v as f64)
    }
    fn on_u64(&self, v: u64) -> Shaped<f32> {
        self.on_f64(v as f64)
    }
    fn on_f64(&self, v: f64) -> Shaped<f32> {
        let f = v as f32;
        if f.is_finite() {
            Ok(Some(f + 0.0))
        } else {
            Err(Problem::new(
                code::RANGE,
                "must be within the range of a 32-bit float",
            ))
        }
    }
}

struct VectorVisitor(u32);

const VECTOR_EXPECTED: &str = "an array of numbers";

impl<'de> Visitor<'de> for VectorVisitor {
    type Value = Shaped<Embedding>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(VECTOR_EXPECTED)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let dims = self.0 as usize;
        let mut out = Vec::with_capacity(dims);
        let mut problem = None;
        let mut count = 0usize;
        while let Some(token) = seq.next_element_seed(TokenSeed)? {
            let c = Component.on_token(token);
            count += 1;
            match c {
                Ok(Some(f)) if count <= dims => out.push(f),
                Ok(Some(_)) => {}
                Ok(None) | Err(_) if problem.is_some() => {}
                Ok(None) => problem = Some(Problem::wrong_type("a number", "null").prefixed(count)),
                Err(p) => problem = Some(p.prefixed(count)),
            }
        }
        if let Some(p) = problem {
            return Ok(Err(p));
        }
        if count != dims {
            return Ok(Err(Problem::new(
                code::LENGTH,
                format!("must have exactly {dims} numbers, not {count}"),
            )));
        }
        Ok(Ok(Some(Embedding(out))))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Ok(None))
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Ok(None))
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<Self::Value, E> {
        Ok(if s.trim().is_empty() {
            Ok(None)
        } else {
            Err(Problem::wrong_type(VECTOR_EXPECTED, "a string"))
        })
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(Err(Problem::wrong_type(VECTOR_EXPECTED, "a boolean")))
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(Err(Problem::wrong_type(VECTOR_EXPECTED, "a number")))
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(Err(Problem::wrong_type(VECTOR_EXPECTED, "a number")))
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(Err(Problem::wrong_type(VECTOR_EXPECTED, "a number")))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        skip_map(map)?;
        Ok(Err(Problem::wrong_type(VECTOR_EXPECTED, "an object")))
    }
}

impl Problem {
    /// "item 3 must be a number, not a string".
    fn prefixed(self, position: usize) -> Problem {
        Problem::new(self.code, format!("item {position} {}", self.message))
    }
}

impl Kind for VectorSpec {
    type Out = Embedding;
    fn shape<'de, D: Deserializer<'de>>(&self, d: D) -> Result<Shaped<Embedding>, D::Error> {
        d.deserialize_any(VectorVisitor(self.dims))
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{code_of, shape_str};
    use super::super::*;

    fn strings(v: &[&str]) -> Option<Vec<String>> {
        Some(v.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn a_text_array_is_accepted_as_a_json_array_with_items_trimmed_and_blanks_dropped() {
        assert_eq!(
            shape_str(&text_array(), r#"[" cash flow ", "", null, "hiring"]"#),
            Ok(strings(&["cash flow", "hiring"]))
        );
    }

    #[test]
    fn a_text_array_is_accepted_as_a_comma_separated_string() {
        assert_eq!(
            shape_str(&text_array(), r#""cash flow, hiring,, ""#),
            Ok(strings(&["cash flow", "hiring"]))
        );
        assert_eq!(shape_str(&text_array(), r#""""#), Ok(strings(&[])));
    }

    #[test]
    fn a_text_array_with_a_non_string_item_names_the_item() {
        let p = shape_str(&text_array(), r#"["a", 3]"#).unwrap_err();
        assert_eq!(p.code, code::TYPE);
        assert_eq!(p.message, "item 2 must be a string, not a number");
    }

    #[test]
    fn a_text_array_must_be_an_array_or_a_string() {
        assert_eq!(code_of(shape_str(&text_array(), "{}")), code::TYPE);
        assert_eq!(code_of(shape_str(&text_array(), "7")), code::TYPE);
        assert_eq!(shape_str(&text_array(), "null"), Ok(None));
    }

    #[test]
    fn a_json_object_is_kept_as_sent() {
        let o = shape_str(&json_object(), r#"{"q1": {"answer": "B", "score": 7}}"#)
            .unwrap()
            .unwrap();
        assert_eq!(o["q1"]["score"], 7);
    }

    #[test]
    fn a_json_object_must_be_an_object() {
        assert_eq!(code_of(shape_str(&json_object(), "[1]")), code::TYPE);
        assert_eq!(code_of(shape_str(&json_object(), r#""{}""#)), code::TYPE);
        assert_eq!(shape_str(&json_object(), "null"), Ok(None));
    }

    #[test]
    fn a_json_object_holding_a_nul_character_is_rejected_because_jsonb_cannot_store_it() {
        assert_eq!(
            code_of(shape_str(&json_object(), r#"{"a": ["x\u0000"]}"#)),
            code::FORMAT
        );
        assert_eq!(
            code_of(shape_str(&json_object(), r#"{"\u0000": 1}"#)),
            code::FORMAT
        );
    }

    #[test]
    fn an_embedding_has_exactly_its_dimensions() {
        assert_eq!(
            shape_str(&vector(3), "[0.1, -2, 3e-3]")
                .unwrap()
                .unwrap()
                .as_slice(),
            &[0.1f32, -2.0, 0.003]
        );
        let p = shape_str(&vector(3), "[1, 2]").unwrap_err();
        assert_eq!(
            (p.code, p.message.as_ref()),
            (code::LENGTH, "must have exactly 3 numbers, not 2")
        );
        assert_eq!(code_of(shape_str(&vector(3), "[1, 2, 3, 4]")), code::LENGTH);
    }

    #[test]
    fn an_embedding_of_non_numbers_or_huge_numbers_is_rejected() {
        assert_eq!(code_of(shape_str(&vector(3), r#"[1, "2", 3]"#)), code::TYPE);
        assert_eq!(code_of(shape_str(&vector(3), "[1, null, 3]")), code::TYPE);
        assert_eq!(code_of(shape_str(&vector(3), "[1, 1e39, 3]")), code::RANGE);
        assert_eq!(code_of(shape_str(&vector(3), r#""[1,2,3]""#)), code::TYPE);
    }

    #[test]
    fn an_embedding_serialises_as_the_numbers_it_was_given() {
        let e = shape_str(&vector(2), "[0.1, 0.25]").unwrap().unwrap();
        assert_eq!(serde_json::to_string(&e).unwrap(), "[0.1,0.25]");
    }

    const A: &str = "8c6f1f2e-3b9a-4c1d-9f5e-2a7b6c0d1e3f";
    const B: &str = "00000000-0000-0000-0000-0000000000ff";

    fn ids(v: &[&str]) -> Option<Vec<uuid::Uuid>> {
        Some(
            v.iter()
                .map(|s| uuid::Uuid::parse_str(s).unwrap())
                .collect(),
        )
    }

    #[test]
    fn a_uuid_array_takes_uuids_in_any_spelling_and_keeps_order_and_duplicates() {
        assert_eq!(
            shape_str(
                &uuid_array(),
                r#"[" 8C6F1F2E-3B9A-4C1D-9F5E-2A7B6C0D1E3F ", "{00000000-0000-0000-0000-0000000000FF}", "8c6f1f2e3b9a4c1d9f5e2a7b6c0d1e3f"]"#
            ),
            Ok(ids(&[A, B, A]))
        );
        assert_eq!(shape_str(&uuid_array(), "[]"), Ok(ids(&[])));
    }

    #[test]
    fn a_uuid_array_serialises_as_lower_case_hyphenated_strings_and_shapes_again_to_itself() {
        let once = shape_str(
            &uuid_array(),
            r#"["8C6F1F2E3B9A4C1D9F5E2A7B6C0D1E3F", "urn:uuid:00000000-0000-0000-0000-0000000000FF"]"#,
        )
        .unwrap()
        .unwrap();
        let json = serde_json::to_string(&once).unwrap();
        assert_eq!(json, format!(r#"["{A}","{B}"]"#));
        assert_eq!(shape_str(&uuid_array(), &json), Ok(Some(once)));
        assert_eq!(
            serde_json::to_string(&Vec::<uuid::Uuid>::new()).unwrap(),
            "[]"
        );
    }

    #[test]
    fn a_null_or_blank_uuid_array_is_null() {
        assert_eq!(shape_str(&uuid_array(), "null"), Ok(None));
        assert_eq!(shape_str(&uuid_array(), r#""  ""#), Ok(None));
    }

    #[test]
    fn a_uuid_array_must_be_an_array_not_a_comma_separated_string() {
        for bad in [
            format!("\"{A},{B}\""),
            format!("\"{A}\""),
            "7".to_string(),
            "true".to_string(),
            format!(r#"{{"id": "{A}"}}"#),
        ] {
            assert_eq!(code_of(shape_str(&uuid_array(), &bad)), code::TYPE, "{bad}");
        }
    }

    #[test]
    fn a_null_or_non_string_item_of_a_uuid_array_is_a_type_error_naming_the_item() {
        let p = shape_str(&uuid_array(), &format!(r#"["{A}", null]"#)).unwrap_err();
        assert_eq!(
            (p.code, p.message.as_ref()),
            (code::TYPE, "item 2 must be a UUID in a string, not null")
        );
        for bad in ["[1]", "[true]", "[[]]", r#"[{"a": 1}]"#] {
            assert_eq!(code_of(shape_str(&uuid_array(), bad)), code::TYPE, "{bad}");
        }
    }

    #[test]
    fn a_malformed_or_blank_item_of_a_uuid_array_is_a_format_error_naming_the_first_bad_item() {
        let p = shape_str(&uuid_array(), &format!(r#"["{A}", "nope", null, " "]"#)).unwrap_err();
        assert_eq!(p.code, code::FORMAT);
        assert!(
            p.message.starts_with("item 2 is not a UUID"),
            "{}",
            p.message
        );
        let p = shape_str(&uuid_array(), &format!(r#"["{A}", " "]"#)).unwrap_err();
        assert_eq!(
            (p.code, p.message.as_ref()),
            (code::FORMAT, "item 2 must be a UUID, not a blank string")
        );
        for bad in [
            r#"["8c6f1f2e-3b9a-4c1d-9f5e-2a7b6c0d1e3"]"#,
            r#"["8c6f1f2e-3b9a-4c1d-9f5e-2a7b6c0d1e3g"]"#,
            r#"["8c6f1f2e-3b9a-4c1d-9f5e-2a7b6c0d1e3f\u0000"]"#,
        ] {
            assert_eq!(
                code_of(shape_str(&uuid_array(), bad)),
                code::FORMAT,
                "{bad}"
            );
        }
    }

    #[test]
    fn any_json_value_but_null_is_kept_as_sent() {
        for given in [
            r#"{"a": [1, null, {"b": "c"}]}"#,
            r#"[1, "two", null, false]"#,
            r#""  hello  ""#,
            r#""""#,
            "0",
            "-1.5",
            "12345678901234567890",
            "true",
            "false",
            "{}",
            "[]",
        ] {
            let v = shape_str(&json(), given).unwrap().unwrap();
            let want: serde_json::Value = serde_json::from_str(given).unwrap();
            assert_eq!(v.as_value(), &want, "{given}");
            let out = serde_json::to_string(&v).unwrap();
            assert_eq!(out, serde_json::to_string(&want).unwrap(), "{given}");
            assert_eq!(shape_str(&json(), &out), Ok(Some(v)), "{given}");
        }
    }

    #[test]
    fn a_json_null_is_sql_null() {
        assert_eq!(shape_str(&json(), "null"), Ok(None));
        assert_eq!(
            JsonValue::new(serde_json::Value::Null).unwrap_err().code,
            code::NOT_NULL
        );
    }

    #[test]
    fn a_json_value_holding_a_nul_character_is_a_format_error() {
        for bad in [
            r#""a\u0000""#,
            r#"["a\u0000"]"#,
            r#"{"a": {"b": "\u0000"}}"#,
            r#"{"\u0000": 1}"#,
        ] {
            assert_eq!(code_of(shape_str(&json(), bad)), code::FORMAT, "{bad}");
            let v: serde_json::Value = serde_json::from_str(bad).unwrap();
            assert_eq!(JsonValue::new(v).unwrap_err().code, code::FORMAT, "{bad}");
        }
    }

    #[test]
    fn a_json_array_is_kept_as_sent_null_items_included() {
        let given = r#"[{"task": "a", "done": false}, null, 3, "x", [[]]]"#;
        let a = shape_str(&json_array(), given).unwrap().unwrap();
        assert_eq!(a.len(), 5);
        assert_eq!(a[0]["task"], "a");
        assert!(a[1].is_null());
        let out = serde_json::to_string(&a).unwrap();
        assert_eq!(out, r#"[{"done":false,"task":"a"},null,3,"x",[[]]]"#);
        assert_eq!(shape_str(&json_array(), &out), Ok(Some(a)));
        assert_eq!(shape_str(&json_array(), "[]"), Ok(Some(Vec::new())));
    }

    #[test]
    fn a_json_array_must_be_an_array() {
        for bad in [r#"{"a": [1]}"#, r#""[1]""#, "1", "true"] {
            assert_eq!(code_of(shape_str(&json_array(), bad)), code::TYPE, "{bad}");
        }
        assert_eq!(shape_str(&json_array(), "null"), Ok(None));
        assert_eq!(shape_str(&json_array(), r#"" ""#), Ok(None));
    }

    #[test]
    fn a_json_array_holding_a_nul_character_is_a_format_error() {
        assert_eq!(
            code_of(shape_str(&json_array(), r#"[{"a": "x\u0000"}]"#)),
            code::FORMAT
        );
        assert_eq!(
            code_of(shape_str(&json_array(), r#"[{"\u0000": 1}]"#)),
            code::FORMAT
        );
    }
}
