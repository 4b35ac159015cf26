//! `walker_os.weekly_reviews`: one review per user per week.

use crate::table::prelude::*;

include!("weekly_reviews.gen.rs");

table! {
    insert: WeeklyReview,
    patch: WeeklyReviewPatch,
    rules: [],
    shape_rules: no_rules,
    derived: {  },
    inputs {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_week_has_at_most_168_hours() {
        let errors = WeeklyReview::shape(br#"{"review_date": "2026-11-22", "path_a_hours": 169}"#)
            .unwrap_err();
        assert_eq!(errors.on("path_a_hours").unwrap().code, code::RANGE);
    }

    #[test]
    fn a_review_needs_its_date() {
        let errors = WeeklyReview::shape(br#"{"top_wins": "shipped"}"#).unwrap_err();
        assert_eq!(errors.on("review_date").unwrap().code, code::REQUIRED);
    }
}
