// Query abuse through introspection is refused while the document is validated, before anything
// runs; the introspection queries real tools send still work, over HTTP and WebSocket.
import { getIntrospectionQuery } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { ADMIN_TOKEN } from '../helpers/env.ts';
import { request } from '../helpers/graphql.ts';
import { collect, wsClient } from '../helpers/ws.ts';

let app: TestApp;

beforeAll(async () => {
  app = await startTestApp('postgresql');
});
afterAll(() => app?.stop());

async function post(query: string) {
  const response = await fetch(app.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` },
    body: JSON.stringify({ query }),
  });
  const text = await response.text();
  return { status: response.status, bytes: text.length, body: JSON.parse(text) as { data?: any; errors?: { message: string; extensions?: { code?: string } }[] } };
}

const aliased = (count: number, selection: string) => `{ ${Array.from({ length: count }, (_, i) => `a${i}: ${selection}`).join(' ')} }`;

describe('introspection counts', () => {
  it('refuses 1,000 aliased __schema selections at once, with a small clear error', async () => {
    const answer = await post(aliased(1000, '__schema { types { name fields { name type { name } } } }'));
    expect(answer.body.data).toBeUndefined();
    expect(answer.body.errors).toHaveLength(1);
    expect(answer.body.errors![0]!.message).toMatch(/^introspection is limited to 1 __schema and 20 __type selections per operation/);
    expect(answer.body.errors![0]!.extensions?.code).toBe('QUERY_LIMIT');
    expect(answer.bytes).toBeLessThan(2_000);
    // The server is unharmed: the next request is answered normally.
    expect((await post('{ me { name } }')).body.data.me.name).toBe('admin');
  });

  it('refuses aliased __type selections past 20, and recursion through type references', async () => {
    expect((await post(aliased(20, '__type(name: "Task") { name }'))).body.errors).toBeUndefined();
    expect((await post(aliased(21, '__type(name: "Task") { name }'))).body.errors![0]!.message).toMatch(/introspection is limited/);
    const recursive = await post('{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }');
    expect(recursive.body.errors![0]!.message).toMatch(/a type reached through a reference may select only its scalars and ofType, not "fields"/);
    const deep = `{ __type(name: "Task") { ${'ofType { '.repeat(20)}name${' }'.repeat(20)} } }`;
    expect((await post(deep)).body.errors![0]!.message).toMatch(/ofType nests at most 16 levels/);
  });

  it('counts fields through fragments, so fragment fan-out cannot multiply them unseen', async () => {
    const fragments = [
      'fragment A on Query { me { name } me { role } }',
      'fragment B on Query { ...A ...A ...A ...A ...A ...A ...A ...A ...A ...A }',
      'fragment C on Query { ...B ...B ...B ...B ...B ...B ...B ...B ...B ...B }',
      'fragment D on Query { ...C ...C ...C ...C ...C ...C ...C ...C ...C ...C }',
    ];
    const answer = await post(`{ ...D } ${fragments.join(' ')}`);
    expect(answer.body.errors![0]!.message).toMatch(/more than 2000 fields/);
  });

  it('answers the full introspection query that GraphiQL and graphql-codegen send', async () => {
    const query = getIntrospectionQuery({
      descriptions: true,
      specifiedByUrl: true,
      directiveIsRepeatable: true,
      schemaDescription: true,
      inputValueDeprecation: true,
    });
    const answer = await post(query);
    expect(answer.body.errors).toBeUndefined();
    expect(answer.body.data.__schema.types.map((type: { name: string }) => type.name)).toEqual(expect.arrayContaining(['Campaign', 'Task', 'Worker']));
    const plain = await post(getIntrospectionQuery());
    expect(plain.body.errors).toBeUndefined();
  });

  it('applies the same limits over WebSocket', async () => {
    const client = wsClient(app.graphqlUrl, ADMIN_TOKEN);
    const sub = collect(client, aliased(1000, '__schema { types { name } }'));
    await expect.poll(() => JSON.stringify(sub.failure ?? null), { timeout: 5000 }).toMatch(/introspection is limited/);
    sub.dispose();
    await client.dispose();
    expect((await request(app.graphqlUrl, '{ __schema { queryType { name } } }', {}, ADMIN_TOKEN)).data?.__schema.queryType.name).toBe('Query');
  });
});
