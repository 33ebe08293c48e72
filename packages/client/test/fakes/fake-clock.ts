import { vi } from 'vitest';

/**
 * WebCrypto finishes on its own thread, in real time. Fake time must not run on while an
 * operation is still out, or a flow's 20-second timer fires before its seal is made (seen once
 * in a full run on a loaded machine). So every asynchronous method of `crypto.subtle` is counted
 * while it is out, and `settle` waits in real time for the count to reach zero before each step.
 */
let cryptoOut = 0;
const COUNTED = Symbol.for('webrtc-connect.test.counted-subtle');

function countWebCrypto(): void {
  const subtle = globalThis.crypto.subtle as SubtleCrypto & { [COUNTED]?: true };
  if (subtle[COUNTED]) return;
  const methods = [
    'encrypt',
    'decrypt',
    'sign',
    'verify',
    'digest',
    'generateKey',
    'deriveKey',
    'deriveBits',
    'importKey',
    'exportKey',
    'wrapKey',
    'unwrapKey',
  ] as const;
  for (const name of methods) {
    const original = (subtle[name] as (...args: unknown[]) => Promise<unknown>).bind(subtle);
    Object.defineProperty(subtle, name, {
      configurable: true,
      value: (...args: unknown[]) => {
        cryptoOut += 1;
        const done = () => {
          cryptoOut -= 1;
        };
        try {
          const result = original(...args);
          result.then(done, done);
          return result;
        } catch (error) {
          done();
          throw error;
        }
      },
    });
  }
  Object.defineProperty(subtle, COUNTED, { value: true });
}

/**
 * Fake timers for the fast tier: timers, Date and performance.now are fake, while setImmediate
 * stays real, so WebCrypto (sealing, the short authentication string), which finishes on its
 * own thread, can still settle between timer steps (and `settle` waits for it, see above).
 */
export function useFakeClock(): void {
  countWebCrypto();
  vi.useFakeTimers({
    toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date', 'performance'],
  });
}

const realTick = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Real ticks until no WebCrypto operation is out. */
async function untilCryptoDone(): Promise<void> {
  await realTick();
  while (cryptoOut > 0) await realTick();
}

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
    await untilCryptoDone();
    if (settled) break;
    await vi.advanceTimersByTimeAsync(stepMs);
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
    await untilCryptoDone();
    if (check()) break;
    await vi.advanceTimersByTimeAsync(stepMs);
  }
}
