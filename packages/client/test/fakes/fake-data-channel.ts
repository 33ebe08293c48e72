/**
 * One end of an in-memory data channel. What `send` takes counts in `bufferedAmount` until it
 * has crossed (`latencyMs` later, one message after another), and `bufferedamountlow` fires
 * when the amount falls to the threshold, as in browsers, so back-pressure code is exercised.
 */
export class FakeDataChannel extends EventTarget {
  readonly label: string;
  readonly ordered: boolean;
  readyState: RTCDataChannelState = 'connecting';
  binaryType: BinaryType = 'arraybuffer';
  bufferedAmount = 0;
  bufferedAmountLowThreshold = 0;
  /** Every message sent from this end, as given. */
  readonly sent: (string | ArrayBufferLike | ArrayBufferView)[] = [];
  /** Set to hold messages in the buffer (a slow network) until `release()`. */
  holding = false;
  /**
   * Until this instant (`Date.now()`), what this end sends is lost without a sign: `send`
   * returns and nothing arrives (Chromium 150's answering side of a channel announced in band).
   */
  losesUntil = 0;
  #remote: FakeDataChannel | undefined;
  readonly #latencyMs: number;
  readonly #queue: { data: string | ArrayBuffer; size: number }[] = [];
  #flushing = false;
  /** See FakeNetworkOptions.cutsOver. */
  readonly #cutsOver: number;

  constructor(label: string, ordered: boolean, latencyMs: number, cutsOver = Infinity) {
    super();
    this.label = label;
    this.ordered = ordered;
    this.#latencyMs = latencyMs;
    this.#cutsOver = cutsOver;
  }

  get remote(): FakeDataChannel | undefined {
    return this.#remote;
  }

  /** See linkChannels. */
  pairWith(other: FakeDataChannel): void {
    this.#remote = other;
  }

  send(data: string | ArrayBufferLike | ArrayBufferView | Blob): void {
    if (this.readyState !== 'open')
      throw new DOMException('the data channel is not open', 'InvalidStateError');
    if (data instanceof Blob) throw new TypeError('the fake channel takes no Blob');
    this.sent.push(data);
    if (Date.now() < this.losesUntil) return;
    const copy = typeof data === 'string' ? data : copyBytes(data);
    const size = typeof copy === 'string' ? new TextEncoder().encode(copy).length : copy.byteLength;
    this.bufferedAmount += size;
    this.#queue.push({ data: copy, size });
    this.#flush();
  }

  /** Lets messages held with `holding` cross. */
  release(): void {
    this.holding = false;
    this.#flush();
  }

  close(): void {
    this.closeBoth();
  }

  /** Opens this end (the offerer's own channel once the pair connects). */
  markOpen(): void {
    if (this.readyState !== 'connecting') return;
    this.readyState = 'open';
    this.dispatchEvent(new Event('open'));
  }

  /** Closes this end now and the other end after the latency, as a lost or closed channel. */
  closeBoth(): void {
    if (this.readyState === 'closed') return;
    this.readyState = 'closed';
    this.#queue.length = 0;
    this.bufferedAmount = 0;
    this.dispatchEvent(new Event('close'));
    const remote = this.#remote;
    if (remote) setTimeout(() => remote.closeBoth(), this.#latencyMs);
  }

  /** One message at a time, in order, each `latencyMs` after the one before. */
  #flush(): void {
    if (this.#flushing || this.holding || this.#queue.length === 0) return;
    this.#flushing = true;
    setTimeout(() => {
      this.#flushing = false;
      if (this.readyState !== 'open' || this.holding) return;
      let next = this.#queue.shift();
      if (!next) return;
      const behind = this.#queue[0];
      if (next.size > this.#cutsOver && behind && typeof next.data !== 'string') {
        // Firefox ESR 140's way with a large message closely followed by another: the next
        // overtakes it, and it arrives cut short (by 64 KiB here; by 64 to 130 KiB there).
        this.#queue[0] = {
          data: next.data.slice(0, next.data.byteLength - 65_536),
          size: next.size,
        };
        next = behind;
      }
      const before = this.bufferedAmount;
      this.bufferedAmount -= next.size;
      const remote = this.#remote;
      if (remote?.readyState === 'open') {
        remote.dispatchEvent(new MessageEvent('message', { data: next.data }));
      }
      if (
        before > this.bufferedAmountLowThreshold &&
        this.bufferedAmount <= this.bufferedAmountLowThreshold
      ) {
        this.dispatchEvent(new Event('bufferedamountlow'));
      }
      this.#flush();
    }, this.#latencyMs);
  }
}

/** Joins two ends: what one sends, the other receives. */
export function linkChannels(a: FakeDataChannel, b: FakeDataChannel): void {
  a.pairWith(b);
  b.pairWith(a);
}

function copyBytes(data: ArrayBufferLike | ArrayBufferView): ArrayBuffer {
  const view = ArrayBuffer.isView(data)
    ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
    : new Uint8Array(data);
  return view.slice().buffer;
}
