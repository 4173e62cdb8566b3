// Two API replicas on one PostgreSQL database and one Redis: live events cross replicas, the
// reapers never double-count, and a replica killed mid-campaign loses no task and no credit.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type App, startApp } from '../../src/app.ts';
import { type ApiProcess, spawnApi } from '../helpers/api-process.ts';
import { testEnv } from '../helpers/env.ts';
import { gql, request } from '../helpers/graphql.ts';
import { complete, COMPLETE, createAccount, FAIL, HEARTBEAT, LEASE, type LeaseInfo, lease, metrics, registerWorker, submitBrief } from '../helpers/platform.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.ts';
import { collect, wsClient } from '../helpers/ws.ts';

const REDIS_URL = process.env.XEENET_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

async function query<R>(db: TestDatabase, text: string, values: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    return (await client.query(text, values)).rows as R[];
  } finally {
    await client.end();
  }
}

/** Ledger invariants: every transaction balances, and a campaign's escrow holds exactly the price of its unfinished tasks. */
async function ledgerState(db: TestDatabase, campaignId: string) {
  const [row] = await query<{ total: string; unbalanced: string; escrow: string; unpaid: string; payouts: string; paid_tasks: string; refunds: string }>(
    db,
    `select
       (select coalesce(sum(amount), 0) from ledger_entry) as total,
       (select count(*) from (select tx_id from ledger_entry group by tx_id having sum(amount) <> 0) t) as unbalanced,
       (select coalesce(sum(le.amount), 0) from ledger_entry le join credit_account ca on ca.id = le.credit_account_id where ca.campaign_id = $1) as escrow,
       (select coalesce(sum(reward), 0) from task where campaign_id = $1 and status in ('queued', 'leased')) as unpaid,
       (select count(*) from ledger_entry where kind = 'payout' and campaign_id = $1 and amount > 0) as payouts,
       (select count(distinct task_id) from ledger_entry where kind = 'payout' and campaign_id = $1) as paid_tasks,
       (select count(distinct tx_id) from ledger_entry where kind = 'refund' and campaign_id = $1) as refunds`,
    [campaignId],
  );
  const numbers = Object.fromEntries(Object.entries(row!).map(([key, value]) => [key, Number(value)]));
  return numbers as Record<'total' | 'unbalanced' | 'escrow' | 'unpaid' | 'payouts' | 'paid_tasks' | 'refunds', number>;
}

describe('two API processes sharing PostgreSQL and Redis', () => {
  let db: TestDatabase;
  let replicaA: ApiProcess;
  let replicaB: ApiProcess;

  beforeAll(async () => {
    db = await createTestDatabase();
    const env = { DATABASE_URL: db.url, REDIS_URL, XEENET_LEASE_TTL_S: '5', XEENET_REAPER_INTERVAL_MS: '200' };
    [replicaA, replicaB] = await Promise.all([spawnApi(env), spawnApi(env)]);
  });
  afterAll(async () => {
    await Promise.all([replicaA?.stop('SIGKILL'), replicaB?.stop('SIGKILL')]);
    await db?.drop();
  });

  it('delivers a completion made through one to a subscriber on the other within a second', async () => {
    const researcher = await createAccount(replicaA.graphqlUrl, `Ada-${randomBytes(2).toString('hex')}`);
    const worker = await registerWorker(replicaA.graphqlUrl, 'w');
    const campaign = await submitBrief(replicaA.graphqlUrl, researcher.token, { taskCount: 1 });

    const client = wsClient(replicaB.graphqlUrl, researcher.token);
    const tasks = collect(client, 'subscription ($id: ID!) { taskUpdated(campaignId: $id) { id status valBpb } }', { id: campaign.id });
    const campaigns = collect(client, 'subscription ($id: ID!) { campaignUpdated(id: $id) { stats { succeeded } } }', { id: campaign.id });
    const grant = (await lease(replicaA.graphqlUrl, worker.token))!;
    // Heartbeats on A until B delivers one: from then on the subscription is live on B.
    await expect
      .poll(
        async () => {
          await gql(replicaA.graphqlUrl, HEARTBEAT, { input: { taskId: grant.taskId, leaseToken: grant.token } }, worker.token);
          return tasks.events.length;
        },
        { timeout: 10_000, interval: 200 },
      )
      .toBeGreaterThan(0);

    await complete(replicaA.graphqlUrl, worker.token, grant, 2.05);
    const completedAt = Date.now(); // the completion is committed: A has answered
    const event = await tasks.next((e) => e.taskUpdated.status === 'SUCCEEDED', 1000);
    const lagMs = Date.now() - completedAt;
    expect(event.taskUpdated.valBpb).toBe(2.05);
    console.log(`cross-replica completion → subscriber: ${lagMs} ms`);
    expect(lagMs).toBeLessThan(1000);
    await campaigns.next((e) => e.campaignUpdated.stats.succeeded === 1);
    tasks.dispose();
    campaigns.dispose();
    await client.dispose();
    // B counted the delivery of A's event in its fan-out histogram.
    const text = await (await fetch(`${replicaB.url}/metrics`)).text();
    expect(text).toMatch(/^xeenet_event_fanout_seconds_count\{topic="task\.updated"\} [1-9]/m);
  });

  it('lets either replica serve any lease: complete on B what was leased on A', async () => {
    const worker = await registerWorker(replicaB.graphqlUrl, 'w2');
    const researcher = await createAccount(replicaB.graphqlUrl, 'Grace');
    await submitBrief(replicaB.graphqlUrl, researcher.token, { taskCount: 1 });
    const grant = (await lease(replicaA.graphqlUrl, worker.token))!;
    expect(await complete(replicaB.graphqlUrl, worker.token, grant)).toMatchObject({ __typename: 'MutationCompleteTaskSuccess' });
  });
});

describe('a replica killed (SIGKILL) mid-campaign', () => {
  let db: TestDatabase;
  let replicas: ApiProcess[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterEach(async () => {
    await Promise.all(replicas.map((replica) => replica.stop('SIGKILL')));
    replicas = [];
  });
  afterAll(() => db?.drop());

  it('loses no task and no credit: every task ends succeeded, each paid once, escrow = the price of unfinished work', async () => {
    const env = { DATABASE_URL: db.url, REDIS_URL, XEENET_LEASE_TTL_S: '5', XEENET_REAPER_INTERVAL_MS: '200' };
    replicas = await Promise.all([spawnApi(env), spawnApi(env)]);
    const [a, b] = replicas as [ApiProcess, ApiProcess];
    const researcher = await createAccount(a.graphqlUrl, 'Marie');
    const campaign = await submitBrief(a.graphqlUrl, researcher.token, { taskCount: 16, budgetS: 5 });
    const { id: campaignId } = (await query<{ id: string }>(db, `select id from campaign order by created_at desc limit 1`))[0]!;

    // Four protocol-level workers, two on each replica; a worker whose replica stops answering
    // carries on through the other one (what a load balancer does for it).
    let completions = 0;
    let aDead = false;
    const call = async (preferred: ApiProcess, document: string, variables: Record<string, unknown>, token: string) => {
      for (let attempt = 0; ; attempt++) {
        const target = aDead || attempt > 0 ? b : preferred;
        try {
          const response = await request(target.graphqlUrl, document, variables, token);
          if (response.data) return response.data;
          throw new Error(JSON.stringify(response.errors));
        } catch (error) {
          if (attempt >= 20) throw error;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
    };
    const workers = await Promise.all([a, a, b, b].map((replica, i) => registerWorker(replica.graphqlUrl, `w${i}`).then((w) => ({ ...w, replica }))));
    const work = async ({ token, replica }: { token: string; replica: ApiProcess }) => {
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline) {
        const leased = await call(replica, LEASE, {}, token);
        const grant = leased.leaseTask.data?.lease as LeaseInfo | null;
        if (!grant) {
          const [row] = await query<{ open: string }>(db, `select count(*) as open from task where status in ('queued', 'leased')`);
          if (Number(row!.open) === 0) return;
          await new Promise((resolve) => setTimeout(resolve, 200));
          continue;
        }
        const input = { taskId: grant.taskId, leaseToken: grant.token };
        await call(replica, HEARTBEAT, { input: { ...input, progress: { step: 1 } } }, token);
        await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 100));
        const done = await call(replica, COMPLETE, { input: { ...input, result: metrics(2 + Math.random()) } }, token);
        if (done.completeTask.__typename === 'MutationCompleteTaskSuccess') completions++;
      }
    };
    const running = workers.map(work);

    await expect.poll(() => completions, { timeout: 30_000, interval: 20 }).toBeGreaterThanOrEqual(5);
    await a.stop('SIGKILL');
    aDead = true;
    // A consistent snapshot right after the kill: the escrow holds exactly what is still unpaid.
    const afterKill = await ledgerState(db, campaignId);
    expect(afterKill.escrow).toBe(afterKill.unpaid + 0);

    await Promise.all(running);
    await expect
      .poll(async () => (await query<{ status: string }>(db, `select status from campaign where id = $1`, [campaignId]))[0]!.status, { timeout: 20_000 })
      .toBe('completed');

    const tasks = await query<{ status: string; accepted: string }>(
      db,
      `select t.status, (select count(*) from run_result r where r.task_id = t.id and r.accepted) as accepted from task t where t.campaign_id = $1`,
      [campaignId],
    );
    expect(tasks).toHaveLength(16);
    expect(tasks.every((task) => task.status === 'succeeded' && Number(task.accepted) === 1)).toBe(true);
    const final = await ledgerState(db, campaignId);
    expect(final).toMatchObject({ total: 0, unbalanced: 0, escrow: 0, unpaid: 0, payouts: 16, paid_tasks: 16 });
    expect(campaign.costCredits).toBe(16 * 5);
  });
});

describe('reapers of two replicas racing over the same expired leases and finished campaigns', () => {
  let db: TestDatabase;
  let replicaA: App;
  let replicaB: App;

  beforeAll(async () => {
    db = await createTestDatabase();
    const env = { DATABASE_URL: db.url, REDIS_URL };
    [replicaA, replicaB] = await Promise.all([startApp(testEnv(env)), startApp(testEnv(env))]);
  });
  afterAll(async () => {
    await replicaA?.close();
    await replicaB?.close();
    await db?.drop();
  });

  it('requeues each expired lease once, and closes and refunds each finished campaign once', async () => {
    const researcher = await createAccount(replicaA.graphqlUrl, 'Lise');
    const worker = await registerWorker(replicaA.graphqlUrl, 'racer');
    // Campaign 1: eight tasks leased, then their leases expire.
    const leasing = await submitBrief(replicaA.graphqlUrl, researcher.token, { taskCount: 8 });
    const grants: LeaseInfo[] = [];
    for (let i = 0; i < 8; i++) grants.push((await lease(replicaA.graphqlUrl, worker.token))!);
    // Campaign 2: its two tasks end (one succeeded, one failed for good); nobody has closed it yet.
    const finished = await submitBrief(replicaB.graphqlUrl, researcher.token, { taskCount: 2, maxAttempts: 1 });
    const [first, second] = [(await lease(replicaB.graphqlUrl, worker.token))!, (await lease(replicaB.graphqlUrl, worker.token))!];
    await complete(replicaB.graphqlUrl, worker.token, first, 2.2);
    await gql(replicaB.graphqlUrl, FAIL, { input: { taskId: second.taskId, leaseToken: second.token, reason: 'crashed', retryable: false } }, worker.token);
    await query(db, `update task set lease_expires_at = now() - interval '1 second' where status = 'leased'`);

    const reports = await Promise.all([replicaA, replicaB, replicaA, replicaB, replicaA, replicaB].map((replica) => replica.reaper.tick()));
    expect(reports.reduce((sum, report) => sum + report.requeued, 0)).toBe(8);
    // Campaign 1 still has queued tasks; campaign 2 is closed by exactly one of the six ticks.
    expect(reports.reduce((sum, report) => sum + report.campaignsCompleted, 0)).toBe(1);

    const history = await query<{ task_id: string; n: string }>(
      db,
      `select task_id, count(*) as n from run_result where outcome = 'expired' group by task_id`,
    );
    expect(history).toHaveLength(8);
    expect(history.every((row) => Number(row.n) === 1)).toBe(true);
    const queued = await query<{ attempts: number }>(db, `select attempts from task where status = 'queued'`);
    expect(queued).toHaveLength(8);
    expect(queued.every((task) => task.attempts === 1)).toBe(true);
    const { id: finishedId } = (await query<{ id: string }>(db, `select c.id from campaign c where c.status = 'completed'`))[0]!;
    expect(await ledgerState(db, finishedId)).toMatchObject({ total: 0, unbalanced: 0, escrow: 0, payouts: 1, refunds: 1 });
    expect(leasing.id).not.toBe(finished.id);

    // A result for a reaped lease nobody re-leased is still taken; the reapers then have nothing left to do.
    const stale = await gql(replicaA.graphqlUrl, COMPLETE, { input: { taskId: grants[0]!.taskId, leaseToken: grants[0]!.token, result: metrics() } }, worker.token);
    expect(stale.completeTask.__typename).toBe('MutationCompleteTaskSuccess'); // nobody re-leased it: still accepted
    const again = await Promise.all([replicaA.reaper.tick(), replicaB.reaper.tick()]);
    expect(again.reduce((sum, report) => sum + report.requeued + report.campaignsCompleted, 0)).toBe(0);
  });
});
