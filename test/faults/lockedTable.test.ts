import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import type { DatabaseHandle } from '../../db/database';
import { insertUser } from '../../db/repositories/userRepository';
import { ErrorCode } from '../../domain/errors';
import { waitUntil } from '../support/accounts';
import { backendsWaitingOnLocks } from '../support/clusterDatabase';
import { codesOf } from '../support/faultChecks';
import { createScratchDatabase, migratedScratchDatabase, servicesOrSkip, testPool } from '../support/services';

/** As a node's statements (DEPENDENCY_TIMEOUT_MS): one unanswered for this long is refused UNAVAILABLE. */
const QUERY_TIMEOUT_MS = 300;
const POOL_SIZE = 3;
/** More writes than the pool has connections: each refused one's connection is replaced by a new one. */
const WRITES = 4 * POOL_SIZE;

/**
 * A table held by a lock (an operator's ALTER TABLE, a long erasure) while a
 * node writes to it. Each write is refused UNAVAILABLE after the query timeout,
 * and Postgres must give it up too: a statement left waiting holds a backend
 * (up to the server's connection limit) and, once the lock clears, would apply
 * a write its caller was told had failed. In a database of its own, so the
 * lock holds up no other suite.
 */
describe('faults: writes to a locked table, refused UNAVAILABLE', function () {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>> | undefined;
  let database: DatabaseHandle | undefined;
  let observer: Pool | undefined;
  let holder: PoolClient | undefined;
  /** Lets a transaction the test stalled go on (at the end of its test, whatever happened). */
  let resume = (): void => undefined;

  before(async function () {
    const services = servicesOrSkip(this, { postgres: true });
    if (!services) return;
    // As a node opens it: migrated without a limit, then every statement limited.
    ({ scratch, database } = await migratedScratchDatabase(services.databaseUrl, POOL_SIZE, { connectTimeoutMs: QUERY_TIMEOUT_MS }));
    database.limitQueries(QUERY_TIMEOUT_MS);
    observer = testPool(scratch.url);
  });

  afterEach(async () => {
    resume();
    await holder?.query('rollback').catch(() => undefined);
    holder?.release();
    holder = undefined;
  });

  after(async () => {
    await database?.close();
    await observer?.end();
    await scratch?.drop();
  });

  it('leave no statement waiting in Postgres once refused, and none applies when the lock is released', async () => {
    holder = await observer!.connect();
    await holder.query('begin');
    await holder.query('lock table users in access exclusive mode');
    const emails = Array.from({ length: WRITES }, (_, i) => `refused-${i}@locked.test`);
    const outcomes = await Promise.allSettled(emails.map((email) => insertUser(database!.db, { id: randomUUID(), email, passwordHash: 'x' })));
    assert.deepEqual(codesOf(outcomes), [ErrorCode.UNAVAILABLE]);
    await waitUntil(async () => (await backendsWaitingOnLocks(observer!)) === 0, 10_000, () => 'the refused writes’ statements to be given up by Postgres');
    await holder.query('commit');
    // The node writes again once the table is free.
    await insertUser(database!.db, { id: randomUUID(), email: 'after@locked.test', passwordHash: 'x' });
    const applied = await observer!.query<{ email: string }>(`select email from users where email like 'refused-%'`);
    assert.deepEqual(applied.rows, [], 'writes refused UNAVAILABLE were applied once the lock was released');
  });

  it('a transaction the node leaves open longer than the query timeout is ended, its locks freed and its writes undone', async () => {
    const id = randomUUID();
    await insertUser(database!.db, { id, email: 'idle@locked.test', passwordHash: 'x' });
    const resumed = new Promise<void>((resolve) => (resume = resolve));
    let locked = false;
    // The node stops between two statements of a transaction (a stall), holding the row's lock.
    const stalled = database!.db.transaction().execute(async (tx) => {
      await tx.updateTable('users').set({ is_premium: true }).where('id', '=', id).execute();
      locked = true;
      await resumed;
      await tx.updateTable('users').set({ verified: true }).where('id', '=', id).execute();
    });
    await waitUntil(() => locked, 10_000, () => 'the transaction’s first write');
    await waitUntil(async () => (await observer!.query(`select 1 from pg_stat_activity where datname = current_database() and state like 'idle in transaction%'`)).rowCount === 0, 10_000, () => 'Postgres to end the idle transaction');
    // Nothing waits for its row any more: another write to it goes through at once.
    await database!.db.updateTable('users').set({ presence: 'online' }).where('id', '=', id).execute();
    resume();
    assert.deepEqual(codesOf(await Promise.allSettled([stalled])), [ErrorCode.UNAVAILABLE]);
    const row = await observer!.query<{ is_premium: boolean; verified: boolean }>(`select is_premium, verified from users where id = $1`, [id]);
    assert.deepEqual(row.rows, [{ is_premium: false, verified: false }]);
  });
});
