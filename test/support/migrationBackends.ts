import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Kysely } from 'kysely';
import { Migrator } from 'kysely/migration';
import { openDatabase, type DatabaseHandle, type DatabaseSettings } from '../../db/database';
import { MIGRATIONS } from '../../db/migrations';
import type { Database } from '../../db/types';
import { createScratchDatabase, servicesOrSkip } from './services';

type FreshDatabase = (context: Mocha.Context) => Promise<{ settings: DatabaseSettings; drop(): Promise<void> } | undefined>;

/** A fresh database of each backend; undefined when its service is missing (the test is skipped). */
const BACKENDS: ReadonlyArray<readonly [string, FreshDatabase]> = [
  ['embedded (PGlite)', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kismet-test-'));
    return { settings: { kind: 'pglite', dataDir }, drop: async () => fs.rmSync(dataDir, { recursive: true, force: true }) };
  }],
  ['Postgres', async (context) => {
    const services = servicesOrSkip(context, { postgres: true });
    if (!services) return undefined;
    const scratch = await createScratchDatabase(services.databaseUrl);
    return { settings: { kind: 'postgres', url: scratch.url, poolSize: 1 }, drop: () => scratch.drop() };
  }],
];

/**
 * One test per backend of a migration on data stored before it: `test` gets a fresh
 * database migrated up to `before` (the migration just before it, by name), fills it
 * and migrates on; the database is dropped after.
 */
export function itOnEachBackendAfter(before: string, title: string, test: (db: Kysely<Database>) => Promise<void>): void {
  for (const [name, fresh] of BACKENDS) {
    it(`${name}: ${title}`, async function () {
      const made = await fresh(this);
      if (!made) return;
      let database: DatabaseHandle | undefined;
      try {
        database = await openDatabase(made.settings);
        const migrator = new Migrator({ db: database.db, provider: { getMigrations: async () => ({ ...MIGRATIONS }) } });
        assert.equal((await migrator.migrateTo(before)).error, undefined);
        await test(database.db);
      } finally {
        await database?.close();
        await made.drop();
      }
    });
  }
}
