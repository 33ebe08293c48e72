/** The resume state machine's waits (resumable-session.ts, resume-exchange.ts), with reasons. */

/** How long `disconnected` may last before A restarts ICE (it often recovers by itself). */
export const DISCONNECTED_GRACE_MS = 2000;
/** How long A waits for a restart to connect before it offers a fresh connection instead. */
export const RESTART_WAIT_MS = 10_000;
/** How soon a side tries its restart again when it found no network to gather on. */
export const NO_NETWORK_RETRY_MS = 1000;
/** How long a restart may take to connect once its answer is applied. */
export const RESTART_CONNECT_MS = 4000;
/**
 * The same for a restart made because this device's network changed (the page was told so).
 * Chromium, after a change of both sides, brought such a restart back in 2 of 16 tries (each
 * within 0.2 s of its answer; made 0.1 to 1.1 s after joining the new network), and the fresh
 * connection after it connected 0.2 to 1.4 s after its offer; after a change of one side, its
 * restarts came back 0.1 to 0.8 s after their answer.
 */
export const RESTART_CONNECT_AFTER_CHANGE_MS = 1000;
/** How long an answered fresh offer may take to connect before another is made. */
export const FRESH_WAIT_MS = 15_000;
/**
 * How long a fresh offer waits for its answer before it is made again. The other side answers
 * within a second or two; an answer that has not come by then was most likely handed to a
 * wait of this side's that its network change left hanging (the box's take is final), and
 * would never come.
 */
export const FRESH_ANSWER_WAIT_MS = 6000;
/** How long A waits, after its channel closed, for a reloaded B to offer before offering itself. */
export const CHANNEL_CLOSED_WAIT_MS = 3000;
/**
 * How long B waits, once its connection is in trouble, for A's restart before restarting
 * itself. A may never notice: when only B's network changed, A's path still looks fine to A
 * (Firefox tells only when its consent to send expires, 30 s on).
 */
export const B_RESTART_WAIT_MS = 4000;
/**
 * How much longer than A, B waits after its channel closed before offering a fresh connection
 * itself (A's offer, should both come, stands).
 */
export const B_FRESH_DELAY_MS = 1000;
