import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { ERASING, eraseAccount, finishErasures } from '../../db/repositories/accountErasureRepository';
import { harnessEmailKeys } from '../support/emailKeys';
import { appendUserEvents } from '../../db/repositories/eventRepository';
import { recordArrivals } from '../../db/repositories/eventSeatRepository';
import { storeThreadBatches } from '../../db/repositories/messageBatchRepository';
import { recordProgressBatch } from '../../db/repositories/progressBatchRepository';
import { appendEventsOfUsers } from '../../db/repositories/userEventBatchRepository';
import { ProgressAction } from '../../domain/progress';
import { messageNotices } from '../../domain/threadNotifications';
import { matchEndedEvents } from '../../domain/userEvents';
import { registerUser, waitUntil } from '../support/accounts';
import { useTestCluster } from '../support/cluster';
import { backendsWaitingOnLocks, lockAwaited, useClusterDatabase } from '../support/clusterDatabase';
import { scheduleEvent } from '../support/liveEvents';
import { storedMatch } from '../support/matches';

/**
 * Others' actions write for a person too: a hiring thread goes on when a
 * colleague's account is erased, so a message of theirs can be on its way
 * (accepted by the thread's actor, not yet committed) while the erasure runs;
 * so can an arrival at a live event, or an award of XP. Whichever commits
 * first, nothing of the erased account is left: the message keeps its place in
 * the thread without its text, in the thread and in the absent members'
 * notices, and the arrival and the award leave no row. Two erasures at once
 * both finish.
 */
describe('an account erasure and the writes on their way', function () {
  const suite = useTestCluster(1);
  // An erasure, a flush and an award at once.
  const database = useClusterDatabase(suite, 3);

  /** The two matched people and a third, a colleague in their thread, who writes in it. */
  async function threadWithColleague() {
    const [owner, candidate, colleague] = await Promise.all([1, 2, 3].map(() => registerUser(suite.nodes[0].url)));
    const matchId = await storedMatch(database.db, [owner!.userId, candidate!.userId]);
    await suite.cluster.pool.query(`insert into match_members (match_id, user_id, role) values ($1, $2, 'colleague')`, [matchId, colleague!.userId]);
    return { owner: owner!, candidate: candidate!, colleague: colleague!, matchId };
  }

  const messageAt = async (matchId: string, seq: number) =>
    (await suite.cluster.pool.query('select body, media_url, deleted_at from messages where match_id = $1 and seq = $2', [matchId, seq])).rows[0] as
      | { body: string | null; media_url: string | null; deleted_at: Date | null }
      | undefined;
  const noticesOf = async (userId: string, matchId: string) =>
    (await suite.cluster.pool.query(`select payload from stored_events where user_id = $1 and type = 'message.received' and payload->>'matchId' = $2 order by seq`, [userId, matchId])).rows.map(
      (r: { payload: { seq: number; preview: string; deleted?: boolean } }) => [r.payload.seq, r.payload.preview, r.payload.deleted ?? false],
    );
  const waitingFor = (table: string, mode: string): Promise<boolean> => lockAwaited(suite.cluster.pool, table, mode);

  /** A user's rows in a table. */
  const rowsOf = async (table: string, userId: string): Promise<number> =>
    Number((await suite.cluster.pool.query(`select count(*) as n from ${table} where user_id = $1`, [userId])).rows[0].n);
  const waitingBackends = (): Promise<number> => backendsWaitingOnLocks(suite.cluster.pool);

  /**
   * Erases the account held once it has taken the swipes table and the account's row (by a
   * blocker on its refresh token, deleted after them), starts `writes` meanwhile, and lets it
   * commit once `waiting` backends wait on locks (the erasure and the writes that wait for it).
   */
  async function whileErasureHeld<T>(userId: string, writes: () => Promise<T>, waiting: number): Promise<T> {
    const blocker = await suite.cluster.pool.connect();
    let done: Promise<[T, unknown]> | undefined;
    try {
      await blocker.query('begin');
      await blocker.query('select 1 from refresh_tokens where user_id = $1 for update', [userId]);
      const erasure = eraseAccount(database.db, userId, new Date(), harnessEmailKeys);
      await waitUntil(async () => (await waitingBackends()) === 1, 10_000, () => 'the erasure to wait for the blocker');
      let settled = false;
      done = Promise.all([writes(), erasure]).finally(() => (settled = true));
      await waitUntil(async () => settled || (await waitingBackends()) === waiting, 10_000, () => 'the writes to wait for the erasure');
      await blocker.query('commit');
      return (await done)[0];
    } finally {
      if (!done) await blocker.query('rollback');
      blocker.release();
    }
  }

  it('waits for a flush in flight, then erases the text it stored', async () => {
    const { owner, candidate, colleague, matchId } = await threadWithColleague();
    // A flush in flight: it stored the colleague's message and its notice, and has not committed.
    const flush = await suite.cluster.pool.connect();
    let erasure: Promise<unknown> | undefined;
    try {
      await flush.query('begin');
      await flush.query('update matches set last_seq = 1 where id = $1', [matchId]);
      await flush.query(`insert into messages (match_id, seq, sender_id, client_message_id, kind, body) values ($1, 1, $2, 'c1', 'text', 'call me at 555')`, [matchId, colleague.userId]);
      await flush.query(
        `insert into stored_events (user_id, seq, type, payload) select $1, coalesce(max(seq), 0) + 1, 'message.received', jsonb_build_object('matchId', $2::text, 'seq', 1, 'senderId', $3::text, 'kind', 'text', 'preview', 'call me at 555', 'unread', 1) from stored_events where user_id = $1`,
        [candidate.userId, matchId, colleague.userId],
      );
      let settled = false;
      erasure = eraseAccount(database.db, colleague.userId, new Date(), harnessEmailKeys).finally(() => (settled = true));
      // Without its second step's lock on messages it finishes here, before the flush commits.
      await waitUntil(async () => settled || (await waitingFor('messages', 'ShareRowExclusiveLock')), 10_000, () => 'the erasure to wait for the flush or finish');
      await flush.query('commit');
      assert.ok(await erasure);
    } finally {
      if (!erasure) await flush.query('rollback');
      flush.release();
    }
    const stored = await messageAt(matchId, 1);
    assert.equal(stored?.body, null, 'the text the flush stored went with its sender');
    assert.ok(stored?.deleted_at);
    assert.deepEqual(await noticesOf(candidate.userId, matchId), [[1, '', true]]);
    assert.deepEqual(await noticesOf(owner.userId, matchId), []);
  });

  it('makes a flush that begins after it store the message in its place without its text or preview', async () => {
    const { owner, candidate, colleague, matchId } = await threadWithColleague();
    const messages = [
      { seq: 1, senderId: owner.userId, clientMessageId: 'o1', kind: 'text' as const, body: 'welcome', mediaUrl: null, hidden: false },
      { seq: 2, senderId: colleague.userId, clientMessageId: 'c1', kind: 'text' as const, body: 'call me at 555', mediaUrl: null, hidden: false },
    ];
    // The actor accepted both and numbered the candidate's notices before it heard of the erasure.
    const notify = messageNotices({ matchId, memberIds: [owner.userId, candidate.userId, colleague.userId], isPresent: (u) => u !== candidate.userId, unreadOf: () => 0, messages });
    assert.ok(await eraseAccount(database.db, colleague.userId, new Date(), harnessEmailKeys));
    const [outcome] = await storeThreadBatches(database.db, [{ matchId, expectedLastSeq: 0, messages: messages.map(({ seq: _seq, ...m }) => m), notify }]);
    assert.equal(outcome?.kind, 'stored');
    if (outcome?.kind === 'stored') {
      // What the actor broadcasts to the members present.
      assert.deepEqual(outcome.messages.map((m) => [m.seq, m.senderId, m.body, m.deleted]), [[1, owner.userId, 'welcome', false], [2, colleague.userId, null, true]]);
      assert.deepEqual(outcome.events.map((e) => [e.userId, (e.data as { seq: number; preview: string }).preview]), [[candidate.userId, 'welcome'], [candidate.userId, '']]);
    }
    assert.equal((await messageAt(matchId, 2))?.body, null);
    assert.ok((await messageAt(matchId, 2))?.deleted_at, 'stored as erased');
    assert.equal((await messageAt(matchId, 1))?.body, 'welcome', 'the others’ messages keep theirs');
    assert.deepEqual(await noticesOf(candidate.userId, matchId), [[1, 'welcome', false], [2, '', true]]);
  });

  it('finishes the erasures of two matched people who wrote to each other, started at the same moment', async () => {
    const { owner, candidate, matchId } = await threadWithColleague();
    // Each wrote to the other while they were away: each one's stream holds a notice of the other's message.
    await suite.cluster.pool.query(`insert into messages (match_id, seq, sender_id, client_message_id, kind, body) values ($1, 1, $2, 'o1', 'text', 'hello'), ($1, 2, $3, 'c1', 'text', 'hi')`, [
      matchId,
      owner.userId,
      candidate.userId,
    ]);
    await suite.cluster.pool.query(
      `insert into stored_events (user_id, seq, type, payload)
       select v.reader, 1000, 'message.received', jsonb_build_object('matchId', $1::text, 'senderId', v.sender::text, 'preview', 'hello')
         from (values ($2::uuid, $3::uuid), ($3::uuid, $2::uuid)) as v(reader, sender)`,
      [matchId, owner.userId, candidate.userId],
    );
    // A flush in flight holds the first erasure at the swipes table, and the second waits its turn.
    const flush = await suite.cluster.pool.connect();
    let erasures: Promise<PromiseSettledResult<unknown>[]> | undefined;
    try {
      await flush.query('begin');
      await flush.query('lock table swipes in row exclusive mode');
      erasures = Promise.allSettled([eraseAccount(database.db, owner.userId, new Date(), harnessEmailKeys), eraseAccount(database.db, candidate.userId, new Date(), harnessEmailKeys)]);
      await waitUntil(async () => (await waitingBackends()) === 2, 10_000, () => 'both erasures to wait');
      await flush.query('commit');
      const outcomes = await erasures;
      assert.deepEqual(outcomes.map((o) => (o.status === 'fulfilled' ? 'erased' : String(o.reason))), ['erased', 'erased']);
    } finally {
      if (!erasures) await flush.query('rollback');
      flush.release();
    }
    const { rows } = await suite.cluster.pool.query('select count(*)::int as n from users where id = any($1::uuid[]) and deleted_at is not null', [[owner.userId, candidate.userId]]);
    assert.equal(rows[0].n, 2);
    assert.deepEqual([await rowsOf('stored_events', owner.userId), await rowsOf('stored_events', candidate.userId)], [0, 0]);
  });

  it('erases an account once when asked twice at the same moment', async () => {
    const { owner, candidate, matchId } = await threadWithColleague();
    await suite.cluster.pool.query(`insert into messages (match_id, seq, sender_id, client_message_id, kind, body) values ($1, 1, $2, 'o1', 'text', 'hello')`, [matchId, owner.userId]);
    const outcomes = await Promise.allSettled([eraseAccount(database.db, owner.userId, new Date(), harnessEmailKeys), eraseAccount(database.db, owner.userId, new Date(), harnessEmailKeys)]);
    const told = outcomes.map((o) => (o.status === 'rejected' ? String(o.reason) : o.value === undefined ? 'not found' : o.value.ended.ended.length));
    assert.deepEqual(told.sort(), [1, 'not found'], 'one erased it and ended the match, the other found it gone');
    assert.deepEqual(await noticesOf(candidate.userId, matchId), []);
    assert.equal((await messageAt(matchId, 1))?.body, null);
  });

  it('erases an account’s attendance, and sweeps what an arrival or an award that came while it ran stored', async () => {
    const url = suite.nodes[0].url;
    const [{ eventId }, leaving, staying] = await Promise.all([scheduleEvent(url, 10), registerUser(url), registerUser(url)]);
    const arrival = (userId: string) => ({ eventId, userId, generation: 0, at: new Date() }); // no actor took the event's seats over yet
    const award = (userId: string) => ({ award: { userId, action: ProgressAction.EVENT_ATTENDED, key: `event_attended:${eventId}` }, nowMs: Date.now() });
    await recordArrivals(database.db, [arrival(leaving.userId)]);
    await whileErasureHeld(
      leaving.userId,
      () => Promise.all([recordArrivals(database.db, [arrival(leaving.userId), arrival(staying.userId)]), recordProgressBatch(database.db, [award(leaving.userId), award(staying.userId)])]),
      3,
    );
    const left = ['attendance', 'progress_ledger', 'user_progress', 'stored_events'];
    assert.deepEqual(await Promise.all(left.map((table) => rowsOf(table, leaving.userId))), [0, 0, 0, 0], left.join(', '));
    assert.deepEqual([await rowsOf('attendance', staying.userId), await rowsOf('progress_ledger', staying.userId)], [1, 1], 'the others’ rows are stored');
  });

  it('leaves nothing of an arrival or an award that begins after it', async () => {
    const url = suite.nodes[0].url;
    const [{ eventId }, leaving] = await Promise.all([scheduleEvent(url, 10), registerUser(url)]);
    assert.ok(await eraseAccount(database.db, leaving.userId, new Date(), harnessEmailKeys));
    await recordArrivals(database.db, [{ eventId, userId: leaving.userId, generation: 0, at: new Date() }]);
    const [events] = await recordProgressBatch(database.db, [{ award: { userId: leaving.userId, action: ProgressAction.EVENT_ATTENDED, key: `event_attended:${eventId}` }, nowMs: Date.now() }]);
    assert.deepEqual(events, []);
    assert.deepEqual([await rowsOf('attendance', leaving.userId), await rowsOf('progress_ledger', leaving.userId), await rowsOf('user_progress', leaving.userId)], [0, 0, 0]);
  });

  it('numbers no event into its stream, from a write after it or one that waited for it', async () => {
    const url = suite.nodes[0].url;
    const [leaving, staying] = await Promise.all([registerUser(url), registerUser(url)]);
    const events = () => matchEndedEvents(randomUUID(), [leaving.userId, staying.userId]);
    // One that waits on the account's row while the erasure holds it.
    const waited = await whileErasureHeld(leaving.userId, () => database.db.transaction().execute((tx) => appendEventsOfUsers(tx, events())), 2);
    assert.deepEqual(waited.map((e) => e?.userId), [undefined, staying.userId]);
    const after = await database.db.transaction().execute((tx) => appendEventsOfUsers(tx, events()));
    assert.deepEqual(after.map((e) => e?.userId), [undefined, staying.userId]);
    assert.deepEqual(await appendUserEvents(database.db, leaving.userId, events().slice(0, 1)), []);
    assert.deepEqual([await rowsOf('stored_events', leaving.userId), await rowsOf('stored_events', staying.userId)], [0, 2]);
  });

  it('is finished by the sweep when its second step never ran', async () => {
    const { owner, colleague, matchId } = await threadWithColleague();
    const { eventId } = await scheduleEvent(suite.nodes[0].url, 10);
    // What a node that stopped between the two steps leaves: the account erased, and what writes begun before stored after.
    await suite.cluster.pool.query(`update users set deleted_at = now(), password_hash = $2 where id = $1`, [colleague.userId, ERASING]);
    await suite.cluster.pool.query(
      `insert into messages (match_id, seq, sender_id, client_message_id, kind, body) values ($1, 1, $2, 'o1', 'text', 'welcome'), ($1, 2, $3, 'c1', 'text', 'call me at 555')`,
      [matchId, owner.userId, colleague.userId],
    );
    await suite.cluster.pool.query(`insert into attendance (event_id, user_id, joined_at) values ($1, $2, now())`, [eventId, colleague.userId]);

    assert.ok((await finishErasures(database.db, new Date())) >= 1);
    assert.equal((await messageAt(matchId, 2))?.body, null, 'the text stored late went');
    assert.ok((await messageAt(matchId, 2))?.deleted_at);
    assert.equal((await messageAt(matchId, 1))?.body, 'welcome');
    const { rows } = await suite.cluster.pool.query(
      `select (select count(*)::int from attendance where user_id = $1) as attendance, (select password_hash from users where id = $1) as hash`,
      [colleague.userId],
    );
    assert.deepEqual(rows[0], { attendance: 0, hash: '!deleted' });
    assert.equal(await finishErasures(database.db, new Date()), 0, 'nothing is left for the next round');
  });
});
