// Stopping while the worker waits on something outside itself — an artifact download that stalls,
// a Python probe that never answers: the stop must end the wait at once, not when it times out.
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiProcess, freePort, startApi } from '../helpers/api.ts';
import { campaign, cancelCampaign, submitBrief } from '../helpers/platform.ts';
import { waitUntil } from '../helpers/wait.ts';
import { newHome, processAlive, startWorker, type WorkerProcess } from '../helpers/worker.ts';
import { tempDir } from '../helpers/temp.ts';

let api: ApiProcess;
let proxy: http.Server;
const stalled = new Set<http.ServerResponse>();
const started: WorkerProcess[] = [];
const probes: number[] = [];

beforeAll(async () => {
  // Artifact links point here: requests are accepted and never answered.
  const port = await freePort();
  proxy = http.createServer((_req, res) => {
    stalled.add(res);
  });
  await new Promise<void>((resolve) => proxy.listen(port, '127.0.0.1', resolve));
  api = await startApi({ leaseTtlS: 10, publicUrl: `http://127.0.0.1:${port}` });
});

afterAll(async () => {
  for (const w of started) w.signal('SIGKILL');
  // A probe left behind only when the test fails.
  for (const pid of probes) if (processAlive(pid)) process.kill(pid, 'SIGKILL');
  for (const res of stalled) res.destroy();
  proxy?.closeAllConnections();
  proxy?.close();
  await api?.dispose();
});

/** Resolves with the exit, or fails if the worker is still running after ms. */
async function exitWithin(w: WorkerProcess, ms: number) {
  return waitUntil(() => (w.proc.exitCode !== null || w.proc.signalCode !== null ? w.exited : null), ms, 'the worker to exit');
}

describe('stopping while waiting', () => {
  it('a stop during a stalled artifact download ends it, gives the lease back and exits', async () => {
    const created = await submitBrief(api, { taskCount: 1, budgetS: 5 });
    const w = startWorker({ server: api.url, home: newHome() });
    started.push(w);
    const leased = await w.waitForLog((line) => line.msg === 'task leased', 60_000, 'the task to be leased');
    await waitUntil(() => stalled.size > 0, 10_000, 'the download to start');
    w.signal('SIGTERM');
    // Without the stop reaching fetch() this waits for the 10-minute download deadline.
    expect(await exitWithin(w, 15_000)).toEqual({ code: 0, signal: null });
    expect(w.logs.some((line) => line.msg === 'lease released' && line.taskId === leased.taskId)).toBe(true);
    expect(w.logs.some((line) => line.msg === 'task started')).toBe(false);
    const [only] = (await campaign(api, created.id)).tasks;
    expect(only).toMatchObject({ status: 'QUEUED', attempts: 0 });
    await cancelCampaign(api, created.id);
  });

  it('a stop while probing Python kills the probe and exits', async () => {
    // A "python" that never answers the probe (like an interpreter stuck importing a broken torch).
    const dir = tempDir('xeenet-stuck-python-');
    const python = path.join(dir, 'python3');
    writeFileSync(python, `#!/bin/sh\necho $$ >> '${dir}/pids'\nexec sleep 300\n`);
    chmodSync(python, 0o755);
    const w = startWorker({ server: api.url, home: newHome(), env: { XEENET_PYTHON: python } });
    started.push(w);
    await w.waitForLog((line) => line.msg === 'looking for Python with PyTorch', 30_000);
    const pidsFile = path.join(dir, 'pids');
    const [probe] = await waitUntil(() => existsSync(pidsFile) && readFileSync(pidsFile, 'utf8').trim().split('\n').map(Number), 10_000, 'the probe to start');
    probes.push(probe!);
    w.signal('SIGTERM');
    // Without the start-up signal reaching execFile this waits for the 120 s probe deadline.
    expect(await exitWithin(w, 15_000)).toEqual({ code: 143, signal: null });
    expect(w.stderr()).not.toContain('PyTorch was not found');
    await waitUntil(() => !processAlive(probe!), 3000, 'the probe to be killed');
  });
});
