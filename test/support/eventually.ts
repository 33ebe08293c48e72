/**
 * Resolves once `check` holds, asking every `everyMs` (default 20 ms); fails after `timeoutMs`
 * (default 10 s). For states outside the test's reach that announce no event (a store's
 * expiry on the real clock, an instance's health); where an event exists, wait for it instead.
 */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  { timeoutMs = 10_000, everyMs = 20 }: { timeoutMs?: number; everyMs?: number } = {},
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`condition not met in ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
