//! `walker_os.weekly_reviews`: one review per user per week.

use crate::table::prelude::*;

define_table! {
    /// A weekly review.
    table "walker_os"."weekly_reviews" {
        insert: WeeklyReview,
        patch: WeeklyReviewPatch,
        primary_key: ["id"],
        unique: [["user_id", "review_date"]],
        rules: [],
        shape_rules: no_rules,
    }
    set_once {
        id: Uuid = shape::uuid(), default = Server("gen_random_uuid()");
        user_id: Uuid = shape::uuid(), default = Server("auth.uid()");
        created_at: Timestamp = shape::timestamptz(), default = Server("now()");
    }
    required {
        review_date: Date = shape::date();
    }
    defaulted {}
    nullable {
        /// Hours in the week, 0 to 168.
        path_a_hours: f64 = shape::float_range(0.0, 168.0);
        path_b_hours: f64 = shape::float_range(0.0, 168.0);
        e_quadrant_hours: f64 = shape::float_range(0.0, 168.0);
        top_wins: String = shape::text();
        blockers: String = shape::text();
        next_week_priorities: String = shape::text();
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
