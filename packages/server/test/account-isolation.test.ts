import { describe, expect, it } from 'vitest';
import { accountServer, joinAll, tokenFor } from './account-helpers.ts';

describe('signals', () => {
  it('are relayed between devices of one user, by id or by the broadcaster alias, in order', async () => {
    const server = await accountServer();
    const [broadcaster, client] = await joinAll(server, 'alice', 2);
    const offer = { sdp: 'v=0 an offer', type: 'offer' };
    client?.send({ type: 'signal', to: 'alice-broadcaster', data: offer });
    // Trickle: candidates follow the offer, and arrive in the order sent.
    for (let i = 0; i < 5; i += 1) {
      client?.send({ type: 'signal', to: 'alice-client-1', data: { candidate: `c${i}` } });
    }
    expect(await broadcaster?.next('signal')).toEqual({
      type: 'signal',
      from: 'alice-client-2',
      epoch: 1,
      data: offer,
    });
    for (let i = 0; i < 5; i += 1) {
      expect((await broadcaster?.next('signal'))?.data).toEqual({ candidate: `c${i}` });
    }
    broadcaster?.send({ type: 'signal', to: 'alice-client-2', data: { sdp: 'an answer' } });
    expect(await client?.next('signal')).toMatchObject({
      from: 'alice-client-1',
      data: { sdp: 'an answer' },
    });
  });

  it('carry the epoch of the room when relayed', async () => {
    const server = await accountServer();
    const [first, second, third] = await joinAll(server, 'alice', 3);
    first?.send({ type: 'leave' });
    await third?.nextRoom(2, 'alice-client-2');
    third?.send({ type: 'signal', to: 'alice-broadcaster', data: 'after the change' });
    expect(await second?.next('signal')).toMatchObject({ from: 'alice-client-3', epoch: 2 });
  });

  it('to the sender itself or to an unknown id are refused with ERR_UNKNOWN_DEVICE', async () => {
    const server = await accountServer();
    const [only] = await joinAll(server, 'alice', 1);
    for (const to of ['alice-client-1', 'alice-broadcaster', 'alice-client-9', 'nobody']) {
      only?.send({ type: 'signal', to, data: {} });
      await only?.error('ERR_UNKNOWN_DEVICE');
    }
  });
});

describe('another user’s device', () => {
  it('never sees members, signals or changes of this room, whatever it sends', async () => {
    const server = await accountServer();
    const [alice1, alice2] = await joinAll(server, 'alice', 2);
    const mallory = await server.join(await tokenFor('mallory'));
    expect(mallory.welcome).toMatchObject({
      id: 'mallory-client-1',
      epoch: 1,
      broadcaster: 'mallory-client-1',
      members: [{ id: 'mallory-client-1', role: 'broadcaster' }],
    });

    // Mallory aims at alice's ids, aliases and epoch.
    for (const to of ['alice-client-1', 'alice-client-2', 'alice-broadcaster']) {
      mallory.send({ type: 'signal', to, data: { sdp: 'forged' } });
      await mallory.error('ERR_UNKNOWN_DEVICE');
    }
    for (const peer of ['alice-client-1', 'alice-broadcaster']) {
      mallory.send({ type: 'unreachable', peer, epoch: 1 });
      await mallory.error('ERR_STALE_EPOCH');
    }

    // Alice's room goes on: signals, a join, a promotion.
    alice2?.send({ type: 'signal', to: 'alice-broadcaster', data: { sdp: 'private' } });
    await alice1?.next('signal');
    const alice3 = await server.join(await tokenFor('alice'));
    alice1?.send({ type: 'leave' });
    await alice3.nextRoom(2, 'alice-client-2');

    await mallory.roundTrip();
    const seen = JSON.stringify(mallory.received);
    expect(seen).not.toContain('alice');
    expect(seen).not.toContain('private');
    // Nothing of mallory's reached alice's devices either.
    await alice2?.roundTrip();
    expect(JSON.stringify(alice2?.received)).not.toContain('forged');
    expect(JSON.stringify(alice3.received)).not.toContain('mallory');
  });

  it('with the same name from the development sign-in is another user', async () => {
    const server = await accountServer({ devSignIn: true });
    const real = await server.join(await tokenFor('alice'));
    const response = await fetch(`${server.url}/api/dev/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'alice' }),
    });
    const { token } = (await response.json()) as { token: string };
    const impostor = await server.join(token);
    // Same user name, own room: the development sign-in cannot reach the real alice.
    expect(impostor.welcome).toMatchObject({ id: 'alice-client-1', user: 'alice', epoch: 1 });
    expect(impostor.welcome?.members).toHaveLength(1);
    impostor.send({ type: 'signal', to: 'alice-broadcaster', data: 'hi' });
    await impostor.error('ERR_UNKNOWN_DEVICE');
    await real.roundTrip();
    expect(real.unread()).toEqual([]);
  });
});
