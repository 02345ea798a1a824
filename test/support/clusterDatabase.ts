import type { Kysely } from 'kysely';
import type { Pool } from 'pg';
import { openDatabase, type DatabaseHandle } from '../../db/database';
import type { Database } from '../../db/types';
import type { SuiteCluster } from './cluster';

/**
 * The test's own handle on its suite's cluster database (`connections` of its
 * own, as a node's flushes and other writers), opened before each test and
 * closed after.
 */
export function useClusterDatabase(suite: SuiteCluster, connections = 2): { readonly db: Kysely<Database> } {
  let database: DatabaseHandle | undefined;
  beforeEach(async () => {
    database = await openDatabase({ kind: 'postgres', url: suite.cluster.env['DATABASE_URL']!, poolSize: connections });
  });
  afterEach(async () => {
    await database?.close();
    database = undefined;
  });
  return {
    get db() {
      if (!database) throw new Error('the test’s database is not open');
      return database.db;
    },
  };
}

/** Whether a lock of `mode` on `table` is being waited for now. */
export async function lockAwaited(pool: Pool, table: string, mode: string): Promise<boolean> {
  return (await pool.query(`select 1 from pg_locks where relation = $1::regclass and mode = $2 and not granted`, [table, mode])).rowCount! > 0;
}

/** How many backends of the pool's database wait on a lock now (a table's or a row's). */
export async function backendsWaitingOnLocks(pool: Pool): Promise<number> {
  return (await pool.query(`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`)).rows[0].n;
}

/** Whether a backend of the pool's database waits for an advisory lock now (one the test holds, say). */
export async function advisoryLockAwaited(pool: Pool): Promise<boolean> {
  const waiting = await pool.query(
    `select 1 from pg_locks where locktype = 'advisory' and not granted and database = (select oid from pg_database where datname = current_database())`,
  );
  return waiting.rowCount! > 0;
}
