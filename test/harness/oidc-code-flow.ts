import { createHash, randomBytes } from 'node:crypto';
import type { OidcProviderServer } from './oidc-provider-server.ts';

/** What the provider's token endpoint answers. */
export interface ProviderTokens {
  idToken: string;
  accessToken: string;
}

/**
 * Signs `login` in at the provider as a browser would, with plain HTTP requests: the
 * authorization request (code, PKCE), its development login and consent forms posted, the
 * redirects followed with the provider's cookies, then the code exchanged at its token
 * endpoint. With `resource`, the access token is for that API.
 */
export async function signInAtProvider(
  provider: OidcProviderServer,
  login: string,
  resource?: string,
): Promise<ProviderTokens> {
  const metadata = (await (
    await fetch(`${provider.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`)
  ).json()) as { authorization_endpoint: string; token_endpoint: string };
  const verifier = randomBytes(32).toString('base64url');
  const authorize = new URL(metadata.authorization_endpoint);
  authorize.search = new URLSearchParams({
    client_id: provider.clientId,
    redirect_uri: provider.redirectUri,
    response_type: 'code',
    scope: resource ? 'openid api' : 'openid',
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    ...(resource ? { resource } : {}),
  }).toString();
  const cookies = new Map<string, string>();
  const request = async (url: string, form?: Record<string, string>) => {
    const response = await fetch(url, {
      method: form ? 'POST' : 'GET',
      redirect: 'manual',
      headers: {
        cookie: [...cookies].map(([name, value]) => `${name}=${value}`).join('; '),
        ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      ...(form ? { body: new URLSearchParams(form).toString() } : {}),
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const at = pair.indexOf('=');
      cookies.set(pair.slice(0, at), pair.slice(at + 1));
    }
    return response;
  };
  let response = await request(authorize.href);
  let code: string | null = null;
  // Login, consent and the redirects between them: a handful of steps, bounded.
  for (let step = 0; step < 12 && code === null; step += 1) {
    const location = response.headers.get('location');
    if (location) {
      const next = new URL(location, response.url || authorize.href);
      if (next.href.startsWith(provider.redirectUri)) {
        const error = next.searchParams.get('error');
        if (error)
          throw new Error(
            `the provider refused: ${error} ${next.searchParams.get('error_description')}`,
          );
        code = next.searchParams.get('code');
      } else {
        response = await request(next.href);
      }
      continue;
    }
    const page = await response.text();
    const action = /<form[^>]*action="([^"]+)"/.exec(page)?.[1];
    if (!response.ok || !action)
      throw new Error(`unexpected page (${response.status}): ${page.slice(0, 300)}`);
    const formUrl = new URL(action.replaceAll('&amp;', '&'), response.url).href;
    response = page.includes('name="login"')
      ? await request(formUrl, { prompt: 'login', login, password: 'any password' })
      : await request(formUrl, { prompt: 'consent' });
  }
  if (!code) throw new Error('no code came back');
  const tokens = await fetch(metadata.token_endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: provider.redirectUri,
      client_id: provider.clientId,
      code_verifier: verifier,
      ...(resource ? { resource } : {}),
    }).toString(),
  });
  const body = (await tokens.json()) as {
    id_token?: string;
    access_token?: string;
    error?: string;
  };
  if (!body.id_token || !body.access_token) throw new Error(`no tokens: ${JSON.stringify(body)}`);
  return { idToken: body.id_token, accessToken: body.access_token };
}
