//! Inbound webhook authentication: Standard Webhooks signatures (<https://www.standardwebhooks.com>)
//! for server-to-server senders, static shared secrets for senders such as ScoreApp, and the
//! idempotency key a delivery is recorded under. Signatures are checked over the raw body,
//! before it is parsed, and every secret comparison is constant-time.
//!
//! ```
//! use rowgate_core::webhook::StandardWebhook;
//!
//! let hook = StandardWebhook::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
//! let body = br#"{"test": 2432232314}"#;
//! let signature = hook.sign("msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", body);
//! assert_eq!(signature, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
//! assert!(hook.verify("msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", &signature, body, 1614265330).is_ok());
//! ```

use std::fmt;

use base64::alphabet::STANDARD as STANDARD_ALPHABET;
use base64::engine::general_purpose::STANDARD;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use thiserror::Error;

use crate::secret::{constant_time_eq, Secret, SecretBytes};

type HmacSha256 = Hmac<Sha256>;

/// The headers a Standard Webhooks delivery carries.
pub const ID_HEADER: &str = "webhook-id";
pub const TIMESTAMP_HEADER: &str = "webhook-timestamp";
pub const SIGNATURE_HEADER: &str = "webhook-signature";
/// How far a delivery's timestamp may be from now, either way (the specification's 5 minutes).
pub const DEFAULT_TOLERANCE_SECONDS: u32 = 300;
/// The longest delivery id recorded, in bytes (after trimming).
pub const MAX_ID_BYTES: usize = 256;
const SECRET_PREFIX: &str = "whsec_";

/// Standard base64 that takes padding or none: secrets and signatures are copied by hand from
/// dashboards, and whether the `=` survived says nothing about their authenticity.
const LENIENT_BASE64: GeneralPurpose = GeneralPurpose::new(
    &STANDARD_ALPHABET,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Why a delivery was refused. Each message is short and safe to send back (as a refusal's
/// `detail`); `InvalidSecret` is a configuration fault, for the operator rather than the sender.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum WebhookError {
    #[error("Missing the {name} header.")]
    MissingHeader { name: &'static str },
    #[error("The webhook timestamp is not a Unix time in whole seconds.")]
    InvalidTimestamp,
    #[error("The webhook timestamp is too old.")]
    TimestampTooOld,
    #[error("The webhook timestamp is too far in the future.")]
    TimestampTooNew,
    #[error("No webhook signature matches.")]
    NoMatchingSignature,
    #[error("A configured webhook secret is not valid base64 (whsec_...).")]
    InvalidSecret,
    #[error("Missing the webhook secret.")]
    MissingSecret,
    #[error("Wrong webhook secret.")]
    WrongSecret,
    #[error("The webhook id must be 1 to 256 bytes without control characters.")]
    InvalidId,
}

/// A Standard Webhooks verifier and signer with one or more secrets: several while a secret is
/// being rotated, the first of which signs.
#[derive(Clone)]
pub struct StandardWebhook {
    keys: Vec<SecretBytes>,
    tolerance: i64,
}

impl fmt::Debug for StandardWebhook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StandardWebhook")
            .field("secrets", &self.keys.len())
            .field("tolerance", &self.tolerance)
            .finish()
    }
}

/// The HMAC key of a `whsec_<base64>` (or bare base64) secret.
fn key(secret: &str) -> Result<SecretBytes, WebhookError> {
    let secret = secret.trim();
    let b64 = secret.strip_prefix(SECRET_PREFIX).unwrap_or(secret);
    match LENIENT_BASE64.decode(b64) {
        Ok(k) if !k.is_empty() => Ok(SecretBytes::new(k)),
        _ => Err(WebhookError::InvalidSecret),
    }
}

/// HMAC-SHA256 of the signed content, `{id}.{timestamp}.{body}`.
fn mac(key: &SecretBytes, id: &str, timestamp: &str, body: &[u8]) -> [u8; 32] {
    let mut m = HmacSha256::new_from_slice(key.expose()).expect("HMAC takes keys of any length");
    m.update(id.as_bytes());
    m.update(b".");
    m.update(timestamp.as_bytes());
    m.update(b".");
    m.update(body);
    m.finalize().into_bytes().into()
}

/// Whole Unix seconds, digits only: the header is signed as sent, so a `+`, a space or a
/// fraction that a lenient parse would accept is refused rather than reinterpreted.
fn unix_seconds(timestamp: &str) -> Result<i64, WebhookError> {
    if timestamp.is_empty() || !timestamp.bytes().all(|b| b.is_ascii_digit()) {
        return Err(WebhookError::InvalidTimestamp);
    }
    timestamp
        .parse()
        .map_err(|_| WebhookError::InvalidTimestamp)
}

fn required<'a>(value: &'a str, name: &'static str) -> Result<&'a str, WebhookError> {
    if value.trim().is_empty() {
        Err(WebhookError::MissingHeader { name })
    } else {
        Ok(value)
    }
}

impl StandardWebhook {
    /// One `whsec_<base64>` secret (a bare base64 secret is accepted too).
    pub fn new(secret: &str) -> Result<Self, WebhookError> {
        Self::from_secrets(&[secret])
    }

    /// Several secrets, for rotation: a signature made with any of them is accepted, and the
    /// first signs. At least one is needed, and every one must decode.
    pub fn from_secrets(secrets: &[&str]) -> Result<Self, WebhookError> {
        if secrets.is_empty() {
            return Err(WebhookError::InvalidSecret);
        }
        let keys = secrets.iter().map(|s| key(s)).collect::<Result<_, _>>()?;
        Ok(StandardWebhook {
            keys,
            tolerance: i64::from(DEFAULT_TOLERANCE_SECONDS),
        })
    }

    /// How far, in seconds, a delivery's timestamp may be from now either way.
    pub fn with_tolerance(mut self, seconds: u32) -> Self {
        self.tolerance = i64::from(seconds);
        self
    }

    /// The `v1,<base64>` signature of a delivery, with the first secret: the value of the
    /// `webhook-signature` header.
    pub fn sign(&self, id: &str, timestamp: &str, body: &[u8]) -> String {
        format!(
            "v1,{}",
            STANDARD.encode(mac(&self.keys[0], id, timestamp, body))
        )
    }

    /// Checks a delivery: its timestamp within the tolerance of `now_unix`, then that one of the
    /// `v1` signatures of `signature_header` (space-separated `v1,<base64>` entries; other
    /// versions are ignored) was made by one of the secrets over `{id}.{timestamp}.{body}`.
    pub fn verify(
        &self,
        id: &str,
        timestamp: &str,
        signature_header: &str,
        body: &[u8],
        now_unix: i64,
    ) -> Result<(), WebhookError> {
        let id = required(id, ID_HEADER)?;
        let timestamp = required(timestamp, TIMESTAMP_HEADER)?;
        let signature_header = required(signature_header, SIGNATURE_HEADER)?;

        // The timestamp first: it is cheap, and a replayed old delivery is refused even if its
        // signature is genuine.
        let sent = unix_seconds(timestamp)?;
        if sent < now_unix.saturating_sub(self.tolerance) {
            return Err(WebhookError::TimestampTooOld);
        }
        if sent > now_unix.saturating_add(self.tolerance) {
            return Err(WebhookError::TimestampTooNew);
        }

        let expected: Vec<[u8; 32]> = self
            .keys
            .iter()
            .map(|k| mac(k, id, timestamp, body))
            .collect();
        let presented = signature_header
            .split_whitespace()
            .filter_map(|entry| entry.strip_prefix("v1,"))
            .filter_map(|b64| LENIENT_BASE64.decode(b64).ok());
        let mut matched = false;
        for signature in presented {
            for mac in &expected {
                // `|` rather than `||`: every pair is compared, so the time taken does not say
                // which secret or which entry matched.
                matched |= constant_time_eq(mac, &signature);
            }
        }
        if matched {
            Ok(())
        } else {
            Err(WebhookError::NoMatchingSignature)
        }
    }
}

/// Checks a static shared secret (ScoreApp sends one in a header or the query string). Both
/// sides are hashed before the constant-time comparison, so not even the secret's length can be
/// learned from the time taken. A missing or blank secret is `MissingSecret`.
pub fn verify_shared_secret(
    expected: &Secret,
    presented: Option<&str>,
) -> Result<(), WebhookError> {
    let presented = presented
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .ok_or(WebhookError::MissingSecret)?;
    let expected_digest = Sha256::digest(expected.expose().as_bytes());
    let presented_digest = Sha256::digest(presented.as_bytes());
    // An empty configured secret would otherwise match nothing only by luck of the hash.
    if !expected.is_empty() && constant_time_eq(&expected_digest, &presented_digest) {
        Ok(())
    } else {
        Err(WebhookError::WrongSecret)
    }
}

/// The key a delivery is recorded under, `<source>:<id>` (e.g. `standard-webhooks:msg_1`), so
/// that ids of different senders never collide. The id is trimmed and must then be 1 to
/// [`MAX_ID_BYTES`] bytes with no control characters; `source` is rowgate's own constant.
pub fn idempotency_key(source: &str, id: &str) -> Result<String, WebhookError> {
    let id = id.trim();
    if id.is_empty() || id.len() > MAX_ID_BYTES || id.chars().any(char::is_control) {
        return Err(WebhookError::InvalidId);
    }
    Ok(format!("{source}:{id}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    // The Standard Webhooks reference test vector.
    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const TS: &str = "1614265330";
    const BODY: &[u8] = br#"{"test": 2432232314}"#;
    const SIG: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
    const NOW: i64 = 1614265330;
    const OTHER_SECRET: &str = "whsec_bmV3LXNlY3JldC1mb3Itcm90YXRpb24=";

    fn hook() -> StandardWebhook {
        StandardWebhook::new(SECRET).unwrap()
    }

    #[test]
    fn the_reference_test_vector_signs_as_specified() {
        assert_eq!(hook().sign(ID, TS, BODY), SIG);
    }

    #[test]
    fn the_reference_test_vector_verifies() {
        assert_eq!(hook().verify(ID, TS, SIG, BODY, NOW), Ok(()));
    }

    #[test]
    fn a_bare_base64_secret_is_the_same_secret() {
        let bare = StandardWebhook::new(&SECRET["whsec_".len()..]).unwrap();
        assert_eq!(bare.verify(ID, TS, SIG, BODY, NOW), Ok(()));
    }

    #[test]
    fn a_secret_that_is_not_base64_is_refused() {
        for secret in ["whsec_***", "whsec_", "", "not base64!"] {
            assert_eq!(
                StandardWebhook::new(secret).unwrap_err(),
                WebhookError::InvalidSecret,
                "{secret}"
            );
        }
        assert_eq!(
            StandardWebhook::from_secrets(&[SECRET, "whsec_***"]).unwrap_err(),
            WebhookError::InvalidSecret
        );
        assert_eq!(
            StandardWebhook::from_secrets(&[]).unwrap_err(),
            WebhookError::InvalidSecret
        );
    }

    #[test]
    fn one_matching_signature_among_several_entries_is_enough() {
        let header = format!("v1,AAAA v1a,ed25519sig v2,whatever {SIG} v1,not-base64!");
        assert_eq!(hook().verify(ID, TS, &header, BODY, NOW), Ok(()));
    }

    #[test]
    fn a_signature_of_another_version_is_ignored() {
        let v2 = SIG.replacen("v1,", "v2,", 1);
        assert_eq!(
            hook().verify(ID, TS, &v2, BODY, NOW),
            Err(WebhookError::NoMatchingSignature)
        );
    }

    #[test]
    fn any_configured_secret_may_have_signed_while_rotating() {
        let rotated = StandardWebhook::from_secrets(&[OTHER_SECRET, SECRET]).unwrap();
        assert_eq!(rotated.verify(ID, TS, SIG, BODY, NOW), Ok(()));
        let by_new = StandardWebhook::new(OTHER_SECRET)
            .unwrap()
            .sign(ID, TS, BODY);
        assert_eq!(rotated.verify(ID, TS, &by_new, BODY, NOW), Ok(()));
        assert_eq!(rotated.sign(ID, TS, BODY), by_new, "the first secret signs");
    }

    #[test]
    fn a_signature_by_another_secret_is_refused() {
        let other = StandardWebhook::new(OTHER_SECRET).unwrap();
        assert_eq!(
            other.verify(ID, TS, SIG, BODY, NOW),
            Err(WebhookError::NoMatchingSignature)
        );
    }

    #[test]
    fn a_changed_body_id_or_timestamp_breaks_the_signature() {
        assert_eq!(
            hook().verify(ID, TS, SIG, br#"{"test": 2432232315}"#, NOW),
            Err(WebhookError::NoMatchingSignature)
        );
        assert_eq!(
            hook().verify("msg_other", TS, SIG, BODY, NOW),
            Err(WebhookError::NoMatchingSignature)
        );
        assert_eq!(
            hook().verify(ID, "1614265331", SIG, BODY, NOW),
            Err(WebhookError::NoMatchingSignature)
        );
    }

    #[test]
    fn a_signature_without_its_padding_still_matches() {
        assert_eq!(
            hook().verify(ID, TS, SIG.trim_end_matches('='), BODY, NOW),
            Ok(())
        );
    }

    #[test]
    fn a_truncated_signature_is_refused() {
        let short = STANDARD.encode(&STANDARD.decode(&SIG[3..]).unwrap()[..16]);
        assert_eq!(
            hook().verify(ID, TS, &format!("v1,{short}"), BODY, NOW),
            Err(WebhookError::NoMatchingSignature)
        );
    }

    #[test]
    fn timestamps_up_to_five_minutes_either_way_are_accepted() {
        assert_eq!(hook().verify(ID, TS, SIG, BODY, NOW + 300), Ok(()));
        assert_eq!(hook().verify(ID, TS, SIG, BODY, NOW - 300), Ok(()));
    }

    #[test]
    fn a_timestamp_older_than_five_minutes_is_refused() {
        assert_eq!(
            hook().verify(ID, TS, SIG, BODY, NOW + 301),
            Err(WebhookError::TimestampTooOld)
        );
    }

    #[test]
    fn a_timestamp_more_than_five_minutes_ahead_is_refused() {
        assert_eq!(
            hook().verify(ID, TS, SIG, BODY, NOW - 301),
            Err(WebhookError::TimestampTooNew)
        );
    }

    #[test]
    fn the_tolerance_can_be_configured() {
        let strict = hook().with_tolerance(10);
        assert_eq!(strict.verify(ID, TS, SIG, BODY, NOW + 10), Ok(()));
        assert_eq!(
            strict.verify(ID, TS, SIG, BODY, NOW + 11),
            Err(WebhookError::TimestampTooOld)
        );
    }

    #[test]
    fn extreme_clocks_do_not_overflow() {
        assert_eq!(
            hook().verify(ID, TS, SIG, BODY, i64::MAX),
            Err(WebhookError::TimestampTooOld)
        );
        assert_eq!(
            hook().verify(ID, TS, SIG, BODY, i64::MIN),
            Err(WebhookError::TimestampTooNew)
        );
    }

    #[test]
    fn a_timestamp_that_is_not_whole_seconds_is_refused() {
        for ts in [
            "yesterday",
            "1614265330.5",
            "+1614265330",
            "-1614265330",
            " 1614265330",
            "99999999999999999999",
        ] {
            assert_eq!(
                hook().verify(ID, ts, SIG, BODY, NOW),
                Err(WebhookError::InvalidTimestamp),
                "{ts:?}"
            );
        }
    }

    #[test]
    fn a_missing_header_is_named() {
        let cases = [
            ("", TS, SIG, ID_HEADER),
            (ID, "", SIG, TIMESTAMP_HEADER),
            (ID, TS, " ", SIGNATURE_HEADER),
        ];
        for (id, ts, sig, name) in cases {
            assert_eq!(
                hook().verify(id, ts, sig, BODY, NOW),
                Err(WebhookError::MissingHeader { name })
            );
        }
    }

    #[test]
    fn an_unversioned_signature_matches_nothing() {
        assert_eq!(
            hook().verify(ID, TS, &SIG[3..], BODY, NOW),
            Err(WebhookError::NoMatchingSignature)
        );
    }

    #[test]
    fn the_debug_output_hides_the_secrets() {
        let shown = format!("{:?}", hook());
        assert!(
            !shown.contains("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
            "{shown}"
        );
        assert_eq!(shown, "StandardWebhook { secrets: 1, tolerance: 300 }");
    }

    #[test]
    fn the_shared_secret_must_match_exactly() {
        let s = Secret::new("s3cret");
        assert_eq!(verify_shared_secret(&s, Some("s3cret")), Ok(()));
        assert_eq!(verify_shared_secret(&s, Some(" s3cret ")), Ok(()));
        for wrong in ["s3cre", "s3cret!", "S3CRET", "x"] {
            assert_eq!(
                verify_shared_secret(&s, Some(wrong)),
                Err(WebhookError::WrongSecret),
                "{wrong}"
            );
        }
    }

    #[test]
    fn a_missing_or_blank_shared_secret_is_missing() {
        let s = Secret::new("s3cret");
        assert_eq!(
            verify_shared_secret(&s, None),
            Err(WebhookError::MissingSecret)
        );
        assert_eq!(
            verify_shared_secret(&s, Some("  ")),
            Err(WebhookError::MissingSecret)
        );
    }

    #[test]
    fn an_empty_configured_shared_secret_accepts_nothing() {
        assert_eq!(
            verify_shared_secret(&Secret::new(""), Some("anything")),
            Err(WebhookError::WrongSecret)
        );
    }

    #[test]
    fn an_idempotency_key_names_its_source_and_the_trimmed_id() {
        assert_eq!(
            idempotency_key("standard-webhooks", " msg_1 ").unwrap(),
            "standard-webhooks:msg_1"
        );
        assert_eq!(
            idempotency_key("scoreapp", &"x".repeat(MAX_ID_BYTES)).unwrap(),
            format!("scoreapp:{}", "x".repeat(MAX_ID_BYTES))
        );
    }

    #[test]
    fn an_empty_id_is_rejected() {
        assert_eq!(idempotency_key("s", ""), Err(WebhookError::InvalidId));
        assert_eq!(idempotency_key("s", " \t "), Err(WebhookError::InvalidId));
    }

    #[test]
    fn an_id_longer_than_256_bytes_is_rejected() {
        assert_eq!(
            idempotency_key("s", &"x".repeat(MAX_ID_BYTES + 1)),
            Err(WebhookError::InvalidId)
        );
        // Bytes, not characters: 129 two-byte characters are 258 bytes.
        assert_eq!(
            idempotency_key("s", &"é".repeat(129)),
            Err(WebhookError::InvalidId)
        );
    }

    #[test]
    fn an_id_with_control_characters_is_rejected() {
        assert_eq!(idempotency_key("s", "msg\n1"), Err(WebhookError::InvalidId));
        assert_eq!(
            idempotency_key("s", "msg\u{0}1"),
            Err(WebhookError::InvalidId)
        );
    }

    #[test]
    fn every_error_message_is_a_short_sentence() {
        let errors = [
            WebhookError::MissingHeader { name: ID_HEADER },
            WebhookError::InvalidTimestamp,
            WebhookError::TimestampTooOld,
            WebhookError::TimestampTooNew,
            WebhookError::NoMatchingSignature,
            WebhookError::InvalidSecret,
            WebhookError::MissingSecret,
            WebhookError::WrongSecret,
            WebhookError::InvalidId,
        ];
        for e in errors {
            let m = e.to_string();
            assert!(m.ends_with('.') && m.len() < 100, "{m}");
        }
        assert!(WebhookError::NoMatchingSignature
            .to_string()
            .contains("signature"));
    }
}
