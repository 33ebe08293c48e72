import { createLinkSecret } from '@webrtc-connect/signal';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { acceptLink, createLink, makeResumable, resumeSession } from 'webrtc-connect/link';
import { MailboxClient } from '../src/link/mailbox-client.ts';
import { ResumePost } from '../src/resume/resume-post.ts';
import { ResumeSealer } from '../src/resume/resume-seal.ts';
import type { ResumeTicket } from '../src/resume/resume-session.ts';
import { settle, settleWhen, useFakeClock } from './fakes/fake-clock.ts';
import { createFakeMailbox, type FakeMailbox } from './fakes/fake-mailbox.ts';
import { createFakeNetwork } from './fakes/fake-peer-connection.ts';

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

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

describe('resume box waits that acknowledge', () => {
  it('hand on a signal whose answer was lost on the way, from the next wait, once', async () => {
    const secret = createLinkSecret();
    const sealer = await ResumeSealer.create(secret, 'a');
    const client = new MailboxClient(mailbox.url);
    await settle(client.createResumeBox(sealer.boxId));
    const got: string[] = [];
    const taken: number[] = [];
    const b = new ResumePost(client, sealer.boxId, 'b', (sealed) => got.push(text(sealed)));
    b.onBoxTaken = (seq) => taken.push(seq);
    await settle(b.openBox(false));
    // B's wait is answered, and the answer never reaches B (its connection went stale).
    mailbox.failNext(/^GET \/api\/resume-boxes\/[^/]+\/b$/, 'lost');
    const a = new ResumePost(client, sealer.boxId, 'a', () => {});
    await settle(a.send(new TextEncoder().encode('first'), false));
    await settleWhen(() => got.length === 1, { limitMs: 30_000 });
    await settle(a.send(new TextEncoder().encode('second'), false));
    await settleWhen(() => got.length === 2, { limitMs: 30_000 });
    expect(got).toEqual(['first', 'second']);
    expect(taken).toEqual([1, 2]);
    a.close();
    b.close();
  });

  it('drops the wait in flight when the session goes down, and gets what it was answered from the next', async () => {
    // B's first wait is answered, but its answer never comes back (a connection the network
    // took away): it hangs until it is dropped.
    const waitsOfB = loseAnswersToWaitsOfB(1);
    const sealer = await ResumeSealer.create(createLinkSecret(), 'a');
    const client = new MailboxClient(mailbox.url);
    await settle(client.createResumeBox(sealer.boxId));
    const got: string[] = [];
    const b = new ResumePost(client, sealer.boxId, 'b', (sealed) => got.push(text(sealed)));
    await settle(b.openBox(false));
    const a = new ResumePost(client, sealer.boxId, 'a', () => {});
    await settle(a.send(new TextEncoder().encode('the answer'), false));
    await settleWhen(() => waitsOfB.length === 1);
    expect(got).toEqual([]);
    b.hurry(true);
    expect(waitsOfB[0]?.aborted).toBe(true);
    await settleWhen(() => got.length > 0, { limitMs: 10_000 });
    expect(got).toEqual(['the answer']);
    a.close();
    b.close();
  });

  it('while the session is down, sends a new wait after each post through the box (the one in flight may hang)', async () => {
    // B's first two waits are answered, and their answers never come back.
    const waitsOfB = loseAnswersToWaitsOfB(2);
    const sealer = await ResumeSealer.create(createLinkSecret(), 'a');
    const client = new MailboxClient(mailbox.url);
    await settle(client.createResumeBox(sealer.boxId));
    const got: string[] = [];
    const b = new ResumePost(client, sealer.boxId, 'b', (sealed) => got.push(text(sealed)));
    await settle(b.openBox(false));
    b.hurry(true);
    await settleWhen(() => waitsOfB.length === 2);
    const a = new ResumePost(client, sealer.boxId, 'a', () => {});
    await settle(a.send(new TextEncoder().encode('the answer'), false));
    // B's restart offer goes through the box: a new wait then, which brings the answer at once
    // (the hung one would be given up only 3 s past its 4).
    await settle(b.send(new TextEncoder().encode('an offer'), false));
    expect(waitsOfB[1]?.aborted).toBe(true);
    await settleWhen(() => got.length > 0, { limitMs: 2_000 });
    expect(got).toEqual(['the answer']);
    a.close();
    b.close();
  });

  it('keeps the last number taken in the ticket; a reload from an older ticket is answered it again, refused as a replay', async () => {
    // B's box waits after the `answered`th that was answered hang (a page about to go): what
    // it took stays unacknowledged in the box.
    let answered = 1;
    let holdB = false;
    vi.stubGlobal('fetch', async (input: string, init: RequestInit = {}) => {
      const url = new URL(input);
      const waitOfB =
        (init.method ?? 'GET') === 'GET' && /^\/api\/resume-boxes\/[^/]+\/b$/.test(url.pathname);
      if (waitOfB && holdB)
        return new Promise((_, reject) => {
          init.signal?.addEventListener('abort', () =>
            reject(new DOMException('aborted', 'AbortError')),
          );
        });
      const response = await mailbox.fetch(input, init);
      if (waitOfB && response.status === 200) holdB = --answered === 0;
      return response;
    });
    const network = createFakeNetwork();
    const peer = { RTCPeerConnection: network.RTCPeerConnection, mailbox: mailbox.url };
    const invitation = await settle(createLink(peer));
    const acceptance = await settle(acceptLink(invitation.link, peer));
    const [a, b] = await settle(Promise.all([invitation.connected, acceptance.connected]));
    let ticketB: ResumeTicket | undefined;
    /** The numbers B's tickets told, each once, and the highest signal of A's B took. */
    const told: number[] = [];
    const onTicket = (ticket: ResumeTicket) => {
      ticketB = ticket;
      if (ticket.boxTaken !== undefined && ticket.boxTaken !== told.at(-1))
        told.push(ticket.boxTaken);
    };
    const sessionA = await settle(makeResumable(a, invitation.link, 'a', peer));
    let sessionB = await settle(makeResumable(b, invitation.link, 'b', { ...peer, onTicket }));
    expect(ticketB?.boxTaken).toBe(0);

    /** B's page reloads, and resumes from `ticket`: the numbers its tickets told meanwhile. */
    const reloadB = async (ticket: ResumeTicket, answers = 1) => {
      told.length = 0;
      const old = sessionB.connection?.peerConnection;
      sessionB.detach();
      old?.close();
      holdB = false;
      answered = answers;
      const resumed = await settle(resumeSession(ticket, { ...peer, onTicket }));
      await settleWhen(
        () => sessionA.state === 'connected' && resumed.state === 'connected' && holdB,
        { limitMs: 60_000 },
      );
      sessionB = resumed;
      return [...told];
    };

    const kept = () => {
      if (!ticketB) throw new Error('no ticket');
      return ticketB;
    };
    // Each reload: A's answer through the box, taken and kept in the ticket; the next reload's
    // first wait acknowledges it, so it does not come again.
    expect(await reloadB(kept())).toEqual([0, 1]);
    expect(await reloadB(kept())).toEqual([1, 2]);
    // A ticket kept before the box numbered its signals: the answer still in the box (not yet
    // acknowledged) comes again (2), and the seal's own number refuses it as a replay: nothing
    // else happens, and the session resumes with the answer to its own offer (3).
    const received = kept().counters.received;
    const { boxTaken: _, ...older } = kept();
    expect(await reloadB(older, 2)).toEqual([2, 3]);
    expect(kept().counters.received).toBe(received + 1);
    sessionA.close();
    sessionB.close();
  });
});

/**
 * Stubs `fetch` so B's first `lost` waits are answered by the mailbox but their answers never
 * come back (a connection the network took away): each hangs until aborted. Returns the
 * signals of all B's waits, in order.
 */
function loseAnswersToWaitsOfB(lost: number): AbortSignal[] {
  const waitsOfB: AbortSignal[] = [];
  vi.stubGlobal('fetch', async (input: string, init: RequestInit = {}) => {
    const waitOfB =
      (init.method ?? 'GET') === 'GET' &&
      /^\/api\/resume-boxes\/[^/]+\/b$/.test(new URL(input).pathname);
    if (!waitOfB) return mailbox.fetch(input, init);
    const signal = init.signal ?? new AbortController().signal;
    waitsOfB.push(signal);
    if (waitsOfB.length > lost) return mailbox.fetch(input, init);
    const dropped = new AbortController();
    void mailbox.fetch(input, { ...init, signal: dropped.signal }).catch(() => {});
    return new Promise((_, reject) => {
      signal.addEventListener('abort', () => {
        dropped.abort();
        reject(new DOMException('aborted', 'AbortError'));
      });
    });
  });
  return waitsOfB;
}
