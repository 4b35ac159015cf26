//! `yachtparty.intro_opportunities`: An introduction a connector may make (§1.10). The columns are generated (`intro_opportunities.gen.rs`); the
//! rules over several columns are the database's checks, named here so that a violation names
//! its fields.

use crate::table::prelude::*;

include!("intro_opportunities.gen.rs");

table! {
    insert: IntroOpportunity,
    patch: IntroOpportunityPatch,
    rules: [
        Rule {
            constraint: "intro_opportunities_completed_has_completed_at",
            columns: &["intro_completed_at", "status"],
            code: code::REQUIRED,
            description: "intro_completed_at is set when status is completed",
        },
    ],
    shape_rules: check_intro_opportunities,
    derived: {},
    inputs {}
}

/// A completed intro has its completion time.
fn check_intro_opportunities(d: &mut Draft, mode: Mode, errs: &mut ValidationErrors) {
    required_when(
        mode,
        errs,
        ("intro_completed_at", &d.intro_completed_at),
        ("status", &d.status),
        &Status::Open,
        &[Status::Completed],
        "completed",
    );
}
