//! Configuration read from the Worker's variables and secrets (wrangler.toml `[vars]`,
//! `wrangler secret put`, or `.dev.vars` locally). Secrets never appear in `Debug` output.

use rowgate_core::secret::Secret;
use worker::Env;

pub struct Config {
    /// PostgREST's base URL: `POSTGREST_URL`, or `SUPABASE_URL` + `/rest/v1` as on hosted Supabase.
    pub postgrest_url: String,
    pub supabase_url: Option<String>,
    pub anon_key: Option<Secret>,
    pub service_role_key: Option<Secret>,
    pub jwt_secret: Option<Secret>,
    pub jwks: Option<String>,
    pub jwt_audience: String,
    pub scoreapp_secret: Option<Secret>,
    pub ingest_secrets: Vec<Secret>,
    pub cors_origins: Vec<String>,
    pub max_body_bytes: usize,
    pub max_page_size: usize,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("postgrest_url", &self.postgrest_url)
            .field("supabase_url", &self.supabase_url)
            .field("jwt_audience", &self.jwt_audience)
            .field("cors_origins", &self.cors_origins)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("max_page_size", &self.max_page_size)
            .finish_non_exhaustive()
    }
}

/// A binding's text, whether it was set as a plain variable or as a secret; empty counts as unset.
fn text(env: &Env, name: &str) -> Option<String> {
    let value = env
        .secret(name)
        .map(|s| s.to_string())
        .or_else(|_| env.var(name).map(|v| v.to_string()))
        .ok()?;
    let value = value.trim().to_string();
    (!value.is_empty()).then_some(value)
}

fn list(value: Option<String>, separator: char) -> Vec<String> {
    value
        .map(|v| {
            v.split(separator)
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect()
        })
        .unwrap_or_default()
}

impl Config {
    pub fn from_env(env: &Env) -> Self {
        let supabase_url = text(env, "SUPABASE_URL").map(|u| u.trim_end_matches('/').to_string());
        let postgrest_url = text(env, "POSTGREST_URL")
            .map(|u| u.trim_end_matches('/').to_string())
            .or_else(|| supabase_url.as_ref().map(|u| format!("{u}/rest/v1")))
            .unwrap_or_default();
        Config {
            postgrest_url,
            supabase_url,
            anon_key: text(env, "SUPABASE_ANON_KEY").map(Secret::new),
            service_role_key: text(env, "SUPABASE_SERVICE_ROLE_KEY").map(Secret::new),
            jwt_secret: text(env, "SUPABASE_JWT_SECRET").map(Secret::new),
            jwks: text(env, "SUPABASE_JWKS"),
            jwt_audience: text(env, "JWT_AUDIENCE").unwrap_or_else(|| "authenticated".into()),
            scoreapp_secret: text(env, "SCOREAPP_WEBHOOK_SECRET").map(Secret::new),
            ingest_secrets: list(text(env, "INGEST_WEBHOOK_SECRETS"), ' ')
                .into_iter()
                .map(Secret::new)
                .collect(),
            cors_origins: list(text(env, "CORS_ALLOWED_ORIGINS"), ','),
            max_body_bytes: text(env, "MAX_BODY_BYTES")
                .and_then(|v| v.parse().ok())
                .unwrap_or(1 << 20),
            max_page_size: text(env, "MAX_PAGE_SIZE")
                .and_then(|v| v.parse().ok())
                .unwrap_or(1000),
        }
    }
}
