//! `walker_os.decision_filter_history`: decisions put through the filter and what it said.

use crate::table::prelude::*;

include!("decision_filter_history.gen.rs");

table! {
    insert: Decision,
    patch: DecisionPatch,
    rules: [],
    shape_rules: no_rules,
    derived: {  },
    inputs {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_outcome_is_matched_in_any_case_and_spelling() {
        let d = Decision::shape(br#"{"decision": "Hire a VA", "outcome": "do now"}"#).unwrap();
        assert_eq!(d.outcome, Outcome::DoNow);
    }

    #[test]
    fn a_decision_longer_than_2000_characters_is_refused() {
        let long = format!(
            r#"{{"decision": "{}", "outcome": "CUT"}}"#,
            "x".repeat(2001)
        );
        let errors = Decision::shape(long.as_bytes()).unwrap_err();
        assert_eq!(errors.on("decision").unwrap().code, code::LENGTH);
    }
}
