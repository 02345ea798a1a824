import assert from 'node:assert/strict';
import { TokenVerifier } from 'livekit-server-sdk';
import { LIVE_EVENT_ROOM, LiveEventMessageType, type BreakoutMessage, type LiveEventReady, type RoleMessage } from '../../contracts/liveEvents';
import { HARNESS_LIVEKIT } from '../../loadtest/harness/secrets';
import type { TokenPair } from '../../contracts/auth';
import { command, connectDevice, disconnect, expectJoinRefused, joinActor, matchmakeCode, registerUser, requestJson, waitUntil } from '../support/accounts';
import { inBatches } from '../support/batches';
import { useTestCluster } from '../support/cluster';
import { codeOf, replyOf } from '../support/matches';
import { ADMIN_KEY } from '../support/operator';
import { scheduleEvent } from '../support/liveEvents';

const verifier = new TokenVerifier(HARNESS_LIVEKIT.apiKey, HARNESS_LIVEKIT.apiSecret);

describe('live hiring events, on two nodes', function () {
  const suite = useTestCluster(2, { ACTOR_PLACEMENT: 'local', ADMIN_API_KEY: ADMIN_KEY });

  const join = (url: string, user: TokenPair, eventId: string) =>
    joinActor<LiveEventReady>(url, user.accessToken, LIVE_EVENT_ROOM, { eventId }, LiveEventMessageType.READY);

  it('lets exactly 250 of 300 simultaneous joins through both nodes in, and tells each registrant once that it is starting', async function () {
    this.timeout(240_000);
    const nodes = suite.nodes;
    const { eventId } = await scheduleEvent(nodes[0].url, 250);
    const people = await inBatches(Array.from({ length: 300 }), 20, async (_, i) => {
      const user = await registerUser(nodes[i % 2]!.url);
      const registered = await requestJson(nodes[(i + 1) % 2]!.url, 'POST', `/events/${eventId}/registrations`, { token: user.accessToken });
      assert.equal(registered.status, 201);
      return user;
    });

    const outcomes = await Promise.all(
      people.map((user, i) =>
        join(nodes[i % 2]!.url, user, eventId).then(
          (connection) => {
            suite.open.push(connection);
            return 'in';
          },
          (error: unknown) => matchmakeCode(error) ?? String(error),
        ),
      ),
    );
    assert.equal(outcomes.filter((o) => o === 'in').length, 250, [...new Set(outcomes)].join(' '));
    assert.equal(outcomes.filter((o) => o === 'EVENT_FULL').length, 50);
    const { rows } = await suite.cluster.pool.query<{ attendee_count: number }>('select attendee_count from events where id = $1', [eventId]);
    assert.equal(rows[0]!.attendee_count, 250);

    // event.starting: every registrant once, though both nodes look every 2 s.
    const notices = async () =>
      (await suite.cluster.pool.query<{ user_id: string; n: string }>(
        "select user_id, count(*) as n from stored_events where type = 'event.starting' and payload->>'eventId' = $1 group by user_id",
        [eventId],
      )).rows;
    await waitUntil(async () => (await notices()).length === 300, 30_000, () => 'a notice for each registrant');
    await new Promise((resolve) => setTimeout(resolve, 5_000)); // several more rounds on both nodes
    const settled = await notices();
    assert.equal(settled.length, 300);
    assert.ok(settled.every((row) => Number(row.n) === 1));

    // Leaving gives the seat back.
    await Promise.all(suite.open.splice(0, 10).map(disconnect));
    await waitUntil(async () => (await suite.cluster.pool.query('select attendee_count from events where id = $1', [eventId])).rows[0].attendee_count === 240);
  });

  it('gives each person one seat however many devices they join on, and none to a reservation never used', async () => {
    const [n0, n1] = suite.nodes;
    const { eventId } = await scheduleEvent(n0.url, 2);
    const [p, q, r, s, idle] = await Promise.all([0, 1, 2, 3, 4].map(async (i) => {
      const user = await registerUser(i % 2 ? n1.url : n0.url);
      assert.equal((await requestJson(n1.url, 'POST', `/events/${eventId}/registrations`, { token: user.accessToken })).status, 201);
      return user;
    }));
    const seats = async () => (await suite.cluster.pool.query<{ attendee_count: number }>('select attendee_count from events where id = $1', [eventId])).rows[0]!.attendee_count;

    // A seat reserved through matchmaking whose client never connects holds no seat.
    const reserved = await requestJson(n1.url, 'POST', `/matchmake/joinOrCreate/${LIVE_EVENT_ROOM}`, { token: idle!.accessToken, body: { eventId } });
    assert.equal(reserved.status, 200);
    const [p1, p2, q1] = [await join(n0.url, p!, eventId), await join(n1.url, p!, eventId), await join(n1.url, q!, eventId)];
    suite.open.push(p1, p2, q1);
    assert.equal(await seats(), 2, 'two people, one seat each, though one of them is on two devices');
    assert.equal(await expectJoinRefused(join(n0.url, r!, eventId)), 'EVENT_FULL');

    // One device leaving keeps the person's seat with the other; the last one gives it back.
    await disconnect(p1);
    assert.equal(await expectJoinRefused(join(n1.url, r!, eventId)), 'EVENT_FULL');
    await disconnect(p2);
    const attendanceOfP = async () =>
      (await suite.cluster.pool.query<{ left_at: Date | null }>('select left_at from attendance where event_id = $1 and user_id = $2', [eventId, p!.userId])).rows;
    await waitUntil(async () => (await attendanceOfP()).every((row) => row.left_at !== null) && (await seats()) === 1);
    assert.equal((await attendanceOfP()).length, 1, 'one attendance for the person, not one per device');
    suite.open.push(await join(n0.url, r!, eventId));
    assert.equal(await expectJoinRefused(join(n1.url, s!, eventId)), 'EVENT_FULL');
    assert.equal(await seats(), 2);
  });

  it('shows nobody else a shadow-banned attendee’s hand or words, and shows them their own', async () => {
    const [n0, n1] = suite.nodes;
    const { recruiter, eventId } = await scheduleEvent(n0.url, 10);
    const [plain, shadow] = await Promise.all([0, 1].map(async () => {
      const user = await registerUser(n1.url);
      assert.equal((await requestJson(n0.url, 'POST', `/events/${eventId}/registrations`, { token: user.accessToken })).status, 201);
      return user;
    }));
    const banned = await requestJson(n1.url, 'POST', `/admin/users/${shadow!.userId}`, { token: ADMIN_KEY, body: { shadowBanned: true } });
    assert.equal(banned.status, 200);
    const [host, cp, cs] = [await join(n1.url, recruiter, eventId), await join(n0.url, plain!, eventId), await join(n1.url, shadow!, eventId)];
    suite.open.push(host, cp, cs);
    const of = <T>(c: { received: Array<{ type: string | number; message: unknown }> }, type: string) => c.received.filter((m) => m.type === type).map((m) => m.message as T);

    assert.deepEqual(replyOf(await command(cs.room, 'hand.raise')), { hands: [cs.ready.alias] });
    assert.ok('ok' in (await command(cs.room, 'say', { text: 'psst' })));
    assert.deepEqual(replyOf(await command(cp.room, 'hand.raise')), { hands: [cp.ready.alias] });
    assert.ok('ok' in (await command(cp.room, 'say', { text: 'hello' })));
    // What the shadow-banned attendee did came first; the host hears only what came after.
    await waitUntil(() => of(host, LiveEventMessageType.CHAT).length === 1 && of(host, LiveEventMessageType.HANDS).length === 1);
    assert.deepEqual(of<{ hands: string[] }>(host, LiveEventMessageType.HANDS), [{ hands: [cp.ready.alias] }]);
    assert.deepEqual(of<{ text: string }>(host, LiveEventMessageType.CHAT).map((m) => m.text), ['hello']);
    // They see their own hand in its place and their own words, as anyone would.
    await waitUntil(() => of(cs, LiveEventMessageType.CHAT).length === 2);
    assert.deepEqual(of<{ hands: string[] }>(cs, LiveEventMessageType.HANDS).at(-1), { hands: [cs.ready.alias, cp.ready.alias] });
    assert.deepEqual(of<{ text: string }>(cs, LiveEventMessageType.CHAT).map((m) => m.text), ['psst', 'hello']);
  });

  it('keeps the hand-raise queue in order; only hosts promote, set slow mode and pull people into breakouts', async () => {
    const [n0, n1] = suite.nodes;
    const { recruiter, eventId } = await scheduleEvent(n0.url, 10);
    const [x, y, z] = await Promise.all([0, 1, 2].map(async (i) => {
      const user = await registerUser(i % 2 ? n1.url : n0.url);
      await requestJson(n0.url, 'POST', `/events/${eventId}/registrations`, { token: user.accessToken });
      return user;
    }));
    const host = await join(n1.url, recruiter, eventId);
    const [cx, cy, cz] = [await join(n0.url, x!, eventId), await join(n1.url, y!, eventId), await join(n0.url, z!, eventId)];
    suite.open.push(host, cx, cy, cz);
    assert.equal(host.ready.role, 'host');
    assert.equal(cy.ready.role, 'audience');
    const audienceClaims = await verifier.verify(cy.ready.token);
    assert.deepEqual([audienceClaims.video?.room, audienceClaims.video?.canPublish, audienceClaims.video?.canSubscribe], [host.ready.room, false, true]);
    assert.equal((await verifier.verify(host.ready.token)).video?.canPublish, true);

    for (const c of [cy, cz, cx]) assert.ok('ok' in (await command(c.room, 'hand.raise')));
    const lastHands = () => (host.received.filter((m) => m.type === LiveEventMessageType.HANDS).at(-1)?.message as { hands: string[] } | undefined)?.hands;
    await waitUntil(() => lastHands()?.length === 3);
    assert.deepEqual(lastHands(), [cy.ready.alias, cz.ready.alias, cx.ready.alias]);

    assert.equal(codeOf(await command(cx.room, 'promote', { alias: cy.ready.alias })), 'NOT_A_HOST');
    assert.equal(codeOf(await command(host.room, 'promote', { alias: host.ready.alias })), 'NOT_A_HOST');
    assert.ok('ok' in (await command(host.room, 'promote', { alias: cy.ready.alias })));
    await waitUntil(() => cy.received.some((m) => m.type === LiveEventMessageType.ROLE));
    const promoted = cy.received.find((m) => m.type === LiveEventMessageType.ROLE)!.message as RoleMessage;
    const speakerClaims = await verifier.verify(promoted.token);
    assert.deepEqual([promoted.role, speakerClaims.sub, speakerClaims.video?.room, speakerClaims.video?.canPublish], ['speaker', cy.ready.alias, host.ready.room, true]);
    await waitUntil(() => lastHands()?.length === 2);
    assert.deepEqual(lastHands(), [cz.ready.alias, cx.ready.alias]);

    // Mute: hosts only; the person hears of it.
    assert.equal(codeOf(await command(cx.room, 'mute', { alias: cy.ready.alias })), 'NOT_A_HOST');
    assert.ok('ok' in (await command(host.room, 'mute', { alias: cy.ready.alias })));
    await waitUntil(() => cy.received.some((m) => m.type === LiveEventMessageType.MUTED));

    // Event chat in slow mode: attendees wait between messages, hosts do not.
    assert.equal(codeOf(await command(cx.room, 'slow.mode', { seconds: 60 })), 'NOT_A_HOST');
    assert.ok('ok' in (await command(host.room, 'slow.mode', { seconds: 60 })));
    assert.ok('ok' in (await command(cx.room, 'say', { text: 'hello' })));
    const second = await command(cx.room, 'say', { text: 'hello again' });
    assert.equal(codeOf(second), 'SLOW_MODE');
    assert.ok('retryAfterMs' in second && second.retryAfterMs! > 50_000);
    for (const text of ['welcome', 'everyone']) assert.ok('ok' in (await command(host.room, 'say', { text })));
    await waitUntil(() => cz.received.filter((m) => m.type === LiveEventMessageType.CHAT).length === 3);
    assert.deepEqual(cz.received.filter((m) => m.type === LiveEventMessageType.CHAT).map((m) => (m.message as { text: string }).text), ['hello', 'welcome', 'everyone']);

    // A timed breakout interview: its own room for the two, then both back in the main room.
    assert.equal(codeOf(await command(cx.room, 'breakout', { alias: cz.ready.alias, durationS: 1 })), 'NOT_A_HOST');
    assert.ok('ok' in (await command(host.room, 'breakout', { alias: cz.ready.alias, durationS: 1 })));
    assert.equal(codeOf(await command(host.room, 'breakout', { alias: cz.ready.alias, durationS: 1 })), 'IN_BREAKOUT');
    for (const [connection, who] of [[host, recruiter], [cz, z!]] as const) {
      await waitUntil(() => connection.received.some((m) => m.type === LiveEventMessageType.BREAKOUT_ENDED), 10_000);
      const started = connection.received.find((m) => m.type === LiveEventMessageType.BREAKOUT)!.message as BreakoutMessage;
      const ended = connection.received.find((m) => m.type === LiveEventMessageType.BREAKOUT_ENDED)!.message as { room: string; token: string };
      const inBreakout = await verifier.verify(started.token);
      const back = await verifier.verify(ended.token);
      assert.deepEqual([inBreakout.sub, inBreakout.video?.room, inBreakout.video?.canPublish], [connection.ready.alias, started.room, true]);
      assert.notEqual(started.room, host.ready.room);
      assert.deepEqual([back.video?.room, back.video?.canPublish], [host.ready.room, who === recruiter]);
    }
    assert.ok(!cx.received.some((m) => m.type === LiveEventMessageType.BREAKOUT), 'nobody else is pulled in');

    // After the event, the recruiter likes an attendee from the attendance list: an ordinary swipe from the job.
    const profile = await requestJson<{ id: string }>(n0.url, 'POST', '/cards', { token: x!.accessToken, body: { kind: 'person', title: 'x', birthYear: 1995 } });
    const notHost = await requestJson<{ code: string }>(n0.url, 'GET', `/events/${eventId}/attendance`, { token: x!.accessToken });
    assert.deepEqual([notHost.status, notHost.body.code], [403, 'NOT_A_HOST']);
    const attendance = await requestJson<{ jobCardId: string; attendees: Array<{ userId: string; cardId: string | null; lastLeftAt: number | null }> }>(
      n1.url, 'GET', `/events/${eventId}/attendance`, { token: recruiter.accessToken },
    );
    assert.equal(attendance.status, 200);
    assert.deepEqual(new Set(attendance.body.attendees.map((a) => a.userId)), new Set([recruiter.userId, x!.userId, y!.userId, z!.userId]));
    const xEntry = attendance.body.attendees.find((a) => a.userId === x!.userId)!;
    assert.deepEqual([xEntry.cardId, xEntry.lastLeftAt], [profile.body.id, null]);
    const recruiterSession = await connectDevice(n0.url, recruiter, 'laptop');
    try {
      const like = await command(recruiterSession.room, 'swipe', { fromCardId: attendance.body.jobCardId, toCardId: xEntry.cardId, action: 'like' });
      assert.equal(codeOf(like), 'ok');
    } finally {
      await disconnect(recruiterSession);
    }

    // Only registrants and hosts get in.
    const outsider = await registerUser(n0.url);
    assert.equal(await join(n1.url, outsider, eventId).then(() => 'in', matchmakeCode), 'NOT_REGISTERED');
  });
});
