#!/usr/bin/env bash
# Builds the Worker (functions/ -> functions/build/worker/shim.mjs) with worker-build, using the
# project-local wasm-bindgen and wrangler's esbuild so nothing is downloaded at build time.
# wrangler runs this as its [build] command; `scripts/local.sh` installs the tools first.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/env.sh
source "$ROOT/scripts/env.sh"
# local.sh builds before starting wrangler dev and tells wrangler's own build step to skip.
[ "${ROWGATE_SKIP_BUILD:-0}" = 1 ] && exit 0

command -v worker-build >/dev/null || { echo "worker-build missing: run scripts/local.sh install" >&2; exit 1; }
export WASM_BINDGEN_BIN="$TOOLS/bin/wasm-bindgen"
export ESBUILD_BIN="$ROOT/node_modules/.bin/esbuild"
if [ -x "$ROOT/node_modules/.bin/wasm-opt" ]; then export WASM_OPT_BIN="$ROOT/node_modules/.bin/wasm-opt"; fi
ROWGATE_BUILD_ID="$(build_id)"
export ROWGATE_BUILD_ID
cd "$ROOT/functions"
exec worker-build --release
