import assert from 'node:assert/strict';
import type { CallStarted } from '../../contracts/calls';
import { CLOCK_TOLERANCE_S } from '../../domain/revocationList';
import { command, connectDevice, disconnect, postJson, requestJson, TEST_PASSWORD, waitUntil } from '../support/accounts';
import { BACKENDS, useSingleNode } from '../support/backends';
import { joinThread, matchPeople, registerPerson, replyOf, type Person } from '../support/matches';
import { APNS_TOPIC, apnsPayloadOf, apnsPushesTo, fcmMessagesTo, fcmPayloadOf, registerApns, registerFcm, useNativePushStandIns } from '../support/push/nativePush';
import { ADMIN_KEY } from '../support/operator';
import { counterSum } from '../support/push/pushedNode';

const SECRET = 'the spare key is under the mat';
const POSTGRES = BACKENDS.find((b) => b.name === 'Postgres')!;

// The same outbox as the Web Push suite, to the native apps' services: FCM HTTP v1
// behind Google's OAuth2 token endpoint, and APNs over HTTP/2 with a provider token.
describe('push notifications to native apps (FCM and APNs, through the outbox)', function () {
  const standIns = useNativePushStandIns();
  const suite = useSingleNode(POSTGRES, Object.assign(standIns.env, { ADMIN_API_KEY: ADMIN_KEY }));
  const url = () => suite.node.url;
  const send = async (from: Person, matchId: string, clientMessageId: string) => {
    const thread = await joinThread(url(), from, matchId);
    try {
      replyOf(await command(thread.room, 'send', { clientMessageId, kind: 'text', body: SECRET }));
    } finally {
      await disconnect(thread);
    }
  };

  it('a match, a like and a message reach a closed Android app and a closed iPhone app once each, and a connected device not at all', async () => {
    const [a, b] = await Promise.all([registerPerson(url(), 'A'), registerPerson(url(), 'B')]);
    const android = await registerFcm(url(), b, 'android');
    const iphone = await registerApns(url(), b, 'iphone');
    const tablet = await registerApns(url(), b, 'tablet');
    const online = await connectDevice(url(), b, 'tablet');
    try {
      const skippedBefore = await counterSum(suite.node, /^kismet_push_skipped_total\{[^}]*reason="connected"/);
      const matchId = await matchPeople(a, b, [url(), url()]);
      const pushedOnce = async (type: string) => {
        await waitUntil(() => fcmMessagesTo(standIns.fcm, android, type).length === 1, 15_000, () => `the ${type} FCM message`);
        await waitUntil(() => apnsPushesTo(standIns.apns, iphone, type).length === 1, 15_000, () => `the ${type} APNs push`);
      };
      // The match and the thread's messages share a collapse key: a message leased with the match replaces it, so the match goes first.
      await pushedOnce('like.received');
      await pushedOnce('match.created');
      await send(a, matchId, 'm-1');
      await pushedOnce('message.received');
      // The tablet was connected when the like, the match and the message were stored: three skipped, none sent.
      await waitUntil(async () => (await counterSum(suite.node, /^kismet_push_skipped_total\{[^}]*reason="connected"/)) >= skippedBefore + 3, 15_000, () => 'the connected device skipped');
      assert.equal(standIns.apns.received.filter((p) => p.deviceToken === tablet).length, 0);

      const message = fcmMessagesTo(standIns.fcm, android, 'message.received')[0]!;
      const fcmPayload = fcmPayloadOf(message);
      assert.equal(fcmPayload.data['threadId'], matchId);
      assert.equal(fcmPayload.badge, 1);
      assert.equal(message.android?.collapse_key, fcmPayload.collapseKey);
      assert.equal(message.android?.notification?.tag, fcmPayload.collapseKey);
      assert.equal(message.android?.priority, 'NORMAL');
      assert.ok(!JSON.stringify(message).includes('spare key'), 'no message text with previews off');

      const push = apnsPushesTo(standIns.apns, iphone, 'message.received')[0]!;
      const apnsPayload = apnsPayloadOf(push);
      assert.equal(apnsPayload.data['threadId'], matchId);
      assert.equal(apnsPayload.aps['badge'], 1);
      assert.equal(push.headers['apns-topic'], APNS_TOPIC);
      assert.equal(push.headers['apns-push-type'], 'alert');
      assert.equal(push.headers['apns-collapse-id'], apnsPayload.collapseKey);
      assert.equal(apnsPayload.collapseKey, fcmPayload.collapseKey, 'one collapse key per thread on every platform');
      assert.ok(!JSON.stringify(apnsPayload).includes('spare key'), 'no message text with previews off');
      assert.deepEqual([standIns.fcm.refusals, standIns.apns.refusals], [[], []]);
    } finally {
      await disconnect(online);
    }
  });

  it("a closed iPhone app and a closed Android app ring for a call at high priority, expiring with the ring, and stop when it is answered elsewhere", async () => {
    const [a, b] = await Promise.all([registerPerson(url(), 'A'), registerPerson(url(), 'B')]);
    const matchId = await matchPeople(a, b, [url(), url()]);
    const android = await registerFcm(url(), b, 'android');
    const iphone = await registerApns(url(), b, 'iphone');
    const caller = await connectDevice(url(), a, 'phone');
    const laptop = await connectDevice(url(), b, 'laptop');
    try {
      const started = replyOf<CallStarted>(await command(caller.room, 'call.start', { matchId, media: 'video' }));
      await waitUntil(() => fcmMessagesTo(standIns.fcm, android, 'call.incoming').length === 1, 15_000, () => 'the Android ring');
      await waitUntil(() => apnsPushesTo(standIns.apns, iphone, 'call.incoming').length === 1, 15_000, () => 'the iPhone ring');
      const ring = apnsPushesTo(standIns.apns, iphone, 'call.incoming')[0]!;
      assert.equal(apnsPayloadOf(ring).data['callId'], started.callId);
      assert.equal(ring.headers['apns-priority'], '10');
      const left = Number(ring.headers['apns-expiration']) - Math.floor(Date.now() / 1000);
      assert.ok(left > -5 && left <= 31, `apns-expiration ${left} s away: within the ring`);
      const androidRing = fcmMessagesTo(standIns.fcm, android, 'call.incoming')[0]!;
      assert.equal(androidRing.android?.priority, 'HIGH');
      assert.ok(Number(androidRing.android?.ttl?.replace('s', '')) <= 30, `ttl ${androidRing.android?.ttl} within the ring`);

      replyOf(await command(laptop.room, 'call.accept', { callId: started.callId }));
      await waitUntil(() => apnsPushesTo(standIns.apns, iphone, 'call.answered').length === 1, 15_000, () => 'the iPhone stop');
      await waitUntil(() => fcmMessagesTo(standIns.fcm, android, 'call.answered').length === 1, 15_000, () => 'the Android stop');
      const stop = apnsPushesTo(standIns.apns, iphone, 'call.answered')[0]!;
      assert.equal(stop.headers['apns-collapse-id'], ring.headers['apns-collapse-id'], 'the stop replaces the ring');
      assert.equal(stop.headers['apns-push-type'], 'background');
      assert.equal(stop.headers['apns-priority'], '5');
      assert.equal(apnsPayloadOf(stop).aps['alert'], undefined);
      assert.equal(fcmPayloadOf(fcmMessagesTo(standIns.fcm, android, 'call.answered')[0]!).collapseKey, fcmPayloadOf(androidRing).collapseKey);
    } finally {
      await Promise.all([disconnect(caller), disconnect(laptop)]);
    }
  });

  it('a ban removes every push target of the account', async () => {
    const b = await registerPerson(url(), 'B');
    await registerFcm(url(), b, 'android');
    await registerApns(url(), b, 'iphone');
    const standing = (banned: boolean) => requestJson(url(), 'POST', `/admin/users/${b.userId}`, { token: ADMIN_KEY, body: { banned } });
    assert.equal((await standing(true)).status, 200);
    assert.equal((await standing(false)).status, 200);
    // A token signed within the clocks' tolerance of the ban (in whole seconds) counts as signed before it: log in once that is past.
    const liftedBy = Date.now();
    await waitUntil(() => Math.floor(Date.now() / 1000) * 1000 > liftedBy + CLOCK_TOLERANCE_S * 1000, (CLOCK_TOLERANCE_S + 5) * 1000, () => 'the ban’s tolerance past');
    const login = await postJson<{ accessToken: string }>(url(), '/auth/login', { email: b.email, password: TEST_PASSWORD });
    const { accessToken } = login.body;
    assert.equal((await requestJson(url(), 'GET', '/me/progress', { token: accessToken })).status, 200, 'a log-in after the ban was lifted');
    for (const device of ['android', 'iphone']) {
      const removed = await requestJson<{ removed: boolean }>(url(), 'DELETE', `/me/devices/${device}/push`, { token: accessToken });
      assert.deepEqual([removed.status, removed.body.removed], [200, false], `${device}: removed by the ban (${JSON.stringify(removed.body)})`);
    }
  });

  it('an FCM token reported UNREGISTERED and an APNs token reported Unregistered are deleted and pushed no more', async () => {
    const [a, b] = await Promise.all([registerPerson(url(), 'A'), registerPerson(url(), 'B')]);
    const matchId = await matchPeople(a, b, [url(), url()]);
    const android = await registerFcm(url(), b, 'android');
    const iphone = await registerApns(url(), b, 'iphone');
    standIns.fcm.answer(android, { error: 'UNREGISTERED' });
    standIns.apns.answer(iphone, { reason: 'Unregistered' });
    const gone = /^kismet_push_targets_gone_total/;
    const before = await counterSum(suite.node, gone);
    await send(a, matchId, 'm-1');
    await waitUntil(async () => (await counterSum(suite.node, gone)) === before + 2, 15_000, () => 'both targets deleted');
    for (const device of ['android', 'iphone']) {
      const removed = await requestJson<{ removed: boolean }>(url(), 'DELETE', `/me/devices/${device}/push`, { token: b.accessToken });
      assert.equal(removed.body.removed, false, `${device}: the target was deleted already`);
    }
    assert.equal(fcmMessagesTo(standIns.fcm, android, 'message.received').length, 0);
    assert.equal(apnsPushesTo(standIns.apns, iphone, 'message.received').length, 0);
  });
});
