// Scripts that misbehave, and artifacts that do not match their hash, against a real API serving
// a training-scripts folder made for this test. Artifacts reach the worker through a small proxy
// (the API's XEENET_PUBLIC_URL) that can flip a byte, as a broken mirror or an attacker would.
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiProcess, freePort, startApi } from '../helpers/api.ts';
import { FIXTURES, sandboxHere } from '../helpers/executor.ts';
import { artifactFile, credentialsFile } from '../helpers/files.ts';
import { campaign, cancelCampaign, gql, submitBrief, task, type TaskView } from '../helpers/platform.ts';
import { runTask, scriptsFolder } from '../helpers/scripts.ts';
import { waitUntil } from '../helpers/wait.ts';
import { newHome, processAlive, startWorker, type WorkerProcess } from '../helpers/worker.ts';

const SCRIPTS = {
  'env-probe': 'env_probe.py',
  'until-sigterm': 'until_sigterm.py',
  hang: 'hang.py',
  crash: 'crash.py',
  garbage: 'garbage.py',
  'bad-config': 'bad_config.py',
  'huge-bpb': 'huge_bpb.py',
  'prints-nul': 'prints_nul.py',
  'fresh-probe': 'fresh_probe.py',
} as const;

const sandboxed = (await sandboxHere()).status.available;
let api: ApiProcess;
let proxy: http.Server;
let corrupt = false;
let worker: WorkerProcess;
const home = newHome();

/** Forwards GET /artifacts/<sha> to the API; flips the first byte while `corrupt` is set. */
async function startProxy(target: () => string): Promise<{ server: http.Server; url: string }> {
  const port = await freePort();
  const server = http.createServer((req, res) => {
    fetch(`${target()}${req.url}`)
      .then(async (upstream) => {
        const bytes = Buffer.from(await upstream.arrayBuffer());
        if (corrupt && upstream.ok && bytes.length > 0) bytes[0] = bytes[0]! ^ 0xff;
        res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/octet-stream', 'content-length': bytes.length });
        res.end(bytes);
      })
      .catch(() => {
        res.writeHead(502);
        res.end();
      });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${port}` };
}

beforeAll(async () => {
  let apiUrl = '';
  const started = await startProxy(() => apiUrl);
  proxy = started.server;
  api = await startApi({
    // fresh-probe: the same program as env-probe, other bytes: an artifact this worker has never downloaded.
    scriptsDir: scriptsFolder({ ...SCRIPTS, 'fresh-probe': { file: 'fresh_probe.py', source: `# fresh copy\n${readFileSync(path.join(FIXTURES, 'env_probe.py'), 'utf8')}` } }),
    leaseTtlS: 10,
    publicUrl: started.url,
  });
  apiUrl = api.url;
  worker = startWorker({
    server: api.url,
    home,
    // Secrets in the worker's environment that must never reach a training script.
    env: { XEENET_ADMIN_TOKEN: 'xn_admin_secret_do_not_leak_000000', XEENET_SECRET: 'do-not-leak', AWS_SECRET_ACCESS_KEY: 'aws-do-not-leak' },
  });
  await worker.waitForLog((line) => line.msg === 'worker ready', 60_000, 'the worker to be ready');
});

afterAll(async () => {
  worker?.signal('SIGKILL');
  await api?.dispose();
  proxy?.close();
});

function runOne(script: keyof typeof SCRIPTS | 'fresh-probe', options: { budgetS?: number; maxAttempts?: number } = {}): Promise<TaskView> {
  return runTask(api, script, options);
}

describe('what the training subprocess sees', () => {
  it('a scrubbed environment: its own HOME and folder, no token, no XEENET_* variable', async () => {
    const done = await runOne('env-probe');
    expect(done.status).toBe('SUCCEEDED');
    const metrics = done.history[0]!.metrics as { env: Record<string, string>; cwd: string; argv: string[]; config: Record<string, unknown>; monotonic: number };
    const machineToken = JSON.parse(readFileSync(credentialsFile(home), 'utf8')).servers[api.url].real.token as string;
    const allowed = [
      'PATH', 'LANG', 'LC_ALL', 'LC_CTYPE', 'TZ', 'LD_LIBRARY_PATH', 'PYTHONPATH', 'CUDA_VISIBLE_DEVICES', 'CUDA_HOME',
      'HIP_VISIBLE_DEVICES', 'ROCR_VISIBLE_DEVICES', 'NVIDIA_VISIBLE_DEVICES', 'HOME', 'TMPDIR', 'PYTHONUNBUFFERED',
      'PYTHONDONTWRITEBYTECODE', 'PYTHONHASHSEED', 'PYTHONIOENCODING', 'PYTHONUSERBASE', 'OMP_NUM_THREADS', 'MKL_NUM_THREADS',
      'OPENBLAS_NUM_THREADS', 'OMP_WAIT_POLICY', 'LC_CTYPE', 'XEENET_BUDGET_CLOCK_START',
    ];
    // Python itself may add LC_CTYPE (PEP 538 locale coercion); nothing else is allowed.
    expect(Object.keys(metrics.env).filter((key) => !allowed.includes(key))).toEqual([]);
    // The one XEENET_ variable a script sees is the budget clock, set by the bootstrap at the handoff.
    expect(Object.keys(metrics.env).filter((key) => key.startsWith('XEENET_'))).toEqual(['XEENET_BUDGET_CLOCK_START']);
    const clockStart = Number(metrics.env.XEENET_BUDGET_CLOCK_START);
    expect(metrics.monotonic - clockStart).toBeGreaterThanOrEqual(0);
    expect(metrics.monotonic - clockStart).toBeLessThan(0.5);
    const values = Object.values(metrics.env).join('\n');
    for (const secret of [machineToken, 'xn_admin_secret_do_not_leak', 'do-not-leak', 'aws-do-not-leak']) expect(values).not.toContain(secret);
    expect(metrics.env.HOME).toBe(metrics.cwd);
    expect(metrics.env.PYTHONUNBUFFERED).toBe('1');
    // The config is the lease's plus the platform keys.
    expect(metrics.config).toMatchObject({ x: 1, budget_s: 2, seed: done.seed });
    if (sandboxed) {
      // No path of the volunteer's machine shows: a neutral folder, the dataset at a neutral path.
      expect(metrics.cwd).toBe('/xeenet/task');
      expect(metrics.config.dataset_path).toMatch(/^\/xeenet\/data\/[0-9a-f]{64}$/);
      expect(JSON.stringify(metrics)).not.toContain(home);
    } else {
      expect(metrics.cwd.startsWith(path.join(home, 'state', 'runs'))).toBe(true);
      expect(metrics.config.dataset_path).toMatch(/cache\/artifacts\/[0-9a-f]{64}$/);
    }
    // Its run folder is gone afterwards.
    const started = worker.logs.find((line) => line.msg === 'task started' && line.taskId === done.id)!;
    await waitUntil(() => !existsSync(started.runDir), 5000, 'the run folder to be removed');
  });

  it('SIGTERM at budget_s: a script that reports on SIGTERM succeeds', async () => {
    const done = await runOne('until-sigterm', { budgetS: 2 });
    expect(done.status).toBe('SUCCEEDED');
    // At budget_s on the budget clock the bootstrap started at the handoff.
    const sigtermAfter = done.history[0]!.metrics!.sigterm_after_clock_s as number;
    expect(sigtermAfter).toBeGreaterThanOrEqual(2);
    expect(sigtermAfter).toBeLessThan(3);
  });
});

describe('a cancelled campaign', () => {
  it('kills the running task and drops it without a report; the worker carries on', async () => {
    const created = await submitBrief(api, { script: 'until-sigterm', taskCount: 1, budgetS: 60, maxAttempts: 1, searchSpace: { x: 1 } });
    const [only] = (await campaign(api, created.id)).tasks;
    const running = await worker.waitForLog((line) => line.msg === 'task started' && line.taskId === only!.id, 30_000, 'the task to start');
    // Meanwhile its heartbeats carry the script's progress to the API (every ~3.3 s with a 10 s lease).
    const progress = await waitUntil(
      async () => {
        const data = await gql(api, `query ($id: ID!) { node(id: $id) { ... on Task { progress { step trainLoss elapsedS message } } } }`, { id: only!.id });
        const reported = data.node.progress as { step: number | null; trainLoss: number | null; elapsedS: number | null; message: string | null } | null;
        return reported?.step && reported.step > 1 ? reported : null;
      },
      15_000,
      'progress to reach the API',
      250,
    );
    expect(progress.step).toBeGreaterThanOrEqual(1);
    // until_sigterm.py prints train_loss = 5 / step and its own elapsed_s.
    expect(progress.trainLoss).toBeCloseTo(5 / progress.step!, 3);
    expect(progress.elapsedS).toBeGreaterThan(0);
    expect(progress.message).toBe('training');
    await cancelCampaign(api, created.id);
    // The next heartbeat (every ~3.3 s with a 10 s lease) learns of it.
    await worker.waitForLog((line) => line.msg === 'task dropped' && line.taskId === only!.id, 15_000, 'the task to be dropped');
    expect(processAlive(running.pid)).toBe(false);
    expect(worker.logs.some((line) => line.msg === 'campaign cancelled: stopping the task' && line.reason === 'CANCELLED')).toBe(true);
    expect(worker.logs.some((line) => /delivered$/.test(line.msg) && line.taskId === only!.id)).toBe(false);
    expect((await task(api, only!.id)).status).toBe('CANCELLED');
    expect(worker.proc.exitCode).toBeNull();
  });
});

describe('scripts that fail', () => {
  it('a script that crashes fails with the reason and the tail of stderr', async () => {
    const done = await runOne('crash');
    expect(done.status).toBe('FAILED');
    expect(done.failureReason).toContain('exited with code 1 without printing a result line');
    expect(done.failureReason).toContain('ZeroDivisionError');
    expect(done.history[0]!.stderrTail).toContain('Traceback (most recent call last)');
    expect(done.history[0]!.stderrTail).toContain('about to divide by zero');
  });

  it('a script that prints garbage fails with what it printed and the tail of stderr', async () => {
    const done = await runOne('garbage');
    expect(done.status).toBe('FAILED');
    expect(done.failureReason).toContain('the last line on stdout is not a JSON result line: NaN');
    expect(done.history[0]!.stdoutTail).toContain('hello, this is not JSON');
    expect(done.history[0]!.stderrTail).toContain('saying hello instead of a result');
  });

  it('a config error is not retried', async () => {
    const done = await runOne('bad-config', { maxAttempts: 3 });
    expect(done.status).toBe('FAILED');
    expect(done.attempts).toBe(1);
    expect(done.failureReason).toContain("script error (invalid_config): invalid config: unknown keys ['bogus']");
  });

  it('a result outside the contract (val_bpb above 64) is reported as a failed attempt, as the API would refuse it', async () => {
    const done = await runOne('huge-bpb');
    expect(done.status).toBe('FAILED');
    expect(done.failureReason).toMatch(/^invalid result line: val_bpb must be at most 64 bits per byte/);
  });

  it('a script that prints NUL characters still gets its result stored (its stdout tail carries U+FFFD instead)', async () => {
    const done = await runOne('prints-nul');
    expect(done.status).toBe('SUCCEEDED');
    expect(done.history[0]!.stdoutTail).toContain('a log line with a NUL: \uFFFD in it');
  });

  it('a script that hangs is killed at budget_s + 15 s and the task fails with that reason', async () => {
    const done = await runOne('hang', { budgetS: 2 });
    expect(done.status).toBe('FAILED');
    expect(done.failureReason).toMatch(/^killed at budget_s \+ 15 s \(17 s\): no result 15 s after SIGTERM at budget_s = 2 s/);
    expect(done.history[0]!.stderrTail).toContain('ignoring SIGTERM');
    const failed = worker.logs.find((line) => line.msg === 'task failed' && line.taskId === done.id)!;
    expect(failed.signal).toBe('SIGKILL');
    expect(failed.wallS).toBeGreaterThanOrEqual(17);
    expect(failed.wallS).toBeLessThan(19);
  }, 60_000);
});

describe('artifacts are verified by SHA-256', () => {
  it('refuses to run a script whose bytes do not match the lease, and keeps nothing of it', async () => {
    corrupt = true;
    let done: TaskView;
    try {
      done = await runOne('fresh-probe');
    } finally {
      corrupt = false;
    }
    expect(done.status).toBe('FAILED');
    expect(done.failureReason).toMatch(/^refused to run: fresh-probe \(http:\/\/127\.0\.0\.1:\d+\/artifacts\/[0-9a-f]{64}\) hashes to [0-9a-f]{64}, not to the [0-9a-f]{64} the lease names/);
    // Never started: no subprocess for this task, and the bad bytes were not cached.
    expect(worker.logs.some((line) => line.msg === 'task started' && line.taskId === done.id)).toBe(false);
    const sha = /not to the ([0-9a-f]{64})/.exec(done.failureReason!)![1]!;
    expect(existsSync(artifactFile(home, sha))).toBe(false);
  });

  it('re-verifies a cached artifact before each use and replaces a damaged one', async () => {
    const data = await gql(api, `{ artifacts(first: 50, kind: SCRIPT) { edges { node { name sha256 } } } }`);
    const sha = data.artifacts.edges.find((edge: { node: { name: string } }) => edge.node.name === 'env-probe').node.sha256 as string;
    const cached = artifactFile(home, sha);
    expect(existsSync(cached)).toBe(true); // from the first test
    chmodSync(cached, 0o644);
    writeFileSync(cached, 'print("this is not the script that was verified")\n');
    const done = await runOne('env-probe');
    expect(done.status, done.failureReason ?? '').toBe('SUCCEEDED');
    expect(worker.logs.some((line) => line.msg === 'cached artifact is damaged; deleting it and downloading it again')).toBe(true);
    expect(createHash('sha256').update(readFileSync(cached)).digest('hex')).toBe(sha);
  });
});
