#!/usr/bin/env bash
# npm test: every test. Installs what is missing first; exits non-zero on any failure, and ends
# with one line counting the tests of every suite.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
say() { printf '\n\033[1m[test]\033[0m %s\n' "$*"; }
start=$(date +%s)
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
step=0
# Runs a suite, showing its output and keeping a copy to count its tests at the end.
run() {
  step=$((step + 1))
  "$@" 2>&1 | tee "$logs/$step.log"
}

bash scripts/setup.sh --test

say "cargo fmt --check, clippy (host and wasm32)"
cargo fmt --check
cargo clippy --quiet --all-targets -- -D warnings
cargo clippy --quiet --target wasm32-unknown-unknown --all-targets -- -D warnings

say "cargo test (the pure core, natively)"
run cargo test --quiet

say "wasm-pack test --headless --chrome (browser layer in Chromium)"
CHROMEDRIVER=/usr/bin/chromedriver run wasm-pack test --headless --chrome
say "wasm-pack test --headless --firefox (browser layer in Firefox)"
GECKODRIVER="$(command -v geckodriver)" run wasm-pack test --headless --firefox

say "build the package and the demo"
bash scripts/build.sh

say "devserver self-test (the local OpenID provider)"
run node devserver/selftest.mjs

say "full-flow tests (playwright-core + Chromium against the local provider)"
run node --test --test-concurrency=1 tests/e2e/

# Count: cargo/wasm-bindgen-test "test result: ok. N passed; M failed", node:test "# pass N" /
# "# fail N", the self-test's "N passed, M failed".
read -r passed failed < <(cat "$logs"/*.log | sed 's/\x1b\[[0-9;]*m//g' | awk '
  /^test result:/ { for (i = 1; i <= NF; i++) { if ($(i) ~ /^passed/) p += $(i-1); if ($(i) ~ /^failed/) f += $(i-1) } }
  /^# pass [0-9]+$/ { p += $3 } /^# fail [0-9]+$/ { f += $3 }
  /^[0-9]+ passed, [0-9]+ failed/ { p += $1; f += $3 }
  END { print p + 0, f + 0 }')
say "all green in $(( $(date +%s) - start )) s"
echo "npm test: ${passed} passed, ${failed} failed"
