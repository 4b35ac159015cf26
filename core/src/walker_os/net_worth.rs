//! `walker_os.net_worth`: snapshots of assets and liabilities. `net_worth` is always
//! `total_assets − total_liabilities`: shaping computes it, and a sent value must agree.

use crate::table::prelude::*;

include!("net_worth.gen.rs");

table! {
    insert: NetWorth,
    patch: NetWorthPatch,
    rules: [Rule {
        constraint: "net_worth_is_assets_minus_liabilities",
        columns: &["net_worth", "total_assets", "total_liabilities"],
        code: code::DERIVED_MISMATCH,
        description: "net_worth = total_assets - total_liabilities",
        }
    ],
    shape_rules: derive_net_worth,
    derived: { net_worth: [total_assets, total_liabilities] },
    inputs {}
}

/// A total's units: on insert a left-out total is its default, 0.
fn units(slot: &Slot<Decimal>, mode: Mode) -> Option<i64> {
    match (slot, mode) {
        (Slot::Value(d), _) => Some(d.units()),
        (Slot::Absent, Mode::Insert) => Some(0),
        _ => None,
    }
}

/// `net_worth` from the totals. In a patch that changes only one total the database trigger
/// recomputes it, so a `net_worth` sent then cannot be checked and is refused.
fn derive_net_worth(d: &mut Draft, mode: Mode, errs: &mut ValidationErrors) {
    match (units(&d.total_assets, mode), units(&d.total_liabilities, mode)) {
        (Some(assets), Some(liabilities)) => {
            let derived = Decimal::from_units(assets - liabilities, 2);
            match &d.net_worth {
                Slot::Value(sent) if *sent != derived => errs.push(FieldError::new(
                    "net_worth",
                    code::DERIVED_MISMATCH,
                    format!("net_worth must equal total_assets - total_liabilities ({derived}); leave it out"),
                )),
                Slot::Failed => {}
                _ => d.net_worth = Slot::Value(derived),
            }
        }
        _ if d.total_assets.is_given() || d.total_liabilities.is_given() || mode == Mode::Insert => {
            // A total failed (its error says it all) or only one is patched.
            if mode == Mode::Patch && matches!(d.net_worth, Slot::Value(_) | Slot::Null) {
                errs.push(FieldError::new(
                    "net_worth",
                    code::DERIVED_MISMATCH,
                    "net_worth is computed from total_assets and total_liabilities; send both of them instead",
                ));
            }
            if matches!(d.net_worth, Slot::Null) {
                d.net_worth = Slot::Failed;
            }
        }
        _ if d.net_worth.is_given() => errs.push(FieldError::new(
            "net_worth",
            code::DERIVED_MISMATCH,
            "net_worth is computed from total_assets and total_liabilities; send both of them instead",
        )),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn net_worth_is_assets_minus_liabilities() {
        let n =
            NetWorth::shape(br#"{"total_assets": 1500.25, "total_liabilities": "2000"}"#).unwrap();
        assert_eq!(n.net_worth.unwrap().to_string(), "-499.75");
        let n = NetWorth::shape(br#"{"total_assets": 10}"#).unwrap();
        assert_eq!(n.net_worth.unwrap().to_string(), "10.00");
    }

    #[test]
    fn a_sent_net_worth_must_agree() {
        let errors =
            NetWorth::shape(br#"{"total_assets": 10, "total_liabilities": 4, "net_worth": 7}"#)
                .unwrap_err();
        assert_eq!(errors.on("net_worth").unwrap().code, code::DERIVED_MISMATCH);
        assert!(NetWorth::shape(
            br#"{"total_assets": 10, "total_liabilities": 4, "net_worth": 6}"#
        )
        .is_ok());
    }

    #[test]
    fn a_patch_of_both_totals_recomputes_net_worth() {
        let p = NetWorthPatch::shape(br#"{"total_assets": 10, "total_liabilities": 4}"#).unwrap();
        assert_eq!(p.net_worth.unwrap().units(), 600);
        let p = NetWorthPatch::shape(br#"{"total_assets": 10}"#).unwrap();
        assert_eq!(p.net_worth, None);
    }

    #[test]
    fn a_patch_of_net_worth_alone_is_refused() {
        let errors = NetWorthPatch::shape(br#"{"net_worth": 6}"#).unwrap_err();
        assert_eq!(errors.on("net_worth").unwrap().code, code::DERIVED_MISMATCH);
        let errors = NetWorthPatch::shape(br#"{"total_assets": 10, "net_worth": 6}"#).unwrap_err();
        assert_eq!(errors.on("net_worth").unwrap().code, code::DERIVED_MISMATCH);
    }

    #[test]
    fn a_failing_total_is_reported_once() {
        let errors = NetWorth::shape(br#"{"total_assets": -1}"#).unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors.on("total_assets").unwrap().code, code::RANGE);
    }
}
