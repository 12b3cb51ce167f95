// Talking to the local provider directly, as a server or an attacker would (not through the
// page), and watching what it decided.

import assert from 'node:assert/strict';

import { WAIT } from './browser.mjs';

const form = (fields) => ({
  method: 'POST',
  headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields),
  signal: AbortSignal.timeout(WAIT),
});

/**
 * Asks the provider's token endpoint to redeem `refreshToken` directly (as an attacker holding
 * it would): resolves with the HTTP status and the OAuth error, if any.
 */
export async function tryRefresh(dev, refreshToken) {
  const res = await fetch(dev.endpoints.token, form({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: dev.clientId }));
  const body = await res.json().catch(() => ({}));
  return { status: res.status, error: body.error ?? null };
}

/** Revokes a token at the provider's revocation endpoint (RFC 7009), as the server side might. */
export async function revokeToken(dev, token) {
  const res = await fetch(dev.endpoints.revocation, form({ token, client_id: dev.clientId }));
  assert.equal(res.status, 200, 'the revocation endpoint accepted the request');
}

/**
 * Redeems an authorization code at the provider's token endpoint directly (as Genesys Cloud does
 * with what Messenger's getAuthCode handed over; the local client is public, so no secret):
 * resolves with the HTTP status and the parsed body.
 */
export async function redeemCode(dev, { authCode, redirectUri, codeVerifier }) {
  const res = await fetch(dev.endpoints.token, form({
    grant_type: 'authorization_code', code: authCode, redirect_uri: redirectUri,
    client_id: dev.clientId, code_verifier: codeVerifier,
  }));
  return { status: res.status, body: await res.json().catch(() => ({})) };
}

/** The payload of a JWT, decoded without any check (the test compares it with what it expects). */
export function jwtPayload(jwt) {
  return JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString('utf8'));
}

/**
 * Every grant the provider decided, in order: { at (Node ms), grantType, ok, error }, from
 * oidc-provider's grant.success / grant.error events (Node's clock: tells *when* a refresh
 * reached the server). Injected failures (dev.failToken) never reach the provider: they are in
 * dev.stats.token.failed_injected.
 */
export function watchGrants(dev) {
  const log = [];
  const grantType = (ctx) => ctx.oidc?.params?.grant_type ?? ctx.oidc?.body?.grant_type ?? null;
  dev.provider.on('grant.success', (ctx) => {
    log.push({ at: Date.now(), grantType: grantType(ctx), ok: true, error: null });
  });
  dev.provider.on('grant.error', (ctx, err) => {
    log.push({ at: Date.now(), grantType: grantType(ctx), ok: false, error: err?.error ?? String(err) });
  });
  return log;
}

/** The grants of one type (default refresh_token). */
export function grantsOf(grants, type = 'refresh_token') {
  return grants.filter((g) => g.grantType === type);
}
