// Side-by-side benchmark: pixie-auth (the script-tag release build, pkg-web/) and oidc-client-ts
// (bundled by esbuild, minified ESM), doing the same work in headless Chromium against the local
// OpenID provider (devserver/, in this process, free ports): OpenID Connect with discovery,
// scope "openid profile", code + PKCE, sessionStorage; after the callback and on a reload, GET
// /api/v2/users/me with the bearer token, shown on the page. Pages: bench/pages/<library>/.
//
//   node bench/side-by-side.mjs [--runs N]        (default 10; one warm-up login each first)
//
// Each run, per library, in a new tab (empty sessionStorage; the browser context keeps the
// provider's session cookie, so the authorization request redirects straight back) that first
// opens bench/pages/blank.html on the demo origin, so no renderer start-up is counted:
//   page ready     navigation start of the page, not logged in, to the client saying so
//   callback→API   navigation to the redirect URI with code + state to the API's JSON shown
//   reload→API     reload of the logged-in page to the API's JSON shown (token from storage)
// The redirect back is held once (the page sees a flag and does nothing) and then opened as a
// navigation of its own, so that its navigation start is the callback's. Times are
// performance.now() in the page (ms since that navigation started). The libraries alternate
// order from run to run. Numbers go into notes, never into test assertions.

import '../tests/e2e/lib/quiet-provider.mjs'; // first: before oidc-provider loads

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { startDevServer } from '../devserver/server.mjs';
import { launchChromium } from '../tests/e2e/lib/browser.mjs';
import {
  BROTLI_TOOL, LABEL, bundleOidcClientTs, fileSizes, header, n, oidcClientTsRegistryFile, oidcClientTsVersion, row, total,
} from './sizes.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const WAIT = 15_000;

function argRuns(argv) {
  const i = argv.indexOf('--runs');
  const v = i >= 0 ? argv[i + 1] : (argv.find((a) => a.startsWith('--runs='))?.slice(7) ?? process.env.BENCH_RUNS ?? '10');
  const runs = Number(v);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs wants a positive integer, not ${v}`);
  return runs;
}
const RUNS = argRuns(process.argv.slice(2));

const buildDir = await mkdtemp(path.join(tmpdir(), 'pixie-sbs-'));
const oidcBundle = await bundleOidcClientTs(buildDir);
const version = oidcClientTsVersion();

const LIBS = [
  { key: 'pixie', name: 'pixie-auth', path: '/bench/pages/pixie/', files: ['/pkg-web/pixie_auth.js', '/pkg-web/pixie_auth_bg.wasm'] },
  { key: 'oidc', name: `oidc-client-ts ${version}`, path: '/bench/pages/oidc-client-ts/', files: ['/bench/build/oidc-client-ts.js'] },
];

const server = await startDevServer({
  opPort: 0,
  demoPort: 0,
  extraRedirectPaths: LIBS.map((l) => l.path),
  staticRoots: { '/bench/pages/': 'bench/pages', '/bench/build/': buildDir, '/pkg-web/': 'pkg-web' },
  rootDir: ROOT,
});
const browser = await launchChromium();
const context = await browser.newContext();
context.setDefaultTimeout(WAIT);
context.setDefaultNavigationTimeout(WAIT);
await context.addInitScript({
  content: `window.__benchConfig = ${JSON.stringify({ issuer: server.issuer, clientId: server.clientId })};`,
});

// How the library files were served (the devserver may or may not compress and cache them).
const served = new Map(); // path -> { encoding, cacheControl }
context.on('response', async (res) => {
  const url = new URL(res.url());
  if (url.origin !== server.demoOrigin || !LIBS.some((l) => l.files.includes(url.pathname))) return;
  const h = await res.allHeaders().catch(() => ({}));
  served.set(url.pathname, { encoding: h['content-encoding'] ?? 'none', cacheControl: h['cache-control'] ?? '(none)', status: res.status() });
});

const bench = (page) => page.evaluate(() => window.__bench);

/** Waits until the page's bench script reached `state` ("logged-out", "logged-in", "held"). */
async function reached(page, state) {
  await page.waitForFunction(() => ['error', 'logged-out', 'logged-in', 'held'].includes(window.__bench?.state), null, { timeout: WAIT });
  const b = await bench(page);
  if (b.state === 'error') throw new Error(`the bench page ${page.url().split('?')[0]} failed: ${b.error}`);
  if (b.state !== state) throw new Error(`the bench page is ${b.state}, expected ${state}`);
  const resources = await page.evaluate(() => performance.getEntriesByType('resource').map((e) => ({
    name: e.name, encoded: e.encodedBodySize, decoded: e.decodedBodySize, transfer: e.transferSize,
  })));
  return { ...b, resources };
}

/** After login(): goes through the provider's pages if it shows them, until the redirect is held. */
async function throughProvider(page) {
  const deadline = Date.now() + WAIT;
  const opOrigin = new URL(server.issuer).origin;
  while (Date.now() < deadline) {
    const url = new URL(page.url());
    if (url.origin === server.demoOrigin && url.searchParams.has('code')) {
      const b = await page.evaluate(() => window.__bench).catch(() => null);
      if (b?.state === 'held') return b.held;
      if (b?.state === 'error') throw new Error(`the held callback page failed: ${b.error}`);
    } else if (url.origin === opOrigin) {
      const login = page.locator('input[name="login"]');
      if (await login.count()) {
        await login.fill('bench-user');
        await page.locator('input[name="password"]').fill('x');
        await page.locator('button.login-submit').click();
        await page.waitForLoadState();
        continue;
      }
      const consent = page.locator('button.login-submit');
      if (await consent.count()) {
        await consent.click();
        await page.waitForLoadState();
        continue;
      }
    }
    await page.waitForTimeout(20);
  }
  throw new Error(`no callback came back within ${WAIT} ms (at ${page.url().split('?')[0]})`);
}

/** One login of `lib` in a new tab: { ready, callback, reload } page records. */
async function run(lib) {
  const page = await context.newPage();
  try {
    await page.goto(`${server.demoOrigin}/bench/pages/blank.html`);
    await page.goto(`${server.demoOrigin}${lib.path}`);
    const ready = await reached(page, 'logged-out');
    await page.evaluate(() => { window.__bench.login(); });
    const held = await throughProvider(page);
    await page.goto(held);
    const callback = await reached(page, 'logged-in');
    const cleanUrl = page.url() === `${server.demoOrigin}${lib.path}`;
    if (!cleanUrl) throw new Error(`${lib.name}: the address bar still has the callback's query`);
    await page.reload();
    const reload = await reached(page, 'logged-in');
    return { ready, callback, reload };
  } finally {
    await page.close();
  }
}

// Warm-up (not counted): the first one signs in on the provider's pages.
const warm = {};
for (const lib of LIBS) warm[lib.key] = await run(lib);

const samples = Object.fromEntries(LIBS.map((l) => [l.key, []]));
for (let i = 0; i < RUNS; i++) {
  const order = i % 2 === 0 ? LIBS : [...LIBS].reverse();
  for (const lib of order) samples[lib.key].push(await run(lib));
}
const chromiumVersion = browser.version();
await context.close();
await browser.close();
await server.close();

// ---- the printout ----
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const p90 = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.ceil(0.9 * s.length) - 1]; };
const ms = (x) => (x === undefined || Number.isNaN(x) ? '—' : `${x.toFixed(1)} ms`);

const MEASURES = [
  { label: 'page ready (not logged in)', get: (r) => r.ready.marks.ready },
  { label: 'callback navigation to API result', get: (r) => r.callback.marks.api },
  { label: 'reload to API result', get: (r) => r.reload.marks.api },
];
// Where the time goes (marks in the pages; "library loaded" includes the page's own HTML).
const PHASES = [
  { label: 'ready: library loaded (+ wasm init)', get: (r) => r.ready.marks.libReady },
  { label: 'ready: client created (pixie: discovery)', get: (r) => r.ready.marks.client - r.ready.marks.libReady },
  { label: 'callback: library loaded (+ wasm init)', get: (r) => r.callback.marks.libReady },
  { label: 'callback: client created', get: (r) => r.callback.marks.client - r.callback.marks.libReady },
  { label: 'callback: code exchange (+ pixie: JWKS, signature)', get: (r) => r.callback.marks.token - r.callback.marks.client },
  { label: 'callback: API call, JSON shown', get: (r) => r.callback.marks.api - r.callback.marks.token },
  { label: 'reload: library loaded (+ wasm init)', get: (r) => r.reload.marks.libReady },
  { label: 'reload: client created', get: (r) => r.reload.marks.client - r.reload.marks.libReady },
  { label: 'reload: API call, JSON shown', get: (r) => r.reload.marks.api - r.reload.marks.client },
];

const [P, O] = LIBS;
const col = (s, w = 26) => s.padStart(w);
function table(title, rows) {
  console.log(`${title.padEnd(52)}${col(`${P.name} med / p90`)}${col(`${O.name.split(' ')[0]} med / p90`)}${col('ratio (median)', 16)}`);
  for (const m of rows) {
    const a = samples.pixie.map(m.get);
    const b = samples.oidc.map(m.get);
    const ratio = median(a) / median(b);
    console.log(`${m.label.padEnd(52)}${col(`${ms(median(a))} / ${ms(p90(a))}`)}${col(`${ms(median(b))} / ${ms(p90(b))}`)}${col(Number.isFinite(ratio) ? `${ratio.toFixed(2)}x` : '—', 16)}`);
  }
}

console.log(`== side by side: ${P.name} (pkg-web, release) vs ${O.name} (esbuild bundle), ${RUNS} logins each after one warm-up, headless Chromium ${chromiumVersion}`);
console.log('   OpenID Connect with discovery (issuer = the local provider), scope "openid profile", code + PKCE, sessionStorage;');
console.log('   both call GET /api/v2/users/me with the bearer token and show the JSON. Medians and p90 (nearest rank), ms since the navigation started');
console.log('   (performance.now() in the page; each run in a new tab that opened a blank page of the demo origin first; the order alternates).');
console.log(`   Note: pixie-auth verifies the ID token's signature (JWK Set fetch + WebCrypto); oidc-client-ts ${version} does not by default (it decodes the claims only).`);
console.log('');
table('measure', MEASURES);
console.log('');
table('where the time goes', PHASES);

// Sizes: the files each page loads.
console.log('');
console.log(header());
const pixieRows = [fileSizes(path.join(ROOT, 'pkg-web/pixie_auth_bg.wasm')), fileSizes(path.join(ROOT, 'pkg-web/pixie_auth.js'))];
const pixieTotal = total(pixieRows);
const oidcRow = fileSizes(oidcBundle);
const regRow = fileSizes(oidcClientTsRegistryFile());
const sizeRow = (label, s) => console.log(row(label, s));
sizeRow('pixie-auth pkg-web/pixie_auth_bg.wasm', pixieRows[0]);
sizeRow('pixie-auth pkg-web/pixie_auth.js (glue)', pixieRows[1]);
sizeRow('pixie-auth: what the page loads', pixieTotal);
sizeRow(`${O.name}: esbuild bundle, what the page loads`, oidcRow);
sizeRow(`${O.name}: the npm registry's dist/browser/…min.js`, regRow);
const r = (k) => `${(pixieTotal[k] / oidcRow[k]).toFixed(2)}x`;
console.log(`${'ratio pixie / oidc-client-ts bundle'.padEnd(LABEL)} ${r('raw').padStart(11)} ${r('gzip').padStart(11)} ${r('brotli').padStart(11)}`);
console.log(`(gzip -9: GNU gzip -9c FILE; brotli: ${BROTLI_TOOL})`);

// How the files were served, and the requests of each load (last run).
console.log('');
console.log('served by the devserver (as the browser saw them, last run\'s page-ready load):');
const last = (k) => samples[k].at(-1);
for (const lib of LIBS) {
  for (const file of lib.files) {
    const s = served.get(file);
    const entry = last(lib.key).ready.resources.find((e) => new URL(e.name).pathname === file);
    const wire = entry ? `${n(entry.transfer)} B transferred (0: from the cache), body ${n(entry.encoded)} B as sent, ${n(entry.decoded)} B decoded` : 'no resource timing entry';
    const compressed = s && s.encoding !== 'none' ? `compressed (${s.encoding})` : 'not compressed';
    console.log(`  ${file.padEnd(34)} ${compressed}; Cache-Control: ${s?.cacheControl ?? '?'}; ${wire}`);
  }
}
console.log('requests per load (last run; the page\'s own HTML not listed):');
const short = (u) => { const x = new URL(u); return `${x.origin === server.issuer ? 'OP' : 'demo'} ${x.pathname}`; };
for (const lib of LIBS) {
  for (const phase of ['ready', 'callback', 'reload']) {
    const list = last(lib.key)[phase].resources.map((e) => short(e.name));
    console.log(`  ${`${lib.name.split(' ')[0]} ${phase}:`.padEnd(24)} ${list.length} — ${list.join(', ')}`);
  }
}
await rm(buildDir, { recursive: true, force: true });
