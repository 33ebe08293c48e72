import { MemoryRoomStore, type RoomDraft, type RoomEvent } from '@webrtc-connect/server';
import { describe, expect, it } from 'vitest';
import { roomStoreContract } from './room-store-contract.ts';

roomStoreContract('memory', async () => new MemoryRoomStore());

/** A room whose members all left, kept for one device key until `until`. */
const kept = (until: number): RoomDraft => ({
  epoch: 1,
  broadcaster: null,
  members: [],
  nextClient: 2,
  unreachable: [],
  devices: [{ key: 'thumbprint', id: 'u-client-1', until }],
});

describe('memory room store: kept rooms expire by the clock it is given', () => {
  it('drops a room with no members once its last key is over, telling subscribers', async () => {
    let now = 1_000_000;
    const store = new MemoryRoomStore({ clock: () => now });
    try {
      const events: RoomEvent[] = [];
      store.subscribe('r', (event) => events.push(event));
      const state = await store.swap('r', null, kept(now + 60_000));
      if (state === null || state === 'conflict') throw new Error('not stored');
      now += 59_999;
      expect(await store.read('r')).toEqual(state);
      now += 1;
      expect(await store.read('r')).toBeUndefined();
      expect(store.size).toBe(0);
      expect(events.at(-1)).toEqual({ type: 'state', state: null });
      // Gone for a swap too: only a swap that expects no room makes it anew.
      expect(await store.swap('r', state.version, kept(now + 1))).toBe('conflict');
      expect(await store.swap('r', null, kept(now + 1))).not.toBe('conflict');
    } finally {
      await store.close();
    }
  });

  it('a swap from the version of a room whose time is over conflicts', async () => {
    let now = 5_000;
    const store = new MemoryRoomStore({ clock: () => now });
    try {
      const state = await store.swap('r', null, kept(now + 10));
      if (state === null || state === 'conflict') throw new Error('not stored');
      now += 10;
      expect(await store.swap('r', state.version, kept(now + 10))).toBe('conflict');
    } finally {
      await store.close();
    }
  });
});
