// serve --lan: which address a phone reaches, and the certificate made for it and kept.
import { X509Certificate } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import type { NetworkInterfaceInfo } from 'node:os';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { lanAddress } from '../src/lan/lan-address.ts';
import { lanCertificate } from '../src/lan/lan-certificate.ts';

const ipv4 = (address: string, internal = false) =>
  ({ address, family: 'IPv4', internal }) as NetworkInterfaceInfo;

describe('lanAddress', () => {
  it('takes a home or office network over container bridges, loopback and link-local', () => {
    expect(
      lanAddress({
        lo: [ipv4('127.0.0.1', true)],
        docker0: [ipv4('192.168.99.1')],
        eth1: [ipv4('169.254.10.2')],
        tun0: [ipv4('100.64.0.7')],
        wlan0: [ipv4('10.0.0.23')],
      }),
    ).toBe('10.0.0.23');
    expect(lanAddress({ eth0: [ipv4('172.20.1.5')], wlan0: [ipv4('192.168.1.40')] })).toBe(
      '192.168.1.40',
    );
  });

  it('has none when only loopback is up', () => {
    expect(lanAddress({ lo: [ipv4('127.0.0.1', true)] })).toBeUndefined();
  });
});

describe('lanCertificate', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('names the address, keeps the key private, and is made again for another address', async () => {
    dir = await mkdtemp(join(tmpdir(), 'webrtc-connect-lan-'));
    const first = await lanCertificate(dir, '192.168.1.40');
    expect(first.made).toBe(true);
    expect(new X509Certificate(first.cert).checkIP('192.168.1.40')).toBe('192.168.1.40');
    expect((await stat(join(dir, 'key.pem'))).mode & 0o077).toBe(0);
    const again = await lanCertificate(dir, '192.168.1.40');
    expect({ made: again.made, fingerprint: again.fingerprint }).toEqual({
      made: false,
      fingerprint: first.fingerprint,
    });
    const moved = await lanCertificate(dir, '10.0.0.23');
    expect(moved.made).toBe(true);
    expect(new X509Certificate(moved.cert).checkIP('10.0.0.23')).toBe('10.0.0.23');
  });

  it('is made again a month before it ends', async () => {
    dir = await mkdtemp(join(tmpdir(), 'webrtc-connect-lan-'));
    const first = await lanCertificate(dir, '192.168.1.40');
    const late = new Date(first.notAfter.getTime() - 20 * 24 * 3600_000);
    expect((await lanCertificate(dir, '192.168.1.40', late)).made).toBe(true);
  });
});
