//! `yachtparty.prospects`: A person an innovator wants to reach (§1.16). The columns are generated (`prospects.gen.rs`); the
//! rules over several columns are the database's checks, named here so that a violation names
//! its fields.

use crate::table::prelude::*;

include!("prospects.gen.rs");

table! {
    insert: Prospect,
    patch: ProspectPatch,
    rules: [
        Rule {
            constraint: "prospects_at_least_one_contact_method",
            columns: &["email", "phone_number", "linkedin_url"],
            code: code::REQUIRED,
            description: "one of email, phone_number and linkedin_url is given",
        },
        Rule {
            constraint: "prospects_converted_has_user",
            columns: &["converted_to_user_id", "status"],
            code: code::REQUIRED,
            description: "converted_to_user_id is set when status is converted",
        },
    ],
    shape_rules: check_prospects,
    derived: {},
    inputs {}
}

/// A prospect can be reached somehow. (Whether it converted is the backend's: a client
/// writes neither `status` nor `converted_to_user_id`.)
fn check_prospects(d: &mut Draft, mode: Mode, errs: &mut ValidationErrors) {
    one_of(
        mode,
        errs,
        &[
            ("email", is_set(&d.email, mode)),
            ("phone_number", is_set(&d.phone_number, mode)),
            ("linkedin_url", is_set(&d.linkedin_url, mode)),
        ],
    );
}
