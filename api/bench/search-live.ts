// The live part of bench:search: a 40-task adaptive campaign (tpe by default, or asha) against a
// 40-task random campaign, each on real training (char-transformer, real PyTorch, real workers)
// with the same per-task wall budget, one after the other on the same fleet so neither gets more
// compute. Reports both bests (and the best after 10 and 20 results, by arrival); with --repeats
// the medians over repeats. The last line is JSON (also saved to .bench/search-live.json).
//
//   node bench/search-live.ts [--tasks 40] [--budget 4] [--adaptive tpe|asha] [--workers 1] [--repeats 1]
//
// ASHA runs promoted tasks at η× the budget, so at equal task counts it spends more compute than
// random: its figure is reported with the compute it used (compute_s) for that reason.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startApi } from '../../worker/test/helpers/api.ts';
import { testDataset } from '../../worker/test/helpers/paths.ts';
import { gql } from '../../worker/test/helpers/platform.ts';
import { newHome, startWorker, type WorkerProcess } from '../../worker/test/helpers/worker.ts';

const { values } = parseArgs({
  options: {
    tasks: { type: 'string', default: '40' },
    budget: { type: 'string', default: '4' },
    adaptive: { type: 'string', default: 'tpe' },
    workers: { type: 'string', default: '1' },
    repeats: { type: 'string', default: '1' },
    script: { type: 'string', default: 'char-transformer' },
  },
});
const TASKS = Number(values.tasks);
const BUDGET_S = Number(values.budget);
const ADAPTIVE = values.adaptive === 'asha' ? 'asha' : 'tpe';
const WORKERS = Number(values.workers);
const REPEATS = Number(values.repeats);

const median = (list: number[]) => {
  const sorted = [...list].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
const round = (value: number | null, digits = 4) => (value === null ? null : Math.round(value * 10 ** digits) / 10 ** digits);

interface CampaignRun {
  best: number | null;
  bestAt: Record<number, number | null>;
  computeS: number;
  wallS: number;
  failed: number;
}

const SUBMIT = `mutation ($input: SubmitBriefInput!) { submitBrief(input: $input) { __typename
  ... on MutationSubmitBriefSuccess { data { id } } ... on Error { message } } }`;
const STATE = `query ($id: ID!) { campaign(id: $id) { status stats { succeeded failed bestValBpb }
  tasks(first: 1000) { edges { node { valBpb budgetS status finishedAt } } } } }`;

async function runCampaign(api: { graphqlUrl: string }, strategy: string, seed: number, space: unknown): Promise<CampaignRun> {
  const started = Date.now();
  const submitted = await gql(api, SUBMIT, {
    input: {
      name: `bench:search live ${strategy}`,
      hypothesis: `${strategy} finds a lower val_bpb than its peer in ${TASKS} tasks of ${BUDGET_S} s.`,
      script: values.script,
      dataset: testDataset(),
      searchSpace: space,
      strategy: strategy.toUpperCase(),
      taskCount: TASKS,
      budgetS: BUDGET_S,
      seed,
      maxAttempts: 2,
    },
  });
  if (submitted.submitBrief.__typename !== 'MutationSubmitBriefSuccess') throw new Error(submitted.submitBrief.message);
  const id = submitted.submitBrief.data.id as string;
  const deadline = Date.now() + TASKS * (BUDGET_S * 9 + 30) * 1000;
  for (;;) {
    const { campaign } = await gql(api, STATE, { id });
    if (campaign.status !== 'RUNNING') {
      const tasks = (campaign.tasks.edges as { node: { valBpb: number | null; budgetS: number; status: string; finishedAt: string | null } }[])
        .map((edge) => edge.node)
        .filter((task) => task.finishedAt)
        .sort((a, b) => Date.parse(a.finishedAt!) - Date.parse(b.finishedAt!));
      const bestAfter = (n: number) => {
        const values = tasks.slice(0, n).flatMap((task) => (task.valBpb === null ? [] : [task.valBpb]));
        return values.length ? Math.min(...values) : null;
      };
      return {
        best: campaign.stats.bestValBpb,
        bestAt: { 10: bestAfter(10), 20: bestAfter(20), [TASKS]: bestAfter(TASKS) },
        computeS: tasks.filter((task) => task.status === 'SUCCEEDED').reduce((sum, task) => sum + task.budgetS, 0),
        wallS: (Date.now() - started) / 1000,
        failed: campaign.stats.failed,
      };
    }
    if (Date.now() > deadline) throw new Error(`${strategy} campaign timed out`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

const api = await startApi({ reaperIntervalMs: 500 });
const fleet: WorkerProcess[] = [];
let exitCode = 0;
try {
  const scripts = await gql(api, `query { artifacts(kind: SCRIPT, first: 50) { edges { node { name searchSpace } } } }`);
  const space = (scripts.artifacts.edges as { node: { name: string; searchSpace: unknown } }[]).find((edge) => edge.node.name === values.script)?.node.searchSpace;
  if (!space) throw new Error(`no ${values.script} script on the platform`);
  for (let i = 0; i < WORKERS; i++) fleet.push(startWorker({ server: api.url, home: newHome(), args: ['--name', `bench-search-${i}`, '--allow-unsandboxed'] }));
  await Promise.all(fleet.map((worker) => worker.waitForLog((line) => line.msg === 'worker ready', 120_000, 'worker ready')));
  console.log(`bench:search live: ${TASKS} × ${values.script} tasks of ${BUDGET_S} s on ${testDataset()}, ${WORKERS} worker(s), ${ADAPTIVE} vs random, ${REPEATS} repeat(s), API on ${api.database}`);
  const runs: { random: CampaignRun; adaptive: CampaignRun }[] = [];
  for (let repeat = 0; repeat < REPEATS; repeat++) {
    // Random first on odd repeats: a machine that slows down over the run must not favour one side.
    const order = repeat % 2 ? ['random', ADAPTIVE] : [ADAPTIVE, 'random'];
    const results: Record<string, CampaignRun> = {};
    for (const strategy of order) {
      results[strategy] = await runCampaign(api, strategy, 1000 + repeat, space);
      const run = results[strategy]!;
      console.log(`  repeat ${repeat + 1} ${strategy.padEnd(6)} best ${run.best?.toFixed(4)} (after 10: ${run.bestAt[10]?.toFixed(4)}, 20: ${run.bestAt[20]?.toFixed(4)}), ${run.computeS} s of budgets, ${run.wallS.toFixed(0)} s wall, ${run.failed} failed`);
    }
    runs.push({ random: results.random!, adaptive: results[ADAPTIVE]! });
  }
  const pick = (side: 'random' | 'adaptive', key: (run: CampaignRun) => number | null) => {
    const found = runs.map((run) => key(run[side])).filter((value): value is number => value !== null);
    return found.length ? round(median(found)) : null;
  };
  const summary = {
    bench: 'search-live',
    script: values.script,
    dataset: testDataset(),
    tasks: TASKS,
    budget_s: BUDGET_S,
    workers: WORKERS,
    repeats: REPEATS,
    adaptive: ADAPTIVE,
    random_best_at_10: pick('random', (run) => run.bestAt[10] ?? null),
    random_best_at_20: pick('random', (run) => run.bestAt[20] ?? null),
    [`random_best_at_${TASKS}`]: pick('random', (run) => run.best),
    [`${ADAPTIVE}_best_at_10`]: pick('adaptive', (run) => run.bestAt[10] ?? null),
    [`${ADAPTIVE}_best_at_20`]: pick('adaptive', (run) => run.bestAt[20] ?? null),
    [`${ADAPTIVE}_best_at_${TASKS}`]: pick('adaptive', (run) => run.best),
    random_compute_s: median(runs.map((run) => run.random.computeS)),
    [`${ADAPTIVE}_compute_s`]: median(runs.map((run) => run.adaptive.computeS)),
    wall_s: round(runs.reduce((sum, run) => sum + run.random.wallS + run.adaptive.wallS, 0), 1),
  };
  const dir = path.resolve(import.meta.dirname, '../../.bench');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'search-live.json'), `${JSON.stringify(summary)}\n`);
  console.log(JSON.stringify(summary));
} catch (error) {
  console.error(error);
  exitCode = 1;
} finally {
  for (const worker of fleet) worker.signal('SIGTERM');
  await Promise.all(fleet.map((worker) => worker.exited));
  await api.stop();
}
process.exitCode = exitCode;
