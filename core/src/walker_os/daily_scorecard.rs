//! `walker_os.daily_scorecard`: one row per user per day, the day's habits ticked off.

use crate::table::prelude::*;

include!("daily_scorecard.gen.rs");

table! {
    insert: DailyScorecard,
    patch: DailyScorecardPatch,
    rules: [],
    shape_rules: no_rules,
    derived: {  },
    inputs {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_scorecard_takes_every_default() {
        let card = DailyScorecard::shape(b"{}").unwrap();
        assert_eq!(serde_json::to_string(&card).unwrap(), "{}");
    }

    #[test]
    fn more_than_24_hours_in_a_day_is_refused() {
        let errors = DailyScorecard::shape(br#"{"b_quadrant_hours": 25}"#).unwrap_err();
        assert_eq!(errors.on("b_quadrant_hours").unwrap().code, code::RANGE);
    }

    #[test]
    fn a_patch_cannot_move_a_scorecard_to_another_user() {
        let errors = DailyScorecardPatch::shape(
            br#"{"user_id": "8c6f1f2e-3b9a-4c1d-9f5e-2a7b6c0d1e3f", "fajr": true}"#,
        )
        .unwrap_err();
        assert_eq!(errors.on("user_id").unwrap().code, code::READONLY);
    }
}
