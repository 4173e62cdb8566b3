// One port for everything: GraphQL over HTTP and WebSocket (same path), artifacts by hash, the
// operations endpoints (/healthz, /readyz, /metrics), and the dashboard. Every request gets a
// request id (x-request-id, kept from the caller when sane), echoed back and in every log line.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { GraphQLError } from 'graphql';
import { createYoga, maskError, type Plugin, type YogaServerInstance } from 'graphql-yoga';
import { AppError, appErrorCode } from '../errors.ts';
import type { AppDeps } from '../context.ts';
import { withLogContext } from '../logger.ts';
import { createRequestContext, type RequestContext } from '../context.ts';
import { queryLimitsRule } from '../graphql/query-limits.ts';
import { schema } from '../graphql/schema/index.ts';
import { AccountService } from '../modules/accounts/account.service.ts';
import { tokenFromAuthorization } from '../modules/accounts/tokens.ts';
import type { Viewer } from '../modules/accounts/viewer.ts';
import { SIGNING_KEY_PATH } from '../modules/signing/signing-key.ts';
import { ArtifactService } from '../modules/artifacts/artifact.service.ts';
import { serveHealth, serveMetrics, serveReadiness } from './operations.ts';
import { RESULTS_EXPORT_PATH, serveResultsExport } from './results-export.ts';
import { REQUEST_ID_HEADER, requestIdOf } from './request-id.ts';
import { serveStatic } from './static-files.ts';
import { attachGraphqlWebSockets, type GraphqlWebSockets, SHUTDOWN_CLOSE_CODE, SHUTDOWN_CLOSE_REASON } from './websocket.ts';

export const GRAPHQL_PATH = '/graphql';
const MULTIPART_OVERHEAD = 64 * 1024;

interface ServerContext {
  req?: IncomingMessage;
  /** Set for WebSocket operations: resolved once when the connection opened. */
  connectionViewer?: Viewer | null;
}


function unauthenticated(): GraphQLError {
  return new GraphQLError('the API token is unknown or revoked', { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });
}

async function viewerFor(deps: AppDeps, token: string | null): Promise<Viewer | null | 'invalid'> {
  if (!token) return null;
  const viewer = await new AccountService(deps.orm.em.fork() as never, deps.env).viewerForToken(token);
  return viewer ?? 'invalid';
}

/** The peer's address, or behind a trusted proxy the first X-Forwarded-For entry. */
export function clientAddressOf(req: IncomingMessage | undefined, trustProxy: boolean): string | null {
  if (!req) return null;
  if (trustProxy) {
    const forwarded = req.headers['x-forwarded-for'];
    const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim();
    if (first) return first.slice(0, 64);
  }
  return req.socket?.remoteAddress ?? null;
}

function sendJsonError(res: ServerResponse, status: number, code: string, message: string, extra: Record<string, unknown> = {}) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ errors: [{ message, extensions: { code, ...extra } }] }));
}

/** Introspection and selection limits, checked while each document is validated. */
const queryLimits: Plugin = { onValidate: ({ addValidationRule }) => addValidationRule(queryLimitsRule) };

export function createYogaServer(deps: AppDeps): YogaServerInstance<ServerContext, RequestContext> {
  return createYoga<ServerContext, RequestContext>({
    schema,
    graphqlEndpoint: GRAPHQL_PATH,
    graphiql: deps.env.NODE_ENV !== 'production',
    landingPage: false,
    plugins: [queryLimits],
    maskedErrors: {
      // Expected failures outside a result union (a subscription to a campaign the caller may not
      // see, a list that needs sign-in) keep their message; anything else stays masked.
      maskError: (error, message, isDev) => {
        let original: unknown = error;
        while (original instanceof GraphQLError && original.originalError) original = original.originalError;
        if (original instanceof AppError) {
          return new GraphQLError(original.message, {
            nodes: error instanceof GraphQLError ? error.nodes : undefined,
            path: error instanceof GraphQLError ? error.path : undefined,
            extensions: { code: appErrorCode(original) },
          });
        }
        return maskError(error, message, isDev);
      },
    },
    logging: {
      debug: (...args) => deps.log.debug(String(args[0]), { args: args.slice(1).map(String) }),
      info: (...args) => deps.log.info(String(args[0])),
      warn: (...args) => deps.log.warn(String(args[0])),
      error: (...args) => deps.log.error(String(args[0]), { detail: args.slice(1).map((a) => (a instanceof Error ? a.stack : String(a))) }),
    },
    context: async ({ request, connectionViewer, req }) => {
      const address = clientAddressOf(req, deps.env.XEENET_TRUST_PROXY);
      if (connectionViewer !== undefined) return createRequestContext(deps, connectionViewer, address);
      const viewer = await viewerFor(deps, tokenFromAuthorization(request.headers.get('authorization')));
      if (viewer === 'invalid') throw unauthenticated();
      return createRequestContext(deps, viewer, address);
    },
  });
}

export interface HttpServer {
  server: Server;
  /**
   * Graceful stop: no new connections; requests and WebSocket operations in flight get up to
   * graceMs to finish; then every WebSocket is closed with 1012 and remaining connections are cut.
   */
  close(graceMs?: number): Promise<void>;
}

/** The route label of a request in metrics: a fixed set, never the raw path. */
function routeOf(pathname: string): string {
  if (pathname === GRAPHQL_PATH) return 'graphql';
  if (pathname === '/healthz' || pathname === '/readyz' || pathname === '/metrics') return pathname.slice(1);
  if (pathname.startsWith('/artifacts/')) return 'artifacts';
  if (RESULTS_EXPORT_PATH.test(pathname)) return 'results_export';
  if (pathname === SIGNING_KEY_PATH) return 'signing_key';
  return 'dashboard';
}

async function until(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return true;
}

export function createHttpServer(deps: AppDeps): HttpServer {
  const yoga = createYogaServer(deps);
  const { env, metrics } = deps;
  let activeRequests = 0;

  const server = createServer((req, res) => {
    const requestId = requestIdOf(req.headers[REQUEST_ID_HEADER]);
    res.setHeader(REQUEST_ID_HEADER, requestId);
    const started = performance.now();
    const pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
    const route = routeOf(pathname);
    activeRequests++;
    metrics.httpInFlight.inc();
    res.once('close', () => {
      activeRequests--;
      metrics.httpInFlight.dec();
      const method = req.method ?? 'GET';
      const seconds = (performance.now() - started) / 1000;
      metrics.httpRequests.inc({ method, route, status: String(res.statusCode) });
      metrics.httpDuration.observe({ method, route }, seconds);
      withLogContext({ requestId }, () =>
        deps.log.debug('http request', { method, path: pathname, status: res.statusCode, ms: Math.round(seconds * 1000) }),
      );
    });
    withLogContext({ requestId }, () =>
      handle(req, res, pathname).catch((error: unknown) => {
        deps.log.error('request failed', { url: req.url, error: (error as Error).stack });
        if (!res.headersSent) sendJsonError(res, 500, 'INTERNAL_SERVER_ERROR', 'unexpected error');
        else res.destroy();
      }),
    );
  });

  async function handle(req: IncomingMessage, res: ServerResponse, pathname: string) {
    if (pathname === GRAPHQL_PATH) {
      if (req.method === 'POST') {
        const multipart = (req.headers['content-type'] ?? '').startsWith('multipart/form-data');
        const limit = multipart ? env.XEENET_MAX_UPLOAD_BYTES + MULTIPART_OVERHEAD : env.XEENET_MAX_BODY_BYTES;
        const length = req.headers['content-length'];
        if (length === undefined) return sendJsonError(res, 411, 'LENGTH_REQUIRED', 'send a Content-Length header');
        if (Number(length) > limit) {
          return sendJsonError(res, 413, 'PAYLOAD_TOO_LARGE', `the request body exceeds ${limit} bytes`, { limitBytes: limit });
        }
      }
      return yoga(req, res);
    }
    if (pathname === '/healthz') return serveHealth(res);
    if (pathname === '/readyz') return serveReadiness(deps, res);
    if (pathname === '/metrics') return serveMetrics(deps, res);
    if (pathname === SIGNING_KEY_PATH && (req.method === 'GET' || req.method === 'HEAD')) {
      const body = JSON.stringify(deps.signer.publicKey);
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), 'cache-control': 'no-cache' });
      return res.end(req.method === 'HEAD' ? undefined : body);
    }
    const artifact = /^\/artifacts\/([0-9a-f]{64})(?:\/[^/]*)?$/.exec(pathname);
    if (artifact && (req.method === 'GET' || req.method === 'HEAD')) {
      const sha256 = artifact[1]!;
      if (req.headers['if-none-match'] === `"${sha256}"`) {
        res.writeHead(304);
        return res.end();
      }
      const found = await new ArtifactService(deps.orm.em.fork() as never, env, deps.artifactCache).content(sha256);
      if (!found) return sendJsonError(res, 404, 'NOT_FOUND', `no artifact with SHA-256 ${sha256} is available`);
      res.writeHead(200, {
        'content-type': found.mediaType,
        'content-length': found.bytes.length,
        etag: `"${sha256}"`,
        'cache-control': 'public, max-age=31536000, immutable',
        'x-content-sha256': sha256,
      });
      return res.end(req.method === 'HEAD' ? undefined : found.bytes);
    }
    const results = RESULTS_EXPORT_PATH.exec(pathname);
    if (results && req.method === 'GET') {
      const viewer = await viewerFor(deps, tokenFromAuthorization(req.headers.authorization));
      if (viewer === 'invalid') return sendJsonError(res, 401, 'UNAUTHENTICATED', 'the API token is unknown or revoked');
      return serveResultsExport(deps, viewer, res, results[1]!, results[2] as 'tsv' | 'csv' | 'json');
    }
    if (await serveStatic(env.XEENET_WEB_DIST, req, res, pathname)) return;
    sendJsonError(res, 404, 'NOT_FOUND', `nothing at ${pathname}`);
  }

  const sockets: GraphqlWebSockets = attachGraphqlWebSockets(deps, server, yoga, (token) => viewerFor(deps, token), tokenFromAuthorization);

  return {
    server,
    async close(graceMs = 0) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const drained = await until(() => activeRequests === 0 && sockets.inFlight() === 0, graceMs);
      if (!drained) deps.log.warn('shutdown deadline reached with requests in flight', { http: activeRequests, websocket: sockets.inFlight() });
      await sockets.close(SHUTDOWN_CLOSE_CODE, SHUTDOWN_CLOSE_REASON, 1000);
      server.closeAllConnections();
      await closed;
    },
  };
}
