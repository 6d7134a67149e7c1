#!/usr/bin/env bash
# Contract checks for the OpenAPI document: lint it, drive it from generated
# TypeScript and Python clients against a Prism mock, and fuzz the mock with
# Schemathesis. Installs its pinned tools into .tools/ (git-ignored) on first use.
#
#   scripts/contract/run.sh [STAGE] [SPEC]
#
#   STAGE  install       install the pinned tools only
#          lint          spectral and redocly (project configs, then defaults), openapi-spec-validator
#          clients       openapi-typescript + tsc + fetch, openapi-python-client, against Prism
#          vendor        Tallyfy's own Python SDK (PyPI tallyfy 3.1.0) against Prism (vendor_sdk.py)
#          schemathesis  st run against Prism in static (examples) and dynamic (schemas) mode
#          rust          this crate's contract test (tests/contract_prism.rs) against Prism
#          generators    openapi-generator python + typescript-fetch round trips (generators.sh)
#          docs          redocly build-docs (one offline page) opened in headless Chromium (docs.sh)
#          roundtrip     the TypeScript and Python clients' stateful round trip against
#                        the sandbox server (roundtrip.sh)
#          all           install, lint, clients, vendor, schemathesis, rust, roundtrip, generators, docs
#                        (the default)
#   SPEC   the OpenAPI document (default: spec/tallyfy-groups.yaml)
#
# Exits non-zero when any check fails. Prism listens on 127.0.0.1 only and is
# stopped by its pid on exit. See scripts/contract/README.md.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/sandbox.sh"
source "$(dirname "${BASH_SOURCE[0]}")/roundtrip.sh"
source "$CONTRACT_DIR/generators.sh"
source "$CONTRACT_DIR/docs.sh"

usage() { sed -n '2,20p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

STAGE=all
case "${1:-}" in
  install | lint | clients | vendor | schemathesis | rust | roundtrip | generators | docs | all) STAGE="$1"; shift ;;
  -h | --help | help) usage; exit 0 ;;
esac
SPEC_ARG="${1:-$REPO_ROOT/spec/tallyfy-groups.yaml}"
[[ $# -le 1 ]] || { usage >&2; exit 2; }
[[ -f "$SPEC_ARG" ]] || die "no such spec: $SPEC_ARG"
SPEC="$(cd "$(dirname "$SPEC_ARG")" && pwd)/$(basename "$SPEC_ARG")"
cd "$REPO_ROOT"

trap 'stop_prism; stop_sandbox || true' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

PASSED=()
FAILED=()

# step NAME FUNCTION [ARGS...]: runs FUNCTION in a subshell with errexit on (the
# subshell is not in a condition, so `set -e` really applies inside it), times
# it, and records the result; a failed step does not stop the stage.
step() {
  local name="$1"; shift
  local t0=$SECONDS rc
  log "▶ $name"
  set +e
  ( set -euo pipefail; "$@" )
  rc=$?
  set -e
  if (( rc == 0 )); then
    PASSED+=("$name"); log "✔ $name ($((SECONDS - t0)) s)"
  else
    FAILED+=("$name"); log "✘ $name (exit $rc, $((SECONDS - t0)) s)"
  fi
}

rel() { printf '%s' "${1#"$REPO_ROOT"/}"; }

# --- lint ----------------------------------------------------------------------

lint_spectral() {
  "$NODE_BIN/spectral" lint --ruleset "$REPO_ROOT/.spectral.yaml" --fail-severity=warn "$SPEC"
}

lint_redocly() {
  local out rc=0
  out="$("$NODE_BIN/redocly" lint --config "$REPO_ROOT/redocly.yaml" "$SPEC" 2>&1)" || rc=$?
  # Drop Redocly's boxed "Node.js 20 support is ending" banner; keep everything else.
  printf '%s\n' "$out" | sed '/^ *[╔║╚]/d' | cat -s
  # A misspelt rule in redocly.yaml only warns; treat it as a failure.
  if grep -qE 'Your config has|Unused rules found' <<<"$out"; then
    echo "redocly.yaml has problems (see above)" >&2; return 1
  fi
  return "$rc"
}

# The linters as they ship, with no project config: a ruleset of just
# `extends: ["spectral:oas"]`, and Redocly's built-in `recommended` (no redocly.yaml
# in the working directory). Both fail on warnings, so a team linting the spec with
# the defaults gets 0 errors and 0 warnings.
lint_spectral_default() {
  local dir="$TOOLS_DIR/work/lint-default"
  rm -rf "$dir"; mkdir -p "$dir"
  printf 'extends: ["spectral:oas"]\n' > "$dir/.spectral.yaml"
  "$NODE_BIN/spectral" lint --ruleset "$dir/.spectral.yaml" --fail-severity=warn "$SPEC"
}

lint_redocly_default() {
  local dir="$TOOLS_DIR/work/lint-default-redocly" out rc=0
  rm -rf "$dir"; mkdir -p "$dir"
  out="$(cd "$dir" && "$NODE_BIN/redocly" lint "$SPEC" 2>&1)" || rc=$?
  printf '%s\n' "$out" | sed '/^ *[╔║╚]/d' | cat -s
  grep -q 'using built in recommended configuration' <<<"$out" \
    || { echo "redocly did not use its built-in recommended configuration" >&2; return 1; }
  # `recommended` keeps some rules at warning level; a warning fails here too.
  if grep -qE '[0-9]+ warnings?\b' <<<"$out" && ! grep -q 'and 0 warnings' <<<"$out"; then
    echo "redocly (recommended) reports warnings" >&2; return 1
  fi
  return "$rc"
}

lint_openapi_spec_validator() {
  "$VENV_BIN/openapi-spec-validator" --schema 3.0 --validation-errors all "$SPEC"
}

stage_lint() {
  step "lint: spectral" lint_spectral
  step "lint: redocly" lint_redocly
  step "lint: spectral (plain spectral:oas, no project config)" lint_spectral_default
  step "lint: redocly (built-in recommended, no project config)" lint_redocly_default
  step "lint: openapi-spec-validator" lint_openapi_spec_validator
}

# --- clients -----------------------------------------------------------------

# generate_typescript_types DIR: openapi-typescript's types of the spec in DIR
# (the clients stage and roundtrip.sh both build on them).
generate_typescript_types() {
  local gen="$1"
  mkdir -p "$gen"
  "$NODE_BIN/openapi-typescript" "$SPEC" --redocly "$CONTRACT_DIR/ts/redocly-typegen.yaml" \
    --output "$gen/tallyfy-groups.d.ts"
}

# generate_python_client DIR: openapi-python-client's package of the spec, emptied
# and regenerated as DIR/tallyfy_groups_py.
generate_python_client() {
  local gen="$1"
  rm -rf "$gen"
  mkdir -p "$gen"
  # cd: openapi-python-client resolves some paths against the working directory.
  (cd "$TOOLS_DIR" && "$VENV_BIN/openapi-python-client" generate --path "$SPEC" --meta none \
    --config "$CONTRACT_DIR/py/openapi-python-client.yaml" \
    --output-path "$gen/tallyfy_groups_py" --overwrite --fail-on-warning)
}

client_typescript() {
  local gen="$TOOLS_DIR/gen/ts" out="$TOOLS_DIR/build/ts" tsconfig="$CONTRACT_DIR/ts/tsconfig.json"
  rm -rf "$gen" "$out"
  generate_typescript_types "$gen"
  echo "tsc --noEmit --strict"
  "$NODE_BIN/tsc" -p "$tsconfig" --noEmit --strict
  "$NODE_BIN/tsc" -p "$tsconfig" --strict --outDir "$out"
  node "$out/contract.mjs"
}

client_python() {
  local gen="$TOOLS_DIR/gen/py"
  generate_python_client "$gen"
  PYTHONPATH="$gen" "$VENV_BIN/python" "$CONTRACT_DIR/py/contract.py"
}

stage_clients() {
  start_prism "$SPEC"
  step "clients: TypeScript (openapi-typescript, tsc, fetch)" client_typescript
  step "clients: Python (openapi-python-client)" client_python
  stop_prism
}

# --- vendor ------------------------------------------------------------------

# Tallyfy's own Python SDK (tallyfy==3.1.0, pinned in requirements.txt) makes its
# group calls at static Prism; vendor_sdk.py fails on any request Prism flags
# (422 and/or `sl-violations`), on a non-2xx answer, and on anything the SDK raises.
vendor_sdk() {
  PRISM_URL="$PRISM_URL" PRISM_LOG="$PRISM_LOG" "$VENV_BIN/python" "$CONTRACT_DIR/vendor_sdk.py" "$SPEC"
}

stage_vendor() {
  start_prism "$SPEC"
  step "vendor: Tallyfy's Python SDK (tallyfy 3.1.0) through static Prism" vendor_sdk
  stop_prism
}

# --- schemathesis ------------------------------------------------------------

# Checks that make sense against a mock: its answers must match the spec (status,
# content type, headers, body schema), and it must accept every schema-valid request
# (if Prism's validator rejects what Schemathesis's generator thinks valid, the two
# read the spec differently). Positive data only: negative testing would test Prism.
ST_CHECKS="not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance,positive_data_acceptance"

run_schemathesis() {
  local mode="$1" work="$TOOLS_DIR/work/schemathesis"
  mkdir -p "$work"
  # cd: Schemathesis writes its scratch files to the working directory.
  cd "$work"
  SCHEMATHESIS_HOOKS="$CONTRACT_DIR/st_hooks.py" "$VENV_BIN/st" run "$SPEC" \
    --url "$PRISM_URL" \
    --header "Authorization: Bearer $CONTRACT_TOKEN" \
    --header "Accept: application/json" \
    --header "X-Tallyfy-Client: APIClient" \
    --checks "$ST_CHECKS" \
    --mode positive \
    --phases examples,coverage,fuzzing \
    --max-examples "${ST_MAX_EXAMPLES:-25}" \
    --seed "${ST_SEED:-20240601}" \
    --generation-database none \
    --request-timeout 10 \
    --report junit --report-junit-path "$TOOLS_DIR/reports/schemathesis-$mode.xml" \
    --no-color
}

stage_schemathesis() {
  start_prism "$SPEC"
  step "schemathesis: Prism static (answers are the spec's examples)" run_schemathesis static
  stop_prism
  start_prism -d "$SPEC"
  step "schemathesis: Prism dynamic (answers generated from the schemas)" run_schemathesis dynamic
  stop_prism
}

# --- rust ----------------------------------------------------------------------

# The crate itself against Prism: tests/contract_prism.rs, whose tests are ignored in
# the plain test run because they need this server. FILTER picks the mode's tests.
rust_contract() {
  local filter="$1"
  PRISM_URL="$PRISM_URL" cargo test --quiet -p tallyfy-groups --test contract_prism -- \
    --ignored --test-threads 1 "$filter"
}

stage_rust() {
  start_prism "$SPEC"
  step "rust: static Prism (requests valid, Prefer codes map to error kinds)" rust_contract static_
  stop_prism
  start_prism -d "$SPEC"
  step "rust: dynamic Prism (random responses decode)" rust_contract dynamic_
  stop_prism
}

# --- main --------------------------------------------------------------------

T0=$SECONDS
log "stage: $STAGE, spec: $(rel "$SPEC")"
rm -f "$LOG_DIR"/prism-*.log      # keep only this run's Prism logs
ensure_tools
case "$STAGE" in
  install) log "tools are installed in $(rel "$TOOLS_DIR")" ;;
  lint) stage_lint ;;
  clients) stage_clients ;;
  vendor) stage_vendor ;;
  schemathesis) stage_schemathesis ;;
  rust) stage_rust ;;
  roundtrip) stage_roundtrip ;;
  generators) stage_generators ;;
  docs) stage_docs ;;
  all) stage_lint; stage_clients; stage_vendor; stage_schemathesis; stage_rust; stage_roundtrip; stage_generators; stage_docs ;;
esac

if [[ "$STAGE" != install ]]; then
  log "summary ($((SECONDS - T0)) s):"
  for name in "${PASSED[@]}"; do log "  passed  $name"; done
  for name in "${FAILED[@]}"; do log "  FAILED  $name"; done
  # A plain closing line that CI runners understand.
  echo "contract: ${#PASSED[@]} passed, ${#FAILED[@]} failed"
  (( ${#FAILED[@]} == 0 )) || exit 1
fi
