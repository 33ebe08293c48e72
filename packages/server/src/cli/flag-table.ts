/**
 * One table of `webrtc-connect serve`'s flags, from which the parser's options, `--help` and the
 * README's flag table are made, so none of them can drift from the others.
 */

export type FlagGroup = 'server' | 'mailbox' | 'accounts' | 'redis' | 'tls' | 'limits';

export const FLAG_GROUPS: Readonly<Record<FlagGroup, string>> = {
  server: 'Server',
  tls: 'HTTPS and the local network',
  mailbox: 'Mailbox (links and reply codes)',
  accounts: 'Account rooms (WebSocket at /api/account)',
  redis: 'Several instances on Redis',
  limits: 'Limits',
};

export interface FlagSpec {
  /** The flag without its dashes. */
  name: string;
  group: FlagGroup;
  /** What it takes, as `<n>`; none for a switch. */
  value?: string;
  short?: string;
  /** The environment variable it falls back to (a switch: set to 1, true or yes). */
  env?: string;
  /**
   * What applies when neither flag nor variable is given, as it would be typed. A test checks
   * that typing it changes nothing, so the help cannot drift from the defaults in the code.
   */
  default?: string;
  /** What `--help` shows when the default is not a value to type (`none`, `in memory`). */
  defaultText?: string;
  help: string;
}

export const SERVE_FLAGS: readonly FlagSpec[] = [
  {
    name: 'port',
    group: 'server',
    value: '<n>',
    env: 'PORT',
    default: '8080',
    help: 'port to listen on; 0 picks a free one',
  },
  {
    name: 'host',
    group: 'server',
    value: '<address>',
    env: 'HOST',
    defaultText: '127.0.0.1 (with --lan: the LAN address)',
    help: 'address to listen on; 0.0.0.0 for every interface',
  },
  {
    name: 'web-root',
    group: 'server',
    value: '<dir>',
    env: 'WEB_ROOT',
    defaultText: 'the web app in this package',
    help: 'built web app to serve at /',
  },
  {
    name: 'trust-proxy',
    group: 'server',
    value: '<hops|list>',
    env: 'TRUST_PROXY',
    defaultText: 'off',
    help: 'behind a reverse proxy: client addresses from x-forwarded-for as the proxy saw them; the number of proxies in front (1 behind one nginx), or their addresses and CIDRs, comma-separated (10.0.0.2,10.1.0.0/16). Trusting every hop (the flag bare, or true) is refused: the client writes the left-most entry itself',
  },
  {
    name: 'cors-origin',
    group: 'server',
    value: '<list>',
    env: 'CORS_ORIGINS',
    defaultText: 'none',
    help: 'comma-separated origins whose pages may call the mailbox API (https://app.example), or *',
  },
  {
    name: 'ice-servers',
    group: 'server',
    value: '<json>',
    env: 'ICE_SERVERS',
    defaultText: 'none',
    help: `STUN/TURN servers for peers, served at /api/ice-servers, as '[{"urls":"stun:stun.example:3478"}]'`,
  },
  {
    name: 'turn-secret-env',
    group: 'server',
    value: '<name>',
    defaultText: 'TURN_SECRET',
    help: "variable holding the TURN server's shared secret: TURN entries without a credential get fresh ones",
  },
  {
    name: 'turn-ttl',
    group: 'server',
    value: '<s>',
    env: 'TURN_TTL',
    default: '86400',
    help: 'seconds those TURN credentials last',
  },
  {
    name: 'metrics',
    group: 'server',
    env: 'METRICS',
    help: 'Prometheus metrics at /api/metrics, behind a bearer token',
  },
  {
    name: 'metrics-token-env',
    group: 'server',
    value: '<name>',
    defaultText: 'METRICS_TOKEN',
    help: 'variable holding the bearer token /api/metrics asks for (16+ characters); needed with --metrics',
  },
  {
    name: 'log-level',
    group: 'server',
    value: '<level>',
    env: 'LOG_LEVEL',
    default: 'info',
    help: 'fatal, error, warn, info, debug, trace or silent',
  },
  {
    name: 'lan',
    group: 'tls',
    env: 'LAN',
    help: "serve HTTPS on this machine's LAN address, so a phone on the same network can open the app (with a certificate made and kept here unless --tls-cert is given)",
  },
  {
    name: 'tls-cert',
    group: 'tls',
    value: '<file>',
    env: 'TLS_CERT',
    defaultText: 'none (with --lan: made)',
    help: 'certificate (PEM, with its chain) to serve HTTPS with',
  },
  {
    name: 'tls-key',
    group: 'tls',
    value: '<file>',
    env: 'TLS_KEY',
    defaultText: 'none (with --lan: made)',
    help: "the certificate's private key (PEM)",
  },
  {
    name: 'tls-dir',
    group: 'tls',
    value: '<dir>',
    env: 'TLS_DIR',
    defaultText: '~/.config/webrtc-connect/tls',
    help: 'where --lan keeps the certificate it makes',
  },
  {
    name: 'offer-ttl',
    group: 'mailbox',
    value: '<s>',
    env: 'OFFER_TTL',
    default: '600',
    help: 'seconds an offer lives',
  },
  {
    name: 'reply-ttl',
    group: 'mailbox',
    value: '<s>',
    env: 'REPLY_TTL',
    defaultText: 'offer-ttl',
    help: 'seconds a reply lives',
  },
  {
    name: 'max-blob-bytes',
    group: 'mailbox',
    value: '<n>',
    env: 'MAX_BLOB_BYTES',
    default: '4096',
    help: 'largest sealed blob, at most 4096',
  },
  {
    name: 'max-wait',
    group: 'mailbox',
    value: '<s>',
    env: 'MAX_WAIT',
    default: '60',
    help: 'longest long-poll, at most 60',
  },
  {
    name: 'max-offers',
    group: 'limits',
    value: '<n>',
    env: 'MAX_OFFERS',
    default: '10000',
    help: 'live offers held at most',
  },
  {
    name: 'max-replies',
    group: 'limits',
    value: '<n>',
    env: 'MAX_REPLIES',
    default: '10000',
    help: 'live replies held at most',
  },
  {
    name: 'max-waiters',
    group: 'limits',
    value: '<n>',
    env: 'MAX_WAITERS',
    default: '10000',
    help: 'long-polls held open at most',
  },
  {
    name: 'body-limit',
    group: 'limits',
    value: '<bytes>',
    env: 'BODY_LIMIT',
    default: '6486',
    help: 'largest request body',
  },
  {
    name: 'rate-limit',
    group: 'limits',
    value: '<n>',
    env: 'RATE_LIMIT',
    default: '600',
    help: 'requests a minute per client; 0 for none',
  },
  {
    name: 'miss-limit',
    group: 'limits',
    value: '<n>',
    env: 'MISS_LIMIT',
    default: '10',
    help: 'unknown reply codes a minute per client; 0 for none',
  },
  {
    name: 'request-timeout',
    group: 'limits',
    value: '<s>',
    env: 'REQUEST_TIMEOUT',
    default: '30',
    help: "seconds for a request's line, headers and body to arrive (408 ERR_REQUEST_TIMEOUT and closed beyond); long-polls are not cut by it",
  },
  {
    name: 'keep-alive-timeout',
    group: 'limits',
    value: '<s>',
    env: 'KEEP_ALIVE_TIMEOUT',
    default: '5',
    help: 'seconds an idle connection is kept',
  },
  {
    name: 'max-connections',
    group: 'limits',
    value: '<n>',
    env: 'MAX_CONNECTIONS',
    default: '60000',
    help: 'connections open at once, account sockets included (503 ERR_SERVER_BUSY beyond)',
  },
  {
    name: 'max-connections-per-address',
    group: 'limits',
    value: '<n>',
    env: 'MAX_CONNECTIONS_PER_ADDRESS',
    default: '128',
    help: 'connections one client address holds at once; through a trusted proxy, requests in flight (429 ERR_TOO_MANY_CONNECTIONS beyond)',
  },
  {
    name: 'redis-url',
    group: 'redis',
    value: '<url>',
    env: 'REDIS_URL',
    defaultText: 'in memory',
    help: 'keep offers, replies and rooms in Redis, shared by every instance given the same URL (redis://host:port)',
  },
  {
    name: 'redis-key-prefix',
    group: 'redis',
    value: '<p>',
    env: 'REDIS_KEY_PREFIX',
    default: 'webrtc-connect:',
    help: 'prefix of every Redis key and channel',
  },
  {
    name: 'instance-ttl',
    group: 'redis',
    value: '<ms>',
    env: 'INSTANCE_TTL_MS',
    default: '3000',
    help: 'how long a stopped instance counts as alive before the others take its devices out',
  },
  {
    name: 'help',
    group: 'server',
    short: 'h',
    help: 'show this text',
  },
  {
    name: 'version',
    group: 'server',
    short: 'v',
    help: "show this package's version",
  },
];

type ParseArgsOption = { type: 'string' | 'boolean'; short?: string };

/** The table as `util.parseArgs` options. */
export function parseArgsOptions(flags: readonly FlagSpec[]): Record<string, ParseArgsOption> {
  const options: Record<string, ParseArgsOption> = {};
  for (const flag of flags) {
    options[flag.name] = {
      type: flag.value ? 'string' : 'boolean',
      ...(flag.short ? { short: flag.short } : {}),
    };
  }
  return options;
}
