// Background upkeep on a timer: expired leases go back to the queue (or fail after their last
// attempt; the lifecycle's expire transition), and campaigns with no live tasks are closed and
// refunded. Every statement uses SKIP LOCKED or a single UPDATE, so several API replicas can run it.
import type { Logger } from '../../logger.ts';
import type { CampaignLoop } from '../campaigns/campaign-loop.ts';
import type { CampaignService } from '../campaigns/campaign.service.ts';
import type { VerificationService } from '../verification/verification.service.ts';
import type { TaskLifecycle } from './lifecycle.ts';

export interface ReapReport {
  requeued: number;
  failed: number;
  campaignsCompleted: number;
  /** Campaigns the loop stepped (marks, proposals, confirm phase). */
  campaignsStepped: number;
}

/** A fresh unit of work per tick. */
export type ReaperWork = () => { lifecycle: TaskLifecycle; campaigns: CampaignService; loop: CampaignLoop; verification: VerificationService };

export class Reaper {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private readonly work: ReaperWork;
  private readonly log: Logger;
  private readonly intervalMs: number;

  constructor(work: ReaperWork, log: Logger, intervalMs: number) {
    this.work = work;
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
    const { lifecycle, campaigns, loop, verification } = this.work();
    const { failedIds, ...expired } = await lifecycle.expire();
    // A replica that expired on its last attempt is replaced (or its original left inconclusive).
    for (const taskId of failedIds) await verification.afterReplicaFailed(taskId);
    // The periodic top-up: results a replica did not step after (it died, or a lease expired for
    // good), and workers that came online since, get their proposals here.
    const campaignsStepped = await loop.topUpAll();
    const campaignsCompleted = await campaigns.closeFinished();
    return { ...expired, campaignsCompleted, campaignsStepped };
  }
}
