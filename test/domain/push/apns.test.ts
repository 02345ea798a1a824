import assert from 'node:assert/strict';
import { apnsRequest, apnsTokenNeedsRenewal, classifyApnsResponse, type ApnsPayload } from '../../../domain/push/apns';
import type { ApnsTarget } from '../../../domain/push/notification';
import { messageNotification, ready, refusal } from '../../support/push/notifications';

const NOW = Date.UTC(2026, 10, 22, 12, 0, 0);
const TOKEN = 'ab'.repeat(32);
const TARGET: ApnsTarget = { platform: 'apns', token: TOKEN, environment: 'production' };
const APNS_ID = '0f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b';

describe('APNs shaping', () => {
  describe('a message notification', () => {
    const request = ready(apnsRequest(TARGET, messageNotification(NOW, { priority: 'high', expiresAtMs: NOW + 120_000 }), 'com.example.kismet', APNS_ID, NOW));
    it('goes to the device’s path with every header APNs reads', () => {
      assert.equal(request.path, `/3/device/${TOKEN}`);
      assert.deepEqual(request.headers, {
        'apns-topic': 'com.example.kismet',
        'apns-push-type': 'alert',
        'apns-priority': '10',
        'apns-expiration': String(NOW / 1000 + 120),
        'apns-collapse-id': 'thread-9f86d081884c7d659a2feaa0c',
        'apns-id': APNS_ID,
      });
    });
    it('puts the alert and badge in aps, and Kismet’s keys beside it', () => {
      assert.deepEqual(JSON.parse(request.body) as ApnsPayload, {
        aps: { alert: { title: 'New message' }, badge: 3 },
        id: 'evt-42-dev-7',
        collapseKey: 'thread-9f86d081884c7d659a2feaa0c',
        data: { type: 'message.received', threadId: '9f86d081-884c-7d65-9a2f-eaa0c55ad015', unread: 3 },
      });
    });
  });

  it('sends a notification without text or badge as a background push at priority 5', () => {
    const request = ready(apnsRequest(TARGET, messageNotification(NOW, { title: '', body: '', badge: undefined, priority: 'high' }), 'com.example.kismet', APNS_ID, NOW));
    assert.equal(request.headers['apns-push-type'], 'background');
    assert.equal(request.headers['apns-priority'], '5');
    assert.deepEqual((JSON.parse(request.body) as ApnsPayload).aps, { 'content-available': 1 });
  });

  it('sends a normal-priority alert at priority 5', () => {
    const request = ready(apnsRequest(TARGET, messageNotification(NOW), 'com.example.kismet', APNS_ID, NOW));
    assert.deepEqual([request.headers['apns-push-type'], request.headers['apns-priority']], ['alert', '5']);
  });

  it('refuses a token that is not hex as gone, so nothing else reaches the path', () => {
    for (const token of ['../../3/device/x', 'zz'.repeat(32), 'abc']) {
      assert.deepEqual(refusal(apnsRequest({ ...TARGET, token }, messageNotification(NOW), 'com.example.kismet', APNS_ID, NOW)).kind, 'gone', token);
    }
  });

  describe('answers', () => {
    const answer = (status: number, reason?: string, retryAfter?: string) =>
      classifyApnsResponse(status, reason === undefined ? '' : JSON.stringify({ reason, ...(status === 410 ? { timestamp: NOW } : {}) }), status === 200 ? APNS_ID : undefined, retryAfter, NOW);
    it('delivers on 200 with its apns-id', () => assert.deepEqual(answer(200), { kind: 'delivered', providerId: APNS_ID }));
    it('drops BadDeviceToken, Unregistered and ExpiredToken', () => {
      assert.deepEqual(answer(400, 'BadDeviceToken'), { kind: 'gone', reason: 'bad-token', detail: 'BadDeviceToken' });
      assert.deepEqual(answer(410, 'Unregistered'), { kind: 'gone', reason: 'unregistered', detail: 'Unregistered' });
      assert.deepEqual(answer(410, 'ExpiredToken'), { kind: 'gone', reason: 'unregistered', detail: 'ExpiredToken' });
    });
    it('retries TooManyRequests, 500 and 503, honouring a Retry-After', () => {
      assert.deepEqual(answer(429, 'TooManyRequests', '3'), { kind: 'retry', reason: 'rate-limited', afterMs: 3000, detail: 'TooManyRequests' });
      assert.deepEqual(answer(503, 'ServiceUnavailable'), { kind: 'retry', reason: 'unavailable', detail: 'ServiceUnavailable' });
      assert.deepEqual(answer(500, 'InternalServerError'), { kind: 'retry', reason: 'unavailable', detail: 'InternalServerError' });
    });
    it('fails refused provider tokens, other apps’ tokens and bad requests', () => {
      assert.deepEqual(answer(403, 'InvalidProviderToken'), { kind: 'failed', reason: 'credentials-refused', detail: 'InvalidProviderToken' });
      assert.deepEqual(answer(400, 'DeviceTokenNotForTopic'), { kind: 'failed', reason: 'wrong-app', detail: 'DeviceTokenNotForTopic' });
      assert.deepEqual(answer(400, 'BadCollapseId'), { kind: 'failed', reason: 'bad-request', detail: 'BadCollapseId' });
      assert.deepEqual(answer(413, 'PayloadTooLarge'), { kind: 'failed', reason: 'payload-too-large', detail: 'PayloadTooLarge' });
    });
  });
});

describe('APNs provider token age', () => {
  const MINUTE = 60_000;
  it('keeps a token for 50 minutes, then renews it', () => {
    assert.equal(apnsTokenNeedsRenewal(NOW, NOW + 49 * MINUTE, false), false);
    assert.equal(apnsTokenNeedsRenewal(NOW, NOW + 50 * MINUTE, false), true);
  });
  it('renews a refused token only once it is 20 minutes old', () => {
    assert.equal(apnsTokenNeedsRenewal(NOW, NOW + 19 * MINUTE, true), false);
    assert.equal(apnsTokenNeedsRenewal(NOW, NOW + 20 * MINUTE, true), true);
  });
  it('renews a token from the future (the clock went back)', () => assert.equal(apnsTokenNeedsRenewal(NOW, NOW - 1, false), true));
});
