//! `dyniq.content_metrics`: one row per post per day, so a daily collector can upsert on
//! `(post_id, metric_date)`.

use crate::table::prelude::*;

define_table! {
    /// A post's numbers on one day.
    table "dyniq"."content_metrics" {
        insert: ContentMetric,
        patch: ContentMetricPatch,
        primary_key: ["id"],
        unique: [["post_id", "metric_date"]],
        rules: [],
        shape_rules: no_rules,
    }
    set_once {
        id: Uuid = shape::uuid(), default = Server("gen_random_uuid()");
        created_at: Timestamp = shape::timestamptz(), default = Server("now()");
    }
    required {
        /// The post (a foreign key to `content_posts.id`).
        post_id: Uuid = shape::uuid();
    }
    defaulted {
        likes: i32 = shape::int_min(0), default = Constant("0");
        comments: i32 = shape::int_min(0), default = Constant("0");
        /// The day measured; today (the database's) when left out.
        metric_date: Date = shape::date(), default = Server("CURRENT_DATE");
    }
    nullable {
        /// A fraction (0.042 is 4.2 %), not a percentage.
        engagement_rate: f64 = shape::float_range(0.0, 1.0);
    }
    readonly {}
    inputs {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_cannot_be_negative() {
        let errors = ContentMetric::shape(
            br#"{"post_id": "8c6f1f2e-3b9a-4c1d-9f5e-2a7b6c0d1e3f", "likes": -1}"#,
        )
        .unwrap_err();
        assert_eq!(errors.on("likes").unwrap().code, code::RANGE);
    }

    #[test]
    fn an_engagement_rate_is_a_fraction_not_a_percentage() {
        let errors = ContentMetric::shape(
            br#"{"post_id": "8c6f1f2e-3b9a-4c1d-9f5e-2a7b6c0d1e3f", "engagement_rate": 4.2}"#,
        )
        .unwrap_err();
        assert_eq!(errors.on("engagement_rate").unwrap().code, code::RANGE);
        let m = ContentMetric::shape(br#"{"post_id": "8C6F1F2E3B9A4C1D9F5E2A7B6C0D1E3F", "engagement_rate": 0.042, "likes": "17"}"#).unwrap();
        assert_eq!(
            serde_json::to_string(&m).unwrap(),
            r#"{"post_id":"8c6f1f2e-3b9a-4c1d-9f5e-2a7b6c0d1e3f","likes":17,"engagement_rate":0.042}"#
        );
    }
}
