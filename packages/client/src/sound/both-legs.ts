import { frameDuration, type ProfileName } from '@webrtc-connect/modem';
import { toLinkText } from '@webrtc-connect/signal';
import type { Connection } from '../core/connection.ts';
import type { PeerOptions } from '../core/peer-options.ts';
import { ConnectError } from '../errors.ts';
import { type Acceptance, acceptLink } from '../link/accept-link.ts';
import { createLink, type Invitation } from '../link/create-link.ts';
import { linkTokenBytes, readLinkToken, readLinkTokenBytes } from '../link/link-token.ts';
import { hearAnswer, playAnswer, type SoundPlayback } from './answer-by-sound.ts';
import { type ListenOptions, listenForPayload } from './listen.ts';
import { peerOptionsOf } from './peer-options-of.ts';
import { playPayload } from './play-loop.ts';
import type { PlayingSound, Speaker } from './sound-device.ts';

/**
 * The answers the offer's silences are sized for: a sealed compact answer from a browser is
 * 80 to 110 bytes; longer ones still fit the silence, with less room to spare.
 */
const ANSWER_BUDGET_BYTES = 140;

/**
 * How long A stays deaf after each copy of its offer ends: the room's echo and the audio
 * path's latency, both ways.
 */
const ECHO_SECONDS = 0.5;
/** A starts being deaf this early: the output's and input's latencies are estimates. */
const MUTE_LEAD_SECONDS = 0.05;

/**
 * Silence after each copy of the offer, in seconds. B answers while A still plays, and A does
 * not listen to itself (it is deaf while its offer and its echo last), so each silence holds
 * the echo, two answer frames and a margin: wherever B's loop stands, one whole copy of the
 * answer falls in A's listening time.
 */
export function offerSilence(profile: ProfileName): number {
  return ECHO_SECONDS + 2 * frameDuration(ANSWER_BUDGET_BYTES, profile) + 0.5;
}

/** Never a link: the offer on the air has a link's token, and it is opened by nobody's browser. */
const NO_APP_URL = 'webrtc-connect:sound';

export interface SoundLegOptions extends PeerOptions, ListenOptions {
  speaker: Speaker;
  /**
   * The profile this side plays in. A's offer: `fast` (default) or `robust` for noisy rooms.
   * B answers in the profile it heard the offer in, which A's silences are sized for, unless
   * this says otherwise.
   */
  profile?: ProfileName;
}

export interface SoundOffer {
  /** Bytes on the air: a self-contained link's token (version, link secret, compact offer). */
  payloadBytes: number;
  /** Seconds one copy of the offer frame takes (the silence after it is `offerSilence`). */
  airtime: number;
  /** Resolves once B's answer was heard and applied; the offer then stops playing. */
  heard: Promise<void>;
  connected: Promise<Connection>;
  close(): void;
}

/**
 * A's side when both legs go by sound (no server at all): plays the offer, with the link secret
 * B seals its answer under, in a loop with silences, and listens for the answer in them.
 * Resolves once the offer plays. Anyone in earshot hears the secret: what it buys is that A
 * takes only the answer to its own offer; the short authentication string, compared on both
 * screens, is what shows nobody sits in the middle.
 */
export async function offerBySound(options: SoundLegOptions): Promise<SoundOffer> {
  const profile = options.profile ?? 'fast';
  const invitation: Invitation = await createLink({
    ...peerOptionsOf(options),
    selfContained: true,
    appUrl: NO_APP_URL,
  });
  let playing: (PlayingSound & { period: number }) | null = null;
  try {
    const payload = linkTokenBytes(readLinkToken(invitation.link));
    playing = await playPayload(options.speaker, payload, {
      profile,
      gapSeconds: offerSilence(profile),
    });
    const offerPlaying = playing;
    const listener = hearAnswer(invitation, options, {
      start: offerPlaying.startedAt - MUTE_LEAD_SECONDS,
      period: offerPlaying.period,
      duration: MUTE_LEAD_SECONDS + frameDuration(payload.length, profile) + ECHO_SECONDS,
    });
    const stopOffer = () => offerPlaying.stop();
    listener.heard.then(stopOffer, stopOffer);
    // A microphone refused, or nothing heard in time, ends the attempt.
    const connected = Promise.race([
      invitation.connected,
      listener.heard.then(() => invitation.connected),
    ]);
    connected.catch(() => invitation.close());
    return {
      payloadBytes: payload.length,
      airtime: frameDuration(payload.length, profile),
      heard: listener.heard,
      connected,
      close: () => {
        listener.stop();
        stopOffer();
        invitation.close();
      },
    };
  } catch (error) {
    playing?.stop();
    invitation.close();
    throw error;
  }
}

export interface SoundAnswerer {
  /** Resolves once A's offer was heard and the answer plays. */
  answering: Promise<SoundPlayback>;
  connected: Promise<Connection>;
  close(): void;
}

/**
 * B's side when both legs go by sound: listens for an offer played by `offerBySound`, answers,
 * and plays the answer sealed under the offer's link secret until the peers connect. Sounds
 * that are not such an offer are ignored.
 */
export function answerBySound(options: SoundLegOptions): SoundAnswerer {
  let closed = false;
  let acceptance: Acceptance | null = null;
  let playback: SoundPlayback | null = null;
  const listener = listenForPayload(options, async (payload, heardIn) => {
    const token = readLinkTokenBytes(payload);
    if (token.kind !== 'self-contained') return undefined;
    const accepted = await acceptLink(toLinkText(payload), {
      ...peerOptionsOf(options),
      mailbox: null,
    });
    return { accepted, heardIn };
  });
  const answering = listener.result.then(async ({ accepted, heardIn }) => {
    acceptance = accepted;
    if (closed) throw new ConnectError('ERR_CLOSED', 'closed before the answer played');
    const profile = options.profile ?? heardIn;
    playback = await playAnswer(accepted, { speaker: options.speaker, profile });
    if (closed) playback.stop();
    return playback;
  });
  const connected = answering.then(() => (acceptance as Acceptance).connected);
  answering.catch(() => (acceptance as Acceptance | null)?.close());
  connected.catch(() => {});
  return {
    answering,
    connected,
    close: () => {
      closed = true;
      listener.stop();
      playback?.stop();
      acceptance?.close();
    },
  };
}
