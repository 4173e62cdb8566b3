// Benchmark: a fleet of connected workers keeping their leases alive. N graphql-ws clients (one
// per worker, in this process) split over two API processes that share PostgreSQL and Redis; each
// holds one lease on a long task and heartbeats the way the worker does (every TTL/3, at most
// 5 s) with progress. Nothing else runs: this is what an idle-looking fleet costs.
//
//   npm run bench:fleet -- [--workers 2000] [--rounds 3] [--round-s 30] [--warmup-s 10] [--heartbeat-write-s 15]
//
// Per round (medians reported): heartbeats/s, p50/p99 heartbeat latency, rows the database wrote
// per heartbeat and per worker per 10 s (n_tup_upd + n_tup_ins of this run's own database, so other
// databases on the server do not count), event-bus publishes per heartbeat (the replicas'
// /metrics), and each replica's resident memory per open connection (RSS now minus RSS before
// the first WebSocket, divided by its connections). --heartbeat-write-s 0 writes the row on every
// heartbeat, the design before the live lease store, for comparison.
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type Client, createClient } from 'graphql-ws';
import pg from 'pg';
import { type ApiProcess, startApiProcess } from './api-process.ts';
import { backendCpu, cpuBetween, cpuSeconds, http, median, op, percentile, registerWorkers, round, rssBytes, SUBMIT } from './clients.ts';

const { values: args } = parseArgs({
  options: {
    workers: { type: 'string', default: '2000' },
    rounds: { type: 'string', default: '3' },
    'round-s': { type: 'string', default: '30' },
    'warmup-s': { type: 'string', default: '10' },
    'lease-ttl-s': { type: 'string', default: '30' },
    'heartbeat-write-s': { type: 'string', default: '15' },
    postgres: { type: 'string', default: process.env.XEENET_BENCH_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres' },
    redis: { type: 'string', default: process.env.XEENET_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379' },
  },
});
const WORKERS = Number(args.workers);
const ROUNDS = Number(args.rounds);
const ROUND_S = Number(args['round-s']);
const WARMUP_S = Number(args['warmup-s']);
const TTL_S = Number(args['lease-ttl-s']);

const LEASE = 'mutation { leaseTask { __typename ... on MutationLeaseTaskSuccess { data { lease { taskId token expiresAt } } } } }';
const HEARTBEAT = `mutation ($input: HeartbeatInput!) { heartbeat(input: $input) { __typename ... on MutationHeartbeatSuccess { data { expiresAt } } } }`;

/** The worker's rhythm (worker/src/lease-keeper.ts): a third of the time left, 1 to 5 s. */
function heartbeatInterval(expiresAt: string): number {
  const ttl = Date.parse(expiresAt) - Date.now();
  return Math.max(1000, Math.min(5000, Math.floor(ttl / 3)));
}

async function scrape(api: ApiProcess): Promise<{ heartbeats: number; rowWrites: number; published: number; heapUsed: number }> {
  const text = await (await fetch(`${api.url}/metrics`)).text();
  const sum = (pattern: RegExp) => [...text.matchAll(pattern)].reduce((total, match) => total + Number(match[1]), 0);
  return {
    heartbeats: sum(/^xeenet_heartbeats_total (\d+)/gm),
    rowWrites: sum(/^xeenet_heartbeat_writes_total\{written="row"\} (\d+)/gm),
    published: sum(/^xeenet_events_published_total\{[^}]*\} (\d+)/gm),
    heapUsed: sum(/^nodejs_heap_size_used_bytes (\d+)/gm),
  };
}

async function tableWrites(db: pg.Client): Promise<Record<string, number>> {
  // Stats reach pg_stat_* when a backend goes idle (at most every second); the round is long enough that the edges do not matter.
  const { rows } = await db.query<{ relname: string; writes: string }>(
    `select relname, n_tup_upd + n_tup_ins + n_tup_del as writes from pg_stat_user_tables where relname in ('task', 'worker', 'run_result', 'ledger_entry')
     union all select relname || '_hot', n_tup_hot_upd from pg_stat_user_tables where relname in ('task', 'worker')`,
  );
  return Object.fromEntries(rows.map((row) => [row.relname, Number(row.writes)]));
}

interface RoundFigures {
  round: number;
  heartbeats_per_s: number;
  heartbeat_p50_ms: number;
  heartbeat_p99_ms: number;
  rows_written: Record<'task' | 'worker' | 'run_result' | 'ledger_entry', number>;
  rows_per_heartbeat: number;
  rows_per_worker_per_10s: number;
  heartbeats_writing_row_pct: number;
  /** Updates PostgreSQL could make heap-only (no index entries), per table. */
  hot_update_pct: { task: number; worker: number };
  events_published_per_heartbeat: number;
  replica_rss_mib: (number | null)[];
  /** V8 heap in use at the round's end: unlike RSS it shrinks again after a collection. */
  replica_heap_used_mib: number[];
  api_cpu_ms_per_heartbeat: number;
  postgres_cpu_ms_per_heartbeat: number;
}

const fixtureScripts = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../test/fixtures/training-scripts');
const server = new pg.Client({ connectionString: args.postgres });
await server.connect();
const dbName = `xeenet_fleet_${Date.now()}_${Math.random().toString(36).slice(2, 6)}`;
await server.query(`create database "${dbName}"`);
const dbUrl = new URL(args.postgres);
dbUrl.pathname = `/${dbName}`;
const env = {
  DATABASE_URL: dbUrl.toString(),
  REDIS_URL: args.redis,
  XEENET_REDIS_PREFIX: `${dbName}:`,
  XEENET_TRAINING_SCRIPTS_DIR: fixtureScripts,
  XEENET_LEASE_TTL_S: String(TTL_S),
  XEENET_HEARTBEAT_WRITE_S: args['heartbeat-write-s'],
  XEENET_REAPER_INTERVAL_MS: '1000',
};
const replicas: ApiProcess[] = [];
const clients: Client[] = [];
const db = new pg.Client({ connectionString: env.DATABASE_URL });
let stopping = false;

try {
  // One after the other: the first applies the migrations, the second finds them applied.
  replicas.push(await startApiProcess(env));
  replicas.push(await startApiProcess({ ...env, XEENET_ADMIN_TOKEN: replicas[0]!.adminToken }));
  await db.connect();
  const urlFor = (i: number) => replicas[i % 2]!.graphqlUrl;
  const setupStart = performance.now();
  const tokens = await registerWorkers(WORKERS, urlFor, 50);
  const submitted = await http(
    urlFor(0),
    SUBMIT,
    {
      input: {
        name: 'fleet benchmark',
        hypothesis: 'A connected fleet costs little while it only keeps its leases alive.',
        script: 'fixture-script',
        dataset: 'brown',
        searchSpace: { lr: { type: 'loguniform', low: 1e-4, high: 1e-2 } },
        taskCount: WORKERS,
        budgetS: 600,
        seed: 1,
      },
    },
    replicas[0]!.adminToken,
  );
  if (submitted.submitBrief.__typename !== 'MutationSubmitBriefSuccess') throw new Error(submitted.submitBrief.message);
  // Let registration's garbage go before the baseline.
  await new Promise((resolve) => setTimeout(resolve, 3000));
  const baseline = replicas.map((api) => rssBytes(api.child.pid!));

  for (let i = 0; i < WORKERS; i++) {
    clients.push(createClient({ url: urlFor(i).replace(/^http/, 'ws'), connectionParams: { token: tokens[i] }, lazy: false, retryAttempts: 0 }));
  }
  const leases: { taskId: string; token: string; expiresAt: string }[] = [];
  for (let i = 0; i < WORKERS; i += 100) {
    const batch = await Promise.all(clients.slice(i, i + 100).map((client) => op(client, LEASE)));
    for (const result of batch) {
      const lease = result.leaseTask.data?.lease;
      if (!lease) throw new Error('no task to lease');
      leases.push(lease);
    }
  }
  // Connected and leased, not yet beating: what the connections themselves hold.
  await new Promise((resolve) => setTimeout(resolve, 3000));
  const connected = replicas.map((api) => rssBytes(api.child.pid!));
  const memoryPerConnectionKib = replicas.map((_, i) =>
    connected[i] && baseline[i] ? round((connected[i]! - baseline[i]!) / (WORKERS / 2) / 1024, 1) : null,
  );
  const setupS = (performance.now() - setupStart) / 1000;
  console.log(`fleet: ${WORKERS} workers registered, connected (${WORKERS / 2} per replica) and holding a lease after ${round(setupS, 1)} s; memory per connection ${memoryPerConnectionKib.join(' / ')} KiB`);

  // Each worker beats on its own phase, like volunteers that started at different times.
  const samples: { at: number; ms: number }[] = [];
  let failures = 0;
  const loops = clients.map(async (client, i) => {
    const claim = { taskId: leases[i]!.taskId, leaseToken: leases[i]!.token };
    let wait = Math.random() * heartbeatInterval(leases[i]!.expiresAt);
    let step = 0;
    while (!stopping) {
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, wait)));
      if (stopping) return;
      const sentAt = performance.now();
      try {
        const beat = await op(client, HEARTBEAT, { input: { ...claim, progress: { step: ++step, trainLoss: 2.5, elapsedS: step * 5, message: 'training' } } });
        if (beat.heartbeat.__typename !== 'MutationHeartbeatSuccess') throw new Error(beat.heartbeat.__typename);
        samples.push({ at: sentAt, ms: performance.now() - sentAt });
        wait = heartbeatInterval(beat.heartbeat.data.expiresAt) - (performance.now() - sentAt);
      } catch (error) {
        failures++;
        if (failures <= 3) console.error(`heartbeat failed: ${(error as Error).message}`);
        wait = 1000;
      }
    }
  });

  await new Promise((resolve) => setTimeout(resolve, WARMUP_S * 1000));
  const rounds: RoundFigures[] = [];
  for (let r = 1; r <= ROUNDS; r++) {
    const from = performance.now();
    const [metricsBefore, writesBefore] = [await Promise.all(replicas.map(scrape)), await tableWrites(db)];
    const cpuBefore = { api: replicas.map((api) => cpuSeconds(api.child.pid!) ?? 0), postgres: await backendCpu(db, dbName) };
    await new Promise((resolve) => setTimeout(resolve, ROUND_S * 1000));
    const to = performance.now();
    const [metricsAfter, writesAfter] = [await Promise.all(replicas.map(scrape)), await tableWrites(db)];
    const cpuAfter = { api: replicas.map((api) => cpuSeconds(api.child.pid!) ?? 0), postgres: await backendCpu(db, dbName) };
    const rss = replicas.map((api) => rssBytes(api.child.pid!));

    const heartbeats = metricsAfter.reduce((t, m, i) => t + m.heartbeats - metricsBefore[i]!.heartbeats, 0);
    const rowWrites = metricsAfter.reduce((t, m, i) => t + m.rowWrites - metricsBefore[i]!.rowWrites, 0);
    const published = metricsAfter.reduce((t, m, i) => t + m.published - metricsBefore[i]!.published, 0);
    const delta = (table: string) => (writesAfter[table] ?? 0) - (writesBefore[table] ?? 0);
    const rows = { task: delta('task'), worker: delta('worker'), run_result: delta('run_result'), ledger_entry: delta('ledger_entry') };
    const totalRows = rows.task + rows.worker + rows.run_result + rows.ledger_entry;
    const latencies = samples.filter((s) => s.at >= from && s.at < to).map((s) => s.ms).sort((a, b) => a - b);
    const seconds = (to - from) / 1000;
    const apiCpu = cpuAfter.api.reduce((t, c, i) => t + c - cpuBefore.api[i]!, 0);
    const figures: RoundFigures = {
      round: r,
      heartbeats_per_s: round(heartbeats / seconds, 1),
      heartbeat_p50_ms: round(percentile(latencies, 50)),
      heartbeat_p99_ms: round(percentile(latencies, 99)),
      rows_written: rows,
      rows_per_heartbeat: round(totalRows / heartbeats, 4),
      rows_per_worker_per_10s: round(totalRows / WORKERS / (seconds / 10), 3),
      heartbeats_writing_row_pct: round((rowWrites / heartbeats) * 100, 1),
      hot_update_pct: { task: round((delta('task_hot') / Math.max(1, rows.task)) * 100, 1), worker: round((delta('worker_hot') / Math.max(1, rows.worker)) * 100, 1) },
      events_published_per_heartbeat: round(published / heartbeats, 2),
      replica_heap_used_mib: metricsAfter.map((m) => round(m.heapUsed / 2 ** 20, 1)),
      replica_rss_mib: rss.map((bytes) => (bytes ? round(bytes / 2 ** 20, 1) : null)),
      api_cpu_ms_per_heartbeat: round((apiCpu * 1000) / heartbeats, 3),
      postgres_cpu_ms_per_heartbeat: round((cpuBetween(cpuBefore.postgres, cpuAfter.postgres) * 1000) / heartbeats, 3),
    };
    rounds.push(figures);
    console.log(
      `round ${r}: ${figures.heartbeats_per_s} heartbeats/s | p50 ${figures.heartbeat_p50_ms} ms p99 ${figures.heartbeat_p99_ms} ms` +
        ` | rows written ${JSON.stringify(rows)} = ${figures.rows_per_heartbeat}/heartbeat, ${figures.rows_per_worker_per_10s} per worker per 10 s` +
        ` | ${figures.events_published_per_heartbeat} events/heartbeat | RSS ${figures.replica_rss_mib.join(' / ')} MiB, heap used ${figures.replica_heap_used_mib.join(' / ')} MiB` +
        ` | CPU per heartbeat: API ${figures.api_cpu_ms_per_heartbeat} ms, PostgreSQL ${figures.postgres_cpu_ms_per_heartbeat} ms`,
    );
  }
  stopping = true;
  await Promise.all(loops);

  const mid = (pick: (f: RoundFigures) => number | null) => round(median(rounds.map(pick).filter((v): v is number => v !== null)), 4);
  const summary = {
    workers: WORKERS,
    replicas: 2,
    rounds: ROUNDS,
    round_s: ROUND_S,
    lease_ttl_s: TTL_S,
    heartbeat_write_s: Number(args['heartbeat-write-s']),
    heartbeats_per_s: mid((f) => f.heartbeats_per_s),
    heartbeat_p50_ms: mid((f) => f.heartbeat_p50_ms),
    heartbeat_p99_ms: mid((f) => f.heartbeat_p99_ms),
    rows_per_heartbeat: mid((f) => f.rows_per_heartbeat),
    rows_per_worker_per_10s: mid((f) => f.rows_per_worker_per_10s),
    events_published_per_heartbeat: mid((f) => f.events_published_per_heartbeat),
    memory_per_connection_kib: memoryPerConnectionKib,
    api_cpu_ms_per_heartbeat: mid((f) => f.api_cpu_ms_per_heartbeat),
    postgres_cpu_ms_per_heartbeat: mid((f) => f.postgres_cpu_ms_per_heartbeat),
    heartbeat_failures: failures,
    machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model ?? 'unknown', memory_gib: round(os.totalmem() / 2 ** 30, 1), load_avg_1m: round(os.loadavg()[0]!, 2) },
    round_figures: rounds,
    goal: { rows_per_worker_per_10s: 1 },
    goal_met: mid((f) => f.rows_per_worker_per_10s) <= 1,
  };
  const resultsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../.bench');
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(path.join(resultsDir, 'fleet.json'), JSON.stringify(summary) + '\n');
  console.log(JSON.stringify(summary));
} finally {
  stopping = true;
  await Promise.all(clients.map((client) => client.dispose()));
  await db.end().catch(() => {});
  await Promise.all(replicas.map((api) => api.stop()));
  await server.query(`drop database if exists "${dbName}" with (force)`);
  await server.end();
}
