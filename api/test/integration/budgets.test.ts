// Wall and compute budgets end to end over the real API: briefs of both kinds (and the field
// errors of bad ones), the quote, leases whose cap follows the worker's reported speed, the
// slow-machine skip, wall campaigns kept to one hardware class, and results' hardware classes in
// the campaign stats. Against PostgreSQL and PGlite.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DATABASES, startTestApp, type TestApp } from '../helpers/app.ts';
import { gql, request } from '../helpers/graphql.ts';
import { COMPLETE, createAccount, registerWorker, SEARCH_SPACE } from '../helpers/platform.ts';

const SUBMIT = `mutation ($input: SubmitBriefInput!) {
  submitBrief(input: $input) {
    __typename
    ... on MutationSubmitBriefSuccess { data { id costCredits budgetS budget { kind seconds hardware unit amount maxWallS } } }
    ... on ValidationError { message fieldErrors { path message } }
    ... on Error { message }
  }
}`;

const LEASE = `mutation {
  leaseTask {
    __typename
    ... on MutationLeaseTaskSuccess { data { reason lease { token taskId budgetS budget { kind unit amount capS maxWallS } } } }
    ... on Error { message }
  }
}`;

const SPEED = `mutation ($input: WorkerSpeedInput!) {
  reportWorkerSpeed(input: $input) {
    __typename
    ... on MutationReportWorkerSpeedSuccess { data { speed { tokensPerS flopsPerS source measuredAt } } }
    ... on ValidationError { fieldErrors { path message } }
    ... on Error { message }
  }
}`;

const CAMPAIGN = `query ($id: ID!) {
  campaign(id: $id) {
    hardwareClasses
    stats { succeeded hardwareClasses mixedHardware bestValBpb }
    tasks(first: 10) { edges { node { budgetS leaseCapS hardwareClass budget { kind amount maxWallS } result { hardwareClass } } } }
  }
}`;

function brief(overrides: Record<string, unknown> = {}) {
  return {
    name: 'budget test',
    hypothesis: 'A fixed amount of compute makes results comparable across machines.',
    script: 'fixture-script',
    dataset: 'brown',
    searchSpace: SEARCH_SPACE,
    taskCount: 2,
    seed: 3,
    ...overrides,
  };
}

/** A result line as a CPU run of the real scripts prints it (hardware fields included). */
function resultLine(threads: number, valBpb: number) {
  return {
    valBpb,
    trainLoss: 1.8,
    steps: 320,
    wallS: 3.1,
    stdoutTail: '{"type":"result"}',
    metrics: {
      type: 'result',
      val_bpb: valBpb,
      device: 'cpu',
      num_threads: threads,
      torch_version: '1.13.1',
      cpu_kernels: { aten: 'AVX2', openblas: 'Cooperlake' },
      replay: { budget_tokens: 327680, device: 'cpu', num_threads: threads },
    },
  };
}

describe.each(DATABASES)('budgets on %s', (database) => {
  let app: TestApp;
  let url: string;
  let researcher: { token: string; id: string };
  const campaigns: string[] = [];

  async function submit(overrides: Record<string, unknown> = {}) {
    const result = (await gql(url, SUBMIT, { input: brief(overrides) }, researcher.token)).submitBrief;
    if (result.__typename === 'MutationSubmitBriefSuccess') campaigns.push(result.data.id);
    return result;
  }

  async function leaseOne(token: string) {
    const result = (await gql(url, LEASE, {}, token)).leaseTask;
    expect(result.__typename).toBe('MutationLeaseTaskSuccess');
    return result.data as { reason: string | null; lease: { token: string; taskId: string; budgetS: number; budget: Record<string, unknown> } | null };
  }

  async function registerMachine(name: string, device: string) {
    const data = await gql(
      url,
      `mutation ($input: RegisterWorkerInput!) { registerWorker(input: $input) { ... on MutationRegisterWorkerSuccess { data { token } } ... on Error { message } } }`,
      { input: { name, hardware: { cpu: 'test', cores: 8, device } } },
    );
    return data.registerWorker.data.token as string;
  }

  async function campaignCount() {
    return (await gql(url, '{ campaigns(mine: true) { totalCount } }', {}, researcher.token)).campaigns.totalCount as number;
  }

  beforeAll(async () => {
    app = await startTestApp(database);
    url = app.graphqlUrl;
    researcher = await createAccount(url, 'Budgets');
  });
  afterEach(async () => {
    for (const id of campaigns.splice(0)) {
      await gql(url, 'mutation ($id: ID!) { cancelCampaign(id: $id) { __typename } }', { id }, researcher.token);
    }
  });
  afterAll(() => app?.stop());

  it('gives a new brief a compute budget in the script’s unit, keeps budgetS-only briefs on wall, and prices both', async () => {
    const compute = await submit();
    expect(compute).toMatchObject({
      __typename: 'MutationSubmitBriefSuccess',
      // 327,680 tokens at 10 credits per million tokens: 3.3 → 4 per task.
      data: { costCredits: 8, budgetS: 3600, budget: { kind: 'COMPUTE', unit: 'TOKENS', amount: 327680, maxWallS: 3600, seconds: null, hardware: null } },
    });
    const legacy = await submit({ budgetS: 5 });
    expect(legacy.data).toMatchObject({ costCredits: 10, budgetS: 5, budget: { kind: 'WALL', seconds: 5, hardware: 'CPU', unit: null, amount: null } });
    const gpu = await submit({ budget: { kind: 'WALL', seconds: 5, hardware: 'GPU' } });
    expect(gpu.data).toMatchObject({ costCredits: 40, budget: { kind: 'WALL', seconds: 5, hardware: 'GPU' } });
    const flops = await submit({ script: 'fixture-flops', budget: { amount: 1e12, maxWallS: 300 } });
    expect(flops.data).toMatchObject({ costCredits: 36, budgetS: 300, budget: { kind: 'COMPUTE', unit: 'FLOPS', amount: 1e12, maxWallS: 300 } });

    const QUOTE = `query ($script: String, $budget: BudgetInput, $budgetS: Int) {
      estimateCampaignCost(taskCount: 10, script: $script, budget: $budget, budgetS: $budgetS) {
        perTask total creditsPerTaskSecond creditsPerComputeUnit budget { kind unit amount }
      }
    }`;
    const quote = async (variables: Record<string, unknown>) => (await gql(url, QUOTE, variables, researcher.token)).estimateCampaignCost;
    expect(await quote({ script: 'fixture-flops' })).toMatchObject({ perTask: 9, total: 90, creditsPerComputeUnit: 18, budget: { kind: 'COMPUTE', unit: 'FLOPS', amount: 5e11 } });
    expect(await quote({ budgetS: 9 })).toMatchObject({ perTask: 9, total: 90, creditsPerTaskSecond: 1, budget: { kind: 'WALL' } });
    expect(await quote({ budgetS: 0 })).toMatchObject({ perTask: 0, total: 0 });
    expect(await quote({ budget: { kind: 'WALL', seconds: 9, hardware: 'GPU' } })).toMatchObject({ perTask: 36, creditsPerTaskSecond: 4 });
    const refused = await request(url, QUOTE, { script: 'fixture-wall-only', budget: { kind: 'COMPUTE' } }, researcher.token);
    expect(refused.errors?.[0]).toMatchObject({
      message: 'budget.kind: this training script does not accept compute budgets (it accepts: wall)',
      extensions: { code: 'VALIDATION' },
    });
  });

  it('refuses bad budgets with field errors and creates nothing', async () => {
    const before = await campaignCount();
    const balance = (await gql(url, '{ me { balance } }', {}, researcher.token)).me.balance;
    const cases: [Record<string, unknown>, string[], string][] = [
      [{ script: 'fixture-wall-only', budget: { kind: 'COMPUTE', amount: 1000 } }, ['budget', 'kind'], 'this training script does not accept compute budgets (it accepts: wall)'],
      [{ script: 'fixture-flops', budget: { kind: 'WALL', seconds: 5 } }, ['budget', 'kind'], 'this training script does not accept wall budgets (it accepts: compute)'],
      [{ budget: { kind: 'COMPUTE', amount: 0 } }, ['budget', 'amount'], 'must be a positive number of training tokens, got 0'],
      [{ budget: { kind: 'COMPUTE', amount: -1 } }, ['budget', 'amount'], 'must be a positive number of training tokens, got -1'],
      [{ budget: { kind: 'COMPUTE', amount: 100.5 } }, ['budget', 'amount'], 'must be a whole number of tokens, got 100.5'],
      [{ budget: { kind: 'COMPUTE', maxWallS: -3 } }, ['budget', 'maxWallS'], 'must be a positive whole number of seconds, got -3'],
      [{ budget: { kind: 'WALL', seconds: 0 } }, ['budget', 'seconds'], 'must be a positive whole number of seconds, got 0'],
      [{ budget: { kind: 'COMPUTE', seconds: 5 } }, ['budget', 'seconds'], 'is for wall budgets; a compute budget’s wall-clock cap is maxWallS'],
    ];
    for (const [overrides, path, message] of cases) {
      const result = await submit(overrides);
      expect(result.__typename, JSON.stringify(overrides)).toBe('ValidationError');
      expect(result.fieldErrors).toEqual([{ path, message }]);
    }
    // An unknown kind never reaches the service: the enum is the schema's.
    const unknown = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${researcher.token}` },
      body: JSON.stringify({ query: SUBMIT, variables: { input: brief({ budget: { kind: 'GPU_HOURS' } }) } }),
    });
    expect(unknown.status).toBe(400);
    expect(JSON.stringify(await unknown.json())).toContain('GPU_HOURS');
    expect(await campaignCount()).toBe(before);
    expect((await gql(url, '{ me { balance } }', {}, researcher.token)).me.balance).toBe(balance);
  });

  it('hands compute tasks to the script with a cap fitted to the worker’s reported speed, and skips a machine too slow to finish', async () => {
    const fast = await registerWorker(url, 'fast-machine');
    const slow = await registerWorker(url, 'slow-machine');
    const uncalibrated = await registerWorker(url, 'new-machine');
    const created = await submit({ taskCount: 3, budget: { amount: 327680, maxWallS: 600 } });
    expect(created.__typename).toBe('MutationSubmitBriefSuccess');

    // No speed known: the whole cap.
    const first = await leaseOne(uncalibrated.token);
    expect(first.lease).toMatchObject({ budgetS: 600, budget: { kind: 'COMPUTE', unit: 'TOKENS', amount: 327680, capS: 600, maxWallS: 600 } });

    // 100,000 tokens/s: 3.28 s of training × 3 + 15 s → a 25 s cap.
    const reported = (await gql(url, SPEED, { input: { tokensPerS: 100_000, flopsPerS: 4e10, source: 'CALIBRATION' } }, fast.token)).reportWorkerSpeed;
    expect(reported.data.speed).toMatchObject({ tokensPerS: 100_000, flopsPerS: 4e10, source: 'CALIBRATION' });
    const second = await leaseOne(fast.token);
    expect(second.lease).toMatchObject({ budgetS: 25, budget: { capS: 25, maxWallS: 600 } });

    // 100 tokens/s: 3,277 s of training > 600 s: not leased, with the reason; the task waits for another.
    await gql(url, SPEED, { input: { tokensPerS: 100, source: 'CALIBRATION' } }, slow.token);
    expect(await leaseOne(slow.token)).toEqual({ lease: null, reason: 'TOO_SLOW' });
    // Real tasks refresh the figure: 1,000 tokens/s fits (328 s + 15 ≤ 600); its cap is the task's.
    await gql(url, SPEED, { input: { tokensPerS: 1000, source: 'TASKS' } }, slow.token);
    const third = await leaseOne(slow.token);
    expect(third.lease).toMatchObject({ budgetS: 600, budget: { capS: 600 } });
    expect(await leaseOne(fast.token)).toEqual({ lease: null, reason: 'QUEUE_EMPTY' });

    const view = (await gql(url, CAMPAIGN, { id: created.data.id }, researcher.token)).campaign;
    expect(view.tasks.edges.map((e: { node: { leaseCapS: number } }) => e.node.leaseCapS).sort((a: number, b: number) => a - b)).toEqual([25, 600, 600]);

    // Bad speeds are field errors and change nothing.
    const bad = (await gql(url, SPEED, { input: { tokensPerS: -1, source: 'TASKS' } }, fast.token)).reportWorkerSpeed;
    expect(bad.fieldErrors).toEqual([{ path: ['tokensPerS'], message: 'tokensPerS must be positive' }]);
    const none = (await gql(url, SPEED, { input: { source: 'TASKS' } }, fast.token)).reportWorkerSpeed;
    expect(none.fieldErrors[0].path).toEqual(['tokensPerS']);
    const fleet = await gql(url, '{ workers(first: 50) { edges { node { name speed { tokensPerS source } } } } }', {}, researcher.token);
    const fastView = fleet.workers.edges.find((e: { node: { name: string } }) => e.node.name === 'fast-machine').node;
    expect(fastView.speed).toEqual({ tokensPerS: 100_000, source: 'CALIBRATION' });
  });

  it('keeps a wall campaign on its hardware class and says when its results mix classes', async () => {
    const cpuA = await registerWorker(url, 'cpu-2-threads');
    const gpuToken = await registerMachine('gpu-machine', 'cuda');
    const gpuBrief = await submit({ taskCount: 1, budget: { kind: 'WALL', seconds: 5, hardware: 'GPU' } });
    expect(await leaseOne(cpuA.token)).toEqual({ lease: null, reason: 'OTHER_HARDWARE' });
    const onGpu = await leaseOne(gpuToken);
    expect(onGpu.lease).toMatchObject({ budgetS: 5, budget: { kind: 'WALL' } });
    const paid = (await gql(url, COMPLETE, { input: { taskId: onGpu.lease!.taskId, leaseToken: onGpu.lease!.token, result: resultLine(2, 2.6) } }, gpuToken)).completeTask;
    expect(paid.data.creditsEarned).toBe(20);
    campaigns.splice(campaigns.indexOf(gpuBrief.data.id), 1);

    const wall = await submit({ taskCount: 2, budgetS: 5 });
    const compute = await submit({ taskCount: 2 });
    const [a, b] = [await leaseOne(cpuA.token), await leaseOne(cpuA.token)];
    await gql(url, COMPLETE, { input: { taskId: a.lease!.taskId, leaseToken: a.lease!.token, result: resultLine(2, 2.5) } }, cpuA.token);
    await gql(url, COMPLETE, { input: { taskId: b.lease!.taskId, leaseToken: b.lease!.token, result: resultLine(1, 2.7) } }, cpuA.token);
    const [c, d] = [await leaseOne(cpuA.token), await leaseOne(cpuA.token)];
    for (const [grant, threads] of [[c, 2], [d, 1]] as const) {
      const done = (await gql(url, COMPLETE, { input: { taskId: grant.lease!.taskId, leaseToken: grant.lease!.token, result: resultLine(threads, 2.55) } }, cpuA.token)).completeTask;
      expect(done.data.creditsEarned).toBe(4);
    }

    const wallView = (await gql(url, CAMPAIGN, { id: wall.data.id }, researcher.token)).campaign;
    const classes = ['cpu|torch 1.13.1|AVX2/Cooperlake|1 threads', 'cpu|torch 1.13.1|AVX2/Cooperlake|2 threads'];
    expect(wallView.hardwareClasses).toEqual(classes);
    expect(wallView.stats).toMatchObject({ succeeded: 2, hardwareClasses: classes, mixedHardware: true, bestValBpb: 2.5 });
    expect(wallView.tasks.edges.map((e: { node: { hardwareClass: string; result: { hardwareClass: string } } }) => [e.node.hardwareClass, e.node.result.hardwareClass]).sort()).toEqual(
      classes.map((cls) => [cls, cls]),
    );
    // The same mix under a compute budget is comparable work: not flagged.
    const computeView = (await gql(url, CAMPAIGN, { id: compute.data.id }, researcher.token)).campaign;
    expect(computeView.stats).toMatchObject({ succeeded: 2, hardwareClasses: classes, mixedHardware: false });
    campaigns.splice(0);
  });
});
