//! Yachtparty over SMS, through the Worker: Twilio's inbound and status webhooks with real
//! signatures, and the scheduled sender draining the message queue into a Twilio stand-in on
//! loopback (tests/src/twilio.rs) through the Worker's own `fetch`, run by `wrangler dev
//! --test-scheduled` on `/__scheduled`. (PostgREST down is in outage.rs, which owns the stack.)

use std::sync::{Barrier, Mutex, MutexGuard};

use rowgate_tests::twilio::{Behaviour, TwilioStandIn};
use rowgate_tests::*;
use serde_json::Value;

const SMS: &str = "/webhooks/yachtparty/twilio/sms";

/// A phone number no other test uses: +1 and 10 digits from a fresh UUID.
fn new_phone() -> String {
    let n = uuid::Uuid::new_v4().as_u128() % 10_000_000_000;
    format!("+1{n:010}")
}

/// An inbound SMS's parameters as Twilio sends them (a subset of the many it sends).
fn inbound(sid: &str, from: &str, body: &str) -> Vec<(String, String)> {
    [
        ("ToCountry", "US"),
        ("ToState", "CA"),
        ("SmsMessageSid", sid),
        ("NumMedia", "0"),
        ("ToCity", "SAN FRANCISCO"),
        ("FromZip", "94105"),
        ("SmsSid", sid),
        ("FromState", "CA"),
        ("SmsStatus", "received"),
        ("FromCity", "SAN FRANCISCO"),
        ("Body", body),
        ("FromCountry", "US"),
        ("To", TWILIO_FROM_NUMBER),
        ("MessagingServiceSid", "MG0123456789abcdef0123456789abcdef"),
        ("ToZip", "94105"),
        ("NumSegments", "1"),
        ("MessageSid", sid),
        ("AccountSid", TWILIO_ACCOUNT_SID),
        ("From", from),
        ("ApiVersion", "2010-04-01"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

fn borrowed(params: &[(String, String)]) -> Vec<(&str, &str)> {
    params
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

fn count(sql: &str, param: &str) -> i64 {
    db().query_one(sql, &[&param]).unwrap().get(0)
}

fn messages_with_sid(sid: &str) -> i64 {
    count(
        "select count(*) from yachtparty.messages where twilio_message_sid = $1::text",
        sid,
    )
}

fn events_for_sid(sid: &str) -> i64 {
    count(
        "select count(*) from yachtparty.events where event_type = 'user.message.received'
           and metadata->>'twilio_message_sid' = $1::text",
        sid,
    )
}

/// Asserts Twilio's empty TwiML answer.
fn twiml(a: &Answer) {
    assert_eq!(a.status, 200, "{}", a.body);
    assert!(
        a.header("content-type")
            .is_some_and(|t| t.starts_with("text/xml")),
        "{a:?}"
    );
    assert_eq!(
        a.body,
        r#"<?xml version="1.0" encoding="UTF-8"?><Response></Response>"#
    );
}

// ---------------------------------------------------------------------------------------------
// inbound SMS
// ---------------------------------------------------------------------------------------------

#[test]
fn a_first_message_makes_the_user_their_conversation_the_message_and_the_event() {
    ready();
    let (sid, phone) = (new_message_sid(), new_phone());
    // Kept exactly as sent: spaces at both ends, a line break, emoji, `+` and `&`.
    let text = "  Hi there!\nI'm looking for a CTO 🚀 + advice & intros  ";
    let params = inbound(&sid, &phone, text);
    twiml(&twilio_webhook(SMS, &borrowed(&params)));

    let row = db()
        .query_one(
            "select u.poc_agent_type, u.verified, c.status, m.content, m.role, m.direction, m.status,
                    (select count(*) from yachtparty.events e where e.event_type = 'user.message.received'
                        and e.aggregate_id = u.id and e.payload->>'message_id' = m.id::text)
               from yachtparty.messages m
               join yachtparty.users u on u.id = m.user_id
               join yachtparty.conversations c on c.id = m.conversation_id
              where m.twilio_message_sid = $1::text and u.phone_number = $2::text",
            &[&sid, &phone],
        )
        .unwrap();
    assert_eq!(row.get::<_, String>(0), "bouncer");
    assert!(!row.get::<_, bool>(1));
    assert_eq!(row.get::<_, String>(2), "active");
    assert_eq!(row.get::<_, String>(3), text);
    assert_eq!(
        (
            row.get::<_, String>(4),
            row.get::<_, String>(5),
            row.get::<_, String>(6)
        ),
        ("user".into(), "inbound".into(), "received".into())
    );
    assert_eq!(row.get::<_, i64>(7), 1);
}

#[test]
fn the_same_delivery_twice_writes_once() {
    ready();
    let (sid, phone) = (new_message_sid(), new_phone());
    let params = inbound(&sid, &phone, "Twice");
    twiml(&twilio_webhook(SMS, &borrowed(&params)));
    twiml(&twilio_webhook(SMS, &borrowed(&params)));
    assert_eq!(messages_with_sid(&sid), 1);
    assert_eq!(events_for_sid(&sid), 1);
}

#[test]
fn twenty_first_messages_from_a_new_number_at_once_make_one_user_and_one_conversation() {
    ready();
    let phone = new_phone();
    let barrier = Barrier::new(20);
    let sids: Vec<String> = (0..20).map(|_| new_message_sid()).collect();
    std::thread::scope(|s| {
        for (i, sid) in sids.iter().enumerate() {
            let (barrier, phone) = (&barrier, &phone);
            s.spawn(move || {
                let params = inbound(sid, phone, &format!("message {i}"));
                barrier.wait();
                twiml(&twilio_webhook(SMS, &borrowed(&params)));
            });
        }
    });
    assert_eq!(
        count(
            "select count(*) from yachtparty.users where phone_number = $1::text",
            &phone
        ),
        1
    );
    assert_eq!(
        count(
            "select count(*) from yachtparty.conversations c join yachtparty.users u on u.id = c.user_id
              where u.phone_number = $1::text and c.status = 'active'",
            &phone
        ),
        1
    );
    assert_eq!(
        count(
            "select count(*) from yachtparty.messages m join yachtparty.users u on u.id = m.user_id
              where u.phone_number = $1::text",
            &phone
        ),
        20
    );
}

#[test]
fn a_delivery_with_the_same_sid_at_the_same_moment_writes_once() {
    ready();
    let (sid, phone) = (new_message_sid(), new_phone());
    let params = inbound(&sid, &phone, "Racing myself");
    let barrier = Barrier::new(8);
    std::thread::scope(|s| {
        for _ in 0..8 {
            let (barrier, params) = (&barrier, &params);
            s.spawn(move || {
                barrier.wait();
                twiml(&twilio_webhook(SMS, &borrowed(params)));
            });
        }
    });
    assert_eq!(messages_with_sid(&sid), 1);
    assert_eq!(events_for_sid(&sid), 1);
}

#[test]
fn parameters_twilio_adds_later_are_signed_and_ignored_and_media_is_kept() {
    ready();
    let (sid, phone) = (new_message_sid(), new_phone());
    let sid = sid.replacen("SM", "MM", 1);
    let mut params = inbound(&sid, &phone, "");
    for (name, value) in [
        ("NumMedia", "1"),
        (
            "MediaUrl0",
            "https://api.twilio.com/2010-04-01/Accounts/AC/Messages/MM/Media/ME1",
        ),
        ("MediaContentType0", "image/jpeg"),
        ("SomethingTwilioAddsNextYear", "whatever"),
    ] {
        params.retain(|(k, _)| k != name);
        params.push((name.into(), value.into()));
    }
    twiml(&twilio_webhook(SMS, &borrowed(&params)));
    let payload: String = db()
        .query_one(
            "select e.payload::text from yachtparty.events e
              where e.event_type = 'user.message.received' and e.metadata->>'twilio_message_sid' = $1::text",
            &[&sid],
        )
        .unwrap()
        .get(0);
    let payload: Value = serde_json::from_str(&payload).unwrap();
    assert_eq!(payload["num_media"], 1, "{payload}");
    assert_eq!(
        payload["media"][0]["content_type"], "image/jpeg",
        "{payload}"
    );
    assert_eq!(payload["body"], "", "{payload}");
}

/// Posts `params` to `url` with `signature` (or none) and asserts a 401 that wrote nothing.
fn refused(url: &str, params: &[(&str, &str)], signature: Option<&str>, sid: &str) {
    let mut headers = vec![("content-type", "application/x-www-form-urlencoded")];
    if let Some(signature) = signature {
        headers.push(("x-twilio-signature", signature));
    }
    let a = call("POST", url, &headers, Some(&form_body(params)));
    a.problem(401);
    assert_eq!(messages_with_sid(sid), 0, "{url}: written despite {a:?}");
}

#[test]
fn a_signature_that_does_not_match_is_refused_and_writes_nothing() {
    ready();
    let (sid, phone) = (new_message_sid(), new_phone());
    let params = inbound(&sid, &phone, "Tamper with me");
    let params = borrowed(&params);
    let url = format!("{}{SMS}", worker_url());
    let good = twilio_signature(TWILIO_AUTH_TOKEN, &url, &params);

    // One parameter changed after signing.
    let mut tampered = params.clone();
    for p in tampered.iter_mut().filter(|(k, _)| *k == "Body") {
        p.1 = "Tampered";
    }
    refused(&url, &tampered, Some(&good), &sid);
    // A parameter added after signing.
    let mut added = params.clone();
    added.push(("Extra", "1"));
    refused(&url, &added, Some(&good), &sid);
    // The URL's query changed: signed for ?a=1, sent to ?a=2.
    let signed = twilio_signature(TWILIO_AUTH_TOKEN, &format!("{url}?a=1"), &params);
    refused(&format!("{url}?a=2"), &params, Some(&signed), &sid);
    // Signed with another token.
    let other = twilio_signature("not-the-auth-token", &url, &params);
    refused(&url, &params, Some(&other), &sid);
    // No signature at all, or an empty one.
    refused(&url, &params, None, &sid);
    refused(&url, &params, Some(""), &sid);

    // The same request, signed right, is taken: the refusals above were the signature's.
    twiml(&twilio_webhook(SMS, &params));
    assert_eq!(messages_with_sid(&sid), 1);
}

#[test]
fn another_accounts_delivery_and_webhook_rules_signatures_are_refused() {
    ready();
    let (sid, phone) = (new_message_sid(), new_phone());
    let mut params = inbound(&sid, &phone, "Wrong account");
    for p in params.iter_mut().filter(|(k, _)| k == "AccountSid") {
        p.1 = "ACffffffffffffffffffffffffffffffff".into();
    }
    // Correctly signed with our token, but for another account: refused after the signature.
    let a = twilio_webhook(SMS, &borrowed(&params));
    let p = a.problem(401);
    assert!(p["detail"].as_str().unwrap().contains("AccountSid"), "{p}");
    assert_eq!(messages_with_sid(&sid), 0);

    let params = inbound(&sid, &phone, "Webhook rules");
    let params = borrowed(&params);
    let url = format!("{}{SMS}", worker_url());
    let signature = twilio_signature(TWILIO_AUTH_TOKEN, &url, &params);
    let a = call(
        "POST",
        &url,
        &[
            ("content-type", "application/x-www-form-urlencoded"),
            ("x-twilio-signature", &signature),
            (
                "x-twilio-webhooks-signature-settings",
                "algorithm=HmacSHA256",
            ),
        ],
        Some(&form_body(&params)),
    );
    a.problem(401);
    assert_eq!(messages_with_sid(&sid), 0);
}

#[test]
fn bad_fields_are_each_named_and_nothing_is_written() {
    ready();
    let sid = new_message_sid();
    let mut params = inbound(&sid, "whatsapp:+14155550100", "Hi");
    for p in params.iter_mut() {
        match p.0.as_str() {
            "MessageSid" => p.1 = "SMnot-a-sid".into(),
            "NumMedia" => p.1 = "lots".into(),
            _ => {}
        }
    }
    let a = twilio_webhook(SMS, &borrowed(&params));
    let p = a.problem(422);
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    for field in ["MessageSid", "From", "NumMedia"] {
        assert!(fields.contains(&field), "{field} not named: {p}");
    }
    assert_eq!(messages_with_sid("SMnot-a-sid"), 0);
}

#[test]
fn a_body_that_is_not_a_form_is_refused() {
    ready();
    let a = call(
        "POST",
        &format!("{}{SMS}", worker_url()),
        &[("content-type", "application/json")],
        Some("{}"),
    );
    a.problem(415);
    let a = call("GET", &format!("{}{SMS}", worker_url()), &[], None);
    a.problem(405);
}

// ---------------------------------------------------------------------------------------------
// status callbacks
// ---------------------------------------------------------------------------------------------

/// An outbound message as the sender's claim creates it (status 'queued', no SID yet): its id.
fn outbound_message(phone: &str) -> String {
    let mut db = db();
    let user: uuid::Uuid = db
        .query_one(
            "insert into yachtparty.users (phone_number) values ($1::text) returning id",
            &[&phone],
        )
        .unwrap()
        .get(0);
    let conversation: uuid::Uuid = db
        .query_one(
            "insert into yachtparty.conversations (user_id, phone_number) values ($1, $2::text) returning id",
            &[&user, &phone],
        )
        .unwrap()
        .get(0);
    let id: uuid::Uuid = db
        .query_one(
            "insert into yachtparty.messages (conversation_id, user_id, role, content, direction, status)
             values ($1, $2, 'assistant', 'Hello from Yachtparty', 'outbound', 'queued') returning id",
            &[&conversation, &user],
        )
        .unwrap()
        .get(0);
    id.to_string()
}

fn callback(message_id: &str, sid: &str, status: &str, error_code: Option<&str>) -> Answer {
    let mut params = vec![
        ("AccountSid", TWILIO_ACCOUNT_SID),
        ("ApiVersion", "2010-04-01"),
        ("From", TWILIO_FROM_NUMBER),
        ("MessageSid", sid),
        ("MessageStatus", status),
        ("SmsSid", sid),
        ("SmsStatus", status),
        ("To", "+14155550100"),
    ];
    if let Some(code) = error_code {
        params.push(("ErrorCode", code));
    }
    twilio_webhook(
        &format!("/webhooks/yachtparty/twilio/status?message_id={message_id}"),
        &params,
    )
}

fn message_state(id: &str) -> (String, Option<String>, bool, bool) {
    let row = db()
        .query_one(
            "select status, twilio_message_sid::text, sent_at is not null, delivered_at is not null
               from yachtparty.messages where id = $1::text::uuid",
            &[&id],
        )
        .unwrap();
    (row.get(0), row.get(1), row.get(2), row.get(3))
}

#[test]
fn a_status_only_moves_forward_whatever_order_callbacks_arrive_in() {
    ready();
    let id = outbound_message(&new_phone());
    let sid = new_message_sid();
    // The callback beats the sender's own report: found by the id in its URL.
    assert_eq!(callback(&id, &sid, "delivered", None).status, 204);
    assert_eq!(
        message_state(&id),
        ("delivered".into(), Some(sid.clone()), false, true)
    );
    // `sent` arrives late: sent_at is recorded, the status stays delivered.
    assert_eq!(callback(&id, &sid, "sent", None).status, 204);
    assert_eq!(
        message_state(&id),
        ("delivered".into(), Some(sid.clone()), true, true)
    );
    // The same callbacks again change nothing.
    assert_eq!(callback(&id, &sid, "delivered", None).status, 204);
    assert_eq!(callback(&id, &sid, "queued", None).status, 204);
    assert_eq!(
        message_state(&id),
        ("delivered".into(), Some(sid), true, true)
    );
}

#[test]
fn a_failed_delivery_records_twilios_error_code_in_an_event() {
    ready();
    let id = outbound_message(&new_phone());
    let sid = new_message_sid();
    assert_eq!(callback(&id, &sid, "sent", None).status, 204);
    assert_eq!(
        callback(&id, &sid, "undelivered", Some("30003")).status,
        204
    );
    assert_eq!(
        callback(&id, &sid, "undelivered", Some("30003")).status,
        204
    );
    assert_eq!(message_state(&id).0, "undelivered");
    let codes: Vec<String> = db()
        .query(
            "select payload->>'error_code' from yachtparty.events
              where event_type = 'message.delivery_failed' and aggregate_id = $1::text::uuid",
            &[&id],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(codes, ["30003"]);
}

#[test]
fn a_status_callback_is_signed_with_its_query_and_names_a_real_message() {
    ready();
    let id = outbound_message(&new_phone());
    let sid = new_message_sid();
    let other = outbound_message(&new_phone());
    // Signed for one message id, sent with another: the query is part of the signed URL.
    let params = [
        ("AccountSid", TWILIO_ACCOUNT_SID),
        ("MessageSid", sid.as_str()),
        ("MessageStatus", "delivered"),
    ];
    let base = format!("{}/webhooks/yachtparty/twilio/status", worker_url());
    let signature = twilio_signature(
        TWILIO_AUTH_TOKEN,
        &format!("{base}?message_id={id}"),
        &params,
    );
    let a = call(
        "POST",
        &format!("{base}?message_id={other}"),
        &[
            ("content-type", "application/x-www-form-urlencoded"),
            ("x-twilio-signature", &signature),
        ],
        Some(&form_body(&params)),
    );
    a.problem(401);
    assert_eq!(message_state(&other).0, "queued");
    assert_eq!(message_state(&id).0, "queued");

    // A message id that is not a UUID, and one of no message.
    let a = callback("nope", &sid, "delivered", None);
    assert_eq!(a.problem(422)["errors"][0]["field"], "message_id");
    let a = callback(&uuid::Uuid::new_v4().to_string(), &sid, "delivered", None);
    a.problem(404);
}

#[test]
fn a_status_rowgate_does_not_know_is_answered_and_changes_nothing() {
    ready();
    let id = outbound_message(&new_phone());
    let a = callback(&id, &new_message_sid(), "teleported", None);
    assert_eq!(a.status, 204, "{}", a.body);
    assert_eq!(message_state(&id).0, "queued");
}

// ---------------------------------------------------------------------------------------------
// the scheduled sender
// ---------------------------------------------------------------------------------------------

/// Scheduled runs drain the whole queue: one test's run at a time.
static RUNS: Mutex<()> = Mutex::new(());

fn one_run_at_a_time() -> MutexGuard<'static, ()> {
    RUNS.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn twilio() -> &'static TwilioStandIn {
    TwilioStandIn::shared(twilio_port(), TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN)
}

/// One run of the Worker's scheduled handler, as the cron trigger would start it.
fn run_scheduled() {
    let a = call(
        "GET",
        &format!("{}/__scheduled?cron=*+*+*+*+*", worker_url()),
        &[],
        None,
    );
    assert_eq!(a.status, 200, "{}", a.body);
}

/// A user whose local time is about noon (an `Etc/GMT±n` zone chosen from the current UTC
/// hour), so that no test depends on the hour it runs at: default quiet hours (22:00-08:00)
/// are far, and so is local midnight. Returns (user id, phone, zone).
fn noon_user() -> (String, String, String) {
    let phone = new_phone();
    let hour: f64 = db()
        .query_one(
            "select extract(hour from now() at time zone 'UTC')::float8",
            &[],
        )
        .unwrap()
        .get(0);
    // Etc/GMT+n is n hours *behind* UTC (POSIX sign).
    let offset = 12 - hour as i32;
    let zone = match offset {
        0 => "Etc/GMT".to_string(),
        o if o > 0 => format!("Etc/GMT-{o}"),
        o => format!("Etc/GMT+{}", -o),
    };
    let id: uuid::Uuid = db()
        .query_one(
            "insert into yachtparty.users (phone_number, timezone) values ($1::text, $2::text) returning id",
            &[&phone, &zone],
        )
        .unwrap()
        .get(0);
    (id.to_string(), phone, zone)
}

/// A queued message for `user`, high priority and due an hour ago (so it goes first, ahead of
/// anything else in the queue): its queue id.
fn queued(user: &str, text: &str) -> String {
    let id: uuid::Uuid = db()
        .query_one(
            "insert into yachtparty.message_queue (user_id, agent_id, message_data, final_message, scheduled_for, priority)
             values ($1::text::uuid, 'concierge', '{}', $2::text, now() - interval '1 hour', 'high') returning id",
            &[&user, &text],
        )
        .unwrap()
        .get(0);
    id.to_string()
}

/// (status, send_attempts, scheduled_for > now(), the outbound message's SID)
fn queue_state(id: &str) -> (String, i32, bool, Option<String>) {
    let row = db()
        .query_one(
            "select q.status, q.send_attempts, q.scheduled_for > now(), m.twilio_message_sid::text
               from yachtparty.message_queue q left join yachtparty.messages m on m.id = q.delivered_message_id
              where q.id = $1::text::uuid",
            &[&id],
        )
        .unwrap();
    (row.get(0), row.get(1), row.get(2), row.get(3))
}

fn send_failed_errors(queue_id: &str) -> Vec<String> {
    db().query(
        "select payload->>'error' from yachtparty.events
          where event_type = 'message.send_failed' and aggregate_id = $1::text::uuid",
        &[&queue_id],
    )
    .unwrap()
    .iter()
    .map(|r| r.get(0))
    .collect()
}

#[test]
fn a_due_message_goes_to_twilio_once_and_its_status_callback_lands() {
    let _one = one_run_at_a_time();
    ready();
    let twilio = twilio();
    let (user, phone, _) = noon_user();
    let queue_id = queued(&user, "Welcome aboard, a CTO intro is on its way.");
    run_scheduled();

    let sent = twilio.sent_to(&phone);
    assert_eq!(sent.len(), 1, "{sent:?}");
    let request = &sent[0];
    assert_eq!(request.status, 201);
    assert_eq!(request.field("From"), Some(TWILIO_FROM_NUMBER));
    assert_eq!(
        request.field("Body"),
        Some("Welcome aboard, a CTO intro is on its way.")
    );
    assert!(request
        .authorization
        .as_deref()
        .is_some_and(|a| a.starts_with("Basic ")));
    assert_eq!(
        request.path,
        format!("/2010-04-01/Accounts/{TWILIO_ACCOUNT_SID}/Messages.json")
    );
    let (status, attempts, _, sid) = queue_state(&queue_id);
    assert_eq!((status.as_str(), attempts), ("sent", 0));
    assert_eq!(sid, request.sid, "the message carries Twilio's SID");

    // Twilio then calls the StatusCallback the sender gave it, signed, as it would.
    let callback_url = request.field("StatusCallback").expect("a StatusCallback");
    let message_id: String = db()
        .query_one(
            "select delivered_message_id::text from yachtparty.message_queue where id = $1::text::uuid",
            &[&queue_id],
        )
        .unwrap()
        .get(0);
    assert_eq!(
        callback_url,
        format!(
            "{}/webhooks/yachtparty/twilio/status?message_id={message_id}",
            worker_url()
        )
    );
    let path = callback_url.trim_start_matches(&worker_url());
    let sid = request.sid.clone().unwrap();
    let a = twilio_webhook(
        path,
        &[
            ("AccountSid", TWILIO_ACCOUNT_SID),
            ("MessageSid", &sid),
            ("MessageStatus", "delivered"),
        ],
    );
    assert_eq!(a.status, 204, "{}", a.body);
    assert_eq!(message_state(&message_id).0, "delivered");

    // Another run sends nothing more to this number.
    run_scheduled();
    assert_eq!(twilio.sent_to(&phone).len(), 1);
}

#[test]
fn the_daily_budget_holds_and_the_rest_waits_for_local_midnight() {
    let _one = one_run_at_a_time();
    ready();
    let twilio = twilio();
    let (user, phone, zone) = noon_user();
    db().execute(
        "insert into yachtparty.user_message_budget (user_id, date, daily_limit, hourly_limit)
         values ($1::text::uuid, (now() at time zone $2::text)::date, 1, 5)",
        &[&user, &zone],
    )
    .unwrap();
    let first = queued(&user, "One");
    let second = queued(&user, "Two");
    run_scheduled();
    assert_eq!(twilio.sent_to(&phone).len(), 1);
    let states = [queue_state(&first), queue_state(&second)];
    let sent = states.iter().filter(|s| s.0 == "sent").count();
    let waiting: Vec<_> = states.iter().filter(|s| s.0 == "queued").collect();
    assert_eq!((sent, waiting.len()), (1, 1), "{states:?}");
    assert!(waiting[0].2, "rescheduled into the future");
    let at_midnight: bool = db()
        .query_one(
            "select q.scheduled_for = yachtparty.next_local_midnight(now(), $2::text)
               from yachtparty.message_queue q where q.id = any(array[$1::text::uuid, $3::text::uuid])
                and q.status = 'queued'",
            &[&first, &zone, &second],
        )
        .unwrap()
        .get(0);
    assert!(
        at_midnight,
        "the rest waits for the user's next local midnight"
    );
}

#[test]
fn quiet_hours_in_the_users_zone_hold_a_message_until_they_end() {
    let _one = one_run_at_a_time();
    ready();
    let twilio = twilio();
    let (user, phone, zone) = noon_user();
    // Quiet from 11:00 to 14:00 local; it is about noon there.
    db().execute(
        "update yachtparty.users set quiet_hours_start = '11:00', quiet_hours_end = '14:00'
          where id = $1::text::uuid",
        &[&user],
    )
    .unwrap();
    let id = queued(&user, "Shh");
    run_scheduled();
    assert!(twilio.sent_to(&phone).is_empty());
    let ends: bool = db()
        .query_one(
            "select q.status = 'queued'
                and q.scheduled_for = ((now() at time zone $2::text)::date + time '14:00') at time zone $2::text
               from yachtparty.message_queue q where q.id = $1::text::uuid",
            &[&id, &zone],
        )
        .unwrap()
        .get(0);
    assert!(ends, "held until 14:00 local: {:?}", queue_state(&id));
}

#[test]
fn twilios_permanent_refusals_fail_the_message_with_its_code() {
    let _one = one_run_at_a_time();
    ready();
    let twilio = twilio();
    let (unsubscribed_user, unsubscribed, _) = noon_user();
    let (invalid_user, invalid, _) = noon_user();
    twilio.script(&unsubscribed, TwilioStandIn::unsubscribed());
    twilio.script(&invalid, TwilioStandIn::invalid_number());
    let a = queued(&unsubscribed_user, "Are you there?");
    let b = queued(&invalid_user, "Hello?");
    run_scheduled();
    for (id, phone, code) in [(&a, &unsubscribed, "21610"), (&b, &invalid, "21211")] {
        assert_eq!(twilio.sent_to(phone).len(), 1);
        assert_eq!(queue_state(id).0, "failed");
        let errors = send_failed_errors(id);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].contains(code), "{errors:?}");
    }
    // Failed is final: a later run sends nothing to them.
    run_scheduled();
    assert_eq!(twilio.sent_to(&unsubscribed).len(), 1);
    assert_eq!(twilio.sent_to(&invalid).len(), 1);
}

#[test]
fn twilios_temporary_refusals_leave_the_message_for_a_later_run() {
    let _one = one_run_at_a_time();
    ready();
    let twilio = twilio();
    let (busy_user, busy, _) = noon_user();
    let (limited_user, limited, _) = noon_user();
    twilio.script_once(&busy, Behaviour::ServerError);
    twilio.script_once(
        &limited,
        Behaviour::RateLimited {
            retry_after_seconds: 120,
        },
    );
    let a = queued(&busy_user, "Server error first");
    let b = queued(&limited_user, "Rate limited first");
    run_scheduled();
    for (id, phone) in [(&a, &busy), (&b, &limited)] {
        let (status, attempts, later, sid) = queue_state(id);
        assert_eq!((status.as_str(), attempts, later), ("queued", 1, true));
        assert_eq!(sid, None);
        // At most one request: after a 429 the run sends nothing more.
        assert!(twilio.sent_to(phone).len() <= 1);
        assert!(send_failed_errors(id).is_empty());
    }
    // Twilio's Retry-After is honoured: not due again for two minutes.
    let not_before: bool = db()
        .query_one(
            "select scheduled_for >= now() + interval '110 seconds' from yachtparty.message_queue where id = $1::text::uuid",
            &[&b],
        )
        .unwrap()
        .get(0);
    assert!(not_before);
    // Made due again, they go out (the stand-in accepts now).
    db().execute(
        "update yachtparty.message_queue set scheduled_for = now() - interval '1 minute'
          where id = any(array[$1::text::uuid, $2::text::uuid])",
        &[&a, &b],
    )
    .unwrap();
    run_scheduled();
    for (id, phone) in [(&a, &busy), (&b, &limited)] {
        assert_eq!(queue_state(id).0, "sent", "{phone}");
        assert_eq!(
            twilio
                .sent_to(phone)
                .iter()
                .filter(|r| r.status == 201)
                .count(),
            1
        );
    }
}

#[test]
fn a_message_left_in_flight_past_its_lease_is_failed_and_never_resent() {
    let _one = one_run_at_a_time();
    ready();
    let twilio = twilio();
    let (user, phone, _) = noon_user();
    // A run claimed it 20 minutes ago and never reported (the Worker died mid-send).
    let id: String = db()
        .query_one(
            "with c as (
               insert into yachtparty.conversations (user_id, phone_number) values ($1::text::uuid, $2::text)
               returning id),
             m as (
               insert into yachtparty.messages (conversation_id, user_id, role, content, direction, status, created_at)
               select c.id, $1::text::uuid, 'assistant', 'In flight', 'outbound', 'queued', now() - interval '20 minutes'
                 from c returning id)
             insert into yachtparty.message_queue (user_id, agent_id, message_data, final_message, scheduled_for,
                                                   priority, status, delivered_message_id, created_at)
             select $1::text::uuid, 'concierge', '{}', 'In flight', now() - interval '30 minutes', 'high',
                    'processing', m.id, now() - interval '30 minutes' from m
             returning id::text",
            &[&user, &phone],
        )
        .unwrap()
        .get(0);
    run_scheduled();
    assert_eq!(queue_state(&id).0, "failed");
    assert_eq!(send_failed_errors(&id).len(), 1);
    assert!(twilio.sent_to(&phone).is_empty(), "never resent");
}
