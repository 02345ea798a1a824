import { sql, type Kysely } from 'kysely';

// Frozen in time: never imports application types and never changes.
// A host's new event counts their events not yet over and those they created in the last
// 30 days, under their row lock: found through this index, not by reading every event.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index events_by_host on events (host_id, created_at)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('events_by_host').ifExists().execute();
}
