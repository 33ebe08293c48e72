import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ACCOUNT_FLAGS, accountOptionsFromFlags } from './account/account-flags.ts';
import { type FlagSpec, parseArgsOptions, SERVE_FLAGS } from './cli/flag-table.ts';
import { flagTable, helpText } from './cli/help-text.ts';
import { lanBanner } from './cli/lan-banner.ts';
import { parseProxyTrust, refuseBareTrustProxy } from './edge/proxy-trust.ts';
import { isServerError, ServerError } from './errors.ts';
import { readCertificateFiles } from './lan/lan-certificate.ts';
import type { LogLevel } from './server-options.ts';
import { type StartedServer, type StartServerOptions, startServer } from './start-server.ts';

const FLAGS = [
  ...SERVE_FLAGS,
  ...ACCOUNT_FLAGS.map((flag): FlagSpec => ({ ...flag, group: 'accounts' })),
];
const OPTIONS = parseArgsOptions(FLAGS);
type FlagName = (typeof SERVE_FLAGS)[number]['name'] | (typeof ACCOUNT_FLAGS)[number]['name'];

/** `webrtc-connect serve --help`. */
export const HELP = helpText(FLAGS);
/** The README's table of `serve`'s flags. */
export const FLAG_TABLE = flagTable(FLAGS);

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
  const spec = (name: FlagName) => FLAGS.find((flag) => flag.name === name);
  const text = (name: FlagName): string | undefined => {
    const value = values[name];
    if (typeof value === 'string') return value;
    const variable = spec(name)?.env;
    return variable ? env[variable] : undefined;
  };
  /** A switch: the flag, or its variable set to 1, true or yes. */
  const flag = (name: FlagName): boolean => {
    const value = values[name];
    if (typeof value === 'boolean') return value;
    const variable = spec(name)?.env;
    return variable !== undefined && /^(1|true|yes)$/i.test(env[variable] ?? '');
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
  const whole = (name: FlagName, min = 1): number | undefined => {
    const value = text(name);
    if (value === undefined || value === '') return undefined;
    const number = /^\d{1,15}$/.test(value) ? Number(value) : Number.NaN;
    if (!(number >= min)) {
      throw new ServerError('ERR_INVALID_CONFIG', `--${name} must be a whole number ≥ ${min}`);
    }
    return number;
  };
  const seconds = (name: FlagName) => {
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
  if (flag('lan')) options.lan = true;
  set('tlsDir', text('tls-dir'));
  const certFile = text('tls-cert');
  const keyFile = text('tls-key');
  if (Boolean(certFile) !== Boolean(keyFile)) {
    throw new ServerError('ERR_INVALID_CONFIG', '--tls-cert and --tls-key go together');
  }
  if (certFile && keyFile) options.https = readCertificateFiles(certFile, keyFile);
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

/** This package's version, from its package.json (beside src/ and dist/ alike). */
export function serverVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

/** The web app this package carries (packages/server/web-app), when it was built into it. */
function packagedWebApp(): string | undefined {
  const dir = fileURLToPath(new URL('../web-app/', import.meta.url));
  return existsSync(join(dir, 'index.html')) ? dir : undefined;
}

const SEE_HELP = 'Run `webrtc-connect serve --help` for the options.';

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
  if (command === '--version' || command === '-v' || command === 'version') {
    output.log(serverVersion());
    return 0;
  }
  if (command === undefined || command === '-h' || command === '--help' || command === 'help') {
    output.log(HELP);
    return command === undefined ? 2 : 0;
  }
  if (command !== 'serve') {
    output.error(`webrtc-connect: unknown command "${command}"\n${SEE_HELP}`);
    return 2;
  }
  try {
    if (args.includes('--help') || args.includes('-h')) {
      output.log(HELP);
      return 0;
    }
    if (args.includes('--version') || args.includes('-v')) {
      output.log(serverVersion());
      return 0;
    }
    const options = parseServeArgs(args, env);
    if (options.webRoot === undefined) {
      const packaged = packagedWebApp();
      if (packaged) options.webRoot = packaged;
    }
    const started = await startServer(options);
    if (options.lan) output.log(await lanBanner(started));
    return started;
  } catch (error) {
    // parseArgs throws TypeErrors with codes for unknown or incomplete flags.
    const code = (error as { code?: unknown }).code;
    const usage =
      (isServerError(error) && error.code === 'ERR_INVALID_CONFIG') ||
      (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS'));
    // A taken port and the like: one line, not a stack trace.
    output.error(`webrtc-connect: ${(error as Error).message}${usage ? `\n${SEE_HELP}` : ''}`);
    return usage ? 2 : 1;
  }
}
