import wrtc from '@roamhq/wrtc';
import { SignJWT } from 'jose';
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

describe('setIceServers', () => {
  it('gives the connections made after it, at the next change of broadcaster, the new servers', async () => {
    const [a, b, c] = (await room('ice', 3)) as [Device, Device, Device];
    const stun = { urls: 'stun:10.77.0.1:3478' };
    b.session.setIceServers([stun]);
    const before = b.peers.length;
    a.session.leave();
    await until([b.session, c.session], () =>
      [b, c].every(
        ({ session }) =>
          session.members.length === 2 && session.state === 'connected' && session.epoch === 2,
      ),
    );
    const made = b.peers.slice(before);
    expect(made.length).toBeGreaterThan(0);
    for (const pc of made)
      expect(JSON.stringify(pc.getConfiguration().iceServers)).toContain(stun.urls);
    // Only the device told: c's new connection has none.
    expect(JSON.stringify(c.peers.at(-1)?.getConfiguration().iceServers ?? [])).not.toContain(
      stun.urls,
    );
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
      // Listening before gathering starts (a candidate found before the listener was lost, and
      // with it perhaps the only usable path); the ones found before the offer went out follow it.
      const early: RTCIceCandidateInit[] = [];
      let offered = false;
      pc.onicecandidate = ({ candidate }) => {
        if (!candidate) return;
        if (offered) signal({ link: 'raw', candidate: candidate.toJSON() });
        else early.push(candidate.toJSON());
      };
      await pc.setLocalDescription(await pc.createOffer());
      signal({ link: 'raw', sdp: { type: 'offer', sdp: pc.localDescription?.sdp } });
      offered = true;
      for (const candidate of early.splice(0)) signal({ link: 'raw', candidate });
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

describe('joining again after the socket is lost', () => {
  /** `device` sends `count` numbered messages, one every `everyMs`; resolves once all are acked. */
  async function sendSeries(device: Device, label: string, count: number, everyMs: number) {
    const acked: Promise<void>[] = [];
    for (let n = 1; n <= count; n += 1) {
      acked.push(device.session.send(`${label}#${n}`));
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
    await Promise.all(acked);
  }
  const bodiesFrom = (device: Device, label: string) =>
    device.received.flatMap(({ data }) =>
      typeof data === 'string' && data.startsWith(`${label}#`) ? [data] : [],
    );
  const series = (label: string, count: number) =>
    Array.from({ length: count }, (_, n) => `${label}#${n + 1}`);

  for (const who of ['client', 'broadcaster'] as const) {
    it(`a ${who} whose socket is cut joins again under its id (its device key), and what it sends arrives once, in order`, async () => {
      const [a, b, c] = (await room(`blip-${who}`, 3)) as [Device, Device, Device];
      const cut = who === 'client' ? b : a;
      const others = [a, b, c].filter((device) => device !== cut);
      const before = cut.session.id;
      const rejoined = new Promise<{ id: string; previous: string }>((resolve) =>
        cut.session.on('rejoined', resolve),
      );
      const states: string[] = [];
      cut.session.on('state', (state) => states.push(state));
      // Sending before, while and after the socket is gone: 30 messages over about 1.5 s.
      const sending = sendSeries(cut, 'cut', 30, 50);
      // The cut comes once the others have the first few, so messages go before, while and after it.
      await until(
        others.map((device) => device.session),
        () => others.every((device) => bodiesFrom(device, 'cut').length >= 5),
      );
      cut.cutSocket();
      expect(await rejoined).toEqual({ id: before, previous: before });
      await sending;
      await until(
        [a, b, c].map((device) => device.session),
        () =>
          [a, b, c].every(
            (device) => device.session.state === 'connected' && device.session.members.length === 3,
          ),
      );
      expect(cut.session.id).toBe(before);
      expect(states[0]).toBe('reconnecting');
      for (const device of others) expect(bodiesFrom(device, 'cut')).toEqual(series('cut', 30));
      // And it receives again: what the others send now reaches it, once each.
      await Promise.all(others.map((device, n) => sendSeries(device, `after${n}`, 5, 0)));
      for (const n of [0, 1]) expect(bodiesFrom(cut, `after${n}`)).toEqual(series(`after${n}`, 5));
    });
  }

  it('joins again when the server restarts, and the room goes on', async () => {
    // A server of its own, stopped and started again on the same port. The development sign-in
    // key is new at every start, so the token is signed with a secret both servers trust.
    const secret = 'a test secret of at least 32 bytes, for HS256';
    const first = await startAccountServer(500, { secret });
    const port = Number(new URL(first.url).port);
    const token = await new SignJWT({ sub: 'restart' })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime('10m')
      .sign(new TextEncoder().encode(secret));
    const joined: Device[] = [];
    let second: Awaited<ReturnType<typeof startAccountServer>> | undefined;
    try {
      for (let n = 0; n < 2; n += 1) joined.push(await joinDevice(first.url, token));
      const [a, b] = joined as [Device, Device];
      const connected = () =>
        until([a.session, b.session], () =>
          [a, b].every(
            (device) => device.session.state === 'connected' && device.session.members.length === 2,
          ),
        );
      await connected();
      const rejoined = Promise.all([a, b].map((device) => nextEvent(device, 'rejoined')));
      await first.app.close();
      second = await startAccountServer(500, { secret, port });
      await rejoined;
      await connected();
      // A new room: epochs count from 1 again, and the devices follow.
      expect([a, b].map((device) => device.session.epoch)).toEqual([1, 1]);
      await Promise.all([sendSeries(a, 'a', 5, 0), sendSeries(b, 'b', 5, 0)]);
      expect(bodiesFrom(b, 'a')).toEqual(series('a', 5));
      expect(bodiesFrom(a, 'b')).toEqual(series('b', 5));
    } finally {
      for (const device of joined) device.session.leave();
      await second?.app.close();
      await first.app.close();
    }
  });
});

function nextEvent(device: Device, type: 'rejoined'): Promise<unknown> {
  return new Promise((resolve) => {
    const off = device.session.on(type, (event) => {
      off();
      resolve(event);
    });
  });
}

describe('a member that never reaches the broadcaster', () => {
  it('does not hold back the others: their messages are acknowledged once it is excused', async () => {
    const token = await server.signIn('lone-cut-off');
    const a = await joinDevice(server.url, token);
    const b = await joinDevice(server.url, token);
    const cutOff = await joinDevice(server.url, token, { cutOff: true });
    devices.push(a, b, cutOff);
    await until([b.session], () => b.session.state === 'connected');
    // One report out of two other devices is no majority: the broadcaster stays.
    await Promise.all([b.session.send('from b'), a.session.send('from a')]);
    expect(cutOff.session.state).toBe('unreachable');
    expect(a.session.role).toBe('broadcaster');
    expect(a.session.epoch).toBe(1);
    expect(a.received).toEqual([{ from: b.session.id, data: 'from b' }]);
    expect(b.received).toEqual([{ from: a.session.id, data: 'from a' }]);
  });
});
