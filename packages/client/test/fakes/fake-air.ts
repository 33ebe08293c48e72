/**
 * A quiet room for the sound way's flow logic: what a speaker loops is demodulated once
 * (clean samples, no channel), and its payload is handed to every other device's microphone
 * once per loop, on timers, as a demodulator would report each copy. The modem's robustness is
 * tested in packages/modem; the room simulator with real peers is test/harness/simulated-air.ts.
 */
import { createDemodulators, type ProfileName } from '@webrtc-connect/modem';
import type { ListenHandlers, SoundDevice } from 'webrtc-connect/sound';

interface Loop {
  device: number;
  payloads: { payload: Uint8Array; profile: ProfileName }[];
  timer: ReturnType<typeof setInterval>;
}

export function createFakeAir(sampleRate = 48_000) {
  const loops = new Set<Loop>();
  const listeners = new Map<number, ListenHandlers>();
  /** Payloads played so far, by device. */
  const played: { device: number; bytes: number }[] = [];
  let devices = 0;

  const device = (): SoundDevice => {
    const id = devices++;
    return {
      speaker: {
        sampleRate,
        async loop(samples) {
          // The flows play `fast` unless told otherwise; one profile keeps this cheap.
          const demodulators = createDemodulators({ sampleRate, profiles: ['fast'] });
          // The frame without the silence after it, then half a second of quiet: a demodulator
          // reports a frame once it has heard what follows it.
          let last = samples.length - 1;
          while (last > 0 && samples[last] === 0) last -= 1;
          const payloads = [
            ...demodulators.push(samples.subarray(0, last + 1)),
            ...demodulators.push(new Float32Array(sampleRate / 2)),
          ];
          const first = payloads[0];
          if (first) played.push({ device: id, bytes: first.payload.length });
          const periodMs = (samples.length / sampleRate) * 1000;
          const loop: Loop = {
            device: id,
            payloads: payloads.slice(0, 1),
            timer: setInterval(() => {
              for (const [other, handlers] of listeners) {
                if (other === id) continue;
                for (const { payload, profile } of loop.payloads) {
                  handlers.onLevel(-20);
                  handlers.onPayload(payload, profile);
                }
              }
            }, periodMs),
          };
          loops.add(loop);
          return {
            startedAt: performance.now() / 1000,
            stop: () => {
              clearInterval(loop.timer);
              loops.delete(loop);
            },
          };
        },
      },
      microphone: {
        async listen(handlers) {
          listeners.set(id, handlers);
          return { stop: () => listeners.delete(id) };
        },
      },
      close: () => listeners.delete(id),
    };
  };

  return {
    device,
    played,
    /** Loops playing right now. */
    get playing() {
      return loops.size;
    },
    /** Microphones listening right now. */
    get listening() {
      return listeners.size;
    },
  };
}
