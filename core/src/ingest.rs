//! The signed ingest's body (`POST /webhooks/{schema}/ingest`): which table, one record or a
//! batch, and optional upsert columns. Records go through the table's insert shape, exactly as
//! the record API's do, and the batch is refused whole if any record is bad.
//!
//! ```
//! let batch = rowgate_core::ingest::parse(
//!     "dyniq",
//!     br#"{"table": "leads", "records": [{"email": " Ada@Example.com "}], "on_conflict": "email"}"#,
//! )
//! .unwrap();
//! assert_eq!(batch.table, "leads");
//! assert_eq!(batch.records, serde_json::json!([{"email": "ada@example.com"}]));
//! assert_eq!(batch.on_conflict, Some(vec!["email".to_string()]));
//! ```

use serde_json::{Map, Value};

use crate::error::{code, FieldError, ValidationErrors};
use crate::registry;

/// A shaped batch, ready for `<schema>.ingest`.
#[derive(Debug, Clone, PartialEq)]
pub struct Batch {
    pub table: &'static str,
    /// A JSON array of shaped records.
    pub records: Value,
    pub on_conflict: Option<Vec<String>>,
}

/// At most this many records in one delivery; larger batches are split by the sender.
pub const MAX_RECORDS: usize = 1000;

fn err(field: &'static str, code: &'static str, message: impl Into<String>) -> ValidationErrors {
    ValidationErrors::from(FieldError::new(field, code, message.into()))
}

fn on_conflict(
    value: Option<&Value>,
    is_column: impl Fn(&str) -> bool,
) -> Result<Option<Vec<String>>, FieldError> {
    let cols: Vec<String> = match value {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::String(s)) => s.split(',').map(|c| c.trim().to_string()).collect(),
        Some(Value::Array(a)) => a
            .iter()
            .map(|c| c.as_str().unwrap_or_default().trim().to_string())
            .collect(),
        Some(_) => {
            return Err(FieldError::new(
                "on_conflict",
                code::TYPE,
                "on_conflict must be a list of column names",
            ))
        }
    };
    match cols.iter().find(|c| !is_column(c)) {
        Some(bad) => Err(FieldError::new(
            "on_conflict",
            code::ENUM,
            format!("on_conflict names `{bad}`, which is not a column"),
        )),
        None if cols.is_empty() => Ok(None),
        None => Ok(Some(cols)),
    }
}

/// Reads and shapes an ingest body for `schema`. Envelope errors name the envelope's field
/// (`table`, `records`, `on_conflict`); record errors name the record's field and its `index`.
pub fn parse(schema: &str, body: &[u8]) -> Result<Batch, ValidationErrors> {
    let envelope: Map<String, Value> = match serde_json::from_slice(body) {
        Ok(Value::Object(m)) => m,
        Ok(_) => {
            return Err(err(
                "",
                code::JSON,
                "the body must be a JSON object with `table` and `records`",
            ))
        }
        Err(_) => return Err(err("", code::JSON, "the body is not valid JSON")),
    };
    let mut errors = ValidationErrors::new();
    for key in envelope.keys() {
        if !matches!(key.as_str(), "table" | "records" | "record" | "on_conflict") {
            errors.push(FieldError::new(
                key.clone(),
                code::UNKNOWN_FIELD,
                format!("{key} is not part of an ingest body"),
            ));
        }
    }
    let def = match envelope.get("table").and_then(Value::as_str) {
        None => {
            errors.push(FieldError::new(
                "table",
                code::REQUIRED,
                "table is required",
            ));
            None
        }
        Some(name) => {
            let def = registry::table(schema, name);
            if def.is_none() {
                let mut e = FieldError::new(
                    "table",
                    code::ENUM,
                    format!("table must be a table of {schema}"),
                );
                e.allowed = registry::tables(schema).map(|t| t.name).collect();
                errors.push(e);
            }
            def
        }
    };
    let records = match (envelope.get("records"), envelope.get("record")) {
        (Some(r @ Value::Array(a)), None) if !a.is_empty() && a.len() <= MAX_RECORDS => {
            Some(r.clone())
        }
        (Some(Value::Array(a)), None) if a.is_empty() => {
            errors.push(FieldError::new(
                "records",
                code::LENGTH,
                "records must hold at least one record",
            ));
            None
        }
        (Some(Value::Array(_)), None) => {
            errors.push(FieldError::new(
                "records",
                code::LENGTH,
                format!("records may hold at most {MAX_RECORDS} records"),
            ));
            None
        }
        (Some(_), None) => {
            errors.push(FieldError::new(
                "records",
                code::TYPE,
                "records must be an array of records",
            ));
            None
        }
        (None, Some(one)) => Some(Value::Array(vec![one.clone()])),
        (Some(_), Some(_)) => {
            errors.push(FieldError::new(
                "record",
                code::UNKNOWN_FIELD,
                "give either record or records, not both",
            ));
            None
        }
        (None, None) => {
            errors.push(FieldError::new(
                "records",
                code::REQUIRED,
                "records (or record) is required",
            ));
            None
        }
    };
    let (Some(def), Some(records)) = (def, records) else {
        return Err(errors);
    };
    let on_conflict = match on_conflict(envelope.get("on_conflict"), |c| def.has_column(c)) {
        Ok(c) => c,
        Err(e) => {
            errors.push(e);
            None
        }
    };
    match def.shape_insert_many_value(&records) {
        Ok(shaped) if errors.is_empty() => Ok(Batch {
            table: def.name,
            records: serde_json::to_value(shaped)
                .map_err(|_| err("", code::JSON, "records could not be serialised"))?,
            on_conflict,
        }),
        Ok(_) => Err(errors),
        Err(record_errors) => {
            for e in record_errors {
                errors.push(e);
            }
            Err(errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_single_record_becomes_a_batch_of_one() {
        let b = parse(
            "dyniq",
            br#"{"table": "content_posts", "record": {"platform": "LinkedIn"}}"#,
        )
        .unwrap();
        assert_eq!(b.records, serde_json::json!([{"platform": "linkedin"}]));
        assert_eq!(b.on_conflict, None);
    }

    #[test]
    fn an_unknown_table_lists_the_tables_of_the_schema() {
        let e = parse("dyniq", br#"{"table": "secrets", "record": {"a": 1}}"#).unwrap_err();
        let table = e.on("table").unwrap();
        assert_eq!(table.code, code::ENUM);
        assert!(table.allowed.contains(&"leads"));
    }

    #[test]
    fn a_bad_record_is_reported_with_its_index_and_the_batch_is_refused() {
        let e = parse("dyniq", br#"{"table": "content_posts", "records": [{"platform": "linkedin"}, {"platform": "myspace"}]}"#)
            .unwrap_err();
        let p = e.on("platform").unwrap();
        assert_eq!((p.index, p.code), (Some(1), code::ENUM));
    }

    #[test]
    fn envelope_errors_are_all_reported_at_once() {
        let e = parse("dyniq", br#"{"records": 5, "extra": true}"#).unwrap_err();
        assert!(e.on("table").is_some() && e.on("records").is_some() && e.on("extra").is_some());
    }

    #[test]
    fn on_conflict_must_name_real_columns() {
        let e = parse(
            "dyniq",
            br#"{"table": "leads", "record": {"email": "a@b.co"}, "on_conflict": ["nope"]}"#,
        )
        .unwrap_err();
        assert!(e.on("on_conflict").is_some());
    }

    #[test]
    fn a_body_that_is_not_json_is_a_body_error() {
        assert!(parse("dyniq", b"{nope").unwrap_err().is_body_error());
    }

    #[test]
    fn an_empty_batch_is_refused() {
        assert_eq!(
            parse("dyniq", br#"{"table": "leads", "records": []}"#)
                .unwrap_err()
                .on("records")
                .unwrap()
                .code,
            code::LENGTH
        );
    }
}
