// Bad input on every path gets a clear, typed error and changes nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { ADMIN_TOKEN } from '../helpers/env.ts';
import { gql, request } from '../helpers/graphql.ts';
import { brief, COMPLETE, createAccount, FAIL, lease, LEASE, metrics, registerWorker, submitBrief, SUBMIT_BRIEF } from '../helpers/platform.ts';

describe('bad input', () => {
  let app: TestApp;
  let url: string;
  let researcher: { token: string; id: string };
  let worker: { token: string; id: string };

  beforeAll(async () => {
    app = await startTestApp('postgresql', { XEENET_MAX_UPLOAD_BYTES: '4096' });
    url = app.graphqlUrl;
    researcher = await createAccount(url, 'Ada');
    worker = await registerWorker(url, 'w');
  });
  afterAll(() => app?.stop());

  async function snapshot() {
    const data = await gql(url, '{ me { balance } campaigns(mine: true) { totalCount } }', {}, researcher.token);
    return { balance: data.me.balance, campaigns: data.campaigns.totalCount };
  }

  async function submitErrors(overrides: Record<string, unknown>) {
    const data = await gql(url, SUBMIT_BRIEF, { input: brief(overrides) }, researcher.token);
    expect(data.submitBrief.__typename).toBe('ValidationError');
    return data.submitBrief.fieldErrors as { path: string[]; message: string }[];
  }

  it('rejects malformed briefs field by field and creates nothing', async () => {
    const before = await snapshot();
    expect(await submitErrors({ budgetS: -5 })).toEqual([{ path: ['budgetS'], message: 'must be at least 1 second' }]);
    expect(await submitErrors({ taskCount: 10_000_000 })).toEqual([{ path: ['taskCount'], message: 'at most 50,000 tasks per campaign' }]);
    expect(await submitErrors({ searchSpace: { lr: { type: 'gaussian', mean: 0 } } })).toEqual([
      { path: ['searchSpace', 'lr', 'type'], message: 'unknown distribution "gaussian"; expected one of choice, uniform, loguniform, int' },
    ]);
    expect(await submitErrors({ searchSpace: { lr: { type: 'uniform', low: 'NaN', high: 1 } } })).toEqual([
      { path: ['searchSpace', 'lr', 'low'], message: 'must be a finite number, got "NaN"' },
    ]);
    const many = await submitErrors({ name: '  ', script: 'no-such-script', dataset: 'f'.repeat(64), seed: -1 });
    expect(many.map((e) => e.path[0]).sort()).toEqual(['dataset', 'name', 'script', 'seed']);
    expect(await snapshot()).toEqual(before);
  });

  it('rejects non-finite numbers that arrive through JSON (1e999 parses to Infinity)', async () => {
    const body = `{"query": ${JSON.stringify(SUBMIT_BRIEF)}, "variables": {"input": ${JSON.stringify(brief()).replace('"high":0.003', '"high":1e999')}}}`;
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${researcher.token}` }, body });
    const result = (await response.json()) as { data: { submitBrief: { __typename: string; fieldErrors: unknown[] } } };
    expect(result.data.submitBrief.__typename).toBe('ValidationError');
    expect(result.data.submitBrief.fieldErrors).toEqual([{ path: ['searchSpace', 'lr', 'high'], message: 'must be a finite number, got Infinity' }]);
  });

  it('refuses a brief the researcher cannot afford, all or nothing', async () => {
    const before = await snapshot();
    const data = await gql(url, SUBMIT_BRIEF, { input: brief({ taskCount: 50_000, budgetS: 3600 }) }, researcher.token);
    expect(data.submitBrief).toMatchObject({ __typename: 'InsufficientCreditsError', required: 180_000_000, available: before.balance });
    expect(await snapshot()).toEqual(before);
  });

  it('answers unknown tokens with 401 and missing permissions with a typed error', async () => {
    const unknown = await request(url, '{ me { name } }', {}, 'xn_this_token_was_never_issued_000000');
    expect(unknown.status).toBe(401);
    expect(unknown.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const anonymous = await gql(url, SUBMIT_BRIEF, { input: brief() });
    expect(anonymous.submitBrief.__typename).toBe('UnauthenticatedError');
    const asWorker = await gql(url, SUBMIT_BRIEF, { input: brief() }, worker.token);
    expect(asWorker.submitBrief.__typename).toBe('ForbiddenError');
    const researcherLeasing = await gql(url, LEASE, {}, researcher.token);
    expect(researcherLeasing.leaseTask.__typename).toBe('ForbiddenError');
    const notAdmin = await gql(url, 'mutation { createAccount(input: {name: "x", role: ADMIN}) { __typename } }', {}, researcher.token);
    expect(notAdmin.createAccount.__typename).toBe('ForbiddenError');
    const fleet = await request(url, '{ workers { totalCount } }');
    expect(fleet.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('rejects NaN, missing and absurd metrics with a typed error and keeps the lease', async () => {
    await submitBrief(url, ADMIN_TOKEN, { taskCount: 1 });
    const grant = (await lease(url, worker.token))!;
    const cases = [
      { valBpb: null },
      { valBpb: -1 },
      { valBpb: 1e6 },
      { trainLoss: null },
      { wallS: -3 },
    ];
    for (const change of cases) {
      const data = await gql(url, COMPLETE, { input: { taskId: grant.taskId, leaseToken: grant.token, result: { ...metrics(), ...change } } }, worker.token);
      expect(data.completeTask.__typename, JSON.stringify(change)).toBe('ValidationError');
    }
    const nan = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${worker.token}` },
      body: JSON.stringify({ query: COMPLETE, variables: { input: { taskId: grant.taskId, leaseToken: grant.token, result: { ...metrics(), valBpb: Number.NaN } } } }),
    });
    const nanResult = (await nan.json()) as { data: { completeTask: { __typename: string; fieldErrors: { path: string[]; message: string }[] } } };
    expect(nanResult.data.completeTask.fieldErrors).toEqual([{ path: ['valBpb'], message: 'valBpb is required and must be a finite number' }]);
    const ok = await gql(url, COMPLETE, { input: { taskId: grant.taskId, leaseToken: grant.token, result: metrics(2.9) } }, worker.token);
    expect(ok.completeTask.data.task.status).toBe('SUCCEEDED');
  });

  it('says what is wrong with each result field, not merely that it is required', async () => {
    await submitBrief(url, ADMIN_TOKEN, { taskCount: 1 });
    const grant = (await lease(url, worker.token))!;
    const cases: [Record<string, unknown>, string][] = [
      [{ steps: -5 }, 'steps must be a non-negative integer, got -5'],
      [{ steps: null }, 'steps is required and must be a non-negative integer'],
      [{ valBpb: 0 }, 'valBpb must be positive, got 0'],
      [{ valBpb: 100 }, 'valBpb must be at most 64 bits per byte (more is not a real measurement), got 100'],
      [{ trainLoss: -1 }, 'trainLoss cannot be negative, got -1'],
      [{ wallS: -3 }, 'wallS cannot be negative, got -3'],
      [{ wallS: null }, 'wallS is required and must be a finite number'],
    ];
    for (const [change, message] of cases) {
      const data = await gql(url, COMPLETE, { input: { taskId: grant.taskId, leaseToken: grant.token, result: { ...metrics(), ...change } } }, worker.token);
      const field = Object.keys(change)[0]!;
      expect(data.completeTask, JSON.stringify(change)).toMatchObject({ __typename: 'ValidationError', fieldErrors: [{ path: [field], message }] });
    }
    const progress = await gql(
      url,
      'mutation ($input: HeartbeatInput!) { heartbeat(input: $input) { __typename ... on ValidationError { fieldErrors { path message } } } }',
      { input: { taskId: grant.taskId, leaseToken: grant.token, progress: { step: -2, elapsedS: -1 } } },
      worker.token,
    );
    expect(progress.heartbeat.fieldErrors).toEqual([
      { path: ['step'], message: 'step must be a non-negative integer, got -2' },
      { path: ['elapsedS'], message: 'elapsedS cannot be negative, got -1' },
    ]);
    const blank = await gql(url, FAIL, { input: { taskId: grant.taskId, leaseToken: grant.token, reason: '   ' } }, worker.token);
    expect(blank.failTask).toMatchObject({ __typename: 'ValidationError', message: 'reason is required' });
  });

  it('rejects oversized output tails and metrics with PayloadTooLargeError', async () => {
    await submitBrief(url, ADMIN_TOKEN, { taskCount: 1 });
    const grant = (await lease(url, worker.token))!;
    const big = 'x'.repeat(16 * 1024 + 1);
    const tail = await gql(url, COMPLETE, { input: { taskId: grant.taskId, leaseToken: grant.token, result: { ...metrics(), stdoutTail: big } } }, worker.token);
    expect(tail.completeTask).toMatchObject({ __typename: 'PayloadTooLargeError', limitBytes: 16384 });
    const blob = await gql(
      url,
      COMPLETE,
      { input: { taskId: grant.taskId, leaseToken: grant.token, result: { ...metrics(), metrics: { blob: 'y'.repeat(70 * 1024) } } } },
      worker.token,
    );
    expect(blob.completeTask.__typename).toBe('PayloadTooLargeError');
    const failTail = await gql(url, FAIL, { input: { taskId: grant.taskId, leaseToken: grant.token, reason: 'x', stderrTail: big } }, worker.token);
    expect(failTail.failTask.__typename).toBe('PayloadTooLargeError');
    const task = await gql(url, `query ($id: ID!) { node(id: $id) { ... on Task { status } } }`, { id: grant.taskId }, ADMIN_TOKEN);
    expect(task.node.status).toBe('LEASED');
  });

  it('refuses request bodies over the limit before parsing them', async () => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ me { name } }', variables: { padding: 'z'.repeat(600 * 1024) } }),
    });
    expect(response.status).toBe(413);
    expect(((await response.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('refuses dataset uploads over the limit and non-text uploads, with typed errors', async () => {
    const upload = async (bytes: Uint8Array<ArrayBuffer>, name = "notes") => {
      const form = new FormData();
      form.append('operations', JSON.stringify({
        query: 'mutation ($file: File!, $name: String!) { uploadDataset(name: $name, file: $file) { __typename ... on MutationUploadDatasetSuccess { data { sha256 sizeBytes url } } ... on Error { message } } }',
        variables: { file: null, name },
      }));
      form.append('map', JSON.stringify({ 0: ['variables.file'] }));
      form.append('0', new Blob([bytes]), 'data.txt');
      const response = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${researcher.token}` }, body: form });
      const body = (await response.json()) as { data?: { uploadDataset: Record<string, any> }; errors?: unknown };
      if (!body.data) throw new Error(`HTTP ${response.status}: ${JSON.stringify(body)}`);
      return body.data.uploadDataset;
    };
    expect(await upload(new Uint8Array(5000).fill(65))).toMatchObject({ __typename: 'PayloadTooLargeError' });
    expect(await upload(new Uint8Array([0xff, 0xfe, 0x00, 0x41]))).toMatchObject({ __typename: 'ValidationError' });
    const ok = await upload(new TextEncoder().encode('To be, or not to be, that is the question.\n'.repeat(20)));
    expect(ok.__typename).toBe('MutationUploadDatasetSuccess');
    const served = await fetch(new URL(ok.data.url, app.url));
    expect(served.headers.get('etag')).toBe(`"${ok.data.sha256}"`);
    expect((await served.text()).startsWith('To be, or not to be')).toBe(true);
  });

  it('limits query depth, breadth and complexity', async () => {
    let nested = 'id';
    for (let i = 0; i < 8; i++) nested = `campaign { tasks(first: 1) { edges { node { ${nested} } } } }`;
    const deep = await request(url, `{ campaigns(first: 1) { edges { node { tasks(first: 1) { edges { node { ${nested} } } } } } } }`, {}, researcher.token);
    expect(deep.errors?.[0]?.message).toMatch(/depth/i);
    const wide = await request(url, `{ ${Array.from({ length: 400 }, (_, i) => `a${i}: me { name }`).join(' ')} }`, {}, researcher.token);
    expect(wide.errors?.[0]?.message).toMatch(/breadth|complexity/i);
    const costly = await request(url, '{ campaigns(first: 100) { edges { node { tasks(first: 1000) { edges { node { history { id } } } } } } } }', {}, researcher.token);
    expect(costly.errors?.[0]?.message).toMatch(/complexity/i);
    const pageTooBig = await request(url, '{ campaigns(first: 5000) { totalCount } }', {}, researcher.token);
    expect(pageTooBig.errors?.[0]?.message).toMatch(/between 0 and 100/);
  });

  it('answers malformed ids and cursors with clear errors', async () => {
    const cancel = await gql(url, 'mutation { cancelCampaign(id: "bm9wZQ==") { __typename ... on Error { message } } }', {}, researcher.token);
    expect(cancel.cancelCampaign.__typename).toBe('NotFoundError');
    const beat = await gql(url, 'mutation { heartbeat(input: {taskId: "garbage", leaseToken: "x"}) { __typename } }', {}, worker.token);
    expect(beat.heartbeat.__typename).toBe('NotFoundError');
    // Well-encoded ids whose key is not a UUID never reach the database.
    const notUuid = Buffer.from('Campaign:x').toString('base64');
    const cancelBadKey = await gql(url, 'mutation($id: ID!) { cancelCampaign(id: $id) { __typename } }', { id: notUuid }, researcher.token);
    expect(cancelBadKey.cancelCampaign.__typename).toBe('NotFoundError');
    const node = await request(url, 'query($id: ID!) { node(id: $id) { id } }', { id: notUuid }, researcher.token);
    expect(node.errors?.[0]).toMatchObject({ message: expect.stringMatching(/not a valid id/), extensions: { code: 'NOT_FOUND' } });
    const owner = await request(url, 'query($id: ID!) { campaigns(ownerId: $id) { totalCount } }', { id: Buffer.from('Account:1 or 1=1').toString('base64') }, researcher.token);
    expect(owner.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const cursor = await request(url, '{ campaigns(after: "not-a-cursor") { totalCount } }', {}, researcher.token);
    expect(cursor.errors?.[0]?.message).toMatch(/cursor/);
    const hardware = await gql(url, 'mutation { registerWorker(input: {name: "x", hardware: {cores: -4}}) { __typename ... on ValidationError { fieldErrors { path } } } }');
    expect(hardware.registerWorker).toEqual({ __typename: 'ValidationError', fieldErrors: [{ path: ['hardware', 'cores'] }] });
  });
});
