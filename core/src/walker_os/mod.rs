//! Walker-OS (schema `walker_os`): personal productivity and finance data. Every row belongs to
//! one Supabase Auth user (`user_id`, the caller when left out; row-level security keeps users to
//! their own rows). One file per table.

pub mod daily_scorecard;
pub mod decision_filter_history;
pub mod net_worth;
pub mod path_a;
pub mod path_b;
pub mod profit_first_buckets;
pub mod timeblock_sessions;
pub mod weekly_cashflow;
pub mod weekly_reviews;

use crate::shape::check_enum;

check_enum! {
    /// Where a career path's item stands.
    pub enum PathStatus {
        Planned = "planned",
        InProgress = "in_progress",
        Done = "done",
        Dropped = "dropped",
    }
}
