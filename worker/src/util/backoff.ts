// Waiting between retries: exponential growth with jitter, and sleeps that can be cut short.

/** Delay before retry number `attempt` (0-based): min(max, initial·2^attempt), jittered to 50–100 %. */
export function backoffDelay(attempt: number, initialMs: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/** Resolves after ms, or at once when signal aborts (never rejects). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
  });
}

/** A wake-up call for sleepers: wake() ends every sleep started with signal() so far. */
export class Waker {
  private controller = new AbortController();

  signal(): AbortSignal {
    return this.controller.signal;
  }

  wake(): void {
    this.controller.abort();
    this.controller = new AbortController();
  }
}
