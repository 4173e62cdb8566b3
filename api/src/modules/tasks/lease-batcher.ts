// Concurrent lease requests share one statement. A request that arrives while fewer than
// maxInFlight batches are running waits only for the rest of this event-loop turn (setImmediate),
// gathering whatever else arrived in it; while the limit is reached, requests queue and leave
// together when a batch comes back. At low load that is a batch of one with no added delay; at
// high load one statement (one plan execution, one commit) serves up to maxBatch workers.
import type { LeaseRequest, LeasedRow } from './sql/lease-tasks.ts';

export type LeaseBatchRunner = (requests: readonly LeaseRequest[], simulatedWorkers: boolean) => Promise<LeasedRow[]>;

interface Pending extends LeaseRequest {
  resolve(rows: LeasedRow[]): void;
  reject(error: unknown): void;
}

/** Simulating and real workers draw from different queues (campaign filter), so each has its own batches. */
class Lane {
  private readonly queue: Pending[] = [];
  private inFlight = 0;
  private scheduled = false;
  private readonly simulated: boolean;
  private readonly options: { run: LeaseBatchRunner; maxBatch: number; maxInFlight: number; onBatch?: (size: number) => void };

  constructor(simulated: boolean, options: Lane['options']) {
    this.simulated = simulated;
    this.options = options;
  }

  add(request: LeaseRequest): Promise<LeasedRow[]> {
    return new Promise((resolve, reject) => {
      this.queue.push({ ...request, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight >= this.options.maxInFlight || !this.queue.length) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    while (this.queue.length && this.inFlight < this.options.maxInFlight) {
      const batch = this.queue.splice(0, this.options.maxBatch);
      this.inFlight++;
      this.options.onBatch?.(batch.length);
      this.options
        .run(batch, this.simulated)
        .then(
          (rows) => {
            const byRequest = batch.map((): LeasedRow[] => []);
            for (const row of rows) byRequest[row.request]?.push(row);
            batch.forEach((pending, i) => {
              // Requests of one batch skip each other's slots: a worker that may take only tasks the
              // others skipped past gets nothing, so while the queue gave work it asks again alone.
              if (byRequest[i]!.length || !rows.length || batch.length === 1) pending.resolve(byRequest[i]!);
              else this.options.run([pending], this.simulated).then(pending.resolve, pending.reject);
            });
          },
          (error: unknown) => batch.forEach((pending) => pending.reject(error)),
        )
        .finally(() => {
          this.inFlight--;
          this.schedule();
        });
    }
  }
}

export class LeaseBatcher {
  private readonly lanes: Record<'real' | 'simulated', Lane>;

  constructor(options: { run: LeaseBatchRunner; maxBatch: number; maxInFlight?: number; onBatch?: (size: number) => void }) {
    const laneOptions = { run: options.run, maxBatch: Math.max(1, options.maxBatch), maxInFlight: options.maxInFlight ?? 4, onBatch: options.onBatch };
    this.lanes = { real: new Lane(false, laneOptions), simulated: new Lane(true, laneOptions) };
  }

  lease(request: LeaseRequest & { simulated: boolean }): Promise<LeasedRow[]> {
    return this.lanes[request.simulated ? 'simulated' : 'real'].add({ workerId: request.workerId, maxTasks: request.maxTasks });
  }
}
