#!/usr/bin/env bash
# The alternative-client benchmark in one command: generates a Rust client from
# spec/tallyfy-groups.yaml with openapi-generator-cli 7.26.0 (PyPI, bundles the jar;
# needs Java 17+), builds the driver in benches/alternative against it and our crate,
# and runs it. See BENCHMARKS.md, "Overhead, decoding and the alternative client".
#
#   scripts/bench/alternative.sh           # the full run (a few minutes after the build)
#   scripts/bench/alternative.sh --smoke   # a quick run, to check the set-up
#
# Everything it makes is git-ignored, under .tools/bench/: the venv (venv/), the
# generated client (gen/rust-client/, regenerated on every run), the driver's target
# dir (target/) and logs (logs/). Exits non-zero, saying so, if the generator fails,
# if the generated client does not compile, or if the listings differ.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
TOOLS="$ROOT/.tools/bench"
VENV="$TOOLS/venv"
GEN="$TOOLS/gen/rust-client"
LOGS="$TOOLS/logs"
DRIVER="$ROOT/benches/alternative"
GENERATOR_VERSION="7.26.0"
export CARGO_TARGET_DIR="$TOOLS/target"

log() { printf '[alternative] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

mode="--bench"
case "${1:-}" in
  "") ;;
  --smoke) mode="" ;;
  *) die "usage: $0 [--smoke]" ;;
esac

mkdir -p "$TOOLS" "$LOGS"

# 1. Java 17+ and the pinned generator in a venv of its own.
command -v java >/dev/null || die "java not found (openapi-generator needs Java 17+)"
java_major="$(java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1)"
[ "${java_major:-0}" -ge 17 ] || die "Java ${java_major:-?} found; openapi-generator needs 17+"
if [ ! -x "$VENV/bin/openapi-generator-cli" ] \
  || [ "$("$VENV/bin/openapi-generator-cli" version 2>/dev/null | tail -1)" != "$GENERATOR_VERSION" ]; then
  log "installing openapi-generator-cli==$GENERATOR_VERSION into .tools/bench/venv"
  python3 -m venv "$VENV" || die "python3 -m venv failed"
  "$VENV/bin/python" -m pip install --quiet --no-input \
    "openapi-generator-cli==$GENERATOR_VERSION" || die "pip install failed"
fi

# 2. Generate the client, as its documentation says, from the spec as it is now.
log "generating the Rust client into .tools/bench/gen/rust-client"
rm -rf "$GEN"
if ! "$VENV/bin/openapi-generator-cli" generate \
  -i "$ROOT/spec/tallyfy-groups.yaml" -g rust -o "$GEN" \
  --additional-properties=packageName=tallyfy_groups_openapi,library=reqwest \
  >"$LOGS/generate.log" 2>&1; then
  tail -20 "$LOGS/generate.log" >&2
  die "openapi-generator failed on the spec (log: .tools/bench/logs/generate.log)"
fi

# 3. Build: the generated crate on its own first, so a failure is attributed to it.
# The driver is its own workspace; start from the main lockfile so both clients use
# the same reqwest, hyper, serde and chrono versions as the crate's own benchmarks.
[ -f "$DRIVER/Cargo.lock" ] || cp "$ROOT/Cargo.lock" "$DRIVER/Cargo.lock"
log "building the generated client (log: .tools/bench/logs/build.log)"
if ! cargo build --release --manifest-path "$DRIVER/Cargo.toml" -p tallyfy_groups_openapi \
  >"$LOGS/build.log" 2>&1; then
  grep -E '^(error|warning: unused)' -A6 "$LOGS/build.log" | head -60 >&2
  die "the generated client does not compile (log: .tools/bench/logs/build.log)"
fi
log "building the driver"
cargo build --release --manifest-path "$DRIVER/Cargo.toml" >>"$LOGS/build.log" 2>&1 \
  || { tail -30 "$LOGS/build.log" >&2; die "the driver does not build"; }

# 4. Run.
log "running ${mode:-the smoke version}"
"$CARGO_TARGET_DIR/release/tallyfy-groups-alternative-bench" $mode
