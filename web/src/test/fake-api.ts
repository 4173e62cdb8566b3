// A fake API for component tests: an Apollo link that answers queries and mutations from
// handlers by operation name, and lets a test push subscription events. Everything goes through
// the real cache, type policies and components; only the network is replaced.
import { ApolloClient, ApolloLink } from '@apollo/client';
import { getMainDefinition } from '@apollo/client/utilities';
import { Observable, type Subscriber } from 'rxjs';
import { createCache } from '../apollo/client';

/** Answers an operation; a promise delays the answer (a slow page). */
type Handler = (variables: Record<string, unknown>) => unknown;

export class FakeApi extends ApolloLink {
  readonly calls: { operationName: string; variables: Record<string, unknown> }[] = [];
  private readonly handlers: Record<string, Handler>;
  private readonly subscribers = new Map<string, Set<Subscriber<ApolloLink.Result>>>();

  constructor(handlers: Record<string, Handler>) {
    super((operation) => this.handle(operation));
    this.handlers = handlers;
  }

  private handle(operation: ApolloLink.Operation): Observable<ApolloLink.Result> {
    const definition = getMainDefinition(operation.query);
    const name = operation.operationName ?? '';
    this.calls.push({ operationName: name, variables: operation.variables });
    if (definition.kind === 'OperationDefinition' && definition.operation === 'subscription') {
      return new Observable((subscriber) => {
        const set = this.subscribers.get(name) ?? new Set();
        set.add(subscriber);
        this.subscribers.set(name, set);
        return () => set.delete(subscriber);
      });
    }
    return new Observable((subscriber) => {
      const timer = setTimeout(() => {
        // Looked up when answering, so a test can set a handler right after rendering.
        const handler = this.handlers[name];
        if (!handler) {
          subscriber.error(new Error(`FakeApi has no handler for ${name}`));
          return;
        }
        Promise.resolve()
          .then(() => handler(operation.variables))
          .then(
            (data) => {
              subscriber.next({ data: data as Record<string, unknown> });
              subscriber.complete();
            },
            (error: unknown) => subscriber.error(error),
          );
      }, 0);
      return () => clearTimeout(timer);
    });
  }

  /** Adds or replaces the handler for an operation. */
  on(operationName: string, handler: Handler): this {
    this.handlers[operationName] = handler;
    return this;
  }

  /** Sends one event to every open subscription with this operation name; returns how many got it. */
  push(operationName: string, data: Record<string, unknown>): number {
    const set = this.subscribers.get(operationName) ?? new Set();
    for (const subscriber of set) subscriber.next({ data });
    return set.size;
  }

  /** Ends every open subscription with this operation name with an error (as a failed socket operation does). */
  fail(operationName: string, error: unknown): number {
    const set = this.subscribers.get(operationName) ?? new Set();
    const count = set.size;
    for (const subscriber of [...set]) subscriber.error(error);
    set.clear();
    return count;
  }

  subscribed(operationName: string): number {
    return this.subscribers.get(operationName)?.size ?? 0;
  }
}

export function fakeClient(api: FakeApi): ApolloClient {
  return new ApolloClient({
    link: api,
    cache: createCache(),
    defaultOptions: { watchQuery: { fetchPolicy: 'cache-and-network', nextFetchPolicy: 'cache-first' } },
  });
}
