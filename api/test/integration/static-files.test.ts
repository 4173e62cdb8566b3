// The dashboard's files over real HTTP: compression, SPA fallback, and hostile paths.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveStatic } from '../../src/http/static-files.ts';

const root = mkdtempSync(path.join(tmpdir(), 'xeenet-dist-'));
const script = `console.log(${JSON.stringify('x'.repeat(40_000))});\n`.repeat(3);
let server: Server;
let base: string;

/** Raw HTTP so the test sees the bytes on the wire (fetch would decompress them). */
function get(pathname: string, acceptEncoding?: string) {
  return new Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }>((resolve, reject) => {
    const req = request(`${base}${pathname}`, { headers: acceptEncoding ? { 'accept-encoding': acceptEncoding } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  mkdirSync(path.join(root, 'assets'));
  writeFileSync(path.join(root, 'index.html'), '<!doctype html><title>XeeNet</title>');
  writeFileSync(path.join(root, 'assets', 'index-abc123.js'), script);
  writeFileSync(path.join(root, 'assets', 'logo.png'), Buffer.alloc(4096, 7));
  server = createServer((req, res) => {
    const pathname = (req.url ?? '/').split('?')[0]!;
    serveStatic(root, req, res, pathname).then((served) => {
      if (!served) res.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('serving the built dashboard', () => {
  it('sends text assets brotli- or gzip-compressed when accepted, byte-identical once decoded', async () => {
    const br = await get('/assets/index-abc123.js', 'gzip, deflate, br');
    expect(br.headers['content-encoding']).toBe('br');
    expect(Number(br.headers['content-length'])).toBe(br.body.length);
    expect(br.body.length).toBeLessThan(script.length / 20);
    expect(brotliDecompressSync(br.body).toString()).toBe(script);
    expect(br.headers['cache-control']).toContain('immutable');
    expect(br.headers.vary).toBe('accept-encoding');

    const gz = await get('/assets/index-abc123.js', 'gzip');
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.body).toString()).toBe(script);

    const refused = await get('/assets/index-abc123.js', 'gzip;q=0, identity');
    expect(refused.headers['content-encoding']).toBeUndefined();
    expect(refused.body.toString()).toBe(script);

    const image = await get('/assets/logo.png', 'br');
    expect(image.headers['content-encoding']).toBeUndefined();
    expect(image.body.length).toBe(4096);
  });

  it('answers client-side routes with the app shell and refuses hostile paths without crashing', async () => {
    const route = await get('/campaigns/Q2FtcGFpZ246eA==');
    expect(route.status).toBe(200);
    expect(route.body.toString()).toContain('<title>XeeNet</title>');
    expect(route.headers['cache-control']).toBe('no-cache');
    expect((await get('/assets/missing.js')).status).toBe(404);
    expect((await get('/%E0%A4%A')).status).toBe(404);
    expect((await get('/..%2F..%2Fetc%2Fpasswd.txt')).status).toBe(404);
  });
});
