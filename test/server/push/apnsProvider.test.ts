import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import net from 'node:net';
import type { ApnsPayload } from '../../../domain/push/apns';
import type { ApnsTarget } from '../../../domain/push/notification';
import { createLogger } from '../../../server/logger';
import { ApnsProvider, apnsIdOf, type ApnsProviderOptions } from '../../../server/push/apnsProvider';
import { DEADLINE_PASSED } from '../../../server/push/pushProvider';
import { waitUntil } from '../../support/accounts';
import { ApnsService } from '../../support/push/apnsService';
import { messageNotification } from '../../support/push/notifications';
import { listenSilent, testCertificate, type TestCertificate } from '../../support/push/tlsStandIn';
import { TcpProxy } from '../../support/tcpProxy';

const TEAM_ID = 'TEAM123456';
const KEY_ID = 'KEY1234567';
const TOPIC = 'com.example.kismet';
const MINUTE = 60_000;
const logger = createLogger('silent');

function signingKey(): { privateKeyPem: string; publicKey: KeyObject } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return { privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), publicKey };
}

describe('APNs provider', () => {
  /** The clock of the provider and both services: tests move it to age provider tokens. */
  let clock = Date.now();
  const nowMs = () => clock;
  const key = signingKey();
  const keys = new Map([[KEY_ID, key.publicKey]]);
  const production = new ApnsService({ teamId: TEAM_ID, keys, topics: [TOPIC], nowMs });
  const sandbox = new ApnsService({ teamId: TEAM_ID, keys, topics: [TOPIC], nowMs });
  let certificate: TestCertificate;
  const providers: ApnsProvider[] = [];
  let devices = 0;
  const device = (environment: ApnsTarget['environment'] = 'production'): ApnsTarget => ({
    platform: 'apns',
    token: (++devices).toString(16).padStart(64, 'a'),
    environment,
  });

  type Timings = Pick<ApnsProviderOptions, 'timeoutMs' | 'pingIntervalMs' | 'pingTimeoutMs' | 'connectTimeoutMs'>;
  function provider(overrides: { teamId?: string; privateKeyPem?: string; endpoints?: { production: string; sandbox: string } } & Timings = {}): ApnsProvider {
    const { teamId, privateKeyPem, endpoints, ...timings } = overrides;
    const made = new ApnsProvider({
      credentials: {
        keyId: KEY_ID,
        teamId: teamId ?? TEAM_ID,
        privateKeyPem: privateKeyPem ?? key.privateKeyPem,
        topic: TOPIC,
        endpoints: endpoints ?? { production: production.origin, sandbox: sandbox.origin },
      },
      logger,
      nowMs,
      ca: certificate.cert,
      ...timings,
    });
    providers.push(made);
    return made;
  }

  before(async () => {
    certificate = await testCertificate();
    await production.listen(certificate);
    await sandbox.listen(certificate);
  });
  after(async () => {
    await Promise.all(providers.map((p) => p.close()));
    await Promise.all([production.close(), sandbox.close()]);
  });

  describe('a notification to a live device', () => {
    it('reaches APNs with every apns-* header and the aps dictionary, and is delivered under its apns-id', async () => {
      const to = device();
      const notification = messageNotification(clock, { priority: 'high', expiresAtMs: clock + 2 * MINUTE });
      assert.deepEqual(await provider().send(to, notification), { kind: 'delivered', providerId: apnsIdOf(notification.id) });
      const push = production.received.find((p) => p.deviceToken === to.token);
      assert.ok(push, 'the service recorded the push');
      assert.deepEqual(push.headers, {
        'apns-topic': TOPIC,
        'apns-push-type': 'alert',
        'apns-priority': '10',
        'apns-expiration': String(Math.floor(clock / 1000) + 120),
        'apns-collapse-id': 'thread-9f86d081884c7d659a2feaa0c',
        'apns-id': apnsIdOf(notification.id),
      });
      assert.deepEqual((push.payload as ApnsPayload).aps, { alert: { title: 'New message' }, badge: 3 });
      assert.deepEqual((push.payload as ApnsPayload).data, notification.data);
      assert.deepEqual(production.refusals, []);
    });
    it('goes to the environment the device registered in', async () => {
      const [live, development] = [device('production'), device('sandbox')];
      const sender = provider();
      await sender.send(live, messageNotification(clock));
      await sender.send(development, messageNotification(clock));
      assert.deepEqual([production.received.some((p) => p.deviceToken === live.token), sandbox.received.some((p) => p.deviceToken === live.token)], [true, false]);
      assert.deepEqual([production.received.some((p) => p.deviceToken === development.token), sandbox.received.some((p) => p.deviceToken === development.token)], [false, true]);
    });
    it('sends a background push, without text or badge, at priority 5', async () => {
      const to = device();
      await provider().send(to, messageNotification(clock, { title: '', body: '', badge: undefined, priority: 'high' }));
      const push = production.received.find((p) => p.deviceToken === to.token);
      assert.deepEqual([push?.headers['apns-push-type'], push?.headers['apns-priority']], ['background', '5']);
      assert.deepEqual((push?.payload as ApnsPayload).aps, { 'content-available': 1 });
    });
  });

  describe('devices APNs says are dead', () => {
    it('is gone on BadDeviceToken and on 410 Unregistered', async () => {
      const sender = provider();
      const [bad, unregistered] = [device(), device()];
      production.answer(bad.token, { reason: 'BadDeviceToken' });
      production.answer(unregistered.token, { reason: 'Unregistered' });
      assert.deepEqual(await sender.send(bad, messageNotification(clock)), { kind: 'gone', reason: 'bad-token', detail: 'BadDeviceToken' });
      assert.deepEqual(await sender.send(unregistered, messageNotification(clock)), { kind: 'gone', reason: 'unregistered', detail: 'Unregistered' });
    });
  });

  describe('a busy or failing APNs', () => {
    it('is retried on 429 after its Retry-After, and on 503 and 500, then delivers', async () => {
      const sender = provider();
      const to = device();
      production.answer(to.token, { reason: 'TooManyRequests', retryAfter: '2', times: 1 });
      assert.deepEqual(await sender.send(to, messageNotification(clock)), { kind: 'retry', reason: 'rate-limited', afterMs: 2000, detail: 'TooManyRequests' });
      production.answer(to.token, { reason: 'ServiceUnavailable', times: 1 });
      assert.deepEqual(await sender.send(to, messageNotification(clock)), { kind: 'retry', reason: 'unavailable', detail: 'ServiceUnavailable' });
      production.answer(to.token, { reason: 'InternalServerError', times: 1 });
      assert.deepEqual(await sender.send(to, messageNotification(clock)), { kind: 'retry', reason: 'unavailable', detail: 'InternalServerError' });
      assert.equal((await sender.send(to, messageNotification(clock))).kind, 'delivered');
    });
    it('is retried when nothing listens', async () => {
      const gone = new ApnsService({ teamId: TEAM_ID, keys, topics: [TOPIC], nowMs });
      await gone.listen(certificate);
      const endpoints = { production: gone.origin, sandbox: gone.origin };
      await gone.close();
      const outcome = await provider({ endpoints }).send(device(), messageNotification(clock));
      assert.deepEqual(outcome, { kind: 'retry', reason: 'network', detail: 'ECONNREFUSED' });
    });
  });

  it('gives up on an APNs that does not answer, as a timeout to retry', async () => {
    const silent = await listenSilent(certificate, 'http2');
    const stuck = new ApnsProvider({
      credentials: { keyId: KEY_ID, teamId: TEAM_ID, privateKeyPem: key.privateKeyPem, topic: TOPIC, endpoints: { production: silent.origin, sandbox: silent.origin } },
      logger,
      nowMs,
      ca: certificate.cert,
      timeoutMs: 200,
    });
    assert.deepEqual(await stuck.send(device(), messageNotification(clock)), { kind: 'retry', reason: 'timeout', detail: 'ETIMEDOUT' });
    await stuck.close();
    await silent.close();
  });

  it('gives up a push when its caller’s deadline passes, and keeps the session', async function () {
    this.timeout(60_000);
    const silent = await listenSilent(certificate, 'http2');
    const stuck = provider({ endpoints: { production: silent.origin, sandbox: silent.origin }, timeoutMs: 600_000 });
    try {
      assert.deepEqual(await stuck.send(device(), messageNotification(clock), AbortSignal.timeout(300)), DEADLINE_PASSED);
      assert.deepEqual([stuck.stats.sessionsOpened, stuck.stats.sessionsSilent], [1, 0]);
    } finally {
      await stuck.close();
      await silent.close();
    }
  });

  describe('the HTTP/2 session', () => {
    it('carries many pushes at once on one session and one provider token', async () => {
      const sender = provider();
      const outcomes = await Promise.all(Array.from({ length: 40 }, () => sender.send(device(), messageNotification(clock))));
      assert.deepEqual(new Set(outcomes.map((o) => o.kind)), new Set(['delivered']));
      assert.deepEqual([sender.stats.sessionsOpened, sender.providerToken.signed], [1, 1]);
    });
    it('is opened again after APNs closes it', async () => {
      const sender = provider();
      assert.equal((await sender.send(device(), messageNotification(clock))).kind, 'delivered');
      await production.dropSessions();
      assert.equal((await sender.send(device(), messageNotification(clock))).kind, 'delivered');
      assert.equal(sender.stats.sessionsOpened, 2);
    });
  });

  describe('a session that stopped answering (a flow dropped by a NAT or load balancer, without a reset)', () => {
    let proxy: TcpProxy;
    const viaProxy = () => ({ production: `https://127.0.0.1:${proxy.port}`, sandbox: sandbox.origin });
    beforeEach(async () => (proxy = await TcpProxy.start(Number(new URL(production.origin).port))));
    afterEach(() => proxy.close());

    it('is dropped when a push goes unanswered, and that push is sent again on a new session', async () => {
      const sender = provider({ endpoints: viaProxy(), timeoutMs: 2_000, pingIntervalMs: 3_600_000 });
      assert.equal((await sender.send(device(), messageNotification(clock))).kind, 'delivered');
      proxy.silence();
      const [to, notification] = [device(), messageNotification(clock)];
      assert.deepEqual(await sender.send(to, notification), { kind: 'delivered', providerId: apnsIdOf(notification.id) });
      assert.ok(production.received.some((p) => p.deviceToken === to.token), 'APNs has the push');
      assert.equal((await sender.send(device(), messageNotification(clock))).kind, 'delivered', 'the next push goes straight through');
      assert.deepEqual([sender.stats.sessionsOpened, sender.stats.sessionsSilent], [2, 1]);
    });
    it('is pinged while idle, and dropped when the ping goes unanswered, before any push meets it', async () => {
      // A push meeting the dead session would wait an hour.
      const sender = provider({ endpoints: viaProxy(), timeoutMs: 3_600_000, pingIntervalMs: 200, pingTimeoutMs: 500 });
      assert.equal((await sender.send(device(), messageNotification(clock))).kind, 'delivered');
      proxy.silence();
      await waitUntil(() => proxy.silenced === 0, 20_000, () => 'the provider closing its silent connection');
      assert.equal((await sender.send(device(), messageNotification(clock))).kind, 'delivered');
      assert.deepEqual([sender.stats.sessionsOpened, sender.stats.sessionsSilent], [2, 1]);
    });
    it('gives up on a connection that is never made, as a timeout to retry', async function () {
      this.timeout(60_000);
      // Accepts TCP and never answers the TLS handshake.
      const sockets = new Set<net.Socket>();
      const mute = net.createServer((socket) => sockets.add(socket));
      await new Promise<void>((resolve) => mute.listen(0, '127.0.0.1', resolve));
      const origin = `https://127.0.0.1:${(mute.address() as net.AddressInfo).port}`;
      const sender = provider({ endpoints: { production: origin, sandbox: origin }, timeoutMs: 3_600_000, connectTimeoutMs: 300 });
      try {
        assert.deepEqual(await sender.send(device(), messageNotification(clock)), { kind: 'retry', reason: 'timeout', detail: 'ETIMEDOUT' });
        assert.equal(sender.stats.sessionsOpened, 1, 'not tried again on another connection');
      } finally {
        for (const socket of sockets) socket.destroy();
        await new Promise<void>((resolve) => mute.close(() => resolve()));
      }
    });
  });

  describe('the provider token', () => {
    afterEach(() => (clock = Date.now()));

    it('is kept for 50 minutes, then replaced before APNs would refuse it', async () => {
      const sender = provider();
      const tokenOf = async () => {
        const to = device();
        assert.equal((await sender.send(to, messageNotification(clock))).kind, 'delivered');
        return production.received.find((p) => p.deviceToken === to.token)!.providerToken;
      };
      const first = await tokenOf();
      clock += 49 * MINUTE;
      assert.equal(await tokenOf(), first, 'reused at 49 minutes');
      clock += MINUTE;
      const second = await tokenOf();
      assert.notEqual(second, first, 'replaced at 50 minutes');
      clock += 65 * MINUTE;
      assert.notEqual(await tokenOf(), second, 'replaced after a silence longer than APNs allows');
      assert.equal(sender.providerToken.signed, 3);
    });
    it('is replaced once, and the push sent again, when APNs calls a 20-minute-old token expired', async () => {
      const strict = new ApnsService({ teamId: TEAM_ID, keys, topics: [TOPIC], nowMs, maxTokenAgeMs: 25 * MINUTE });
      await strict.listen(certificate);
      const sender = provider({ endpoints: { production: strict.origin, sandbox: strict.origin } });
      assert.equal((await sender.send(device(), messageNotification(clock))).kind, 'delivered');
      clock += 30 * MINUTE;
      assert.equal((await sender.send(device(), messageNotification(clock))).kind, 'delivered');
      assert.deepEqual(strict.refusals, ['ExpiredProviderToken']);
      assert.deepEqual([sender.providerToken.signed, strict.providerTokens.size], [2, 2]);
      await strict.close();
    });
  });

  describe('credentials APNs refuses', () => {
    it('fails on a token signed by another key under the same key id, without signing again', async () => {
      const sender = provider({ privateKeyPem: signingKey().privateKeyPem });
      assert.deepEqual(await sender.send(device(), messageNotification(clock)), { kind: 'failed', reason: 'credentials-refused', detail: 'InvalidProviderToken' });
      assert.equal(sender.providerToken.signed, 1);
    });
    it('fails on a token of another team', async () => {
      assert.deepEqual(await provider({ teamId: 'OTHER12345' }).send(device(), messageNotification(clock)), { kind: 'failed', reason: 'credentials-refused', detail: 'InvalidProviderToken' });
    });
  });
});
