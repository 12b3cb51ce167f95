#!/usr/bin/env bash
# npm run bench: native core micro-benchmarks, then the browser benchmark (wasm start-up,
# loginUrl, handleCallback and callApi against the local provider in headless Chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
bash scripts/setup.sh --test >/dev/null
echo "== native (cargo bench)"
cargo bench --quiet --bench core 2>/dev/null | grep -v '^$'
if [ -f bench/browser.mjs ]; then
  bash scripts/build.sh >/dev/null
  echo "== browser (headless Chromium, release build)"
  node bench/browser.mjs
fi
