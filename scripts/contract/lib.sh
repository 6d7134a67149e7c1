# shellcheck shell=bash
# Shared helpers for scripts/contract/*.sh. Source it; it defines functions and
# variables only and runs nothing.
#
#   source scripts/contract/lib.sh
#   ensure_tools                  # pinned npm tools in .tools/node, Python tools in .tools/venv
#   trap stop_prism EXIT          # the caller owns the trap
#   start_prism [-d] SPEC         # exports PRISM_URL, PRISM_PID, PRISM_LOG
#   ...                           # talk to "$PRISM_URL"
#   stop_prism                    # stops that Prism by its pid; safe to call twice
#
# Tool paths after ensure_tools: $NODE_BIN/{spectral,redocly,prism,openapi-typescript,tsc},
# $VENV_BIN/{python,openapi-spec-validator,openapi-python-client,openapi-generator-cli,st}.

CONTRACT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$CONTRACT_DIR/../.." && pwd)"
TOOLS_DIR="$REPO_ROOT/.tools"
NODE_PREFIX="$TOOLS_DIR/node"
NODE_BIN="$NODE_PREFIX/node_modules/.bin"
VENV_DIR="$TOOLS_DIR/venv"
VENV_BIN="$VENV_DIR/bin"
LOG_DIR="$TOOLS_DIR/logs"

# Dummy credentials and the headers every Tallyfy request carries. The token is a
# placeholder that Prism accepts for any bearer scheme; never put a real one here.
CONTRACT_TOKEN="contract-dummy-token"
export CONTRACT_TOKEN

# Quieter, offline-friendly tools.
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true
export NO_UPDATE_NOTIFIER=1 npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false
export PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1

if [[ -t 2 && -z "${NO_COLOR:-}" ]]; then _B=$'\033[1m' _R=$'\033[1;31m' _N=$'\033[0m'; else _B='' _R='' _N=''; fi
log() { printf '%s[contract]%s %s\n' "$_B" "$_N" "$*" >&2; }
die() { printf '%s[contract] error:%s %s\n' "$_R" "$_N" "$*" >&2; exit 1; }

# Package managers name the registry they talk to in some messages; keep host names
# out of logs by masking every URL host in what they print.
mask_hosts() { sed -E 's#(https?://)[^/[:space:]"]+#\1<registry>#g'; }

sha_of() { cat "$@" | sha256sum | cut -d' ' -f1; }

# --- tools -------------------------------------------------------------------

check_runtimes() {
  command -v node >/dev/null || die "node is not installed (Node 20.19+ is needed)"
  command -v npm >/dev/null || die "npm is not installed"
  command -v python3 >/dev/null || die "python3 is not installed (Python 3.11+ is needed)"
  local v major minor
  v="$(node -p 'process.versions.node')"
  major="${v%%.*}"; minor="${v#*.}"; minor="${minor%%.*}"
  if (( major < 20 || (major == 20 && minor < 19) )); then
    die "Node $v is too old: @redocly/cli needs Node 20.19+ (or 22.12+)"
  fi
  python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
    || die "Python $(python3 -V 2>&1) is too old: the generated Python client needs 3.11+"
}

# npm tools: scripts/contract/package.json + package-lock.json (exact versions and
# integrity hashes, no registry URLs) installed with `npm ci` into .tools/node.
ensure_node_tools() {
  local stamp="$NODE_PREFIX/.contract-stamp" want
  want="$(sha_of "$CONTRACT_DIR/package.json" "$CONTRACT_DIR/package-lock.json") node-$(node -p 'process.versions.node')"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]] \
    && [[ -x "$NODE_BIN/spectral" && -x "$NODE_BIN/redocly" && -x "$NODE_BIN/prism" \
          && -x "$NODE_BIN/openapi-typescript" && -x "$NODE_BIN/tsc" ]]; then
    return 0
  fi
  log "installing pinned npm tools into .tools/node (npm ci)"
  mkdir -p "$NODE_PREFIX"
  rm -f "$stamp"
  cp "$CONTRACT_DIR/package.json" "$CONTRACT_DIR/package-lock.json" "$NODE_PREFIX/"
  (cd "$NODE_PREFIX" && npm ci --no-audit --no-fund --loglevel=error 2>&1) | mask_hosts >&2
  printf '%s\n' "$want" > "$stamp"
}

# Python tools: requirements.txt (the three pins) constrained by constraints.txt
# (every transitive version), in the venv .tools/venv.
ensure_python_tools() {
  local stamp="$VENV_DIR/.contract-stamp" want
  want="$(sha_of "$CONTRACT_DIR/requirements.txt" "$CONTRACT_DIR/constraints.txt") $(python3 -V 2>&1)"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" && -x "$VENV_BIN/st" \
        && -x "$VENV_BIN/openapi-spec-validator" && -x "$VENV_BIN/openapi-python-client" \
        && -x "$VENV_BIN/openapi-generator-cli" ]]; then
    return 0
  fi
  log "installing pinned Python tools into .tools/venv (pip)"
  if [[ ! -x "$VENV_BIN/python" ]]; then
    python3 -m venv "$VENV_DIR" \
      || die "python3 -m venv failed (on Debian: apt-get install python3-venv)"
  fi
  rm -f "$stamp"
  "$VENV_BIN/python" -m pip install --quiet --no-input --require-virtualenv \
    -r "$CONTRACT_DIR/requirements.txt" -c "$CONTRACT_DIR/constraints.txt" 2>&1 | mask_hosts >&2
  printf '%s\n' "$want" > "$stamp"
}

ensure_tools() {
  check_runtimes
  ensure_node_tools
  ensure_python_tools
}

# --- Prism -------------------------------------------------------------------

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# start_prism [-d] SPEC: starts `prism mock` on 127.0.0.1 and a free port, in
# static mode (responses are the spec's examples) or, with -d, dynamic mode
# (responses generated from the schemas, seeded for repeatability). Waits until it
# listens. Exports PRISM_URL, PRISM_PID (the Prism process itself) and PRISM_LOG.
# One Prism at a time per shell: stop_prism before starting another.
start_prism() {
  local mode=static
  local -a extra=()
  if [[ "${1:-}" == "-d" ]]; then
    mode=dynamic; extra=(--dynamic --seed "${PRISM_SEED:-1}"); shift
  fi
  local spec="${1:?usage: start_prism [-d] SPEC}"
  [[ -f "$spec" ]] || die "start_prism: no such spec: $spec"
  [[ -z "${PRISM_PID:-}" ]] || die "start_prism: a Prism (pid $PRISM_PID) is already running; stop_prism first"
  [[ -x "$NODE_BIN/prism" ]] || die "start_prism: Prism is not installed; run ensure_tools first"
  mkdir -p "$LOG_DIR"

  local attempt port pid logf i
  for attempt in 1 2 3; do
    port="$(free_port)"
    logf="$LOG_DIR/prism-$mode-$port.log"
    # The .bin entry is Prism's own node script, so $! is Prism's pid.
    "$NODE_BIN/prism" mock --host 127.0.0.1 --port "$port" "${extra[@]}" "$spec" >"$logf" 2>&1 &
    pid=$!
    for ((i = 0; i < 300; i++)); do          # up to 60 s
      if ! kill -0 "$pid" 2>/dev/null; then break; fi
      if grep -qs "Prism is listening" "$logf" && port_open "$port"; then
        export PRISM_URL="http://127.0.0.1:$port" PRISM_PID="$pid" PRISM_LOG="$logf"
        log "Prism ($mode) on $PRISM_URL, pid $PRISM_PID, log ${logf#"$REPO_ROOT"/}"
        return 0
      fi
      sleep 0.2
    done
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
      tail -n 40 "$logf" >&2
      die "Prism did not start listening within 60 s"
    fi
    wait "$pid" 2>/dev/null || true
    if grep -qs EADDRINUSE "$logf"; then
      log "port $port was taken meanwhile; trying another (attempt $attempt)"
      continue
    fi
    tail -n 40 "$logf" >&2
    die "Prism exited while starting (spec: $spec)"
  done
  die "Prism could not get a free port"
}

# stop_prism: stops the Prism that start_prism started, by its pid. Idempotent,
# so it can sit in an EXIT trap and also be called directly.
stop_prism() {
  local pid="${PRISM_PID:-}"
  [[ -n "$pid" ]] || return 0
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    local i
    for ((i = 0; i < 50; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  unset PRISM_URL PRISM_PID PRISM_LOG
}

# prism_violations: prints the violations Prism logged so far (request or response
# not matching the spec), one per line; empty when there are none.
prism_violations() {
  [[ -n "${PRISM_LOG:-}" && -f "$PRISM_LOG" ]] || return 0
  grep -F 'Violation:' "$PRISM_LOG" | sed -E 's/^.*Violation: //' || true
}
