import { sql, type Kysely } from 'kysely';

// Frozen in time: never imports application types and never changes.
// An erasure commits before the cluster is told of it (its tokens refused, its connections
// closed, its cards taken out of decks, its calls ended). What there is to tell is kept on the
// account's row, in the erasure's own transaction, until every part of it was told: a node that
// stops after the commit, or a part that fails, leaves it for the retention round (or the
// person's retry) to tell again. The index holds only the rows still owed.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table users add column erasure_announcement jsonb`.execute(db);
  await sql`create index users_erasure_announcement_owed_idx on users (id) where erasure_announcement is not null`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('users_erasure_announcement_owed_idx').ifExists().execute();
  await sql`alter table users drop column if exists erasure_announcement`.execute(db);
}
