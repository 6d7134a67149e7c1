# shellcheck shell=bash
# The `roundtrip` stage of run.sh: the TypeScript and Python clients generated from
# the spec run a full stateful round trip (create, get, list every page, update,
# delete, then 404) against the sandbox server, where contract.mts / contract.py
# check shapes against Prism; then the openapi-generator clients of generators.sh run
# their own round trip against the same server. Source it from run.sh after lib.sh,
# sandbox.sh and generators.sh;
# it defines functions only and uses run.sh's `step`, PASSED and FAILED.

roundtrip_typescript() {
  local gen="$TOOLS_DIR/gen/ts" out="$TOOLS_DIR/build/ts-roundtrip" tsconfig="$CONTRACT_DIR/ts/tsconfig.roundtrip.json"
  rm -rf "$out"
  generate_typescript_types "$gen"
  "$NODE_BIN/tsc" -p "$tsconfig" --strict --outDir "$out"
  node "$out/roundtrip.mjs"
}

roundtrip_python() {
  local gen="$TOOLS_DIR/gen/py-roundtrip"
  generate_python_client "$gen"
  PYTHONPATH="$gen" "$VENV_BIN/python" "$CONTRACT_DIR/py/roundtrip.py"
}

stage_roundtrip() {
  local name="roundtrip: the sandbox server stops cleanly on SIGTERM"
  start_sandbox "$TOOLS_DIR/work/roundtrip"
  step "roundtrip: TypeScript client against the sandbox server" roundtrip_typescript
  step "roundtrip: Python client against the sandbox server" roundtrip_python
  # The openapi-generator clients (generators.sh) run their round trip here too.
  export CONTRACT_BASE_URL="$SANDBOX_URL" CONTRACT_ORG="$SANDBOX_ORG_ID" CONTRACT_TARGET=server
  og_roundtrips "the sandbox server"
  unset CONTRACT_BASE_URL CONTRACT_ORG CONTRACT_TARGET
  # Not through `step`: only this shell can wait for the server and see its exit status.
  if stop_sandbox; then
    PASSED+=("$name"); log "✔ $name"
  else
    FAILED+=("$name"); log "✘ $name"
  fi
}
