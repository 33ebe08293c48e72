import fastifyHelmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';

/**
 * What the web app may load and do, and nothing more. Its scripts, styles, decoder worker and
 * service worker all come from this origin; the sound capture worklet is built by the library
 * from its own source into a `blob:` URL (worklets obey `script-src`), so `blob:` is the one
 * addition: only a script already running here can make such a URL, so it opens no door to
 * injected markup. The account socket and the mailbox are this origin too (`'self'` covers
 * `ws:`/`wss:` to it); `blob:` in `connect-src` lets the page read back the files it received
 * (Blob URLs it made itself; nothing from elsewhere). An OpenID Connect sign-in adds the
 * provider's origin to `connect-src` (`securityHeaders`' `connectOrigins`). `'wasm-unsafe-eval'`
 * lets the page compile WebAssembly (the QR decoder, from this origin, where the browser has no
 * BarcodeDetector): it allows no JavaScript `eval` and loads nothing, so a script must already
 * run here to use it. No inline script, no `eval`, no framing by anyone.
 */
export const CONTENT_SECURITY_POLICY = {
  'default-src': ["'none'"],
  'script-src': ["'self'", 'blob:', "'wasm-unsafe-eval'"],
  'worker-src': ["'self'"],
  'style-src': ["'self'"],
  // blob: for the preview of an image the page received over its data channel (a Blob URL the
  // page made itself; an <img> runs no script, SVG included).
  'img-src': ["'self'", 'blob:'],
  'font-src': ["'self'"],
  'connect-src': ["'self'", 'blob:'],
  'manifest-src': ["'self'"],
  'base-uri': ["'none'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
  'object-src': ["'none'"],
} as const;

/** The microphone (sound way) and camera for this origin only; nothing else the app needs. */
export const PERMISSIONS_POLICY =
  'microphone=(self), camera=(self), geolocation=(), payment=(), usb=(), serial=(), bluetooth=(), display-capture=()';

/**
 * The security headers on every answer, the app's and the API's: the app's strict CSP, no
 * referrer (a link's fragment never leaves anyway, but its path names the offer), no framing
 * (clickjacking of "Create a link" and of the microphone prompt), a browsing context group of
 * its own. HSTS is left to the TLS proxy in front, which knows the domain's policy.
 */
export async function securityHeaders(
  app: FastifyInstance,
  connectOrigins: readonly string[] = [],
): Promise<void> {
  await app.register(fastifyHelmet, {
    // The app's own, below: API answers are JSON no browser renders (nosniff), and pages that
    // embed the library on another origin set their own policy.
    contentSecurityPolicy: false,
    crossOriginOpenerPolicy: { policy: 'same-origin' },
    crossOriginResourcePolicy: { policy: 'same-origin' },
    crossOriginEmbedderPolicy: false,
    referrerPolicy: { policy: 'no-referrer' },
    frameguard: { action: 'deny' },
    strictTransportSecurity: false,
  });
  const policy = Object.entries(CONTENT_SECURITY_POLICY)
    .map(([name, values]) => {
      const sources = name === 'connect-src' ? [...values, ...connectOrigins] : values;
      return `${name} ${sources.join(' ')}`;
    })
    .join('; ');
  app.addHook('onRequest', async (request, reply) => {
    reply.header('permissions-policy', PERMISSIONS_POLICY);
    if (!request.url.startsWith('/api/')) reply.header('content-security-policy', policy);
  });
}
