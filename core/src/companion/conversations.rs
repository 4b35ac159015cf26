//! `companion.conversations`: A thread between the user and the companion on one channel
//! (§1.3); at most one is open per user and channel. The columns are generated
//! (`conversations.gen.rs`); the rules over several columns are the database's checks, named
//! here so that a violation names its fields.

use crate::table::prelude::*;

include!("conversations.gen.rs");

table! {
    insert: Conversation,
    patch: ConversationPatch,
    rules: [
        Rule {
            constraint: "conversations_ended_after_started",
            columns: &["ended_at", "started_at"],
            code: code::ORDER,
            description: "ended_at is not before started_at",
        },
    ],
    shape_rules: check_conversations,
    derived: {},
    inputs {}
}

/// An end not before the start. A new conversation without started_at starts at the database's
/// now(), which the core does not know: an ended_at given on insert comes with its started_at.
/// In a patch started_at cannot change, so the stored one decides (the database holds it).
fn check_conversations(d: &mut Draft, mode: Mode, errs: &mut ValidationErrors) {
    match (&d.started_at, &d.ended_at) {
        (Slot::Value(start), Slot::Value(end)) if end < start => errs.push(FieldError::new(
            "ended_at",
            code::ORDER,
            "ended_at must not be before started_at",
        )),
        (Slot::Absent, Slot::Value(_)) if mode == Mode::Insert => errs.push(FieldError::new(
            "started_at",
            code::REQUIRED,
            "started_at is required with ended_at when a conversation is added ended",
        )),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_conversation_does_not_end_before_it_starts() {
        let errors = Conversation::shape(
            br#"{"started_at": "2026-03-01T10:00:00Z", "ended_at": "2026-03-01T09:59:59Z"}"#,
        )
        .unwrap_err();
        assert_eq!(errors.on("ended_at").unwrap().code, code::ORDER);
        assert!(Conversation::shape(
            br#"{"started_at": "2026-03-01T10:00:00Z", "ended_at": "2026-03-01T10:00:00Z"}"#
        )
        .is_ok());
    }

    #[test]
    fn an_ended_conversation_is_added_with_its_start() {
        let errors = Conversation::shape(br#"{"ended_at": "2026-03-01T10:00:00Z"}"#).unwrap_err();
        assert_eq!(errors.on("started_at").unwrap().code, code::REQUIRED);
        assert!(ConversationPatch::shape(br#"{"ended_at": "2026-03-01T10:00:00Z"}"#).is_ok());
    }

    #[test]
    fn the_channel_is_set_once_and_the_count_is_the_databases() {
        let errors = ConversationPatch::shape(br#"{"channel": "telegram"}"#).unwrap_err();
        assert_eq!(errors.on("channel").unwrap().code, code::READONLY);
        let errors = Conversation::shape(br#"{"message_count": 3}"#).unwrap_err();
        assert_eq!(errors.on("message_count").unwrap().code, code::READONLY);
    }
}
