import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { BatchedSwipeStore } from '../../db/batchedSwipeStore';
import { openDatabase, type DatabaseHandle } from '../../db/database';
import type { SwipeToRecord } from '../../db/repositories/swipeRepository';
import { utcDay } from '../../domain/progress';
import { registerPerson, swipeToRecord, type Person } from '../support/matches';
import { useTestCluster } from '../support/cluster';

/**
 * A card can go between a swipe's read and its flush (its owner's account erased).
 * Postgres then refuses the flush's statement whole; the swipe at the gone card is
 * answered `gone` and every other swipe of the flush is stored as if it had not been there.
 */
describe('a swipe flush with a card deleted after its read', function () {
  const suite = useTestCluster(1);
  let database: DatabaseHandle;

  beforeEach(async () => {
    database = await openDatabase({ kind: 'postgres', url: suite.cluster.env['DATABASE_URL']!, poolSize: 2 });
  });
  afterEach(async () => {
    await database?.close();
  });

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

  it('still refuses a flush whose violation no gone card explains', async () => {
    const url = suite.nodes[0].url;
    const [liker, liked] = await Promise.all([registerPerson(url, 'liker'), registerPerson(url, 'liked')]);
    const store = new BatchedSwipeStore(database.db);
    // An owner that is no user: the key that fails is not a card's, so nothing is left out and the error stands.
    const swipe = likeOf(liker, liked);
    const orphanMatch = { ...swipe, to: { ...swipe.to, ownerId: randomUUID() } };
    const [a, b] = [liker.card.id, liked.card.id].sort();
    await suite.cluster.pool.query('insert into like_pairs (card_a_id, card_b_id, a_likes_b, b_likes_a) values ($1, $2, true, true)', [a, b]);
    await assert.rejects(store.record(orphanMatch), (error: { code?: string }) => error.code === '23503');
    assert.equal(await swipesAt(liked), 0);
  });
});
