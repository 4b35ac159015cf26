//! `yachtparty.users`: A person on the network (§1.1). The columns are generated (`users.gen.rs`); the
//! rules over several columns are the database's checks, named here so that a violation names
//! its fields.

use crate::table::prelude::*;

include!("users.gen.rs");

table! {
    insert: User,
    patch: UserPatch,
    rules: [
        Rule {
            constraint: "users_quiet_hours_both_or_neither",
            columns: &["quiet_hours_start", "quiet_hours_end"],
            code: code::REQUIRED,
            description: "quiet_hours_start and quiet_hours_end are given together",
        },
        Rule {
            constraint: "users_quiet_hours_not_empty",
            columns: &["quiet_hours_start", "quiet_hours_end"],
            code: code::RANGE,
            description: "quiet_hours_start differs from quiet_hours_end",
        },
        Rule {
            constraint: "users_referred_by_not_self",
            columns: &["referred_by", "id"],
            code: code::RANGE,
            description: "referred_by is another user",
        },
    ],
    shape_rules: check_users,
    derived: {},
    inputs {}
}

/// Quiet hours come as a pair of different times; nobody refers themselves.
fn check_users(d: &mut Draft, mode: Mode, errs: &mut ValidationErrors) {
    both_or_neither(
        mode,
        errs,
        ("quiet_hours_start", &d.quiet_hours_start),
        ("quiet_hours_end", &d.quiet_hours_end),
    );
    if let (Slot::Value(start), Slot::Value(end)) = (&d.quiet_hours_start, &d.quiet_hours_end) {
        if start == end {
            errs.push(FieldError::new(
                "quiet_hours_end",
                code::RANGE,
                "quiet_hours_end must differ from quiet_hours_start",
            ));
        }
    }
    if let (Slot::Value(id), Slot::Value(referrer)) = (&d.id, &d.referred_by) {
        if id == referrer {
            errs.push(FieldError::new(
                "referred_by",
                code::RANGE,
                "referred_by must be another user",
            ));
        }
    }
}
