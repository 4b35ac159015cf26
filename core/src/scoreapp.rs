//! ScoreApp's webhook: what each event means for DYNIQ.
//!
//! ScoreApp sends `{"event_name": ..., "data": {...}}` for four events. `data.id` identifies the
//! quiz attempt and is the idempotency key of the quiz response. The lead form may come before
//! or after the questions, so an event may carry the email, the score, both or neither:
//!
//! | event | with email and score | with email only | without email |
//! |---|---|---|---|
//! | `QUIZ_STARTED` | ignored (nothing to record until the quiz is finished) | ignored | ignored |
//! | `QUIZ_FINISHED` | submit the quiz (lead upsert + response, one transaction) | upsert the lead | ignored: `LEAD_SIGNED_UP` will follow with the email |
//! | `LEAD_SIGNED_UP` | submit the quiz | upsert the lead | refused: `data.email` is required |
//! | `LEAD_DETAILS_UPDATED` | upsert the lead's details | upsert the lead's details | refused: `data.email` is required |
//!
//! The score is read from `data.score` or `data.total_score` (a number, or a numeric string;
//! rounded to a whole number). Field errors name the payload's fields (`data.email`); an `email`
//! that is not a string (an array, an object, a number) is a type error, not a missing email.
//!
//! The quiz response's idempotency key (`submission_id`) is `data.id`, a string or a number (its
//! decimal text). A delivery without `data.id` gets a key derived from its content,
//! [`derived_submission_id`]: `derived-` and the hex SHA-256 of `data` as canonical JSON, so a
//! redelivery of the same attempt writes once, however the sender re-serialises it.

use serde::Serialize;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

use crate::dyniq::leads::Lead;
use crate::dyniq::quiz_responses::QuizResponse;
use crate::error::{code, FieldError, ValidationErrors};
use crate::shape::{Email, JsonObject, Nullable, Phone};

pub const EVENTS: [&str; 4] = [
    "QUIZ_STARTED",
    "QUIZ_FINISHED",
    "LEAD_DETAILS_UPDATED",
    "LEAD_SIGNED_UP",
];

/// What to do with a delivery.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Call `dyniq.submit_quiz` with these parameters.
    SubmitQuiz { params: SubmitQuiz },
    /// Upsert this shaped lead on `email`.
    UpsertLead { lead: Lead },
    /// Acknowledge and do nothing.
    Ignore {
        event: &'static str,
        reason: &'static str,
    },
}

/// The parameters of `dyniq.submit_quiz`, taken from the shaped quiz response and lead: they
/// serialise to its JSON arguments (every one present, `null` when the record has no value; in
/// name order).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SubmitQuiz {
    pub p_answers: Option<JsonObject>,
    pub p_email: Email,
    pub p_name: Nullable<String>,
    pub p_phone: Nullable<Phone>,
    pub p_submission_id: Nullable<String>,
    pub p_total_score: i32,
}

fn body_error(code: &'static str, message: &'static str) -> ValidationErrors {
    ValidationErrors::from(FieldError::new("", code, message))
}

/// A string field of `data`: `None` when absent, null or blank; a type error for any other JSON
/// type, so a malformed value is never mistaken for a missing one.
fn string_field(
    data: &Map<String, Value>,
    key: &str,
    field: &'static str,
) -> Result<Option<String>, FieldError> {
    match data.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.trim()).filter(|s| !s.is_empty()).map(String::from)),
        Some(_) => Err(FieldError::new(
            field,
            code::TYPE,
            format!("{field} must be a string"),
        )),
    }
}

/// `data.id`: a string, or a number written as its decimal text.
fn sender_id(data: &Map<String, Value>) -> Result<Option<String>, FieldError> {
    match data.get("id") {
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        _ => string_field(data, "id", "data.id"),
    }
}

/// The idempotency key of a delivery that carries no `data.id`: `derived-` and the lower-case hex
/// SHA-256 of `data` as canonical JSON (object keys sorted at every level, no whitespace, a
/// whole number written without a fraction), so the same attempt sent again, even re-serialised
/// with its keys in another order, gets the same key.
///
/// ```
/// use rowgate_core::scoreapp::derived_submission_id;
/// let a = serde_json::json!({"email": "a@b.co", "score": 70, "quiz": {"b": 1, "a": [true]}});
/// let b: serde_json::Value =
///     serde_json::from_str(r#"{"quiz": {"a": [true], "b": 1.0}, "score": 70, "email": "a@b.co"}"#).unwrap();
/// assert_eq!(derived_submission_id(&a), derived_submission_id(&b));
/// assert!(derived_submission_id(&a).starts_with("derived-"));
/// assert_eq!(derived_submission_id(&a).len(), "derived-".len() + 64);
/// ```
pub fn derived_submission_id(data: &Value) -> String {
    let mut text = String::new();
    canonical_json(data, &mut text);
    let digest = Sha256::digest(text.as_bytes());
    let mut out = String::with_capacity(8 + 64);
    out.push_str("derived-");
    for b in digest {
        out.push(char::from(b"0123456789abcdef"[(b >> 4) as usize]));
        out.push(char::from(b"0123456789abcdef"[(b & 15) as usize]));
    }
    out
}

/// Writes `v` as canonical JSON: keys sorted by their bytes, no whitespace, integral numbers
/// (within the 2^53 that every JSON reader keeps exact) without a fraction.
fn canonical_json(v: &Value, out: &mut String) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => match n.as_f64() {
            Some(f) if !n.is_i64() && !n.is_u64() && f.fract() == 0.0 && f.abs() < 9.007e15 => {
                out.push_str(&(f as i64).to_string())
            }
            _ => out.push_str(&n.to_string()),
        },
        Value::String(s) => out.push_str(&Value::String(s.clone()).to_string()),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                canonical_json(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_unstable_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
            out.push('{');
            for (i, (k, item)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                canonical_json(item, out);
            }
            out.push('}');
        }
    }
}

/// The score, if the payload carries one; an error when it carries something else.
fn score(data: &Map<String, Value>) -> Result<Option<(&'static str, Value)>, FieldError> {
    for key in ["score", "total_score"] {
        let field: &'static str = if key == "score" {
            "data.score"
        } else {
            "data.total_score"
        };
        let number = match data.get(key) {
            None | Some(Value::Null) => continue,
            Some(Value::Number(n)) => n.as_f64(),
            Some(Value::String(s)) => s.trim().parse::<f64>().ok(),
            Some(_) => None,
        };
        return match number {
            Some(n) if n.is_finite() => Ok(Some((field, json!(n.round() as i64)))),
            _ => Err(FieldError::new(
                field,
                code::TYPE,
                format!("{field} must be a number"),
            )),
        };
    }
    Ok(None)
}

/// The quiz's answers as a JSON object (the response's `answers` column).
fn answers(data: &Map<String, Value>) -> Value {
    let mut out = Map::new();
    for key in ["quiz_questions", "lead_form_questions"] {
        if let Some(v) = data.get(key).filter(|v| !v.is_null()) {
            out.insert(key.into(), v.clone());
        }
    }
    Value::Object(out)
}

/// Renames a shaped table's field errors to the payload's fields.
fn rename(errors: ValidationErrors, score_field: &'static str, out: &mut ValidationErrors) {
    for mut e in errors {
        let field = match e.field.as_ref() {
            "total_score" => score_field.to_string(),
            "name" => "data.first_name".to_string(),
            "submission_id" => "data.id".to_string(),
            "answers" => "data.quiz_questions".to_string(),
            other => format!("data.{other}"),
        };
        if out.iter().any(|seen| seen.field == field) {
            continue;
        }
        e.message = e.message.replacen(e.field.as_ref(), &field, 1).into();
        e.field = field.into();
        out.push(e);
    }
}

/// Reads a ScoreApp delivery and decides what to write. Every bad field is reported at once.
pub fn parse(body: &[u8]) -> Result<Action, ValidationErrors> {
    let envelope: Map<String, Value> = match serde_json::from_slice(body) {
        Ok(Value::Object(m)) => m,
        Ok(_) => {
            return Err(body_error(
                code::TYPE,
                "the body must be a JSON object with event_name and data",
            ))
        }
        Err(_) => return Err(body_error(code::JSON, "the body is not valid JSON")),
    };
    let mut errors = ValidationErrors::new();
    let event = match envelope.get("event_name").and_then(Value::as_str) {
        Some(e) => EVENTS
            .iter()
            .copied()
            .find(|known| known.eq_ignore_ascii_case(e.trim())),
        None => None,
    };
    if event.is_none() {
        let mut e = FieldError::new(
            "event_name",
            code::ENUM,
            "event_name must be one of ScoreApp's events",
        );
        e.allowed = EVENTS.to_vec();
        errors.push(e);
    }
    let data = match envelope.get("data") {
        Some(Value::Object(d)) => Some(d),
        _ => {
            errors.push(FieldError::new(
                "data",
                code::TYPE,
                "data must be an object",
            ));
            None
        }
    };
    let (Some(event), Some(data)) = (event, data) else {
        return Err(errors);
    };
    if event == "QUIZ_STARTED" {
        return Ok(Action::Ignore {
            event,
            reason: "nothing is recorded until the quiz is finished",
        });
    }
    let (email, id, score) = (
        string_field(data, "email", "data.email"),
        sender_id(data),
        score(data),
    );
    let email = match email {
        Ok(email) => email,
        Err(e) => {
            errors.push(e);
            None
        }
    };
    let id = id.unwrap_or_else(|e| {
        errors.push(e);
        None
    });
    let score = score.unwrap_or_else(|e| {
        errors.push(e);
        None
    });
    let Some(email) = email else {
        if !errors.is_empty() {
            return Err(errors);
        }
        if event == "QUIZ_FINISHED" {
            return Ok(Action::Ignore {
                event,
                reason:
                    "no email yet: the lead form follows the quiz, and LEAD_SIGNED_UP will carry it",
            });
        }
        errors.push(FieldError::new(
            "data.email",
            code::REQUIRED,
            "data.email is required",
        ));
        return Err(errors);
    };
    let mut text = |key: &str, field: &'static str| {
        string_field(data, key, field).unwrap_or_else(|e| {
            errors.push(e);
            None
        })
    };
    let name = [
        text("first_name", "data.first_name"),
        text("last_name", "data.last_name"),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" ");
    let phone = text("phone", "data.phone");
    let mut lead = Map::new();
    lead.insert("email".into(), json!(email));
    if !name.is_empty() {
        lead.insert("name".into(), json!(name));
    }
    if let Some(phone) = phone {
        lead.insert("phone".into(), json!(phone));
    }
    let shaped_lead = Lead::shape_value(&Value::Object(lead));
    let quiz = match (&score, event) {
        (Some((_, total)), "QUIZ_FINISHED" | "LEAD_SIGNED_UP") => {
            let mut q = Map::new();
            q.insert("email".into(), json!(email));
            q.insert("total_score".into(), total.clone());
            q.insert("answers".into(), answers(data));
            let key = id
                .clone()
                .unwrap_or_else(|| derived_submission_id(&Value::Object(data.clone())));
            q.insert("submission_id".into(), json!(key));
            Some(QuizResponse::shape_value(&Value::Object(q)))
        }
        _ => None,
    };
    let score_field = score.as_ref().map_or("data.score", |(f, _)| f);
    let lead = match shaped_lead {
        Ok(l) => Some(l),
        Err(e) => {
            rename(e, score_field, &mut errors);
            None
        }
    };
    let quiz = match quiz {
        Some(Ok(q)) => Some(q),
        Some(Err(e)) => {
            rename(e, score_field, &mut errors);
            None
        }
        None => None,
    };
    let (Some(lead), true) = (lead, errors.is_empty()) else {
        return Err(errors);
    };
    Ok(match quiz {
        Some(q) => Action::SubmitQuiz {
            params: SubmitQuiz {
                p_answers: q.answers,
                p_email: q.email,
                p_name: lead.name,
                p_phone: lead.phone,
                p_submission_id: q.submission_id,
                p_total_score: q.total_score,
            },
        },
        None => Action::UpsertLead { lead },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_json(v: Value) -> Result<Action, ValidationErrors> {
        parse(v.to_string().as_bytes())
    }

    #[test]
    fn a_finished_quiz_with_email_and_score_submits_the_quiz() {
        let a = parse_json(json!({"event_name": "QUIZ_FINISHED", "data": {
            "id": "attempt-1", "email": " Ada@Example.com ", "first_name": "Ada", "last_name": "Lovelace", "score": 71.6,
            "quiz_questions": [{"question": "q", "answers": [{"answer": "a"}]}]
        }}))
        .unwrap();
        let Action::SubmitQuiz { params } = a else {
            panic!("{a:?}")
        };
        let p = serde_json::to_value(&params).unwrap();
        assert_eq!(p["p_email"], "ada@example.com");
        assert_eq!(p["p_total_score"], 72);
        assert_eq!(p["p_submission_id"], "attempt-1");
        assert_eq!(p["p_name"], "Ada Lovelace");
        assert_eq!(p["p_answers"]["quiz_questions"][0]["question"], "q");
    }

    #[test]
    fn a_started_quiz_is_ignored() {
        let a = parse_json(json!({"event_name": "QUIZ_STARTED", "data": {"id": "x"}})).unwrap();
        assert!(matches!(
            a,
            Action::Ignore {
                event: "QUIZ_STARTED",
                ..
            }
        ));
    }

    #[test]
    fn a_finished_quiz_without_email_waits_for_the_sign_up() {
        let a =
            parse_json(json!({"event_name": "QUIZ_FINISHED", "data": {"id": "x", "score": 50}}))
                .unwrap();
        assert!(matches!(
            a,
            Action::Ignore {
                event: "QUIZ_FINISHED",
                ..
            }
        ));
    }

    #[test]
    fn updated_details_upsert_the_lead_with_an_e164_phone() {
        let a = parse_json(json!({"event_name": "LEAD_DETAILS_UPDATED", "data": {"email": "a@b.co", "phone": "+44 20 7946 0958"}})).unwrap();
        let Action::UpsertLead { lead } = a else {
            panic!("{a:?}")
        };
        assert_eq!(
            serde_json::to_string(&lead).unwrap(),
            r#"{"email":"a@b.co","phone":"+442079460958"}"#
        );
    }

    #[test]
    fn a_sign_up_without_email_is_refused_naming_the_field() {
        let e =
            parse_json(json!({"event_name": "LEAD_SIGNED_UP", "data": {"id": "x"}})).unwrap_err();
        assert_eq!(e.on("data.email").unwrap().code, code::REQUIRED);
    }

    #[test]
    fn every_bad_field_of_the_payload_is_named() {
        let e = parse_json(json!({"event_name": "QUIZ_FINISHED", "data": {"id": "x", "email": "nope", "score": 300}})).unwrap_err();
        assert_eq!(e.on("data.email").unwrap().code, code::FORMAT);
        assert_eq!(e.on("data.score").unwrap().code, code::RANGE);
        assert_eq!(e.iter().filter(|x| x.field == "data.email").count(), 1);
    }

    #[test]
    fn an_unknown_event_lists_the_known_ones() {
        let e = parse_json(json!({"event_name": "QUIZ_PAUSED", "data": {}})).unwrap_err();
        assert_eq!(e.on("event_name").unwrap().allowed, EVENTS.to_vec());
    }

    fn submission_id(a: &Action) -> Value {
        let Action::SubmitQuiz { params } = a else {
            panic!("{a:?}")
        };
        serde_json::to_value(params).unwrap()["p_submission_id"].clone()
    }

    #[test]
    fn a_numeric_data_id_is_the_submission_id_in_decimal() {
        let a = parse_json(json!({"event_name": "QUIZ_FINISHED", "data": {
            "id": 9_007_199_254_740_993u64, "email": "a@b.co", "score": 50
        }}))
        .unwrap();
        assert_eq!(submission_id(&a), "9007199254740993");
        let a = parse_json(json!({"event_name": "QUIZ_FINISHED", "data": {"id": 42, "email": "a@b.co", "score": 50}}))
            .unwrap();
        assert_eq!(submission_id(&a), "42");
    }

    #[test]
    fn a_data_id_that_is_neither_string_nor_number_is_a_type_error() {
        let e = parse_json(json!({"event_name": "QUIZ_FINISHED", "data": {"id": [1], "email": "a@b.co", "score": 50}}))
            .unwrap_err();
        assert_eq!(e.on("data.id").unwrap().code, code::TYPE);
    }

    #[test]
    fn an_email_that_is_not_a_string_is_a_type_error_not_a_missing_email() {
        for email in [json!(["a@b.co"]), json!({"a": "b"}), json!(42), json!(true)] {
            for event in ["QUIZ_FINISHED", "LEAD_SIGNED_UP", "LEAD_DETAILS_UPDATED"] {
                let e = parse_json(
                    json!({"event_name": event, "data": {"id": "x", "email": email, "score": 50}}),
                )
                .unwrap_err();
                let field = e.on("data.email").unwrap();
                assert_eq!(field.code, code::TYPE, "{event} {email}");
                assert_eq!(field.message, "data.email must be a string");
            }
        }
    }

    #[test]
    fn a_name_or_phone_that_is_not_a_string_is_a_type_error() {
        let e = parse_json(json!({"event_name": "LEAD_DETAILS_UPDATED", "data": {"email": "a@b.co", "phone": 14155552671u64, "first_name": ["A"]}}))
            .unwrap_err();
        assert_eq!(e.on("data.phone").unwrap().code, code::TYPE);
        assert_eq!(e.on("data.first_name").unwrap().code, code::TYPE);
    }

    #[test]
    fn a_delivery_without_an_id_gets_a_key_derived_from_its_data() {
        let first = parse(
            br#"{"event_name": "QUIZ_FINISHED", "data": {"email": "a@b.co", "score": 50, "quiz_questions": [{"q": 1}]}}"#,
        )
        .unwrap();
        let again = parse(
            br#"{"data": {"quiz_questions": [{"q": 1.0}], "score": 50, "email": "a@b.co"}, "event_name": "QUIZ_FINISHED"}"#,
        )
        .unwrap();
        let key = submission_id(&first);
        assert!(key.as_str().unwrap().starts_with("derived-"), "{key}");
        assert_eq!(key, submission_id(&again));
        let other = parse(
            br#"{"event_name": "QUIZ_FINISHED", "data": {"email": "a@b.co", "score": 51, "quiz_questions": [{"q": 1}]}}"#,
        )
        .unwrap();
        assert_ne!(key, submission_id(&other));
        let blank_id = parse(
            br#"{"event_name": "QUIZ_FINISHED", "data": {"id": " ", "email": "a@b.co", "score": 50}}"#,
        )
        .unwrap();
        assert!(submission_id(&blank_id)
            .as_str()
            .unwrap()
            .starts_with("derived-"));
    }

    #[test]
    fn canonical_json_sorts_keys_at_every_level() {
        let mut out = String::new();
        canonical_json(
            &json!({"b": [1, {"z": null, "a": "\u{e9}\""}], "a": 2.5, "c": 3.0}),
            &mut out,
        );
        assert_eq!(out, r#"{"a":2.5,"b":[1,{"a":"é\"","z":null}],"c":3}"#);
    }

    #[test]
    fn a_score_that_is_not_a_number_is_a_type_error() {
        let e = parse_json(json!({"event_name": "LEAD_SIGNED_UP", "data": {"email": "a@b.co", "total_score": "high"}})).unwrap_err();
        assert_eq!(e.on("data.total_score").unwrap().code, code::TYPE);
    }
}
