import { showAnswerPage } from './answer-page.ts';
import { showOfferPage } from './offer-page.ts';

const app = document.getElementById('app');
if (!app) throw new Error('the page has no #app element');

const offerText = new URLSearchParams(location.hash.slice(1)).get('o');
if (offerText) showAnswerPage(app, offerText);
else showOfferPage(app);

// Opening another link in the same tab starts over with it.
window.addEventListener('hashchange', () => location.reload());
