import { h } from './dom.ts';

/** What the person calls this device; the other side of a link session shows it. */
const STORAGE_KEY = 'webrtc-connect:device-name';
/** A label, not a payload: longer names from the peer are cut here. */
const MAX_NAME_LENGTH = 64;
/** Who wants to know when the person renames this device (a session tells its peers). */
const renameListeners = new Set<(name: string) => void>();

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
  let current = deviceName();
  input.addEventListener('input', () => {
    try {
      const name = input.value.trim();
      if (name) localStorage.setItem(STORAGE_KEY, name);
      else localStorage.removeItem(STORAGE_KEY);
    } catch {
      // Storage refused (a private mode): the name is not kept.
    }
  });
  // Peers hear of a rename once the person is done typing (Enter, or leaving the field), not
  // at each key.
  input.addEventListener('change', () => {
    const name = input.value.trim() || defaultDeviceName();
    if (name === current) return;
    current = name;
    for (const listener of renameListeners) listener(name);
  });
  return h('label', { class: 'device-name' }, "This device's name", input);
}

/** Calls `listener` with this device's new name each time the person settles on one. */
export function onRename(listener: (name: string) => void): () => void {
  renameListeners.add(listener);
  return () => renameListeners.delete(listener);
}

/** A name from another device, as this app shows it: trimmed, cut to a label's length. */
export function peerDeviceName(name: string): string | undefined {
  return name.trim().slice(0, MAX_NAME_LENGTH) || undefined;
}
