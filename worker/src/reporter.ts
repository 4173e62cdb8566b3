// Delivers spooled reports until the API settles each one. An entry leaves the spool only when the
// API acknowledged it (success or duplicate) or rejected it for good (a typed error such as
// StaleLeaseError); anything else — no connection, a deadline, a server failure — is retried with
// backoff, and at once after every reconnection.
import { type ApiClient, TokenRejectedError } from './api/client.ts';
import { COMPLETE_TASK, describeError, FAIL_TASK, isSuccess } from './api/documents.ts';
import type { Logger } from './log.ts';
import { entryFileName, type Spool, type SpoolEntry } from './spool.ts';
import { backoffDelay, sleep, Waker } from './util/backoff.ts';

export interface ReporterOptions {
  spool: Spool;
  client: ApiClient;
  log: Logger;
  server: string;
  workerId: string;
  requestTimeoutMs?: number;
  /** Called when the API accepted a completion (for the local page). */
  onDelivered?(taskId: string, creditsEarned: number, duplicate: boolean): void;
}

type Verdict = { done: true } | { done: false; replace?: SpoolEntry };

const REJECTED_FOR_GOOD = new Set(['StaleLeaseError', 'NotFoundError', 'ForbiddenError']);

export class Reporter {
  private readonly options: ReporterOptions;
  private readonly active = new Map<string, Promise<void>>();
  private readonly waker = new Waker();
  private stopped = false;
  private foreignLogged = false;
  /** Delivery attempts finished per entry (file), for tryAllOnce. */
  private readonly attemptsDone = new Map<string, number>();
  private readonly attemptListeners = new Set<() => void>();

  constructor(options: ReporterOptions) {
    this.options = options;
  }

  get pending(): number {
    return this.active.size;
  }

  /** Persists the entry, then delivers it in the background. Resolves once it is on disk. */
  async submit(entry: SpoolEntry): Promise<void> {
    let file: string;
    try {
      file = await this.options.spool.put(entry);
    } catch (error) {
      // Cannot persist (disk full, permissions): still try to deliver it from memory.
      file = `unsaved-${entryFileName(entry)}`;
      this.options.log.error('cannot write the report to the spool; delivering it from memory only', { taskId: entry.taskId, error });
    }
    this.start(file, entry);
  }

  /** Delivers everything left in the spool for this server and worker (after a restart). */
  async replay(): Promise<number> {
    const { server, workerId, log } = this.options;
    let started = 0;
    let foreign = 0;
    for (const { file, entry } of await this.options.spool.list()) {
      if (entry.server !== server || entry.workerId !== workerId) {
        foreign++;
        continue;
      }
      if (this.active.has(file)) continue;
      this.start(file, entry);
      started++;
    }
    if (started) log.info('replaying undelivered reports from the spool', { count: started });
    if (foreign && !this.foreignLogged) {
      this.foreignLogged = true;
      log.warn('the spool holds reports for another server or worker identity; they are kept for it', { count: foreign, dir: this.options.spool.dir });
    }
    return started;
  }

  /** Retries every waiting entry now (the connection is back). */
  kick(): void {
    this.waker.wake();
  }

  /** Waits until every entry is settled, the time is up or signal aborts; true when nothing is left. */
  async drain(timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    const timeUp = new AbortController();
    const timer = setTimeout(() => timeUp.abort(), timeoutMs);
    const giveUp = () => timeUp.abort();
    signal?.addEventListener('abort', giveUp, { once: true });
    try {
      while (this.active.size > 0 && Date.now() < deadline && !timeUp.signal.aborted) {
        this.kick();
        await Promise.race([Promise.allSettled([...this.active.values()]), sleep(timeoutMs, timeUp.signal)]);
      }
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', giveUp);
      timeUp.abort();
    }
    return this.active.size === 0;
  }

  /**
   * Makes every pending entry try once more (now) and waits until each has had its try, or the
   * time is up. Leasing waits for this, so that a report from before a reconnection reaches the API
   * before the worker asks for new work (which could otherwise hand it the same task again).
   */
  async tryAllOnce(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    if (this.active.size === 0) return;
    const before = new Map([...this.active.keys()].map((file) => [file, this.attemptsDone.get(file) ?? 0]));
    const done = () => [...before].every(([file, count]) => !this.active.has(file) || (this.attemptsDone.get(file) ?? 0) > count);
    this.kick();
    await new Promise<void>((resolve) => {
      const finish = () => {
        clearTimeout(timer);
        this.attemptListeners.delete(check);
        signal?.removeEventListener('abort', finish);
        resolve();
      };
      const check = () => {
        if (done()) finish();
      };
      const timer = setTimeout(finish, timeoutMs);
      signal?.addEventListener('abort', finish, { once: true });
      this.attemptListeners.add(check);
      check();
    });
  }

  private attempted(file: string): void {
    this.attemptsDone.set(file, (this.attemptsDone.get(file) ?? 0) + 1);
    for (const listener of [...this.attemptListeners]) listener();
  }

  /** Stops retrying; what is left stays in the spool for the next start. */
  stop(): void {
    this.stopped = true;
    this.waker.wake();
  }

  private start(file: string, entry: SpoolEntry): void {
    if (this.active.has(file) || this.stopped) return;
    const loop = this.deliver(file, entry)
      .catch((error: unknown) => this.options.log.error('report delivery crashed; the report stays in the spool', { file, error }))
      .finally(() => {
        this.active.delete(file);
        this.attemptsDone.delete(file);
        for (const listener of [...this.attemptListeners]) listener();
      });
    this.active.set(file, loop);
  }

  private async deliver(file: string, first: SpoolEntry): Promise<void> {
    let entry = first;
    for (let attempt = 0; !this.stopped; attempt++) {
      let verdict: Verdict;
      try {
        verdict = await this.send(file, entry);
        if (!verdict.done) this.attempted(file);
      } catch (error) {
        this.attempted(file);
        if (error instanceof TokenRejectedError || this.stopped) return;
        if (attempt === 0 || attempt % 5 === 4) {
          this.options.log.warn('report not delivered yet; it stays in the spool and is retried', {
            taskId: entry.taskId,
            kind: entry.report.kind,
            attempt: attempt + 1,
            error: (error as Error).message,
          });
        }
        verdict = { done: false };
      }
      if (verdict.done) return;
      if (verdict.replace) {
        entry = verdict.replace;
        attempt = -1;
        continue;
      }
      await sleep(backoffDelay(attempt, 1000, 60_000), this.waker.signal());
    }
  }

  private async settle(file: string): Promise<Verdict> {
    await this.options.spool.remove(file);
    return { done: true };
  }

  private async send(file: string, entry: SpoolEntry): Promise<Verdict> {
    const { client, log } = this.options;
    const timeout = this.options.requestTimeoutMs ?? 20_000;
    const ageMs = Date.now() - Date.parse(entry.createdAt);
    if (entry.report.kind === 'complete') {
      const { completeTask: result } = await client.request(COMPLETE_TASK, { input: entry.report.input }, timeout);
      if (isSuccess(result)) {
        log.info('result delivered', {
          taskId: entry.taskId,
          duplicate: result.data.duplicate,
          creditsEarned: result.data.creditsEarned,
          simulated: result.data.result.simulated,
          ageMs,
        });
        this.options.onDelivered?.(entry.taskId, result.data.creditsEarned, result.data.duplicate);
        return this.settle(file);
      }
      if (result.__typename === 'ValidationError' || result.__typename === 'PayloadTooLargeError') {
        // The API will never take these numbers: report the attempt as failed instead, so the task
        // does not wait for its lease to expire.
        const input = entry.report.input;
        const replacement: SpoolEntry = {
          ...entry,
          note: `completion rejected: ${describeError(result)}`,
          report: {
            kind: 'fail',
            input: {
              taskId: input.taskId,
              leaseToken: input.leaseToken,
              reason: `the API rejected the result line: ${describeError(result)}`.slice(0, 2000),
              stdoutTail: input.result.stdoutTail ?? null,
              stderrTail: null,
              retryable: true,
            },
          },
        };
        log.warn('result rejected by the API; reporting the attempt as failed', { taskId: entry.taskId, error: describeError(result) });
        await this.options.spool.put(replacement);
        return { done: false, replace: replacement };
      }
      if (REJECTED_FOR_GOOD.has(result.__typename)) {
        log.warn('result not accepted by the API', { taskId: entry.taskId, error: describeError(result), ageMs });
        return this.settle(file);
      }
      throw new Error(describeError(result));
    }

    const { failTask: result } = await client.request(FAIL_TASK, { input: entry.report.input }, timeout);
    if (isSuccess(result)) {
      log.info('failure delivered', {
        taskId: entry.taskId,
        duplicate: result.data.duplicate,
        willRetry: result.data.willRetry,
        status: result.data.status,
        ageMs,
      });
      return this.settle(file);
    }
    if (REJECTED_FOR_GOOD.has(result.__typename) || result.__typename === 'ValidationError' || result.__typename === 'PayloadTooLargeError') {
      log.warn('failure report not accepted by the API', { taskId: entry.taskId, error: describeError(result), ageMs });
      return this.settle(file);
    }
    throw new Error(describeError(result));
  }
}
