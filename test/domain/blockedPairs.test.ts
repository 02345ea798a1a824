import assert from 'node:assert/strict';
import { BlockedPairs } from '../../domain/blockedPairs';

describe('the blocks among a group of people', () => {
  it('stands between two people either way, and remembers who made it', () => {
    const pairs = new BlockedPairs();
    assert.equal(pairs.add({ blockerId: 'a', blockedId: 'b' }), true);
    assert.deepEqual([pairs.between('a', 'b'), pairs.between('b', 'a'), pairs.between('a', 'c')], [true, true, false]);
    assert.deepEqual([pairs.blocked('a', 'b'), pairs.blocked('b', 'a')], [true, false]);
    assert.deepEqual([[...pairs.othersOf('a')], [...pairs.othersOf('b')], [...pairs.othersOf('c')]], [['b'], ['a'], []]);
  });

  it('changes nothing between the two for a second block, either way, but knows it was made', () => {
    const pairs = new BlockedPairs();
    pairs.add({ blockerId: 'a', blockedId: 'b' });
    assert.equal(pairs.add({ blockerId: 'a', blockedId: 'b' }), false);
    assert.equal(pairs.add({ blockerId: 'b', blockedId: 'a' }), false);
    assert.equal(pairs.blocked('b', 'a'), true);
  });

  it('forgets a person who left, from both sides', () => {
    const pairs = new BlockedPairs();
    pairs.add({ blockerId: 'a', blockedId: 'b' });
    pairs.add({ blockerId: 'c', blockedId: 'a' });
    pairs.add({ blockerId: 'b', blockedId: 'c' });
    pairs.forget('a');
    assert.deepEqual([[...pairs.othersOf('a')], [...pairs.othersOf('b')], [...pairs.othersOf('c')]], [[], ['c'], ['b']]);
    assert.deepEqual([pairs.blocked('a', 'b'), pairs.blocked('c', 'a'), pairs.blocked('b', 'c')], [false, false, true]);
    assert.equal(pairs.add({ blockerId: 'a', blockedId: 'b' }), true, 'learned again when they come back');
  });
});
