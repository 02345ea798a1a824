import { Pool } from 'pg';
import { openDatabase, type DatabaseHandle, type OpenOptions } from '../../db/database';
import { migrateToLatest } from '../../db/migrate';
import { createScratchDatabase, scratchRedis as scratchRedisDb } from '../../loadtest/harness/scratchServices';

/**
 * Real Postgres and Redis for the suites that need them. Without DATABASE_URL and
 * REDIS_URL such a suite is skipped with the reason, except under CI=true, where
 * it fails: CI must never pass by skipping.
 */
export interface Services {
  readonly databaseUrl: string;
  readonly redisUrl: string;
}

export function servicesOrSkip(context: Mocha.Context, needs: { postgres?: boolean; redis?: boolean }): Services | undefined {
  const missing = [
    needs.postgres && !process.env['DATABASE_URL'] ? 'DATABASE_URL' : undefined,
    needs.redis && !process.env['REDIS_URL'] ? 'REDIS_URL' : undefined,
  ].filter((v): v is string => v !== undefined);
  if (missing.length > 0) {
    const reason = `needs ${missing.join(' and ')} (real services); set them to run this suite`;
    if (process.env['CI'] === 'true') throw new Error(`CI: ${reason}`);
    process.stdout.write(`      skipped: ${reason}\n`);
    context.skip();
    return undefined;
  }
  return { databaseUrl: process.env['DATABASE_URL'] ?? '', redisUrl: process.env['REDIS_URL'] ?? '' };
}

export { createScratchDatabase };

/** A scratch database with every migration, opened as a node opens its Postgres (a pool of `poolSize`). */
export async function migratedScratchDatabase(
  databaseUrl: string,
  poolSize: number,
  options?: OpenOptions,
): Promise<{ scratch: Awaited<ReturnType<typeof createScratchDatabase>>; database: DatabaseHandle }> {
  const scratch = await createScratchDatabase(databaseUrl);
  const database = await openDatabase({ kind: 'postgres', url: scratch.url, poolSize }, options);
  await migrateToLatest(database.db);
  return { scratch, database };
}

/**
 * A small pool for a suite's own queries. pg's `end()` resolves before its
 * connections are gone, so dropping the database right after may end one of
 * them from the server side; without a listener that error would crash the
 * whole test run. pg has discarded such a connection already: nothing to do.
 */
export function testPool(url: string): Pool {
  const pool = new Pool({ connectionString: url, max: 2 });
  pool.on('error', () => undefined);
  return pool;
}

/** The Redis logical database the test suites use, emptied before and after. */
export const TEST_REDIS_DB = Number(process.env['KISMET_TEST_REDIS_DB'] ?? 13);

export function scratchRedis(baseUrl: string): ReturnType<typeof scratchRedisDb> {
  return scratchRedisDb(baseUrl, TEST_REDIS_DB);
}
