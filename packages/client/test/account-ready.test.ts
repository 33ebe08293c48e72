// The account way's first frame, READY, against Chromium 150's silent drop of what the answering
// side (the broadcaster) sends in the moment after an in-band channel appears: the fake network's
// `answererLossMs`. Devices of the previous version (emulated on the wire below) still work.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ConnectError } from 'webrtc-connect';
import { type AccountMessage, type AccountState, joinAccount } from 'webrtc-connect/account';
import type { PeerFrame } from '../src/account/account-wire.ts';
import { createPeerLink, type PeerLink } from '../src/account/peer-link.ts';
import { createFakeAccountServer, type FakeAccountServer } from './fakes/fake-account-server.ts';
import { settle, settleWhen, useFakeClock } from './fakes/fake-clock.ts';
import { createFakeNetwork, type FakeNetwork } from './fakes/fake-peer-connection.ts';

const READY = '{"k":"ready"}';
/** Longer than the moment Chromium drops in (about 200 ms measured), shorter than READY's tries. */
const LOSS_MS = 250;

let server: FakeAccountServer;
const cleanups: (() => void)[] = [];

beforeEach(() => {
  useFakeClock();
  server = createFakeAccountServer();
});

afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
  vi.useRealTimers();
});

interface Device {
  session: Awaited<ReturnType<typeof joinAccount>>;
  received: AccountMessage[];
  states: AccountState[];
  errors: ConnectError[];
}

async function join(network: FakeNetwork): Promise<Device> {
  const session = await settle(
    joinAccount({
      server: 'http://account.test',
      token: 'ann.token',
      RTCPeerConnection: network.RTCPeerConnection,
      WebSocket: server.WebSocket,
    }),
  );
  const device: Device = { session, received: [], states: [], errors: [] };
  session.on('message', (message) => device.received.push(message));
  session.on('state', (state) => device.states.push(state));
  session.on('error', (error) => device.errors.push(error));
  cleanups.push(() => session.leave());
  return device;
}

const texts = (device: Device, prefix: string) =>
  device.received.flatMap(({ data }) =>
    typeof data === 'string' && data.startsWith(prefix) ? [data] : [],
  );
const series = (prefix: string, count: number) =>
  Array.from({ length: count }, (_, n) => `${prefix}${n + 1}`);
const readiesSentBy = (network: FakeNetwork) =>
  network.connections.flatMap((pc) =>
    pc.remoteChannels.flatMap((channel) => channel.sent.filter((data) => data === READY)),
  ).length;

describe("the account channel when the broadcaster's first frames are lost", () => {
  it('opens anyway, without reporting the broadcaster, and messages arrive once', async () => {
    const network = createFakeNetwork({ answererLossMs: LOSS_MS });
    const a = await join(network);
    const b = await join(network);
    const c = await join(network);
    await settleWhen(
      () =>
        [a, b, c].every((d) => d.session.state === 'connected' && d.session.members.length === 3),
      { limitMs: 4_000 },
    );
    expect(a.session.role).toBe('broadcaster');
    // The first READY of each channel was lost, and went again.
    expect(readiesSentBy(network)).toBeGreaterThan(2);
    for (const client of [b, c]) {
      expect(client.states).not.toContain('unreachable');
      const reports = server
        .socketOf(client.session.id)
        .frames.filter((f) => f.type === 'unreachable');
      expect(reports).toEqual([]);
    }
    await settle(a.session.send('from a'));
    await settle(b.session.send('from b'));
    expect(texts(b, 'from')).toEqual(['from a']);
    expect(texts(c, 'from')).toEqual(['from a', 'from b']);
    expect(texts(a, 'from')).toEqual(['from b']);
  });

  it('sends what a member has not confirmed only once it answered, so none falls into the moment', async () => {
    const network = createFakeNetwork({ answererLossMs: LOSS_MS });
    const a = await join(network);
    const b = await join(network);
    await settleWhen(() => [a, b].every((d) => d.session.state === 'connected'));
    const c = await join(network);
    // c is a member already, its channel not open: b's messages wait for it at the broadcaster.
    await settleWhen(() => a.session.members.length === 3);
    expect(c.session.state).not.toBe('connected');
    const sending = Promise.all(series('b', 5).map((text) => b.session.send(text)));
    await settle(sending);
    await settleWhen(() => texts(c, 'b').length >= 5, { limitMs: 4_000 });
    expect(texts(c, 'b')).toEqual(series('b', 5));
    expect(c.states).not.toContain('unreachable');
  });
});

// The previous version on the wire (main before this change): the broadcaster sent READY once
// on the channel's open and went on at once; the client opened on the first READY, ignored
// every later READY, and never answered one.

interface LinkLog {
  opened: number;
  frames: PeerFrame[];
  errors: ConnectError[];
  closed: boolean;
}

function newLink(
  network: FakeNetwork,
  role: { offer: true } | { offer: false; id: string },
  signal: (data: Record<string, unknown>) => void,
  onOpen: (link: PeerLink) => void = () => {},
): { link: PeerLink; log: LinkLog } {
  const log: LinkLog = { opened: 0, frames: [], errors: [], closed: false };
  const link: PeerLink = createPeerLink(
    { RTCPeerConnection: network.RTCPeerConnection },
    'peer',
    role,
    {
      signal: (data) => signal(data as Record<string, unknown>),
      open: () => {
        log.opened += 1;
        onOpen(link);
      },
      frame: (frame) => log.frames.push(frame),
      closed: () => {
        log.closed = true;
      },
      error: (error) => log.errors.push(error),
    },
  );
  cleanups.push(() => link.close());
  return { link, log };
}

const ack = (seq: number): PeerFrame => ({ k: 'ack', sid: 'b-session', seq, epoch: 1 });
const got = (seq: number): PeerFrame => ({ k: 'got', sid: 'c-session', seq, epoch: 1 });

/** What an older side's channel received: every text, READY or a frame. */
function oldSideInbox(channel: RTCDataChannel): string[] {
  const inbox: string[] = [];
  channel.addEventListener('message', (event) => inbox.push(String(event.data)));
  return inbox;
}

/** The previous version's broadcaster: answers the offer, READY once on open, then `first` at once. */
function oldBroadcaster(network: FakeNetwork, first: PeerFrame[]) {
  const pc = new network.RTCPeerConnection();
  let inbox: string[] = [];
  let channel: RTCDataChannel | undefined;
  pc.addEventListener('datachannel', (event) => {
    channel = event.channel;
    inbox = oldSideInbox(channel);
    const open = () => {
      channel?.send(READY);
      for (const frame of first) channel?.send(JSON.stringify(frame));
    };
    if (channel.readyState === 'open') open();
    else channel.addEventListener('open', open, { once: true });
  });
  cleanups.push(() => pc.close());
  return {
    pc,
    inbox: () => inbox,
    hasChannel: () => channel !== undefined,
    send: (frame: PeerFrame) => channel?.send(JSON.stringify(frame)),
    async answer(offer: RTCSessionDescriptionInit): Promise<RTCSessionDescriptionInit> {
      await pc.setRemoteDescription(offer);
      const answer = await pc.createAnswer();
      await pc.setLocalDescription(answer);
      return answer;
    },
  };
}

/** Connects a new client link to an older broadcaster. */
function toOldBroadcaster(network: FakeNetwork, first: PeerFrame[]) {
  const broadcaster = oldBroadcaster(network, first);
  const client = newLink(network, { offer: true }, (data) => {
    const sdp = data.sdp as RTCSessionDescriptionInit | undefined;
    if (sdp?.type !== 'offer') return;
    broadcaster.answer(sdp).then((answer) =>
      client.link.signal({
        link: client.link.id,
        sdp: { type: 'answer', sdp: answer.sdp ?? '' },
      }),
    );
  });
  return { broadcaster, client };
}

/** The previous version's client: offers, opens on the first READY, then sends `first`. */
async function toNewBroadcaster(
  network: FakeNetwork,
  first: PeerFrame[],
  onOpen: (link: PeerLink) => void,
) {
  const pc = new network.RTCPeerConnection();
  const channel = pc.createDataChannel('account', { ordered: true });
  const inbox = oldSideInbox(channel);
  let opened = false;
  channel.addEventListener('message', (event) => {
    if (event.data !== READY || opened) return;
    opened = true;
    for (const frame of first) channel.send(JSON.stringify(frame));
  });
  cleanups.push(() => pc.close());
  const id = 'old-client-link';
  const broadcaster = newLink(
    network,
    { offer: false, id },
    (data) => {
      const sdp = data.sdp as RTCSessionDescriptionInit | undefined;
      if (sdp?.type === 'answer') pc.setRemoteDescription(sdp);
    },
    onOpen,
  );
  const offer = await pc.createOffer();
  await pc.setLocalDescription(offer);
  broadcaster.link.signal({ link: id, sdp: { type: 'offer', sdp: offer.sdp ?? '' } });
  return { broadcaster, inbox, isOpen: () => opened };
}

describe('READY with devices of the previous version (a mixed room during a deploy)', () => {
  it('a new client opens on an older broadcaster, which takes its answering READY as nothing', async () => {
    const network = createFakeNetwork();
    const { broadcaster, client } = toOldBroadcaster(network, [ack(1)]);
    await settleWhen(() => client.log.frames.length >= 1);
    expect(client.log.opened).toBe(1);
    expect(client.log.frames).toEqual([ack(1)]);
    client.link.send(got(1));
    await settleWhen(() => broadcaster.inbox().length >= 2);
    // The old code compared a frame with READY's exact text before parsing it: nothing else.
    expect(broadcaster.inbox()).toEqual([READY, JSON.stringify(got(1))]);
    expect(client.log.errors).toEqual([]);
  });

  it("a new client whose older broadcaster's READY was lost opens on the broadcaster's next frame", async () => {
    const network = createFakeNetwork({ answererLossMs: LOSS_MS });
    const { broadcaster, client } = toOldBroadcaster(network, [ack(1)]);
    await settleWhen(() => broadcaster.hasChannel());
    await vi.advanceTimersByTimeAsync(LOSS_MS);
    expect(client.log.opened).toBe(0);
    broadcaster.send(ack(2));
    await settleWhen(() => client.log.opened === 1, { limitMs: 1_000 });
    expect(client.log.frames).toEqual([ack(2)]);
  });

  it('an older client that sends at once opens the new broadcaster on its first frame', async () => {
    const network = createFakeNetwork();
    const opens: number[] = [];
    const started = Date.now();
    const old = await toNewBroadcaster(network, [got(1)], (link) => {
      opens.push(Date.now() - started);
      link.send(ack(1));
    });
    await settleWhen(() => old.inbox.includes(JSON.stringify(ack(1))));
    expect(old.isOpen()).toBe(true);
    expect(old.broadcaster.log.frames).toEqual([got(1)]);
    // Opened by the client's frame, long before READY's tries ran out.
    expect(opens).toHaveLength(1);
    expect(opens[0]).toBeLessThan(500);
    expect(old.inbox.filter((text) => text !== READY)).toEqual([JSON.stringify(ack(1))]);
  });

  it('an older client with nothing to send: the new broadcaster goes on after its tries', async () => {
    const network = createFakeNetwork();
    const old = await toNewBroadcaster(network, [], (link) => link.send(ack(1)));
    await settleWhen(() => old.inbox.includes(JSON.stringify(ack(1))), { limitMs: 5_000 });
    expect(old.isOpen()).toBe(true);
    expect(old.broadcaster.log.opened).toBe(1);
    // Five READYs, each ignored by the older client but the first; the frame once.
    expect(old.inbox).toEqual([...Array(5).fill(READY), JSON.stringify(ack(1))]);
    expect(old.broadcaster.log.errors).toEqual([]);
  });
});
