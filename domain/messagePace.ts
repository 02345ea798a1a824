import type { RateRule } from './rateLimits';

/**
 * What one connection may send to its actor, whatever it sends: a burst, then so
 * many messages a second. The per-person buckets (rateLimits.ts) cover the commands
 * that cost others something; every other message (`heartbeat`, `events.ack`,
 * `ready`, an unknown type, a payload that fails its schema) cost its node a
 * decode, a check and an answer with no limit at all: one connection sending
 * 3,700 `events.ack` a second took 1.6 s of its node's CPU for 20,000 of them and
 * held another user's heartbeat on that node from 27 ms to 460 ms.
 *
 * No honest client comes near it: `@kismet/client` acknowledges events at most
 * four times a second, a thread's `typing` every few seconds and its `sync` one
 * page at a time; the per-person buckets hold chat messages to 10 a second and
 * swipes, thread reads and HTTP calls to about as many; the benchmarks' busiest
 * connection (a swipe or chat load) sends at most a few a second.
 */
export const DEFAULT_CONNECTION_MESSAGES: RateRule = { perSecond: 50, burst: 100 };

/** A connection refused more than this many times its burst within the time its bucket takes to fill is closed. */
export const REFUSALS_BEFORE_CLOSE_PER_BURST = 2;

/** take()'s answer for a message that may go on. */
export const PACE_TAKEN = 0;
/** take()'s answer once the connection kept sending far over its rate: close it. */
export const PACE_CLOSE = -1;

/**
 * One connection's token bucket, kept in a few numbers on the connection: no timer,
 * and nothing allocated per message, since a node holds tens of thousands of
 * connections and answers thousands of messages a second. Refusals are counted
 * in windows as long as the bucket takes to fill; more than
 * REFUSALS_BEFORE_CLOSE_PER_BURST bursts of them in one window close the
 * connection (one sending more than three times its rate is closed within a few
 * seconds, a flood at once), so a flood stops costing even its refusals.
 *
 * @example
 * const pace = new MessagePace(DEFAULT_CONNECTION_MESSAGES, performance.now());
 * const answer = pace.take(performance.now()); // PACE_TAKEN, a retryAfterMs > 0, or PACE_CLOSE
 */
export class MessagePace {
  private tokens: number;
  private atMs: number;
  private refused = 0;
  private refusalsSinceMs = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly rule: RateRule,
    nowMs: number,
  ) {
    this.tokens = rule.burst;
    this.atMs = nowMs;
  }

  /**
   * Takes one message at `nowMs` (a monotonic clock, in ms): PACE_TAKEN when it may
   * go on; when refused, how long until the next one is taken (ms, at least 1); or
   * PACE_CLOSE, from the refusal past the window's allowance on.
   */
  take(nowMs: number): number {
    const { perSecond, burst } = this.rule;
    const tokens = Math.min(burst, this.tokens + ((nowMs - this.atMs) * perSecond) / 1000);
    this.atMs = nowMs;
    if (tokens >= 1) {
      this.tokens = tokens - 1;
      return PACE_TAKEN;
    }
    this.tokens = tokens;
    return this.refuse(nowMs, tokens);
  }

  private refuse(nowMs: number, tokens: number): number {
    const { perSecond, burst } = this.rule;
    if (nowMs - this.refusalsSinceMs > (burst * 1000) / perSecond) {
      this.refusalsSinceMs = nowMs;
      this.refused = 0;
    }
    this.refused += 1;
    if (this.refused > REFUSALS_BEFORE_CLOSE_PER_BURST * burst) return PACE_CLOSE;
    return Math.max(1, Math.ceil(((1 - tokens) * 1000) / perSecond));
  }
}
