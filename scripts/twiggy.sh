#!/usr/bin/env bash
# npm run size:crates: where the bytes of the .wasm are, per crate (and per module of our own
# code), for before/after tables. Installs twiggy if missing (cargo install twiggy --locked,
# about 80 s once), builds the release wasm (`cargo build --release --target
# wasm32-unknown-unknown --lib`: the build wasm-pack runs, so after scripts/build.sh it is a
# no-op), runs `wasm-bindgen --keep-debug --target web` into a temp dir (function names kept)
# and groups `twiggy top` by crate with scripts/twiggy-crates.mjs. The sizes are before wasm-opt
# (which shrinks everything by about 11 % and does not keep names); the name section is left out.
#   npm run size:crates -- --save before.tsv       keep the table
#   npm run size:crates -- --compare before.tsv    before / after / delta (markdown)
#   npm run size:crates -- --top 20                also the 20 largest items of our own code
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
say() { printf '\033[1m[size:crates]\033[0m %s\n' "$*" >&2; }
bash scripts/setup.sh >/dev/null
if ! command -v twiggy >/dev/null 2>&1; then
  say "cargo install twiggy --locked (about 80 s, once)"
  cargo install twiggy --locked --quiet
fi
say "cargo build --release --target wasm32-unknown-unknown --lib"
cargo build --quiet --release --target wasm32-unknown-unknown --lib
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
wasm-bindgen --keep-debug --target web --out-dir "$tmp" target/wasm32-unknown-unknown/release/pixie_auth.wasm
twiggy top -f json "$tmp/pixie_auth_bg.wasm" >"$tmp/top.json"
echo "pixie_auth_bg.wasm from wasm-bindgen --keep-debug, before wasm-opt (twiggy $(twiggy --version | awk '{print $2}')):"
node scripts/twiggy-crates.mjs "$tmp/top.json" "$@"
if [ -f pkg-web/pixie_auth_bg.wasm ]; then
  echo "for reference, pkg-web/pixie_auth_bg.wasm (after wasm-opt, from the last scripts/build.sh): $(wc -c <pkg-web/pixie_auth_bg.wasm) B raw, $(gzip -9c pkg-web/pixie_auth_bg.wasm | wc -c) B gzip -9"
fi
