// `npm start`'s first step, before any install or build: checks what the dev server will need
// from its environment, so a mistake is reported at once instead of after the build.
//   - PIXIE_OP_PORT / PIXIE_DEMO_PORT: valid, different, and free on 127.0.0.1;
//   - PIXIE_REDIRECT_URIS: absolute URIs, https or http on a loopback host.
//
//   node devserver/preflight.mjs      exit 0 (one line saying what was checked) or 1 (why not)
//
// Node's standard library only: this runs before `npm ci`.

import { portProblems, portsFromEnv, PORTS } from './ports.mjs';
import { APP_REDIRECT_URIS_ENV, appRedirectUris } from './registration.mjs';

const say = (line) => console.log(`\x1b[1m[start]\x1b[0m ${line}`);

function fail(problems) {
  for (const problem of problems) console.error(`npm start: ${problem}`);
  process.exit(1);
}

let ports;
let uris;
try {
  ports = portsFromEnv();
  uris = appRedirectUris(process.env[APP_REDIRECT_URIS_ENV] ?? '', APP_REDIRECT_URIS_ENV);
} catch (err) {
  fail([err.message]);
}
const problems = await portProblems(ports);
if (problems.length) fail(problems);

const described = Object.entries(ports).map(([option, port]) => `${PORTS[option].env}=${port}${port === 0 ? ' (any free port)' : ''}`);
say(`ports free: ${described.join(', ')}; ${APP_REDIRECT_URIS_ENV}: ${uris.length ? uris.join(' ') : 'not set (the demo only)'}`);
