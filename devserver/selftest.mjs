// Self-test of the dev server: starts it on free ports, drives real authorization-code + PKCE
// flows through oidc-provider's dev interaction pages with plain fetch (and, when Chromium
// exists at PIXIE_CHROMIUM, default /usr/bin/chromium, once more with a real browser through
// playwright-core), checks CORS, refresh-token rotation, the demo API, the test controls, the
// static server (compression, ETag, cache headers), an app's own redirect URIs, busy ports and
// the CLI.
//
//   node devserver/selftest.mjs [--no-browser]
//
// Prints "N passed, N failed" and exits non-zero when anything failed.

import { spawn } from 'node:child_process';
import * as crypto from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, mkdir, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import * as http from 'node:http';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as zlib from 'node:zlib';

import { negotiateEncoding } from './file-cache.mjs';
import { portProblems } from './ports.mjs';
import { appRedirectUris, RedirectUriError } from './registration.mjs';
import { guestChecks } from './selftest-guest.mjs';
import { envOptions, startDevServer } from './server.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const T0 = Date.now();
const FETCH_TIMEOUT = 5000;
const GLOBAL_TIMEOUT = 90_000;
const CHROMIUM = process.env.PIXIE_CHROMIUM || '/usr/bin/chromium';
const FOREIGN = 'http://evil.example';

let passed = 0;
let failed = 0;
const servers = [];
const cleanups = [];

function check(name, cond, detail) {
  if (cond) {
    passed += 1;
    console.log(`  ok   ${name}`);
  } else {
    failed += 1;
    console.log(`  FAIL ${name}${detail === undefined ? '' : ` -- ${typeof detail === 'string' ? detail : JSON.stringify(detail)}`}`);
  }
  return Boolean(cond);
}

async function section(name, fn) {
  console.log(`\n# ${name}`);
  try {
    await fn();
  } catch (err) {
    failed += 1;
    console.log(`  FAIL ${name}: threw ${err?.stack ?? err}`);
  }
}

function withTimeout(promise, ms, label) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`timeout after ${ms} ms: ${label}`)), ms); }),
  ]).finally(() => clearTimeout(timer));
}

const sleep = (ms) => new Promise((r) => { setTimeout(r, ms); });

function f(url, init = {}) {
  return fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(FETCH_TIMEOUT), ...init });
}

// --- a tiny cookie jar (enough for oidc-provider's session/interaction cookies) ---------------
class Jar {
  cookies = new Map();

  store(res) {
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attrs.some((a) => /^\s*expires=/i.test(a) && Date.parse(a.split('=')[1]) < Date.now())
        || attrs.some((a) => /^\s*max-age=0\s*$/i.test(a));
      if (expired || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  header() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  async fetch(url, init = {}) {
    const headers = { ...(init.headers ?? {}) };
    if (this.cookies.size) headers.cookie = this.header();
    const res = await f(url, { ...init, headers });
    this.store(res);
    return res;
  }
}

function pkcePair() {
  const verifier = crypto.randomBytes(32).toString('base64url');
  const challenge = crypto.createHash('sha256').update(verifier).digest('base64url');
  return { verifier, challenge };
}

const unescapeHtml = (s) => s.replace(/&amp;/g, '&').replace(/&#x2F;/g, '/').replace(/&#39;/g, "'").replace(/&quot;/g, '"');

/**
 * Runs the authorization request through the dev interaction pages.
 * Returns { callback: URL (the redirect to the demo), pages: { login?, consent? }, verifier }.
 */
async function authorize(s, {
  jar = new Jar(), login = 'alice', scope = 'openid profile email', redirectUri = `${s.demoOrigin}/`,
  cancelAt, pkce = true, state = crypto.randomBytes(8).toString('hex'), nonce = crypto.randomBytes(8).toString('hex'),
} = {}) {
  const { verifier, challenge } = pkcePair();
  const url = new URL(s.endpoints.authorization);
  url.search = new URLSearchParams({
    client_id: s.clientId,
    response_type: 'code',
    redirect_uri: redirectUri,
    scope,
    state,
    nonce,
    ...(pkce ? { code_challenge: challenge, code_challenge_method: 'S256' } : {}),
  });
  const pages = {};
  let next = url;
  let init = {};
  for (let i = 0; i < 20; i += 1) {
    const res = await jar.fetch(next, init);
    init = {};
    if ([302, 303].includes(res.status)) {
      const loc = new URL(res.headers.get('location'), next);
      if (loc.origin !== s.issuer) return { callback: loc, pages, verifier, state, nonce, jar };
      next = loc;
      continue;
    }
    const html = await res.text();
    if (res.status !== 200) throw new Error(`unexpected ${res.status} at ${next}: ${html.slice(0, 300)}`);
    const action = unescapeHtml(/<form[^>]*action="([^"]+)"/.exec(html)?.[1] ?? '');
    const cancel = unescapeHtml(/<a href="([^"]+)">\[ Cancel \]<\/a>/.exec(html)?.[1] ?? '');
    let form;
    if (html.includes('name="prompt" value="login"')) {
      pages.login = html;
      if (cancelAt === 'login') { next = new URL(cancel, next); continue; }
      form = { prompt: 'login', login, password: 'any password' };
    } else if (html.includes('name="prompt" value="consent"')) {
      pages.consent = html;
      if (cancelAt === 'consent') { next = new URL(cancel, next); continue; }
      form = { prompt: 'consent' };
    } else {
      throw new Error(`unknown page at ${next}: ${html.slice(0, 300)}`);
    }
    next = new URL(action, next);
    init = {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString(),
    };
  }
  throw new Error('too many redirects');
}

async function tokenRequest(s, params, origin = s.demoOrigin) {
  const res = await f(s.endpoints.token, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(origin ? { origin } : {}),
    },
    body: new URLSearchParams({ client_id: s.clientId, ...params }).toString(),
  });
  let body;
  try { body = await res.json(); } catch { body = undefined; }
  return { res, body };
}

const exchange = (s, code, verifier, redirectUri = `${s.demoOrigin}/`) => tokenRequest(s, {
  grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: redirectUri,
});
const refresh = (s, rt) => tokenRequest(s, { grant_type: 'refresh_token', refresh_token: rt });

async function signIn(s, opts) {
  const a = await authorize(s, opts);
  const code = a.callback.searchParams.get('code');
  const t = await exchange(s, code, a.verifier, opts?.redirectUri);
  if (t.res.status !== 200) throw new Error(`token exchange failed: ${JSON.stringify(t.body)}`);
  return { ...a, tokens: t.body };
}

async function usersMe(s, token, origin = s.demoOrigin) {
  const res = await f(s.endpoints.usersMe, {
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(origin ? { origin } : {}) },
  });
  let body;
  try { body = await res.json(); } catch { body = undefined; }
  return { res, body };
}

async function control(s, name, body, method = 'POST') {
  const res = await f(`${s.issuer}/__test/${name}`, {
    method,
    ...(method === 'POST' ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body ?? {}) } : {}),
  });
  return { res, body: await res.json() };
}

async function verifyJwt(jwt, jwksUri) {
  const [h, p, sig] = jwt.split('.');
  const header = JSON.parse(Buffer.from(h, 'base64url'));
  const payload = JSON.parse(Buffer.from(p, 'base64url'));
  const { keys } = await (await f(jwksUri)).json();
  const jwk = keys.find((k) => k.kid === header.kid);
  if (!jwk || header.alg !== 'RS256') return { header, payload, valid: false };
  const key = crypto.createPublicKey({ key: jwk, format: 'jwk' });
  const valid = crypto.verify('RSA-SHA256', Buffer.from(`${h}.${p}`), key, Buffer.from(sig, 'base64url'));
  return { header, payload, valid, jwk };
}

/** Raw GET (fetch normalises "..", this does not). */
function rawGet(port, rawPath) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: rawPath, method: 'GET', timeout: FETCH_TIMEOUT }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

async function makeStaticFixture() {
  const root = await mkdtemp(path.join(tmpdir(), 'pixie-devserver-selftest-'));
  cleanups.push(() => rm(root, { recursive: true, force: true }));
  await mkdir(path.join(root, 'www/dist'), { recursive: true });
  await mkdir(path.join(root, 'www/plain'), { recursive: true });
  await mkdir(path.join(root, 'pkg-web'), { recursive: true });
  await writeFile(path.join(root, 'www/dist/index.html'), '<!doctype html><title>dist</title><p>dist index</p>');
  await writeFile(path.join(root, 'www/plain/index.html'), '<!doctype html><title>plain</title><p>plain index</p>');
  await writeFile(path.join(root, 'pkg-web/pixie_auth_bg.wasm'), Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
  await writeFile(path.join(root, 'pkg-web/pixie_auth.js'), 'export default 1;\n');
  await writeFile(path.join(root, 'secret.txt'), 'outside the mounts');
  // For compression and caching: a bundle with a content hash in its name, a valid .wasm that
  // compresses (a custom section of 8 KB of zeros), a file that does not (random bytes).
  await writeFile(path.join(root, 'www/dist/main.0123abcd.js'), `export const text = ${JSON.stringify('pixie '.repeat(2000))};\n`);
  const pad = Buffer.alloc(8192);
  const section = Buffer.concat([Buffer.from([3]), Buffer.from('pad'), pad]);
  const leb = (n) => { const out = []; do { let b = n & 0x7f; n >>>= 7; if (n) b |= 0x80; out.push(b); } while (n); return Buffer.from(out); };
  await writeFile(path.join(root, 'pkg-web/padded.wasm'), Buffer.concat([Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 0]), leb(section.length), section]));
  await writeFile(path.join(root, 'www/plain/noise.png'), crypto.randomBytes(4096));
  return root;
}

async function start(opts) {
  const s = await withTimeout(startDevServer({ opPort: 0, demoPort: 0, testControls: true, ...opts }), 15000, 'startDevServer');
  servers.push(s);
  return s;
}

// ---------------------------------------------------------------------------------------------

async function main() {
  const root = await makeStaticFixture();
  const s = await start({ rootDir: root });
  const base = `${s.issuer}`;
  console.log(`provider ${s.issuer}, demo ${s.demoOrigin}`);

  await section('discovery (default paths)', async () => {
    const d = await (await f(s.endpoints.discovery)).json();
    check('issuer uses the real port', d.issuer === base && s.opPort !== 0 && s.demoPort !== 0, d.issuer);
    check('authorization_endpoint /auth', d.authorization_endpoint === `${base}/auth`, d.authorization_endpoint);
    check('token_endpoint /token', d.token_endpoint === `${base}/token`, d.token_endpoint);
    check('userinfo, revocation, end_session, jwks advertised', d.userinfo_endpoint && d.revocation_endpoint && d.end_session_endpoint && d.jwks_uri);
    check('authorization_response_iss_parameter_supported', d.authorization_response_iss_parameter_supported === true);
    check('code_challenge_methods_supported = [S256]', JSON.stringify(d.code_challenge_methods_supported) === '["S256"]');
    check('grant types include refresh_token', d.grant_types_supported.includes('refresh_token'));
    check('scopes include users:readonly, profile, email, offline_access',
      ['users:readonly', 'profile', 'email', 'offline_access', 'openid'].every((x) => d.scopes_supported.includes(x)), d.scopes_supported);
    check('RS256 offered for ID tokens', d.id_token_signing_alg_values_supported.includes('RS256'));
  });

  await section('CORS', async () => {
    for (const [name, url] of [['discovery', s.endpoints.discovery], ['jwks', s.endpoints.jwks]]) {
      const ok = await f(url, { headers: { origin: s.demoOrigin } });
      check(`${name}: demo origin gets ACAO`, ok.headers.get('access-control-allow-origin') === s.demoOrigin);
      const lh = await f(url, { headers: { origin: `http://localhost:${s.demoPort}` } });
      check(`${name}: localhost demo origin gets ACAO`, lh.headers.get('access-control-allow-origin') === `http://localhost:${s.demoPort}`);
      const bad = await f(url, { headers: { origin: FOREIGN } });
      check(`${name}: foreign origin gets no ACAO`, bad.status === 200 && !bad.headers.get('access-control-allow-origin'), bad.headers.get('access-control-allow-origin'));
    }
    const pre = await f(s.endpoints.token, {
      method: 'OPTIONS',
      headers: { origin: s.demoOrigin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    check('token preflight from demo: 2xx + ACAO + POST allowed',
      pre.status === 204 && pre.headers.get('access-control-allow-origin') === s.demoOrigin
      && /POST/.test(pre.headers.get('access-control-allow-methods') ?? ''), [pre.status, Object.fromEntries(pre.headers)]);
    const preBad = await f(s.endpoints.token, {
      method: 'OPTIONS', headers: { origin: FOREIGN, 'access-control-request-method': 'POST' },
    });
    check('token preflight from foreign origin: no ACAO', !preBad.headers.get('access-control-allow-origin'));
    const tokBad = await tokenRequest(s, { grant_type: 'refresh_token', refresh_token: 'nope' }, FOREIGN);
    check('token POST from foreign origin: no ACAO', !tokBad.res.headers.get('access-control-allow-origin'), Object.fromEntries(tokBad.res.headers));
    const apiPre = await f(s.endpoints.usersMe, {
      method: 'OPTIONS',
      headers: { origin: s.demoOrigin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
    });
    check('API preflight from demo: 204 + ACAO + Authorization allowed',
      apiPre.status === 204 && apiPre.headers.get('access-control-allow-origin') === s.demoOrigin
      && /authorization/i.test(apiPre.headers.get('access-control-allow-headers') ?? ''));
    const apiPreBad = await f(s.endpoints.usersMe, {
      method: 'OPTIONS', headers: { origin: FOREIGN, 'access-control-request-method': 'GET' },
    });
    check('API preflight from foreign origin: no ACAO', !apiPreBad.headers.get('access-control-allow-origin'));
  });

  let alice;
  await section('authorization code + PKCE flow', async () => {
    const noPkce = await authorize(s, { pkce: false });
    check('request without code_challenge is refused (invalid_request)',
      noPkce.callback.searchParams.get('error') === 'invalid_request', noPkce.callback.href);

    const a = await authorize(s, { login: 'alice' });
    alice = a;
    const cb = a.callback;
    check('redirected back to the demo with a code', cb.origin === s.demoOrigin && cb.pathname === '/' && cb.searchParams.get('code'), cb.href);
    check('state returned', cb.searchParams.get('state') === a.state);
    check('RFC 9207 iss in the authorization response', cb.searchParams.get('iss') === s.issuer, cb.searchParams.get('iss'));
    check('login page: input[name=login], input[name=password], button.login-submit "Sign-in"',
      /<input required type="text" name="login"/.test(a.pages.login) && /type="password" name="password"/.test(a.pages.login)
      && /<button type="submit" class="login login-submit">Sign-in<\/button>/.test(a.pages.login));
    check('consent page: button.login-submit "Continue"', /class="login login-submit">Continue<\/button>/.test(a.pages.consent ?? ''));
    check('pages have a "[ Cancel ]" link', />\[ Cancel \]<\/a>/.test(a.pages.login) && />\[ Cancel \]<\/a>/.test(a.pages.consent ?? ''));

    const wrong = await exchange(s, cb.searchParams.get('code'), pkcePair().verifier);
    check('wrong code_verifier -> invalid_grant', wrong.res.status === 400 && wrong.body?.error === 'invalid_grant', wrong.body);
    // The code may be spent by the failed attempt: sign in again (session + consent remembered).
    const again = await authorize(s, { jar: a.jar });
    check('second authorization with the same browser session needs no pages',
      again.callback.searchParams.get('code') && !again.pages.login && !again.pages.consent, again.pages);
    const t = await exchange(s, again.callback.searchParams.get('code'), again.verifier);
    alice = { ...again, tokens: t.body };
    check('code exchange without a secret: 200', t.res.status === 200, t.body);
    check('token response: ACAO demo origin', t.res.headers.get('access-control-allow-origin') === s.demoOrigin);
    check('token response exposes Date', /(^|,\s*)Date(\s*,|$)/i.test(t.res.headers.get('access-control-expose-headers') ?? '') && t.res.headers.get('date'),
      t.res.headers.get('access-control-expose-headers'));
    check('token_type Bearer, expires_in = accessTokenTtl (600)', t.body.token_type === 'Bearer' && t.body.expires_in === 600, t.body);
    check('refresh_token issued without offline_access', typeof t.body.refresh_token === 'string' && t.body.refresh_token.length > 20);
    check('id_token issued', typeof t.body.id_token === 'string');
    const v = await verifyJwt(t.body.id_token, s.endpoints.jwks);
    check('id_token RS256 signature verifies against JWKS', v.valid, v.header);
    check('id_token claims: iss, aud, sub, name, email, nonce',
      v.payload.iss === s.issuer && v.payload.aud === s.clientId && v.payload.sub === 'alice'
      && v.payload.name === 'alice' && v.payload.email === 'alice@example.test' && v.payload.nonce === again.nonce, v.payload);
    check('id_token lifetime = idTokenTtl (600)', v.payload.exp - v.payload.iat === 600);
  });

  await section('demo API + userinfo', async () => {
    const me = await usersMe(s, alice.tokens.access_token);
    check('GET /api/v2/users/me with the access token: 200', me.res.status === 200, me.body);
    check('users/me body', JSON.stringify(me.body) === JSON.stringify({
      id: 'alice', name: 'alice', email: 'alice@example.test', username: 'alice',
    }), me.body);
    check('users/me: ACAO demo origin', me.res.headers.get('access-control-allow-origin') === s.demoOrigin);
    const bad = await usersMe(s, 'garbage');
    check('users/me with garbage: 401 Genesys error shape',
      bad.res.status === 401 && bad.body?.code === 'bad.credentials' && bad.body?.status === 401 && typeof bad.body?.message === 'string', bad.body);
    check('401 carries ACAO for the demo origin', bad.res.headers.get('access-control-allow-origin') === s.demoOrigin);
    const none = await usersMe(s, undefined);
    check('users/me without Authorization: 401', none.res.status === 401);
    const foreign = await usersMe(s, alice.tokens.access_token, FOREIGN);
    check('users/me from foreign origin: no ACAO', !foreign.res.headers.get('access-control-allow-origin'));
    const ui = await f(s.endpoints.userinfo, { headers: { authorization: `Bearer ${alice.tokens.access_token}`, origin: s.demoOrigin } });
    const uib = await ui.json();
    check('userinfo: 200 with sub/name/email', ui.status === 200 && uib.sub === 'alice' && uib.name === 'alice' && uib.email === 'alice@example.test', uib);
    check('userinfo: ACAO demo origin', ui.headers.get('access-control-allow-origin') === s.demoOrigin);
  });

  await section('refresh token rotation', async () => {
    await control(s, 'reset');
    const rt1 = alice.tokens.refresh_token;
    const r1 = await refresh(s, rt1);
    check('refresh #1: 200 with a new refresh token', r1.res.status === 200 && r1.body.refresh_token && r1.body.refresh_token !== rt1, r1.body);
    check('refresh #1: exposes Date', /Date/.test(r1.res.headers.get('access-control-expose-headers') ?? ''));
    const r2 = await refresh(s, r1.body.refresh_token);
    check('refresh #2: 200 with another new refresh token', r2.res.status === 200 && r2.body.refresh_token !== r1.body.refresh_token, r2.body);
    const me = await usersMe(s, r2.body.access_token);
    check('refreshed access token works on the API', me.res.status === 200);
    const reuse = await refresh(s, rt1);
    check('reusing a rotated-away refresh token: 400 invalid_grant', reuse.res.status === 400 && reuse.body?.error === 'invalid_grant', reuse.body);
    check('invalid_grant response still has ACAO for the demo', reuse.res.headers.get('access-control-allow-origin') === s.demoOrigin);
    const after = await refresh(s, r2.body.refresh_token);
    check('reuse detection revoked the whole grant (newest refresh token dead too)', after.body?.error === 'invalid_grant', after.body);
    const me2 = await usersMe(s, r2.body.access_token);
    check('... and its access tokens (API 401)', me2.res.status === 401);
    const st = (await control(s, 'stats', undefined, 'GET')).body;
    check('stats counted 4 refresh_token requests (incl. rejected ones)', st.token.refresh_token === 4 && st.token.authorization_code === 0, st);
    check('stats counted API ok/unauthorized', st.api.ok === 1 && st.api.unauthorized === 1, st.api);
  });

  await section('cancel paths -> access_denied', async () => {
    const c1 = await authorize(s, { cancelAt: 'login' });
    check('cancel on the login page: error=access_denied at the redirect URI',
      c1.callback.origin === s.demoOrigin && c1.callback.searchParams.get('error') === 'access_denied', c1.callback.href);
    check('... with state and iss', c1.callback.searchParams.get('state') === c1.state && c1.callback.searchParams.get('iss') === s.issuer);
    const c2 = await authorize(s, { cancelAt: 'consent', login: 'carol', redirectUri: `${s.demoOrigin}/plain/` });
    check('cancel on the consent page: error=access_denied at /plain/',
      c2.callback.pathname === '/plain/' && c2.callback.searchParams.get('error') === 'access_denied', c2.callback.href);
  });

  await section('token failure injection + stats', async () => {
    await control(s, 'reset');
    const bob = await signIn(s, { login: 'bob' });
    let rt = bob.tokens.refresh_token;
    const armed = await control(s, 'fail-token', { count: 2, status: 503 });
    check('fail-token armed', armed.res.status === 200 && armed.body.ok, armed.body);
    for (let i = 1; i <= 2; i += 1) {
      const r = await refresh(s, rt);
      check(`injected 503 #${i} with ACAO + exposed Date`, r.res.status === 503 && r.res.headers.get('access-control-allow-origin') === s.demoOrigin
        && /Date/.test(r.res.headers.get('access-control-expose-headers') ?? ''), [r.res.status, r.body]);
    }
    let r = await refresh(s, rt);
    check('third request reaches the provider (refresh token untouched by injected failures)', r.res.status === 200, r.body);
    rt = r.body.refresh_token;

    await control(s, 'fail-token', { count: 1, status: 429, retryAfter: 7 });
    r = await refresh(s, rt);
    check('injected 429 with Retry-After: 7 (exposed)', r.res.status === 429 && r.res.headers.get('retry-after') === '7'
      && /Retry-After/.test(r.res.headers.get('access-control-expose-headers') ?? ''), [r.res.status, Object.fromEntries(r.res.headers)]);

    await control(s, 'fail-token', { count: 1, status: 500 });
    r = await refresh(s, rt);
    check('injected 500', r.res.status === 500, r.res.status);

    await control(s, 'fail-token', { count: 1, status: 'drop' });
    let dropped = false;
    try { await refresh(s, rt); } catch { dropped = true; }
    check('injected drop: network error', dropped);

    await control(s, 'fail-token', { count: -1, status: 0 });
    let drops = 0;
    for (let i = 0; i < 3; i += 1) { try { await refresh(s, rt); } catch { drops += 1; } }
    check('count -1: fails until reset', drops === 3, drops);
    const st = (await control(s, 'stats', undefined, 'GET')).body;
    check('stats: failed_injected 8, refresh_token 1, authorization_code 1',
      st.token.failed_injected === 8 && st.token.refresh_token === 1 && st.token.authorization_code === 1, st.token);
    check('in-process stats object matches', JSON.stringify(s.stats) === JSON.stringify(st));
    await control(s, 'reset');
    r = await refresh(s, rt);
    check('after reset the token endpoint works again', r.res.status === 200, r.body);
    const st2 = (await control(s, 'stats', undefined, 'GET')).body;
    check('reset cleared the counters', st2.token.failed_injected === 0 && st2.token.refresh_token === 1, st2);
    const badArm = await control(s, 'fail-token', { count: 1, status: 200 });
    check('fail-token rejects a non-error status', badArm.res.status === 400);

    // revoke-access-tokens
    const at = r.body.access_token;
    check('access token valid before revoke-access-tokens', (await usersMe(s, at)).res.status === 200);
    const rev = await control(s, 'revoke-access-tokens');
    check('revoke-access-tokens revoked some', rev.body.revoked >= 1, rev.body);
    check('API now 401 for that token', (await usersMe(s, at)).res.status === 401);
    const r2 = await refresh(s, r.body.refresh_token);
    check('refresh token still works after revoke-access-tokens', r2.res.status === 200 && (await usersMe(s, r2.body.access_token)).res.status === 200, r2.body);

    // DELETE /api/v2/tokens/me
    const del = await f(s.endpoints.tokensMe, { method: 'DELETE', headers: { authorization: `Bearer ${r2.body.access_token}`, origin: s.demoOrigin } });
    check('DELETE /api/v2/tokens/me: 204 + ACAO', del.status === 204 && del.headers.get('access-control-allow-origin') === s.demoOrigin, del.status);
    check('token deleted: users/me 401', (await usersMe(s, r2.body.access_token)).res.status === 401);
    const del2 = await f(s.endpoints.tokensMe, { method: 'DELETE', headers: { authorization: 'Bearer nope' } });
    check('DELETE with an invalid token: 401', del2.status === 401);

    // RP-initiated logout ends the session: its refresh token no longer works.
    const r3 = await refresh(s, r2.body.refresh_token);
    const es = new URL(s.endpoints.endSession);
    es.search = new URLSearchParams({ id_token_hint: r3.body.id_token, post_logout_redirect_uri: `${s.demoOrigin}/`, state: 'bye' });
    const page = await bob.jar.fetch(es);
    const html = await page.text();
    check('end_session page: "Yes, sign me out" button', page.status === 200 && /name="logout">Yes, sign me out<\/button>/.test(html));
    const action = unescapeHtml(/<form[^>]*action="([^"]+)"/.exec(html)?.[1] ?? '');
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(html)?.[1];
    const conf = await bob.jar.fetch(new URL(action, es), {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ xsrf, logout: 'yes' }).toString(),
    });
    const loc = new URL(conf.headers.get('location') ?? '/', es);
    check('logout redirects to post_logout_redirect_uri with state', loc.origin === s.demoOrigin && loc.searchParams.get('state') === 'bye', loc.href);
    const r4 = await refresh(s, r3.body.refresh_token);
    check('after logout the refresh token is rejected (invalid_grant)', r4.body?.error === 'invalid_grant', r4.body);
  });

  await section('static demo server', async () => {
    const idx = await f(`${s.demoOrigin}/`);
    check('/ serves www/dist/index.html as text/html, no-cache with an ETag (revalidated on every load)',
      idx.status === 200 && /text\/html/.test(idx.headers.get('content-type')) && idx.headers.get('cache-control') === 'no-cache'
      && /^"[\w-]+"$/.test(idx.headers.get('etag') ?? '') && /dist index/.test(await idx.text()), Object.fromEntries(idx.headers));
    const cbPage = await f(`${s.demoOrigin}/plain/?code=x&state=y&iss=z`);
    check('/plain/?code=... serves www/plain/index.html', cbPage.status === 200 && /plain index/.test(await cbPage.text()));
    const redir = await f(`${s.demoOrigin}/plain`);
    check('/plain redirects to /plain/', redir.status === 301 && redir.headers.get('location') === '/plain/');
    const wasm = await f(`${s.demoOrigin}/pkg-web/pixie_auth_bg.wasm`);
    check('.wasm is application/wasm', wasm.status === 200 && wasm.headers.get('content-type') === 'application/wasm', wasm.headers.get('content-type'));
    const js = await f(`${s.demoOrigin}/pkg-web/pixie_auth.js`);
    check('.js is text/javascript', js.status === 200 && /^text\/javascript/.test(js.headers.get('content-type')));
    check('missing file: 404', (await f(`${s.demoOrigin}/nope.js`)).status === 404);
    const trav = await Promise.all([
      rawGet(s.demoPort, '/../secret.txt'),
      rawGet(s.demoPort, '/pkg-web/../../secret.txt'),
      rawGet(s.demoPort, '/pkg-web/..%2f..%2fsecret.txt'),
      rawGet(s.demoPort, '/%2e%2e/%2e%2e/secret.txt'),
      rawGet(s.demoPort, '/pkg-web/%2e%2e%5csecret.txt'),
    ]);
    check('path traversal never reaches files outside the mounts', trav.every((st) => st === 400 || st === 404), trav);
    const cfg = await (await f(`${s.demoOrigin}/config.json`)).json();
    check('/config.json (local mode)', cfg.mode === 'local' && cfg.issuer === s.issuer && cfg.clientId === 'pixie-demo' && cfg.apiBase === s.issuer
      && cfg.authorizationEndpoint === `${s.issuer}/auth` && cfg.tokenEndpoint === `${s.issuer}/token` && cfg.genesysPaths === false, cfg);
    const emptyRoot = await start({ rootDir: path.join(root, 'does-not-exist'), genesysRegion: 'mypurecloud.de', genesysClientId: 'abc-123' });
    check('missing static folders give 404', (await f(`${emptyRoot.demoOrigin}/`)).status === 404);
    const gcfg = await (await f(`${emptyRoot.demoOrigin}/config.json`)).json();
    check('/config.json (genesys mode)', JSON.stringify(gcfg) === JSON.stringify({ mode: 'genesys', region: 'mypurecloud.de', clientId: 'abc-123' }), gcfg);
    await emptyRoot.close();
  });

  await section('compression and caching (static files as a real host sends them)', () => deliverySection(s, root));
  await section('your own app: appRedirectUris / PIXIE_REDIRECT_URIS', () => appRedirectSection());
  await section('busy ports: reported with the variable to change', () => busyPortSection());

  await section('genesysPaths mode', async () => {
    const g = await start({ genesysPaths: true, clientId: 'genesys-like', testControls: false });
    const d = await (await f(g.endpoints.discovery)).json();
    check('discovery: /oauth/authorize and /oauth/token',
      d.authorization_endpoint === `${g.issuer}/oauth/authorize` && d.token_endpoint === `${g.issuer}/oauth/token`, [d.authorization_endpoint, d.token_endpoint]);
    const a = await signIn(g, { login: 'dana', scope: 'openid profile users:readonly' });
    check('full flow works on the Genesys paths', a.tokens.access_token && a.tokens.refresh_token && a.callback.searchParams.get('iss') === g.issuer, a.tokens);
    check('scope users:readonly granted', (a.tokens.scope ?? '').split(' ').includes('users:readonly'), a.tokens.scope);
    const me = await usersMe(g, a.tokens.access_token);
    check('API works', me.res.status === 200 && me.body.id === 'dana', me.body);
    check('test controls are off by default', (await f(`${g.issuer}/__test/stats`)).status === 404);
    const old = await f(`${g.issuer}/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=refresh_token' });
    check('/token is not the token endpoint in this mode', old.status === 404, old.status);
    await g.close();
  });

  await section('short lifetimes', async () => {
    const q = await start({ accessTokenTtl: 2, refreshTokenTtl: 4 });
    const a = await signIn(q, { login: 'erin' });
    check('expires_in = 2', a.tokens.expires_in === 2);
    await sleep(2200);
    check('expired access token: API 401 (no clock tolerance)', (await usersMe(q, a.tokens.access_token)).res.status === 401);
    const r = await refresh(q, a.tokens.refresh_token);
    check('refresh after access-token expiry: 200', r.res.status === 200 && (await usersMe(q, r.body.access_token)).res.status === 200, r.body);
    await sleep(2000);
    const r2 = await refresh(q, r.body.refresh_token);
    check('refresh token lifetime counts from sign-in: rejected after 4 s', r2.res.status === 400 && r2.body?.error === 'invalid_grant', r2.body);
    await q.close();
  });

  await section('CLI (node devserver/server.mjs)', async () => {
    for (const signal of ['SIGTERM', 'SIGINT']) {
      const child = spawn(process.execPath, [path.join(HERE, 'server.mjs')], {
        env: { ...process.env, PIXIE_OP_PORT: '0', PIXIE_DEMO_PORT: '0', PIXIE_GENESYS_PATHS: '1', PIXIE_LOG: '0' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const exited = new Promise((resolve) => { child.on('exit', (code, sig) => resolve({ code, sig })); });
      let out = '';
      child.stdout.on('data', (d) => { out += d; });
      child.stderr.on('data', () => {});
      try {
        await withTimeout((async () => { while (!/Open http:\/\/127\.0\.0\.1:\d+\//.test(out)) await sleep(50); })(), 10000, 'CLI banner');
        const demo = /Open (http:\/\/127\.0\.0\.1:\d+)\//.exec(out)[1];
        const op = /OpenID provider:\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
        const d = await (await f(`${op}/.well-known/openid-configuration`)).json();
        check(`CLI prints URLs with the real ports, genesys paths from env (${signal} run)`,
          !/:0\//.test(out) && d.token_endpoint === `${op}/oauth/token`, out);
        const cfg = await (await f(`${demo}/config.json`)).json();
        check('CLI demo server answers /config.json', cfg.issuer === op);
        child.kill(signal);
        const { code } = await withTimeout(exited, 6000, `CLI exit after ${signal}`);
        check(`CLI exits 0 on ${signal}`, code === 0, code);
      } finally {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      }
    }
  });

  // Issue 12: guest tokens (selftest-guest.mjs).
  await guestChecks({ section, check, f, start, sleep, withTimeout, verifyJwt, signIn, HERE });

  if (process.argv.includes('--no-browser') || !existsSync(CHROMIUM)) {
    console.log(`\n# browser flow: skipped (${existsSync(CHROMIUM) ? '--no-browser' : `${CHROMIUM} not installed`})`);
  } else {
    await section('browser flow (playwright-core + Chromium)', () => withTimeout(browserFlow(s, root), 30000, 'browser flow'));
  }
}

// --- compression, caching, your own app's redirect URIs, busy ports --------------------------

/** A raw HTTP request (no automatic decompression, unlike fetch): { status, headers, body }. */
function rawRequest(port, rawPath, headers = {}, method = 'GET') {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: rawPath, method, headers, timeout: FETCH_TIMEOUT }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

/** Runs a Node script of this folder to its end: { code, stdout, stderr }. */
function runNode(script, env, timeout = 15000) {
  return withTimeout(new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(HERE, script)], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  }), timeout, `node ${script}`);
}

/** Starts the CLI, waits for its banner, stops it: the banner's text. */
async function cliBanner(env) {
  const child = spawn(process.execPath, [path.join(HERE, 'server.mjs')], {
    env: { ...process.env, PIXIE_OP_PORT: '0', PIXIE_DEMO_PORT: '0', PIXIE_LOG: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise((resolve) => { child.on('exit', resolve); });
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', () => {});
  try {
    await withTimeout((async () => { while (!/Press Ctrl\+C/.test(out)) await sleep(50); })(), 10000, 'CLI banner');
    child.kill('SIGTERM');
    await withTimeout(exited, 6000, 'CLI exit');
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  return out;
}

const noStackTrace = (text) => !/^\s+at .+:\d+:\d+\)?$/m.test(text);

async function deliverySection(s, root) {
  check('Accept-Encoding: br first, then gzip; q-values and * honoured',
    negotiateEncoding('gzip, deflate, br') === 'br' && negotiateEncoding('gzip, deflate') === 'gzip'
    && negotiateEncoding('br;q=0, gzip') === 'gzip' && negotiateEncoding('gzip;q=0.5, br;q=0.4') === 'gzip'
    && negotiateEncoding('*') === 'br' && negotiateEncoding('*;q=0') === 'identity' && negotiateEncoding('gzip;q=0, br;q=0') === 'identity'
    && negotiateEncoding('') === 'identity' && negotiateEncoding(undefined) === 'identity' && negotiateEncoding('identity') === 'identity');

  const get = (p, headers, method) => rawRequest(s.demoPort, p, headers, method);
  const jsPath = '/main.0123abcd.js';
  const original = await readFile(path.join(root, 'www/dist/main.0123abcd.js'));
  const br = await get(jsPath, { 'accept-encoding': 'gzip, deflate, br' });
  check('br: Content-Encoding br, Content-Length of the compressed body, decodes to the file',
    br.status === 200 && br.headers['content-encoding'] === 'br' && Number(br.headers['content-length']) === br.body.length
    && br.body.length < original.length / 5 && zlib.brotliDecompressSync(br.body).equals(original), [br.status, br.headers]);
  const gz = await get(jsPath, { 'accept-encoding': 'gzip' });
  check('gzip: Content-Encoding gzip, decodes to the file',
    gz.status === 200 && gz.headers['content-encoding'] === 'gzip' && zlib.gunzipSync(gz.body).equals(original), gz.headers);
  const plain = await get(jsPath, {});
  check('no Accept-Encoding: the file as is', plain.status === 200 && !plain.headers['content-encoding'] && plain.body.equals(original));
  check('Vary: Accept-Encoding on every representation', [br, gz, plain].every((r) => r.headers.vary === 'Accept-Encoding'), [br, gz, plain].map((r) => r.headers.vary));
  check('one ETag per representation', new Set([br, gz, plain].map((r) => r.headers.etag)).size === 3 && [br, gz, plain].every((r) => /^"[\w-]+"$/.test(r.headers.etag)),
    [br, gz, plain].map((r) => r.headers.etag));
  check('content-hashed name: Cache-Control public, max-age=31536000, immutable',
    [br, gz, plain].every((r) => r.headers['cache-control'] === 'public, max-age=31536000, immutable'), br.headers['cache-control']);
  check('.js: text/javascript, nosniff', /^text\/javascript/.test(br.headers['content-type']) && br.headers['x-content-type-options'] === 'nosniff');

  const again = await get(jsPath, { 'accept-encoding': 'gzip, deflate, br', 'if-none-match': br.headers.etag });
  check('If-None-Match with its ETag: 304, no body, same ETag, Cache-Control and Vary',
    again.status === 304 && again.body.length === 0 && again.headers.etag === br.headers.etag
    && again.headers['cache-control'] === br.headers['cache-control'] && again.headers.vary === 'Accept-Encoding', [again.status, again.headers]);
  const weak = await get(jsPath, { 'accept-encoding': 'br', 'if-none-match': `"nope", W/${br.headers.etag}` });
  check('If-None-Match: a list, and a weak tag (W/"..."), match too', weak.status === 304, weak.status);
  const otherTag = await get(jsPath, { 'accept-encoding': 'br', 'if-none-match': gz.headers.etag });
  check('If-None-Match with another representation\'s ETag: 200', otherTag.status === 200 && otherTag.headers['content-encoding'] === 'br');
  const head = await get(jsPath, { 'accept-encoding': 'br' }, 'HEAD');
  check('HEAD: the headers of GET, no body', head.status === 200 && head.body.length === 0
    && head.headers['content-length'] === br.headers['content-length'] && head.headers.etag === br.headers.etag);

  const html = await get('/', { 'accept-encoding': 'gzip, deflate, br' });
  const html304 = await get('/', { 'accept-encoding': 'gzip, deflate, br', 'if-none-match': html.headers.etag });
  check('HTML: Cache-Control no-cache with an ETag, 304 while unchanged',
    html.status === 200 && html.headers['cache-control'] === 'no-cache' && html.headers.etag && html304.status === 304, [html.headers, html304.status]);

  const wasm = await get('/pkg-web/padded.wasm', { 'accept-encoding': 'gzip, deflate, br' });
  check('.wasm: application/wasm, brotli, no-cache (pkg-web/ names do not change with the content)',
    wasm.status === 200 && wasm.headers['content-type'] === 'application/wasm' && wasm.headers['content-encoding'] === 'br'
    && wasm.headers['cache-control'] === 'no-cache' && WebAssembly.validate(zlib.brotliDecompressSync(wasm.body)), wasm.headers);
  const tiny = await get('/pkg-web/pixie_auth_bg.wasm', { 'accept-encoding': 'br, gzip' });
  check('a file compression would not shrink goes as is (still Vary: Accept-Encoding)',
    tiny.status === 200 && !tiny.headers['content-encoding'] && tiny.body.length === 8 && tiny.headers.vary === 'Accept-Encoding', tiny.headers);
  const png = await get('/plain/noise.png', { 'accept-encoding': 'br, gzip' });
  check('an image is not compressed and does not vary, but has an ETag',
    png.status === 200 && !png.headers['content-encoding'] && !png.headers.vary && png.headers.etag && png.headers['content-type'] === 'image/png', png.headers);

  // A rebuilt file is never served stale: its ETag changes, the old one no longer gives 304.
  const page = await get('/plain/', { 'accept-encoding': 'br' });
  const file = path.join(root, 'www/plain/index.html');
  await writeFile(file, '<!doctype html><title>plain</title><p>plain index, rebuilt</p>');
  await utimes(file, new Date(), new Date(Date.now() + 2000));
  const rebuilt = await get('/plain/', { 'accept-encoding': 'br', 'if-none-match': page.headers.etag });
  check('a changed file: 200 with the new content and a new ETag for the old ETag',
    rebuilt.status === 200 && rebuilt.headers.etag !== page.headers.etag && /rebuilt/.test(zlib.brotliDecompressSync(rebuilt.body).toString()),
    [rebuilt.status, rebuilt.headers.etag, page.headers.etag]);
  await writeFile(file, '<!doctype html><title>plain</title><p>plain index</p>');

  const cfg = await get('/config.json', { 'accept-encoding': 'br' });
  const missing = await get('/nope.js', { 'accept-encoding': 'br' });
  check('/config.json and errors stay no-store, uncompressed',
    cfg.headers['cache-control'] === 'no-store' && !cfg.headers['content-encoding'] && missing.status === 404 && missing.headers['cache-control'] === 'no-store');

  // The on-disk cache: a second server (the next test file's) reuses the compressed bytes.
  const cacheDir = await mkdtemp(path.join(tmpdir(), 'pixie-devserver-cache-'));
  cleanups.push(() => rm(cacheDir, { recursive: true, force: true }));
  const one = await start({ rootDir: root, compressionCacheDir: cacheDir });
  const first = await rawRequest(one.demoPort, jsPath, { 'accept-encoding': 'br' });
  await one.close();
  const cached = (await readdir(cacheDir)).filter((n) => n.endsWith('.br'));
  const past = new Date(Date.now() - 3_600_000);
  await Promise.all(cached.map((n) => utimes(path.join(cacheDir, n), past, past)));
  const two = await start({ rootDir: root, compressionCacheDir: cacheDir });
  const second = await rawRequest(two.demoPort, jsPath, { 'accept-encoding': 'br' });
  await two.close();
  const untouched = cached.length === 1 && Math.abs((await stat(path.join(cacheDir, cached[0]))).mtimeMs - past.getTime()) < 1000;
  check('compressed once: the next server process reuses the cached brotli bytes',
    first.body.equals(second.body) && first.headers.etag === second.headers.etag && untouched, { cached, untouched });
}

async function appRedirectSection() {
  check('PIXIE_REDIRECT_URIS: comma- or space-separated; normalised form and as written',
    JSON.stringify(appRedirectUris('http://localhost:5173, https://app.example/cb  http://127.0.0.1:3000/x?y=1,')) === JSON.stringify([
      'http://localhost:5173/', 'http://localhost:5173', 'https://app.example/cb', 'http://127.0.0.1:3000/x?y=1']),
    appRedirectUris('http://localhost:5173, https://app.example/cb  http://127.0.0.1:3000/x?y=1,'));
  check('an empty PIXIE_REDIRECT_URIS registers nothing', appRedirectUris('').length === 0 && appRedirectUris(' , ').length === 0);
  const bad = {
    'http://app.example/': /must use https/,
    'http://127.0.0.1.evil.example/': /must use https/,
    'localhost:5173': /not an absolute URI/,
    '/callback': /not an absolute URI/,
    'ftp://localhost/': /must be an https URI/,
    'https://app.example/#done': /fragment/,
    'https://user:pw@app.example/': /credentials/,
  };
  for (const [value, reason] of Object.entries(bad)) {
    let err;
    try { appRedirectUris(`http://localhost:5173/ ${value}`); } catch (e) { err = e; }
    check(`malformed ${JSON.stringify(value)}: a RedirectUriError naming PIXIE_REDIRECT_URIS and the value`,
      err instanceof RedirectUriError && err.message.startsWith('PIXIE_REDIRECT_URIS: ') && err.message.includes(JSON.stringify(value)) && reason.test(err.message), err?.message);
  }
  let envErr;
  try { envOptions({ PIXIE_REDIRECT_URIS: 'http://app.example/' }); } catch (e) { envErr = e; }
  check('envOptions() refuses a malformed PIXIE_REDIRECT_URIS', /^PIXIE_REDIRECT_URIS: "http:\/\/app.example\/" must use https/.test(envErr?.message ?? ''), envErr?.message);
  let optErr;
  try { await startDevServer({ opPort: 0, demoPort: 0, appRedirectUris: ['nope'] }); } catch (e) { optErr = e; }
  check('startDevServer({ appRedirectUris }) rejects a malformed one', optErr instanceof RedirectUriError && /^appRedirectUris: "nope"/.test(optErr.message), optErr?.message);

  const APP = 'http://localhost:5173';
  const a = await start({ appRedirectUris: `${APP} https://app.example/cb` });
  const demo = [a.demoOrigin, `http://localhost:${a.demoPort}`];
  // The frame bridge demo's embedded app (embed.mjs, issue 11) is registered after the app's URIs.
  const embedded = a.embed.embeddedOrigin;
  check('CORS origins: the demo\'s two, exactly those of the app\'s URIs, and the embedded app\'s',
    JSON.stringify(a.corsOrigins) === JSON.stringify([...demo, APP, 'https://app.example', embedded]), a.corsOrigins);
  check('redirect URIs: the demo\'s eight, then the app\'s, then the embedded app\'s; post-logout redirect URIs the same',
    JSON.stringify(a.redirectUris.slice(8)) === JSON.stringify([`${APP}/`, APP, 'https://app.example/cb', `${embedded}/`])
    && a.redirectUris.length === 12
    && JSON.stringify(a.postLogoutRedirectUris) === JSON.stringify(a.redirectUris), a.redirectUris);
  for (const origin of [APP, 'https://app.example']) {
    const r = await f(a.endpoints.discovery, { headers: { origin } });
    check(`discovery from ${origin}: ACAO ${origin}`, r.headers.get('access-control-allow-origin') === origin, r.headers.get('access-control-allow-origin'));
  }
  for (const origin of ['http://localhost:51730', 'http://localhost:5174', 'https://localhost:5173', 'http://127.0.0.1:5173',
    'https://app.example.evil.test', 'http://app.example', 'https://app.example:8443']) {
    const r = await f(a.endpoints.discovery, { headers: { origin } });
    const pre = await f(a.endpoints.token, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST' } });
    check(`no CORS for the look-alike ${origin} (no prefix or host-only match)`,
      !r.headers.get('access-control-allow-origin') && !pre.headers.get('access-control-allow-origin'));
  }

  const jar = new Jar();
  const signedIn = await signIn(a, { jar, login: 'vite-user', redirectUri: `${APP}/` });
  check('authorization with the app\'s redirect URI: back at it with code and iss',
    signedIn.callback.href.startsWith(`${APP}/?`) && signedIn.callback.searchParams.get('iss') === a.issuer, signedIn.callback.href);
  const fromApp = await refresh(a, signedIn.tokens.refresh_token);
  const t = await tokenRequest(a, { grant_type: 'refresh_token', refresh_token: fromApp.body.refresh_token }, APP);
  check('token endpoint from the app\'s origin: 200 with ACAO for it, Date exposed',
    t.res.status === 200 && t.res.headers.get('access-control-allow-origin') === APP && /Date/.test(t.res.headers.get('access-control-expose-headers') ?? ''), t.body);
  const me = await usersMe(a, t.body.access_token, APP);
  const apiPre = await f(a.endpoints.usersMe, { method: 'OPTIONS', headers: { origin: APP, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' } });
  check('demo API from the app\'s origin: preflight 204 and GET 200, both with ACAO',
    apiPre.status === 204 && apiPre.headers.get('access-control-allow-origin') === APP && me.res.status === 200 && me.res.headers.get('access-control-allow-origin') === APP);
  let refused;
  try { await authorize(a, { jar, redirectUri: 'http://localhost:5174/' }); } catch (e) { refused = e; }
  check('an unregistered redirect URI is refused on the provider\'s page, not redirected to', /unexpected 400/.test(refused?.message ?? ''), refused?.message);

  const es = new URL(a.endpoints.endSession);
  es.search = new URLSearchParams({ id_token_hint: t.body.id_token, post_logout_redirect_uri: `${APP}/`, state: 'bye' });
  const logoutPage = await jar.fetch(es);
  const html = await logoutPage.text();
  const action = unescapeHtml(/<form[^>]*action="([^"]+)"/.exec(html)?.[1] ?? '');
  const xsrf = /name="xsrf" value="([^"]+)"/.exec(html)?.[1];
  const done = await jar.fetch(new URL(action, es), {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ xsrf, logout: 'yes' }).toString(),
  });
  check('the app\'s URI works as post_logout_redirect_uri', done.headers.get('location') === `${APP}/?state=bye`, done.headers.get('location'));

  const out = await cliBanner({ PIXIE_REDIRECT_URIS: `${APP}/`, PIXIE_CLIENT_ID: 'my-app' });
  check('the CLI banner lists issuer, client id, redirect URIs (the app\'s marked), CORS origins and how to add yours',
    /issuer: +http:\/\/127\.0\.0\.1:\d+\n/.test(out) && /client id: +my-app /.test(out)
    && out.includes(`${APP}/  (PIXIE_REDIRECT_URIS)`) && new RegExp(`CORS origins:[^]*\\n +${APP}\\n`).test(out)
    && /Your own app: +PIXIE_REDIRECT_URIS=/.test(out), out);
  const badCli = await runNode('server.mjs', { PIXIE_OP_PORT: '0', PIXIE_DEMO_PORT: '0', PIXIE_REDIRECT_URIS: 'http://app.example/' });
  check('the CLI refuses a malformed PIXIE_REDIRECT_URIS at once: exit 1, the reason, no stack trace',
    badCli.code === 1 && /PIXIE_REDIRECT_URIS: "http:\/\/app.example\/" must use https/.test(badCli.stderr) && noStackTrace(badCli.stderr), badCli);
  await a.close();
}

async function busyPortSection() {
  const squatter = net.createServer();
  await new Promise((resolve) => { squatter.listen(0, '127.0.0.1', resolve); });
  cleanups.push(() => new Promise((resolve) => { squatter.close(resolve); }));
  const busy = squatter.address().port;

  for (const [option, variable] of [['opPort', 'PIXIE_OP_PORT'], ['demoPort', 'PIXIE_DEMO_PORT'], ['guestPort', 'PIXIE_GUEST_PORT']]) {
    let err;
    try {
      await startDevServer({ opPort: 0, demoPort: 0, [option]: busy, compressionCacheDir: null });
    } catch (e) { err = e; }
    check(`startDevServer({ ${option}: busy }) rejects with EADDRINUSE naming port and ${variable}`,
      err?.code === 'EADDRINUSE' && err.message.includes(`port ${busy} `) && err.message.includes(`${variable}=`), err?.message);
  }
  const problems = await portProblems({ opPort: busy, demoPort: 0 });
  check('the check before the build: one problem naming the port and PIXIE_OP_PORT',
    problems.length === 1 && problems[0].includes(`port ${busy} `) && /PIXIE_OP_PORT=\d+ npm start/.test(problems[0]), problems);
  check('... nothing for free ports, and two equal ports are refused',
    (await portProblems({ opPort: 0, demoPort: 0 })).length === 0 && /both 9200/.test((await portProblems({ opPort: 9200, demoPort: 9200 }))[0] ?? ''));

  const t0 = Date.now();
  const pre = await runNode('preflight.mjs', { PIXIE_OP_PORT: '0', PIXIE_DEMO_PORT: String(busy) });
  check('devserver/preflight.mjs (npm start, before any build): exit 1 at once naming the port and PIXIE_DEMO_PORT',
    pre.code === 1 && pre.stderr.includes(`port ${busy} `) && pre.stderr.includes('PIXIE_DEMO_PORT') && Date.now() - t0 < 5000 && noStackTrace(pre.stderr), pre);
  const guestBusy = await runNode('preflight.mjs', { PIXIE_OP_PORT: '0', PIXIE_DEMO_PORT: '0', PIXIE_GUEST_PORT: String(busy) });
  check('... and for the guest-token proxy\'s port, PIXIE_GUEST_PORT', guestBusy.code === 1 && guestBusy.stderr.includes('PIXIE_GUEST_PORT'), guestBusy);
  const ok = await runNode('preflight.mjs', { PIXIE_OP_PORT: '0', PIXIE_DEMO_PORT: '0', PIXIE_REDIRECT_URIS: 'http://localhost:5173/' });
  check('preflight passes with free ports and a good PIXIE_REDIRECT_URIS', ok.code === 0 && /ports free/.test(ok.stdout), ok);
  const badUri = await runNode('preflight.mjs', { PIXIE_OP_PORT: '0', PIXIE_DEMO_PORT: '0', PIXIE_REDIRECT_URIS: 'localhost:5173' });
  check('preflight refuses a malformed PIXIE_REDIRECT_URIS', badUri.code === 1 && /not an absolute URI/.test(badUri.stderr), badUri);
  const cli = await runNode('server.mjs', { PIXIE_OP_PORT: String(busy), PIXIE_DEMO_PORT: '0', PIXIE_LOG: '0' });
  check('the CLI on a busy port: exit 1 with the message, no stack trace',
    cli.code === 1 && cli.stderr.includes(`port ${busy} `) && cli.stderr.includes('PIXIE_OP_PORT') && noStackTrace(cli.stderr), cli);
}

async function browserFlow(s, root) {
  const { chromium } = await import('playwright-core');
  const profile = await mkdtemp(path.join(tmpdir(), 'pixie-devserver-chromium-'));
  cleanups.push(() => rm(profile, { recursive: true, force: true }));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
  cleanups.unshift(() => context.close());
  const page = context.pages()[0] ?? await context.newPage();
  page.setDefaultTimeout(8000);
  const external = [];
  // oidc-provider's pages @import Google Fonts; the dev server's CSP blocks that in the renderer
  // (Playwright still reports the request, failing with "csp"). Anything else external is a bug.
  const isExternal = (req) => !/^http:\/\/(127\.0\.0\.1|localhost):/.test(req.url());
  page.on('requestfinished', (req) => { if (isExternal(req)) external.push(req.url()); });
  page.on('requestfailed', (req) => { if (isExternal(req) && req.failure()?.errorText !== 'csp') external.push(`${req.url()} ${req.failure()?.errorText}`); });

  const { verifier, challenge } = pkcePair();
  const url = new URL(s.endpoints.authorization);
  url.search = new URLSearchParams({
    client_id: s.clientId, response_type: 'code', redirect_uri: `${s.demoOrigin}/plain/`, scope: 'openid profile',
    state: 'browser', code_challenge: challenge, code_challenge_method: 'S256',
  });
  const t0 = Date.now();
  await page.goto(url.href);
  await page.fill('input[name="login"]', 'frank');
  await page.fill('input[name="password"]', 'whatever');
  await page.click('button.login-submit');
  await page.locator('button.login-submit', { hasText: 'Continue' }).click();
  await page.waitForURL((u) => u.origin === s.demoOrigin);
  const cb = new URL(page.url());
  check('browser: login + consent via the documented selectors land on /plain/ with code and iss',
    cb.pathname === '/plain/' && cb.searchParams.get('code') && cb.searchParams.get('iss') === s.issuer, cb.href);
  check('browser: interaction pages load fast, nothing fetched from the internet', Date.now() - t0 < 5000 && external.length === 0, { ms: Date.now() - t0, external });

  const result = await page.evaluate(async ({ tokenEndpoint, usersMeUrl, clientId, code, verifier: v, redirectUri }) => {
    const r = await fetch(tokenEndpoint, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'authorization_code', client_id: clientId, code, code_verifier: v, redirect_uri: redirectUri }),
    });
    const body = await r.json();
    const me = await fetch(usersMeUrl, { headers: { Authorization: `Bearer ${body.access_token}` } });
    return { status: r.status, date: r.headers.get('date'), hasRt: Boolean(body.refresh_token), me: await me.json(), meStatus: me.status };
  }, {
    tokenEndpoint: s.endpoints.token, usersMeUrl: s.endpoints.usersMe, clientId: s.clientId, code: cb.searchParams.get('code'), verifier, redirectUri: `${s.demoOrigin}/plain/`,
  });
  check('browser: cross-origin token exchange from the demo page works and Date is readable',
    result.status === 200 && result.hasRt && !Number.isNaN(Date.parse(result.date)), result);
  check('browser: cross-origin API call with Authorization (preflight) works', result.meStatus === 200 && result.me.id === 'frank', result);

  // Injected failures as the browser sees them. The page's keep-alive connection to the
  // provider is warm from the calls above: a dropped request must still surface as a network
  // error (not be silently resent by Chromium and eat a second failure).
  const tokenFetch = () => page.evaluate(async ({ tokenEndpoint, clientId }) => {
    try {
      const r = await fetch(tokenEndpoint, { method: 'POST', body: new URLSearchParams({ grant_type: 'refresh_token', client_id: clientId, refresh_token: 'x' }) });
      return { status: r.status, retryAfter: r.headers.get('retry-after'), date: r.headers.get('date') };
    } catch (err) {
      return { error: String(err) };
    }
  }, { tokenEndpoint: s.endpoints.token, clientId: s.clientId });
  s.reset();
  s.failToken({ count: 1, status: 'drop' });
  const dropped = await tokenFetch();
  const afterDrop = await tokenFetch();
  check('browser: injected drop is a fetch TypeError, consumed exactly once',
    /TypeError/.test(dropped.error ?? '') && afterDrop.status === 400 && s.stats.token.failed_injected === 1, { dropped, afterDrop, stats: s.stats.token });
  s.failToken({ count: 1, status: 429, retryAfter: 3 });
  const limited = await tokenFetch();
  check('browser: injected 429 readable with Retry-After and Date', limited.status === 429 && limited.retryAfter === '3' && limited.date, limited);
  s.reset();

  // Cancel on the login page in a real browser (sign out of the provider first: drop its cookies).
  await context.clearCookies();
  await page.goto(url.href.replace('state=browser', 'state=cancel'));
  await page.click('a:has-text("[ Cancel ]")');
  await page.waitForURL((u) => u.origin === s.demoOrigin);
  const c = new URL(page.url());
  check('browser: "[ Cancel ]" link -> error=access_denied', c.searchParams.get('error') === 'access_denied' && c.searchParams.get('state') === 'cancel', c.href);

  // What Chromium gets from the demo server: brotli, and a .wasm instantiateStreaming accepts.
  const wasm = await page.evaluate(async () => {
    const response = await fetch('/pkg-web/padded.wasm');
    const encoding = response.headers.get('content-encoding');
    const { module } = await WebAssembly.instantiateStreaming(response);
    return { encoding, sections: WebAssembly.Module.customSections(module, 'pad').map((b) => b.byteLength) };
  });
  check('browser: the .wasm arrives brotli-compressed and WebAssembly.instantiateStreaming takes it',
    wasm.encoding === 'br' && wasm.sections[0] === 8192, wasm);
  void root;
}

const watchdog = setTimeout(() => {
  console.log(`\nFAIL: selftest did not finish within ${GLOBAL_TIMEOUT / 1000} s`);
  console.log(`${passed} passed, ${failed + 1} failed`);
  process.exit(1);
}, GLOBAL_TIMEOUT);

try {
  await main();
} catch (err) {
  failed += 1;
  console.log(`FAIL: ${err?.stack ?? err}`);
} finally {
  for (const c of cleanups) { try { await withTimeout(Promise.resolve().then(c), 5000, 'cleanup'); } catch { /* ignore */ } }
  await Promise.allSettled(servers.map((sv) => withTimeout(sv.close(), 5000, 'close')));
  clearTimeout(watchdog);
}
console.log(`\n${passed} passed, ${failed} failed (${((Date.now() - T0) / 1000).toFixed(1)} s)`);
process.exit(failed ? 1 : 0);
