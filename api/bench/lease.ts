// Benchmark: N simulated workers over graphql-ws run full no-op task cycles
// (lease → heartbeat → complete) against a separate API process on the real PostgreSQL,
// then on embedded PGlite. Warm-up first; then tasks/s and latency percentiles.
//
//   npm run bench:lease -- [--workers 200] [--rate 500] [--warmup 3] [--duration 15] [--no-pglite]
//
// Two phases per database. Capacity: every worker runs cycles back to back (a closed loop), so
// cycles/s is the most the platform sustains; latency there is only concurrency ÷ throughput
// (Little's law). At rate: the same workers pace their cycles so that together they offer
// --rate cycles/s (open loop), which is how a latency target is meaningfully measured.
//
// The tasks run nothing: the point is the platform's dispatch path. They live in a throwaway
// database that is dropped afterwards.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type Client, createClient } from 'graphql-ws';
import pg from 'pg';
import { type ApiProcess, startApiProcess } from './api-process.ts';

const { values: args } = parseArgs({
  options: {
    workers: { type: 'string', default: '200' },
    rate: { type: 'string', default: '500' },
    warmup: { type: 'string', default: '3' },
    duration: { type: 'string', default: '15' },
    'pglite-duration': { type: 'string', default: '10' },
    'no-pglite': { type: 'boolean', default: false },
    postgres: { type: 'string', default: process.env.XEENET_BENCH_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres' },
  },
});
const WORKERS = Number(args.workers);
const WARMUP_S = Number(args.warmup);
const DURATION_S = Number(args.duration);
const RATE = Number(args.rate);
/** The bar: 500 full cycles/s with a lease p99 of at most 50 ms. */
const TARGET = { tasks_per_s: 500, lease_p99_ms: 50 };

const LEASE = 'mutation { leaseTask { __typename ... on MutationLeaseTaskSuccess { data { lease { taskId token } } } } }';
const HEARTBEAT = `mutation ($input: HeartbeatInput!) { heartbeat(input: $input) { __typename } }`;
const COMPLETE = `mutation ($input: CompleteTaskInput!) { completeTask(input: $input) { __typename } }`;
const REGISTER = `mutation ($input: RegisterWorkerInput!) { registerWorker(input: $input) { ... on MutationRegisterWorkerSuccess { data { token } } } }`;

async function http(url: string, query: string, variables: Record<string, unknown>, token?: string) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: Record<string, any>; errors?: unknown };
  if (!body.data) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

function op(client: Client, query: string, variables: Record<string, unknown> = {}): Promise<Record<string, any>> {
  return new Promise((resolve, reject) => {
    let result: Record<string, any> | undefined;
    client.subscribe(
      { query, variables },
      {
        next: (value) => {
          if (value.errors) reject(new Error(JSON.stringify(value.errors)));
          result = value.data as Record<string, any>;
        },
        error: reject,
        complete: () => (result ? resolve(result) : reject(new Error('no result'))),
      },
    );
  });
}

/** CPU seconds (user + system) a process has used, from /proc (Linux); null elsewhere. */
function cpuSeconds(pid: number): number | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

/** CPU seconds used by every PostgreSQL server process (they are named "postgres: ..."). */
function postgresCpuSeconds(): number | null {
  try {
    let total = 0;
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      let cmd = '';
      try {
        cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      } catch {
        continue;
      }
      if (cmd.startsWith('postgres')) total += cpuSeconds(Number(entry)) ?? 0;
    }
    return total;
  } catch {
    return null;
  }
}

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

type Load = { kind: 'capacity' } | { kind: 'rate'; cyclesPerS: number };

interface Figures {
  database: string;
  load: string;
  workers: number;
  tasks_per_s: number;
  cycles: number;
  lease_p50_ms: number;
  lease_p99_ms: number;
  heartbeat_p50_ms: number;
  heartbeat_p99_ms: number;
  complete_p50_ms: number;
  complete_p99_ms: number;
  /** CPU time per full cycle: robust to other load on a shared machine, unlike cycles/s. */
  api_cpu_ms_per_cycle: number | null;
  postgres_cpu_ms_per_cycle: number | null;
}

async function run(label: string, api: ApiProcess, durationS: number, load: Load): Promise<Figures> {
  const expected = Math.ceil((WARMUP_S + durationS) * (load.kind === 'rate' ? load.cyclesPerS * 1.1 : 2500)) + WORKERS * 2;
  const tokens: string[] = [];
  for (let i = 0; i < WORKERS; i += 25) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(25, WORKERS - i) }, (_, j) =>
        http(api.graphqlUrl, REGISTER, { input: { name: `bench-${i + j}`, hardware: { cpu: 'benchmark client' } } }),
      ),
    );
    tokens.push(...batch.map((data) => data.registerWorker.data.token as string));
  }
  const submitted = await http(
    api.graphqlUrl,
    `mutation ($input: SubmitBriefInput!) { submitBrief(input: $input) { __typename ... on Error { message } } }`,
    {
      input: {
        name: 'lease benchmark',
        hypothesis: 'The dispatch path sustains hundreds of full task cycles per second.',
        script: process.env.XEENET_BENCH_SCRIPT ?? 'fixture-script',
        dataset: 'brown',
        searchSpace: { lr: { type: 'loguniform', low: 1e-4, high: 1e-2 }, n_layer: { type: 'int', low: 1, high: 6 } },
        taskCount: expected,
        budgetS: 1,
        seed: 1,
      },
    },
    api.adminToken,
  );
  if (submitted.submitBrief.__typename !== 'MutationSubmitBriefSuccess') throw new Error(submitted.submitBrief.message);

  const clients = tokens.map((token) =>
    createClient({ url: api.graphqlUrl.replace(/^http/, 'ws'), connectionParams: { token }, lazy: false, retryAttempts: 0 }),
  );
  await Promise.all(clients.map((client) => op(client, '{ __typename }')));

  const leaseMs: number[] = [];
  const heartbeatMs: number[] = [];
  const completeMs: number[] = [];
  let cycles = 0;
  let cpuAtStart: { api: number | null; postgres: number | null } = { api: null, postgres: null };
  let cpuAtEnd: { api: number | null; postgres: number | null } = { api: null, postgres: null };
  const start = performance.now();
  const measureFrom = start + WARMUP_S * 1000;
  const measureTo = measureFrom + durationS * 1000;
  // `from` is when the call should have started: at a rate, a lease that starts late because the
  // worker's previous cycle ran long counts its wait too (no coordinated omission).
  const timed = async (into: number[], fn: () => Promise<Record<string, any>>, from = performance.now()) => {
    const result = await fn();
    if (from >= measureFrom && from < measureTo) into.push(performance.now() - from);
    return result;
  };

  const pid = api.child.pid!;
  setTimeout(() => (cpuAtStart = { api: cpuSeconds(pid), postgres: postgresCpuSeconds() }), WARMUP_S * 1000);
  setTimeout(() => (cpuAtEnd = { api: cpuSeconds(pid), postgres: postgresCpuSeconds() }), (WARMUP_S + durationS) * 1000);
  // At a rate, worker i starts its k-th cycle at start + (i / N + k) × N / rate, or at once if late.
  const intervalMs = load.kind === 'rate' ? (WORKERS / load.cyclesPerS) * 1000 : 0;
  await Promise.all(
    clients.map(async (client, i) => {
      let nextAt = start + (i / WORKERS) * intervalMs;
      while (performance.now() < measureTo) {
        let scheduledAt = performance.now();
        if (intervalMs > 0) {
          const wait = nextAt - performance.now();
          if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
          // Timers can fire a little early: never time from later than the actual send.
          scheduledAt = Math.min(nextAt, performance.now());
          nextAt += intervalMs;
          if (performance.now() >= measureTo) break;
        }
        const leased = await timed(leaseMs, () => op(client, LEASE), scheduledAt);
        const lease = leased.leaseTask.data?.lease;
        if (!lease) throw new Error('the queue ran dry; raise the task count');
        const claim = { taskId: lease.taskId, leaseToken: lease.token };
        const beat = await timed(heartbeatMs, () => op(client, HEARTBEAT, { input: { ...claim, progress: { step: 1, trainLoss: 2.5, elapsedS: 0.1 } } }));
        if (beat.heartbeat.__typename !== 'MutationHeartbeatSuccess') throw new Error(beat.heartbeat.__typename);
        const done = await timed(completeMs, () =>
          op(client, COMPLETE, { input: { ...claim, result: { valBpb: 3.1, trainLoss: 2.2, steps: 1, wallS: 0.01 } } }),
        );
        if (done.completeTask.__typename !== 'MutationCompleteTaskSuccess') throw new Error(done.completeTask.__typename);
        const now = performance.now();
        if (now >= measureFrom && now < measureTo) cycles++;
      }
    }),
  );
  await Promise.all(clients.map((client) => client.dispose()));

  for (const list of [leaseMs, heartbeatMs, completeMs]) list.sort((a, b) => a - b);
  const figures: Figures = {
    database: label,
    load: load.kind === 'rate' ? `${load.cyclesPerS} cycles/s offered` : 'capacity (closed loop)',
    workers: WORKERS,
    tasks_per_s: Math.round(cycles / durationS),
    cycles,
    lease_p50_ms: round(percentile(leaseMs, 50)),
    lease_p99_ms: round(percentile(leaseMs, 99)),
    heartbeat_p50_ms: round(percentile(heartbeatMs, 50)),
    heartbeat_p99_ms: round(percentile(heartbeatMs, 99)),
    complete_p50_ms: round(percentile(completeMs, 50)),
    complete_p99_ms: round(percentile(completeMs, 99)),
    api_cpu_ms_per_cycle: perCycle(cpuAtStart.api, cpuAtEnd.api, cycles),
    postgres_cpu_ms_per_cycle: label === 'postgresql' ? perCycle(cpuAtStart.postgres, cpuAtEnd.postgres, cycles) : null,
  };
  console.log(
    `${label.padEnd(10)} ${figures.load.padEnd(24)} ${WORKERS} workers, ${durationS} s after ${WARMUP_S} s warm-up: ${figures.tasks_per_s} full cycles/s` +
      ` | lease p50 ${figures.lease_p50_ms} ms p99 ${figures.lease_p99_ms} ms` +
      ` | heartbeat p50 ${figures.heartbeat_p50_ms} ms p99 ${figures.heartbeat_p99_ms} ms` +
      ` | complete p50 ${figures.complete_p50_ms} ms p99 ${figures.complete_p99_ms} ms` +
      ` | CPU per cycle: API ${figures.api_cpu_ms_per_cycle} ms, PostgreSQL ${figures.postgres_cpu_ms_per_cycle ?? '-'} ms`,
  );
  return figures;
}

function perCycle(before: number | null, after: number | null, cycles: number): number | null {
  return before === null || after === null || cycles === 0 ? null : round(((after - before) * 1000) / cycles);
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

const fixtureScripts = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../test/fixtures/training-scripts');
const common = { XEENET_TRAINING_SCRIPTS_DIR: fixtureScripts, XEENET_LEASE_TTL_S: '60' };

const server = new pg.Client({ connectionString: args.postgres });
await server.connect();

let capacity: Figures;
let atRate: Figures;
const fresh = async () => {
  const dbName = `xeenet_bench_${Date.now()}_${Math.random().toString(36).slice(2, 6)}`;
  await server.query(`create database "${dbName}"`);
  const dbUrl = new URL(args.postgres);
  dbUrl.pathname = `/${dbName}`;
  const api = await startApiProcess({ ...common, DATABASE_URL: dbUrl.toString() });
  return {
    api,
    async drop() {
      await api.stop();
      await server.query(`drop database if exists "${dbName}" with (force)`);
    },
  };
};
try {
  let target = await fresh();
  try {
    capacity = await run('postgresql', target.api, DURATION_S, { kind: 'capacity' });
  } finally {
    await target.drop();
  }
  target = await fresh();
  try {
    atRate = await run('postgresql', target.api, DURATION_S, { kind: 'rate', cyclesPerS: RATE });
  } finally {
    await target.drop();
  }
} finally {
  await server.end();
}

let pglite: Figures | null = null;
if (!args['no-pglite']) {
  const embedded = await startApiProcess(common);
  try {
    pglite = await run('pglite', embedded, Number(args['pglite-duration']), { kind: 'capacity' });
  } finally {
    await embedded.stop();
  }
}

const summary = {
  // The headline pair: the most full cycles/s sustained, and the p99 lease latency while
  // serving the target rate. Each phase's full figures follow.
  tasks_per_s: capacity.tasks_per_s,
  lease_p99_ms: atRate.lease_p99_ms,
  rate_offered: RATE,
  rate_achieved: atRate.tasks_per_s,
  workers: WORKERS,
  capacity,
  at_rate: atRate,
  pglite,
  target: TARGET,
  targets_met: capacity.tasks_per_s >= TARGET.tasks_per_s && atRate.tasks_per_s >= RATE * 0.98 && atRate.lease_p99_ms <= TARGET.lease_p99_ms,
};
console.log(
  `targets: capacity ${capacity.tasks_per_s} >= ${TARGET.tasks_per_s} cycles/s ${capacity.tasks_per_s >= TARGET.tasks_per_s ? 'met' : 'MISSED'}; ` +
    `at ${RATE}/s offered: ${atRate.tasks_per_s}/s achieved, lease p99 ${atRate.lease_p99_ms} <= ${TARGET.lease_p99_ms} ms ` +
    `${summary.targets_met ? 'met' : 'MISSED'}`,
);
const resultsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../.bench');
mkdirSync(resultsDir, { recursive: true });
writeFileSync(path.join(resultsDir, 'lease.json'), JSON.stringify(summary) + '\n');
console.log(JSON.stringify(summary));
