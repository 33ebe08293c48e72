import { vi } from 'vitest';

/**
 * Fake timers for the fast tier: timers, Date and performance.now are fake, while setImmediate
 * stays real, so WebCrypto (sealing, the short authentication string), which finishes on its
 * own thread, can still settle between timer steps.
 */
export function useFakeClock(): void {
  vi.useFakeTimers({
    toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date', 'performance'],
  });
}

const realTick = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Runs fake time forward in small steps until `promise` settles, and returns its outcome;
 * throws when it has not settled within `limitMs` of fake time (a flow that hangs).
 */
export async function settle<T>(
  promise: Promise<T>,
  { stepMs = 5, limitMs = 120_000 }: { stepMs?: number; limitMs?: number } = {},
): Promise<T> {
  let settled = false;
  promise.then(
    () => {
      settled = true;
    },
    () => {
      settled = true;
    },
  );
  await realTick();
  for (let elapsed = 0; !settled; elapsed += stepMs) {
    if (elapsed > limitMs) throw new Error(`not settled within ${limitMs} ms of fake time`);
    await vi.advanceTimersByTimeAsync(stepMs);
    if (!settled) await realTick();
  }
  return promise;
}

/** Runs fake time forward until `check` holds (same limits as `settle`). */
export async function settleWhen(
  check: () => boolean,
  { stepMs = 5, limitMs = 120_000 }: { stepMs?: number; limitMs?: number } = {},
): Promise<void> {
  await realTick();
  for (let elapsed = 0; !check(); elapsed += stepMs) {
    if (elapsed > limitMs) throw new Error(`condition not met within ${limitMs} ms of fake time`);
    await vi.advanceTimersByTimeAsync(stepMs);
    if (!check()) await realTick();
  }
}
