/**
 * Resolves after `ms`, or at once when `signal` aborts (its timer cleared): a retry loop's
 * wait between attempts, so that stopping the loop leaves no timer behind to hold a process
 * open or to run one more attempt.
 */
export function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
