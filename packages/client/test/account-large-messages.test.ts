// Binary messages larger than 64 KiB in an account room: Firefox ESR 140 receives such a data
// channel message wrongly when another follows it closely (docs/decisions.md, "The account
// way's large messages: 64 KiB pieces"), so devices that both say so send bodies in pieces.
import { createHash } from 'node:crypto';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import type { ConnectError } from 'webrtc-connect';
import {
  type AccountMessage,
  type AccountSession,
  type JoinAccountOptions,
  joinAccount,
} from 'webrtc-connect/account';
import { createFakeAccountServer, type FakeAccountServer } from './fakes/fake-account-server.ts';
import { settle, settleWhen, useFakeClock } from './fakes/fake-clock.ts';
import type { FakeDataChannel } from './fakes/fake-data-channel.ts';
import {
  createFakeNetwork,
  type FakeNetwork,
  type FakePeerConnection,
} from './fakes/fake-peer-connection.ts';

const KiB = 1024;
/** The largest message the account way carries (255 KiB). */
const LARGEST = 255 * KiB;

interface Device {
  session: AccountSession;
  received: AccountMessage[];
  errors: ConnectError[];
  /** Its peer connections, oldest first. */
  peers: FakePeerConnection[];
}

let server: FakeAccountServer;
let devices: Device[];

beforeEach(() => {
  useFakeClock();
  server = createFakeAccountServer();
  devices = [];
});

afterEach(() => {
  for (const device of devices) device.session.leave();
  vi.useRealTimers();
});

/**
 * Joins a device. `older`: its signals say nothing of pieces and it reads nothing of the other
 * side's, as a device of an earlier version (which would take the first piece for the whole
 * body, and sends every body whole).
 */
async function join(network: FakeNetwork, older = false): Promise<Device> {
  const peers: FakePeerConnection[] = [];
  const Base = network.RTCPeerConnection;
  class DevicePeerConnection extends Base {
    constructor(configuration?: RTCConfiguration) {
      super(configuration);
      peers.push(this as unknown as FakePeerConnection);
    }
  }
  const Socket = server.WebSocket;
  class OlderSocket extends Socket {
    override send(text: string): void {
      super.send(text.replace(',"pieces":true', ''));
    }
    // Nor does it read the other side's: it sends every body whole.
    override dispatchEvent(event: Event): boolean {
      if (!(event instanceof MessageEvent) || typeof event.data !== 'string') {
        return super.dispatchEvent(event);
      }
      const data = event.data.replace(',"pieces":true', '');
      return super.dispatchEvent(new MessageEvent('message', { data }));
    }
  }
  const options: JoinAccountOptions = {
    server: 'http://account.test',
    token: 'ann.token',
    RTCPeerConnection: DevicePeerConnection,
    WebSocket: older ? OlderSocket : Socket,
  };
  const session = await settle(joinAccount(options));
  const device: Device = { session, received: [], errors: [], peers };
  session.on('message', (message) => device.received.push(message));
  session.on('error', (error) => device.errors.push(error));
  devices.push(device);
  return device;
}

async function room(network: FakeNetwork, olderFrom = Infinity): Promise<Device[]> {
  const joined: Device[] = [];
  for (let n = 0; n < 3; n += 1) joined.push(await join(network, n >= olderFrom));
  await settleWhen(() =>
    joined.every((d) => d.session.state === 'connected' && d.session.members.length === 3),
  );
  return joined;
}

function bytes(size: number, seed: number): Uint8Array<ArrayBuffer> {
  return new Uint8Array(size).map((_, i) => (i * 31 + seed) % 251);
}

/** The SHA-256 of each binary message `device` received from `sender`, in order. */
const binaryFrom = (device: Device, sender: Device) =>
  device.received.flatMap(({ from, data }) =>
    from === sender.session.id && data instanceof Uint8Array ? [digest(data)] : [],
  );

const digest = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

/** The sizes of the binary data-channel messages sent on `channel`. */
const binarySizes = (channel: FakeDataChannel | undefined) =>
  (channel?.sent ?? []).flatMap((data) => (typeof data === 'string' ? [] : [data.byteLength]));

it('carries 192 and 255 KiB messages whole and in order where a channel cuts messages over 64 KiB short, as Firefox ESR 140 does', async () => {
  const network = createFakeNetwork({ cutsOver: 66_000 });
  const [a, b, c] = (await room(network)) as [Device, Device, Device];
  const fromB = [bytes(192 * KiB, 1), bytes(LARGEST, 2), bytes(100 * KiB, 3), bytes(192 * KiB, 4)];
  const fromA = [bytes(200 * KiB, 5), bytes(LARGEST, 6)];
  await settle(
    Promise.all([
      ...fromB.map((body) => b.session.send(body)),
      b.session.send('and a text'),
      ...fromA.map((body) => a.session.send(body)),
    ]),
    { limitMs: 30_000 },
  );
  for (const device of [a, c]) expect(binaryFrom(device, b)).toEqual(fromB.map(digest));
  for (const device of [b, c]) expect(binaryFrom(device, a)).toEqual(fromA.map(digest));
  expect([a, b, c].flatMap((device) => device.errors)).toEqual([]);
  // No message over 64 KiB went on any channel.
  for (const pc of network.connections) {
    for (const channel of [...pc.channels, ...pc.remoteChannels]) {
      expect(Math.max(0, ...binarySizes(channel))).toBeLessThanOrEqual(64 * KiB);
    }
  }
});

it('sends bodies whole to a device that does not say it takes pieces (an older version)', async () => {
  const network = createFakeNetwork();
  const [a, b, c] = (await room(network, 2)) as [Device, Device, Device];
  const large = bytes(192 * KiB, 7);
  await settle(b.session.send(large));
  expect(binaryFrom(c, b)).toEqual([digest(large)]);
  // What reached the older device came whole; b, which said it takes pieces, was sent pieces.
  const toOlder = c.peers[0]?.channels[0]?.remote;
  expect(binarySizes(toOlder)).toEqual([192 * KiB]);
  const fromB = b.peers[0]?.channels[0];
  expect(binarySizes(fromB)).toEqual([64 * KiB, 64 * KiB, 64 * KiB]);
  expect(binaryFrom(a, b)).toEqual([digest(large)]);
});

it('relays a whole body from a device that does not take pieces in pieces to one that does', async () => {
  // No channel that cuts: between an older device and Firefox such bodies can still be lost.
  const network = createFakeNetwork();
  const [a, b, c] = (await room(network, 2)) as [Device, Device, Device];
  const large = [bytes(192 * KiB, 11), bytes(LARGEST, 12)];
  await settle(Promise.all(large.map((body) => c.session.send(body))));
  // The older device sent them whole; the broadcaster split them again for b, which takes pieces.
  expect(binarySizes(c.peers[0]?.channels[0])).toEqual([192 * KiB, LARGEST]);
  const toB = b.peers[0]?.channels[0]?.remote;
  expect(binarySizes(toB)).toEqual([
    ...Array(3).fill(64 * KiB),
    ...Array(3).fill(64 * KiB),
    63 * KiB,
  ]);
  for (const device of [a, b]) expect(binaryFrom(device, c)).toEqual(large.map(digest));
  expect([a, b, c].flatMap((device) => device.errors)).toEqual([]);
});

it('refuses a body that does not match its size with ERR_PEER_PROTOCOL, never taking another message’s bytes', async () => {
  const network = createFakeNetwork();
  const [a, b] = (await room(network)) as [Device, Device, Device];
  const channel = b.peers[0]?.channels[0] as FakeDataChannel;
  const frame = (sid: string, extra: Record<string, unknown>) =>
    JSON.stringify({ k: 'msg', from: b.session.id, sid, seq: 1, epoch: 1, ...extra });
  // More bytes than announced; a size over the limit; a frame where bytes were due (the frame
  // itself is taken), and then bytes that no frame announced.
  channel.send(frame('more', { bin: true, size: 10 }));
  channel.send(new Uint8Array(12));
  channel.send(frame('over', { bin: true, size: LARGEST + 2 * KiB }));
  channel.send(frame('cut', { bin: true, size: 100_000 }));
  channel.send(new Uint8Array(64 * KiB));
  channel.send(frame('next', { body: 'after' }));
  channel.send(new Uint8Array(100_000 - 64 * KiB));
  await settleWhen(() => a.errors.length >= 4);
  expect(a.errors.map((error) => error.code)).toEqual(Array(4).fill('ERR_PEER_PROTOCOL'));
  expect(a.received.map(({ data }) => data)).toEqual(['after']);
  // The link carries on.
  const large = bytes(192 * KiB, 9);
  await settle(b.session.send(large));
  expect(binaryFrom(a, b)).toEqual([digest(large)]);
});

it('drops a message whose pieces a malformed frame interrupts, never finishing it with the bytes that follow', async () => {
  const network = createFakeNetwork();
  const [a, b] = (await room(network)) as [Device, Device, Device];
  const channel = b.peers[0]?.channels[0] as FakeDataChannel;
  const frame = (sid: string, extra: Record<string, unknown>) =>
    JSON.stringify({ k: 'msg', from: b.session.id, sid, seq: 1, epoch: 1, ...extra });
  // A message's first piece, then a frame that does not parse where its next piece was due, then
  // bytes of the right length: they belong to no message the receiver can trust.
  channel.send(frame('cut', { bin: true, size: 100_000 }));
  channel.send(new Uint8Array(64 * KiB));
  channel.send('{"k":"msg","from":');
  channel.send(new Uint8Array(100_000 - 64 * KiB));
  channel.send(frame('next', { body: 'after' }));
  await settleWhen(() => a.received.length >= 1);
  const received = a.received.map(({ data }) => (typeof data === 'string' ? data : data.length));
  expect(received).toEqual(['after']);
  expect(a.errors.length).toBeGreaterThanOrEqual(2);
  expect(new Set(a.errors.map((error) => error.code))).toEqual(new Set(['ERR_PEER_PROTOCOL']));
});

it('refuses a whole body over the limit where it arrives, rather than relaying it to receivers that refuse it', async () => {
  const network = createFakeNetwork();
  const [a, b, c] = (await room(network)) as [Device, Device, Device];
  const channel = b.peers[0]?.channels[0] as FakeDataChannel;
  const frame = (sid: string, extra: Record<string, unknown>) =>
    JSON.stringify({ k: 'msg', from: b.session.id, sid, seq: 1, epoch: 1, ...extra });
  // Whole, without `size`, as an older device sends: larger than any device may send.
  channel.send(frame('over', { bin: true }));
  channel.send(new Uint8Array(LARGEST + 1));
  channel.send(frame('next', { body: 'after' }));
  await settleWhen(() => c.received.length >= 1 && a.received.length >= 1);
  const kinds = (device: Device) =>
    device.received.map(({ data }) => (typeof data === 'string' ? data : data.length));
  expect(kinds(a)).toEqual(['after']);
  expect(kinds(c)).toEqual(['after']);
  expect(a.errors.map((error) => error.code)).toEqual(['ERR_PEER_PROTOCOL']);
  expect(c.errors).toEqual([]);
});
