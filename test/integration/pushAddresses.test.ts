import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { migrateToLatest } from '../../db/migrate';
import { registerUser, requestJson, waitUntil } from '../support/accounts';
import { BACKENDS, useSingleNode } from '../support/backends';
import { matchPeople, registerPerson } from '../support/matches';
import { itOnEachBackendAfter } from '../support/migrationBackends';
import { apnsPayloadOf, apnsPushesTo, fcmMessagesTo, fcmPayloadOf, useNativePushStandIns } from '../support/push/nativePush';
import { payloadsTo, registerWebPush, useWebPushStandIn } from '../support/push/pushedNode';

/**
 * A phone's push address (FCM or APNs token, Web Push endpoint) reaches whoever holds
 * the phone: when a second account signs in on the same app and registers it, the
 * account before is not pushed there any more, whether or not its sign-out reached us.
 */
describe('a push address belongs to the account that registered it last', function () {
  for (const backend of BACKENDS) {
    describe(`through PUT /me/devices/<deviceId>/push (${backend.name})`, function () {
      const native = useNativePushStandIns();
      const web = useWebPushStandIn();
      const env: Record<string, string> = {};
      before(() => void Object.assign(env, native.env, web.env));
      const suite = useSingleNode(backend, env);
      const url = () => suite.node.url;
      const put = (user: { accessToken: string }, deviceId: string, body: unknown) =>
        requestJson<{ code?: string }>(url(), 'PUT', `/me/devices/${deviceId}/push`, { token: user.accessToken, body });
      const removed = async (user: { accessToken: string }, deviceId: string) =>
        (await requestJson<{ removed: boolean }>(url(), 'DELETE', `/me/devices/${deviceId}/push`, { token: user.accessToken })).body.removed;

      it("a second account's registration of the same token or endpoint takes it: the first account's match goes nowhere, the second's arrives", async () => {
        const [a, b, c] = await Promise.all([registerPerson(url(), 'A'), registerPerson(url(), 'B'), registerPerson(url(), 'C')]);
        const fcm = `fcm-${randomBytes(12).toString('base64url')}`;
        const apns = randomBytes(32).toString('hex');
        const browser = await registerWebPush(url(), web.service, a, 'browser');
        assert.equal((await put(a, 'android', { platform: 'fcm', token: fcm })).status, 200);
        assert.equal((await put(a, 'iphone', { platform: 'apns', token: apns, environment: 'production' })).status, 200);
        // B signs in on the same installs (A's sign-out never came) and registers the same addresses, under device ids of its own.
        for (const [deviceId, body] of [
          ['b-android', { platform: 'fcm', token: fcm }],
          ['b-iphone', { platform: 'apns', token: apns, environment: 'production' }],
          ['b-browser', { platform: 'webpush', subscription: { endpoint: browser.endpoint, keys: browser.keys } }],
        ] as const) {
          const answer = await put(b, deviceId, body);
          assert.equal(answer.status, 200, JSON.stringify(answer.body));
        }

        const owedToA = await matchPeople(a, c, [url(), url()]);
        const owedToB = await matchPeople(c, b, [url(), url()]);
        const matchesOn = () => ({
          fcm: fcmMessagesTo(native.fcm, fcm, 'match.created').map((m) => fcmPayloadOf(m).data['matchId'] as string),
          apns: apnsPushesTo(native.apns, apns, 'match.created').map((p) => apnsPayloadOf(p).data['matchId'] as string),
          web: payloadsTo(web.service, browser, 'match.created').map((p) => p.data['matchId'] as string),
        });
        await waitUntil(() => Object.values(matchesOn()).every((ids) => ids.includes(owedToB)), 15_000, () => `B's match on each address: ${JSON.stringify(matchesOn())}`);
        // A's match was stored first, so it would have gone out first: it never reached B's phone.
        assert.deepEqual(matchesOn(), { fcm: [owedToB], apns: [owedToB], web: [owedToB] });
        assert.deepEqual(await Promise.all(['android', 'iphone', 'browser'].map((d) => removed(a, d))), [false, false, false], "A's devices lost the addresses");
        assert.deepEqual(await Promise.all(['b-android', 'b-iphone', 'b-browser'].map((d) => removed(b, d))), [true, true, true]);
      });

      it('many accounts registering one token at once each get 200, and one of them holds it', async () => {
        const token = `fcm-${randomBytes(12).toString('base64url')}`;
        const users = await Promise.all(Array.from({ length: 8 }, () => registerUser(url())));
        const answers = await Promise.all(users.map((u) => put(u, 'phone', { platform: 'fcm', token })));
        assert.deepEqual(answers.map((r) => r.status), users.map(() => 200), JSON.stringify(answers.find((r) => r.status !== 200)?.body));
        const held = await Promise.all(users.map((u) => removed(u, 'phone')));
        assert.equal(held.filter(Boolean).length, 1, `holders: ${JSON.stringify(held)}`);
      });
    });
  }

  describe('the migration, on a database holding shared addresses', function () {
    itOnEachBackendAfter('2026_12_09_0027_erasures_by_index', 'keeps the row of each address registered last, and then refuses a second row for an address', async (db) => {
      const users = [randomUUID(), randomUUID(), randomUUID()] as const;
      for (const id of users) await sql`insert into users (id, email, password_hash) values (${id}, ${`${id}@example.test`}, 'x')`.execute(db);
      const target = async (user: number, deviceId: string, minutes: number, value: Record<string, unknown>) =>
        sql`insert into push_targets (user_id, device_id, platform, target, updated_at)
            values (${users[user]!}, ${deviceId}, ${value['platform'] as string}, ${JSON.stringify(value)}::jsonb, ${new Date(Date.UTC(2026, 11, 1, 0, minutes))})`.execute(db);
      const endpoint = 'https://push.example/send/shared';
      const longToken = 'x'.repeat(4096);
      await target(0, 'phone', 1, { platform: 'fcm', token: 'shared' });
      await target(1, 'phone', 3, { platform: 'fcm', token: 'shared' });
      await target(2, 'tablet', 2, { platform: 'fcm', token: 'shared' });
      await target(0, 'iphone', 2, { platform: 'apns', token: 'ab'.repeat(32), environment: 'production' });
      await target(0, 'ipad', 1, { platform: 'apns', token: 'ab'.repeat(32), environment: 'production' });
      await target(1, 'browser', 1, { platform: 'webpush', endpoint, keys: { p256dh: 'k1', auth: 'a1' } });
      await target(2, 'browser', 2, { platform: 'webpush', endpoint, keys: { p256dh: 'k2', auth: 'a2' } });
      await target(2, 'android', 1, { platform: 'fcm', token: longToken });
      await target(1, 'other', 1, { platform: 'apns', token: 'shared', environment: 'sandbox' }); // another platform: another address

      const after = await migrateToLatest(db);
      assert.equal(after.error, undefined, String(after.error));
      const { rows } = await sql<{ user_id: string; device_id: string }>`select user_id, device_id from push_targets`.execute(db);
      const kept = rows.map((r) => `${users.indexOf(r.user_id as (typeof users)[number])}/${r.device_id}`).sort();
      assert.deepEqual(kept, ['0/iphone', '1/other', '1/phone', '2/android', '2/browser']);
      await assert.rejects(target(0, 'again', 9, { platform: 'webpush', endpoint, keys: { p256dh: 'k3', auth: 'a3' } }), /push_targets_address/);
      await assert.rejects(target(1, 'again', 9, { platform: 'fcm', token: longToken }), /push_targets_address/);
    });
  });
});
