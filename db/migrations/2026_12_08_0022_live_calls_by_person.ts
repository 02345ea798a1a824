import { sql, type Kysely } from 'kysely';

// Frozen in time: never imports application types and never changes.
// A person is on one call at a time: a start or an answer looks up the live calls of the people
// in it, under the lock that serialises them. Only live calls are indexed, so these stay as small
// as the cap, whatever the table's history.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index calls_live_by_caller on calls (caller_id) where state in ('ringing', 'accepted')`.execute(db);
  await sql`create index calls_live_by_callee on calls (callee_id) where state in ('ringing', 'accepted')`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('calls_live_by_callee').ifExists().execute();
  await db.schema.dropIndex('calls_live_by_caller').ifExists().execute();
}
