// The small protected API (Genesys Cloud-shaped) and the /__test/* controls, both on the
// provider's origin and handled before oidc-provider sees the request.

import { accountClaims } from './provider.mjs';

export function sendJson(res, status, body, headers = {}) {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, {
    ...(text ? { 'Content-Type': 'application/json; charset=utf-8' } : {}),
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
    ...headers,
  });
  res.end(text);
}

/** CORS response headers for an allowed Origin (none for a missing or foreign one). */
export function corsHeaders(req, allowedOrigins, extra = {}) {
  const origin = req.headers.origin;
  if (!origin || !allowedOrigins.has(origin)) return { Vary: 'Origin' };
  return { 'Access-Control-Allow-Origin': origin, Vary: 'Origin', ...extra };
}

async function readBody(req, limit = 64 * 1024) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > limit) throw new Error('body too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function bearer(req) {
  const m = /^Bearer[ ]+([^\s]+)\s*$/i.exec(req.headers.authorization ?? '');
  return m ? m[1] : undefined;
}

/**
 * Checks an access token against the provider: it must exist, not be expired (strictly, no clock
 * tolerance), its session must still exist when it is session-bound (AccessToken.find checks
 * that), and its grant must still exist. Returns the token or undefined.
 */
export async function validAccessToken(provider, value) {
  if (!value) return undefined;
  const at = await provider.AccessToken.find(value);
  if (!at || at.isExpired) return undefined;
  const grant = at.grantId
    ? await provider.Grant.find(at.grantId, { ignoreExpiration: true })
    : undefined;
  if (at.grantId && (!grant || grant.isExpired || grant.accountId !== at.accountId)) return undefined;
  return at;
}

/**
 * Creates the /api/v2/* handler. Returns true when it handled the request.
 */
export function createApiHandler({ getProvider, allowedOrigins, stats }) {
  const unauthorized = (req, res, message) => {
    stats.api.unauthorized += 1;
    sendJson(res, 401, { message, code: 'bad.credentials', status: 401 }, {
      ...corsHeaders(req, allowedOrigins),
      'WWW-Authenticate': 'Bearer',
    });
  };

  return async function apiHandler(req, res, url) {
    if (!url.pathname.startsWith('/api/')) return false;
    const provider = getProvider();
    const known = {
      '/api/v2/users/me': ['GET'],
      '/api/v2/tokens/me': ['DELETE'],
    }[url.pathname];

    if (req.method === 'OPTIONS' && req.headers['access-control-request-method']) {
      const origin = req.headers.origin;
      if (!known || !origin || !allowedOrigins.has(origin)) {
        sendJson(res, 403, { message: 'CORS origin not allowed', code: 'cors.forbidden', status: 403 }, { Vary: 'Origin' });
        return true;
      }
      res.writeHead(204, {
        'Access-Control-Allow-Origin': origin,
        'Access-Control-Allow-Methods': `${known.join(', ')}, OPTIONS`,
        'Access-Control-Allow-Headers': req.headers['access-control-request-headers'] || 'Authorization, Content-Type',
        'Access-Control-Max-Age': '600',
        Vary: 'Origin, Access-Control-Request-Headers',
        'Content-Length': '0',
      });
      res.end();
      return true;
    }

    if (!known) {
      sendJson(res, 404, { message: `no such resource: ${url.pathname}`, code: 'not.found', status: 404 }, corsHeaders(req, allowedOrigins));
      return true;
    }
    if (!known.includes(req.method)) {
      sendJson(res, 405, { message: 'method not allowed', code: 'method.not.allowed', status: 405 }, {
        ...corsHeaders(req, allowedOrigins),
        Allow: `${known.join(', ')}, OPTIONS`,
      });
      return true;
    }

    const value = bearer(req);
    if (!value) {
      unauthorized(req, res, 'No authentication bearer token specified in authorization header.');
      return true;
    }
    const at = await validAccessToken(provider, value);
    if (!at) {
      unauthorized(req, res, 'Invalid login credentials.');
      return true;
    }

    if (url.pathname === '/api/v2/users/me') {
      const claims = accountClaims(at.accountId);
      stats.api.ok += 1;
      sendJson(res, 200, {
        id: claims.sub,
        name: claims.name,
        email: claims.email,
        username: claims.preferred_username,
      }, corsHeaders(req, allowedOrigins));
      return true;
    }

    // DELETE /api/v2/tokens/me: revoke the presented access token.
    await at.destroy();
    stats.api.ok += 1;
    sendJson(res, 204, undefined, corsHeaders(req, allowedOrigins));
    return true;
  };
}

export function emptyStats() {
  return {
    token: { authorization_code: 0, refresh_token: 0, other: 0, failed_injected: 0 },
    api: { ok: 0, unauthorized: 0 },
  };
}

export function resetStats(stats) {
  const fresh = emptyStats();
  Object.assign(stats.token, fresh.token);
  Object.assign(stats.api, fresh.api);
}

/**
 * Token-endpoint failure injection state.
 * `status` is an HTTP status (e.g. 503, 500, 429) or 'drop' (close the socket, no answer).
 */
export function createFailureInjector() {
  let plan = null; // { remaining, status, retryAfter }

  return {
    arm({ count = 1, status = 503, retryAfter } = {}) {
      const n = Number(count);
      if (!Number.isInteger(n) || n < -1) throw new Error('count must be an integer >= -1');
      let s = status;
      if (s === 0 || s === '0' || s === 'drop') s = 'drop';
      else {
        s = Number(s);
        if (!Number.isInteger(s) || s < 400 || s > 599) throw new Error('status must be 400-599, 0 or "drop"');
      }
      if (retryAfter !== undefined && !(Number(retryAfter) >= 0)) throw new Error('retryAfter must be seconds >= 0');
      plan = n === 0 ? null : {
        remaining: n, status: s, retryAfter: retryAfter === undefined ? undefined : Number(retryAfter),
      };
      return this.describe();
    },
    reset() { plan = null; },
    get dropArmed() { return plan?.status === 'drop'; },
    describe() { return plan ? { ...plan } : null; },
    /** Takes one failure if armed; returns the failure to apply or null. */
    take() {
      if (!plan) return null;
      const failure = { status: plan.status, retryAfter: plan.retryAfter };
      if (plan.remaining > 0) {
        plan.remaining -= 1;
        if (plan.remaining === 0) plan = null;
      }
      return failure;
    },
  };
}

/** Answers a token request with an injected failure. */
export async function applyInjectedFailure(req, res, failure, allowedOrigins) {
  if (failure.status === 'drop') {
    // A network error for the client: no status line at all.
    req.socket.destroy();
    return;
  }
  // Read (and discard) the form body first, so the connection stays clean for keep-alive.
  try { await readBody(req); } catch { req.socket.destroy(); return; }
  const error = {
    429: ['too_many_requests', 'injected failure: rate limited'],
    500: ['server_error', 'injected failure: internal server error'],
    503: ['temporarily_unavailable', 'injected failure: service unavailable'],
  }[failure.status] ?? ['server_error', `injected failure: HTTP ${failure.status}`];
  const headers = {
    ...corsHeaders(req, allowedOrigins, {
      'Access-Control-Expose-Headers': 'Date, Retry-After, WWW-Authenticate',
    }),
    Pragma: 'no-cache',
  };
  if (failure.retryAfter !== undefined) headers['Retry-After'] = String(failure.retryAfter);
  sendJson(res, failure.status, { error: error[0], error_description: error[1] }, headers);
}

/**
 * Creates the /__test/* handler (only mounted when test controls are on). Returns true when
 * it handled the request.
 */
export function createTestControlsHandler({ stats, injector, revokeAccessTokens, onArm }) {
  return async function testControlsHandler(req, res, url) {
    if (!url.pathname.startsWith('/__test/')) return false;
    const route = `${req.method} ${url.pathname}`;
    let body = {};
    if (req.method === 'POST') {
      try {
        const text = await readBody(req);
        body = text.trim() ? JSON.parse(text) : {};
      } catch (err) {
        sendJson(res, 400, { error: `bad JSON body: ${err.message}` });
        return true;
      }
    }
    try {
      switch (route) {
        case 'GET /__test/stats':
          sendJson(res, 200, stats);
          return true;
        case 'POST /__test/fail-token': {
          const armed = injector.arm(body);
          onArm?.(armed);
          sendJson(res, 200, { ok: true, failToken: armed });
          return true;
        }
        case 'POST /__test/reset':
          injector.reset();
          resetStats(stats);
          sendJson(res, 200, { ok: true });
          return true;
        case 'POST /__test/revoke-access-tokens': {
          const revoked = await revokeAccessTokens();
          sendJson(res, 200, { ok: true, revoked });
          return true;
        }
        default:
          sendJson(res, 404, { error: `unknown test control: ${route}` });
          return true;
      }
    } catch (err) {
      sendJson(res, 400, { error: err.message });
      return true;
    }
  };
}
