import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { LongPollWaiters, type WaitTarget } from '../src/mailbox/long-poll.ts';

/**
 * A store side whose look takes everything queued (as a resume box's take does), each look
 * held until the test lets it reach the store.
 */
function takingTarget() {
  const queued: string[] = [];
  const wakes = new Set<() => void>();
  const gates: Array<() => void> = [];
  const target: WaitTarget<string[]> = {
    subscribe(wake) {
      wakes.add(wake);
      return () => wakes.delete(wake);
    },
    look: () =>
      new Promise((resolve) => {
        gates.push(() => {
          const taken = queued.splice(0);
          resolve(taken.length > 0 ? taken : undefined);
        });
      }),
  };
  return {
    target,
    queued,
    gates,
    post(item: string) {
      queued.push(item);
      for (const wake of [...wakes]) wake();
    },
    /** Lets the oldest held look reach the store, and its answer come back. */
    async release() {
      gates.shift()?.();
      await new Promise((resolve) => setImmediate(resolve));
    },
  };
}

describe('long-poll waiters', () => {
  it('leaves what is posted after a look took something in the store for the next poll', async () => {
    const waiters = new LongPollWaiters(10);
    const store = takingTarget();
    const connection = new EventEmitter();
    const first = waiters.wait(store.target, 60_000, connection);
    // The first look is on its way; a signal is posted and wakes the waiter.
    store.post('offer');
    // The first look takes it; a second signal follows before any other look reached the store.
    await store.release();
    store.post('candidate');
    while (store.gates.length > 0) await store.release();
    expect(await first).toEqual(['offer']);
    // Not taken by a look whose answer nobody would send.
    expect(store.queued).toEqual(['candidate']);
    const second = waiters.wait(store.target, 60_000, connection);
    await store.release();
    expect(await second).toEqual(['candidate']);
    waiters.close();
  });

  it('looks again after a look that found nothing when a wake came during it', async () => {
    const waiters = new LongPollWaiters(10);
    const store = takingTarget();
    const waiting = waiters.wait(store.target, 60_000, new EventEmitter());
    // The first look reaches the store before the post, so finds nothing; the wake during it
    // asks for another.
    store.gates.shift()?.();
    store.post('offer');
    await new Promise((resolve) => setImmediate(resolve));
    expect(store.gates.length).toBe(1);
    await store.release();
    expect(await waiting).toEqual(['offer']);
    waiters.close();
  });
});
