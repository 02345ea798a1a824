import { sql, type Kysely } from 'kysely';

// Frozen in time: never imports application types and never changes.
// A push of a message no longer keeps the message's text: the worker reads it from the stored
// notice when it delivers, so erasing the notice's text erases the push's. Rows written before
// kept it, for as long as the outbox keeps finished rows: it goes now.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`update push_outbox set payload = payload - 'preview' where payload ? 'preview'`.execute(db);
}

// The text is gone for good; rows written from now on never had it.
export async function down(): Promise<void> {}
