import wrtc from '@roamhq/wrtc';
import type { HealthResponse } from '@webrtc-connect/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PeerConnectionConstructor } from 'webrtc-connect';
import { acceptLink, createLink } from 'webrtc-connect/link';
import { assertPrivateNetns } from '../harness/netns.ts';
import { type RedisServer, startRedisServer } from '../harness/redis-server.ts';
import { type ServerInstance, startInstance } from '../harness/server-instances.ts';

// Three `webrtc-connect serve` processes on one real redis-server: whichever instance A and B
// talk to, they meet in the same mailbox, and a long-poll on one instance is woken by a write
// on another (pub/sub).
const RTCPeerConnection = wrtc.RTCPeerConnection as unknown as PeerConnectionConstructor;
const peer = { RTCPeerConnection, gatherTimeout: 2000, connectTimeout: 15_000 };

let redis: RedisServer;
let instances: ServerInstance[] = [];

beforeAll(async () => {
  assertPrivateNetns();
  redis = await startRedisServer();
  instances = await Promise.all([0, 1, 2].map(() => startInstance(redis.url)));
});
afterAll(async () => {
  await Promise.all(instances.map((instance) => instance.stop()));
  await redis?.stop();
});

const at = (n: number) => {
  const instance = instances[n];
  if (!instance) throw new Error(`no instance ${n}`);
  return instance.url;
};
const sealed = () => Buffer.from(crypto.getRandomValues(new Uint8Array(48))).toString('base64url');

async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

async function expectTalking(
  a: Promise<{ channel: RTCDataChannel; shortAuthenticationString: string; close(): void }>,
  b: typeof a,
) {
  const [left, right] = await Promise.all([a, b]);
  expect(right.shortAuthenticationString).toBe(left.shortAuthenticationString);
  const received = new Promise((resolve) =>
    right.channel.addEventListener('message', (e) => resolve(e.data), { once: true }),
  );
  left.channel.send('across instances');
  expect(await received).toBe('across instances');
  left.close();
  right.close();
}

describe('several instances on one Redis: the mailbox', () => {
  it('reports the Redis link in health', async () => {
    for (const n of [0, 1, 2]) {
      const health = (await (await fetch(`${at(n)}/api/health`)).json()) as HealthResponse;
      expect({ store: health.store, link: health.link }).toEqual({
        store: 'redis',
        link: 'connected',
      });
    }
  });

  it('wakes a long-poll on one instance with a write on another', async () => {
    const created = await post(`${at(0)}/api/offers`, {});
    const { id, ownerToken } = (await created.json()) as { id: string; ownerToken: string };
    // B waits on instance 1 for the blob A uploads on instance 0 ...
    const offer = fetch(`${at(1)}/api/offers/${id}?wait=30`);
    // ... and A waits on instance 2 for the reply B posts on instance 1.
    const reply = fetch(`${at(2)}/api/offers/${id}/reply?wait=30`, {
      headers: { authorization: `Bearer ${ownerToken}` },
    });
    const blob = sealed();
    const put = await fetch(`${at(0)}/api/offers/${id}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ownerToken}` },
      body: JSON.stringify({ sealed: blob }),
    });
    expect(put.status).toBe(204);
    // 200 with the blob, not the 204 of a wait that ran out.
    const fetched = await offer;
    expect(fetched.status).toBe(200);
    expect(((await fetched.json()) as { sealed: string }).sealed).toBe(blob);
    const answer = sealed();
    const posted = await post(`${at(1)}/api/replies`, { sealed: answer, offerId: id });
    expect(posted.status).toBe(201);
    const { code } = (await posted.json()) as { code: string };
    const own = await reply;
    expect(own.status).toBe(200);
    expect(await own.json()).toEqual({ sealed: answer, code });
    // Read once, whichever instance is asked next.
    const again = await fetch(`${at(0)}/api/replies/${code}`);
    expect(((await again.json()) as { error: { code: string } }).error.code).toBe(
      'ERR_REPLY_ALREADY_READ',
    );
  });

  it('ends the waits on two instances when the owner withdraws the offer on a third', async () => {
    const created = await post(`${at(0)}/api/offers`, {});
    const { id, ownerToken } = (await created.json()) as { id: string; ownerToken: string };
    const owner = { authorization: `Bearer ${ownerToken}` };
    const offer = fetch(`${at(1)}/api/offers/${id}?wait=30`);
    const reply = fetch(`${at(2)}/api/offers/${id}/reply?wait=30`, { headers: owner });
    await expect
      .poll(async () => {
        const healths = await Promise.all(
          [1, 2].map(
            async (n) => (await (await fetch(`${at(n)}/api/health`)).json()) as HealthResponse,
          ),
        );
        return healths.map((health) => health.waiting);
      })
      .toEqual([1, 1]);
    const withdrawn = await fetch(`${at(0)}/api/offers/${id}`, {
      method: 'DELETE',
      headers: owner,
    });
    expect(withdrawn.status).toBe(204);
    for (const response of [await offer, await reply]) {
      // 410 at once, not the 204 of a wait that ran out 30 s later.
      expect(response.status).toBe(410);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe(
        'ERR_OFFER_WITHDRAWN',
      );
    }
  });

  it('connects A and B by link when they use different instances', async () => {
    const invitation = await createLink({ ...peer, mailbox: at(0) });
    const acceptance = await acceptLink(invitation.link, { ...peer, mailbox: at(1) });
    await expectTalking(invitation.connected, acceptance.connected);
  });

  it('connects A and B by reply code typed on another instance than B used', async () => {
    const invitation = await createLink({ ...peer, mailbox: at(2), selfContained: true });
    const acceptance = await acceptLink(invitation.link, { ...peer, mailbox: at(1) });
    await invitation.acceptReply(acceptance.replyCode ?? '');
    await expectTalking(invitation.connected, acceptance.connected);
  });
});
