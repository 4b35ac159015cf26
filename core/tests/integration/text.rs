//! The database's trimmed-text rule against the core's shaping: `rowgate.is_trimmed_text` (the
//! CHECK of every free-text column) takes a string exactly when the core would send it unchanged.

use rowgate_core::shape;
use serde_json::Value;

use crate::support;

/// Every character Rust's `str::trim` removes (Unicode White_Space).
fn core_whitespace() -> Vec<char> {
    (0..=0x10FFFF)
        .filter_map(char::from_u32)
        .filter(|c| c.is_whitespace())
        .collect()
}

#[test]
fn the_database_trims_exactly_the_whitespace_the_core_trims() {
    let Some(mut client) = support::database() else {
        return;
    };
    let db: String = client
        .query_one("select rowgate.whitespace()", &[])
        .unwrap()
        .get(0);
    let mut db: Vec<char> = db.chars().collect();
    db.sort_unstable();
    assert_eq!(
        db,
        core_whitespace(),
        "rowgate.whitespace() against char::is_whitespace"
    );

    // And the predicate the CHECKs call agrees with the core's shaping, string by string: text is
    // trimmed text for the database exactly when the core would send it unchanged.
    let mut samples: Vec<String> = vec![
        String::new(),
        "Ada".into(),
        "Ada Lovelace".into(),
        "a\nb".into(),
        "a\t\tb  c".into(),
        "\u{200B}x".into(),
        "x\u{FEFF}".into(),
        "\u{180E}x".into(),
        "é".into(),
    ];
    for w in core_whitespace() {
        samples.extend([
            w.to_string(),
            format!("{w}x"),
            format!("x{w}"),
            format!("x{w}y"),
            format!("{w}{w}"),
        ]);
    }
    let rows = client
        .query(
            "select s, rowgate.is_trimmed_text(s) from unnest($1::text[]) as s",
            &[&samples],
        )
        .unwrap();
    let mut disagree = Vec::new();
    for row in rows {
        let (s, trimmed): (String, bool) = (row.get(0), row.get(1));
        let core = shape::shape_json(&shape::text(), &Value::String(s.clone()));
        let unchanged = matches!(&core, Ok(Some(t)) if *t == s);
        if unchanged != trimmed {
            disagree.push(format!(
                "{s:?}: core {core:?}, database is_trimmed_text {trimmed}"
            ));
        }
    }
    assert!(disagree.is_empty(), "{disagree:#?}");

    // Arrays: the database takes an array exactly when the core would send it unchanged.
    let arrays: Vec<Vec<Option<&str>>> = vec![
        vec![],
        vec![Some("pricing"), Some("hiring plan")],
        vec![Some("pricing"), None],
        vec![Some("pricing"), Some("")],
        vec![Some(" pricing")],
        vec![Some("pricing\u{A0}")],
        vec![Some("a"), Some("a")],
    ];
    for items in arrays {
        let trimmed: bool = client
            .query_one(
                "select rowgate.is_trimmed_text_array($1::text[])",
                &[&items],
            )
            .unwrap()
            .get(0);
        let json = Value::Array(
            items
                .iter()
                .map(|i| i.map_or(Value::Null, |s| Value::String(s.into())))
                .collect(),
        );
        let core = shape::shape_json(&shape::text_array(), &json);
        let unchanged = matches!(&core, Ok(Some(v)) if v.len() == items.len()
            && v.iter().zip(&items).all(|(a, b)| Some(a.as_str()) == *b));
        assert_eq!(
            unchanged, trimmed,
            "{items:?}: core {core:?}, database {trimmed}"
        );
    }
}
