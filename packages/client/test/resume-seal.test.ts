import { createLinkSecret } from '@webrtc-connect/signal';
import { describe, expect, it } from 'vitest';
import { codeOf } from '../../../test/support/error-code.ts';
import { type ResumeCounters, ResumeSealer } from '../src/resume/resume-seal.ts';

const bytes = (...values: number[]) => new Uint8Array(values);

async function pair(secret = createLinkSecret()) {
  return { a: await ResumeSealer.create(secret, 'a'), b: await ResumeSealer.create(secret, 'b') };
}

describe('resume signals sealed under the link secret', () => {
  it('open on the other side with their kind, body and number, and both sides find one box', async () => {
    const { a, b } = await pair();
    expect(a.boxId).toBe(b.boxId);
    expect(a.boxId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    const first = await b.open(await a.seal('offer', bytes(1, 2, 3)));
    expect(first).toEqual({ kind: 'offer', seq: 1, body: bytes(1, 2, 3) });
    const second = await a.open(await b.seal('answer', bytes(4)));
    expect(second).toMatchObject({ kind: 'answer', seq: 1 });
    expect((await b.open(await a.seal('bye'))).kind).toBe('bye');
    expect(a.counters).toEqual({ sent: 2, received: 1 });
  });

  it('refuses a replayed signal and one that comes after a later one (ERR_REPLAYED)', async () => {
    const { a, b } = await pair();
    const one = await a.seal('offer', bytes(1));
    const two = await a.seal('offer', bytes(2));
    await b.open(one);
    expect(await codeOf(b.open(one))).toBe('ERR_REPLAYED');
    await b.open(two);
    const three = await a.seal('offer', bytes(3));
    const four = await a.seal('offer', bytes(4));
    await b.open(four);
    expect(await codeOf(b.open(three))).toBe('ERR_REPLAYED');
  });

  it('refuses a replay after a reload, from the counters the page kept', async () => {
    const secret = createLinkSecret();
    const { a } = await pair(secret);
    let kept: ResumeCounters = { sent: 0, received: 0 };
    const b = await ResumeSealer.create(secret, 'b', kept, (counters) => {
      kept = counters;
    });
    const offer = await a.seal('offer', bytes(9));
    await b.open(offer);
    expect(kept).toEqual({ sent: 0, received: 1 });
    const reloaded = await ResumeSealer.create(secret, 'b', kept);
    expect(await codeOf(reloaded.open(offer))).toBe('ERR_REPLAYED');
    // Numbers sent before the reload are not used again.
    await reloaded.seal('answer');
    await reloaded.seal('answer');
    expect(reloaded.counters.sent).toBe(2);
  });

  it("refuses a changed signal, one under another secret, and a side's own signal sent back (ERR_FORGED)", async () => {
    const { a, b } = await pair();
    const sealed = await a.seal('offer', bytes(1, 2, 3));
    for (const index of [0, 5, sealed.length - 1]) {
      const changed = sealed.slice();
      changed[index] = (changed[index] ?? 0) ^ 1;
      expect(await codeOf(b.open(changed))).toBe('ERR_FORGED');
    }
    expect(await codeOf(b.open(sealed.subarray(0, 20)))).toBe('ERR_FORGED');
    const stranger = await pair();
    expect(await codeOf(stranger.b.open(sealed))).toBe('ERR_FORGED');
    expect(await codeOf(a.open(sealed))).toBe('ERR_FORGED');
    // None of these moved the counter: the genuine signal still opens.
    expect((await b.open(sealed)).seq).toBe(1);
  });

  it('never seals two signals alike, even with the same body and counters after a lost storage', async () => {
    const secret = createLinkSecret();
    const one = await (await ResumeSealer.create(secret, 'a')).seal('offer', bytes(1));
    const two = await (await ResumeSealer.create(secret, 'a')).seal('offer', bytes(1));
    expect(one).not.toEqual(two);
  });

  it('takes no bad secret, side or counters (ERR_INVALID_ARGUMENT)', async () => {
    expect(await codeOf(ResumeSealer.create(new Uint8Array(8), 'a'))).toBe('ERR_INVALID_ARGUMENT');
    expect(await codeOf(ResumeSealer.create(createLinkSecret(), 'c' as 'a'))).toBe(
      'ERR_INVALID_ARGUMENT',
    );
    expect(
      await codeOf(ResumeSealer.create(createLinkSecret(), 'a', { sent: -1, received: 0 })),
    ).toBe('ERR_INVALID_ARGUMENT');
  });
});
