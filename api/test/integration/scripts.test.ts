// Researcher scripts and signing, end to end through the public API, on PostgreSQL and PGlite:
// built-ins signed at start, the published key, uploads and their validation, own-machines
// campaigns, review (approve signs, reject says why), leases carrying verifiable signatures, and
// refusals that do not count as attempts.
import { type ScriptIdentity, publicKeyFromPem, verifyScriptSignature } from '@xeenet/contract/signing';
import { decodeGlobalID } from '@pothos/plugin-relay';
import { statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIGNING_KEY_FILE } from '../../src/modules/signing/signing-key.ts';
import { DATABASES, startTestApp, type TestApp } from '../helpers/app.ts';
import { ADMIN_TOKEN } from '../helpers/env.ts';
import { gql } from '../helpers/graphql.ts';
import { brief, complete, createAccount, SEARCH_SPACE, SUBMIT_BRIEF } from '../helpers/platform.ts';

const SCRIPT_FIELDS = `id name version reviewState reviewReason trust signature signingKeyId sha256 builtin source diff
  check { parses { ok detail } searchSpace { ok } run { ok detail } } campaigns { id }`;

const LEASE_WITH_SCRIPT = `mutation {
  leaseTask {
    __typename
    ... on MutationLeaseTaskSuccess {
      data { lease { token taskId campaignId attempt ownMachinesOnly campaignOwnerId
        script { sha256 name scriptId version trust signature signingKeyId } } }
    }
    ... on Error { message }
  }
}`;

const REFUSE = `mutation ($input: RefuseTaskInput!) {
  refuseTask(input: $input) {
    __typename
    ... on MutationRefuseTaskSuccess { data { task { id status attempts } } }
    ... on ValidationError { message fieldErrors { path message } }
    ... on Error { message }
  }
}`;

const GOOD_SCRIPT = `import json, sys\n\ndef main():\n    print(json.dumps({"val_bpb": 2.5, "train_loss": 1.7, "steps": 10}))\n\nmain()\n`;

interface LeasedScript {
  sha256: string;
  name: string;
  scriptId: string;
  version: number;
  trust: ScriptIdentity['trust'] | 'OWN';
  signature: string | null;
  signingKeyId: string | null;
}

describe.each(DATABASES)('researcher scripts and signing on %s', (database) => {
  let app: TestApp;
  let url: string;
  let researcher: { token: string; id: string };
  let reviewer: { token: string; id: string };
  let ownWorker: { token: string; id: string; signingKey: { keyId: string; publicKeyPem: string } };
  let otherWorker: { token: string; id: string; signingKey: { keyId: string; publicKeyPem: string } };

  async function registerWorker(name: string, token?: string) {
    const data = await gql(
      url,
      `mutation ($input: RegisterWorkerInput!) { registerWorker(input: $input) { __typename
        ... on MutationRegisterWorkerSuccess { data { token worker { id } signingKey { keyId publicKeyPem } } } ... on Error { message } } }`,
      { input: { name, hardware: { cpu: 'test cpu', cores: 2 } } },
      token,
    );
    if (data.registerWorker.__typename !== 'MutationRegisterWorkerSuccess') throw new Error(data.registerWorker.message);
    return { token: data.registerWorker.data.token as string, id: data.registerWorker.data.worker.id as string, signingKey: data.registerWorker.data.signingKey };
  }

  async function upload(bytes: Uint8Array, input: Record<string, unknown> = {}, token = researcher.token) {
    const form = new FormData();
    form.append(
      'operations',
      JSON.stringify({
        query: `mutation ($file: File!, $input: UploadScriptInput!) { uploadScript(input: $input, file: $file) { __typename
          ... on MutationUploadScriptSuccess { data { ${SCRIPT_FIELDS} } }
          ... on ValidationError { message fieldErrors { path message } }
          ... on PayloadTooLargeError { message limitBytes }
          ... on Error { message } } }`,
        variables: {
          file: null,
          input: { name: 'my-script', description: 'A script that prints a result.', searchSpace: SEARCH_SPACE, budgetKinds: ['WALL'], ...input },
        },
      }),
    );
    form.append('map', JSON.stringify({ 0: ['variables.file'] }));
    form.append('0', new Blob([new Uint8Array(bytes)]), 'train.py');
    const response = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
    const body = (await response.json()) as { data?: { uploadScript: Record<string, any> }; errors?: unknown };
    if (!body.data) throw new Error(`HTTP ${response.status}: ${JSON.stringify(body)}`);
    return body.data.uploadScript;
  }

  async function leaseWith(token: string) {
    const data = await gql(url, LEASE_WITH_SCRIPT, {}, token);
    if (data.leaseTask.__typename !== 'MutationLeaseTaskSuccess') throw new Error(data.leaseTask.message);
    return data.leaseTask.data.lease as null | {
      token: string;
      taskId: string;
      campaignId: string;
      attempt: number;
      ownMachinesOnly: boolean;
      campaignOwnerId: string;
      script: LeasedScript;
    };
  }

  async function drain(token: string) {
    while (await leaseWith(token)) {
      // leave the queue empty for the next test
    }
  }

  function verifyLeased(script: LeasedScript, pem: string) {
    const { trust } = script;
    if (trust === 'OWN' || !script.signature) return { ok: false };
    return verifyScriptSignature(
      publicKeyFromPem(pem),
      { sha256: script.sha256, scriptId: script.scriptId, name: script.name, version: script.version, trust },
      script.signature,
    );
  }

  async function submit(token: string, overrides: Record<string, unknown>) {
    return (await gql(url, SUBMIT_BRIEF, { input: brief(overrides) }, token)).submitBrief;
  }

  beforeAll(async () => {
    app = await startTestApp(database, { XEENET_MAX_SCRIPT_BYTES: '4096' });
    url = app.graphqlUrl;
    researcher = await createAccount(url, 'Rosalind');
    reviewer = await createAccount(url, 'Rita', 'REVIEWER');
    ownWorker = await registerWorker('rosalinds-gpu', researcher.token);
    otherWorker = await registerWorker('a-volunteer');
  });
  afterAll(() => app?.stop());

  it('generates a signing key in the data folder with 0600 rights and publishes it at the well-known URL and on registration', async () => {
    const file = path.join(app.deps.env.XEENET_DATA_DIR, SIGNING_KEY_FILE);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const response = await fetch(new URL('/.well-known/xeenet-signing-key', app.url));
    expect(response.status).toBe(200);
    const published = (await response.json()) as { keyId: string; algorithm: string; publicKeyPem: string; publicKeyBase64: string };
    expect(published.algorithm).toBe('ed25519');
    expect(published.keyId).toMatch(/^ed25519:[0-9a-f]{16}$/);
    expect(Buffer.from(published.publicKeyBase64, 'base64')).toHaveLength(32);
    expect(ownWorker.signingKey).toEqual({ keyId: published.keyId, publicKeyPem: published.publicKeyPem });
    const viaGraphql = await gql(url, '{ signingKey { keyId publicKeyPem } }');
    expect(viaGraphql.signingKey).toEqual(ownWorker.signingKey);
  });

  it('signs the built-in scripts at start, and a lease of one carries a signature that verifies', async () => {
    const list = await gql(url, `{ scripts(reviewState: APPROVED) { edges { node { name builtin trust signature signingKeyId version sha256 id } } } }`);
    const fixture = list.scripts.edges.map((edge: { node: Record<string, any> }) => edge.node).find((node: { name: string }) => node.name === 'fixture-script');
    expect(fixture).toMatchObject({ builtin: true, trust: 'BUILTIN', version: 1, signingKeyId: ownWorker.signingKey.keyId });
    const identity = { sha256: fixture.sha256, scriptId: decodeGlobalID(fixture.id).id, name: fixture.name, version: fixture.version, trust: 'BUILTIN' as const };
    expect(verifyScriptSignature(publicKeyFromPem(ownWorker.signingKey.publicKeyPem), identity, fixture.signature)).toEqual({ ok: true });

    await drain(otherWorker.token);
    const campaign = await submit(researcher.token, { taskCount: 1 });
    expect(campaign.__typename).toBe('MutationSubmitBriefSuccess');
    const lease = await leaseWith(otherWorker.token);
    expect(lease).toMatchObject({ campaignId: campaign.data.id, ownMachinesOnly: false, script: { trust: 'BUILTIN', scriptId: identity.scriptId } });
    expect(verifyLeased(lease!.script, otherWorker.signingKey.publicKeyPem)).toEqual({ ok: true });
    // One changed byte of the identity and the same signature no longer verifies.
    expect(verifyLeased({ ...lease!.script, version: lease!.script.version + 1 }, otherWorker.signingKey.publicKeyPem).ok).toBe(false);
  });

  it('refuses uploads that are not UTF-8, too big, contain NUL, or declare a bad search space; nothing is stored', async () => {
    const before = await gql(url, '{ scripts(mine: true) { totalCount } }', {}, researcher.token);
    const invalidUtf8 = await upload(new Uint8Array([0x70, 0x72, 0x69, 0x6e, 0x74, 0xff, 0xfe]));
    expect(invalidUtf8).toMatchObject({ __typename: 'ValidationError', fieldErrors: [{ path: ['file'], message: 'a script must be UTF-8 text' }] });
    const tooBig = await upload(new TextEncoder().encode(`# ${'x'.repeat(5000)}\n`));
    expect(tooBig).toMatchObject({ __typename: 'PayloadTooLargeError', limitBytes: 4096 });
    const withNul = await upload(new TextEncoder().encode('print("a")\u0000\n'));
    expect(withNul).toMatchObject({ __typename: 'ValidationError', fieldErrors: [{ path: ['file'], message: 'a script may not contain NUL bytes' }] });
    const badSpace = await upload(new TextEncoder().encode(GOOD_SCRIPT), { searchSpace: { lr: { type: 'uniform', low: 1, high: 0 } } });
    expect(badSpace.__typename).toBe('ValidationError');
    const badName = await upload(new TextEncoder().encode(GOOD_SCRIPT), { name: 'Not A Name' });
    expect(badName).toMatchObject({ __typename: 'ValidationError', fieldErrors: [{ path: ['name'] }] });
    const noKinds = await upload(new TextEncoder().encode(GOOD_SCRIPT), { budgetKinds: [] });
    expect(noKinds).toMatchObject({ __typename: 'ValidationError', fieldErrors: [{ path: ['budgetKinds'] }] });
    const after = await gql(url, '{ scripts(mine: true) { totalCount } }', {}, researcher.token);
    expect(after.scripts.totalCount).toBe(before.scripts.totalCount);
  });

  it('keeps a pending script to its owner’s own machines: refused in a normal campaign, leased only to the owner’s workers, unsigned', async () => {
    const uploaded = await upload(new TextEncoder().encode(GOOD_SCRIPT), { name: 'pending-one' });
    expect(uploaded.__typename).toBe('MutationUploadScriptSuccess');
    const script = uploaded.data;
    expect(script).toMatchObject({ reviewState: 'PENDING_REVIEW', trust: 'OWN', signature: null, version: 1, builtin: false, source: GOOD_SCRIPT });
    expect(script.check.searchSpace.ok).toBe(true);
    // The same bytes again are the same script.
    expect((await upload(new TextEncoder().encode(GOOD_SCRIPT), { name: 'pending-one' })).data.id).toBe(script.id);

    const normal = await submit(researcher.token, { script: script.id, taskCount: 1 });
    expect(normal).toMatchObject({ __typename: 'ValidationError', fieldErrors: [{ path: ['script'], message: expect.stringContaining('own-machines') }] });
    // Nobody else may even name it.
    const stranger = await createAccount(url, 'Mallory');
    expect(await submit(stranger.token, { script: script.id, taskCount: 1, ownMachinesOnly: true })).toMatchObject({
      __typename: 'ValidationError',
      fieldErrors: [{ path: ['script'] }],
    });
    expect((await gql(url, 'query ($id: ID!) { script(id: $id) { id } }', { id: script.id }, stranger.token)).script).toBeNull();
    // An admin checking it runs it on the admin's own machines (none here, so it is leased to nobody below).
    expect((await submit(ADMIN_TOKEN, { script: script.id, taskCount: 1, ownMachinesOnly: true })).__typename).toBe('MutationSubmitBriefSuccess');

    await drain(otherWorker.token);
    await drain(ownWorker.token);
    const own = await submit(researcher.token, { script: script.id, taskCount: 2, ownMachinesOnly: true });
    expect(own.__typename).toBe('MutationSubmitBriefSuccess');
    expect(await leaseWith(otherWorker.token)).toBeNull();
    const lease = await leaseWith(ownWorker.token);
    expect(lease).toMatchObject({ campaignId: own.data.id, ownMachinesOnly: true, campaignOwnerId: researcher.id, script: { trust: 'OWN', signature: null, signingKeyId: null } });
    expect(await leaseWith(otherWorker.token)).toBeNull();

    // The contract check's short run: no run yet, then a real result from the owner's own worker.
    const CHECK = 'query ($id: ID!) { script(id: $id) { campaigns { id ownMachinesOnly } check { run { ok detail } runCampaign { id } } } }';
    expect((await gql(url, CHECK, { id: script.id }, researcher.token)).script.check.run.ok).toBeNull();
    expect((await complete(url, ownWorker.token, lease as never, 2.31)).__typename).toBe('MutationCompleteTaskSuccess');
    const page = await gql(url, CHECK, { id: script.id }, researcher.token);
    expect(page.script.campaigns).toEqual([{ id: own.data.id, ownMachinesOnly: true }]);
    expect(page.script.check).toEqual({ run: { ok: true, detail: 'a real run printed a valid result line (val_bpb 2.31)' }, runCampaign: { id: own.data.id } });
    const campaignView = await gql(url, 'query ($id: ID!) { campaign(id: $id) { ownMachinesOnly trainingScript { id reviewState } } }', { id: own.data.id }, researcher.token);
    expect(campaignView.campaign).toEqual({ ownMachinesOnly: true, trainingScript: { id: script.id, reviewState: 'PENDING_REVIEW' } });
  });

  it('reviews: reviewers see the queue, source and diff; approving signs (other workers then run it), rejecting tells the owner why', async () => {
    const parentSource = `# the first version\n${GOOD_SCRIPT}`;
    const parent = (await upload(new TextEncoder().encode(parentSource), { name: 'reviewed' })).data;
    expect(parent).toMatchObject({ name: 'reviewed', version: 1 });
    const childSource = parentSource.replace('"steps": 10', '"steps": 20');
    const child = await upload(new TextEncoder().encode(childSource), { name: 'reviewed', parentId: parent.id });
    expect(child.__typename).toBe('MutationUploadScriptSuccess');
    expect(child.data.version).toBe(2);
    expect(child.data.diff).toContain('-    print(json.dumps({"val_bpb": 2.5, "train_loss": 1.7, "steps": 10}))');
    expect(child.data.diff).toContain('+    print(json.dumps({"val_bpb": 2.5, "train_loss": 1.7, "steps": 20}))');

    const queueQuery = `{ reviewQueue(first: 50) { edges { node { id name source diff } } } }`;
    expect((await gql(url, queueQuery, {}, researcher.token).catch((error: Error) => error)) instanceof Error).toBe(true);
    const queue = await gql(url, queueQuery, {}, reviewer.token);
    const ids = queue.reviewQueue.edges.map((edge: { node: { id: string } }) => edge.node.id);
    expect(ids).toEqual(expect.arrayContaining([parent.id, child.data.id]));

    const APPROVE = `mutation ($id: ID!) { approveScript(id: $id) { __typename ... on MutationApproveScriptSuccess { data { ${SCRIPT_FIELDS} } } ... on Error { message } } }`;
    const REJECT = `mutation ($id: ID!, $reason: String!) { rejectScript(id: $id, reason: $reason) { __typename
      ... on MutationRejectScriptSuccess { data { reviewState reviewReason trust } } ... on ValidationError { fieldErrors { path } } ... on Error { message } } }`;
    expect((await gql(url, APPROVE, { id: child.data.id }, researcher.token)).approveScript.__typename).toBe('ForbiddenError');
    const approved = (await gql(url, APPROVE, { id: child.data.id }, reviewer.token)).approveScript;
    expect(approved.__typename).toBe('MutationApproveScriptSuccess');
    expect(approved.data).toMatchObject({ reviewState: 'APPROVED', trust: 'REVIEWED', signingKeyId: ownWorker.signingKey.keyId });
    expect((await gql(url, APPROVE, { id: child.data.id }, reviewer.token)).approveScript.__typename).toBe('InvalidStateError');

    expect((await gql(url, REJECT, { id: parent.id, reason: '  ' }, reviewer.token)).rejectScript.__typename).toBe('ValidationError');
    const rejected = (await gql(url, REJECT, { id: parent.id, reason: 'reads files outside its folder' }, reviewer.token)).rejectScript;
    expect(rejected).toMatchObject({ data: { reviewState: 'REJECTED', reviewReason: 'reads files outside its folder', trust: 'OWN' } });
    const seenByOwner = await gql(url, 'query ($id: ID!) { script(id: $id) { reviewReason } }', { id: parent.id }, researcher.token);
    expect(seenByOwner.script.reviewReason).toBe('reads files outside its folder');
    expect((await submit(researcher.token, { script: parent.id, taskCount: 1 })).__typename).toBe('ValidationError');

    // Approved: a normal campaign, leased to someone else's worker with a signature that verifies.
    await drain(otherWorker.token);
    await drain(ownWorker.token);
    const campaign = await submit(researcher.token, { script: child.data.id, taskCount: 1 });
    expect(campaign.__typename).toBe('MutationSubmitBriefSuccess');
    const lease = await leaseWith(otherWorker.token);
    expect(lease).toMatchObject({ campaignId: campaign.data.id, script: { trust: 'REVIEWED', name: 'reviewed', version: 2 } });
    expect(verifyLeased(lease!.script, otherWorker.signingKey.publicKeyPem)).toEqual({ ok: true });
  });

  it('reports whether an upload parses as Python', async () => {
    const broken = await upload(new TextEncoder().encode('def main(:\n    pass\n'), { name: 'broken' });
    const parses = broken.data.check.parses;
    // This machine has Python (the worker needs it); the check must say it does not parse.
    expect(parses.ok).toBe(false);
    expect(parses.detail).toMatch(/does not parse as Python: line 1/);
  });

  it('a refused task goes back to the queue uncounted and is never leased to that worker again', async () => {
    await drain(otherWorker.token);
    await drain(ownWorker.token);
    const campaign = await submit(researcher.token, { taskCount: 1 });
    const lease = await leaseWith(otherWorker.token);
    expect(lease!.attempt).toBe(1);
    const bad = await gql(url, REFUSE, { input: { taskId: lease!.taskId, leaseToken: lease!.token, code: 'BAD_SIGNATURE', reason: 'x'.repeat(2001) } }, otherWorker.token);
    expect(bad.refuseTask.__typename).toBe('ValidationError');
    const refused = await gql(
      url,
      REFUSE,
      { input: { taskId: lease!.taskId, leaseToken: lease!.token, code: 'BAD_SIGNATURE', reason: 'the signature does not match' } },
      otherWorker.token,
    );
    expect(refused.refuseTask).toMatchObject({ __typename: 'MutationRefuseTaskSuccess', data: { task: { status: 'QUEUED', attempts: 0 } } });
    const again = await gql(url, REFUSE, { input: { taskId: lease!.taskId, leaseToken: lease!.token, code: 'BAD_SIGNATURE', reason: 'again' } }, otherWorker.token);
    expect(again.refuseTask.__typename).toBe('StaleLeaseError');
    expect(await leaseWith(otherWorker.token)).toBeNull();
    const next = await leaseWith(ownWorker.token);
    expect(next).toMatchObject({ taskId: lease!.taskId, campaignId: campaign.data.id, attempt: 1 });
    const admin = await gql(url, 'query ($id: ID!) { node(id: $id) { ... on Task { attempts status } } }', { id: lease!.taskId }, ADMIN_TOKEN);
    expect(admin.node).toEqual({ attempts: 1, status: 'LEASED' });
  });
});
