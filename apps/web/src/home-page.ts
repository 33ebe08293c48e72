import { deviceNameField } from './device-name.ts';
import { h } from './dom.ts';
import { showOfferPage } from './offer-page.ts';
import { scanPanel } from './qr-scanner.ts';
import { openScannedLink } from './scanned-link.ts';

/** The start: one button makes a link; the option puts the offer in the link itself. */
export function showHomePage(container: HTMLElement): void {
  const selfContained = h('input', { type: 'checkbox', 'data-testid': 'self-contained' });
  const qrReply = h('input', { type: 'checkbox', 'data-testid': 'qr-reply' });
  const create = h(
    'button',
    { type: 'button', class: 'primary', 'data-testid': 'create-link' },
    'Create a link',
  );
  create.addEventListener('click', () =>
    showOfferPage(container, {
      // With no server the offer can only travel in the link.
      selfContained: selfContained.checked || qrReply.checked,
      qrReply: qrReply.checked,
    }),
  );
  container.replaceChildren(
    h(
      'section',
      { class: 'home' },
      h('h2', {}, 'Connect two devices'),
      h(
        'p',
        {},
        'Make a link here and open it on the other device (or scan its QR code). The two connect directly: chat and files never pass through the server.',
      ),
      create,
      h(
        'label',
        { class: 'option' },
        selfContained,
        ' Put the whole offer in the link (longer; the server never holds it, and you type the reply code)',
      ),
      h(
        'label',
        { class: 'option' },
        qrReply,
        ' No server at all: the other device shows its answer as a QR code, and this one scans it (both need a camera)',
      ),
      deviceNameField(),
      h('h2', { class: 'scan-heading' }, 'Got a link on another device?'),
      h('p', { class: 'hint' }, 'Scan the QR code it shows to open the link here.'),
      scanPanel({
        label: 'Scan a link',
        otherwise: 'Open the link on this device by hand instead.',
        onCode: openScannedLink,
      }),
      h(
        'p',
        {},
        h(
          'a',
          { href: '#sound', 'data-testid': 'sound-link' },
          'No network server? Connect by sound',
        ),
      ),
      h(
        'p',
        {},
        h(
          'a',
          { href: '#account', 'data-testid': 'account-link' },
          'Your devices: sign in to connect all of them',
        ),
      ),
    ),
  );
}
