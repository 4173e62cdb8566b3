// Waiting on a promise that a stop or a lost lease may cut short.
/** Resolves with the promise's value, or with null as soon as one of the signals aborts. */
export function untilAborted<T>(promise: Promise<T>, signals: AbortSignal[]): Promise<T | null> {
  const signal = AbortSignal.any(signals);
  if (signal.aborted) return Promise.resolve(null);
  return new Promise((resolve, reject) => {
    const onAbort = () => resolve(null);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}
