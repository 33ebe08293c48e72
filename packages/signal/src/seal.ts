import { SignalError } from './errors.ts';
import { randomBytes, subtle } from './webcrypto.ts';

/**
 * Sealing under a link secret (DESIGN §3). The secret is 128 random bits that live only in a
 * link's fragment. Each seal draws a fresh random salt; HKDF-SHA-256(secret, salt, role) gives a
 * one-time AES-GCM key and IV, so no (key, nonce) pair repeats even when B answers twice, and an
 * offer can never be replayed as an answer. The mailbox sees only these bytes.
 *
 *   form byte | salt | ciphertext | tag
 *   standard:  0x21 | 16 bytes salt | ... | 16-byte tag   (links, mailbox)
 *   compact:   0x22 |  8 bytes salt | ... |  8-byte tag   (sound, where bytes cost airtime)
 */
export type SignalRole = 'offer' | 'answer';
export type SealForm = 'standard' | 'compact';

export interface SealOptions {
  /** `compact` saves 16 bytes at the cost of a 64-bit tag; default `standard`. */
  form?: SealForm;
  /** Extra bytes the seal is bound to (for example a mailbox id); must match when opening. */
  context?: Uint8Array;
}

export interface OpenOptions {
  context?: Uint8Array;
}

const LINK_SECRET_LENGTH = 16;
const FORMS = {
  standard: { byte: 0x21, salt: 16, tag: 16 },
  compact: { byte: 0x22, salt: 8, tag: 8 },
} as const satisfies Record<SealForm, { byte: number; salt: number; tag: number }>;
const ROLE_CODES: Record<SignalRole, number> = { offer: 1, answer: 2 };

/** A fresh random 128-bit link secret. */
export function createLinkSecret(): Uint8Array {
  return randomBytes(LINK_SECRET_LENGTH);
}

export async function sealSignal(
  signal: Uint8Array,
  secret: Uint8Array,
  role: SignalRole,
  options: SealOptions = {},
): Promise<Uint8Array> {
  checkBytes(signal, 'the signal');
  const form = FORMS[options.form ?? 'standard'];
  if (!form)
    throw new SignalError('ERR_INVALID_ARGUMENT', `unknown seal form ${String(options.form)}`);
  const salt = randomBytes(form.salt);
  const header = Uint8Array.of(form.byte, ...salt);
  const { key, iv } = await deriveKey(secret, salt, role);
  const sealed = await subtle().encrypt(
    {
      name: 'AES-GCM',
      iv,
      additionalData: associatedData(header, role, options.context),
      tagLength: form.tag * 8,
    },
    key,
    own(signal),
  );
  return concat(header, new Uint8Array(sealed));
}

export async function openSignal(
  sealed: Uint8Array,
  secret: Uint8Array,
  role: SignalRole,
  options: OpenOptions = {},
): Promise<Uint8Array> {
  checkBytes(sealed, 'the sealed signal');
  const form = Object.values(FORMS).find((candidate) => candidate.byte === sealed[0]);
  if (!form) {
    throw sealed.length === 0
      ? new SignalError('ERR_TRUNCATED', 'the sealed signal is empty')
      : new SignalError(
          'ERR_UNKNOWN_VERSION',
          `unknown seal form 0x${(sealed[0] ?? 0).toString(16)}`,
        );
  }
  const headerLength = 1 + form.salt;
  if (sealed.length < headerLength + form.tag)
    throw new SignalError('ERR_TRUNCATED', 'the sealed signal is cut short');
  const header = sealed.subarray(0, headerLength);
  const { key, iv } = await deriveKey(secret, header.subarray(1), role);
  try {
    const opened = await subtle().decrypt(
      {
        name: 'AES-GCM',
        iv,
        additionalData: associatedData(header, role, options.context),
        tagLength: form.tag * 8,
      },
      key,
      own(sealed.subarray(headerLength)),
    );
    return new Uint8Array(opened);
  } catch (cause) {
    throw new SignalError(
      'ERR_AUTHENTICATION_FAILED',
      `the ${role} did not open under this link secret`,
      { cause },
    );
  }
}

async function deriveKey(secret: Uint8Array, salt: Uint8Array, role: SignalRole) {
  checkBytes(secret, 'the link secret');
  if (secret.length < 16 || secret.length > 32) {
    throw new SignalError('ERR_INVALID_ARGUMENT', 'a link secret is 16 to 32 bytes');
  }
  if (!(role in ROLE_CODES)) {
    throw new SignalError('ERR_INVALID_ARGUMENT', `unknown role ${String(role)}`);
  }
  const base = await subtle().importKey('raw', own(secret), 'HKDF', false, ['deriveBits']);
  const bits = new Uint8Array(
    await subtle().deriveBits(
      {
        name: 'HKDF',
        hash: 'SHA-256',
        salt: own(salt),
        info: new TextEncoder().encode(`webrtc-connect seal v1 ${role}`),
      },
      base,
      (16 + 12) * 8,
    ),
  );
  const key = await subtle().importKey('raw', bits.subarray(0, 16), 'AES-GCM', false, [
    'encrypt',
    'decrypt',
  ]);
  return { key, iv: bits.subarray(16) };
}

function associatedData(
  header: Uint8Array,
  role: SignalRole,
  context: Uint8Array | undefined,
): Uint8Array<ArrayBuffer> {
  if (context !== undefined) checkBytes(context, 'the context');
  return concat(header, Uint8Array.of(ROLE_CODES[role]), context ?? new Uint8Array(0));
}

function checkBytes(value: unknown, what: string): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array))
    throw new SignalError('ERR_INVALID_ARGUMENT', `${what} must be a Uint8Array`);
}

/** WebCrypto takes only ArrayBuffer-backed views; a copy also detaches us from the caller's buffer. */
function own(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return new Uint8Array(bytes);
}

function concat(...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
