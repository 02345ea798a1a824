import type { Redis } from 'ioredis';
import { GroupCommit, type GroupCommitLimits } from '../../db/groupCommit';
import { bucketLifetimeMs, takeToken, type Bucket, type RateLimitedAction } from '../../domain/rateLimits';
import type { RateLimiter } from '../../services/rateLimiter';
import type { RateRules } from '../config';
import { classifyRedisError } from './redisFaults';

/** Buckets forgotten at once when the in-process map grows past this (they refill in seconds anyway). */
const LOCAL_BUCKETS_MAX = 100_000;

/** One node's buckets, in memory: the limiter of a single node. */
export class LocalRateLimiter implements RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly rules: RateRules,
    private readonly now: () => number = Date.now,
  ) {}

  take(action: RateLimitedAction, subject: string): Promise<{ allowed: boolean; retryAfterMs: number }> {
    const key = `${action}:${subject}`;
    const nowMs = this.now();
    if (this.buckets.size >= LOCAL_BUCKETS_MAX) this.forgetFull(nowMs);
    const outcome = takeToken(this.buckets.get(key), this.rules[action], nowMs);
    this.buckets.set(key, outcome.bucket);
    return Promise.resolve({ allowed: outcome.allowed, retryAfterMs: outcome.retryAfterMs });
  }

  private forgetFull(nowMs: number): void {
    for (const [key, bucket] of this.buckets) {
      const action = key.slice(0, key.indexOf(':')) as RateLimitedAction;
      if (nowMs - bucket.atMs >= bucketLifetimeMs(this.rules[action])) this.buckets.delete(key);
    }
  }
}

// The same bucket as domain/rateLimits.ts, run inside Redis so that every node takes from
// one bucket atomically, on Redis's clock (nodes' clocks may differ). One call takes from
// many buckets: KEYS are the buckets, ARGV three numbers per bucket (rate, burst, ttl).
const TAKE_TOKENS = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local out = {}
for i, key in ipairs(KEYS) do
  local rate = tonumber(ARGV[3 * i - 2])
  local burst = tonumber(ARGV[3 * i - 1])
  local stored = redis.call('HMGET', key, 'tokens', 'at')
  local tokens = burst
  if stored[1] then
    tokens = math.min(burst, tonumber(stored[1]) + math.max(0, now - tonumber(stored[2])) * rate / 1000)
  end
  local allowed = 0
  local retry = 0
  if tokens >= 1 then
    tokens = tokens - 1
    allowed = 1
  else
    retry = math.ceil((1 - tokens) * 1000 / rate)
  end
  redis.call('HSET', key, 'tokens', tostring(tokens), 'at', now)
  redis.call('PEXPIRE', key, ARGV[3 * i])
  out[2 * i - 1] = allowed
  out[2 * i] = retry
end
return out
`;

type TakeTokensCommand = (keyCount: number, ...keysThenArgs: Array<string | number>) => Promise<number[]>;

type TakeOutcome = Awaited<ReturnType<RateLimiter['take']>>;

/**
 * One script call in flight per node: the takes that arrive while it runs go
 * to Redis together in the next, which starts `lingerMs` after the last one
 * ended (as a node's swipe reads do), so that under load each call carries
 * what arrived over a few milliseconds. A take after a quiet spell still goes
 * at the end of its turn (loadtest/README.md, "Rate-limit calls that wait their turn, 2026-12-07").
 * A call that finds Redis unavailable (it timed out, the connection is gone) answers
 * the takes waiting behind it the same: while Redis stalls, each take is answered
 * within about one command timeout, not after every batch ahead of it timed out.
 */
const TAKE_LIMITS: GroupCommitLimits = { maxInFlight: 1, maxBatch: 500, gatherTurn: true, lingerMs: 2, failsQueueWhenUnavailable: true };

/**
 * The cluster's buckets, in Redis: a user's devices on any nodes share them.
 * The takes waiting for the node's next call go to Redis in it, in one script call.
 */
export class RedisRateLimiter implements RateLimiter {
  private readonly takes: GroupCommit<{ readonly key: string; readonly action: RateLimitedAction }, TakeOutcome>;

  constructor(redis: Redis, rules: RateRules) {
    redis.defineCommand('kismetTakeTokens', { lua: TAKE_TOKENS });
    const takeTokens = (redis as unknown as { kismetTakeTokens: TakeTokensCommand }).kismetTakeTokens.bind(redis);
    this.takes = new GroupCommit(async (batch) => {
      const args = batch.flatMap((p) => {
        const rule = rules[p.action];
        return [rule.perSecond, rule.burst, bucketLifetimeMs(rule)];
      });
      let out: number[];
      try {
        out = await takeTokens(batch.length, ...batch.map((p) => p.key), ...args);
      } catch (error) {
        throw classifyRedisError(error);
      }
      return batch.map((_, i) => ({ allowed: out[2 * i] === 1, retryAfterMs: out[2 * i + 1]! }));
    }, TAKE_LIMITS);
  }

  take(action: RateLimitedAction, subject: string): Promise<TakeOutcome> {
    return this.takes.submit({ key: `kismet:rate:${action}:${subject}`, action });
  }
}

/**
 * The cluster's buckets for what any actor or route may take, and this node's own
 * for the actions (`localActions`) only one actor per user takes: a user's
 * session, which the cluster holds once, on one node, for all their devices.
 * Those buckets are as shared as the cluster's, and a swipe costs no Redis round
 * trip before it runs. When the session moves to another node (its node is lost),
 * its buckets start full there.
 */
export class SplitRateLimiter implements RateLimiter {
  constructor(
    private readonly local: RateLimiter,
    private readonly cluster: RateLimiter,
    private readonly localActions: ReadonlySet<RateLimitedAction>,
  ) {}

  take(action: RateLimitedAction, subject: string): Promise<{ allowed: boolean; retryAfterMs: number }> {
    return (this.localActions.has(action) ? this.local : this.cluster).take(action, subject);
  }
}

/** A node's limiter: its own buckets alone, or split with the cluster's (`SplitRateLimiter`) when it has one. */
export function nodeRateLimiter(rules: RateRules, cluster: RateLimiter | undefined, localActions: ReadonlySet<RateLimitedAction>): RateLimiter {
  const local = new LocalRateLimiter(rules);
  return cluster ? new SplitRateLimiter(local, cluster, localActions) : local;
}
