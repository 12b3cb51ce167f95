// Static file server for the demo origin (http://127.0.0.1:<demoPort>).
//
// Serves a few folders under URL prefixes, plus GET /config.json, which tells the demo
// pages which authorization server to talk to. Files go out as a real host sends them
// (file-cache.mjs): brotli or gzip by Accept-Encoding, an ETag and 304s, a year of caching for
// names with a content hash and `no-cache` (revalidate each time) for the rest, so a rebuilt
// .wasm is always picked up. /config.json and errors are `no-store`.

import { stat } from 'node:fs/promises';
import * as path from 'node:path';

import { cacheControlFor, createFileCache, etagMatches } from './file-cache.mjs';

const CONTENT_TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.htm': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.cjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.ts': 'text/plain; charset=utf-8',
  '.md': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
};

export function contentTypeFor(file) {
  return CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

function send(res, status, body, headers = {}) {
  const buf = Buffer.from(body);
  res.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': buf.length,
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    ...headers,
  });
  res.end(buf);
}

/**
 * Normalises the mount table: `{ '/': 'www/dist', '/plain/': 'www/plain' }` becomes a list of
 * `{ prefix, dir }` with absolute directories, longest prefix first.
 */
export function resolveMounts(staticRoots, rootDir) {
  return Object.entries(staticRoots)
    .map(([prefix, dir]) => {
      let p = prefix.startsWith('/') ? prefix : `/${prefix}`;
      if (!p.endsWith('/')) p += '/';
      return { prefix: p, dir: path.resolve(rootDir, dir) };
    })
    .sort((a, b) => b.prefix.length - a.prefix.length);
}

/**
 * Creates the request handler of the demo server.
 *
 * @param {object} o
 * @param {{prefix: string, dir: string}[]} o.mounts from resolveMounts()
 * @param {() => object} o.getConfig returns the object served as /config.json
 * @param {ReturnType<typeof createFileCache>} [o.files] the representations cache (default: memory only)
 */
export function createStaticHandler({ mounts, getConfig, files = createFileCache() }) {
  return async function staticHandler(req, res) {
    let pathname;
    try {
      pathname = new URL(req.url, 'http://127.0.0.1').pathname;
    } catch {
      return send(res, 400, 'bad request\n');
    }

    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return send(res, 405, 'method not allowed\n', { Allow: 'GET, HEAD' });
    }

    if (pathname === '/config.json') {
      const body = `${JSON.stringify(getConfig(), null, 2)}\n`;
      res.writeHead(200, {
        'Content-Type': 'application/json; charset=utf-8',
        'Content-Length': Buffer.byteLength(body),
        'Cache-Control': 'no-store',
      });
      return res.end(req.method === 'HEAD' ? undefined : body);
    }

    // Reject traversal before decoding (raw "..", encoded dots or slashes), then again after.
    let decoded;
    try {
      decoded = decodeURIComponent(pathname);
    } catch {
      return send(res, 400, 'bad request\n');
    }
    if (
      decoded.includes('\0')
      || decoded.includes('\\')
      || decoded.split('/').some((seg) => seg === '..' || seg === '.')
      || /%2f|%5c/i.test(pathname)
    ) {
      return send(res, 400, 'bad request\n');
    }

    const mount = mounts.find((m) => decoded.startsWith(m.prefix) || `${decoded}/` === m.prefix);
    if (!mount) return send(res, 404, 'not found\n');

    // "/plain" -> "/plain/" so relative URLs in the page resolve under the mount.
    if (`${decoded}/` === mount.prefix) {
      return send(res, 301, 'moved\n', { Location: `${mount.prefix}${new URL(req.url, 'http://x').search}` });
    }

    const rel = decoded.slice(mount.prefix.length);
    let file = path.resolve(mount.dir, `.${path.sep}${rel}`);
    if (file !== mount.dir && !file.startsWith(mount.dir + path.sep)) {
      return send(res, 400, 'bad request\n');
    }

    let st;
    try {
      st = await stat(file);
      if (st.isDirectory()) {
        if (!decoded.endsWith('/')) {
          return send(res, 301, 'moved\n', { Location: `${pathname}/${new URL(req.url, 'http://x').search}` });
        }
        file = path.join(file, 'index.html');
        st = await stat(file);
      }
      if (!st.isFile()) return send(res, 404, 'not found\n');
    } catch {
      return send(res, 404, 'not found\n');
    }

    return sendFile(req, res, files, file, st);
  };
}

/** Sends a file (or a 304) with the representation file-cache.mjs picks for the request. */
async function sendFile(req, res, files, file, st) {
  const contentType = contentTypeFor(file);
  let rep;
  try {
    rep = await files.representation(file, st, contentType, req.headers['accept-encoding']);
  } catch {
    return send(res, 404, 'not found\n'); // gone (or unreadable) since the stat
  }
  const headers = {
    ETag: rep.etag,
    'Cache-Control': cacheControlFor(file),
    ...(rep.vary ? { Vary: 'Accept-Encoding' } : {}),
  };
  if (etagMatches(req.headers['if-none-match'], rep.etag)) {
    res.writeHead(304, headers);
    return res.end();
  }
  res.writeHead(200, {
    ...headers,
    'Content-Type': contentType,
    'Content-Length': rep.body.length,
    ...(rep.encoding === 'identity' ? {} : { 'Content-Encoding': rep.encoding }),
    'X-Content-Type-Options': 'nosniff',
  });
  return res.end(req.method === 'HEAD' ? undefined : rep.body);
}
