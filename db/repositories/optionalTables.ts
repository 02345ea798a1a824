import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../types';

/**
 * Tables of features that a deployment may not have migrated yet (push targets and
 * their outbox, progress, companies) that hold a person's rows: an erasure removes
 * them and an export reads them wherever the table exists.
 */
export const OPTIONAL_PERSONAL_TABLES = ['push_targets', 'push_outbox', 'progress_ledger', 'user_progress', 'quest_progress', 'company_members'] as const;
export type OptionalPersonalTable = (typeof OPTIONAL_PERSONAL_TABLES)[number];

/** Which of them this database has. */
export async function presentOptionalTables(db: Kysely<Database> | Transaction<Database>): Promise<OptionalPersonalTable[]> {
  const present = await sql<{ name: OptionalPersonalTable }>`
    select table_name as name from information_schema.tables
     where table_schema = current_schema() and table_name = any(${[...OPTIONAL_PERSONAL_TABLES]}::text[])`.execute(db);
  return present.rows.map((r) => r.name);
}
