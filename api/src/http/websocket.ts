// graphql-ws on the HTTP server's /graphql path: authentication once per connection, a connection
// id and an operation id in every log line, metrics, and the close code of a replica shutting down.
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { ExecutionArgs } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import type { YogaServerInstance } from 'graphql-yoga';
import { type WebSocket, WebSocketServer } from 'ws';
import type { AppDeps, RequestContext } from '../context.ts';
import { type LogContext, withLogContext } from '../logger.ts';
import type { Viewer } from '../modules/accounts/viewer.ts';
import { requestIdOf } from './request-id.ts';

/**
 * Sent to every WebSocket when a replica shuts down: 1012 "Service Restart" (RFC 6455 registry).
 * Clients should reconnect, through the load balancer, to another replica. graphql-ws clients
 * retry it by themselves, and xeenet-worker reconnects on every code except 4403.
 */
export const SHUTDOWN_CLOSE_CODE = 1012;
export const SHUTDOWN_CLOSE_REASON = 'service restart: reconnect to another replica';

interface ServerContext {
  connectionViewer?: Viewer | null;
}

interface OperationRoot {
  execute(args: ExecutionArgs): unknown;
  subscribe(args: ExecutionArgs): unknown;
  logIds: LogContext;
}

export interface GraphqlWebSockets {
  /** Queries and mutations being executed now (subscriptions are long-lived and not counted). */
  inFlight(): number;
  /** Closes every socket with this code and stops accepting new ones. */
  close(code: number, reason: string, timeoutMs: number): Promise<void>;
}

/**
 * graphql-ws answers each operation with two frames (next, complete) and ws writes every frame
 * with its own syscall. Holding the socket corked until the end of the current turn of the
 * event loop sends them in one write: on loopback, syscalls were a fifth of the API's CPU time.
 */
function coalesceWrites(socket: WebSocket, onSend: () => void): void {
  const raw = (socket as unknown as { _socket?: Socket })._socket;
  const send = socket.send.bind(socket);
  let corked = false;
  socket.send = ((...args: Parameters<WebSocket['send']>) => {
    onSend();
    if (raw && !corked) {
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

export function attachGraphqlWebSockets(
  deps: AppDeps,
  server: Server,
  yoga: YogaServerInstance<ServerContext, RequestContext>,
  viewerFor: (token: string | null) => Promise<Viewer | null | 'invalid'>,
  tokenFrom: (raw: string) => string | null,
): GraphqlWebSockets {
  const { metrics, log } = deps;
  const wss = new WebSocketServer({ server, path: '/graphql', maxPayload: deps.env.XEENET_MAX_BODY_BYTES });
  const connections = new WeakMap<object, LogContext>();
  const viewers = new WeakMap<object, Viewer | null>();
  let inFlight = 0;

  wss.on('connection', (socket, request) => {
    const ids = { requestId: requestIdOf(request.headers['x-request-id']), connectionId: randomUUID() };
    connections.set(socket, ids);
    metrics.wsOpened.inc();
    metrics.wsConnections.inc();
    coalesceWrites(socket, () => metrics.wsMessages.inc({ direction: 'out' }));
    socket.on('message', () => metrics.wsMessages.inc({ direction: 'in' }));
    socket.once('close', (code) => {
      metrics.wsConnections.dec();
      metrics.wsClosed.inc({ code: String(code) });
      withLogContext(ids, () => log.debug('websocket closed', { code }));
    });
    withLogContext(ids, () => log.debug('websocket connected'));
  });

  const counted = (result: unknown) => {
    inFlight++;
    metrics.wsOperationsInFlight.inc();
    return Promise.resolve(result).finally(() => {
      inFlight--;
      metrics.wsOperationsInFlight.dec();
    });
  };

  const wsServer = useServer<Record<string, unknown> | undefined>(
    {
      connectionInitWaitTimeout: 10_000,
      onConnect: (ctx) =>
        withLogContext(connections.get(ctx.extra.socket) ?? {}, async () => {
          const params = ctx.connectionParams ?? {};
          const raw = params.token ?? params.authorization ?? params.Authorization;
          const viewer = await viewerFor(typeof raw === 'string' ? tokenFrom(raw) : null);
          if (viewer === 'invalid') return false;
          viewers.set(ctx.extra.socket, viewer);
          return true;
        }),
      execute: (args: ExecutionArgs) => {
        const root = args.rootValue as OperationRoot;
        return withLogContext(root.logIds, () => counted(root.execute(args))) as never;
      },
      subscribe: (args: ExecutionArgs) => {
        const root = args.rootValue as OperationRoot;
        return withLogContext(root.logIds, () => root.subscribe(args)) as never;
      },
      onSubscribe: (ctx, id, payload) => {
        const logIds = { ...connections.get(ctx.extra.socket), operationId: id };
        return withLogContext(logIds, async () => {
          const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
            ...ctx,
            req: ctx.extra.request,
            socket: ctx.extra.socket,
            params: payload,
            connectionViewer: viewers.get(ctx.extra.socket) ?? null,
          });
          const document = parse(payload.query);
          const errors = validate(schema, document);
          if (errors.length > 0) return errors;
          const rootValue: OperationRoot = { execute, subscribe, logIds };
          return {
            schema,
            operationName: payload.operationName,
            document,
            variableValues: payload.variables,
            contextValue: await contextFactory(),
            rootValue,
          };
        });
      },
    },
    wss,
    12_000,
  );

  return {
    inFlight: () => inFlight,
    async close(code, reason, timeoutMs) {
      const sockets = [...wss.clients];
      await Promise.all(
        sockets.map(
          (socket) =>
            new Promise<void>((resolve) => {
              if (socket.readyState === socket.CLOSED) return resolve();
              const timer = setTimeout(() => {
                socket.terminate();
                resolve();
              }, timeoutMs);
              socket.once('close', () => {
                clearTimeout(timer);
                resolve();
              });
              socket.close(code, reason);
            }),
        ),
      );
      await wsServer.dispose();
    },
  };
}
