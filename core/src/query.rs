//! Which PostgREST query parameters a client may pass through the record API: filters made of a
//! real column and a PostgREST operator, `select` of real columns, `order`, `limit`, `offset`
//! and `on_conflict`. Everything else is refused, so a request can never reach a column or an
//! operator the table does not have.

use thiserror::Error;

/// A parameter the record API refuses, with the parameter's name.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum QueryError {
    #[error("`{param}` is not a column of this table")]
    UnknownColumn { param: String },
    #[error("`{param}`: `{operator}` is not a supported filter operator")]
    UnknownOperator { param: String, operator: String },
    #[error("`{param}` must look like `operator.value`, e.g. `eq.42`")]
    MalformedFilter { param: String },
    #[error("`{param}` must be a whole number between 0 and {max}")]
    OutOfRange { param: String, max: usize },
    #[error("`order` must be column[.asc|.desc][.nullsfirst|.nullslast], comma-separated")]
    MalformedOrder,
    #[error("`{param}` is given more than once")]
    Repeated { param: String },
}

impl QueryError {
    /// The query parameter at fault, for the problem's `errors[].field`.
    pub fn param(&self) -> &str {
        match self {
            QueryError::UnknownColumn { param }
            | QueryError::UnknownOperator { param, .. }
            | QueryError::MalformedFilter { param }
            | QueryError::OutOfRange { param, .. }
            | QueryError::Repeated { param } => param,
            QueryError::MalformedOrder => "order",
        }
    }
}

/// PostgREST's filter operators that take a value.
const OPERATORS: [&str; 18] = [
    "eq", "neq", "gt", "gte", "lt", "lte", "like", "ilike", "match", "imatch", "in", "is", "cs",
    "cd", "ov", "fts", "plfts", "phfts",
];

/// A validated read, update or delete: filters and modifiers ready to append to the URL.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query {
    /// `(column, "operator.value")`, in the order given.
    pub filters: Vec<(String, String)>,
    pub select: Option<String>,
    pub order: Option<String>,
    pub limit: usize,
    pub offset: usize,
    /// Whether the client asked for `count=exact`.
    pub count: bool,
    /// `on_conflict` columns for an upsert.
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

fn check_operator(param: &str, value: &str) -> Result<(), QueryError> {
    let rest = value.strip_prefix("not.").unwrap_or(value);
    let (op, _) = rest
        .split_once('.')
        .ok_or_else(|| QueryError::MalformedFilter {
            param: param.into(),
        })?;
    // Full-text operators may carry a configuration: fts(english).
    let bare = op.split_once('(').map_or(op, |(b, _)| b);
    if OPERATORS.contains(&bare) {
        Ok(())
    } else {
        Err(QueryError::UnknownOperator {
            param: param.into(),
            operator: op.into(),
        })
    }
}

fn columns<'a>(
    param: &str,
    list: &'a str,
    is_column: &impl Fn(&str) -> bool,
) -> Result<Vec<&'a str>, QueryError> {
    list.split(',')
        .map(str::trim)
        .map(|c| {
            if c == "*" || is_column(c) {
                Ok(c)
            } else {
                Err(QueryError::UnknownColumn {
                    param: format!("{param}: {c}"),
                })
            }
        })
        .collect()
}

fn check_order(order: &str, is_column: &impl Fn(&str) -> bool) -> Result<(), QueryError> {
    for term in order.split(',') {
        let mut parts = term.trim().split('.');
        let column = parts.next().unwrap_or_default();
        if !is_column(column) {
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

/// Validates the query string's pairs against a table's columns. Every error is returned, not
/// only the first. `max_page` bounds `limit` and is the default page size.
pub fn parse(
    pairs: &[(String, String)],
    is_column: impl Fn(&str) -> bool,
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
            "select" => {
                columns(key, value, &is_column).map(|_| q.select = Some(value.replace(' ', "")))
            }
            "order" => {
                check_order(value, &is_column).map(|_| q.order = Some(value.replace(' ', "")))
            }
            "limit" => number(key, value, max_page).map(|n| q.limit = n),
            "offset" => number(key, value, usize::MAX).map(|n| q.offset = n),
            "count" if value == "exact" => {
                q.count = true;
                Ok(())
            }
            "count" => Err(QueryError::MalformedFilter {
                param: "count".into(),
            }),
            "on_conflict" => columns(key, value, &is_column)
                .and_then(|cols| {
                    if cols.contains(&"*") {
                        Err(QueryError::UnknownColumn {
                            param: "on_conflict: *".into(),
                        })
                    } else {
                        Ok(())
                    }
                })
                .map(|_| q.on_conflict = Some(value.replace(' ', ""))),
            column if is_column(column) => {
                check_operator(key, value).map(|_| q.filters.push((key.clone(), value.clone())))
            }
            _ => Err(QueryError::UnknownColumn { param: key.clone() }),
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

    fn cols(c: &str) -> bool {
        matches!(c, "id" | "email" | "tier" | "created_at")
    }

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn filters_on_real_columns_with_postgrest_operators_pass_through() {
        let q = parse(
            &pairs(&[
                ("tier", "eq.HOT"),
                ("email", "not.is.null"),
                ("id", "in.(a,b)"),
            ]),
            cols,
            100,
        )
        .unwrap();
        assert_eq!(q.filters.len(), 3);
        assert_eq!(q.limit, 100);
    }

    #[test]
    fn a_filter_on_an_unknown_column_is_refused() {
        let e = parse(&pairs(&[("password", "eq.x")]), cols, 100).unwrap_err();
        assert_eq!(
            e,
            vec![QueryError::UnknownColumn {
                param: "password".into()
            }]
        );
    }

    #[test]
    fn an_unknown_operator_is_refused() {
        let e = parse(&pairs(&[("tier", "sql.drop")]), cols, 100).unwrap_err();
        assert!(matches!(&e[0], QueryError::UnknownOperator { operator, .. } if operator == "sql"));
    }

    #[test]
    fn a_filter_without_an_operator_is_malformed() {
        let e = parse(&pairs(&[("tier", "HOT")]), cols, 100).unwrap_err();
        assert_eq!(e[0].param(), "tier");
    }

    #[test]
    fn every_bad_parameter_is_reported_at_once() {
        let e = parse(
            &pairs(&[
                ("nope", "eq.1"),
                ("limit", "5000"),
                ("order", "secret.desc"),
            ]),
            cols,
            1000,
        )
        .unwrap_err();
        assert_eq!(e.len(), 3);
    }

    #[test]
    fn limit_above_the_page_size_is_refused_and_defaults_to_it() {
        assert!(parse(&pairs(&[("limit", "101")]), cols, 100).is_err());
        assert_eq!(
            parse(&pairs(&[("limit", "7")]), cols, 100).unwrap().limit,
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
            cols,
            10,
        )
        .unwrap();
        assert_eq!(q.select.as_deref(), Some("id,email"));
        assert!(parse(&pairs(&[("select", "id,secret")]), cols, 10).is_err());
        assert!(parse(&pairs(&[("order", "id.sideways")]), cols, 10).is_err());
    }

    #[test]
    fn embedding_other_tables_through_select_is_refused() {
        assert!(parse(&pairs(&[("select", "*,leads(*)")]), cols, 10).is_err());
    }

    #[test]
    fn on_conflict_names_real_columns() {
        assert_eq!(
            parse(&pairs(&[("on_conflict", "email")]), cols, 10)
                .unwrap()
                .on_conflict
                .as_deref(),
            Some("email")
        );
        assert!(parse(&pairs(&[("on_conflict", "nope")]), cols, 10).is_err());
    }

    #[test]
    fn a_repeated_modifier_is_refused() {
        assert!(parse(&pairs(&[("limit", "1"), ("limit", "2")]), cols, 10).is_err());
    }
}
