// Makes a leased task runnable here: its script and dataset fetched and verified by SHA-256 (a
// mismatch is downloaded once more, then refused; a download that keeps failing gives the task
// back) and its config: the lease's hyperparameters plus budget_s, seed, a compute budget's
// budget_tokens or budget_flops and, when set, device and num_threads. Where the dataset shows to the script (dataset_path) is the executor's business.
import type { Lease } from './api/documents.ts';
import { artifactUrl, type ServerUrls } from './api/server.ts';
import { type ArtifactCache, ArtifactFetchError, ArtifactMismatchError } from './artifacts.ts';
import type { LeasedTask } from './leased-task.ts';
import { backoffDelay, sleep } from './util/backoff.ts';

export interface PreparedTask {
  lease: Lease;
  /** The verified script: exactly these bytes run. */
  script: Buffer;
  /** The verified dataset, in the cache. */
  datasetPath: string;
  /** config.json without dataset_path. */
  config: Record<string, unknown>;
}

export type Preparation =
  | { kind: 'ready'; task: PreparedTask }
  /** Never to be run (it does not match its hash): report it as failed. */
  | { kind: 'refused'; reason: string; retryable: boolean }
  /** Not runnable here now (downloads keep failing): give it back. */
  | { kind: 'unavailable'; reason: string }
  /** Stopping, or the lease was lost: nothing to do. */
  | { kind: 'stopped' };

export interface PreparerOptions {
  cache: ArtifactCache;
  urls: ServerUrls;
  /** --device, passed as `device` when set. */
  device: string | null;
  /** num_threads when several slots share the CPU. */
  threads: number | null;
  maxFetchAttempts?: number;
}

export class Preparer {
  private readonly options: PreparerOptions;

  constructor(options: PreparerOptions) {
    this.options = options;
  }

  async prepare(task: LeasedTask, stopSignal: AbortSignal): Promise<Preparation> {
    const { cache, urls } = this.options;
    const { lease, log } = task;
    const config = lease.config;
    if (typeof config !== 'object' || config === null || Array.isArray(config)) {
      return { kind: 'refused', reason: 'refused to run: the lease’s config is not a JSON object', retryable: false };
    }
    // A download for a task that will be given back (stop) or dropped (lease lost) ends at once.
    const signal = AbortSignal.any([stopSignal, task.lostSignal]);
    for (let attempt = 0; ; attempt++) {
      if (signal.aborted) return { kind: 'stopped' };
      try {
        const [script, datasetPath] = await Promise.all([
          cache.bytes(lease.script, artifactUrl(urls, lease.script.url), signal),
          cache.file(lease.dataset, artifactUrl(urls, lease.dataset.url), signal),
        ]);
        return { kind: 'ready', task: { lease, script, datasetPath, config: this.configFor(lease, config as Record<string, unknown>) } };
      } catch (error) {
        if (signal.aborted) return { kind: 'stopped' };
        if (error instanceof ArtifactMismatchError) {
          if (attempt === 0) {
            log.warn('artifact failed verification; downloading it once more', { error: error.message });
            continue;
          }
          log.error('artifact failed verification twice: refusing to run the task', { error: error.message });
          return { kind: 'refused', reason: `refused to run: ${error.message}`, retryable: true };
        }
        if (error instanceof ArtifactFetchError && attempt < (this.options.maxFetchAttempts ?? 8)) {
          log.warn('artifact download failed; retrying', { error: error.message, attempt: attempt + 1 });
          await sleep(backoffDelay(attempt, 1000, 20_000), signal);
          continue;
        }
        log.error('cannot prepare the task here; giving it back', { error: (error as Error).message });
        return { kind: 'unavailable', reason: 'artifacts unavailable' };
      }
    }
  }

  private configFor(lease: Lease, hyperparameters: Record<string, unknown>): Record<string, unknown> {
    const { device, threads } = this.options;
    // A compute budget fixes the work; budget_s is then the cap the API fitted to this machine.
    const budget = lease.budget;
    const compute =
      budget?.kind === 'COMPUTE' && budget.amount != null && budget.unit ? { [budget.unit === 'TOKENS' ? 'budget_tokens' : 'budget_flops']: budget.amount } : {};
    return {
      ...hyperparameters,
      ...compute,
      budget_s: lease.budgetS,
      seed: lease.seed,
      ...(device ? { device } : {}),
      ...(threads ? { num_threads: threads } : {}),
    };
  }
}
