import { h } from './dom.ts';

export interface ConnectionStatus {
  element: HTMLElement;
  /** The current step, or "failed". */
  readonly state: string;
  /** Moves to a step; `detail` replaces its label in the status line. */
  set(state: string, detail?: string): void;
  /** Ends in failure, saying why in a person's words; `code` is the error's stable code. */
  fail(message: string, code: string): void;
}

/**
 * The steps a connection goes through, shown as a row of steps and one status line. The line's
 * `data-state` holds the current step (or "failed"), for tests and styles.
 */
export function connectionStatus(
  steps: ReadonlyArray<[state: string, label: string]>,
): ConnectionStatus {
  const items = steps.map(([state, label]) => h('li', { 'data-step': state }, label));
  const line = h('p', { class: 'status', 'data-testid': 'status', role: 'status' });
  const element = h(
    'div',
    { class: 'connection-status' },
    h('ol', { class: 'steps' }, ...items),
    line,
  );
  const mark = (current: number) => {
    for (const [index, item] of items.entries()) {
      item.className = index < current ? 'done' : index === current ? 'current' : '';
    }
  };
  return {
    element,
    get state() {
      return line.dataset.state ?? '';
    },
    set(state, detail) {
      const index = steps.findIndex(([name]) => name === state);
      // The last step reached is an end, not a step in progress.
      mark(index === steps.length - 1 ? steps.length : index);
      line.classList.remove('error');
      line.removeAttribute('data-error-code');
      line.dataset.state = state;
      line.textContent = detail ?? steps[index]?.[1] ?? state;
    },
    fail(message, code) {
      items.find((item) => item.className === 'current')?.classList.add('failed');
      line.classList.add('error');
      line.dataset.state = 'failed';
      line.dataset.errorCode = code;
      line.textContent = message;
    },
  };
}
