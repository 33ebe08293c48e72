/**
 * The `code` of the error a call throws or a promise rejects with: every package's errors
 * (ConnectError, SignalError, ModemError, ServerError) carry a stable `ERR_*` code, and tests
 * assert the code, never the message. Anything else thrown, or nothing thrown, fails the test.
 */
export function codeOf(run: () => Promise<unknown>): Promise<string>;
export function codeOf(run: () => unknown): string;
export function codeOf(promise: Promise<unknown>): Promise<string>;
export function codeOf(target: (() => unknown) | Promise<unknown>): string | Promise<string> {
  if (typeof target === 'function') {
    let result: unknown;
    try {
      result = target();
    } catch (error) {
      return codeIn(error);
    }
    if (result instanceof Promise) return codeOf(result);
    throw new Error('expected an error with a code, but nothing was thrown');
  }
  return target.then(
    () => {
      throw new Error('expected an error with a code, but the promise resolved');
    },
    (error: unknown) => codeIn(error),
  );
}

function codeIn(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (error instanceof Error && typeof code === 'string' && code.startsWith('ERR_')) return code;
  throw error;
}
