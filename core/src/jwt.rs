//! Verification of Supabase access tokens, as Supabase edge functions do it: HS256 with the
//! project's (legacy) JWT secret or a symmetric JWKS key, ES256 against the project's JWKS (its
//! asymmetric signing keys), then `exp`, `nbf`, `role` and `aud`.
//!
//! Each algorithm only ever meets its own kind of key: HS256 tokens are checked against the
//! configured secret and `oct` keys, ES256 tokens against EC P-256 keys. The verifier keeps the
//! two kinds in separate lists, so an HS256 token keyed with a public key's bytes (algorithm
//! confusion) has nothing to match, and `alg: none` or any other algorithm is refused before a
//! key is looked at. The time is passed in, so verification is pure and testable.
//!
//! ```
//! use rowgate_core::jwt::{sign_hs256, JwtVerifier};
//! use serde_json::json;
//!
//! let secret = b"super-secret-jwt-token-with-at-least-32-characters-long";
//! let claims = json!({"sub": "u1", "role": "authenticated", "aud": "authenticated", "exp": 2_000_000_000});
//! let token = sign_hs256(&claims, secret);
//!
//! let verifier = JwtVerifier::new().with_hs256_secret(secret);
//! let claims = verifier.verify(&token, 1_900_000_000).unwrap();
//! assert_eq!((claims.sub.as_deref(), claims.role.as_str()), (Some("u1"), "authenticated"));
//! assert!(verifier.verify(&token, 2_100_000_000).is_err());
//! ```

use std::collections::HashMap;
use std::fmt;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use p256::ecdsa::signature::Verifier;
use p256::ecdsa::{Signature, VerifyingKey};
use p256::EncodedPoint;
use serde::Deserialize;
use serde_json::{Map, Value};
use sha2::Sha256;
use thiserror::Error;

use crate::secret::{constant_time_eq, SecretBytes};

type HmacSha256 = Hmac<Sha256>;

/// The audience Supabase Auth puts in a signed-in user's token.
pub const DEFAULT_AUDIENCE: &str = "authenticated";
/// Seconds of clock skew tolerated on `exp` and `nbf`.
pub const DEFAULT_LEEWAY_SECONDS: u32 = 30;
/// Roles whose tokens may carry no `aud`: Supabase's anon and service_role API keys are JWTs
/// without one. Every other role (a signed-in user's `authenticated`) must name an accepted
/// audience.
pub const ROLES_WITHOUT_AUDIENCE: [&str; 2] = ["anon", "service_role"];
/// Unverified strings (`alg`, `kid`) are cut to this many characters before they are echoed in
/// an error, so a client cannot make its refusal's body arbitrarily large.
const ECHO_LIMIT: usize = 128;

/// The algorithms accepted, exactly as spelled in a JWS header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    Hs256,
    Es256,
}

impl Algorithm {
    /// The exact `alg` spelling; anything else (`hs256`, `HS512`, `none`) is not one of these.
    pub fn parse(alg: &str) -> Option<Self> {
        match alg {
            "HS256" => Some(Algorithm::Hs256),
            "ES256" => Some(Algorithm::Es256),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Algorithm::Hs256 => "HS256",
            Algorithm::Es256 => "ES256",
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What is wrong with the shape of a token: which segment, and whether its base64 or its JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum Malformed {
    #[error("a JWT has three dot-separated segments")]
    Segments,
    #[error("the header is not base64url")]
    HeaderBase64,
    #[error("the header is not a JSON object with a string `alg`")]
    HeaderJson,
    #[error("the header names critical extensions (`crit`), which are not supported")]
    CriticalHeader,
    #[error("the payload is not base64url")]
    PayloadBase64,
    #[error("the payload is not a JSON object")]
    PayloadJson,
    #[error("the signature is not base64url")]
    SignatureBase64,
    #[error("the `{0}` claim is missing or has the wrong type")]
    Claim(&'static str),
}

/// Why a token was refused. Each message is short and safe to send to the client (the functions
/// layer shows it as the refusal's `detail`): it names what is wrong without echoing keys or
/// claims.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum JwtError {
    #[error("Missing token.")]
    Missing,
    #[error("Malformed token: {0}.")]
    Malformed(Malformed),
    #[error("Unsupported token algorithm `{alg}`: only HS256 and ES256 are accepted.")]
    UnsupportedAlgorithm { alg: String },
    #[error("The token's signature is not valid.")]
    BadSignature,
    #[error("The token has expired.")]
    Expired,
    #[error("The token is not valid yet.")]
    NotYetValid,
    #[error("The token was issued for another audience.")]
    WrongAudience,
    #[error("The token carries no role.")]
    MissingRole,
    #[error("The token's role `{role}` is not accepted here.")]
    RoleNotAllowed { role: String },
    /// The caller may fetch the JWKS again (the project may have rotated its keys) and retry.
    #[error("The token was signed by an unknown key (kid `{kid}`).")]
    UnknownKey { kid: String },
    #[error("The token names no signing key (kid), and more than one key could have signed it.")]
    KeyIdRequired,
    #[error("No key is configured to verify {alg} tokens.")]
    NoKeyConfigured { alg: Algorithm },
}

/// Why a JWKS could not be read at all. (Single keys of a type rowgate does not use are skipped,
/// not errors.)
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum JwksError {
    #[error("The JWKS is not a JSON object with a `keys` array.")]
    NotAKeySet,
}

/// The verified claims rowgate reads, and all of them in `raw`.
#[derive(Debug, Clone, PartialEq)]
pub struct Claims {
    pub sub: Option<String>,
    pub role: String,
    /// `aud` as a list: a string becomes one entry, an absent `aud` an empty list.
    pub aud: Vec<String>,
    pub exp: i64,
    pub email: Option<String>,
    /// Set only by the server (tenant membership lives here, never in `user_metadata`).
    pub app_metadata: Option<Value>,
    /// Every claim of the payload, as signed.
    pub raw: Map<String, Value>,
}

#[derive(Clone)]
struct EcKey {
    kid: Option<String>,
    key: VerifyingKey,
}

#[derive(Clone)]
struct OctKey {
    kid: Option<String>,
    secret: SecretBytes,
}

/// The usable keys of a JWKS, kept by kind: EC P-256 keys verify ES256 only, `oct` keys HS256
/// only.
#[derive(Clone, Default)]
pub struct Jwks {
    ec: Vec<EcKey>,
    oct: Vec<OctKey>,
    skipped: usize,
}

impl fmt::Debug for Jwks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Kids are public; the `oct` keys' material is not shown.
        f.debug_struct("Jwks")
            .field("ec", &self.ec.iter().map(|k| &k.kid).collect::<Vec<_>>())
            .field("oct", &self.oct.iter().map(|k| &k.kid).collect::<Vec<_>>())
            .field("skipped", &self.skipped)
            .finish()
    }
}

fn str_field<'a>(jwk: &'a Value, name: &str) -> Option<&'a str> {
    jwk.get(name).and_then(Value::as_str)
}

/// Whether a JWK may be used to verify signatures with `alg` (its `use`, `key_ops` and `alg`,
/// where present, must allow it).
fn usable_for(jwk: &Value, alg: Algorithm) -> bool {
    let use_ok = str_field(jwk, "use").is_none_or(|u| u == "sig");
    let ops_ok = match jwk.get("key_ops") {
        None => true,
        Some(ops) => ops
            .as_array()
            .is_some_and(|ops| ops.iter().any(|op| op == "verify")),
    };
    let alg_ok = str_field(jwk, "alg").is_none_or(|a| a == alg.as_str());
    use_ok && ops_ok && alg_ok
}

fn kid(jwk: &Value) -> Option<String> {
    str_field(jwk, "kid").map(str::to_owned)
}

fn ec_key(jwk: &Value) -> Option<EcKey> {
    if str_field(jwk, "kty") != Some("EC")
        || str_field(jwk, "crv") != Some("P-256")
        || !usable_for(jwk, Algorithm::Es256)
    {
        return None;
    }
    let x = URL_SAFE_NO_PAD.decode(str_field(jwk, "x")?).ok()?;
    let y = URL_SAFE_NO_PAD.decode(str_field(jwk, "y")?).ok()?;
    if x.len() != 32 || y.len() != 32 {
        return None;
    }
    let point =
        EncodedPoint::from_affine_coordinates(x.as_slice().into(), y.as_slice().into(), false);
    // Rejects points off the curve and the identity.
    let key = VerifyingKey::from_encoded_point(&point).ok()?;
    Some(EcKey { kid: kid(jwk), key })
}

fn oct_key(jwk: &Value) -> Option<OctKey> {
    if str_field(jwk, "kty") != Some("oct") || !usable_for(jwk, Algorithm::Hs256) {
        return None;
    }
    let secret = URL_SAFE_NO_PAD.decode(str_field(jwk, "k")?).ok()?;
    if secret.is_empty() {
        return None;
    }
    Some(OctKey {
        kid: kid(jwk),
        secret: SecretBytes::new(secret),
    })
}

impl Jwks {
    /// Reads `{"keys": [...]}`. EC P-256 keys (for ES256) and `oct` keys (for HS256) are kept;
    /// keys of other types (RSA, OKP, other curves), for other uses, or that do not decode are
    /// skipped, so one key rowgate cannot use never locks out the others.
    pub fn parse(json: &str) -> Result<Jwks, JwksError> {
        #[derive(Deserialize)]
        struct KeySet {
            keys: Vec<Value>,
        }
        let set: KeySet = serde_json::from_str(json).map_err(|_| JwksError::NotAKeySet)?;
        let mut jwks = Jwks::default();
        for jwk in &set.keys {
            if let Some(k) = ec_key(jwk) {
                jwks.ec.push(k);
            } else if let Some(k) = oct_key(jwk) {
                jwks.oct.push(k);
            } else {
                jwks.skipped += 1;
            }
        }
        Ok(jwks)
    }

    /// Usable EC P-256 keys (ES256).
    pub fn ec_key_count(&self) -> usize {
        self.ec.len()
    }

    /// Usable symmetric keys (HS256).
    pub fn oct_key_count(&self) -> usize {
        self.oct.len()
    }

    /// Keys that were skipped as unsupported or undecodable.
    pub fn skipped_count(&self) -> usize {
        self.skipped
    }
}

#[derive(Deserialize)]
struct Header {
    alg: String,
    #[serde(default)]
    kid: Option<String>,
    /// Only its presence matters: no critical extension is understood, so any makes the token
    /// unusable (RFC 7515 §4.1.11).
    #[serde(default)]
    crit: Option<serde::de::IgnoredAny>,
}

impl Header {
    /// A JSON object with a string `alg`. Derived structs would also take a JSON array of the
    /// fields in order, which no JWS header is, hence the check for `{`. Duplicate fields are
    /// refused, so no two readers of the same header can see different algorithms.
    fn parse(json: &[u8]) -> Option<Header> {
        if json.trim_ascii_start().first() != Some(&b'{') {
            return None;
        }
        serde_json::from_slice(json).ok()
    }
}

/// Verifies tokens; build it once per configuration and share it.
///
/// Defaults: no keys, accepted audience `authenticated`, accepted role `authenticated` only (add
/// `anon` and `service_role` with [`JwtVerifier::with_roles`] where API keys are welcome),
/// 30 seconds of leeway.
///
/// Audience rule: a token passes if its `aud` (a string, or an array) contains any accepted
/// audience. A token without `aud` passes only if its role is `anon` or `service_role`
/// ([`ROLES_WITHOUT_AUDIENCE`]), because Supabase's anon and service-role API keys carry none; a
/// user's (`authenticated`) token, or any other role's, without `aud` is refused.
#[derive(Clone)]
pub struct JwtVerifier {
    hs256_secret: Option<SecretBytes>,
    jwks: Jwks,
    audiences: Vec<String>,
    roles: Vec<String>,
    leeway: i64,
}

impl fmt::Debug for JwtVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwtVerifier")
            .field("hs256_secret", &self.hs256_secret)
            .field("jwks", &self.jwks)
            .field("audiences", &self.audiences)
            .field("roles", &self.roles)
            .field("leeway", &self.leeway)
            .finish()
    }
}

impl Default for JwtVerifier {
    fn default() -> Self {
        Self::new()
    }
}

fn b64(segment: &str, malformed: Malformed) -> Result<Vec<u8>, JwtError> {
    URL_SAFE_NO_PAD
        .decode(segment)
        .map_err(|_| JwtError::Malformed(malformed))
}

/// `s` cut to [`ECHO_LIMIT`] characters, for echoing an unverified value in an error.
fn clip(s: &str) -> String {
    s.chars().take(ECHO_LIMIT).collect()
}

fn hmac_sha256(key: &[u8], input: &[u8]) -> [u8; 32] {
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(input);
    mac.finalize().into_bytes().into()
}

/// A NumericDate (RFC 7519 §2) as whole seconds. Fractions are rounded the strict way for the
/// claim (`exp` down, `nbf` up); values beyond `i64` saturate, so later arithmetic cannot
/// overflow into a valid time.
fn seconds(value: &Value, round_up: bool) -> Option<i64> {
    if let Some(n) = value.as_i64() {
        return Some(n);
    }
    if value.as_u64().is_some() {
        return Some(i64::MAX);
    }
    let f = value.as_f64()?;
    Some(if round_up { f.ceil() } else { f.floor() } as i64)
}

/// An optional string claim: absent or `null` is `None`; any other type is malformed.
fn optional_string(
    raw: &Map<String, Value>,
    claim: &'static str,
) -> Result<Option<String>, JwtError> {
    match raw.get(claim) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(JwtError::Malformed(Malformed::Claim(claim))),
    }
}

/// `aud` as a list; `None` when absent.
fn audience(raw: &Map<String, Value>) -> Result<Option<Vec<String>>, JwtError> {
    let bad = JwtError::Malformed(Malformed::Claim("aud"));
    match raw.get("aud") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(a)) => Ok(Some(vec![a.clone()])),
        Some(Value::Array(list)) => list
            .iter()
            .map(|a| a.as_str().map(str::to_owned).ok_or(bad.clone()))
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        Some(_) => Err(bad),
    }
}

impl JwtVerifier {
    /// No keys yet; see the type's documentation for the defaults.
    pub fn new() -> Self {
        JwtVerifier {
            hs256_secret: None,
            jwks: Jwks::default(),
            audiences: vec![DEFAULT_AUDIENCE.to_owned()],
            roles: vec!["authenticated".to_owned()],
            leeway: i64::from(DEFAULT_LEEWAY_SECONDS),
        }
    }

    /// The project's legacy JWT secret, as the bytes of the secret string (Supabase does not
    /// base64-decode it).
    pub fn with_hs256_secret(mut self, secret: &[u8]) -> Self {
        self.hs256_secret = Some(SecretBytes::new(secret));
        self
    }

    /// The project's JWKS, already parsed (replaces any set given before).
    pub fn with_key_set(mut self, jwks: Jwks) -> Self {
        self.jwks = jwks;
        self
    }

    /// The project's JWKS as JSON text (replaces any set given before). A text that is not a
    /// key set gives no keys, so ES256 tokens are then refused with
    /// [`JwtError::NoKeyConfigured`]; use [`Jwks::parse`] to learn why it was not one.
    pub fn with_jwks(self, jwks: &str) -> Self {
        self.with_key_set(Jwks::parse(jwks).unwrap_or_default())
    }

    /// The one accepted audience (for several, [`JwtVerifier::with_audiences`]).
    pub fn with_audience(self, aud: &str) -> Self {
        self.with_audiences(&[aud])
    }

    /// The accepted audiences: a token passes if its `aud` contains any of them.
    pub fn with_audiences(mut self, auds: &[&str]) -> Self {
        self.audiences = auds.iter().map(|a| (*a).to_owned()).collect();
        self
    }

    /// The accepted roles, e.g. `["anon", "authenticated", "service_role"]`.
    pub fn with_roles(mut self, roles: &[&str]) -> Self {
        self.roles = roles.iter().map(|r| (*r).to_owned()).collect();
        self
    }

    /// Seconds of clock skew tolerated on `exp` and `nbf`.
    pub fn with_leeway(mut self, seconds: u32) -> Self {
        self.leeway = i64::from(seconds);
        self
    }

    /// The HMAC key for an HS256 token: the `oct` key its `kid` names, else the legacy secret
    /// (Supabase's legacy tokens may name a kid that no public JWKS lists), else the only `oct`
    /// key of a token without kid. Never an EC key.
    fn hs256_key(&self, kid: Option<&str>) -> Result<&[u8], JwtError> {
        let oct = &self.jwks.oct;
        if let Some(kid) = kid {
            if let Some(k) = oct.iter().find(|k| k.kid.as_deref() == Some(kid)) {
                return Ok(k.secret.expose());
            }
        }
        if let Some(secret) = &self.hs256_secret {
            return Ok(secret.expose());
        }
        match (kid, oct.as_slice()) {
            (_, []) => Err(JwtError::NoKeyConfigured {
                alg: Algorithm::Hs256,
            }),
            (None, [only]) => Ok(only.secret.expose()),
            (None, _) => Err(JwtError::KeyIdRequired),
            (Some(kid), _) => Err(JwtError::UnknownKey { kid: clip(kid) }),
        }
    }

    /// The EC key for an ES256 token: the one its `kid` names, or the only one if it names none.
    /// Never an HMAC secret.
    fn es256_key(&self, kid: Option<&str>) -> Result<&VerifyingKey, JwtError> {
        let ec = &self.jwks.ec;
        if ec.is_empty() {
            return Err(JwtError::NoKeyConfigured {
                alg: Algorithm::Es256,
            });
        }
        match kid {
            Some(kid) => ec
                .iter()
                .find(|k| k.kid.as_deref() == Some(kid))
                .map(|k| &k.key)
                .ok_or_else(|| JwtError::UnknownKey { kid: clip(kid) }),
            None if ec.len() == 1 => Ok(&ec[0].key),
            None => Err(JwtError::KeyIdRequired),
        }
    }

    fn check_signature(
        &self,
        alg: Algorithm,
        kid: Option<&str>,
        input: &[u8],
        signature: &[u8],
    ) -> Result<(), JwtError> {
        match alg {
            Algorithm::Hs256 => {
                let expected = hmac_sha256(self.hs256_key(kid)?, input);
                if constant_time_eq(&expected, signature) {
                    Ok(())
                } else {
                    Err(JwtError::BadSignature)
                }
            }
            Algorithm::Es256 => {
                let key = self.es256_key(kid)?;
                // JWS carries the raw 64-byte r||s, not DER; anything else is not a signature.
                let signature =
                    Signature::from_slice(signature).map_err(|_| JwtError::BadSignature)?;
                key.verify(input, &signature)
                    .map_err(|_| JwtError::BadSignature)
            }
        }
    }

    fn check_audience(&self, aud: Option<&[String]>, role: &str) -> Result<(), JwtError> {
        let accepted = match aud {
            Some(list) => list.iter().any(|a| self.audiences.contains(a)),
            None => ROLES_WITHOUT_AUDIENCE.contains(&role),
        };
        if accepted {
            Ok(())
        } else {
            Err(JwtError::WrongAudience)
        }
    }

    /// Verifies `token` at `now_unix` (seconds) and returns its claims. The signature is checked
    /// before the payload is parsed; then `exp` (required), `nbf` (if present), `role` and `aud`.
    /// `iat` is not checked: a clock a little ahead at the issuer must not lock users out.
    pub fn verify(&self, token: &str, now_unix: i64) -> Result<Claims, JwtError> {
        if token.trim().is_empty() {
            return Err(JwtError::Missing);
        }
        let segments: Vec<&str> = token.split('.').collect();
        let [header_b64, payload_b64, signature_b64] = segments[..] else {
            return Err(JwtError::Malformed(Malformed::Segments));
        };
        let header = b64(header_b64, Malformed::HeaderBase64)?;
        let header = Header::parse(&header).ok_or(JwtError::Malformed(Malformed::HeaderJson))?;
        let alg = Algorithm::parse(&header.alg).ok_or_else(|| JwtError::UnsupportedAlgorithm {
            alg: clip(&header.alg),
        })?;
        if header.crit.is_some() {
            return Err(JwtError::Malformed(Malformed::CriticalHeader));
        }
        let payload = b64(payload_b64, Malformed::PayloadBase64)?;
        let signature = b64(signature_b64, Malformed::SignatureBase64)?;
        let input = &token.as_bytes()[..header_b64.len() + 1 + payload_b64.len()];
        self.check_signature(alg, header.kid.as_deref(), input, &signature)?;

        let raw: Map<String, Value> = serde_json::from_slice(&payload)
            .map_err(|_| JwtError::Malformed(Malformed::PayloadJson))?;
        self.check_claims(raw, now_unix)
    }

    fn check_claims(&self, raw: Map<String, Value>, now: i64) -> Result<Claims, JwtError> {
        let exp = raw
            .get("exp")
            .and_then(|v| seconds(v, false))
            .ok_or(JwtError::Malformed(Malformed::Claim("exp")))?;
        let nbf = match raw.get("nbf") {
            Some(nbf) => {
                Some(seconds(nbf, true).ok_or(JwtError::Malformed(Malformed::Claim("nbf")))?)
            }
            None => None,
        };
        self.check_times(exp, nbf, now)?;
        let role = match raw.get("role") {
            None | Some(Value::Null) => return Err(JwtError::MissingRole),
            Some(Value::String(r)) if r.is_empty() => return Err(JwtError::MissingRole),
            Some(Value::String(r)) => r.clone(),
            Some(_) => return Err(JwtError::Malformed(Malformed::Claim("role"))),
        };
        if !self.roles.contains(&role) {
            return Err(JwtError::RoleNotAllowed { role: clip(&role) });
        }
        let aud = audience(&raw)?;
        self.check_audience(aud.as_deref(), &role)?;
        Ok(Claims {
            sub: optional_string(&raw, "sub")?,
            email: optional_string(&raw, "email")?,
            app_metadata: raw.get("app_metadata").filter(|v| !v.is_null()).cloned(),
            aud: aud.unwrap_or_default(),
            role,
            exp,
            raw,
        })
    }
}

/// Tokens a verifier has already accepted, with the times that bound them, so that a caller who
/// sends the same token on every request (an app's session, a server's service key) pays for
/// its signature once. Only the time checks, the one part of a verdict that changes, are made
/// again; a hit needs the exact token text, so a changed byte is verified from scratch.
///
/// A cache belongs to one verifier (one set of keys, audiences, roles and leeway): drop it with
/// the verifier. It holds at most `capacity` tokens and starts afresh when full.
///
/// ```
/// use rowgate_core::jwt::{sign_hs256, JwtVerifier, VerifiedTokens};
/// use serde_json::json;
///
/// let secret = b"super-secret-jwt-token-with-at-least-32-characters-long";
/// let token = sign_hs256(&json!({"role": "service_role", "exp": 2_000_000_000}), secret);
/// let verifier = JwtVerifier::new().with_hs256_secret(secret).with_roles(&["service_role"]);
/// let mut seen = VerifiedTokens::new(64);
///
/// assert!(verifier.verify_cached(&mut seen, &token, 1_900_000_000).is_ok());
/// assert_eq!(seen.len(), 1);
/// assert!(verifier.verify_cached(&mut seen, &token, 2_100_000_000).is_err()); // expired
/// assert_eq!(seen.len(), 0);
/// ```
#[derive(Debug, Clone)]
pub struct VerifiedTokens {
    tokens: HashMap<String, Validity>,
    capacity: usize,
}

/// When an accepted token may be used: `exp`, and `nbf` where the token has one.
#[derive(Debug, Clone, Copy)]
struct Validity {
    exp: i64,
    nbf: Option<i64>,
}

impl VerifiedTokens {
    pub fn new(capacity: usize) -> Self {
        Self {
            tokens: HashMap::new(),
            capacity: capacity.max(1),
        }
    }

    pub fn len(&self) -> usize {
        self.tokens.len()
    }

    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }
}

impl JwtVerifier {
    /// [`JwtVerifier::verify`] for a token seen before: a token this verifier accepted is
    /// accepted again while its `exp` (and `nbf`) allow, without checking its signature again;
    /// an expired one leaves the cache. Any other token is verified in full, and remembered if
    /// it passes. Refusals are never remembered.
    pub fn verify_cached(
        &self,
        seen: &mut VerifiedTokens,
        token: &str,
        now_unix: i64,
    ) -> Result<(), JwtError> {
        if let Some(v) = seen.tokens.get(token).copied() {
            let verdict = self.check_times(v.exp, v.nbf, now_unix);
            if verdict.is_err() {
                seen.tokens.remove(token);
            }
            return verdict;
        }
        let claims = self.verify(token, now_unix)?;
        let nbf = claims.raw.get("nbf").and_then(|v| seconds(v, true));
        if seen.tokens.len() >= seen.capacity {
            seen.tokens.clear();
        }
        seen.tokens.insert(
            token.to_string(),
            Validity {
                exp: claims.exp,
                nbf,
            },
        );
        Ok(())
    }

    /// `exp` and `nbf` against `now`, with the verifier's leeway.
    fn check_times(&self, exp: i64, nbf: Option<i64>, now: i64) -> Result<(), JwtError> {
        if now > exp.saturating_add(self.leeway) {
            return Err(JwtError::Expired);
        }
        if nbf.is_some_and(|nbf| now.saturating_add(self.leeway) < nbf) {
            return Err(JwtError::NotYetValid);
        }
        Ok(())
    }
}

/// Signs `claims` with HS256, as Supabase Auth signs with the legacy secret. For tests, the
/// local tooling that mints test tokens, and trusted server-to-server callers; the Worker itself
/// never issues tokens.
pub fn sign_hs256(claims: &Value, secret: &[u8]) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    let input = format!("{header}.{payload}");
    let signature = hmac_sha256(secret, input.as_bytes());
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature))
}

/// ES256 signing for tests and local tooling, with a fixed private key: RFC 6979 signatures are
/// deterministic, so no randomness (and no getrandom in the wasm build) is involved. Compiled
/// only for this crate's tests or with the `test-signing` feature, so a production build cannot
/// mint ES256 tokens.
#[cfg(any(test, feature = "test-signing"))]
pub mod es256_test_support {
    use std::fmt;

    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    use p256::ecdsa::signature::Signer;
    use p256::ecdsa::{Signature, SigningKey};
    use serde_json::{json, Value};

    /// The private key of RFC 6979 appendix A.2.5 (P-256), public and well known: the local
    /// stack's JWKS lists its public half.
    pub const RFC6979_P256_PRIVATE_KEY: [u8; 32] = [
        0xc9, 0xaf, 0xa9, 0xd8, 0x45, 0xba, 0x75, 0x16, 0x6b, 0x5c, 0x21, 0x57, 0x67, 0xb1, 0xd6,
        0x93, 0x4e, 0x50, 0xc3, 0xdb, 0x36, 0xe8, 0x9b, 0x12, 0x7b, 0x8a, 0x62, 0x2b, 0x12, 0x0f,
        0x67, 0x21,
    ];

    /// A P-256 signing key with the kid its tokens name.
    #[derive(Clone)]
    pub struct Es256TestKey {
        key: SigningKey,
        kid: String,
    }

    impl fmt::Debug for Es256TestKey {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.debug_struct("Es256TestKey")
                .field("kid", &self.kid)
                .finish_non_exhaustive()
        }
    }

    fn b64(bytes: &[u8]) -> String {
        URL_SAFE_NO_PAD.encode(bytes)
    }

    impl Es256TestKey {
        /// `None` if `private_key` is not a valid P-256 scalar (zero, or not below the order).
        pub fn from_bytes(private_key: &[u8; 32], kid: &str) -> Option<Self> {
            Some(Es256TestKey {
                key: SigningKey::from_slice(private_key).ok()?,
                kid: kid.to_owned(),
            })
        }

        /// The RFC 6979 example key under `kid`.
        pub fn rfc6979(kid: &str) -> Self {
            Self::from_bytes(&RFC6979_P256_PRIVATE_KEY, kid).expect("a valid P-256 scalar")
        }

        pub fn kid(&self) -> &str {
            &self.kid
        }

        /// The public JWK, as a Supabase JWKS lists it.
        pub fn jwk(&self) -> Value {
            let point = self.key.verifying_key().to_encoded_point(false);
            json!({
                "kty": "EC", "crv": "P-256", "alg": "ES256", "use": "sig", "kid": self.kid,
                "x": b64(point.x().expect("an uncompressed point")),
                "y": b64(point.y().expect("an uncompressed point")),
            })
        }

        /// A JWKS (`{"keys": [...]}`) holding just this key.
        pub fn jwks(&self) -> String {
            json!({ "keys": [self.jwk()] }).to_string()
        }

        /// An ES256 token of `claims` whose header names this key's kid.
        pub fn sign(&self, claims: &Value) -> String {
            self.sign_with_header(
                &json!({"alg": "ES256", "typ": "JWT", "kid": self.kid}),
                claims,
            )
        }

        /// An ES256 token of `claims` whose header names no kid.
        pub fn sign_without_kid(&self, claims: &Value) -> String {
            self.sign_with_header(&json!({"alg": "ES256", "typ": "JWT"}), claims)
        }

        /// `header.claims` signed with this key, whatever the header says: for tests of what the
        /// verifier makes of odd headers.
        pub fn sign_with_header(&self, header: &Value, claims: &Value) -> String {
            let input = format!(
                "{}.{}",
                b64(header.to_string().as_bytes()),
                b64(claims.to_string().as_bytes())
            );
            let signature: Signature = self.key.sign(input.as_bytes());
            format!("{input}.{}", b64(&signature.to_bytes()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::es256_test_support::Es256TestKey;
    use super::*;
    use serde_json::json;

    const SECRET: &[u8] = b"super-secret-jwt-token-with-at-least-32-characters-long";
    const NOW: i64 = 1_900_000_000;
    const LEEWAY: i64 = DEFAULT_LEEWAY_SECONDS as i64;
    /// The Supabase CLI's local anon key: role anon, no `aud`, signed with the local secret.
    const SUPABASE_LOCAL_ANON: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZS1kZW1vIiwicm9sZSI6ImFub24iLCJleHAiOjE5ODM4MTI5OTZ9.CRXP1A7WOeoJeXxjNni43kdQwgnWNReilDMblYTn_I0";
    /// The public half of the RFC 6979 key, as the local stack's JWKS lists it.
    const LOCAL_X: &str = "YP7UuiVanTHJYet0xjVtaMBJuJI7Yfps5mliLmDyn7Y";
    const LOCAL_Y: &str = "eQP-EAi4vJmkGunpVii8ZPLxsgwtfp9Rd6PClNRGIpk";
    const ALL_ROLES: [&str; 3] = ["anon", "authenticated", "service_role"];

    fn user() -> Value {
        json!({"sub": "user-1", "role": "authenticated", "aud": "authenticated", "exp": NOW + 60,
               "email": "a@b.co", "app_metadata": {"tenant": "t1"}})
    }

    fn with(mut claims: Value, name: &str, value: Value) -> Value {
        claims[name] = value;
        claims
    }

    fn without(mut claims: Value, name: &str) -> Value {
        claims.as_object_mut().unwrap().remove(name);
        claims
    }

    fn enc(v: &Value) -> String {
        URL_SAFE_NO_PAD.encode(v.to_string())
    }

    fn key() -> Es256TestKey {
        Es256TestKey::rfc6979("k1")
    }

    /// A JWKS with the test key, plus keys rowgate must skip.
    fn jwks_text() -> String {
        json!({"keys": [
            key().jwk(),
            {"kty": "RSA", "kid": "rsa", "n": "sXch", "e": "AQAB"},
            {"kty": "EC", "crv": "P-384", "kid": "p384", "x": "AA", "y": "AA"},
            {"kty": "EC", "crv": "P-256", "kid": "enc", "use": "enc", "x": LOCAL_X, "y": LOCAL_Y},
            {"kty": "EC", "crv": "P-256", "kid": "off-curve", "x": LOCAL_X, "y": LOCAL_X},
            "not even an object",
        ]})
        .to_string()
    }

    fn hs() -> JwtVerifier {
        JwtVerifier::new()
            .with_hs256_secret(SECRET)
            .with_roles(&ALL_ROLES)
    }

    fn es() -> JwtVerifier {
        JwtVerifier::new()
            .with_jwks(&jwks_text())
            .with_roles(&ALL_ROLES)
    }

    fn hs_token(claims: &Value) -> String {
        sign_hs256(claims, SECRET)
    }

    fn replace_segment(token: &str, index: usize, segment: &str) -> String {
        let mut parts: Vec<&str> = token.split('.').collect();
        parts[index] = segment;
        parts.join(".")
    }

    #[test]
    fn a_valid_hs256_user_token_is_accepted_with_its_claims() {
        let c = hs().verify(&hs_token(&user()), NOW).unwrap();
        assert_eq!(c.sub.as_deref(), Some("user-1"));
        assert_eq!(c.role, "authenticated");
        assert_eq!(c.aud, vec!["authenticated".to_owned()]);
        assert_eq!(c.exp, NOW + 60);
        assert_eq!(c.email.as_deref(), Some("a@b.co"));
        assert_eq!(c.app_metadata, Some(json!({"tenant": "t1"})));
        assert_eq!(Value::Object(c.raw), user());
    }

    #[test]
    fn the_supabase_local_anon_key_verifies_with_role_anon_and_no_audience() {
        let c = hs().verify(SUPABASE_LOCAL_ANON, NOW).unwrap();
        assert_eq!(c.role, "anon");
        assert!(c.aud.is_empty());
        assert_eq!(c.raw["iss"], "supabase-demo");
    }

    #[test]
    fn the_anon_key_is_refused_where_only_users_are_accepted() {
        assert_eq!(
            JwtVerifier::new()
                .with_hs256_secret(SECRET)
                .verify(SUPABASE_LOCAL_ANON, NOW),
            Err(JwtError::RoleNotAllowed {
                role: "anon".into()
            })
        );
    }

    #[test]
    fn a_service_role_token_without_an_audience_is_accepted() {
        let t = hs_token(&json!({"role": "service_role", "exp": NOW + 60}));
        assert_eq!(hs().verify(&t, NOW).unwrap().role, "service_role");
    }

    #[test]
    fn a_user_token_without_an_audience_is_refused() {
        let t = hs_token(&without(user(), "aud"));
        assert_eq!(hs().verify(&t, NOW), Err(JwtError::WrongAudience));
    }

    #[test]
    fn an_anon_token_with_a_wrong_audience_is_refused() {
        let t = hs_token(&json!({"role": "anon", "aud": "elsewhere", "exp": NOW + 60}));
        assert_eq!(hs().verify(&t, NOW), Err(JwtError::WrongAudience));
    }

    #[test]
    fn a_token_for_another_audience_is_refused() {
        let t = hs_token(&with(user(), "aud", json!("some-other-api")));
        assert_eq!(hs().verify(&t, NOW), Err(JwtError::WrongAudience));
    }

    #[test]
    fn an_audience_array_passes_if_it_holds_an_accepted_audience() {
        let t = hs_token(&with(user(), "aud", json!(["other", "authenticated"])));
        assert_eq!(
            hs().verify(&t, NOW).unwrap().aud,
            vec!["other".to_owned(), "authenticated".to_owned()]
        );
        let t = hs_token(&with(user(), "aud", json!(["other"])));
        assert_eq!(hs().verify(&t, NOW), Err(JwtError::WrongAudience));
        let t = hs_token(&with(user(), "aud", json!([])));
        assert_eq!(hs().verify(&t, NOW), Err(JwtError::WrongAudience));
    }

    #[test]
    fn any_of_several_configured_audiences_is_accepted() {
        let v = hs().with_audiences(&["api", "authenticated"]);
        assert!(v
            .verify(&hs_token(&with(user(), "aud", json!("api"))), NOW)
            .is_ok());
        assert!(v.verify(&hs_token(&user()), NOW).is_ok());
        let only_api = hs().with_audience("api");
        assert_eq!(
            only_api.verify(&hs_token(&user()), NOW),
            Err(JwtError::WrongAudience)
        );
    }

    #[test]
    fn an_audience_that_is_neither_string_nor_strings_is_malformed() {
        for aud in [json!(7), json!({"a": 1}), json!(["authenticated", 7])] {
            assert_eq!(
                hs().verify(&hs_token(&with(user(), "aud", aud)), NOW),
                Err(JwtError::Malformed(Malformed::Claim("aud")))
            );
        }
    }

    #[test]
    fn a_valid_es256_token_is_accepted_by_its_kid() {
        let v = es();
        assert_eq!(v.jwks.ec_key_count(), 1);
        let c = v.verify(&key().sign(&user()), NOW).unwrap();
        assert_eq!(c.sub.as_deref(), Some("user-1"));
    }

    #[test]
    fn the_test_key_is_the_local_stacks_jwks_key() {
        let jwk = key().jwk();
        assert_eq!(
            (jwk["x"].as_str(), jwk["y"].as_str()),
            (Some(LOCAL_X), Some(LOCAL_Y))
        );
    }

    #[test]
    fn unsupported_and_broken_keys_are_skipped_without_losing_the_set() {
        let set = Jwks::parse(&jwks_text()).unwrap();
        assert_eq!(
            (set.ec_key_count(), set.oct_key_count(), set.skipped_count()),
            (1, 0, 5)
        );
    }

    #[test]
    fn a_jwks_that_is_not_a_key_set_is_an_error_and_gives_no_keys() {
        assert_eq!(Jwks::parse("[]").unwrap_err(), JwksError::NotAKeySet);
        assert_eq!(Jwks::parse("nope").unwrap_err(), JwksError::NotAKeySet);
        let v = JwtVerifier::new().with_jwks("nope");
        assert_eq!(
            v.verify(&key().sign(&user()), NOW),
            Err(JwtError::NoKeyConfigured {
                alg: Algorithm::Es256
            })
        );
    }

    #[test]
    fn an_es256_token_without_kid_uses_the_only_ec_key() {
        assert!(es().verify(&key().sign_without_kid(&user()), NOW).is_ok());
    }

    #[test]
    fn an_es256_token_without_kid_is_refused_when_several_keys_could_have_signed() {
        let other = Es256TestKey::from_bytes(&[7; 32], "k2").unwrap();
        let set = json!({"keys": [key().jwk(), other.jwk()]}).to_string();
        let v = JwtVerifier::new().with_jwks(&set);
        assert_eq!(
            v.verify(&key().sign_without_kid(&user()), NOW),
            Err(JwtError::KeyIdRequired)
        );
        assert!(v.verify(&other.sign(&user()), NOW).is_ok());
    }

    #[test]
    fn an_unknown_kid_is_reported_so_the_caller_can_refresh_the_jwks() {
        let t = Es256TestKey::rfc6979("k2").sign(&user());
        assert_eq!(
            es().verify(&t, NOW),
            Err(JwtError::UnknownKey { kid: "k2".into() })
        );
    }

    #[test]
    fn a_token_signed_by_another_key_under_a_known_kid_is_refused() {
        let impostor = Es256TestKey::from_bytes(&[7; 32], "k1").unwrap();
        assert_eq!(
            es().verify(&impostor.sign(&user()), NOW),
            Err(JwtError::BadSignature)
        );
    }

    #[test]
    fn an_embedded_jwk_header_is_never_trusted() {
        let attacker = Es256TestKey::from_bytes(&[7; 32], "k1").unwrap();
        let header = json!({"alg": "ES256", "kid": "evil", "jwk": attacker.jwk()});
        assert_eq!(
            es().verify(&attacker.sign_with_header(&header, &user()), NOW),
            Err(JwtError::UnknownKey { kid: "evil".into() })
        );
    }

    #[test]
    fn a_tampered_payload_is_refused() {
        let forged = enc(&with(user(), "role", json!("service_role")));
        let t = replace_segment(&hs_token(&user()), 1, &forged);
        assert_eq!(hs().verify(&t, NOW), Err(JwtError::BadSignature));
        let t = replace_segment(&key().sign(&user()), 1, &forged);
        assert_eq!(es().verify(&t, NOW), Err(JwtError::BadSignature));
    }

    #[test]
    fn a_tampered_signature_is_refused() {
        for (v, token) in [(hs(), hs_token(&user())), (es(), key().sign(&user()))] {
            let sig = token.rsplit('.').next().unwrap();
            let mut bytes = URL_SAFE_NO_PAD.decode(sig).unwrap();
            bytes[5] ^= 1;
            let t = replace_segment(&token, 2, &URL_SAFE_NO_PAD.encode(&bytes));
            assert_eq!(v.verify(&t, NOW), Err(JwtError::BadSignature));
            let t = replace_segment(&token, 2, "");
            assert_eq!(v.verify(&t, NOW), Err(JwtError::BadSignature));
        }
    }

    #[test]
    fn a_der_encoded_es256_signature_is_refused() {
        let token = key().sign(&user());
        let sig = URL_SAFE_NO_PAD
            .decode(token.rsplit('.').next().unwrap())
            .unwrap();
        let der = Signature::from_slice(&sig).unwrap().to_der();
        let t = replace_segment(&token, 2, &URL_SAFE_NO_PAD.encode(der.as_bytes()));
        assert_eq!(es().verify(&t, NOW), Err(JwtError::BadSignature));
    }

    #[test]
    fn an_expired_token_is_accepted_within_the_leeway() {
        let t = hs_token(&with(user(), "exp", json!(NOW - LEEWAY)));
        assert!(hs().verify(&t, NOW).is_ok());
    }

    #[test]
    fn an_expired_token_is_rejected_just_past_the_leeway() {
        let t = hs_token(&with(user(), "exp", json!(NOW - LEEWAY - 1)));
        assert_eq!(hs().verify(&t, NOW), Err(JwtError::Expired));
        let t = key().sign(&with(user(), "exp", json!(NOW - LEEWAY - 1)));
        assert_eq!(es().verify(&t, NOW), Err(JwtError::Expired));
    }

    #[test]
    fn the_leeway_can_be_set_to_zero() {
        let t = hs_token(&with(user(), "exp", json!(NOW - 1)));
        assert_eq!(hs().with_leeway(0).verify(&t, NOW), Err(JwtError::Expired));
    }

    #[test]
    fn a_fractional_exp_is_rounded_down() {
        let t = hs_token(&with(user(), "exp", json!((NOW - LEEWAY) as f64 - 0.5)));
        assert_eq!(hs().verify(&t, NOW), Err(JwtError::Expired));
    }

    #[test]
    fn an_enormous_exp_does_not_overflow() {
        for exp in [json!(i64::MAX), json!(u64::MAX), json!(1e300)] {
            let t = hs_token(&with(user(), "exp", exp));
            assert_eq!(hs().verify(&t, NOW).unwrap().exp, i64::MAX);
        }
    }

    #[test]
    fn a_token_without_a_numeric_exp_is_malformed() {
        for claims in [without(user(), "exp"), with(user(), "exp", json!("soon"))] {
            assert_eq!(
                hs().verify(&hs_token(&claims), NOW),
                Err(JwtError::Malformed(Malformed::Claim("exp")))
            );
        }
    }

    #[test]
    fn a_token_whose_nbf_is_in_the_future_is_refused() {
        let t = hs_token(&with(user(), "nbf", json!(NOW + LEEWAY + 1)));
        assert_eq!(hs().verify(&t, NOW), Err(JwtError::NotYetValid));
    }

    #[test]
    fn an_nbf_within_the_leeway_is_accepted() {
        let t = hs_token(&with(user(), "nbf", json!(NOW + LEEWAY)));
        assert!(hs().verify(&t, NOW).is_ok());
    }

    #[test]
    fn an_iat_in_the_future_is_not_checked() {
        let t = hs_token(&with(user(), "iat", json!(NOW + 3600)));
        assert!(hs().verify(&t, NOW).is_ok());
    }

    #[test]
    fn a_token_without_a_role_is_refused() {
        for claims in [
            without(user(), "role"),
            with(user(), "role", json!("")),
            with(user(), "role", Value::Null),
        ] {
            assert_eq!(
                hs().verify(&hs_token(&claims), NOW),
                Err(JwtError::MissingRole)
            );
        }
    }

    #[test]
    fn a_role_that_is_not_a_string_is_malformed() {
        let t = hs_token(&with(user(), "role", json!(["authenticated"])));
        assert_eq!(
            hs().verify(&t, NOW),
            Err(JwtError::Malformed(Malformed::Claim("role")))
        );
    }

    #[test]
    fn a_role_not_in_the_accepted_list_is_refused() {
        let t = hs_token(&with(user(), "role", json!("supabase_admin")));
        assert_eq!(
            hs().verify(&t, NOW),
            Err(JwtError::RoleNotAllowed {
                role: "supabase_admin".into()
            })
        );
        let service = hs_token(&json!({"role": "service_role", "exp": NOW + 60}));
        assert_eq!(
            hs().with_roles(&["authenticated"]).verify(&service, NOW),
            Err(JwtError::RoleNotAllowed {
                role: "service_role".into()
            })
        );
    }

    #[test]
    fn a_sub_or_email_of_the_wrong_type_is_malformed() {
        let t = hs_token(&with(user(), "sub", json!(42)));
        assert_eq!(
            hs().verify(&t, NOW),
            Err(JwtError::Malformed(Malformed::Claim("sub")))
        );
        let t = hs_token(&with(user(), "email", json!(true)));
        assert_eq!(
            hs().verify(&t, NOW),
            Err(JwtError::Malformed(Malformed::Claim("email")))
        );
    }

    #[test]
    fn alg_none_is_refused() {
        for sig in ["", "AAAA"] {
            let t = format!("{}.{}.{sig}", enc(&json!({"alg": "none"})), enc(&user()));
            assert_eq!(
                hs().verify(&t, NOW),
                Err(JwtError::UnsupportedAlgorithm { alg: "none".into() })
            );
        }
    }

    #[test]
    fn hs512_and_other_spellings_are_refused() {
        for alg in ["HS512", "RS256", "hs256", "HS256 ", "ES256K"] {
            let t = format!("{}.{}.AAAA", enc(&json!({"alg": alg})), enc(&user()));
            assert_eq!(
                hs().verify(&t, NOW),
                Err(JwtError::UnsupportedAlgorithm { alg: alg.into() }),
                "{alg}"
            );
        }
    }

    #[test]
    fn an_unsupported_alg_is_echoed_only_in_part() {
        let alg = "x".repeat(10_000);
        let t = format!("{}.{}.AAAA", enc(&json!({"alg": alg})), enc(&user()));
        let message = hs().verify(&t, NOW).unwrap_err().to_string();
        assert!(message.len() < 300, "{message}");
    }

    #[test]
    fn an_hs256_token_keyed_with_the_ec_public_key_is_refused() {
        // Algorithm confusion: the attacker uses the public key, in any encoding it is published
        // in, as an HMAC secret.
        let point = [
            &[4u8][..],
            &URL_SAFE_NO_PAD.decode(LOCAL_X).unwrap(),
            &URL_SAFE_NO_PAD.decode(LOCAL_Y).unwrap(),
        ]
        .concat();
        let jwk = key().jwk().to_string();
        let jwks = jwks_text();
        let candidates: [&[u8]; 4] = [&point, &point[1..], jwk.as_bytes(), jwks.as_bytes()];
        for public in candidates {
            for kid in [None, Some("k1")] {
                let mut header = json!({"alg": "HS256", "typ": "JWT"});
                if let Some(kid) = kid {
                    header["kid"] = json!(kid);
                }
                let input = format!("{}.{}", enc(&header), enc(&user()));
                let t = format!(
                    "{input}.{}",
                    URL_SAFE_NO_PAD.encode(hmac_sha256(public, input.as_bytes()))
                );
                assert_eq!(
                    es().verify(&t, NOW),
                    Err(JwtError::NoKeyConfigured {
                        alg: Algorithm::Hs256
                    })
                );
                assert_eq!(
                    es().with_hs256_secret(SECRET).verify(&t, NOW),
                    Err(JwtError::BadSignature)
                );
            }
        }
    }

    #[test]
    fn an_es256_token_is_refused_when_only_an_hs256_secret_is_configured() {
        assert_eq!(
            hs().verify(&key().sign(&user()), NOW),
            Err(JwtError::NoKeyConfigured {
                alg: Algorithm::Es256
            })
        );
    }

    #[test]
    fn an_hs256_token_is_refused_when_only_a_jwks_is_configured() {
        assert_eq!(
            es().verify(&hs_token(&user()), NOW),
            Err(JwtError::NoKeyConfigured {
                alg: Algorithm::Hs256
            })
        );
    }

    #[test]
    fn one_verifier_takes_both_kinds_of_token() {
        let v = es().with_hs256_secret(SECRET);
        assert!(v.verify(&hs_token(&user()), NOW).is_ok());
        assert!(v.verify(&key().sign(&user()), NOW).is_ok());
    }

    fn oct(kid: &str, secret: &[u8]) -> Value {
        json!({"kty": "oct", "kid": kid, "alg": "HS256", "k": URL_SAFE_NO_PAD.encode(secret)})
    }

    fn hs_token_with_kid(claims: &Value, kid: &str, secret: &[u8]) -> String {
        let input = format!(
            "{}.{}",
            enc(&json!({"alg": "HS256", "typ": "JWT", "kid": kid})),
            enc(claims)
        );
        let sig = URL_SAFE_NO_PAD.encode(hmac_sha256(secret, input.as_bytes()));
        format!("{input}.{sig}")
    }

    #[test]
    fn an_hs256_token_is_verified_with_the_oct_key_its_kid_names() {
        let set = json!({"keys": [oct("s1", b"first-shared-key"), oct("s2", b"second-shared-key"), key().jwk()]});
        let v = JwtVerifier::new().with_jwks(&set.to_string());
        assert_eq!((v.jwks.oct_key_count(), v.jwks.ec_key_count()), (2, 1));
        assert!(v
            .verify(&hs_token_with_kid(&user(), "s2", b"second-shared-key"), NOW)
            .is_ok());
        assert_eq!(
            v.verify(&hs_token_with_kid(&user(), "s1", b"second-shared-key"), NOW),
            Err(JwtError::BadSignature)
        );
        assert_eq!(
            v.verify(&hs_token_with_kid(&user(), "s3", b"second-shared-key"), NOW),
            Err(JwtError::UnknownKey { kid: "s3".into() })
        );
        assert_eq!(
            v.verify(&sign_hs256(&user(), b"first-shared-key"), NOW),
            Err(JwtError::KeyIdRequired)
        );
    }

    #[test]
    fn an_hs256_token_without_kid_uses_the_only_oct_key() {
        let set = json!({"keys": [oct("s1", b"first-shared-key")]});
        let v = JwtVerifier::new().with_jwks(&set.to_string());
        assert!(v
            .verify(&sign_hs256(&user(), b"first-shared-key"), NOW)
            .is_ok());
    }

    #[test]
    fn a_legacy_token_naming_an_unlisted_kid_is_checked_with_the_legacy_secret() {
        let t = hs_token_with_kid(&user(), "legacy", SECRET);
        assert!(hs().verify(&t, NOW).is_ok());
    }

    #[test]
    fn an_es256_token_is_never_checked_against_an_oct_key() {
        let set = json!({"keys": [oct("k1", b"shared"), Es256TestKey::rfc6979("other").jwk()]});
        let v = JwtVerifier::new().with_jwks(&set.to_string());
        assert_eq!(
            v.verify(&key().sign(&user()), NOW),
            Err(JwtError::UnknownKey { kid: "k1".into() })
        );
    }

    #[test]
    fn an_empty_token_is_missing() {
        assert_eq!(hs().verify("", NOW), Err(JwtError::Missing));
        assert_eq!(hs().verify("  ", NOW), Err(JwtError::Missing));
    }

    #[test]
    fn a_token_without_three_segments_is_malformed() {
        let good = hs_token(&user());
        let four = format!("{good}.AAAA");
        let parts: Vec<&str> = good.split('.').collect();
        let two = format!("{}.{}", parts[0], parts[1]);
        for t in ["not-a-jwt", "a.b", two.as_str(), four.as_str(), "..."] {
            assert_eq!(
                hs().verify(t, NOW),
                Err(JwtError::Malformed(Malformed::Segments)),
                "{t}"
            );
        }
    }

    #[test]
    fn a_segment_that_is_not_base64url_is_malformed_and_named() {
        let good = hs_token(&user());
        let cases = [
            (0, "!!!", Malformed::HeaderBase64),
            (1, "a+b/", Malformed::PayloadBase64),
            (2, "AAAA====", Malformed::SignatureBase64),
            (2, "A", Malformed::SignatureBase64),
        ];
        for (index, segment, expected) in cases {
            assert_eq!(
                hs().verify(&replace_segment(&good, index, segment), NOW),
                Err(JwtError::Malformed(expected)),
                "{segment}"
            );
        }
    }

    #[test]
    fn a_header_that_is_not_json_with_an_alg_is_malformed() {
        let good = hs_token(&user());
        for header in [
            URL_SAFE_NO_PAD.encode("not json"),
            URL_SAFE_NO_PAD.encode(r#"{"alg":"HS256","alg":"none"}"#),
            enc(&json!(["HS256"])),
            enc(&json!({"typ": "JWT"})),
            enc(&json!({"alg": 256})),
            enc(&json!({"alg": "HS256", "kid": 1})),
        ] {
            assert_eq!(
                hs().verify(&replace_segment(&good, 0, &header), NOW),
                Err(JwtError::Malformed(Malformed::HeaderJson)),
                "{header}"
            );
        }
    }

    #[test]
    fn a_header_with_critical_extensions_is_refused() {
        let header = json!({"alg": "ES256", "kid": "k1", "crit": ["exp"], "exp": 1});
        assert_eq!(
            es().verify(&key().sign_with_header(&header, &user()), NOW),
            Err(JwtError::Malformed(Malformed::CriticalHeader))
        );
    }

    #[test]
    fn a_signed_payload_that_is_not_a_json_object_is_malformed() {
        for payload in [b"not json".as_slice(), b"[1,2]", b"\"authenticated\""] {
            let input = format!(
                "{}.{}",
                enc(&json!({"alg": "HS256"})),
                URL_SAFE_NO_PAD.encode(payload)
            );
            let t = format!(
                "{input}.{}",
                URL_SAFE_NO_PAD.encode(hmac_sha256(SECRET, input.as_bytes()))
            );
            assert_eq!(
                hs().verify(&t, NOW),
                Err(JwtError::Malformed(Malformed::PayloadJson))
            );
        }
    }

    #[test]
    fn an_unsigned_payload_is_refused_before_it_is_parsed() {
        let t = format!(
            "{}.{}.AAAA",
            enc(&json!({"alg": "HS256"})),
            URL_SAFE_NO_PAD.encode("not json")
        );
        assert_eq!(hs().verify(&t, NOW), Err(JwtError::BadSignature));
    }

    #[test]
    fn every_error_message_is_a_short_sentence_with_the_words_clients_look_for() {
        let cases = [
            (JwtError::Missing, "missing"),
            (JwtError::Malformed(Malformed::Segments), "malformed"),
            (
                JwtError::UnsupportedAlgorithm { alg: "none".into() },
                "algorithm",
            ),
            (JwtError::BadSignature, "signature"),
            (JwtError::Expired, "expired"),
            (JwtError::NotYetValid, "not valid yet"),
            (JwtError::WrongAudience, "audience"),
            (JwtError::MissingRole, "role"),
            (JwtError::RoleNotAllowed { role: "x".into() }, "role"),
            (JwtError::UnknownKey { kid: "k".into() }, "key"),
            (JwtError::KeyIdRequired, "key"),
            (
                JwtError::NoKeyConfigured {
                    alg: Algorithm::Es256,
                },
                "es256",
            ),
        ];
        for (error, word) in cases {
            let message = error.to_string();
            assert!(message.to_lowercase().contains(word), "{message}");
            assert!(message.ends_with('.') && message.len() < 120, "{message}");
        }
    }

    #[test]
    fn no_debug_output_shows_a_secret() {
        let set = json!({"keys": [oct("s1", b"oct-key-material")]}).to_string();
        let v = hs().with_jwks(&set);
        let shown = format!("{v:?} {:?}", key());
        assert!(!shown.contains("super-secret"), "{shown}");
        assert!(
            !shown.contains(&URL_SAFE_NO_PAD.encode(b"oct-key-material")),
            "{shown}"
        );
        assert!(!shown.contains("oct-key-material"), "{shown}");
        assert!(!shown.contains("c9af"), "{shown}");
    }

    #[test]
    fn an_invalid_private_key_gives_no_test_key() {
        assert!(Es256TestKey::from_bytes(&[0; 32], "zero").is_none());
        assert!(Es256TestKey::from_bytes(&[0xff; 32], "too-big").is_none());
    }

    #[test]
    fn algorithms_are_spelled_exactly() {
        assert_eq!(Algorithm::parse("HS256"), Some(Algorithm::Hs256));
        assert_eq!(Algorithm::parse("ES256"), Some(Algorithm::Es256));
        assert_eq!(Algorithm::parse("es256"), None);
        assert_eq!(Algorithm::Es256.to_string(), "ES256");
    }

    #[test]
    fn a_cached_token_is_accepted_while_its_times_allow_and_leaves_when_expired() {
        let v = hs();
        let mut seen = VerifiedTokens::new(8);
        let token = hs_token(&user());
        assert_eq!(v.verify_cached(&mut seen, &token, NOW), Ok(()));
        assert_eq!(seen.len(), 1);
        assert_eq!(v.verify_cached(&mut seen, &token, NOW + 1), Ok(()));
        assert_eq!(seen.len(), 1);
        // Within the leeway after `exp`, still accepted; past it, refused and forgotten.
        assert_eq!(
            v.verify_cached(&mut seen, &token, NOW + 60 + LEEWAY),
            Ok(())
        );
        assert_eq!(
            v.verify_cached(&mut seen, &token, NOW + 61 + LEEWAY),
            Err(JwtError::Expired)
        );
        assert!(seen.is_empty());
    }

    #[test]
    fn refused_tokens_are_never_remembered() {
        let v = hs();
        let mut seen = VerifiedTokens::new(8);
        let token = hs_token(&user());
        // One character changed in the middle of the signature.
        let at = token.len() - 10;
        let swapped = if &token[at..=at] == "A" { "B" } else { "A" };
        let tampered = format!("{}{swapped}{}", &token[..at], &token[at + 1..]);
        let early = hs_token(&with(user(), "nbf", json!(NOW + 600)));
        let wrong_role = hs_token(&with(user(), "role", json!("postgres")));
        for bad in [&tampered, &early, &wrong_role] {
            let verdict = v.verify_cached(&mut seen, bad, NOW);
            assert_eq!(verdict, v.verify(bad, NOW).map(|_| ()));
            assert!(verdict.is_err());
            assert!(v.verify_cached(&mut seen, bad, NOW).is_err());
        }
        assert!(seen.is_empty());
        // The genuine token is unaffected by its tampered twin.
        assert_eq!(v.verify_cached(&mut seen, &token, NOW), Ok(()));
    }

    #[test]
    fn a_cached_token_with_nbf_is_refused_again_if_the_clock_goes_back() {
        let v = hs();
        let mut seen = VerifiedTokens::new(8);
        let token = hs_token(&with(user(), "nbf", json!(NOW)));
        assert_eq!(v.verify_cached(&mut seen, &token, NOW), Ok(()));
        assert_eq!(
            v.verify_cached(&mut seen, &token, NOW - LEEWAY - 1),
            Err(JwtError::NotYetValid)
        );
        assert!(seen.is_empty());
    }

    #[test]
    fn a_full_cache_starts_afresh_and_keeps_verifying() {
        let v = hs();
        let mut seen = VerifiedTokens::new(2);
        let tokens: Vec<String> = (0..5)
            .map(|i| hs_token(&with(user(), "sub", json!(format!("user-{i}")))))
            .collect();
        for t in &tokens {
            assert_eq!(v.verify_cached(&mut seen, t, NOW), Ok(()));
            assert!(seen.len() <= 2);
        }
        for t in &tokens {
            assert_eq!(v.verify_cached(&mut seen, t, NOW), Ok(()));
        }
    }

    #[test]
    fn the_cached_verdict_matches_a_full_verification_over_time() {
        let v = hs();
        let mut seen = VerifiedTokens::new(8);
        let token = hs_token(&with(user(), "nbf", json!(NOW - 10)));
        for now in (NOW - 200..NOW + 200).step_by(7) {
            assert_eq!(
                v.verify_cached(&mut seen, &token, now),
                v.verify(&token, now).map(|_| ()),
                "at {now}"
            );
        }
    }
}
