import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Room } from '@colyseus/sdk';
import { ChatEventType, type TypingMessage } from '../../contracts/chat';
import type { CardView } from '../../contracts/cards';
import type { CompanyBody } from '../../contracts/companies';
import { KismetCloseCode } from '../../contracts/common';
import { startNodeProcess } from '../../loadtest/harness/nodeProcess';
import { command, disconnect, registerUser, requestJson, waitUntil, withTimeout } from '../support/accounts';
import { startTestCluster, type TestCluster } from '../support/cluster';
import { UNLIMITED_RATES } from '../support/limits';
import { joinThread, matchPeople, messagesOfType, registerPerson, replyOf, type ThreadConnection } from '../support/matches';
import { ADMIN_KEY } from '../support/operator';
import { TcpProxy } from '../support/tcpProxy';

const closeCode = (room: Room) => new Promise<number>((resolve) => room.onLeave((code) => resolve(code)));

/**
 * A colleague taken out of a hiring thread while the thread is busy: what the candidate
 * says after the removal is stored never reaches them, whatever was in flight. The thread's
 * actor lives on the near node, which reaches Redis through a proxy the test can slow;
 * removals go through the far node.
 */
describe('a colleague taken out of a busy hiring thread, on two nodes', function () {
  let cluster: TestCluster | undefined;
  let proxy: TcpProxy | undefined;
  const open: Array<{ readonly room: Room }> = [];
  before(async function () {
    cluster = await startTestCluster(this, 1, { ACTOR_PLACEMENT: 'local', ADMIN_API_KEY: ADMIN_KEY, ...UNLIMITED_RATES });
    if (!cluster) return;
    const redis = new URL(cluster.env['REDIS_URL']!);
    proxy = await TcpProxy.start(Number(redis.port || 6379));
    redis.hostname = '127.0.0.1';
    redis.port = String(proxy.port);
    cluster.nodes.unshift(await startNodeProcess({ ...cluster.env, REDIS_URL: redis.toString() }));
  });
  after(async () => {
    await Promise.all(open.map(disconnect));
    await cluster?.close();
    await proxy?.close();
  });
  const near = () => cluster!.nodes[0]!.url;
  const far = () => cluster!.nodes[1]!.url;
  const pool = () => cluster!.pool;

  /** A recruiter's job matched with a candidate, and a recruiter of their company (added to the thread unless `added` is false). */
  async function hiringThread(added = true) {
    const owner = await registerUser(far(), undefined, 'recruiter');
    const [candidate, colleague] = await Promise.all([registerPerson(far(), 'Candidate'), registerUser(far(), undefined, 'recruiter')]);
    const company = await requestJson<CompanyBody>(far(), 'POST', '/admin/companies', { token: ADMIN_KEY, body: { name: `Acme ${randomUUID().slice(0, 6)}` } });
    for (const m of [owner, colleague]) assert.equal((await requestJson(far(), 'PUT', `/admin/companies/${company.body.companyId}/members/${m.userId}`, { token: ADMIN_KEY })).status, 200);
    // Posted once its owner is in the company: a job takes colleagues only from the company it was posted for.
    const job = await requestJson<CardView>(far(), 'POST', '/cards', { token: owner.accessToken, body: { kind: 'job', title: 'Backend engineer' } });
    const matchId = await matchPeople({ ...owner, card: job.body }, candidate, [near(), far()]);
    if (added) assert.equal((await requestJson(far(), 'POST', `/me/matches/${matchId}/colleagues`, { token: owner.accessToken, body: { userId: colleague.userId } })).status, 201);
    return { owner, candidate, colleague, matchId };
  }
  const removeColleague = (matchId: string, owner: { accessToken: string }, userId: string) =>
    requestJson<{ code?: string }>(far(), 'DELETE', `/me/matches/${matchId}/colleagues/${userId}`, { token: owner.accessToken });
  const joined = async (url: string, user: Parameters<typeof joinThread>[1], matchId: string) => {
    const thread = await joinThread(url, user, matchId);
    open.push(thread);
    return thread;
  };
  /** A send's seq, its refusal's code, or `unanswered` (the connection closed first). */
  const send = (thread: ThreadConnection, id: string, body = id): Promise<number | string> =>
    command(thread.room, 'send', { clientMessageId: id, kind: 'text', body }).then(
      (answer) => ('code' in answer ? answer.code : replyOf<{ seq: number }>(answer).seq),
      () => 'unanswered',
    );
  const isMember = async (matchId: string, userId: string) => (await pool().query('select 1 from match_members where match_id = $1 and user_id = $2', [matchId, userId])).rowCount === 1;
  const previewsOf = async (userId: string, matchId: string) =>
    (await pool().query<{ preview: string }>(`select payload->>'preview' as preview from stored_events where user_id = $1 and type = 'message.received' and payload->>'matchId' = $2 order by seq`, [userId, matchId])).rows.map((r) => r.preview);
  /** Whether a statement of the scratch database with `fragment` in its text waits for a lock. */
  const waitsForLock = async (fragment: string) =>
    (await pool().query(`select 1 from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and strpos(query, $1) > 0`, [fragment])).rowCount! > 0;

  it('leaves no preview with a colleague whose removal commits while the thread takes them in, and keeps them out', async () => {
    const { owner, candidate, colleague, matchId } = await hiringThread(false);
    const candidateThread = await joined(near(), candidate, matchId);
    assert.equal(await send(candidateThread, 'first'), 1);
    // Added as the route adds them, with no word on the bus: the thread takes them in at their join, with notices of what they missed.
    await pool().query(`insert into match_members (match_id, user_id, role, added_by) values ($1, $2, 'colleague', $3)`, [matchId, colleague.userId, owner.userId]);
    await pool().query(`insert into read_markers (match_id, user_id, last_read_seq) values ($1, $2, 1)`, [matchId, colleague.userId]);
    assert.deepEqual([await send(candidateThread, 'm2', 'my number is 555-0100'), await send(candidateThread, 'm3')], [2, 3]);

    // The thread's messages locked away: the taking in stops as it reads what they missed.
    const blocker = await pool().connect();
    try {
      await blocker.query('begin');
      await blocker.query('lock table messages in access exclusive mode');
      const joining = joinThread(far(), colleague, matchId).then(
        (thread) => {
          open.push(thread);
          return { thread, closed: closeCode(thread.room) };
        },
        (error: Error) => error.message,
      );
      await waitUntil(() => waitsForLock('"seq" <='), 20_000, () => 'the taking in to wait for the messages it missed');
      const removing = removeColleague(matchId, owner, colleague.userId);
      // The removal is stored, or waits for the match's row (the taking in holds it) to finish.
      await waitUntil(async () => !(await isMember(matchId, colleague.userId)) || (await waitsForLock('from "matches" where "id" = $1 for update')), 20_000, () => 'the removal');
      await blocker.query('rollback');
      assert.equal((await removing).status, 200);
      const outcome = await joining;
      assert.deepEqual((await previewsOf(colleague.userId, matchId)).filter((p) => p !== ''), [], 'no preview of the thread’s words');
      assert.deepEqual(await previewsOf(owner.userId, matchId), ['first', 'my number is 555-0100', 'm3'], 'the members keep theirs');
      if (typeof outcome === 'string') assert.match(outcome, /NOT_A_MEMBER/);
      else assert.equal(await withTimeout(outcome.closed, 10_000, 'the colleague’s connection to close'), KismetCloseCode.REMOVED_FROM_THREAD);
    } finally {
      blocker.release();
    }
  });

  it('stores nothing a colleague sent that reaches storage after their removal, and refuses it', async () => {
    const { owner, candidate, colleague, matchId } = await hiringThread();
    const candidateThread = await joined(near(), candidate, matchId);
    const colleagueThread = await joined(near(), colleague, matchId);
    assert.equal(await send(colleagueThread, 'before'), 1);
    // The match's row held: the removal waits for it first, then the colleague's messages.
    const blocker = await pool().connect();
    let sends: Array<Promise<number | string>> = [];
    let removing: ReturnType<typeof removeColleague> | undefined;
    try {
      await blocker.query('begin');
      await blocker.query('select 1 from matches where id = $1 for update', [matchId]);
      removing = removeColleague(matchId, owner, colleague.userId);
      await waitUntil(() => waitsForLock('from "matches" where "id" = $1 for update'), 20_000, () => 'the removal to wait for the match');
      sends = Array.from({ length: 20 }, (_, i) => send(colleagueThread, `late-${i}`));
      await waitUntil(() => waitsForLock('update matches m set last_seq'), 20_000, () => 'the colleague’s messages to wait for the match');
    } finally {
      await blocker.query('rollback');
      blocker.release();
    }
    assert.equal((await removing!).status, 200);
    const answers = await Promise.all(sends);
    // Once the candidate's next message is stored, every send queued before it was stored or refused.
    assert.equal(await send(candidateThread, 'after'), 2);
    const senders = (await pool().query<{ seq: string; sender_id: string }>('select seq, sender_id from messages where match_id = $1 order by seq', [matchId])).rows;
    assert.deepEqual(senders.map((m) => [Number(m.seq), m.sender_id]), [[1, colleague.userId], [2, candidate.userId]], 'none of the colleague’s late messages is stored');
    // Refused (NOT_A_MEMBER), or unanswered where the removal closed their connection first.
    assert.deepEqual([...new Set(answers)].filter((a) => a !== 'NOT_A_MEMBER' && a !== 'unanswered'), []);
  });

  it('lets nothing said in the thread reach a removed colleague’s connection once the removal is stored, however late the bus is', async () => {
    const { owner, candidate, colleague, matchId } = await hiringThread();
    const ownerThread = await joined(near(), owner, matchId);
    const candidateThread = await joined(near(), candidate, matchId);
    const colleagueThread = await joined(near(), colleague, matchId);
    const closed = closeCode(colleagueThread.room);
    const typingTo = (thread: ThreadConnection) => messagesOfType<TypingMessage>(thread, ChatEventType.TYPING);
    assert.deepEqual(replyOf(await command(candidateThread.room, 'typing', { active: true })), { relayed: true });
    await waitUntil(() => typingTo(colleagueThread).length === 1 && typingTo(ownerThread).length === 1, 20_000, () => 'the colleague and the owner to see the candidate typing');

    // The thread's node hears Redis late; the removal is stored through the other node.
    proxy!.delayReplies(400);
    try {
      const removing = removeColleague(matchId, owner, colleague.userId);
      await waitUntil(async () => !(await isMember(matchId, colleague.userId)), 20_000, () => 'the removal to be stored');
      // The candidate leaves while typing: everyone in the thread hears them stop (no bus on the way).
      await candidateThread.room.leave();
      await waitUntil(() => typingTo(ownerThread).some((t) => !t.active), 20_000, () => 'the owner to see the candidate stop');
      assert.deepEqual(typingTo(colleagueThread), [{ userId: candidate.userId, active: true }], 'nothing after the removal reached the colleague');
      assert.equal((await removing).status, 200);
      assert.equal(await withTimeout(closed, 10_000, 'the colleague’s connection to close'), KismetCloseCode.REMOVED_FROM_THREAD);
    } finally {
      proxy!.restore();
    }
  });
});
