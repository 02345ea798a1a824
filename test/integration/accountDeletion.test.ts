import assert from 'node:assert/strict';
import { createECDH, randomBytes, randomUUID } from 'node:crypto';
import type { Room } from '@colyseus/sdk';
import webpush from 'web-push';
import { decodeJwt } from 'jose';
import type { TokenPair } from '../../contracts/auth';
import { matchPairKey, QUEST_POOL } from '../../domain/progress';
import { UserEventType } from '../../domain/userEvents';
import { ChatEventType, type SendResult, type ThreadClosedMessage } from '../../contracts/chat';
import { KismetCloseCode } from '../../contracts/common';
import type { CardView } from '../../contracts/cards';
import type { AccountExport } from '../../db/repositories/accountExportRepository';
import type { ThreadSummary } from '../../db/repositories/threadRepository';
import { command, connectDevice, joinActor, postJson, registerUser, requestJson, TEST_PASSWORD, uniqueEmail, waitForEvents, waitUntil } from '../support/accounts';
import { useTestCluster } from '../support/cluster';
import { useClusterDatabase } from '../support/clusterDatabase';
import { eraseAccount } from '../../db/repositories/accountErasureRepository';
import { harnessEmailKeys } from '../support/emailKeys';
import { joinThread, matchPeople, messagesOfType, registerPerson, replyOf, type Person } from '../support/matches';
import { scheduleEvent } from '../support/liveEvents';
import { ADMIN_KEY } from '../support/operator';
import type { CallStarted } from '../../contracts/calls';
import { LIVE_EVENT_ROOM, LiveEventMessageType, type LiveEventReady } from '../../contracts/liveEvents';
import type { ThreadMembersMessage } from '../../contracts/chat';

const closeCode = (room: Room) => new Promise<number>((resolve) => room.onLeave((code) => resolve(code)));

describe('accounts people can leave, on two nodes', function () {
  // Web Push on, to a host nothing answers: the export lists a registered device, and nothing here is pushed.
  const vapid = webpush.generateVAPIDKeys();
  const suite = useTestCluster(2, {
    ACTOR_PLACEMENT: 'local',
    ADMIN_API_KEY: ADMIN_KEY,
    WEB_PUSH_VAPID_PUBLIC_KEY: vapid.publicKey,
    WEB_PUSH_VAPID_PRIVATE_KEY: vapid.privateKey,
    WEB_PUSH_SUBJECT: 'mailto:ops@kismet.test',
    WEB_PUSH_ENDPOINT_HOSTS: 'push.example.invalid',
  });
  // The test's own connections: an erasure made as a node that stops right after would make it.
  const database = useClusterDatabase(suite);
  const announcementOwed = async (userId: string) =>
    (await suite.cluster.pool.query<{ owed: boolean }>('select erasure_announcement is not null as owed from users where id = $1', [userId])).rows[0]!.owed;

  /** A person whose every personal field is unique, so a scan of the database finds any copy of it. */
  async function memorablePerson(url: string, role: 'member' | 'recruiter' = 'member') {
    const mark = randomUUID().slice(0, 8);
    const email = uniqueEmail(`leaver-${mark}`);
    const user = await registerUser(url, email, role);
    const secrets = { email, name: `Zephyrine ${mark}`, bio: `collects antique maps ${mark}`, photo: `https://cdn.example.com/${mark}/face.jpg` };
    const card = await requestJson<CardView>(url, 'POST', '/cards', {
      token: user.accessToken,
      body: { kind: 'person', title: secrets.name, bio: secrets.bio, birthYear: 1991, photos: [{ url: secrets.photo, width: 800, height: 1000 }] },
    });
    assert.equal(card.status, 201, JSON.stringify(card.body));
    return { person: { ...user, card: card.body } as Person, secrets };
  }

  /** Every table of the database whose rows, as text, contain `needle`. */
  async function tablesHolding(needle: string): Promise<string[]> {
    const tables = await suite.cluster.pool.query<{ table_name: string }>(
      `select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' order by table_name`,
    );
    assert.ok(tables.rows.length >= 20, 'every table is listed');
    const holding: string[] = [];
    for (const { table_name } of tables.rows) {
      const found = await suite.cluster.pool.query(`select count(*)::int as n from "${table_name}" t where strpos(lower(t::text), lower($1)) > 0`, [needle]);
      if (found.rows[0].n > 0) holding.push(table_name);
    }
    return holding;
  }

  it('exports a person’s own data, and only theirs', async () => {
    const [n0, n1] = suite.nodes;
    // A recruiter with a profile of their own: they match as anyone does, and host a live event.
    const { person: a, secrets } = await memorablePerson(n0.url, 'recruiter');
    const [b, c] = await Promise.all([registerPerson(n1.url, 'B'), registerPerson(n1.url, 'C')]);
    const matchId = await matchPeople(a, b, [n0.url, n1.url]);
    const phone = await connectDevice(n1.url, a, 'phone');
    suite.open.push(phone);
    replyOf(await command(phone.room, 'swipe', { fromCardId: a.card.id, toCardId: c.card.id, action: 'pass' }));
    const [threadA, threadB] = [await joinThread(n0.url, a, matchId), await joinThread(n1.url, b, matchId)];
    suite.open.push(threadA, threadB);
    const fromA = replyOf<SendResult>(await command(threadA.room, 'send', { clientMessageId: 'a-1', kind: 'text', body: 'mine' }));
    const fromB = replyOf<SendResult>(await command(threadB.room, 'send', { clientMessageId: 'b-1', kind: 'text', body: 'theirs' }));
    // Each read the thread, each as far as their own marker says.
    replyOf(await command(threadA.room, 'read', { seq: fromB.seq }));
    replyOf(await command(threadB.room, 'read', { seq: fromA.seq }));
    await requestJson(n0.url, 'POST', '/reports', { token: a.accessToken, body: { userId: c.userId, context: 'profile', contextId: c.card.id, reason: 'spam profile' } });
    await requestJson(n0.url, 'POST', '/reports', { token: b.accessToken, body: { userId: a.userId, context: 'profile', contextId: a.card.id, reason: 'not theirs to see' } });
    // A call rung and cancelled, a live event registered for and attended, a device registered for pushes.
    const { callId } = replyOf<CallStarted>(await command(phone.room, 'call.start', { matchId, media: 'video' }));
    replyOf(await command(phone.room, 'call.cancel', { callId }));
    const { eventId, recruiter } = await scheduleEvent(n0.url, 10);
    assert.equal((await requestJson(n0.url, 'POST', `/events/${eventId}/registrations`, { token: a.accessToken })).status, 201);
    const attending = await joinActor<LiveEventReady>(n0.url, a.accessToken, LIVE_EVENT_ROOM, { eventId }, LiveEventMessageType.READY);
    suite.open.push(attending);
    // A real P-256 key: the event's starting notice may be pushed to this device before the export, and a
    // push to an address that does not resolve is retried later, where a key off the curve drops the device.
    const p256dh = createECDH('prime256v1').generateKeys().toString('base64url');
    const subscription = { endpoint: `https://push.example.invalid/s/${randomUUID()}`, keys: { p256dh, auth: randomBytes(16).toString('base64url') } };
    const pushed = await requestJson(n1.url, 'PUT', '/me/devices/web/push', { token: a.accessToken, body: { platform: 'webpush', subscription } });
    assert.equal(pushed.status, 200, JSON.stringify(pushed.body));
    await waitUntil(async () => (await suite.cluster.pool.query('select 1 from attendance where user_id = $1', [a.userId])).rowCount === 1, 10_000, () => 'the attendance to be stored');
    // Its host then removes them from it.
    const host = await joinActor(n1.url, recruiter.accessToken, LIVE_EVENT_ROOM, { eventId }, LiveEventMessageType.READY);
    suite.open.push(host);
    const removedFromEvent = closeCode(attending.room);
    replyOf(await command(host.room, 'remove', { alias: attending.ready.alias }));
    await removedFromEvent;
    assert.equal((await requestJson(n1.url, 'PUT', '/me/push-settings', { token: a.accessToken, body: { previews: true } })).status, 200);
    const hosted = await hostEvent(n0.url, a);
    const { refreshed, loggedOut } = await twoMoreLogIns(n1.url, a, secrets.email);
    // XP for the match and the first message, counted after their commands; a notice acknowledged, the later ones not.
    const counted = async () => (await suite.cluster.pool.query('select 1 from progress_ledger where user_id = $1', [a.userId])).rowCount === 2;
    await waitUntil(counted, 10_000, () => 'the XP of the match and the first message');
    const matchNotice = (await waitForEvents(phone, (events) => events.some((e) => e.type === UserEventType.MATCH_CREATED))).find((e) => e.type === UserEventType.MATCH_CREATED)!;
    replyOf(await command(phone.room, 'events.ack', { seq: matchNotice.seq }));

    assert.equal((await requestJson<{ code: string }>(n0.url, 'GET', '/me/export')).body.code, 'TOKEN_MISSING');
    const exported = await requestJson<AccountExport & { exportedAt: string }>(n1.url, 'GET', '/me/export', { token: a.accessToken });
    assert.equal(exported.status, 200);
    const data = exported.body;
    assert.equal(data.profile.userId, a.userId);
    assert.equal(data.profile.email, secrets.email);
    assert.deepEqual(data.cards.map((card) => [card.id, card.title, card.bio, card.photos.map((p) => p.url)]), [
      [a.card.id, secrets.name, secrets.bio, [secrets.photo]],
      [hosted.jobCardId, 'Platform engineer', '', []],
    ]);
    assert.deepEqual(data.swipes.map((s) => [s.toCardId, s.kind]), [[b.card.id, 'like'], [c.card.id, 'pass']]);
    assert.deepEqual(data.matches.map((m) => [m.matchId, m.status, m.otherUserIds]), [[matchId, 'active', [b.userId]]]);
    assert.deepEqual(data.messages.map((m) => [m.matchId, m.body]), [[matchId, 'mine']], 'their own messages, not the other’s');
    assert.deepEqual(data.reports.map((r) => [r.reportedId, r.reason]), [[c.userId, 'spam profile']], 'reports they filed, not those about them');
    assert.ok('progress' in data, 'progress is part of the export');
    assert.deepEqual(data.calls.map((call) => [call.callId, call.matchId, call.role, call.otherUserId, call.media, call.state]), [[callId, matchId, 'caller', b.userId, 'video', 'cancelled']]);
    assert.deepEqual(data.liveEvents.registrations.map((r) => [r.eventId, r.title]), [[eventId, 'Hiring day']]);
    assert.deepEqual(data.liveEvents.attendance.map((entry) => entry.eventId), [eventId]);
    assert.deepEqual(data.liveEvents.removals.map((r) => r.eventId), [eventId]);
    assert.ok(!JSON.stringify(data.liveEvents).includes(recruiter.userId), 'not which host removed them');
    assert.deepEqual(data.liveEvents.hosted.map((e) => [e.eventId, e.title, e.jobCardId]), [[hosted.eventId, 'Open day', hosted.jobCardId]], 'theirs, not the event they attend');
    const session = sessionOf(a.accessToken);
    assert.deepEqual(
      data.pushDevices?.map((d) => [d.deviceId, d.platform, d.address, d.sessionId]),
      [['web', 'webpush', { service: 'https://push.example.invalid', endsWith: subscription.endpoint.slice(-8) }, session]],
    );
    for (const secret of [subscription.endpoint, subscription.keys.auth]) assert.ok(!JSON.stringify(data).includes(secret), 'a device’s push address is not exported whole');
    assert.deepEqual(data.pushSettings, { previews: true });
    assert.deepEqual(data.readMarkers.map((r) => [r.matchId, r.lastReadSeq]), [[matchId, fromB.seq]]);
    await expectOwnSessions(data, a.userId, [[session, 'refreshed'], [sessionOf(loggedOut.accessToken), 'logged out']], [refreshed, loggedOut]);
    await expectOwnProgress(data, a.userId, b.userId, matchId);
    await expectOwnNotices(data, a.userId, b.userId, matchNotice.seq!);

    const exportedB = await requestJson<AccountExport>(n0.url, 'GET', '/me/export', { token: b.accessToken });
    assert.deepEqual(exportedB.body.calls.map((call) => [call.callId, call.role, call.otherUserId]), [[callId, 'callee', a.userId]]);
    assert.deepEqual([exportedB.body.liveEvents, exportedB.body.pushDevices], [{ registrations: [], attendance: [], hosted: [], removals: [] }, []], 'only their own');
    assert.deepEqual(exportedB.body.sessions.map((s) => s.sessionId), [sessionOf(b.accessToken)]);
    assert.deepEqual(exportedB.body.pushSettings, { previews: false });
  });

  /** A job of the recruiter's and a live event for it, which they host. */
  async function hostEvent(url: string, host: Person): Promise<{ eventId: string; jobCardId: string }> {
    const job = await requestJson<CardView>(url, 'POST', '/cards', { token: host.accessToken, body: { kind: 'job', title: 'Platform engineer' } });
    assert.equal(job.status, 201, JSON.stringify(job.body));
    const startsAt = Date.now() + 3_600_000;
    const created = await requestJson<{ eventId: string }>(url, 'POST', '/events', {
      token: host.accessToken,
      body: { jobCardId: job.body.id, title: 'Open day', startsAt: new Date(startsAt).toISOString(), endsAt: new Date(startsAt + 3_600_000).toISOString(), capacity: 5 },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    return { eventId: created.body.eventId, jobCardId: job.body.id };
  }

  /** The person's first log-in refreshed once, and a second log-in logged out. */
  async function twoMoreLogIns(url: string, person: Person, email: string): Promise<{ refreshed: TokenPair; loggedOut: TokenPair }> {
    const refreshed = await requestJson<TokenPair>(url, 'POST', '/auth/refresh', { body: { refreshToken: person.refreshToken } });
    const second = await postJson<TokenPair>(url, '/auth/login', { email, password: TEST_PASSWORD });
    assert.deepEqual([refreshed.status, second.status], [200, 200]);
    assert.equal((await requestJson(url, 'POST', '/auth/logout', { body: { refreshToken: second.body.refreshToken } })).status, 200);
    return { refreshed: refreshed.body, loggedOut: second.body };
  }

  const sessionOf = (accessToken: string) => String(decodeJwt(accessToken)['sid']);

  /** Each of the person's log-ins, in order, and how it stands; never a refresh token or its hash. */
  async function expectOwnSessions(data: AccountExport, userId: string, expected: Array<[string, 'refreshed' | 'logged out']>, pairs: TokenPair[]) {
    const standing = (s: AccountExport['sessions'][number]) => (s.revokedAt !== null ? 'logged out' : s.lastRefreshedAt !== null ? 'refreshed' : 'new');
    assert.deepEqual(data.sessions.map((s) => [s.sessionId, standing(s)]), expected);
    assert.ok(data.sessions.every((s) => Date.parse(s.expiresAt) > Date.parse(s.createdAt)));
    const { rows } = await suite.cluster.pool.query<{ token_hash: string }>('select token_hash from refresh_tokens where user_id = $1', [userId]);
    const text = JSON.stringify(data);
    for (const secret of [...rows.map((r) => r.token_hash), ...pairs.map((p) => p.refreshToken)]) assert.ok(!text.includes(secret), 'no token nor its hash');
  }

  /** Every action the person's XP counted, and their quest counts: the total is the actions' XP and the completed quests' bonuses. */
  async function expectOwnProgress(data: AccountExport, userId: string, otherId: string, matchId: string) {
    const progress = data.progress!;
    assert.deepEqual(progress.history.map((h) => [h.action, h.key, h.xp]).sort(), [['first_message', `first_message:${matchId}`, 20], ['match', matchPairKey([userId, otherId]), 100]]);
    const { rows } = await suite.cluster.pool.query<{ day: string; quest_id: string; count: number }>(
      "select to_char(day, 'YYYY-MM-DD') as day, quest_id, count from quest_progress where user_id = $1 order by day, quest_id", [userId]);
    assert.ok(rows.length > 0, 'the match, swipes and message advanced a quest of the day');
    assert.deepEqual(progress.quests, rows.map((r) => ({ day: r.day, questId: r.quest_id, count: r.count })));
    const quests = progress.quests.map((q) => ({ ...q, quest: QUEST_POOL.find((p) => p.id === q.questId)! }));
    const bonuses = quests.filter((q) => q.count >= q.quest.target).reduce((sum, q) => sum + q.quest.xp, 0);
    assert.equal(progress.xp, progress.history.reduce((sum, h) => sum + h.xp, 0) + bonuses);
  }

  /** Every notice stored for the person, as their devices get them, marked by whether one of them acknowledged it. */
  async function expectOwnNotices(data: AccountExport, userId: string, otherId: string, ackedSeq: number) {
    // Up to the last exported: the event they registered for may tell them it starts at any moment.
    const last = data.notices.at(-1)!.seq;
    const { rows } = await suite.cluster.pool.query<{ seq: number }>('select seq::int from stored_events where user_id = $1 and seq <= $2 order by seq', [userId, last]);
    assert.deepEqual(data.notices.map((n) => n.seq), rows.map((r) => r.seq));
    assert.deepEqual(data.devices.map((d) => [d.deviceId, d.ackedSeq]), [['phone', ackedSeq]]);
    assert.ok(data.notices.every((n) => n.acknowledged === n.seq <= ackedSeq));
    assert.ok(data.notices.some((n) => !n.acknowledged), 'a notice no device acknowledged yet (the level the match reached)');
    const created = data.notices.filter((n) => n.type === UserEventType.MATCH_CREATED).map((n) => (n.data as { otherUserId: string }).otherUserId);
    assert.deepEqual(created, [otherId], 'their own notice of the match, not the other’s');
  }

  it('deletes an account connected on two nodes and in a thread: closed everywhere, history kept for the other, nothing personal left', async () => {
    const [n0, n1] = suite.nodes;
    const { person: a, secrets } = await memorablePerson(n0.url);
    const b = await registerPerson(n1.url, 'B');
    const matchId = await matchPeople(a, b, [n0.url, n1.url]);
    const phoneA = await connectDevice(n0.url, a, 'phone');
    const tabletA = await connectDevice(n1.url, a, 'tablet');
    const phoneB = await connectDevice(n0.url, b, 'phone');
    const threadB = await joinThread(n1.url, b, matchId);
    const threadA = await joinThread(n0.url, a, matchId);
    suite.open.push(phoneA, tabletA, phoneB, threadA, threadB);
    // A's session (both devices) on one node, A's thread on the other.
    assert.notEqual(phoneA.ready.node, threadA.ready.node);
    const fromA = replyOf<SendResult>(await command(threadA.room, 'send', { clientMessageId: 'a-1', kind: 'text', body: `hello, I am ${secrets.name}` }));
    const fromB = replyOf<SendResult>(await command(threadB.room, 'send', { clientMessageId: 'b-1', kind: 'text', body: 'nice to meet you' }));
    await requestJson(n1.url, 'PUT', '/me/preferences', { token: a.accessToken, body: { maxDistanceKm: 40 } });

    // Bad input changes nothing: the account, its devices and its thread stay.
    const refused: Array<[string, Record<string, unknown>, number, string]> = [
      ['no body', {}, 400, 'INVALID_BODY'],
      ['wrong password', { body: { password: 'not the password' } }, 401, 'INVALID_CREDENTIALS'],
      ['an unknown field', { body: { password: TEST_PASSWORD, also: true } }, 400, 'INVALID_BODY'],
      ['an oversized password', { body: { password: 'x'.repeat(500) } }, 400, 'INVALID_BODY'],
      ['no token', { body: { password: TEST_PASSWORD }, token: undefined }, 401, 'TOKEN_MISSING'],
    ];
    for (const [what, options, status, code] of refused) {
      const answer = await requestJson<{ code: string }>(n0.url, 'DELETE', '/me', { token: a.accessToken, ...options });
      assert.equal(answer.status, status, `${what}: ${JSON.stringify(answer.body)}`);
      assert.equal(answer.body.code, code, what);
    }
    assert.equal((await requestJson(n1.url, 'GET', '/me/export', { token: a.accessToken })).status, 200);
    assert.ok(phoneA.room.connection.isOpen && tabletA.room.connection.isOpen && threadA.room.connection.isOpen);

    const closures = [closeCode(phoneA.room), closeCode(tabletA.room)];
    const deleted = await requestJson<{ deleted: boolean }>(n1.url, 'DELETE', '/me', { token: a.accessToken, body: { password: TEST_PASSWORD } });
    assert.equal(deleted.status, 200, JSON.stringify(deleted.body));
    assert.equal(await announcementOwed(a.userId), false, 'the cluster was told: nothing owed');
    assert.deepEqual(await Promise.all(closures), [KismetCloseCode.SESSION_REVOKED, KismetCloseCode.SESSION_REVOKED], 'closed on both nodes');
    await waitUntil(() => messagesOfType<ThreadClosedMessage>(threadB, ChatEventType.CLOSED).some((m) => m.code === 'ACCOUNT_DELETED'));
    await waitUntil(() => !threadA.room.connection.isOpen, 10_000, () => 'the deleted person’s thread connection to close');
    await waitForEvents(phoneB, (events) => events.some((e) => e.type === UserEventType.MATCH_ENDED && e.data['matchId'] === matchId));

    // Its tokens and password are dead, and its email is free; the other keeps the history, with their own words.
    // Every token of the account is refused as a banned one's is, on every node.
    assert.equal((await requestJson<{ code: string }>(n0.url, 'GET', '/me/export', { token: a.accessToken })).body.code, 'ACCOUNT_BANNED');
    assert.equal((await postJson<{ code: string }>(n0.url, '/auth/login', { email: secrets.email, password: TEST_PASSWORD })).body.code, 'INVALID_CREDENTIALS');
    const threads = await requestJson<{ threads: ThreadSummary[] }>(n0.url, 'GET', '/me/threads', { token: b.accessToken });
    const thread = threads.body.threads.find((t) => t.matchId === matchId);
    assert.equal(thread?.status, 'unmatched');
    assert.deepEqual(thread?.counterpart, { userId: a.userId, cardId: a.card.id, name: 'deleted account', photos: [], hidden: true, deleted: true });
    const stored = await suite.cluster.pool.query('select seq::int, sender_id, body from messages where match_id = $1 order by seq', [matchId]);
    assert.deepEqual(stored.rows, [
      { seq: fromA.seq, sender_id: a.userId, body: null },
      { seq: fromB.seq, sender_id: b.userId, body: 'nice to meet you' },
    ]);

    for (const [what, value] of Object.entries(secrets)) {
      assert.deepEqual(await tablesHolding(value), [], `no table still holds the deleted person's ${what}`);
    }
    const owned = await suite.cluster.pool.query(
      `select (select count(*) from swipes where swiper_id = $1)::int as swipes, (select count(*) from refresh_tokens where user_id = $1)::int as tokens,
              (select count(*) from preferences where user_id = $1)::int as preferences, (select count(*) from cards where owner_id = $1 and active)::int as active_cards`,
      [a.userId],
    );
    assert.deepEqual(owned.rows[0], { swipes: 0, tokens: 0, preferences: 0, active_cards: 0 });
    const reportDeleted = await requestJson<{ code: string }>(n0.url, 'POST', '/reports', { token: b.accessToken, body: { userId: a.userId, context: 'profile', contextId: a.card.id, reason: 'x' } });
    assert.equal(reportDeleted.body.code, 'NOT_FOUND', 'a deleted account is no one to report or block');
    const again = await postJson(n1.url, '/auth/register', { email: secrets.email, password: TEST_PASSWORD });
    assert.equal(again.status, 201, 'the email is free again');
  });

  it('deletes an account whose message waits in the outbox for the other: no push row keeps its words', async () => {
    const [n0, n1] = suite.nodes;
    const { person: a, secrets } = await memorablePerson(n0.url);
    const b = await registerPerson(n1.url, 'B');
    const matchId = await matchPeople(a, b, [n0.url, n1.url]);
    // B's app is closed, its device on an address that does not resolve: the push waits, retried.
    const p256dh = createECDH('prime256v1').generateKeys().toString('base64url');
    const subscription = { endpoint: `https://push.example.invalid/s/${randomUUID()}`, keys: { p256dh, auth: randomBytes(16).toString('base64url') } };
    assert.equal((await requestJson(n1.url, 'PUT', '/me/devices/phone/push', { token: b.accessToken, body: { platform: 'webpush', subscription } })).status, 200);
    assert.equal((await requestJson(n1.url, 'PUT', '/me/push-settings', { token: b.accessToken, body: { previews: true } })).status, 200);
    const words = `see you by the ${secrets.bio}`;
    const threadA = await joinThread(n0.url, a, matchId);
    suite.open.push(threadA);
    replyOf<SendResult>(await command(threadA.room, 'send', { clientMessageId: 'a-1', kind: 'text', body: words }));
    const waiting = async () =>
      (await suite.cluster.pool.query("select 1 from push_outbox where user_id = $1 and kind = 'message.received'", [b.userId])).rowCount === 1;
    await waitUntil(waiting, 10_000, () => 'the push owed to B');

    assert.equal((await requestJson(n1.url, 'DELETE', '/me', { token: a.accessToken, body: { password: TEST_PASSWORD } })).status, 200);
    assert.ok(await waiting(), 'the push row is still there (withheld: the match ended)');
    assert.deepEqual(await tablesHolding(secrets.bio), [], 'no table, the push outbox among them, still holds the words');
  });

  it('deletes an account whatever address someone else registered: the erased row keeps none anyone can sign up with', async () => {
    const [n0, n1] = suite.nodes;
    const victim = await registerUser(n0.url);
    // Anyone learns an id (decks and matches show owners' ids) and could register what an erasure used to write.
    for (const email of [`deleted-${victim.userId}@deleted.invalid`, `erased-${victim.userId}@kismet.invalid`]) {
      assert.equal((await postJson(n1.url, '/auth/register', { email, password: TEST_PASSWORD, role: 'member' })).status, 201);
    }
    assert.equal((await requestJson(n1.url, 'DELETE', '/me', { token: victim.accessToken, body: { password: TEST_PASSWORD } })).status, 200);
    const { rows } = await suite.cluster.pool.query<{ email: string; deleted: boolean }>('select email, deleted_at is not null as deleted from users where id = $1', [victim.userId]);
    assert.equal(rows[0]!.deleted, true);
    assert.equal((await postJson(n1.url, '/auth/register', { email: rows[0]!.email, password: TEST_PASSWORD, role: 'member' })).status, 400, 'no registration takes the erased row’s address');
  });

  it('deletes a colleague’s account: they leave the hiring thread, which goes on for the matched two, and no company or thread row keeps them', async () => {
    const [n0, n1] = suite.nodes;
    const owner = await registerUser(n0.url, undefined, 'recruiter');
    const candidate = await registerPerson(n1.url, 'Candidate');
    const colleagueEmail = uniqueEmail(`colleague-${randomUUID().slice(0, 8)}`);
    const colleague = await registerUser(n1.url, colleagueEmail, 'recruiter');
    const company = await requestJson<{ companyId: string }>(n1.url, 'POST', '/admin/companies', { token: ADMIN_KEY, body: { name: 'Initech' } });
    for (const member of [owner, colleague]) {
      assert.equal((await requestJson(n0.url, 'PUT', `/admin/companies/${company.body.companyId}/members/${member.userId}`, { token: ADMIN_KEY })).status, 200);
    }
    const job = await requestJson<CardView>(n0.url, 'POST', '/cards', { token: owner.accessToken, body: { kind: 'job', title: 'Data engineer' } });
    const matchId = await matchPeople({ ...owner, card: job.body }, candidate, [n0.url, n1.url]);
    assert.equal((await requestJson(n1.url, 'POST', `/me/matches/${matchId}/colleagues`, { token: owner.accessToken, body: { userId: colleague.userId } })).status, 201);
    const ownerThread = await joinThread(n0.url, owner, matchId);
    const colleagueThread = await joinThread(n1.url, colleague, matchId);
    suite.open.push(ownerThread, colleagueThread);
    replyOf<SendResult>(await command(colleagueThread.room, 'send', { clientMessageId: 'c-1', kind: 'text', body: 'hello from the team' }));

    const exported = (await requestJson<AccountExport>(n0.url, 'GET', '/me/export', { token: colleague.accessToken })).body;
    assert.deepEqual(exported.company && [exported.company.companyId, exported.company.name], [company.body.companyId, 'Initech']);
    assert.deepEqual(exported.matches.map((m) => [m.matchId, m.role]), [[matchId, 'colleague']]);

    const left = closeCode(colleagueThread.room);
    assert.equal((await requestJson(n0.url, 'DELETE', '/me', { token: colleague.accessToken, body: { password: TEST_PASSWORD } })).status, 200);
    assert.equal(await left, KismetCloseCode.REMOVED_FROM_THREAD);
    await waitUntil(() => messagesOfType<ThreadMembersMessage>(ownerThread, ChatEventType.MEMBERS).some((m) => m.members.length === 2));
    const status = await suite.cluster.pool.query('select status from matches where id = $1', [matchId]);
    assert.equal(status.rows[0].status, 'active', 'a colleague leaving ends nobody’s match');
    replyOf<SendResult>(await command(ownerThread.room, 'send', { clientMessageId: 'o-1', kind: 'text', body: 'still here' }));

    const rows = await suite.cluster.pool.query(
      `select (select count(*) from company_members where user_id = $1)::int as companies, (select count(*) from match_members where user_id = $1)::int as threads,
              (select count(*) from read_markers where user_id = $1)::int as markers`,
      [colleague.userId],
    );
    assert.deepEqual(rows.rows[0], { companies: 0, threads: 0, markers: 0 });
    assert.deepEqual(await tablesHolding(colleagueEmail), [], 'no table still holds the colleague’s email');
  });

  it('tells the cluster of an erasure its node did not tell when the person asks again: deleted, tokens refused, devices and thread closed', async () => {
    const [n0, n1] = suite.nodes;
    const [a, b] = await Promise.all([registerPerson(n0.url, 'A'), registerPerson(n1.url, 'B')]);
    const matchId = await matchPeople(a, b, [n0.url, n1.url]);
    const phoneA = await connectDevice(n1.url, a, 'phone');
    const phoneB = await connectDevice(n0.url, b, 'phone');
    const threadB = await joinThread(n1.url, b, matchId);
    suite.open.push(phoneA, phoneB, threadB);
    const closed = closeCode(phoneA.room);

    // Erased as by a node that stopped once it committed: nobody was told, and A's token still works.
    assert.ok(await eraseAccount(database.db, a.userId, new Date(), harnessEmailKeys));
    assert.equal(await announcementOwed(a.userId), true);
    assert.equal((await requestJson(n0.url, 'GET', '/me/threads', { token: a.accessToken })).status, 200);

    // Asked again, on either node: the password went with the account, and the answer is the one the first call owed.
    const again = await requestJson<{ userId: string; deleted: boolean }>(n0.url, 'DELETE', '/me', { token: a.accessToken, body: { password: TEST_PASSWORD } });
    assert.equal(again.status, 200, JSON.stringify(again.body));
    assert.deepEqual(again.body, { userId: a.userId, deleted: true });
    assert.equal(await announcementOwed(a.userId), false);
    assert.equal(await closed, KismetCloseCode.SESSION_REVOKED);
    await waitUntil(() => messagesOfType<ThreadClosedMessage>(threadB, ChatEventType.CLOSED).some((m) => m.code === 'ACCOUNT_DELETED'));
    await waitForEvents(phoneB, (events) => events.some((e) => e.type === UserEventType.MATCH_ENDED && e.data['matchId'] === matchId));
    for (const url of [n0.url, n1.url]) {
      assert.equal((await requestJson<{ code: string }>(url, 'DELETE', '/me', { token: a.accessToken, body: { password: TEST_PASSWORD } })).body.code, 'ACCOUNT_BANNED');
    }
  });
});
