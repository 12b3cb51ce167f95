// Browser benchmark: headless Chromium (Debian's), the release web build (pkg-web/), and the
// local OpenID provider. Measures in the page with performance.now():
//   - wasm start-up: fetch + compile + instantiate (`await init()`), cold and warm cache
//   - new PkceClient(config)
//   - loginUrl(): getRandomValues + SubtleCrypto SHA-256 + sessionStorage write + URL
//   - handleCallback(): state check + code exchange over HTTP + session write (real provider)
//   - callApi(): Bearer fetch of /api/v2/users/me (real provider check)
// Prints medians and p90 over the runs. Numbers go into notes, never into test assertions.
import '../tests/e2e/lib/quiet-provider.mjs'; // first: before oidc-provider loads

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { startDevServer } from '../devserver/server.mjs';

const RUNS = Number(process.env.BENCH_RUNS ?? 15);
// bench/page/ is served at /bench/ and registered as a redirect URI.
const server = await startDevServer({
  opPort: 0, demoPort: 0, extraRedirectPaths: ['/bench/'],
  staticRoots: { '/bench/': 'bench/page', '/pkg-web/': 'pkg-web' },
});
const userDataDir = await mkdtemp(path.join(tmpdir(), 'pixie-bench-'));
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});


const page = await context.newPage();
page.setDefaultTimeout(15_000);
if (process.env.BENCH_DEBUG) { page.on('console', (m) => console.log('[console]', m.text())); page.on('pageerror', (e) => console.log('[pageerror]', e.message)); }

const samples = {};
const add = (r) => { for (const [k, v] of Object.entries(r)) (samples[k] ??= []).push(v); };
const result = async () => {
  await page.waitForFunction(() => window.benchResult || window.benchError, null, { timeout: 15_000 });
  const error = await page.evaluate(() => window.benchError);
  if (error) throw new Error(`the bench page failed: ${error}`);
  return page.evaluate(() => window.benchResult);
};

// First, one interactive login through the provider's pages (its session cookie then
// lets every later authorization request redirect straight back with a code).
await page.goto(`${server.demoOrigin}/bench/`);
const cold = await result();
await page.goto(await page.evaluate(() => window.loginUrl()));
await page.fill('input[name="login"]', 'bench-user');
await page.fill('input[name="password"]', 'x');
await page.click('button.login-submit');
await page.click('button.login-submit');
await page.waitForURL(/\/bench\/\?code=/);
add(await result());

for (let i = 0; i < RUNS; i++) {
  await page.goto(await page.evaluate(() => window.loginUrl()));
  await page.waitForURL(/\/bench\/\?code=/);
  add(await result());
  await page.goto(`${server.demoOrigin}/bench/`);
  add(await result());
}

const stat = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return { median: q(0.5), p90: q(0.9), n: s.length };
};
const fmt = (ms) => (ms < 1 ? `${(ms * 1000).toFixed(0)} µs` : `${ms.toFixed(2)} ms`);
console.log(`${'measure'.padEnd(44)} ${'median'.padStart(10)} ${'p90'.padStart(10)}   n`);
console.log(`${'wasm init, cold cache (first load)'.padEnd(44)} ${fmt(cold.init).padStart(10)}`);
const labels = {
  init: 'wasm init (fetch+compile+instantiate), warm',
  construct: 'new PkceClient(config)',
  loginUrl: 'loginUrl() (random + SHA-256 + storage)',
  handleCallback: 'handleCallback() (code exchange, real OP)',
  callApi: 'callApi("/api/v2/users/me") (real OP)',
};
for (const [k, label] of Object.entries(labels)) {
  if (!samples[k]) continue;
  const { median, p90, n } = stat(samples[k]);
  console.log(`${label.padEnd(44)} ${fmt(median).padStart(10)} ${fmt(p90).padStart(10)}   ${n}`);
}
await context.close();
await rm(userDataDir, { recursive: true, force: true });
await server.close();
