import { type Device, joinDevice, until } from './account-devices.ts';

/** How the broadcaster is taken away: a clean leave, a crash, or silence (no more pings). */
export type TakeAway = 'leave' | 'kill' | 'silence';

export interface FailoverRun {
  /** Every device that ever joined, in join order. */
  everyone: Device[];
  /** The devices still in the room at the end. */
  survivors: Device[];
  /** What each device sent, in order (its bodies are unique). */
  sent: Map<Device, string[]>;
  /** For each device, how many messages each other device had sent when it had joined. */
  sentBeforeJoin: Map<Device, Map<Device, number>>;
}

export interface FailoverOptions {
  server: string;
  token: string;
  devices: number;
  /** One change of broadcaster per entry. */
  ways: TakeAway[];
  /** Messages each device sends in a burst right before and right after each change. */
  burst: number;
  /** Join a new device after each change, so the room keeps its size. */
  replace: boolean;
  /** Each device also sends one message this often while the room recovers. */
  tickMs?: number;
}

/**
 * Devices keep sending while their broadcaster is taken away, again and again; resolves once
 * every message of every device still up is acknowledged and has reached every other one.
 */
export async function runFailover(options: FailoverOptions): Promise<FailoverRun> {
  const everyone: Device[] = [];
  let survivors: Device[] = [];
  const sent = new Map<Device, string[]>();
  const sentBeforeJoin = new Map<Device, Map<Device, number>>();
  const delivered: Promise<void>[] = [];
  const join = async () => {
    const device = await joinDevice(options.server, options.token);
    everyone.push(device);
    survivors.push(device);
    sent.set(device, []);
    await settled(survivors, 0);
    sentBeforeJoin.set(device, new Map([...sent].map(([sender, list]) => [sender, list.length])));
  };
  const send = (device: Device) => {
    // A device closed by surprise fails the wait for the room to settle, which names it.
    if (device.session.state === 'closed') return;
    const list = sent.get(device) ?? [];
    const body = `${device.session.id}#${list.length + 1}`;
    list.push(body);
    // A device taken away never gets its last messages acknowledged: that is not a failure.
    const done = device.session.send(body);
    if (survivors.includes(device)) delivered.push(done.catch((error) => failed(device, error)));
    else done.catch(() => {});
  };
  const failed = (device: Device, error: unknown) => {
    if (survivors.includes(device)) throw error;
  };
  for (let n = 0; n < options.devices; n += 1) await join();
  for (const way of options.ways) {
    const broadcaster = survivors.find((device) => device.session.role === 'broadcaster');
    if (!broadcaster) throw new Error('no broadcaster');
    const epoch = broadcaster.session.epoch;
    for (let n = 0; n < options.burst; n += 1) for (const device of survivors) send(device);
    survivors = survivors.filter((device) => device !== broadcaster);
    if (way === 'leave') broadcaster.session.leave();
    else if (way === 'kill') broadcaster.kill();
    else broadcaster.silence();
    for (let n = 0; n < options.burst; n += 1) for (const device of survivors) send(device);
    const ticker = setInterval(() => {
      for (const device of survivors) send(device);
    }, options.tickMs ?? 25);
    try {
      await settled(survivors, epoch);
    } finally {
      clearInterval(ticker);
    }
    if (way === 'silence') broadcaster.session.leave();
    if (options.replace) await join();
  }
  // The last device to join has something to receive too.
  for (let n = 0; n < options.burst; n += 1) for (const device of survivors) send(device);
  await Promise.all(delivered);
  await lastMessagesArrived(survivors, sent);
  return { everyone, survivors, sent, sentBeforeJoin };
}

/**
 * Until every survivor has received the last message every other survivor sent, or 10 s; not
 * met in time, it resolves all the same and deliveryProblems then says what is missing.
 */
export async function lastMessagesArrived(
  survivors: Device[],
  sent: Map<Device, string[]>,
): Promise<void> {
  const last = (device: Device) => sent.get(device)?.at(-1);
  await until(
    survivors.map((device) => device.session),
    () =>
      survivors.every((receiver) =>
        survivors.every(
          (sender) =>
            sender === receiver ||
            last(sender) === undefined ||
            receiver.received.some(({ data }) => data === last(sender)),
        ),
      ),
    10_000,
  ).catch(() => {});
}

/** Every device sees the same room, past `epoch`, with its channel open. */
export function settled(devices: Device[], epoch: number, timeoutMs?: number): Promise<void> {
  return until(
    devices.map((device) => device.session),
    () =>
      devices.every(
        (device) =>
          device.session.epoch > epoch &&
          device.session.state === 'connected' &&
          device.session.members.length === devices.length,
      ),
    timeoutMs,
  );
}

/**
 * What went wrong, in words (empty when nothing did): each device still up has every message of
 * every other device still up exactly once and in its order (all those sent since it joined),
 * and from devices taken away, an unbroken run in order.
 */
export function deliveryProblems(run: FailoverRun): string[] {
  const problems: string[] = [];
  for (const receiver of run.survivors) {
    for (const sender of run.everyone) {
      if (sender === receiver) continue;
      const sent = run.sent.get(sender) ?? [];
      const got = receiver.received
        .filter(({ from }) => from === sender.session.id)
        .map(({ data }) => (typeof data === 'string' ? data : '(bytes)'));
      const where = `${sender.session.id} → ${receiver.session.id}`;
      const indices = got.map((body) => sent.indexOf(body));
      if (indices.some((index, i) => index < 0 || (i > 0 && index !== (indices[i - 1] ?? 0) + 1))) {
        problems.push(`${where}: not one unbroken run in order: ${got.join(' ')}`);
        continue;
      }
      if (!run.survivors.includes(sender)) continue;
      // Everything sent once the receiver was in the room, up to the end.
      const before = run.sentBeforeJoin.get(receiver)?.get(sender) ?? 0;
      if (sent.length > before && indices.at(-1) !== sent.length - 1) {
        problems.push(`${where}: missing the end (got ${got.length} of ${sent.length})`);
      }
      if (sent.length > before && (indices[0] ?? before) > before) {
        problems.push(`${where}: missing some sent after it joined (from #${before + 1})`);
      }
    }
  }
  return problems;
}
