import { parentPort, workerData } from 'node:worker_threads';
import { Redis } from 'ioredis';
import pino from 'pino';
import { LAPSED_SENT_AT, LOST_SENT_AT, MAIN_TURNED_AT, RENEWED_SENT_AT, RETAKE_ALLOWED, type LeaseRenewalSettings } from './leaseRenewals';
import { redisClientSettings } from './redisConnections';

// The node's lease renewal thread (see LeaseRenewals): one connection of its own, one SET a period.
const settings = workerData as LeaseRenewalSettings;
const slots = new BigInt64Array(settings.shared);
// Never queued while disconnected: a renewal that lands late would keep a lease its node gave up.
const redis = new Redis(settings.redisUrl, redisClientSettings(settings.timeoutMs, { queueWhileDisconnected: false }));
// Straight to the process's stdout: a thread's own `process.stdout` is written by the main thread, which may be stuck.
const log = pino({ base: { service: 'kismet', pid: process.pid, thread: 'lease' } }, pino.destination({ dest: 1, sync: true }));
let failing = false;
/** The lease lapsed: renewals no longer bring it back, until the main thread allows its taking again. */
let lapsed = false;

function report(failure: string): void {
  if (!failing) parentPort?.postMessage(failure); // once per outage; the main thread logs its fence itself
  failing = true;
}

redis.on('error', (error: Error) => report(error.message));

/**
 * The main thread has not turned for the stall limit: the node is stuck, not
 * slow. Its process ends here, before the main thread runs another line: its
 * clients' connections close, Redis drops its process channel, and the other
 * nodes take its actors as a dead node's once its lease lapses (a process
 * manager starts it again). Left alive, its channel stayed open, so no node
 * swept it, and its users waited for it for as long as it was stuck.
 */
function endStuckProcess(stalledForMs: number): void {
  log.fatal({ stalledForMs, maxStallMs: settings.maxStallMs }, 'the main thread is stuck: ending this node');
  process.kill(process.pid, 'SIGKILL');
}

function renew(): void {
  const sentAt = Date.now();
  const stalledForMs = sentAt - Number(Atomics.load(slots, MAIN_TURNED_AT));
  if (stalledForMs > settings.maxStallMs) return endStuckProcess(stalledForMs);
  // Allowed only while the node serves nothing: starting, or fenced with its actors gone.
  const take = Atomics.load(slots, RETAKE_ALLOWED) === 1n;
  // XX: a renewal extends the lease and never brings back one that lapsed, which the others may have acted on.
  const set = take ? redis.set(settings.key, '1', 'PX', settings.lifetimeMs) : redis.set(settings.key, '1', 'PX', settings.lifetimeMs, 'XX');
  set.then(
    (reply) => {
      failing = false;
      if (reply === null) return missing(sentAt);
      if (take && lapsed) log.warn('the lease is taken again: this node fenced itself after it lapsed');
      lapsed = false;
      renewed(sentAt);
    },
    (error: unknown) => report(error instanceof Error ? error.message : String(error)),
  );
}

function renewed(sentAt: number): void {
  // This thread alone writes the slot; answers may come back out of order.
  if (BigInt(sentAt) > Atomics.load(slots, RENEWED_SENT_AT)) {
    Atomics.store(slots, RENEWED_SENT_AT, BigInt(sentAt));
    Atomics.notify(slots, RENEWED_SENT_AT); // the main thread's start waits for the first
  }
}

/**
 * No lease to renew. Gone within its lifetime of the last renewal (less a period, for
 * clocks), it did not lapse: Redis lost it (flushed, evicted, restarted empty) with the
 * node's listings, and maybe without dropping a connection. It is made again, and the
 * loss told to the main thread first (LOST_SENT_AT), which then creates no actor and
 * rejoins: it puts its listings back, as after a dropped connection. Otherwise it
 * lapsed: the main thread fences the node.
 */
function missing(sentAt: number): void {
  const sinceRenewedMs = Date.now() - Number(Atomics.load(slots, RENEWED_SENT_AT));
  if (!lapsed && sinceRenewedMs < settings.lifetimeMs - settings.periodMs) {
    // Before the lease is back: a creation the main thread lets through in between finds no lease, and no listing is made.
    if (BigInt(sentAt) > Atomics.load(slots, LOST_SENT_AT)) Atomics.store(slots, LOST_SENT_AT, BigInt(sentAt));
    redis.set(settings.key, '1', 'PX', settings.lifetimeMs).then(
      () => renewed(sentAt),
      (error: unknown) => report(error instanceof Error ? error.message : String(error)),
    );
    return;
  }
  if (!lapsed) log.error({ sinceRenewedMs, lifetimeMs: settings.lifetimeMs }, 'the lease lapsed: this node fences itself before it takes the lease again');
  lapsed = true;
  if (BigInt(sentAt) > Atomics.load(slots, LAPSED_SENT_AT)) Atomics.store(slots, LAPSED_SENT_AT, BigInt(sentAt));
}

// As soon as the connection is up: the node's start waits for this thread's first renewal.
redis.once('ready', renew);
setInterval(renew, settings.periodMs);
