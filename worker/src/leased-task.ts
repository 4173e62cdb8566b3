// A lease this worker holds: the API's lease, its heartbeats, and whether it is still ours. Losing
// it (CANCELLED, EXPIRED, …) aborts `lostSignal`, which whatever works on the task listens to.
import type { ApiClient } from './api/client.ts';
import type { Lease, ProgressInput } from './api/documents.ts';
import { LeaseKeeper, type LostLease } from './lease-keeper.ts';
import type { Logger } from './log.ts';

export class LeasedTask {
  readonly lease: Lease;
  /** Leased ahead, while another task of its slot was running. */
  readonly prefetched: boolean;
  readonly log: Logger;
  private readonly keeper: LeaseKeeper;
  private readonly lostController = new AbortController();
  lost: LostLease | null = null;

  constructor(options: { client: ApiClient; lease: Lease; log: Logger; prefetched: boolean }) {
    this.lease = options.lease;
    this.prefetched = options.prefetched;
    this.log = options.log.child({ taskId: options.lease.taskId });
    this.keeper = new LeaseKeeper({
      client: options.client,
      lease: options.lease,
      log: this.log,
      onLost: (lost) => {
        this.lost = lost;
        this.log.warn(lost.cancelled ? 'campaign cancelled: stopping the task' : 'lease lost: stopping the task', {
          reason: lost.reason,
          message: lost.message,
        });
        this.lostController.abort();
      },
    });
    this.keeper.start();
  }

  /** Aborted when the lease can no longer be completed. */
  get lostSignal(): AbortSignal {
    return this.lostController.signal;
  }

  /** Why the task must stop, for the run's report. */
  get lostReason(): string {
    return this.lost?.cancelled ? 'the campaign was cancelled' : `the lease was lost (${this.lost?.reason ?? 'unknown'})`;
  }

  get heartbeatMs(): number {
    return this.keeper.interval;
  }

  /** From now on heartbeats carry this progress; one goes out at once. */
  reportProgress(source: () => ProgressInput): void {
    this.keeper.setProgress(source);
    this.keeper.beatNow();
  }

  stopHeartbeats(): void {
    this.keeper.stop();
  }
}

export function taskLabel(lease: Lease): string {
  return `task #${lease.index} · try ${lease.attempt}/${lease.maxAttempts}`;
}
