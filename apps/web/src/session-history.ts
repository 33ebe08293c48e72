/**
 * What a tab keeps of its link session so a reload shows what was there before: the chat in
 * order, the peer's name, the files that went either way, and until when the session can be
 * resumed. Session storage: it lives as long as the tab, is never sent anywhere, and goes when
 * the session ends (Disconnect, the link's time over, a resume given up).
 */
import type { KeptTexts } from 'webrtc-connect';

const HISTORY_KEY = 'webrtc-connect:session-history';
/**
 * The chat's resume state (`FileResume`'s `texts` event), apart from the history: it holds the
 * texts the other device has not acknowledged, which a reloaded page sends again, and is
 * written on every text, where the history's bounds do not apply (the library keeps at most
 * 1,000 unacknowledged texts).
 */
const TEXTS_KEY = 'webrtc-connect:chat-texts';

/** Bounds, so a long chat never fills the tab's storage (about 5 MB in browsers). */
export const MAX_MESSAGES = 500;
/** Files are bounded apart, so a long chat does not push them out (nor they the chat). */
export const MAX_FILES = 200;
export const MAX_HISTORY_CHARS = 1024 * 1024;
/**
 * How long a session can be resumed after it first connected: its resume box lives as long as
 * an offer, the server's `--offer-ttl` (10 minutes unless configured). A starts from its link's
 * own lifetime, B from this default, until the session says (`resumableUntil`, from the box).
 */
export const DEFAULT_RESUMABLE_MS = 10 * 60 * 1000;

export type HistoryEntry =
  /** `me`: this device said it; `device`: the other device did. */
  | { kind: 'me' | 'device'; text: string; at: number }
  | {
      kind: 'file';
      direction: 'incoming' | 'outgoing';
      name: string;
      size: number;
      /** An incoming file's key in the received-file store (absent when not kept). */
      key?: string;
      at: number;
    };

export interface SessionHistoryRecord {
  link: string;
  /** When the session first connected, and until when it can be resumed (ms since the epoch). */
  since: number;
  until: number;
  peerName?: string;
  entries: HistoryEntry[];
}

/** The session's kept history, written through on every change. */
export interface SessionHistory {
  readonly link: string;
  readonly until: number;
  readonly peerName: string | undefined;
  /** What was kept before this page loaded (or before this call), oldest first. */
  entries(): readonly HistoryEntry[];
  add(entry: HistoryEntry): void;
  setPeerName(name: string): void;
  /** Until when the session can be resumed, as the session learnt it from its resume box. */
  setUntil(until: number): void;
  /** The chat's resume state this tab kept for the session, to give back to its `FileResume`. */
  keptTexts(): KeptTexts | undefined;
  keepTexts(texts: KeptTexts): void;
  /** The session ended: nothing of it stays. */
  forget(): void;
}

function read(): SessionHistoryRecord | null {
  try {
    const text = sessionStorage.getItem(HISTORY_KEY);
    if (!text) return null;
    const record = JSON.parse(text) as SessionHistoryRecord;
    return typeof record.link === 'string' && Array.isArray(record.entries) ? record : null;
  } catch {
    return null;
  }
}

/** Drops the oldest entries until the record fits the bounds; returns its text. */
export function boundedText(record: SessionHistoryRecord): string {
  const files = record.entries.filter((entry) => entry.kind === 'file').length;
  let extraMessages = Math.max(0, record.entries.length - files - MAX_MESSAGES);
  let extraFiles = Math.max(0, files - MAX_FILES);
  if (extraMessages + extraFiles > 0) {
    record.entries = record.entries.filter((entry) => {
      if (entry.kind === 'file') return extraFiles-- <= 0;
      return extraMessages-- <= 0;
    });
  }
  let text = JSON.stringify(record);
  while (text.length > MAX_HISTORY_CHARS && record.entries.length > 0) {
    // Cut in proportion to the excess, at least one: one pass for a single big message.
    const excess = (text.length - MAX_HISTORY_CHARS) / text.length;
    record.entries.splice(0, Math.max(1, Math.ceil(record.entries.length * excess)));
    text = JSON.stringify(record);
  }
  return text;
}

/**
 * The history of the session of `link`: the one this tab kept (after a reload), or a new one
 * when it kept none or another session's (which is dropped). `resumableMs` is how long the
 * session can be resumed from its first connection.
 */
export function sessionHistory(
  link: string,
  resumableMs: number = DEFAULT_RESUMABLE_MS,
): SessionHistory {
  const kept = read();
  const now = Date.now();
  const record: SessionHistoryRecord =
    kept?.link === link ? kept : { link, since: now, until: now + resumableMs, entries: [] };
  const before = [...record.entries];
  if (kept?.link !== link) forgetTexts();
  let forgotten = false;
  const write = () => {
    if (forgotten) return;
    try {
      sessionStorage.setItem(HISTORY_KEY, boundedText(record));
    } catch {
      // Storage refused (full, or a private mode): a reload shows an empty chat, nothing worse.
    }
  };
  write();
  return {
    link,
    get until() {
      return record.until;
    },
    get peerName() {
      return record.peerName;
    },
    entries: () => before,
    add(entry) {
      record.entries.push(entry);
      write();
    },
    setPeerName(name) {
      if (record.peerName === name) return;
      record.peerName = name;
      write();
    },
    setUntil(until) {
      if (record.until === until) return;
      record.until = until;
      write();
    },
    keptTexts() {
      try {
        const text = sessionStorage.getItem(TEXTS_KEY);
        const texts = text ? (JSON.parse(text) as { link?: unknown; texts?: KeptTexts }) : null;
        return texts?.link === link ? texts.texts : undefined;
      } catch {
        return undefined;
      }
    },
    keepTexts(texts) {
      if (forgotten) return;
      try {
        sessionStorage.setItem(TEXTS_KEY, JSON.stringify({ link, texts }));
      } catch {
        // Storage refused: after a reload, texts not yet acknowledged are not sent again.
      }
    },
    forget() {
      forgotten = true;
      forgetHistory();
    },
  };
}

function forgetTexts(): void {
  try {
    sessionStorage.removeItem(TEXTS_KEY);
  } catch {}
}

/** Removes whatever session history this tab kept. */
export function forgetHistory(): void {
  try {
    sessionStorage.removeItem(HISTORY_KEY);
  } catch {}
  forgetTexts();
}

/** Until when the session this tab kept can be resumed, if it kept one for `link`. */
export function keptUntil(link: string): number | undefined {
  const kept = read();
  return kept?.link === link ? kept.until : undefined;
}
