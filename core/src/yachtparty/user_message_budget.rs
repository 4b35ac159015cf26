//! `yachtparty.user_message_budget`: Messages sent to a user per local day (§1.7); backend only. The columns are generated (`user_message_budget.gen.rs`); the
//! rules over several columns are the database's checks, named here so that a violation names
//! its fields.

use crate::table::prelude::*;

include!("user_message_budget.gen.rs");

table! {
    insert: UserMessageBudget,
    patch: UserMessageBudgetPatch,
    rules: [],
    shape_rules: no_rules,
    derived: {},
    inputs {}
}
