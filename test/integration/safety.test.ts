import assert from 'node:assert/strict';
import type { Room } from '@colyseus/sdk';
import { latLngToCell } from 'h3-js';
import { destinationPoint } from '../../domain/geo';
import { UserEventType } from '../../domain/userEvents';
import type { CallStarted } from '../../contracts/calls';
import { ChatEventType, type ChatMessage, type MessagePage, type SendResult, type ThreadReadyMessage } from '../../contracts/chat';
import { KismetCloseCode } from '../../contracts/common';
import type { SwipeResult } from '../../contracts/session';
import type { CardView } from '../../contracts/cards';
import type { ThreadSummary } from '../../db/repositories/threadRepository';
import {
  command,
  connectDevice,
  eventsOf,
  expectJoinRefused,
  postJson,
  requestJson,
  TEST_PASSWORD,
  waitForEvents,
  waitUntil,
  type Device,
} from '../support/accounts';
import { useTestCluster } from '../support/cluster';
import { crowdAt, deckIds, deckOf, LOOKS_FOR_WORK, personAt, SHARED_PROFILE, watchLobby } from '../support/discovery';
import { codeOf, joinThread, matchPeople, messagesOfType, registerPerson, replyOf, type Person, type ThreadConnection } from '../support/matches';
import { ADMIN_KEY } from '../support/operator';

// Indiranagar, Bengaluru: everyone within a few kilometres of each other.
const HERE = { lat: 12.9719, lng: 77.6412 };
const near = (i: number) => destinationPoint(HERE, 0.4 + 0.3 * i, 45 * i);

/** Resolves with the close code once the connection is closed by the server. */
const closeCode = (room: Room) => new Promise<number>((resolve) => room.onLeave((code) => resolve(code)));

/** The statuses a device heard for one person, in order. */
const presenceOf = (device: Device, userId: string) =>
  eventsOf(device)
    .filter((e) => e.type === UserEventType.PRESENCE_CHANGED && e.data['userId'] === userId)
    .map((e) => e.data['presence']);

const eventTypes = (device: Device) => eventsOf(device).map((e) => e.type);

describe('safety, end to end with real clients on two nodes', function () {
  const suite = useTestCluster(2, { ACTOR_PLACEMENT: 'local', ADMIN_API_KEY: ADMIN_KEY });

  const { device } = suite;
  const thread = async (url: string, user: Person, matchId: string) => {
    const t = await joinThread(url, user, matchId);
    suite.open.push(t);
    return t;
  };
  const admin = (person: Person, body: Record<string, unknown>) =>
    requestJson(suite.nodes[1].url, 'POST', `/admin/users/${person.userId}`, { token: ADMIN_KEY, body });
  const startCall = async (caller: Device, matchId: string) => replyOf<CallStarted>(await command(caller.room, 'call.start', { matchId }));
  const callEnded = (d: Device, callId: string) => eventsOf(d).filter((e) => e.type === UserEventType.CALL_ENDED && e.data['callId'] === callId);

  /** A and B matched, each seen by one more match (C), with sessions and threads on both nodes. */
  async function twoMatchedPeople() {
    const [n0, n1] = suite.nodes;
    const [a, b, c] = await Promise.all([personAt(n0.url, HERE, 'A'), personAt(n1.url, near(1), 'B'), personAt(n0.url, near(2), 'C')]);
    const matchId = await matchPeople(a, b, [n0.url, n1.url]);
    await matchPeople(b, c, [n1.url, n0.url]);
    // Sessions: A's on node 0, B's on node 1; the thread's actor on node 1, A joining it through node 0.
    const [phoneA, phoneB, phoneC] = [await device(n0.url, a, 'phone'), await device(n1.url, b, 'phone'), await device(n0.url, c, 'phone')];
    const threadB = await thread(n1.url, b, matchId);
    const threadA = await thread(n0.url, a, matchId);
    assert.equal(threadA.ready.node, threadB.ready.node);
    assert.notEqual(phoneA.ready.node, threadA.ready.node);
    return { a, b, c, matchId, phoneA, phoneB, phoneC, threadA, threadB };
  }

  /** B hires too: a job near A, and A looks for work, so each is in a deck of the other (each deck cached). The job card. */
  async function hiresToo(a: Person, b: Person, phoneA: Device, phoneB: Device): Promise<CardView> {
    const [n0, n1] = suite.nodes;
    assert.equal((await admin(b, { role: 'recruiter' })).status, 200);
    const job = await requestJson<CardView>(n1.url, 'POST', '/cards', {
      token: b.accessToken,
      body: { kind: 'job', title: 'Trail guide', ...near(1), ...SHARED_PROFILE },
    });
    assert.equal(job.status, 201);
    assert.equal((await requestJson(n0.url, 'PUT', '/me/preferences', { token: a.accessToken, body: { cardKind: 'job' } })).status, 200);
    assert.equal((await requestJson(n0.url, 'PATCH', `/cards/${a.card.id}`, { token: a.accessToken, body: LOOKS_FOR_WORK })).status, 200);
    assert.ok(deckIds(await deckOf(phoneA, a.card.id)).has(job.body.id), 'A is shown the job');
    assert.ok(deckIds(await deckOf(phoneB, job.body.id)).has(a.card.id), 'the job is shown A');
    return job.body;
  }

  it('block: decks, the thread, the call and presence, at once on every node', async () => {
    const [n0, n1] = suite.nodes;
    const { a, b, matchId, phoneA, phoneB, phoneC, threadA, threadB } = await twoMatchedPeople();
    const job = await hiresToo(a, b, phoneA, phoneB);

    // Live: presence flows, the thread carries messages, a call rings.
    replyOf(await command(phoneB.room, 'presence.set', { status: 'away' }));
    await waitForEvents(phoneA, () => presenceOf(phoneA, b.userId).includes('away'));
    const call = await startCall(phoneA, matchId);
    await waitForEvents(phoneB, (events) => events.some((e) => e.type === UserEventType.CALL_INCOMING && e.data['callId'] === call.callId));
    const threadClosedA = closeCode(threadA.room);
    const threadClosedB = closeCode(threadB.room);
    const heardOfB = presenceOf(phoneA, b.userId).length;

    // B blocks A, through node 0 (A's session's node; the thread and B's session are on node 1).
    const block = await requestJson<{ endedMatches: string[] }>(n0.url, 'POST', '/me/blocks', { token: b.accessToken, body: { userId: a.userId } });
    assert.deepEqual([block.status, block.body.endedMatches], [200, [matchId]]);

    // Decks: both cached decks lose the other at once.
    const deckA = await deckOf(phoneA, a.card.id);
    const deckB = await deckOf(phoneB, job.id);
    assert.deepEqual([deckA.cached, deckIds(deckA).has(job.id)], [true, false]);
    assert.deepEqual([deckB.cached, deckIds(deckB).has(a.card.id)], [true, false]);
    // The thread: closed for both, and for good; only B, who blocked, is told it was a block (blockDisclosure.test.ts).
    assert.deepEqual(await Promise.all([threadClosedA, threadClosedB]), [KismetCloseCode.THREAD_CLOSED, KismetCloseCode.THREAD_CLOSED]);
    assert.deepEqual(messagesOfType(threadA, ChatEventType.CLOSED), [{ matchId, code: 'UNMATCHED' }]);
    assert.deepEqual(messagesOfType(threadB, ChatEventType.CLOSED), [{ matchId, code: 'BLOCKED' }]);
    assert.equal(await expectJoinRefused(joinThread(n0.url, a, matchId)), 'UNMATCHED');
    // The call: ended for both, because the match ended; no new one.
    for (const d of [phoneA, phoneB]) {
      await waitForEvents(d, () => callEnded(d, call.callId).length === 1);
      assert.equal(callEnded(d, call.callId)[0]!.data['reason'], 'match_ended');
    }
    assert.equal(codeOf(await command(phoneA.room, 'call.start', { matchId })), 'UNMATCHED');
    // Both hear the match ended, without being told who blocked.
    for (const d of [phoneA, phoneB]) await waitForEvents(d, (events) => events.some((e) => e.type === UserEventType.MATCH_ENDED));
    // Presence: B's next change reaches C (matched with B), and not A.
    replyOf(await command(phoneB.room, 'presence.set', { status: 'online' }));
    await waitForEvents(phoneC, () => presenceOf(phoneC, b.userId).includes('online'));
    assert.equal(presenceOf(phoneA, b.userId).length, heardOfB, 'A hears nothing of B any more');
    // Nor can they reach each other's cards, which are to them as cards that do not exist.
    assert.equal(codeOf(await command(phoneA.room, 'swipe', { fromCardId: a.card.id, toCardId: job.id, action: 'like' })), 'CARD_NOT_FOUND');
  });

  it('unmatch: decks, the thread, the call and presence, at once on every node; the pair stays apart, as after a block', async () => {
    const [n0, n1] = suite.nodes;
    const { a, b, matchId, phoneA, phoneB, phoneC, threadA, threadB } = await twoMatchedPeople();
    // As in the block's case: each is in a cached deck of the other.
    const job = await hiresToo(a, b, phoneA, phoneB);
    const call = await startCall(phoneB, matchId);
    await waitForEvents(phoneA, (events) => events.some((e) => e.type === UserEventType.CALL_INCOMING && e.data['callId'] === call.callId));
    replyOf(await command(threadA.room, 'send', { clientMessageId: 'before', kind: 'text', body: 'hi' }));
    const closed = [closeCode(threadA.room), closeCode(threadB.room)];

    const unmatch = await requestJson<{ status: string }>(n0.url, 'DELETE', `/me/matches/${matchId}`, { token: a.accessToken });
    assert.deepEqual([unmatch.status, unmatch.body.status], [200, 'unmatched']);

    assert.deepEqual(await Promise.all(closed), [KismetCloseCode.THREAD_CLOSED, KismetCloseCode.THREAD_CLOSED]);
    for (const t of [threadA, threadB]) assert.deepEqual(messagesOfType(t, ChatEventType.CLOSED), [{ matchId, code: 'UNMATCHED' }]);
    assert.equal(await expectJoinRefused(joinThread(n1.url, b, matchId)), 'UNMATCHED');
    for (const d of [phoneA, phoneB]) {
      await waitForEvents(d, () => callEnded(d, call.callId).length === 1);
      assert.equal(callEnded(d, call.callId)[0]!.data['reason'], 'match_ended');
      await waitForEvents(d, (events) => events.some((e) => e.type === UserEventType.MATCH_ENDED && e.data['matchId'] === matchId));
    }
    assert.equal(codeOf(await command(phoneB.room, 'call.start', { matchId })), 'UNMATCHED');
    // Presence: A's change reaches nobody; B's change reaches C and not A.
    replyOf(await command(phoneB.room, 'presence.set', { status: 'away' }));
    await waitForEvents(phoneC, () => presenceOf(phoneC, b.userId).includes('away'));
    assert.equal(presenceOf(phoneA, b.userId).includes('away'), false);
    // The pair does not come round again: neither deck shows the other (the cached ones lost the job and A at once,
    // as after a block), and liking again matches nothing.
    const [deckA, deckB] = [await deckOf(phoneA, a.card.id), await deckOf(phoneB, job.id)];
    assert.deepEqual([deckA.cached, deckIds(deckA).has(job.id)], [true, false]);
    assert.deepEqual([deckB.cached, deckIds(deckB).has(a.card.id)], [true, false]);
    assert.equal(deckIds(await deckOf(phoneB, b.card.id)).has(a.card.id), false);
    // Built again (new preferences drop every cached deck), neither deck shows the other either.
    for (const [p, phone, cardId] of [[a, phoneA, a.card.id], [b, phoneB, job.id]] as const) {
      assert.equal((await requestJson(n1.url, 'PUT', '/me/preferences', { token: p.accessToken, body: { cardKind: p === a ? 'job' : 'person' } })).status, 200);
      const rebuilt = await deckOf(phone, cardId);
      assert.deepEqual([rebuilt.cached, deckIds(rebuilt).has(p === a ? job.id : a.card.id)], [false, false]);
    }
    const again = replyOf<SwipeResult>(await command(phoneA.room, 'swipe', { fromCardId: a.card.id, toCardId: b.card.id, action: 'like' }));
    assert.deepEqual([again.repeated, again.matchId], [true, matchId]);
    // Nor can they reach each other's cards, which are to them as cards that do not exist; to anyone else they are there.
    assert.equal(codeOf(await command(phoneA.room, 'swipe', { fromCardId: a.card.id, toCardId: job.id, action: 'like' })), 'CARD_NOT_FOUND');
    const read = async (viewer: Person, cardId: string) => (await requestJson(n1.url, 'GET', `/cards/${cardId}`, { token: viewer.accessToken })).status;
    const stranger = await registerPerson(n0.url, 'S');
    assert.deepEqual(
      [await read(a, b.card.id), await read(a, job.id), await read(b, a.card.id), await read(stranger, b.card.id), await read(stranger, job.id), await read(stranger, a.card.id)],
      [404, 404, 404, 200, 200, 200],
    );
    const threads = await requestJson<{ threads: Array<{ matchId: string; status: string }> }>(n1.url, 'GET', '/me/threads', { token: b.accessToken });
    assert.equal(threads.body.threads.find((t) => t.matchId === matchId)?.status, 'unmatched');
  });

  it('ban: every connection closed at once wherever it is, its call ended, kept out, and gone from every deck', async () => {
    const [n0, n1] = suite.nodes;
    const { a: banned, b: other, c: watcher, matchId, phoneA, phoneB, phoneC, threadA, threadB } = await twoMatchedPeople();
    const login = await postJson<{ refreshToken: string }>(n0.url, '/auth/login', { email: banned.email, password: TEST_PASSWORD });
    assert.equal(login.status, 200);
    assert.ok(deckIds(await deckOf(phoneC, watcher.card.id)).has(banned.card.id));
    // On a call with the other member when the ban lands.
    const call = await startCall(phoneB, matchId);
    await waitForEvents(phoneA, (events) => events.some((e) => e.type === UserEventType.CALL_INCOMING && e.data['callId'] === call.callId));
    replyOf(await command(phoneA.room, 'call.accept', { callId: call.callId }));
    const closed = [closeCode(phoneA.room), closeCode(threadA.room)];

    const ban = await admin(banned, { banned: true });
    assert.equal(ban.status, 200);
    // Its session (node 0) and its thread connection (node 1) close at once.
    assert.deepEqual(await Promise.all(closed), [KismetCloseCode.SESSION_REVOKED, KismetCloseCode.SESSION_REVOKED]);
    // The other member stays, and the thread goes on for them.
    assert.equal(threadB.room.connection.isOpen, true);
    replyOf<SendResult>(await command(threadB.room, 'send', { clientMessageId: 'still-here', kind: 'text', body: 'hello?' }));
    assert.equal(phoneB.room.connection.isOpen, true);
    // The call is over for the other member, and says why; storage agrees.
    await waitForEvents(phoneB, () => callEnded(phoneB, call.callId).length === 1);
    assert.deepEqual([callEnded(phoneB, call.callId)[0]!.data['state'], callEnded(phoneB, call.callId)[0]!.data['reason']], ['ended', 'account_banned']);
    const stored = await suite.cluster.pool.query<{ state: string; end_reason: string }>('select state, end_reason from calls where id = $1', [call.callId]);
    assert.deepEqual(stored.rows[0], { state: 'ended', end_reason: 'account_banned' });
    // Gone from a deck cached before the ban, and from a fresh one.
    const cached = await deckOf(phoneC, watcher.card.id);
    assert.deepEqual([cached.cached, deckIds(cached).has(banned.card.id)], [true, false]);
    const card = await requestJson<{ code: string }>(n1.url, 'GET', `/cards/${banned.card.id}`, { token: other.accessToken });
    assert.deepEqual([card.status, card.body.code], [404, 'CARD_NOT_FOUND']);
    // Kept out: no log-in, no refresh, and the access token it still holds opens nothing.
    const relogin = await postJson<{ code: string }>(n1.url, '/auth/login', { email: banned.email, password: TEST_PASSWORD });
    assert.deepEqual([relogin.status, relogin.body.code], [403, 'ACCOUNT_BANNED']);
    const refresh = await postJson<{ code: string }>(n1.url, '/auth/refresh', { refreshToken: login.body.refreshToken });
    assert.equal(refresh.body.code, 'ACCOUNT_BANNED');
    assert.equal(await expectJoinRefused(connectDevice(n1.url, banned, 'phone')), 'ACCOUNT_BANNED');
    assert.equal(await expectJoinRefused(joinThread(n0.url, banned, matchId)), 'ACCOUNT_BANNED');
  });

  it('shadow-ban: the "nearby now" figure counts them for nobody, and shows them what it showed before', async () => {
    const [n0, n1] = suite.nodes;
    const mysuru = { lat: 12.2958, lng: 76.6394 }; // a cell nobody else in this suite is in
    const cell = latLngToCell(mysuru.lat, mysuru.lng, 7);
    const [shadow, neighbour] = await Promise.all([personAt(n0.url, mysuru, 'S'), personAt(n1.url, mysuru, 'N')]);
    // Four more people online there: each of the two sees five others, the first figure past "a few".
    suite.open.push(...(await crowdAt(n0.url, mysuru, 4)));
    for (const [url, person] of [[n0.url, shadow], [n1.url, neighbour]] as const) {
      const phone = await device(url, person, 'phone');
      await waitForEvents(phone, (events) => events.some((e) => e.type === UserEventType.LOBBY_CHANGED && e.data['cell'] === cell));
    }
    const [shadowWatch, neighbourWatch] = [await watchLobby(n0.url, shadow, cell), await watchLobby(n1.url, neighbour, cell)];
    suite.open.push(shadowWatch, neighbourWatch);
    await waitUntil(() => shadowWatch.counts().at(-1) === 5 && neighbourWatch.counts().at(-1) === 5, 10_000, () => `five: ${shadowWatch.counts()} ${neighbourWatch.counts()}`);

    const seenBefore = shadowWatch.counts().length;
    assert.equal((await admin(shadow, { shadowBanned: true })).status, 200);
    // To the people nearby they are gone: four others are "a few". They see the five others as before.
    await waitUntil(() => neighbourWatch.counts().at(-1) === 0, 10_000, () => `nearby ${neighbourWatch.counts()}`);
    assert.deepEqual(replyOf(await command(shadowWatch.room, 'nearby')), { cell, count: 5 });
    assert.deepEqual(shadowWatch.counts().slice(seenBefore), [], 'no new figure for the shadow-banned user');

    // Lifted: counted again.
    assert.equal((await admin(shadow, { shadowBanned: false })).status, 200);
    await waitUntil(() => neighbourWatch.counts().at(-1) === 5, 10_000, () => `nearby ${neighbourWatch.counts()}`);
  });

  it('shadow-ban: the user sees nothing change, and nobody else sees their cards, messages, likes, calls or presence', async () => {
    const [n0, n1] = suite.nodes;
    const { a: shadow, b: other, matchId, phoneA: shadowPhone, phoneB: otherPhone, threadA: shadowThread, threadB: otherThread } = await twoMatchedPeople();
    const [stranger, witness] = await Promise.all([personAt(n1.url, near(3), 'W'), personAt(n0.url, near(4), 'X')]);
    const strangerPhone = await device(n1.url, stranger, 'phone');
    const [shadowTablet, otherTablet] = [await thread(n1.url, shadow, matchId), await thread(n0.url, other, matchId)];
    assert.ok(deckIds(await deckOf(strangerPhone, stranger.card.id)).has(shadow.card.id));
    const set = await admin(shadow, { shadowBanned: true });
    assert.equal(set.status, 200);
    // To the people matched with them, they went offline (the "nearby now" figure: the next test).
    await waitForEvents(otherPhone, () => presenceOf(otherPhone, shadow.userId).at(-1) === 'offline');

    // Messages: the sender's own devices have them as always; the other member never does.
    const hidden = replyOf<SendResult>(await command(shadowThread.room, 'send', { clientMessageId: 'hidden-1', kind: 'text', body: 'can you see me?' }));
    assert.equal(hidden.repeated, false);
    await waitUntil(() => messagesOfType<ChatMessage>(shadowTablet, ChatEventType.MESSAGE).some((m) => m.seq === hidden.seq));
    replyOf(await command(shadowThread.room, 'typing', { active: true }));
    replyOf(await command(shadowThread.room, 'read', { seq: hidden.seq }));
    // What the other member sends next is broadcast after all that: their second device gets it and nothing before.
    const reply = replyOf<SendResult>(await command(otherThread.room, 'send', { clientMessageId: 'visible-1', kind: 'text', body: 'hello?' }));
    assert.equal(reply.seq, hidden.seq + 1);
    await waitUntil(() => messagesOfType<ChatMessage>(otherTablet, ChatEventType.MESSAGE).some((m) => m.seq === reply.seq));
    assert.deepEqual(messagesOfType<ChatMessage>(otherTablet, ChatEventType.MESSAGE).map((m) => m.clientMessageId), ['visible-1']);
    assert.deepEqual(messagesOfType(otherTablet, ChatEventType.TYPING), []);
    assert.deepEqual(messagesOfType(otherTablet, ChatEventType.READ).filter((r) => (r as { userId: string }).userId === shadow.userId), []);
    // The shadow-banned sender sees the other's message like anyone.
    await waitUntil(() => messagesOfType<ChatMessage>(shadowThread, ChatEventType.MESSAGE).some((m) => m.seq === reply.seq));
    // History: with it for its sender, without it for the other; the other's unread and read markers ignore it.
    const pageFor = async (t: ThreadConnection) => replyOf<MessagePage>(await command(t.room, 'history', {})).messages.map((m) => m.clientMessageId);
    assert.deepEqual(await pageFor(shadowThread), ['hidden-1', 'visible-1']);
    assert.deepEqual(await pageFor(otherThread), ['visible-1']);
    const rejoined = await thread(n0.url, other, matchId);
    assert.deepEqual((rejoined.ready as ThreadReadyMessage).readMarkers.map((m) => m.userId), [other.userId]);
    assert.equal((rejoined.ready as ThreadReadyMessage).unread, 0);

    // A member away from the thread hears nothing of a hidden message: no notice, no unread.
    for (const t of [otherThread, otherTablet, rejoined]) await t.room.leave();
    const away = replyOf<SendResult>(await command(shadowThread.room, 'send', { clientMessageId: 'hidden-2', kind: 'text', body: 'still there?' }));
    const threads = await requestJson<{ threads: Array<{ matchId: string; unread: number; lastSeq: number }> }>(n1.url, 'GET', '/me/threads', { token: other.accessToken });
    const summary = threads.body.threads.find((t) => t.matchId === matchId)!;
    assert.equal(summary.unread, 0, 'hidden messages are nobody’s unread');

    // Calls: a call from them rings nobody, and its end is theirs alone.
    const call = await startCall(shadowPhone, matchId);
    assert.equal(replyOf<{ state: string }>(await command(shadowPhone.room, 'call.cancel', { callId: call.callId })).state, 'cancelled');
    await waitForEvents(shadowPhone, () => callEnded(shadowPhone, call.callId).length === 1);
    // The other's own call afterwards reaches them normally, and is the first call the other hears of.
    const back = await startCall(otherPhone, matchId);
    await waitForEvents(shadowPhone, (events) => events.some((e) => e.type === UserEventType.CALL_INCOMING && e.data['callId'] === back.callId));
    replyOf(await command(otherPhone.room, 'call.cancel', { callId: back.callId }));
    await waitForEvents(otherPhone, () => callEnded(otherPhone, back.callId).length === 1);
    const watched: readonly string[] = [UserEventType.CALL_INCOMING, UserEventType.CALL_ENDED, UserEventType.MESSAGE_RECEIVED];
    const otherHeard = eventsOf(otherPhone).filter((e) => watched.includes(e.type));
    assert.deepEqual(otherHeard.map((e) => [e.type, e.data['callId']]), [[UserEventType.CALL_ENDED, back.callId]], 'no message notice, no ring, no end of their call');
    assert.ok(away.seq > hidden.seq);

    // Likes and profile views: kept, answered as always, and heard by nobody.
    const like = replyOf<SwipeResult>(await command(shadowPhone.room, 'swipe', { fromCardId: shadow.card.id, toCardId: stranger.card.id, action: 'like' }));
    assert.deepEqual([like.matched, like.repeated], [false, false]);
    replyOf(await command(shadowPhone.room, 'profile.view', { cardId: stranger.card.id }));
    // A like back is answered as for a card that does not exist: it makes no match and reaches nobody; the stranger's deck does not show them.
    const likesHeard = eventTypes(shadowPhone).filter((t) => t === UserEventType.LIKE_RECEIVED).length;
    assert.equal(codeOf(await command(strangerPhone.room, 'swipe', { fromCardId: stranger.card.id, toCardId: shadow.card.id, action: 'like' })), 'CARD_NOT_FOUND');
    // The witness likes and views the stranger next: the stranger's stream holds only the witness's.
    const witnessPhone = await device(n0.url, witness, 'phone');
    replyOf(await command(witnessPhone.room, 'swipe', { fromCardId: witness.card.id, toCardId: stranger.card.id, action: 'like' }));
    replyOf(await command(witnessPhone.room, 'profile.view', { cardId: stranger.card.id }));
    await waitForEvents(strangerPhone, (events) => events.some((e) => e.type === UserEventType.PROFILE_VIEWED));
    const heard = eventsOf(strangerPhone).filter((e) => e.type === UserEventType.LIKE_RECEIVED || e.type === UserEventType.PROFILE_VIEWED);
    assert.deepEqual(heard.map((e) => [e.type, e.data['count'] ?? e.data['viewerId']]), [
      [UserEventType.LIKE_RECEIVED, 1],
      [UserEventType.PROFILE_VIEWED, witness.userId],
    ]);
    const strangerDeck = await deckOf(strangerPhone, stranger.card.id);
    assert.equal(deckIds(strangerDeck).has(shadow.card.id), false);
    const card = await requestJson<{ code: string }>(n0.url, 'GET', `/cards/${shadow.card.id}`, { token: stranger.accessToken });
    assert.deepEqual([card.status, card.body.code], [404, 'CARD_NOT_FOUND']);

    // Presence: the shadow-banned user's changes reach nobody (the other heard 'offline' last).
    replyOf(await command(shadowPhone.room, 'presence.set', { status: 'away' }));
    replyOf(await command(otherPhone.room, 'presence.set', { status: 'away' }));
    await waitForEvents(shadowPhone, () => presenceOf(shadowPhone, other.userId).includes('away'));
    assert.equal(presenceOf(otherPhone, shadow.userId).at(-1), 'offline');
    assert.equal(eventTypes(shadowPhone).filter((t) => t === UserEventType.LIKE_RECEIVED).length, likesHeard, 'the like back reached nobody');

    // They notice nothing: their own deck, card and thread work as before.
    assert.ok(deckIds(await deckOf(shadowPhone, shadow.card.id)).has(witness.card.id));
    assert.equal((await requestJson(n1.url, 'GET', `/cards/${shadow.card.id}`, { token: shadow.accessToken })).status, 200);
    assert.deepEqual(eventTypes(shadowPhone).filter((t) => t === UserEventType.MATCH_ENDED), []);

    // Lifted: what they send is seen again.
    assert.equal((await admin(shadow, { shadowBanned: false })).status, 200);
    await waitForEvents(otherPhone, () => presenceOf(otherPhone, shadow.userId).at(-1) === 'away');
    const seenAgain = await thread(n0.url, other, matchId);
    const visible = replyOf<SendResult>(await command(shadowThread.room, 'send', { clientMessageId: 'visible-2', kind: 'text', body: 'back' }));
    await waitUntil(() => messagesOfType<ChatMessage>(seenAgain, ChatEventType.MESSAGE).some((m) => m.seq === visible.seq));
    assert.deepEqual(await pageFor(seenAgain), ['visible-1', 'visible-2']);
  });

  it('GET /me/threads: the other side of a block, a banned or shadow-banned person and a deactivated card show as unavailable, never as a deleted account; the shadow-banned see their own list unchanged', async () => {
    const [n0, n1] = suite.nodes;
    const [a, b, shadow, other, banned, deactivating] = await Promise.all([
      registerPerson(n0.url, 'A'), registerPerson(n1.url, 'B'), registerPerson(n0.url, 'S'), registerPerson(n1.url, 'O'), registerPerson(n0.url, 'X'), registerPerson(n1.url, 'D'),
    ]);
    const [blockedId, shadowId, bannedId, deactivatedId] = [
      await matchPeople(a, b, [n0.url, n1.url]),
      await matchPeople(shadow, other, [n0.url, n1.url]),
      await matchPeople(banned, other, [n0.url, n1.url]),
      await matchPeople(deactivating, other, [n1.url, n0.url]),
    ];
    const counterpartIn = async (viewer: Person, matchId: string) =>
      (await requestJson<{ threads: ThreadSummary[] }>(n1.url, 'GET', '/me/threads', { token: viewer.accessToken })).body.threads.find((t) => t.matchId === matchId)?.counterpart;
    const shown = (p: Person, photos: unknown[] = []) => ({ userId: p.userId, cardId: p.card.id, name: p.card.title, photos, hidden: false, deleted: false });
    const nobody = (p: Person) => ({ userId: p.userId, cardId: p.card.id, name: 'unavailable', photos: [], hidden: true, deleted: false });
    const photo = { url: 'https://cdn.example.com/p/new.jpg', width: 1080, height: 1350 };
    const edit = async (p: Person, title: string) =>
      assert.equal((await requestJson(n0.url, 'PATCH', `/cards/${p.card.id}`, { token: p.accessToken, body: { title, photos: [photo] } })).status, 200);
    assert.deepEqual(await counterpartIn(b, blockedId), shown(a));

    // A blocks B, then changes their card: B sees none of it, nor A anything of B.
    assert.equal((await requestJson(n0.url, 'POST', '/me/blocks', { token: a.accessToken, body: { userId: b.userId } })).status, 200);
    await edit(a, 'A after the block');
    assert.deepEqual(await counterpartIn(b, blockedId), nobody(a));
    assert.deepEqual(await counterpartIn(a, blockedId), nobody(b));

    // Shadow-banned, then changing their card: the other sees nothing of them; their own list shows the other as before.
    assert.equal((await admin(shadow, { shadowBanned: true })).status, 200);
    await edit(shadow, 'S in the shadow');
    assert.deepEqual(await counterpartIn(other, shadowId), nobody(shadow));
    assert.deepEqual(await counterpartIn(shadow, shadowId), shown(other));

    // Banned; a card its owner deactivated.
    assert.equal((await admin(banned, { banned: true })).status, 200);
    assert.deepEqual(await counterpartIn(other, bannedId), nobody(banned));
    assert.equal((await requestJson(n1.url, 'DELETE', `/cards/${deactivating.card.id}`, { token: deactivating.accessToken })).status, 200);
    assert.deepEqual(await counterpartIn(other, deactivatedId), nobody(deactivating));
  });
});
