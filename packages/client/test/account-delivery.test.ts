import { describe, expect, it } from 'vitest';
import { Inbox, Outbox, type Parcel, Relay } from '../src/account/delivery.ts';

function parcels(sid: string, count: number): Parcel[] {
  const outbox = new Outbox(sid);
  return Array.from({ length: count }, (_, n) => outbox.add('dev-client-1', 1, `m${n + 1}`).parcel);
}

describe('Relay', () => {
  it('waits for every member, then acknowledges once', () => {
    const acks: string[] = [];
    const relay = new Relay((sender, parcel) => acks.push(`${sender}:${parcel.frame.seq}`));
    const [first] = parcels('s', 1) as [Parcel];
    relay.add(first, 'a', ['b', 'c']);
    relay.got('b', 's', 1);
    expect(acks).toEqual([]);
    relay.got('c', 's', 1);
    relay.got('c', 's', 1);
    expect(acks).toEqual(['a:1']);
  });

  it('stops waiting for an excused member, keeps what it misses, and sends it when asked', () => {
    const acks: string[] = [];
    const relay = new Relay((sender, parcel) => acks.push(`${sender}:${parcel.frame.seq}`));
    const [first, second] = parcels('s', 2) as [Parcel, Parcel];
    relay.add(first, 'a', ['b', 'cut']);
    relay.got('b', 's', 1);
    expect(acks).toEqual([]);
    relay.excuse('cut');
    expect(acks).toEqual(['a:1']);
    // Later messages are acknowledged as soon as the others have them.
    relay.add(second, 'a', ['b', 'cut']);
    relay.got('b', 's', 2);
    expect(acks).toEqual(['a:1', 'a:2']);
    // Its channel opens: it gets both, confirms them, and they are gone.
    relay.unexcuse('cut');
    expect(relay.missingFor('cut').map((parcel) => parcel.frame.seq)).toEqual([1, 2]);
    relay.got('cut', 's', 1);
    relay.got('cut', 's', 2);
    expect(relay.missingFor('cut')).toEqual([]);
    expect(acks).toEqual(['a:1', 'a:2']);
  });

  it('acknowledges again a message sent again by a sender that joined under a new id', () => {
    const acks: string[] = [];
    const relay = new Relay((sender, parcel) => acks.push(`${sender}:${parcel.frame.seq}`));
    const [first] = parcels('s', 1) as [Parcel];
    relay.add(first, 'old-id', ['b', 'cut']);
    relay.got('b', 's', 1);
    relay.excuse('cut');
    expect(relay.add(first, 'new-id', ['b', 'cut'])).toBe(false);
    expect(acks).toEqual(['old-id:1', 'new-id:1']);
  });
});

describe('Inbox', () => {
  it('delivers each message once, in order, holding back what comes early', () => {
    const got: string[] = [];
    const inbox = new Inbox((parcel) => got.push(String(parcel.frame.body)));
    const [m1, m2, m3] = parcels('s', 3) as [Parcel, Parcel, Parcel];
    inbox.receive(m1);
    inbox.receive(m3);
    expect(got).toEqual(['m1']);
    inbox.receive(m2);
    inbox.receive(m2);
    expect(got).toEqual(['m1', 'm2', 'm3']);
  });

  it('after joining again: what was held goes out, a gap is skipped, and repeats are dropped', () => {
    const got: string[] = [];
    const inbox = new Inbox((parcel) => got.push(String(parcel.frame.body)));
    const all = parcels('s', 7);
    const at = (seq: number) => all[seq - 1] as Parcel;
    inbox.receive(at(1));
    inbox.receive(at(3));
    expect(got).toEqual(['m1']);
    // m2 was sent while this device was away: it is not coming.
    inbox.rejoined();
    expect(got).toEqual(['m1', 'm3']);
    inbox.receive(at(6));
    inbox.receive(at(3));
    inbox.receive(at(7));
    inbox.receive(at(6));
    expect(got).toEqual(['m1', 'm3', 'm6', 'm7']);
  });
});
