//! Names and the reading of Postgres's deparsed expressions.

/// `this_quarter` → `ThisQuarter`, `HOT` → `Hot`, `first_90` → `First90`, `E` → `E`.
pub fn pascal(s: &str) -> String {
    s.split(['_', '-', ' ', '.'])
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut chars = w.chars();
            let first = chars.next().expect("a non-empty word").to_ascii_uppercase();
            std::iter::once(first)
                .chain(chars.map(|c| c.to_ascii_lowercase()))
                .collect::<String>()
        })
        .collect()
}

/// The record name of a table: `leads` → `Lead`, `daily_scorecard` → `DailyScorecard`,
/// `statuses` → `Status`, `entries` → `Entry`.
pub fn record(table: &str) -> String {
    let p = pascal(table);
    if let Some(stem) = p.strip_suffix("ies") {
        format!("{stem}y")
    } else if p.ends_with("sses") || p.ends_with("uses") || p.ends_with("xes") {
        p[..p.len() - 2].to_string()
    } else if p.ends_with('s') && !p.ends_with("ss") {
        p[..p.len() - 1].to_string()
    } else {
        p
    }
}

/// The values quoted in `... = ANY (ARRAY['a'::text, 'b'::text])`, in order.
pub fn quoted_values(definition: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = definition;
    while let Some(start) = rest.find('\'') {
        let after = &rest[start + 1..];
        // A quote inside the literal is doubled.
        let mut value = String::new();
        let mut chars = after.char_indices().peekable();
        let mut end = after.len();
        while let Some((i, c)) = chars.next() {
            if c == '\'' {
                if matches!(chars.peek(), Some((_, '\''))) {
                    chars.next();
                    value.push('\'');
                    continue;
                }
                end = i;
                break;
            }
            value.push(c);
        }
        out.push(value);
        rest = &after[(end + 1).min(after.len())..];
    }
    out
}

/// The number after `op` in a deparsed check (`(lead_score >= 0)`, `(hours <= (24)::double
/// precision)`).
pub fn bound(definition: &str, op: &str) -> Option<String> {
    let rest = &definition[definition.find(op)? + op.len()..];
    let number: String = rest
        .trim_start()
        .trim_start_matches('(')
        .chars()
        .take_while(|c| c.is_ascii_digit() || matches!(c, '.' | '-'))
        .collect();
    (!number.is_empty()).then_some(number)
}

/// A default as the database prints it, as JSON text when it is a constant (`0`, `false`,
/// `'planned'::text`, `'{}'::jsonb`, `'{}'::text[]`); `None` for an expression.
pub fn constant(default: &str) -> Option<String> {
    if let Some(rest) = default.strip_prefix('\'') {
        let (text, cast) = rest.rsplit_once("'::")?;
        let text = text.replace("''", "'");
        return match cast {
            "jsonb" | "json" => Some(text),
            "text[]" => {
                let items: Vec<String> = text
                    .trim_matches(|c| c == '{' || c == '}')
                    .split(',')
                    .filter(|s| !s.is_empty())
                    .map(|s| format!("{s:?}"))
                    .collect();
                Some(format!("[{}]", items.join(",")))
            }
            _ => Some(format!("{text:?}")),
        };
    }
    match default {
        "true" | "false" => Some(default.to_string()),
        _ if default.parse::<f64>().is_ok() => Some(default.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_tables_and_values() {
        assert_eq!(pascal("this_quarter"), "ThisQuarter");
        assert_eq!(pascal("HOT"), "Hot");
        assert_eq!(pascal("DO_NOW"), "DoNow");
        assert_eq!(pascal("first_90"), "First90");
        assert_eq!(pascal("E"), "E");
        assert_eq!(record("leads"), "Lead");
        assert_eq!(record("daily_scorecard"), "DailyScorecard");
        assert_eq!(record("decision_filter_history"), "DecisionFilterHistory");
        assert_eq!(record("entries"), "Entry");
        assert_eq!(record("statuses"), "Status");
        assert_eq!(record("net_worth"), "NetWorth");
    }

    #[test]
    fn checks_and_defaults_are_read_as_postgres_prints_them() {
        assert_eq!(
            quoted_values("CHECK ((tier = ANY (ARRAY['HOT'::text, 'WARM'::text, 'COLD'::text])))"),
            ["HOT", "WARM", "COLD"]
        );
        assert_eq!(
            quoted_values("CHECK ((x = ANY (ARRAY['it''s'::text])))"),
            ["it's"]
        );
        let def =
            "CHECK (((hours >= (0)::double precision) AND (hours <= (24)::double precision)))";
        assert_eq!(bound(def, ">=").as_deref(), Some("0"));
        assert_eq!(bound(def, "<=").as_deref(), Some("24"));
        assert_eq!(bound("CHECK ((likes >= 0))", "<="), None);
        assert_eq!(constant("'planned'::text").as_deref(), Some("\"planned\""));
        assert_eq!(constant("'{}'::jsonb").as_deref(), Some("{}"));
        assert_eq!(constant("'{}'::text[]").as_deref(), Some("[]"));
        assert_eq!(constant("12.5").as_deref(), Some("12.5"));
        assert_eq!(constant("now()"), None);
    }
}
