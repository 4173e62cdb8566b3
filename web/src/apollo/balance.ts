import type { ApolloCache } from '@apollo/client';

/**
 * Drops the cached balance after something moved credits (submit, cancel, a campaign closing, a
 * worker paid): every watching query (the header, the credits page) reads it again from the API.
 */
export function invalidateBalance(cache: ApolloCache, accountId: string | undefined): void {
  if (!accountId) return;
  cache.evict({ id: cache.identify({ __typename: 'Account', id: accountId }), fieldName: 'balance' });
}

interface WorkerTasks {
  id: string;
  currentTasks: readonly { id: string }[];
}

/**
 * Follows workers' running tasks from `workerUpdated` events. A task that leaves a worker has
 * finished, and an accepted result pays the worker's owner: `finished` says when that happened.
 * The first sight of a worker only records it (unless `seed` gave its loaded state).
 */
export class PayoutWatch {
  private readonly running = new Map<string, Set<string>>();

  /** Known states (a loaded list), for workers no event has been seen for yet. */
  seed(workers: readonly WorkerTasks[]): void {
    for (const worker of workers) if (!this.running.has(worker.id)) this.running.set(worker.id, new Set(worker.currentTasks.map((task) => task.id)));
  }

  finished(worker: WorkerTasks): boolean {
    const before = this.running.get(worker.id);
    const now = new Set(worker.currentTasks.map((task) => task.id));
    this.running.set(worker.id, now);
    return before !== undefined && [...before].some((id) => !now.has(id));
  }
}
