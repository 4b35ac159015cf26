//! Turns a constraint violation, as PostgREST reports it (`code`, `message`, `details`), into the
//! field it concerns, so the API can name the field without ever echoing the database's text
//! (which may carry other rows' values).

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

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub kind: ViolationKind,
    /// The column (or columns, comma-separated) the constraint is about.
    pub field: String,
    /// The constraint's name, when the database gave it.
    pub constraint: Option<String>,
}

impl Violation {
    /// A client-safe sentence naming the field, never the offending value.
    pub fn message(&self) -> String {
        match self.kind {
            ViolationKind::Unique => format!("A record with this {} already exists.", self.field),
            ViolationKind::ForeignKey => {
                format!("{} does not refer to an existing record.", self.field)
            }
            ViolationKind::Check => format!("{} breaks the rule {}.", self.field, self.rule()),
            ViolationKind::NotNull => format!("{} is required.", self.field),
        }
    }

    fn rule(&self) -> &str {
        self.constraint.as_deref().unwrap_or("of this table")
    }
}

/// Suffixes rowgate's migrations give constraints, after `<table>_<column>`.
const SUFFIXES: [&str; 7] = [
    "_key", "_fkey", "_check", "_range", "_format", "_length", "_object",
];

fn quoted(text: &str, after: &str) -> Option<String> {
    let start = text.find(after)? + after.len();
    let rest = text[start..].strip_prefix('"')?;
    Some(rest[..rest.find('"')?].to_string())
}

/// `Key (post_id, metric_date)=(...)` -> `post_id, metric_date`.
fn key_columns(details: &str) -> Option<String> {
    let rest = details.strip_prefix("Key (")?;
    Some(rest[..rest.find(")=")?].to_string())
}

/// The column a constraint named `<table>_<column><suffix>` is about; for a rule over several
/// columns (`net_worth_is_assets_minus_liabilities`) the part after the table name.
pub fn field_of_constraint(table: &str, constraint: &str) -> String {
    let rest = constraint
        .strip_prefix(table)
        .and_then(|r| r.strip_prefix('_'))
        .unwrap_or(constraint);
    SUFFIXES
        .iter()
        .find_map(|s| rest.strip_suffix(s))
        .unwrap_or(rest)
        .to_string()
}

/// Reads a PostgREST error; `None` when it is not a constraint violation.
pub fn parse(table: &str, code: &str, message: &str, details: Option<&str>) -> Option<Violation> {
    let kind = match code {
        "23505" => ViolationKind::Unique,
        "23503" => ViolationKind::ForeignKey,
        "23514" => ViolationKind::Check,
        "23502" => ViolationKind::NotNull,
        _ => return None,
    };
    if kind == ViolationKind::NotNull {
        let field = quoted(message, "column ")?;
        return Some(Violation {
            kind,
            field,
            constraint: None,
        });
    }
    let constraint = quoted(message, "constraint ");
    let field = details
        .and_then(key_columns)
        .or_else(|| constraint.as_deref().map(|c| field_of_constraint(table, c)))?;
    Some(Violation {
        kind,
        field,
        constraint,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_unique_violation_names_the_key_columns_without_their_values() {
        let v = parse(
            "leads",
            "23505",
            r#"duplicate key value violates unique constraint "leads_email_key""#,
            Some("Key (email)=(a@example.com) already exists."),
        )
        .unwrap();
        assert_eq!(v.kind, ViolationKind::Unique);
        assert_eq!(v.field, "email");
        assert!(!v.message().contains("a@example.com"));
    }

    #[test]
    fn a_foreign_key_violation_names_the_referencing_column() {
        let v = parse(
            "quiz_responses",
            "23503",
            r#"insert or update on table "quiz_responses" violates foreign key constraint "quiz_responses_email_fkey""#,
            Some(r#"Key (email)=(x@example.com) is not present in table "leads"."#),
        )
        .unwrap();
        assert_eq!(
            (v.kind, v.field.as_str()),
            (ViolationKind::ForeignKey, "email")
        );
    }

    #[test]
    fn a_check_violation_is_mapped_to_its_column_through_the_constraint_name() {
        let v = parse(
            "leads",
            "23514",
            r#"new row for relation "leads" violates check constraint "leads_lead_score_range""#,
            Some("Failing row contains (...)."),
        )
        .unwrap();
        assert_eq!(v.field, "lead_score");
        assert_eq!(v.constraint.as_deref(), Some("leads_lead_score_range"));
    }

    #[test]
    fn a_rule_over_several_columns_keeps_its_name() {
        assert_eq!(
            field_of_constraint(
                "profit_first_buckets",
                "profit_first_buckets_pcts_sum_to_100"
            ),
            "pcts_sum_to_100"
        );
    }

    #[test]
    fn a_not_null_violation_names_the_column() {
        let v = parse(
            "leads",
            "23502",
            r#"null value in column "email" of relation "leads" violates not-null constraint"#,
            None,
        )
        .unwrap();
        assert_eq!(
            (v.kind, v.field.as_str()),
            (ViolationKind::NotNull, "email")
        );
    }

    #[test]
    fn other_errors_are_not_violations() {
        assert_eq!(
            parse("leads", "42501", "permission denied for table leads", None),
            None
        );
    }
}
