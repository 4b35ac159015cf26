//! `yachtparty.message_queue`: Outbound text messages (§1.6); backend only. The columns are generated (`message_queue.gen.rs`); the
//! rules over several columns are the database's checks, named here so that a violation names
//! its fields.

use crate::table::prelude::*;

include!("message_queue.gen.rs");

table! {
    insert: QueuedMessage,
    patch: QueuedMessagePatch,
    rules: [
        Rule {
            constraint: "message_queue_not_superseded_by_itself",
            columns: &["superseded_by_message_id", "id"],
            code: code::RANGE,
            description: "superseded_by_message_id is another message",
        },
        Rule {
            constraint: "message_queue_sent_has_sent_at",
            columns: &["sent_at", "status"],
            code: code::REQUIRED,
            description: "sent_at is set when status is sent",
        },
        Rule {
            constraint: "message_queue_sequence_all_or_none",
            columns: &["sequence_id", "sequence_position", "sequence_total"],
            code: code::REQUIRED,
            description: "sequence_id, sequence_position and sequence_total are given together, with 1 <= sequence_position <= sequence_total",
        },
        Rule {
            constraint: "message_queue_superseded_has_reason",
            columns: &["superseded_reason", "status"],
            code: code::REQUIRED,
            description: "superseded_reason is set when status is superseded",
        },
    ],
    shape_rules: check_message_queue,
    derived: {},
    inputs {}
}

/// The sequence trio together, in range; a superseded message has its reason and another
/// successor; a sent one its time.
fn check_message_queue(d: &mut Draft, mode: Mode, errs: &mut ValidationErrors) {
    let trio = [
        ("sequence_id", is_set(&d.sequence_id, mode)),
        ("sequence_position", is_set(&d.sequence_position, mode)),
        ("sequence_total", is_set(&d.sequence_total, mode)),
    ];
    if trio.iter().all(|(_, s)| s.is_some()) && trio.iter().any(|(_, s)| *s == Some(true)) {
        for (name, set) in trio {
            if set == Some(false) {
                errs.push(FieldError::new(
                    name,
                    code::REQUIRED,
                    format!("{name} is required with the other sequence fields"),
                ));
            }
        }
    }
    if let (Slot::Value(position), Slot::Value(total)) = (&d.sequence_position, &d.sequence_total) {
        if *position < 1 || position > total {
            errs.push(FieldError::new(
                "sequence_position",
                code::RANGE,
                "sequence_position must be between 1 and sequence_total",
            ));
        }
    }
    if let (Slot::Value(id), Slot::Value(by)) = (&d.id, &d.superseded_by_message_id) {
        if id == by {
            errs.push(FieldError::new(
                "superseded_by_message_id",
                code::RANGE,
                "superseded_by_message_id must be another message",
            ));
        }
    }
    required_when(
        mode,
        errs,
        ("superseded_reason", &d.superseded_reason),
        ("status", &d.status),
        &Status::Queued,
        &[Status::Superseded],
        "superseded",
    );
    required_when(
        mode,
        errs,
        ("sent_at", &d.sent_at),
        ("status", &d.status),
        &Status::Queued,
        &[Status::Sent],
        "sent",
    );
}
