import assert from 'node:assert/strict';
import type { TokenPair } from '../../contracts/auth';
import type { CallStarted } from '../../contracts/calls';
import { MAX_PUSH_DEVICES, type WebPushTarget } from '../../domain/push/notification';
import { command, connectDevice, disconnect, postJson, registerUser, requestJson, TEST_PASSWORD, waitUntil } from '../support/accounts';
import { BACKENDS, useSingleNode } from '../support/backends';
import { codeOf, joinThread, matchPeople, registerPerson, replyOf, type Person } from '../support/matches';
import { ADMIN_KEY } from '../support/operator';
import { counterSum, payloadsTo, pushesTo, registerWebPush, skippedPushes, useWebPushStandIn } from '../support/push/pushedNode';

/** What no push may carry while previews are off. */
const SECRET = 'meet me at the lighthouse at nine';

for (const backend of BACKENDS) {
  describe(`push notifications (${backend.name})`, function () {
    const standIn = useWebPushStandIn();
    const suite = useSingleNode(backend, Object.assign(standIn.env, { ADMIN_API_KEY: ADMIN_KEY }));
    const url = () => suite.node.url;
    const send = async (from: Person, matchId: string, clientMessageId: string, body = SECRET) => {
      const thread = await joinThread(url(), from, matchId);
      try {
        replyOf(await command(thread.room, 'send', { clientMessageId, kind: 'text', body }));
      } finally {
        await disconnect(thread);
      }
    };

    describe('a message to a person whose app is closed', () => {
      it('arrives as exactly one decryptable Web Push naming the thread and the unread count, without the text', async () => {
        const [a, b] = await Promise.all([registerPerson(url(), 'A'), registerPerson(url(), 'B')]);
        const matchId = await matchPeople(a, b, [url(), url()]);
        const phone = await registerWebPush(url(), standIn.service, b, 'phone');
        await send(a, matchId, 'm-1');

        await waitUntil(() => payloadsTo(standIn.service, phone, 'message.received').length === 1, 15_000, () => 'the message push');
        const [push] = pushesTo(standIn.service, phone).filter((p) => (p.payload as { data: { type: string } }).data.type === 'message.received');
        const payload = push!.payload as { id: string; title: string; body: string; badge: number; collapseKey: string; data: Record<string, unknown> };
        assert.equal(payload.data['threadId'], matchId);
        assert.equal(payload.data['unread'], 1);
        assert.equal(payload.badge, 1);
        assert.equal(payload.collapseKey, matchId.replace(/-/g, ''));
        assert.equal(push!.topic, payload.collapseKey);
        assert.ok(!JSON.stringify(payload).includes('lighthouse'), 'no message text with previews off');

        // A second message updates the same notification: same collapse key, a new id, the new count.
        await send(a, matchId, 'm-2');
        await waitUntil(() => payloadsTo(standIn.service, phone, 'message.received').length === 2, 15_000, () => 'the second push');
        const second = payloadsTo(standIn.service, phone, 'message.received')[1]!;
        assert.equal(second.collapseKey, payload.collapseKey);
        assert.notEqual(second.id, payload.id);
        assert.equal(second.data['unread'], 2);
        assert.equal(second.badge, 2);
        assert.deepEqual(standIn.service.refusals, []);
      });

      it('shows the text once the person turns previews on', async () => {
        const [a, b] = await Promise.all([registerPerson(url(), 'A'), registerPerson(url(), 'B')]);
        const matchId = await matchPeople(a, b, [url(), url()]);
        const phone = await registerWebPush(url(), standIn.service, b, 'phone');
        assert.equal((await requestJson(url(), 'PUT', '/me/push-settings', { token: b.accessToken, body: { previews: true } })).status, 200);
        await send(a, matchId, 'm-1', 'hello there');
        await waitUntil(() => payloadsTo(standIn.service, phone, 'message.received').length === 1, 15_000, () => 'the push');
        assert.equal(payloadsTo(standIn.service, phone, 'message.received')[0]!.body, 'hello there');
      });
    });

    describe('devices', () => {
      it('pushes a device whose app is closed and not one connected when the event is stored', async () => {
        const [a, b] = await Promise.all([registerPerson(url(), 'A'), registerPerson(url(), 'B')]);
        const matchId = await matchPeople(a, b, [url(), url()]);
        const [phone, laptop] = [await registerWebPush(url(), standIn.service, b, 'phone'), await registerWebPush(url(), standIn.service, b, 'laptop')];
        const online = await connectDevice(url(), b, 'laptop');
        try {
          const skippedBefore = await counterSum(suite.node, /^kismet_push_skipped_total\{[^}]*reason="connected"/);
          await send(a, matchId, 'm-1');
          await waitUntil(() => payloadsTo(standIn.service, phone, 'message.received').length === 1, 15_000, () => 'the phone push');
          await skippedPushes(suite.node, 'connected', skippedBefore + 1);
          assert.equal(pushesTo(standIn.service, laptop).length, 0);
        } finally {
          await disconnect(online);
        }
      });

      it('a match and a like reach the closed app once each', async () => {
        const [a, b] = await Promise.all([registerPerson(url(), 'A'), registerPerson(url(), 'B')]);
        const [pa, pb] = [await registerWebPush(url(), standIn.service, a, 'phone'), await registerWebPush(url(), standIn.service, b, 'phone')];
        const matchId = await matchPeople(a, b, [url(), url()]);
        // a liked first: b heard of a like; both heard of the match.
        await waitUntil(() => payloadsTo(standIn.service, pb, 'like.received').length === 1, 15_000, () => 'the like push');
        for (const target of [pa, pb]) {
          await waitUntil(() => payloadsTo(standIn.service, target, 'match.created').length === 1, 15_000, () => 'the match pushes');
          assert.equal(payloadsTo(standIn.service, target, 'match.created')[0]!.data['matchId'], matchId);
        }
        assert.equal(payloadsTo(standIn.service, pa, 'like.received').length, 0);
      });

      it('a live event opening its doors reaches a registrant whose app is closed', async () => {
        const recruiter = await registerUser(url(), undefined, 'recruiter');
        const job = await requestJson<{ id: string }>(url(), 'POST', '/cards', { token: recruiter.accessToken, body: { kind: 'job', title: 'Engineer' } });
        const now = Date.now();
        const event = await requestJson<{ eventId: string }>(url(), 'POST', '/events', {
          token: recruiter.accessToken,
          body: { jobCardId: job.body.id, title: 'Hiring day', startsAt: new Date(now + 300_000).toISOString(), endsAt: new Date(now + 3_600_000).toISOString(), capacity: 5 },
        });
        const b = await registerPerson(url(), 'B');
        const phone = await registerWebPush(url(), standIn.service, b, 'phone');
        assert.equal((await requestJson(url(), 'POST', `/events/${event.body.eventId}/registrations`, { token: b.accessToken })).status, 201);
        await waitUntil(() => payloadsTo(standIn.service, phone, 'event.starting').length === 1, 15_000, () => 'the event.starting push');
        const push = payloadsTo(standIn.service, phone, 'event.starting')[0]!;
        assert.deepEqual([push.title, push.data['eventId']], ['Hiring day', event.body.eventId]);
      });

      it('a target replaced on re-registration, removed by DELETE and by logging out the session that registered it', async () => {
        const b = await registerPerson(url(), 'B');
        const first = await registerWebPush(url(), standIn.service, b, 'phone');
        const second = await registerWebPush(url(), standIn.service, b, 'phone');
        assert.notEqual(first.endpoint, second.endpoint);
        const removed = await requestJson<{ removed: boolean }>(url(), 'DELETE', '/me/devices/phone/push', { token: b.accessToken });
        assert.deepEqual([removed.status, removed.body.removed], [200, true]);
        await registerWebPush(url(), standIn.service, b, 'tablet');
        assert.equal((await postJson(url(), '/auth/logout', { refreshToken: b.refreshToken })).status, 200);
        const again = await requestJson<{ removed: boolean }>(url(), 'DELETE', '/me/devices/tablet/push', { token: b.accessToken });
        // The access token of the logged-out session is refused; the target went with the session either way.
        assert.ok(again.status === 401 || again.body.removed === false);
      });

      it('a target registered by a session whose refresh token was used twice goes with the session', async () => {
        const b = await registerPerson(url(), 'B');
        await registerWebPush(url(), standIn.service, b, 'phone');
        // Someone with a copy of the refresh token takes the session and registers a device of theirs in it.
        const taken = await postJson<TokenPair>(url(), '/auth/refresh', { refreshToken: b.refreshToken });
        assert.equal(taken.status, 200);
        await registerWebPush(url(), standIn.service, taken.body, 'elsewhere');
        // They refresh again: the owner's token back is a copy, not a retry whose answer was lost.
        assert.equal((await postJson(url(), '/auth/refresh', { refreshToken: taken.body.refreshToken })).status, 200);
        const reused = await postJson<{ code: string }>(url(), '/auth/refresh', { refreshToken: b.refreshToken });
        assert.deepEqual([reused.status, reused.body.code], [401, 'REFRESH_TOKEN_REUSED']);
        const again = await postJson<TokenPair>(url(), '/auth/login', { email: b.email, password: TEST_PASSWORD });
        const exported = await requestJson<{ pushDevices: Array<{ deviceId: string }> }>(url(), 'GET', '/me/export', { token: again.body.accessToken });
        assert.deepEqual(exported.body.pushDevices.map((d) => d.deviceId), [], 'neither device of the revoked session is reached');
      });

      it(`keeps the ${MAX_PUSH_DEVICES} devices a person registered last, so no account multiplies a push`, async () => {
        const [a, b] = await Promise.all([registerPerson(url(), 'A'), registerPerson(url(), 'B')]);
        const matchId = await matchPeople(a, b, [url(), url()]);
        const devices = Array.from({ length: MAX_PUSH_DEVICES + 2 }, (_, i) => `device-${i}`);
        const targets: WebPushTarget[] = [];
        for (const deviceId of devices) targets.push(await registerWebPush(url(), standIn.service, b, deviceId));
        const exported = await requestJson<{ pushDevices: Array<{ deviceId: string }> }>(url(), 'GET', '/me/export', { token: b.accessToken });
        assert.deepEqual(exported.body.pushDevices.map((d) => d.deviceId).sort(), devices.slice(2).sort(), 'the two registered first were let go');
        await send(a, matchId, 'm-many');
        await waitUntil(() => targets.slice(2).every((t) => payloadsTo(standIn.service, t, 'message.received').length === 1), 15_000, () => 'the kept devices’ pushes');
        assert.deepEqual(targets.slice(0, 2).map((t) => pushesTo(standIn.service, t).length), [0, 0]);
      });

      it('refuses bad bodies and platforms that are off, with codes, storing nothing', async () => {
        const b = await registerPerson(url(), 'B');
        const put = (deviceId: string, body: unknown) => requestJson<{ code: string }>(url(), 'PUT', `/me/devices/${deviceId}/push`, { token: b.accessToken, body });
        const cases: Array<[string, string, unknown, number, string]> = [
          ['unknown platform', 'phone', { platform: 'pigeon', token: 'x' }, 400, 'INVALID_BODY'],
          ['http endpoint', 'phone', { platform: 'webpush', subscription: { endpoint: 'http://push.example/x', keys: { p256dh: 'B'.repeat(87), auth: 'a'.repeat(22) } } }, 400, 'INVALID_BODY'],
          ['short key', 'phone', { platform: 'webpush', subscription: { endpoint: 'https://push.example/x', keys: { p256dh: 'abc', auth: 'a'.repeat(22) } } }, 400, 'INVALID_BODY'],
          ['endpoint off the push services', 'phone', { platform: 'webpush', subscription: { endpoint: 'https://169.254.169.254/latest/meta-data', keys: { p256dh: 'B'.repeat(87), auth: 'a'.repeat(22) } } }, 400, 'PUSH_ENDPOINT_REFUSED'],
          ['endpoint on a look-alike host', 'phone', { platform: 'webpush', subscription: { endpoint: 'https://evilfcm.googleapis.com.example/x', keys: { p256dh: 'B'.repeat(87), auth: 'a'.repeat(22) } } }, 400, 'PUSH_ENDPOINT_REFUSED'],
          ['extra field', 'phone', { platform: 'fcm', token: 'abc', extra: 1 }, 400, 'INVALID_BODY'],
          ['bad device id', 'a%20b', { platform: 'fcm', token: 'abc' }, 400, 'INVALID_BODY'],
          ['a device id that is an escape once read', '%25', { platform: 'fcm', token: 'abc' }, 400, 'INVALID_BODY'],
          ['fcm not configured', 'phone', { platform: 'fcm', token: 'abc' }, 400, 'PUSH_PLATFORM_DISABLED'],
          ['apns not configured', 'phone', { platform: 'apns', token: 'ab'.repeat(32), environment: 'sandbox' }, 400, 'PUSH_PLATFORM_DISABLED'],
        ];
        for (const [what, deviceId, body, status, code] of cases) {
          const answer = await put(deviceId, body);
          assert.deepEqual([answer.status, answer.body.code], [status, code], what);
        }
        const anonymous = await requestJson<{ code: string }>(url(), 'PUT', '/me/devices/phone/push', { body: { platform: 'fcm', token: 'abc' } });
        assert.equal(anonymous.status, 401);
        const removed = await requestJson<{ removed: boolean }>(url(), 'DELETE', '/me/devices/phone/push', { token: b.accessToken });
        assert.equal(removed.body.removed, false, 'nothing was stored');
      });
    });

    describe('calls', () => {
      it("a closed app's phone rings with a high-priority push that expires with the ring, and stops when the call is answered elsewhere", async () => {
        const [a, b] = await Promise.all([registerPerson(url(), 'A'), registerPerson(url(), 'B')]);
        const matchId = await matchPeople(a, b, [url(), url()]);
        const phone = await registerWebPush(url(), standIn.service, b, 'phone');
        const caller = await connectDevice(url(), a, 'phone');
        const laptop = await connectDevice(url(), b, 'laptop');
        try {
          const started = replyOf<CallStarted>(await command(caller.room, 'call.start', { matchId, media: 'audio' }));
          await waitUntil(() => payloadsTo(standIn.service, phone, 'call.incoming').length === 1, 15_000, () => 'the ring');
          const ring = pushesTo(standIn.service, phone).find((p) => (p.payload as { data: { type: string } }).data.type === 'call.incoming')!;
          assert.equal(ring.urgency, 'high');
          assert.ok(ring.ttl > 0 && ring.ttl <= 30, `ttl ${ring.ttl} within the ring`);
          const ringPayload = ring.payload as { collapseKey: string; data: Record<string, unknown> };
          assert.equal(ringPayload.data['callId'], started.callId);

          replyOf(await command(laptop.room, 'call.accept', { callId: started.callId }));
          await waitUntil(() => payloadsTo(standIn.service, phone, 'call.answered').length === 1, 15_000, () => 'the stop');
          const stop = payloadsTo(standIn.service, phone, 'call.answered')[0]!;
          assert.equal(stop.collapseKey, ringPayload.collapseKey);
          assert.deepEqual([stop.title, stop.body], ['', '']);
        } finally {
          await Promise.all([disconnect(caller), disconnect(laptop)]);
        }
      });

      it('a cancelled call stops ringing with its call.ended push', async () => {
        const [a, b] = await Promise.all([registerPerson(url(), 'A'), registerPerson(url(), 'B')]);
        const matchId = await matchPeople(a, b, [url(), url()]);
        const phone = await registerWebPush(url(), standIn.service, b, 'phone');
        const caller = await connectDevice(url(), a, 'phone');
        try {
          const started = replyOf<CallStarted>(await command(caller.room, 'call.start', { matchId, media: 'video' }));
          await waitUntil(() => payloadsTo(standIn.service, phone, 'call.incoming').length === 1, 15_000, () => 'the ring');
          replyOf(await command(caller.room, 'call.cancel', { callId: started.callId }));
          await waitUntil(() => payloadsTo(standIn.service, phone, 'call.ended').length === 1, 15_000, () => 'the stop');
          const ended = payloadsTo(standIn.service, phone, 'call.ended')[0]!;
          assert.equal(ended.collapseKey, started.callId.replace(/-/g, ''));
          assert.equal(ended.data['state'], 'cancelled');
        } finally {
          await disconnect(caller);
        }
      });
    });

    describe('providers that refuse', () => {
      it('a gone subscription is deleted and pushed no more', async () => {
        const [a, b] = await Promise.all([registerPerson(url(), 'A'), registerPerson(url(), 'B')]);
        const matchId = await matchPeople(a, b, [url(), url()]);
        const phone = await registerWebPush(url(), standIn.service, b, 'phone');
        standIn.service.answer(phone.endpoint, { status: 410 });
        const gone = /^kismet_push_targets_gone_total/;
        const before = await counterSum(suite.node, gone);
        await send(a, matchId, 'm-1');
        await waitUntil(async () => (await counterSum(suite.node, gone)) === before + 1, 15_000, () => 'the target deleted');
        const removed = await requestJson<{ removed: boolean }>(url(), 'DELETE', '/me/devices/phone/push', { token: b.accessToken });
        assert.equal(removed.body.removed, false, 'the target was deleted already');
      });

      it('429 with Retry-After and 503 are retried with backoff until delivered, once', async () => {
        const [a, b] = await Promise.all([registerPerson(url(), 'A'), registerPerson(url(), 'B')]);
        const matchId = await matchPeople(a, b, [url(), url()]);
        const phone = await registerWebPush(url(), standIn.service, b, 'phone');
        standIn.service.answer(phone.endpoint, { status: 429, retryAfter: '1', times: 1 });
        await send(a, matchId, 'm-1');
        await waitUntil(() => payloadsTo(standIn.service, phone, 'message.received').length === 1, 20_000, () => 'the retried push');
        standIn.service.answer(phone.endpoint, { status: 503, times: 2 });
        await send(a, matchId, 'm-2');
        await waitUntil(() => payloadsTo(standIn.service, phone, 'message.received').length === 2, 30_000, () => 'the second retried push');
        assert.ok((await counterSum(suite.node, /^kismet_push_failed_total\{[^}]*reason="retry\/rate-limited"/)) >= 1);
        assert.ok((await counterSum(suite.node, /^kismet_push_failed_total\{[^}]*reason="retry\/unavailable"/)) >= 2);
        assert.equal(payloadsTo(standIn.service, phone, 'message.received').length, 2);
      });
    });

    describe('safety rules hold for pushes', () => {
      it("a shadow-banned sender's messages and calls push nobody; a block stops the thread's pushes", async () => {
        const [a, b] = await Promise.all([registerPerson(url(), 'A'), registerPerson(url(), 'B')]);
        const matchId = await matchPeople(a, b, [url(), url()]);
        const phone = await registerWebPush(url(), standIn.service, b, 'phone');
        const admin = (body: unknown) => requestJson(url(), 'POST', `/admin/users/${a.userId}`, { token: ADMIN_KEY, body });
        assert.equal((await admin({ shadowBanned: true })).status, 200);
        await send(a, matchId, 'hidden-1');
        const caller = await connectDevice(url(), a, 'phone');
        try {
          const call = replyOf<CallStarted>(await command(caller.room, 'call.start', { matchId, media: 'audio' }));
          replyOf(await command(caller.room, 'call.cancel', { callId: call.callId }));
        } finally {
          await disconnect(caller);
        }
        assert.equal((await admin({ shadowBanned: false })).status, 200);
        await send(a, matchId, 'visible-1');
        await waitUntil(() => payloadsTo(standIn.service, phone, 'message.received').length === 1, 15_000, () => 'the visible message');
        assert.equal(payloadsTo(standIn.service, phone, 'message.received')[0]!.data['unread'], 1, 'the hidden message counts for nobody');
        assert.equal(payloadsTo(standIn.service, phone, 'call.incoming').length, 0);

        const block = await requestJson(url(), 'POST', '/me/blocks', { token: b.accessToken, body: { userId: a.userId } });
        assert.equal(block.status, 200);
        const caller2 = await connectDevice(url(), a, 'phone');
        try {
          // The person blocked is refused as after an unmatch.
          assert.equal(codeOf(await command(caller2.room, 'call.start', { matchId, media: 'audio' })), 'UNMATCHED');
        } finally {
          await disconnect(caller2);
        }
        assert.equal(payloadsTo(standIn.service, phone, 'message.received').length, 1);
        assert.equal(payloadsTo(standIn.service, phone, 'call.incoming').length, 0);
      });

      it('an unmatch withholds a message push still waiting in the outbox', async () => {
        const [a, b] = await Promise.all([registerPerson(url(), 'A'), registerPerson(url(), 'B')]);
        const matchId = await matchPeople(a, b, [url(), url()]);
        const phone = await registerWebPush(url(), standIn.service, b, 'phone');
        // The push service stays busy, so the push waits in the outbox, retried, when the unmatch comes.
        standIn.service.answer(phone.endpoint, { status: 429, retryAfter: '1' });
        const busy = /^kismet_push_failed_total\{[^}]*reason="retry\/rate-limited"/;
        const dead = /^kismet_push_dead_total/;
        const [busyBefore, withheldBefore, deadBefore] = [await counterSum(suite.node, busy), await counterSum(suite.node, /^kismet_push_skipped_total\{[^}]*reason="withheld"/), await counterSum(suite.node, dead)];
        await send(a, matchId, 'before-the-unmatch');
        await waitUntil(async () => (await counterSum(suite.node, busy)) > busyBefore, 15_000, () => 'the push refused once');
        assert.equal((await requestJson(url(), 'DELETE', `/me/matches/${matchId}`, { token: a.accessToken })).status, 200);
        await skippedPushes(suite.node, 'withheld', withheldBefore + 1);
        assert.equal(payloadsTo(standIn.service, phone, 'message.received').length, 0);
        assert.equal(await counterSum(suite.node, dead), deadBefore, 'withheld, not dead-lettered');
      });

      it('a message deleted for everyone while its push waits in the outbox is pushed without its text', async () => {
        const [a, b] = await Promise.all([registerPerson(url(), 'A'), registerPerson(url(), 'B')]);
        const matchId = await matchPeople(a, b, [url(), url()]);
        const phone = await registerWebPush(url(), standIn.service, b, 'phone');
        assert.equal((await requestJson(url(), 'PUT', '/me/push-settings', { token: b.accessToken, body: { previews: true } })).status, 200);
        standIn.service.answer(phone.endpoint, { status: 429, retryAfter: '1' });
        const busy = /^kismet_push_failed_total\{[^}]*reason="retry\/rate-limited"/;
        const busyBefore = await counterSum(suite.node, busy);
        const thread = await joinThread(url(), a, matchId);
        try {
          const sent = replyOf<{ seq: number }>(await command(thread.room, 'send', { clientMessageId: 'regretted', kind: 'text', body: SECRET }));
          await waitUntil(async () => (await counterSum(suite.node, busy)) > busyBefore, 15_000, () => 'the push refused once');
          replyOf(await command(thread.room, 'delete', { seq: sent.seq }));
        } finally {
          await disconnect(thread);
        }
        // The service takes pushes again after one more refusal: the waiting push goes out now.
        standIn.service.answer(phone.endpoint, { status: 429, retryAfter: '1', times: 1 });
        await waitUntil(() => payloadsTo(standIn.service, phone, 'message.received').length === 1, 30_000, () => 'the retried push');
        const push = payloadsTo(standIn.service, phone, 'message.received')[0]!;
        assert.equal(push.body, '1 unread message');
        assert.ok(!JSON.stringify(pushesTo(standIn.service, phone)).includes('lighthouse'), 'the deleted text is pushed nowhere');
      });
    });
  });
}
