//! A stand-in for the Telegram Bot API on loopback. There is no internet under test, so the
//! Worker's real HTTP client (`fetch` in workerd) is pointed at this server through
//! `TELEGRAM_API_BASE_URL`. It answers `sendMessage` at `/bot<token>/sendMessage` the way the
//! Bot API documents its requests (GET or POST; parameters in the query string, a JSON body or
//! a form body; method names case-insensitive) and its answers (`{"ok": true, "result": ...}`
//! or `{"ok": false, "error_code", "description"[, "parameters"]}`), can be scripted per chat so
//! one recipient fails while others succeed, and records every request with the answer it got.
//!
//! The bot token is a secret like any other: it is compared, never recorded, logged or put in a
//! panic message. The HTTP/1.1 server itself is `http_standin`, shared with the other stand-ins.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, SystemTime};

use serde_json::{json, Map, Value};

use crate::http_standin::{self, decode_form, lock, unix_seconds, Api, Request};

/// The Bot API's ceiling for a message's text, in characters after entity parsing.
pub const MAX_TEXT_CHARS: usize = 4096;
/// The bot's profile, as `from` shows it in every message the stand-in sends.
pub const BOT_FIRST_NAME: &str = "Rowgate Stand-in";
pub const BOT_USERNAME: &str = "rowgate_standin_bot";
/// The name every private chat has.
const CHAT_FIRST_NAME: &str = "Stand-in User";
/// Chat identifiers at or below this are supergroups and channels (`-100` then the peer id).
const SUPERGROUP_IDS: i64 = -1_000_000_000_000;
/// The characters MarkdownV2 reserves: each must be escaped with `\` in plain text.
const MARKDOWN_V2_RESERVED: &str = "_*[]()~`>#+-=|{}.!";

/// What the stand-in does with a valid request to one chat.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Behaviour {
    /// `200` and the sent Message.
    Accept,
    /// `403`, "Forbidden: bot was blocked by the user": the user stopped the bot, and no retry
    /// will reach them.
    Blocked,
    /// `429`, "Too Many Requests: retry after N", with `parameters.retry_after` (and, as the Bot
    /// API does, no `Retry-After` header): flood control, safe to retry after that many seconds.
    RetryAfter { seconds: u32 },
    /// `400`, "Bad Request: chat not found": the chat does not exist or the bot cannot see it.
    ChatNotFound,
    /// `500`, "Internal Server Error": an outage the sender must survive.
    ServerError,
    /// Reads the request, answers nothing for `ms`, then sends the message: lets a test hit the
    /// sender's timeout (the request is recorded when it arrives, not when the answer goes out).
    Hang { ms: u64 },
}

/// One request the stand-in received, with the status (and message id, for a `200`) it answered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Received {
    /// The HTTP method.
    pub method: String,
    /// The Bot API method as the path named it (`sendMessage`); empty when the path was not
    /// `/bot<token>/<method>`.
    pub bot_method: String,
    /// Whether the path carried the configured bot token (the token itself is not kept).
    pub token_ok: bool,
    /// The parameters as a JSON object: query string first, then the body's, which win. Values
    /// from a query or form are strings; values from a JSON body are as sent. Empty when the
    /// body could not be parsed.
    pub params: Value,
    pub status: u16,
    pub message_id: Option<i64>,
}

impl Received {
    /// A parameter as sent.
    pub fn param(&self, name: &str) -> Option<&Value> {
        self.params.get(name)
    }

    /// `chat_id` as an integer, whether it was sent as a JSON number or as digits.
    pub fn chat_id(&self) -> Option<i64> {
        match chat_of(self.param("chat_id")) {
            Chat::Id(id) => Some(id),
            Chat::Missing | Chat::Unknown => None,
        }
    }

    /// `text` when it was sent as a string.
    pub fn text(&self) -> Option<&str> {
        self.param("text").and_then(Value::as_str)
    }
}

/// The running stand-in. Its listener lives until the process ends: the Worker may call it
/// at any time during a test run, so there is deliberately no way to stop it.
pub struct TelegramStandIn {
    port: u16,
    state: Arc<State>,
}

impl TelegramStandIn {
    /// Listens on 127.0.0.1:`port` (0 picks a free port; see `port`) for the bot whose token is
    /// `bot_token` (`<bot id>:<secret>`, as BotFather issues them). Panics if the port is taken,
    /// because the Worker would otherwise talk to whoever holds it.
    pub fn start(port: u16, bot_token: &str) -> TelegramStandIn {
        let bot_id = bot_id_of(bot_token).unwrap_or_else(|| {
            panic!("a Telegram bot token is `<bot id>:<secret>` with digits before the colon")
        });
        let listener = http_standin::bind(port, "Telegram stand-in");
        let state = Arc::new(State::new(bot_token, bot_id));
        let port = http_standin::run(listener, Arc::clone(&state));
        TelegramStandIn { port, state }
    }

    /// The one stand-in of this test process, started on first use, so that every test of a
    /// binary shares the port the Worker was configured with. The port must be fixed (not 0)
    /// and every caller must ask for the same port and token. Tests sharing it should use their
    /// own chat ids, since scripts and message ids are per chat.
    pub fn shared(port: u16, bot_token: &str) -> &'static TelegramStandIn {
        static SHARED: OnceLock<TelegramStandIn> = OnceLock::new();
        assert_ne!(
            port, 0,
            "the shared Telegram stand-in needs the fixed port the Worker's TELEGRAM_API_BASE_URL names"
        );
        let standin = SHARED.get_or_init(|| TelegramStandIn::start(port, bot_token));
        assert!(
            standin.port == port && standin.state.bot_token == bot_token,
            "the shared Telegram stand-in already runs on port {} for bot {}; \
             every test of one binary must ask for the same port and bot token",
            standin.port,
            standin.state.bot_id
        );
        standin
    }

    /// The port it listens on (the one picked when started with 0).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// What `TELEGRAM_API_BASE_URL` should be for the Worker to reach it (methods are at
    /// `<base>/bot<token>/<method>`).
    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The bot's user id: the digits before the token's colon, `from.id` of every message.
    pub fn bot_id(&self) -> i64 {
        self.state.bot_id
    }

    /// Every later valid request to `chat_id` gets `behaviour`, until scripted again.
    pub fn script(&self, chat_id: i64, behaviour: Behaviour) {
        lock(&self.state.scripts).insert(
            chat_id,
            Script {
                standing: Some(behaviour),
                once: VecDeque::new(),
            },
        );
    }

    /// The next valid request to `chat_id` gets `behaviour`; later ones are accepted. Calls
    /// queue up (two calls script the next two requests), and they drop a standing `script`.
    pub fn script_once(&self, chat_id: i64, behaviour: Behaviour) {
        let mut scripts = lock(&self.state.scripts);
        let script = scripts.entry(chat_id).or_default();
        script.standing = None;
        script.once.push_back(behaviour);
    }

    /// Every request received so far, in arrival order.
    pub fn received(&self) -> Vec<Received> {
        lock(&self.state.received).clone()
    }

    /// The requests whose `chat_id` was `chat_id` (as a number or as digits), whatever they
    /// were answered.
    pub fn sent_to(&self, chat_id: i64) -> Vec<Received> {
        lock(&self.state.received)
            .iter()
            .filter(|r| r.chat_id() == Some(chat_id))
            .cloned()
            .collect()
    }
}

/// Port and bot id only: the token stays out of every debug print.
impl std::fmt::Debug for TelegramStandIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TelegramStandIn")
            .field("port", &self.port)
            .field("bot_id", &self.state.bot_id)
            .finish_non_exhaustive()
    }
}

/// What the server threads share with the handle.
struct State {
    bot_token: String,
    bot_id: i64,
    scripts: Mutex<HashMap<i64, Script>>,
    /// The last message id sent in each chat.
    message_ids: Mutex<HashMap<i64, i64>>,
    received: Mutex<Vec<Received>>,
}

/// The behaviours waiting for one chat: one-shot ones first, then the standing one, then
/// `Accept`.
#[derive(Default)]
struct Script {
    standing: Option<Behaviour>,
    once: VecDeque<Behaviour>,
}

/// An answer, and the id of the message it sent (for the record).
struct Reply {
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: Value,
    message_id: Option<i64>,
    delay: Option<Duration>,
}

/// What `chat_id` names.
enum Chat {
    /// Absent, `null` or empty: "chat_id is empty".
    Missing,
    Id(i64),
    /// A `@username`, or anything else that is no chat id: the stand-in knows no such chat.
    Unknown,
}

impl State {
    fn new(bot_token: &str, bot_id: i64) -> State {
        State {
            bot_token: bot_token.to_string(),
            bot_id,
            scripts: Mutex::new(HashMap::new()),
            message_ids: Mutex::new(HashMap::new()),
            received: Mutex::new(Vec::new()),
        }
    }

    /// Answers a request and records it with that answer.
    fn respond(&self, request: &Request) -> Reply {
        let target = bot_target(request.path());
        let token_ok = target.is_some_and(|(token, _)| token == self.bot_token);
        let parsed = parameters(request);
        let reply = match &parsed {
            Ok(params) => self.decide(request, target, token_ok, params),
            Err(description) => telegram_error(400, description),
        };
        lock(&self.received).push(Received {
            method: request.method.clone(),
            bot_method: target
                .map(|(_, method)| method.to_string())
                .unwrap_or_default(),
            token_ok,
            params: Value::Object(parsed.unwrap_or_default()),
            status: reply.status,
            message_id: reply.message_id,
        });
        reply
    }

    /// The path, then the token, then the method, then the parameters; only a request that
    /// passes them all meets the script for its chat.
    fn decide(
        &self,
        request: &Request,
        target: Option<(&str, &str)>,
        token_ok: bool,
        params: &Map<String, Value>,
    ) -> Reply {
        let Some((_, method)) = target else {
            return telegram_error(404, "Not Found");
        };
        if !token_ok {
            return telegram_error(401, "Unauthorized");
        }
        if !method.eq_ignore_ascii_case("sendMessage") {
            return telegram_error(404, "Not Found");
        }
        if request.method != "GET" && request.method != "POST" {
            let mut reply = telegram_error(405, "Method Not Allowed");
            reply.headers.push(("Allow", "GET, POST".into()));
            return reply;
        }
        let (chat_id, text) = match validate(params) {
            Ok(valid) => valid,
            Err(description) => return telegram_error(400, &description),
        };
        match self.next_behaviour(chat_id) {
            Behaviour::Accept => self.sent(chat_id, &text, None),
            Behaviour::Hang { ms } => self.sent(chat_id, &text, Some(Duration::from_millis(ms))),
            Behaviour::Blocked => telegram_error(403, "Forbidden: bot was blocked by the user"),
            Behaviour::RetryAfter { seconds } => {
                let mut reply =
                    telegram_error(429, &format!("Too Many Requests: retry after {seconds}"));
                reply.body["parameters"] = json!({ "retry_after": seconds });
                reply
            }
            Behaviour::ChatNotFound => telegram_error(400, "Bad Request: chat not found"),
            Behaviour::ServerError => telegram_error(500, "Internal Server Error"),
        }
    }

    fn next_behaviour(&self, chat_id: i64) -> Behaviour {
        let mut scripts = lock(&self.scripts);
        let Some(script) = scripts.get_mut(&chat_id) else {
            return Behaviour::Accept;
        };
        script
            .once
            .pop_front()
            .or_else(|| script.standing.clone())
            .unwrap_or(Behaviour::Accept)
    }

    /// `200` and the sent Message, with the next message id of its chat.
    fn sent(&self, chat_id: i64, text: &str, delay: Option<Duration>) -> Reply {
        let message_id = {
            let mut ids = lock(&self.message_ids);
            let last = ids.entry(chat_id).or_insert(0);
            *last += 1;
            *last
        };
        let message = json!({
            "message_id": message_id,
            "from": {
                "id": self.bot_id,
                "is_bot": true,
                "first_name": BOT_FIRST_NAME,
                "username": BOT_USERNAME,
            },
            "chat": chat_json(chat_id),
            "date": unix_seconds(SystemTime::now()),
            "text": text,
        });
        Reply {
            status: 200,
            headers: Vec::new(),
            body: json!({ "ok": true, "result": message }),
            message_id: Some(message_id),
            delay,
        }
    }
}

impl Api for State {
    const NAME: &'static str = "telegram stand-in";

    fn answer(&self, request: &Request) -> http_standin::Reply {
        let reply = self.respond(request);
        http_standin::Reply {
            status: reply.status,
            headers: reply.headers,
            body: reply.body.to_string(),
            delay: reply.delay,
        }
    }

    fn bad_request(&self, problem: &str) -> http_standin::Reply {
        let reply = telegram_error(400, &format!("Bad Request: {problem}"));
        http_standin::Reply {
            status: reply.status,
            headers: reply.headers,
            body: reply.body.to_string(),
            delay: None,
        }
    }

    fn redact(&self, text: &str) -> String {
        text.replace(&self.bot_token, "<token>")
    }
}

/// `(token, method)` from `/bot<token>/<method>`; a token never holds a `/`.
fn bot_target(path: &str) -> Option<(&str, &str)> {
    path.strip_prefix("/bot")?.split_once('/')
}

/// The digits before a token's colon.
fn bot_id_of(token: &str) -> Option<i64> {
    let (id, secret) = token.split_once(':')?;
    if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) || secret.is_empty() {
        return None;
    }
    id.parse().ok()
}

/// The request's parameters, wherever the Bot API reads them: the query string, then a JSON or
/// form body, whose values win. Within a query or a form, the first of repeated names counts.
/// A body of another type (multipart included) is not read.
fn parameters(request: &Request) -> Result<Map<String, Value>, String> {
    let mut params = first_of_each(decode_form(request.query().as_bytes()));
    let body = match request.media_type().as_deref() {
        Some("application/json") if !request.body.iter().all(u8::is_ascii_whitespace) => {
            match serde_json::from_slice(&request.body) {
                Ok(Value::Object(body)) => body,
                _ => return Err("Bad Request: can't parse JSON object".into()),
            }
        }
        Some("application/x-www-form-urlencoded") => first_of_each(decode_form(&request.body)),
        _ => Map::new(),
    };
    params.extend(body);
    Ok(params)
}

fn first_of_each(pairs: Vec<(String, String)>) -> Map<String, Value> {
    let mut map = Map::new();
    for (name, value) in pairs {
        map.entry(name).or_insert(Value::String(value));
    }
    map
}

/// `sendMessage`'s checks, in the Bot API's order; the chat and the text to send.
fn validate(params: &Map<String, Value>) -> Result<(i64, String), String> {
    let chat = chat_of(params.get("chat_id"));
    if let Chat::Missing = chat {
        return Err("Bad Request: chat_id is empty".into());
    }
    let text = message_text(params)?;
    if text.is_empty() {
        return Err("Bad Request: message text is empty".into());
    }
    let Chat::Id(chat_id) = chat else {
        return Err("Bad Request: chat not found".into());
    };
    if text.chars().count() > MAX_TEXT_CHARS {
        return Err("Bad Request: message is too long".into());
    }
    Ok((chat_id, text))
}

fn chat_of(value: Option<&Value>) -> Chat {
    let id = match value {
        None | Some(Value::Null) => return Chat::Missing,
        Some(Value::String(text)) if text.trim().is_empty() => return Chat::Missing,
        Some(Value::String(text)) => text.trim().parse().ok(),
        Some(Value::Number(number)) => number.as_i64(),
        Some(_) => None,
    };
    match id {
        Some(id) if id != 0 => Chat::Id(id),
        _ => Chat::Unknown,
    }
}

/// What a parameter says as text: a string as it is, `null` as nothing, anything else as JSON.
fn text_of(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// The text as the Bot API sends it: formatting parsed out per `parse_mode` (which only the
/// length counts here; `entities` are not returned), surrounding whitespace trimmed.
fn message_text(params: &Map<String, Value>) -> Result<String, String> {
    let raw = params.get("text").map(text_of).unwrap_or_default();
    let mode = params.get("parse_mode").map(text_of).unwrap_or_default();
    let parsed = match mode.trim().to_ascii_lowercase().as_str() {
        "" => raw,
        "html" => parse_html(&raw)?,
        "markdownv2" => parse_markdown_v2(&raw)?,
        "markdown" => parse_markdown(&raw),
        _ => return Err("Bad Request: unsupported parse_mode".into()),
    };
    Ok(parsed.trim().to_string())
}

/// HTML mode: tags dropped, `&lt; &gt; &amp; &quot;` and numeric references decoded, any other
/// `&` kept. Tag names and nesting are not checked.
fn parse_html(text: &str) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(['<', '&']) {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        if tail.starts_with('<') {
            let Some(end) = tail.find('>') else {
                let offset = text.len() - tail.len();
                return Err(format!(
                    "Bad Request: can't parse entities: Unclosed start tag at byte offset {offset}"
                ));
            };
            rest = &tail[end + 1..];
        } else if let Some((decoded, length)) = html_reference(tail) {
            out.push(decoded);
            rest = &tail[length..];
        } else {
            out.push('&');
            rest = &tail[1..];
        }
    }
    out.push_str(rest);
    Ok(out)
}

/// The character `&name;` at the start of `tail` stands for, and its length in bytes.
fn html_reference(tail: &str) -> Option<(char, usize)> {
    let end = tail.char_indices().take(12).find(|&(_, c)| c == ';')?.0;
    let name = &tail[1..end];
    let decoded = match name {
        "lt" => '<',
        "gt" => '>',
        "amp" => '&',
        "quot" => '"',
        _ => {
            let number = name.strip_prefix('#')?;
            let code = match number.strip_prefix(['x', 'X']) {
                Some(hex) if hex.bytes().all(|b| b.is_ascii_hexdigit()) => {
                    u32::from_str_radix(hex, 16).ok()?
                }
                Some(_) => return None,
                None if number.bytes().all(|b| b.is_ascii_digit()) => number.parse().ok()?,
                None => return None,
            };
            char::from_u32(code)?
        }
    };
    Some((decoded, end + 1))
}

/// MarkdownV2: `\x` is `x`; `* _ ~ | `` ` ``` are markers and dropped; `[text](url)` is
/// `text`; `>` starting a line is a quote; any other reserved character unescaped is refused,
/// as the Bot API refuses it. (Code spans are not special here: an approximation for length.)
fn parse_markdown_v2(text: &str) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    let mut line_start = true;
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push(chars.next().unwrap_or('\\')),
            '*' | '_' | '~' | '|' | '`' | '[' => {}
            ']' if chars.peek() == Some(&'(') => skip_url(&mut chars),
            ']' => {}
            '>' if line_start => {}
            '!' if chars.peek() == Some(&'[') => {}
            c if MARKDOWN_V2_RESERVED.contains(c) => {
                return Err(format!(
                    "Bad Request: can't parse entities: Character '{c}' is reserved and must be \
                     escaped with the preceding '\\'"
                ))
            }
            c => out.push(c),
        }
        line_start = c == '\n';
    }
    Ok(out)
}

/// Legacy Markdown: `* _ `` ` ``` and `[` dropped, `[text](url)` is `text`, `\x` is `x`.
fn parse_markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push(chars.next().unwrap_or('\\')),
            '*' | '_' | '`' | '[' => {}
            ']' if chars.peek() == Some(&'(') => skip_url(&mut chars),
            c => out.push(c),
        }
    }
    out
}

/// Skips `(url)` after a link's text, escapes included.
fn skip_url(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    chars.next();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                chars.next();
            }
            ')' => return,
            _ => {}
        }
    }
}

/// The chat a message went to: positive ids are users, negative ones groups.
fn chat_json(id: i64) -> Value {
    if id > 0 {
        json!({ "id": id, "first_name": CHAT_FIRST_NAME, "type": "private" })
    } else if id <= SUPERGROUP_IDS {
        json!({ "id": id, "title": "Stand-in Supergroup", "type": "supergroup" })
    } else {
        json!({ "id": id, "title": "Stand-in Group", "type": "group" })
    }
}

/// The Bot API's error body: `{ok: false, error_code, description}`.
fn telegram_error(status: u16, description: &str) -> Reply {
    Reply {
        status,
        headers: Vec::new(),
        body: json!({ "ok": false, "error_code": status, "description": description }),
        message_id: None,
        delay: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{call, form_body, Answer};
    use std::io::{Read, Write};
    use std::net::{Shutdown, TcpStream};
    use std::thread;
    use std::time::Instant;

    const TOKEN: &str = "123456789:AAH-stand-in_secret-0123456789abcdef";
    /// The part of the token that must never show up in what the stand-in keeps.
    const SECRET: &str = "AAH-stand-in_secret-0123456789abcdef";
    const BOT_ID: i64 = 123_456_789;

    fn standin() -> TelegramStandIn {
        TelegramStandIn::start(0, TOKEN)
    }

    fn url(standin: &TelegramStandIn, token: &str, method: &str) -> String {
        format!("{}/bot{token}/{method}", standin.base_url())
    }

    fn post_json(standin: &TelegramStandIn, params: &Value) -> Answer {
        call(
            "POST",
            &url(standin, TOKEN, "sendMessage"),
            &[("content-type", "application/json")],
            Some(&params.to_string()),
        )
    }

    fn send(standin: &TelegramStandIn, chat_id: i64) -> Answer {
        post_json(standin, &json!({ "chat_id": chat_id, "text": "hello" }))
    }

    /// Asserts the Bot API's error shape and returns the body.
    fn error_of(answer: &Answer, status: u16, description: &str) -> Value {
        assert_eq!(answer.status, status, "body: {}", answer.body);
        assert_eq!(answer.header("content-type"), Some("application/json"));
        let body = answer.json();
        assert_eq!(body["ok"], false, "{body}");
        assert_eq!(body["error_code"], status, "{body}");
        assert_eq!(body["description"], description, "{body}");
        assert!(body.get("result").is_none(), "{body}");
        body
    }

    /// Sends raw bytes and reads the whole answer (the stand-in closes after it).
    fn raw(port: u16, request: &[u8]) -> String {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .expect("timeout");
        stream.write_all(request).expect("send");
        stream.shutdown(Shutdown::Write).expect("half-close");
        let mut answer = String::new();
        stream.read_to_string(&mut answer).expect("read the answer");
        answer
    }

    #[test]
    fn a_send_is_answered_200_with_the_message_and_ids_increase_per_chat() {
        let standin = standin();
        let before = crate::now();
        let answer = post_json(
            &standin,
            &json!({ "chat_id": 4242, "text": "Your code is 123456" }),
        );
        assert_eq!(answer.status, 200, "body: {}", answer.body);
        assert_eq!(answer.header("content-type"), Some("application/json"));
        let body = answer.json();
        assert_eq!(body["ok"], true);
        assert!(body.get("error_code").is_none());
        let message = &body["result"];
        assert_eq!(message["message_id"], 1);
        assert_eq!(
            message["from"],
            json!({
                "id": BOT_ID, "is_bot": true,
                "first_name": BOT_FIRST_NAME, "username": BOT_USERNAME,
            })
        );
        assert_eq!(
            message["chat"],
            json!({ "id": 4242, "first_name": CHAT_FIRST_NAME, "type": "private" })
        );
        let date = message["date"].as_i64().expect("a unix date");
        assert!((before..=crate::now()).contains(&date), "{date}");
        assert_eq!(message["text"], "Your code is 123456");
        assert_eq!(standin.bot_id(), BOT_ID);

        assert_eq!(send(&standin, 4242).json()["result"]["message_id"], 2);
        assert_eq!(send(&standin, 4243).json()["result"]["message_id"], 1);
        assert_eq!(send(&standin, 4242).json()["result"]["message_id"], 3);
        let group = send(&standin, -4242).json();
        assert_eq!(group["result"]["chat"]["type"], "group");
        let supergroup = send(&standin, -1_001_234_567_890).json();
        assert_eq!(supergroup["result"]["chat"]["type"], "supergroup");
    }

    #[test]
    fn a_wrong_token_is_401_and_the_token_is_never_kept() {
        let standin = standin();
        let params = json!({ "chat_id": 4301, "text": "hi" });
        for token in [
            "123456789:wrong",
            "987654321:AAH-stand-in_secret-0123456789abcdef",
            "",
        ] {
            let answer = call(
                "POST",
                &url(&standin, token, "sendMessage"),
                &[("content-type", "application/json")],
                Some(&params.to_string()),
            );
            error_of(&answer, 401, "Unauthorized");
        }
        assert_eq!(send(&standin, 4301).status, 200);
        let received = standin.sent_to(4301);
        let flags: Vec<(bool, u16)> = received.iter().map(|r| (r.token_ok, r.status)).collect();
        assert_eq!(
            flags,
            [(false, 401), (false, 401), (false, 401), (true, 200)]
        );
        assert!(received.iter().all(|r| r.bot_method == "sendMessage"));
        assert!(received[3].message_id.is_some() && received[0].message_id.is_none());
        let kept = format!("{received:?}");
        assert!(!kept.contains(SECRET) && !kept.contains(TOKEN), "{kept}");
    }

    #[test]
    fn unknown_methods_and_paths_are_404_and_method_names_ignore_case() {
        let standin = standin();
        let params = json!({ "chat_id": 4401, "text": "hi" }).to_string();
        let json = [("content-type", "application/json")];
        let post = |url: &str| call("POST", url, &json, Some(&params));
        error_of(&post(&url(&standin, TOKEN, "sendPigeon")), 404, "Not Found");
        error_of(&post(&url(&standin, TOKEN, "")), 404, "Not Found");
        let base = standin.base_url();
        error_of(&post(&format!("{base}/bot{TOKEN}")), 404, "Not Found");
        error_of(&post(&format!("{base}/sendMessage")), 404, "Not Found");
        error_of(&post(&format!("{base}/")), 404, "Not Found");
        assert_eq!(
            post(&url(&standin, TOKEN, "SENDMESSAGE")).status,
            200,
            "the Bot API's methods are case-insensitive"
        );
        let answer = call(
            "PUT",
            &url(&standin, TOKEN, "sendMessage"),
            &json,
            Some(&params),
        );
        error_of(&answer, 405, "Method Not Allowed");
        assert_eq!(answer.header("allow"), Some("GET, POST"));
        let methods: Vec<String> = standin
            .received()
            .iter()
            .map(|r| r.bot_method.clone())
            .collect();
        assert_eq!(
            methods,
            ["sendPigeon", "", "", "", "", "SENDMESSAGE", "sendMessage"]
        );
    }

    #[test]
    fn a_missing_chat_id_or_text_is_400() {
        let standin = standin();
        let cases = [
            (json!({ "text": "hi" }), "Bad Request: chat_id is empty"),
            (
                json!({ "chat_id": "", "text": "hi" }),
                "Bad Request: chat_id is empty",
            ),
            (
                json!({ "chat_id": null, "text": "hi" }),
                "Bad Request: chat_id is empty",
            ),
            (
                json!({ "chat_id": 4501 }),
                "Bad Request: message text is empty",
            ),
            (
                json!({ "chat_id": 4501, "text": "" }),
                "Bad Request: message text is empty",
            ),
            (
                json!({ "chat_id": 4501, "text": " \n\t " }),
                "Bad Request: message text is empty",
            ),
            (json!({}), "Bad Request: chat_id is empty"),
            (
                json!({ "chat_id": "@nobody", "text": "hi" }),
                "Bad Request: chat not found",
            ),
            (
                json!({ "chat_id": 0, "text": "hi" }),
                "Bad Request: chat not found",
            ),
            (
                json!({ "chat_id": 1.5, "text": "hi" }),
                "Bad Request: chat not found",
            ),
        ];
        for (params, description) in &cases {
            error_of(&post_json(&standin, params), 400, description);
        }
        assert!(standin.received().iter().all(|r| r.message_id.is_none()));
        let answer = call(
            "POST",
            &url(&standin, TOKEN, "sendMessage"),
            &[("content-type", "application/json")],
            Some("{not json"),
        );
        error_of(&answer, 400, "Bad Request: can't parse JSON object");
        assert_eq!(standin.received().last().unwrap().params, json!({}));
    }

    #[test]
    fn text_is_at_most_4096_characters_after_entity_parsing() {
        let standin = standin();
        let chat = 4601;
        let send_text = |text: String, parse_mode: Option<&str>| {
            let mut params = json!({ "chat_id": chat, "text": text });
            if let Some(mode) = parse_mode {
                params["parse_mode"] = mode.into();
            }
            post_json(&standin, &params)
        };
        assert_eq!(send_text("x".repeat(4096), None).status, 200);
        assert_eq!(
            send_text("é".repeat(4096), None).status,
            200,
            "characters, not bytes"
        );
        let too_long = send_text("x".repeat(4097), None);
        error_of(&too_long, 400, "Bad Request: message is too long");
        let padded = format!("  {}\n", "x".repeat(4096));
        assert_eq!(send_text(padded, None).status, 200, "whitespace is trimmed");

        let html = format!("<b>{}</b> &amp;", "x".repeat(4094));
        let answer = send_text(html, Some("HTML"));
        assert_eq!(answer.status, 200, "body: {}", answer.body);
        assert_eq!(
            answer.json()["result"]["text"],
            format!("{} &", "x".repeat(4094))
        );
        let html = format!("<b>{}</b> &amp;", "x".repeat(4095));
        error_of(
            &send_text(html, Some("HTML")),
            400,
            "Bad Request: message is too long",
        );

        let markdown = format!("*{}*\\.", "x".repeat(4095));
        assert_eq!(send_text(markdown, Some("MarkdownV2")).status, 200);
        error_of(
            &send_text("<b></b>".into(), Some("html")),
            400,
            "Bad Request: message text is empty",
        );
    }

    #[test]
    fn parse_modes_are_parsed_and_refused_as_the_bot_api_does() {
        let standin = standin();
        let send_text = |text: &str, parse_mode: &str| {
            post_json(
                &standin,
                &json!({ "chat_id": 4701, "text": text, "parse_mode": parse_mode }),
            )
        };
        let text = |answer: Answer| answer.json()["result"]["text"].clone();
        assert_eq!(
            text(send_text(
                "<i>a</i> &lt;b&gt; &#65;&#x42; &nbsp; &quot;q&quot;",
                "HTML"
            )),
            "a <b> AB &nbsp; \"q\""
        );
        assert_eq!(
            text(send_text(
                "*bold* _it_ [link](https://x.example/a\\)b) 1\\.5\n>quote",
                "MarkdownV2"
            )),
            "bold it link 1.5\nquote"
        );
        assert_eq!(
            text(send_text(
                "*bold* [link](https://x.example) 1.5",
                "Markdown"
            )),
            "bold link 1.5"
        );
        error_of(
            &send_text("Price: 1.5", "MarkdownV2"),
            400,
            "Bad Request: can't parse entities: Character '.' is reserved and must be escaped \
             with the preceding '\\'",
        );
        error_of(
            &send_text("a <b", "HTML"),
            400,
            "Bad Request: can't parse entities: Unclosed start tag at byte offset 2",
        );
        error_of(
            &send_text("hi", "BBCode"),
            400,
            "Bad Request: unsupported parse_mode",
        );
        assert_eq!(send_text("plain 1.5", "").status, 200);
    }

    #[test]
    fn each_script_gets_the_bot_apis_answer_and_other_chats_are_accepted() {
        let standin = standin();
        standin.script(4801, Behaviour::Blocked);
        standin.script(4802, Behaviour::RetryAfter { seconds: 7 });
        standin.script(4803, Behaviour::ChatNotFound);
        standin.script(4804, Behaviour::ServerError);
        for _ in 0..2 {
            error_of(
                &send(&standin, 4801),
                403,
                "Forbidden: bot was blocked by the user",
            );
        }
        let answer = send(&standin, 4802);
        let body = error_of(&answer, 429, "Too Many Requests: retry after 7");
        assert_eq!(body["parameters"], json!({ "retry_after": 7 }));
        assert_eq!(answer.header("retry-after"), None);
        error_of(&send(&standin, 4803), 400, "Bad Request: chat not found");
        error_of(&send(&standin, 4804), 500, "Internal Server Error");
        assert_eq!(send(&standin, 4805).status, 200);

        // Only a valid request meets the script.
        let missing_text = post_json(&standin, &json!({ "chat_id": 4801 }));
        error_of(&missing_text, 400, "Bad Request: message text is empty");

        standin.script(4801, Behaviour::Accept);
        let answer = send(&standin, 4801);
        assert_eq!(answer.status, 200);
        assert_eq!(
            answer.json()["result"]["message_id"],
            1,
            "refused sends use no id"
        );
    }

    #[test]
    fn script_once_applies_to_the_next_requests_then_accepts() {
        let standin = standin();
        let chat = 4901;
        standin.script(chat, Behaviour::ServerError);
        standin.script_once(chat, Behaviour::RetryAfter { seconds: 1 });
        standin.script_once(chat, Behaviour::Blocked);
        error_of(
            &send(&standin, chat),
            429,
            "Too Many Requests: retry after 1",
        );
        error_of(
            &send(&standin, chat),
            403,
            "Forbidden: bot was blocked by the user",
        );
        assert_eq!(send(&standin, chat).status, 200);
        assert_eq!(send(&standin, chat).status, 200);
        let statuses: Vec<u16> = standin.sent_to(chat).iter().map(|r| r.status).collect();
        assert_eq!(statuses, [429, 403, 200, 200]);
        let ids: Vec<Option<i64>> = standin.sent_to(chat).iter().map(|r| r.message_id).collect();
        assert_eq!(ids, [None, None, Some(1), Some(2)]);
    }

    #[test]
    fn form_json_and_query_parameters_are_all_read() {
        let standin = standin();
        let sendmessage = url(&standin, TOKEN, "sendMessage");
        let form = form_body(&[
            ("chat_id", "5001"),
            ("text", "Hi Zoë + friends & co: 100% = done?"),
            ("text", "ignored repeat"),
        ]);
        let answer = call(
            "POST",
            &sendmessage,
            &[(
                "content-type",
                "application/x-www-form-urlencoded; charset=utf-8",
            )],
            Some(&form),
        );
        assert_eq!(answer.status, 200, "body: {}", answer.body);
        assert_eq!(
            answer.json()["result"]["text"],
            "Hi Zoë + friends & co: 100% = done?"
        );
        assert_eq!(answer.json()["result"]["chat"]["id"], 5001);

        let query = form_body(&[("chat_id", "5001"), ("text", "by GET")]);
        let answer = call("GET", &format!("{sendmessage}?{query}"), &[], None);
        assert_eq!(answer.status, 200, "body: {}", answer.body);
        assert_eq!(answer.json()["result"]["text"], "by GET");

        // The body's parameters win over the query's.
        let answer = call(
            "POST",
            &format!("{sendmessage}?chat_id=5002&text=from+query&disable_notification=true"),
            &[("content-type", "application/json")],
            Some(r#"{"chat_id": "5001", "text": "from body"}"#),
        );
        assert_eq!(answer.json()["result"]["text"], "from body");

        // A body of a type the stand-in does not read carries no parameters.
        let answer = call(
            "POST",
            &sendmessage,
            &[("content-type", "text/plain")],
            Some("chat_id=5001&text=hi"),
        );
        error_of(&answer, 400, "Bad Request: chat_id is empty");

        let received = standin.sent_to(5001);
        assert_eq!(received.len(), 3);
        assert_eq!(
            received[0].params,
            json!({ "chat_id": "5001", "text": "Hi Zoë + friends & co: 100% = done?" })
        );
        assert_eq!(received[1].method, "GET");
        assert_eq!(
            received[2].params,
            json!({ "chat_id": "5001", "text": "from body", "disable_notification": "true" })
        );
    }

    #[test]
    fn requests_are_recorded_with_their_parameters_and_answers() {
        let standin = standin();
        let params = json!({
            "chat_id": 5101,
            "text": "hello",
            "parse_mode": "HTML",
            "disable_notification": true,
            "reply_markup": { "inline_keyboard": [] },
        });
        let answer = post_json(&standin, &params);
        let message_id = answer.json()["result"]["message_id"].as_i64();
        standin.script_once(5101, Behaviour::Blocked);
        send(&standin, 5101);
        assert_eq!(
            post_json(&standin, &json!({ "chat_id": "5101", "text": "digits" })).status,
            200
        );
        let received = standin.sent_to(5101);
        assert_eq!(
            received[0],
            Received {
                method: "POST".into(),
                bot_method: "sendMessage".into(),
                token_ok: true,
                params,
                status: 200,
                message_id,
            }
        );
        assert_eq!(received[0].text(), Some("hello"));
        assert_eq!(
            received[0].param("disable_notification"),
            Some(&json!(true))
        );
        assert_eq!((received[1].status, received[1].message_id), (403, None));
        assert_eq!(received[2].chat_id(), Some(5101));
        assert_eq!(received[2].message_id, Some(2));
        assert!(standin.sent_to(5199).is_empty());
        assert_eq!(standin.received().len(), 3);
    }

    #[test]
    fn a_hanging_answer_does_not_hold_up_other_requests() {
        let standin = standin();
        standin.script_once(5201, Behaviour::Hang { ms: 1500 });
        let sendmessage = url(&standin, TOKEN, "sendMessage");
        let hanging = thread::spawn(move || {
            call(
                "POST",
                &sendmessage,
                &[("content-type", "application/json")],
                Some(r#"{"chat_id": 5201, "text": "slow"}"#),
            )
        });
        // Recorded on arrival, so the test can see it before the answer.
        let deadline = Instant::now() + Duration::from_secs(5);
        while standin.sent_to(5201).is_empty() {
            assert!(
                Instant::now() < deadline,
                "the hanging request never arrived"
            );
            thread::sleep(Duration::from_millis(10));
        }
        let started = Instant::now();
        assert_eq!(send(&standin, 5202).status, 200);
        assert!(started.elapsed() < Duration::from_millis(1000));
        let answer = hanging.join().expect("the hanging request");
        assert_eq!(answer.status, 200);
        assert_eq!(answer.json()["result"]["text"], "slow");
        assert!(started.elapsed() >= Duration::from_millis(500));
        assert_eq!(standin.sent_to(5201)[0].message_id, Some(1));
    }

    #[test]
    fn malformed_http_gets_a_400_in_the_bot_apis_shape_and_the_server_keeps_serving() {
        let standin = standin();
        let port = standin.port();
        for request in [
            "GARBAGE\r\n\r\n".to_string(),
            format!("POST /bot{TOKEN}/sendMessage HTTP/1.1\r\nContent-Length: abc\r\n\r\n"),
            format!("POST /bot{TOKEN}/sendMessage HTTP/1.1\r\nContent-Length: 10\r\n\r\nshort"),
            format!("POST /bot{TOKEN}/sendMessage?a b HTTP/1.1\r\n\r\n"),
        ] {
            let answer = raw(port, request.as_bytes());
            assert!(
                answer.starts_with("HTTP/1.1 400 "),
                "{request:?} got {answer}"
            );
            let body: Value = serde_json::from_str(answer.split_once("\r\n\r\n").unwrap().1)
                .expect("a JSON body");
            assert_eq!(body["ok"], false);
            assert_eq!(body["error_code"], 400);
            assert!(body["description"]
                .as_str()
                .unwrap()
                .starts_with("Bad Request: "));
            assert!(
                !answer.contains(SECRET),
                "the token is not echoed: {answer}"
            );
        }
        assert!(standin.received().is_empty(), "not HTTP, so never recorded");
        assert_eq!(send(&standin, 5301).status, 200);
    }

    #[test]
    fn shared_is_one_instance_per_process() {
        let port = crate::free_port();
        let first = TelegramStandIn::shared(port, TOKEN);
        let second = TelegramStandIn::shared(port, TOKEN);
        assert!(std::ptr::eq(first, second));
        assert_eq!(first.port(), port);
        assert_eq!(first.base_url(), format!("http://127.0.0.1:{port}"));
        assert_eq!(send(first, 5401).status, 200);
    }

    #[test]
    #[should_panic(expected = "cannot listen on 127.0.0.1")]
    fn a_taken_port_is_a_clear_panic() {
        let taken = standin();
        TelegramStandIn::start(taken.port(), TOKEN);
    }

    #[test]
    fn bot_ids_come_from_the_token() {
        assert_eq!(bot_id_of(TOKEN), Some(BOT_ID));
        for bad in [
            "",
            "123456789",
            ":secret",
            "12a:secret",
            "123:",
            "-1:secret",
        ] {
            assert_eq!(bot_id_of(bad), None, "{bad}");
        }
        let panic = std::panic::catch_unwind(|| TelegramStandIn::start(0, "not-a-token"))
            .expect_err("a malformed token is refused");
        let message = panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|m| m.to_string()))
            .unwrap_or_default();
        assert!(message.contains("<bot id>:<secret>"), "{message}");
        assert!(
            !message.contains("not-a-token"),
            "the token stays out of the panic"
        );
    }
}
