#!/usr/bin/env bash
# npm run size: builds the release package and prints the sizes of the .wasm and the JS glue of
# both builds, raw, gzip -9 and brotli -q 11 (what a browser downloads from a server that
# compresses), the script-tag build's total against the 60,000 B gzip budget, and
# oidc-client-ts (bundled by esbuild) for reference. The table comes from bench/sizes.mjs.
#   npm run size -- --no-build     measure the current pkg/ and pkg-web/ without rebuilding
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
bash scripts/setup.sh >/dev/null
if [ "${1:-}" != "--no-build" ]; then
  bash scripts/build.sh --package-only >/dev/null
fi
node bench/sizes.mjs
