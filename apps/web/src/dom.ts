type Child = Node | string;

/** Creates an element with attributes and children: enough DOM for pages this size. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  element.append(...children);
  return element;
}

/** A button that copies `text`, says so for a moment, and falls back to selecting `field`. */
export function copyButton(
  label: string,
  text: () => string,
  field?: HTMLInputElement | HTMLTextAreaElement,
) {
  const button = h('button', { type: 'button', class: 'secondary' }, label);
  button.addEventListener('click', () => {
    const done = () => {
      button.textContent = 'Copied';
      setTimeout(() => {
        button.textContent = label;
      }, 1500);
    };
    // The clipboard API needs a secure context and a user gesture; without it, select the text.
    if (navigator.clipboard)
      navigator.clipboard.writeText(text()).then(done, () => field?.select());
    else field?.select();
  });
  return button;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

/**
 * After a failure: `again` (the link page's "Make a new link", at once), or back to the start
 * page.
 */
export function startAgain(again?: () => void): HTMLElement {
  if (!again) {
    return h(
      'p',
      {},
      h(
        'a',
        { href: location.pathname, class: 'button', 'data-testid': 'start-again' },
        'Start again',
      ),
    );
  }
  const button = h('button', { type: 'button', 'data-testid': 'start-again' }, 'Make a new link');
  button.addEventListener('click', again);
  return h('p', {}, button);
}

/**
 * Moves focus to the first heading of a screen that just replaced another, so a keyboard
 * continues from there and a screen reader says where the person now is.
 */
export function focusHeading(screen: ParentNode): void {
  const heading = screen.querySelector<HTMLElement>('h2');
  if (!heading) return;
  heading.tabIndex = -1;
  heading.focus();
}

let announcer: HTMLElement | undefined;

/**
 * Says `text` to screen readers through one polite live region, without showing it: for what
 * happens away from the focus (a file arrived, a transfer ended).
 */
export function announce(text: string): void {
  if (!announcer?.isConnected) {
    announcer = h('div', {
      class: 'visually-hidden',
      role: 'status',
      'aria-live': 'polite',
      'data-testid': 'announcer',
    });
    document.body.append(announcer);
  }
  announcer.textContent = text;
}
