// One Apollo client per token (or one without a token, for public data): queries and mutations over HTTP, subscriptions over
// graphql-ws on the same /graphql path, split by operation type.
import { ApolloClient, ApolloLink, CombinedGraphQLErrors, HttpLink, InMemoryCache, ServerError } from '@apollo/client';
import { ErrorLink } from '@apollo/client/link/error';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { getMainDefinition } from '@apollo/client/utilities';
import { createClient, type Client } from 'graphql-ws';
import possibleTypes from '../gql/possible-types';
import { GRAPHQL_PATH, graphqlWsUrl } from '../lib/endpoints';
import { typePolicies } from './type-policies';

/** The live (WebSocket) link's state, shown in the header. */
export type LiveStatus = 'connecting' | 'live' | 'reconnecting';

export interface ClientOptions {
  /** null: anonymous, public campaigns only. */
  token: string | null;
  /** The API rejected the token (HTTP 401 or WebSocket close 4403). */
  onUnauthenticated: () => void;
  onLiveStatus?: (status: LiveStatus) => void;
  /** The socket came back after a drop: events sent meanwhile are lost. */
  onReconnected?: () => void;
  /** Overrides for tests. */
  httpUri?: string;
  wsUrl?: string;
  fetch?: typeof fetch;
}

export interface XeeNetClient {
  client: ApolloClient;
  /** Closes the WebSocket and stops every query. */
  dispose(): void;
}

export const WS_UNAUTHORIZED = 4403;

export function createCache(): InMemoryCache {
  return new InMemoryCache({ typePolicies, possibleTypes: possibleTypes.possibleTypes });
}

/** Exponential backoff with full jitter, capped at 15 s, so reconnecting tabs do not stampede. */
export function retryDelayMs(retries: number, random: () => number = Math.random): number {
  const cap = Math.min(15_000, 500 * 2 ** retries);
  return Math.round(cap / 2 + random() * (cap / 2));
}

function isUnauthenticated(error: unknown): boolean {
  if (ServerError.is(error) && error.statusCode === 401) return true;
  if (CombinedGraphQLErrors.is(error)) return error.errors.some((e) => e.extensions?.code === 'UNAUTHENTICATED');
  return false;
}

export function createXeeNetClient(options: ClientOptions): XeeNetClient {
  const { token, onUnauthenticated, onLiveStatus, onReconnected } = options;
  let client: ApolloClient | null = null;
  let disposed = false;

  const httpLink = new HttpLink({
    uri: options.httpUri ?? GRAPHQL_PATH,
    headers: token ? { authorization: `Bearer ${token}` } : {},
    fetch: options.fetch,
  });

  const ws: Client = createClient({
    url: options.wsUrl ?? graphqlWsUrl(),
    connectionParams: token ? { token } : {},
    // Connect at once and stay connected: the header shows whether live updates flow.
    lazy: false,
    keepAlive: 15_000,
    retryAttempts: Number.POSITIVE_INFINITY,
    retryWait: (retries) => new Promise((resolve) => setTimeout(resolve, retryDelayMs(retries))),
    shouldRetry: (event) => !(isCloseEvent(event) && event.code === WS_UNAUTHORIZED),
    on: {
      connecting: (isRetry) => onLiveStatus?.(isRetry ? 'reconnecting' : 'connecting'),
      connected: (_socket, _payload, wasRetry) => {
        onLiveStatus?.('live');
        // Events published while the socket was down are gone: read the truth again (Apollo's
        // watched queries here; pages with their own stores listen to onReconnected).
        if (wasRetry && client && !disposed) {
          void client.refetchQueries({ include: 'active' });
          onReconnected?.();
        }
      },
      closed: (event) => {
        if (disposed) return;
        if (isCloseEvent(event) && event.code === WS_UNAUTHORIZED) onUnauthenticated();
        else onLiveStatus?.('reconnecting');
      },
    },
  });

  const errorLink = new ErrorLink(({ error }) => {
    if (isUnauthenticated(error)) onUnauthenticated();
  });

  const link = ApolloLink.split(
    ({ query }) => {
      const definition = getMainDefinition(query);
      return definition.kind === 'OperationDefinition' && definition.operation === 'subscription';
    },
    new GraphQLWsLink(ws),
    ApolloLink.from([errorLink, httpLink]),
  );

  client = new ApolloClient({
    link,
    cache: createCache(),
    defaultOptions: {
      watchQuery: { fetchPolicy: 'cache-and-network', nextFetchPolicy: 'cache-first' },
    },
  });

  return {
    client,
    dispose() {
      disposed = true;
      client?.stop();
      void ws.dispose();
    },
  };
}

function isCloseEvent(value: unknown): value is { code: number; reason: string } {
  return typeof value === 'object' && value !== null && 'code' in value && typeof (value as { code: unknown }).code === 'number';
}
