import assert from 'node:assert/strict';
import { TokenVerifier } from 'livekit-server-sdk';
import { LiveEventMessageType, type EventChatMessage, type LiveEventReady, type RoleMessage } from '../../contracts/liveEvents';
import { HARNESS_LIVEKIT } from '../../loadtest/harness/secrets';
import { command, registerUser, requestJson, waitUntil, withTimeout, type ActorConnection } from '../support/accounts';
import { useTestCluster } from '../support/cluster';
import { eventJoiner, scheduleEvent } from '../support/liveEvents';
import { codeOf, replyOf } from '../support/matches';
import { KismetCloseCode } from '../../contracts/common';

const verifier = new TokenVerifier(HARNESS_LIVEKIT.apiKey, HARNESS_LIVEKIT.apiSecret);

type Connection = ActorConnection<LiveEventReady>;
const of = <T>(c: Connection, type: string) => c.received.filter((m) => m.type === type).map((m) => m.message as T);
/** Everything the event sent a connection, its opening message included, as text to search. */
const everything = (c: Connection) => JSON.stringify([c.ready, c.received]);

/**
 * Someone at a hiring event must not learn the user id of another attendee: it is
 * what names that person's cards (`ownerId`), so a coworker at the same event could
 * find a speaker's dating card in their own deck. The event names people by an
 * alias of its own.
 */
describe('attendees of a live event named by their alias in it, on two nodes', function () {
  const suite = useTestCluster(2, { ACTOR_PLACEMENT: 'local' });

  const join = eventJoiner(suite);
  /** A person with a dating card, registered for the events. */
  const attendee = async (url: string, eventIds: readonly string[]) => {
    const user = await registerUser(url);
    const card = await requestJson<{ id: string }>(url, 'POST', '/cards', { token: user.accessToken, body: { kind: 'person', title: 'Sam', bio: 'hiking', birthYear: 1994 } });
    assert.equal(card.status, 201);
    for (const eventId of eventIds) assert.equal((await requestJson(url, 'POST', `/events/${eventId}/registrations`, { token: user.accessToken })).status, 201);
    return { ...user, cardId: card.body.id };
  };

  it('shows another attendee’s chat, hand and media identity by an alias that is no id of theirs, the same all through the event and another in the next', async () => {
    const [n0, n1] = suite.nodes;
    const { recruiter, eventId } = await scheduleEvent(n0.url, 10);
    const other = await scheduleEvent(n1.url, 10);
    const [speaker, coworker] = [await attendee(n0.url, [eventId, other.eventId]), await attendee(n1.url, [eventId])];
    const host = await join(n1.url, recruiter, eventId);
    const [cs, cc] = [await join(n0.url, speaker, eventId), await join(n1.url, coworker, eventId)];
    const alias = cs.ready.alias;
    assert.match(alias, /^[A-Za-z0-9_-]{22}$/);
    for (const id of [speaker.userId, speaker.cardId]) assert.ok(!alias.includes(id) && !id.includes(alias), 'the alias is no id of theirs');

    assert.ok('ok' in (await command(cs.room, 'say', { text: 'Hi, any visa sponsorship?' })));
    assert.ok('ok' in (await command(cs.room, 'hand.raise')));
    const heard = (c: Connection) => of<EventChatMessage>(c, LiveEventMessageType.CHAT).some((m) => m.alias === alias) && of<{ hands: string[] }>(c, LiveEventMessageType.HANDS).at(-1)?.hands.join() === alias;
    await waitUntil(() => heard(cc) && heard(host), 10_000, () => `the coworker got ${JSON.stringify(cc.received)}`);
    assert.deepEqual(of<EventChatMessage>(cc, LiveEventMessageType.CHAT).map((m) => Object.keys(m).sort()), [['alias', 'at', 'text']]);

    // The same person on a second device, on the other node, is the same alias; so is what they say from it.
    const again = await join(n1.url, speaker, eventId);
    assert.equal(again.ready.alias, alias);
    assert.ok('ok' in (await command(again.room, 'say', { text: 'and remote?' })));
    await waitUntil(() => of<EventChatMessage>(cc, LiveEventMessageType.CHAT).length === 2);
    assert.deepEqual(of<EventChatMessage>(cc, LiveEventMessageType.CHAT).map((m) => m.alias), [alias, alias]);

    // Their media identity is the alias too: LiveKit lists it to whoever sees them.
    for (const token of [cs.ready.token, again.ready.token]) assert.equal((await verifier.verify(token)).sub, alias);

    // The host's moderation, by alias: a mute names the host by theirs, a promotion's token is the alias's.
    assert.notEqual(host.ready.alias, alias);
    assert.deepEqual(replyOf(await command(host.room, 'mute', { alias })), { muted: alias });
    await waitUntil(() => of(cs, LiveEventMessageType.MUTED).length === 1);
    assert.deepEqual(of(cs, LiveEventMessageType.MUTED), [{ by: host.ready.alias }]);
    assert.deepEqual(replyOf(await command(host.room, 'promote', { alias })), { alias, role: 'speaker' });
    await waitUntil(() => of(cs, LiveEventMessageType.ROLE).length === 1);
    assert.equal((await verifier.verify(of<RoleMessage>(cs, LiveEventMessageType.ROLE)[0]!.token)).sub, alias);

    // Nothing the event sent the coworker or the host names the speaker by user id or card.
    for (const c of [cc, host]) for (const id of [speaker.userId, speaker.cardId]) assert.ok(!everything(c).includes(id), `${id} reached ${c.ready.role}`);
    assert.ok(!everything(cc).includes(recruiter.userId), 'nor the host');

    // Another event: another alias, of nothing in common with the first.
    const elsewhere = await join(n0.url, speaker, other.eventId);
    assert.notEqual(elsewhere.ready.alias, alias);
    assert.equal((await verifier.verify(elsewhere.ready.token)).sub, elsewhere.ready.alias);

    // Commands naming nobody here are refused with a code, and change nothing: another event's alias, a malformed one.
    for (const target of [elsewhere.ready.alias, `${alias.slice(0, 21)}${alias.endsWith('A') ? 'B' : 'A'}`]) {
      for (const type of ['mute', 'promote', 'demote', 'remove']) assert.equal(codeOf(await command(host.room, type, { alias: target })), 'NOT_ATTENDING', `${type} ${target}`);
      assert.equal(codeOf(await command(host.room, 'breakout', { alias: target, durationS: 60 })), 'NOT_ATTENDING');
    }
    for (const bad of ['', speaker.userId, 'not an alias']) assert.equal(codeOf(await command(host.room, 'mute', { alias: bad })), 'INVALID_MESSAGE', bad);
    assert.equal(codeOf(await command(host.room, 'mute', { userId: speaker.userId })), 'INVALID_MESSAGE', 'a user id is no longer taken');
    assert.ok('ok' in (await command(cc.room, 'say', { text: 'marker' })));
    await waitUntil(() => of<EventChatMessage>(cs, LiveEventMessageType.CHAT).some((m) => m.text === 'marker'));
    assert.equal(of(cs, LiveEventMessageType.MUTED).length, 1, 'muted once, by the command that named them');
    assert.equal(of(cs, LiveEventMessageType.ROLE).length, 1);
    assert.equal(of(cs, LiveEventMessageType.BREAKOUT).length, 0);

    // A coworker reports the speaker by the alias they saw, in a report of that event: the report is about the speaker.
    const report = (body: Record<string, unknown>) => requestJson<{ reportId: string; code?: string }>(n0.url, 'POST', '/reports', { token: coworker.accessToken, body: { reason: 'pushy', ...body } });
    assert.equal((await report({ userId: alias, context: 'profile', contextId: speaker.cardId })).body.code, 'INVALID_BODY', 'an alias names someone in its event’s report only');
    assert.equal((await report({ userId: alias, context: 'event', contextId: other.eventId })).status, 404, 'another event’s alias names nobody');
    const filed = await report({ userId: alias, context: 'event', contextId: eventId });
    assert.equal(filed.status, 201, JSON.stringify(filed.body));
    const { rows } = await suite.cluster.pool.query<{ reported_id: string }>('select reported_id from reports where id = $1', [filed.body.reportId]);
    assert.equal(rows[0]!.reported_id, speaker.userId);

    // The host's attendance ties each alias to the person it stands for; a removal by alias takes them out.
    const attendance = await requestJson<{ attendees: Array<{ userId: string; alias: string }> }>(n0.url, 'GET', `/events/${eventId}/attendance`, { token: recruiter.accessToken });
    assert.equal(attendance.body.attendees.find((a) => a.userId === speaker.userId)?.alias, alias);
    const closed = new Promise<number>((resolve) => cc.room.onLeave(resolve));
    assert.deepEqual(replyOf(await command(host.room, 'remove', { alias: cc.ready.alias })), { removed: cc.ready.alias });
    assert.equal(await withTimeout(closed, 10_000, 'the removed coworker’s connection to close'), KismetCloseCode.REMOVED_FROM_EVENT);
  });
});
