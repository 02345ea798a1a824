import assert from 'node:assert/strict';
import type { CallStarted } from '../../contracts/calls';
import { DomainEventSchema } from '../../contracts/domainEvents';
import { DOMAIN_EVENT_TYPES } from '../../domain/domainEvents';
import { command, connectDevice, disconnect, requestJson, TEST_PASSWORD } from '../support/accounts';
import { BACKENDS, useSingleNode } from '../support/backends';
import { metricValue, useTestCluster } from '../support/cluster';
import { joinThread, matchPeople, registerPerson, replyOf } from '../support/matches';
import { eventsOfType, outboxPublished, type StreamedEvent, type TestStream, useNatsStream } from '../support/nats';
import { ADMIN_KEY } from '../support/operator';

const REPORT_REASON = 'a reason only moderators read';
const MESSAGE_TEXT = 'text that never leaves';

/** What the platform did, with the ids its domain events must carry. */
interface Story {
  readonly a: string;
  readonly b: string;
  readonly c: string;
  readonly matchId: string;
  readonly callId: string;
  readonly reportId: string;
  /** The card of A's the report names. */
  readonly reportedCardId: string;
  /** Swiped, then deleted the account. */
  readonly d: string;
}

/**
 * A pass, a match (two likes), a message, a cancelled call, a report, an
 * unmatch, a ban (twice) and an account deleted, spread over the two URLs given.
 */
async function tellStory(urls: readonly [string, string]): Promise<Story> {
  const [u0, u1] = urls;
  const [a, b, c] = await Promise.all([registerPerson(u0, 'A'), registerPerson(u1, 'B'), registerPerson(u0, 'C')]);
  const device = await connectDevice(u1, a, 'phone');
  replyOf(await command(device.room, 'swipe', { fromCardId: a.card.id, toCardId: c.card.id, action: 'pass' }));
  await disconnect(device);
  const matchId = await matchPeople(a, b, [u0, u1]);

  const thread = await joinThread(u1, a, matchId);
  replyOf(await command(thread.room, 'send', { clientMessageId: 'm-1', kind: 'text', body: MESSAGE_TEXT }));
  await disconnect(thread);

  const caller = await connectDevice(u0, a, 'phone');
  const started = replyOf<CallStarted>(await command(caller.room, 'call.start', { matchId, media: 'audio' }));
  replyOf(await command(caller.room, 'call.cancel', { callId: started.callId }));
  await disconnect(caller);

  const report = await requestJson<{ reportId: string }>(u1, 'POST', '/reports', { token: b.accessToken, body: { userId: a.userId, context: 'profile', contextId: a.card.id, reason: REPORT_REASON } });
  assert.equal(report.status, 201);
  assert.equal((await requestJson(u0, 'DELETE', `/me/matches/${matchId}`, { token: b.accessToken })).status, 200);
  for (const url of urls) {
    const banned = await requestJson(url, 'POST', `/admin/users/${c.userId}`, { token: ADMIN_KEY, body: { banned: true } });
    assert.equal(banned.status, 200);
  }
  const d = await registerPerson(u1, 'D');
  const leaving = await connectDevice(u0, d, 'phone');
  replyOf(await command(leaving.room, 'swipe', { fromCardId: d.card.id, toCardId: a.card.id, action: 'pass' }));
  await disconnect(leaving);
  assert.equal((await requestJson(u1, 'DELETE', '/me', { token: d.accessToken, body: { password: TEST_PASSWORD } })).status, 200);
  return { a: a.userId, b: b.userId, c: c.userId, matchId, callId: started.callId, reportId: report.body.reportId, reportedCardId: a.card.id, d: d.userId };
}

/** The one event of `type` the predicate picks, checked for its envelope, subject and message id. */
function single(stream: TestStream, events: readonly StreamedEvent[], type: string, where: (data: Record<string, unknown>) => boolean): Record<string, unknown> {
  const found = eventsOfType(events, type, where);
  assert.equal(found.length, 1, `one ${type} (${found.length})`);
  const { event, subject, msgId } = found[0]!;
  assert.equal(subject, `${stream.prefix}.${type}`);
  assert.equal(msgId, event.id, 'published with its id as Nats-Msg-Id');
  assert.equal(event.version, 1);
  assert.match(event.id, /^[0-9a-f-]{36}$/);
  assert.ok(!Number.isNaN(Date.parse(event.occurredAt)));
  return event.data as unknown as Record<string, unknown>;
}

/** Checks every event of the story arrived once, with its documented payload. */
async function checkStory(stream: TestStream, story: Story): Promise<StreamedEvent[]> {
  const events = await stream.waitFor((all) => ['account.banned', 'account.erased', 'match.ended', 'report.filed'].every((type) => eventsOfType(all, type).length >= 1));
  assert.equal(new Set(events.map((m) => m.event.id)).size, events.length, 'no event twice');
  assert.ok(events.every((m) => (DOMAIN_EVENT_TYPES as readonly string[]).includes(m.event.type)));
  for (const m of events) DomainEventSchema.parse(m.event); // every event matches its documented schema

  const pass = single(stream, events, 'swipe.recorded', (d) => d['swiperId'] === story.a && d['action'] === 'pass');
  assert.equal(pass['toOwnerId'], story.c);
  assert.match(String(pass['swipeId']), /^[0-9]+$/);
  const likes = eventsOfType(events, 'swipe.recorded', (d) => d['action'] === 'like');
  assert.deepEqual(likes.map((m) => m.event.data).map((d) => (d as unknown as Record<string, string>)['swiperId']).sort(), [story.a, story.b].sort());

  const match = single(stream, events, 'match.created', (d) => d['matchId'] === story.matchId);
  assert.deepEqual([...(match['userIds'] as string[])].sort(), [story.a, story.b].sort());
  assert.equal((match['cardIds'] as string[]).length, 2);

  const message = single(stream, events, 'message.stored', (d) => d['matchId'] === story.matchId);
  assert.deepEqual(message, { matchId: story.matchId, seq: 1, senderId: story.a, kind: 'text', length: MESSAGE_TEXT.length, hidden: false });

  const call = single(stream, events, 'call.ended', (d) => d['callId'] === story.callId);
  assert.deepEqual(call, { callId: story.callId, matchId: story.matchId, callerId: story.a, calleeId: story.b, media: 'audio', state: 'cancelled', reason: 'cancelled', durationS: null });

  const report = single(stream, events, 'report.filed', (d) => d['reportId'] === story.reportId);
  assert.deepEqual(report, { reportId: story.reportId, reporterId: story.b, reportedId: story.a, contextKind: 'profile', contextId: story.reportedCardId });

  const ended = single(stream, events, 'match.ended', (d) => d['matchId'] === story.matchId);
  assert.deepEqual(ended, { matchId: story.matchId, status: 'unmatched', memberIds: [story.a, story.b].sort() });

  // Banned twice: one event.
  assert.deepEqual(single(stream, events, 'account.banned', (d) => d['userId'] === story.c), { userId: story.c });
  // A person who deleted their account: consumers are told to forget what the bus brought of them (their swipe).
  assert.equal(single(stream, events, 'swipe.recorded', (d) => d['swiperId'] === story.d)['toOwnerId'], story.a);
  assert.deepEqual(single(stream, events, 'account.erased', (d) => d['userId'] === story.d), { userId: story.d });

  const text = JSON.stringify(events.map((m) => m.event));
  assert.ok(!text.includes(MESSAGE_TEXT) && !text.includes(REPORT_REASON), 'no message text or report reason on the bus');
  return events;
}

describe('domain events to NATS JetStream', function () {
  for (const backend of BACKENDS) {
    describe(`one node, ${backend.name}`, function () {
      const stream = useNatsStream();
      const suite = useSingleNode(backend, Object.assign(stream.env, { ADMIN_API_KEY: ADMIN_KEY }));

      it('a swipe, a match, a message, a call end, a report, an unmatch, a ban and an erasure each arrive once on their subject', async () => {
        const story = await tellStory([suite.node.url, suite.node.url]);
        const events = await checkStory(stream, story);
        assert.equal(await metricValue(suite.node, /^kismet_dependency_up\{dependency="nats"/), 1);
        const published = await metricValue(suite.node, /^kismet_domain_events_published_total\{[^}]*type="message.stored"/);
        assert.equal(published, eventsOfType(events, 'message.stored').length);
      });

      it('stops on SIGTERM with its NATS connection closed, exit code 0 (not at the shutdown deadline)', async () => {
        assert.equal(await suite.node.stop(), 0, suite.node.output());
      });
    });
  }

  describe('two nodes sharing Redis and Postgres', function () {
    const stream = useNatsStream();
    const suite = useTestCluster(2, Object.assign(stream.env, { ADMIN_API_KEY: ADMIN_KEY }));

    it('each event arrives once whichever node stored it, and every outbox row is published', async () => {
      const [n0, n1] = suite.nodes;
      const story = await tellStory([n0.url, n1.url]);
      await checkStory(stream, story);
      await outboxPublished(suite.cluster.pool);
      const rows = await suite.cluster.pool.query<{ id: string }>('select id::text from domain_event_outbox');
      const published = await stream.messages();
      assert.equal(published.length, rows.rows.length);
      assert.deepEqual(new Set(published.map((m) => m.event.id)), new Set(rows.rows.map((r) => r.id)));
      const byNode = await Promise.all([n0, n1].map((n) => metricValue(n, /^kismet_domain_events_published_total\{[^}]*type="swipe.recorded"/)));
      assert.equal(byNode.filter((v) => !Number.isNaN(v)).reduce((x, y) => x + y, 0), eventsOfType(published, 'swipe.recorded').length);
    });
  });

  describe('a node without NATS_URL', function () {
    const suite = useTestCluster(1, { ADMIN_API_KEY: ADMIN_KEY });

    it('writes no domain outbox rows and publishes nothing', async () => {
      const [n0] = suite.cluster.nodes;
      const story = await tellStory([n0!.url, n0!.url]);
      const stored = await suite.cluster.pool.query<{ n: string }>('select count(*) as n from messages where match_id = $1', [story.matchId]);
      assert.equal(Number(stored.rows[0]!.n), 1, 'the facts are stored');
      const rows = await suite.cluster.pool.query<{ n: string }>('select count(*) as n from domain_event_outbox');
      assert.equal(Number(rows.rows[0]!.n), 0);
      assert.ok(Number.isNaN(await metricValue(n0!, /^kismet_dependency_up\{dependency="nats"/)), 'no NATS dependency reported');
    });
  });
});
