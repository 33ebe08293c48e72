import { h } from './dom.ts';

/**
 * A reload and a closed tab look the same from here (the page cannot tell them apart as it
 * goes), so after a short grace, long enough for a reload to come back (about half a second),
 * the page says how long it will go on trying and offers to stop.
 */
export const WAIT_GRACE_MS = 1500;

/**
 * "The other device is away… Trying for 9:41 more", counting down each second to `until`, with
 * "Stop waiting". Shown after WAIT_GRACE_MS; `stop()` takes it away (the device came back).
 */
export function resumeWait(
  place: HTMLElement,
  /** Until when (ms since the epoch), asked at each tick: the session may learn it meanwhile. */
  until: () => number,
  onStopWaiting: () => void,
  text = 'The other device is out of reach: it may be reloading, its page may have been closed, or a network changed.',
): { stop(): void } {
  const left = h('p', { class: 'hint', 'data-testid': 'resume-countdown' });
  const button = h(
    'button',
    { type: 'button', class: 'secondary', 'data-testid': 'stop-waiting' },
    'Stop waiting',
  );
  const panel = h(
    'section',
    { class: 'resume-wait', 'data-testid': 'resume-wait', role: 'status' },
    h('p', {}, text),
    left,
    button,
  );
  button.addEventListener('click', () => {
    stop();
    onStopWaiting();
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const tick = () => {
    const end = until();
    const seconds = Math.max(0, Math.ceil((end - Date.now()) / 1000));
    left.dataset.secondsLeft = String(seconds);
    left.textContent =
      seconds > 0
        ? `Trying for ${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')} more; after that the session ends.`
        : 'The time to resume is over: the session ends.';
    if (seconds === 0) return;
    // On the second's boundary, so the count turns as the clock does.
    timer = setTimeout(tick, ((end - Date.now()) % 1000) + 5);
  };
  timer = setTimeout(() => {
    place.prepend(panel);
    tick();
  }, WAIT_GRACE_MS);
  const stop = () => {
    clearTimeout(timer);
    panel.remove();
  };
  return { stop };
}
