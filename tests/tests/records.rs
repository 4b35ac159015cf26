//! The record API through wrangler dev against the real stack: every route, RLS seen through
//! the API, bulk all-or-nothing, upserts, filters and the error contract.

use rowgate_tests::*;
use serde_json::{json, Value};

fn url(path: &str) -> String {
    format!("{}{path}", worker_url())
}

fn service() -> String {
    bearer(SERVICE_ROLE_KEY)
}

fn post(path: &str, auth: &str, body: &Value) -> Answer {
    call(
        "POST",
        &url(path),
        &[
            ("authorization", auth),
            ("content-type", "application/json"),
        ],
        Some(&body.to_string()),
    )
}

fn field_names(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("the problem has no errors: {problem}"))
        .iter()
        .map(|e| e["field"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn a_lead_is_shaped_and_stored_and_returned() {
    ready();
    let email = format!("{}@Example.COM", unique("Lead"));
    let a = post(
        "/v1/dyniq/leads",
        &service(),
        &json!({"email": format!("  {email} "), "tier": "hot", "name": " Ada ", "company_name": "", "pain_points": "slow follow-up, no CRM"}),
    );
    assert_eq!(a.status, 201, "{}", a.body);
    let row = a.json();
    assert_eq!(row["email"], email.to_lowercase());
    assert_eq!(row["tier"], "HOT");
    assert_eq!(row["name"], "Ada");
    assert_eq!(row["company_name"], Value::Null);
    assert_eq!(row["pain_points"], json!(["slow follow-up", "no CRM"]));
    assert!(row["id"].is_string());
    assert_eq!(count_leads(&email.to_lowercase()), 1);
}

#[test]
fn a_bad_record_gets_every_field_error_and_writes_nothing() {
    ready();
    let a = post(
        "/v1/dyniq/leads",
        &service(),
        &json!({"email": "not-an-email", "tier": "LUKEWARM", "lead_score": 250, "favourite_colour": "blue"}),
    );
    let p = a.problem(422);
    assert_eq!(p["type"], "/problems/validation");
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    for f in ["email", "tier", "lead_score", "favourite_colour"] {
        assert!(fields.contains(&f), "{f} missing from {fields:?}");
    }
    let tier = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["field"] == "tier")
        .unwrap();
    assert_eq!(tier["code"], "enum");
    assert_eq!(tier["allowed"], json!(["HOT", "WARM", "COLD"]));
    assert_eq!(count_leads("not-an-email"), 0);
}

#[test]
fn a_bulk_insert_with_one_bad_record_writes_nothing_and_lists_every_error_by_index() {
    ready();
    let good = unique("bulk") + "@example.com";
    let good2 = unique("bulk") + "@example.com";
    let a = post(
        "/v1/dyniq/leads",
        &service(),
        &json!([{"email": good}, {"email": "broken", "tier": "x"}, {"email": good2}]),
    );
    let p = a.problem(422);
    let errors = p["errors"].as_array().unwrap();
    assert!(errors.len() >= 2, "{errors:?}");
    assert!(errors.iter().all(|e| e["index"] == 1), "{errors:?}");
    assert_eq!(count_leads(&good), 0);
    assert_eq!(count_leads(&good2), 0);
}

#[test]
fn a_bulk_insert_stores_every_record_and_returns_them() {
    ready();
    let (e1, e2) = (unique("b") + "@example.com", unique("b") + "@example.com");
    let a = post(
        "/v1/dyniq/leads",
        &service(),
        &json!([{"email": e1, "tier": "WARM"}, {"email": e2}]),
    );
    assert_eq!(a.status, 201, "{}", a.body);
    let rows = a.json();
    assert_eq!(rows.as_array().unwrap().len(), 2);
    // The record without pain_points took the column default, not null.
    assert_eq!(rows[1]["pain_points"], json!([]));
}

#[test]
fn a_duplicate_email_is_a_409_naming_the_field_and_upsert_resolves_it() {
    ready();
    let email = unique("dup") + "@example.com";
    assert_eq!(
        post("/v1/dyniq/leads", &service(), &json!({"email": email})).status,
        201
    );
    let p = post("/v1/dyniq/leads", &service(), &json!({"email": email})).problem(409);
    assert_eq!(p["errors"][0]["field"], "email");
    assert!(
        !p.to_string().contains("duplicate key"),
        "raw Postgres text leaked: {p}"
    );

    let a = post(
        "/v1/dyniq/leads?on_conflict=email",
        &service(),
        &json!({"email": email, "tier": "COLD"}),
    );
    assert_eq!(a.status, 201, "{}", a.body);
    assert_eq!(a.json()["tier"], "COLD");
    assert_eq!(count_leads(&email), 1);
}

#[test]
fn a_foreign_key_violation_is_a_422_naming_the_field() {
    ready();
    let a = post(
        "/v1/dyniq/content_metrics",
        &service(),
        &json!({"post_id": uuid::Uuid::new_v4().to_string(), "likes": 3}),
    );
    let p = a.problem(422);
    assert_eq!(p["errors"][0]["field"], "post_id");
}

#[test]
fn validate_returns_the_shaped_record_and_writes_nothing() {
    ready();
    let email = unique("dry") + "@example.com";
    let a = post(
        "/v1/dyniq/leads/validate",
        &service(),
        &json!({"email": email.to_uppercase(), "urgency": "IMMEDIATE"}),
    );
    assert_eq!(a.status, 200, "{}", a.body);
    let body = a.json();
    assert_eq!(body["valid"], true);
    assert_eq!(body["record"]["email"], email);
    assert_eq!(body["record"]["urgency"], "immediate");
    assert_eq!(count_leads(&email), 0);

    post(
        "/v1/dyniq/leads/validate",
        &service(),
        &json!({"email": "x"}),
    )
    .problem(422);
}

#[test]
fn reads_filter_order_page_and_count() {
    ready();
    let topic = unique("topic");
    for i in 0..3 {
        let a = post(
            "/v1/dyniq/content_posts",
            &service(),
            &json!({"platform": "LinkedIn", "topic": topic, "hook": format!("h{i}")}),
        );
        assert_eq!(a.status, 201, "{}", a.body);
    }
    let a = call(
        "GET",
        &url(&format!("/v1/dyniq/content_posts?topic=eq.{topic}&select=hook,platform&order=hook.desc&limit=2&count=exact")),
        &[("authorization", &service())],
        None,
    );
    assert_eq!(a.status, 200, "{}", a.body);
    let rows = a.json();
    assert_eq!(
        rows,
        json!([{"hook": "h2", "platform": "linkedin"}, {"hook": "h1", "platform": "linkedin"}])
    );
    assert_eq!(a.header("x-total-count"), Some("3"));
}

#[test]
fn a_filter_on_an_unknown_column_or_operator_is_refused() {
    ready();
    let a = call(
        "GET",
        &url("/v1/dyniq/leads?password=eq.x&tier=sql.drop&limit=100000"),
        &[("authorization", &service())],
        None,
    );
    let p = a.problem(400);
    assert_eq!(p["errors"].as_array().unwrap().len(), 3, "{p}");
}

#[test]
fn patch_is_validated_by_the_patch_shape_and_needs_a_filter() {
    ready();
    let email = unique("patch") + "@example.com";
    let id = post("/v1/dyniq/leads", &service(), &json!({"email": email})).json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let h = [
        ("authorization", service()),
        ("content-type", "application/json".to_string()),
    ];
    let h: Vec<(&str, &str)> = h.iter().map(|(k, v)| (*k, v.as_str())).collect();

    let a = call(
        "PATCH",
        &url(&format!("/v1/dyniq/leads?id=eq.{id}")),
        &h,
        Some(r#"{"tier":"warm","status":"Active"}"#),
    );
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.json()[0]["tier"], "WARM");
    assert_eq!(a.json()[0]["status"], "active");

    call(
        "PATCH",
        &url(&format!("/v1/dyniq/leads?id=eq.{id}")),
        &h,
        Some(r#"{"tier":"tepid"}"#),
    )
    .problem(422);
    call(
        "PATCH",
        &url("/v1/dyniq/leads"),
        &h,
        Some(r#"{"tier":"WARM"}"#),
    )
    .problem(400);
}

#[test]
fn delete_needs_a_filter_and_removes_only_what_it_names() {
    ready();
    let email = unique("del") + "@example.com";
    post("/v1/dyniq/leads", &service(), &json!({"email": email}));
    let auth = service();
    call(
        "DELETE",
        &url("/v1/dyniq/leads"),
        &[("authorization", &auth)],
        None,
    )
    .problem(400);
    let a = call(
        "DELETE",
        &url(&format!("/v1/dyniq/leads?email=eq.{email}")),
        &[("authorization", &auth)],
        None,
    );
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.json().as_array().unwrap().len(), 1);
    assert_eq!(count_leads(&email), 0);
}

#[test]
fn an_unknown_schema_or_table_is_a_404_problem() {
    ready();
    call(
        "GET",
        &url("/v1/nope/leads"),
        &[("authorization", &service())],
        None,
    )
    .problem(404);
    call(
        "GET",
        &url("/v1/dyniq/nope"),
        &[("authorization", &service())],
        None,
    )
    .problem(404);
}

#[test]
fn a_role_that_may_not_write_a_table_gets_403() {
    ready();
    let user = new_user();
    let token = bearer(&hs256(&user_claims(&user)));
    post(
        "/v1/dyniq/leads",
        &token,
        &json!({"email": unique("u") + "@example.com"}),
    )
    .problem(403);
    post(
        "/v1/walker_os/path_b",
        &bearer(ANON_KEY),
        &json!({"product": "x"}),
    )
    .problem(403);
}

#[test]
fn owner_a_cannot_read_or_patch_owner_b_rows_through_the_api() {
    ready();
    let (a, b) = (new_user(), new_user());
    let (ta, tb) = (
        bearer(&hs256(&user_claims(&a))),
        bearer(&hs256(&user_claims(&b))),
    );
    let row = post(
        "/v1/walker_os/daily_scorecard",
        &tb,
        &json!({"scorecard_date": "2026-01-05", "fajr": true, "energy_level": "High"}),
    );
    assert_eq!(row.status, 201, "{}", row.body);
    let row = row.json();
    assert_eq!(row["user_id"], b);
    assert_eq!(row["energy_level"], "high");
    let id = row["id"].as_str().unwrap();

    let read = call(
        "GET",
        &url(&format!("/v1/walker_os/daily_scorecard?id=eq.{id}")),
        &[("authorization", &ta)],
        None,
    );
    assert_eq!(read.status, 200);
    assert_eq!(read.json(), json!([]));

    let h = [
        ("authorization", ta.as_str()),
        ("content-type", "application/json"),
    ];
    let patch = call(
        "PATCH",
        &url(&format!("/v1/walker_os/daily_scorecard?id=eq.{id}")),
        &h,
        Some(r#"{"fajr":false}"#),
    );
    assert_eq!(patch.status, 200, "{}", patch.body);
    assert_eq!(patch.json(), json!([]));
    let fajr: bool = db()
        .query_one(
            "select fajr from walker_os.daily_scorecard where id = $1::text::uuid",
            &[&id],
        )
        .unwrap()
        .get(0);
    assert!(fajr, "owner A changed owner B's row");

    // A cannot plant a row in B's name.
    post(
        "/v1/walker_os/daily_scorecard",
        &ta,
        &json!({"user_id": b, "scorecard_date": "2026-01-06"}),
    )
    .problem(403);

    // B reads its own row.
    let own = call(
        "GET",
        &url(&format!("/v1/walker_os/daily_scorecard?id=eq.{id}")),
        &[("authorization", &tb)],
        None,
    );
    assert_eq!(own.json().as_array().unwrap().len(), 1);
}

#[test]
fn one_scorecard_per_owner_per_date_is_a_409_naming_both_key_columns() {
    ready();
    let u = new_user();
    let t = bearer(&hs256(&user_claims(&u)));
    assert_eq!(
        post(
            "/v1/walker_os/daily_scorecard",
            &t,
            &json!({"scorecard_date": "2026-02-01"})
        )
        .status,
        201
    );
    let p = post(
        "/v1/walker_os/daily_scorecard",
        &t,
        &json!({"scorecard_date": "2026-02-01"}),
    )
    .problem(409);
    let mut fields = field_names(&p);
    fields.sort();
    assert_eq!(fields, ["scorecard_date", "user_id"], "{p}");
}

#[test]
fn profit_first_percentages_default_and_must_sum_to_100() {
    ready();
    let u = new_user();
    let t = bearer(&hs256(&user_claims(&u)));
    let a = post(
        "/v1/walker_os/profit_first_buckets",
        &t,
        &json!({"period_start": "2026-03-01", "revenue": 1000}),
    );
    assert_eq!(a.status, 201, "{}", a.body);
    let row = a.json();
    assert_eq!(row["fixed_costs_amount"], json!(500.0));
    assert_eq!(row["zakat_amount"], json!(25.0));
    post(
        "/v1/walker_os/profit_first_buckets",
        &t,
        &json!({"period_start": "2026-03-08", "revenue": 10, "play_pct": 50}),
    )
    .problem(422);
}

#[test]
fn the_wrong_content_type_is_415_and_a_huge_body_is_413() {
    ready();
    let auth = service();
    call(
        "POST",
        &url("/v1/dyniq/leads"),
        &[("authorization", &auth), ("content-type", "text/plain")],
        Some("{}"),
    )
    .problem(415);
    let huge = format!(r#"{{"email":"a@b.co","name":"{}"}}"#, "x".repeat(2 << 20));
    call(
        "POST",
        &url("/v1/dyniq/leads"),
        &[
            ("authorization", &auth),
            ("content-type", "application/json"),
        ],
        Some(&huge),
    )
    .problem(413);
}

#[test]
fn malformed_json_is_a_400_on_insert_patch_and_validate() {
    ready();
    let auth = service();
    let h = [
        ("authorization", auth.as_str()),
        ("content-type", "application/json"),
    ];
    let broken = "{\"email\": ";
    call("POST", &url("/v1/dyniq/leads"), &h, Some(broken)).problem(400);
    call("POST", &url("/v1/dyniq/leads/validate"), &h, Some(broken)).problem(400);
    call(
        "PATCH",
        &url(&format!(
            "/v1/dyniq/leads?email=eq.{}",
            unique("m") + "@example.com"
        )),
        &h,
        Some(broken),
    )
    .problem(400);
}

#[test]
fn cors_preflight_and_responses_allow_configured_origins_only() {
    ready();
    let pre = call(
        "OPTIONS",
        &url("/v1/dyniq/leads"),
        &[
            ("origin", "http://localhost:3000"),
            ("access-control-request-method", "POST"),
        ],
        None,
    );
    assert_eq!(pre.status, 204);
    assert_eq!(
        pre.header("access-control-allow-origin"),
        Some("http://localhost:3000")
    );
    assert!(pre
        .header("access-control-allow-headers")
        .unwrap()
        .contains("authorization"));
    let other = call(
        "GET",
        &url("/health"),
        &[("origin", "https://evil.example")],
        None,
    );
    assert_eq!(other.header("access-control-allow-origin"), None);
}

#[test]
fn every_response_carries_a_request_id_and_echoes_a_sane_one() {
    ready();
    let a = call(
        "GET",
        &url("/health"),
        &[("x-request-id", "trace-123")],
        None,
    );
    assert_eq!(a.header("x-request-id"), Some("trace-123"));
    let p = call("GET", &url("/nope"), &[], None);
    let body = p.problem(404);
    assert_eq!(body["request_id"].as_str(), p.header("x-request-id"));
}

fn lead(email: &str) -> (uuid::Uuid, Option<String>) {
    let row = db()
        .query_one(
            "select id, tier from dyniq.leads where email = $1",
            &[&email],
        )
        .unwrap();
    (row.get(0), row.get(1))
}

#[test]
fn a_bulk_upsert_changes_only_the_columns_each_record_carries() {
    ready();
    let (a, b) = (unique("ua") + "@example.com", unique("ub") + "@example.com");
    assert_eq!(
        post(
            "/v1/dyniq/leads",
            &service(),
            &json!({"email": b, "tier": "WARM"})
        )
        .status,
        201
    );
    let r = post(
        "/v1/dyniq/leads?on_conflict=email",
        &service(),
        &json!([{"email": a, "tier": "HOT"}, {"email": b}]),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(lead(&a).1.as_deref(), Some("HOT"));
    assert_eq!(
        lead(&b).1.as_deref(),
        Some("WARM"),
        "the upsert erased b's tier"
    );
}

#[test]
fn an_upsert_carrying_an_id_keeps_the_existing_rows_id() {
    ready();
    let email = unique("uid") + "@example.com";
    assert_eq!(
        post("/v1/dyniq/leads", &service(), &json!({"email": email})).status,
        201
    );
    let (before, _) = lead(&email);
    let r = post(
        "/v1/dyniq/leads?on_conflict=email",
        &service(),
        &json!({"email": email, "id": uuid::Uuid::new_v4().to_string(), "tier": "COLD"}),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let (after, tier) = lead(&email);
    assert_eq!(after, before, "the upsert changed the row's id");
    assert_eq!(tier.as_deref(), Some("COLD"));
}

#[test]
fn a_single_insert_answers_201_with_the_row_and_its_defaults() {
    ready();
    let email = unique("one") + "@example.com";
    let a = post("/v1/dyniq/leads", &service(), &json!({"email": email}));
    assert_eq!(a.status, 201, "{}", a.body);
    let row = a.json();
    assert_eq!(row["email"], email);
    assert_eq!(row["pain_points"], json!([]));
    assert_eq!(row["needs"], json!([]));
    assert!(
        row["id"].is_string() && row["created_at"].is_string(),
        "{row}"
    );
}

#[test]
fn a_single_column_unique_conflict_is_a_409_naming_that_column() {
    ready();
    let email = unique("uc") + "@example.com";
    assert_eq!(
        post("/v1/dyniq/leads", &service(), &json!({"email": email})).status,
        201
    );
    let p = post("/v1/dyniq/leads", &service(), &json!({"email": email})).problem(409);
    assert_eq!(field_names(&p), ["email"], "{p}");
}

#[test]
fn on_conflict_naming_a_column_without_a_unique_key_is_a_400_naming_on_conflict() {
    ready();
    let email = unique("oc") + "@example.com";
    let p = post(
        "/v1/dyniq/leads?on_conflict=name",
        &service(),
        &json!({"email": email, "name": "Ada"}),
    )
    .problem(400);
    assert_eq!(field_names(&p), ["on_conflict"], "{p}");
    assert_eq!(count_leads(&email), 0);
}

#[test]
fn a_bulk_upsert_naming_the_same_key_twice_is_a_422_naming_the_second_record() {
    ready();
    let email = unique("twice") + "@example.com";
    let p = post(
        "/v1/dyniq/leads?on_conflict=email",
        &service(),
        &json!([{"email": email}, {"email": email}]),
    )
    .problem(422);
    let errors = p["errors"].as_array().unwrap();
    assert!(
        errors
            .iter()
            .any(|e| e["index"] == 1 && e["field"] == "email"),
        "{p}"
    );
    assert_eq!(count_leads(&email), 0);
}

#[test]
fn a_filter_whose_operator_does_not_fit_the_column_type_is_a_400_naming_it() {
    ready();
    for (param, filter) in [
        ("lead_score", "lead_score=cs.{1}"),
        ("created_at", "created_at=like.*x*"),
        ("id", "id=fts.x"),
        ("email", "email=fts(klingon).x"),
        ("lead_score", "lead_score=eq.abc"),
        ("created_at", "created_at=gt.notadate"),
    ] {
        let a = call(
            "GET",
            &url(&format!("/v1/dyniq/leads?{filter}")),
            &[("authorization", &service())],
            None,
        );
        let p = a.problem(400);
        let fields = field_names(&p);
        assert!(
            !fields.is_empty() && fields.iter().all(|f| f.starts_with(param)),
            "?{filter}: {p}"
        );
    }
}

#[test]
fn an_undeclared_method_on_a_table_is_a_405_with_allow() {
    ready();
    let auth = service();
    for method in ["PROPFIND", "MKCOL", "QUERY", "PUT"] {
        let a = call(
            method,
            &url("/v1/dyniq/leads"),
            &[("authorization", &auth)],
            None,
        );
        assert_eq!(a.status, 405, "{method}: {}", a.body);
        a.problem(405);
        assert_eq!(
            a.header("allow"),
            Some("GET, POST, PATCH, DELETE"),
            "{method}"
        );
    }
}

#[test]
fn an_email_with_a_right_to_left_override_is_a_format_error_on_insert_and_validate() {
    ready();
    let email = format!("ad\u{202E}{}@example.com", unique("a"));
    for path in ["/v1/dyniq/leads", "/v1/dyniq/leads/validate"] {
        let p = post(path, &service(), &json!({"email": email})).problem(422);
        let errors = p["errors"].as_array().unwrap();
        assert!(
            errors
                .iter()
                .any(|e| e["field"] == "email" && e["code"] == "format"),
            "{path}: {p}"
        );
    }
    assert_eq!(count_leads(&email), 0);
}

/// A direct PostgREST insert into dyniq.leads, bypassing the Worker.
fn direct_lead_insert(token: &str, email: &str) -> Answer {
    call(
        "POST",
        &format!("{}/leads", postgrest_url()),
        &[
            ("apikey", ANON_KEY),
            ("authorization", &bearer(token)),
            ("content-profile", "dyniq"),
            ("content-type", "application/json"),
        ],
        Some(&json!({"email": email}).to_string()),
    )
}

#[test]
fn the_database_refuses_an_email_with_a_right_to_left_override_from_a_signed_in_user() {
    ready();
    let email = format!("ad\u{202E}{}@example.com", unique("a"));
    let user = hs256(&user_claims(&new_user()));
    let a = direct_lead_insert(&user, &email);
    assert!((400..500).contains(&a.status), "{} {}", a.status, a.body);
    assert_eq!(count_leads(&email), 0);
}

#[test]
fn the_database_refuses_an_email_with_a_right_to_left_override_from_the_service_role() {
    ready();
    let email = format!("ad\u{202E}{}@example.com", unique("a"));
    let a = direct_lead_insert(SERVICE_ROLE_KEY, &email);
    assert!((400..500).contains(&a.status), "{} {}", a.status, a.body);
    assert_eq!(count_leads(&email), 0);
}

#[test]
fn an_empty_array_is_a_422_on_insert_and_validate() {
    ready();
    for path in ["/v1/dyniq/leads", "/v1/dyniq/leads/validate"] {
        let p = post(path, &service(), &json!([])).problem(422);
        assert_eq!(p["type"], "/problems/validation", "{path}");
        assert!(!p["errors"].as_array().unwrap().is_empty(), "{path}: {p}");
    }
}
