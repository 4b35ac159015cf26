//! `dyniq.content_metrics`: one row per post per day, so a daily collector can upsert on
//! `(post_id, metric_date)`.

use crate::table::prelude::*;

include!("content_metrics.gen.rs");

table! {
    insert: ContentMetric,
    patch: ContentMetricPatch,
    rules: [],
    shape_rules: no_rules,
    derived: {  },
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
