import type { Kysely } from 'kysely';
import { Migrator, type MigrationResult } from 'kysely/migration';
import { MIGRATIONS } from './migrations';
import type { Database } from './types';

export interface MigrationOutcome {
  readonly applied: readonly string[];
  readonly error: unknown;
}

/**
 * Brings the schema up to date. Safe to run from every node at once: kysely
 * takes a database lock around the run, so a second runner finds nothing to do.
 */
export async function migrateToLatest(db: Kysely<Database>): Promise<MigrationOutcome> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => ({ ...MIGRATIONS }) },
  });
  const { error, results } = await migrator.migrateToLatest();
  const applied = (results ?? [])
    .filter((r: MigrationResult) => r.status === 'Success')
    .map((r: MigrationResult) => r.migrationName);
  const failed = (results ?? []).find((r: MigrationResult) => r.status === 'Error');
  return {
    applied,
    error: error ?? (failed ? new Error(`migration ${failed.migrationName} failed`) : undefined),
  };
}
