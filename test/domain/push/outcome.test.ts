import assert from 'node:assert/strict';
import { outcomeOfStatus, parseRetryAfterMs } from '../../../domain/push/outcome';
import { isValidCollapseKey, isValidPushId, MAX_PUSH_TTL_S, remainingTtlS } from '../../../domain/push/notification';

const NOW = Date.UTC(2026, 10, 22, 12, 0, 0);

describe('push outcomes', () => {
  describe('Retry-After', () => {
    it('reads delta-seconds', () => {
      assert.equal(parseRetryAfterMs('120', NOW), 120_000);
      assert.equal(parseRetryAfterMs(' 0 ', NOW), 0);
    });
    it('reads an HTTP-date as the time left until it', () => {
      assert.equal(parseRetryAfterMs('Sun, 22 Nov 2026 12:00:30 GMT', NOW), 30_000);
    });
    it('gives 0 for a date already past', () => assert.equal(parseRetryAfterMs('Sun, 22 Nov 2026 11:59:00 GMT', NOW), 0));
    it('ignores what is neither', () => {
      for (const value of [undefined, '', '-5', '1.5', 'soon', '2026-11-22']) assert.equal(parseRetryAfterMs(value, NOW), undefined, String(value));
    });
  });

  describe('a status with no code of its own', () => {
    it('delivers on 2xx', () => {
      assert.deepEqual(outcomeOfStatus(200, undefined), { kind: 'delivered' });
      assert.deepEqual(outcomeOfStatus(201, undefined), { kind: 'delivered' });
    });
    it('retries 429, 408 and 5xx, carrying the wait only when there is one', () => {
      assert.deepEqual(outcomeOfStatus(429, 5000), { kind: 'retry', reason: 'rate-limited', afterMs: 5000, detail: '429' });
      assert.deepEqual(outcomeOfStatus(503, undefined), { kind: 'retry', reason: 'unavailable', detail: '503' });
      assert.deepEqual(outcomeOfStatus(500, undefined), { kind: 'retry', reason: 'unavailable', detail: '500' });
      assert.equal(outcomeOfStatus(408, undefined).kind, 'retry');
    });
    it('fails the rest, never guessing a gone target', () => {
      assert.deepEqual(outcomeOfStatus(413, undefined), { kind: 'failed', reason: 'payload-too-large', detail: '413' });
      assert.deepEqual(outcomeOfStatus(403, undefined), { kind: 'failed', reason: 'credentials-refused', detail: '403' });
      assert.deepEqual(outcomeOfStatus(400, undefined), { kind: 'failed', reason: 'bad-request', detail: '400' });
      assert.deepEqual(outcomeOfStatus(404, undefined), { kind: 'failed', reason: 'unexpected-status', detail: '404' });
    });
  });

  describe('time to live', () => {
    it('rounds what is left up to whole seconds', () => {
      assert.equal(remainingTtlS(NOW + 30_000, NOW), 30);
      assert.equal(remainingTtlS(NOW + 300, NOW), 1);
      assert.equal(remainingTtlS(NOW + 30_001, NOW), 31);
    });
    it('is 0 once expired', () => {
      assert.equal(remainingTtlS(NOW, NOW), 0);
      assert.equal(remainingTtlS(NOW - 1, NOW), 0);
    });
    it('never exceeds 28 days', () => assert.equal(remainingTtlS(NOW + 90 * 86_400_000, NOW), MAX_PUSH_TTL_S));
  });

  describe('ids', () => {
    it('takes URL-safe ids within the platforms’ limits', () => {
      assert.equal(isValidCollapseKey('t-0123456789abcdef0123456789abcd'), true);
      assert.equal(isValidCollapseKey('x'.repeat(33)), false);
      assert.equal(isValidCollapseKey('thread:1'), false);
      assert.equal(isValidCollapseKey(''), false);
      assert.equal(isValidPushId('e'.repeat(64)), true);
      assert.equal(isValidPushId('e'.repeat(65)), false);
    });
  });
});
