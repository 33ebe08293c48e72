import wrtc from '@roamhq/wrtc';
import { ACCOUNT_PATHS, type DevSignInResponse } from '@webrtc-connect/protocol';
import { createServer } from '@webrtc-connect/server';
import type { PeerConnectionConstructor } from 'webrtc-connect';
import {
  type AccountMessage,
  type AccountSession,
  type AccountToken,
  joinAccount,
  type WebSocketConstructor,
} from 'webrtc-connect/account';
import { WebSocket } from 'ws';
import { assertPrivateNetns } from './netns.ts';

/**
 * The real server with development sign-in on a free loopback port. The devices share its
 * process: a stall of the event loop longer than 3 heartbeats stops every ping at once, and the
 * server then finds them all silent. So the heartbeat grows with the number of devices.
 */
export async function startAccountServer(
  heartbeatMs = 500,
  options: { port?: number; secret?: string } = {},
) {
  assertPrivateNetns();
  const app = await createServer({
    logLevel: 'silent',
    devSignIn: true,
    heartbeatMs,
    // Every device connects from this one loopback address.
    maxConnectionsPerAddress: 1_000_000,
    // Tokens signed with a secret of the test's own outlive the server (a restart).
    ...(options.secret ? { jwt: { secret: options.secret } } : {}),
  });
  await app.listen({ host: '127.0.0.1', port: options.port ?? 0 });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('the server has no port');
  const url = `http://127.0.0.1:${address.port}`;
  return {
    app,
    url,
    signIn: (name: string) => devSignIn(url, name),
  };
}

/** A token from the development sign-in of the server at `url`. */
export async function devSignIn(url: string, name: string): Promise<string> {
  const signIn = () =>
    fetch(new URL(ACCOUNT_PATHS.devSignIn, url), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name }),
    });
  // The pooled keep-alive socket can be the one the server closes for idling (5 s) just as this
  // goes out: the server in this very process, its timer and the pool's both late on a loaded
  // machine. That fails with ECONNRESET, as the first sign-in of an account-rooms test did after
  // a long test; a browser sends such a request again, and so does this (a sign-in twice is
  // harmless).
  const response = await signIn().catch((error: unknown) => {
    if ((error as { cause?: { code?: unknown } }).cause?.code !== 'ECONNRESET') throw error;
    return signIn();
  });
  if (!response.ok) throw new Error(`sign-in failed: ${response.status}`);
  return ((await response.json()) as DevSignInResponse).token;
}

/** A joined device, its messages as received, and ways to take it away abruptly. */
export interface Device {
  session: AccountSession;
  received: AccountMessage[];
  /** Its peer connections, oldest first. */
  readonly peers: readonly RTCPeerConnection[];
  /**
   * Closes its peer connections and cuts its socket without a close frame: a crashed process.
   * Its session goes with it (what it had not delivered fails with ERR_CLOSED), and it opens
   * no socket any more.
   */
  kill(): void;
  /**
   * Stops everything it sends the server (pings included), as a frozen or cut-off device; it
   * opens no socket any more either.
   */
  silence(): void;
  /** Cuts its socket without a close frame, as a network blip: the device joins again. */
  cutSocket(): void;
}

/**
 * Joins with @roamhq/wrtc and `ws`, through subclasses that remember this device's socket and
 * peer connections, so that a test can kill it the way a crash would, or cut it off.
 */
export async function joinDevice(
  server: string | readonly string[],
  token: AccountToken,
  options: { cutOff?: boolean } = {},
): Promise<Device> {
  const peers: RTCPeerConnection[] = [];
  const sockets: DeviceSocket[] = [];
  let down = false;
  const Base = wrtc.RTCPeerConnection as unknown as PeerConnectionConstructor;
  class DevicePeerConnection extends Base {
    constructor(configuration?: RTCConfiguration) {
      super(configuration);
      peers.push(this);
    }
    // cutOff: no candidate goes either way, so no WebRTC path ever forms with this device,
    // while its socket to the server stays fine (a firewall, a NAT that drops everything).
    override addEventListener(...args: Parameters<RTCPeerConnection['addEventListener']>): void {
      if (!(options.cutOff && args[0] === 'icecandidate')) super.addEventListener(...args);
    }
    override addIceCandidate(candidate?: RTCIceCandidateInit | null): Promise<void> {
      return options.cutOff ? Promise.resolve() : super.addIceCandidate(candidate);
    }
  }
  class DeviceSocket extends WebSocket {
    constructor(url: string) {
      if (down) throw new Error('this device is down');
      super(url);
      sockets.push(this);
    }
  }
  const session = await joinAccount({
    server,
    token,
    RTCPeerConnection: DevicePeerConnection,
    WebSocket: DeviceSocket as unknown as WebSocketConstructor,
  });
  const received: AccountMessage[] = [];
  session.on('message', (message) => received.push(message));
  return {
    session,
    received,
    peers,
    kill() {
      down = true;
      for (const peer of peers) peer.close();
      for (const socket of sockets) socket.terminate();
      // The socket is closing already: no leave goes out, the server sees the socket die.
      session.leave();
    },
    silence() {
      down = true;
      for (const socket of sockets) socket.send = () => {};
    },
    cutSocket() {
      for (const socket of sockets) socket.terminate();
    },
  };
}

/** Resolves when `check` holds, re-checking at every event of `session` of the given types. */
export function until(
  sessions: AccountSession[],
  check: () => boolean,
  timeoutMs = 20_000,
): Promise<void> {
  const describe = () =>
    sessions
      .map(
        (session) => `${session.id} e${session.epoch} ${session.state} ${session.members.length}`,
      )
      .join('; ');
  return new Promise((resolve, reject) => {
    const offs: (() => void)[] = [];
    const done = (error?: Error) => {
      clearTimeout(timer);
      for (const off of offs) off();
      if (error) reject(error);
      else resolve();
    };
    const timer = setTimeout(
      () => done(new Error(`condition not met in time: ${describe()}`)),
      timeoutMs,
    );
    const test = () => {
      if (check()) done();
    };
    for (const session of sessions) {
      for (const type of ['members', 'role', 'message', 'state'] as const) {
        offs.push(session.on(type, test));
      }
    }
    test();
  });
}
