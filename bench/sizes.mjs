// Sizes of what a page loads: raw, gzip -9 and brotli -q 11, for pixie-auth's two builds and,
// for reference, oidc-client-ts (bundled by esbuild the way an app would, and the npm
// registry's own minified browser file). Used by scripts/size.sh (`npm run size`, this file run
// as a script) and by bench/side-by-side.mjs.
//
//   node bench/sizes.mjs        prints the table and the budget line (assumes scripts/build.sh ran)
//
// gzip -9 is GNU gzip's `gzip -9c FILE` (as issue 9 measured; the header holds the file name,
// about 20 B). brotli -q 11 is the `brotli` CLI when installed, else node's zlib with the CLI's
// defaults (quality 11, window 24): no system package needed.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import zlib from 'node:zlib';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

/** The script-tag build's budget: pkg-web .wasm + JS glue, gzip -9 (issue 9). */
export const BUDGET_GZIP = 60_000;

function hasCommand(name) {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const BROTLI_CLI = hasCommand('brotli');
/** How the brotli column was made, for the printout. */
export const BROTLI_TOOL = BROTLI_CLI ? 'brotli CLI -q 11' : "node's zlib (quality 11, window 24)";

/** { raw, gzip, brotli } in bytes for one file. */
export function fileSizes(file) {
  const bytes = readFileSync(file);
  const gzip = execFileSync('gzip', ['-9c', file], { maxBuffer: 64 << 20 }).length;
  const brotli = BROTLI_CLI
    ? execFileSync('brotli', ['-q', '11', '-c', file], { maxBuffer: 64 << 20 }).length
    : zlib.brotliCompressSync(bytes, {
      params: {
        [zlib.constants.BROTLI_PARAM_QUALITY]: 11,
        [zlib.constants.BROTLI_PARAM_LGWIN]: 24,
        [zlib.constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
      },
    }).length;
  return { raw: bytes.length, gzip, brotli };
}

/** Sums of { raw, gzip, brotli } rows. */
export function total(rows) {
  return rows.reduce((a, r) => ({ raw: a.raw + r.raw, gzip: a.gzip + r.gzip, brotli: a.brotli + r.brotli }),
    { raw: 0, gzip: 0, brotli: 0 });
}

/** The installed oidc-client-ts version (a pinned devDependency). */
export function oidcClientTsVersion() {
  return JSON.parse(readFileSync(require.resolve('oidc-client-ts/package.json'), 'utf8')).version;
}

/** The npm registry's own minified browser file of oidc-client-ts (an IIFE of the whole library). */
export function oidcClientTsRegistryFile() {
  return path.join(path.dirname(require.resolve('oidc-client-ts/package.json')), 'dist/browser/oidc-client-ts.min.js');
}

/**
 * Bundles bench/oidc-client-ts/entry.js (UserManager + WebStorageStateStore) with esbuild the
 * way an app would: one minified ES module for browsers. Returns the output file.
 */
export async function bundleOidcClientTs(outDir) {
  const esbuild = await import('esbuild');
  const outfile = path.join(outDir, 'oidc-client-ts.js');
  await esbuild.build({
    entryPoints: [path.join(ROOT, 'bench/oidc-client-ts/entry.js')],
    outfile,
    bundle: true,
    format: 'esm',
    minify: true,
    platform: 'browser',
    target: 'es2022',
    logLevel: 'silent',
  });
  return outfile;
}

/** Width of the label column of the size tables. */
export const LABEL = 64;

/** 12,345 */
export const n = (x) => x.toLocaleString('en-US');

/** One size table row. */
export function row(label, s) {
  return `${label.padEnd(LABEL)} ${n(s.raw).padStart(9)} B ${n(s.gzip).padStart(9)} B ${n(s.brotli).padStart(9)} B`;
}

export function header() {
  return `${'file'.padEnd(LABEL)} ${'raw'.padStart(11)} ${'gzip -9'.padStart(11)} ${'brotli -q 11'.padStart(11)}`;
}

/** The `npm run size` printout (lines). */
export async function sizeReport() {
  const out = [header()];
  const f = (p) => path.join(ROOT, p);
  for (const p of ['pkg/pixie_auth_bg.wasm', 'pkg/pixie_auth_bg.js', 'pkg/pixie_auth.js', 'pkg-web/pixie_auth_bg.wasm', 'pkg-web/pixie_auth.js']) {
    statSync(f(p)); // a clear ENOENT when the build is missing
  }
  const pkg = [fileSizes(f('pkg/pixie_auth_bg.wasm')), fileSizes(f('pkg/pixie_auth_bg.js')), fileSizes(f('pkg/pixie_auth.js'))];
  out.push(row('pkg/pixie_auth_bg.wasm', pkg[0]));
  out.push(row('pkg/pixie_auth_bg.js (glue)', pkg[1]));
  out.push(row('pkg/pixie_auth.js (entry)', pkg[2]));
  out.push(row('total (bundler build, pkg/)', total(pkg)));
  const web = [fileSizes(f('pkg-web/pixie_auth_bg.wasm')), fileSizes(f('pkg-web/pixie_auth.js'))];
  out.push(row('pkg-web/pixie_auth_bg.wasm', web[0]));
  out.push(row('pkg-web/pixie_auth.js (glue)', web[1]));
  const webTotal = total(web);
  out.push(row('total (script-tag build, pkg-web/)', webTotal));
  const over = webTotal.gzip - BUDGET_GZIP;
  out.push(`budget: ${n(BUDGET_GZIP)} B gzip (pkg-web .wasm + glue): ${n(webTotal.gzip)} B — ${over > 0 ? `OVER by ${n(over)} B` : `OK (${n(-over)} B to spare)`}`);

  const dir = mkdtempSync(path.join(tmpdir(), 'pixie-size-'));
  try {
    const version = oidcClientTsVersion();
    const bundle = fileSizes(await bundleOidcClientTs(dir));
    const registry = fileSizes(oidcClientTsRegistryFile());
    out.push('');
    out.push('peers, for reference:');
    out.push(row(`oidc-client-ts ${version}, esbuild bundle (minified ESM)`, bundle));
    out.push(row(`oidc-client-ts ${version}, dist/browser/oidc-client-ts.min.js`, registry));
    const ratio = (a, b) => `${(a / b).toFixed(2)}x`;
    out.push(`pixie-auth pkg-web / oidc-client-ts bundle: raw ${ratio(webTotal.raw, bundle.raw)}, gzip ${ratio(webTotal.gzip, bundle.gzip)}, brotli ${ratio(webTotal.brotli, bundle.brotli)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  out.push(`(gzip -9: GNU gzip -9c FILE; brotli: ${BROTLI_TOOL})`);
  return out;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  for (const line of await sizeReport()) console.log(line);
}
