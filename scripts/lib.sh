# Shared helpers for haoka's scripts. Sourced, not run.
# shellcheck shell=bash
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

# Pinned tool versions (see ../shared/TOOLCHAIN.md on this kind of machine).
RUST_VERSION="1.95.0"            # also in rust-toolchain.toml
WASM_BINDGEN_VERSION="0.2.130"
WORKER_BUILD_VERSION="0.8.7"
TRUNK_VERSION="0.21.14"

export PATH="$HOME/.cargo/bin:$PATH:$ROOT/node_modules/.bin"  # last: trunk's wasm-opt (binaryen)
# Never phone home from wrangler / workerd.
export WRANGLER_SEND_METRICS=false
export CLOUDFLARE_CF_FETCH_ENABLED=false
export WRANGLER_LOG_PATH="$ROOT/.wrangler/logs"
# Keep trunk and worker-build off GitHub: they use the tools we installed.
export TRUNK_OFFLINE=true
export WASM_BINDGEN_BIN="$HOME/.cargo/bin/wasm-bindgen"
export ESBUILD_BIN="$ROOT/node_modules/@esbuild/linux-x64/bin/esbuild"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf '\033[31merror:\033[0m %s\n' "$*" >&2; exit 1; }

