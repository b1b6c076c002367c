#!/usr/bin/env bash
# Every test haoka has: format, lints (native and wasm32), unit and property tests, the
# sandbox's suite, then the real worker in workerd and a journey in headless Chromium.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

bash scripts/setup.sh --browser

say "cargo fmt --check"
cargo fmt --all --check || die "code is not formatted: run cargo fmt --all"

# Native: clippy lints every workspace crate while the test binaries compile, instead of a
# `cargo clippy` pass that compiles them all a second time (check only). clippy-driver is the
# workspace's compiler for these builds, exactly as `cargo clippy` makes it; CLIPPY_ARGS is
# how cargo-clippy hands it `-D warnings` (README, "Set-up time"). The worker is wasm32 only:
# its lints are the wasm32 pass below. Release builds (trunk, worker-build) never get it.
linted() {
  RUSTC_WORKSPACE_WRAPPER="$(rustup which clippy-driver)" \
    CLIPPY_ARGS="-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__" "$@"
}
say "clippy (native, all targets) while building every native test"
linted cargo test -q --workspace --exclude haoka-edge --all-targets --no-run
say "clippy (wasm32: shared, edge-core, edge-app, capture-core, edge-worker; then the frontend)"
cargo clippy -q --target wasm32-unknown-unknown -p haoka-shared -p haoka-edge-core -p haoka-edge-app -p haoka-capture-core -p haoka-edge -- -D warnings
# The frontend alone, as trunk builds it: shared without its compiled-in region table.
cargo clippy -q --target wasm32-unknown-unknown -p haoka-frontend -- -D warnings

say "unit, property, edge-core (against the sandbox in process, and its SQL on SQLite), edge-app (its routes on a fake platform), sandbox and frontend tests"
linted cargo test -q -p haoka-shared -p haoka-edge-core -p haoka-edge-app -p haoka-capture-core -p haoka-sandbox -p haoka-frontend

say "checking the shape of the generated region table"
python3 - <<'PY'
import re
lines = open("shared/data/regions.txt", encoding="utf-8").read().splitlines()
assert sum(1 for l in lines if l.startswith("P")) == 31, "31 provinces"
assert all(re.fullmatch(r"[PCD]\d+ \S+", l) for l in lines), "format"
PY

bash scripts/build.sh
linted cargo build -q -p haoka-sandbox   # the end-to-end tests start it as a process

say "wrangler deploy --dry-run (bindings, assets and the bundle are deployable as is)"
rm -rf target/deploy-dry-run
npx --no-install wrangler deploy --dry-run --outdir target/deploy-dry-run >target/deploy-dry-run.log 2>&1 \
  || { cat target/deploy-dry-run.log >&2; die "wrangler deploy --dry-run failed"; }

say "end-to-end: worker in workerd, browser journey in headless Chromium"
rm -rf target/e2e   # fresh local D1 state, logs and browser profiles for this run
linted cargo test -q -p haoka-e2e -- --test-threads=4

say "all tests passed"
