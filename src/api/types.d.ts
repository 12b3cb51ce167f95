/** A Genesys Cloud region: its domain or its id. */
export type GenesysRegion =
  | "mypurecloud.com" | "use2.us-gov-pure.cloud" | "usw2.pure.cloud" | "cac1.pure.cloud"
  | "sae1.pure.cloud" | "mxc1.pure.cloud" | "mypurecloud.ie" | "euw2.pure.cloud"
  | "mypurecloud.de" | "euc2.pure.cloud" | "edee1.eusc-pure.cloud" | "mec1.pure.cloud"
  | "aps1.pure.cloud" | "apse1.pure.cloud" | "mypurecloud.com.au" | "mypurecloud.jp"
  | "apne2.pure.cloud" | "apne3.pure.cloud"
  | "us_east_1" | "us_east_2" | "us_west_2" | "ca_central_1" | "sa_east_1" | "mx_central_1"
  | "eu_west_1" | "eu_west_2" | "eu_central_1" | "eu_central_2" | "eusc_de_east_1"
  | "me_central_1" | "ap_south_1" | "ap_southeast_1" | "ap_southeast_2" | "ap_northeast_1"
  | "ap_northeast_2" | "ap_northeast_3";

/** Settings shared by every configuration form. */
export interface CommonConfig {
  /** The OAuth client id (Genesys: the "Code Authorization" client with PKCE). */
  clientId: string;
  /** The redirect URI exactly as registered; https, or http on localhost/127.0.0.1/[::1]. */
  redirectUri: string;
  /**
   * Scopes to request, one per item. With "openid" (OpenID Connect), a nonce is sent and the
   * ID token is verified (signature with the provider's keys, iss, aud, azp, exp, iat, nonce).
   */
  scopes?: string[];
  /**
   * Extra authorization parameters (Genesys: org, provider, login_hint, prompt, target).
   * A `max_age` (seconds) makes the ID token's auth_time checked (OIDC Core 3.1.2.1).
   */
  extraParams?: Record<string, string>;
  /** Where the session lives: "session" (sessionStorage, default) or "memory". */
  storage?: "session" | "memory";
  /** Allowed clock skew for the ID token's exp, iat, nbf and auth_time: default 60, at most 600. */
  clockToleranceSeconds?: number;
  /** Refresh this many seconds before the access token expires (default 60, 0-86400). A
   * token living less than twice this is refreshed halfway through its life. */
  refreshLeadSeconds?: number;
  /** Emit "tokenExpiring" this many seconds before expiry when the token will not be renewed
   * automatically: no refresh token, or refreshing keeps failing (default 300, 0-86400). */
  expiringLeadSeconds?: number;
  /** Where the server sends the browser back after logout({ redirect: true }); must be
   * registered there. Default: redirectUri. */
  postLogoutRedirectUri?: string;
  /**
   * Whether tabs holding copies of one session (a duplicated tab) share each refresh and the
   * logout (default true). Their messages are encrypted and authenticated with a key derived
   * from the session's refresh token, so other documents of the origin can neither read nor
   * forge them. false opens no BroadcastChannel: each tab refreshes on its own (with
   * rotation, the second copy to refresh is refused and must log in again), and a logout
   * does not reach the others. Refreshes are still serialized across tabs by a Web Lock.
   */
  shareAcrossTabs?: boolean;
  /**
   * "refresh" (default): renew with the refresh token; without one, warn with tokenExpiring.
   * "silent": where it would only warn, renew with renewSilently() (a hidden frame with
   * prompt=none) first, and emit tokenExpiring only if that fails. Needs the provider's
   * cookies in a frame (see renewSilently).
   */
  autoRenew?: "refresh" | "silent";
}

/**
 * OpenID Connect endpoints given by hand (PkceClient.discover fetches them instead).
 * With the "openid" scope, `issuer` and `jwksUri` are required.
 */
export interface OidcEndpoints {
  /** The issuer identifier, exactly as the provider spells it (compared as a string). */
  issuer?: string;
  /** The provider's JWK Set (its ID token signing keys). */
  jwksUri?: string;
  /** The UserInfo endpoint, for loadUserInfo(). */
  userinfoEndpoint?: string;
  /** The OpenID Connect end_session_endpoint, used by logout({ redirect: true }). Wins over
   * the Genesys Cloud logout page when both apply. */
  endSessionEndpoint?: string;
  /** The token revocation endpoint (RFC 7009). logout() revokes the refresh token there
   * (the access token when there is none). */
  revocationEndpoint?: string;
}

/**
 * Genesys Cloud preset: endpoints derive from the region. `region` and the generic endpoints
 * exclude each other (the runtime refuses both with invalid_config; here it is a type error).
 */
export interface GenesysConfig extends CommonConfig, OidcEndpoints {
  region: GenesysRegion;
  /** Overrides https://api.<region domain>. */
  apiBase?: string;
  /** Not with `region`: the region gives the authorization endpoint. */
  authorizationEndpoint?: never;
  /** Not with `region`: the region gives the token endpoint. */
  tokenEndpoint?: never;
}

/** Any standards-following OAuth 2.0 server. */
export interface GenericConfig extends CommonConfig, OidcEndpoints {
  authorizationEndpoint: string;
  tokenEndpoint: string;
  /** Base URL for callApi paths. */
  apiBase?: string;
  /** Not with the endpoints: `region` is the Genesys Cloud form. */
  region?: never;
}

/** Where a client keeps its session; "memory-fallback" when sessionStorage is blocked. */
export type StorageMode = "session" | "memory" | "memory-fallback";

/** The configuration of a PkceClient. */
export type PkceConfig = GenesysConfig | GenericConfig;

/**
 * The configuration of PkceClient.discover: every endpoint comes from
 * `<issuer>/.well-known/openid-configuration` (OpenID Connect Discovery 1.0).
 */
export interface DiscoveryConfig extends CommonConfig {
  /**
   * The issuer identifier, exactly as the provider's discovery document spells it
   * (`https://id.example.com` and `https://id.example.com/` are different issuers).
   */
  issuer: string;
  /** Base URL for callApi paths; none unless given. */
  apiBase?: string;
}

/** Per-login options. */
export interface LoginOptions {
  /** Extra authorization parameters for this login only (e.g. prompt, max_age, login_hint). */
  extraParams?: Record<string, string>;
  /**
   * A path of this origin restored in the address bar after the callback, as
   * `location.pathname + location.search + location.hash` give it (e.g. "/inbox?tab=2"): no
   * "//", backslash, dot segment, control, space or non-ASCII character, encoded "/" or "\"
   * in the path, or "@" in its first segment (invalid_config otherwise).
   */
  returnTo?: string;
}

/** Options of loginPopup(): those of login(), and how long to wait. */
export interface LoginPopupOptions extends LoginOptions {
  /** Reject with popup_timeout after this many seconds without an answer (1..600, default 300). */
  timeoutSeconds?: number;
}

/** Options of renewSilently(): extra authorization parameters (prompt is always "none"). */
export interface RenewSilentlyOptions {
  extraParams?: Record<string, string>;
  /** Reject with silent_timeout after this many seconds without an answer (1..600, default 10). */
  timeoutSeconds?: number;
}

/** A JSON value, as a claim can hold. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** The postal address claim (OIDC Core 5.1.1). */
export type AddressClaim = {
  formatted?: string;
  street_address?: string;
  locality?: string;
  region?: string;
  postal_code?: string;
  country?: string;
};

/** The standard claims about the user (OIDC Core 5.1), all optional; others may appear too. */
export interface StandardClaims {
  name?: string;
  given_name?: string;
  family_name?: string;
  middle_name?: string;
  nickname?: string;
  preferred_username?: string;
  profile?: string;
  picture?: string;
  website?: string;
  email?: string;
  email_verified?: boolean;
  gender?: string;
  birthdate?: string;
  zoneinfo?: string;
  locale?: string;
  phone_number?: string;
  phone_number_verified?: boolean;
  address?: AddressClaim;
  /** Seconds since the epoch. */
  updated_at?: number;
  [claim: string]: JsonValue | undefined;
}

/**
 * The claims of the verified ID token (OIDC Core 2): its signature, iss, aud, azp, exp, iat,
 * nonce (and auth_time with max_age) were checked when the session was made.
 */
export interface IdTokenClaims extends StandardClaims {
  /** The issuer. */
  iss: string;
  /** The subject: the user's stable id at the issuer. */
  sub: string;
  /** The audience: this client id, or a list containing it. */
  aud: string | string[];
  /** Expiry, seconds since the epoch. */
  exp: number;
  /** Issue time, seconds since the epoch. */
  iat: number;
  /** When the user authenticated, seconds since the epoch. */
  auth_time?: number;
  nonce?: string;
  acr?: string;
  amr?: string[];
  azp?: string;
  at_hash?: string;
  sid?: string;
}

/** A UserInfo response (OIDC Core 5.3.2) whose sub equals the ID token's. */
export interface UserInfo extends StandardClaims {
  sub: string;
}

/**
 * What Genesys Web Messenger's AuthProvider `getAuthCode` command resolves with, for an
 * "OpenID Connect Messenger Configuration": Messenger (Genesys) redeems the code itself.
 */
export interface MessengerAuthCode {
  /** The authorization code, not redeemed. */
  authCode: string;
  /** The redirect URI of the authorization request, which the exchange must repeat. */
  redirectUri: string;
  /**
   * The PKCE code_verifier whose S256 challenge was sent. The only place pixie-auth ever
   * hands out a verifier: whoever redeems the code must present it.
   */
  codeVerifier: string;
  /** The nonce sent (with the openid scope), for the ID token check. */
  nonce?: string;
  /** The max_age sent, in seconds, when one was (extraParams.max_age). */
  maxAge?: number;
  /** The authorization response's iss parameter (RFC 9207), when the provider sent one. */
  iss?: string;
}

/** The non-secret view of a session. */
export interface SessionSummary {
  /** Access-token expiry in ms since the epoch (compare with Date.now()), or null if unknown. */
  expiresAt: number | null;
  /** Granted scope, space-separated, or null. */
  scope: string | null;
  hasRefreshToken: boolean;
  hasIdToken: boolean;
  /** After handleCallback: the returnTo given to login(), already restored. */
  returnTo?: string;
  /** How many times this session was refreshed (by this tab or a sibling tab). */
  refreshCount: number;
  /** When it was last refreshed, ms since the epoch (browser clock), or null. */
  lastRefreshAt: number | null;
  /** The server's clock minus the browser's, in ms, measured at the last token response from
   * its Date header or a JWT's iat; null when unknown. Expiry is already corrected for it. */
  clockOffsetMs: number | null;
  /**
   * Set only by handleCallback() on a redirect page opened by loginPopup() (a popup:
   * "opener") or renewSilently() (a hidden frame: "parent"): the callback was posted to that
   * window, at this page's own origin only, and not redeemed here (the popup closes itself).
   * This page then holds no new session: expiresAt and the rest describe none. Check
   * `if (result.relayed) return;` on a redirect page before using the session.
   */
  relayed?: "opener" | "parent";
}

/** Options of logout(). */
export interface LogoutOptions {
  /** Also end the session at the server by sending the browser to its logout page (Genesys
   * Cloud: https://login.<domain>/logout; OpenID Connect: endSessionEndpoint with client_id
   * and post_logout_redirect_uri). Ignored for a generic server without endSessionEndpoint. */
  redirect?: boolean;
  /** Absolute URL the server sends the browser back to (must be registered there).
   * Default: postLogoutRedirectUri, else redirectUri. */
  returnTo?: string;
  /** Also send the ID token as id_token_hint (default false). The logout request is a browser
   * navigation, so the ID token then lands in the address bar, the history and the provider's
   * access logs; turn it on only where the provider insists on the hint. */
  sendIdTokenHint?: boolean;
}

/** What logout() did beyond ending the local session, which it always does first. */
export interface LogoutResult {
  /** "revoked": every revocation request succeeded; "failed": one failed (see error);
   * "skipped": nothing to revoke or nowhere to do it. */
  revocation: "revoked" | "failed" | "skipped";
  /** The revocation failure (code "revocation_failed"), or null. */
  error: PixieAuthError | null;
  /** Where the browser is being sent (the server's logout page), or null. */
  redirectTo: string | null;
}

/** "tokenExpiring": the access token expires soon and will NOT be renewed automatically (no
 * refresh token, or refreshing keeps failing). Once per token, expiringLeadSeconds before
 * expiry: send the user through login() at a convenient moment. */
export interface TokenExpiringEvent {
  /** Expiry, ms since the epoch (browser clock). */
  expiresAt: number;
  /** Whole seconds left (0 when already expired). */
  secondsLeft: number;
  /** True when a refresh token is held but refreshing fails (it is retried, paced). */
  hasRefreshToken: boolean;
}

/** "tokenRefreshed": a new access token is in use (refreshed here, or by a sibling tab). */
export interface TokenRefreshedEvent {
  /** The new expiry, ms since the epoch (browser clock), or null when unknown. */
  expiresAt: number | null;
  refreshCount: number;
  lastRefreshAt: number;
  /** Whether the server rotated the refresh token. */
  rotated: boolean;
  /** "other-tab": a sibling tab of the same session refreshed and shared the result. */
  origin: "this-tab" | "other-tab";
}

/** "sessionExpired": the session ended without logout(); calls reject with login_required. */
export interface SessionExpiredEvent {
  /** "expired": the access token expired and cannot be renewed; "refresh_rejected": the server
   * refused the refresh token (invalid_grant); "unauthorized": the API answered 401 and a
   * refresh could not fix it. */
  reason: "expired" | "refresh_rejected" | "unauthorized";
  code: "login_required";
}

/** "loggedOut": logout() ended the session, in this tab or a sibling tab of the session. */
export interface LoggedOutEvent {
  origin: "this-tab" | "other-tab";
}

/** "storageFallback": sessionStorage is blocked; the session lives in memory (a reload loses
 * it), and a redirect login() rejects with storage_unavailable (its pending login could not
 * survive the redirect). Emitted once, on a microtask after construction. */
export interface StorageFallbackEvent {
  requested: "session";
  actual: "memory";
}

/** Every event and its payload. Payloads never hold a token. */
export interface PixieEventMap {
  tokenExpiring: TokenExpiringEvent;
  tokenRefreshed: TokenRefreshedEvent;
  sessionExpired: SessionExpiredEvent;
  loggedOut: LoggedOutEvent;
  storageFallback: StorageFallbackEvent;
}

/** The name of an event. */
export type PixieEventName = keyof PixieEventMap;

/** A handler of the event K. */
export type PixieEventHandler<K extends PixieEventName> = (event: PixieEventMap[K]) => void;

export interface PkceClient {
  /** Calls handler with each K event (a handler is added once, like addEventListener).
   * Throws invalid_config for a string that names no event, invalid_argument for a name that
   * is not a string or a handler that is not a function. */
  on<K extends PixieEventName>(name: K, handler: PixieEventHandler<K>): void;
  /** Removes a handler added with on(). */
  off<K extends PixieEventName>(name: K, handler: PixieEventHandler<K>): void;
}

/** on() on the configured client. */
export function on<K extends PixieEventName>(name: K, handler: PixieEventHandler<K>): void;
/** off() on the configured client. */
export function off<K extends PixieEventName>(name: K, handler: PixieEventHandler<K>): void;

/** Every code a pixie-auth rejection can carry. */
export type PixieErrorCode =
  | "invalid_config" | "invalid_argument" | "invalid_callback" | "state_mismatch"
  | "missing_pending_login" | "pending_login_expired" | "issuer_mismatch"
  | "redirect_uri_mismatch" | "authorization_error"
  | "token_exchange_failed" | "invalid_token_response" | "network_error" | "login_required"
  | "storage_unavailable" | "platform_error" | "invalid_api_url"
  | "discovery_failed" | "invalid_discovery" | "discovery_issuer_mismatch"
  | "discovery_s256_unsupported" | "jwks_fetch_failed" | "jwks_invalid"
  | "id_token_malformed" | "id_token_alg_unsupported" | "id_token_crit_unsupported"
  | "id_token_signature_invalid" | "id_token_unknown_kid" | "id_token_key_ambiguous"
  | "id_token_iss_mismatch" | "id_token_aud_mismatch" | "id_token_azp_mismatch"
  | "id_token_expired" | "id_token_iat_future" | "id_token_nbf_future"
  | "id_token_nonce_mismatch" | "id_token_auth_time_invalid" | "id_token_sub_mismatch"
  | "userinfo_failed" | "userinfo_invalid" | "userinfo_sub_mismatch" | "not_a_callback"
  | "refresh_failed" | "no_refresh_token" | "revocation_failed"
  | "guest_token_failed" | "guest_token_invalid" | "rate_limited"
  | "invalid_origin" | "host_unavailable"
  | "popup_blocked" | "popup_closed" | "popup_timeout"
  | "silent_timeout" | "silent_frame_refused" | "interaction_required";

/**
 * Whether `e` is a pixie-auth error: an object named "PixieAuthError" with a string `code`
 * (one of PixieErrorCode). In a `catch (e)` (where `e` is `unknown` under `--strict`) it
 * narrows `e`:
 *
 *     } catch (e) {
 *       if (isPixieAuthError(e) && e.code === "login_required") showLogin();
 *       else throw e;
 *     }
 */
export function isPixieAuthError(e: unknown): e is PixieAuthError;

/**
 * The Error every pixie-auth rejection is. Its message never holds a secret. A type only (no
 * class to `instanceof`): test with isPixieAuthError().
 */
export interface PixieAuthError extends Error {
  name: "PixieAuthError";
  code: PixieErrorCode;
  /** The server's OAuth error code (e.g. "access_denied", "invalid_grant"). */
  oauthError?: string;
  /** The server's error_description for authorization errors (sanitized, for display). */
  errorDescription?: string;
  /** The HTTP status behind a token, discovery, JWK Set, UserInfo or guest token endpoint
   * failure (guest_token_failed; 429 with rate_limited). */
  status?: number;
  /** The seconds the server asked to wait (Retry-After, or a guest token endpoint's JSON
   * retryAfter): with rate_limited, and any failure whose server said. */
  retryAfter?: number;
  /**
   * The name of the browser exception behind a network_error or storage_unavailable:
   * "TypeError" (no answer: offline, DNS, TLS or a CORS refusal), "AbortError",
   * "TimeoutError", "SecurityError" (storage blocked), "QuotaExceededError" (storage full)...
   */
  jsErrorName?: string;
}

/**
 * What `body()` returns: the JSON body of each guest token request. The reference proxy
 * (devserver/guest-proxy.mjs) reads `name`, `pageUrl` and `customAttributes`; a site's own
 * endpoint decides what it reads.
 */
export interface GuestTokenRequestBody {
  /** The visitor's display name. */
  name?: string;
  /** The page the visitor chats from. */
  pageUrl?: string;
  /** Attributes for the conversation (the proxy scrubs card numbers, SSNs and e-mail
   * addresses, and logs only the keys). */
  customAttributes?: Record<string, string | number | boolean>;
  [key: string]: JsonValue | undefined;
}

/** The options of `new GuestTokenSource(options)`. Unknown keys are refused (invalid_config). */
export interface GuestTokenOptions {
  /** The site's own guest token endpoint (same origin, or CORS). A relative URL is resolved
   * against the page, as fetch would; https, or http on localhost/127.0.0.1/[::1]. */
  endpoint: string;
  /** Called for each request; its result is POSTed as JSON (nothing returned: `{}`). */
  body?: () => GuestTokenRequestBody | undefined;
  /** Fetch the next token this many seconds before `exp` (default 600, 0-86400); halfway
   * through a lifetime shorter than twice this. */
  refreshLeadSeconds?: number;
  /** getToken() resolves with a token valid at least this many seconds more (default 60,
   * 0-86400; at most half the token's lifetime). */
  minValidity?: number;
  /** The page's cookies go to the endpoint only when set: fetch's `credentials` (default
   * "omit"; "include" needs `Access-Control-Allow-Credentials` cross-origin). */
  credentials?: "omit" | "same-origin" | "include";
  /** With `issuer` and `audience`: verify each token as an ID token is verified (signature
   * with this JWK Set's key through WebCrypto, iss, aud, exp, iat, nbf). Without them the
   * token is opaque to the browser and only scheduled by its `exp`. */
  jwksUri?: string;
  /** The `iss` every token must carry (compared exactly); needs `jwksUri` and `audience`. */
  issuer?: string;
  /** An `aud` every token must carry; needs `jwksUri` and `issuer`. */
  audience?: string;
}

/** "tokenExpiring": a request for a new token starts now, while this one is held: hold
 * outgoing messages until "tokenRefreshed" (or "tokenExpired"). */
export interface GuestTokenExpiringEvent {
  /** When the token held expires, ms since the epoch (browser clock). */
  expiresAt: number;
  /** Whole seconds it has left. */
  secondsLeft: number;
}

/** "tokenRefreshed": a new token is in (the first one included), and the onToken handlers
 * have it: resume. */
export interface GuestTokenRefreshedEvent {
  /** When the new token expires, ms since the epoch (browser clock, corrected for the
   * server's clock from its Date header). */
  expiresAt: number;
  /** When it will be replaced, ms since the epoch (browser clock). */
  refreshAt: number;
  /** How many tokens came before this one (0 for the first). */
  refreshCount: number;
  /** When this one arrived, ms since the epoch (browser clock). */
  lastRefreshAt: number;
}

/** "tokenExpired": no token could be had: a cycle of up to three requests failed (getToken()
 * rejected with the same code; the next getToken() tries again at once), or after such a
 * failure the token still held expired (then expiresAt is null). */
export interface GuestTokenExpiredEvent {
  /** Why: guest_token_failed, rate_limited, guest_token_invalid, network_error, ... */
  code: PixieErrorCode;
  /** The endpoint's HTTP status, when it answered. */
  status: number | null;
  /** The seconds the server asked to wait, when it said. */
  retryAfter: number | null;
  /** When the token still held stops working, ms since the epoch; null when none is left. */
  expiresAt: number | null;
  /** When the next automatic attempt runs, ms since the epoch (browser clock). */
  retryAt: number;
}

/** Every event of a GuestTokenSource and its payload. Payloads never hold the token. */
export interface GuestEventMap {
  tokenExpiring: GuestTokenExpiringEvent;
  tokenRefreshed: GuestTokenRefreshedEvent;
  tokenExpired: GuestTokenExpiredEvent;
}

/** The name of a GuestTokenSource event. */
export type GuestEventName = keyof GuestEventMap;

/** A handler of the GuestTokenSource event K. */
export type GuestEventHandler<K extends GuestEventName> = (event: GuestEventMap[K]) => void;

export interface GuestTokenSource {
  /** Calls handler with each K event (a handler is added once, like addEventListener).
   * Throws invalid_config for a string that names no event, invalid_argument for a name that
   * is not a string or a handler that is not a function. */
  on<K extends GuestEventName>(name: K, handler: GuestEventHandler<K>): void;
  /** Removes a handler added with on(). */
  off<K extends GuestEventName>(name: K, handler: GuestEventHandler<K>): void;
}

/** The options of `auth.shareWithFrame(iframe, options)`. Unknown keys are refused
 * (invalid_config). */
export interface ShareWithFrameOptions {
  /** The frame's exact origin, "https://crm.example" (http only on a loopback host): the
   * only origin answered, and the only targetOrigin posted to. No wildcard; scheme, host and
   * port must all match. "null" and "*" throw invalid_origin. */
  origin: string;
  /** A token expiring within this many seconds is refreshed before it is handed over
   * (default 60, 0-86400), so the embedded app never starts with a token about to die. */
  minValiditySeconds?: number;
}

/** What a bridge end received: accepted messages and dropped ones by reason. */
export interface BridgeStats {
  accepted: number;
  dropped: number;
  droppedBy: {
    /** Made by a script (event.isTrusted false), whatever origin it claimed. */
    untrusted: number;
    /** From another window than the bridge's one (another frame, a popup, the page itself). */
    source: number;
    /** From the right window at another origin (the frame navigated elsewhere). */
    origin: number;
    /** Not a plain object of an accepted shape, or over 16 KiB as JSON. */
    invalid: number;
  };
}

/** An app event a frame posts: a plain object with a short `type` (letters, digits,
 * - _ . :, at most 64), at most 16 KiB as JSON. */
export interface FrameEventMessage {
  type: string;
  [key: string]: JsonValue | undefined;
}

/** The options of `PkceClient.fromHost(options)`. Unknown keys are refused (invalid_config). */
export interface FromHostOptions {
  /** The host page's exact origin ("https://portal.example"): the only origin listened to,
   * the only targetOrigin posted to. In Genesys Cloud, genesysHostOrigin(location.search).origin. */
  hostOrigin: string;
  /** Where callApi may send the token (https, or http on a loopback host). */
  apiBase?: string;
  /** How long a request waits for the host before host_unavailable (default 10, 0-86400). */
  timeoutSeconds?: number;
  /** Ask the host again when the token held has less than this left (default 30). */
  minValiditySeconds?: number;
}

/** "tokenRefreshed" of a HostedClient: the host pushed a new token (kept in memory). */
export interface HostedTokenRefreshedEvent {
  /** When the new token expires, ms since the epoch (host's clock), or null when unknown. */
  expiresAt: number | null;
}

/** "loggedOut" of a HostedClient: the host's session ended; the token was dropped. */
export interface HostedLoggedOutEvent {}

/** Every event of a HostedClient and its payload. Payloads never hold the token. */
export interface HostedEventMap {
  tokenRefreshed: HostedTokenRefreshedEvent;
  loggedOut: HostedLoggedOutEvent;
}

/** The frame's end (`PkceClient.fromHost`): no login of its own; the token is the host's. */
export interface HostedClient {
  /** Calls handler with each K event. */
  on<K extends keyof HostedEventMap>(name: K, handler: (event: HostedEventMap[K]) => void): void;
  /** Removes a handler added with on(). */
  off<K extends keyof HostedEventMap>(name: K, handler: (event: HostedEventMap[K]) => void): void;
}

/** What genesysHostOrigin() found. */
export interface GenesysHost {
  /** The Genesys Cloud UI's origin, e.g. "https://apps.mypurecloud.ie". */
  origin: string;
  /** The region id, e.g. "eu_west_1". */
  region: string;
  /** The region's domain, e.g. "mypurecloud.ie". */
  domain: string;
  /** gcTargetEnv when given ("prod", "prod-euw2"), checked for its form only. */
  targetEnv: string | null;
}
