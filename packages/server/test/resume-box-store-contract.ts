import type { ResumeBoxStore } from '@webrtc-connect/server';
import { describe, expect, it } from 'vitest';
import { eventually } from '../../../test/support/eventually.ts';

const bytes = (...values: number[]) => new Uint8Array(values);
let serial = 0;
/** A fresh 22-character id, so stores on one Redis never share one. */
const nextId = () => {
  serial += 1;
  return `box${String(serial).padStart(19, '0')}`;
};

/** What every ResumeBoxStore must do (`makeStore` gives a fresh store with the limits given). */
export function resumeBoxStoreContract(
  name: string,
  makeStore: (options?: { maxBoxes?: number }) => Promise<ResumeBoxStore>,
) {
  describe(`${name} resume box store`, () => {
    it('makes a box once, keeps each side apart, and takes its signals once, oldest first, numbered', async () => {
      const store = await makeStore();
      try {
        const id = nextId();
        const expiresAt = Date.now() + 60_000;
        expect(await store.createBox(id, expiresAt)).toBe('created');
        expect(await store.createBox(id, expiresAt)).toBe('id-taken');
        expect(await store.postSignal(id, 'b', bytes(1))).toBe('stored');
        expect(await store.postSignal(id, 'b', bytes(2))).toBe('stored');
        expect(await store.postSignal(id, 'a', bytes(3))).toBe('stored');
        expect(await store.takeSignals(id, 'b')).toEqual({
          status: 'live',
          signals: [
            { seq: 1, sealed: bytes(1) },
            { seq: 2, sealed: bytes(2) },
          ],
          expiresAt,
        });
        expect(await store.takeSignals(id, 'b')).toEqual({
          status: 'live',
          signals: [],
          expiresAt,
        });
        expect(await store.takeSignals(id, 'a')).toMatchObject({
          signals: [{ seq: 1, sealed: bytes(3) }],
        });
        // Numbers go on rising after a take.
        await store.postSignal(id, 'b', bytes(4));
        expect(await store.signalsAfter(id, 'b', 2)).toMatchObject({
          signals: [{ seq: 3, sealed: bytes(4) }],
        });
        expect(await store.count()).toBe(1);
      } finally {
        await store.close();
      }
    });

    it('answers the signals above `after` again until a later call acknowledges them', async () => {
      const store = await makeStore();
      try {
        const id = nextId();
        const expiresAt = Date.now() + 60_000;
        await store.createBox(id, expiresAt);
        expect(await store.signalsAfter(id, 'a', 0)).toEqual({
          status: 'live',
          signals: [],
          expiresAt,
        });
        for (const value of [1, 2, 3]) await store.postSignal(id, 'a', bytes(value));
        const all = {
          status: 'live',
          signals: [
            { seq: 1, sealed: bytes(1) },
            { seq: 2, sealed: bytes(2) },
            { seq: 3, sealed: bytes(3) },
          ],
          expiresAt,
        };
        // Answered, not taken: a response that never arrived is answered again.
        expect(await store.signalsAfter(id, 'a', 0)).toEqual(all);
        expect(await store.signalsAfter(id, 'a', 0)).toEqual(all);
        expect(await store.signalsAfter(id, 'a', 2)).toEqual({
          ...all,
          signals: [{ seq: 3, sealed: bytes(3) }],
        });
        // Acknowledged up to 2: an older `after` no longer brings them back.
        expect(await store.signalsAfter(id, 'a', 0)).toMatchObject({ signals: [{ seq: 3 }] });
        expect(await store.signalsAfter(id, 'a', 3)).toMatchObject({ signals: [] });
        await store.postSignal(id, 'a', bytes(4));
        expect(await store.signalsAfter(id, 'a', 3)).toMatchObject({
          signals: [{ seq: 4, sealed: bytes(4) }],
        });
        // The other side is apart; a number above the last ever given is refused.
        expect(await store.signalsAfter(id, 'b', 0)).toMatchObject({ signals: [] });
        expect(await store.signalsAfter(id, 'a', 5)).toEqual({ status: 'ahead', last: 4 });
        expect(await store.signalsAfter(id, 'b', 1)).toEqual({ status: 'ahead', last: 0 });
        // What a caller got is its own: changing it changes nothing in the box.
        const answered = await store.signalsAfter(id, 'a', 3);
        if (answered.status === 'live' && answered.signals[0]) answered.signals[0].sealed[0] = 99;
        expect(await store.signalsAfter(id, 'a', 3)).toMatchObject({
          signals: [{ seq: 4, sealed: bytes(4) }],
        });
      } finally {
        await store.close();
      }
    });

    it('holds 8 signals a side until they are taken', async () => {
      const store = await makeStore();
      try {
        const id = nextId();
        await store.createBox(id, Date.now() + 60_000);
        for (let index = 0; index < 8; index += 1) {
          expect(await store.postSignal(id, 'a', bytes(index))).toBe('stored');
        }
        expect(await store.postSignal(id, 'a', bytes(9))).toBe('side-full');
        expect(await store.postSignal(id, 'b', bytes(9))).toBe('stored');
        await store.takeSignals(id, 'a');
        expect(await store.postSignal(id, 'a', bytes(9))).toBe('stored');
      } finally {
        await store.close();
      }
    });

    it("counts the signals not yet acknowledged against a side's 8", async () => {
      const store = await makeStore();
      try {
        const id = nextId();
        await store.createBox(id, Date.now() + 60_000);
        for (let index = 1; index <= 8; index += 1) await store.postSignal(id, 'a', bytes(index));
        // Answered is not acknowledged: the side stays full.
        expect(await store.signalsAfter(id, 'a', 0)).toMatchObject({ signals: { length: 8 } });
        expect(await store.postSignal(id, 'a', bytes(9))).toBe('side-full');
        // Acknowledging 3 makes room for 3, numbered on from 8.
        await store.signalsAfter(id, 'a', 3);
        for (const value of [9, 10, 11])
          expect(await store.postSignal(id, 'a', bytes(value))).toBe('stored');
        expect(await store.postSignal(id, 'a', bytes(12))).toBe('side-full');
        const held = await store.signalsAfter(id, 'a', 3);
        expect(held.status === 'live' && held.signals.map((signal) => signal.seq)).toEqual([
          4, 5, 6, 7, 8, 9, 10, 11,
        ]);
        expect(held.status === 'live' && held.signals.at(-1)?.sealed).toEqual(bytes(11));
      } finally {
        await store.close();
      }
    });

    it('wakes the side a signal is posted for, and no other', async () => {
      const store = await makeStore();
      try {
        const id = nextId();
        await store.createBox(id, Date.now() + 60_000);
        const woken: string[] = [];
        const offA = store.onSignal(id, 'a', () => woken.push('a'));
        const wokenB = new Promise<void>((resolve) => {
          const offB = store.onSignal(id, 'b', () => {
            offB();
            resolve();
          });
        });
        await store.postSignal(id, 'b', bytes(1));
        await wokenB;
        offA();
        expect(woken).toEqual([]);
      } finally {
        await store.close();
      }
    });

    it('tells an unknown box from an expired one, and never makes an expired id again', async () => {
      const store = await makeStore();
      try {
        expect(await store.postSignal(nextId(), 'a', bytes(1))).toBe('missing');
        expect(await store.takeSignals(nextId(), 'a')).toEqual({ status: 'missing' });
        const id = nextId();
        await store.createBox(id, Date.now() + 150);
        await store.postSignal(id, 'a', bytes(1));
        await eventually(async () => (await store.takeSignals(id, 'b')).status === 'expired', {
          timeoutMs: 5_000,
        });
        expect(await store.postSignal(id, 'a', bytes(1))).toBe('expired');
        expect(await store.takeSignals(id, 'a')).toEqual({ status: 'expired' });
        expect(await store.signalsAfter(id, 'a', 0)).toEqual({ status: 'expired' });
        expect(await store.signalsAfter(nextId(), 'a', 0)).toEqual({ status: 'missing' });
        expect(await store.createBox(id, Date.now() + 60_000)).toBe('id-taken');
        expect(await store.count()).toBe(0);
      } finally {
        await store.close();
      }
    });

    it('holds as many boxes as it may', async () => {
      const store = await makeStore({ maxBoxes: 2 });
      try {
        for (const expected of ['created', 'created', 'full'])
          expect(await store.createBox(nextId(), Date.now() + 60_000)).toBe(expected);
      } finally {
        await store.close();
      }
    });
  });
}
