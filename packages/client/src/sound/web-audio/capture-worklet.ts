/** The processor's registered name. */
export const CAPTURE_PROCESSOR = 'webrtc-connect-capture';

/** Samples per block posted to the decoder: about 43 ms at 48 kHz. */
export const CAPTURE_BLOCK = 2048;

/**
 * The AudioWorklet processor, as source text: it only copies the microphone's first channel
 * into blocks, with the context time of each block's first sample, and posts them straight to
 * the decoder's worker (a port it is handed), so neither
 * the audio thread nor the main thread decodes. Plain JavaScript in a string, loaded from a
 * Blob URL: no bundler has to know how to build a worklet.
 */
export const CAPTURE_WORKLET_SOURCE = `
class CaptureProcessor extends AudioWorkletProcessor {
  constructor() {
    super();
    this.decoder = null;
    this.block = new Float32Array(${CAPTURE_BLOCK});
    this.filled = 0;
    this.time = 0;
    this.running = true;
    this.port.onmessage = (event) => {
      if (event.data && event.data.decoder) this.decoder = event.data.decoder;
      if (event.data && event.data.stop) this.running = false;
    };
  }
  process(inputs) {
    const channel = inputs[0] && inputs[0][0];
    if (channel && this.decoder) {
      let offset = 0;
      while (offset < channel.length) {
        if (this.filled === 0) this.time = currentTime + offset / sampleRate;
        const take = Math.min(channel.length - offset, this.block.length - this.filled);
        this.block.set(channel.subarray(offset, offset + take), this.filled);
        this.filled += take;
        offset += take;
        if (this.filled === this.block.length) {
          this.decoder.postMessage({ samples: this.block, time: this.time }, [this.block.buffer]);
          this.block = new Float32Array(${CAPTURE_BLOCK});
          this.filled = 0;
        }
      }
    }
    return this.running;
  }
}
registerProcessor('${CAPTURE_PROCESSOR}', CaptureProcessor);
`;
