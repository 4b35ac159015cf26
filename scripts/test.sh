#!/usr/bin/env bash
# Runs every test: the generated code against the database, formatting and lints, the core's unit, property and database tests, the
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

# Whatever is not running is started (and stopped at the end); new migrations are applied
# either way. A port held by another checkout's stack makes this fail, never silently test it.
if bash scripts/local.sh status | grep -q stopped; then started=1; fi
section "the local stack"
bash scripts/local.sh start

# The core's column declarations and docs/tables.md are generated from the migrated database:
# regenerated here, they must be what is committed (a migration changed without regenerating, or
# a generated file edited by hand, fails the run and leaves the regenerated files to commit).
section "generated code matches the migrated database (cargo run -p rowgate-xtask -- gen)"
DATABASE_URL="postgres://postgres:postgres@127.0.0.1:$DB_PORT/postgres" cargo run -q --locked -p rowgate-xtask -- gen
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  if ! git diff --exit-code --stat -- core/src docs/tables.md \
    || [ -n "$(git status --porcelain --untracked-files=all -- core/src docs/tables.md)" ]; then
    git status --short -- core/src docs/tables.md >&2
    echo "test.sh: the generated files differ from what the migrated database gives (above):" \
      "review and commit them" >&2
    exit 1
  fi
fi
BUILD_ID="$(build_id)"
# A Worker that was already running may have been built from other sources: `wrangler dev`
# does not reload a bundle rebuilt behind its back, so it is rebuilt and restarted.
if ! curl -fsS -m 2 "http://127.0.0.1:$WORKER_PORT/health" 2>/dev/null | grep -q "\"build\":\"$BUILD_ID\""; then
  section "rebuilding the Worker from this tree and restarting it"
  bash scripts/local.sh worker
fi
section "waiting for the Worker built from this tree (build $BUILD_ID)"
for ((i = 0; ; i++)); do
  curl -fsS -m 2 "http://127.0.0.1:$WORKER_PORT/health" 2>/dev/null | grep -q "\"build\":\"$BUILD_ID\"" && break
  if [ $i -ge 480 ]; then
    echo "test.sh: the Worker on port $WORKER_PORT does not report build $BUILD_ID after 120 s:" \
      "it was built from other sources (a stale build, or another checkout's stack)" >&2
    exit 1
  fi
  sleep 0.25
done

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
  ROWGATE_POSTGREST_URL="http://127.0.0.1:$API_PORT" \
  ROWGATE_STATE="${ROWGATE_STATE:-$ROOT/.local}" \
  ROWGATE_BUILD_ID="$BUILD_ID" \
  ROWGATE_TWILIO_PORT="$TWILIO_PORT" \
  ROWGATE_TELEGRAM_PORT="$TELEGRAM_PORT" \
  cargo test --workspace --locked 2>&1 | tee -a "$results"

# pg_prove: "Files=13, Tests=1361, ..." (all passed, or it would have failed above);
# cargo: "test result: ok. 260 passed; 0 failed; ...".
pgtap=$(sed -n 's/^Files=[0-9]*, Tests=\([0-9]*\),.*/\1/p' "$results" | tail -1)
read -r passed failed < <(awk '/^test result:/ { p += $4; f += $6 } END { print p + 0, f + 0 }' "$results")
printf '\ntotal: %d passed, %d failed\n' $((passed + ${pgtap:-0})) "$failed"
