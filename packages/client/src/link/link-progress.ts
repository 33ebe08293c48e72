import { reportLater } from '../core/messenger-types.ts';

/**
 * How far a link has got, as `createLink` and `acceptLink` report it through `onProgress`:
 *
 * - `gathering`: making the offer (A) or the answer (B), ICE candidates included.
 * - `waiting`: A's link is ready and waits for B's answer; B's reply is posted (or its answer
 *   text shown) and waits for A to take it.
 * - `connecting`: A applied B's answer, or B's connection started its checks: ICE and DTLS run.
 * - `connected`: the data channel is open.
 * - `failed`: it ended without connecting (the error is what `connected` rejects with); not
 *   reported after the app's own `close()`.
 *
 * Steps only go forward, each at most once; `failed` and `connected` end it.
 */
export type LinkProgress = 'gathering' | 'waiting' | 'connecting' | 'connected' | 'failed';

const ORDER: readonly LinkProgress[] = ['gathering', 'waiting', 'connecting', 'connected'];

export interface ProgressReporter {
  readonly current: LinkProgress | undefined;
  /** Moves to `step` if it lies ahead (or is `failed` before the end); otherwise nothing. */
  advance(step: LinkProgress): void;
}

export function progressReporter(
  onProgress: ((progress: LinkProgress) => void) | undefined,
): ProgressReporter {
  let current: LinkProgress | undefined;
  return {
    get current() {
      return current;
    },
    advance(step) {
      if (current === 'failed' || current === 'connected') return;
      if (
        step !== 'failed' &&
        current !== undefined &&
        ORDER.indexOf(step) <= ORDER.indexOf(current)
      )
        return;
      current = step;
      try {
        onProgress?.(step);
      } catch (error) {
        // The app's bug: reported, but the link goes on.
        reportLater(error);
      }
    },
  };
}
