import fastifyHelmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';

/**
 * What the web app may load and do, and nothing more. Its scripts, styles, decoder worker and
 * service worker all come from this origin; the sound capture worklet is built by the library
 * from its own source into a `blob:` URL (worklets obey `script-src`), so `blob:` is the one
 * addition: only a script already running here can make such a URL, so it opens no door to
 * injected markup. The account socket and the mailbox are this origin too (`'self'` covers
 * `ws:`/`wss:` to it). No inline script, no `eval`, no framing by anyone.
 */
export const CONTENT_SECURITY_POLICY = {
  'default-src': ["'none'"],
  'script-src': ["'self'", 'blob:'],
  'worker-src': ["'self'"],
  'style-src': ["'self'"],
  'img-src': ["'self'"],
  'font-src': ["'self'"],
  'connect-src': ["'self'"],
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
 * The security headers on every answer, the app's and the API's: a strict CSP, nosniff, no
 * referrer (a link's fragment never leaves anyway, but its path names the offer), no framing
 * (clickjacking of "Create a link" and of the microphone prompt), a browsing context group of
 * its own. HSTS is left to the TLS proxy in front, which knows the domain's policy.
 */
export async function securityHeaders(app: FastifyInstance): Promise<void> {
  await app.register(fastifyHelmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: Object.fromEntries(
        Object.entries(CONTENT_SECURITY_POLICY).map(([name, values]) => [name, [...values]]),
      ),
    },
    crossOriginOpenerPolicy: { policy: 'same-origin' },
    crossOriginResourcePolicy: { policy: 'same-origin' },
    crossOriginEmbedderPolicy: false,
    referrerPolicy: { policy: 'no-referrer' },
    frameguard: { action: 'deny' },
    strictTransportSecurity: false,
  });
  app.addHook('onRequest', async (_request, reply) => {
    reply.header('permissions-policy', PERMISSIONS_POLICY);
  });
}
