import assert from 'node:assert/strict';
import { Client } from '@colyseus/sdk';
import type { TokenPair } from '../../contracts/auth';
import { LIVE_EVENT_ROOM, LiveEventMessageType, type EventChatMessage, type LiveEventReady } from '../../contracts/liveEvents';
import { command, joinActor, registerUser, requestJson, waitUntil, type ActorConnection } from '../support/accounts';
import { metricValue, useTestCluster } from '../support/cluster';
import { replyOf } from '../support/matches';
import { ADMIN_KEY } from '../support/operator';
import { scheduleEvent } from '../support/liveEvents';

type Connection = ActorConnection<LiveEventReady>;

const chatOf = (c: Pick<Connection, 'received'>) => c.received.filter((m) => m.type === LiveEventMessageType.CHAT).map((m) => (m.message as EventChatMessage).text);
const handsOf = (c: Pick<Connection, 'received'>) => c.received.filter((m) => m.type === LiveEventMessageType.HANDS).map((m) => (m.message as { hands: string[] }).hands);
/** The hand queue as the connection was last shown it: at joining, or told since. */
const lastHands = (c: Connection) => handsOf(c).at(-1) ?? c.ready.hands;

describe('a shadow-ban set or lifted while its person is in a live event, on two nodes', function () {
  const suite = useTestCluster(2, { ACTOR_PLACEMENT: 'local', ADMIN_API_KEY: ADMIN_KEY });

  const join = (url: string, user: TokenPair, eventId: string) =>
    joinActor<LiveEventReady>(url, user.accessToken, LIVE_EVENT_ROOM, { eventId }, LiveEventMessageType.READY);
  const eventActorsOn = (i: 0 | 1) => metricValue(suite.nodes[i], /^kismet_rooms\{[^}]*kind="event"[,}]/);

  /** An event whose actor lives on node 1 (its host joined there first), with `count` registered attendees. */
  async function eventOnNode1(count: number) {
    const [n0, n1] = suite.nodes;
    const { recruiter, eventId } = await scheduleEvent(n0.url, 10);
    const people = await Promise.all(Array.from({ length: count }, async () => {
      const user = await registerUser(n0.url);
      assert.equal((await requestJson(n1.url, 'POST', `/events/${eventId}/registrations`, { token: user.accessToken })).status, 201);
      return user;
    }));
    const before = await eventActorsOn(1);
    const host = await join(n1.url, recruiter, eventId);
    suite.open.push(host);
    assert.equal(await eventActorsOn(1), before + 1, 'the event runs on node 1');
    return { host, eventId, people };
  }

  /** The operator's account change, through node 0, where the event does not run. */
  const setShadowBan = async (user: TokenPair, shadowBanned: boolean) => {
    const answer = await requestJson(suite.nodes[0].url, 'POST', `/admin/users/${user.userId}`, { token: ADMIN_KEY, body: { shadowBanned } });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
  };

  it('hides from then on what the attendee says and raises, their raised hand at once, and shows them again once it is lifted', async () => {
    const [n0, n1] = suite.nodes;
    const { host, eventId, people: [a, b] } = await eventOnNode1(2);
    const [ca, cb] = [await join(n0.url, a!, eventId), await join(n1.url, b!, eventId)];
    suite.open.push(ca, cb);

    // Before: A is seen by everyone.
    assert.ok('ok' in (await command(ca.room, 'say', { text: 'hello from A' })));
    assert.deepEqual(replyOf(await command(ca.room, 'hand.raise')), { hands: [ca.ready.alias] });
    await waitUntil(() => chatOf(cb).includes('hello from A') && chatOf(host).includes('hello from A'), 10_000, () => 'A’s first words with B and the host');
    await waitUntil(() => lastHands(cb).join() === ca.ready.alias && lastHands(host).join() === ca.ready.alias, 10_000, () => `A’s hand with B and the host: ${handsOf(cb)}`);

    await setShadowBan(a!, true);
    // The hand A raised before leaves the others' queue; A still sees it.
    await waitUntil(() => lastHands(cb).length === 0 && lastHands(host).length === 0, 10_000, () => `A’s hand gone for B and the host: ${handsOf(cb)} / ${handsOf(host)}`);
    const heardSinceBan = { b: chatOf(cb).length, host: chatOf(host).length, handsB: handsOf(cb).length, handsHost: handsOf(host).length };
    assert.equal(lastHands(ca).join(), ca.ready.alias);

    // What A does now reaches A alone.
    assert.deepEqual(replyOf(await command(ca.room, 'hand.lower')), { hands: [] });
    assert.deepEqual(replyOf(await command(ca.room, 'hand.raise')), { hands: [ca.ready.alias] });
    assert.ok('ok' in (await command(ca.room, 'say', { text: 'psst from A' })));
    await waitUntil(() => chatOf(ca).includes('psst from A'), 10_000, () => 'A’s own words back to A');
    // B speaks and raises after; once that reached B and the host, A's would have before it.
    assert.ok('ok' in (await command(cb.room, 'say', { text: 'B after' })));
    assert.deepEqual(replyOf(await command(cb.room, 'hand.raise')), { hands: [cb.ready.alias] });
    await waitUntil(() => chatOf(host).includes('B after') && lastHands(host).join() === cb.ready.alias && lastHands(cb).join() === cb.ready.alias, 10_000, () => `B’s words and hand with the host: ${chatOf(host)} ${handsOf(host)}`);
    assert.deepEqual(chatOf(cb).slice(heardSinceBan.b), ['B after']);
    assert.deepEqual(chatOf(host).slice(heardSinceBan.host), ['B after']);
    for (const hands of [...handsOf(cb).slice(heardSinceBan.handsB), ...handsOf(host).slice(heardSinceBan.handsHost)]) assert.ok(!hands.includes(ca.ready.alias), `A’s hand shown: ${hands}`);
    await waitUntil(() => chatOf(ca).includes('B after') && lastHands(ca).join() === [ca.ready.alias, cb.ready.alias].join(), 10_000, () => `A sees their hand first: ${handsOf(ca)}`);

    // Lifted: the hand A holds up shows again in its place, and what A does from now on reaches everyone.
    await setShadowBan(a!, false);
    await waitUntil(() => [cb, host].every((c) => lastHands(c).join() === [ca.ready.alias, cb.ready.alias].join()), 10_000, () => `A’s hand back: ${handsOf(cb)} / ${handsOf(host)}`);
    assert.ok('ok' in (await command(ca.room, 'say', { text: 'A again' })));
    await waitUntil(() => chatOf(cb).includes('A again') && chatOf(host).includes('A again'), 10_000, () => 'A’s words after the lifting');
    assert.ok(!chatOf(cb).includes('psst from A') && !chatOf(host).includes('psst from A'), 'what A said while banned stays hidden');
  });

  it('changes every connection of a person on two devices, set through the moderation desk too', async () => {
    const [n0, n1] = suite.nodes;
    const { host, eventId, people: [a, b] } = await eventOnNode1(2);
    const [phone, laptop, cb] = [await join(n0.url, a!, eventId), await join(n1.url, a!, eventId), await join(n0.url, b!, eventId)];
    suite.open.push(phone, laptop, cb);

    const filed = await requestJson<{ reportId: string }>(n1.url, 'POST', '/reports', { token: b!.accessToken, body: { userId: a!.userId, context: 'event', contextId: eventId, reason: 'spam' } });
    assert.equal(filed.status, 201, JSON.stringify(filed.body));
    const resolved = await requestJson(n0.url, 'POST', `/admin/reports/${filed.body.reportId}/resolve`, { token: ADMIN_KEY, body: { action: 'shadow_ban', note: 'spam in the event' } });
    assert.equal(resolved.status, 200, JSON.stringify(resolved.body));

    // Either device: the words reach both of A's and nobody else.
    assert.ok('ok' in (await command(phone.room, 'say', { text: 'from the phone' })));
    assert.ok('ok' in (await command(laptop.room, 'say', { text: 'from the laptop' })));
    assert.deepEqual(replyOf(await command(laptop.room, 'hand.raise')), { hands: [phone.ready.alias] });
    assert.ok('ok' in (await command(cb.room, 'say', { text: 'B after' })));
    await waitUntil(() => [phone, laptop].every((c) => ['from the phone', 'from the laptop', 'B after'].every((t) => chatOf(c).includes(t))), 10_000, () => `A’s devices: ${chatOf(phone)} / ${chatOf(laptop)}`);
    await waitUntil(() => lastHands(phone).join() === phone.ready.alias, 10_000, () => `A’s hand on the other device: ${handsOf(phone)}`);
    await waitUntil(() => chatOf(host).includes('B after') && chatOf(cb).includes('B after'), 10_000, () => 'B’s words with the host');
    assert.deepEqual(chatOf(host), ['B after']);
    assert.deepEqual(chatOf(cb), ['B after']);
    assert.deepEqual(handsOf(host), [], 'no hand told to the host');

    // Lifted on the operator route: from either device, A is seen again.
    await setShadowBan(a!, false);
    await waitUntil(() => lastHands(host).join() === phone.ready.alias && lastHands(cb).join() === phone.ready.alias, 10_000, () => `A’s hand back: ${handsOf(host)}`);
    assert.ok('ok' in (await command(laptop.room, 'say', { text: 'laptop again' })));
    assert.ok('ok' in (await command(phone.room, 'say', { text: 'phone again' })));
    await waitUntil(() => [host, cb].every((c) => chatOf(c).includes('laptop again') && chatOf(c).includes('phone again')), 10_000, () => `A seen again: ${chatOf(host)}`);
  });

  it('hides someone whose seat was reserved before the shadow-ban and taken after it', async () => {
    const [n0, n1] = suite.nodes;
    const { host, eventId, people: [a, b] } = await eventOnNode1(2);
    const cb = await join(n1.url, b!, eventId);
    suite.open.push(cb);
    // The door reads A's standing now, before the ban; A connects after it.
    const seat = await requestJson<Parameters<Client['consumeSeatReservation']>[0]>(n0.url, 'POST', `/matchmake/joinOrCreate/${LIVE_EVENT_ROOM}`, { token: a!.accessToken, body: { eventId } });
    assert.equal(seat.status, 200, JSON.stringify(seat.body));
    await setShadowBan(a!, true);
    const room = await new Client(n0.url).consumeSeatReservation(seat.body);
    const ca = { room, received: [] as Connection['received'] };
    room.onMessage('*', (type, message) => void ca.received.push({ type, message }));
    suite.open.push(ca);

    assert.ok('ok' in (await command(room, 'say', { text: 'psst from A' })));
    await waitUntil(() => chatOf(ca).includes('psst from A'), 10_000, () => 'A’s own words back to A');
    assert.ok('ok' in (await command(cb.room, 'say', { text: 'B after' })));
    await waitUntil(() => chatOf(host).includes('B after') && chatOf(cb).includes('B after') && chatOf(ca).includes('B after'), 10_000, () => 'B’s words with everyone');
    assert.deepEqual([chatOf(host), chatOf(cb)], [['B after'], ['B after']]);
  });
});
