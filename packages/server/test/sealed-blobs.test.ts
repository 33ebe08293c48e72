import { MemoryMailboxStore } from '@webrtc-connect/server';
import {
  createLinkSecret,
  encodeSignal,
  isSignalError,
  openSignal,
  sealSignal,
} from '@webrtc-connect/signal';
import { describe, expect, it } from 'vitest';
import { chromiumAnswerMdns } from '../../signal/test/fixtures.ts';
import { postOffer, postReply, RecordingStore, testServer, waitForReply } from './helpers.ts';

/**
 * A Chromium data-channel session (the signal package's fixture) with its own credentials and
 * role; the server must never see any of it.
 */
function session(type: 'offer' | 'answer', ufrag: string, pwd: string) {
  const sdp = chromiumAnswerMdns.sdp
    .replace(/a=ice-ufrag:.*/, `a=ice-ufrag:${ufrag}`)
    .replace(/a=ice-pwd:.*/, `a=ice-pwd:${pwd}`)
    .replace(/a=setup:.*/, `a=setup:${type === 'offer' ? 'actpass' : 'active'}`);
  return encodeSignal({ type, sdp });
}

const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');
const bytesOf = (base64url: string) => new Uint8Array(Buffer.from(base64url, 'base64url'));

/** Whether any `run` consecutive bytes of `needle` appear in `haystack`. */
function sharesRun(haystack: Uint8Array, needle: Uint8Array, run: number): boolean {
  const stored = Buffer.from(haystack);
  for (let start = 0; start + run <= needle.length; start += 1) {
    if (stored.includes(Buffer.from(needle.subarray(start, start + run)))) return true;
  }
  return false;
}

async function authenticationCode(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
  } catch (error) {
    if (isSignalError(error)) return error.code;
    throw error;
  }
  return 'opened';
}

describe('the server stores only what it cannot read', () => {
  it('keeps exactly the sealed bytes posted, with no run of the signals inside', async () => {
    const store = new RecordingStore();
    const app = await testServer({ store });
    const secret = createLinkSecret();
    const offerSignal = session('offer', 'Xy7Q', 't1n2G8vQm6PZr4kL0cS9bW3e');
    const answerSignal = session('answer', 'Qm3c', 'Vb8pXr2LhT0wZy6nKd4sJf1g');

    const sealedOffer = await sealSignal(offerSignal, secret, 'offer');
    const offer = await postOffer(app, text(sealedOffer));
    // B binds its answer to the offer's id, so it cannot be replayed against another offer.
    const context = new TextEncoder().encode(offer.id);
    const sealedAnswer = await sealSignal(answerSignal, secret, 'answer', { context });
    await postReply(app, { sealed: text(sealedAnswer), offerId: offer.id });

    expect(store.offers.map((stored) => stored.sealed)).toEqual([sealedOffer]);
    expect(store.replies.map((stored) => stored.sealed)).toEqual([sealedAnswer]);
    for (const [stored, plain] of [
      [store.offers[0]?.sealed, offerSignal],
      [store.replies[0]?.sealed, answerSignal],
    ] as const) {
      expect(stored).toBeDefined();
      expect(sharesRun(stored ?? new Uint8Array(), plain, 4)).toBe(false);
    }
    // The owner token is kept only as a hash.
    expect(JSON.stringify(store.offers)).not.toContain(offer.ownerToken);

    // And A opens what comes back.
    const own = (await waitForReply(app, offer)).json();
    const opened = await openSignal(bytesOf(own.sealed), secret, 'answer', { context });
    expect(opened).toEqual(answerSignal);
  });
});

describe('a reply forged or altered by the server is refused by A', () => {
  it('refuses the reply when the store flips a bit of it on the way out', async () => {
    /** A dishonest store: it hands back the reply with one bit of the tag changed. */
    class FlippingStore extends MemoryMailboxStore {
      override async takeReplyForOffer(offerId: string) {
        const result = await super.takeReplyForOffer(offerId);
        if (result.status === 'taken') {
          const sealed = result.reply.sealed.slice();
          sealed[sealed.length - 1] = (sealed[sealed.length - 1] ?? 0) ^ 0x01;
          return { status: result.status, reply: { ...result.reply, sealed } };
        }
        return result;
      }
    }
    const app = await testServer({ store: new FlippingStore() });
    const secret = createLinkSecret();
    const offer = await postOffer(app);
    const sealed = await sealSignal(
      session('answer', 'Qm3c', 'Vb8pXr2LhT0wZy6nKd4sJf1g'),
      secret,
      'answer',
    );
    await postReply(app, { sealed: text(sealed), offerId: offer.id });
    const own = (await waitForReply(app, offer)).json();
    expect(own.sealed).not.toBe(text(sealed));
    expect(await authenticationCode(() => openSignal(bytesOf(own.sealed), secret, 'answer'))).toBe(
      'ERR_AUTHENTICATION_FAILED',
    );
  });

  it('refuses every single-bit alteration of a sealed answer', async () => {
    const secret = createLinkSecret();
    const sealed = await sealSignal(
      session('answer', 'Qm3c', 'Vb8pXr2LhT0wZy6nKd4sJf1g'),
      secret,
      'answer',
    );
    // Past the form byte (whose alteration is ERR_UNKNOWN_VERSION): salt, ciphertext, tag.
    for (let index = 1; index < sealed.length; index += 1) {
      const altered = sealed.slice();
      altered[index] = (altered[index] ?? 0) ^ (1 << (index % 8));
      expect(await authenticationCode(() => openSignal(altered, secret, 'answer'))).toBe(
        'ERR_AUTHENTICATION_FAILED',
      );
    }
  });

  it('refuses an answer the server made up, a replayed offer, and an answer for another link', async () => {
    const secret = createLinkSecret();
    const signal = session('answer', 'Qm3c', 'Vb8pXr2LhT0wZy6nKd4sJf1g');
    const forgeries = [
      await sealSignal(signal, createLinkSecret(), 'answer'), // the server's own secret
      await sealSignal(signal, secret, 'offer'), // A's offer handed back as the answer
      crypto.getRandomValues(new Uint8Array(100)).fill(0x21, 0, 1), // noise in the right form
    ];
    for (const forged of forgeries) {
      expect(await authenticationCode(() => openSignal(forged, secret, 'answer'))).toBe(
        'ERR_AUTHENTICATION_FAILED',
      );
    }
  });

  it('refuses a genuine answer moved to another offer when bound to the offer id', async () => {
    const app = await testServer();
    const secret = createLinkSecret();
    const first = await postOffer(app);
    const second = await postOffer(app);
    const signal = session('answer', 'Qm3c', 'Vb8pXr2LhT0wZy6nKd4sJf1g');
    const context = new TextEncoder().encode(first.id);
    const sealed = await sealSignal(signal, secret, 'answer', { context });
    // The server files B's answer under the second offer instead.
    await postReply(app, { sealed: text(sealed), offerId: second.id });
    const moved = (await waitForReply(app, second)).json();
    const secondContext = new TextEncoder().encode(second.id);
    expect(
      await authenticationCode(() =>
        openSignal(bytesOf(moved.sealed), secret, 'answer', { context: secondContext }),
      ),
    ).toBe('ERR_AUTHENTICATION_FAILED');
  });
});
