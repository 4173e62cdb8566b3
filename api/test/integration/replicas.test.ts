// Two API replicas on one PostgreSQL database share live events through Redis.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, startApp } from '../../src/app.ts';
import { testEnv } from '../helpers/env.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.ts';
import { complete, createAccount, lease, registerWorker, submitBrief } from '../helpers/platform.ts';
import { collect, wsClient } from '../helpers/ws.ts';

const REDIS_URL = process.env.XEENET_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('API replicas behind a load balancer', () => {
  let db: TestDatabase;
  let replicaA: App;
  let replicaB: App;

  beforeAll(async () => {
    db = await createTestDatabase();
    const env = { DATABASE_URL: db.url, REDIS_URL };
    replicaA = await startApp(testEnv(env));
    replicaB = await startApp(testEnv(env));
  });
  afterAll(async () => {
    await replicaA?.close();
    await replicaB?.close();
    await db?.drop();
  });

  it('delivers a result reported to one replica to a dashboard subscribed on the other', async () => {
    const researcher = await createAccount(replicaA.graphqlUrl, `Ada-${randomBytes(2).toString('hex')}`);
    const worker = await registerWorker(replicaA.graphqlUrl, 'w');
    const campaign = await submitBrief(replicaA.graphqlUrl, researcher.token, { taskCount: 1 });

    const client = wsClient(replicaB.graphqlUrl, researcher.token);
    const tasks = collect(client, 'subscription ($id: ID!) { taskUpdated(campaignId: $id) { id status valBpb } }', { id: campaign.id });
    const campaigns = collect(client, 'subscription ($id: ID!) { campaignUpdated(id: $id) { stats { succeeded } } }', { id: campaign.id });
    await new Promise((resolve) => setTimeout(resolve, 500));

    const grant = (await lease(replicaA.graphqlUrl, worker.token))!;
    await complete(replicaA.graphqlUrl, worker.token, grant, 2.05);
    const event = await tasks.next((e) => e.taskUpdated.status === 'SUCCEEDED');
    expect(event.taskUpdated.valBpb).toBe(2.05);
    await campaigns.next((e) => e.campaignUpdated.stats.succeeded === 1);
    tasks.dispose();
    campaigns.dispose();
    await client.dispose();
  });

  it('lets either replica serve any lease: complete on B what was leased on A', async () => {
    const worker = await registerWorker(replicaB.graphqlUrl, 'w2');
    const researcher = await createAccount(replicaB.graphqlUrl, 'Grace');
    await submitBrief(replicaB.graphqlUrl, researcher.token, { taskCount: 1 });
    const grant = (await lease(replicaA.graphqlUrl, worker.token))!;
    expect(await complete(replicaB.graphqlUrl, worker.token, grant)).toMatchObject({ __typename: 'MutationCompleteTaskSuccess' });
  });
});
