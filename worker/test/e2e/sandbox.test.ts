// Hostile scripts, each run by the real worker (sandboxed, with small limits) against a real API:
// every one fails with a reason that says why, and none reaches the network, reads or writes
// anything outside its folder, or leaves a process behind.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiProcess, startApi } from '../helpers/api.ts';
import { sandboxHere } from '../helpers/executor.ts';
import { artifactFile, credentialsFile, processesMentioning } from '../helpers/files.ts';
import { gql, type TaskView } from '../helpers/platform.ts';
import { runTask, scriptsFolder } from '../helpers/scripts.ts';
import { tempDir } from '../helpers/temp.ts';
import { waitUntil } from '../helpers/wait.ts';
import { newHome, startWorker, type WorkerProcess } from '../helpers/worker.ts';

const SCRIPTS = {
  'net-connect': 'net_connect.py',
  'read-secrets': 'read_secrets.py',
  'write-outside': 'write_outside.py',
  'fork-bomb': 'fork_bomb.py',
  'memory-hog': 'memory_hog.py',
  'setsid-escape': 'setsid_escape.py',
} as const;
const MEMORY_LIMIT_MB = 1024;
const MAX_PROCESSES = 32;

const sandbox = await sandboxHere();
const skip = sandbox.status.available ? '' : ` (skipped: no sandbox here: ${sandbox.status.reason})`;

let api: ApiProcess;
let worker: WorkerProcess;
const home = newHome();

beforeAll(async () => {
  if (skip) return;
  api = await startApi({ scriptsDir: scriptsFolder(SCRIPTS), leaseTtlS: 10 });
  worker = startWorker({
    server: api.url,
    home,
    args: ['--memory-limit', String(MEMORY_LIMIT_MB), '--max-processes', String(MAX_PROCESSES), '--max-file-size', '64', '--tmp-size', '32'],
  });
  await worker.waitForLog((line) => line.msg === 'worker ready', 60_000, 'the worker to be ready');
});

afterAll(async () => {
  worker?.signal('SIGKILL');
  await api?.dispose();
});

/** Everything the API kept of a task's attempt: where a leak would show. */
function reported(task: TaskView): string {
  const run = task.history[0]!;
  return [task.failureReason, run.error, run.stdoutTail, run.stderrTail, JSON.stringify(run.metrics)].join('\n');
}

function marker(name: string): string {
  return `xeenet-${name}-${Math.random().toString(16).slice(2)}`;
}

describe.skipIf(Boolean(skip))(`hostile scripts in the sandbox${skip}`, () => {
  it('cannot reach the network: not a port this machine listens on, not over loopback, not DNS', async () => {
    const connections: string[] = [];
    const listener = net.createServer((socket) => {
      connections.push(String(socket.remoteAddress));
      socket.destroy();
    });
    await new Promise<void>((resolve) => listener.listen(0, '0.0.0.0', resolve));
    const { port } = listener.address() as net.AddressInfo;
    // This machine's own non-loopback address, when it has one (else loopback again).
    const host = Object.values(os.networkInterfaces()).flat().find((entry) => entry && entry.family === 'IPv4' && !entry.internal)?.address ?? '127.0.0.1';
    try {
      const done = await runTask(api, 'net-connect', { config: { port, host } });
      expect(done.status).toBe('FAILED');
      expect(done.failureReason).toContain('no network from here');
      expect(done.failureReason).toMatch(/Network is unreachable|Connection refused/);
      // A listener the host really has got nothing.
      expect(connections).toEqual([]);
    } finally {
      listener.close();
    }
  });

  it('cannot read the worker’s credentials, the user’s home or the system’s secrets', async () => {
    const token = JSON.parse(readFileSync(credentialsFile(home), 'utf8')).servers[api.url].real.token as string;
    const done = await runTask(api, 'read-secrets', {
      config: { credentials: credentialsFile(home), home: os.homedir(), state: path.join(home, 'state') },
    });
    expect(done.status).toBe('FAILED');
    expect(done.failureReason).toContain('nothing to steal');
    expect(done.failureReason).toMatch(/credentials\.json: No such file or directory/);
    expect(done.failureReason).toMatch(/\/etc\/shadow: No such file or directory/);
    const text = reported(done);
    expect(text).not.toContain(token);
    expect(text).not.toContain('"stolen"');
  });

  it('cannot write outside its folder: not the host, the worker’s state, its script, its dataset or the system', async () => {
    const outside = tempDir('xeenet-outside-');
    const before = readdirSync(path.join(home, 'state')).sort();
    const datasets = await gql(api, `{ artifacts(first: 50, kind: DATASET) { edges { node { sha256 } } } }`);
    const done = await runTask(api, 'write-outside', { config: { outside, state: path.join(home, 'state') } });
    expect(done.status).toBe('FAILED');
    // Read-only mounts, or files the task's uid may not write: either way refused.
    expect(done.failureReason).toMatch(/refused .*\/xeenet\/script\/script\.py: (Read-only file system|Permission denied)/);
    expect(done.failureReason).toMatch(/\/xeenet\/data\/[0-9a-f]{64}: (Read-only file system|Permission denied)/);
    expect(done.failureReason).toMatch(/\/usr\/pwned\.txt: Read-only file system/);
    // Nothing appeared outside, the cached artifacts are intact.
    expect(readdirSync(outside)).toEqual([]);
    expect(existsSync(path.join(home, 'state', 'pwned.txt'))).toBe(false);
    expect(readdirSync(path.join(home, 'state')).sort()).toEqual(before);
    for (const { node } of datasets.artifacts.edges as { node: { sha256: string } }[]) {
      const cached = artifactFile(home, node.sha256);
      if (existsSync(cached)) expect(createHash('sha256').update(readFileSync(cached)).digest('hex')).toBe(node.sha256);
    }
    expect(existsSync('/usr/pwned.txt')).toBe(false);
  });

  it('a fork bomb hits the process limit, fails with that reason, and leaves no process behind', async () => {
    const name = marker('fork-bomb');
    // It ends when it hits the limit; the budget only bounds a machine too busy to fork quickly.
    const done = await runTask(api, 'fork-bomb', { config: { marker: name }, budgetS: 10 });
    expect(done.status).toBe('FAILED');
    expect(done.failureReason).toContain('Resource temporarily unavailable');
    expect(done.failureReason).toMatch(/\(the task may run at most \d+ processes and threads\)/);
    await waitUntil(() => processesMentioning(name).length === 0, 5000, 'every process of the fork bomb to be gone');
  });

  it('a script that allocates far beyond the memory cap fails with the limit named', async () => {
    const done = await runTask(api, 'memory-hog');
    expect(done.status).toBe('FAILED');
    expect(done.failureReason).toContain(`(the task's memory limit is ${MEMORY_LIMIT_MB} MiB)`);
    expect(done.failureReason).toContain('MemoryError');
  });

  it('a child started in a session of its own dies with the task', async () => {
    const name = marker('setsid');
    const done = await runTask(api, 'setsid-escape', { config: { marker: name } });
    expect(done.status).toBe('FAILED');
    expect(done.failureReason).toContain('started a detached child');
    await waitUntil(() => processesMentioning(name).length === 0, 5000, 'the detached child to be gone');
  });
});
