import { readFileSync } from 'node:fs';
import type { JWK } from 'jose';
import type { FlagSpec } from '../cli/flag-table.ts';
import { ServerError } from '../errors.ts';
import type { AccountOptions } from './account-options.ts';
import type { JwtOptions } from './jwt-options.ts';

/** `serve`'s account flags, each with the environment variable it falls back to. */
export const ACCOUNT_FLAGS = [
  {
    name: 'jwt-jwks-url',
    value: '<url>',
    env: 'JWT_JWKS_URL',
    help: "the identity provider's keys (https; plain http only on localhost). Give one key source, or --dev-sign-in",
  },
  {
    name: 'jwt-public-key-file',
    value: '<file>',
    env: 'JWT_PUBLIC_KEY_FILE',
    help: 'one public key, PEM (SPKI) or a JWK as JSON',
  },
  {
    // No env fallback: the flag names the variable that holds the secret, JWT_SECRET by default.
    name: 'jwt-secret-env',
    value: '<name>',
    defaultText: 'JWT_SECRET',
    help: 'variable holding an HMAC secret of at least 32 bytes (never a flag: flags show in ps)',
  },
  {
    name: 'jwt-issuer',
    value: '<iss>',
    env: 'JWT_ISSUER',
    help: 'accepted iss, comma-separated; required with a JWKS URL',
  },
  {
    name: 'jwt-audience',
    value: '<aud>',
    env: 'JWT_AUDIENCE',
    help: 'accepted aud, comma-separated; required with a JWKS URL',
  },
  {
    name: 'jwt-algorithms',
    value: '<list>',
    env: 'JWT_ALGORITHMS',
    defaultText: "RS256 for JWKS, the key's own, HS256 for a secret",
    help: 'accepted alg, comma-separated',
  },
  {
    name: 'jwt-user-claim',
    value: '<claim>',
    env: 'JWT_USER_CLAIM',
    default: 'sub',
    help: 'the claim naming the user (oid for Entra ID across apps, email, …)',
  },
  {
    name: 'jwt-clock-tolerance',
    value: '<s>',
    env: 'JWT_CLOCK_TOLERANCE',
    default: '30',
    help: 'leeway for exp and nbf',
  },
  {
    name: 'jwt-keys-max-age',
    value: '<s>',
    env: 'JWT_KEYS_MAX_AGE',
    default: '600',
    help: "the provider's keys are kept this long, then fetched again (a token naming an unknown key id fetches them at once)",
  },
  {
    name: 'jwt-keys-cooldown',
    value: '<s>',
    env: 'JWT_KEYS_COOLDOWN',
    default: '5',
    help: 'least time between two fetches of the keys (unknown key ids, retries)',
  },
  {
    name: 'jwt-keys-outage-grace',
    value: '<s>',
    env: 'JWT_KEYS_OUTAGE_GRACE',
    default: '86400',
    help: 'keys kept past their age while the provider cannot be reached',
  },
  {
    name: 'oidc-issuer',
    value: '<iss>',
    env: 'OIDC_ISSUER',
    help: 'the web app\'s "Sign in with …" provider (OpenID Connect issuer)',
  },
  {
    name: 'oidc-client-id',
    value: '<id>',
    env: 'OIDC_CLIENT_ID',
    help: 'its public client id (code flow with PKCE); without --jwt-*, tokens are checked against the issuer (discovery)',
  },
  {
    name: 'oidc-name',
    value: '<name>',
    env: 'OIDC_NAME',
    defaultText: "the issuer's host",
    help: "the provider's name on the button",
  },
  {
    name: 'oidc-scope',
    value: '<scopes>',
    env: 'OIDC_SCOPE',
    default: 'openid offline_access',
    help: 'scopes asked for; offline_access brings a refresh token',
  },
  {
    name: 'dev-sign-in',
    env: 'WEBRTC_CONNECT_DEV_SIGN_IN',
    help: 'development sign-in: anyone can be anyone; never in production (npm start turns it on)',
  },
  {
    name: 'heartbeat',
    value: '<ms>',
    env: 'HEARTBEAT_MS',
    default: '750',
    help: 'milliseconds between pings; a device is silent after 3 without a frame',
  },
  {
    name: 'device-keep',
    value: '<s>',
    env: 'DEVICE_KEEP_SECONDS',
    default: '86400',
    help: "seconds a device key's id is kept after its device went: it comes back as the same <user>-client-<n>",
  },
  {
    name: 'max-devices-per-user',
    value: '<n>',
    env: 'MAX_DEVICES_PER_USER',
    default: '32',
    help: "devices in one user's room",
  },
  {
    name: 'max-account-sockets',
    value: '<n>',
    env: 'MAX_ACCOUNT_SOCKETS',
    default: '50000',
    help: 'account sockets at once',
  },
  {
    name: 'max-frames-per-second',
    value: '<n>',
    env: 'MAX_FRAMES_PER_SECOND',
    default: '100',
    help: 'frames a second per socket, bursts of twice that',
  },
] as const satisfies ReadonlyArray<Omit<FlagSpec, 'group'>>;

type Flag = (typeof ACCOUNT_FLAGS)[number]['name'];

/** How `parseServeArgs` reads one flag (or its variable). */
export interface FlagReader {
  text(name: Flag): string | undefined;
  whole(name: Flag): number | undefined;
  /** The switch, or its variable set to 1, true or yes. */
  flag(name: Flag): boolean;
  /** The secret in the variable the flag names (`variable` by default); fails if it is unset. */
  secret(name: 'jwt-secret-env', variable: string): string | undefined;
}

/** The account part of `serve`'s options, from its flags and environment. */
export function accountOptionsFromFlags(read: FlagReader): AccountOptions {
  const options: AccountOptions = {};
  if (read.flag('dev-sign-in')) options.devSignIn = true;
  const issuer = read.text('oidc-issuer');
  const clientId = read.text('oidc-client-id');
  const jwt = jwtFromFlags(read, issuer !== undefined);
  if (jwt) options.jwt = jwt;
  if (issuer || clientId) {
    if (!issuer || !clientId) {
      throw new ServerError('ERR_INVALID_CONFIG', '--oidc-issuer and --oidc-client-id go together');
    }
    options.oidc = { issuer, clientId };
    const name = read.text('oidc-name');
    if (name) options.oidc.name = name;
    const scope = read.text('oidc-scope');
    if (scope) options.oidc.scope = scope;
  }
  const numbers = [
    ['heartbeatMs', 'heartbeat'],
    ['maxDevicesPerUser', 'max-devices-per-user'],
    ['maxAccountSockets', 'max-account-sockets'],
    ['maxFramesPerSecond', 'max-frames-per-second'],
  ] as const;
  for (const [key, flag] of numbers) {
    const value = read.whole(flag);
    if (value !== undefined) options[key] = value;
  }
  const keep = read.whole('device-keep');
  if (keep !== undefined) options.deviceKeepMs = keep * 1_000;
  return options;
}

/** `oidc`: a provider is named, whose keys serve when no key source is given. */
function jwtFromFlags(read: FlagReader, oidc: boolean): JwtOptions | undefined {
  const jwt: JwtOptions = {};
  const jwksUrl = read.text('jwt-jwks-url');
  if (jwksUrl) jwt.jwksUrl = jwksUrl;
  const keyFile = read.text('jwt-public-key-file');
  if (keyFile) jwt.publicKey = readPublicKey(keyFile);
  const secret = read.secret('jwt-secret-env', 'JWT_SECRET');
  if (secret) jwt.secret = secret;
  const issuer = commaList(read.text('jwt-issuer'));
  if (issuer) jwt.issuer = issuer;
  const audience = commaList(read.text('jwt-audience'));
  if (audience) jwt.audience = audience;
  const algorithms = commaList(read.text('jwt-algorithms'));
  if (algorithms) jwt.algorithms = algorithms;
  const userClaim = read.text('jwt-user-claim');
  if (userClaim) jwt.userClaim = userClaim;
  const tolerance = read.whole('jwt-clock-tolerance');
  if (tolerance !== undefined) jwt.clockToleranceSeconds = tolerance;
  const seconds = [
    ['keysMaxAgeMs', 'jwt-keys-max-age'],
    ['keysCooldownMs', 'jwt-keys-cooldown'],
    ['keysOutageGraceMs', 'jwt-keys-outage-grace'],
  ] as const;
  for (const [key, flag] of seconds) {
    const value = read.whole(flag);
    if (value !== undefined) jwt[key] = value * 1_000;
  }
  if (Object.keys(jwt).length === 0) return undefined;
  if (!jwt.jwksUrl && !jwt.publicKey && !jwt.secret && !oidc) {
    throw new ServerError(
      'ERR_INVALID_CONFIG',
      '--jwt-issuer, --jwt-audience, --jwt-algorithms, --jwt-user-claim and --jwt-keys-* need a key source (--jwt-jwks-url, --jwt-public-key-file or JWT_SECRET)',
    );
  }
  return jwt;
}

/** PEM text, or a JWK as JSON. */
function readPublicKey(file: string): string | JWK {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ServerError('ERR_INVALID_CONFIG', `--jwt-public-key-file: cannot read ${file}`, {
      cause: error,
    });
  }
  if (!text.trimStart().startsWith('{')) return text;
  try {
    return JSON.parse(text) as JWK;
  } catch (error) {
    throw new ServerError('ERR_INVALID_CONFIG', `--jwt-public-key-file: ${file} is not JSON`, {
      cause: error,
    });
  }
}

function commaList(text: string | undefined): string[] | undefined {
  const items = text
    ?.split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
  return items && items.length > 0 ? items : undefined;
}
