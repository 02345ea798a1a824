import assert from 'node:assert/strict';
import { LIVE_EVENT_ROOM, LiveEventMessageType, type LiveEventReady } from '../../contracts/liveEvents';
import { ChatEventType, type ChatMessage } from '../../contracts/chat';
import { command, connectDevice, joinActor, requestJson, waitUntil } from '../support/accounts';
import { useTestCluster } from '../support/cluster';
import { scheduleEvent } from '../support/liveEvents';
import { joinThread, matchedPair, messagesOfType, registerPerson, replyOf } from '../support/matches';

/**
 * Ids are uuids, which a client may spell in upper case (Swift's `uuidString`
 * does). Postgres reads either case as the same id; the actors must too, or an
 * upper-case id names a second actor of the same session, thread or event.
 */
describe('ids in upper case name the same actors and things, on two nodes', function () {
  const suite = useTestCluster(2, { ACTOR_PLACEMENT: 'local' });

  it('a session, a thread and a command reach what the lower-case id reaches', async () => {
    const [n0, n1] = suite.nodes;
    const { a, b, matchId } = await matchedPair(n0!.url, [n0!.url, n1!.url]);
    const c = await registerPerson(n1!.url, 'C');

    const phone = await connectDevice(n0!.url, a, 'phone');
    const tablet = await connectDevice(n1!.url, { ...a, userId: a.userId.toUpperCase() }, 'tablet');
    suite.open.push(phone, tablet);
    assert.equal(tablet.room.roomId, phone.room.roomId, 'one session actor for the person');
    assert.equal(tablet.room.roomId, `session_${a.userId}`);

    const mine = await joinThread(n1!.url, a, matchId.toUpperCase());
    const theirs = await joinThread(n0!.url, b, matchId);
    suite.open.push(mine, theirs);
    assert.equal(mine.room.roomId, `chat_${matchId}`);
    assert.equal(theirs.room.roomId, mine.room.roomId, 'one thread actor for the match');
    const sent = replyOf<{ seq: number }>(await command(mine.room, 'send', { clientMessageId: 'upper-1', kind: 'text', body: 'hello' }));
    await waitUntil(() => messagesOfType<ChatMessage>(theirs, ChatEventType.MESSAGE).some((m) => m.seq === sent.seq));

    // A command's ids compare with what the actor holds, whatever their case.
    replyOf(await command(tablet.room, 'swipe', { fromCardId: a.card.id.toUpperCase(), toCardId: c.card.id.toUpperCase(), action: 'like' }));
    const { rows } = await suite.cluster.pool.query<{ n: string }>('select count(*) as n from swipes where from_card_id = $1 and to_card_id = $2', [a.card.id, c.card.id]);
    assert.equal(Number(rows[0]!.n), 1);
  });

  it('an event joined by its id in upper case is the one event, counting each attendee once, and its hosts name attendees in either case', async () => {
    const [n0, n1] = suite.nodes;
    const { recruiter, eventId } = await scheduleEvent(n0!.url, 2);
    const [first, second] = await Promise.all([registerPerson(n0!.url, 'first'), registerPerson(n1!.url, 'second')]);
    for (const person of [first, second]) {
      // The route's id too, in upper case.
      assert.equal((await requestJson(n1!.url, 'POST', `/events/${eventId.toUpperCase()}/registrations`, { token: person.accessToken })).status, 201);
    }
    const join = (url: string, token: string, id: string) => joinActor<LiveEventReady>(url, token, LIVE_EVENT_ROOM, { eventId: id }, LiveEventMessageType.READY);
    const upper = await join(n1!.url, first.accessToken, eventId.toUpperCase());
    suite.open.push(upper);
    const lower = await join(n0!.url, second.accessToken, eventId);
    suite.open.push(lower);
    assert.equal(upper.room.roomId, `event_${eventId}`);
    assert.equal(lower.room.roomId, upper.room.roomId, 'one event actor');
    const { rows } = await suite.cluster.pool.query<{ attendee_count: number }>('select attendee_count from events where id = $1', [eventId]);
    assert.equal(rows[0]!.attendee_count, 2);

    // A host's command names its attendee by the alias the event shows, whatever case they joined it in: the one meant hears of it.
    const host = await join(n1!.url, recruiter.accessToken, eventId.toUpperCase());
    suite.open.push(host);
    replyOf(await command(host.room, 'mute', { alias: lower.ready.alias }));
    await waitUntil(() => lower.received.some((m) => m.type === LiveEventMessageType.MUTED));
  });
});
