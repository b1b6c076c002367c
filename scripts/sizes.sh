#!/usr/bin/env bash
# Print the shipped sizes (raw and gzip -9) of the SPA's first load and of the worker, against
# their budgets. Builds first unless --no-build. Figures, not assertions: read them side by side.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[[ "${1:-}" == "--no-build" ]] || bash scripts/build.sh

RAW=0; GZ=0
row() { # label files...
  local label=$1; shift
  RAW=0; GZ=0
  for f in "$@"; do
    RAW=$((RAW + $(stat -c%s "$f")))
    GZ=$((GZ + $(gzip -9c "$f" | wc -c)))
  done
  printf '%-28s %10d %10d\n' "$label" "$RAW" "$GZ"
}
printf '%-28s %10s %10s\n' "artifact" "raw B" "gzip B"
spa_wasm=$(ls dist/*_bg.wasm); spa_js=$(ls dist/haoka-frontend-*.js); spa_css=$(ls dist/*.css)
row "SPA wasm" "$spa_wasm"
row "SPA js + css + html" "$spa_js" "$spa_css" dist/index.html
row "SPA first load" "$spa_wasm" "$spa_js" "$spa_css" dist/index.html; spa=$GZ
row "region table (fetched)" dist/regions.txt
cap_wasm=$(ls dist/capture/*_bg.wasm); cap_js=$(ls dist/capture/haoka-capture-*.js)
row "capture page (photo step)" "$cap_wasm" "$cap_js" dist/capture/*.css dist/capture/index.html
con_wasm=$(ls dist/console/*_bg.wasm); con_js=$(ls dist/console/haoka-console-*.js)
row "agents' console" "$con_wasm" "$con_js" dist/console/*.css dist/console/index.html
row "worker (wasm + js)" edge-worker/build/index_bg.wasm edge-worker/build/index.js; worker=$GZ
printf '\nbudgets: SPA first load %d / 204800 B gzip (%d%%), worker %d / 1048576 B gzip (%d%%)\n' \
  "$spa" $((spa * 100 / 204800)) "$worker" $((worker * 100 / 1048576))
