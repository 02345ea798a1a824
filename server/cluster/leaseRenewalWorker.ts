import { parentPort, workerData } from 'node:worker_threads';
import { Redis } from 'ioredis';
import pino from 'pino';
import { MAIN_TURNED_AT, RENEWED_SENT_AT, type LeaseRenewalSettings } from './leaseRenewals';
import { redisClientSettings } from './redisConnections';

// The node's lease renewal thread (see LeaseRenewals): one connection of its own, one SET a period.
const settings = workerData as LeaseRenewalSettings;
const slots = new BigInt64Array(settings.shared);
// Never queued while disconnected: a renewal that lands late would keep a lease its node gave up.
const redis = new Redis(settings.redisUrl, redisClientSettings(settings.timeoutMs, { queueWhileDisconnected: false }));
// Straight to the process's stdout: a thread's own `process.stdout` is written by the main thread, which may be stuck.
const log = pino({ base: { service: 'kismet', pid: process.pid, thread: 'lease' } }, pino.destination({ dest: 1, sync: true }));
let failing = false;

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
  redis.set(settings.key, '1', 'PX', settings.lifetimeMs).then(
    () => {
      failing = false;
      // This thread alone writes the slot; answers may come back out of order.
      if (BigInt(sentAt) > Atomics.load(slots, RENEWED_SENT_AT)) {
        Atomics.store(slots, RENEWED_SENT_AT, BigInt(sentAt));
        Atomics.notify(slots, RENEWED_SENT_AT); // the main thread's start waits for the first
      }
    },
    (error: unknown) => report(error instanceof Error ? error.message : String(error)),
  );
}

// As soon as the connection is up: the node's start waits for this thread's first renewal.
redis.once('ready', renew);
setInterval(renew, settings.periodMs);
