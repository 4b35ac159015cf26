//! `companion.messages`: A message in a conversation (§1.4); append-only for users, who write
//! only `user` messages in their own conversations (row-level security). The columns are
//! generated (`messages.gen.rs`); the table has no check over several columns.

#[allow(unused_imports)]
use crate::table::prelude::*;

include!("messages.gen.rs");

table! {
    insert: Message,
    patch: MessagePatch,
    rules: [],
    shape_rules: no_rules,
    derived: {},
    inputs {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_is_trimmed_and_at_most_telegrams_4096_characters() {
        let id = "7f1b0d52-3c1e-4e8a-9a51-0c2b8f3e4d10";
        let m = Message::shape(
            format!(r#"{{"conversation_id": "{id}", "role": "User", "content": "  hi  "}}"#)
                .as_bytes(),
        )
        .unwrap();
        assert_eq!(m.content, "hi");
        let long = "x".repeat(4097);
        let errors = Message::shape(
            format!(r#"{{"conversation_id": "{id}", "role": "user", "content": "{long}"}}"#)
                .as_bytes(),
        )
        .unwrap_err();
        assert_eq!(errors.on("content").unwrap().code, code::LENGTH);
    }
}
