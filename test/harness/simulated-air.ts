import { createDemodulators, type Demodulators } from '@webrtc-connect/modem';
import type {
  ListenHandlers,
  Listening,
  MuteSchedule,
  PlayingSound,
  SoundDevice,
} from 'webrtc-connect/sound';
import {
  createRandom,
  inBandPower,
  PHONE_MICROPHONE,
  PHONE_SPEAKER,
  playInRoom,
  type Random,
  record,
} from '../../packages/modem/test/channel/index.ts';

/**
 * A room in which simulated devices play and listen, for the sound way's flows in Node: what a
 * speaker loops goes through the modem's channel simulator (phone speaker, room reverberation,
 * the listener's rate and clock, noise at an in-band SNR, phone microphone) into each
 * listening device's demodulator. Simulated time runs `speed` times faster than the wall clock.
 * The noise is the microphone's own floor: it does not grow with what a device plays.
 */
export interface AirOptions {
  /**
   * In-band SNR (1 to 7 kHz) at every microphone of a sound heard at 0 dB gain, dB: white
   * noise at a fixed level (default: no noise).
   */
  snrDb?: number;
  /** Reverberation time, seconds (default 0.3). */
  rt60?: number;
  /** Simulated seconds per wall-clock second (default 4). */
  speed?: number;
  seed?: number;
  /**
   * Gain from one device's speaker to another's microphone, dB (default 0): a device hears its
   * own speaker far louder than the other device's.
   */
  gainDb?(speaker: number, microphone: number): number;
}

export interface DeviceOptions {
  sampleRate: number;
  /** This device's clock error (+0.001: 0.1% fast). */
  clockOffset?: number;
}

/** One loop on the air, as the test sees it: simulated times it started and stopped. */
export interface LoopRecord {
  device: number;
  startedAt: number;
  stoppedAt: number | null;
  samples: number;
}

const TICK_SECONDS = 0.05;
/** Recorded length of each loop per listener, seconds; it wraps on a whole number of periods. */
const RECORDING_SECONDS = 16;

interface OnAir {
  record: LoopRecord;
  period: Float32Array;
  txRate: number;
  /** Per listener: what its microphone records of this loop from the loop's start. */
  recordings: Map<Listener, { samples: Float32Array; wrap: number }>;
}

interface Listener {
  device: number;
  rxRate: number;
  clockOffset: number;
  demodulators: Demodulators;
  handlers: ListenHandlers;
  /** Samples consumed so far, counted from `startedAt`. */
  position: number;
  startedAt: number;
  seed: number;
  random: Random;
  /** Standard deviation of the microphone's noise, once a sound sets the reference level. */
  noise: number;
  mute: MuteSchedule | undefined;
}

const BAND: readonly [number, number] = [1000, 7000];

/** How long the sound lasts within its loop (a loop may end in silence). */
function frameSeconds(sound: OnAir): number {
  let last = sound.period.length - 1;
  while (last > 0 && sound.period[last] === 0) last -= 1;
  return (last + 1) / sound.txRate;
}

export interface SimulatedAir {
  device(options: DeviceOptions): SoundDevice;
  /** Simulated seconds since the air was made. */
  readonly now: number;
  readonly loops: readonly LoopRecord[];
  /** Microphones listening right now. */
  readonly listening: number;
  close(): void;
}

export function simulatedAir(options: AirOptions = {}): SimulatedAir {
  const speed = options.speed ?? 4;
  let now = 0;
  let seed = options.seed ?? 1;
  const onAir = new Set<OnAir>();
  const loops: LoopRecord[] = [];
  const listeners = new Set<Listener>();
  let timer: ReturnType<typeof setTimeout> | null = null;
  let deviceCount = 0;

  const schedule = () => {
    if (timer || listeners.size === 0) return;
    timer = setTimeout(tick, (TICK_SECONDS * 1000) / speed);
  };
  function tick() {
    timer = null;
    const end = now + TICK_SECONDS;
    for (const listener of listeners) render(listener, end);
    now = end;
    schedule();
  }
  function render(listener: Listener, end: number) {
    const upTo = Math.round((end - listener.startedAt) * listener.rxRate);
    const block = new Float32Array(upTo - listener.position);
    for (const sound of onAir) {
      const recording = recordingOf(sound, listener);
      const gain = 10 ** ((options.gainDb?.(sound.record.device, listener.device) ?? 0) / 20);
      const first = Math.round((sound.record.startedAt - listener.startedAt) * listener.rxRate);
      const last =
        sound.record.stoppedAt === null
          ? Number.POSITIVE_INFINITY
          : Math.round((sound.record.stoppedAt - listener.startedAt) * listener.rxRate);
      for (let i = 0; i < block.length; i += 1) {
        const n = listener.position + i;
        if (n < first || n >= last) continue;
        const index = (n - first) % recording.wrap;
        block[i] = (block[i] as number) + gain * (recording.samples[index] as number);
      }
    }
    listener.position = upTo;
    if (listener.noise > 0)
      for (let i = 0; i < block.length; i += 1)
        block[i] = (block[i] as number) + listener.noise * listener.random.gaussian();
    let energy = 0;
    for (const sample of block) energy += sample * sample;
    const rms = Math.sqrt(energy / Math.max(1, block.length));
    listener.handlers.onLevel(rms > 0 ? 20 * Math.log10(rms) : Number.NEGATIVE_INFINITY);
    const mute = listener.mute;
    if (mute) {
      const first = listener.position - block.length;
      for (let i = 0; i < block.length; i += 1) {
        const since = listener.startedAt + (first + i) / listener.rxRate - mute.start;
        if (since >= 0 && since % mute.period < mute.duration) block[i] = 0;
      }
    }
    for (const { payload, profile } of listener.demodulators.push(block)) {
      listener.handlers.onPayload(payload, profile);
    }
  }
  function recordingOf(sound: OnAir, listener: Listener) {
    let recording = sound.recordings.get(listener);
    if (!recording) {
      const inRoom = playInRoom(sound.period, {
        sampleRate: sound.txRate,
        speaker: PHONE_SPEAKER,
        room: { rt60: options.rt60 ?? 0.3 },
        seed: listener.seed,
      });
      const periodSeconds = sound.period.length / sound.txRate;
      const periods = Math.max(1, Math.floor(RECORDING_SECONDS / periodSeconds));
      const samples = record(inRoom, {
        txRate: sound.txRate,
        rxRate: listener.rxRate,
        clockOffset: listener.clockOffset,
        start: 0,
        duration: periods * periodSeconds * (1 + listener.clockOffset) + 0.1,
        microphone: PHONE_MICROPHONE,
        seed: listener.seed,
      });
      if (options.snrDb !== undefined && listener.noise === 0) {
        // White noise whose power in the band is the frame's in-band power less the SNR.
        const frame = samples.subarray(0, Math.round(frameSeconds(sound) * listener.rxRate));
        const wanted = inBandPower(frame, listener.rxRate, BAND) / 10 ** (options.snrDb / 10);
        const share = (BAND[1] - BAND[0]) / (listener.rxRate / 2);
        listener.noise = Math.sqrt(wanted / share);
      }
      const wrap = Math.min(
        samples.length,
        Math.round(periods * periodSeconds * listener.rxRate * (1 + listener.clockOffset)),
      );
      recording = { samples, wrap };
      sound.recordings.set(listener, recording);
    }
    return recording;
  }

  return {
    get now() {
      return now;
    },
    loops,
    get listening() {
      return listeners.size;
    },
    device: (device) => {
      const index = deviceCount;
      deviceCount += 1;
      const mine = new Set<{ stop(): void }>();
      return {
        speaker: {
          sampleRate: device.sampleRate,
          loop: async (samples) => {
            const sound: OnAir = {
              record: { device: index, startedAt: now, stoppedAt: null, samples: samples.length },
              period: new Float32Array(samples),
              txRate: device.sampleRate,
              recordings: new Map(),
            };
            onAir.add(sound);
            loops.push(sound.record);
            const playing: PlayingSound = {
              startedAt: now,
              stop: () => {
                if (sound.record.stoppedAt === null) sound.record.stoppedAt = now;
                mine.delete(playing);
              },
            };
            mine.add(playing);
            return playing;
          },
        },
        microphone: {
          listen: async (handlers) => {
            seed += 1;
            const listener: Listener = {
              device: index,
              rxRate: device.sampleRate,
              clockOffset: device.clockOffset ?? 0,
              demodulators: createDemodulators({
                sampleRate: device.sampleRate,
                profiles: handlers.profiles,
              }),
              handlers,
              position: 0,
              startedAt: now,
              seed,
              random: createRandom(seed),
              noise: 0,
              mute: handlers.mute,
            };
            listeners.add(listener);
            schedule();
            const listening: Listening = {
              stop: () => {
                listeners.delete(listener);
                mine.delete(listening);
              },
            };
            mine.add(listening);
            return listening;
          },
        },
        close: () => {
          for (const thing of [...mine]) thing.stop();
        },
      };
    },
    close: () => {
      listeners.clear();
      if (timer) clearTimeout(timer);
      timer = null;
    },
  };
}
