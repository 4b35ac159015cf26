//! `yachtparty.messages`: A text message in or out of a conversation (§1.3). The columns are generated (`messages.gen.rs`); the
//! rules over several columns are the database's checks, named here so that a violation names
//! its fields.

use crate::table::prelude::*;

include!("messages.gen.rs");

table! {
    insert: Message,
    patch: MessagePatch,
    rules: [
        Rule {
            constraint: "messages_content_not_empty_outbound",
            columns: &["content", "direction"],
            code: code::REQUIRED,
            description: "an outbound message has content",
        },
    ],
    shape_rules: check_messages,
    derived: {},
    inputs {}
}

/// An outbound message has content; an inbound one (an MMS) may have none.
fn check_messages(d: &mut Draft, _mode: Mode, errs: &mut ValidationErrors) {
    if let (Slot::Value(Direction::Outbound), Slot::Value(content)) = (&d.direction, &d.content) {
        if content.is_empty() {
            errs.push(FieldError::new(
                "content",
                code::REQUIRED,
                "content is required for an outbound message",
            ));
        }
    }
}
