import wrtc from '@roamhq/wrtc';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type ConnectErrorCode, isConnectError } from 'webrtc-connect';
import { joinAccount } from 'webrtc-connect/account';
import { WebSocket } from 'ws';
import { type Device, joinDevice, startAccountServer, until } from '../harness/account-devices.ts';
import { deliveryProblems, runFailover } from '../harness/account-failover.ts';

let server: Awaited<ReturnType<typeof startAccountServer>>;
let devices: Device[] = [];

beforeAll(async () => {
  server = await startAccountServer();
});
afterAll(async () => {
  await server?.app.close();
});
afterEach(() => {
  for (const device of devices) device.session.leave();
  devices = [];
});

async function room(name: string, count: number): Promise<Device[]> {
  const token = await server.signIn(name);
  // One after another: join order decides ids and who is promoted next.
  for (let n = 0; n < count; n += 1) devices.push(await joinDevice(server.url, token));
  const joined = devices.slice(-count);
  await until(
    joined.map((device) => device.session),
    () =>
      joined.every(
        (device) => device.session.members.length === count && device.session.state === 'connected',
      ),
  );
  return joined;
}

describe('joinAccount', () => {
  it('gives each device its id, the members oldest first, and the first device as broadcaster', async () => {
    const [a, b, c] = (await room('ids', 3)) as [Device, Device, Device];
    expect([a, b, c].map((device) => device.session.id)).toEqual([
      'ids-client-1',
      'ids-client-2',
      'ids-client-3',
    ]);
    expect(a.session.role).toBe('broadcaster');
    expect(b.session.role).toBe('client');
    expect(c.session.user).toBe('ids');
    expect(c.session.epoch).toBe(1);
    expect(b.session.members.map(({ id, role }) => [id, role])).toEqual([
      ['ids-client-1', 'broadcaster'],
      ['ids-client-2', 'client'],
      ['ids-client-3', 'client'],
    ]);
  });

  it('refuses a token the server does not trust with ERR_ACCOUNT_REFUSED', async () => {
    const code = await joinAccount({
      server: server.url,
      token: 'not.a.jwt',
      RTCPeerConnection: wrtc.RTCPeerConnection as never,
      WebSocket: WebSocket as never,
    }).then(
      () => 'joined',
      (error: unknown) => (isConnectError(error) ? error.code : String(error)),
    );
    expect(code satisfies string as ConnectErrorCode).toBe('ERR_ACCOUNT_REFUSED');
  });

  it('carries text and binary messages both ways, to every other device, acknowledged', async () => {
    const [a, b, c] = (await room('chat', 3)) as [Device, Device, Device];
    const big = new Uint8Array(200 * 1024).map((_, i) => i % 251);
    await Promise.all([
      a.session.send('from the broadcaster'),
      b.session.send('from a client'),
      b.session.send(big),
      c.session.send(new Uint8Array([1, 2, 3])),
    ]);
    // Acknowledged means every member has it: nothing to wait for.
    const from = (device: Device, sender: Device) =>
      device.received
        .filter((message) => message.from === sender.session.id)
        .map(({ data }) => (typeof data === 'string' ? data : Array.from(data.subarray(0, 4))));
    expect(from(a, b)).toEqual(['from a client', [0, 1, 2, 3]]);
    expect(from(a, c)).toEqual([[1, 2, 3]]);
    expect(from(b, a)).toEqual(['from the broadcaster']);
    expect(from(b, c)).toEqual([[1, 2, 3]]);
    expect(from(c, a)).toEqual(['from the broadcaster']);
    expect(from(c, b)).toEqual(['from a client', [0, 1, 2, 3]]);
    expect(
      c.received.find(({ data }) => typeof data !== 'string' && data.length > 3)?.data,
    ).toEqual(big);
  });
});

describe('a change of broadcaster', () => {
  for (const way of ['leave', 'kill', 'silence'] as const) {
    it(`loses and repeats nothing when the broadcaster goes by ${way}, with 4 devices sending`, async () => {
      const run = await runFailover({
        server: server.url,
        token: await server.signIn(`failover-${way}`),
        devices: 4,
        ways: [way, way],
        burst: 10,
        replace: false,
      });
      devices.push(...run.everyone);
      expect(deliveryProblems(run)).toEqual([]);
      expect(run.survivors).toHaveLength(2);
      // Both survivors sent before, during and after both changes.
      for (const device of run.survivors) {
        expect(run.sent.get(device)?.length).toBeGreaterThan(40);
      }
    });
  }
});

describe('epochs', () => {
  it('ignores a message stamped with an epoch older than the room’s', async () => {
    const token = await server.signIn('stale');
    const first = await joinDevice(server.url, token);
    const broadcaster = await joinDevice(server.url, token);
    const client = await joinDevice(server.url, token);
    devices.push(first, broadcaster, client);
    first.session.leave();
    await until([broadcaster.session, client.session], () =>
      [broadcaster, client].every(
        (device) => device.session.epoch === 2 && device.session.state === 'connected',
      ),
    );
    // A device of our own making speaks the wire protocol, to send what the library never does.
    const raw = await rawClient(server.url.replace('http', 'ws'), token);
    try {
      expect(raw.welcome.broadcaster).toBe(broadcaster.session.id);
      const channel = await raw.connect(broadcaster.session.id);
      const acked = raw.nextAck(channel);
      const message = { k: 'msg', from: raw.welcome.id, sid: 'raw-session', seq: 1 };
      channel.send(JSON.stringify({ ...message, epoch: 1, body: 'stale' }));
      channel.send(JSON.stringify({ ...message, epoch: 2, body: 'fresh' }));
      expect(await acked).toEqual({ k: 'ack', sid: 'raw-session', seq: 1, epoch: 2 });
      for (const device of [broadcaster, client]) {
        expect(device.received).toEqual([{ from: raw.welcome.id, data: 'fresh' }]);
      }
    } finally {
      raw.close();
    }
  });
});

async function rawClient(url: string, token: string) {
  const socket = new WebSocket(`${url}/api/account`);
  const frames: { type: string; [key: string]: unknown }[] = [];
  const waiters: (() => void)[] = [];
  socket.on('message', (data) => {
    frames.push(JSON.parse(String(data)));
    for (const wake of waiters.splice(0)) wake();
  });
  const next = async (type: string) => {
    for (;;) {
      const index = frames.findIndex((frame) => frame.type === type);
      if (index >= 0) return frames.splice(index, 1)[0] as { [key: string]: unknown };
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
  };
  await new Promise((resolve) => socket.once('open', resolve));
  socket.send(JSON.stringify({ type: 'hello', version: 1, token }));
  const welcome = (await next('welcome')) as { id: string; broadcaster: string };
  const heartbeat = setInterval(() => socket.send(JSON.stringify({ type: 'ping' })), 100);
  const pc = new wrtc.RTCPeerConnection();
  return {
    welcome,
    async connect(to: string): Promise<RTCDataChannel> {
      const channel = pc.createDataChannel('account', { ordered: true });
      const signal = (data: unknown) => socket.send(JSON.stringify({ type: 'signal', to, data }));
      // The broadcaster says when it listens: what comes before may be lost (peer-link.ts).
      const opened = new Promise<RTCDataChannel>((resolve) => {
        channel.onmessage = ({ data }) => {
          if (data === '{"k":"ready"}') resolve(channel);
        };
      });
      await pc.setLocalDescription(await pc.createOffer());
      signal({ link: 'raw', sdp: { type: 'offer', sdp: pc.localDescription?.sdp } });
      pc.onicecandidate = ({ candidate }) => {
        if (candidate) signal({ link: 'raw', candidate: candidate.toJSON() });
      };
      for (;;) {
        const frame = await Promise.race([next('signal'), opened]);
        if (!('data' in frame)) return frame as RTCDataChannel;
        const data = frame.data as {
          sdp?: RTCSessionDescriptionInit;
          candidate?: RTCIceCandidateInit;
        };
        if (data.sdp) await pc.setRemoteDescription(data.sdp);
        else if (data.candidate) await pc.addIceCandidate(data.candidate);
      }
    },
    nextAck(channel: RTCDataChannel): Promise<unknown> {
      return new Promise((resolve) => {
        channel.onmessage = ({ data }) => {
          const frame = JSON.parse(String(data));
          if (frame.k === 'ack') resolve(frame);
        };
      });
    },
    close() {
      clearInterval(heartbeat);
      pc.close();
      socket.close();
    },
  };
}

describe('a broadcaster alive for the server but out of reach over WebRTC', () => {
  it('is reported by the others after 5 s and replaced; it stays as a client, cut off', async () => {
    const token = await server.signIn('cut-off');
    const cutOff = await joinDevice(server.url, token, { cutOff: true });
    const b = await joinDevice(server.url, token);
    const c = await joinDevice(server.url, token);
    devices.push(cutOff, b, c);
    const states: string[] = [];
    c.session.on('state', (state) => states.push(state));
    // Not awaited: the cut-off device is a member, so this is never acknowledged to everyone.
    void c.session.send('sent while nobody was reachable').catch(() => {});
    await until([b.session, c.session], () =>
      [b, c].every((device) => device.session.epoch === 2 && device.session.state === 'connected'),
    );
    expect(b.session.role).toBe('broadcaster');
    expect(states).toEqual(['unreachable', 'connecting', 'connected']);
    await until([b.session], () => b.received.length > 0);
    expect(b.received).toEqual([{ from: c.session.id, data: 'sent while nobody was reachable' }]);
    // The old broadcaster, now a client, cannot reach the new one either: alone, it moves nothing.
    await until([cutOff.session], () => cutOff.session.state === 'unreachable');
    expect(cutOff.session.role).toBe('client');
    expect(b.session.epoch).toBe(2);
  });
});
