// Benchmark: search strategies against a tabular benchmark of real training results.
//
//   npm run bench:search -- [--seeds 20] [--tasks 80] [--workers 1] [--table PATH] [--no-optuna]
//
// The table (training-scripts/bench/search_table.json, made by search_table.py) holds val_bpb for
// every config of a discretised char-transformer space, two seeds each, at compute budgets b, 3b
// (and 9b ...). A lookup replaces training: a task's value is the table's val_bpb for its config
// (continuous proposals snapped to the nearest grid value, in log space for loguniform) at its
// budget, for the seed replicate replicateBit(campaign seed, task number): the same noise draws for
// every strategy and for Optuna. random, tpe and local run every task at the top budget; asha runs
// rung k at budget level k (its rung 0 is the table's smallest budget). Compute is counted in
// top-budget tasks (an ASHA task at level k costs eta^(k - top)), so "best after 40 tasks" means
// after 40 top-budget tasks' worth of compute for every strategy. Each strategy runs as a campaign
// with --workers tasks in flight (1: each result arrives before the next proposal).
// The peer, Optuna's TPE (multivariate, constant liar, 10 start-up trials), runs on the same table,
// seeds and task counts through api/bench/optuna_driver.py in the same run.
// Reports the median over seeds of the best val_bpb after 10, 20, 40, 80 tasks and the regret to the
// table's best value; the last line is JSON.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { gridValues } from '../src/modules/campaigns/sampler.ts';
import { parseSearchSpace, type SearchSpace } from '../src/modules/campaigns/search-space.ts';
import { configKey } from '../src/modules/search/common.ts';
import { createStrategy, rungOf, type StrategyName } from '../src/modules/search/index.ts';
import type { Observation, TaskConfig } from '../src/modules/search/strategy.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const { values: args } = parseArgs({
  options: {
    seeds: { type: 'string', default: '20' },
    tasks: { type: 'string', default: '80' },
    workers: { type: 'string', default: '1' },
    table: { type: 'string', default: path.join(root, 'training-scripts/bench/search_table.json') },
    'no-optuna': { type: 'boolean', default: false },
  },
});
const SEEDS = Array.from({ length: Number(args.seeds) }, (_, i) => i);
const TASKS = Number(args.tasks);
const WORKERS = Number(args.workers);
const CHECKPOINTS = [10, 20, 40, 80].filter((c) => c <= TASKS);

interface TableEntry {
  config: TaskConfig;
  val_bpb: Record<string, (number | null)[]>;
}
interface Table {
  how: { space: Record<string, unknown>; budgets_tokens: number[]; eta: number; torch: string; date: string; threads: number };
  configs: TableEntry[];
}
const table = JSON.parse(readFileSync(args.table, 'utf8')) as Table;
const parsed = parseSearchSpace(table.how.space);
if (!parsed.ok) throw new Error(`the table's space is invalid: ${JSON.stringify(parsed.errors)}`);
const space: SearchSpace = parsed.space;
const budgets = table.how.budgets_tokens;
const eta = table.how.eta;
const topLevel = budgets.length - 1;
const lookup = new Map(table.configs.map((entry) => [configKey(entry.config), entry]));

/** The same 32-bit mix as optuna_driver.py's replicate_bit. */
function replicateBit(seed: number, task: number): number {
  let h = (Math.imul(seed, 0x9e3779b1) + Math.imul(task + 1, 0x85ebca6b)) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d) >>> 0;
  h ^= h >>> 15;
  return h & 1;
}

function snap(config: TaskConfig): TaskConfig {
  const out: TaskConfig = {};
  for (const name of space.names) {
    const param = space.params[name]!;
    const value = config[name] ?? null;
    if (param.type === 'choice' || param.type === 'constant' || typeof value !== 'number') {
      out[name] = value;
      continue;
    }
    const grid = gridValues(param) as number[];
    const measure = param.type === 'loguniform' ? Math.log : (x: number) => x;
    out[name] = grid.reduce((best, g) => (Math.abs(measure(g) - measure(value)) < Math.abs(measure(best) - measure(value)) ? g : best));
  }
  return out;
}

function tableValue(config: TaskConfig, level: number, replicate: number): number | null {
  const entry = lookup.get(configKey(snap(config)));
  if (!entry) throw new Error(`config not in the table: ${configKey(config)}`);
  return entry.val_bpb[String(budgets[level])]![replicate] ?? null;
}

const topValues = table.configs.flatMap((e) => e.val_bpb[String(budgets[topLevel])]!).filter((v): v is number => v !== null);
const tableBest = Math.min(...topValues);

/** One campaign: the best value seen by each checkpoint's compute (in top-budget tasks). */
function runCampaign(name: StrategyName, seed: number): number[] {
  const strategy = createStrategy(name);
  const isAsha = name === 'asha';
  const context = { space, seed, taskBudget: 100_000, options: isAsha ? { eta, rungs: budgets.length } : name === 'local' ? { parallel: WORKERS } : {} };
  const arrived: Observation[] = []; // finished tasks, in the order their results arrived
  const inFlight: { observation: Observation; finish: number; cost: number; value: number | null }[] = [];
  let now = 0; // simulated time: a task takes its cost in time units
  let started = 0;
  let spent = 0; // compute of finished tasks
  let best = Infinity;
  const bests: number[] = [];
  while (bests.length < CHECKPOINTS.length) {
    const idle = WORKERS - inFlight.length;
    if (idle > 0) {
      const history = [...arrived, ...inFlight.map((t) => t.observation)];
      for (const proposal of strategy.propose(context, history, idle)) {
        const level = isAsha ? Math.min(rungOf(proposal.budgetScale, eta), topLevel) : topLevel;
        const cost = eta ** (level - topLevel);
        const value = tableValue(proposal.config, level, replicateBit(seed, started));
        const observation: Observation = {
          taskId: `t${started++}`, config: proposal.config, seed: proposal.seed,
          budgetScale: proposal.budgetScale, state: 'running', value: null,
        };
        inFlight.push({ observation, finish: now + cost, cost, value });
      }
    }
    if (inFlight.length === 0) break; // the strategy has nothing left to try
    // The next result to arrive: the earliest finish (the earliest start on a tie).
    let next = 0;
    for (let i = 1; i < inFlight.length; i++) if (inFlight[i]!.finish < inFlight[next]!.finish) next = i;
    const done = inFlight.splice(next, 1)[0]!;
    now = done.finish;
    done.observation.state = done.value === null ? 'failed' : 'completed';
    done.observation.value = done.value;
    arrived.push(done.observation);
    while (bests.length < CHECKPOINTS.length && spent + done.cost > CHECKPOINTS[bests.length]! + 1e-9) bests.push(best);
    spent += done.cost;
    if (done.value !== null) best = Math.min(best, done.value);
  }
  while (bests.length < CHECKPOINTS.length) bests.push(best);
  return bests;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** A Python 3 that can import optuna ($XEENET_PYTHON, python3, /usr/bin/python3), or null. */
function findOptunaPython(): string | null {
  const candidates = [process.env.XEENET_PYTHON, 'python3', '/usr/bin/python3'].filter((c): c is string => !!c);
  return candidates.find((python) => spawnSync(python, ['-c', 'import optuna'], { encoding: 'utf8' }).status === 0) ?? null;
}

function optunaBests(): { version: string; bests: number[][] } | { error: string } {
  let python = findOptunaPython();
  if (!python) {
    // Installed the way the other system dependencies are (Debian's python3-optuna).
    spawnSync('bash', [path.join(root, 'scripts/ensure-system-deps.sh')], { stdio: 'inherit' });
    python = findOptunaPython();
    if (!python) return { error: 'python3-optuna is missing and could not be installed (apt-get install python3-optuna)' };
  }
  const run = spawnSync(
    python,
    [
      path.join(here, 'optuna_driver.py'), '--table', args.table, '--tasks', String(TASKS),
      '--workers', String(WORKERS), '--seeds', ...SEEDS.map(String),
    ],
    { encoding: 'utf8', maxBuffer: 64 << 20 },
  );
  if (run.status !== 0) return { error: `optuna_driver.py failed: ${run.stderr.slice(-2000)}` };
  const out = JSON.parse(run.stdout) as { optuna: string; values: Record<string, (number | null)[]> };
  const bests = SEEDS.map((seed) => {
    const values = out.values[String(seed)]!;
    return CHECKPOINTS.map((c) => Math.min(...values.slice(0, c).map((v) => v ?? Infinity)));
  });
  return { version: out.optuna, bests };
}

const strategies: StrategyName[] = ['random', 'tpe', 'asha', 'local'];
const started = performance.now();
const results: Record<string, number[][]> = {};
for (const name of strategies) results[name] = SEEDS.map((seed) => runCampaign(name, seed));
const oursSeconds = (performance.now() - started) / 1000;
let optunaVersion: string | null = null;
let optunaSeconds: number | null = null;
if (!args['no-optuna']) {
  const optunaStart = performance.now();
  const optuna = optunaBests();
  optunaSeconds = (performance.now() - optunaStart) / 1000;
  if ('error' in optuna) {
    console.error(`bench:search: ${optuna.error}`);
    process.exit(1);
  }
  results.optuna_tpe = optuna.bests;
  optunaVersion = optuna.version;
}

const pad = (text: string, width: number) => text.padEnd(width);
console.log(
  `search strategies on ${args.table.replace(root + '/', '')}: ${table.configs.length} configs x 2 seeds x ${budgets.length} budgets ` +
    `(budget_tokens ${budgets.join(', ')}; torch ${table.how.torch}, ${table.how.threads} thread, recorded ${table.how.date})`,
);
console.log(`${SEEDS.length} campaign seeds, ${WORKERS} task(s) in flight; table best val_bpb ${tableBest.toFixed(4)} (top budget)`);
console.log(`median best val_bpb after N top-budget tasks of compute (regret to the table's best in brackets)`);
console.log(pad('strategy', 12) + CHECKPOINTS.map((c) => pad(`N=${c}`, 20)).join(''));
const summary: Record<string, unknown> = {};
for (const [name, perSeed] of Object.entries(results)) {
  const medians = CHECKPOINTS.map((_, i) => median(perSeed.map((bests) => bests[i]!)));
  console.log(pad(name, 12) + medians.map((m) => pad(`${m.toFixed(4)} (+${(m - tableBest).toFixed(4)})`, 20)).join(''));
  CHECKPOINTS.forEach((c, i) => {
    summary[`${name}_best_at_${c}`] = Number(medians[i]!.toFixed(5));
    summary[`${name}_regret_at_${c}`] = Number((medians[i]! - tableBest).toFixed(5));
  });
}
const adaptive = ['tpe', 'asha', 'local'].map((name) => [name, summary[`${name}_best_at_40`] as number] as const);
const [bestAdaptive, bestAdaptiveValue] = adaptive.reduce((a, b) => (b[1] < a[1] ? b : a));
console.log(
  `at 40: best adaptive ${bestAdaptive} ${bestAdaptiveValue.toFixed(4)} vs random ${(summary.random_best_at_40 as number).toFixed(4)}` +
    (optunaVersion ? ` and Optuna ${optunaVersion} TPE ${(summary.optuna_tpe_best_at_40 as number).toFixed(4)}` : ''),
);
const final = {
  bench: 'search',
  ...summary,
  table_best: Number(tableBest.toFixed(5)),
  table_configs: table.configs.length,
  budgets_tokens: budgets,
  seeds: SEEDS.length,
  workers: WORKERS,
  optuna: optunaVersion,
  best_adaptive_at_40: bestAdaptive,
  strategies_s: Number(oursSeconds.toFixed(2)),
  optuna_s: optunaSeconds === null ? null : Number(optunaSeconds.toFixed(2)),
};
const resultsDir = path.join(root, '.bench');
mkdirSync(resultsDir, { recursive: true });
writeFileSync(path.join(resultsDir, 'search.json'), JSON.stringify(final) + '\n');
console.log(JSON.stringify(final));
