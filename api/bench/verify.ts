// Benchmark: verification by replay against a simulated fleet, over the real API (its own
// process) and PostgreSQL. Honest workers report numbers that are a function of the task alone
// (config and seed), so replays of a task agree exactly, as same-class CPU replays do; fabricating
// workers complete every lease at once with an invented val_bpb of 1.0. The tasks run nothing.
//
//   npm run bench:verify -- [--runs 3] [--honest 6] [--fabricators 3] [--tasks 150] [--steady-tasks 300]
//
// Each run, on a fresh database: two admin-trusted seed workers (a fresh grid needs some), the
// honest fleet and the fabricators work one mixed campaign to its end (the reaper closes it,
// after the top results are confirmed); then the honest fleet alone works a second campaign,
// with reputations carried over, for the steady-state overhead. Figures per run and medians.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { type ApiProcess, startApiProcess } from './api-process.ts';

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    honest: { type: 'string', default: '6' },
    fabricators: { type: 'string', default: '3' },
    tasks: { type: 'string', default: '150' },
    'steady-tasks': { type: 'string', default: '300' },
    postgres: { type: 'string', default: process.env.XEENET_BENCH_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres' },
  },
});
const RUNS = Number(args.runs);
const GOALS = { fake_results_accepted: 0, fraud_credits_net: 0, verification_overhead: 0.1 };

interface Member {
  name: string;
  token: string;
  id: string;
  honest: boolean;
  excluded: boolean;
}

async function http(url: string, query: string, variables: Record<string, unknown> = {}, token?: string) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: Record<string, any>; errors?: unknown };
  if (!body.data) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

const REGISTER = `mutation ($input: RegisterWorkerInput!) { registerWorker(input: $input) { ... on MutationRegisterWorkerSuccess { data { token worker { id } } } } }`;
const LEASE = `mutation { leaseTask { __typename ... on MutationLeaseTaskSuccess { data { lease { taskId token config seed } } } ... on Error { message } } }`;
const COMPLETE = `mutation ($input: CompleteTaskInput!) { completeTask(input: $input) { __typename ... on Error { message } } }`;
const SUBMIT = `mutation ($input: SubmitBriefInput!) { submitBrief(input: $input) { __typename ... on MutationSubmitBriefSuccess { data { id } } ... on Error { message } } }`;

/** What an honest run reports: a function of the task alone, so every replay reproduces it. */
function honestNumbers(config: Record<string, unknown>, seed: number) {
  const lr = Number(config.lr ?? 0.001);
  const valBpb = 2.4 + (seed % 97) / 970 + Math.abs(Math.log10(lr) + 3) / 10;
  return { valBpb, trainLoss: valBpb * 0.69, steps: 120 };
}

function result(numbers: { valBpb: number; trainLoss: number; steps: number }) {
  return {
    ...numbers,
    wallS: 2,
    metrics: { val_bpb: numbers.valBpb, device: 'cpu', torch_version: '1.13.1', cpu_kernels: { aten: 'AVX2', openblas: 'Cooperlake' }, replay: { num_threads: 2 } },
  };
}

async function register(api: ApiProcess, name: string, honest: boolean, trusted = false): Promise<Member> {
  const data = await http(api.graphqlUrl, REGISTER, { input: { name, hardware: { cpu: 'benchmark client' } } });
  const { token, worker } = data.registerWorker.data;
  if (trusted) await http(api.graphqlUrl, `mutation ($id: ID!) { setWorkerTrusted(workerId: $id, trusted: true) { __typename } }`, { id: worker.id }, api.adminToken);
  return { name, token, id: worker.id, honest, excluded: false };
}

async function submit(api: ApiProcess, taskCount: number, seed: number): Promise<string> {
  const data = await http(
    api.graphqlUrl,
    SUBMIT,
    {
      input: {
        name: `verification bench ${seed}`,
        hypothesis: 'Replays by independent workers catch fabricated results at a small overhead.',
        script: 'fixture-script',
        dataset: 'brown',
        searchSpace: { lr: { type: 'loguniform', low: 1e-4, high: 1e-2 }, n_layer: { type: 'int', low: 1, high: 6 } },
        taskCount,
        budgetS: 2,
        seed,
      },
    },
    api.adminToken,
  );
  if (data.submitBrief.__typename !== 'MutationSubmitBriefSuccess') throw new Error(data.submitBrief.message);
  return Buffer.from(data.submitBrief.data.id, 'base64').toString().split(':')[1]!;
}

/** Every member leases and reports until the campaign is closed (the API's reaper closes it). */
async function workCampaign(api: ApiProcess, db: pg.Pool, campaignId: string, fleet: Member[]): Promise<void> {
  const closed = async () => (await db.query(`select status from campaign where id = $1`, [campaignId])).rows[0].status !== 'running';
  await Promise.all(
    fleet.map(async (member) => {
      for (let idle = 0; !member.excluded; ) {
        const data = await http(api.graphqlUrl, LEASE, {}, member.token);
        const answer = data.leaseTask;
        if (answer.__typename === 'ExcludedError') {
          member.excluded = true;
          break;
        }
        const lease = answer.data?.lease;
        if (!lease) {
          if (await closed()) break;
          // Nothing for this member now (its own results' replicas, a quota): poll again shortly.
          await new Promise((resolve) => setTimeout(resolve, Math.min(500, 50 * ++idle)));
          continue;
        }
        idle = 0;
        const numbers = member.honest ? honestNumbers(lease.config, lease.seed) : { valBpb: 1.0, trainLoss: 0.69, steps: 120 };
        await http(api.graphqlUrl, COMPLETE, { input: { taskId: lease.taskId, leaseToken: lease.token, result: result(numbers) } }, member.token);
      }
    }),
  );
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (!sorted.length) return Number.NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const round = (value: number, digits = 4) => Math.round(value * 10 ** digits) / 10 ** digits;

async function oneRun(server: pg.Client, run: number) {
  const dbName = `xeenet_bench_verify_${Date.now()}_${run}`;
  await server.query(`create database "${dbName}"`);
  const dbUrl = new URL(args.postgres);
  dbUrl.pathname = `/${dbName}`;
  const fixtureScripts = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../test/fixtures/training-scripts');
  const api = await startApiProcess({
    DATABASE_URL: dbUrl.toString(),
    XEENET_TRAINING_SCRIPTS_DIR: fixtureScripts,
    XEENET_LEASE_TTL_S: '60',
    XEENET_REAPER_INTERVAL_MS: '200',
    XEENET_VERIFICATION: 'replay',
    XEENET_VERIFICATION_SEED: String(run),
  });
  const db = new pg.Pool({ connectionString: dbUrl.toString(), max: 4 });
  try {
    const started = Date.now();
    const seeds = [await register(api, 'seed-0', true, true), await register(api, 'seed-1', true, true)];
    const honest = [...seeds];
    for (let i = 0; i < Number(args.honest); i++) honest.push(await register(api, `honest-${i}`, true));
    const fabricators: Member[] = [];
    for (let i = 0; i < Number(args.fabricators); i++) fabricators.push(await register(api, `fabricator-${i}`, false));

    const mixed = await submit(api, Number(args.tasks), 1000 + run);
    await workCampaign(api, db, mixed, [...honest, ...fabricators]);
    const fabricatorIds = fabricators.map((f) => Buffer.from(f.id, 'base64').toString().split(':')[1]!);
    const accepted = await db.query(
      `select count(*)::int as n from run_result where worker_id = any($1::uuid[]) and validation = 'valid'`,
      [fabricatorIds],
    );
    const canonicalFakes = await db.query(
      `select count(*)::int as n from task t join run_result r on r.id = t.canonical_result_id where t.validation = 'valid' and r.worker_id = any($1::uuid[])`,
      [fabricatorIds],
    );
    const fraud = await db.query(
      `select coalesce(sum(le.amount), 0)::bigint as net from ledger_entry le join credit_account ca on ca.id = le.credit_account_id
       join worker w on w.account_id = ca.account_id where w.id = any($1::uuid[])`,
      [fabricatorIds],
    );
    const untilExcluded = await db.query(
      `select w.id, a.excluded_at is not null as excluded,
         (select count(*)::int from run_result r where r.worker_id = w.id and r.outcome = 'succeeded'
            and (a.excluded_at is null or r.created_at <= a.excluded_at)) as results
       from worker w join account a on a.id = w.account_id where w.id = any($1::uuid[])`,
      [fabricatorIds],
    );
    const mixedSeconds = (Date.now() - started) / 1000;

    // Steady state: the honest fleet alone, once every honest worker is established (warm-up
    // campaigns until then, at most 10).
    const honestIds = honest.map((member) => Buffer.from(member.id, 'base64').toString().split(':')[1]!);
    const establishedCount = async () =>
      (await db.query(`select count(*)::int as n from worker where id = any($1::uuid[]) and (trusted or consecutive_valid >= 10)`, [honestIds])).rows[0].n as number;
    let warmups = 0;
    while ((await establishedCount()) < honest.length && warmups < 10) {
      await workCampaign(api, db, await submit(api, 60, 3000 + 100 * run + warmups++), honest.map((member) => ({ ...member, excluded: false })));
    }
    const establishedBeforeSteady = await establishedCount();
    const steady = await submit(api, Number(args['steady-tasks']), 2000 + run);
    await workCampaign(api, db, steady, honest.map((member) => ({ ...member, excluded: false })));
    const runs = await db.query(
      `select count(*) filter (where t.replica_of_id is null)::int as useful, count(*) filter (where t.replica_of_id is not null)::int as extra
       from run_result r join task t on t.id = r.task_id where t.campaign_id = $1 and r.outcome = 'succeeded'`,
      [steady],
    );
    const figures = {
      fake_results_accepted: accepted.rows[0].n + canonicalFakes.rows[0].n,
      fraud_credits_net: Number(fraud.rows[0].net),
      results_until_excluded: median(untilExcluded.rows.filter((row) => row.excluded).map((row) => row.results)),
      fabricators_excluded: untilExcluded.rows.filter((row) => row.excluded).length,
      verification_overhead: round(runs.rows[0].extra / runs.rows[0].useful),
      steady_useful_runs: runs.rows[0].useful,
      steady_extra_runs: runs.rows[0].extra,
      established_before_steady: establishedBeforeSteady,
      warmup_campaigns: warmups,
      mixed_campaign_s: round(mixedSeconds, 1),
    };
    console.log(`run ${run + 1}/${RUNS}: ${JSON.stringify(figures)}`);
    return figures;
  } finally {
    await db.end();
    await api.stop();
    await server.query(`drop database if exists "${dbName}" with (force)`);
  }
}

const server = new pg.Client({ connectionString: args.postgres });
await server.connect();
const all: Awaited<ReturnType<typeof oneRun>>[] = [];
try {
  for (let run = 0; run < RUNS; run++) all.push(await oneRun(server, run));
} finally {
  await server.end();
}
const med = (key: keyof (typeof all)[number]) => median(all.map((figures) => figures[key] as number));
const summary = {
  benchmark: 'verify',
  runs: RUNS,
  fleet: { trusted_seeds: 2, honest: Number(args.honest), fabricators: Number(args.fabricators), mixed_tasks: Number(args.tasks), steady_tasks: Number(args['steady-tasks']) },
  fake_results_accepted: Math.max(...all.map((f) => f.fake_results_accepted)),
  fraud_credits_net: Math.max(...all.map((f) => f.fraud_credits_net)),
  results_until_excluded: med('results_until_excluded'),
  verification_overhead: med('verification_overhead'),
  per_run: all,
  goals: GOALS,
  goals_met:
    all.every((f) => f.fake_results_accepted === 0 && f.fraud_credits_net === 0) && med('verification_overhead') <= GOALS.verification_overhead,
};
const resultsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../.bench');
mkdirSync(resultsDir, { recursive: true });
writeFileSync(path.join(resultsDir, 'verify.json'), JSON.stringify(summary) + '\n');
console.log(JSON.stringify(summary));
