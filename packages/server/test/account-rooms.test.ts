import { describe, expect, it } from 'vitest';
import { accountServer, joinAll, tokenFor } from './account-helpers.ts';

describe('joining a room', () => {
  it('gives devices <user>-client-<n> in join order; the first is broadcaster, at epoch 1', async () => {
    const server = await accountServer();
    const [first, second, third] = await joinAll(server, 'alice', 3);
    expect(first?.welcome).toMatchObject({
      type: 'welcome',
      id: 'alice-client-1',
      user: 'alice',
      epoch: 1,
      broadcaster: 'alice-client-1',
      heartbeatMs: 750,
      members: [{ id: 'alice-client-1', role: 'broadcaster' }],
    });
    expect(third?.welcome).toMatchObject({
      id: 'alice-client-3',
      epoch: 1,
      broadcaster: 'alice-client-1',
      members: [
        { id: 'alice-client-1', role: 'broadcaster' },
        { id: 'alice-client-2', role: 'client' },
        { id: 'alice-client-3', role: 'client' },
      ],
    });
    // Members oldest first, with the times they joined.
    const times = third?.welcome?.members.map((member) => Date.parse(member.joinedAt)) ?? [];
    expect(times).toEqual([...times].sort((a, b) => a - b));
    // Earlier devices hear of each join; joins never change the epoch.
    const joinedThird = await first?.next('room', (room) => room.members.length === 3);
    expect(joinedThird).toMatchObject({ epoch: 1, broadcaster: 'alice-client-1' });
    expect((await second?.next('room'))?.members.map((member) => member.id)).toEqual([
      'alice-client-1',
      'alice-client-2',
      'alice-client-3',
    ]);
  });

  it('never reuses an id while the room lives, and starts again in a new room', async () => {
    const server = await accountServer();
    const [first, , third] = await joinAll(server, 'alice', 3);
    third?.send({ type: 'leave' });
    expect((await third?.closed)?.code).toBe(1000);
    await first?.next('room', (room) => room.members.length === 2);
    const fourth = await server.join(await tokenFor('alice'));
    expect(fourth.id).toBe('alice-client-4');

    const [only] = await joinAll(server, 'bob', 1);
    only?.send({ type: 'leave' });
    await only?.closed;
    expect((await server.join(await tokenFor('bob'))).welcome).toMatchObject({
      id: 'bob-client-1',
      epoch: 1,
    });
  });
});

describe('promotion', () => {
  it('on a clean leave: the longest-connected device, epoch + 1', async () => {
    const server = await accountServer();
    const [first, second, third] = await joinAll(server, 'alice', 3);
    first?.send({ type: 'leave' });
    expect((await first?.closed)?.code).toBe(1000);
    for (const device of [second, third]) {
      const room = await device?.nextRoom(2);
      expect(room).toMatchObject({ broadcaster: 'alice-client-2' });
      expect(room?.members).toEqual([
        expect.objectContaining({ id: 'alice-client-2', role: 'broadcaster' }),
        expect.objectContaining({ id: 'alice-client-3', role: 'client' }),
      ]);
    }
  });

  it('when the broadcaster’s socket dies without a close frame', async () => {
    const server = await accountServer();
    const [first, second, third] = await joinAll(server, 'alice', 3);
    first?.kill();
    expect(await second?.nextRoom(2, 'alice-client-2')).toBeDefined();
    expect(await third?.nextRoom(2, 'alice-client-2')).toBeDefined();
  });

  it('when the broadcaster goes silent: removed after 3 heartbeats and told why', async () => {
    const server = await accountServer({ heartbeatMs: 300 });
    const [first, second] = await joinAll(server, 'alice', 2);
    first?.stopPinging();
    const room = await second?.nextRoom(2, 'alice-client-2');
    expect(room?.members.map((member) => member.id)).toEqual(['alice-client-2']);
    await first?.error('ERR_SILENT');
    expect((await first?.closed)?.code).toBe(4408);
    // The other device, which kept pinging, is still there.
    await second?.roundTrip();
  });

  it('a client pings 4 times less often, and is found silent only after 3 of its own heartbeats', async () => {
    const server = await accountServer({ heartbeatMs: 100 });
    const [first, second] = await joinAll(server, 'alice', 2);
    expect(second?.welcome).toMatchObject({ heartbeatMs: 100, idleHeartbeatMs: 400 });
    second?.stopPinging();
    // The server has this last ping once the pong is back: silence counts from no earlier.
    const stopped = performance.now();
    await second?.roundTrip();
    await second?.error('ERR_SILENT');
    // A broadcaster would be gone after 300 ms; a client has 3 × 400 ms.
    expect(performance.now() - stopped).toBeGreaterThanOrEqual(1_100);
    const left = await first?.next('room', (frame) => frame.members.length === 1);
    expect(left?.epoch).toBe(1);
  });

  it('a client promoted is held to the broadcaster’s heartbeat from its promotion on', async () => {
    const server = await accountServer({ heartbeatMs: 100 });
    const [first, second, third] = await joinAll(server, 'alice', 3);
    third?.stopPinging();
    first?.send({ type: 'leave' });
    await second?.nextRoom(2, 'alice-client-2');
    // The new broadcaster stops pinging as well: it goes after 3 short heartbeats, and the
    // silent client (3 × 400 ms) is promoted in its place before being found silent itself.
    second?.stopPinging();
    const room = await third?.nextRoom(3, 'alice-client-3');
    expect(room?.members.map((member) => member.id)).toEqual(['alice-client-3']);
  });

  it('bumps the epoch by exactly one at each change, choosing the longest connected each time', async () => {
    const server = await accountServer({ heartbeatMs: 300 });
    const devices = await joinAll(server, 'alice', 5);
    const [first, second, third, fourth, fifth] = devices;
    // A client leaving changes members only.
    fourth?.send({ type: 'leave' });
    await fifth?.next('room', (room) => room.members.length === 4 && room.epoch === 1);

    first?.send({ type: 'leave' });
    await fifth?.nextRoom(2, 'alice-client-2');
    second?.kill();
    await fifth?.nextRoom(3, 'alice-client-3');
    third?.stopPinging();
    await fifth?.nextRoom(4, 'alice-client-5');

    const epochs = fifth?.received.flatMap((frame) => (frame.type === 'room' ? [frame.epoch] : []));
    expect(epochs).toEqual([1, 2, 3, 4]);
  });

  it('when the broadcaster’s socket stops answering WebSocket pings, even though it sends frames', async () => {
    const server = await accountServer({ heartbeatMs: 250 });
    const first = await server.join(await tokenFor('alice'), { autoPong: false });
    const second = await server.join(await tokenFor('alice'));
    expect((await first.closed).code).toBe(1006);
    expect(await second.nextRoom(2, 'alice-client-2')).toBeDefined();
  });
});

describe('a broadcaster others cannot reach', () => {
  it('is replaced on the report of the only other device, and stays as a client', async () => {
    const server = await accountServer();
    const [first, second] = await joinAll(server, 'alice', 2);
    second?.send({ type: 'unreachable', peer: 'alice-client-1', epoch: 1 });
    for (const device of [first, second]) {
      const room = await device?.nextRoom(2, 'alice-client-2');
      expect(room?.members).toEqual([
        expect.objectContaining({ id: 'alice-client-1', role: 'client' }),
        expect.objectContaining({ id: 'alice-client-2', role: 'broadcaster' }),
      ]);
    }
  });

  it('needs a majority of the other devices, counted in one epoch', async () => {
    const server = await accountServer();
    const [first, second, third, fourth] = await joinAll(server, 'alice', 4);
    await first?.next('room', (room) => room.members.length === 4);
    first?.discard();
    // One of three others: a device alone with the problem waits and retries.
    fourth?.send({ type: 'unreachable', peer: 'alice-broadcaster', epoch: 1 });
    fourth?.send({ type: 'unreachable', peer: 'alice-broadcaster', epoch: 1 });
    await fourth?.roundTrip();
    await first?.roundTrip();
    expect(first?.unread()).toEqual([]);
    // Two of three: replaced by the longest connected of the others.
    third?.send({ type: 'unreachable', peer: 'alice-client-1', epoch: 1 });
    expect(await first?.nextRoom(2, 'alice-client-2')).toBeDefined();
    expect(await second?.nextRoom(2, 'alice-client-2')).toBeDefined();
  });

  it('refuses reports of another epoch or broadcaster, and from the broadcaster itself', async () => {
    const server = await accountServer();
    const [first, second, third] = await joinAll(server, 'alice', 3);
    third?.discard();
    second?.send({ type: 'unreachable', peer: 'alice-client-1', epoch: 2 });
    await second?.error('ERR_STALE_EPOCH');
    second?.send({ type: 'unreachable', peer: 'alice-client-3', epoch: 1 });
    await second?.error('ERR_STALE_EPOCH');
    first?.send({ type: 'unreachable', peer: 'alice-client-1', epoch: 1 });
    await first?.error('ERR_INVALID_FRAME');
    await third?.roundTrip();
    expect(third?.unread()).toEqual([]);
  });

  it('is promoted last afterwards', async () => {
    const server = await accountServer();
    const [first, second, third] = await joinAll(server, 'alice', 3);
    second?.send({ type: 'unreachable', peer: 'alice-client-1', epoch: 1 });
    third?.send({ type: 'unreachable', peer: 'alice-client-1', epoch: 1 });
    await first?.nextRoom(2, 'alice-client-2');
    second?.send({ type: 'leave' });
    // alice-client-1 has been connected longest, but others could not reach it.
    expect(await first?.nextRoom(3, 'alice-client-3')).toBeDefined();
  });

  it('is replaced when a device leaving turns the reports into a majority', async () => {
    const server = await accountServer();
    const [first, second, third] = await joinAll(server, 'alice', 3);
    second?.send({ type: 'unreachable', peer: 'alice-client-1', epoch: 1 });
    await second?.roundTrip();
    third?.send({ type: 'leave' });
    expect(await first?.nextRoom(2, 'alice-client-2')).toBeDefined();
  });
});
