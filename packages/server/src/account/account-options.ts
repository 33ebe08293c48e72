import {
  DEFAULT_DEVICE_KEEP_SECONDS,
  DEFAULT_HEARTBEAT_MS,
  HELLO_TIMEOUT_MS,
} from '@webrtc-connect/protocol';
import { checkWholeNumber } from '../whole-number.ts';
import { type JwtKeySource, resolveJwtKeySource } from './jwt-key-source.ts';
import type { JwtOptions } from './jwt-options.ts';
import { type OidcClientConfig, type OidcOptions, resolveOidc } from './oidc-discovery.ts';
import type { RoomStore } from './room-store.ts';

/** The account rooms' part of `ServerOptions`. */
export interface AccountOptions {
  /** How account tokens are verified. Without it (and without `devSignIn`) hellos are refused. */
  jwt?: JwtOptions;
  /** Development sign-in: anyone may sign in as anyone. Off by default; logged loudly when on. */
  devSignIn?: boolean;
  /**
   * The provider the web app signs people in with ("Sign in with …", authorization code and
   * PKCE in the browser). Without `jwt`, tokens are checked against it: its keys (found by
   * discovery), its issuer, and the client id as audience.
   */
  oidc?: OidcOptions;
  /** Where rooms live; default in memory (one instance). */
  roomStore?: RoomStore;
  /** How often devices ping (default 750 ms); silent after 3 heartbeats without a frame. */
  heartbeatMs?: number;
  /** How long a new socket may take to send its hello (default 10 s). */
  helloTimeoutMs?: number;
  /** Devices one user may have in the room at once (default 32). */
  maxDevicesPerUser?: number;
  /**
   * How long a device key's id is kept once its device went (a reload, a lost socket), so the
   * device comes back as the same `<user>-client-<n>` (default 86,400,000 ms: a day).
   */
  deviceKeepMs?: number;
  /** Account sockets open at once, all users together (default 50,000). */
  maxAccountSockets?: number;
  /** Frames a second one socket may send, with bursts of twice as many (default 100). */
  maxFramesPerSecond?: number;
}

export interface ResolvedAccountOptions {
  jwt: JwtKeySource | undefined;
  devSignIn: boolean;
  oidc: OidcClientConfig | undefined;
  roomStore: RoomStore | undefined;
  heartbeatMs: number;
  helloTimeoutMs: number;
  maxDevicesPerUser: number;
  deviceKeepMs: number;
  maxAccountSockets: number;
  maxFramesPerSecond: number;
}

/** `clock` (milliseconds) ages the provider's keys; tests pass a fake one. */
export function resolveAccountOptions(
  options: AccountOptions,
  clock: () => number = Date.now,
): ResolvedAccountOptions {
  const oidc = options.oidc === undefined ? undefined : resolveOidc(options.oidc);
  const given = options.jwt;
  const hasKeySource =
    given !== undefined &&
    (given.jwksUrl !== undefined || given.publicKey !== undefined || given.secret !== undefined);
  // With a provider for the web app and no key source of its own, tokens are the provider's:
  // its keys by discovery, its issuer, the client id as audience (unless jwt says otherwise).
  const discoverFrom = oidc && !hasKeySource ? oidc.issuer : undefined;
  const jwt =
    oidc && !hasKeySource ? { issuer: oidc.issuer, audience: oidc.clientId, ...given } : given;
  const resolved: ResolvedAccountOptions = {
    jwt: jwt === undefined ? undefined : resolveJwtKeySource(jwt, clock, discoverFrom),
    devSignIn: options.devSignIn ?? false,
    oidc,
    roomStore: options.roomStore,
    heartbeatMs: options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS,
    helloTimeoutMs: options.helloTimeoutMs ?? HELLO_TIMEOUT_MS,
    maxDevicesPerUser: options.maxDevicesPerUser ?? 32,
    deviceKeepMs: options.deviceKeepMs ?? DEFAULT_DEVICE_KEEP_SECONDS * 1_000,
    maxAccountSockets: options.maxAccountSockets ?? 50_000,
    maxFramesPerSecond: options.maxFramesPerSecond ?? 100,
  };
  // Below 10 ms the sweep would spin; above a minute a dead broadcaster stalls a room too long.
  checkWholeNumber('heartbeatMs', resolved.heartbeatMs, 10, 60_000);
  checkWholeNumber('helloTimeoutMs', resolved.helloTimeoutMs, 10, 60_000);
  checkWholeNumber('maxDevicesPerUser', resolved.maxDevicesPerUser, 1, 1_000);
  // Up to a year: a kept id holds its room in the store that long.
  checkWholeNumber('deviceKeepMs', resolved.deviceKeepMs, 0, 366 * 86_400_000);
  checkWholeNumber('maxAccountSockets', resolved.maxAccountSockets, 1, 10_000_000);
  checkWholeNumber('maxFramesPerSecond', resolved.maxFramesPerSecond, 1, 100_000);
  return resolved;
}
