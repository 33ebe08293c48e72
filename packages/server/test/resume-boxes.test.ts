import { request as httpRequest } from 'node:http';
import { MemoryResumeBoxStore } from '@webrtc-connect/server';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { blob, failure, fakeClock, testServer } from './helpers.ts';
import { resumeBoxStoreContract } from './resume-box-store-contract.ts';

const boxId = (n = 1) => `resume-box-${String(n).padStart(11, '0')}`;

function createBox(app: FastifyInstance, id: unknown = boxId()) {
  return app.inject({ method: 'POST', url: '/api/resume-boxes', payload: { id } });
}

function post(app: FastifyInstance, to: string, sealed: unknown = blob(), id = boxId()) {
  return app.inject({ method: 'POST', url: `/api/resume-boxes/${id}/${to}`, payload: { sealed } });
}

function take(app: FastifyInstance, side: string, wait: number | string = 0, id = boxId()) {
  return app.inject({ method: 'GET', url: `/api/resume-boxes/${id}/${side}?wait=${wait}` });
}

/** A wait that says what it has: the signals numbered up to `after` are acknowledged. */
function waitAfter(app: FastifyInstance, side: string, after: number | string, wait = 0) {
  return app.inject({
    method: 'GET',
    url: `/api/resume-boxes/${boxId()}/${side}?wait=${wait}&after=${after}`,
  });
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('resume boxes', () => {
  it('carry sealed signals to the side named, once, oldest first, for as long as a link lives', async () => {
    const clock = fakeClock();
    const app = await testServer({ clock: clock.now, offerTtlMs: 60_000 });
    const created = await createBox(app);
    expect(created.statusCode).toBe(201);
    expect(created.json()).toEqual({ expiresAt: new Date(clock.now() + 60_000).toISOString() });
    expect(failure(await createBox(app))).toEqual([409, 'ERR_RESUME_BOX_TAKEN']);

    expect((await post(app, 'b', blob('one'))).statusCode).toBe(204);
    expect((await post(app, 'b', blob('two'))).statusCode).toBe(204);
    expect((await take(app, 'a')).statusCode).toBe(204);
    const taken = await take(app, 'b');
    expect(taken.statusCode).toBe(200);
    expect(taken.json().sealed).toEqual([blob('one'), blob('two')]);
    expect((await take(app, 'b')).statusCode).toBe(204);

    clock.advance(60_000);
    expect(failure(await post(app, 'b'))).toEqual([410, 'ERR_EXPIRED']);
    expect(failure(await take(app, 'b'))).toEqual([410, 'ERR_EXPIRED']);
    expect(failure(await createBox(app))).toEqual([409, 'ERR_RESUME_BOX_TAKEN']);
  });

  it('answer a waiting side the moment a signal comes for it', async () => {
    const app = await testServer();
    await createBox(app);
    const waiting = take(app, 'a', 30);
    // The wait is in place once a look found nothing; a signal for the other side wakes no one.
    await post(app, 'b');
    await post(app, 'a', blob('for a'));
    const answered = await waiting;
    expect(answered.statusCode).toBe(200);
    expect(answered.json().sealed).toEqual([blob('for a')]);
  });

  it('give the signals of a side to its newest wait; an older one (its network changed) ends empty', async () => {
    const app = await testServer();
    await createBox(app);
    // inject() never closes the older request: like one whose client's address went away.
    const stale = take(app, 'a', 30);
    await post(app, 'b');
    const fresh = take(app, 'a', 30);
    const ended = await stale;
    expect(ended.statusCode).toBe(204);
    await post(app, 'a', blob('the answer'));
    const answered = await fresh;
    expect(answered.statusCode).toBe(200);
    expect(answered.json().sealed).toEqual([blob('the answer')]);
  });

  it('answer a wait with `after` the signals above it, numbered, again until a wait acknowledges them', async () => {
    const app = await testServer();
    await createBox(app);
    await post(app, 'a', blob('one'));
    await post(app, 'a', blob('two'));
    for (const attempt of [1, 2]) {
      const answered = await waitAfter(app, 'a', 0);
      expect([attempt, answered.statusCode]).toEqual([attempt, 200]);
      expect(answered.json()).toMatchObject({
        sealed: [blob('one'), blob('two')],
        seqs: [1, 2],
      });
    }
    expect((await waitAfter(app, 'a', 1)).json()).toMatchObject({ seqs: [2] });
    // Acknowledged up to 1: gone even for an older `after`.
    expect((await waitAfter(app, 'a', 0)).json()).toMatchObject({ seqs: [2] });
    expect((await waitAfter(app, 'a', 2)).statusCode).toBe(204);
    // A wait without `after` (a client from before the numbers) takes them, as it did.
    await post(app, 'a', blob('three'));
    expect((await take(app, 'a')).json()).toMatchObject({ sealed: [blob('three')], seqs: [3] });
    expect((await waitAfter(app, 'a', 2)).statusCode).toBe(204);
    const waiting = waitAfter(app, 'a', 3, 30);
    await post(app, 'a', blob('four'));
    expect((await waiting).json()).toMatchObject({ sealed: [blob('four')], seqs: [4] });

    expect(failure(await waitAfter(app, 'a', 5))).toEqual([400, 'ERR_INVALID_QUERY']);
    for (const after of ['x', '-1', '01', '1.5', '1234567890123456'])
      expect([after, ...failure(await waitAfter(app, 'a', after))]).toEqual([
        after,
        400,
        'ERR_INVALID_QUERY',
      ]);
  });

  it('still give a signal to the next wait when the client of the wait it was answered to went away during the look', async () => {
    const app = await testServer();
    await createBox(app);
    await post(app, 'a', blob('the answer'));
    // The look finds the signal and is held there until the client has gone.
    let looked!: () => void;
    const lookedAt = new Promise<void>((resolve) => {
      looked = resolve;
    });
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const signalsAfter = MemoryResumeBoxStore.prototype.signalsAfter;
    vi.spyOn(MemoryResumeBoxStore.prototype, 'signalsAfter').mockImplementationOnce(async function (
      this: MemoryResumeBoxStore,
      ...args
    ) {
      const found = await signalsAfter.apply(this, args);
      looked();
      await released;
      return found;
    });
    const base = await app.listen({ host: '127.0.0.1', port: 0 });
    const serverSawClose = new Promise<void>((resolve) => {
      app.server.once('request', (_request, response) => response.once('close', resolve));
    });
    const gone = httpRequest(`${base}/api/resume-boxes/${boxId()}/a?wait=30&after=0`);
    gone.on('error', () => {});
    gone.end();
    await lookedAt;
    gone.destroy();
    await serverSawClose;
    release();
    const next = await waitAfter(app, 'a', 0);
    expect(next.statusCode).toBe(200);
    expect(next.json()).toMatchObject({ sealed: [blob('the answer')], seqs: [1] });
  });

  it('hold 8 signals a side, then say ERR_RESUME_BOX_FULL until they are taken', async () => {
    const app = await testServer();
    await createBox(app);
    for (let index = 0; index < 8; index += 1) expect((await post(app, 'a')).statusCode).toBe(204);
    expect(failure(await post(app, 'a'))).toEqual([409, 'ERR_RESUME_BOX_FULL']);
    // Answered is not acknowledged: still full until a wait says it has them.
    expect((await waitAfter(app, 'a', 0)).json().seqs).toHaveLength(8);
    expect(failure(await post(app, 'a'))).toEqual([409, 'ERR_RESUME_BOX_FULL']);
    await waitAfter(app, 'a', 1);
    expect((await post(app, 'a')).statusCode).toBe(204);
    expect(failure(await post(app, 'a'))).toEqual([409, 'ERR_RESUME_BOX_FULL']);
    await take(app, 'a');
    expect((await post(app, 'a')).statusCode).toBe(204);
  });

  it('answer bad input with stable codes', async () => {
    const app = await testServer({ maxSealedBytes: 64 });
    await createBox(app);
    expect(failure(await post(app, 'a', blob(), 'short'))).toEqual([400, 'ERR_INVALID_ID']);
    expect(failure(await post(app, 'a', blob(), boxId(2)))).toEqual([404, 'ERR_NOT_FOUND']);
    expect(failure(await take(app, 'a', 0, boxId(2)))).toEqual([404, 'ERR_NOT_FOUND']);
    expect(failure(await post(app, 'c'))).toEqual([400, 'ERR_INVALID_ROLE']);
    expect(failure(await take(app, 'A'))).toEqual([400, 'ERR_INVALID_ROLE']);
    expect(failure(await take(app, 'a', 'soon'))).toEqual([400, 'ERR_INVALID_QUERY']);
    expect(failure(await post(app, 'a', 42))).toEqual([400, 'ERR_INVALID_BODY']);
    expect(failure(await post(app, 'a', 'a+b/'))).toEqual([400, 'ERR_INVALID_BODY']);
    expect(failure(await post(app, 'a', blob('x'.repeat(65))))).toEqual([
      413,
      'ERR_BLOB_TOO_LARGE',
    ]);
    expect(failure(await createBox(app, 'short'))).toEqual([400, 'ERR_INVALID_ID']);
    expect(failure(await createBox(app, 7))).toEqual([400, 'ERR_INVALID_ID']);
    const extra = await app.inject({
      method: 'POST',
      url: '/api/resume-boxes',
      payload: { id: boxId(3), lifetime: 'forever' },
    });
    expect(failure(extra)).toEqual([400, 'ERR_INVALID_BODY']);
    const long = await app.inject({ method: 'GET', url: `/api/resume-boxes/${'x'.repeat(600)}/a` });
    expect(failure(long)).toEqual([400, 'ERR_INVALID_ID']);
  });

  it('hold as many boxes as the server holds offers', async () => {
    const app = await testServer({ maxOffers: 1 });
    expect((await createBox(app, boxId(1))).statusCode).toBe(201);
    expect(failure(await createBox(app, boxId(2)))).toEqual([503, 'ERR_MAILBOX_FULL']);
  });
});

resumeBoxStoreContract('memory', async (options = {}) => new MemoryResumeBoxStore(options));
