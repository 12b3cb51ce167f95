// The reference backend proxy for guest tokens (issue 12): `POST /api/internal/guest-token`.
//
// A site copies this file. It needs Node 20 and nothing but `node:` modules, and it never sees a
// browser secret: the only secret is the OAuth client secret of a dedicated confidential client,
// which the site's backend reads from its environment. The rules it follows:
//
// 1. client_credentials with a dedicated client holding only the guest scopes; its access token is
//    cached until 5 minutes before it expires (halfway for lifetimes under 10 minutes), and however
//    many visitors arrive at once, at most ONE token request is in flight (`ClientCredentialsToken`).
// 2. The guest JWT comes from the guest API, called with that access token; the proxy verifies
//    the JWT (RS256 signature against the JWK Set, iss, aud, exp, sub = webchat.guestId) before it
//    hands it to the browser (`verifyGuestJwt`).
// 3. `customAttributes` are scrubbed against a small schema of allowed attributes: card numbers
//    (Luhn), US social security numbers and e-mail addresses (except where the schema allows one)
//    are replaced, unknown attributes are dropped (`scrubGuestRequest`). The log holds attribute
//    KEYS only, never a value, a token or the secret.
// 4. CORS for the configured origins exactly (never `*`), OPTIONS answered, a foreign Origin refused
//    before anything is minted; a per-address rate limit answering 429 with `Retry-After`.
//
// The HTTP contract (what a browser sends and gets) is in devserver/README.md, "Guest tokens".

import * as crypto from 'node:crypto';

/** The scopes of the dedicated guest client: nothing else. */
export const GUEST_SCOPES = Object.freeze(['webchat:guest:read', 'webchat:guest:write']);

/** The cached client_credentials access token is renewed this long before it expires. */
export const ACCESS_TOKEN_REFRESH_LEAD_SECONDS = 300;

/** Largest request body the proxy reads. */
export const MAX_BODY_BYTES = 16 * 1024;

/** Longest display name forwarded to the guest API. */
export const MAX_NAME_LENGTH = 64;

/**
 * The attributes a visitor may send in `customAttributes`, and what each may hold. Anything not
 * listed here is dropped. `email: true` marks the only keys that may carry an e-mail address;
 * card numbers and social security numbers are removed from every value. Values are strings
 * (numbers and booleans are turned into strings), cut to `maxLength` after scrubbing.
 */
export const DEFAULT_ATTRIBUTE_SCHEMA = Object.freeze({
  sourcePage: Object.freeze({ maxLength: 2048 }),
  referrer: Object.freeze({ maxLength: 2048 }),
  language: Object.freeze({ maxLength: 35 }),
  topic: Object.freeze({ maxLength: 200 }),
  orderNumber: Object.freeze({ maxLength: 64 }),
  sessionTimestamp: Object.freeze({ maxLength: 64 }),
  customerEmail: Object.freeze({ maxLength: 254, email: true }),
});

const REDACTED = Object.freeze({ card: '[redacted:card]', ssn: '[redacted:ssn]', email: '[redacted:email]' });

// ---------------------------------------------------------------------------------------------
// Scrubbing

/** The Luhn (mod 10) check of a string of 13 to 19 digits, the length of payment card numbers. */
export function luhnValid(digits) {
  if (!/^\d{13,19}$/.test(digits)) return false;
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i -= 1) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

// Runs of digit groups joined by single spaces or dashes ("4111 1111-1111 1111", "12-4111...").
const DIGIT_RUN = /(?<!\d)\d+(?:[ -]\d+)*(?!\d)/g;

/**
 * Replaces payment card numbers: every span of whole digit groups (separated by one space or
 * dash) holding 13 to 19 digits that passes the Luhn check. A run of more than 19 digits with no
 * separator is not a card number and is kept.
 */
function redactCards(text) {
  let found = false;
  const out = text.replace(DIGIT_RUN, (run) => {
    const groups = [];
    const re = /\d+/g;
    let m;
    while ((m = re.exec(run))) groups.push({ start: m.index, end: m.index + m[0].length, digits: m[0] });
    const spans = [];
    for (let i = 0; i < groups.length; i += 1) {
      let digits = '';
      let best = -1;
      for (let j = i; j < groups.length; j += 1) {
        digits += groups[j].digits;
        if (digits.length > 19) break;
        if (digits.length >= 13 && luhnValid(digits)) best = j;
      }
      if (best >= 0) {
        spans.push([groups[i].start, groups[best].end]);
        i = best;
      }
    }
    if (!spans.length) return run;
    found = true;
    let rebuilt = '';
    let at = 0;
    for (const [s, e] of spans) {
      rebuilt += run.slice(at, s) + REDACTED.card;
      at = e;
    }
    return rebuilt + run.slice(at);
  });
  return { text: out, found };
}

// US social security numbers written as AAA-GG-SSSS or AAA GG SSSS; never area 000, 666 or
// 900-999, group 00 or serial 0000 (those are never issued). Nine bare digits are not matched:
// too many other numbers look like that.
const SSN = /(?<!\d)(\d{3})([- ])(\d{2})\2(\d{4})(?!\d)/g;

function redactSsns(text) {
  let found = false;
  const out = text.replace(SSN, (all, area, _sep, group, serial) => {
    if (area === '000' || area === '666' || area[0] === '9' || group === '00' || serial === '0000') return all;
    found = true;
    return REDACTED.ssn;
  });
  return { text: out, found };
}

// An e-mail address, also percent-encoded inside a URL (alice%40example.com).
const EMAIL = /[A-Za-z0-9._%+-]+(?:@|%40)[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/gi;

function redactEmails(text) {
  let found = false;
  const out = text.replace(EMAIL, () => { found = true; return REDACTED.email; });
  return { text: out, found };
}

/**
 * Scrubs one value. Returns the new text and the kinds of data removed (`card`, `ssn`, `email`).
 * @param {string} text
 * @param {{ email?: boolean }} [rule] `email: true` keeps e-mail addresses.
 */
export function scrubValue(text, rule = {}) {
  const kinds = [];
  let r = redactSsns(text);
  if (r.found) kinds.push('ssn');
  r = redactCards(r.text);
  if (r.found) kinds.push('card');
  if (!rule.email) {
    const e = redactEmails(r.text);
    if (e.found) kinds.push('email');
    r = e;
  }
  return { text: r.text, kinds };
}

// A key name safe to print in a log: an identifier with no run of 4 digits (no fragment of a card
// or SSN) and no '@'. Other unknown keys are only counted.
const LOGGABLE_KEY = /^[A-Za-z_][A-Za-z0-9_]{0,39}$/;
const loggableKey = (key) => LOGGABLE_KEY.test(key) && !/\d{4}/.test(key);

/**
 * Scrubs `customAttributes` against `schema`. Returns the attributes to forward and a report
 * that holds keys only (safe to log).
 *
 * @returns {{ attributes: Record<string,string>,
 *   report: { kept: string[], redacted: Array<{key: string, kinds: string[]}>,
 *             dropped: Array<{key: string, reason: string}>, droppedUnprintable: number } }}
 */
export function scrubAttributes(input, schema = DEFAULT_ATTRIBUTE_SCHEMA) {
  const attributes = {};
  const report = { kept: [], redacted: [], dropped: [], droppedUnprintable: 0 };
  if (input === undefined || input === null) return { attributes, report };
  if (typeof input !== 'object' || Array.isArray(input)) {
    report.dropped.push({ key: '(customAttributes)', reason: 'not_an_object' });
    return { attributes, report };
  }
  for (const key of Object.keys(input)) {
    const rule = Object.hasOwn(schema, key) ? schema[key] : undefined;
    const drop = (reason) => {
      if (rule || loggableKey(key)) report.dropped.push({ key, reason });
      else report.droppedUnprintable += 1;
    };
    if (!rule) { drop('unknown'); continue; }
    const raw = input[key];
    let text;
    if (typeof raw === 'string') text = raw;
    else if (typeof raw === 'number' && Number.isFinite(raw)) text = String(raw);
    else if (typeof raw === 'boolean') text = String(raw);
    else { drop('type'); continue; }
    const { text: clean, kinds } = scrubValue(text, rule);
    attributes[key] = rule.maxLength ? clean.slice(0, rule.maxLength) : clean;
    report.kept.push(key);
    if (kinds.length) report.redacted.push({ key, kinds });
  }
  return { attributes, report };
}

/**
 * The visitor's request body, scrubbed: `name` (display name), `pageUrl` (becomes the
 * `sourcePage` attribute unless the visitor sent one) and `customAttributes`. Other fields are
 * ignored and reported by key.
 */
export function scrubGuestRequest(body, schema = DEFAULT_ATTRIBUTE_SCHEMA) {
  const ignored = Object.keys(body).filter((k) => !['name', 'pageUrl', 'customAttributes'].includes(k));
  const custom = body.customAttributes;
  const isObject = custom !== null && typeof custom === 'object' && !Array.isArray(custom);
  // pageUrl becomes the sourcePage attribute, unless customAttributes has one or is not an object.
  const withPage = typeof body.pageUrl === 'string' && Object.hasOwn(schema, 'sourcePage')
    && (custom === undefined || custom === null || (isObject && !Object.hasOwn(custom, 'sourcePage')))
    ? { ...(isObject ? custom : {}), sourcePage: body.pageUrl }
    : custom;
  const { attributes, report } = scrubAttributes(withPage, schema);
  let name = 'Anonymous Guest';
  const nameKinds = [];
  if (typeof body.name === 'string' && body.name.trim()) {
    const s = scrubValue(body.name.trim());
    name = s.text.slice(0, MAX_NAME_LENGTH);
    nameKinds.push(...s.kinds);
  }
  return {
    name,
    customAttributes: attributes,
    report: {
      ...report,
      nameRedacted: nameKinds,
      ignoredBodyKeys: ignored.filter(loggableKey),
      ignoredUnprintable: ignored.filter((k) => !loggableKey(k)).length,
    },
  };
}

/** One log line for a scrub report: keys and kinds only. */
export function describeReport(report) {
  const parts = [`kept=[${report.kept.join(',')}]`];
  if (report.redacted.length) parts.push(`redacted=[${report.redacted.map((r) => `${r.key}:${r.kinds.join('+')}`).join(',')}]`);
  if (report.dropped.length) parts.push(`dropped=[${report.dropped.map((d) => `${d.key}:${d.reason}`).join(',')}]`);
  if (report.droppedUnprintable) parts.push(`dropped_unprintable=${report.droppedUnprintable}`);
  if (report.nameRedacted?.length) parts.push(`name_redacted=${report.nameRedacted.join('+')}`);
  if (report.ignoredBodyKeys?.length) parts.push(`ignored_body_keys=[${report.ignoredBodyKeys.join(',')}]`);
  if (report.ignoredUnprintable) parts.push(`ignored_unprintable=${report.ignoredUnprintable}`);
  return parts.join(' ');
}

// ---------------------------------------------------------------------------------------------
// JWT verification (RS256 only)

const b64json = (part) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));

/**
 * Verifies a guest JWT: compact JWS, `alg` RS256 (nothing else is accepted), a `kid` found in
 * `keys` (RSA, use sig), a valid signature, `iss` equal to `issuer`, `aud` equal to (or an array
 * holding) `audience`, integer `exp` later than now (no tolerance unless given), `iat` not in
 * the future beyond the tolerance, `nbf` passed, `sub` a non-empty string equal to
 * `webchat.guestId`, and when `maxLifetimeSeconds` is given, `exp - iat` within it.
 *
 * @returns {{ ok: true, header: object, payload: object } | { ok: false, reason: string }}
 */
export function verifyGuestJwt(jwt, {
  keys, issuer, audience, now = Date.now(), clockToleranceSeconds = 0, maxLifetimeSeconds,
}) {
  const fail = (reason) => ({ ok: false, reason });
  if (typeof jwt !== 'string') return fail('malformed');
  const parts = jwt.split('.');
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]*$/.test(p)) || !parts[0] || !parts[1] || !parts[2]) return fail('malformed');
  let header;
  let payload;
  try {
    header = b64json(parts[0]);
    payload = b64json(parts[1]);
  } catch {
    return fail('malformed');
  }
  if (!header || typeof header !== 'object' || !payload || typeof payload !== 'object' || Array.isArray(payload)) return fail('malformed');
  if (header.alg !== 'RS256') return fail('alg');
  if (header.crit !== undefined) return fail('crit');
  const jwk = (keys ?? []).find((k) => k.kid === header.kid && k.kty === 'RSA' && (k.use === undefined || k.use === 'sig')
    && (k.alg === undefined || k.alg === 'RS256'));
  if (!jwk) return fail('kid');
  let valid = false;
  try {
    const key = crypto.createPublicKey({ key: { kty: jwk.kty, n: jwk.n, e: jwk.e }, format: 'jwk' });
    valid = crypto.verify('sha256', Buffer.from(`${parts[0]}.${parts[1]}`), key, Buffer.from(parts[2], 'base64url'));
  } catch {
    valid = false;
  }
  if (!valid) return fail('signature');
  const t = Math.floor(now / 1000);
  if (payload.iss !== issuer) return fail('iss');
  const aud = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
  if (!aud.includes(audience)) return fail('aud');
  if (!Number.isInteger(payload.exp)) return fail('exp');
  if (payload.exp + clockToleranceSeconds <= t) return fail('expired');
  if (!Number.isInteger(payload.iat) || payload.iat > t + clockToleranceSeconds) return fail('iat');
  if (payload.nbf !== undefined && !(Number.isInteger(payload.nbf) && payload.nbf <= t + clockToleranceSeconds)) return fail('nbf');
  if (maxLifetimeSeconds !== undefined && payload.exp - payload.iat > maxLifetimeSeconds) return fail('lifetime');
  if (typeof payload.sub !== 'string' || !payload.sub) return fail('sub');
  if (!payload.webchat || typeof payload.webchat !== 'object' || payload.webchat.guestId !== payload.sub) return fail('webchat');
  return { ok: true, header, payload };
}

// ---------------------------------------------------------------------------------------------
// Upstream calls

/** An upstream failure, safe to log: a stage, a status and an OAuth error code, never a body. */
export class UpstreamError extends Error {
  constructor(stage, { status, code, retryAfter } = {}) {
    super(`${stage} failed${status ? ` with HTTP ${status}` : ''}${code ? ` (${code})` : ''}`);
    this.name = 'UpstreamError';
    this.stage = stage;
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter;
  }
}

const OAUTH_ERROR_CODE = /^[\x20-\x21\x23-\x5B\x5D-\x7E]{1,64}$/;

/**
 * The proxy's client_credentials access token (RFC 6749 §4.4), client authentication by HTTP
 * Basic (§2.3.1, id and secret form-encoded first), as Genesys Cloud's token endpoint expects.
 * `get()` returns the cached token until `ACCESS_TOKEN_REFRESH_LEAD_SECONDS` before its expiry
 * (halfway through a lifetime shorter than twice that); concurrent callers share one request.
 */
export class ClientCredentialsToken {
  #value;

  #refreshAt = 0;

  #inflight;

  #secret;

  /**
   * @param {{ tokenEndpoint: string, clientId: string, clientSecret: string, scope?: string,
   *   fetch?: typeof fetch, now?: () => number, onRequest?: () => void, timeoutMs?: number }} o
   */
  constructor({ tokenEndpoint, clientId, clientSecret, scope = GUEST_SCOPES.join(' '), fetch: f = globalThis.fetch, now = Date.now, onRequest, timeoutMs = 10_000 }) {
    this.tokenEndpoint = tokenEndpoint;
    this.clientId = clientId;
    this.scope = scope;
    this.#secret = clientSecret;
    this.fetch = f;
    this.now = now;
    this.onRequest = onRequest;
    this.timeoutMs = timeoutMs;
  }

  /** Never print the secret (util.inspect / console.log of this object). */
  [Symbol.for('nodejs.util.inspect.custom')]() {
    return `ClientCredentialsToken { clientId: ${JSON.stringify(this.clientId)}, cached: ${Boolean(this.#value)} }`;
  }

  toJSON() {
    return { clientId: this.clientId, tokenEndpoint: this.tokenEndpoint, cached: Boolean(this.#value) };
  }

  /** True while a cached token is fresh enough to use. */
  get cached() {
    return Boolean(this.#value) && this.now() < this.#refreshAt;
  }

  /** Drops the cached token (after the guest API refused it). */
  invalidate() {
    this.#value = undefined;
    this.#refreshAt = 0;
  }

  /** The access token, from the cache or from one token request shared by all waiting callers. */
  async get() {
    if (this.cached) return this.#value;
    this.#inflight ??= this.#request().finally(() => { this.#inflight = undefined; });
    return this.#inflight;
  }

  async #request() {
    this.onRequest?.();
    const basic = Buffer.from(`${encodeURIComponent(this.clientId)}:${encodeURIComponent(this.#secret)}`).toString('base64');
    let res;
    try {
      res = await this.fetch(this.tokenEndpoint, {
        method: 'POST',
        headers: {
          authorization: `Basic ${basic}`,
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
        },
        // No scope parameter when `scope` is empty (e.g. a server that grants by the client's roles).
        body: new URLSearchParams({ grant_type: 'client_credentials', ...(this.scope ? { scope: this.scope } : {}) }).toString(),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      throw new UpstreamError('client_credentials', { code: err?.name === 'TimeoutError' ? 'timeout' : 'network' });
    }
    let body;
    try { body = await res.json(); } catch { body = undefined; }
    if (!res.ok || typeof body?.access_token !== 'string') {
      const code = typeof body?.error === 'string' && OAUTH_ERROR_CODE.test(body.error) ? body.error : undefined;
      throw new UpstreamError('client_credentials', { status: res.status, code, retryAfter: res.headers.get('retry-after') ?? undefined });
    }
    const lifetime = Number.isFinite(body.expires_in) && body.expires_in > 0 ? body.expires_in : 60;
    const lead = Math.min(ACCESS_TOKEN_REFRESH_LEAD_SECONDS, lifetime / 2);
    this.#value = body.access_token;
    this.#refreshAt = this.now() + (lifetime - lead) * 1000;
    return this.#value;
  }
}

/** A JWK Set fetched from `jwksUri`, cached; fetched again (at most every 30 s) for an unknown kid. */
export class RemoteJwks {
  #keys;

  #fetchedAt = 0;

  constructor({ jwksUri, fetch: f = globalThis.fetch, now = Date.now }) {
    this.jwksUri = jwksUri;
    this.fetch = f;
    this.now = now;
  }

  async keys({ kid } = {}) {
    const stale = !this.#keys || (kid !== undefined && !this.#keys.some((k) => k.kid === kid) && this.now() - this.#fetchedAt > 30_000);
    if (stale) {
      let res;
      try {
        res = await this.fetch(this.jwksUri, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(10_000) });
      } catch {
        throw new UpstreamError('jwks', { code: 'network' });
      }
      const body = await res.json().catch(() => undefined);
      if (!res.ok || !Array.isArray(body?.keys)) throw new UpstreamError('jwks', { status: res.status });
      this.#keys = body.keys;
      this.#fetchedAt = this.now();
    }
    return this.#keys;
  }
}

// ---------------------------------------------------------------------------------------------
// Rate limit

/** A fixed-window counter per key (the client address): `max` requests per `windowSeconds`. */
export class FixedWindowRateLimiter {
  #windows = new Map();

  #takes = 0;

  constructor({ max, windowSeconds, now = Date.now }) {
    this.max = max;
    this.windowMs = windowSeconds * 1000;
    this.now = now;
  }

  /** Counts one request; `{ ok: false, retryAfter }` (whole seconds, >= 1) once over the limit. */
  take(key) {
    const t = this.now();
    this.#takes += 1;
    if (this.#takes % 256 === 0) this.sweep(t);
    let w = this.#windows.get(key);
    if (!w || t >= w.start + this.windowMs) {
      w = { start: t, count: 0 };
      this.#windows.set(key, w);
    }
    w.count += 1;
    if (w.count <= this.max) return { ok: true };
    return { ok: false, retryAfter: Math.max(1, Math.ceil((w.start + this.windowMs - t) / 1000)) };
  }

  sweep(t = this.now()) {
    for (const [key, w] of this.#windows) if (t >= w.start + this.windowMs) this.#windows.delete(key);
  }

  reset() {
    this.#windows.clear();
  }
}

// ---------------------------------------------------------------------------------------------
// HTTP

/** Writes a JSON response that no cache keeps. */
export function sendJson(res, status, body, headers = {}) {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, {
    ...(text ? { 'Content-Type': 'application/json; charset=utf-8' } : {}),
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
    Pragma: 'no-cache',
    ...headers,
  });
  res.end(text);
}

/**
 * CORS headers for a response: `Access-Control-Allow-Origin` is the request's Origin when it is
 * one of `allowedOrigins` (compared exactly), and absent otherwise; never `*`. The browser may read
 * `Date` (clock offset) and `Retry-After`.
 */
export function guestCorsHeaders(req, allowedOrigins) {
  const origin = req.headers.origin;
  if (!origin || !allowedOrigins.has(origin)) return { Vary: 'Origin' };
  return {
    'Access-Control-Allow-Origin': origin,
    'Access-Control-Expose-Headers': 'Date, Retry-After',
    Vary: 'Origin',
  };
}

/** `Retry-After` as an HTTP-date (IMF-fixdate, RFC 9110 §10.2.3), `seconds` from now, rounded up. */
export function retryAfterDate(seconds, now = Date.now()) {
  return new Date(Math.ceil((now + seconds * 1000) / 1000) * 1000).toUTCString();
}

async function readBody(req, limit) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > limit) return { tooLarge: true };
    chunks.push(chunk);
  }
  return { text: Buffer.concat(chunks).toString('utf8') };
}

function bearer(req) {
  const m = /^Bearer[ ]+([A-Za-z0-9._~+/-]+=*)\s*$/i.exec(req.headers.authorization ?? '');
  return m ? m[1] : undefined;
}

/**
 * Creates the proxy. `handle(req, res)` answers `POST` and `OPTIONS` on `path` and returns true;
 * for any other path it returns false.
 *
 * @param {object} o
 * @param {string} [o.path='/api/internal/guest-token']
 * @param {{ has(origin: string): boolean }} o.allowedOrigins exact origins allowed by CORS.
 * @param {ClientCredentialsToken} o.clientCredentials
 * @param {string} o.guestApiUrl POSTed `{ name, customAttributes, guestId? }` with the access
 *   token; answers `{ jwt }` (or `{ access_token }`).
 * @param {RemoteJwks} o.jwks the guest API's JWK Set.
 * @param {string} o.issuer expected `iss` of guest JWTs.
 * @param {string} o.audience expected `aud` of guest JWTs.
 * @param {number} [o.maxLifetimeSeconds=86400] refuse guest JWTs living longer.
 * @param {FixedWindowRateLimiter} o.rateLimiter
 * @param {object} [o.attributeSchema=DEFAULT_ATTRIBUTE_SCHEMA]
 * @param {(line: string) => void} [o.log]
 * @param {(event: string) => void} [o.count] called with 'requests', 'issued', 'rate_limited',
 *   'origin_rejected', 'bad_request', 'upstream_failed', 'invalid_guest_token', 'preflight', 'continued'.
 */
export function createGuestTokenProxy({
  path = '/api/internal/guest-token',
  allowedOrigins,
  clientCredentials,
  guestApiUrl,
  jwks,
  issuer,
  audience,
  maxLifetimeSeconds = 86400,
  rateLimiter,
  attributeSchema = DEFAULT_ATTRIBUTE_SCHEMA,
  log = () => {},
  count = () => {},
  fetch: f = globalThis.fetch,
  now = Date.now,
}) {
  const cors = (req) => guestCorsHeaders(req, allowedOrigins);
  const fail = (req, res, status, error, message, extra = {}, headers = {}) => {
    sendJson(res, status, { error, message, ...extra }, { ...cors(req), ...headers });
  };

  async function callGuestApi(payload) {
    for (let attempt = 1; ; attempt += 1) {
      const token = await clientCredentials.get();
      let res;
      try {
        res = await f(guestApiUrl, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json' },
          body: JSON.stringify(payload),
          signal: AbortSignal.timeout(10_000),
        });
      } catch (err) {
        throw new UpstreamError('guest_api', { code: err?.name === 'TimeoutError' ? 'timeout' : 'network' });
      }
      // A revoked or expired access token: forget it and try once more with a fresh one.
      if (res.status === 401 && attempt === 1) {
        await res.arrayBuffer().catch(() => {});
        clientCredentials.invalidate();
        continue;
      }
      const body = await res.json().catch(() => undefined);
      if (!res.ok) throw new UpstreamError('guest_api', { status: res.status, retryAfter: res.headers.get('retry-after') ?? undefined });
      const jwt = body?.jwt ?? body?.access_token;
      if (typeof jwt !== 'string') throw new UpstreamError('guest_api', { status: res.status, code: 'no_jwt' });
      return jwt;
    }
  }

  async function verify(jwt) {
    const kid = (() => { try { return b64json(jwt.split('.')[0]).kid; } catch { return undefined; } })();
    const keys = await jwks.keys({ kid });
    return verifyGuestJwt(jwt, { keys, issuer, audience, now: now(), clockToleranceSeconds: 0, maxLifetimeSeconds });
  }

  return async function handle(req, res) {
    const url = new URL(req.url, 'http://proxy.invalid');
    if (url.pathname !== path) return false;
    const origin = req.headers.origin;
    const originAllowed = !origin || allowedOrigins.has(origin);

    if (req.method === 'OPTIONS') {
      count('preflight');
      if (!originAllowed) {
        count('origin_rejected');
        sendJson(res, 403, { error: 'origin_not_allowed', message: 'this origin may not request guest tokens' }, { Vary: 'Origin' });
        return true;
      }
      res.writeHead(204, {
        ...cors(req),
        Allow: 'POST, OPTIONS',
        'Access-Control-Allow-Methods': 'POST, OPTIONS',
        'Access-Control-Allow-Headers': 'Content-Type, Authorization',
        'Access-Control-Max-Age': '600',
        Vary: 'Origin, Access-Control-Request-Headers',
        'Content-Length': '0',
      });
      res.end();
      return true;
    }
    if (req.method !== 'POST') {
      fail(req, res, 405, 'method_not_allowed', 'use POST', {}, { Allow: 'POST, OPTIONS' });
      return true;
    }
    count('requests');
    // A foreign page must not make visitors' browsers mint tokens it cannot read: refuse before
    // any work (and without CORS headers). Requests without Origin are not from a browser page.
    if (!originAllowed) {
      count('origin_rejected');
      log('refused: origin not allowed');
      sendJson(res, 403, { error: 'origin_not_allowed', message: 'this origin may not request guest tokens' }, { Vary: 'Origin' });
      req.resume();
      return true;
    }
    const limit = rateLimiter.take(req.socket.remoteAddress ?? 'unknown');
    if (!limit.ok) {
      count('rate_limited');
      log(`rate limited: retry after ${limit.retryAfter} s`);
      fail(req, res, 429, 'rate_limited', 'too many guest token requests from this address', { retryAfter: limit.retryAfter },
        { 'Retry-After': String(limit.retryAfter) });
      req.resume();
      return true;
    }
    const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (type !== 'application/json') {
      count('bad_request');
      fail(req, res, 415, 'unsupported_media_type', 'send Content-Type: application/json');
      req.resume();
      return true;
    }
    const { text, tooLarge } = await readBody(req, MAX_BODY_BYTES);
    if (tooLarge) {
      count('bad_request');
      fail(req, res, 413, 'invalid_request', `the body is larger than ${MAX_BODY_BYTES} bytes`, {}, { Connection: 'close' });
      return true;
    }
    let body;
    try {
      body = text.trim() ? JSON.parse(text) : {};
    } catch {
      body = undefined;
    }
    if (!body || typeof body !== 'object' || Array.isArray(body)) {
      count('bad_request');
      fail(req, res, 400, 'invalid_request', 'the body must be a JSON object');
      return true;
    }

    const scrubbed = scrubGuestRequest(body, attributeSchema);
    const payload = { name: scrubbed.name, customAttributes: scrubbed.customAttributes };

    // The visitor's current, still valid guest JWT keeps its guest identity across refreshes.
    const previous = bearer(req);
    let continued = false;
    if (previous) {
      try {
        const v = await verify(previous);
        if (v.ok) {
          payload.guestId = v.payload.webchat.guestId;
          continued = true;
        }
      } catch { /* a JWKS failure only means a new guest */ }
    }

    let jwt;
    try {
      jwt = await callGuestApi(payload);
    } catch (err) {
      count('upstream_failed');
      log(`upstream failed: ${err.message}`);
      if (err instanceof UpstreamError && err.status === 429) {
        const retryAfter = /^\d+$/.test(err.retryAfter ?? '') ? Number(err.retryAfter) : 5;
        fail(req, res, 429, 'rate_limited', 'the guest API is rate limiting, try again later', { retryAfter }, { 'Retry-After': String(retryAfter) });
      } else {
        fail(req, res, 502, 'upstream_failed', 'the guest token service is unavailable', err?.status ? { status: err.status } : {});
      }
      return true;
    }
    let v;
    try {
      v = await verify(jwt);
    } catch (err) {
      v = { ok: false, reason: err instanceof UpstreamError ? err.message : 'jwks' };
    }
    if (!v.ok) {
      count('invalid_guest_token');
      log(`guest API returned a token that does not verify (${v.reason}): not forwarded`);
      fail(req, res, 502, 'invalid_guest_token', 'the guest token service returned a token that does not verify');
      return true;
    }
    count('issued');
    if (continued) count('continued');
    log(`issued guest=${v.payload.webchat.guestId} jti=${v.payload.jti ?? '-'} exp=${v.payload.exp}${continued ? ' continued' : ''} ${describeReport(scrubbed.report)}`);
    sendJson(res, 200, { accessToken: jwt }, cors(req));
    return true;
  };
}
