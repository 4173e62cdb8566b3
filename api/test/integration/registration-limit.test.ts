// Anonymous registerWorker is limited per client address and over all clients, with a typed
// RateLimitedError that says when to retry; nothing is created past the limit. Against PostgreSQL
// and PGlite (in-process buckets), and two API instances sharing one Redis bucket.
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startApp, type App } from '../../src/app.ts';
import { DATABASES, startTestApp, type TestApp } from '../helpers/app.ts';
import { ADMIN_TOKEN, testEnv } from '../helpers/env.ts';
import { gql } from '../helpers/graphql.ts';
import { createAccount } from '../helpers/platform.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.ts';

const REDIS_URL = process.env.XEENET_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

const REGISTER = `mutation ($input: RegisterWorkerInput!) {
  registerWorker(input: $input) {
    __typename
    ... on MutationRegisterWorkerSuccess { data { token } }
    ... on RateLimitedError { message retryAfterSeconds scope }
    ... on Error { message }
  }
}`;

async function register(url: string, name: string, headers: Record<string, string> = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query: REGISTER, variables: { input: { name, hardware: { cpu: 'test' } } } }),
  });
  const body = (await response.json()) as { data: { registerWorker: Record<string, any> } };
  return body.data.registerWorker;
}

async function workerCount(app: App): Promise<number> {
  return (await gql(app.graphqlUrl, '{ workers(first: 1) { totalCount } }', {}, ADMIN_TOKEN)).workers.totalCount as number;
}

describe.each(DATABASES)('registration limits on %s', (database) => {
  let app: TestApp | null = null;
  afterEach(async () => {
    await app?.stop();
    app = null;
  });

  it('stops a burst of 2,000 registrations from one address after the first 10, fast, with the delay', async () => {
    app = await startTestApp(database, {
      XEENET_REGISTRATION_PER_ADDRESS_BURST: '10',
      XEENET_REGISTRATION_PER_ADDRESS_PER_HOUR: '20',
      XEENET_REGISTRATION_GLOBAL_BURST: '100000',
    });
    const url = app.graphqlUrl;
    const before = await workerCount(app);
    const started = performance.now();
    const results: Record<string, any>[] = [];
    for (let batch = 0; batch < 2000; batch += 50) {
      results.push(...(await Promise.all(Array.from({ length: 50 }, (_, i) => register(url, `burst-${batch + i}`)))));
    }
    const seconds = (performance.now() - started) / 1000;
    const accepted = results.filter((r) => r.__typename === 'MutationRegisterWorkerSuccess');
    const refused = results.filter((r) => r.__typename === 'RateLimitedError');
    expect(accepted).toHaveLength(10);
    expect(refused).toHaveLength(1990);
    // 20 per hour refill: one more in 180 s.
    expect(new Set(refused.map((r) => r.scope))).toEqual(new Set(['ADDRESS']));
    expect(Math.min(...refused.map((r) => r.retryAfterSeconds))).toBeGreaterThanOrEqual(1);
    expect(Math.max(...refused.map((r) => r.retryAfterSeconds))).toBeLessThanOrEqual(180);
    expect(refused[0]!.message).toMatch(/too many anonymous registrations from this address: try again in \d+ s/);
    expect((await workerCount(app)) - before).toBe(10);
    console.log(`2,000 anonymous registrations from one address on ${database}: 10 accepted, 1,990 refused in ${seconds.toFixed(2)} s (${((seconds / 2000) * 1000).toFixed(2)} ms each)`);

    // A signed-in researcher registering a machine is not anonymous: not limited.
    const researcher = await createAccount(url, 'Owner');
    const own = await register(url, 'own-machine', { authorization: `Bearer ${researcher.token}` });
    expect(own.__typename).toBe('MutationRegisterWorkerSuccess');
  }, 180_000);

  it('limits all addresses together, and reads the address from X-Forwarded-For only behind a trusted proxy', async () => {
    app = await startTestApp(database, {
      XEENET_TRUST_PROXY: 'true',
      XEENET_REGISTRATION_PER_ADDRESS_BURST: '2',
      XEENET_REGISTRATION_GLOBAL_BURST: '5',
      XEENET_REGISTRATION_GLOBAL_PER_HOUR: '3600',
    });
    const url = app.graphqlUrl;
    const fromA = [await register(url, 'a1', { 'x-forwarded-for': '203.0.113.1' }), await register(url, 'a2', { 'x-forwarded-for': '203.0.113.1, 10.0.0.1' })];
    const third = await register(url, 'a3', { 'x-forwarded-for': '203.0.113.1' });
    expect(fromA.map((r) => r.__typename)).toEqual(['MutationRegisterWorkerSuccess', 'MutationRegisterWorkerSuccess']);
    expect(third).toMatchObject({ __typename: 'RateLimitedError', scope: 'ADDRESS' });
    const others = [];
    for (let i = 2; i <= 6; i++) others.push(await register(url, `o${i}`, { 'x-forwarded-for': `203.0.113.${i}` }));
    // Five in all: a1, a2 and three others; then the server-wide bucket is empty (1 per second back).
    expect(others.map((r) => r.__typename)).toEqual(['MutationRegisterWorkerSuccess', 'MutationRegisterWorkerSuccess', 'MutationRegisterWorkerSuccess', 'RateLimitedError', 'RateLimitedError']);
    expect(others[3]).toMatchObject({ scope: 'GLOBAL', retryAfterSeconds: 1 });
  });
});

describe('registration limits shared through Redis', () => {
  const apps: App[] = [];
  const dbs: TestDatabase[] = [];
  afterAll(async () => {
    for (const app of apps) await app.close();
    for (const db of dbs) await db.drop();
  });

  it('draws every replica’s anonymous registrations from one bucket', async () => {
    const prefix = `xeenet-test-limit-${randomBytes(4).toString('hex')}:`;
    for (let i = 0; i < 2; i++) {
      const db = await createTestDatabase();
      dbs.push(db);
      apps.push(
        await startApp(
          testEnv({ DATABASE_URL: db.url, REDIS_URL, XEENET_REDIS_PREFIX: prefix, XEENET_REGISTRATION_PER_ADDRESS_BURST: '3', XEENET_REGISTRATION_GLOBAL_BURST: '1000' }),
        ),
      );
    }
    const [a, b] = apps as [App, App];
    const onA = [];
    for (let i = 0; i < 2; i++) onA.push(await register(a.graphqlUrl, `redis-a${i}`));
    const onB = [await register(b.graphqlUrl, 'redis-b0'), await register(b.graphqlUrl, 'redis-b1')];
    expect([...onA, ...onB].map((r) => r.__typename)).toEqual([
      'MutationRegisterWorkerSuccess',
      'MutationRegisterWorkerSuccess',
      'MutationRegisterWorkerSuccess',
      'RateLimitedError',
    ]);
    expect(await register(a.graphqlUrl, 'redis-a2')).toMatchObject({ __typename: 'RateLimitedError', scope: 'ADDRESS' });
  });
});
