#!/usr/bin/env bash
# npm test: every test. Installs what is missing first; exits non-zero on any failure, and ends
# with one line counting the tests of every suite.
#
#   scripts/test.sh            setup, then lint, core, browser, e2e, package   (npm test)
#   scripts/test.sh lint       cargo fmt --check, clippy on the host and on wasm32   (npm run lint)
#   scripts/test.sh core       cargo test: the pure core, natively                (npm run test:core)
#   scripts/test.sh browser    wasm-pack test in Chromium and Firefox          (npm run test:browser)
#   scripts/test.sh e2e        build, devserver self-test, full-flow tests         (npm run test:e2e)
#   scripts/test.sh package    the npm package: brand-new Vite/webpack/script-tag apps and tsc
#                              from its tarball (npm run test:package)
#
# One stage on its own installs nothing: it says what is missing (npm run setup installs it).
# Drivers and browsers: CHROMEDRIVER (default /usr/bin/chromedriver), GECKODRIVER (geckodriver on
# PATH), PIXIE_CHROMIUM (/usr/bin/chromium), PIXIE_FIREFOX (/usr/bin/firefox-esr).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
say() { printf '\n\033[1m[test]\033[0m %s\n' "$*"; }

stage=${1:-all}
stage_package() {
  current="package"
  need wasm-pack "wasm-pack"
  [ -d node_modules ] || { echo "missing: npm packages (node_modules). Run: npm run setup" >&2; exit 1; }
  current="pack"
  say "the npm package: build (skips what is up to date), dist/npm/, npm pack"
  bash scripts/build.sh --package-only
  node scripts/pack.mjs
  current="package tests"
  say "package tests (new apps from the tarball: Vite 8/7, webpack 5, script tag, tsc --strict)"
  run node --test --test-concurrency=1 tests/package/
}

case $stage in
  all) label="npm test" ;;
  lint) label="npm run lint" ;;
  core | browser | e2e | package) label="npm run test:$stage" ;;
  *) echo "usage: scripts/test.sh [all|lint|core|browser|e2e|package]" >&2; exit 2 ;;
esac

start=$(date +%s)
logs=$(mktemp -d)
current=$stage
step=0

# Count: cargo/wasm-bindgen-test "test result: ok. N passed; M failed", node:test "# pass N" /
# "# fail N", the self-test's "N passed, M failed". Printed last, whether the run passed or not.
finish() {
  local rc=$? passed failed
  read -r passed failed < <(cat "$logs"/*.log 2>/dev/null | sed 's/\x1b\[[0-9;]*m//g' | awk '
    /^test result:/ { for (i = 1; i <= NF; i++) { if ($(i) ~ /^passed/) p += $(i-1); if ($(i) ~ /^failed/) f += $(i-1) } }
    /^# pass [0-9]+$/ { p += $3 } /^# fail [0-9]+$/ { f += $3 }
    /^[0-9]+ passed, [0-9]+ failed/ { p += $1; f += $3 }
    END { print p + 0, f + 0 }')
  rm -rf "$logs"
  if [ "$rc" = 0 ] && [ "$stage" = lint ]; then
    say "all green in $(( $(date +%s) - start )) s"
    echo "${label}: cargo fmt and clippy (host, wasm32) clean"
  elif [ "$rc" = 0 ]; then
    say "all green in $(( $(date +%s) - start )) s"
    echo "${label}: ${passed} passed, ${failed} failed"
  else
    say "stopped: ${current} failed (exit ${rc}) after $(( $(date +%s) - start )) s"
    echo "${label}: ${passed} passed, ${failed} failed (stopped at ${current})"
  fi
  exit "$rc"
}
trap finish EXIT

# Runs a suite, showing its output and keeping a copy to count its tests at the end.
run() {
  step=$((step + 1))
  "$@" 2>&1 | tee "$logs/$step.log"
}

# A stage run on its own installs nothing: it names what is missing.
need() { # command-or-path what
  if ! command -v "$1" >/dev/null 2>&1 && [ ! -x "$1" ]; then
    echo "missing: $2 ($1). Run: npm run setup" >&2
    exit 1
  fi
}

chromedriver=${CHROMEDRIVER:-/usr/bin/chromedriver}
geckodriver=${GECKODRIVER:-$(command -v geckodriver || echo geckodriver)}

# webdriver.json names Debian's browsers; with PIXIE_CHROMIUM or PIXIE_FIREFOX set, the test
# runner gets a copy naming those instead (WASM_BINDGEN_TEST_WEBDRIVER_JSON).
webdriver_config() {
  [ -n "${PIXIE_CHROMIUM:-}${PIXIE_FIREFOX:-}" ] || return 0
  node -e '
    const fs = require("node:fs");
    const caps = JSON.parse(fs.readFileSync("webdriver.json", "utf8"));
    if (process.env.PIXIE_CHROMIUM) caps["goog:chromeOptions"].binary = process.env.PIXIE_CHROMIUM;
    if (process.env.PIXIE_FIREFOX) caps["moz:firefoxOptions"].binary = process.env.PIXIE_FIREFOX;
    fs.writeFileSync(process.argv[1], JSON.stringify(caps, null, 2));
  ' "$logs/webdriver.json"
  export WASM_BINDGEN_TEST_WEBDRIVER_JSON="$logs/webdriver.json"
}

stage_lint() {
  current="lint"
  need cargo "the Rust toolchain"
  say "cargo fmt --check, clippy (host and wasm32)"
  cargo fmt --check
  cargo clippy --quiet --all-targets -- -D warnings
  cargo clippy --quiet --target wasm32-unknown-unknown --all-targets -- -D warnings
}

stage_core() {
  current="cargo test"
  need cargo "the Rust toolchain"
  say "cargo test (the pure core, natively)"
  run cargo test --quiet
}

stage_browser() {
  current="browser tests"
  need wasm-pack "wasm-pack"
  need "$chromedriver" "chromedriver (CHROMEDRIVER)"
  need "$geckodriver" "geckodriver (GECKODRIVER)"
  webdriver_config
  current="wasm-pack test --chrome"
  say "wasm-pack test --headless --chrome (browser layer in Chromium)"
  CHROMEDRIVER="$chromedriver" run wasm-pack test --headless --chrome
  current="wasm-pack test --firefox"
  say "wasm-pack test --headless --firefox (browser layer in Firefox)"
  GECKODRIVER="$geckodriver" run wasm-pack test --headless --firefox
}

stage_e2e() {
  current="e2e"
  need wasm-pack "wasm-pack"
  [ -d node_modules ] || { echo "missing: npm packages (node_modules). Run: npm run setup" >&2; exit 1; }
  current="build"
  say "build the package and the demo (skips what is up to date)"
  bash scripts/build.sh
  current="devserver self-test"
  say "devserver self-test (the local OpenID provider)"
  run node devserver/selftest.mjs
  current="full-flow tests"
  say "full-flow tests (playwright-core + Chromium against the local provider)"
  run node --test --test-concurrency=1 tests/e2e/
}

stage_package() {
  current="package"
  need wasm-pack "wasm-pack"
  [ -d node_modules ] || { echo "missing: npm packages (node_modules). Run: npm run setup" >&2; exit 1; }
  current="pack"
  say "the npm package: build (skips what is up to date), dist/npm/, npm pack"
  bash scripts/build.sh --package-only
  node scripts/pack.mjs
  current="package tests"
  say "package tests (new apps from the tarball: Vite 8/7, webpack 5, script tag, tsc --strict)"
  run node --test --test-concurrency=1 tests/package/
}

case $stage in
  all)
    current="setup"
    bash scripts/setup.sh --test
    stage_lint
    stage_core
    stage_browser
    stage_e2e
    stage_package
    ;;
  *) "stage_$stage" ;;
esac
