//! Companion (schema `companion`): an AI companion that checks in on each user daily over
//! Telegram and talks with them on the web: profiles made on first use (`ensure_profile()`, no
//! trigger on auth.users), onboarding, conversations (one open per channel) and their messages,
//! what the companion remembers about the user, the daily check-ins and the Telegram link
//! tokens. One file per table.

include!("domains.gen.rs");
include!("tables.gen.rs");

pub mod checkin;
