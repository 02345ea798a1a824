import assert from 'node:assert/strict';
import { decideRefresh } from '../../domain/refreshTokenRules';

describe('decideRefresh', () => {
  const now = 1_000_000;
  const fresh = { expiresAtMs: now + 1, usedAtMs: null, revokedAtMs: null };

  describe('a fresh, unused token', () => {
    it('rotates', () => assert.deepEqual(decideRefresh(fresh, now), { kind: 'rotate' }));
  });

  describe('a token that was never issued', () => {
    it('is refused as invalid', () =>
      assert.deepEqual(decideRefresh(undefined, now), { kind: 'refused', code: 'REFRESH_TOKEN_INVALID' }));
  });

  describe('an expired token', () => {
    it('is refused as invalid at the instant it expires', () =>
      assert.deepEqual(decideRefresh({ ...fresh, expiresAtMs: now }, now), { kind: 'refused', code: 'REFRESH_TOKEN_INVALID' }));
  });

  describe('a token presented a second time', () => {
    it('is reuse, after rotation', () =>
      assert.deepEqual(decideRefresh({ ...fresh, usedAtMs: now - 5 }, now), { kind: 'reuse_detected', code: 'REFRESH_TOKEN_REUSED' }));
    it('is reuse, after logout revoked it', () =>
      assert.deepEqual(decideRefresh({ ...fresh, revokedAtMs: now - 5 }, now), { kind: 'reuse_detected', code: 'REFRESH_TOKEN_REUSED' }));
    it('is reuse even once expired, so the family still goes', () =>
      assert.equal(decideRefresh({ expiresAtMs: now - 1, usedAtMs: now - 10, revokedAtMs: null }, now).kind, 'reuse_detected'));
  });
});
