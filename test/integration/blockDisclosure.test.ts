import assert from 'node:assert/strict';
import type { Room } from '@colyseus/sdk';
import { UserEventType } from '../../domain/userEvents';
import type { CallStarted } from '../../contracts/calls';
import { ChatEventType, type ThreadClosedMessage } from '../../contracts/chat';
import { KismetCloseCode } from '../../contracts/common';
import type { ThreadSummary } from '../../db/repositories/threadRepository';
import { command, eventsOf, expectJoinRefused, requestJson, waitForEvents, type Device } from '../support/accounts';
import { useTestCluster } from '../support/cluster';
import { codeOf, joinThread, matchPeople, messagesOfType, registerPerson, replyOf, type Person, type ThreadConnection } from '../support/matches';
import { ADMIN_KEY } from '../support/operator';

/** Resolves with the close code once the connection is closed by the server. */
const closeCode = (room: Room) => new Promise<number>((resolve) => room.onLeave((code) => resolve(code)));

describe('a block, as each side is told it, on two nodes', function () {
  const suite = useTestCluster(2, { ACTOR_PLACEMENT: 'local', ADMIN_API_KEY: ADMIN_KEY });
  const thread = async (url: string, user: Person, matchId: string) => {
    const t = await joinThread(url, user, matchId);
    suite.open.push(t);
    return t;
  };
  const query = async <Row>(text: string, values: unknown[]) => (await suite.cluster.pool.query(text, values)).rows as Row[];
  /** What a card read answers: `shown`, or the refusal's code. */
  const cardRead = async (url: string, viewer: Person, cardId: string) => {
    const read = await requestJson<{ code?: string }>(url, 'GET', `/cards/${cardId}`, { token: viewer.accessToken });
    return read.status === 200 ? 'shown' : `${read.status} ${read.body.code}`;
  };
  const profileView = async (device: Device, cardId: string) => {
    const answer = await command(device.room, 'profile.view', { cardId });
    return 'code' in answer ? answer.code : 'shown';
  };
  /** B hires too: a job card beside B's profile, which A never swiped on. */
  const postJob = async (url: string, b: Person) => {
    assert.equal((await requestJson(url, 'POST', `/admin/users/${b.userId}`, { token: ADMIN_KEY, body: { role: 'recruiter' } })).status, 200);
    const job = await requestJson<{ id: string }>(url, 'POST', '/cards', { token: b.accessToken, body: { kind: 'job', title: 'Trail guide', lat: 52.52, lng: 13.405 } });
    assert.equal(job.status, 201);
    return job.body.id;
  };

  /**
   * A and B matched: A's session on node 0, B's on node 1, the thread on node 1 with A
   * in it through node 0, A's call ringing B, and a device of A's registered for
   * pushes. B ends the match through node 0, by an unmatch or a block. What each was
   * told then (the thread's close, their events, A's pushes), and what each is told
   * on asking after (a rejoin, a call, an unmatch, the thread list, the export, the
   * other's cards: read, viewed, swiped on), with ids named by role so that the two
   * ends compare. B also has a job card, which A may read until the end.
   */
  async function endedBy(how: 'unmatch' | 'block') {
    const [n0, n1] = suite.nodes;
    const [a, b] = await Promise.all([registerPerson(n0.url, 'A'), registerPerson(n1.url, 'B')]);
    const matchId = await matchPeople(a, b, [n0.url, n1.url]);
    const jobId = await postJob(n1.url, b);
    const cardsOf = (p: Person) => (p === b ? [b.card.id, jobId] : [a.card.id]);
    for (const [viewer, other] of [[a, b], [b, a]] as const) {
      for (const cardId of cardsOf(other)) assert.equal(await cardRead(n1.url, viewer, cardId), 'shown', 'matched, each reads the other\'s cards');
    }
    // Registered by A's log-in (a live session), as the route does.
    await query(
      `insert into push_targets (user_id, device_id, platform, target, session_id)
       values ($1, 'tablet', 'fcm', jsonb_build_object('token', $2::text), (select family_id from refresh_tokens where user_id = $1 limit 1))`,
      [a.userId, `tablet-${a.userId}`],
    );
    const [phoneA, phoneB] = [await suite.device(n0.url, a), await suite.device(n1.url, b)];
    const threadB = await thread(n1.url, b, matchId);
    const threadA = await thread(n0.url, a, matchId);
    assert.equal(threadA.ready.node, threadB.ready.node);
    const call = replyOf<CallStarted>(await command(phoneA.room, 'call.start', { matchId }));
    await waitForEvents(phoneB, (events) => events.some((e) => e.type === UserEventType.CALL_INCOMING && e.data['callId'] === call.callId));
    const lastSeqOf = async (p: Person) => Number((await query<{ seq: string }>('select coalesce(max(seq), 0) as seq from stored_events where user_id = $1', [p.userId]))[0]!.seq);
    const before = { a: await lastSeqOf(a), b: await lastSeqOf(b) };
    const closed = [closeCode(threadA.room), closeCode(threadB.room)];

    const end = how === 'unmatch'
      ? await requestJson(n0.url, 'DELETE', `/me/matches/${matchId}`, { token: b.accessToken })
      : await requestJson(n0.url, 'POST', '/me/blocks', { token: b.accessToken, body: { userId: a.userId } });
    assert.equal(end.status, 200);
    assert.deepEqual(await Promise.all(closed), [KismetCloseCode.THREAD_CLOSED, KismetCloseCode.THREAD_CLOSED]);
    const aboutMatch = (d: Device) => eventsOf(d).filter((e) => e.data['matchId'] === matchId && e.type !== UserEventType.MATCH_CREATED && e.type !== UserEventType.CALL_INCOMING);
    for (const d of [phoneA, phoneB]) await waitForEvents(d, () => aboutMatch(d).map((e) => e.type).sort().join() === 'call.ended,match.ended');

    const names: Array<[string, string]> = [[a.userId, 'A'], [b.userId, 'B'], [matchId, 'M'], [call.callId, 'CALL'], [a.card.id, 'CARD_A'], [b.card.id, 'CARD_B'], [jobId, 'JOB_B']];
    const named = <T>(value: T): T => JSON.parse(names.reduce((text, [id, name]) => text.replaceAll(id, name), JSON.stringify(value))) as T;
    const byType = <E extends { type: string }>(events: E[]) => events.sort((x, y) => x.type.localeCompare(y.type));
    const told = async (p: Person, other: Person, device: Device, t: ThreadConnection, afterSeq: number) => named({
      closed: messagesOfType<ThreadClosedMessage>(t, ChatEventType.CLOSED),
      heard: byType(aboutMatch(device).map((e) => ({ type: e.type, data: e.data }))),
      stored: byType(await query<{ type: string }>('select type, payload from stored_events where user_id = $1 and seq > $2', [p.userId, afterSeq])),
      pushes: await query('select kind, payload from push_outbox where user_id = $1 order by id', [p.userId]),
      rejoin: await expectJoinRefused(joinThread(n1.url, p, matchId)),
      call: codeOf(await command(device.room, 'call.start', { matchId })),
      unmatch: (await requestJson(n0.url, 'DELETE', `/me/matches/${matchId}`, { token: p.accessToken })).body,
      threads: (await requestJson<{ threads: ThreadSummary[] }>(n1.url, 'GET', '/me/threads', { token: p.accessToken })).body.threads.map((s) => ({ status: s.status, counterpart: s.counterpart })),
      exported: (await requestJson<{ matches: Array<{ status: string }> }>(n0.url, 'GET', '/me/export', { token: p.accessToken })).body.matches.map((m) => m.status),
      cardReads: await Promise.all(cardsOf(other).flatMap((cardId) => suite.nodes.map((n) => cardRead(n.url, p, cardId)))),
      profileViews: await Promise.all(cardsOf(other).map((cardId) => profileView(device, cardId))),
      // The cards never swiped on (B's job): a like, as a card that does not exist; a swiped one answers its first swipe.
      swipes: await Promise.all(cardsOf(other).map(async (cardId) => codeOf(await command(device.room, 'swipe', { fromCardId: p.card.id, toCardId: cardId, action: 'like' })))),
    });
    const result = { blocked: await told(a, b, phoneA, threadA, before.a), blocker: await told(b, a, phoneB, threadB, before.b) };
    // Anyone else still reads both people's cards.
    const stranger = await registerPerson(n0.url, 'S');
    const strangerPhone = await suite.device(n0.url, stranger);
    for (const cardId of [...cardsOf(a), ...cardsOf(b)]) {
      assert.deepEqual([await cardRead(n1.url, stranger, cardId), await profileView(strangerPhone, cardId)], ['shown', 'shown'], `a stranger reads ${named(cardId)}`);
    }
    return result;
  }

  it('the person blocked is told exactly what an unmatch tells them; only the person who blocked is told it was a block', async () => {
    const unmatched = await endedBy('unmatch');
    const blocked = await endedBy('block');
    // What an unmatch tells the other side, everywhere: the thread, the events and the push they bring, and every answer after.
    const callEnded = { callId: 'CALL', matchId: 'M', state: 'cancelled', reason: 'match_ended' };
    const matchEnded = { matchId: 'M', otherUserIds: ['B'] };
    assert.deepEqual(unmatched.blocked, {
      closed: [{ matchId: 'M', code: 'UNMATCHED' }],
      heard: [{ type: 'call.ended', data: callEnded }, { type: 'match.ended', data: matchEnded }],
      stored: [{ type: 'call.ended', payload: callEnded }, { type: 'match.ended', payload: matchEnded }],
      pushes: [{ kind: 'call.ended', payload: callEnded }],
      rejoin: 'UNMATCHED',
      call: 'UNMATCHED',
      unmatch: { matchId: 'M', status: 'unmatched' },
      // The other side of an ended match shows as unavailable, however it ended: not as a deleted account, and not as it is.
      threads: [{ status: 'unmatched', counterpart: { userId: 'B', cardId: 'CARD_B', name: 'unavailable', photos: [], hidden: true, deleted: false } }],
      exported: ['unmatched'],
      // The other's cards, every one, on every node: as cards that do not exist.
      cardReads: Array(4).fill('404 CARD_NOT_FOUND'),
      profileViews: ['CARD_NOT_FOUND', 'CARD_NOT_FOUND'],
      swipes: ['ok', 'CARD_NOT_FOUND'],
    });
    assert.deepEqual(blocked.blocked, unmatched.blocked);
    // The person who ended it sees the other the same way whichever way they ended it.
    const sight = (told: typeof blocked.blocker) => [told.threads.map((t) => t.counterpart), told.cardReads, told.profileViews];
    assert.deepEqual(sight(unmatched.blocker), [
      [{ userId: 'A', cardId: 'CARD_A', name: 'unavailable', photos: [], hidden: true, deleted: false }],
      ['404 CARD_NOT_FOUND', '404 CARD_NOT_FOUND'],
      ['CARD_NOT_FOUND'],
    ]);
    assert.deepEqual(sight(blocked.blocker), sight(unmatched.blocker));
    // The person who blocked is told so wherever they look.
    assert.deepEqual(
      [blocked.blocker.closed, blocked.blocker.rejoin, blocked.blocker.call, blocked.blocker.unmatch, blocked.blocker.threads.map((t) => t.status), blocked.blocker.exported],
      [[{ matchId: 'M', code: 'BLOCKED' }], 'BLOCKED', 'BLOCKED', { matchId: 'M', status: 'blocked' }, ['blocked'], ['blocked']],
    );
    assert.deepEqual(
      [unmatched.blocker.closed, unmatched.blocker.rejoin, unmatched.blocker.call, unmatched.blocker.unmatch, unmatched.blocker.threads.map((t) => t.status), unmatched.blocker.exported],
      [[{ matchId: 'M', code: 'UNMATCHED' }], 'UNMATCHED', 'UNMATCHED', { matchId: 'M', status: 'unmatched' }, ['unmatched'], ['unmatched']],
    );
  });
});
