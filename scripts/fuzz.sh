#!/usr/bin/env bash
# npm run fuzz -- <seconds>: runs every cargo-fuzz target of fuzz/ for <seconds> each (default
# 60), one after the other, and prints the executions of each. Needs nightly (installed here,
# with cargo-fuzz, when missing); the release build and `npm test` stay on stable (cargo test
# replays fuzz/corpus/ through the same checks).
#
# A target's run starts from the checked-in fuzz/corpus/<target>/ (read only) and from what
# earlier runs found in fuzz/target/corpus-run/<target>/ (kept, not committed). A crash stops
# the script non-zero; libFuzzer leaves the input in fuzz/artifacts/<target>/ and prints the
# command that reproduces it. To refresh the checked-in corpus from a long run:
#   cargo +nightly fuzz cmin <target> fuzz/target/corpus-run/<target>
# then copy a few dozen of the smallest distinct files into fuzz/corpus/<target>/.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
say() { printf '\n\033[1m[fuzz]\033[0m %s\n' "$*"; }
seconds="${1:-60}"
case "$seconds" in '' | *[!0-9]*) echo "usage: npm run fuzz -- <seconds per target>" >&2; exit 2 ;; esac

if ! rustup toolchain list | grep -q '^nightly-'; then
  say "installing the nightly toolchain (minimal profile)"
  rustup toolchain install nightly --profile minimal
fi
if ! command -v cargo-fuzz >/dev/null 2>&1; then
  say "installing cargo-fuzz from the Rust crate registry"
  cargo install cargo-fuzz --locked
fi

targets=$(cargo +nightly fuzz list)
summary=""
for target in $targets; do
  run_corpus="fuzz/target/corpus-run/$target"
  mkdir -p "$run_corpus" "fuzz/corpus/$target"
  say "$target: ${seconds} s"
  log=$(mktemp)
  # The first corpus folder receives new inputs; the checked-in one is only read. The crate has
  # no `unsafe`, so AddressSanitizer has nothing to find and would cost 2-3x the executions;
  # debug assertions turn on integer overflow checks instead.
  if ! cargo +nightly fuzz run --sanitizer none --debug-assertions "$target" "$run_corpus" "fuzz/corpus/$target" -- \
    -max_total_time="$seconds" -print_final_stats=1 2>&1 | tee "$log"; then
    say "$target: FAILED (the input is in fuzz/artifacts/$target/)"
    rm -f "$log"
    exit 1
  fi
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  # The last status line: "#N  DONE  cov: C ft: F corp: K/SIZE ...".
  reached=$(grep -E '^#[0-9]+' "$log" | tail -1 | grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+/[0-9]+[a-zA-Z]*' || true)
  rm -f "$log"
  summary="${summary}${target}: ${runs:-?} executions in ${seconds} s, no crash (${reached:-no status line})"$'\n'
done
say "done"
printf '%s' "$summary"
