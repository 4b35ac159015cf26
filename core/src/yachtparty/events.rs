//! `yachtparty.events`: The event store (§1.4); backend only. The columns are generated (`events.gen.rs`); the
//! rules over several columns are the database's checks, named here so that a violation names
//! its fields.

use crate::table::prelude::*;

include!("events.gen.rs");

table! {
    insert: Event,
    patch: EventPatch,
    rules: [],
    shape_rules: no_rules,
    derived: {},
    inputs {}
}
