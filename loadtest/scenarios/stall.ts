import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { BatchedSwipeStore } from '../../db/batchedSwipeStore';
import { openDatabase } from '../../db/database';
import { migrateToLatest } from '../../db/migrate';
import type { SwipeToRecord } from '../../db/repositories/swipeRepository';
import { isUnavailable } from '../../domain/errors';
import { COMMAND_RULES, HTTP_RULES, LOGIN_RULES } from '../../domain/rateLimits';
import type { RateRules } from '../../server/config';
import { RedisRateLimiter } from '../../server/cluster/rateLimiters';
import { redisClientSettings } from '../../server/cluster/redisConnections';
import { onCleanup } from '../harness/cleanup';
import { newHistogram, percentiles, recordMs } from '../harness/histogram';
import { privateServiceBinaries, startPrivatePostgres, startPrivateRedis } from '../harness/privateServices';

export interface StallOptions {
  /** Takes, then swipes, offered per second while the server is stalled. */
  readonly ratePerS: number;
  /** Seconds of offers; the server is resumed a second after they end. */
  readonly durationS: number;
  /** The clients' timeout for a command or statement (a node's DEPENDENCY_TIMEOUT_MS). */
  readonly timeoutMs: number;
}

/** Offers come in ticks this far apart. */
const TICK_MS = 20;
/** Buckets that never run dry: every take is answered by Redis alone. */
const OPEN_RULES: RateRules = { message: { perSecond: 1e6, burst: 1e6 }, swipe: { perSecond: 1e6, burst: 1e6 }, ...LOGIN_RULES, ...HTTP_RULES, ...COMMAND_RULES };

/** A pass between cards that do not exist: answered `gone` by a Postgres that answers. */
export const aPass = (): SwipeToRecord => ({
  swiperId: randomUUID(),
  from: { id: randomUUID(), ownerId: randomUUID() },
  to: { id: randomUUID(), ownerId: randomUUID() },
  action: 'pass',
  quests: [],
  questDay: '2026-01-01',
});

/**
 * Stalls the server (after one warm call), offers `op` at the rate for the
 * duration, resumes it a second later; each offer's wait from submission to its
 * answer, how many were refused UNAVAILABLE (any other failure is an error), and
 * when the last was answered, from the stall.
 */
async function underStall(prefix: string, options: StallOptions, stall: () => void, resume: () => void, op: () => Promise<unknown>): Promise<Record<string, number>> {
  await op();
  const waits = newHistogram();
  let refused = 0;
  let errors = 0;
  let lastAnsweredMs = 0;
  const perTick = Math.max(1, Math.round((options.ratePerS * TICK_MS) / 1000));
  const answers: Array<Promise<void>> = [];
  stall();
  const stalledAt = performance.now();
  const resumer = setTimeout(resume, options.durationS * 1000 + 1000);
  try {
    for (let tick = 0; tick < (options.durationS * 1000) / TICK_MS; tick++) {
      for (let k = 0; k < perTick; k++) {
        const at = performance.now();
        answers.push(
          op().then(
            () => undefined,
            (error: unknown) => {
              if (isUnavailable(error)) refused += 1;
              else errors += 1;
            },
          ).finally(() => {
            const now = performance.now();
            recordMs(waits, now - at);
            lastAnsweredMs = Math.max(lastAnsweredMs, now - stalledAt);
          }),
        );
      }
      await new Promise((resolve) => setTimeout(resolve, TICK_MS));
    }
    await Promise.all(answers);
  } finally {
    clearTimeout(resumer);
    resume();
  }
  return {
    [`${prefix}_offered`]: answers.length,
    [`${prefix}_refused`]: refused,
    [`${prefix}_errors`]: errors,
    ...percentiles(`${prefix}_wait`, waits),
    [`${prefix}_wait_max_ms`]: Math.round(waits.maxValue / 1000), // recorded in microseconds
    [`${prefix}_all_answered_s`]: Math.round(lastAnsweredMs / 100) / 10,
  };
}

/**
 * A node's shared batches meeting a stalled dependency (SIGSTOP: connections open,
 * nothing answered): the rate-limit takes against a Redis of the run's own, then
 * the swipe writes against a Postgres of its own, each store as a node makes it,
 * in this process. No Kismet node runs.
 */
export async function runStall(options: StallOptions): Promise<Record<string, number>> {
  const binaries = privateServiceBinaries();
  if (!binaries) throw new Error('stall needs redis-server and the PostgreSQL server binaries (/usr/lib/postgresql/<version>/bin)');
  const redisServer = await startPrivateRedis(binaries.redisServer);
  onCleanup('the private Redis', () => redisServer.destroy());
  const redis = new Redis(redisServer.url, redisClientSettings(options.timeoutMs, { queueWhileDisconnected: false }));
  onCleanup('its client', async () => redis.disconnect());
  await new Promise((resolve) => redis.once('ready', resolve));
  const limiter = new RedisRateLimiter(redis, OPEN_RULES);
  const takes = await underStall('take', options, () => redisServer.stall(), () => redisServer.resume(), () => limiter.take('message', randomUUID()));
  redis.disconnect();

  const postgres = await startPrivatePostgres(binaries.pgBin);
  onCleanup('the private Postgres', () => postgres.destroy());
  const database = await openDatabase({ kind: 'postgres', url: postgres.url, poolSize: 2 }, { connectTimeoutMs: options.timeoutMs });
  onCleanup('its pool', () => database.close());
  await migrateToLatest(database.db);
  database.limitQueries(options.timeoutMs);
  let flushes = 0;
  const store = new BatchedSwipeStore(database.db, () => (flushes += 1));
  const swipes = await underStall('swipe', options, () => postgres.stall(), () => postgres.resume(), () => store.record(aPass()));
  const offered = takes['take_offered']! + swipes['swipe_offered']!;
  return {
    // Offers answered a second, over both stalls: a refusal is an answer.
    ops_per_s: Math.round(offered / (takes['take_all_answered_s']! + swipes['swipe_all_answered_s']!)),
    errors: takes['take_errors']! + swipes['swipe_errors']!,
    server_rss_mb: 0,
    ...takes,
    ...swipes,
    swipe_flushes: flushes - 1,
    timeout_ms: options.timeoutMs,
  };
}
