import {
  ACCOUNT_ERROR_CLOSE,
  ACCOUNT_ERROR_CODES,
  MAILBOX_ERROR_CODES,
  MAILBOX_ERROR_STATUS,
  mailboxSchemas,
} from '@webrtc-connect/protocol';
import { SERVER_ERROR_CODES } from '@webrtc-connect/server';
import { describe, expect, it } from 'vitest';

describe('the protocol as the server serves it', () => {
  it('gives every error code a status and a description, in the README table too', () => {
    expect(Object.keys(MAILBOX_ERROR_STATUS).sort()).toEqual(
      Object.keys(MAILBOX_ERROR_CODES).sort(),
    );
    for (const [code, status] of Object.entries(MAILBOX_ERROR_STATUS)) {
      expect(SERVER_ERROR_CODES[code as keyof typeof SERVER_ERROR_CODES]).toMatch(
        new RegExp(`^HTTP ${status}\\. `),
      );
    }
  });

  it('gives every account error code its close behaviour, in the README table too', () => {
    expect(Object.keys(ACCOUNT_ERROR_CLOSE).sort()).toEqual(
      Object.keys(ACCOUNT_ERROR_CODES).sort(),
    );
    for (const [code, close] of Object.entries(ACCOUNT_ERROR_CLOSE)) {
      const described = SERVER_ERROR_CODES[code as keyof typeof SERVER_ERROR_CODES];
      expect(described).toMatch(
        close === null
          ? /^Account socket\. /
          : new RegExp(`^Account socket, then close ${close}\\. `),
      );
      // Codes are unique across the mailbox and the account socket: one meaning each.
      expect(Object.hasOwn(MAILBOX_ERROR_CODES, code), code).toBe(false);
    }
  });

  it('bounds the sealed blob in the schema at the configured size', () => {
    expect(mailboxSchemas(4096).postOffer.body.properties.sealed.maxLength).toBe(5462);
    expect(mailboxSchemas(64).postReply.body.properties.sealed.maxLength).toBe(86);
  });

  it("describes the ICE-server answer's own fields only", () => {
    // A merge once pasted the resume-box routes into this answer's properties.
    const answer = mailboxSchemas(4096).iceServers.response[200];
    expect(Object.keys(answer.properties).sort()).toEqual(['expiresAt', 'iceServers']);
    expect(answer.required).toEqual(['iceServers']);
  });
});
