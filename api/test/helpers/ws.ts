// A real graphql-ws client for tests (Node's built-in WebSocket).
import { type Client, createClient } from 'graphql-ws';

export function wsClient(graphqlUrl: string, token?: string | null, options: { retry?: boolean } = {}): Client {
  return createClient({
    url: graphqlUrl.replace(/^http/, 'ws'),
    connectionParams: token ? { token } : {},
    retryAttempts: options.retry ? 5 : 0,
    lazy: true,
  });
}

/** Collects subscription events; `next(predicate)` waits for the first matching one. */
export function collect<T = Record<string, any>>(client: Client, query: string, variables: Record<string, unknown> = {}) {
  const events: T[] = [];
  const waiters: { predicate: (event: T) => boolean; resolve: (event: T) => void }[] = [];
  let failure: unknown = null;
  const dispose = client.subscribe<T>(
    { query, variables },
    {
      next: (value) => {
        if (value.errors?.length) {
          failure = new Error(JSON.stringify(value.errors));
          return;
        }
        const data = value.data as T;
        events.push(data);
        for (const waiter of [...waiters]) {
          if (waiter.predicate(data)) {
            waiters.splice(waiters.indexOf(waiter), 1);
            waiter.resolve(data);
          }
        }
      },
      error: (error) => {
        failure = error;
      },
      complete: () => {},
    },
  );
  return {
    events,
    get failure() {
      return failure;
    },
    next(predicate: (event: T) => boolean = () => true, timeoutMs = 5000): Promise<T> {
      const found = events.find(predicate);
      if (found) return Promise.resolve(found);
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no matching event within ${timeoutMs} ms (got ${events.length}; failure: ${String(failure)})`)), timeoutMs);
        waiters.push({
          predicate,
          resolve: (event) => {
            clearTimeout(timer);
            resolve(event);
          },
        });
      });
    },
    dispose,
  };
}
