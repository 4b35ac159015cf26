#!/usr/bin/env bash
# The load program, with everything it measures running: the local stack (started if it is not
# running, and stopped at the end if this run started it), the Worker built from this tree and
# the JavaScript peer (tests/peer-worker: jose, zod 4, supabase-js), each served by its own plain
# workerd process (the runtime Cloudflare deploys on, without wrangler dev's proxy) with the same
# compatibility date, vars and secrets, against the same PostgREST.
#
#   bash scripts/load.sh [requests per target] [concurrency] [seconds per target]
#
# Beside them, the floor (tests/load/forward.mjs): a JavaScript Worker that only passes an
# insert on, for the runtime's own share of a Worker's CPU.
#
# Prints, per case (single-lead inserts, the dry run, a 404, 1,000-lead bulk inserts, cold
# starts), requests per second, p50/p99 latency and each Worker's workerd CPU per request; then
# the ratios the project is held to, and the gzip size of the built wasm. Loopback only; bounded
# in count and time. The size per table and its projection come from scripts/size.sh.
#
# It measures twice, in two layouts of the same processes:
#   shared  every process may run on every CPU, so the Workers take their CPU from the database's;
#   split   PostgreSQL and PostgREST are pinned to the last CPU, the workerds and the load
#           program to the others (taskset), as when deployed: a Worker runs on Cloudflare's
#           machines, never on the database's. Affinities are restored afterwards.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/env.sh
source "$ROOT/scripts/env.sh"
cd "$ROOT"

WORKERD_PORT=8788
PEER_PORT=8789
FLOOR_PORT=8792
COLD_PORT=8798
COLD_PEER_PORT=8799
COLD_FLOOR_PORT=8797
STATE="${ROWGATE_STATE:-$ROOT/.local}"
WORKERD_DIR="$ROOT/.local/workerd"
PEER_DIR="$ROOT/.local/peer-worker"
WORKERD="$ROOT/node_modules/.bin/workerd"
started=0
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
    fi
  done
  if [ $started = 1 ]; then bash scripts/local.sh stop; fi
}
trap cleanup EXIT

if bash scripts/local.sh status | grep -q stopped; then
  started=1
  bash scripts/local.sh start
else
  # The stack was running: rebuild the Worker so the figures are this tree's.
  bash scripts/local.sh worker
fi

echo "==> building the load program"
cargo build --release --locked -p rowgate-tests --bin load

echo "==> building the JavaScript peer (tests/peer-worker) into $PEER_DIR"
mkdir -p "$PEER_DIR"
if ! cmp -s tests/peer-worker/package-lock.json "$PEER_DIR/package-lock.json" || [ ! -d "$PEER_DIR/node_modules" ]; then
  cp tests/peer-worker/package.json tests/peer-worker/package-lock.json "$PEER_DIR/"
  (cd "$PEER_DIR" && npm ci --no-audit --no-fund --loglevel=error)
fi
rm -rf "$PEER_DIR/src" && cp -r tests/peer-worker/src "$PEER_DIR/src"
(cd "$PEER_DIR" && "$ROOT/node_modules/.bin/esbuild" src/index.mjs --bundle --format=esm \
  --platform=browser --target=es2022 --conditions=workerd,worker,browser --minify \
  --log-level=warning --outfile=build/peer.mjs)

mkdir -p "$WORKERD_DIR"
# serve <name> <port> <config> [bundle]: one workerd process; its pid is left in $served.
serve() {
  local name=$1 port=$2 config=$3 bundle=${4:-}
  if curl -s -o /dev/null -m 1 "http://127.0.0.1:$port/"; then
    echo "port $port is in use by another process" >&2
    exit 1
  fi
  ROWGATE_WORKERD_MAIN="$bundle" node scripts/workerd-config.mjs "127.0.0.1:$port" >"$config"
  "$WORKERD" serve "$config" >"$WORKERD_DIR/$name.log" 2>&1 </dev/null &
  served=$!
  pids+=("$served")
  for _ in $(seq 1 80); do
    curl -s -o /dev/null -m 2 "http://127.0.0.1:$port/health" 2>/dev/null && return 0
    kill -0 "$served" 2>/dev/null || { tail -5 "$WORKERD_DIR/$name.log" >&2; exit 1; }
    sleep 0.25
  done
  echo "$name did not answer on port $port" >&2
  exit 1
}
echo "==> serving the built Worker on workerd at 127.0.0.1:$WORKERD_PORT and the peer at :$PEER_PORT"
serve rowgate "$WORKERD_PORT" "$WORKERD_DIR/config.capnp"
rowgate_pid=$served
serve peer "$PEER_PORT" "$WORKERD_DIR/peer.capnp" .local/peer-worker/build/peer.mjs
peer_pid=$served
# The floor: a JavaScript Worker that only passes an insert on (tests/load/forward.mjs).
serve floor "$FLOOR_PORT" "$WORKERD_DIR/floor.capnp" tests/load/forward.mjs
floor_pid=$served
# The cold-start configs: the same Workers on other ports, started by the load program itself.
node scripts/workerd-config.mjs "127.0.0.1:$COLD_PORT" >"$WORKERD_DIR/cold.capnp"
ROWGATE_WORKERD_MAIN=.local/peer-worker/build/peer.mjs \
  node scripts/workerd-config.mjs "127.0.0.1:$COLD_PEER_PORT" >"$WORKERD_DIR/cold-peer.capnp"
ROWGATE_WORKERD_MAIN=tests/load/forward.mjs \
  node scripts/workerd-config.mjs "127.0.0.1:$COLD_FLOOR_PORT" >"$WORKERD_DIR/cold-floor.capnp"

export ROWGATE_WORKERD_URL="http://127.0.0.1:$WORKERD_PORT"
export ROWGATE_WORKERD_PID=$rowgate_pid
export ROWGATE_PEER_URL="http://127.0.0.1:$PEER_PORT"
export ROWGATE_PEER_PID=$peer_pid
export ROWGATE_FLOOR_URL="http://127.0.0.1:$FLOOR_PORT"
export ROWGATE_FLOOR_PID=$floor_pid
export ROWGATE_POSTGREST_URL="http://127.0.0.1:$API_PORT"
export ROWGATE_WORKERD_BIN="$WORKERD"
export ROWGATE_COLD_CONFIGS="rowgate=$WORKERD_DIR/cold.capnp=$COLD_PORT,peer=$WORKERD_DIR/cold-peer.capnp=$COLD_PEER_PORT,floor=$WORKERD_DIR/cold-floor.capnp=$COLD_FLOOR_PORT"

ncpu=$(nproc)
db_cpu=$((ncpu - 1))
edge_cpus="0-$((ncpu - 2))"
# The database side: the postmaster (its future backends inherit its affinity), its running
# processes, and PostgREST. The edge: both workerds.
postmaster=$(head -1 "$STATE/pgdata/postmaster.pid")
db_pids="$postmaster $(pgrep -P "$postmaster" | tr '\n' ' ') $(cat "$STATE/pids/postgrest.pid")"
edge_pids="${pids[*]}"
pin() { # cpus pids...
  local cpus=$1 pid
  shift
  for pid in "$@"; do taskset -a -p -c "$cpus" "$pid" >/dev/null 2>&1 || true; done
}
unpin() {
  # shellcheck disable=SC2086 # word splitting of the pid lists is intended
  pin "0-$((ncpu - 1))" $db_pids $edge_pids $(pgrep -P "$postmaster" | tr '\n' ' ')
}
split=1
if [ "$ncpu" -lt 2 ] || ! command -v taskset >/dev/null; then split=0; fi
# An interrupted earlier run may have left processes pinned.
[ $split = 1 ] && unpin

echo
echo "==> layout shared: every process may run on any of the $ncpu CPUs"
ROWGATE_LAYOUT=shared "$ROOT/target/release/load" "$@"

if [ $split = 0 ]; then
  echo "layout split skipped: it needs two CPUs and taskset"
  exit 0
fi
trap 'unpin; cleanup' EXIT
# shellcheck disable=SC2086 # word splitting of the pid lists is intended
pin "$db_cpu" $db_pids
# shellcheck disable=SC2086
pin "$edge_cpus" $edge_pids
echo
echo "==> layout split: PostgreSQL and PostgREST on CPU $db_cpu; the workerds and the load program on CPUs $edge_cpus"
ROWGATE_LAYOUT=split taskset -c "$edge_cpus" "$ROOT/target/release/load" "$@"
