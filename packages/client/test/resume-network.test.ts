import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  acceptLink,
  createLink,
  makeResumable,
  type ResumableSession,
  resumeSession,
} from 'webrtc-connect/link';
import { watchNetwork } from '../src/resume/resume-network.ts';
import { settle, settleWhen, useFakeClock } from './fakes/fake-clock.ts';
import { createFakeMailbox, type FakeMailbox, quietResumeBox } from './fakes/fake-mailbox.ts';
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

/** The page's global scope as a browser's: `offline` / `online` on it, `navigator.onLine`. */
function fakeWindow() {
  const scope = new EventTarget();
  vi.stubGlobal('addEventListener', scope.addEventListener.bind(scope));
  vi.stubGlobal('removeEventListener', scope.removeEventListener.bind(scope));
  vi.stubGlobal('navigator', { onLine: true });
  return {
    fire(type: 'offline' | 'online') {
      scope.dispatchEvent(new Event(type));
    },
  };
}

/**
 * A and B connected by a mailbox link and made resumable; `beforeB` runs between A's
 * makeResumable and B's (a fake window made there is B's alone: A's session has none).
 * Restart offers and answers gather anew: the fake never completes that, so each side's
 * gathering is capped at `gatherA` / `gatherB` ms.
 */
async function resumablePair({
  beforeB = () => {},
  gatherA = 50,
  gatherB = 50,
}: {
  beforeB?: () => void;
  gatherA?: number;
  gatherB?: number;
} = {}) {
  const network = createFakeNetwork();
  const peer = { RTCPeerConnection: network.RTCPeerConnection, mailbox: mailbox.url };
  const invitation = await settle(createLink(peer));
  const acceptance = await settle(acceptLink(invitation.link, peer));
  const [a, b] = await settle(Promise.all([invitation.connected, acceptance.connected]));
  const sessionA = await settle(
    makeResumable(a, invitation.link, 'a', { ...peer, gatherTimeout: gatherA }),
  );
  beforeB();
  const sessionB = await settle(
    makeResumable(b, invitation.link, 'b', { ...peer, gatherTimeout: gatherB }),
  );
  const pcOf = (connection: { peerConnection: RTCPeerConnection }) =>
    connection.peerConnection as unknown as FakePeerConnection;
  // Both heartbeats have been answered (a side only counts asks once the other answered).
  await settle(new Promise((resolve) => setTimeout(resolve, 2500)));
  return { network, a: sessionA, b: sessionB, pcA: pcOf(a), pcB: pcOf(b) };
}

/** Restart offers `pc` has made from now on (each goes to `have-local-offer`). */
function countOffers(pc: FakePeerConnection): { count: number } {
  const offers = { count: 0 };
  pc.addEventListener('signalingstatechange', () => {
    if (pc.signalingState === 'have-local-offer') offers.count += 1;
  });
  return offers;
}

/** The resume channel of `pc` (negotiated, id 101) holds what it sends. */
function holdResumeChannel(pc: FakePeerConnection): void {
  const channel = pc.negotiated.get(101);
  if (!channel) throw new Error('no resume channel');
  channel.holding = true;
}

function stopBoth(a: ResumableSession, b: ResumableSession): void {
  a.detach();
  b.detach();
}

describe('a network change the page is told of', () => {
  it('online after offline: a path that no longer carries is restarted within 2 s, though ICE reads connected', async () => {
    const window = fakeWindow();
    const { a, b, pcA, pcB } = await resumablePair();
    const offersA = countOffers(pcA);
    const offersB = countOffers(pcB);
    // Nothing crosses any more either way, and ICE on both sides still reads `connected` (as
    // Chromium's, which carried the old connection over to its new network).
    holdResumeChannel(pcA);
    holdResumeChannel(pcB);
    window.fire('offline');
    window.fire('online');
    // The heartbeat alone would take five unanswered asks, then the 2 s grace: 7 s.
    // B restarts too (not 4 s later, waiting for A's): its own network changed.
    await settleWhen(() => offersA.count > 0 && offersB.count > 0, { limitMs: 3000 });
    expect([a.state, b.state]).toEqual(['reconnecting', 'reconnecting']);
    stopBoth(a, b);
  });

  it('leaves a path that still carries alone: the ask is answered, nothing restarts', async () => {
    const window = fakeWindow();
    const { a, b, pcA, pcB } = await resumablePair();
    const offers = [countOffers(pcA), countOffers(pcB)];
    const states: string[] = [];
    a.on('state', (state) => states.push(`a ${state}`));
    b.on('state', (state) => states.push(`b ${state}`));
    window.fire('offline');
    window.fire('online');
    await settle(new Promise((resolve) => setTimeout(resolve, 10_000)));
    expect(states).toEqual([]);
    expect(offers.map((offer) => offer.count)).toEqual([0, 0]);
    stopBoth(a, b);
  });

  it('down and between networks, A restarts the moment it is online again, not at its next retry', async () => {
    const window = fakeWindow();
    const { network, a, b, pcA, pcB } = await resumablePair();
    const errors: string[] = [];
    a.on('error', (error) => errors.push(`a ${error.code}`));
    b.on('error', (error) => errors.push(`b ${error.code}`));
    const offersB = { count: 0 };
    pcB.addEventListener('signalingstatechange', () => {
      if (pcB.signalingState === 'have-remote-offer') offersB.count += 1;
    });
    // Both sides lost their network: ICE goes, and restarts find nothing to gather on.
    network.offline = true;
    window.fire('offline');
    pcA.become('disconnected');
    pcB.become('disconnected');
    let rollbacks = 0;
    pcA.addEventListener('signalingstatechange', () => {
      if (pcA.signalingState === 'stable' && pcA.remoteDescription?.type === 'answer') rollbacks++;
    });
    // A's restart after the 2 s grace found no candidate and rolled back (retry in 1 s).
    await settleWhen(() => rollbacks > 0, { limitMs: 5000 });
    expect(offersB.count).toBe(0);

    network.offline = false;
    window.fire('online');
    await settleWhen(() => offersB.count > 0, { limitMs: 400 });

    // A's offer is answered (B's own, made at the same time, gives way), and the restart
    // brings the path back.
    await settleWhen(() => pcA.signalingState === 'stable' && pcB.signalingState === 'stable', {
      limitMs: 5000,
    });
    pcA.become('connected');
    pcB.become('connected');
    await settleWhen(() => a.state === 'connected' && b.state === 'connected', {
      limitMs: 10_000,
    });
    expect([pcA.signalingState, pcB.signalingState]).toEqual(['stable', 'stable']);
    // A's offer stood: B answered it.
    expect([pcA.remoteDescription?.type, pcB.remoteDescription?.type]).toEqual(['answer', 'offer']);
    expect(a.connection?.peerConnection).toBe(pcA);
    expect(errors).toEqual([]);
    stopBoth(a, b);
  });

  it('both back on a network at once: B, still gathering its own restart when the offer of A comes, answers it', async () => {
    const window = fakeWindow();
    // B's restart gathers for 1 s, A's for 50 ms: A's offer reaches B mid-gathering.
    const { a, b, pcA, pcB } = await resumablePair({ gatherB: 1000 });
    const errors: string[] = [];
    a.on('error', (error) => errors.push(`a ${error.code}`));
    b.on('error', (error) => errors.push(`b ${error.code}`));
    const offersB = countOffers(pcB);
    window.fire('offline');
    pcA.become('disconnected');
    pcB.become('disconnected');
    await settleWhen(() => a.state === 'reconnecting' && b.state === 'reconnecting');
    // What B posts to A's side of the box from now on.
    const toA = () => mailbox.requests.filter((request) => /^POST .*\/a$/.test(request));
    const postedBefore = toA().length;
    window.fire('online');
    // B restarts too, at once, and gathers.
    await settleWhen(() => offersB.count === 1, { limitMs: 100 });
    // A's offer answered, the restart brings the path back.
    await settleWhen(() => pcA.signalingState === 'stable' && pcB.signalingState === 'stable', {
      limitMs: 2000,
    });
    pcA.become('connected');
    pcB.become('connected');
    // Past B's gathering, and past any answer or offer of B's that could follow it.
    await settle(new Promise((resolve) => setTimeout(resolve, 3000)));
    expect([pcA.signalingState, pcB.signalingState]).toEqual(['stable', 'stable']);
    expect([pcA.remoteDescription?.type, pcB.remoteDescription?.type]).toEqual(['answer', 'offer']);
    // Its answer alone: its own restart, given up, sent nothing (not the answer as an offer).
    expect(toA().length - postedBefore).toBe(1);
    expect(errors).toEqual([]);
    stopBoth(a, b);
  });

  it('a restart still gathering when the network came back is made again at once, not sent', async () => {
    const window = fakeWindow();
    const { a, b, pcA, pcB } = await resumablePair({ gatherA: 1000 });
    const offersA = countOffers(pcA);
    // How many offers A had made when the first reached B.
    let madeWhenOneCame = 0;
    pcB.addEventListener('signalingstatechange', () => {
      if (pcB.signalingState === 'have-remote-offer' && !madeWhenOneCame)
        madeWhenOneCame = offersA.count;
    });
    window.fire('offline');
    pcA.become('disconnected');
    // After the 2 s grace A restarts, and gathers for 1 s.
    await settleWhen(() => pcA.signalingState === 'have-local-offer', { limitMs: 5000 });
    window.fire('online');
    await settleWhen(() => madeWhenOneCame > 0, { limitMs: 5000 });
    // What the first gathered, on the network before, never went: the second offer did.
    expect(madeWhenOneCame).toBe(2);
    stopBoth(a, b);
  });

  it('a restart answered but not yet connected when the network came back is made again at once', async () => {
    const window = fakeWindow();
    const { a, b, pcA, pcB } = await resumablePair();
    let offersToB = 0;
    pcB.addEventListener('signalingstatechange', () => {
      if (pcB.signalingState === 'have-remote-offer') offersToB++;
    });
    pcA.become('disconnected');
    // A's restart (after the 2 s grace) is answered; the connection waits to come back (4 s).
    await settleWhen(() => offersToB === 1 && pcA.signalingState === 'stable', { limitMs: 5000 });
    window.fire('offline');
    window.fire('online');
    await settleWhen(() => offersToB === 2, { limitMs: 500 });
    stopBoth(a, b);
  });

  it('a restart made because the network came back gives way to a fresh connection 1 s after its answer, not 4 s', async () => {
    const window = fakeWindow();
    const { network, a, b, pcA, pcB } = await resumablePair();
    let offersToB = 0;
    pcB.addEventListener('signalingstatechange', () => {
      if (pcB.signalingState === 'have-remote-offer') offersToB++;
    });
    pcA.become('disconnected');
    pcB.become('disconnected');
    await settleWhen(() => a.state === 'reconnecting' && b.state === 'reconnecting');
    window.fire('offline');
    window.fire('online');
    // Answered, and the pair does not come back (as Chromium's after a change of both sides).
    await settleWhen(() => offersToB === 1 && pcA.signalingState === 'stable', { limitMs: 1000 });
    const made = network.connections.length;
    await settleWhen(() => network.connections.length > made, { limitMs: 1300 });
    await settleWhen(() => a.state === 'connected' && b.state === 'connected', {
      limitMs: 5000,
    });
    expect(a.connection?.peerConnection).not.toBe(pcA);
    stopBoth(a, b);
  });

  it('a reloaded page whose fresh offer is not yet answered makes it again when the network comes back, not 6 s later', async () => {
    const window = fakeWindow();
    // Nobody answers.
    const posts = quietResumeBox();
    const network = createFakeNetwork();
    const { RTCPeerConnection } = network;
    const invitation = await settle(createLink({ RTCPeerConnection, appUrl: 'https://app.test/' }));
    invitation.close();
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
    await settleWhen(() => posts.length === 1, { limitMs: 5000 });
    window.fire('offline');
    window.fire('online');
    await settleWhen(() => posts.length === 2, { limitMs: 500 });
    session.detach();
  });

  it('B, whose network alone changed, restarts at once instead of waiting 4 s for A', async () => {
    let window: ReturnType<typeof fakeWindow> | undefined;
    const { a, b, pcA, pcB } = await resumablePair({
      beforeB: () => {
        window = fakeWindow();
      },
    });
    const offersB = countOffers(pcB);
    // Only B's ICE sees the path go; A's still reads connected.
    window?.fire('offline');
    pcB.become('disconnected');
    await settleWhen(() => b.state === 'reconnecting');
    window?.fire('online');
    await settleWhen(() => offersB.count > 0, { limitMs: 400 });
    // A answers B's restart though it saw nothing wrong.
    await settleWhen(() => pcA.signalingState === 'stable' && pcB.signalingState === 'stable', {
      limitMs: 5000,
    });
    expect(a.state).toBe('connected');
    stopBoth(a, b);
  });
});

describe('watchNetwork', () => {
  function scopeWith(connectionType?: string) {
    const scope = new EventTarget();
    const connection = Object.assign(new EventTarget(), { type: connectionType });
    const changes: string[] = [];
    const stop = watchNetwork((change) => changes.push(change), {
      addEventListener: scope.addEventListener.bind(scope),
      removeEventListener: scope.removeEventListener.bind(scope),
      navigator: { onLine: true, connection },
    });
    const fire = (target: EventTarget, type: string) => target.dispatchEvent(new Event(type));
    return { scope, connection, changes, stop, fire };
  }

  it('tells online only after an offline, and a change of the connection type only', () => {
    const { scope, connection, changes, fire } = scopeWith('wifi');
    fire(scope, 'online');
    expect(changes).toEqual([]);
    fire(scope, 'offline');
    fire(scope, 'online');
    fire(scope, 'online');
    // The estimates change with the traffic on the same network: no change of network.
    fire(connection, 'change');
    connection.type = 'cellular';
    fire(connection, 'change');
    expect(changes).toEqual(['offline', 'online', 'connection']);
  });

  it('hears nothing once stopped', () => {
    const { scope, connection, changes, stop, fire } = scopeWith('wifi');
    stop();
    fire(scope, 'offline');
    connection.type = 'cellular';
    fire(connection, 'change');
    expect(changes).toEqual([]);
  });

  it('does nothing where there is no window, navigator.onLine or connection type (Node)', () => {
    const changes: string[] = [];
    expect(() => watchNetwork((change) => changes.push(change), {})()).not.toThrow();
    expect(() =>
      watchNetwork((change) => changes.push(change), { navigator: { onLine: true } })(),
    ).not.toThrow();
    const { changes: desktop, connection, fire } = scopeWith(undefined);
    fire(connection, 'change');
    expect([changes, desktop]).toEqual([[], []]);
  });
});
