import { parentPort, workerData } from 'node:worker_threads';
import { Redis } from 'ioredis';
import { MAIN_TURNED_AT, RENEWED_SENT_AT, type LeaseRenewalSettings } from './leaseRenewals';
import { redisClientSettings } from './redisConnections';

// The node's lease renewal thread (see LeaseRenewals): one connection of its own, one SET a period.
const settings = workerData as LeaseRenewalSettings;
const slots = new BigInt64Array(settings.shared);
// Never queued while disconnected: a renewal that lands late would keep a lease its node gave up.
const redis = new Redis(settings.redisUrl, redisClientSettings(settings.timeoutMs, { queueWhileDisconnected: false }));
let failing = false;

function report(failure: string): void {
  if (!failing) parentPort?.postMessage(failure); // once per outage; the main thread logs its fence itself
  failing = true;
}

redis.on('error', (error: Error) => report(error.message));

function renew(): void {
  const sentAt = Date.now();
  if (sentAt - Number(Atomics.load(slots, MAIN_TURNED_AT)) > settings.maxStallMs) return report('the main thread is stalled');
  redis.set(settings.key, '1', 'PX', settings.lifetimeMs).then(
    () => {
      failing = false;
      // This thread alone writes the slot; answers may come back out of order.
      if (BigInt(sentAt) > Atomics.load(slots, RENEWED_SENT_AT)) Atomics.store(slots, RENEWED_SENT_AT, BigInt(sentAt));
    },
    (error: unknown) => report(error instanceof Error ? error.message : String(error)),
  );
}

setInterval(renew, settings.periodMs);
