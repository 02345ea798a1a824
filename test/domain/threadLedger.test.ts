import assert from 'node:assert/strict';
import { ThreadLedger, UNREAD_KEPT } from '../../domain/threadLedger';

describe('ThreadLedger', () => {
  const fresh = () =>
    new ThreadLedger(3, [
      { userId: 'ada', lastReadSeq: 3, unreadSeqs: [] },
      { userId: 'bob', lastReadSeq: 1, unreadSeqs: [2, 3] },
    ]);

  it('continues the sequence and counts each message as unread for everyone but its sender', () => {
    const ledger = fresh();
    ledger.commit([{ seq: 4, senderId: 'ada', hidden: false }, { seq: 5, senderId: 'bob', hidden: false }, { seq: 6, senderId: 'ada', hidden: false }]);
    assert.equal(ledger.lastSeq, 6);
    assert.deepEqual([ledger.unread('ada'), ledger.unread('bob')], [1, 4]);
  });

  it('counts a hidden message (a shadow-banned sender) as unread for nobody, and keeps the sequence going', () => {
    const ledger = fresh();
    ledger.commit([{ seq: 4, senderId: 'ada', hidden: true }, { seq: 5, senderId: 'ada', hidden: false }]);
    assert.equal(ledger.lastSeq, 5);
    assert.deepEqual([ledger.unread('ada'), ledger.unread('bob')], [0, 3]);
    assert.deepEqual(ledger.markRead('bob', 5), { changed: true, lastReadSeq: 5, unread: 0 });
  });

  it('refuses a batch that would skip or repeat a sequence, and keeps what it had', () => {
    const ledger = fresh();
    assert.throws(() => ledger.commit([{ seq: 5, senderId: 'ada', hidden: false }]), /skip/);
    assert.throws(() => ledger.commit([{ seq: 3, senderId: 'ada', hidden: false }]), /skip/);
    assert.equal(ledger.lastSeq, 3);
  });

  it('moves a read marker forward only, never past the last message, and recounts unread', () => {
    const ledger = fresh();
    ledger.commit([{ seq: 4, senderId: 'bob', hidden: false }, { seq: 5, senderId: 'ada', hidden: false }]);
    // Bob's unread: 2, 3 (loaded) and 5; his own 4 never counts.
    assert.deepEqual(ledger.markRead('bob', 3), { changed: true, lastReadSeq: 3, unread: 1 });
    assert.deepEqual(ledger.markRead('bob', 2), { changed: false, lastReadSeq: 3, unread: 1 });
    assert.deepEqual(ledger.markRead('bob', 99), { changed: true, lastReadSeq: 5, unread: 0 });
    assert.deepEqual(ledger.readMarkers(), [{ userId: 'ada', lastReadSeq: 3 }, { userId: 'bob', lastReadSeq: 5 }]);
  });

  it('knows its members and nobody else', () => {
    const ledger = fresh();
    assert.deepEqual([ledger.isMember('ada'), ledger.isMember('eve'), ledger.memberIds()], [true, false, ['ada', 'bob']]);
    assert.deepEqual(ledger.markRead('eve', 3), { changed: false, lastReadSeq: 0, unread: 0 });
  });

  it('takes a colleague in with their own read marker and unread messages, counts later messages for them, and lets them go', () => {
    const ledger = fresh();
    assert.equal(ledger.addMember({ userId: 'cid', role: 'colleague', lastReadSeq: 2, unreadSeqs: [3] }), true);
    assert.equal(ledger.addMember({ userId: 'cid', role: 'colleague', lastReadSeq: 0, unreadSeqs: [1, 2, 3] }), false, 'a member already in stays as they are');
    ledger.commit([{ seq: 4, senderId: 'ada', hidden: false }, { seq: 5, senderId: 'cid', hidden: false }]);
    assert.deepEqual([ledger.unread('ada'), ledger.unread('bob'), ledger.unread('cid')], [1, 4, 2]);
    assert.deepEqual(ledger.memberList(), [{ userId: 'ada', role: 'party' }, { userId: 'bob', role: 'party' }, { userId: 'cid', role: 'colleague' }]);
    assert.deepEqual(ledger.markRead('cid', 4), { changed: true, lastReadSeq: 4, unread: 0 });
    assert.equal(ledger.removeMember('cid'), true);
    assert.equal(ledger.removeMember('cid'), false);
    ledger.commit([{ seq: 6, senderId: 'ada', hidden: false }]);
    assert.deepEqual([ledger.isMember('cid'), ledger.unread('cid'), ledger.memberIds()], [false, 0, ['ada', 'bob']]);
  });

  it('keeps only the newest unread sequences, counts the rest, and asks for a count when a marker stops among them', () => {
    const ledger = new ThreadLedger(0, [
      { userId: 'ada', lastReadSeq: 0, unreadSeqs: [] },
      { userId: 'bob', lastReadSeq: 0, unreadSeqs: [] },
    ]);
    const last = UNREAD_KEPT + 10;
    ledger.commit(Array.from({ length: last }, (_, i) => ({ seq: i + 1, senderId: 'ada', hidden: false })));
    assert.equal(ledger.unread('bob'), last);
    // The newest kept are 11..last: a marker at 5 stops among the older ones.
    assert.deepEqual(ledger.markRead('bob', 5), { countRead: { afterSeq: 0, upToSeq: 5 } });
    assert.equal(ledger.lastRead('bob'), 0, 'nothing moves before the count');
    assert.deepEqual(ledger.settleRead('bob', { afterSeq: 0, upToSeq: 5, read: 5 }), { changed: true, lastReadSeq: 5, unread: last - 5 });
    // A count from a marker that has moved since settles nothing.
    assert.throws(() => ledger.settleRead('bob', { afterSeq: 0, upToSeq: 7, read: 7 }), /settles nothing/);
    // At or past the first kept one, the ledger counts alone: every older one is read.
    assert.deepEqual(ledger.markRead('bob', 11), { changed: true, lastReadSeq: 11, unread: last - 11 });
    ledger.commit([{ seq: last + 1, senderId: 'ada', hidden: false }]);
    assert.deepEqual(ledger.markRead('bob', last - 1), { changed: true, lastReadSeq: last - 1, unread: 2 });
  });

  it('starts from a count and the newest unread sequences, as storage gives them', () => {
    const ledger = new ThreadLedger(200, [
      { userId: 'ada', lastReadSeq: 200, unreadSeqs: [] },
      { userId: 'bob', lastReadSeq: 20, unreadSeqs: Array.from({ length: UNREAD_KEPT }, (_, i) => 200 - UNREAD_KEPT + 1 + i), unreadCount: 150 },
    ]);
    assert.equal(ledger.unread('bob'), 150);
    assert.deepEqual(ledger.markRead('bob', 100), { countRead: { afterSeq: 20, upToSeq: 100 } });
    assert.deepEqual(ledger.markRead('bob', 199), { changed: true, lastReadSeq: 199, unread: 1 });
  });

  it('knows who has sent a message: as loaded, then from what it commits, hidden or not; unknown where not loaded', () => {
    const ledger = new ThreadLedger(2, [
      { userId: 'ada', lastReadSeq: 2, unreadSeqs: [], hasSent: true },
      { userId: 'bob', lastReadSeq: 2, unreadSeqs: [], hasSent: false },
    ]);
    ledger.addMember({ userId: 'cid', role: 'colleague', lastReadSeq: 2, unreadSeqs: [] });
    assert.deepEqual(['ada', 'bob', 'cid', 'dan'].map((u) => ledger.hasSent(u)), [true, false, undefined, undefined]);
    ledger.commit([{ seq: 3, senderId: 'bob', hidden: true }, { seq: 4, senderId: 'cid', hidden: false }]);
    assert.deepEqual(['ada', 'bob', 'cid', 'dan'].map((u) => ledger.hasSent(u)), [true, true, true, undefined]);
  });
});
