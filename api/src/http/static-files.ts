// Serves the built dashboard (web/dist) from the API's own port, with SPA fallback to index.html.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';

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

async function fileAt(file: string) {
  const info = await stat(file).catch(() => null);
  return info?.isFile() ? info : null;
}

export async function serveStatic(root: string, req: IncomingMessage, res: ServerResponse, pathname: string): Promise<boolean> {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  const resolvedRoot = path.resolve(root);
  let file = path.resolve(resolvedRoot, '.' + decodeURIComponent(pathname));
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
  const hashed = file.includes(`${path.sep}assets${path.sep}`);
  res.writeHead(200, {
    'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
    'content-length': info.size,
    'cache-control': hashed ? 'public, max-age=31536000, immutable' : 'no-cache',
  });
  if (req.method === 'HEAD') res.end();
  else createReadStream(file).pipe(res);
  return true;
}
