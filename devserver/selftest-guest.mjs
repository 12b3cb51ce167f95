// Self-test of guest tokens (issue 12), run by selftest.mjs with its helpers: the confidential
// guest client at the provider, the reference proxy (guest-proxy.mjs) over HTTP, the stand-in
// guest API, JWKS and chat API, and the /__test/guest/* controls.

import { spawn } from 'node:child_process';
import * as crypto from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { inspect } from 'node:util';

import {
  ClientCredentialsToken,
  createGuestTokenProxy,
  FixedWindowRateLimiter,
  luhnValid,
  scrubValue,
  verifyGuestJwt,
} from './guest-proxy.mjs';

const FOREIGN = 'http://evil.example';
const CHROMIUM = '/usr/bin/chromium';

/**
 * @param {object} h selftest.mjs helpers: { section, check, f, start, sleep, withTimeout,
 *   verifyJwt, signIn, HERE }
 */
export async function guestChecks(h) {
  const { section, check, f, start, sleep, withTimeout, verifyJwt, signIn, HERE } = h;
  const SECRET = crypto.randomBytes(30).toString('base64url'); // 40 characters
  const devLog = [];
  const s = await start({
    guestClientSecret: SECRET, guestRateLimit: 1000, guestRateWindow: 60, log: (line) => devLog.push(line),
  });
  const g = s.guest;
  const ep = g.endpoints.guestToken;
  // Every proxy / guest-API / chat response seen, for the "secret never in a response" check.
  const seen = [];
  const remember = async (res) => {
    const text = await res.text();
    seen.push({ url: res.url, status: res.status, headers: Object.fromEntries(res.headers), text });
    let body;
    try { body = JSON.parse(text); } catch { body = undefined; }
    return { res, body, text };
  };
  const proxy = (body = {}, { origin = s.demoOrigin, headers = {}, raw, url = ep } = {}) => f(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(origin ? { origin } : {}), ...headers },
    body: raw ?? JSON.stringify(body),
  }).then(remember);
  const control = async (name, body, method = 'POST') => {
    const res = await f(`${s.issuer}/__test/guest/${name}`, {
      method, ...(method === 'POST' ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body ?? {}) } : {}),
    });
    return res.json();
  };
  const ccRequest = (secret, params = {}, { basic = true, url = s.endpoints.token } = {}) => f(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(basic ? { authorization: `Basic ${Buffer.from(`${g.clientId}:${secret}`).toString('base64')}` } : {}),
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', ...(basic ? {} : { client_id: g.clientId, client_secret: secret }), ...params }).toString(),
  }).then(remember);
  const chat = (token, { method = 'GET', body, origin = s.demoOrigin } = {}) => f(g.endpoints.chatMessages, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(origin ? { origin } : {}),
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    ...(body ? { body: JSON.stringify(body) } : {}),
  }).then(remember);
  const payloadOf = (jwt) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url'));

  await section('guest tokens: the confidential client at the provider', async () => {
    const d = await (await f(s.endpoints.discovery)).json();
    check('discovery: client_credentials grant and the guest scopes advertised',
      d.grant_types_supported.includes('client_credentials') && ['webchat:guest:read', 'webchat:guest:write'].every((x) => d.scopes_supported.includes(x)),
      [d.grant_types_supported, d.scopes_supported]);
    const ok = await ccRequest(SECRET, { scope: 'webchat:guest:read webchat:guest:write' });
    check('client_credentials with the secret (HTTP Basic): 200 Bearer, the guest scopes, no refresh or ID token',
      ok.res.status === 200 && ok.body.token_type === 'Bearer' && ok.body.scope === 'webchat:guest:read webchat:guest:write'
      && !ok.body.refresh_token && !ok.body.id_token, ok.body);
    check('client_credentials token lifetime = the provider default (600 s)', ok.body.expires_in === 600, ok.body.expires_in);
    const wrong = await ccRequest(`${SECRET}x`);
    check('wrong secret: 401 invalid_client', wrong.res.status === 401 && wrong.body?.error === 'invalid_client', wrong.body);
    const unscoped = await ccRequest(SECRET);
    check('no scope asked: a token with no scope', unscoped.res.status === 200 && unscoped.body.scope === undefined, unscoped.body);
    for (const scope of ['users:readonly', 'openid', 'webchat:guest:write users:readonly']) {
      const r = await ccRequest(SECRET, { scope });
      check(`asking for "${scope}": 400 invalid_scope (least privilege)`, r.res.status === 400 && r.body?.error === 'invalid_scope', r.body);
    }
    const noGrant = await ccRequest(SECRET, { grant_type: 'refresh_token', refresh_token: 'x' });
    check('the guest client may not use other grants', noGrant.res.status === 400 && /not allowed for this client/.test(noGrant.body?.error_description), noGrant.body);
    const pub = await f(s.endpoints.token, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: s.clientId }).toString(),
    }).then(remember);
    check('the public demo client may not use client_credentials', pub.res.status === 400 && /not allowed for this client/.test(pub.body?.error_description), pub.body);
  });

  let user;
  await section('guest tokens: the stand-in guest API', async () => {
    const none = await f(g.endpoints.guestApi, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }).then(remember);
    check('guest API without a token: 401 Genesys error shape', none.res.status === 401 && none.body?.code === 'bad.credentials', none.body);
    user = await signIn(s, { login: 'gina', scope: 'openid profile webchat:guest:write' });
    const withUser = await f(g.endpoints.guestApi, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${user.tokens.access_token}` }, body: '{}',
    }).then(remember);
    check('guest API with a signed-in user\'s access token: 401 (only the guest client may mint)', withUser.res.status === 401, withUser.body);
    for (const scope of ['webchat:guest:read', undefined]) {
      const cc = await ccRequest(SECRET, scope ? { scope } : {});
      const readOnly = await f(g.endpoints.guestApi, {
        method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${cc.body.access_token}` }, body: '{}',
      }).then(remember);
      check(`guest API with a guest-client token of scope "${scope ?? ''}" (no webchat:guest:write): 403`, readOnly.res.status === 403, readOnly.body);
    }
    const jwks = await (await f(g.endpoints.guestJwks)).json();
    const opJwks = await (await f(s.endpoints.jwks)).json();
    check('guest JWK Set: one public RSA key (no private members), a kid of its own',
      jwks.keys.length === 1 && jwks.keys[0].kty === 'RSA' && jwks.keys[0].alg === 'RS256' && !('d' in jwks.keys[0]) && !('p' in jwks.keys[0])
      && !opJwks.keys.some((k) => k.kid === jwks.keys[0].kid), jwks);
  });

  let first;
  await section('guest tokens: the proxy answers', async () => {
    await control('reset');
    const t0 = Date.now();
    const r = await proxy({ name: 'Site Visitor', pageUrl: 'https://shop.example/p/1' });
    first = r.body?.accessToken;
    check('POST from the demo origin: 200 { accessToken } and nothing else',
      r.res.status === 200 && typeof first === 'string' && JSON.stringify(Object.keys(r.body)) === '["accessToken"]', r.body);
    check('ACAO is the demo origin exactly; Date and Retry-After exposed; Vary: Origin',
      r.res.headers.get('access-control-allow-origin') === s.demoOrigin
      && /\bDate\b/.test(r.res.headers.get('access-control-expose-headers') ?? '') && /\bRetry-After\b/.test(r.res.headers.get('access-control-expose-headers') ?? '')
      && /Origin/.test(r.res.headers.get('vary') ?? ''), Object.fromEntries(r.res.headers));
    check('Date header present and sane; Cache-Control: no-store',
      Math.abs(Date.parse(r.res.headers.get('date')) - t0) < 5000 && r.res.headers.get('cache-control') === 'no-store');
    const v = await verifyJwt(first, g.endpoints.guestJwks);
    check('guest JWT: RS256 signature verifies against the published JWK Set', v.valid && v.header.alg === 'RS256' && v.header.typ === 'JWT', v.header);
    const p = v.payload;
    check('claims: iss, aud, sub = webchat.guestId, iat, exp - iat = lifetime (1800), jti',
      p.iss === g.issuer && p.aud === g.audience && typeof p.sub === 'string' && p.webchat?.guestId === p.sub
      && Number.isInteger(p.iat) && Math.abs(p.iat * 1000 - t0) < 5000 && p.exp - p.iat === 1800 && typeof p.jti === 'string', p);
    check('guest issuer/audience differ from the OpenID issuer (an ID token is never a guest token)', p.iss !== s.issuer && p.aud !== s.clientId);
    check('verifyGuestJwt (the proxy\'s own check) accepts it',
      verifyGuestJwt(first, { keys: (await (await f(g.endpoints.guestJwks)).json()).keys, issuer: g.issuer, audience: g.audience }).ok);
    const cfg = await (await f(`${s.demoOrigin}/config.json`)).json();
    check('/config.json (local mode) carries the guest endpoints, jwksUri, issuer, audience',
      cfg.guest?.endpoint === ep && cfg.guest?.jwksUri === g.endpoints.guestJwks && cfg.guest?.issuer === g.issuer
      && cfg.guest?.audience === g.audience && cfg.guest?.chatMessages === g.endpoints.chatMessages, cfg.guest);
  });

  await section('guest tokens: access token cache, one grant for concurrent visitors', async () => {
    await control('reset');
    const one = await proxy({});
    let st = await control('stats', undefined, 'GET');
    check('first visitor: one client_credentials grant at the provider', one.res.status === 200 && st.clientCredentials.grants === 1 && st.proxy.token_requests === 1, st);
    for (let i = 0; i < 3; i += 1) await proxy({});
    st = await control('stats', undefined, 'GET');
    check('three more visitors: the cached access token is reused (still 1 grant)', st.clientCredentials.grants === 1 && st.proxy.issued === 4, st);
    await control('reset');
    const N = 12;
    const all = await Promise.all(Array.from({ length: N }, () => proxy({})));
    st = await control('stats', undefined, 'GET');
    check(`${N} concurrent visitors on an empty cache: all 200, exactly 1 grant at the provider`,
      all.every((r) => r.res.status === 200) && st.clientCredentials.grants === 1 && st.proxy.token_requests === 1 && st.guestApi.ok === N, st);
    check(`${N} distinct guests`, new Set(all.map((r) => payloadOf(r.body.accessToken).sub)).size === N);
    await control('forget-access-token');
    await proxy({});
    st = await control('stats', undefined, 'GET');
    check('after the cache is dropped: one new grant', st.clientCredentials.grants === 2, st);

    // The timing rule, on an injected clock and HTTP function (no waiting for 55 minutes).
    let now = 0;
    let requests = 0;
    const fakeFetch = async (url, init) => {
      requests += 1;
      await sleep(20);
      const auth = init.headers.authorization;
      const ok = auth === `Basic ${Buffer.from('cid:s%C3%A9cret%3A%2B').toString('base64')}`
        && init.body === 'grant_type=client_credentials&scope=webchat%3Aguest%3Aread+webchat%3Aguest%3Awrite';
      return new Response(JSON.stringify(ok ? { access_token: `at${requests}`, token_type: 'Bearer', expires_in: 3600 } : { error: 'invalid_client' }),
        { status: ok ? 200 : 401, headers: { 'content-type': 'application/json' } });
    };
    const cc = new ClientCredentialsToken({ tokenEndpoint: 'http://unused.invalid/oauth/token', clientId: 'cid', clientSecret: 'sécret:+', fetch: fakeFetch, now: () => now });
    const firstBatch = await Promise.all([cc.get(), cc.get(), cc.get()]);
    check('ClientCredentialsToken: Basic auth with form-encoded id and secret (RFC 6749 §2.3.1); 3 concurrent get() share 1 request',
      requests === 1 && firstBatch.every((x) => x === 'at1'), { requests, firstBatch });
    now = (3600 - 300) * 1000 - 1;
    const before = await cc.get();
    now = (3600 - 300) * 1000;
    const atLead = await cc.get();
    check('cached until exactly 5 minutes before expiry, renewed then', before === 'at1' && atLead === 'at2' && requests === 2, { before, atLead, requests });
    check('ClientCredentialsToken never shows the secret (inspect, JSON)',
      !inspect(cc).includes('sécret') && !JSON.stringify(cc).includes('sécret') && !inspect(cc, { showHidden: true }).includes('sécret'));
    let short = 0;
    const cc2 = new ClientCredentialsToken({
      tokenEndpoint: 'x', clientId: 'a', clientSecret: 'b', now: () => now,
      fetch: async () => { short += 1; return new Response(JSON.stringify({ access_token: `s${short}`, expires_in: 300 }), { status: 200 }); },
    });
    now = 0; await cc2.get(); now = 149_999; await cc2.get();
    const kept = short;
    now = 150_000; await cc2.get();
    check('a lifetime under 10 minutes is renewed halfway (300 s -> after 150 s)', kept === 1 && short === 2, { kept, short });
    const failing = new ClientCredentialsToken({
      tokenEndpoint: 'x', clientId: 'a', clientSecret: 'b',
      fetch: async () => new Response(JSON.stringify({ error: 'temporarily_unavailable', error_description: 'secret b' }), { status: 503 }),
    });
    const errs = await Promise.allSettled([failing.get(), failing.get()]);
    check('a failed token request rejects every waiting caller with a code, no body text',
      errs.every((e) => e.status === 'rejected' && e.reason.name === 'UpstreamError' && e.reason.status === 503
        && e.reason.code === 'temporarily_unavailable' && !e.reason.message.includes('secret')), errs.map((e) => e.reason?.message));
  });

  await section('guest tokens: a refused access token is replaced once', async () => {
    // The guest API answers 401 to the first access token (revoked upstream): the proxy drops it,
    // gets a new one and succeeds; a second 401 is not retried forever.
    const keys = (await (await f(g.endpoints.guestJwks)).json()).keys;
    let tokenCalls = 0;
    let guestCalls = 0;
    const fakeFetch = async (url, init) => {
      if (String(url).endsWith('/token')) {
        tokenCalls += 1;
        return new Response(JSON.stringify({ access_token: `at${tokenCalls}`, expires_in: 3600 }), { status: 200 });
      }
      guestCalls += 1;
      if (init.headers.authorization === 'Bearer at1') return new Response('{}', { status: 401 });
      return new Response(JSON.stringify({ jwt: first }), { status: 200 });
    };
    const cc = new ClientCredentialsToken({ tokenEndpoint: 'http://x.invalid/token', clientId: 'a', clientSecret: 'b', fetch: fakeFetch });
    const handle = createGuestTokenProxy({
      allowedOrigins: new Set([s.demoOrigin]), clientCredentials: cc, guestApiUrl: 'http://x.invalid/guest',
      jwks: { keys: async () => keys }, issuer: g.issuer, audience: g.audience,
      rateLimiter: new FixedWindowRateLimiter({ max: 10, windowSeconds: 60 }), fetch: fakeFetch,
    });
    const { res, body } = await fakeRequest(handle, { origin: s.demoOrigin, body: '{}' });
    check('401 from the guest API: one new access token, then 200', res.status === 200 && body.accessToken === first && tokenCalls === 2 && guestCalls === 2,
      { status: res.status, tokenCalls, guestCalls });
    const bad = createGuestTokenProxy({
      allowedOrigins: new Set([s.demoOrigin]), clientCredentials: cc, guestApiUrl: 'http://x.invalid/guest',
      jwks: { keys: async () => keys }, issuer: g.issuer, audience: `${g.audience}/other`,
      rateLimiter: new FixedWindowRateLimiter({ max: 10, windowSeconds: 60 }), fetch: fakeFetch,
    });
    const wrongAud = await fakeRequest(bad, { origin: s.demoOrigin, body: '{}' });
    check('a minted token that does not verify (wrong aud) is not forwarded: 502 invalid_guest_token',
      wrongAud.res.status === 502 && wrongAud.body.error === 'invalid_guest_token' && !wrongAud.text.includes(first.split('.')[2]), wrongAud.body);
  });

  await section('guest tokens: customAttributes scrubbing', async () => {
    const valid = ['4111111111111111', '5500000000000004', '340000000000009', '6011000000000004', '4012888888881881', '3530111333300000'];
    const invalid = ['4111111111111112', '1234567890123456', '5500000000000005', '79927398713', '411111111111111111111'];
    check('Luhn: known test card numbers pass', valid.every(luhnValid), valid.filter((x) => !luhnValid(x)));
    check('Luhn: wrong check digits, wrong lengths fail', invalid.every((x) => !luhnValid(x)), invalid.filter(luhnValid));
    const cases = [
      ['card 4111 1111 1111 1111 exp', 'card [redacted:card] exp', ['card']],
      ['4111-1111-1111-1111', '[redacted:card]', ['card']],
      ['ref12-4111111111111111', 'ref12-[redacted:card]', ['card']],
      ['amex 3400 000000 00009', 'amex [redacted:card]', ['card']],
      ['4111111111111112', '4111111111111112', []],
      ['order 1234567890123456', 'order 1234567890123456', []],
      ['ssn 123-45-6789.', 'ssn [redacted:ssn].', ['ssn']],
      ['ssn 123 45 6789', 'ssn [redacted:ssn]', ['ssn']],
      ...['000-12-3456', '666-12-3456', '900-12-3456', '123-00-4567', '123-45-0000', '123-45-67890', '123456789'].map((x) => [`not an ssn: ${x}`, `not an ssn: ${x}`, []]),
      ['phone 555-123-4567', 'phone 555-123-4567', []],
      ['mail bob.smith+x@mail.example.com now', 'mail [redacted:email] now', ['email']],
      ['https://x.example/?u=bob%40example.com&q=1', 'https://x.example/?u=[redacted:email]&q=1', ['email']],
      ['no email here @ all', 'no email here @ all', []],
    ];
    for (const [input, expected, kinds] of cases) {
      const out = scrubValue(input);
      check(`scrub ${JSON.stringify(input)}`, out.text === expected && JSON.stringify(out.kinds) === JSON.stringify(kinds), out);
    }
    const keep = scrubValue('bob@example.test', { email: true });
    check('a key whose schema allows e-mail keeps it (but still loses card numbers)',
      keep.text === 'bob@example.test' && scrubValue('bob@example.test 4111111111111111', { email: true }).text === 'bob@example.test [redacted:card]');

    await control('reset');
    const r = await proxy({
      name: 'Pat 4111 1111 1111 1111',
      pageUrl: 'https://shop.example/checkout?email=pat%40example.org',
      customAttributes: {
        topic: 'refund for card 4111-1111-1111-1111, ssn 078-05-1120, write to pat@example.org',
        customerEmail: 'pat@example.org',
        orderNumber: 79927398713,
        referrer: 'https://ref.example/?id=4111111111111112',
        language: 'en-GB',
        favouriteColour: 'blue-ish-secret-value',
        '5500000000000004': 'key-that-is-a-card',
        sessionTimestamp: { nested: 'object-value' },
      },
      extraField: 'ignored-value',
    });
    check('scrubbed request: 200', r.res.status === 200, r.body);
    const up = (await control('upstream', undefined, 'GET')).bodies.at(-1)?.body;
    const expected = {
      name: 'Pat [redacted:card]',
      customAttributes: {
        topic: 'refund for card [redacted:card], ssn [redacted:ssn], write to [redacted:email]',
        customerEmail: 'pat@example.org',
        orderNumber: '79927398713',
        referrer: 'https://ref.example/?id=4111111111111112',
        language: 'en-GB',
        sourcePage: 'https://shop.example/checkout?email=[redacted:email]',
      },
    };
    check('the guest API received exactly the scrubbed attributes (unknown and non-string dropped, Luhn negatives kept)',
      JSON.stringify(up) === JSON.stringify(expected), up);
    const lines = (await control('log', undefined, 'GET')).lines;
    const issued = lines.filter((l) => l.includes('issued')).at(-1) ?? '';
    check('the log line names the attribute keys: kept, redacted (with kinds), dropped',
      /kept=\[topic,customerEmail,orderNumber,referrer,language,sourcePage\]/.test(issued)
      && /redacted=\[topic:ssn\+card\+email,sourcePage:email\]/.test(issued)
      && /dropped=\[favouriteColour:unknown,sessionTimestamp:type\]/.test(issued) && /dropped_unprintable=1/.test(issued)
      && /ignored_body_keys=\[extraField\]/.test(issued) && /name_redacted=card/.test(issued), issued);
    const values = ['4111-1111-1111-1111', '4111 1111 1111 1111', '078-05-1120', 'pat@example.org', 'pat%40example.org', 'refund', 'blue-ish', '5500000000000004', 'key-that-is-a-card',
      'object-value', 'ignored-value', 'Pat', 'en-GB', '79927398713', 'shop.example', r.body.accessToken, r.body.accessToken.split('.')[2]];
    const all = [...lines, ...devLog].join('\n');
    check('the proxy log and the dev-server log hold no attribute value and no token', values.every((x) => !all.includes(x)),
      values.filter((x) => all.includes(x)));
    const bad = await proxy({ customAttributes: ['a', 'b'] });
    const badUp = (await control('upstream', undefined, 'GET')).bodies.at(-1)?.body;
    check('customAttributes that is not an object: nothing forwarded', bad.res.status === 200 && JSON.stringify(badUp.customAttributes) === '{}', badUp);
  });

  await section('guest tokens: CORS, OPTIONS, bad requests', async () => {
    await control('reset');
    const pre = await f(ep, { method: 'OPTIONS', headers: { origin: s.demoOrigin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,authorization' } }).then(remember);
    check('preflight from the demo origin: 204, ACAO exact, POST, Content-Type + Authorization, Max-Age',
      pre.res.status === 204 && pre.res.headers.get('access-control-allow-origin') === s.demoOrigin
      && /POST/.test(pre.res.headers.get('access-control-allow-methods')) && /content-type/i.test(pre.res.headers.get('access-control-allow-headers'))
      && /authorization/i.test(pre.res.headers.get('access-control-allow-headers')) && pre.res.headers.get('access-control-max-age') === '600',
      Object.fromEntries(pre.res.headers));
    const lh = await proxy({}, { origin: `http://localhost:${s.demoPort}` });
    check('the localhost demo origin is allowed too', lh.res.status === 200 && lh.res.headers.get('access-control-allow-origin') === `http://localhost:${s.demoPort}`);
    const preBad = await f(ep, { method: 'OPTIONS', headers: { origin: FOREIGN, 'access-control-request-method': 'POST' } }).then(remember);
    check('preflight from another origin: 403, no ACAO', preBad.res.status === 403 && !preBad.res.headers.get('access-control-allow-origin'));
    const before = (await control('stats', undefined, 'GET')).guestApi.ok;
    for (const origin of [FOREIGN, `${s.demoOrigin}.evil.example`, `http://127.0.0.1:${s.demoPort + 1}`, 'null', s.demoOrigin.replace('http:', 'https:')]) {
      const bad = await proxy({}, { origin });
      check(`POST from ${origin}: 403 origin_not_allowed, no ACAO`, bad.res.status === 403 && bad.body?.error === 'origin_not_allowed'
        && !bad.res.headers.get('access-control-allow-origin'), [bad.res.status, bad.body]);
    }
    const after = (await control('stats', undefined, 'GET')).guestApi.ok;
    check('... and nothing was minted for them', after === before, { before, after });
    const noOrigin = await proxy({}, { origin: null });
    check('POST without Origin (not a browser page): 200, no ACAO', noOrigin.res.status === 200 && !noOrigin.res.headers.get('access-control-allow-origin'));
    const text = await f(ep, { method: 'POST', headers: { origin: s.demoOrigin, 'content-type': 'text/plain' }, body: '{}' }).then(remember);
    check('text/plain body: 415 with ACAO (a "simple" request cannot mint)', text.res.status === 415 && text.body?.error === 'unsupported_media_type'
      && text.res.headers.get('access-control-allow-origin') === s.demoOrigin, text.body);
    const badJson = await proxy(undefined, { raw: '{nope' });
    check('bad JSON: 400 invalid_request', badJson.res.status === 400 && badJson.body?.error === 'invalid_request');
    const arr = await proxy(undefined, { raw: '[1]' });
    check('a JSON array: 400 invalid_request', arr.res.status === 400 && arr.body?.error === 'invalid_request');
    const big = await proxy(undefined, { raw: JSON.stringify({ name: 'x'.repeat(20000) }) });
    check('a body over 16 KiB: 413', big.res.status === 413, big.res.status);
    const get = await f(ep, { headers: { origin: s.demoOrigin } }).then(remember);
    check('GET: 405 with Allow: POST, OPTIONS', get.res.status === 405 && get.res.headers.get('allow') === 'POST, OPTIONS');
    const other = await f(`${g.origin}/other`, { headers: { origin: s.demoOrigin } }).then(remember);
    check('another path on the proxy: 404', other.res.status === 404);
    // (oidc-provider's own token endpoint answers a request without Origin with ACAO: *; that is
    // not ours and harmless, a browser always sends Origin cross-origin.)
    const ours = seen.filter((x) => !x.url.startsWith(s.endpoints.token));
    check('no proxy, guest API or chat response ever had ACAO: *', ours.length > 30 && ours.every((x) => x.headers['access-control-allow-origin'] !== '*'),
      ours.filter((x) => x.headers['access-control-allow-origin'] === '*').map((x) => `${x.url} ${x.status}`));
  });

  await section('guest tokens: 429 with Retry-After, down and back (test controls)', async () => {
    await control('reset');
    const forms = {};
    for (const form of ['seconds', 'date', 'json', 'both']) {
      await control('rate-limit', { count: 1, retryAfter: 2, form });
      forms[form] = await proxy({});
    }
    const h = (r, n) => r.res.headers.get(n);
    check('injected 429 "seconds": Retry-After: 2, ACAO, no JSON retryAfter',
      forms.seconds.res.status === 429 && h(forms.seconds, 'retry-after') === '2' && forms.seconds.body.error === 'rate_limited'
      && forms.seconds.body.retryAfter === undefined && h(forms.seconds, 'access-control-allow-origin') === s.demoOrigin, forms.seconds.body);
    const dateDelta = (Date.parse(h(forms.date, 'retry-after')) - Date.parse(h(forms.date, 'date'))) / 1000;
    check('injected 429 "date": Retry-After is an HTTP-date 2-3 s after Date',
      forms.date.res.status === 429 && /GMT$/.test(h(forms.date, 'retry-after')) && dateDelta >= 2 && dateDelta <= 3, [h(forms.date, 'retry-after'), h(forms.date, 'date')]);
    check('injected 429 "json": no Retry-After header, body retryAfter: 2',
      forms.json.res.status === 429 && h(forms.json, 'retry-after') === null && forms.json.body.retryAfter === 2, forms.json.body);
    check('injected 429 "both": header and body', forms.both.res.status === 429 && h(forms.both, 'retry-after') === '2' && forms.both.body.retryAfter === 2);
    await control('rate-limit', { count: 2, retryAfter: 1 });
    const seq = [];
    for (let i = 0; i < 3; i += 1) seq.push((await proxy({})).res.status);
    check('count: 2 -> two 429s, then 200', JSON.stringify(seq) === '[429,429,200]', seq);

    await control('down', { mode: 'refused' });
    let refused;
    try { await f(ep, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }); } catch (err) { refused = err; }
    check('down (refused): the connection is refused', refused && /ECONNREFUSED/.test(String(refused.cause?.code ?? refused.cause)), String(refused?.cause ?? refused));
    await control('up');
    const back = await proxy({});
    check('up: the proxy answers again on the same port', back.res.status === 200);
    await control('down', { mode: 'unavailable', retryAfter: 1 });
    const u = await proxy({});
    check('down (unavailable): 503 with Retry-After, JSON retryAfter and ACAO',
      u.res.status === 503 && h(u, 'retry-after') === '1' && u.body.retryAfter === 1 && u.body.error === 'temporarily_unavailable'
      && h(u, 'access-control-allow-origin') === s.demoOrigin, u.body);
    await control('up');
    check('up again: 200', (await proxy({})).res.status === 200);
    const st = await control('stats', undefined, 'GET');
    check('counters: injected_rate_limited 6, injected_unavailable 1', st.proxy.injected_rate_limited === 6 && st.proxy.injected_unavailable === 1, st.proxy);
  });

  await section('guest tokens: upstream failures', async () => {
    await control('reset');
    s.failToken({ count: 1, status: 503 });
    const down = await proxy({});
    check('token endpoint 503: 502 upstream_failed with the upstream status, ACAO', down.res.status === 502 && down.body?.error === 'upstream_failed'
      && down.body.status === 503 && down.res.headers.get('access-control-allow-origin') === s.demoOrigin, down.body);
    s.failToken({ count: 1, status: 429, retryAfter: 7 });
    const limited = await proxy({});
    check('token endpoint 429 Retry-After 7: passed on as 429, Retry-After: 7, retryAfter: 7', limited.res.status === 429
      && limited.res.headers.get('retry-after') === '7' && limited.body?.retryAfter === 7, [limited.res.status, limited.body]);
    const ok = await proxy({});
    check('next request: 200 (the failed token request was not cached)', ok.res.status === 200);
    const lines = (await control('log', undefined, 'GET')).lines.join('\n');
    check('the log says which stage failed and how, with no body text', /upstream failed: client_credentials failed with HTTP 503 \(temporarily_unavailable\)/.test(lines)
      && !/injected failure/.test(lines), lines.slice(-600));
    s.reset();
  });

  await section('guest tokens: the stand-in chat API', async () => {
    await control('reset');
    const tok = (await proxy({})).body.accessToken;
    const posted = await chat(tok, { method: 'POST', body: { text: 'hello' } });
    check('POST a message with the guest JWT: 201 with ACAO', posted.res.status === 201 && posted.body.text === 'hello'
      && posted.res.headers.get('access-control-allow-origin') === s.demoOrigin, posted.body);
    const list = await chat(tok);
    check('GET the guest\'s messages: 200', list.res.status === 200 && list.body.entities.length === 1 && list.body.guestId === payloadOf(tok).sub, list.body);
    const [hd, pl, sig] = tok.split('.');
    const other = Buffer.from(JSON.stringify({ ...payloadOf(tok), sub: 'someone-else', webchat: { guestId: 'someone-else' } })).toString('base64url');
    const none = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    const bad = {
      missing: undefined,
      malformed: 'garbage',
      signature: `${hd}.${other}.${sig}`,
      alg: `${none}.${pl}.${sig}`,
      unsigned: `${none}.${pl}.`,
      id_token: user.tokens.id_token,
      access_token: user.tokens.access_token,
    };
    for (const [name, value] of Object.entries(bad)) {
      const r = await chat(value);
      check(`chat with ${name}: 401 Genesys shape, WWW-Authenticate, ACAO`, r.res.status === 401 && r.body?.code === 'bad.credentials'
        && /Bearer/.test(r.res.headers.get('www-authenticate') ?? '') && r.res.headers.get('access-control-allow-origin') === s.demoOrigin, [r.res.status, r.body]);
    }
    const pre = await f(g.endpoints.chatMessages, { method: 'OPTIONS', headers: { origin: s.demoOrigin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' } });
    check('chat preflight from the demo: 204 + ACAO + Authorization', pre.status === 204 && pre.headers.get('access-control-allow-origin') === s.demoOrigin
      && /authorization/i.test(pre.headers.get('access-control-allow-headers') ?? ''));
    const foreign = await chat(tok, { origin: FOREIGN });
    check('chat from another origin: no ACAO', !foreign.res.headers.get('access-control-allow-origin'));
    const st = await control('stats', undefined, 'GET');
    check('chat counters: ok and unauthorized with reasons', st.chat.ok === 3 && st.chat.unauthorized === 7 && st.chat.reasons.missing === 1
      && st.chat.reasons.signature === 1 && st.chat.reasons.alg === 1 && st.chat.reasons.kid === 1 && st.chat.reasons.malformed === 3, st.chat);
    const cont = await proxy({}, { headers: { authorization: `Bearer ${tok}` } });
    check('a refresh presenting the current guest JWT keeps the guest (same sub), new jti',
      cont.res.status === 200 && payloadOf(cont.body.accessToken).sub === payloadOf(tok).sub && payloadOf(cont.body.accessToken).jti !== payloadOf(tok).jti);
    const contList = await chat(cont.body.accessToken);
    check('... and its messages', contList.body.entities?.length === 1);
    const forged = await proxy({}, { headers: { authorization: `Bearer ${hd}.${other}.${sig}` } });
    check('a forged guest JWT does not carry its guest over', forged.res.status === 200 && payloadOf(forged.body.accessToken).sub !== 'someone-else');
  });

  await section('guest tokens: short lifetimes, several lifetimes without a 401', async () => {
    const q = await start({ guestTokenLifetime: 2, guestClientTokenTtl: 3, guestClientSecret: SECRET });
    const qControl = async (name, method = 'GET') => (await f(`${q.issuer}/__test/guest/${name}`, { method })).json();
    const get = async (bearerToken) => {
      const r = await f(q.guest.endpoints.guestToken, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: q.demoOrigin, ...(bearerToken ? { authorization: `Bearer ${bearerToken}` } : {}) },
        body: JSON.stringify({ name: 'Visitor' }),
      }).then(remember);
      return r.body.accessToken;
    };
    const qchat = (t) => f(q.guest.endpoints.chatMessages, { method: 'POST', headers: { authorization: `Bearer ${t}`, 'content-type': 'application/json' }, body: '{"text":"x"}' }).then(remember);
    let token = await get();
    const p = payloadOf(token);
    check('guestTokenLifetime 2: exp - iat = 2', p.exp - p.iat === 2, p);
    // A client that refreshes halfway through each lifetime (counted from exp), as the browser
    // half will.
    const statuses = [];
    const subs = new Set([p.sub]);
    const tEnd = Date.now() + 4500;
    const halfLife = (t) => payloadOf(t).exp * 1000 - 1000;
    let refreshAt = halfLife(token);
    while (Date.now() < tEnd) {
      if (Date.now() >= refreshAt) {
        token = await get(token);
        subs.add(payloadOf(token).sub);
        refreshAt = halfLife(token);
      }
      statuses.push((await qchat(token)).res.status);
      await sleep(200);
    }
    const st = await qControl('stats');
    check('over more than two lifetimes, refreshed at half-life: no 401 at the chat API, one guest throughout',
      statuses.length > 10 && statuses.every((x) => x === 201) && st.chat.unauthorized === 0 && subs.size === 1 && subs.has(p.sub), { statuses, chat: st.chat, subs: [...subs] });
    check('client token TTL 3 s (renewed after 1.5 s): more than one grant, never one per visitor',
      st.clientCredentials.grants >= 2 && st.clientCredentials.grants < st.proxy.issued, { grants: st.clientCredentials.grants, issued: st.proxy.issued });
    const last = token;
    await sleep((payloadOf(last).exp * 1000) - Date.now() + 50);
    const late = await qchat(last);
    const st2 = await qControl('stats');
    check('after exp the token is refused: 401 (no clock tolerance), counted as expired', late.res.status === 401 && st2.chat.reasons.expired === 1, [late.res.status, st2.chat]);
    const stale = await get(last);
    check('an expired guest JWT does not carry its guest over', payloadOf(stale).sub !== p.sub);
    await q.close();
  });

  await section('guest tokens: per-address rate limit, Genesys token path, no test controls', async () => {
    const r = await start({ guestRateLimit: 3, guestRateWindow: 2, genesysPaths: true, testControls: false });
    const post = () => f(r.guest.endpoints.guestToken, { method: 'POST', headers: { 'content-type': 'application/json', origin: r.demoOrigin }, body: '{}' }).then(remember);
    const three = [await post(), await post(), await post()];
    check('client_credentials at /oauth/token (Genesys\' path) works for the proxy', three.every((x) => x.res.status === 200), three.map((x) => x.body));
    const fourth = await post();
    const ra = fourth.res.headers.get('retry-after');
    check('4th request in the window: 429 rate_limited, Retry-After in whole seconds = JSON retryAfter, readable (ACAO + exposed)',
      fourth.res.status === 429 && fourth.body?.error === 'rate_limited' && /^[12]$/.test(ra ?? '') && fourth.body.retryAfter === Number(ra)
      && fourth.res.headers.get('access-control-allow-origin') === r.demoOrigin && /Retry-After/.test(fourth.res.headers.get('access-control-expose-headers') ?? ''),
      [fourth.res.status, ra, fourth.body]);
    await sleep(Number(ra) * 1000 + 100);
    const again = await post();
    check('after Retry-After seconds: 200 again', again.res.status === 200, again.res.status);
    check('guest test controls are off without testControls', (await f(`${r.issuer}/__test/guest/stats`)).status === 404);
    await r.close();
  });

  if (!process.argv.includes('--no-browser') && existsSync(CHROMIUM)) {
    await section('guest tokens: the proxy as Chromium sees it', () => withTimeout(browserChecks({ s, check, control }), 30000, 'guest browser checks'));
  }

  await section('guest tokens: the secret never leaves the server', async () => {
    const logs = (await control('log', undefined, 'GET')).lines.join('\n');
    check('the secret is in no response (status line, headers, body) of this run', seen.length > 80 && seen.every((x) => !JSON.stringify(x).includes(SECRET)), seen.length);
    check('the secret is in no log line (proxy log, dev-server log)', !logs.includes(SECRET) && !devLog.join('\n').includes(SECRET));
    const cfg = await (await f(`${s.demoOrigin}/config.json`)).text();
    check('the secret is not in /config.json', !cfg.includes(SECRET));
    check('the secret is not on dev.guest (JSON, inspect)', !JSON.stringify(g).includes(SECRET) && !inspect(g, { depth: 5, showHidden: true }).includes(SECRET));

    // The CLI reads it from the environment; a short one is refused without being printed.
    const envSecret = crypto.randomBytes(24).toString('base64url');
    const child = spawn(process.execPath, [path.join(HERE, 'server.mjs')], {
      env: { ...process.env, PIXIE_OP_PORT: '0', PIXIE_DEMO_PORT: '0', PIXIE_GUEST_PORT: '0', PIXIE_GUEST_CLIENT_SECRET: envSecret, PIXIE_LOG: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise((resolve) => { child.on('exit', (code) => resolve(code)); });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { out += d; });
    try {
      await withTimeout((async () => { while (!/Guest token proxy:\s+http:\/\/\S+/.test(out) || !/Open http/.test(out)) await sleep(50); })(), 10000, 'CLI banner');
      const proxyUrl = /Guest token proxy:\s+(http:\/\/\S+)/.exec(out)[1];
      const op = /OpenID provider:\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(out)[1];
      const t = await f(proxyUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"cli"}' }).then(remember);
      const cc = await f(`${op}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`pixie-guest-proxy:${envSecret}`).toString('base64')}` },
        body: 'grant_type=client_credentials',
      });
      check('CLI: the guest client\'s secret is PIXIE_GUEST_CLIENT_SECRET; the proxy works', t.res.status === 200 && cc.status === 200, [t.res.status, cc.status]);
      await sleep(100);
      check('CLI: banner and request log never print the secret, and say where it came from',
        !out.includes(envSecret) && /secret from the environment/.test(out) && /POST \/api\/internal\/guest-token -> 200/.test(out), out.slice(-800));
    } finally {
      child.kill('SIGTERM');
      await withTimeout(exited, 6000, 'CLI exit').catch(() => child.kill('SIGKILL'));
    }
    const short = spawn(process.execPath, [path.join(HERE, 'server.mjs')], {
      env: { ...process.env, PIXIE_OP_PORT: '0', PIXIE_DEMO_PORT: '0', PIXIE_GUEST_PORT: '0', PIXIE_GUEST_CLIENT_SECRET: 'short-secret-value', PIXIE_LOG: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let shortOut = '';
    short.stdout.on('data', (d) => { shortOut += d; });
    short.stderr.on('data', (d) => { shortOut += d; });
    const code = await withTimeout(new Promise((resolve) => { short.on('exit', resolve); }), 10000, 'CLI short secret').catch(() => { short.kill('SIGKILL'); return 'timeout'; });
    check('CLI: a secret under 32 characters is refused (exit 1) and not printed',
      code === 1 && /at least 32 characters/.test(shortOut) && !shortOut.includes('short-secret-value'), [code, shortOut.slice(-300)]);
  });

  await s.close();
}

/** CORS in a real browser: what a page of the demo origin, and of another origin, can read. */
async function browserChecks({ s, check, control }) {
  const { chromium } = await import('playwright-core');
  const profile = await mkdtemp(path.join(tmpdir(), 'pixie-guest-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
  try {
    const page = context.pages()[0] ?? await context.newPage();
    const call = (ep) => page.evaluate(async (url) => {
      try {
        const r = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name: 'Browser Visitor' }) });
        const body = await r.json();
        return { status: r.status, date: r.headers.get('date'), retryAfter: r.headers.get('retry-after'), keys: Object.keys(body), retryAfterJson: body.retryAfter };
      } catch (err) {
        return { error: `${err.name}: ${err.message}` };
      }
    }, ep);
    const ep = s.guest.endpoints.guestToken;
    await page.goto(`${s.demoOrigin}/no-such-page`); // any page of the demo origin (a 404 is enough)
    await control('reset');
    const ok = await call(ep);
    check('browser, demo origin: the preflighted POST works; accessToken and Date readable',
      ok.status === 200 && JSON.stringify(ok.keys) === '["accessToken"]' && !Number.isNaN(Date.parse(ok.date)), ok);
    await control('rate-limit', { count: 1, retryAfter: 3, form: 'both' });
    const limited = await call(ep);
    check('browser, demo origin: an injected 429 is readable with Retry-After and JSON retryAfter',
      limited.status === 429 && limited.retryAfter === '3' && limited.retryAfterJson === 3, limited);
    await control('down', { mode: 'refused' });
    const refused = await call(ep);
    await control('up');
    check('browser: the proxy down is a fetch TypeError', /^TypeError/.test(refused.error ?? ''), refused);
    const before = (await control('stats', undefined, 'GET')).proxy.issued;
    await page.goto(`${s.issuer}/__test/guest/stats`); // a page of another origin
    const foreign = await call(ep);
    const after = (await control('stats', undefined, 'GET')).proxy.issued;
    check('browser, another origin: refused by CORS (TypeError), nothing issued', /^TypeError/.test(foreign.error ?? '') && after === before, { foreign, before, after });
  } finally {
    await context.close();
    await rm(profile, { recursive: true, force: true });
  }
}

/** Calls a proxy handler with a minimal fake request/response (no socket). */
async function fakeRequest(handle, { method = 'POST', origin, body = '{}', headers = {} }) {
  const { Readable } = await import('node:stream');
  const req = Readable.from([Buffer.from(body)]);
  req.method = method;
  req.url = '/api/internal/guest-token';
  req.headers = { 'content-type': 'application/json', ...(origin ? { origin } : {}), ...headers };
  req.socket = { remoteAddress: '127.0.0.1' };
  const res = await new Promise((resolve) => {
    const out = { status: 0, headers: {}, text: '' };
    const fake = {
      writeHead(status, hdrs) { out.status = status; out.headers = hdrs; },
      end(text) { out.text = text ?? ''; resolve(out); },
    };
    handle(req, fake);
  });
  let parsed;
  try { parsed = JSON.parse(res.text); } catch { parsed = undefined; }
  return { res, body: parsed, text: res.text };
}
