// --simulate: no Python at all, results marked simulated end to end, excluded from bests and
// leaderboards, earning nothing; only campaigns that allow simulation hand out tasks.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiProcess, startApi } from '../helpers/api.ts';
import { campaign, gql, leaderboard, submitBrief, task, workers } from '../helpers/platform.ts';
import { newHome, startWorker } from '../helpers/worker.ts';

let api: ApiProcess;

beforeAll(async () => {
  api = await startApi({ leaseTtlS: 10 });
});

afterAll(async () => {
  await api?.dispose();
});

describe('a simulating worker', () => {
  it('takes only allowSimulated tasks, marks every result simulated, and earns nothing', async () => {
    const real = await submitBrief(api, { name: 'real only', taskCount: 1, budgetS: 2 });
    const demo = await submitBrief(api, { name: 'demo', taskCount: 2, budgetS: 2, allowSimulated: true });
    const w = startWorker({
      server: api.url,
      home: newHome(),
      args: ['--simulate', '--max-tasks', '2', '--name', 'demo-machine'],
      // No Python is needed (or looked for): this interpreter does not exist.
      env: { XEENET_PYTHON: '/nonexistent/python3' },
    });
    const exit = await w.exited;
    expect(exit, w.stderr()).toEqual({ code: 0, signal: null });
    expect(w.stdout()).toContain('SIMULATED MODE');
    expect(w.logs.some((line) => line.msg === 'looking for Python with PyTorch')).toBe(false);

    const demoView = await campaign(api, demo.id);
    expect(demoView.stats).toMatchObject({ succeeded: 2, simulated: 2, bestValBpb: null });
    for (const { id } of demoView.tasks) {
      const detail = await task(api, id);
      expect(detail.simulated).toBe(true);
      const [run] = detail.history;
      expect(run).toMatchObject({ outcome: 'SUCCEEDED', simulated: true, steps: 0 });
      expect(run!.metrics).toMatchObject({ simulated: true });
      expect(String(run!.metrics!.note)).toContain('SIMULATED');
      expect(run!.stdoutTail).toContain('SIMULATED');
    }
    // Never spawned anything, earned nothing.
    const startedLines = w.logs.filter((line) => line.msg === 'task started');
    expect(startedLines).toHaveLength(2);
    expect(startedLines.every((line) => line.pid === undefined || line.pid === null)).toBe(true);
    expect(w.logs.filter((line) => line.msg === 'result delivered').map((line) => line.creditsEarned)).toEqual([0, 0]);
    // Its account (a new volunteer account, as it registered without --token) is not on the
    // leaderboard at all: the query lists only accounts with payouts, so presence means it was paid.
    const fleet = await gql(api, `{ workers(first: 100) { edges { node { name owner { id } } } } }`);
    const owner = fleet.workers.edges.map((edge: { node: { name: string; owner: { id: string } } }) => edge.node).find((node: { name: string }) => node.name === 'demo-machine').owner.id as string;
    const board = await gql(api, `{ leaderboard(first: 100) { account { id } name } }`);
    expect(board.leaderboard.map((entry: { account: { id: string } }) => entry.account.id)).not.toContain(owner);
    expect((await leaderboard(api)).map((entry) => entry.name)).not.toContain('demo-machine');

    // Every JSON log line says it comes from a simulating worker.
    expect(w.logs.length).toBeGreaterThan(5);
    expect(w.logs.filter((line) => line.simulated !== true)).toEqual([]);

    // The campaign that does not allow simulation was left alone.
    const realView = await campaign(api, real.id);
    expect(realView.tasks[0]).toMatchObject({ status: 'QUEUED', attempts: 0 });
    expect((await workers(api)).find((entry) => entry.name === 'demo-machine')).toMatchObject({ simulated: true, hardware: { device: 'simulated' } });
  });
});
