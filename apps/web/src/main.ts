import { isOidcCallback } from './account-oidc.ts';
import { showAccountPage } from './account-page.ts';
import { isAccountFragment } from './account-token.ts';
import { showAnswerPage } from './answer-page.ts';
import { showHomePage } from './home-page.ts';
import { showOfferPage } from './offer-page.ts';
import { keptTicket, showResumedPage } from './resumable-session-view.ts';
import { showSoundPage } from './sound-page.ts';

const app = document.getElementById('app');
if (!app) throw new Error('the page has no #app element');

/** The account (see account-token.ts) and sound pages' fragments; any other is a link's. */
const SOUND_HASH = '#sound';

// A link's fragment holds the offer (or its id) and the link secret; browsers never send it.
// A provider's answer to "Sign in with …" comes back in the fragment too (account-oidc.ts).
// A reloaded page of a link session resumes it, with the ticket this tab kept.
const ticket = keptTicket();
// A's reloaded page can still make a new link once the session is over (B's goes home).
if (ticket)
  showResumedPage(
    app,
    ticket,
    ticket.side === 'a' ? () => showOfferPage(app, { selfContained: false }) : undefined,
  );
else if (isAccountFragment(location.hash) || isOidcCallback(location.hash)) showAccountPage(app);
else if (location.hash === SOUND_HASH) showSoundPage(app);
else if (location.hash.length > 1) showAnswerPage(app, location.href);
else showHomePage(app);

// Opening another link in the same tab starts over with it.
window.addEventListener('hashchange', () => location.reload());

// Keeps the app for offline use (the sound way needs no network), where browsers allow service
// workers (secure contexts). Only a build has /sw.js; under the dev server this fails, quietly.
if ('serviceWorker' in navigator) {
  navigator.serviceWorker.register('/sw.js').catch(() => {
    // Without it the app works as before; it just does not open offline.
  });
}
