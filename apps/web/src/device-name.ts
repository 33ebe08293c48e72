import { h } from './dom.ts';

/** What the person calls this device; the other side of a link session shows it. */
const STORAGE_KEY = 'webrtc-connect:device-name';
/** A label, not a payload: longer names from the peer are cut here. */
const MAX_NAME_LENGTH = 64;
/**
 * The names go over a data channel of their own, negotiated by both sides with this fixed id
 * (no signalling, and nothing the library's channel sees); far above the ids browsers give
 * channels they open themselves.
 */
const NAME_CHANNEL_ID = 100;

/** "Firefox on Linux", from the user agent: what a person would call the device at first. */
export function defaultDeviceName(userAgent: string = navigator.userAgent): string {
  const browser = /Edg\//.test(userAgent)
    ? 'Edge'
    : /OPR\//.test(userAgent)
      ? 'Opera'
      : /Firefox\//.test(userAgent)
        ? 'Firefox'
        : /Chrom(e|ium)\//.test(userAgent)
          ? 'Chrome'
          : /Safari\//.test(userAgent)
            ? 'Safari'
            : 'A browser';
  const platform = /Android/.test(userAgent)
    ? 'Android'
    : /iPhone|iPad/.test(userAgent)
      ? 'iOS'
      : /Windows/.test(userAgent)
        ? 'Windows'
        : /Mac OS X/.test(userAgent)
          ? 'macOS'
          : /CrOS/.test(userAgent)
            ? 'ChromeOS'
            : /Linux/.test(userAgent)
              ? 'Linux'
              : '';
  return platform ? `${browser} on ${platform}` : browser;
}

export function deviceName(): string {
  try {
    return localStorage.getItem(STORAGE_KEY)?.trim() || defaultDeviceName();
  } catch {
    // Storage refused (a private mode): the default every time.
    return defaultDeviceName();
  }
}

/** The field that names this device, remembered in localStorage as it is typed. */
export function deviceNameField(): HTMLElement {
  const input = h('input', {
    type: 'text',
    maxlength: String(MAX_NAME_LENGTH),
    autocomplete: 'off',
    value: deviceName(),
    'data-testid': 'device-name',
  });
  input.addEventListener('input', () => {
    try {
      const name = input.value.trim();
      if (name) localStorage.setItem(STORAGE_KEY, name);
      else localStorage.removeItem(STORAGE_KEY);
    } catch {
      // Storage refused (a private mode): the name is not kept.
    }
  });
  return h('label', { class: 'device-name' }, "This device's name", input);
}

/**
 * Tells the peer this device's name once connected, and calls `onName` with the peer's
 * (cut to a label's length). An app without it never opens the channel: the name just stays
 * unknown.
 */
export function exchangeNames(pc: RTCPeerConnection, onName: (name: string) => void): void {
  let channel: RTCDataChannel;
  try {
    channel = pc.createDataChannel('device-name', { negotiated: true, id: NAME_CHANNEL_ID });
  } catch {
    return;
  }
  const sendName = () => channel.send(JSON.stringify({ name: deviceName() }));
  if (channel.readyState === 'open') sendName();
  else channel.addEventListener('open', sendName, { once: true });
  // A name sent before the other side made its end of the channel is lost: whoever hears the
  // other's name first says its own once more, so both names arrive whichever side was late.
  let heard = false;
  channel.addEventListener('message', (event: MessageEvent) => {
    if (typeof event.data !== 'string') return;
    try {
      const { name } = JSON.parse(event.data) as { name?: unknown };
      if (!heard) {
        heard = true;
        sendName();
      }
      if (typeof name === 'string' && name.trim()) onName(name.trim().slice(0, MAX_NAME_LENGTH));
    } catch {
      // Not ours to understand: the name stays as it was.
    }
  });
}
