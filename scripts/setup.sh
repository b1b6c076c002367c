#!/usr/bin/env bash
# Install everything haoka needs to build, run and test, idempotently: skips what is present.
# Usage: scripts/setup.sh [--browser]   (--browser also installs Chromium + chromedriver)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

want_browser=false
[[ "${1:-}" == "--browser" ]] && want_browser=true

command -v cargo >/dev/null || die "cargo not found: install Rust with rustup first"
command -v npm >/dev/null || die "npm not found: install Node.js 20 and npm"
command -v python3 >/dev/null || die "python3 not found"

# 0. The toolchain rust-toolchain.toml pins. rustup may not auto-install it
# (RUSTUP_AUTO_INSTALL=0 on this kind of machine): link the machine's stable when it is that
# version, else install it. Run outside the repository so the pin does not apply yet.
if ! rustup toolchain list | grep -Eq "^${RUST_VERSION//./\\.}(-| |$)"; then
  if (cd / && rustup run stable rustc --version 2>/dev/null) | grep -q "^rustc ${RUST_VERSION} "; then
    say "linking the installed stable toolchain as ${RUST_VERSION}"
    (cd / && rustup toolchain link "${RUST_VERSION}" "$(rustup run stable rustc --print sysroot)") \
      || die "could not link toolchain ${RUST_VERSION}"
  else
    say "installing Rust ${RUST_VERSION}"
    (cd / && rustup toolchain install "${RUST_VERSION}" --profile minimal -c rustfmt,clippy) \
      || die "Rust ${RUST_VERSION} is not installed and could not be installed"
  fi
fi

# 1. wasm32 target (the toolchain itself is pinned by rust-toolchain.toml).
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown || die "could not add the wasm32 target"
fi

# 2. cargo-installed tools, each pinned. `--locked` fails for wasm-bindgen-cli on this mirror.
# The three share some of their dependencies: one target dir lets the second and third reuse
# what the first compiled. They are build tools, not what we ship, so they are built without
# optimisation, LTO or debug info (README, "Set-up time": 55 % less CPU than opt-level 1 and
# the same output; wasm-bindgen then takes about 1 s instead of 0.3 s per app built); the
# versions stay pinned.
export CARGO_TARGET_DIR="$ROOT/target/tools"
export CARGO_PROFILE_RELEASE_LTO=false
export CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16
export CARGO_PROFILE_RELEASE_DEBUG=false
export CARGO_PROFILE_RELEASE_OPT_LEVEL=0
export CARGO_PROFILE_RELEASE_INCREMENTAL=false
need_version() { # <binary> <version>
  command -v "$1" >/dev/null && "$1" --version 2>/dev/null | grep -q "$2"
}
if ! need_version wasm-bindgen "$WASM_BINDGEN_VERSION"; then
  say "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (about 2 minutes)"
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force \
    || die "could not install wasm-bindgen-cli $WASM_BINDGEN_VERSION"
fi
if ! need_version worker-build "$WORKER_BUILD_VERSION"; then
  say "installing worker-build $WORKER_BUILD_VERSION (about 2 minutes)"
  cargo install worker-build --version "$WORKER_BUILD_VERSION" --force \
    || die "could not install worker-build $WORKER_BUILD_VERSION"
fi
if ! need_version trunk "$TRUNK_VERSION"; then
  say "installing trunk $TRUNK_VERSION (about 4 minutes)"
  cargo install trunk --version "$TRUNK_VERSION" --locked --force \
    || die "could not install trunk $TRUNK_VERSION"
fi

unset CARGO_TARGET_DIR CARGO_PROFILE_RELEASE_LTO CARGO_PROFILE_RELEASE_CODEGEN_UNITS \
  CARGO_PROFILE_RELEASE_DEBUG CARGO_PROFILE_RELEASE_OPT_LEVEL CARGO_PROFILE_RELEASE_INCREMENTAL

# 3. wrangler (and its workerd, esbuild) from the committed package-lock.json.
if [[ ! -x node_modules/.bin/wrangler || package-lock.json -nt node_modules/.package-lock.json ]]; then
  say "installing wrangler and binaryen from package-lock.json"
  npm ci --no-audit --no-fund --loglevel=error || die "npm ci failed (is the npm registry reachable?)"
fi
[[ -x "$ESBUILD_BIN" ]] || die "esbuild missing at $ESBUILD_BIN after npm ci"
[[ -x node_modules/.bin/wasm-opt ]] || die "wasm-opt (npm binaryen) missing after npm ci"

# 4. SQLite's library, which edge-core's native tests run the D1 statements on (rusqlite links
# Debian's libsqlite3 instead of compiling the bundled C source).
if ! dpkg -s libsqlite3-dev >/dev/null 2>&1; then
  say "installing libsqlite3-dev from Debian"
  sudo_cmd=""
  [[ $(id -u) -eq 0 ]] || sudo_cmd="sudo"
  { $sudo_cmd apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq libsqlite3-dev >/dev/null; } \
    || die "could not install libsqlite3-dev (needs root and Debian's registry)"
fi

# 5. Chromium + chromedriver for the browser tests, from Debian.
if $want_browser; then
  if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
    say "installing chromium and chromium-driver from Debian"
    sudo_cmd=""
    [[ $(id -u) -eq 0 ]] || sudo_cmd="sudo"
    $sudo_cmd apt-get update -qq || die "apt-get update failed"
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq chromium chromium-driver >/dev/null \
      || die "could not install chromium and chromium-driver (needs root and Debian's registry)"
  fi
  # Chinese glyphs in the browser tests' screenshots (target/e2e/screens); the tests pass
  # without them, so a machine that cannot install it only gets a note.
  if ! dpkg -s fonts-wqy-zenhei >/dev/null 2>&1; then
    sudo_cmd=""
    [[ $(id -u) -eq 0 ]] || sudo_cmd="sudo"
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq fonts-wqy-zenhei >/dev/null 2>&1 \
      || say "note: fonts-wqy-zenhei not installed: screenshots will show boxes for Chinese"
  fi
fi
say "setup complete"
