import type { Kysely } from 'kysely';

// Frozen in time: never imports application types and never changes.
// A stored event's key checked its user with a query of its own for every event stored.
// Events are stored by two statements only, and each numbers them through the update of
// the user's row in the same statement (the row exists, and stays locked until commit);
// no account row is ever deleted (an erasure empties it and deletes its events itself).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('stored_events').dropConstraint('stored_events_user_id_fkey').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('stored_events').addForeignKeyConstraint('stored_events_user_id_fkey', ['user_id'], 'users', ['id']).onDelete('cascade').execute();
}
