// The local OpenID provider: panva's oidc-provider v9 with a single public PKCE client.
//
// Nothing here implements authorization-server logic; it only configures oidc-provider.

import * as crypto from 'node:crypto';

import Provider from 'oidc-provider';
// oidc-provider's own in-memory adapter (the package has no "exports" map, so this deep import is
// allowed; the version is pinned in package.json). We give it our own Map-backed store instead of
// its default 1000-entry LRU, so nothing gets evicted during a long test run and so the test
// controls can enumerate the access tokens.
import MemoryAdapter from 'oidc-provider/lib/adapters/memory_adapter.js';

/** A Map with per-entry expiry, with the get/set/delete interface MemoryAdapter expects. */
export class ExpiringStore {
  #map = new Map();

  #writes = 0;

  get(key) {
    const entry = this.#map.get(key);
    if (!entry) return undefined;
    if (entry.expiry !== undefined && entry.expiry <= Date.now()) {
      this.#map.delete(key);
      return undefined;
    }
    return entry.value;
  }

  set(key, value, { maxAge } = {}) {
    const expiry = typeof maxAge === 'number' && Number.isFinite(maxAge) ? Date.now() + maxAge : undefined;
    this.#map.set(key, { value, expiry });
    this.#writes += 1;
    if (this.#writes % 500 === 0) this.sweep();
    return this;
  }

  delete(key) {
    return this.#map.delete(key);
  }

  sweep() {
    const now = Date.now();
    for (const [key, { expiry }] of this.#map) {
      if (expiry !== undefined && expiry <= now) this.#map.delete(key);
    }
  }

  /** Live (non-expired) keys that start with the given prefix, e.g. "AccessToken:". */
  keysWithPrefix(prefix) {
    const out = [];
    for (const key of this.#map.keys()) {
      if (key.startsWith(prefix) && this.get(key) !== undefined) out.push(key);
    }
    return out;
  }
}

/** Fresh signing keys for this run: RSA 2048 (RS256, used for ID tokens) and EC P-256 (ES256). */
export function generateJwks() {
  const rsa = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
  const ec = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
  const kid = (prefix) => `${prefix}-${crypto.randomBytes(6).toString('base64url')}`;
  return {
    keys: [
      { ...rsa, kid: kid('rs256'), use: 'sig', alg: 'RS256' },
      { ...ec, kid: kid('es256'), use: 'sig', alg: 'ES256' },
    ],
  };
}

/** What the local provider knows about a person: the dev login page accepts any name. */
export function accountClaims(login) {
  const local = /^[A-Za-z0-9._%+-]+$/.test(login)
    ? login
    : (login.toLowerCase().replace(/[^a-z0-9._-]+/g, '.').replace(/^\.+|\.+$/g, '') || 'user');
  return {
    sub: login,
    name: login,
    preferred_username: login,
    email: `${local}@example.test`,
    email_verified: true,
  };
}

/**
 * Builds the oidc-provider instance. Call it after both servers listen, with the real ports.
 * `configure(configuration)`, when given, may change the configuration before the provider is made.
 *
 * @returns {{ provider: Provider, store: ExpiringStore, routes: Record<string,string> }}
 */
export function createProvider({
  issuer,
  clientId,
  redirectUris,
  postLogoutRedirectUris = redirectUris,
  allowedOrigins,
  genesysPaths,
  accessTokenTtl,
  idTokenTtl,
  refreshTokenTtl,
  cookieSuffix,
  configure,
}) {
  const store = new ExpiringStore();
  const longLived = Math.max(14 * 24 * 60 * 60, refreshTokenTtl);

  const routes = {
    authorization: genesysPaths ? '/oauth/authorize' : '/auth',
    token: genesysPaths ? '/oauth/token' : '/token',
    userinfo: '/me',
    jwks: '/jwks',
    revocation: '/token/revocation',
    end_session: '/session/end',
  };

  const configuration = {
    // Own store, oidc-provider's adapter logic (grant indexes, consumption, ...).
    adapter: (model) => new MemoryAdapter(model, store, 15),

    clients: [
      {
        client_id: clientId,
        client_name: 'pixie-auth demo',
        application_type: 'web',
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        redirect_uris: redirectUris,
        post_logout_redirect_uris: postLogoutRedirectUris,
        id_token_signed_response_alg: 'RS256',
      },
    ],

    jwks: generateJwks(),

    // Signed cookies with a per-run key. The names carry the provider's port because browsers do
    // not separate cookies by port: two local providers on one host must not overwrite each
    // other's session. `secure` is left unset: oidc-provider only sets it when the request is
    // https (ctx.secure), so everything works over plain http://127.0.0.1.
    cookies: {
      keys: [crypto.randomBytes(32).toString('base64url')],
      names: {
        session: `_pixie_session_${cookieSuffix}`,
        interaction: `_pixie_interaction_${cookieSuffix}`,
        resume: `_pixie_interaction_resume_${cookieSuffix}`,
      },
      long: { httpOnly: true, sameSite: 'lax' },
      short: { httpOnly: true, sameSite: 'lax' },
    },

    routes,

    responseTypes: ['code'],

    // offline_access is accepted but not needed: see issueRefreshToken below.
    scopes: ['openid', 'profile', 'email', 'offline_access', 'users:readonly'],
    claims: {
      openid: ['sub'],
      profile: ['name', 'preferred_username'],
      email: ['email', 'email_verified'],
    },
    // Put the scope-requested claims (name, email, ...) into the ID token too, not only into
    // userinfo, so a single-page app can show who signed in without another request.
    conformIdTokenClaims: false,

    async findAccount(ctx, sub) {
      return {
        accountId: sub,
        async claims() {
          return accountClaims(sub);
        },
      };
    },

    pkce: {
      // S256 is the only method oidc-provider v9 supports; require it for every request.
      required: () => true,
    },

    // v9's default only issues refresh tokens when the offline_access scope was granted (and
    // offline_access is silently dropped unless prompt=consent is requested). Issue one for every
    // grant of a client that is allowed the refresh_token grant type.
    issueRefreshToken: async (ctx, client) => client.grantTypeAllowed('refresh_token'),
    // Rotate on every use. Reusing a rotated-away refresh token stays rejected with invalid_grant
    // (and, as oidc-provider does, revokes the whole grant).
    rotateRefreshToken: () => true,

    ttl: {
      AccessToken: () => accessTokenTtl,
      IdToken: () => idTokenTtl,
      AuthorizationCode: () => 60,
      // Like oidc-provider's default for public browser clients: a rotated refresh token keeps
      // the remaining lifetime of the one it replaces (absolute lifetime counted from sign-in).
      RefreshToken: (ctx, token) => {
        const rotated = ctx?.oidc?.entities?.RotatedRefreshToken;
        if (rotated) return Math.max(1, rotated.remainingTTL);
        return refreshTokenTtl;
      },
      Interaction: () => 60 * 60,
      Session: () => longLived,
      Grant: () => longLived,
      DeviceCode: () => 10 * 60,
      BackchannelAuthenticationRequest: () => 10 * 60,
      ClientCredentials: () => 10 * 60,
      PreAuthorizedCode: () => 10 * 60,
    },

    // Only the registered origins (the demo's, and those of the app's own redirect URIs) may
    // read responses of client-bound endpoints (token, userinfo, revocation). Discovery and
    // JWKS are "open" in oidc-provider; server.mjs strips CORS headers from every response to
    // a foreign Origin.
    clientBasedCORS: (ctx, origin) => allowedOrigins.has(origin),

    features: {
      devInteractions: { enabled: true },
      revocation: { enabled: true },
      userinfo: { enabled: true },
      rpInitiatedLogout: { enabled: true },
      // RFC 9207 (iss in the authorization response) is always on in v9: there is no
      // issAuthResp feature flag any more, discovery says
      // authorization_response_iss_parameter_supported: true.
    },
  };

  // Hook for guest.mjs (issue 12): adds the confidential guest client and client_credentials.
  configure?.(configuration);

  const provider = new Provider(issuer, configuration);
  return { provider, store, routes };
}
