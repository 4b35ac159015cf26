//! `yachtparty.conversations`: A user's SMS thread (§1.2). The columns are generated (`conversations.gen.rs`); the
//! rules over several columns are the database's checks, named here so that a violation names
//! its fields.

use crate::table::prelude::*;

include!("conversations.gen.rs");

table! {
    insert: Conversation,
    patch: ConversationPatch,
    rules: [],
    shape_rules: no_rules,
    derived: {},
    inputs {}
}
