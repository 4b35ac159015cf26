//! Webhooks through wrangler dev: ScoreApp's shared secret and the Standard Webhooks-signed
//! ingest, each with a correct, wrong, missing and stale credential, and duplicate deliveries.

use rowgate_tests::*;
use serde_json::{json, Value};

fn scoreapp(body: &Value, secret: Option<&str>) -> Answer {
    let url = format!("{}/webhooks/dyniq/scoreapp", worker_url());
    let body = body.to_string();
    let mut headers = vec![("content-type", "application/json")];
    if let Some(s) = secret {
        headers.push(("x-webhook-secret", s));
    }
    call("POST", &url, &headers, Some(&body))
}

fn quiz_finished(id: &str, email: &str, score: i64) -> Value {
    json!({"event_name": "QUIZ_FINISHED", "data": {
        "id": id, "status": "Finished", "email": email, "first_name": "Grace", "last_name": "Hopper",
        "score": score, "quiz_questions": [{"question": "Biggest problem?", "answers": [{"answer": "Follow-up"}]}]
    }})
}

fn responses(submission: &str) -> i64 {
    db().query_one(
        "select count(*) from dyniq.quiz_responses where submission_id = $1",
        &[&submission],
    )
    .unwrap()
    .get(0)
}

#[test]
fn scoreapp_quiz_finished_upserts_the_lead_and_records_the_response_once() {
    ready();
    let id = unique("sa-");
    let email = unique("quiz") + "@example.com";
    let a = scoreapp(
        &quiz_finished(&id, &email.to_uppercase(), 72),
        Some(SCOREAPP_SECRET),
    );
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.json()["tier"], "HOT");
    assert_eq!(a.json()["duplicate"], false);

    let again = scoreapp(&quiz_finished(&id, &email, 72), Some(SCOREAPP_SECRET));
    assert_eq!(again.status, 200, "{}", again.body);
    assert_eq!(again.json()["duplicate"], true);
    assert_eq!(responses(&id), 1);
    let row = db()
        .query_one(
            "select name, tier, lead_score from dyniq.leads where email = $1",
            &[&email],
        )
        .unwrap();
    assert_eq!(
        row.get::<_, Option<String>>(0).as_deref(),
        Some("Grace Hopper")
    );
    assert_eq!(row.get::<_, Option<String>>(1).as_deref(), Some("HOT"));
    assert_eq!(row.get::<_, Option<i32>>(2), Some(72));
}

#[test]
fn scoreapp_with_a_wrong_or_missing_secret_is_refused_and_writes_nothing() {
    ready();
    let id = unique("sa-");
    let email = unique("quiz") + "@example.com";
    scoreapp(&quiz_finished(&id, &email, 50), Some("wrong-secret")).problem(401);
    scoreapp(&quiz_finished(&id, &email, 50), None).problem(401);
    assert_eq!(responses(&id), 0);
}

#[test]
fn scoreapp_quiz_started_is_acknowledged_and_ignored() {
    ready();
    let a = scoreapp(
        &json!({"event_name": "QUIZ_STARTED", "data": {"id": unique("sa-"), "email": "x@example.com"}}),
        Some(SCOREAPP_SECRET),
    );
    assert_eq!(a.status, 202, "{}", a.body);
    assert_eq!(a.json()["ignored"], "QUIZ_STARTED");
}

#[test]
fn scoreapp_lead_details_updated_updates_the_lead() {
    ready();
    let email = unique("upd") + "@example.com";
    scoreapp(
        &quiz_finished(&unique("sa-"), &email, 10),
        Some(SCOREAPP_SECRET),
    );
    let a = scoreapp(
        &json!({"event_name": "LEAD_DETAILS_UPDATED", "data": {"id": unique("sa-"), "email": email, "first_name": "Ada", "last_name": "Lovelace", "phone": "+44 20 7946 0958"}}),
        Some(SCOREAPP_SECRET),
    );
    assert_eq!(a.status, 200, "{}", a.body);
    let row = db()
        .query_one(
            "select name, phone, tier from dyniq.leads where email = $1",
            &[&email],
        )
        .unwrap();
    assert_eq!(
        row.get::<_, Option<String>>(0).as_deref(),
        Some("Ada Lovelace")
    );
    assert_eq!(
        row.get::<_, Option<String>>(1).as_deref(),
        Some("+442079460958")
    );
    assert_eq!(row.get::<_, Option<String>>(2).as_deref(), Some("COLD"));
}

#[test]
fn scoreapp_with_a_bad_payload_names_every_bad_field() {
    ready();
    let a = scoreapp(
        &json!({"event_name": "QUIZ_FINISHED", "data": {"id": unique("sa-"), "email": "nope", "score": 300}}),
        Some(SCOREAPP_SECRET),
    );
    let p = a.problem(422);
    let text = p["errors"].to_string();
    assert!(text.contains("email") && text.contains("score"), "{p}");
}

fn ingest(schema: &str, headers: &[(String, String)], body: &str) -> Answer {
    let h: Vec<(&str, &str)> = headers
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    call(
        "POST",
        &format!("{}/webhooks/{schema}/ingest", worker_url()),
        &h,
        Some(body),
    )
}

fn posts_with_topic(topic: &str) -> i64 {
    db().query_one(
        "select count(*) from dyniq.content_posts where topic = $1",
        &[&topic],
    )
    .unwrap()
    .get(0)
}

#[test]
fn a_signed_ingest_writes_its_records_once_however_often_it_is_delivered() {
    ready();
    let topic = unique("ingest");
    let body = json!({"table": "content_posts", "records": [
        {"platform": "LinkedIn", "topic": topic, "hook": "one"},
        {"platform": "twitter", "topic": topic, "hook": "two"}
    ]})
    .to_string();
    let id = unique("msg_");
    let headers = standard_webhook_headers(&id, now(), &body);
    let a = ingest("dyniq", &headers, &body);
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.json()["rows"].as_array().unwrap().len(), 2);
    let again = ingest("dyniq", &headers, &body);
    assert_eq!(again.status, 200, "{}", again.body);
    assert_eq!(again.json()["duplicate"], true);
    assert_eq!(posts_with_topic(&topic), 2);
}

#[test]
fn an_ingest_with_a_wrong_missing_or_stale_signature_is_refused_and_writes_nothing() {
    ready();
    let topic = unique("ingest");
    let body =
        json!({"table": "content_posts", "record": {"platform": "linkedin", "topic": topic}})
            .to_string();

    let mut wrong = standard_webhook_headers(&unique("msg_"), now(), &body);
    wrong[2].1 = "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=".into();
    assert!(ingest("dyniq", &wrong, &body).problem(401)["detail"]
        .as_str()
        .unwrap()
        .to_lowercase()
        .contains("signature"));

    let mut missing = standard_webhook_headers(&unique("msg_"), now(), &body);
    missing.remove(2);
    ingest("dyniq", &missing, &body).problem(401);

    let stale = standard_webhook_headers(&unique("msg_"), now() - 600, &body);
    ingest("dyniq", &stale, &body).problem(401);

    let future = standard_webhook_headers(&unique("msg_"), now() + 600, &body);
    ingest("dyniq", &future, &body).problem(401);

    // A body changed after signing.
    let tampered = standard_webhook_headers(&unique("msg_"), now(), &body);
    ingest("dyniq", &tampered, &body.replace("linkedin", "twitter")).problem(401);

    assert_eq!(posts_with_topic(&topic), 0);
}

#[test]
fn an_ingest_with_a_bad_record_writes_nothing_and_names_the_record_and_field() {
    ready();
    let topic = unique("ingest");
    let body = json!({"table": "content_posts", "records": [
        {"platform": "linkedin", "topic": topic}, {"platform": "myspace", "topic": topic}
    ]})
    .to_string();
    let a = ingest(
        "dyniq",
        &standard_webhook_headers(&unique("msg_"), now(), &body),
        &body,
    );
    let p = a.problem(422);
    assert_eq!(p["errors"][0]["index"], 1, "{p}");
    assert_eq!(p["errors"][0]["field"], "platform");
    assert_eq!(posts_with_topic(&topic), 0);
}

#[test]
fn an_ingest_for_an_unknown_table_is_refused() {
    ready();
    let body = json!({"table": "secrets", "record": {"a": 1}}).to_string();
    let a = ingest(
        "dyniq",
        &standard_webhook_headers(&unique("msg_"), now(), &body),
        &body,
    );
    assert!(a.status == 404 || a.status == 422, "{}", a.body);
    a.problem(a.status);
}
