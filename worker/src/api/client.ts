// The worker's connection to the API: one graphql-ws socket, token in connectionParams, keep-alive
// pings with a pong deadline, and reconnection forever with jittered exponential backoff. Each
// request has its own deadline, so a caller is never stuck behind a dead socket.
import { type Client, createClient } from 'graphql-ws';
import type { Logger } from '../log.ts';
import { backoffDelay, sleep } from '../util/backoff.ts';
import type { ServerUrls } from './server.ts';

/** No answer came back (network down, server restarting, deadline passed): try again later. */
export class TransportError extends Error {
  override name = 'TransportError';
}

/** The server answered with GraphQL errors: an unexpected server failure or a contract mismatch. */
export class ServerError extends Error {
  override name = 'ServerError';
  readonly errors: { message: string }[];
  constructor(errors: { message: string }[]) {
    super(errors.map((error) => error.message).join('; ') || 'unknown server error');
    this.errors = errors;
  }
}

/** The server closed the socket with 4403: this machine's token is unknown or revoked. */
export class TokenRejectedError extends Error {
  override name = 'TokenRejectedError';
}

export const FORBIDDEN_CLOSE_CODE = 4403;

interface CloseLike {
  code: number;
  reason: string;
}

function isCloseLike(value: unknown): value is CloseLike {
  return typeof value === 'object' && value !== null && 'code' in value && 'reason' in value;
}

export interface ApiClientOptions {
  urls: ServerUrls;
  token: string;
  log: Logger;
  /** Ping after this long without traffic; the socket is dropped when no pong follows in time. */
  keepAliveMs?: number;
  pongTimeoutMs?: number;
  retryInitialMs?: number;
  retryMaxMs?: number;
  /** Called once when reconnecting cannot help (the token was rejected). */
  onFatal(error: Error): void;
}

export class ApiClient {
  private readonly client: Client;
  private readonly log: Logger;
  private readonly connectedListeners = new Set<() => void>();
  private pongTimer: NodeJS.Timeout | null = null;
  private fatal: Error | null = null;
  private disconnectedAt: number | null = Date.now();
  private lastOutageLog = 0;
  private attempts = 0;
  private closing = false;
  /** Settles every request in flight; called when the socket closes. */
  private readonly inflight = new Set<(error: Error) => void>();
  connected = false;
  everConnected = false;

  constructor(options: ApiClientOptions) {
    this.log = options.log;
    const keepAliveMs = options.keepAliveMs ?? 10_000;
    const pongTimeoutMs = options.pongTimeoutMs ?? 10_000;
    const initial = options.retryInitialMs ?? 500;
    const max = options.retryMaxMs ?? 30_000;
    const reportFatal = (error: unknown) => {
      if (this.fatal) return;
      this.fatal = isCloseLike(error) && error.code === FORBIDDEN_CLOSE_CODE
        ? new TokenRejectedError(`the server refused this machine's token (close code ${error.code}${error.reason ? `: ${error.reason}` : ''})`)
        : new Error(`the connection cannot be re-established: ${describeFailure(error)}`);
      options.onFatal(this.fatal);
    };
    this.client = createClient({
      url: options.urls.graphqlWs,
      connectionParams: { token: options.token },
      lazy: false,
      keepAlive: keepAliveMs,
      connectionAckWaitTimeout: 15_000,
      retryAttempts: Infinity,
      // Network errors are not close events; retry them too. A refused token is final.
      shouldRetry: (error) => !(isCloseLike(error) && error.code === FORBIDDEN_CLOSE_CODE),
      retryWait: async (retries) => {
        await sleep(backoffDelay(retries, initial, max));
      },
      onNonLazyError: reportFatal,
      on: {
        connecting: () => {
          this.attempts++;
        },
        connected: () => {
          this.connected = true;
          this.everConnected = true;
          const outage = this.disconnectedAt === null ? 0 : Date.now() - this.disconnectedAt;
          this.log.info('connected to the API', { url: options.urls.graphqlWs, attempts: this.attempts, downMs: outage });
          this.disconnectedAt = null;
          this.attempts = 0;
          for (const listener of [...this.connectedListeners]) listener();
        },
        closed: (event) => {
          this.clearPong();
          if (isCloseLike(event) && event.code === FORBIDDEN_CLOSE_CODE) reportFatal(event);
          // graphql-ws would send operations in flight again after reconnecting. Callers retry on
          // their own terms instead (a lease request replayed after a reconnect could overtake the
          // spooled report of the same task), so every request in flight fails now.
          for (const fail of [...this.inflight]) fail(new TransportError(`the connection closed (${describeFailure(event)})`));
          if (this.closing) {
            this.connected = false;
          } else if (this.connected) {
            this.connected = false;
            this.disconnectedAt = Date.now();
            this.lastOutageLog = Date.now();
            this.log.warn('connection to the API lost; reconnecting', { detail: describeFailure(event) });
          } else if (Date.now() - this.lastOutageLog > 30_000) {
            this.lastOutageLog = Date.now();
            this.log.warn('the API is unreachable; still retrying', { attempts: this.attempts, detail: describeFailure(event) });
          }
        },
        ping: (received) => {
          if (received) return;
          this.clearPong();
          this.pongTimer = setTimeout(() => {
            this.log.warn('no pong from the API; dropping the connection', { timeoutMs: pongTimeoutMs });
            this.client.terminate();
          }, pongTimeoutMs);
        },
        pong: (received) => {
          if (received) this.clearPong();
        },
      },
    });
  }

  private clearPong(): void {
    if (this.pongTimer) clearTimeout(this.pongTimer);
    this.pongTimer = null;
  }

  /** Calls listener after every (re)connection; returns an unsubscribe function. */
  onConnected(listener: () => void): () => void {
    this.connectedListeners.add(listener);
    return () => this.connectedListeners.delete(listener);
  }

  /** Resolves when connected (at once if so), or when signal aborts. */
  waitConnected(signal?: AbortSignal): Promise<void> {
    if (this.connected || signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        unsubscribe();
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const unsubscribe = this.onConnected(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  /**
   * Runs one operation; rejects with TransportError when no answer arrives within timeoutMs or the
   * connection closes first. Operations are never sent twice by this client.
   */
  request<T>(query: string, variables: Record<string, unknown> = {}, timeoutMs = 15_000): Promise<T> {
    if (this.fatal) return Promise.reject(this.fatal);
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      let last: { data?: unknown; errors?: readonly { message: string }[] } | null = null;
      const settle = (error: Error | null, data?: T) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.inflight.delete(onClosed);
        dispose();
        if (error) reject(error);
        else resolve(data as T);
      };
      const timer = setTimeout(() => settle(new TransportError(`no answer from the API within ${timeoutMs} ms`)), timeoutMs);
      const onClosed = (error: Error) => settle(error);
      this.inflight.add(onClosed);
      const dispose = this.client.subscribe(
        { query, variables },
        {
          next: (value) => {
            last = value as typeof last;
          },
          error: (error) => settle(toError(error)),
          complete: () => {
            if (last?.errors?.length) settle(new ServerError([...last.errors]));
            else if (last?.data) settle(null, last.data as T);
            else settle(new TransportError('the operation completed without a result'));
          },
        },
      );
    });
  }

  /** Closes the socket and stops reconnecting; never throws, never waits for an unreachable server. */
  async close(): Promise<void> {
    this.closing = true;
    this.clearPong();
    this.connectedListeners.clear();
    // dispose() waits for a connection attempt in progress (and rethrows its failure): bound it.
    const timeUp = new AbortController();
    await Promise.race([Promise.resolve(this.client.dispose()).catch(() => {}), sleep(1000, timeUp.signal)]);
    timeUp.abort();
    this.client.terminate();
  }
}

function toError(error: unknown): Error {
  if (isCloseLike(error)) {
    if (error.code === FORBIDDEN_CLOSE_CODE) return new TokenRejectedError(`the server refused this machine's token (close code ${error.code})`);
    return new TransportError(`the connection closed (${describeFailure(error)})`);
  }
  if (Array.isArray(error)) return new ServerError(error as { message: string }[]);
  if (error instanceof Error) return new TransportError(error.message);
  return new TransportError(describeFailure(error));
}

export function describeFailure(error: unknown): string {
  if (isCloseLike(error)) return `close code ${error.code}${error.reason ? ` ${error.reason}` : ''}`;
  if (error instanceof Error) return error.message;
  if (typeof error === 'object' && error !== null) {
    const event = error as { message?: unknown; error?: { message?: unknown }; type?: unknown };
    const message = event.error?.message ?? event.message;
    if (typeof message === 'string' && message) return message;
    if (typeof event.type === 'string') return `${event.type} event`;
  }
  return String(error);
}
