//! rowgate-core: the platform-agnostic heart of rowgate. It turns untrusted JSON into shaped,
//! typed records for every table of every app schema, or into every field error at once, and
//! holds the pure rules beside them. No I/O: it builds natively and for `wasm32-unknown-unknown`.
//!
//! Shaping a lead, and the errors of a bad one:
//!
//! ```
//! use rowgate_core::registry;
//!
//! let leads = registry::table("dyniq", "leads").unwrap();
//! let lead = leads
//!     .shape_insert(br#"{"email": " Ada@Example.COM ", "tier": "hot", "pain_points": "cash flow, hiring", "name": ""}"#)
//!     .unwrap();
//! assert_eq!(
//!     serde_json::to_string(&lead).unwrap(),
//!     r#"{"email":"ada@example.com","pain_points":["cash flow","hiring"],"name":null,"tier":"HOT"}"#
//! );
//!
//! let errors = leads.shape_insert(br#"{"email": "ada", "lead_score": 250, "colour": "red"}"#).unwrap_err();
//! assert_eq!(
//!     serde_json::to_value(&errors).unwrap()["errors"][0],
//!     serde_json::json!({"field": "email", "code": "format", "message": "email is not an email address (name@domain.tld)"})
//! );
//! assert_eq!(errors.len(), 3);
//! ```
//!
//! - [`registry`]: tables by (schema, table), their descriptions, shapers and the filter whitelist.
//! - [`table`]: the machinery every table shares ([`table::TableDef`], [`table::Column`]).
//! - [`shape`]: the shaping primitives, one per kind of column.
//! - [`error`]: field errors, one by one and all of a request's at once.
//! - [`dyniq`], [`walker_os`]: one module per app schema, one file per table.
//! - [`ids`]: UUID v5 of thread ids.
//! - [`jwt`], [`webhook`], [`secret`]: Supabase access-token verification (and the bearer
//!   token of an `Authorization` header), webhook signatures and shared secrets, idempotency
//!   keys, and secrets that never show in `Debug`.
//! - [`postgrest`]: everything rowgate knows of PostgREST: its query language
//!   ([`postgrest::query`]: the filter whitelist by column type and the upsert key) and its
//!   constraint errors ([`postgrest::violation`]: constraint names to fields, by lookup in a
//!   table built from the registry).
//! - [`ingest`], [`scoreapp`]: the signed ingest's and ScoreApp's bodies.
//! - [`twilio`]: Twilio's webhooks (signatures, inbound SMS, status callbacks) and Messages API
//!   (the send request, and its answer classified for sending at most once).
//! - [`telegram`]: the Telegram Bot API for Companion: the webhook's secret token, updates and
//!   commands (read leniently), deep links, webhook replies and their texts, `sendMessage` and
//!   its answer classified for sending at most once, and the fallback check-in text.
pub mod error;
pub mod ids;
pub mod ingest;
pub mod jwt;
pub mod postgrest;
pub mod registry;
pub mod scoreapp;
pub mod secret;
pub mod shape;
pub mod table;
pub mod telegram;
pub mod twilio;
pub mod webhook;

include!("schemas.gen.rs");
