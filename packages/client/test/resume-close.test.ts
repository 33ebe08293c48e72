import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  acceptLink,
  createLink,
  makeResumable,
  type ResumeTicket,
  resumeSession,
} from 'webrtc-connect/link';
import { settle, settleWhen, useFakeClock } from './fakes/fake-clock.ts';
import { createFakeMailbox, quietResumeBox } from './fakes/fake-mailbox.ts';
import { createFakeNetwork } from './fakes/fake-peer-connection.ts';

beforeEach(() => useFakeClock());
afterEach(() => {
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

describe('a resumed session closed at once', () => {
  it('closes the connection it was still offering, and posts nothing more after its bye', async () => {
    const posts = quietResumeBox();
    const network = createFakeNetwork();
    const { RTCPeerConnection } = network;
    const invitation = await settle(createLink({ RTCPeerConnection, appUrl: 'https://app.test/' }));
    invitation.close();
    const made = network.connections.length;
    const session = await settle(
      resumeSession(
        {
          version: 1,
          link: invitation.link,
          side: 'b',
          mailbox: 'http://mailbox.test',
          counters: { sent: 0, received: 0 },
        },
        { RTCPeerConnection },
      ),
    );
    // Still gathering its fresh offer.
    session.close();
    expect(session.state).toBe('closed');
    // Its offer is made (WebCrypto runs in real time: settleWhen waits for it), and closed.
    const offering = () => network.connections.slice(made);
    await settleWhen(
      () => offering().length > 0 && offering().every((pc) => pc.connectionState === 'closed'),
      { limitMs: 30_000 },
    );
    // Past the fresh offer's wait, when a forgotten one would be offered again.
    await settle(new Promise((resolve) => setTimeout(resolve, 40_000)));
    // The bye alone.
    expect(posts).toHaveLength(1);
  });
});

describe('a session closed while it answers a fresh offer', () => {
  it('sends its bye and no answer after it, and closes the connection it was answering with', async () => {
    const mailbox = createFakeMailbox();
    vi.stubGlobal('fetch', mailbox.fetch);
    // Gathering takes long enough to close in the middle of it.
    const network = createFakeNetwork({ gatherMs: 500 });
    const peer = { RTCPeerConnection: network.RTCPeerConnection, mailbox: mailbox.url };
    const invitation = await settle(createLink(peer));
    const acceptance = await settle(acceptLink(invitation.link, peer));
    const [a, b] = await settle(Promise.all([invitation.connected, acceptance.connected]));
    let ticketB: ResumeTicket | undefined;
    const [sessionA, sessionB] = await settle(
      Promise.all([
        makeResumable(a, invitation.link, 'a', peer),
        makeResumable(b, invitation.link, 'b', {
          ...peer,
          onTicket: (ticket) => {
            ticketB = ticket;
          },
        }),
      ]),
    );
    // B's page reloads: its fresh offer reaches A through the box.
    sessionB.detach();
    if (!ticketB) throw new Error('B kept no ticket');
    const made = network.connections.length;
    const reloadedB = await settle(resumeSession(ticketB, peer));
    const answering = () =>
      network.connections
        .slice(made)
        .find(
          (pc) => pc.remoteDescription?.type === 'offer' && pc.iceGatheringState === 'gathering',
        );
    await settleWhen(() => answering() !== undefined, { limitMs: 20_000 });
    const toB = () => mailbox.requests.filter((request) => /^POST .*\/b$/.test(request)).length;
    const before = toB();
    const pc = answering();
    sessionA.close();
    // Past the answer's gathering and any wait for it: only the bye went to B.
    await settleWhen(() => reloadedB.state === 'closed', { limitMs: 30_000 });
    await settle(new Promise((resolve) => setTimeout(resolve, 5_000)));
    expect(toB() - before).toBe(1);
    expect(pc?.connectionState).toBe('closed');
    expect(reloadedB.closeReason?.message).toMatch(/other side ended/);
  });
});
