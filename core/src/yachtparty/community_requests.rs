//! `yachtparty.community_requests`: A question put to the community (§1.11). The columns are generated (`community_requests.gen.rs`); the
//! rules over several columns are the database's checks, named here so that a violation names
//! its fields.

use crate::table::prelude::*;

include!("community_requests.gen.rs");

table! {
    insert: CommunityRequest,
    patch: CommunityRequestPatch,
    rules: [
        Rule {
            constraint: "community_requests_context_both_or_neither",
            columns: &["context_id", "context_type"],
            code: code::REQUIRED,
            description: "context_id and context_type are given together",
        },
    ],
    shape_rules: check_community_requests,
    derived: {},
    inputs {}
}

/// A context comes with its type.
fn check_community_requests(d: &mut Draft, mode: Mode, errs: &mut ValidationErrors) {
    both_or_neither(
        mode,
        errs,
        ("context_id", &d.context_id),
        ("context_type", &d.context_type),
    );
}
