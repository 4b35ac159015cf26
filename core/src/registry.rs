//! Every table rowgate shapes, looked up by (schema, table): the functions layer routes by it,
//! the OpenAPI document is generated from it, and the drift test compares it with the database.
//!
//! ```
//! use rowgate_core::registry;
//!
//! let leads = registry::table("dyniq", "leads").expect("a registered table");
//! assert!(leads.has_column("email"));
//! assert!(!leads.has_column("email; drop table leads"));
//!
//! let errors = leads
//!     .shape_insert(br#"{"email": "not an email", "tier": "lukewarm", "colour": "red"}"#)
//!     .unwrap_err();
//! let codes: Vec<_> = errors.iter().map(|e| (e.field.as_ref(), e.code)).collect();
//! assert_eq!(codes, [("email", "format"), ("tier", "enum"), ("colour", "unknown_field")]);
//!
//! assert_eq!(registry::schemas(), ["dyniq", "walker_os", "yachtparty", "companion"]);
//! assert!(registry::tables("walker_os").any(|t| t.name == "daily_scorecard"));
//! ```

use serde::{Serialize, Serializer};

use crate::table::TableDef;

macro_rules! registry {
    ($( $Variant:ident => $($path:ident)::+ ),* $(,)?) => {
        /// A record shaped for an insert, whichever table it belongs to. It serialises to the
        /// record's JSON body.
        #[derive(Debug, Clone, PartialEq)]
        pub enum InsertRecord {
            $( #[doc = stringify!($($path).+)] $Variant(crate::$($path)::+::Insert), )*
        }

        /// A patch, whichever table it belongs to. It serialises to the patch's JSON body.
        #[derive(Debug, Clone, PartialEq)]
        pub enum PatchRecord {
            $( #[doc = stringify!($($path).+)] $Variant(crate::$($path)::+::Patch), )*
        }

        impl Serialize for InsertRecord {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                match self {
                    $( InsertRecord::$Variant(r) => r.serialize(s), )*
                }
            }
        }

        impl Serialize for PatchRecord {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                match self {
                    $( PatchRecord::$Variant(r) => r.serialize(s), )*
                }
            }
        }

        impl InsertRecord {
            /// The table the record belongs to.
            pub fn table(&self) -> &'static TableDef {
                match self {
                    $( InsertRecord::$Variant(_) => &crate::$($path)::+::TABLE, )*
                }
            }
        }

        impl InsertRecord {
            /// The column `name` of the record as JSON text, see [`FieldJson`](crate::table::FieldJson).
            pub fn field_json(&self, name: &str) -> crate::table::FieldJson {
                match self {
                    $( InsertRecord::$Variant(r) => r.field_json(name), )*
                }
            }
        }

        impl PatchRecord {
            /// The table the patch belongs to.
            pub fn table(&self) -> &'static TableDef {
                match self {
                    $( PatchRecord::$Variant(_) => &crate::$($path)::+::TABLE, )*
                }
            }
        }

        $(
            impl From<crate::$($path)::+::Insert> for InsertRecord {
                fn from(r: crate::$($path)::+::Insert) -> Self {
                    InsertRecord::$Variant(r)
                }
            }
            impl From<crate::$($path)::+::Patch> for PatchRecord {
                fn from(r: crate::$($path)::+::Patch) -> Self {
                    PatchRecord::$Variant(r)
                }
            }
        )*

        static TABLES: &[&TableDef] = &[ $( &crate::$($path)::+::TABLE, )* ];
    };
}

// APP_SCHEMAS, FORMAT_DOMAINS and one line per table, grouped by schema: generated from the
// migrated database with the tables themselves (`cargo run -p rowgate-xtask -- gen`).
include!("registry.gen.rs");

/// The table `schema.name`, if rowgate shapes it.
pub fn table(schema: &str, name: &str) -> Option<&'static TableDef> {
    TABLES
        .iter()
        .copied()
        .find(|t| t.schema == schema && t.name == name)
}

/// Every registered table, grouped by schema.
pub fn all() -> &'static [&'static TableDef] {
    TABLES
}

/// The schemas that have registered tables, in registry order.
pub fn schemas() -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    for t in TABLES {
        if !out.contains(&t.schema) {
            out.push(t.schema);
        }
    }
    out
}

/// The registered tables of `schema`.
pub fn tables(schema: &str) -> impl Iterator<Item = &'static TableDef> + '_ {
    TABLES.iter().copied().filter(move |t| t.schema == schema)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::code;
    use crate::shape::{JsonType, SqlType};
    use crate::table::ColumnDefault;

    #[test]
    fn every_table_is_found_by_its_schema_and_name() {
        for t in all() {
            assert!(std::ptr::eq(table(t.schema, t.name).unwrap(), *t));
        }
        assert!(table("dyniq", "nope").is_none());
        assert!(table("public", "leads").is_none());
    }

    #[test]
    fn the_registry_holds_every_generated_schemas_tables() {
        let names = |s| tables(s).map(|t| t.name).collect::<Vec<_>>();
        assert_eq!(names("dyniq").len(), 6);
        assert_eq!(names("walker_os").len(), 9);
        assert_eq!(names("yachtparty").len(), 18);
        assert_eq!(names("companion").len(), 7);
        assert!(schemas().iter().all(|s| APP_SCHEMAS.contains(s)));
    }

    #[test]
    fn every_check_over_several_columns_is_a_rule_of_the_hand_written_half() {
        for t in all() {
            let rules: Vec<&str> = t.rules.iter().map(|r| r.constraint).collect();
            let mut checks = t.checks.to_vec();
            checks.sort_unstable();
            let mut sorted = rules.clone();
            sorted.sort_unstable();
            assert_eq!(
                sorted,
                checks,
                "{}: the rules of the hand-written half against the database's checks over several columns",
                t.qualified_name()
            );
        }
    }

    #[test]
    fn the_format_domains_check_the_cores_patterns() {
        use crate::shape::Format;
        for (format, domain) in [
            (Format::Email, "rowgate.email"),
            (Format::Phone, "rowgate.e164_phone"),
            (Format::Url, "rowgate.http_url"),
            (Format::ThreadId, "rowgate.thread_id"),
            (Format::TwilioMessageSid, "rowgate.twilio_message_sid"),
            (Format::EventType, "rowgate.event_type"),
        ] {
            let pattern = format.db_pattern().unwrap().replace('\'', "''");
            assert!(
                FORMAT_DOMAINS
                    .iter()
                    .any(|(d, check)| *d == domain && check.contains(&pattern)),
                "{domain} does not check {pattern}: {FORMAT_DOMAINS:?}"
            );
            let columns: Vec<_> = all()
                .iter()
                .flat_map(|t| t.columns())
                .filter(|c| c.kind.format == Some(format))
                .collect();
            for c in columns {
                assert_eq!(c.domain, Some(domain), "{}", c.name);
            }
        }
    }

    #[test]
    fn column_names_are_unique_and_keys_name_real_columns() {
        for t in all() {
            let mut names: Vec<_> = t
                .columns()
                .iter()
                .chain(t.inputs())
                .map(|c| c.name)
                .collect();
            names.sort_unstable();
            let before = names.len();
            names.dedup();
            assert_eq!(before, names.len(), "{}", t.qualified_name());
            for key in t.unique.iter().copied().chain([t.primary_key]) {
                assert!(
                    key.iter().all(|c| t.has_column(c)),
                    "{}: {key:?}",
                    t.qualified_name()
                );
            }
            for c in t.columns() {
                for src in c.derived_from {
                    assert!(
                        t.has_column(src) || t.inputs().iter().any(|i| i.name == *src),
                        "{}.{}",
                        t.name,
                        c.name
                    );
                }
            }
            for r in t.rules {
                assert!(code::ALL.contains(&r.code), "{}", r.constraint);
                assert!(r.constraint.starts_with(t.name), "{}", r.constraint);
                assert!(
                    !r.columns.is_empty() && r.columns.iter().all(|c| t.has_column(c)),
                    "{}: {:?}",
                    r.constraint,
                    r.columns
                );
            }
        }
    }

    #[test]
    fn every_constant_default_is_a_value_its_own_column_accepts() {
        for t in all() {
            // A derived column's default is whatever its sources give, and one a client may not
            // write is the database's; the rest must shape alone.
            for c in t
                .columns()
                .iter()
                .filter(|c| c.derived_from.is_empty() && c.updatable)
            {
                if let ColumnDefault::Constant(text) = c.default {
                    let value: serde_json::Value =
                        serde_json::from_str(text).expect("JSON default");
                    let body = serde_json::json!({ c.name: value });
                    let patch = t.shape_patch_value(&body);
                    assert!(
                        patch.is_ok(),
                        "{}.{} default {text}: {patch:?}",
                        t.name,
                        c.name
                    );
                }
            }
        }
    }

    #[test]
    fn descriptions_are_consistent_with_sql_types() {
        for t in all() {
            for c in t.columns() {
                let expected: &[JsonType] = match c.kind.sql {
                    SqlType::Text
                    | SqlType::Varchar(_)
                    | SqlType::Date
                    | SqlType::Time
                    | SqlType::Timestamptz
                    | SqlType::Uuid => &[JsonType::String],
                    SqlType::Integer => &[JsonType::Integer],
                    SqlType::DoublePrecision | SqlType::Numeric { .. } => &[JsonType::Number],
                    SqlType::Boolean => &[JsonType::Boolean],
                    SqlType::TextArray | SqlType::UuidArray | SqlType::Vector(_) => {
                        &[JsonType::Array]
                    }
                    SqlType::Jsonb => &[JsonType::Object, JsonType::Array, JsonType::Any],
                };
                assert!(
                    expected.contains(&c.kind.json_type),
                    "{}.{}",
                    t.name,
                    c.name
                );
                if c.required {
                    assert!(!c.nullable && c.default == ColumnDefault::None && c.insertable);
                }
            }
        }
    }

    #[test]
    fn a_record_knows_its_table() {
        let r = table("walker_os", "path_b")
            .unwrap()
            .shape_insert(br#"{"product": "rowgate"}"#)
            .unwrap();
        assert_eq!(r.table().qualified_name(), "walker_os.path_b");
    }

    #[test]
    fn the_json_schema_of_an_insert_lists_required_fields_and_forbids_others() {
        let s = table("dyniq", "leads")
            .unwrap()
            .json_schema(crate::table::Mode::Insert);
        assert_eq!(s["required"], serde_json::json!(["email"]));
        assert_eq!(s["additionalProperties"], false);
        assert_eq!(s["properties"]["email"]["format"], "email");
        assert_eq!(
            s["properties"]["tier"]["enum"],
            serde_json::json!(["HOT", "WARM", "COLD"])
        );
        assert_eq!(s["properties"]["updated_at"]["readOnly"], true);
    }
}
