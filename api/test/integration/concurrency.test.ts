// 50 workers lease at the same moment: every task goes to exactly one of them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASES, startTestApp, type TestApp } from '../helpers/app.ts';
import { ADMIN_TOKEN } from '../helpers/env.ts';
import { gql } from '../helpers/graphql.ts';
import { lease, registerWorker, submitBrief } from '../helpers/platform.ts';
import { wsClient } from '../helpers/ws.ts';

const LEASERS = 50;

describe.each(DATABASES)('concurrent leasing on %s', (database) => {
  let app: TestApp;
  let workers: { token: string; id: string }[];

  beforeAll(async () => {
    app = await startTestApp(database);
    workers = await Promise.all(Array.from({ length: LEASERS }, (_, i) => registerWorker(app.graphqlUrl, `w${i}`)));
  });
  afterAll(() => app?.stop());

  it('never hands the same task to two of 50 simultaneous leasers (HTTP)', async () => {
    await submitBrief(app.graphqlUrl, ADMIN_TOKEN, { taskCount: 30 });
    const grants = await Promise.all(workers.map((worker) => lease(app.graphqlUrl, worker.token)));
    const taskIds = grants.filter((grant) => grant !== null).map((grant) => grant!.taskId);
    expect(taskIds).toHaveLength(30);
    expect(new Set(taskIds).size).toBe(30);
    expect(grants.filter((grant) => grant === null)).toHaveLength(LEASERS - 30);
  });

  it('never hands the same task to two of 50 simultaneous leasers (WebSocket), across rounds', async () => {
    await submitBrief(app.graphqlUrl, ADMIN_TOKEN, { taskCount: 120 });
    const clients = workers.map((worker) => wsClient(app.graphqlUrl, worker.token));
    const seen: string[] = [];
    try {
      for (let round = 0; round < 3; round++) {
        const results = await Promise.all(
          clients.map(async (client) => {
            const result = await client.iterate({ query: 'mutation { leaseTask { ... on MutationLeaseTaskSuccess { data { lease { taskId } } } } }' }).next();
            return (result.value as { data: { leaseTask: { data: { lease: { taskId: string } | null } } } }).data.leaseTask.data.lease?.taskId ?? null;
          }),
        );
        seen.push(...results.filter((id): id is string => id !== null));
      }
    } finally {
      await Promise.all(clients.map((client) => client.dispose()));
    }
    expect(seen).toHaveLength(120);
    expect(new Set(seen).size).toBe(120);
    const stats = await gql(app.graphqlUrl, '{ campaigns(first: 1) { edges { node { stats { leased queued } } } } }', {}, ADMIN_TOKEN);
    expect(stats.campaigns.edges[0].node.stats).toEqual({ leased: 120, queued: 0 });
  });
});
