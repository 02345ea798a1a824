import assert from 'node:assert/strict';
import { BatchedSwipeStore } from '../../db/batchedSwipeStore';
import type { SwipeToRecord } from '../../db/repositories/swipeRepository';
import { utcDay } from '../../domain/progress';
import { eraseAccount } from '../../db/repositories/accountErasureRepository';
import { harnessEmailKeys } from '../support/emailKeys';
import { waitUntil } from '../support/accounts';
import { registerPerson, storedMatch, swipeToRecord, type Person } from '../support/matches';
import { useTestCluster } from '../support/cluster';
import { backendsWaitingOnLocks, lockAwaited, useClusterDatabase } from '../support/clusterDatabase';

/**
 * A card can go between a swipe's read and its flush (its owner's account erased).
 * The swipe at the gone card is answered `gone` and every other swipe of the flush is
 * stored as if it had not been there; an erasure and the flushes around it never
 * leave a swipe at a card that is gone, and the flushes do not wait for the longest
 * part of an erasure.
 */
describe('a swipe flush with a card deleted after its read', function () {
  const suite = useTestCluster(1);
  const database = useClusterDatabase(suite);

  const likeOf = (from: Person, to: Person): SwipeToRecord => swipeToRecord(from, to, 'like', [], utcDay(Date.now()));
  const swipesAt = async (person: Person): Promise<number> =>
    Number((await suite.cluster.pool.query('select count(*) as n from swipes where to_card_id = $1', [person.card.id])).rows[0].n);
  const likesReceivedBy = async (person: Person): Promise<number> =>
    Number((await suite.cluster.pool.query(`select count(*) as n from stored_events where user_id = $1 and type = 'like.received'`, [person.userId])).rows[0].n);

  it('answers the swipe at the gone card `gone` and stores the rest of its flush', async () => {
    const url = suite.nodes[0].url;
    const [liker, liked, other, gone] = await Promise.all([registerPerson(url, 'liker'), registerPerson(url, 'liked'), registerPerson(url, 'other'), registerPerson(url, 'gone')]);
    await suite.cluster.pool.query('delete from cards where id = $1', [gone.card.id]);

    const flushes: number[] = [];
    const store = new BatchedSwipeStore(database.db, (swipes) => flushes.push(swipes));
    // Submitted in one turn: both go out in the node's next flush, together.
    const [kept, refused] = await Promise.all([store.record(likeOf(liker, liked)), store.record(likeOf(other, gone))]);

    assert.deepEqual(flushes, [2], 'both swipes shared one flush');
    assert.equal(refused.kind, 'gone');
    assert.equal(kept.kind, 'recorded');
    assert.deepEqual(kept.kind === 'recorded' ? kept.events.map((e) => [e.userId, e.type]) : [], [[liked.userId, 'like.received']]);
    assert.deepEqual([await swipesAt(liked), await swipesAt(gone)], [1, 0]);
    assert.equal(await likesReceivedBy(liked), 1);
  });

  const waitingForSwipes = (mode: string): Promise<boolean> => lockAwaited(suite.cluster.pool, 'swipes', mode);

  it('an erasure waits for a flush in flight, then deletes what it stored', async () => {
    const url = suite.nodes[0].url;
    const [liker, leaving] = await Promise.all([registerPerson(url, 'liker'), registerPerson(url, 'leaving')]);
    // A flush in flight: its transaction stored a like of the leaving person's card and has not committed.
    const flush = await suite.cluster.pool.connect();
    try {
      await flush.query('begin');
      await flush.query(`insert into swipes (from_card_id, to_card_id, swiper_id, kind) values ($1, $2, $3, 'like')`, [liker.card.id, leaving.card.id, liker.userId]);
      const erased = eraseAccount(database.db, leaving.userId, new Date(), harnessEmailKeys);
      await waitUntil(() => waitingForSwipes('ShareRowExclusiveLock'), 10_000, () => 'the erasure to wait for the flush');
      await flush.query('commit');
      assert.ok(await erased);
    } finally {
      flush.release();
    }
    assert.equal(await swipesAt(leaving), 0, 'the like the flush stored went with the account');
  });

  it('a flush that starts while an erasure holds the swipes waits, then answers `gone` for its cards', async () => {
    const url = suite.nodes[0].url;
    const [liker, liked, leaving] = await Promise.all([registerPerson(url, 'liker'), registerPerson(url, 'liked'), registerPerson(url, 'leaving')]);
    // An erasure under way: it holds the swipes table and has deleted the card, not yet committed.
    const erasure = await suite.cluster.pool.connect();
    const store = new BatchedSwipeStore(database.db);
    try {
      await erasure.query('begin');
      await erasure.query('lock table swipes in share row exclusive mode');
      await erasure.query('delete from cards where id = $1', [leaving.card.id]);
      const writes = Promise.all([store.record(likeOf(liker, leaving)), store.record(likeOf(liker, liked))]);
      await waitUntil(() => waitingForSwipes('RowExclusiveLock'), 10_000, () => 'the flush to wait for the erasure');
      await erasure.query('commit');
      const [atGone, atLiked] = await writes;
      assert.equal(atGone.kind, 'gone');
      assert.equal(atLiked.kind, 'recorded');
    } finally {
      erasure.release();
    }
    assert.deepEqual([await swipesAt(leaving), await swipesAt(liked)], [0, 1]);
  });

  it('an erasure lets the flushes go on while it erases the text of the person’s messages', async () => {
    const url = suite.nodes[0].url;
    const [liker, liked, leaving, other] = await Promise.all([registerPerson(url, 'liker'), registerPerson(url, 'liked'), registerPerson(url, 'leaving'), registerPerson(url, 'other')]);
    const matchId = await storedMatch(database.db, [leaving.userId, other.userId]);
    await suite.cluster.pool.query(`insert into messages (match_id, seq, sender_id, client_message_id, kind, body) values ($1, 1, $2, 'l1', 'text', 'see you at 8')`, [
      matchId,
      leaving.userId,
    ]);
    // Holds the erasure at the person's messages, as a long erasure of many is held.
    const blocker = await suite.cluster.pool.connect();
    let erasure: Promise<unknown> | undefined;
    try {
      await blocker.query('begin');
      await blocker.query('select 1 from messages where match_id = $1 for update', [matchId]);
      erasure = eraseAccount(database.db, leaving.userId, new Date(), harnessEmailKeys);
      await waitUntil(async () => (await backendsWaitingOnLocks(suite.cluster.pool)) === 1, 10_000, () => 'the erasure to wait at the messages');
      let settled = false;
      const flush = new BatchedSwipeStore(database.db).record(likeOf(liker, liked)).finally(() => (settled = true));
      await waitUntil(async () => settled || (await waitingForSwipes('RowExclusiveLock')), 10_000, () => 'the flush to be stored or to wait');
      assert.equal(settled, true, 'the flush was stored while the erasure waited');
      assert.equal((await flush).kind, 'recorded');
      await blocker.query('commit');
      assert.ok(await erasure);
    } finally {
      if (!erasure) await blocker.query('rollback');
      blocker.release();
    }
    const { rows } = await suite.cluster.pool.query('select body from messages where match_id = $1', [matchId]);
    assert.deepEqual(rows, [{ body: null }], 'the message lost its text all the same');
    assert.equal(await swipesAt(liked), 1);
  });
});
