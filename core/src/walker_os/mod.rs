//! Walker-OS (schema `walker_os`): personal productivity and finance data. Every row belongs to
//! one Supabase Auth user (`user_id`, the caller when left out; row-level security keeps users to
//! their own rows). One file per table.

include!("domains.gen.rs");
include!("tables.gen.rs");
