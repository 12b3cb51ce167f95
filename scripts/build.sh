#!/usr/bin/env bash
# Builds the package (pkg/ for bundlers, pkg-web/ for <script type="module">) and the demo
# (www/dist/; skipped with --package-only). Assumes scripts/setup.sh has run.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
say() { printf '\033[1m[build]\033[0m %s\n' "$*"; }

say "wasm-pack build --release --target bundler -> pkg/"
wasm-pack --quiet build --release --target bundler --out-dir pkg >/dev/null
say "wasm-pack build --release --target web -> pkg-web/"
wasm-pack --quiet build --release --target web --out-dir pkg-web >/dev/null
rm -f pkg/.gitignore pkg-web/.gitignore
# Size optimisation with binaryen from npm (see Cargo.toml for why not Debian's wasm-opt).
# --low-memory-unused lets it fold constant offsets into loads and stores: sound here, since
# rustc links the stack first (it starts at 1 MiB and grows down), so nothing lives in the
# low 1 KiB unless the stack is within 1 KiB of overflowing. The producers and
# target_features sections are metadata for linkers, not needed at run time.
for dir in pkg pkg-web; do
  say "wasm-opt -Oz $dir/pixie_auth_bg.wasm"
  node_modules/.bin/wasm-opt -Oz --low-memory-unused --strip-producers --strip-target-features \
    --detect-features "$dir/pixie_auth_bg.wasm" -o "$dir/pixie_auth_bg.wasm"
done
# The JS glue: wasm-bindgen copies every doc comment into it (the .d.ts files keep them, and
# that is what editors read). terser drops them and shortens local names; exported names, the
# PkceClient class name and the @ts-self-types pointer stay. terser is pinned in package.json.
for js in pkg/pixie_auth_bg.js pkg-web/pixie_auth.js; do
  say "terser $js"
  node_modules/.bin/terser "$js" --module --compress --mangle --keep-classnames \
    --comments '/@ts-self-types/' -o "$js.min"
  mv "$js.min" "$js"
done
if [ "${1:-}" != "--package-only" ] && [ -f webpack.config.js ]; then
  say "webpack -> www/dist/"
  npx --no-install webpack --config webpack.config.js --mode production >/dev/null
fi
say "done"
