//! `yachtparty.user_priorities`: What to bring up with each user next (§1.8). The columns are generated (`user_priorities.gen.rs`); the
//! rules over several columns are the database's checks, named here so that a violation names
//! its fields.

use crate::table::prelude::*;

include!("user_priorities.gen.rs");

table! {
    insert: UserPriority,
    patch: UserPriorityPatch,
    rules: [
        Rule {
            constraint: "user_priorities_presented_has_presented_at",
            columns: &["presented_at", "status"],
            code: code::REQUIRED,
            description: "presented_at is set when status is presented or actioned",
        },
    ],
    shape_rules: check_user_priorities,
    derived: {},
    inputs {}
}

/// A presented or actioned priority has its presentation time.
fn check_user_priorities(d: &mut Draft, mode: Mode, errs: &mut ValidationErrors) {
    required_when(
        mode,
        errs,
        ("presented_at", &d.presented_at),
        ("status", &d.status),
        &Status::Active,
        &[Status::Presented, Status::Actioned],
        "presented or actioned",
    );
}
