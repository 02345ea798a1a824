import assert from 'node:assert/strict';
import type { WebPushTarget } from '../../../domain/push/notification';
import { classifyWebPushResponse, MAX_WEB_PUSH_PAYLOAD_BYTES, BROWSER_PUSH_SERVICE_HOSTS, webPushEndpointAllowed, webPushRequest, webPushTargetProblem, type WebPushPayload } from '../../../domain/push/webPush';
import { messageNotification, ready, refusal } from '../../support/push/notifications';

const NOW = Date.UTC(2026, 10, 22, 12, 0, 0);

describe('Web Push shaping', () => {
  describe('a message notification', () => {
    const request = ready(webPushRequest(messageNotification(NOW, { priority: 'high', expiresAtMs: NOW + 90_500 }), NOW));
    it('carries the TTL left, the urgency and the collapse key as Topic', () => {
      assert.equal(request.ttlS, 91);
      assert.equal(request.urgency, 'high');
      assert.equal(request.topic, 'thread-9f86d081884c7d659a2feaa0c');
    });
    it('puts the id, text, badge and data in the JSON the service worker reads', () => {
      assert.deepEqual(JSON.parse(request.payload) as WebPushPayload, {
        id: 'evt-42-dev-7',
        collapseKey: 'thread-9f86d081884c7d659a2feaa0c',
        title: 'New message',
        body: '',
        badge: 3,
        data: { type: 'message.received', threadId: '9f86d081-884c-7d65-9a2f-eaa0c55ad015', unread: 3 },
      });
    });
  });

  describe('what is not sent', () => {
    it('refuses an expired notification', () => {
      assert.deepEqual(refusal(webPushRequest(messageNotification(NOW, { expiresAtMs: NOW }), NOW)), { kind: 'failed', reason: 'expired', detail: 'expired 0 ms ago' });
    });
    it('refuses a payload one record cannot hold, and takes one that fits exactly', () => {
      const sized = (n: number) => messageNotification(NOW, { data: { p: 'x'.repeat(n) } });
      const room = MAX_WEB_PUSH_PAYLOAD_BYTES - ready(webPushRequest(sized(0), NOW)).payload.length;
      assert.equal(ready(webPushRequest(sized(room), NOW)).payload.length, MAX_WEB_PUSH_PAYLOAD_BYTES);
      const over = refusal(webPushRequest(sized(room + 1), NOW));
      assert.equal(over.kind === 'failed' && over.reason, 'payload-too-large');
    });
    it('refuses a collapse key a push service would refuse as Topic', () => {
      const outcome = refusal(webPushRequest(messageNotification(NOW, { collapseKey: 'thread:9f86d081' }), NOW));
      assert.equal(outcome.kind === 'failed' && outcome.reason, 'bad-request');
    });
  });

  describe('answers', () => {
    it('delivers on 201', () => assert.deepEqual(classifyWebPushResponse(201, undefined, NOW), { kind: 'delivered' }));
    it('drops a subscription on 404 and 410', () => {
      assert.deepEqual(classifyWebPushResponse(404, undefined, NOW), { kind: 'gone', reason: 'unregistered', detail: '404' });
      assert.deepEqual(classifyWebPushResponse(410, undefined, NOW), { kind: 'gone', reason: 'unregistered', detail: '410' });
    });
    it('retries 429 after the Retry-After, and 5xx', () => {
      assert.deepEqual(classifyWebPushResponse(429, '7', NOW), { kind: 'retry', reason: 'rate-limited', afterMs: 7000, detail: '429' });
      assert.deepEqual(classifyWebPushResponse(502, undefined, NOW), { kind: 'retry', reason: 'unavailable', detail: '502' });
    });
    it('fails on a refused VAPID key', () => assert.equal(classifyWebPushResponse(403, undefined, NOW).kind, 'failed'));
  });
});

describe('Web Push subscriptions', () => {
  const good: WebPushTarget = {
    platform: 'webpush',
    endpoint: 'https://push.example.net/send/abc',
    keys: { p256dh: `B${'A'.repeat(86)}`, auth: 'q'.repeat(22) },
  };
  it('takes an https endpoint with a P-256 key and a 16-byte secret', () => assert.equal(webPushTargetProblem(good), undefined));
  it('names what is wrong with one that can never be pushed to', () => {
    assert.equal(webPushTargetProblem({ ...good, endpoint: 'http://push.example.net/send/abc' }), 'endpoint is not https');
    assert.equal(webPushTargetProblem({ ...good, endpoint: 'push' }), 'endpoint is not a URL');
    assert.equal(webPushTargetProblem({ ...good, keys: { ...good.keys, p256dh: `A${'A'.repeat(86)}` } }), 'p256dh is not an uncompressed P-256 public key');
    assert.equal(webPushTargetProblem({ ...good, keys: { ...good.keys, auth: 'short' } }), 'auth is not a 16-byte secret');
  });
});

describe('Web Push endpoints a node will post to', () => {
  it("takes the browsers' push services and their subdomains", () => {
    for (const endpoint of ['https://fcm.googleapis.com/fcm/send/abc', 'https://updates.push.services.mozilla.com/wpush/v2/x', 'https://db5p.notify.windows.com/w/?token=x', 'https://web.push.apple.com/QGx']) {
      assert.equal(webPushEndpointAllowed(endpoint, BROWSER_PUSH_SERVICE_HOSTS), true, endpoint);
    }
  });
  it('refuses other hosts, look-alikes, addresses and what is not a URL', () => {
    for (const endpoint of ['https://169.254.169.254/latest', 'https://localhost/x', 'https://evilfcm.googleapis.com/x', 'https://fcm.googleapis.com.evil.example/x', 'https://[::1]/x', 'not a url']) {
      assert.equal(webPushEndpointAllowed(endpoint, BROWSER_PUSH_SERVICE_HOSTS), false, endpoint);
    }
  });
  it('takes the hosts a deployment lists instead', () => {
    assert.equal(webPushEndpointAllowed('https://127.0.0.1:4430/push/1', ['127.0.0.1']), true);
    assert.equal(webPushEndpointAllowed('https://fcm.googleapis.com/x', ['127.0.0.1']), false);
  });
});
