// Shortens the names the .wasm and its JS glue know each other by, in both files.
//
//   node scripts/short-imports.mjs DIR GLUE
//
// wasm-bindgen names each import after the JS it calls plus a 16-hex-digit hash
// (`__wbg_addEventListener_847fd86b8c33ec43`): about 140 of them, each written once in the
// .wasm's import section and once in the glue, and the hashes do not compress. Here each
// becomes `_` and a base-36 number (`_0` … `_3v`), in DIR/pixie_auth_bg.wasm and in DIR/GLUE
// (the web build's glue defines them as the keys of its import object, the bundler build's as
// exported functions). Only the imports of wasm-bindgen's own module are renamed (module
// `./pixie_auth_bg.js`, or `wbg` in older releases); every name must appear in the glue exactly
// once as a definition, so a change in wasm-bindgen's output stops the build instead of
// producing a package that fails at instantiation. Run after wasm-opt and terser (terser keeps
// property keys and exported names, so it would not undo it, but the order keeps one meaning
// per step).
//
// The exports get the same treatment where their names have an underscore (wasm-bindgen's
// `pkceclient_callApi`, `__wbindgen_malloc`, `wasm_bindgen__convert__closures_____invoke__h…`):
// each becomes `$` and a base-36 number wherever the glue reads it as a property (`X.name`;
// any other use stops the build), and in DIR/pixie_auth_bg.wasm.d.ts. Left as they are: the
// free functions (`login`, …: no underscore), `memory`, `__wbindgen_start` (the bundler
// build's entry file calls it) and exports the glue does not use.
// Idempotent: a second run finds no long names and changes nothing.

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const [dir, glue] = process.argv.slice(2);
if (!dir || !glue) {
  console.error('usage: node scripts/short-imports.mjs DIR GLUE');
  process.exit(2);
}
const wasmPath = path.join(dir, 'pixie_auth_bg.wasm');
const gluePath = path.join(dir, glue);
const GLUE_MODULES = new Set(['./pixie_auth_bg.js', 'wbg']);

const bytes = readFileSync(wasmPath);
let at = 0;
const fail = (why) => { throw new Error(`${wasmPath}: ${why}`); };
const u8 = () => (at < bytes.length ? bytes[at++] : fail('truncated'));
const leb = () => {
  let value = 0;
  let shift = 0;
  for (;;) {
    const b = u8();
    value += (b & 0x7f) * 2 ** shift;
    shift += 7;
    if (b < 0x80) return value;
    if (shift > 35) fail('an LEB128 number is too long');
  }
};
const encodeLeb = (n) => {
  const out = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return Buffer.from(out);
};
const name = () => {
  const len = leb();
  const s = bytes.subarray(at, at + len);
  at += len;
  return s.toString('utf8');
};
const limits = () => {
  const flags = u8();
  leb();
  if (flags & 1) leb();
};

if (bytes.readUInt32LE(0) !== 0x6d736100) fail('not a WebAssembly module');
at = 8;
let importSection = null;
let exportSection = null;
while (at < bytes.length) {
  const headerStart = at;
  const id = u8();
  const size = leb();
  const start = at;
  if (id === 2) importSection = { headerStart, start, end: start + size };
  if (id === 7) exportSection = { headerStart, start, end: start + size };
  at = start + size;
}
if (!importSection || !exportSection) fail('no import or no export section');

// Reads the import section, renaming wasm-bindgen's imports.
at = importSection.start;
const count = leb();
const renamed = new Map(); // long name -> short name
const parts = [encodeLeb(count)];
for (let i = 0; i < count; i++) {
  const module = name();
  const field = name();
  const descStart = at;
  const kind = u8();
  if (kind === 0) leb();
  else if (kind === 1) { u8(); limits(); }
  else if (kind === 2) limits();
  else if (kind === 3) { u8(); u8(); }
  else if (kind === 4) { u8(); leb(); }
  else fail(`import kind ${kind} is unknown`);
  const desc = bytes.subarray(descStart, at);
  let newField = field;
  if (GLUE_MODULES.has(module) && kind === 0 && !/^_[0-9a-z]+$/.test(field)) {
    if (!renamed.has(field)) renamed.set(field, `_${renamed.size.toString(36)}`);
    newField = renamed.get(field);
  }
  for (const s of [module, newField]) {
    const b = Buffer.from(s, 'utf8');
    parts.push(encodeLeb(b.length), b);
  }
  parts.push(desc);
}
if (at !== importSection.end) fail('the import section has trailing bytes');

let js = readFileSync(gluePath, 'utf8');
const pattern = (n) => new RegExp(`(?<![\\w$])${n.replace(/\$/g, '\\$')}(?![\\w$])`, 'g');

// The export section: names with an underscore that the glue reads as properties.
at = exportSection.start;
const exportCount = leb();
const exported = new Map(); // long name -> short name
const exportParts = [encodeLeb(exportCount)];
for (let i = 0; i < exportCount; i++) {
  const field = name();
  const descStart = at;
  u8();
  leb();
  const desc = bytes.subarray(descStart, at);
  let newField = field;
  const uses = [...js.matchAll(pattern(field))];
  if (field.includes('_') && field !== '__wbindgen_start' && uses.length > 0) {
    for (const m of uses) {
      if (js[m.index - 1] !== '.') throw new Error(`${gluePath}: the export ${field} is used other than as a property (has wasm-bindgen's output changed?)`);
    }
    newField = `$${exported.size.toString(36)}`;
    exported.set(field, newField);
  }
  const b = Buffer.from(newField, 'utf8');
  exportParts.push(encodeLeb(b.length), b, desc);
}
if (at !== exportSection.end) fail('the export section has trailing bytes');
if (renamed.size === 0 && exported.size === 0) process.exit(0); // already short

// The glue: each imported name defined exactly once (`name:function` or `function name(`).
for (const [long, short] of renamed) {
  const uses = js.match(pattern(long))?.length ?? 0;
  if (uses !== 1) throw new Error(`${gluePath}: ${long} appears ${uses} times, expected once (has wasm-bindgen's output changed?)`);
  js = js.replace(pattern(long), short);
}
for (const [long, short] of exported) js = js.replace(pattern(long), short);

// The module again, the two sections replaced (the import section comes before the export one).
const section = (id, parts) => {
  const body = Buffer.concat(parts);
  return Buffer.concat([Buffer.from([id]), encodeLeb(body.length), body]);
};
const out = Buffer.concat([
  bytes.subarray(0, importSection.headerStart),
  section(2, parts),
  bytes.subarray(importSection.end, exportSection.headerStart),
  section(7, exportParts),
  bytes.subarray(exportSection.end),
]);
writeFileSync(wasmPath, out);
writeFileSync(gluePath, js);
// The bundler build's declarations of the module's exports (`export const name: …`).
const dtsPath = path.join(dir, 'pixie_auth_bg.wasm.d.ts');
if (existsSync(dtsPath)) {
  let dts = readFileSync(dtsPath, 'utf8');
  for (const [long, short] of exported) dts = dts.replace(pattern(long), short);
  writeFileSync(dtsPath, dts);
}
console.log(`${renamed.size} imports and ${exported.size} exports renamed: ${bytes.length - out.length} B off the .wasm`);

