/**
 * An identity provider's key rotation, as the server meets it with its default key settings
 * (JWKS kept 10 minutes, fetches at least 5 s apart): the time from a hard rotation (the old
 * key gone, a new one published) to the first accepted token of the new key, when the server
 * last fetched long ago and when it fetched just before the rotation; and the JWKS fetches a
 * flood of tokens naming unknown key ids causes.
 *
 *   npx tsx --conditions=@webrtc-connect/source bench/provider-keys.ts
 */
import { startServer } from '@webrtc-connect/server';
import { WebSocket } from 'ws';
import {
  AUDIENCE,
  FakeJwks,
  ISSUER,
  type ProviderKey,
  providerKey,
  providerToken,
} from '../test/harness/fake-jwks.ts';

const TRIALS = 5;
const COOLDOWN_MS = 5_000;
const FLOOD_SECONDS = 10;
const FLOOD_PER_SECOND = 200;

interface Target {
  name: string;
  value: number;
  limit: number;
  unit: string;
}

/** The hello's answer: the welcome's user, or the refusal's code. */
function hello(url: string, token: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    socket.once('error', reject);
    socket.once('open', () => socket.send(JSON.stringify({ type: 'hello', version: 1, token })));
    socket.once('message', (data) => {
      const frame = JSON.parse(String(data)) as { type: string; user?: string; code?: string };
      socket.close();
      resolve(frame.type === 'welcome' ? `welcome ${frame.user}` : String(frame.code));
    });
  });
}

export async function benchProviderKeys() {
  const jwks = new FakeJwks();
  let key: ProviderKey = await providerKey('key-0');
  jwks.keys = [key];
  await jwks.start();
  const server = await startServer({
    port: 0,
    host: '127.0.0.1',
    handleSignals: false,
    logLevel: 'silent',
    // 2,000 hellos from one address: the flood is the provider's problem here, not the server's.
    rateLimit: false,
    jwt: { jwksUrl: jwks.url, issuer: ISSUER, audience: AUDIENCE },
  });
  const url = `${server.url.replace(/^http/, 'ws')}/api/account`;
  try {
    const accept = async (): Promise<number> => {
      const token = await providerToken(key);
      const started = performance.now();
      const answer = await hello(url, token);
      if (answer !== 'welcome alice') throw new Error(`a new-key token got ${answer}`);
      return performance.now() - started;
    };
    await accept();
    const rotate = async (n: number) => {
      key = await providerKey(`key-${n}`);
      jwks.keys = [key];
    };
    const quiet: number[] = [];
    const justFetched: number[] = [];
    for (let trial = 1; trial <= TRIALS; trial += 1) {
      // Long after the last fetch: the first new-key token fetches at once.
      await new Promise((resolve) => setTimeout(resolve, COOLDOWN_MS + 200));
      await rotate(2 * trial);
      quiet.push(await accept());
      // Right after a fetch: the next new key waits out the cooldown.
      await rotate(2 * trial + 1);
      justFetched.push(await accept());
    }
    const before = jwks.fetches;
    const forger = await providerKey('forged');
    const tokens = await Promise.all(
      Array.from({ length: FLOOD_PER_SECOND }, (_, n) =>
        providerToken({ ...forger, kid: `unknown-${n}` }),
      ),
    );
    const floodStarted = performance.now();
    const answers: Promise<string>[] = [];
    for (let second = 0; second < FLOOD_SECONDS; second += 1) {
      for (const token of tokens) answers.push(hello(url, token));
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    const refused = (await Promise.all(answers)).filter((code) => code === 'ERR_TOKEN_SIGNATURE');
    const floodMs = performance.now() - floodStarted;
    const floodFetches = jwks.fetches - before;
    const median = (values: number[]) =>
      [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
    const max = (values: number[]) => Math.max(...values);
    console.table({
      'rotation, last fetch long ago': { median: median(quiet), max: max(quiet) },
      'rotation, just after a fetch': { median: median(justFetched), max: max(justFetched) },
    });
    console.log(
      `flood: ${answers.length} hellos with unknown key ids over ${(floodMs / 1000).toFixed(1)} s, ${refused.length} refused as ERR_TOKEN_SIGNATURE, ${floodFetches} JWKS fetches`,
    );
    const targets: Target[] = [
      {
        name: 'rotation to first accepted token, worst (ms)',
        value: Math.round(max([...quiet, ...justFetched])),
        limit: COOLDOWN_MS + 1_000,
        unit: 'ms',
      },
      {
        name: `JWKS fetches under ${FLOOD_PER_SECOND}/s unknown key ids`,
        value: floodFetches,
        limit: 1 + Math.ceil(floodMs / COOLDOWN_MS),
        unit: 'fetches',
      },
    ];
    return {
      quiet,
      justFetched,
      flood: { hellos: answers.length, floodMs, floodFetches },
      targets,
    };
  } finally {
    await server.close();
    await jwks.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchProviderKeys();
