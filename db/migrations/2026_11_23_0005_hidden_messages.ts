import { type Kysely, sql } from 'kysely';

// Frozen in time: never imports application types and never changes.
// A shadow-banned sender's messages are stored like any other, but only their sender
// sees them. A constant default adds the column without rewriting the table.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('messages').addColumn('hidden', 'boolean', (c) => c.notNull().defaultTo(sql`false`)).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('messages').dropColumn('hidden').execute();
}
