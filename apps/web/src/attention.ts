/**
 * What a hidden tab does when something happens in it (connected, a message, a finished file):
 * a count and the news in its title, a dot on its favicon, and a notification where the person
 * has allowed them. All of it goes when the tab is seen again.
 */
const BADGE_ICON = '/favicon-badge.svg';

let unseen = 0;
let title: string | undefined;
let icons: HTMLLinkElement[] = [];

export function drawAttention(news: string): void {
  if (!document.hidden) return;
  unseen += 1;
  title ??= document.title;
  document.title = `(${unseen}) ${news} · ${title}`;
  if (icons.length === 0) {
    icons = [...document.querySelectorAll<HTMLLinkElement>('link[rel="icon"]')];
    const badge = document.createElement('link');
    badge.rel = 'icon';
    badge.type = 'image/svg+xml';
    badge.href = BADGE_ICON;
    badge.dataset.badge = '';
    for (const icon of icons) icon.remove();
    document.head.append(badge);
  }
  if ('Notification' in globalThis && Notification.permission === 'granted') {
    try {
      // One notification at a time: a newer one replaces the last (same tag).
      new Notification(news, { icon: '/icon-192.png', tag: 'webrtc-connect' });
    } catch {
      // Some browsers allow notifications only from a service worker: the title still says it.
    }
  }
}

document.addEventListener('visibilitychange', () => {
  if (document.hidden || unseen === 0) return;
  unseen = 0;
  if (title !== undefined) document.title = title;
  document.querySelector('link[data-badge]')?.remove();
  document.head.append(...icons);
  icons = [];
});
