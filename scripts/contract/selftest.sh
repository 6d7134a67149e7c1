#!/usr/bin/env bash
# Proves that scripts/contract/run.sh catches a broken spec. Copies the spec into
# a scratch folder under .tools/, checks that the untouched copy passes `lint`, then
# makes one example contradict its schema and checks that the stages fail on it,
# each for that reason:
#
#   get example     the getGroup `docs` response example gets `name: 5` (the schema
#                   says string): lint (Spectral), clients (Prism flags its own
#                   answer), schemathesis (response_schema_conformance) and
#                   generators (both openapi-generator round trips) must fail.
#   list example    the same in the listGroups `docs` example: lint (Spectral and
#                   Redocly), clients and schemathesis must fail.
#   schema example  PageLinks.next's `example` becomes a number: lint (Spectral and
#                   Redocly) must fail.
#   nullable        Pagination.links goes back to `nullable: true` beside `allOf`
#                   with no `type` (not valid OpenAPI 3.0.3): lint must fail, with
#                   the linters' default configurations too.
#   docs ref        the listGroups 200 schema points at a schema that does not exist
#                   (build-docs alone renders it as nothing): docs must fail.
#   docs summary    createGroup loses its summary: docs must fail (the reference
#                   would title it by its path).
#   vendor strict   updateGroup's `members` items become `type: integer` (no digit
#                   strings) and createGroup requires `description`: vendor must
#                   fail, naming both violations (Tallyfy's SDK writes back the
#                   get's string ids, and creates without a description). The
#                   untouched copy must pass vendor first.
#
#   scripts/contract/selftest.sh [SPEC]     (default: spec/tallyfy-groups.yaml)
#
# SELFTEST_ONLY="CASE ..." runs only those cases (and the clean-copy check they
# rest on): get-example, list-example, schema-example, nullable, docs, vendor.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
RUN="$CONTRACT_DIR/run.sh"
# The planted errors show up in the first examples; a short Schemathesis run will do.
export ST_MAX_EXAMPLES="${ST_MAX_EXAMPLES:-5}"
SPEC="${1:-$REPO_ROOT/spec/tallyfy-groups.yaml}"
[[ -f "$SPEC" ]] || die "no such spec: $SPEC"

# Under .tools/ (git-ignored), next to the rest of the contract scratch files.
mkdir -p "$TOOLS_DIR/work"
TMP="$(mktemp -d "$TOOLS_DIR/work/selftest.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT

PASSED=0
FAILED=0
ok() { PASSED=$((PASSED + 1)); log "✔ $*"; }
ko() { FAILED=$((FAILED + 1)); log "✘ $*"; }

# want CASE: whether SELFTEST_ONLY (unset: every case) asks for CASE.
want() { [[ -z "${SELFTEST_ONLY:-}" || " $SELFTEST_ONLY " == *" $1 "* ]]; }

# mutate SRC DST ANCHOR OLD NEW: replaces OLD by NEW in the first line matching OLD
# after the first line containing ANCHOR; fails unless exactly that one line changed.
mutate() {
  python3 - "$@" <<'PY'
import sys
src, dst, anchor, old, new = sys.argv[1:]
lines = open(src, encoding="utf-8").read().split("\n")
start = next((i for i, line in enumerate(lines) if anchor in line), None)
if start is None:
    sys.exit(f"anchor not found: {anchor!r}")
hit = next((i for i in range(start, len(lines)) if lines[i].strip() == old), None)
if hit is None:
    sys.exit(f"line {old!r} not found after {anchor!r}")
indent = lines[hit][: len(lines[hit]) - len(lines[hit].lstrip())]
lines[hit] = indent + new
open(dst, "w", encoding="utf-8").write("\n".join(lines))
print(f"{dst}: line {hit + 1}: {old!r} -> {new!r}")
PY
}

# expect_failure NAME STAGE SPEC PATTERN...: `run.sh STAGE SPEC` must exit non-zero
# and its output must match every PATTERN (extended regex), so that it failed for
# the planted reason and not some other one.
expect_failure() {
  local name="$1" stage="$2" spec="$3"; shift 3
  local out="$TMP/$name.log" rc=0 pattern missing=0
  "$RUN" "$stage" "$spec" >"$out" 2>&1 || rc=$?
  if (( rc == 0 )); then
    tail -n 30 "$out" >&2
    ko "$name: run.sh $stage passed on a broken spec"
    return
  fi
  for pattern in "$@"; do
    if ! grep -qE -- "$pattern" "$out"; then
      log "  output of run.sh $stage lacks /$pattern/"; missing=1
    fi
  done
  if (( missing )); then
    tail -n 60 "$out" >&2
    ko "$name: run.sh $stage failed (exit $rc), but not for the planted reason"
  else
    ok "$name: run.sh $stage failed (exit $rc) for the planted reason"
  fi
}

ensure_tools

# 0. The untouched copy passes, so failures below come from the planted errors.
cp "$SPEC" "$TMP/clean.yaml"
if want get-example || want list-example || want schema-example || want nullable || want docs; then
  if "$RUN" lint "$TMP/clean.yaml" >"$TMP/clean.log" 2>&1; then
    ok "clean copy: run.sh lint passes"
  else
    tail -n 60 "$TMP/clean.log" >&2
    ko "clean copy: run.sh lint fails; the checks below would prove nothing"
  fi
fi

# 1. A get response example that contradicts its schema.
if want get-example; then
  mutate "$SPEC" "$TMP/bad-get-example.yaml" "As documented (member ids as strings)" "name: Sales Team" "name: 5"
  expect_failure "get example, lint" lint "$TMP/bad-get-example.yaml" \
    'oas3-valid-media-example.*examples\.docs\.value\.data\.name' \
    'FAILED  lint: spectral'
  expect_failure "get example, clients" clients "$TMP/bad-get-example.yaml" \
    'TypeScript contract check FAILED: getGroup: Prism reports spec violations:.*data\.name must be string' \
    'Python contract check FAILED: .*getGroup: Prism reports spec violations:.*data\.name must be string'
  expect_failure "get example, schemathesis" schemathesis "$TMP/bad-get-example.yaml" \
    'Response violates schema' 'Schema at /components/schemas/Group/properties/name' \
    'FAILED  schemathesis: Prism static'

  expect_failure "get example, generators" generators "$TMP/bad-get-example.yaml" \
    'openapi-generator python round trip FAILED: getGroup: the answer does not decode:.*name' \
    'openapi-generator typescript-fetch round trip FAILED: getGroup: Prism reports spec violations:.*data\.name must be string' \
    'FAILED  generators: python' 'FAILED  generators: typescript-fetch'
fi

# 2. The same in a listGroups example. (Before links was valid OpenAPI 3.0.3, neither
# the linters nor Prism could check these examples.)
if want list-example; then
  mutate "$SPEC" "$TMP/bad-list-example.yaml" "summary: As documented" "name: Sales Team" "name: 5"
  expect_failure "list example, lint" lint "$TMP/bad-list-example.yaml" \
    'oas3-valid-media-example.*examples\.docs\.value\.data\[0\]\.name' \
    'FAILED  lint: spectral' 'FAILED  lint: redocly'
  expect_failure "list example, clients" clients "$TMP/bad-list-example.yaml" \
    'TypeScript contract check FAILED: listGroups: Prism reports spec violations:.*name must be string' \
    'Python contract check FAILED: .*listGroups: Prism reports spec violations:.*name must be string'
  expect_failure "list example, schemathesis" schemathesis "$TMP/bad-list-example.yaml" \
    'Response violates schema' 'Schema at /components/schemas/Group/properties/name' \
    'FAILED  schemathesis: Prism static'
fi

# 3. A schema-level example that contradicts its schema.
if want schema-example; then
  mutate "$SPEC" "$TMP/bad-schema-example.yaml" "PageLinks:" \
    "example: https://go.tallyfy.com/api/organizations/3b0a9d1c2e4f5a6b7c8d9e0f1a2b3c4d/groups?page=3" "example: 3"
  expect_failure "schema example, lint" lint "$TMP/bad-schema-example.yaml" \
    'oas3-valid-schema-example' 'no-invalid-schema-examples' \
    'FAILED  lint: spectral' 'FAILED  lint: redocly'
fi

# 4. The construct the default linters rejected: `nullable` with no `type` beside it.
if want nullable; then
  mutate "$SPEC" "$TMP/nullable-allof.yaml" "    Pagination:" '$ref: "#/components/schemas/PaginationLinks"' \
    'nullable: true
          allOf: [{ $ref: "#/components/schemas/PaginationLinks" }]'
  expect_failure "nullable without type, lint" lint "$TMP/nullable-allof.yaml" \
    'nullable-type-sibling' '"nullable" cannot be used without "type"' \
    'FAILED  lint: spectral \(plain spectral:oas' 'FAILED  lint: redocly \(built-in recommended'
fi

# 5. The rendered reference: a dangling $ref, and an operation without a summary.
if want docs; then
  mutate "$SPEC" "$TMP/docs-ref.yaml" "operationId: listGroups" '$ref: "#/components/schemas/GroupList"' \
    '$ref: "#/components/schemas/NoSuchList"'
  expect_failure "docs ref" docs "$TMP/docs-ref.yaml" \
    "Can't resolve \\\$ref" 'redocly bundle reported problems' 'FAILED  docs: redocly build-docs'
  mutate "$SPEC" "$TMP/docs-summary.yaml" "operationId: createGroup" 'summary: Create a group' \
    'x-summary: Create a group'
  expect_failure "docs summary" docs "$TMP/docs-summary.yaml" \
    'POST /organizations/\{org_id\}/groups has no summary' 'FAILED  docs: headless Chromium'
fi

# 6. A spec stricter than what Tallyfy's own Python SDK sends: update's member ids
# integers only (the SDK writes back the get example's "1001"), and create's
# description required (the SDK leaves it out when there is none).
if want vendor; then
  if "$RUN" vendor "$TMP/clean.yaml" >"$TMP/clean-vendor.log" 2>&1; then
    ok "clean copy: run.sh vendor passes"
  else
    tail -n 60 "$TMP/clean-vendor.log" >&2
    ko "clean copy: run.sh vendor fails; the vendor case below would prove nothing"
  fi
  # shellcheck disable=SC2016 # a literal $ref, not an expansion
  mutate "$SPEC" "$TMP/vendor-strict.yaml" "    UpdateGroupRequest:" \
    '$ref: "#/components/schemas/RequestMemberId"' 'type: integer'
  mutate "$TMP/vendor-strict.yaml" "$TMP/vendor-strict.yaml" "    CreateGroupRequest:" \
    'required: [name]' 'required: [name, description]'
  expect_failure "vendor strict" vendor "$TMP/vendor-strict.yaml" \
    'vendor SDK check FAILED: update_group\(name\): PUT /organizations/\{org\}/groups/\{group\} -> 422: Prism: request\.body\.members\.0: .*members\.0 must be integer' \
    'vendor SDK check FAILED: create_group\(no description\): POST /organizations/\{org\}/groups -> 422: Prism: request\.body: .*description' \
    'FAILED  vendor: '
fi

echo "selftest: $PASSED passed, $FAILED failed"
(( FAILED == 0 ))
