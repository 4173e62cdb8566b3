// Serves the built dashboard (web/dist) from the API's own port, with SPA fallback to index.html.
// Text assets are sent brotli- or gzip-compressed when the browser accepts it: the initial route is
// ~550 KB raw and ~155 KB gzipped, and without a compressing proxy in front this is the only place
// that can compress it. Each file is compressed once per build and kept in memory.
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { promisify } from 'node:util';
import { brotliCompress, constants as zlib, gzip } from 'node:zlib';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json',
};
const COMPRESSIBLE = new Set(['.html', '.js', '.css', '.json', '.svg', '.txt', '.map']);
const MIN_COMPRESS_BYTES = 1024;

type Encoding = 'br' | 'gzip';
const brotli = promisify(brotliCompress);
const gzipAsync = promisify(gzip);
const compress: Record<Encoding, (bytes: Buffer) => Promise<Buffer>> = {
  br: (bytes) => brotli(bytes, { params: { [zlib.BROTLI_PARAM_QUALITY]: 9, [zlib.BROTLI_PARAM_SIZE_HINT]: bytes.length } }),
  gzip: (bytes) => gzipAsync(bytes, { level: 9 }),
};
/** Keyed by encoding, path, size and mtime, so a rebuilt file is compressed afresh. */
const compressed = new Map<string, Promise<Buffer>>();

async function fileAt(file: string) {
  const info = await stat(file).catch(() => null);
  return info?.isFile() ? info : null;
}

function acceptedEncoding(req: IncomingMessage): Encoding | null {
  const accepted = String(req.headers['accept-encoding'] ?? '')
    .split(',')
    .map((part) => part.trim().split(';'))
    .filter(([, q]) => !q || Number(q.trim().replace(/^q=/, '')) > 0)
    .map(([name]) => name!.trim().toLowerCase());
  if (accepted.includes('br')) return 'br';
  if (accepted.includes('gzip')) return 'gzip';
  return null;
}

function compressedFile(file: string, info: { size: number; mtimeMs: number }, encoding: Encoding): Promise<Buffer> {
  const key = `${encoding}:${file}:${info.size}:${info.mtimeMs}`;
  let pending = compressed.get(key);
  if (!pending) {
    pending = readFile(file).then(compress[encoding]);
    pending.catch(() => compressed.delete(key));
    compressed.set(key, pending);
  }
  return pending;
}

export async function serveStatic(root: string, req: IncomingMessage, res: ServerResponse, pathname: string): Promise<boolean> {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return false; // malformed percent-encoding: nothing here by that name
  }
  const resolvedRoot = path.resolve(root);
  let file = path.resolve(resolvedRoot, '.' + decoded);
  if (!file.startsWith(resolvedRoot + path.sep) && file !== resolvedRoot) return false;
  let info = await fileAt(file);
  if (!info) {
    // Client-side routes (no file extension) get the app shell.
    if (path.extname(pathname)) return false;
    file = path.join(resolvedRoot, 'index.html');
    info = await fileAt(file);
    if (!info) {
      res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('The dashboard has not been built. Run `npm run build` (or `npm start`, which builds it first).\n');
      return true;
    }
  }
  const extension = path.extname(file);
  const hashed = file.includes(`${path.sep}assets${path.sep}`);
  const headers: Record<string, string | number> = {
    'content-type': TYPES[extension] ?? 'application/octet-stream',
    'cache-control': hashed ? 'public, max-age=31536000, immutable' : 'no-cache',
  };
  const encoding = COMPRESSIBLE.has(extension) && info.size >= MIN_COMPRESS_BYTES ? acceptedEncoding(req) : null;
  if (COMPRESSIBLE.has(extension)) headers.vary = 'accept-encoding';
  if (encoding) {
    const body = await compressedFile(file, info, encoding);
    res.writeHead(200, { ...headers, 'content-encoding': encoding, 'content-length': body.length });
    res.end(req.method === 'HEAD' ? undefined : body);
    return true;
  }
  res.writeHead(200, { ...headers, 'content-length': info.size });
  if (req.method === 'HEAD') res.end();
  else createReadStream(file).pipe(res);
  return true;
}
