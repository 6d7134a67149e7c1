# shellcheck shell=bash
# Stage `docs` of scripts/contract/run.sh (sourced by it, after lib.sh): the rendered
# reference. Builds the spec into one self-contained HTML page with `redocly build-docs
# --inlineBundle` (no CDN), failing on any warning (and on a `$ref` that `redocly bundle`
# cannot resolve, which build-docs renders as nothing without a word), then opens it in headless Chromium
# (Debian's `chromium`, installed with apt-get when missing) with no network at all,
# and checks that each of the five operations rendered:
#
#   * the DOM after the page's scripts ran (--dump-dom) holds every operation's summary
#     and its `operation/<operationId>` anchor, and no "Failed to load" alert;
#   * the browser console logged no uncaught error (a failed hydration);
#   * a screenshot was taken and is not blank (more than a handful of colours).
#
# Output (build output, git-ignored): .tools/docs/tallyfy-groups.html, .tools/docs/dom.html,
# .tools/docs/screenshot.png, .tools/docs/chromium.log. Defines functions only.

DOCS_DIR="$TOOLS_DIR/docs"
DOCS_HTML="$DOCS_DIR/tallyfy-groups.html"

# The operations the page must show, as operationId=summary, read from the spec so that
# a renamed or added operation is checked without editing this file.
docs_operations() {
  "$VENV_BIN/python" - "$SPEC" <<'PY'
import sys, yaml
spec = yaml.safe_load(open(sys.argv[1], encoding="utf-8"))
for path, item in (spec.get("paths") or {}).items():
    for method in ("get", "put", "post", "delete", "patch", "head", "options", "trace"):
        op = item.get(method)
        if op:
            if not op.get("summary"):
                sys.exit(f"{method.upper()} {path} has no summary: the reference would title it by its path")
            print(f"{op['operationId']}={op['summary']}")
PY
}

docs_build() {
  local out rc=0
  rm -rf "$DOCS_DIR"; mkdir -p "$DOCS_DIR"
  # build-docs renders what it cannot resolve as empty, silently; the bundler reports it.
  out="$("$NODE_BIN/redocly" bundle "$SPEC" --output "$DOCS_DIR/bundled.yaml" 2>&1)" || rc=$?
  out="$(printf '%s\n' "$out" | sed '/^ *[╔║╚]/d' | cat -s)"
  if (( rc != 0 )) || grep -qiE 'warn|error|problem' <<<"$out"; then
    printf '%s\n' "$out" >&2; echo "redocly bundle reported problems (above)" >&2; return 1
  fi
  out="$("$NODE_BIN/redocly" build-docs "$SPEC" --inlineBundle --output "$DOCS_HTML" 2>&1)" || rc=$?
  out="$(printf '%s\n' "$out" | sed '/^ *[╔║╚]/d' | cat -s)"
  printf '%s\n' "$out"
  (( rc == 0 )) || return "$rc"
  [[ -s "$DOCS_HTML" ]] || { echo "redocly build-docs wrote no page" >&2; return 1; }
  if grep -qiE 'warn|error|problem' <<<"$out"; then
    echo "redocly build-docs reported warnings (see above)" >&2; return 1
  fi
  # Self-contained: no script or stylesheet is loaded from anywhere else.
  if grep -qE '<(script|link)[^>]+(src|href)="https?://' "$DOCS_HTML"; then
    grep -oE '<(script|link)[^>]+(src|href)="https?://[^"]*"' "$DOCS_HTML" >&2
    echo "the page loads scripts or styles from the network" >&2; return 1
  fi
}

# ensure_chromium: Debian's chromium, installed with apt-get if missing (CI runs as root).
ensure_chromium() {
  command -v chromium >/dev/null && return 0
  log "installing chromium (apt-get)"
  [[ "$(id -u)" == 0 ]] || { echo "chromium is missing and this is not root: apt-get install chromium" >&2; return 1; }
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium; } 2>&1 \
    | mask_hosts | tail -n 5 >&2
  command -v chromium >/dev/null
}

# chromium_run ARGS...: headless, offline (every host name resolves to nothing), a fresh
# profile, bounded by `timeout`.
chromium_run() {
  local profile
  profile="$(mktemp -d "$DOCS_DIR/profile.XXXXXX")"
  timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --host-resolver-rules='MAP * ~NOTFOUND' --user-data-dir="$profile" \
    --enable-logging=stderr --v=0 --virtual-time-budget=15000 --window-size=1400,1800 "$@"
  local rc=$?
  rm -rf "$profile"
  return "$rc"
}

# rendered_text DOM: the page's markup without its <script> and <style> bodies, tags
# and entities, so that a match is text the page shows, not the spec the bundle embeds.
rendered_text() {
  "$VENV_BIN/python" - "$1" <<'PY'
import html, re, sys
dom = open(sys.argv[1], encoding="utf-8", errors="replace").read()
dom = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", dom)
print(html.unescape(re.sub(r"(?s)<[^>]+>", "\n", dom)))
PY
}

docs_render() {
  ensure_chromium
  [[ -s "$DOCS_HTML" ]] || { echo "no page to open: run the docs build first" >&2; return 1; }
  local url="file://$DOCS_HTML" dom="$DOCS_DIR/dom.html" png="$DOCS_DIR/screenshot.png"
  local console="$DOCS_DIR/chromium.log" missing=0 id summary route first=""
  docs_operations >"$DOCS_DIR/operations.txt"
  chromium_run --dump-dom "$url" >"$dom" 2>"$console"
  rendered_text "$dom" >"$DOCS_DIR/text.txt"
  if grep -q 'Failed to load API description' "$DOCS_DIR/text.txt"; then
    echo "the page shows a load error" >&2; missing=1
  fi
  # Each operation has a menu link (#/<tag>/<operationid>); opening it must show the
  # operation's summary as text on the page.
  while IFS='=' read -r id summary; do
    route="$(grep -oiE "href=\"#/[a-z0-9_-]+/${id}\"" "$dom" | head -n 1 | sed -E 's/^href="(.*)"$/\1/')"
    if [[ -z "$route" ]]; then echo "not rendered: no menu link to $id" >&2; missing=1; continue; fi
    first="${first:-$route}"
    chromium_run --dump-dom "$url$route" >"$DOCS_DIR/dom-$id.html" 2>>"$console"
    rendered_text "$DOCS_DIR/dom-$id.html" >"$DOCS_DIR/text-$id.txt"
    if grep -qxF "$summary" "$DOCS_DIR/text-$id.txt"; then
      echo "rendered: $id ($route): \"$summary\""
    else
      echo "not rendered: the summary \"$summary\" on $route" >&2; missing=1
    fi
  done < "$DOCS_DIR/operations.txt"
  if grep -E 'Uncaught' "$console" >&2; then
    echo "the page logged uncaught errors in the browser console (above)" >&2; missing=1
  fi
  (( missing == 0 )) || return 1
  chromium_run --screenshot="$png" "$url$first" >/dev/null 2>>"$console"
  "$VENV_BIN/python" - "$png" <<'PY'
# A blank or failed render is one or two colours; the reference has text, code and menus.
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
pos, idat, width, height = 8, b"", 0, 0
while pos < len(data):
    length, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + length]
    if kind == b"IHDR":
        width, height, depth, colour = struct.unpack(">IIBB", body[:10])
        assert depth == 8 and colour in (2, 6), f"unexpected PNG format {depth}/{colour}"
        channels = 3 if colour == 2 else 4
    elif kind == b"IDAT":
        idat += body
    pos += 12 + length
raw = zlib.decompress(idat)
stride = width * channels + 1
# Sample the unfiltered bytes of every 8th row (filter type 0 or not, the colour count
# of a blank page stays tiny either way).
colours = {raw[r * stride + 1 + c:r * stride + 1 + c + 3] for r in range(0, height, 8) for c in range(0, width * channels, channels * 4)}
print(f"screenshot {width}x{height}, {len(colours)} distinct samples")
sys.exit(0 if len(colours) > 20 else "the screenshot looks blank")
PY
  echo "rendered: $(wc -l <"$DOCS_DIR/operations.txt") operations; page $(rel "$DOCS_HTML"), screenshot $(rel "$png")"
}

stage_docs() {
  step "docs: redocly build-docs (one offline page, no warnings)" docs_build
  step "docs: headless Chromium renders every operation" docs_render
}
