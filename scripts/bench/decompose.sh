#!/usr/bin/env bash
# Decomposition of one get's cost (BENCHMARKS.md, "Overhead, decoding and the
# alternative client", section 1): callgrind instructions per get against the
# fixed-body server for the hand-written call, progenitor's generated builder alone,
# then our wrapper, the hooks and the timeout added one at a time.
#
#   scripts/bench/decompose.sh
#
# The variants need switches the crate does not have, so the script exports HEAD
# into a temporary directory, applies scripts/bench/decompose.patch there (three
# environment switches: DECOMPOSE_NO_TIMEOUT, DECOMPOSE_NO_HOOKS,
# DECOMPOSE_GENERATED_ONLY), builds the overhead bench into its own target dir
# (.tools/bench/decompose-target: a first build takes several minutes; never the
# shared target/, whose library it would overwrite) and runs each variant under
# callgrind for N1 and N2 gets: (Ir(N2) - Ir(N1)) / (N2 - N1) per get. The working
# tree is not touched. A patch that no longer applies fails the script: refresh it.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
TOOLS="$ROOT/.tools/bench"
OUT="$TOOLS/decompose"
N1=200 N2=1200
command -v valgrind >/dev/null || { echo "valgrind not found" >&2; exit 1; }
mkdir -p "$OUT"
copy="$(mktemp -d)"
server=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null || true
  rm -rf "$copy"
}
trap cleanup EXIT

git -C "$ROOT" archive HEAD | tar -x -C "$copy"
(cd "$copy" && git apply --check "$ROOT/scripts/bench/decompose.patch" \
  && git apply "$ROOT/scripts/bench/decompose.patch") \
  || { echo "decompose.patch does not apply to HEAD; refresh it" >&2; exit 1; }

overhead="$(cd "$copy" && CARGO_TARGET_DIR="$TOOLS/decompose-target" \
  cargo bench -p tallyfy-groups --bench overhead --no-run --message-format=json 2>/dev/null \
  | python3 -c '
import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m.get("executable") and m["target"]["name"] == "overhead":
        print(m["executable"])')"
[ -x "$overhead" ] || { echo "bench build failed" >&2; exit 1; }

"$overhead" --serve >"$OUT/serve.txt" &
server=$!
for _ in $(seq 50); do grep -q '^sandbox:' "$OUT/serve.txt" 2>/dev/null && break; sleep 0.2; done
fixed="$(awk '$1 == "fixed:" {print $2}' "$OUT/serve.txt")"
[ -n "$fixed" ] || { echo "the bench server did not start" >&2; exit 1; }

# name | kind | switches
variants=(
  "raw|raw-get|"
  "generated|ours-get|DECOMPOSE_GENERATED_ONLY=1 DECOMPOSE_NO_HOOKS=1 DECOMPOSE_NO_TIMEOUT=1"
  "wrapper|ours-get|DECOMPOSE_NO_HOOKS=1 DECOMPOSE_NO_TIMEOUT=1"
  "hooks|ours-get|DECOMPOSE_NO_TIMEOUT=1"
  "shipped|ours-get|"
)
for variant in "${variants[@]}"; do
  IFS='|' read -r name kind switches <<<"$variant"
  for n in "$N1" "$N2"; do
    # shellcheck disable=SC2086 # the switches are words on purpose
    env $switches valgrind --tool=callgrind --callgrind-out-file="$OUT/cg.$name.$n.out" \
      "$overhead" --profile "$kind" "$n" "$fixed" >/dev/null 2>&1
  done
done

python3 - "$OUT" "$N1" "$N2" <<'PY'
import re, subprocess, sys
out, n1, n2 = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def total(path):
    text = subprocess.run(["callgrind_annotate", path], capture_output=True, text=True).stdout
    m = re.search(r"([\d,]+)\s+\([\s\d.]+%\)\s+PROGRAM TOTALS", text)
    return int(m.group(1).replace(",", ""))
rows = [
    ("raw", "raw reqwest + serde_json"),
    ("generated", "progenitor's generated builder alone"),
    ("wrapper", "+ our wrapper (groups().get(), validation, error mapping)"),
    ("hooks", "+ hooks (retry clone, body limit, span)"),
    ("shipped", "+ request timeout = ours as shipped"),
]
per = {k: (total(f"{out}/cg.{k}.{n2}.out") - total(f"{out}/cg.{k}.{n1}.out")) / (n2 - n1)
       for k, _ in rows}
raw = per["raw"]
print(f"{'variant':<60} {'Ir/get':>9} {'over raw':>9} {'raw/variant':>12}")
for k, label in rows:
    print(f"{label:<60} {per[k]:>9,.0f} {per[k] - raw:>+9,.0f} {raw / per[k]:>12.3f}")
PY
