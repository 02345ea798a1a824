import type { DatabaseHandle } from '../db/database';
import { migrateToLatest } from '../db/migrate';
import type { Logger } from './logger';

/** Brings a starting node's database to the latest schema; a failed migration closes it and stops the start. */
export async function migrateNodeDatabase(database: DatabaseHandle, logger: Logger): Promise<void> {
  const migration = await migrateToLatest(database.db);
  if (migration.error) {
    await database.close();
    throw new Error('database migration failed', { cause: migration.error });
  }
  if (migration.applied.length > 0) logger.info({ applied: migration.applied }, 'migrations applied');
}
