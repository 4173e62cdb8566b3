// The yardstick for bench:lease: graphile-worker 0.16 draining no-op jobs on the same PostgreSQL
// database, in the same run, at concurrency 24 (its runner in this process, so its CPU is this
// process's). Jobs are queued first; the drain rate is counted over the same warm-up and window
// as the XeeNet phase.
import { Logger, makeWorkerUtils, run } from 'graphile-worker';
import pg from 'pg';
import { cpuBetween, cpuSeconds, round } from './clients.ts';

const silent = new Logger(() => () => {});

export interface GraphileFigures {
  jobs_per_s: number;
  jobs: number;
  concurrency: number;
  /** This process (graphile's runner) per job; PostgreSQL: the database's own backends. */
  runner_cpu_ms_per_job: number | null;
  postgres_cpu_ms_per_job: number | null;
}

export async function graphileDrain(
  connectionString: string,
  options: { concurrency: number; warmupS: number; durationS: number; expectedPerS: number; backends: () => Promise<Map<number, number>> },
): Promise<GraphileFigures> {
  const utils = await makeWorkerUtils({ connectionString, logger: silent });
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    await utils.migrate();
    const jobs = Math.ceil((options.warmupS + options.durationS) * options.expectedPerS * 1.5);
    // One add_jobs call: the queue fills in seconds, not one add_job (and NOTIFY) per job.
    await client.query(
      `select graphile_worker.add_jobs(array(
         select row('noop', '{}'::json, null, null, null, null, null, null)::graphile_worker.job_spec from generate_series(1, $1)))`,
      [jobs],
    );
  } finally {
    await client.end();
    await utils.release();
  }
  let done = 0;
  let counted = 0;
  let measuring = false;
  // Its own pool, ended here: the database is dropped after the run.
  const pgPool = new pg.Pool({ connectionString, max: options.concurrency + 2 });
  pgPool.on('error', () => {});
  const runner = await run({
    pgPool,
    concurrency: options.concurrency,
    noHandleSignals: true,
    pollInterval: 1000,
    taskList: { noop: async () => {} },
    // Its default logger prints a line per job.
    logger: silent,
  });
  runner.events.on('job:success', () => {
    done++;
    if (measuring) counted++;
  });
  await new Promise((resolve) => setTimeout(resolve, options.warmupS * 1000));
  const cpuBefore = { runner: cpuSeconds(process.pid), postgres: await options.backends() };
  measuring = true;
  await new Promise((resolve) => setTimeout(resolve, options.durationS * 1000));
  measuring = false;
  const cpuAfter = { runner: cpuSeconds(process.pid), postgres: await options.backends() };
  await runner.stop();
  await pgPool.end();
  const perJob = (before: number | null, after: number | null) => (before === null || after === null || !counted ? null : round(((after - before) * 1000) / counted));
  if (done === 0) throw new Error('graphile-worker ran no job');
  return {
    jobs_per_s: Math.round(counted / options.durationS),
    jobs: counted,
    concurrency: options.concurrency,
    runner_cpu_ms_per_job: perJob(cpuBefore.runner, cpuAfter.runner),
    postgres_cpu_ms_per_job: perJob(0, cpuBetween(cpuBefore.postgres, cpuAfter.postgres)),
  };
}
