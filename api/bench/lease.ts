// Benchmark: N simulated workers over graphql-ws run full no-op task cycles
// (lease → heartbeat → complete) against a separate API process on the real PostgreSQL,
// then on embedded PGlite. Warm-up first; then tasks/s and latency percentiles.
//
//   npm run bench:lease -- [--workers 200] [--rate 500] [--warmup 3] [--duration 15] [--rounds 3] [--no-pglite]
//                          [--api-env XEENET_LEASE_BATCH_MAX=1 ...]
//
// The yardstick: each capacity round is followed, on the same database, by graphile-worker 0.16
// draining no-op jobs at concurrency 24 (bench/graphile.ts); ratio_to_graphile is XeeNet's full
// cycles/s over graphile's jobs/s, per round, median over --rounds.
//
// Two phases per database. Capacity: every worker runs cycles back to back (a closed loop), so
// cycles/s is the most the platform sustains; latency there is only concurrency ÷ throughput
// (Little's law). At rate: the same workers pace their cycles so that together they offer
// --rate cycles/s (open loop), which is how a latency target is meaningfully measured.
//
// The tasks run nothing: the point is the platform's dispatch path. They live in a throwaway
// database that is dropped afterwards.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createClient } from 'graphql-ws';
import pg from 'pg';
import { type ApiProcess, startApiProcess } from './api-process.ts';
import { backendCpu, cpuBetween, cpuSeconds, http, median, op, percentile, registerWorkers, SUBMIT } from './clients.ts';
import { type GraphileFigures, graphileDrain } from './graphile.ts';

const { values: args } = parseArgs({
  options: {
    workers: { type: 'string', default: '200' },
    rate: { type: 'string', default: '500' },
    warmup: { type: 'string', default: '3' },
    duration: { type: 'string', default: '15' },
    'pglite-duration': { type: 'string', default: '10' },
    rounds: { type: 'string', default: '3' },
    // e.g. --api-env XEENET_LEASE_BATCH_MAX=1 --api-env XEENET_HEARTBEAT_WRITE_S=0: the API as it was before batching and the live lease store.
    'api-env': { type: 'string', multiple: true, default: [] },
    'graphile-concurrency': { type: 'string', default: '24' },
    'no-pglite': { type: 'boolean', default: false },
    postgres: { type: 'string', default: process.env.XEENET_BENCH_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres' },
  },
});
const WORKERS = Number(args.workers);
const WARMUP_S = Number(args.warmup);
const DURATION_S = Number(args.duration);
const RATE = Number(args.rate);
const ROUNDS = Number(args.rounds);
/** The bar: 500 full cycles/s with a lease p99 of at most 50 ms. */
const TARGET = { tasks_per_s: 500, lease_p99_ms: 50 };

const LEASE = 'mutation { leaseTask { __typename ... on MutationLeaseTaskSuccess { data { lease { taskId token } } } } }';
const HEARTBEAT = `mutation ($input: HeartbeatInput!) { heartbeat(input: $input) { __typename } }`;
const COMPLETE = `mutation ($input: CompleteTaskInput!) { completeTask(input: $input) { __typename } }`;

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

/** dbName: the PostgreSQL database, whose own backends' CPU is counted (null on PGlite). */
async function run(label: string, api: ApiProcess, durationS: number, load: Load, dbName: string | null = null): Promise<Figures> {
  const expected = Math.ceil((WARMUP_S + durationS) * (load.kind === 'rate' ? load.cyclesPerS * 1.1 : 2500)) + WORKERS * 2;
  const tokens = await registerWorkers(WORKERS, () => api.graphqlUrl);
  const submitted = await http(
    api.graphqlUrl,
    SUBMIT,
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
  let cpuAtStart: { api: number | null; postgres: Promise<Map<number, number>> | null } = { api: null, postgres: null };
  let cpuAtEnd: { api: number | null; postgres: Promise<Map<number, number>> | null } = { api: null, postgres: null };
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
  const backends = () => (dbName ? backendCpu(server, dbName) : null);
  setTimeout(() => (cpuAtStart = { api: cpuSeconds(pid), postgres: backends() }), WARMUP_S * 1000);
  setTimeout(() => (cpuAtEnd = { api: cpuSeconds(pid), postgres: backends() }), (WARMUP_S + durationS) * 1000);
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
    postgres_cpu_ms_per_cycle:
      cpuAtStart.postgres && cpuAtEnd.postgres ? perCycle(0, cpuBetween(await cpuAtStart.postgres, await cpuAtEnd.postgres), cycles) : null,
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
const apiEnv = Object.fromEntries(
  (args['api-env'] ?? []).map((pair) => {
    const at = pair.indexOf('=');
    if (at < 1 || !pair.startsWith('XEENET_')) throw new Error(`--api-env takes XEENET_NAME=value, not ${pair}`);
    return [pair.slice(0, at), pair.slice(at + 1)];
  }),
);
const common = { XEENET_TRAINING_SCRIPTS_DIR: fixtureScripts, XEENET_LEASE_TTL_S: '60', ...apiEnv };

const server = new pg.Client({ connectionString: args.postgres });
await server.connect();

let atRate: Figures;
const rounds: { capacity: Figures; graphile: GraphileFigures; ratio: number }[] = [];
const fresh = async () => {
  const dbName = `xeenet_bench_${Date.now()}_${Math.random().toString(36).slice(2, 6)}`;
  await server.query(`create database "${dbName}"`);
  const dbUrl = new URL(args.postgres);
  dbUrl.pathname = `/${dbName}`;
  const api = await startApiProcess({ ...common, DATABASE_URL: dbUrl.toString() });
  return {
    api,
    dbName,
    url: dbUrl.toString(),
    async drop() {
      await api.stop();
      await server.query(`drop database if exists "${dbName}" with (force)`);
    },
  };
};
try {
  for (let r = 1; r <= ROUNDS; r++) {
    const target = await fresh();
    try {
      const capacity = await run('postgresql', target.api, DURATION_S, { kind: 'capacity' }, target.dbName);
      // The API stops first: graphile gets the machine (and the database) to itself, as XeeNet did.
      await target.api.stop();
      const graphile = await graphileDrain(target.url, {
        concurrency: Number(args['graphile-concurrency']),
        warmupS: WARMUP_S,
        durationS: DURATION_S,
        expectedPerS: 1500,
        backends: () => backendCpu(server, target.dbName),
      });
      const ratio = Math.round((capacity.tasks_per_s / graphile.jobs_per_s) * 1000) / 1000;
      console.log(
        `graphile-worker 0.16 concurrency ${graphile.concurrency}: ${graphile.jobs_per_s} no-op jobs/s | CPU per job: runner ${graphile.runner_cpu_ms_per_job} ms, ` +
          `PostgreSQL ${graphile.postgres_cpu_ms_per_job} ms | round ${r}: ratio_to_graphile ${ratio}`,
      );
      rounds.push({ capacity, graphile, ratio });
    } finally {
      await target.drop();
    }
  }
  const target = await fresh();
  try {
    atRate = await run('postgresql', target.api, DURATION_S, { kind: 'rate', cyclesPerS: RATE }, target.dbName);
  } finally {
    await target.drop();
  }
} finally {
  await server.end();
}
// The round whose XeeNet capacity is the median stands for the rest; the ratio is the median of the rounds' own ratios.
const byCapacity = [...rounds].sort((a, b) => a.capacity.tasks_per_s - b.capacity.tasks_per_s);
const capacity = byCapacity[Math.floor((byCapacity.length - 1) / 2)]!.capacity;
const ratioToGraphile = median(rounds.map((round) => round.ratio));
const graphileJobsPerS = median(rounds.map((round) => round.graphile.jobs_per_s));

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
  tasks_per_s: median(rounds.map((round) => round.capacity.tasks_per_s)),
  lease_p99_ms: atRate.lease_p99_ms,
  graphile_jobs_per_s: graphileJobsPerS,
  ratio_to_graphile: ratioToGraphile,
  ratio_goal: 1,
  rounds: rounds.map((round) => ({ tasks_per_s: round.capacity.tasks_per_s, graphile_jobs_per_s: round.graphile.jobs_per_s, ratio: round.ratio })),
  graphile: rounds.map((round) => round.graphile),
  rate_offered: RATE,
  rate_achieved: atRate.tasks_per_s,
  workers: WORKERS,
  api_env: apiEnv,
  capacity,
  at_rate: atRate,
  pglite,
  target: TARGET,
  targets_met: capacity.tasks_per_s >= TARGET.tasks_per_s && atRate.tasks_per_s >= RATE * 0.98 && atRate.lease_p99_ms <= TARGET.lease_p99_ms,
};
console.log(
  `ratio_to_graphile ${ratioToGraphile} (median of ${ROUNDS} rounds; XeeNet ${summary.tasks_per_s} full cycles/s, graphile ${graphileJobsPerS} jobs/s) | ` +
    `targets: capacity ${capacity.tasks_per_s} >= ${TARGET.tasks_per_s} cycles/s ${capacity.tasks_per_s >= TARGET.tasks_per_s ? 'met' : 'MISSED'}; ` +
    `at ${RATE}/s offered: ${atRate.tasks_per_s}/s achieved, lease p99 ${atRate.lease_p99_ms} <= ${TARGET.lease_p99_ms} ms ` +
    `${summary.targets_met ? 'met' : 'MISSED'}`,
);
const resultsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../.bench');
mkdirSync(resultsDir, { recursive: true });
writeFileSync(path.join(resultsDir, 'lease.json'), JSON.stringify(summary) + '\n');
console.log(JSON.stringify(summary));
