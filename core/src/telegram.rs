//! The Telegram Bot API's contracts for the Companion app, as pure functions: the Worker does
//! the I/O, this module decides.
//!
//! **Updates in.** Telegram posts one JSON `Update` per request to the webhook registered with
//! `setWebhook`. It does not sign them: the only proof of origin is the `secret_token` given to
//! `setWebhook`, which Telegram sends back in [`SECRET_HEADER`] ([`verify_secret`], compared in
//! constant time). Without a configured secret nothing is accepted (fail closed: the original
//! code skipped the check when the header or the secret was absent, defect C9).
//!
//! [`parse_update`] reads an update **leniently**: fields it does not read are ignored, because
//! Telegram adds fields with every Bot API version. This is a deliberate exception to rowgate's
//! rule of refusing unknown fields, which exists for clients that might misspell a column; here
//! the sender is Telegram and a refusal would only make it retry, then drop, the update. Only a
//! body that is not JSON, or has no numeric `update_id`, is refused (the Worker answers 400).
//! Every other update is classified ([`UpdateKind`]) and the Worker answers 2xx for all of them,
//! the ignored ones included: Telegram retries anything else.
//!
//! Only private chats are acted on: a message whose chat is not private, whose sender is a bot,
//! or whose sender is not the chat's user is [`UpdateKind::Ignored`], as are edited messages,
//! messages without text (photos, stickers, voice...), callback queries and every other kind.
//! The idempotency key is the `update_id` ([`delivery_key`]), never `message_id`, which is unique
//! only within a chat (defect C10); `message.message_id` is what goes to
//! `messages.telegram_message_id`.
//!
//! | update | [`UpdateKind`] | what the Worker does |
//! |---|---|---|
//! | `/start <token>` | [`Command`] [`Command::Start`] with a payload | `link_telegram`, reply with [`LinkOutcome::reply`] |
//! | `/start`, `/help`, `/settings` | [`Command`] | reply in the response body ([`reply`], [`texts`]) |
//! | `/start <not a token>` | [`Command::StartInvalidPayload`] | reply [`texts::token_invalid`], no link attempt |
//! | `/pause`, `/resume` | [`Command`] | `set_daily_messages_paused` |
//! | other text | [`UpdateKind::Text`] | `receive_telegram_message` |
//! | `my_chat_member` → `kicked` | [`UpdateKind::BlockedBot`] | `set_daily_messages_paused(…, true)` |
//! | anything else | [`UpdateKind::Ignored`] | record the delivery key, answer 200 |
//!
//! Message text is kept whole, whatever its length: Telegram sends at most 4096 characters, and
//! cutting a person's words silently would be worse than refusing them. Bounding it is the job of
//! the core's shaping of `companion.messages` (`content` non-empty, at most 4096 characters, no
//! NUL), which refuses what the table cannot hold; the Worker then still answers 200 (a retry
//! would be refused again) and logs the refusal.
//!
//! **Replies.** A webhook's 200 response may carry one Bot API call, which Telegram executes
//! ("Making requests when getting updates"): [`reply`] builds `{"method": "sendMessage", ...}`,
//! with the texts of [`texts`]. Its result is never known, which is fine for a reply.
//!
//! **Messages out.** The daily check-in is a `POST {api}/bot<token>/sendMessage` ([`method_url`],
//! which holds the token: never log it) with [`send_message_body`]; its text is
//! [`checkin_text`] when the app backend wrote none. Sending is **at most once**: a check-in sent
//! twice is worse than one not sent, so [`classify_send`] sorts Telegram's answers by what they
//! prove (`{"ok", "result", "error_code", "description", "parameters": {"retry_after",
//! "migrate_to_chat_id"}}`):
//!
//! | answer | [`SendOutcome`] | the Worker |
//! |---|---|---|
//! | 2xx, `ok` and `result.message_id` | `Sent` | `record_scheduled_message_sent` |
//! | 2xx otherwise | `Unknown` | fail it, never send again: Telegram may have sent it |
//! | 403 (blocked by the user, user deactivated) | `Blocked` | fail it and pause the user |
//! | 429 | `RetryAfter` | back to pending, `parameters.retry_after` seconds later |
//! | 401, 404 | `Temporary` | our bot token or API base is wrong, not the message |
//! | other 4xx (400 chat not found, ...) | `Permanent` | fail it |
//! | 5xx | `Temporary` | no message id came back: left for a later run |
//! | anything else | `Unknown` | fail it |
//!
//! A request that timed out has no answer to classify: Telegram may have sent the message, so
//! the Worker treats it as `Unknown`.

use std::borrow::Cow;

use serde_json::{json, Map, Value};
use thiserror::Error;

use crate::secret::Secret;
use crate::webhook::{verify_shared_secret, WebhookError};

/// The header in which Telegram sends the webhook's `secret_token`.
pub const SECRET_HEADER: &str = "X-Telegram-Bot-Api-Secret-Token";
/// The longest `secret_token` `setWebhook` takes, in characters.
pub const MAX_SECRET_TOKEN_CHARS: usize = 256;
/// The longest deep-link `start` payload, in characters.
pub const MAX_START_PAYLOAD_CHARS: usize = 64;
/// The longest command name Telegram recognises (after the `/`), in characters.
pub const MAX_COMMAND_CHARS: usize = 32;
/// The longest text of one message, `sendMessage`'s limit (and the longest text Telegram sends).
pub const MAX_TEXT_CHARS: usize = 4096;
/// The longest piece of Telegram's answer quoted in a [`SendOutcome`], in characters.
pub const MAX_QUOTED_CHARS: usize = 300;
/// The wait assumed for a 429 that says neither `parameters.retry_after` nor "retry after N".
pub const DEFAULT_RETRY_AFTER_SECONDS: u32 = 30;
/// The companion's name when the user's is blank (the column's default).
pub const DEFAULT_COMPANION_NAME: &str = "Aria";
/// `users.support_style`'s values, in the database's spelling.
pub const SUPPORT_STYLES: [&str; 4] = [
    "motivational",
    "friendly_checkin",
    "accountability",
    "listener",
];

/// Why a webhook request was refused. No variant carries data, so neither the secret nor
/// anything of the body can reach a message or a log. The messages are short and safe to send
/// back; `NotConfigured` and `InvalidConfiguredSecret` are configuration faults, for the
/// operator rather than the sender.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TelegramError {
    #[error("The Telegram webhook secret is not configured.")]
    NotConfigured,
    #[error(
        "The configured Telegram webhook secret is not a valid secret_token (1 to 256 characters \
         of A-Z, a-z, 0-9, _ and -), so Telegram cannot be sending it."
    )]
    InvalidConfiguredSecret,
    #[error("Missing the X-Telegram-Bot-Api-Secret-Token header.")]
    MissingSecret,
    #[error("Wrong X-Telegram-Bot-Api-Secret-Token.")]
    BadSecret,
    #[error("The body is not JSON.")]
    NotJson,
    #[error("The body is not a Telegram update: it has no numeric update_id.")]
    NotAnUpdate,
}

// ------------------------------------------------------------------------------------------------
// the webhook's secret and the bot token
// ------------------------------------------------------------------------------------------------

fn is_token_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
}

/// Whether `s` is a `secret_token` `setWebhook` accepts: 1 to 256 characters of `A-Z`, `a-z`,
/// `0-9`, `_` and `-`. For configuration checks: Telegram refuses to register any other.
pub fn valid_secret_token(s: &str) -> bool {
    (1..=MAX_SECRET_TOKEN_CHARS).contains(&s.len()) && s.bytes().all(is_token_char)
}

/// Checks the webhook's [`SECRET_HEADER`] against the configured secret. The configuration is
/// checked first and fails closed: no secret (or a blank one) is `NotConfigured`, one Telegram
/// could not have registered is `InvalidConfiguredSecret`, whatever the request carries. Then a
/// missing or blank header is `MissingSecret` and any other value than the secret `BadSecret`.
/// The comparison is [`verify_shared_secret`]'s: SHA-256 of both sides compared in constant
/// time, so neither the content nor the length of the secret shows in the time taken.
pub fn verify_secret(
    configured: Option<&Secret>,
    presented: Option<&str>,
) -> Result<(), TelegramError> {
    let configured = configured
        .filter(|s| !s.expose().trim().is_empty())
        .ok_or(TelegramError::NotConfigured)?;
    if !valid_secret_token(configured.expose()) {
        return Err(TelegramError::InvalidConfiguredSecret);
    }
    verify_shared_secret(configured, presented).map_err(|e| match e {
        WebhookError::MissingSecret => TelegramError::MissingSecret,
        _ => TelegramError::BadSecret,
    })
}

/// The bot's id: the digits before the `:` of its token (`123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11`
/// → 123456), the first part of [`delivery_key`]. `None` for anything that is not shaped like a
/// token. Only the id is returned: the rest of the token never leaves the [`Secret`].
pub fn bot_id(token: &Secret) -> Option<u64> {
    let (id, secret) = token.expose().trim().split_once(':')?;
    if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) || secret.is_empty() {
        return None;
    }
    id.parse().ok()
}

/// The URL of a Bot API method, `{api_base}/bot{token}/{method}` (`api_base` normally
/// `https://api.telegram.org`; a trailing `/` is tolerated). **It holds the bot token**: never
/// log it, nor an error that quotes it.
pub fn method_url(api_base: &str, token: &Secret, method: &str) -> String {
    format!(
        "{}/bot{}/{method}",
        api_base.trim_end_matches('/'),
        token.expose().trim()
    )
}

/// The key an update is recorded under in `rowgate.webhook_deliveries`,
/// `telegram:<bot_id>:<update_id>`: update ids are per bot, and Telegram may pick them again
/// after a week without updates, which the deliveries' 30-day pruning allows.
pub fn delivery_key(bot_id: u64, update_id: i64) -> String {
    format!("telegram:{bot_id}:{update_id}")
}

// ------------------------------------------------------------------------------------------------
// updates
// ------------------------------------------------------------------------------------------------

/// One update, as far as Companion reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Update {
    /// The idempotency key's second half ([`delivery_key`]).
    pub update_id: i64,
    pub kind: UpdateKind,
}

/// The user who sent a message (`message.from`). In a private chat, `id` is also the chat's id
/// and the `telegram_user_id` users are linked by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sender {
    pub id: i64,
    /// Without the `@`; `None` when the user has none.
    pub username: Option<String>,
    pub first_name: Option<String>,
}

/// What an update means for Companion. Every kind but `Ignored` comes from a private chat with a
/// person (`from.is_bot` false) who is the chat's user (`from.id == chat.id`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UpdateKind {
    /// A message whose text is a command ([`parse_command`]).
    Command {
        chat_id: i64,
        from: Sender,
        message_id: i64,
        /// When it was sent, Unix seconds.
        date: i64,
        command: Command,
    },
    /// A message with text that is not a command, kept whole (see the module documentation).
    Text {
        chat_id: i64,
        from: Sender,
        message_id: i64,
        date: i64,
        text: String,
    },
    /// `my_chat_member` with `new_chat_member.status` `kicked`: the user blocked the bot.
    BlockedBot { user_id: i64 },
    /// `my_chat_member` from `kicked` to `member`: the user unblocked (restarted) the bot. Daily
    /// check-ins stay paused until `/resume`; the Worker may say so.
    UnblockedBot { user_id: i64 },
    /// Acknowledged, nothing done. `reason` is one of: `"edited message"`, `"callback query"`,
    /// `"channel post"`, `"unsupported update kind"`, `"not a private chat"`, `"no sender"`,
    /// `"sent by a bot"`, `"sender is not the chat"`, `"not a text message"` (a photo, a sticker,
    /// a voice note; a caption is not read), `"empty text"`, `"chat member change"`,
    /// `"malformed message"` (a required field missing or of the wrong type).
    Ignored { reason: &'static str },
}

/// A command in a message's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `/start`, with the deep link's payload ([`deep_link`]) when it has one in the deep-link
    /// alphabet and length ([`valid_start_payload`]).
    Start {
        payload: Option<String>,
    },
    /// `/start` followed by something that cannot be a deep-link payload (too long, a space, a
    /// character outside `A-Z a-z 0-9 _ -`). Kept apart from a bare `/start` because the user
    /// evidently meant to link: the Worker answers [`texts::token_invalid`] without a database
    /// call, and the text is neither kept nor echoed.
    StartInvalidPayload,
    Help,
    Settings,
    Pause,
    Resume,
    /// Any other command: its name, lower-case, without the `/` and the `@bot` suffix.
    Unknown(String),
}

fn is_command_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Whether `s` is a deep-link `start` payload Telegram carries: 1 to 64 characters of `A-Z`,
/// `a-z`, `0-9`, `_` and `-` (the link tokens of `create_telegram_link_token` are 43).
pub fn valid_start_payload(s: &str) -> bool {
    (1..=MAX_START_PAYLOAD_CHARS).contains(&s.len()) && s.bytes().all(is_token_char)
}

/// The command a message's text starts with, or `None` when it is not a command. A command is a
/// first word `/name` or `/name@bot` (a name of 1 to 32 characters of `A-Z a-z 0-9 _`, a bot
/// username of 1 to 64), then whitespace or the end; the rest, trimmed, is its argument. Names
/// are matched case-insensitively (`/START`), and any `@bot` suffix is accepted: in a private
/// chat every command is for this bot.
///
/// The text decides, not the `bot_command` entity Telegram adds: Telegram derives the entity
/// from the same text by the same rule, and the Bot API's own sample updates carry none. A text
/// such as `/etc/hosts is gone` or `/ hi` is therefore plain text, not a command.
///
/// ```
/// use rowgate_core::telegram::{parse_command, Command};
/// assert_eq!(parse_command("/start@CompanionBot  abc_DEF-123 "),
///            Some(Command::Start { payload: Some("abc_DEF-123".into()) }));
/// assert_eq!(parse_command("/start not a token"), Some(Command::StartInvalidPayload));
/// assert_eq!(parse_command("/PAUSE"), Some(Command::Pause));
/// assert_eq!(parse_command("hello /start"), None);
/// ```
pub fn parse_command(text: &str) -> Option<Command> {
    let s = text.trim_start().strip_prefix('/')?;
    let end = s.find(char::is_whitespace).unwrap_or(s.len());
    let (word, argument) = s.split_at(end);
    let (name, bot) = match word.split_once('@') {
        Some((name, bot)) => (name, Some(bot)),
        None => (word, None),
    };
    if !(1..=MAX_COMMAND_CHARS).contains(&name.len()) || !name.bytes().all(is_command_char) {
        return None;
    }
    if let Some(bot) = bot {
        if !(1..=64).contains(&bot.len()) || !bot.bytes().all(is_command_char) {
            return None;
        }
    }
    let argument = argument.trim();
    let name = name.to_ascii_lowercase();
    Some(match name.as_str() {
        "start" if argument.is_empty() => Command::Start { payload: None },
        "start" if valid_start_payload(argument) => Command::Start {
            payload: Some(argument.to_owned()),
        },
        "start" => Command::StartInvalidPayload,
        "help" => Command::Help,
        "settings" => Command::Settings,
        "pause" => Command::Pause,
        "resume" => Command::Resume,
        _ => Command::Unknown(name),
    })
}

/// Reads a webhook body (after [`verify_secret`]). Refused only when it is not JSON
/// ([`TelegramError::NotJson`]) or has no integer `update_id` ([`TelegramError::NotAnUpdate`]);
/// everything else is classified, leniently (see the module documentation).
///
/// A chat without `type` counts as private when its id is positive (private chats have the
/// user's id, groups and channels negative ones), and a sender without `is_bot` as a person: the
/// Bot API's sample updates ("Testing your bot with updates") omit both.
///
/// ```
/// use rowgate_core::telegram::{parse_update, Command, UpdateKind};
/// let body = br#"{"update_id": 10000, "message": {"message_id": 1365, "date": 1441645532,
///     "chat": {"id": 1111111, "type": "private"}, "from": {"id": 1111111, "is_bot": false,
///     "first_name": "Test"}, "text": "/start"}}"#;
/// let update = parse_update(body).unwrap();
/// assert_eq!(update.update_id, 10000);
/// assert!(matches!(update.kind,
///     UpdateKind::Command { chat_id: 1111111, command: Command::Start { payload: None }, .. }));
/// ```
pub fn parse_update(body: &[u8]) -> Result<Update, TelegramError> {
    let value: Value = serde_json::from_slice(body).map_err(|_| TelegramError::NotJson)?;
    let update = value.as_object().ok_or(TelegramError::NotAnUpdate)?;
    // Telegram's update identifiers are positive ("start from a certain positive number and
    // increase sequentially"): anything else is no update of theirs.
    let update_id = update
        .get("update_id")
        .and_then(Value::as_i64)
        .filter(|id| *id > 0)
        .ok_or(TelegramError::NotAnUpdate)?;
    let kind = if let Some(message) = update.get("message") {
        message_kind(message)
    } else if let Some(change) = update.get("my_chat_member") {
        member_kind(change)
    } else if update.contains_key("edited_message") {
        ignored("edited message")
    } else if update.contains_key("callback_query") {
        ignored("callback query")
    } else if update.contains_key("channel_post") || update.contains_key("edited_channel_post") {
        ignored("channel post")
    } else {
        ignored("unsupported update kind")
    };
    Ok(Update { update_id, kind })
}

fn ignored(reason: &'static str) -> UpdateKind {
    UpdateKind::Ignored { reason }
}

fn int(object: &Map<String, Value>, name: &str) -> Option<i64> {
    object.get(name).and_then(Value::as_i64)
}

fn string(object: &Map<String, Value>, name: &str) -> Option<String> {
    object
        .get(name)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(without_nul)
}

/// `text` with each NUL character replaced by U+FFFD: no PostgreSQL text can hold a NUL, and a
/// message is better stored with a visible replacement than refused (Telegram would retry it).
fn without_nul(text: &str) -> String {
    if text.contains('\0') {
        text.replace('\0', "\u{FFFD}")
    } else {
        text.to_owned()
    }
}

/// The private chat's id and its user: `Err` with the reason to ignore the update otherwise.
fn private_sender(object: &Map<String, Value>) -> Result<(i64, Sender), &'static str> {
    let chat = object
        .get("chat")
        .and_then(Value::as_object)
        .ok_or("malformed message")?;
    let chat_id = int(chat, "id").ok_or("malformed message")?;
    let private = match chat.get("type").and_then(Value::as_str) {
        Some(kind) => kind == "private",
        None => chat_id > 0,
    };
    if !private {
        return Err("not a private chat");
    }
    let from = object
        .get("from")
        .and_then(Value::as_object)
        .ok_or("no sender")?;
    let id = int(from, "id").ok_or("malformed message")?;
    // A person's id is positive; negative ids are groups and channels.
    if id <= 0 {
        return Err("not a user");
    }
    if from.get("is_bot").and_then(Value::as_bool) == Some(true) {
        return Err("sent by a bot");
    }
    if id != chat_id {
        return Err("sender is not the chat");
    }
    let sender = Sender {
        id,
        username: string(from, "username"),
        first_name: string(from, "first_name"),
    };
    Ok((chat_id, sender))
}

fn message_kind(message: &Value) -> UpdateKind {
    let Some(message) = message.as_object() else {
        return ignored("malformed message");
    };
    let (chat_id, from) = match private_sender(message) {
        Ok(found) => found,
        Err(reason) => return ignored(reason),
    };
    let (Some(message_id), Some(date)) = (int(message, "message_id"), int(message, "date")) else {
        return ignored("malformed message");
    };
    // The Bot API's message_id is a 32-bit integer (the column's type).
    if i32::try_from(message_id).is_err() {
        return ignored("message_id out of range");
    }
    let Some(text) = message.get("text").and_then(Value::as_str) else {
        return ignored("not a text message");
    };
    let text = without_nul(text);
    let text = text.as_str();
    if let Some(command) = parse_command(text) {
        UpdateKind::Command {
            chat_id,
            from,
            message_id,
            date,
            command,
        }
    } else if text.trim().is_empty() {
        ignored("empty text")
    } else {
        UpdateKind::Text {
            chat_id,
            from,
            message_id,
            date,
            text: text.to_owned(),
        }
    }
}

fn member_kind(change: &Value) -> UpdateKind {
    let Some(change) = change.as_object() else {
        return ignored("malformed message");
    };
    let user_id = match private_sender(change) {
        Ok((_, from)) => from.id,
        Err(reason) => return ignored(reason),
    };
    let status = |name: &str| {
        change
            .get(name)
            .and_then(|m| m.get("status"))
            .and_then(Value::as_str)
    };
    match (status("old_chat_member"), status("new_chat_member")) {
        (_, Some("kicked")) => UpdateKind::BlockedBot { user_id },
        (Some("kicked"), Some("member")) => UpdateKind::UnblockedBot { user_id },
        _ => ignored("chat member change"),
    }
}

// ------------------------------------------------------------------------------------------------
// deep links
// ------------------------------------------------------------------------------------------------

/// The link that opens the bot with `/start <token>`: `https://t.me/<bot>?start=<token>` (a
/// leading `@` of the username is dropped). The token should pass [`valid_start_payload`]
/// (`create_telegram_link_token`'s always do); its alphabet needs no escaping, and anything
/// else is percent-encoded rather than allowed to change the URL.
pub fn deep_link(bot_username: &str, token: &str) -> String {
    let bot = bot_username.trim().trim_start_matches('@');
    let token: String = form_urlencoded::byte_serialize(token.as_bytes()).collect();
    format!("https://t.me/{bot}?start={token}")
}

/// What `link_telegram` returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkOutcome {
    Linked,
    AlreadyLinked,
    TokenInvalid,
    TelegramTaken,
}

impl LinkOutcome {
    /// `link_telegram`'s result text (`linked`, `already_linked`, `token_invalid`,
    /// `telegram_taken`).
    pub fn parse(text: &str) -> Option<LinkOutcome> {
        match text {
            "linked" => Some(LinkOutcome::Linked),
            "already_linked" => Some(LinkOutcome::AlreadyLinked),
            "token_invalid" => Some(LinkOutcome::TokenInvalid),
            "telegram_taken" => Some(LinkOutcome::TelegramTaken),
            _ => None,
        }
    }

    /// The reply to the `/start <token>` that had this outcome.
    pub fn reply(self, web_app_url: &str) -> String {
        match self {
            LinkOutcome::Linked => texts::linked().to_owned(),
            LinkOutcome::AlreadyLinked => texts::already_linked().to_owned(),
            LinkOutcome::TokenInvalid => texts::token_invalid(web_app_url),
            LinkOutcome::TelegramTaken => texts::telegram_taken().to_owned(),
        }
    }
}

// ------------------------------------------------------------------------------------------------
// replies and their texts
// ------------------------------------------------------------------------------------------------

/// The body of a webhook's 200 answer that has Telegram send `text` to `chat_id`:
/// `{"method": "sendMessage", "chat_id": ..., "text": ...}`, served as `application/json`. Plain
/// text (no `parse_mode`), cut like [`send_message_body`]'s.
pub fn reply(chat_id: i64, text: &str) -> Value {
    json!({"method": "sendMessage", "chat_id": chat_id, "text": fit_text(text)})
}

/// Every text the bot says, in one place. Plain text, sent without `parse_mode`, so nothing
/// needs escaping. `web_app_url` is the web app's address, where users sign up and link.
pub mod texts {
    fn url(web_app_url: &str) -> &str {
        web_app_url.trim()
    }

    /// `/start` without a payload.
    pub fn start(web_app_url: &str) -> String {
        format!(
            "Hi! I'm your companion. To connect this chat to your account, open {} and tap \
             \"Connect Telegram\". Already connected? Just say hi.",
            url(web_app_url)
        )
    }

    /// `/help`.
    pub fn help() -> &'static str {
        "Here's what I understand:\n\
         /settings - your daily check-in settings\n\
         /pause - pause daily check-ins\n\
         /resume - turn daily check-ins back on\n\
         /help - this list\n\
         Anything else you write, I read and answer."
    }

    /// `/settings`: `paused` when the Worker knows it (`None` otherwise).
    pub fn settings(web_app_url: &str, paused: Option<bool>) -> String {
        let state = match paused {
            Some(true) => "Daily check-ins are paused: send /resume to turn them back on.",
            Some(false) => "Daily check-ins are on: send /pause to stop them for a while.",
            None => "Send /pause to pause daily check-ins, /resume to turn them back on.",
        };
        format!(
            "{state}\nYour name, time zone and check-in time are in the app: {}",
            url(web_app_url)
        )
    }

    /// A message from a Telegram account no user has linked.
    pub fn not_linked(web_app_url: &str) -> String {
        format!(
            "I don't know this Telegram account yet. Sign up at {} and tap \"Connect Telegram\" \
             to link it, then we can talk here.",
            url(web_app_url)
        )
    }

    pub fn linked() -> &'static str {
        "You're connected! I'll check in here every day. Say hi whenever you like; /help lists \
         what I understand."
    }

    pub fn already_linked() -> &'static str {
        "This Telegram account is already connected to your account. Just say hi!"
    }

    /// A link token that is unknown, used or expired, or a `/start` payload that is no token.
    pub fn token_invalid(web_app_url: &str) -> String {
        format!(
            "That link is invalid or has expired. Open {} and tap \"Connect Telegram\" for a \
             fresh one.",
            url(web_app_url)
        )
    }

    /// This Telegram account is linked to another user.
    pub fn telegram_taken() -> &'static str {
        "This Telegram account is already connected to another account. Disconnect it there \
         first, then try your link again."
    }

    pub fn paused() -> &'static str {
        "Daily check-ins paused. Send /resume whenever you want them back."
    }

    pub fn resumed() -> &'static str {
        "Daily check-ins are back on. Talk soon!"
    }

    pub fn unknown_command() -> &'static str {
        "I don't know that command. Send /help to see what I understand."
    }
}

/// The fallback text of a daily check-in (when the app backend wrote none), by support style:
/// `motivational`, `friendly_checkin`, `accountability` or `listener`; any other style gets the
/// friendly one. A blank display name is left out, a blank companion name is
/// [`DEFAULT_COMPANION_NAME`]. Names are trimmed and used as written: the text is sent without
/// `parse_mode`, so they cannot format it.
///
/// ```
/// use rowgate_core::telegram::checkin_text;
/// assert_eq!(checkin_text(Some("Ada"), "Aria", "listener"),
///            "Hi Ada, it's Aria. No agenda today: I'm here if you want to talk. How are you feeling?");
/// ```
pub fn checkin_text(
    display_name: Option<&str>,
    companion_name: &str,
    support_style: &str,
) -> String {
    let name = display_name.map(str::trim).filter(|n| !n.is_empty());
    let hi = match name {
        Some(name) => format!("Hi {name}"),
        None => "Hi".to_owned(),
    };
    let companion = match companion_name.trim() {
        "" => DEFAULT_COMPANION_NAME,
        c => c,
    };
    match support_style {
        "motivational" => format!(
            "{hi}! {companion} here. Today is a fresh start: what's one thing you want to make \
             happen? I'm cheering for you."
        ),
        "accountability" => format!(
            "{hi}, {companion} checking in. What's your plan for today, and what's the first \
             step? Tell me, and I'll ask how it went."
        ),
        "listener" => format!(
            "{hi}, it's {companion}. No agenda today: I'm here if you want to talk. How are you \
             feeling?"
        ),
        _ => format!(
            "{hi}! {companion} here. How are you doing today? I'd love to hear what's on your \
             mind."
        ),
    }
}

// ------------------------------------------------------------------------------------------------
// sending
// ------------------------------------------------------------------------------------------------

/// `text` within [`MAX_TEXT_CHARS`]: a longer text is cut at a character boundary and ends with
/// `…`. Counted in UTF-16 code units, the unit of Telegram's entity offsets; as no character is
/// fewer than one unit, the result is within 4096 characters however Telegram counts.
fn fit_text(text: &str) -> Cow<'_, str> {
    if text.encode_utf16().count() <= MAX_TEXT_CHARS {
        return Cow::Borrowed(text);
    }
    let mut units = 0;
    let mut end = 0;
    for (i, c) in text.char_indices() {
        if units + c.len_utf16() > MAX_TEXT_CHARS - 1 {
            break;
        }
        units += c.len_utf16();
        end = i + c.len_utf8();
    }
    Cow::Owned(format!("{}…", &text[..end]))
}

/// The JSON body of `sendMessage`, `{"chat_id": ..., "text": ...}`, plain text (no
/// `parse_mode`). A text longer than Telegram's 4096 is cut to 4095 UTF-16 code units at a
/// character boundary, plus `…`, rather than refused by Telegram as a whole: check-ins are
/// written by the app backend and the tail of an over-long one is the least loss. An empty text
/// is sent as is and refused by Telegram (400, [`SendOutcome::Permanent`]).
pub fn send_message_body(chat_id: i64, text: &str) -> String {
    json!({"chat_id": chat_id, "text": fit_text(text)}).to_string()
}

/// What an answer of `sendMessage` means for the message, at most once (see the module
/// documentation). Descriptions quote at most [`MAX_QUOTED_CHARS`] characters of Telegram's
/// answer, with anything shaped like a bot token replaced by `***`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendOutcome {
    /// Telegram sent it: `result.message_id`, for `messages.telegram_message_id`.
    Sent { message_id: i64 },
    /// 403: the user blocked the bot, was deactivated, or never started it. Fail the message and
    /// pause the user's check-ins.
    Blocked { description: String },
    /// 429: flood control. Try again no sooner than `seconds` from now.
    RetryAfter { seconds: u32, description: String },
    /// Telegram refused this message and will refuse it again (400 chat not found, message is
    /// empty, ...): fail it. `code` is the HTTP status.
    Permanent { code: u16, description: String },
    /// Not sent, for a reason that may pass: 5xx, or our configuration (401 bot token refused,
    /// 404 malformed token or wrong API base). Left for a later run.
    Temporary { description: String },
    /// Telegram may have sent it: never send it again.
    Unknown { description: String },
}

/// Replaces every run shaped like a bot token (3 or more digits, `:`, 20 or more of
/// `A-Z a-z 0-9 _ -`) with `***`: an error page that echoes the request URL must not put the
/// token in a log.
fn redact_tokens(text: &str) -> Cow<'_, str> {
    let b = text.as_bytes();
    let mut out = String::new();
    let mut copied = 0;
    let mut i = 0;
    while i < b.len() {
        if !b[i].is_ascii_digit() || (i > 0 && b[i - 1].is_ascii_digit()) {
            i += 1;
            continue;
        }
        let mut colon = i;
        while colon < b.len() && b[colon].is_ascii_digit() {
            colon += 1;
        }
        if colon - i >= 3 && b.get(colon) == Some(&b':') {
            let mut end = colon + 1;
            while end < b.len() && is_token_char(b[end]) {
                end += 1;
            }
            if end - colon > 20 {
                out.push_str(&text[copied..i]);
                out.push_str("***");
                copied = end;
                i = end;
                continue;
            }
        }
        i = colon;
    }
    if copied == 0 {
        Cow::Borrowed(text)
    } else {
        out.push_str(&text[copied..]);
        Cow::Owned(out)
    }
}

/// At most [`MAX_QUOTED_CHARS`] characters of `text`, tokens redacted, control characters as
/// spaces, `…` where cut: a quoted answer stays one short line, safe to log and store.
fn quote(text: &str) -> String {
    let text = redact_tokens(text.trim());
    let mut out: String = text
        .chars()
        .take(MAX_QUOTED_CHARS)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if text.chars().nth(MAX_QUOTED_CHARS).is_some() {
        out.push('…');
    }
    out
}

/// The seconds of "retry after N" in a description (`Too Many Requests: retry after 5`).
fn retry_after_in(description: &str) -> Option<u32> {
    let lower = description.to_ascii_lowercase();
    let rest = &lower[lower.find("retry after ")? + "retry after ".len()..];
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse::<u64>().ok().map(saturate)
}

fn saturate(n: u64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Classifies the answer to a `sendMessage`: the HTTP status and the body as text. See the
/// table of the module documentation.
///
/// ```
/// use rowgate_core::telegram::{classify_send, SendOutcome};
/// let body = r#"{"ok": false, "error_code": 429, "description": "Too Many Requests: retry after 5",
///                "parameters": {"retry_after": 5}}"#;
/// assert_eq!(classify_send(429, body), SendOutcome::RetryAfter {
///     seconds: 5, description: "Too Many Requests: retry after 5".into() });
/// ```
pub fn classify_send(status: u16, body: &str) -> SendOutcome {
    let value: Option<Value> = serde_json::from_str(body).ok();
    let answer = value.as_ref().and_then(Value::as_object);
    let description = answer
        .and_then(|a| a.get("description"))
        .and_then(Value::as_str)
        .filter(|d| !d.trim().is_empty());
    let parameter = |name: &str| {
        answer
            .and_then(|a| a.get("parameters"))
            .and_then(|p| p.get(name))
    };
    // Telegram's description, or else what came back.
    let said = || match description {
        Some(d) => quote(d),
        None if body.trim().is_empty() => "no body".to_owned(),
        None => quote(body),
    };
    match status {
        200..=299 => {
            let ok = answer.and_then(|a| a.get("ok")).and_then(Value::as_bool) == Some(true);
            let message_id = answer
                .and_then(|a| a.get("result"))
                .and_then(|r| r.get("message_id"))
                .and_then(Value::as_i64);
            match message_id {
                Some(message_id) if ok => SendOutcome::Sent { message_id },
                _ => SendOutcome::Unknown {
                    description: format!(
                        "Telegram answered {status} without a readable result.message_id: it may \
                         have sent the message, which is not sent again"
                    ),
                },
            }
        }
        403 => SendOutcome::Blocked {
            description: said(),
        },
        429 => SendOutcome::RetryAfter {
            seconds: parameter("retry_after")
                .and_then(Value::as_u64)
                .map(saturate)
                .or_else(|| description.and_then(retry_after_in))
                .unwrap_or(DEFAULT_RETRY_AFTER_SECONDS),
            description: said(),
        },
        401 | 404 => SendOutcome::Temporary {
            description: format!(
                "Telegram refused our request ({status}): check the bot token and the API base; \
                 the message is not at fault ({})",
                said()
            ),
        },
        400..=499 => SendOutcome::Permanent {
            code: status,
            description: match parameter("migrate_to_chat_id").and_then(Value::as_i64) {
                Some(chat) => format!("{} (the group migrated to chat {chat})", said()),
                None => said(),
            },
        },
        500..=599 => SendOutcome::Temporary {
            description: format!("Telegram failed ({status}) without sending: {}", said()),
        },
        _ => SendOutcome::Unknown {
            description: format!(
                "Telegram answered {status}, which says nothing of the message: it is not sent \
                 again"
            ),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // -- the Bot API's sample updates -----------------------------------------------------------

    // "Marvin's Marvellous Guide to All Things Webhook" (https://core.telegram.org/bots/webhooks),
    // section "Testing your bot with updates": the "Message with text using curl" update, as
    // published (no chat.type, no from.is_bot, no entities).
    const DOCUMENTED_START: &str = r#"{
"update_id":10000,
"message":{
  "date":1441645532,
  "chat":{
     "last_name":"Test Lastname",
     "id":1111111,
     "first_name":"Test",
     "username":"Test"
  },
  "message_id":1365,
  "from":{
     "last_name":"Test Lastname",
     "id":1111111,
     "first_name":"Test",
     "username":"Test"
  },
  "text":"/start"
}
}"#;

    // The same guide, "More examples in curl": "Edited message", "Message with audio" and
    // "Callback query".
    const DOCUMENTED_EDITED: &str = r#"{
"update_id":10000,
"edited_message":{
  "date":1441645532,
  "chat":{"last_name":"Test Lastname","type": "private","id":1111111,"first_name":"Test Firstname","username":"Testusername"},
  "message_id":1365,
  "from":{"last_name":"Test Lastname","id":1111111,"first_name":"Test Firstname","username":"Testusername"},
  "text":"Edited text",
  "edit_date": 1441646600
}
}"#;
    const DOCUMENTED_AUDIO: &str = r#"{
"update_id":10000,
"message":{
  "date":1441645532,
  "chat":{"last_name":"Test Lastname","type": "private","id":1111111,"first_name":"Test Firstname","username":"Testusername"},
  "message_id":1365,
  "from":{"last_name":"Test Lastname","id":1111111,"first_name":"Test Firstname","username":"Testusername"},
  "audio": {"file_id": "AwADBAADbXXXXXXXXXXXGBdhD2l6_XX","duration": 243,"mime_type": "audio/mpeg","file_size": 3897500,"title": "Test music file"}
}
}"#;
    const DOCUMENTED_CALLBACK: &str = r#"{
"update_id":10000,
"callback_query":{
  "id": "4382bfdwdsb323b2d9",
  "from":{"last_name":"Test Lastname","type": "private","id":1111111,"first_name":"Test Firstname","username":"Testusername"},
  "data": "Data from button callback",
  "inline_message_id": "1234csdbsk4839"
}
}"#;

    const TOKEN43: &str = "q3Vx9Z_bT-0aWcLmN8yRk2pH4sJd6fGu1oEiA7tYvXw";

    /// A private-chat message from user 1111111 with this text, as Telegram sends it today.
    fn message(text: &str) -> Value {
        json!({
            "update_id": 10001,
            "message": {
                "message_id": 1366,
                "from": {"id": 1111111, "is_bot": false, "first_name": "Ada", "username": "ada", "language_code": "en"},
                "chat": {"id": 1111111, "first_name": "Ada", "username": "ada", "type": "private"},
                "date": 1441645600,
                "text": text,
            }
        })
    }

    fn kind(update: &Value) -> UpdateKind {
        parse_update(update.to_string().as_bytes()).unwrap().kind
    }

    fn command(text: &str) -> Command {
        match kind(&message(text)) {
            UpdateKind::Command { command, .. } => command,
            other => panic!("{text:?}: {other:?}"),
        }
    }

    fn ada() -> Sender {
        Sender {
            id: 1111111,
            username: Some("ada".into()),
            first_name: Some("Ada".into()),
        }
    }

    #[test]
    fn the_documented_sample_update_is_a_start_from_chat_1111111() {
        let update = parse_update(DOCUMENTED_START.as_bytes()).unwrap();
        assert_eq!(
            update,
            Update {
                update_id: 10000,
                kind: UpdateKind::Command {
                    chat_id: 1111111,
                    from: Sender {
                        id: 1111111,
                        username: Some("Test".into()),
                        first_name: Some("Test".into()),
                    },
                    message_id: 1365,
                    date: 1441645532,
                    command: Command::Start { payload: None },
                },
            }
        );
        assert_eq!(
            delivery_key(123456, update.update_id),
            "telegram:123456:10000"
        );
    }

    #[test]
    fn documented_edited_messages_audio_and_callbacks_are_ignored() {
        for (body, reason) in [
            (DOCUMENTED_EDITED, "edited message"),
            (DOCUMENTED_AUDIO, "not a text message"),
            (DOCUMENTED_CALLBACK, "callback query"),
        ] {
            let update = parse_update(body.as_bytes()).unwrap();
            assert_eq!(update.update_id, 10000);
            assert_eq!(update.kind, UpdateKind::Ignored { reason }, "{reason}");
        }
    }

    #[test]
    fn start_with_a_link_token_carries_it() {
        let mut update = message(&format!("/start {TOKEN43}"));
        update["message"]["entities"] = json!([{"offset": 0, "length": 6, "type": "bot_command"}]);
        assert_eq!(
            kind(&update),
            UpdateKind::Command {
                chat_id: 1111111,
                from: ada(),
                message_id: 1366,
                date: 1441645600,
                command: Command::Start {
                    payload: Some(TOKEN43.into())
                },
            }
        );
    }

    #[test]
    fn start_addressed_to_the_bot_in_any_case_and_spacing_is_start() {
        let with_token = Command::Start {
            payload: Some(TOKEN43.into()),
        };
        for text in [
            format!("/start@CompanionBot {TOKEN43}"),
            format!("/START {TOKEN43}"),
            format!("/Start@companion_bot   {TOKEN43}   "),
            format!("  /start\n{TOKEN43}\n"),
            format!("/start\t{TOKEN43}"),
        ] {
            assert_eq!(command(&text), with_token, "{text:?}");
        }
        for text in [
            "/start",
            "/START",
            "/start@CompanionBot",
            "/start   ",
            "/start \n ",
        ] {
            assert_eq!(command(text), Command::Start { payload: None }, "{text:?}");
        }
        let longest = "a".repeat(64);
        assert_eq!(
            command(&format!("/start {longest}")),
            Command::Start {
                payload: Some(longest)
            }
        );
    }

    #[test]
    fn a_start_payload_outside_the_deep_link_alphabet_is_invalid_not_bare() {
        for text in [
            format!("/start {}", "a".repeat(65)),
            format!("/start {TOKEN43} extra"),
            "/start abc=".to_owned(),
            "/start a.b".to_owned(),
            "/start tökén".to_owned(),
            "/start 'or 1=1--".to_owned(),
        ] {
            assert_eq!(command(&text), Command::StartInvalidPayload, "{text:?}");
        }
    }

    #[test]
    fn every_command_is_recognised_and_others_are_unknown() {
        assert_eq!(command("/help"), Command::Help);
        assert_eq!(command("/Settings@CompanionBot"), Command::Settings);
        assert_eq!(command("/pause"), Command::Pause);
        assert_eq!(command("/resume now please"), Command::Resume);
        assert_eq!(
            command("/Weather today"),
            Command::Unknown("weather".into())
        );
        let long = "x".repeat(32);
        assert_eq!(command(&format!("/{long}")), Command::Unknown(long));
    }

    #[test]
    fn text_that_only_looks_like_a_command_is_text() {
        for text in [
            "/",
            "/ hi",
            "//comment",
            "/etc/hosts is gone",
            "/start-now",
            "/start@",
            "/start@bad-bot x",
            "/😀",
            &format!("/{}", "x".repeat(33)),
            "hello /start",
        ] {
            assert_eq!(parse_command(text), None, "{text:?}");
            assert!(
                matches!(kind(&message(text)), UpdateKind::Text { .. }),
                "{text:?}"
            );
        }
    }

    #[test]
    fn text_is_kept_whole_even_beyond_telegrams_limit() {
        let long = "🚤".repeat(5000);
        assert_eq!(
            kind(&message(&long)),
            UpdateKind::Text {
                chat_id: 1111111,
                from: ada(),
                message_id: 1366,
                date: 1441645600,
                text: long.clone(),
            }
        );
        let spaced = "  hello  ";
        assert!(matches!(kind(&message(spaced)), UpdateKind::Text { text, .. } if text == spaced));
        for blank in ["", " \n "] {
            assert_eq!(
                kind(&message(blank)),
                UpdateKind::Ignored {
                    reason: "empty text"
                }
            );
        }
    }

    #[test]
    fn group_supergroup_and_channel_chats_are_ignored() {
        for (chat_type, id) in [
            ("group", -4001234567_i64),
            ("supergroup", -1001234567890),
            ("channel", -1001234567891),
        ] {
            let mut update = message("/start hello");
            update["message"]["chat"] = json!({"id": id, "type": chat_type, "title": "Team"});
            assert_eq!(
                kind(&update),
                UpdateKind::Ignored {
                    reason: "not a private chat"
                },
                "{chat_type}"
            );
        }
        // Without a type, the id decides: negative ids are groups and channels.
        let mut update = message("hi");
        update["message"]["chat"] = json!({"id": -4001234567_i64, "title": "Team"});
        assert!(matches!(
            kind(&update),
            UpdateKind::Ignored {
                reason: "not a private chat"
            }
        ));
        let channel_post = json!({"update_id": 5, "channel_post": {"message_id": 1, "date": 1,
            "chat": {"id": -1001234567891_i64, "type": "channel"}, "text": "news"}});
        assert_eq!(
            kind(&channel_post),
            UpdateKind::Ignored {
                reason: "channel post"
            }
        );
    }

    #[test]
    fn bots_strangers_and_senderless_messages_are_ignored() {
        let mut update = message("hi");
        update["message"]["from"]["is_bot"] = json!(true);
        assert_eq!(
            kind(&update),
            UpdateKind::Ignored {
                reason: "sent by a bot"
            }
        );
        let mut update = message("hi");
        update["message"]["from"]["id"] = json!(2222222);
        assert_eq!(
            kind(&update),
            UpdateKind::Ignored {
                reason: "sender is not the chat"
            }
        );
        let mut update = message("hi");
        update["message"].as_object_mut().unwrap().remove("from");
        assert_eq!(
            kind(&update),
            UpdateKind::Ignored {
                reason: "no sender"
            }
        );
    }

    #[test]
    fn photos_with_or_without_a_caption_are_ignored() {
        let mut update = message("x");
        let m = update["message"].as_object_mut().unwrap();
        m.remove("text");
        m.insert(
            "photo".into(),
            json!([{"file_id": "AgAD", "file_unique_id": "AQAD", "width": 90, "height": 90}]),
        );
        assert_eq!(
            kind(&update),
            UpdateKind::Ignored {
                reason: "not a text message"
            }
        );
        update["message"]["caption"] = json!("look at this");
        assert_eq!(
            kind(&update),
            UpdateKind::Ignored {
                reason: "not a text message"
            }
        );
    }

    #[test]
    fn a_message_missing_required_fields_is_ignored_as_malformed() {
        for field in ["message_id", "date", "chat"] {
            let mut update = message("hi");
            update["message"].as_object_mut().unwrap().remove(field);
            assert_eq!(
                kind(&update),
                UpdateKind::Ignored {
                    reason: "malformed message"
                },
                "{field}"
            );
        }
        let mut update = message("hi");
        update["message"]["message_id"] = json!("1366");
        assert!(matches!(
            kind(&update),
            UpdateKind::Ignored {
                reason: "malformed message"
            }
        ));
        let update = json!({"update_id": 1, "message": "hi"});
        assert!(matches!(
            kind(&update),
            UpdateKind::Ignored {
                reason: "malformed message"
            }
        ));
    }

    fn member_update(chat_type: &str, chat_id: i64, old: &str, new: &str) -> Value {
        json!({
            "update_id": 20000,
            "my_chat_member": {
                "chat": {"id": chat_id, "first_name": "Ada", "type": chat_type},
                "from": {"id": 1111111, "is_bot": false, "first_name": "Ada"},
                "date": 1441646000,
                "old_chat_member": {"status": old, "user": {"id": 999, "is_bot": true, "first_name": "Companion", "username": "CompanionBot"}},
                "new_chat_member": {"status": new, "user": {"id": 999, "is_bot": true, "first_name": "Companion", "username": "CompanionBot"}, "until_date": 0}
            }
        })
    }

    #[test]
    fn blocking_and_unblocking_the_bot_in_a_private_chat() {
        assert_eq!(
            kind(&member_update("private", 1111111, "member", "kicked")),
            UpdateKind::BlockedBot { user_id: 1111111 }
        );
        assert_eq!(
            kind(&member_update("private", 1111111, "kicked", "member")),
            UpdateKind::UnblockedBot { user_id: 1111111 }
        );
        for (chat_type, id, old, new) in [
            ("private", 1111111, "left", "member"),
            ("group", -4001234567, "member", "kicked"),
            ("supergroup", -1001234567890, "member", "administrator"),
        ] {
            assert!(
                matches!(
                    kind(&member_update(chat_type, id, old, new)),
                    UpdateKind::Ignored { .. }
                ),
                "{chat_type} {old} {new}"
            );
        }
    }

    #[test]
    fn unknown_fields_are_ignored_at_every_level() {
        let mut update = message("/pause");
        update["business_connection_id"] = json!("future");
        update["message"]["quote"] = json!({"text": "x", "position": 0});
        update["message"]["from"]["is_premium"] = json!(true);
        update["message"]["from"]["added_to_attachment_menu"] = json!(true);
        update["message"]["chat"]["is_forum"] = json!(false);
        update["message"]["link_preview_options"] = json!({"is_disabled": true});
        assert!(matches!(
            kind(&update),
            UpdateKind::Command {
                command: Command::Pause,
                ..
            }
        ));
        let future = json!({"update_id": 7, "message_reaction_count": {"chat": {"id": 1}}});
        assert_eq!(
            kind(&future),
            UpdateKind::Ignored {
                reason: "unsupported update kind"
            }
        );
    }

    #[test]
    fn a_body_that_is_not_json_is_refused() {
        for body in [
            &b""[..],
            b"update_id=10000",
            b"{\"update_id\": 1",
            b"\xff\xfe",
        ] {
            assert_eq!(parse_update(body), Err(TelegramError::NotJson));
        }
    }

    #[test]
    fn a_body_without_a_numeric_update_id_is_refused() {
        for body in [
            r#"{}"#,
            r#"{"message": {"text": "/start"}}"#,
            r#"{"update_id": "10000"}"#,
            r#"{"update_id": 10000.5}"#,
            r#"{"update_id": null}"#,
            r#"{"update_id": 99999999999999999999}"#,
            r#"[{"update_id": 10000}]"#,
            "10000",
        ] {
            assert_eq!(
                parse_update(body.as_bytes()),
                Err(TelegramError::NotAnUpdate),
                "{body}"
            );
        }
        assert_eq!(
            parse_update(br#"{"update_id": 42}"#).unwrap().kind,
            UpdateKind::Ignored {
                reason: "unsupported update kind"
            }
        );
    }

    // -- the secret -----------------------------------------------------------------------------

    #[test]
    fn no_configured_secret_refuses_everything() {
        for configured in [None, Some(Secret::new("")), Some(Secret::new("  "))] {
            for presented in [None, Some(""), Some("anything")] {
                assert_eq!(
                    verify_secret(configured.as_ref(), presented),
                    Err(TelegramError::NotConfigured)
                );
            }
        }
        let invalid = Secret::new("has spaces in it");
        assert_eq!(
            verify_secret(Some(&invalid), Some("has spaces in it")),
            Err(TelegramError::InvalidConfiguredSecret)
        );
    }

    #[test]
    fn the_secret_header_must_be_present_and_equal() {
        let secret = Secret::new("s3cr3t_Token-value");
        let configured = Some(&secret);
        assert_eq!(
            verify_secret(configured, Some("s3cr3t_Token-value")),
            Ok(())
        );
        assert_eq!(
            verify_secret(configured, None),
            Err(TelegramError::MissingSecret)
        );
        assert_eq!(
            verify_secret(configured, Some("  ")),
            Err(TelegramError::MissingSecret)
        );
        for wrong in [
            "s3cr3t_Token-valuE",
            "s3cr3t_Token-valu",
            "s3cr3t_Token-value-and-more",
            "x",
            &"s".repeat(10_000),
        ] {
            assert_eq!(
                verify_secret(configured, Some(wrong)),
                Err(TelegramError::BadSecret)
            );
        }
        let shown = format!("{:?}", verify_secret(configured, Some("x")));
        assert!(!shown.contains("s3cr3t"), "{shown}");
    }

    #[test]
    fn secret_tokens_follow_setwebhooks_alphabet_and_length() {
        assert!(valid_secret_token("a"));
        assert!(valid_secret_token(&"A-z_9".repeat(52)[..256]));
        assert!(!valid_secret_token(""));
        assert!(!valid_secret_token(&"a".repeat(257)));
        for bad in ["a b", "a+b", "a/b", "a=", "tökén", "a\n"] {
            assert!(!valid_secret_token(bad), "{bad:?}");
        }
    }

    // -- the bot token --------------------------------------------------------------------------

    #[test]
    fn the_bot_id_is_the_tokens_first_part() {
        let token = Secret::new("123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11");
        assert_eq!(bot_id(&token), Some(123456));
        assert_eq!(
            bot_id(&Secret::new(" 7000000001:AAH_x \n")),
            Some(7000000001)
        );
        for bad in [
            "",
            "123456",
            "123456:",
            ":ABC",
            "12a456:ABC",
            "-1:ABC",
            "99999999999999999999:ABC",
        ] {
            assert_eq!(bot_id(&Secret::new(bad)), None, "{bad:?}");
        }
    }

    #[test]
    fn the_method_url_holds_the_token() {
        let token = Secret::new("123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11");
        let want =
            "https://api.telegram.org/bot123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11/sendMessage";
        assert_eq!(
            method_url("https://api.telegram.org", &token, "sendMessage"),
            want
        );
        assert_eq!(
            method_url("https://api.telegram.org/", &token, "sendMessage"),
            want
        );
    }

    // -- deep links -----------------------------------------------------------------------------

    #[test]
    fn a_deep_link_opens_the_bot_with_the_token() {
        let link = deep_link("CompanionBot", TOKEN43);
        assert_eq!(link, format!("https://t.me/CompanionBot?start={TOKEN43}"));
        assert_eq!(
            deep_link(" @CompanionBot ", "abc"),
            "https://t.me/CompanionBot?start=abc"
        );
        // What Telegram sends back when the link is followed.
        let payload = link.split_once("?start=").unwrap().1;
        assert_eq!(
            command(&format!("/start {payload}")),
            Command::Start {
                payload: Some(TOKEN43.into())
            }
        );
        assert_eq!(
            deep_link("CompanionBot", "a&b=c"),
            "https://t.me/CompanionBot?start=a%26b%3Dc"
        );
    }

    #[test]
    fn start_payloads_follow_the_deep_link_alphabet_and_length() {
        assert!(valid_start_payload(TOKEN43));
        assert!(valid_start_payload(&"-".repeat(64)));
        assert!(!valid_start_payload(""));
        assert!(!valid_start_payload(&"a".repeat(65)));
        for bad in ["a b", "a+b", "a/b", "abc=", "é"] {
            assert!(!valid_start_payload(bad), "{bad:?}");
        }
    }

    // -- replies --------------------------------------------------------------------------------

    #[test]
    fn a_reply_is_a_sendmessage_in_the_webhook_answer() {
        assert_eq!(
            reply(1111111, texts::help()),
            json!({"method": "sendMessage", "chat_id": 1111111, "text": texts::help()})
        );
        let long = reply(1, &"x".repeat(5000));
        assert_eq!(
            long["text"].as_str().unwrap().chars().count(),
            MAX_TEXT_CHARS
        );
    }

    #[test]
    fn every_text_is_short_and_those_that_send_users_to_the_app_name_it() {
        let url = "https://companion.example.com";
        let with_url = [
            texts::start(url),
            texts::settings(url, None),
            texts::settings(url, Some(true)),
            texts::settings(url, Some(false)),
            texts::not_linked(url),
            texts::token_invalid(&format!(" {url} ")),
            LinkOutcome::TokenInvalid.reply(url),
        ];
        for text in &with_url {
            assert!(text.contains(url) && !text.contains("  "), "{text}");
        }
        let fixed = [
            texts::help(),
            texts::linked(),
            texts::already_linked(),
            texts::telegram_taken(),
            texts::paused(),
            texts::resumed(),
            texts::unknown_command(),
        ];
        for text in with_url.iter().map(String::as_str).chain(fixed) {
            assert!(!text.is_empty() && text.chars().count() < 400, "{text}");
        }
        assert!(texts::settings(url, Some(true)).contains("/resume"));
        assert!(texts::settings(url, Some(false)).contains("/pause"));
        for command in ["/settings", "/pause", "/resume", "/help"] {
            assert!(texts::help().contains(command), "{command}");
        }
    }

    #[test]
    fn link_outcomes_read_link_telegrams_result() {
        let url = "https://companion.example.com";
        for (text, outcome, reply) in [
            ("linked", LinkOutcome::Linked, texts::linked().to_owned()),
            (
                "already_linked",
                LinkOutcome::AlreadyLinked,
                texts::already_linked().to_owned(),
            ),
            (
                "token_invalid",
                LinkOutcome::TokenInvalid,
                texts::token_invalid(url),
            ),
            (
                "telegram_taken",
                LinkOutcome::TelegramTaken,
                texts::telegram_taken().to_owned(),
            ),
        ] {
            assert_eq!(LinkOutcome::parse(text), Some(outcome));
            assert_eq!(outcome.reply(url), reply);
        }
        assert_eq!(LinkOutcome::parse("Linked"), None);
    }

    // -- the check-in text ----------------------------------------------------------------------

    #[test]
    fn the_checkin_text_follows_the_support_style() {
        let texts: Vec<String> = SUPPORT_STYLES
            .iter()
            .map(|style| checkin_text(Some("Ada"), "Aria", style))
            .collect();
        for text in &texts {
            assert!(
                text.starts_with("Hi Ada") && text.contains("Aria"),
                "{text}"
            );
        }
        let mut distinct = texts.clone();
        distinct.dedup();
        assert_eq!(distinct.len(), 4);
        assert_eq!(
            checkin_text(Some("Ada"), "Aria", "motivational"),
            "Hi Ada! Aria here. Today is a fresh start: what's one thing you want to make happen? \
             I'm cheering for you."
        );
        assert_eq!(
            checkin_text(Some("Ada"), "Aria", "accountability"),
            "Hi Ada, Aria checking in. What's your plan for today, and what's the first step? \
             Tell me, and I'll ask how it went."
        );
    }

    #[test]
    fn an_unknown_style_is_friendly_and_blank_names_fall_back() {
        let friendly = checkin_text(None, "Aria", "friendly_checkin");
        assert_eq!(
            friendly,
            "Hi! Aria here. How are you doing today? I'd love to hear what's on your mind."
        );
        for style in ["", "coach", "Motivational"] {
            assert_eq!(checkin_text(None, "Aria", style), friendly, "{style:?}");
        }
        assert_eq!(checkin_text(Some("  "), "  ", "friendly_checkin"), friendly);
        assert_eq!(
            checkin_text(Some(" *Ada* "), " Max ", "listener"),
            "Hi *Ada*, it's Max. No agenda today: I'm here if you want to talk. How are you \
             feeling?"
        );
    }

    // -- sending --------------------------------------------------------------------------------

    #[test]
    fn the_send_body_is_chat_id_and_plain_text() {
        let body: Value =
            serde_json::from_str(&send_message_body(1111111, "Hi \"Ada\" <b>")).unwrap();
        assert_eq!(body, json!({"chat_id": 1111111, "text": "Hi \"Ada\" <b>"}));
    }

    #[test]
    fn a_long_text_is_cut_at_a_character_boundary_with_an_ellipsis() {
        let text = |body: String| -> String {
            serde_json::from_str::<Value>(&body).unwrap()["text"]
                .as_str()
                .unwrap()
                .to_owned()
        };
        let exact = "x".repeat(MAX_TEXT_CHARS);
        assert_eq!(text(send_message_body(1, &exact)), exact);
        let cut = text(send_message_body(1, &"x".repeat(MAX_TEXT_CHARS + 1)));
        assert_eq!(cut.chars().count(), MAX_TEXT_CHARS);
        assert_eq!(cut, format!("{}…", "x".repeat(MAX_TEXT_CHARS - 1)));
        // Two UTF-16 units each: 2047 of them and the ellipsis make 4095 units.
        let emoji = text(send_message_body(1, &"🚤".repeat(3000)));
        assert_eq!(emoji, format!("{}…", "🚤".repeat(2047)));
        assert!(emoji.encode_utf16().count() <= MAX_TEXT_CHARS);
        let fits = "🚤".repeat(2048);
        assert_eq!(text(send_message_body(1, &fits)), fits);
        assert_eq!(text(send_message_body(1, "")), "");
    }

    #[test]
    fn a_sent_message_has_its_message_id() {
        let body = r#"{"ok": true, "result": {"message_id": 4242, "from": {"id": 123456, "is_bot": true, "first_name": "Companion", "username": "CompanionBot"}, "chat": {"id": 1111111, "first_name": "Ada", "type": "private"}, "date": 1441646000, "text": "Hi"}}"#;
        assert_eq!(
            classify_send(200, body),
            SendOutcome::Sent { message_id: 4242 }
        );
    }

    #[test]
    fn a_2xx_without_a_readable_message_id_is_unknown() {
        for body in [
            "",
            "<html>",
            r#"{"ok": true}"#,
            r#"{"ok": true, "result": true}"#,
            r#"{"ok": true, "result": {"message_id": "4242"}}"#,
            r#"{"ok": false, "result": {"message_id": 4242}}"#,
            r#"{"result": {"message_id": 4242}}"#,
        ] {
            assert!(
                matches!(classify_send(200, body), SendOutcome::Unknown { .. }),
                "{body}"
            );
        }
    }

    #[test]
    fn forbidden_means_blocked() {
        for description in [
            "Forbidden: bot was blocked by the user",
            "Forbidden: user is deactivated",
        ] {
            let body =
                json!({"ok": false, "error_code": 403, "description": description}).to_string();
            assert_eq!(
                classify_send(403, &body),
                SendOutcome::Blocked {
                    description: description.into()
                }
            );
        }
        assert_eq!(
            classify_send(403, ""),
            SendOutcome::Blocked {
                description: "no body".into()
            }
        );
    }

    #[test]
    fn flood_control_waits_as_long_as_telegram_says() {
        let body = r#"{"ok": false, "error_code": 429, "description": "Too Many Requests: retry after 5", "parameters": {"retry_after": 5}}"#;
        assert_eq!(
            classify_send(429, body),
            SendOutcome::RetryAfter {
                seconds: 5,
                description: "Too Many Requests: retry after 5".into()
            }
        );
        let body = r#"{"ok": false, "error_code": 429, "description": "Too Many Requests: retry after 17"}"#;
        assert!(matches!(
            classify_send(429, body),
            SendOutcome::RetryAfter { seconds: 17, .. }
        ));
        let body = r#"{"ok": false, "error_code": 429, "description": "x", "parameters": {"retry_after": 99999999999}}"#;
        assert!(matches!(
            classify_send(429, body),
            SendOutcome::RetryAfter {
                seconds: u32::MAX,
                ..
            }
        ));
        assert!(matches!(
            classify_send(429, "Too Many Requests"),
            SendOutcome::RetryAfter {
                seconds: DEFAULT_RETRY_AFTER_SECONDS,
                ..
            }
        ));
    }

    #[test]
    fn a_bad_request_is_permanent() {
        let body =
            r#"{"ok": false, "error_code": 400, "description": "Bad Request: chat not found"}"#;
        assert_eq!(
            classify_send(400, body),
            SendOutcome::Permanent {
                code: 400,
                description: "Bad Request: chat not found".into()
            }
        );
        let body = r#"{"ok": false, "error_code": 400, "description": "Bad Request: group chat was upgraded to a supergroup chat", "parameters": {"migrate_to_chat_id": -1001234567890}}"#;
        let SendOutcome::Permanent { description, .. } = classify_send(400, body) else {
            panic!()
        };
        assert!(description.ends_with("(the group migrated to chat -1001234567890)"));
        assert!(matches!(
            classify_send(409, "Conflict"),
            SendOutcome::Permanent { code: 409, .. }
        ));
    }

    #[test]
    fn server_errors_and_our_configuration_are_temporary() {
        for (status, body) in [
            (
                500,
                r#"{"ok": false, "error_code": 500, "description": "Internal Server Error"}"#,
            ),
            (502, "<html><body>502 Bad Gateway</body></html>"),
            (503, ""),
        ] {
            let SendOutcome::Temporary { description } = classify_send(status, body) else {
                panic!("{status}")
            };
            assert!(description.contains(&status.to_string()), "{description}");
        }
        for (status, body) in [
            (
                401,
                r#"{"ok": false, "error_code": 401, "description": "Unauthorized"}"#,
            ),
            (
                404,
                r#"{"ok": false, "error_code": 404, "description": "Not Found"}"#,
            ),
        ] {
            let SendOutcome::Temporary { description } = classify_send(status, body) else {
                panic!("{status}")
            };
            assert!(description.contains("bot token"), "{description}");
        }
    }

    #[test]
    fn garbage_and_odd_statuses_are_classified_without_panicking() {
        for status in [0, 100, 302, 600] {
            assert!(
                matches!(
                    classify_send(status, "garbage"),
                    SendOutcome::Unknown { .. }
                ),
                "{status}"
            );
        }
        for body in [
            "garbage",
            "{",
            "[]",
            "null",
            r#"{"description": 5}"#,
            "\u{0}",
        ] {
            assert!(matches!(
                classify_send(400, body),
                SendOutcome::Permanent { code: 400, .. }
            ));
        }
    }

    #[test]
    fn quoted_answers_are_short_single_lines_without_tokens() {
        let page = format!(
            "<html>\n<p>POST /bot123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11/sendMessage failed</p>{}",
            "y".repeat(1000)
        );
        let SendOutcome::Temporary { description } = classify_send(502, &page) else {
            panic!()
        };
        assert!(!description.contains("ABC-DEF1234"), "{description}");
        assert!(description.contains("/bot***/sendMessage"), "{description}");
        assert!(!description.contains('\n') && description.ends_with('…'));
        let body = json!({"ok": false, "description": "é".repeat(400)}).to_string();
        let SendOutcome::Blocked { description } = classify_send(403, &body) else {
            panic!()
        };
        assert_eq!(description.chars().count(), MAX_QUOTED_CHARS + 1);
        // Times, ids and short pairs are not tokens.
        assert_eq!(
            redact_tokens("at 12:30:00, chat 1111111: not found"),
            "at 12:30:00, chat 1111111: not found"
        );
    }

    #[test]
    fn updates_no_telegram_would_send_are_refused_or_ignored_not_stored() {
        let text = |update_id: i64, from: i64, message_id: i64, text: &str| {
            serde_json::json!({"update_id": update_id, "message": {"message_id": message_id,
                "date": 1, "from": {"id": from, "is_bot": false}, "chat": {"id": from, "type": "private"},
                "text": text}})
            .to_string()
        };
        for update_id in [0, -7] {
            assert!(matches!(
                parse_update(text(update_id, 5, 1, "hi").as_bytes()),
                Err(TelegramError::NotAnUpdate)
            ));
        }
        let ignored = |body: String| {
            matches!(
                parse_update(body.as_bytes()).unwrap().kind,
                UpdateKind::Ignored { .. }
            )
        };
        assert!(ignored(text(1, -5551, 1, "/start abc")));
        assert!(ignored(text(1, 5, 2_147_483_648, "hi")));
        let UpdateKind::Text { text: stored, .. } =
            parse_update(text(1, 5, 1, "a\u{0}b").as_bytes())
                .unwrap()
                .kind
        else {
            panic!("a text")
        };
        assert_eq!(stored, "a\u{FFFD}b");
    }
}
