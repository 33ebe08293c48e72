import { frameDuration, type ProfileName } from '@webrtc-connect/modem';
import type { Acceptance } from '../link/accept-link.ts';
import type { Invitation } from '../link/create-link.ts';
import { type ListenOptions, listenForPayload } from './listen.ts';
import { playPayload } from './play-loop.ts';
import type { MuteSchedule, Speaker } from './sound-device.ts';

export interface AnswerListener {
  /**
   * Resolves once an answer heard opened under the link secret and was applied (connecting
   * goes on in `invitation.connected`). Fails with the microphone's error, ERR_SOUND_TIMEOUT,
   * or ERR_CLOSED when stopped, or when the invitation connected or failed some other way first.
   */
  heard: Promise<void>;
  stop(): void;
}

/**
 * A's side of the answer by sound: listens for B's sealed answer and applies the first one that
 * opens under the link secret. Payloads that do not (another pair nearby, a damaged copy, our
 * own offer) are ignored. The invitation's other ways (mailbox, typed code) keep working; the
 * first answer wins, and listening stops once the peers connect or fail.
 */
export function listenForAnswer(invitation: Invitation, options: ListenOptions): AnswerListener {
  return hearAnswer(invitation, options);
}

/** `listenForAnswer`, deaf while this device's own loop plays (both legs by sound). */
export function hearAnswer(
  invitation: Invitation,
  options: ListenOptions,
  mute?: MuteSchedule,
): AnswerListener {
  const listener = listenForPayload(
    options,
    async (payload) => {
      await invitation.acceptReply(payload);
      return true;
    },
    mute,
  );
  invitation.connected.then(listener.stop, listener.stop);
  const heard = listener.result.then(() => {});
  // Callers that only await `connected` must not see an unhandled rejection here.
  heard.catch(() => {});
  return { heard, stop: listener.stop };
}

export interface PlayAnswerOptions {
  speaker: Speaker;
  /**
   * The modem profile to play in: `fast` (default, about 1 s a copy) or `robust` (about 3 s,
   * for noisy rooms). A listens for both.
   */
  profile?: ProfileName;
}

export interface SoundPlayback {
  /** Bytes on the air: the sealed answer (compact form). */
  payloadBytes: number;
  /** Seconds one copy of the frame takes. */
  airtime: number;
  stop(): void;
}

/**
 * B's side of the answer by sound: plays the answer, sealed in the compact form under the link
 * secret, in a loop until the peers connect (or fail, or `stop`). Fails with
 * ERR_PAYLOAD_TOO_LARGE when the sealed answer exceeds a frame.
 */
export async function playAnswer(
  acceptance: Acceptance,
  options: PlayAnswerOptions,
): Promise<SoundPlayback> {
  const profile = options.profile ?? 'fast';
  const sealed = await acceptance.sealAnswer('compact');
  const playing = await playPayload(options.speaker, sealed, { profile });
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    playing.stop();
  };
  acceptance.connected.then(stop, stop);
  return { payloadBytes: sealed.length, airtime: frameDuration(sealed.length, profile), stop };
}
