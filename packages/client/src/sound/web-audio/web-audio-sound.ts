import { ConnectError } from '../../errors.ts';
import type { ListenHandlers, Listening, PlayingSound, SoundDevice } from '../sound-device.ts';
import { CAPTURE_PROCESSOR, CAPTURE_WORKLET_SOURCE } from './capture-worklet.ts';
import type { DecoderReport, DecoderStart } from './decoder-messages.ts';

export interface WebAudioSoundOptions {
  /** The AudioContext to play and record in (default: a new one, closed by `close()`). */
  audioContext?: AudioContext;
  /**
   * Makes the decoder's Worker. The default is the module worker beside this file, written the
   * way Vite (and webpack, Parcel) recognise and bundle; other setups pass their own.
   */
  createDecoderWorker?: () => Worker;
}

/**
 * Speaker and microphone through Web Audio. Call it from a click or key handler: browsers let
 * an AudioContext made then play at once. Playback is a looped AudioBufferSourceNode at the
 * context's rate; capture asks for the raw microphone (no echo cancellation, noise suppression
 * or gain control: they destroy modem signals), and an AudioWorklet hands blocks straight to a
 * Worker that runs the demodulator, so decoding never runs on the main or audio thread.
 */
export function webAudioSound(options: WebAudioSoundOptions = {}): SoundDevice {
  if (typeof AudioContext === 'undefined')
    throw new ConnectError('ERR_AUDIO_UNAVAILABLE', 'this browser has no Web Audio');
  const context = options.audioContext ?? new AudioContext();
  const createWorker = options.createDecoderWorker ?? defaultDecoderWorker;
  const active = new Set<PlayingSound>();
  let worklet: Promise<void> | null = null;

  const loop = async (samples: Float32Array): Promise<PlayingSound> => {
    await context.resume().catch(() => {});
    const buffer = context.createBuffer(1, samples.length, context.sampleRate);
    buffer.copyToChannel(new Float32Array(samples), 0);
    const source = context.createBufferSource();
    source.buffer = buffer;
    source.loop = true;
    source.connect(context.destination);
    const when = context.currentTime + START_LEAD_SECONDS;
    source.start(when);
    const playing: PlayingSound = {
      startedAt: when + (context.outputLatency || context.baseLatency || 0),
      stop: () => {
        if (!active.delete(playing)) return;
        source.stop();
        source.disconnect();
      },
    };
    active.add(playing);
    return playing;
  };

  const listen = async (handlers: ListenHandlers): Promise<Listening> => {
    const stream = await openMicrophone();
    const stopTracks = () => {
      for (const track of stream.getTracks()) track.stop();
    };
    let worker: Worker | null = null;
    try {
      worklet ??= loadWorklet(context);
      await worklet;
      const pipe = new MessageChannel();
      worker = await startDecoder(createWorker, handlers, {
        sampleRate: context.sampleRate,
        profiles: handlers.profiles,
        blocks: pipe.port2,
        ...(handlers.mute === undefined ? {} : { mute: handlers.mute }),
      });
      const node = new AudioWorkletNode(context, CAPTURE_PROCESSOR, {
        numberOfInputs: 1,
        numberOfOutputs: 1,
        outputChannelCount: [1],
        channelCount: 1,
        channelCountMode: 'explicit',
      });
      node.port.postMessage({ decoder: pipe.port1 }, [pipe.port1]);
      const source = context.createMediaStreamSource(stream);
      const analyser = context.createAnalyser();
      analyser.fftSize = 2048;
      source.connect(node);
      source.connect(analyser);
      // The node writes silence; connected so that every browser keeps pulling it.
      node.connect(context.destination);
      await context.resume().catch(() => {});
      const decoder = worker;
      let stopped = false;
      const microphoneRate = stream.getAudioTracks()[0]?.getSettings().sampleRate;
      const listening: Listening & { stop(): void } = {
        analyser,
        ...(microphoneRate === undefined ? {} : { microphoneRate }),
        stop: () => {
          if (stopped) return;
          stopped = true;
          listeners.delete(listening);
          node.port.postMessage({ stop: true });
          source.disconnect();
          node.disconnect();
          stopTracks();
          decoder.terminate();
        },
      };
      listeners.add(listening);
      return listening;
    } catch (error) {
      stopTracks();
      worker?.terminate();
      throw error;
    }
  };
  const listeners = new Set<Listening>();

  return {
    speaker: {
      get sampleRate() {
        return context.sampleRate;
      },
      loop,
    },
    microphone: { listen },
    close: () => {
      for (const playing of [...active]) playing.stop();
      for (const listening of [...listeners]) listening.stop();
      if (!options.audioContext) context.close().catch(() => {});
    },
  };
}

/** Playback starts this far ahead, so `startedAt` is when it really starts. */
const START_LEAD_SECONDS = 0.05;

function defaultDecoderWorker(): Worker {
  return new Worker(new URL('./decoder-worker.js', import.meta.url), { type: 'module' });
}

async function openMicrophone(): Promise<MediaStream> {
  if (!navigator.mediaDevices?.getUserMedia) {
    throw new ConnectError(
      'ERR_MICROPHONE_REFUSED',
      'this page may not use the microphone: it is not a secure context (https or localhost)',
    );
  }
  let stream: MediaStream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({
      audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false },
    });
  } catch (cause) {
    const name = cause instanceof Error ? cause.name : '';
    if (name === 'NotAllowedError' || name === 'SecurityError') {
      throw new ConnectError('ERR_MICROPHONE_REFUSED', 'access to the microphone was refused', {
        cause,
      });
    }
    throw new ConnectError(
      'ERR_NO_MICROPHONE',
      `no microphone could be opened (${name || String(cause)})`,
      { cause },
    );
  }
  if (stream.getAudioTracks().length === 0)
    throw new ConnectError('ERR_NO_MICROPHONE', 'the microphone stream has no audio track');
  return stream;
}

async function loadWorklet(context: AudioContext): Promise<void> {
  if (!context.audioWorklet)
    throw new ConnectError('ERR_AUDIO_UNAVAILABLE', 'this browser has no AudioWorklet');
  const url = URL.createObjectURL(new Blob([CAPTURE_WORKLET_SOURCE], { type: 'text/javascript' }));
  try {
    await context.audioWorklet.addModule(url);
  } catch (cause) {
    throw new ConnectError('ERR_AUDIO_UNAVAILABLE', 'the capture worklet could not load', {
      cause,
    });
  } finally {
    URL.revokeObjectURL(url);
  }
}

/** The decoder's worker, once it said it runs; its reports go to `handlers`. */
function startDecoder(
  createWorker: () => Worker,
  handlers: ListenHandlers,
  start: DecoderStart,
): Promise<Worker> {
  return new Promise((resolve, reject) => {
    let worker: Worker;
    try {
      worker = createWorker();
    } catch (cause) {
      reject(new ConnectError('ERR_AUDIO_UNAVAILABLE', 'the decoder could not start', { cause }));
      return;
    }
    const unavailable = (detail: string) => {
      worker.terminate();
      reject(new ConnectError('ERR_AUDIO_UNAVAILABLE', `the decoder could not start: ${detail}`));
    };
    worker.addEventListener('error', (event) => unavailable(event.message || 'load error'), {
      once: true,
    });
    worker.addEventListener('message', (event: MessageEvent<DecoderReport>) => {
      const report = event.data;
      if (report.kind === 'ready') resolve(worker);
      else if (report.kind === 'error') unavailable(report.message);
      else if (report.kind === 'payload') handlers.onPayload(report.payload, report.profile);
      else handlers.onLevel(report.level);
    });
    worker.postMessage(start, [start.blocks]);
  });
}
