import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ConnectError } from 'webrtc-connect';
import {
  type AccountMessage,
  type AccountSession,
  type AccountState,
  type JoinAccountOptions,
  joinAccount,
} from 'webrtc-connect/account';
import { codeOf } from '../../../test/support/error-code.ts';
import { createFakeAccountServer, type FakeAccountServer } from './fakes/fake-account-server.ts';
import { settle, settleWhen, useFakeClock } from './fakes/fake-clock.ts';
import { createFakeNetwork, type FakeNetworkOptions, hangs } from './fakes/fake-peer-connection.ts';

/** One device: its session and everything it heard. */
interface Device {
  session: AccountSession;
  received: AccountMessage[];
  states: AccountState[];
  errors: ConnectError[];
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

function options(
  network: ReturnType<typeof createFakeNetwork>,
  extra: Partial<JoinAccountOptions> = {},
): JoinAccountOptions {
  return {
    server: 'http://account.test',
    token: 'ann.token',
    RTCPeerConnection: network.RTCPeerConnection,
    WebSocket: server.WebSocket,
    ...extra,
  };
}

async function join(
  network: ReturnType<typeof createFakeNetwork>,
  extra: Partial<JoinAccountOptions> = {},
): Promise<Device> {
  const session = await settle(joinAccount(options(network, extra)));
  const device: Device = { session, received: [], states: [], errors: [] };
  session.on('message', (message) => device.received.push(message));
  session.on('state', (state) => device.states.push(state));
  session.on('error', (error) => device.errors.push(error));
  devices.push(device);
  return device;
}

/** A room of `count` devices, all connected to the first (the broadcaster). */
async function room(count: number, network: FakeNetworkOptions = {}) {
  const fakeNetwork = createFakeNetwork(network);
  const joined: Device[] = [];
  for (let n = 0; n < count; n += 1) joined.push(await join(fakeNetwork));
  await settleWhen(() =>
    joined.every((d) => d.session.state === 'connected' && d.session.members.length === count),
  );
  return { network: fakeNetwork, devices: joined };
}

const texts = (device: Device, prefix: string) =>
  device.received.flatMap(({ data }) =>
    typeof data === 'string' && data.startsWith(prefix) ? [data] : [],
  );
const series = (prefix: string, count: number) =>
  Array.from({ length: count }, (_, n) => `${prefix}${n + 1}`);

describe('account room, with fake peers and a fake account server', () => {
  it('elects the first device broadcaster; the others connect to it and messages reach all', async () => {
    const { devices: joined } = await room(3);
    const [a, b, c] = joined as [Device, Device, Device];
    expect([a, b, c].map((d) => d.session.role)).toEqual(['broadcaster', 'client', 'client']);
    await settle(b.session.send('from b'));
    await settle(a.session.send('from a'));
    expect(texts(a, 'from')).toEqual(['from b']);
    expect(texts(c, 'from')).toEqual(['from b', 'from a']);
    expect(texts(b, 'from')).toEqual(['from a']);
    expect(c.received[0]?.from).toBe(b.session.id);
  });

  it('delivers binary messages as bytes', async () => {
    const { devices: joined } = await room(2);
    const [a, b] = joined as [Device, Device];
    await settle(b.session.send(new Uint8Array([1, 2, 3])));
    expect(a.received[0]?.data).toEqual(new Uint8Array([1, 2, 3]));
  });

  it('loses nothing when the broadcaster leaves: the next device takes over, in order, once', async () => {
    const { devices: joined } = await room(3);
    const [a, b, c] = joined as [Device, Device, Device];
    const sending = Promise.all(series('b', 20).map((text) => b.session.send(text)));
    // The broadcaster leaves while b's messages are on their way.
    await vi.advanceTimersByTimeAsync(2);
    a.session.leave();
    await settle(sending);
    await settleWhen(() => b.session.role === 'broadcaster' && c.session.state === 'connected');
    expect(b.session.epoch).toBe(2);
    expect(texts(c, 'b')).toEqual(series('b', 20));
    await settle(c.session.send('c1'));
    expect(texts(b, 'c')).toEqual(['c1']);
  });

  it('follows a promotion announced by the server: a new epoch, channels to the new broadcaster', async () => {
    const { devices: joined } = await room(3);
    const [a, b, c] = joined as [Device, Device, Device];
    const roles: string[] = [];
    c.session.on('role', (role) => roles.push(role));
    server.promote('ann', c.session.id);
    await settleWhen(
      () =>
        c.session.role === 'broadcaster' && [a, b].every((d) => d.session.state === 'connected'),
    );
    expect(roles).toEqual(['broadcaster']);
    expect(a.session.role).toBe('client');
    await settle(a.session.send('after promotion'));
    expect(texts(b, 'after')).toEqual(['after promotion']);
  });

  it('joins again with a new id when its socket is cut, and what it sends arrives once, in order', async () => {
    const { devices: joined } = await room(3);
    const [a, b, c] = joined as [Device, Device, Device];
    const before = b.session.id;
    const heard = b.states.length;
    const rejoined = new Promise((resolve) => b.session.on('rejoined', resolve));
    const first = Promise.all(series('x', 5).map((text) => b.session.send(text)));
    server.socketOf(before).cut();
    const second = Promise.all(series('y', 5).map((text) => b.session.send(text)));
    expect(await settle(rejoined)).toEqual({ id: expect.any(String), previous: before });
    expect(b.session.id).not.toBe(before);
    await settle(Promise.all([first, second]));
    expect(b.states[heard]).toBe('reconnecting');
    expect(b.errors[0]?.code).toBe('ERR_ACCOUNT_SERVER');
    for (const other of [a, c]) {
      expect(texts(other, 'x')).toEqual(series('x', 5));
      expect(texts(other, 'y')).toEqual(series('y', 5));
    }
  });

  it('reports the broadcaster unreachable once when no channel opens for 5 s', async () => {
    const network = createFakeNetwork({ plan: () => hangs() });
    const a = await join(network);
    const b = await join(network);
    await settleWhen(() => b.session.state === 'unreachable', { limitMs: 10_000 });
    const reports = server.socketOf(b.session.id).frames.filter((f) => f.type === 'unreachable');
    expect(reports).toEqual([{ type: 'unreachable', peer: a.session.id, epoch: 1 }]);
  });

  it('rejects the join with ERR_ACCOUNT_REFUSED, the server code first, for a bad token', async () => {
    server.refuse('ERR_TOKEN_MALFORMED');
    const network = createFakeNetwork();
    const error = await settle(joinAccount(options(network))).catch((e: ConnectError) => e);
    expect((error as ConnectError).code).toBe('ERR_ACCOUNT_REFUSED');
    expect((error as ConnectError).message).toMatch(/^ERR_TOKEN_MALFORMED/);
  });

  it('asks the token function again after an expired token, saying why', async () => {
    server.refuse('ERR_TOKEN_EXPIRED');
    const requests: unknown[] = [];
    const network = createFakeNetwork();
    const device = await join(network, {
      token: (request) => {
        requests.push(request);
        return `ann.fresh${requests.length}`;
      },
    });
    expect(requests).toEqual([{}, { refused: 'ERR_TOKEN_EXPIRED' }]);
    expect(server.tokens).toEqual(['ann.fresh1', 'ann.fresh2']);
    expect(device.session.state).toBe('connected');
  });

  it('ends the session (state closed, an error event) when joining again is refused for good', async () => {
    const { devices: joined } = await room(2);
    const b = joined[1] as Device;
    server.refuse('ERR_TOKEN_EXPIRED');
    const pending = b.session.send('never acked').catch((error: ConnectError) => error.code);
    server.socketOf(b.session.id).cut();
    await settleWhen(() => b.session.state === 'closed');
    expect(b.errors.map((e) => e.code)).toEqual(['ERR_ACCOUNT_SERVER', 'ERR_ACCOUNT_REFUSED']);
    expect(b.states.at(-1)).toBe('closed');
    expect(await settle(pending)).toBe('ERR_CLOSED');
  });

  it('keeps trying while the server is down, then joins again when it is back', async () => {
    const { devices: joined } = await room(2);
    const b = joined[1] as Device;
    server.setDown(true);
    server.socketOf(b.session.id).cut();
    await settleWhen(() => b.errors.length >= 3);
    expect(b.session.state).toBe('reconnecting');
    server.setDown(false);
    await settleWhen(() => b.session.state === 'connected');
    expect(b.errors.every((e) => e.code === 'ERR_ACCOUNT_SERVER')).toBe(true);
  });

  it('refuses what it cannot send: ERR_INVALID_ARGUMENT, and ERR_CLOSED after leaving', async () => {
    const { devices: joined } = await room(1);
    const a = joined[0] as Device;
    expect(await codeOf(a.session.send(42 as never))).toBe('ERR_INVALID_ARGUMENT');
    a.session.leave();
    expect(await codeOf(a.session.send('late'))).toBe('ERR_CLOSED');
    expect(a.session.state).toBe('closed');
  });
});
