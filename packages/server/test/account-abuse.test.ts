import { MemoryRoomStore, type RoomState, type RoomStore } from '@webrtc-connect/server';
import { describe, expect, it, vi } from 'vitest';
import { WebSocket } from 'ws';
import { accountServer, joinAll, TestDevice, tokenFor } from './account-helpers.ts';

const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

describe('malformed frames', () => {
  it('are each answered with an error, and change nothing for anyone', async () => {
    const server = await accountServer();
    const [first, second] = await joinAll(server, 'alice', 2);
    first?.discard();
    const signal = (data: string) => `{"type":"signal","to":"alice-client-1","data":${data}}`;
    const frames: Array<[string | Buffer, string]> = [
      [Buffer.from([1, 2, 3]), 'ERR_INVALID_FRAME'],
      ['not json', 'ERR_INVALID_FRAME'],
      ['[1,2,3]', 'ERR_INVALID_FRAME'],
      ['null', 'ERR_INVALID_FRAME'],
      ['{"type":"launch"}', 'ERR_INVALID_FRAME'],
      ['{"type":"ping","extra":1}', 'ERR_INVALID_FRAME'],
      ['{"type":"signal","to":"alice-client-1"}', 'ERR_INVALID_FRAME'],
      ['{"type":"signal","to":42,"data":{}}', 'ERR_INVALID_FRAME'],
      ['{"type":"unreachable","peer":"alice-client-1","epoch":"1"}', 'ERR_INVALID_FRAME'],
      ['{"type":"hello","version":1,"token":"again"}', 'ERR_INVALID_FRAME'],
      ['{"__proto__":{"polluted":1},"type":"ping"}', 'ERR_INVALID_FRAME'],
      [`{"type":"ping","pad":"${'x'.repeat(40_000)}"}`, 'ERR_FRAME_TOO_LARGE'],
      [signal(JSON.stringify('x'.repeat(17_000))), 'ERR_SIGNAL_TOO_LARGE'],
      [signal(nested(10_000)), 'ERR_SIGNAL_TOO_LARGE'],
    ];
    for (const [frame, code] of frames) {
      second?.socket.send(frame);
      expect((await second?.next('error'))?.code, String(frame).slice(0, 60)).toBe(code);
    }
    expect({} as Record<string, unknown>).not.toHaveProperty('polluted');
    // Nothing was relayed, nobody was moved, and both devices still work.
    await second?.roundTrip();
    await first?.roundTrip();
    expect(first?.unread()).toEqual([]);
    second?.send({ type: 'signal', to: 'alice-broadcaster', data: { ok: true } });
    expect((await first?.next('signal'))?.data).toEqual({ ok: true });
  });

  it('larger than the transport takes (64 KiB) close that socket only, with 1009', async () => {
    const server = await accountServer();
    const [first, second] = await joinAll(server, 'alice', 2);
    second?.socket.send('x'.repeat(70_000));
    expect((await second?.closed)?.code).toBe(1009);
    const room = await first?.next('room', (frame) => frame.members.length === 1);
    expect(room).toMatchObject({ epoch: 1, members: [{ id: 'alice-client-1' }] });
    await first?.roundTrip();
  });
});

describe('floods', () => {
  it('are cut to the frame rate, told once, and slow nobody else down', async () => {
    const server = await accountServer({ maxFramesPerSecond: 20 });
    const [first, flooder] = await joinAll(server, 'alice', 2);
    if (!first || !flooder) throw new Error('two devices');
    flooder.stopPinging();
    const pongsBefore = flooder.pongs;
    for (let i = 0; i < 500; i += 1) flooder.socket.send('{"type":"ping"}');
    await flooder.error('ERR_TOO_MANY_FRAMES');
    // The other device of the room is answered at once.
    await first.roundTrip();
    // At most the burst allowance (twice the rate) and what refilled meanwhile got through.
    await flooder.until(() => flooder.pongs - pongsBefore >= 30, 'pongs within the allowance');
    expect(flooder.pongs - pongsBefore).toBeLessThan(100);
    expect(flooder.received.filter((frame) => frame.type === 'error')).toHaveLength(1);
    // Once the flood stops, the allowance refills and the flooder is served again.
    await vi.waitFor(() => flooder.roundTrip(), { timeout: 3_000, interval: 200 });
    expect(flooder.socket.readyState).toBe(WebSocket.OPEN);
  });

  it('of sockets stop at the configured total, with ERR_SERVER_FULL and close 1013', async () => {
    const server = await accountServer({ maxAccountSockets: 2 });
    await server.join(await tokenFor('alice'));
    await server.open();
    const third = await server.open();
    await third.error('ERR_SERVER_FULL');
    expect((await third.closed).code).toBe(1013);
  });

  it('of devices stop at the configured number per user, with ERR_ROOM_FULL and close 4429', async () => {
    const server = await accountServer({ maxDevicesPerUser: 2 });
    await joinAll(server, 'alice', 2);
    const third = await server.open();
    third.send({ type: 'hello', version: 1, token: await tokenFor('alice') });
    await third.error('ERR_ROOM_FULL');
    expect((await third.closed).code).toBe(4429);
    // Other users are not limited by alice's devices.
    expect((await server.join(await tokenFor('bob'))).welcome?.id).toBe('bob-client-1');
  });
});

describe('logs', () => {
  it('never hold tokens, even one put in the URL', async () => {
    const lines: string[] = [];
    const server = await accountServer({
      devSignIn: true,
      logLevel: 'trace',
      logStream: { write: (line) => lines.push(line) },
    });
    const token = await tokenFor('alice');
    await server.join(token);
    const expired = await tokenFor('alice', { exp: 1 });
    const refused = await server.open();
    refused.send({ type: 'hello', version: 1, token: expired });
    await refused.closed;
    const careless = await TestDevice.open(`${server.socketUrl}?token=${token}`);
    careless.kill();
    const response = await fetch(`${server.url}/api/dev/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'bob' }),
    });
    const devToken = ((await response.json()) as { token: string }).token;

    const log = lines.join('');
    expect(log).toContain('device joined');
    expect(log).toContain('ERR_TOKEN_EXPIRED');
    for (const secret of [token, expired, devToken]) {
      for (const part of secret.split('.')) expect(log).not.toContain(part);
    }
  });
});

describe('closing the server', () => {
  it('closes every account socket with 1001', async () => {
    const server = await accountServer();
    const [first, second] = await joinAll(server, 'alice', 2);
    await server.close();
    expect((await first?.closed)?.code).toBe(1001);
    expect((await second?.closed)?.code).toBe(1001);
  });
});

describe('a room store that fails or is slow', () => {
  it('refuses the hello with ERR_ROOM_UNAVAILABLE, close 1013, and the server carries on', async () => {
    const store = new MemoryRoomStore();
    const broken: RoomStore = {
      kind: 'broken',
      read: () => Promise.reject(new Error('connection to the store lost')),
      swap: () => Promise.reject(new Error('connection to the store lost')),
      publish: (room, signal) => store.publish(room, signal),
      subscribe: (room, listener) => store.subscribe(room, listener),
      close: () => store.close(),
    };
    const server = await accountServer({ roomStore: broken });
    const device = await server.open();
    device.send({ type: 'hello', version: 1, token: await tokenFor('alice') });
    await device.error('ERR_ROOM_UNAVAILABLE');
    expect((await device.closed).code).toBe(1013);
    expect((await fetch(`${server.url}/api/health`)).status).toBe(200);
  });

  it('leaves no device behind when the socket closes while its join is in flight', async () => {
    const store = new MemoryRoomStore();
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let swapping = () => {};
    const swapStarted = new Promise<void>((resolve) => {
      swapping = resolve;
    });
    const slow: RoomStore = {
      kind: 'slow',
      read: (room) => store.read(room),
      swap: async (room, version, next) => {
        swapping();
        await held;
        return store.swap(room, version, next);
      },
      publish: (room, signal) => store.publish(room, signal),
      subscribe: (room, listener) => store.subscribe(room, listener),
      close: () => store.close(),
    };
    let noticed = () => {};
    const closeNoticed = new Promise<void>((resolve) => {
      noticed = resolve;
    });
    const server = await accountServer({
      roomStore: slow,
      logLevel: 'debug',
      logStream: { write: (line) => line.includes('account socket closed') && noticed() },
    });
    const device = await server.open();
    device.send({ type: 'hello', version: 1, token: await tokenFor('alice') });
    await swapStarted;
    const states: Array<RoomState | null> = [];
    const emptied = new Promise<void>((resolve) => {
      store.subscribe('jwt:alice', (event) => {
        if (event.type !== 'state') return;
        states.push(event.state);
        if (event.state === null) resolve();
      });
    });
    device.kill();
    // The server notices the close while the join still waits on the store.
    await closeNoticed;
    release();
    await emptied;
    expect(states.map((state) => state?.members.map((member) => member.id) ?? null)).toEqual([
      ['alice-client-1'],
      null,
    ]);
    expect(store.size).toBe(0);
  });
});
