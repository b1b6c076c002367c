#!/usr/bin/env bash
# Print the photo pipeline's figures side by side in one headless Chromium page: median time,
# output bytes and size for a 12 MP JPEG (EXIF 6) and a 24 MP PNG, ours against compressorjs
# 1.3.0 and browser-image-compression 2.0.2 (benchmark-only npm packages in bench/). Figures
# only; it asserts nothing.
#   bash scripts/bench-capture.sh [--n N]     (runs per input and pipeline, default 10)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

bash scripts/setup.sh --browser
bash scripts/build.sh
(cd bench && npm ci --no-audit --no-fund --loglevel=error) || die "npm ci in bench/ failed"
say "bench: the capture pipeline against two JS libraries"
cargo run -q -p haoka-e2e --bin bench_capture -- "$@"
say "bench took ${SECONDS}s"
