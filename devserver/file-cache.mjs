// How the demo server sends a file the way a real static host would:
//   - compressed by Accept-Encoding: brotli (quality 11) or gzip (level 9), each made once per
//     file content and kept (in memory, and on disk under node_modules/.cache so the next
//     dev server process, e.g. the next test file, does not compress the .wasm again);
//     `Vary: Accept-Encoding` on everything that could be compressed;
//   - an ETag per representation (a SHA-256 of the content, suffixed by the encoding), and
//     `If-None-Match` answered with 304;
//   - `Cache-Control`: names carrying a content hash (webpack's main.<hash>.js,
//     <hash>.module.wasm) are immutable for a year; everything else (HTML, and files whose
//     name stays the same when they change, like pkg-web/pixie_auth_bg.wasm) is `no-cache`:
//     the browser may keep it but asks again each time, and gets a 304 while it is unchanged.
//
// node:zlib and node:crypto only, no package.

import * as crypto from 'node:crypto';
import { mkdir, readdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';

/** The on-disk cache keeps the newest this many files (every build adds a few). */
const DISK_CACHE_FILES = 120;

const brotli = promisify(zlib.brotliCompress);
const gzip = promisify(zlib.gzip);

/** Content types worth compressing (images, fonts and archives are compressed already). */
const COMPRESSIBLE = /^(text\/|application\/(javascript|json|wasm|xml|manifest\+json)|image\/svg\+xml)/;

/** `Cache-Control` for names with a content hash, and for everything else. */
export const CACHE_IMMUTABLE = 'public, max-age=31536000, immutable';
export const CACHE_REVALIDATE = 'no-cache';

/** The encodings we make, best first, with how. */
const ENCODERS = {
  br: {
    tag: 'br',
    encode: (buf) => brotli(buf, {
      params: {
        [zlib.constants.BROTLI_PARAM_QUALITY]: 11,
        [zlib.constants.BROTLI_PARAM_SIZE_HINT]: buf.length,
      },
    }),
  },
  gzip: { tag: 'gz', encode: (buf) => gzip(buf, { level: 9 }) },
};

/** Whether a file name carries a content hash: a dot-separated part of 8+ hex digits before the extension. */
export function hasContentHash(file) {
  const parts = path.basename(file).split('.');
  return parts.slice(0, -1).some((part) => /^[0-9a-f]{8,}$/i.test(part));
}

/** `Cache-Control` for a static file (see the top of this file). */
export function cacheControlFor(file) {
  return hasContentHash(file) ? CACHE_IMMUTABLE : CACHE_REVALIDATE;
}

export function isCompressible(contentType) {
  return COMPRESSIBLE.test(contentType);
}

/**
 * The encoding to send for an Accept-Encoding header: "br", "gzip" or "identity". q-values
 * count (`br;q=0` refuses brotli), `*` stands for any encoding not named; ties go to brotli.
 */
export function negotiateEncoding(header) {
  const q = new Map();
  for (const item of String(header ?? '').split(',')) {
    const [name, ...params] = item.trim().toLowerCase().split(';');
    if (!name) continue;
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const value = qParam ? Number(qParam.slice(2)) : 1;
    q.set(name, Number.isFinite(value) ? value : 0);
  }
  const weight = (name) => q.get(name) ?? q.get('*') ?? 0;
  let best = 'identity';
  let bestQ = 0;
  for (const name of Object.keys(ENCODERS)) {
    if (weight(name) > bestQ) { best = name; bestQ = weight(name); }
  }
  return best;
}

/** Whether an If-None-Match header matches `etag` (weak comparison, RFC 9110 §13.1.2). */
export function etagMatches(header, etag) {
  if (!header) return false;
  const bare = (tag) => tag.trim().replace(/^W\//, '');
  return header.split(',').some((tag) => tag.trim() === '*' || bare(tag) === bare(etag));
}

/**
 * A cache of files' representations, refreshed when a file's size or mtime changes.
 *
 * @param {{ diskDir?: string|null }} [options] where compressed bytes are kept across processes,
 *   by content hash (null: memory only). Failures to read or write there are ignored.
 */
export function createFileCache({ diskDir = null } = {}) {
  const entries = new Map(); // file -> { size, mtimeMs, loaded: Promise<{ body, hash }>, encoded: Map }

  async function fromDisk(name) {
    if (!diskDir) return undefined;
    try { return await readFile(path.join(diskDir, name)); } catch { return undefined; }
  }

  let pruned = false;
  async function prune() {
    pruned = true;
    const names = (await readdir(diskDir)).filter((n) => /\.(br|gz)$/.test(n));
    if (names.length <= DISK_CACHE_FILES) return;
    const dated = await Promise.all(names.map(async (n) => ({ n, t: (await stat(path.join(diskDir, n))).mtimeMs })));
    dated.sort((a, b) => b.t - a.t);
    await Promise.all(dated.slice(DISK_CACHE_FILES).map(({ n }) => unlink(path.join(diskDir, n)).catch(() => {})));
  }

  async function toDisk(name, bytes) {
    if (!diskDir) return;
    try {
      await mkdir(diskDir, { recursive: true });
      if (!pruned) await prune();
      // Write then rename: a reader (another dev server) never sees half a file.
      const tmp = path.join(diskDir, `${name}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`);
      await writeFile(tmp, bytes);
      await rename(tmp, path.join(diskDir, name));
    } catch { /* a cache only */ }
  }

  function entryFor(file, st) {
    let entry = entries.get(file);
    if (!entry || entry.size !== st.size || entry.mtimeMs !== st.mtimeMs) {
      entry = {
        size: st.size,
        mtimeMs: st.mtimeMs,
        loaded: readFile(file).then((body) => ({
          body,
          hash: crypto.createHash('sha256').update(body).digest('base64url'),
        })),
        encoded: new Map(),
      };
      entries.set(file, entry);
      // A file that vanished or failed to read is read again next time.
      entry.loaded.catch(() => { if (entries.get(file) === entry) entries.delete(file); });
    }
    return entry;
  }

  async function encoded(entry, encoding, { body, hash }) {
    let made = entry.encoded.get(encoding);
    if (!made) {
      const { tag, encode } = ENCODERS[encoding];
      const name = `${hash}.${tag}`;
      made = fromDisk(name).then(async (cached) => {
        if (cached) return cached;
        const bytes = await encode(body);
        await toDisk(name, bytes);
        return bytes;
      });
      entry.encoded.set(encoding, made);
    }
    return made;
  }

  return {
    /**
     * The representation of `file` to send for this Accept-Encoding: { body, encoding, etag,
     * vary } where encoding is "br", "gzip" or "identity" (identity when compression would not
     * make it smaller) and vary says whether the answer depends on Accept-Encoding.
     */
    async representation(file, st, contentType, acceptEncoding) {
      const entry = entryFor(file, st);
      const loaded = await entry.loaded;
      const vary = isCompressible(contentType);
      const wanted = vary ? negotiateEncoding(acceptEncoding) : 'identity';
      if (wanted !== 'identity') {
        const bytes = await encoded(entry, wanted, loaded);
        if (bytes.length < loaded.body.length) {
          return { body: bytes, encoding: wanted, etag: `"${loaded.hash.slice(0, 27)}-${ENCODERS[wanted].tag}"`, vary };
        }
      }
      return { body: loaded.body, encoding: 'identity', etag: `"${loaded.hash.slice(0, 27)}"`, vary };
    },
  };
}
