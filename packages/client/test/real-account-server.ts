import { type StartedServer, startServer } from '@webrtc-connect/server';
import { SignJWT } from 'jose';
import { afterEach } from 'vitest';
import {
  type AccountSession,
  type JoinAccountOptions,
  joinAccount,
  type WebSocketConstructor,
} from 'webrtc-connect/account';
import { WebSocket } from 'ws';

// A device alone in its room is its own broadcaster: no peer connection is ever made, so tests
// of joining run against the real server without WebRTC.
const NoPeers = class {} as unknown as typeof RTCPeerConnection;

export interface AccountServerFixture {
  /** The real server, development options aside, closed after the test; `refusals` are its logged refused hellos. */
  server(
    options?: Parameters<typeof startServer>[0],
  ): Promise<StartedServer & { refusals(): Array<{ code?: string }> }>;
  /** Joins with no peer connections; the session leaves after the test. */
  join(options: Omit<JoinAccountOptions, 'RTCPeerConnection'>): Promise<AccountSession>;
}

/**
 * Account servers for a test file, signing tokens with `secret`: every server and session a
 * test made is closed after it (sessions leave with `leave`'s options).
 */
export function useAccountServer(
  secret: string,
  options: { webSocket?: WebSocketConstructor; leave?: { forget?: boolean } } = {},
): AccountServerFixture {
  const servers: StartedServer[] = [];
  const sessions: AccountSession[] = [];
  afterEach(async () => {
    for (const session of sessions.splice(0)) session.leave(options.leave);
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });
  return {
    async server(serverOptions = {}) {
      const lines: string[] = [];
      const started = await startServer({
        port: 0,
        host: '127.0.0.1',
        handleSignals: false,
        logLevel: 'info',
        logStream: { write: (line) => lines.push(line) },
        jwt: { secret },
        ...serverOptions,
      });
      servers.push(started);
      const refusals = () =>
        lines.map((line) => JSON.parse(line)).filter((line) => line.msg === 'hello refused');
      return Object.assign(started, { refusals });
    },
    async join(joinOptions) {
      const session = await joinAccount({
        RTCPeerConnection: NoPeers,
        ...(options.webSocket ? { WebSocket: options.webSocket } : {}),
        ...joinOptions,
      });
      sessions.push(session);
      return session;
    },
  };
}

/** An HS256 token for `user` expiring `seconds` from now (past, when negative). */
export function signedToken(user: string, secret: string, seconds = 600): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(user)
    .setExpirationTime(Math.floor(Date.now() / 1000) + seconds)
    .sign(new TextEncoder().encode(secret));
}

/** `ws` sockets that a test can cut, as a network blip would. */
export function cuttableSockets() {
  const open: WebSocket[] = [];
  class Cuttable extends WebSocket {
    constructor(url: string) {
      super(url);
      open.push(this);
    }
  }
  return {
    WebSocket: Cuttable as unknown as WebSocketConstructor,
    cut: () => {
      for (const socket of open.splice(0)) socket.terminate();
    },
  };
}

/** The session's next `type` event. */
export function nextEvent<T>(session: AccountSession, type: 'rejoined' | 'error'): Promise<T> {
  return new Promise((resolve) => {
    const off = session.on(type, (event) => {
      off();
      resolve(event as T);
    });
  });
}
