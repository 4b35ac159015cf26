//! `walker_os.path_a`: milestones of career path A (equity in a company).

use crate::table::prelude::*;

include!("path_a.gen.rs");

table! {
    insert: PathA,
    patch: PathAPatch,
    rules: [],
    shape_rules: no_rules,
    derived: {  },
    inputs {}
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::walker_os::PathStatus;

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
