/**
 * The sign-in this device remembers, so a person signs in once per device, not once per visit:
 * the token in localStorage until it expires, is refused, or the person signs out. A login page
 * of any identity provider can hand a token over in the fragment, `#account&token=<JWT>`
 * (fragments never reach a server); the page keeps it and takes it out of the address.
 */
const STORAGE_KEY = 'webrtc-connect:account-token';

/** The account page's fragment, alone or with a handed-over token after it. */
export const ACCOUNT_HASH = '#account';
const TOKEN_PARAM = 'token';

export function isAccountFragment(hash: string): boolean {
  return hash === ACCOUNT_HASH || hash.startsWith(`${ACCOUNT_HASH}&`);
}

/** A token handed over in the fragment, removed from the address bar and history entry. */
export function takeTokenFromFragment(): string | null {
  if (!location.hash.startsWith(`${ACCOUNT_HASH}&`)) return null;
  const token = new URLSearchParams(location.hash.slice(ACCOUNT_HASH.length + 1)).get(TOKEN_PARAM);
  history.replaceState(null, '', `${location.pathname}${location.search}${ACCOUNT_HASH}`);
  return token?.trim() || null;
}

export function rememberedToken(): string | null {
  try {
    return localStorage.getItem(STORAGE_KEY);
  } catch {
    // Storage off (a private mode, a policy): nothing is remembered.
    return null;
  }
}

export function rememberToken(token: string): void {
  try {
    localStorage.setItem(STORAGE_KEY, token);
  } catch {
    // As above: the sign-in lasts this visit only.
  }
}

export function forgetToken(): void {
  try {
    localStorage.removeItem(STORAGE_KEY);
  } catch {
    // Nothing was stored.
  }
}

/**
 * What the token says of itself, unverified (the server verifies): its subject and whether its
 * `exp` has passed. Null when it is not a JWT at all.
 */
export function readToken(token: string): { user: string; expired: boolean } | null {
  const payload = token.split('.')[1];
  if (!payload) return null;
  try {
    const base64 = payload.replace(/-/g, '+').replace(/_/g, '/');
    const claims = JSON.parse(atob(base64)) as { sub?: unknown; exp?: unknown };
    const expired = typeof claims.exp === 'number' && claims.exp * 1000 <= Date.now();
    return { user: typeof claims.sub === 'string' ? claims.sub : '', expired };
  } catch {
    return null;
  }
}
