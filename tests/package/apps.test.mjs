// Brand-new apps built from the packed tarball the way the package README says, each with the
// README's main.js pasted in, each logging in at the local provider in Chromium through to the
// API call and logging out:
//
//   Vite 8       no configuration: the dev server, and the production build on a static host
//   Vite 7       the README's vite.config.js: the dev server, and the production build
//   webpack 5    the README's webpack.config.js (nothing pixie-auth needs): the production build
//   script tag   the README's page importing /pixie-auth/web.js with await init(), two files
//                copied by the README's commands, the wasm preloaded (and fetched once)
//   import map   the README's page mapping "pixie-auth" to the copied index.js, main.js unchanged
//
// Every app has an origin of its own, registered at the provider as a redirect URI (and so as a
// CORS origin) before it starts: the static hosts listen first, and the dev servers' ports are
// held until Vite binds them (--strictPort).

import assert from 'node:assert/strict';
import { cp } from 'node:fs/promises';
import { after, test } from 'node:test';

import { newContext, Tab, useStack } from '../e2e/harness.mjs';
import {
  block, blockWith, mainJs, makeApp, reservePort, run, startSite, startViteDev,
} from './lib/apps.mjs';

const APP_TIMEOUT = 120_000;

const sites = {
  vite8: await startSite(),
  vite7: await startSite(),
  webpack: await startSite(),
  scriptTag: await startSite(),
  importMap: await startSite(),
};
const devPorts = { vite8: await reservePort(), vite7: await reservePort() };
after(() => Promise.all([...Object.values(sites).map((s) => s.close()), ...Object.values(devPorts).map((p) => p.release())]));

const origins = [
  ...Object.values(sites).map((s) => s.origin),
  ...Object.values(devPorts).map((p) => p.origin),
];
const stack = useStack({ appRedirectUris: origins.map((origin) => `${origin}/`) });

/** The README's one-line index.html for Vite (`echo '<...>' > index.html`). */
function viteIndexHtml(readme) {
  const sh = blockWith(readme, 'sh', '> index.html');
  const m = sh.match(/^echo '(.+)' > index\.html$/m);
  assert.ok(m, 'the README writes index.html with one echo');
  return `${m[1]}\n`;
}

/** main.js from its `const status` line on: what the script-tag page inlines. */
function mainBody(main) {
  const at = main.indexOf('const status');
  assert.ok(at > 0, 'main.js has a `const status` line');
  return main.slice(at);
}

/**
 * Signs in on the app at `origin` as a user does: the page says "Signed out"; Log in; the
 * provider's sign-in and consent pages; back on the app, which shows the name the API returned
 * (callApi), with a clean address bar and no secret anywhere; Log out. The first load must
 * fetch the .wasm once, as application/wasm; the app's pages log no error or warning.
 */
async function logIn(t, origin) {
  const { dev } = stack;
  const context = await newContext(stack.browser);
  t.after(() => context.close());
  const page = await context.newPage();
  const tab = new Tab({ dev: { ...dev, demoOrigin: origin }, context, page, path: '/' });
  const problems = [];
  page.on('console', (msg) => {
    // The app's own pages only (the provider's pages are not the app's), and no favicon.
    if ((msg.type() === 'error' || msg.type() === 'warning') && new URL(page.url()).origin === origin
      && !msg.location()?.url?.endsWith('/favicon.ico')) {
      problems.push(`${msg.type()}: ${msg.text()}`);
    }
  });
  const wasm = [];
  context.on('response', (res) => {
    if (new URL(res.url()).pathname.endsWith('.wasm')) wasm.push({ url: res.url(), type: res.headers()['content-type'] });
  });

  await page.goto(`${origin}/`);
  await page.getByText('Signed out').waitFor();
  assert.equal(wasm.length, 1, `the .wasm was fetched once: ${JSON.stringify(wasm)}`);
  assert.equal(wasm[0].type, 'application/wasm');
  assert.equal(new URL(wasm[0].url).origin, origin, 'the .wasm comes from the app');

  await page.getByRole('button', { name: 'Log in' }).click();
  await tab.signIn('Ada Lovelace');
  await tab.consent();
  await page.getByText('Signed in as Ada Lovelace').waitFor();
  assert.equal(page.url(), `${origin}/`, 'the address bar is clean');
  assert.equal(dev.stats.token.authorization_code, 1, 'one code redeemed');
  assert.ok(dev.stats.api.ok >= 1, 'the name came from the API (callApi)');
  assert.ok((await tab.storage()).session, 'the session is stored');
  await tab.assertNoLeaks({ expect: ['codes', 'verifiers', 'tokens'] });

  await page.getByRole('button', { name: 'Log out' }).click();
  await page.getByText('Signed out').waitFor();
  assert.equal((await tab.storage()).session, null, 'logged out: no session');
  assert.deepEqual(problems, [], 'no console error or warning');
}

/** A Vite app from the README (`vite` is `vitePackage` from the workspace), dev and build. */
async function viteApp(t, name, vitePackage, { config }) {
  const app = await makeApp(name, [['vite', vitePackage]]);
  t.after(() => app.remove());
  await app.write('index.html', viteIndexHtml(app.readme));
  await app.write('main.js', mainJs(app.readme, stack.dev.issuer));
  if (config) await app.write('vite.config.js', block(app.readme, '// vite.config.js'));
  return app;
}

async function viteDevAndBuild(t, app, site, devPort) {
  await t.test('dev server (vite)', { timeout: APP_TIMEOUT }, async (tt) => {
    const server = await startViteDev(app, devPort);
    tt.after(() => server.close());
    await logIn(tt, server.origin);
  });
  await t.test('production build (vite build) on a static host', { timeout: APP_TIMEOUT }, async (tt) => {
    await run(process.execPath, [app.path('node_modules/vite/bin/vite.js'), 'build'], { cwd: app.dir });
    site.setRoot(app.path('dist'));
    await logIn(tt, site.origin);
  });
}

test('Vite 8, no configuration: the README app logs in', { timeout: 2 * APP_TIMEOUT }, async (t) => {
  const app = await viteApp(t, 'vite8', 'vite', { config: false });
  await viteDevAndBuild(t, app, sites.vite8, devPorts.vite8);
});

test("Vite 7 with the README's vite.config.js: the README app logs in", { timeout: 2 * APP_TIMEOUT }, async (t) => {
  const app = await viteApp(t, 'vite7', 'vite7', { config: true });
  await viteDevAndBuild(t, app, sites.vite7, devPorts.vite7);
});

test("webpack 5 with the README's webpack.config.js: the production build logs in", { timeout: APP_TIMEOUT }, async (t) => {
  const app = await makeApp('webpack', [['webpack', 'webpack'], ['webpack-cli', 'webpack-cli'], ['html-webpack-plugin', 'html-webpack-plugin']]);
  t.after(() => app.remove());
  await app.write('main.js', mainJs(app.readme, stack.dev.issuer));
  await app.write('webpack.config.js', block(app.readme, '// webpack.config.js'));
  await run(process.execPath, [app.path('node_modules/webpack-cli/bin/cli.js')], { cwd: app.dir });
  sites.webpack.setRoot(app.path('dist'));
  await logIn(t, sites.webpack.origin);
});

test('a plain <script type="module"> page with pixie-auth/web and await init(): logs in, the .wasm preloaded', { timeout: APP_TIMEOUT }, async (t) => {
  const app = await makeApp('script-tag');
  t.after(() => app.remove());
  await run('bash', ['-euc', blockWith(app.readme, 'sh', 'public/pixie-auth')], { cwd: app.dir });
  const page = blockWith(app.readme, 'html', '/pixie-auth/web.js');
  const marker = page.match(/^( *)\/\/ \.\.\. main\.js from `const status` on$/m);
  assert.ok(marker, 'the page says where main.js goes');
  const body = mainBody(mainJs(app.readme, stack.dev.issuer)).trimEnd().split('\n')
    .map((line) => (line ? marker[1] + line : line)).join('\n');
  assert.match(page, /<link rel="preload" href="\/pixie-auth\/pixie_auth_bg\.wasm" as="fetch"[^>]* crossorigin>/);
  await app.write('public/index.html', page.replace(marker[0], body));
  sites.scriptTag.setRoot(app.path('public'));
  await logIn(t, sites.scriptTag.origin);
  // Two page loads (the first visit, the way back from the provider), one .wasm download each:
  // init()'s fetch used the preload (a preload that did not match would be fetched again).
  const downloads = sites.scriptTag.requests.filter((p) => p.endsWith('.wasm'));
  assert.deepEqual(downloads, ['/pixie-auth/pixie_auth_bg.wasm', '/pixie-auth/pixie_auth_bg.wasm']);
});

test('a plain page with an import map: main.js unchanged, "pixie-auth" mapped to the copied index.js', { timeout: APP_TIMEOUT }, async (t) => {
  const app = await makeApp('import-map');
  t.after(() => app.remove());
  await run('bash', ['-euc', blockWith(app.readme, 'sh', 'public/pixie-auth')], { cwd: app.dir });
  const map = blockWith(app.readme, 'html', 'importmap');
  const copy = map.match(/copy (\S+) too/);
  assert.ok(copy, 'the import map page says what else to copy');
  await cp(app.path(`node_modules/pixie-auth/${copy[1]}`), app.path(`public/pixie-auth/${copy[1]}`));
  await app.write('public/index.html', `<!doctype html>\n<title>My app</title>\n${map}`);
  await app.write('public/main.js', mainJs(app.readme, stack.dev.issuer));
  sites.importMap.setRoot(app.path('public'));
  await logIn(t, sites.importMap.origin);
});
