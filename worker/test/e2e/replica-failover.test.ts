// Two API replicas (one PostgreSQL database, one Redis) behind a load balancer. One replica is
// stopped (SIGTERM) while a real worker trains: the replica closes the worker's WebSocket with
// 1012, the worker reconnects through the balancer to the other replica, keeps its running task
// and delivers the result there.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiProcess, postgresReachable, startApi } from '../helpers/api.ts';
import { campaign, submitBrief, task } from '../helpers/platform.ts';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.ts';
import { startWorker, type WorkerProcess } from '../helpers/worker.ts';

const REDIS_URL = process.env.XEENET_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
// Replicas share one signing key (as a deployment must): the worker pins it through either one.
const SIGNING_KEY = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const shared = {
  REDIS_URL,
  XEENET_REDIS_PREFIX: `xeenet-test-${randomBytes(6).toString('hex')}:`,
  XEENET_SHUTDOWN_GRACE_MS: '5000',
  XEENET_SIGNING_KEY: SIGNING_KEY,
};

describe.skipIf(!(await postgresReachable()))('a replica shutting down while a worker trains', () => {
  let a: ApiProcess;
  let b: ApiProcess;
  let proxy: TcpProxy;
  let worker: WorkerProcess | null = null;

  beforeAll(async () => {
    a = await startApi({ env: shared });
    b = await startApi({ env: shared, databaseUrl: a.databaseUrl! });
    proxy = await startTcpProxy([a.port, b.port]);
  });
  afterAll(async () => {
    worker?.signal('SIGKILL');
    await proxy?.close();
    await b?.kill();
    await a?.dispose();
  });

  it('the worker reconnects to the other replica, keeps its task and delivers the result there', async () => {
    const created = await submitBrief(a, { taskCount: 1, budgetS: 8 });
    const taskId = (await campaign(a, created.id)).tasks[0]!.id;
    worker = startWorker({ server: proxy.url });
    await worker.waitForLog((line) => line.msg === 'task started' && line.taskId === taskId, 60_000, 'the task to start');

    await a.stop(); // SIGTERM: drain, close sockets with 1012, exit

    const lost = await worker.waitForLog((line) => line.msg === 'connection to the API lost; reconnecting', 10_000, 'the 1012 close');
    expect(lost.detail).toMatch(/close code 1012/);
    await worker.waitForLog((line) => line.msg === 'connected to the API' && line.time > lost.time, 15_000, 'a reconnection');
    const delivered = await worker.waitForLog((line) => line.msg === 'result delivered' && line.taskId === taskId, 60_000, 'the result');
    expect(delivered.duplicate).toBe(false);

    // One attempt, accepted: the task was never given up or leased again.
    const view = await task(b, taskId);
    expect(view.status).toBe('SUCCEEDED');
    expect(view.history.map((run) => [run.outcome, run.accepted])).toEqual([['SUCCEEDED', true]]);
    expect(worker.logs.filter((line) => line.msg === 'task leased' && line.taskId === taskId)).toHaveLength(1);
    // And it was replica B that took the result.
    const metrics = await (await fetch(`${b.url}/metrics`)).text();
    expect(metrics).toMatch(/^xeenet_completions_total 1$/m);
  });
});
