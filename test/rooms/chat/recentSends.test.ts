import assert from 'node:assert/strict';
import { describe, it } from 'mocha';
import { RecentSends } from '../../../rooms/chat/recentSends';

describe('recent sends of a thread', () => {
  it('answers by sender and client id, keeping two senders\' equal ids apart', () => {
    const recent = new RecentSends(4);
    recent.remember({ senderId: 'ann', clientMessageId: '1', seq: 1, at: 100 });
    recent.remember({ senderId: 'bob', clientMessageId: '1', seq: 2, at: 200 });
    assert.deepEqual(recent.get('ann', '1'), { seq: 1, at: 100 });
    assert.deepEqual(recent.get('bob', '1'), { seq: 2, at: 200 });
    assert.equal(recent.get('cat', '1'), undefined);
    assert.equal(recent.get('ann', '2'), undefined);
  });

  it('forgets the oldest beyond its capacity, and a remembered id again keeps one slot', () => {
    const recent = new RecentSends(3);
    for (const [i, id] of ['a', 'b', 'c'].entries()) recent.remember({ senderId: 'ann', clientMessageId: id, seq: i + 1, at: i });
    recent.remember({ senderId: 'ann', clientMessageId: 'b', seq: 2, at: 1 }); // a reload remembers it again
    recent.remember({ senderId: 'bob', clientMessageId: 'd', seq: 4, at: 3 });
    assert.equal(recent.get('ann', 'a'), undefined);
    assert.deepEqual(['b', 'c'].map((id) => recent.get('ann', id)?.seq), [2, 3]);
    assert.equal(recent.get('bob', 'd')?.seq, 4);
    recent.remember({ senderId: 'bob', clientMessageId: 'e', seq: 5, at: 4 });
    assert.equal(recent.get('ann', 'b'), undefined);
    assert.deepEqual([recent.get('ann', 'c')?.seq, recent.get('bob', 'd')?.seq, recent.get('bob', 'e')?.seq], [3, 4, 5]);
  });
});
