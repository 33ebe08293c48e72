// The decoder's thread: blocks from the capture worklet in, payloads and levels out.
import { createDemodulators } from '@webrtc-connect/modem';
import type { CapturedBlock, DecoderReport, DecoderStart } from './decoder-messages.ts';

// Typed by hand: the WebWorker lib cannot sit beside the DOM lib in one program.
const scope = globalThis as unknown as {
  onmessage: ((event: MessageEvent<DecoderStart>) => void) | null;
  postMessage(message: DecoderReport): void;
};
const report = (message: DecoderReport) => scope.postMessage(message);

scope.onmessage = (event: MessageEvent<DecoderStart>) => {
  const { sampleRate, profiles, blocks, mute } = event.data;
  let demodulators: ReturnType<typeof createDemodulators>;
  try {
    demodulators = createDemodulators({ sampleRate, profiles });
  } catch (error) {
    report({ kind: 'error', message: error instanceof Error ? error.message : String(error) });
    return;
  }
  report({ kind: 'ready' });
  // The level is the RMS over about a tenth of a second.
  const levelSpan = Math.round(sampleRate / 10);
  let energy = 0;
  let counted = 0;
  blocks.onmessage = (message: MessageEvent<CapturedBlock>) => {
    const { samples: block, time } = message.data;
    for (let i = 0; i < block.length; i += 1) {
      const sample = block[i] as number;
      energy += sample * sample;
    }
    counted += block.length;
    if (counted >= levelSpan) {
      const rms = Math.sqrt(energy / counted);
      report({ kind: 'level', level: rms > 0 ? 20 * Math.log10(rms) : -Infinity });
      energy = 0;
      counted = 0;
    }
    // The level is of what the microphone hears; the demodulator does not hear our own loop.
    if (mute) {
      for (let i = 0; i < block.length; i += 1) {
        const since = time + i / sampleRate - mute.start;
        if (since >= 0 && since % mute.period < mute.duration) block[i] = 0;
      }
    }
    for (const { payload, profile } of demodulators.push(block)) {
      report({ kind: 'payload', payload, profile });
    }
  };
};
