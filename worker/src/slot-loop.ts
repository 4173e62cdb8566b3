// One slot's work loop: fetch a job, run it, report it, repeat, with what to do handed in (the
// shape of pg-boss's worker). While a job runs the loop fetches the next one ahead, at the moment
// `aheadInMs` names, so the next job is ready when this one ends; reports are written in the
// background, off the path from one job to the next.
//
//   created ──start()──▶ active ──stop()──▶ stopping ──(current job done)──▶ stopped
//                          ▲  │
//               resume()   │  ▼  pause(mode)
//                        paused ──stop()──▶ stopping
//
// stop(): fetch nothing more, finish the running job, give back the job fetched ahead.
// abort(): also abort the running job (its run() sees `signal` abort). Every wait is abortable.
// pause('finish'): fetch nothing more until resume(), let the running job finish and report, give
// back the job fetched ahead. pause('release'): also abort the running job (as abort() does, but
// the loop lives on). resume(): fetch again, without a restart.
import { sleep } from './util/backoff.ts';

export type LoopState = 'created' | 'active' | 'paused' | 'stopping' | 'stopped';
export type PauseMode = 'finish' | 'release';

/** 'now': fetch ahead now; 'later': ask again shortly (another slot waits for work); 'never'. */
export type AheadDecision = 'now' | 'later' | 'never';

export interface SlotLoopOptions<J, R> {
  /** Waits for a job; null when there will be none (stopping, no more leases). */
  fetch(signal: AbortSignal): Promise<J | null>;
  /** One try at the next job while `current` runs; null when none came. */
  fetchAhead(current: J, signal: AbortSignal): Promise<J | null>;
  /** When to fetch ahead, in ms after the job started; null: never. */
  aheadInMs(job: J): number | null;
  mayFetchAhead(): AheadDecision;
  /** Runs the job to its end; calls started() once it is under way. */
  run(job: J, context: { signal: AbortSignal; started(): void }): Promise<R>;
  /** Reports the result (in the background: the next job may already run). Must not throw. */
  report(job: J, result: R): Promise<void>;
  /** Gives back a job that will not run. */
  release(job: J, why: string): Promise<void>;
  onError(error: unknown, job: J | null): void;
  /** Pause after an unexpected error (default 5 s). */
  errorPauseMs?: number;
  /** Retry interval for mayFetchAhead() = 'later' (default 500 ms). */
  aheadRetryMs?: number;
}

export class SlotLoop<J, R> {
  state: LoopState = 'created';
  private readonly options: SlotLoopOptions<J, R>;
  private readonly stopController = new AbortController();
  private readonly abortController = new AbortController();
  private readonly background = new Set<Promise<unknown>>();
  private running: Promise<void> | null = null;
  /** Aborted by pause(): ends the fetch under way. Replaced at resume(). */
  private pauseController = new AbortController();
  /** Aborted by pause('release'): ends the running job. Replaced for every job. */
  private jobController = new AbortController();
  private pauseReason = '';
  private readonly resumed = new Set<() => void>();

  constructor(options: SlotLoopOptions<J, R>) {
    this.options = options;
  }

  /** Aborted at the first stop request: waits end, fetching stops. */
  get stopSignal(): AbortSignal {
    return this.stopController.signal;
  }

  /** Starts the loop; resolves once it has stopped and its reports are written. */
  start(): Promise<void> {
    this.running ??= this.loop();
    return this.running;
  }

  stop(): void {
    if (this.state === 'active' || this.state === 'created' || this.state === 'paused') this.state = 'stopping';
    this.stopController.abort();
    this.wakeResumed();
  }

  /** Stops fetching until resume(); 'release' also aborts the running job. */
  pause(mode: PauseMode, why: string): void {
    if (this.state !== 'active' && this.state !== 'paused' && this.state !== 'created') return;
    this.state = 'paused';
    this.pauseReason = why;
    this.pauseController.abort();
    if (mode === 'release') this.jobController.abort(`paused: ${why}`);
  }

  resume(): void {
    if (this.state !== 'paused') return;
    this.state = 'active';
    this.pauseController = new AbortController();
    this.wakeResumed();
  }

  private wakeResumed(): void {
    for (const wake of [...this.resumed]) wake();
  }

  /** Resolves at resume() or stop(). */
  private untilResumed(): Promise<void> {
    if (this.state !== 'paused') return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        this.resumed.delete(wake);
        resolve();
      };
      this.resumed.add(wake);
    });
  }

  abort(): void {
    this.stop();
    this.abortController.abort();
  }

  private async loop(): Promise<void> {
    if (this.state === 'created') this.state = 'active';
    const { options } = this;
    let ahead: Promise<J | null> | null = null;
    while (this.state === 'active' || this.state === 'paused' || ahead) {
      let job: J | null = null;
      const timer: { ahead: NodeJS.Timeout | null } = { ahead: null };
      try {
        job = ahead ? await ahead : null;
        ahead = null;
        if (!job && this.state === 'paused') {
          await this.untilResumed();
          continue;
        }
        if (!job && this.state === 'active') job = await options.fetch(AbortSignal.any([this.stopSignal, this.pauseController.signal]));
        if (!job && this.state === 'paused') continue;
        if (!job) break;
        if (this.state === 'paused') {
          await options.release(job, `paused before the task started: ${this.pauseReason}`);
          continue;
        }
        if (this.state !== 'active') {
          await options.release(job, 'worker stopping before the task started');
          break;
        }
        const current = job;
        this.jobController = new AbortController();
        const scheduleAhead = (delayMs: number) => {
          timer.ahead = setTimeout(() => {
            timer.ahead = null;
            if (this.state !== 'active' || ahead) return;
            const decision = options.mayFetchAhead();
            if (decision === 'now') ahead = options.fetchAhead(current, this.stopSignal).catch((error: unknown) => this.failed(error, null));
            else if (decision === 'later') scheduleAhead(options.aheadRetryMs ?? 500);
          }, delayMs);
        };
        const result = await options.run(current, {
          signal: AbortSignal.any([this.abortController.signal, this.jobController.signal]),
          started: () => {
            const inMs = options.aheadInMs(current);
            if (inMs !== null) scheduleAhead(Math.max(0, inMs));
          },
        });
        this.track(options.report(current, result));
      } catch (error) {
        this.failed(error, job);
        if (job) await options.release(job, 'internal error').catch(() => {});
        await sleep(options.errorPauseMs ?? 5000, this.stopSignal);
      } finally {
        if (timer.ahead) clearTimeout(timer.ahead);
      }
    }
    if (ahead) {
      const leftover = await ahead;
      if (leftover) await options.release(leftover, 'worker stopping before the task started').catch((error: unknown) => this.failed(error, leftover));
    }
    await Promise.all([...this.background]);
    this.state = 'stopped';
  }

  private failed(error: unknown, job: J | null): null {
    this.options.onError(error, job);
    return null;
  }

  /** Work that must finish before the loop stops, but not before it starts its next job. */
  private track(work: Promise<unknown>): void {
    const tracked = work.catch((error: unknown) => this.options.onError(error, null)).finally(() => this.background.delete(tracked));
    this.background.add(tracked);
  }
}
