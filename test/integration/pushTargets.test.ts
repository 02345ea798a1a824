import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { savePushTarget } from '../../db/repositories/pushTargetRepository';
import { MAX_PUSH_DEVICES, type PushTarget, type WebPushTarget } from '../../domain/push/notification';
import { command, connectDevice, disconnect, registerUser, requestJson, TEST_PASSWORD, waitUntil, type HttpResult } from '../support/accounts';
import { useTestCluster } from '../support/cluster';
import { useClusterDatabase } from '../support/clusterDatabase';
import { registerPerson, replyOf, type Person } from '../support/matches';
import { ADMIN_KEY } from '../support/operator';
import { payloadsTo, useWebPushStandIn } from '../support/push/pushedNode';

/** Registrations of one account sent at once: well past what a trim counting only committed rows lets through. */
const AT_ONCE = 50;
/** Streams of registrations one after the other while an account is banned or deleted, and how long each may run. */
const STREAMS = 8;
const MAX_PER_STREAM = 500;

/**
 * A person keeps a bounded number of push devices, those registered last
 * (push.test.ts shows it through the routes one at a time); the one registered
 * now is kept even when its node's clock is behind the others', and
 * registrations sent at once through two nodes keep no more than the bound.
 */
describe('the push devices a person keeps', function () {
  const standIn = useWebPushStandIn();
  // The streams of registerWhile send more of one person's calls than the bucket of HTTP calls lets through.
  const suite = useTestCluster(2, Object.assign(standIn.env, { ADMIN_API_KEY: ADMIN_KEY, RATE_LIMITS: 'request=10000:10000' }));
  const database = useClusterDatabase(suite, 1);
  const target = (token: string): PushTarget => ({ platform: 'fcm', token });
  const devicesOf = async (userId: string): Promise<string[]> =>
    (await suite.cluster.pool.query('select device_id from push_targets where user_id = $1 order by device_id', [userId])).rows.map((r: { device_id: string }) => r.device_id);
  const urls = () => suite.nodes.map((n) => n.url);

  /** Subscribes `count` browsers with the nodes' key first, then registers them all at once, in turn through each node. */
  async function registerAtOnce(user: { accessToken: string }, prefix: string, count: number): Promise<Array<{ target: WebPushTarget; answer: HttpResult<{ code?: string }> }>> {
    const key = await requestJson<{ publicKey: string }>(urls()[0]!, 'GET', '/push/vapid-public-key');
    const targets = Array.from({ length: count }, () => standIn.service.subscribe(key.body.publicKey));
    return Promise.all(
      targets.map(async (t, i) => ({
        target: t,
        answer: await requestJson<{ code?: string }>(urls()[i % 2]!, 'PUT', `/me/devices/${prefix}-${i}/push`, {
          token: user.accessToken,
          body: { platform: 'webpush', subscription: { endpoint: t.endpoint, keys: t.keys } },
        }),
      })),
    );
  }

  /** Every answer 200 until the account was refused as it is now (ACCOUNT_BANNED): anything else (a deadlock's 500) fails. */
  const answeredAsDocumented = (answers: ReadonlyArray<HttpResult<{ code?: string }>>) =>
    answers.every((a) => a.status === 200 || (a.status === 403 && a.body.code === 'ACCOUNT_BANNED')) && answers.some((a) => a.status === 403);

  it('keeps the one registered now, whatever its node’s clock says, and lets the oldest of the others go', async () => {
    const { userId } = await registerUser(suite.nodes[0].url);
    const save = (deviceId: string, at: number, kept = 3) => savePushTarget(database.db, { userId, deviceId, target: target(deviceId), sessionId: randomUUID(), at: new Date(at) }, kept);
    const now = Date.now();
    assert.deepEqual([await save('a', now - 3000), await save('b', now - 2000), await save('c', now - 1000)], [[], [], []]);
    // From a node a few seconds behind: older than every other, and still the one kept.
    assert.deepEqual(await save('d', now - 9000), ['a']);
    assert.deepEqual(await devicesOf(userId), ['b', 'c', 'd']);
    // The same device again replaces its own target and lets nobody go.
    assert.deepEqual(await save('d', now), []);
    assert.deepEqual(await devicesOf(userId), ['b', 'c', 'd']);
  });

  it(`registrations sent at once through two nodes keep ${MAX_PUSH_DEVICES} devices, and a like is pushed to those alone`, async () => {
    const [a, b] = await Promise.all([registerPerson(urls()[0]!, 'A'), registerPerson(urls()[1]!, 'B')]);
    const registered = await registerAtOnce(b, 'device', AT_ONCE);
    assert.deepEqual(registered.filter((r) => r.answer.status !== 200).map((r) => r.answer), [], 'every registration answered 200');
    const kept = await devicesOf(b.userId);
    assert.equal(kept.length, MAX_PUSH_DEVICES, `devices kept: ${kept.length}`);

    await like(a, b);
    const keptTargets = registered.filter((_, i) => kept.includes(`device-${i}`)).map((r) => r.target);
    await waitUntil(() => keptTargets.every((t) => payloadsTo(standIn.service, t, 'like.received').length === 1), 15_000, () => 'the like pushed to each kept device');
    // The outbox rows of one event are written by one statement: none left pending, none is on its way.
    await waitUntil(async () => (await pendingPushes(b.userId)) === 0, 15_000, () => 'the outbox drained');
    const pushed = registered.reduce((sum, r) => sum + payloadsTo(standIn.service, r.target, 'like.received').length, 0);
    assert.equal(pushed, MAX_PUSH_DEVICES, 'one like, one push per kept device');
  });

  it('a ban while registrations are under way: no deadlock, and the banned account keeps no device', async () => {
    const b = await registerPerson(urls()[0]!, 'B');
    await registerAtOnce(b, 'before', MAX_PUSH_DEVICES);
    // Each registration now lets one go, as the ban deletes them all.
    const { answers, act: ban } = await registerWhile(b, requestJson(urls()[1]!, 'POST', `/admin/users/${b.userId}`, { token: ADMIN_KEY, body: { banned: true } }));
    assert.equal(ban.status, 200, JSON.stringify(ban.body));
    assert.ok(answeredAsDocumented(answers), JSON.stringify(answers.filter((a) => a.status !== 200)));
    assert.deepEqual(await devicesOf(b.userId), [], 'no device of a banned account');
  });

  it('an erasure while registrations are under way: no deadlock, and the deleted account keeps no device', async () => {
    const b = await registerPerson(urls()[0]!, 'B');
    await registerAtOnce(b, 'before', MAX_PUSH_DEVICES);
    const { answers, act: erased } = await registerWhile(b, requestJson(urls()[1]!, 'DELETE', '/me', { token: b.accessToken, body: { password: TEST_PASSWORD } }));
    assert.equal(erased.status, 200, JSON.stringify(erased.body));
    assert.ok(answeredAsDocumented(answers), JSON.stringify(answers.filter((a) => a.status !== 200)));
    assert.deepEqual(await devicesOf(b.userId), [], 'no device of a deleted account');
  });

  /**
   * Registrations of new devices in STREAMS streams through both nodes, each one after the other
   * until one is not answered 200 (or `act`, which bans or deletes the account, failed): they are
   * under way before, while and after it lands, whenever that is. Every answer, and the act's.
   */
  async function registerWhile<T>(user: { accessToken: string }, act: Promise<HttpResult<T>>): Promise<{ answers: Array<HttpResult<{ code?: string }>>; act: HttpResult<T> }> {
    let failed = false;
    void act.then((answer) => (failed = answer.status !== 200), () => (failed = true));
    const key = await requestJson<{ publicKey: string }>(urls()[0]!, 'GET', '/push/vapid-public-key');
    const answers: Array<HttpResult<{ code?: string }>> = [];
    await Promise.all(
      Array.from({ length: STREAMS }, async (_, stream) => {
        for (let i = 0; i < MAX_PER_STREAM && !failed; i++) {
          const t = standIn.service.subscribe(key.body.publicKey);
          const answer = await requestJson<{ code?: string }>(urls()[stream % 2]!, 'PUT', `/me/devices/during-${stream}-${i}/push`, {
            token: user.accessToken,
            body: { platform: 'webpush', subscription: { endpoint: t.endpoint, keys: t.keys } },
          });
          answers.push(answer);
          if (answer.status !== 200) return;
        }
      }),
    );
    return { answers, act: await act };
  }

  /** `from` likes `to`'s card through a session on the first node. */
  async function like(from: Person, to: Person): Promise<void> {
    const device = await connectDevice(urls()[0]!, from, 'phone');
    try {
      replyOf(await command(device.room, 'swipe', { fromCardId: from.card.id, toCardId: to.card.id, action: 'like' }));
    } finally {
      await disconnect(device);
    }
  }

  async function pendingPushes(userId: string): Promise<number> {
    const { rows } = await suite.cluster.pool.query<{ n: number }>(`select count(*)::int as n from push_outbox where user_id = $1 and state = 'pending'`, [userId]);
    return rows[0]!.n;
  }
});
