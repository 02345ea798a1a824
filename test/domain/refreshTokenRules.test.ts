import assert from 'node:assert/strict';
import { decideRefresh, type PresentedRefreshToken } from '../../domain/refreshTokenRules';

describe('decideRefresh', () => {
  const now = 1_000_000;
  const grace = 30_000;
  const fresh: PresentedRefreshToken = { expiresAtMs: now + 1, usedAtMs: null, revokedAtMs: null, successor: null };
  const unused = { usedAtMs: null, revokedAtMs: null };
  /** Spent `ago` ms before now, rotated into a token as given. */
  const spent = (ago: number, successor: PresentedRefreshToken['successor'] = unused): PresentedRefreshToken => ({ ...fresh, usedAtMs: now - ago, successor });
  const REUSE = { kind: 'reuse_detected', code: 'REFRESH_TOKEN_REUSED' };

  describe('a fresh, unused token', () => {
    it('rotates', () => assert.deepEqual(decideRefresh(fresh, now, grace), { kind: 'rotate' }));
    it('rotates with no grace too', () => assert.deepEqual(decideRefresh(fresh, now, 0), { kind: 'rotate' }));
  });

  describe('a token that was never issued', () => {
    it('is refused as invalid', () =>
      assert.deepEqual(decideRefresh(undefined, now, grace), { kind: 'refused', code: 'REFRESH_TOKEN_INVALID' }));
  });

  describe('an expired token', () => {
    it('is refused as invalid at the instant it expires', () =>
      assert.deepEqual(decideRefresh({ ...fresh, expiresAtMs: now }, now, grace), { kind: 'refused', code: 'REFRESH_TOKEN_INVALID' }));
  });

  describe('a spent token presented again within the grace of its rotation (the answer was lost)', () => {
    it('rotates again while its successor was never used', () => {
      assert.deepEqual(decideRefresh(spent(5), now, grace), { kind: 'rotate_again' });
      assert.deepEqual(decideRefresh(spent(grace - 1), now, grace), { kind: 'rotate_again' });
    });
    it('rotates again once expired since, its rotation being recent', () =>
      assert.deepEqual(decideRefresh({ ...spent(5), expiresAtMs: now - 1 }, now, grace), { kind: 'rotate_again' }));
    it('rotates again when its rotation seems a moment ahead (another node’s clock)', () =>
      assert.deepEqual(decideRefresh(spent(-5), now, grace), { kind: 'rotate_again' }));
    it('is reuse once its successor was used: the chain moved on', () =>
      assert.deepEqual(decideRefresh(spent(5, { usedAtMs: now - 1, revokedAtMs: null }), now, grace), REUSE));
    it('is reuse once its successor was revoked', () =>
      assert.deepEqual(decideRefresh(spent(5, { usedAtMs: null, revokedAtMs: now - 1 }), now, grace), REUSE));
    it('is reuse when its successor is not known (spent before successors were kept, or deleted)', () =>
      assert.deepEqual(decideRefresh(spent(5, null), now, grace), REUSE));
    it('is reuse when it was revoked itself (its session logged out)', () =>
      assert.deepEqual(decideRefresh({ ...spent(5), revokedAtMs: now - 1 }, now, grace), REUSE));
  });

  describe('a token presented a second time outside the grace', () => {
    it('is reuse from the instant the grace ends, counted from its own rotation', () =>
      assert.deepEqual(decideRefresh(spent(grace), now, grace), REUSE));
    it('is reuse when its rotation seems further ahead than the grace', () =>
      assert.deepEqual(decideRefresh(spent(-grace), now, grace), REUSE));
    it('is reuse at once with a grace of 0, however unused its successor', () => {
      assert.deepEqual(decideRefresh(spent(0), now, 0), REUSE);
      assert.deepEqual(decideRefresh(spent(5), now, 0), REUSE);
    });
    it('is reuse, after logout revoked it', () =>
      assert.deepEqual(decideRefresh({ ...fresh, revokedAtMs: now - 5 }, now, grace), REUSE));
    it('is reuse even once expired, so the family still goes', () =>
      assert.equal(decideRefresh({ ...spent(grace + 10), expiresAtMs: now - 1 }, now, grace).kind, 'reuse_detected'));
  });
});
