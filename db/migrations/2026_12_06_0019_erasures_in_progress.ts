import { sql, type Kysely } from 'kysely';

// Frozen in time: never imports application types and never changes.
// An erasure now commits in two steps; between them the account's password hash is '!erasing'.
// Nodes look for accounts left there (a node stopped between the steps) every retention round:
// this index holds only those, so the look reads no other account.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index users_erasing_idx on users (id) where password_hash = '!erasing'`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('users_erasing_idx').ifExists().execute();
}
