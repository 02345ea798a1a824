import { sql, type Kysely } from 'kysely';

// Frozen in time: never imports application types and never changes.
// A device's cursor not seen for the stored events' retention period goes in the retention
// round, found through this index, so the round reads none of the cursors in use.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index device_cursors_by_last_seen on device_cursors (last_seen_at)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('device_cursors_by_last_seen').ifExists().execute();
}
