#!/usr/bin/env node
// npm run pack: the npm package `pixie-auth` in dist/npm/ and its tarball
// dist/pixie-auth-<version>.tgz (what `npm install pixie-auth` would give a user), made from the
// release builds of scripts/build.sh:
//
//   index.js, index.d.ts   "pixie-auth": the web build, initialised as it is imported (a top-level
//                          await fetching pixie_auth_bg.wasm next to it). Vite, webpack 5 (5.83+)
//                          and browsers resolve `new URL(..., import.meta.url)` and top-level
//                          await with no configuration; the --target bundler glue would need an
//                          ESM-integration plugin in Vite 7 and experiments.asyncWebAssembly in
//                          older webpack 5 releases, and a second copy of the glue breaks it
//                          under Vite's dev pre-bundling (README.md, "Use it in your app"). Exports: exactly the --target bundler API
//                          (pkg/pixie_auth.js), whose .d.ts is index.d.ts.
//   web.js, web.d.ts       "pixie-auth/web": pkg-web/ (--target web) as is: `await init()` first
//   pixie_auth_bg.wasm     the one .wasm both load (the two targets' .wasm are the same bytes)
//   README.md              npm/README.md, the package's own README
//   package.json           from Cargo.toml's [package] (name, version, description, license,
//                          keywords); no `repository` until there is a public one
//
// The .d.ts files lose `[Symbol.dispose](): void` (wasm-bindgen writes it on every class; it
// needs lib esnext, while the package promises ES2020 + DOM); free() stays, and the runtime
// still sets Symbol.dispose where it exists.
//
//   node scripts/pack.mjs        (after scripts/build.sh; npm run pack runs both)

import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(ROOT, 'dist/npm');
const at = (...p) => path.join(ROOT, ...p);
const say = (line) => console.log(`\x1b[1m[pack]\x1b[0m ${line}`);

/** Stops with a message naming what to do. */
function fail(message) {
  console.error(`pack: ${message}`);
  process.exit(1);
}

/** The [package] table of Cargo.toml: the string keys and `keywords`. */
export function cargoPackage(toml) {
  const table = toml.split(/^\[/m).find((t) => t.startsWith('package]'));
  if (!table) throw new Error('Cargo.toml has no [package] table');
  const out = {};
  for (const [, key, value] of table.matchAll(/^([a-z-]+)\s*=\s*(.+)$/gm)) {
    if (value.startsWith('"')) out[key] = JSON.parse(value.trim());
    else if (value.startsWith('[')) out[key] = JSON.parse(value.trim());
  }
  return out;
}

/**
 * A wasm-bindgen .d.ts without `[Symbol.dispose](): void` (lib esnext), its `free()`
 * documented instead. Fails when the shape wasm-bindgen writes has changed, so that a new
 * wasm-bindgen cannot slip an esnext-only declaration through unnoticed.
 */
export function withoutSymbolDispose(dts, file) {
  const pair = /^( *)free\(\): void;\n *\[Symbol\.dispose\]\(\): void;\n/gm;
  const classes = (dts.match(/^export class /gm) ?? []).length;
  const pairs = (dts.match(pair) ?? []).length;
  if (classes === 0 || pairs !== classes) {
    throw new Error(`${file}: expected free() and [Symbol.dispose]() on each of ${classes} classes, found ${pairs}`);
  }
  const out = dts.replace(pair, (_, indent) => [
    `${indent}/**`,
    `${indent} * Frees the client's memory in the wasm instance; the client is unusable afterwards.`,
    `${indent} * Rarely needed: a page keeps its client. (Also \`[Symbol.dispose]\` where the runtime`,
    `${indent} * has it, for \`using\`; not declared, so that no lib beyond ES2020 + DOM is needed.)`,
    `${indent} */`,
    `${indent}free(): void;`,
    '',
  ].join('\n'));
  if (/^\s*\[Symbol\.dispose\]/m.test(out)) throw new Error(`${file}: Symbol.dispose is still declared`);
  return out;
}

/** The names pkg/pixie_auth.js (the --target bundler entry) exports: the package's API. */
export function bundlerExports(entry) {
  const m = entry.match(/export\s*\{([^}]*)\}\s*from\s*"\.\/pixie_auth_bg\.js"/);
  if (!m) throw new Error('pkg/pixie_auth.js: no `export { ... } from "./pixie_auth_bg.js"`');
  return m[1].split(',').map((s) => s.trim()).filter(Boolean);
}

/** The package.json of the package. */
export function packageJson(cargo) {
  return {
    name: cargo.name,
    version: cargo.version,
    description: cargo.description,
    license: cargo.license,
    keywords: cargo.keywords,
    type: 'module',
    exports: {
      '.': { types: './index.d.ts', default: './index.js' },
      './web': { types: './web.d.ts', default: './web.js' },
      './pixie_auth_bg.wasm': './pixie_auth_bg.wasm',
      './package.json': './package.json',
    },
    main: './index.js',
    module: './index.js',
    types: './index.d.ts',
    // For TypeScript's older moduleResolution "node" (node10), which ignores `exports`.
    typesVersions: { '*': { web: ['./web.d.ts'] } },
    // index.js instantiates the wasm as it is imported; web.js only defines things.
    sideEffects: ['./index.js'],
    files: ['index.js', 'index.d.ts', 'web.js', 'web.d.ts', 'pixie_auth_bg.wasm'],
  };
}

/** The files `npm pack` must ship, exactly: `files`, package.json, README.md and any licence. */
export function expectedFiles(pkg, licences) {
  return [...pkg.files, 'package.json', 'README.md', ...licences].sort();
}

async function main() {
  for (const f of ['pkg/pixie_auth.js', 'pkg/pixie_auth.d.ts', 'pkg/pixie_auth_bg.wasm',
    'pkg-web/pixie_auth.js', 'pkg-web/pixie_auth.d.ts', 'pkg-web/pixie_auth_bg.wasm', 'npm/README.md']) {
    if (!existsSync(at(f))) fail(`${f} is missing: run scripts/build.sh first (npm run pack does)`);
  }
  const cargo = cargoPackage(await readFile(at('Cargo.toml'), 'utf8'));
  const wasm = await readFile(at('pkg-web/pixie_auth_bg.wasm'));
  if (!wasm.equals(await readFile(at('pkg/pixie_auth_bg.wasm')))) {
    fail('pkg/ and pkg-web/ hold different .wasm files (one is stale): run scripts/build.sh --force');
  }
  const names = bundlerExports(await readFile(at('pkg/pixie_auth.js'), 'utf8'));

  const webJs = await readFile(at('pkg-web/pixie_auth.js'), 'utf8');
  const selfTypes = '/* @ts-self-types="./pixie_auth.d.ts" */';
  if (!webJs.startsWith(selfTypes)) fail(`pkg-web/pixie_auth.js does not start with ${selfTypes}`);
  const indexJs = [
    '/* @ts-self-types="./index.d.ts" */',
    '// pixie-auth, ready on import: the web build (web.js) with its wasm (pixie_auth_bg.wasm,',
    '// found next to web.js through new URL(..., import.meta.url)) instantiated first.',
    'import init from "./web.js";',
    '',
    'await init();',
    '',
    `export { ${names.join(', ')} } from "./web.js";`,
    '',
  ].join('\n');

  await rm(OUT, { recursive: true, force: true });
  await mkdir(OUT, { recursive: true });
  const write = (name, text) => writeFile(path.join(OUT, name), text);
  await write('web.js', webJs.replace(selfTypes, '/* @ts-self-types="./web.d.ts" */'));
  await write('web.d.ts', withoutSymbolDispose(await readFile(at('pkg-web/pixie_auth.d.ts'), 'utf8'), 'pkg-web/pixie_auth.d.ts'));
  await write('index.js', indexJs);
  await write('index.d.ts', withoutSymbolDispose(await readFile(at('pkg/pixie_auth.d.ts'), 'utf8'), 'pkg/pixie_auth.d.ts'));
  await write('pixie_auth_bg.wasm', wasm);
  await copyFile(at('npm/README.md'), path.join(OUT, 'README.md'));
  const licences = ['LICENSE', 'LICENSE-MIT', 'LICENSE-APACHE'].filter((f) => existsSync(at(f)));
  for (const f of licences) await copyFile(at(f), path.join(OUT, f));
  const pkg = packageJson(cargo);
  await write('package.json', `${JSON.stringify(pkg, null, 2)}\n`);

  // web.js must export the API index.js re-exports, plus init (default) and initSync.
  const web = await import(pathToFileURL(path.join(OUT, 'web.js')).href);
  const missing = names.filter((n) => !(n in web));
  const extra = Object.keys(web).filter((n) => !names.includes(n) && n !== 'default' && n !== 'initSync');
  if (missing.length || extra.length) {
    fail(`web.js and the bundler build disagree: missing ${missing.join(', ') || 'none'}, extra ${extra.join(', ') || 'none'}`);
  }

  say(`${OUT.slice(ROOT.length + 1)}/: ${pkg.name}@${pkg.version}, ${names.length} exports`);
  const [packed] = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', '..'], {
    cwd: OUT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'],
  }));
  const shipped = packed.files.map((f) => f.path).sort();
  const expected = expectedFiles(pkg, licences);
  if (JSON.stringify(shipped) !== JSON.stringify(expected)) {
    fail(`npm pack ships [${shipped.join(', ')}], expected [${expected.join(', ')}]`);
  }
  for (const f of packed.files) say(`  ${f.path.padEnd(20)} ${String(f.size).padStart(8)} B`);
  say(`dist/${packed.filename}: ${packed.size} B packed, ${packed.unpackedSize} B unpacked`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  await main();
}
