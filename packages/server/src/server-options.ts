import {
  base64urlLength,
  DEFAULT_WAIT_SECONDS,
  type IceServer,
  MAX_SEALED_BYTES,
  MAX_WAIT_SECONDS,
} from '@webrtc-connect/protocol';
import {
  type AccountOptions,
  type ResolvedAccountOptions,
  resolveAccountOptions,
} from './account/account-options.ts';
import { type ProxyTrust, resolveProxyTrust } from './edge/proxy-trust.ts';
import { ServerError } from './errors.ts';
import { checkIceServers } from './ice-servers/ice-server-checks.ts';
import type { MailboxStore } from './mailbox/mailbox-store.ts';
import { checkWholeNumber } from './whole-number.ts';

/** At most `max` in each window of `windowMs`, per client address. */
export interface RateLimit {
  max: number;
  windowMs: number;
}

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** Everything is optional: `createServer()` serves the mailbox, and refuses account hellos. */
export interface ServerOptions extends AccountOptions {
  /** Where offers and replies live; default an in-memory store built from the limits below. */
  store?: MailboxStore;
  /**
   * Keep offers, replies and account rooms in this Redis (`redis://host:port`), shared by every
   * instance given the same URL and prefix, instead of in memory. Not with `store`/`roomStore`.
   */
  redisUrl?: string;
  /** Put before every Redis key and channel (default `webrtc-connect:`). */
  redisKeyPrefix?: string;
  /**
   * With Redis: how long an instance that stopped (killed, cut off) still counts as alive
   * before the others take its devices out of their rooms (default 3,000 ms).
   */
  instanceTtlMs?: number;
  /** Serve HTTPS with this certificate and key (PEM) instead of HTTP. */
  https?: { cert: string; key: string };
  /** A directory to serve as the web app (index.html at `/`); skipped when it does not exist. */
  webRoot?: string;
  /** How long an offer lives (default 10 minutes). */
  offerTtlMs?: number;
  /** How long a reply lives (default: as long as an offer). */
  replyTtlMs?: number;
  /** How long used and expired ids and codes are told apart from unknown ones (default 1 h). */
  tombstoneTtlMs?: number;
  /** Largest sealed blob stored, in bytes (default and maximum 4096). */
  maxSealedBytes?: number;
  /** Live offers held at most (default 10,000). Only for the default store. */
  maxOffers?: number;
  /** Live replies held at most (default 10,000). Only for the default store. */
  maxReplies?: number;
  /** Long-polls held open at most (default 10,000). */
  maxWaiters?: number;
  /** Largest request body, in bytes (default: the largest blob as base64url, plus 1 KiB). */
  bodyLimitBytes?: number;
  /** Requests per client address (default 600 a minute); `false` for none. */
  rateLimit?: RateLimit | false;
  /** Unknown reply codes per client address (default 10 a minute); `false` for none. */
  missLimit?: RateLimit | false;
  /** Longest long-poll, in seconds (default and maximum 60); longer waits are cut to it. */
  maxWaitSeconds?: number;
  /**
   * Web origins (`https://app.example`, or `*` for any) whose pages may call the mailbox API
   * from the browser: pages on another origin than this server's. Default none (same origin).
   */
  corsOrigins?: readonly string[];
  /**
   * STUN and TURN servers for peers, served at `GET /api/ice-servers` (the web app uses them).
   * Default none: peers then reach each other only on the same network.
   */
  iceServers?: IceServer[];
  /**
   * Shared secret of a TURN server (coturn's `static-auth-secret`): TURN entries of
   * `iceServers` without a credential get fresh TURN REST API credentials at each request.
   */
  turnSecret?: string;
  /** How long those credentials last, in seconds (default 86,400: a day). */
  turnTtlSeconds?: number;
  /**
   * Serve Prometheus metrics at `GET /api/metrics` (default off: they describe the load and
   * rooms of the server). Needs `metricsToken`: scrapes send `authorization: Bearer <token>`.
   */
  metrics?: boolean;
  /** The bearer token `/api/metrics` asks for (at least 16 characters). */
  metricsToken?: string;
  /**
   * Take client addresses from `x-forwarded-for`, as the trusted proxies saw them: the number
   * of proxy hops in front of the server (1 behind one nginx), or the proxies' addresses and
   * CIDRs (a list, or comma-separated). Default off. Trusting every hop (`true`) is refused.
   */
  trustProxy?: number | string | readonly string[] | false;
  /**
   * Longest time for a request's line, headers and body to arrive, in ms (default 30,000);
   * a slower one is answered 408 and closed. Held responses (long-polls) are not cut by it.
   */
  requestTimeoutMs?: number;
  /** How long an idle keep-alive connection is kept between requests, in ms (default 5,000). */
  keepAliveTimeoutMs?: number;
  /** Connections open at once on this instance, account sockets included (default 60,000). */
  maxConnections?: number;
  /**
   * Connections (or, through a trusted proxy, requests) one client address holds at once
   * (default 128); account sockets through a proxy count against `maxAccountSockets` only.
   */
  maxConnectionsPerAddress?: number;
  /** Default `info`; logs go to stdout, or to `logStream`. */
  logLevel?: LogLevel;
  logStream?: { write(line: string): void };
  /** Milliseconds since the epoch, for expiry; tests pass a fake clock. */
  clock?: () => number;
}

type Optional =
  | 'store'
  | 'webRoot'
  | 'logStream'
  | 'redisUrl'
  | 'turnSecret'
  | 'https'
  | 'metricsToken';
export type ResolvedServerOptions = Required<
  Omit<ServerOptions, Optional | 'trustProxy' | keyof AccountOptions>
> & {
  [K in Optional]: ServerOptions[K] | undefined;
} & {
  defaultWaitSeconds: number;
  trustProxy: ProxyTrust | false;
  account: ResolvedAccountOptions;
};

const MINUTE = 60_000;

/** Fills in defaults and refuses values that cannot work, naming the option. */
export function resolveServerOptions(options: ServerOptions): ResolvedServerOptions {
  const offerTtlMs = options.offerTtlMs ?? 10 * MINUTE;
  const maxSealedBytes = options.maxSealedBytes ?? MAX_SEALED_BYTES;
  const maxWaitSeconds = options.maxWaitSeconds ?? MAX_WAIT_SECONDS;
  const resolved: ResolvedServerOptions = {
    store: options.store,
    redisUrl: options.redisUrl,
    redisKeyPrefix: options.redisKeyPrefix ?? 'webrtc-connect:',
    instanceTtlMs: options.instanceTtlMs ?? 3_000,
    webRoot: options.webRoot,
    https: options.https,
    logStream: options.logStream,
    offerTtlMs,
    replyTtlMs: options.replyTtlMs ?? offerTtlMs,
    tombstoneTtlMs: options.tombstoneTtlMs ?? 60 * MINUTE,
    maxSealedBytes,
    maxOffers: options.maxOffers ?? 10_000,
    maxReplies: options.maxReplies ?? 10_000,
    maxWaiters: options.maxWaiters ?? 10_000,
    bodyLimitBytes: options.bodyLimitBytes ?? base64urlLength(maxSealedBytes) + 1024,
    rateLimit: options.rateLimit ?? { max: 600, windowMs: MINUTE },
    missLimit: options.missLimit ?? { max: 10, windowMs: MINUTE },
    maxWaitSeconds,
    defaultWaitSeconds: Math.min(DEFAULT_WAIT_SECONDS, maxWaitSeconds),
    corsOrigins: corsOrigins(options.corsOrigins ?? []),
    iceServers: checkIceServers(options.iceServers ?? [], options.turnSecret),
    turnSecret: options.turnSecret,
    turnTtlSeconds: options.turnTtlSeconds ?? 86_400,
    trustProxy: resolveProxyTrust(options.trustProxy),
    requestTimeoutMs: options.requestTimeoutMs ?? 30_000,
    keepAliveTimeoutMs: options.keepAliveTimeoutMs ?? 5_000,
    maxConnections: options.maxConnections ?? 60_000,
    maxConnectionsPerAddress: options.maxConnectionsPerAddress ?? 128,
    metrics: options.metrics ?? false,
    metricsToken: options.metricsToken,
    logLevel: options.logLevel ?? 'info',
    clock: options.clock ?? Date.now,
    account: resolveAccountOptions(options, options.clock ?? Date.now),
  };
  positive('offerTtlMs', resolved.offerTtlMs);
  positive('replyTtlMs', resolved.replyTtlMs);
  positive('tombstoneTtlMs', resolved.tombstoneTtlMs);
  positive('maxSealedBytes', maxSealedBytes, MAX_SEALED_BYTES);
  positive('maxOffers', resolved.maxOffers);
  positive('maxReplies', resolved.maxReplies);
  positive('maxWaiters', resolved.maxWaiters);
  positive('bodyLimitBytes', resolved.bodyLimitBytes);
  positive('maxWaitSeconds', maxWaitSeconds, MAX_WAIT_SECONDS);
  positive('instanceTtlMs', resolved.instanceTtlMs);
  positive('turnTtlSeconds', resolved.turnTtlSeconds);
  positive('requestTimeoutMs', resolved.requestTimeoutMs);
  positive('keepAliveTimeoutMs', resolved.keepAliveTimeoutMs);
  positive('maxConnections', resolved.maxConnections);
  positive('maxConnectionsPerAddress', resolved.maxConnectionsPerAddress);
  if (resolved.metrics && (resolved.metricsToken ?? '').length < 16) {
    throw new ServerError(
      'ERR_INVALID_CONFIG',
      'metrics need metricsToken (--metrics-token-env names its variable), at least 16 characters: scrapes send it as a bearer token',
    );
  }
  if (resolved.turnSecret === '') {
    throw new ServerError('ERR_INVALID_CONFIG', 'turnSecret must not be empty');
  }
  if (resolved.redisUrl !== undefined) {
    if (!/^rediss?:\/\/./.test(resolved.redisUrl)) {
      throw new ServerError('ERR_INVALID_CONFIG', 'redisUrl must start with redis:// or rediss://');
    }
    if (options.store || options.roomStore) {
      throw new ServerError(
        'ERR_INVALID_CONFIG',
        'redisUrl makes the stores: give it, or store and roomStore, not both',
      );
    }
  }
  for (const name of ['rateLimit', 'missLimit'] as const) {
    const limit = resolved[name];
    if (limit === false) continue;
    positive(`${name}.max`, limit.max);
    positive(`${name}.windowMs`, limit.windowMs);
  }
  return resolved;
}

/** Each an origin as a browser sends it (scheme, host, port: no path, no trailing slash) or `*`. */
function corsOrigins(origins: readonly string[]): readonly string[] {
  for (const origin of origins) {
    if (origin === '*') continue;
    let parsed: URL | undefined;
    try {
      parsed = new URL(origin);
    } catch {
      parsed = undefined;
    }
    if (!parsed || !/^https?:$/.test(parsed.protocol) || parsed.origin !== origin) {
      throw new ServerError(
        'ERR_INVALID_CONFIG',
        `corsOrigins: ${JSON.stringify(origin)} is not an origin like https://app.example or *`,
      );
    }
  }
  return [...origins];
}

function positive(name: string, value: number, max = Number.MAX_SAFE_INTEGER): void {
  checkWholeNumber(name, value, 1, max);
}
