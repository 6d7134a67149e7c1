#!/usr/bin/env bash
# Build cost of tallyfy-groups for a user's application (issue #18; BENCHMARKS.md,
# "Build cost"). In one run, in a throwaway directory:
#
#   1. "crate": an application depending on a copy of this crate by path (default
#      features, or --tls FEATURE) and on tokio as the README's Install section says;
#   2. "floor": the same kind of application depending only on reqwest (the same TLS
#      backend and provider, the same reqwest features as the crate) + serde_json + tokio,
#      the floor for any reqwest client;
#
# each built clean in release with `--timings` in its own target dir. Prints for each the
# wall time, the unit count, the ten slowest units, and which build scripts ran a C compiler;
# then the ratios crate/floor. Finally it edits the spec of the copy and times the
# rebuild of the crate application. Both applications use this repository's Cargo.lock,
# so they build the same dependency versions as the crate's own tests.
#
#   scripts/bench/build.sh                       # default TLS (rustls-ring)
#   scripts/bench/build.sh --tls rustls-aws-lc   # or native-tls
#   scripts/bench/build.sh --keep                # keep the temp dir (timings HTML) for a look
#
# Takes several minutes on 2 cores; everything is under one `mktemp -d`, removed at the end.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
log() { printf '[build-bench] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

tls="rustls-ring"
keep=0
while [ $# -gt 0 ]; do
  case "$1" in
    --tls) tls="${2:-}"; shift 2 ;;
    --keep) keep=1; shift ;;
    *) die "usage: $0 [--tls rustls-ring|rustls-aws-lc|native-tls] [--keep]" ;;
  esac
done

# The floor: reqwest with the features the crate enables, and the same TLS choice.
reqwest_features='"json", "query", "stream", "http2", "system-proxy"'
floor_tls_deps=""
case "$tls" in
  rustls-ring)
    crate_features=""
    reqwest_features="$reqwest_features, \"rustls-no-provider\""
    floor_tls_deps='rustls = { version = "0.23", default-features = false, features = ["std", "tls12", "ring"] }
rustls-platform-verifier = "0.7"'
    floor_provider='rustls::crypto::ring::default_provider()' ;;
  rustls-aws-lc)
    crate_features='default-features = false, features = ["rustls-aws-lc"], '
    reqwest_features="$reqwest_features, \"rustls-no-provider\""
    floor_tls_deps='rustls = { version = "0.23", default-features = false, features = ["std", "tls12", "aws-lc-rs"] }
rustls-platform-verifier = "0.7"'
    floor_provider='rustls::crypto::aws_lc_rs::default_provider()' ;;
  native-tls)
    crate_features='default-features = false, features = ["native-tls"], '
    reqwest_features="$reqwest_features, \"native-tls\""
    floor_provider="" ;;
  *) die "unknown TLS choice $tls" ;;
esac

WORK="$(mktemp -d "${TMPDIR:-/tmp}/tallyfy-build-bench.XXXXXX")"
if [ "$keep" = 1 ]; then
  trap 'log "kept $WORK"' EXIT
else
  trap 'rm -rf "$WORK"' EXIT
fi

# The crate as a user gets it from a registry: `cargo package` (the files the manifest
# includes, a manifest without the workspace), unpacked. The spec edit below changes
# this copy, never the repository.
log "packaging the crate into $WORK"
(cd "$ROOT" && cargo package --quiet --no-verify --allow-dirty -p tallyfy-groups \
  --target-dir "$WORK/package") || die "cargo package failed"
tar -xzf "$WORK"/package/package/tallyfy-groups-*.crate -C "$WORK"
mv "$WORK"/tallyfy-groups-*/ "$WORK/tallyfy-groups"

make_app() { # name, [dependencies] lines, main.rs
  mkdir -p "$WORK/$1/src"
  cat >"$WORK/$1/Cargo.toml" <<EOF
[package]
name = "$1"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
$2

[workspace]
EOF
  printf '%s\n' "$3" >"$WORK/$1/src/main.rs"
  cp "$ROOT/Cargo.lock" "$WORK/$1/Cargo.lock"
}

make_app crate-app "tallyfy-groups = { ${crate_features}path = \"$WORK/tallyfy-groups\" }
tokio = { version = \"1\", features = [\"macros\", \"rt-multi-thread\"] }" '
#[tokio::main]
async fn main() -> Result<(), tallyfy_groups::Error> {
    let client = tallyfy_groups::Client::from_env()?;
    let page = client.groups().list().page_size(50).send().await?;
    for group in &page {
        println!("{}  {}", group.id, group.name);
    }
    Ok(())
}'

if [ -n "$floor_provider" ]; then
  floor_client="let provider = std::sync::Arc::new($floor_provider);
    let verifier = rustls_platform_verifier::Verifier::new(provider.clone())?;
    let mut tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .dangerous()
        .with_custom_certificate_verifier(std::sync::Arc::new(verifier))
        .with_no_client_auth();
    tls.alpn_protocols = vec![b\"h2\".to_vec(), b\"http/1.1\".to_vec()];
    let client = reqwest::Client::builder().tls_backend_preconfigured(tls).build()?;"
else
  floor_client="let client = reqwest::Client::builder().tls_backend_native().build()?;"
fi
make_app floor-app "reqwest = { version = \"0.13\", default-features = false, features = [$reqwest_features] }
$floor_tls_deps
serde_json = \"1\"
tokio = { version = \"1\", features = [\"macros\", \"rt-multi-thread\"] }" "
#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    $floor_client
    let token = std::env::var(\"TALLYFY_ACCESS_TOKEN\")?;
    let org = std::env::var(\"TALLYFY_ORG_ID\")?;
    let groups: serde_json::Value = client
        .get(format!(\"https://go.tallyfy.com/api/organizations/{org}/groups\"))
        .query(&[(\"per_page\", \"50\")])
        .bearer_auth(token)
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    println!(\"{groups}\");
    Ok(())
}"

now() { date +%s.%N; }

# Builds app $1 clean in release with --timings; writes $WORK/$1.summary (JSON).
build_clean() {
  local app="$1" target="$WORK/target-$1" start end
  log "building $app clean (release, --timings) in $target"
  (cd "$WORK/$app" && cargo fetch --quiet)
  start=$(now)
  (cd "$WORK/$app" && CARGO_TARGET_DIR="$target" cargo build --release --timings --quiet) \
    || die "$app does not build"
  end=$(now)
  python3 - "$app" "$start" "$end" "$target" >"$WORK/$app.summary" <<'EOF'
import glob, json, os, re, sys
app, start, end, target = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
html = open(os.path.join(target, "cargo-timings", "cargo-timing.html")).read()
m = re.search(r"const UNIT_DATA = (\[.*?\]);\n", html, re.S)
units = json.loads(m.group(1))
def label(u):
    kind = {"run-custom-build": " (build script run)", "todo": ""}.get(u.get("mode"), "")
    target = u.get("target", "").strip()
    if "build-script" in target or target == "build script":
        kind = " (build script)" if u.get("mode") != "run-custom-build" else kind
    return f"{u['name']} v{u['version']}{kind}"
slowest = sorted(units, key=lambda u: -u["duration"])[:10]
# Build scripts that ran the C compiler: the cc crate announces the compiler it looks for.
c_builds = []
for output in glob.glob(os.path.join(target, "release", "build", "*", "output")):
    text = open(output, errors="replace").read()
    if re.search(r"rerun-if-env-changed=CC(_|$)", text, re.M):
        name = os.path.basename(os.path.dirname(output)).rsplit("-", 1)[0]
        c_builds.append(name)
json.dump({
    "app": app, "wall": end - start, "units": len(units),
    "slowest": [[label(u), u["duration"]] for u in slowest],
    "c_builds": sorted(set(c_builds)),
    "c_seconds": sum(u["duration"] for u in units
                     if u.get("mode") == "run-custom-build" and u["name"] in c_builds),
}, sys.stdout)
EOF
}

log "machine: $(nproc) cores; $(uptime)"
load_before="$(uptime)"
build_clean floor-app
build_clean crate-app
load_after="$(uptime)"

# A spec edit rebuilds in seconds: change the document's version (it reaches the
# generated code) and time the incremental release build of the crate application.
sed -i 's/^  version: "\(.*\)"$/  version: "\1-bench"/' "$WORK/tallyfy-groups/spec/tallyfy-groups.yaml"
grep -q -- '-bench"' "$WORK/tallyfy-groups/spec/tallyfy-groups.yaml" || die "spec edit did not apply"
start=$(now)
(cd "$WORK/crate-app" && CARGO_TARGET_DIR="$WORK/target-crate-app" cargo build --release --quiet)
spec_edit=$(python3 -c "print(f'{$(now) - $start:.1f}')")

python3 - "$WORK/floor-app.summary" "$WORK/crate-app.summary" "$tls" "$spec_edit" \
  "$load_before" "$load_after" <<'EOF'
import json, sys
floor, crate = (json.load(open(p)) for p in sys.argv[1:3])
tls, spec_edit, before, after = sys.argv[3:7]
print(f"TLS choice: {tls}")
for s in (crate, floor):
    name = "tallyfy-groups app" if s is crate else "floor (reqwest + serde_json + tokio)"
    print(f"\n{name}: {s['wall']:.1f} s wall, {s['units']} units")
    print("  ten slowest units:")
    for label, secs in s["slowest"]:
        print(f"    {secs:7.1f} s  {label}")
    if s["c_builds"]:
        print(f"  build scripts that ran the C compiler: {', '.join(s['c_builds'])}"
              f" ({s['c_seconds']:.1f} s running them)")
    else:
        print("  build scripts that ran the C compiler: none")
print(f"\nratio crate/floor: wall {crate['wall'] / floor['wall']:.2f}, "
      f"units {crate['units'] / floor['units']:.2f} ({crate['units']} / {floor['units']})")
print(f"rebuild of the crate app after a spec edit (release): {spec_edit} s")
print(f"load before: {before.strip()}")
print(f"load after:  {after.strip()}")
EOF
