// Brand-new apps made the way a user makes them: a temporary folder outside the workspace, a
// package.json, `npm install` of the packed tarball (dist/pixie-auth-<version>.tgz, from
// `npm run pack`), the README's code pasted in, and the tools a user would install (Vite 8 or
// 7, webpack 5, TypeScript) linked from the workspace's node_modules (they are its
// devDependencies, so `npm ci` brought them; nothing is fetched). Also: the README's code
// blocks, a static host for the built apps, and the Vite dev server.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** The bound of one build or install (a cold Vite or webpack build takes a few seconds). */
export const BUILD_TIMEOUT = 60_000;

/** The version in Cargo.toml: the package's. */
function crateVersion() {
  const toml = readFileSync(path.join(REPO, 'Cargo.toml'), 'utf8');
  return toml.match(/^\[package\][^[]*?^version\s*=\s*"([^"]+)"/ms)[1];
}

/** dist/pixie-auth-<version>.tgz, which must exist (npm run pack makes it). */
export function tarball() {
  const file = path.join(REPO, `dist/pixie-auth-${crateVersion()}.tgz`);
  assert.ok(existsSync(file), `${path.relative(REPO, file)} is missing: run \`npm run pack\` first (npm run test:package does)`);
  return file;
}

/**
 * Runs `command args` in `cwd`; resolves with its output, rejects (with the output) when it
 * exits non-zero or outlives `timeout`. `allowFailure` resolves with { code, output } instead.
 */
export function run(command, args, { cwd, timeout = BUILD_TIMEOUT, allowFailure = false, env = {} } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd, env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => { output += d; });
    child.stderr.on('data', (d) => { output += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeout);
    child.on('error', (err) => { clearTimeout(timer); reject(err); });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (allowFailure) resolve({ code, output });
      else if (code === 0) resolve(output);
      else reject(new Error(`${path.basename(command)} ${args.join(' ')} (in ${cwd}) ended with ${signal ?? `exit ${code}`}:\n${output}`));
    });
  });
}

/**
 * A new app in a fresh temporary folder, deleted after the tests: package.json (an ES module
 * package, as `npm init -y && npm pkg set type=module` makes it), the tarball installed with
 * npm (offline: it has no dependencies), and `tools` linked into node_modules, each
 * `[name, workspace package]` (e.g. ['vite', 'vite7'] is Vite 7 installed as `vite`).
 * Returns { dir, readme (the installed package's README.md), write(file, text), path(file) }.
 */
export async function makeApp(name, tools = []) {
  const dir = await mkdtemp(path.join(os.tmpdir(), `pixie-app-${name}-`));
  await writeFile(path.join(dir, 'package.json'), `${JSON.stringify({ name, private: true, type: 'module' }, null, 2)}\n`);
  await run('npm', ['install', '--offline', '--no-audit', '--no-fund', tarball()], { cwd: dir });
  // After npm install: npm would remove links it did not make.
  for (const [as, from] of tools) {
    const target = path.join(REPO, 'node_modules', from);
    assert.ok(existsSync(target), `node_modules/${from} is missing: run npm ci (it is a devDependency)`);
    await symlink(target, path.join(dir, 'node_modules', as), 'dir');
  }
  const readme = await readFile(path.join(dir, 'node_modules/pixie-auth/README.md'), 'utf8');
  return {
    name,
    dir,
    readme,
    path: (file) => path.join(dir, file),
    async write(file, text) {
      await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
      await writeFile(path.join(dir, file), text);
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

// ---- The README's code ----

/** The fenced code blocks of a Markdown text: [{ lang, text }]. */
export function codeBlocks(markdown) {
  return [...markdown.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map(([, lang, text]) => ({ lang, text }));
}

/** The one code block whose first line is `firstLine` (e.g. "// main.js"). */
export function block(markdown, firstLine) {
  const found = codeBlocks(markdown).filter((b) => b.text.split('\n')[0] === firstLine);
  assert.equal(found.length, 1, `the README has one code block starting with "${firstLine}" (found ${found.length})`);
  return found[0].text;
}

/** The one code block of language `lang` that contains `fragment`. */
export function blockWith(markdown, lang, fragment) {
  const found = codeBlocks(markdown).filter((b) => b.lang === lang && b.text.includes(fragment));
  assert.equal(found.length, 1, `the README has one ${lang} block containing "${fragment}" (found ${found.length})`);
  return found[0].text;
}

/** The address of the local provider in the README's example. */
export const README_PROVIDER = 'http://127.0.0.1:9000';

/**
 * The README's main.js for a provider at `issuer` (the test's runs on a free port): the one
 * edit a user makes whose provider is elsewhere.
 */
export function mainJs(readme, issuer) {
  const text = block(readme, '// main.js');
  assert.ok(text.includes(`"${README_PROVIDER}"`), `main.js names the local provider ${README_PROVIDER}`);
  return text.replaceAll(`"${README_PROVIDER}"`, JSON.stringify(issuer));
}

// ---- Serving ----

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.json': 'application/json', '.wasm': 'application/wasm', '.svg': 'image/svg+xml',
};

/**
 * A static host on 127.0.0.1 and a free port, as a user's would be: files under `root` (set
 * later with setRoot, so the port is known before the app is built), index.html for a folder,
 * .wasm as application/wasm. Records every request path. Closed with close().
 */
export async function startSite() {
  let root = null;
  const requests = [];
  const server = http.createServer(async (req, res) => {
    const { pathname } = new URL(req.url, 'http://site');
    requests.push(pathname);
    if (!root || (req.method !== 'GET' && req.method !== 'HEAD')) { res.writeHead(root ? 405 : 503).end(); return; }
    const file = path.join(root, decodeURIComponent(pathname).replace(/\/$/, '/index.html'));
    if (!file.startsWith(root + path.sep)) { res.writeHead(403).end(); return; }
    try {
      const body = await readFile(file);
      res.writeHead(200, { 'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'Cache-Control': 'no-cache' });
      res.end(req.method === 'HEAD' ? undefined : body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address();
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    setRoot(dir) { root = path.resolve(dir); },
    close: () => new Promise((resolve) => { server.close(() => resolve()); server.closeAllConnections(); }),
  };
}

/**
 * A free port held (by a listening socket) until release(), for a server that binds by itself
 * (Vite's dev server): held, nothing else started meanwhile (the provider, another app) can
 * take it; startViteDev releases it just before Vite binds it with --strictPort, so that a
 * port taken in that moment fails loudly.
 */
export async function reservePort() {
  const holder = net.createServer();
  await new Promise((resolve, reject) => {
    holder.once('error', reject);
    holder.listen(0, '127.0.0.1', resolve);
  });
  const { port } = holder.address();
  let released;
  return {
    port,
    origin: `http://127.0.0.1:${port}`,
    release() {
      released ??= new Promise((resolve) => holder.close(() => resolve()));
      return released;
    },
  };
}

/**
 * `vite` (the dev server) in `app` on 127.0.0.1 and the `reserved` port (reservePort()), as
 * `npx vite --port <port>` would run it; resolves once it listens. Returns { origin, output(),
 * close() }; close() stops the process it started (SIGTERM, then SIGKILL after 5 s).
 */
export async function startViteDev(app, reserved) {
  const { port } = reserved;
  await reserved.release();
  const child = spawn(process.execPath, [app.path('node_modules/vite/bin/vite.js'), '--host', '127.0.0.1', '--port', String(port), '--strictPort'], {
    cwd: app.dir, env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let exited = null;
  const exit = new Promise((resolve) => child.on('exit', (code, signal) => { exited = signal ?? code; resolve(); }));
  child.stdout.on('data', (d) => { output += d; });
  child.stderr.on('data', (d) => { output += d; });
  const origin = `http://127.0.0.1:${port}`;
  const end = Date.now() + BUILD_TIMEOUT;
  while (!output.includes(`${origin}/`)) {
    if (exited !== null) assert.fail(`vite (dev) in ${app.name} exited (${exited}) before listening:\n${output}`);
    if (Date.now() > end) { child.kill('SIGKILL'); assert.fail(`vite (dev) in ${app.name} did not listen within ${BUILD_TIMEOUT} ms:\n${output}`); }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    origin,
    output: () => output,
    async close() {
      if (exited !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exit;
      clearTimeout(timer);
    },
  };
}
