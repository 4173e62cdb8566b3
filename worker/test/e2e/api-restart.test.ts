// The API goes away mid-task: training goes on, the result is written to the spool and delivered
// once the API is back — by the same worker after reconnecting, or by the next worker process.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type ApiProcess, startApi } from '../helpers/api.ts';
import { spoolEntries, spoolFiles } from '../helpers/files.ts';
import { campaign, cancelCampaign, submitBrief, task, TRAIN_BUDGET_S } from '../helpers/platform.ts';
import { waitUntil } from '../helpers/wait.ts';
import { newHome, startWorker, type WorkerProcess } from '../helpers/worker.ts';

let api: ApiProcess;
const started: WorkerProcess[] = [];
const campaigns: string[] = [];

beforeAll(async () => {
  api = await startApi({ leaseTtlS: 5, reaperIntervalMs: 500 });
});

afterEach(async () => {
  for (const process of started.splice(0)) process.signal('SIGKILL');
  await api.start().catch(() => {}); // a failed test may have left it down
  for (const id of campaigns.splice(0)) await cancelCampaign(api, id).catch(() => {});
});

afterAll(async () => {
  await api?.dispose();
});

async function oneTask(): Promise<string> {
  const created = await submitBrief(api, { taskCount: 1, budgetS: TRAIN_BUDGET_S });
  campaigns.push(created.id);
  return (await campaign(api, created.id)).tasks[0]!.id;
}

describe('the API restarts while a task runs', () => {
  it('the worker keeps training, spools the result and delivers it after reconnecting', async () => {
    const taskId = await oneTask();
    const home = newHome();
    const w = startWorker({ server: api.url, home });
    started.push(w);
    await w.waitForLog((line) => line.msg === 'task started', 30_000, 'the task to start');
    await api.kill();

    // Training goes on without the API; the result is on disk before anyone is told about it.
    const finished = await w.waitForLog((line) => line.msg === 'task finished', 30_000, 'the task to finish');
    expect(finished.outcome).toBe('complete');
    await waitUntil(() => spoolFiles(home).length === 1, 5000, 'the result to be spooled');
    const spooled = spoolEntries(home)[0]!;
    expect(spooled).toMatchObject({ taskId, report: { kind: 'complete' } });
    // Long enough for the 5 s lease to have expired meanwhile.
    await new Promise((resolve) => setTimeout(resolve, 2000));

    await api.start();
    const delivered = await w.waitForLog((line) => line.msg === 'result delivered', 60_000, 'the spooled result to be delivered');
    expect(delivered.taskId).toBe(taskId);
    expect(spoolFiles(home)).toEqual([]);

    const view = await task(api, taskId);
    expect(view.status).toBe('SUCCEEDED');
    const accepted = view.history.filter((run) => run.accepted);
    expect(accepted).toHaveLength(1);
    // It is the run from before the restart (the report went out before the worker leased again).
    expect(accepted[0]!.valBpb).toBe(spooled.report.input.result.valBpb);
    expect(w.logs.filter((line) => line.msg === 'task leased' && line.taskId === taskId)).toHaveLength(1);
  });

  it('a worker restarted while the API is down delivers the spooled result on its next start', async () => {
    const taskId = await oneTask();
    const home = newHome();
    const first = startWorker({ server: api.url, home });
    started.push(first);
    await first.waitForLog((line) => line.msg === 'task started', 30_000, 'the task to start');
    await api.kill();
    await first.waitForLog((line) => line.msg === 'task finished', 30_000, 'the task to finish');
    await waitUntil(() => spoolFiles(home).length === 1, 5000, 'the result to be spooled');
    // Stop it for good (twice: do not wait for the API); the spool keeps the result.
    first.signal('SIGTERM');
    await first.waitForLog((line) => line.msg.startsWith('stopping'), 5000);
    first.signal('SIGTERM');
    expect((await first.exited).code).toBe(143);
    const spooled = spoolEntries(home)[0]!;
    expect(spooled).toMatchObject({ taskId, report: { kind: 'complete' } });

    await api.start();
    const second = startWorker({ server: api.url, home });
    started.push(second);
    await second.waitForLog((line) => line.msg === 'result delivered' && line.taskId === taskId, 60_000, 'the replayed result');
    expect(spoolFiles(home)).toEqual([]);
    const view = await task(api, taskId);
    expect(view.status).toBe('SUCCEEDED');
    expect(view.history.filter((run) => run.accepted).map((run) => run.valBpb)).toEqual([spooled.report.input.result.valBpb]);
  });
});
