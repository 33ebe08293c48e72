import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { acceptLink, createLink } from 'webrtc-connect/link';
import { answerBySound, listenForAnswer, offerBySound, playAnswer } from 'webrtc-connect/sound';
import { codeOf } from '../../../test/support/error-code.ts';
import { createFakeAir } from './fakes/fake-air.ts';
import { settle, settleWhen, useFakeClock } from './fakes/fake-clock.ts';
import { createFakeNetwork, type FakeNetworkOptions, fails } from './fakes/fake-peer-connection.ts';

beforeEach(() => useFakeClock());
afterEach(() => vi.useRealTimers());

/** A offers by sound and B answers by sound, in one quiet fake room. */
async function soundCall(network: FakeNetworkOptions = {}) {
  const air = createFakeAir();
  const { RTCPeerConnection } = createFakeNetwork(network);
  const a = air.device();
  const b = air.device();
  const offer = await settle(
    offerBySound({ RTCPeerConnection, speaker: a.speaker, microphone: a.microphone }),
  );
  const answerer = answerBySound({
    RTCPeerConnection,
    speaker: b.speaker,
    microphone: b.microphone,
  });
  return { air, offer, answerer };
}

// Demodulating each loop once is real work (about 0.2 s a frame): room for a loaded machine.
describe('sound way flows, with fake peers and a quiet fake room', { timeout: 20_000 }, () => {
  it('connects with both legs by sound, and every loop and microphone stops after', async () => {
    const { air, offer, answerer } = await soundCall();
    const [fromA, fromB] = await settle(Promise.all([offer.connected, answerer.connected]));
    expect(fromA.shortAuthenticationString).toBe(fromB.shortAuthenticationString);
    await settle(offer.heard);
    await settleWhen(() => air.playing === 0 && air.listening === 0);
    expect(air.played.map((p) => p.device)).toEqual([0, 1]);
  });

  it('answers a link by sound: A applies the first payload that opens under its secret', async () => {
    const air = createFakeAir();
    const { RTCPeerConnection } = createFakeNetwork();
    const a = air.device();
    const b = air.device();
    const stranger = air.device();
    const invitation = await settle(createLink({ RTCPeerConnection, appUrl: 'https://app.test/' }));
    // Another pair nearby plays its own answer: A ignores it.
    const otherInvitation = await settle(
      createLink({ RTCPeerConnection, appUrl: 'https://app.test/' }),
    );
    const other = await settle(
      acceptLink(otherInvitation.link, { RTCPeerConnection, mailbox: null }),
    );
    await settle(playAnswer(other, { speaker: stranger.speaker }));
    const listener = listenForAnswer(invitation, { microphone: a.microphone });
    const acceptance = await settle(
      acceptLink(invitation.link, { RTCPeerConnection, mailbox: null }),
    );
    const playback = await settle(playAnswer(acceptance, { speaker: b.speaker }));
    expect(playback.payloadBytes).toBeLessThan(140);
    await settle(listener.heard);
    await settle(Promise.all([invitation.connected, acceptance.connected]));
    otherInvitation.close();
    other.close();
  });

  it('fails the offer with ERR_SOUND_TIMEOUT when nothing answers, and stops playing', async () => {
    const air = createFakeAir();
    const { RTCPeerConnection } = createFakeNetwork();
    const a = air.device();
    const offer = await settle(
      offerBySound({
        RTCPeerConnection,
        speaker: a.speaker,
        microphone: a.microphone,
        listenTimeout: 10_000,
      }),
    );
    expect(await codeOf(settle(offer.connected))).toBe('ERR_SOUND_TIMEOUT');
    await settleWhen(() => air.playing === 0);
  });

  it('stops both loops when the peers fail to connect, with ERR_CONNECTION_FAILED', async () => {
    const { air, offer, answerer } = await soundCall({ plan: () => fails() });
    expect(await codeOf(settle(offer.connected))).toBe('ERR_CONNECTION_FAILED');
    expect(await codeOf(settle(answerer.connected))).toBe('ERR_CONNECTION_FAILED');
    await settleWhen(() => air.playing === 0);
  });
});
