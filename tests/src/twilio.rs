//! A stand-in for Twilio's Messages API on loopback. There is no internet under test, so the
//! Worker's real HTTP client (`fetch` in workerd) is pointed at this server through
//! `TWILIO_API_BASE_URL`. It answers `POST /2010-04-01/Accounts/{AccountSid}/Messages.json` the
//! way Twilio documents it (Basic authentication, the same validation order, error codes and
//! JSON shapes, a `201` Message resource), can be scripted per destination number so one
//! recipient fails while others succeed, and records every request with the answer it got.
//!
//! The HTTP/1.1 server itself (std only, one thread per connection, one answer per connection)
//! is `http_standin`, shared with the other stand-ins.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, SystemTime};

use base64::Engine as _;
use serde_json::json;

use crate::http_standin::{self, decode_form, lock, unix_seconds, Api, Request};

const API_VERSION: &str = "2010-04-01";
/// Twilio's documented ceiling for a (concatenated) message body.
const MAX_BODY_CHARS: usize = 1600;

/// What the stand-in does with a valid, authenticated request to one destination number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Behaviour {
    /// `201` and a queued Message resource, as Twilio answers a send it takes.
    Accept,
    /// An error answer with Twilio's body; `{To}` in `message` becomes the destination number.
    Error {
        status: u16,
        code: u32,
        message: String,
    },
    /// `429`, code 20429 and a `Retry-After` header: Twilio's answer to too many concurrent
    /// requests, which is never processed and always safe to retry.
    RateLimited { retry_after_seconds: u32 },
    /// `500` with a Twilio-style body (code 20500): an outage the sender must survive.
    ServerError,
    /// Reads the request, answers nothing for `ms`, then `201`: lets a test hit the sender's
    /// timeout (the request is recorded when it arrives, not when the answer goes out).
    Hang { ms: u64 },
}

/// One request the stand-in received, with the status (and Message SID, for a `201`) it answered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Received {
    pub method: String,
    /// The request target as sent, query included.
    pub path: String,
    pub authorization: Option<String>,
    pub content_type: Option<String>,
    /// The decoded form body, in order and with repeats; empty unless the body was sent as
    /// `application/x-www-form-urlencoded`, which is the only encoding Twilio reads.
    pub form: Vec<(String, String)>,
    pub status: u16,
    pub sid: Option<String>,
}

impl Received {
    /// The first value of a form field (Twilio's names: `To`, `From`, `Body`, ...).
    pub fn field(&self, name: &str) -> Option<&str> {
        field(&self.form, name)
    }
}

/// The running stand-in. Its listener lives until the process ends: the Worker may call it
/// at any time during a test run, so there is deliberately no way to stop it.
pub struct TwilioStandIn {
    port: u16,
    state: Arc<State>,
}

impl TwilioStandIn {
    /// Listens on 127.0.0.1:`port` (0 picks a free port; see `port`) for the account
    /// `account_sid` whose REST password is `auth_token`. Panics if the port is taken, because
    /// the Worker would otherwise talk to whoever holds it.
    pub fn start(port: u16, account_sid: &str, auth_token: &str) -> TwilioStandIn {
        let listener = http_standin::bind(port, "Twilio stand-in");
        let state = Arc::new(State::new(account_sid, auth_token));
        let port = http_standin::run(listener, Arc::clone(&state));
        TwilioStandIn { port, state }
    }

    /// The one stand-in of this test process, started on first use, so that every test of a
    /// binary shares the port the Worker was configured with. The port must be fixed (not 0)
    /// and every caller must ask for the same port and credentials. Tests sharing it should use
    /// their own destination numbers, since scripts are per number.
    pub fn shared(port: u16, account_sid: &str, auth_token: &str) -> &'static TwilioStandIn {
        static SHARED: OnceLock<TwilioStandIn> = OnceLock::new();
        assert_ne!(
            port, 0,
            "the shared Twilio stand-in needs the fixed port the Worker's TWILIO_API_BASE_URL names"
        );
        let standin = SHARED.get_or_init(|| TwilioStandIn::start(port, account_sid, auth_token));
        assert!(
            standin.port == port
                && standin.state.account_sid == account_sid
                && standin.state.auth_token == auth_token,
            "the shared Twilio stand-in already runs on port {} for {}; \
             every test of one binary must ask for the same port and credentials",
            standin.port,
            standin.state.account_sid
        );
        standin
    }

    /// Twilio's answer when the recipient texted STOP to the sender.
    pub fn unsubscribed() -> Behaviour {
        Behaviour::Error {
            status: 400,
            code: 21610,
            message: "Attempt to send to unsubscribed recipient".into(),
        }
    }

    /// Twilio's answer for a number that looks like E.164 but does not exist.
    pub fn invalid_number() -> Behaviour {
        Behaviour::Error {
            status: 400,
            code: 21211,
            message: "The 'To' number {To} is not a valid phone number.".into(),
        }
    }

    /// The port it listens on (the one picked when started with 0).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// What `TWILIO_API_BASE_URL` should be for the Worker to reach it.
    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Also accepts the API key `sid` (`SK...`) with `secret` as Basic credentials, as Twilio
    /// does for revocable keys.
    pub fn allow_api_key(&self, sid: &str, secret: &str) {
        assert!(
            sid.starts_with("SK"),
            "a Twilio API key SID starts with SK: {sid}"
        );
        lock(&self.state.api_keys).push((sid.to_string(), secret.to_string()));
    }

    /// Every later valid request to `to` gets `behaviour`, until scripted again.
    pub fn script(&self, to: &str, behaviour: Behaviour) {
        lock(&self.state.scripts).insert(
            to.to_string(),
            Script {
                standing: Some(behaviour),
                once: VecDeque::new(),
            },
        );
    }

    /// The next valid request to `to` gets `behaviour`; later ones are accepted. Calls queue up
    /// (two calls script the next two requests), and they drop a standing `script` for `to`.
    pub fn script_once(&self, to: &str, behaviour: Behaviour) {
        let mut scripts = lock(&self.state.scripts);
        let script = scripts.entry(to.to_string()).or_default();
        script.standing = None;
        script.once.push_back(behaviour);
    }

    /// Every request received so far, in arrival order.
    pub fn received(&self) -> Vec<Received> {
        lock(&self.state.received).clone()
    }

    /// The requests whose `To` field was `to`, whatever they were answered.
    pub fn sent_to(&self, to: &str) -> Vec<Received> {
        lock(&self.state.received)
            .iter()
            .filter(|r| r.field("To") == Some(to))
            .cloned()
            .collect()
    }
}

/// What the server threads share with the handle.
struct State {
    account_sid: String,
    auth_token: String,
    api_keys: Mutex<Vec<(String, String)>>,
    scripts: Mutex<HashMap<String, Script>>,
    received: Mutex<Vec<Received>>,
}

/// The behaviours waiting for one destination number: one-shot ones first, then the standing
/// one, then `Accept`.
#[derive(Default)]
struct Script {
    standing: Option<Behaviour>,
    once: VecDeque<Behaviour>,
}

/// Twilio's form parameters, read only from a form-encoded body, as Twilio reads them.
fn form_of(request: &Request) -> Vec<(String, String)> {
    if request.media_type().as_deref() == Some("application/x-www-form-urlencoded") {
        decode_form(&request.body)
    } else {
        Vec::new()
    }
}

/// An answer, and the Message SID it carries (for the record).
struct Reply {
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: String,
    sid: Option<String>,
    /// How long to wait before answering (a scripted hang).
    delay: Option<Duration>,
}

impl State {
    fn new(account_sid: &str, auth_token: &str) -> State {
        State {
            account_sid: account_sid.to_string(),
            auth_token: auth_token.to_string(),
            api_keys: Mutex::new(Vec::new()),
            scripts: Mutex::new(HashMap::new()),
            received: Mutex::new(Vec::new()),
        }
    }

    /// Answers a request and records it with that answer.
    fn respond(&self, request: &Request) -> Reply {
        let form = form_of(request);
        let reply = self.decide(request, &form);
        lock(&self.received).push(Received {
            method: request.method.clone(),
            path: request.target.clone(),
            authorization: request.header("authorization").map(str::to_string),
            content_type: request.header("content-type").map(str::to_string),
            form,
            status: reply.status,
            sid: reply.sid.clone(),
        });
        reply
    }

    /// Twilio's order: authentication, then the resource, then the method, then the
    /// parameters; only a request that passes them all meets the script for its number.
    fn decide(&self, request: &Request, form: &[(String, String)]) -> Reply {
        if !self.authenticated(request.header("authorization")) {
            return twilio_error(401, 20003, "Authenticate");
        }
        let path = request.path();
        if !self.is_messages(path) {
            let message = format!("The requested resource {path} was not found");
            return twilio_error(404, 20404, &message);
        }
        if request.method != "POST" {
            return with_header(
                twilio_error(405, 20004, "Method not allowed"),
                "Allow",
                "POST".into(),
            );
        }
        if let Err(reply) = validate(form) {
            return reply;
        }
        let to = field(form, "To").unwrap_or_default();
        match self.next_behaviour(to) {
            Behaviour::Accept => self.created(form, None),
            Behaviour::Hang { ms } => self.created(form, Some(Duration::from_millis(ms))),
            Behaviour::Error {
                status,
                code,
                message,
            } => twilio_error(status, code, &message.replace("{To}", to)),
            Behaviour::RateLimited {
                retry_after_seconds,
            } => with_header(
                twilio_error(429, 20429, "Too Many Requests"),
                "Retry-After",
                retry_after_seconds.to_string(),
            ),
            Behaviour::ServerError => twilio_error(500, 20500, "Internal Server Error"),
        }
    }

    /// HTTP Basic with the account and its auth token, or with a registered API key.
    fn authenticated(&self, authorization: Option<&str>) -> bool {
        let Some((user, password)) = authorization.and_then(basic_credentials) else {
            return false;
        };
        (user == self.account_sid && password == self.auth_token)
            || lock(&self.api_keys)
                .iter()
                .any(|(sid, secret)| *sid == user && *secret == password)
    }

    fn is_messages(&self, path: &str) -> bool {
        path.strip_prefix("/2010-04-01/Accounts/")
            .and_then(|rest| rest.strip_suffix("/Messages.json"))
            == Some(self.account_sid.as_str())
    }

    fn next_behaviour(&self, to: &str) -> Behaviour {
        let mut scripts = lock(&self.scripts);
        let Some(script) = scripts.get_mut(to) else {
            return Behaviour::Accept;
        };
        script
            .once
            .pop_front()
            .or_else(|| script.standing.clone())
            .unwrap_or(Behaviour::Accept)
    }

    /// The `201` Message resource. A send through a Messaging Service is `accepted` with no
    /// sender and no segments yet, as Twilio documents; a direct one is `queued`.
    fn created(&self, form: &[(String, String)], delay: Option<Duration>) -> Reply {
        let sid = format!("SM{}", uuid::Uuid::new_v4().simple());
        let service = non_empty(form, "MessagingServiceSid");
        let body = field(form, "Body").unwrap_or_default();
        let now = rfc2822(unix_seconds(SystemTime::now()));
        let uri = format!(
            "/{API_VERSION}/Accounts/{}/Messages/{sid}",
            self.account_sid
        );
        let message = json!({
            "sid": sid,
            "account_sid": self.account_sid,
            "to": field(form, "To"),
            "from": non_empty(form, "From"),
            "messaging_service_sid": service,
            "body": body,
            "status": if service.is_some() { "accepted" } else { "queued" },
            "num_segments": if service.is_some() { 0 } else { segments(body) }.to_string(),
            "num_media": "0",
            "direction": "outbound-api",
            "api_version": API_VERSION,
            "price": null,
            "price_unit": "USD",
            "error_code": null,
            "error_message": null,
            "uri": format!("{uri}.json"),
            "date_created": now,
            "date_updated": now,
            "date_sent": null,
            "subresource_uris": { "media": format!("{uri}/Media.json") },
        });
        Reply {
            status: 201,
            headers: Vec::new(),
            body: message.to_string(),
            sid: Some(sid),
            delay,
        }
    }
}

/// Twilio's parameter checks, in the order listed by its error dictionary for sends.
fn validate(form: &[(String, String)]) -> Result<(), Reply> {
    let invalid = |code, message: &str| Err(twilio_error(400, code, message));
    let Some(to) = non_empty(form, "To") else {
        return invalid(21604, "A 'To' phone number is required.");
    };
    if non_empty(form, "From").is_none() && non_empty(form, "MessagingServiceSid").is_none() {
        return invalid(21603, "A 'From' phone number is required.");
    }
    if non_empty(form, "Body").is_none() && non_empty(form, "MediaUrl").is_none() {
        return invalid(21602, "Message body is required.");
    }
    if !is_e164(to) {
        let message = format!("The 'To' number {to} is not a valid phone number.");
        return invalid(21211, &message);
    }
    if field(form, "Body").is_some_and(|b| b.chars().count() > MAX_BODY_CHARS) {
        return invalid(
            21617,
            "The concatenated message body exceeds the 1600 character limit.",
        );
    }
    Ok(())
}

/// `+` then 8 to 15 digits, nothing else.
fn is_e164(number: &str) -> bool {
    number.strip_prefix('+').is_some_and(|digits| {
        (8..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit())
    })
}

/// SMS segments: 160 characters fit one message, 153 per part when split (the rest carries
/// the concatenation header); 70 and 67 once a character needs UCS-2 (approximated here as
/// anything outside ASCII).
fn segments(body: &str) -> usize {
    let (single, part) = if body.is_ascii() {
        (160, 153)
    } else {
        (70, 67)
    };
    let length = body.chars().count();
    if length <= single {
        1
    } else {
        length.div_ceil(part)
    }
}

/// Twilio's error body: `{code, message, more_info, status}`.
fn twilio_error(status: u16, code: u32, message: &str) -> Reply {
    let body = json!({
        "code": code,
        "message": message,
        "more_info": format!("https://www.twilio.com/docs/errors/{code}"),
        "status": status,
    });
    Reply {
        status,
        headers: Vec::new(),
        body: body.to_string(),
        sid: None,
        delay: None,
    }
}

fn with_header(mut reply: Reply, name: &'static str, value: String) -> Reply {
    reply.headers.push((name, value));
    reply
}

fn field<'a>(form: &'a [(String, String)], name: &str) -> Option<&'a str> {
    form.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// A field Twilio treats as given: present and not empty.
fn non_empty<'a>(form: &'a [(String, String)], name: &str) -> Option<&'a str> {
    field(form, name).filter(|v| !v.is_empty())
}

/// `(user, password)` from a `Basic` authorization header.
fn basic_credentials(authorization: &str) -> Option<(String, String)> {
    let (scheme, encoded) = authorization.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (user, password) = text.split_once(':')?;
    Some((user.to_string(), password.to_string()))
}

/// RFC 2822 in GMT, as Twilio writes `date_created`: `Thu, 03 Dec 2026 15:04:05 +0000`.
fn rfc2822(unix_seconds: u64) -> String {
    const WEEKDAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let days = unix_seconds / 86_400;
    let seconds = unix_seconds % 86_400;
    let (year, month, day) = civil_from_days(days);
    // 1970-01-01 was a Thursday.
    let weekday = WEEKDAYS[((days + 4) % 7) as usize];
    format!(
        "{weekday}, {day:02} {} {year} {:02}:{:02}:{:02} +0000",
        MONTHS[(month - 1) as usize],
        seconds / 3600,
        seconds % 3600 / 60,
        seconds % 60
    )
}

/// The proleptic Gregorian date of a day count since 1970-01-01 (Howard Hinnant's algorithm,
/// counted in 400-year eras that start on March 1st so leap days come last).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let day_of_era = z % 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    };
    let year = year_of_era + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

impl Api for State {
    const NAME: &'static str = "twilio stand-in";

    fn answer(&self, request: &Request) -> http_standin::Reply {
        let reply = self.respond(request);
        http_standin::Reply {
            status: reply.status,
            headers: reply.headers,
            body: reply.body,
            delay: reply.delay,
        }
    }

    fn bad_request(&self, problem: &str) -> http_standin::Reply {
        let body = json!({ "message": format!("Bad request: {problem}"), "status": 400 });
        http_standin::Reply {
            status: 400,
            headers: Vec::new(),
            body: body.to_string(),
            delay: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http_standin::percent_decode;
    use crate::Answer;
    use serde_json::Value;
    use std::io::{Read, Write};
    use std::net::{Shutdown, TcpStream};
    use std::thread;

    /// Form fields of a request under test.
    type Fields<'a> = &'a [(&'a str, &'a str)];

    const ACCOUNT: &str = "AC0123456789abcdef0123456789abcdef";
    const TOKEN: &str = "stand-in-auth-token";
    const FROM: &str = "+15005550006";

    fn standin() -> TwilioStandIn {
        TwilioStandIn::start(0, ACCOUNT, TOKEN)
    }

    fn basic(user: &str, password: &str) -> String {
        let encoded =
            base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
        format!("Basic {encoded}")
    }

    /// Percent-encodes everything but unreserved characters, as `fetch` does with
    /// `URLSearchParams` (which writes spaces as `+`).
    fn encode_form(fields: &[(&str, &str)]) -> String {
        let encode = |text: &str| {
            text.bytes()
                .map(|b| match b {
                    b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                        char::from(b).to_string()
                    }
                    b' ' => "+".into(),
                    _ => format!("%{b:02X}"),
                })
                .collect::<String>()
        };
        fields
            .iter()
            .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
            .collect::<Vec<_>>()
            .join("&")
    }

    fn messages_path() -> String {
        format!("/2010-04-01/Accounts/{ACCOUNT}/Messages.json")
    }

    /// Sends raw bytes and reads the whole answer (the stand-in closes after it).
    fn raw(port: u16, request: &[u8]) -> Answer {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .expect("timeout");
        stream.write_all(request).expect("send");
        let mut bytes = Vec::new();
        stream.read_to_end(&mut bytes).expect("read the answer");
        let text = String::from_utf8(bytes).expect("a UTF-8 answer");
        let (head, body) = text.split_once("\r\n\r\n").expect("an HTTP head");
        let mut lines = head.split("\r\n");
        let status = lines
            .next()
            .and_then(|l| l.split(' ').nth(1))
            .and_then(|s| s.parse().ok())
            .expect("a status line");
        let headers = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
            .collect();
        Answer {
            status,
            headers,
            body: body.to_string(),
        }
    }

    fn post_as(port: u16, authorization: &str, path: &str, fields: &[(&str, &str)]) -> Answer {
        let body = encode_form(fields);
        let request = format!(
            "POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: {authorization}\r\n\
             Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        raw(port, request.as_bytes())
    }

    fn post(standin: &TwilioStandIn, fields: &[(&str, &str)]) -> Answer {
        post_as(
            standin.port(),
            &basic(ACCOUNT, TOKEN),
            &messages_path(),
            fields,
        )
    }

    fn send(standin: &TwilioStandIn, to: &str) -> Answer {
        post(standin, &[("To", to), ("From", FROM), ("Body", "hello")])
    }

    /// Asserts Twilio's error shape and returns the body.
    fn twilio_error_of(answer: &Answer, status: u16, code: u64) -> Value {
        assert_eq!(answer.status, status, "body: {}", answer.body);
        assert_eq!(answer.header("content-type"), Some("application/json"));
        let body = answer.json();
        assert_eq!(body["code"], code, "{body}");
        assert_eq!(body["status"], status, "{body}");
        assert_eq!(
            body["more_info"],
            format!("https://www.twilio.com/docs/errors/{code}")
        );
        assert!(body["message"].is_string(), "{body}");
        body
    }

    fn is_message_sid(sid: &str) -> bool {
        sid.len() == 34
            && sid.starts_with("SM")
            && sid[2..]
                .bytes()
                .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    }

    #[test]
    fn a_send_is_answered_201_with_the_message_resource() {
        let standin = standin();
        let answer = post(
            &standin,
            &[
                ("To", "+14155550100"),
                ("From", FROM),
                ("Body", "Your code is 123456"),
            ],
        );
        assert_eq!(answer.status, 201, "body: {}", answer.body);
        assert_eq!(answer.header("content-type"), Some("application/json"));
        assert_eq!(answer.header("connection"), Some("close"));
        let message = answer.json();
        let sid = message["sid"].as_str().expect("a sid");
        assert!(is_message_sid(sid), "{sid}");
        assert_eq!(message["account_sid"], ACCOUNT);
        assert_eq!(message["to"], "+14155550100");
        assert_eq!(message["from"], FROM);
        assert_eq!(message["messaging_service_sid"], Value::Null);
        assert_eq!(message["body"], "Your code is 123456");
        assert_eq!(message["status"], "queued");
        assert_eq!(message["num_segments"], "1");
        assert_eq!(message["num_media"], "0");
        assert_eq!(message["direction"], "outbound-api");
        assert_eq!(message["api_version"], "2010-04-01");
        assert_eq!(message["price"], Value::Null);
        assert_eq!(message["price_unit"], "USD");
        assert_eq!(message["error_code"], Value::Null);
        assert_eq!(message["error_message"], Value::Null);
        assert_eq!(message["date_sent"], Value::Null);
        let uri = format!("/2010-04-01/Accounts/{ACCOUNT}/Messages/{sid}");
        assert_eq!(message["uri"], format!("{uri}.json"));
        assert_eq!(
            message["subresource_uris"]["media"],
            format!("{uri}/Media.json")
        );
        let created = message["date_created"].as_str().expect("date_created");
        assert!(
            created.ends_with(" +0000") && created.len() == 31,
            "{created}"
        );
        assert_eq!(message["date_updated"], created);

        let again = send(&standin, "+14155550100").json();
        assert_ne!(again["sid"], message["sid"], "SIDs are unique");
    }

    #[test]
    fn a_messaging_service_send_is_accepted_without_a_sender_and_long_bodies_are_segmented() {
        let standin = standin();
        let service = "MG0123456789abcdef0123456789abcdef";
        let answer = post(
            &standin,
            &[
                ("To", "+14155550101"),
                ("MessagingServiceSid", service),
                ("Body", "hi"),
            ],
        );
        assert_eq!(answer.status, 201, "body: {}", answer.body);
        let message = answer.json();
        assert_eq!(message["from"], Value::Null);
        assert_eq!(message["messaging_service_sid"], service);
        assert_eq!(message["status"], "accepted");

        let long = "x".repeat(161);
        let message = post(
            &standin,
            &[("To", "+14155550101"), ("From", FROM), ("Body", &long)],
        );
        assert_eq!(message.json()["num_segments"], "2");
        assert_eq!(segments(&"x".repeat(160)), 1);
        assert_eq!(segments(&"x".repeat(307)), 3);
        assert_eq!(segments(&"é".repeat(71)), 2);
    }

    #[test]
    fn wrong_or_missing_credentials_get_20003_and_api_keys_work_once_allowed() {
        let standin = standin();
        let fields = [("To", "+14155550102"), ("From", FROM), ("Body", "hi")];
        let port = standin.port();
        let wrong = post_as(port, &basic(ACCOUNT, "wrong"), &messages_path(), &fields);
        let body = twilio_error_of(&wrong, 401, 20003);
        assert_eq!(body["message"], "Authenticate");
        let bearer = post_as(port, "Bearer abc", &messages_path(), &fields);
        twilio_error_of(&bearer, 401, 20003);

        let key = basic("SK0123456789abcdef0123456789abcdef", "key-secret");
        twilio_error_of(&post_as(port, &key, &messages_path(), &fields), 401, 20003);
        standin.allow_api_key("SK0123456789abcdef0123456789abcdef", "key-secret");
        assert_eq!(post_as(port, &key, &messages_path(), &fields).status, 201);
    }

    #[test]
    fn other_accounts_paths_and_methods_are_refused() {
        let standin = standin();
        let port = standin.port();
        let auth = basic(ACCOUNT, TOKEN);
        let fields = [("To", "+14155550103"), ("From", FROM), ("Body", "hi")];
        let other = "/2010-04-01/Accounts/ACffffffffffffffffffffffffffffffff/Messages.json";
        let body = twilio_error_of(&post_as(port, &auth, other, &fields), 404, 20404);
        assert_eq!(
            body["message"],
            format!("The requested resource {other} was not found")
        );
        twilio_error_of(
            &post_as(port, &auth, "/2010-04-01/Calls.json", &fields),
            404,
            20404,
        );
        let get = format!(
            "GET {} HTTP/1.1\r\nHost: x\r\nAuthorization: {auth}\r\n\r\n",
            messages_path()
        );
        let answer = raw(port, get.as_bytes());
        twilio_error_of(&answer, 405, 20004);
        assert_eq!(answer.header("allow"), Some("POST"));
    }

    #[test]
    fn missing_parameters_are_refused_with_twilios_codes() {
        let standin = standin();
        let to = "+14155550104";
        let cases: [(Fields, u64, &str); 4] = [
            (
                &[("From", FROM), ("Body", "hi")],
                21604,
                "A 'To' phone number is required.",
            ),
            (
                &[("To", to), ("Body", "hi")],
                21603,
                "A 'From' phone number is required.",
            ),
            (
                &[("To", to), ("From", FROM)],
                21602,
                "Message body is required.",
            ),
            (
                &[("To", to), ("From", FROM), ("Body", &"x".repeat(1601))],
                21617,
                "The concatenated message body exceeds the 1600 character limit.",
            ),
        ];
        for (fields, code, message) in cases {
            let body = twilio_error_of(&post(&standin, fields), 400, code);
            assert_eq!(body["message"], message);
        }
        let media = [
            ("To", to),
            ("From", FROM),
            ("MediaUrl", "https://example.com/a.png"),
        ];
        assert_eq!(
            post(&standin, &media).status,
            201,
            "a MediaUrl stands in for a Body"
        );
    }

    #[test]
    fn a_to_that_is_not_e164_gets_21211() {
        let standin = standin();
        for to in [
            "4155550105",
            "+1415",
            "+1 415 555 0105",
            "+1234567890123456",
            "+1415555010a",
        ] {
            let body = twilio_error_of(&send(&standin, to), 400, 21211);
            assert_eq!(
                body["message"],
                format!("The 'To' number {to} is not a valid phone number.")
            );
        }
        assert_eq!(standin.sent_to("4155550105")[0].status, 400);
    }

    #[test]
    fn a_scripted_number_fails_and_the_others_do_not() {
        let standin = standin();
        standin.script("+14155550106", TwilioStandIn::unsubscribed());
        standin.script("+14155550107", TwilioStandIn::invalid_number());
        for _ in 0..2 {
            let body = twilio_error_of(&send(&standin, "+14155550106"), 400, 21610);
            assert_eq!(body["message"], "Attempt to send to unsubscribed recipient");
        }
        let body = twilio_error_of(&send(&standin, "+14155550107"), 400, 21211);
        assert_eq!(
            body["message"],
            "The 'To' number +14155550107 is not a valid phone number."
        );
        assert_eq!(send(&standin, "+14155550108").status, 201);
        standin.script("+14155550106", Behaviour::Accept);
        assert_eq!(send(&standin, "+14155550106").status, 201);
    }

    #[test]
    fn rate_limits_carry_retry_after_and_outages_are_500() {
        let standin = standin();
        standin.script(
            "+14155550109",
            Behaviour::RateLimited {
                retry_after_seconds: 7,
            },
        );
        let answer = send(&standin, "+14155550109");
        let body = twilio_error_of(&answer, 429, 20429);
        assert_eq!(body["message"], "Too Many Requests");
        assert_eq!(answer.header("retry-after"), Some("7"));

        standin.script("+14155550110", Behaviour::ServerError);
        twilio_error_of(&send(&standin, "+14155550110"), 500, 20500);
    }

    #[test]
    fn script_once_applies_to_the_next_request_then_accepts() {
        let standin = standin();
        let to = "+14155550111";
        standin.script(to, Behaviour::ServerError);
        standin.script_once(
            to,
            Behaviour::RateLimited {
                retry_after_seconds: 1,
            },
        );
        standin.script_once(to, TwilioStandIn::unsubscribed());
        twilio_error_of(&send(&standin, to), 429, 20429);
        twilio_error_of(&send(&standin, to), 400, 21610);
        assert_eq!(send(&standin, to).status, 201);
        assert_eq!(send(&standin, to).status, 201);
        let statuses: Vec<u16> = standin.sent_to(to).iter().map(|r| r.status).collect();
        assert_eq!(statuses, [429, 400, 201, 201]);
    }

    #[test]
    fn requests_are_recorded_with_decoded_fields_and_the_answer() {
        let standin = standin();
        let to = "+14155550112";
        let body = "Hi Zoë + friends & co: 100% = done?";
        let answer = post(
            &standin,
            &[
                ("To", to),
                ("From", FROM),
                ("Body", body),
                ("StatusCallback", "https://w.example/cb?a=1"),
            ],
        );
        let sid = answer.json()["sid"].as_str().expect("a sid").to_string();
        let received = standin.sent_to(to);
        assert_eq!(received.len(), 1);
        let request = &received[0];
        assert_eq!(request.method, "POST");
        assert_eq!(request.path, messages_path());
        assert_eq!(
            request.authorization.as_deref(),
            Some(basic(ACCOUNT, TOKEN).as_str())
        );
        assert_eq!(
            request.content_type.as_deref(),
            Some("application/x-www-form-urlencoded")
        );
        assert_eq!(request.field("Body"), Some(body));
        assert_eq!(
            request.field("StatusCallback"),
            Some("https://w.example/cb?a=1")
        );
        assert_eq!(request.field("Missing"), None);
        assert_eq!(request.form.len(), 4);
        assert_eq!(
            (request.status, request.sid.as_deref()),
            (201, Some(sid.as_str()))
        );
        assert!(standin.sent_to("+14155550199").is_empty());
        assert_eq!(standin.received().len(), 1);
    }

    #[test]
    fn a_json_body_is_not_read_as_parameters() {
        let standin = standin();
        let body = r#"{"To":"+14155550113","From":"+15005550006","Body":"hi"}"#;
        let request = format!(
            "POST {} HTTP/1.1\r\nAuthorization: {}\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\n\r\n{body}",
            messages_path(),
            basic(ACCOUNT, TOKEN),
            body.len()
        );
        twilio_error_of(&raw(standin.port(), request.as_bytes()), 400, 21604);
        assert!(standin.received()[0].form.is_empty());
    }

    #[test]
    fn a_chunked_body_is_read() {
        let standin = standin();
        let form = encode_form(&[
            ("To", "+14155550114"),
            ("From", FROM),
            ("Body", "chunked hello"),
        ]);
        let (first, second) = form.split_at(10);
        let request = format!(
            "POST {} HTTP/1.1\r\nauthorization: {}\r\ncontent-type: application/x-www-form-urlencoded; charset=utf-8\r\n\
             TRANSFER-ENCODING: chunked\r\n\r\n{:x};ext=1\r\n{first}\r\n{:X}\r\n{second}\r\n0\r\nX-Trailer: 1\r\n\r\n",
            messages_path(),
            basic(ACCOUNT, TOKEN),
            first.len(),
            second.len()
        );
        let answer = raw(standin.port(), request.as_bytes());
        assert_eq!(answer.status, 201, "body: {}", answer.body);
        assert_eq!(answer.json()["body"], "chunked hello");
        assert_eq!(
            standin.sent_to("+14155550114")[0].field("Body"),
            Some("chunked hello")
        );
    }

    #[test]
    fn malformed_requests_get_400_and_the_server_keeps_serving() {
        let standin = standin();
        let port = standin.port();
        let auth = basic(ACCOUNT, TOKEN);
        let path = messages_path();
        let requests = [
            "GARBAGE\r\n\r\n".to_string(),
            "POST /x HTTP/2.0\r\n\r\n".to_string(),
            format!("POST {path} HTTP/1.1\r\nNo colon here\r\n\r\n"),
            format!("POST {path} HTTP/1.1\r\nContent-Length: abc\r\n\r\n"),
            format!("POST {path} HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd"),
            format!("POST {path} HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"),
            format!("POST {path} HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n"),
            format!("POST {path} HTTP/1.1\r\nContent-Length: 99999999999\r\n\r\n"),
            format!(
                "POST {path} HTTP/1.1\r\nAuthorization: {auth}\r\nContent-Length: 10\r\n\r\nshort"
            ),
        ];
        for request in &requests {
            let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
            stream.write_all(request.as_bytes()).expect("send");
            // The truncated body must not hold the thread forever: end the request side.
            stream.shutdown(Shutdown::Write).expect("half-close");
            let mut answer = String::new();
            stream.read_to_string(&mut answer).expect("read");
            assert!(
                answer.starts_with("HTTP/1.1 400 "),
                "{request:?} got {answer}"
            );
        }
        let form = "To=%ZZ%4&From=%2B15005550006&Body=%E2%82%AC%FF&&=x";
        let request = format!(
            "POST {path} HTTP/1.1\r\nAuthorization: {auth}\r\nContent-Type: application/x-www-form-urlencoded\r\n\
             Content-Length: {}\r\n\r\n{form}",
            form.len()
        );
        let answer = raw(port, request.as_bytes());
        twilio_error_of(&answer, 400, 21211);
        let recorded = &standin.received()[0];
        assert_eq!(recorded.field("To"), Some("%ZZ%4"));
        assert_eq!(recorded.field("Body"), Some("€\u{FFFD}"));
        assert_eq!(send(&standin, "+14155550115").status, 201);
    }

    #[test]
    fn a_hanging_answer_does_not_hold_up_other_requests() {
        let standin = standin();
        standin.script_once("+14155550116", Behaviour::Hang { ms: 1500 });
        let port = standin.port();
        let hanging = thread::spawn(move || {
            post_as(
                port,
                &basic(ACCOUNT, TOKEN),
                &messages_path(),
                &[("To", "+14155550116"), ("From", FROM), ("Body", "slow")],
            )
        });
        // Recorded on arrival, so the test can see it before the answer.
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while standin.sent_to("+14155550116").is_empty() {
            assert!(
                std::time::Instant::now() < deadline,
                "the hanging request never arrived"
            );
            thread::sleep(Duration::from_millis(10));
        }
        let started = std::time::Instant::now();
        assert_eq!(send(&standin, "+14155550117").status, 201);
        assert!(started.elapsed() < Duration::from_millis(1000));
        let answer = hanging.join().expect("the hanging request");
        assert_eq!(answer.status, 201);
        assert!(started.elapsed() >= Duration::from_millis(500));
    }

    #[test]
    fn shared_is_one_instance_per_process() {
        let port = crate::free_port();
        let first = TwilioStandIn::shared(port, ACCOUNT, TOKEN);
        let second = TwilioStandIn::shared(port, ACCOUNT, TOKEN);
        assert!(std::ptr::eq(first, second));
        assert_eq!(first.base_url(), format!("http://127.0.0.1:{port}"));
        assert_eq!(send(first, "+14155550118").status, 201);
    }

    #[test]
    #[should_panic(expected = "cannot listen on 127.0.0.1")]
    fn a_taken_port_is_a_clear_panic() {
        let taken = standin();
        TwilioStandIn::start(taken.port(), ACCOUNT, TOKEN);
    }

    #[test]
    fn dates_are_rfc_2822_in_gmt() {
        assert_eq!(rfc2822(0), "Thu, 01 Jan 1970 00:00:00 +0000");
        assert_eq!(rfc2822(951_782_400), "Tue, 29 Feb 2000 00:00:00 +0000");
        assert_eq!(rfc2822(1_000_000_000), "Sun, 09 Sep 2001 01:46:40 +0000");
        assert_eq!(rfc2822(1_796_310_245), "Thu, 03 Dec 2026 15:04:05 +0000");
        assert_eq!(rfc2822(4_107_542_399), "Sun, 28 Feb 2100 23:59:59 +0000");
        assert_eq!(rfc2822(4_107_542_400), "Mon, 01 Mar 2100 00:00:00 +0000");
    }

    #[test]
    fn form_decoding_follows_the_urlencoded_rules() {
        assert_eq!(
            decode_form(b"a=1+2&b=%2B1%20x&c&d=&=e&f=a%3Db"),
            [
                ("a", "1 2"),
                ("b", "+1 x"),
                ("c", ""),
                ("d", ""),
                ("", "e"),
                ("f", "a=b")
            ]
            .map(|(k, v)| (k.to_string(), v.to_string()))
        );
        assert_eq!(percent_decode(b"100%"), "100%");
        assert_eq!(percent_decode(b"%e2%82%ac"), "€");
        assert!(is_e164("+14155550100") && !is_e164("+") && !is_e164("++14155550100"));
    }
}
