#!/usr/bin/env bash
# npm run size: builds the release package and prints the sizes of the .wasm and the JS glue,
# raw and gzip -9 (what a browser downloads from a server that compresses).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
bash scripts/setup.sh >/dev/null
if [ "${1:-}" != "--no-build" ]; then
  bash scripts/build.sh --package-only >/dev/null
fi
row() { # label file
  local raw gz
  raw=$(wc -c <"$2"); gz=$(gzip -9c "$2" | wc -c)
  printf '%-34s %9s B %9s B\n' "$1" "$raw" "$gz"
}
printf '%-34s %11s %11s\n' "file" "raw" "gzip -9"
row "pkg/pixie_auth_bg.wasm" pkg/pixie_auth_bg.wasm
row "pkg/pixie_auth_bg.js (glue)" pkg/pixie_auth_bg.js
row "pkg-web/pixie_auth.js (glue)" pkg-web/pixie_auth.js
total_raw=$(( $(wc -c <pkg-web/pixie_auth_bg.wasm) + $(wc -c <pkg-web/pixie_auth.js) ))
total_gz=$(( $(gzip -9c pkg-web/pixie_auth_bg.wasm | wc -c) + $(gzip -9c pkg-web/pixie_auth.js | wc -c) ))
printf '%-34s %9s B %9s B\n' "total (script-tag build)" "$total_raw" "$total_gz"
