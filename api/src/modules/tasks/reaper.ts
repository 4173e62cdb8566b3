// Background upkeep on a timer: expired leases go back to the queue (or fail after their last
// attempt, with the reason recorded), and campaigns with no live tasks are closed and refunded.
// Every statement uses SKIP LOCKED or a single UPDATE, so several API replicas can run it at once.
import type { Orm } from '../../db/orm.ts';
import { firstRow, rows, sql } from '../../db/sql.ts';
import type { Logger } from '../../logger.ts';
import { CreditService } from '../credits/credit.service.ts';
import type { EventBus } from '../events/event-bus.ts';

export interface ReapReport {
  requeued: number;
  failed: number;
  campaignsCompleted: number;
}

export class Reaper {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private readonly orm: Orm;
  private readonly events: EventBus;
  private readonly log: Logger;
  private readonly intervalMs: number;

  constructor(orm: Orm, events: EventBus, log: Logger, intervalMs: number) {
    this.orm = orm;
    this.events = events;
    this.log = log;
    this.intervalMs = intervalMs;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.tick()
        .then((report) => {
          if (report.requeued || report.failed || report.campaignsCompleted) this.log.info('reaper', { ...report });
        })
        .catch((error: unknown) => this.log.error('reaper tick failed', { error: (error as Error).message }))
        .finally(() => {
          this.running = null;
        });
    }, this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  async tick(): Promise<ReapReport> {
    const em = this.orm.em.fork() as never as Parameters<typeof rows>[0];
    const expired = await rows<{ id: string; campaign_id: string; status: string; worker_id: string | null }>(
      em,
      sql`with expired as (
            select id from task where status = 'leased' and lease_expires_at < now()
            for update skip locked
          ), updated as (
            update task t set
              status = case when t.attempts >= t.max_attempts then 'failed' else 'queued' end,
              failure_reason = case when t.attempts >= t.max_attempts
                then 'lease expired on the last of ' || t.max_attempts || ' attempts: the worker stopped sending heartbeats'
                else t.failure_reason end,
              finished_at = case when t.attempts >= t.max_attempts then now() else null end,
              lease_expires_at = null, progress = null, updated_at = now()
            from expired where t.id = expired.id
            returning t.id, t.campaign_id, t.status, t.worker_id, t.attempts, t.lease_token
          ), history as (
            insert into run_result (id, task_id, campaign_id, worker_id, lease_token, attempt, outcome, accepted, simulated, error, created_at)
            select gen_random_uuid(), id, campaign_id, worker_id, lease_token, attempts, 'expired', false, false,
              'lease expired: no heartbeat from the worker', now()
            from updated
          )
          select id, campaign_id, status, worker_id from updated`,
    );
    for (const task of expired) this.events.taskChanged(task.campaign_id, task.id);

    const candidates = await rows<{ id: string }>(
      em,
      sql`select c.id from campaign c
          where c.status = 'running'
            and not exists (select 1 from task t where t.campaign_id = c.id and t.status in ('queued', 'leased'))`,
    );
    let campaignsCompleted = 0;
    for (const { id } of candidates) {
      // Closing and refunding commit together, so no escrow is ever left behind.
      const closedFor = await em.transactional(async (tx) => {
        const row = await firstRow<{ owner_id: string }>(
          tx,
          sql`update campaign c set status = 'completed', finished_at = now()
              where c.id = ${id}::uuid and c.status = 'running'
                and not exists (select 1 from task t where t.campaign_id = c.id and t.status in ('queued', 'leased'))
              returning c.owner_id`,
        );
        if (row) await new CreditService(tx).refundRemainder(id, row.owner_id);
        return row?.owner_id ?? null;
      });
      if (closedFor) {
        campaignsCompleted++;
        this.events.campaignChanged(id);
        this.events.campaignListChanged(id);
        this.events.balanceChanged(closedFor);
      }
    }
    return {
      requeued: expired.filter((task) => task.status === 'queued').length,
      failed: expired.filter((task) => task.status === 'failed').length,
      campaignsCompleted,
    };
  }
}
