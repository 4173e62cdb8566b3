// Operations: /healthz, /readyz, /metrics, request ids in responses and logs, and the graceful
// shutdown of a replica (drain, in-flight requests finish, WebSockets closed with 1012).
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { WebSocket } from 'ws';
import { type App, startApp } from '../../src/app.ts';
import { SHUTDOWN_CLOSE_CODE } from '../../src/http/websocket.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { testEnv } from '../helpers/env.ts';
import { gql } from '../helpers/graphql.ts';
import { complete, createAccount, HEARTBEAT, LEASE, lease, registerWorker, submitBrief } from '../helpers/platform.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.ts';
import { collect, wsClient } from '../helpers/ws.ts';

const REDIS_URL = process.env.XEENET_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** One sample's value from Prometheus text, or undefined when the series is absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

async function metrics(app: App): Promise<string> {
  const response = await fetch(`${app.url}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return response.text();
}

/** Lines the API writes to stdout/stderr while fn runs, parsed. */
async function capturedLogs(fn: () => Promise<void>): Promise<Record<string, unknown>[]> {
  const lines: string[] = [];
  const spies = [process.stdout, process.stderr].map((stream) =>
    vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    }),
  );
  try {
    await fn();
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
  return lines
    .flatMap((chunk) => chunk.split('\n'))
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('operations endpoints on PostgreSQL with Redis', () => {
  let db: TestDatabase;
  let app: App;

  beforeAll(async () => {
    db = await createTestDatabase();
    app = await startApp(testEnv({ DATABASE_URL: db.url, REDIS_URL, XEENET_METRICS_REFRESH_MS: '100', XEENET_LOG_LEVEL: 'debug' }));
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('/readyz lists every check; /healthz answers without I/O', async () => {
    const ready = await fetch(`${app.url}/readyz`);
    expect(ready.status).toBe(200);
    const body = await ready.json();
    expect(body).toMatchObject({
      ready: true,
      checks: { shutdown: { ok: true }, database: { ok: true }, migrations: { ok: true }, redis: { ok: true } },
    });
    expect(await (await fetch(`${app.url}/healthz`)).json()).toEqual({ ok: true });
  });

  it('counts leases, completions, heartbeats and requests, and reads task states from the database', async () => {
    const researcher = await createAccount(app.graphqlUrl, 'Ada');
    const worker = await registerWorker(app.graphqlUrl, 'metrics-worker');
    const campaign = await submitBrief(app.graphqlUrl, researcher.token, { taskCount: 3 });
    const client = wsClient(app.graphqlUrl, researcher.token);
    const tasks = collect(client, 'subscription ($id: ID!) { taskUpdated(campaignId: $id) { id status } }', { id: campaign.id });
    await new Promise((resolve) => setTimeout(resolve, 300));

    const before = await metrics(app);
    const grant = (await lease(app.graphqlUrl, worker.token))!;
    await gql(app.graphqlUrl, HEARTBEAT, { input: { taskId: grant.taskId, leaseToken: grant.token, progress: { step: 3 } } }, worker.token);
    await complete(app.graphqlUrl, worker.token, grant, 2.4);
    await complete(app.graphqlUrl, worker.token, grant, 2.4); // a repeated report is not a second completion
    await lease(app.graphqlUrl, worker.token);
    await tasks.next((event) => event.taskUpdated.status === 'SUCCEEDED');
    await new Promise((resolve) => setTimeout(resolve, 150)); // past the gauges' refresh interval

    const after = await metrics(app);
    const delta = (series: string) => (sample(after, series) ?? 0) - (sample(before, series) ?? 0);
    expect(delta('xeenet_leases_total')).toBe(2);
    expect(delta('xeenet_completions_total')).toBe(1);
    expect(delta('xeenet_heartbeats_total')).toBe(1);
    expect(sample(after, 'xeenet_tasks{state="queued"}')).toBe(1);
    expect(sample(after, 'xeenet_tasks{state="leased"}')).toBe(1);
    expect(sample(after, 'xeenet_workers_online')).toBe(1);
    const age = sample(after, 'xeenet_heartbeat_oldest_age_seconds')!;
    expect(age).toBeGreaterThanOrEqual(0);
    expect(age).toBeLessThan(30);
    expect(delta('xeenet_http_requests_total{method="POST",route="graphql",status="200"}')).toBeGreaterThanOrEqual(5);
    expect(sample(after, 'xeenet_ws_connections')).toBe(1);
    expect(delta('xeenet_event_fanout_seconds_count{topic="task.updated"}')).toBeGreaterThanOrEqual(3);
    expect(sample(after, 'xeenet_ready')).toBe(1);
    expect(after).toMatch(/^# TYPE xeenet_results gauge$/m);
    expect(after).toMatch(/^process_cpu_seconds_total /m);
    // Finished states are counted less often than live ones (12 refresh intervals).
    await expect.poll(async () => sample(await metrics(app), 'xeenet_tasks{state="succeeded"}'), { timeout: 5000, interval: 200 }).toBe(1);
    tasks.dispose();
    await client.dispose();
  });

  it('echoes a sane x-request-id, makes one otherwise, and puts it in the request’s log lines', async () => {
    let echoed: string | null = null;
    let generated: string | null = null;
    let replaced: string | null = null;
    const logs = await capturedLogs(async () => {
      echoed = (await fetch(`${app.url}/healthz`, { headers: { 'x-request-id': 'trace-42.abc' } })).headers.get('x-request-id');
      generated = (await fetch(`${app.url}/healthz`)).headers.get('x-request-id');
      replaced = (await fetch(`${app.url}/healthz`, { headers: { 'x-request-id': 'has spaces and {braces}' } })).headers.get('x-request-id');
      await new Promise((resolve) => setTimeout(resolve, 50));
    });
    expect(echoed).toBe('trace-42.abc');
    expect(generated).toMatch(/^[0-9a-f-]{36}$/);
    expect(replaced).toMatch(/^[0-9a-f-]{36}$/);
    const line = logs.find((entry) => entry.msg === 'http request' && entry.requestId === 'trace-42.abc');
    expect(line).toMatchObject({ level: 'debug', path: '/healthz', status: 200 });
  });

  it('gives WebSocket log lines a connection id and the upgrade request’s id', async () => {
    const logs = await capturedLogs(async () => {
      const socket = new WebSocket(app.graphqlUrl.replace(/^http/, 'ws'), 'graphql-transport-ws', { headers: { 'x-request-id': 'ws-trace-7' } });
      await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
      socket.close(1000);
      await new Promise((resolve) => socket.once('close', resolve));
      await new Promise((resolve) => setTimeout(resolve, 50));
    });
    const connected = logs.find((entry) => entry.msg === 'websocket connected' && entry.requestId === 'ws-trace-7');
    expect(connected?.connectionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(logs.find((entry) => entry.msg === 'websocket closed' && entry.connectionId === connected?.connectionId)).toBeDefined();
  });

  it('reports a database it cannot reach as not ready, while /healthz stays up', async () => {
    const other = await createTestDatabase();
    const doomed = await startApp(testEnv({ DATABASE_URL: other.url, XEENET_SHUTDOWN_GRACE_MS: '0' }));
    try {
      await other.drop(); // terminates its connections
      const response = await fetch(`${doomed.url}/readyz`);
      expect(response.status).toBe(503);
      const body = await response.json();
      expect(body.ready).toBe(false);
      expect(body.checks.database.ok).toBe(false);
      expect(body.checks.database.detail).toEqual(expect.any(String));
      expect(body.checks.redis).toEqual({ ok: true, detail: 'not configured (in-process events)', ms: expect.any(Number) });
      expect((await fetch(`${doomed.url}/healthz`)).status).toBe(200);
    } finally {
      await doomed.close().catch(() => undefined);
    }
  });
});

describe('graceful shutdown of a replica', () => {
  let app: TestApp;
  let researcher: { token: string };
  let worker: { token: string };

  beforeAll(async () => {
    app = await startTestApp('postgresql', { XEENET_SHUTDOWN_GRACE_MS: '3000' });
    researcher = await createAccount(app.graphqlUrl, 'Grace');
    worker = await registerWorker(app.graphqlUrl, 'draining-worker');
    await submitBrief(app.graphqlUrl, researcher.token, { taskCount: 2 });
  });
  afterAll(() => app?.stop());

  it('is not ready and leases nothing at once, finishes the request in flight, then closes sockets with 1012', async () => {
    const socket = new WebSocket(app.graphqlUrl.replace(/^http/, 'ws'), 'graphql-transport-ws');
    const closeCode = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    await new Promise((resolve) => socket.once('open', resolve));

    // A request whose body is still arriving when the shutdown starts.
    const body = JSON.stringify({ query: LEASE });
    const raw = connect(Number(new URL(app.url).port), '127.0.0.1');
    await new Promise((resolve) => raw.once('connect', resolve));
    let answer = '';
    raw.on('data', (chunk) => (answer += chunk));
    const answered = new Promise((resolve) => raw.once('end', resolve));
    raw.write(
      `POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAuthorization: Bearer ${worker.token}\r\n` +
        `Content-Length: ${body.length}\r\nConnection: close\r\n\r\n${body.slice(0, 10)}`,
    );
    await new Promise((resolve) => setTimeout(resolve, 100));

    const closing = app.close();
    expect(app.deps.lifecycle.draining).toBe(true);
    raw.write(body.slice(10)); // (not end(): a half-closed connection aborts its request)
    await answered;
    // The request in flight finished, and found no lease: this replica is draining.
    expect(answer).toMatch(/^HTTP\/1\.1 200/);
    expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)).data.leaseTask).toEqual({
      __typename: 'MutationLeaseTaskSuccess',
      data: { lease: null },
    });
    expect(await closeCode).toBe(SHUTDOWN_CLOSE_CODE);
    await closing;
    await expect(fetch(`${app.url}/readyz`)).rejects.toThrow();
  });
});

describe('readiness on the embedded PGlite database', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp('pglite');
  });
  afterAll(() => app?.stop());

  it('is ready with in-process events, and not ready once draining', async () => {
    const ready = await (await fetch(`${app.url}/readyz`)).json();
    expect(ready).toMatchObject({ ready: true, checks: { database: { ok: true }, migrations: { ok: true }, redis: { ok: true } } });
    app.deps.lifecycle.beginDrain();
    const draining = await fetch(`${app.url}/readyz`);
    expect(draining.status).toBe(503);
    expect((await draining.json()).checks.shutdown).toMatchObject({ ok: false, detail: expect.stringMatching(/^shutting down since /) });
  });
});
