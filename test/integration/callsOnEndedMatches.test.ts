import assert from 'node:assert/strict';
import type { CallStarted } from '../../contracts/calls';
import type { ErrorMessage, ReplyMessage } from '../../contracts/common';
import { command, eventsOf, requestJson, waitForEvents, waitUntil, type Device } from '../support/accounts';
import { useTestCluster } from '../support/cluster';
import { advisoryLockAwaited, backendsWaitingOnLocks } from '../support/clusterDatabase';
import { codeOf, matchedPair, matchPeople, registerPerson, replyOf, type Person } from '../support/matches';

type Answer = ReplyMessage | ErrorMessage;
const CALL_LOCK = "hashtext('kismet:call-starts')";
const eventsOfType = (device: Device, type: string) => eventsOf(device).filter((e) => e.type === type);

/**
 * A call's start checks the match, then waits for the lock every call start in the cluster
 * takes, longer the busier the cluster: an unmatch or a block landing meanwhile keeps the call
 * from being stored or ringing anyone. A call still live on a match that ended (its end's node
 * stopped before ending it) is neither answered nor given media.
 */
describe('calls and the end of their match, on two nodes', function () {
  const suite = useTestCluster(2, { ACTOR_PLACEMENT: 'local' });
  const { device } = suite;
  const pool = () => suite.cluster.pool;
  const callRow = async (callId: string) =>
    (await pool().query<{ state: string; end_reason: string | null }>('select state, end_reason from calls where id = $1', [callId])).rows[0];

  /**
   * `start` held on the call lock, which the test takes first as other starts in the cluster
   * would; `meanwhile` runs once the start waits on it, then the lock is let go. Start's answer.
   */
  async function heldOnCallLock(start: () => Promise<Answer>, meanwhile: () => Promise<void>): Promise<Answer> {
    const holder = await pool().connect();
    try {
      await holder.query(`select pg_advisory_lock(${CALL_LOCK})`);
      const answer = start();
      await waitUntil(() => advisoryLockAwaited(pool()), 10_000, () => 'the start to wait on the call lock');
      await meanwhile();
      await holder.query(`select pg_advisory_unlock(${CALL_LOCK})`);
      return await answer;
    } finally {
      await holder.query('select pg_advisory_unlock_all()');
      holder.release();
    }
  }

  const block = async (url: string, blocker: Person, blocked: Person) => {
    const answer = await requestJson(url, 'POST', '/me/blocks', { token: blocker.accessToken, body: { userId: blocked.userId } });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
  };
  const unmatch = async (url: string, person: Person, matchId: string) => {
    const answer = await requestJson(url, 'DELETE', `/me/matches/${matchId}`, { token: person.accessToken });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
  };

  const ends: ReadonlyArray<[string, (url: string, pair: { a: Person; b: Person; matchId: string }) => Promise<void>, string, string]> = [
    ['the callee blocks the caller', (url, { a, b }) => block(url, b, a), 'blocked', 'UNMATCHED'],
    ['the caller blocks the callee', (url, { a, b }) => block(url, a, b), 'blocked', 'BLOCKED'],
    ['the callee unmatches', (url, { b, matchId }) => unmatch(url, b, matchId), 'unmatched', 'UNMATCHED'],
  ];
  for (const [how, end, status, code] of ends) {
    it(`refuses a start waiting on the call lock while ${how} (${code}): nothing stored, nothing rings`, async () => {
      const [n0, n1] = suite.nodes;
      const pair = await matchedPair(n0.url, [n0.url, n1.url]);
      const { a, b, matchId } = pair;
      const c = await registerPerson(n0.url, 'C');
      const bWithC = await matchPeople(c, b, [n0.url, n1.url]);
      const [phoneA, phoneB, phoneC] = [await device(n0.url, a, 'phone'), await device(n1.url, b, 'phone'), await device(n0.url, c, 'phone')];

      const answer = await heldOnCallLock(() => command(phoneA.room, 'call.start', { matchId, media: 'audio' }), () => end(n1.url, pair));
      assert.equal(codeOf(answer), code, JSON.stringify(answer));
      const match = (await pool().query<{ status: string }>('select status from matches where id = $1', [matchId])).rows[0]!;
      assert.equal(match.status, status);
      // Never stored: no call holds a line or the cap, and no push was queued with it.
      assert.deepEqual((await pool().query('select id from calls where match_id = $1', [matchId])).rows, []);

      // A call rung after the refusal reaches B's session after any ring sent before it: B heard only that one.
      const marker = replyOf<CallStarted>(await command(phoneC.room, 'call.start', { matchId: bWithC }));
      await waitForEvents(phoneB, () => eventsOfType(phoneB, 'call.incoming').some((e) => e.data['callId'] === marker.callId));
      assert.deepEqual(eventsOfType(phoneB, 'call.incoming').map((e) => e.data['callerId']), [c.userId]);
      replyOf(await command(phoneC.room, 'call.cancel', { callId: marker.callId }));
    });
  }

  it('ends a call stored just as a block came: the block waits for it, then finds it and ends it for both', async () => {
    const [n0, n1] = suite.nodes;
    const { a, b, matchId } = await matchedPair(n0.url, [n0.url, n1.url]);
    const [phoneA, phoneB] = [await device(n0.url, a, 'phone'), await device(n1.url, b, 'phone')];
    // A call of the match on its way to storage in the test's own transaction: the start finds the
    // match active and waits to store its call behind that one (the match's one live call), holding the match.
    const holder = await pool().connect();
    let blocked: Promise<void> | undefined;
    try {
      await holder.query('begin');
      await holder.query(
        `insert into calls (id, match_id, caller_id, callee_id, livekit_room, state) values (gen_random_uuid(), $1, $2, $3, 'call-' || gen_random_uuid(), 'ringing')`,
        [matchId, b.userId, a.userId],
      );
      const starting = command(phoneA.room, 'call.start', { matchId, media: 'audio' });
      await waitUntil(async () => (await backendsWaitingOnLocks(pool())) === 1, 10_000, () => 'the start to wait on the call before it');
      let blockAnswered = false;
      blocked = block(n1.url, b, a).then(() => void (blockAnswered = true));
      // The block waits for the start to commit (or, were the match not held, is done first).
      await waitUntil(async () => blockAnswered || (await backendsWaitingOnLocks(pool())) === 2, 10_000, () => 'the block to wait on the start');
      await holder.query('rollback');
      const { callId } = replyOf<CallStarted>(await starting);
      await blocked;
      assert.deepEqual(await callRow(callId), { state: 'cancelled', end_reason: 'match_ended' });
      for (const phone of [phoneA, phoneB]) {
        await waitForEvents(phone, () => eventsOfType(phone, 'call.ended').some((e) => e.data['callId'] === callId && e.data['reason'] === 'match_ended'));
      }
    } finally {
      await holder.query('rollback').catch(() => undefined);
      holder.release();
      await blocked?.catch(() => undefined);
    }
  });

  it('answers another pair’s start while one match’s row is held by its end, and refuses the held pair’s once the end commits', async () => {
    const [n0, n1] = suite.nodes;
    const held = await matchedPair(n0.url, [n0.url, n1.url]);
    const other = await matchedPair(n1.url, [n1.url, n0.url]);
    const [heldPhone, otherPhone] = [await device(n0.url, held.a, 'phone'), await device(n1.url, other.a, 'phone')];
    // The match's row as a block, an unmatch or an erasure holds it until it commits (an erasure: all of the person's, for its length).
    const holder = await pool().connect();
    let heldStart: Promise<Answer> | undefined;
    let otherStart: Promise<Answer> | undefined;
    try {
      await holder.query('begin');
      await holder.query('select id from matches where id = $1 for update', [held.matchId]);
      heldStart = command(heldPhone.room, 'call.start', { matchId: held.matchId, media: 'audio' });
      await waitUntil(async () => (await backendsWaitingOnLocks(pool())) === 1, 10_000, () => 'the held pair’s start to wait on its match');
      let otherAnswer: Answer | undefined;
      otherStart = command(otherPhone.room, 'call.start', { matchId: other.matchId, media: 'audio' }).then((answer) => (otherAnswer = answer));
      // Answered while the row is still held, never waiting on the lock every start in the cluster takes.
      await waitUntil(async () => otherAnswer !== undefined || (await advisoryLockAwaited(pool())), 10_000, () => 'the other pair’s start to be answered');
      assert.ok(otherAnswer, 'the other pair’s start waits on the call lock, held by a start waiting on another match');
      replyOf<CallStarted>(otherAnswer);
      // The held start waited for the row without the call lock, and reads the match as the end left it.
      await holder.query(`update matches set status = 'unmatched', ended_at = now() where id = $1`, [held.matchId]);
      await holder.query('commit');
      assert.equal(codeOf(await heldStart), 'UNMATCHED');
      assert.deepEqual((await pool().query('select id from calls where match_id = $1', [held.matchId])).rows, []);
    } finally {
      await holder.query('rollback').catch(() => undefined);
      holder.release();
      await Promise.allSettled([heldStart, otherStart]);
    }
  });

  it('ends an answered call whose match ended without it at its next token request: CALL_OVER to both, call.ended to both', async () => {
    const [n0, n1] = suite.nodes;
    const { a, b, matchId } = await matchedPair(n0.url, [n0.url, n1.url]);
    const [phoneA, phoneB] = [await device(n0.url, a, 'phone'), await device(n1.url, b, 'phone')];
    const { callId } = replyOf<CallStarted>(await command(phoneA.room, 'call.start', { matchId }));
    replyOf(await command(phoneB.room, 'call.accept', { callId }));
    // The match's end as a node left it that stopped once the end was stored, before it ended the match's calls.
    await pool().query(`update matches set status = 'unmatched', ended_at = now() where id = $1`, [matchId]);

    assert.equal(codeOf(await command(phoneA.room, 'call.token', { callId })), 'CALL_OVER');
    assert.deepEqual(await callRow(callId), { state: 'ended', end_reason: 'match_ended' });
    for (const phone of [phoneA, phoneB]) {
      await waitForEvents(phone, () => eventsOfType(phone, 'call.ended').some((e) => e.data['callId'] === callId && e.data['reason'] === 'match_ended'));
    }
    assert.equal(codeOf(await command(phoneB.room, 'call.token', { callId })), 'CALL_OVER');
  });

  it('refuses to answer a ringing call whose match ended without it, and ends it for both', async () => {
    const [n0, n1] = suite.nodes;
    const { a, b, matchId } = await matchedPair(n0.url, [n0.url, n1.url]);
    const [phoneA, phoneB] = [await device(n0.url, a, 'phone'), await device(n1.url, b, 'phone')];
    const { callId } = replyOf<CallStarted>(await command(phoneA.room, 'call.start', { matchId }));
    await pool().query(`update matches set status = 'unmatched', ended_at = now() where id = $1`, [matchId]);

    assert.equal(codeOf(await command(phoneB.room, 'call.accept', { callId })), 'CALL_OVER');
    assert.deepEqual(await callRow(callId), { state: 'cancelled', end_reason: 'match_ended' });
    for (const phone of [phoneA, phoneB]) {
      await waitForEvents(phone, () => eventsOfType(phone, 'call.ended').some((e) => e.data['callId'] === callId && e.data['reason'] === 'match_ended'));
    }
  });
});
