import assert from 'node:assert/strict';
import { Client, type Room } from '@colyseus/sdk';
import { latLngToCell } from 'h3-js';
import { CHAT_ROOM } from '../../contracts/chat';
import { KismetCloseCode } from '../../contracts/common';
import { LOBBY_ROOM } from '../../contracts/deck';
import { LIVE_EVENT_ROOM, LiveEventMessageType, type LiveEventReady } from '../../contracts/liveEvents';
import type { TokenPair } from '../../contracts/auth';
import { CLOCK_TOLERANCE_S } from '../../domain/revocationList';
import { command, disconnect, expectJoinRefused, joinActor, registerUser, requestJson, TEST_PASSWORD, waitUntil, withTimeout, type ActorConnection } from '../support/accounts';
import { useTestCluster } from '../support/cluster';
import { personAt, watchLobby } from '../support/discovery';
import { scheduleEvent } from '../support/liveEvents';
import { joinThread, matchPeople, replyOf, type Person } from '../support/matches';
import { ADMIN_KEY } from '../support/operator';

const HERE = { lat: 48.8566, lng: 2.3522 };
const CELL = latLngToCell(HERE.lat, HERE.lng, 7);

const closeCode = (room: Room) => new Promise<number>((resolve) => room.onLeave((code) => resolve(code)));

/**
 * A banned or erased account leaves every actor it is connected to, whichever node
 * holds it and whichever node heard the ban, and a seat it reserved before cannot be
 * taken; so with an attendee a host removed.
 */
describe('connections of an account that was banned, erased or removed from an event, on two nodes', function () {
  const suite = useTestCluster(2, { ACTOR_PLACEMENT: 'local', ADMIN_API_KEY: ADMIN_KEY });

  const joinEvent = (url: string, user: TokenPair, eventId: string) =>
    joinActor<LiveEventReady>(url, user.accessToken, LIVE_EVENT_ROOM, { eventId }, LiveEventMessageType.READY);
  /** A seat reserved through matchmaking and held, as a client that connects later would. */
  const reserve = async (url: string, user: { readonly accessToken: string }, roomName: string, options: Record<string, unknown>) => {
    const seat = await requestJson<Parameters<Client['consumeSeatReservation']>[0]>(url, 'POST', `/matchmake/joinOrCreate/${roomName}`, { token: user.accessToken, body: options });
    assert.equal(seat.status, 200, JSON.stringify(seat.body));
    return { take: () => new Client(url).consumeSeatReservation(seat.body).then((room) => suite.open.push({ room })) };
  };
  const seatsTaken = async (eventId: string) =>
    (await suite.cluster.pool.query<{ attendee_count: number }>('select attendee_count from events where id = $1', [eventId])).rows[0]!.attendee_count;
  const leftAt = async (eventId: string, userId: string) =>
    (await suite.cluster.pool.query<{ left_at: Date | null }>('select left_at from attendance where event_id = $1 and user_id = $2', [eventId, userId])).rows;
  const lastHands = (host: ActorConnection) => (host.received.filter((m) => m.type === LiveEventMessageType.HANDS).at(-1)?.message as { hands: string[] } | undefined)?.hands;

  /**
   * `person` in a live event (hand raised) and watching their cell's lobby, both actors
   * on node 0, with a seat in each and in their thread reserved and not yet taken.
   */
  async function inEventAndLobby(person: Person, other: Person) {
    const [n0] = suite.nodes;
    const { recruiter, eventId } = await scheduleEvent(n0.url, 10);
    assert.equal((await requestJson(n0.url, 'POST', `/events/${eventId}/registrations`, { token: person.accessToken })).status, 201);
    const matchId = await matchPeople(person, other, [n0.url, n0.url]);
    const host = await joinEvent(n0.url, recruiter, eventId);
    const attending = await joinEvent(n0.url, person, eventId);
    const watching = await watchLobby(n0.url, person, CELL);
    const otherWatching = await watchLobby(n0.url, other, CELL);
    suite.open.push(host, attending, watching, otherWatching);
    replyOf(await command(attending.room, 'hand.raise'));
    await waitUntil(() => lastHands(host)?.length === 1);
    assert.equal(await seatsTaken(eventId), 1);
    const held = {
      event: await reserve(n0.url, person, LIVE_EVENT_ROOM, { eventId }),
      lobby: await reserve(n0.url, person, LOBBY_ROOM, { cell: CELL }),
      thread: await reserve(n0.url, person, CHAT_ROOM, { matchId }),
    };
    return { eventId, host, closed: { event: closeCode(attending.room), lobby: closeCode(watching.room) }, otherWatching, held };
  }

  /** What every case below expects once the account is gone: closed as its session is, seat given back, kept out. */
  async function expectLetGo(person: Person, at: Awaited<ReturnType<typeof inEventAndLobby>>, threadRefusal?: string) {
    const closed = await withTimeout(Promise.all([at.closed.event, at.closed.lobby]), 10_000, 'the event and lobby connections to close');
    assert.deepEqual(closed, [KismetCloseCode.SESSION_REVOKED, KismetCloseCode.SESSION_REVOKED]);
    // As at any leave: the seat is back, the attendance ends, the hand goes down.
    await waitUntil(async () => (await seatsTaken(at.eventId)) === 0 && (await leftAt(at.eventId, person.userId)).every((row) => row.left_at !== null), 10_000, () => 'the seat given back');
    await waitUntil(() => lastHands(at.host)?.length === 0, 10_000, () => 'the hand lowered');
    // The seats reserved before are refused when the client connects.
    assert.equal(await expectJoinRefused(at.held.event.take()), 'ACCOUNT_BANNED', 'event');
    assert.equal(await expectJoinRefused(at.held.lobby.take()), 'ACCOUNT_BANNED', 'lobby');
    const thread = await expectJoinRefused(at.held.thread.take());
    if (threadRefusal) assert.equal(thread, threadRefusal, 'thread');
    assert.equal(await seatsTaken(at.eventId), 0);
    assert.ok(at.otherWatching.room.connection.isOpen, 'the others watching stay');
  }

  it('a ban heard on another node closes the account’s live-event and lobby connections, gives back its seat, and refuses seats it reserved before', async function () {
    this.timeout(60_000);
    const [n0, n1] = suite.nodes;
    const [person, other] = await Promise.all([personAt(n0.url, HERE, 'banned'), personAt(n0.url, HERE, 'other')]);
    const at = await inEventAndLobby(person, other);
    const banned = await requestJson(n1.url, 'POST', `/admin/users/${person.userId}`, { token: ADMIN_KEY, body: { banned: true } });
    assert.equal(banned.status, 200);
    await expectLetGo(person, at, 'ACCOUNT_BANNED');
  });

  it('an erasure on another node does the same', async function () {
    this.timeout(60_000);
    const [n0, n1] = suite.nodes;
    const [person, other] = await Promise.all([personAt(n0.url, HERE, 'leaving'), personAt(n0.url, HERE, 'staying')]);
    const at = await inEventAndLobby(person, other);
    const deleted = await requestJson(n1.url, 'DELETE', '/me', { token: person.accessToken, body: { password: TEST_PASSWORD } });
    assert.equal(deleted.status, 200, JSON.stringify(deleted.body));
    // Its matches end with it: the thread goes for everyone, refusing as it goes.
    await expectLetGo(person, at);
  });

  it('refuses the event and lobby joins of an account banned or deleted in storage, whose token no node revoked', async function () {
    this.timeout(60_000);
    const [n0, n1] = suite.nodes;
    const { eventId } = await scheduleEvent(n0.url, 10);
    const [banned, erased] = await Promise.all([personAt(n0.url, HERE, 'banned'), personAt(n0.url, HERE, 'erased')]);
    for (const user of [banned, erased]) assert.equal((await requestJson(n0.url, 'POST', `/events/${eventId}/registrations`, { token: user.accessToken })).status, 201);
    // As a node that never heard the revocation sees it, or any node once it is forgotten: the account closed, its token not revoked.
    await suite.cluster.pool.query(`update users set status = 'banned' where id = $1`, [banned.userId]);
    await suite.cluster.pool.query('update users set deleted_at = now() where id = $1', [erased.userId]);
    for (const [user, what] of [[banned, 'banned'], [erased, 'deleted']] as const) {
      assert.equal((await requestJson(n1.url, 'GET', '/me/cards', { token: user.accessToken })).status, 200, `${what}: the token itself is taken`);
      for (const url of [n0.url, n1.url]) {
        assert.equal(await expectJoinRefused(joinEvent(url, user, eventId)), 'ACCOUNT_BANNED', `${what}: event`);
        assert.equal(await expectJoinRefused(watchLobby(url, user, CELL)), 'ACCOUNT_BANNED', `${what}: lobby`);
      }
    }
    assert.equal(await seatsTaken(eventId), 0);
  });

  it('refuses an attendee a host removed the seat they reserved before the removal', async function () {
    this.timeout(60_000);
    const [n0] = suite.nodes;
    const { recruiter, eventId } = await scheduleEvent(n0.url, 10);
    const [pest, guest] = await Promise.all([personAt(n0.url, HERE, 'pest'), personAt(n0.url, HERE, 'guest')]);
    for (const user of [pest, guest]) assert.equal((await requestJson(n0.url, 'POST', `/events/${eventId}/registrations`, { token: user.accessToken })).status, 201);
    const host = await joinEvent(n0.url, recruiter, eventId);
    const attending = await joinEvent(n0.url, pest, eventId);
    suite.open.push(host, attending);
    const held = await reserve(n0.url, pest, LIVE_EVENT_ROOM, { eventId });
    const guestHeld = await reserve(n0.url, guest, LIVE_EVENT_ROOM, { eventId });
    const closed = closeCode(attending.room);
    replyOf(await command(host.room, 'remove', { alias: attending.ready.alias }));
    assert.equal(await withTimeout(closed, 10_000, 'the removed attendee’s connection to close'), KismetCloseCode.REMOVED_FROM_EVENT);
    await waitUntil(async () => (await seatsTaken(eventId)) === 0);
    assert.equal(await expectJoinRefused(held.take()), 'REMOVED_FROM_EVENT');
    assert.equal(await seatsTaken(eventId), 0, 'no seat for the refused');
    // Someone else's seat reserved at the same moment is theirs.
    await guestHeld.take();
    await waitUntil(async () => (await seatsTaken(eventId)) === 1);
    await Promise.all([host, attending].map(disconnect));
  });

  it('refuses a seat reserved before its session logged out, and lets an account unbanned since take new ones', async function () {
    this.timeout(60_000);
    const [n0, n1] = suite.nodes;
    const { eventId } = await scheduleEvent(n0.url, 10);
    const user = await registerUser(n0.url);
    assert.equal((await requestJson(n0.url, 'POST', `/events/${eventId}/registrations`, { token: user.accessToken })).status, 201);
    const held = await reserve(n0.url, user, LIVE_EVENT_ROOM, { eventId });
    assert.equal((await requestJson(n1.url, 'POST', '/auth/logout', { body: { refreshToken: user.refreshToken } })).status, 200);
    assert.equal(await expectJoinRefused(held.take()), 'TOKEN_REVOKED');
    assert.equal(await seatsTaken(eventId), 0);

    // Banned, then the ban lifted: the tokens of a new log-in open the doors the ban closed.
    for (const banned of [true, false]) assert.equal((await requestJson(n1.url, 'POST', `/admin/users/${user.userId}`, { token: ADMIN_KEY, body: { banned } })).status, 200);
    // A token says when it was signed in whole seconds, and one signed within the clocks' tolerance of the ban
    // counts as signed before it (its node's clock may be ahead of the banning node's).
    const liftedBy = Date.now();
    await waitUntil(() => Math.floor(Date.now() / 1000) * 1000 > liftedBy + CLOCK_TOLERANCE_S * 1000, (CLOCK_TOLERANCE_S + 5) * 1000, () => 'the ban’s tolerance past');
    const again = await requestJson<TokenPair>(n0.url, 'POST', '/auth/login', { body: { email: user.email, password: TEST_PASSWORD } });
    assert.equal(again.status, 200, JSON.stringify(again.body));
    const back = await joinEvent(n0.url, again.body, eventId);
    suite.open.push(back);
    assert.equal(await seatsTaken(eventId), 1);
  });
});
