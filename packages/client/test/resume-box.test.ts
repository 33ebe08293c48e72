import { createServer } from '@webrtc-connect/server';
import { createLinkSecret } from '@webrtc-connect/signal';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeOf } from '../../../test/support/error-code.ts';
import { MailboxClient } from '../src/link/mailbox-client.ts';
import { ResumeSealer } from '../src/resume/resume-seal.ts';

let server: FastifyInstance;
let mailbox: MailboxClient;

beforeAll(async () => {
  server = await createServer({ logLevel: 'silent' });
  mailbox = new MailboxClient(await server.listen({ host: '127.0.0.1', port: 0 }));
});
afterAll(async () => {
  await server?.close();
});

describe('resume signals through the mailbox', () => {
  it('reach the other side sealed; the server can neither forge one nor replay one', async () => {
    const secret = createLinkSecret();
    const a = await ResumeSealer.create(secret, 'a');
    const b = await ResumeSealer.create(secret, 'b');
    await mailbox.createResumeBox(a.boxId);
    const wait = new AbortController();
    const waiting = mailbox.takeResumeSignals(b.boxId, 'b', wait.signal);
    const offer = await a.seal('offer', new TextEncoder().encode('a fresh offer'));
    await mailbox.postResumeSignal(a.boxId, 'b', offer);
    const [taken] = await waiting;
    if (!taken) throw new Error('nothing taken');
    expect(new TextDecoder().decode((await b.open(taken)).body)).toBe('a fresh offer');

    // What the server holds is all it could send: the same bytes again, or changed bytes.
    await mailbox.postResumeSignal(a.boxId, 'b', offer);
    const changed = offer.slice();
    changed[20] = (changed[20] ?? 0) ^ 0xff;
    await mailbox.postResumeSignal(a.boxId, 'b', changed);
    const [replayed, forged] = await mailbox.takeResumeSignals(b.boxId, 'b', wait.signal);
    if (!replayed || !forged) throw new Error('nothing taken');
    expect(await codeOf(b.open(replayed))).toBe('ERR_REPLAYED');
    expect(await codeOf(b.open(forged))).toBe('ERR_FORGED');
  });

  it('stops a wait when asked, and says when there is no such box', async () => {
    const secret = createLinkSecret();
    const a = await ResumeSealer.create(secret, 'a');
    expect(await codeOf(mailbox.postResumeSignal(a.boxId, 'b', new Uint8Array(40)))).toBe(
      'ERR_NOT_FOUND',
    );
    await mailbox.createResumeBox(a.boxId);
    const wait = new AbortController();
    const waiting = mailbox.takeResumeSignals(a.boxId, 'a', wait.signal);
    wait.abort();
    expect(await codeOf(waiting)).toBe('ERR_CLOSED');
  });
});
