//! `walker_os.daily_scorecard`: one row per user per day, the day's habits ticked off.

use crate::shape::check_enum;
use crate::table::prelude::*;

check_enum! {
    /// How the day felt.
    pub enum EnergyLevel {
        High = "high",
        Medium = "medium",
        Low = "low",
    }
}

check_enum! {
    /// The day's verdict.
    pub enum DayVerdict {
        Green = "green",
        Yellow = "yellow",
        Red = "red",
    }
}

define_table! {
    /// A day's scorecard.
    table "walker_os"."daily_scorecard" {
        insert: DailyScorecard,
        patch: DailyScorecardPatch,
        primary_key: ["id"],
        unique: [["user_id", "scorecard_date"]],
        rules: [],
        shape_rules: no_rules,
    }
    set_once {
        id: Uuid = shape::uuid(), default = Server("gen_random_uuid()");
        /// The owner: the caller when left out.
        user_id: Uuid = shape::uuid(), default = Server("auth.uid()");
        created_at: Timestamp = shape::timestamptz(), default = Server("now()");
    }
    required {}
    defaulted {
        /// The day; today (the database's) when left out.
        scorecard_date: Date = shape::date(), default = Server("CURRENT_DATE");
        fajr: bool = shape::boolean(), default = Constant("false");
        mind: bool = shape::boolean(), default = Constant("false");
        body: bool = shape::boolean(), default = Constant("false");
        shutdown_ritual: bool = shape::boolean(), default = Constant("false");
        first_90: bool = shape::boolean(), default = Constant("false");
        /// Hours spent in the B (business owner) quadrant, 0 to 24.
        b_quadrant_hours: f64 = shape::float_range(0.0, 24.0), default = Constant("0");
    }
    nullable {
        energy_level: EnergyLevel = shape::choice::<EnergyLevel>();
        day_verdict: DayVerdict = shape::choice::<DayVerdict>();
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
