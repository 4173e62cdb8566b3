// The local status page: node:http on 127.0.0.1 only. Defences, since any web page the volunteer
// visits can make their browser send requests to 127.0.0.1:
//   - a Host header other than 127.0.0.1:<port> or localhost:<port> is refused (DNS rebinding);
//   - everything but the script file needs this run's token: the URL printed at start carries it
//     once (?token=…), which sets an HttpOnly SameSite=Strict cookie and redirects it away;
//   - changes (POST) also need the token in an X-Xeenet-Token header, which a cross-site form or
//     a no-CORS fetch cannot send, and a JSON body; no CORS headers are ever sent;
//   - the page may not be framed (clickjacking the pause button).
import { randomBytes, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../log.ts';
import { PreferenceError } from '../preferences/preferences.ts';
import type { PreferenceStore } from '../preferences/store.ts';
import { PAGE_HTML, PAGE_SCRIPT } from './assets.ts';
import type { StatusModel } from './model.ts';

export const TOKEN_HEADER = 'x-xeenet-token';
const COOKIE = 'xeenet_page';
const MAX_BODY = 16 * 1024;

export interface PageServerOptions {
  port: number;
  model: StatusModel;
  store: PreferenceStore;
  log: Logger;
  /** For tests: a fixed token (default: 32 random bytes per run). */
  token?: string;
}

export class PageServer {
  readonly token: string;
  private readonly options: PageServerOptions;
  private readonly server: http.Server;
  private readonly streams = new Set<http.ServerResponse>();
  private ticker: NodeJS.Timeout | null = null;
  port = 0;

  constructor(options: PageServerOptions) {
    this.options = options;
    this.token = options.token ?? randomBytes(32).toString('hex');
    this.server = http.createServer((request, response) => {
      this.handle(request, response).catch((error: unknown) => {
        options.log.warn('the local page failed to answer', { error: (error as Error).message });
        if (!response.headersSent) this.send(response, 500, 'text/plain', 'internal error');
        else response.end();
      });
    });
  }

  /** The address to open (with the token). */
  get url(): string {
    return `http://127.0.0.1:${this.port}/?token=${this.token}`;
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port, '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    this.port = (this.server.address() as AddressInfo).port;
    let lastVersion = -1;
    let lastSent = 0;
    // Live progress: a snapshot at once when something changed, else every second.
    this.ticker = setInterval(() => {
      if (!this.streams.size) return;
      const now = Date.now();
      if (this.options.model.version === lastVersion && now - lastSent < 1000) return;
      lastVersion = this.options.model.version;
      lastSent = now;
      const data = `data: ${JSON.stringify(this.options.model.snapshot())}\n\n`;
      for (const stream of this.streams) stream.write(data);
    }, 200);
    this.ticker.unref();
  }

  async close(): Promise<void> {
    if (this.ticker) clearInterval(this.ticker);
    for (const stream of this.streams) stream.end();
    this.streams.clear();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private hostAllowed(host: string | undefined): boolean {
    return host === `127.0.0.1:${this.port}` || host === `localhost:${this.port}`;
  }

  private tokenMatches(candidate: string | undefined | null): boolean {
    if (!candidate) return false;
    const a = Buffer.from(candidate);
    const b = Buffer.from(this.token);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  private cookieToken(request: http.IncomingMessage): string | null {
    for (const part of (request.headers.cookie ?? '').split(';')) {
      const [name, ...value] = part.trim().split('=');
      if (name === COOKIE) return value.join('=');
    }
    return null;
  }

  private send(response: http.ServerResponse, status: number, type: string, body: string, headers: Record<string, string> = {}): void {
    response.writeHead(status, {
      'content-type': `${type}; charset=utf-8`,
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'content-security-policy': "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'none'; form-action 'none'",
      'referrer-policy': 'no-referrer',
      ...headers,
    });
    response.end(body);
  }

  private json(response: http.ServerResponse, status: number, value: unknown): void {
    this.send(response, status, 'application/json', JSON.stringify(value));
  }

  private async handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    if (!this.hostAllowed(request.headers.host)) {
      this.send(response, 421, 'text/plain', 'this page answers only at 127.0.0.1 or localhost');
      return;
    }
    const url = new URL(request.url ?? '/', `http://127.0.0.1:${this.port}`);
    const method = request.method ?? 'GET';
    if (method === 'GET' && url.pathname === '/app.js') {
      this.send(response, 200, 'text/javascript', PAGE_SCRIPT);
      return;
    }
    if (method === 'GET' && url.pathname === '/' && url.searchParams.has('token')) {
      if (!this.tokenMatches(url.searchParams.get('token'))) {
        this.send(response, 403, 'text/plain', 'wrong token: open the address the worker printed when it started');
        return;
      }
      this.send(response, 303, 'text/plain', '', { location: '/', 'set-cookie': `${COOKIE}=${this.token}; HttpOnly; SameSite=Strict; Path=/` });
      return;
    }
    const authorized = this.tokenMatches(this.cookieToken(request)) || this.tokenMatches(request.headers[TOKEN_HEADER] as string | undefined);
    if (!authorized) {
      this.send(response, 403, 'text/plain', 'open the address the worker printed when it started (it carries this run’s token)');
      return;
    }
    if (method === 'GET') {
      if (url.pathname === '/') return this.send(response, 200, 'text/html', PAGE_HTML.replace('__TOKEN__', this.token));
      if (url.pathname === '/api/state') return this.json(response, 200, this.options.model.snapshot());
      if (url.pathname === '/api/events') return this.events(request, response);
      return this.send(response, 404, 'text/plain', 'not found');
    }
    if (method !== 'POST') return this.send(response, 405, 'text/plain', 'method not allowed');
    if (!this.tokenMatches(request.headers[TOKEN_HEADER] as string | undefined)) {
      return this.json(response, 403, { error: `changes need the ${TOKEN_HEADER} header` });
    }
    if (!(request.headers['content-type'] ?? '').startsWith('application/json')) return this.json(response, 415, { error: 'send JSON' });
    const body = await readBody(request);
    if (body === null) return this.json(response, 413, { error: `at most ${MAX_BODY} bytes` });
    let input: unknown;
    try {
      input = body.trim() ? JSON.parse(body) : {};
    } catch {
      return this.json(response, 400, { error: 'the body is not valid JSON' });
    }
    const change = url.pathname === '/api/pause' ? { paused: true } : url.pathname === '/api/resume' ? { paused: false } : url.pathname === '/api/preferences' ? input : null;
    if (change === null) return this.send(response, 404, 'text/plain', 'not found');
    try {
      await this.options.store.update(change);
    } catch (error) {
      if (error instanceof PreferenceError) return this.json(response, 400, { error: error.message, problems: error.problems });
      throw error;
    }
    this.options.log.info('preferences changed on the local page', { change });
    this.options.model.version++;
    this.json(response, 200, this.options.model.snapshot());
  }

  private events(request: http.IncomingMessage, response: http.ServerResponse): void {
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
    response.write(`data: ${JSON.stringify(this.options.model.snapshot())}\n\n`);
    this.streams.add(response);
    request.on('close', () => this.streams.delete(response));
  }
}

function readBody(request: http.IncomingMessage): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        resolve(null);
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}
