// Issue 11, the frame bridge: two more origins on 127.0.0.1 beside the demo's.
//
//   - the embedded app's origin (PIXIE_EMBED_PORT, 8081): www/embedded/, an app with no login
//     of its own that shows the user's profile through the host page's session
//     (PkceClient.fromHost); the demo's host page, /plain/host.html on the demo origin, frames it;
//   - a hostile origin (PIXIE_HOSTILE_PORT, 8082): www/hostile/, a frame that tries every way
//     to get a token out of the host page, and shows what it got (nothing).
//
// Each page is sent with the Content-Security-Policy it needs (README, "Embedded apps"):
// the host page may frame exactly the embedded and hostile origins and connect to the
// provider; the embedded app may be framed by exactly the host's origin and connect to the
// provider; the hostile page gets no CSP of its own (it is the attacker).

import * as http from 'node:http';

import { closeServer, HOST, listen } from './ports.mjs';
import { createStaticHandler, resolveMounts } from './static.mjs';

/** The embedded app's pages: registered as redirect URIs (its popup login, when unframed). */
export const EMBEDDED_REDIRECT_PATHS = Object.freeze(['/']);

/** The host page of the bridge demo, on the demo origin. */
export const HOST_PAGE = '/plain/host.html';

/** The CSP of the host page: frames from exactly the embedded app's and the hostile origin. */
export function hostCsp({ embeddedOrigin, hostileOrigin, issuer }) {
  return [
    "default-src 'self'",
    "script-src 'self' 'wasm-unsafe-eval'",
    "style-src 'self' 'unsafe-inline'",
    `connect-src 'self' ${issuer}`,
    `frame-src ${embeddedOrigin} ${hostileOrigin}`,
    "frame-ancestors 'none'",
    "img-src 'self' data:",
  ].join('; ');
}

/** The CSP of the embedded app: framed only by the host's origin. */
export function embeddedCsp({ hostOrigin, issuer }) {
  return [
    "default-src 'self'",
    "script-src 'self' 'wasm-unsafe-eval'",
    "style-src 'self' 'unsafe-inline'",
    `connect-src 'self' ${issuer}`,
    // The popup login (when not framed) opens the provider; nothing is framed here.
    "frame-src 'none'",
    `frame-ancestors ${hostOrigin}`,
    "img-src 'self' data:",
  ].join('; ');
}

/**
 * The two servers. `listen(opPort)` binds them (port 0, any free one, when the provider's is 0,
 * as in the tests); `start()` gives them their handlers once the provider exists.
 *
 * @param {{ embedPort?: number, hostilePort?: number }} options
 */
export function createEmbedServices(options = {}, { log = () => {} } = {}) {
  let handlers = { embedded: null, hostile: null };
  let csp = null;
  const servers = {};
  for (const name of ['embedded', 'hostile']) {
    servers[name] = http.createServer((req, res) => {
      const t0 = Date.now();
      res.on('close', () => log(`[${name}] ${req.method} ${req.url.split('?')[0]} -> ${res.headersSent ? res.statusCode : 'dropped'} (${Date.now() - t0} ms)`));
      const handler = handlers[name];
      if (!handler) { res.writeHead(503).end(); return; }
      if (name === 'embedded' && csp) res.setHeader('Content-Security-Policy', embeddedCsp(csp));
      handler(req, res).catch((err) => {
        console.error(`[${name}] internal error`, err);
        if (!res.headersSent) res.writeHead(500).end();
        else res.destroy();
      });
    });
  }
  const origins = { embeddedOrigin: null, hostileOrigin: null };
  let hostOrigin = null;

  return {
    origins,
    /** Binds both servers; `avoid`: the ports already taken, for the busy-port message. */
    async listen(opPort) {
      const pick = (given, fallback) => (given ?? (Number(opPort) === 0 ? 0 : fallback));
      const embedPort = await listen(servers.embedded, pick(options.embedPort, 8081));
      const hostilePort = await listen(servers.hostile, pick(options.hostilePort, 8082));
      origins.embeddedOrigin = `http://${HOST}:${embedPort}`;
      origins.hostileOrigin = `http://${HOST}:${hostilePort}`;
      return { embedPort, hostilePort };
    },
    /** The embedded app's redirect URIs (for its popup login). */
    redirectUris() {
      return origins.embeddedOrigin ? EMBEDDED_REDIRECT_PATHS.map((p) => `${origins.embeddedOrigin}${p}`) : [];
    },
    /** Serves the pages: `getConfig` is the demo's /config.json (which carries these origins). */
    start({ rootDir, files, getConfig, hostOrigin: host, issuer }) {
      hostOrigin = host;
      csp = { ...origins, hostOrigin, issuer };
      handlers = {
        embedded: createStaticHandler({ mounts: resolveMounts({ '/': 'www/embedded', '/pkg-web/': 'pkg-web' }, rootDir), getConfig, files }),
        hostile: createStaticHandler({ mounts: resolveMounts({ '/': 'www/hostile' }, rootDir), getConfig, files }),
      };
    },
    /** The host page's CSP header value. */
    hostCsp() {
      return csp ? hostCsp(csp) : null;
    },
    /** What /config.json says about the bridge demo. */
    demoConfig() {
      return { hostOrigin, ...origins };
    },
    close() {
      return Promise.all([closeServer(servers.embedded), closeServer(servers.hostile)]).then(() => {});
    },
  };
}
