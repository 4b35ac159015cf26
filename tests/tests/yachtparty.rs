//! Yachtparty through the Worker: people who arrived by SMS sign in, claim their profile and see
//! only what is theirs; innovators upload prospects; backend tables stay out of users' reach; the
//! service role writes them through the record API.

use rowgate_tests::*;
use serde_json::{json, Value};

fn url(path: &str) -> String {
    format!("{}{path}", worker_url())
}

fn service() -> String {
    bearer(SERVICE_ROLE_KEY)
}

fn send(method: &str, path: &str, auth: &str, body: Option<&Value>) -> Answer {
    let text = body.map(Value::to_string);
    call(
        method,
        &url(path),
        &[
            ("authorization", auth),
            ("content-type", "application/json"),
        ],
        text.as_deref(),
    )
}

fn fields(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("the problem has no errors: {problem}"))
        .iter()
        .map(|e| e["field"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// A phone number no other test uses: +1 and 10 digits from a fresh UUID.
fn new_phone() -> String {
    let n = uuid::Uuid::new_v4().as_u128() % 10_000_000_000;
    format!("+1{n:010}")
}

/// Someone who texted in (a profile by phone number) and then signed in with that phone: the
/// profile claimed through `claim_sms_profile`, as supabase-js's `rpc` calls it on PostgREST.
struct Member {
    profile: String,
    auth: String,
}

fn member() -> Member {
    let phone = new_phone();
    let profile: uuid::Uuid = db()
        .query_one(
            "insert into yachtparty.users (phone_number) values ($1::text) returning id",
            &[&phone],
        )
        .unwrap()
        .get(0);
    let user = new_user();
    let mut claims = user_claims(&user);
    // GoTrue gives the verified phone without its '+'.
    claims["phone"] = json!(phone.trim_start_matches('+'));
    let auth = bearer(&hs256(&claims));
    let claimed = call(
        "POST",
        &format!("{}/rpc/claim_sms_profile", postgrest_url()),
        &[
            ("authorization", &auth),
            ("apikey", ANON_KEY),
            ("content-profile", "yachtparty"),
            ("content-type", "application/json"),
        ],
        Some("{}"),
    );
    assert_eq!(claimed.status, 200, "{}", claimed.body);
    assert_eq!(claimed.json(), json!(profile.to_string()));
    Member {
        profile: profile.to_string(),
        auth,
    }
}

#[test]
fn a_member_who_signed_in_reads_only_their_own_profile() {
    ready();
    let (a, b) = (member(), member());
    let rows = send("GET", "/v1/yachtparty/users", &a.auth, None).json();
    let ids: Vec<&str> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [a.profile.as_str()]);
    let other = send(
        "GET",
        &format!("/v1/yachtparty/users?id=eq.{}", b.profile),
        &a.auth,
        None,
    );
    assert_eq!(other.json(), json!([]));
}

#[test]
fn a_member_changes_their_details_but_never_their_credit_balance() {
    ready();
    let a = member();
    let path = format!("/v1/yachtparty/users?id=eq.{}", a.profile);
    let ok = send(
        "PATCH",
        &path,
        &a.auth,
        Some(
            &json!({"first_name": " Ada ", "email": " Ada@Example.COM ", "timezone": "Europe/Brussels",
                     "quiet_hours_start": "22:00", "quiet_hours_end": "07:30"}),
        ),
    );
    assert_eq!(ok.status, 200, "{}", ok.body);
    let row = &ok.json()[0];
    assert_eq!(row["first_name"], "Ada");
    assert_eq!(row["email"], "ada@example.com");
    assert_eq!(row["quiet_hours_start"], "22:00:00");

    // The core shapes it (the service role may set it), the database refuses the member.
    let refused = send(
        "PATCH",
        &path,
        &a.auth,
        Some(&json!({"credit_balance": 999})),
    );
    refused.problem(403);
    let balance: i32 = db()
        .query_one(
            "select credit_balance from yachtparty.users where id = $1::text::uuid",
            &[&a.profile],
        )
        .unwrap()
        .get(0);
    assert_eq!(balance, 0);
}

#[test]
fn a_bad_profile_change_names_every_field_and_an_unknown_zone_is_refused_by_the_database() {
    ready();
    let a = member();
    let path = format!("/v1/yachtparty/users?id=eq.{}", a.profile);
    let p = send(
        "PATCH",
        &path,
        &a.auth,
        Some(&json!({"quiet_hours_start": "25:00", "linkedin_url": "ftp://x", "email": "ada"})),
    )
    .problem(422);
    let mut names = fields(&p);
    names.sort();
    assert_eq!(names, ["email", "linkedin_url", "quiet_hours_start"], "{p}");

    // Quiet hours come in pairs: the core says so before the database would.
    let p = send(
        "PATCH",
        &path,
        &a.auth,
        Some(&json!({"quiet_hours_start": "22:00", "quiet_hours_end": "22:00"})),
    )
    .problem(422);
    assert_eq!(fields(&p), ["quiet_hours_end"], "{p}");

    // A zone name only the database can judge (it knows the IANA names): its trigger refuses it
    // as users_timezone_check, which the API answers naming the field.
    let p = send(
        "PATCH",
        &path,
        &a.auth,
        Some(&json!({"timezone": "Mars/Olympus_Mons"})),
    )
    .problem(422);
    assert_eq!(fields(&p), ["timezone"], "{p}");
}

#[test]
fn members_read_only_their_own_conversations_and_messages_and_cannot_write_them() {
    ready();
    let (a, b) = (member(), member());
    let mut conn = db();
    for m in [&a, &b] {
        conn.execute(
            "with c as (insert into yachtparty.conversations (user_id, phone_number)
                        select id, phone_number from yachtparty.users where id = $1::text::uuid returning id, user_id)
             insert into yachtparty.messages (conversation_id, user_id, role, content, direction)
             select id, user_id, 'user', ' hi there ', 'inbound' from c",
            &[&m.profile],
        )
        .unwrap();
    }
    let mine = send("GET", "/v1/yachtparty/messages", &a.auth, None).json();
    let mine = mine.as_array().unwrap();
    assert_eq!(mine.len(), 1, "{mine:?}");
    assert_eq!(mine[0]["user_id"], json!(a.profile));
    // Kept exactly as received.
    assert_eq!(mine[0]["content"], " hi there ");
    let conversation = mine[0]["conversation_id"].clone();

    let write = send(
        "POST",
        "/v1/yachtparty/messages",
        &a.auth,
        Some(
            &json!({"conversation_id": conversation, "user_id": a.profile, "role": "user",
                     "content": "forged", "direction": "inbound"}),
        ),
    );
    write.problem(403);
}

#[test]
fn an_outbound_message_without_content_is_refused_by_the_core() {
    ready();
    let p = send(
        "POST",
        "/v1/yachtparty/messages/validate",
        &service(),
        Some(
            &json!({"conversation_id": uuid::Uuid::new_v4(), "user_id": uuid::Uuid::new_v4(),
                     "role": "assistant", "content": "", "direction": "outbound"}),
        ),
    )
    .problem(422);
    assert_eq!(fields(&p), ["content"], "{p}");
}

#[test]
fn an_innovator_uploads_prospects_in_bulk_and_sees_only_theirs() {
    ready();
    let (a, b) = (member(), member());
    let innovator: uuid::Uuid = db()
        .query_one(
            "insert into yachtparty.innovators (user_id, company_name) values ($1::text::uuid, 'Acme') returning id",
            &[&a.profile],
        )
        .unwrap()
        .get(0);
    let batch = uuid::Uuid::new_v4();
    let upload = send(
        "POST",
        "/v1/yachtparty/prospects",
        &a.auth,
        Some(&json!([
            {"innovator_id": innovator, "email": " Grace@Example.com ", "first_name": "Grace", "upload_source": "CSV", "upload_batch_id": batch},
            {"innovator_id": innovator, "phone_number": "+44 20 7946 0958", "upload_source": "csv", "upload_batch_id": batch},
            {"innovator_id": innovator, "linkedin_url": "https://www.linkedin.com/in/someone", "upload_source": "csv", "upload_batch_id": batch},
        ])),
    );
    assert_eq!(upload.status, 201, "{}", upload.body);
    let rows = upload.json();
    assert_eq!(rows.as_array().unwrap().len(), 3);
    assert_eq!(rows[0]["email"], "grace@example.com");
    assert_eq!(rows[0]["status"], "pending");
    assert_eq!(rows[1]["phone_number"], "+442079460958");

    // Without any way to reach them: refused before the database, naming the rule's field.
    let p = send(
        "POST",
        "/v1/yachtparty/prospects",
        &a.auth,
        Some(&json!({"innovator_id": innovator, "first_name": "Nobody"})),
    )
    .problem(422);
    assert_eq!(fields(&p), ["email"], "{p}");

    // Another member neither sees them nor adds to them.
    let seen = send(
        "GET",
        &format!("/v1/yachtparty/prospects?upload_batch_id=eq.{batch}"),
        &b.auth,
        None,
    );
    assert_eq!(seen.json(), json!([]));
    let forged = send(
        "POST",
        "/v1/yachtparty/prospects",
        &b.auth,
        Some(&json!({"innovator_id": innovator, "email": "x@example.com"})),
    );
    forged.problem(403);
    let count: i64 = db()
        .query_one(
            "select count(*) from yachtparty.prospects where innovator_id = $1",
            &[&innovator],
        )
        .unwrap()
        .get(0);
    assert_eq!(count, 3);
}

#[test]
fn backend_tables_are_out_of_a_members_reach() {
    ready();
    let a = member();
    for table in [
        "events",
        "agent_tasks",
        "message_queue",
        "user_message_budget",
        "agent_instances",
        "agent_actions_log",
        "linkedin_research_prospects",
    ] {
        let answer = send("GET", &format!("/v1/yachtparty/{table}"), &a.auth, None);
        answer.problem(403);
    }
    // And nobody without a token.
    call("GET", &url("/v1/yachtparty/users"), &[], None).problem(401);
}

#[test]
fn the_service_role_queues_an_agent_task_through_the_record_api() {
    ready();
    let a = member();
    let task = send(
        "POST",
        "/v1/yachtparty/agent_tasks",
        &service(),
        Some(
            &json!({"task_type": "re_engagement_check", "agent_type": "concierge", "user_id": a.profile,
                     "scheduled_for": "2026-12-03T10:00:00+01:00", "priority": "HIGH", "context_json": {"reason": "quiet"}}),
        ),
    );
    assert_eq!(task.status, 201, "{}", task.body);
    let row = task.json();
    assert_eq!(row["status"], "pending");
    assert_eq!(row["priority"], "high");
    assert_eq!(row["retry_count"], 0);

    // A context without its type, and an event type that is not dotted lower-case.
    let p = send(
        "POST",
        "/v1/yachtparty/agent_tasks",
        &service(),
        Some(&json!({"task_type": "x", "agent_type": "system", "scheduled_for": "2026-12-03T10:00:00Z",
                     "context_json": {}, "context_id": uuid::Uuid::new_v4()})),
    )
    .problem(422);
    assert_eq!(fields(&p), ["context_type"], "{p}");
    let p = send(
        "POST",
        "/v1/yachtparty/events",
        &service(),
        Some(&json!({"event_type": "User.Created", "payload": {}})),
    )
    .problem(422);
    assert_eq!(fields(&p), ["event_type"], "{p}");
}
