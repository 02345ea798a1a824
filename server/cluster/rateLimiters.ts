import type { Redis } from 'ioredis';
import { bucketLifetimeMs, takeToken, type Bucket, type RateLimitedAction } from '../../domain/rateLimits';
import type { RateLimiter } from '../../rooms/rateLimiter';
import type { RateRules } from '../config';

/** Buckets forgotten at once when the in-process map grows past this (they refill in seconds anyway). */
const LOCAL_BUCKETS_MAX = 100_000;

/** One node's buckets, in memory: the limiter of a single node. */
export class LocalRateLimiter implements RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly rules: RateRules,
    private readonly now: () => number = Date.now,
  ) {}

  take(action: RateLimitedAction, userId: string): Promise<{ allowed: boolean; retryAfterMs: number }> {
    const key = `${action}:${userId}`;
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
// one bucket atomically, on Redis's clock (nodes' clocks may differ).
const TAKE_TOKEN = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local stored = redis.call('HMGET', KEYS[1], 'tokens', 'at')
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
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', now)
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return {allowed, retry}
`;

type TakeTokenCommand = (key: string, perSecond: number, burst: number, ttlMs: number) => Promise<[number, number]>;

/** The cluster's buckets, in Redis: a user's devices on any nodes share them. */
export class RedisRateLimiter implements RateLimiter {
  private readonly takeToken: TakeTokenCommand;

  constructor(
    redis: Redis,
    private readonly rules: RateRules,
  ) {
    redis.defineCommand('kismetTakeToken', { numberOfKeys: 1, lua: TAKE_TOKEN });
    const command = (redis as unknown as { kismetTakeToken: TakeTokenCommand }).kismetTakeToken;
    this.takeToken = command.bind(redis);
  }

  async take(action: RateLimitedAction, userId: string): Promise<{ allowed: boolean; retryAfterMs: number }> {
    const rule = this.rules[action];
    const [allowed, retryAfterMs] = await this.takeToken(`kismet:rate:${action}:${userId}`, rule.perSecond, rule.burst, bucketLifetimeMs(rule));
    return { allowed: allowed === 1, retryAfterMs };
  }
}
