#!/usr/bin/env bash
# Runs every test: formatting and lints, the core's unit, property and database tests, the
# core's wasm32 build, the pgTAP suite and the end-to-end tests through `wrangler dev`.
# It starts the local stack if it is not running and stops, at the end, what it started.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/env.sh
source "$ROOT/scripts/env.sh"
cd "$ROOT"

section() { printf '\n==> %s\n' "$*"; }
started=0
stop_stack() { if [ $started = 1 ]; then section "stopping the stack this run started"; bash scripts/local.sh stop; fi; }
trap stop_stack EXIT

if bash scripts/local.sh status | grep -q stopped; then
  section "starting the local stack"
  started=1
  bash scripts/local.sh start
fi

section "cargo fmt --check"
cargo fmt --all -- --check
section "cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings
section "rowgate-core builds for wasm32-unknown-unknown"
cargo build -p rowgate-core --target wasm32-unknown-unknown --locked
section "pgTAP (supabase/tests/database)"
PGPASSWORD=postgres pg_prove -h 127.0.0.1 -p "$DB_PORT" -U postgres -d postgres supabase/tests/database/*.test.sql
section "cargo test (core unit, property and database tests; end-to-end tests through wrangler dev)"
DATABASE_URL="postgres://postgres:postgres@127.0.0.1:$DB_PORT/postgres" \
  ROWGATE_WORKER_URL="http://127.0.0.1:$WORKER_PORT" \
  cargo test --workspace --locked
