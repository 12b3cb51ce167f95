#!/usr/bin/env bash
# npm test: every test. Installs what is missing first; exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
say() { printf '\n\033[1m[test]\033[0m %s\n' "$*"; }
start=$(date +%s)

bash scripts/setup.sh --test

say "cargo fmt --check, clippy (host and wasm32)"
cargo fmt --check
cargo clippy --quiet --all-targets -- -D warnings
cargo clippy --quiet --target wasm32-unknown-unknown --all-targets -- -D warnings

say "cargo test (the pure core, natively)"
cargo test --quiet

say "wasm-pack test --headless --chrome (browser layer in Chromium)"
CHROMEDRIVER=/usr/bin/chromedriver wasm-pack test --headless --chrome
say "wasm-pack test --headless --firefox (browser layer in Firefox)"
GECKODRIVER="$(command -v geckodriver)" wasm-pack test --headless --firefox

say "build the package and the demo"
bash scripts/build.sh

say "devserver self-test (the local OpenID provider)"
node devserver/selftest.mjs

if [ -d tests/e2e ]; then
  say "full-flow tests (playwright-core + Chromium against the local provider)"
  node --test --test-concurrency=1 tests/e2e/
fi
say "all green in $(( $(date +%s) - start )) s"
