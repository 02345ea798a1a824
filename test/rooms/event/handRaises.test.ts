import assert from 'node:assert/strict';
import { HANDS_INTERVAL_MS, HandRaises, type HandAudience } from '../../../rooms/event/handRaises';

/** A clock the test moves; its timers run when it is moved past them. */
function manualClock() {
  let timers: Array<{ at: number; run: () => void }> = [];
  const clock = {
    at: 0,
    now: () => clock.at,
    after(ms: number, run: () => void) {
      const timer = { at: clock.at + ms, run };
      timers.push(timer);
      return () => void (timers = timers.filter((t) => t !== timer));
    },
    advance(by: number) {
      clock.at += by;
      const due = timers.filter((t) => t.at <= clock.at);
      timers = timers.filter((t) => t.at > clock.at);
      for (const timer of due) timer.run();
    },
    get pending() {
      return timers.length;
    },
  };
  return clock;
}

/** An audience of viewers by user id; what each was sent, and what went to everyone. */
function audienceOf(viewerIds: readonly string[], hidden: ReadonlySet<string> = new Set()) {
  const sent = new Map<string, Array<readonly string[]>>(viewerIds.map((id) => [id, []]));
  const broadcasts: Array<readonly string[]> = [];
  const audience: HandAudience = {
    viewers: () => viewerIds.map((userId) => ({ userId, send: (_type: string, message: unknown) => sent.get(userId)!.push((message as { hands: string[] }).hands) })),
    hiddenIds: () => hidden,
    broadcast: (_type, message) => broadcasts.push((message as { hands: string[] }).hands),
  };
  return { audience, sent, broadcasts };
}

describe('the hand-raise queue told to an event', () => {
  it('tells the audience of a change at once after a quiet spell, and of a burst of changes once, as the queue is at the end', () => {
    const clock = manualClock();
    const { audience, broadcasts } = audienceOf(['a', 'b', 'c']);
    const hands = new HandRaises(audience, clock);

    hands.change(['a']);
    assert.deepEqual(hands.seenBy('a'), ['a'], 'the one who raised it sees it at once');
    clock.advance(0);
    assert.deepEqual(broadcasts, [['a']]);

    // Within the interval: three changes, told once when it has passed, as the queue is then.
    clock.advance(10);
    hands.change(['a', 'b']);
    hands.change(['a', 'b', 'c']);
    hands.change(['b', 'c']);
    assert.deepEqual(hands.current, ['b', 'c']);
    clock.advance(HANDS_INTERVAL_MS - 20);
    assert.deepEqual(broadcasts, [['a']], 'nothing before the interval has passed');
    clock.advance(10);
    assert.deepEqual(broadcasts, [['a'], ['b', 'c']]);
    assert.equal(clock.pending, 0);
  });

  it('tells nobody of a hand raised and lowered again before the next telling', () => {
    const clock = manualClock();
    const { audience, broadcasts } = audienceOf(['a', 'b']);
    const hands = new HandRaises(audience, clock);
    hands.change(['a']);
    clock.advance(0);
    hands.change(['a', 'b']);
    hands.change(['a']);
    clock.advance(HANDS_INTERVAL_MS);
    assert.deepEqual(broadcasts, [['a']]);
    // The same queue again is no change.
    hands.change(['a']);
    assert.equal(clock.pending, 0);
  });

  it('tells a viewer only of their own view while a hand is hidden, and only when it changed', () => {
    const clock = manualClock();
    const { audience, sent, broadcasts } = audienceOf(['host', 'plain', 'shadow'], new Set(['shadow']));
    const hands = new HandRaises(audience, clock);
    hands.change(['shadow']);
    clock.advance(0);
    assert.deepEqual([...sent], [['host', []], ['plain', []], ['shadow', [['shadow']]]]);
    hands.change(['shadow', 'plain']);
    clock.advance(HANDS_INTERVAL_MS);
    assert.deepEqual([...sent], [['host', [['plain']]], ['plain', [['plain']]], ['shadow', [['shadow'], ['shadow', 'plain']]]]);
    assert.deepEqual(broadcasts, []);
    assert.deepEqual(hands.seenBy('host'), ['plain']);
  });

  it('tells nothing more once its event has closed it', () => {
    const clock = manualClock();
    const { audience, broadcasts } = audienceOf(['a']);
    const hands = new HandRaises(audience, clock);
    hands.change(['a']);
    hands.close();
    clock.advance(HANDS_INTERVAL_MS);
    assert.deepEqual(broadcasts, []);
    assert.equal(clock.pending, 0);
  });
});
