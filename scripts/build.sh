#!/usr/bin/env bash
# Build the SPA (trunk → dist/) and the worker (worker-build → edge-worker/build/), release.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

mkdir -p "$ROOT/target"
say "building the SPA with trunk"
trunk build --offline --release --config Trunk.toml >/dev/null 2>"$ROOT/target/trunk.log" \
  || { cat "$ROOT/target/trunk.log" >&2; die "trunk build failed"; }
# The capture page is a second small app, served from /capture/ (trunk replaces its whole
# dist directory on each build, so it is built apart and copied in).
say "building the photo capture page with trunk"
trunk build --offline --release --config Trunk.capture.toml >/dev/null 2>"$ROOT/target/trunk-capture.log" \
  || { cat "$ROOT/target/trunk-capture.log" >&2; die "trunk build (capture page) failed"; }
rm -rf dist/capture && cp -r target/capture-dist dist/capture
# The agents' console, a third app at /console/ (same reason).
say "building the agents' console with trunk"
trunk build --offline --release --config Trunk.console.toml >/dev/null 2>"$ROOT/target/trunk-console.log" \
  || { cat "$ROOT/target/trunk-console.log" >&2; die "trunk build (console) failed"; }
rm -rf dist/console && cp -r target/console-dist dist/console
# dist/_headers: the Content-Security-Policy and friends (frontend/headers.in), with the
# hashes of trunk's inline start-up scripts, which change with every build.
python3 - dist <<'PY'
import base64, hashlib, pathlib, re, sys
dist = pathlib.Path(sys.argv[1])
hashes = []
for page in (dist / "index.html", dist / "capture" / "index.html", dist / "console" / "index.html"):
    for script in re.findall(r"<script type=module>(.*?)</script>", page.read_text(), re.S):
        digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        hashes.append(f"'sha256-{digest}'")
if len(hashes) != 3:
    sys.exit(f"expected one start-up script per page, found {len(hashes)}")
template = pathlib.Path("frontend/headers.in").read_text()
lines = [l for l in template.splitlines() if not l.startswith("#")]
(dist / "_headers").write_text("\n".join(lines).replace("{SCRIPT_HASHES}", " ".join(hashes)) + "\n")
PY

say "building the worker with worker-build"
(cd edge-worker && worker-build --release --no-opt >/dev/null 2>"$ROOT/target/worker-build.log") \
  || { cat "$ROOT/target/worker-build.log" >&2; die "worker-build failed"; }
