//! Derived identifiers: the UUID a string id stands for where a column must hold a UUID.

use uuid::Uuid;

/// UUID v5 of `thread_id` in the DNS namespace: the `source_id` of a board meeting's rows in
/// `dyniq.universal_embeddings`. Equal to Python's `uuid.uuid5(uuid.NAMESPACE_DNS, thread_id)` and
/// to the SQL function `dyniq.thread_uuid(thread_id)`.
///
/// ```
/// let id = rowgate_core::ids::thread_uuid("bm-test-123");
/// assert_eq!(id.to_string(), "652a8fcd-e7fc-52d8-92bd-e809fa09c971");
/// ```
pub fn thread_uuid(thread_id: &str) -> Uuid {
    Uuid::new_v5(&Uuid::NAMESPACE_DNS, thread_id.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_thread_uuid_equals_pythons_uuid5_in_the_dns_namespace() {
        // python3 -c 'import uuid;print(uuid.uuid5(uuid.NAMESPACE_DNS,"bm-test-123"))'
        assert_eq!(
            thread_uuid("bm-test-123").to_string(),
            "652a8fcd-e7fc-52d8-92bd-e809fa09c971"
        );
        assert_eq!(
            thread_uuid("bm-abc").to_string(),
            "547e53ba-df86-54f2-a893-0193283d55e5"
        );
    }

    #[test]
    fn a_thread_uuid_is_version_5() {
        assert_eq!(thread_uuid("bm-x").get_version_num(), 5);
    }
}
