//! `walker_os.path_b`: products of career path B (own products towards a monthly revenue target).

use crate::table::prelude::*;

include!("path_b.gen.rs");

table! {
    insert: PathB,
    patch: PathBPatch,
    rules: [],
    shape_rules: no_rules,
    derived: {  },
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
