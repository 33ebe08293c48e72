import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A private PulseAudio daemon with a null sink and a remap source of its monitor (DESIGN.md §8):
 * whatever a page plays into the sink, a page recording the source hears. Chromium lists no
 * monitor source as a microphone, hence the remap. Both are the defaults, so a browser started
 * with `env` plays into one and records the other.
 */
export interface PulseAudio {
  /** Environment for the browser (and pactl) to reach this daemon. */
  env: Record<string, string>;
  sink: string;
  source: string;
  close(): Promise<void>;
}

const STARTUP_TIMEOUT_MS = 10_000;

export async function startPulseAudio(): Promise<PulseAudio> {
  const dir = await mkdtemp(join(tmpdir(), 'webrtc-connect-pulse-'));
  const socket = join(dir, 'native');
  const sink = 'air';
  const source = 'air_microphone';
  await writeFile(
    join(dir, 'default.pa'),
    [
      `load-module module-native-protocol-unix socket=${socket} auth-anonymous=1`,
      `load-module module-null-sink sink_name=${sink} rate=48000 channels=1`,
      `load-module module-remap-source master=${sink}.monitor source_name=${source} channels=1`,
      `set-default-sink ${sink}`,
      `set-default-source ${source}`,
      '',
    ].join('\n'),
  );
  // Its own home and runtime directory: nothing of the machine's (or root's) setup is used.
  const env = { HOME: dir, XDG_RUNTIME_DIR: dir, PULSE_SERVER: `unix:${socket}` };
  const daemon = spawn(
    'pulseaudio',
    [
      '--daemonize=no',
      '--exit-idle-time=-1',
      '--use-pid-file=no',
      '--disable-shm=yes',
      '--log-target=stderr',
      '--log-level=info',
      '-n',
      '-F',
      join(dir, 'default.pa'),
    ],
    { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const close = async () => {
    await stop(daemon);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await startupOf(daemon);
  } catch (error) {
    await close();
    throw error;
  }
  return { env, sink, source, close };
}

/** Resolves when the daemon says its startup is complete (every module loaded). */
function startupOf(daemon: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let log = '';
    const timer = setTimeout(
      () => reject(new Error(`pulseaudio did not start in time:\n${log}`)),
      STARTUP_TIMEOUT_MS,
    );
    daemon.stderr?.on('data', (chunk: Buffer) => {
      log += chunk.toString();
      if (log.includes('Daemon startup complete')) {
        clearTimeout(timer);
        resolve();
      }
    });
    daemon.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(
        error.code === 'ENOENT'
          ? new Error('pulseaudio is not installed: apt-get install pulseaudio pulseaudio-utils')
          : error,
      );
    });
    daemon.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`pulseaudio exited with ${code}:\n${log}`));
    });
  });
}

function stop(daemon: ChildProcess): Promise<void> {
  if (daemon.exitCode !== null || daemon.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => daemon.kill('SIGKILL'), 5000);
    daemon.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    daemon.kill('SIGTERM');
  });
}
