import assert from 'node:assert/strict';
import { breakoutUnderBlock, endCodeSeenBy, matchStatusSeenBy, threadEndOf } from '../../domain/blockDisclosure';

describe('blockDisclosure', () => {
  describe('matchStatusSeenBy', () => {
    it('shows a block to whoever made it, and an unmatch to everyone else', () => {
      assert.equal(matchStatusSeenBy('blocked', true), 'blocked');
      assert.equal(matchStatusSeenBy('blocked', false), 'unmatched');
    });
    it('leaves every other status as it is', () => {
      for (const status of ['active', 'unmatched'] as const) for (const blocker of [true, false]) assert.equal(matchStatusSeenBy(status, blocker), status);
    });
  });

  describe('endCodeSeenBy', () => {
    const end = threadEndOf({ status: 'blocked', blockerIds: ['blocker'] });
    it('tells BLOCKED to the blocker and UNMATCHED to the person blocked and anyone else', () => {
      assert.deepEqual(['blocker', 'blocked', 'colleague'].map((userId) => endCodeSeenBy(end, userId)), ['BLOCKED', 'UNMATCHED', 'UNMATCHED']);
    });
    it('tells an unmatch, an ended match storage no longer has and an erasure alike to everyone', () => {
      assert.equal(endCodeSeenBy(threadEndOf({ status: 'unmatched', blockerIds: [] }), 'blocker'), 'UNMATCHED');
      assert.equal(endCodeSeenBy(threadEndOf(undefined), 'blocker'), 'UNMATCHED');
      assert.equal(endCodeSeenBy({ code: 'ACCOUNT_DELETED', blockerIds: [] }, 'blocker'), 'ACCOUNT_DELETED');
    });
  });

  describe('breakoutUnderBlock', () => {
    it('tells a host who blocked the attendee BLOCKED, and opens one the attendee blocked without telling the attendee', () => {
      assert.deepEqual(breakoutUnderBlock(true), { refused: true, code: 'BLOCKED', message: 'you blocked that person' });
      assert.deepEqual(breakoutUnderBlock(false), { refused: false, attendeeTold: false });
    });
  });
});
