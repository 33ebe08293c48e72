import {
  normaliseReplyCode,
  REPLY_CODE_ALPHABET,
  REPLY_CODE_PATTERN,
} from '@webrtc-connect/protocol';
import { describe, expect, it } from 'vitest';
import {
  blob,
  failure,
  fakeClock,
  postOffer,
  postReply,
  testServer,
  waitForReply,
} from './helpers.ts';

const MINUTE = 60_000;
const readCode = (app: Awaited<ReturnType<typeof testServer>>, code: string) =>
  app.inject({ method: 'GET', url: `/api/replies/${code}` });

describe('reply codes', () => {
  it('are 5 or 6 characters of Crockford base32, distinct among live replies', async () => {
    const app = await testServer();
    const codes = new Set<string>();
    for (let i = 0; i < 300; i += 1) codes.add((await postReply(app)).code);
    expect(codes.size).toBe(300);
    for (const code of codes) expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{5,6}$/);
  });

  it('are read case-insensitively, with I and L read as 1 and O as 0', async () => {
    const app = await testServer();
    // Draw until a code has a 0 or a 1, so the confusable letters are exercised.
    let code = '';
    for (let draw = 0; draw < 100 && !/[01]/.test(code); draw += 1) {
      code = (await postReply(app, { sealed: blob('typed by hand') })).code;
    }
    expect(code).toMatch(/[01]/);
    const typed = code.toLowerCase().replaceAll('1', 'l').replaceAll('0', 'O');
    const response = await readCode(app, typed);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ sealed: blob('typed by hand') });
  });

  it('normalise as a person types them', () => {
    expect(normaliseReplyCode(' ab-c1o ')).toBe('ABC10');
    expect(normaliseReplyCode('iLo9z')).toBe('1109Z');
    expect(normaliseReplyCode('4b7 q2x')).toBe('4B7Q2X');
    expect(normaliseReplyCode('ABCU1')).toBeUndefined();
    expect(normaliseReplyCode('ABCD')).toBeUndefined();
    expect(normaliseReplyCode('ABCDEFG')).toBeUndefined();
    expect(normaliseReplyCode('ıbcde')).toBeUndefined();
    expect(
      [...REPLY_CODE_ALPHABET].every((char) => new RegExp(REPLY_CODE_PATTERN).test(char.repeat(5))),
    ).toBe(true);
  });
});

describe('a reply is read once', () => {
  it('by its code: a second read is ERR_REPLY_ALREADY_READ, and so is the owner’s', async () => {
    const app = await testServer();
    const offer = await postOffer(app);
    const { code } = await postReply(app, { sealed: blob('once'), offerId: offer.id });
    const first = await readCode(app, code);
    expect(first.json()).toEqual({ sealed: blob('once'), offerId: offer.id });
    expect(failure(await readCode(app, code))).toEqual([410, 'ERR_REPLY_ALREADY_READ']);
    expect(failure(await waitForReply(app, offer))).toEqual([410, 'ERR_REPLY_ALREADY_READ']);
  });

  it('by the owner: the code then is ERR_REPLY_ALREADY_READ', async () => {
    const app = await testServer();
    const offer = await postOffer(app);
    const { code } = await postReply(app, { offerId: offer.id });
    expect((await waitForReply(app, offer)).statusCode).toBe(200);
    expect(failure(await readCode(app, code))).toEqual([410, 'ERR_REPLY_ALREADY_READ']);
  });

  it('stands alone without an offer, reachable by its code', async () => {
    const app = await testServer();
    const { code } = await postReply(app, { sealed: blob('self-contained link answer') });
    expect((await readCode(app, code)).json()).toEqual({
      sealed: blob('self-contained link answer'),
    });
  });
});

describe('one reply per offer', () => {
  it('refuses a second reply with ERR_OFFER_ALREADY_ANSWERED and keeps the first', async () => {
    const app = await testServer();
    const offer = await postOffer(app);
    await postReply(app, { sealed: blob('first'), offerId: offer.id });
    const second = await app.inject({
      method: 'POST',
      url: '/api/replies',
      payload: { sealed: blob('second'), offerId: offer.id },
    });
    expect(failure(second)).toEqual([409, 'ERR_OFFER_ALREADY_ANSWERED']);
    expect((await waitForReply(app, offer)).json()).toMatchObject({ sealed: blob('first') });
  });

  it('refuses replies to unknown offers', async () => {
    const app = await testServer();
    const response = await app.inject({
      method: 'POST',
      url: '/api/replies',
      payload: { sealed: blob(), offerId: 'AAAAAAAAAAAAAAAA' },
    });
    expect(failure(response)).toEqual([404, 'ERR_NOT_FOUND']);
  });
});

describe('expiry', () => {
  it('tells an expired code (ERR_EXPIRED) from an unknown one (ERR_NOT_FOUND)', async () => {
    const clock = fakeClock();
    const app = await testServer({ clock: clock.now, offerTtlMs: 10 * MINUTE });
    const { code, expiresAt } = await postReply(app);
    expect(Date.parse(expiresAt)).toBe(clock.now() + 10 * MINUTE);
    clock.advance(10 * MINUTE);
    expect(failure(await readCode(app, code))).toEqual([410, 'ERR_EXPIRED']);
    expect(failure(await readCode(app, code === 'ZZZZZ' ? 'YYYYY' : 'ZZZZZ'))).toEqual([
      404,
      'ERR_NOT_FOUND',
    ]);
  });

  it('expires offers: B cannot fetch or answer them, A cannot wait on them', async () => {
    const clock = fakeClock();
    const app = await testServer({ clock: clock.now, offerTtlMs: MINUTE });
    const offer = await postOffer(app);
    clock.advance(MINUTE + 1);
    expect(failure(await app.inject(`/api/offers/${offer.id}`))).toEqual([410, 'ERR_EXPIRED']);
    const reply = await app.inject({
      method: 'POST',
      url: '/api/replies',
      payload: { sealed: blob(), offerId: offer.id },
    });
    expect(failure(reply)).toEqual([410, 'ERR_EXPIRED']);
    expect(failure(await waitForReply(app, offer))).toEqual([410, 'ERR_EXPIRED']);
  });

  it('keeps an answered offer until its reply expires, so its owner can still collect it', async () => {
    const clock = fakeClock();
    const app = await testServer({ clock: clock.now, offerTtlMs: 10 * MINUTE });
    const offer = await postOffer(app);
    clock.advance(9 * MINUTE);
    const { code } = await postReply(app, { offerId: offer.id });
    clock.advance(5 * MINUTE);
    expect((await waitForReply(app, offer)).json()).toMatchObject({ code });
  });

  it('forgets used and expired codes once their tombstones age out', async () => {
    const clock = fakeClock();
    const app = await testServer({
      clock: clock.now,
      offerTtlMs: MINUTE,
      tombstoneTtlMs: 5 * MINUTE,
    });
    const used = (await postReply(app)).code;
    const expired = (await postReply(app)).code;
    await readCode(app, used);
    clock.advance(MINUTE);
    expect(failure(await readCode(app, expired))).toEqual([410, 'ERR_EXPIRED']);
    clock.advance(4 * MINUTE);
    expect(failure(await readCode(app, used))).toEqual([410, 'ERR_REPLY_ALREADY_READ']);
    clock.advance(2 * MINUTE);
    expect(failure(await readCode(app, used))).toEqual([404, 'ERR_NOT_FOUND']);
    expect(failure(await readCode(app, expired))).toEqual([404, 'ERR_NOT_FOUND']);
  });
});
