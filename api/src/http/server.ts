// One port for everything: GraphQL over HTTP and WebSocket (same path), artifacts by hash, health,
// and the dashboard.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { GraphQLError, type ExecutionArgs } from 'graphql';
import { createYoga, maskError, type Plugin, type YogaServerInstance } from 'graphql-yoga';
import { AppError, appErrorCode } from '../errors.ts';
import { useServer } from 'graphql-ws/use/ws';
import type { Socket } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';
import type { AppDeps } from '../context.ts';
import { createRequestContext, type RequestContext } from '../context.ts';
import { queryLimitsRule } from '../graphql/query-limits.ts';
import { schema } from '../graphql/schema/index.ts';
import { AccountService } from '../modules/accounts/account.service.ts';
import { tokenFromAuthorization } from '../modules/accounts/tokens.ts';
import type { Viewer } from '../modules/accounts/viewer.ts';
import { ArtifactService } from '../modules/artifacts/artifact.service.ts';
import { serveStatic } from './static-files.ts';

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
    context: async ({ request, connectionViewer }) => {
      if (connectionViewer !== undefined) return createRequestContext(deps, connectionViewer);
      const viewer = await viewerFor(deps, tokenFromAuthorization(request.headers.get('authorization')));
      if (viewer === 'invalid') throw unauthenticated();
      return createRequestContext(deps, viewer);
    },
  });
}

/**
 * graphql-ws answers each operation with two frames (next, complete) and ws writes every frame
 * with its own syscall. Holding the socket corked until the end of the current turn of the
 * event loop sends them in one write: on loopback, syscalls were a fifth of the API's CPU time.
 */
function coalesceWrites(socket: WebSocket): void {
  const raw = (socket as unknown as { _socket?: Socket })._socket;
  if (!raw) return;
  const send = socket.send.bind(socket);
  let corked = false;
  socket.send = ((...args: Parameters<WebSocket['send']>) => {
    if (!corked) {
      corked = true;
      raw.cork();
      setImmediate(() => {
        corked = false;
        raw.uncork();
      });
    }
    return send(...args);
  }) as WebSocket['send'];
}

export interface HttpServer {
  server: Server;
  close(): Promise<void>;
}

export function createHttpServer(deps: AppDeps): HttpServer {
  const yoga = createYogaServer(deps);
  const { env } = deps;

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      deps.log.error('request failed', { url: req.url, error: (error as Error).stack });
      if (!res.headersSent) sendJsonError(res, 500, 'INTERNAL_SERVER_ERROR', 'unexpected error');
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
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
    if (pathname === '/healthz') {
      const healthy = await deps.orm.isConnected();
      res.writeHead(healthy ? 200 : 503, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ ok: healthy }));
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
    if (await serveStatic(env.XEENET_WEB_DIST, req, res, pathname)) return;
    sendJsonError(res, 404, 'NOT_FOUND', `nothing at ${pathname}`);
  }

  const wss = new WebSocketServer({ server, path: GRAPHQL_PATH, maxPayload: env.XEENET_MAX_BODY_BYTES });
  wss.on('connection', coalesceWrites);
  const viewers = new WeakMap<object, Viewer | null>();
  const wsServer = useServer<Record<string, unknown> | undefined>(
    {
      connectionInitWaitTimeout: 10_000,
      onConnect: async (ctx) => {
        const params = ctx.connectionParams ?? {};
        const raw = params.token ?? params.authorization ?? params.Authorization;
        const viewer = await viewerFor(deps, typeof raw === 'string' ? tokenFromAuthorization(raw) : null);
        if (viewer === 'invalid') return false;
        viewers.set(ctx.extra.socket, viewer);
        return true;
      },
      execute: (args: ExecutionArgs) => (args.rootValue as { execute: (a: ExecutionArgs) => unknown }).execute(args) as never,
      subscribe: (args: ExecutionArgs) => (args.rootValue as { subscribe: (a: ExecutionArgs) => unknown }).subscribe(args) as never,
      onSubscribe: async (ctx, _id, payload) => {
        const { schema: enveloped, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          ...ctx,
          req: ctx.extra.request,
          socket: ctx.extra.socket,
          params: payload,
          connectionViewer: viewers.get(ctx.extra.socket) ?? null,
        });
        const document = parse(payload.query);
        const errors = validate(enveloped, document);
        if (errors.length > 0) return errors;
        return {
          schema: enveloped,
          operationName: payload.operationName,
          document,
          variableValues: payload.variables,
          contextValue: await contextFactory(),
          rootValue: { execute, subscribe },
        };
      },
    },
    wss,
    12_000,
  );

  return {
    server,
    async close() {
      await wsServer.dispose();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
