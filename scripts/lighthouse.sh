#!/usr/bin/env bash
# Print Lighthouse 12.2.3 (npm, mobile profile) performance, accessibility and best-practices
# scores for the order form, a product page, a status page and the console, each next to the page's transfer
# size and the audits under 0.9. Figures, not assertions. Builds first unless --no-build.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

bash scripts/setup.sh --browser
[[ "${1:-}" == "--no-build" ]] || bash scripts/build.sh
cargo build -q -p haoka-sandbox
(cd bench && npm ci --no-audit --no-fund --loglevel=error) || die "npm ci in bench/ failed"
cargo run -q -p haoka-e2e --bin lighthouse
