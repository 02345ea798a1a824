import { sql, type Kysely } from 'kysely';
import type { Database } from './types';

/**
 * Refreshes the planner's statistics. After a bulk load (seeding a benchmark,
 * restoring a dump) the tables' statistics say they are empty until autovacuum
 * comes round, and the planner scans instead of using the indexes meanwhile.
 */
export async function analyzeTables(db: Kysely<Database>): Promise<void> {
  await sql`analyze`.execute(db);
}
