import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { generate } from 'selfsigned';
import { ServerError } from '../errors.ts';

export interface TlsCertificate {
  /** PEM. */
  cert: string;
  /** PEM. */
  key: string;
}

export interface LanCertificate extends TlsCertificate {
  /** The certificate's SHA-256 fingerprint, to compare with what a phone's browser shows. */
  fingerprint: string;
  /** Whether it was made now (otherwise it was kept from an earlier start). */
  made: boolean;
  notAfter: Date;
}

const VALID_DAYS = 365;
/** A kept certificate this close to its end is made again. */
const RENEW_BEFORE_MS = 30 * 24 * 3600_000;

/**
 * A self-signed certificate for `address`, kept in `dir` (cert.pem, key.pem) so a phone that was
 * told to trust it once keeps trusting it across restarts; made again when it does not name the
 * address (the machine moved to another network) or is about to expire.
 */
export async function lanCertificate(
  dir: string,
  address: string,
  now = new Date(),
): Promise<LanCertificate> {
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  const kept = await readKept(certFile, keyFile);
  if (kept) {
    const x509 = new X509Certificate(kept.cert);
    const notAfter = new Date(x509.validTo);
    if (x509.checkIP(address) && notAfter.getTime() - now.getTime() > RENEW_BEFORE_MS) {
      return { ...kept, fingerprint: x509.fingerprint256, made: false, notAfter };
    }
  }
  const notAfterDate = new Date(now.getTime() + VALID_DAYS * 24 * 3600_000);
  const made = await generate([{ name: 'commonName', value: `WebRTC Connect on ${hostname()}` }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: new Date(now.getTime() - 60_000),
    notAfterDate,
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 7, ip: address },
          { type: 7, ip: '127.0.0.1' },
          { type: 2, value: 'localhost' },
        ],
      },
    ],
  });
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await writeFile(keyFile, made.private, { mode: 0o600 });
    await chmod(keyFile, 0o600);
    await writeFile(certFile, made.cert);
  } catch (cause) {
    throw new ServerError(
      'ERR_INVALID_CONFIG',
      `--tls-dir: cannot keep the certificate in ${dir}`,
      {
        cause,
      },
    );
  }
  const x509 = new X509Certificate(made.cert);
  return {
    cert: made.cert,
    key: made.private,
    fingerprint: x509.fingerprint256,
    made: true,
    notAfter: new Date(x509.validTo),
  };
}

async function readKept(certFile: string, keyFile: string): Promise<TlsCertificate | undefined> {
  try {
    return { cert: await readFile(certFile, 'utf8'), key: await readFile(keyFile, 'utf8') };
  } catch {
    return undefined;
  }
}

/** A certificate and key given as files (`--tls-cert`, `--tls-key`). */
export function readCertificateFiles(certFile: string, keyFile: string): TlsCertificate {
  const read = (flag: string, file: string) => {
    try {
      return readFileSync(file, 'utf8');
    } catch (cause) {
      throw new ServerError('ERR_INVALID_CONFIG', `${flag}: cannot read ${file}`, { cause });
    }
  };
  const tls = { cert: read('--tls-cert', certFile), key: read('--tls-key', keyFile) };
  try {
    new X509Certificate(tls.cert);
  } catch (cause) {
    throw new ServerError(
      'ERR_INVALID_CONFIG',
      `--tls-cert: ${certFile} is not a PEM certificate`,
      {
        cause,
      },
    );
  }
  return tls;
}
