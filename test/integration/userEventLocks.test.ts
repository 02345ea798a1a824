import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { openDatabase } from '../../db/database';
import { appendEventsOfUsers } from '../../db/repositories/userEventBatchRepository';
import { likeReceivedEvent } from '../../domain/userEvents';
import { registerUser } from '../support/accounts';
import { useTestCluster } from '../support/cluster';

/**
 * Two nodes' swipe flushes once met in a cycle: one held the key-share locks its
 * foreign keys take on users (a swipe's swiper) and waited on a pair row, while
 * the other held that pair row and locked the same users `for update` to number
 * their events. Postgres broke each cycle after a second, and the flush began
 * again. Numbering events must not wait on such locks.
 */
describe('numbering many users’ events beside another transaction’s foreign keys', function () {
  const suite = useTestCluster(1);

  it('locks the users without waiting on the key-share locks another transaction holds on them', async () => {
    const [a, b] = await Promise.all([registerUser(suite.nodes[0].url), registerUser(suite.nodes[0].url)]);
    const database = await openDatabase({ kind: 'postgres', url: suite.cluster.env['DATABASE_URL']!, poolSize: 1 });
    const holder = await suite.cluster.pool.connect();
    try {
      await holder.query('begin');
      // The lock inserting a swipe or a match member holds on its user until it commits.
      await holder.query('select 1 from users where id = any($1::uuid[]) for key share', [[a.userId, b.userId]]);
      const like = (to: string, from: string) =>
        likeReceivedEvent({ userId: to, isPremium: false }, { fromCardId: from, fromUserId: from, toCardId: to, superlike: false });
      const stored = await database.db.transaction().execute(async (trx) => {
        // Without the fix this waits until the holder ends; the limit turns that wait into a failure.
        await sql`set local lock_timeout = '3s'`.execute(trx);
        return appendEventsOfUsers(trx, [like(a.userId, b.userId), like(b.userId, a.userId), like(a.userId, b.userId)]);
      });
      assert.deepEqual(stored.map((e) => [e?.userId, e?.seq]), [[a.userId, 1], [b.userId, 1], [a.userId, 2]]);
    } finally {
      await holder.query('rollback');
      holder.release();
      await database.close();
    }
  });
});
