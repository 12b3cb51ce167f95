// oidc-provider prints start-up warnings meant for people deploying it ("Unsupported runtime"
// on Node 20, "development-only ... devInteractions"): known and harmless here (devserver/README.md).
// Imported before devserver/ so the test output stays node:test's summary. Drops only lines
// starting with "oidc-provider WARNING:" or "oidc-provider NOTICE:".
const NOISE = /^(\x1b\[[\d;]*m)?oidc-provider (WARNING|NOTICE): /;

for (const level of ['warn', 'info']) {
  const original = console[level].bind(console);
  console[level] = (...args) => {
    if (typeof args[0] === 'string' && NOISE.test(args[0])) return;
    original(...args);
  };
}
