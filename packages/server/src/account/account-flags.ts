import { readFileSync } from 'node:fs';
import type { JWK } from 'jose';
import { ServerError } from '../errors.ts';
import type { AccountOptions, JwtOptions } from './account-options.ts';

/** `serve`'s account flags, each with the environment variable it falls back to. */
export const ACCOUNT_FLAGS = {
  'dev-sign-in': { type: 'boolean', env: 'WEBRTC_CONNECT_DEV_SIGN_IN' },
  'jwt-jwks-url': { type: 'string', env: 'JWT_JWKS_URL' },
  'jwt-public-key-file': { type: 'string', env: 'JWT_PUBLIC_KEY_FILE' },
  // No env fallback: the flag names the variable that holds the secret, JWT_SECRET by default.
  'jwt-secret-env': { type: 'string' },
  'jwt-issuer': { type: 'string', env: 'JWT_ISSUER' },
  'jwt-audience': { type: 'string', env: 'JWT_AUDIENCE' },
  'jwt-algorithms': { type: 'string', env: 'JWT_ALGORITHMS' },
  'jwt-user-claim': { type: 'string', env: 'JWT_USER_CLAIM' },
  'jwt-clock-tolerance': { type: 'string', env: 'JWT_CLOCK_TOLERANCE' },
  'jwt-keys-max-age': { type: 'string', env: 'JWT_KEYS_MAX_AGE' },
  'jwt-keys-cooldown': { type: 'string', env: 'JWT_KEYS_COOLDOWN' },
  'jwt-keys-outage-grace': { type: 'string', env: 'JWT_KEYS_OUTAGE_GRACE' },
  'oidc-issuer': { type: 'string', env: 'OIDC_ISSUER' },
  'oidc-client-id': { type: 'string', env: 'OIDC_CLIENT_ID' },
  'oidc-name': { type: 'string', env: 'OIDC_NAME' },
  'oidc-scope': { type: 'string', env: 'OIDC_SCOPE' },
  heartbeat: { type: 'string', env: 'HEARTBEAT_MS' },
  'max-devices-per-user': { type: 'string', env: 'MAX_DEVICES_PER_USER' },
  'max-account-sockets': { type: 'string', env: 'MAX_ACCOUNT_SOCKETS' },
  'max-frames-per-second': { type: 'string', env: 'MAX_FRAMES_PER_SECOND' },
} as const;

export const ACCOUNT_HELP = `
Account rooms (WebSocket at /api/account). Give one JWT key source, or --dev-sign-in:
  --jwt-jwks-url <url>  identity provider's JWKS (https)    [JWT_JWKS_URL]
  --jwt-public-key-file <file>  public key, PEM or JWK      [JWT_PUBLIC_KEY_FILE]
  --jwt-secret-env <name>  variable holding an HMAC secret  [JWT_SECRET]
                        of at least 32 bytes (never a flag: flags show in ps)
  --jwt-issuer <iss>    accepted iss, comma-separated       [JWT_ISSUER]
  --jwt-audience <aud>  accepted aud, comma-separated       [JWT_AUDIENCE]
  --jwt-algorithms <a>  accepted alg, comma-separated       [JWT_ALGORITHMS]
                        (default: RS256 for JWKS, the key's own, HS256 for a secret)
  --jwt-user-claim <c>  the claim naming the user           [JWT_USER_CLAIM] sub
  --jwt-clock-tolerance <s>  leeway for exp and nbf      [JWT_CLOCK_TOLERANCE] 30
  --jwt-keys-max-age <s>  JWKS kept this long, then fetched again [JWT_KEYS_MAX_AGE] 600
                        (an unknown key id fetches them at once)
  --jwt-keys-cooldown <s>  least time between two JWKS fetches  [JWT_KEYS_COOLDOWN] 5
  --jwt-keys-outage-grace <s>  keys kept past their age while the provider is
                        unreachable                   [JWT_KEYS_OUTAGE_GRACE] 86400
  --oidc-issuer <iss>   the web app's "Sign in with …" provider  [OIDC_ISSUER]
  --oidc-client-id <id> its public client id (PKCE)          [OIDC_CLIENT_ID]
                        without --jwt-*, tokens are checked against it (discovery)
  --oidc-name <name>    the provider's name on the button   [OIDC_NAME] its host
  --oidc-scope <s>      scopes asked for       [OIDC_SCOPE] openid offline_access
  --dev-sign-in         development sign-in: anyone can be anyone; never in production
                                                  [WEBRTC_CONNECT_DEV_SIGN_IN=1]
  --heartbeat <ms>      how often devices ping; silent after 3  [HEARTBEAT_MS] 750
  --max-devices-per-user <n>  devices in one user's room   [MAX_DEVICES_PER_USER] 32
  --max-account-sockets <n>   account sockets at once      [MAX_ACCOUNT_SOCKETS] 50000
  --max-frames-per-second <n> frames a second per socket   [MAX_FRAMES_PER_SECOND] 100
`;

type Flag = keyof typeof ACCOUNT_FLAGS;

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
