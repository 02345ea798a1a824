/**
 * Token buckets: each user may spend `burst` actions at once, and earns back
 * `perSecond` of them a second. One bucket per user and kind of action, shared
 * by all their devices (and, in a cluster, all nodes).
 */
export interface RateRule {
  readonly perSecond: number;
  readonly burst: number;
}

export interface Bucket {
  readonly tokens: number;
  readonly atMs: number;
}

export type RateLimitedAction = 'message' | 'swipe' | 'login.account' | 'login.address';

/**
 * Log-in attempts, successful or not: per account (guessing one password) and per
 * address (trying many accounts). Generous for people, slow for scripts.
 */
export const LOGIN_RULES: Readonly<Record<'login.account' | 'login.address', RateRule>> = {
  'login.account': { perSecond: 5 / 60, burst: 5 },
  'login.address': { perSecond: 30 / 60, burst: 30 },
};

export interface TakeOutcome {
  readonly allowed: boolean;
  readonly bucket: Bucket;
  /** When refused: how long until one action is allowed again. */
  readonly retryAfterMs: number;
}

/** Takes one token from the bucket as it stands at `nowMs` (a new bucket is full). */
export function takeToken(bucket: Bucket | undefined, rule: RateRule, nowMs: number): TakeOutcome {
  const elapsedMs = bucket === undefined ? 0 : Math.max(0, nowMs - bucket.atMs);
  const tokens = bucket === undefined ? rule.burst : Math.min(rule.burst, bucket.tokens + (elapsedMs * rule.perSecond) / 1000);
  if (tokens >= 1) return { allowed: true, bucket: { tokens: tokens - 1, atMs: nowMs }, retryAfterMs: 0 };
  return { allowed: false, bucket: { tokens, atMs: nowMs }, retryAfterMs: Math.ceil(((1 - tokens) * 1000) / rule.perSecond) };
}

/** How long an untouched bucket takes to fill again: after that it can be forgotten. */
export function bucketLifetimeMs(rule: RateRule): number {
  return Math.ceil((rule.burst / rule.perSecond) * 1000);
}
