import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { readFile, readlink, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { assertPrivateNetns } from './netns.ts';

const run = promisify(execFile);

/**
 * Networks of their own for each side of a session, so that one side's network can change while
 * the other's stays as it was. Each side is a network namespace nested in the private one of
 * scripts/in-netns.sh (held by a sleeping process), linked to it by a veth pair: the outer end
 * `wcs-*` stays in the private namespace, which routes between the sides (IPv4 forwarding on
 * there only) and holds the server on SERVER_ADDRESS. Side X on subnet 10.N.0.0/24 has
 * 10.N.0.2 with a default route through 10.N.0.1, the outer end.
 *
 *   side A (10.91.0.2) ── wcs-… (10.91.0.1) ┐
 *                                           ├ private namespace: forwards, server on 10.99.0.1
 *   side B (10.92.0.2) ── wcs-… (10.92.0.1) ┘
 *
 * Multicast is not routed, so one side cannot resolve the other's mDNS host names: browsers on
 * sides show raw host addresses (as if each had a public address; see side-browsers.ts).
 */

/** Where the server listens, on the private namespace's loopback: both sides route to it. */
export const SERVER_ADDRESS = '10.99.0.1';

const IP_FORWARD = '/proc/sys/net/ipv4/ip_forward';

/** The name of the side's end of its veth pair, inside its namespace. */
const INNER_INTERFACE = 'eth0';

/** How long the holding process may take to enter its new namespace. */
const HOLDER_START_MS = 5000;

export interface SideNetwork {
  /** The pid whose network namespace is the side's: `nsenter -t PID -n CMD` runs CMD there. */
  readonly pid: number;
  /** The side's own address now (`10.N.0.2`), null while it has none. */
  readonly address: string | null;
  /**
   * Leaves its network: both ends of its link lose their addresses, so every host candidate the
   * side gathered stops working, as when a laptop leaves its Wi-Fi. The other sides keep theirs.
   */
  leave(): Promise<void>;
  /** Joins subnet 10.`subnet`.0.0/24: a network it may never have been on. */
  join(subnet: number): Promise<void>;
  /** Takes its link down (addresses kept, nothing gets through) or brings it back up. */
  setLink(up: boolean): Promise<void>;
  /** Ends the namespace and its link. */
  close(): Promise<void>;
}

async function ip(...args: string[]): Promise<void> {
  await run('ip', args);
}

/** The namespace as it was before the first share of routing, while any share is held. */
let routing: { shares: number; forwarding: string } | undefined;
/** Taking and giving back shares, one at a time: each reads and writes the namespace. */
let routingQueue: Promise<unknown> = Promise.resolve();

function inTurn(step: () => Promise<void>): Promise<void> {
  const turn = routingQueue.then(step);
  routingQueue = turn.catch(() => {});
  return turn;
}

/**
 * Turns the private namespace into the sides' router: forwarding, server address. Resolves to
 * the release of this caller's share; the namespace is put back as it was when the last share
 * is released (the test file's own, and one per side network still open), since it is shared
 * with the files after this one, whose candidate lists must not gain the server's address.
 * Each release counts once, however often it is called.
 */
export async function becomeRouter(): Promise<() => Promise<void>> {
  assertPrivateNetns();
  await inTurn(async () => {
    if (routing) {
      routing.shares += 1;
      return;
    }
    // /proc/sys/net shows the writing process's own namespace: the private one, never the host's.
    const forwarding = (await readFile(IP_FORWARD, 'utf8')).trim();
    await writeFile(IP_FORWARD, '1');
    await ip('addr', 'replace', `${SERVER_ADDRESS}/32`, 'dev', 'lo');
    routing = { shares: 1, forwarding };
  });
  let released = false;
  return () => {
    if (released) return Promise.resolve();
    released = true;
    return inTurn(async () => {
      if (!routing) return;
      routing.shares -= 1;
      if (routing.shares > 0) return;
      const { forwarding } = routing;
      routing = undefined;
      await ip('addr', 'del', `${SERVER_ADDRESS}/32`, 'dev', 'lo').catch(() => {});
      await writeFile(IP_FORWARD, forwarding);
    });
  };
}

/** Resolves once `holder` is in a network namespace other than this process's. */
async function nestedNamespaceOf(holder: ChildProcess): Promise<number> {
  const pid = holder.pid;
  if (pid === undefined) throw new Error('could not start unshare for a side namespace');
  const own = await readlink('/proc/self/ns/net');
  const deadline = Date.now() + HOLDER_START_MS;
  for (;;) {
    if (holder.exitCode !== null) throw new Error(`unshare -n exited (${holder.exitCode})`);
    // Until unshare(2) has run, the process is still in ours: configuring it then would
    // configure the private namespace itself.
    const theirs = await readlink(`/proc/${pid}/ns/net`).catch(() => own);
    if (theirs !== own) return pid;
    if (Date.now() > deadline) throw new Error('the side namespace did not come up');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * A new side namespace, linked to the private one and joined to subnet 10.`subnet`.0.0/24. It
 * holds a share of routing (becomeRouter) until closed.
 */
export async function openSideNetwork(subnet: number): Promise<SideNetwork> {
  assertPrivateNetns();
  const stopRouting = await becomeRouter();
  const holder = spawn('unshare', ['-n', 'sleep', 'infinity'], { stdio: 'ignore' });
  // A holder that could not start has no pid: nestedNamespaceOf says so, and this 'error'
  // event, unheard, would end the process.
  holder.on('error', () => {});
  const outer = `wcs-${holder.pid?.toString(36) ?? 'x'}`;
  let address: string | null = null;
  let closed = false;
  const inside = async (...args: string[]) => {
    await run('nsenter', ['-t', String(pid), '-n', '--', 'ip', ...args]);
  };
  const close = async () => {
    if (closed) return;
    closed = true;
    holder.kill('SIGKILL');
    // Deleting one end deletes both; the namespace's end also goes when the namespace dies.
    await ip('link', 'del', outer).catch(() => {});
    await stopRouting();
  };
  let pid = 0;
  try {
    pid = await nestedNamespaceOf(holder);
    await ip(
      'link',
      'add',
      outer,
      'type',
      'veth',
      'peer',
      'name',
      INNER_INTERFACE,
      'netns',
      `${pid}`,
    );
    await ip('link', 'set', outer, 'up');
    await inside('link', 'set', 'lo', 'up');
    await inside('link', 'set', INNER_INTERFACE, 'up');
  } catch (error) {
    await close();
    throw error;
  }
  const side: SideNetwork = {
    pid,
    get address() {
      return address;
    },
    async leave() {
      assertPrivateNetns();
      await inside('addr', 'flush', 'dev', INNER_INTERFACE);
      await ip('addr', 'flush', 'dev', outer);
      address = null;
    },
    async join(to) {
      assertPrivateNetns();
      const gateway = `10.${to}.0.1`;
      await ip('addr', 'replace', `${gateway}/24`, 'dev', outer);
      await inside('addr', 'replace', `10.${to}.0.2/24`, 'dev', INNER_INTERFACE);
      await inside('route', 'replace', 'default', 'via', gateway, 'dev', INNER_INTERFACE);
      address = `10.${to}.0.2`;
    },
    async setLink(up) {
      assertPrivateNetns();
      // The side's own end, as when a laptop's Wi-Fi goes off: the browser sees its interface go.
      await inside('link', 'set', INNER_INTERFACE, up ? 'up' : 'down');
      // A link that comes back up has lost the routes through it: the default route again.
      if (up && address) {
        await inside(
          'route',
          'replace',
          'default',
          'via',
          address.replace(/\.2$/, '.1'),
          'dev',
          INNER_INTERFACE,
        );
      }
    },
    close,
  };
  try {
    await side.join(subnet);
  } catch (error) {
    await close();
    throw error;
  }
  return side;
}
