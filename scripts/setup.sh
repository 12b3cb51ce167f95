#!/usr/bin/env bash
# Installs what pixie-auth needs, skipping whatever is already present at the right version.
#   scripts/setup.sh           toolchain for building (wasm32 target, wasm-pack, wasm-bindgen-cli,
#                              npm packages, among them binaryen's wasm-opt)
#   scripts/setup.sh --test    also the browsers and drivers the tests use (npm run setup)
# Every step prints one progress line; nothing is downloaded outside the package registries.
#
# Browsers and drivers elsewhere than Debian's paths: set PIXIE_CHROMIUM (default
# /usr/bin/chromium), PIXIE_FIREFOX (/usr/bin/firefox-esr), CHROMEDRIVER (/usr/bin/chromedriver),
# GECKODRIVER (geckodriver on PATH). One that is set must exist; it is then not installed.
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
[ "${1:-}" = "--test" ] && want_test=1

say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }
die() { printf '\033[1m[setup]\033[0m %s\n' "$*" >&2; exit 1; }
export PATH="$HOME/.cargo/bin:$PATH"

# The wasm-bindgen CLI must match the library version in Cargo.lock exactly.
wbg_version=$(awk '/^name = "wasm-bindgen"$/ {getline; gsub(/"/, "", $3); print $3; exit}' Cargo.lock)
wasm_pack_version=0.15.1
geckodriver_version=0.37.1

# An overriding variable must name an executable file; otherwise the Debian package provides it.
apt_missing=()
need_apt() { # variable default-path package
  local var=$1 default=$2 package=$3 value=${!1:-}
  if [ -n "$value" ]; then
    [ -x "$value" ] || die "$var=$value is not an executable file"
  elif [ ! -x "$default" ]; then
    apt_missing+=("$package")
  fi
}
if [ $want_test = 1 ]; then
  need_apt PIXIE_CHROMIUM /usr/bin/chromium chromium
  need_apt CHROMEDRIVER /usr/bin/chromedriver chromium-driver
  need_apt PIXIE_FIREFOX /usr/bin/firefox-esr firefox-esr
fi
if [ ${#apt_missing[@]} -gt 0 ]; then
  say "installing Debian packages: ${apt_missing[*]} (a few minutes the first time)"
  sudo_cmd=""
  [ "$(id -u)" = 0 ] || sudo_cmd="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo_cmd apt-get update -qq >/dev/null
  $sudo_cmd apt-get install -y -qq --no-install-recommends "${apt_missing[@]}" >/dev/null
else
  say "browsers and chromedriver present"
fi

if rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "wasm32 target present"
else
  say "adding the wasm32-unknown-unknown target (about a minute)"
  rustup target add wasm32-unknown-unknown
fi

# The version a binary reports ("wasm-pack 0.15.1", "geckodriver 0.37.1 (...)"): the second word.
version_of() { "$1" --version 2>/dev/null | awk 'NR == 1 { print $2 }'; }

cargo_install() { # name binary version [extra args...]
  local name=$1 bin=$2 version=$3; shift 3
  local have=""
  command -v "$bin" >/dev/null 2>&1 && have=$(version_of "$bin")
  if [ "$have" = "$version" ]; then
    say "$name $version present"
    return
  fi
  # --force only to replace another version (cargo refuses to overwrite a binary otherwise).
  local replace=()
  if [ -n "$have" ]; then
    say "building $name $version from the Rust crate registry, replacing $have (2-4 minutes)"
    replace=(--force)
  else
    say "building $name $version from the Rust crate registry (2-4 minutes the first time)"
  fi
  cargo install --quiet ${replace[@]+"${replace[@]}"} "$name" --version "$version" "$@"
}
cargo_install wasm-pack wasm-pack "$wasm_pack_version" --locked
# Not --locked: its lockfile pins a crate version the registry mirror lacks (see ENVIRONMENT.md).
cargo_install wasm-bindgen-cli wasm-bindgen "$wbg_version"
if [ $want_test = 1 ]; then
  if [ -n "${GECKODRIVER:-}" ]; then
    [ -x "$GECKODRIVER" ] || die "GECKODRIVER=$GECKODRIVER is not an executable file"
    say "geckodriver: $GECKODRIVER (GECKODRIVER)"
  else
    cargo_install geckodriver geckodriver "$geckodriver_version" --locked
  fi
fi

if [ -d node_modules ] && [ node_modules/.package-lock.json -nt package-lock.json ]; then
  say "npm packages present"
else
  say "installing npm packages (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
fi
say "ready"
