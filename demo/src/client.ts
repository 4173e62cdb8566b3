// A typed graphql-ws client: every operation is a TypedDocumentNode from graphql-codegen, so
// variables and results are checked against schema.graphql at compile time.
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import { type Client, createClient } from 'graphql-ws';

export class ApiError extends Error {}

export interface Subscription {
  dispose(): void;
}

export class XeeNetClient {
  private readonly client: Client;

  constructor(server: string, token: string) {
    this.client = createClient({
      url: `${server.replace(/^http/, 'ws')}/graphql`,
      connectionParams: { token },
      lazy: false,
      retryAttempts: 5,
      // A bad token is final; anything else (an API restart) is retried.
      shouldRetry: (event) => !(typeof event === 'object' && event !== null && 'code' in event && event.code === 4403),
      onNonLazyError: () => {},
    });
  }

  /** One query or mutation; rejects on GraphQL errors (expected failures come back as union members). */
  request<R, V extends Record<string, unknown>>(document: TypedDocumentNode<R, V>, variables: V): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      let data: R | null = null;
      this.client.subscribe<R>(
        { query: print(document), variables },
        {
          next: (result) => {
            if (result.errors?.length) reject(new ApiError(result.errors.map((error) => error.message).join('; ')));
            else data = result.data as R;
          },
          error: (error) => reject(toError(error)),
          complete: () => (data ? resolve(data) : reject(new ApiError('the operation returned no data'))),
        },
      );
    });
  }

  /** A subscription: onEvent for every result, onError when it ends abnormally. */
  subscribe<R, V extends Record<string, unknown>>(
    document: TypedDocumentNode<R, V>,
    variables: V,
    onEvent: (data: R) => void,
    onError: (error: Error) => void,
  ): Subscription {
    const dispose = this.client.subscribe<R>(
      { query: print(document), variables },
      {
        next: (result) => {
          if (result.errors?.length) onError(new ApiError(result.errors.map((error) => error.message).join('; ')));
          else if (result.data) onEvent(result.data as R);
        },
        error: (error) => onError(toError(error)),
        complete: () => {},
      },
    );
    return { dispose };
  }

  async close(): Promise<void> {
    await this.client.dispose();
  }
}

function toError(error: unknown): Error {
  if (error instanceof Error) return error;
  if (Array.isArray(error)) return new ApiError(error.map((e: { message?: string }) => e.message).join('; '));
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const { code, reason } = error as { code: number; reason?: string };
    return new ApiError(code === 4403 ? 'the API refused the token (close code 4403)' : `the connection closed (code ${code}${reason ? `: ${reason}` : ''})`);
  }
  return new ApiError(String(error));
}
