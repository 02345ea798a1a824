import assert from 'node:assert/strict';
import { DEFAULT_CONNECTION_MESSAGES, MessagePace, PACE_CLOSE, PACE_TAKEN, REFUSALS_BEFORE_CLOSE_PER_BURST } from '../../domain/messagePace';
import type { RateRule } from '../../domain/rateLimits';

const rule: RateRule = { perSecond: 10, burst: 5 };

/** The answers to `count` messages at `nowMs`. */
const takeAll = (pace: MessagePace, count: number, nowMs: number): number[] => Array.from({ length: count }, () => pace.take(nowMs));

describe('a connection’s message pace', () => {
  describe('within its rate', () => {
    it('takes a burst at once, then the rate for ever', () => {
      const pace = new MessagePace(rule, 1000);
      assert.deepEqual(takeAll(pace, rule.burst, 1000), Array(rule.burst).fill(PACE_TAKEN));
      // One message every 100 ms is 10 a second: never refused, however long it goes on.
      for (let n = 1; n <= 1000; n++) assert.equal(pace.take(1000 + n * 100), PACE_TAKEN, `message ${n}`);
    });

    it('earns back no more than its burst while idle', () => {
      const pace = new MessagePace(rule, 0);
      takeAll(pace, rule.burst, 0);
      const later = takeAll(pace, rule.burst + 1, 3_600_000);
      assert.deepEqual(later.slice(0, rule.burst), Array(rule.burst).fill(PACE_TAKEN));
      assert.ok(later[rule.burst]! > 0, 'the one past the burst is refused');
    });
  });

  describe('over its rate', () => {
    it('refuses with the time until the next message is taken', () => {
      const pace = new MessagePace(rule, 0);
      takeAll(pace, rule.burst, 0);
      assert.equal(pace.take(0), 100, 'one message every 100 ms');
      assert.equal(pace.take(40), 60);
      assert.equal(pace.take(100), PACE_TAKEN);
    });

    it('closes a flood once its refusals pass twice its burst, and not before', () => {
      const pace = new MessagePace(rule, 0);
      takeAll(pace, rule.burst, 0);
      const refusals = takeAll(pace, REFUSALS_BEFORE_CLOSE_PER_BURST * rule.burst, 1);
      assert.ok(refusals.every((answer) => answer > 0), `refused: ${refusals}`);
      assert.equal(pace.take(2), PACE_CLOSE);
    });

    it('does not close a connection a little over its rate: its refusals are counted in windows the bucket takes to fill', () => {
      const pace = new MessagePace(rule, 0);
      let refused = 0;
      // 15 a second against 10: a third refused, for ten minutes.
      for (let n = 0; n < 9000; n++) {
        const answer = pace.take(n * (1000 / 15));
        assert.notEqual(answer, PACE_CLOSE, `message ${n}`);
        if (answer > 0) refused++;
      }
      assert.ok(refused > 2000, `${refused} refused`);
    });

    it('closes a connection sending three times its rate and more within a few windows', () => {
      const pace = new MessagePace(rule, 0);
      let closedAt: number | undefined;
      for (let n = 0; n < 300 && closedAt === undefined; n++) if (pace.take(n * (1000 / 40)) === PACE_CLOSE) closedAt = n * (1000 / 40);
      assert.ok(closedAt !== undefined && closedAt < 2000, `closed at ${closedAt} ms`);
    });
  });

  it('by default takes a burst of 100 and 50 a second', () => {
    assert.deepEqual(DEFAULT_CONNECTION_MESSAGES, { perSecond: 50, burst: 100 });
  });
});
