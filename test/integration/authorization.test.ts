import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { latLngToCell } from 'h3-js';
import type { NodeHandle } from '../../loadtest/harness/nodeProcess';
import { ThreadClient } from '../../loadtest/client/threadClient';
import { command, connectDevice, disconnect, expectJoinRefused, requestJson, type Device } from '../support/accounts';
import { startTestCluster, type TestCluster } from '../support/cluster';
import { databaseDigest } from '../support/digest';
import { codeOf, joinThread, matchedPair, registerPerson, replyOf, type Person } from '../support/matches';
import type { CallStarted } from '../../contracts/calls';
import { postWebhook, signedWebhook } from '../support/calls';
import { watchLobby } from '../support/discovery';
import { ADMIN_KEY } from '../support/operator';


describe('who may do what: every actor and command, refused for the unentitled, on two nodes', function () {
  let cluster: TestCluster | undefined;
  const rooms: Array<Pick<Device, 'room'>> = [];
  const threads: ThreadClient[] = [];

  before(async function () {
    cluster = await startTestCluster(this, 2, { ADMIN_API_KEY: ADMIN_KEY });
  });

  after(async () => {
    for (const thread of threads) thread.close();
    await Promise.all(rooms.map(disconnect));
    await cluster?.close();
  });

  it('refuses each with its code and changes nothing', async () => {
    const [n0, n1] = cluster!.nodes as [NodeHandle, NodeHandle];
    const { a, b, matchId } = await matchedPair(n0.url, [n0.url, n1.url]);
    const stranger: Person = await registerPerson(n1.url, 'stranger');
    const owner: Person = await registerPerson(n0.url, 'owner');
    // Something of A's in the thread for B to try to delete.
    const ta = await ThreadClient.join(n0.url, a, matchId);
    threads.push(ta);
    assert.ok('ok' in (await ta.sendText('mine', 'a message of mine')));
    const strangerDevice = await connectDevice(n1.url, stranger, 'phone');
    const memberThread = await joinThread(n1.url, b, matchId);
    rooms.push(strangerDevice, memberThread);
    // A call of A's, ringing, for the stranger to try to answer, end or get a token for.
    const caller = await connectDevice(n0.url, a, 'phone');
    rooms.push(caller);
    const call = replyOf<CallStarted>(await command(caller.room, 'call.start', { matchId }));
    await new Promise((resolve) => setTimeout(resolve, 200));
    const before = await databaseDigest(cluster!.pool);

    // Actors: every command of an actor is sent over a connection to it, and nobody gets a
    // connection to another's session or a thread they are not in: the join is the gate.
    for (const node of [n0, n1]) {
      assert.equal(await expectJoinRefused(connectDevice(node.url, { ...stranger, userId: owner.userId }, 'x')), 'NOT_YOUR_SESSION', `session on ${node.url}`);
      assert.equal(await expectJoinRefused(joinThread(node.url, stranger, matchId)), 'NOT_A_MEMBER', `thread on ${node.url}`);
      assert.equal(await expectJoinRefused(connectDevice(node.url, { ...stranger, accessToken: 'forged' }, 'x')), 'TOKEN_INVALID');
      // A lobby only for people in its cell; the stranger has no location at all.
      assert.equal(await expectJoinRefused(watchLobby(node.url, stranger, latLngToCell(12.9716, 77.5946, 7))), 'NOT_IN_CELL', `lobby on ${node.url}`);
    }

    // Within one's own actors: rights over what is someone else's.
    const inActor: Array<[string, Promise<Awaited<ReturnType<typeof command>>>, string]> = [
      ['swipe from another’s card', command(strangerDevice.room, 'swipe', { fromCardId: owner.card.id, toCardId: a.card.id, action: 'like' }), 'NOT_YOUR_CARD'],
      ['rewind without premium', command(strangerDevice.room, 'rewind'), 'PREMIUM_REQUIRED'],
      ['view a card that does not exist', command(strangerDevice.room, 'profile.view', { cardId: randomUUID() }), 'CARD_NOT_FOUND'],
      ['delete another member’s message', command(memberThread.room, 'delete', { seq: 1 }), 'NOT_YOUR_MESSAGE'],
      ['a deck for another’s card', command(strangerDevice.room, 'deck', { cardId: owner.card.id }), 'NOT_YOUR_CARD'],
      ['call into someone else’s match', command(strangerDevice.room, 'call.start', { matchId }), 'NOT_A_MEMBER'],
      ['answer someone else’s call', command(strangerDevice.room, 'call.accept', { callId: call.callId }), 'CALL_NOT_FOUND'],
      ['hang up someone else’s call', command(strangerDevice.room, 'call.end', { callId: call.callId }), 'CALL_NOT_FOUND'],
      ['a media token for someone else’s call', command(strangerDevice.room, 'call.token', { callId: call.callId }), 'CALL_NOT_FOUND'],
      ['the caller answering their own call', command(caller.room, 'call.accept', { callId: call.callId }), 'NOT_THE_CALLEE'],
    ];
    for (const [what, answer, code] of inActor) assert.equal(codeOf(await answer), code, what);

    // HTTP: other people's things, operator routes, and no or forged credentials.
    const http: Array<[string, Promise<{ status: number; body: unknown }>, number, string]> = [
      ['change another’s card', requestJson(n1.url, 'PATCH', `/cards/${owner.card.id}`, { token: stranger.accessToken, body: { title: 'mine' } }), 403, 'NOT_YOUR_CARD'],
      ['deactivate another’s card', requestJson(n0.url, 'DELETE', `/cards/${owner.card.id}`, { token: stranger.accessToken }), 403, 'NOT_YOUR_CARD'],
      ['post a job as a member', requestJson(n0.url, 'POST', '/cards', { token: stranger.accessToken, body: { kind: 'job', title: 'x' } }), 403, 'RECRUITER_ONLY'],
      ['unmatch someone else’s match', requestJson(n1.url, 'DELETE', `/me/matches/${matchId}`, { token: stranger.accessToken }), 404, 'MATCH_NOT_FOUND'],
      ['operator route with a user’s token', requestJson(n0.url, 'POST', `/admin/users/${stranger.userId}`, { token: stranger.accessToken, body: { isPremium: true } }), 403, 'FORBIDDEN'],
      ['operator route with no key', requestJson(n1.url, 'POST', `/admin/users/${stranger.userId}`, { body: { banned: true } }), 403, 'FORBIDDEN'],
      ['report oneself', requestJson(n0.url, 'POST', '/reports', { token: stranger.accessToken, body: { userId: stranger.userId, context: 'profile', contextId: stranger.card.id, reason: 'x' } }), 400, 'INVALID_BODY'],
      ['report a message of someone else’s thread', requestJson(n0.url, 'POST', '/reports', { token: stranger.accessToken, body: { userId: a.userId, context: 'message', contextId: `${matchId}:1`, reason: 'x' } }), 400, 'INVALID_BODY'],
      ['report with a forged token', requestJson(n0.url, 'POST', '/reports', { token: 'forged', body: { userId: a.userId, context: 'profile', contextId: a.card.id, reason: 'x' } }), 401, 'TOKEN_INVALID'],
      ['block with no token', requestJson(n1.url, 'POST', '/me/blocks', { body: { userId: a.userId } }), 401, 'TOKEN_MISSING'],
      ['read preferences with no token', requestJson(n1.url, 'GET', '/me/preferences'), 401, 'TOKEN_MISSING'],
    ];
    const forgedWebhook = await signedWebhook({ event: 'room_finished', room: { name: `call-${call.callId}` } }, { secret: 'not-the-livekit-secret-0123456789' });
    assert.deepEqual(await postWebhook(n1.url, forgedWebhook), { status: 401, code: 'WEBHOOK_REFUSED' }, 'a webhook not signed by LiveKit');
    for (const [what, request, status, code] of http) {
      const answer = await request;
      assert.deepEqual([answer.status, (answer.body as { code?: string }).code], [status, code], what);
    }
    const monitor = await fetch(`${n0.url}/monitor/api`);
    assert.equal(monitor.status, 401);

    assert.equal(await databaseDigest(cluster!.pool), before, 'nothing refused changed the database');

    // What the stranger is entitled to still works: a report of A's profile (a message of A's thread is not theirs to name).
    const report = await requestJson<{ reportId: string }>(n1.url, 'POST', '/reports', {
      token: stranger.accessToken,
      body: { userId: a.userId, context: 'profile', contextId: a.card.id, reason: 'spam' },
    });
    assert.equal(report.status, 201);
    const stored = await cluster!.pool.query('select reporter_id, reported_id, context_kind, context_id from reports where id = $1', [report.body.reportId]);
    assert.deepEqual(stored.rows, [{ reporter_id: stranger.userId, reported_id: a.userId, context_kind: 'profile', context_id: a.card.id }]);
  });
});
