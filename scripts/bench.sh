#!/usr/bin/env bash
# Print the edge's cost and the shipped sizes, side by side in one run: p50/p95/max/mean of
# GET /api/health (wrangler dev's own floor), an order submit and a pushorder straight to the
# sandbox, interleaved; submit − health as the Worker's own cost; the submit's answer time while
# the sandbox is made slow (budget < 1 s); then the worker and SPA gzip sizes against their
# budgets. Figures only: it asserts nothing (the machine is noisy; read them side by side).
#   bash scripts/bench.sh [--n N]     (N calls per series, default 200; or BENCH_N)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

bash scripts/setup.sh
bash scripts/build.sh
cargo build -q -p haoka-sandbox   # the stack starts target/debug/haoka-sandbox, as the tests do

# A debug build of the client, sharing the tests' build: its own overhead per call (one
# keep-alive reqwest client on loopback) is small next to workerd's, and the release profile
# (opt-level "z", LTO) is tuned for the shipped wasm, not for this.
say "bench: the stack on loopback, N calls per series"
cargo run -q -p haoka-e2e --bin bench -- "$@"

say "sizes (gzip -9) against the budgets"
bash scripts/sizes.sh --no-build
say "bench took ${SECONDS}s"
