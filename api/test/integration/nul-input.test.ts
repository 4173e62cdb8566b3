// PostgreSQL cannot store U+0000 (nor JSON with an unpaired surrogate). Every input path that
// stores text answers such input with a ValidationError naming the field, and stores nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASES, startTestApp, type TestApp } from '../helpers/app.ts';
import { ADMIN_TOKEN } from '../helpers/env.ts';
import { gql } from '../helpers/graphql.ts';
import { brief, COMPLETE, createAccount, HEARTBEAT, lease, metrics, registerWorker, submitBrief, SUBMIT_BRIEF } from '../helpers/platform.ts';

const NUL = 'bad\u0000text';
const NUL_MESSAGE = 'must not contain the NUL character (U+0000)';

describe.each(DATABASES)('NUL characters on %s', (database) => {
  let app: TestApp;
  let url: string;
  let researcher: { token: string; id: string };
  let worker: { token: string; id: string };

  beforeAll(async () => {
    app = await startTestApp(database);
    url = app.graphqlUrl;
    researcher = await createAccount(url, 'Ada');
    worker = await registerWorker(url, 'w');
  });
  afterAll(() => app?.stop());

  async function state() {
    const data = await gql(url, '{ me { balance } campaigns(mine: true) { totalCount } }', {}, researcher.token);
    return { balance: data.me.balance, campaigns: data.campaigns.totalCount };
  }

  it('refuses them anywhere in a brief, naming the field, and creates nothing', async () => {
    const before = await state();
    const cases: [Record<string, unknown>, string[]][] = [
      [{ name: NUL }, ['name']],
      [{ hypothesis: NUL }, ['hypothesis']],
      [{ script: NUL }, ['script']],
      [{ searchSpace: { schedule: { type: 'choice', values: ['cosine', NUL] } } }, ['searchSpace', 'schedule', 'values', '1']],
      [{ searchSpace: { lr: 0.001, note: NUL } }, ['searchSpace', 'note']],
      [{ searchSpace: { lr: 0.001, 'o\u0000ps': 1 } }, ['searchSpace']],
      [{ searchSpace: { lr: 0.001, half: '\ud800' } }, ['searchSpace', 'half']],
    ];
    for (const [change, path] of cases) {
      const data = await gql(url, SUBMIT_BRIEF, { input: brief(change) }, researcher.token);
      expect(data.submitBrief.__typename, JSON.stringify(change)).toBe('ValidationError');
      expect(data.submitBrief.fieldErrors[0].path).toEqual(path);
      expect(data.submitBrief.message).toContain(path.join('.'));
    }
    expect(await state()).toEqual(before);
  });

  it('refuses them in results, progress and failures, and keeps the lease', async () => {
    await submitBrief(url, ADMIN_TOKEN, { taskCount: 1 });
    const grant = (await lease(url, worker.token))!;
    const claim = { taskId: grant.taskId, leaseToken: grant.token };
    const results: [Record<string, unknown>, string[]][] = [
      [{ stdoutTail: NUL }, ['stdoutTail']],
      [{ metrics: { val_bpb: 2.5, device: NUL } }, ['metrics', 'device']],
      [{ metrics: { val_bpb: 2.5, nested: { list: ['ok', NUL] } } }, ['metrics', 'nested', 'list', '1']],
      [{ metrics: { ['k\u0000']: 1 } }, ['metrics']],
    ];
    for (const [change, path] of results) {
      const data = await gql(url, COMPLETE, { input: { ...claim, result: { ...metrics(), ...change } } }, worker.token);
      expect(data.completeTask.__typename, JSON.stringify(change)).toBe('ValidationError');
      expect(data.completeTask.fieldErrors[0]).toMatchObject({ path });
    }
    const beat = await gql(
      url,
      `mutation ($input: HeartbeatInput!) { heartbeat(input: $input) { __typename ... on ValidationError { fieldErrors { path message } } } }`,
      { input: { ...claim, progress: { step: 1, message: NUL } } },
      worker.token,
    );
    expect(beat.heartbeat).toEqual({ __typename: 'ValidationError', fieldErrors: [{ path: ['message'], message: NUL_MESSAGE }] });
    const FAIL_ERRORS = `mutation ($input: FailTaskInput!) { failTask(input: $input) { __typename ... on ValidationError { fieldErrors { path message } } } }`;
    for (const field of ['reason', 'stdoutTail', 'stderrTail']) {
      const data = await gql(url, FAIL_ERRORS, { input: { ...claim, reason: 'crashed', [field]: NUL } }, worker.token);
      expect(data.failTask, field).toEqual({ __typename: 'ValidationError', fieldErrors: [{ path: [field], message: NUL_MESSAGE }] });
    }
    const task = await gql(url, 'query ($id: ID!) { node(id: $id) { ... on Task { status history { id } progress { message } } } }', { id: grant.taskId }, ADMIN_TOKEN);
    expect(task.node).toEqual({ status: 'LEASED', history: [], progress: null });
    // The same lease still completes normally.
    expect((await gql(url, HEARTBEAT, { input: { ...claim, progress: { step: 1 } } }, worker.token)).heartbeat.__typename).toBe('MutationHeartbeatSuccess');
    const done = await gql(url, COMPLETE, { input: { ...claim, result: metrics() } }, worker.token);
    expect(done.completeTask.__typename).toBe('MutationCompleteTaskSuccess');
  });

  it('refuses them in worker, account and dataset names', async () => {
    const register = await gql(
      url,
      `mutation ($input: RegisterWorkerInput!) { registerWorker(input: $input) { __typename ... on ValidationError { fieldErrors { path } } } }`,
      { input: { name: 'ok', hardware: { cpu: NUL } } },
    );
    expect(register.registerWorker).toEqual({ __typename: 'ValidationError', fieldErrors: [{ path: ['hardware', 'cpu'] }] });
    const named = await gql(
      url,
      `mutation ($input: RegisterWorkerInput!) { registerWorker(input: $input) { __typename ... on ValidationError { fieldErrors { path } } } }`,
      { input: { name: NUL, hardware: {} } },
    );
    expect(named.registerWorker).toEqual({ __typename: 'ValidationError', fieldErrors: [{ path: ['name'] }] });
    const update = await gql(
      url,
      `mutation ($input: UpdateWorkerInput!) { updateWorker(input: $input) { __typename ... on ValidationError { fieldErrors { path } } } }`,
      { input: { name: NUL, hardware: {} } },
      worker.token,
    );
    expect(update.updateWorker).toEqual({ __typename: 'ValidationError', fieldErrors: [{ path: ['name'] }] });
    const account = await gql(
      url,
      'mutation ($name: String!) { createAccount(input: {name: $name, role: RESEARCHER}) { __typename ... on ValidationError { fieldErrors { path } } } }',
      { name: NUL },
      ADMIN_TOKEN,
    );
    expect(account.createAccount).toEqual({ __typename: 'ValidationError', fieldErrors: [{ path: ['name'] }] });

    const form = new FormData();
    form.append(
      'operations',
      JSON.stringify({
        query: 'mutation ($file: File!, $name: String!) { uploadDataset(name: $name, file: $file) { __typename ... on ValidationError { fieldErrors { path } } } }',
        variables: { file: null, name: NUL },
      }),
    );
    form.append('map', JSON.stringify({ 0: ['variables.file'] }));
    form.append('0', new Blob(['some text\n']), 'data.txt');
    const response = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${researcher.token}` }, body: form });
    const body = (await response.json()) as { data: { uploadDataset: unknown } };
    expect(body.data.uploadDataset).toEqual({ __typename: 'ValidationError', fieldErrors: [{ path: ['name'] }] });
    const fleet = await gql(url, '{ workers(first: 100) { edges { node { name } } } }', {}, ADMIN_TOKEN);
    expect(fleet.workers.edges.map((edge: { node: { name: string } }) => edge.node.name)).toEqual(['w']);
  });
});
