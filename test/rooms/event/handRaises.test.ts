import assert from 'node:assert/strict';
import { BlockedPairs } from '../../../domain/blockedPairs';
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

/** An audience of people by user id: what went to everyone (and who was left out), and what went to each person alone. */
function audienceOf(viewerIds: readonly string[], hidden: ReadonlySet<string> = new Set(), blocks = new BlockedPairs(), aliasOf = (userId: string) => userId) {
  const sent = new Map<string, Array<readonly string[]>>(viewerIds.map((id) => [id, []]));
  const broadcasts: Array<readonly string[]> = [];
  const leftOut: string[][] = [];
  const audience: HandAudience = {
    hiddenIds: () => hidden,
    unseenBy: (userId) => blocks.othersOf(userId),
    broadcast: (_type, message, except) => {
      broadcasts.push((message as { hands: string[] }).hands);
      leftOut.push([...except]);
    },
    sendTo: (userId, _type, message) => sent.get(userId)!.push((message as { hands: string[] }).hands),
    aliasOf,
  };
  return { audience, sent, broadcasts, leftOut };
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

  it('names every hand by its alias, in the broadcast, to one person alone and in a viewer’s answer', () => {
    const clock = manualClock();
    const blocks = new BlockedPairs();
    blocks.add({ blockerId: 'b', blockedId: 'a' });
    const { audience, sent, broadcasts } = audienceOf(['a', 'b', 'c'], new Set(), blocks, (userId) => `alias-of-${userId}`);
    const hands = new HandRaises(audience, clock);
    hands.change(['a', 'c']);
    clock.advance(0);
    assert.deepEqual(broadcasts, [['alias-of-a', 'alias-of-c']]);
    assert.deepEqual(sent.get('b'), [['alias-of-c']]);
    assert.deepEqual(hands.seenBy('c'), ['alias-of-a', 'alias-of-c']);
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

  it('tells the audience one view, and a shadow-banned person alone their own, each only when it changed', () => {
    const clock = manualClock();
    const { audience, sent, broadcasts, leftOut } = audienceOf(['host', 'plain', 'shadow'], new Set(['shadow']));
    const hands = new HandRaises(audience, clock);
    // Only the hidden hand: nobody else's view changes, theirs does.
    hands.change(['shadow']);
    clock.advance(0);
    assert.deepEqual(broadcasts, []);
    assert.deepEqual(sent.get('shadow'), [['shadow']]);
    hands.change(['shadow', 'plain']);
    clock.advance(HANDS_INTERVAL_MS);
    assert.deepEqual(broadcasts, [['plain']], 'everyone else sees the queue without the hidden hand');
    assert.deepEqual(leftOut, [['shadow']], 'and the shadow-banned person is not sent it');
    assert.deepEqual(sent.get('shadow'), [['shadow'], ['shadow', 'plain']]);
    assert.deepEqual([sent.get('host'), sent.get('plain')], [[], []]);
    assert.deepEqual([hands.seenBy('host'), hands.seenBy('shadow')], [['plain'], ['shadow', 'plain']]);
    // The hidden hand goes down: the audience's view is the same, only theirs changes.
    hands.change(['plain']);
    clock.advance(HANDS_INTERVAL_MS);
    assert.deepEqual(broadcasts, [['plain']]);
    assert.deepEqual(sent.get('shadow')!.at(-1), ['plain']);
  });

  it('tells two people a block stands between a view without each other’s hand, the others one view in one broadcast', () => {
    const clock = manualClock();
    const blocks = new BlockedPairs();
    blocks.add({ blockerId: 'b', blockedId: 'a' });
    const { audience, sent, broadcasts, leftOut } = audienceOf(['a', 'b', 'c'], new Set(), blocks);
    const hands = new HandRaises(audience, clock);
    hands.change(['a', 'c']);
    clock.advance(0);
    assert.deepEqual(broadcasts, [['a', 'c']]);
    assert.deepEqual(leftOut, [['b']], 'the one who blocked a raised hand is left out of the broadcast');
    assert.deepEqual(sent.get('b'), [['c']]);
    assert.deepEqual([hands.seenBy('a'), hands.seenBy('b'), hands.seenBy('c')], [['a', 'c'], ['c'], ['a', 'c']]);
    // b raises theirs: a does not see it, c does; a's view did not change, so a is told nothing.
    hands.change(['a', 'c', 'b']);
    clock.advance(HANDS_INTERVAL_MS);
    assert.deepEqual(broadcasts.at(-1), ['a', 'c', 'b']);
    assert.deepEqual(new Set(leftOut.at(-1)), new Set(['a', 'b']));
    assert.deepEqual(sent.get('b')!.at(-1), ['c', 'b']);
    assert.deepEqual(sent.get('a'), []);
    assert.deepEqual(hands.seenBy('a'), ['a', 'c']);
  });

  it('tells the two of a block made while hands are up the queue again without each other’s', () => {
    const clock = manualClock();
    const blocks = new BlockedPairs();
    const { audience, sent, broadcasts } = audienceOf(['a', 'b', 'c'], new Set(), blocks);
    const hands = new HandRaises(audience, clock);
    hands.change(['a', 'c']);
    clock.advance(0);
    blocks.add({ blockerId: 'b', blockedId: 'a' });
    hands.blocked('b', 'a');
    assert.deepEqual(sent.get('b'), [['c']], 'b no longer sees a');
    assert.deepEqual(sent.get('a'), [], 'b’s hand is not up: nothing changes for a');
    assert.deepEqual([sent.get('c'), broadcasts], [[], [['a', 'c']]], 'nor for anyone else');
  });

  it('takes a raised hand out of the others’ views when its person is shadow-banned, and puts it back in its place when that is lifted', () => {
    const clock = manualClock();
    const hidden = new Set(['d']);
    const blocks = new BlockedPairs();
    blocks.add({ blockerId: 'c', blockedId: 'a' });
    const { audience, sent, broadcasts, leftOut } = audienceOf(['a', 'b', 'c', 'd'], hidden, blocks);
    const hands = new HandRaises(audience, clock);
    hands.change(['a', 'b']);
    clock.advance(0);
    assert.deepEqual([broadcasts, sent.get('c'), sent.get('d')], [[['a', 'b']], [['b']], [['a', 'b']]]);

    hidden.add('a');
    hands.restood('a');
    assert.deepEqual(broadcasts.at(-1), ['b'], 'everyone else: without a’s hand');
    assert.deepEqual(new Set(leftOut.at(-1)), new Set(['a', 'c', 'd']));
    assert.deepEqual(sent.get('d')!.at(-1), ['b'], 'another shadow-banned person is told their own view');
    assert.deepEqual([sent.get('a'), sent.get('c')], [[], [['b']]], 'a sees their hand still; c never saw it');
    assert.deepEqual([hands.seenBy('a'), hands.seenBy('b')], [['a', 'b'], ['b']]);

    hidden.delete('a');
    hands.restood('a');
    assert.deepEqual(broadcasts.at(-1), ['a', 'b'], 'back in its place');
    assert.deepEqual(sent.get('d')!.at(-1), ['a', 'b']);
    assert.deepEqual([sent.get('a'), sent.get('c')], [[], [['b']]]);

    // b lowers their hand; then b's standing changes: nobody's view does, nobody is told.
    hands.change(['a']);
    clock.advance(HANDS_INTERVAL_MS);
    const told = [broadcasts.length, ...[...sent.values()].map((views) => views.length)];
    hidden.add('b');
    hands.restood('b');
    assert.deepEqual([broadcasts.length, ...[...sent.values()].map((views) => views.length)], told);
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
