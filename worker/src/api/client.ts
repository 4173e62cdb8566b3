// The worker's connection to the API: one graphql-ws socket, token in connectionParams, keep-alive
// pings with a pong deadline, and reconnection forever with jittered exponential backoff. Each
// request has its own deadline, so a caller is never stuck behind a dead socket.
import { type Client, createClient } from 'graphql-ws';
import type { TypedDocumentString } from '../gql/graphql.ts';
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
  private client: Client | null = null;
  /** Bumped for every graphql-ws client created; events from replaced clients are ignored. */
  private generation = 0;
  private recreateTimer: NodeJS.Timeout | null = null;
  /** Clients given up on since the last successful connection (drives the backoff). */
  private recreations = 0;
  private readonly options: ApiClientOptions;
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
    this.options = options;
    this.log = options.log;
    this.client = this.createClient();
  }

  private get retryInitialMs(): number {
    return this.options.retryInitialMs ?? 500;
  }

  private get retryMaxMs(): number {
    return this.options.retryMaxMs ?? 30_000;
  }

  private reportFatal(error: unknown): void {
    if (this.fatal) return;
    this.fatal = new TokenRejectedError(`the server refused this machine's token (${describeFailure(error)})`);
    this.options.onFatal(this.fatal);
  }

  /**
   * graphql-ws stops for good on close codes it deems fatal (4500 when the server's onConnect
   * throws, e.g. a database blip; 4400, 4401, 4429, 1011, …) before asking shouldRetry. Only 4403
   * (token refused) is final for a worker: for anything else this drops that client and makes a
   * new one after a jittered, growing pause, so the worker never stops over a server hiccup.
   */
  private giveUp(generation: number, error: unknown): void {
    if (generation !== this.generation || this.closing || this.fatal) return;
    if (isCloseLike(error) && error.code === FORBIDDEN_CLOSE_CODE) {
      this.reportFatal(error);
      return;
    }
    const old = this.client;
    this.client = null;
    this.clearPong();
    if (old) void Promise.resolve(old.dispose()).catch(() => {});
    const delay = backoffDelay(this.recreations++, this.retryInitialMs, this.retryMaxMs);
    this.log.warn('the API ended the connection in a way the client does not retry; reconnecting with a new client', {
      detail: describeFailure(error),
      retryInMs: delay,
    });
    this.recreateTimer = setTimeout(() => {
      this.recreateTimer = null;
      if (!this.closing && !this.fatal) this.client = this.createClient();
    }, delay);
  }

  private createClient(): Client {
    const generation = ++this.generation;
    const current = () => generation === this.generation && !this.closing;
    const { urls, token } = this.options;
    const pongTimeoutMs = this.options.pongTimeoutMs ?? 10_000;
    return createClient({
      url: urls.graphqlWs,
      connectionParams: { token },
      lazy: false,
      keepAlive: this.options.keepAliveMs ?? 10_000,
      connectionAckWaitTimeout: 15_000,
      retryAttempts: Infinity,
      // Network errors are not close events; retry them too. A refused token is final.
      shouldRetry: (error) => !(isCloseLike(error) && error.code === FORBIDDEN_CLOSE_CODE),
      retryWait: async (retries) => {
        await sleep(backoffDelay(retries, this.retryInitialMs, this.retryMaxMs));
      },
      onNonLazyError: (error) => this.giveUp(generation, error),
      on: {
        connecting: () => {
          if (current()) this.attempts++;
        },
        connected: () => {
          if (!current()) return;
          this.connected = true;
          this.everConnected = true;
          this.recreations = 0;
          const outage = this.disconnectedAt === null ? 0 : Date.now() - this.disconnectedAt;
          this.log.info('connected to the API', { url: urls.graphqlWs, attempts: this.attempts, downMs: outage });
          this.disconnectedAt = null;
          this.attempts = 0;
          for (const listener of [...this.connectedListeners]) listener();
        },
        closed: (event) => {
          if (generation !== this.generation) return;
          this.clearPong();
          if (isCloseLike(event) && event.code === FORBIDDEN_CLOSE_CODE) this.reportFatal(event);
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
          if (received || !current()) return;
          this.clearPong();
          this.pongTimer = setTimeout(() => {
            this.log.warn('no pong from the API; dropping the connection', { timeoutMs: pongTimeoutMs });
            this.client?.terminate();
          }, pongTimeoutMs);
        },
        pong: (received) => {
          if (received && current()) this.clearPong();
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
   * Runs one operation (a document typed by codegen from schema.graphql); rejects with
   * TransportError when no answer arrives within timeoutMs or the connection closes first.
   * Operations are never sent twice by this client.
   */
  request<TResult, TVariables>(document: TypedDocumentString<TResult, TVariables>, variables: TVariables, timeoutMs = 15_000): Promise<TResult> {
    if (this.fatal) return Promise.reject(this.fatal);
    const client = this.client;
    if (!client) return Promise.reject(new TransportError('not connected to the API (reconnecting)'));
    const query = String(document);
    return new Promise<TResult>((resolve, reject) => {
      let settled = false;
      let last: { data?: unknown; errors?: readonly { message: string }[] } | null = null;
      const settle = (error: Error | null, data?: TResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.inflight.delete(onClosed);
        dispose();
        if (error) reject(error);
        else resolve(data as TResult);
      };
      const timer = setTimeout(() => settle(new TransportError(`no answer from the API within ${timeoutMs} ms`)), timeoutMs);
      const onClosed = (error: Error) => settle(error);
      this.inflight.add(onClosed);
      const dispose = client.subscribe(
        { query, variables: variables as Record<string, unknown> },
        {
          next: (value) => {
            last = value as typeof last;
          },
          error: (error) => settle(toError(error)),
          complete: () => {
            if (last?.errors?.length) settle(new ServerError([...last.errors]));
            else if (last?.data) settle(null, last.data as TResult);
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
    if (this.recreateTimer) clearTimeout(this.recreateTimer);
    this.recreateTimer = null;
    const client = this.client;
    if (!client) return;
    // dispose() waits for a connection attempt in progress (and rethrows its failure): bound it.
    const timeUp = new AbortController();
    await Promise.race([Promise.resolve(client.dispose()).catch(() => {}), sleep(1000, timeUp.signal)]);
    timeUp.abort();
    client.terminate();
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
