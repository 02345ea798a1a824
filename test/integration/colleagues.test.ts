import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Room } from '@colyseus/sdk';
import { ChatEventType, type ChatMessage, type MessagePage, type ThreadMembersMessage, type ThreadReadyMessage } from '../../contracts/chat';
import { KismetCloseCode } from '../../contracts/common';
import type { CardView } from '../../contracts/cards';
import type { CompanyBody } from '../../contracts/companies';
import { openDatabase } from '../../db/database';
import * as previewsOutsideThreads from '../../db/migrations/2026_12_06_0018_previews_outside_threads';
import type { ThreadSummary } from '../../db/repositories/threadRepository';
import { matchPairKey } from '../../domain/progress';
import { ThreadClient } from '../../loadtest/client/threadClient';
import { command, connectDevice, eventsOf, registerUser, requestJson, TEST_PASSWORD, waitForEvents, waitUntil, type Device } from '../support/accounts';
import { useTestCluster } from '../support/cluster';
import { UNLIMITED_RATES } from '../support/limits';
import { joinThread, matchPeople, messagesOfType, registerPerson, replyOf, type Person, type ThreadConnection } from '../support/matches';
import { ADMIN_KEY } from '../support/operator';

const closeCode = (room: Room) => new Promise<number>((resolve) => room.onLeave((code) => resolve(code)));

describe('colleagues in hiring threads, on two nodes', function () {
  const suite = useTestCluster(2, { ACTOR_PLACEMENT: 'local', ADMIN_API_KEY: ADMIN_KEY, ...UNLIMITED_RATES });
  const url = (i: 0 | 1) => suite.nodes[i].url;
  const pool = () => suite.cluster.pool;

  const admin = <T>(method: 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown, token: string | null = ADMIN_KEY) =>
    requestJson<T & { code?: string }>(url(1), method, path, { ...(token === null ? {} : { token }), ...(body === undefined ? {} : { body }) });

  /** A company of the given recruiters, made by an operator. */
  async function company(...members: Array<{ userId: string }>): Promise<string> {
    const created = await admin<CompanyBody>('POST', '/admin/companies', { name: `Acme ${randomUUID().slice(0, 6)}` });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    for (const m of members) assert.equal((await admin('PUT', `/admin/companies/${created.body.companyId}/members/${m.userId}`)).status, 200);
    return created.body.companyId;
  }

  /** A recruiter and their job (posted for their company), a colleague in their company, a candidate, and the match of the job and the candidate. */
  async function hiringThread() {
    const owner = await registerUser(url(0), undefined, 'recruiter');
    const [candidate, colleague] = await Promise.all([registerPerson(url(0), 'Candidate'), registerUser(url(1), undefined, 'recruiter')]);
    const companyId = await company(owner, colleague);
    const job = await requestJson<CardView>(url(0), 'POST', '/cards', { token: owner.accessToken, body: { kind: 'job', title: 'Backend engineer' } });
    assert.equal(job.status, 201);
    const recruiter: Person = { ...owner, card: job.body };
    const matchId = await matchPeople(recruiter, candidate, [url(0), url(1)]);
    return { owner: recruiter, candidate, colleague, companyId, matchId };
  }

  const addColleague = (node: 0 | 1, matchId: string, by: { accessToken: string }, userId: unknown) =>
    requestJson<{ matchId: string; members: ThreadMembersMessage['members']; code?: string }>(url(node), 'POST', `/me/matches/${matchId}/colleagues`, { token: by.accessToken, body: { userId } });
  const removeColleague = (node: 0 | 1, matchId: string, by: { accessToken: string }, userId: string) =>
    requestJson<{ matchId: string; members: ThreadMembersMessage['members']; code?: string }>(url(node), 'DELETE', `/me/matches/${matchId}/colleagues/${userId}`, { token: by.accessToken });
  const send = async (thread: ThreadConnection, id: string) => replyOf<{ seq: number }>(await command(thread.room, 'send', { clientMessageId: id, kind: 'text', body: id })).seq;
  const noticesOf = (device: Device, matchId: string) =>
    eventsOf(device).filter((e) => e.type === 'message.received' && e.data.matchId === matchId).map((e) => ({ seq: e.data.seq as number, unread: e.data.unread as number }));
  const threadsOf = async (user: { accessToken: string }) => (await requestJson<{ threads: ThreadSummary[] }>(url(1), 'GET', '/me/threads', { token: user.accessToken })).body.threads;
  /**
   * A colleague taken out of a thread: a rejoin is refused, and of a message sent
   * after (`id`), the owner is told and the colleague's phone is not. Its seq.
   */
  const expectOutOfThread = async (
    at: { colleague: { accessToken: string }; owner: { userId: string; accessToken: string }; matchId: string; candidateThread: ThreadConnection; phone: Device },
    id: string,
  ): Promise<number> => {
    const refused = await ThreadClient.join(url(0), at.colleague, at.matchId).then(() => 'joined', (error: { code?: string }) => error.code);
    assert.equal(refused, 'NOT_A_MEMBER');
    const seq = await send(at.candidateThread, id);
    const ownerPhone = await connectDevice(url(0), at.owner, 'phone');
    suite.open.push(ownerPhone);
    await waitForEvents(ownerPhone, (events) => events.some((e) => e.type === 'message.received' && e.data.seq === seq), 30_000);
    assert.equal(noticesOf(at.phone, at.matchId).some((n) => n.seq === seq), false);
    return seq;
  };
  const readMarker = async (matchId: string, userId: string) =>
    Number((await pool().query('select last_read_seq from read_markers where match_id = $1 and user_id = $2', [matchId, userId])).rows[0]?.last_read_seq ?? -1);

  it('gives a colleague added through the other node, while the thread writes, every later message once, with their own unread count and the whole history', async () => {
    const { owner, candidate, colleague, matchId } = await hiringThread();
    // The thread lives on node 0; the candidate reaches it through node 1.
    const ownerThread = await joinThread(url(0), owner, matchId);
    const candidateThread = await joinThread(url(1), candidate, matchId);
    suite.open.push(ownerThread, candidateThread);
    assert.equal(ownerThread.ready.node, candidateThread.ready.node);
    for (let i = 0; i < 3; i++) await send(ownerThread, `before-o${i}`);
    for (let i = 0; i < 2; i++) await send(candidateThread, `before-c${i}`);
    const phone = await connectDevice(url(1), colleague, 'phone');
    suite.open.push(phone);

    // The addition goes to node 1 while both parties keep sending to the thread on node 0.
    const racing = Array.from({ length: 30 }, (_, i) => send(i % 2 === 0 ? candidateThread : ownerThread, `race-${i}`));
    const added = await addColleague(1, matchId, owner, colleague.userId);
    await Promise.all(racing);
    assert.equal(added.status, 201, JSON.stringify(added.body));
    assert.deepEqual(added.body.members.map((m) => [m.userId, m.role]).sort(), [[owner.userId, 'party'], [candidate.userId, 'party'], [colleague.userId, 'colleague']].sort());
    for (let i = 0; i < 10; i++) await send(i % 3 === 0 ? ownerThread : candidateThread, `after-${i}`);
    const lastSeq = 5 + 30 + 10;

    // Their read marker is where the thread stood when they were added: every message after it reaches them once.
    const addedAt = await readMarker(matchId, colleague.userId);
    assert.ok(addedAt >= 5 && addedAt <= 35, `added at ${addedAt}`);
    const expected = Array.from({ length: lastSeq - addedAt }, (_, i) => addedAt + 1 + i);
    await waitForEvents(phone, () => noticesOf(phone, matchId).length >= expected.length, 30_000);
    const notices = noticesOf(phone, matchId);
    assert.deepEqual(notices.map((n) => n.seq).sort((x, y) => x - y), expected, 'each later message once, none from before');
    assert.deepEqual(notices.map((n) => n.unread).sort((x, y) => x - y), expected.map((_, i) => i + 1), 'a running unread count of their own');
    const told = eventsOf(phone).filter((e) => e.type === 'thread.member.added');
    assert.equal(told.length, 1);
    assert.equal(told[0]!.data.userId, colleague.userId);

    // Everyone in the thread saw the list change.
    for (const thread of [ownerThread, candidateThread]) {
      await waitUntil(() => messagesOfType<ThreadMembersMessage>(thread, ChatEventType.MEMBERS).length > 0, 30_000);
      assert.ok(messagesOfType<ThreadMembersMessage>(thread, ChatEventType.MEMBERS).at(-1)!.members.some((m) => m.userId === colleague.userId && m.role === 'colleague'));
    }

    // In the thread (through node 1): their own unread count, the members, and history from the first message.
    const colleagueThread = await joinThread(url(1), colleague, matchId);
    suite.open.push(colleagueThread);
    const ready = colleagueThread.ready as ThreadReadyMessage;
    assert.deepEqual([ready.lastSeq, ready.unread], [lastSeq, expected.length]);
    assert.equal(ready.members.length, 3);
    const history = replyOf<MessagePage>(await command(colleagueThread.room, 'history', { limit: 200 }));
    assert.deepEqual(history.messages.map((m) => m.seq), Array.from({ length: lastSeq }, (_, i) => i + 1));
    assert.equal(history.messages[0]!.clientMessageId, 'before-o0');

    // What they send reaches both parties live; what the others send reaches them live, once.
    const seq = await send(colleagueThread, 'from-colleague');
    for (const thread of [ownerThread, candidateThread]) {
      await waitUntil(() => messagesOfType<ChatMessage>(thread, ChatEventType.MESSAGE).some((m) => m.seq === seq), 30_000);
    }
    const reply = await send(candidateThread, 'to-colleague');
    await waitUntil(() => messagesOfType<ChatMessage>(colleagueThread, ChatEventType.MESSAGE).some((m) => m.seq === reply), 30_000);
    assert.equal(messagesOfType<ChatMessage>(colleagueThread, ChatEventType.MESSAGE).filter((m) => m.seq === reply).length, 1);
    assert.equal(noticesOf(phone, matchId).some((n) => n.seq >= seq), false, 'no notice while a device is in the thread');

    // Read markers are each member's own.
    assert.deepEqual(replyOf(await command(colleagueThread.room, 'read', { seq: reply })), { lastReadSeq: reply, unread: 0 });
    const [colleagueList, candidateList] = await Promise.all([threadsOf(colleague), threadsOf(candidate)]);
    const mine = colleagueList.find((t) => t.matchId === matchId)!;
    assert.deepEqual([mine.lastReadSeq, mine.unread, mine.counterpart?.userId], [reply, 0, candidate.userId]);
    const candidates = candidateList.find((t) => t.matchId === matchId)!;
    const othersMessages = Number((await pool().query('select count(*) from messages where match_id = $1 and sender_id <> $2', [matchId, candidate.userId])).rows[0].count);
    assert.deepEqual([candidates.lastReadSeq, candidates.unread], [0, othersMessages]);
  });

  it('tells a colleague the thread had not heard of yet, once it does, of every message stored meanwhile', async () => {
    const { owner, candidate, colleague, matchId } = await hiringThread();
    const candidateThread = await joinThread(url(0), candidate, matchId);
    suite.open.push(candidateThread);
    await send(candidateThread, 'first');
    // Stored as the route stores it, with no word on the bus: as if the thread heard of it late.
    await pool().query(`insert into match_members (match_id, user_id, role, added_by) values ($1, $2, 'colleague', $3)`, [matchId, colleague.userId, owner.userId]);
    await pool().query(`insert into read_markers (match_id, user_id, last_read_seq) values ($1, $2, 1)`, [matchId, colleague.userId]);
    const missed = [await send(candidateThread, 'm2'), await send(candidateThread, 'm3'), await send(candidateThread, 'm4')];
    const phone = await connectDevice(url(1), colleague, 'phone');
    suite.open.push(phone);
    assert.deepEqual(noticesOf(phone, matchId), []);

    // Their join takes them in first: the notices of what they missed, and their unread count.
    const colleagueThread = await joinThread(url(1), colleague, matchId);
    suite.open.push(colleagueThread);
    assert.equal(colleagueThread.ready.unread, 3);
    await waitForEvents(phone, () => noticesOf(phone, matchId).length >= 3, 30_000);
    assert.deepEqual(noticesOf(phone, matchId), missed.map((seq, i) => ({ seq, unread: i + 1 })));
    const later = await send(candidateThread, 'm5');
    await waitUntil(() => messagesOfType<ChatMessage>(colleagueThread, ChatEventType.MESSAGE).some((m) => m.seq === later), 30_000);
    assert.equal(noticesOf(phone, matchId).length, 3, 'a member in the thread gets it live, not as a notice');
  });

  it('takes a removed colleague out at once: their connection closes, they cannot rejoin, and hear nothing more', async () => {
    const { owner, candidate, colleague, matchId } = await hiringThread();
    const candidateThread = await joinThread(url(0), candidate, matchId);
    suite.open.push(candidateThread);
    assert.equal((await addColleague(0, matchId, owner, colleague.userId)).status, 201);
    const colleagueThread = await joinThread(url(1), colleague, matchId);
    const phone = await connectDevice(url(1), colleague, 'phone');
    suite.open.push(colleagueThread, phone);
    const closed = closeCode(colleagueThread.room);

    const removed = await removeColleague(1, matchId, owner, colleague.userId);
    assert.equal(removed.status, 200, JSON.stringify(removed.body));
    assert.equal(removed.body.members.length, 2);
    assert.equal(await closed, KismetCloseCode.REMOVED_FROM_THREAD);
    await waitUntil(() => messagesOfType<ThreadMembersMessage>(candidateThread, ChatEventType.MEMBERS).some((m) => m.members.length === 2), 30_000);
    await waitForEvents(phone, (events) => events.some((e) => e.type === 'thread.member.removed'), 30_000);
    await expectOutOfThread({ colleague, owner, matchId, candidateThread, phone }, 'after-removal');
    assert.equal((await threadsOf(colleague)).some((t) => t.matchId === matchId), false);

    // Added again, they may also leave on their own.
    assert.equal((await addColleague(1, matchId, owner, colleague.userId)).status, 201);
    const again = await joinThread(url(1), colleague, matchId);
    suite.open.push(again);
    const left = closeCode(again.room);
    assert.equal((await removeColleague(0, matchId, colleague, colleague.userId)).status, 200);
    assert.equal(await left, KismetCloseCode.REMOVED_FROM_THREAD);
  });

  it('tells a colleague taken out while messages wait for storage nothing of those stored after: no notice, nothing live', async () => {
    // Whether a message was stored after a removal is read from the owner's stream (the owner stays away,
    // so every message of the candidate's is a notice there): a batch and a removal each hold the match's
    // lock until they commit, so the owner's events follow their commits' order.
    const storedAfter = async (ownerId: string, matchId: string, colleagueId: string): Promise<number | undefined> => {
      const { rows } = await pool().query<{ type: string; userId: string | null; messageSeq: number | null }>(
        `select type, payload->>'userId' as "userId", (payload->>'seq')::int as "messageSeq" from stored_events
          where user_id = $1 and payload->>'matchId' = $2 and type in ('message.received', 'thread.member.removed') order by stored_events.seq`,
        [ownerId, matchId],
      );
      const removal = rows.findIndex((r) => r.type === 'thread.member.removed' && r.userId === colleagueId);
      assert.ok(removal >= 0, 'the owner was told of the removal');
      return rows.slice(removal).find((r) => r.type === 'message.received')?.messageSeq ?? undefined;
    };
    let landedAmidSends = 0;
    for (let round = 0; round < 5 && landedAmidSends === 0; round++) {
      const { owner, candidate, colleague: away, companyId, matchId } = await hiringThread();
      const inThread = await registerUser(url(1), undefined, 'recruiter');
      assert.equal((await admin('PUT', `/admin/companies/${companyId}/members/${inThread.userId}`)).status, 200);
      for (const c of [away, inThread]) assert.equal((await addColleague(0, matchId, owner, c.userId)).status, 201);
      const candidateThread = await joinThread(url(0), candidate, matchId);
      const colleagueThread = await joinThread(url(1), inThread, matchId);
      suite.open.push(candidateThread, colleagueThread);
      const closed = closeCode(colleagueThread.room);
      // The connection's messages still recorded, and the first one heard at once.
      const firstLive = new Promise<void>((resolve) =>
        colleagueThread.room.onMessage(ChatEventType.MESSAGE, (message) => {
          colleagueThread.received.push({ type: ChatEventType.MESSAGE, message });
          resolve();
        }),
      );

      // The candidate queues many sends; once the first reached the colleague, both colleagues are taken out.
      const sends = Array.from({ length: 300 }, (_, i) => send(candidateThread, `r${round}-${i}`));
      await firstLive;
      const removals = await Promise.all([away, inThread].map((c) => removeColleague(1, matchId, owner, c.userId)));
      assert.deepEqual(removals.map((r) => r.status), [200, 200], JSON.stringify(removals.map((r) => r.body)));
      const seqs = await Promise.all(sends);
      assert.equal(await closed, KismetCloseCode.REMOVED_FROM_THREAD);

      // Away: no notice of a message stored after the removal, and no preview of any message.
      const awayAfter = await storedAfter(owner.userId, matchId, away.userId);
      const { rows: notices } = await pool().query<{ seq: number; preview: string }>(
        `select (payload->>'seq')::int as seq, payload->>'preview' as preview from stored_events where user_id = $1 and type = 'message.received' and payload->>'matchId' = $2`,
        [away.userId, matchId],
      );
      assert.deepEqual(notices.filter((n) => awayAfter !== undefined && n.seq >= awayAfter).map((n) => n.seq), [], `no notice from seq ${awayAfter} on`);
      assert.deepEqual(notices.filter((n) => n.preview !== ''), [], 'no preview');
      // In the thread: no message stored after the removal reached the connection.
      const inThreadAfter = await storedAfter(owner.userId, matchId, inThread.userId);
      const live = messagesOfType<ChatMessage>(colleagueThread, ChatEventType.MESSAGE).map((m) => m.seq);
      assert.deepEqual(live.filter((seq) => inThreadAfter !== undefined && seq >= inThreadAfter), [], `nothing live from seq ${inThreadAfter} on`);
      if (awayAfter !== undefined && inThreadAfter !== undefined) landedAmidSends += 1;
      assert.equal(Math.max(...seqs), 300);
    }
    assert.ok(landedAmidSends > 0, 'a removal fell among the sends');
  });

  it('erases what a colleague wrote in a thread they had left, when their account is deleted', async () => {
    const { owner, colleague, matchId } = await hiringThread();
    assert.equal((await addColleague(0, matchId, owner, colleague.userId)).status, 201);
    const colleagueThread = await joinThread(url(1), colleague, matchId);
    suite.open.push(colleagueThread);
    const seq = await send(colleagueThread, 'before-leaving');
    assert.equal((await removeColleague(0, matchId, colleague, colleague.userId)).status, 200);
    assert.equal((await requestJson(url(1), 'DELETE', '/me', { token: colleague.accessToken, body: { password: TEST_PASSWORD } })).status, 200);
    const { rows } = await pool().query('select body, deleted_at from messages where match_id = $1 and seq = $2', [matchId, seq]);
    assert.equal(rows[0]?.body, null, 'the text is gone');
    assert.notEqual(rows[0]?.deleted_at, null);
  });

  it('takes the previews of the thread’s messages out of a removed colleague’s notices, and nobody else’s', async () => {
    const { owner, candidate, colleague, matchId } = await hiringThread();
    const candidateThread = await joinThread(url(0), candidate, matchId);
    suite.open.push(candidateThread);
    assert.equal((await addColleague(0, matchId, owner, colleague.userId)).status, 201);
    // Away from the thread, the colleague and the owner are told of it in their streams, with a preview.
    replyOf(await command(candidateThread.room, 'send', { clientMessageId: 'c-1', kind: 'text', body: 'my phone number is 555-0100' }));
    const previews = async (userId: string) =>
      (await pool().query(`select payload->>'preview' as preview from stored_events where user_id = $1 and type = 'message.received' and payload->>'matchId' = $2 order by seq`, [userId, matchId])).rows.map(
        (r: { preview: string }) => r.preview,
      );
    await waitUntil(async () => (await previews(colleague.userId)).length === 1, 30_000, () => 'the colleague’s notice');
    assert.deepEqual(await previews(colleague.userId), ['my phone number is 555-0100']);

    assert.equal((await removeColleague(1, matchId, owner, colleague.userId)).status, 200);
    assert.deepEqual(await previews(colleague.userId), ['']);
    assert.deepEqual(await previews(owner.userId), ['my phone number is 555-0100'], 'the members keep theirs');

    // Notices a colleague kept from before removals took previews (and the migration that takes them out then).
    await pool().query(`update stored_events set payload = payload || '{"preview": "kept from before"}'::jsonb where user_id = $1 and payload->>'matchId' = $2`, [colleague.userId, matchId]);
    const database = await openDatabase({ kind: 'postgres', url: suite.cluster.env['DATABASE_URL']!, poolSize: 1 });
    try {
      await previewsOutsideThreads.up(database.db);
    } finally {
      await database.close();
    }
    assert.deepEqual([await previews(colleague.userId), await previews(owner.userId)], [[''], ['my phone number is 555-0100']]);
  });

  it('takes a recruiter who leaves the company out of its hiring threads', async () => {
    const { owner, candidate, colleague, companyId, matchId } = await hiringThread();
    assert.equal((await addColleague(0, matchId, owner, colleague.userId)).status, 201);
    const colleagueThread = await joinThread(url(1), colleague, matchId);
    suite.open.push(colleagueThread);
    const closed = closeCode(colleagueThread.room);
    assert.equal((await admin('DELETE', `/admin/companies/${companyId}/members/${colleague.userId}`)).status, 200);
    assert.equal(await closed, KismetCloseCode.REMOVED_FROM_THREAD);
    const refused = await ThreadClient.join(url(0), colleague, matchId).then(() => 'joined', (error: { code?: string }) => error.code);
    assert.equal(refused, 'NOT_A_MEMBER');
    assert.equal((await threadsOf(colleague)).some((t) => t.matchId === matchId), false);
    // Repeated, the operator's call answers the same and changes nothing more.
    assert.equal((await admin('DELETE', `/admin/companies/${companyId}/members/${colleague.userId}`)).status, 200);
    const members = await pool().query('select user_id from match_members where match_id = $1 order by user_id', [matchId]);
    assert.deepEqual(members.rows.map((r: { user_id: string }) => r.user_id), [owner.userId, candidate.userId].sort());
  });

  it('takes a recruiter who leaves the company out of every thread of it, one whose match ended among them', async () => {
    const { owner, candidate, colleague, companyId, matchId } = await hiringThread();
    const second = await registerPerson(url(0), 'Second candidate');
    const endedId = await matchPeople(owner, second, [url(0), url(1)]);
    for (const id of [matchId, endedId]) assert.equal((await addColleague(0, id, owner, colleague.userId)).status, 201);
    // The second candidate blocks the colleague: that match ends, the colleague's place in it stays.
    const blocked = await requestJson<{ endedMatches: string[] }>(url(1), 'POST', '/me/blocks', { token: second.accessToken, body: { userId: colleague.userId } });
    assert.deepEqual(blocked.body.endedMatches, [endedId]);
    const candidateThread = await joinThread(url(0), candidate, matchId);
    const colleagueThread = await joinThread(url(1), colleague, matchId);
    const phone = await connectDevice(url(1), colleague, 'phone');
    suite.open.push(candidateThread, colleagueThread, phone);
    const closed = closeCode(colleagueThread.room);

    const removed = await admin<CompanyBody>('DELETE', `/admin/companies/${companyId}/members/${colleague.userId}`);
    assert.deepEqual([removed.status, removed.body.memberIds], [200, [owner.userId]], JSON.stringify(removed.body));
    assert.equal(await closed, KismetCloseCode.REMOVED_FROM_THREAD);
    const places = await pool().query('select match_id from match_members where user_id = $1', [colleague.userId]);
    assert.deepEqual(places.rows, [], 'no place left in either thread');
    // The active thread goes on without them: the owner is told of the next message, the colleague is not.
    const seq = await expectOutOfThread({ colleague, owner, matchId, candidateThread, phone }, 'after-leaving');
    assert.equal(messagesOfType<ChatMessage>(colleagueThread, ChatEventType.MESSAGE).some((m) => m.seq === seq), false);
    assert.deepEqual((await threadsOf(colleague)).filter((t) => [matchId, endedId].includes(t.matchId)), []);
  });

  it('closes the thread for the colleague too when the match ends', async () => {
    const { owner, candidate, colleague, matchId } = await hiringThread();
    assert.equal((await addColleague(1, matchId, owner, colleague.userId)).status, 201);
    const [ownerThread, colleagueThread] = [await joinThread(url(0), owner, matchId), await joinThread(url(1), colleague, matchId)];
    const phone = await connectDevice(url(1), colleague, 'phone');
    suite.open.push(ownerThread, colleagueThread, phone);
    const closed = [closeCode(ownerThread.room), closeCode(colleagueThread.room)];
    assert.equal((await requestJson(url(1), 'DELETE', `/me/matches/${matchId}`, { token: candidate.accessToken })).status, 200);
    assert.deepEqual(await Promise.all(closed), [KismetCloseCode.THREAD_CLOSED, KismetCloseCode.THREAD_CLOSED]);
    await waitForEvents(phone, (events) => events.some((e) => e.type === 'match.ended' && e.data.matchId === matchId), 30_000);
    const refused = await ThreadClient.join(url(1), colleague, matchId).then(() => 'joined', (error: { code?: string }) => error.code);
    assert.equal(refused, 'UNMATCHED');
  });

  it('ends the match when the candidate blocks a colleague, and not when the owner blocks one', async () => {
    const first = await hiringThread();
    assert.equal((await addColleague(0, first.matchId, first.owner, first.colleague.userId)).status, 201);
    const blocked = await requestJson<{ endedMatches: string[] }>(url(1), 'POST', '/me/blocks', { token: first.candidate.accessToken, body: { userId: first.colleague.userId } });
    assert.deepEqual(blocked.body.endedMatches, [first.matchId]);

    const second = await hiringThread();
    assert.equal((await addColleague(0, second.matchId, second.owner, second.colleague.userId)).status, 201);
    const inside = await requestJson<{ endedMatches: string[] }>(url(1), 'POST', '/me/blocks', { token: second.owner.accessToken, body: { userId: second.colleague.userId } });
    assert.deepEqual(inside.body.endedMatches, []);
    const ownerThread = await joinThread(url(0), second.owner, second.matchId);
    suite.open.push(ownerThread);
    assert.equal(ownerThread.ready.members.length, 3);
  });

  it('shows a colleague the candidate of an ended thread alike, whether the candidate blocked them or the match was unmatched', async () => {
    /** What the colleague sees of the candidate: the thread list's counterpart and the card route, with ids named by role. */
    const sight = async (at: Awaited<ReturnType<typeof hiringThread>>) => {
      const thread = (await threadsOf(at.colleague)).find((t) => t.matchId === at.matchId)!;
      const card = await requestJson<{ code?: string }>(url(0), 'GET', `/cards/${at.candidate.card.id}`, { token: at.colleague.accessToken });
      return JSON.parse(JSON.stringify({ status: thread.status, counterpart: thread.counterpart, card: [card.status, card.body.code] })
        .replaceAll(at.candidate.userId, 'C').replaceAll(at.candidate.card.id, 'CARD_C')) as unknown;
    };
    const [blocked, unmatched] = [await hiringThread(), await hiringThread()];
    for (const at of [blocked, unmatched]) {
      assert.equal((await addColleague(0, at.matchId, at.owner, at.colleague.userId)).status, 201);
      assert.equal((await requestJson(url(0), 'GET', `/cards/${at.candidate.card.id}`, { token: at.colleague.accessToken })).status, 200);
    }
    assert.equal((await requestJson(url(1), 'POST', '/me/blocks', { token: blocked.candidate.accessToken, body: { userId: blocked.colleague.userId } })).status, 200);
    assert.equal((await requestJson(url(1), 'DELETE', `/me/matches/${unmatched.matchId}`, { token: unmatched.owner.accessToken })).status, 200);
    assert.deepEqual(await sight(unmatched), {
      status: 'unmatched',
      counterpart: { userId: 'C', cardId: 'CARD_C', name: 'unavailable', photos: [], hidden: true, deleted: false },
      card: [404, 'CARD_NOT_FOUND'],
    });
    assert.deepEqual(await sight(blocked), await sight(unmatched));
  });

  it('refuses a recruiter of the company who cannot join a thread with one answer, never telling a block', async () => {
    const { owner, candidate, companyId, matchId } = await hiringThread();
    const recruiters = await Promise.all(Array.from({ length: 6 }, () => registerUser(url(1), undefined, 'recruiter')));
    const [blocksOwner, blockedByCandidate, blocksCandidate, banned, exMatch, free] = recruiters;
    for (const r of recruiters) assert.equal((await admin('PUT', `/admin/companies/${companyId}/members/${r!.userId}`)).status, 200);
    const block = async (by: { accessToken: string }, userId: string) =>
      assert.equal((await requestJson(url(1), 'POST', '/me/blocks', { token: by.accessToken, body: { userId } })).status, 200);
    await block(blocksOwner!, owner.userId);
    await block(candidate, blockedByCandidate!.userId);
    await block(blocksCandidate!, candidate.userId);
    assert.equal((await admin('POST', `/admin/users/${banned!.userId}`, { banned: true })).status, 200);
    // A recruiter whose own job matched the candidate, and unmatched: apart as if blocked.
    const exJob = await requestJson<CardView>(url(1), 'POST', '/cards', { token: exMatch!.accessToken, body: { kind: 'job', title: 'Data engineer' } });
    const exMatchId = await matchPeople({ ...exMatch!, card: exJob.body }, candidate, [url(1), url(0)]);
    assert.equal((await requestJson(url(1), 'DELETE', `/me/matches/${exMatchId}`, { token: exMatch!.accessToken })).status, 200);
    const members = async () => (await pool().query('select user_id from match_members where match_id = $1 order by user_id', [matchId])).rows;
    const before = await members();

    const answers = [];
    for (const r of [blocksOwner, blockedByCandidate, blocksCandidate, banned, exMatch]) {
      const { status, body } = await addColleague(0, matchId, owner, r!.userId);
      answers.push({ status, body });
    }
    const refusal = { status: 403, body: { code: 'COLLEAGUE_NOT_ADDABLE', message: 'that account cannot be added to this thread' } };
    assert.deepEqual(answers, Array(5).fill(refusal), 'a block either way, a ban and an ended match: one answer, which names none');
    assert.deepEqual(await members(), before, 'nothing changed');
    assert.equal((await addColleague(1, matchId, owner, free!.userId)).status, 201);
  });

  it('refuses bad input to every colleague and company route with its code, and changes nothing', async () => {
    const { owner, candidate, colleague, companyId, matchId } = await hiringThread();
    const outsider = await registerUser(url(1), undefined, 'recruiter');
    const loner = await registerUser(url(1), undefined, 'recruiter');
    const member = await registerUser(url(1));
    await company(outsider);
    const dating = await (async () => {
      const [a, b] = await Promise.all([registerPerson(url(0), 'A'), registerPerson(url(0), 'B')]);
      return { a, b, matchId: await matchPeople(a, b, [url(0), url(1)]) };
    })();
    assert.equal((await addColleague(0, matchId, owner, colleague.userId)).status, 201);
    // A match's progress is counted after the like's answer, and stores its quest and level events then:
    // both matches' must be in before the snapshot, or a busy machine stores them during the cases.
    const matchKeys = [matchPairKey([owner.userId, candidate.userId]), matchPairKey([dating.a.userId, dating.b.userId])];
    const counted = async () => Number((await pool().query('select count(*)::int as n from progress_ledger where action_key = any($1)', [matchKeys])).rows[0].n);
    await waitUntil(async () => (await counted()) === 4, 20_000, () => 'the progress of both matches, for both owners of each');
    const state = async () =>
      JSON.stringify((await pool().query(
        `select (select json_agg(json_build_array(match_id, user_id, role) order by match_id, user_id) from match_members) as members,
                (select json_agg(json_build_array(user_id, company_id) order by user_id) from company_members) as companies,
                (select count(*) from stored_events) as events, (select count(*) from operator_audit) as audit`,
      )).rows[0]);
    const before = await state();

    const cases: Array<[string, () => Promise<{ status: number; body: { code?: string } }>, number, string]> = [
      ['no token', () => requestJson(url(0), 'POST', `/me/matches/${matchId}/colleagues`, { body: { userId: loner.userId } }), 401, 'TOKEN_MISSING'],
      ['an unknown match', () => addColleague(0, randomUUID(), owner, colleague.userId), 404, 'MATCH_NOT_FOUND'],
      ['a malformed match id', () => addColleague(1, 'not-a-match', owner, colleague.userId), 404, 'MATCH_NOT_FOUND'],
      ['a malformed account id', () => addColleague(0, matchId, owner, 'someone'), 400, 'INVALID_BODY'],
      ['a body with more', () => requestJson(url(0), 'POST', `/me/matches/${matchId}/colleagues`, { token: owner.accessToken, body: { userId: colleague.userId, role: 'party' } }), 400, 'INVALID_BODY'],
      ['a caller outside the match', () => addColleague(0, matchId, outsider, outsider.userId), 404, 'MATCH_NOT_FOUND'],
      ['the candidate adding', () => addColleague(0, matchId, candidate, colleague.userId), 403, 'NOT_THE_JOB_OWNER'],
      ['a colleague adding', () => addColleague(1, matchId, colleague, owner.userId), 403, 'NOT_THE_JOB_OWNER'],
      ['a dating match', () => addColleague(0, dating.matchId, dating.a, colleague.userId), 403, 'NOT_THE_JOB_OWNER'],
      ['a recruiter of another company', () => addColleague(0, matchId, owner, outsider.userId), 403, 'NOT_SAME_COMPANY'],
      ['a recruiter of no company', () => addColleague(0, matchId, owner, loner.userId), 403, 'NOT_SAME_COMPANY'],
      ['a member account', () => addColleague(0, matchId, owner, member.userId), 403, 'NOT_SAME_COMPANY'],
      ['the candidate as a colleague', () => addColleague(0, matchId, owner, candidate.userId), 409, 'ALREADY_MEMBER'],
      ['a colleague twice', () => addColleague(1, matchId, owner, colleague.userId), 409, 'ALREADY_MEMBER'],
      ['an unknown account', () => addColleague(0, matchId, owner, randomUUID()), 404, 'NOT_FOUND'],
      ['removing the candidate', () => removeColleague(0, matchId, owner, candidate.userId), 409, 'NOT_A_COLLEAGUE'],
      ['removing someone not in it', () => removeColleague(0, matchId, owner, loner.userId), 403, 'NOT_A_MEMBER'],
      ['removing a malformed id', () => removeColleague(0, matchId, owner, 'nobody'), 403, 'NOT_A_MEMBER'],
      ['the candidate removing', () => removeColleague(1, matchId, candidate, colleague.userId), 403, 'NOT_THE_JOB_OWNER'],
      ['a colleague unmatching', () => requestJson(url(0), 'DELETE', `/me/matches/${matchId}`, { token: colleague.accessToken }), 403, 'NOT_A_PARTY'],
      ['a company without the key', () => admin('POST', '/admin/companies', { name: 'x' }, null), 403, 'FORBIDDEN'],
      ['a company with a user token', () => admin('POST', '/admin/companies', { name: 'x' }, owner.accessToken), 403, 'FORBIDDEN'],
      ['a company without a name', () => admin('POST', '/admin/companies', { name: '  ' }), 400, 'INVALID_BODY'],
      ['a member of an unknown company', () => admin('PUT', `/admin/companies/${randomUUID()}/members/${loner.userId}`), 404, 'NOT_FOUND'],
      ['a malformed company id', () => admin('PUT', `/admin/companies/acme/members/${loner.userId}`), 404, 'NOT_FOUND'],
      ['an unknown account in a company', () => admin('PUT', `/admin/companies/${companyId}/members/${randomUUID()}`), 404, 'NOT_FOUND'],
      ['a member account in a company', () => admin('PUT', `/admin/companies/${companyId}/members/${member.userId}`), 403, 'RECRUITER_ONLY'],
      ['a recruiter of another company', () => admin('PUT', `/admin/companies/${companyId}/members/${outsider.userId}`), 409, 'ALREADY_IN_COMPANY'],
      ['removing from an unknown company', () => admin('DELETE', `/admin/companies/${randomUUID()}/members/${loner.userId}`), 404, 'NOT_FOUND'],
      ['the company of a recruiter in none', () => requestJson(url(0), 'GET', '/me/company', { token: loner.accessToken }), 404, 'NOT_FOUND'],
    ];
    // One at a time: a wrongly accepted case must not change what the next one meets.
    for (const [what, answer, status, code] of cases) {
      const { status: got, body } = await answer();
      assert.deepEqual([got, body.code], [status, code], what);
    }
    assert.equal(await state(), before, 'nothing changed');

    // A closed thread takes nobody, and lets nobody go.
    assert.equal((await requestJson(url(0), 'DELETE', `/me/matches/${matchId}`, { token: owner.accessToken })).status, 200);
    const closedBefore = await state();
    const afterEnd = [await addColleague(1, matchId, owner, loner.userId), await removeColleague(1, matchId, owner, colleague.userId)];
    assert.deepEqual(afterEnd.map((a) => [a.status, a.body.code]), [[410, 'THREAD_CLOSED'], [410, 'THREAD_CLOSED']]);
    assert.equal(await state(), closedBefore);

    // A recruiter reads their company.
    const mine = await requestJson<CompanyBody>(url(0), 'GET', '/me/company', { token: colleague.accessToken });
    assert.deepEqual([mine.status, mine.body.companyId, mine.body.memberIds.sort()], [200, companyId, [owner.userId, colleague.userId].sort()]);
  });
});
