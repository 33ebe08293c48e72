import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './serve-process.ts';

/** A real coturn `turnserver` checking TURN REST API credentials against `secret`. */
export interface TurnServer {
  /** `turn:<address>:<port>`, to list in `iceServers` (without credentials). */
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts `turnserver` (Debian's coturn) on `address` (default the namespace's 10.77.0.1, beside
 * the peers' host candidates): UDP only, no config file, no TLS, no CLI, its files in a temp
 * directory. Resolves once it answers a STUN Binding request.
 */
export async function startTurnServer(options: {
  secret: string;
  address?: string;
}): Promise<TurnServer> {
  const address = options.address ?? '10.77.0.1';
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'webrtc-connect-turn-'));
  const child: ChildProcess = spawn(
    'turnserver',
    [
      ...['-n', '--listening-ip', address, '--relay-ip', address],
      ...['--listening-port', String(port), '--min-port', '50000', '--max-port', '50100'],
      ...['--use-auth-secret', '--static-auth-secret', options.secret],
      ...['--realm', 'webrtc-connect.test', '--no-tcp', '--no-tls', '--no-dtls', '--no-cli'],
      ...['--pidfile', join(dir, 'turnserver.pid'), '--userdb', join(dir, 'turndb')],
      ...['--log-file', 'stdout'],
    ],
    { stdio: 'ignore' },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const failed = new Promise<never>((_, reject) => {
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`turnserver exited with ${code}`)));
    });
    await Promise.race([untilStunAnswers(address, port), failed]);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url: `turn:${address}:${port}`, stop };
}

/** Sends a STUN Binding request every 100 ms until one is answered (10 s at most). */
function untilStunAnswers(address: string, port: number): Promise<void> {
  // RFC 5389 §6: Binding request, no attributes, the magic cookie, a transaction id.
  const request = Buffer.concat([
    Buffer.from([0, 1, 0, 0, 0x21, 0x12, 0xa4, 0x42]),
    randomBytes(12),
  ]);
  const socket = createSocket('udp4');
  return new Promise<void>((resolve, reject) => {
    const send = () => socket.send(request, port, address);
    const timer = setInterval(send, 100);
    const deadline = setTimeout(
      () => finish(new Error('turnserver did not answer in 10 s')),
      10_000,
    );
    function finish(error?: Error) {
      clearInterval(timer);
      clearTimeout(deadline);
      socket.close();
      if (error) reject(error);
      else resolve();
    }
    socket.on('message', (message) => {
      if (message.readUInt16BE(0) === 0x0101) finish();
    });
    socket.on('error', (error) => finish(error));
    send();
  });
}
