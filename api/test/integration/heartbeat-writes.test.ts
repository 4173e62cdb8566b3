// Heartbeats without a row write each: within the write interval a heartbeat only reaches the live
// lease store, yet subscribers see its progress at once, a kept lease is never reaped, a dead
// worker's still is, and with Redis two replicas share what was written.
// Row writes are counted by the rows' xmin (every UPDATE makes a new row version with a new xmin).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from 'graphql-ws';
import { type App, startApp } from '../../src/app.ts';
import { DATABASES, startTestApp, type TestApp } from '../helpers/app.ts';
import { testEnv } from '../helpers/env.ts';
import { gql } from '../helpers/graphql.ts';
import { complete, createAccount, HEARTBEAT, lease, type LeaseInfo, registerWorker, submitBrief } from '../helpers/platform.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.ts';
import { collect, wsClient } from '../helpers/ws.ts';

const REDIS_URL = process.env.XEENET_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

const TASK_PROGRESS = `subscription ($id: ID!) { taskUpdated(campaignId: $id) { id status heartbeatAt progress { step message } } }`;

function rawId(globalId: string): string {
  return Buffer.from(globalId, 'base64').toString().replace(/^[A-Za-z]+:/, '');
}

/** The row versions of a task and of its holder: a changed xmin means the row was written. */
async function versions(app: App, taskGlobalId: string) {
  const rows = await app.deps.orm.em
    .fork()
    .getConnection()
    .execute(
      `select t.xmin::text as task, w.xmin::text as worker, t.lease_expires_at, t.heartbeat_at
       from task t join worker w on w.id = t.worker_id where t.id = ?`,
      [rawId(taskGlobalId)],
    );
  const row = (rows as { task: string; worker: string; lease_expires_at: string | Date; heartbeat_at: string | Date }[])[0]!;
  return { task: row.task, worker: row.worker, leaseExpiresAt: new Date(row.lease_expires_at), heartbeatAt: new Date(row.heartbeat_at) };
}

function beat(url: string, token: string, grant: LeaseInfo, step: number, message = 'training') {
  return gql(url, HEARTBEAT, { input: { taskId: grant.taskId, leaseToken: grant.token, progress: { step, trainLoss: 2, elapsedS: step, message } } }, token);
}

/** Beats step 0 (the "training" milestone, written once) until the subscription delivers one: from then on it is live. */
async function subscribed(url: string, token: string, grant: LeaseInfo, client: Client, campaignId: string) {
  const updates = collect(client, TASK_PROGRESS, { id: campaignId });
  await expect
    .poll(
      async () => {
        expect((await beat(url, token, grant, 0)).heartbeat.__typename).toBe('MutationHeartbeatSuccess');
        return updates.events.length;
      },
      { timeout: 10_000, interval: 200 },
    )
    .toBeGreaterThan(0);
  return updates;
}

async function rowWrites(app: App): Promise<{ row: number; live: number }> {
  const text = await app.deps.metrics.registry.getSingleMetricAsString('xeenet_heartbeat_writes_total');
  const count = (label: string) => Number(new RegExp(`written="${label}"} (\\d+)`).exec(text)?.[1] ?? 0);
  return { row: count('row'), live: count('live_only') };
}

describe.each(DATABASES)('heartbeat row writes on %s', (database) => {
  let app: TestApp;
  let url: string;
  let researcher: { token: string; id: string };

  beforeAll(async () => {
    app = await startTestApp(database, { XEENET_LEASE_TTL_S: '30', XEENET_HEARTBEAT_WRITE_S: '10' });
    url = app.graphqlUrl;
    researcher = await createAccount(url, 'Ada');
  });
  afterAll(() => app?.stop());

  it('writes no task or worker row for heartbeats within 10 s of the last write, while subscribers see every beat', async () => {
    const worker = await registerWorker(url, 'steady');
    const campaign = await submitBrief(url, researcher.token, { taskCount: 1 });
    const client = wsClient(url, researcher.token);
    const grant = (await lease(url, worker.token))!;
    const updates = await subscribed(url, worker.token, grant, client, campaign.id);
    const afterMilestone = await versions(app, grant.taskId);
    const before = await rowWrites(app);
    for (let step = 1; step <= 8; step++) {
      const ack = await beat(url, worker.token, grant, step);
      expect(ack.heartbeat.__typename).toBe('MutationHeartbeatSuccess');
      // The expiry acknowledged is the written one: the reaper's deadline.
      expect(new Date(ack.heartbeat.data.expiresAt).getTime()).toBe(afterMilestone.leaseExpiresAt.getTime());
      const event = await updates.next((e) => e.taskUpdated.progress?.step === step);
      expect(new Date(event.taskUpdated.heartbeatAt).getTime()).toBeGreaterThan(afterMilestone.heartbeatAt.getTime());
    }
    const after = await versions(app, grant.taskId);
    expect(after.task).toBe(afterMilestone.task);
    expect(after.worker).toBe(afterMilestone.worker);
    expect(await rowWrites(app)).toEqual({ row: before.row, live: before.live + 8 });

    // Queries read the live progress too.
    const read = await gql(url, `query ($id: ID!) { node(id: $id) { ... on Task { progress { step } } } }`, { id: grant.taskId }, researcher.token);
    expect(read.node.progress.step).toBe(8);

    // A completion ends the lease: a heartbeat after it goes to the row and is refused.
    expect((await complete(url, worker.token, grant)).__typename).toBe('MutationCompleteTaskSuccess');
    const late = await beat(url, worker.token, grant, 9);
    expect(late.heartbeat).toMatchObject({ __typename: 'StaleLeaseError', reason: 'FINISHED' });
    updates.dispose();
    await client.dispose();
  });
});

describe.each(DATABASES)('lease expiry with heartbeats between row writes on %s', (database) => {
  let app: TestApp;
  let url: string;

  beforeAll(async () => {
    // TTL 5 s caps the write interval at 2.5 s.
    app = await startTestApp(database, { XEENET_LEASE_TTL_S: '5', XEENET_HEARTBEAT_WRITE_S: '10' });
    url = app.graphqlUrl;
  });
  afterAll(() => app?.stop());

  it('never reaps a lease that is kept, and reaps the lease of a worker that stopped', async () => {
    const researcher = await createAccount(url, 'Grace');
    await submitBrief(url, researcher.token, { taskCount: 2 });
    const keeper = await registerWorker(url, 'keeper');
    const quitter = await registerWorker(url, 'quitter');
    const kept = (await lease(url, keeper.token))!;
    const dropped = (await lease(url, quitter.token))!;
    const before = await rowWrites(app);

    // 8 s, past the TTL: the keeper beats every 500 ms (faster than a worker would), the reaper runs between.
    const startedAt = Date.now();
    let step = 0;
    while (Date.now() - startedAt < 8_000) {
      expect((await beat(url, keeper.token, kept, ++step)).heartbeat.__typename).toBe('MutationHeartbeatSuccess');
      await app.reaper.tick();
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const writes = await rowWrites(app);
    // About one row write per 2.5 s of the ~16 beats.
    expect(writes.row - before.row).toBeGreaterThanOrEqual(2);
    expect(writes.row - before.row).toBeLessThanOrEqual(6);
    expect(writes.live - before.live).toBeGreaterThan(writes.row - before.row);

    const status = async (taskId: string) =>
      (await gql(url, `query ($id: ID!) { node(id: $id) { ... on Task { status attempts } } }`, { id: taskId }, researcher.token)).node;
    expect(await status(kept.taskId)).toEqual({ status: 'LEASED', attempts: 1 });
    expect(await status(dropped.taskId)).toEqual({ status: 'QUEUED', attempts: 1 });
  });
});

describe('heartbeats across two replicas sharing PostgreSQL and Redis', () => {
  let db: TestDatabase;
  let a: App;
  let b: App;

  beforeAll(async () => {
    db = await createTestDatabase();
    const env = { DATABASE_URL: db.url, REDIS_URL, XEENET_LEASE_TTL_S: '30', XEENET_HEARTBEAT_WRITE_S: '10' };
    a = await startApp(testEnv(env));
    b = await startApp(testEnv(env));
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await db?.drop();
  });

  it('skips the row write on B for a lease written on A, and B’s beats reach a subscriber on A', async () => {
    const researcher = await createAccount(a.graphqlUrl, 'Barbara');
    const worker = await registerWorker(a.graphqlUrl, 'roamer');
    const campaign = await submitBrief(a.graphqlUrl, researcher.token, { taskCount: 1 });
    const client = wsClient(a.graphqlUrl, researcher.token);
    const grant = (await lease(a.graphqlUrl, worker.token))!;
    const updates = await subscribed(a.graphqlUrl, worker.token, grant, client, campaign.id);
    const written = await versions(a, grant.taskId);

    const beforeB = await rowWrites(b);
    for (let step = 1; step <= 5; step++) {
      expect((await beat(b.graphqlUrl, worker.token, grant, step)).heartbeat.__typename).toBe('MutationHeartbeatSuccess');
      await updates.next((e) => e.taskUpdated.progress?.step === step, 2000);
    }
    expect((await versions(a, grant.taskId)).task).toBe(written.task);
    expect(await rowWrites(b)).toEqual({ row: beforeB.row, live: beforeB.live + 5 });

    // A completion on A is seen by B: its next heartbeat reaches the row and is refused.
    expect((await complete(a.graphqlUrl, worker.token, grant)).__typename).toBe('MutationCompleteTaskSuccess');
    expect((await beat(b.graphqlUrl, worker.token, grant, 6)).heartbeat).toMatchObject({ __typename: 'StaleLeaseError', reason: 'FINISHED' });
    updates.dispose();
    await client.dispose();
  });
});
