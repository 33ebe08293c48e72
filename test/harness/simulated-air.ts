import { createDemodulator, type Demodulator } from '@webrtc-connect/modem';
import type { ListenHandlers, Listening, PlayingSound, SoundDevice } from 'webrtc-connect/sound';
import {
  PHONE_MICROPHONE,
  PHONE_SPEAKER,
  playInRoom,
  record,
} from '../../packages/modem/test/channel/index.ts';

/**
 * A room in which simulated devices play and listen, for the sound way's flows in Node: what a
 * speaker loops goes through the modem's channel simulator (phone speaker, room reverberation,
 * the listener's rate and clock, noise at an in-band SNR, phone microphone) into each
 * listening device's demodulator. Simulated time runs `speed` times faster than the wall clock.
 */
export interface AirOptions {
  /** In-band SNR of every sound at every microphone, dB (default: no noise). */
  snrDb?: number;
  /** Reverberation time, seconds (default 0.3). */
  rt60?: number;
  /** Simulated seconds per wall-clock second (default 4). */
  speed?: number;
  seed?: number;
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
  rxRate: number;
  clockOffset: number;
  demodulator: Demodulator;
  handlers: ListenHandlers;
  /** Samples consumed so far, counted from `startedAt`. */
  position: number;
  startedAt: number;
  seed: number;
}

export interface SimulatedAir {
  device(options: DeviceOptions): SoundDevice;
  /** Simulated seconds since the air was made. */
  readonly now: number;
  readonly loops: readonly LoopRecord[];
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
      const first = Math.round((sound.record.startedAt - listener.startedAt) * listener.rxRate);
      const last =
        sound.record.stoppedAt === null
          ? Number.POSITIVE_INFINITY
          : Math.round((sound.record.stoppedAt - listener.startedAt) * listener.rxRate);
      for (let i = 0; i < block.length; i += 1) {
        const n = listener.position + i;
        if (n < first || n >= last) continue;
        const index = (n - first) % recording.wrap;
        block[i] = (block[i] as number) + (recording.samples[index] as number);
      }
    }
    listener.position = upTo;
    let energy = 0;
    for (const sample of block) energy += sample * sample;
    const rms = Math.sqrt(energy / Math.max(1, block.length));
    listener.handlers.onLevel(rms > 0 ? 20 * Math.log10(rms) : Number.NEGATIVE_INFINITY);
    for (const payload of listener.demodulator.push(block)) listener.handlers.onPayload(payload);
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
        ...(options.snrDb === undefined
          ? {}
          : { snrDb: options.snrDb, band: [1000, 7000] as const }),
        microphone: PHONE_MICROPHONE,
        seed: listener.seed,
      });
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
              rxRate: device.sampleRate,
              clockOffset: device.clockOffset ?? 0,
              demodulator: createDemodulator({
                sampleRate: device.sampleRate,
                profile: handlers.profile,
              }),
              handlers,
              position: 0,
              startedAt: now,
              seed,
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
