import type { RoomDraft, RoomEvent, RoomStore } from '@webrtc-connect/server';
import { describe, expect, it } from 'vitest';

const draft = (members: string[], epoch = 1): RoomDraft => ({
  epoch,
  broadcaster: members[0] ?? null,
  members: members.map((id, i) => ({
    id,
    joinedAt: 1_000 + i,
    instance: 'test',
    passedOver: false,
  })),
  nextClient: members.length + 1,
  unreachable: [],
});

/**
 * What every RoomStore must do, whatever keeps the rooms: run it against each implementation
 * (`makeStore` gives a fresh, empty store; `settle` waits for its events to arrive, if they
 * travel, e.g. over pub/sub).
 */
export function roomStoreContract(
  name: string,
  makeStore: () => Promise<RoomStore>,
  settle: () => Promise<void> = async () => {},
) {
  describe(`${name} room store`, () => {
    it('creates, replaces and deletes a room only from the version it was read at', async () => {
      const store = await makeStore();
      try {
        expect(await store.read('r')).toBeUndefined();
        const first = await store.swap('r', null, draft(['a']));
        if (first === null || first === 'conflict') throw new Error('not stored');
        expect(await store.swap('r', null, draft(['b']))).toBe('conflict');
        const second = await store.swap('r', first.version, draft(['a', 'b']));
        if (second === null || second === 'conflict') throw new Error('not stored');
        expect(second.version).toBeGreaterThan(first.version);
        expect(await store.swap('r', first.version, draft(['c']))).toBe('conflict');
        expect(await store.read('r')).toEqual(second);
        expect(await store.swap('r', second.version, null)).toBeNull();
        expect(await store.read('r')).toBeUndefined();
        // A room made anew never repeats a version, so an old read cannot swap into it.
        const again = await store.swap('r', null, draft(['a']));
        if (again === null || again === 'conflict') throw new Error('not stored');
        expect(again.version).toBeGreaterThan(second.version);
        expect(await store.swap('r', first.version, draft(['x']))).toBe('conflict');
      } finally {
        await store.close();
      }
    });

    it('lets exactly one of two concurrent swaps from one version win', async () => {
      const store = await makeStore();
      try {
        const base = await store.swap('r', null, draft(['a', 'b']));
        if (base === null || base === 'conflict') throw new Error('not stored');
        const results = await Promise.all([
          store.swap('r', base.version, draft(['b'], 2)),
          store.swap('r', base.version, draft(['a'], 1)),
        ]);
        expect(results.filter((result) => result === 'conflict')).toHaveLength(1);
      } finally {
        await store.close();
      }
    });

    it('announces every swap and signal to the room’s subscribers, in order, and only them', async () => {
      const store = await makeStore();
      try {
        const events: RoomEvent[] = [];
        const others: RoomEvent[] = [];
        const unsubscribe = store.subscribe('r', (event) => events.push(event));
        store.subscribe('other', (event) => others.push(event));
        const first = await store.swap('r', null, draft(['a']));
        if (first === null || first === 'conflict') throw new Error('not stored');
        await store.publish('r', { type: 'signal', from: 'a', to: 'b', epoch: 1, data: '{"x":1}' });
        await store.swap('r', first.version, null);
        await settle();
        expect(events.map((event) => event.type)).toEqual(['state', 'signal', 'state']);
        expect(events[0]).toEqual({ type: 'state', state: first });
        expect(events[1]).toEqual({
          type: 'signal',
          from: 'a',
          to: 'b',
          epoch: 1,
          data: '{"x":1}',
        });
        expect(events[2]).toEqual({ type: 'state', state: null });
        expect(others).toEqual([]);
        unsubscribe();
        await store.swap('r', null, draft(['a']));
        await settle();
        expect(events).toHaveLength(3);
      } finally {
        await store.close();
      }
    });
  });
}
