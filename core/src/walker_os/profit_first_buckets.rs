//! `walker_os.profit_first_buckets`: how a period's revenue is split (Profit First). The six
//! percentages must add up to 100; what each bucket receives is a generated column, which the
//! client cannot write and [`ProfitFirstBuckets::amounts`] computes the same way.

use crate::table::prelude::*;

/// The percentages' defaults in units of 0.01 %, in the order fixed costs, freedom, play,
/// savings, education, zakat: 50, 15, 12.5, 10, 10, 2.5 (a test keeps them equal to the
/// columns' defaults).
pub const DEFAULT_PCT_UNITS: [i64; 6] = [5000, 1500, 1250, 1000, 1000, 250];

include!("profit_first_buckets.gen.rs");

table! {
    insert: ProfitFirstBuckets,
    patch: ProfitFirstBucketsPatch,
    rules: [Rule {
        constraint: "profit_first_buckets_pcts_sum_to_100",
        columns: &["fixed_costs_pct", "freedom_pct", "play_pct", "savings_pct", "education_pct", "zakat_pct"],
        code: code::SUM,
        description: "the six percentages add up to 100",
        }
    ],
    shape_rules: check_sum,
    derived: {  },
    inputs {}
}

/// The field name under which shaping reports a broken sum: the rule's, after the CHECK
/// constraint's name (the database's violation names the six percentages instead).
pub const SUM_FIELD: &str = "pcts_sum_to_100";

/// The sum of the six percentages must be 100. In a patch that leaves some out the database
/// checks it against the stored ones.
fn check_sum(d: &mut Draft, mode: Mode, errs: &mut ValidationErrors) {
    let slots = [
        &d.fixed_costs_pct,
        &d.freedom_pct,
        &d.play_pct,
        &d.savings_pct,
        &d.education_pct,
        &d.zakat_pct,
    ];
    let mut sum = 0;
    for (slot, default) in slots.into_iter().zip(DEFAULT_PCT_UNITS) {
        sum += match (slot, mode) {
            (Slot::Value(pct), _) => pct.units(),
            (Slot::Absent, Mode::Insert) => default,
            _ => return,
        };
    }
    if sum != 10_000 {
        errs.push(FieldError::new(
            SUM_FIELD,
            code::SUM,
            format!(
                "fixed_costs_pct + freedom_pct + play_pct + savings_pct + education_pct + zakat_pct must be 100, not {}",
                Decimal::from_units(sum, 2)
            ),
        ));
    }
}

/// What each bucket receives of the revenue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BucketAmounts {
    pub fixed_costs: Decimal,
    pub freedom: Decimal,
    pub play: Decimal,
    pub savings: Decimal,
    pub education: Decimal,
    pub zakat: Decimal,
}

/// `round(revenue * pct / 100, 2)` as Postgres computes it on numerics: exact, then rounded half
/// away from zero to the cent.
pub fn bucket_amount(revenue: Decimal, pct: Decimal) -> Decimal {
    // revenue in cents × pct in hundredths of a percent = cents × 10^4.
    let n = revenue.units() as i128 * pct.units() as i128;
    let cents = (n.abs() + 5_000) / 10_000;
    Decimal::from_units((if n < 0 { -cents } else { cents }) as i64, 2)
}

impl ProfitFirstBuckets {
    /// The amounts the database's generated columns hold for this record (left-out fields take
    /// their defaults).
    pub fn amounts(&self) -> BucketAmounts {
        let revenue = self.revenue.unwrap_or(Decimal::from_units(0, 2));
        let pct = |p: Option<Decimal>, i: usize| {
            bucket_amount(
                revenue,
                p.unwrap_or(Decimal::from_units(DEFAULT_PCT_UNITS[i], 2)),
            )
        };
        BucketAmounts {
            fixed_costs: pct(self.fixed_costs_pct, 0),
            freedom: pct(self.freedom_pct, 1),
            play: pct(self.play_pct, 2),
            savings: pct(self.savings_pct, 3),
            education: pct(self.education_pct, 4),
            zakat: pct(self.zakat_pct, 5),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::ColumnDefault;

    #[test]
    fn the_default_percentages_add_up_to_100_and_match_the_columns() {
        assert_eq!(DEFAULT_PCT_UNITS.iter().sum::<i64>(), 10_000);
        let names = [
            "fixed_costs_pct",
            "freedom_pct",
            "play_pct",
            "savings_pct",
            "education_pct",
            "zakat_pct",
        ];
        for (name, units) in names.iter().zip(DEFAULT_PCT_UNITS) {
            let ColumnDefault::Constant(text) = TABLE.column(name).unwrap().default else {
                panic!("{name}")
            };
            assert_eq!(text.parse::<f64>().unwrap(), units as f64 / 100.0, "{name}");
        }
    }

    #[test]
    fn percentages_that_do_not_add_up_to_100_are_refused() {
        let errors =
            ProfitFirstBuckets::shape(br#"{"period_start": "2026-11-01", "play_pct": 20}"#)
                .unwrap_err();
        let e = errors.on(SUM_FIELD).unwrap();
        assert_eq!(e.code, code::SUM);
        assert!(e.message.ends_with("not 107.50"), "{}", e.message);
        let ok = ProfitFirstBuckets::shape(
            br#"{"period_start": "2026-11-01", "play_pct": 5, "freedom_pct": "22.5"}"#,
        );
        assert!(ok.is_ok());
    }

    #[test]
    fn a_patch_of_some_percentages_is_left_to_the_database() {
        assert!(ProfitFirstBucketsPatch::shape(br#"{"play_pct": 20}"#).is_ok());
        let all = br#"{"fixed_costs_pct": 50, "freedom_pct": 15, "play_pct": 20, "savings_pct": 10, "education_pct": 10, "zakat_pct": 2.5}"#;
        assert_eq!(
            ProfitFirstBucketsPatch::shape(all).unwrap_err().as_slice()[0].code,
            code::SUM
        );
    }

    #[test]
    fn bucket_amounts_cannot_be_written() {
        let errors =
            ProfitFirstBuckets::shape(br#"{"period_start": "2026-11-01", "play_amount": 5}"#)
                .unwrap_err();
        assert_eq!(errors.on("play_amount").unwrap().code, code::READONLY);
    }

    #[test]
    fn bucket_amounts_round_half_away_from_zero_to_the_cent() {
        let b =
            ProfitFirstBuckets::shape(br#"{"period_start": "2026-11-01", "revenue": 10000.01}"#)
                .unwrap();
        let a = b.amounts();
        // 10000.01 × 12.5 % = 1250.00125 → 1250.00; × 2.5 % = 250.00025 → 250.00; × 50 % = 5000.005 → 5000.01.
        assert_eq!(a.play.to_string(), "1250.00");
        assert_eq!(a.zakat.to_string(), "250.00");
        assert_eq!(a.fixed_costs.to_string(), "5000.01");
    }
}
