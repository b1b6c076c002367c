#!/usr/bin/env bash
# Every test haoka has: format, lints (native and wasm32), unit and property tests, the
# sandbox's suite, then the real worker in workerd and a journey in headless Chromium.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

bash scripts/setup.sh --browser

say "cargo fmt --check"
cargo fmt --all --check || die "code is not formatted: run cargo fmt --all"

say "clippy (native, all targets)"
cargo clippy -q --workspace --all-targets -- -D warnings
say "clippy (wasm32: shared, edge-core, frontend, edge-worker)"
cargo clippy -q --target wasm32-unknown-unknown -p haoka-shared -p haoka-edge-core -p haoka-capture-core -p haoka-frontend -p haoka-edge -- -D warnings
# The frontend alone, as trunk builds it: shared without its compiled-in region table.
cargo clippy -q --target wasm32-unknown-unknown -p haoka-frontend -- -D warnings

say "unit, property, edge-core (against the sandbox in process), sandbox and frontend tests"
cargo test -q -p haoka-shared -p haoka-edge-core -p haoka-capture-core -p haoka-sandbox -p haoka-frontend

say "checking the shape of the generated region table"
python3 - <<'PY'
import re
lines = open("shared/data/regions.txt", encoding="utf-8").read().splitlines()
assert sum(1 for l in lines if l.startswith("P")) == 31, "31 provinces"
assert all(re.fullmatch(r"[PCD]\d+ \S+", l) for l in lines), "format"
PY

bash scripts/build.sh
cargo build -q -p haoka-sandbox   # the end-to-end tests start it as a process

say "wrangler deploy --dry-run (bindings, assets and the bundle are deployable as is)"
rm -rf target/deploy-dry-run
npx --no-install wrangler deploy --dry-run --outdir target/deploy-dry-run >target/deploy-dry-run.log 2>&1 \
  || { cat target/deploy-dry-run.log >&2; die "wrangler deploy --dry-run failed"; }

say "end-to-end: worker in workerd, browser journey in headless Chromium"
rm -rf target/e2e   # fresh local D1 state, logs and browser profiles for this run
cargo test -q -p haoka-e2e -- --test-threads=4

say "all tests passed"
