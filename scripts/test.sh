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
# Both runners' output is kept to add up one closing line for the whole run.
results="$(mktemp)"
trap 'rm -f "$results"; stop_stack' EXIT
section "pgTAP (supabase/tests/database)"
PGPASSWORD=postgres pg_prove -h 127.0.0.1 -p "$DB_PORT" -U postgres -d postgres supabase/tests/database/*.test.sql \
  2>&1 | tee -a "$results"
section "cargo test (core unit, property and database tests; end-to-end tests through wrangler dev)"
DATABASE_URL="postgres://postgres:postgres@127.0.0.1:$DB_PORT/postgres" \
  ROWGATE_WORKER_URL="http://127.0.0.1:$WORKER_PORT" \
  cargo test --workspace --locked 2>&1 | tee -a "$results"

# pg_prove: "Files=13, Tests=1361, ..." (all passed, or it would have failed above);
# cargo: "test result: ok. 260 passed; 0 failed; ...".
pgtap=$(sed -n 's/^Files=[0-9]*, Tests=\([0-9]*\),.*/\1/p' "$results" | tail -1)
read -r passed failed < <(awk '/^test result:/ { p += $4; f += $6 } END { print p + 0, f + 0 }' "$results")
printf '\ntotal: %d passed, %d failed\n' $((passed + ${pgtap:-0})) "$failed"
