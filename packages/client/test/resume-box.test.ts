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
    const waiting = mailbox.takeResumeSignals(b.boxId, 'b', 0, wait.signal);
    const offer = await a.seal('offer', new TextEncoder().encode('a fresh offer'));
    await mailbox.postResumeSignal(a.boxId, 'b', offer);
    const [taken] = await waiting;
    if (!taken) throw new Error('nothing taken');
    expect(taken.seq).toBe(1);
    expect(new TextDecoder().decode((await b.open(taken.sealed)).body)).toBe('a fresh offer');

    // What the server holds is all it could send: the same bytes again, or changed bytes.
    await mailbox.postResumeSignal(a.boxId, 'b', offer);
    const changed = offer.slice();
    changed[20] = (changed[20] ?? 0) ^ 0xff;
    await mailbox.postResumeSignal(a.boxId, 'b', changed);
    const [replayed, forged] = await mailbox.takeResumeSignals(b.boxId, 'b', 1, wait.signal);
    if (!replayed || !forged) throw new Error('nothing taken');
    expect([replayed.seq, forged.seq]).toEqual([2, 3]);
    expect(await codeOf(b.open(replayed.sealed))).toBe('ERR_REPLAYED');
    expect(await codeOf(b.open(forged.sealed))).toBe('ERR_FORGED');
  });

  it('answers a signal again until a wait acknowledges it (a response lost on the way loses nothing)', async () => {
    const secret = createLinkSecret();
    const a = await ResumeSealer.create(secret, 'a');
    await mailbox.createResumeBox(a.boxId);
    const sealed = await a.seal('offer', new TextEncoder().encode('once'));
    await mailbox.postResumeSignal(a.boxId, 'b', sealed);
    const wait = new AbortController();
    // One request each (wait 0): the first is answered, as if its response never arrived.
    const once = () => {
      let asks = 0;
      return () => ++asks === 1;
    };
    const first = await mailbox.takeResumeSignals(a.boxId, 'b', 0, wait.signal, 0, once());
    const again = await mailbox.takeResumeSignals(a.boxId, 'b', 0, wait.signal, 0, once());
    expect(again).toEqual(first);
    expect(again.map((signal) => signal.seq)).toEqual([1]);
    expect(await mailbox.takeResumeSignals(a.boxId, 'b', 1, wait.signal, 0, once())).toEqual([]);
    expect(await mailbox.takeResumeSignals(a.boxId, 'b', 0, wait.signal, 0, once())).toEqual([]);
  });

  it('stops a wait when asked, and says when there is no such box', async () => {
    const secret = createLinkSecret();
    const a = await ResumeSealer.create(secret, 'a');
    expect(await codeOf(mailbox.postResumeSignal(a.boxId, 'b', new Uint8Array(40)))).toBe(
      'ERR_NOT_FOUND',
    );
    await mailbox.createResumeBox(a.boxId);
    const wait = new AbortController();
    const waiting = mailbox.takeResumeSignals(a.boxId, 'a', 0, wait.signal);
    wait.abort();
    expect(await codeOf(waiting)).toBe('ERR_CLOSED');
  });
});
