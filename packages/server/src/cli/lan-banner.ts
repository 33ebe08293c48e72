import QRCode from 'qrcode';
import type { StartedServer } from '../start-server.ts';

/**
 * What `serve --lan` prints: the https address, a QR code of it for the phone's camera, and
 * what the phone will say about a self-made certificate.
 */
export async function lanBanner(started: StartedServer): Promise<string> {
  const qr = await QRCode.toString(`${started.url}/`, { type: 'terminal', small: true });
  const lines = [
    '',
    `Open ${started.url}/ on a phone or computer on the same network`,
    "(or scan this code with the phone's camera):",
    '',
    qr,
  ];
  const certificate = started.lanCertificate;
  if (certificate) {
    lines.push(
      'The certificate was made on this machine, so the browser will warn first',
      `("Your connection is not private", "Warning: Potential Security Risk").`,
      'Choose "Advanced", then "Proceed" (Chromium, Chrome, Edge, Samsung Internet),',
      '"Accept the Risk and Continue" (Firefox), or "Show Details", "visit this website"',
      '(Safari). Check first that the certificate fingerprint it shows is this one:',
      `  SHA-256 ${certificate.fingerprint}`,
      `It is kept ${certificate.made ? '(made now)' : '(made earlier)'} until ${certificate.notAfter.toISOString().slice(0, 10)}, so the phone asks only once.`,
    );
  }
  return lines.join('\n');
}
