#!/usr/bin/env bash
# The Redis coordinator's benchmark (docs/benchmarks/coordinator.md): 20 processes
# each adding one member to one group on the sandbox (20 ms latency), and 3 processes
# sharing a 5/s quota against a sandbox allowing 5/s, each with and without
# --coordinator. Needs redis-server; refuses to time anything on a loaded machine.
set -euo pipefail
cd "$(dirname "$0")/../.."
load=$(cut -d' ' -f1 /proc/loadavg)
if awk -v l="$load" 'BEGIN { exit !(l > 1.5) }'; then
  echo "load $load > 1.5: not timing now" >&2
  exit 1
fi
nice -n 10 cargo test -q --workspace --test coordinator -- --ignored --nocapture bench_coordinator
