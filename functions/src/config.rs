//! Configuration read from the Worker's variables and secrets (wrangler.toml `[vars]`,
//! `wrangler secret put`, or `.dev.vars` locally). Secrets never appear in `Debug` output.

use rowgate_core::secret::Secret;
use rowgate_core::twilio::Sender;
use worker::Env;

/// Twilio: the account whose webhooks the Worker accepts and through which it sends SMS.
pub struct Twilio {
    /// `TWILIO_ACCOUNT_SID`: webhooks naming another account are refused.
    pub account_sid: String,
    /// `TWILIO_AUTH_TOKEN`: the key of `X-Twilio-Signature`, and the REST password unless an API
    /// key is set.
    pub auth_token: Secret,
    /// `TWILIO_API_KEY_SID` and `TWILIO_API_KEY_SECRET`: REST credentials that can be revoked
    /// without changing the auth token (Twilio's recommendation for production).
    pub api_key: Option<(String, Secret)>,
    /// `TWILIO_MESSAGING_SERVICE_SID` (preferred when both are set) or `TWILIO_FROM_NUMBER`.
    pub sender: Option<Sender>,
    /// `TWILIO_API_BASE_URL`: `https://api.twilio.com`, or a stand-in's.
    pub api_base_url: String,
    /// `TWILIO_WEBHOOK_BASE_URL`: the Worker's public origin as configured in Twilio (a custom
    /// domain or a proxy in front changes what Twilio signed); also the base of the status
    /// callback URL the sender gives Twilio.
    pub webhook_base_url: Option<String>,
    /// `TWILIO_TIMEOUT_MS`: how long one Messages API call may take.
    pub timeout_ms: u32,
}

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
    /// Each app schema's signed-ingest secrets (`INGEST_WEBHOOK_SECRETS_<SCHEMA>`, e.g.
    /// `INGEST_WEBHOOK_SECRETS_WALKER_OS`): a sender holding one schema's secret cannot write
    /// another schema's tables. A schema without secrets refuses every delivery.
    pub ingest_secrets: Vec<(&'static str, Vec<Secret>)>,
    /// Twilio, when `TWILIO_ACCOUNT_SID` and `TWILIO_AUTH_TOKEN` are set.
    pub twilio: Option<Twilio>,
    pub telegram: Telegram,
    /// `SCHEDULED_SUBREQUESTS`: the subrequests one scheduled run may make (the Workers plan's
    /// limit per invocation: 50 on Free, 1000 on Paid); each run sizes its claims to it.
    pub scheduled_subrequests: u32,
    /// `SMS_LEASE_SECONDS`: how long a claimed message (an SMS, a check-in) may wait for its
    /// outcome; the same lease `yachtparty.fail_stuck_messages` and
    /// `companion.fail_stuck_scheduled_messages` apply (10 minutes).
    pub sms_lease_seconds: u32,
    /// How long a PostgREST call may take before the request is answered 503.
    pub postgrest_timeout_ms: u32,
    /// How long fetching the JWKS may take before the key server counts as unreachable.
    pub jwks_timeout_ms: u32,
    pub cors_origins: Vec<String>,
    pub max_body_bytes: usize,
    pub max_page_size: usize,
}

/// Telegram: Companion's bot, whose updates the Worker takes and through which it sends the
/// daily check-ins.
pub struct Telegram {
    /// `TELEGRAM_BOT_TOKEN`: the Bot API token (`<bot id>:<secret>`). It is part of every API
    /// URL, so no URL of the Bot API is ever logged.
    pub bot_token: Option<Secret>,
    /// `TELEGRAM_WEBHOOK_SECRET`: the `secret_token` given to `setWebhook`; unset, every update
    /// is refused (never waved through).
    pub webhook_secret: Option<Secret>,
    /// `TELEGRAM_BOT_USERNAME`: the bot's @username, for the `https://t.me/<bot>?start=` link.
    pub bot_username: Option<String>,
    /// `TELEGRAM_API_BASE_URL`: `https://api.telegram.org`, or a stand-in's.
    pub api_base_url: String,
    /// `TELEGRAM_TIMEOUT_MS`: how long one Bot API call may take.
    pub timeout_ms: u32,
    /// `COMPANION_WEB_APP_URL`: where the bot sends people to sign up and connect.
    pub web_app_url: Option<String>,
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
            .field("postgrest_timeout_ms", &self.postgrest_timeout_ms)
            .field("jwks_timeout_ms", &self.jwks_timeout_ms)
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

/// The binding that holds `schema`'s ingest secrets.
pub fn ingest_secrets_binding(schema: &str) -> String {
    format!("INGEST_WEBHOOK_SECRETS_{}", schema.to_ascii_uppercase())
}

fn number<T: std::str::FromStr>(env: &Env, name: &str, default: T) -> T {
    text(env, name)
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn twilio(env: &Env) -> Option<Twilio> {
    let account_sid = text(env, "TWILIO_ACCOUNT_SID")?;
    let auth_token = text(env, "TWILIO_AUTH_TOKEN").map(Secret::new)?;
    let api_key =
        text(env, "TWILIO_API_KEY_SID").zip(text(env, "TWILIO_API_KEY_SECRET").map(Secret::new));
    let sender = text(env, "TWILIO_MESSAGING_SERVICE_SID")
        .map(Sender::MessagingService)
        .or_else(|| text(env, "TWILIO_FROM_NUMBER").map(Sender::From));
    Some(Twilio {
        account_sid,
        auth_token,
        api_key,
        sender,
        api_base_url: text(env, "TWILIO_API_BASE_URL")
            .map(|u| u.trim_end_matches('/').to_string())
            .unwrap_or_else(|| "https://api.twilio.com".into()),
        webhook_base_url: text(env, "TWILIO_WEBHOOK_BASE_URL")
            .map(|u| u.trim_end_matches('/').to_string()),
        timeout_ms: number(env, "TWILIO_TIMEOUT_MS", 10_000),
    })
}

impl Telegram {
    /// Where replies send people to sign up and connect.
    pub fn web_app(&self) -> &str {
        self.web_app_url
            .as_deref()
            .unwrap_or("the Companion web app")
    }
}

impl Config {
    /// The secrets that may sign an ingest delivery for `schema`.
    pub fn ingest_secrets(&self, schema: &str) -> &[Secret] {
        self.ingest_secrets
            .iter()
            .find(|(s, _)| *s == schema)
            .map_or(&[], |(_, secrets)| secrets.as_slice())
    }

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
            ingest_secrets: rowgate_core::registry::schemas()
                .into_iter()
                .map(|schema| {
                    let secrets = list(text(env, &ingest_secrets_binding(schema)), ' ')
                        .into_iter()
                        .map(Secret::new)
                        .collect();
                    (schema, secrets)
                })
                .collect(),
            twilio: twilio(env),
            telegram: Telegram {
                bot_token: text(env, "TELEGRAM_BOT_TOKEN").map(Secret::new),
                webhook_secret: text(env, "TELEGRAM_WEBHOOK_SECRET").map(Secret::new),
                bot_username: text(env, "TELEGRAM_BOT_USERNAME")
                    .map(|u| u.trim_start_matches('@').to_string()),
                api_base_url: text(env, "TELEGRAM_API_BASE_URL")
                    .map(|u| u.trim_end_matches('/').to_string())
                    .unwrap_or_else(|| "https://api.telegram.org".into()),
                timeout_ms: number(env, "TELEGRAM_TIMEOUT_MS", 10_000),
                web_app_url: text(env, "COMPANION_WEB_APP_URL"),
            },
            scheduled_subrequests: number(env, "SCHEDULED_SUBREQUESTS", 50),
            sms_lease_seconds: number(env, "SMS_LEASE_SECONDS", 600),
            cors_origins: list(text(env, "CORS_ALLOWED_ORIGINS"), ','),
            max_body_bytes: number(env, "MAX_BODY_BYTES", 1 << 20),
            max_page_size: number(env, "MAX_PAGE_SIZE", 1000),
            postgrest_timeout_ms: number(env, "POSTGREST_TIMEOUT_MS", 10_000),
            jwks_timeout_ms: number(env, "JWKS_TIMEOUT_MS", 5_000),
        }
    }
}

#[cfg(test)]
impl Config {
    /// A configuration as the local stack's, for tests of the requests the Worker builds.
    pub fn for_tests() -> Self {
        Config {
            postgrest_url: "http://127.0.0.1:54321".into(),
            supabase_url: Some("http://127.0.0.1:54321".into()),
            anon_key: Some(Secret::new("anon-key")),
            service_role_key: Some(Secret::new("service-key")),
            jwt_secret: None,
            jwks: None,
            jwt_audience: "authenticated".into(),
            scoreapp_secret: None,
            ingest_secrets: vec![("dyniq", vec![Secret::new("whsec_a")])],
            twilio: Some(Twilio {
                account_sid: "AC00000000000000000000000000000000".into(),
                auth_token: Secret::new("twilio-token"),
                api_key: None,
                sender: Some(Sender::From("+15005550006".into())),
                api_base_url: "http://127.0.0.1:8790".into(),
                webhook_base_url: Some("https://sms.example.com".into()),
                timeout_ms: 10_000,
            }),
            telegram: Telegram {
                bot_token: Some(Secret::new("123456:test-token")),
                webhook_secret: Some(Secret::new("telegram-secret")),
                bot_username: Some("CompanionBot".into()),
                api_base_url: "http://127.0.0.1:8791".into(),
                timeout_ms: 10_000,
                web_app_url: Some("https://companion.example.com".into()),
            },
            scheduled_subrequests: 50,
            sms_lease_seconds: 600,
            cors_origins: Vec::new(),
            max_body_bytes: 1 << 20,
            max_page_size: 1000,
            postgrest_timeout_ms: 10_000,
            jwks_timeout_ms: 5_000,
        }
    }
}
