// A property test over random sequences of platform operations with verification on (submit,
// lease, complete honestly or with invented numbers, fail, cancel, expire, the reaper's
// verification and closing, admin reinstatement), on PostgreSQL and PGlite. After every step every
// ledger transaction sums to zero and each running campaign's escrow equals what its unfinished
// work can still cost; at the end every campaign is closed with an empty escrow and the
// fabricators net zero credits. The sequence comes from a seeded PRNG, so a failure replays.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Prng } from '../../src/modules/campaigns/prng.ts';
import { type Db, rows, sql } from '../../src/db/sql.ts';
import { DATABASES, startTestApp, type TestApp } from '../helpers/app.ts';
import { ADMIN_TOKEN } from '../helpers/env.ts';
import { gql } from '../helpers/graphql.ts';
import { createAccount, FAIL, type LeaseInfo, submitBrief } from '../helpers/platform.ts';
import { balanceOf, COMPLETE_VERIFIED, type FleetWorker, honestNumbers, leaseOrRefusal, resultInput, VERIFYING, work, worker } from '../helpers/verification.ts';

const STEPS = 150;
/** Operations and their weights. */
const OPS = { submit: 2, lease: 8, complete: 8, fail: 1, cancel: 0.4, expire: 1, verify: 2, reinstate: 0.5 } as const;
const SEED = 20261202;

describe.each(DATABASES)('ledger and escrow under random operations with verification on %s', (database) => {
  let app: TestApp;
  let url: string;

  beforeAll(async () => {
    app = await startTestApp(database, { ...VERIFYING, XEENET_VERIFY_TOP: '2', XEENET_REPLICATION_CV: '3', XEENET_TRUST_AFTER_VALID: '2' });
    url = app.graphqlUrl;
  }, 240_000);
  afterAll(() => app?.stop());

  const em = () => app.deps.orm.em.fork() as unknown as Db;
  const rawId = (globalId: string) => Buffer.from(globalId, 'base64').toString().split(':')[1]!;

  async function invariantProblems(): Promise<string[]> {
    const problems: string[] = [];
    const unbalanced = await rows<{ tx_id: string }>(em(), sql`select tx_id from ledger_entry group by tx_id having sum(amount) <> 0`);
    for (const row of unbalanced) problems.push(`transaction ${row.tx_id} does not balance`);
    const campaigns = await rows<{ id: string; status: string; reserve: string; escrow: string; live: string; pending: string }>(
      em(),
      sql`select c.id, c.status, c.verification_reserve as reserve,
            (select coalesce(sum(le.amount), 0) from ledger_entry le join credit_account ca on ca.id = le.credit_account_id where ca.campaign_id = c.id) as escrow,
            (select coalesce(sum(t.reward), 0) from task t where t.campaign_id = c.id and t.status in ('queued', 'leased', 'failed')) as live,
            (select coalesce(sum(t.reward), 0) from run_result r join task t on t.id = r.task_id where t.campaign_id = c.id and r.credit_state = 'pending') as pending
          from campaign c`,
    );
    for (const c of campaigns) {
      // Failed tasks' budgets stay in escrow until the campaign closes; replicas' are in `live` too.
      const owed = c.status === 'running' ? Number(c.live) + Number(c.pending) + Number(c.reserve) : 0;
      if (Number(c.escrow) !== owed) problems.push(`campaign ${c.id} (${c.status}): escrow ${c.escrow}, owed ${owed} (live ${c.live}, pending ${c.pending}, reserve ${c.reserve})`);
    }
    return problems;
  }

  it('keeps every transaction balanced and every escrow equal to what its unfinished work can still cost', async () => {
    const prng = new Prng(SEED);
    const pick = <T>(items: readonly T[]): T | undefined => (items.length ? items[prng.nextBelow(items.length)] : undefined);
    const totalWeight = Object.values(OPS).reduce((a, b) => a + b, 0);
    const pickOp = (): keyof typeof OPS => {
      let draw = prng.nextFloat() * totalWeight;
      for (const [name, weight] of Object.entries(OPS) as [keyof typeof OPS, number][]) if ((draw -= weight) < 0) return name;
      return 'verify';
    };
    const researcher = await createAccount(url, 'Property');
    const honest: FleetWorker[] = [];
    for (let i = 0; i < 3; i++) honest.push(await worker(url, `trusted-${i}`, { trusted: true }));
    for (let i = 0; i < 2; i++) honest.push(await worker(url, `newcomer-${i}`));
    const fabricators = [await worker(url, 'fabricator-0'), await worker(url, 'fabricator-1')];
    const everyone = [...honest, ...fabricators];
    const held: { who: FleetWorker; lease: LeaseInfo }[] = [];
    const campaigns: string[] = [];
    const log: string[] = [];

    for (let step = 0; step < STEPS; step++) {
      const op = pickOp();
      log.push(op);
      if (op === 'submit' || campaigns.length === 0) {
        campaigns.push((await submitBrief(url, researcher.token, { taskCount: 1 + prng.nextBelow(4), budgetS: 2, maxAttempts: 2 })).id);
      } else if (op === 'lease') {
        const who = pick(everyone)!;
        const { lease } = await leaseOrRefusal(url, who.token);
        if (lease) held.push({ who, lease });
      } else if (op === 'complete' || op === 'fail' || op === 'expire') {
        const claim = held.splice(prng.nextBelow(held.length), 1)[0];
        if (!claim) continue;
        if (op === 'complete') {
          const numbers = fabricators.includes(claim.who) ? { valBpb: 1.0, trainLoss: 0.69, steps: 120 } : honestNumbers(claim.lease.config, claim.lease.seed);
          await gql(url, COMPLETE_VERIFIED, { input: { taskId: claim.lease.taskId, leaseToken: claim.lease.token, result: resultInput(numbers) } }, claim.who.token);
        } else if (op === 'fail') {
          const input = { taskId: claim.lease.taskId, leaseToken: claim.lease.token, reason: 'crashed', retryable: prng.nextBelow(2) === 0 };
          await gql(url, FAIL, { input }, claim.who.token);
        } else {
          await rows(em(), sql`update task set lease_expires_at = now() - interval '1 second' where id = ${rawId(claim.lease.taskId)}::uuid and status = 'leased'`);
          await app.reaper.tick();
        }
      } else if (op === 'cancel') {
        const id = pick(campaigns)!;
        await gql(url, 'mutation ($id: ID!) { cancelCampaign(id: $id) { __typename } }', { id }, researcher.token);
      } else if (op === 'verify') {
        await app.reaper.tick();
      } else {
        const who = pick(everyone)!;
        await gql(url, 'mutation ($id: ID!) { reinstateWorker(workerId: $id) { __typename } }', { id: who.id }, ADMIN_TOKEN);
      }
      expect(await invariantProblems(), `after step ${step} (${log.join(' ')})`).toEqual([]);
    }

    // Drain: honest workers finish everything they may, the reaper closes what is done.
    for (const claim of held) await gql(url, 'mutation ($i: ReleaseTaskInput!) { releaseTask(input: $i) { __typename } }', { i: { taskId: claim.lease.taskId, leaseToken: claim.lease.token } }, claim.who.token);
    for (let round = 0; round < 40; round++) {
      let worked = false;
      for (const who of honest) if ((await work(url, who, true)).lease) worked = true;
      await app.reaper.tick();
      expect(await invariantProblems()).toEqual([]);
      if (!worked) break;
    }
    // Work no honest worker may take (a replica of its own owner's result, say) is cancelled.
    for (const id of campaigns) await gql(url, 'mutation ($id: ID!) { cancelCampaign(id: $id) { __typename } }', { id }, researcher.token);
    await app.reaper.tick();
    expect(await invariantProblems()).toEqual([]);
    const open = await rows(em(), sql`select id from campaign where status = 'running'`);
    expect(open).toEqual([]);
    for (const fabricator of fabricators) expect(await balanceOf(url, fabricator.token)).toBe(0);
    // The sequence exercised what it claims to: replicas, verdicts both ways, clawbacks or forfeits.
    const [exercised] = await rows<{ replicas: number; valid: number; invalid: number; failed: number; cancelled: number }>(
      em(),
      sql`select (select count(*)::int from task where replica_of_id is not null) as replicas,
            (select count(*)::int from run_result where validation = 'valid') as valid,
            (select count(*)::int from run_result where validation = 'invalid') as invalid,
            (select count(*)::int from task where status = 'failed') as failed,
            (select count(*)::int from campaign where status = 'cancelled') as cancelled`,
    );
    expect(exercised!.replicas).toBeGreaterThan(3);
    expect(exercised!.valid).toBeGreaterThan(3);
    expect(exercised!.invalid).toBeGreaterThan(0);
    expect(exercised!.cancelled).toBeGreaterThan(0);
  }, 600_000);
});
