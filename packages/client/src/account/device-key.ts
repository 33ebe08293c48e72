import {
  type ChallengeFrame,
  DEVICE_KEY_ALGORITHM,
  DEVICE_SIGNATURE_ALGORITHM,
  type DevicePublicKey,
  deviceProofText,
  devicePublicKeyOf,
} from '@webrtc-connect/protocol';
import { toLinkText } from '@webrtc-connect/signal';
import { ConnectError } from '../errors.ts';

/**
 * The key a device proves to the account server, so it keeps its `<user>-client-<n>` across
 * reloads and reconnects (docs/account-protocol.md, "Device identity").
 */
export interface DeviceIdentity {
  keys: CryptoKeyPair;
  publicKey: DevicePublicKey;
  /**
   * Whether the key outlives this session (kept in the browser, or the app's own): if not, a
   * clean leave asks the server to forget it, since nobody can come back with it.
   */
  lasting: boolean;
}

/** `deviceKey` of `joinAccount`: the app's own pair, or false for none; default below. */
export type DeviceKeyOption = CryptoKeyPair | false | undefined;

const DATABASE = 'webrtc-connect';
const STORE = 'device-keys';
/** Names this tab's key: session storage lives as long as the tab, across reloads. */
const TAB_KEY = 'webrtc-connect:device-key';
/** Keys of tabs not seen for this long are deleted from the database when a tab starts. */
const FORGET_AFTER_MS = 30 * 86_400_000;

/**
 * The device key of a session. The app's pair when it gives one (a Node device that persists
 * it); none with `false`; in a browser, one per tab: its private half made non-extractable and
 * kept in IndexedDB, found again through session storage, so a reload comes back as the same
 * device while two tabs stay two devices; elsewhere (or when storage fails), one in memory for
 * the session, so a lost socket still rejoins as the same device.
 */
export async function deviceIdentity(option: DeviceKeyOption): Promise<DeviceIdentity | undefined> {
  if (option === false) return undefined;
  if (option !== undefined) return identityOf(option, true);
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) return undefined;
  const stored = await tabKeys().catch(() => undefined);
  if (stored) return identityOf(stored, true);
  return identityOf(await newKeys(), false);
}

/** The proof for a challenge: the signature of its text, base64url. */
export async function proveDevice(
  identity: DeviceIdentity,
  challenge: ChallengeFrame,
): Promise<string> {
  const text = new TextEncoder().encode(deviceProofText(challenge));
  const signature = await crypto.subtle.sign(
    DEVICE_SIGNATURE_ALGORITHM,
    identity.keys.privateKey,
    text,
  );
  return toLinkText(new Uint8Array(signature));
}

async function identityOf(keys: CryptoKeyPair, lasting: boolean): Promise<DeviceIdentity> {
  let jwk: JsonWebKey;
  try {
    jwk = await crypto.subtle.exportKey('jwk', keys.publicKey);
  } catch (error) {
    throw new ConnectError('ERR_INVALID_OPTIONS', 'deviceKey must be an ECDSA P-256 key pair', {
      cause: error,
    });
  }
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256') {
    throw new ConnectError('ERR_INVALID_OPTIONS', 'deviceKey must be an ECDSA P-256 key pair');
  }
  return { keys, publicKey: devicePublicKeyOf(jwk), lasting };
}

function newKeys(): Promise<CryptoKeyPair> {
  return crypto.subtle.generateKey(DEVICE_KEY_ALGORITHM, false, ['sign', 'verify']);
}

interface StoredKey {
  id: string;
  keys: CryptoKeyPair;
  usedAt: number;
}

/** This tab's key pair from IndexedDB, made there on first use; undefined outside a browser. */
async function tabKeys(): Promise<CryptoKeyPair | undefined> {
  if (typeof indexedDB === 'undefined' || typeof sessionStorage === 'undefined') return undefined;
  const db = await openDatabase();
  try {
    const id = sessionStorage.getItem(TAB_KEY);
    const found = id
      ? await request<StoredKey | undefined>(db, 'readonly', (s) => s.get(id))
      : undefined;
    const now = Date.now();
    if (found) {
      await request(db, 'readwrite', (s) => s.put({ ...found, usedAt: now }));
      return found.keys;
    }
    const made: StoredKey = { id: crypto.randomUUID(), keys: await newKeys(), usedAt: now };
    await request(db, 'readwrite', (s) => s.put(made));
    sessionStorage.setItem(TAB_KEY, made.id);
    await forgetOldKeys(db, now).catch(() => {});
    return made.keys;
  } finally {
    db.close();
  }
}

function openDatabase(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const opening = indexedDB.open(DATABASE, 1);
    opening.onupgradeneeded = () => opening.result.createObjectStore(STORE, { keyPath: 'id' });
    opening.onsuccess = () => resolve(opening.result);
    opening.onerror = () => reject(opening.error);
    opening.onblocked = () => reject(new Error('the device key database is blocked'));
  });
}

function request<T>(
  db: IDBDatabase,
  mode: IDBTransactionMode,
  make: (store: IDBObjectStore) => IDBRequest,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const transaction = db.transaction(STORE, mode);
    const pending = make(transaction.objectStore(STORE));
    transaction.oncomplete = () => resolve(pending.result as T);
    transaction.onerror = () => reject(transaction.error);
    transaction.onabort = () => reject(transaction.error);
  });
}

/** Tabs closed long ago leave their keys behind: delete those not used for 30 days. */
async function forgetOldKeys(db: IDBDatabase, now: number): Promise<void> {
  const all = await request<StoredKey[]>(db, 'readonly', (s) => s.getAll());
  const old = all.filter((stored) => now - stored.usedAt > FORGET_AFTER_MS);
  for (const stored of old) await request(db, 'readwrite', (s) => s.delete(stored.id));
}
