import { createLinkSecret, openSignal, sealSignal } from '@webrtc-connect/signal';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { codeOf } from '../../../test/support/error-code.ts';

const signal = Uint8Array.from({ length: 74 }, (_, i) => (i * 37) & 0xff);

describe('sealing under a link secret', () => {
  it('opens with the same secret and role', async () => {
    const secret = createLinkSecret();
    expect(secret).toHaveLength(16);
    for (const form of ['standard', 'compact'] as const) {
      const sealed = await sealSignal(signal, secret, 'answer', { form });
      expect(await openSignal(sealed, secret, 'answer')).toEqual(signal);
    }
  });

  it('costs 33 bytes in the standard form and 17 in the compact one', async () => {
    const secret = createLinkSecret();
    expect((await sealSignal(signal, secret, 'offer')).length - signal.length).toBe(33);
    expect(
      (await sealSignal(signal, secret, 'offer', { form: 'compact' })).length - signal.length,
    ).toBe(17);
  });

  it('never repeats a ciphertext: each seal has its own key and nonce', async () => {
    const secret = createLinkSecret();
    const first = await sealSignal(signal, secret, 'answer');
    const second = await sealSignal(signal, secret, 'answer');
    expect(first).not.toEqual(second);
    expect(first.subarray(17)).not.toEqual(second.subarray(17));
  });

  it('hides the signal: no 8-byte run of it appears in the sealed bytes', async () => {
    const sealed = await sealSignal(signal, createLinkSecret(), 'offer');
    const hex = Buffer.from(sealed).toString('hex');
    for (let i = 0; i + 8 <= signal.length; i += 1) {
      expect(hex).not.toContain(Buffer.from(signal.subarray(i, i + 8)).toString('hex'));
    }
  });

  it('refuses every single-bit change, anywhere', async () => {
    const secret = createLinkSecret();
    for (const form of ['standard', 'compact'] as const) {
      const sealed = await sealSignal(signal, secret, 'answer', { form });
      for (let i = 1; i < sealed.length; i += 1) {
        const altered = sealed.slice();
        altered[i] = (altered[i] ?? 0) ^ (1 << (i % 8));
        expect(await codeOf(() => openSignal(altered, secret, 'answer'))).toBe(
          'ERR_AUTHENTICATION_FAILED',
        );
      }
    }
  });

  it('refuses another secret, the other role, and another context', async () => {
    const secret = createLinkSecret();
    const context = new TextEncoder().encode('mailbox 7QK2M');
    const sealed = await sealSignal(signal, secret, 'offer', { context });
    expect(await openSignal(sealed, secret, 'offer', { context })).toEqual(signal);
    expect(await codeOf(() => openSignal(sealed, createLinkSecret(), 'offer', { context }))).toBe(
      'ERR_AUTHENTICATION_FAILED',
    );
    expect(await codeOf(() => openSignal(sealed, secret, 'answer', { context }))).toBe(
      'ERR_AUTHENTICATION_FAILED',
    );
    expect(await codeOf(() => openSignal(sealed, secret, 'offer'))).toBe(
      'ERR_AUTHENTICATION_FAILED',
    );
  });

  it('refuses a forgery made without the secret', async () => {
    const secret = createLinkSecret();
    const forged = await sealSignal(signal, createLinkSecret(), 'answer');
    expect(await codeOf(() => openSignal(forged, secret, 'answer'))).toBe(
      'ERR_AUTHENTICATION_FAILED',
    );
  });

  it('names truncated, unknown and invalid input', async () => {
    const secret = createLinkSecret();
    const sealed = await sealSignal(signal, secret, 'answer');
    expect(await codeOf(() => openSignal(new Uint8Array(0), secret, 'answer'))).toBe(
      'ERR_TRUNCATED',
    );
    expect(await codeOf(() => openSignal(sealed.subarray(0, 20), secret, 'answer'))).toBe(
      'ERR_TRUNCATED',
    );
    expect(await codeOf(() => openSignal(Uint8Array.of(0x7f, ...sealed), secret, 'answer'))).toBe(
      'ERR_UNKNOWN_VERSION',
    );
    expect(await codeOf(() => sealSignal(signal, new Uint8Array(8), 'answer'))).toBe(
      'ERR_INVALID_ARGUMENT',
    );
    expect(await codeOf(() => sealSignal(signal, secret, 'other' as 'answer'))).toBe(
      'ERR_INVALID_ARGUMENT',
    );
    expect(await codeOf(() => sealSignal('x' as unknown as Uint8Array, secret, 'answer'))).toBe(
      'ERR_INVALID_ARGUMENT',
    );
  });

  describe('outside a secure context', () => {
    afterEach(() => {
      vi.unstubAllGlobals();
    });

    it('names the missing WebCrypto instead of failing on undefined', async () => {
      const secret = createLinkSecret();
      vi.stubGlobal('crypto', undefined);
      expect(await codeOf(() => sealSignal(signal, secret, 'offer'))).toBe('ERR_NO_WEBCRYPTO');
      expect(await codeOf(async () => createLinkSecret())).toBe('ERR_NO_WEBCRYPTO');
    });
  });
});
