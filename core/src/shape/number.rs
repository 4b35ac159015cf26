//! Numbers: `integer`, `double precision` and fixed-point `numeric(p, s)`, with the ranges of
//! their CHECK constraints. A number may also arrive as a string holding one (forms send
//! strings); an empty string is `null`.

use std::fmt;

use serde::{Serialize, Serializer};

use super::{scalar_kind, JsonType, KindInfo, Problem, Scalar, Shaped, SqlType};
use crate::error::code;

/// "must be between 0 and 100", "must be at least 0", ...
fn out_of_range(min: Option<f64>, max: Option<f64>) -> Problem {
    let message = match (min, max) {
        (Some(a), Some(b)) => format!("must be between {a} and {b}"),
        (Some(a), None) => format!("must be at least {a}"),
        (None, Some(b)) => format!("must be at most {b}"),
        (None, None) => "is out of range".to_string(),
    };
    Problem::new(code::RANGE, message)
}

// ------------------------------------------------------------------------------------------------
// integer
// ------------------------------------------------------------------------------------------------

/// `integer`: a whole number (`42`, `42.0`, `"42"`) within `min..=max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IntSpec {
    pub(crate) min: i64,
    pub(crate) max: i64,
}

impl IntSpec {
    pub const fn info(&self) -> KindInfo {
        let mut i = KindInfo::new(JsonType::Integer, SqlType::Integer);
        if self.min > i32::MIN as i64 {
            i.minimum = Some(self.min as f64);
        }
        if self.max < i32::MAX as i64 {
            i.maximum = Some(self.max as f64);
        }
        i
    }

    fn check(&self, v: i64) -> Shaped<i32> {
        if v < self.min || v > self.max {
            let i = self.info();
            // The type's own limits still bound an unconstrained column.
            return Err(out_of_range(
                Some(i.minimum.unwrap_or(self.min as f64)),
                Some(i.maximum.unwrap_or(self.max as f64)),
            ));
        }
        // In range of an i32 by construction of min and max.
        Ok(Some(v as i32))
    }
}

impl Scalar for IntSpec {
    type Out = i32;
    fn expected(&self) -> &'static str {
        "a whole number"
    }
    fn on_i64(&self, v: i64) -> Shaped<i32> {
        self.check(v)
    }
    fn on_f64(&self, v: f64) -> Shaped<i32> {
        if v.fract() != 0.0 || !v.is_finite() {
            return Err(Problem::wrong_type("a whole number", "a fraction"));
        }
        if v.abs() >= 9.0e18 {
            return self.check(if v < 0.0 { i64::MIN } else { i64::MAX });
        }
        self.check(v as i64)
    }
    fn on_str(&self, s: &str) -> Shaped<i32> {
        let t = s.trim();
        if t.is_empty() {
            return Ok(None);
        }
        if let Ok(v) = t.parse::<i64>() {
            return self.check(v);
        }
        match t.parse::<f64>() {
            Ok(v) if v.is_finite() => self.on_f64(v),
            _ => Err(Problem::wrong_type(
                "a whole number",
                "a string that is not one",
            )),
        }
    }
}

// ------------------------------------------------------------------------------------------------
// double precision
// ------------------------------------------------------------------------------------------------

/// `double precision`: any finite number within the bounds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FloatSpec {
    pub(crate) min: Option<f64>,
    pub(crate) max: Option<f64>,
}

impl FloatSpec {
    pub const fn info(&self) -> KindInfo {
        let mut i = KindInfo::new(JsonType::Number, SqlType::DoublePrecision);
        i.minimum = self.min;
        i.maximum = self.max;
        i
    }

    pub(crate) fn check(&self, v: f64) -> Shaped<f64> {
        if !v.is_finite() {
            return Err(Problem::new(code::RANGE, "must be a finite number"));
        }
        let below = matches!(self.min, Some(min) if v < min);
        let above = matches!(self.max, Some(max) if v > max);
        if below || above {
            return Err(out_of_range(self.min, self.max));
        }
        // -0.0 and 0.0 are the same value; send one spelling.
        Ok(Some(v + 0.0))
    }
}

impl Scalar for FloatSpec {
    type Out = f64;
    fn expected(&self) -> &'static str {
        "a number"
    }
    fn on_i64(&self, v: i64) -> Shaped<f64> {
        self.check(v as f64)
    }
    fn on_u64(&self, v: u64) -> Shaped<f64> {
        self.check(v as f64)
    }
    fn on_f64(&self, v: f64) -> Shaped<f64> {
        self.check(v)
    }
    fn on_str(&self, s: &str) -> Shaped<f64> {
        let t = s.trim();
        if t.is_empty() {
            return Ok(None);
        }
        match t.parse::<f64>() {
            Ok(v) if v.is_finite() => self.check(v),
            _ => Err(Problem::wrong_type("a number", "a string that is not one")),
        }
    }
}

// ------------------------------------------------------------------------------------------------
// numeric(p, s)
// ------------------------------------------------------------------------------------------------

/// A fixed-point number: `units / 10^scale`, exact (money is never floating point in the
/// database). Serialises as a JSON number whose text is exactly the decimal value (`1234.56`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Decimal {
    units: i64,
    scale: u8,
}

impl Decimal {
    /// `units / 10^scale`: `Decimal::from_units(123456, 2)` is 1234.56.
    pub const fn from_units(units: i64, scale: u8) -> Decimal {
        Decimal { units, scale }
    }
    /// The value in its smallest unit (cents for money).
    pub const fn units(self) -> i64 {
        self.units
    }
    pub const fn scale(self) -> u8 {
        self.scale
    }
    /// The nearest `f64`; for up to 15 significant digits its shortest text is the exact decimal.
    pub fn to_f64(self) -> f64 {
        // Both operands are exact, so the quotient is the double nearest the decimal value.
        self.units as f64 / pow10(self.scale) as f64
    }
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let p = pow10(self.scale) as u64;
        let sign = if self.units < 0 { "-" } else { "" };
        let abs = self.units.unsigned_abs();
        if self.scale == 0 {
            write!(f, "{sign}{abs}")
        } else {
            write!(
                f,
                "{sign}{}.{:0width$}",
                abs / p,
                abs % p,
                width = self.scale as usize
            )
        }
    }
}

impl Serialize for Decimal {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.scale == 0 {
            s.serialize_i64(self.units)
        } else {
            s.serialize_f64(self.to_f64())
        }
    }
}

const fn pow10(n: u8) -> i64 {
    let mut p: i64 = 1;
    let mut i = 0;
    while i < n {
        p *= 10;
        i += 1;
    }
    p
}

/// `numeric(precision, scale)`, optionally bounded. More decimals than `scale` are refused rather
/// than rounded, so what is stored is what was sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NumericSpec {
    pub(crate) precision: u8,
    pub(crate) scale: u8,
    /// Bounds in units.
    pub(crate) min: Option<i64>,
    pub(crate) max: Option<i64>,
}

impl NumericSpec {
    pub const fn new(precision: u8, scale: u8) -> Self {
        NumericSpec {
            precision,
            scale,
            min: None,
            max: None,
        }
    }
    /// `>= min` (a whole number).
    pub const fn at_least(mut self, min: i64) -> Self {
        self.min = Some(min * pow10(self.scale));
        self
    }
    /// `between min and max` (whole numbers).
    pub const fn between(mut self, min: i64, max: i64) -> Self {
        self.min = Some(min * pow10(self.scale));
        self.max = Some(max * pow10(self.scale));
        self
    }

    pub const fn info(&self) -> KindInfo {
        let step = pow10(self.scale) as f64;
        let mut i = KindInfo::new(
            JsonType::Number,
            SqlType::Numeric {
                precision: self.precision,
                scale: self.scale,
            },
        );
        i.minimum = match self.min {
            Some(u) => Some(u as f64 / step),
            None => None,
        };
        i.maximum = match self.max {
            Some(u) => Some(u as f64 / step),
            None => None,
        };
        i.multiple_of = Some(1.0 / step);
        i.accepts = "a number or a string holding one";
        i
    }

    fn check(&self, units: i128) -> Shaped<Decimal> {
        let limit = pow10(self.precision) as i128;
        if units.abs() >= limit {
            return Err(Problem::new(
                code::RANGE,
                format!(
                    "must have at most {} digits before the decimal point",
                    self.precision - self.scale
                ),
            ));
        }
        let below = matches!(self.min, Some(min) if units < min as i128);
        let above = matches!(self.max, Some(max) if units > max as i128);
        if below || above {
            let i = self.info();
            return Err(out_of_range(i.minimum, i.maximum));
        }
        Ok(Some(Decimal {
            units: units as i64,
            scale: self.scale,
        }))
    }

    fn too_many_decimals(&self) -> Problem {
        Problem::new(
            code::FORMAT,
            format!("must have at most {} decimal places", self.scale),
        )
    }

    /// Exact parse of `[+-]digits[.digits]`; `None` when the text has another shape.
    fn parse_plain(&self, t: &str) -> Option<Shaped<Decimal>> {
        let (negative, body) = match t.as_bytes().first()? {
            b'-' => (true, &t[1..]),
            b'+' => (false, &t[1..]),
            _ => (false, t),
        };
        let (int, frac) = body.split_once('.').unwrap_or((body, ""));
        let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if (int.is_empty() && frac.is_empty())
            || !digits(int)
            || !digits(frac)
            || (body.contains('.') && frac.is_empty())
        {
            return None;
        }
        let int = int.trim_start_matches('0');
        if int.len() > 30 {
            return Some(self.check(i128::MAX));
        }
        let scale = self.scale as usize;
        if frac.len() > scale && frac.as_bytes()[scale..].iter().any(|b| *b != b'0') {
            return Some(Err(self.too_many_decimals()));
        }
        let mut units: i128 = 0;
        for b in int.bytes() {
            units = units * 10 + (b - b'0') as i128;
        }
        let fb = frac.as_bytes();
        for k in 0..scale {
            units = units * 10 + fb.get(k).map_or(0, |b| (b - b'0') as i128);
        }
        Some(self.check(if negative { -units } else { units }))
    }
}

impl Scalar for NumericSpec {
    type Out = Decimal;
    fn expected(&self) -> &'static str {
        "a number"
    }
    fn on_i64(&self, v: i64) -> Shaped<Decimal> {
        self.check(v as i128 * pow10(self.scale) as i128)
    }
    fn on_u64(&self, v: u64) -> Shaped<Decimal> {
        self.check(v as i128 * pow10(self.scale) as i128)
    }
    fn on_f64(&self, v: f64) -> Shaped<Decimal> {
        if !v.is_finite() {
            return Err(Problem::new(code::RANGE, "must be a finite number"));
        }
        let scaled = v * pow10(self.scale) as f64;
        if scaled.abs() >= 1e30 {
            return self.check(i128::MAX);
        }
        let rounded = scaled.round();
        // The binary double of 1234.56 is not exactly 1234.56: allow what the conversion costs,
        // but refuse a genuine extra decimal (1.005 is 100.5 cents).
        let tolerance = (scaled.abs() * 4.0 * f64::EPSILON).max(1e-6);
        if (scaled - rounded).abs() > tolerance {
            return Err(self.too_many_decimals());
        }
        self.check(rounded as i128)
    }
    fn on_str(&self, s: &str) -> Shaped<Decimal> {
        let t = s.trim();
        if t.is_empty() {
            return Ok(None);
        }
        if let Some(r) = self.parse_plain(t) {
            return r;
        }
        match t.parse::<f64>() {
            Ok(v) if v.is_finite() => self.on_f64(v),
            _ => Err(Problem::wrong_type("a number", "a string that is not one")),
        }
    }
}

scalar_kind!(IntSpec => i32, FloatSpec => f64, NumericSpec => Decimal);

#[cfg(test)]
mod tests {
    use super::super::testing::{code_of, shape_str};
    use super::super::*;

    #[test]
    fn an_integer_within_its_range_is_accepted_from_a_number_or_a_string() {
        assert_eq!(shape_str(&int_range(0, 100), "42"), Ok(Some(42)));
        assert_eq!(shape_str(&int_range(0, 100), "42.0"), Ok(Some(42)));
        assert_eq!(shape_str(&int_range(0, 100), r#"" 42 ""#), Ok(Some(42)));
    }

    #[test]
    fn an_integer_outside_its_range_is_rejected() {
        assert_eq!(code_of(shape_str(&int_range(0, 100), "101")), code::RANGE);
        assert_eq!(code_of(shape_str(&int_min(0), "-1")), code::RANGE);
        assert_eq!(code_of(shape_str(&int(), "2147483648")), code::RANGE);
        assert_eq!(code_of(shape_str(&int(), "1e300")), code::RANGE);
        assert_eq!(
            code_of(shape_str(&int(), "18446744073709551615")),
            code::RANGE
        );
    }

    #[test]
    fn a_fraction_is_not_an_integer() {
        assert_eq!(code_of(shape_str(&int(), "4.5")), code::TYPE);
        assert_eq!(code_of(shape_str(&int(), r#""four""#)), code::TYPE);
    }

    #[test]
    fn a_range_error_names_the_bounds() {
        let p = shape_str(&int_range(0, 5), "9").unwrap_err();
        assert_eq!(p.message, "must be between 0 and 5");
    }

    #[test]
    fn a_float_is_accepted_within_its_bounds() {
        assert_eq!(shape_str(&float_range(0.0, 1.0), "0.042"), Ok(Some(0.042)));
        assert_eq!(shape_str(&float_range(0.0, 1.0), "1"), Ok(Some(1.0)));
        assert_eq!(
            code_of(shape_str(&float_range(0.0, 1.0), "1.5")),
            code::RANGE
        );
        assert_eq!(code_of(shape_str(&float_min(0.0), "-0.1")), code::RANGE);
    }

    #[test]
    fn a_float_in_a_string_is_accepted_but_not_infinity() {
        assert_eq!(shape_str(&float(), r#""2.5""#), Ok(Some(2.5)));
        assert_eq!(code_of(shape_str(&float(), r#""inf""#)), code::TYPE);
        assert_eq!(code_of(shape_str(&float(), r#""NaN""#)), code::TYPE);
    }

    #[test]
    fn negative_zero_is_sent_as_zero() {
        let v = shape_str(&float(), "-0.0").unwrap().unwrap();
        assert!(v.is_sign_positive());
    }

    #[test]
    fn a_numeric_keeps_its_exact_decimal_value() {
        let money = numeric(14, 2);
        let d = shape_str(&money, "1234.56").unwrap().unwrap();
        assert_eq!(d.units(), 123456);
        assert_eq!(serde_json::to_string(&d).unwrap(), "1234.56");
        assert_eq!(d.to_string(), "1234.56");
        assert_eq!(
            shape_str(&money, r#""1234.5""#).unwrap().unwrap().units(),
            123450
        );
        assert_eq!(shape_str(&money, "12").unwrap().unwrap().units(), 1200);
        assert_eq!(
            shape_str(&money, r#""-0.07""#)
                .unwrap()
                .unwrap()
                .to_string(),
            "-0.07"
        );
    }

    #[test]
    fn a_numeric_with_more_decimals_than_its_scale_is_rejected_not_rounded() {
        assert_eq!(code_of(shape_str(&numeric(14, 2), "1.005")), code::FORMAT);
        assert_eq!(
            code_of(shape_str(&numeric(14, 2), r#""1.005""#)),
            code::FORMAT
        );
        assert_eq!(
            shape_str(&numeric(14, 2), r#""1.500""#)
                .unwrap()
                .unwrap()
                .units(),
            150
        );
    }

    #[test]
    fn a_numeric_beyond_its_precision_or_bounds_is_rejected() {
        assert_eq!(
            code_of(shape_str(&numeric(14, 2), "1000000000000")),
            code::RANGE
        );
        assert_eq!(
            shape_str(&numeric(14, 2), "999999999999.99")
                .unwrap()
                .unwrap()
                .units(),
            99_999_999_999_999
        );
        assert_eq!(
            code_of(shape_str(&numeric(5, 2).between(0, 100), "100.01")),
            code::RANGE
        );
        assert_eq!(
            code_of(shape_str(&numeric(14, 2).at_least(0), "-1")),
            code::RANGE
        );
    }

    #[test]
    fn a_numeric_describes_its_bounds_and_step() {
        let i = numeric(5, 2).between(0, 100).info();
        assert_eq!(
            (i.minimum, i.maximum, i.multiple_of),
            (Some(0.0), Some(100.0), Some(0.01))
        );
    }

    #[test]
    fn large_money_amounts_survive_the_trip_through_a_double() {
        let money = numeric(14, 2);
        for text in [
            "999999999999.99",
            "123456789012.34",
            "0.01",
            "70368744177.67",
        ] {
            let d = shape_str(&money, text).unwrap().unwrap();
            assert_eq!(serde_json::to_string(&d).unwrap(), text);
        }
    }
}
