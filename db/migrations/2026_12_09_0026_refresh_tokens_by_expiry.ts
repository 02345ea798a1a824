import { sql, type Kysely } from 'kysely';

// Frozen in time: never imports application types and never changes.
// Refresh tokens past their expiry open nothing: each retention round deletes them, found
// through this index, so the round reads none of the tokens still alive.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index refresh_tokens_by_expiry on refresh_tokens (expires_at)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('refresh_tokens_by_expiry').ifExists().execute();
}
