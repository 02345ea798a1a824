import assert from 'node:assert/strict';
import { bucketLifetimeMs, takeToken, type Bucket, type RateRule } from '../../domain/rateLimits';

const rule: RateRule = { perSecond: 2, burst: 3 };

/** Takes `count` tokens at `nowMs`; returns how many were allowed and the bucket after. */
function spend(bucket: Bucket | undefined, count: number, nowMs: number): { allowed: number; bucket: Bucket | undefined; retryAfterMs: number } {
  let allowed = 0;
  let retryAfterMs = 0;
  for (let i = 0; i < count; i++) {
    const outcome = takeToken(bucket, rule, nowMs);
    bucket = outcome.bucket;
    if (outcome.allowed) allowed++;
    else retryAfterMs = outcome.retryAfterMs;
  }
  return { allowed, bucket, retryAfterMs };
}

describe('token bucket', () => {
  it('allows a burst, then refuses with the time until the next token', () => {
    const first = spend(undefined, 5, 0);
    assert.equal(first.allowed, 3);
    // Empty: the next token comes after 1 / 2 per second = 500 ms.
    assert.equal(first.retryAfterMs, 500);
  });

  it('earns tokens back at the rate, never more than the burst', () => {
    const empty = spend(undefined, 3, 0).bucket;
    assert.equal(spend(empty, 5, 499).allowed, 0);
    assert.equal(spend(empty, 5, 500).allowed, 1);
    assert.equal(spend(empty, 5, 1_000).allowed, 2);
    assert.equal(spend(empty, 5, 60_000).allowed, 3);
  });

  it('cuts a steady flood down to the rate', () => {
    let bucket: Bucket | undefined;
    let allowed = 0;
    // 100 attempts a second for 10 s: the burst, then 2 a second.
    for (let ms = 0; ms < 10_000; ms += 10) {
      const outcome = takeToken(bucket, rule, ms);
      bucket = outcome.bucket;
      if (outcome.allowed) allowed++;
    }
    assert.equal(allowed, 3 + 20 - 1);
  });

  it('counts refused attempts for nothing and a clock that goes backwards as no time', () => {
    const empty = spend(undefined, 3, 1_000).bucket;
    const refused = spend(empty, 10, 1_200).bucket!;
    assert.ok(Math.abs(refused.tokens - 0.4) < 1e-9);
    assert.equal(spend(refused, 1, 900).allowed, 0);
  });

  it('forgets a bucket once it would be full again', () => assert.equal(bucketLifetimeMs(rule), 1500));
});
