import { PROFILE_NAMES, type ProfileName } from '@webrtc-connect/modem';
import { ConnectError } from '../errors.ts';
import type { Listening, Microphone, MuteSchedule } from './sound-device.ts';

/** Below this level (dBFS) the input counts as silent: a muted or unplugged microphone. */
export const SILENCE_LEVEL_DBFS = -60;
const DEFAULT_LISTEN_TIMEOUT_MS = 5 * 60_000;
const DEFAULT_SILENCE_TIMEOUT_MS = 5000;

export interface ListenOptions {
  microphone: Microphone;
  /**
   * The modem profiles to listen for (default all three that the device's rate carries): the
   * player chooses fast, sturdy or narrowband, and a listener of all needs no setting.
   */
  profiles?: readonly ProfileName[];
  /** Longest wait for a valid payload, in ms (default 5 minutes); then ERR_SOUND_TIMEOUT. */
  listenTimeout?: number;
  /** How long the input may stay silent before `onSilence` is told, in ms (default 5000). */
  silenceTimeout?: number;
  /** The input's level in dBFS, about ten times a second: for a level meter. */
  onLevel?(level: number): void;
  /**
   * ERR_SILENT_INPUT once the input has been silent for `silenceTimeout` (listening goes on:
   * the person may turn the volume up), then null when sound is heard again.
   */
  onSilence?(warning: ConnectError | null): void;
  /** The capture once it runs (its `analyser` feeds a spectrum display in browsers). */
  onListening?(listening: Listening): void;
}

/** What every listener listens for unless told otherwise. */
const EVERY_PROFILE: readonly ProfileName[] = PROFILE_NAMES;

export interface PayloadListener<T> {
  /** The first payload `accept` took, as it made it. */
  result: Promise<T>;
  /** Stops listening; `result` then fails with ERR_CLOSED unless it already settled. */
  stop(): void;
}

/**
 * Listens until `accept` takes a payload. The demodulator returns every copy of a looped frame
 * and may hear frames that are not for us (another pair nearby, our own loop): `accept` returns
 * undefined or throws to refuse one, and listening goes on. Payloads are tried one at a time,
 * and one refused already is not tried again.
 */
export function listenForPayload<T>(
  options: ListenOptions,
  accept: (payload: Uint8Array, profile: ProfileName) => Promise<T | undefined>,
  mute?: MuteSchedule,
): PayloadListener<T> {
  let settled = false;
  let listening: Listening | null = null;
  let resolveResult: (value: T) => void = () => {};
  let rejectResult: (error: unknown) => void = () => {};
  const result = new Promise<T>((resolve, reject) => {
    resolveResult = resolve;
    rejectResult = reject;
  });
  result.catch(() => {});

  const timeoutMs = options.listenTimeout ?? DEFAULT_LISTEN_TIMEOUT_MS;
  const silenceMs = options.silenceTimeout ?? DEFAULT_SILENCE_TIMEOUT_MS;
  const timeout = setTimeout(
    () =>
      fail(
        new ConnectError(
          'ERR_SOUND_TIMEOUT',
          `no valid signal was heard within ${Math.round(timeoutMs / 1000)} s`,
        ),
      ),
    timeoutMs,
  );
  let lastSound = Date.now();
  let warned = false;
  const silenceCheck = setInterval(
    () => {
      if (!warned && Date.now() - lastSound >= silenceMs) {
        warned = true;
        options.onSilence?.(
          new ConnectError(
            'ERR_SILENT_INPUT',
            `the microphone has heard nothing for ${Math.round(silenceMs / 1000)} s`,
          ),
        );
      }
    },
    Math.min(500, silenceMs),
  );

  function end(): boolean {
    if (settled) return false;
    settled = true;
    clearTimeout(timeout);
    clearInterval(silenceCheck);
    listening?.stop();
    return true;
  }
  function fail(error: unknown): void {
    if (end()) rejectResult(error);
  }

  let queue = Promise.resolve();
  const refused = new Set<string>();
  const onPayload = (payload: Uint8Array, profile: ProfileName) => {
    const key = payload.join(',');
    queue = queue.then(async () => {
      if (settled || refused.has(key)) return;
      let taken: T | undefined;
      try {
        taken = await accept(payload, profile);
      } catch {
        taken = undefined;
      }
      if (taken === undefined) refused.add(key);
      else if (end()) resolveResult(taken);
    });
  };
  const onLevel = (level: number) => {
    if (settled) return;
    if (level > SILENCE_LEVEL_DBFS) {
      lastSound = Date.now();
      if (warned) {
        warned = false;
        options.onSilence?.(null);
      }
    }
    options.onLevel?.(level);
  };

  options.microphone
    .listen({
      profiles: options.profiles ?? EVERY_PROFILE,
      onPayload,
      onLevel,
      ...(mute === undefined ? {} : { mute }),
    })
    .then(
      (started) => {
        if (settled) {
          started.stop();
          return;
        }
        listening = started;
        lastSound = Date.now();
        options.onListening?.(started);
      },
      (error: unknown) => fail(error),
    );

  return {
    result,
    stop: () => fail(new ConnectError('ERR_CLOSED', 'listening was stopped')),
  };
}
