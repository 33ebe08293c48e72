// Real peers connect when all they exchange is what a carry function lets through: first the
// descriptions unchanged (the harness itself works), then only what the signal codec keeps.
import { decodeSignal, encodeSignal } from '@webrtc-connect/signal';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { candidatesOf } from '../harness/candidates.ts';
import { MAPPED_ADDRESS } from '../harness/capture.ts';
import { type ChromiumHandle, launchChromium } from '../harness/chromium.ts';
import { retryOnNdcRace } from '../harness/ndc-race.ts';
import { assertPrivateNetns } from '../harness/netns.ts';
import { type Carry, carryUnchanged, connectPeers, type Peer } from '../harness/peer.ts';
import { createPeerPool, type PeerKind, type PeerPool } from '../harness/peer-pool.ts';
import { type StunResponder, startStunResponder } from '../harness/stun-responder.ts';

/** [offerer, answerer]: direction matters, the offerer opens the channel and is DTLS actpass. */
const PAIRS: Array<[PeerKind, PeerKind]> = [
  ['chromium', 'chromium'],
  ['chromium', 'node-datachannel'],
  ['node-datachannel', 'chromium'],
  ['node-datachannel', 'node-datachannel'],
  ['node-datachannel', 'wrtc'],
  ['wrtc', 'node-datachannel'],
  ['chromium', 'wrtc'],
  ['wrtc', 'chromium'],
];

const throughCodec: Carry = (description) => decodeSignal(encodeSignal(description));

/** The answer leaves its candidates out; the offerer learns its address from incoming checks. */
const answerWithoutCandidates: Carry = (description) =>
  decodeSignal(encodeSignal(description, { dropCandidates: description.type === 'answer' }));

let browser: ChromiumHandle | undefined;
let stun: StunResponder | undefined;
let pool: PeerPool;

beforeAll(async () => {
  assertPrivateNetns();
  browser = await launchChromium();
  stun = await startStunResponder({ mappedAddress: MAPPED_ADDRESS });
  pool = createPeerPool(browser);
});

afterEach(async () => {
  await pool.closeAll();
});

afterAll(async () => {
  await browser?.close();
  await stun?.close();
});

/** Two new peers of those kinds, connected through `carry` (see ndc-race.ts for the retry). */
function connectNew(offererKind: PeerKind, answererKind: PeerKind, carry: Carry) {
  return retryOnNdcRace(`${offererKind} -> ${answererKind}`, async () => {
    const offerer: Peer = await pool.open(offererKind);
    const answerer: Peer = await pool.open(answererKind);
    return { offerer, ...(await connectPeers(offerer, answerer, carry)) };
  });
}

describe.each([
  ['unchanged', carryUnchanged],
  ['through the signal codec', throughCodec],
])('with descriptions carried %s', (_name, carry) => {
  it.each(PAIRS)(
    '%s offers, %s answers: the data channel opens and echoes both ways',
    async (offererKind, answererKind) => {
      await connectNew(offererKind, answererKind, carry);
    },
  );
});

describe('with an answer stripped of its candidates by the codec', () => {
  // Only pairs where the answerer can reach the offerer's candidates: node-datachannel and wrtc
  // cannot resolve Chromium's mDNS names, so they never start checks towards it.
  it.each([
    ['chromium', 'chromium'],
    ['node-datachannel', 'chromium'],
    ['node-datachannel', 'node-datachannel'],
    ['node-datachannel', 'wrtc'],
  ] satisfies Array<[PeerKind, PeerKind]>)(
    '%s offers, %s answers: the offerer reaches the answerer as a peer-reflexive candidate',
    async (offererKind, answererKind) => {
      const { offerer, answer } = await connectNew(
        offererKind,
        answererKind,
        answerWithoutCandidates,
      );
      expect(candidatesOf(answer.sdp)).toEqual([]);
      expect((await offerer.selectedPair())?.remote.type).toBe('prflx');
    },
  );
});

describe('Chromium candidates other than one mDNS host, through the signal codec', () => {
  it('raw addresses with TCP candidates (pages with microphone permission) connect', async () => {
    const offerer = await pool.open('chromium', { mediaPermission: true });
    const answerer = await pool.open('chromium', { mediaPermission: true });
    const { offer } = await connectPeers(offerer, answerer, throughCodec);
    expect(candidatesOf(offer.sdp).some((c) => c.protocol === 'tcp')).toBe(true);
  });

  it('an mDNS host next to an unreachable srflx candidate connects', async () => {
    const config = { iceServers: [{ urls: stun?.url ?? '' }] };
    const offerer = await pool.open('chromium', { config });
    const answerer = await pool.open('chromium', { config });
    const { offer } = await connectPeers(offerer, answerer, throughCodec);
    expect(candidatesOf(offer.sdp).map((c) => c.type)).toContain('srflx');
  });
});
