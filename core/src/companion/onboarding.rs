//! `companion.onboarding`: A user's onboarding, its step and inputs (§1.2); completed by
//! `complete_onboarding()`. The columns are generated (`onboarding.gen.rs`); the rules over
//! several columns are the database's checks, named here so that a violation names its fields.

use crate::table::prelude::*;

/// The step that completes onboarding.
pub const COMPLETE: &str = "complete";

include!("onboarding.gen.rs");

table! {
    insert: Onboarding,
    patch: OnboardingPatch,
    rules: [
        Rule {
            constraint: "onboarding_completed_is_complete",
            columns: &["completed_at", "current_step"],
            code: code::RANGE,
            description: "current_step is complete once completed_at is set",
        },
    ],
    // completed_at is written only by complete_onboarding(), never by a client: the stored row
    // decides, and the database holds the rule.
    shape_rules: no_rules,
    derived: {},
    inputs {}
}
