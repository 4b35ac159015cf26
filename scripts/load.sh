#!/usr/bin/env bash
# The load program, with everything it measures running: the local stack (started if it is not
# running, and stopped at the end if this run started it) and the built Worker served by plain
# workerd on 127.0.0.1:8788 (the runtime Cloudflare deploys it on, without wrangler dev's proxy).
#
#   bash scripts/load.sh [requests per target] [concurrency] [seconds per target]
#
# Prints requests per second and p50/p99 latency for the Worker on workerd, the Worker on
# wrangler dev and PostgREST directly, the Worker/PostgREST throughput ratios, and the gzip size
# of the built wasm. Loopback only; bounded in count and time.
#
# It measures twice, in two layouts of the same processes:
#   shared  every process may run on every CPU, so the Worker takes its CPU from the database's;
#   split   PostgreSQL and PostgREST are pinned to the last CPU, the Worker, wrangler and the
#           load program to the others (taskset), as when deployed: the Worker runs on
#           Cloudflare's machines, never on the database's. Affinities are restored afterwards.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/env.sh
source "$ROOT/scripts/env.sh"
cd "$ROOT"

WORKERD_PORT=8788
WORKERD_DIR="$ROOT/.local/workerd"
started=0
workerd_pid=""
cleanup() {
  if [ -n "$workerd_pid" ] && kill -0 "$workerd_pid" 2>/dev/null; then
    kill -TERM "$workerd_pid" 2>/dev/null || true
    wait "$workerd_pid" 2>/dev/null || true
  fi
  if [ $started = 1 ]; then bash scripts/local.sh stop; fi
}
trap cleanup EXIT

if bash scripts/local.sh status | grep -q stopped; then
  started=1
  bash scripts/local.sh start
fi

echo "==> building the load program"
cargo build --release --locked -p rowgate-tests --bin load

echo "==> serving the built Worker on workerd at 127.0.0.1:$WORKERD_PORT"
if curl -s -o /dev/null -m 1 "http://127.0.0.1:$WORKERD_PORT/"; then
  echo "port $WORKERD_PORT is in use by another process" >&2
  exit 1
fi
mkdir -p "$WORKERD_DIR"
node scripts/workerd-config.mjs "127.0.0.1:$WORKERD_PORT" >"$WORKERD_DIR/config.capnp"
"$ROOT/node_modules/.bin/workerd" serve "$WORKERD_DIR/config.capnp" >"$WORKERD_DIR/workerd.log" 2>&1 </dev/null &
workerd_pid=$!
for _ in $(seq 1 40); do
  curl -fsS -o /dev/null -m 2 "http://127.0.0.1:$WORKERD_PORT/health" 2>/dev/null && break
  kill -0 "$workerd_pid" 2>/dev/null || { tail -5 "$WORKERD_DIR/workerd.log" >&2; exit 1; }
  sleep 0.25
done

export ROWGATE_WORKERD_URL="http://127.0.0.1:$WORKERD_PORT"
export ROWGATE_WORKER_URL="http://127.0.0.1:$WORKER_PORT"
export ROWGATE_POSTGREST_URL="http://127.0.0.1:$API_PORT"

ncpu=$(nproc)
db_cpu=$((ncpu - 1))
edge_cpus="0-$((ncpu - 2))"
# The database side: the postmaster (its future backends inherit its affinity), its running
# processes, and PostgREST. The edge: this workerd and wrangler dev's whole session.
postmaster=$(head -1 "$ROOT/.local/pgdata/postmaster.pid")
db_pids="$postmaster $(pgrep -P "$postmaster" | tr '\n' ' ') $(cat "$ROOT/.local/pids/postgrest.pid")"
edge_pids="$workerd_pid $(pgrep -s "$(cat "$ROOT/.local/pids/worker.pid")" | tr '\n' ' ')"
pin() { # cpus pids...
  local cpus=$1 pid
  shift
  for pid in "$@"; do taskset -a -p -c "$cpus" "$pid" >/dev/null 2>&1 || true; done
}
unpin() {
  pin "0-$((ncpu - 1))" $db_pids $edge_pids $(pgrep -P "$postmaster" | tr '\n' ' ')
}
split=1
if [ "$ncpu" -lt 2 ] || ! command -v taskset >/dev/null; then split=0; fi
# An interrupted earlier run may have left processes pinned.
[ $split = 1 ] && unpin

echo
echo "==> layout shared: every process may run on any of the $(nproc) CPUs"
"$ROOT/target/release/load" "$@"

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
echo "==> layout split: PostgreSQL and PostgREST on CPU $db_cpu; workerd, wrangler dev and the load program on CPUs $edge_cpus"
taskset -c "$edge_cpus" "$ROOT/target/release/load" "$@"
