// The dev server's ports: their variables, a check that they are free, and the message
// for a busy one (the same from `npm start`'s check before the build and from a failed bind).
//
// node:net only, no package: devserver/preflight.mjs runs it before `npm install`.

import * as net from 'node:net';

/** The host both servers listen on. */
export const HOST = '127.0.0.1';

/** Each port: its startDevServer option, its environment variable, its default, what it serves. */
export const PORTS = Object.freeze({
  opPort: { env: 'PIXIE_OP_PORT', fallback: 9000, what: 'the OpenID provider and demo API' },
  demoPort: { env: 'PIXIE_DEMO_PORT', fallback: 8080, what: 'the demo pages' },
  // guest.mjs (issue 12): 9100, or any free port when the provider's is 0 (tests).
  guestPort: { env: 'PIXIE_GUEST_PORT', fallback: 9100, what: 'the guest-token proxy' },
  // embed.mjs (issue 11): the bridge demo's embedded app and hostile frame; 0 when the provider's is.
  embedPort: { env: 'PIXIE_EMBED_PORT', fallback: 8081, what: 'the embedded app of the bridge demo' },
  hostilePort: { env: 'PIXIE_HOSTILE_PORT', fallback: 8082, what: 'the hostile frame of the bridge demo' },
});

/** The guest-token proxy's port when none is given: as guest.mjs picks it. */
export function defaultGuestPort(opPort) {
  return Number(opPort) === 0 ? 0 : PORTS.guestPort.fallback;
}

/** A port the dev server cannot listen on because another program does. */
export class PortInUseError extends Error {
  constructor(option, port, suggestion) {
    super(busyPortMessage(option, port, suggestion));
    this.name = 'PortInUseError';
    this.code = 'EADDRINUSE';
    this.option = option;
    this.port = port;
  }
}

/** "port 9000 (PIXIE_OP_PORT, the OpenID provider ...) is already in use ... PIXIE_OP_PORT=9001 npm start". */
export function busyPortMessage(option, port, suggestion) {
  const { env, what } = PORTS[option];
  const alternative = suggestion ? `${env}=${suggestion} npm start` : `${env}=<another port> npm start`;
  return `port ${port} on ${HOST} (${env}, ${what}) is already in use by another program. `
    + `Stop that program, or choose another port: ${alternative} (${env}=0 picks any free port).`;
}

/** Parses a port number; `name` is the option or variable named in the error. */
export function parsePort(value, name) {
  const n = Number(value);
  if (value === '' || !Number.isInteger(n) || n < 0 || n > 65535) {
    throw new Error(`${name} must be a port number from 0 to 65535 (0 = any free port), not ${JSON.stringify(String(value))}`);
  }
  return n;
}

/** The ports the CLI will bind, from PIXIE_OP_PORT, PIXIE_DEMO_PORT, PIXIE_GUEST_PORT (or their defaults). */
export function portsFromEnv(env = process.env) {
  const out = {};
  for (const [option, { env: name, fallback }] of Object.entries(PORTS)) {
    const given = env[name] !== undefined && env[name] !== '';
    if (given) out[option] = parsePort(env[name], name);
    else if (option === 'guestPort') out[option] = defaultGuestPort(out.opPort);
    else if (option === 'embedPort' || option === 'hostilePort') out[option] = Number(out.opPort) === 0 ? 0 : fallback;
    else out[option] = fallback;
  }
  return out;
}

/** Whether a listen on HOST:port succeeds now (the socket is closed again at once). */
export function canListen(port, host = HOST) {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', (err) => (err.code === 'EADDRINUSE' ? resolve(false) : reject(err)));
    server.listen({ port, host }, () => server.close(() => resolve(true)));
  });
}

/** A free port near `port` (the next 50 up), not one of `avoid`; undefined when none is. */
export async function nearbyFreePort(port, avoid = []) {
  for (let p = port + 1; p <= Math.min(port + 50, 65535); p += 1) {
    if (!avoid.includes(p) && await canListen(p)) return p;
  }
  return undefined;
}

/**
 * Checks the ports before anything is built: each must be free (0 always is), and no two the
 * same. Resolves with the problems, as messages (empty when all is well).
 *
 * @param {{ opPort: number, demoPort: number, guestPort?: number }} ports
 */
export async function portProblems(ports) {
  const problems = [];
  const entries = Object.entries(ports);
  for (const [i, [a, pa]] of entries.entries()) {
    for (const [b, pb] of entries.slice(i + 1)) {
      if (pa !== 0 && pa === pb) problems.push(`${PORTS[a].env} and ${PORTS[b].env} are both ${pa}: each server needs its own port.`);
    }
  }
  if (problems.length) return problems;
  for (const [option, port] of Object.entries(ports)) {
    if (port === 0 || await canListen(port)) continue;
    problems.push(busyPortMessage(option, port, await nearbyFreePort(port, Object.values(ports))));
  }
  return problems;
}

/** Turns a failed listen into a PortInUseError naming the port's variable; other errors pass. */
export async function explainListenError(err, option, port, avoid = []) {
  if (err?.code !== 'EADDRINUSE' || !PORTS[option]) return err;
  return new PortInUseError(option, port, await nearbyFreePort(port, avoid));
}

/** Binds `server` to `port` (0: any free one) on HOST; resolves with the port it got. */
export function listen(server, port) {
  return new Promise((resolve, reject) => {
    const onError = (err) => reject(err);
    server.once('error', onError);
    server.listen(port, HOST, () => {
      server.off('error', onError);
      resolve(server.address().port);
    });
  });
}

/** Stops `server` and drops its open connections; resolves once it is closed. */
export function closeServer(server) {
  return new Promise((resolve) => {
    if (!server.listening) { resolve(); return; }
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
