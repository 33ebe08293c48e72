// The app's service worker: once a browser has opened the app, it opens again with no network,
// so two devices in one room can still connect by sound (both legs need no server at all).
// Built to /sw.js with the list of the build's files (vite.config.ts fills PRECACHE in).
// Nothing under /api/ is touched: the mailbox and the account rooms always go to the network.

// Typed by hand: the WebWorker lib cannot sit beside the DOM lib in one program.
interface ExtendableEvent extends Event {
  waitUntil(promise: Promise<unknown>): void;
  /** ServiceWorker static routing (Chromium 123+): requests the worker never sees. */
  addRoutes?(rules: unknown): Promise<void>;
}
interface FetchEvent extends ExtendableEvent {
  readonly request: Request;
  respondWith(response: Promise<Response>): void;
}
const scope = globalThis as unknown as {
  addEventListener(type: 'install' | 'activate', listener: (event: ExtendableEvent) => void): void;
  addEventListener(type: 'fetch', listener: (event: FetchEvent) => void): void;
  skipWaiting(): Promise<void>;
  clients: { claim(): Promise<void> };
  location: Location;
};

/** Replaced at build time: the app's files, and a version that changes with any of them. */
declare const PRECACHE: { version: string; files: string[] };

const PREFIX = 'webrtc-connect-app-';
const CACHE = `${PREFIX}${PRECACHE.version}`;
/** The page itself, which every navigation falls back to offline (a single-page app). */
const PAGE = '/';

scope.addEventListener('install', (event) => {
  // Where the browser can, API requests skip the worker altogether: no worker start-up for a
  // long-poll, and a request sent as a page closes (the link's withdrawal) is not held by it.
  event
    .addRoutes?.({ condition: { urlPattern: { pathname: '/api/*' } }, source: 'network' })
    .catch(() => {});
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll([PAGE, ...PRECACHE.files]))
      .then(() => scope.skipWaiting()),
  );
});

scope.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) =>
        Promise.all(
          names
            .filter((name) => name.startsWith(PREFIX) && name !== CACHE)
            .map((name) => caches.delete(name)),
        ),
      )
      .then(() => scope.clients.claim()),
  );
});

scope.addEventListener('fetch', (event) => {
  const { request } = event;
  const url = new URL(request.url);
  if (
    request.method !== 'GET' ||
    url.origin !== scope.location.origin ||
    url.pathname.startsWith('/api/')
  ) {
    return;
  }
  if (request.mode === 'navigate') {
    // The network first, so an online visit gets the newest app; the cached page offline.
    event.respondWith(
      fetch(request).catch(async () => (await caches.match(PAGE)) ?? Response.error()),
    );
    return;
  }
  // Built files carry their content's hash in their names: a cached one is never stale.
  event.respondWith(caches.match(request).then((cached) => cached ?? fetch(request)));
});
