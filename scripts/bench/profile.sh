#!/usr/bin/env bash
# Instruction profiles (valgrind callgrind) of the per-request path and of decoding,
# ours against the hand-written reqwest + serde_json client: the figures behind the
# "Profile" part of BENCHMARKS.md, "Overhead, decoding and the alternative client".
#
#   scripts/bench/profile.sh
#
# Builds the overhead and decode benches, starts `overhead --serve` (the fixed-body
# server and a sandbox, in their own process so only the client is profiled), runs
# each kind of request (ours, the hand-written call, and the hand-written call with
# our timeouts: raw and rawt) twice under callgrind (N1 and N2 times) and reports
# (Ir(N2) - Ir(N1)) / (N2 - N1): instructions per request, start-up cancelled out,
# then the functions and categories where ours and the raw client differ.
# Callgrind counts instructions, not time: it is steady on a busy machine, but
# counts every byte of a `rep movsb` copy as one instruction (overstating large
# memcpys) and sees neither cache misses nor the kernel.
# Output files go to .tools/bench/callgrind/ (git-ignored).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OUT="$ROOT/.tools/bench/callgrind"
N1=200 N2=1200   # requests
D1=50 D2=250     # page decodes
mkdir -p "$OUT"
command -v valgrind >/dev/null || { echo "valgrind not found" >&2; exit 1; }

cd "$ROOT"
executables="$(cargo bench -p tallyfy-groups --bench overhead --bench decode --no-run \
  --message-format=json 2>/dev/null | python3 -c '
import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m.get("executable") and "bench" in m["target"]["kind"]:
        print(m["target"]["name"], m["executable"])')"
overhead="$(awk '$1 == "overhead" {print $2}' <<<"$executables")"
decode="$(awk '$1 == "decode" {print $2}' <<<"$executables")"
[ -x "$overhead" ] && [ -x "$decode" ] || { echo "bench build failed" >&2; exit 1; }

"$overhead" --serve >"$OUT/serve.txt" &
server=$!
trap 'kill "$server" 2>/dev/null || true' EXIT
for _ in $(seq 50); do grep -q '^sandbox:' "$OUT/serve.txt" 2>/dev/null && break; sleep 0.2; done
fixed="$(awk '$1 == "fixed:" {print $2}' "$OUT/serve.txt")"

profile() { # name n command...
  local name="$1" n="$2"
  shift 2
  valgrind --tool=callgrind --callgrind-out-file="$OUT/cg.$name.$n.out" "$@" >/dev/null 2>&1
}
for kind in ours-get raw-get rawt-get ours-list raw-list rawt-list; do
  for n in "$N1" "$N2"; do profile "$kind" "$n" "$overhead" --profile "$kind" "$n" "$fixed"; done
done
for kind in ours raw; do
  for n in "$D1" "$D2"; do profile "decode-$kind" "$n" "$decode" --profile "$kind" "$n"; done
done
"$overhead" --profile ours-get 1 "$fixed" | grep 'future sizes'

python3 - "$OUT" "$N1" "$N2" "$D1" "$D2" <<'EOF'
import collections, re, subprocess, sys
out, n1, n2, d1, d2 = sys.argv[1], *map(int, sys.argv[2:])
CATEGORIES = [
    ("chrono (timestamp parsing)", r"chrono|trim_start_matches"),
    ("malloc/free", r"malloc|free|_int_|rdl_|realloc|unlink_chunk|consolidate"),
    ("memcpy/memmove", r"memmove|memcpy"),
    ("url parsing", r"url::|idna"),
    ("tracing", r"tracing"),
    ("task-local, boxed-future polls", r"task_local|Pin<P>"),
    ("http headers", r"header|HeaderMap|HeaderValue|hash_elem|sip|hash_one|Bucket"),
    ("percent-encoding", r"percent_encoding"),
    ("timeout (tokio timer)", r"sleep|Sleep|time::|timer"),
    ("serde/serde_json", r"serde|MemberId|Deserialize"),
    ("tallyfy_groups, progenitor", r"tallyfy_groups|progenitor"),
    ("bench driver", r"overhead::|decode::"),
]
def load(path):
    text = subprocess.run(["callgrind_annotate", "--threshold=100", path],
                          capture_output=True, text=True).stdout
    counts = collections.Counter()
    for line in text.splitlines():
        m = re.match(r"\s*([\d,]+)\s+\([\s\d.]+%\)\s+(.*?)(\s+\[.*\])?$", line)
        if m and "PROGRAM TOTALS" not in line:
            counts[m.group(2)] += int(m.group(1).replace(",", ""))
    return counts
def per(name, a, b):
    x, y = load(f"{out}/cg.{name}.{a}.out"), load(f"{out}/cg.{name}.{b}.out")
    return {k: (y[k] - x[k]) / (b - a) for k in set(x) | set(y)}
def compare(ours, raw, a, b, unit):
    o, r = per(ours, a, b), per(raw, a, b)
    to, tr = sum(o.values()), sum(r.values())
    print(f"\n== {ours} vs {raw}: {to:,.0f} vs {tr:,.0f} Ir per {unit} "
          f"(ratio raw/ours {tr / to:.3f}, difference {to - tr:,.0f})")
    cats = collections.Counter()
    for k in set(o) | set(r):
        d = o.get(k, 0) - r.get(k, 0)
        cats[next((c for c, rx in CATEGORIES if re.search(rx, k)), "other")] += d
    for c, v in cats.most_common():
        print(f"  {v:>10,.0f}  {c}")
    rows = sorted(((o.get(k, 0) - r.get(k, 0), k) for k in set(o) | set(r)), reverse=True)
    print("  largest differences by function:")
    for d, k in rows[:12]:
        print(f"  {d:>10,.0f}  {k[:110]}")
compare("ours-get", "raw-get", n1, n2, "get")
compare("ours-get", "rawt-get", n1, n2, "get (raw with our timeouts)")
compare("ours-list", "raw-list", n1, n2, "one-page list")
compare("ours-list", "rawt-list", n1, n2, "one-page list (raw with our timeouts)")
compare("decode-ours", "decode-raw", d1, d2, "page decode")
EOF
