// The graphql-ws connection against a small fake server that closes the first connections with
// codes graphql-ws itself treats as fatal (4500 when the API's onConnect throws, 4400, 1011, …):
// the worker must keep reconnecting; only 4403 (token refused) is final.
import type { AddressInfo } from 'node:net';
import { buildSchema, execute, parse, validate } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { WebSocketServer } from 'ws';
import { ApiClient, TokenRejectedError } from '../src/api/client.ts';
import { parseServer } from '../src/api/server.ts';
import { silentLogger } from '../src/log.ts';
import { TypedDocumentString } from '../src/gql/graphql.ts';
import { waitUntil } from './helpers/wait.ts';

/** The fake server's one query (not in the schema: typed by hand). */
const HELLO = new TypedDocumentString<{ hello: string }, Record<string, never>>('{ hello }');

const schema = buildSchema('type Query { hello: String }');

interface FakeApi {
  url: string;
  connections: () => number;
  close(): Promise<void>;
}

/** A graphql-ws server whose onConnect refuses the first `failures` connections with `code`. */
async function fakeApi(code: number, failures: number): Promise<FakeApi> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/graphql' });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  let connections = 0;
  const server = useServer(
    {
      schema,
      // This test's graphql module, not graphql-ws's copy (ESM and CJS instances do not mix).
      execute,
      parse,
      validate,
      roots: { query: { hello: () => 'world' } },
      onConnect: (ctx) => {
        connections++;
        if (connections > failures) return true;
        // 4500 is what graphql-ws sends when onConnect throws (the API's database is down).
        if (code === 4500) throw new Error('database blip');
        ctx.extra.socket.close(code, 'test close');
        return false;
      },
    },
    wss,
  );
  const { port } = wss.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, connections: () => connections, close: async () => server.dispose() };
}

const clients: ApiClient[] = [];
const servers: FakeApi[] = [];

afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

function connect(api: FakeApi, onFatal: (error: Error) => void): ApiClient {
  const client = new ApiClient({ urls: parseServer(api.url), token: 't', log: silentLogger, retryInitialMs: 20, retryMaxMs: 100, onFatal });
  clients.push(client);
  return client;
}

describe('ApiClient', () => {
  it.each([4500, 4400, 4401, 4429, 1011])('reconnects after the server closes with %i, a code graphql-ws gives up on', async (code) => {
    // graphql-ws logs onConnect's exception; that is the point of this test, not noise to show.
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const api = await fakeApi(code, 3);
    servers.push(api);
    const fatal: Error[] = [];
    const client = connect(api, (error) => fatal.push(error));
    await waitUntil(() => client.connected, 10_000, 'the client to connect after the refused attempts');
    expect(api.connections()).toBe(4);
    expect(await client.request(HELLO, {})).toEqual({ hello: 'world' });
    expect(fatal).toEqual([]);
  });

  it('stops for good when the server refuses the token (4403)', async () => {
    const api = await fakeApi(4403, Infinity);
    servers.push(api);
    const fatal: Error[] = [];
    const client = connect(api, (error) => fatal.push(error));
    await waitUntil(() => fatal.length > 0, 10_000, 'the token to be refused');
    expect(fatal[0]).toBeInstanceOf(TokenRejectedError);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(api.connections()).toBe(1);
    await expect(client.request(HELLO, {})).rejects.toBeInstanceOf(TokenRejectedError);
  });
});
