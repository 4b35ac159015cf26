#!/usr/bin/env bash
# What each registered table costs in the Worker's wasm, and where the six apps' 60 seed tables
# would take it. Builds the Worker's wasm twice with cargo, in a scratch copy of this tree: once
# as it is, once with the tables of one schema taken out of the registry
# (core/src/registry.gen.rs; nothing else refers to them, so link-time optimisation drops their
# code), and prints the gzip size of each, the size per table, and the projection.
#
#   bash scripts/size.sh [schema]      (default: the schema whose tables were registered last)
#
# The Worker's budget is 1 MiB gzip.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/env.sh
source "$ROOT/scripts/env.sh"
SEED_TABLES=60
BUDGET_KIB=1024

registry="$ROOT/core/src/registry.gen.rs"
# The registry's entries: `    DyniqLeads => dyniq::leads,`
entries() { grep -E '^\s+[A-Za-z]+ => [a-z_]+::[a-z_]+,' "$1"; }
schema="${1:-$(entries "$registry" | tail -1 | sed -E 's/.*=> ([a-z_]+)::.*/\1/')}"
total=$(entries "$registry" | wc -l)
removed=$(entries "$registry" | grep -c "=> $schema::" || true)
[ "$removed" -gt 0 ] || { echo "no registered table of schema $schema" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The tree as it is (tracked and new files, not ignored ones), and a shared target directory so
# the dependencies are compiled once.
git -C "$ROOT" ls-files -co --exclude-standard -z | (cd "$ROOT" && xargs -0 cp --parents -t "$work")
export CARGO_TARGET_DIR="${ROWGATE_SIZE_TARGET:-$ROOT/target/size}"

build() { # dir -> gzip bytes of the release wasm after wasm-bindgen
  (cd "$1" && cargo build -q --release --locked --target wasm32-unknown-unknown -p rowgate-functions) || return 1
  rm -rf "$work/bindgen"
  # (Its warning that `strip = true` removed the target_features section is expected.)
  "$TOOLS/bin/wasm-bindgen" --target bundler --out-dir "$work/bindgen" \
    "$CARGO_TARGET_DIR/wasm32-unknown-unknown/release/rowgate_functions.wasm" 2>"$work/bindgen.log" ||
    { cat "$work/bindgen.log" >&2; return 1; }
  gzip -9 -c "$work/bindgen/rowgate_functions_bg.wasm" | wc -c
}

echo "==> building with all $total registered tables"
full=$(build "$work") || exit 1
echo "==> building without $schema's $removed tables"
sed -i -E "/^\s+[A-Za-z]+ => $schema::[a-z_]+,/d" "$work/core/src/registry.gen.rs"
echo "// The tables of $schema, taken out by scripts/size.sh." >"$work/core/src/$schema/tables.gen.rs"
less=$(build "$work") || exit 1

awk -v full="$full" -v less="$less" -v n="$total" -v k="$removed" -v seed="$SEED_TABLES" \
  -v budget="$BUDGET_KIB" -v schema="$schema" 'BEGIN {
  per = (full - less) / k
  printf "wasm with %d tables: %.1f KiB gzip; without %s (%d tables): %.1f KiB\n", n, full / 1024, schema, k, less / 1024
  printf "per table: %.1f KiB gzip\n", per / 1024
  printf "projection to %d tables: %.0f KiB gzip (budget %d KiB)\n", seed, (full + (seed - n) * per) / 1024, budget
}'
