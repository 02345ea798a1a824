import assert from 'node:assert/strict';
import { reaches, seemingReads } from '../../domain/shadowBanAudience';

describe('who hears what a person does', () => {
  it('reaches everyone while the person is in good standing', () => {
    assert.equal(reaches({ userId: 'sam', hidden: false }, 'vera'), true);
    assert.equal(reaches({ userId: 'sam', hidden: false }, undefined), true);
  });
  it('reaches only the person’s own connections while they are shadow-banned', () => {
    assert.equal(reaches({ userId: 'sam', hidden: true }, 'sam'), true);
    assert.equal(reaches({ userId: 'sam', hidden: true }, 'vera'), false);
    assert.equal(reaches({ userId: 'sam', hidden: true }, undefined), false);
  });
  it('has a hidden message seem read by every other member connected when it is stored, and by nobody else', () => {
    assert.deepEqual(seemingReads('sam', 7, ['sam', 'vera', 'cole']), [{ userId: 'vera', lastReadSeq: 7 }, { userId: 'cole', lastReadSeq: 7 }]);
    assert.deepEqual(seemingReads('sam', 8, ['sam']), []);
  });
});
