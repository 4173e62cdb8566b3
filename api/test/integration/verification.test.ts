// Verification by replay over the real API, on PostgreSQL and PGlite: fabricated results are
// caught by independent replays, colluding new accounts cannot validate each other, a trusted
// worker's outvoted result is clawed back, and concurrent completions never pay twice.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Db, rows, sql } from '../../src/db/sql.ts';
import { DATABASES, startTestApp, type TestApp } from '../helpers/app.ts';
import { ADMIN_TOKEN } from '../helpers/env.ts';
import { gql } from '../helpers/graphql.ts';
import { createAccount, submitBrief } from '../helpers/platform.ts';

import {
  balanceOf,
  campaignView,
  completeWith,
  type FleetWorker,
  honestNumbers,
  leaseOrRefusal,
  reputation,
  resultInput,
  VERIFYING,
  work,
  worker,
} from '../helpers/verification.ts';

const COMPLETE_FIELDS = `mutation ($input: CompleteTaskInput!) {
  completeTask(input: $input) { __typename ... on ValidationError { message fieldErrors { path message } } ... on Error { message } }
}`;

describe.each(DATABASES)('verification by replay on %s', (database) => {
  let app: TestApp;
  let url: string;
  let researcher: { token: string; id: string };
  let honest: FleetWorker[];

  beforeAll(async () => {
    app = await startTestApp(database, VERIFYING);
    url = app.graphqlUrl;
    researcher = await createAccount(url, 'Ada');
    honest = [await worker(url, 'honest-1', { trusted: true }), await worker(url, 'honest-2', { trusted: true })];
  }, 240_000);
  afterAll(() => app?.stop());

  const em = () => app.deps.orm.em.fork() as unknown as Db;

  /** Honest workers take whatever they may (replicas first) until nothing is left for them. */
  async function drainHonest(workers: FleetWorker[] = honest): Promise<void> {
    for (let idle = 0; idle < 2; ) {
      let worked = false;
      for (const w of workers) if ((await work(url, w, true)).lease) worked = true;
      idle = worked ? 0 : idle + 1;
    }
  }

  async function ledgerProblems(): Promise<unknown[]> {
    const unbalanced = await rows(em(), sql`select tx_id from ledger_entry group by tx_id having sum(amount) <> 0`);
    const doublePaid = await rows(
      em(),
      sql`select task_id, credit_account_id from ledger_entry where kind = 'payout' and amount > 0 group by 1, 2 having count(*) > 1`,
    );
    return [...unbalanced, ...doublePaid];
  }

  it('catches a fabricating worker by its first results: excluded, paid nothing, never in best', async () => {
    const campaign = await submitBrief(url, researcher.token, { taskCount: 6, visibility: 'PUBLIC' });
    const fabricator = await worker(url, 'fabricator');
    for (let i = 0; i < 3; i++) {
      const { completion } = await work(url, fabricator, false);
      expect(completion).toMatchObject({ creditsEarned: 0, pendingVerification: true, result: { validation: 'PENDING', creditState: 'PENDING' } });
    }
    // While pending, the invented 1.0 is marked as a pending best, never as the best.
    const pending = await campaignView(url, researcher.token, campaign.id);
    expect(pending.stats).toMatchObject({ bestValBpb: null, pendingBestValBpb: 1, pendingVerification: 3 });
    expect(pending.bestTask).toBeNull();

    await drainHonest();
    expect(await reputation(url, fabricator.id)).toMatchObject({ strikes: 3, excluded: true, consecutiveValid: 0 });
    const refused = await leaseOrRefusal(url, fabricator.token);
    expect(refused.refusal).toBe('ExcludedError');
    expect(refused.reason).toMatch(/3 invalid results/);
    expect(await balanceOf(url, fabricator.token)).toBe(0);

    const view = await campaignView(url, researcher.token, campaign.id);
    expect(view.stats).toMatchObject({ total: 6, succeeded: 6, verified: 6, pendingVerification: 0, pendingBestValBpb: null });
    expect(view.stats.bestValBpb).toBeGreaterThan(2);
    for (const { node } of view.tasks.edges) {
      expect(node.validation).toBe('VALID');
      expect(node.canonicalResult.valBpb).toBeGreaterThan(2);
    }
    expect(await ledgerProblems()).toEqual([]);
  });

  it('does not let two colluding new accounts validate each other', async () => {
    const campaign = await submitBrief(url, researcher.token, { taskCount: 4, visibility: 'PUBLIC' });
    const colluders = [await worker(url, 'colluder-a'), await worker(url, 'colluder-b')];
    const leasedByColluders: string[] = [];
    for (let round = 0; round < 2; round++) {
      for (const colluder of colluders) {
        const { lease } = await work(url, colluder, false);
        leasedByColluders.push(lease!.taskId);
      }
    }
    // Each other's replicas were queued ahead of the rest, yet neither got one: they need an established worker.
    for (const taskId of leasedByColluders) {
      const data = await gql(url, 'query ($id: ID!) { node(id: $id) { ... on Task { replicaOf { id } } } }', { id: taskId }, researcher.token);
      expect(data.node.replicaOf).toBeNull();
    }
    expect((await leaseOrRefusal(url, colluders[0]!.token)).lease).toBeNull();

    await drainHonest();
    for (const colluder of colluders) {
      expect(await reputation(url, colluder.id)).toMatchObject({ strikes: 2, consecutiveValid: 0, dailyQuota: 4 });
      expect(await balanceOf(url, colluder.token)).toBe(0);
    }
    const view = await campaignView(url, researcher.token, campaign.id);
    expect(view.stats.verified).toBe(4);
    expect(view.stats.bestValBpb).toBeGreaterThan(2);
    expect(await ledgerProblems()).toEqual([]);
  });

  it('claws back a trusted worker’s payout when a spot check outvotes its result', async () => {
    const campaign = await submitBrief(url, researcher.token, { taskCount: 2, budgetS: 5 });
    const trusted = await worker(url, 'trusted-but-wrong', { trusted: true });
    const [good, bad] = [(await leaseOrRefusal(url, trusted.token)).lease!, (await leaseOrRefusal(url, trusted.token)).lease!];
    // Trusted: paid at once, while the new best is confirmed by an independent worker.
    expect(await completeWith(url, trusted.token, good, honestNumbers(good.config, good.seed))).toMatchObject({ creditsEarned: 5, pendingVerification: true });
    await drainHonest();
    expect(await completeWith(url, trusted.token, bad, { valBpb: 1.0, trainLoss: 0.69, steps: 120 })).toMatchObject({ creditsEarned: 5 });
    expect(await balanceOf(url, trusted.token)).toBe(10);
    await drainHonest();

    expect(await balanceOf(url, trusted.token)).toBe(5);
    const ledger = await gql(url, '{ creditLedger(first: 10) { entries { kind amount } } }', {}, trusted.token);
    expect(ledger.creditLedger.entries.map((e: { kind: string; amount: number }) => `${e.kind} ${e.amount}`)).toEqual(['CLAWBACK -5', 'PAYOUT 5', 'PAYOUT 5']);
    expect(await reputation(url, trusted.id)).toMatchObject({ strikes: 1, consecutiveValid: 0 });
    const view = await campaignView(url, researcher.token, campaign.id);
    expect(view.stats.verified).toBe(2);
    expect(view.stats.bestValBpb).toBeGreaterThan(2);
    expect(await ledgerProblems()).toEqual([]);
  });

  it('never pays twice under 100 concurrent completions', async () => {
    const campaign = await submitBrief(url, researcher.token, { taskCount: 10, budgetS: 3 });
    const trusted = await worker(url, 'fast-trusted', { trusted: true });
    const leases = [];
    for (let i = 0; i < 10; i++) leases.push((await leaseOrRefusal(url, trusted.token)).lease!);
    const completions = await Promise.all(
      leases.flatMap((grant) => Array.from({ length: 10 }, () => completeWith(url, trusted.token, grant, honestNumbers(grant.config, grant.seed)))),
    );
    expect(completions.filter((c) => !c.duplicate)).toHaveLength(10);
    // Honest replicas, completed by two workers at once.
    await Promise.all(honest.map((w) => drainHonest([w])));
    await drainHonest();
    const paid = await rows<{ total: string }>(
      em(),
      sql`select coalesce(sum(amount), 0)::bigint as total from ledger_entry where kind = 'payout' and amount > 0
          and campaign_id = ${Buffer.from(campaign.id, 'base64').toString().split(':')[1]!}::uuid`,
    );
    const view = await campaignView(url, researcher.token, campaign.id);
    const runs = view.tasks.edges.reduce((sum: number, { node }: { node: { replicas: unknown[] } }) => sum + 1 + node.replicas.length, 0);
    expect(view.stats.verified).toBe(10);
    expect(Number(paid[0]!.total)).toBe(runs * 3);
    expect(await ledgerProblems()).toEqual([]);
  });

  it('confirms the top results of a finished campaign by an independent worker before it closes', async () => {
    const campaign = await submitBrief(url, researcher.token, { taskCount: 4, budgetS: 2 });
    const trusted = await worker(url, 'trusted-sweeper', { trusted: true });
    const leases = [];
    for (let i = 0; i < 4; i++) leases.push((await leaseOrRefusal(url, trusted.token)).lease!);
    leases.sort((a, b) => honestNumbers(a.config, a.seed).valBpb - honestNumbers(b.config, b.seed).valBpb);
    // The best first: a new best, replicated and confirmed; the others, worse, are accepted on trust.
    await completeWith(url, trusted.token, leases[0]!, honestNumbers(leases[0]!.config, leases[0]!.seed));
    await drainHonest();
    for (const grant of leases.slice(1)) {
      expect(await completeWith(url, trusted.token, grant, honestNumbers(grant.config, grant.seed))).toMatchObject({ pendingVerification: false, creditsEarned: 2 });
    }
    await app.reaper.tick();
    const checking = await campaignView(url, researcher.token, campaign.id);
    expect(checking.status).toBe('RUNNING');
    expect(checking.stats).toMatchObject({ replicasLive: 1, pendingVerification: 1, verified: 3 });
    await drainHonest();
    await app.reaper.tick();
    const closed = await campaignView(url, researcher.token, campaign.id);
    expect(closed.status).toBe('COMPLETED');
    expect(closed.stats).toMatchObject({ verified: 4, replicas: 2, replicasLive: 0 });
    expect(closed.verificationReserve).toBe(0);
    expect(await ledgerProblems()).toEqual([]);
  });

  it('refuses implausible numbers and results beyond the budget with typed errors, and writes nothing', async () => {
    await submitBrief(url, researcher.token, { taskCount: 1, budgetS: 5 });
    const who = await worker(url, 'sloppy', { trusted: true });
    const { lease } = await leaseOrRefusal(url, who.token);
    const attempt = async (numbers: Record<string, unknown>) =>
      (await gql(url, COMPLETE_FIELDS, { input: { taskId: lease!.taskId, leaseToken: lease!.token, result: { ...resultInput(honestNumbers(lease!.config, lease!.seed)), ...numbers } } }, who.token))
        .completeTask;
    const floor = await attempt({ valBpb: 0.3 });
    expect(floor).toMatchObject({ __typename: 'ValidationError', fieldErrors: [{ path: ['valBpb'] }] });
    expect(floor.message).toMatch(/at least 0.5 bits per byte/);
    const overrun = await attempt({ wallS: 36 });
    expect(overrun).toMatchObject({ __typename: 'ValidationError', fieldErrors: [{ path: ['wallS'] }] });
    expect(await attempt({ valBpb: -1 })).toMatchObject({ __typename: 'ValidationError' });
    const task = await gql(url, 'query ($id: ID!) { node(id: $id) { ... on Task { status history { id } } } }', { id: lease!.taskId }, researcher.token);
    expect(task.node).toEqual({ status: 'LEASED', history: [] });
    expect((await attempt({})).__typename).toBe('MutationCompleteTaskSuccess');
  });

  it('refuses a lease past the daily quota with a typed error', async () => {
    await submitBrief(url, researcher.token, { taskCount: 3 });
    const newcomer = await worker(url, 'newcomer');
    await rows(em(), sql`update worker set daily_quota = 2 where id = ${Buffer.from(newcomer.id, 'base64').toString().split(':')[1]!}::uuid`);
    expect((await leaseOrRefusal(url, newcomer.token)).lease).not.toBeNull();
    expect((await leaseOrRefusal(url, newcomer.token)).lease).not.toBeNull();
    const refused = await leaseOrRefusal(url, newcomer.token);
    expect(refused.refusal).toBe('QuotaExceededError');
    const admin = await gql(url, '{ me { id } }', {}, ADMIN_TOKEN);
    expect(admin.me.id).toBeTruthy();
  });
});
