// Brief → tasks → lease → heartbeat → complete, and every way a worker can get it wrong,
// against the real PostgreSQL server and against PGlite.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASES, startTestApp, type TestApp } from '../helpers/app.ts';
import { ADMIN_TOKEN } from '../helpers/env.ts';
import { gql } from '../helpers/graphql.ts';
import {
  COMPLETE,
  complete,
  createAccount,
  FAIL,
  HEARTBEAT,
  lease,
  metrics,
  registerWorker,
  submitBrief,
} from '../helpers/platform.ts';

describe.each(DATABASES)('task lifecycle on %s', (database) => {
  let app: TestApp;
  let url: string;
  let researcher: { token: string; id: string };
  let workerA: { token: string; id: string };
  let workerB: { token: string; id: string };

  beforeAll(async () => {
    app = await startTestApp(database, { XEENET_LEASE_TTL_S: '5' });
    url = app.graphqlUrl;
    researcher = await createAccount(url, 'Ada');
    workerA = await registerWorker(url, 'worker-a');
    workerB = await registerWorker(url, 'worker-b');
  });
  afterAll(() => app?.stop());

  async function drainQueue() {
    while (await lease(url, workerA.token)) {
      // tasks left over from earlier tests are leased away so each test starts from an empty queue
    }
  }

  it('turns a brief into tasks, leases one with its artifacts, extends it and accepts the result', async () => {
    await drainQueue();
    const campaign = await submitBrief(url, researcher.token, { taskCount: 3 });
    expect(campaign.status).toBe('RUNNING');
    expect(campaign.taskCount).toBe(3);

    const grant = await lease(url, workerA.token);
    expect(grant).not.toBeNull();
    expect(grant!.campaignId).toBe(campaign.id);
    expect(grant!.index).toBe(0);
    expect(grant!.attempt).toBe(1);
    expect(Object.keys(grant!.config)).toEqual(['dropout', 'lr', 'n_layer', 'schedule']);
    expect(grant!.script.url).toBe(`/artifacts/${grant!.script.sha256}`);

    const script = await fetch(new URL(grant!.script.url, app.url));
    expect(script.status).toBe(200);
    const { createHash } = await import('node:crypto');
    expect(createHash('sha256').update(Buffer.from(await script.arrayBuffer())).digest('hex')).toBe(grant!.script.sha256);

    // Shorten the lease so that an extension is visible whatever the clock resolution.
    const shortened = await setLeaseExpiry(app, grant!.taskId, 1);
    const beat = await gql(
      url,
      HEARTBEAT,
      { input: { taskId: grant!.taskId, leaseToken: grant!.token, progress: { step: 40, trainLoss: 2.1, elapsedS: 1.5 } } },
      workerA.token,
    );
    expect(beat.heartbeat.__typename).toBe('MutationHeartbeatSuccess');
    // The TTL is 5 s here: the heartbeat moves the expiry about 4 s past the shortened one.
    expect(new Date(beat.heartbeat.data.expiresAt).getTime()).toBeGreaterThan(shortened.getTime() + 3_000);

    const task = await gql(url, `query ($id: ID!) { node(id: $id) { ... on Task { status progress { step trainLoss } worker { name } } } }`, { id: grant!.taskId }, researcher.token);
    expect(task.node).toEqual({ status: 'LEASED', progress: { step: 40, trainLoss: 2.1 }, worker: { name: 'worker-a' } });

    const done = await complete(url, workerA.token, grant!, 2.41);
    expect(done.__typename).toBe('MutationCompleteTaskSuccess');
    expect(done.data).toMatchObject({ duplicate: false, creditsEarned: 5, task: { status: 'SUCCEEDED', valBpb: 2.41 } });

    const stats = await gql(url, `query ($id: ID!) { campaign(id: $id) { stats { total queued succeeded bestValBpb } bestTask { index } } }`, { id: campaign.id }, researcher.token);
    expect(stats.campaign.stats).toEqual({ total: 3, queued: 2, succeeded: 1, bestValBpb: 2.41 });
    expect(stats.campaign.bestTask).toEqual({ index: 0 });
  });

  it('treats a repeated completion with the same token as the same success and pays once', async () => {
    await drainQueue();
    await submitBrief(url, researcher.token, { taskCount: 1 });
    const grant = (await lease(url, workerB.token))!;
    const balanceBefore = (await gql(url, '{ me { balance } }', {}, workerB.token)).me.balance;
    const [first, second] = await Promise.all([complete(url, workerB.token, grant, 2.2), complete(url, workerB.token, grant, 2.2)]);
    const outcomes = [first.data.duplicate, second.data.duplicate].sort();
    expect(outcomes).toEqual([false, true]);
    expect(first.data.result.id).toBe(second.data.result.id);
    const third = await complete(url, workerB.token, grant, 9.9);
    expect(third.data).toMatchObject({ duplicate: true, task: { valBpb: 2.2 } });
    const balanceAfter = (await gql(url, '{ me { balance } }', {}, workerB.token)).me.balance;
    expect(balanceAfter - balanceBefore).toBe(5);
  });

  it('rejects unknown and stale tokens with a typed error and changes nothing', async () => {
    await drainQueue();
    await submitBrief(url, researcher.token, { taskCount: 1 });
    const grant = (await lease(url, workerA.token))!;
    const forged = { ...grant, token: '00000000-0000-4000-8000-000000000000' };
    const rejected = await complete(url, workerA.token, forged);
    expect(rejected).toMatchObject({ __typename: 'StaleLeaseError', reason: 'EXPIRED' });

    const malformed = await gql(url, COMPLETE, { input: { taskId: grant.taskId, leaseToken: 'not-a-token', result: metrics() } }, workerA.token);
    expect(malformed.completeTask.__typename).toBe('ValidationError');

    const task = await gql(url, `query ($id: ID!) { node(id: $id) { ... on Task { status valBpb } } }`, { id: grant.taskId }, researcher.token);
    expect(task.node).toEqual({ status: 'LEASED', valBpb: null });
  });

  it('does not let a worker touch another worker’s lease, even with its token', async () => {
    await drainQueue();
    await submitBrief(url, researcher.token, { taskCount: 1 });
    const grant = (await lease(url, workerA.token))!;
    const stolenBeat = await gql(url, HEARTBEAT, { input: { taskId: grant.taskId, leaseToken: grant.token } }, workerB.token);
    expect(stolenBeat.heartbeat).toMatchObject({ __typename: 'StaleLeaseError', reason: 'NOT_HOLDER' });
    const stolenComplete = await complete(url, workerB.token, grant);
    expect(stolenComplete).toMatchObject({ __typename: 'StaleLeaseError', reason: 'NOT_HOLDER' });
    const stolenFail = await gql(url, FAIL, { input: { taskId: grant.taskId, leaseToken: grant.token, reason: 'x' } }, workerB.token);
    expect(stolenFail.failTask).toMatchObject({ __typename: 'StaleLeaseError', reason: 'NOT_HOLDER' });
    expect((await complete(url, workerA.token, grant)).__typename).toBe('MutationCompleteTaskSuccess');
  });

  it('returns expired leases to the queue, fails the task after its last attempt, and records why', async () => {
    await drainQueue();
    const campaign = await submitBrief(url, researcher.token, { taskCount: 1, maxAttempts: 2 });
    const first = (await lease(url, workerA.token))!;
    await expireLease(app, first.taskId);
    expect(await app.reaper.tick()).toMatchObject({ requeued: 1, failed: 0 });

    // The old holder's heartbeat is refused once another worker holds the task.
    const second = (await lease(url, workerB.token))!;
    expect(second.taskId).toBe(first.taskId);
    expect(second.attempt).toBe(2);
    const late = await gql(url, HEARTBEAT, { input: { taskId: first.taskId, leaseToken: first.token } }, workerA.token);
    expect(late.heartbeat).toMatchObject({ __typename: 'StaleLeaseError', reason: 'EXPIRED' });

    await expireLease(app, second.taskId);
    expect(await app.reaper.tick()).toMatchObject({ requeued: 0, failed: 1, campaignsCompleted: 1 });
    const task = await gql(
      url,
      `query ($id: ID!) { node(id: $id) { ... on Task { status attempts failureReason history { outcome attempt error } } } }`,
      { id: first.taskId },
      researcher.token,
    );
    expect(task.node.status).toBe('FAILED');
    expect(task.node.attempts).toBe(2);
    expect(task.node.failureReason).toMatch(/lease expired on the last of 2 attempts/);
    expect(task.node.history.map((h: { outcome: string }) => h.outcome)).toEqual(['EXPIRED', 'EXPIRED']);
    const after = await gql(url, `query ($id: ID!) { campaign(id: $id) { status } }`, { id: campaign.id }, researcher.token);
    expect(after.campaign.status).toBe('COMPLETED');
  });

  it('accepts a late result from the last holder when nobody else leased the task meanwhile', async () => {
    await drainQueue();
    await submitBrief(url, researcher.token, { taskCount: 1 });
    const grant = (await lease(url, workerA.token))!;
    await expireLease(app, grant.taskId);
    await app.reaper.tick();
    const done = await complete(url, workerA.token, grant, 2.7);
    expect(done).toMatchObject({ __typename: 'MutationCompleteTaskSuccess', data: { duplicate: false, task: { status: 'SUCCEEDED' } } });
    expect(await lease(url, workerB.token)).toBeNull();
  });

  it('retries a retryable failure and stops at once on a final one', async () => {
    await drainQueue();
    await submitBrief(url, researcher.token, { taskCount: 1, maxAttempts: 3 });
    const first = (await lease(url, workerA.token))!;
    const retry = await gql(url, FAIL, { input: { taskId: first.taskId, leaseToken: first.token, reason: 'crashed', stderrTail: 'Traceback ...' } }, workerA.token);
    expect(retry.failTask.data).toMatchObject({ status: 'QUEUED', willRetry: true, duplicate: false });
    const again = await gql(url, FAIL, { input: { taskId: first.taskId, leaseToken: first.token, reason: 'crashed' } }, workerA.token);
    expect(again.failTask.data).toMatchObject({ duplicate: true });

    const second = (await lease(url, workerA.token))!;
    expect(second.attempt).toBe(2);
    const final = await gql(
      url,
      FAIL,
      { input: { taskId: second.taskId, leaseToken: second.token, reason: 'invalid config: n_embd must divide n_head', retryable: false } },
      workerA.token,
    );
    expect(final.failTask.data).toMatchObject({ status: 'FAILED', willRetry: false, task: { failureReason: 'invalid config: n_embd must divide n_head' } });
  });

  it('lets only the owner (or an admin) cancel, refunds the unspent budget, and tells the lease holder to stop', async () => {
    await drainQueue();
    const other = await createAccount(url, 'Grace');
    const before = (await gql(url, '{ me { balance } }', {}, researcher.token)).me.balance;
    const campaign = await submitBrief(url, researcher.token, { taskCount: 4 });
    const grant = (await lease(url, workerA.token))!;
    const cancelQuery = `mutation ($id: ID!) { cancelCampaign(id: $id) { __typename ... on MutationCancelCampaignSuccess { data { status stats { cancelled } } } ... on Error { message } } }`;

    const denied = await gql(url, cancelQuery, { id: campaign.id }, other.token);
    expect(denied.cancelCampaign.__typename).toBe('NotFoundError');

    const cancelled = await gql(url, cancelQuery, { id: campaign.id }, researcher.token);
    expect(cancelled.cancelCampaign.data).toEqual({ status: 'CANCELLED', stats: { cancelled: 4 } });
    const twice = await gql(url, cancelQuery, { id: campaign.id }, researcher.token);
    expect(twice.cancelCampaign.__typename).toBe('InvalidStateError');

    const beat = await gql(url, HEARTBEAT, { input: { taskId: grant.taskId, leaseToken: grant.token } }, workerA.token);
    expect(beat.heartbeat).toMatchObject({ __typename: 'StaleLeaseError', reason: 'CANCELLED' });
    const after = (await gql(url, '{ me { balance } }', {}, researcher.token)).me.balance;
    expect(after).toBe(before);

    const published = await submitBrief(url, researcher.token, { taskCount: 1, visibility: 'PUBLIC' });
    const deniedPublic = await gql(url, cancelQuery, { id: published.id }, other.token);
    expect(deniedPublic.cancelCampaign.__typename).toBe('ForbiddenError');
  });

  it('keeps the ledger balanced: every transaction sums to zero', async () => {
    const ledger = await gql(url, '{ creditLedger(first: 500) { entries { amount kind } } }', {}, researcher.token);
    expect(ledger.creditLedger.entries.some((entry: { kind: string }) => entry.kind === 'ESCROW')).toBe(true);
    const { LedgerService } = await import('../../src/modules/ledger/ledger.service.ts');
    expect(await new LedgerService(app.deps.orm.em.fork() as never).totalImbalance()).toBe(0);
    const admin = await gql(url, '{ me { role } }', {}, ADMIN_TOKEN);
    expect(admin.me.role).toBe('ADMIN');
  });
});

/** Moves one task's lease expiry into the past, as if its worker had gone silent. */
async function expireLease(app: TestApp, globalTaskId: string) {
  await setLeaseExpiry(app, globalTaskId, -1);
}

/** Sets one leased task's expiry to now + `seconds`; returns it. */
async function setLeaseExpiry(app: TestApp, globalTaskId: string, seconds: number): Promise<Date> {
  const taskId = Buffer.from(globalTaskId, 'base64').toString().replace(/^Task:/, '');
  const em = app.deps.orm.em.fork();
  const rows = await em
    .getConnection()
    .execute(`update task set lease_expires_at = now() + make_interval(secs => ?) where id = ? and status = 'leased' returning lease_expires_at`, [seconds, taskId]);
  return new Date((rows as { lease_expires_at: string | Date }[])[0]!.lease_expires_at);
}
