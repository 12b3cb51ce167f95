// Groups `twiggy top -f json` rows of pixie-auth's wasm (the wasm-bindgen output before wasm-opt,
// built with --keep-debug so that functions keep their names) by crate, and our own code by
// module. Run by scripts/twiggy.sh (`npm run size:crates`); see there.
//
//   node scripts/twiggy-crates.mjs TOP.json [--save FILE.tsv] [--compare BEFORE.tsv] [--top N]
//
// Attribution, from the demangled name of each item:
//   - `<A as B>::f` and `<A>::f` count for A's crate (for A a generic parameter, such as the T of
//     `<T as alloc::string::ToString>`, for B's); `&`, `&mut`, `*const`, `dyn` are looked through;
//     primitive types (`<u128>::fmt`, `<str>::find`) count for `core` (unless B is another
//     crate's trait: `<f64 as zmij::...>`); `__rustc::` (allocator glue, panic handler) for `std`;
//     js_sys includes js_sys::futures (wasm-bindgen-futures lives there in this version);
//   - otherwise the first path segment is the crate; our own code counts for the deepest module
//     of src/ its path lies in (src/core/oauth/config.rs: `pixie_auth::core::oauth::config`);
//   - `core` is split further: fmt, num (float formatting: flt2dec), drop glue, str, the rest;
//   - data segments (.rodata, .data), wasm-bindgen's generated exports and shims, the import
//     entries (one per JS function the module calls), the wasm
//     structure (types, table, elem, globals), compiler builtins (memcpy, __multi3...), other.
// The name section and the other custom sections (producers, target_features: wasm-opt strips
// them) are listed, and left out of the total, as ENVIRONMENT.md says.

import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const opt = (name) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined; };
const input = args[0];
if (!input || input.startsWith('--')) {
  console.error('usage: node scripts/twiggy-crates.mjs TOP.json [--save FILE.tsv] [--compare BEFORE.tsv] [--top N]');
  process.exit(2);
}
const items = JSON.parse(readFileSync(input, 'utf8'));

/** The rows always shown (0 when absent), so that before/after tables line up. */
const FIXED = [
  'core', 'core::fmt', 'core::num (flt2dec, parsing)', 'core (drop glue)', 'core::str', 'core (rest)',
  'alloc', 'std', 'serde_json', 'serde / serde_core', 'url', 'idna', 'wasm_bindgen', 'js_sys', 'web_sys',
  'serde_wasm_bindgen', 'base64', 'dlmalloc', 'talc',
  'data segments', 'wasm-bindgen generated (exports, shims)', 'wasm imports (JS functions the module calls)', 'wasm structure (types, table, elem, globals)',
  'compiler builtins', 'other',
];
const CORE_PARTS = FIXED.slice(1, 6);

/** Our module paths, from the files of src/: src/core/oauth/config.rs -> pixie_auth::core::oauth::config. */
const SRC = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'src');
const MODULES = new Set(readdirSync(SRC, { recursive: true })
  .filter((f) => f.endsWith('.rs'))
  .map((f) => ['pixie_auth', ...f.slice(0, -3).split(path.sep).filter((x) => x !== 'mod' && x !== 'lib')].join('::')));
const PRIMITIVES = new Set(['u8', 'u16', 'u32', 'u64', 'u128', 'usize', 'i8', 'i16', 'i32', 'i64', 'i128', 'isize',
  'f32', 'f64', 'bool', 'char', 'str']);
const BUILTINS = /^(memcpy|memmove|memset|memcmp|bcmp|__[a-z]+[0-9]+|__rust_probestack|compiler_builtins::)/;

/** `core[c5930c85a12de822]::fmt` -> `core::fmt`; `::h0123456789abcdef` suffix dropped. */
const clean = (name) => name.replace(/\[[0-9a-f]{16}\]/g, '').replace(/::h[0-9a-f]{16}$/, '');

/** The text of the leading `<...>` (balanced), or null. */
function leadingAngle(s) {
  if (!s.startsWith('<')) return null;
  let depth = 0;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '<') depth += 1;
    else if (s[i] === '>' && s[i - 1] !== '-') { depth -= 1; if (depth === 0) return s.slice(1, i); }
  }
  return null;
}

/** Splits `A as B` at the top-level " as ". */
function splitAs(s) {
  let depth = 0;
  for (let i = 0; i < s.length; i++) {
    if ('<([{'.includes(s[i])) depth += 1;
    else if ('>)]}'.includes(s[i]) && s[i - 1] !== '-') depth -= 1;
    else if (depth === 0 && s.startsWith(' as ', i)) return [s.slice(0, i), s.slice(i + 4)];
  }
  return [s, null];
}

/** The path segments of a type or path expression, with references/pointers/dyn looked through. */
function pathOf(t) {
  let s = t.trim();
  for (;;) {
    const next = s.replace(/^(&mut |&|\*const |\*mut |dyn |impl )/, '');
    if (next === s) break;
    s = next;
  }
  if (s.startsWith('<')) return subject(s); // <<A as B>::f::Local as C>: A's
  if (s.startsWith('[')) return ['[slice]'];
  if (s.startsWith('(')) return ['(tuple)'];
  const head = s.split('<')[0];
  return head.split('::').filter(Boolean);
}

/** The crate path (segments) an item's code counts for, or null. */
function subject(name) {
  const angle = leadingAngle(name);
  if (angle === null) return name.split('<')[0].split('::').filter(Boolean);
  const [a, b] = splitAs(angle);
  const pa = pathOf(a);
  if (pa.length === 1 && PRIMITIVES.has(pa[0])) {
    const pb = b ? pathOf(b) : [];
    // `<f64 as zmij::private::Sealed>::write...` is zmij's code; `<u128 as core::fmt::Display>` core's.
    return pb.length > 1 && pb[0] !== 'core' ? pb : ['core', 'primitive', pa[0]];
  }
  const generic = pa.length === 1 && /^[A-Z][A-Za-z0-9]*$/.test(pa[0]) || pa[0] === '[slice]' || pa[0] === '(tuple)';
  if (generic && b) return pathOf(b);
  if (generic) return ['core'];
  return pa;
}

function group(rawName) {
  if (/^"[^"]*" subsection$/.test(rawName) || rawName.startsWith('custom section ')) return { excluded: rawName };
  if (rawName.startsWith('data segment ') || /^data\[\d+\]$/.test(rawName)) return 'data segments';
  if (/^(type\[\d+\]|elem\[\d+\]|table\[\d+\]|global\[\d+\]|memory\[\d+\]|start|code section headers|wasm magic bytes|header)/.test(rawName)) {
    return 'wasm structure (types, table, elem, globals)';
  }
  const name = clean(rawName);
  if (name.startsWith('import ')) return 'wasm imports (JS functions the module calls)';
  if (name.startsWith('export ')) return 'wasm-bindgen generated (exports, shims)';
  if (BUILTINS.test(name)) return 'compiler builtins';
  if (!name.includes('::')) {
    // wasm-bindgen's generated items: export "...", import "...", our #[wasm_bindgen] exports
    // (pkceclient_callApi, login, ...), their externref/multivalue shims, __wbindgen_*, __wbg_*,
    // __externref_*, closure adapters.
    return 'wasm-bindgen generated (exports, shims)';
  }
  const p = subject(name);
  const crate = p[0];
  if (!crate) return 'other';
  if (crate === 'pixie_auth') {
    // The deepest module of src/ that the path lies in (a function's name is not a module).
    let best = 'pixie_auth';
    for (let i = 2; i <= p.length; i++) {
      const m = p.slice(0, i).join('::');
      if (MODULES.has(m)) best = m;
    }
    return best;
  }
  if (crate === 'core') {
    if (p[1] === 'fmt' || (p[1] === 'primitive' && /fmt/.test(name))) return 'core::fmt';
    if (p[1] === 'num') return 'core::num (flt2dec, parsing)';
    if (p[1] === 'ptr' && /drop_in_place/.test(p[2] ?? '')) return 'core (drop glue)';
    if (p[1] === 'str' || p[2] === 'str') return 'core::str';
    return 'core (rest)';
  }
  if (crate === '__rustc') return 'std'; // std's allocator glue (__rdl_*) and panic handler
  if (crate === 'serde' || crate === 'serde_core' || crate === 'serde_derive') return 'serde / serde_core';
  if (/^[a-z_][a-z0-9_]*$/.test(crate)) return crate;
  return 'other';
}

// TWIGGY_DEBUG_OTHER=1 lists what lands in "other" (on stderr).
if (process.env.TWIGGY_DEBUG_OTHER) for (const it of items) if (group(it.name) === "other") console.error(it.shallow_size, it.name.slice(0, 160));

const sums = new Map();
const excluded = [];
const ours = [];
let fileTotal = 0;
for (const it of items) {
  fileTotal += it.shallow_size;
  const g = group(it.name);
  if (typeof g === 'object') { excluded.push([g.excluded, it.shallow_size]); continue; }
  sums.set(g, (sums.get(g) ?? 0) + it.shallow_size);
  if (g.startsWith('pixie_auth')) ours.push([clean(it.name), it.shallow_size]);
}
const counted = [...sums.values()].reduce((a, b) => a + b, 0);
const coreTotal = CORE_PARTS.reduce((a, k) => a + (sums.get(k) ?? 0), 0);
const oursTotal = [...sums].filter(([k]) => k.startsWith('pixie_auth')).reduce((a, [, v]) => a + v, 0);

// Row order: ours (largest first), the fixed list, then any other crate found (largest first).
const ourRows = [...sums.keys()].filter((k) => k.startsWith('pixie_auth')).sort((a, b) => sums.get(b) - sums.get(a));
const extra = [...sums.keys()].filter((k) => !k.startsWith('pixie_auth') && !FIXED.includes(k)).sort((a, b) => sums.get(b) - sums.get(a));
const rows = [['pixie-auth (ours), all', oursTotal], ...ourRows.map((k) => [`  ${k}`, sums.get(k)])];
for (const k of FIXED) {
  if (k === 'core') rows.push(['core, all', coreTotal]);
  else if (CORE_PARTS.includes(k)) rows.push([`  ${k}`, sums.get(k) ?? 0]);
  else if (k === 'other') { for (const e of extra) rows.push([e, sums.get(e)]); rows.push([k, sums.get(k) ?? 0]); } else rows.push([k, sums.get(k) ?? 0]);
}
rows.push(['total (name section and custom sections left out)', counted]);

const n = (x) => x.toLocaleString('en-US');
const before = opt('--compare') ? new Map(readFileSync(opt('--compare'), 'utf8').trim().split('\n').map((l) => {
  const [k, v] = l.split('\t');
  return [k, Number(v)];
})) : null;
const key = (label) => label.trim();

if (before) {
  console.log('| group | before B | after B | Δ B |');
  console.log('| --- | ---: | ---: | ---: |');
  const seen = new Set();
  for (const [label, v] of rows) {
    const b = before.get(key(label)) ?? 0;
    seen.add(key(label));
    console.log(`| ${label.replace(/^ {2}/, '&nbsp;&nbsp;')} | ${n(b)} | ${n(v)} | ${v - b > 0 ? '+' : ''}${n(v - b)} |`);
  }
  for (const [k, b] of before) if (!seen.has(k)) console.log(`| ${k} (gone) | ${n(b)} | 0 | ${n(-b)} |`);
} else {
  console.log('| group | bytes | % of total |');
  console.log('| --- | ---: | ---: |');
  for (const [label, v] of rows) {
    console.log(`| ${label.replace(/^ {2}/, '&nbsp;&nbsp;')} | ${n(v)} | ${(100 * v / counted).toFixed(1)}% |`);
  }
}
console.log('');
console.log(`file: ${n(fileTotal)} B; left out: ${excluded.map(([k, v]) => `${k} ${n(v)} B`).join(', ')}`);

const top = Number(opt('--top') ?? 0);
if (top > 0) {
  console.log('');
  console.log(`largest ${top} items of our own code:`);
  for (const [name, v] of ours.sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${n(v).padStart(8)} B  ${name}`);
}
if (opt('--save')) {
  writeFileSync(opt('--save'), `${rows.map(([k, v]) => `${key(k)}\t${v}`).join('\n')}\n`);
  console.log(`(saved to ${opt('--save')}: pass it to --compare after a change)`);
}
