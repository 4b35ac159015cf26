//! `yachtparty.agent_tasks`: The agents' task queue (§1.5); backend only. The columns are generated (`agent_tasks.gen.rs`); the
//! rules over several columns are the database's checks, named here so that a violation names
//! its fields.

use crate::table::prelude::*;

include!("agent_tasks.gen.rs");

table! {
    insert: AgentTask,
    patch: AgentTaskPatch,
    rules: [
        Rule {
            constraint: "agent_tasks_completed_has_completed_at",
            columns: &["completed_at", "status"],
            code: code::REQUIRED,
            description: "completed_at is set when status is completed",
        },
        Rule {
            constraint: "agent_tasks_context_both_or_neither",
            columns: &["context_id", "context_type"],
            code: code::REQUIRED,
            description: "context_id and context_type are given together",
        },
    ],
    shape_rules: check_agent_tasks,
    derived: {},
    inputs {}
}

/// A context comes with its type; a completed task has its completion time.
fn check_agent_tasks(d: &mut Draft, mode: Mode, errs: &mut ValidationErrors) {
    both_or_neither(
        mode,
        errs,
        ("context_id", &d.context_id),
        ("context_type", &d.context_type),
    );
    required_when(
        mode,
        errs,
        ("completed_at", &d.completed_at),
        ("status", &d.status),
        &Status::Pending,
        &[Status::Completed],
        "completed",
    );
}
