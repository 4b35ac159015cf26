//! Authentication as Supabase edge functions do it: `Authorization: Bearer <JWT>`, verified with
//! the project's HS256 secret or against its JWKS (configured, or fetched from
//! `<SUPABASE_URL>/auth/v1/.well-known/jwks.json` and cached). The verification rules live in
//! `rowgate_core::jwt`; this module only finds the token, the keys and the time.

use std::cell::RefCell;

use crate::http::Request;
use rowgate_core::jwt::{self, JwtError, JwtVerifier, VerifiedTokens};
use worker::Date;

use crate::error::ApiError;
use crate::fetch::{self, Outbound};
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
/// After a failed fetch, no other is tried for this long: an outage of the key server must not
/// turn into one fetch per request (each waiting for its deadline).
const JWKS_FAILURE_TTL_MS: u64 = 5 * 1000;

/// The fetched JWKS of this isolate: the last good key set and when it came, and when the last
/// fetch failed.
#[derive(Default)]
struct KeyCache {
    good: Option<(String, u64)>,
    failed_at: Option<u64>,
}

thread_local! {
    static JWKS_CACHE: RefCell<KeyCache> = RefCell::new(KeyCache::default());
}

/// The key server did not answer usefully; the cause is for the log.
struct KeysUnavailable(String);

impl From<KeysUnavailable> for ApiError {
    fn from(e: KeysUnavailable) -> Self {
        ApiError::Unavailable {
            cause: format!("JWKS: {}", e.0),
        }
    }
}

async fn fetch_jwks(ctx: &Ctx, base: &str) -> Result<String, KeysUnavailable> {
    let url = format!("{base}/auth/v1/.well-known/jwks.json");
    let answer = fetch::send(Outbound {
        method: "GET",
        url: &url,
        headers: vec![("accept", "application/json")],
        body: None,
        timeout_ms: ctx.cfg.jwks_timeout_ms,
    })
    .await
    .map_err(|e| KeysUnavailable(format!("{url}: {e}")))?;
    if answer.status != 200 {
        return Err(KeysUnavailable(format!("{url} answered {}", answer.status)));
    }
    if jwt::Jwks::parse(&answer.body).is_err() {
        return Err(KeysUnavailable(format!("{url} answered no key set")));
    }
    Ok(answer.body)
}

/// The JWKS to verify with: configured, cached, or fetched. `Ok(None)` when the project has no
/// key server configured (HS256 only). A key server that fails is tried again only after
/// [`JWKS_FAILURE_TTL_MS`]; meanwhile the last good key set, however old, is used, and without
/// one the keys are unavailable.
async fn jwks(ctx: &Ctx, force_refresh: bool) -> Result<Option<String>, KeysUnavailable> {
    if let Some(configured) = &ctx.cfg.jwks {
        return Ok(Some(configured.clone()));
    }
    let Some(base) = ctx.cfg.supabase_url.as_deref() else {
        return Ok(None);
    };
    let now = Date::now().as_millis();
    let (good, failed_at) = JWKS_CACHE.with(|c| {
        let c = c.borrow();
        (c.good.clone(), c.failed_at)
    });
    let age = |at: u64| now.saturating_sub(at);
    match &good {
        Some((text, at)) if !force_refresh && age(*at) < JWKS_TTL_MS => {
            return Ok(Some(text.clone()))
        }
        Some((text, at)) if force_refresh && age(*at) < JWKS_REFRESH_MIN_MS => {
            return Ok(Some(text.clone()))
        }
        _ => {}
    }
    let stale_or = |e: KeysUnavailable| match &good {
        // An expired key set still verifies tokens signed before a rotation.
        Some((text, _)) if !force_refresh => Ok(Some(text.clone())),
        _ => Err(e),
    };
    if failed_at.is_some_and(|at| age(at) < JWKS_FAILURE_TTL_MS) {
        return stale_or(KeysUnavailable(
            "the key server failed moments ago; not asked again yet".into(),
        ));
    }
    match fetch_jwks(ctx, base).await {
        Ok(text) => {
            JWKS_CACHE.with(|c| {
                *c.borrow_mut() = KeyCache {
                    good: Some((text.clone(), now)),
                    failed_at: None,
                }
            });
            Ok(Some(text))
        }
        Err(e) => {
            JWKS_CACHE.with(|c| c.borrow_mut().failed_at = Some(now));
            stale_or(e)
        }
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
    let header = req.header("authorization");
    // An oversized token is refused here, before it is parsed or forwarded (PostgREST refuses
    // large headers outright).
    crate::bearer::bearer_token(header.as_deref())
        .map(String::from)
        .map_err(|e| ApiError::Unauthorized {
            detail: e.to_string(),
        })
}

fn unauthorized(e: JwtError) -> ApiError {
    ApiError::Unauthorized {
        detail: e.to_string(),
    }
}

/// Verifies the caller's token; 401 problem+json saying what is wrong with it otherwise, 503
/// when the key server it needs does not answer.
pub async fn authenticate(req: &Request, ctx: &Ctx) -> Result<Caller, ApiError> {
    let token = bearer(req)?;
    let now = now_unix();
    // Keys that cannot be had now are not yet a verdict: an HS256 token needs none.
    let (keys, unavailable) = match jwks(ctx, false).await {
        Ok(keys) => (keys, None),
        Err(e) => (None, Some(e)),
    };
    match verify(ctx, keys.as_deref(), &token, now) {
        Err(JwtError::UnknownKey { .. } | JwtError::NoKeyConfigured { .. })
            if ctx.cfg.jwks.is_none() && ctx.cfg.supabase_url.is_some() =>
        {
            if let Some(e) = unavailable {
                return Err(e.into());
            }
            // The project may have rotated its signing keys since the JWKS was cached.
            let fresh = jwks(ctx, true).await?;
            verify(ctx, fresh.as_deref(), &token, now).map_err(unauthorized)?
        }
        other => other.map_err(unauthorized)?,
    };
    Ok(Caller { token })
}
