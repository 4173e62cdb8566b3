// kill -9 of a worker mid-task: its Python dies with it, the lease expires, another worker
// completes the task, and exactly one result is accepted.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type ApiProcess, startApi } from '../helpers/api.ts';
import { processesMentioning } from '../helpers/files.ts';
import { campaign, submitBrief, task, TRAIN_BUDGET_S } from '../helpers/platform.ts';
import { waitUntil } from '../helpers/wait.ts';
import { newHome, processAlive, startWorker, type WorkerProcess } from '../helpers/worker.ts';

let api: ApiProcess;
const started: WorkerProcess[] = [];

beforeAll(async () => {
  api = await startApi({ leaseTtlS: 5, reaperIntervalMs: 500 });
});

afterEach(() => {
  for (const process of started.splice(0)) process.signal('SIGKILL');
});

afterAll(async () => {
  await api?.dispose();
});

describe('a worker killed with SIGKILL mid-task', () => {
  it('leaves no Python behind; the lease expires and a second worker completes the task exactly once', async () => {
    const created = await submitBrief(api, { taskCount: 1, budgetS: TRAIN_BUDGET_S, maxAttempts: 3 });
    const homeA = newHome();
    const a = startWorker({ server: api.url, home: homeA, args: ['--name', 'worker-a'] });
    started.push(a);
    const running = await a.waitForLog((line) => line.msg === 'task started', 30_000, 'worker A to start the task');
    const pid = running.pid as number;
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(processAlive(pid)).toBe(true);

    a.proc.kill('SIGKILL');
    await a.exited;
    // The kernel kills the task with its parent (PR_SET_PDEATHSIG): no orphan, not even briefly.
    await waitUntil(() => !processAlive(pid), 2000, 'worker A’s Python to die with it');
    expect(processesMentioning(homeA)).toEqual([]);

    const b = startWorker({ server: api.url, args: ['--name', 'worker-b'] });
    started.push(b);
    const [taskId] = (await campaign(api, created.id)).tasks.map((t) => t.id);
    const done = await waitUntil(
      async () => {
        const view = await task(api, taskId!);
        return view.status === 'SUCCEEDED' ? view : null;
      },
      60_000,
      'worker B to complete the task',
      250,
    );

    // Attempt 1 (worker A) expired without a result; attempt 2 (worker B) is the one accepted result.
    expect(done.history.map((run) => [run.outcome, run.accepted])).toEqual([
      ['EXPIRED', false],
      ['SUCCEEDED', true],
    ]);
    expect(done.history.filter((run) => run.accepted)).toHaveLength(1);
    expect(done.worker?.name).toBe('worker-b');
    expect(done.attempts).toBe(2);
    const bStarted = b.logs.find((line) => line.msg === 'task started');
    expect(bStarted?.taskId).toBe(taskId);
    expect(bStarted?.attempt).toBe(2);
  });
});
