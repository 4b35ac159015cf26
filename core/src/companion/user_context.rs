//! `companion.user_context`: What the companion remembers about the user (§1.5), one value per
//! category and key (the upsert key). The columns are generated (`user_context.gen.rs`); the
//! rule the generator cannot map is the database's check, named here so that a violation names
//! its field.

use crate::table::prelude::*;

/// The emotional valence's bounds: -2 (very negative) to +2 (very positive).
pub const VALENCE_RANGE: std::ops::RangeInclusive<i32> = -2..=2;

include!("user_context.gen.rs");

table! {
    insert: UserContext,
    patch: UserContextPatch,
    rules: [
        Rule {
            constraint: "user_context_emotional_valence_range",
            columns: &["emotional_valence"],
            code: code::RANGE,
            description: "emotional_valence is between -2 and 2",
        },
    ],
    shape_rules: check_user_context,
    derived: {},
    inputs {}
}

/// The valence's range, which the database states as `abs(emotional_valence) < 3` (the generator
/// reads no negative bound).
fn check_user_context(d: &mut Draft, _mode: Mode, errs: &mut ValidationErrors) {
    if let Slot::Value(v) = d.emotional_valence {
        if !VALENCE_RANGE.contains(&v) {
            errs.push(FieldError::new(
                "emotional_valence",
                code::RANGE,
                "emotional_valence must be between -2 and 2",
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_valence_runs_from_minus_two_to_two() {
        for v in [-3, 3, i32::MIN] {
            let body = format!(
                r#"{{"category": "fact", "key": "job", "value": "engineer", "emotional_valence": {v}}}"#
            );
            let errors = UserContext::shape(body.as_bytes()).unwrap_err();
            assert_eq!(
                errors.on("emotional_valence").unwrap().code,
                code::RANGE,
                "{v}"
            );
        }
        for v in -2..=2 {
            let body = format!(r#"{{"emotional_valence": {v}}}"#);
            assert!(UserContextPatch::shape(body.as_bytes()).is_ok(), "{v}");
        }
    }

    #[test]
    fn a_category_is_matched_in_any_case_and_the_source_is_the_databases() {
        let c = UserContext::shape(br#"{"category": "Fact", "key": "job", "value": "engineer"}"#)
            .unwrap();
        assert_eq!(c.category, Category::Fact);
        let errors =
            UserContext::shape(br#"{"category": "hobby", "key": "k", "value": "v"}"#).unwrap_err();
        assert_eq!(errors.on("category").unwrap().code, code::ENUM);
        let errors = UserContext::shape(
            br#"{"category": "fact", "key": "k", "value": "v", "source": "manual"}"#,
        )
        .unwrap_err();
        assert_eq!(errors.on("source").unwrap().code, code::READONLY);
    }
}
