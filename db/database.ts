import fs from 'node:fs';
import { Kysely, PostgresDialect, sql } from 'kysely';
import { Pool } from 'pg';
import { lockDataDir } from './dataDirLock';
import { PreparingPool } from './preparingPool';
import type { Database } from './types';

export type DatabaseSettings =
  | { readonly kind: 'postgres'; readonly url: string; readonly poolSize: number }
  | { readonly kind: 'pglite'; readonly dataDir: string };

export interface DatabaseHandle {
  readonly db: Kysely<Database>;
  readonly kind: DatabaseSettings['kind'];
  /** Answers true when a trivial query round-trips. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

export interface OpenOptions {
  /**
   * The embedded folder's lock was taken from under this process (see
   * lockDataDir): it must stop using the folder at once. Required with PGlite.
   */
  readonly onDataDirLost?: (error: Error) => void;
}

/**
 * Opens real Postgres through `pg`, or the embedded PGlite persisted in a folder,
 * which this process then holds alone until `close()` (DATA_DIR_IN_USE otherwise).
 */
export async function openDatabase(settings: DatabaseSettings, options: OpenOptions = {}): Promise<DatabaseHandle> {
  let db: Kysely<Database>;
  let releaseDataDir: (() => Promise<void>) | undefined;
  if (settings.kind === 'postgres') {
    const pool = new Pool({ connectionString: settings.url, max: settings.poolSize });
    db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: new PreparingPool(pool) }) });
  } else {
    fs.mkdirSync(settings.dataDir, { recursive: true });
    releaseDataDir = await lockDataDir(settings.dataDir, options.onDataDirLost ?? ((error) => { throw error; }));
    try {
      // Loaded lazily so a Postgres deployment never pays for the embedded engine.
      const { PGlite } = await import('@electric-sql/pglite');
      const { PGliteDialect } = await import('kysely-pglite-dialect');
      const pglite = await PGlite.create(settings.dataDir);
      db = new Kysely<Database>({ dialect: new PGliteDialect(pglite) });
    } catch (error) {
      await releaseDataDir();
      throw error;
    }
  }
  return {
    db,
    kind: settings.kind,
    async ping() {
      try {
        await sql`select 1`.execute(db);
        return true;
      } catch {
        return false;
      }
    },
    async close() {
      try {
        await db.destroy();
      } finally {
        await releaseDataDir?.();
      }
    },
  };
}
