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
    it('makes a box once, keeps each side apart, and gives its signals once, oldest first', async () => {
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
          sealed: [bytes(1), bytes(2)],
          expiresAt,
        });
        expect(await store.takeSignals(id, 'b')).toEqual({ status: 'live', sealed: [], expiresAt });
        expect(await store.takeSignals(id, 'a')).toMatchObject({ sealed: [bytes(3)] });
        expect(await store.count()).toBe(1);
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
