// The leaderboard ranks volunteer accounts by credits earned, compute hours (accepted real
// results' run time, each up to its task's budget) or verified results (accepted real results,
// until replication lands), on PostgreSQL and PGlite; simulated work never counts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASES, startTestApp, type TestApp } from '../helpers/app.ts';
import { gql } from '../helpers/graphql.ts';
import { COMPLETE, createAccount, lease, type LeaseInfo, metrics, registerWorker, submitBrief } from '../helpers/platform.ts';

const BOARD = `query ($orderBy: LeaderboardOrder) {
  leaderboard(first: 10, orderBy: $orderBy) { name earned tasksPaid computeHours verifiedResults }
}`;

describe.each(DATABASES)('the leaderboard on %s', (database) => {
  let app: TestApp;
  let url: string;

  beforeAll(async () => {
    app = await startTestApp(database);
    url = app.graphqlUrl;
  });
  afterAll(() => app?.stop());

  async function finish(token: string, grant: LeaseInfo, wallS: number) {
    const data = await gql(url, COMPLETE, { input: { taskId: grant.taskId, leaseToken: grant.token, result: { ...metrics(), wallS } } }, token);
    expect(data.completeTask.__typename).toBe('MutationCompleteTaskSuccess');
    return data.completeTask.data.creditsEarned as number;
  }

  it('ranks by credits, compute hours or verified results, as asked', async () => {
    const researcher = await createAccount(url, 'Researcher');
    const long = await createAccount(url, 'Long Runs');
    const many = await createAccount(url, 'Many Results');
    const longWorker = await registerWorker(url, 'long-box', { token: long.token });
    const manyWorker = await registerWorker(url, 'many-box', { token: many.token });
    const simulated = await registerWorker(url, 'demo-box', { simulated: true });

    // One 60 s task run for 10 s: many credits, few hours, one result.
    await submitBrief(url, researcher.token, { name: 'long', taskCount: 1, budgetS: 60 });
    const longEarned = await finish(longWorker.token, (await lease(url, longWorker.token))!, 10);
    // Three 5 s tasks: fewer credits, more hours (the third claims 30 s, within the sanity bound of
    // budget + 30 s, and counts as its 5 s budget), three results.
    await submitBrief(url, researcher.token, { name: 'short', taskCount: 3, budgetS: 5 });
    let manyEarned = 0;
    for (const wallS of [4.6, 4.6, 30]) manyEarned += await finish(manyWorker.token, (await lease(url, manyWorker.token))!, wallS);
    // Simulated work: on no board.
    await submitBrief(url, researcher.token, { name: 'demo', taskCount: 1, budgetS: 5, allowSimulated: true });
    const demo = await lease(url, simulated.token);
    expect(demo).not.toBeNull();
    await finish(simulated.token, demo!, 4);
    expect(longEarned).toBeGreaterThan(manyEarned);

    const board = async (orderBy?: string) => (await gql(url, BOARD, orderBy ? { orderBy } : {})).leaderboard as { name: string; earned: number; tasksPaid: number; computeHours: number; verifiedResults: number }[];
    const byCredits = await board();
    expect(byCredits.map((row) => row.name)).toEqual(['Long Runs', 'Many Results']);
    expect(await board('CREDITS')).toEqual(byCredits);
    expect(byCredits[0]).toMatchObject({ earned: longEarned, tasksPaid: 1, verifiedResults: 1 });
    expect(byCredits[0]!.computeHours).toBeCloseTo(10 / 3600, 9);
    expect(byCredits[1]).toMatchObject({ earned: manyEarned, tasksPaid: 3, verifiedResults: 3 });
    expect(byCredits[1]!.computeHours).toBeCloseTo(14.2 / 3600, 9);

    expect((await board('COMPUTE_HOURS')).map((row) => row.name)).toEqual(['Many Results', 'Long Runs']);
    expect((await board('VERIFIED_RESULTS')).map((row) => row.name)).toEqual(['Many Results', 'Long Runs']);
  });

  it('refuses an ordering it does not know, with a GraphQL validation error', async () => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ leaderboard(orderBy: FASTEST) { name } }' }),
    });
    const body = (await response.json()) as { errors?: { message: string }[] };
    expect(body.errors?.[0]?.message).toMatch(/FASTEST/);
  });
});
