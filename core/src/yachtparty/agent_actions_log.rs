//! `yachtparty.agent_actions_log`: What agents did (§1.19); backend only. The columns are generated (`agent_actions_log.gen.rs`); the
//! rules over several columns are the database's checks, named here so that a violation names
//! its fields.

use crate::table::prelude::*;

include!("agent_actions_log.gen.rs");

table! {
    insert: AgentAction,
    patch: AgentActionPatch,
    rules: [],
    shape_rules: no_rules,
    derived: {},
    inputs {}
}
