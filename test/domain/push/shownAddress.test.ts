import assert from 'node:assert/strict';
import { shownPushAddress } from '../../../domain/push/shownAddress';

describe('a push address as its person sees it in their export', () => {
  it('shows a Web Push endpoint’s service and end, never the endpoint or its keys', () => {
    const endpoint = 'https://fcm.googleapis.com/fcm/send/cW3k9x:APA91bF0aQ2Lr8mZ7yV1t';
    const shown = shownPushAddress({ platform: 'webpush', endpoint, keys: { p256dh: 'BEl6…', auth: 'c2VjcmV0LWF1dGg' } });
    assert.deepEqual(shown, { service: 'https://fcm.googleapis.com', endsWith: '8mZ7yV1t' });
    assert.ok(!JSON.stringify(shown).includes('cW3k9x') && !JSON.stringify(shown).includes('c2VjcmV0'));
  });

  it('shows an FCM or APNs token’s last eight characters, with the APNs environment', () => {
    const token = 'ab'.repeat(30) + '0123';
    assert.deepEqual(shownPushAddress({ platform: 'fcm', token }), { service: 'fcm', endsWith: 'abab0123' });
    assert.deepEqual(shownPushAddress({ platform: 'apns', token, environment: 'production' }), { service: 'apns', endsWith: 'abab0123' });
    assert.deepEqual(shownPushAddress({ platform: 'apns', token, environment: 'sandbox' }), { service: 'apns-sandbox', endsWith: 'abab0123' });
  });

  it('shows at most a quarter of a short address, and nothing of one too short to hide', () => {
    assert.deepEqual(shownPushAddress({ platform: 'fcm', token: 'abcdefghijkl' }), { service: 'fcm', endsWith: 'jkl' });
    assert.deepEqual(shownPushAddress({ platform: 'fcm', token: 'abc' }), { service: 'fcm', endsWith: '' });
  });

  it('names the service as Web Push when a stored endpoint is no URL', () => {
    assert.equal(shownPushAddress({ platform: 'webpush', endpoint: 'not a url at all, stored long ago', keys: { p256dh: '', auth: '' } }).service, 'webpush');
  });
});
