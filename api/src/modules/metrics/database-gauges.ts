// Gauges of the shared state, read from the database when /metrics is scraped, at most once per
// XEENET_METRICS_REFRESH_MS (cached in between, one query in flight at a time). Queued and leased
// counts and the oldest lease use the partial indexes on those states, so their cost follows the
// live backlog, not the table; finished states grow without bound, so they are counted 12 times
// less often. No timer: a replica nobody scrapes never queries.
import { Gauge, type Registry } from 'prom-client';
import type { Orm } from '../../db/orm.ts';
import { type Db, firstRow, rows, sql } from '../../db/sql.ts';
import { ONLINE_WINDOW_MS } from '../workers/worker.service.ts';
import { VALIDATION_STATES } from '../../db/entities/task.entity.ts';

const ACTIVE_STATES = ['queued', 'leased'] as const;
const FINISHED_STATES = ['succeeded', 'failed', 'cancelled'] as const;
const FINISHED_EVERY = 12;

interface Snapshot {
  tasks: Record<string, number>;
  /** Accepted results by validation state (counted as rarely as finished tasks: the table grows). */
  results: Record<string, number>;
  oldestHeartbeatAgeS: number;
  workersOnline: number;
  refreshS: number;
}

export class DatabaseGauges {
  private snapshot: Snapshot | null = null;
  private takenAt = 0;
  private finishedAt = 0;
  private refreshing: Promise<Snapshot> | null = null;
  private readonly orm: Orm;
  private readonly refreshMs: number;
  private readonly leaseTtlS: number;

  constructor(orm: Orm, options: { refreshMs: number; leaseTtlS: number }) {
    this.orm = orm;
    this.refreshMs = options.refreshMs;
    this.leaseTtlS = options.leaseTtlS;
  }

  register(registry: Registry): void {
    const current = () => this.current();
    new Gauge({
      name: 'xeenet_tasks',
      help: `Tasks by state (database; queued and leased refreshed at most every refresh interval, finished states ${FINISHED_EVERY} times less often).`,
      labelNames: ['state'] as const,
      registers: [registry],
      async collect() {
        const { tasks } = await current();
        for (const [state, count] of Object.entries(tasks)) this.set({ state }, count);
      },
    });
    new Gauge({
      name: 'xeenet_heartbeat_oldest_age_seconds',
      help: 'Seconds since the least recently written heartbeat of a leased task (0 with no leases; rows are written at most once per heartbeat write interval); above the lease TTL means the reaper is behind.',
      registers: [registry],
      async collect() {
        this.set((await current()).oldestHeartbeatAgeS);
      },
    });
    new Gauge({
      name: 'xeenet_workers_online',
      help: `Workers heard from (lease, heartbeat, report) within the last ${ONLINE_WINDOW_MS / 1000} s.`,
      registers: [registry],
      async collect() {
        this.set((await current()).workersOnline);
      },
    });
    new Gauge({
      name: 'xeenet_metrics_database_refresh_seconds',
      help: 'How long the last database read behind these gauges took.',
      registers: [registry],
      async collect() {
        this.set((await current()).refreshS);
      },
    });
    // Results verified by replay (XEENET_VERIFICATION=replay); no samples while verification is off.
    new Gauge({
      name: 'xeenet_results',
      help: `Accepted results by validation state (${VALIDATION_STATES.join(', ')}), counted as often as finished tasks.`,
      labelNames: ['validation'] as const,
      registers: [registry],
      async collect() {
        const { results } = await current();
        for (const [state, count] of Object.entries(results)) this.set({ validation: state }, count);
      },
    });
  }

  private current(): Promise<Snapshot> {
    if (this.snapshot && Date.now() - this.takenAt < this.refreshMs) return Promise.resolve(this.snapshot);
    this.refreshing ??= this.refresh().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  private async refresh(): Promise<Snapshot> {
    const started = performance.now();
    const em = this.orm.em.fork() as unknown as Db;
    const live = await firstRow<{ queued: string; leased: string; oldest_age_s: number | null; workers_online: string }>(
      em,
      sql`select
            (select count(*) from task where status = 'queued') as queued,
            (select count(*) from task where status = 'leased') as leased,
            (select extract(epoch from now() - min(lease_expires_at))::float8 + ${this.leaseTtlS}::float8
               from task where status = 'leased') as oldest_age_s,
            (select count(*) from worker where last_seen_at > now() - ${`${ONLINE_WINDOW_MS} milliseconds`}::interval) as workers_online`,
    );
    const tasks: Record<string, number> = { ...this.snapshot?.tasks };
    let results: Record<string, number> = { ...this.snapshot?.results };
    for (const state of ACTIVE_STATES) tasks[state] = Number(live?.[state] ?? 0);
    if (!this.snapshot || Date.now() - this.finishedAt >= this.refreshMs * FINISHED_EVERY) {
      const finished = await rows<{ status: string; count: string }>(
        em,
        sql`select status, count(*) as count from task where status in ('succeeded', 'failed', 'cancelled') group by status`,
      );
      for (const state of FINISHED_STATES) tasks[state] = Number(finished.find((row) => row.status === state)?.count ?? 0);
      const verdicts = await rows<{ validation: string; count: string }>(
        em,
        sql`select validation, count(*) as count from run_result where accepted and validation is not null group by validation`,
      );
      results = verdicts.length ? Object.fromEntries(VALIDATION_STATES.map((state) => [state, Number(verdicts.find((row) => row.validation === state)?.count ?? 0)])) : {};
      this.finishedAt = Date.now();
    }
    this.snapshot = {
      tasks,
      results,
      oldestHeartbeatAgeS: Math.max(0, live?.oldest_age_s ?? 0),
      workersOnline: Number(live?.workers_online ?? 0),
      refreshS: (performance.now() - started) / 1000,
    };
    this.takenAt = Date.now();
    return this.snapshot;
  }
}
