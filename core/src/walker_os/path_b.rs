//! `walker_os.path_b`: products of career path B (own products towards a monthly revenue target).

use super::PathStatus;
use crate::table::prelude::*;

define_table! {
    /// A path B product.
    table "walker_os"."path_b" {
        insert: PathB,
        patch: PathBPatch,
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
        product: String = shape::varchar(200);
    }
    defaulted {
        /// Monthly recurring revenue aimed at.
        mrr_target: Decimal = shape::numeric(14, 2).at_least(0), default = Constant("10000");
        mrr_current: Decimal = shape::numeric(14, 2).at_least(0), default = Constant("0");
        status: PathStatus = shape::choice::<PathStatus>(), default = Constant("\"planned\"");
    }
    nullable {
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
    fn a_product_needs_a_name() {
        let errors = PathB::shape(br#"{"product": "  "}"#).unwrap_err();
        assert_eq!(errors.on("product").unwrap().code, code::NOT_NULL);
    }

    #[test]
    fn mrr_cannot_be_negative() {
        let errors = PathB::shape(br#"{"product": "rowgate", "mrr_current": -1}"#).unwrap_err();
        assert_eq!(errors.on("mrr_current").unwrap().code, code::RANGE);
    }
}
