//! Authentication as Supabase edge functions do it: `Authorization: Bearer <JWT>`, verified with
//! the project's HS256 secret or against its JWKS (configured, or fetched from
//! `<SUPABASE_URL>/auth/v1/.well-known/jwks.json` and cached). The verification rules live in
//! `rowgate_core::jwt`; this module only finds the token, the keys and the time.

use std::cell::RefCell;

use rowgate_core::jwt::{JwtError, JwtVerifier, VerifiedTokens};
use worker::{Date, Fetch, Request};

use crate::error::ApiError;
use crate::http::{now_unix, Ctx};

/// A verified caller. The token is forwarded to PostgREST so that RLS decides what it touches;
/// the claims it carries are PostgREST's to read (`auth.uid()`, `auth.jwt()`).
pub struct Caller {
    token: String,
}

impl Caller {
    pub fn token(&self) -> &str {
        &self.token
    }
}

/// How long a fetched JWKS is trusted before it is fetched again.
const JWKS_TTL_MS: u64 = 10 * 60 * 1000;
/// An unknown `kid` triggers a refetch, at most this often (key rotation, not a DoS lever).
const JWKS_REFRESH_MIN_MS: u64 = 30 * 1000;

thread_local! {
    /// The fetched JWKS and when it was fetched; an isolate serves many requests.
    static JWKS_CACHE: RefCell<Option<(String, u64)>> = const { RefCell::new(None) };
}

async fn fetch_jwks(ctx: &Ctx) -> Option<String> {
    let base = ctx.cfg.supabase_url.as_ref()?;
    let url = format!("{base}/auth/v1/.well-known/jwks.json");
    let mut resp = Fetch::Url(url.parse().ok()?).send().await.ok()?;
    if resp.status_code() != 200 {
        return None;
    }
    let text = resp.text().await.ok()?;
    JWKS_CACHE.with(|c| *c.borrow_mut() = Some((text.clone(), Date::now().as_millis())));
    Some(text)
}

/// The JWKS to verify with: configured, cached, or fetched.
async fn jwks(ctx: &Ctx, force_refresh: bool) -> Option<String> {
    if let Some(configured) = &ctx.cfg.jwks {
        return Some(configured.clone());
    }
    let now = Date::now().as_millis();
    let cached = JWKS_CACHE.with(|c| c.borrow().clone());
    match cached {
        Some((text, at)) if !force_refresh && now.saturating_sub(at) < JWKS_TTL_MS => Some(text),
        Some((text, at)) if force_refresh && now.saturating_sub(at) < JWKS_REFRESH_MIN_MS => {
            Some(text)
        }
        _ => fetch_jwks(ctx).await,
    }
}

/// A verifier and the tokens it has accepted, for one JWKS text.
struct Verifying {
    jwks: Option<String>,
    verifier: JwtVerifier,
    seen: VerifiedTokens,
}

/// How many accepted tokens an isolate remembers (a few hundred bytes each).
const SEEN_TOKENS: usize = 512;

thread_local! {
    /// The verifier for the current JWKS text, and the tokens it accepted: a JWKS is parsed and
    /// its curve points validated once per isolate, and a token's signature once per token, not
    /// once per request. A new JWKS builds a new verifier and forgets every accepted token.
    static VERIFYING: RefCell<Option<Verifying>> = const { RefCell::new(None) };
}

/// Verifies `token` with the verifier for `jwks`, building it if the keys changed.
fn verify(ctx: &Ctx, jwks: Option<&str>, token: &str, now: i64) -> Result<(), JwtError> {
    VERIFYING.with(|cell| {
        let mut cell = cell.borrow_mut();
        if cell.as_ref().is_none_or(|v| v.jwks.as_deref() != jwks) {
            *cell = Some(Verifying {
                jwks: jwks.map(String::from),
                verifier: build_verifier(ctx, jwks),
                seen: VerifiedTokens::new(SEEN_TOKENS),
            });
        }
        let v = cell.as_mut().expect("set above");
        v.verifier.verify_cached(&mut v.seen, token, now)
    })
}

fn build_verifier(ctx: &Ctx, jwks: Option<&str>) -> JwtVerifier {
    let mut v = JwtVerifier::new()
        .with_audience(&ctx.cfg.jwt_audience)
        .with_roles(&["anon", "authenticated", "service_role"]);
    if let Some(secret) = &ctx.cfg.jwt_secret {
        v = v.with_hs256_secret(secret.expose().as_bytes());
    }
    if let Some(jwks) = jwks {
        v = v.with_jwks(jwks);
    }
    v
}

fn bearer(req: &Request) -> Result<String, ApiError> {
    let header = req
        .headers()
        .get("authorization")
        .ok()
        .flatten()
        .ok_or_else(|| ApiError::Unauthorized {
            detail: "Missing Authorization header: send `Authorization: Bearer <JWT>`.".into(),
        })?;
    let token = header
        .strip_prefix("Bearer ")
        .or_else(|| header.strip_prefix("bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| ApiError::Unauthorized {
            detail: "Malformed Authorization header: expected `Bearer <JWT>`.".into(),
        })?;
    Ok(token.to_string())
}

fn unauthorized(e: JwtError) -> ApiError {
    ApiError::Unauthorized {
        detail: e.to_string(),
    }
}

/// Verifies the caller's token; 401 problem+json saying what is wrong with it otherwise.
pub async fn authenticate(req: &Request, ctx: &Ctx) -> Result<Caller, ApiError> {
    let token = bearer(req)?;
    let now = now_unix();
    let keys = jwks(ctx, false).await;
    match verify(ctx, keys.as_deref(), &token, now) {
        Err(JwtError::UnknownKey { .. }) if ctx.cfg.jwks.is_none() => {
            // The project may have rotated its signing keys since the JWKS was cached.
            let fresh = jwks(ctx, true).await;
            verify(ctx, fresh.as_deref(), &token, now).map_err(unauthorized)?
        }
        other => other.map_err(unauthorized)?,
    };
    Ok(Caller { token })
}
