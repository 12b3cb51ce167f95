// Guest tokens in the dev server (issue 12): the reference proxy on a server of its own (the
// site's backend), and on the provider's origin the stand-ins for what Genesys Cloud would run:
//
//   proxy   http://127.0.0.1:<guestPort>/api/internal/guest-token   (guest-proxy.mjs, CORS demo origins)
//   guest API  POST <issuer>/api/v2/webchat/guest                    mints guest JWTs (RS256, own key);
//                                                                    needs the guest client's access token
//   JWKS    GET  <issuer>/api/v2/webchat/guest/jwks                  the guest API's public key
//   chat    GET|POST <issuer>/api/webchat/messages                   accepts only a valid guest JWT, else 401
//   tests   <issuer>/__test/guest/*                                  only with testControls
//
// server.mjs calls: createGuestServices() before the provider exists, configureProvider() inside
// createProvider (adds the confidential client), start() once the provider runs, handleOpRequest()
// for every provider-origin request, close() at the end.

import * as crypto from 'node:crypto';
import * as http from 'node:http';

import { closeServer, HOST, listen } from './ports.mjs';

import {
  ClientCredentialsToken,
  createGuestTokenProxy,
  DEFAULT_ATTRIBUTE_SCHEMA,
  FixedWindowRateLimiter,
  GUEST_SCOPES,
  guestCorsHeaders,
  RemoteJwks,
  retryAfterDate,
  sendJson,
  verifyGuestJwt,
} from './guest-proxy.mjs';

export const GUEST_CLIENT_ID = 'pixie-guest-proxy';
export const GUEST_PROXY_PATH = '/api/internal/guest-token';
export const GUEST_API_PATH = '/api/v2/webchat/guest';
export const GUEST_JWKS_PATH = '/api/v2/webchat/guest/jwks';
export const CHAT_MESSAGES_PATH = '/api/webchat/messages';
const LOG_LINES_KEPT = 500;
const MESSAGES_KEPT_PER_GUEST = 100;
const UPSTREAM_BODIES_KEPT = 50;

function positive(value, name, { integer = true } = {}) {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) throw new Error(`${name} must be a positive ${integer ? 'integer' : 'number'}`);
  return n;
}

/** The guest options of startDevServer, checked, with their defaults. */
export function guestOptions(options = {}) {
  const secret = options.guestClientSecret;
  if (secret !== undefined && (typeof secret !== 'string' || secret.length < 32)) {
    // Never print the value.
    throw new Error('guestClientSecret (PIXIE_GUEST_CLIENT_SECRET) must be at least 32 characters');
  }
  // With opPort 0 (tests: any free port) the proxy takes any free port too.
  const port = Number(options.guestPort ?? (Number(options.opPort) === 0 ? 0 : 9100));
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error('guestPort must be a port number (0 = any free port)');
  return {
    port,
    tokenLifetime: positive(options.guestTokenLifetime ?? 1800, 'guestTokenLifetime'),
    clientTokenTtl: options.guestClientTokenTtl === undefined ? undefined : positive(options.guestClientTokenTtl, 'guestClientTokenTtl'),
    rateLimit: positive(options.guestRateLimit ?? 30, 'guestRateLimit'),
    rateWindow: positive(options.guestRateWindow ?? 60, 'guestRateWindow'),
    clientSecret: secret ?? crypto.randomBytes(32).toString('base64url'),
    secretFromEnvironment: secret !== undefined,
  };
}

/** The guest options from environment variables (used by the CLI). */
export function guestEnvOptions(env = process.env) {
  const num = (v) => (v === undefined || v === '' ? undefined : Number(v));
  return {
    guestPort: num(env.PIXIE_GUEST_PORT),
    guestTokenLifetime: num(env.PIXIE_GUEST_TOKEN_LIFETIME),
    guestClientTokenTtl: num(env.PIXIE_GUEST_CLIENT_TOKEN_TTL),
    guestRateLimit: num(env.PIXIE_GUEST_RATE_LIMIT),
    guestRateWindow: num(env.PIXIE_GUEST_RATE_WINDOW),
    guestClientSecret: env.PIXIE_GUEST_CLIENT_SECRET || undefined,
  };
}

export function emptyGuestStats() {
  return {
    proxy: {
      requests: 0, issued: 0, continued: 0, rate_limited: 0, origin_rejected: 0, bad_request: 0,
      upstream_failed: 0, invalid_guest_token: 0, preflight: 0, injected_rate_limited: 0, injected_unavailable: 0,
      token_requests: 0,
    },
    clientCredentials: { grants: 0, errors: 0 },
    guestApi: { ok: 0, unauthorized: 0, forbidden: 0 },
    chat: { ok: 0, unauthorized: 0, reasons: {} },
  };
}

function resetGuestStats(stats) {
  const fresh = emptyGuestStats();
  for (const k of Object.keys(fresh)) {
    for (const key of Object.keys(stats[k])) delete stats[k][key];
    Object.assign(stats[k], fresh[k]);
  }
}

async function readJson(req, limit = 16 * 1024) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > limit) throw new Error('body too large');
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  return text.trim() ? JSON.parse(text) : {};
}

function bearer(req) {
  const m = /^Bearer[ ]+([^\s]+)\s*$/i.exec(req.headers.authorization ?? '');
  return m ? m[1] : undefined;
}

/** The stand-in guest API's signing key (RS256, generated at start) and its public JWK Set. */
function generateGuestKey() {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = `guest-rs256-${crypto.randomBytes(6).toString('base64url')}`;
  const { n, e, kty } = publicKey.export({ format: 'jwk' });
  return { privateKey, jwks: { keys: [{ kty, n, e, kid, use: 'sig', alg: 'RS256' }] }, kid };
}

/**
 * Guest tokens for the dev server. `options` are startDevServer's (guest* keys, see
 * guestOptions); `log` is the dev server's logger.
 */
export function createGuestServices(options, { log = () => {} } = {}) {
  const g = guestOptions(options);
  const stats = emptyGuestStats();
  const key = generateGuestKey();
  const logLines = [];
  const upstreamBodies = [];
  const messages = new Map(); // guestId -> [{ id, text, at }]
  const guestLog = (line) => {
    const stamped = `${new Date().toISOString()} ${line}`;
    logLines.push(stamped);
    if (logLines.length > LOG_LINES_KEPT) logLines.splice(0, logLines.length - LOG_LINES_KEPT);
    log(`[guest] ${line}`);
  };

  let injectedRateLimit = null; // { remaining, retryAfter, form }
  let down = null; // { mode: 'refused' | 'unavailable', retryAfter? }
  let provider;
  let issuer;
  let allowedOrigins;
  let proxyServer;
  let proxyPort;
  let proxyHandler;
  let clientCredentials;
  let rateLimiter;
  let guestIssuer;
  let guestAudience;
  let endpoints = {};

  /** Adds the confidential guest client, its scopes and the client_credentials grant. */
  function configureProvider(configuration) {
    configuration.clients.push({
      client_id: GUEST_CLIENT_ID,
      client_secret: g.clientSecret,
      client_name: 'pixie-auth guest token proxy',
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      // Only the guest scopes: asking for users:readonly or openid gives invalid_scope.
      scope: GUEST_SCOPES.join(' '),
    });
    configuration.scopes = [...new Set([...(configuration.scopes ?? []), ...GUEST_SCOPES])];
    configuration.features = { ...configuration.features, clientCredentials: { enabled: true } };
    if (g.clientTokenTtl !== undefined) {
      configuration.ttl = { ...configuration.ttl, ClientCredentials: () => g.clientTokenTtl };
    }
  }

  function mint({ guestId }) {
    const now = Math.floor(Date.now() / 1000);
    const header = { alg: 'RS256', typ: 'JWT', kid: key.kid };
    const payload = {
      iss: guestIssuer,
      aud: guestAudience,
      sub: guestId,
      iat: now,
      exp: now + g.tokenLifetime,
      jti: crypto.randomUUID(),
      webchat: { guestId },
    };
    const enc = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const input = `${enc(header)}.${enc(payload)}`;
    const sig = crypto.sign('sha256', Buffer.from(input), key.privateKey).toString('base64url');
    return `${input}.${sig}`;
  }

  async function validClientToken(value) {
    if (!value) return undefined;
    const at = await provider.ClientCredentials.find(value);
    if (!at || at.isExpired || at.clientId !== GUEST_CLIENT_ID) return undefined;
    return at;
  }

  function verifyGuest(jwt) {
    return verifyGuestJwt(jwt, { keys: key.jwks.keys, issuer: guestIssuer, audience: guestAudience, now: Date.now() });
  }

  const genesysError = (res, status, message, code, headers = {}) => sendJson(res, status, { message, code, status }, headers);

  /** POST /api/v2/webchat/guest: the stand-in for Genesys' guest API. */
  async function guestApi(req, res) {
    if (req.method !== 'POST') {
      genesysError(res, 405, 'method not allowed', 'method.not.allowed', { Allow: 'POST' });
      return;
    }
    const at = await validClientToken(bearer(req));
    if (!at) {
      stats.guestApi.unauthorized += 1;
      genesysError(res, 401, 'Invalid login credentials.', 'bad.credentials', { 'WWW-Authenticate': 'Bearer error="invalid_token"' });
      req.resume();
      return;
    }
    if (!at.scopes.has('webchat:guest:write')) {
      stats.guestApi.forbidden += 1;
      genesysError(res, 403, 'Missing the webchat:guest:write scope.', 'missing.any.permissions');
      req.resume();
      return;
    }
    let body;
    try {
      body = await readJson(req);
    } catch {
      genesysError(res, 400, 'bad JSON body', 'bad.request');
      return;
    }
    const guestId = typeof body.guestId === 'string' && /^[0-9a-f-]{36}$/.test(body.guestId) ? body.guestId : crypto.randomUUID();
    // Kept for the test controls: the tests check that no card number, SSN or foreign e-mail
    // address ever reached the guest API.
    upstreamBodies.push({ at: new Date().toISOString(), body });
    if (upstreamBodies.length > UPSTREAM_BODIES_KEPT) upstreamBodies.shift();
    stats.guestApi.ok += 1;
    sendJson(res, 200, { guestId, jwt: mint({ guestId }), expiresIn: g.tokenLifetime });
  }

  /** GET|POST /api/webchat/messages: the stand-in chat API; a valid guest JWT or 401. */
  async function chatApi(req, res) {
    const cors = guestCorsHeaders(req, allowedOrigins);
    if (req.method === 'OPTIONS' && req.headers['access-control-request-method']) {
      const origin = req.headers.origin;
      if (!origin || !allowedOrigins.has(origin)) {
        sendJson(res, 403, { message: 'CORS origin not allowed', code: 'cors.forbidden', status: 403 }, { Vary: 'Origin' });
        return;
      }
      res.writeHead(204, {
        ...cors,
        'Access-Control-Allow-Methods': 'GET, POST, OPTIONS',
        'Access-Control-Allow-Headers': 'Authorization, Content-Type',
        'Access-Control-Max-Age': '600',
        Vary: 'Origin, Access-Control-Request-Headers',
        'Content-Length': '0',
      });
      res.end();
      return;
    }
    if (req.method !== 'GET' && req.method !== 'POST') {
      genesysError(res, 405, 'method not allowed', 'method.not.allowed', { ...cors, Allow: 'GET, POST, OPTIONS' });
      return;
    }
    const token = bearer(req);
    const v = token ? verifyGuest(token) : { ok: false, reason: 'missing' };
    if (!v.ok) {
      stats.chat.unauthorized += 1;
      stats.chat.reasons[v.reason] = (stats.chat.reasons[v.reason] ?? 0) + 1;
      guestLog(`chat: 401 (${v.reason})`);
      genesysError(res, 401, 'Invalid or expired guest token.', 'bad.credentials', {
        ...cors, 'WWW-Authenticate': `Bearer error="invalid_token"`,
      });
      req.resume();
      return;
    }
    const { guestId } = v.payload.webchat;
    const list = messages.get(guestId) ?? [];
    if (req.method === 'GET') {
      stats.chat.ok += 1;
      sendJson(res, 200, { guestId, entities: list }, cors);
      return;
    }
    let body;
    try {
      body = await readJson(req);
    } catch {
      genesysError(res, 400, 'bad JSON body', 'bad.request', cors);
      return;
    }
    if (typeof body.text !== 'string' || !body.text || body.text.length > 2000) {
      genesysError(res, 400, 'text must be a string of 1 to 2000 characters', 'bad.request', cors);
      return;
    }
    const message = { id: crypto.randomUUID(), text: body.text, at: new Date().toISOString() };
    list.push(message);
    if (list.length > MESSAGES_KEPT_PER_GUEST) list.shift();
    messages.set(guestId, list);
    stats.chat.ok += 1;
    sendJson(res, 201, { guestId, ...message }, cors);
  }

  function armRateLimit({ count = 1, retryAfter = 2, form = 'both' } = {}) {
    const n = Number(count);
    if (!Number.isInteger(n) || n < -1) throw new Error('count must be an integer >= -1');
    const s = Number(retryAfter);
    if (!Number.isInteger(s) || s < 0) throw new Error('retryAfter must be whole seconds >= 0');
    if (!['seconds', 'date', 'json', 'both'].includes(form)) throw new Error('form must be "seconds", "date", "json" or "both"');
    injectedRateLimit = n === 0 ? null : { remaining: n, retryAfter: s, form };
    return injectedRateLimit && { ...injectedRateLimit };
  }

  function takeInjectedRateLimit() {
    if (!injectedRateLimit) return null;
    const r = { ...injectedRateLimit };
    if (injectedRateLimit.remaining > 0) {
      injectedRateLimit.remaining -= 1;
      if (injectedRateLimit.remaining === 0) injectedRateLimit = null;
    }
    return r;
  }

  async function goDown({ mode = 'refused', retryAfter } = {}) {
    if (!['refused', 'unavailable'].includes(mode)) throw new Error('mode must be "refused" or "unavailable"');
    if (retryAfter !== undefined && !(Number.isInteger(Number(retryAfter)) && Number(retryAfter) >= 0)) throw new Error('retryAfter must be whole seconds >= 0');
    down = { mode, retryAfter: retryAfter === undefined ? undefined : Number(retryAfter) };
    guestLog(`test control: proxy down (${mode})`);
    if (mode === 'refused') await closeServer(proxyServer);
    return { ...down };
  }

  async function comeBack() {
    const was = down;
    down = null;
    if (!proxyServer.listening) await listen(proxyServer, proxyPort);
    if (was) guestLog('test control: proxy up');
    return { ok: true };
  }

  function reset() {
    injectedRateLimit = null;
    resetGuestStats(stats);
    logLines.length = 0;
    upstreamBodies.length = 0;
    messages.clear();
    rateLimiter?.reset();
    clientCredentials?.invalidate();
  }

  async function proxyRequest(req, res) {
    const t0 = process.hrtime.bigint();
    res.on('close', () => {
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      // The path only: nothing from the query or the body is ever logged.
      const p = new URL(req.url, 'http://x').pathname;
      guestLog(`proxy: ${req.method} ${p} -> ${res.headersSent ? res.statusCode : 'dropped'} (${ms.toFixed(0)} ms)`);
    });
    if (req.method === 'POST' && new URL(req.url, 'http://x').pathname === GUEST_PROXY_PATH) {
      if (down?.mode === 'unavailable') {
        stats.proxy.injected_unavailable += 1;
        req.resume();
        sendJson(res, 503, { error: 'temporarily_unavailable', message: 'injected failure: the proxy is down',
          ...(down.retryAfter !== undefined ? { retryAfter: down.retryAfter } : {}) }, {
          ...guestCorsHeaders(req, allowedOrigins),
          ...(down.retryAfter !== undefined ? { 'Retry-After': String(down.retryAfter) } : {}),
        });
        return;
      }
      const injected = takeInjectedRateLimit();
      if (injected) {
        stats.proxy.injected_rate_limited += 1;
        req.resume();
        const headers = { ...guestCorsHeaders(req, allowedOrigins) };
        if (injected.form === 'seconds' || injected.form === 'both') headers['Retry-After'] = String(injected.retryAfter);
        if (injected.form === 'date') headers['Retry-After'] = retryAfterDate(injected.retryAfter);
        const body = { error: 'rate_limited', message: 'injected failure: rate limited' };
        if (injected.form === 'json' || injected.form === 'both') body.retryAfter = injected.retryAfter;
        sendJson(res, 429, body, headers);
        return;
      }
    }
    if (await proxyHandler(req, res)) return;
    sendJson(res, 404, { error: 'not_found', message: 'no such resource' }, guestCorsHeaders(req, allowedOrigins));
  }

  /**
   * Starts the proxy server. Call once the provider runs and the token endpoint is known.
   */
  async function start({ provider: p, issuer: iss, tokenEndpoint, allowedOrigins: origins }) {
    provider = p;
    issuer = iss;
    allowedOrigins = origins;
    guestIssuer = `${issuer}${GUEST_API_PATH}`;
    guestAudience = `${issuer}${CHAT_MESSAGES_PATH}`;

    // Grants counted by the provider itself (not by the proxy): the concurrency tests compare them.
    provider.on('grant.success', (ctx) => {
      if (ctx.oidc?.client?.clientId === GUEST_CLIENT_ID && ctx.oidc?.params?.grant_type === 'client_credentials') stats.clientCredentials.grants += 1;
    });
    provider.on('grant.error', (ctx) => {
      if (ctx.oidc?.client?.clientId === GUEST_CLIENT_ID) stats.clientCredentials.errors += 1;
    });

    clientCredentials = new ClientCredentialsToken({
      tokenEndpoint,
      clientId: GUEST_CLIENT_ID,
      clientSecret: g.clientSecret,
      onRequest: () => { stats.proxy.token_requests += 1; },
    });
    rateLimiter = new FixedWindowRateLimiter({ max: g.rateLimit, windowSeconds: g.rateWindow });
    endpoints = {
      guestToken: undefined,
      guestApi: `${issuer}${GUEST_API_PATH}`,
      guestJwks: `${issuer}${GUEST_JWKS_PATH}`,
      chatMessages: `${issuer}${CHAT_MESSAGES_PATH}`,
    };
    proxyHandler = createGuestTokenProxy({
      path: GUEST_PROXY_PATH,
      allowedOrigins,
      clientCredentials,
      guestApiUrl: endpoints.guestApi,
      jwks: new RemoteJwks({ jwksUri: endpoints.guestJwks }),
      issuer: guestIssuer,
      audience: guestAudience,
      rateLimiter,
      attributeSchema: DEFAULT_ATTRIBUTE_SCHEMA,
      log: (line) => guestLog(`proxy: ${line}`),
      count: (event) => { stats.proxy[event] += 1; },
    });

    proxyServer = http.createServer((req, res) => {
      proxyRequest(req, res).catch((err) => {
        console.error('[guest] internal error', err?.name, err?.message);
        if (!res.headersSent) sendJson(res, 500, { error: 'server_error', message: 'internal error' });
        else res.destroy();
      });
    });
    proxyPort = await listen(proxyServer, g.port);
    endpoints.guestToken = `http://${HOST}:${proxyPort}${GUEST_PROXY_PATH}`;
    guestLog(`proxy listening on ${HOST}:${proxyPort}; client ${GUEST_CLIENT_ID}, secret ${g.secretFromEnvironment ? 'from the environment' : 'generated for this run'}`);
  }

  /** Test controls under /__test/guest/ (only mounted when testControls is on). */
  async function testControls(req, res, url) {
    const route = `${req.method} ${url.pathname.slice('/__test/guest'.length)}`;
    let body = {};
    if (req.method === 'POST') {
      try { body = await readJson(req); } catch (err) { sendJson(res, 400, { error: `bad JSON body: ${err.message}` }); return; }
    }
    try {
      switch (route) {
        case 'GET /stats': sendJson(res, 200, stats); return;
        case 'GET /log': sendJson(res, 200, { lines: logLines }); return;
        case 'GET /upstream': sendJson(res, 200, { bodies: upstreamBodies }); return;
        case 'POST /rate-limit': sendJson(res, 200, { ok: true, rateLimit: armRateLimit(body) }); return;
        case 'POST /down': sendJson(res, 200, { ok: true, down: await goDown(body) }); return;
        case 'POST /up': sendJson(res, 200, await comeBack()); return;
        case 'POST /forget-access-token': clientCredentials.invalidate(); sendJson(res, 200, { ok: true }); return;
        case 'POST /reset': reset(); sendJson(res, 200, { ok: true }); return;
        default: sendJson(res, 404, { error: `unknown test control: ${route}` });
      }
    } catch (err) {
      sendJson(res, 400, { error: err.message });
    }
  }

  /** Handles the provider-origin routes of guest tokens; returns true when it answered. */
  async function handleOpRequest(req, res, url, testControlsOn) {
    if (url.pathname === GUEST_API_PATH) { await guestApi(req, res); return true; }
    if (url.pathname === GUEST_JWKS_PATH) {
      sendJson(res, 200, key.jwks, { ...guestCorsHeaders(req, allowedOrigins), 'Cache-Control': 'max-age=60' });
      return true;
    }
    if (url.pathname === CHAT_MESSAGES_PATH) { await chatApi(req, res); return true; }
    if (testControlsOn && url.pathname.startsWith('/__test/guest/')) { await testControls(req, res, url); return true; }
    return false;
  }

  return {
    configureProvider,
    start,
    handleOpRequest,
    /** What the demo page needs (in /config.json, local mode). No secret. */
    demoConfig: () => ({
      endpoint: endpoints.guestToken,
      jwksUri: endpoints.guestJwks,
      issuer: guestIssuer,
      audience: guestAudience,
      chatMessages: endpoints.chatMessages,
    }),
    /** `dev.guest`: URLs, counters and the test controls for JS tests. */
    api: {
      clientId: GUEST_CLIENT_ID,
      scopes: [...GUEST_SCOPES],
      tokenLifetime: g.tokenLifetime,
      get port() { return proxyPort; },
      get origin() { return `http://${HOST}:${proxyPort}`; },
      get endpoints() { return { ...endpoints }; },
      get issuer() { return guestIssuer; },
      get audience() { return guestAudience; },
      stats,
      logLines: () => [...logLines],
      upstreamBodies: () => upstreamBodies.map((b) => structuredClone(b)),
      rateLimitNext: (o) => armRateLimit(o),
      down: (o) => goDown(o),
      up: () => comeBack(),
      forgetAccessToken: () => clientCredentials.invalidate(),
      reset,
    },
    close: () => (proxyServer ? closeServer(proxyServer) : Promise.resolve()),
  };
}
