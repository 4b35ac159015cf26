# shellcheck shell=bash
# Settings shared by scripts/*.sh: ports, local keys and tool locations. Sourced, not run.
# The keys are the Supabase CLI's well-known local development keys; they protect nothing and
# must never be used for a hosted project.

ROOT="${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
TOOLS="${ROWGATE_TOOLS:-$ROOT/.tools}"
WORKER_BUILD_VERSION="0.8.7"

# Ports and the state folder can be moved (ROWGATE_DB_PORT, ROWGATE_API_PORT,
# ROWGATE_API_ADMIN_PORT, ROWGATE_WORKER_PORT, ROWGATE_STATE) so that two checkouts, or a scratch
# database beside the main stack, never share a port or a data folder.
DB_PORT="${ROWGATE_DB_PORT:-54322}"
API_PORT="${ROWGATE_API_PORT:-54321}"
API_ADMIN_PORT="${ROWGATE_API_ADMIN_PORT:-54329}"
WORKER_PORT="${ROWGATE_WORKER_PORT:-8787}"
# Where the Worker sends SMS locally: the Twilio stand-in the end-to-end tests run on loopback
# (tests/src/twilio.rs). Nothing listens there otherwise, and a send fails as unreachable. The
# stand-ins listen only while the tests run, so their ports sit below Linux's ephemeral range
# (32768-60999): an outgoing connection could otherwise hold the port (in TIME_WAIT) just then.
TWILIO_PORT="${ROWGATE_TWILIO_PORT:-8790}"
# Likewise for Companion's Telegram bot: the Bot API stand-in of tests/src/telegram.rs.
TELEGRAM_PORT="${ROWGATE_TELEGRAM_PORT:-8791}"

JWT_SECRET="super-secret-jwt-token-with-at-least-32-characters-long"
ANON_KEY="eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZS1kZW1vIiwicm9sZSI6ImFub24iLCJleHAiOjE5ODM4MTI5OTZ9.CRXP1A7WOeoJeXxjNni43kdQwgnWNReilDMblYTn_I0"
SERVICE_ROLE_KEY="eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZS1kZW1vIiwicm9sZSI6InNlcnZpY2Vfcm9sZSIsImV4cCI6MTk4MzgxMjk5Nn0.EGIM96RAZx35lJzdJsyH-qQwv8Hdp7fsn3W0YpN81IU"
# Public half of the local ES256 test key (its private half lives in tests/src/lib.rs), standing
# in for a hosted project's asymmetric JWT signing keys.
LOCAL_JWKS='{"keys":[{"kty":"EC","crv":"P-256","alg":"ES256","use":"sig","kid":"rowgate-local-es256","x":"YP7UuiVanTHJYet0xjVtaMBJuJI7Yfps5mliLmDyn7Y","y":"eQP-EAi4vJmkGunpVii8ZPLxsgwtfp9Rd6PClNRGIpk"}]}'
# What local PostgREST verifies tokens with, as hosted Supabase's does: the HS256 secret (as an
# `oct` key: base64url of JWT_SECRET) and the asymmetric signing key above.
POSTGREST_JWKS='{"keys":[{"kty":"oct","alg":"HS256","k":"c3VwZXItc2VjcmV0LWp3dC10b2tlbi13aXRoLWF0LWxlYXN0LTMyLWNoYXJhY3RlcnMtbG9uZw"},{"kty":"EC","crv":"P-256","alg":"ES256","use":"sig","kid":"rowgate-local-es256","x":"YP7UuiVanTHJYet0xjVtaMBJuJI7Yfps5mliLmDyn7Y","y":"eQP-EAi4vJmkGunpVii8ZPLxsgwtfp9Rd6PClNRGIpk"}]}'
SCOREAPP_WEBHOOK_SECRET="local-scoreapp-secret"
# Each schema's signed ingest has its own secret (INGEST_WEBHOOK_SECRETS_<SCHEMA>).
INGEST_WEBHOOK_SECRET_DYNIQ="whsec_cm93Z2F0ZS1sb2NhbC1keW5pcS1pbmdlc3Qta2V5"
INGEST_WEBHOOK_SECRET_WALKER_OS="whsec_cm93Z2F0ZS1sb2NhbC13YWxrZXItb3MtaW5nZXN0LWtleQ=="
INGEST_WEBHOOK_SECRET_YACHTPARTY="whsec_cm93Z2F0ZS1sb2NhbC15YWNodHBhcnR5LWluZ2VzdC1rZXk="

# The local Twilio account the stand-in accepts (not a real account; the number is Twilio's
# documented test "From" number).
TWILIO_ACCOUNT_SID="AC0123456789abcdef0123456789abcdef"
TWILIO_AUTH_TOKEN="rowgate-local-twilio-auth-token"
TWILIO_FROM_NUMBER="+15005550006"
# The local Telegram bot the stand-in accepts (not a real bot): its token, the webhook's
# secret_token, and its username for deep links.
TELEGRAM_BOT_TOKEN="123456789:rowgate-local-telegram-bot-token"
TELEGRAM_WEBHOOK_SECRET="rowgate-local-telegram-webhook-secret"
TELEGRAM_BOT_USERNAME="RowgateCompanionBot"

export PATH="$TOOLS/bin:$PATH"

wasm_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$ROOT/Cargo.lock"
}

# The app schemas PostgREST exposes: [api] schemas in supabase/config.toml.
api_schemas() {
  sed -n '/^\[api\]/,/^\[/ s/^schemas *= *\[\(.*\)\]/\1/p' "$ROOT/supabase/config.toml" | tr -d ' "'
}

# A digest of the sources the Worker is built from (the two crates' sources and manifests, the
# lock file, wrangler.toml; not tests or benchmarks), tracked and untracked alike: build-worker.sh compiles it into the Worker, which reports it at
# /health, and the test command refuses to test a Worker whose build id differs from the tree's.
build_id() {
  (cd "$ROOT" && git ls-files -z -co --exclude-standard -- core/src core/Cargo.toml functions/src functions/Cargo.toml \
      Cargo.toml Cargo.lock wrangler.toml 2>/dev/null     | sort -z | xargs -0 -r sha256sum 2>/dev/null | sha256sum | cut -c1-16)
}
