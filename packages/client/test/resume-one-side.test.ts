import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { acceptLink, createLink, makeResumable } from 'webrtc-connect/link';
import { settle, settleWhen, useFakeClock } from './fakes/fake-clock.ts';
import { createFakeMailbox, type FakeMailbox } from './fakes/fake-mailbox.ts';
import { createFakeNetwork, type FakePeerConnection } from './fakes/fake-peer-connection.ts';

let mailbox: FakeMailbox;

beforeEach(() => {
  useFakeClock();
  mailbox = createFakeMailbox();
  vi.stubGlobal('fetch', mailbox.fetch);
});

afterEach(() => {
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

/** A and B connected by a mailbox link, both resumable. */
async function resumablePair() {
  const network = createFakeNetwork();
  const peer = { RTCPeerConnection: network.RTCPeerConnection, mailbox: mailbox.url };
  const invitation = await settle(createLink(peer));
  const acceptance = await settle(acceptLink(invitation.link, peer));
  const [a, b] = await settle(Promise.all([invitation.connected, acceptance.connected]));
  const [sessionA, sessionB] = await settle(
    Promise.all([
      makeResumable(a, invitation.link, 'a', peer),
      makeResumable(b, invitation.link, 'b', peer),
    ]),
  );
  const pcOf = (connection: { peerConnection: RTCPeerConnection }) =>
    connection.peerConnection as unknown as FakePeerConnection;
  return { network, a: sessionA, b: sessionB, pcA: pcOf(a), pcB: pcOf(b) };
}

describe('a network change that only B sees', () => {
  it('B restarts, then connects afresh, though A never notices anything', async () => {
    const { a, b, pcA, pcB } = await resumablePair();
    const aStates: string[] = [];
    a.on('state', (state) => aStates.push(state));
    // Only B's ICE sees the path go (A's still reads connected, as Firefox for 30 s).
    pcB.become('disconnected');
    await settleWhen(() => b.state === 'reconnecting');

    // B's restart offer reaches A through the box: A answers it, though it saw nothing wrong.
    await settleWhen(() => pcA.remoteDescription?.type === 'offer', { limitMs: 20_000 });
    expect(aStates).toEqual([]);

    // The fake's restart never brings the old pair back, so B offers a fresh connection.
    await settleWhen(
      () =>
        a.state === 'connected' &&
        b.state === 'connected' &&
        a.connection?.peerConnection !== (pcA as unknown as RTCPeerConnection),
      { limitMs: 40_000 },
    );
    expect(b.connection?.peerConnection).not.toBe(pcB);
    a.detach();
    b.detach();
  });
});
