// Asking the API for work: leaseTask once connected, after every spooled report has had a delivery
// attempt (so a result from before a reconnection reaches the API before new work is asked for),
// polling with a jittered, growing pause while nothing is queued. Also gives leases back.
import type { ApiClient } from './api/client.ts';
import { describeError, isSuccess, type Lease, LEASE_TASK, REFUSE_TASK, RELEASE_TASK, type TaskRefusalCode } from './api/documents.ts';
import type { Logger } from './log.ts';
import type { Reporter } from './reporter.ts';
import type { SlotView } from './status-board.ts';
import { backoffDelay, sleep } from './util/backoff.ts';

const LEASE_TIMEOUT_MS = 15_000;
const RELEASE_TIMEOUT_MS = 5000;

export interface LeaseSourceOptions {
  client: ApiClient;
  reporter: Reporter;
  log: Logger;
  /** Lease at most this many tasks (--max-tasks). */
  maxTasks: number | null;
  /** Awaited before each lease request (a speed report in flight: the lease's cap follows it). */
  beforeLease?: () => Promise<void>;
}

export class LeaseSource {
  private readonly options: LeaseSourceOptions;
  private closed = false;
  /** Leases taken so far. */
  taken = 0;
  /** Slots waiting in next() with nothing to run: slots that have work lease ahead only when none waits. */
  waiting = 0;
  /** Why the last lease came back empty (QUEUE_EMPTY, TOO_SLOW, ...), logged when it changes. */
  private lastEmptyReason: string | null = null;

  constructor(options: LeaseSourceOptions) {
    this.options = options;
  }

  /** No lease will be taken any more (stopping, or --max-tasks reached). */
  get exhausted(): boolean {
    return this.closed || (this.options.maxTasks != null && this.taken >= this.options.maxTasks);
  }

  /** True once the worker is stopping: no task will start any more. */
  get stopping(): boolean {
    return this.closed;
  }

  /** Called at the first stop request. */
  close(): void {
    this.closed = true;
  }

  /**
   * The next lease. `once`: a single try (leasing ahead), null when none came. Otherwise it polls
   * until one comes, and returns null only once exhausted or `signal` aborts.
   */
  async next(options: { once: boolean; signal: AbortSignal; show(view: SlotView): void }): Promise<Lease | null> {
    const { client, reporter, log } = this.options;
    const { once, signal, show } = options;
    if (!once) this.waiting++;
    try {
      let idle = 0;
      let failures = 0;
      while (!this.exhausted && !signal.aborted) {
        if (!client.connected) {
          if (once) return null;
          show({ phase: 'idle', note: 'waiting for the API' });
          await client.waitConnected(signal);
          continue;
        }
        await reporter.tryAllOnce(10_000, signal);
        await this.options.beforeLease?.();
        if (!once) show({ phase: idle ? 'idle' : 'leasing', note: idle ? 'no queued task; polling' : undefined });
        try {
          const { leaseTask } = await client.request(LEASE_TASK, {}, LEASE_TIMEOUT_MS);
          if (isSuccess(leaseTask)) {
            failures = 0;
            const lease = leaseTask.data.lease;
            if (lease && !this.exhausted) {
              this.taken++;
              return lease;
            }
            if (lease) await this.release(lease, 'worker stopping before the task started');
            else this.noteEmpty(leaseTask.data.reason ?? null, show, once);
          } else {
            failures++;
            log.warn('lease refused', { error: describeError(leaseTask) });
          }
        } catch (error) {
          failures++;
          if (failures === 1 || failures % 10 === 0) log.warn('cannot lease a task yet', { error: (error as Error).message, failures });
        }
        if (once) return null;
        await sleep(failures ? backoffDelay(failures - 1, 1000, 30_000) : backoffDelay(idle++, 1000, 5000), signal);
      }
      return null;
    } finally {
      if (!once) this.waiting--;
    }
  }

  /** A too-slow or wrong-class verdict is worth one log line (not one per poll). */
  private noteEmpty(reason: string | null, show: (view: SlotView) => void, once: boolean): void {
    if (reason !== this.lastEmptyReason) {
      this.lastEmptyReason = reason;
      if (reason === 'TOO_SLOW') {
        this.options.log.warn('queued compute tasks exist, but at this machine’s measured speed none would finish within its wall-clock cap; waiting for others');
      } else if (reason === 'OTHER_HARDWARE') {
        this.options.log.info('queued tasks exist only for another hardware class (wall budgets on CPU or GPU)');
      }
    }
    if (!once && reason === 'TOO_SLOW') show({ phase: 'idle', note: 'queued tasks need a faster machine; polling' });
  }

  /**
   * Refuses a lease with a typed reason (refuseTask): back to the queue, the attempt not counted,
   * never leased to this machine again. Anything but a stale lease falls back to a release.
   */
  async refuse(lease: Lease, code: TaskRefusalCode, reason: string): Promise<void> {
    const { client, log } = this.options;
    try {
      const { refuseTask } = await client.request(
        REFUSE_TASK,
        { input: { taskId: lease.taskId, leaseToken: lease.token, code, reason: reason.slice(0, 2000) } },
        RELEASE_TIMEOUT_MS,
      );
      if (isSuccess(refuseTask)) {
        log.info('task refused', { taskId: lease.taskId, code, reason });
        return;
      }
      log.warn('refusal not accepted', { taskId: lease.taskId, code, error: describeError(refuseTask) });
      if (refuseTask.__typename === 'StaleLeaseError') return;
    } catch (error) {
      log.warn('refusal not delivered; giving the lease back instead', { taskId: lease.taskId, code, error: (error as Error).message });
    }
    await this.release(lease, reason);
  }

  /** Gives a lease back (releaseTask: the attempt is not counted); a failure leaves it to expire. */
  async release(lease: Lease, why: string): Promise<void> {
    const { client, log } = this.options;
    try {
      const { releaseTask } = await client.request(RELEASE_TASK, { input: { taskId: lease.taskId, leaseToken: lease.token } }, RELEASE_TIMEOUT_MS);
      if (isSuccess(releaseTask)) log.info('lease released', { taskId: lease.taskId, why });
      else log.warn('lease not released', { taskId: lease.taskId, why, error: describeError(releaseTask) });
    } catch (error) {
      log.warn('lease not released; it will expire on its own', { taskId: lease.taskId, why, error: (error as Error).message });
    }
  }
}
