//! `yachtparty.community_responses`: An expert's answer (§1.12). The columns are generated (`community_responses.gen.rs`); the
//! rules over several columns are the database's checks, named here so that a violation names
//! its fields.

use crate::table::prelude::*;

include!("community_responses.gen.rs");

table! {
    insert: CommunityResponse,
    patch: CommunityResponsePatch,
    rules: [],
    shape_rules: no_rules,
    derived: {},
    inputs {}
}
