#!/usr/bin/env bash
# Installs what pixie-auth needs, skipping whatever is already present.
#   scripts/setup.sh           toolchain for building (wasm32 target, wasm-pack, wasm-bindgen-cli,
#                              npm packages, among them binaryen's wasm-opt)
#   scripts/setup.sh --test    also the browsers and drivers the tests use
# Every step prints one progress line; nothing is downloaded outside the package registries.
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
[ "${1:-}" = "--test" ] && want_test=1

say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }
export PATH="$HOME/.cargo/bin:$PATH"

# The wasm-bindgen CLI must match the library version in Cargo.lock exactly.
wbg_version=$(awk '/^name = "wasm-bindgen"$/ {getline; gsub(/"/, "", $3); print $3; exit}' Cargo.lock)
wasm_pack_version=0.15.1
geckodriver_version=0.37.1

apt_missing=()
need_apt() { command -v "$1" >/dev/null 2>&1 || apt_missing+=("$2"); }
if [ $want_test = 1 ]; then
  need_apt chromium chromium
  need_apt chromedriver chromium-driver
  need_apt firefox-esr firefox-esr
fi
if [ ${#apt_missing[@]} -gt 0 ]; then
  say "installing Debian packages: ${apt_missing[*]} (a few minutes the first time)"
  sudo_cmd=""
  [ "$(id -u)" = 0 ] || sudo_cmd="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo_cmd apt-get update -qq >/dev/null
  $sudo_cmd apt-get install -y -qq --no-install-recommends "${apt_missing[@]}" >/dev/null
else
  say "Debian packages present"
fi

if rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "wasm32 target present"
else
  say "adding the wasm32-unknown-unknown target (about a minute)"
  rustup target add wasm32-unknown-unknown
fi

cargo_install() { # name binary version [extra args...]
  local name=$1 bin=$2 version=$3; shift 3
  if command -v "$bin" >/dev/null 2>&1 && "$bin" --version 2>/dev/null | grep -q "$version"; then
    say "$name $version present"
  else
    say "building $name $version from crates.io (2-4 minutes the first time)"
    cargo install --quiet --force "$name" --version "$version" "$@"
  fi
}
cargo_install wasm-pack wasm-pack "$wasm_pack_version" --locked
# Not --locked: its lockfile pins a crate version the registry mirror lacks (see ENVIRONMENT.md).
cargo_install wasm-bindgen-cli wasm-bindgen "$wbg_version"
if [ $want_test = 1 ]; then
  cargo_install geckodriver geckodriver "$geckodriver_version" --locked
fi

if [ -d node_modules ] && [ node_modules/.package-lock.json -nt package-lock.json ]; then
  say "npm packages present"
else
  say "installing npm packages (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
fi
say "ready"
