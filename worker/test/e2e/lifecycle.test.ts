// Lease → train (real PyTorch, char-tiny) → complete against a real API process, the stored token,
// and both kinds of shutdown.
import { readFileSync, statSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type ApiProcess, startApi } from '../helpers/api.ts';
import { credentialsFile, processesMentioning, runDirs, spoolFiles } from '../helpers/files.ts';
import { campaign, cancelCampaign, submitBrief, task, TRAIN_BUDGET_S, workers } from '../helpers/platform.ts';
import { sandboxHere } from '../helpers/executor.ts';
import { newHome, processAlive, startWorker, type WorkerProcess } from '../helpers/worker.ts';

let api: ApiProcess;
const started: WorkerProcess[] = [];
const home = newHome();

function worker(args: string[], workerHome = home): WorkerProcess {
  const process = startWorker({ server: api.url, home: workerHome, args });
  started.push(process);
  return process;
}

beforeAll(async () => {
  api = await startApi({ leaseTtlS: 10 });
});

const campaigns: string[] = [];

async function brief(options: Parameters<typeof submitBrief>[1]) {
  const created = await submitBrief(api, options);
  campaigns.push(created.id);
  return created;
}

afterEach(async () => {
  for (const process of started.splice(0)) process.signal('SIGKILL');
  // Tasks a test left queued must not be leased by the next test's worker.
  for (const id of campaigns.splice(0)) await cancelCampaign(api, id).catch(() => {});
});

afterAll(async () => {
  await api?.dispose();
});

describe('a worker against a real API', () => {
  it('registers, leases, trains with PyTorch and completes every task, then exits after --max-tasks', async () => {
    const created = await brief({ taskCount: 2, budgetS: TRAIN_BUDGET_S });
    // A fixed warm lead: the adaptive one depends on how fast this machine imports torch right now.
    const w = worker(['--max-tasks', '2', '--name', 'lifecycle-worker', '--warm-lead', '5']);
    const exit = await w.exited;
    expect(exit, w.stderr()).toEqual({ code: 0, signal: null });

    const view = await campaign(api, created.id);
    expect(view.stats).toMatchObject({ total: 2, succeeded: 2, failed: 0, simulated: 0 });
    const torch = w.logs.find((line) => line.msg === 'using Python with PyTorch')!.torch;
    for (const { id } of view.tasks) {
      const detail = await task(api, id);
      expect(detail.history).toHaveLength(1);
      const [run] = detail.history;
      expect(run).toMatchObject({ outcome: 'SUCCEEDED', accepted: true, simulated: false });
      // Real numbers from a real run: the script's own result line, measured by torch.
      expect(run!.valBpb).toBeGreaterThan(0.5);
      expect(run!.valBpb).toBeLessThan(8);
      expect(run!.metrics).toMatchObject({ type: 'result', script: 'char-tiny', torch_version: torch, device: 'cpu' });
      expect(run!.steps).toBeGreaterThan(0);
      expect(run!.stdoutTail).toContain('"type":"result"');
    }

    const startedLines = w.logs.filter((line) => line.msg === 'task started');
    expect(startedLines).toHaveLength(2);
    // The second task was leased while the first ran, and handed to its interpreter right after it.
    expect(startedLines[1]!.prefetched).toBe(true);
    const finished = w.logs.filter((line) => line.msg === 'task finished');
    // Warm start: that interpreter was started (and imported torch) while the first task still ran,
    // and the worker handed it its task as soon as both were done (how long the import takes is the
    // machine's business: on a busy one it may outlast the first task).
    expect(finished[1]!.spawnedAtMs).toBeLessThan(finished[0]!.exitedAtMs);
    expect(finished[1]!.preloadS).toBeGreaterThan(0);
    expect(finished[1]!.startedAtMs - Math.max(finished[0]!.exitedAtMs, finished[1]!.readyAtMs)).toBeLessThan(500);
    // Every script ran in the sandbox where this machine has one.
    expect(w.logs.find((line) => line.msg === 'worker ready')!.sandboxed).toBe((await sandboxHere()).status.available);
    const delivered = w.logs.filter((line) => line.msg === 'result delivered');
    expect(delivered.map((line) => line.creditsEarned)).toEqual([TRAIN_BUDGET_S, TRAIN_BUDGET_S]);

    // Nothing left behind: no spool entry, no task folder; the token is kept privately and never logged.
    expect(spoolFiles(home)).toEqual([]);
    expect(runDirs(home)).toEqual([]);
    expect(statSync(credentialsFile(home)).mode & 0o777).toBe(0o600);
    const credentials = JSON.parse(readFileSync(credentialsFile(home), 'utf8'));
    const token = credentials.servers[api.url].real.token as string;
    expect(token.length).toBeGreaterThan(20);
    expect(w.stdout()).not.toContain(token);
    expect(w.stderr()).not.toContain(token);

    const fleet = await workers(api);
    expect(fleet.filter((entry) => entry.name === 'lifecycle-worker')).toHaveLength(1);
    expect(fleet[0]).toMatchObject({ name: 'lifecycle-worker', simulated: false, slots: 1, hardware: { torchVersion: torch, device: 'cpu' } });
  });

  it('reuses the stored token on the next start instead of registering again, and refreshes its profile', async () => {
    const created = await brief({ taskCount: 1, budgetS: TRAIN_BUDGET_S });
    const w = worker(['--max-tasks', '1', '--name', 'renamed-worker']);
    expect((await w.exited).code).toBe(0);
    expect(w.logs.some((line) => line.msg === 'using this machine’s stored token')).toBe(true);
    expect(w.logs.some((line) => line.msg === 'registered this machine')).toBe(false);
    expect((await campaign(api, created.id)).stats.succeeded).toBe(1);
    expect(await workers(api)).toHaveLength(1);
    expect(w.logs.find((line) => line.msg === 'using this machine’s stored token')!.workerId).toBe((await workers(api))[0]!.id);
    // The new --name reached the API (updateWorker) and the stored credential.
    expect(w.logs.some((line) => line.msg === 'updated this machine’s profile on the server')).toBe(true);
    expect((await workers(api))[0]).toMatchObject({ name: 'renamed-worker', slots: 1 });
    expect(JSON.parse(readFileSync(credentialsFile(home), 'utf8')).servers[api.url].real.name).toBe('renamed-worker');
  });

  it('--slots 2 runs two tasks at once, splitting the CPU threads between them', async () => {
    // Two interpreters importing torch at once on a small machine need more start-up time.
    const created = await brief({ taskCount: 2, budgetS: 2 * TRAIN_BUDGET_S });
    const w = worker(['--slots', '2', '--max-tasks', '2'], newHome());
    expect((await w.exited).code, w.stderr()).toBe(0);
    const view = await campaign(api, created.id);
    expect(view.stats.succeeded, JSON.stringify(w.logs.filter((line) => line.msg === 'task failed'))).toBe(2);
    const runs = w.logs.filter((line) => line.msg === 'task finished').sort((a, b) => a.startedAtMs - b.startedAtMs);
    expect(new Set(runs.map((line) => line.slot))).toEqual(new Set([1, 2]));
    // They overlapped in time.
    expect(runs[1]!.startedAtMs).toBeLessThan(runs[0]!.exitedAtMs);
    const cores = (await workers(api)).find((entry) => entry.slots === 2)!.hardware.cores as number;
    for (const { id } of view.tasks) {
      const detail = await task(api, id);
      expect(detail.history[0]!.metrics!.num_threads).toBe(Math.max(1, Math.floor(cores / 2)));
    }
  });

  it('first SIGTERM: the running task finishes and is reported; the lease taken ahead is given back', async () => {
    const created = await brief({ taskCount: 2, budgetS: TRAIN_BUDGET_S });
    const w = worker([]);
    const first = await w.waitForLog((line) => line.msg === 'task started', 30_000, 'the first task to start');
    await w.waitForLog((line) => line.msg === 'task leased' && line.prefetched === true, 10_000, 'the next task to be leased ahead');
    w.signal('SIGTERM');
    const exit = await w.exited;
    expect(exit, w.stderr()).toEqual({ code: 0, signal: null });

    const view = await campaign(api, created.id);
    const ran = view.tasks.find((t) => t.id === first.taskId)!;
    const other = view.tasks.find((t) => t.id !== first.taskId)!;
    expect(ran.status).toBe('SUCCEEDED');
    // Given back with releaseTask: queued again, the attempt not counted.
    expect(other).toMatchObject({ status: 'QUEUED', attempts: 0 });
    expect(w.logs.some((line) => line.msg === 'lease released' && line.taskId === other.id)).toBe(true);
    expect(spoolFiles(home)).toEqual([]);
  });

  it('second SIGTERM: kills the running task at once, releases its lease, leaves no Python', async () => {
    const created = await brief({ taskCount: 1, budgetS: 30 });
    const w = worker([]);
    const startedLine = await w.waitForLog((line) => line.msg === 'task started', 30_000, 'the task to start');
    const pid = startedLine.pid as number;
    await w.waitForLog((line) => line.msg === 'task leased', 5000);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(processAlive(pid)).toBe(true);
    const stopAt = Date.now();
    w.signal('SIGTERM');
    await w.waitForLog((line) => line.msg.startsWith('stopping'), 5000, 'the first stop to be acknowledged');
    w.signal('SIGTERM');
    const exit = await w.exited;
    expect(exit.code).toBe(143);
    expect(Date.now() - stopAt).toBeLessThan(10_000);
    expect(processAlive(pid)).toBe(false);
    expect(processesMentioning(home)).toEqual([]);

    const [only] = (await campaign(api, created.id)).tasks;
    expect(only).toMatchObject({ status: 'QUEUED', attempts: 0 });
    expect(w.logs.some((line) => line.msg === 'task killed for shutdown')).toBe(true);
    expect(spoolFiles(home)).toEqual([]);
  });
});
