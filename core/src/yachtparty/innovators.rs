//! `yachtparty.innovators`: A user's company offering a solution (§1.15). The columns are generated (`innovators.gen.rs`); the
//! rules over several columns are the database's checks, named here so that a violation names
//! its fields.

use crate::table::prelude::*;

include!("innovators.gen.rs");

table! {
    insert: Innovator,
    patch: InnovatorPatch,
    rules: [],
    shape_rules: no_rules,
    derived: {},
    inputs {}
}
