import wrtc from '@roamhq/wrtc';
import { createServer } from '@webrtc-connect/server';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection, PeerConnectionConstructor } from 'webrtc-connect';
import {
  acceptLink,
  createLink,
  makeResumable,
  type ResumableSession,
  type ResumeTicket,
  resumeSession,
} from 'webrtc-connect/link';
import { assertPrivateNetns } from '../harness/netns.ts';
import { codeOf } from '../support/error-code.ts';

const RTCPeerConnection = wrtc.RTCPeerConnection as unknown as PeerConnectionConstructor;
const peer = { RTCPeerConnection, gatherTimeout: 2000, connectTimeout: 15_000 };

let server: FastifyInstance;
let mailbox: string;
const sessions: ResumableSession[] = [];

beforeAll(async () => {
  assertPrivateNetns();
  server = await createServer({ logLevel: 'silent' });
  mailbox = await server.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  for (const session of sessions) session.detach();
  await server?.close();
});

/** A and B connected by a mailbox link, both resumable, each with the ticket it would keep. */
async function resumablePair() {
  const invitation = await createLink({ ...peer, mailbox });
  const acceptance = await acceptLink(invitation.link, { ...peer, mailbox });
  const [a, b] = await Promise.all([invitation.connected, acceptance.connected]);
  const tickets: Record<'a' | 'b', ResumeTicket | null> = { a: null, b: null };
  const [sessionA, sessionB] = await Promise.all(
    (['a', 'b'] as const).map((side) =>
      makeResumable(side === 'a' ? a : b, invitation.link, side, {
        ...peer,
        mailbox,
        onTicket: (ticket) => {
          tickets[side] = ticket;
        },
      }),
    ),
  );
  if (!sessionA || !sessionB) throw new Error('no sessions');
  sessions.push(sessionA, sessionB);
  return { a: sessionA, b: sessionB, tickets };
}

/** `text` sent on `from`'s channel arrives on `to`'s. */
async function expectCarried(from: Connection, to: Connection, text: string): Promise<void> {
  const received = new Promise((resolve) =>
    to.channel.addEventListener('message', (event) => resolve(event.data), { once: true }),
  );
  from.channel.send(text);
  expect(await received).toBe(text);
}

function nextState(session: ResumableSession, state: string): Promise<void> {
  return new Promise((resolve) => {
    const off = session.on('state', (now) => {
      if (now === state) {
        off();
        resolve();
      }
    });
  });
}

describe('resumable link sessions (Node peers)', () => {
  for (const reloaded of ['b', 'a'] as const) {
    it(`resume after ${reloaded.toUpperCase()} reloads: the other side reconnects, no new link`, async () => {
      const pair = await resumablePair();
      const gone = pair[reloaded];
      const stays = pair[reloaded === 'a' ? 'b' : 'a'];
      const ticket = pair.tickets[reloaded];
      if (!ticket) throw new Error('no ticket kept');
      const reconnecting = nextState(stays, 'reconnecting');
      const replaced = new Promise<Connection>((resolve) => stays.on('connection', resolve));
      // The page goes away: its connection with it, and nothing said to the other side.
      gone.detach();
      await reconnecting;
      const resumed = await resumeSession(JSON.parse(JSON.stringify(ticket)), { ...peer });
      sessions.push(resumed);
      const [mine, theirs] = await Promise.all([resumed.connected(), replaced]);
      expect(stays.state).toBe('connected');
      expect(mine.shortAuthenticationString).toBe(theirs.shortAuthenticationString);
      await expectCarried(mine, theirs, 'after the reload');
      await expectCarried(theirs, mine, 'and back');
    }, 60_000);
  }

  it('restarts ICE over the live channel, keeping the connection and its channel', async () => {
    const { a, b } = await resumablePair();
    const before = a.connection;
    const ufrag = () =>
      /a=ice-ufrag:(\S+)/.exec(b.connection?.peerConnection.remoteDescription?.sdp ?? '')?.[1];
    const old = ufrag();
    await a.restartIce();
    await expect.poll(ufrag, { timeout: 10_000 }).not.toBe(old);
    expect(a.connection).toBe(before);
    const [left, right] = [a.connection, b.connection];
    if (!left || !right) throw new Error('no connection');
    await expectCarried(left, right, 'after the restart');
  }, 30_000);

  it('with no mailbox, restarts ICE over the channel and says a reload cannot be resumed', async () => {
    const invitation = await createLink({ ...peer, appUrl: 'https://app.example/' });
    const acceptance = await acceptLink(invitation.link, { ...peer, mailbox: null });
    await invitation.acceptReply(acceptance.answerText);
    const [left, right] = await Promise.all([invitation.connected, acceptance.connected]);
    let kept: ResumeTicket | null = null;
    const [a, b] = await Promise.all([
      makeResumable(left, invitation.link, 'a', {
        ...peer,
        mailbox: null,
        onTicket: (ticket) => {
          kept = ticket;
        },
      }),
      makeResumable(right, invitation.link, 'b', { ...peer, mailbox: null }),
    ]);
    sessions.push(a, b);
    expect(a.canResumeAfterReload).toBe(false);
    const ufrag = () =>
      /a=ice-ufrag:(\S+)/.exec(right.peerConnection.remoteDescription?.sdp ?? '')?.[1];
    const old = ufrag();
    await a.restartIce();
    await expect.poll(ufrag, { timeout: 10_000 }).not.toBe(old);
    await expectCarried(left, right, 'restarted with no server');
    if (!kept) throw new Error('no ticket');
    expect(await codeOf(resumeSession(kept, peer))).toBe('ERR_NO_MAILBOX');
    // The page goes: the other side's channel closes with nothing to resume through, so it ends.
    const closed = nextState(b, 'closed');
    a.detach();
    await closed;
    expect(b.closeReason?.code).toBe('ERR_CLOSED');
  }, 30_000);

  it('ends on both sides when one closes the session', async () => {
    const { a, b } = await resumablePair();
    const closed = nextState(b, 'closed');
    a.close();
    await closed;
    expect(b.closeReason?.code).toBe('ERR_CLOSED');
  }, 30_000);
});
