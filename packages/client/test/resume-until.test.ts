import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  acceptLink,
  createLink,
  makeResumable,
  type ResumeTicket,
  resumeSession,
} from 'webrtc-connect/link';
import { settle, settleWhen, useFakeClock } from './fakes/fake-clock.ts';
import { createFakeMailbox, type FakeMailbox } from './fakes/fake-mailbox.ts';
import { createFakeNetwork } from './fakes/fake-peer-connection.ts';

let mailbox: FakeMailbox;
const TTL_MS = 90_000;

beforeEach(() => {
  useFakeClock();
  // A mailbox whose links (and resume boxes) live a minute and a half, not ten.
  mailbox = createFakeMailbox({ ttlMs: TTL_MS });
  vi.stubGlobal('fetch', mailbox.fetch);
});

afterEach(() => {
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

describe('until when a session can be resumed', () => {
  it('both sides know the box expiry, though only one made the box; a reloaded page keeps it', async () => {
    const network = createFakeNetwork();
    const peer = { RTCPeerConnection: network.RTCPeerConnection, mailbox: mailbox.url };
    const invitation = await settle(createLink(peer));
    const acceptance = await settle(acceptLink(invitation.link, peer));
    const [a, b] = await settle(Promise.all([invitation.connected, acceptance.connected]));
    const tickets: Record<'a' | 'b', ResumeTicket | undefined> = { a: undefined, b: undefined };
    const keep = (ticket: ResumeTicket) => {
      tickets[ticket.side] = ticket;
    };
    const connectedAt = Date.now();
    const [sessionA, sessionB] = await settle(
      Promise.all([
        makeResumable(a, invitation.link, 'a', { ...peer, onTicket: keep }),
        makeResumable(b, invitation.link, 'b', { ...peer, onTicket: keep }),
      ]),
    );
    await settleWhen(() => sessionA.resumableUntil !== null && sessionB.resumableUntil !== null);
    const until = sessionA.resumableUntil?.getTime() ?? 0;
    expect(sessionB.resumableUntil?.getTime()).toBe(until);
    // The box's expiry, the mailbox's lifetime from when the box was made: not ten minutes.
    expect(until - connectedAt).toBeGreaterThanOrEqual(TTL_MS - 1000);
    expect(until - connectedAt).toBeLessThanOrEqual(TTL_MS + 1000);
    expect(tickets.b?.resumableUntil).toBe(new Date(until).toISOString());

    // B reloads: its resumed session knows it from its ticket at once.
    sessionB.detach();
    const ticket = tickets.b;
    if (!ticket) throw new Error('B kept no ticket');
    const reloaded = await settle(resumeSession(ticket, peer));
    expect(reloaded.resumableUntil?.getTime()).toBe(until);
    await settleWhen(() => reloaded.state === 'connected' && sessionA.state === 'connected', {
      limitMs: 30_000,
    });
    sessionA.close();
  });
});
