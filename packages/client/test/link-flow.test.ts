import { createLinkSecret, decodeSignal, encodeSignal, fromLinkText } from '@webrtc-connect/signal';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Connection } from 'webrtc-connect';
import { acceptLink, createLink, type LinkProgress } from 'webrtc-connect/link';
import { codeOf } from '../../../test/support/error-code.ts';
import { readLinkToken, writeLinkToken } from '../src/link/link-token.ts';
import { settle, useFakeClock } from './fakes/fake-clock.ts';
import { createFakeMailbox, type FakeMailbox } from './fakes/fake-mailbox.ts';
import {
  createFakeNetwork,
  type FakeNetworkOptions,
  fails,
  failsThenConnects,
} from './fakes/fake-peer-connection.ts';

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

function peers(options: FakeNetworkOptions = {}) {
  const network = createFakeNetwork(options);
  return { network, peer: { RTCPeerConnection: network.RTCPeerConnection } };
}

/** A message crosses the connection from `from` to `to`. */
async function crosses(from: Connection, to: Connection, text: string): Promise<void> {
  const heard = new Promise<unknown>((resolve) =>
    to.channel.addEventListener('message', (event) => resolve(event.data), { once: true }),
  );
  from.channel.send(text);
  expect(await settle(heard)).toBe(text);
}

describe('link way, with fake peers and a fake mailbox', () => {
  it('connects through a mailbox link: the reply is pushed to A, both show the same SAS', async () => {
    const { peer } = peers();
    const invitation = await settle(createLink({ ...peer, mailbox: mailbox.url }));
    expect(invitation.kind).toBe('mailbox');
    const acceptance = await settle(acceptLink(invitation.link, { ...peer, mailbox: mailbox.url }));
    expect(acceptance.replyCode).toMatch(/^[0-9A-Z]{5,6}$/);
    const [a, b] = await settle(Promise.all([invitation.connected, acceptance.connected]));
    expect(a.shortAuthenticationString).toBe(b.shortAuthenticationString);
    await crosses(a, b, 'hello B');
    await crosses(b, a, 'hello A');
    invitation.close();
    acceptance.close();
  });

  it('connects a self-contained link with no mailbox, the answer pasted as text', async () => {
    const { peer } = peers();
    const invitation = await settle(createLink({ ...peer, appUrl: 'https://app.test/' }));
    expect(invitation.kind).toBe('self-contained');
    const acceptance = await settle(acceptLink(invitation.link, { ...peer, mailbox: null }));
    expect(acceptance.replyCode).toBeNull();
    await settle(invitation.acceptReply(acceptance.answerText));
    const [a, b] = await settle(Promise.all([invitation.connected, acceptance.connected]));
    await crosses(a, b, 'pasted');
    expect(mailbox.requests).toEqual([]);
  });

  it('makes version 2 links, whose data channel both sides make (negotiated, id 0)', async () => {
    const { network, peer } = peers();
    const invitation = await settle(createLink({ ...peer, appUrl: 'https://app.test/' }));
    expect(readLinkToken(invitation.link).inBandChannel).toBeUndefined();
    expect(fromLinkText(invitation.link.split('#')[1] ?? '')[0]).toBe(0x22);
    const acceptance = await settle(acceptLink(invitation.link, { ...peer, mailbox: null }));
    await settle(invitation.acceptReply(acceptance.answerText));
    const [a, b] = await settle(Promise.all([invitation.connected, acceptance.connected]));
    await crosses(b, a, 'at once');
    for (const pc of network.connections) {
      expect([
        ...(pc as unknown as { negotiated: Map<number, unknown> }).negotiated.keys(),
      ]).toEqual([0]);
    }
  });

  it("still answers a version 1 link (an older A's): its data channel comes announced in band", async () => {
    const { network, peer } = peers();
    const olderA = new network.RTCPeerConnection();
    const channelOfA = olderA.createDataChannel('webrtc-connect');
    await settle(olderA.setLocalDescription(await settle(olderA.createOffer())));
    const offer = encodeSignal(olderA.localDescription as RTCSessionDescriptionInit);
    const link = `https://app.test/#${writeLinkToken({
      kind: 'self-contained',
      secret: createLinkSecret(),
      offer,
      inBandChannel: true,
    })}`;
    expect(readLinkToken(link).inBandChannel).toBe(true);
    const acceptance = await settle(acceptLink(link, { ...peer, mailbox: null }));
    await settle(olderA.setRemoteDescription(decodeSignal(fromLinkText(acceptance.answerText))));
    const b = await settle(acceptance.connected);
    const heard = new Promise<unknown>((resolve) =>
      channelOfA.addEventListener('message', (event) => resolve(event.data), { once: true }),
    );
    b.channel.send('to the older A');
    expect(await settle(heard)).toBe('to the older A');
    acceptance.close();
    olderA.close();
  });

  it('connects a self-contained link whose reply code is typed minutes later (call-back)', async () => {
    const { network, peer } = peers();
    const invitation = await settle(
      createLink({ ...peer, mailbox: mailbox.url, selfContained: true }),
    );
    const acceptance = await settle(acceptLink(invitation.link, { ...peer, mailbox: mailbox.url }));
    const code = acceptance.replyCode ?? '';
    // A person reads the code aloud two minutes later, in lower case with a space.
    await vi.advanceTimersByTimeAsync(120_000);
    await settle(invitation.acceptReply(`${code.slice(0, 3).toLowerCase()} ${code.slice(3)}`));
    const [a, b] = await settle(Promise.all([invitation.connected, acceptance.connected]));
    expect(a.shortAuthenticationString).toBe(b.shortAuthenticationString);
    await crosses(b, a, 'late but there');
    // B's first connection had given up waiting; it answered afresh through the call-back.
    expect(network.connections.length).toBeGreaterThanOrEqual(2);
  });

  it('refuses a reply code that expired with ERR_EXPIRED', async () => {
    const { peer } = peers();
    const invitation = await settle(
      createLink({ ...peer, mailbox: mailbox.url, selfContained: true }),
    );
    const acceptance = await settle(
      acceptLink(invitation.link, { ...peer, mailbox: mailbox.url, connectTimeout: 1000 }),
    );
    await vi.advanceTimersByTimeAsync(11 * 60_000);
    expect(await codeOf(settle(invitation.acceptReply(acceptance.replyCode ?? '')))).toBe(
      'ERR_EXPIRED',
    );
    expect(await codeOf(invitation.acceptReply('ZZZZZZ'))).toBe('ERR_NOT_FOUND');
    expect(await codeOf(invitation.acceptReply('U!'))).toBe('ERR_BAD_REPLY_CODE');
    invitation.close();
  });

  it('ends a mailbox link nobody answered with ERR_EXPIRED when the offer expires', async () => {
    const { peer } = peers();
    const steps: LinkProgress[] = [];
    const invitation = await settle(
      createLink({ ...peer, mailbox: mailbox.url, onProgress: (step) => steps.push(step) }),
    );
    const lifeMs = (invitation.expiresAt?.getTime() ?? 0) - Date.now();
    expect(lifeMs).toBeGreaterThan(10 * 60_000 - 100);
    expect(lifeMs).toBeLessThanOrEqual(10 * 60_000);
    const connected = codeOf(invitation.connected);
    await vi.advanceTimersByTimeAsync(10 * 60_000 - 1_000);
    expect(steps.at(-1)).toBe('waiting');
    expect(await settle(connected)).toBe('ERR_EXPIRED');
    expect(steps.at(-1)).toBe('failed');
  });

  it('fails with ERR_CONNECTION_FAILED when ICE fails for good, on both sides', async () => {
    const { peer } = peers({ plan: () => fails() });
    const invitation = await settle(createLink({ ...peer, mailbox: mailbox.url }));
    const acceptance = await settle(acceptLink(invitation.link, { ...peer, mailbox: mailbox.url }));
    expect(await codeOf(settle(invitation.connected))).toBe('ERR_CONNECTION_FAILED');
    expect(await codeOf(settle(acceptance.connected))).toBe('ERR_CONNECTION_FAILED');
  });

  it('tells B why a typed-code (call-back) connection failed, not ERR_CLOSED', async () => {
    const { peer } = peers({ plan: () => fails() });
    const invitation = await settle(
      createLink({ ...peer, mailbox: mailbox.url, selfContained: true }),
    );
    const acceptance = await settle(acceptLink(invitation.link, { ...peer, mailbox: mailbox.url }));
    await settle(invitation.acceptReply(acceptance.replyCode ?? ''));
    expect(await codeOf(settle(acceptance.connected))).toBe('ERR_CONNECTION_FAILED');
  });

  it("gives A the message B sent at once, though it came while A's security code was still being worked out", async () => {
    const { peer } = peers();
    // WebCrypto's digests after B's (A's security code) wait until released.
    const digest = crypto.subtle.digest.bind(crypto.subtle);
    const waiting: Array<() => void> = [];
    let calls = 0;
    const gate = vi.spyOn(crypto.subtle, 'digest').mockImplementation((...args) => {
      calls += 1;
      if (calls === 1) return digest(...args);
      return new Promise<ArrayBuffer>((resolve, reject) => {
        waiting.push(() => digest(...args).then(resolve, reject));
      });
    });
    try {
      const invitation = await settle(createLink({ ...peer, mailbox: mailbox.url }));
      const acceptance = await settle(
        acceptLink(invitation.link, { ...peer, mailbox: mailbox.url }),
      );
      const b = await settle(acceptance.connected);
      b.channel.send('at once');
      await vi.advanceTimersByTimeAsync(20);
      expect(waiting.length).toBe(1);
      const heard = invitation.connected.then(
        (a) =>
          new Promise<unknown>((resolve) =>
            a.channel.addEventListener('message', (event) => resolve(event.data), { once: true }),
          ),
      );
      gate.mockRestore();
      for (const release of waiting) release();
      expect(await settle(heard, { limitMs: 5_000 })).toBe('at once');
    } finally {
      gate.mockRestore();
    }
  });

  it('takes a transient `failed` followed by `connected` as a connection', async () => {
    const { peer } = peers({ plan: () => failsThenConnects(2) });
    const invitation = await settle(createLink({ ...peer, mailbox: mailbox.url }));
    const acceptance = await settle(acceptLink(invitation.link, { ...peer, mailbox: mailbox.url }));
    const [a, b] = await settle(Promise.all([invitation.connected, acceptance.connected]));
    await crosses(a, b, 'recovered');
  });

  it('tells B ERR_WITHDRAWN when A closed its link before B opened it', async () => {
    const { peer } = peers();
    const invitation = await settle(createLink({ ...peer, mailbox: mailbox.url }));
    invitation.close();
    expect(await codeOf(settle(invitation.connected))).toBe('ERR_CLOSED');
    expect(
      await codeOf(settle(acceptLink(invitation.link, { ...peer, mailbox: mailbox.url }))),
    ).toBe('ERR_WITHDRAWN');
  });

  it('caps gathering when it never completes (a dead STUN server), and still connects', async () => {
    const { peer } = peers({ stallGathering: true });
    const started = Date.now();
    const invitation = await settle(
      createLink({ ...peer, appUrl: 'https://app.test/', gatherTimeout: 500 }),
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(500);
    const acceptance = await settle(
      acceptLink(invitation.link, { ...peer, mailbox: null, gatherTimeout: 500 }),
    );
    await settle(invitation.acceptReply(acceptance.answerText));
    await settle(Promise.all([invitation.connected, acceptance.connected]));
  });

  it('retries the reply wait after a mailbox hiccup, and the pushed reply still arrives', async () => {
    const { peer } = peers();
    mailbox.failNext(/GET \/api\/offers\/[^/]+\/reply/, 'network');
    const invitation = await settle(createLink({ ...peer, mailbox: mailbox.url }));
    const acceptance = await settle(acceptLink(invitation.link, { ...peer, mailbox: mailbox.url }));
    await settle(Promise.all([invitation.connected, acceptance.connected]));
  });

  it('reports progress on both sides: gathering, waiting, connecting, connected', async () => {
    const { peer } = peers();
    const a: LinkProgress[] = [];
    const b: LinkProgress[] = [];
    const invitation = await settle(
      createLink({ ...peer, mailbox: mailbox.url, onProgress: (step) => a.push(step) }),
    );
    expect(a).toEqual(['gathering', 'waiting']);
    const acceptance = await settle(
      acceptLink(invitation.link, { ...peer, mailbox: mailbox.url, onProgress: (s) => b.push(s) }),
    );
    expect(b.slice(0, 2)).toEqual(['gathering', 'waiting']);
    await settle(Promise.all([invitation.connected, acceptance.connected]));
    expect(a).toEqual(['gathering', 'waiting', 'connecting', 'connected']);
    expect(b).toEqual(['gathering', 'waiting', 'connecting', 'connected']);
  });

  it('reports `connecting` on A only once the typed code brought the answer', async () => {
    const { peer } = peers();
    const a: LinkProgress[] = [];
    const invitation = await settle(
      createLink({ ...peer, appUrl: 'https://app.test/', onProgress: (step) => a.push(step) }),
    );
    const acceptance = await settle(acceptLink(invitation.link, { ...peer, mailbox: null }));
    await vi.advanceTimersByTimeAsync(10_000);
    expect(a).toEqual(['gathering', 'waiting']);
    await settle(invitation.acceptReply(acceptance.answerText));
    expect(a).toEqual(['gathering', 'waiting', 'connecting']);
    await settle(invitation.connected);
    expect(a.at(-1)).toBe('connected');
  });

  it('reports `failed` when ICE fails, and nothing after the app closes the link', async () => {
    const { peer } = peers({ plan: () => fails() });
    const a: LinkProgress[] = [];
    const invitation = await settle(
      createLink({ ...peer, mailbox: mailbox.url, onProgress: (step) => a.push(step) }),
    );
    await settle(acceptLink(invitation.link, { ...peer, mailbox: mailbox.url }));
    await codeOf(settle(invitation.connected));
    expect(a).toEqual(['gathering', 'waiting', 'connecting', 'failed']);
    const closed: LinkProgress[] = [];
    const other = await settle(
      createLink({ ...peer, mailbox: mailbox.url, onProgress: (step) => closed.push(step) }),
    );
    other.close();
    await codeOf(settle(other.connected));
    expect(closed).toEqual(['gathering', 'waiting']);
  });

  it('keeps going when an onProgress listener throws', async () => {
    const { peer } = peers();
    const thrown = new Error('the app’s own bug');
    const reported: unknown[] = [];
    const onError = (error: unknown) => reported.push(error);
    process.on('uncaughtException', onError);
    try {
      const invitation = await settle(
        createLink({
          ...peer,
          appUrl: 'https://app.test/',
          onProgress: () => {
            throw thrown;
          },
        }),
      );
      const acceptance = await settle(acceptLink(invitation.link, { ...peer, mailbox: null }));
      await settle(invitation.acceptReply(acceptance.answerText));
      await settle(invitation.connected);
    } finally {
      process.off('uncaughtException', onError);
    }
    // Reported once a step: gathering, waiting, connecting, connected.
    expect(reported).toEqual([thrown, thrown, thrown, thrown]);
  });
});
