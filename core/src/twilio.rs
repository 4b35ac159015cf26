//! Twilio's webhook and REST contracts for yachtparty's SMS, as pure functions: the Worker does
//! the I/O, this module decides.
//!
//! **Webhooks in.** Twilio posts `application/x-www-form-urlencoded` bodies ([`parse_form`]) and
//! signs each request in `X-Twilio-Signature`: base64 of HMAC-SHA1, keyed by the account's auth
//! token, over the URL Twilio requested followed by every POST parameter, sorted by name, as
//! name and value with no separator ([`signature`], [`verify`]). The URL is the one Twilio was
//! configured with, query string included, so a Worker behind a custom domain rebuilds it from
//! its public base ([`signed_url`]). Twilio's own libraries accept the URL with and without its
//! port, since Twilio's signing is not consistent about it; so does [`verify`]. Webhook Rules'
//! HMAC-SHA256 signatures (`X-Twilio-Webhooks-Signature-Settings`) are not supported and are
//! refused explicitly ([`check_signature_settings`]) rather than checked the wrong way.
//!
//! Verified parameters become an inbound SMS ([`inbound_sms`], the arguments of
//! `yachtparty.receive_sms`) or a status callback ([`status_callback`], the arguments of
//! `yachtparty.record_sms_status`). Parameters the module does not read are ignored, never
//! refused: Twilio adds new ones without notice, and they are signed like the rest.
//!
//! **Messages out.** One `POST {api}/2010-04-01/Accounts/{AccountSid}/Messages.json` per message
//! ([`messages_url`], [`basic_auth`], [`send_form`]), whose status callback comes back to
//! [`status_callback_url`] with rowgate's message id in the query.
//!
//! Sending is **at most once**: a text sent twice is worse than one not sent, because a person
//! reads it. [`classify_send`] therefore sorts Twilio's answers by what they prove:
//!
//! | answer | outcome | why |
//! |---|---|---|
//! | 2xx with a message SID | [`SendOutcome::Accepted`] | Twilio has it |
//! | 2xx without a readable SID | [`SendOutcome::Unknown`] | Twilio may have it: never send again |
//! | 429 | [`SendOutcome::Temporary`] | rate limited before it was taken; `Retry-After` kept |
//! | 5xx | [`SendOutcome::Temporary`] | no SID came back: left for a later run |
//! | 401, 403 | [`SendOutcome::Temporary`] | our credentials are wrong, not the message |
//! | other 4xx | [`SendOutcome::Permanent`] | Twilio refused this message (21211 invalid `To`, 21610 unsubscribed, 21614 not a mobile, 21408 region not enabled, ...) |
//! | anything else | [`SendOutcome::Unknown`] | |
//!
//! A request that timed out or lost its connection has no answer to classify: Twilio may have
//! taken it, so its outcome is unknown too, and the Worker fails the message rather than send it
//! again. That decision belongs to the Worker; this module only documents the classification.

use std::borrow::Cow;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde::Serialize;
use serde_json::{json, Value};
use sha1::Sha1;
use sha2::{Digest, Sha256};
use thiserror::Error;

use crate::error::{code, FieldError, ValidationErrors};
use crate::secret::{constant_time_eq, Secret};
use crate::shape::HttpUrl;

type HmacSha1 = Hmac<Sha1>;

/// The header of Twilio's request signature.
pub const SIGNATURE_HEADER: &str = "X-Twilio-Signature";
/// The header of Webhook Rules' signature settings (HMAC-SHA256 with a shared key): not
/// supported, see [`check_signature_settings`].
pub const SIGNATURE_SETTINGS_HEADER: &str = "X-Twilio-Webhooks-Signature-Settings";
/// The longest SMS body Twilio delivers, in characters (10 segments of a concatenated SMS).
pub const MAX_BODY_CHARS: usize = 1600;
/// Twilio's limit on the media of one MMS.
pub const MAX_MEDIA: u32 = 10;
/// The longest `To` accepted, in characters: an E.164 number or a short code, with room to spare.
pub const MAX_TO_CHARS: usize = 64;
/// The path of the status callbacks, under the Worker's public base.
pub const STATUS_CALLBACK_PATH: &str = "/webhooks/yachtparty/twilio/status";
/// The longest piece of Twilio's answer quoted in a [`SendOutcome`] message, in characters.
pub const MAX_QUOTED_CHARS: usize = 300;

/// Why a webhook request was refused. No variant carries data, so neither the auth token nor
/// anything derived from it can reach a message or a log.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TwilioError {
    #[error("Missing the X-Twilio-Signature header.")]
    MissingSignature,
    #[error("The X-Twilio-Signature does not match this request.")]
    BadSignature,
    /// A configuration fault, for the operator rather than the sender.
    #[error("The Twilio auth token is not configured.")]
    MissingAuthToken,
    #[error(
        "Twilio Webhook Rules signatures (X-Twilio-Webhooks-Signature-Settings, HMAC-SHA256 with a \
         shared key) are not supported: configure this webhook without them, so that Twilio signs \
         it with the account's auth token (X-Twilio-Signature)."
    )]
    UnsupportedSignatureSettings,
    #[error("The body does not match the bodySHA256 of the signed URL.")]
    BodyHashMismatch,
}

// ------------------------------------------------------------------------------------------------
// form bodies and signatures
// ------------------------------------------------------------------------------------------------

/// The name/value pairs of an `application/x-www-form-urlencoded` body, decoded (`+` is a
/// space), in order, repeated names kept: the signature covers every pair as sent. Bytes that
/// are not UTF-8 become U+FFFD, so such a body fails its signature rather than being read.
pub fn parse_form(body: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(body).into_owned().collect()
}

/// HMAC-SHA1 of the signed text: the URL, then each distinct (name, value) pair sorted by name
/// and then value, in byte order, written name then value. Identical pairs count once, as in
/// twilio-python's `RequestValidator.compute_signature` (`sorted(set(values))`).
fn mac(key: &[u8], url: &str, params: &[(String, String)]) -> [u8; 20] {
    let mut pairs: Vec<(&str, &str)> = params
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    pairs.sort_unstable();
    pairs.dedup();
    let mut m = HmacSha1::new_from_slice(key).expect("HMAC takes keys of any length");
    m.update(url.as_bytes());
    for (name, value) in pairs {
        m.update(name.as_bytes());
        m.update(value.as_bytes());
    }
    m.finalize().into_bytes().into()
}

/// The `X-Twilio-Signature` Twilio sends for a request to `url` with these POST parameters:
/// standard padded base64 of the HMAC-SHA1 described in the module documentation. For a GET,
/// or a JSON body (whose hash is in the URL, see [`verify_body_sha256`]), `params` is empty.
///
/// ```
/// use rowgate_core::twilio::signature;
/// let p = |n: &str, v: &str| (n.to_string(), v.to_string());
/// let params = [p("CallSid", "CA1234567890ABCDE"), p("Caller", "+12349013030"), p("Digits", "1234"),
///               p("From", "+12349013030"), p("To", "+18005551212")];
/// assert_eq!(signature("12345", "https://mycompany.com/myapp.php?foo=1&bar=2", &params),
///            "0/KCTR6DLpKmkAf8muzZqo1nDgQ=");
/// ```
pub fn signature(auth_token: &str, url: &str, params: &[(String, String)]) -> String {
    STANDARD.encode(mac(auth_token.as_bytes(), url, params))
}

/// Where the authority (`user@host:port`) of an absolute URL starts and ends, if it has one.
fn authority(url: &str) -> Option<(usize, usize)> {
    let start = url.find("://")? + 3;
    let end = url[start..]
        .find(['/', '?', '#'])
        .map_or(url.len(), |i| start + i);
    Some((start, end))
}

/// Where the `:port` of an absolute URL starts and ends, if it has one.
fn port_span(url: &str) -> Option<(usize, usize)> {
    let (start, end) = authority(url)?;
    let host_port = &url[start..end];
    let host_start = host_port.rfind('@').map_or(0, |i| i + 1);
    let colon = host_port[host_start..].rfind(':')? + host_start;
    let digits = &host_port[colon + 1..];
    // After the last `]` only: the colons of an IPv6 literal are not a port.
    if digits.contains(']') || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((start + colon, end))
}

/// The other URL Twilio may have signed, as its libraries try it (twilio-python's
/// `RequestValidator.validate`, twilio-node's `validateRequest`): without its port if it has
/// one, else with the scheme's default port (https 443, http 80).
fn port_twin(url: &str) -> Option<String> {
    if let Some((from, to)) = port_span(url) {
        return Some(format!("{}{}", &url[..from], &url[to..]));
    }
    let (_, end) = authority(url)?;
    let scheme = &url[..url.find("://")?];
    let port = if scheme.eq_ignore_ascii_case("https") {
        "443"
    } else if scheme.eq_ignore_ascii_case("http") {
        "80"
    } else {
        return None;
    };
    Some(format!("{}:{port}{}", &url[..end], &url[end..]))
}

/// Checks a request's `X-Twilio-Signature` against `url` (see [`signed_url`]) and its POST
/// parameters, for the URL as given and for its twin with the port removed or the default port
/// added. The presented signature is decoded and compared with each candidate in constant time;
/// a blank header counts as missing. An empty auth token verifies nothing: anyone can compute
/// an HMAC with an empty key.
pub fn verify(
    auth_token: &Secret,
    url: &str,
    params: &[(String, String)],
    header: Option<&str>,
) -> Result<(), TwilioError> {
    let header = header
        .map(str::trim)
        .filter(|h| !h.is_empty())
        .ok_or(TwilioError::MissingSignature)?;
    if auth_token.is_empty() {
        return Err(TwilioError::MissingAuthToken);
    }
    let Ok(presented) = STANDARD.decode(header) else {
        return Err(TwilioError::BadSignature);
    };
    let key = auth_token.expose().as_bytes();
    let mut matched = constant_time_eq(&mac(key, url, params), &presented);
    if let Some(twin) = port_twin(url) {
        // `|`: both candidates are always compared.
        matched |= constant_time_eq(&mac(key, &twin, params), &presented);
    }
    if matched {
        Ok(())
    } else {
        Err(TwilioError::BadSignature)
    }
}

/// For a request whose body is not a form (Twilio's JSON webhooks): the body must hash, as
/// lower-case hex SHA-256, to the `bodySHA256` query parameter of the signed URL, which
/// [`verify`] then checks with no parameters. SMS webhooks are forms and never need it.
pub fn verify_body_sha256(url: &str, body: &[u8]) -> Result<(), TwilioError> {
    let query = url.split_once('?').map_or("", |(_, q)| q);
    let query = query.split('#').next().unwrap_or("");
    let presented = form_urlencoded::parse(query.as_bytes())
        .find(|(name, _)| name == "bodySHA256")
        .map(|(_, value)| value.to_ascii_lowercase())
        .ok_or(TwilioError::BodyHashMismatch)?;
    let digest = Sha256::digest(body);
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    if constant_time_eq(hex.as_bytes(), presented.as_bytes()) {
        Ok(())
    } else {
        Err(TwilioError::BodyHashMismatch)
    }
}

/// Refuses a request that carries `X-Twilio-Webhooks-Signature-Settings`: it asks for Webhook
/// Rules' HMAC-SHA256 signature, which rowgate does not check, and accepting the request on the
/// strength of the other header would be a guess.
pub fn check_signature_settings(header: Option<&str>) -> Result<(), TwilioError> {
    match header {
        Some(_) => Err(TwilioError::UnsupportedSignatureSettings),
        None => Ok(()),
    }
}

/// The URL Twilio signed. Without a public base, the request's URL as received. With one (the
/// Worker behind a custom domain: `https://sms.example.com`, a trailing `/` or path ignored), the
/// base's scheme, host and port followed by the request's path and query, the query kept byte
/// for byte: Twilio signs it as it sent it, and re-encoding could change it.
///
/// ```
/// use rowgate_core::twilio::signed_url;
/// let received = "https://rowgate.workers.dev/webhooks/yachtparty/twilio/sms?a=%2B1&b";
/// assert_eq!(signed_url(None, received), received);
/// assert_eq!(signed_url(Some("https://sms.example.com/"), received),
///            "https://sms.example.com/webhooks/yachtparty/twilio/sms?a=%2B1&b");
/// ```
pub fn signed_url(public_base: Option<&str>, request_url: &str) -> String {
    let Some(base) = public_base.map(str::trim).filter(|b| !b.is_empty()) else {
        return request_url.to_owned();
    };
    let origin = match authority(base) {
        Some((_, end)) => &base[..end],
        None => base.trim_end_matches('/'),
    };
    let path_and_query = match authority(request_url) {
        Some((_, end)) => &request_url[end..],
        None => request_url,
    };
    format!("{origin}{path_and_query}")
}

// ------------------------------------------------------------------------------------------------
// parameters
// ------------------------------------------------------------------------------------------------

/// The first value of a parameter (Twilio sends each once).
fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

/// A parameter that must be present and not empty; its absence is pushed as `required`.
fn required<'a>(
    params: &'a [(String, String)],
    name: &'static str,
    errors: &mut ValidationErrors,
) -> Option<&'a str> {
    match param(params, name) {
        Some(v) if !v.is_empty() => Some(v),
        _ => {
            errors.push(FieldError::new(
                name,
                code::REQUIRED,
                format!("{name} is required"),
            ));
            None
        }
    }
}

/// `^(SM|MM)[0-9a-fA-F]{32}$`, the database's `rowgate.twilio_message_sid`. Checked as sent,
/// not trimmed as [`crate::shape::TwilioMessageSid`] does for JSON input: Twilio's value is
/// exact, and a padded one would not be Twilio's.
fn is_message_sid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 34 && matches!(&b[..2], b"SM" | b"MM") && b[2..].iter().all(u8::is_ascii_hexdigit)
}

/// `^AC[0-9a-fA-F]{32}$`.
fn is_account_sid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 34 && b.starts_with(b"AC") && b[2..].iter().all(u8::is_ascii_hexdigit)
}

/// `^\+[1-9][0-9]{6,14}$`, the database's `rowgate.e164_phone`. Exact, not normalised as
/// [`crate::shape::Phone`] does for numbers people type: users are keyed by this number, and
/// Twilio always writes it in E.164.
fn is_e164(s: &str) -> bool {
    match s.as_bytes() {
        [b'+', b'1'..=b'9', rest @ ..] => {
            (6..=14).contains(&rest.len()) && rest.iter().all(u8::is_ascii_digit)
        }
        _ => false,
    }
}

fn check_message_sid(params: &[(String, String)], errors: &mut ValidationErrors) -> Option<String> {
    let sid = required(params, "MessageSid", errors)?;
    if is_message_sid(sid) {
        Some(sid.to_owned())
    } else {
        errors.push(FieldError::new(
            "MessageSid",
            code::FORMAT,
            "MessageSid must be a Twilio message SID: SM or MM and 32 hexadecimal digits",
        ));
        None
    }
}

fn check_account_sid(params: &[(String, String)], errors: &mut ValidationErrors) -> Option<String> {
    let sid = required(params, "AccountSid", errors)?;
    if is_account_sid(sid) {
        Some(sid.to_owned())
    } else {
        errors.push(FieldError::new(
            "AccountSid",
            code::FORMAT,
            "AccountSid must be a Twilio account SID: AC and 32 hexadecimal digits",
        ));
        None
    }
}

// ------------------------------------------------------------------------------------------------
// inbound SMS
// ------------------------------------------------------------------------------------------------

/// One media item of an MMS (`MediaUrl{N}`, `MediaContentType{N}`). Serialises as
/// `{"url", "content_type"}`, the items of `receive_sms`'s `p_media`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Media {
    pub url: String,
    pub content_type: Option<String>,
}

/// An SMS or MMS Twilio received for us (its Messaging webhook), validated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InboundSms {
    pub message_sid: String,
    pub account_sid: String,
    /// The sender, E.164: the user's key.
    pub from: String,
    /// Our number (E.164) or short code.
    pub to: String,
    /// Exactly as sent: not trimmed, `""` for an MMS without text.
    pub body: String,
    pub num_media: u32,
    /// `num_media` items, in order.
    pub media: Vec<Media>,
}

/// Reads the parameters of Twilio's Messaging webhook (after [`verify`]), reporting every
/// problem at once, each on Twilio's parameter name (`MessageSid`, `From`, `MediaUrl0`, ...).
/// Parameters it does not read (`SmsSid`, `MessagingServiceSid`, `NumSegments`, `FromCity`,
/// `ApiVersion`, whatever Twilio adds later) are ignored.
///
/// A `From` that is not an E.164 number (a WhatsApp address `whatsapp:+1...`, a short code, an
/// alphanumeric sender) is refused: users are keyed by their phone number.
pub fn inbound_sms(params: &[(String, String)]) -> Result<InboundSms, ValidationErrors> {
    let mut errors = ValidationErrors::new();
    let message_sid = check_message_sid(params, &mut errors);
    let account_sid = check_account_sid(params, &mut errors);

    let from = required(params, "From", &mut errors).and_then(|from| {
        if is_e164(from) {
            return Some(from.to_owned());
        }
        // Bytes, not a str slice: byte 9 may fall inside a character (`+1415555é`).
        let whatsapp = from
            .as_bytes()
            .get(..9)
            .is_some_and(|p| p.eq_ignore_ascii_case(b"whatsapp:"));
        let message = if whatsapp {
            "From is a WhatsApp address: only SMS from a phone number in E.164 (like +14155552671) \
             is accepted"
        } else {
            "From must be a phone number in E.164 (like +14155552671): short codes and other \
             senders are not accepted"
        };
        errors.push(FieldError::new("From", code::FORMAT, message));
        None
    });

    let to = required(params, "To", &mut errors).and_then(|to| {
        if to.chars().count() > MAX_TO_CHARS {
            errors.push(FieldError::new(
                "To",
                code::LENGTH,
                format!("To must be at most {MAX_TO_CHARS} characters long"),
            ));
            None
        } else if to.contains('\0') {
            errors.push(FieldError::new(
                "To",
                code::FORMAT,
                "To must not contain a NUL character",
            ));
            None
        } else {
            Some(to.to_owned())
        }
    });

    let body = param(params, "Body").unwrap_or("");
    if body.chars().count() > MAX_BODY_CHARS {
        errors.push(FieldError::new(
            "Body",
            code::LENGTH,
            format!("Body must be at most {MAX_BODY_CHARS} characters long"),
        ));
    } else if body.contains('\0') {
        // PostgreSQL's text cannot hold it.
        errors.push(FieldError::new(
            "Body",
            code::FORMAT,
            "Body must not contain a NUL character",
        ));
    }

    let num_media = match param(params, "NumMedia").filter(|n| !n.is_empty()) {
        None => Some(0),
        // Digits only: Rust's integer parsing would take a sign.
        Some(n) if !n.bytes().all(|b| b.is_ascii_digit()) => {
            errors.push(FieldError::new(
                "NumMedia",
                code::FORMAT,
                "NumMedia must be a whole number",
            ));
            None
        }
        Some(n) => match n.parse::<u32>() {
            Ok(n) if n <= MAX_MEDIA => Some(n),
            _ => {
                errors.push(FieldError::new(
                    "NumMedia",
                    code::RANGE,
                    format!("NumMedia must be between 0 and {MAX_MEDIA}"),
                ));
                None
            }
        },
    };

    let mut media = Vec::new();
    for i in 0..num_media.unwrap_or(0) {
        let url_name = format!("MediaUrl{i}");
        let url = match param(params, &url_name).filter(|u| !u.is_empty()) {
            None => {
                errors.push(FieldError::new(
                    url_name.clone(),
                    code::REQUIRED,
                    format!("{url_name} is required when NumMedia is more than {i}"),
                ));
                continue;
            }
            Some(u) => match HttpUrl::parse(u) {
                Ok(u) => u.into_string(),
                Err(_) => {
                    errors.push(FieldError::new(
                        url_name.clone(),
                        code::FORMAT,
                        format!("{url_name} must be an http:// or https:// URL"),
                    ));
                    continue;
                }
            },
        };
        let type_name = format!("MediaContentType{i}");
        let content_type = param(params, &type_name)
            .filter(|t| !t.is_empty())
            .map(String::from);
        // A MIME type is printable ASCII; a control character (NUL above all, which no
        // PostgreSQL text or jsonb can hold) is no content type.
        if content_type
            .as_deref()
            .is_some_and(|t| t.len() > 255 || !t.bytes().all(|b| (0x20..0x7f).contains(&b)))
        {
            errors.push(FieldError::new(
                type_name.clone(),
                code::FORMAT,
                format!(
                    "{type_name} must be a MIME type (printable ASCII, at most 255 characters)"
                ),
            ));
            continue;
        }
        media.push(Media { url, content_type });
    }

    match (message_sid, account_sid, from, to, num_media) {
        (Some(message_sid), Some(account_sid), Some(from), Some(to), Some(num_media))
            if errors.is_empty() =>
        {
            Ok(InboundSms {
                message_sid,
                account_sid,
                from,
                to,
                body: body.to_owned(),
                num_media,
                media,
            })
        }
        _ => Err(errors),
    }
}

impl InboundSms {
    /// The JSON arguments of `yachtparty.receive_sms(p_message_sid, p_account_sid, p_from, p_to,
    /// p_body, p_num_media, p_media, p_received_at)`, all eight: `p_media` the array of
    /// `{"url", "content_type"}`, `p_received_at` (an RFC 3339 instant, when Twilio's request
    /// came) null for the database's `now()`.
    pub fn rpc_params(&self, received_at: Option<&str>) -> Value {
        json!({
            "p_message_sid": self.message_sid,
            "p_account_sid": self.account_sid,
            "p_from": self.from,
            "p_to": self.to,
            "p_body": self.body,
            "p_num_media": self.num_media,
            "p_media": self.media,
            "p_received_at": received_at,
        })
    }
}

// ------------------------------------------------------------------------------------------------
// status callbacks
// ------------------------------------------------------------------------------------------------

macro_rules! statuses {
    ($($variant:ident => $text:literal),* $(,)?) => {
        /// The status of a message, as Twilio's status callbacks report it: the statuses it
        /// documents for messages (those `yachtparty.sms_status_rank` ranks).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
        #[serde(rename_all = "snake_case")]
        pub enum MessageStatus {
            $($variant),*
        }

        impl MessageStatus {
            /// Every status, in Twilio's spelling.
            pub const ALL: &'static [&'static str] = &[$($text),*];

            /// Twilio's spelling.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(MessageStatus::$variant => $text),*
                }
            }

            /// The status Twilio calls `text` (exactly: Twilio writes them in lower case).
            pub fn parse(text: &str) -> Option<MessageStatus> {
                match text {
                    $($text => Some(MessageStatus::$variant),)*
                    _ => None,
                }
            }
        }
    };
}

statuses! {
    Accepted => "accepted",
    Scheduled => "scheduled",
    Canceled => "canceled",
    Queued => "queued",
    Sending => "sending",
    Sent => "sent",
    Failed => "failed",
    Delivered => "delivered",
    Undelivered => "undelivered",
    Receiving => "receiving",
    Received => "received",
    Read => "read",
    PartiallyDelivered => "partially_delivered",
}

/// A status callback of an outbound message, validated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatusCallback {
    pub message_sid: String,
    pub account_sid: String,
    pub status: MessageStatus,
    /// Twilio's error code (digits), on `failed` and `undelivered`.
    pub error_code: Option<String>,
}

/// Reads a status callback's parameters (after [`verify`]), every problem at once. A
/// `MessageStatus` Twilio may add later is an [`code::ENUM`] error on `MessageStatus` listing the
/// known ones, so the Worker can tell it apart (and acknowledge it, rather than have Twilio
/// retry a callback it will never understand).
pub fn status_callback(params: &[(String, String)]) -> Result<StatusCallback, ValidationErrors> {
    let mut errors = ValidationErrors::new();
    let message_sid = check_message_sid(params, &mut errors);
    let account_sid = check_account_sid(params, &mut errors);
    let status = required(params, "MessageStatus", &mut errors).and_then(|s| {
        let status = MessageStatus::parse(s);
        if status.is_none() {
            let mut e = FieldError::new(
                "MessageStatus",
                code::ENUM,
                "MessageStatus is not one of Twilio's known message statuses",
            );
            e.allowed = MessageStatus::ALL.to_vec();
            errors.push(e);
        }
        status
    });
    let error_code = match param(params, "ErrorCode").filter(|c| !c.is_empty()) {
        None => None,
        Some(c) if c.len() <= 10 && c.bytes().all(|b| b.is_ascii_digit()) => Some(c.to_owned()),
        Some(_) => {
            errors.push(FieldError::new(
                "ErrorCode",
                code::FORMAT,
                "ErrorCode must be Twilio's numeric error code",
            ));
            None
        }
    };
    match (message_sid, account_sid, status) {
        (Some(message_sid), Some(account_sid), Some(status)) if errors.is_empty() => {
            Ok(StatusCallback {
                message_sid,
                account_sid,
                status,
                error_code,
            })
        }
        _ => Err(errors),
    }
}

/// The JSON arguments of `yachtparty.record_sms_status(p_message_id, p_message_sid, p_status,
/// p_error_code)`: the message id from the callback URL ([`message_id_from_query`]; null to find
/// the message by its SID). `p_now` is left to its default, the database's `now()`.
pub fn status_params(message_id: Option<&str>, cb: &StatusCallback) -> Value {
    json!({
        "p_message_id": message_id,
        "p_message_sid": cb.message_sid,
        "p_status": cb.status.as_str(),
        "p_error_code": cb.error_code,
    })
}

/// The `message_id` of a status callback's query (the pairs of [`parse_form`] over the query
/// string), which [`status_callback_url`] put there: `None` when absent, a UUID in its
/// lower-case hyphenated form when present, an error on `message_id` when it is not a UUID or
/// appears twice with different values.
pub fn message_id_from_query(pairs: &[(String, String)]) -> Result<Option<String>, FieldError> {
    let mut values = pairs
        .iter()
        .filter(|(n, _)| n == "message_id")
        .map(|(_, v)| v);
    let Some(first) = values.next() else {
        return Ok(None);
    };
    if values.any(|v| v != first) {
        return Err(FieldError::new(
            "message_id",
            code::DUPLICATE_FIELD,
            "message_id appears more than once",
        ));
    }
    match uuid::Uuid::try_parse(first) {
        Ok(id) => Ok(Some(id.hyphenated().to_string())),
        Err(_) => Err(FieldError::new(
            "message_id",
            code::FORMAT,
            "message_id must be a UUID",
        )),
    }
}

// ------------------------------------------------------------------------------------------------
// sending
// ------------------------------------------------------------------------------------------------

/// The Messages resource of an account: `{api_base}/2010-04-01/Accounts/{account_sid}/Messages.json`
/// (`api_base` normally `https://api.twilio.com`; a trailing `/` is tolerated).
pub fn messages_url(api_base: &str, account_sid: &str) -> String {
    format!(
        "{}/2010-04-01/Accounts/{account_sid}/Messages.json",
        api_base.trim_end_matches('/')
    )
}

/// An `Authorization` header value, `Basic base64(username:password)`: the account SID and auth
/// token, or an API key's SID and secret. It holds the credential: never log it.
pub fn basic_auth(username: &str, password: &Secret) -> String {
    let credentials = format!("{username}:{}", password.expose());
    format!("Basic {}", STANDARD.encode(credentials))
}

/// Who a message is sent from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sender {
    /// One of the account's numbers (E.164), `From`.
    From(String),
    /// A Messaging Service (`MG...`), which picks the number: `MessagingServiceSid`.
    MessagingService(String),
}

/// The form body of a send: `To`, `From` or `MessagingServiceSid`, `Body`, and `StatusCallback`
/// when given, form-urlencoded (a space as `+`, a `+` as `%2B`).
pub fn send_form(to: &str, sender: &Sender, body: &str, status_callback: Option<&str>) -> String {
    let mut form = form_urlencoded::Serializer::new(String::new());
    form.append_pair("To", to);
    match sender {
        Sender::From(number) => form.append_pair("From", number),
        Sender::MessagingService(sid) => form.append_pair("MessagingServiceSid", sid),
    };
    form.append_pair("Body", body);
    if let Some(url) = status_callback {
        form.append_pair("StatusCallback", url);
    }
    form.finish()
}

/// Where Twilio reports a message's status: `{public_base}/webhooks/yachtparty/twilio/status?message_id={id}`,
/// without a double slash whatever the base ends with. The Worker verifies the callback against
/// this same URL ([`signed_url`]).
pub fn status_callback_url(public_base: &str, message_id: &str) -> String {
    let id: String = form_urlencoded::byte_serialize(message_id.as_bytes()).collect();
    format!(
        "{}{STATUS_CALLBACK_PATH}?message_id={id}",
        public_base.trim_end_matches('/')
    )
}

/// What an answer of the Messages API means for the message, at most once (see the module
/// documentation). Messages quote at most [`MAX_QUOTED_CHARS`] characters of Twilio's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendOutcome {
    /// Twilio took the message: its SID, and the status it reported (`queued`, `accepted`, ...).
    Accepted { sid: String, status: Option<String> },
    /// Twilio refused this message and will refuse it again: fail it.
    Permanent { code: Option<u32>, message: String },
    /// Twilio did not take it, for a reason that may pass: try again in a later run, no sooner
    /// than `retry_after_seconds` when Twilio said so.
    Temporary {
        code: Option<u32>,
        message: String,
        retry_after_seconds: Option<u32>,
    },
    /// Twilio may have taken it: never send it again.
    Unknown { message: String },
}

/// Twilio's JSON error body, `{"code", "message", "more_info", "status"}`, as far as readable.
fn twilio_error(body: &str) -> Option<(Option<u32>, Option<String>)> {
    let v: Value = serde_json::from_str(body).ok()?;
    let obj = v.as_object()?;
    let code = obj
        .get("code")
        .and_then(Value::as_u64)
        .and_then(|c| u32::try_from(c).ok());
    let message = obj
        .get("message")
        .and_then(Value::as_str)
        .filter(|m| !m.trim().is_empty())
        .map(quote);
    Some((code, message))
}

/// At most [`MAX_QUOTED_CHARS`] characters of `text`, control characters as spaces, `…` where
/// cut: an answer quoted in a log line or a stored error stays one short line.
fn quote(text: &str) -> String {
    let text = text.trim();
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

/// `Retry-After` in whole seconds; an HTTP date is not read (the next run comes anyway).
fn retry_after(header: Option<&str>) -> Option<u32> {
    let h = header?.trim();
    if h.is_empty() || !h.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(h.parse().unwrap_or(u32::MAX))
}

/// Classifies the answer to a send: the HTTP status, the body as text and the `Retry-After`
/// header. See the table of the module documentation.
///
/// ```
/// use rowgate_core::twilio::{classify_send, SendOutcome};
/// let body = r#"{"code": 21211, "message": "The 'To' number is not a valid phone number.", "status": 400}"#;
/// assert_eq!(classify_send(400, body, None), SendOutcome::Permanent {
///     code: Some(21211), message: "The 'To' number is not a valid phone number.".into() });
/// ```
pub fn classify_send(status: u16, body: &str, retry_after_header: Option<&str>) -> SendOutcome {
    let error = twilio_error(body);
    let code = error.as_ref().and_then(|(c, _)| *c);
    // Twilio's message, or else what came back.
    let said = || -> Cow<'static, str> {
        match error.as_ref().and_then(|(_, m)| m.clone()) {
            Some(m) => m.into(),
            None if body.trim().is_empty() => "no body".into(),
            None => quote(body).into(),
        }
    };
    match status {
        200..=299 => {
            let v: Option<Value> = serde_json::from_str(body).ok();
            let sid = v
                .as_ref()
                .and_then(|v| v.get("sid"))
                .and_then(Value::as_str)
                .filter(|s| is_message_sid(s));
            match sid {
                Some(sid) => SendOutcome::Accepted {
                    sid: sid.to_owned(),
                    status: v
                        .as_ref()
                        .and_then(|v| v.get("status"))
                        .and_then(Value::as_str)
                        .map(String::from),
                },
                None => SendOutcome::Unknown {
                    message: format!(
                        "Twilio answered {status} without a readable message SID: it may have \
                         accepted the message, which is not sent again"
                    ),
                },
            }
        }
        429 => SendOutcome::Temporary {
            code,
            message: format!("Twilio is rate limiting (429): {}", said()),
            retry_after_seconds: retry_after(retry_after_header),
        },
        401 | 403 => SendOutcome::Temporary {
            code,
            message: format!(
                "Twilio refused our credentials ({status}): check the account SID and auth token; \
                 the message is not at fault ({})",
                said()
            ),
            retry_after_seconds: None,
        },
        400..=499 => SendOutcome::Permanent {
            code,
            message: match error.as_ref().and_then(|(_, m)| m.clone()) {
                Some(m) => m,
                None => format!("Twilio refused the message ({status}): {}", said()),
            },
        },
        500..=599 => SendOutcome::Temporary {
            code,
            message: format!(
                "Twilio failed ({status}) without accepting the message: {}",
                said()
            ),
            retry_after_seconds: retry_after(retry_after_header),
        },
        _ => SendOutcome::Unknown {
            message: format!(
                "Twilio answered {status}, which says nothing of the message: it is not sent again"
            ),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(name: &str, value: &str) -> (String, String) {
        (name.to_owned(), value.to_owned())
    }

    // -- the published vectors ------------------------------------------------------------------

    // twilio/twilio-python, tests/unit/test_request_validator.py (`ValidationTest.setUp` and its
    // tests): token, URL, parameters and every expected signature below are copied from it.
    const TOKEN: &str = "12345";
    const URL: &str = "https://mycompany.com/myapp.php?foo=1&bar=2";
    const EXPECTED: &str = "RSOYDt4T1cUTdK1PDd93/VVr8B8=";
    const EXPECTED_WITH_443: &str = "kvajT1Ptam85bY51eRf/AJRuM3w=";
    const EXPECTED_HTTP_WITH_80: &str = "0ZXoZLH/DfblKGATFgpif+LLRf4=";
    const EXPECTED_HTTP_WITH_1234: &str = "Zmvh+3yNM1Phv2jhDCwEM3q5ebU=";
    const DUPLICATE_EXPECTED: &str = "IK+Dwps556ElfBT0I3Rgjkr1wJU=";
    const BODY: &str = "{\"property\": \"value\", \"boolean\": true}";
    const BODY_HASH: &str = "0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620";
    const EXPECTED_WITH_BODY: &str = "a9nBmqA0ju/hNViExpshrM61xv4=";

    fn params() -> Vec<(String, String)> {
        vec![
            p("CallSid", "CA1234567890ABCDE"),
            p("Digits", "1234"),
            p("From", "+14158675309"),
            p("To", "+18005551212"),
            p("Caller", "+14158675309"),
        ]
    }

    fn token() -> Secret {
        Secret::new(TOKEN)
    }

    #[test]
    fn twilio_pythons_vector_signs_as_published() {
        assert_eq!(signature(TOKEN, URL, &params()), EXPECTED);
        assert_eq!(verify(&token(), URL, &params(), Some(EXPECTED)), Ok(()));
    }

    // The worked example of Twilio's "Secure your webhooks" page
    // (https://www.twilio.com/docs/usage/security), the same URL and token.
    #[test]
    fn the_documentations_example_signs_as_published() {
        let params = [
            p("CallSid", "CA1234567890ABCDE"),
            p("Caller", "+12349013030"),
            p("Digits", "1234"),
            p("From", "+12349013030"),
            p("To", "+18005551212"),
        ];
        assert_eq!(
            signature(TOKEN, URL, &params),
            "0/KCTR6DLpKmkAf8muzZqo1nDgQ="
        );
    }

    #[test]
    fn repeated_names_sign_each_value_sorted_as_published() {
        // test_compute_signature_duplicate_multi_dict / _query_dict.
        let params = parse_form(b"Sid=CA123&SidAccount=AC123&Digits=5678&Digits=1234");
        assert_eq!(signature(TOKEN, URL, &params), DUPLICATE_EXPECTED);
        assert_eq!(
            verify(&token(), URL, &params, Some(DUPLICATE_EXPECTED)),
            Ok(())
        );
        let one_value = [
            p("Sid", "CA123"),
            p("SidAccount", "AC123"),
            p("Digits", "1234"),
        ];
        assert_ne!(signature(TOKEN, URL, &one_value), DUPLICATE_EXPECTED);
    }

    #[test]
    fn the_order_parameters_arrive_in_does_not_matter() {
        let mut reversed = params();
        reversed.reverse();
        assert_eq!(signature(TOKEN, URL, &reversed), EXPECTED);
    }

    #[test]
    fn a_port_is_removed_as_published() {
        // test_validation_removes_port_on_https: Twilio signed the URL without the port.
        let with_port = URL.replace(".com", ".com:1234");
        assert_eq!(
            verify(&token(), &with_port, &params(), Some(EXPECTED)),
            Ok(())
        );
        // test_validation_removes_port_on_http: the http URL as received, port and all.
        let http = with_port.replace("https", "http");
        assert_eq!(
            verify(&token(), &http, &params(), Some(EXPECTED_HTTP_WITH_1234)),
            Ok(())
        );
    }

    #[test]
    fn the_default_port_is_added_as_published() {
        // test_validation_adds_port_on_https and _on_http.
        assert_eq!(
            verify(&token(), URL, &params(), Some(EXPECTED_WITH_443)),
            Ok(())
        );
        let http = URL.replace("https", "http");
        assert_eq!(
            verify(&token(), &http, &params(), Some(EXPECTED_HTTP_WITH_80)),
            Ok(())
        );
        // The https URL with :443 received verifies Twilio's signature of the URL without it.
        let with_443 = URL.replace(".com", ".com:443");
        assert_eq!(
            verify(&token(), &with_443, &params(), Some(EXPECTED)),
            Ok(())
        );
        // But another scheme's default port is no twin.
        assert_eq!(
            verify(&token(), URL, &params(), Some(EXPECTED_HTTP_WITH_80)),
            Err(TwilioError::BadSignature)
        );
    }

    #[test]
    fn a_json_body_is_checked_by_its_hash_in_the_url_as_published() {
        // test_compute_hash_unicode and test_validation_of_body_succeeds.
        let url = format!("{URL}&bodySHA256={BODY_HASH}");
        assert_eq!(verify_body_sha256(&url, BODY.as_bytes()), Ok(()));
        assert_eq!(
            verify(&token(), &url, &[], Some(EXPECTED_WITH_BODY)),
            Ok(())
        );
        assert_eq!(
            verify_body_sha256(&url, b"{\"property\": \"other\"}"),
            Err(TwilioError::BodyHashMismatch)
        );
        assert_eq!(
            verify_body_sha256(URL, BODY.as_bytes()),
            Err(TwilioError::BodyHashMismatch)
        );
    }

    // -- refusals -------------------------------------------------------------------------------

    #[test]
    fn a_tampered_parameter_is_refused() {
        let mut tampered = params();
        tampered[1].1 = "9999".into();
        assert_eq!(
            verify(&token(), URL, &tampered, Some(EXPECTED)),
            Err(TwilioError::BadSignature)
        );
        let mut added = params();
        added.push(p("Extra", ""));
        assert_eq!(
            verify(&token(), URL, &added, Some(EXPECTED)),
            Err(TwilioError::BadSignature)
        );
        assert_eq!(
            verify(&token(), URL, &params()[1..], Some(EXPECTED)),
            Err(TwilioError::BadSignature)
        );
    }

    #[test]
    fn a_tampered_url_query_is_refused() {
        for url in [
            "https://mycompany.com/myapp.php?foo=1&bar=3",
            "https://mycompany.com/myapp.php?bar=2&foo=1",
            "https://mycompany.com/myapp.php?foo=1",
            "https://mycompany.com/myapp.php?foo=1&bar=2&message_id=x",
            "https://mycompany.com/other.php?foo=1&bar=2",
            "https://evil.com/myapp.php?foo=1&bar=2",
        ] {
            assert_eq!(
                verify(&token(), url, &params(), Some(EXPECTED)),
                Err(TwilioError::BadSignature),
                "{url}"
            );
        }
    }

    #[test]
    fn a_signature_by_another_token_is_refused() {
        let wrong = Secret::new("54321");
        let err = verify(&wrong, URL, &params(), Some(EXPECTED)).unwrap_err();
        assert_eq!(err, TwilioError::BadSignature);
        let shown = format!("{err} {err:?} {:?}", wrong);
        assert!(!shown.contains("54321"), "{shown}");
    }

    #[test]
    fn a_missing_or_blank_header_is_missing() {
        for header in [None, Some(""), Some("  ")] {
            assert_eq!(
                verify(&token(), URL, &params(), header),
                Err(TwilioError::MissingSignature)
            );
        }
    }

    #[test]
    fn a_malformed_or_truncated_signature_is_refused() {
        for header in [
            "not base64!",
            "RSOYDt4T1cUTdK1PDd93",
            "AAAA",
            "RSOYDt4T1cUTdK1PDd93/VVr8B8=AAAA",
        ] {
            assert_eq!(
                verify(&token(), URL, &params(), Some(header)),
                Err(TwilioError::BadSignature),
                "{header}"
            );
        }
        // Surrounding whitespace is not part of the signature.
        assert_eq!(
            verify(
                &token(),
                URL,
                &params(),
                Some(" RSOYDt4T1cUTdK1PDd93/VVr8B8= ")
            ),
            Ok(())
        );
    }

    #[test]
    fn an_empty_auth_token_verifies_nothing() {
        let empty_signed = signature("", URL, &params());
        assert_eq!(
            verify(&Secret::new(""), URL, &params(), Some(&empty_signed)),
            Err(TwilioError::MissingAuthToken)
        );
    }

    #[test]
    fn unicode_values_are_signed_as_utf8() {
        // Computed independently with Python's hmac, following twilio-python's compute_signature.
        let url = "https://sms.example.com/webhooks/yachtparty/twilio/sms";
        let params = parse_form(
            "Body=Caf%C3%A9+%E2%98%95+%F0%9F%9A%A4+%C3%B1&From=%2B14155552671".as_bytes(),
        );
        assert_eq!(params[0].1, "Café ☕ 🚤 ñ");
        assert_eq!(
            signature(TOKEN, url, &params),
            "PKrIZ49gq0xUc+z4OmQlb1Q/ZvM="
        );
        let mut other = params.clone();
        other[0].1 = "Cafe ☕ 🚤 ñ".into();
        assert_ne!(
            signature(TOKEN, url, &other),
            "PKrIZ49gq0xUc+z4OmQlb1Q/ZvM="
        );
    }

    #[test]
    fn signature_settings_are_refused_plainly() {
        assert_eq!(check_signature_settings(None), Ok(()));
        let err = check_signature_settings(Some("{\"hash\":\"sha256\"}")).unwrap_err();
        assert_eq!(err, TwilioError::UnsupportedSignatureSettings);
        assert!(err.to_string().contains("not supported"), "{err}");
    }

    // -- URLs -----------------------------------------------------------------------------------

    #[test]
    fn port_twins() {
        assert_eq!(
            port_twin("https://a.com/x?y=1").as_deref(),
            Some("https://a.com:443/x?y=1")
        );
        assert_eq!(
            port_twin("http://a.com").as_deref(),
            Some("http://a.com:80")
        );
        assert_eq!(
            port_twin("https://a.com:8443/x").as_deref(),
            Some("https://a.com/x")
        );
        assert_eq!(
            port_twin("https://u:p@a.com?q=:1").as_deref(),
            Some("https://u:p@a.com:443?q=:1")
        );
        assert_eq!(
            port_twin("https://[::1]/x").as_deref(),
            Some("https://[::1]:443/x")
        );
        assert_eq!(
            port_twin("https://[::1]:8443/x").as_deref(),
            Some("https://[::1]/x")
        );
        assert_eq!(port_twin("wss://a.com/x"), None);
        assert_eq!(port_twin("/relative"), None);
    }

    #[test]
    fn the_signed_url_is_the_request_url_without_a_public_base() {
        let u = "https://x.workers.dev/webhooks/yachtparty/twilio/sms?a=%2b1&b=c+d";
        assert_eq!(signed_url(None, u), u);
        assert_eq!(signed_url(Some("  "), u), u);
    }

    #[test]
    fn the_signed_url_takes_the_public_bases_origin_and_the_requests_path_and_query() {
        let u = "http://x.workers.dev:8787/webhooks/yachtparty/twilio/status?message_id=a%2Db&z";
        let want = "https://sms.example.com/webhooks/yachtparty/twilio/status?message_id=a%2Db&z";
        for base in [
            "https://sms.example.com",
            "https://sms.example.com/",
            " https://sms.example.com/ignored/path ",
        ] {
            assert_eq!(signed_url(Some(base), u), want, "{base}");
        }
        assert_eq!(
            signed_url(Some("https://sms.example.com:8443/"), u),
            "https://sms.example.com:8443/webhooks/yachtparty/twilio/status?message_id=a%2Db&z"
        );
        assert_eq!(
            signed_url(Some("https://sms.example.com"), "https://x.dev?only=query"),
            "https://sms.example.com?only=query"
        );
    }

    #[test]
    fn a_form_keeps_order_and_repeated_names() {
        let form = parse_form(b"b=2&a=1&b=3&Body=hi+there%21&e=&Plus=%2B1");
        assert_eq!(
            form,
            vec![
                p("b", "2"),
                p("a", "1"),
                p("b", "3"),
                p("Body", "hi there!"),
                p("e", ""),
                p("Plus", "+1"),
            ]
        );
        assert!(parse_form(b"").is_empty());
    }

    // -- inbound SMS ----------------------------------------------------------------------------

    const SM: &str = "SM0123456789abcdef0123456789ABCDEF";
    const AC: &str = "AC0123456789abcdef0123456789abcdef";

    fn sms(extra: &[(&str, &str)]) -> Vec<(String, String)> {
        let mut v = vec![
            p("MessageSid", SM),
            p("SmsSid", SM),
            p("AccountSid", AC),
            p("MessagingServiceSid", "MG0123456789abcdef0123456789abcdef"),
            p("From", "+14155552671"),
            p("To", "+18005551212"),
            p("Body", "  Hello, world  "),
            p("NumSegments", "1"),
            p("FromCity", "SAN FRANCISCO"),
            p("ApiVersion", "2010-04-01"),
        ];
        for (n, value) in extra {
            v.retain(|(name, _)| name != n);
            v.push(p(n, value));
        }
        v
    }

    #[test]
    fn an_inbound_sms_is_read_and_its_body_kept_verbatim() {
        let m = inbound_sms(&sms(&[])).unwrap();
        assert_eq!(m.message_sid, SM);
        assert_eq!(m.account_sid, AC);
        assert_eq!(m.from, "+14155552671");
        assert_eq!(m.to, "+18005551212");
        assert_eq!(m.body, "  Hello, world  ");
        assert_eq!((m.num_media, m.media.len()), (0, 0));
    }

    #[test]
    fn an_inbound_sms_becomes_receive_smss_eight_arguments() {
        let m = inbound_sms(&sms(&[
            ("NumMedia", "1"),
            (
                "MediaUrl0",
                "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1",
            ),
            ("MediaContentType0", "image/jpeg"),
        ]))
        .unwrap();
        assert_eq!(
            m.rpc_params(Some("2026-12-03T10:00:00Z")),
            json!({
                "p_message_sid": SM, "p_account_sid": AC, "p_from": "+14155552671",
                "p_to": "+18005551212", "p_body": "  Hello, world  ", "p_num_media": 1,
                "p_media": [{"url": "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1",
                             "content_type": "image/jpeg"}],
                "p_received_at": "2026-12-03T10:00:00Z"
            })
        );
        let plain = inbound_sms(&sms(&[])).unwrap().rpc_params(None);
        assert_eq!(plain.as_object().unwrap().len(), 8);
        assert_eq!(plain["p_received_at"], Value::Null);
        assert_eq!(plain["p_media"], json!([]));
    }

    #[test]
    fn an_mms_without_text_has_an_empty_body() {
        let mut params = sms(&[
            ("NumMedia", "2"),
            ("MediaUrl0", "https://m.example/0"),
            ("MediaUrl1", "https://m.example/1"),
            ("MediaContentType1", "image/png"),
        ]);
        params.retain(|(n, _)| n != "Body");
        let m = inbound_sms(&params).unwrap();
        assert_eq!(m.body, "");
        assert_eq!(
            m.media,
            vec![
                Media {
                    url: "https://m.example/0".into(),
                    content_type: None
                },
                Media {
                    url: "https://m.example/1".into(),
                    content_type: Some("image/png".into())
                },
            ]
        );
    }

    #[test]
    fn every_problem_of_an_inbound_sms_is_named_at_once() {
        let e = inbound_sms(&[
            p("MessageSid", "SM123"),
            p("From", "whatsapp:+14155552671"),
            p("Body", &"x".repeat(1601)),
            p("NumMedia", "2"),
            p("MediaUrl0", "ftp://m.example/0"),
        ])
        .unwrap_err();
        let codes: Vec<(&str, &str)> = e.iter().map(|e| (e.field.as_ref(), e.code)).collect();
        assert_eq!(
            codes,
            vec![
                ("MessageSid", code::FORMAT),
                ("AccountSid", code::REQUIRED),
                ("From", code::FORMAT),
                ("To", code::REQUIRED),
                ("Body", code::LENGTH),
                ("MediaUrl0", code::FORMAT),
                ("MediaUrl1", code::REQUIRED),
            ]
        );
        assert!(e.on("From").unwrap().message.contains("WhatsApp"));
        // No message repeats the value sent.
        assert!(e.iter().all(|e| !e.message.contains("whatsapp:+1")));
    }

    #[test]
    fn a_sender_that_is_not_e164_is_refused() {
        for from in [
            "12345",
            "+0123456789",
            "+141555",
            "+1234567890123456",
            "14155552671",
            " +14155552671",
            "Yachtparty",
        ] {
            let e = inbound_sms(&sms(&[("From", from)])).unwrap_err();
            assert_eq!(e.on("From").unwrap().code, code::FORMAT, "{from}");
        }
        for from in ["+1234567", "+123456789012345"] {
            assert!(inbound_sms(&sms(&[("From", from)])).is_ok(), "{from}");
        }
    }

    #[test]
    fn to_may_be_a_short_code_but_not_empty_or_long() {
        assert_eq!(inbound_sms(&sms(&[("To", "12345")])).unwrap().to, "12345");
        let e = inbound_sms(&sms(&[("To", "")])).unwrap_err();
        assert_eq!(e.on("To").unwrap().code, code::REQUIRED);
        let e = inbound_sms(&sms(&[("To", &"1".repeat(65))])).unwrap_err();
        assert_eq!(e.on("To").unwrap().code, code::LENGTH);
    }

    #[test]
    fn the_body_limit_counts_characters_not_bytes() {
        let emoji = "🚤".repeat(1600);
        assert_eq!(inbound_sms(&sms(&[("Body", &emoji)])).unwrap().body, emoji);
        let e = inbound_sms(&sms(&[("Body", &"🚤".repeat(1601))])).unwrap_err();
        assert_eq!(e.on("Body").unwrap().code, code::LENGTH);
        let e = inbound_sms(&sms(&[("Body", "a\0b")])).unwrap_err();
        assert_eq!(e.on("Body").unwrap().code, code::FORMAT);
    }

    #[test]
    fn num_media_is_a_whole_number_up_to_ten() {
        for (n, c) in [
            ("11", code::RANGE),
            ("99999999999", code::RANGE),
            ("-1", code::FORMAT),
            ("1.0", code::FORMAT),
            ("one", code::FORMAT),
            ("+1", code::FORMAT),
        ] {
            let e = inbound_sms(&sms(&[("NumMedia", n)])).unwrap_err();
            assert_eq!(e.on("NumMedia").unwrap().code, c, "{n}");
        }
        assert_eq!(inbound_sms(&sms(&[("NumMedia", "")])).unwrap().num_media, 0);
        assert_eq!(
            inbound_sms(&sms(&[("NumMedia", "0")])).unwrap().num_media,
            0
        );
    }

    #[test]
    fn media_beyond_num_media_is_ignored() {
        let m = inbound_sms(&sms(&[("MediaUrl0", "https://m.example/0")])).unwrap();
        assert!(m.media.is_empty());
    }

    #[test]
    fn message_and_account_sids_must_have_twilios_format() {
        for sid in [
            "sm0123456789abcdef0123456789abcdef",
            "SM0123456789abcdef0123456789abcde",
            "CA0123456789abcdef0123456789abcdef",
            "SM0123456789abcdef0123456789abcdeg",
        ] {
            let e = inbound_sms(&sms(&[("MessageSid", sid)])).unwrap_err();
            assert_eq!(e.on("MessageSid").unwrap().code, code::FORMAT, "{sid}");
        }
        assert!(inbound_sms(&sms(&[(
            "MessageSid",
            "MM0123456789abcdef0123456789abcdef"
        )]))
        .is_ok());
        let e = inbound_sms(&sms(&[("AccountSid", "AC123")])).unwrap_err();
        assert_eq!(e.on("AccountSid").unwrap().code, code::FORMAT);
    }

    // -- status callbacks -----------------------------------------------------------------------

    fn status(extra: &[(&str, &str)]) -> Vec<(String, String)> {
        let mut v = vec![
            p("MessageSid", SM),
            p("AccountSid", AC),
            p("MessageStatus", "delivered"),
            p("SmsStatus", "delivered"),
            p("ApiVersion", "2010-04-01"),
        ];
        for (n, value) in extra {
            v.retain(|(name, _)| name != n);
            v.push(p(n, value));
        }
        v
    }

    #[test]
    fn every_status_reads_back_in_twilios_spelling() {
        assert_eq!(MessageStatus::ALL.len(), 13);
        for s in MessageStatus::ALL {
            let cb = status_callback(&status(&[("MessageStatus", s)])).unwrap();
            assert_eq!(cb.status.as_str(), *s);
            assert_eq!(serde_json::to_value(cb.status).unwrap(), json!(s));
        }
    }

    #[test]
    fn a_status_callback_becomes_record_sms_statuss_arguments() {
        let cb = status_callback(&status(&[
            ("MessageStatus", "undelivered"),
            ("ErrorCode", "30003"),
        ]))
        .unwrap();
        assert_eq!(cb.error_code.as_deref(), Some("30003"));
        let id = "0b3f6a9e-2a8c-4c7e-9a51-1f0e2d3c4b5a";
        assert_eq!(
            status_params(Some(id), &cb),
            json!({"p_message_id": id, "p_message_sid": SM, "p_status": "undelivered", "p_error_code": "30003"})
        );
        let cb = status_callback(&status(&[("ErrorCode", "")])).unwrap();
        assert_eq!(
            status_params(None, &cb),
            json!({"p_message_id": null, "p_message_sid": SM, "p_status": "delivered", "p_error_code": null})
        );
    }

    #[test]
    fn an_unknown_status_is_an_enum_error_listing_the_known_ones() {
        let e = status_callback(&status(&[("MessageStatus", "teleported")])).unwrap_err();
        let f = e.on("MessageStatus").unwrap();
        assert_eq!(f.code, code::ENUM);
        assert_eq!(f.allowed, MessageStatus::ALL.to_vec());
        assert_eq!(e.len(), 1);
        let e = status_callback(&status(&[("MessageStatus", "Delivered")])).unwrap_err();
        assert_eq!(e.on("MessageStatus").unwrap().code, code::ENUM);
    }

    #[test]
    fn every_problem_of_a_status_callback_is_named_at_once() {
        let e = status_callback(&[p("ErrorCode", "30003x")]).unwrap_err();
        let fields: Vec<(&str, &str)> = e.iter().map(|e| (e.field.as_ref(), e.code)).collect();
        assert_eq!(
            fields,
            vec![
                ("MessageSid", code::REQUIRED),
                ("AccountSid", code::REQUIRED),
                ("MessageStatus", code::REQUIRED),
                ("ErrorCode", code::FORMAT),
            ]
        );
    }

    #[test]
    fn the_message_id_of_the_query_is_a_uuid() {
        assert_eq!(message_id_from_query(&[]), Ok(None));
        assert_eq!(message_id_from_query(&[p("other", "x")]), Ok(None));
        assert_eq!(
            message_id_from_query(&parse_form(
                b"message_id=0B3F6A9E-2A8C-4C7E-9A51-1F0E2D3C4B5A"
            )),
            Ok(Some("0b3f6a9e-2a8c-4c7e-9a51-1f0e2d3c4b5a".into()))
        );
        for bad in [
            "",
            "42",
            "0b3f6a9e-2a8c-4c7e-9a51-1f0e2d3c4b5",
            "0b3f6a9e-2a8c-4c7e-9a51-1f0e2d3c4b5a ",
        ] {
            let e = message_id_from_query(&[p("message_id", bad)]).unwrap_err();
            assert_eq!(
                (e.field.as_ref(), e.code),
                ("message_id", code::FORMAT),
                "{bad:?}"
            );
        }
        let twice = [
            p("message_id", "0b3f6a9e-2a8c-4c7e-9a51-1f0e2d3c4b5a"),
            p("message_id", "1b3f6a9e-2a8c-4c7e-9a51-1f0e2d3c4b5a"),
        ];
        assert_eq!(
            message_id_from_query(&twice).unwrap_err().code,
            code::DUPLICATE_FIELD
        );
    }

    #[test]
    fn the_status_callback_url_round_trips_through_the_query() {
        let id = "0b3f6a9e-2a8c-4c7e-9a51-1f0e2d3c4b5a";
        let want =
            format!("https://sms.example.com/webhooks/yachtparty/twilio/status?message_id={id}");
        assert_eq!(status_callback_url("https://sms.example.com", id), want);
        assert_eq!(status_callback_url("https://sms.example.com/", id), want);
        let query = want.split_once('?').unwrap().1;
        assert_eq!(
            message_id_from_query(&parse_form(query.as_bytes())),
            Ok(Some(id.into()))
        );
    }

    // -- sending --------------------------------------------------------------------------------

    #[test]
    fn the_messages_url_and_basic_auth() {
        let want = format!("https://api.twilio.com/2010-04-01/Accounts/{AC}/Messages.json");
        assert_eq!(messages_url("https://api.twilio.com", AC), want);
        assert_eq!(messages_url("https://api.twilio.com/", AC), want);
        // RFC 7617's example.
        assert_eq!(
            basic_auth("Aladdin", &Secret::new("open sesame")),
            "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="
        );
    }

    #[test]
    fn the_send_form_encodes_every_field() {
        assert_eq!(
            send_form("+14155552671", &Sender::From("+18005551212".into()), "Hi & bye = 100% 🚤", Some("https://s.example/cb?message_id=1")),
            "To=%2B14155552671&From=%2B18005551212&Body=Hi+%26+bye+%3D+100%25+%F0%9F%9A%A4&StatusCallback=https%3A%2F%2Fs.example%2Fcb%3Fmessage_id%3D1"
        );
        let form = send_form(
            "+14155552671",
            &Sender::MessagingService("MG1".into()),
            "",
            None,
        );
        assert_eq!(form, "To=%2B14155552671&MessagingServiceSid=MG1&Body=");
        assert_eq!(
            parse_form(form.as_bytes()),
            vec![
                p("To", "+14155552671"),
                p("MessagingServiceSid", "MG1"),
                p("Body", "")
            ]
        );
    }

    #[test]
    fn a_2xx_with_a_sid_is_accepted() {
        let body = format!(r#"{{"sid": "{SM}", "status": "queued", "body": "hi"}}"#);
        assert_eq!(
            classify_send(201, &body, None),
            SendOutcome::Accepted {
                sid: SM.into(),
                status: Some("queued".into())
            }
        );
        let body = format!(r#"{{"sid": "{SM}"}}"#);
        assert_eq!(
            classify_send(200, &body, None),
            SendOutcome::Accepted {
                sid: SM.into(),
                status: None
            }
        );
    }

    #[test]
    fn a_2xx_without_a_readable_sid_is_unknown_never_resent() {
        for body in [
            "",
            "<html>",
            r#"{"sid": null}"#,
            r#"{"sid": "SM1"}"#,
            r#"{"status": "queued"}"#,
            "[]",
        ] {
            assert!(
                matches!(classify_send(201, body, None), SendOutcome::Unknown { .. }),
                "{body}"
            );
        }
    }

    #[test]
    fn rate_limiting_is_temporary_with_its_retry_after() {
        let body = r#"{"code": 20429, "message": "Too Many Requests", "more_info": "https://www.twilio.com/docs/errors/20429", "status": 429}"#;
        let SendOutcome::Temporary {
            code,
            message,
            retry_after_seconds,
        } = classify_send(429, body, Some(" 30 "))
        else {
            panic!()
        };
        assert_eq!((code, retry_after_seconds), (Some(20429), Some(30)));
        assert!(message.contains("Too Many Requests"), "{message}");
        for header in [
            None,
            Some("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(""),
            Some("-1"),
        ] {
            assert!(matches!(
                classify_send(429, "", header),
                SendOutcome::Temporary {
                    retry_after_seconds: None,
                    code: None,
                    ..
                }
            ));
        }
    }

    #[test]
    fn a_server_error_is_temporary() {
        for status in [500, 502, 503, 504] {
            assert!(matches!(
                classify_send(status, "<html>Bad gateway</html>", Some("5")),
                SendOutcome::Temporary {
                    retry_after_seconds: Some(5),
                    ..
                }
            ));
        }
    }

    #[test]
    fn an_auth_error_is_temporary_and_blames_the_configuration() {
        let body = r#"{"code": 20003, "message": "Authenticate", "more_info": "https://www.twilio.com/docs/errors/20003", "status": 401}"#;
        for status in [401, 403] {
            let SendOutcome::Temporary { code, message, .. } = classify_send(status, body, None)
            else {
                panic!()
            };
            assert_eq!(code, Some(20003));
            assert!(message.contains("credentials"), "{message}");
        }
    }

    #[test]
    fn other_client_errors_are_permanent_with_twilios_code_and_message() {
        for (code, msg) in [
            (21610, "Attempt to send to unsubscribed recipient"),
            (21211, "The 'To' number +1415 is not a valid phone number."),
            (21614, "'To' number is not a valid mobile number"),
            (21408, "Permission to send an SMS has not been enabled for the region indicated by the 'To' number"),
        ] {
            let body = json!({"code": code, "message": msg, "more_info": "https://www.twilio.com/docs/errors", "status": 400}).to_string();
            assert_eq!(
                classify_send(400, &body, None),
                SendOutcome::Permanent { code: Some(code), message: msg.into() }
            );
        }
    }

    #[test]
    fn a_client_error_that_is_not_json_is_permanent_with_its_status() {
        let SendOutcome::Permanent { code, message } = classify_send(404, "Not Found", None) else {
            panic!()
        };
        assert_eq!(code, None);
        assert_eq!(message, "Twilio refused the message (404): Not Found");
        let SendOutcome::Permanent { message, .. } = classify_send(400, "", None) else {
            panic!()
        };
        assert!(message.contains("400"), "{message}");
    }

    #[test]
    fn a_long_answer_is_quoted_short() {
        let long = format!("{}\n{}", "x".repeat(1000), "y".repeat(1000));
        let SendOutcome::Permanent { message, .. } = classify_send(400, &long, None) else {
            panic!()
        };
        assert!(
            message.chars().count() <= MAX_QUOTED_CHARS + 60,
            "{}",
            message.len()
        );
        assert!(message.ends_with('…') && !message.contains('\n'));
        let body = json!({"code": 21211, "message": "é".repeat(400)}).to_string();
        let SendOutcome::Permanent { message, .. } = classify_send(400, &body, None) else {
            panic!()
        };
        assert_eq!(message.chars().count(), MAX_QUOTED_CHARS + 1);
    }

    #[test]
    fn other_statuses_are_unknown() {
        for status in [0, 100, 302, 304, 600] {
            assert!(
                matches!(classify_send(status, "", None), SendOutcome::Unknown { .. }),
                "{status}"
            );
        }
    }

    #[test]
    fn a_from_with_a_multibyte_character_at_byte_nine_is_refused_not_a_panic() {
        for from in [
            "+1415555é",
            "+1415555\u{202e}2671",
            "whatsapp",
            "whatsapp:+14155550100",
        ] {
            let mut params = vec![
                p("MessageSid", "SM0123456789abcdef0123456789abcdef"),
                p("AccountSid", "AC0123456789abcdef0123456789abcdef"),
                p("To", "+15005550006"),
            ];
            params.push(p("From", from));
            let errors = inbound_sms(&params).unwrap_err();
            assert!(errors.on("From").is_some(), "{from}");
        }
    }

    #[test]
    fn a_media_content_type_with_a_control_character_is_refused() {
        let params = vec![
            p("MessageSid", "MM0123456789abcdef0123456789abcdef"),
            p("AccountSid", "AC0123456789abcdef0123456789abcdef"),
            p("From", "+14155550100"),
            p("To", "+15005550006"),
            p("NumMedia", "1"),
            p("MediaUrl0", "https://m.example/0"),
            p("MediaContentType0", "\0"),
        ];
        let errors = inbound_sms(&params).unwrap_err();
        assert_eq!(errors.on("MediaContentType0").unwrap().code, code::FORMAT);
    }
}
