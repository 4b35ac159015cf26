//! `walker_os.decision_filter_history`: decisions put through the filter and what it said.

use crate::shape::check_enum;
use crate::table::prelude::*;

check_enum! {
    /// What the filter said to do.
    pub enum Outcome {
        DoNow = "DO_NOW",
        Delegate = "DELEGATE",
        Schedule = "SCHEDULE",
        Cut = "CUT",
    }
}

check_enum! {
    /// The career path a decision serves.
    pub enum Path {
        A = "A",
        B = "B",
    }
}

define_table! {
    /// A decision and the filter's outcome.
    table "walker_os"."decision_filter_history" {
        insert: Decision,
        patch: DecisionPatch,
        primary_key: ["id"],
        unique: [],
        rules: [],
        shape_rules: no_rules,
    }
    set_once {
        id: Uuid = shape::uuid(), default = Server("gen_random_uuid()");
        user_id: Uuid = shape::uuid(), default = Server("auth.uid()");
        created_at: Timestamp = shape::timestamptz(), default = Server("now()");
    }
    required {
        /// 1 to 2000 characters.
        decision: String = shape::text_chars(1, 2000);
        outcome: Outcome = shape::choice::<Outcome>();
    }
    defaulted {
        path_aligned: bool = shape::boolean(), default = Constant("false");
    }
    nullable {
        /// What an hour of this is worth, in money.
        hourly_value_test: Decimal = shape::numeric(12, 2).at_least(0);
        path: Path = shape::choice::<Path>();
    }
    readonly {
        updated_at = shape::timestamptz(), nullable = false, default = Server("now()");
    }
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
