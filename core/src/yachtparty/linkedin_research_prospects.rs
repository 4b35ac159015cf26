//! `yachtparty.linkedin_research_prospects`: LinkedIn profiles researched (§1.17); backend only. The columns are generated (`linkedin_research_prospects.gen.rs`); the
//! rules over several columns are the database's checks, named here so that a violation names
//! its fields.

use crate::table::prelude::*;

include!("linkedin_research_prospects.gen.rs");

table! {
    insert: LinkedinResearchProspect,
    patch: LinkedinResearchProspectPatch,
    rules: [],
    shape_rules: no_rules,
    derived: {},
    inputs {}
}
