// pixie-auth dev server: a real local OpenID provider (panva oidc-provider v9), a small
// Genesys-shaped protected API and the demo's static file server, in one Node process.
//
//   node devserver/server.mjs            (environment variables: see README.md / envOptions())
//   import { startDevServer } from './devserver/server.mjs'

import * as http from 'node:http';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import {
  applyInjectedFailure,
  createApiHandler,
  createFailureInjector,
  createTestControlsHandler,
  emptyStats,
  resetStats,
  sendJson,
} from './api.mjs';
import {
  closeServer, defaultGuestPort, explainListenError, HOST, listen, parsePort,
} from './ports.mjs';
import { createEmbedServices, HOST_PAGE } from './embed.mjs';
import { createGuestServices, guestEnvOptions } from './guest.mjs';
import { createProvider } from './provider.mjs';
import { APP_REDIRECT_URIS_ENV, appRedirectUris, clientRegistration } from './registration.mjs';
import { createFileCache } from './file-cache.mjs';
import { createStaticHandler, resolveMounts } from './static.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = path.resolve(HERE, '..');

/**
 * Demo-origin paths registered as redirect URIs: the webpack demo, the plain demo and the
 * Genesys Messenger hand-off page (www/plain/messenger.html).
 */
export const DEFAULT_REDIRECT_PATHS = Object.freeze(['/', '/plain/', '/plain/messenger.html', HOST_PAGE]);

/**
 * The defaults of startDevServer()'s options that clients and tests see: the ports, the token
 * lifetimes (seconds) and the public client's id. Tests import these rather than repeat them.
 */
export const DEFAULTS = Object.freeze({
  opPort: 9000,
  demoPort: 8080,
  accessTokenTtl: 600,
  idTokenTtl: 600,
  refreshTokenTtl: 86400,
  clientId: 'pixie-demo',
});

export const DEFAULT_STATIC_ROOTS = Object.freeze({
  '/': 'www/dist',
  '/plain/': 'www/plain',
  '/pkg-web/': 'pkg-web',
});

// Keeps the dev login/consent/logout/error pages of oidc-provider from fetching Google Fonts
// (they @import it): with no internet the import can stall the page's load event in a browser.
const HTML_CSP = "style-src 'self' 'unsafe-inline'; font-src 'self'";

// Query parameters whose values are secrets: the request log shows "redacted" instead.
const SECRET_PARAMS = new Set(['code', 'state', 'nonce', 'code_verifier', 'id_token_hint', 'access_token', 'refresh_token', 'token']);

/** `url` (a request target) with secret query values hidden, for the request log. */
export function redactUrl(url) {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const params = new URLSearchParams(url.slice(q + 1));
  for (const key of [...params.keys()]) if (SECRET_PARAMS.has(key)) params.set(key, 'redacted');
  return `${url.slice(0, q)}?${params}`;
}

function seconds(value, name) {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number of seconds`);
  return Math.round(n);
}

/**
 * Starts the local OpenID provider + demo API (one http server on 127.0.0.1:opPort) and the demo
 * static file server (127.0.0.1:demoPort).
 *
 * @param {object} [options]
 * @param {number} [options.opPort=9000] provider/API port; 0 picks a free port (the result has the real one).
 * @param {number} [options.demoPort=8080] demo static server port; 0 picks a free port.
 * @param {boolean} [options.genesysPaths=false] mount the authorization endpoint at /oauth/authorize
 *   and the token endpoint at /oauth/token (Genesys Cloud's paths) instead of /auth and /token.
 * @param {number} [options.accessTokenTtl=600] access token lifetime, seconds.
 * @param {number} [options.idTokenTtl=600] ID token lifetime, seconds.
 * @param {number} [options.refreshTokenTtl=86400] refresh token lifetime, seconds, counted from
 *   sign-in: a rotated refresh token keeps the remaining lifetime of the one it replaced.
 * @param {boolean} [options.testControls=false] enable the /__test/* endpoints.
 * @param {string} [options.clientId='pixie-demo'] client_id of the single public client.
 * @param {Record<string,string>} [options.staticRoots] URL prefix -> folder (relative to rootDir)
 *   served by the demo server; default { '/': 'www/dist', '/plain/': 'www/plain', '/pkg-web/': 'pkg-web' }.
 * @param {string[]} [options.extraRedirectPaths] more demo-origin paths registered as redirect URIs
 *   (besides DEFAULT_REDIRECT_PATHS), e.g. for a benchmark page mounted through staticRoots.
 * @param {string[]|string} [options.appRedirectUris] an app's own absolute redirect URIs (https, or
 *   http on a loopback host), registered besides the demo's, also as post-logout redirect URIs;
 *   their origins are allowed for CORS. The CLI reads them from PIXIE_REDIRECT_URIS. A malformed
 *   one makes startDevServer reject with a RedirectUriError.
 * @param {string} [options.rootDir] base for relative staticRoots; default the repository root.
 * @param {string|null} [options.compressionCacheDir] where brotli/gzip copies of the static files
 *   are kept across runs, by content hash; default node_modules/.cache/pixie-devserver in the
 *   repository; null keeps them in memory only.
 * @param {string} [options.genesysRegion] with genesysClientId: /config.json points the demo at a
 *   real Genesys Cloud org ({ mode: 'genesys', region, clientId }) instead of the local provider.
 * @param {string} [options.genesysClientId]
 * @param {string[]} [options.genesysScopes] the scopes the demo requests from Genesys Cloud
 *   (default in the demo: users:readonly); they must be a subset of the OAuth client's.
 * @param {false|((line: string) => void)} [options.log=false] request/event logger.
 * @param {number} [options.guestPort=9100] guest tokens (issue 12): the reference proxy's port (0 when opPort is 0), and
 *   guestTokenLifetime, guestClientTokenTtl, guestRateLimit, guestRateWindow, guestClientSecret:
 *   see guest.mjs / README.md "Guest tokens". The result's `guest` has their URLs and controls.
 * @returns {Promise<{
 *   issuer: string, demoOrigin: string, opPort: number, demoPort: number,
 *   clientId: string, redirectUris: string[], postLogoutRedirectUris: string[], corsOrigins: string[],
 *   appRedirectUris: string[], endpoints: Record<string,string>,
 *   stats: {token: {authorization_code: number, refresh_token: number, other: number, failed_injected: number},
 *           api: {ok: number, unauthorized: number}},
 *   demoConfig: () => object,
 *   failToken: (o: {count?: number, status?: number|'drop', retryAfter?: number}) => object|null,
 *   reset: () => void, revokeAccessTokens: () => Promise<number>,
 *   provider: import('oidc-provider').default, close: () => Promise<void>
 * }>}
 */
export async function startDevServer(options = {}) {
  const o = {
    opPort: parsePort(options.opPort ?? DEFAULTS.opPort, 'opPort'),
    demoPort: parsePort(options.demoPort ?? DEFAULTS.demoPort, 'demoPort'),
    genesysPaths: Boolean(options.genesysPaths),
    accessTokenTtl: seconds(options.accessTokenTtl ?? DEFAULTS.accessTokenTtl, 'accessTokenTtl'),
    idTokenTtl: seconds(options.idTokenTtl ?? DEFAULTS.idTokenTtl, 'idTokenTtl'),
    refreshTokenTtl: seconds(options.refreshTokenTtl ?? DEFAULTS.refreshTokenTtl, 'refreshTokenTtl'),
    testControls: Boolean(options.testControls),
    clientId: options.clientId || DEFAULTS.clientId,
    staticRoots: options.staticRoots ?? DEFAULT_STATIC_ROOTS,
    extraRedirectPaths: options.extraRedirectPaths ?? [],
    appRedirectUris: appRedirectUris(options.appRedirectUris, 'appRedirectUris'),
    rootDir: options.rootDir ?? REPO_ROOT,
    compressionCacheDir: options.compressionCacheDir === undefined
      ? path.join(REPO_ROOT, 'node_modules', '.cache', 'pixie-devserver')
      : options.compressionCacheDir,
    genesysRegion: options.genesysRegion || undefined,
    genesysClientId: options.genesysClientId || undefined,
    genesysScopes: options.genesysScopes?.length ? options.genesysScopes : undefined,
    log: typeof options.log === 'function' ? options.log : () => {},
  };
  const { log } = o;
  if (o.opPort !== 0 && o.opPort === o.demoPort) throw new Error(`opPort and demoPort are both ${o.opPort}: each server needs its own port`);
  const guest = createGuestServices(options, { log }); // issue 12, guest.mjs
  const embed = createEmbedServices(options, { log }); // issue 11, embed.mjs

  const stats = emptyStats();
  const injector = createFailureInjector();
  let provider;
  let store;
  let routes;
  let providerCallback;
  let allowedOrigins = new Set();
  let demoConfig = () => ({});

  const logRequests = (name, req, res) => {
    const t0 = process.hrtime.bigint();
    res.on('close', () => {
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      const status = res.headersSent ? res.statusCode : 'dropped';
      log(`[${name}] ${req.method} ${redactUrl(req.url)} -> ${status} (${ms.toFixed(0)} ms)`);
    });
  };

  const revokeAccessTokens = async () => {
    let n = 0;
    for (const key of store.keysWithPrefix('AccessToken:')) {
      const at = await provider.AccessToken.find(key.slice('AccessToken:'.length), { ignoreExpiration: true });
      if (at) { await at.destroy(); n += 1; }
    }
    return n;
  };

  const apiHandler = createApiHandler({ getProvider: () => provider, allowedOrigins: { has: (x) => allowedOrigins.has(x) }, stats });
  let opServer;
  const testControlsHandler = createTestControlsHandler({
    stats,
    injector,
    revokeAccessTokens,
    onArm: (armed) => {
      // A dropped request on a reused keep-alive connection may be retried by the browser
      // (Chromium resends after an empty response on a reused socket), which would eat two
      // failures. Force fresh connections while a drop is armed.
      if (armed?.status === 'drop') opServer.closeIdleConnections();
    },
  });

  async function opHandler(req, res) {
    logRequests('op', req, res);
    if (!providerCallback) {
      sendJson(res, 503, { error: 'starting' });
      return;
    }
    const url = new URL(req.url, 'http://127.0.0.1');

    if (await guest.handleOpRequest(req, res, url, o.testControls)) return; // issue 12, guest.mjs
    if (o.testControls && await testControlsHandler(req, res, url)) return;
    if (await apiHandler(req, res, url)) return;

    if (injector.dropArmed) res.setHeader('Connection', 'close');

    if (req.method === 'POST' && url.pathname === routes.token) {
      const failure = injector.take();
      if (failure) {
        stats.token.failed_injected += 1;
        log(`[op] injected token failure: ${failure.status}`);
        await applyInjectedFailure(req, res, failure, allowedOrigins);
        return;
      }
    }
    providerCallback(req, res);
  }

  opServer = http.createServer((req, res) => {
    opHandler(req, res).catch((err) => {
      console.error('[op] internal error', err);
      if (!res.headersSent) sendJson(res, 500, { error: 'server_error', error_description: String(err.message) });
      else res.destroy();
    });
  });

  let staticHandler = null;
  const demoServer = http.createServer((req, res) => {
    logRequests('demo', req, res);
    if (!staticHandler) { res.writeHead(503).end(); return; }
    // Issue 11 (embed.mjs): the bridge demo's host page frames exactly its two other origins.
    if (req.url.split('?')[0] === HOST_PAGE && embed.hostCsp()) res.setHeader('Content-Security-Policy', embed.hostCsp());
    staticHandler(req, res).catch((err) => {
      console.error('[demo] internal error', err);
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  });

  // Listen first: with port 0 the real ports are only known now, and the issuer and the
  // client's redirect URIs must carry them.
  // A busy port rejects with a PortInUseError that names its variable (PIXIE_OP_PORT, ...).
  const bind = async (server, option) => {
    try {
      return await listen(server, o[option]);
    } catch (err) {
      throw await explainListenError(err, option, o[option], [o.opPort, o.demoPort]);
    }
  };
  let opPort;
  let demoPort;
  try {
    opPort = await bind(opServer, 'opPort');
    demoPort = await bind(demoServer, 'demoPort');
    await embed.listen(o.opPort); // issue 11, embed.mjs
  } catch (err) {
    await Promise.all([closeServer(opServer), closeServer(demoServer), embed.close()]);
    throw err;
  }

  const issuer = `http://${HOST}:${opPort}`;
  const demoOrigin = `http://${HOST}:${demoPort}`;
  const registration = clientRegistration({
    demoOrigins: [demoOrigin, `http://localhost:${demoPort}`],
    demoPaths: [...DEFAULT_REDIRECT_PATHS, ...o.extraRedirectPaths],
    appUris: [...o.appRedirectUris, ...embed.redirectUris()],
  });
  const { redirectUris, postLogoutRedirectUris, corsOrigins } = registration;
  allowedOrigins = new Set(corsOrigins);

  try {
    ({ provider, store, routes } = createProvider({
      issuer,
      clientId: o.clientId,
      redirectUris,
      postLogoutRedirectUris,
      allowedOrigins,
      genesysPaths: o.genesysPaths,
      accessTokenTtl: o.accessTokenTtl,
      idTokenTtl: o.idTokenTtl,
      refreshTokenTtl: o.refreshTokenTtl,
      cookieSuffix: String(opPort),
      configure: guest.configureProvider, // issue 12, guest.mjs
    }));
  } catch (err) {
    await Promise.all([closeServer(opServer), closeServer(demoServer)]);
    throw err;
  }

  // Runs around oidc-provider's own router for every request that reaches the provider.
  provider.use(async (ctx, next) => {
    const origin = ctx.get('Origin');
    try {
      await next();
    } finally {
      // Count token requests by grant_type (after oidc-provider parsed the form; requests it
      // rejects, e.g. a reused refresh token, are counted too).
      if (ctx.method === 'POST' && ctx.path === routes.token) {
        const gty = ctx.oidc?.body?.grant_type;
        if (gty === 'authorization_code' || gty === 'refresh_token') stats.token[gty] += 1;
        else stats.token.other += 1;
      }
      if (origin && !allowedOrigins.has(origin)) {
        // oidc-provider answers discovery/JWKS with CORS for any origin: only the registered
        // origins (the demo's and those of PIXIE_REDIRECT_URIS) may.
        for (const name of Object.keys(ctx.response.headers)) {
          if (name.toLowerCase().startsWith('access-control-')) ctx.remove(name);
        }
      } else if (origin && ctx.response.get('Access-Control-Allow-Origin') && ctx.method !== 'OPTIONS') {
        // The client reads the Date header of token responses to measure clock drift.
        const expose = ctx.response.get('Access-Control-Expose-Headers');
        const names = expose ? expose.split(',').map((s) => s.trim()).filter(Boolean) : [];
        if (!names.some((n) => n.toLowerCase() === 'date')) names.unshift('Date');
        ctx.set('Access-Control-Expose-Headers', names.join(', '));
      }
      if (ctx.response.is('html')) ctx.set('Content-Security-Policy', HTML_CSP);
    }
  });

  provider.on('server_error', (ctx, err) => console.error('[op] server_error', err));
  for (const event of ['grant.error', 'authorization.error', 'userinfo.error', 'revocation.error', 'end_session.error']) {
    provider.on(event, (ctx, err) => log(`[op] ${event}: ${err.error ?? err.name}${err.error_description ? ` (${err.error_description})` : ''}`));
  }

  providerCallback = provider.callback();

  const endpoints = {
    discovery: `${issuer}/.well-known/openid-configuration`,
    authorization: `${issuer}${routes.authorization}`,
    token: `${issuer}${routes.token}`,
    userinfo: `${issuer}${routes.userinfo}`,
    jwks: `${issuer}${routes.jwks}`,
    revocation: `${issuer}${routes.revocation}`,
    endSession: `${issuer}${routes.end_session}`,
    usersMe: `${issuer}/api/v2/users/me`,
    tokensMe: `${issuer}/api/v2/tokens/me`,
  };

  demoConfig = () => {
    if (o.genesysRegion && o.genesysClientId) {
      return {
        mode: 'genesys',
        region: o.genesysRegion,
        clientId: o.genesysClientId,
        ...(o.genesysScopes ? { scopes: o.genesysScopes } : {}),
      };
    }
    return {
      mode: 'local',
      issuer,
      clientId: o.clientId,
      apiBase: issuer,
      authorizationEndpoint: endpoints.authorization,
      tokenEndpoint: endpoints.token,
      genesysPaths: o.genesysPaths,
      userinfoEndpoint: endpoints.userinfo,
      revocationEndpoint: endpoints.revocation,
      endSessionEndpoint: endpoints.endSession,
      jwksUri: endpoints.jwks,
      guest: guest.demoConfig(), // issue 12, guest.mjs
      embed: embed.demoConfig(), // issue 11, embed.mjs
    };
  };
  // Issue 12 (guest.mjs): the reference guest-token proxy on its own port.
  try {
    await guest.start({ provider, issuer, tokenEndpoint: endpoints.token, allowedOrigins });
  } catch (err) {
    await Promise.all([closeServer(opServer), closeServer(demoServer), guest.close()]);
    throw await explainListenError(err, 'guestPort', options.guestPort ?? defaultGuestPort(o.opPort), [opPort, demoPort]);
  }

  staticHandler = createStaticHandler({
    mounts: resolveMounts(o.staticRoots, o.rootDir),
    getConfig: () => demoConfig(),
    files: createFileCache({ diskDir: o.compressionCacheDir }),
  });
  embed.start({
    rootDir: o.rootDir,
    files: createFileCache({ diskDir: o.compressionCacheDir }),
    getConfig: () => demoConfig(),
    hostOrigin: demoOrigin,
    issuer,
  });

  let closing;
  return {
    issuer,
    demoOrigin,
    opPort,
    demoPort,
    clientId: o.clientId,
    redirectUris,
    postLogoutRedirectUris,
    corsOrigins,
    appRedirectUris: o.appRedirectUris,
    endpoints,
    stats,
    demoConfig: () => demoConfig(),
    failToken: (opts) => {
      const armed = injector.arm(opts);
      if (armed?.status === 'drop') opServer.closeIdleConnections();
      return armed;
    },
    reset: () => { injector.reset(); resetStats(stats); },
    revokeAccessTokens,
    provider,
    guest: guest.api, // issue 12, guest.mjs
    embed: embed.origins, // issue 11, embed.mjs: { embeddedOrigin, hostileOrigin }
    close() {
      closing ??= Promise.all([closeServer(opServer), closeServer(demoServer), guest.close(), embed.close()]).then(() => {});
      return closing;
    },
  };
}

/** Options from environment variables (used by the CLI). */
export function envOptions(env = process.env) {
  const flag = (v) => ['1', 'true', 'yes', 'on'].includes(String(v ?? '').toLowerCase());
  const num = (v) => (v === undefined || v === '' ? undefined : Number(v));
  return {
    opPort: num(env.PIXIE_OP_PORT),
    demoPort: num(env.PIXIE_DEMO_PORT),
    genesysPaths: flag(env.PIXIE_GENESYS_PATHS),
    accessTokenTtl: num(env.PIXIE_ACCESS_TOKEN_TTL),
    idTokenTtl: num(env.PIXIE_ID_TOKEN_TTL),
    refreshTokenTtl: num(env.PIXIE_REFRESH_TOKEN_TTL),
    testControls: flag(env.PIXIE_TEST_CONTROLS),
    clientId: env.PIXIE_CLIENT_ID || undefined,
    genesysRegion: env.PIXIE_GENESYS_REGION || undefined,
    genesysClientId: env.PIXIE_GENESYS_CLIENT_ID || undefined,
    genesysScopes: env.PIXIE_GENESYS_SCOPES?.split(/[\s,]+/).filter(Boolean),
    appRedirectUris: appRedirectUris(env[APP_REDIRECT_URIS_ENV] ?? '', APP_REDIRECT_URIS_ENV),
    ...guestEnvOptions(env), // issue 12, guest.mjs
    embedPort: num(env.PIXIE_EMBED_PORT), // issue 11, embed.mjs
    hostilePort: num(env.PIXIE_HOSTILE_PORT),
  };
}

/** What the CLI prints once both servers listen: the URLs and what the provider registers. */
export function banner(server, { testControls = false } = {}) {
  const cfg = server.demoConfig();
  const app = new Set(server.appRedirectUris);
  const pad = '                         ';
  const list = (label, items, note = () => '') => items.map((item, i) => `${i ? pad : label.padEnd(pad.length)}${item}${note(item)}`);
  return [
    '',
    'pixie-auth dev server',
    `  Demo (webpack build):  ${server.demoOrigin}/`,
    `  Demo (plain page):     ${server.demoOrigin}/plain/`,
    `  Bridge demo (host):    ${server.demoOrigin}${HOST_PAGE}  (frames ${server.embed.embeddedOrigin}/, hostile frame ${server.embed.hostileOrigin}/)`,
    `  Demo config:           ${server.demoOrigin}/config.json  (mode: ${cfg.mode}${cfg.mode === 'genesys' ? `, region ${cfg.region}` : ''})`,
    `  OpenID provider:       ${server.issuer}  (${server.endpoints.discovery})`,
    `    authorize:           ${server.endpoints.authorization}`,
    `    token:               ${server.endpoints.token}`,
    `  Demo API:              ${server.endpoints.usersMe}`,
    `  Guest token proxy:     ${server.guest.endpoints.guestToken}  (chat stand-in ${server.guest.endpoints.chatMessages})`,
    testControls ? `  Test controls:         ${server.issuer}/__test/stats` : null,
    '',
    'Registered at the provider:',
    `  issuer:                ${server.issuer}`,
    `  client id:             ${server.clientId} (public, PKCE S256, no secret)`,
    ...list('  redirect URIs:', server.redirectUris, (uri) => (app.has(uri) ? `  (${APP_REDIRECT_URIS_ENV})` : '')),
    '                         (the same list is registered as post-logout redirect URIs)',
    ...list('  CORS origins:', server.corsOrigins),
    `  Your own app:          ${APP_REDIRECT_URIS_ENV}="http://localhost:5173/" npm start  (comma- or space-separated; README.md, "Try it from your own app")`,
    '',
    `Open ${server.demoOrigin}/ in a browser and sign in with any name (any password).`,
    'Press Ctrl+C to stop.',
    '',
  ].filter((l) => l !== null).join('\n');
}

async function main() {
  const quiet = ['0', 'false', 'no', 'off'].includes(String(process.env.PIXIE_LOG ?? '').toLowerCase());
  let server;
  try {
    server = await startDevServer({ ...envOptions(), log: quiet ? false : (line) => console.log(line) });
  } catch (err) {
    console.error(`pixie-auth dev server: could not start: ${err.message}`);
    process.exit(1);
  }
  console.log(banner(server, { testControls: envOptions().testControls }));

  let stopping = false;
  const stop = async (signal) => {
    if (stopping) { process.exit(1); }
    stopping = true;
    console.log(`\n${signal}: stopping the dev server`);
    setTimeout(() => { console.error('forced exit after 5 s'); process.exit(1); }, 5000).unref();
    await server.close();
    process.exit(0);
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  await main();
}
