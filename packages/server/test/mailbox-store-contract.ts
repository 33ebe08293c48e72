import type { MailboxStore, StoredOffer } from '@webrtc-connect/server';
import { describe, expect, it } from 'vitest';
import { eventually } from '../../../test/support/eventually.ts';

export interface ContractStoreOptions {
  maxOffers?: number;
  maxReplies?: number;
}

const bytes = (...values: number[]) => new Uint8Array(values);
let serial = 0;
/** A fresh id (16 characters) and code, so stores on one Redis never share them. */
const nextSerial = () => {
  serial += 1;
  return String(serial);
};
const nextId = () => `offer${nextSerial().padStart(11, '0')}`;
const nextCode = () => `C${nextSerial().padStart(5, '0')}`;

function offer(sealed: Uint8Array | null, ttlMs = 60_000): StoredOffer {
  return { id: nextId(), sealed, ownerTokenHash: 'owner-hash', expiresAt: Date.now() + ttlMs };
}

/** Resolves at the first call of the listener `on` is given (5 s at most). */
function nextEvent(on: (listener: () => void) => () => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no event in 5 s')), 5_000);
    const off = on(() => {
      clearTimeout(timer);
      off();
      resolve();
    });
  });
}

/**
 * What every MailboxStore must do, whatever keeps the blobs: run against each implementation
 * (`makeStore` gives a fresh, empty store with the given limits, on the real clock).
 */
export function mailboxStoreContract(
  name: string,
  makeStore: (options?: ContractStoreOptions) => Promise<MailboxStore>,
) {
  describe(`${name} mailbox store`, () => {
    it('stores an offer once under its id, and tells a live offer from an unknown one', async () => {
      const store = await makeStore();
      try {
        const stored = offer(bytes(1, 2, 3));
        expect(await store.putOffer(stored)).toBe('stored');
        expect(await store.putOffer({ ...stored, sealed: bytes(9) })).toBe('id-taken');
        expect(await store.getOffer(stored.id)).toEqual({ status: 'live', offer: stored });
        expect(await store.getOffer(nextId())).toEqual({ status: 'missing' });
        expect(await store.counts()).toEqual({ offers: 1, replies: 0 });
      } finally {
        await store.close();
      }
    });

    it('fills a reserved offer once, waking its waiters, and refuses replies until then', async () => {
      const store = await makeStore();
      try {
        const reserved = offer(null);
        expect(await store.putOffer(reserved)).toBe('stored');
        expect(await store.getOffer(reserved.id)).toEqual({ status: 'live', offer: reserved });
        const code = nextCode();
        expect(
          await store.putReply({
            code,
            sealed: bytes(7),
            offerId: reserved.id,
            expiresAt: Date.now() + 60_000,
          }),
        ).toBe('offer-not-set');
        const woken = nextEvent((listener) => store.onOffer(reserved.id, listener));
        expect(await store.setOfferSealed(reserved.id, bytes(4, 5))).toBe('stored');
        await woken;
        expect(await store.setOfferSealed(reserved.id, bytes(6))).toBe('already-set');
        expect(await store.setOfferSealed(nextId(), bytes(6))).toBe('missing');
        const found = await store.getOffer(reserved.id);
        expect(found.status === 'live' && found.offer.sealed).toEqual(bytes(4, 5));
      } finally {
        await store.close();
      }
    });

    it('takes one reply per offer, claims its code, wakes the owner, and hands it out once', async () => {
      const store = await makeStore();
      try {
        const stored = offer(bytes(1));
        await store.putOffer(stored);
        const code = nextCode();
        const reply = {
          code,
          sealed: bytes(8, 9),
          offerId: stored.id,
          expiresAt: Date.now() + 90_000,
        };
        expect(await store.takeReplyForOffer(stored.id)).toEqual({ status: 'pending' });
        const woken = nextEvent((listener) => store.onReply(stored.id, listener));
        expect(await store.putReply(reply)).toBe('stored');
        await woken;
        expect(await store.putReply({ ...reply, code: nextCode() })).toBe('offer-answered');
        const other = offer(bytes(2));
        await store.putOffer(other);
        expect(await store.putReply({ ...reply, offerId: other.id })).toBe('code-taken');
        // The offer lives as long as its reply, so its owner can still collect it.
        const extended = await store.getOffer(stored.id);
        expect(extended.status === 'live' && extended.offer.expiresAt).toBe(reply.expiresAt);
        expect(await store.takeReplyForOffer(stored.id)).toEqual({ status: 'taken', reply });
        expect(await store.takeReplyForOffer(stored.id)).toEqual({ status: 'already-read' });
        expect(await store.takeReply(code)).toEqual({ status: 'already-read' });
        // A read code stays taken.
        expect(
          await store.putReply({ code, sealed: bytes(1), expiresAt: Date.now() + 1_000 }),
        ).toBe('code-taken');
      } finally {
        await store.close();
      }
    });

    it('withdraws a live offer at once: both waits woken, the id told apart and never reused', async () => {
      const store = await makeStore();
      try {
        const reserved = offer(null);
        await store.putOffer(reserved);
        const blobWait = nextEvent((listener) => store.onOffer(reserved.id, listener));
        const replyWait = nextEvent((listener) => store.onReply(reserved.id, listener));
        expect(await store.withdrawOffer(reserved.id)).toBe('withdrawn');
        await Promise.all([blobWait, replyWait]);
        expect(await store.getOffer(reserved.id)).toEqual({ status: 'withdrawn' });
        expect(await store.setOfferSealed(reserved.id, bytes(1))).toBe('withdrawn');
        expect(await store.takeReplyForOffer(reserved.id)).toEqual({ status: 'withdrawn' });
        expect(await store.putOffer({ ...reserved, sealed: bytes(2) })).toBe('id-taken');
        expect(await store.counts()).toEqual({ offers: 0, replies: 0 });

        const uploaded = offer(bytes(3));
        await store.putOffer(uploaded);
        expect(await store.withdrawOffer(uploaded.id)).toBe('withdrawn');
        expect(
          await store.putReply({
            code: nextCode(),
            sealed: bytes(4),
            offerId: uploaded.id,
            expiresAt: Date.now() + 60_000,
          }),
        ).toBe('offer-withdrawn');
        expect(await store.withdrawOffer(nextId())).toBe('missing');
      } finally {
        await store.close();
      }
    });

    it('hands a reply out by its code once, and refuses replies to unknown offers', async () => {
      const store = await makeStore();
      try {
        const code = nextCode();
        const reply = { code, sealed: bytes(3), expiresAt: Date.now() + 60_000 };
        expect(await store.putReply(reply)).toBe('stored');
        expect(await store.counts()).toEqual({ offers: 0, replies: 1 });
        expect(await store.takeReply(code)).toEqual({ status: 'taken', reply });
        expect(await store.takeReply(code)).toEqual({ status: 'already-read' });
        expect(await store.takeReply(nextCode())).toEqual({ status: 'missing' });
        expect(await store.counts()).toEqual({ offers: 0, replies: 0 });
        expect(await store.putReply({ ...reply, code: nextCode(), offerId: nextId() })).toBe(
          'offer-missing',
        );
      } finally {
        await store.close();
      }
    });

    it('tells expired offers and replies from unknown ones', async () => {
      const store = await makeStore();
      try {
        const shortLived = offer(bytes(1), 150);
        await store.putOffer(shortLived);
        const code = nextCode();
        await store.putReply({ code, sealed: bytes(2), expiresAt: Date.now() + 150 });
        await eventually(async () => (await store.getOffer(shortLived.id)).status === 'expired', {
          timeoutMs: 5_000,
        });
        await eventually(async () => (await store.takeReply(code)).status === 'expired', {
          timeoutMs: 5_000,
        });
        expect(await store.takeReplyForOffer(shortLived.id)).toEqual({ status: 'expired' });
        expect(
          await store.putReply({
            code: nextCode(),
            sealed: bytes(1),
            offerId: shortLived.id,
            expiresAt: Date.now() + 60_000,
          }),
        ).toBe('offer-expired');
        expect(await store.withdrawOffer(shortLived.id)).toBe('expired');
        expect(await store.putOffer({ ...shortLived, expiresAt: Date.now() + 60_000 })).toBe(
          'id-taken',
        );
        expect(await store.counts()).toEqual({ offers: 0, replies: 0 });
      } finally {
        await store.close();
      }
      // Two waits of up to 5 s each for expiry: more than the default test time on a busy
      // machine (seen once on two cores with every test file running).
    }, 15_000);

    it('holds no more live offers and replies than its limits', async () => {
      const store = await makeStore({ maxOffers: 2, maxReplies: 1 });
      try {
        expect(await store.putOffer(offer(bytes(1)))).toBe('stored');
        expect(await store.putOffer(offer(bytes(1)))).toBe('stored');
        expect(await store.putOffer(offer(bytes(1)))).toBe('full');
        const reply = { code: nextCode(), sealed: bytes(1), expiresAt: Date.now() + 60_000 };
        expect(await store.putReply(reply)).toBe('stored');
        expect(await store.putReply({ ...reply, code: nextCode() })).toBe('full');
        await store.takeReply(reply.code);
        expect(await store.putReply({ ...reply, code: nextCode() })).toBe('stored');
      } finally {
        await store.close();
      }
    });
  });
}
