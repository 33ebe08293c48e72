import type { SignInOptionsResponse } from '@webrtc-connect/protocol';
import { isConnectError } from 'webrtc-connect';
import { type AccountToken, joinAccount } from 'webrtc-connect/account';
import {
  finishOidcSignIn,
  forgetOidcSession,
  hasOidcSession,
  isOidcCallback,
  oidcTokenFunction,
  startOidcSignIn,
} from './account-oidc.ts';
import { showAccountRoom } from './account-room-view.ts';
import {
  forgetToken,
  readToken,
  rememberedToken,
  rememberToken,
  takeTokenFromFragment,
} from './account-token.ts';
import { h } from './dom.ts';
import { describeError, errorCode } from './error-messages.ts';
import { appIceServers } from './ice-servers.ts';

/** How often a joined device asks the server for its STUN and TURN servers again. */
const ICE_REFRESH_MS = 60 * 60_000;

/** The server's development sign-in (`npm start` has it on); a real deployment has a provider. */
const DEV_SIGN_IN_PATH = '/api/dev/sign-in';
/** How this server signs people in (`SignInOptionsResponse`). */
const SIGN_IN_OPTIONS_PATH = '/api/sign-in';

/**
 * Signing in, then joining the user's room: by the development sign-in (a name), with a token
 * pasted from an identity provider, or handed over in the fragment; a device that signed in
 * before joins with its remembered token at once.
 */
export function showAccountPage(container: HTMLElement): void {
  const name = h('input', {
    type: 'text',
    placeholder: 'Name, e.g. alice',
    autocomplete: 'username',
    'aria-label': 'Name',
    'data-testid': 'account-name',
  });
  const signIn = h('button', { type: 'submit', 'data-testid': 'account-sign-in' }, 'Sign in');
  const token = h('textarea', {
    rows: '3',
    placeholder: 'Or paste a token (JWT)',
    'aria-label': 'Token',
    'data-testid': 'account-token',
  });
  const useToken = h(
    'button',
    { type: 'submit', class: 'secondary', 'data-testid': 'account-use-token' },
    'Join with this token',
  );
  const status = h('p', { class: 'status', role: 'status', 'data-testid': 'account-status' });
  const providerSignIn = h(
    'button',
    { type: 'button', hidden: '', 'data-testid': 'account-oidc-sign-in' },
    'Sign in',
  );
  const buttons = [signIn, useToken, providerSignIn];

  const fail = (message: string, code: string) => {
    status.classList.add('error');
    status.dataset.errorCode = code;
    status.textContent = message;
    for (const button of buttons) button.disabled = false;
  };
  const join = async (tokenSource: AccountToken) => {
    status.textContent = 'Joining your devices…';
    try {
      const session = await joinAccount({
        server: location.origin,
        token: tokenSource,
        RTCPeerConnection,
        iceServers: await appIceServers(),
      });
      if (typeof tokenSource === 'string') rememberToken(tokenSource);
      // TURN credentials from the server last a day; a device may stay longer.
      const refresh = setInterval(
        () => appIceServers().then((servers) => session.setIceServers(servers)),
        ICE_REFRESH_MS,
      );
      showAccountRoom(container, session, () => {
        clearInterval(refresh);
        forgetToken();
        forgetOidcSession();
        showAccountPage(container);
      });
    } catch (error) {
      // Refused or not: a token that did not get this device in is not kept.
      forgetToken();
      forgetOidcSession();
      fail(refusalSentence(error), serverCode(error) ?? errorCode(error));
    }
  };
  const start = (event: SubmitEvent, getToken: () => Promise<string>) => {
    event.preventDefault();
    for (const button of buttons) button.disabled = true;
    status.classList.remove('error');
    status.removeAttribute('data-error-code');
    getToken().then(join, (error: unknown) =>
      fail(error instanceof Error ? error.message : String(error), 'ERR_SIGN_IN'),
    );
  };

  const signInForm = h('form', { class: 'chat-form' }, name, signIn);
  signInForm.addEventListener('submit', (event) => start(event, () => devSignIn(name.value)));
  const tokenForm = h('form', { class: 'token-form' }, token, useToken);
  tokenForm.addEventListener('submit', (event) =>
    start(event, async () => {
      const text = token.value.trim();
      if (!text) throw new Error('Paste a token first.');
      return text;
    }),
  );

  container.replaceChildren(
    h(
      'section',
      { class: 'home' },
      h('h2', {}, 'Your devices'),
      h(
        'p',
        {},
        'Sign in on each of your devices: they join one room, chat and send files to each other directly. One of them relays for the others; if it goes, another takes over.',
      ),
      providerSignIn,
      signInForm,
      h('p', { class: 'hint' }, 'Development sign-in: anyone can sign in under any name.'),
      tokenForm,
      status,
      h('p', {}, h('a', { href: location.pathname }, 'Back to links')),
    ),
  );

  const disable = () => {
    for (const button of buttons) button.disabled = true;
  };
  const callback = isOidcCallback(location.hash);
  if (callback) disable();
  void signInOptions().then((options) => {
    const oidc = options?.oidc;
    if (!oidc) {
      if (callback) fail('This server has no provider to sign in with.', 'ERR_SIGN_IN');
      return;
    }
    providerSignIn.textContent = `Sign in with ${oidc.name}`;
    providerSignIn.hidden = false;
    providerSignIn.addEventListener('click', () => {
      disable();
      startOidcSignIn(oidc).catch((error: unknown) => fail(messageOf(error), 'ERR_SIGN_IN'));
    });
    if (callback) {
      status.textContent = `Signing in with ${oidc.name}…`;
      finishOidcSignIn(oidc).then(
        () => join(oidcTokenFunction(oidc)),
        (error: unknown) => fail(messageOf(error), 'ERR_SIGN_IN'),
      );
    } else if (hasOidcSession() && rememberedToken() === null) {
      disable();
      void join(oidcTokenFunction(oidc));
    }
  });
  if (callback) return;

  const known = takeTokenFromFragment() ?? rememberedToken();
  if (known === null) return;
  const claims = readToken(known);
  if (claims?.expired) {
    forgetToken();
    fail('Your sign-in has expired. Sign in again.', 'ERR_TOKEN_EXPIRED');
    return;
  }
  for (const button of buttons) button.disabled = true;
  void join(known);
  if (claims?.user) status.textContent = `Signed in on this device as ${claims.user}: joining…`;
}

/** What the server offers; null from a server that does not say (older, or unreachable). */
async function signInOptions(): Promise<SignInOptionsResponse | null> {
  try {
    const response = await fetch(SIGN_IN_OPTIONS_PATH);
    return response.ok ? ((await response.json()) as SignInOptionsResponse) : null;
  } catch {
    return null;
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function devSignIn(name: string): Promise<string> {
  const trimmed = name.trim();
  if (!trimmed) throw new Error('Type a name first.');
  let response: Response;
  try {
    response = await fetch(DEV_SIGN_IN_PATH, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: trimmed }),
    });
  } catch {
    throw new Error('The server could not be reached. Check the network and try again.');
  }
  if (response.status === 404) {
    throw new Error('This server has no development sign-in. Paste a token instead.');
  }
  if (!response.ok) {
    throw new Error('The server refused that name: use 1 to 64 letters, digits, _ . or -.');
  }
  return ((await response.json()) as { token: string }).token;
}

/** The code the server refused or closed with (ERR_TOKEN_EXPIRED, ERR_ROOM_FULL, …), if any. */
function serverCode(error: unknown): string | undefined {
  return isConnectError(error) ? error.serverCode : undefined;
}

const REFUSALS: Record<string, string> = {
  ERR_TOKEN_EXPIRED: 'Your sign-in has expired. Sign in again.',
  ERR_ROOM_FULL: 'Too many of your devices are connected already. Close one and try again.',
  ERR_SERVER_FULL: 'The server is full. Try again later.',
};

function refusalSentence(error: unknown): string {
  const code = serverCode(error);
  if (code === undefined) return describeError(error, 'connection');
  const sentence =
    REFUSALS[code] ??
    (code.startsWith('ERR_TOKEN')
      ? 'The server does not accept this token (it is malformed, or from another issuer). Sign in again.'
      : describeError(error, 'connection'));
  return `${sentence} (${code})`;
}
