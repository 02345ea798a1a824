import assert from 'node:assert/strict';
import { isValidCollapseKey, isValidPushId } from '../../../domain/push/notification';
import { nextOutboxStep, notificationFor, PUSH_RETRY_BASE_MS, type OutboxPush } from '../../../domain/push/userPush';

const NOW = Date.UTC(2026, 11, 2, 12, 0, 0);
const THREAD = '9f86d081-884c-4d65-9a2f-eaa0c55ad015';
const CALL = '0b6a9a2e-5d1f-4c55-8f39-5b1f4a9d2c77';

const row = (kind: string, payload: Record<string, unknown>, eventSeq: number | null = 7): OutboxPush => ({
  id: '12345', userId: 'u', deviceId: 'phone', kind, eventSeq, payload, createdAtMs: NOW,
});

describe('user pushes', () => {
  describe('notificationFor', () => {
    const message = row('message.received', { matchId: THREAD, seq: 3, senderId: 's', kind: 'text', preview: 'see you at nine', unread: 2 });

    it('names the thread and its unread count, with the total as the badge, and no text while previews are off', () => {
      const n = notificationFor(message, { previews: false, unread: 5 })!;
      assert.equal(n.collapseKey, THREAD.replace(/-/g, ''));
      assert.equal(n.badge, 5);
      assert.deepEqual(n.data, { type: 'message.received', seq: 7, matchId: THREAD, threadId: THREAD, unread: 2 });
      assert.ok(!JSON.stringify(n).includes('nine'));
      assert.ok(isValidPushId(n.id) && isValidCollapseKey(n.collapseKey));
    });

    it('shows the text with previews on', () => {
      assert.equal(notificationFor(message, { previews: true, unread: 5 })!.body, 'see you at nine');
    });

    it('rings with high priority until the ring ends, and the answer replaces it silently', () => {
      const ring = notificationFor(row('call.incoming', { callId: CALL, matchId: THREAD, callerId: 'c', media: 'video' }, null), { previews: false, unread: 0 })!;
      assert.equal(ring.priority, 'high');
      assert.equal(ring.expiresAtMs, NOW + 30_000);
      const stop = notificationFor(row('call.answered', { callId: CALL, matchId: THREAD }, null), { previews: false, unread: 0 })!;
      assert.equal(stop.collapseKey, ring.collapseKey);
      assert.deepEqual([stop.title, stop.body, stop.badge], ['', '', undefined]);
    });

    it('pushes nothing for a kind it does not know', () => {
      assert.equal(notificationFor(row('profile.viewed', {}), { previews: false, unread: 0 }), undefined);
    });
  });

  describe('nextOutboxStep', () => {
    it('finishes, drops the target, or dead-letters by outcome', () => {
      assert.deepEqual(nextOutboxStep({ kind: 'delivered' }, 1, 8, 0.5), { kind: 'done' });
      assert.deepEqual(nextOutboxStep({ kind: 'gone', reason: 'unregistered' }, 1, 8, 0.5), { kind: 'drop-target', reason: 'gone/unregistered' });
      assert.deepEqual(nextOutboxStep({ kind: 'failed', reason: 'payload-too-large' }, 1, 8, 0.5), { kind: 'dead', reason: 'failed/payload-too-large' });
    });

    it('backs off exponentially with jitter, never before Retry-After, and dead-letters after the last attempt', () => {
      const delay = (attempt: number, random: number, afterMs?: number) => {
        const step = nextOutboxStep({ kind: 'retry', reason: 'unavailable', ...(afterMs === undefined ? {} : { afterMs }) }, attempt, 8, random);
        return step.kind === 'retry' ? step.delayMs : -1;
      };
      assert.equal(delay(1, 0), PUSH_RETRY_BASE_MS / 2);
      assert.equal(delay(1, 0.999), Math.floor(PUSH_RETRY_BASE_MS * 0.9995));
      assert.equal(delay(4, 0), 4 * PUSH_RETRY_BASE_MS);
      assert.equal(delay(1, 0, 60_000), 60_000);
      assert.deepEqual(nextOutboxStep({ kind: 'retry', reason: 'rate-limited' }, 8, 8, 0.5), { kind: 'dead', reason: 'retry/rate-limited' });
    });
  });
});
