import { createDemodulators, modulate } from '@webrtc-connect/modem';
import { createRandom, type PhoneCodec, phoneCall } from './channel/index.ts';
import { sameBytes } from './helpers.ts';

export const PHONE_PAYLOAD_BYTES = 100;
/** The sender's clock against the calling phone's: ±0.05%. */
export const PHONE_CLOCK_OFFSET = 5e-4;

/**
 * One narrowband transmission of a random 100-byte payload over a phone call: the sender loops
 * its frame at 48 kHz into the calling phone, whose clock is 0.05% fast or slow; babble around
 * it at `snrDb` in the telephone band; the codec's round trip; the far end joins the loop at a
 * random point and listens, at 8 kHz, to every profile its rate carries, until 0.25 s after the
 * first whole frame. Returns whether the payload came out, and how many other payloads did.
 */
export function phoneTrial(
  codec: PhoneCodec,
  snrDb: number | undefined,
  seed: number,
): { success: boolean; wrong: number } {
  const random = createRandom(seed);
  const payload = Uint8Array.from({ length: PHONE_PAYLOAD_BYTES }, () =>
    Math.floor(random.uniform() * 256),
  );
  const frame = modulate(payload, { sampleRate: 48000, profile: 'narrowband' });
  const airtime = frame.length / 48000;
  const start = random.between(0, airtime);
  const heard = phoneCall(frame, {
    txRate: 48000,
    clockOffset: random.uniform() < 0.5 ? -PHONE_CLOCK_OFFSET : PHONE_CLOCK_OFFSET,
    start,
    duration: 2 * airtime - start + 0.25,
    ...(snrDb === undefined ? {} : { snrDb }),
    codec,
    seed: random.seed(),
  });
  const listener = createDemodulators({ sampleRate: 8000 });
  const payloads: Uint8Array[] = [];
  for (let i = 0; i < heard.length; i += 1024)
    for (const frame of listener.push(heard.subarray(i, i + 1024))) payloads.push(frame.payload);
  return {
    success: payloads.some((p) => sameBytes(p, payload)),
    wrong: payloads.filter((p) => !sameBytes(p, payload)).length,
  };
}
