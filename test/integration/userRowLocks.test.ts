import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { openDatabase } from '../../db/database';
import { appendEventsOfUsers } from '../../db/repositories/userEventBatchRepository';
import { updatePresences } from '../../db/repositories/userRepository';
import { likeReceivedEvent } from '../../domain/userEvents';
import { registerUser, waitUntil } from '../support/accounts';
import { useTestCluster } from '../support/cluster';

/**
 * Statements that lock many users' rows (numbering their events, writing their
 * presence) run beside each other on two nodes. Two nodes' swipe flushes once
 * met in a cycle: one held the key-share locks its foreign keys take on users
 * (a swipe's swiper) and waited on a pair row, while the other held that pair
 * row and locked the same users `for update` to number their events. Postgres
 * broke each cycle after a second, and the flush began again. So: numbering
 * takes no lock that waits on a foreign key's, and every such statement takes
 * its users in one order.
 */
describe('locks on many users’ rows at once', function () {
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

  it('numbers many users’ events in id order: waiting on one, it holds none of the later ones', async () => {
    const ids = (await Promise.all(Array.from({ length: 6 }, () => registerUser(suite.nodes[0].url)))).map((u) => u.userId).sort();
    const [first, ...later] = ids as [string, ...string[]];
    const database = await openDatabase({ kind: 'postgres', url: suite.cluster.env['DATABASE_URL']!, poolSize: 1 });
    const holder = await suite.cluster.pool.connect();
    const like = (to: string) => likeReceivedEvent({ userId: to, isPremium: false }, { fromCardId: first, fromUserId: first, toCardId: to, superlike: false });
    let appending: Promise<Array<unknown>> | undefined;
    try {
      await holder.query('begin');
      // As another flush numbering the first user's events holds it.
      await holder.query('select 1 from users where id = $1 for no key update', [first]);
      // Given latest first: the order a flush might meet them in.
      appending = database.db.transaction().execute((trx) => appendEventsOfUsers(trx, [...[...later].reverse(), first].map(like)));
      await waitUntil(async () => {
        const { rows } = await suite.cluster.pool.query("select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and query like '%insert into stored_events%'");
        return rows[0].n === 1;
      }, 10_000, () => 'the append waiting on the first user');
      const { rows } = await holder.query('select id from users where id = any($1::uuid[]) for no key update skip locked', [later]);
      assert.equal(rows.length, later.length, 'users the waiting append already held');
    } finally {
      await holder.query('rollback');
      holder.release();
      const stored = await appending;
      await database.close();
      // Once the first was free, every user's event was stored.
      assert.equal(stored?.filter((event) => event !== undefined).length, ids.length);
    }
  });

  it('takes many users’ presence in id order: waiting on one, it holds none of the later ones', async () => {
    const ids = (await Promise.all(Array.from({ length: 6 }, () => registerUser(suite.nodes[0].url)))).map((u) => u.userId).sort();
    const [first, ...later] = ids as [string, ...string[]];
    const database = await openDatabase({ kind: 'postgres', url: suite.cluster.env['DATABASE_URL']!, poolSize: 1 });
    const holder = await suite.cluster.pool.connect();
    let updating: Promise<void> | undefined;
    const at = new Date();
    try {
      await holder.query('begin');
      // As a flush numbering these users' events holds the first and goes on to the others.
      await holder.query('select 1 from users where id = $1 for no key update', [first]);
      // Given latest first: the order a join might meet them in.
      updating = updatePresences(database.db, [...[...later].reverse(), first].map((userId) => ({ userId, presence: 'away' as const, lastSeenAt: at })));
      await waitUntil(async () => {
        const { rows } = await suite.cluster.pool.query("select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and query like '%update users u set presence%'");
        return rows[0].n === 1;
      }, 10_000, () => 'the presence update waiting on the first user');
      const { rows } = await holder.query('select id from users where id = any($1::uuid[]) for no key update skip locked', [later]);
      assert.equal(rows.length, later.length, 'users the waiting presence update already held');
    } finally {
      await holder.query('rollback');
      holder.release();
      await updating;
      await database.close();
    }
    const { rows } = await suite.cluster.pool.query("select count(*)::int as n from users where id = any($1::uuid[]) and presence = 'away' and last_seen_at = $2", [ids, at]);
    assert.equal(rows[0].n, ids.length);
  });
});
