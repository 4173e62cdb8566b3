// Keeps one lease alive: a heartbeat every few seconds (a third of the lease's time to live, 1–5 s)
// carrying the latest progress. Network trouble is ridden out (the task keeps training and its
// result is reported anyway); a StaleLeaseError means the lease is gone for good.
import type { ApiClient } from './api/client.ts';
import { describeError, HEARTBEAT, isSuccess, type Lease, type ProgressInput } from './api/documents.ts';
import type { Logger } from './log.ts';

export interface LostLease {
  /** The API's LeaseRejection (CANCELLED, EXPIRED, NOT_HOLDER, FINISHED, RELEASED) or the error type. */
  reason: string;
  message: string;
  cancelled: boolean;
}

export interface LeaseKeeperOptions {
  client: ApiClient;
  lease: Lease;
  log: Logger;
  onLost(lost: LostLease): void;
  minIntervalMs?: number;
  maxIntervalMs?: number;
}

export function heartbeatInterval(expiresAt: string, now: number, minMs = 1000, maxMs = 5000): number {
  const ttl = Date.parse(expiresAt) - now;
  if (!Number.isFinite(ttl) || ttl <= 0) return minMs;
  return Math.max(minMs, Math.min(maxMs, Math.floor(ttl / 3)));
}

export class LeaseKeeper {
  private readonly options: LeaseKeeperOptions;
  private timer: NodeJS.Timeout | null = null;
  private inflight = false;
  private stopped = false;
  private intervalMs: number;
  private progressSource: () => ProgressInput = () => ({ message: 'waiting to start' });
  lost: LostLease | null = null;
  beats = 0;
  failures = 0;

  constructor(options: LeaseKeeperOptions) {
    this.options = options;
    this.intervalMs = heartbeatInterval(options.lease.expiresAt, Date.now(), options.minIntervalMs, options.maxIntervalMs);
  }

  get interval(): number {
    return this.intervalMs;
  }

  start(): void {
    this.schedule(this.intervalMs);
  }

  /** What the next heartbeats report. */
  setProgress(source: () => ProgressInput): void {
    this.progressSource = source;
  }

  /** Sends a heartbeat now (e.g. when the task starts running) and restarts the rhythm. */
  beatNow(): void {
    this.schedule(0);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.beat(), delayMs);
  }

  private async beat(): Promise<void> {
    if (this.stopped || this.lost) return;
    if (this.inflight) return this.schedule(this.intervalMs);
    this.inflight = true;
    const { client, lease, log } = this.options;
    try {
      const { heartbeat } = await client.request(
        HEARTBEAT,
        { input: { taskId: lease.taskId, leaseToken: lease.token, progress: this.progressSource() } },
        Math.max(2000, this.intervalMs * 2),
      );
      if (this.stopped) return;
      if (isSuccess(heartbeat)) {
        this.beats++;
        this.failures = 0;
        this.intervalMs = heartbeatInterval(heartbeat.data.expiresAt, Date.now(), this.options.minIntervalMs, this.options.maxIntervalMs);
      } else if (heartbeat.__typename === 'StaleLeaseError' || heartbeat.__typename === 'NotFoundError' || heartbeat.__typename === 'ForbiddenError') {
        const reason = heartbeat.__typename === 'StaleLeaseError' ? heartbeat.reason : null;
        this.lost = { reason: reason ?? heartbeat.__typename, message: heartbeat.message, cancelled: reason === 'CANCELLED' };
        this.stop();
        this.options.onLost(this.lost);
        return;
      } else {
        this.failures++;
        log.warn('heartbeat refused', { taskId: lease.taskId, error: describeError(heartbeat) });
      }
    } catch (error) {
      this.failures++;
      if (this.failures === 1 || this.failures % 10 === 0) {
        log.warn('heartbeat not delivered; the task keeps running', { taskId: lease.taskId, failures: this.failures, error: (error as Error).message });
      }
    } finally {
      this.inflight = false;
    }
    this.schedule(this.intervalMs);
  }
}
