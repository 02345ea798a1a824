import assert from 'node:assert/strict';
import { destinationPoint } from '../../domain/geo';
import type { CardView } from '../../contracts/cards';
import { ChatEventType, type SendResult, type ThreadMembersMessage } from '../../contracts/chat';
import { KismetCloseCode } from '../../contracts/common';
import { command, connectDevice, disconnect, postJson, registerUser, requestJson, waitUntil } from '../support/accounts';
import { deckIds, deckOf, personAt } from '../support/discovery';
import { FAULT_ADMIN_KEY, startFaultCluster, type FaultCluster } from '../support/faultCluster';
import { SCENARIO_WAIT_MS } from '../support/faultScenario';
import { joinThread, matchPeople, messagesOfType, registerPerson, replyOf, type Person } from '../support/matches';

const readyz = async (url: string) => (await fetch(`${url}/readyz`).catch(() => undefined))?.status;

/** The code a connection is closed with, once it is. */
const closed = (room: { onLeave(callback: (code: number) => void): unknown }) => {
  const seen: { code?: number } = {};
  room.onLeave((code) => (seen.code = code));
  return seen;
};

/** A recruiter's job matched with a candidate, a colleague of the recruiter's company added to their thread, and another not (yet). */
async function hiringThreadWithColleague(cluster: FaultCluster) {
  const [n0, n1] = cluster.nodes;
  const admin = (method: 'POST' | 'PUT', path: string, body?: unknown) => requestJson<{ companyId: string }>(n1.url, method, path, { token: FAULT_ADMIN_KEY, body });
  const recruiter = await registerUser(n0.url, undefined, 'recruiter');
  const [candidate, colleague, later] = await Promise.all([registerPerson(n0.url, 'candidate'), registerUser(n1.url, undefined, 'recruiter'), registerUser(n1.url, undefined, 'recruiter')]);
  const company = await admin('POST', '/admin/companies', { name: `Beach ${colleague.userId.slice(0, 6)}` });
  for (const member of [recruiter, colleague, later]) assert.equal((await admin('PUT', `/admin/companies/${company.body.companyId}/members/${member.userId}`)).status, 200);
  // Posted once its recruiter is the company's: the job is the company's, and takes its colleagues.
  const job = await requestJson<CardView>(n0.url, 'POST', '/cards', { token: recruiter.accessToken, body: { kind: 'job', title: 'Lifeguard' } });
  const owner: Person = { ...recruiter, card: job.body };
  const matchId = await matchPeople(owner, candidate, [n0.url, n1.url]);
  const added = await requestJson(n0.url, 'POST', `/me/matches/${matchId}/colleagues`, { token: owner.accessToken, body: { userId: colleague.userId } });
  assert.equal(added.status, 201);
  return { owner, colleague, later, candidateId: candidate.userId, matchId };
}

describe('faults: what a node did not hear while cut off from Redis', function () {
  this.timeout(300_000);
  let cluster: FaultCluster | undefined;
  const open: Array<{ readonly room: Parameters<typeof disconnect>[0]['room'] }> = [];

  before(async function () {
    // Nodes fence after 1¼ STALE_NODE_TIMEOUT_MS without Redis: far longer than this cut.
    cluster = await startFaultCluster(this, { env: { ACTOR_PLACEMENT: 'local', STALE_NODE_TIMEOUT_MS: '60000' }, chatPairs: 0, swipers: 0 });
  });

  after(async () => {
    await Promise.all(open.map(disconnect));
    await cluster?.close();
  });

  it('a block, a log-out, a ban, an unmatch, a colleague’s removal and another’s addition, and a message’s removal published meanwhile: once back, the node acts on each as storage has it', async function () {
    if (!cluster) return this.skip();
    const [n0, n1] = cluster.nodes;
    // A searcher on node 0 with a cached deck that shows a neighbour (Marina Beach, Chennai; 1 km apart).
    const here = { lat: 13.05, lng: 80.2824 };
    const searcher = await personAt(n0.url, here, 'searcher');
    const neighbour = await personAt(n1.url, destinationPoint(here, 1, 90), 'neighbour');
    const phone = await connectDevice(n0.url, searcher, 'phone');
    open.push(phone);
    assert.ok(deckIds(await deckOf(phone, searcher.card.id)).has(neighbour.card.id));
    assert.equal((await deckOf(phone, searcher.card.id)).cached, true);
    // Someone whose access token works on node 0, and opened their session there.
    const leaving = await registerUser(n1.url);
    const cards = () => requestJson<{ code?: string }>(n0.url, 'GET', '/me/cards', { token: leaving.accessToken });
    assert.equal((await cards()).status, 200);
    const leavingPhone = await connectDevice(n0.url, leaving, 'phone');
    open.push(leavingPhone);
    const leavingPhoneClosed = closed(leavingPhone.room);
    // Someone about to be banned, with a session on node 0; and a match whose thread runs on node 0.
    const [banned, a, b] = await Promise.all([registerPerson(n0.url, 'banned'), registerPerson(n0.url, 'a'), registerPerson(n1.url, 'b')]);
    const matchId = await matchPeople(a, b, [n0.url, n1.url]);
    const bannedPhone = await connectDevice(n0.url, banned, 'phone');
    const thread = await joinThread(n0.url, a, matchId);
    open.push(bannedPhone, thread);
    const [bannedPhoneClosed, threadClosed] = [closed(bannedPhone.room), closed(thread.room)];
    // A hiring thread on node 0 with a colleague in it, about to be removed.
    const hiring = await hiringThreadWithColleague(cluster);
    const [colleagueThread, ownerThread] = [await joinThread(n0.url, hiring.colleague, hiring.matchId), await joinThread(n0.url, hiring.owner, hiring.matchId)];
    open.push(colleagueThread, ownerThread);
    const membersSeen = () => messagesOfType<ThreadMembersMessage>(ownerThread, ChatEventType.MEMBERS).map((m) => m.members.map((member) => member.userId).sort());
    const colleagueClosed = closed(colleagueThread.room);
    // A thread on node 0 with a message in it, reported; an operator removes it during the cut.
    const [reader, writer] = await Promise.all([registerPerson(n0.url, 'reader'), registerPerson(n1.url, 'writer')]);
    const chatId = await matchPeople(reader, writer, [n0.url, n1.url]);
    const [readerThread, writerThread] = [await joinThread(n0.url, reader, chatId), await joinThread(n0.url, writer, chatId)];
    open.push(readerThread, writerThread);
    const rude = replyOf<SendResult>(await command(writerThread.room, 'send', { clientMessageId: 'rude-1', kind: 'text', body: 'something rude' }));
    const reported = await requestJson<{ reportId: string }>(n0.url, 'POST', '/reports', {
      token: reader.accessToken,
      body: { userId: writer.userId, context: 'message', reason: 'rude', contextId: `${chatId}:${rude.seq}` },
    });
    assert.equal(reported.status, 201);
    const toldRemoved = () => [readerThread, writerThread].every((t) => messagesOfType<{ seq: number }>(t, ChatEventType.DELETED).some((m) => m.seq === rude.seq));
    // A thread on node 0 whose match a block ends meanwhile: read from storage, it is told a block to whoever made it alone.
    const [blocker, blockedOne] = await Promise.all([registerPerson(n0.url, 'blocker'), registerPerson(n1.url, 'blocked')]);
    const blockedMatchId = await matchPeople(blocker, blockedOne, [n0.url, n1.url]);
    const [blockerThread, blockedThread] = [await joinThread(n0.url, blocker, blockedMatchId), await joinThread(n0.url, blockedOne, blockedMatchId)];
    open.push(blockerThread, blockedThread);
    const blockClosed = [closed(blockerThread.room), closed(blockedThread.room)];

    cluster.proxy.cut();
    await waitUntil(async () => (await readyz(n0.url)) === 503, SCENARIO_WAIT_MS, () => 'node 0 to report it lost Redis');
    // Each stored, and published where nobody on node 0 can hear it.
    const admin = { token: FAULT_ADMIN_KEY };
    assert.equal((await requestJson(n1.url, 'POST', '/me/blocks', { token: neighbour.accessToken, body: { userId: searcher.userId } })).status, 200);
    assert.equal((await requestJson(n1.url, 'POST', '/me/blocks', { token: blocker.accessToken, body: { userId: blockedOne.userId } })).status, 200);
    assert.equal((await postJson(n1.url, '/auth/logout', { refreshToken: leaving.refreshToken })).status, 200);
    assert.equal((await requestJson(n1.url, 'POST', `/admin/users/${banned.userId}`, { ...admin, body: { banned: true } })).status, 200);
    assert.equal((await requestJson(n1.url, 'DELETE', `/me/matches/${matchId}`, { token: b.accessToken })).status, 200);
    const removal = await requestJson(n1.url, 'DELETE', `/me/matches/${hiring.matchId}/colleagues/${hiring.colleague.userId}`, { token: hiring.owner.accessToken });
    assert.equal(removal.status, 200);
    const addition = await requestJson(n1.url, 'POST', `/me/matches/${hiring.matchId}/colleagues`, { token: hiring.owner.accessToken, body: { userId: hiring.later.userId } });
    assert.equal(addition.status, 201);
    const resolved = await requestJson(n1.url, 'POST', `/admin/reports/${reported.body.reportId}/resolve`, { ...admin, body: { action: 'remove_message', note: 'abusive' } });
    assert.equal(resolved.status, 200);
    assert.deepEqual([leavingPhoneClosed.code, bannedPhoneClosed.code, threadClosed.code, colleagueClosed.code], [undefined, undefined, undefined, undefined], 'node 0 heard nothing while cut off');
    assert.deepEqual(blockClosed.map((c) => c.code), [undefined, undefined], 'node 0 heard nothing of the block while cut off');
    assert.equal([readerThread, writerThread].some((t) => messagesOfType(t, ChatEventType.DELETED).length > 0), false, 'node 0 heard of the removal while cut off');
    assert.deepEqual(membersSeen(), [], 'node 0 heard of the colleagues while cut off');
    cluster.proxy.restore();
    await waitUntil(async () => (await readyz(n0.url)) === 200, SCENARIO_WAIT_MS, () => 'node 0 to rejoin');

    // The block: the searcher's decks are built again, without the person who blocked them.
    const after = await deckOf(phone, searcher.card.id);
    assert.equal(after.cached, false, 'built again after the outage');
    assert.ok(!deckIds(after).has(neighbour.card.id), 'the person who blocked the searcher is not shown');
    // The log-out: its access token opens nothing on node 0.
    const refused = await cards();
    assert.deepEqual([refused.status, refused.body.code], [401, 'TOKEN_REVOKED']);
    // The log-out, the ban, the unmatch and the removal: the logged-out phone, the banned person's session, the ended match's thread and the colleague's connection close.
    const codes = () => [leavingPhoneClosed.code, bannedPhoneClosed.code, threadClosed.code, colleagueClosed.code];
    await waitUntil(() => codes().every((code) => code !== undefined), SCENARIO_WAIT_MS, () => `the connections to close: ${codes().join()}`);
    assert.deepEqual(codes(), [KismetCloseCode.SESSION_REVOKED, KismetCloseCode.SESSION_REVOKED, KismetCloseCode.THREAD_CLOSED, KismetCloseCode.REMOVED_FROM_THREAD]);
    // The colleagues: one let go, the other taken in, and the owner's device told who is in now.
    const inThreadNow = [hiring.owner.userId, hiring.later.userId, hiring.candidateId].sort();
    await waitUntil(() => membersSeen().some((ids) => ids.join() === inThreadNow.join()), SCENARIO_WAIT_MS, () => `the thread's members to be told: ${JSON.stringify(membersSeen())}`);
    // The block's thread: closed for both; BLOCKED to the person who blocked, UNMATCHED to the person blocked, as after an unmatch.
    await waitUntil(() => blockClosed.every((c) => c.code !== undefined), SCENARIO_WAIT_MS, () => 'the blocked match’s thread to close');
    assert.deepEqual(blockClosed.map((c) => c.code), [KismetCloseCode.THREAD_CLOSED, KismetCloseCode.THREAD_CLOSED]);
    assert.deepEqual([blockerThread, blockedThread].map((t) => messagesOfType<{ code: string }>(t, ChatEventType.CLOSED).map((m) => m.code)), [['BLOCKED'], ['UNMATCHED']]);
    // The message's removal: both devices in the thread are told, as they would have been.
    await waitUntil(toldRemoved, SCENARIO_WAIT_MS, () => 'the thread to tell its devices the message was removed');
  });
});
