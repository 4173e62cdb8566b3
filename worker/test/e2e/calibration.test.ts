// A real worker measures its training speed at start (real PyTorch, a few seconds), reports it,
// gets a compute task whose wall-clock cap the API fitted to that speed, hands the script its
// budget_tokens, and refreshes the speed from the task's own throughput.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiProcess, startApi } from '../helpers/api.ts';
import { gql, TINY_SPACE } from '../helpers/platform.ts';
import { testDataset } from '../helpers/paths.ts';
import { newHome, startWorker } from '../helpers/worker.ts';

let api: ApiProcess;

beforeAll(async () => {
  api = await startApi();
});

afterAll(async () => {
  await api?.dispose();
});

// 16,384 tokens = 32 steps of char-tiny at batch 16 x block 32.
const TOKENS = 16_384;
const MAX_WALL_S = 300;

describe('calibration', () => {
  it('measures the machine at start, reports it, and the compute task gets a cap fitted to it', async () => {
    const submitted = await gql(
      api,
      `mutation ($input: SubmitBriefInput!) { submitBrief(input: $input) { __typename ... on MutationSubmitBriefSuccess { data { id budget { kind unit amount } } } ... on Error { message } } }`,
      {
        input: {
          name: 'calibrated compute',
          hypothesis: 'A compute task trains exactly its tokens on any machine.',
          script: 'char-tiny',
          dataset: testDataset(),
          searchSpace: TINY_SPACE,
          taskCount: 1,
          budget: { kind: 'COMPUTE', amount: TOKENS, maxWallS: MAX_WALL_S },
        },
      },
    );
    expect(submitted.submitBrief.data.budget).toEqual({ kind: 'COMPUTE', unit: 'TOKENS', amount: TOKENS });

    const worker = startWorker({ server: api.url, home: newHome(), args: ['--max-tasks', '1', '--name', 'calibrated'] });
    const exit = await worker.exited;
    expect(exit, worker.stderr()).toEqual({ code: 0, signal: null });

    const measured = worker.logs.find((line) => line.msg === 'measured this machine’s training speed');
    expect(measured, worker.stdout()).toBeDefined();
    expect(measured!.tokensPerS).toBeGreaterThan(0);
    expect(measured!.flopsPerS).toBeGreaterThan(measured!.tokensPerS);
    const reports = worker.logs.filter((line) => line.msg === 'reported this machine’s training speed');
    expect(reports[0]).toMatchObject({ source: 'CALIBRATION', tokensPerS: expect.any(Number) });
    // Reported before the lease: the lease that followed was fitted to it.
    const leasedAt = worker.logs.findIndex((line) => line.msg === 'task leased');
    expect(worker.logs.indexOf(reports[0]!)).toBeLessThan(leasedAt);

    const view = await gql(
      api,
      `query ($id: ID!) { campaign(id: $id) { stats { succeeded } tasks(first: 1) { edges { node { leaseCapS budgetS result { metrics hardwareClass } } } } } }`,
      { id: submitted.submitBrief.data.id },
    );
    const task = view.campaign.tasks.edges[0].node;
    expect(view.campaign.stats.succeeded, worker.stderr()).toBe(1);
    const calibrated = reports[0]!.tokensPerS as number;
    // The cap is the expected training time at the calibrated speed x 3 + 15 s, at most the brief's cap.
    expect(task.leaseCapS).toBe(Math.min(MAX_WALL_S, Math.ceil((TOKENS / calibrated) * 3 + 15)));
    expect(task.budgetS).toBe(MAX_WALL_S);
    const metrics = task.result.metrics as Record<string, any>;
    expect(metrics).toMatchObject({ stop_reason: 'compute_budget', tokens: TOKENS, budget: { kind: 'compute', unit: 'tokens', amount: TOKENS, cap_s: task.leaseCapS } });
    expect(task.result.hardwareClass).toMatch(/^cpu\|torch [^|]+\|[^|]+\/[^|]+\|\d+ threads$/);

    // The task's own throughput replaced the calibration's figure for its unit.
    const refreshed = reports.find((line) => line.source === 'TASKS');
    expect(refreshed, worker.stdout()).toMatchObject({ tokensPerS: metrics.tokens_per_s });
    const fleet = await gql(api, '{ workers(first: 5) { edges { node { name speed { tokensPerS source } } } } }');
    const me = fleet.workers.edges.find((edge: { node: { name: string } }) => edge.node.name === 'calibrated').node;
    expect(me.speed).toEqual({ tokensPerS: metrics.tokens_per_s, source: 'TASKS' });
    console.log(`calibration: ${Math.round(calibrated)} tokens/s in ${measured!.ms} ms; the task ran at ${Math.round(metrics.tokens_per_s)} tokens/s; cap ${task.leaseCapS} s of ${MAX_WALL_S}`);
  }, 180_000);
});
