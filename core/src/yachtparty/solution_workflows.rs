//! `yachtparty.solution_workflows`: The Solution Saga's state (§1.9). The columns are generated (`solution_workflows.gen.rs`); the
//! rules over several columns are the database's checks, named here so that a violation names
//! its fields.

use crate::table::prelude::*;

include!("solution_workflows.gen.rs");

table! {
    insert: SolutionWorkflow,
    patch: SolutionWorkflowPatch,
    rules: [],
    shape_rules: no_rules,
    derived: {},
    inputs {}
}
