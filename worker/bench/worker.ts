// `npm run bench:worker`: one worker, N real tasks (char-tiny, real PyTorch) of B seconds against a
// local API process, in the sandbox where this machine has one. Measures how much of the wall time
// goes to the tasks' budgets, and how much of each budget goes to training.
//
//   utilization             = Σ (exit − handoff) / total wall time, from launching the worker process
//                             to the last result acknowledged by the API; the handoff is the moment
//                             the script is handed its config (its budget clock starts there)
//   utilization_after_ready = the same over the wall time from "worker ready" (Python found,
//                             sandbox checked, registered, connected) to the last acknowledged result
//   startup_fraction        = median over tasks of startup_s / budget_s, startup_s being the script's
//                             own "seconds from its budget clock start to its first training step"
//   gap                     = next handoff − previous exit (the worker's clock)
//
// Also measured in the same run: the sandbox's cost per start (median of interleaved plain and
// sandboxed starts of the same interpreter). Exits non-zero unless every task succeeded. The last
// line of output is JSON (also saved to .bench/worker.json).
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { checkSandbox, measureStartCost } from '../src/sandbox/host.ts';
import { startApi } from '../test/helpers/api.ts';
import { REPO_ROOT, testDataset } from '../test/helpers/paths.ts';
import { campaign, submitBrief, task } from '../test/helpers/platform.ts';
import { plainPython } from '../test/helpers/python.ts';
import { newHome, startWorker, type WorkerProcess } from '../test/helpers/worker.ts';

const { values } = parseArgs({
  options: {
    tasks: { type: 'string', default: '20' },
    budget: { type: 'string', default: '5' },
    script: { type: 'string', default: 'char-tiny' },
    'warm-lead': { type: 'string' },
    'start-samples': { type: 'string', default: '30' },
  },
});
const TASKS = Number(values.tasks);
const BUDGET_S = Number(values.budget);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

const round = (value: number, digits = 3) => Math.round(value * 10 ** digits) / 10 ** digits;
const medianOrNull = (list: number[], digits = 3) => (list.length ? round(median(list), digits) : null);

// The sandbox's cost per start, before anything else runs.
const python = plainPython();
const check = await checkSandbox({ bwrap: process.env.XEENET_BWRAP ?? null, pathEnv: process.env.PATH ?? '/usr/bin:/bin', python });
const startCost = check.host ? await measureStartCost(check.host, python, Number(values['start-samples'])) : null;
if (startCost) {
  console.log(`sandbox start cost: ${startCost.costMs} ms (median of ${startCost.samples} starts of ${python} -S -c pass: ${startCost.sandboxedMs} ms in bwrap, ${startCost.plainMs} ms plain)`);
} else {
  console.log(`no sandbox here (${check.status.available ? '' : check.status.reason}): the tasks run unsandboxed`);
}

const api = await startApi({ leaseTtlS: 30 });
let exitCode = 0;
let w: WorkerProcess | null = null;
try {
  const created = await submitBrief(api, {
    name: 'worker benchmark',
    script: values.script,
    dataset: testDataset(),
    taskCount: TASKS,
    budgetS: BUDGET_S,
    seed: 42,
    maxAttempts: 1,
  });
  console.log(`bench:worker: ${TASKS} × ${values.script} tasks of ${BUDGET_S} s on ${testDataset()}, API on ${api.database}`);
  const launchedAt = Date.now();
  const args = ['--max-tasks', String(TASKS), '--name', 'bench-worker', ...(check.host ? [] : ['--allow-unsandboxed'])];
  if (values['warm-lead'] !== undefined) args.push('--warm-lead', values['warm-lead']);
  w = startWorker({ server: api.url, home: newHome(), args });
  const deadline = Date.now() + TASKS * (BUDGET_S + 20) * 1000 + 120_000;
  const worker = w;
  const reports = () => worker.logs.filter((line) => line.msg === 'result delivered' || line.msg === 'failure delivered');
  while (reports().length < TASKS) {
    if (Date.now() > deadline) throw new Error(`timed out with ${reports().length}/${TASKS} reports`);
    if (worker.proc.exitCode !== null) throw new Error(`the worker exited early (${worker.proc.exitCode}): ${worker.stderr()}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const exit = await worker.exited;
  if (exit.code !== 0) throw new Error(`the worker exited with ${exit.code}: ${worker.stderr()}`);

  const at = (line: { time: string }) => Date.parse(line.time);
  const ready = worker.logs.find((line) => line.msg === 'worker ready')!;
  const runs = worker.logs
    .filter((line) => line.msg === 'task finished' || line.msg === 'task failed')
    .map((line) => ({
      spawned: line.spawnedAtMs as number,
      ready: (line.readyAtMs as number | undefined) ?? null,
      started: line.startedAtMs as number,
      exited: line.exitedAtMs as number,
      firstProgressS: (line.firstProgressS as number | undefined) ?? null,
      preloadS: (line.preloadS as number | undefined) ?? null,
      handoffMs: (line.handoffMs as number | undefined) ?? null,
      ok: line.msg === 'task finished',
    }))
    .sort((a, b) => a.started - b.started);
  const lastAck = Math.max(...reports().map(at));
  const busyMs = runs.reduce((sum, run) => sum + (run.exited - run.started), 0);
  const totalMs = lastAck - launchedAt;
  const windowMs = lastAck - at(ready);
  const gaps = runs.slice(1).map((run, index) => run.started - runs[index]!.exited);
  if (process.env.BENCH_DEBUG) console.log('gaps', gaps.map((gap) => Math.round(gap)).join(' '));

  const view = await campaign(api, created.id);
  const metrics: Record<string, number>[] = [];
  for (const { id } of view.tasks) {
    const detail = await task(api, id);
    const accepted = detail.history.find((run) => run.accepted);
    if (accepted?.metrics) metrics.push(accepted.metrics as Record<string, number>);
  }
  const startups = metrics.map((m) => m.startup_s).filter((value): value is number => typeof value === 'number');
  const summary = {
    tasks: runs.length,
    succeeded: view.stats.succeeded,
    failed: runs.filter((run) => !run.ok).length,
    budget_s: BUDGET_S,
    sandboxed: ready.sandboxed === true,
    definitions: {
      utilization: 'Σ (exit − handoff) / total wall time from launching the worker to the last result acknowledged; the handoff starts the budget clock',
      utilization_after_ready: 'Σ (exit − handoff) / wall time from "worker ready" to the last result acknowledged',
      startup_fraction: 'median over tasks of startup_s / budget_s; startup_s = the script’s seconds from its budget clock start to its first training step',
      first_progress_fraction: 'median over tasks of (first progress line − handoff) / budget_s, the worker’s own clock (char-tiny prints progress about once a second)',
      gap: 'next handoff − previous exit',
      handoff_median_ms: 'the worker handing a task to its interpreter → the script’s process started (it is forked then)',
      sandbox_start_cost_ms: 'median of sandboxed starts − median of plain starts of `python -S -c pass`, interleaved, same run',
    },
    utilization: round(busyMs / totalMs, 4),
    utilization_after_ready: round(busyMs / windowMs, 4),
    startup_fraction: startups.length ? round(median(startups.map((value) => value / BUDGET_S)), 4) : null,
    startup_s_median: medianOrNull(startups),
    first_progress_fraction: medianOrNull(runs.flatMap((run) => (run.firstProgressS === null ? [] : [run.firstProgressS / BUDGET_S])), 4),
    gap_median_ms: round(median(gaps), 1),
    // The worker's share of a task's start: from handing it over to the script's process starting.
    handoff_median_ms: medianOrNull(runs.flatMap((run) => (run.handoffMs === null ? [] : [run.handoffMs])), 1),
    gap_p90_ms: round(quantile(gaps, 0.9), 1),
    gap_max_ms: round(Math.max(...gaps), 1),
    busy_s: round(busyMs / 1000, 2),
    wall_s: round(totalMs / 1000, 2),
    wall_after_ready_s: round(windowMs / 1000, 2),
    startup_ms: at(ready) - launchedAt,
    first_task_ms: round(runs[0]!.started - at(ready), 1),
    prefetched: worker.logs.filter((line) => line.msg === 'task started' && line.prefetched).length,
    // The interpreter had imported torch by the time the previous task exited (a warm start), and how long that took.
    warm_ready_before_handoff: runs.filter((run, index) => run.ready !== null && index > 0 && run.ready <= runs[index - 1]!.exited).length,
    preload_s_median: medianOrNull(runs.flatMap((run) => (run.preloadS === null ? [] : [run.preloadS]))),
    warm_lead_s: values['warm-lead'] === undefined ? 'adaptive: 1.5 × the last start-up + 0.5 s, 1 s to the prefetch lead' : Number(values['warm-lead']),
    sandbox_start_cost_ms: startCost?.costMs ?? null,
    sandbox_start_ms: startCost?.sandboxedMs ?? null,
    plain_start_ms: startCost?.plainMs ?? null,
    heartbeat_ms: worker.logs.find((line) => line.msg === 'task leased')?.heartbeatMs ?? null,
    tokens_per_s_median: medianOrNull(metrics.map((m) => m.tokens_per_s!).filter(Number.isFinite), 1),
    val_bpb_median: metrics.length ? round(median(metrics.map((m) => m.val_bpb!)), 4) : null,
    steps_median: metrics.length ? median(metrics.map((m) => m.steps!)) : null,
    failures: worker.logs
      .filter((line) => line.msg === 'task failed')
      .reduce<Record<string, number>>((counts, line) => {
        const reason = String(line.reason).split(':')[0]!;
        counts[reason] = (counts[reason] ?? 0) + 1;
        return counts;
      }, {}),
    device: metrics[0]?.device ?? null,
    database: api.database,
  };
  console.log(`utilization ${summary.utilization} = budgets ${summary.busy_s} s / ${summary.wall_s} s from launch to the last acknowledged result`);
  console.log(`utilization_after_ready ${summary.utilization_after_ready} = ${summary.busy_s} s / ${summary.wall_after_ready_s} s from "worker ready" (start-up took ${summary.startup_ms} ms)`);
  console.log(
    `startup_fraction ${summary.startup_fraction} (the script's start-up to its first step, median ${summary.startup_s_median} s of ${BUDGET_S} s); ` +
      `${summary.warm_ready_before_handoff}/${runs.length - 1} interpreters after the first had imported torch (median ${summary.preload_s_median} s) before the previous task ended`,
  );
  console.log(`gap between tasks: median ${summary.gap_median_ms} ms, p90 ${summary.gap_p90_ms} ms, max ${summary.gap_max_ms} ms`);
  // Saved for the root `npm run bench:worker`, which prints it as its last line after turbo's summary.
  const resultsDir = path.join(REPO_ROOT, '.bench');
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(path.join(resultsDir, 'worker.json'), `${JSON.stringify(summary)}\n`);
  console.log(JSON.stringify(summary));
  if (summary.succeeded !== TASKS) {
    console.error(`bench:worker failed: ${summary.succeeded} of ${TASKS} tasks succeeded (failures: ${JSON.stringify(summary.failures)})`);
    exitCode = 1;
  }
} catch (error) {
  console.error(`bench:worker failed: ${(error as Error).message}`);
  exitCode = 1;
} finally {
  // On any error the worker (and through it its Python) must not outlive the benchmark.
  w?.signal('SIGKILL');
  await api.dispose();
}
process.exit(exitCode);
