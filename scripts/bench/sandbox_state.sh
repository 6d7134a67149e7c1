#!/usr/bin/env bash
# What a lasting state costs the sandbox server: creates per second with
# `--state FILE` (every change fsynced and renamed into place before it is
# answered) against the same server in memory, measured side by side in one run.
#
#   scripts/bench/sandbox_state.sh [N] [ROUNDS]     # default 300 creates, 3 rounds
#
# Each round starts a fresh server of each kind (seed 300, as the groups CLI has),
# sends N sequential creates over one keep-alive connection (Python's http.client),
# and stops the server by its pid. Prints the median rate of each and their ratio.
# The state file lives in a temporary directory on the same file system as $TMPDIR.
set -euo pipefail
cd "$(dirname "$0")/../.."

N="${1:-300}"
ROUNDS="${2:-3}"
cargo build --quiet --release -p tallyfy-groups-sandbox
BIN="${CARGO_TARGET_DIR:-target}/release/tallyfy-groups-sandbox"
WORK="$(mktemp -d)"
PID=""
cleanup() {
  if [[ -n "$PID" ]]; then kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

# run_once KIND: prints creates per second for one fresh server.
run_once() {
  local kind="$1" out="$WORK/server.out" i
  local -a extra=()
  [[ "$kind" == state ]] && extra=(--state "$WORK/state.json" --reset-state)
  : > "$out"
  "$BIN" --seed 300 "${extra[@]}" > "$out" 2>/dev/null &
  PID=$!
  for ((i = 0; i < 150; i++)); do [[ -s "$out" ]] && break; sleep 0.1; done
  [[ -s "$out" ]] || { echo "the server did not start" >&2; exit 1; }
  local url
  url="$(head -n 1 "$out" | sed -E 's/^TALLYFY_BASE_URL=([^ ]+) TALLYFY_ORG_ID=([^ ]+)$/\1\/organizations\/\2\/groups/')"
  python3 - "$url" "$N" "$kind" <<'PY'
import http.client, json, sys, time, urllib.parse
url, n, kind = urllib.parse.urlsplit(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
conn = http.client.HTTPConnection(url.hostname, url.port)
headers = {"Authorization": "Bearer bench", "Content-Type": "application/json"}
start = time.perf_counter()
for i in range(n):
    conn.request("POST", url.path, json.dumps({"name": f"{kind} {i}"}), headers)
    r = conn.getresponse()
    r.read()
    if r.status != 201:
        sys.exit(f"create {i}: status {r.status}")
print(f"{n / (time.perf_counter() - start):.1f}")
PY
  kill "$PID"; wait "$PID" || true; PID=""
}

mem=(); state=()
for ((r = 1; r <= ROUNDS; r++)); do
  mem+=("$(run_once memory)")
  state+=("$(run_once state)")
  echo "round $r: in memory ${mem[-1]}/s, with --state ${state[-1]}/s"
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
m="$(median "${mem[@]}")"; s="$(median "${state[@]}")"
echo "median: in memory $m creates/s, with --state $s creates/s, ratio $(awk -v s="$s" -v m="$m" 'BEGIN {printf "%.3f", s / m}')"
