//! `yachtparty.agent_instances`: An agent working for a user (§1.18); backend only. The columns are generated (`agent_instances.gen.rs`); the
//! rules over several columns are the database's checks, named here so that a violation names
//! its fields.

use crate::table::prelude::*;

include!("agent_instances.gen.rs");

table! {
    insert: AgentInstance,
    patch: AgentInstancePatch,
    rules: [
        Rule {
            constraint: "agent_instances_terminated_iff_terminated_at",
            columns: &["status", "terminated_at"],
            code: code::REQUIRED,
            description: "terminated_at is set exactly when status is terminated",
        },
    ],
    shape_rules: check_agent_instances,
    derived: {},
    inputs {}
}

/// `terminated_at` is set exactly when the instance is terminated.
fn check_agent_instances(d: &mut Draft, mode: Mode, errs: &mut ValidationErrors) {
    required_when(
        mode,
        errs,
        ("terminated_at", &d.terminated_at),
        ("status", &d.status),
        &Status::Active,
        &[Status::Terminated],
        "terminated",
    );
    if let (Some(Status::Active), Some(true)) = (
        will_be(&d.status, mode, &Status::Active),
        is_set(&d.terminated_at, mode),
    ) {
        errs.push(FieldError::new(
            "terminated_at",
            code::REQUIRED,
            "terminated_at is only set when status is terminated",
        ));
    }
}
