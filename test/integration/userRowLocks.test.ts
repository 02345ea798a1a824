import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/types';
import { openDatabase } from '../../db/database';
import { appendEventsOfUsers } from '../../db/repositories/userEventBatchRepository';
import { insertCardsBulk } from '../../db/repositories/cardRepository';
import { insertMatchesBulk } from '../../db/repositories/matchRepository';
import { storeThreadBatches, type ThreadBatch } from '../../db/repositories/messageBatchRepository';
import { updatePresences } from '../../db/repositories/userRepository';
import { likeReceivedEvent, UserEventType } from '../../domain/userEvents';
import { registerUser, waitUntil } from '../support/accounts';
import { blankCard } from '../support/cards';
import { useTestCluster } from '../support/cluster';
import { storedMatch } from '../support/matches';

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

  it('stores a thread’s messages while their sender’s row is held for update, as an erasure holds it, without waiting for it', async () => {
    const [a, b] = await Promise.all([registerUser(suite.nodes[0].url), registerUser(suite.nodes[0].url)]);
    const database = await openDatabase({ kind: 'postgres', url: suite.cluster.env['DATABASE_URL']!, poolSize: 1 });
    const holder = await suite.cluster.pool.connect();
    try {
      const matchId = await storedMatch(database.db, [a.userId, b.userId]);
      await holder.query('begin');
      await holder.query('select 1 from users where id = $1 for update', [a.userId]);
      const outcomes = await database.db.transaction().execute(async (trx) => {
        // A key on the sender would wait here until the holder ends; the limit turns that wait into a failure.
        await sql`set local lock_timeout = '3s'`.execute(trx);
        const message = { senderId: a.userId, clientMessageId: 'm1', kind: 'text' as const, body: 'hi', mediaUrl: null, hidden: false };
        return storeThreadBatches(trx, [{ matchId, expectedLastSeq: 0, messages: [message], notify: [] }]);
      });
      assert.equal(outcomes[0]?.kind, 'stored');
      if (outcomes[0]?.kind === 'stored') assert.deepEqual(outcomes[0].messages.map((m) => [m.seq, m.senderId, m.body]), [[1, a.userId, 'hi']]);
    } finally {
      await holder.query('rollback');
      holder.release();
      await database.close();
    }
  });

  /**
   * Six new users; the first (lowest id) held as another flush numbering its
   * events would hold it; `run` started on all six given latest first (the order
   * a flush or a join might meet them in). Once `run` waits on the first, it must
   * hold none of the later ones. Answers the users, and what `run` gave once the
   * first was free. A statement that took them in another order would meet the
   * first before any other only one time in six: the tests check three times.
   */
  async function holdingTheFirst<T>(what: string, waitingQuery: string, run: (db: Kysely<Database>, latestFirst: string[]) => Promise<T>): Promise<{ ids: string[]; result: T }> {
    const ids = (await Promise.all(Array.from({ length: 6 }, () => registerUser(suite.nodes[0].url)))).map((u) => u.userId).sort();
    const [first, ...later] = ids as [string, ...string[]];
    const database = await openDatabase({ kind: 'postgres', url: suite.cluster.env['DATABASE_URL']!, poolSize: 1 });
    const holder = await suite.cluster.pool.connect();
    let running: Promise<T> | undefined;
    try {
      await holder.query('begin');
      await holder.query('select 1 from users where id = $1 for no key update', [first]);
      running = run(database.db, [...[...later].reverse(), first]);
      await waitUntil(async () => {
        const { rows } = await suite.cluster.pool.query("select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and query like $1", [waitingQuery]);
        return rows[0].n === 1;
      }, 10_000, () => `the ${what} waiting on the first user`);
      const { rows } = await holder.query('select id from users where id = any($1::uuid[]) for no key update skip locked', [later]);
      assert.equal(rows.length, later.length, `users the waiting ${what} already held`);
    } finally {
      await holder.query('rollback');
      holder.release();
      await running?.catch(() => undefined);
      await database.close();
    }
    return { ids, result: await running };
  }

  it('numbers many users’ events in id order: waiting on one, it holds none of the later ones', async () => {
    const like = (to: string, from: string) => likeReceivedEvent({ userId: to, isPremium: false }, { fromCardId: from, fromUserId: from, toCardId: to, superlike: false });
    for (let round = 0; round < 3; round++) {
      const { ids, result } = await holdingTheFirst('append', '%insert into stored_events%', (db, users) =>
        db.transaction().execute((trx) => appendEventsOfUsers(trx, users.map((to) => like(to, users[0]!)))),
      );
      // Once the first was free, every user's event was stored.
      assert.equal(result.filter((event) => event !== undefined).length, ids.length);
    }
  });

  it('tells a chat flush’s absent members in id order: waiting on one, it holds none of the later ones, and each thread gets its own events', async () => {
    for (let round = 0; round < 3; round++) {
      let first = '';
      const { ids, result } = await holdingTheFirst('chat flush', '%insert into stored_events%', async (db, users) => {
        first = users[users.length - 1]!;
        const cards = users.map((ownerId) => blankCard({ id: randomUUID(), kind: 'person', ownerId }));
        await insertCardsBulk(db, cards);
        // A ring of threads, each member telling the next, and one more thread to the first user: told twice in one flush.
        const pairs = [...users.map((_, i) => [i, (i + 1) % users.length] as const), [2, users.length - 1] as const];
        const matches = pairs.map(([from, to]) => ({ id: randomUUID(), cardA: cards[from]!, cardB: cards[to]! }));
        await insertMatchesBulk(db, matches);
        const batches: ThreadBatch[] = pairs.map(([from, to], k) => ({
          matchId: matches[k]!.id,
          expectedLastSeq: 0,
          messages: [{ senderId: users[from]!, clientMessageId: `m${k}`, kind: 'text', body: 'hi', mediaUrl: null, hidden: false }],
          notify: [{ userId: users[to]!, events: [{ userId: users[to]!, type: UserEventType.MESSAGE_RECEIVED, data: { matchId: matches[k]!.id, seq: 1, senderId: users[from]!, kind: 'text', preview: 'hi', unread: 1 } }] }],
        }));
        return { batches, outcomes: await storeThreadBatches(db, batches) };
      });
      assert.equal(result.outcomes.length, ids.length + 1);
      result.outcomes.forEach((outcome, k) => {
        assert.equal(outcome.kind, 'stored');
        if (outcome.kind !== 'stored') return;
        const told = result.batches[k]!.notify[0]!.userId;
        // Each thread's own event comes back to it, for its own recipient.
        assert.deepEqual(outcome.events.map((e) => [e.userId, e.type, (e.data as { matchId?: string }).matchId]), [[told, UserEventType.MESSAGE_RECEIVED, result.batches[k]!.matchId]]);
      });
      const seqsOf = (userId: string) => result.outcomes.flatMap((o) => (o.kind === 'stored' ? o.events : [])).filter((e) => e.userId === userId).map((e) => e.seq).sort();
      assert.deepEqual(seqsOf(first), [1, 2], 'the user told by two threads: numbered one after the other');
      for (const userId of ids.filter((id) => id !== first)) assert.deepEqual(seqsOf(userId), [1]);
    }
  });

  it('takes many users’ presence in id order: waiting on one, it holds none of the later ones', async () => {
    for (let round = 0; round < 3; round++) {
      const at = new Date();
      const { ids } = await holdingTheFirst('presence update', '%update users u set presence%', (db, users) =>
        updatePresences(db, users.map((userId) => ({ userId, presence: 'away' as const, lastSeenAt: at }))),
      );
      const { rows } = await suite.cluster.pool.query("select count(*)::int as n from users where id = any($1::uuid[]) and presence = 'away' and last_seen_at = $2", [ids, at]);
      assert.equal(rows[0].n, ids.length);
    }
  });
});
