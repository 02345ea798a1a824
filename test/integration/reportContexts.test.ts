import assert from 'node:assert/strict';
import type { CallStarted } from '../../contracts/calls';
import type { SendResult } from '../../contracts/chat';
import { LIVE_EVENT_ROOM, LiveEventMessageType } from '../../contracts/liveEvents';
import { command, connectDevice, disconnect, joinActor, requestJson, waitUntil } from '../support/accounts';
import { useTestCluster } from '../support/cluster';
import { scheduleEvent } from '../support/liveEvents';
import { joinThread, matchPeople, registerPerson, replyOf, type Person } from '../support/matches';
import { useNatsStream } from '../support/nats';
import { ADMIN_KEY } from '../support/operator';

type Account = Pick<Person, 'userId' | 'accessToken'>;

describe('POST /reports, its context checked', function () {
  const stream = useNatsStream();
  const suite = useTestCluster(2, Object.assign(stream.env, { ADMIN_API_KEY: ADMIN_KEY }));
  const node = (i: 0 | 1) => suite.nodes[i].url;

  const report = (from: { accessToken: string }, about: { userId: string }, context: string, contextId: string) =>
    requestJson<{ reportId: string; code?: string; message?: string }>(node(0), 'POST', '/reports', {
      token: from.accessToken,
      body: { userId: about.userId, context, contextId, reason: 'rude' },
    });
  const reportsBy = async (reporterId: string) =>
    (await suite.cluster.pool.query<{ id: string; context_id: string }>('select id, context_id from reports where reporter_id = $1 order by created_at', [reporterId])).rows;
  /** The report.filed events about a person, as stored for the bus: their data, whole. */
  const filedAbout = async (reportedId: string) =>
    (await suite.cluster.pool.query<{ data: Record<string, unknown> }>(
      "select data from domain_event_outbox where type = 'report.filed' and data->>'reportedId' = $1 order by occurred_at", [reportedId])).rows.map((r) => r.data);

  /** Refused with INVALID_BODY, and nothing stored or sent for it. */
  async function refused(from: Account, about: Account, context: string, contextId: string, what: string) {
    const before = [(await reportsBy(from.userId)).length, (await filedAbout(about.userId)).length];
    const answer = await report(from, about, context, contextId);
    assert.equal(answer.status, 400, `${what}: ${JSON.stringify(answer.body)}`);
    assert.equal(answer.body.code, 'INVALID_BODY', what);
    assert.match(String(answer.body.message), /^contextId: /, what);
    assert.deepEqual([(await reportsBy(from.userId)).length, (await filedAbout(about.userId)).length], before, `${what}: nothing stored`);
  }

  it('a report without a contextId is refused in every context: nobody reports someone they never met by naming nothing', async () => {
    const [victim, stranger] = await Promise.all([registerPerson(node(0), 'V'), registerPerson(node(1), 'S')]);
    for (const context of ['profile', 'message', 'call', 'event']) {
      const answer = await requestJson<{ code?: string; message?: string }>(node(1), 'POST', '/reports', {
        token: stranger.accessToken,
        body: { userId: victim.userId, context, reason: 'spam' },
      });
      assert.deepEqual([answer.status, answer.body.code], [400, 'INVALID_BODY'], `${context}: ${JSON.stringify(answer.body)}`);
      assert.match(String(answer.body.message), /contextId/, context);
    }
    assert.deepEqual(await reportsBy(stranger.userId), [], 'nothing stored');
    assert.deepEqual(await filedAbout(victim.userId), [], 'nothing sent');
  });

  it('a message report names a message of a match the reporter is in; its event carries the id in one written form', async () => {
    const [a, b, stranger] = await Promise.all([registerPerson(node(0), 'A'), registerPerson(node(1), 'B'), registerPerson(node(0), 'S')]);
    const matchId = await matchPeople(a, b, [node(0), node(1)]);
    const thread = await joinThread(node(1), b, matchId);
    const sent = replyOf<SendResult>(await command(thread.room, 'send', { clientMessageId: 'rude-1', kind: 'text', body: 'something rude' }));
    await disconnect(thread);

    await refused(stranger, b, 'message', `${matchId}:${sent.seq}`, 'a message of a match the reporter is not in');
    await refused(a, b, 'message', `${matchId}:${sent.seq + 1}`, 'a message not sent');
    for (const [contextId, what] of [
      ['something rude', 'free text'],
      [matchId, 'no sequence'],
      [`${matchId}:0`, 'sequence 0'],
      [`${matchId}:-1`, 'a negative sequence'],
      [`${matchId}:01`, 'a leading zero'],
      [`${matchId}:1.5`, 'a fraction'],
      [`${matchId}:1:2`, 'two sequences'],
      [`${matchId.slice(1)}:1`, 'a short match id'],
      [`${matchId}:99999999999999999`, 'a sequence past 2^53'],
    ] as const) await refused(a, b, 'message', contextId, `message, ${what}`);

    const filed = await report(a, b, 'message', `${matchId.toUpperCase()}:${sent.seq}`);
    assert.equal(filed.status, 201, JSON.stringify(filed.body));
    const canonical = `${matchId}:${sent.seq}`;
    assert.deepEqual(await reportsBy(a.userId), [{ id: filed.body.reportId, context_id: canonical }]);
    assert.deepEqual(await filedAbout(b.userId), [
      { reportId: filed.body.reportId, reporterId: a.userId, reportedId: b.userId, contextKind: 'message', contextId: canonical },
    ]);
    // Written another way, it is the same open report.
    const again = await report(a, b, 'message', canonical);
    assert.deepEqual([again.status, again.body.reportId], [200, filed.body.reportId]);
  });

  it('a message report names a message the reported person sent, one the reporter is shown: not their own, nor a third member’s', async () => {
    const [a, b, colleague] = await Promise.all([registerPerson(node(0), 'A'), registerPerson(node(1), 'B'), registerPerson(node(0), 'C')]);
    const matchId = await matchPeople(a, b, [node(0), node(1)]);
    // A third member of the thread, as a colleague in a hiring thread is, before its actor starts.
    await suite.cluster.pool.query(`insert into match_members (match_id, user_id, role) values ($1, $2, 'colleague')`, [matchId, colleague.userId]);
    const threads = await Promise.all([joinThread(node(0), a, matchId), joinThread(node(1), b, matchId), joinThread(node(0), colleague, matchId)]);
    suite.open.push(...threads);
    const send = async (i: 0 | 1 | 2, id: string) => replyOf<SendResult>(await command(threads[i]!.room, 'send', { clientMessageId: id, kind: 'text', body: id })).seq;
    const [own, third, theirs] = [await send(0, 'a-1'), await send(2, 'c-1'), await send(1, 'b-1')];

    await refused(a, b, 'message', `${matchId}:${own}`, 'the reporter’s own message, against the other party');
    await refused(a, b, 'message', `${matchId}:${third}`, 'a third member’s message, against the other party');
    await refused(colleague, b, 'message', `${matchId}:${own}`, 'one member’s message, against another');
    await refused(b, a, 'message', `${matchId}:${theirs}`, 'the reporter’s own message, the other way');
    // Shadow-banned, B's messages are shown to nobody else: naming one tells A nothing, as a seq never sent does not.
    assert.equal((await requestJson(node(1), 'POST', `/admin/users/${b.userId}`, { token: ADMIN_KEY, body: { shadowBanned: true } })).status, 200);
    const hidden = await send(1, 'b-hidden');
    assert.equal((await suite.cluster.pool.query('select hidden from messages where match_id = $1 and seq = $2', [matchId, hidden])).rows[0]?.hidden, true);
    await refused(a, b, 'message', `${matchId}:${hidden}`, 'a message the reporter is not shown');

    const filed = await report(a, b, 'message', `${matchId}:${theirs}`);
    assert.equal(filed.status, 201, JSON.stringify(filed.body));
    assert.equal((await report(colleague, a, 'message', `${matchId}:${own}`)).status, 201, 'a third member reports a party’s own message');
    assert.deepEqual(await reportsBy(a.userId), [{ id: filed.body.reportId, context_id: `${matchId}:${theirs}` }]);
    assert.deepEqual((await filedAbout(b.userId)).map((e) => e['contextId']), [`${matchId}:${theirs}`]);
  });

  it('a profile report names a card of the reported person, a call report a call between the two, an event report an event the reporter is part of', async () => {
    const [a, b, stranger] = await Promise.all([registerPerson(node(0), 'A'), registerPerson(node(1), 'B'), registerPerson(node(0), 'S')]);
    const matchId = await matchPeople(a, b, [node(0), node(1)]);

    await refused(a, b, 'profile', a.card.id, 'someone else’s card');
    await refused(a, b, 'profile', `${b.card.id}:1`, 'a card id with a sequence');
    await refused(a, b, 'profile', 'not a card', 'free text as a card');
    const card = await report(a, b, 'profile', b.card.id);
    assert.equal(card.status, 201);

    const phone = await connectDevice(node(0), a, 'phone');
    const { callId } = replyOf<CallStarted>(await command(phone.room, 'call.start', { matchId, media: 'audio' }));
    replyOf(await command(phone.room, 'call.cancel', { callId }));
    await disconnect(phone);
    await refused(stranger, b, 'call', callId, 'a call the reporter was not in');
    await refused(a, stranger, 'call', callId, 'a call the reported person was not in');
    await refused(a, b, 'call', matchId, 'a match id as a call');
    assert.equal((await report(b, a, 'call', callId)).status, 201, 'the callee reports the caller');

    const { recruiter, eventId } = await scheduleEvent(node(0), 10);
    assert.equal((await requestJson(node(0), 'POST', `/events/${eventId}/registrations`, { token: a.accessToken })).status, 201);
    await refused(stranger, recruiter, 'event', eventId, 'an event the reporter is not part of');
    assert.equal((await report(a, recruiter, 'event', eventId)).status, 201, 'a registered person reports the host');

    const events = [...(await filedAbout(b.userId)), ...(await filedAbout(a.userId)), ...(await filedAbout(recruiter.userId))];
    assert.deepEqual(events.map((e) => [e['contextKind'], e['contextId']]).sort(), [
      ['call', callId], ['event', eventId], ['profile', b.card.id],
    ].sort());
  });

  it('an event report tells the reporter nothing of who else registered or came: a non-host is checked on their own side', async () => {
    const { recruiter: host, eventId } = await scheduleEvent(node(0), 10);
    const [attendee, registered, outsider, stranger] = await Promise.all([
      registerPerson(node(1), 'attendee'), registerPerson(node(1), 'registered'), registerPerson(node(1), 'outsider'), registerPerson(node(1), 'stranger'),
    ]);
    for (const person of [attendee, registered]) {
      assert.equal((await requestJson(node(1), 'POST', `/events/${eventId}/registrations`, { token: person.accessToken })).status, 201);
    }
    // The attendee comes in (the doors are open); the attendance list is the host's to read, not theirs.
    const inside = await joinActor(node(1), attendee.accessToken, LIVE_EVENT_ROOM, { eventId }, LiveEventMessageType.READY);
    suite.open.push(inside);
    await waitUntil(async () => (await suite.cluster.pool.query('select 1 from attendance where event_id = $1 and user_id = $2', [eventId, attendee.userId])).rowCount === 1, 10_000, () => 'the attendance stored');
    assert.equal((await requestJson<{ code: string }>(node(0), 'GET', `/events/${eventId}/attendance`, { token: attendee.accessToken })).body.code, 'NOT_A_HOST');

    /** The answer as a reporter reads it, without the new report's id. */
    const answer = async (from: Account, about: Account) => {
      const { status, body } = await report(from, about, 'event', eventId);
      return { status, body: body.reportId === undefined ? body : { reportId: typeof body.reportId } };
    };
    // An attendee reporting someone registered and someone who never was: the same answer.
    const aboutRegistered = await answer(attendee, registered);
    assert.deepEqual(aboutRegistered, { status: 201, body: { reportId: 'string' } });
    assert.deepEqual(await answer(attendee, outsider), aboutRegistered);
    // So for someone registered who never came.
    assert.deepEqual([await answer(registered, attendee), await answer(registered, outsider)], [aboutRegistered, aboutRegistered]);
    // Someone not part of the event is refused whoever they name: nothing stored, one message.
    await refused(stranger, registered, 'event', eventId, 'a stranger names someone registered');
    await refused(stranger, outsider, 'event', eventId, 'a stranger names someone who is not part of it');
    assert.deepEqual(await answer(stranger, registered), await answer(stranger, outsider));

    // The host sees who came, so their report names someone who came; registering alone they do not see.
    assert.deepEqual(await answer(host, attendee), aboutRegistered);
    await refused(host, registered, 'event', eventId, 'the host names someone registered who never came');
    await refused(host, outsider, 'event', eventId, 'the host names someone not part of it');
    assert.deepEqual(await answer(host, registered), await answer(host, outsider));

    const filed = await suite.cluster.pool.query<{ reporter_id: string; reported_id: string }>(
      "select reporter_id, reported_id from reports where context_kind = 'event' and context_id = $1", [eventId]);
    const pairs = (rows: Array<{ reporter_id: string; reported_id: string }>) => rows.map((r) => `${r.reporter_id}>${r.reported_id}`).sort();
    assert.deepEqual(pairs(filed.rows), pairs([
      { reporter_id: attendee.userId, reported_id: registered.userId },
      { reporter_id: attendee.userId, reported_id: outsider.userId },
      { reporter_id: registered.userId, reported_id: attendee.userId },
      { reporter_id: registered.userId, reported_id: outsider.userId },
      { reporter_id: host.userId, reported_id: attendee.userId },
    ]));
  });
});
