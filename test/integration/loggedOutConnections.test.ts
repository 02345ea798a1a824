import assert from 'node:assert/strict';
import type { Room } from '@colyseus/sdk';
import { latLngToCell } from 'h3-js';
import type { TokenPair } from '../../contracts/auth';
import { KismetCloseCode } from '../../contracts/common';
import { LIVE_EVENT_ROOM, LiveEventMessageType, type LiveEventReady } from '../../contracts/liveEvents';
import { SessionEventType, type DevicesChangedMessage } from '../../contracts/session';
import {
  command, connectDevice, disconnect, expectJoinRefused, joinActor, requestJson, TEST_PASSWORD, waitForEvents, waitUntil, withTimeout, type ActorConnection,
} from '../support/accounts';
import { useTestCluster } from '../support/cluster';
import { crowdAt, personAt, watchLobby } from '../support/discovery';
import { scheduleEvent } from '../support/liveEvents';
import { joinThread, matchPeople, replyOf, type Person } from '../support/matches';

/** Each case in a cell of its own: a lobby tells its watchers a count only when it changed. */
const PARIS = { lat: 48.8566, lng: 2.3522 };
const LYON = { lat: 45.764, lng: 4.8357 };
const cellOf = (at: { lat: number; lng: number }) => latLngToCell(at.lat, at.lng, 7);

const closeCode = (room: Room) => new Promise<number>((resolve) => room.onLeave((code) => resolve(code)));

/**
 * A log-in session revoked (a log-out, a reused refresh token) closes the connections
 * its tokens opened, on every actor and every node, as a ban closes an account's: a
 * thief who joined with a stolen token hears nothing more. The account's other log-in
 * (another phone) stays connected.
 */
describe('connections of a log-in session that was logged out or whose refresh token came back, on two nodes', function () {
  const suite = useTestCluster(2, { ACTOR_PLACEMENT: 'local' });

  const seatsTaken = async (eventId: string) =>
    (await suite.cluster.pool.query<{ attendee_count: number }>('select attendee_count from events where id = $1', [eventId])).rows[0]!.attendee_count;
  const leftAt = async (eventId: string, userId: string) =>
    (await suite.cluster.pool.query<{ left_at: Date | null }>('select left_at from attendance where event_id = $1 and user_id = $2', [eventId, userId])).rows;
  const lastHands = (host: ActorConnection) => (host.received.filter((m) => m.type === LiveEventMessageType.HANDS).at(-1)?.message as { hands: string[] } | undefined)?.hands;
  const lastDevices = (device: ActorConnection) => (device.received.filter((m) => m.type === SessionEventType.DEVICES_CHANGED).at(-1)?.message as DevicesChangedMessage | undefined)?.devices;

  /** The access tokens of the first log-in that open each of its connections (a refresh gives the same session a second one). */
  interface FirstLogin {
    readonly device: string;
    readonly thread: string;
    readonly lobby: string;
    readonly event: string;
  }

  /**
   * `person` connected with their first log-in's tokens to their session (on node 1),
   * their thread with `partner` (node 0), their cell's lobby and a live event (hand
   * raised, seat taken), and with a second log-in to their session from another phone.
   */
  async function loggedInTwice(person: Person, partner: Person, first: FirstLogin, place: { lat: number; lng: number }) {
    const [n0, n1] = suite.nodes;
    const cell = cellOf(place);
    // Four more people online there: with the person the partner sees five others, without them "a few" (0).
    suite.open.push(...(await crowdAt(n1.url, place, 4)));
    const again = await requestJson<TokenPair>(n0.url, 'POST', '/auth/login', { body: { email: person.email, password: TEST_PASSWORD } });
    assert.equal(again.status, 200, JSON.stringify(again.body));
    const second = again.body;
    const matchId = await matchPeople(person, partner, [n1.url, n0.url]);
    const { recruiter, eventId } = await scheduleEvent(n0.url, 10);
    assert.equal((await requestJson(n0.url, 'POST', `/events/${eventId}/registrations`, { token: person.accessToken })).status, 201);
    const host = await joinActor<LiveEventReady>(n0.url, recruiter.accessToken, LIVE_EVENT_ROOM, { eventId }, LiveEventMessageType.READY);
    const partnerThread = await joinThread(n0.url, partner, matchId);
    const partnerWatching = await watchLobby(n0.url, partner, cell);
    suite.open.push(host, partnerThread, partnerWatching);

    const firstLogin = {
      device: await connectDevice(n1.url, { userId: person.userId, accessToken: first.device }, 'phone-1'),
      thread: await joinThread(n0.url, { ...person, accessToken: first.thread }, matchId),
      lobby: await watchLobby(n1.url, { accessToken: first.lobby }, cell),
      event: await joinActor<LiveEventReady>(n0.url, first.event, LIVE_EVENT_ROOM, { eventId }, LiveEventMessageType.READY),
    };
    const otherPhone = await connectDevice(n0.url, { userId: person.userId, accessToken: second.accessToken }, 'phone-2');
    suite.open.push(...Object.values(firstLogin), otherPhone);
    // Spread over both nodes: whichever answers the revocation, the other hears it on the bus.
    assert.notEqual(firstLogin.device.ready.node, firstLogin.thread.ready.node, 'the session and the thread on different nodes');
    assert.equal(otherPhone.ready.node, firstLogin.device.ready.node, 'one session actor for both phones');

    replyOf(await command(firstLogin.event.room, 'hand.raise'));
    await waitUntil(() => lastHands(host)?.length === 1);
    assert.equal(await seatsTaken(eventId), 1);
    // The person's place in their cell's lobby, held by their session while a phone is online.
    await waitUntil(() => partnerWatching.counts().at(-1) === 5, 10_000, () => `the person placed in the lobby: ${partnerWatching.counts()}`);
    const nearbyBefore = partnerWatching.counts().at(-1);
    let otherPhoneClosed: number | undefined;
    otherPhone.room.onLeave((code) => (otherPhoneClosed = code));
    const closed = Object.fromEntries(Object.entries(firstLogin).map(([name, connection]) => [name, closeCode(connection.room)]));
    return { second, matchId, eventId, host, partnerThread, partnerWatching, nearbyBefore, otherPhone, closed, otherPhoneClosed: () => otherPhoneClosed };
  }

  /** What each case expects once the first log-in is revoked. */
  async function expectFirstLoginClosed(person: Person, at: Awaited<ReturnType<typeof loggedInTwice>>) {
    const names = Object.keys(at.closed);
    const codes = await withTimeout(Promise.all(Object.values(at.closed)), 10_000, 'the first log-in’s connections to close');
    assert.deepEqual(Object.fromEntries(names.map((name, i) => [name, codes[i]])), Object.fromEntries(names.map((name) => [name, KismetCloseCode.SESSION_REVOKED])));
    // As at any leave: the event's seat is back, the attendance ends, the hand goes down; the session has one device left.
    await waitUntil(async () => (await seatsTaken(at.eventId)) === 0 && (await leftAt(at.eventId, person.userId)).every((row) => row.left_at !== null), 10_000, () => 'the seat given back');
    await waitUntil(() => lastHands(at.host)?.length === 0, 10_000, () => 'the hand lowered');
    await waitUntil(() => lastDevices(at.otherPhone)?.map((d) => d.deviceId).join() === 'phone-2', 10_000, () => `devices: ${JSON.stringify(lastDevices(at.otherPhone))}`);
    // The lobby closed the first log-in's watcher and kept the place the other phone's session holds (a count goes out within a second).
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    assert.deepEqual(at.partnerWatching.counts().at(-1), at.nearbyBefore, 'the person still counts in the lobby');

    // The other phone stays, and still hears what happens: the partner's message reaches it.
    assert.equal(at.otherPhoneClosed(), undefined, 'the other log-in’s phone stays connected');
    assert.ok(at.otherPhone.room.connection.isOpen);
    replyOf(await command(at.partnerThread.room, 'send', { clientMessageId: 'after-logout', kind: 'text', body: 'still there?' }));
    await waitForEvents(at.otherPhone, (events) => events.some((e) => e.type === 'message.received' && e.data['matchId'] === at.matchId));
    // And the second log-in still opens the doors the first one's tokens no longer do.
    const n1 = suite.nodes[1];
    const thread = await joinThread(n1.url, { ...person, ...at.second }, at.matchId);
    suite.open.push(thread);
    assert.equal(await expectJoinRefused(joinThread(n1.url, person, at.matchId)), 'TOKEN_REVOKED');
    await Promise.all([thread, at.otherPhone, at.partnerThread, at.partnerWatching, at.host].map(disconnect));
  }

  it('a log-out answered by one node closes the session’s connections on both, and not those of the account’s other log-in', async function () {
    this.timeout(60_000);
    const [n0, n1] = suite.nodes;
    const [person, partner] = await Promise.all([personAt(n1.url, PARIS, 'logging out'), personAt(n0.url, PARIS, 'partner')]);
    const token = person.accessToken;
    const at = await loggedInTwice(person, partner, { device: token, thread: token, lobby: token, event: token }, PARIS);
    assert.equal((await requestJson(n0.url, 'POST', '/auth/logout', { body: { refreshToken: person.refreshToken } })).status, 200);
    await expectFirstLoginClosed(person, at);
  });

  it('a reused refresh token closes every connection of its session, opened with tokens before and after the rotation', async function () {
    this.timeout(60_000);
    const [n0, n1] = suite.nodes;
    const [person, partner] = await Promise.all([personAt(n1.url, LYON, 'robbed'), personAt(n0.url, LYON, 'partner')]);
    const rotated = await requestJson<TokenPair>(n0.url, 'POST', '/auth/refresh', { body: { refreshToken: person.refreshToken } });
    assert.equal(rotated.status, 200, JSON.stringify(rotated.body));
    const [before, after] = [person.accessToken, rotated.body.accessToken];
    const at = await loggedInTwice(person, partner, { device: before, thread: after, lobby: after, event: before }, LYON);
    // The chain moves on: the first token back is a copy, not a retry whose answer was lost.
    assert.equal((await requestJson(n0.url, 'POST', '/auth/refresh', { body: { refreshToken: rotated.body.refreshToken } })).status, 200);
    const reused = await requestJson<{ code: string }>(n0.url, 'POST', '/auth/refresh', { body: { refreshToken: person.refreshToken } });
    assert.equal(reused.body.code, 'REFRESH_TOKEN_REUSED');
    await expectFirstLoginClosed(person, at);
  });
});
