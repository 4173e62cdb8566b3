// Live updates over a real WebSocket: auth in onConnect, task, campaign and worker events.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASES, startTestApp, type TestApp } from '../helpers/app.ts';
import { gql } from '../helpers/graphql.ts';
import { complete, createAccount, HEARTBEAT, lease, registerWorker, submitBrief } from '../helpers/platform.ts';
import { collect, wsClient } from '../helpers/ws.ts';

describe.each(DATABASES)('subscriptions on %s', (database) => {
  let app: TestApp;
  let researcher: { token: string; id: string };
  let worker: { token: string; id: string };

  beforeAll(async () => {
    app = await startTestApp(database);
    researcher = await createAccount(app.graphqlUrl, 'Ada');
    worker = await registerWorker(app.graphqlUrl, 'live-worker');
  });
  afterAll(() => app?.stop());

  it('refuses a connection with an unknown token', async () => {
    const client = wsClient(app.graphqlUrl, 'xn_not_a_real_token_at_all_000000');
    const closed = new Promise<number>((resolve) => client.on('closed', (event) => resolve((event as CloseEvent).code)));
    const sub = collect(client, '{ __typename }');
    expect(await closed).toBe(4403);
    sub.dispose();
    await client.dispose();
  });

  it('streams a task through leased, progress and succeeded, and the campaign’s new stats', async () => {
    const campaign = await submitBrief(app.graphqlUrl, researcher.token, { taskCount: 2 });
    const client = wsClient(app.graphqlUrl, researcher.token);
    const tasks = collect(client, 'subscription ($id: ID!) { taskUpdated(campaignId: $id) { id status progress { step } valBpb } }', { id: campaign.id });
    const campaigns = collect(client, 'subscription ($id: ID!) { campaignUpdated(id: $id) { id stats { succeeded bestValBpb } } }', { id: campaign.id });
    await new Promise((resolve) => setTimeout(resolve, 300));

    const grant = (await lease(app.graphqlUrl, worker.token))!;
    await tasks.next((e) => e.taskUpdated.id === grant.taskId && e.taskUpdated.status === 'LEASED');
    await gql(app.graphqlUrl, HEARTBEAT, { input: { taskId: grant.taskId, leaseToken: grant.token, progress: { step: 7 } } }, worker.token);
    await tasks.next((e) => e.taskUpdated.progress?.step === 7);
    const started = Date.now();
    await complete(app.graphqlUrl, worker.token, grant, 2.31);
    const done = await tasks.next((e) => e.taskUpdated.status === 'SUCCEEDED');
    expect(done.taskUpdated.valBpb).toBe(2.31);
    const updated = await campaigns.next((e) => e.campaignUpdated.stats.succeeded === 1);
    expect(updated.campaignUpdated.stats.bestValBpb).toBe(2.31);
    expect(Date.now() - started).toBeLessThan(1000);
    tasks.dispose();
    campaigns.dispose();
    await client.dispose();
  });

  it('does not let another researcher subscribe to a private campaign', async () => {
    const campaign = await submitBrief(app.graphqlUrl, researcher.token, { taskCount: 1 });
    const stranger = await createAccount(app.graphqlUrl, 'Mallory');
    const client = wsClient(app.graphqlUrl, stranger.token);
    const tasks = collect(client, 'subscription ($id: ID!) { taskUpdated(campaignId: $id) { id } }', { id: campaign.id });
    await expect.poll(() => describeFailure(tasks.failure), { timeout: 3000 }).toMatch(/not found.*NOT_FOUND/);
    tasks.dispose();
    await client.dispose();
  });

  it('tells campaign lists about new and closed campaigns the caller may see, and only those', async () => {
    const client = wsClient(app.graphqlUrl, researcher.token);
    const list = collect(client, 'subscription { campaignListChanged { name status } }');
    await new Promise((resolve) => setTimeout(resolve, 300));
    const other = await createAccount(app.graphqlUrl, 'Grace');
    await submitBrief(app.graphqlUrl, other.token, { name: 'grace private', taskCount: 1 });
    await submitBrief(app.graphqlUrl, other.token, { name: 'grace public', taskCount: 1, visibility: 'PUBLIC' });
    const own = await submitBrief(app.graphqlUrl, researcher.token, { name: 'ada listed', taskCount: 1 });
    // Events carry no state: each delivery re-reads the campaign, so wait before changing it again.
    await list.next((e) => e.campaignListChanged.name === 'ada listed');
    await gql(app.graphqlUrl, 'mutation ($id: ID!) { cancelCampaign(id: $id) { __typename } }', { id: own.id }, researcher.token);
    await list.next((e) => e.campaignListChanged.name === 'ada listed' && e.campaignListChanged.status === 'CANCELLED');
    expect(list.events.map((e) => `${e.campaignListChanged.name}:${e.campaignListChanged.status}`)).toEqual([
      'grace public:RUNNING',
      'ada listed:RUNNING',
      'ada listed:CANCELLED',
    ]);
    list.dispose();
    await client.dispose();
  });

  it('tells researchers and workers their new balance whenever credits move', async () => {
    const owner = await createAccount(app.graphqlUrl, 'Balance owner');
    const earner = await registerWorker(app.graphqlUrl, 'balance-worker');
    const earnerAccount = (await gql(app.graphqlUrl, '{ me { id } }', {}, earner.token)).me.id as string;
    const ownerClient = wsClient(app.graphqlUrl, owner.token);
    const earnerClient = wsClient(app.graphqlUrl, earner.token);
    const ownerBalance = collect(ownerClient, 'subscription { balanceChanged { id balance } }');
    const earnerBalance = collect(earnerClient, 'subscription { balanceChanged { id balance } }');
    await new Promise((resolve) => setTimeout(resolve, 300));
    const before = (await gql(app.graphqlUrl, '{ me { balance } }', {}, owner.token)).me.balance as number;
    while ((await lease(app.graphqlUrl, worker.token)) !== null) {
      // drain earlier tests' tasks so the earner gets this campaign's
    }

    const campaign = await submitBrief(app.graphqlUrl, owner.token, { taskCount: 2, budgetS: 5 });
    await ownerBalance.next((e) => e.balanceChanged.balance === before - campaign.costCredits);
    const grant = await lease(app.graphqlUrl, earner.token);
    expect(grant?.campaignId).toBe(campaign.id);
    expect((await complete(app.graphqlUrl, earner.token, grant!)).__typename).toBe('MutationCompleteTaskSuccess');
    await earnerBalance.next((e) => e.balanceChanged.balance === 5);

    // Cancelling returns the unspent escrow: only the paid task's 5 credits are gone.
    await gql(app.graphqlUrl, 'mutation ($id: ID!) { cancelCampaign(id: $id) { __typename } }', { id: campaign.id }, owner.token);
    await ownerBalance.next((e) => e.balanceChanged.balance === before - 5);
    // Each caller hears only about its own account.
    expect(new Set(ownerBalance.events.map((e) => e.balanceChanged.id))).toEqual(new Set([owner.id]));
    expect(new Set(earnerBalance.events.map((e) => e.balanceChanged.id))).toEqual(new Set([earnerAccount]));
    ownerBalance.dispose();
    earnerBalance.dispose();
    await Promise.all([ownerClient.dispose(), earnerClient.dispose()]);
  });

  it('tells the fleet view when a worker registers and leases', async () => {
    const client = wsClient(app.graphqlUrl, researcher.token);
    const fleet = collect(client, 'subscription { workerUpdated { id name online currentTasks { index } } }');
    await new Promise((resolve) => setTimeout(resolve, 300));
    const fresh = await registerWorker(app.graphqlUrl, 'fresh-worker');
    const event = await fleet.next((e) => e.workerUpdated.name === 'fresh-worker');
    expect(event.workerUpdated.online).toBe(true);
    while ((await lease(app.graphqlUrl, worker.token)) !== null) {
      // drain earlier tests' tasks, so the fresh worker gets the new campaign's only task
    }
    await submitBrief(app.graphqlUrl, researcher.token, { taskCount: 1 });
    expect(await lease(app.graphqlUrl, fresh.token)).not.toBeNull();
    const leased = await fleet.next((e) => e.workerUpdated.name === 'fresh-worker' && e.workerUpdated.currentTasks.length === 1);
    expect(leased.workerUpdated.currentTasks).toEqual([{ index: 0 }]);
    fleet.dispose();
    await client.dispose();
  });
});

function describeFailure(failure: unknown): string {
  return failure instanceof Error ? failure.message : JSON.stringify(failure ?? null);
}
