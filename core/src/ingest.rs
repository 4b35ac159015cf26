//! The signed ingest's body: which table, one record or a batch, and optional upsert columns.
//! Records go through the table's insert shape, exactly as the record API's do, and the batch
//! is refused whole if any record is bad. The upsert columns follow the record API's rule
//! ([`TableDef::conflict_key`]: exactly the primary key or a unique key) and no two records of
//! the batch may have the same key ([`TableDef::check_distinct_keys`]).
//!
//! ```
//! let batch = rowgate_core::ingest::parse(
//!     "dyniq",
//!     br#"{"table": "leads", "records": [{"email": " Ada@Example.com "}], "on_conflict": "email"}"#,
//! )
//! .unwrap();
//! assert_eq!(batch.table, "leads");
//! assert_eq!(
//!     serde_json::to_string(&batch.records).unwrap(),
//!     r#"[{"email":"ada@example.com"}]"#
//! );
//! assert_eq!(batch.on_conflict, Some(vec!["email".to_string()]));
//! ```

use serde_json::{Map, Value};

use crate::error::{code, FieldError, ValidationErrors};
use crate::registry::{self, InsertRecord};
use crate::table::TableDef;

/// A shaped batch, ready for `<schema>.ingest`.
#[derive(Debug, Clone, PartialEq)]
pub struct Batch {
    pub table: &'static str,
    /// The shaped records, at least one.
    pub records: Vec<InsertRecord>,
    /// The conflict key's columns, in the key's order, when the batch is an upsert.
    pub on_conflict: Option<Vec<String>>,
}

/// At most this many records in one delivery; larger batches are split by the sender.
pub const MAX_RECORDS: usize = 1000;

fn err(field: &'static str, code: &'static str, message: impl Into<String>) -> ValidationErrors {
    ValidationErrors::from(FieldError::new(field, code, message.into()))
}

/// The upsert key named by `on_conflict` (a comma-separated string or an array of names): it
/// must be exactly the table's primary key or one of its unique keys.
fn on_conflict(
    value: Option<&Value>,
    def: &TableDef,
) -> Result<Option<&'static [&'static str]>, FieldError> {
    let names: Vec<&str> = match value {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::String(s)) => s.split(',').map(str::trim).collect(),
        Some(Value::Array(a)) if a.iter().all(Value::is_string) => {
            a.iter().filter_map(Value::as_str).map(str::trim).collect()
        }
        Some(_) => {
            return Err(FieldError::new(
                "on_conflict",
                code::TYPE,
                "on_conflict must be a list of column names",
            ))
        }
    };
    def.conflict_key(&names).map(Some).ok_or_else(|| {
        FieldError::new(
            "on_conflict",
            code::ENUM,
            format!(
                "on_conflict must name exactly the columns of the primary key or of a unique key: {}",
                def.conflict_keys().join(" or ")
            ),
        )
    })
}

/// Reads and shapes an ingest body for `schema`. Envelope errors name the envelope's field
/// (`table`, `records`, `on_conflict`); record errors name the record's field and its `index`.
pub fn parse(schema: &str, body: &[u8]) -> Result<Batch, ValidationErrors> {
    let envelope: Map<String, Value> = match serde_json::from_slice(body) {
        Ok(Value::Object(m)) => m,
        Ok(_) => {
            return Err(err(
                "",
                code::TYPE,
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
                code::EMPTY,
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
    let key = match on_conflict(envelope.get("on_conflict"), def) {
        Ok(key) => key,
        Err(e) => {
            errors.push(e);
            None
        }
    };
    let shaped = match def.shape_insert_many_value(&records) {
        Ok(shaped) => shaped,
        Err(record_errors) => {
            for e in record_errors {
                errors.push(e);
            }
            return Err(errors);
        }
    };
    // Every ingested record goes through write_records, which needs a field to write.
    if let Err(empty) = def.check_records_carry_fields(&shaped) {
        for e in empty {
            errors.push(e);
        }
    }
    if let Some(key) = key {
        if let Err(duplicates) = def.check_distinct_keys(&shaped, key) {
            for e in duplicates {
                errors.push(e);
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Batch {
        table: def.name,
        records: shaped,
        on_conflict: key.map(|k| k.iter().map(|c| c.to_string()).collect()),
    })
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
        assert_eq!(
            serde_json::to_string(&b.records).unwrap(),
            r#"[{"platform":"linkedin"}]"#
        );
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
    fn on_conflict_must_be_the_primary_key_or_a_unique_key() {
        for bad in [
            r#""tier""#,
            r#""email,tier""#,
            r#"["name"]"#,
            r#""""#,
            r#"[1]"#,
        ] {
            let body = format!(
                r#"{{"table": "leads", "record": {{"email": "a@b.co"}}, "on_conflict": {bad}}}"#
            );
            let e = parse("dyniq", body.as_bytes()).unwrap_err();
            let on = e.on("on_conflict").unwrap_or_else(|| panic!("{bad}: {e}"));
            assert!(on.code == code::ENUM || on.code == code::TYPE, "{bad}");
        }
        let e = parse(
            "dyniq",
            br#"{"table": "leads", "record": {"email": "a@b.co"}, "on_conflict": "tier"}"#,
        )
        .unwrap_err();
        assert!(e.on("on_conflict").unwrap().message.contains("id or email"));
    }

    #[test]
    fn on_conflict_is_given_back_in_the_key_order() {
        let b = parse(
            "walker_os",
            br#"{"table": "daily_scorecard", "record": {"scorecard_date": "2026-01-01"}, "on_conflict": " scorecard_date , user_id"}"#,
        )
        .unwrap();
        assert_eq!(
            b.on_conflict,
            Some(vec!["user_id".to_string(), "scorecard_date".to_string()])
        );
    }

    #[test]
    fn an_upsert_batch_repeating_its_key_is_refused_with_the_index() {
        let e = parse(
            "dyniq",
            br#"{"table": "leads", "records": [{"email": "a@b.co"}, {"email": "A@B.CO", "tier": "hot"}], "on_conflict": "email"}"#,
        )
        .unwrap_err();
        let d = e.on("email").unwrap();
        assert_eq!((d.code, d.index), (code::DUPLICATE, Some(1)));
        // Without on_conflict it is an insert: the database's unique key answers.
        assert!(parse(
            "dyniq",
            br#"{"table": "leads", "records": [{"email": "a@b.co"}, {"email": "a@b.co"}]}"#,
        )
        .is_ok());
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
            code::EMPTY
        );
    }
}
