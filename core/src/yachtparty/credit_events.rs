//! `yachtparty.credit_events`: The credits ledger (§1.13): written through award_credits only. The columns are generated (`credit_events.gen.rs`); the
//! rules over several columns are the database's checks, named here so that a violation names
//! its fields.

use crate::table::prelude::*;

include!("credit_events.gen.rs");

table! {
    insert: CreditEvent,
    patch: CreditEventPatch,
    rules: [
        Rule {
            constraint: "credit_events_amount_not_zero",
            columns: &["amount"],
            code: code::RANGE,
            description: "amount is not 0",
        },
    ],
    shape_rules: check_credit_events,
    derived: {},
    inputs {}
}

/// An award or a spend, never nothing.
fn check_credit_events(d: &mut Draft, _mode: Mode, errs: &mut ValidationErrors) {
    if let Slot::Value(0) = d.amount {
        errs.push(FieldError::new("amount", code::RANGE, "amount must not be 0"));
    }
}
