import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createServer,
  isServerError,
  parseServeArgs,
  type ServerOptions,
} from '@webrtc-connect/server';
import { describe, expect, it } from 'vitest';

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const publicPem = rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString();
const privatePem = rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const secret = 'a secret of at least thirty-two bytes';

function configError(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(isServerError(error) && error.code).toBe('ERR_INVALID_CONFIG');
    return (error as Error).message;
  }
  throw new Error('no ERR_INVALID_CONFIG');
}

describe('account configuration', () => {
  it('refuses key sources that would let the wrong tokens in', async () => {
    const refused: Array<[ServerOptions, RegExp]> = [
      [{ jwt: {} }, /exactly one key source/],
      [{ jwt: { secret, publicKey: publicPem } }, /exactly one key source/],
      [{ jwt: { secret: 'short' } }, /at least 32 bytes/],
      [{ jwt: { secret, algorithms: ['none'] } }, /none cannot be used/],
      [{ jwt: { secret, algorithms: ['RS256'] } }, /RS256 cannot be used/],
      [{ jwt: { publicKey: publicPem, algorithms: ['HS256'] } }, /HS256 cannot be used/],
      [{ jwt: { publicKey: privatePem } }, /must be a public key/],
      [{ jwt: { publicKey: 'not a key' } }, /not a readable public key/],
      [{ jwt: { jwksUrl: 'https://id.example/jwks', issuer: 'x' } }, /issuer and jwt.audience/],
      [{ jwt: { jwksUrl: 'http://id.example/jwks', issuer: 'x', audience: 'y' } }, /https/],
      [
        {
          jwt: { jwksUrl: 'https://id.example/jwks', issuer: 'x', audience: 'y', keysMaxAgeMs: 5 },
        },
        /keysMaxAgeMs/,
      ],
      [{ jwt: { secret, userClaim: '' } }, /userClaim/],
      [{ heartbeatMs: 5 }, /heartbeatMs/],
      [{ maxDevicesPerUser: 0 }, /maxDevicesPerUser/],
      [{ deviceKeepMs: -1 }, /deviceKeepMs/],
      [{ deviceKeepMs: 1.5 }, /deviceKeepMs/],
    ];
    for (const [options, message] of refused) {
      await expect(createServer({ logLevel: 'silent', ...options })).rejects.toMatchObject({
        code: 'ERR_INVALID_CONFIG',
        message: expect.stringMatching(message),
      });
    }
  });

  it('takes flags first, then environment variables', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'webrtc-connect-key-'));
    try {
      const keyFile = join(dir, 'key.pem');
      await writeFile(keyFile, publicPem);
      expect(
        parseServeArgs(
          [
            '--jwt-public-key-file',
            keyFile,
            '--jwt-issuer',
            'https://a.test, https://b.test',
            '--dev-sign-in',
            '--heartbeat',
            '500',
          ],
          {
            JWT_AUDIENCE: 'app',
            JWT_USER_CLAIM: 'email',
            JWT_KEYS_MAX_AGE: '300',
            JWT_KEYS_COOLDOWN: '2',
            MAX_DEVICES_PER_USER: '8',
            MAX_FRAMES_PER_SECOND: '50',
          },
        ),
      ).toEqual({
        devSignIn: true,
        jwt: {
          publicKey: publicPem,
          issuer: ['https://a.test', 'https://b.test'],
          audience: ['app'],
          userClaim: 'email',
          keysMaxAgeMs: 300_000,
          keysCooldownMs: 2_000,
        },
        heartbeatMs: 500,
        maxDevicesPerUser: 8,
        maxFramesPerSecond: 50,
      });
      const jwkFile = join(dir, 'key.json');
      await writeFile(jwkFile, JSON.stringify(rsa.publicKey.export({ format: 'jwk' })));
      const fromJwk = parseServeArgs(['--jwt-public-key-file', jwkFile], {});
      expect(fromJwk.jwt?.publicKey).toMatchObject({ kty: 'RSA' });
      await createServer({ logLevel: 'silent', ...fromJwk }).then((app) => app.close());
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reads --device-keep (or DEVICE_KEEP_SECONDS) in seconds', () => {
    expect(parseServeArgs(['--device-keep', '60'], {}).deviceKeepMs).toBe(60_000);
    expect(parseServeArgs([], { DEVICE_KEEP_SECONDS: '1' }).deviceKeepMs).toBe(1_000);
    expect(parseServeArgs([], {}).deviceKeepMs).toBeUndefined();
  });

  it('reads the shared secret from JWT_SECRET, or the variable --jwt-secret-env names', () => {
    expect(parseServeArgs([], { JWT_SECRET: secret }).jwt).toEqual({ secret });
    expect(
      parseServeArgs(['--jwt-secret-env', 'MY_SECRET'], { MY_SECRET: secret, JWT_SECRET: 'x' }).jwt,
    ).toEqual({ secret });
    expect(configError(() => parseServeArgs(['--jwt-secret-env', 'MISSING'], {}))).toMatch(
      /MISSING is not set/,
    );
    expect(configError(() => parseServeArgs(['--jwt-issuer', 'x'], {}))).toMatch(/key source/);
    expect(
      configError(() => parseServeArgs(['--jwt-public-key-file', '/no/such/key.pem'], {})),
    ).toMatch(/cannot read/);
    expect(parseServeArgs([], { WEBRTC_CONNECT_DEV_SIGN_IN: '1' }).devSignIn).toBe(true);
    expect(
      parseServeArgs(['--oidc-issuer', 'https://id.example', '--oidc-name', 'Example'], {
        OIDC_CLIENT_ID: 'web',
      }).oidc,
    ).toEqual({ issuer: 'https://id.example', clientId: 'web', name: 'Example' });
    expect(configError(() => parseServeArgs(['--oidc-issuer', 'https://id.example'], {}))).toMatch(
      /go together/,
    );
    expect(parseServeArgs([], {}).devSignIn).toBeUndefined();
  });
});
