// Operations endpoints. /healthz: the process is up and its event loop turns (no I/O, so a busy
// database never makes an orchestrator kill a healthy process). /readyz: this replica should get
// traffic; each check says what failed. /metrics: Prometheus text format.
import type { ServerResponse } from 'node:http';
import type { AppDeps } from '../context.ts';
import { firstRow, sql, type Db } from '../db/sql.ts';

const CHECK_TIMEOUT_MS = 2000;

export interface CheckResult {
  ok: boolean;
  /** Why it failed, or what was checked. */
  detail?: string;
  ms?: number;
}

export interface Readiness {
  ready: boolean;
  checks: { shutdown: CheckResult; database: CheckResult; migrations: CheckResult; redis: CheckResult };
}

async function timed(work: () => Promise<string | undefined>): Promise<CheckResult> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    const detail = await Promise.race([
      work(),
      new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
      }),
    ]);
    return { ok: true, ...(detail ? { detail } : {}), ms: Math.round(performance.now() - started) };
  } catch (error) {
    return { ok: false, detail: (error as Error).message, ms: Math.round(performance.now() - started) };
  } finally {
    clearTimeout(timer);
  }
}

/** Applied migrations never become pending again, so a success is remembered per process. */
const migrationsApplied = new WeakSet<object>();

export async function checkReadiness(deps: AppDeps): Promise<Readiness> {
  const { orm, events, lifecycle } = deps;
  const shutdown: CheckResult = lifecycle.draining
    ? { ok: false, detail: `shutting down since ${lifecycle.since!.toISOString()}` }
    : { ok: true };
  const [database, migrations, redis] = await Promise.all([
    timed(async () => {
      await firstRow(orm.em.fork() as unknown as Db, sql`select 1 as ok`);
      return undefined;
    }),
    timed(async () => {
      if (migrationsApplied.has(orm)) return undefined;
      const pending = await orm.migrator.getPending();
      if (pending.length > 0) throw new Error(`pending: ${pending.map((migration) => migration.name).join(', ')}`);
      migrationsApplied.add(orm);
      return undefined;
    }),
    timed(async () => ((await events.ping(CHECK_TIMEOUT_MS)) === 'in-process' ? 'not configured (in-process events)' : undefined)),
  ]);
  const checks = { shutdown, database, migrations, redis };
  return { ready: Object.values(checks).every((check) => check.ok), checks };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

export function serveHealth(res: ServerResponse): void {
  json(res, 200, { ok: true });
}

export async function serveReadiness(deps: AppDeps, res: ServerResponse): Promise<void> {
  const readiness = await checkReadiness(deps);
  json(res, readiness.ready ? 200 : 503, readiness);
}

export async function serveMetrics(deps: AppDeps, res: ServerResponse): Promise<void> {
  const { contentType, body } = await deps.metrics.render();
  res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' });
  res.end(body);
}
