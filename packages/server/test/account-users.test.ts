import { spellUser } from '@webrtc-connect/server';
import fc from 'fast-check';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import {
  AUDIENCE,
  accountServer,
  ISSUER,
  SECRET,
  type TestDevice,
  tokenFor,
} from './account-helpers.ts';

const AUTH0 = 'auth0|64f1c2a9e1b0c3d4e5f60718';
const GOOGLE_VIA_AUTH0 = 'google-oauth2|109876543210987654321';
const EMAIL = 'alice.smith+work@example.com';
const LONG = `user:${'0123456789'.repeat(10)}`;

describe('the user of a token', () => {
  it('may be any subject a provider issues, each in a room of its own', async () => {
    const server = await accountServer();
    const subjects = [AUTH0, GOOGLE_VIA_AUTH0, EMAIL, LONG, 'Émile Zoë', 'alice'];
    const first: TestDevice[] = [];
    for (const subject of subjects) first.push(await server.join(await tokenFor(subject)));
    const welcomes = first.map((device) => device.welcome);
    expect(welcomes.map((welcome) => welcome?.user)).toEqual(subjects.map(spellUser));
    expect(welcomes[0]).toMatchObject({ id: 'auth0%7C64f1c2a9e1b0c3d4e5f60718-client-1' });
    expect(welcomes[2]).toMatchObject({ id: 'alice.smith%2Bwork%40example.com-client-1' });
    expect(welcomes[3]?.user).toMatch(/^~[A-Za-z0-9_-]{32}$/);
    // Each alone in its room: no subject shares one with another.
    for (const welcome of welcomes) expect(welcome?.members).toHaveLength(1);

    // A second device of each lands in the same room, beside the first.
    for (const [index, subject] of subjects.entries()) {
      const second = await server.join(await tokenFor(subject));
      const user = spellUser(subject);
      expect(second.welcome).toMatchObject({ id: `${user}-client-2`, user });
      expect(second.welcome?.members.map((member) => member.id)).toEqual([
        `${user}-client-1`,
        `${user}-client-2`,
      ]);
      // And reaches the first through the broadcaster alias.
      second.send({ type: 'signal', to: `${user}-broadcaster`, data: { n: index } });
      expect((await first[index]?.next('signal'))?.data).toEqual({ n: index });
    }
  });

  it('spelled like an escaped form is still another user than the one it looks like', async () => {
    const server = await accountServer();
    const real = await server.join(await tokenFor(AUTH0));
    const lookalike = await server.join(await tokenFor(spellUser(AUTH0)));
    expect(lookalike.welcome?.user).not.toBe(real.welcome?.user);
    expect(lookalike.welcome?.members).toHaveLength(1);
    lookalike.send({ type: 'signal', to: `${real.welcome?.user}-broadcaster`, data: 'hi' });
    await lookalike.error('ERR_UNKNOWN_DEVICE');
  });

  it('comes from the claim configured, refused when the token lacks it', async () => {
    const server = await accountServer({
      jwt: { secret: SECRET, issuer: ISSUER, audience: AUDIENCE, userClaim: 'email' },
    });
    const now = Math.floor(Date.now() / 1000);
    const token = (claims: Record<string, unknown>) =>
      new SignJWT({ iss: ISSUER, aud: AUDIENCE, exp: now + 600, ...claims })
        .setProtectedHeader({ alg: 'HS256' })
        .sign(new TextEncoder().encode(SECRET));
    const device = await server.join(await token({ sub: AUTH0, email: EMAIL }));
    expect(device.welcome?.user).toBe(spellUser(EMAIL));
    const refused = await server.open();
    refused.send({ type: 'hello', version: 1, token: await token({ sub: AUTH0 }) });
    await refused.error('ERR_TOKEN_SUBJECT');
  });
});

describe('the spelling of a user', () => {
  it('is the value itself when safe, else escaped or hashed, matching the protocol pattern', () => {
    expect(spellUser('alice')).toBe('alice');
    expect(spellUser('a'.repeat(64))).toBe('a'.repeat(64));
    expect(spellUser(AUTH0)).toBe('auth0%7C64f1c2a9e1b0c3d4e5f60718');
    expect(spellUser('%')).toBe('%25');
    expect(spellUser('~')).toBe('%7E');
    expect(spellUser('a'.repeat(65))).toMatch(/^~[A-Za-z0-9_-]{32}$/);
    expect(spellUser(LONG)).toBe(spellUser(LONG));
  });

  it('never gives two values the same spelling', () => {
    // Values from the characters that matter: safe ones, the escape and hash marks, others.
    const value = fc.string({
      unit: fc.constantFrom('a', 'Z', '0', '.', '-', '_', '%', '~', '|', '@', ' ', 'é', '7', 'C'),
      minLength: 1,
      maxLength: 80,
    });
    fc.assert(
      fc.property(fc.uniqueArray(value, { minLength: 2, maxLength: 50 }), (values) => {
        const spelled = values.map(spellUser);
        for (const spelling of spelled) expect(spelling).toMatch(/^[A-Za-z0-9_.%~-]{1,64}$/);
        expect(new Set(spelled).size).toBe(values.length);
      }),
      { numRuns: 500 },
    );
  });
});
