import {
  type AccountErrorCode,
  DEVICE_KEY_ALGORITHM,
  DEVICE_SIGNATURE_ALGORITHM,
  deviceProofText,
  type ServerFrame,
  serverFrameSchemas,
  type WelcomeFrame,
} from '@webrtc-connect/protocol';
import {
  type JwtOptions,
  type ServerOptions,
  type StartedServer,
  type StartServerOptions,
  startServer,
} from '@webrtc-connect/server';
import { Ajv } from 'ajv';
import { SignJWT } from 'jose';
import { afterEach, expect } from 'vitest';
import { WebSocket } from 'ws';

export const SECRET = 'a test secret that is at least 32 bytes long';

import { AUDIENCE, ISSUER } from '../../../test/harness/fake-jwks.ts';

export { AUDIENCE, ISSUER };

const servers: StartedServer[] = [];
const devices: TestDevice[] = [];
afterEach(async () => {
  for (const device of devices.splice(0)) device.kill();
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

/**
 * A listening server on 127.0.0.1:0 that trusts HS256 tokens from `tokenFor` (or the `jwt`
 * given; null for none); closed after the test.
 */
export async function accountServer(
  options: Omit<StartServerOptions, 'jwt'> & { jwt?: JwtOptions | null } = {},
): Promise<AccountServer> {
  const { jwt = { secret: SECRET, issuer: ISSUER, audience: AUDIENCE }, ...rest } = options;
  const server = await startServer({
    port: 0,
    host: '127.0.0.1',
    handleSignals: false,
    logLevel: 'silent',
    ...(jwt === null ? {} : { jwt }),
    ...rest,
  });
  servers.push(server);
  const socketUrl = `${server.url.replace(/^http/, 'ws')}/api/account`;
  return {
    ...server,
    socketUrl,
    open: (deviceOptions) => TestDevice.open(socketUrl, deviceOptions),
    join: async (token, deviceOptions) => {
      const device = await TestDevice.open(socketUrl, deviceOptions);
      await device.hello(token);
      return device;
    },
  };
}

export interface AccountServer extends StartedServer {
  socketUrl: string;
  open(options?: DeviceOptions): Promise<TestDevice>;
  /** Opens a socket, says hello and waits for the welcome. */
  join(token: string, options?: DeviceOptions): Promise<TestDevice>;
}

export type TokenClaims = { sub?: string; iss?: string; aud?: string; exp?: number; nbf?: number };

/** An HS256 token the test server accepts (unless a claim is overridden). */
export function tokenFor(user: string, claims: TokenClaims = {}, secret = SECRET): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ sub: user, iss: ISSUER, aud: AUDIENCE, exp: now + 600, ...claims })
    .setProtectedHeader({ alg: 'HS256' })
    .sign(new TextEncoder().encode(secret));
}

export interface DeviceOptions {
  /** Send `ping` this often once welcomed (default: a third of the server's heartbeat). */
  pingEveryMs?: number | false;
  /** Answer WebSocket pings (default true). */
  autoPong?: boolean;
}

// Every frame a test device receives must match the protocol's schema.
const ajv = new Ajv({ validateFormats: false });
const schemaOf = Object.fromEntries(
  Object.entries(serverFrameSchemas).map(([type, schema]) => [type, ajv.compile(schema)]),
);

/** A device as a real WebSocket client: frames are queued and awaited, never slept for. */
export class TestDevice {
  readonly socket: WebSocket;
  /** Every frame received, in order. */
  readonly received: ServerFrame[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  welcome: WelcomeFrame | undefined;
  /** Pings sent by `ping()` and pongs received: the server answers pings in order. */
  pings = 0;
  pongs = 0;
  #unread: ServerFrame[] = [];
  #waiters = new Set<() => void>();
  #pinger: ReturnType<typeof setInterval> | undefined;
  #isClosed = false;
  readonly #options: DeviceOptions;

  private constructor(socket: WebSocket, options: DeviceOptions) {
    this.socket = socket;
    this.#options = options;
    socket.on('message', (data, isBinary) => {
      const frame = JSON.parse(String(data)) as ServerFrame;
      expect(isBinary).toBe(false);
      const validate = schemaOf[frame.type];
      expect(validate?.(frame), `${JSON.stringify(frame)} matches its schema`).toBe(true);
      this.received.push(frame);
      if (frame.type === 'pong') this.pongs += 1;
      else this.#unread.push(frame);
      for (const wake of this.#waiters) wake();
    });
    this.closed = new Promise((resolve) => {
      socket.on('close', (code, reason) => {
        this.#isClosed = true;
        this.stopPinging();
        for (const wake of this.#waiters) wake();
        resolve({ code, reason: String(reason) });
      });
    });
  }

  static async open(url: string, options: DeviceOptions = {}): Promise<TestDevice> {
    const socket = new WebSocket(url, { autoPong: options.autoPong ?? true });
    const device = new TestDevice(socket, options);
    devices.push(device);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    return device;
  }

  get id(): string {
    if (!this.welcome) throw new Error('not welcomed yet');
    return this.welcome.id;
  }

  send(frame: unknown): void {
    this.socket.send(JSON.stringify(frame));
  }

  /** Says hello and waits for the welcome; then pings as the server asked. */
  async hello(token: string): Promise<WelcomeFrame> {
    this.send({ type: 'hello', version: 1, token });
    this.welcome = (await this.next('welcome')) as WelcomeFrame;
    const every = this.#options.pingEveryMs ?? Math.floor(this.welcome.heartbeatMs / 3);
    if (every !== false) this.startPinging(every);
    return this.welcome;
  }

  /**
   * Says hello with a device key, answers the challenge with a proof signed by `sign` (the
   * pair's own private key unless given), and waits for the welcome.
   */
  async helloAsDevice(
    token: string,
    keys: CryptoKeyPair,
    sign: CryptoKey = keys.privateKey,
  ): Promise<WelcomeFrame> {
    const { kty, crv, x, y } = await crypto.subtle.exportKey('jwk', keys.publicKey);
    this.send({ type: 'hello', version: 1, token, deviceKey: { kty, crv, x, y } });
    const challenge = await this.next('challenge');
    const text = new TextEncoder().encode(deviceProofText(challenge));
    const signature = await crypto.subtle.sign(DEVICE_SIGNATURE_ALGORITHM, sign, text);
    this.send({ type: 'proof', signature: Buffer.from(signature).toString('base64url') });
    this.welcome = (await this.next('welcome')) as WelcomeFrame;
    const every = this.#options.pingEveryMs ?? Math.floor(this.welcome.heartbeatMs / 3);
    if (every !== false) this.startPinging(every);
    return this.welcome;
  }

  startPinging(everyMs: number): void {
    this.stopPinging();
    this.#pinger = setInterval(() => {
      if (this.socket.readyState === WebSocket.OPEN) this.ping();
    }, everyMs);
  }

  /** The device goes silent: its socket stays open, it just sends nothing more. */
  stopPinging(): void {
    clearInterval(this.#pinger);
    this.#pinger = undefined;
  }

  ping(): void {
    this.pings += 1;
    this.send({ type: 'ping' });
  }

  /** Resolves once `done()` holds, checked at every frame; fails when the socket closes first. */
  async until(done: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!done()) {
      if (this.#isClosed || Date.now() >= deadline) {
        throw new Error(`${what}: not reached; got ${JSON.stringify(this.received)}`);
      }
      await this.#wait(deadline);
    }
  }

  /** The next unread frame of `type` (and matching `test`), waiting for it if need be. */
  async next<T extends ServerFrame['type']>(
    type: T,
    test: (frame: Extract<ServerFrame, { type: T }>) => boolean = () => true,
    timeoutMs = 5_000,
  ): Promise<Extract<ServerFrame, { type: T }>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.#unread.findIndex(
        (frame) => frame.type === type && test(frame as Extract<ServerFrame, { type: T }>),
      );
      if (index >= 0) {
        const [frame] = this.#unread.splice(index, 1);
        return frame as Extract<ServerFrame, { type: T }>;
      }
      if (this.#isClosed || Date.now() >= deadline) {
        throw new Error(
          `no ${type} frame${this.#isClosed ? ' before the socket closed' : ` in ${timeoutMs} ms`}; got ${JSON.stringify(this.received)}`,
        );
      }
      await this.#wait(deadline);
    }
  }

  /** Until the next frame or close, or the deadline. */
  #wait(deadline: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const waiters = this.#waiters;
      const timer = setTimeout(wake, deadline - Date.now());
      function wake() {
        clearTimeout(timer);
        waiters.delete(wake);
        resolve();
      }
      waiters.add(wake);
    });
  }

  /** The next error frame, which must carry `code`. */
  async error(code: AccountErrorCode): Promise<void> {
    expect((await this.next('error')).code).toBe(code);
  }

  /** The next room frame whose epoch is `epoch` (and whose broadcaster is `broadcaster`). */
  nextRoom(epoch: number, broadcaster?: string) {
    return this.next(
      'room',
      (frame) =>
        frame.epoch === epoch && (broadcaster === undefined || frame.broadcaster === broadcaster),
    );
  }

  /**
   * A round trip: once the pong is back, the server has handled everything sent to it before,
   * and every frame it meant for this device before that has arrived.
   */
  async roundTrip(): Promise<void> {
    this.ping();
    const pings = this.pings;
    await this.until(() => this.pongs >= pings, 'round trip');
  }

  /** Forgets every unread frame: later assertions see only what comes after. */
  discard(): void {
    this.#unread = [];
  }

  /** Frames received and not yet taken by `next` (pongs are only counted). */
  unread(): ServerFrame[] {
    return [...this.#unread];
  }

  /** The device's process dies: no close frame, the TCP connection just ends. */
  kill(): void {
    this.stopPinging();
    this.socket.terminate();
  }
}

/** A device key pair as a browser makes one: the private half cannot be exported. */
export function deviceKeys(): Promise<CryptoKeyPair> {
  return crypto.subtle.generateKey(DEVICE_KEY_ALGORITHM, false, ['sign', 'verify']);
}

/** Four devices of one user, joined in order. */
export async function joinAll(server: AccountServer, user: string, count: number) {
  const joined: TestDevice[] = [];
  for (let i = 0; i < count; i += 1) joined.push(await server.join(await tokenFor(user)));
  return joined;
}

export type { ServerOptions };
