#!/usr/bin/env bash
# Build the SPA (trunk → dist/) and the worker (worker-build → edge-worker/build/), release.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

mkdir -p "$ROOT/target"
say "building the SPA with trunk"
trunk build --offline --release --config Trunk.toml >/dev/null 2>"$ROOT/target/trunk.log" \
  || { cat "$ROOT/target/trunk.log" >&2; die "trunk build failed"; }

say "building the worker with worker-build"
(cd edge-worker && worker-build --release --no-opt >/dev/null 2>"$ROOT/target/worker-build.log") \
  || { cat "$ROOT/target/worker-build.log" >&2; die "worker-build failed"; }
