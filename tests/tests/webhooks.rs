//! Webhooks through wrangler dev: ScoreApp's shared secret and the Standard Webhooks-signed
//! ingest, each with a correct, wrong, missing and stale credential, duplicate deliveries (with
//! and without the sender's id), each schema's own secret, upserts that keep what they do not
//! carry, and bodies that are not JSON.

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
    let headers = standard_webhook_headers(INGEST_SECRET_DYNIQ, &id, now(), &body);
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

    let mut wrong = standard_webhook_headers(INGEST_SECRET_DYNIQ, &unique("msg_"), now(), &body);
    wrong[2].1 = "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=".into();
    assert!(ingest("dyniq", &wrong, &body).problem(401)["detail"]
        .as_str()
        .unwrap()
        .to_lowercase()
        .contains("signature"));

    let mut missing = standard_webhook_headers(INGEST_SECRET_DYNIQ, &unique("msg_"), now(), &body);
    missing.remove(2);
    ingest("dyniq", &missing, &body).problem(401);

    let stale = standard_webhook_headers(INGEST_SECRET_DYNIQ, &unique("msg_"), now() - 600, &body);
    ingest("dyniq", &stale, &body).problem(401);

    let future = standard_webhook_headers(INGEST_SECRET_DYNIQ, &unique("msg_"), now() + 600, &body);
    ingest("dyniq", &future, &body).problem(401);

    // A body changed after signing.
    let tampered = standard_webhook_headers(INGEST_SECRET_DYNIQ, &unique("msg_"), now(), &body);
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
        &standard_webhook_headers(INGEST_SECRET_DYNIQ, &unique("msg_"), now(), &body),
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
        &standard_webhook_headers(INGEST_SECRET_DYNIQ, &unique("msg_"), now(), &body),
        &body,
    );
    let p = a.problem(422);
    assert_eq!(p["errors"][0]["field"], "table", "{p}");
}

/// Posts `body` to `schema`'s ingest, signed with `secret` under delivery id `id`.
fn ingest_signed(schema: &str, secret: &str, id: &str, body: &str) -> Answer {
    ingest(
        schema,
        &standard_webhook_headers(secret, id, now(), body),
        body,
    )
}

fn responses_for(email: &str) -> i64 {
    db().query_one(
        "select count(*) from dyniq.quiz_responses where email = $1",
        &[&email],
    )
    .unwrap()
    .get(0)
}

fn lead_tier(email: &str) -> Option<String> {
    db().query_one("select tier from dyniq.leads where email = $1", &[&email])
        .unwrap()
        .get(0)
}

fn milestones(milestone: &str) -> i64 {
    db().query_one(
        "select count(*) from walker_os.path_a where milestone = $1",
        &[&milestone],
    )
    .unwrap()
    .get(0)
}

#[test]
fn a_scoreapp_quiz_without_an_id_delivered_twice_is_recorded_once() {
    ready();
    let email = unique("noid") + "@example.com";
    let mut body = quiz_finished("unused", &email, 64);
    body["data"].as_object_mut().unwrap().remove("id");
    for _ in 0..2 {
        let a = scoreapp(&body, Some(SCOREAPP_SECRET));
        assert_eq!(a.status, 200, "{}", a.body);
    }
    assert_eq!(responses_for(&email), 1);
}

#[test]
fn a_scoreapp_quiz_with_a_numeric_id_delivered_twice_is_recorded_once() {
    ready();
    let email = unique("numid") + "@example.com";
    // A number no other run uses, below 2^53 so that it is exact in JSON.
    let id = uuid::Uuid::new_v4().as_u128() as u64 % 1_000_000_000_000;
    let mut body = quiz_finished("unused", &email, 64);
    body["data"]["id"] = json!(id);
    let a = scoreapp(&body, Some(SCOREAPP_SECRET));
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.json()["duplicate"], false, "{}", a.body);
    let again = scoreapp(&body, Some(SCOREAPP_SECRET));
    assert_eq!(again.status, 200, "{}", again.body);
    assert_eq!(again.json()["duplicate"], true, "{}", again.body);
    assert_eq!(responses_for(&email), 1);
}

#[test]
fn a_scoreapp_email_given_as_an_array_is_refused_naming_data_email() {
    ready();
    let email = unique("arr") + "@example.com";
    let mut body = quiz_finished(&unique("sa-"), &email, 50);
    body["data"]["email"] = json!([email]);
    let p = scoreapp(&body, Some(SCOREAPP_SECRET)).problem(422);
    let errors = p["errors"].as_array().unwrap();
    assert!(errors.iter().any(|e| e["field"] == "data.email"), "{p}");
    assert_eq!(count_leads(&email), 0);
}

#[test]
fn malformed_json_to_scoreapp_is_a_400() {
    ready();
    let url = format!("{}/webhooks/dyniq/scoreapp", worker_url());
    let a = call(
        "POST",
        &url,
        &[
            ("content-type", "application/json"),
            ("x-webhook-secret", SCOREAPP_SECRET),
        ],
        Some("{\"event_name\": \"QUIZ_FINISHED\", \"data\": "),
    );
    a.problem(400);
}

#[test]
fn malformed_json_to_a_correctly_signed_ingest_is_a_400() {
    ready();
    let body = "{\"table\": \"leads\", \"records\": [";
    ingest_signed("dyniq", INGEST_SECRET_DYNIQ, &unique("msg_"), body).problem(400);
}

#[test]
fn an_ingest_upsert_changes_only_the_columns_each_record_carries() {
    ready();
    let (a, b) = (unique("ia") + "@example.com", unique("ib") + "@example.com");
    db().execute(
        "insert into dyniq.leads (email, tier) values ($1::text, 'WARM')",
        &[&b],
    )
    .unwrap();
    let body = json!({"table": "leads", "on_conflict": "email",
        "records": [{"email": a, "tier": "HOT"}, {"email": b}]})
    .to_string();
    let r = ingest_signed("dyniq", INGEST_SECRET_DYNIQ, &unique("msg_"), &body);
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(lead_tier(&a).as_deref(), Some("HOT"));
    assert_eq!(
        lead_tier(&b).as_deref(),
        Some("WARM"),
        "the upsert erased b's tier"
    );
}

#[test]
fn an_ingest_on_conflict_naming_a_column_without_a_unique_key_is_a_422_naming_on_conflict() {
    ready();
    let email = unique("oc") + "@example.com";
    let body =
        json!({"table": "leads", "on_conflict": "name", "records": [{"email": email}]}).to_string();
    let p = ingest_signed("dyniq", INGEST_SECRET_DYNIQ, &unique("msg_"), &body).problem(422);
    assert_eq!(p["errors"][0]["field"], "on_conflict", "{p}");
    assert_eq!(count_leads(&email), 0);
}

#[test]
fn a_delivery_to_walker_os_signed_with_the_dyniq_secret_is_refused_and_writes_nothing() {
    ready();
    let user = new_user();
    let milestone = unique("ms");
    let body =
        json!({"table": "path_a", "record": {"user_id": user, "milestone": milestone}}).to_string();
    ingest_signed("walker_os", INGEST_SECRET_DYNIQ, &unique("msg_"), &body).problem(401);
    assert_eq!(milestones(&milestone), 0);

    let topic = unique("cross");
    let body =
        json!({"table": "content_posts", "record": {"platform": "linkedin", "topic": topic}})
            .to_string();
    ingest_signed("dyniq", INGEST_SECRET_WALKER_OS, &unique("msg_"), &body).problem(401);
    assert_eq!(posts_with_topic(&topic), 0);
}

#[test]
fn one_delivery_id_is_scoped_by_schema_and_written_once_in_each() {
    ready();
    let id = unique("msg_");
    let topic = unique("scoped");
    let dyniq =
        json!({"table": "content_posts", "record": {"platform": "linkedin", "topic": topic}})
            .to_string();
    let user = new_user();
    let milestone = unique("ms");
    let walker =
        json!({"table": "path_a", "record": {"user_id": user, "milestone": milestone}}).to_string();

    let a = ingest_signed("dyniq", INGEST_SECRET_DYNIQ, &id, &dyniq);
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.json()["duplicate"], false);
    let b = ingest_signed("walker_os", INGEST_SECRET_WALKER_OS, &id, &walker);
    assert_eq!(b.status, 200, "{}", b.body);
    assert_eq!(b.json()["duplicate"], false, "{}", b.body);

    let again = ingest_signed("walker_os", INGEST_SECRET_WALKER_OS, &id, &walker);
    assert_eq!(again.status, 200, "{}", again.body);
    assert_eq!(again.json()["duplicate"], true);
    assert_eq!(posts_with_topic(&topic), 1);
    assert_eq!(milestones(&milestone), 1);
}
