// Who sees what, for every type: private campaigns and everything they own stay with their owner
// (and admins), whichever way they are reached — lists, node(id), the fleet view, subscriptions.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { ADMIN_TOKEN } from '../helpers/env.ts';
import { gql, request } from '../helpers/graphql.ts';
import { brief, createAccount, lease, registerWorker, submitBrief, SUBMIT_BRIEF } from '../helpers/platform.ts';
import { collect, wsClient } from '../helpers/ws.ts';

let app: TestApp;
let url: string;
let ada: { token: string; id: string };
let bob: { token: string; id: string };
let machine: { token: string; id: string };

const FLEET = `{ workers(first: 50) { edges { node { name currentTasks { config campaign { name hypothesis owner { name } } } } } } }`;

beforeAll(async () => {
  app = await startTestApp('postgresql');
  url = app.graphqlUrl;
  ada = await createAccount(url, 'Ada');
  bob = await createAccount(url, 'Bob');
  machine = await registerWorker(url, 'volunteer');
});
afterAll(() => app?.stop());

function tasksOf(data: Record<string, any>, name: string) {
  return data.workers.edges.find((edge: { node: { name: string } }) => edge.node.name === name).node.currentTasks;
}

describe('the fleet view', () => {
  it('shows a worker’s current task only to those who may see its campaign', async () => {
    await submitBrief(url, ada.token, { name: 'ada secret', hypothesis: 'unpublished idea', taskCount: 1 });
    expect(await lease(url, machine.token)).not.toBeNull();

    expect(tasksOf(await gql(url, FLEET, {}, bob.token), 'volunteer')).toEqual([]);
    const own = tasksOf(await gql(url, FLEET, {}, ada.token), 'volunteer');
    expect(own).toHaveLength(1);
    expect(own[0].campaign).toEqual({ name: 'ada secret', hypothesis: 'unpublished idea', owner: { name: 'Ada' } });
    expect(tasksOf(await gql(url, FLEET, {}, ADMIN_TOKEN), 'volunteer')).toHaveLength(1);
    // The volunteer's own account sees that it is busy, but not whose private campaign it serves.
    expect(tasksOf(await gql(url, FLEET, {}, machine.token), 'volunteer')).toEqual([]);
  });

  it('keeps the same rule in workerUpdated events', async () => {
    const client = wsClient(url, bob.token);
    const fleet = collect(client, 'subscription { workerUpdated { name currentTasks { config campaign { name hypothesis } } } }');
    await new Promise((resolve) => setTimeout(resolve, 300));
    await submitBrief(url, ada.token, { name: 'ada secret 2', taskCount: 1 });
    expect(await lease(url, machine.token)).not.toBeNull();
    const event = await fleet.next((e) => e.workerUpdated.name === 'volunteer');
    expect(event.workerUpdated.currentTasks).toEqual([]);
    expect(JSON.stringify(fleet.events)).not.toContain('ada secret');
    fleet.dispose();
    await client.dispose();
  });

  it('needs a signed-in caller for workers, whichever way they are reached', async () => {
    const anonymous = await request(url, 'query ($id: ID!) { node(id: $id) { ... on Worker { name } } }', { id: machine.id });
    expect(anonymous.data?.node).toBeNull();
    const signedIn = await gql(url, 'query ($id: ID!) { node(id: $id) { ... on Worker { name } } }', { id: machine.id }, bob.token);
    expect(signedIn.node).toEqual({ name: 'volunteer' });
  });
});

describe('tasks, results and accounts', () => {
  it('hides a private campaign’s tasks from other callers, by id too', async () => {
    const campaign = await submitBrief(url, ada.token, { name: 'ada tasks', taskCount: 1 });
    const data = await gql(url, 'query ($id: ID!) { campaign(id: $id) { tasks(first: 1) { edges { node { id } } } } }', { id: campaign.id }, ada.token);
    const taskId = data.campaign.tasks.edges[0].node.id as string;
    const TASK = 'query ($id: ID!) { node(id: $id) { ... on Task { config campaign { name } } } }';
    expect((await gql(url, TASK, { id: taskId }, bob.token)).node).toBeNull();
    expect((await request(url, TASK, { id: taskId })).data?.node).toBeNull();
    expect((await gql(url, TASK, { id: taskId }, ada.token)).node.campaign).toEqual({ name: 'ada tasks' });
  });

  it('shows an account’s name to anyone and its balance only to itself and admins', async () => {
    const ACCOUNT = 'query ($id: ID!) { node(id: $id) { ... on Account { name balance } } }';
    expect((await gql(url, ACCOUNT, { id: ada.id }, bob.token)).node).toEqual({ name: 'Ada', balance: null });
    expect((await gql(url, ACCOUNT, { id: ada.id }, ada.token)).node.balance).toBeGreaterThan(0);
    expect((await gql(url, ACCOUNT, { id: ada.id }, ADMIN_TOKEN)).node.balance).toBeGreaterThan(0);
  });
});

describe('uploaded datasets', () => {
  async function upload(token: string, text: string, name = 'notes') {
    const form = new FormData();
    form.append(
      'operations',
      JSON.stringify({
        query: 'mutation ($file: File!, $name: String!) { uploadDataset(name: $name, file: $file) { __typename ... on MutationUploadDatasetSuccess { data { id sha256 } } } }',
        variables: { file: null, name },
      }),
    );
    form.append('map', JSON.stringify({ 0: ['variables.file'] }));
    form.append('0', new Blob([text]), 'data.txt');
    const response = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
    const body = (await response.json()) as { data: { uploadDataset: { data: { id: string; sha256: string } } } };
    return body.data.uploadDataset.data;
  }

  const DATASETS = '{ artifacts(kind: DATASET, first: 100) { edges { node { sha256 } } } }';
  const listed = async (token: string | null) =>
    (await gql(url, DATASETS, {}, token)).artifacts.edges.map((edge: { node: { sha256: string } }) => edge.node.sha256) as string[];
  const lookup = async (token: string | null, sha256: string) =>
    (await gql(url, 'query ($sha: String!) { artifact(sha256: $sha) { name } }', { sha: sha256 }, token)).artifact;

  it('are visible to their uploaders, admins and viewers of campaigns that use them', async () => {
    const text = 'Ada’s private corpus, line one.\n'.repeat(40);
    const dataset = await upload(ada.token, text);
    expect(await listed(ada.token)).toContain(dataset.sha256);
    expect(await listed(ADMIN_TOKEN)).toContain(dataset.sha256);
    expect(await listed(bob.token)).not.toContain(dataset.sha256);
    expect(await lookup(bob.token, dataset.sha256)).toBeNull();
    const node = await gql(url, 'query ($id: ID!) { node(id: $id) { ... on Artifact { name } } }', { id: dataset.id }, bob.token);
    expect(node.node).toBeNull();
    // Platform datasets stay public.
    expect((await lookup(null, (await listed(null))[0]!))?.name).toBeTruthy();

    // Bob cannot run a brief on a dataset he may not see.
    const refused = await gql(url, SUBMIT_BRIEF, { input: brief({ dataset: dataset.sha256 }) }, bob.token);
    expect(refused.submitBrief.fieldErrors).toEqual([{ path: ['dataset'], message: 'no dataset has this SHA-256 or name' }]);

    // Once Ada publishes a campaign on it, it is visible with the campaign.
    await submitBrief(url, ada.token, { name: 'public on upload', dataset: dataset.sha256, visibility: 'PUBLIC', taskCount: 1 });
    expect(await lookup(bob.token, dataset.sha256)).toEqual({ name: 'notes' });
  });

  it('stay visible to a second uploader of the same bytes', async () => {
    const text = 'Shared bytes uploaded twice.\n'.repeat(40);
    const first = await upload(ada.token, text, 'ada copy');
    const carol = await createAccount(url, 'Carol');
    const second = await upload(carol.token, text, 'carol copy');
    expect(second.sha256).toBe(first.sha256);
    expect(await listed(carol.token)).toContain(first.sha256);
    expect(await listed(bob.token)).not.toContain(first.sha256);
    const campaign = await submitBrief(url, carol.token, { dataset: second.sha256, taskCount: 1 });
    expect(campaign.taskCount).toBe(1);
  });
});
