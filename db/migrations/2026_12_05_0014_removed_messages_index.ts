import { sql, type Kysely } from 'kysely';

// Frozen in time: never imports application types and never changes.
// A node back from a Redis outage asks each of its threads which of its messages were
// removed since a moment (ThreadReads.erasedSince). Removed messages are few: an index of
// them alone answers that without reading every message of every thread.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createIndex('messages_removed_idx')
    .on('messages')
    .columns(['match_id', 'deleted_at'])
    .where(sql.ref('deleted_at'), 'is not', null)
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('messages_removed_idx').execute();
}
