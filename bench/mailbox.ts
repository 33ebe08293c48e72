/**
 * Mailbox throughput and latency on loopback: 100 concurrent clients, each repeating the
 * link-and-code cycle (POST an offer, POST its reply, GET the reply by its code) against the
 * real `webrtc-connect serve` in its own process, so the load generator (autocannon, here) and
 * the server do not share an event loop. Bounded by request count and by time; stops itself.
 *
 *   tsx --conditions=@webrtc-connect/source bench/mailbox.ts
 */
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { type ServeProcess, startServeProcess } from '../test/harness/serve-process.ts';

const CONNECTIONS = 100;
const CYCLES = 10_000;
const WARM_UP_CYCLES = 1_000;
const TIME_LIMIT_SECONDS = 60;
/** About what a sealed compact answer weighs. */
const SEALED = randomBytes(90).toString('base64url');

export interface MailboxBenchResult {
  targets: [];
  connections: number;
  requests: number;
  cycles: number;
  seconds: number;
  requestsPerSecond: number;
  cyclesPerSecond: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  errors: number;
  non2xx: number;
}

export async function benchMailbox(): Promise<MailboxBenchResult> {
  const server = await startServerProcess();
  try {
    await runCycles(server.url, WARM_UP_CYCLES);
    const result = await runCycles(server.url, CYCLES);
    const figures: MailboxBenchResult = {
      targets: [],
      connections: CONNECTIONS,
      requests: result.requests.total,
      cycles: Math.floor(result.requests.total / 3),
      seconds: round(result.duration),
      requestsPerSecond: Math.round(result.requests.total / result.duration),
      cyclesPerSecond: Math.round(result.requests.total / 3 / result.duration),
      latencyMs: {
        p50: result.latency.p50,
        p90: result.latency.p90,
        p99: result.latency.p99,
        max: result.latency.max,
      },
      errors: result.errors,
      non2xx: result.non2xx,
    };
    printMailbox(figures);
    return figures;
  } finally {
    await server.stop();
  }
}

export function printMailbox(figures: MailboxBenchResult): void {
  console.log(
    `\nMailbox on loopback: ${figures.connections} clients, offer → reply → read-by-code cycles`,
  );
  console.table([
    {
      requests: figures.requests,
      'requests/s': figures.requestsPerSecond,
      'cycles/s': figures.cyclesPerSecond,
      'p50 ms': figures.latencyMs.p50,
      'p90 ms': figures.latencyMs.p90,
      'p99 ms': figures.latencyMs.p99,
      'max ms': figures.latencyMs.max,
      errors: figures.errors,
      'non-2xx': figures.non2xx,
    },
  ]);
}

/** Each connection loops offer → reply → read; the context carries ids between the steps. */
function runCycles(url: string, cycles: number): Promise<autocannon.Result> {
  type Step = { offerId?: string | undefined; code?: string | undefined };
  const json = { 'content-type': 'application/json' };
  const instance = autocannon(
    {
      url,
      connections: CONNECTIONS,
      amount: cycles * 3,
      timeout: 10,
      requests: [
        {
          method: 'POST',
          path: '/api/offers',
          headers: json,
          body: JSON.stringify({ sealed: SEALED }),
          onResponse: (_status, body, context: Step) => {
            context.offerId = (JSON.parse(body) as { id?: string }).id;
          },
        },
        {
          method: 'POST',
          path: '/api/replies',
          headers: json,
          setupRequest: (request, context: Step) => ({
            ...request,
            body: JSON.stringify({ sealed: SEALED, offerId: context.offerId }),
          }),
          onResponse: (_status, body, context: Step) => {
            context.code = (JSON.parse(body) as { code?: string }).code;
          },
        },
        {
          method: 'GET',
          setupRequest: (request, context: Step) => ({
            ...request,
            path: `/api/replies/${context.code}`,
          }),
        },
      ],
    },
    () => {},
  );
  return new Promise((resolve, reject) => {
    const guard = setTimeout(() => instance.stop(), TIME_LIMIT_SECONDS * 1000);
    instance.once('done', (result: autocannon.Result) => {
      clearTimeout(guard);
      resolve(result);
    });
    instance.once('error', (error: Error) => {
      clearTimeout(guard);
      reject(error);
    });
  });
}

/**
 * `webrtc-connect serve` on a free port, logging as it does by default (to /dev/null), with the
 * per-client limits that would throttle 100 clients on one address turned off.
 */
function startServerProcess(): Promise<ServeProcess> {
  return startServeProcess([
    '--rate-limit',
    '0',
    '--miss-limit',
    '0',
    '--max-offers',
    '1000000',
    '--max-replies',
    '1000000',
  ]);
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await benchMailbox();
