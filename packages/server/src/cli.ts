import { parseArgs } from 'node:util';
import { ACCOUNT_FLAGS, ACCOUNT_HELP, accountOptionsFromFlags } from './account/account-flags.ts';
import { parseProxyTrust, refuseBareTrustProxy } from './edge/proxy-trust.ts';
import { isServerError, ServerError } from './errors.ts';
import type { LogLevel } from './server-options.ts';
import { type StartedServer, type StartServerOptions, startServer } from './start-server.ts';

export const HELP = `Usage: webrtc-connect serve [options]

Serves the mailbox API, account rooms (and the web app, given --web-root) until SIGINT or
SIGTERM.
Every option falls back to the environment variable in brackets, then to its default.

  --port <n>            port to listen on; 0 picks a free one    [PORT]       8080
  --host <address>      address to listen on; 0.0.0.0 for all     [HOST]       127.0.0.1
  --web-root <dir>      built web app to serve at /               [WEB_ROOT]   none
  --offer-ttl <s>       seconds an offer lives                    [OFFER_TTL]  600
  --reply-ttl <s>       seconds a reply lives                     [REPLY_TTL]  offer-ttl
  --max-blob-bytes <n>  largest sealed blob, at most 4096         [MAX_BLOB_BYTES] 4096
  --max-offers <n>      live offers held at most                  [MAX_OFFERS] 10000
  --max-replies <n>     live replies held at most                 [MAX_REPLIES] 10000
  --max-waiters <n>     long-polls held open at most              [MAX_WAITERS] 10000
  --max-wait <s>        longest long-poll, at most 60             [MAX_WAIT]   60
  --body-limit <bytes>  largest request body                      [BODY_LIMIT] 6486
  --rate-limit <n>      requests a minute per client; 0 for none  [RATE_LIMIT] 600
  --miss-limit <n>      unknown reply codes a minute per client;  [MISS_LIMIT] 10
                        0 for none
  --cors-origin <list>  comma-separated origins whose pages may call the mailbox
                        API (https://app.example), or *           [CORS_ORIGINS] none
  --ice-servers <json>  STUN/TURN servers for peers, served at /api/ice-servers, as
                        '[{"urls":"stun:stun.example:3478"}]'     [ICE_SERVERS] none
  --turn-secret-env <name>  variable holding the TURN server's shared secret: TURN
                        entries without a credential get fresh ones [TURN_SECRET]
  --turn-ttl <s>        seconds those TURN credentials last       [TURN_TTL]   86400
  --metrics             Prometheus metrics at /api/metrics          [METRICS=1]  off
  --metrics-token-env <name>  variable holding the bearer token
                        /api/metrics asks for (16+ characters); needed with
                        --metrics                          [METRICS_TOKEN]
  --trust-proxy <hops|list>  behind a reverse proxy: client addresses from
                        x-forwarded-for as the proxy saw them; the number
                        of proxies in front (1 behind one nginx), or their
                        addresses and CIDRs (10.0.0.2,10.1.0.0/16)
                                                           [TRUST_PROXY] off
  --request-timeout <s> seconds for a request's headers and body to arrive
                        (long-polls are not cut by it) [REQUEST_TIMEOUT] 30
  --keep-alive-timeout <s>  seconds an idle connection is kept
                                                    [KEEP_ALIVE_TIMEOUT] 5
  --max-connections <n> connections open at once [MAX_CONNECTIONS] 60000
  --max-connections-per-address <n>  connections (through a proxy: requests)
                        one client address holds at once
                                           [MAX_CONNECTIONS_PER_ADDRESS] 128
  --redis-url <url>     keep offers, replies and rooms in Redis, shared by every
                        instance given the same URL (redis://host:port)
                                                                  [REDIS_URL]  in memory
  --redis-key-prefix <p>  prefix of every Redis key and channel   [REDIS_KEY_PREFIX]
                                                                  webrtc-connect:
  --instance-ttl <ms>   with Redis: how long a stopped instance counts as alive
                        before the others take its devices out    [INSTANCE_TTL_MS] 3000
  --log-level <level>   fatal, error, warn, info, debug, trace or silent
                                                                  [LOG_LEVEL]  info
  -h, --help            show this text
${ACCOUNT_HELP}`;

const OPTIONS = {
  port: { type: 'string', env: 'PORT' },
  host: { type: 'string', env: 'HOST' },
  'web-root': { type: 'string', env: 'WEB_ROOT' },
  'offer-ttl': { type: 'string', env: 'OFFER_TTL' },
  'reply-ttl': { type: 'string', env: 'REPLY_TTL' },
  'max-blob-bytes': { type: 'string', env: 'MAX_BLOB_BYTES' },
  'max-offers': { type: 'string', env: 'MAX_OFFERS' },
  'max-replies': { type: 'string', env: 'MAX_REPLIES' },
  'max-waiters': { type: 'string', env: 'MAX_WAITERS' },
  'max-wait': { type: 'string', env: 'MAX_WAIT' },
  'body-limit': { type: 'string', env: 'BODY_LIMIT' },
  'rate-limit': { type: 'string', env: 'RATE_LIMIT' },
  'miss-limit': { type: 'string', env: 'MISS_LIMIT' },
  'cors-origin': { type: 'string', env: 'CORS_ORIGINS' },
  'ice-servers': { type: 'string', env: 'ICE_SERVERS' },
  'turn-secret-env': { type: 'string' },
  'turn-ttl': { type: 'string', env: 'TURN_TTL' },
  'trust-proxy': { type: 'string', env: 'TRUST_PROXY' },
  'request-timeout': { type: 'string', env: 'REQUEST_TIMEOUT' },
  'keep-alive-timeout': { type: 'string', env: 'KEEP_ALIVE_TIMEOUT' },
  'max-connections': { type: 'string', env: 'MAX_CONNECTIONS' },
  'max-connections-per-address': { type: 'string', env: 'MAX_CONNECTIONS_PER_ADDRESS' },
  metrics: { type: 'boolean', env: 'METRICS' },
  'metrics-token-env': { type: 'string' },
  'redis-url': { type: 'string', env: 'REDIS_URL' },
  'redis-key-prefix': { type: 'string', env: 'REDIS_KEY_PREFIX' },
  'instance-ttl': { type: 'string', env: 'INSTANCE_TTL_MS' },
  'log-level': { type: 'string', env: 'LOG_LEVEL' },
  help: { type: 'boolean', short: 'h' },
  ...ACCOUNT_FLAGS,
} as const;

type Env = Readonly<Record<string, string | undefined>>;
const LOG_LEVELS: readonly LogLevel[] = [
  'fatal',
  'error',
  'warn',
  'info',
  'debug',
  'trace',
  'silent',
];

/** `serve`'s flags and environment as `startServer` options; ERR_INVALID_CONFIG names a bad one. */
export function parseServeArgs(args: readonly string[], env: Env): StartServerOptions {
  refuseBareTrustProxy(args);
  const { values } = parseArgs({ args: [...args], options: OPTIONS, strict: true });
  const text = (name: keyof typeof OPTIONS): string | undefined => {
    const value = values[name];
    if (typeof value === 'string') return value;
    const option = OPTIONS[name];
    return 'env' in option ? env[option.env] : undefined;
  };
  /** A switch: the flag, or its variable set to 1, true or yes. */
  const flag = (name: keyof typeof OPTIONS): boolean => {
    const value = values[name];
    if (typeof value === 'boolean') return value;
    const option = OPTIONS[name];
    return 'env' in option && /^(1|true|yes)$/i.test(env[option.env] ?? '');
  };
  /** A secret, from the variable the flag names (`variable` when it names none). */
  const secret = (
    name: 'jwt-secret-env' | 'turn-secret-env' | 'metrics-token-env',
    variable: string,
  ): string | undefined => {
    const named = text(name);
    const value = env[named || variable];
    if (named && !value) {
      throw new ServerError('ERR_INVALID_CONFIG', `--${name}: ${named} is not set`);
    }
    return value || undefined;
  };
  const whole = (name: keyof typeof OPTIONS, min = 1): number | undefined => {
    const value = text(name);
    if (value === undefined || value === '') return undefined;
    const number = /^\d{1,15}$/.test(value) ? Number(value) : Number.NaN;
    if (!(number >= min)) {
      throw new ServerError('ERR_INVALID_CONFIG', `--${name} must be a whole number ≥ ${min}`);
    }
    return number;
  };
  const seconds = (name: keyof typeof OPTIONS) => {
    const value = whole(name);
    return value === undefined ? undefined : value * 1000;
  };
  const perMinute = (name: 'rate-limit' | 'miss-limit') => {
    const max = whole(name, 0);
    if (max === undefined) return undefined;
    return max === 0 ? false : { max, windowMs: 60_000 };
  };
  const logLevel = text('log-level');
  if (logLevel !== undefined && !LOG_LEVELS.includes(logLevel as LogLevel)) {
    throw new ServerError(
      'ERR_INVALID_CONFIG',
      `--log-level must be one of ${LOG_LEVELS.join(', ')}`,
    );
  }
  const account = accountOptionsFromFlags({ text, whole, flag, secret });
  const options: StartServerOptions = { ...account };
  const trustProxy = text('trust-proxy');
  if (trustProxy !== undefined) options.trustProxy = parseProxyTrust(trustProxy);
  if (flag('metrics')) options.metrics = true;
  const metricsToken = secret('metrics-token-env', 'METRICS_TOKEN');
  if (metricsToken) options.metricsToken = metricsToken;
  const set = <K extends keyof StartServerOptions>(
    key: K,
    value: StartServerOptions[K] | undefined,
  ) => {
    if (value !== undefined) options[key] = value;
  };
  set('port', whole('port', 0));
  set('host', text('host'));
  set('webRoot', text('web-root'));
  set('offerTtlMs', seconds('offer-ttl'));
  set('replyTtlMs', seconds('reply-ttl'));
  set('maxSealedBytes', whole('max-blob-bytes'));
  set('maxOffers', whole('max-offers'));
  set('maxReplies', whole('max-replies'));
  set('maxWaiters', whole('max-waiters'));
  set('maxWaitSeconds', whole('max-wait'));
  set('bodyLimitBytes', whole('body-limit'));
  set('rateLimit', perMinute('rate-limit'));
  set('missLimit', perMinute('miss-limit'));
  set('logLevel', logLevel as LogLevel | undefined);
  const cors = text('cors-origin');
  if (cors) options.corsOrigins = cors.split(',').map((origin) => origin.trim());
  const iceServers = text('ice-servers');
  if (iceServers) {
    try {
      options.iceServers = JSON.parse(iceServers);
    } catch {
      throw new ServerError('ERR_INVALID_CONFIG', '--ice-servers must be a JSON list of servers');
    }
  }
  const turnSecret = secret('turn-secret-env', 'TURN_SECRET');
  if (turnSecret) options.turnSecret = turnSecret;
  set('turnTtlSeconds', whole('turn-ttl'));
  const redisUrl = text('redis-url');
  if (redisUrl) {
    if (!/^rediss?:\/\/./.test(redisUrl)) {
      throw new ServerError(
        'ERR_INVALID_CONFIG',
        '--redis-url must start with redis:// or rediss://',
      );
    }
    options.redisUrl = redisUrl;
  }
  const prefix = text('redis-key-prefix');
  if (prefix) options.redisKeyPrefix = prefix;
  set('instanceTtlMs', whole('instance-ttl'));
  set('requestTimeoutMs', seconds('request-timeout'));
  set('keepAliveTimeoutMs', seconds('keep-alive-timeout'));
  set('maxConnections', whole('max-connections'));
  set('maxConnectionsPerAddress', whole('max-connections-per-address'));
  return options;
}

/**
 * The `webrtc-connect` command. Resolves with the running server for `serve` (which then runs
 * until a signal), or with an exit code when there is nothing to run.
 */
export async function runCli(
  argv: readonly string[],
  env: Env,
  output: { log(text: string): void; error(text: string): void } = console,
): Promise<StartedServer | number> {
  const [command, ...args] = argv;
  if (command === undefined || command === '-h' || command === '--help' || command === 'help') {
    output.log(HELP);
    return command === undefined ? 2 : 0;
  }
  if (command !== 'serve') {
    output.error(`webrtc-connect: unknown command "${command}"\n\n${HELP}`);
    return 2;
  }
  try {
    if (args.includes('--help') || args.includes('-h')) {
      output.log(HELP);
      return 0;
    }
    return await startServer(parseServeArgs(args, env));
  } catch (error) {
    // parseArgs throws TypeErrors with codes for unknown or incomplete flags.
    const code = (error as { code?: unknown }).code;
    const usage =
      (isServerError(error) && error.code === 'ERR_INVALID_CONFIG') ||
      (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS'));
    // A taken port and the like: one line, not a stack trace.
    output.error(`webrtc-connect: ${(error as Error).message}${usage ? `\n\n${HELP}` : ''}`);
    return usage ? 2 : 1;
  }
}
