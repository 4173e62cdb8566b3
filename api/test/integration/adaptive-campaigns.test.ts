// Adaptive campaigns against PostgreSQL and PGlite: the loop keeps the online fleet's slots queued
// without exceeding the task budget or the in-flight limit, proposes the same experiments for the
// same brief and results, scales ASHA's budgets and returns the escrow it cannot spend; and two
// API processes topping up one campaign at once never create more than its budget.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiProcess, spawnApi } from '../helpers/api-process.ts';
import { DATABASES, startTestApp, type TestApp } from '../helpers/app.ts';
import { gql } from '../helpers/graphql.ts';
import { campaignTasks, runOne, syntheticValBpb } from '../helpers/loop.ts';
import { complete, createAccount, lease, registerWorker, submitBrief } from '../helpers/platform.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.ts';

const BALANCE = `query { me { balance } }`;
const SPACE = {
  lr: { type: 'loguniform', low: 0.0001, high: 0.01 },
  schedule: { type: 'choice', values: ['cosine', 'linear', 'constant'] },
  n_layer: { type: 'int', low: 1, high: 5 },
  dropout: 0.0,
};

describe.each(DATABASES)('adaptive campaigns on %s', (database) => {
  let app: TestApp;
  let url: string;
  let researcher: { token: string; id: string };
  const workers: { token: string; id: string }[] = [];

  beforeAll(async () => {
    app = await startTestApp(database);
    url = app.graphqlUrl;
    researcher = await createAccount(url, 'Ada');
    // Three online workers with one slot each: the loop keeps three tasks queued.
    for (const name of ['w1', 'w2', 'w3']) workers.push(await registerWorker(url, name));
  });
  afterAll(() => app?.stop());

  async function counts(campaignId: string) {
    return (await campaignTasks(url, researcher.token, campaignId)).stats;
  }

  it('keeps the online slots queued as results arrive, never past the task budget, then closes', async () => {
    const campaign = await submitBrief(url, researcher.token, { strategy: 'TPE', strategyOptions: { startupTasks: 4 }, taskCount: 9, searchSpace: SPACE });
    expect(await counts(campaign.id)).toMatchObject({ total: 3, queued: 3 });
    const seen: { total: number; queued: number; leased: number }[] = [];
    for (;;) {
      const grant = await lease(url, workers[0]!.token);
      if (!grant) break;
      await complete(url, workers[0]!.token, grant, syntheticValBpb(grant.config));
      const state = await counts(campaign.id);
      seen.push(state);
      expect(state.total).toBeLessThanOrEqual(9);
      expect(state.queued).toBe(Math.min(3, 9 - state.succeeded));
    }
    expect(seen.at(-1)).toMatchObject({ total: 9, succeeded: 9, queued: 0 });
    const final = await campaignTasks(url, researcher.token, campaign.id);
    expect(final.status).toBe('COMPLETED');
    expect(final.tasks.slice(0, 4).every((task) => /^TPE start-up/.test(task.description ?? ''))).toBe(true);
    expect(final.tasks.slice(4).some((task) => /^TPE: /.test(task.description ?? ''))).toBe(true);
    expect(final.tasks.every((task) => task.mark !== null && task.derivedFrom?.strategy === 'tpe')).toBe(true);
  });

  it('never has more tasks in flight than maxInFlight, with workers holding leases', async () => {
    const campaign = await submitBrief(url, researcher.token, { strategy: 'TPE', strategyOptions: { maxInFlight: 2 }, taskCount: 5, searchSpace: SPACE });
    const held = [await lease(url, workers[0]!.token), await lease(url, workers[1]!.token), await lease(url, workers[2]!.token)];
    expect(held.filter(Boolean)).toHaveLength(2);
    let state = await counts(campaign.id);
    expect(state).toMatchObject({ total: 2, leased: 2, queued: 0 });
    await app.reaper.tick();
    expect((await counts(campaign.id)).total).toBe(2);
    await complete(url, workers[0]!.token, held[0]!, 2.5);
    state = await counts(campaign.id);
    expect(state).toMatchObject({ total: 3, leased: 1, queued: 1 });
    await complete(url, workers[1]!.token, held[1]!, 2.6);
    while (await runOne(url, workers[0]!.token, (grant) => syntheticValBpb(grant.config))) {
      const now = await counts(campaign.id);
      expect(now.queued + now.leased).toBeLessThanOrEqual(2);
    }
    expect(await counts(campaign.id)).toMatchObject({ total: 5, succeeded: 5 });
  });

  it('proposes the same experiments for the same brief and results, other ones for another seed', async () => {
    async function run(seed: number) {
      const campaign = await submitBrief(url, researcher.token, { strategy: 'TPE', strategyOptions: { startupTasks: 3, maxInFlight: 2 }, taskCount: 8, seed, searchSpace: SPACE });
      while (await runOne(url, workers[0]!.token, (grant) => syntheticValBpb(grant.config))) {
        // one worker, results in a fixed order
      }
      const { tasks } = await campaignTasks(url, researcher.token, campaign.id);
      return tasks.map((task) => ({ config: task.config, seed: task.seed, description: task.description, mark: task.mark }));
    }
    const first = await run(11);
    expect(first).toHaveLength(8);
    expect(await run(11)).toEqual(first);
    expect(await run(12)).not.toEqual(first);
  });

  it('ASHA runs promotions at η× the budget, reserves the top rung and returns what it cannot spend', async () => {
    const before = (await gql(url, BALANCE, {}, researcher.token)).me.balance as number;
    const campaign = await submitBrief(url, researcher.token, { strategy: 'ASHA', strategyOptions: { eta: 2, rungs: 3 }, taskCount: 10, budgetS: 5, searchSpace: SPACE });
    expect(campaign.costCredits).toBe(10 * 5 * 4);
    const budgets: number[] = [];
    while (await runOne(url, workers[0]!.token, (grant) => (budgets.push(grant.budgetS), syntheticValBpb(grant.config) - grant.budgetS / 100))) {
      // results lower with more budget, as training longer does
    }
    const final = await campaignTasks(url, researcher.token, campaign.id);
    expect(final.status).toBe('COMPLETED');
    expect(final.stats.total).toBe(10);
    const promoted = final.tasks.filter((task) => task.budgetScale > 1);
    expect(promoted.length).toBeGreaterThan(0);
    for (const task of promoted) {
      expect(task.budgetS).toBe(5 * task.budgetScale);
      expect(task.parent).not.toBeNull();
      expect(task.config).toEqual(final.tasks[task.parent!.index]!.config);
    }
    expect(budgets.sort((a, b) => a - b)).toEqual(final.tasks.map((task) => task.budgetS).sort((a, b) => a - b));
    // Everything reserved and not paid out came back: the researcher paid exactly the work done.
    const after = (await gql(url, BALANCE, {}, researcher.token)).me.balance as number;
    expect(before - after).toBe(final.tasks.reduce((sum, task) => sum + task.budgetS, 0));
  });

  it('local changes one parameter of its parent at a time', async () => {
    const campaign = await submitBrief(url, researcher.token, {
      strategy: 'LOCAL',
      strategyOptions: { baseline: { lr: 0.001, schedule: 'linear', n_layer: 2 } },
      taskCount: 6,
      searchSpace: SPACE,
    });
    while (await runOne(url, workers[0]!.token, (grant) => syntheticValBpb(grant.config))) {
      // sequential: local proposes one at a time by default
    }
    const { tasks, status } = await campaignTasks(url, researcher.token, campaign.id);
    expect(status).toBe('COMPLETED');
    expect(tasks[0]!.config).toEqual({ dropout: 0, lr: 0.001, n_layer: 2, schedule: 'linear' });
    for (const task of tasks.slice(1).filter((t) => t.parent)) {
      const parent = tasks[task.parent!.index]!;
      const changed = Object.keys(task.config).filter((key) => task.config[key] !== parent.config[key]);
      expect(changed, task.description ?? '').toHaveLength(1);
      expect(task.markAgainst?.index).toBe(parent.index);
      expect(task.mark).toBe(task.valBpb! < parent.valBpb! ? 'KEEP' : 'DISCARD');
    }
  });
});

describe('two API processes topping up one adaptive campaign', () => {
  let db: TestDatabase;
  let replicas: ApiProcess[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    // Reapers every 50 ms on both: their periodic top-ups race the post-commit steps all along.
    const env = { DATABASE_URL: db.url, XEENET_REAPER_INTERVAL_MS: '50' };
    replicas = [await spawnApi(env), await spawnApi(env)];
  });
  afterAll(async () => {
    await Promise.all(replicas.map((replica) => replica.stop('SIGKILL')));
    await db?.drop();
  });

  it('never creates more than the task budget, numbers tasks without gaps and closes once', async () => {
    const [a, b] = replicas.map((replica) => replica.graphqlUrl) as [string, string];
    const researcher = await createAccount(a, 'Ada');
    const fleet = await Promise.all(Array.from({ length: 6 }, (_, i) => registerWorker(i % 2 ? a : b, `racer-${i}`)));
    const before = (await gql(a, BALANCE, {}, researcher.token)).me.balance as number;
    const campaign = await submitBrief(a, researcher.token, { strategy: 'TPE', strategyOptions: { startupTasks: 4 }, taskCount: 24, searchSpace: SPACE });
    const campaignId = Buffer.from(campaign.id, 'base64').toString().split(':')[1]!;
    // Six workers, each on its own replica, completing as fast as they can.
    await Promise.all(
      fleet.map(async (worker, i) => {
        const target = i % 2 ? b : a;
        for (let idle = 0; idle < 40; ) {
          const done = await runOne(target, worker.token, (grant) => syntheticValBpb(grant.config));
          if (done) idle = 0;
          else {
            idle++;
            await new Promise((resolve) => setTimeout(resolve, 50));
          }
          const [row] = await query<{ total: number; status: string }>(
            db,
            `select (select count(*)::int from task where campaign_id = $1) as total, (select status from campaign where id = $1) as status`,
            [campaignId],
          );
          expect(row!.total).toBeLessThanOrEqual(24);
          if (row!.status !== 'running') return;
        }
      }),
    );
    const tasks = await query<{ index: number; status: string; mark: string | null }>(db, `select index, status, mark from task where campaign_id = $1 order by index`, [campaignId]);
    expect(tasks.map((task) => task.index)).toEqual(Array.from({ length: 24 }, (_, i) => i));
    expect(tasks.every((task) => task.status === 'succeeded' && task.mark !== null)).toBe(true);
    const [state] = await query<{ status: string; refunds: number; unbalanced: number }>(
      db,
      `select (select status from campaign where id = $1) as status,
         (select count(distinct tx_id)::int from ledger_entry where kind = 'refund' and campaign_id = $1) as refunds,
         (select count(*)::int from (select tx_id from ledger_entry group by tx_id having sum(amount) <> 0) t) as unbalanced`,
      [campaignId],
    );
    expect(state).toEqual({ status: 'completed', refunds: 0, unbalanced: 0 });
    // Racing steps skip each other (FOR UPDATE SKIP LOCKED) instead of colliding on task indexes.
    expect(replicas.flatMap((replica) => replica.output).join('')).not.toMatch(/campaign loop step failed/);
    const after = (await gql(b, BALANCE, {}, researcher.token)).me.balance as number;
    expect(before - after).toBe(24 * 5);
  }, 120_000);
});

async function query<R>(db: TestDatabase, text: string, values: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    return (await client.query(text, values)).rows as R[];
  } finally {
    await client.end();
  }
}
