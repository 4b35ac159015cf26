//! Turns a constraint violation that PostgREST reports (`code`, `message`) into the field(s) it
//! concerns by looking the constraint's name up in a table built from the registry, never by
//! reading columns or values out of the database's text: with row-level security PostgreSQL
//! leaves the key out of a unique violation's detail, and the detail may carry other rows'
//! values. The one thing read from the message is the quoted constraint name (for a not-null
//! violation, the quoted column and relation).
//!
//! The lookup holds, for every registered table, the names PostgreSQL gives (by default, or as
//! rowgate's migrations spell out) to:
//!
//! | constraint | name | fields |
//! |---|---|---|
//! | primary key | `<table>_pkey` | the key's columns |
//! | unique key | `<table>_<c1>_<c2>_key` | the key's columns |
//! | foreign key | `<table>_<column>_fkey` | the column |
//! | check on one column | `<table>_<column>_{check,range,format,length,object}` | the column |
//! | rule over several columns | [`Rule::constraint`](crate::table::Rule) | [`Rule::columns`](crate::table::Rule) |
//!
//! A name longer than 63 bytes is known both as PostgreSQL cuts an explicit name and as it
//! shortens a generated one. A name the lookup does not know gives `None`: the core and the
//! database disagree, a server fault to log, not a client error.
//!
//! ```
//! use rowgate_core::postgrest::violation;
//! use rowgate_core::registry;
//!
//! let cards = registry::table("walker_os", "daily_scorecard").unwrap();
//! let v = violation::parse(
//!     cards,
//!     "23505",
//!     r#"duplicate key value violates unique constraint "daily_scorecard_user_id_scorecard_date_key""#,
//! )
//! .unwrap();
//! assert_eq!(v.fields, ["user_id", "scorecard_date"]);
//! assert_eq!(v.message(), "A record with this user_id and scorecard_date already exists.");
//! ```

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::registry;
use crate::table::TableDef;

/// What kind of rule the database enforced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ViolationKind {
    Unique,
    ForeignKey,
    Check,
    NotNull,
}

impl ViolationKind {
    /// The stable machine code used in field errors.
    pub fn code(self) -> &'static str {
        match self {
            ViolationKind::Unique => "unique",
            ViolationKind::ForeignKey => "foreign_key",
            ViolationKind::Check => "check",
            ViolationKind::NotNull => "not_null",
        }
    }
}

/// A constraint of a registered table, as the lookup knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Constraint {
    pub kind: ConstraintKind,
    /// The columns it concerns: a key's in key order, a rule's as the rule lists them.
    pub columns: Vec<&'static str>,
    /// For a rule over several columns, what it requires (client-safe).
    pub description: Option<&'static str>,
}

/// The kinds of constraint the lookup holds, as `pg_constraint.contype` has them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConstraintKind {
    /// `p`.
    PrimaryKey,
    /// `u`.
    Unique,
    /// `f`.
    ForeignKey,
    /// `c`.
    Check,
}

impl ConstraintKind {
    /// `pg_constraint.contype`.
    pub fn contype(self) -> char {
        match self {
            ConstraintKind::PrimaryKey => 'p',
            ConstraintKind::Unique => 'u',
            ConstraintKind::ForeignKey => 'f',
            ConstraintKind::Check => 'c',
        }
    }

    fn violation(self) -> ViolationKind {
        match self {
            ConstraintKind::PrimaryKey | ConstraintKind::Unique => ViolationKind::Unique,
            ConstraintKind::ForeignKey => ViolationKind::ForeignKey,
            ConstraintKind::Check => ViolationKind::Check,
        }
    }
}

/// A violation, named by its field(s).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub kind: ViolationKind,
    /// The columns the constraint concerns: every column of a composite key.
    pub fields: Vec<&'static str>,
    /// The constraint's name (none for a not-null violation).
    pub constraint: Option<String>,
    /// What the rule requires, for a rule over several columns (client-safe).
    pub description: Option<&'static str>,
}

impl Violation {
    /// A client-safe sentence naming the field(s), never a value.
    pub fn message(&self) -> String {
        let fields = self.fields.join(" and ");
        match self.kind {
            ViolationKind::Unique => format!("A record with this {fields} already exists."),
            ViolationKind::ForeignKey => {
                format!("{fields} does not refer to an existing record.")
            }
            ViolationKind::Check => match (self.description, &self.constraint) {
                (Some(rule), _) => format!("{fields} break the rule: {rule}."),
                (None, Some(name)) => format!("{fields} breaks the rule {name}."),
                (None, None) => format!("{fields} breaks a rule of this table."),
            },
            ViolationKind::NotNull => format!("{fields} is required."),
        }
    }
}

/// PostgreSQL's longest identifier, in bytes (NAMEDATALEN - 1).
const MAX_IDENTIFIER: usize = 63;

/// Suffixes of the checks on one column, after `<table>_<column>_`.
const CHECK_SUFFIXES: [&str; 6] = ["check", "range", "format", "length", "object", "array"];

/// The longest prefix of `s` of at most `max` bytes that ends on a character boundary.
fn clip(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// The name PostgreSQL generates from `name1`, `name2` and `label` (`makeObjectName`): when the
/// whole is too long, the longer of the two names is shortened first.
fn object_name(name1: &str, name2: Option<&str>, label: &str) -> String {
    let overhead = label.len() + 1 + usize::from(name2.is_some());
    let avail = MAX_IDENTIFIER.saturating_sub(overhead);
    let (mut n1, mut n2) = (name1.len(), name2.map_or(0, str::len));
    while n1 + n2 > avail {
        if n1 > n2 {
            n1 -= 1;
        } else {
            n2 -= 1;
        }
    }
    let mut out = clip(name1, n1).to_string();
    if let Some(name2) = name2 {
        out.push('_');
        out.push_str(clip(name2, n2));
    }
    out.push('_');
    out.push_str(label);
    out
}

/// Both names PostgreSQL may give a constraint: the explicit `<name1>_<name2>_<label>` cut at 63
/// bytes (as an explicit name too long is), and the generated one.
fn names(name1: &str, name2: Option<&str>, label: &str) -> [String; 2] {
    let full = match name2 {
        Some(n2) => format!("{name1}_{n2}_{label}"),
        None => format!("{name1}_{label}"),
    };
    [
        clip(&full, MAX_IDENTIFIER).to_string(),
        object_name(name1, name2, label),
    ]
}

type Lookup = HashMap<(&'static str, &'static str), HashMap<String, Constraint>>;

fn build() -> Lookup {
    let mut lookup = Lookup::new();
    for t in registry::all() {
        let mut known: HashMap<String, Constraint> = HashMap::new();
        let mut add = |names: [String; 2], kind, columns: &[&'static str], description| {
            for name in names {
                known.insert(
                    name,
                    Constraint {
                        kind,
                        columns: columns.to_vec(),
                        description,
                    },
                );
            }
        };
        for c in t.columns() {
            add(
                names(t.name, Some(c.name), "fkey"),
                ConstraintKind::ForeignKey,
                &[c.name],
                None,
            );
            for suffix in CHECK_SUFFIXES {
                add(
                    names(t.name, Some(c.name), suffix),
                    ConstraintKind::Check,
                    &[c.name],
                    None,
                );
            }
        }
        for key in t.unique {
            add(
                names(t.name, Some(&key.join("_")), "key"),
                ConstraintKind::Unique,
                key,
                None,
            );
        }
        add(
            names(t.name, None, "pkey"),
            ConstraintKind::PrimaryKey,
            t.primary_key,
            None,
        );
        // The foreign keys by the names the database gives them (a key over two columns has no
        // conventional name).
        for (name, columns) in t.foreign_keys {
            add(
                [name.to_string(), clip(name, MAX_IDENTIFIER).to_string()],
                ConstraintKind::ForeignKey,
                columns,
                None,
            );
        }
        for (name, columns) in t.unique_indexes {
            add(
                [name.to_string(), clip(name, MAX_IDENTIFIER).to_string()],
                ConstraintKind::Unique,
                columns,
                None,
            );
        }
        // Rules last: a rule's own name wins over a name the conventions would also give.
        for rule in t.rules {
            add(
                [
                    rule.constraint.to_string(),
                    clip(rule.constraint, MAX_IDENTIFIER).to_string(),
                ],
                ConstraintKind::Check,
                rule.columns,
                Some(rule.description),
            );
        }
        lookup.insert((t.schema, t.name), known);
    }
    lookup
}

fn lookup() -> &'static Lookup {
    static LOOKUP: OnceLock<Lookup> = OnceLock::new();
    LOOKUP.get_or_init(build)
}

/// The constraint `name` of the table `def`, if the lookup knows it.
pub fn constraint(def: &TableDef, name: &str) -> Option<&'static Constraint> {
    lookup().get(&(def.schema, def.name))?.get(name)
}

/// The text between the double quotes that follow `after` in `text`.
fn quoted<'t>(text: &'t str, after: &str) -> Option<&'t str> {
    let start = text.find(after)? + after.len();
    let rest = text[start..].strip_prefix('"')?;
    Some(&rest[..rest.find('"')?])
}

/// The domain a domain CHECK's message names (`value for domain rowgate.email violates ...`).
fn domain_of(message: &str) -> Option<&str> {
    let rest = message.strip_prefix("value for domain ")?;
    Some(&rest[..rest.find(' ')?])
}

/// The table whose rows still refer to a row a delete (or a key update) would remove: PostgreSQL
/// words it `update or delete on table "a" violates foreign key constraint "…" on table "b"`,
/// a constraint of the other table.
///
/// ```
/// use rowgate_core::postgrest::violation::still_referenced_by;
/// let m = r#"update or delete on table "agent_instances" violates foreign key constraint "agent_actions_log_agent_instance_id_fkey" on table "agent_actions_log""#;
/// assert_eq!(still_referenced_by("23503", m), Some("agent_actions_log"));
/// assert_eq!(still_referenced_by("23505", m), None);
/// ```
pub fn still_referenced_by<'m>(code: &str, message: &'m str) -> Option<&'m str> {
    if code != "23503" || !message.starts_with("update or delete on table ") {
        return None;
    }
    let at = message.rfind(" on table ")? + " on table ".len();
    let rest = message[at..].strip_prefix('"')?;
    Some(&rest[..rest.find('"')?])
}

/// Reads a PostgREST error for the table `def`. `None` when it is not a constraint violation,
/// or names a constraint (or column) of another table or one the lookup does not know.
pub fn parse(def: &TableDef, code: &str, message: &str) -> Option<Violation> {
    let kind = match code {
        "23505" => ViolationKind::Unique,
        "23503" => ViolationKind::ForeignKey,
        "23514" => ViolationKind::Check,
        "23502" => ViolationKind::NotNull,
        _ => return None,
    };
    if kind == ViolationKind::NotNull {
        // null value in column "email" of relation "leads" violates not-null constraint
        if quoted(message, "relation ")? != def.name {
            return None;
        }
        let column = def.column(quoted(message, "column ")?)?;
        return Some(Violation {
            kind,
            fields: vec![column.name],
            constraint: None,
            description: None,
        });
    }
    let name = quoted(message, "constraint ")?;
    // value for domain rowgate.email violates check constraint "email_format": the fields are
    // the table's columns of that domain.
    if let Some(domain) = domain_of(message) {
        let fields: Vec<&'static str> = def
            .columns()
            .iter()
            .filter(|c| c.domain == Some(domain))
            .map(|c| c.name)
            .collect();
        if kind != ViolationKind::Check || fields.is_empty() {
            return None;
        }
        return Some(Violation {
            kind,
            fields,
            constraint: Some(name.to_string()),
            description: None,
        });
    }
    let c = constraint(def, name)?;
    if c.kind.violation() != kind {
        return None;
    }
    Some(Violation {
        kind,
        fields: c.columns.clone(),
        constraint: Some(name.to_string()),
        description: c.description,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(schema: &str, name: &str) -> &'static TableDef {
        registry::table(schema, name).unwrap()
    }

    #[test]
    fn a_partial_unique_index_names_its_columns() {
        let v = parse(
            table("yachtparty", "conversations"),
            "23505",
            r#"duplicate key value violates unique constraint "conversations_one_active_per_user""#,
        )
        .unwrap();
        assert_eq!(
            (v.kind, v.fields.as_slice()),
            (ViolationKind::Unique, &["user_id"][..])
        );
    }

    #[test]
    fn a_domain_violation_names_the_columns_of_that_domain() {
        let v = parse(
            table("dyniq", "leads"),
            "23514",
            r#"value for domain rowgate.email violates check constraint "email_format""#,
        )
        .unwrap();
        assert_eq!(
            (v.kind, v.fields.as_slice(), v.constraint.as_deref()),
            (ViolationKind::Check, &["email"][..], Some("email_format"))
        );
        let v = parse(
            table("dyniq", "quiz_responses"),
            "23514",
            r#"value for domain dyniq.tier violates check constraint "tier_check""#,
        )
        .unwrap();
        assert_eq!(v.fields, ["tier"]);
        // A domain the table has no column of is not this table's.
        assert!(parse(
            table("walker_os", "path_a"),
            "23514",
            r#"value for domain rowgate.email violates check constraint "email_format""#,
        )
        .is_none());
    }

    #[test]
    fn a_unique_violation_names_the_key_columns_without_their_values() {
        let v = parse(
            table("dyniq", "leads"),
            "23505",
            r#"duplicate key value violates unique constraint "leads_email_key""#,
        )
        .unwrap();
        assert_eq!(
            (v.kind, v.fields.as_slice()),
            (ViolationKind::Unique, &["email"][..])
        );
        assert_eq!(v.message(), "A record with this email already exists.");
    }

    #[test]
    fn a_composite_unique_key_names_each_of_its_columns_though_rls_hides_the_detail() {
        let v = parse(
            table("walker_os", "daily_scorecard"),
            "23505",
            r#"duplicate key value violates unique constraint "daily_scorecard_user_id_scorecard_date_key""#,
        )
        .unwrap();
        assert_eq!(v.fields, ["user_id", "scorecard_date"]);
        let v = parse(
            table("dyniq", "content_metrics"),
            "23505",
            r#"duplicate key value violates unique constraint "content_metrics_post_id_metric_date_key""#,
        )
        .unwrap();
        assert_eq!(v.fields, ["post_id", "metric_date"]);
    }

    #[test]
    fn a_primary_key_violation_names_the_key() {
        let v = parse(
            table("dyniq", "leads"),
            "23505",
            r#"duplicate key value violates unique constraint "leads_pkey""#,
        )
        .unwrap();
        assert_eq!(v.fields, ["id"]);
    }

    #[test]
    fn a_foreign_key_violation_names_the_referencing_column() {
        let v = parse(
            table("dyniq", "quiz_responses"),
            "23503",
            r#"insert or update on table "quiz_responses" violates foreign key constraint "quiz_responses_email_fkey""#,
        )
        .unwrap();
        assert_eq!(
            (v.kind, v.fields.as_slice()),
            (ViolationKind::ForeignKey, &["email"][..])
        );
    }

    #[test]
    fn a_check_violation_is_mapped_to_its_column_through_the_lookup() {
        let v = parse(
            table("dyniq", "leads"),
            "23514",
            r#"new row for relation "leads" violates check constraint "leads_lead_score_range""#,
        )
        .unwrap();
        assert_eq!(v.fields, ["lead_score"]);
        assert_eq!(v.constraint.as_deref(), Some("leads_lead_score_range"));
        assert_eq!(
            v.message(),
            "lead_score breaks the rule leads_lead_score_range."
        );
    }

    #[test]
    fn a_rule_over_several_columns_names_them_all() {
        let v = parse(
            table("walker_os", "profit_first_buckets"),
            "23514",
            r#"new row for relation "profit_first_buckets" violates check constraint "profit_first_buckets_pcts_sum_to_100""#,
        )
        .unwrap();
        assert_eq!(v.fields.len(), 6);
        assert!(v
            .message()
            .ends_with("break the rule: the six percentages add up to 100."));
        let v = parse(
            table("walker_os", "timeblock_sessions"),
            "23514",
            r#"new row for relation "timeblock_sessions" violates check constraint "timeblock_sessions_ended_after_started""#,
        )
        .unwrap();
        assert_eq!(v.fields, ["started_at", "ended_at"]);
    }

    #[test]
    fn an_unknown_constraint_is_not_a_client_error() {
        let leads = table("dyniq", "leads");
        for message in [
            r#"new row for relation "leads" violates check constraint "leads_mystery""#,
            r#"duplicate key value violates unique constraint "leads_name_key""#,
            // Another table's constraint, or a kind that does not match the code.
            r#"duplicate key value violates unique constraint "quiz_responses_submission_id_key""#,
            r#"violates check constraint "leads_email_key""#,
            "no name at all",
        ] {
            let code = if message.contains("check") {
                "23514"
            } else {
                "23505"
            };
            assert_eq!(parse(leads, code, message), None, "{message}");
        }
    }

    #[test]
    fn the_message_text_around_the_name_is_never_read() {
        // Only the quoted name counts: the same name in any sentence gives the same fields.
        let v = parse(
            table("dyniq", "leads"),
            "23505",
            r#"whatever "x" constraint "leads_email_key" (y)=(z)"#,
        )
        .unwrap();
        assert_eq!(v.fields, ["email"]);
    }

    #[test]
    fn a_not_null_violation_names_the_column_of_its_own_table() {
        let leads = table("dyniq", "leads");
        let v = parse(
            leads,
            "23502",
            r#"null value in column "email" of relation "leads" violates not-null constraint"#,
        )
        .unwrap();
        assert_eq!(
            (v.kind, v.fields.as_slice()),
            (ViolationKind::NotNull, &["email"][..])
        );
        assert_eq!(
            parse(
                leads,
                "23502",
                r#"null value in column "email" of relation "quiz_responses" violates not-null constraint"#
            ),
            None
        );
        assert_eq!(
            parse(
                leads,
                "23502",
                r#"null value in column "nope" of relation "leads" violates not-null constraint"#
            ),
            None
        );
    }

    #[test]
    fn other_errors_are_not_violations() {
        assert_eq!(
            parse(
                table("dyniq", "leads"),
                "42501",
                "permission denied for table leads"
            ),
            None
        );
    }

    #[test]
    fn long_names_are_known_as_postgres_shortens_them() {
        let table = "a_table_name_that_is_rather_long_indeed";
        let columns = "first_long_column_name_second_long_column_name";
        let [cut, generated] = names(table, Some(columns), "key");
        assert_eq!(cut.len(), 63);
        assert!(format!("{table}_{columns}_key").starts_with(&cut));
        // makeObjectName: the longer part loses bytes first, until both fit.
        assert_eq!(generated.len(), 63);
        assert_eq!(
            generated,
            "a_table_name_that_is_rather_l_first_long_column_name_second_key"
        );
        assert_eq!(
            names("t", Some("c"), "fkey"),
            ["t_c_fkey".to_string(), "t_c_fkey".to_string()]
        );
        assert_eq!(clip("ééé", 3), "é");
    }

    #[test]
    fn no_two_constraints_of_a_table_share_a_name() {
        for t in registry::all() {
            let mut seen: HashMap<String, (ConstraintKind, Vec<&str>)> = HashMap::new();
            let mut check = |name: String, kind, columns: Vec<&'static str>| {
                if let Some(prev) = seen.insert(name.clone(), (kind, columns.clone())) {
                    assert_eq!(prev, (kind, columns), "{}: {name}", t.name);
                }
            };
            for key in t.unique {
                for n in names(t.name, Some(&key.join("_")), "key") {
                    check(n, ConstraintKind::Unique, key.to_vec());
                }
            }
            for c in t.columns() {
                for n in names(t.name, Some(c.name), "fkey") {
                    check(n, ConstraintKind::ForeignKey, vec![c.name]);
                }
                for s in CHECK_SUFFIXES {
                    for n in names(t.name, Some(c.name), s) {
                        check(n, ConstraintKind::Check, vec![c.name]);
                    }
                }
            }
            for n in names(t.name, None, "pkey") {
                check(n, ConstraintKind::PrimaryKey, t.primary_key.to_vec());
            }
        }
    }
}
