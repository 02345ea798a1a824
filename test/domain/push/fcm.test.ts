import assert from 'node:assert/strict';
import { classifyFcmResponse, fcmMessage } from '../../../domain/push/fcm';
import type { FcmTarget } from '../../../domain/push/notification';
import { messageNotification, ready, refusal } from '../../support/push/notifications';

const NOW = Date.UTC(2026, 10, 22, 12, 0, 0);
const TARGET: FcmTarget = { platform: 'fcm', token: 'fcm-token-1' };
const FCM_ERROR = 'type.googleapis.com/google.firebase.fcm.v1.FcmError';

/** An error body as FCM writes it: google.rpc.Status with FCM's details. */
function fcmError(code: number, status: string, errorCode: string | undefined, extra: object[] = [], message = 'error'): string {
  const details = [...(errorCode ? [{ '@type': FCM_ERROR, errorCode }] : []), ...extra];
  return JSON.stringify({ error: { code, message, status, details } });
}

describe('FCM shaping', () => {
  describe('a message notification', () => {
    const message = ready(fcmMessage(TARGET, messageNotification(NOW, { priority: 'high', expiresAtMs: NOW + 600_000 }), NOW));
    it('is a notification message to the token, with string data', () => {
      assert.equal(message.token, 'fcm-token-1');
      assert.deepEqual(message.notification, { title: 'New message' });
      assert.deepEqual(message.data, {
        id: 'evt-42-dev-7',
        collapseKey: 'thread-9f86d081884c7d659a2feaa0c',
        badge: '3',
        payload: JSON.stringify({ type: 'message.received', threadId: '9f86d081-884c-7d65-9a2f-eaa0c55ad015', unread: 3 }),
      });
    });
    it('sets Android’s priority, TTL, collapse key, tag and count', () => {
      assert.deepEqual(message.android, {
        priority: 'HIGH',
        ttl: '600s',
        collapse_key: 'thread-9f86d081884c7d659a2feaa0c',
        notification: { tag: 'thread-9f86d081884c7d659a2feaa0c', notification_count: 3 },
      });
    });
    it('sets the APNs and Web Push headers for apps that receive through FCM', () => {
      assert.deepEqual(message.apns, {
        headers: { 'apns-priority': '10', 'apns-push-type': 'alert', 'apns-expiration': String(NOW / 1000 + 600), 'apns-collapse-id': 'thread-9f86d081884c7d659a2feaa0c' },
        payload: { aps: { badge: 3 } },
      });
      assert.deepEqual(message.webpush, { headers: { TTL: '600', Urgency: 'high', Topic: 'thread-9f86d081884c7d659a2feaa0c' } });
    });
  });

  describe('a background notification (no text, no badge)', () => {
    const message = ready(fcmMessage(TARGET, messageNotification(NOW, { title: '', body: '', badge: undefined, priority: 'high' }), NOW));
    it('is data only, and a low-priority content-available push on iOS', () => {
      assert.equal(message.notification, undefined);
      assert.equal(message.android.notification, undefined);
      assert.deepEqual(message.apns.payload.aps, { 'content-available': 1 });
      assert.equal(message.apns.headers['apns-push-type'], 'background');
      assert.equal(message.apns.headers['apns-priority'], '5');
    });
  });

  it('refuses an empty token as gone, and a message over 4096 bytes', () => {
    assert.deepEqual(refusal(fcmMessage({ platform: 'fcm', token: '' }, messageNotification(NOW), NOW)), { kind: 'gone', reason: 'bad-token', detail: 'empty token' });
    const big = refusal(fcmMessage(TARGET, messageNotification(NOW, { body: 'é'.repeat(2100) }), NOW));
    assert.equal(big.kind === 'failed' && big.reason, 'payload-too-large');
  });

  describe('answers', () => {
    it('delivers on 200 with the message name', () =>
      assert.deepEqual(classifyFcmResponse(200, '{"name":"projects/p/messages/1"}', undefined, NOW), { kind: 'delivered', providerId: 'projects/p/messages/1' }));
    it('drops an UNREGISTERED token', () =>
      assert.deepEqual(classifyFcmResponse(404, fcmError(404, 'NOT_FOUND', 'UNREGISTERED'), undefined, NOW), { kind: 'gone', reason: 'unregistered', detail: 'UNREGISTERED' }));
    it('drops a token FCM calls invalid, but fails other invalid arguments', () => {
      const tokenViolation = { '@type': 'type.googleapis.com/google.rpc.BadRequest', fieldViolations: [{ field: 'message.token', description: 'Invalid registration token' }] };
      assert.deepEqual(classifyFcmResponse(400, fcmError(400, 'INVALID_ARGUMENT', 'INVALID_ARGUMENT', [tokenViolation]), undefined, NOW), { kind: 'gone', reason: 'bad-token', detail: 'INVALID_ARGUMENT' });
      const byMessage = fcmError(400, 'INVALID_ARGUMENT', 'INVALID_ARGUMENT', [], 'The registration token is not a valid FCM registration token');
      assert.equal(classifyFcmResponse(400, byMessage, undefined, NOW).kind, 'gone');
      const ttlViolation = { '@type': 'type.googleapis.com/google.rpc.BadRequest', fieldViolations: [{ field: 'message.android.ttl' }] };
      assert.deepEqual(classifyFcmResponse(400, fcmError(400, 'INVALID_ARGUMENT', 'INVALID_ARGUMENT', [ttlViolation]), undefined, NOW), { kind: 'failed', reason: 'bad-request', detail: 'INVALID_ARGUMENT' });
    });
    it('never drops a token on a bare 404 (a wrong project gives one)', () =>
      assert.deepEqual(classifyFcmResponse(404, fcmError(404, 'NOT_FOUND', undefined), undefined, NOW), { kind: 'failed', reason: 'unexpected-status', detail: 'NOT_FOUND' }));
    it('retries QUOTA_EXCEEDED after its Retry-After, and UNAVAILABLE or an HTML 502', () => {
      assert.deepEqual(classifyFcmResponse(429, fcmError(429, 'RESOURCE_EXHAUSTED', 'QUOTA_EXCEEDED'), '30', NOW), { kind: 'retry', reason: 'rate-limited', afterMs: 30_000, detail: 'QUOTA_EXCEEDED' });
      assert.deepEqual(classifyFcmResponse(503, fcmError(503, 'UNAVAILABLE', 'UNAVAILABLE'), undefined, NOW), { kind: 'retry', reason: 'unavailable', detail: 'UNAVAILABLE' });
      assert.deepEqual(classifyFcmResponse(502, '<html>bad gateway</html>', undefined, NOW), { kind: 'retry', reason: 'unavailable', detail: '502' });
    });
    it('fails refused credentials and a sender mismatch', () => {
      assert.equal((classifyFcmResponse(401, fcmError(401, 'UNAUTHENTICATED', undefined), undefined, NOW) as { reason: string }).reason, 'credentials-refused');
      assert.equal((classifyFcmResponse(401, fcmError(401, 'UNAUTHENTICATED', 'THIRD_PARTY_AUTH_ERROR'), undefined, NOW) as { reason: string }).reason, 'credentials-refused');
      assert.equal((classifyFcmResponse(403, fcmError(403, 'PERMISSION_DENIED', 'SENDER_ID_MISMATCH'), undefined, NOW) as { reason: string }).reason, 'wrong-app');
    });
  });
});
