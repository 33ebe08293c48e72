import { RedisLink, RedisResumeBoxStore } from '@webrtc-connect/server';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, startRedisServer } from '../../../test/harness/redis-server.ts';
import { eventually } from '../../../test/support/eventually.ts';
import { blob, failure, testServer } from './helpers.ts';
import { resumeBoxStoreContract } from './resume-box-store-contract.ts';

// The memory store's contract runs in the unit tier (resume-boxes.test.ts); here the same
// contract against a real redis-server (a key prefix per store), and two instances sharing it.
let redis: RedisServer;
const links: RedisLink[] = [];

beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(async () => {
  await Promise.all(links.map((link) => link.close()));
  await redis?.stop();
});

resumeBoxStoreContract('redis', async (options = {}) => {
  const link = await RedisLink.connect({ url: redis.url, keyPrefix: `resume${links.length}:` });
  links.push(link);
  return RedisResumeBoxStore.create(link, options);
});

describe('redis resume box keys', () => {
  it("leave nothing of a box but its tombstone once it expires: signals not yet acknowledged and the side's number go with it", async () => {
    const prefix = `resume-keys-${Date.now()}:`;
    const link = await RedisLink.connect({ url: redis.url, keyPrefix: prefix });
    links.push(link);
    const store = await RedisResumeBoxStore.create(link);
    try {
      const id = 'resume-box-keys-000001';
      await store.createBox(id, Date.now() + 300);
      await store.postSignal(id, 'a', new Uint8Array([1]));
      await store.postSignal(id, 'a', new Uint8Array([2]));
      expect(await store.signalsAfter(id, 'a', 1)).toMatchObject({ signals: [{ seq: 2 }] });
      const keys = async () =>
        (await link.commands.keys(`${prefix}*`)).map((key) => key.slice(prefix.length)).sort();
      expect(await keys()).toEqual(
        [
          `resume:${id}`,
          `resume:${id}:a`,
          `resume:${id}:a:last`,
          `resume-gone:${id}`,
          'resume-boxes',
        ].sort(),
      );
      await eventually(async () => (await store.signalsAfter(id, 'a', 0)).status === 'expired', {
        timeoutMs: 5_000,
      });
      await eventually(async () => (await keys()).every((key) => !key.startsWith('resume:')), {
        timeoutMs: 5_000,
      });
      expect(await keys()).toEqual([`resume-gone:${id}`, 'resume-boxes'].sort());
    } finally {
      await store.close();
    }
  });
});

const boxId = 'resume-box-instances-1';

describe('resume boxes on Redis', () => {
  it('on Redis, carry a signal posted to one instance to a side waiting on another', async () => {
    const options = { redisUrl: redis.url, redisKeyPrefix: `resume-${Date.now()}:` };
    const [one, two] = [await testServer(options), await testServer(options)];
    expect((await createBox(one, boxId)).statusCode).toBe(201);
    expect(failure(await createBox(two, boxId))).toEqual([409, 'ERR_RESUME_BOX_TAKEN']);
    const waiting = take(two, 'b', 30, boxId);
    expect((await post(one, 'b', blob('across instances'), boxId)).statusCode).toBe(204);
    const answered = await waiting;
    expect(answered.statusCode).toBe(200);
    expect(answered.json().sealed).toEqual([blob('across instances')]);
  });
});

describe('resume boxes on Redis behind a proxy', () => {
  it("give a signal to a side's fresh wait on one instance though a stale wait of that side on another was answered it", async () => {
    const id = 'resume-box-instances-2';
    const options = { redisUrl: redis.url, redisKeyPrefix: `resume-stale-${Date.now()}:` };
    const [one, two] = [await testServer(options), await testServer(options)];
    await createBox(one, id);
    // inject() never closes a request: the stale wait stands, as one whose network changed.
    // It has taken nothing yet, so it says `after=0`, as the fresh wait does.
    const stale = take(one, 'a', 30, id, 0);
    const fresh = take(two, 'a', 30, id, 0);
    await post(one, 'a', blob('the answer'), id);
    // Both are answered; the stale one's response never reaches its client.
    expect((await fresh).json()).toMatchObject({ sealed: [blob('the answer')], seqs: [1] });
    expect((await stale).json()).toMatchObject({ seqs: [1] });

    // The stale wait alone was answered (no newer wait yet): a wait that comes later, on the
    // other instance, is answered the same signal, and the next one acknowledges it.
    await post(two, 'a', blob('the next'), id);
    const alone = await take(one, 'a', 30, id, 1);
    expect(alone.json()).toMatchObject({ sealed: [blob('the next')], seqs: [2] });
    const later = await take(two, 'a', 30, id, 1);
    expect(later.json()).toMatchObject({ sealed: [blob('the next')], seqs: [2] });
    expect((await take(one, 'a', 0, id, 2)).statusCode).toBe(204);
  });
});

function createBox(app: FastifyInstance, id: string) {
  return app.inject({ method: 'POST', url: '/api/resume-boxes', payload: { id } });
}

function post(app: FastifyInstance, to: string, sealed: string, id: string) {
  return app.inject({ method: 'POST', url: `/api/resume-boxes/${id}/${to}`, payload: { sealed } });
}

function take(app: FastifyInstance, side: string, wait: number, id: string, after?: number) {
  const query = after === undefined ? '' : `&after=${after}`;
  return app.inject({ method: 'GET', url: `/api/resume-boxes/${id}/${side}?wait=${wait}${query}` });
}
