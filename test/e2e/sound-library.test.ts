// The sound way in Node: real WebRTC peers (@roamhq/wrtc), and the signals through the modem
// and the channel simulator (phone speaker and microphone, RT60 0.3 s, 44.1 kHz against
// 48 kHz with a 0.1% clock offset, noise at 0 dB in-band SNR).
import wrtc from '@roamhq/wrtc';
import { frameDuration } from '@webrtc-connect/modem';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Connection, PeerConnectionConstructor } from 'webrtc-connect';
import { acceptLink, createLink } from 'webrtc-connect/link';
import {
  answerBySound,
  listenForAnswer,
  type MuteSchedule,
  offerBySound,
  offerSilence,
  playAnswer,
} from 'webrtc-connect/sound';
import { assertPrivateNetns } from '../harness/netns.ts';
import { type SimulatedAir, simulatedAir } from '../harness/simulated-air.ts';

const RTCPeerConnection = wrtc.RTCPeerConnection as unknown as PeerConnectionConstructor;
const peer = { RTCPeerConnection, gatherTimeout: 2000, connectTimeout: 20_000 };

let air: SimulatedAir;

beforeAll(() => assertPrivateNetns());
afterEach(() => air?.close());

async function expectTalking(a: Promise<Connection>, b: Promise<Connection>) {
  const [left, right] = await Promise.all([a, b]);
  expect(left.shortAuthenticationString).toMatch(/^\d{3} \d{3}$/);
  expect(right.shortAuthenticationString).toBe(left.shortAuthenticationString);
  const received = new Promise((resolve) =>
    right.channel.addEventListener('message', (e) => resolve(e.data), { once: true }),
  );
  left.channel.send('over the air');
  expect(await received).toBe('over the air');
  left.close();
  right.close();
}

describe('the sound way in Node, through the simulated room', () => {
  it('A listens for the answer B plays; playback and listening stop once connected', async () => {
    air = simulatedAir({ snrDb: 0, seed: 7 });
    const aDevice = air.device({ sampleRate: 48000 });
    const bDevice = air.device({ sampleRate: 44100, clockOffset: 0.001 });

    const invitation = await createLink({ ...peer, appUrl: 'https://example.invalid/app' });
    const levels: number[] = [];
    const listener = listenForAnswer(invitation, {
      microphone: aDevice.microphone,
      onLevel: (level) => levels.push(level),
    });
    const acceptance = await acceptLink(invitation.link, { ...peer, mailbox: null });
    const playback = await playAnswer(acceptance, { speaker: bDevice.speaker });
    // A sealed compact answer: 17 bytes of salt, tag and form byte around the compact answer.
    expect(playback.payloadBytes).toBeGreaterThan(60);
    expect(playback.payloadBytes).toBeLessThan(140);

    await listener.heard;
    await expectTalking(invitation.connected, acceptance.connected);
    // One answer applied: A stopped listening at the first payload that opened.
    expect(air.listening).toBe(0);
    expect(air.loops).toHaveLength(1);
    expect(air.loops[0]?.stoppedAt).not.toBeNull();
    expect(Math.max(...levels)).toBeGreaterThan(-40);
  });

  it("A ignores another pair's answer heard first, and connects with B's", async () => {
    air = simulatedAir({ snrDb: 3, seed: 5 });
    const aDevice = air.device({ sampleRate: 48000 });
    const bDevice = air.device({ sampleRate: 48000, clockOffset: 0.001 });
    const neighbour = air.device({ sampleRate: 44100 });

    const invitation = await createLink({ ...peer, appUrl: 'https://example.invalid/app' });
    const acceptance = await acceptLink(invitation.link, { ...peer, mailbox: null });
    // Another pair in the room: an answer sealed under another link's secret.
    const other = await createLink({ ...peer, appUrl: 'https://example.invalid/app' });
    const otherAcceptance = await acceptLink(other.link, { ...peer, mailbox: null });
    const otherPlayback = await playAnswer(otherAcceptance, { speaker: neighbour.speaker });

    const heardPayloads: number[] = [];
    let bPlays: Promise<unknown> | null = null;
    const listener = listenForAnswer(invitation, {
      microphone: {
        listen: (handlers) =>
          aDevice.microphone.listen({
            ...handlers,
            onPayload: (payload, profile) => {
              heardPayloads.push(payload.length);
              // The neighbour's answer was heard: it stops, and B starts.
              if (!bPlays) {
                otherPlayback.stop();
                bPlays = playAnswer(acceptance, { speaker: bDevice.speaker });
              }
              handlers.onPayload(payload, profile);
            },
          }),
      },
    });
    await listener.heard;
    await expectTalking(invitation.connected, acceptance.connected);
    expect(heardPayloads.length).toBeGreaterThanOrEqual(2);
    other.close();
    otherAcceptance.close();
  });

  it('both legs by sound: A plays its offer, B hears it and plays its answer, they connect', async () => {
    // Each device hears its own speaker 20 dB louder than the other's: A hears B's answer only
    // in the silences of its own offer.
    air = simulatedAir({ snrDb: 0, seed: 11, gainDb: (from, to) => (from === to ? 20 : 0) });
    const aDevice = air.device({ sampleRate: 44100 });
    const bDevice = air.device({ sampleRate: 48000, clockOffset: -0.001 });

    const answerer = answerBySound({
      ...peer,
      speaker: bDevice.speaker,
      microphone: bDevice.microphone,
    });
    let mute: MuteSchedule | undefined;
    const offer = await offerBySound({
      ...peer,
      speaker: aDevice.speaker,
      microphone: {
        listen: (handlers) => {
          mute = handlers.mute;
          return aDevice.microphone.listen(handlers);
        },
      },
    });
    // Version, link secret, compact offer.
    expect(offer.payloadBytes).toBeGreaterThan(60);
    expect(offer.payloadBytes).toBeLessThan(160);
    const answering = await answerer.answering;
    expect(answering.payloadBytes).toBeLessThan(140);

    await offer.heard;
    await expectTalking(offer.connected, answerer.connected);
    const [offerLoop, answerLoop] = air.loops;
    expect(offerLoop?.device).toBe(0);
    // The offer loops with a silence to answer in.
    expect(offerLoop?.samples).toBeGreaterThan(offerSilence('fast') * 44100);
    expect(offerLoop?.stoppedAt).not.toBeNull();
    // A is deaf while its own offer and its echo last, and listens in the rest of each loop,
    // long enough for two answers.
    const loopStart = offerLoop?.startedAt ?? Number.NaN;
    const period = (offerLoop?.samples ?? 0) / 44100;
    expect(mute?.period).toBeCloseTo(period, 6);
    expect(mute?.start).toBeLessThanOrEqual(loopStart);
    const deafUntil = (mute?.start ?? 0) + (mute?.duration ?? 0);
    expect(deafUntil).toBeGreaterThanOrEqual(
      loopStart + frameDuration(offer.payloadBytes, 'fast') + 0.3,
    );
    expect((mute?.start ?? 0) + period - deafUntil).toBeGreaterThan(
      2 * frameDuration(answering.payloadBytes, 'fast'),
    );
    expect(answerLoop?.stoppedAt).not.toBeNull();
    expect(air.loops).toHaveLength(2);
    expect(air.listening).toBe(0);
  });

  it('A, listening with no setting, hears B play the robust profile in a noisy room (-4 dB)', async () => {
    air = simulatedAir({ snrDb: -4, seed: 5 });
    const aDevice = air.device({ sampleRate: 48000 });
    const bDevice = air.device({ sampleRate: 44100, clockOffset: 0.001 });

    const invitation = await createLink({ ...peer, appUrl: 'https://example.invalid/app' });
    const listener = listenForAnswer(invitation, { microphone: aDevice.microphone });
    const acceptance = await acceptLink(invitation.link, { ...peer, mailbox: null });
    const playback = await playAnswer(acceptance, { speaker: bDevice.speaker, profile: 'robust' });
    expect(playback.airtime).toBeCloseTo(frameDuration(playback.payloadBytes, 'robust'), 6);

    await listener.heard;
    await expectTalking(invitation.connected, acceptance.connected);
    expect(air.loops[0]?.samples).toBe(Math.round(playback.airtime * 44100));
  });

  it('both legs in the robust profile: B answers in the profile it heard the offer in', async () => {
    air = simulatedAir({ snrDb: -2, seed: 13, gainDb: (from, to) => (from === to ? 20 : 0) });
    const aDevice = air.device({ sampleRate: 48000 });
    const bDevice = air.device({ sampleRate: 44100, clockOffset: 0.001 });

    const answerer = answerBySound({
      ...peer,
      speaker: bDevice.speaker,
      microphone: bDevice.microphone,
    });
    const offer = await offerBySound({
      ...peer,
      profile: 'robust',
      speaker: aDevice.speaker,
      microphone: aDevice.microphone,
    });
    expect(offer.airtime).toBeCloseTo(frameDuration(offer.payloadBytes, 'robust'), 6);
    const answering = await answerer.answering;
    expect(answering.airtime).toBeCloseTo(frameDuration(answering.payloadBytes, 'robust'), 6);

    await offer.heard;
    await expectTalking(offer.connected, answerer.connected);
    const [offerLoop] = air.loops;
    expect(offerLoop?.samples).toBeGreaterThan(offerSilence('robust') * 48000);
  });
});
