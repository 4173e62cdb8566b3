// Reading the platform: list filters, aggregates, visibility, a foreign release, masked internals
// and the WebSocket payload limit, on the real server and PostgreSQL.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CampaignService } from '../../src/modules/campaigns/campaign.service.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { ADMIN_TOKEN } from '../helpers/env.ts';
import { gql, request } from '../helpers/graphql.ts';
import { complete, createAccount, lease, registerWorker, submitBrief } from '../helpers/platform.ts';

let app: TestApp;
let ada: { token: string; id: string };
let bob: { token: string; id: string };

beforeAll(async () => {
  app = await startTestApp('postgresql', { XEENET_MAX_BODY_BYTES: '8192' });
  ada = await createAccount(app.graphqlUrl, 'Ada');
  bob = await createAccount(app.graphqlUrl, 'Bob');
});

afterAll(async () => {
  await app?.stop();
});

const LIST = `query ($status: CampaignStatus, $ownerId: ID, $mine: Boolean) {
  campaigns(first: 50, status: $status, ownerId: $ownerId, mine: $mine) { totalCount edges { node { name status owner { name } } } }
}`;

function names(data: Record<string, any>): string[] {
  return data.campaigns.edges.map((edge: { node: { name: string } }) => edge.node.name).sort();
}

describe('campaign lists and aggregates', () => {
  it('filters by status and owner, and hides private campaigns from other researchers', async () => {
    const sweep = await submitBrief(app.graphqlUrl, ada.token, { name: 'ada sweep', taskCount: 3 });
    const dropped = await submitBrief(app.graphqlUrl, ada.token, { name: 'ada dropped', taskCount: 1 });
    await submitBrief(app.graphqlUrl, bob.token, { name: 'bob public', taskCount: 1, visibility: 'PUBLIC' });
    await submitBrief(app.graphqlUrl, bob.token, { name: 'bob private', taskCount: 1 });
    const cancel = await gql(app.graphqlUrl, 'mutation ($id: ID!) { cancelCampaign(id: $id) { __typename } }', { id: dropped.id }, ada.token);
    expect(cancel.cancelCampaign.__typename).toBe('MutationCancelCampaignSuccess');

    expect(names(await gql(app.graphqlUrl, LIST, { ownerId: ada.id }, ADMIN_TOKEN))).toEqual(['ada dropped', 'ada sweep']);
    expect(names(await gql(app.graphqlUrl, LIST, { status: 'CANCELLED' }, ADMIN_TOKEN))).toEqual(['ada dropped']);
    expect(names(await gql(app.graphqlUrl, LIST, { status: 'RUNNING', ownerId: ada.id }, ADMIN_TOKEN))).toEqual(['ada sweep']);
    expect(names(await gql(app.graphqlUrl, LIST, { mine: true }, bob.token))).toEqual(['bob private', 'bob public']);
    // Ada sees her own and Bob's public campaign, never his private one.
    expect(names(await gql(app.graphqlUrl, LIST, {}, ada.token))).toEqual(['ada dropped', 'ada sweep', 'bob public']);
    expect(names(await gql(app.graphqlUrl, LIST, { ownerId: bob.id }, ada.token))).toEqual(['bob public']);
    expect(sweep.taskCount).toBe(3);
  });

  it('reports best, mean and sample standard deviation of accepted val_bpb', async () => {
    const campaign = await submitBrief(app.graphqlUrl, ada.token, { name: 'stats', taskCount: 3 });
    const worker = await registerWorker(app.graphqlUrl, 'stats-worker');
    const values = [2.0, 2.5, 3.0];
    const seen: string[] = [];
    while (seen.length < values.length) {
      const grant = await lease(app.graphqlUrl, worker.token);
      if (!grant) throw new Error('queue ran dry');
      if (grant.campaignId !== campaign.id) {
        await gql(app.graphqlUrl, 'mutation ($input: ReleaseTaskInput!) { releaseTask(input: $input) { __typename } }', {
          input: { taskId: grant.taskId, leaseToken: grant.token },
        }, worker.token);
        await gql(app.graphqlUrl, 'mutation ($id: ID!) { cancelCampaign(id: $id) { __typename } }', { id: grant.campaignId }, ADMIN_TOKEN);
        continue;
      }
      expect((await complete(app.graphqlUrl, worker.token, grant, values[seen.length])).__typename).toBe('MutationCompleteTaskSuccess');
      seen.push(grant.taskId);
    }
    const data = await gql(app.graphqlUrl, 'query ($id: ID!) { campaign(id: $id) { status stats { succeeded bestValBpb meanValBpb stdValBpb } } }', { id: campaign.id }, ada.token);
    expect(data.campaign.stats).toMatchObject({ succeeded: 3, bestValBpb: 2.0, meanValBpb: 2.5 });
    expect(data.campaign.stats.stdValBpb).toBeCloseTo(0.5, 10);
  });
});

describe('what a caller must not be able to do or see', () => {
  it('refuses a release by a worker that does not hold the lease, and leaves the lease alone', async () => {
    await submitBrief(app.graphqlUrl, ada.token, { name: 'release', taskCount: 1 });
    const holder = await registerWorker(app.graphqlUrl, 'holder');
    const thief = await registerWorker(app.graphqlUrl, 'thief');
    const grant = await lease(app.graphqlUrl, holder.token);
    expect(grant).not.toBeNull();
    const stolen = await gql(
      app.graphqlUrl,
      'mutation ($input: ReleaseTaskInput!) { releaseTask(input: $input) { __typename ... on StaleLeaseError { reason } } }',
      { input: { taskId: grant!.taskId, leaseToken: grant!.token } },
      thief.token,
    );
    expect(stolen.releaseTask).toEqual({ __typename: 'StaleLeaseError', reason: 'NOT_HOLDER' });
    const task = await gql(app.graphqlUrl, 'query ($id: ID!) { node(id: $id) { ... on Task { status worker { name } } } }', { id: grant!.taskId }, ADMIN_TOKEN);
    expect(task.node).toEqual({ status: 'LEASED', worker: { name: 'holder' } });
  });

  it('masks unexpected errors: a generic message, no internals', async () => {
    const spy = vi.spyOn(CampaignService.prototype, 'find').mockRejectedValue(new Error('connection to 10.0.0.7 lost: password=hunter2'));
    try {
      const response = await request(app.graphqlUrl, 'query ($id: ID!) { campaign(id: $id) { id } }', { id: Buffer.from(`Campaign:${crypto.randomUUID()}`).toString('base64') }, ada.token);
      expect(JSON.stringify(response)).not.toMatch(/hunter2|10\.0\.0\.7/);
      expect(response.errors?.[0]?.message).toBe('Unexpected error.');
    } finally {
      spy.mockRestore();
    }
  });

  it('closes a WebSocket whose message exceeds the body limit', async () => {
    const socket = new WebSocket(app.graphqlUrl.replace(/^http/, 'ws'), 'graphql-transport-ws');
    await new Promise((resolve, reject) => {
      socket.onopen = resolve;
      socket.onerror = reject;
    });
    const closed = new Promise<number>((resolve) => {
      socket.onclose = (event) => resolve(event.code);
    });
    socket.send(JSON.stringify({ type: 'connection_init', payload: { token: 'x'.repeat(10_000) } }));
    expect(await closed).toBe(1009);
  });
});

describe('a worker refreshing its own profile', () => {
  const UPDATE = `mutation ($input: UpdateWorkerInput!) {
    updateWorker(input: $input) {
      __typename
      ... on MutationUpdateWorkerSuccess { data { id name slots simulated hardware { gpu torchVersion cores } } }
      ... on ValidationError { fieldErrors { path } }
    }
  }`;

  it('updates name, hardware and slots for the caller only, with field errors for bad input', async () => {
    const machine = await registerWorker(app.graphqlUrl, 'laptop');
    const input = { name: 'laptop (new GPU)', slots: 2, hardware: { cores: 8, gpu: 'NVIDIA RTX 4090', torchVersion: '2.5.1' } };
    const updated = await gql(app.graphqlUrl, UPDATE, { input }, machine.token);
    expect(updated.updateWorker).toEqual({
      __typename: 'MutationUpdateWorkerSuccess',
      data: { id: machine.id, name: 'laptop (new GPU)', slots: 2, simulated: false, hardware: { gpu: 'NVIDIA RTX 4090', torchVersion: '2.5.1', cores: 8 } },
    });
    const bad = await gql(app.graphqlUrl, UPDATE, { input: { ...input, hardware: { cores: 0 } } }, machine.token);
    expect(bad.updateWorker).toEqual({ __typename: 'ValidationError', fieldErrors: [{ path: ['hardware', 'cores'] }] });
    const researcher = await gql(app.graphqlUrl, UPDATE, { input }, ada.token);
    expect(researcher.updateWorker.__typename).toBe('ForbiddenError');
  });
});
