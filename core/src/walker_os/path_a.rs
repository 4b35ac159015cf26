//! `walker_os.path_a`: milestones of career path A (equity in a company).

use super::PathStatus;
use crate::table::prelude::*;

define_table! {
    /// A path A milestone.
    table "walker_os"."path_a" {
        insert: PathA,
        patch: PathAPatch,
        primary_key: ["id"],
        unique: [],
        rules: [],
        shape_rules: no_rules,
    }
    set_once {
        id: Uuid = shape::uuid(), default = Server("gen_random_uuid()");
        user_id: Uuid = shape::uuid(), default = Server("auth.uid()");
        created_at: Timestamp = shape::timestamptz(), default = Server("now()");
    }
    required {
        milestone: String = shape::varchar(200);
    }
    defaulted {
        status: PathStatus = shape::choice::<PathStatus>(), default = Constant("\"planned\"");
        /// 0 to 100.
        equity_percentage: Decimal = shape::numeric(5, 2).between(0, 100), default = Constant("45");
    }
    nullable {
        target_date: Date = shape::date();
        notes: String = shape::text();
    }
    readonly {
        updated_at = shape::timestamptz(), nullable = false, default = Server("now()");
    }
    inputs {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equity_is_a_percentage() {
        let errors =
            PathA::shape(br#"{"milestone": "Series A", "equity_percentage": 100.5}"#).unwrap_err();
        assert_eq!(errors.on("equity_percentage").unwrap().code, code::RANGE);
    }

    #[test]
    fn a_status_is_matched_in_any_spelling() {
        let p = PathA::shape(br#"{"milestone": "Series A", "status": "In Progress"}"#).unwrap();
        assert_eq!(p.status, Some(PathStatus::InProgress));
    }
}
