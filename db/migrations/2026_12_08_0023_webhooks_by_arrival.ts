import { sql, type Kysely } from 'kysely';

// Frozen in time: never imports application types and never changes.
// A LiveKit webhook's id only needs keeping while the event could still pass the age check:
// each new one drops those received long before, found through this index.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index livekit_webhooks_by_arrival on livekit_webhooks (received_at)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('livekit_webhooks_by_arrival').ifExists().execute();
}
