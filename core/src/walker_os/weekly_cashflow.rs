//! `walker_os.weekly_cashflow`: one row per user per week, money in and where it went. Money is
//! `numeric(14, 2)`, never floating point.

use crate::table::prelude::*;

include!("weekly_cashflow.gen.rs");

table! {
    insert: WeeklyCashflow,
    patch: WeeklyCashflowPatch,
    rules: [],
    shape_rules: no_rules,
    derived: {  },
    inputs {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_keeps_its_cents_and_refuses_fractions_of_them() {
        let w = WeeklyCashflow::shape(
            br#"{"week_start": "2026-11-16", "income": "2500.50", "play_money": 12.34}"#,
        )
        .unwrap();
        assert_eq!(w.income.map(|d| d.units()), Some(250_050));
        assert_eq!(
            serde_json::to_string(&w).unwrap(),
            r#"{"week_start":"2026-11-16","income":2500.5,"play_money":12.34}"#
        );
        let errors =
            WeeklyCashflow::shape(br#"{"week_start": "2026-11-16", "income": 1.001}"#).unwrap_err();
        assert_eq!(errors.on("income").unwrap().code, code::FORMAT);
    }

    #[test]
    fn negative_money_is_refused() {
        let errors =
            WeeklyCashflow::shape(br#"{"week_start": "2026-11-16", "education": -5}"#).unwrap_err();
        assert_eq!(errors.on("education").unwrap().code, code::RANGE);
    }
}
