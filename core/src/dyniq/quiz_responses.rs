//! `dyniq.quiz_responses`: one row per quiz submission (ScoreApp's), linked to its lead by email.
//! The tier comes from the score when the sender does not give one.

use super::tier_for_score;
use crate::table::prelude::*;

include!("quiz_responses.gen.rs");

table! {
    insert: QuizResponse,
    patch: QuizResponsePatch,
    rules: [],
    shape_rules: derive_tier,
    derived: { tier: [total_score] },
    inputs {}
}

/// The tier from the score when the tier is left out or null. In a patch, a new score without a
/// tier re-derives it (the database would keep the old one).
fn derive_tier(d: &mut Draft, mode: Mode, _errs: &mut ValidationErrors) {
    if !matches!(d.tier, Slot::Absent | Slot::Null) {
        return;
    }
    d.tier = match (&d.total_score, &d.tier, mode) {
        (Slot::Value(score), _, _) => Slot::Value(tier_for_score(*score)),
        // A patch that touches neither leaves the tier alone; a null tier alone is refused.
        (Slot::Absent, Slot::Absent, Mode::Patch) => Slot::Absent,
        (Slot::Absent, Slot::Null, Mode::Patch) => Slot::Null,
        // The score's own error (required, not_null, or its problem) says it all.
        _ => Slot::Failed,
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dyniq::Tier;

    fn tier_of(body: &str) -> Tier {
        QuizResponse::shape(body.as_bytes()).unwrap().tier
    }

    #[test]
    fn the_tier_is_derived_from_the_score_when_absent_or_null() {
        assert_eq!(
            tier_of(r#"{"email": "a@b.co", "total_score": 70}"#),
            Tier::Hot
        );
        assert_eq!(
            tier_of(r#"{"email": "a@b.co", "total_score": 69, "tier": null}"#),
            Tier::Warm
        );
        assert_eq!(
            tier_of(r#"{"email": "a@b.co", "total_score": 12, "tier": ""}"#),
            Tier::Cold
        );
    }

    #[test]
    fn a_tier_the_sender_gives_is_kept() {
        assert_eq!(
            tier_of(r#"{"email": "a@b.co", "total_score": 12, "tier": "hot"}"#),
            Tier::Hot
        );
    }

    #[test]
    fn a_missing_score_is_reported_once_not_also_as_a_missing_tier() {
        let errors = QuizResponse::shape(br#"{"email": "a@b.co"}"#).unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors.on("total_score").unwrap().code, code::REQUIRED);
    }

    #[test]
    fn a_score_out_of_range_is_refused() {
        let errors =
            QuizResponse::shape(br#"{"email": "a@b.co", "total_score": 101}"#).unwrap_err();
        assert_eq!(errors.on("total_score").unwrap().code, code::RANGE);
        assert!(errors.on("tier").is_none());
    }

    #[test]
    fn a_patch_with_a_new_score_re_derives_the_tier() {
        let patch = QuizResponsePatch::shape(br#"{"total_score": 90}"#).unwrap();
        assert_eq!(patch.tier, Some(Tier::Hot));
        let patch =
            QuizResponsePatch::shape(br#"{"sales_briefing_url": "https://dyniq.ai/b/1"}"#).unwrap();
        assert_eq!(patch.tier, None);
    }

    #[test]
    fn a_patch_cannot_null_the_tier() {
        let errors = QuizResponsePatch::shape(br#"{"tier": null}"#).unwrap_err();
        assert_eq!(errors.on("tier").unwrap().code, code::NOT_NULL);
    }

    #[test]
    fn the_answers_must_be_an_object() {
        let errors =
            QuizResponse::shape(br#"{"email": "a@b.co", "total_score": 5, "answers": [1, 2]}"#)
                .unwrap_err();
        assert_eq!(errors.on("answers").unwrap().code, code::TYPE);
    }
}
