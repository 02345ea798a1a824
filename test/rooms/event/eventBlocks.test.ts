import assert from 'node:assert/strict';
import { RECENT_BLOCKS_MS, RecentBlocks } from '../../../services/recentBlocks';
import { EventBlocks } from '../../../rooms/event/eventBlocks';
import { setRoomServices, type RoomServices } from '../../../rooms/roomServices';

describe('the blocks an event learns among its people', () => {
  let nowMs = 1_000_000;
  let recent: RecentBlocks;
  const held = new Set<string>();
  const told: string[] = [];
  const ended: string[] = [];
  const eventOf = () =>
    new EventBlocks('e1', {
      holds: (userId) => held.has(userId),
      hands: { blocked: (x, y) => void told.push(`${x}|${y}`) },
      breakouts: { endBetween: async (x, y) => void ended.push(`${x}|${y}`) },
    });

  beforeEach(() => {
    recent = new RecentBlocks();
    held.clear();
    told.length = 0;
    ended.length = 0;
    setRoomServices({ recentBlocks: recent, now: () => new Date(nowMs), logger: { warn: () => undefined } } as unknown as RoomServices);
  });

  afterEach(() => setRoomServices(undefined));

  it('learns a block made while both are in at once, and one with someone not in only when they come', () => {
    const blocks = eventOf();
    held.add('a').add('b');
    recent.heard({ blockerId: 'a', blockedId: 'b' }, nowMs);
    assert.deepEqual([[...blocks.othersOf('a')], told, ended], [['b'], ['a|b'], ['a|b']]);
    recent.heard({ blockerId: 'c', blockedId: 'a' }, nowMs);
    assert.deepEqual([...blocks.othersOf('a')], ['b'], 'c is not in: nothing to hide yet');
    // c connects: the block was made after c's door read, and is among the node's recent blocks.
    blocks.admit('c', []);
    held.add('c');
    assert.deepEqual([[...blocks.othersOf('a')], [...blocks.othersOf('c')]], [['b', 'c'], ['a']]);
    blocks.close();
  });

  it('learns at a connection the blocks its door read with the people in, and forgets them once the person has left', () => {
    const blocks = eventOf();
    held.add('host');
    blocks.admit('a', [{ blockerId: 'a', blockedId: 'host' }, { blockerId: 'later', blockedId: 'a' }]);
    held.add('a');
    assert.deepEqual([...blocks.othersOf('a')], ['host'], 'only with the people in');
    assert.equal(blocks.breakoutTold('host', 'a'), false, 'the host is answered, the attendee never told');
    assert.throws(() => blocks.breakoutTold('a', 'host'), { code: 'BLOCKED' });
    held.delete('a');
    blocks.left('a');
    assert.deepEqual([...blocks.othersOf('host')], []);
    blocks.close();
  });

  it('no longer finds a block among the recent ones once its keeping time is over, nor hears any once closed', () => {
    const blocks = eventOf();
    recent.heard({ blockerId: 'a', blockedId: 'b' }, nowMs);
    nowMs += RECENT_BLOCKS_MS + 1;
    held.add('b');
    blocks.admit('a', []);
    assert.deepEqual([...blocks.othersOf('a')], [], 'its door read, made after the block, has it');
    held.add('a');
    blocks.close();
    recent.heard({ blockerId: 'b', blockedId: 'a' }, nowMs);
    assert.deepEqual(told, []);
  });
});
