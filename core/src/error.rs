//! Field errors: what shaping reports when a record is refused, every failing field at once,
//! each with a stable machine code. [`ValidationErrors`] serialises to the JSON that the functions
//! layer puts in its validation problem body.

use std::borrow::Cow;
use std::fmt;

use serde::Serialize;

/// The stable machine codes of [`FieldError::code`]. Clients may branch on these; the messages
/// are for people and may change.
pub mod code {
    /// A field the insert must carry is missing.
    pub const REQUIRED: &str = "required";
    /// `null` (or a string that is empty once trimmed) for a field that cannot be null.
    pub const NOT_NULL: &str = "not_null";
    /// The JSON type is wrong (a number where a string belongs, an object where an array does).
    pub const TYPE: &str = "type";
    /// Not one of the allowed values; [`FieldError::allowed`](super::FieldError::allowed) lists them.
    pub const ENUM: &str = "enum";
    /// The value's text is malformed: an email, phone number, URL, date, timestamp, UUID, thread
    /// id, a number with too many decimals, or a string holding a NUL character.
    pub const FORMAT: &str = "format";
    /// A number outside its allowed range.
    pub const RANGE: &str = "range";
    /// Too long or too short: a string's characters, an embedding's dimensions.
    pub const LENGTH: &str = "length";
    /// The table has no such field.
    pub const UNKNOWN_FIELD: &str = "unknown_field";
    /// The same field appears twice in one JSON object.
    pub const DUPLICATE_FIELD: &str = "duplicate_field";
    /// The server maintains this field (`updated_at`, generated columns), or a patch tries to
    /// change a field fixed at insert (`id`, `user_id`, `created_at`).
    pub const READONLY: &str = "readonly";
    /// A derived field was sent with a value that disagrees with the fields it derives from.
    pub const DERIVED_MISMATCH: &str = "derived_mismatch";
    /// Two fields are in the wrong order (`ended_at` not after `started_at`).
    pub const ORDER: &str = "order";
    /// Percentages that must add up to 100 do not.
    pub const SUM: &str = "sum";
    /// A patch that changes nothing, or an array of records that holds none (field `""`: the
    /// body as a whole).
    pub const EMPTY: &str = "empty";
    /// Two records of one upsert have the same conflict key: each later one is reported, with
    /// its `index`, on every column of the key.
    pub const DUPLICATE: &str = "duplicate";
    /// The body is not JSON, or not the JSON value expected (field `""`).
    pub const JSON: &str = "json";
    /// Reporting stopped after [`MAX_ERRORS`](super::MAX_ERRORS) errors.
    pub const TOO_MANY_ERRORS: &str = "too_many_errors";

    /// Every code shaping can produce, for documentation and tests.
    pub const ALL: [&str; 17] = [
        REQUIRED,
        NOT_NULL,
        TYPE,
        ENUM,
        FORMAT,
        RANGE,
        LENGTH,
        UNKNOWN_FIELD,
        DUPLICATE_FIELD,
        READONLY,
        DERIVED_MISMATCH,
        ORDER,
        SUM,
        EMPTY,
        DUPLICATE,
        JSON,
        TOO_MANY_ERRORS,
    ];
}

/// At most this many errors are kept for one body (a bulk insert included), so a hostile body of
/// a million unknown fields costs a bounded amount of memory. The last one is then
/// [`code::TOO_MANY_ERRORS`].
pub const MAX_ERRORS: usize = 1000;

/// One failing field.
///
/// ```
/// use rowgate_core::error::FieldError;
///
/// let e = FieldError::new("email", "format", "email is not an email address");
/// assert_eq!(
///     serde_json::to_value(&e).unwrap(),
///     serde_json::json!({"field": "email", "code": "format", "message": "email is not an email address"})
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// The field's name as the client sent it; `""` for the body as a whole.
    pub field: Cow<'static, str>,
    /// A stable machine code, one of [`code`] (or a database code such as `unique` that the
    /// functions layer adds).
    pub code: &'static str,
    /// A sentence for people. It never repeats the value that was sent.
    pub message: Cow<'static, str>,
    /// For [`code::ENUM`], the allowed values in their canonical case.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub allowed: Vec<&'static str>,
    /// For a bulk insert, the position of the record in the array.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index: Option<usize>,
}

impl FieldError {
    pub fn new(
        field: impl Into<Cow<'static, str>>,
        code: &'static str,
        message: impl Into<Cow<'static, str>>,
    ) -> Self {
        FieldError {
            field: field.into(),
            code,
            message: message.into(),
            allowed: Vec::new(),
            index: None,
        }
    }

    /// The same error, for the record at `index` of a bulk insert.
    pub fn at_index(mut self, index: usize) -> Self {
        self.index = Some(index);
        self
    }

    /// Whether the error concerns the body as a whole rather than one of its fields (field
    /// `""`): not JSON ([`code::JSON`]), not the object or array expected ([`code::TYPE`]), an
    /// empty array or patch ([`code::EMPTY`]).
    pub fn is_body_error(&self) -> bool {
        self.field.is_empty()
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(i) = self.index {
            write!(f, "[{i}] ")?;
        }
        write!(f, "{} ({})", self.message, self.code)
    }
}

/// Every field error of one body, in the order they were found. Never empty when returned as an
/// `Err` by shaping.
///
/// It serialises as `{"errors": [...]}`:
///
/// ```
/// use rowgate_core::error::{FieldError, ValidationErrors};
///
/// let errors = ValidationErrors::from(vec![FieldError::new("tier", "required", "tier is required")]);
/// assert_eq!(
///     serde_json::to_string(&errors).unwrap(),
///     r#"{"errors":[{"field":"tier","code":"required","message":"tier is required"}]}"#
/// );
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ValidationErrors {
    errors: Vec<FieldError>,
    /// How many errors were pushed, kept or not: a record failed if this grew while shaping it.
    #[serde(skip)]
    pushed: usize,
}

impl ValidationErrors {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds an error, unless [`MAX_ERRORS`] are already kept; the error that reaches the limit is
    /// replaced by one [`code::TOO_MANY_ERRORS`].
    pub fn push(&mut self, error: FieldError) {
        self.pushed += 1;
        match self.errors.len() {
            n if n + 1 < MAX_ERRORS => self.errors.push(error),
            n if n + 1 == MAX_ERRORS => self.errors.push(FieldError::new(
                "",
                code::TOO_MANY_ERRORS,
                format!("Only the first {} errors are reported.", MAX_ERRORS - 1),
            )),
            _ => {}
        }
    }

    pub fn len(&self) -> usize {
        self.errors.len()
    }

    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    pub fn as_slice(&self) -> &[FieldError] {
        &self.errors
    }

    pub fn iter(&self) -> std::slice::Iter<'_, FieldError> {
        self.errors.iter()
    }

    pub fn into_vec(self) -> Vec<FieldError> {
        self.errors
    }

    /// Whether the body itself was refused (not JSON, not an object / array, or empty), see
    /// [`FieldError::is_body_error`].
    pub fn is_body_error(&self) -> bool {
        self.errors
            .iter()
            .any(|e| e.is_body_error() && e.code != code::TOO_MANY_ERRORS)
    }

    /// Whether the body is not JSON at all ([`code::JSON`]): a malformed request, where every
    /// other refusal is a validation failure.
    pub fn is_malformed(&self) -> bool {
        self.errors.iter().any(|e| e.code == code::JSON)
    }

    /// The first error on `field`, for tests and for callers that care about one field.
    pub fn on(&self, field: &str) -> Option<&FieldError> {
        self.errors.iter().find(|e| e.field == field)
    }

    /// `Ok(value)` when no error was collected.
    pub fn into_result<T>(self, value: T) -> Result<T, ValidationErrors> {
        if self.errors.is_empty() {
            Ok(value)
        } else {
            Err(self)
        }
    }

    /// Errors pushed so far, including those dropped beyond [`MAX_ERRORS`].
    pub(crate) fn pushed(&self) -> usize {
        self.pushed
    }

    pub(crate) fn set_index(&mut self, from: usize, index: usize) {
        for e in &mut self.errors[from..] {
            if e.code != code::TOO_MANY_ERRORS {
                e.index = Some(index);
            }
        }
    }
}

impl From<Vec<FieldError>> for ValidationErrors {
    fn from(errors: Vec<FieldError>) -> Self {
        ValidationErrors {
            pushed: errors.len(),
            errors,
        }
    }
}

impl From<FieldError> for ValidationErrors {
    fn from(error: FieldError) -> Self {
        ValidationErrors {
            errors: vec![error],
            pushed: 1,
        }
    }
}

impl IntoIterator for ValidationErrors {
    type Item = FieldError;
    type IntoIter = std::vec::IntoIter<FieldError>;
    fn into_iter(self) -> Self::IntoIter {
        self.errors.into_iter()
    }
}

impl<'a> IntoIterator for &'a ValidationErrors {
    type Item = &'a FieldError;
    type IntoIter = std::slice::Iter<'a, FieldError>;
    fn into_iter(self) -> Self::IntoIter {
        self.errors.iter()
    }
}

impl fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.errors.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ValidationErrors {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_errors_serialise_to_the_problem_body_shape() {
        let mut enum_error =
            FieldError::new("tier", code::ENUM, "tier must be one of HOT, WARM, COLD");
        enum_error.allowed = vec!["HOT", "WARM", "COLD"];
        let errors = ValidationErrors::from(vec![
            enum_error,
            FieldError::new("x", code::UNKNOWN_FIELD, "no x").at_index(3),
        ]);
        assert_eq!(
            serde_json::to_value(&errors).unwrap(),
            serde_json::json!({"errors": [
                {"field": "tier", "code": "enum", "message": "tier must be one of HOT, WARM, COLD", "allowed": ["HOT", "WARM", "COLD"]},
                {"field": "x", "code": "unknown_field", "message": "no x", "index": 3}
            ]})
        );
    }

    #[test]
    fn errors_beyond_the_limit_are_replaced_by_one_too_many_errors() {
        let mut errors = ValidationErrors::new();
        for i in 0..MAX_ERRORS + 50 {
            errors.push(FieldError::new(
                format!("f{i}"),
                code::UNKNOWN_FIELD,
                "unknown",
            ));
        }
        assert_eq!(errors.len(), MAX_ERRORS);
        assert_eq!(
            errors.as_slice().last().unwrap().code,
            code::TOO_MANY_ERRORS
        );
    }

    #[test]
    fn only_a_body_that_is_not_json_is_malformed() {
        let errors = ValidationErrors::from(FieldError::new("", code::JSON, "not JSON"));
        assert!(errors.is_malformed());
        for c in [code::TYPE, code::EMPTY] {
            let errors = ValidationErrors::from(FieldError::new("", c, "no"));
            assert!(errors.is_body_error() && !errors.is_malformed(), "{c}");
        }
    }

    #[test]
    fn a_body_error_is_one_without_a_field() {
        let errors = ValidationErrors::from(FieldError::new("", code::JSON, "not JSON"));
        assert!(errors.is_body_error());
        let errors = ValidationErrors::from(FieldError::new("a", code::TYPE, "a must be a string"));
        assert!(!errors.is_body_error());
    }
}
