//! rowgate-core's integration tests, one binary: properties of shaping and of the query
//! whitelist, the constraint lookup and the text rule, against the migrated local database (`DATABASE_URL`, by default the local stack's). The database tests fail
//! when it cannot be reached, unless `ROWGATE_SKIP_DB_TESTS=1`.

mod companion;
mod constraints;
mod database;
mod properties;
mod support;
mod text;
mod yachtparty_messages;
mod yachtparty_queue;
