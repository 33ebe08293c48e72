import { deviceNameField } from './device-name.ts';
import { h } from './dom.ts';
import { showOfferPage } from './offer-page.ts';

/** The start: one button makes a link; the option puts the offer in the link itself. */
export function showHomePage(container: HTMLElement): void {
  const selfContained = h('input', { type: 'checkbox', 'data-testid': 'self-contained' });
  const create = h(
    'button',
    { type: 'button', class: 'primary', 'data-testid': 'create-link' },
    'Create a link',
  );
  create.addEventListener('click', () =>
    showOfferPage(container, { selfContained: selfContained.checked }),
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
      deviceNameField(),
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
