import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { CallMediaAccess, CallStarted } from '../../contracts/calls';
import { LIVE_EVENT_ROOM, LiveEventMessageType, type BreakoutMessage, type LiveEventReady } from '../../contracts/liveEvents';
import { KismetCloseCode } from '../../contracts/common';
import type { TokenPair } from '../../contracts/auth';
import { command, eventsOf, expectJoinRefused, joinActor, registerUser, requestJson, waitForEvents, waitUntil, withTimeout, type Device } from '../support/accounts';
import { useTestCluster } from '../support/cluster';
import { LiveKitStandIn } from '../support/liveKitStandIn';
import { scheduleEvent } from '../support/liveEvents';
import { postWebhook, signedWebhook } from '../support/calls';
import { codeOf, matchedPair, matchPeople, registerPerson, replyOf } from '../support/matches';
import { ADMIN_KEY } from '../support/operator';

describe('changes reach the LiveKit server through its room service, on two nodes', function () {
  const apiKey = 'kismet-test';
  const apiSecret = randomBytes(32).toString('hex');
  const liveKit = new LiveKitStandIn(apiKey, apiSecret);
  // Read when the cluster starts, after the stand-in has its port.
  const env: Record<string, string> = { ACTOR_PLACEMENT: 'local', ADMIN_API_KEY: ADMIN_KEY, LIVEKIT_API_KEY: apiKey, LIVEKIT_API_SECRET: apiSecret };
  before(async () => {
    env['LIVEKIT_URL'] = await liveKit.listen(0);
  });
  after(() => liveKit.close());
  const suite = useTestCluster(2, env);
  afterEach(() => assert.equal(liveKit.refused, 0, 'every request carried a token with the grants its method needs'));

  const join = async (url: string, user: TokenPair, eventId: string) => {
    const connection = await joinActor<LiveEventReady>(url, user.accessToken, LIVE_EVENT_ROOM, { eventId }, LiveEventMessageType.READY);
    suite.open.push(connection);
    return connection;
  };
  const { device } = suite;

  it('promote, demote, mute and remove change the participant in the event’s media room; a breakout’s room closes when it ends', async () => {
    const [n0, n1] = suite.nodes;
    const { recruiter, eventId } = await scheduleEvent(n0.url, 10);
    const [x, y] = await Promise.all([0, 1].map(async (i) => {
      const user = await registerUser(i ? n1.url : n0.url);
      assert.equal((await requestJson(n0.url, 'POST', `/events/${eventId}/registrations`, { token: user.accessToken })).status, 201);
      return user;
    }));
    const host = await join(n1.url, recruiter, eventId);
    const [cx, cy] = [await join(n0.url, x!, eventId), await join(n1.url, y!, eventId)];
    const room = host.ready.room;
    // Twirp's JSON leaves out fields that are false; LiveKit takes them as false.
    const updates = () => liveKit.callsOf('UpdateParticipant').map((c) => {
      const permission = c.body['permission'] as { canPublish?: boolean; hidden?: boolean };
      return [c.body['room'], c.body['identity'], permission.canPublish ?? false, permission.hidden ?? false];
    });

    // Refused moderation reaches nobody.
    assert.equal(codeOf(await command(cx.room, 'promote', { alias: cy.ready.alias })), 'NOT_A_HOST');
    assert.equal(codeOf(await command(cx.room, 'mute', { alias: cy.ready.alias })), 'NOT_A_HOST');
    assert.equal(liveKit.calls.length, 0);

    // On stage: publishing and shown to the room; back in the audience: neither, hidden from the other attendees again.
    assert.ok('ok' in (await command(host.room, 'promote', { alias: cy.ready.alias })));
    assert.deepEqual(updates(), [[room, cy.ready.alias, true, false]]);
    assert.ok('ok' in (await command(host.room, 'demote', { alias: cy.ready.alias })));
    assert.deepEqual(updates(), [[room, cy.ready.alias, true, false], [room, cy.ready.alias, false, true]]);

    // Mute: every track the participant publishes, as LiveKit lists them.
    assert.ok('ok' in (await command(host.room, 'mute', { alias: cy.ready.alias })));
    assert.deepEqual(liveKit.callsOf('GetParticipant').map((c) => [c.body['room'], c.body['identity']]), [[room, cy.ready.alias]]);
    assert.deepEqual(
      liveKit.callsOf('MutePublishedTrack').map((c) => [c.body['room'], c.body['identity'], c.body['trackSid'], c.body['muted']]).sort(),
      [[room, cy.ready.alias, 'TR_audio', true], [room, cy.ready.alias, 'TR_video', true]],
    );

    // A breakout that runs its time closes its media room.
    assert.ok('ok' in (await command(host.room, 'breakout', { alias: cy.ready.alias, durationS: 1 })));
    await waitUntil(() => cy.received.some((m) => m.type === LiveEventMessageType.BREAKOUT_ENDED), 10_000);
    const yBreakout = (cy.received.find((m) => m.type === LiveEventMessageType.BREAKOUT)!.message as BreakoutMessage).room;
    await waitUntil(() => liveKit.callsOf('DeleteRoom').length === 1, 5_000);
    assert.deepEqual(liveKit.callsOf('DeleteRoom').map((c) => c.body['room']), [yBreakout]);

    // Removing someone in an interview: out of the event, out of its media room, and the interview is over.
    assert.ok('ok' in (await command(host.room, 'breakout', { alias: cx.ready.alias, durationS: 600 })));
    const xBreakout = (host.received.filter((m) => m.type === LiveEventMessageType.BREAKOUT).at(-1)!.message as BreakoutMessage).room;
    const left = new Promise<number>((resolve) => cx.room.onLeave(resolve));
    assert.ok('ok' in (await command(host.room, 'remove', { alias: cx.ready.alias })));
    assert.equal(await left, KismetCloseCode.REMOVED_FROM_EVENT);
    assert.deepEqual(liveKit.callsOf('RemoveParticipant').map((c) => [c.body['room'], c.body['identity']]), [[room, cx.ready.alias]]);
    assert.deepEqual(liveKit.callsOf('DeleteRoom').map((c) => c.body['room']), [yBreakout, xBreakout]);
    await waitUntil(() => host.received.filter((m) => m.type === LiveEventMessageType.BREAKOUT_ENDED).length === 2);
  });

  it('ends a breakout whose host is banned: the attendee is sent back and its media room closes', async () => {
    const [n0, n1] = suite.nodes;
    const breakoutOf = async (hostNode: string) => {
      const { recruiter, eventId } = await scheduleEvent(n0.url, 10);
      const x = await registerUser(n1.url);
      assert.equal((await requestJson(n0.url, 'POST', `/events/${eventId}/registrations`, { token: x.accessToken })).status, 201);
      const host = await join(hostNode, recruiter, eventId);
      const cx = await join(n0.url, x, eventId);
      const { room } = replyOf<{ room: string }>(await command(host.room, 'breakout', { alias: cx.ready.alias, durationS: 3600 }));
      return { recruiter, host, cx, room };
    };
    const sentBack = (c: { received: Array<{ type: string | number; message: unknown }> }) => c.received.filter((m) => m.type === LiveEventMessageType.BREAKOUT_ENDED).map((m) => m.message as { room: string });
    const closedRooms = () => liveKit.callsOf('DeleteRoom').map((c) => c.body['room']);

    // Banned by an operator on the other node, with an hour of the interview left.
    const banned = await breakoutOf(n1.url);
    const left = new Promise<number>((resolve) => banned.host.room.onLeave(resolve));
    assert.equal((await requestJson(n0.url, 'POST', `/admin/users/${banned.recruiter.userId}`, { token: ADMIN_KEY, body: { banned: true } })).status, 200);
    assert.equal(await left, KismetCloseCode.SESSION_REVOKED);
    await waitUntil(() => sentBack(banned.cx).length === 1 && closedRooms().includes(banned.room));
    assert.equal(sentBack(banned.cx)[0]!.room, banned.host.ready.room, 'back to the main room');

  });

  it('ends an event at its end, however many are still in it: breakouts and the media room close, every connection closes with 4509, and the door stays shut', async () => {
    const [n0, n1] = suite.nodes;
    const { recruiter, eventId } = await scheduleEvent(n0.url, 10, { startsAt: Date.now() - 16 * 60_000, endsAt: Date.now() + 4_000 });
    const [x, late] = await Promise.all([0, 1].map(async () => {
      const user = await registerUser(n1.url);
      assert.equal((await requestJson(n0.url, 'POST', `/events/${eventId}/registrations`, { token: user.accessToken })).status, 201);
      return user;
    }));
    const host = await join(n1.url, recruiter, eventId);
    const cx = await join(n0.url, x!, eventId);
    const closed = [host, cx].map((c) => new Promise<number>((resolve) => c.room.onLeave(resolve)));
    const breakout = replyOf<{ room: string }>(await command(host.room, 'breakout', { alias: cx.ready.alias, durationS: 600 }));

    assert.deepEqual(await withTimeout(Promise.all(closed), 15_000, 'the event’s connections to close'), [KismetCloseCode.EVENT_ENDED, KismetCloseCode.EVENT_ENDED]);
    await waitUntil(() => liveKit.callsOf('DeleteRoom').filter((c) => [host.ready.room, breakout.room].includes(c.body['room'] as string)).length === 2);
    assert.equal(await expectJoinRefused(joinActor(n1.url, late!.accessToken, LIVE_EVENT_ROOM, { eventId }, LiveEventMessageType.READY)), 'EVENT_ENDED');
    const { rows } = await suite.cluster.pool.query<{ open: number }>('select count(*)::int as open from attendance where event_id = $1 and left_at is null', [eventId]);
    assert.equal(rows[0]!.open, 0, 'everyone’s attendance ends with the event');

    // No event lasts longer than 12 hours.
    const job = await requestJson<{ id: string }>(n0.url, 'POST', '/cards', { token: recruiter.accessToken, body: { kind: 'job', title: 'Night shift' } });
    const startsAt = Date.now() + 60_000;
    const tooLong = await requestJson<{ code: string; message: string }>(n0.url, 'POST', '/events', {
      token: recruiter.accessToken,
      body: { jobCardId: job.body.id, title: 'Forever', startsAt: new Date(startsAt).toISOString(), endsAt: new Date(startsAt + 12 * 3_600_000 + 1_000).toISOString(), capacity: 100_000 },
    });
    assert.deepEqual([tooLong.status, tooLong.body.code], [400, 'INVALID_BODY'], tooLong.body.message);
  });

  it('closes the media room of an answered call ended by a hang-up or a ban; a call never answered has none to close', async () => {
    const [n0, n1] = suite.nodes;
    const closed = () => liveKit.callsOf('DeleteRoom').map((c) => c.body['room']);
    const before = closed().length;
    const answeredCall = async (caller: Device, callee: Device, matchId: string) => {
      const started = replyOf<CallStarted>(await command(caller.room, 'call.start', { matchId, media: 'audio' }));
      await waitForEvents(callee, () => eventsOf(callee).some((e) => e.type === 'call.incoming' && e.data['callId'] === started.callId));
      return replyOf<CallMediaAccess>(await command(callee.room, 'call.accept', { callId: started.callId }));
    };

    // Hung up by the caller, on the other node from the callee.
    const first = await matchedPair(n0.url, [n0.url, n1.url]);
    const [a, b] = [await device(n0.url, first.a, 'phone'), await device(n1.url, first.b, 'phone')];
    const hungUp = await answeredCall(a, b, first.matchId);
    assert.ok('ok' in (await command(a.room, 'call.end', { callId: hungUp.callId })));
    assert.deepEqual(closed().slice(before), [hungUp.room]);

    // Cancelled while ringing: nobody had media.
    const ringing = replyOf<CallStarted>(await command(a.room, 'call.start', { matchId: first.matchId, media: 'audio' }));
    assert.ok('ok' in (await command(a.room, 'call.end', { callId: ringing.callId })));
    assert.deepEqual(closed().slice(before), [hungUp.room]);

    // An operator bans the callee mid-call: the media stops with the call.
    const second = await matchedPair(n1.url, [n1.url, n0.url]);
    const [c, d] = [await device(n1.url, second.a, 'phone'), await device(n0.url, second.b, 'phone')];
    const banned = await answeredCall(c, d, second.matchId);
    const ban = await requestJson(n0.url, 'POST', `/admin/users/${second.b.userId}`, { token: ADMIN_KEY, body: { banned: true } });
    assert.equal(ban.status, 200);
    assert.deepEqual(closed().slice(before), [hungUp.room, banned.room]);
  });

  it("makes an answered call's media room with LiveKit's timeouts, so a call nobody joins ends when LiveKit finishes it and frees both lines", async () => {
    const [n0, n1] = suite.nodes;
    const [a, b, c] = await Promise.all([registerPerson(n0.url, 'A'), registerPerson(n1.url, 'B'), registerPerson(n0.url, 'C')]);
    const withB = await matchPeople(a, b, [n0.url, n1.url]);
    const withC = await matchPeople(a, c, [n1.url, n0.url]);
    const [phoneA, phoneB] = [await device(n0.url, a, 'phone'), await device(n1.url, b, 'phone')];
    const created = (room: string) => liveKit.callsOf('CreateRoom').filter((call) => call.body['name'] === room);

    const started = replyOf<CallStarted>(await command(phoneA.room, 'call.start', { matchId: withB, media: 'video' }));
    assert.deepEqual(created(`call-${started.callId}`), [], 'a ringing call has no media room yet');
    await waitForEvents(phoneB, () => eventsOf(phoneB).some((e) => e.type === 'call.incoming' && e.data['callId'] === started.callId));
    const access = replyOf<CallMediaAccess>(await command(phoneB.room, 'call.accept', { callId: started.callId }));
    // Made before the answer reached anyone, with the timeouts that end the call when nobody joins or all have left.
    assert.deepEqual(created(access.room).map((call) => [call.body['emptyTimeout'], call.body['departureTimeout']]), [[60, 20]]);

    // Nobody joins the media: both lines are taken meanwhile.
    assert.equal(codeOf(await command(phoneA.room, 'call.start', { matchId: withC })), 'ALREADY_IN_CALL');
    // LiveKit finishes the empty room when its time is up, and says so.
    const finished = await signedWebhook({ event: 'room_finished', room: { name: access.room } }, { apiKey, secret: apiSecret });
    assert.equal((await postWebhook(n1.url, finished)).status, 200);
    for (const d of [phoneA, phoneB]) {
      await waitForEvents(d, () => eventsOf(d).some((e) => e.type === 'call.ended' && e.data['callId'] === started.callId && e.data['reason'] === 'room_finished'));
    }
    assert.equal(replyOf<CallStarted>(await command(phoneA.room, 'call.start', { matchId: withC })).state, 'ringing');
    // A room LiveKit finished is not closed again.
    assert.ok(!liveKit.callsOf('DeleteRoom').some((call) => call.body['room'] === access.room));
  });
});
