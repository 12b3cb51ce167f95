// What the local provider registers for its one public client: the demo's redirect URIs plus
// an app's own (PIXIE_REDIRECT_URIS / the appRedirectUris option), the post-logout redirect
// URIs (the same list), and the CORS origins derived from them exactly.
//
// Pure functions, no oidc-provider import: devserver/preflight.mjs uses them before
// `npm install` has run.

/** Where to register an app's own redirect URIs (named in error messages and the banner). */
export const APP_REDIRECT_URIS_ENV = 'PIXIE_REDIRECT_URIS';

/**
 * Loopback hosts, where plain http is allowed (as pixie-auth itself allows it: localhost,
 * 127.0.0.0/8, [::1]). WHATWG URL parsing has already normalised the host.
 */
export function isLoopbackHost(hostname) {
  const host = hostname.toLowerCase();
  return host === 'localhost' || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** A malformed redirect URI given for the app: the message says which one and why. */
export class RedirectUriError extends Error {
  constructor(source, value, reason) {
    super(`${source}: ${JSON.stringify(value)} ${reason}`);
    this.name = 'RedirectUriError';
    this.code = 'invalid_redirect_uri';
  }
}

/**
 * Checks one redirect URI the way pixie-auth checks its redirectUri: absolute, https or http
 * on a loopback host, no fragment (RFC 6749 §3.1.2), no credentials. Returns the parsed URL.
 */
export function parseRedirectUri(value, source = APP_REDIRECT_URIS_ENV) {
  let url;
  try {
    // "localhost:5173" parses as a URI of scheme "localhost": ask for the full form too.
    if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) throw new TypeError('not absolute');
    url = new URL(value);
  } catch {
    throw new RedirectUriError(source, value, 'is not an absolute URI (write it in full, e.g. http://localhost:5173/)');
  }
  if (url.protocol === 'http:') {
    if (!isLoopbackHost(url.hostname)) {
      throw new RedirectUriError(source, value, 'must use https (plain http only on localhost, 127.0.0.1 or [::1])');
    }
  } else if (url.protocol !== 'https:') {
    throw new RedirectUriError(source, value, 'must be an https URI (or http on localhost, 127.0.0.1 or [::1])');
  }
  if (url.hash || value.includes('#')) throw new RedirectUriError(source, value, 'must not contain a fragment (#...)');
  if (url.username || url.password) throw new RedirectUriError(source, value, 'must not contain credentials');
  return url;
}

/**
 * The app's redirect URIs from a list (an array, or a string separated by commas and/or
 * whitespace, as in PIXIE_REDIRECT_URIS). Each is registered in its normalised form (what
 * pixie-auth sends: `http://localhost:5173` becomes `http://localhost:5173/`) and, when that
 * differs, also exactly as written (what another client may send). Throws a RedirectUriError.
 */
export function appRedirectUris(list, source = APP_REDIRECT_URIS_ENV) {
  const values = typeof list === 'string' ? list.split(/[\s,]+/) : [...(list ?? [])];
  const out = [];
  for (const raw of values) {
    const value = String(raw).trim();
    if (!value) continue;
    const url = parseRedirectUri(value, source);
    for (const uri of [url.href, value]) if (!out.includes(uri)) out.push(uri);
  }
  return out;
}

/** The exact origins (scheme://host[:port], as a browser sends in Origin) of some URIs. */
export function originsOf(uris) {
  return [...new Set(uris.map((uri) => new URL(uri).origin))];
}

/**
 * The client's registration: the demo's paths on both of its origins (127.0.0.1 and
 * localhost), then the app's own URIs. Post-logout redirect URIs are the same list; CORS is
 * allowed for exactly the origins of those URIs (no wildcard, no prefix match).
 *
 * @param {{ demoOrigins: string[], demoPaths: string[], appUris?: string[] }} o appUris from appRedirectUris()
 * @returns {{ redirectUris: string[], postLogoutRedirectUris: string[], corsOrigins: string[] }}
 */
export function clientRegistration({ demoOrigins, demoPaths, appUris = [] }) {
  const redirectUris = [];
  for (const uri of [...demoPaths.flatMap((p) => demoOrigins.map((o) => `${o}${p}`)), ...appUris]) {
    if (!redirectUris.includes(uri)) redirectUris.push(uri);
  }
  return {
    redirectUris,
    postLogoutRedirectUris: [...redirectUris],
    corsOrigins: originsOf([...demoOrigins, ...redirectUris]),
  };
}
