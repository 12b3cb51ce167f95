#!/usr/bin/env bash
# npm run bench: native core micro-benchmarks, the browser benchmark (wasm start-up, loginUrl,
# handleCallback and callApi against the local provider in headless Chromium), then the
# side-by-side run of pixie-auth and oidc-client-ts (bench/side-by-side.mjs).
#   npm run bench -- --side-by-side-only     only the side-by-side run
#   npm run bench -- --runs N                logins per library in the side-by-side run (default 10)
#   npm run bench -- --no-build              use the pkg-web/ that is there
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
only_sbs=0 build=1 sbs_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --side-by-side-only) only_sbs=1 ;;
    --no-build) build=0 ;;
    --runs) sbs_args+=(--runs "${2:?--runs wants a number}"); shift ;;
    --runs=*) sbs_args+=("$1") ;;
    *) echo "npm run bench: unknown option $1 (see scripts/bench.sh)" >&2; exit 2 ;;
  esac
  shift
done
bash scripts/setup.sh --test >/dev/null
if [ "$only_sbs" = 0 ]; then
  echo "== native (cargo bench)"
  cargo bench --quiet --bench core 2>/dev/null | grep -v '^$'
fi
if [ "$build" = 1 ]; then bash scripts/build.sh --package-only >/dev/null; fi
if [ "$only_sbs" = 0 ] && [ -f bench/browser.mjs ]; then
  echo "== browser (headless Chromium, release build)"
  node bench/browser.mjs
fi
echo
node bench/side-by-side.mjs "${sbs_args[@]}"
