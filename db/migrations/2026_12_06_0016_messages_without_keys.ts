import type { Kysely } from 'kysely';

// Frozen in time: never imports application types and never changes.
// A message's keys checked its match and its sender, each with a query of its own and a
// row lock (key share) for every message stored: two fifths of a chat flush's time in
// Postgres. They guard nothing the flush does not already hold. Messages are written by
// one statement only, the thread's batch, which stores each message through the update of
// its match's row (it exists, and stays locked until the flush commits), from a sender
// the thread's actor admitted as a member; and no match or account row is ever deleted
// (an erasure empties the account's row and keeps its messages' sequence). The sender's
// lock also made a flush wait for any transaction holding that account's row for update
// (an erasure, a company change), while holding its matches' rows.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('messages').dropConstraint('messages_match_id_fkey').execute();
  await db.schema.alterTable('messages').dropConstraint('messages_sender_id_fkey').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('messages').addForeignKeyConstraint('messages_match_id_fkey', ['match_id'], 'matches', ['id']).onDelete('cascade').execute();
  await db.schema.alterTable('messages').addForeignKeyConstraint('messages_sender_id_fkey', ['sender_id'], 'users', ['id']).onDelete('cascade').execute();
}
