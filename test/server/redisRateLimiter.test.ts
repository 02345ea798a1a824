import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { RateRules } from '../../server/config';
import { RedisRateLimiter } from '../../server/cluster/rateLimiters';
import { AppError, ErrorCode } from '../../domain/errors';
import { COMMAND_RULES, HTTP_RULES, LOGIN_RULES } from '../../domain/rateLimits';
import { redisClientSettings } from '../../server/cluster/redisConnections';
import { codesOf } from '../support/faultChecks';
import { privateServicesOrSkip, startPrivateRedis } from '../support/privateServices';
import { scratchRedis, servicesOrSkip } from '../support/services';

const RULES: RateRules = { message: { perSecond: 1, burst: 5 }, swipe: { perSecond: 1, burst: 5 }, ...LOGIN_RULES, ...HTTP_RULES, ...COMMAND_RULES };

/**
 * Watches the script calls a client sends (each take call is one EVALSHA once the
 * script is loaded), each held back `delayMs` before it is written, so that a
 * call is still out while later takes arrive. `firstOut` resolves once the first call is made.
 */
function watchScriptCalls(redis: Redis, delayMs: number): { calls: number; mostAtOnce: number; firstOut: Promise<void> } {
  let sent: () => void = () => {};
  const seen = { calls: 0, mostAtOnce: 0, firstOut: new Promise<void>((resolve) => (sent = resolve)) };
  let out = 0;
  const send = redis.sendCommand.bind(redis);
  redis.sendCommand = ((command: Parameters<Redis['sendCommand']>[0]) => {
    if (command.name !== 'evalsha') return send(command);
    seen.calls += 1;
    out += 1;
    seen.mostAtOnce = Math.max(seen.mostAtOnce, out);
    sent();
    void command.promise.then(
      () => (out -= 1),
      () => (out -= 1),
    );
    setTimeout(() => void send(command), delayMs);
    return command.promise;
  }) as Redis['sendCommand'];
  return seen;
}

describe('the cluster’s rate limits in Redis', function () {
  let scratch: Awaited<ReturnType<typeof scratchRedis>> | undefined;
  let redis: Redis | undefined;

  before(async function () {
    const services = servicesOrSkip(this, { redis: true });
    if (!services) return;
    scratch = await scratchRedis(services.redisUrl);
    redis = new Redis(scratch.url, { maxRetriesPerRequest: 1 });
  });

  after(async () => {
    redis?.disconnect();
    await scratch?.close();
  });

  it('sends the takes that arrive while a call is out in the next one, never two at once, each from its own bucket', async () => {
    const limiter = new RedisRateLimiter(redis!, RULES);
    await limiter.take('message', `warm-${randomUUID()}`); // loads the script: every call after it is one EVALSHA
    const seen = watchScriptCalls(redis!, 50);
    const [flooder, other] = [randomUUID(), randomUUID()];
    const first = limiter.take('message', other);
    // Once the first call is out (held 50 ms), these arrive while it is.
    await seen.firstOut;
    const flood = Array.from({ length: RULES.message.burst + 2 }, () => limiter.take('message', flooder));
    const outcomes = await Promise.all([first, ...flood]);
    assert.equal(seen.mostAtOnce, 1);
    assert.equal(seen.calls, 2);
    assert.equal(outcomes[0]!.allowed, true);
    // The flooder's takes, in the order made: the burst, then refusals with a hint.
    const flooded = outcomes.slice(1);
    assert.deepEqual(flooded.map((o) => o.allowed), [...Array(RULES.message.burst).fill(true), false, false]);
    assert.ok(flooded.at(-1)!.retryAfterMs > 0);
  });

  it('answers every take of a call that cannot reach Redis UNAVAILABLE, and the next call goes out', async () => {
    const unreachable = new Redis({ port: 1, lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
    try {
      const limiter = new RedisRateLimiter(unreachable, RULES);
      const takes = await Promise.allSettled([limiter.take('message', 'a'), limiter.take('typing', 'b'), limiter.take('event.chat', 'c')]);
      for (const take of takes) {
        assert.equal(take.status, 'rejected');
        assert.ok(take.reason instanceof AppError);
        assert.equal(take.reason.code, ErrorCode.UNAVAILABLE);
      }
      const again = await Promise.allSettled([limiter.take('message', 'a')]);
      assert.equal(again[0]!.status, 'rejected');
    } finally {
      unreachable.disconnect();
    }
  });

  it('answers the takes waiting behind a call to a stalled Redis UNAVAILABLE with it, in no further call, and takes again once Redis answers', async function () {
    const binaries = privateServicesOrSkip(this);
    if (!binaries) return;
    const stalling = await startPrivateRedis(binaries.redisServer);
    // As a node's connection: a command unanswered for this long fails as "Command timed out".
    const client = new Redis(stalling.url, redisClientSettings(500, { queueWhileDisconnected: false }));
    try {
      await new Promise((resolve) => client.once('ready', resolve)); // it sends nothing before: no offline queue
      const limiter = new RedisRateLimiter(client, RULES);
      await limiter.take('message', `warm-${randomUUID()}`);
      const seen = watchScriptCalls(client, 0);
      stalling.stall();
      const first = limiter.take('message', randomUUID());
      await seen.firstOut;
      // More than one call carries (500, the limiter's batch): without the shared answer they would go out one batch after another.
      const waiting = Array.from({ length: 1_200 }, () => limiter.take('message', randomUUID()));
      const outcomes = await Promise.allSettled([first, ...waiting]);
      assert.deepEqual(codesOf(outcomes), [ErrorCode.UNAVAILABLE]);
      assert.equal(seen.calls, 1, 'the takes behind the call that found Redis stalled were sent to it again');
      stalling.resume();
      assert.equal((await limiter.take('message', randomUUID())).allowed, true);
    } finally {
      client.disconnect();
      stalling.resume();
      await stalling.destroy();
    }
  });
});
