/**
 * Resolves or rejects like `promise`, but rejects after `ms` with a message that says what was
 * awaited (and, through `detail`, the state at that moment), so a hung WebRTC step names itself.
 */
export async function withTimeout<T>(
  promise: Promise<T>,
  ms: number,
  what: string,
  detail: () => string | Promise<string> = () => '',
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      Promise.resolve()
        .then(detail)
        .catch((error: unknown) => `(state unavailable: ${String(error)})`)
        .then((state) => reject(new Error(`timed out after ${ms} ms: ${what} ${state}`.trim())));
    }, ms);
  });
  try {
    return await Promise.race([promise, expired]);
  } finally {
    clearTimeout(timer);
  }
}
