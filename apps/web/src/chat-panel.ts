import { h } from './dom.ts';

export interface ChatPanelOptions {
  /** Test ids of the list, the text field and the button (each page keeps its own). */
  ids: { messages: string; input: string; send: string };
  placeholder: string;
  /** This device's key in `data-from` of its own messages (an account device's id changes). */
  self: () => string;
  /** What a sender whose name is not known yet is called (`sender` is its key). */
  unnamed: (sender: string) => string;
  /**
   * Sends the typed text; throws (or rejects) when it could not go. A promise marks the item's
   * `data-delivery` as sending, then delivered or failed.
   */
  send: (text: string) => void | Promise<void>;
  /** The sentence for a failure to send. */
  describeFailure: (error: unknown) => string;
}

export interface ChatPanel {
  element: HTMLElement;
  /** A message another device sent; `sender` is its key (`data-from`). */
  received(sender: string, text: string): HTMLLIElement;
  /** Something the person should know, in the flow of the chat. */
  notice(text: string): HTMLLIElement;
  /**
   * A message said before this page was loaded (kept across a reload): shown as it was, marked
   * `data-restored`.
   */
  restored(kind: 'me' | 'device', sender: string, text: string): HTMLLIElement;
  /** Names `sender` from now on, its earlier messages included. */
  name(sender: string, name: string): void;
  /** What `sender` is called now. */
  nameOf(sender: string): string;
  /** Turns the field and the button off (the connection closed) or on again. */
  setDisabled(disabled: boolean): void;
}

/**
 * One chat, for the link session and the account room alike: a live list (screen readers read
 * each new message), a field and a button. Items carry `data-kind` (me, device, notice) and
 * `data-from` (the sender's key), and the sender's name in a `strong` that a rename relabels.
 */
export function chatPanel(options: ChatPanelOptions): ChatPanel {
  const names = new Map<string, string>();
  const messages = h('ul', {
    class: 'messages',
    'aria-live': 'polite',
    'aria-label': 'Messages',
    'data-testid': options.ids.messages,
  });
  const input = h('input', {
    type: 'text',
    placeholder: options.placeholder,
    autocomplete: 'off',
    'aria-label': 'Message',
    'data-testid': options.ids.input,
  });
  const send = h('button', { type: 'submit', 'data-testid': options.ids.send }, 'Send');
  const form = h('form', { class: 'chat-form' }, input, send);

  const nameOf = (sender: string) => names.get(sender) ?? options.unnamed(sender);
  const append = (kind: 'me' | 'device' | 'notice', from: string, text: string) => {
    const item = h('li', { 'data-kind': kind, 'data-from': from });
    if (kind !== 'notice')
      item.append(h('strong', {}, kind === 'me' ? 'You: ' : `${nameOf(from)}: `));
    item.append(text);
    messages.append(item);
    messages.scrollTop = messages.scrollHeight;
    return item;
  };
  const notice = (text: string) => append('notice', 'notice', text);

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const text = input.value;
    if (!text) return;
    let sent: void | Promise<void>;
    try {
      sent = options.send(text);
    } catch (error) {
      notice(options.describeFailure(error));
      return;
    }
    input.value = '';
    const item = append('me', options.self(), text);
    if (!sent) return;
    item.dataset.delivery = 'sending';
    sent.then(
      () => {
        item.dataset.delivery = 'delivered';
      },
      (error: unknown) => {
        item.dataset.delivery = 'failed';
        notice(`Not delivered: ${options.describeFailure(error)}`);
      },
    );
  });

  return {
    element: h('section', { class: 'chat' }, h('h2', {}, 'Chat'), messages, form),
    received: (sender, text) => append('device', sender, text),
    notice,
    restored(kind, sender, text) {
      const item = append(kind, sender, text);
      item.dataset.restored = 'true';
      return item;
    },
    name(sender, name) {
      names.set(sender, name);
      for (const item of messages.querySelectorAll<HTMLElement>('li[data-kind="device"]')) {
        const label = item.firstElementChild;
        if (item.dataset.from === sender && label) label.textContent = `${name}: `;
      }
    },
    nameOf,
    setDisabled(disabled) {
      input.disabled = disabled;
      send.disabled = disabled;
    },
  };
}
