import assert from 'node:assert/strict';
import { LIVE_EVENT_ROOM, LiveEventMessageType, type LiveEventReady } from '../../contracts/liveEvents';
import type { TokenPair } from '../../contracts/auth';
import { expectJoinRefused, joinActor, registerUser, requestJson, waitUntil } from '../support/accounts';
import { useTestCluster } from '../support/cluster';
import { ADMIN_KEY } from '../support/operator';
import { scheduleEvent } from '../support/liveEvents';
import { MAX_EVENTS_CREATED_PER_HOST, MAX_UPCOMING_EVENTS_PER_HOST } from '../../domain/liveEventRules';

/**
 * An event stands for its host and its job: a scam recruiter banned, a host nobody may see
 * (shadow-banned), a job a moderator took down. Their events are closed to everyone but
 * their hosts, as if there were none, and call nobody to them.
 */
type Scheduled = Awaited<ReturnType<typeof scheduleEvent>>;

describe('events whose host is hidden or whose job was taken down, on two nodes', function () {
  const suite = useTestCluster(2, { ACTOR_PLACEMENT: 'local', ADMIN_API_KEY: ADMIN_KEY });

  const join = (url: string, user: TokenPair, eventId: string) =>
    joinActor<LiveEventReady>(url, user.accessToken, LIVE_EVENT_ROOM, { eventId }, LiveEventMessageType.READY);
  const admin = (url: string, userId: string, body: Record<string, boolean>) => requestJson(url, 'POST', `/admin/users/${userId}`, { token: ADMIN_KEY, body });
  const noticesOf = async (userId: string) =>
    (await suite.cluster.pool.query<{ event_id: string }>("select payload->>'eventId' as event_id from stored_events where user_id = $1 and type = 'event.starting'", [userId]))
      .rows.map((r) => r.event_id);

  it('are their hosts’ alone: nobody else registers, joins or is called to them, until the host is seen again', async () => {
    const [n0, n1] = suite.nodes;
    const [shadowed, banned, takenDown, open] = (await Promise.all([0, 1, 2, 3].map((i) => scheduleEvent(i % 2 ? n1.url : n0.url, 10)))) as [Scheduled, Scheduled, Scheduled, Scheduled];
    const jobOf = async (eventId: string) => (await suite.cluster.pool.query<{ job_card_id: string }>('select job_card_id from events where id = $1', [eventId])).rows[0]!.job_card_id;
    assert.equal((await admin(n1.url, shadowed.recruiter.userId, { shadowBanned: true })).status, 200);
    assert.equal((await admin(n0.url, banned.recruiter.userId, { banned: true })).status, 200);
    const job = await jobOf(takenDown.eventId);
    assert.equal((await requestJson(n1.url, 'DELETE', `/cards/${job}`, { token: takenDown.recruiter.accessToken })).status, 200);
    const closed = [shadowed, banned, takenDown].map((e) => e.eventId);

    // Someone registered before (written as such), and someone who tries now.
    const [early, late] = await Promise.all([registerUser(n0.url), registerUser(n1.url)]);
    for (const eventId of closed) await suite.cluster.pool.query('insert into registrations (event_id, user_id) values ($1, $2)', [eventId, early.userId]);
    assert.equal((await requestJson(n0.url, 'POST', `/events/${open.eventId}/registrations`, { token: early.accessToken })).status, 201);
    for (const eventId of closed) {
      const registration = await requestJson<{ code: string }>(n1.url, 'POST', `/events/${eventId}/registrations`, { token: late.accessToken });
      assert.deepEqual([registration.status, registration.body.code], [404, 'EVENT_NOT_FOUND'], eventId);
      assert.equal(await expectJoinRefused(join(n0.url, early, eventId)), 'EVENT_NOT_FOUND', eventId);
    }
    // The open event's notice is stored in the same round that finds the others due: none of them is called.
    await waitUntil(async () => (await noticesOf(early.userId)).includes(open.eventId), 30_000, () => 'the open event’s notice');
    assert.deepEqual(await noticesOf(early.userId), [open.eventId]);

    // The shadow-banned host sees nothing changed: their event opens for them as ever.
    const host = await join(n1.url, shadowed.recruiter, shadowed.eventId);
    suite.open.push(host);
    assert.equal(host.ready.role, 'host');
    // Seen again, the event is open to its registrants.
    assert.equal((await admin(n0.url, shadowed.recruiter.userId, { shadowBanned: false })).status, 200);
    const back = await join(n0.url, early, shadowed.eventId);
    suite.open.push(back);
    assert.equal(back.ready.role, 'audience');
  });

  it(`let a host have at most ${MAX_UPCOMING_EVENTS_PER_HOST} events not yet over, however many they create at once`, async () => {
    const [n0, n1] = suite.nodes;
    const { recruiter, eventId } = await scheduleEvent(n0.url, 10);
    const job = (await suite.cluster.pool.query<{ job_card_id: string }>('select job_card_id from events where id = $1', [eventId])).rows[0]!.job_card_id;
    const now = Date.now();
    const body = { jobCardId: job, title: 'Another day', startsAt: new Date(now + 3_600_000).toISOString(), endsAt: new Date(now + 7_200_000).toISOString(), capacity: 5 };
    const create = (url: string) => requestJson<{ code?: string }>(url, 'POST', '/events', { token: recruiter.accessToken, body });
    const answers = await Promise.all(Array.from({ length: MAX_UPCOMING_EVENTS_PER_HOST + 9 }, (_, i) => create(i % 2 ? n1.url : n0.url)));
    const created = answers.filter((a) => a.status === 201).length;
    assert.equal(created, MAX_UPCOMING_EVENTS_PER_HOST - 1, 'with the one scheduled first');
    assert.ok(answers.every((a) => a.status === 201 || (a.status === 409 && a.body.code === 'EVENT_LIMIT_REACHED')), JSON.stringify(answers.find((a) => a.status !== 201)));
    const stored = async () => Number((await suite.cluster.pool.query<{ n: string }>('select count(*) as n from events where host_id = $1', [recruiter.userId])).rows[0]!.n);
    assert.equal(await stored(), MAX_UPCOMING_EVENTS_PER_HOST);
    // One that is over no longer counts.
    await suite.cluster.pool.query("update events set starts_at = now() - interval '2 hours', ends_at = now() - interval '1 hour' where id = $1", [eventId]);
    assert.equal((await create(n1.url)).status, 201);
    assert.equal((await create(n0.url)).body.code, 'EVENT_LIMIT_REACHED');
  });

  it(`let a host create at most ${MAX_EVENTS_CREATED_PER_HOST} events in 30 days, over ones included`, async () => {
    const [n0, n1] = suite.nodes;
    const { recruiter, eventId } = await scheduleEvent(n0.url, 10);
    const job = (await suite.cluster.pool.query<{ job_card_id: string }>('select job_card_id from events where id = $1', [eventId])).rows[0]!.job_card_id;
    // Short events made one after another: each is over, so none counts as not yet over.
    await suite.cluster.pool.query(
      `insert into events (id, host_id, job_card_id, title, starts_at, ends_at, capacity)
       select gen_random_uuid(), $1, $2, 'Over', now() - interval '2 hours', now() - interval '1 hour', 5 from generate_series(1, $3::int)`,
      [recruiter.userId, job, MAX_EVENTS_CREATED_PER_HOST - 1],
    );
    const now = Date.now();
    const body = { jobCardId: job, title: 'Another day', startsAt: new Date(now + 3_600_000).toISOString(), endsAt: new Date(now + 7_200_000).toISOString(), capacity: 5 };
    const create = (url: string) => requestJson<{ code?: string }>(url, 'POST', '/events', { token: recruiter.accessToken, body });
    const refused = await create(n1.url);
    assert.deepEqual([refused.status, refused.body.code], [409, 'EVENT_LIMIT_REACHED']);
    const stored = async () => Number((await suite.cluster.pool.query<{ n: string }>('select count(*) as n from events where host_id = $1', [recruiter.userId])).rows[0]!.n);
    assert.equal(await stored(), MAX_EVENTS_CREATED_PER_HOST);
    // One created more than 30 days ago no longer counts.
    await suite.cluster.pool.query("update events set created_at = now() - interval '31 days' where id = $1", [eventId]);
    assert.equal((await create(n0.url)).status, 201);
    assert.equal((await create(n1.url)).body.code, 'EVENT_LIMIT_REACHED');
  });
});
