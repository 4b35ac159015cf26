//! Helpers: input generators driven by the registry's column descriptions (so a new table is
//! covered without new test code), the property tests' runner configuration, and the database
//! connection.
//!
//! Two record generators: [`valid_record`] builds only records that shape (every value valid for
//! its column, every cross-column rule kept by leaving the rule's optional columns to their
//! defaults), so tests can require that all of them shape and reach the database; [`record`]
//! mixes valid, messy and wrong values to explore the refusals.

use std::env;

use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::{Config, RngSeed};
use rowgate_core::postgrest::query::{ColumnClass, Operator, TEXT_SEARCH_CONFIGS};
use rowgate_core::shape::{Format, JsonType, SqlType};
use rowgate_core::table::{Column, TableDef};
use serde_json::{json, Map, Value};

/// The seed every property test runs with, so that CI sees the same cases on every run. Set
/// `PROPTEST_RNG_SEED` to explore other cases locally (a failure prints its input).
pub const SEED: u64 = 0x726f_7767_6174_6531;

/// A runner configuration: `cases` cases, a fixed seed (or `PROPTEST_RNG_SEED`'s), no failure
/// files.
pub fn config(cases: u32) -> Config {
    let base = Config::default();
    let rng_seed = match base.rng_seed {
        RngSeed::Random => RngSeed::Fixed(SEED),
        chosen => chosen,
    };
    Config {
        cases,
        rng_seed,
        failure_persistence: None,
        ..base
    }
}

/// Randomly mixes case and pads with whitespace, as clients do.
fn messy(s: String) -> impl Strategy<Value = String> {
    (any::<u64>(), 0..4usize).prop_map(move |(bits, pad)| {
        let mixed: String = s
            .chars()
            .enumerate()
            .map(|(i, c)| {
                if bits >> (i % 64) & 1 == 1 {
                    c.to_ascii_uppercase()
                } else {
                    c.to_ascii_lowercase()
                }
            })
            .collect();
        match pad {
            0 => mixed,
            1 => format!(" {mixed}"),
            2 => format!("{mixed}\t "),
            _ => format!("  {mixed}  "),
        }
    })
}

fn text(max: Option<u32>) -> BoxedStrategy<Value> {
    let short = max.unwrap_or(60).min(60) as usize;
    let long = max.map(|m| m as usize);
    let mut options: Vec<BoxedStrategy<String>> = vec![
        proptest::string::string_regex(&format!("[ a-zA-Z0-9,.'éßü-]{{0,{short}}}"))
            .unwrap()
            .boxed(),
        proptest::string::string_regex(&format!("\\PC{{0,{short}}}"))
            .unwrap()
            .boxed(),
        Just("with a \u{0} NUL".to_string()).boxed(),
        Just("  ".to_string()).boxed(),
    ];
    if let Some(n) = long {
        options.push(Just("é".repeat(n)).boxed());
        options.push(Just("x".repeat(n + 1)).boxed());
    }
    proptest::strategy::Union::new_weighted(
        options
            .into_iter()
            .enumerate()
            .map(|(i, s)| (if i < 2 { 20 } else { 1 }, s))
            .collect(),
    )
    .prop_map(Value::String)
    .boxed()
}

fn email() -> BoxedStrategy<Value> {
    prop_oneof![
        20 => ("[a-z0-9._%+-]{1,20}", "[a-z0-9-]{1,12}", "[a-z]{2,6}")
            .prop_flat_map(|(l, d, t)| messy(format!("{l}@{d}.{t}"))),
        2 => ("[a-zé]{1,8}", "[a-zß]{1,8}").prop_map(|(l, d)| format!("{l}@{d}.example")),
        1 => "[a-z@. ]{0,12}",
    ]
    .prop_map(Value::String)
    .boxed()
}

fn phone() -> BoxedStrategy<Value> {
    prop_oneof![
        10 => ("[1-9]", "[0-9]{6,14}", 0..4usize).prop_map(|(cc, rest, style)| match style {
            0 => format!("+{cc}{rest}"),
            1 => format!("+{cc} {rest}"),
            2 => format!("00{cc}-{rest}"),
            _ => format!("+{cc} ({}) {}", &rest[..2], &rest[2..]),
        }),
        1 => "[0-9 +()-]{0,20}",
    ]
    .prop_map(Value::String)
    .boxed()
}

fn url() -> BoxedStrategy<Value> {
    prop_oneof![
        10 => ("(http|https|HTTPS)", "[a-z0-9-]{1,12}\\.[a-z]{2,5}", "(/[a-zA-Z0-9._~%-]{0,12}){0,3}")
            .prop_map(|(s, h, p)| format!("{s}://{h}{p}")),
        1 => "[a-z:/ .]{0,20}",
    ]
    .prop_map(Value::String)
    .boxed()
}

fn thread_id(max: Option<u32>) -> BoxedStrategy<Value> {
    let max = max.unwrap_or(100) as usize;
    prop_oneof![
        10 => ("(bm|BM|Bm)", "[A-Za-z0-9][A-Za-z0-9_-]{0,30}").prop_map(|(p, r)| format!("{p}-{r}")),
        1 => Just(format!("bm-{}", "a".repeat(max))),
        1 => "[a-z -]{0,10}",
    ]
    .prop_map(Value::String)
    .boxed()
}

fn uuid() -> BoxedStrategy<Value> {
    (any::<u128>(), 0..4usize)
        .prop_map(|(n, style)| {
            let u = uuid::Uuid::from_u128(n);
            Value::String(match style {
                0 | 1 => u.hyphenated().to_string(),
                2 => u.hyphenated().to_string().to_uppercase(),
                _ => u.simple().to_string(),
            })
        })
        .boxed()
}

fn date() -> BoxedStrategy<Value> {
    prop_oneof![
        10 => (1u32..=9999, 1u32..=12, 1u32..=28).prop_map(|(y, m, d)| format!("{y:04}-{m:02}-{d:02}")),
        1 => "[0-9/-]{0,12}",
    ]
    .prop_map(Value::String)
    .boxed()
}

/// Mostly within two days of each other, so that pairs of timestamps are often in order and close.
fn timestamp() -> BoxedStrategy<Value> {
    let near = (
        0i64..2 * 86_400,
        0u32..1_000_000,
        -14i32..=14,
        any::<bool>(),
    )
        .prop_map(|(s, us, off, frac)| {
            let t = 1_795_000_000 + s;
            render_timestamp(t, if frac { us } else { 0 }, off)
        });
    let far = (
        -62_135_596_800i64 + 86_400..253_402_214_400 - 86_400,
        -12i32..=12,
    )
        .prop_map(|(t, off)| render_timestamp(t, 0, off));
    prop_oneof![
        8 => near,
        2 => far,
        1 => "[0-9:T -]{0,25}",
    ]
    .prop_map(Value::String)
    .boxed()
}

/// An instant written in a zone `offset_hours` from UTC.
fn render_timestamp(unix: i64, micros: u32, offset_hours: i32) -> String {
    let local = unix + offset_hours as i64 * 3600;
    let days = local.div_euclid(86_400);
    let secs = local.rem_euclid(86_400);
    let (y, m, d) = civil(days);
    let zone = match offset_hours {
        0 => "Z".to_string(),
        h => format!("{}{:02}:00", if h < 0 { '-' } else { '+' }, h.abs()),
    };
    let frac = if micros == 0 {
        String::new()
    } else {
        format!(".{micros:06}")
    };
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}{frac}{zone}",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

fn civil(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + if m <= 2 { 1 } else { 0 }, m, d)
}

fn integer(c: &Column) -> BoxedStrategy<Value> {
    let lo = c.kind.minimum.map_or(-1_000_000, |v| v as i64 - 2);
    let hi = c.kind.maximum.map_or(1_000_000, |v| v as i64 + 2);
    prop_oneof![
        8 => (lo..=hi).prop_map(|v| json!(v)),
        1 => (lo..=hi).prop_map(|v| json!(format!(" {v} "))),
        1 => any::<i64>().prop_map(|v| json!(v)),
    ]
    .boxed()
}

fn float(c: &Column) -> BoxedStrategy<Value> {
    let lo = c.kind.minimum.unwrap_or(-1e6) - 1.0;
    let hi = c.kind.maximum.unwrap_or(1e6) + 1.0;
    prop_oneof![
        8 => (lo..hi).prop_map(|v| json!(v)),
        1 => (lo..hi).prop_map(|v| json!(v.to_string())),
        1 => any::<f64>().prop_filter("finite", |v| v.is_finite()).prop_map(|v| json!(v)),
    ]
    .boxed()
}

fn numeric(c: &Column, precision: u8, scale: u8) -> BoxedStrategy<Value> {
    let step = 10i64.pow(scale as u32);
    let limit = 10i64.pow(precision as u32) - 1;
    let lo = c
        .kind
        .minimum
        .map_or(-limit, |v| (v * step as f64) as i64 - 3);
    let hi = c
        .kind
        .maximum
        .map_or(limit, |v| (v * step as f64) as i64 + 3);
    prop_oneof![
        6 => (lo..=hi).prop_map(move |u| json!(u as f64 / step as f64)),
        2 => (lo..=hi).prop_map(move |u| {
            let sign = if u < 0 { "-" } else { "" };
            json!(format!("{sign}{}.{:0w$}", u.abs() / step, u.abs() % step, w = scale as usize))
        }),
        1 => (lo / step..=hi / step).prop_map(|v| json!(v)),
        1 => (lo..=hi).prop_map(move |u| json!(u as f64 / step as f64 + 0.001)),
    ]
    .boxed()
}

fn boolean() -> BoxedStrategy<Value> {
    prop_oneof![8 => any::<bool>().prop_map(Value::Bool), 1 => select(vec!["TRUE", " false", "yes"]).prop_map(|s| json!(s))].boxed()
}

fn text_array() -> BoxedStrategy<Value> {
    let item = "[ a-zA-Z0-9éü-]{0,12}";
    prop_oneof![
        4 => proptest::collection::vec(item, 0..5).prop_map(|v| json!(v)),
        3 => proptest::collection::vec("[a-zA-Z0-9 ]{0,10}", 0..5).prop_map(|v| json!(v.join(","))),
        1 => proptest::collection::vec(prop_oneof![Just(json!(null)), Just(json!(3)), Just(json!("x"))], 0..4).prop_map(Value::Array),
    ]
    .boxed()
}

fn object() -> BoxedStrategy<Value> {
    prop_oneof![
        8 => valid_object(),
        1 => Just(json!([1, 2])),
    ]
    .boxed()
}

fn vector(dims: u32) -> BoxedStrategy<Value> {
    let n = dims as usize;
    prop_oneof![
        10 => proptest::collection::vec(-1.0f32..1.0, n..=n).prop_map(|v| json!(v)),
        1 => proptest::collection::vec(-1.0f32..1.0, n - 1..=n - 1).prop_map(|v| json!(v)),
    ]
    .boxed()
}

/// A plausible value for the column: mostly valid, sometimes messy, sometimes wrong.
pub fn value(c: &Column) -> BoxedStrategy<Value> {
    let k = &c.kind;
    let typed = if !k.enum_values.is_empty() {
        let values: Vec<String> = k.enum_values.iter().map(|s| s.to_string()).collect();
        prop_oneof![20 => select(values).prop_flat_map(messy).prop_map(Value::String), 1 => Just(json!("bogus"))].boxed()
    } else {
        match (k.json_type, k.format, k.sql) {
            (_, Some(Format::Email), _) => email(),
            (_, Some(Format::Phone), _) => phone(),
            (_, Some(Format::Url), _) => url(),
            (_, Some(Format::ThreadId), _) => thread_id(k.max_length),
            (_, Some(Format::Uuid), _) => uuid(),
            (_, Some(Format::Date), _) => date(),
            (_, Some(Format::DateTime), _) => timestamp(),
            (_, Some(Format::Time), _) => time_of_day(),
            (_, Some(Format::TwilioMessageSid), _) => twilio_sid(),
            (_, Some(Format::EventType), _) => event_type(),
            (JsonType::Any, ..) => json_value(),
            (JsonType::String, None, _) => text(k.max_length),
            (JsonType::Integer, ..) => integer(c),
            (JsonType::Number, _, SqlType::Numeric { precision, scale }) => {
                numeric(c, precision, scale)
            }
            (JsonType::Number, ..) => float(c),
            (JsonType::Boolean, ..) => boolean(),
            (JsonType::Array, _, SqlType::Vector(dims)) => vector(dims),
            (JsonType::Array, _, SqlType::UuidArray) => uuid_array(),
            (JsonType::Array, _, SqlType::Jsonb) => json_array(),
            (JsonType::Array, ..) => text_array(),
            (JsonType::Object, ..) => object(),
        }
    };
    prop_oneof![30 => typed, 1 => Just(Value::Null), 1 => Just(json!("")), 1 => Just(json!(true))]
        .boxed()
}

/// A body a client might send for an insert into `t`: one in three from [`valid_record`] (it
/// shapes), the others from [`messy_record`] (it may or may not).
pub fn record(t: &'static TableDef) -> BoxedStrategy<Value> {
    prop_oneof![1 => valid_record(t), 2 => messy_record(t)].boxed()
}

/// A body a client might send for an insert into `t`: required fields nearly always, others
/// sometimes, derived ones rarely, read-only ones and unknown ones very rarely; values mostly
/// valid, sometimes messy, sometimes wrong.
pub fn messy_record(t: &'static TableDef) -> BoxedStrategy<Value> {
    let mut fields: Vec<BoxedStrategy<Option<(String, Value)>>> = Vec::new();
    for c in t.columns().iter().chain(t.inputs()) {
        let name = c.name.to_string();
        let (absent, present) = if c.required {
            (1, 40)
        } else if !c.insertable {
            (30, 1)
        } else if !c.derived_from.is_empty() {
            (12, 3)
        } else {
            (12, 12)
        };
        fields.push(
            prop_oneof![absent => Just(None), present => value(c).prop_map(move |v| Some((name.clone(), v)))].boxed(),
        );
    }
    let unknown =
        prop_oneof![30 => Just(None), 1 => Just(Some(("not_a_column".to_string(), json!(1))))];
    // A table whose fields must add up (profit-first percentages) gets them left out half the
    // time, so that its defaults apply and records get through to the rest of the rules.
    let sums = t
        .rules
        .iter()
        .any(|r| r.code == rowgate_core::error::code::SUM);
    (fields, unknown, any::<bool>())
        .prop_map(move |(fields, unknown, drop_parts)| {
            let mut m = Map::new();
            for (k, v) in fields.into_iter().flatten().chain(unknown) {
                if !(sums && drop_parts && k.ends_with("_pct")) {
                    m.insert(k, v);
                }
            }
            Value::Object(m)
        })
        .boxed()
}

/// Any JSON value, objects among them.
pub fn any_json() -> BoxedStrategy<Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|v| json!(v)),
        any::<u64>().prop_map(|v| json!(v)),
        any::<f64>()
            .prop_filter("finite", |v| v.is_finite())
            .prop_map(|v| json!(v)),
        "\\PC{0,20}".prop_map(Value::String),
        ".{0,8}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            proptest::collection::btree_map("\\PC{0,10}", inner, 0..8)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
    .boxed()
}

/// An object with the table's real field names (and a few others) holding any JSON at all.
pub fn wrong_types(t: &'static TableDef) -> BoxedStrategy<Value> {
    let names: Vec<String> = t
        .columns()
        .iter()
        .chain(t.inputs())
        .map(|c| c.name.to_string())
        .chain(["", "x", "EMAIL"].map(String::from))
        .collect();
    proptest::collection::vec((select(names), any_json()), 0..12)
        .prop_map(|pairs| Value::Object(pairs.into_iter().collect()))
        .boxed()
}

// ------------------------------------------------------------------------------------------------
// Valid records
// ------------------------------------------------------------------------------------------------

fn valid_text(min: u32, max: Option<u32>) -> BoxedStrategy<Value> {
    // Every generated text has a visible first character, so it is never blank; `min` is at most 1.
    assert!(min <= 1, "a longer minimum needs its own generator");
    let short = max.unwrap_or(60).min(60) as usize;
    prop_oneof![
        10 => proptest::string::string_regex(&format!("[a-zA-Z0-9é][ a-zA-Z0-9,.'éßü-]{{0,{}}}", short.saturating_sub(1)))
            .unwrap(),
        // Anything printable but a control or format character, trimmed to something.
        3 => proptest::string::string_regex(&format!("[^\\p{{C}}\\s]\\PC{{0,{}}}", short.saturating_sub(1)))
            .unwrap(),
        1 => Just("é".repeat(max.unwrap_or(60) as usize)),
    ]
    .prop_map(Value::String)
    .boxed()
}

fn valid_email() -> BoxedStrategy<Value> {
    ("[a-z0-9._%+'-]{1,20}", "[a-z0-9-]{1,12}", "[a-z]{2,6}")
        .prop_flat_map(|(l, d, t)| messy(format!("{l}@{d}.{t}")))
        .prop_map(Value::String)
        .boxed()
}

fn valid_integer(c: &Column) -> BoxedStrategy<Value> {
    let lo = c.kind.minimum.map_or(-1_000_000, |v| v as i64);
    let hi = c.kind.maximum.map_or(1_000_000, |v| v as i64);
    prop_oneof![
        4 => (lo..=hi).prop_map(|v| json!(v)),
        1 => (lo..=hi).prop_map(|v| json!(format!(" {v} "))),
    ]
    .boxed()
}

fn valid_float(c: &Column) -> BoxedStrategy<Value> {
    let lo = c.kind.minimum.unwrap_or(-1e6);
    let hi = c.kind.maximum.unwrap_or(1e6);
    prop_oneof![
        4 => (lo..=hi).prop_map(|v| json!(v)),
        1 => (lo..=hi).prop_map(|v| json!(v.to_string())),
        1 => Just(json!(lo)),
        1 => Just(json!(hi)),
    ]
    .boxed()
}

fn valid_numeric(c: &Column, precision: u8, scale: u8) -> BoxedStrategy<Value> {
    let step = 10i64.pow(scale as u32);
    let limit = 10i64.pow(precision as u32) - 1;
    let lo = c
        .kind
        .minimum
        .map_or(-limit, |v| (v * step as f64).round() as i64);
    let hi = c
        .kind
        .maximum
        .map_or(limit, |v| (v * step as f64).round() as i64);
    prop_oneof![
        2 => (lo..=hi).prop_map(move |u| json!(u as f64 / step as f64)),
        1 => (lo..=hi).prop_map(move |u| {
            let sign = if u < 0 { "-" } else { "" };
            json!(format!("{sign}{}.{:0w$}", u.abs() / step, u.abs() % step, w = scale as usize))
        }),
    ]
    .boxed()
}

fn valid_text_array() -> BoxedStrategy<Value> {
    prop_oneof![
        proptest::collection::vec("[ a-zA-Z0-9éü-]{0,12}", 0..5).prop_map(|v| json!(v)),
        proptest::collection::vec("[a-zA-Z0-9 ]{0,10}", 0..5).prop_map(|v| json!(v.join(","))),
    ]
    .boxed()
}

fn valid_object() -> BoxedStrategy<Value> {
    proptest::collection::btree_map("[a-z_]{1,8}", json_value(), 0..5)
        .prop_map(|m| Value::Object(m.into_iter().collect()))
        .boxed()
}

/// Any JSON value a `jsonb` column holds: strings without NUL, finite numbers.
fn json_value() -> BoxedStrategy<Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i32>().prop_map(|v| json!(v)),
        (-1e9f64..1e9).prop_map(|v| json!(v)),
        "\\PC{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(2, 12, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::btree_map("\\PC{1,6}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
    .boxed()
}

/// A value the column surely accepts.
pub fn valid_value(c: &Column) -> BoxedStrategy<Value> {
    let k = &c.kind;
    if !k.enum_values.is_empty() {
        let values: Vec<String> = k.enum_values.iter().map(|s| s.to_string()).collect();
        return select(values)
            .prop_flat_map(messy)
            .prop_map(Value::String)
            .boxed();
    }
    match (k.json_type, k.format, k.sql) {
        (_, Some(Format::Email), _) => valid_email(),
        (_, Some(Format::Phone), _) => ("[1-9]", "[0-9]{6,14}", 0..3usize)
            .prop_map(|(cc, rest, style)| {
                json!(match style {
                    0 => format!("+{cc}{rest}"),
                    1 => format!("+{cc} {rest}"),
                    _ => format!("00{cc}-{rest}"),
                })
            })
            .boxed(),
        (_, Some(Format::Url), _) => (
            "(http|https|HTTPS)",
            "[a-z0-9-]{1,12}\\.[a-z]{2,5}",
            "(/[a-zA-Z0-9._~%-]{0,12}){0,3}",
        )
            .prop_map(|(s, h, p)| json!(format!("{s}://{h}{p}")))
            .boxed(),
        (_, Some(Format::ThreadId), _) => {
            let max = k.max_length.unwrap_or(100).min(40) as usize - 4;
            let rest =
                proptest::string::string_regex(&format!("[A-Za-z0-9][A-Za-z0-9_-]{{0,{max}}}"))
                    .unwrap();
            ("(bm|BM|Bm)", rest)
                .prop_map(|(p, r)| json!(format!("{p}-{r}")))
                .boxed()
        }
        (_, Some(Format::Uuid), _) => uuid(),
        (_, Some(Format::Date), _) => (1u32..=9999, 1u32..=12, 1u32..=28)
            .prop_map(|(y, m, d)| json!(format!("{y:04}-{m:02}-{d:02}")))
            .boxed(),
        (_, Some(Format::DateTime), _) => (
            -62_135_596_800i64 + 86_400..253_402_214_400 - 86_400,
            0u32..1_000_000,
            -14i32..=14,
        )
            .prop_map(|(t, us, off)| json!(render_timestamp(t, us, off)))
            .boxed(),
        (_, Some(Format::Time), _) => valid_time_of_day(),
        (_, Some(Format::TwilioMessageSid), _) => valid_twilio_sid(),
        (_, Some(Format::EventType), _) => valid_event_type(),
        (JsonType::Any, ..) => json_value()
            .prop_filter("not null", |v| !v.is_null())
            .boxed(),
        // Verbatim text (an SMS body) is kept as sent; non-empty, so that an outbound message
        // meets its rule.
        (_, None, _) if k.accepts == rowgate_core::shape::VERBATIM_ACCEPTS => {
            "[ a-zA-Z0-9é.,!?]{1,20}".prop_map(Value::String).boxed()
        }
        (JsonType::String, None, _) => valid_text(k.min_length.unwrap_or(0), k.max_length),
        (JsonType::Integer, ..) => valid_integer(c),
        (JsonType::Number, _, SqlType::Numeric { precision, scale }) => {
            valid_numeric(c, precision, scale)
        }
        (JsonType::Number, ..) => valid_float(c),
        (JsonType::Boolean, ..) => any::<bool>().prop_map(Value::Bool).boxed(),
        (JsonType::Array, _, SqlType::Vector(dims)) => {
            proptest::collection::vec(-1.0f32..1.0, dims as usize..=dims as usize)
                .prop_map(|v| json!(v))
                .boxed()
        }
        (JsonType::Array, _, SqlType::UuidArray) => proptest::collection::vec(uuid(), 0..4)
            .prop_map(Value::Array)
            .boxed(),
        (JsonType::Array, _, SqlType::Jsonb) => proptest::collection::vec(json_value(), 0..4)
            .prop_map(Value::Array)
            .boxed(),
        (JsonType::Array, ..) => valid_text_array(),
        (JsonType::Object, ..) => valid_object(),
    }
}

fn valid_time_of_day() -> BoxedStrategy<Value> {
    (0u32..24, 0u32..60, 0u32..60, any::<bool>())
        .prop_map(|(h, m, s, short)| {
            json!(if short {
                format!("{h:02}:{m:02}")
            } else {
                format!(" {h:02}:{m:02}:{s:02} ")
            })
        })
        .boxed()
}

fn time_of_day() -> BoxedStrategy<Value> {
    prop_oneof![8 => valid_time_of_day(), 1 => Just(json!("24:00")), 1 => Just(json!("7pm"))]
        .boxed()
}

fn valid_twilio_sid() -> BoxedStrategy<Value> {
    ("(SM|MM)", "[0-9a-fA-F]{32}")
        .prop_map(|(p, h)| json!(format!("{p}{h}")))
        .boxed()
}

fn twilio_sid() -> BoxedStrategy<Value> {
    prop_oneof![8 => valid_twilio_sid(), 1 => Just(json!("SM123")), 1 => Just(json!("XX0123456789abcdef0123456789abcdef"))].boxed()
}

fn valid_event_type() -> BoxedStrategy<Value> {
    "[a-z][a-z0-9_]{0,8}(\\.[a-z0-9_]{1,8}){1,3}"
        .prop_map(Value::String)
        .boxed()
}

fn event_type() -> BoxedStrategy<Value> {
    prop_oneof![8 => valid_event_type(), 1 => Just(json!("User.Created")), 1 => Just(json!("nodot"))].boxed()
}

fn uuid_array() -> BoxedStrategy<Value> {
    prop_oneof![
        8 => proptest::collection::vec(uuid(), 0..4).prop_map(Value::Array),
        1 => Just(json!(["not-a-uuid"])),
        1 => Just(json!([null])),
    ]
    .boxed()
}

fn json_array() -> BoxedStrategy<Value> {
    prop_oneof![
        8 => proptest::collection::vec(json_value(), 0..4).prop_map(Value::Array),
        1 => Just(json!({"a": 1})),
    ]
    .boxed()
}

/// A record that shapes, whatever the table: the required fields and about half of the others,
/// each with a valid value. Left out: read-only and derived columns (shaping derives them), and
/// the optional columns of a rule over several columns (their defaults keep it). Fields that a
/// required derived column comes from (`thread_id` for `source_id`) are always given.
pub fn valid_record(t: &'static TableDef) -> BoxedStrategy<Value> {
    let in_rule = |name: &str| t.rules.iter().any(|r| r.columns.contains(&name));
    // Sources of a derived column the database needs and nothing else gives.
    let needed: Vec<&str> = t
        .columns()
        .iter()
        .filter(|c| {
            !c.derived_from.is_empty()
                && !c.nullable
                && c.default == rowgate_core::table::ColumnDefault::None
        })
        .flat_map(|c| c.derived_from.iter().copied())
        // A rule that one of several optional fields be given (a prospect's contact) needs one.
        .chain(
            t.rules
                .iter()
                .filter(|r| r.description.starts_with("one of "))
                .map(|r| r.columns[0]),
        )
        .collect();
    let mut fields: Vec<BoxedStrategy<Option<(String, Value)>>> = Vec::new();
    for c in t.columns().iter().chain(t.inputs()) {
        let name = c.name.to_string();
        let always = c.required || needed.contains(&c.name);
        let skip = !c.insertable || !c.derived_from.is_empty() || (in_rule(c.name) && !always);
        if skip {
            continue;
        }
        let value = valid_value(c).prop_map(move |v| Some((name.clone(), v)));
        fields.push(if always {
            value.boxed()
        } else {
            prop_oneof![Just(None), value].boxed()
        });
    }
    fields
        .prop_map(|fields| Value::Object(fields.into_iter().flatten().collect()))
        .boxed()
}

// ------------------------------------------------------------------------------------------------
// Filters
// ------------------------------------------------------------------------------------------------

/// Text as the record API's filter would carry it: printable, no NUL.
fn filter_text() -> BoxedStrategy<String> {
    prop_oneof![
        3 => "[a-zA-Z0-9 @.é_-]{0,12}",
        1 => "\\PC{0,12}",
        1 => "[(),\"\\\\ {}*.:]{0,8}",
    ]
    .boxed()
}

/// One value of a scalar column, as a client writes it.
fn filter_scalar(c: &Column) -> BoxedStrategy<String> {
    match ColumnClass::of(&c.kind) {
        ColumnClass::Text => filter_text(),
        ColumnClass::Enum => {
            let values: Vec<String> = c.kind.enum_values.iter().map(|s| s.to_string()).collect();
            select(values)
                .prop_flat_map(|v| (Just(v), any::<bool>()))
                .prop_map(|(v, lower)| if lower { v.to_lowercase() } else { v })
                .boxed()
        }
        ColumnClass::Integer => any::<i32>().prop_map(|v| v.to_string()).boxed(),
        ColumnClass::Float => prop_oneof![
            any::<f64>()
                .prop_filter("finite", |v| v.is_finite())
                .prop_map(|v| format!("{v:e}")),
            (-1e6f64..1e6).prop_map(|v| v.to_string()),
            Just("0e-400".to_string()),
        ]
        .boxed(),
        ColumnClass::Numeric => ("-?[0-9]{1,20}", "(\\.[0-9]{0,10})?")
            .prop_map(|(i, f)| format!("{i}{f}"))
            .boxed(),
        ColumnClass::Boolean => select(vec!["true", "false", "TRUE", "False"])
            .prop_map(String::from)
            .boxed(),
        ColumnClass::Date => (1u32..=9999, 1u32..=12, 1u32..=28)
            .prop_map(|(y, m, d)| format!("{y:04}-{m:02}-{d:02}"))
            .boxed(),
        ColumnClass::Timestamp => (
            -62_135_596_800i64 + 86_400..253_402_214_400 - 86_400,
            0u32..1_000_000,
            -23i32..=23,
        )
            .prop_map(|(t, us, off)| render_timestamp(t, us, off))
            .boxed(),
        ColumnClass::Uuid => (any::<u128>(), any::<bool>())
            .prop_map(|(n, simple)| {
                let u = uuid::Uuid::from_u128(n);
                if simple {
                    u.simple().to_string().to_uppercase()
                } else {
                    u.hyphenated().to_string()
                }
            })
            .boxed(),
        ColumnClass::Time => (0u32..24, 0u32..60, 0u32..60)
            .prop_map(|(h, m, s)| format!("{h:02}:{m:02}:{s:02}"))
            .boxed(),
        ColumnClass::TextArray
        | ColumnClass::UuidArray
        | ColumnClass::Json
        | ColumnClass::Vector => Just(String::new()).boxed(),
    }
}

/// An `in` list item, quoted when PostgREST needs it to be.
fn list_item(v: &str) -> String {
    if !v.is_empty()
        && !v.contains([',', '(', ')', '"', '\\'])
        && !v.starts_with(char::is_whitespace)
    {
        v.to_string()
    } else {
        format!("\"{}\"", v.replace('\\', "\\\\").replace('"', "\\\""))
    }
}

fn regex() -> BoxedStrategy<String> {
    let atom = prop_oneof![
        "[a-z0-9 é@-]".boxed(),
        Just(".".to_string()).boxed(),
        select(vec!["\\.", "\\d", "\\w", "\\s", "\\(", "\\[", "\\{", "\\*"])
            .prop_map(String::from)
            .boxed(),
        select(vec!["[a-c]", "[^x]", "[-a]", "[0-9_]", "[a-]"])
            .prop_map(String::from)
            .boxed(),
    ];
    let quant = select(vec!["", "", "*", "+", "?", "*?", "+?"]);
    let piece = (atom, quant).prop_map(|(a, q)| format!("{a}{q}"));
    let branch = proptest::collection::vec(piece, 1..4).prop_map(|v| v.concat());
    branch
        .prop_recursive(2, 8, 3, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 1..3).prop_map(|v| v.join("|")),
                (inner.clone(), select(vec!["", "*", "+", "?"]))
                    .prop_map(|(r, q)| format!("({r}){q}")),
                (inner.clone(), inner).prop_map(|(a, b)| format!("^{a}{b}$")),
            ]
        })
        .boxed()
}

fn tsquery() -> BoxedStrategy<String> {
    let word = ("[a-zé0-9_]{1,8}", select(vec!["", "", ":*", ":A", ":ab*"]))
        .prop_map(|(w, s)| format!("{w}{s}"));
    word.prop_recursive(3, 12, 2, |inner| {
        prop_oneof![
            (
                inner.clone(),
                select(vec![" & ", "|", " <-> ", " <2> ", "&"]),
                inner.clone()
            )
                .prop_map(|(a, op, b)| format!("{a}{op}{b}")),
            inner.clone().prop_map(|a| format!("!{a}")),
            inner.prop_map(|a| format!("({a})")),
        ]
    })
    .boxed()
}

fn array_literal() -> BoxedStrategy<String> {
    let item = prop_oneof![
        "[a-zA-Z0-9][a-zA-Z0-9 ]{0,6}[a-zA-Z0-9]".prop_map(|s| s),
        "\\PC{0,8}".prop_map(|s| format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))),
        Just("NULL".to_string()),
    ];
    proptest::collection::vec(item, 0..4)
        .prop_map(|v| format!("{{{}}}", v.join(",")))
        .boxed()
}

/// The value of `op` on `c`, valid.
fn operand(c: &Column, op: Operator) -> BoxedStrategy<String> {
    let class = ColumnClass::of(&c.kind);
    match op {
        Operator::Eq
        | Operator::Neq
        | Operator::Gt
        | Operator::Gte
        | Operator::Lt
        | Operator::Lte => filter_scalar(c),
        Operator::In => proptest::collection::vec(filter_scalar(c), 1..4)
            .prop_map(|v| {
                format!(
                    "({})",
                    v.iter().map(|i| list_item(i)).collect::<Vec<_>>().join(",")
                )
            })
            .boxed(),
        Operator::Is => {
            let values = if class == ColumnClass::Boolean {
                vec!["null", "true", "FALSE", "Unknown"]
            } else {
                vec!["null", "NULL"]
            };
            select(values).prop_map(String::from).boxed()
        }
        Operator::Like | Operator::Ilike => "([a-z%_*. ]|\\\\\\\\|\\\\%){0,8}".boxed(),
        Operator::Match | Operator::Imatch => regex(),
        Operator::Fts => tsquery(),
        Operator::Plfts | Operator::Phfts | Operator::Wfts => filter_text(),
        Operator::Cs | Operator::Cd | Operator::Ov => match class {
            ColumnClass::Json => json_value().prop_map(|v| v.to_string()).boxed(),
            ColumnClass::UuidArray => proptest::collection::vec(any::<u128>(), 0..3)
                .prop_map(|v| {
                    let items: Vec<String> = v
                        .into_iter()
                        .map(|n| uuid::Uuid::from_u128(n).to_string())
                        .collect();
                    format!("{{{}}}", items.join(","))
                })
                .boxed(),
            _ => array_literal(),
        },
    }
}

/// A filter value (`[not.]op[(config)].value`) that fits the column: every one is accepted.
pub fn valid_filter(c: &'static Column) -> BoxedStrategy<String> {
    let ops: Vec<Operator> = ColumnClass::of(&c.kind).operators().to_vec();
    (
        select(ops),
        any::<bool>(),
        select(TEXT_SEARCH_CONFIGS.to_vec()),
        any::<bool>(),
    )
        .prop_flat_map(move |(op, not, config, with_config)| {
            let prefix = format!(
                "{}{}{}.",
                if not { "not." } else { "" },
                op.as_str(),
                if op.is_text_search() && with_config {
                    format!("({config})")
                } else {
                    String::new()
                }
            );
            operand(c, op).prop_map(move |v| format!("{prefix}{v}"))
        })
        .boxed()
}

/// Any filter value at all: the whitelist must refuse what does not fit, and never panic.
pub fn any_filter(c: &'static Column) -> BoxedStrategy<String> {
    let names: Vec<String> = Operator::ALL
        .iter()
        .map(|o| o.as_str().to_string())
        .chain(
            [
                "sql",
                "eq(any)",
                "fts(klingon)",
                "fts(english)",
                "not",
                "isdistinct",
                "sl",
                "",
            ]
            .map(String::from),
        )
        .collect();
    let value = prop_oneof![
        "\\PC{0,12}".boxed(),
        "[(){}\\[\\]\"',.*:!&|<>\\\\ a-z0-9-]{0,16}".boxed(),
        filter_scalar(c),
        any::<i64>().prop_map(|v| v.to_string()).boxed(),
        regex(),
        tsquery(),
        array_literal(),
    ];
    prop_oneof![
        1 => valid_filter(c),
        2 => (any::<bool>(), select(names), value).prop_map(|(not, op, v)| format!("{}{op}.{v}", if not { "not." } else { "" })),
        1 => "\\PC{0,20}".boxed(),
    ]
    .boxed()
}

// ------------------------------------------------------------------------------------------------
// Database
// ------------------------------------------------------------------------------------------------

pub const DEFAULT_DATABASE_URL: &str = "postgres://postgres:postgres@127.0.0.1:54322/postgres";

/// A connection to the migrated local database, or `None` when `ROWGATE_SKIP_DB_TESTS=1` and it
/// cannot be reached. Otherwise an unreachable database fails the test: the test command starts
/// the database first, so not reaching it is a failure, not a reason to skip.
pub fn database() -> Option<postgres::Client> {
    let url = env::var("DATABASE_URL").unwrap_or_else(|_| DEFAULT_DATABASE_URL.to_string());
    match postgres::Client::connect(&url, postgres::NoTls) {
        Ok(client) => Some(client),
        Err(e) if env::var("ROWGATE_SKIP_DB_TESTS").as_deref() == Ok("1") => {
            eprintln!("skipping a database test (ROWGATE_SKIP_DB_TESTS=1): {url}: {e}");
            None
        }
        Err(e) => panic!(
            "cannot reach the database at {url}: {e}\n\
             start it with `bash scripts/local.sh db` (or set ROWGATE_SKIP_DB_TESTS=1 to skip the database tests)"
        ),
    }
}

/// `"schema"."table"`.
pub fn quoted(t: &TableDef) -> String {
    format!("\"{}\".\"{}\"", t.schema, t.name)
}
