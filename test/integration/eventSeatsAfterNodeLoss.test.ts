import assert from 'node:assert/strict';
import { LIVE_EVENT_ROOM, LiveEventMessageType, type LiveEventReady } from '../../contracts/liveEvents';
import type { TokenPair } from '../../contracts/auth';
import { claimSeats, recordDepartures, startSeatGeneration } from '../../db/repositories/eventSeatRepository';
import { expectJoinRefused, joinActor, registerUser, requestJson } from '../support/accounts';
import { useTestCluster } from '../support/cluster';
import { useClusterDatabase } from '../support/clusterDatabase';
import { scheduleEvent } from '../support/liveEvents';

describe('a live event’s seats after its node dies', function () {
  // A dead node's lease lapses in ¾ s: the joins through the survivor wait that long, then create the event here.
  const suite = useTestCluster(2, { ACTOR_PLACEMENT: 'local', STALE_NODE_TIMEOUT_MS: '500' });
  const database = useClusterDatabase(suite, 2);

  const join = (url: string, user: TokenPair, eventId: string) =>
    joinActor<LiveEventReady>(url, user.accessToken, LIVE_EVENT_ROOM, { eventId }, LiveEventMessageType.READY);
  const seats = async (eventId: string) =>
    (await suite.cluster.pool.query<{ attendee_count: number }>('select attendee_count from events where id = $1', [eventId])).rows[0]!.attendee_count;
  const attendance = async (eventId: string) =>
    (await suite.cluster.pool.query<{ user_id: string; left_at: Date | null }>('select user_id, left_at from attendance where event_id = $1', [eventId])).rows;
  const registrants = async (url: string, eventId: string, count: number) =>
    Promise.all(Array.from({ length: count }, async () => {
      const user = await registerUser(url);
      assert.equal((await requestJson(url, 'POST', `/events/${eventId}/registrations`, { token: user.accessToken })).status, 201);
      return user;
    }));

  it('seats everyone who comes back through another node, and is full again only at its capacity', async function () {
    this.timeout(120_000);
    const [doomed, survivor] = suite.nodes;
    const { eventId } = await scheduleEvent(survivor.url, 3);
    const [p, q, r, latecomer] = await registrants(survivor.url, eventId, 4);
    const people = [p!, q!, r!];
    for (const person of people) await join(doomed.url, person, eventId); // the event's actor lives on the doomed node
    assert.equal(await seats(eventId), 3);

    await doomed.kill(); // SIGKILL: no leave runs, its seats and attendance stay as they were
    const back = await Promise.all(people.map((person) => join(survivor.url, person, eventId)));
    suite.open.push(...back);
    assert.equal(await seats(eventId), 3, 'the seats the dead node held are not counted twice');
    const rows = await attendance(eventId);
    assert.equal(rows.length, 6);
    assert.deepEqual(rows.filter((row) => row.left_at === null).map((row) => row.user_id).sort(), people.map((person) => person.userId).sort(), 'what the dead node left open is closed; each person is in once');
    assert.equal(await expectJoinRefused(join(survivor.url, latecomer!, eventId)), 'EVENT_FULL');
  });

  it('counts nobody out twice: a departure of an instance taken over from, or one sent again, gives back nothing more', async () => {
    const [, survivor] = suite.nodes;
    const { eventId } = await scheduleEvent(survivor.url, 3);
    const [p, q] = await registrants(survivor.url, eventId, 2);
    suite.open.push(await join(survivor.url, p!, eventId), await join(survivor.url, q!, eventId));
    const { rows } = await suite.cluster.pool.query<{ seat_generation: number }>('select seat_generation from events where id = $1', [eventId]);
    const generation = rows[0]!.seat_generation;

    // q's departure, stored and then sent again (its first answer lost): one seat back.
    const leaving = { eventId, userId: q!.userId, seated: true, generation, at: new Date() };
    await recordDepartures(database.db, [leaving]);
    await recordDepartures(database.db, [leaving]);
    assert.equal(await seats(eventId), 1);

    // Another instance takes over (p still in the first one, which is being let go) and seats someone; the first one
    // still tries to seat one, and p's departure from it arrives late.
    assert.equal(await startSeatGeneration(database.db, eventId, new Date()), generation + 1);
    assert.deepEqual(await claimSeats(database.db, [{ eventId, generation: generation + 1 }, { eventId, generation }]), ['granted', 'superseded']);
    await recordDepartures(database.db, [{ eventId, userId: p!.userId, seated: true, generation, at: new Date() }]);
    assert.equal(await seats(eventId), 1, 'what the new instance holds, not less');
    assert.ok((await attendance(eventId)).every((row) => row.left_at !== null), 'the first instance’s attendance closed at the takeover');
  });
});
