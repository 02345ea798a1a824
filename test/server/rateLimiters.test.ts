import assert from 'node:assert/strict';
import type { RateRules } from '../../server/config';
import { LocalRateLimiter, SplitRateLimiter } from '../../server/cluster/rateLimiters';
import { SESSION_ACTIONS } from '../../rooms/session/sessionCommands';
import { COMMAND_RULES, HTTP_RULES, LOGIN_RULES, type RateLimitedAction } from '../../domain/rateLimits';
import type { RateLimiter } from '../../services/rateLimiter';

const RULES: RateRules = { message: { perSecond: 5, burst: 10 }, swipe: { perSecond: 5, burst: 10 }, ...LOGIN_RULES, ...HTTP_RULES, ...COMMAND_RULES };

/** A cluster limiter that allows everything and remembers what it was asked. */
class RecordingLimiter implements RateLimiter {
  readonly taken: string[] = [];
  take(action: RateLimitedAction, subject: string): Promise<{ allowed: boolean; retryAfterMs: number }> {
    this.taken.push(`${action} ${subject}`);
    return Promise.resolve({ allowed: true, retryAfterMs: 0 });
  }
}

describe('rate limits split between the node and the cluster', () => {
  it('takes the session’s actions from the node’s buckets and every other action from the cluster’s', async () => {
    const cluster = new RecordingLimiter();
    const limiter = new SplitRateLimiter(new LocalRateLimiter(RULES, () => 0), cluster, SESSION_ACTIONS);
    const burst = RULES.swipe.burst;
    const swipes = [];
    for (let i = 0; i <= burst; i++) swipes.push(await limiter.take('swipe', 'user-1'));
    // The node's bucket, on a clock that stands still: the burst, then a refusal with a hint.
    assert.equal(swipes.filter((s) => s.allowed).length, burst);
    assert.equal(swipes.at(-1)!.allowed, false);
    assert.ok(swipes.at(-1)!.retryAfterMs > 0);
    // Another user's bucket is their own.
    assert.equal((await limiter.take('swipe', 'user-2')).allowed, true);
    for (const action of ['message', 'typing', 'event.chat', 'event.hand', 'login.account', 'login.address', 'register.address'] as const) {
      await limiter.take(action, 'user-1');
    }
    assert.deepEqual(cluster.taken, ['message user-1', 'typing user-1', 'event.chat user-1', 'event.hand user-1', 'login.account user-1', 'login.address user-1', 'register.address user-1']);
  });

  it('keeps on the node only what a user does through their one session', () => {
    // A thread's or a live event's commands reach actors on several nodes, and log-ins any node:
    // their buckets must be the cluster's. Adding an action here means it is taken in the session only.
    assert.deepEqual([...SESSION_ACTIONS].sort(), ['call', 'deck', 'location', 'presence', 'profile.view', 'swipe']);
  });
});
