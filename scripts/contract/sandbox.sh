# shellcheck shell=bash
# Helpers for the contract stage that drives the generated clients against the
# sandbox server (the `tallyfy-groups-sandbox` binary). Source it after lib.sh;
# it defines functions and variables only and runs nothing.
#
#   start_sandbox DIR            # builds and starts the server on 127.0.0.1, state in DIR;
#                                # exports SANDBOX_URL, SANDBOX_ORG_ID, SANDBOX_PID, SANDBOX_LOG
#   stop_sandbox                 # SIGTERM by its pid (SIGKILL after 10 s); safe to call twice;
#                                # fails if the server did not stop cleanly (exit 0)
#
# The server accepts only $CONTRACT_TOKEN and starts from SANDBOX_SEED groups.

SANDBOX_SEED="${SANDBOX_SEED:-23}"
export SANDBOX_SEED

sandbox_binary() {
  local target="${CARGO_TARGET_DIR:-$REPO_ROOT/target}"
  [[ "$target" = /* ]] || target="$REPO_ROOT/$target"
  printf '%s/debug/tallyfy-groups-sandbox' "$target"
}

# start_sandbox DIR: a fresh server (its state file DIR/state.json is reset) on a
# free port. Waits, bounded, for its first stdout line.
start_sandbox() {
  local dir="${1:?usage: start_sandbox DIR}"
  [[ -z "${SANDBOX_PID:-}" ]] || die "start_sandbox: a sandbox (pid $SANDBOX_PID) is already running"
  (cd "$REPO_ROOT" && cargo build --quiet -p tallyfy-groups-sandbox) || die "cannot build the sandbox server"
  mkdir -p "$dir" "$LOG_DIR"
  local out="$dir/server.out" logf="$LOG_DIR/sandbox.log" bin i line=""
  bin="$(sandbox_binary)"
  [[ -x "$bin" ]] || die "no sandbox binary at $bin"
  : > "$out"
  # The token comes from the environment, so it is not on the command line.
  TALLYFY_SANDBOX_TOKEN="$CONTRACT_TOKEN" "$bin" --port 0 --seed "$SANDBOX_SEED" \
    --state "$dir/state.json" --reset-state >"$out" 2>"$logf" &
  local pid=$!
  for ((i = 0; i < 150; i++)); do          # up to 30 s
    if [[ -s "$out" ]]; then line="$(head -n 1 "$out")"; break; fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  local url="" org="" pair
  for pair in $line; do
    case "$pair" in
      TALLYFY_BASE_URL=*) url="${pair#*=}" ;;
      TALLYFY_ORG_ID=*) org="${pair#*=}" ;;
    esac
  done
  if [[ -z "$url" || -z "$org" ]]; then
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    cat "$logf" >&2
    die "the sandbox server did not start"
  fi
  export SANDBOX_URL="$url" SANDBOX_ORG_ID="$org" SANDBOX_PID="$pid" SANDBOX_LOG="$logf"
  log "sandbox server on $SANDBOX_URL ($SANDBOX_SEED groups), pid $SANDBOX_PID, log ${logf#"$REPO_ROOT"/}"
}

# stop_sandbox: SIGTERM to the server's pid, then waits (bounded) for it; a
# server that needs SIGKILL or exits non-zero is a failure.
stop_sandbox() {
  local pid="${SANDBOX_PID:-}" rc=0 i
  [[ -n "$pid" ]] || return 0
  unset SANDBOX_URL SANDBOX_ORG_ID SANDBOX_PID
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < 100; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    log "the sandbox server ignored SIGTERM for 10 s and was killed"
    return 1
  fi
  wait "$pid" 2>/dev/null || rc=$?
  (( rc == 0 )) || log "the sandbox server exited with status $rc after SIGTERM"
  return "$rc"
}
