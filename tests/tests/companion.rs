//! Companion through the Worker: the Telegram bot's webhook (the secret header, every update
//! kind, duplicates, account linking with single-use tokens, pause and resume), the web app's
//! operations (profile, onboarding, the link), and the daily check-ins sent by the scheduled
//! handler through a Telegram Bot API stand-in on loopback (tests/src/telegram.rs), run by
//! `wrangler dev --test-scheduled`. (PostgREST down is in outage.rs, which owns the stack.)

use std::sync::{Barrier, Mutex, MutexGuard};

use rowgate_tests::telegram::{Behaviour, TelegramStandIn};
use rowgate_tests::*;
use serde_json::{json, Value};

const HOOK: &str = "/webhooks/companion/telegram";

fn url(path: &str) -> String {
    format!("{}{path}", worker_url())
}

/// A Telegram id no other test uses (positive, below 2^40).
fn new_telegram_id() -> i64 {
    (uuid::Uuid::new_v4().as_u128() % 1_000_000_000_000) as i64 + 1
}

/// An update_id no other test uses.
fn new_update_id() -> i64 {
    (uuid::Uuid::new_v4().as_u128() % 2_000_000_000) as i64 + 1
}

/// Posts `update` as Telegram does, with `secret` in the header (or none).
fn deliver_with(update: &Value, secret: Option<&str>) -> Answer {
    let mut headers = vec![("content-type", "application/json")];
    if let Some(secret) = secret {
        headers.push(("x-telegram-bot-api-secret-token", secret));
    }
    call("POST", &url(HOOK), &headers, Some(&update.to_string()))
}

fn deliver(update: &Value) -> Answer {
    deliver_with(update, Some(TELEGRAM_WEBHOOK_SECRET))
}

/// A private-chat text message update from `from`.
fn message(update_id: i64, from: i64, text: &str) -> Value {
    json!({
        "update_id": update_id,
        "message": {
            "message_id": 1 + update_id % 100_000,
            "from": {"id": from, "is_bot": false, "first_name": "Ada", "username": "ada", "language_code": "en"},
            "chat": {"id": from, "first_name": "Ada", "username": "ada", "type": "private"},
            "date": 1_764_770_000,
            "text": text,
            "some_field_a_future_bot_api_adds": {"x": 1}
        }
    })
}

/// The reply the webhook answered with: its text, or `None` for an empty 200.
fn reply(a: &Answer) -> Option<String> {
    assert_eq!(a.status, 200, "{}", a.body);
    if a.body.is_empty() {
        return None;
    }
    let body = a.json();
    assert_eq!(body["method"], "sendMessage", "{body}");
    Some(body["text"].as_str().unwrap().to_string())
}

fn deliveries(update_id: i64) -> i64 {
    db().query_one(
        "select count(*) from rowgate.webhook_deliveries where id like 'telegram:%:' || $1::text",
        &[&update_id.to_string()],
    )
    .unwrap()
    .get(0)
}

/// Someone signed in to the web app, with a Companion profile: (user id, bearer).
fn member() -> (String, String) {
    let user = new_user();
    let auth = bearer(&hs256(&user_claims(&user)));
    let a = call(
        "POST",
        &url("/v1/companion/profile"),
        &[("authorization", &auth)],
        None,
    );
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.json()["id"], user.as_str());
    (user, auth)
}

/// A fresh deep link's token for `auth`'s user.
fn link_token(auth: &str) -> String {
    let a = call(
        "POST",
        &url("/v1/companion/telegram/link"),
        &[("authorization", auth)],
        None,
    );
    assert_eq!(a.status, 201, "{}", a.body);
    let link = a.json()["url"].as_str().unwrap().to_string();
    let prefix = format!("https://t.me/{TELEGRAM_BOT_USERNAME}?start=");
    assert!(link.starts_with(&prefix), "{link}");
    let token = link[prefix.len()..].to_string();
    assert_eq!(token.len(), 43, "{token}");
    token
}

fn telegram_of(user: &str) -> Option<String> {
    db().query_one(
        "select telegram_user_id::text from companion.users where id = $1::text::uuid",
        &[&user],
    )
    .unwrap()
    .get(0)
}

/// A member whose Telegram account `telegram` is linked through the bot: (user id, bearer).
fn linked_member(telegram: i64) -> (String, String) {
    let (user, auth) = member();
    let token = link_token(&auth);
    let text = reply(&deliver(&message(
        new_update_id(),
        telegram,
        &format!("/start {token}"),
    )))
    .unwrap();
    assert!(text.contains("connected"), "{text}");
    assert_eq!(telegram_of(&user), Some(telegram.to_string()));
    (user, auth)
}

fn messages_of(user: &str) -> i64 {
    db().query_one(
        "select count(*) from companion.messages m join companion.conversations c on c.id = m.conversation_id
          where c.user_id = $1::text::uuid",
        &[&user],
    )
    .unwrap()
    .get(0)
}

fn paused(user: &str) -> Option<bool> {
    db().query_one(
        "select (preferences->>'daily_messages_paused')::boolean from companion.users where id = $1::text::uuid",
        &[&user],
    )
    .unwrap()
    .get(0)
}

// ---------------------------------------------------------------------------------------------
// the webhook
// ---------------------------------------------------------------------------------------------

#[test]
fn the_secret_header_is_required_and_compared() {
    ready();
    // The Bot API documentation's sample update: `/start` from chat 1111111.
    let update_id = new_update_id();
    let sample = json!({"update_id": update_id, "message": {"date": 1441645532,
        "chat": {"last_name": "Test Lastname", "id": 1111111, "first_name": "Test", "username": "Test"},
        "message_id": 1365, "from": {"last_name": "Test Lastname", "id": 1111111, "first_name": "Test", "username": "Test"},
        "text": "/start"}});
    for secret in [
        None,
        Some("wrong"),
        Some(""),
        Some("rowgate-local-telegram-webhook-secreT"),
    ] {
        let a = deliver_with(&sample, secret);
        a.problem(401);
        assert_eq!(deliveries(update_id), 0, "{secret:?}");
    }
    let text = reply(&deliver(&sample)).expect("a reply to /start");
    assert!(text.contains("http://localhost:3000"), "{text}");
    assert_eq!(deliveries(update_id), 1);
}

#[test]
fn the_same_update_twice_writes_once_and_the_repeat_says_nothing() {
    ready();
    let telegram = new_telegram_id();
    let (user, _) = linked_member(telegram);
    let update = message(new_update_id(), telegram, "  Good morning!  ");
    assert_eq!(reply(&deliver(&update)), None);
    assert_eq!(reply(&deliver(&update)), None);
    assert_eq!(messages_of(&user), 1);
    let (content, role, channel): (String, String, String) = {
        let row = db()
            .query_one(
                "select m.content, m.role, c.channel from companion.messages m
                   join companion.conversations c on c.id = m.conversation_id
                  where c.user_id = $1::text::uuid",
                &[&user],
            )
            .unwrap();
        (row.get(0), row.get(1), row.get(2))
    };
    assert_eq!(
        (content.as_str(), role.as_str(), channel.as_str()),
        ("Good morning!", "user", "telegram")
    );
}

#[test]
fn updates_that_are_not_private_texts_are_acknowledged_and_write_nothing() {
    ready();
    let telegram = new_telegram_id();
    let (user, _) = linked_member(telegram);
    let edited = json!({"update_id": new_update_id(), "edited_message": {"message_id": 5, "date": 1, "edit_date": 2,
        "from": {"id": telegram, "is_bot": false, "first_name": "Ada"},
        "chat": {"id": telegram, "type": "private"}, "text": "edited"}});
    let group = json!({"update_id": new_update_id(), "message": {"message_id": 6, "date": 1,
        "from": {"id": telegram, "is_bot": false, "first_name": "Ada"},
        "chat": {"id": -100123, "type": "group", "title": "Friends"}, "text": "hello group"}});
    let photo = json!({"update_id": new_update_id(), "message": {"message_id": 7, "date": 1,
        "from": {"id": telegram, "is_bot": false, "first_name": "Ada"},
        "chat": {"id": telegram, "type": "private"},
        "photo": [{"file_id": "x", "file_unique_id": "y", "width": 1, "height": 1}]}});
    let callback = json!({"update_id": new_update_id(), "callback_query": {"id": "1",
        "from": {"id": telegram, "is_bot": false, "first_name": "Ada"}, "chat_instance": "1", "data": "x"}});
    let unknown =
        json!({"update_id": new_update_id(), "message_reaction_count_v99": {"anything": true}});
    for update in [edited, group, photo, callback, unknown] {
        let a = deliver(&update);
        assert_eq!(reply(&a), None, "{update}");
        assert_eq!(deliveries(update["update_id"].as_i64().unwrap()), 1);
    }
    assert_eq!(messages_of(&user), 0);
}

#[test]
fn a_stranger_is_told_how_to_connect_and_nothing_is_stored() {
    ready();
    let stranger = new_telegram_id();
    let update_id = new_update_id();
    let text = reply(&deliver(&message(update_id, stranger, "hi"))).expect("a reply");
    assert!(text.contains("Connect Telegram"), "{text}");
    assert_eq!(deliveries(update_id), 1);
    let stored: i64 = db()
        .query_one(
            "select count(*) from companion.messages where metadata->>'chat_id' = $1::text",
            &[&stranger.to_string()],
        )
        .unwrap()
        .get(0);
    assert_eq!(stored, 0);
}

#[test]
fn a_body_that_is_not_an_update_is_refused() {
    ready();
    let a = call(
        "POST",
        &url(HOOK),
        &[
            ("content-type", "application/json"),
            ("x-telegram-bot-api-secret-token", TELEGRAM_WEBHOOK_SECRET),
        ],
        Some("{\"message\": {}}"),
    );
    a.problem(400);
    call("GET", &url(HOOK), &[], None).problem(405);
}

// ---------------------------------------------------------------------------------------------
// account linking
// ---------------------------------------------------------------------------------------------

#[test]
fn a_link_token_connects_one_telegram_account_once() {
    ready();
    let (user, auth) = member();
    let token = link_token(&auth);
    let telegram = new_telegram_id();
    let start = format!("/start {token}");
    let text = reply(&deliver(&message(new_update_id(), telegram, &start))).unwrap();
    assert!(text.contains("connected"), "{text}");
    assert_eq!(telegram_of(&user), Some(telegram.to_string()));
    // Tapped again (a new update): already linked, nothing changes.
    let text = reply(&deliver(&message(new_update_id(), telegram, &start))).unwrap();
    assert!(text.contains("already connected"), "{text}");
    // Another Telegram account with the used token: invalid.
    let other = new_telegram_id();
    let text = reply(&deliver(&message(new_update_id(), other, &start))).unwrap();
    assert!(text.contains("invalid or has expired"), "{text}");
    assert_eq!(telegram_of(&user), Some(telegram.to_string()));
    // A payload that cannot be a token at all.
    let text = reply(&deliver(&message(
        new_update_id(),
        other,
        "/start not*a*token",
    )))
    .unwrap();
    assert!(text.contains("invalid or has expired"), "{text}");
}

#[test]
fn two_accounts_racing_for_one_token_link_exactly_one() {
    ready();
    let (user, auth) = member();
    let token = link_token(&auth);
    let contenders = [new_telegram_id(), new_telegram_id()];
    let barrier = Barrier::new(2);
    let replies: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = contenders
            .iter()
            .map(|telegram| {
                let (barrier, token) = (&barrier, &token);
                s.spawn(move || {
                    let update = message(new_update_id(), *telegram, &format!("/start {token}"));
                    barrier.wait();
                    reply(&deliver(&update)).unwrap()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(
        replies
            .iter()
            .filter(|r| r.contains("You're connected"))
            .count(),
        1,
        "{replies:?}"
    );
    assert_eq!(
        replies.iter().filter(|r| r.contains("invalid")).count(),
        1,
        "{replies:?}"
    );
    let linked = telegram_of(&user).unwrap();
    assert!(contenders.iter().any(|t| t.to_string() == linked));
}

#[test]
fn a_telegram_account_linked_elsewhere_is_refused_and_the_token_survives() {
    ready();
    let telegram = new_telegram_id();
    let (first, _) = linked_member(telegram);
    let (second, auth) = member();
    let token = link_token(&auth);
    let text = reply(&deliver(&message(
        new_update_id(),
        telegram,
        &format!("/start {token}"),
    )))
    .unwrap();
    assert!(text.contains("another account"), "{text}");
    assert_eq!(telegram_of(&second), None);
    assert_eq!(telegram_of(&first), Some(telegram.to_string()));
    // The token was not used up: another account may still use it.
    let other = new_telegram_id();
    let text = reply(&deliver(&message(
        new_update_id(),
        other,
        &format!("/start {token}"),
    )))
    .unwrap();
    assert!(text.contains("You're connected"), "{text}");
    assert_eq!(telegram_of(&second), Some(other.to_string()));
}

#[test]
fn a_client_cannot_write_its_telegram_identity_and_unlinking_clears_it() {
    ready();
    let telegram = new_telegram_id();
    let (user, auth) = linked_member(telegram);
    let a = call(
        "PATCH",
        &url(&format!("/v1/companion/users?id=eq.{user}")),
        &[
            ("authorization", &auth),
            ("content-type", "application/json"),
        ],
        Some(&json!({"telegram_user_id": 999}).to_string()),
    );
    assert!(matches!(a.status, 403 | 422), "{a:?}");
    assert_eq!(telegram_of(&user), Some(telegram.to_string()));
    let a = call(
        "DELETE",
        &url("/v1/companion/telegram/link"),
        &[("authorization", &auth)],
        None,
    );
    assert_eq!(a.status, 204, "{}", a.body);
    assert_eq!(telegram_of(&user), None);
    // The account now texts as a stranger.
    let text = reply(&deliver(&message(
        new_update_id(),
        telegram,
        "still there?",
    )))
    .unwrap();
    assert!(text.contains("Connect Telegram"), "{text}");
}

#[test]
fn the_web_apps_operations_need_a_signed_in_user() {
    ready();
    for (method, path) in [
        ("POST", "/v1/companion/profile"),
        ("POST", "/v1/companion/onboarding/complete"),
        ("POST", "/v1/companion/telegram/link"),
        ("DELETE", "/v1/companion/telegram/link"),
    ] {
        call(method, &url(path), &[], None).problem(401);
    }
    call("GET", &url("/v1/companion/telegram/link"), &[], None).problem(405);
    // A signed-in user without a profile cannot ask for a link.
    let user = new_user();
    let auth = bearer(&hs256(&user_claims(&user)));
    let a = call(
        "POST",
        &url("/v1/companion/telegram/link"),
        &[("authorization", &auth)],
        None,
    );
    assert!(matches!(a.status, 403 | 404), "{a:?}");
    // The profile is made once, however often it is asked for.
    for _ in 0..2 {
        let a = call(
            "POST",
            &url("/v1/companion/profile"),
            &[("authorization", &auth)],
            None,
        );
        assert_eq!(a.status, 200, "{}", a.body);
    }
    let a = call(
        "POST",
        &url("/v1/companion/onboarding/complete"),
        &[("authorization", &auth)],
        None,
    );
    a.problem(404);
    let a = call(
        "POST",
        &url("/v1/companion/onboarding"),
        &[
            ("authorization", &auth),
            ("content-type", "application/json"),
        ],
        Some(r#"{"current_step": "goals", "data": {"goal": "sleep better"}}"#),
    );
    assert_eq!(a.status, 201, "{}", a.body);
    let a = call(
        "POST",
        &url("/v1/companion/onboarding/complete"),
        &[("authorization", &auth)],
        None,
    );
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.json()["current_step"], "complete");
    let done: bool = db()
        .query_one(
            "select onboarding_completed_at is not null from companion.users where id = $1::text::uuid",
            &[&user],
        )
        .unwrap()
        .get(0);
    assert!(done);
}

#[test]
fn pause_resume_and_blocking_the_bot_switch_daily_check_ins() {
    ready();
    let telegram = new_telegram_id();
    let (user, _) = linked_member(telegram);
    let text = reply(&deliver(&message(new_update_id(), telegram, "/pause"))).unwrap();
    assert!(text.contains("paused"), "{text}");
    assert_eq!(paused(&user), Some(true));
    let text = reply(&deliver(&message(new_update_id(), telegram, "/resume"))).unwrap();
    assert!(text.contains("back on"), "{text}");
    assert_eq!(paused(&user), Some(false));
    for command in ["/help", "/settings", "/nonsense"] {
        assert!(reply(&deliver(&message(new_update_id(), telegram, command))).is_some());
    }
    let kicked = json!({"update_id": new_update_id(), "my_chat_member": {
        "chat": {"id": telegram, "type": "private", "first_name": "Ada"},
        "from": {"id": telegram, "is_bot": false, "first_name": "Ada"}, "date": 1,
        "old_chat_member": {"user": {"id": 42, "is_bot": true, "first_name": "Bot"}, "status": "member"},
        "new_chat_member": {"user": {"id": 42, "is_bot": true, "first_name": "Bot"}, "status": "kicked", "until_date": 0}}});
    assert_eq!(reply(&deliver(&kicked)), None);
    assert_eq!(paused(&user), Some(true));
}

// ---------------------------------------------------------------------------------------------
// daily check-ins
// ---------------------------------------------------------------------------------------------

/// Scheduled runs drain every due row: one test's run at a time.
static RUNS: Mutex<()> = Mutex::new(());

fn one_run_at_a_time() -> MutexGuard<'static, ()> {
    RUNS.lock().unwrap_or_else(|p| p.into_inner())
}

fn bot() -> &'static TelegramStandIn {
    TelegramStandIn::shared(telegram_port(), TELEGRAM_BOT_TOKEN)
}

fn run_scheduled() {
    let a = call("GET", &url("/__scheduled?cron=*+*+*+*+*"), &[], None);
    assert_eq!(a.status, 200, "{}", a.body);
}

/// A check-in due now for `user`, 30 minutes past its slot (well inside the 2-hour window):
/// its id.
fn due_checkin(user: &str, content: Option<&str>) -> String {
    db().query_one(
        "insert into companion.scheduled_messages (user_id, local_date, scheduled_for, content)
         select u.id, (now() at time zone u.timezone)::date, now() - interval '30 minutes', $2::text
           from companion.users u where u.id = $1::text::uuid
         returning id::text",
        &[&user, &content],
    )
    .unwrap()
    .get(0)
}

/// Runs the scheduled handler until `id` leaves 'pending' (other due rows may come first).
fn run_until_claimed(id: &str) -> (String, Option<String>) {
    for _ in 0..5 {
        run_scheduled();
        let (status, reason) = checkin_state(id);
        if status != "pending" {
            return (status, reason);
        }
    }
    checkin_state(id)
}

fn checkin_state(id: &str) -> (String, Option<String>) {
    let row = db()
        .query_one(
            "select status, failure_reason from companion.scheduled_messages where id = $1::text::uuid",
            &[&id],
        )
        .unwrap();
    (row.get(0), row.get(1))
}

#[test]
fn a_due_check_in_goes_out_and_starts_the_days_conversation() {
    let _one = one_run_at_a_time();
    ready();
    let bot = bot();
    let telegram = new_telegram_id();
    let (user, _) = linked_member(telegram);
    db().execute(
        "update companion.users set display_name = 'Ada', support_style = 'listener' where id = $1::text::uuid",
        &[&user],
    )
    .unwrap();
    let id = due_checkin(&user, None);
    assert_eq!(run_until_claimed(&id).0, "sent");
    let sent = bot.sent_to(telegram);
    assert_eq!(sent.len(), 1, "{sent:?}");
    let text = sent[0].text().unwrap().to_string();
    assert!(
        text.contains("Ada"),
        "the fallback text names the user: {text}"
    );
    let row = db()
        .query_one(
            "select c.channel, c.initiated_by, m.role, m.content, m.telegram_message_id
               from companion.scheduled_messages s
               join companion.conversations c on c.id = s.conversation_id
               join companion.messages m on m.conversation_id = c.id
              where s.id = $1::text::uuid",
            &[&id],
        )
        .unwrap();
    assert_eq!(row.get::<_, String>(0), "telegram");
    assert_eq!(row.get::<_, String>(1), "companion");
    assert_eq!(row.get::<_, String>(2), "assistant");
    assert_eq!(row.get::<_, String>(3), text);
    assert_eq!(
        row.get::<_, Option<i32>>(4).map(i64::from),
        sent[0].message_id
    );
    // Sent is final: another run sends nothing more.
    run_scheduled();
    assert_eq!(bot.sent_to(telegram).len(), 1);
}

#[test]
fn a_user_who_blocked_the_bot_is_paused_and_a_rate_limit_is_waited_out() {
    let _one = one_run_at_a_time();
    ready();
    let bot = bot();
    let (blocker, limited) = (new_telegram_id(), new_telegram_id());
    let (blocker_user, _) = linked_member(blocker);
    let (limited_user, _) = linked_member(limited);
    bot.script(blocker, Behaviour::Blocked);
    bot.script_once(limited, Behaviour::RetryAfter { seconds: 5 });
    let blocked_id = due_checkin(&blocker_user, Some("Morning!"));
    let limited_id = due_checkin(&limited_user, Some("Morning!"));
    let (status, reason) = run_until_claimed(&blocked_id);
    assert_eq!(status, "failed");
    assert!(reason.unwrap_or_default().contains("blocked"));
    assert_eq!(paused(&blocker_user), Some(true));
    let back_in: f64 = db()
        .query_one(
            "select extract(epoch from scheduled_for - now())::float8 from companion.scheduled_messages
              where id = $1::text::uuid and status = 'pending'",
            &[&limited_id],
        )
        .unwrap()
        .get(0);
    assert!(back_in > 0.0 && back_in <= 5.0, "due again in {back_in} s");
    assert_eq!(bot.sent_to(limited).len(), 1);
}

#[test]
fn a_check_in_left_in_flight_past_its_lease_is_failed_and_never_resent() {
    let _one = one_run_at_a_time();
    ready();
    let bot = bot();
    let telegram = new_telegram_id();
    let (user, _) = linked_member(telegram);
    let id: String = db()
        .query_one(
            "insert into companion.scheduled_messages (user_id, local_date, scheduled_for, status, claimed_at)
             select u.id, (now() at time zone u.timezone)::date, now() - interval '40 minutes',
                    'processing', now() - interval '20 minutes'
               from companion.users u where u.id = $1::text::uuid
             returning id::text",
            &[&user],
        )
        .unwrap()
        .get(0);
    run_scheduled();
    let (status, reason) = checkin_state(&id);
    assert_eq!(status, "failed");
    assert!(reason.unwrap_or_default().contains("unknown"));
    assert!(bot.sent_to(telegram).is_empty(), "never resent");
}
