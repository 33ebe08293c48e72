import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import {
  ACCOUNT_ERROR_CLOSE,
  ACCOUNT_PATHS,
  type SignInOptionsResponse,
} from '@webrtc-connect/protocol';
import type { FastifyBaseLogger, FastifyInstance, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import { ServerError } from '../errors.ts';
import { MemoryRoomStore } from '../store/memory/memory-room-store.ts';
import type { ResolvedAccountOptions } from './account-options.ts';
import { AccountRooms } from './account-rooms.ts';
import { DevSignIn, devSignInRoute } from './dev-sign-in.ts';
import { type AccountContext, DeviceConnection } from './device-connection.ts';
import type { OidcClientConfig } from './oidc-discovery.ts';
import type { RoomStore } from './room-store.ts';
import { TokenVerifier } from './token-verifier.ts';

/** The largest message the WebSocket layer takes at all; larger ones close the socket (1009). */
export const MAX_TRANSPORT_PAYLOAD = 65_536;

/**
 * Account rooms on one server instance: the sockets, the rooms they are in, the token
 * verifier, and one sweep that checks every socket's hello deadline, silence and pings (one
 * timer for all, so a socket costs no timer of its own).
 */
export class AccountService {
  readonly devSignIn: DevSignIn | undefined;
  readonly oidc: OidcClientConfig | undefined;
  readonly store: RoomStore;
  readonly #ownsStore: boolean;
  readonly #connections = new Set<DeviceConnection>();
  readonly #context: AccountContext;
  readonly #sweep: ReturnType<typeof setInterval>;
  readonly #sweepMs: number;
  #checkedAt: number;
  #skipped = false;

  constructor(options: ResolvedAccountOptions, clock: () => number, log: FastifyBaseLogger) {
    const shared = options.jwt?.kind === 'secret' ? options.jwt.sharedSecret : undefined;
    this.devSignIn = options.devSignIn ? new DevSignIn(clock, shared) : undefined;
    this.oidc = options.oidc;
    this.#ownsStore = options.roomStore === undefined;
    this.store = options.roomStore ?? new MemoryRoomStore({ clock });
    const rooms = new AccountRooms(
      this.store,
      { maxDevicesPerUser: options.maxDevicesPerUser, clock },
      log,
    );
    const verifier = new TokenVerifier(options.jwt, this.devSignIn, clock);
    this.#context = {
      rooms,
      verifier,
      options,
      log,
      closed: (connection) => this.#connections.delete(connection),
    };
    // A quarter heartbeat: a silent device is found at most that late.
    this.#sweepMs = Math.max(5, options.heartbeatMs / 4);
    this.#checkedAt = performance.now();
    this.#sweep = setInterval(() => this.#check(), this.#sweepMs);
    this.#sweep.unref();
    if (this.devSignIn) {
      log.warn(
        `DEVELOPMENT SIGN-IN IS ON: anyone can sign in as anyone at POST ${ACCOUNT_PATHS.devSignIn}. Never expose this server to other people.`,
      );
    }
    if (!options.jwt && !this.devSignIn) {
      log.info('account rooms: no sign-in configured, so every hello is refused');
    }
  }

  /** Open account sockets. */
  get sockets(): number {
    return this.#connections.size;
  }

  /** Signals taken from this instance's devices, and broadcasters it promoted, so far. */
  get relayed(): { signals: number; promotions: number } {
    const { rooms } = this.#context;
    return { signals: rooms.signals, promotions: rooms.promotions };
  }

  /** A new socket on the account endpoint; `raw` is the TCP socket under it. */
  accept(socket: WebSocket, raw: Socket): void {
    const { maxAccountSockets } = this.#context.options;
    if (this.#connections.size >= maxAccountSockets) {
      const error = new ServerError('ERR_SERVER_FULL', 'too many account sockets; retry later');
      socket.send(JSON.stringify({ type: 'error', code: error.code, message: error.message }));
      socket.close(ACCOUNT_ERROR_CLOSE.ERR_SERVER_FULL, error.code);
      return;
    }
    this.#connections.add(new DeviceConnection(socket, raw, this.#context, performance.now()));
  }

  /** Closes every socket with 1001 (each leaves its room), then the store if it is ours. */
  async close(): Promise<void> {
    clearInterval(this.#sweep);
    await Promise.allSettled([...this.#connections].map((connection) => connection.shutdown()));
    this.#context.rooms.close();
    if (this.#ownsStore) await this.store.close();
  }

  #check(): void {
    const now = performance.now();
    const late = now - this.#checkedAt > 2 * this.#sweepMs;
    this.#checkedAt = now;
    // This process stalled (a long garbage collection, a busy machine): the frames that came
    // meanwhile wait in the sockets, read only after this timer. Judge silence next tick (one
    // tick only, so that a process always late still finds silent devices).
    if (late && !this.#skipped) {
      this.#skipped = true;
      return;
    }
    this.#skipped = false;
    for (const connection of this.#connections) {
      // One socket's failure must not stop the sweep for the others.
      try {
        connection.check(now);
      } catch (error) {
        this.#context.log.error({ err: error }, 'account socket check failed');
      }
    }
  }
}

/** `GET /api/account` as a WebSocket, and the development sign-in when it is on. */
export async function accountRoutes(app: FastifyInstance, service: AccountService): Promise<void> {
  app.get(ACCOUNT_PATHS.socket, { websocket: true }, (socket, request) => {
    service.accept(socket, forgetUpgradeRequest(socket, request));
  });
  if (service.devSignIn) await devSignInRoute(app, service.devSignIn);
  const signInOptions: SignInOptionsResponse = {
    devSignIn: service.devSignIn !== undefined,
    oidc: service.oidc ?? null,
  };
  app.get(ACCOUNT_PATHS.signInOptions, async () => signInOptions);
}

/**
 * Returns the TCP socket under the WebSocket, which the server writes its frames to.
 * @fastify/websocket keeps the upgrade's request and reply alive as long as the socket: in the
 * closure of the error listener it adds, and as the raw socket's current response. That is
 * about 3 of an idle device's 7 KiB; dropping both leaves about 4 KiB.
 */
function forgetUpgradeRequest(socket: WebSocket, request: FastifyRequest): Socket {
  socket.removeAllListeners('error');
  socket.on('error', onSocketError);
  const raw = request.raw.socket as Socket & { _httpMessage?: ServerResponse | null };
  raw._httpMessage?.detachSocket(raw);
  return raw;
}

/**
 * Bad UTF-8, an oversized frame: ws closes the socket itself; nothing of ours failed. One
 * function for every socket (no closure each).
 */
function onSocketError(this: WebSocket): void {
  this.terminate();
}
