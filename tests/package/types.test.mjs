// The package's TypeScript declarations, as a TypeScript user meets them: a new app with the
// packed tarball installed, `tsc --strict --noEmit` with no lib beyond ES2020 + DOM and no
// skipLibCheck. The package README's main.js and API tour (api.js) and the workspace README's
// app.js, pasted into .ts files, compile; so do both entries and their named types; and a file
// of deliberate mistakes fails with exactly the diagnostics its comments name.

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { after, before, test } from 'node:test';

import { block, makeApp, REPO, run } from './lib/apps.mjs';

const FIXTURES = path.join(REPO, 'tests/package/fixtures');
const STRICT = {
  strict: true,
  noEmit: true,
  target: 'ES2020',
  lib: ['ES2020', 'DOM'],
  skipLibCheck: false,
  types: [],
};
/** The module resolutions a browser app's tsconfig uses. */
const RESOLUTIONS = {
  bundler: { module: 'ES2022', moduleResolution: 'bundler' },
  nodenext: { module: 'NodeNext', moduleResolution: 'NodeNext' },
  // TypeScript's older "node" (node10) ignores `exports`: `types` and `typesVersions` serve it.
  node10: { module: 'ES2022', moduleResolution: 'node' },
};

let app;
before(async () => {
  app = await makeApp('types', [['typescript', 'typescript']]);
  await app.write('main.ts', block(app.readme, '// main.js'));
  await app.write('api.ts', block(app.readme, '// api.js'));
  await app.write('app.ts', block(await readFile(path.join(REPO, 'README.md'), 'utf8'), '// app.js (JavaScript, or TypeScript under --strict as it is)'));
  await app.write('entries.ts', await readFile(path.join(FIXTURES, 'entries.ts'), 'utf8'));
  await app.write('wrong.ts', await readFile(path.join(FIXTURES, 'wrong.ts'), 'utf8'));
});
after(() => app?.remove());

/** Runs tsc on `files` with `resolution`: { code, diagnostics: [{ file, line, code, text }] }. */
async function tsc(files, resolution) {
  const name = `tsconfig.${resolution}.${files.length}.json`;
  await app.write(name, JSON.stringify({ compilerOptions: { ...STRICT, ...RESOLUTIONS[resolution] }, files }, null, 2));
  const { code, output } = await run(process.execPath, [app.path('node_modules/typescript/bin/tsc'), '-p', name, '--pretty', 'false'], {
    cwd: app.dir, allowFailure: true,
  });
  // One diagnostic per "file(line,col): error TSnnnn: message" line, with its indented elaboration.
  const diagnostics = [];
  for (const line of output.split('\n')) {
    const m = line.match(/^(.+?)\((\d+),\d+\): error (TS\d+): (.*)$/);
    if (m) diagnostics.push({ file: m[1], line: Number(m[2]), code: m[3], text: m[4] });
    else if (/^\s+\S/.test(line) && diagnostics.length) diagnostics.at(-1).text += `\n${line.trim()}`;
    else if (line.trim()) diagnostics.push({ file: '?', line: 0, code: '?', text: line });
  }
  return { code, diagnostics };
}

const show = (diagnostics) => diagnostics.map((d) => `${d.file}(${d.line}): ${d.code}: ${d.text}`).join('\n');

for (const resolution of Object.keys(RESOLUTIONS)) {
  test(`tsc --strict (lib ES2020 + DOM, moduleResolution ${resolution}): the READMEs' code, both entries, the named types`, { timeout: 60_000 }, async () => {
    const { code, diagnostics } = await tsc(['main.ts', 'api.ts', 'app.ts', 'entries.ts'], resolution);
    assert.deepEqual(diagnostics, [], `tsc reported:\n${show(diagnostics)}`);
    assert.equal(code, 0);
  });
}

test('tsc --strict fails on each deliberate mistake, with the diagnostic its comment names, and on nothing else', { timeout: 60_000 }, async () => {
  const source = await readFile(path.join(FIXTURES, 'wrong.ts'), 'utf8');
  const expected = source.split('\n').flatMap((text, i) => {
    const m = text.match(/\/\/ error (TS\d+) (.+)$/);
    return m ? [{ line: i + 1, code: m[1], fragment: m[2] }] : [];
  });
  assert.ok(expected.length >= 10, 'wrong.ts names its mistakes');
  const { code, diagnostics } = await tsc(['wrong.ts'], 'bundler');
  assert.equal(code, 2, 'tsc exits 2: errors found');
  for (const e of expected) {
    const found = diagnostics.filter((d) => d.file === 'wrong.ts' && d.line === e.line);
    assert.equal(found.length, 1, `one diagnostic on line ${e.line} (${e.code} ${e.fragment}); tsc reported:\n${show(diagnostics)}`);
    assert.equal(found[0].code, e.code, `line ${e.line}: ${found[0].text}`);
    assert.ok(found[0].text.includes(e.fragment), `line ${e.line}: "${e.fragment}" in: ${found[0].text}`);
  }
  const unexpected = diagnostics.filter((d) => !expected.some((e) => d.file === 'wrong.ts' && d.line === e.line));
  assert.deepEqual(unexpected, [], `diagnostics no comment names:\n${show(unexpected)}`);
});
