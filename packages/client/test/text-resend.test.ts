import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type ConnectError, createMessenger, FileResume, type Messenger } from 'webrtc-connect';
import { fakeChannelPair as channelPair } from './fakes/fake-channel-pair.ts';
import { settleWhen, useFakeClock } from './fakes/fake-clock.ts';
import type { FakeDataChannel } from './fakes/fake-data-channel.ts';

beforeEach(() => useFakeClock());
afterEach(() => vi.useRealTimers());

const attach = (channel: FakeDataChannel, resume?: FileResume) =>
  createMessenger(channel as unknown as RTCDataChannel, resume ? { resume } : {});

/** Every text a messenger shows, in order. */
function texts(messenger: Messenger, shown: string[] = []): string[] {
  messenger.on('text', (text) => shown.push(text));
  return shown;
}

/** A session's first connection, with one text each way delivered and acknowledged. */
async function firstConnection() {
  const resumeA = new FileResume();
  const resumeB = new FileResume();
  const [a, b] = await channelPair();
  const senderA = attach(a, resumeA);
  const senderB = attach(b, resumeB);
  const shownByB = texts(senderB);
  senderA.sendText('before');
  senderB.sendText('and back');
  await settleWhen(() => resumeA.texts.unacked.length === 0 && resumeB.texts.unacked.length === 0);
  expect(shownByB).toEqual(['before']);
  return { resumeA, resumeB, a, b, senderA };
}

describe('chat texts across the connections of a session (messenger given resume)', () => {
  it('sends texts a dying connection never delivered again on the next, in order, once each', async () => {
    const { resumeA, resumeB, a, senderA } = await firstConnection();
    // The old path goes quiet (the peer moved) while both sides still call it open.
    a.holding = true;
    senderA.sendText('lost one');
    senderA.sendText('lost two');
    a.closeBoth();
    const [a2, b2] = await channelPair();
    const shownByB = texts(attach(b2, resumeB));
    attach(a2, resumeA).sendText('after');
    await settleWhen(() => shownByB.length >= 3 && resumeA.texts.unacked.length === 0);
    expect(shownByB).toEqual(['lost one', 'lost two', 'after']);
  });

  it('drops a text sent again whose first copy arrived (its acknowledgement was lost)', async () => {
    const { resumeA, resumeB, a, b, senderA } = await firstConnection();
    const seenOnFirst: string[] = [];
    // B's acknowledgements wait in its buffer and die with the connection.
    b.holding = true;
    const onFirst = (event: Event) => {
      const { data } = event as MessageEvent;
      if (typeof data === 'string' && data.includes('"delivered"')) seenOnFirst.push(data);
    };
    b.addEventListener('message', onFirst);
    senderA.sendText('delivered');
    await settleWhen(() => seenOnFirst.length === 1);
    const shownFirst = resumeA.texts.unacked.map(({ text }) => text);
    expect(shownFirst).toEqual(['delivered']);
    a.closeBoth();
    const [a2, b2] = await channelPair();
    const onSecond = texts(attach(b2, resumeB));
    const resent = a2.sent.length;
    attach(a2, resumeA);
    expect(a2.sent.length).toBe(resent + 1);
    await settleWhen(() => resumeA.texts.unacked.length === 0);
    // Sent again, acknowledged, and not shown a second time.
    expect(onSecond).toEqual([]);
  });

  it('shows a lost first text before a newer one that overtook it on the next connection', async () => {
    const resumeA = new FileResume();
    const resumeB = new FileResume();
    const [a, b] = await channelPair();
    const shownByB = texts(attach(b, resumeB));
    // The session's very first text dies with its connection: no `got` ever came back.
    a.holding = true;
    attach(a, resumeA).sendText('first');
    a.closeBoth();
    const [a2, b2] = await channelPair();
    texts(attach(b2, resumeB), shownByB);
    // Sent at once on the new connection, before B's first acknowledgement.
    attach(a2, resumeA).sendText('second');
    await settleWhen(() => shownByB.length >= 2 && resumeA.texts.unacked.length === 0);
    expect(shownByB).toEqual(['first', 'second']);
    // The overtaking text was acknowledged only once the older one had come.
    const acks = b2.sent.filter((data) => String(data).includes('"got"')).map(String);
    expect(acks.map((ack) => JSON.parse(ack).n)).toEqual([0, 2]);
  });

  it('goes on after a page reload with the state it kept: unacknowledged texts go again, once', async () => {
    const resumeA = new FileResume();
    const resumeB = new FileResume();
    let keptByA = resumeA.texts.kept();
    resumeA.on('texts', (kept) => {
      keptByA = JSON.parse(JSON.stringify(kept));
    });
    const [a, b] = await channelPair();
    const shownByB = texts(attach(b, resumeB));
    const senderA = attach(a, resumeA);
    senderA.sendText('one');
    await settleWhen(() => resumeA.texts.unacked.length === 0);
    // Two more the link never delivers; then A's page reloads.
    a.holding = true;
    senderA.sendText('two');
    senderA.sendText('three');
    a.closeBoth();
    const reloadedA = new FileResume({ texts: keptByA });
    expect(reloadedA.texts.unacked.map(({ text }) => text)).toEqual(['two', 'three']);
    const [a2, b2] = await channelPair();
    texts(attach(b2, resumeB), shownByB);
    attach(a2, reloadedA).sendText('four');
    await settleWhen(() => shownByB.length >= 4 && reloadedA.texts.unacked.length === 0);
    expect(shownByB).toEqual(['one', 'two', 'three', 'four']);
  });

  it('goes on past texts the sender dropped beyond its bound, in order, without waiting for them', async () => {
    const { resumeA, resumeB, a, senderA } = await firstConnection();
    // 1,003 texts the link never delivers: the sender keeps the last 1,000 of them.
    a.holding = true;
    for (let n = 1; n <= 1003; n++) senderA.sendText(`lost ${n}`);
    a.closeBoth();
    expect(resumeA.texts.unacked[0]?.text).toBe('lost 4');
    const [a2, b2] = await channelPair();
    const shownByB = texts(attach(b2, resumeB));
    attach(a2, resumeA).sendText('after');
    await settleWhen(() => shownByB.length >= 1001 && resumeA.texts.unacked.length === 0);
    expect(shownByB[0]).toBe('lost 4');
    expect(shownByB.at(-2)).toBe('lost 1003');
    expect(shownByB.at(-1)).toBe('after');
    expect(shownByB).toHaveLength(1001);
  });

  it('a receiver reloaded without its kept state shows what the sender still holds, from its oldest', async () => {
    const { resumeA, a, senderA } = await firstConnection();
    a.holding = true;
    senderA.sendText('lost');
    a.closeBoth();
    const [a2, b2] = await channelPair();
    // B's page reloaded and kept nothing: a FileResume of its own, new.
    const shownByB = texts(attach(b2, new FileResume()));
    attach(a2, resumeA).sendText('after');
    await settleWhen(() => shownByB.length >= 2 && resumeA.texts.unacked.length === 0);
    expect(shownByB).toEqual(['lost', 'after']);
  });

  it('refuses kept state that is not one with ERR_INVALID_ARGUMENT', () => {
    const kept = new FileResume().texts.kept();
    const bad = [
      { ...kept, stream: 'no spaces' },
      { ...kept, next: 0 },
      { ...kept, unacked: [{ n: 1, text: 'not sent yet' }] },
      {
        ...kept,
        next: 3,
        unacked: [
          { n: 2, text: 'b' },
          { n: 1, text: 'a' },
        ],
      },
      { ...kept, peerShown: -1 },
    ];
    for (const texts of bad) {
      expect(() => new FileResume({ texts })).toThrow(
        expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
      );
    }
  });

  it('sends nothing again when the peer speaks the older wire (it never acknowledges)', async () => {
    const resume = new FileResume();
    const [a, b] = await channelPair();
    const sender = attach(a, resume);
    const shownByOld = texts(attach(b));
    sender.sendText('hi');
    await settleWhen(() => shownByOld.length === 1);
    a.closeBoth();
    const [a2, b2] = await channelPair();
    const shownOnSecond = texts(attach(b2));
    attach(a2, resume).sendText('again');
    await settleWhen(() => shownOnSecond.length === 1);
    expect(shownOnSecond).toEqual(['again']);
    expect(a2.sent.filter((data) => String(data).includes('"hi"'))).toEqual([]);
  });

  it('keeps the wire of today without resume: no numbers, no acknowledgements', async () => {
    const [a, b] = await channelPair();
    const shown = texts(attach(b));
    attach(a).sendText('plain');
    await settleWhen(() => shown.length === 1);
    expect(a.sent).toContain('{"t":"text","text":"plain"}');
    expect(b.sent.filter((data) => String(data).includes('"got"'))).toEqual([]);
  });

  it('refuses a malformed number or acknowledgement with ERR_PEER_PROTOCOL', async () => {
    const [a, b] = await channelPair();
    const receiver = attach(b, new FileResume());
    const errors: ConnectError[] = [];
    receiver.on('error', (error) => errors.push(error));
    const shown = texts(receiver);
    a.send('{"t":"text","text":"x","s":"run","n":0}');
    a.send('{"t":"text","text":"x","n":1}');
    a.send('{"t":"got","s":"no spaces","n":1}');
    a.send('{"t":"got","s":"run","n":1.5}');
    a.send('{"t":"got","s":"run","n":-1}');
    a.send('{"t":"text","text":"x","s":"run","n":2,"f":2}');
    a.send('{"t":"text","text":"x","s":"run","n":2,"f":0}');
    await settleWhen(() => errors.length === 7);
    expect(errors.map((error) => error.code)).toEqual(Array(7).fill('ERR_PEER_PROTOCOL'));
    expect(shown).toEqual([]);
  });
});
