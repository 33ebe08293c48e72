import { h } from './dom.ts';

/** How much smaller the signal got: the reason this project exists, shown as it happens. */
export function sizeTable(sdp: string, bytes: Uint8Array, text: string): HTMLTableElement {
  const row = (label: string, value: string) => h('tr', {}, h('td', {}, label), h('td', {}, value));
  return h(
    'table',
    { class: 'sizes', 'data-testid': 'sizes' },
    row('SDP', `${new TextEncoder().encode(sdp).length} bytes`),
    row('compact signal', `${bytes.length} bytes`),
    row('as link text', `${text.length} characters`),
  );
}
