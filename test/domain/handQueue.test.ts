import assert from 'node:assert/strict';
import { handsSeenBy, handsViewChanged } from '../../domain/handQueue';

describe('the hand-raise queue as each viewer sees it', () => {
  const hidden = new Set(['shady']);
  it('shows everyone the whole queue when nobody is hidden', () => assert.deepEqual(handsSeenBy(['a', 'b'], 'c', new Set()), ['a', 'b']));
  it('shows a shadow-banned attendee’s hand to themselves alone', () => {
    assert.deepEqual(handsSeenBy(['a', 'shady', 'b'], 'c', hidden), ['a', 'b']);
    assert.deepEqual(handsSeenBy(['a', 'shady', 'b'], 'shady', hidden), ['a', 'shady', 'b']);
  });
  it('shows nobody the hand of someone a block stands between them and', () => {
    assert.deepEqual(handsSeenBy(['a', 'b', 'c'], 'c', new Set(), new Set(['a'])), ['b', 'c']);
    assert.deepEqual(handsSeenBy(['a', 'shady', 'b'], 'shady', hidden, new Set(['b'])), ['a', 'shady']);
    assert.equal(handsViewChanged(['b'], ['b', 'a'], 'c', new Set(), new Set(['a'])), false);
  });
  it('says a viewer’s view changed only when what they see changed', () => {
    assert.equal(handsViewChanged(['a'], ['a', 'shady'], 'c', hidden), false);
    assert.equal(handsViewChanged(['a'], ['a', 'shady'], 'shady', hidden), true);
    assert.equal(handsViewChanged(['a'], ['a', 'b'], 'c', hidden), true);
  });
});
