//! Everything the core knows of PostgREST: its query language (the filter whitelist by column
//! type, `select`, `order`, paging and the upsert key, in [`query`]) and its constraint errors
//! (constraint names to fields, by lookup in a table built from the registry, in [`violation`]).
pub mod query;
pub mod violation;
