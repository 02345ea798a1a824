import assert from 'node:assert/strict';
import { generateVAPIDKeys } from 'web-push';
import { webPushRequest, type WebPushPayload } from '../../../domain/push/webPush';
import { DEADLINE_PASSED } from '../../../server/push/pushProvider';
import { WebPushProvider } from '../../../server/push/webPushProvider';
import { waitUntil } from '../../support/accounts';
import { messageNotification, ready } from '../../support/push/notifications';
import { listenSilent, testCertificate, type TestCertificate } from '../../support/push/tlsStandIn';
import { WebPushService } from '../../support/push/webPushService';

const SUBJECT = 'mailto:ops@kismet.example';

describe('Web Push provider', () => {
  /** The provider's clock, fixed: TTLs and Retry-After dates are exact (VAPID JWTs still carry real time). */
  const NOW = Date.now();
  const vapid = { ...generateVAPIDKeys(), subject: SUBJECT };
  const service = new WebPushService();
  let certificate: TestCertificate;
  let provider: WebPushProvider;

  before(async () => {
    certificate = await testCertificate();
    await service.listen(certificate);
    provider = new WebPushProvider({ vapid, ca: certificate.cert, nowMs: () => NOW });
  });
  after(async () => {
    await provider.close();
    await service.close();
  });

  describe('a push to a live subscription', () => {
    it('is accepted, decrypted by the service with the subscription’s keys, and carries VAPID for its origin', async () => {
      const target = service.subscribe(vapid.publicKey);
      const notification = messageNotification(NOW, { priority: 'high', expiresAtMs: NOW + 120_000 });
      const outcome = await provider.send(target, notification);
      assert.equal(outcome.kind, 'delivered');
      assert.match(outcome.kind === 'delivered' ? outcome.providerId ?? '' : '', /^https:\/\/127\.0\.0\.1:\d+\/message\/\d+$/);
      const push = service.received.find((p) => p.endpoint === target.endpoint);
      assert.ok(push, 'the service recorded the push');
      assert.deepEqual(push.payload, JSON.parse(ready(webPushRequest(notification, NOW)).payload), 'the payload as shaped, decrypted');
      assert.equal((push.payload as WebPushPayload).data['threadId'], notification.data['threadId']);
      assert.equal(push.urgency, 'high');
      assert.equal(push.topic, 'thread-9f86d081884c7d659a2feaa0c');
      assert.equal(push.ttl, 120);
      assert.deepEqual([push.vapid.aud, push.vapid.sub, push.vapid.k], [service.origin, SUBJECT, vapid.publicKey]);
      assert.equal(service.refusals.length, 0);
    });
  });

  describe('a subscription the service says is gone', () => {
    for (const status of [404, 410] as const) {
      it(`is gone on ${status}`, async () => {
        const target = service.subscribe(vapid.publicKey);
        service.answer(target.endpoint, { status });
        assert.deepEqual(await provider.send(target, messageNotification(NOW)), { kind: 'gone', reason: 'unregistered', detail: String(status) });
      });
    }
    it('is gone when its keys are not a point of the curve, without a request', async () => {
      const target = service.subscribe(vapid.publicKey);
      const outcome = await provider.send({ ...target, keys: { ...target.keys, p256dh: `B${'A'.repeat(86)}` } }, messageNotification(NOW));
      assert.deepEqual(outcome, { kind: 'gone', reason: 'bad-token', detail: 'p256dh is not a point of P-256' });
    });
  });

  describe('a service that is busy or failing', () => {
    it('is retried after its Retry-After (seconds or a date), then delivers', async () => {
      const target = service.subscribe(vapid.publicKey);
      service.answer(target.endpoint, { status: 429, retryAfter: '7', times: 1 });
      assert.deepEqual(await provider.send(target, messageNotification(NOW)), { kind: 'retry', reason: 'rate-limited', afterMs: 7000, detail: '429' });
      // An HTTP-date has whole seconds: a minute from now, less the milliseconds it drops.
      service.answer(target.endpoint, { status: 503, retryAfter: new Date(NOW + 60_000).toUTCString(), times: 1 });
      assert.deepEqual(await provider.send(target, messageNotification(NOW)), { kind: 'retry', reason: 'unavailable', afterMs: 60_000 - (NOW % 1000), detail: '503' });
      service.answer(target.endpoint, { status: 500, times: 1 });
      assert.deepEqual(await provider.send(target, messageNotification(NOW)), { kind: 'retry', reason: 'unavailable', detail: '500' });
      assert.equal((await provider.send(target, messageNotification(NOW))).kind, 'delivered');
    });
    it('is retried when nothing answers', async () => {
      const target = service.subscribe(vapid.publicKey);
      const closed = new WebPushService();
      await closed.listen(certificate);
      const endpoint = target.endpoint.replace(service.origin, closed.origin);
      await closed.close();
      assert.deepEqual(await provider.send({ ...target, endpoint }, messageNotification(NOW)), { kind: 'retry', reason: 'network', detail: 'ECONNREFUSED' });
    });
  });

  it('gives up on a service that does not answer, as a timeout to retry', async () => {
    const silent = await listenSilent(certificate, 'https');
    const target = service.subscribe(vapid.publicKey);
    const stuck = new WebPushProvider({ vapid, ca: certificate.cert, nowMs: () => NOW, timeoutMs: 200 });
    const outcome = await stuck.send({ ...target, endpoint: target.endpoint.replace(service.origin, silent.origin) }, messageNotification(NOW));
    assert.deepEqual(outcome, { kind: 'retry', reason: 'timeout', detail: 'Socket timeout' });
    await stuck.close();
    await silent.close();
  });

  it('gives up a push still waiting for a connection when its caller’s deadline passes, and never sends it', async function () {
    this.timeout(60_000);
    const one = new WebPushProvider({ vapid, ca: certificate.cert, nowMs: () => NOW, maxSocketsPerOrigin: 1, timeoutMs: 600_000 });
    const [slow, late, next] = [service.subscribe(vapid.publicKey), service.subscribe(vapid.publicKey), service.subscribe(vapid.publicKey)];
    const held = service.holdEndpoint(slow.endpoint);
    try {
      const slowSend = one.send(slow, messageNotification(NOW));
      // The origin's one connection is busy with the slow push; the next one waits for it.
      await waitUntil(() => held.arrived === 1, 10_000, () => 'the slow push at the service');
      assert.deepEqual(await one.send(late, messageNotification(NOW), AbortSignal.timeout(300)), DEADLINE_PASSED);
      service.releaseEndpoint(slow.endpoint);
      assert.equal((await slowSend).kind, 'delivered');
      // One connection, in order: had the late push stayed queued, it would have gone before this one.
      assert.equal((await one.send(next, messageNotification(NOW))).kind, 'delivered');
      assert.equal(service.received.filter((p) => p.endpoint === late.endpoint).length, 0, 'the late push was never sent');
    } finally {
      service.releaseEndpoint(slow.endpoint);
      await one.close();
    }
  });

  describe('what the service refuses', () => {
    it('refuses a VAPID key other than the one the subscription was made for', async () => {
      const target = service.subscribe(generateVAPIDKeys().publicKey);
      assert.deepEqual(await provider.send(target, messageNotification(NOW)), { kind: 'failed', reason: 'credentials-refused', detail: '403' });
      assert.equal(service.refusals.at(-1)?.why, 'VAPID key is not the subscription’s');
    });
    it('refuses a JWT not signed by the key it names', async () => {
      const target = service.subscribe(vapid.publicKey);
      const forger = new WebPushProvider({ vapid: { ...vapid, privateKey: generateVAPIDKeys().privateKey }, ca: certificate.cert });
      assert.deepEqual(await forger.send(target, messageNotification(NOW)), { kind: 'failed', reason: 'credentials-refused', detail: '401' });
      assert.match(service.refusals.at(-1)?.why ?? '', /^VAPID JWT refused: signature verification failed/);
      await forger.close();
    });
    it('refuses a JWT made for another origin', async () => {
      // The same service under another name: the JWT's audience is that name, not the service's origin.
      const target = service.subscribe(vapid.publicKey);
      const elsewhere = { ...target, endpoint: target.endpoint.replace('https://127.0.0.1:', 'https://localhost:') };
      assert.deepEqual(await provider.send(elsewhere, messageNotification(NOW)), { kind: 'failed', reason: 'credentials-refused', detail: '401' });
      assert.match(service.refusals.at(-1)?.why ?? '', /^VAPID JWT refused: unexpected "aud" claim value/);
    });
    it('cannot decrypt a payload encrypted for another subscription', async () => {
      const target = service.subscribe(vapid.publicKey);
      const other = service.subscribe(vapid.publicKey);
      assert.deepEqual(await provider.send({ ...target, keys: other.keys }, messageNotification(NOW)), { kind: 'failed', reason: 'bad-request', detail: '400' });
      assert.match(service.refusals.at(-1)?.why ?? '', /^cannot decrypt/);
    });
    it('is never reached by a provider that does not trust its certificate', async () => {
      const untrusting = new WebPushProvider({ vapid });
      const outcome = await untrusting.send(service.subscribe(vapid.publicKey), messageNotification(NOW));
      assert.deepEqual(outcome, { kind: 'retry', reason: 'network', detail: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
      await untrusting.close();
    });
  });

  it('sends nothing that has expired', async () => {
    const target = service.subscribe(vapid.publicKey);
    const before = service.received.length + service.refusals.length;
    const outcome = await provider.send(target, messageNotification(NOW, { expiresAtMs: NOW - 1000 }));
    assert.equal(outcome.kind === 'failed' && outcome.reason, 'expired');
    assert.equal(service.received.length + service.refusals.length, before);
  });
});
