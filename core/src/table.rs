//! The machinery every table shares: reading a JSON object straight from the deserializer into a
//! table's draft (each field shaped as it is read, every error collected), the cross-field rules,
//! the insert and patch records, and each table's description as data ([`TableDef`], [`Column`]).
//!
//! A table is declared once with `define_table!` in its own file; the macro writes the insert and
//! patch structs, the field dispatch, the finishing checks, the descriptors and the registry entry
//! point. What stays by hand is what differs: the columns' specs and the table's rules.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{json, Map, Value};

use crate::error::{code, FieldError, ValidationErrors};
use crate::registry::{InsertRecord, PatchRecord};
use crate::shape::{skip_map, skip_seq, Kind, KindInfo, KindSeed};

/// Whether a record is being shaped for an insert or for a patch (partial update).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Insert,
    Patch,
}

// ------------------------------------------------------------------------------------------------
// Drafts
// ------------------------------------------------------------------------------------------------

/// A field of a record being shaped.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) enum Slot<T> {
    /// Not in the body.
    #[default]
    Absent,
    /// `null`, or a string that was empty once trimmed.
    Null,
    Value(T),
    /// Refused; its error is already recorded.
    Failed,
}

impl<T> Slot<T> {
    pub(crate) fn value(&self) -> Option<&T> {
        match self {
            Slot::Value(v) => Some(v),
            Slot::Absent | Slot::Null | Slot::Failed => None,
        }
    }
    pub(crate) fn is_absent(&self) -> bool {
        matches!(self, Slot::Absent)
    }
    /// In the body, whatever became of it.
    pub(crate) fn is_given(&self) -> bool {
        !self.is_absent()
    }
}

/// What `define_table!` implements for each table; the generic code below drives it.
pub(crate) trait TableShape: 'static {
    type Draft: Default;
    type Insert;
    type Patch;
    /// Reads the value of `key` into the draft, or records why not (unknown, read-only,
    /// duplicate, or the value's own problem).
    fn read<'de, A: MapAccess<'de>>(
        draft: &mut Self::Draft,
        key: &str,
        map: &mut A,
        mode: Mode,
        errs: &mut ValidationErrors,
    ) -> Result<(), A::Error>;
    /// The table's cross-field rules: derived fields, orderings, sums.
    fn rules(draft: &mut Self::Draft, mode: Mode, errs: &mut ValidationErrors);
    fn finish_insert(draft: Self::Draft, errs: &mut ValidationErrors) -> Option<Self::Insert>;
    fn finish_patch(draft: Self::Draft, errs: &mut ValidationErrors) -> Option<Self::Patch>;
    fn patch_is_empty(patch: &Self::Patch) -> bool;
}

/// Reads one field's value with its spec. Kept out of line: one copy per kind of column, shared
/// by every field of that kind, keeps the shaper's code small enough for the instruction cache.
#[inline(never)]
pub(crate) fn read_field<'de, A: MapAccess<'de>, K: Kind>(
    map: &mut A,
    slot: &mut Slot<K::Out>,
    kind: &K,
    name: &'static str,
    errs: &mut ValidationErrors,
) -> Result<(), A::Error> {
    if slot.is_given() {
        map.next_value::<IgnoredAny>()?;
        errs.push(duplicate(name));
        return Ok(());
    }
    *slot = match map.next_value_seed(KindSeed(kind))? {
        Ok(Some(v)) => Slot::Value(v),
        Ok(None) => Slot::Null,
        Err(p) => {
            errs.push(p.at(name));
            Slot::Failed
        }
    };
    Ok(())
}

#[cold]
fn duplicate(name: &'static str) -> FieldError {
    FieldError::new(
        name,
        code::DUPLICATE_FIELD,
        format!("{name} appears more than once"),
    )
}

/// The field named `key`: lengths first, so most names are passed over without comparing bytes.
/// (A compile-time hash index was tried and measured slower at opt-level 3.)
#[inline]
pub(crate) fn lookup<F: Copy>(fields: &[(&'static str, F)], key: &str) -> Option<F> {
    let k = key.as_bytes();
    fields
        .iter()
        .find(|(name, _)| name.len() == k.len() && name.as_bytes() == k)
        .map(|(_, f)| *f)
}

/// Skips the value of a field the client may not send here.
#[cold]
pub(crate) fn refuse<'de, A: MapAccess<'de>>(
    map: &mut A,
    name: &'static str,
    why: &'static str,
    errs: &mut ValidationErrors,
) -> Result<(), A::Error> {
    map.next_value::<IgnoredAny>()?;
    errs.push(FieldError::new(
        name,
        code::READONLY,
        format!("{name} {why}"),
    ));
    Ok(())
}

/// Skips the value of a field the table does not have. Long names are cut in the error.
#[cold]
pub(crate) fn unknown<'de, A: MapAccess<'de>>(
    map: &mut A,
    key: &str,
    errs: &mut ValidationErrors,
) -> Result<(), A::Error> {
    map.next_value::<IgnoredAny>()?;
    let shown: String = match key.char_indices().nth(64) {
        Some((cut, _)) => format!("{}…", &key[..cut]),
        None => key.to_owned(),
    };
    let message = format!("{shown} is not a field of this table");
    errs.push(FieldError::new(shown, code::UNKNOWN_FIELD, message));
    Ok(())
}

/// Why a set-once field is refused in a patch.
pub(crate) const SET_ONCE: &str = "is set when the record is created and cannot be changed";

/// Why a read-only field is refused.
pub(crate) const fn readonly_reason(default: ColumnDefault) -> &'static str {
    match default {
        ColumnDefault::Generated => "is computed by the database and cannot be written",
        ColumnDefault::None | ColumnDefault::Constant(_) | ColumnDefault::Server(_) => {
            "is maintained by the database and cannot be written"
        }
    }
}

/// A field the insert must carry.
#[inline]
pub(crate) fn required<T>(
    slot: Slot<T>,
    name: &'static str,
    errs: &mut ValidationErrors,
) -> Option<T> {
    match slot {
        Slot::Value(v) => Some(v),
        Slot::Absent => {
            errs.push(missing(name));
            None
        }
        Slot::Null => {
            errs.push(not_null(name));
            None
        }
        Slot::Failed => None,
    }
}

#[cold]
fn missing(name: &'static str) -> FieldError {
    FieldError::new(name, code::REQUIRED, format!("{name} is required"))
}

/// A field that may be left out (its default applies) but cannot be null.
#[inline]
pub(crate) fn optional<T>(
    slot: Slot<T>,
    name: &'static str,
    errs: &mut ValidationErrors,
) -> Option<T> {
    match slot {
        Slot::Value(v) => Some(v),
        Slot::Absent | Slot::Failed => None,
        Slot::Null => {
            errs.push(not_null(name));
            None
        }
    }
}

/// A nullable field.
#[inline]
pub(crate) fn nullable<T>(slot: Slot<T>) -> crate::shape::Nullable<T> {
    use crate::shape::Nullable;
    match slot {
        Slot::Value(v) => Nullable::Set(v),
        Slot::Null => Nullable::Null,
        Slot::Absent | Slot::Failed => Nullable::Absent,
    }
}

#[cold]
fn not_null(name: &'static str) -> FieldError {
    FieldError::new(
        name,
        code::NOT_NULL,
        format!("{name} cannot be null or empty"),
    )
}

// ------------------------------------------------------------------------------------------------
// Reading records
// ------------------------------------------------------------------------------------------------

/// An object key, borrowed from the body when it holds no escapes.
struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Cow<'de, str>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(KeyVisitor)
    }
}

struct KeyVisitor;

impl<'de> Visitor<'de> for KeyVisitor {
    type Value = Cow<'de, str>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a field name")
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v))
    }
}

/// One record: a JSON object read into `T`'s draft. Anything else is recorded as an error on the
/// record as a whole (field `""`) and gives `None`.
struct RecordSeed<'e, T> {
    mode: Mode,
    errs: &'e mut ValidationErrors,
    table: PhantomData<T>,
}

impl<'e, T> RecordSeed<'e, T> {
    fn new(mode: Mode, errs: &'e mut ValidationErrors) -> Self {
        RecordSeed {
            mode,
            errs,
            table: PhantomData,
        }
    }
}

impl<'de, T: TableShape> DeserializeSeed<'de> for RecordSeed<'_, T> {
    type Value = Option<T::Draft>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<T: TableShape> RecordSeed<'_, T> {
    fn not_an_object(self, got: &str) -> Option<T::Draft> {
        self.errs.push(FieldError::new(
            "",
            code::TYPE,
            format!("a record must be a JSON object, not {got}"),
        ));
        None
    }
}

impl<'de, T: TableShape> Visitor<'de> for RecordSeed<'_, T> {
    type Value = Option<T::Draft>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut draft = T::Draft::default();
        while let Some(key) = map.next_key_seed(KeySeed)? {
            T::read(&mut draft, &key, &mut map, self.mode, self.errs)?;
        }
        Ok(Some(draft))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        skip_seq(seq)?;
        Ok(self.not_an_object("an array"))
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(self.not_an_object("a boolean"))
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(self.not_an_object("a number"))
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(self.not_an_object("a number"))
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(self.not_an_object("a number"))
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Ok(self.not_an_object("a string"))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(self.not_an_object("null"))
    }
}

/// Runs the rules and the finishing checks of one insert; `None` if the record failed.
fn complete_insert<T: TableShape>(
    mut draft: T::Draft,
    errs: &mut ValidationErrors,
    start: usize,
) -> Option<T::Insert> {
    T::rules(&mut draft, Mode::Insert, errs);
    let record = T::finish_insert(draft, errs);
    if errs.pushed() > start {
        None
    } else {
        record
    }
}

fn complete_patch<T: TableShape>(
    mut draft: T::Draft,
    errs: &mut ValidationErrors,
    start: usize,
) -> Option<T::Patch> {
    T::rules(&mut draft, Mode::Patch, errs);
    let patch = T::finish_patch(draft, errs)?;
    if errs.pushed() > start {
        return None;
    }
    if T::patch_is_empty(&patch) {
        errs.push(FieldError::new(
            "",
            code::EMPTY,
            "a patch must change at least one field",
        ));
        return None;
    }
    Some(patch)
}

/// An empty array where records belong: an error on the body as a whole (field `""`, as for
/// every body-level error), code [`code::EMPTY`].
#[cold]
pub(crate) fn no_records() -> FieldError {
    FieldError::new("", code::EMPTY, "at least one record")
}

type Complete<T, R> = fn(<T as TableShape>::Draft, &mut ValidationErrors, usize) -> Option<R>;

/// The error for a body that is not JSON (or has something after the JSON value).
fn malformed(e: &serde_json::Error) -> ValidationErrors {
    ValidationErrors::from(FieldError::new(
        "",
        code::JSON,
        format!("the body is not valid JSON: {e}"),
    ))
}

fn one<'de, T: TableShape, R, D>(
    d: D,
    mode: Mode,
    complete: Complete<T, R>,
) -> Result<Result<R, ValidationErrors>, D::Error>
where
    D: Deserializer<'de>,
{
    let mut errs = ValidationErrors::new();
    let draft = RecordSeed::<T>::new(mode, &mut errs).deserialize(d)?;
    Ok(
        match draft.and_then(|draft| complete(draft, &mut errs, 0)) {
            Some(record) if errs.is_empty() => Ok(record),
            _ => Err(errs),
        },
    )
}

fn one_from_slice<T: TableShape, R>(
    body: &[u8],
    mode: Mode,
    complete: Complete<T, R>,
) -> Result<R, ValidationErrors> {
    let mut de = serde_json::Deserializer::from_slice(body);
    let shaped = one::<T, R, _>(&mut de, mode, complete).and_then(|r| de.end().map(|()| r));
    shaped.unwrap_or_else(|e| Err(malformed(&e)))
}

fn one_from_value<T: TableShape, R>(
    value: &Value,
    mode: Mode,
    complete: Complete<T, R>,
) -> Result<R, ValidationErrors> {
    one::<T, R, _>(value, mode, complete).unwrap_or_else(|e| Err(malformed(&e)))
}

/// A JSON array of records; errors carry the record's index.
struct ManySeed<'e, T: TableShape, R> {
    mode: Mode,
    errs: &'e mut ValidationErrors,
    complete: Complete<T, R>,
}

impl<'de, T: TableShape, R> DeserializeSeed<'de> for ManySeed<'_, T, R> {
    type Value = Vec<R>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<T: TableShape, R> ManySeed<'_, T, R> {
    fn not_an_array(self, got: &str) -> Vec<R> {
        self.errs.push(FieldError::new(
            "",
            code::TYPE,
            format!("the body must be a JSON array of records, not {got}"),
        ));
        Vec::new()
    }
}

impl<'de, T: TableShape, R> Visitor<'de> for ManySeed<'_, T, R> {
    type Value = Vec<R>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON array of records")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(16).min(4096));
        let mut index = 0;
        loop {
            let start = self.errs.pushed();
            let kept = self.errs.len();
            let Some(draft) = seq.next_element_seed(RecordSeed::<T>::new(self.mode, self.errs))?
            else {
                break;
            };
            if let Some(record) = draft.and_then(|d| (self.complete)(d, self.errs, start)) {
                if self.errs.is_empty() {
                    out.push(record);
                }
            }
            self.errs.set_index(kept, index);
            index += 1;
        }
        if index == 0 {
            self.errs.push(no_records());
        }
        Ok(out)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        skip_map(map)?;
        Ok(self.not_an_array("an object"))
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(self.not_an_array("a boolean"))
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(self.not_an_array("a number"))
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(self.not_an_array("a number"))
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(self.not_an_array("a number"))
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Ok(self.not_an_array("a string"))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(self.not_an_array("null"))
    }
}

fn many<'de, T: TableShape, D: Deserializer<'de>>(
    d: D,
) -> Result<Result<Vec<T::Insert>, ValidationErrors>, D::Error> {
    let mut errs = ValidationErrors::new();
    let records = ManySeed::<T, T::Insert> {
        mode: Mode::Insert,
        errs: &mut errs,
        complete: complete_insert::<T>,
    }
    .deserialize(d)?;
    Ok(errs.into_result(records))
}

pub(crate) fn insert_from_slice<T: TableShape>(body: &[u8]) -> Result<T::Insert, ValidationErrors> {
    one_from_slice::<T, _>(body, Mode::Insert, complete_insert::<T>)
}

pub(crate) fn insert_from_value<T: TableShape>(
    value: &Value,
) -> Result<T::Insert, ValidationErrors> {
    one_from_value::<T, _>(value, Mode::Insert, complete_insert::<T>)
}

pub(crate) fn patch_from_slice<T: TableShape>(body: &[u8]) -> Result<T::Patch, ValidationErrors> {
    one_from_slice::<T, _>(body, Mode::Patch, complete_patch::<T>)
}

pub(crate) fn patch_from_value<T: TableShape>(value: &Value) -> Result<T::Patch, ValidationErrors> {
    one_from_value::<T, _>(value, Mode::Patch, complete_patch::<T>)
}

pub(crate) fn many_from_slice<T: TableShape>(
    body: &[u8],
) -> Result<Vec<T::Insert>, ValidationErrors> {
    let mut de = serde_json::Deserializer::from_slice(body);
    let shaped = many::<T, _>(&mut de).and_then(|r| de.end().map(|()| r));
    shaped.unwrap_or_else(|e| Err(malformed(&e)))
}

pub(crate) fn many_from_value<T: TableShape>(
    value: &Value,
) -> Result<Vec<T::Insert>, ValidationErrors> {
    many::<T, _>(value).unwrap_or_else(|e| Err(malformed(&e)))
}

/// `Deserialize` for an insert record: shaping, with the field errors as the error's text.
pub(crate) fn deserialize_insert<'de, T: TableShape, D: Deserializer<'de>>(
    d: D,
) -> Result<T::Insert, D::Error> {
    one::<T, _, D>(d, Mode::Insert, complete_insert::<T>)?.map_err(de::Error::custom)
}

/// `Deserialize` for a patch record.
pub(crate) fn deserialize_patch<'de, T: TableShape, D: Deserializer<'de>>(
    d: D,
) -> Result<T::Patch, D::Error> {
    one::<T, _, D>(d, Mode::Patch, complete_patch::<T>)?.map_err(de::Error::custom)
}

// ------------------------------------------------------------------------------------------------
// Descriptions
// ------------------------------------------------------------------------------------------------

/// What the database puts in a column that an insert leaves out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnDefault {
    /// Nothing: `null` for a nullable column.
    None,
    /// A constant, as JSON text: `"0"`, `"\"planned\""`, `"{}"`, `"[]"`.
    Constant(&'static str),
    /// An expression the database evaluates: `now()`, `gen_random_uuid()`, `auth.uid()`.
    Server(&'static str),
    /// A generated column, computed from others.
    Generated,
}

/// One field of a table, as data: for routing, filter whitelists, documentation (OpenAPI) and
/// the drift test.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Column {
    pub name: &'static str,
    /// JSON type, format, SQL type, enum values, bounds.
    pub kind: KindInfo,
    /// Must be given on insert.
    pub required: bool,
    /// May be given on insert.
    pub insertable: bool,
    /// May be given in a patch.
    pub updatable: bool,
    /// May be `null`.
    pub nullable: bool,
    pub default: ColumnDefault,
    /// The fields it is computed from when it is not given, and must agree with when it is.
    pub derived_from: &'static [&'static str],
    /// Accepted on input but not a column of the table: it is consumed to derive another field.
    pub input_only: bool,
    /// The Postgres domain of the column's type (`rowgate.email`, `dyniq.tier`), whose CHECK a
    /// violation names instead of a constraint of the table.
    pub domain: Option<&'static str>,
    doc: &'static str,
}

impl Column {
    pub(crate) const fn set_once(
        name: &'static str,
        kind: KindInfo,
        doc: &'static str,
        default: ColumnDefault,
    ) -> Self {
        Column {
            name,
            kind,
            required: false,
            insertable: true,
            updatable: false,
            nullable: false,
            default,
            derived_from: &[],
            input_only: false,
            domain: None,
            doc,
        }
    }
    pub(crate) const fn required(
        name: &'static str,
        kind: KindInfo,
        doc: &'static str,
        derived_from: &'static [&'static str],
    ) -> Self {
        Column {
            name,
            kind,
            required: derived_from.is_empty(),
            insertable: true,
            updatable: true,
            nullable: false,
            default: ColumnDefault::None,
            derived_from,
            input_only: false,
            domain: None,
            doc,
        }
    }
    pub(crate) const fn defaulted(
        name: &'static str,
        kind: KindInfo,
        doc: &'static str,
        default: ColumnDefault,
        derived_from: &'static [&'static str],
    ) -> Self {
        Column {
            name,
            kind,
            required: false,
            insertable: true,
            updatable: true,
            nullable: false,
            default,
            derived_from,
            input_only: false,
            domain: None,
            doc,
        }
    }
    pub(crate) const fn nullable(
        name: &'static str,
        kind: KindInfo,
        doc: &'static str,
        derived_from: &'static [&'static str],
    ) -> Self {
        Column {
            name,
            kind,
            required: false,
            insertable: true,
            updatable: true,
            nullable: true,
            default: ColumnDefault::None,
            derived_from,
            input_only: false,
            domain: None,
            doc,
        }
    }
    pub(crate) const fn readonly(
        name: &'static str,
        kind: KindInfo,
        doc: &'static str,
        nullable: bool,
        default: ColumnDefault,
    ) -> Self {
        Column {
            name,
            kind,
            required: false,
            insertable: false,
            updatable: false,
            nullable,
            default,
            derived_from: &[],
            input_only: false,
            domain: None,
            doc,
        }
    }
    pub(crate) const fn input(name: &'static str, kind: KindInfo, doc: &'static str) -> Self {
        Column {
            name,
            kind,
            required: false,
            insertable: true,
            updatable: true,
            nullable: true,
            default: ColumnDefault::None,
            derived_from: &[],
            input_only: true,
            domain: None,
            doc,
        }
    }

    /// The column with its type's domain (`in_domain(&["rowgate.email"])`; `&[]` for none).
    pub(crate) const fn in_domain(mut self, domain: &[&'static str]) -> Self {
        self.domain = match domain {
            [d] => Some(*d),
            _ => None,
        };
        self
    }

    /// Neither an insert nor a patch may set it.
    pub fn is_readonly(&self) -> bool {
        !self.insertable && !self.updatable
    }

    /// The doc comment of the field, on one line.
    pub fn description(&self) -> String {
        self.doc
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The field as a JSON Schema (OpenAPI 3.1) property.
    pub fn json_schema(&self) -> Value {
        let k = &self.kind;
        let mut s = Map::new();
        match (k.json_type, self.nullable) {
            // Any JSON value (unconstrained `jsonb`): no `type` at all.
            (crate::shape::JsonType::Any, true) => {}
            // Any JSON value but `null`.
            (crate::shape::JsonType::Any, false) => {
                s.insert(
                    "type".into(),
                    json!(["object", "array", "string", "number", "boolean"]),
                );
            }
            (t, true) => {
                s.insert("type".into(), json!([t.as_str(), "null"]));
            }
            (t, false) => {
                s.insert("type".into(), json!(t.as_str()));
            }
        }
        if let Some(f) = k.format {
            s.insert("format".into(), json!(f.as_str()));
        }
        if !k.enum_values.is_empty() {
            s.insert("enum".into(), json!(k.enum_values));
        }
        let limits = [
            ("minimum", k.minimum.map(|v| json!(v))),
            ("maximum", k.maximum.map(|v| json!(v))),
            ("minLength", k.min_length.map(|v| json!(v))),
            ("maxLength", k.max_length.map(|v| json!(v))),
            ("multipleOf", k.multiple_of.map(|v| json!(v))),
            ("minItems", k.exact_items.map(|v| json!(v))),
            ("maxItems", k.exact_items.map(|v| json!(v))),
            ("items", k.items.map(|t| json!({ "type": t.as_str() }))),
        ];
        for (key, value) in limits {
            if let Some(v) = value {
                s.insert(key.into(), v);
            }
        }
        if let ColumnDefault::Constant(text) = self.default {
            if let Ok(v) = serde_json::from_str::<Value>(text) {
                s.insert("default".into(), v);
            }
        }
        if self.is_readonly() {
            s.insert("readOnly".into(), json!(true));
        }
        if self.input_only {
            s.insert("writeOnly".into(), json!(true));
        }
        let mut description = self.description();
        if !k.accepts.is_empty() {
            if !description.is_empty() {
                description.push(' ');
            }
            description.push_str(&format!("Accepts: {}.", k.accepts));
        }
        if !description.is_empty() {
            s.insert("description".into(), json!(description));
        }
        Value::Object(s)
    }
}

/// A rule over several columns that the database also enforces with a CHECK constraint, named
/// here so the drift test can account for every constraint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// The CHECK constraint's name.
    pub constraint: &'static str,
    /// The columns the rule concerns, as the constraint's definition names them: a violation of
    /// the constraint names these fields.
    pub columns: &'static [&'static str],
    /// The error code shaping reports when the rule is broken.
    pub code: &'static str,
    pub description: &'static str,
}

/// One column of a shaped insert record as JSON text: what [`TableDef::check_distinct_keys`]
/// compares, without building a `serde_json::Value`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldJson {
    /// Not in the record (or not a column of its table): the column's default applies.
    Absent,
    Null,
    /// The value's JSON text exactly as the record serialises it; shaping has already normalised
    /// it (trimmed, lower-cased, canonical case, UTC), so equal values have equal text.
    Value(String),
}

impl FieldJson {
    pub(crate) fn of<T: serde::Serialize>(value: &T) -> Self {
        match serde_json::to_string(value) {
            Ok(text) => FieldJson::Value(text),
            // Shaped values always serialise; were one not to, it matches nothing.
            Err(_) => FieldJson::Null,
        }
    }
    pub(crate) fn of_option<T: serde::Serialize>(value: &Option<T>) -> Self {
        value.as_ref().map_or(FieldJson::Absent, Self::of)
    }
    pub(crate) fn of_nullable<T: serde::Serialize>(value: &crate::shape::Nullable<T>) -> Self {
        use crate::shape::Nullable;
        match value {
            Nullable::Absent => FieldJson::Absent,
            Nullable::Null => FieldJson::Null,
            Nullable::Set(v) => Self::of(v),
        }
    }
}

/// Server defaults that give every row of one statement the same value (`auth.uid()`,
/// `CURRENT_DATE`, `now()`): two records that leave such a key column out share its value.
/// Any other expression (`gen_random_uuid()`) is assumed to differ from row to row.
const STATEMENT_STABLE_DEFAULTS: [&str; 4] =
    ["auth.uid()", "CURRENT_DATE", "now()", "CURRENT_TIMESTAMP"];

/// What the registry calls on a table, whichever it is.
pub(crate) trait TableOps: Sync {
    fn insert(&self, body: &[u8]) -> Result<InsertRecord, ValidationErrors>;
    fn insert_value(&self, value: &Value) -> Result<InsertRecord, ValidationErrors>;
    fn insert_many(&self, body: &[u8]) -> Result<Vec<InsertRecord>, ValidationErrors>;
    fn insert_many_value(&self, value: &Value) -> Result<Vec<InsertRecord>, ValidationErrors>;
    fn patch(&self, body: &[u8]) -> Result<PatchRecord, ValidationErrors>;
    fn patch_value(&self, value: &Value) -> Result<PatchRecord, ValidationErrors>;
}

/// One table: its description and its shapers. Get one from [`crate::registry::table`].
pub struct TableDef {
    pub schema: &'static str,
    pub name: &'static str,
    /// The columns' unique key of the primary key.
    pub primary_key: &'static [&'static str],
    /// Unique constraints other than the primary key, each a list of columns (upsert targets).
    pub unique: &'static [&'static [&'static str]],
    /// Cross-column rules mirrored from CHECK constraints.
    pub rules: &'static [Rule],
    /// The names of the table's CHECK constraints over several columns, as the database has
    /// them: each is one of [`TableDef::rules`] (a core test holds the two together).
    pub checks: &'static [&'static str],
    /// The table's foreign keys as the database names them, each with its columns.
    pub foreign_keys: &'static [(&'static str, &'static [&'static str])],
    /// Unique indexes that are no constraint (partial ones, such as one active conversation
    /// per user): not upsert targets, but a violation names them.
    pub unique_indexes: &'static [(&'static str, &'static [&'static str])],
    pub(crate) doc: &'static str,
    pub(crate) columns: &'static [Column],
    pub(crate) inputs: &'static [Column],
    pub(crate) ops: &'static dyn TableOps,
}

impl fmt::Debug for TableDef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TableDef")
            .field("schema", &self.schema)
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl TableDef {
    /// `schema.table`.
    pub fn qualified_name(&self) -> String {
        format!("{}.{}", self.schema, self.name)
    }

    /// The table's doc comment, on one line.
    pub fn description(&self) -> String {
        self.doc
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Every column of the table, the read-only ones included.
    pub fn columns(&self) -> &'static [Column] {
        self.columns
    }

    /// Fields accepted on input that are not columns (`thread_id` of universal_embeddings).
    pub fn inputs(&self) -> &'static [Column] {
        self.inputs
    }

    pub fn column(&self, name: &str) -> Option<&'static Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// Whether `name` is a column of the table: the whitelist for PostgREST filters, `select`,
    /// `order` and `on_conflict`. Input-only fields are not columns.
    pub fn has_column(&self, name: &str) -> bool {
        self.column(name).is_some()
    }

    /// The column sets an upsert may name as its conflict target: the primary key, then each
    /// unique key.
    pub fn upsert_keys(&self) -> impl Iterator<Item = &'static [&'static str]> {
        std::iter::once(self.primary_key).chain(self.unique.iter().copied())
    }

    /// The key (primary or unique) whose columns are exactly `columns`, compared as sets, in the
    /// key's own column order; `None` when no key has exactly those columns. One rule for the
    /// record API's `on_conflict` and the signed ingest's.
    ///
    /// ```
    /// let cards = rowgate_core::registry::table("walker_os", "daily_scorecard").unwrap();
    /// assert_eq!(cards.conflict_key(&["scorecard_date", "user_id"]), Some(&["user_id", "scorecard_date"][..]));
    /// assert_eq!(cards.conflict_key(&["scorecard_date"]), None);
    /// ```
    pub fn conflict_key(&self, columns: &[&str]) -> Option<&'static [&'static str]> {
        self.upsert_keys().find(|key| {
            columns.iter().all(|c| key.contains(c)) && key.iter().all(|c| columns.contains(c))
        })
    }

    /// Every accepted conflict target, its columns comma-joined (`user_id,scorecard_date`), for
    /// the error that lists them.
    pub fn conflict_keys(&self) -> Vec<String> {
        self.upsert_keys().map(|k| k.join(",")).collect()
    }

    /// Refuses records that carry no field at all, for writes through `write_records` (an upsert,
    /// a signed ingest), which cannot tell such a record's columns and refuses it. A table whose
    /// every column has a default takes `{}` as a plain insert, so shaping lets it through; this
    /// is the write's own rule. Code [`code::EMPTY`] on the body (field `""`), with the index in
    /// a batch.
    ///
    /// ```
    /// let onboarding = rowgate_core::registry::table("companion", "onboarding").unwrap();
    /// let batch = onboarding.shape_insert_many(br#"[{"current_step": "goals"}, {}]"#).unwrap();
    /// let errors = onboarding.check_records_carry_fields(&batch).unwrap_err();
    /// assert_eq!((errors.as_slice()[0].code, errors.as_slice()[0].index), ("empty", Some(1)));
    /// ```
    pub fn check_records_carry_fields(
        &self,
        records: &[InsertRecord],
    ) -> Result<(), ValidationErrors> {
        let mut errs = ValidationErrors::new();
        for (index, record) in records.iter().enumerate() {
            let carries = self
                .columns()
                .iter()
                .any(|c| !matches!(record.field_json(c.name), FieldJson::Absent));
            if !carries {
                let e = FieldError::new(
                    "",
                    code::EMPTY,
                    "an upsert or an ingested record must carry at least one field",
                );
                errs.push(if records.len() > 1 {
                    e.at_index(index)
                } else {
                    e
                });
            }
        }
        errs.into_result(())
    }

    /// Refuses an upsert batch in which two records have the same values for the conflict key
    /// `key`: PostgreSQL would refuse the whole statement ("cannot affect row a second time").
    /// Each later duplicate gets an error on every column of the key, code
    /// [`code::DUPLICATE`], with its `index`. A record with a key
    /// column null, or left out when the column's default differs from row to row, matches no
    /// other: the database cannot match it either. A key column left out whose default is the
    /// same for the whole statement (`auth.uid()`, `CURRENT_DATE`, a constant) takes that
    /// default in every record that leaves it out, so those records are compared on it.
    ///
    /// ```
    /// let leads = rowgate_core::registry::table("dyniq", "leads").unwrap();
    /// let batch = leads.shape_insert_many(br#"[{"email": "a@b.co"}, {"email": "c@d.co"}, {"email": " A@B.CO "}]"#).unwrap();
    /// let errors = leads.check_distinct_keys(&batch, &["email"]).unwrap_err();
    /// let e = &errors.as_slice()[0];
    /// assert_eq!((e.field.as_ref(), e.code, e.index), ("email", "duplicate", Some(2)));
    /// ```
    pub fn check_distinct_keys(
        &self,
        records: &[InsertRecord],
        key: &[&str],
    ) -> Result<(), ValidationErrors> {
        if key.is_empty() || records.len() < 2 {
            return Ok(());
        }
        let shared_default = |column: &str| {
            self.column(column).is_some_and(|c| match c.default {
                ColumnDefault::Constant(_) => true,
                ColumnDefault::Server(expr) => STATEMENT_STABLE_DEFAULTS.contains(&expr),
                ColumnDefault::None | ColumnDefault::Generated => false,
            })
        };
        let mut seen: std::collections::HashMap<Vec<String>, usize> =
            std::collections::HashMap::with_capacity(records.len());
        let mut errs = ValidationErrors::new();
        'records: for (index, record) in records.iter().enumerate() {
            let mut values = Vec::with_capacity(key.len());
            for column in key {
                match record.field_json(column) {
                    FieldJson::Value(text) => values.push(text),
                    // Not JSON text, so it equals no value: the default, the same for all.
                    FieldJson::Absent if shared_default(column) => values.push("\0default".into()),
                    FieldJson::Absent | FieldJson::Null => continue 'records,
                }
            }
            match seen.entry(values) {
                std::collections::hash_map::Entry::Vacant(slot) => {
                    slot.insert(index);
                }
                std::collections::hash_map::Entry::Occupied(first) => {
                    let first = *first.get();
                    for column in key {
                        let name: std::borrow::Cow<'static, str> = match self.column(column) {
                            Some(c) => c.name.into(),
                            None => column.to_string().into(),
                        };
                        let message = format!(
                            "{name} repeats the key ({}) of record {first}: an upsert may carry each key once",
                            key.join(", ")
                        );
                        errs.push(FieldError::new(name, code::DUPLICATE, message).at_index(index));
                    }
                }
            }
        }
        errs.into_result(())
    }

    /// Shapes one record for an insert from a JSON body.
    ///
    /// ```
    /// let leads = rowgate_core::registry::table("dyniq", "leads").unwrap();
    /// let lead = leads.shape_insert(br#"{"email": " Ada@Example.com ", "tier": "hot"}"#).unwrap();
    /// assert_eq!(serde_json::to_string(&lead).unwrap(), r#"{"email":"ada@example.com","tier":"HOT"}"#);
    /// ```
    pub fn shape_insert(&self, body: &[u8]) -> Result<InsertRecord, ValidationErrors> {
        self.ops.insert(body)
    }

    /// [`TableDef::shape_insert`] from an already-parsed value.
    pub fn shape_insert_value(&self, value: &Value) -> Result<InsertRecord, ValidationErrors> {
        self.ops.insert_value(value)
    }

    /// Shapes a JSON array of records; each error carries the `index` of its record.
    ///
    /// ```
    /// let leads = rowgate_core::registry::table("dyniq", "leads").unwrap();
    /// let errors = leads.shape_insert_many(br#"[{"email": "a@b.co"}, {"email": "nope"}]"#).unwrap_err();
    /// assert_eq!((errors.as_slice()[0].index, errors.as_slice()[0].code), (Some(1), "format"));
    /// ```
    pub fn shape_insert_many(&self, body: &[u8]) -> Result<Vec<InsertRecord>, ValidationErrors> {
        self.ops.insert_many(body)
    }

    pub fn shape_insert_many_value(
        &self,
        value: &Value,
    ) -> Result<Vec<InsertRecord>, ValidationErrors> {
        self.ops.insert_many_value(value)
    }

    /// Shapes a partial update: only the fields present, none required, set-once and read-only
    /// fields refused, at least one field.
    ///
    /// ```
    /// let leads = rowgate_core::registry::table("dyniq", "leads").unwrap();
    /// let patch = leads.shape_patch(br#"{"status": "Active", "name": ""}"#).unwrap();
    /// assert_eq!(serde_json::to_string(&patch).unwrap(), r#"{"name":null,"status":"active"}"#);
    /// ```
    pub fn shape_patch(&self, body: &[u8]) -> Result<PatchRecord, ValidationErrors> {
        self.ops.patch(body)
    }

    pub fn shape_patch_value(&self, value: &Value) -> Result<PatchRecord, ValidationErrors> {
        self.ops.patch_value(value)
    }

    /// The JSON Schema of a record as written in `mode`: an object with the writable fields (and
    /// the read-only ones marked `readOnly`), `required` as an insert needs, nothing else allowed.
    pub fn json_schema(&self, mode: Mode) -> Value {
        let mut properties = Map::new();
        for c in self.columns.iter().chain(self.inputs) {
            properties.insert(c.name.into(), c.json_schema());
        }
        let required: Vec<&str> = match mode {
            Mode::Insert => self
                .columns
                .iter()
                .filter(|c| c.required)
                .map(|c| c.name)
                .collect(),
            Mode::Patch => Vec::new(),
        };
        let mut schema = json!({
            "type": "object",
            "additionalProperties": false,
            "properties": properties,
        });
        if !required.is_empty() {
            schema["required"] = json!(required);
        }
        if mode == Mode::Patch {
            schema["minProperties"] = json!(1);
        }
        let description = self.description();
        if !description.is_empty() {
            schema["description"] = json!(description);
        }
        schema
    }

    /// The JSON Schema of a stored row: every column (not the input-only fields), all present,
    /// none read-only or defaulted.
    pub fn row_json_schema(&self) -> Value {
        let mut properties = Map::new();
        let mut required = Vec::new();
        for c in self.columns.iter().filter(|c| !c.input_only) {
            let mut s = c.json_schema();
            if let Some(o) = s.as_object_mut() {
                o.remove("readOnly");
                o.remove("default");
            }
            properties.insert(c.name.into(), s);
            required.push(c.name);
        }
        json!({"type": "object", "properties": properties, "required": required, "description": self.description()})
    }
}

// ------------------------------------------------------------------------------------------------
// The table declaration
// ------------------------------------------------------------------------------------------------

/// Declares a table from its two halves: the hand-written one (record names, cross-field rules,
/// derived fields, input aliases) that a table's file passes to the `table!` macro of its
/// generated half (`<table>.gen.rs`, written by `cargo run -p rowgate-xtask -- gen` from the
/// migrated database), which appends the columns and calls this. Column groups:
///
/// - `set_once`: optional on insert (the default applies), refused in a patch (`id`, `user_id`,
///   `created_at`: the API role may insert them but not update them).
/// - `required`: must be given on insert (unless `derived` from other fields), may be patched,
///   never null.
/// - `defaulted`: NOT NULL with a default: optional on insert, may be patched, never null.
/// - `nullable`: optional, may be null.
/// - `readonly`: refused on insert and in a patch (`updated_at`, generated columns).
/// - `inputs` (hand-written): accepted but not columns; the rules consume them.
macro_rules! define_table {
    (
        insert: $Insert:ident,
        patch: $Patch:ident,
        rules: [$($rule:expr),* $(,)?],
        shape_rules: $rules_fn:path,
        derived: { $($dcol:ident : [$($dsrc:ident),+ $(,)?]),* $(,)? },
        inputs {
            $( $(#[doc = $idoc:literal])* $i:ident : $ity:ty = $ikind:expr ; )*
        }
        $(#[doc = $tdoc:literal])*
        table $schema:literal . $table:literal {
            primary_key: [$($pk:literal),* $(,)?],
            unique: [$([$($uk:literal),+ $(,)?]),* $(,)?],
            checks: [$($check:literal),* $(,)?],
            foreign_keys: [$(($fk:literal, [$($fkcol:literal),+ $(,)?])),* $(,)?],
            unique_indexes: [$(($ui:literal, [$($uicol:literal),+ $(,)?])),* $(,)?],
        }
        set_once {
            $( $(#[doc = $sdoc:literal])* $s:ident : $sty:ty = $skind:expr, default = $sdef:expr $(, domain = $sdom:literal)? ; )*
        }
        required {
            $( $(#[doc = $rdoc:literal])* $r:ident : $rty:ty = $rkind:expr $(, domain = $rdom:literal)? ; )*
        }
        defaulted {
            $( $(#[doc = $ddoc:literal])* $d:ident : $dty:ty = $dkind:expr, default = $ddef:expr $(, domain = $ddom:literal)? ; )*
        }
        nullable {
            $( $(#[doc = $ndoc:literal])* $n:ident : $nty:ty = $nkind:expr $(, domain = $ndom:literal)? ; )*
        }
        readonly {
            $( $(#[doc = $odoc:literal])* $o:ident = $okind:expr, nullable = $onull:literal, default = $odef:expr $(, domain = $odom:literal)? ; )*
        }
    ) => {
        $(#[doc = $tdoc])*
        ///
        #[doc = concat!("A record shaped for an insert into `", $schema, ".", $table, "`: serialises to the JSON body PostgREST takes, absent optional fields left out so their defaults apply.")]
        #[derive(Debug, Clone, PartialEq, ::serde::Serialize)]
        pub struct $Insert {
            $( $(#[doc = $sdoc])* #[serde(skip_serializing_if = "Option::is_none")] pub $s: Option<$sty>, )*
            $( $(#[doc = $rdoc])* pub $r: $rty, )*
            $( $(#[doc = $ddoc])* #[serde(skip_serializing_if = "Option::is_none")] pub $d: Option<$dty>, )*
            $( $(#[doc = $ndoc])* #[serde(skip_serializing_if = "crate::shape::Nullable::is_absent")] pub $n: $crate::shape::Nullable<$nty>, )*
        }

        #[doc = concat!("A partial update of `", $schema, ".", $table, "`: only the fields present are changed, and `null` clears a nullable field.")]
        #[derive(Debug, Clone, Default, PartialEq, ::serde::Serialize)]
        pub struct $Patch {
            $( $(#[doc = $rdoc])* #[serde(skip_serializing_if = "Option::is_none")] pub $r: Option<$rty>, )*
            $( $(#[doc = $ddoc])* #[serde(skip_serializing_if = "Option::is_none")] pub $d: Option<$dty>, )*
            $( $(#[doc = $ndoc])* #[serde(skip_serializing_if = "crate::shape::Nullable::is_absent")] pub $n: $crate::shape::Nullable<$nty>, )*
        }

        /// The insert record of this table.
        pub type Insert = $Insert;
        /// The patch record of this table.
        pub type Patch = $Patch;

        /// A record being shaped.
        #[derive(Default)]
        #[allow(dead_code)]
        struct Draft {
            $( $s: $crate::table::Slot<$sty>, )*
            $( $r: $crate::table::Slot<$rty>, )*
            $( $d: $crate::table::Slot<$dty>, )*
            $( $n: $crate::table::Slot<$nty>, )*
            $( $i: $crate::table::Slot<$ity>, )*
        }

        /// Every name the body may use, read-only ones included.
        #[allow(non_camel_case_types)]
        #[derive(Clone, Copy)]
        enum Field {
            $($s,)* $($r,)* $($d,)* $($n,)* $($i,)* $($o,)*
        }

        /// The fields computed from others when not given (the hand-written `derived`).
        const DERIVED: &[(&str, &[&str])] = &[$((stringify!($dcol), &[$(stringify!($dsrc)),+])),*];
        // Every name in `derived` is a field of the table.
        #[allow(dead_code)]
        const _: &[Field] = &[$(Field::$dcol, $(Field::$dsrc,)+)*];

        const FIELDS: &[(&str, Field)] = &[
            $((stringify!($s), Field::$s),)*
            $((stringify!($r), Field::$r),)*
            $((stringify!($d), Field::$d),)*
            $((stringify!($n), Field::$n),)*
            $((stringify!($i), Field::$i),)*
            $((stringify!($o), Field::$o),)*
        ];

        struct Def;

        impl $crate::table::TableShape for Def {
            type Draft = Draft;
            type Insert = $Insert;
            type Patch = $Patch;

            fn read<'de, A: ::serde::de::MapAccess<'de>>(
                draft: &mut Draft,
                key: &str,
                map: &mut A,
                mode: $crate::table::Mode,
                errs: &mut $crate::error::ValidationErrors,
            ) -> Result<(), A::Error> {
                use $crate::table::{read_field, refuse, Mode};
                match $crate::table::lookup(FIELDS, key) {
                    $( Some(Field::$s) => match mode {
                        Mode::Insert => read_field(map, &mut draft.$s, &$skind, stringify!($s), errs),
                        Mode::Patch => refuse(map, stringify!($s), $crate::table::SET_ONCE, errs),
                    }, )*
                    $( Some(Field::$r) => read_field(map, &mut draft.$r, &$rkind, stringify!($r), errs), )*
                    $( Some(Field::$d) => read_field(map, &mut draft.$d, &$dkind, stringify!($d), errs), )*
                    $( Some(Field::$n) => read_field(map, &mut draft.$n, &$nkind, stringify!($n), errs), )*
                    $( Some(Field::$i) => read_field(map, &mut draft.$i, &$ikind, stringify!($i), errs), )*
                    $( Some(Field::$o) => refuse(map, stringify!($o), $crate::table::readonly_reason($odef), errs), )*
                    None => $crate::table::unknown(map, key, errs),
                }
            }

            fn rules(draft: &mut Draft, mode: $crate::table::Mode, errs: &mut $crate::error::ValidationErrors) {
                $rules_fn(draft, mode, errs)
            }

            fn finish_insert(draft: Draft, errs: &mut $crate::error::ValidationErrors) -> Option<$Insert> {
                $( let $s = $crate::table::optional(draft.$s, stringify!($s), errs); )*
                $( let $r = $crate::table::required(draft.$r, stringify!($r), errs); )*
                $( let $d = $crate::table::optional(draft.$d, stringify!($d), errs); )*
                $( let $n = $crate::table::nullable(draft.$n); )*
                #[allow(irrefutable_let_patterns)]
                let ($(Some($r),)*) = ($($r,)*) else {
                    return None;
                };
                Some($Insert { $($s,)* $($r,)* $($d,)* $($n,)* })
            }

            fn finish_patch(draft: Draft, errs: &mut $crate::error::ValidationErrors) -> Option<$Patch> {
                Some($Patch {
                    $( $r: $crate::table::optional(draft.$r, stringify!($r), errs), )*
                    $( $d: $crate::table::optional(draft.$d, stringify!($d), errs), )*
                    $( $n: $crate::table::nullable(draft.$n), )*
                })
            }

            fn patch_is_empty(patch: &$Patch) -> bool {
                patch.is_empty()
            }
        }

        impl $Insert {
            /// Shapes a JSON body (one object) into this record, or every field error at once.
            pub fn shape(body: &[u8]) -> Result<Self, $crate::error::ValidationErrors> {
                $crate::table::insert_from_slice::<Def>(body)
            }
            /// Shapes an already-parsed JSON value.
            pub fn shape_value(value: &::serde_json::Value) -> Result<Self, $crate::error::ValidationErrors> {
                $crate::table::insert_from_value::<Def>(value)
            }
            /// Shapes a JSON array of records; errors carry the record's `index`.
            pub fn shape_many(body: &[u8]) -> Result<Vec<Self>, $crate::error::ValidationErrors> {
                $crate::table::many_from_slice::<Def>(body)
            }
            /// Shapes an already-parsed JSON array of records.
            pub fn shape_many_value(value: &::serde_json::Value) -> Result<Vec<Self>, $crate::error::ValidationErrors> {
                $crate::table::many_from_value::<Def>(value)
            }
            /// The table's description.
            pub fn table() -> &'static $crate::table::TableDef {
                &TABLE
            }
            /// The column `name` of this record as JSON text; `Absent` for a column the record
            /// leaves out or the table lacks.
            pub fn field_json(&self, name: &str) -> $crate::table::FieldJson {
                use $crate::table::FieldJson;
                $( if name == stringify!($s) { return FieldJson::of_option(&self.$s); } )*
                $( if name == stringify!($r) { return FieldJson::of(&self.$r); } )*
                $( if name == stringify!($d) { return FieldJson::of_option(&self.$d); } )*
                $( if name == stringify!($n) { return FieldJson::of_nullable(&self.$n); } )*
                let _ = name;
                FieldJson::Absent
            }
        }

        impl $Patch {
            /// Shapes a JSON body (one object) into a patch, or every field error at once.
            pub fn shape(body: &[u8]) -> Result<Self, $crate::error::ValidationErrors> {
                $crate::table::patch_from_slice::<Def>(body)
            }
            /// Shapes an already-parsed JSON value into a patch.
            pub fn shape_value(value: &::serde_json::Value) -> Result<Self, $crate::error::ValidationErrors> {
                $crate::table::patch_from_value::<Def>(value)
            }
            /// Whether the patch changes nothing.
            pub fn is_empty(&self) -> bool {
                true $( && self.$r.is_none() )* $( && self.$d.is_none() )* $( && self.$n.is_absent() )*
            }
        }

        /// Deserialising is shaping: the error's text lists the field errors.
        impl<'de> ::serde::Deserialize<'de> for $Insert {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                $crate::table::deserialize_insert::<Def, D>(d)
            }
        }

        /// Deserialising is shaping: the error's text lists the field errors.
        impl<'de> ::serde::Deserialize<'de> for $Patch {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                $crate::table::deserialize_patch::<Def, D>(d)
            }
        }

        struct Ops;

        impl $crate::table::TableOps for Ops {
            fn insert(&self, body: &[u8]) -> Result<$crate::registry::InsertRecord, $crate::error::ValidationErrors> {
                $Insert::shape(body).map(Into::into)
            }
            fn insert_value(&self, value: &::serde_json::Value) -> Result<$crate::registry::InsertRecord, $crate::error::ValidationErrors> {
                $Insert::shape_value(value).map(Into::into)
            }
            fn insert_many(&self, body: &[u8]) -> Result<Vec<$crate::registry::InsertRecord>, $crate::error::ValidationErrors> {
                $Insert::shape_many(body).map(|v| v.into_iter().map(Into::into).collect())
            }
            fn insert_many_value(&self, value: &::serde_json::Value) -> Result<Vec<$crate::registry::InsertRecord>, $crate::error::ValidationErrors> {
                $Insert::shape_many_value(value).map(|v| v.into_iter().map(Into::into).collect())
            }
            fn patch(&self, body: &[u8]) -> Result<$crate::registry::PatchRecord, $crate::error::ValidationErrors> {
                $Patch::shape(body).map(Into::into)
            }
            fn patch_value(&self, value: &::serde_json::Value) -> Result<$crate::registry::PatchRecord, $crate::error::ValidationErrors> {
                $Patch::shape_value(value).map(Into::into)
            }
        }

        $(#[doc = $tdoc])*
        pub static TABLE: $crate::table::TableDef = $crate::table::TableDef {
            schema: $schema,
            name: $table,
            primary_key: &[$($pk),*],
            unique: &[$(&[$($uk),+]),*],
            rules: &[$($rule),*],
            checks: &[$($check),*],
            foreign_keys: &[$(($fk, &[$($fkcol),+])),*],
            unique_indexes: &[$(($ui, &[$($uicol),+])),*],
            doc: concat!($($tdoc, "\n",)*),
            columns: &[
                $( $crate::table::Column::set_once(stringify!($s), $skind.info(), concat!($($sdoc, "\n",)*), $sdef).in_domain(&[$($sdom)?]), )*
                $( $crate::table::Column::required(stringify!($r), $rkind.info(), concat!($($rdoc, "\n",)*), $crate::table::derived_from(DERIVED, stringify!($r))).in_domain(&[$($rdom)?]), )*
                $( $crate::table::Column::defaulted(stringify!($d), $dkind.info(), concat!($($ddoc, "\n",)*), $ddef, $crate::table::derived_from(DERIVED, stringify!($d))).in_domain(&[$($ddom)?]), )*
                $( $crate::table::Column::nullable(stringify!($n), $nkind.info(), concat!($($ndoc, "\n",)*), $crate::table::derived_from(DERIVED, stringify!($n))).in_domain(&[$($ndom)?]), )*
                $( $crate::table::Column::readonly(stringify!($o), $okind.info(), concat!($($odoc, "\n",)*), $onull, $odef).in_domain(&[$($odom)?]), )*
            ],
            inputs: &[
                $( $crate::table::Column::input(stringify!($i), $ikind.info(), concat!($($idoc, "\n",)*)), )*
            ],
            ops: &Ops,
        };
    };
}
pub(crate) use define_table;

/// The fields `name` is derived from, in a table's `DERIVED` list; none when it is not derived.
pub(crate) const fn derived_from(
    derived: &'static [(&'static str, &'static [&'static str])],
    name: &str,
) -> &'static [&'static str] {
    let mut i = 0;
    while i < derived.len() {
        if const_str_eq(derived[i].0, name) {
            return derived[i].1;
        }
        i += 1;
    }
    &[]
}

const fn const_str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

// ------------------------------------------------------------------------------------------------
// Cross-field rules: the shapes of the database's checks over several columns, for the
// hand-written halves' `shape_rules`. Each refuses only what the database would: on insert an
// absent nullable field is null (and an absent status its default), in a patch an absent field
// is unknown (the stored row decides), so the check is left to the database.
// ------------------------------------------------------------------------------------------------

/// What a slot says of the column after the write: `Some(true)` set, `Some(false)` null, `None`
/// unknown (absent from a patch) or already refused.
pub(crate) fn is_set<T>(slot: &Slot<T>, mode: Mode) -> Option<bool> {
    match slot {
        Slot::Value(_) => Some(true),
        Slot::Null => Some(false),
        Slot::Absent if mode == Mode::Insert => Some(false),
        Slot::Absent | Slot::Failed => None,
    }
}

/// `(a is null) = (b is null)`: both or neither.
pub(crate) fn both_or_neither<A, B>(
    mode: Mode,
    errs: &mut ValidationErrors,
    (a, sa): (&'static str, &Slot<A>),
    (b, sb): (&'static str, &Slot<B>),
) {
    if let (Some(x), Some(y)) = (is_set(sa, mode), is_set(sb, mode)) {
        if x != y {
            let (missing, given) = if x { (b, a) } else { (a, b) };
            errs.push(FieldError::new(
                missing,
                code::REQUIRED,
                format!("{missing} is required with {given}: give both or neither"),
            ));
        }
    }
}

/// The value a status-like field will have: the sent one, or on insert the column's default.
pub(crate) fn will_be<'a, S>(slot: &'a Slot<S>, mode: Mode, default: &'a S) -> Option<&'a S> {
    match slot {
        Slot::Value(v) => Some(v),
        Slot::Absent if mode == Mode::Insert => Some(default),
        _ => None,
    }
}

/// `field` must be set when `status` is one of `when`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn required_when<S: PartialEq, T>(
    mode: Mode,
    errs: &mut ValidationErrors,
    (field, slot): (&'static str, &Slot<T>),
    (status_name, status): (&'static str, &Slot<S>),
    default: &S,
    when: &[S],
    what: &str,
) {
    let Some(s) = will_be(status, mode, default) else {
        return;
    };
    if when.contains(s) && is_set(slot, mode) == Some(false) {
        errs.push(FieldError::new(
            field,
            code::REQUIRED,
            format!("{field} is required when {status_name} is {what}"),
        ));
    }
}

/// At least one of `fields` set (checked on insert, and in a patch that clears them all).
pub(crate) fn one_of(
    mode: Mode,
    errs: &mut ValidationErrors,
    fields: &[(&'static str, Option<bool>)],
) {
    let all_null = fields.iter().all(|(_, set)| *set == Some(false));
    if all_null && (mode == Mode::Insert || !fields.is_empty()) {
        let names: Vec<&str> = fields.iter().map(|(n, _)| *n).collect();
        errs.push(FieldError::new(
            names[0],
            code::REQUIRED,
            format!("one of {} is required", names.join(", ")),
        ));
    }
}

/// A table without cross-field rules.
pub(crate) fn no_rules<D>(_draft: &mut D, _mode: Mode, _errs: &mut ValidationErrors) {}

/// What the hand-written half of a table needs in scope.
pub(crate) mod prelude {
    pub(crate) use super::{both_or_neither, is_set, no_rules, one_of, required_when, will_be};
    pub(crate) use super::{Mode, Rule, Slot};
    pub(crate) use crate::error::{code, FieldError, ValidationErrors};
    pub(crate) use crate::shape::{self, Decimal};
}

#[cfg(test)]
mod tests {
    use crate::dyniq::leads::{Lead, LeadPatch};
    use crate::error::{code, MAX_ERRORS};
    use serde_json::json;

    fn codes(errors: &crate::error::ValidationErrors) -> Vec<(&str, &'static str, Option<usize>)> {
        errors
            .iter()
            .map(|e| (e.field.as_ref(), e.code, e.index))
            .collect()
    }

    #[test]
    fn every_unknown_field_is_reported_not_only_the_first() {
        let errors =
            Lead::shape(br#"{"email": "a@b.co", "a": 1, "b": {"nested": [1]}, "c": null}"#)
                .unwrap_err();
        assert_eq!(
            codes(&errors),
            [
                ("a", code::UNKNOWN_FIELD, None),
                ("b", code::UNKNOWN_FIELD, None),
                ("c", code::UNKNOWN_FIELD, None)
            ]
        );
    }

    #[test]
    fn a_field_given_twice_is_refused() {
        let errors = Lead::shape(br#"{"email": "a@b.co", "email": "c@d.co"}"#).unwrap_err();
        assert_eq!(codes(&errors), [("email", code::DUPLICATE_FIELD, None)]);
    }

    #[test]
    fn an_escaped_field_name_is_still_recognised() {
        let lead = Lead::shape(br#"{"em\u0061il": "a@b.co"}"#).unwrap();
        assert_eq!(lead.email.as_str(), "a@b.co");
    }

    #[test]
    fn a_body_that_is_not_json_is_one_body_error() {
        let errors = Lead::shape(br#"{"email": "a@b.co""#).unwrap_err();
        assert_eq!(codes(&errors), [("", code::JSON, None)]);
        assert!(errors.is_body_error());
        let errors = Lead::shape(br#"{"email": "a@b.co"} trailing"#).unwrap_err();
        assert_eq!(codes(&errors), [("", code::JSON, None)]);
    }

    #[test]
    fn a_body_that_is_not_an_object_is_a_type_error_on_the_body() {
        for body in [&b"[]"[..], b"3", b"\"x\"", b"null", b"true"] {
            let errors = Lead::shape(body).unwrap_err();
            assert_eq!(codes(&errors), [("", code::TYPE, None)]);
        }
    }

    #[test]
    fn a_bulk_insert_reports_each_error_with_its_record_index() {
        let errors = Lead::shape_many(
            br#"[{"email": "a@b.co"}, {"email": "x"}, 7, {"email": "c@d.co", "tier": "?"}]"#,
        )
        .unwrap_err();
        assert_eq!(
            codes(&errors),
            [
                ("email", code::FORMAT, Some(1)),
                ("", code::TYPE, Some(2)),
                ("tier", code::ENUM, Some(3))
            ]
        );
        let leads = Lead::shape_many(br#"[{"email": "a@b.co"}, {"email": "C@D.CO"}]"#).unwrap();
        assert_eq!(leads[1].email.as_str(), "c@d.co");
        assert_eq!(
            codes(&Lead::shape_many(br#"{"email": "a@b.co"}"#).unwrap_err()),
            [("", code::TYPE, None)]
        );
    }

    #[test]
    fn an_empty_array_is_an_error_on_the_body_not_an_empty_insert() {
        let errors = Lead::shape_many(b" [ ] ").unwrap_err();
        assert_eq!(codes(&errors), [("", code::EMPTY, None)]);
        assert_eq!(errors.as_slice()[0].message, "at least one record");
        assert!(!errors.is_malformed());
        let errors = Lead::shape_many_value(&json!([])).unwrap_err();
        assert_eq!(codes(&errors), [("", code::EMPTY, None)]);
        let leads = Lead::table();
        assert!(leads.shape_insert_many(b"[]").is_err());
        assert!(leads.shape_insert_many_value(&json!([])).is_err());
    }

    fn distinct(
        schema: &str,
        table: &str,
        body: &str,
        key: &[&str],
    ) -> Vec<(String, &'static str, Option<usize>)> {
        let t = crate::registry::table(schema, table).unwrap();
        let records = t.shape_insert_many(body.as_bytes()).unwrap();
        match t.check_distinct_keys(&records, key) {
            Ok(()) => Vec::new(),
            Err(errors) => errors
                .iter()
                .map(|e| (e.field.to_string(), e.code, e.index))
                .collect(),
        }
    }

    #[test]
    fn an_upsert_batch_repeating_a_key_names_each_later_duplicate() {
        let body = r#"[{"email": "a@b.co"}, {"email": "b@b.co"}, {"email": " A@B.co", "tier": "hot"}, {"email": "a@b.co"}]"#;
        assert_eq!(
            distinct("dyniq", "leads", body, &["email"]),
            [
                ("email".to_string(), code::DUPLICATE, Some(2)),
                ("email".to_string(), code::DUPLICATE, Some(3))
            ]
        );
        assert_eq!(
            distinct(
                "dyniq",
                "leads",
                r#"[{"email": "a@b.co"}, {"email": "b@b.co"}]"#,
                &["email"]
            ),
            []
        );
    }

    #[test]
    fn a_repeated_composite_key_names_every_column_of_it() {
        let u = "8c6f1f2e-3b9a-4c1d-9f5e-2a7b6c0d1e3f";
        let body = format!(
            r#"[{{"user_id": "{u}", "scorecard_date": "2026-01-01"}}, {{"user_id": "{u}", "scorecard_date": "2026-01-02"}}, {{"user_id": "{}", "scorecard_date": "2026-01-01", "fajr": true}}]"#,
            u.to_uppercase()
        );
        assert_eq!(
            distinct(
                "walker_os",
                "daily_scorecard",
                &body,
                &["user_id", "scorecard_date"]
            ),
            [
                ("user_id".to_string(), code::DUPLICATE, Some(2)),
                ("scorecard_date".to_string(), code::DUPLICATE, Some(2))
            ]
        );
    }

    #[test]
    fn records_lacking_a_key_value_match_no_other() {
        // A null key matches nothing in a unique index; a submission_id left out is null.
        let body = r#"[{"email": "a@b.co", "total_score": 5}, {"email": "a@b.co", "total_score": 5}, {"email": "a@b.co", "total_score": 5, "submission_id": null}]"#;
        assert_eq!(
            distinct("dyniq", "quiz_responses", body, &["submission_id"]),
            []
        );
        // An id left out is gen_random_uuid(): a new one per row.
        assert_eq!(
            distinct(
                "dyniq",
                "leads",
                r#"[{"email": "a@b.co"}, {"email": "c@b.co"}]"#,
                &["id"]
            ),
            []
        );
    }

    #[test]
    fn key_columns_left_to_a_per_statement_default_share_it() {
        // Both rows get the caller's id (auth.uid()) and today's date (CURRENT_DATE).
        let body = r#"[{"fajr": true}, {"mind": true}]"#;
        assert_eq!(
            distinct(
                "walker_os",
                "daily_scorecard",
                body,
                &["user_id", "scorecard_date"]
            )
            .len(),
            2
        );
        let body = r#"[{"scorecard_date": "2026-01-01"}, {"scorecard_date": "2026-01-02"}]"#;
        assert_eq!(
            distinct(
                "walker_os",
                "daily_scorecard",
                body,
                &["user_id", "scorecard_date"]
            ),
            []
        );
    }

    #[test]
    fn a_conflict_target_is_a_primary_or_unique_key_as_a_set() {
        let leads = Lead::table();
        assert_eq!(leads.conflict_key(&["email"]), Some(&["email"][..]));
        assert_eq!(leads.conflict_key(&["id"]), Some(&["id"][..]));
        assert_eq!(
            leads.conflict_key(&["email", "email"]),
            Some(&["email"][..])
        );
        assert_eq!(leads.conflict_key(&["tier"]), None);
        assert_eq!(leads.conflict_key(&["id", "email"]), None);
        assert_eq!(leads.conflict_key(&[]), None);
        assert_eq!(leads.conflict_keys(), ["id", "email"]);
    }

    #[test]
    fn shaping_from_a_value_matches_shaping_from_bytes() {
        let body = json!({"email": " A@B.CO ", "pain_points": ["x", " y "], "lead_score": 3});
        let from_value = Lead::shape_value(&body).unwrap();
        assert_eq!(
            from_value,
            Lead::shape(body.to_string().as_bytes()).unwrap()
        );
        let bad = json!({"email": 3, "x": 1});
        assert_eq!(
            Lead::shape_value(&bad).unwrap_err(),
            Lead::shape(bad.to_string().as_bytes()).unwrap_err()
        );
    }

    #[test]
    fn errors_stop_at_the_limit_and_the_record_still_fails() {
        let mut body = String::from("[");
        for i in 0..MAX_ERRORS + 10 {
            body.push_str(&format!(r#"{{"email": "a@b.co", "x{i}": 1}},"#));
        }
        body.push_str(r#"{"email": "a@b.co", "late": 1}]"#);
        let errors = Lead::shape_many(body.as_bytes()).unwrap_err();
        assert_eq!(errors.len(), MAX_ERRORS);
        assert_eq!(
            errors.as_slice().last().unwrap().code,
            code::TOO_MANY_ERRORS
        );
    }

    #[test]
    fn deserialising_a_record_is_shaping_it() {
        let lead: Lead = serde_json::from_str(r#"{"email": " A@B.CO "}"#).unwrap();
        assert_eq!(lead.email.as_str(), "a@b.co");
        let err = serde_json::from_str::<Lead>(r#"{"email": "nope"}"#).unwrap_err();
        assert!(
            err.to_string().contains("email is not an email address"),
            "{err}"
        );
        let patch: LeadPatch = serde_json::from_str(r#"{"tier": "cold"}"#).unwrap();
        assert!(!patch.is_empty());
    }

    #[test]
    fn a_very_long_unknown_field_name_is_cut_in_the_error() {
        let name = "z".repeat(500);
        let errors =
            Lead::shape(format!(r#"{{"email": "a@b.co", "{name}": 1}}"#).as_bytes()).unwrap_err();
        assert_eq!(errors.as_slice()[0].field.chars().count(), 65);
    }

    #[test]
    fn has_column_is_the_filter_whitelist() {
        let t = Lead::table();
        assert!(t.has_column("email") && t.has_column("updated_at"));
        assert!(!t.has_column("Email") && !t.has_column("email,name") && !t.has_column(""));
        let e = crate::dyniq::universal_embeddings::UniversalEmbedding::table();
        assert!(
            !e.has_column("thread_id"),
            "input-only fields are not columns"
        );
    }
}
