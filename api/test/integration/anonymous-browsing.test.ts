// Open science: anyone, signed in or not, may read public campaigns with their tasks, configs and
// results, and follow them live; private campaigns stay private; every action needs a token.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASES, startTestApp, type TestApp } from '../helpers/app.ts';
import { gql } from '../helpers/graphql.ts';
import { complete, createAccount, lease, registerWorker, submitBrief, SUBMIT_BRIEF, brief } from '../helpers/platform.ts';
import { collect, wsClient } from '../helpers/ws.ts';

const CAMPAIGN = `query ($id: ID!) {
  campaign(id: $id) {
    name hypothesis visibility owner { name } script { name } dataset { name }
    stats { succeeded bestValBpb } bestTask { valBpb config }
    resultPoints { valBpb config }
    tasks(first: 10) { totalCount edges { node { id status config valBpb result { valBpb } } } }
  }
}`;

describe.each(DATABASES)('anonymous browsing on %s', (database) => {
  let app: TestApp;
  let url: string;
  let ada: { token: string; id: string };
  let open: { id: string };
  let secret: { id: string };
  let secretTaskId: string;

  beforeAll(async () => {
    app = await startTestApp(database);
    url = app.graphqlUrl;
    ada = await createAccount(url, 'Ada');
    const machine = await registerWorker(url, 'volunteer');
    // One finished task each, so both campaigns have results to leak or not.
    open = await submitBrief(url, ada.token, { name: 'open sweep', hypothesis: 'published idea', visibility: 'PUBLIC', taskCount: 1 });
    const first = await lease(url, machine.token);
    expect(first?.campaignId).toBe(open.id);
    await complete(url, machine.token, first!, 2.25);
    secret = await submitBrief(url, ada.token, { name: 'secret sweep', hypothesis: 'unpublished idea', visibility: 'PRIVATE', taskCount: 1 });
    const second = await lease(url, machine.token);
    expect(second?.campaignId).toBe(secret.id);
    secretTaskId = second!.taskId;
    await complete(url, machine.token, second!, 2.75);
  });
  afterAll(() => app?.stop());

  it('lists public campaigns and only those', async () => {
    const data = await gql(url, '{ campaigns(first: 50) { totalCount edges { node { name visibility } } } }', {}, null);
    const names = data.campaigns.edges.map((edge: { node: { name: string } }) => edge.node.name);
    expect(names).toContain('open sweep');
    expect(names).not.toContain('secret sweep');
    expect(data.campaigns.edges.every((edge: { node: { visibility: string } }) => edge.node.visibility === 'PUBLIC')).toBe(true);
    expect(data.campaigns.totalCount).toBe(names.length);
  });

  it('reads a public campaign with its tasks, configs and results', async () => {
    const { campaign } = await gql(url, CAMPAIGN, { id: open.id }, null);
    expect(campaign).toMatchObject({ name: 'open sweep', hypothesis: 'published idea', owner: { name: 'Ada' }, stats: { succeeded: 1, bestValBpb: 2.25 } });
    expect(campaign.bestTask.valBpb).toBe(2.25);
    expect(campaign.resultPoints).toHaveLength(1);
    expect(campaign.tasks.edges[0].node).toMatchObject({ status: 'SUCCEEDED', valBpb: 2.25, result: { valBpb: 2.25 } });
    expect(Object.keys(campaign.tasks.edges[0].node.config)).toContain('lr');
  });

  it('keeps a private campaign, its tasks and its results hidden, whichever way they are reached', async () => {
    expect((await gql(url, CAMPAIGN, { id: secret.id }, null)).campaign).toBeNull();
    const byNode = await gql(url, 'query ($id: ID!) { node(id: $id) { ... on Campaign { name } } }', { id: secret.id }, null);
    expect(byNode.node).toBeNull();
    const task = await gql(url, 'query ($id: ID!) { node(id: $id) { ... on Task { config valBpb } } }', { id: secretTaskId }, null);
    expect(task.node).toBeNull();
    // The owner still sees it all.
    expect((await gql(url, CAMPAIGN, { id: secret.id }, ada.token)).campaign.stats.bestValBpb).toBe(2.75);
  });

  it('refuses every action without a token, with a typed error, and changes nothing', async () => {
    const submitted = await gql(url, SUBMIT_BRIEF, { input: brief({ name: 'anonymous brief' }) }, null);
    expect(submitted.submitBrief.__typename).toBe('UnauthenticatedError');
    const cancel = await gql(url, 'mutation ($id: ID!) { cancelCampaign(id: $id) { __typename } }', { id: open.id }, null);
    expect(cancel.cancelCampaign.__typename).toBe('UnauthenticatedError');
    const after = await gql(url, '{ campaigns(first: 50) { edges { node { name status } } } }', {}, ada.token);
    expect(after.campaigns.edges.map((edge: { node: { name: string } }) => edge.node.name)).not.toContain('anonymous brief');
    expect((await gql(url, 'query ($id: ID!) { campaign(id: $id) { status } }', { id: open.id }, null)).campaign.status).not.toBe('CANCELLED');
  });

  it('follows public campaigns live, and no private one', async () => {
    const client = wsClient(url, null);
    const list = collect(client, 'subscription { campaignListChanged { name visibility } }');
    const refused = collect(client, 'subscription ($id: ID!) { campaignUpdated(id: $id) { name } }', { id: secret.id });
    const refusedTasks = collect(client, 'subscription ($id: ID!) { taskUpdated(campaignId: $id) { config } }', { id: secret.id });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await submitBrief(url, ada.token, { name: 'secret two', visibility: 'PRIVATE', taskCount: 1 });
    await submitBrief(url, ada.token, { name: 'open two', visibility: 'PUBLIC', taskCount: 1 });
    await list.next((event) => event.campaignListChanged.name === 'open two');
    expect(list.events.map((event) => event.campaignListChanged.name)).not.toContain('secret two');
    expect(String(refused.failure)).toMatch(/not found/i);
    expect(String(refusedTasks.failure)).toMatch(/not found/i);
    expect(refused.events).toHaveLength(0);
    list.dispose();
    refused.dispose();
    refusedTasks.dispose();
    await client.dispose();
  });
});
