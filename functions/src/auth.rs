//! Authentication as Supabase edge functions do it: `Authorization: Bearer <JWT>`, verified with
//! the project's HS256 secret or against its JWKS (configured, or fetched from
//! `<SUPABASE_URL>/auth/v1/.well-known/jwks.json` and cached). The verification rules live in
//! `rowgate_core::jwt`; this module only finds the token, the keys and the time.

use std::cell::RefCell;
use std::rc::Rc;

use rowgate_core::jwt::{JwtError, JwtVerifier};
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

thread_local! {
    /// The verifier for the current JWKS text: parsing a JWKS and validating its curve points
    /// once per isolate, not once per request.
    static VERIFIER: RefCell<Option<(Option<String>, Rc<JwtVerifier>)>> = const { RefCell::new(None) };
}

fn verifier(ctx: &Ctx, jwks: Option<&str>) -> Rc<JwtVerifier> {
    VERIFIER.with(|cell| {
        let mut cell = cell.borrow_mut();
        match &*cell {
            Some((cached, v)) if cached.as_deref() == jwks => v.clone(),
            _ => {
                let v = Rc::new(build_verifier(ctx, jwks));
                *cell = Some((jwks.map(String::from), v.clone()));
                v
            }
        }
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
    match verifier(ctx, keys.as_deref()).verify(&token, now) {
        Err(JwtError::UnknownKey { .. }) if ctx.cfg.jwks.is_none() => {
            // The project may have rotated its signing keys since the JWKS was cached.
            let fresh = jwks(ctx, true).await;
            verifier(ctx, fresh.as_deref())
                .verify(&token, now)
                .map_err(unauthorized)?
        }
        other => other.map_err(unauthorized)?,
    };
    Ok(Caller { token })
}
