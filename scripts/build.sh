#!/usr/bin/env bash
# Builds the package (pkg/ for bundlers, pkg-web/ for <script type="module">) and the demo
# (www/dist/; skipped with --package-only). Assumes scripts/setup.sh has run.
#
#   scripts/build.sh [--package-only] [--force]
#
# Skips what is up to date: each output folder keeps a stamp (.build-stamp) with a SHA-256 over
# its inputs (file names and contents, the tools' versions) and one over the outputs it wrote.
# When both still match, that folder's steps are skipped, one line each. --force rebuilds all.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
say() { printf '\033[1m[build]\033[0m %s\n' "$*"; }

force=0
package_only=0
for arg in "$@"; do
  case $arg in
    --force) force=1 ;;
    --package-only) package_only=1 ;;
    *) echo "usage: scripts/build.sh [--package-only] [--force]" >&2; exit 2 ;;
  esac
done

STAMP=.build-stamp

# One SHA-256 over the names and contents of the files under the given paths. Missing paths
# are left out, and so are stamps, the README wasm-pack copies into pkg*/ (kept in step apart,
# below: a README edit rebuilds nothing) and the demo's output when hashing www/.
hash_files() {
  local existing=()
  for p in "$@"; do [ -e "$p" ] && existing+=("$p"); done
  [ ${#existing[@]} -gt 0 ] || { echo none; return; }
  find "${existing[@]}" -type f ! -name "$STAMP" ! -path 'pkg*/README.md' ${EXCLUDE:+! -path "$EXCLUDE"} -print0 \
    | LC_ALL=C sort -z | xargs -0 -r sha256sum | sha256sum | cut -d' ' -f1
}
hash_text() { printf '%s' "$1" | sha256sum | cut -d' ' -f1; }

# fresh DIR INPUTS_HASH: the stamp in DIR records these inputs, and DIR still holds what was built.
fresh() {
  [ $force = 0 ] && [ -f "$1/$STAMP" ] || return 1
  [ "$(cat "$1/$STAMP")" = "$(printf 'inputs %s\noutputs %s' "$2" "$(hash_files "$1")")" ]
}
stamp() { printf 'inputs %s\noutputs %s' "$2" "$(hash_files "$1")" >"$1/$STAMP"; }

# Everything the package is made of. build.sh is in the list: changing a step rebuilds.
tools="$(rustc -V) | $(wasm-pack --version) | $(wasm-bindgen --version) | $(node --version)"
package_inputs=$(hash_text "$(hash_files src Cargo.toml Cargo.lock LICENSE LICENSE-MIT LICENSE-APACHE \
  package-lock.json scripts/build.sh scripts/short-imports.mjs) $tools")

# build_package TARGET DIR GLUE: wasm-pack, then wasm-opt, then terser on the glue.
build_package() {
  local target=$1 dir=$2 glue=$3
  local inputs
  inputs=$(hash_text "$package_inputs $target")
  if fresh "$dir" "$inputs"; then
    say "wasm-pack build --target $target -> $dir/: up to date, skipped"
    say "wasm-opt -Oz $dir/pixie_auth_bg.wasm: up to date, skipped"
    say "terser $dir/$glue: up to date, skipped"
    say "short import names: $dir/: up to date, skipped"
    # wasm-pack copies README.md into the package; an edited one is copied again, no rebuild.
    if [ -f README.md ] && ! cmp -s README.md "$dir/README.md"; then
      say "README.md -> $dir/README.md"
      cp README.md "$dir/README.md"
    fi
    return
  fi
  rm -f "$dir/$STAMP"
  say "wasm-pack build --release --target $target -> $dir/"
  wasm-pack --quiet build --release --target "$target" --out-dir "$dir" >/dev/null
  rm -f "$dir/.gitignore"
  # Size optimisation with binaryen from npm (see Cargo.toml for why not Debian's wasm-opt).
  # --low-memory-unused lets it fold constant offsets into loads and stores: sound here, since
  # rustc links the stack first (it starts at 1 MiB and grows down), so nothing lives in the
  # low 1 KiB unless the stack is within 1 KiB of overflowing. The producers and
  # target_features sections are metadata for linkers, not needed at run time.
  say "wasm-opt -Oz $dir/pixie_auth_bg.wasm"
  node_modules/.bin/wasm-opt -Oz --low-memory-unused --strip-producers --strip-target-features \
    --detect-features "$dir/pixie_auth_bg.wasm" -o "$dir/pixie_auth_bg.wasm"
  # The JS glue: wasm-bindgen copies every doc comment into it (the .d.ts files keep them, and
  # that is what editors read). terser drops them and shortens local names; exported names, the
  # PkceClient class name and the @ts-self-types pointer stay. terser is pinned in package.json.
  say "terser $dir/$glue"
  node_modules/.bin/terser "$dir/$glue" --module --compress --mangle --keep-classnames \
    --comments '/@ts-self-types/' -o "$dir/$glue.min"
  mv "$dir/$glue.min" "$dir/$glue"
  # The import names wasm-bindgen writes (name + 16-hex-digit hash), shortened in the .wasm and
  # the glue alike: about 3 KB gzip of the two.
  say "short import names: $dir/pixie_auth_bg.wasm, $dir/$glue"
  node scripts/short-imports.mjs "$dir" "$glue" >/dev/null
  stamp "$dir" "$inputs"
}

build_package bundler pkg pixie_auth_bg.js
build_package web pkg-web pixie_auth.js

if [ $package_only = 0 ] && [ -f webpack.config.js ]; then
  # The demo bundles pkg/ (its built contents count, not its inputs) and the www/ sources.
  demo_inputs=$(hash_text "$(EXCLUDE='www/dist/*' hash_files www pkg webpack.config.js package-lock.json \
    scripts/build.sh) $(node --version)")
  if fresh www/dist "$demo_inputs"; then
    say "webpack -> www/dist/: up to date, skipped"
  else
    say "webpack -> www/dist/"
    npx --no-install webpack --config webpack.config.js --mode production >/dev/null
    stamp www/dist "$demo_inputs"
  fi
fi
say "done"
