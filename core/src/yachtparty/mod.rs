//! Yachtparty (schema `yachtparty`): an SMS-first network where LLM agents work for each user:
//! people and their text conversations, the event store, the agents' task queue, the outbound
//! message queue with its budgets and quiet hours, the credits ledger, community requests,
//! introductions and prospects. One file per table; the pure sending rules in [`sending`].

include!("domains.gen.rs");
include!("tables.gen.rs");

pub mod sending;
