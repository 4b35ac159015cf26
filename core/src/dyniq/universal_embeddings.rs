//! `dyniq.universal_embeddings`: embeddings of any source's content. `source_id` is a UUID; a
//! source known by a string id (a board meeting's `bm-...` thread) is sent as `thread_id`, and
//! shaping turns it into UUID v5 of that id in the DNS namespace.

use crate::ids::thread_uuid;
use crate::table::prelude::*;

include!("universal_embeddings.gen.rs");

table! {
    insert: UniversalEmbedding,
    patch: UniversalEmbeddingPatch,
    rules: [],
    shape_rules: derive_source_id,
    derived: { source_id: [thread_id] },
    inputs {
        /// The source's string id (a board meeting's thread id): `source_id` becomes UUID v5 of it
        /// in the DNS namespace, as `dyniq.thread_uuid` and Python's `uuid.uuid5` compute it.
        thread_id: String = shape::text();
    }
}

/// `source_id` from `thread_id`; both given must agree.
fn derive_source_id(d: &mut Draft, _mode: Mode, errs: &mut ValidationErrors) {
    match (&d.thread_id, &d.source_id) {
        (Slot::Value(thread), Slot::Absent | Slot::Null) => {
            d.source_id = Slot::Value(thread_uuid(thread))
        }
        (Slot::Value(thread), Slot::Value(given)) if *given != thread_uuid(thread) => {
            errs.push(FieldError::new(
                "source_id",
                code::DERIVED_MISMATCH,
                "source_id is not UUID v5 of thread_id; send one of the two",
            ))
        }
        // The thread id's own error says it all.
        (Slot::Failed, Slot::Absent) => d.source_id = Slot::Failed,
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(extra: &str) -> String {
        let embedding = vec!["0.01"; 1536].join(",");
        format!(
            r#"{{"source_type": "board_meeting", "content": "Adopt the new pricing", "embedding": [{embedding}]{extra}}}"#
        )
    }

    #[test]
    fn the_source_id_is_uuid_v5_of_the_thread_id() {
        let e =
            UniversalEmbedding::shape(body(r#", "thread_id": "bm-test-123""#).as_bytes()).unwrap();
        assert_eq!(
            e.source_id.to_string(),
            "652a8fcd-e7fc-52d8-92bd-e809fa09c971"
        );
        let json = serde_json::to_value(&e).unwrap();
        assert!(
            json.get("thread_id").is_none(),
            "thread_id is consumed, not sent on"
        );
    }

    #[test]
    fn a_source_id_that_disagrees_with_the_thread_id_is_refused() {
        let extra =
            r#", "thread_id": "bm-test-123", "source_id": "8c6f1f2e-3b9a-4c1d-9f5e-2a7b6c0d1e3f""#;
        let errors = UniversalEmbedding::shape(body(extra).as_bytes()).unwrap_err();
        assert_eq!(errors.on("source_id").unwrap().code, code::DERIVED_MISMATCH);
        let extra =
            r#", "thread_id": "bm-test-123", "source_id": "652a8fcd-e7fc-52d8-92bd-e809fa09c971""#;
        assert!(UniversalEmbedding::shape(body(extra).as_bytes()).is_ok());
    }

    #[test]
    fn without_thread_id_or_source_id_the_source_id_is_required() {
        let errors = UniversalEmbedding::shape(body("").as_bytes()).unwrap_err();
        assert_eq!(errors.on("source_id").unwrap().code, code::REQUIRED);
    }

    #[test]
    fn an_embedding_of_the_wrong_dimension_is_refused() {
        let errors = UniversalEmbedding::shape(
            br#"{"source_id": "8c6f1f2e-3b9a-4c1d-9f5e-2a7b6c0d1e3f", "source_type": "x", "content": "y", "embedding": [0.1, 0.2]}"#,
        )
        .unwrap_err();
        assert_eq!(errors.on("embedding").unwrap().code, code::LENGTH);
    }
}
