import assert from 'node:assert/strict';
import type { FcmTarget } from '../../../domain/push/notification';
import { FcmProvider } from '../../../server/push/fcmProvider';
import { DEADLINE_PASSED } from '../../../server/push/pushProvider';
import { FcmService, FCM_MESSAGING_SCOPE, makeServiceAccount } from '../../support/push/fcmService';
import { messageNotification } from '../../support/push/notifications';
import { listenSilent, testCertificate, type TestCertificate } from '../../support/push/tlsStandIn';

const PROJECT = 'kismet-test';

describe('FCM provider', () => {
  const NOW = Date.now();
  const service = new FcmService();
  const account = makeServiceAccount(PROJECT);
  let certificate: TestCertificate;
  let provider: FcmProvider;
  const providerFor = (key: typeof account.key, projectId = key.project_id) =>
    new FcmProvider({
      account: { projectId, clientEmail: key.client_email, privateKeyPem: key.private_key, endpoint: service.origin, tokenEndpoint: service.tokenEndpoint },
      ca: certificate.cert,
      nowMs: () => NOW,
    });
  let tokens = 0;
  const target = (): FcmTarget => ({ platform: 'fcm', token: `fcm-token-${++tokens}` });

  before(async () => {
    certificate = await testCertificate();
    await service.listen(certificate);
    service.trust(account.key, account.publicKey);
    provider = providerFor(account.key);
  });
  after(async () => {
    await provider?.close();
    await service.close();
  });

  describe('a message to a live token', () => {
    it('is sent with the fields FCM reads, under a bearer token granted for the service account', async () => {
      const to = target();
      const outcome = await provider.send(to, messageNotification(NOW, { priority: 'high', expiresAtMs: NOW + 600_000 }));
      assert.deepEqual(outcome, { kind: 'delivered', providerId: `projects/${PROJECT}/messages/0:${service.received.length}` });
      const sent = service.received.find((r) => r.message.token === to.token);
      assert.ok(sent, 'the service recorded the message');
      assert.equal(sent.project, PROJECT);
      assert.deepEqual(sent.message.notification, { title: 'New message' });
      assert.deepEqual(sent.message.android, { priority: 'HIGH', ttl: '600s', collapse_key: 'thread-9f86d081884c7d659a2feaa0c', notification: { tag: 'thread-9f86d081884c7d659a2feaa0c', notification_count: 3 } });
      assert.deepEqual(JSON.parse(sent.message.data?.['payload'] ?? ''), { type: 'message.received', threadId: '9f86d081-884c-7d65-9a2f-eaa0c55ad015', unread: 3 });
      assert.equal(sent.message.apns?.headers?.['apns-collapse-id'], 'thread-9f86d081884c7d659a2feaa0c');
      assert.deepEqual(service.grants[0], { iss: account.key.client_email, aud: service.tokenEndpoint, scope: FCM_MESSAGING_SCOPE });
      assert.deepEqual(service.refusals, []);
    });
    it('asks for one bearer token and reuses it, however many messages go at once', async () => {
      const fresh = providerFor(account.key);
      const granted = service.grants.length;
      const outcomes = await Promise.all([1, 2, 3, 4, 5].map(() => fresh.send(target(), messageNotification(NOW))));
      outcomes.push(await fresh.send(target(), messageNotification(NOW)));
      assert.deepEqual(outcomes.map((o) => o.kind), Array(6).fill('delivered'));
      assert.equal(service.grants.length, granted + 1);
      await fresh.close();
    });
  });

  describe('tokens FCM says are dead', () => {
    it('is gone on UNREGISTERED', async () => {
      const to = target();
      service.answer(to.token, { error: 'UNREGISTERED' });
      assert.deepEqual(await provider.send(to, messageNotification(NOW)), { kind: 'gone', reason: 'unregistered', detail: 'UNREGISTERED' });
    });
    it('is gone on INVALID_ARGUMENT about the token', async () => {
      const to = target();
      service.answer(to.token, { error: 'INVALID_TOKEN' });
      assert.deepEqual(await provider.send(to, messageNotification(NOW)), { kind: 'gone', reason: 'bad-token', detail: 'INVALID_ARGUMENT' });
    });
  });

  describe('a busy or failing FCM', () => {
    it('is retried after its Retry-After on QUOTA_EXCEEDED, and on UNAVAILABLE and INTERNAL, then delivers', async () => {
      const to = target();
      service.answer(to.token, { error: 'QUOTA_EXCEEDED', retryAfter: '30', times: 1 });
      assert.deepEqual(await provider.send(to, messageNotification(NOW)), { kind: 'retry', reason: 'rate-limited', afterMs: 30_000, detail: 'QUOTA_EXCEEDED' });
      service.answer(to.token, { error: 'UNAVAILABLE', retryAfter: '5', times: 1 });
      assert.deepEqual(await provider.send(to, messageNotification(NOW)), { kind: 'retry', reason: 'unavailable', afterMs: 5000, detail: 'UNAVAILABLE' });
      service.answer(to.token, { error: 'INTERNAL', times: 1 });
      assert.deepEqual(await provider.send(to, messageNotification(NOW)), { kind: 'retry', reason: 'unavailable', detail: 'INTERNAL' });
      assert.equal((await provider.send(to, messageNotification(NOW))).kind, 'delivered');
    });
  });

  it('gives up on a service that does not answer, as a timeout to retry', async () => {
    const silent = await listenSilent(certificate, 'https');
    const stuck = new FcmProvider({
      account: { projectId: PROJECT, clientEmail: account.key.client_email, privateKeyPem: account.key.private_key, endpoint: silent.origin, tokenEndpoint: `${silent.origin}/token` },
      ca: certificate.cert,
      timeoutMs: 200,
    });
    assert.deepEqual(await stuck.send(target(), messageNotification(NOW)), { kind: 'retry', reason: 'timeout', detail: 'no answer in time' });
    await stuck.close();
    await silent.close();
  });

  it('gives up a message when its caller’s deadline passes, long before its own timeout', async function () {
    this.timeout(60_000);
    const silent = await listenSilent(certificate, 'https');
    const stuck = new FcmProvider({
      account: { projectId: PROJECT, clientEmail: account.key.client_email, privateKeyPem: account.key.private_key, endpoint: silent.origin, tokenEndpoint: service.tokenEndpoint },
      ca: certificate.cert,
      timeoutMs: 600_000,
    });
    try {
      assert.deepEqual(await stuck.send(target(), messageNotification(NOW), AbortSignal.timeout(300)), DEADLINE_PASSED);
    } finally {
      await stuck.close();
      await silent.close();
    }
  });

  describe('credentials FCM refuses', () => {
    it('fails when the token endpoint does not know the key that signed the assertion', async () => {
      const stranger = makeServiceAccount(PROJECT, 'stranger');
      const refusedProvider = providerFor(stranger.key);
      assert.deepEqual(await refusedProvider.send(target(), messageNotification(NOW)), { kind: 'failed', reason: 'credentials-refused', detail: 'token endpoint: invalid_grant' });
      assert.match(service.refusals.at(-1) ?? '', /^grant: Invalid grant: account not found/);
      await refusedProvider.close();
    });
    it('fails when the account’s key is right but the assertion is signed by another', async () => {
      const forged = { ...account.key, private_key: makeServiceAccount(PROJECT).key.private_key };
      const forger = providerFor(forged);
      assert.deepEqual(await forger.send(target(), messageNotification(NOW)), { kind: 'failed', reason: 'credentials-refused', detail: 'token endpoint: invalid_grant' });
      assert.match(service.refusals.at(-1) ?? '', /^grant: Invalid JWT Signature or claims: signature verification failed/);
      await forger.close();
    });
    it('fails for a project the account does not belong to', async () => {
      const elsewhere = providerFor(account.key, 'another-project');
      assert.deepEqual(await elsewhere.send(target(), messageNotification(NOW)), { kind: 'failed', reason: 'credentials-refused', detail: 'PERMISSION_DENIED' });
      await elsewhere.close();
    });
  });
});
